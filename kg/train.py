"""Training the learned name finder from gold records, and scoring it honestly.

:func:`train` fits the CRF of :mod:`kg.extract.tagger` on gold records (the guideline's JSONL
format) and saves it with a card that says what it was trained on. :func:`cross_validate` scores
the extractor with and without it by k-fold cross-validation grouped by paper: every paper is
extracted by a model that never saw it.

A lab adapts the extractor to its field with its own annotations::

    kg train --gold ours.jsonl --out ours.crfsuite
    kg build papers.jsonl --model ours.crfsuite
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable
from pathlib import Path

from kg.evaluate import Report, score
from kg.extract import extract, masked_sentences, rule_mentions
from kg.extract.tagger import NameTagger, features, gold_labels, tokens, train_model
from kg.extract.tagger import _rule_labels as rule_labels
from kg.records import Paper
from kg.vocab import Vocabulary, load_vocabulary, normalize_name


def _paper(record: dict) -> Paper:
    return Paper(str(record["id"]), record.get("title") or "", record.get("abstract") or "")


def name_sequences(records: Iterable[dict], vocab: Vocabulary) -> Iterable[tuple[list, list]]:
    """(features, gold labels) of every sentence of every gold record, with the rules' mentions as
    features exactly as the extractor computes them."""
    for record in records:
        masked = masked_sentences(_paper(record))
        for sentence, mentions in zip(masked, rule_mentions(masked, vocab), strict=True):
            toks = tokens(sentence.text)
            if toks:
                yield (
                    features(toks, rule_labels(toks, mentions), sentence.is_title),
                    gold_labels(sentence.text, toks, record.get("entities", [])),
                )


def train(records: list[dict], out: str | Path, vocab: Vocabulary | None = None, sources: Iterable[str] = ()) -> Path:
    """Train the name finder on gold ``records`` and save it to ``out`` (a ``.crfsuite`` file and a
    ``.json`` card). Deterministic: the same records and vocabulary give the same file.

    >>> import tempfile, pathlib
    >>> from kg.vocab import Vocabulary, Entry
    >>> gold = [{"id": "g1", "title": "FooNet", "abstract": "We propose FooNet for segmentation.",
    ...          "entities": [{"name": "FooNet", "type": "Model"}]}]
    >>> path = train(gold, pathlib.Path(tempfile.mkdtemp()) / "m.crfsuite", Vocabulary([Entry("LoRA", "Method")]))
    >>> path.exists(), path.with_suffix(".json").exists()
    (True, True)
    """
    vocab = vocab if vocab is not None else load_vocabulary()
    records = list(records)
    digest = hashlib.sha256()
    for record in sorted(records, key=lambda r: str(r["id"])):
        digest.update(str(record["id"]).encode())
        digest.update(repr(sorted((e["name"], e["type"]) for e in record.get("entities", []))).encode())
    card = {
        "kind": "name finder (CRFsuite)",
        "papers": len(records),
        "gold": sorted(Path(s).name for s in sources),
        "gold_sha256": digest.hexdigest()[:16],
        "rebuild": "kg train " + "".join(f"--gold {s} " for s in sorted(map(str, sources))) + f"--out {out}",
    }
    return train_model(name_sequences(records, vocab), out, card)


def fold_of(record: dict, folds: int) -> int:
    """The fold a paper falls in: fixed by its title, so one paper in two gold files stays in one fold."""
    key = normalize_name(record.get("title") or str(record["id"])).encode()
    return int(hashlib.sha256(key).hexdigest(), 16) % folds


def cross_validate(records: list[dict], vocab: Vocabulary | None = None, folds: int = 5) -> tuple[Report, Report]:
    """Scores of the rules alone and of the rules with the name finder, k-fold by paper: each paper
    is extracted by a tagger trained on the other folds only. Returns (rules, rules + name finder)."""
    vocab = vocab if vocab is not None else load_vocabulary()
    rules_only, tagged = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for fold in range(folds):
            held = [r for r in records if fold_of(r, folds) == fold]
            rest = [r for r in records if fold_of(r, folds) != fold]
            if not held:
                continue
            tagger = NameTagger(train(rest, Path(tmp) / f"fold{fold}.crfsuite", vocab))
            for record in held:
                paper = _paper(record)
                rules_only.append(extract(paper, vocab))
                tagged.append(extract(paper, vocab, tagger))
    return score(rules_only, records), score(tagged, records)
