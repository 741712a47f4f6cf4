"""Training the extractor's learned parts from gold records, and scoring them honestly.

:func:`train` fits the name finder (the CRF of :mod:`kg.extract.tagger`) and the entity decisions
(:mod:`kg.extract.decisions`) on gold records (the guideline's JSONL format), and saves them with a
card that says what they were trained on. The decisions learn from what the extractor finds on
papers its name finder never saw (out-of-fold), as it will in use. :func:`cross_validate` scores
each stage by k-fold cross-validation grouped by paper: every paper is extracted by models that
never saw it.

A lab adapts the extractor to its field with its own annotations::

    kg train --gold ours.jsonl --out ours.crfsuite
    kg build papers.jsonl --model ours.crfsuite
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterable
from pathlib import Path

from kg.errors import KgError
from kg.evaluate import Report, score
from kg.extract import EXTRACTOR_VERSION, extract, masked_sentences, rule_mentions
from kg.extract.decisions import EntityDecisions, train_decisions
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


def _card(records: list[dict], sources: Iterable[str], out: str | Path, name_finder: bool) -> dict:
    digest = hashlib.sha256()
    for record in sorted(records, key=lambda r: str(r["id"])):
        digest.update(str(record["id"]).encode())
        digest.update(repr(sorted((e["name"], e["type"]) for e in record.get("entities", []))).encode())
    flag = "" if name_finder else "--no-name-finder "
    return {
        "kind": "name finder (CRFsuite) and entity decisions" if name_finder else "entity decisions",
        "papers": len(records),
        "gold": sorted(Path(s).name for s in sources),
        "gold_sha256": digest.hexdigest()[:16],
        "extractor_version": EXTRACTOR_VERSION,
        "rebuild": "kg train " + "".join(f"--gold {s} " for s in sorted(map(str, sources))) + f"{flag}--out {out}",
    }


# The folds of the name finders whose finds the entity decisions learn from.
INNER_FOLDS = 5


def _folds(records: list[dict], folds: int) -> Iterable[tuple[int, list[int], list[dict]]]:
    """Each fold that holds a paper: (fold, the indexes of its records, the records of the others)."""
    of = [fold_of(r, folds) for r in records]
    for fold in range(folds):
        held = [i for i, f in enumerate(of) if f == fold]
        if held:
            yield fold, held, [r for r, f in zip(records, of, strict=True) if f != fold]


def out_of_fold(records: list[dict], vocab: Vocabulary, folds: int = INNER_FOLDS) -> list[dict]:
    """The extraction of each record by the rules and a name finder trained on the other folds."""
    predictions: dict[int, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for fold, held, rest in _folds(records, folds):
            tagger = None
            if rest:
                path = train_model(name_sequences(rest, vocab), Path(tmp) / f"inner{fold}.crfsuite", {})
                tagger = NameTagger(path)
            for i in held:
                predictions[i] = extract(_paper(records[i]), vocab, tagger)
    return [predictions[i] for i in range(len(records))]


def train(
    records: list[dict],
    out: str | Path,
    vocab: Vocabulary | None = None,
    sources: Iterable[str] = (),
    name_finder: bool = True,
) -> Path:
    """Train the extractor's learned parts on gold ``records`` and save them to ``out``: a
    ``.crfsuite`` name finder with a ``.json`` card beside it that holds the entity decisions, or,
    with ``name_finder=False``, the decisions alone as one ``.json`` file. Deterministic: the same
    records and vocabulary give the same files. Decisions need found entities of at least two kinds
    to learn from; with fewer, the card says so and the shipped decisions apply.

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
    card = _card(records, sources, out, name_finder)
    if not name_finder:
        predictions = [extract(_paper(r), vocab) for r in records]
        return train_decisions(records, predictions, vocab, card).save(out)
    path = train_model(name_sequences(records, vocab), out, card)
    card_path = path.with_suffix(".json")
    card = json.loads(card_path.read_text(encoding="utf-8"))
    try:
        decisions = train_decisions(records, out_of_fold(records, vocab), vocab).to_dict()
        card["decisions"] = decisions
        both = path.read_bytes() + json.dumps(decisions, sort_keys=True).encode()
        card["version"] = hashlib.sha256(both).hexdigest()[:12]
    except KgError as error:
        card["decisions_skipped"] = str(error)
    card_path.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def fold_of(record: dict, folds: int) -> int:
    """The fold a paper falls in: fixed by its title, so one paper in two gold files stays in one fold."""
    key = normalize_name(record.get("title") or str(record["id"])).encode()
    return int(hashlib.sha256(key).hexdigest(), 16) % folds


# The stages cross_validate scores, each adding to the one before.
STAGES = ("rules", "rules + decisions", "rules + name finder + decisions")


def cross_validate(records: list[dict], vocab: Vocabulary | None = None, folds: int = 5) -> dict[str, Report]:
    """Scores of each of :data:`STAGES`, k-fold by paper: each paper is extracted by learned parts
    trained on the other folds only."""
    vocab = vocab if vocab is not None else load_vocabulary()
    predicted: dict[str, list[dict]] = {stage: [] for stage in STAGES}
    with tempfile.TemporaryDirectory() as tmp:
        for fold, held, rest in _folds(records, folds):
            decisions = EntityDecisions.load(train(rest, Path(tmp) / f"fold{fold}.json", vocab, name_finder=False))
            model = train(rest, Path(tmp) / f"fold{fold}.crfsuite", vocab)
            tagger = NameTagger(model)
            # a fold whose name finder found too little to train decisions on uses the plain ones
            card = tagger.card
            learned = EntityDecisions.from_dict(card["decisions"], str(model)) if "decisions" in card else decisions
            for i in held:
                paper = _paper(records[i])
                rules = extract(paper, vocab)
                predicted[STAGES[0]].append(rules)
                predicted[STAGES[1]].append(decisions.decide(rules, vocab))
                predicted[STAGES[2]].append(learned.decide(extract(paper, vocab, tagger), vocab))
    return {stage: score(predictions, records) for stage, predictions in predicted.items()}
