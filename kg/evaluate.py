"""Score extraction records against the hand-annotated gold (docs/GUIDELINE.md).

Both sides are records in the guideline's JSONL format. Per paper, an entity
is a true positive when its type and a name or alias match a gold entity; a
relation when subject, predicate and object match; a result when subject,
metric and value match (and the dataset, where gold gives one). Names match
ignoring case, spaces, hyphens, underscores and dots, through the aliases of
the paper's gold entities and of the prediction's own entities. Optional gold
items count on neither side, and a prediction that repeats a found item under
another of its names is no error. Units are not compared. Counts are
micro-averaged over all papers.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kg.files import resource_dir
from kg.records import ENTITY_TYPES, PAPER, RELATIONS

from .errors import KgError

KINDS = ("entities", "relations", "results")

# The guideline scores these Domain labels as `medical`; the gold keeps them as written.
MEDICAL_DOMAINS = frozenset({"medical", "clinical", "biomedical", "radiology", "oncology", "healthcare"})

# The metric names counted as one (schemas/metric_synonyms.yaml).
METRIC_SYNONYMS_FILE = "metric_synonyms.yaml"

VALUE_TOLERANCE = 1e-6

_NAME_DROP = re.compile(r"[\s\-_.\u2010-\u2015]+")
_TITLE_DROP = re.compile(r"[\W_]+")


def _normalize(name: str) -> str:
    """The guideline's matching form of a name (kept here so scoring does not move with kg.vocab).

    >>> _normalize("LLaMA-2") == _normalize("llama 2") == _normalize("Llama_2")
    True
    """
    return _NAME_DROP.sub("", name.casefold())


def _form(name: str, domain: bool = False) -> str:
    """A name's normalised form, with the medical Domain labels folded into `medical`."""
    form = _normalize(name)
    return "medical" if domain and form in MEDICAL_DOMAINS else form


@functools.cache
def metric_synonyms() -> dict[str, str]:
    """Each metric name's normalised form -> its metric's (schemas/metric_synonyms.yaml).

    >>> synonyms = metric_synonyms()
    >>> synonyms[_normalize("Top-1 accuracy")], synonyms[_normalize("AP")], synonyms[_normalize("F1-score")]
    ('accuracy', 'averageprecision', 'f1')
    """
    table = yaml.safe_load((resource_dir("schemas") / METRIC_SYNONYMS_FILE).read_text(encoding="utf-8"))
    return {
        _normalize(name): _normalize(metric)
        for metric, names in table["metric_synonyms"].items()
        for name in [metric, *names]
    }


def _title_key(title: str) -> str:
    """A title ignoring case, spacing and punctuation, to pair records that have no common id."""
    return _TITLE_DROP.sub("", title.casefold())


def _entity_forms(entity: dict) -> list[str]:
    """The normalised name and aliases of an entity, name first."""
    domain = entity["type"] == "Domain"
    return [_form(n, domain) for n in [entity["name"], *(entity.get("aliases") or [])]]


def _owners(entities: Iterable[dict]) -> dict[str, set[int]]:
    """Each normalised form -> the indexes of the entities listing it (`@paper` is never a name)."""
    owners: dict[str, set[int]] = {}
    for index, entity in enumerate(entities):
        for form in _entity_forms(entity):
            if form != PAPER:
                owners.setdefault(form, set()).add(index)
    return owners


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _optional_form(name: str | None) -> str | None:
    return None if name is None else _form(name)


def _entity_key(entity: dict) -> tuple:
    forms = _entity_forms(entity)
    return entity["type"], forms[0], frozenset(forms)


def _relation_key(relation: dict) -> tuple:
    predicate = relation["predicate"]
    return _form(relation["subject"]), predicate, _form(relation["object"], predicate == "in_domain")


def _result_key(result: dict) -> tuple:
    metric = _normalize(result["metric"])
    return (
        _form(result["subject"]),
        _optional_form(result.get("dataset")),
        metric_synonyms().get(metric, metric),
        _number(result["value"]),
    )


def _rounded(key: tuple) -> tuple:
    # So that 72.6 and 72.60000001 are one result when duplicates are collapsed.
    return tuple(round(part, 6) if isinstance(part, float) else part for part in key)


def _unique(
    items: Iterable[dict], key: Callable[[dict], tuple], identity: Callable[[tuple], tuple]
) -> list[tuple[tuple, dict]]:
    """(key, item) pairs, one per identity; among equal ones a required item wins over an optional one."""
    kept: dict[tuple, tuple[tuple, dict]] = {}
    for item in items:
        k = key(item)
        ident = identity(k)
        if ident not in kept or (kept[ident][1].get("optional") and not item.get("optional")):
            kept[ident] = (k, item)
    return list(kept.values())


