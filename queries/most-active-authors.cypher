// question: Who wrote the most papers on a model, method, dataset, task, modality or domain?
// param: name = LoRA  the entity, matched on any of its names; "" for any
// columns: author, papers
// A name is looked up in the index of Name.key; with none, every named entity (the guard comes
// before the scan, so a lookup by name never runs it).
CALL {
  MATCH (name_index:Name {key: $name_key})-[:NAMES]->(x) USING INDEX name_index:Name(key) RETURN x
  UNION
  WITH $name_key AS key WHERE key IS NULL
  MATCH (:Name)-[:NAMES]->(x) RETURN x
}
MATCH (paper:Paper)-[:MENTIONS]->(x)
MATCH (paper)-[:HAS_AUTHOR]->(a:Author)
WITH a, count(DISTINCT paper) AS papers
RETURN a.label AS author, papers
ORDER BY papers DESC, author
