// question: Which variants of a method (LoRA by default) were used on a task, in which domain?
// param: method = LoRA  the parent method, matched on any of its names; "" for any
// param: task = segmentation  part of the task's name (e.g. "segmentation", "question answering"); "" for any
// param: domain = medical  part of the domain's name; "" for any domain
// columns: variant, papers, titles
WITH $method_key AS key
MATCH (parent:Method) WHERE key IS NULL OR key IN parent.matchKeys
MATCH (node)-[:VARIANT_OF|BROADER*1..]->(parent)
WITH DISTINCT node
MATCH (paper:Paper)-[:MENTIONS]->(node)
MATCH (paper)-[:MENTIONS]->(task:Task)
WHERE toLower(task.label) CONTAINS toLower($task)
  AND ($domain = '' OR EXISTS {
    MATCH (paper)-[:MENTIONS]->(d:Domain) WHERE toLower(d.label) CONTAINS toLower($domain) })
WITH DISTINCT node.label AS variant, paper
ORDER BY paper.title
WITH variant, count(DISTINCT paper) AS papers, collect(DISTINCT paper.title) AS titles
RETURN variant, papers, reduce(s = head(titles), t IN tail(titles) | s + ' | ' + t) AS titles
ORDER BY papers DESC, variant
