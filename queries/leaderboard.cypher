// question: What are the best reported results on a dataset for a metric?
// param: dataset = MedQA  the dataset, matched on any of its names; "" for any
// param: metric = accuracy  the metric (lower-case, as in results); "" for any
// columns: subject, value, unit, metric, dataset, title
WITH $dataset_key AS key
MATCH (d:Dataset) WHERE key IS NULL OR key IN d.matchKeys
MATCH (result:Result)-[:ON_DATASET]->(d)
WHERE $metric = '' OR toLower(result.metric) = toLower($metric)
MATCH (s)-[:HAS_RESULT]->(result)
MATCH (paper:Paper)-[:REPORTS]->(result)
RETURN s.label AS subject, result.value AS value, CASE result.unit WHEN '' THEN null ELSE result.unit END AS unit,
       result.metric AS metric, d.label AS dataset, paper.title AS title
ORDER BY value DESC, subject, metric, dataset
