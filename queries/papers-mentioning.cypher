// question: Which papers mention an entity (a model, method, dataset, task, modality or domain)?
// param: name = SAM  the entity, matched on any of its names; "" for any
// columns: title, id
WITH $name_key AS key
MATCH (thing) WHERE key IN thing.matchKeys OR (key IS NULL AND thing.matchKeys IS NOT NULL)
MATCH (paper:Paper)-[:MENTIONS]->(thing)
RETURN DISTINCT paper.title AS title, paper.paper_id AS id
ORDER BY title