def _max_matching(preds: list[tuple], golds: list[tuple], same: Callable) -> dict[int, int]:
    """gold index -> pred index, as many pairs as possible (Kuhn's augmenting paths).

    Greedy pairing could give a shared alias to the wrong gold item and miss a pair.
    """
    owner: dict[int, int] = {}

    def place(p: int, seen: set[int]) -> bool:
        for g, gold in enumerate(golds):
            if g not in seen and same(preds[p], gold):
                seen.add(g)
                if g not in owner or place(owner[g], seen):
                    owner[g] = p
                    return True
        return False

    for p in range(len(preds)):
        place(p, set())
    return owner


@dataclass
class Counts:
    """True positives, false positives and false negatives, with the scores they give.

    With nothing to find and nothing found, all scores are 1.0.
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float(self.fn == 0)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float(self.fp == 0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def to_dict(self) -> dict:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass
class Outcome:
    """One kind of item in one paper: the matched gold items, and the errors as the records wrote them."""

    tp: list[dict] = field(default_factory=list)
    fp: list[dict] = field(default_factory=list)
    fn: list[dict] = field(default_factory=list)

    def counts(self, group: str | None = None, by: str = "") -> Counts:
        """Counts of all items, or of those whose field `by` equals `group`."""

        def n(items):
            return sum(1 for item in items if group is None or item.get(by) == group)

        return Counts(n(self.tp), n(self.fp), n(self.fn))


def _match(
    preds: list[tuple[tuple, dict]], golds: list[tuple[tuple, dict]], same: Callable[[tuple, tuple], bool]
) -> Outcome:
    required = [g for g in golds if not g[1].get("optional")]
    owner = _max_matching([p[0] for p in preds], [g[0] for g in required], same)
    paired = set(owner.values())
    return Outcome(
        tp=[required[g][1] for g in sorted(owner)],
        # An unpaired prediction that still matches some gold item is no error: it matches
        # an optional item, or repeats a found one under another of its names.
        fp=[item for i, (key, item) in enumerate(preds) if i not in paired and not any(same(key, g) for g, _ in golds)],
        fn=[item for g, (_, item) in enumerate(required) if g not in owner],
    )


@dataclass
class PaperScore:
    """One gold paper: an Outcome per kind; `predicted` is False when no prediction was paired with it."""

    id: str
    title: str
    predicted: bool
    entities: Outcome
    relations: Outcome
    results: Outcome

    def counts(self, kind: str) -> Counts:
        return getattr(self, kind).counts()

    @property
    def errors(self) -> int:
        return sum(self.counts(k).fp + self.counts(k).fn for k in KINDS)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "predicted": self.predicted,
            **{k: self.counts(k).to_dict() for k in KINDS},
            "false_positives": {k: getattr(self, k).fp for k in KINDS},
            "false_negatives": {k: getattr(self, k).fn for k in KINDS},
        }


def _score_paper(pred: dict, gold: dict, predicted: bool) -> PaperScore:
    # Two names are one when some entity of the paper, gold or predicted, lists both.
    owners = _owners((gold.get("entities") or []) + (pred.get("entities") or []))

    def same_name(a: str | None, b: str | None) -> bool:
        # (None, a missing name, is nobody's: owners.get(None) would find nothing either)
        return a == b or (a is not None and b is not None and not owners.get(a, set()).isdisjoint(owners.get(b, ())))

    def same_entity(p: tuple, g: tuple) -> bool:
        return p[0] == g[0] and not p[2].isdisjoint(g[2])

    def same_relation(p: tuple, g: tuple) -> bool:
        return p[1] == g[1] and same_name(p[0], g[0]) and same_name(p[2], g[2])

    def same_result(p: tuple, g: tuple) -> bool:
        (subject, dataset, metric, value), (g_subject, g_dataset, g_metric, g_value) = p, g
        return (
            metric == g_metric
            and same_name(subject, g_subject)
            and (g_dataset is None or same_name(dataset, g_dataset))
            and value is not None
            and g_value is not None
            and math.isclose(value, g_value, rel_tol=0.0, abs_tol=VALUE_TOLERANCE)
        )

    def outcome(kind: str, key: Callable[[dict], tuple], same: Callable, identity: Callable) -> Outcome:
        return _match(_unique(pred.get(kind) or [], key, identity), _unique(gold.get(kind) or [], key, identity), same)

    return PaperScore(
        id=gold["id"],
        title=gold.get("title", ""),
        predicted=predicted,
        # An entity is the same item as another of its record with the same type and name.
        entities=outcome("entities", _entity_key, same_entity, lambda k: k[:2]),
        relations=outcome("relations", _relation_key, same_relation, tuple),
        results=outcome("results", _result_key, same_result, _rounded),
    )


@dataclass
class Report:
    """Micro-averaged counts overall, per entity type and per predicate, and each paper's outcome."""

    entities: Counts
    entity_types: dict[str, Counts]
    relations: Counts
    predicates: dict[str, Counts]
    results: Counts
    papers: list[PaperScore]
    unmatched_predictions: int = 0
    unmatched_titles: list[str] = field(default_factory=list)

    def worst_papers(self, n: int = 5) -> list[PaperScore]:
        """The n papers with the lowest mean of entity and relation F1 (more errors first on a tie)."""

        def badness(paper: PaperScore) -> tuple:
            mean = (paper.counts("entities").f1 + paper.counts("relations").f1) / 2
            return mean, -paper.errors, paper.id

        return sorted(self.papers, key=badness)[:n]

    def to_dict(self) -> dict:
        return {
            "entities": {**self.entities.to_dict(), "by_type": {t: c.to_dict() for t, c in self.entity_types.items()}},
            "relations": {
                **self.relations.to_dict(),
                "by_predicate": {p: c.to_dict() for p, c in self.predicates.items()},
            },
            "results": self.results.to_dict(),
            "unmatched_predictions": self.unmatched_predictions,
            "unmatched_titles": self.unmatched_titles,
            "papers": [p.to_dict() for p in self.papers],
        }


