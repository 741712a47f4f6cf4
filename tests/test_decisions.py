"""The learned entity decisions: what they do to a record, the shipped model, training, and the
kg train --no-name-finder / --model loop."""

import json
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import KgError
from kg.evaluate import load_records, score
from kg.extract import EXTRACTOR_VERSION, RuleExtractor, extract
from kg.extract.decisions import FEATURES_VERSION, EntityDecisions, default_decisions, train_decisions
from kg.records import ENTITY_TYPES, Paper
from kg.vocab import Entry, Vocabulary, load_vocabulary

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def _record(entities, relations=(), results=()):
    return {
        "id": "p1",
        "title": "FooNet",
        "abstract": "We propose FooNet. FooNet beats BarNet on ZedQA with LoRA, reaching 91.0% accuracy.",
        "entities": entities,
        "relations": list(relations),
        "results": list(results),
    }


def _rel(subject, predicate, obj):
    return {"subject": subject, "predicate": predicate, "object": obj, "evidence": "", "confidence": 0.5}


# A hand-made model: "beats" after a name makes it a Model; "with" before it makes it no entity.
MODEL = EntityDecisions(
    ["Method", "Model", "NONE"], [0.0, 0.0, 0.0], {"R=beats": [0.0, 3.0, 0.0], "L=with": [0.0, 0.0, 3.0]}
)


def test_a_retyped_name_keeps_the_relations_that_still_fit_and_loses_the_others():
    record = _record(
        [
            {"name": "FooNet", "type": "Method"},
            {"name": "BarNet", "type": "Model"},
            {"name": "ZedQA", "type": "Dataset"},
        ],
        [
            _rel("@paper", "proposes", "FooNet"),
            _rel("FooNet", "outperforms", "BarNet"),
            _rel("@paper", "uses_method", "FooNet"),
        ],
    )
    decided = MODEL.decide(record, Vocabulary([]))
    assert {e["name"]: e["type"] for e in decided["entities"]}["FooNet"] == "Model"
    kept = {(r["subject"], r["predicate"], r["object"]) for r in decided["relations"]}
    # a paper proposes models too, and a model outperforms one; a model is no method to use
    assert kept == {("@paper", "proposes", "FooNet"), ("FooNet", "outperforms", "BarNet")}


def test_a_dropped_name_takes_its_relations_and_results_with_it():
    record = _record(
        [{"name": "FooNet", "type": "Model"}, {"name": "LoRA", "type": "Method"}, {"name": "ZedQA", "type": "Dataset"}],
        [_rel("FooNet", "uses_method", "LoRA"), _rel("FooNet", "evaluated_on", "ZedQA")],
        [
            {"subject": "LoRA", "dataset": "ZedQA", "metric": "accuracy", "value": 91.0, "unit": "%"},
            {"subject": "FooNet", "dataset": "ZedQA", "metric": "accuracy", "value": 91.0, "unit": "%"},
        ],
    )
    decided = MODEL.decide(record, Vocabulary([]))
    assert "LoRA" not in {e["name"] for e in decided["entities"]}
    assert [r["predicate"] for r in decided["relations"]] == ["evaluated_on"]
    assert [r["subject"] for r in decided["results"]] == ["FooNet"]
    assert record["entities"][1]["name"] == "LoRA"  # the input record is left as it was


def test_names_the_vocabulary_knows_as_found_are_never_decided():
    record = _record([{"name": "LoRA", "type": "Method"}], [_rel("@paper", "uses_method", "LoRA")])
    vocab = Vocabulary([Entry("LoRA", "Method")])
    assert MODEL.decide(record, vocab) == record  # "with LoRA" says NONE; the vocabulary wins
    # known as another type, it is decided like any other
    assert MODEL.decide(record, Vocabulary([Entry("LoRA", "Model")]))["entities"] == []


