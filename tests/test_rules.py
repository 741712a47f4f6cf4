"""The rule table of the mention finder, and the entity types every schema must agree on."""

import importlib
import json
import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Namespace

import kg.extract as extraction
from kg.extract import rules
from kg.extract.mentions import Mention
from kg.readers import read_papers
from kg.records import ENTITY_TYPES, Paper
from kg.vocab import Vocabulary, load_vocabulary

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
KGO = Namespace("https://w3id.org/kg-ml/ontology#")
KGS = Namespace("https://w3id.org/kg-ml/shapes#")
SH = Namespace("http://www.w3.org/ns/shacl#")


def test_every_rule_has_a_unique_source_and_rank():
    sources = [rule.source for rule in rules.RULES]
    ranks = [rule.rank for rule in rules.RULES]
    assert len(set(sources)) == len(sources)
    assert all(isinstance(rank, int) for rank in ranks) and len(set(ranks)) == len(ranks)
    assert all(rule.find is None or callable(rule.find) for rule in rules.RULES)


def test_every_source_seen_in_extraction_is_in_the_table(monkeypatch):
    """Extract the gold papers, recording the source of every mention kept: each has its rule, and each
    rule finds something there."""
    seen = set()
    rivals = extraction._rivals  # the last stage to add mentions

    def recording(found, sentences, proposed, vocab):
        out = rivals(found, sentences, proposed, vocab)
        seen.update(source for kept, _ in out for source, _ in kept)
        return out

    monkeypatch.setattr(extraction, "_rivals", recording)
    vocab = load_vocabulary()
    for paper in read_papers(sorted(str(p) for p in (ROOT / "tests" / "data").glob("*.jsonl"))):
        extraction.extract(paper, vocab)
    # the name finder runs only with a trained model: tests/test_tagger.py sees it at work
    assert seen == {rule.source for rule in rules.RULES} - {"tagger"}


def _local(uri) -> str:
    assert str(uri).startswith(str(KGO)), uri
    return str(uri)[len(str(KGO)) :]


def test_entity_types_agree_with_schema_ontology_and_shapes():
    schema = json.loads((SCHEMAS / "record.schema.json").read_text(encoding="utf-8"))
    enum = schema["properties"]["entities"]["items"]["properties"]["type"]["enum"]
    ontology = Graph().parse(SCHEMAS / "ontology.ttl")
    declared = {
        _local(c) for c in ontology.subjects(RDFS.subClassOf, KGO.Entity) if (c, RDF.type, OWL.Class) in ontology
    }
    shapes = Graph().parse(SCHEMAS / "shapes.ttl")
    entity_targets = {_local(c) for c in shapes.objects(KGS.EntityShape, SH.targetClass)}
    # no other shape targets a class the ontology does not declare outside the entity types
    others = {_local(c) for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(str(KGO))} - declared
    targets = {_local(c) for c in shapes.objects(None, SH.targetClass) if str(c).startswith(str(KGO))}

    assert len(enum) == len(set(enum)) == len(ENTITY_TYPES) == len(set(ENTITY_TYPES))
    assert set(enum) == set(ENTITY_TYPES), "record.schema.json entity type enum"
    assert declared == set(ENTITY_TYPES), "ontology.ttl classes under kgo:Entity"
    assert entity_targets == set(ENTITY_TYPES), "shapes.ttl kgs:EntityShape targets"
    assert targets <= set(ENTITY_TYPES) | others, "shapes.ttl targets a class that is no entity type"


def _find_zorblax(text: str, vocab: Vocabulary, sentence: int = 0) -> list:
    return [
        Mention("Zorblax", "Method", m.group(), m.start(), m.end(), sentence) for m in re.finditer(r"\bzorblax\b", text)
    ]


@pytest.fixture
def one_more_rule(monkeypatch):
    """The extractor as it is after adding one line to rules.RULES (it reads the table when imported)."""
    monkeypatch.setattr(rules, "RULES", (*rules.RULES, rules.Rule("zorblax", 9, _find_zorblax)))
    importlib.reload(extraction)
    yield
    monkeypatch.undo()
    importlib.reload(extraction)


def _zorblax_entities() -> list:
    paper = Paper("z1", "Cheap tuning", "We fine-tune the model with zorblax on clinical notes.")
    record = extraction.extract(paper, Vocabulary())
    return [(e["name"], e["type"]) for e in record["entities"] if e["name"] == "Zorblax"]


def test_a_rule_added_to_the_table_is_used(one_more_rule):
    assert _zorblax_entities() == [("Zorblax", "Method")]


def test_without_that_rule_the_name_is_not_found():
    assert _zorblax_entities() == []
