// question: What is the lineage of a model: every model it was fine-tuned from or is a variant of, transitively?
// param: model = Med-Gemini-2D  the model, matched on any of its names; "" for any
// columns: ancestor, kind
// A name is looked up in the index of Name.key; with none, every model (the guard comes before
// the scan, so a lookup by name never runs it).
CALL {
  MATCH (model_index:Name {key: $model_key})-[:NAMES]->(start:Model) USING INDEX model_index:Name(key) RETURN start
  UNION
  WITH $model_key AS key WHERE key IS NULL
  MATCH (start:Model) RETURN start
}
MATCH (start)-[:FINE_TUNED_FROM|VARIANT_OF|BROADER*1..]->(node)
WITH DISTINCT start, node
RETURN DISTINCT node.label AS ancestor,
       CASE WHEN EXISTS { (start)-[:FINE_TUNED_FROM]->(node) } THEN 'base model'
            WHEN EXISTS { (start)-[:VARIANT_OF|BROADER]->(node) } THEN 'family'
            ELSE 'ancestor' END AS kind
ORDER BY kind, ancestor