def test_the_shipped_model_says_what_it_was_trained_on_and_how_to_rebuild_it():
    model = default_decisions()
    assert model.card["extractor_version"] == EXTRACTOR_VERSION
    assert model.card["gold"] == ["dev_gold.jsonl", "field_gold.jsonl", "heldout.jsonl"]
    assert "field_blind" not in model.card["rebuild"] and "--no-name-finder" in model.card["rebuild"]
    # names the vocabulary knows as found are never decided, so some types may have no examples
    assert {"Model", "Method", "Dataset", "NONE"} <= set(model.classes) <= {*ENTITY_TYPES, "NONE"}
    # small: a few thousand features, not a memory of every word of the gold
    assert 500 < len(model.weights) < 20_000


def test_the_extractor_applies_the_shipped_decisions_and_survives_a_spawned_worker():
    vocab = load_vocabulary()
    extractor = RuleExtractor(vocab)
    gold = load_records(DATA / "heldout_blind2.jsonl")
    papers = [Paper(r["id"], r["title"], r["abstract"]) for r in gold]
    rules = [extract(p, vocab) for p in papers]
    decided = [extractor.extract(p) for p in papers]
    assert decided == [extractor.decisions.decide(r, vocab) for r in rules]
    assert decided != rules  # the decisions change something on real abstracts
    copy = pickle.loads(pickle.dumps(extractor))
    assert [copy.extract(p) for p in papers[:5]] == decided[:5]


def test_on_gold_no_training_saw_the_decisions_raise_entity_precision():
    # heldout_blind and heldout_blind2 are in no training set of the shipped model
    gold = load_records(DATA / "heldout_blind.jsonl") + load_records(DATA / "heldout_blind2.jsonl")
    vocab = load_vocabulary()
    papers = [Paper(r["id"], r["title"], r["abstract"]) for r in gold]
    rules = score([extract(p, vocab) for p in papers], gold)
    decided = score([RuleExtractor(vocab).extract(p) for p in papers], gold)
    assert decided.entities.precision > rules.entities.precision
    assert decided.entities.f1 >= rules.entities.f1 - 0.01


def test_training_is_deterministic():
    gold = load_records(DATA / "heldout.jsonl") + load_records(DATA / "heldout_blind.jsonl")
    vocab = load_vocabulary()
    predictions = [extract(Paper(r["id"], r["title"], r["abstract"]), vocab) for r in gold]
    one = train_decisions(gold, predictions, vocab).to_dict()
    two = train_decisions(gold, predictions, vocab).to_dict()
    assert one == two and one["weights"]


def test_a_file_that_is_no_model_or_an_old_one_is_one_clear_error(tmp_path):
    bad = tmp_path / "ours.json"
    bad.write_text("not json")
    with pytest.raises(KgError, match=f"{bad}: not an entity-decision model"):
        EntityDecisions.load(bad)
    old = {**MODEL.to_dict(), "features_version": FEATURES_VERSION - 1, "card": {"rebuild": "kg train --gold x"}}
    bad.write_text(json.dumps(old))
    with pytest.raises(KgError, match="rebuild them: kg train --gold x"):
        EntityDecisions.load(bad)


@pytest.mark.slow
def test_kg_train_decisions_alone_then_build_with_them(tmp_path):
    runner = CliRunner()
    gold = DATA / "heldout.jsonl"
    out = tmp_path / "ours.json"
    result = runner.invoke(cli, ["train", "--gold", str(gold), "--no-name-finder", "--out", str(out), "--folds", "0"])
    assert result.exit_code == 0, result.output
    assert f"wrote {out} from 26 papers" in result.output
    model = EntityDecisions.load(out)
    assert model.card["rebuild"] == f"kg train --gold {gold} --no-name-finder --out {out}"
    papers = tmp_path / "papers.jsonl"
    papers.write_text(json.dumps({"id": "z1", "title": "Zorblax", "abstract": "We propose Zorblax for MedQA."}) + "\n")
    built = tmp_path / "build"
    result = runner.invoke(cli, ["build", str(papers), "--out", str(built), "--model", str(out), "--no-embeddings"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((built / "manifest.json").read_text())
    assert manifest["extractor_version"] == f"{EXTRACTOR_VERSION}+decisions.{model.version}"
    result = runner.invoke(
        cli, ["train", "--gold", str(gold), "--no-name-finder", "--out", str(tmp_path / "x.crfsuite")]
    )
    assert result.exit_code == 1 and "is a .json file" in result.output
