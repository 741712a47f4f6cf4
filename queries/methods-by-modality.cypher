// question: Which methods are used on which data modality, and by how many papers?
// param: min_papers = 2  the fewest papers a pair needs to be listed; "" for no minimum
// columns: method, modality, papers
MATCH (paper:Paper)-[:MENTIONS]->(m:Method)
MATCH (paper)-[:MENTIONS]->(x:Modality)
// By node: two methods (or modalities) of one name are two rows.
WITH m, x, count(DISTINCT paper) AS papers
WHERE $min_papers = '' OR papers >= toInteger($min_papers)
RETURN m.label AS method, x.label AS modality, papers
ORDER BY papers DESC, method, modality
