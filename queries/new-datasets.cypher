// question: Which papers release a new dataset or benchmark?
// param: domain = ""  part of the domain's name; empty for any domain
// columns: dataset, title
MATCH (paper:Paper)-[:PROPOSES]->(d:Dataset)
WHERE $domain = '' OR EXISTS {
  MATCH (paper)-[:MENTIONS]->(x:Domain) WHERE toLower(x.label) CONTAINS toLower($domain) }
RETURN DISTINCT d.label AS dataset, paper.title AS title
ORDER BY dataset, title
