// question: What is reported to beat a model or method (on a dataset), and in which paper?
// param: name = LoRA  the model or method that was beaten, matched on any of its names
// param: dataset = ""  a dataset the paper evaluates on, matched on any of its names; empty for any
// columns: winner, title
WITH $name_key AS key, $dataset_key AS dataKey
MATCH (loser) WHERE key IN loser.matchKeys OR (key IS NULL AND loser.matchKeys IS NOT NULL)
MATCH (w)-[r:OUTPERFORMS]->(loser)
MATCH (paper:Paper {paper_id: r.paper})
WHERE $dataset = '' OR EXISTS { MATCH (paper)-[:MENTIONS]->(d:Dataset) WHERE dataKey IN d.matchKeys }
RETURN DISTINCT w.label AS winner, paper.title AS title
ORDER BY winner, title
