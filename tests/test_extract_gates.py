"""The extractor's cheap gates (a word or substring test before a costly regex search, kg.extract.mentions
may_hold / says) only ever skip searches that would find nothing: with every gate open, the records are
the same. A cue word added to a pattern but not to its gate's list fails here."""

import importlib
import json
import pkgutil
from pathlib import Path

import pytest

import kg.extract
from kg.extract.mentions import forget_sentences
from kg.extractors import load_extractor
from kg.records import Paper

DATA = Path(__file__).resolve().parent / "data"
# Annotated abstracts from several fields; the blind sets stay unread.
CORPORA = ("dev_gold.jsonl", "heldout.jsonl", "field_gold.jsonl")


def papers() -> list[Paper]:
    found = []
    for name in CORPORA:
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            found.append(Paper(record["id"], record.get("title", ""), record["abstract"]))
    return found


def extract_all(extractor, given: list[Paper]) -> list[str]:
    forget_sentences()  # no answer computed under the other setting is reused
    return [json.dumps(extractor.extract(paper), sort_keys=True) for paper in given]


def test_the_gates_change_no_record(monkeypatch):
    given = papers()
    assert len(given) > 350
    extractor = load_extractor("rules")
    gated = extract_all(extractor, given)
    # Open every gate: `folded` (the lower-cased text the substring gates read) and `words` (the word
    # set of `says`) answer None, "cannot tell", wherever a module of the extractor holds them.
    modules = [importlib.import_module(f"kg.extract.{m.name}") for m in pkgutil.iter_modules(kg.extract.__path__)]
    opened = 0
    for module in [kg.extract, *modules]:
        for gate in ("folded", "words"):
            if hasattr(module, gate):
                monkeypatch.setattr(module, gate, lambda text: None)
                opened += 1
    assert opened >= 3
    ungated = extract_all(extractor, given)
    differ = [paper.id for paper, a, b in zip(given, gated, ungated, strict=True) if a != b]
    assert differ == []


@pytest.mark.parametrize("text", ["We OUTPERFORM LoRA on GLUE.", "Nous dépassons LoRA: à l'œil nu."])
def test_a_gate_never_says_no_to_text_it_cannot_read(text):
    from kg.extract.mentions import may_hold, says

    # beyond ASCII, re.I folds letters a plain lower() does not: the gates must let such text through
    assert may_hold(text, ("outperform",)) or not text.isascii()
    if not text.isascii():
        assert may_hold(text, ("zzz",)) and says(text, frozenset({"zzz"}))
