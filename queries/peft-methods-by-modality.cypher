// question: Which parameter-efficient methods are used for which data modality?
// param: family = parameter-efficient fine-tuning  the method family, matched on any of its names; "" for any
// columns: method, modality, papers
// A name is looked up in the index of Name.key; with none, every method (the guard comes before
// the scan, so a lookup by name never runs it).
CALL {
  MATCH (family_index:Name {key: $family_key})-[:NAMES]->(root:Method) USING INDEX family_index:Name(key) RETURN root
  UNION
  WITH $family_key AS key WHERE key IS NULL
  MATCH (root:Method) RETURN root
}
MATCH (m:Method)-[:VARIANT_OF|BROADER*0..]->(root)
WITH DISTINCT m
// Used for the data, as a paper says: the method takes it in, or what uses the method there
// (the paper itself, one of its models) does.
MATCH (m)<-[uses:USES_METHOD*0..1]-(user)-[has:HAS_MODALITY]->(x:Modality)
WHERE all(u IN uses WHERE u.paper = has.paper)
// By node: two methods (or modalities) of one name are two rows.
WITH m, x, count(DISTINCT has.paper) AS papers
RETURN m.label AS method, x.label AS modality, papers
ORDER BY papers DESC, method, modality
