// question: Which papers use preference optimisation (DPO, RLHF, ...) in a domain?
// param: family = preference optimization  the method family, matched on any of its names; "" for any
// param: domain = medical  part of the domain's name; "" for any
// columns: method, title
// A name is looked up in the index of Name.key; with none, every method (the guard comes before
// the scan, so a lookup by name never runs it).
CALL {
  MATCH (family_index:Name {key: $family_key})-[:NAMES]->(root:Method) USING INDEX family_index:Name(key) RETURN root
  UNION
  WITH $family_key AS key WHERE key IS NULL
  MATCH (root:Method) RETURN root
}
MATCH (m)-[:VARIANT_OF|BROADER*0..]->(root)
WITH DISTINCT m
// Used, as the paper says: by the paper itself or by one of its models.
MATCH ()-[uses:USES_METHOD]->(m)
MATCH (paper:Paper {paper_id: uses.paper})-[:IN_DOMAIN]->(d:Domain)
WHERE toLower(d.label) CONTAINS toLower($domain)
RETURN DISTINCT m.label AS method, paper.title AS title
ORDER BY method, title
