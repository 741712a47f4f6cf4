// question: Which papers use preference optimisation (DPO, RLHF, ...) in a domain?
// param: family = preference optimization  the method family, matched on any of its names; "" for any
// param: domain = medical  part of the domain's name; "" for any
// columns: method, title
WITH $family_key AS key
MATCH (root:Method) WHERE key IS NULL OR key IN root.matchKeys
MATCH (m)-[:VARIANT_OF|BROADER*0..]->(root)
WITH DISTINCT m
MATCH (paper:Paper)-[:MENTIONS]->(m)
MATCH (paper)-[:MENTIONS]->(d:Domain)
WHERE toLower(d.label) CONTAINS toLower($domain)
RETURN DISTINCT m.label AS method, paper.title AS title
ORDER BY method, title
