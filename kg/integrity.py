"""Integrity checks: SPARQL queries over the whole graph in a build's Oxigraph store.

The SHACL shapes (:mod:`kg.validate`) check each node's form, with pyshacl, which is too slow for a
big graph: ``kg build`` runs them on a sample of papers. The checks of ``schemas/checks.yaml`` are
what matters graph-wide (a fine-tuning cycle, a relation no paper states, a record that names the
wrong paper, a predicate outside the ontology, ...): each is one SPARQL SELECT whose rows are the
offending nodes, with a one-line message and a severity, and each runs on every paper. Adding a
check is adding one entry to the file.

A check that must pair two sets with no key to look one up by (every relation triple with the
records that describe it) would hold a whole side in a hash join, which grows with the corpus. Such
a check names a ``function`` instead of a query: a Python callable (``module:name``) that streams the
store and yields the same rows a query would (:func:`statements_without_record`).

A query may splice in a named list (the ``lists`` of the file) as the rows of a VALUES block: the
answers of a SELECT over ``schemas/ontology.ttl`` (the declared properties, the disjoint classes), or
the metrics of the vocabulary with given fields (the ratio metrics).

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.load(b'''@base <https://w3id.org/kg-ml/resource/> .
... <model/a> <https://w3id.org/kg-ml/ontology#outperforms> <model/a> .''', format=ox.RdfFormat.TURTLE)
>>> found = run_checks(store)
>>> [violation.check for violation in found]
['outperforms-itself', 'statement-without-record']
>>> print(found[0].message)
res:model/a kgo:outperforms itself
"""

from __future__ import annotations

import functools
import importlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import yaml
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .errors import KgError
from .files import resource_dir
from .rdf import DEFAULT_BASE, PREFIXES, PROPERTIES, REIFIED
from .store import SPARQL_TOKENS
from .validate import SEVERITIES, Violation, compact

OWL = "http://www.w3.org/2002/07/owl#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_NAME = re.compile(r"[A-Za-z][\w-]*")
_LIST_NAME = re.compile(r"[A-Za-z_]\w*")  # a list is spliced in as $name: a SPARQL variable's name
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_METRIC_FIELDS = {"scale": ("ratio", "raw"), "better": ("lower", "higher")}


def default_checks() -> Path:
    """``schemas/checks.yaml`` of a checkout, or the copy inside an installed package."""
    return resource_dir("schemas") / "checks.yaml"


def default_ontology() -> Path:
    """``schemas/ontology.ttl``: what the lists of the checks read."""
    return resource_dir("schemas") / "ontology.ttl"


Rows = Callable[[ox.Store], Iterator[dict]]  # a check written as a function: its rows, variable -> term


@dataclass(frozen=True)
class Check:
    name: str
    severity: str  # "Violation", "Warning" or "Info"
    message: str  # one line; {var} stands for the value of ?var
    query: str  # a SPARQL SELECT: a row per offence, ?node the offending node ("" where function is given)
    function: Rows | None = None  # or a callable giving those rows from the store


@dataclass(frozen=True)
class NamedList:
    """A list a query splices in: the rows of ``ontology`` (a SELECT over ontology.ttl), or the
    vocabulary's metrics whose fields are ``metrics`` (``{"scale": "ratio"}``), less ``exclude``."""

    ontology: str | None = None
    metrics: dict = field(default_factory=dict)
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckSet:
    checks: list[Check]
    lists: dict[str, NamedList]
    path: Path


