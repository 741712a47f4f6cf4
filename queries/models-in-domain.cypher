// question: Which models do the papers of a domain build or use, and how often?
// param: domain = medical  part of the domain's name; "" for any
// columns: model, papers
MATCH (paper:Paper)-[:IN_DOMAIN]->(d:Domain)
WHERE toLower(d.label) CONTAINS toLower($domain)
WITH DISTINCT paper
// Built or used, as the paper says: a model at either end of one of its statements that
// proposes, fine-tunes, runs with a method, evaluates, applies or feeds data to it.
MATCH (m:Model)-[r:PROPOSES|FINE_TUNED_FROM|USES_METHOD|EVALUATED_ON|APPLIED_TO|HAS_MODALITY]-()
WHERE r.paper = paper.paper_id
// By node: two models of one name are two rows.
WITH m, count(DISTINCT paper) AS papers
RETURN m.label AS model, papers
ORDER BY papers DESC, model
