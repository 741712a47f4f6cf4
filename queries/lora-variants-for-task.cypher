// question: Which variants of a method (LoRA by default) were used on a task, in which domain?
// param: method = LoRA  the parent method, matched on any of its names; "" for any
// param: task = segmentation  part of the task's name (e.g. "segmentation", "question answering"); "" for any
// param: domain = medical  part of the domain's name; "" for any domain
// columns: variant, papers, titles
// A name is looked up in the index of Name.key; with none, every method (the guard comes before
// the scan, so a lookup by name never runs it).
CALL {
  MATCH (method_index:Name {key: $method_key})-[:NAMES]->(parent:Method) USING INDEX method_index:Name(key) RETURN parent
  UNION
  WITH $method_key AS key WHERE key IS NULL
  MATCH (parent:Method) RETURN parent
}
MATCH (node)-[:VARIANT_OF|BROADER*1..]->(parent)
WITH DISTINCT node
// Used on the task, as a paper says: the variant is applied to it, or what uses the variant there
// (the paper itself, one of its models) is.
MATCH (node)<-[uses:USES_METHOD*0..1]-(user)-[applied:APPLIED_TO]->(task:Task)
WHERE all(u IN uses WHERE u.paper = applied.paper) AND toLower(task.label) CONTAINS toLower($task)
MATCH (paper:Paper {paper_id: applied.paper})
WHERE $domain = '' OR EXISTS {
  MATCH (paper)-[:IN_DOMAIN]->(d:Domain) WHERE toLower(d.label) CONTAINS toLower($domain) }
WITH DISTINCT node, paper
ORDER BY paper.title
// By node: two variants of one name are two rows.
WITH node, count(paper) AS papers, collect(DISTINCT paper.title) AS titles
RETURN node.label AS variant, papers, reduce(s = head(titles), t IN tail(titles) | s + ' | ' + t) AS titles
ORDER BY papers DESC, variant
