"""Learned entity decisions: keep, retype or drop each name the rules (and a name finder) found.

The rules find names well but type coined ones loosely (a paper's "DVDet" is a Model, not a
Method) and keep generic phrases the guideline leaves out. A multinomial logistic regression,
trained on gold records (:func:`kg.train.train`), reads each found entity's name, its type, what
the vocabulary says of it, the relations it takes part in and the words around it, and says which
type it has, or that it is no entity. Relations and results whose ends it drops go with them.

Names the vocabulary knows as the type they were found with are kept as they are: the vocabulary,
shipped or the user's own, is asserted knowledge, and only what the rules guessed is decided. So
are names of a type the model has no examples of.

The model is plain data (feature -> weights per class), saved as JSON with a card that says what
it was trained on and how to rebuild it. The shipped one, :data:`DEFAULT_MODEL`, is applied by the
``rules`` extractor unless a model of the user's replaces it.

>>> from kg.vocab import Vocabulary
>>> model = EntityDecisions(["Method", "Model", "NONE"], [0.0, 0.0, 0.0], {"R=achieves": [0.0, 2.0, 0.0]})
>>> record = {"title": "T", "abstract": "FooNet achieves 90%.", "entities": [{"name": "FooNet", "type": "Method"}],
...           "relations": [], "results": []}
>>> model.decide(record, Vocabulary([]))["entities"]
[{'name': 'FooNet', 'type': 'Model'}]
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from kg.errors import KgError
from kg.extract import relations as R
from kg.extract.tagger import word_shape
from kg.records import PAPER, RELATIONS
from kg.vocab import Vocabulary, normalize_name

# The class of a found name that is no entity of the guideline's.
NONE = "NONE"
# A saved model's format: bumped when the features change, so an old model is refused, not misread.
FEATURES_VERSION = 1
# The inverse regularisation strength of the trainer (scikit-learn's C).
TRAINING_C = 1.0

_WORD = re.compile(r"[\w+-]+")
_DIGITS = re.compile(r"\d")


def entity_features(entity: dict, record: dict, vocab: Vocabulary, roles: dict[str, set[str]]) -> list[str]:
    """The features of one found entity of ``record``; ``roles`` maps a normalised name to the
    relation roles it takes ("obj:proposes:paper", "subj:outperforms")."""
    name, etype = entity["name"], entity["type"]
    words = name.split() or [name]
    head, first = words[-1].casefold(), words[0].casefold()
    known = vocab.lookup(name)
    out = [
        f"t={etype}",
        f"head={head}",
        f"{etype}|head={head}",
        f"{etype}|first={first}",
        f"{etype}|nw={min(len(words), 4)}",
        f"{etype}|shape={word_shape(name)[:8]}",
        f"{etype}|vocab={known[1] if known else 'none'}",
    ]
    out += [f"{etype}|{role}" for role in sorted(roles.get(normalize_name(name), ()))]
    title = record.get("title") or ""
    text = f"{title} . {record.get('abstract') or ''}"
    seen = 0
    for form in (name, *entity.get("aliases", ())):
        at = text.find(form)
        while at >= 0 and form:
            seen += 1
            left = _WORD.findall(text[max(0, at - 40) : at])[-3:]
            right = _WORD.findall(text[at + len(form) : at + len(form) + 40])[:3]
            for i, word in enumerate(reversed(left)):
                out += [f"{etype}|L{i}={word.casefold()}", f"L={word.casefold()}"]
            for i, word in enumerate(right):
                out += [f"{etype}|R{i}={word.casefold()}", f"R={word.casefold()}"]
            if at < len(title):
                out.append(f"{etype}|in_title")
            at = text.find(form, at + len(form))
    out.append(f"{etype}|seen={min(seen, 4)}")
    return out


def relation_roles(record: dict) -> dict[str, set[str]]:
    """Normalised name -> the roles it takes in the record's relations."""
    roles: dict[str, set[str]] = {}
    for rel in record.get("relations") or ():
        predicate = rel["predicate"]
        by_paper = ":paper" if rel["subject"] == PAPER else ""
        roles.setdefault(normalize_name(rel["object"]), set()).add(f"obj:{predicate}{by_paper}")
        if rel["subject"] != PAPER:
            roles.setdefault(normalize_name(rel["subject"]), set()).add(f"subj:{predicate}")
    return roles


def _protected(entity: dict, vocab: Vocabulary) -> bool:
    known = vocab.lookup(entity["name"])
    return known is not None and known[1] == entity["type"]


