// question: Which models do the papers of a domain build or use, and how often?
// param: domain = medical  part of the domain's name; "" for any
// columns: model, papers
MATCH (paper)-[:MENTIONS]->(m:Model)
MATCH (paper)-[:MENTIONS]->(d:Domain)
WHERE toLower(d.label) CONTAINS toLower($domain)
RETURN m.label AS model, count(DISTINCT paper) AS papers
ORDER BY papers DESC, model
