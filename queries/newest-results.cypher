// question: What are the newest results reported on a dataset?
// param: dataset = GLUE  the dataset, matched on any of its names; "" for any
// columns: date, subject, metric, value, unit, dataset, title
WITH $dataset_key AS key
MATCH (d:Dataset) WHERE key IS NULL OR key IN d.matchKeys
MATCH (result:Result)-[:ON_DATASET]->(d)
MATCH (s)-[:HAS_RESULT]->(result)
MATCH (paper:Paper)-[:REPORTS]->(result)
WHERE paper.date IS NOT NULL
RETURN paper.date AS date, s.label AS subject, result.metric AS metric, result.value AS value,
       CASE result.unit WHEN '' THEN null ELSE result.unit END AS unit, d.label AS dataset, paper.title AS title
ORDER BY date DESC, subject, dataset, metric, value DESC
