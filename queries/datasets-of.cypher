// question: On which datasets was a model or method evaluated?
// param: name = Med-PaLM 2  a model or method, matched on any of its names; "" for any
// columns: dataset, papers
// A name is looked up in the index of Name.key; with none, every named entity (the guard comes
// before the scan, so a lookup by name never runs it).
CALL {
  MATCH (name_index:Name {key: $name_key})-[:NAMES]->(thing) USING INDEX name_index:Name(key) RETURN thing
  UNION
  WITH $name_key AS key WHERE key IS NULL
  MATCH (:Name)-[:NAMES]->(thing) RETURN thing
}
MATCH (thing)-[r:EVALUATED_ON]->(d)
WITH d, count(DISTINCT r.paper) AS papers  // by node: two datasets of one name are two rows
RETURN d.label AS dataset, papers
ORDER BY papers DESC, dataset
