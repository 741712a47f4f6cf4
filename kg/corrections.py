"""Corrections: a curator's fixes to extraction records, kept apart from them and applied after
every extraction, so they survive re-extraction and a new extractor version.

A corrections file is YAML: each paper id maps to a list of fixes, and ``"*"`` holds fixes for
every paper (run before a paper's own). A fix is a one-key mapping:

- ``drop: {subject, predicate, object}``: remove a relation;
- ``add: {subject, predicate, object, evidence}``: add a relation; ``evidence`` is the sentence of
  the title or abstract it rests on, and both ends are ``@paper`` or entities of the paper;
- ``add_entity: {name, type}``, ``drop_entity: NAME``: add an entity, or remove one with every
  relation and result that names it (under ``"*"``: a junk name, everywhere);
- ``rename: {from, to}``, ``retype: {name, type}``: fix an entity's name or type, and every
  statement that names it;
- ``drop_result: {subject, metric, value}``, ``add_result: {subject, dataset, metric, value, unit,
  evidence}``: the same for reported scores.

Names match as the guideline matches them (case, spaces, hyphens, dots and aliases aside). What a
fix adds or changes carries ``"curated": true``, which the graph keeps in each statement's
provenance. A fix that matches nothing is reported (:meth:`Corrections.unmatched`), never ignored.

>>> fixes = Corrections.parse('''
... p1:
...   - drop: {subject: FooNet, predicate: outperforms, object: GPT-2}
...   - rename: {from: SD-Tran, to: SD-Trans}
... ''', "fixes.yaml")
>>> record = {"id": "p1", "title": "FooNet", "abstract": "FooNet beats GPT-2 and SD-Tran.",
...           "entities": [{"name": "FooNet", "type": "Model"}, {"name": "GPT-2", "type": "Model"},
...                        {"name": "SD-Tran", "type": "Model"}],
...           "relations": [{"subject": "FooNet", "predicate": "outperforms", "object": "GPT-2"},
...                         {"subject": "FooNet", "predicate": "outperforms", "object": "SD-Tran"}],
...           "results": []}
>>> fixed = fixes.apply(record)
>>> [(r["object"], r.get("curated", False)) for r in fixed["relations"]]
[('SD-Trans', True)]
>>> fixes.unmatched()
[]
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import KgError
from .records import ENTITY_TYPES, PAPER, RELATIONS
from .vocab import normalize_name

EVERY_PAPER = "*"
CORRECTIONS = "corrections.yaml"  # the name under which an input folder's corrections are found
# What each fix takes: the keys it needs, and those it may have besides.
_FIELDS = {
    "drop": ({"subject", "predicate", "object"}, set()),
    "add": ({"subject", "predicate", "object", "evidence"}, {"confidence"}),
    "add_entity": ({"name", "type"}, {"aliases"}),
    "drop_entity": (set(), set()),  # a bare name
    "rename": ({"from", "to"}, set()),
    "retype": ({"name", "type"}, set()),
    "drop_result": ({"subject", "metric", "value"}, set()),
    "add_result": ({"subject", "metric", "value", "evidence"}, {"dataset", "unit", "confidence"}),
}


@dataclass
class Fix:
    """One fix of a corrections file, where it was written, and whether it has matched anything."""

    action: str
    args: dict
    paper: str  # a paper id, or EVERY_PAPER
    where: str  # file:line
    matched: bool = False
    why_not: str = ""  # why it did not apply, where that is known

    def describe(self) -> str:
        what = (
            self.args.get("name")
            if self.action == "drop_entity"
            else ", ".join(f"{k}={v}" for k, v in self.args.items())
        )
        return f"{self.action} {what}"


class Corrections:
    """The fixes of one or more corrections files, by paper."""

    def __init__(self, fixes: Iterable[Fix] = (), digest: str = ""):
        self.fixes = list(fixes)
        self.digest = digest  # of the files' bytes: part of a build's fingerprint

    @classmethod
    def load(cls, paths: Iterable[str | Path]) -> Corrections:
        """The fixes of the corrections files at ``paths``, in order (none: no corrections)."""
        fixes, digest = [], hashlib.sha256()
        for path in paths:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise KgError(f"{path}:1: cannot read corrections: {error}") from None
            digest.update(text.encode())
            fixes += cls.parse(text, str(path)).fixes
        return cls(fixes, digest.hexdigest() if fixes else "")

    @classmethod
    def parse(cls, text: str, path: str = "corrections.yaml") -> Corrections:
        try:
            data = yaml.load(text, Loader=_LineLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            raise KgError(
                f"{path}:{mark.line + 1 if mark else 1}: invalid YAML: {getattr(error, 'problem', error)}"
            ) from None
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise KgError(f"{path}:1: corrections are a mapping of paper id to a list of fixes")
        fixes = []
        top = data.pop("__line__", 1)
        for paper, items in data.items():
            if not isinstance(items, list):
                raise KgError(f"{path}:{top}: paper {paper}: its fixes must be a list (- drop: ..., - add: ...)")
            fixes += [_fix(item, str(paper), path) for item in items]
        return cls(fixes, hashlib.sha256(text.encode()).hexdigest())

    def apply(self, record: dict) -> dict:
        """``record`` with the fixes for every paper, then its own, applied (a copy; the input is untouched)."""
        mine = [f for f in self.fixes if f.paper == EVERY_PAPER] + [f for f in self.fixes if f.paper == record["id"]]
        if not mine:
            return record
        record = copy.deepcopy(record)
        for fix in mine:
            reason = _APPLY[fix.action](record, fix.args)
            if reason is None:
                fix.matched = True
            elif fix.paper != EVERY_PAPER:
                fix.why_not = reason
        return record

    def unmatched(self, ids: Iterable[str] | None = None) -> list[str]:
        """One line per fix that has matched nothing in the records applied so far (``ids``: the
        corpus's paper ids, to say which fixes name a paper it lacks)."""
        known = set(ids) if ids is not None else None
        lines = []
        for fix in self.fixes:
            if fix.matched:
                continue
            if known is not None and fix.paper != EVERY_PAPER and fix.paper not in known:
                why = "no such paper in the input"
            else:
                why = fix.why_not or "matched nothing"
            where = "every paper" if fix.paper == EVERY_PAPER else f"paper {fix.paper}"
            lines.append(f"{fix.where}: {where}: {fix.describe()}: {why}")
        return lines


class _LineLoader(yaml.SafeLoader):
    """YAML's safe loader, noting each mapping's line as ``__line__`` (for the messages)."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def _fix(item, paper: str, path: str) -> Fix:
    line = item.pop("__line__", 1) if isinstance(item, dict) else 1
    where = f"{path}:{line}"
    if not isinstance(item, dict) or len(item) != 1:
        raise KgError(f"{where}: paper {paper}: a fix is one of {', '.join(_FIELDS)} with its fields")
    ((action, args),) = item.items()
    if action not in _FIELDS:
        raise KgError(f"{where}: paper {paper}: unknown fix {action!r} (one of {', '.join(_FIELDS)})")
    if action == "drop_entity":
        if not isinstance(args, str) or not args.strip():
            raise KgError(f"{where}: paper {paper}: drop_entity takes a name")
        return Fix(action, {"name": args.strip()}, paper, where)
    if not isinstance(args, dict):
        raise KgError(f"{where}: paper {paper}: {action} takes a mapping of {', '.join(sorted(_FIELDS[action][0]))}")
    args.pop("__line__", None)
    needed, optional = _FIELDS[action]
    if missing := needed - set(args):
        raise KgError(f"{where}: paper {paper}: {action} lacks {', '.join(sorted(missing))}")
    if unknown := set(args) - needed - optional:
        raise KgError(f"{where}: paper {paper}: {action} has no field {', '.join(sorted(unknown))}")
    if "predicate" in args and args["predicate"] not in RELATIONS:
        raise KgError(f"{where}: paper {paper}: unknown predicate {args['predicate']!r}")
    if "type" in args and args["type"] not in ENTITY_TYPES:
        raise KgError(
            f"{where}: paper {paper}: unknown entity type {args['type']!r} (one of {', '.join(ENTITY_TYPES)})"
        )
    if "value" in args and (isinstance(args["value"], bool) or not isinstance(args["value"], (int, float))):
        raise KgError(f"{where}: paper {paper}: {action}'s value must be a number")
    if not isinstance(args.get("aliases", []), list):
        raise KgError(f"{where}: paper {paper}: {action}'s aliases must be a list of names")
    return Fix(action, {k: v if k in ("value", "confidence") else _text(v) for k, v in args.items()}, paper, where)


def _text(value):
    """Names and sentences as text: YAML reads ``2023`` or ``yes`` as other types. A null dataset stays null."""
    if isinstance(value, list):
        return [str(v) for v in value]
    return None if value is None else str(value)


def _names(record: dict) -> dict[str, str]:
    """Every form of every entity of ``record`` (normalised) -> the entity's normalised name."""
    forms: dict[str, str] = {}
    for entity in record["entities"]:
        key = normalize_name(entity["name"])
        for form in [entity["name"], *entity.get("aliases", ())]:
            forms.setdefault(normalize_name(form), key)
    return forms


def _key(forms: dict[str, str], name) -> str | None:
    if name is None:
        return None
    return PAPER if name == PAPER else forms.get(normalize_name(name), normalize_name(name))


def _entity(record: dict, forms: dict, name: str) -> dict | None:
    key = _key(forms, name)
    return next((e for e in record["entities"] if normalize_name(e["name"]) == key), None)


def _other_relations(record: dict, forms: dict, relation: dict) -> list[dict]:
    """The record's relations except those stating ``relation`` (names matched through ``forms``)."""

    def triple(r: dict) -> tuple:
        return _key(forms, r["subject"]), r["predicate"], _key(forms, r["object"])

    return [r for r in record["relations"] if triple(r) != triple(relation)]


def _drop(record: dict, args: dict) -> str | None:
    kept = _other_relations(record, _names(record), args)
    if len(kept) == len(record["relations"]):
        return "no such relation"
    record["relations"] = kept
    return None


def _in_text(record: dict, evidence: str) -> bool:
    said = " ".join(evidence.split())
    return said in " ".join(f"{record['title']} {record['abstract']}".split())


def _add(record: dict, args: dict) -> str | None:
    if not _in_text(record, args["evidence"]):
        return "its evidence is not in the paper's title or abstract"
    forms = _names(record)
    subjects, objects = RELATIONS[args["predicate"]]
    ends = []
    for role, name, allowed in (("subject", args["subject"], subjects), ("object", args["object"], objects)):
        if name == PAPER:
            if PAPER not in allowed:
                return f"{args['predicate']} does not take @paper as its {role}"
            ends.append(PAPER)
            continue
        entity = _entity(record, forms, name)
        if entity is None:
            return f"its {role} {name!r} is no entity of the paper (add_entity it first)"
        if entity["type"] not in allowed:
            return f"{args['predicate']} does not take a {entity['type']} as its {role}"
        ends.append(entity["name"])
    relation = {
        "subject": ends[0],
        "predicate": args["predicate"],
        "object": ends[1],
        "evidence": args["evidence"],
        "confidence": float(args.get("confidence", 1.0)),
        "curated": True,
    }
    record["relations"] = [*_other_relations(record, forms, relation), relation]
    return None


def _add_entity(record: dict, args: dict) -> str | None:
    existing = _entity(record, _names(record), args["name"])
    if existing is not None and existing["type"] == args["type"]:
        return "the paper has this entity already"
    entity = {"name": args["name"], "type": args["type"], "curated": True}
    if args.get("aliases"):
        entity["aliases"] = args["aliases"]
    record["entities"].append(entity)
    return None


def _drop_entity(record: dict, args: dict) -> str | None:
    forms = _names(record)
    key = _key(forms, args["name"])
    before = (len(record["entities"]), len(record["relations"]), len(record["results"]))
    record["entities"] = [e for e in record["entities"] if normalize_name(e["name"]) != key]
    record["relations"] = [
        r for r in record["relations"] if key not in (_key(forms, r["subject"]), _key(forms, r["object"]))
    ]
    record["results"] = [
        r for r in record["results"] if key not in (_key(forms, r["subject"]), _key(forms, r.get("dataset")))
    ]
    return (
        None
        if before != (len(record["entities"]), len(record["relations"]), len(record["results"]))
        else "no such entity"
    )


def _rename(record: dict, args: dict) -> str | None:
    return _change_entity(record, args["from"], new_name=args["to"])


def _retype(record: dict, args: dict) -> str | None:
    return _change_entity(record, args["name"], etype=args["type"])


def _change_entity(record: dict, name: str, *, new_name: str | None = None, etype: str | None = None) -> str | None:
    forms = _names(record)
    entity = _entity(record, forms, name)
    if entity is None:
        return "no such entity"
    key = normalize_name(entity["name"])
    if new_name is not None:
        # the old name was wrong (truncated, replaced): it does not stay as an alias
        entity["aliases"] = [a for a in entity.get("aliases", ()) if normalize_name(a) != key]
        entity["name"] = new_name
    if etype is not None:
        entity["type"] = etype
    entity["curated"] = True
    new = entity["name"]
    for relation in record["relations"]:
        for role in ("subject", "object"):
            if _key(forms, relation[role]) == key:
                relation[role] = new
                relation["curated"] = True
    for result in record["results"]:
        for role in ("subject", "dataset"):
            if result.get(role) is not None and _key(forms, result[role]) == key:
                result[role] = new
                result["curated"] = True
    return None


def _drop_result(record: dict, args: dict) -> str | None:
    forms = _names(record)
    target = (_key(forms, args["subject"]), args["metric"].casefold(), float(args["value"]))
    kept = [
        r for r in record["results"] if (_key(forms, r["subject"]), r["metric"].casefold(), float(r["value"])) != target
    ]
    if len(kept) == len(record["results"]):
        return "no such result"
    record["results"] = kept
    return None


def _add_result(record: dict, args: dict) -> str | None:
    if not _in_text(record, args["evidence"]):
        return "its evidence is not in the paper's title or abstract"
    forms = _names(record)
    ends = {}
    for role, allowed in (("subject", {"Model", "Method"}), ("dataset", {"Dataset"})):
        name = args.get(role)
        if name is None or (role == "subject" and name == PAPER):
            ends[role] = name
            continue
        entity = _entity(record, forms, name)
        if entity is None or entity["type"] not in allowed:
            return f"its {role} {name!r} is no {' or '.join(sorted(allowed))} of the paper"
        ends[role] = entity["name"]
    unit = args.get("unit")
    if unit not in (None, "%"):
        return "its unit must be % or null"
    record["results"].append(
        {
            "subject": ends["subject"],
            "dataset": ends["dataset"],
            "metric": args["metric"].casefold(),
            "value": args["value"],
            "unit": unit,
            "evidence": args["evidence"],
            "confidence": float(args.get("confidence", 1.0)),
            "curated": True,
        }
    )
    return None


# Each fix's action: None when it applied, else why it did not.
_APPLY = {
    "drop": _drop,
    "add": _add,
    "add_entity": _add_entity,
    "drop_entity": _drop_entity,
    "rename": _rename,
    "retype": _retype,
    "drop_result": _drop_result,
    "add_result": _add_result,
}