def load_checks(path: str | Path | None = None) -> CheckSet:
    """The checks of a YAML file (default :func:`default_checks`); a :class:`KgError` naming the file
    and the check where one is malformed."""
    path = Path(path) if path is not None else default_checks()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise KgError(f"{path}:{mark.line + 1 if mark else 1}: not YAML ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("checks"), list) or set(data) - {"lists", "checks"}:
        raise KgError(f"{path}: a checks file is a mapping of `lists` (optional) and `checks` (a list)")
    lists = {name: _named_list(path, name, spec) for name, spec in (data.get("lists") or {}).items()}
    checks: list[Check] = []
    for number, entry in enumerate(data["checks"], start=1):
        where = f"{path}: check {number}" + (f" ({entry.get('name')})" if isinstance(entry, dict) else "")
        keys = set(entry) if isinstance(entry, dict) else set()
        if keys not in ({"name", "severity", "message", "query"}, {"name", "severity", "message", "function"}):
            raise KgError(f"{where}: a check has exactly a name, a severity, a message and a query (or a function)")
        if not all(isinstance(entry[key], str) for key in entry):
            raise KgError(f"{where}: name, severity, message and query (or function) are strings")
        if not _NAME.fullmatch(entry["name"]) or entry["name"] in {c.name for c in checks}:
            raise KgError(f"{where}: the name must be a unique word (letters, digits, - and _)")
        if entry["severity"] not in SEVERITIES:
            raise KgError(f"{where}: the severity must be one of {', '.join(SEVERITIES)}")
        message = entry["message"].strip()
        if "\n" in message:
            raise KgError(f"{where}: the message must be one line")
        function = _function(where, entry["function"]) if "function" in entry else None
        checks.append(Check(entry["name"], entry["severity"], message, entry.get("query", ""), function))
    return CheckSet(checks, lists, path)


def _function(where: str, name: str) -> Rows:
    """The callable ``module:attribute`` names; a :class:`KgError` where there is none."""
    module, _, attribute = name.partition(":")
    try:
        function = getattr(importlib.import_module(module), attribute) if attribute else None
    except (ImportError, AttributeError) as error:
        raise KgError(f"{where}: no function {name} ({error})") from None
    if not callable(function):
        raise KgError(f"{where}: the function must be module:name, naming a callable (not {name!r})")
    return function


def _named_list(path: Path, name, spec) -> NamedList:
    where = f"{path}: list {name}"
    if not isinstance(name, str) or not _LIST_NAME.fullmatch(name):
        raise KgError(f"{where}: a list's name is a SPARQL variable name (letters, digits and _)")
    if isinstance(spec, dict) and set(spec) == {"ontology"} and isinstance(spec["ontology"], str):
        return NamedList(ontology=spec["ontology"])
    if (
        isinstance(spec, dict)
        and "metrics" in spec
        and set(spec) <= {"metrics", "except"}
        and isinstance(spec["metrics"], dict)
        and all(_METRIC_FIELDS.get(k) and v in _METRIC_FIELDS[k] for k, v in spec["metrics"].items())
        and isinstance(spec.get("except", []), list)
    ):
        return NamedList(metrics=dict(spec["metrics"]), exclude=tuple(map(str, spec.get("except", []))))
    raise KgError(
        f"{where}: a list is {{ontology: SELECT over ontology.ttl}} or {{metrics: {{scale: ratio|raw, "
        "better: lower|higher}, except: [names]}}"
    )


def run_checks(
    store: ox.Store,
    checks: CheckSet | None = None,
    *,
    ontology: str | Path | None = None,
    vocab=None,
    base: str = DEFAULT_BASE,
    seconds: dict[str, float] | None = None,
) -> list[Violation]:
    """Every violation the ``checks`` (default :func:`load_checks`) find in ``store``, check by check.

    Lists read ``ontology`` (default :func:`default_ontology`) and ``vocab`` (default: the shipped
    vocabulary). Messages write IRIs under ``base`` as ``res:...``. ``seconds``, where given, gets
    each check's time.
    """
    checks = checks if checks is not None else load_checks()
    prefixes = {name: str(namespace) for name, namespace in PREFIXES.items()}
    query_prefixes = {**prefixes, "owl": OWL}
    shown = {**prefixes, "res": base}
    lists = _list_rows(checks, Path(ontology) if ontology is not None else default_ontology(), vocab, query_prefixes)
    violations = []
    for check in checks.checks:
        started = time.perf_counter()
        where = f"{checks.path}: check {check.name}"
        for row in _rows(check, store, where, lists, query_prefixes):
            node = _rdflib(row["node"])
            if node is None:  # an aggregate over no rows answers one row of nothing
                continue
            path = _rdflib(row.get("path"))
            violations.append(
                Violation(
                    focus=node,
                    path=compact(path, shown) if path is not None else None,
                    message=_message(check.message, row, shown),
                    severity=check.severity,
                    value=_rdflib(row.get("value")),
                    check=check.name,
                )
            )
        if seconds is not None:
            seconds[check.name] = time.perf_counter() - started
    return violations


def _rows(check: Check, store: ox.Store, where: str, lists: dict[str, str], prefixes: dict[str, str]) -> Iterator[dict]:
    """The rows of a check (variable -> term): its function's, or its query's answers."""
    if check.function is not None:
        for row in check.function(store):
            _require(where, "the function gives no", [*row], check.message)
            yield row
        return
    text = SPARQL_TOKENS.sub(lambda m: lists.get(m.group(1), m.group(0)) if m.group(1) else m.group(0), check.query)
    try:
        solutions = store.query(text, prefixes=prefixes)
    except SyntaxError as error:
        raise KgError(f"{where}: SPARQL syntax error: {' '.join(str(error).split())}") from None
    if not isinstance(solutions, ox.QuerySolutions):
        raise KgError(f"{where}: the query must be a SELECT")
    variables = [variable.value for variable in solutions.variables]
    _require(where, "the query does not select", variables, check.message)
    for solution in solutions:
        yield {name: solution[name] for name in variables}


def _require(where: str, says: str, variables: list[str], message: str) -> None:
    """A :class:`KgError` unless ``variables`` hold ?node and every variable the message names."""
    unknown = [name for name in _PLACEHOLDER.findall(message) if name not in variables]
    if "node" not in variables or unknown:
        missing = "?node" if "node" not in variables else f"?{unknown[0]}, which its message names"
        raise KgError(f"{where}: {says} {missing}")


def statements_without_record(store: ox.Store) -> Iterator[dict]:
    """Every relation triple that carries provenance (:data:`kg.rdf.REIFIED`) but has no
    ``rdf:Statement`` record describing it: rows of ``node`` (its subject), ``path`` and ``value``.

    One query per subject compares its triples with its own records (a MINUS over them alone): the
    store holds the set of subjects and one subject's records at a time, and only offending rows
    reach Python. A single MINUS over every record held them all (900 MB at 100k papers); streaming
    every record into Python took 65-68 s at 100k papers, where this takes 52-56 s.

    >>> store = ox.Store()
    >>> store.load(b'''@prefix kgo: <https://w3id.org/kg-ml/ontology#> .
    ... <http://x/a> kgo:variantOf <http://x/b> ; kgo:outperforms <http://x/b> .
    ... [] <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <http://x/a> ;
    ...    <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> kgo:variantOf ;
    ...    <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> <http://x/b> .''', format=ox.RdfFormat.TURTLE)
    >>> [row["path"].value for row in statements_without_record(store)]
    ['https://w3id.org/kg-ml/ontology#outperforms']
    """
    reified = "VALUES ?p { " + " ".join(f"<{PROPERTIES[name]}>" for name in sorted(REIFIED)) + " }"
    rdf = {"rdf": str(PREFIXES["rdf"])}
    records = "?r rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o"
    unrecorded = f"SELECT ?s ?p ?o WHERE {{ {reified} ?s ?p ?o MINUS {{ {records} }} }}"
    subjects = store.query(f"SELECT DISTINCT ?s WHERE {{ {reified} ?s ?p ?o }}")
    assert isinstance(subjects, ox.QuerySolutions)  # a SELECT
    for (subject,) in subjects:
        rows = store.query(unrecorded, prefixes=rdf, substitutions={ox.Variable("s"): subject})
        assert isinstance(rows, ox.QuerySolutions)
        for row in rows:
            yield {"node": subject, "path": row["p"], "value": row["o"]}


def _list_rows(checks: CheckSet, ontology: Path, vocab, prefixes: dict[str, str]) -> dict[str, str]:
    """Each list as the text of VALUES rows: ``t1 t2`` for one column, ``(a b) (c d)`` for more."""
    rows: dict[str, str] = {}
    graph = None
    for name, spec in checks.lists.items():
        if spec.ontology is not None:
            if graph is None:
                graph = ox.Store()
                graph.load(path=str(ontology), format=ox.RdfFormat.TURTLE)
            try:
                solutions = graph.query(spec.ontology, prefixes=prefixes)
            except SyntaxError as error:
                raise KgError(f"{checks.path}: list {name}: SPARQL syntax error: {error}") from None
            if not isinstance(solutions, ox.QuerySolutions):
                raise KgError(f"{checks.path}: list {name}: the query must be a SELECT")
            width = len(solutions.variables)
            cells = [[str(term) if term is not None else "UNDEF" for term in solution] for solution in solutions]
            rows[name] = " ".join(" ".join(c) if width == 1 else f"({' '.join(c)})" for c in cells)
        else:
            names = sorted(set(_metrics(vocab, spec.metrics)) - set(spec.exclude))
            rows[name] = " ".join(str(ox.Literal(metric)) for metric in names)
    return rows


def _metrics(vocab, wanted: dict) -> list[str]:
    """The vocabulary's metrics whose ranking fields (``scale``, ``better``) are those ``wanted``."""
    rankings = (vocab if vocab is not None else _shipped_vocabulary()).rankings
    return [
        metric
        for metric, (lower, ratio) in rankings.items()
        if wanted.get("scale", "ratio" if ratio else "raw") == ("ratio" if ratio else "raw")
        and wanted.get("better", "lower" if lower else "higher") == ("lower" if lower else "higher")
    ]


@functools.cache
def _shipped_vocabulary():
    from .vocab import load_vocabulary

    return load_vocabulary()


def _message(template: str, row: dict, prefixes: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda match: _shown(row[match.group(1)], prefixes), template)


def _rdflib(term) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == _XSD + "string" else URIRef(datatype))
    return Literal(str(term))  # an RDF-star triple, which the graph never holds


def _shown(term, prefixes: dict[str, str]) -> str:
    """A term in a message: compacted, a well-formed integer or decimal as its number, unbound as (none)."""
    node = _rdflib(term)
    if node is None:
        return "(none)"
    if (
        isinstance(node, Literal)
        and str(node.datatype) in (_XSD + "integer", _XSD + "decimal")
        and _NUMBER.fullmatch(str(node))
    ):
        return str(node)
    return compact(node, prefixes)