def _pair(predictions: Iterable[dict], gold: list[dict]) -> tuple[dict[str, dict], list[str]]:
    """gold id -> its prediction (by id, else by title), and the titles of predictions left over."""
    ids = {g["id"] for g in gold}
    by_title = {_title_key(g.get("title") or ""): g["id"] for g in gold}
    by_title.pop("", None)
    paired: dict[str, dict] = {}
    left: list[str] = []
    for pred in predictions:
        gid = pred.get("id") if pred.get("id") in ids else by_title.get(_title_key(pred.get("title") or ""))
        if gid is None or gid in paired:  # a second prediction for one paper is not scored either
            left.append(pred.get("title") or str(pred.get("id")))
        else:
            paired[gid] = pred
    return paired, left


def _groups(outcomes: list[Outcome], by: str, known: Collection[str]) -> dict[str, Counts]:
    """Counts per value of field `by`, in the guideline's order, then any other values seen."""
    seen: set[Any] = {item.get(by) for o in outcomes for items in (o.tp, o.fp, o.fn) for item in items}
    order = [g for g in known if g in seen] + sorted(g for g in seen if g not in known)
    totals = {g: Counts() for g in order}
    for o in outcomes:
        for g in order:
            totals[g].add(o.counts(g, by))
    return totals


def score(predictions: Iterable[dict], gold: Iterable[dict]) -> Report:
    """Score prediction records against gold records (both in the guideline's JSONL format).

    A gold paper without a prediction counts all its required items as missed;
    a prediction without a gold paper is counted in `unmatched_predictions`.

    >>> gold = [{"id": "seed-1", "title": "LLaMA-2 for Medicine",
    ...          "entities": [{"name": "LLaMA-2", "type": "Model"},
    ...                       {"name": "fine-tuning", "type": "Method", "optional": True}],
    ...          "relations": [{"subject": "@paper", "predicate": "in_domain", "object": "medical"}],
    ...          "results": []}]
    >>> pred = [{"id": "p-1", "title": "LLaMA 2 for medicine",
    ...          "entities": [{"name": "llama 2", "type": "Model"}, {"name": "GPT-4", "type": "Model"},
    ...                       {"name": "Fine Tuning", "type": "Method"}],
    ...          "relations": [{"subject": "@paper", "predicate": "in_domain", "object": "clinical"}]}]
    >>> report = score(pred, gold)
    >>> report.entities
    Counts(tp=1, fp=1, fn=0)
    >>> report.relations.f1
    1.0
    """
    gold = list(gold)
    if len({g["id"] for g in gold}) != len(gold):
        raise KgError("gold records must have distinct ids")
    paired, left = _pair(predictions, gold)
    empty: dict[str, list] = {"entities": [], "relations": [], "results": []}
    papers = [_score_paper(paired.get(g["id"], empty), g, g["id"] in paired) for g in gold]

    totals = {k: Counts() for k in KINDS}
    for paper in papers:
        for k in KINDS:
            totals[k].add(paper.counts(k))
    return Report(
        entities=totals["entities"],
        entity_types=_groups([p.entities for p in papers], "type", ENTITY_TYPES),
        relations=totals["relations"],
        predicates=_groups([p.relations for p in papers], "predicate", RELATIONS),
        results=totals["results"],
        papers=papers,
        unmatched_predictions=len(left),
        unmatched_titles=left,
    )


