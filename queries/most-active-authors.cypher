// question: Who wrote the most papers on a model, method, dataset, task, modality or domain?
// param: name = LoRA  the entity, matched on any of its names; "" for any
// columns: author, papers
WITH $name_key AS key
MATCH (x) WHERE key IN x.matchKeys OR (key IS NULL AND x.matchKeys IS NOT NULL)
MATCH (paper:Paper)-[:MENTIONS]->(x)
MATCH (paper)-[:HAS_AUTHOR]->(a:Author)
WITH a, count(DISTINCT paper) AS papers
RETURN a.label AS author, papers
ORDER BY papers DESC, author
