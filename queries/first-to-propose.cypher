// question: Which papers proposed a model, method or dataset, earliest first?
// param: name = LoRA  the model, method or dataset, matched on any of its names; "" for any
// columns: name, date, title, id
WITH $name_key AS key
MATCH (x) WHERE key IN x.matchKeys OR (key IS NULL AND x.matchKeys IS NOT NULL)
MATCH (paper:Paper)-[:PROPOSES]->(x)
WHERE paper.date IS NOT NULL
RETURN DISTINCT x.label AS name, paper.date AS date, paper.title AS title, paper.paper_id AS id
ORDER BY date, title
