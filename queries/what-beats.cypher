// question: What is reported to beat a model or method (on a dataset), and in which paper?
// param: name = LoRA  the model or method that was beaten, matched on any of its names
// param: dataset = ""  a dataset the paper evaluates on, matched on any of its names; empty for any
// columns: winner, title
// A name is looked up in the index of Name.key; with none, every named entity (the guard comes
// before the scan, so a lookup by name never runs it).
CALL {
  MATCH (name_index:Name {key: $name_key})-[:NAMES]->(loser) USING INDEX name_index:Name(key) RETURN loser
  UNION
  WITH $name_key AS key WHERE key IS NULL
  MATCH (:Name)-[:NAMES]->(loser) RETURN loser
}
MATCH (w)-[r:OUTPERFORMS]->(loser)
MATCH (paper:Paper {paper_id: r.paper})
// Evaluated on, as the paper says (by the paper itself, a model or a method of it).
WHERE $dataset = '' OR EXISTS {
  MATCH (:Name {key: $dataset_key})-[:NAMES]->(d:Dataset)<-[e:EVALUATED_ON]-() WHERE e.paper = r.paper }
RETURN DISTINCT w.label AS winner, paper.title AS title
ORDER BY winner, title
