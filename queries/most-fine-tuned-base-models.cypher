// question: Which base models are fine-tuned most often?
// param: min_models = 1  the fewest fine-tuned models a base needs to be listed; "" for no minimum
// columns: base_model, fine_tunes, models
MATCH (model)-[:FINE_TUNED_FROM]->(base)
WITH DISTINCT base.label AS base_model, model
ORDER BY model.label
WITH base_model, count(DISTINCT model) AS fine_tunes, collect(DISTINCT model.label) AS names
WHERE $min_models = '' OR fine_tunes >= toInteger($min_models)
RETURN base_model, fine_tunes, reduce(s = head(names), n IN tail(names) | s + ' | ' + n) AS models
ORDER BY fine_tunes DESC, base_model
