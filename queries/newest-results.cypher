// question: What are the newest results reported on a dataset?
// param: dataset = GLUE  the dataset, matched on any of its names; "" for any
// columns: date, subject, metric, value, unit, dataset, title
// A name is looked up in the index of Name.key; with none, every dataset (the guard comes before
// the scan, so a lookup by name never runs it).
CALL {
  MATCH (dataset_index:Name {key: $dataset_key})-[:NAMES]->(d:Dataset) USING INDEX dataset_index:Name(key) RETURN d
  UNION
  WITH $dataset_key AS key WHERE key IS NULL
  MATCH (d:Dataset) RETURN d
}
MATCH (result:Result)-[:ON_DATASET]->(d)
MATCH (s)-[:HAS_RESULT]->(result)
MATCH (paper:Paper)-[:REPORTS]->(result)
WHERE paper.date IS NOT NULL
RETURN paper.date AS date, s.label AS subject, result.metric AS metric, result.value AS value,
       CASE result.unit WHEN '' THEN null ELSE result.unit END AS unit, d.label AS dataset, paper.title AS title
// Of one day's results for one subject and metric, the best first, as the leaderboard ranks them.
ORDER BY date DESC, subject, dataset, metric,
         CASE WHEN result.lower_is_better THEN coalesce(result.score, result.value)
              ELSE -coalesce(result.score, result.value) END
