"""Validation: check a build against the SHACL shapes in ``schemas/shapes.ttl`` and the whole-graph
checks in ``schemas/checks.yaml``.

The shapes say what a valid node is: every result has one metric and one decimal value, each
relation joins things of the types the guideline allows, every paper and entity has a label,
every provenance record names one paper. They run with pyshacl, which is too slow for a big
graph: ``kg build`` runs them on a sample of papers. The checks (:mod:`kg.integrity`) are SPARQL
over the build's store and run on every paper: no fine-tuning cycle, no relation without the
record of a paper that mentions its ends, no predicate outside the ontology, no percentage above
100, no confidence outside 0 to 1, ... :func:`validate` runs both and returns a
:class:`ValidationReport` whose lines name the offending node.

>>> from rdflib import Graph
>>> graph = Graph().parse(format="turtle", data='''
... @base <https://w3id.org/kg-ml/resource/> .
... @prefix kgo: <https://w3id.org/kg-ml/ontology#> .
... @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
... @prefix dcterms: <http://purl.org/dc/terms/> .
... <paper/p1> a kgo:Paper ; rdfs:label "T" ; dcterms:title "T" ; dcterms:identifier "p1" ;
...     kgo:reports <result/r1> ; kgo:hasResult <result/r1> .
... <result/r1> a kgo:Result ; kgo:metric "accuracy" ; kgo:value "high" .
... ''')
>>> report = validate(graph)
>>> report.conforms, report.count
(False, 1)
>>> print(report.format())
does not conform: 1 violation
  Violation  res:result/r1  kgo:value = "high": a result has exactly one kgo:value, an xsd:decimal
>>> print(validate(graph, checks=True).format())  # doctest: +NORMALIZE_WHITESPACE
does not conform: 2 violations
  Violation  res:paper/p1 kgo:hasResult res:result/r1 has no rdf:Statement provenance record
             (no paper states it)  [statement-without-record]
  Violation  res:result/r1  kgo:value = "high": a result has exactly one kgo:value, an xsd:decimal
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.term import BNode, Node

from .files import resource_dir
from .graph import VALIDATION_PAPERS, Sample, iter_node_link, sample_papers
from .rdf import DEFAULT_BASE, PREFIXES, graph_ntriples, ntriples, parse_ntriples

SH = Namespace("http://www.w3.org/ns/shacl#")
KGS = Namespace("https://w3id.org/kg-ml/shapes#")
SEVERITIES = ("Violation", "Warning", "Info")  # most severe first; the order lines are printed in


def default_shapes() -> Path:
    """``schemas/shapes.ttl`` of a checkout, or the copy inside an installed package."""
    return resource_dir("schemas") / "shapes.ttl"


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result or check finding: which node, along which path, why, and how bad."""

    focus: Node  # the offending node (a paper, entity, result or provenance record)
    path: str | None  # the property, compacted ("kgo:value", "^kgo:reports"); None for node checks
    message: str
    severity: str  # "Violation", "Warning" or "Info"
    value: Node | None = None  # the offending value, where there is one (a wrong object, a bad literal)
    check: str | None = None  # the check of checks.yaml that found it; None for a SHACL result


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`. ``conforms`` ignores warnings; ``violations`` lists every result."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    seconds: float = 0.0
    prefixes: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    # Where the shapes saw a sample of a build's papers: (papers sampled, papers in the build).
    sampled: tuple[int, int] | None = None

    @property
    def count(self) -> int:
        return len(self.violations)

    def format(self, limit: int = 20) -> str:
        """A header and one line per result (the first ``limit``): severity, node, path, value, message."""
        severities = Counter(v.severity for v in self.violations)
        counts = ", ".join(_plural(severities[s], s.lower()) for s in SEVERITIES if severities[s])
        lines = [("conforms" if self.conforms else "does not conform") + (f": {counts}" if counts else "")]
        if self.sampled is not None:
            lines[0] += f" (shapes on {self.sampled[0]:,} of {self.sampled[1]:,} papers; checks on all)"
        for violation in self.violations[:limit]:
            if violation.check is not None:  # a check's message names its node and values itself
                lines.append(f"  {violation.severity:9}  {violation.message}  [{violation.check}]")
                continue
            where = compact(violation.focus, self.prefixes)
            if violation.path:
                where += f"  {violation.path}"
            if violation.value is not None and violation.value != violation.focus:
                where += f" = {compact(violation.value, self.prefixes)}"
            lines.append(f"  {violation.severity:9}  {where}: {violation.message}")
        if self.count > limit:
            lines.append(f"  ... and {self.count - limit} more")
        return "\n".join(lines)


def validate(
    data_graph_or_path: Graph | str | Path,
    shapes: Graph | str | Path | None = None,
    *,
    checks: bool | None = None,
    papers: int | None = VALIDATION_PAPERS,
) -> ValidationReport:
    """Validate a graph (an rdflib Graph, an RDF file, or a build folder: the graph in its store).

    ``shapes`` defaults to :func:`default_shapes`. With ``checks`` (the default for a build folder)
    the checks of :func:`kg.integrity.default_checks` run too: on a build's store, or on a copy of
    the graph in memory; the shapes that are the pyshacl form of a check (``kgs:check``) then do not
    run, so that no problem is reported twice. Takes about 1.5 s on the example build (~14k
    triples, parsing included) and about 4 s on twice that.

    In a build of more than ``papers`` papers (None: no limit) the shapes see an even sample of
    that many, as ``kg build`` does (:func:`kg.graph.sample_papers`: those papers as the build wrote
    them in ``graph.json``, with every node they touch). pyshacl holds its graph in memory and
    checks about 9k triples a second: the whole of a 10k build took 3.7 minutes and 2.2 GB. The
    checks still see every paper, in the store.
    """
    started = time.perf_counter()
    folder = None if isinstance(data_graph_or_path, Graph) else Path(data_graph_or_path)
    store = folder / "store" if folder is not None and (folder / "store").is_dir() else None
    base = DEFAULT_BASE
    if folder is not None and store is not None and (folder / "manifest.json").is_file():
        base = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("base_iri", base)
    data, sampled = None, None
    if folder is not None and store is not None and papers is not None and (folder / "graph.json").is_file():
        data, sampled = _build_sample(folder / "graph.json", base, papers)
    if data is None:  # not a build, or one small enough for the shapes to see whole, in its store
        data = _load(data_graph_or_path)
    prefixes = {str(prefix): str(namespace) for prefix, namespace in PREFIXES.items()}
    prefixes.update({"res": base})
    prefixes.update({prefix: str(namespace) for prefix, namespace in data.namespaces() if prefix})
    if not (checks if checks is not None else store is not None):
        return report_of(shape_violations(data, shapes), started, prefixes, sampled)
    # Imported here: kg.integrity builds on this module.
    from .integrity import load_checks, run_checks

    check_set = load_checks()
    if store is not None:
        graph = ox.Store.read_only(str(store))
    else:
        graph = ox.Store()
        graph.bulk_load(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    found = shape_violations(data, shapes, replaced=[c.name for c in check_set.checks])
    return report_of(found + run_checks(graph, check_set, base=base), started, prefixes, sampled)


def _build_sample(graph_json: Path, base: str, most: int) -> tuple[Graph | None, tuple[int, int] | None]:
    """The graph of an even sample of ``most`` of a build's papers, read from its ``graph.json`` a node
    or edge at a time, and (papers sampled, papers in the build); (None, None) if it has no more."""
    papers = [item[2]["paper_id"] for item in iter_node_link(graph_json, ("node",)) if item[2]["kind"] == "Paper"]
    if len(papers) <= most:
        return None, None
    sample = Sample(sample_papers(papers, most))
    for item in iter_node_link(graph_json):
        sample.add(item)
    data = parse_ntriples("".join(ntriples(sample.graph(), base=base)), base=base)
    return data, (len(sample.chosen), len(papers))


def shape_violations(
    data: Graph, shapes: Graph | str | Path | None = None, *, replaced: Iterable[str] = ()
) -> list[Violation]:
    """The SHACL results of ``data`` (``shapes`` defaults to :func:`default_shapes`), less those of
    the shapes marked ``kgs:check NAME`` for a NAME in ``replaced``: checks that run on the whole
    graph instead."""
    shapes_graph = _load(shapes if shapes is not None else default_shapes())
    replaced = set(replaced)
    marked = [shape for shape, name in shapes_graph.subject_objects(KGS.check) if str(name) in replaced]
    if marked:
        shapes_graph = Graph() + shapes_graph  # a copy: the caller's graph stays as it was
        for shape in marked:
            shapes_graph.add((shape, SH.deactivated, Literal(True)))
    # Imported here: pyshacl takes ~0.5 s to import and only validation needs it.
    from pyshacl import validate as shacl_validate

    # No inference and no ontology graph: the writer types every node with its exact class, and
    # the shapes test exactly those classes, so RDFS/OWL reasoning would add nothing but time
    # (pyshacl would copy the data graph to mix the ontology in). allow_warnings: a sh:Warning
    # (a guideline preference) does not make the graph non-conforming.
    _, results, _ = shacl_validate(
        data,
        shacl_graph=shapes_graph,
        inference="none",
        allow_warnings=True,
        advanced=False,
    )
    # Top-level results only: those of sh:node and sh:or checks carry their inner failures
    # as sh:detail, which would repeat one problem as several lines.
    return [_violation(results, node) for node in results.objects(None, SH.result)]


def report_of(
    violations: Iterable[Violation],
    started: float,
    prefixes: dict[str, str],
    sampled: tuple[int, int] | None = None,
) -> ValidationReport:
    """The report of ``violations`` (sorted: most severe first, then by node) found since ``started``."""
    ordered = sorted(
        violations,
        key=lambda v: (
            SEVERITIES.index(v.severity) if v.severity in SEVERITIES else len(SEVERITIES),
            str(v.focus),
            v.path or "",
            str(v.value or ""),
            v.message,
        ),
    )
    return ValidationReport(
        conforms=not any(v.severity == "Violation" for v in ordered),
        violations=ordered,
        seconds=time.perf_counter() - started,
        prefixes=prefixes,
        sampled=sampled,
    )


def _load(source: Graph | str | Path) -> Graph:
    if isinstance(source, Graph):
        return source
    path = Path(source)
    if (path / "store").is_dir():  # a build folder
        return Graph().parse(data=graph_ntriples(path), format="nt")
    if not path.is_file():
        raise FileNotFoundError(f"no RDF file at {path}")
    # .ttl (or no suffix) is read as Turtle; other extensions (.nt, .jsonld) are guessed.
    return Graph().parse(path, format=None if path.suffix not in (".ttl", "") else "turtle")


def _violation(results: Graph, node: Node) -> Violation:
    severity = results.value(node, SH.resultSeverity)
    messages = sorted(str(m) for m in results.objects(node, SH.resultMessage))
    path = results.value(node, SH.resultPath)
    focus = results.value(node, SH.focusNode)
    assert focus is not None, "SHACL gives every validation result its sh:focusNode"
    return Violation(
        focus=focus,
        path=_path_text(results, path) if path is not None else None,
        message="; ".join(messages) or str(results.value(node, SH.sourceConstraintComponent)),
        severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
        value=results.value(node, SH.value),
    )


def _path_text(results: Graph, path: Node) -> str:
    """A SHACL path as people write it: ``kgo:value``, ``^kgo:reports`` (inverse), else N3."""
    if isinstance(path, URIRef):
        return compact(path, {str(p): str(n) for p, n in PREFIXES.items()})
    inverse = results.value(path, SH.inversePath)
    if isinstance(path, BNode) and inverse is not None:
        return "^" + _path_text(results, inverse)
    return path.n3()


def compact(term: Node, prefixes: dict[str, str]) -> str:
    """``res:paper/p1`` for an IRI under a known namespace (longest wins), ``<...>`` otherwise."""
    if isinstance(term, URIRef):
        matches = [(len(ns), prefix) for prefix, ns in prefixes.items() if term.startswith(ns) and len(term) > len(ns)]
        if matches:
            _, prefix = max(matches)
            return f"{prefix}:{term[len(prefixes[prefix]) :]}"
        return f"<{term}>"
    if isinstance(term, Literal):
        quoted = '"' + str(term).replace("\\", "\\\\").replace('"', '\\"') + '"'
        return quoted + (f"^^{compact(term.datatype, prefixes)}" if term.datatype else "")
    return term.n3() if isinstance(term, BNode) else str(term)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
