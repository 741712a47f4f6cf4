// question: Which papers mention an entity (a model, method, dataset, task, modality or domain)?
// param: name = SAM  the entity, matched on any of its names; "" for any
// columns: title, id
// A name is looked up in the index of Name.key; with none, every named entity (the guard comes
// before the scan, so a lookup by name never runs it).
CALL {
  MATCH (name_index:Name {key: $name_key})-[:NAMES]->(thing) USING INDEX name_index:Name(key) RETURN thing
  UNION
  WITH $name_key AS key WHERE key IS NULL
  MATCH (:Name)-[:NAMES]->(thing) RETURN thing
}
MATCH (paper:Paper)-[:MENTIONS]->(thing)
RETURN DISTINCT paper.title AS title, paper.paper_id AS id
ORDER BY title, id
