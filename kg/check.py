"""Gates for CI: a build passes when its graph conforms to the shapes and pinned answers hold.

A pins file is YAML: a list of canned queries, each with its parameters and the rows it answered
when it was pinned. :func:`pin` writes one from a build; :func:`check` compares a build with it.
A pin is keyed by its query and parameters: pinning again adds to a file (:func:`merge_pins`),
replacing only the pin of the same query and parameters. A query is a canned query's name or the
path of a query file (as given to ``kg pin``, looked up from the current folder).
Rows are compared as multisets (ties in ORDER BY may come in any order), numbers to 9 places.

>>> import tempfile
>>> from kg.build import build
>>> out = tempfile.mkdtemp()
>>> _ = build(None, out, embeddings=False)
>>> pins = pin(out, [("leaderboard", {"dataset": "MedQA", "metric": "accuracy"})])
>>> pins[0]["query"], len(pins[0]["rows"]) > 0
('leaderboard', True)
>>> check(out, pins).passed
True
>>> pins[0]["rows"] = pins[0]["rows"][1:]
>>> print(check(out, pins).format())  # doctest: +ELLIPSIS
check failed: 1 pinned query answers differently
  leaderboard {dataset: MedQA, metric: accuracy}: 1 new row, 0 gone
    + ...
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .build import read_manifest
from .catalog import CannedQuery, find_query, load_catalog
from .errors import KgError
from .store import QueryError, build_advice, open_store

SHOWN = 3  # rows of a difference printed per query


@dataclass
class Difference:
    query: str
    params: dict
    new: list[list]
    gone: list[list]

    def format(self) -> str:
        params = ", ".join(f"{k}: {v}" for k, v in self.params.items())
        lines = [
            f"  {self.query} {{{params}}}: {len(self.new)} new row{'s' if len(self.new) != 1 else ''}, "
            f"{len(self.gone)} gone"
        ]
        lines += [f"    + {row}" for row in self.new[:SHOWN]] + [f"    - {row}" for row in self.gone[:SHOWN]]
        return "\n".join(lines)


@dataclass
class CheckReport:
    violations: int  # violations of the shapes and checks recorded in the build's manifest
    differences: list[Difference] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.violations == 0 and not self.differences

    def format(self) -> str:
        if self.passed:
            return "check passed: the graph conforms to the shapes and every pinned answer holds"
        problems = []
        if self.violations:
            problems.append(f"{self.violations} violation{'s' if self.violations != 1 else ''} of the shapes or checks")
        if self.differences:
            n = len(self.differences)
            problems.append(f"{n} pinned quer{'ies answer' if n != 1 else 'y answers'} differently")
        return "\n".join(["check failed: " + " and ".join(problems)] + [d.format() for d in self.differences])


def pin(
    build_dir: str | Path, queries: list[tuple[str, dict]], catalog: dict[str, CannedQuery] | None = None
) -> list[dict]:
    """The pins of ``queries`` ((name or path, params) pairs) as answered by the build now; names
    are looked up in ``catalog`` (default: the shipped queries)."""
    catalog = catalog if catalog is not None else load_catalog()
    store = open_store(build_dir)
    pins = []
    for name, params in queries:
        canned = find_query(catalog, name)
        arguments = canned.arguments(params)
        rows = store.select(canned.text, arguments).rows
        # Every parameter, defaults included, so that a later change of a default is a change seen.
        declared = {key: arguments[key] for key in canned.params}
        pins.append({"query": name, "params": declared, "rows": [_plain(row) for row in rows]})
    return pins


def read_pins(path: str | Path) -> list[dict]:
    """A pins file; ``ValueError("FILE:LINE: ...")`` where it is not a list of {query, params, rows}."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        pins = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise KgError(f"{path}:{line}: not YAML ({getattr(error, 'problem', None) or error})") from None
    if not isinstance(pins, list):
        raise KgError(f"{path}:1: a pins file is a list of {{query, params, rows}}")
    for number, entry in enumerate(pins, start=1):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("query"), str)
            and isinstance(entry.get("params", {}), dict)
            and isinstance(entry.get("rows"), list)
        ):
            raise KgError(
                f"{path}:{_line_of(text, number)}: pin {number} needs query (a name), "
                "params (a mapping) and rows (a list)"
            )
    return pins


def pin_key(entry: dict) -> tuple:
    """What tells one pin from another: its query and its parameters."""
    return entry["query"], tuple(sorted((str(k), str(v)) for k, v in (entry.get("params") or {}).items()))


def merge_pins(old: list[dict], new: list[dict]) -> list[dict]:
    """``old`` with each of ``new`` in the place of the pin of the same query and parameters, or
    after them where there is none.

    >>> old = [{"query": "a", "params": {"x": "1"}, "rows": [[1]]}, {"query": "a", "params": {"x": "2"}, "rows": []}]
    >>> new = [{"query": "a", "params": {"x": "1"}, "rows": [[9]]}]
    >>> [(p["query"], p["params"], p["rows"]) for p in merge_pins(old, new)]
    [('a', {'x': '1'}, [[9]]), ('a', {'x': '2'}, [])]
    """
    merged = {pin_key(entry): entry for entry in old}
    merged.update((pin_key(entry), entry) for entry in new)
    return list(merged.values())


def write_pins(pins: list[dict], path: str | Path) -> None:
    from .files import atomic_write

    header = "# Pinned answers of canned queries: `kg build --check --pins FILE` fails when they change.\n"
    with atomic_write(path) as stream:
        stream.write(header + yaml.safe_dump(pins, sort_keys=False, allow_unicode=True, width=120))


def check(
    build_dir: str | Path, pins: list[dict] | None = None, catalog: dict[str, CannedQuery] | None = None
) -> CheckReport:
    """Compare a complete build with the shapes and checks (as its manifest records) and ``pins``, whose
    queries are looked up in ``catalog`` (default: the shipped queries)."""
    manifest = read_manifest(build_dir)
    if manifest is None:
        raise QueryError(f"{build_dir}: no complete build here ({build_advice(build_dir)})")
    report = CheckReport(violations=manifest["validation"]["violations"])
    pins = pins or []
    answers = pin(build_dir, [(p["query"], p.get("params") or {}) for p in pins], catalog)
    for now, then in zip(answers, pins, strict=True):
        have, want = Counter(map(_key, now["rows"])), Counter(map(_key, then["rows"]))
        if have != want:
            shown = {_key(row): row for row in then["rows"] + now["rows"]}
            report.differences.append(
                Difference(
                    now["query"],
                    now["params"],
                    new=[shown[key] for key in sorted((have - want).elements(), key=repr)],
                    gone=[shown[key] for key in sorted((want - have).elements(), key=repr)],
                )
            )
    return report


def _plain(row: list) -> list:
    return [round(v, 9) if isinstance(v, float) else v for v in row]


def _key(row: list) -> tuple:
    return tuple(round(float(v), 9) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in row)


def _line_of(text: str, number: int) -> int:
    """The line where the ``number``-th top-level list item of a YAML text starts."""
    starts = [i for i, line in enumerate(text.splitlines(), start=1) if line.startswith("- ")]
    return starts[number - 1] if number <= len(starts) else 1
