// question: What are the best reported results on a dataset for a metric?
// param: dataset = MedQA  the dataset, matched on any of its names; "" for any
// param: metric = accuracy  the metric (lower-case, as in results); "" for any
// columns: subject, value, unit, metric, dataset, title
// A name is looked up in the index of Name.key; with none, every dataset (the guard comes before
// the scan, so a lookup by name never runs it).
CALL {
  MATCH (dataset_index:Name {key: $dataset_key})-[:NAMES]->(d:Dataset) USING INDEX dataset_index:Name(key) RETURN d
  UNION
  WITH $dataset_key AS key WHERE key IS NULL
  MATCH (d:Dataset) RETURN d
}
MATCH (result:Result)-[:ON_DATASET]->(d)
WHERE $metric = '' OR toLower(result.metric) = toLower($metric)
MATCH (s)-[:HAS_RESULT]->(result)
MATCH (paper:Paper)-[:REPORTS]->(result)
RETURN s.label AS subject, result.value AS value, CASE result.unit WHEN '' THEN null ELSE result.unit END AS unit,
       result.metric AS metric, d.label AS dataset, paper.title AS title
// Metric by metric (scores of two metrics never compare), best first in the metric's direction,
// by the score that compares 0.726 with 72.6 %; a load of a build made before results had a
// score ranks by the value, higher first.
ORDER BY metric,
         CASE WHEN result.lower_is_better THEN coalesce(result.score, result.value)
              ELSE -coalesce(result.score, result.value) END,
         subject, dataset, title
