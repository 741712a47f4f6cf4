// question: What is the lineage of a model: every model it was fine-tuned from or is a variant of, transitively?
// param: model = Med-Gemini-2D  the model, matched on any of its names; "" for any
// columns: ancestor, kind
WITH $model_key AS key
MATCH (start:Model) WHERE key IS NULL OR key IN start.matchKeys
MATCH (start)-[:FINE_TUNED_FROM|VARIANT_OF|BROADER*1..]->(node)
WITH DISTINCT start, node
RETURN DISTINCT node.label AS ancestor,
       CASE WHEN EXISTS { (start)-[:FINE_TUNED_FROM]->(node) } THEN 'base model'
            WHEN EXISTS { (start)-[:VARIANT_OF|BROADER]->(node) } THEN 'family'
            ELSE 'ancestor' END AS kind
ORDER BY kind, ancestor
