// question: What do the papers say about how two named entities relate (the evidence sentences)?
// param: a = SALT  the first entity, matched on any of its names; "" for any
// param: b = LoRA  the second entity, matched on any of its names; "" for any
// columns: subject, relation, object, evidence, paper
// The relation is named as in the ontology (kgo:variantOf -> variantOf), as the SPARQL twin names it.
WITH $a_key AS ka, $b_key AS kb
MATCH (s)-[r:PROPOSES|FINE_TUNED_FROM|USES_METHOD|VARIANT_OF|EVALUATED_ON|APPLIED_TO|HAS_MODALITY|IN_DOMAIN|OUTPERFORMS|HAS_RESULT]->(o)
WHERE s.matchKeys IS NOT NULL AND o.matchKeys IS NOT NULL  // entities at both ends, not papers or results
  AND (((ka IS NULL OR ka IN s.matchKeys) AND (kb IS NULL OR kb IN o.matchKeys))
    OR ((kb IS NULL OR kb IN s.matchKeys) AND (ka IS NULL OR ka IN o.matchKeys)))
RETURN s.label AS subject,
       {PROPOSES: 'proposes', FINE_TUNED_FROM: 'fineTunedFrom', USES_METHOD: 'usesMethod', VARIANT_OF: 'variantOf',
        EVALUATED_ON: 'evaluatedOn', APPLIED_TO: 'appliedTo', HAS_MODALITY: 'hasModality', IN_DOMAIN: 'inDomain',
        OUTPERFORMS: 'outperforms', HAS_RESULT: 'hasResult'}[type(r)] AS relation,
       o.label AS object,
       CASE r.evidence WHEN '' THEN null ELSE r.evidence END AS evidence,
       r.paper AS paper
ORDER BY paper, subject, relation, object