def format_report(report: Report, worst: int = 5) -> str:
    """The report as a plain-text table, then the papers with the most errors."""

    def row(label: str, c: Counts) -> str:
        return f"{label:<18}{c.precision:>6.3f} {c.recall:>6.3f} {c.f1:>6.3f} {c.tp:>6} {c.fp:>5} {c.fn:>5}"

    lines = [f"{'':<18}{'P':>6} {'R':>6} {'F1':>6} {'tp':>6} {'fp':>5} {'fn':>5}", row("entities", report.entities)]
    lines += [row("  " + t, c) for t, c in report.entity_types.items()]
    lines.append(row("relations", report.relations))
    lines += [row("  " + p, c) for p, c in report.predicates.items()]
    lines.append(row("results", report.results))

    missing = sum(not p.predicted for p in report.papers)
    lines.append(
        f"papers: {len(report.papers)} gold, {missing} without a prediction; "
        f"{report.unmatched_predictions} predictions without gold"
    )
    # Papers without errors are no lead for a developer, so they are not listed.
    flawed = [p for p in report.worst_papers(worst) if p.errors]
    if flawed:
        lines.append("worst papers:")
        for p in flawed:
            title = p.title if len(p.title) <= 60 else p.title[:57] + "..."
            lines.append(
                f'  {p.id} (entities {p.counts("entities").f1:.2f}, relations {p.counts("relations").f1:.2f}) "{title}"'
            )
    return "\n".join(lines)


def load_records(path: str | Path) -> list[dict]:
    """The records of a JSONL file, one JSON object a line (blank lines skipped).

    Raises ValueError("FILE:LINE: ...") for a line that is not a JSON object.
    """
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise KgError(f"{path}:{number}: invalid JSON: {error.msg}") from error
            if not isinstance(record, dict):
                raise KgError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}")
            records.append(record)
    return records


@dataclass
class MergePoint:
    threshold: float
    precision: float
    recall: float
    f1: float
    merges: int


def score_merges(gold: Iterable[dict], embedder, thresholds: Iterable[float]) -> list[MergePoint]:
    """How well embedding similarity alone decides which names are one thing, against gold aliases.

    Two names of one type are the same thing when some gold entity lists both (transitively,
    across papers); every other pair of names of that type is a different thing. At each
    threshold, pairs at or above it (and with equal version numbers, as the resolver demands)
    are predicted merges. This is how ``kg.resolve.DEFAULT_THRESHOLD`` was chosen.
    """
    import numpy as np

    from kg.resolve import _versions

    thresholds = list(thresholds)
    parent: dict[tuple, tuple] = {}

    def root(key):
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    spelling: dict[tuple, str] = {}
    for record in gold:
        for entity in record.get("entities", []):
            keys = [(entity["type"], _normalize(n)) for n in [entity["name"], *entity.get("aliases", [])]]
            for key, name in zip(keys, [entity["name"], *entity.get("aliases", [])], strict=True):
                spelling.setdefault(key, name)
                parent[root(key)] = root(keys[0])
    tp: Counter[float] = Counter()
    fp: Counter[float] = Counter()
    fn: Counter[float] = Counter()
    for kind in ENTITY_TYPES:
        keys = sorted(k for k in spelling if k[0] == kind)
        if len(keys) < 2:
            continue
        names = [spelling[k] for k in keys]
        vectors = embedder.embed(names)
        similarity = vectors @ vectors.T
        same = np.array([[root(a) == root(b) for b in keys] for a in keys])
        versions = [_versions(n) for n in names]
        comparable = np.array([[va == vb for vb in versions] for va in versions])
        upper = np.triu(np.ones_like(same, dtype=bool), k=1)
        for t in thresholds:
            predicted = (similarity >= t) & comparable & upper
            tp[t] += int((predicted & same).sum())
            fp[t] += int((predicted & ~same).sum())
            fn[t] += int((~predicted & same & upper).sum())
    points = []
    for t in thresholds:
        counts = Counts(tp[t], fp[t], fn[t])
        points.append(MergePoint(t, counts.precision, counts.recall, counts.f1, tp[t] + fp[t]))
    return points
