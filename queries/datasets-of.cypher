// question: On which datasets was a model or method evaluated?
// param: name = Med-PaLM 2  a model or method, matched on any of its names; "" for any
// columns: dataset, papers
WITH $name_key AS key
MATCH (thing) WHERE key IN thing.matchKeys OR (key IS NULL AND thing.matchKeys IS NOT NULL)
MATCH (thing)-[r:EVALUATED_ON]->(d)
RETURN d.label AS dataset, count(DISTINCT r.paper) AS papers
ORDER BY papers DESC, dataset
