// question: Which papers proposed a model, method or dataset, earliest first?
// param: name = LoRA  the model, method or dataset, matched on any of its names; "" for any
// columns: name, date, title, id
// A name is looked up in the index of Name.key; with none, every named entity (the guard comes
// before the scan, so a lookup by name never runs it).
CALL {
  MATCH (name_index:Name {key: $name_key})-[:NAMES]->(x) USING INDEX name_index:Name(key) RETURN x
  UNION
  WITH $name_key AS key WHERE key IS NULL
  MATCH (:Name)-[:NAMES]->(x) RETURN x
}
MATCH (paper:Paper)-[:PROPOSES]->(x)
WHERE paper.date IS NOT NULL
RETURN DISTINCT x.label AS name, paper.date AS date, paper.title AS title, paper.paper_id AS id
ORDER BY date, title
