// question: When did each method, or each variant of one, first appear in the papers?
// param: method = ""  the parent method, matched on any of its names; "" for every method
// columns: method, first_year, papers
MATCH (paper:Paper)-[:MENTIONS]->(m:Method)
WHERE paper.year IS NOT NULL
  AND ($method = '' OR EXISTS {
    MATCH (m)-[:VARIANT_OF|BROADER*1..]->(parent:Method) WHERE $method_key IN parent.matchKeys })
WITH m, min(paper.year) AS first_year, count(DISTINCT paper) AS papers
RETURN m.label AS method, first_year, papers
ORDER BY first_year, method
