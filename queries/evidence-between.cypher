// question: What do the papers say about how two named entities relate (the evidence sentences)?
// param: a = SALT  the first entity, matched on any of its names; "" for any
// param: b = LoRA  the second entity, matched on any of its names; "" for any
// columns: subject, relation, object, evidence, paper
// The relation is named as in the ontology (kgo:variantOf -> variantOf), as the SPARQL twin names it.
// Each branch starts from a name it is given (an index seek on Name.key), in either direction;
// a branch's guard comes before its scan, which then never runs when a name is given.
CALL {
  MATCH (a_index:Name {key: $a_key})-[:NAMES]->(x)
        -[r:PROPOSES|FINE_TUNED_FROM|USES_METHOD|VARIANT_OF|EVALUATED_ON|APPLIED_TO|HAS_MODALITY|IN_DOMAIN|OUTPERFORMS|HAS_RESULT]-(y) USING INDEX a_index:Name(key)
  WHERE EXISTS { (:Name {key: $b_key})-[:NAMES]->(y) } OR ($b_key IS NULL AND EXISTS { (:Name)-[:NAMES]->(y) })
  RETURN r
  UNION
  WITH $a_key AS ka WHERE ka IS NULL
  MATCH (b_index:Name {key: $b_key})-[:NAMES]->(y)
        -[r:PROPOSES|FINE_TUNED_FROM|USES_METHOD|VARIANT_OF|EVALUATED_ON|APPLIED_TO|HAS_MODALITY|IN_DOMAIN|OUTPERFORMS|HAS_RESULT]-(x) USING INDEX b_index:Name(key)
  WHERE EXISTS { (:Name)-[:NAMES]->(x) }
  RETURN r
  UNION
  WITH $a_key AS ka, $b_key AS kb WHERE ka IS NULL AND kb IS NULL
  MATCH (:Name)-[:NAMES]->(s)
        -[r:PROPOSES|FINE_TUNED_FROM|USES_METHOD|VARIANT_OF|EVALUATED_ON|APPLIED_TO|HAS_MODALITY|IN_DOMAIN|OUTPERFORMS|HAS_RESULT]->(o)
  WHERE EXISTS { (:Name)-[:NAMES]->(o) }
  RETURN r
}
WITH r, startNode(r) AS s, endNode(r) AS o
RETURN DISTINCT s.label AS subject,
       {PROPOSES: 'proposes', FINE_TUNED_FROM: 'fineTunedFrom', USES_METHOD: 'usesMethod', VARIANT_OF: 'variantOf',
        EVALUATED_ON: 'evaluatedOn', APPLIED_TO: 'appliedTo', HAS_MODALITY: 'hasModality', IN_DOMAIN: 'inDomain',
        OUTPERFORMS: 'outperforms', HAS_RESULT: 'hasResult'}[type(r)] AS relation,
       o.label AS object,
       CASE r.evidence WHEN '' THEN null ELSE r.evidence END AS evidence,
       r.paper AS paper
ORDER BY paper, subject, relation, object
