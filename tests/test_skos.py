"""The method taxonomy as a SKOS concept scheme, checked against SKOS's integrity conditions."""

import json

import pyoxigraph as ox

from kg.build import build

PREFIXES = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX kgo: <https://w3id.org/kg-ml/ontology#>\n"


def test_methods_form_one_browsable_concept_scheme(tmp_path):
    methods = ["QLoRA", "DoRA", "LoRA", "DPO", "chain-of-thought prompting"]
    record = {
        "id": "p1",
        "title": "T",
        "abstract": "A.",
        "entities": [{"name": name, "type": "Method"} for name in methods],
        "relations": [],
        "results": [],
    }
    (tmp_path / "p.jsonl").write_text(json.dumps(record) + "\n")
    build(records=[tmp_path / "p.jsonl"], out=tmp_path / "b", embeddings=False)
    store = ox.Store.read_only(str(tmp_path / "b" / "store"))

    def ask(query: str) -> bool:
        return bool(store.query(PREFIXES + query))

    # one scheme, holding every method, with top concepts that are the roots of the hierarchy
    assert [r[0].value for r in store.query(PREFIXES + "SELECT ?s WHERE { ?s a skos:ConceptScheme }")] == [
        "https://w3id.org/kg-ml/resource/scheme/methods"
    ]
    assert not ask("ASK { ?m a kgo:Method FILTER NOT EXISTS { ?m a skos:Concept ; skos:inScheme ?s } }")
    tops = {r[0].value for r in store.query(PREFIXES + "SELECT ?l WHERE { ?s skos:hasTopConcept/skos:prefLabel ?l }")}
    assert {"fine-tuning", "prompting"} <= tops
    assert not ask("ASK { ?s skos:hasTopConcept ?t FILTER NOT EXISTS { ?t skos:topConceptOf ?s } }")
    assert not ask("ASK { ?s skos:hasTopConcept ?t . ?t skos:broader ?b }")  # a top concept has no broader
    # every method reaches a top concept, and the hierarchy has no cycle (SKOS: broader is not reflexive)
    assert not ask(
        "ASK { ?m skos:inScheme ?s FILTER NOT EXISTS { ?m skos:broader* ?t . ?s skos:hasTopConcept ?t } "
        "FILTER EXISTS { ?m skos:broader ?any } }"
    )
    assert not ask("ASK { ?m skos:broader+ ?m }")
    assert ask("ASK { ?q skos:prefLabel 'QLoRA' ; skos:broader+ ?top . ?top skos:topConceptOf ?s }")
