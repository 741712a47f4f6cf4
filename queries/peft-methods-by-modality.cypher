// question: Which parameter-efficient methods are used for which data modality?
// param: family = parameter-efficient fine-tuning  the method family, matched on any of its names; "" for any
// columns: method, modality, papers
WITH $family_key AS key
MATCH (root:Method) WHERE key IS NULL OR key IN root.matchKeys
MATCH (m:Method)-[:VARIANT_OF|BROADER*0..]->(root)  // methods only: the co-mention counts the SPARQL twin reads are of methods
WITH DISTINCT m
MATCH (paper)-[:MENTIONS]->(m)
MATCH (paper)-[:MENTIONS]->(x:Modality)
RETURN m.label AS method, x.label AS modality, count(DISTINCT paper) AS papers
ORDER BY papers DESC, method, modality
