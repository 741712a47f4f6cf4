// question: Which base models are fine-tuned most often?
// param: min_models = 1  the fewest fine-tuned models a base needs to be listed; "" for no minimum
// columns: base_model, fine_tunes, models
MATCH (model)-[:FINE_TUNED_FROM]->(base)
WITH DISTINCT base, model
ORDER BY model.label
// By node: two base models of one name are two rows.
WITH base, count(model) AS fine_tunes, collect(DISTINCT model.label) AS names
WHERE $min_models = '' OR fine_tunes >= toInteger($min_models)
RETURN base.label AS base_model, fine_tunes, reduce(s = head(names), n IN tail(names) | s + ' | ' + n) AS models
ORDER BY fine_tunes DESC, base_model
