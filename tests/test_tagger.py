"""The learned name finder: training, use in the extractor, the kg train / --model loop, and its errors."""

import json
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import KgError
from kg.evaluate import load_records
from kg.extract import RuleExtractor, extract
from kg.extract.tagger import NameTagger, gold_labels, tokens
from kg.records import Paper
from kg.train import cross_validate, train
from kg.vocab import Entry, Vocabulary, load_vocabulary

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "dev_gold.jsonl"


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A name finder trained on the dev gold (the CRF trains in a few seconds)."""
    return train(load_records(DEV), tmp_path_factory.mktemp("model") / "names.crfsuite", sources=[DEV])


def test_gold_names_become_bio_labels_on_whole_tokens():
    text = "We adapt Med-Gemini with Low-Rank Adaptation and test on MedQA-USMLE."
    toks = tokens(text)
    labels = gold_labels(
        text,
        toks,
        [
            {"name": "Med-Gemini", "type": "Model"},
            {"name": "LoRA", "type": "Method", "aliases": ["Low-Rank Adaptation"]},
            {"name": "medical", "type": "Domain"},  # not a type the finder labels
            {"name": "adapt", "type": "Method", "optional": True},  # optional: left unlabelled
        ],
    )
    tagged = [(t[2], label) for t, label in zip(toks, labels, strict=True) if label != "O"]
    assert tagged == [
        ("Med", "B-Model"),
        ("-", "I-Model"),
        ("Gemini", "I-Model"),
        ("Low", "B-Method"),
        ("-", "I-Method"),
        ("Rank", "I-Method"),
        ("Adaptation", "I-Method"),
    ]


def test_the_finder_adds_names_no_rule_knows(model):
    # made-up names the vocabulary cannot hold, in the shapes the gold teaches
    vocab = Vocabulary([Entry("LoRA", "Method"), Entry("MedQA", "Dataset"), Entry("LLaMA", "Model")])
    paper = Paper(
        "p1",
        "Zorblax: a model for clinical notes",
        "We propose Zorblax, fine-tuned from LLaMA with LoRA. Our results show that FLORA improves over "
        "Quuxformer and the strong DeepZork baseline on ScanPro-3D. We distil knowledge from BlipNet-v2 into Zorblax "
        "and evaluate on the KlonkQA and ZapVQA benchmarks, where Zorblax surpasses GPT-Zed.",
    )
    plain = {e["name"] for e in extract(paper, vocab)["entities"]}
    tagger = NameTagger(model)
    learned = {e["name"] for e in extract(paper, vocab, tagger)["entities"]}
    assert plain < learned  # it only adds, where no rule found a name
    assert all(name in paper.abstract for name in learned - plain)
    assert extract(paper, vocab, tagger) == extract(paper, vocab, tagger)


@pytest.mark.slow
def test_training_is_deterministic_and_the_card_says_how_to_rebuild(model, tmp_path):
    again = train(load_records(DEV), tmp_path / "again.crfsuite", sources=[DEV])
    assert again.read_bytes() == model.read_bytes()
    card = json.loads(model.with_suffix(".json").read_text())
    assert card["papers"] == len(load_records(DEV)) and card["gold"] == ["dev_gold.jsonl"]
    assert card["rebuild"] == f"kg train --gold {DEV} --out {model}"
    assert NameTagger(model).version == card["version"]
    assert "NONE" in card["decisions"]["classes"] and card["decisions"]["weights"]


def test_the_extractor_version_names_its_model_and_survives_a_spawned_worker(model):
    extractor = RuleExtractor(load_vocabulary(), model=model)
    assert extractor.version.endswith("+names." + NameTagger(model).version)
    copy = pickle.loads(pickle.dumps(extractor.tagger))
    assert copy.version == extractor.tagger.version and copy.path == extractor.tagger.path


def test_a_file_that_is_no_model_is_one_clear_error(tmp_path):
    bad = tmp_path / "names.crfsuite"
    bad.write_text("not a model")
    with pytest.raises(KgError, match=f"{bad}: not a name-finder model"):
        NameTagger(bad)


@pytest.mark.slow
def test_cross_validation_extracts_every_paper_with_models_that_never_saw_it(monkeypatch):
    records = load_records(DEV)[:40]
    trained_on: list[tuple[set, bool]] = []
    import kg.train

    real = kg.train.train

    def recording(rest, out, vocab=None, sources=(), name_finder=True):
        trained_on.append(({r["id"] for r in rest}, name_finder))
        return real(rest, out, vocab, sources, name_finder)

    monkeypatch.setattr(kg.train, "train", recording)
    reports = cross_validate(records, folds=4)
    # per fold, the decisions alone and a name finder with its decisions, on the same papers
    assert [finder for _, finder in trained_on] == [False, True] * 4
    assert all(trained_on[i][0] == trained_on[i + 1][0] for i in range(0, 8, 2))
    held_out = [{r["id"] for r in records} - ids for ids, _ in trained_on[::2]]
    assert set().union(*held_out) == {r["id"] for r in records}
    assert all(not (a & b) for i, a in enumerate(held_out) for b in held_out[i + 1 :])
    assert list(reports) == list(kg.train.STAGES)
    assert all(len(report.papers) == 40 for report in reports.values())


@pytest.mark.slow
def test_kg_train_then_build_with_the_model(tmp_path):
    runner = CliRunner()
    out = tmp_path / "ours.crfsuite"
    result = runner.invoke(cli, ["train", "--gold", str(DEV), "--out", str(out), "--folds", "0"])
    assert result.exit_code == 0, result.output
    assert f"wrote {out} from 120 papers" in result.output
    papers = tmp_path / "papers.jsonl"
    papers.write_text(
        json.dumps({"id": "z1", "title": "Zorblax", "abstract": "We propose Zorblax. It beats Quuxformer on MedQA."})
        + "\n"
    )
    built = tmp_path / "build"
    result = runner.invoke(cli, ["build", str(papers), "--out", str(built), "--model", str(out), "--no-embeddings"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((built / "manifest.json").read_text())
    assert manifest["extractor_version"].endswith("+names." + NameTagger(out).version)
    result = runner.invoke(cli, ["extractors"])
    assert "rules" in result.output
    result = runner.invoke(cli, ["build", str(papers), "--out", str(built), "--model", str(papers)])
    assert result.exit_code == 1 and "not a name-finder model" in result.output
