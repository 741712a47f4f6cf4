// question: When did each method, or each variant of one, first appear in the papers?
// param: method = ""  the parent method, matched on any of its names; "" for every method
// columns: method, first_year, papers
// A name is looked up in the index of Name.key; with none, every method (the guard comes before
// the scan, so a lookup by name never runs it).
CALL {
  MATCH (method_index:Name {key: $method_key})-[:NAMES]->(parent:Method) USING INDEX method_index:Name(key)
  MATCH (m:Method)-[:VARIANT_OF|BROADER*1..]->(parent)
  RETURN m
  UNION
  WITH $method_key AS key WHERE key IS NULL
  MATCH (m:Method) RETURN m
}
MATCH (paper:Paper)-[:MENTIONS]->(m)
WHERE paper.year IS NOT NULL
WITH m, min(paper.year) AS first_year, count(DISTINCT paper) AS papers
RETURN m.label AS method, first_year, papers
ORDER BY first_year, method
