// question: On which datasets was a model or method evaluated?
// param: name = Med-PaLM 2  a model or method, matched on any of its names
// columns: dataset, papers
WITH reduce(k = '', c IN split(toLower($name), '') | k + CASE WHEN trim(c) = '' OR c IN ['.', '_', '-'] THEN '' ELSE c END) AS key
MATCH (thing) WHERE key IN thing.matchKeys
MATCH (thing)-[r:EVALUATED_ON]->(d)
RETURN d.label AS dataset, count(DISTINCT r.paper) AS papers
ORDER BY papers DESC, dataset