class EntityDecisions:
    """A trained decision model (see the module docstring): ``classes`` (entity types and NONE),
    their ``intercepts``, and ``weights``, feature -> one weight per class."""

    def __init__(self, classes: list[str], intercepts: list[float], weights: dict[str, list[float]], card=None):
        self.classes = list(classes)
        self.intercepts = list(intercepts)
        self.weights = weights
        self.card = dict(card or {})

    @functools.cached_property
    def version(self) -> str:
        """A digest of the model (asked only where it names a user's model: not on every load)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:12]

    def probabilities(self, features: Iterable[str]) -> dict[str, float]:
        """Class -> probability (the softmax of the linear scores)."""
        scores = list(self.intercepts)
        weights = self.weights
        for feature in features:
            row = weights.get(feature)
            if row is not None:
                for i, w in enumerate(row):
                    scores[i] += w
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def decide(self, record: dict, vocab: Vocabulary) -> dict:
        """``record`` with its entities retyped or dropped as the model says, and the relations and
        results that lose an end (or whose ends no longer fit the predicate) dropped."""
        roles = relation_roles(record)
        kept, changed = [], False
        for entity in record.get("entities") or ():
            # a type the model never saw found (all its names known) is not the model's to decide
            if entity["type"] not in self.classes or _protected(entity, vocab):
                kept.append(entity)
                continue
            p = self.probabilities(entity_features(entity, record, vocab, roles))
            # on a tie the type found stands
            decided = max(self.classes, key=lambda c: (p[c], c == entity["type"]))
            if decided == NONE:
                changed = True
            elif decided != entity["type"]:
                changed = True
                kept.append({**entity, "type": decided})
            else:
                kept.append(entity)
        if not changed:
            return record
        types = {e["name"]: e["type"] for e in kept}

        def fits(rel: dict) -> bool:
            subjects, objects = RELATIONS[rel["predicate"]]
            subject = PAPER if rel["subject"] == PAPER else types.get(rel["subject"])
            return subject in subjects and types.get(rel["object"]) in objects

        relations = R.consistent([r for r in record.get("relations") or () if fits(r)], types, vocab)
        dropped = {e["name"] for e in record.get("entities") or ()} - types.keys()
        results = []
        for result in record.get("results") or ():
            if result["subject"] in dropped:
                continue
            if result.get("dataset") in dropped:
                result = {**result, "dataset": None}
            results.append(result)
        return {**record, "entities": kept, "relations": relations, "results": results}

    def to_dict(self) -> dict:
        return {
            "features_version": FEATURES_VERSION,
            "classes": self.classes,
            "intercepts": self.intercepts,
            "weights": self.weights,
        }

    def save(self, path: str | Path) -> Path:
        """Write the model, with its card, as one JSON file (sorted keys: the same model, the same bytes)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"card": self.card, **self.to_dict()}
        path.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data: dict, source: str) -> EntityDecisions:
        if data.get("features_version") != FEATURES_VERSION:
            rebuild = (data.get("card") or {}).get("rebuild", "kg train")
            raise KgError(
                f"{source}: entity decisions made for features version {data.get('features_version')}, "
                f"this kg reads {FEATURES_VERSION}; rebuild them: {rebuild}"
            )
        try:
            return cls(data["classes"], data["intercepts"], data["weights"], data.get("card"))
        except (KeyError, TypeError) as error:
            raise KgError(f"{source}: not an entity-decision model ({error})") from None

    @classmethod
    def load(cls, path: str | Path) -> EntityDecisions:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise KgError(f"{path}: not an entity-decision model ({error})") from None
        return cls.from_dict(data.get("decisions", data), str(path))


# The shipped model, trained on the project's gold (its card says which and how to rebuild it).
DEFAULT_MODEL = "entity-decisions.json"


def default_decisions() -> EntityDecisions:
    """The shipped model (read once per call; the extractor keeps it)."""
    with resources.as_file(resources.files("kg.models") / DEFAULT_MODEL) as path:
        return EntityDecisions.load(path)


def labelled_examples(records: Iterable[dict], predictions: Iterable[dict], vocab: Vocabulary):
    """(features, gold class) of each found, unprotected entity of each prediction, against its gold
    record; entities the gold marks optional teach nothing and are left out."""
    for gold, predicted in zip(records, predictions, strict=True):
        owner: dict[str, dict] = {}
        for entity in gold.get("entities") or ():
            for form in (entity["name"], *entity.get("aliases", ())):
                owner.setdefault(normalize_name(form), entity)
        roles = relation_roles(predicted)
        for entity in predicted.get("entities") or ():
            if _protected(entity, vocab):
                continue
            match = next(
                (owner[k] for k in map(normalize_name, (entity["name"], *entity.get("aliases", ()))) if k in owner),
                None,
            )
            if match is not None and match.get("optional"):
                continue
            yield entity_features(entity, predicted, vocab, roles), match["type"] if match else NONE


def train_decisions(records: list[dict], predictions: list[dict], vocab: Vocabulary, card=None) -> EntityDecisions:
    """Fit the model on the extractor's ``predictions`` for gold ``records`` (one each, in order).
    Deterministic: the same input gives the same weights."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    examples = list(labelled_examples(records, predictions, vocab))
    names = sorted({f for features, _ in examples for f in features})
    if not examples or len({label for _, label in examples}) < 2:
        raise KgError("too few found entities, or of too few kinds, to train entity decisions on")
    index = {f: i for i, f in enumerate(names)}
    rows, cols = [], []
    for at, (features, _) in enumerate(examples):
        for col in sorted({index[f] for f in features}):
            rows.append(at)
            cols.append(col)
    matrix = csr_matrix(([1.0] * len(rows), (rows, cols)), shape=(len(examples), len(names)))
    fit = LogisticRegression(C=TRAINING_C, max_iter=5000).fit(matrix, [label for _, label in examples])
    classes = [str(c) for c in fit.classes_]
    coef = fit.coef_ if len(classes) > 2 else [-fit.coef_[0] / 2, fit.coef_[0] / 2]
    intercepts = list(fit.intercept_) if len(classes) > 2 else [-fit.intercept_[0] / 2, fit.intercept_[0] / 2]
    weights: dict[str, list[float]] = {}
    for j, feature in enumerate(names):
        row = [round(float(c[j]), 3) for c in coef]
        # a feature that moves no score by a hundredth is left out: the file stays small
        if max(map(abs, row)) >= 0.01:
            weights[feature] = row
    card = {**(card or {}), "entities": len(examples)}
    return EntityDecisions(classes, [round(float(b), 3) for b in intercepts], weights, card)
