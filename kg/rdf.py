"""RDF writer: the graph → an rdflib Graph in the project's ontology, with provenance.

Entities, papers and results become resources under a configurable base IRI
(default ``https://w3id.org/kg-ml/resource/``); classes and properties live in the fixed ontology
namespace ``kgo:`` (``https://w3id.org/kg-ml/ontology#``), so queries work whatever the base.
Each relation is written twice: as the plain triple (``<salt> kgo:variantOf <lora>``), which
queries read, and as an ``rdf:Statement`` that names the paper (``prov:wasDerivedFrom``), the
evidence sentence and the confidence — standard reification, readable by plain SPARQL 1.1.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("method/salt", kind="Method", label="SALT", aliases=[], papers=["p1"])
>>> g.add_node("method/lora", kind="Method", label="LoRA", aliases=["Low-Rank Adaptation"], papers=["p1"])
>>> _ = g.add_edge("method/salt", "method/lora", key="variant_of@p1", predicate="variant_of",
...               paper="p1", evidence="SALT extends LoRA.", confidence=0.9)
>>> rdf = to_rdf(g)
>>> (RES["method/salt"], KGO.variantOf, RES["method/lora"]) in rdf
True
"""
from __future__ import annotations

import hashlib
import heapq
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace
from rdflib.namespace import DCTERMS, PROV, SKOS

from .files import atomic_write
from .resolve import slug
from .vocab import normalize_name

KGO = Namespace("https://w3id.org/kg-ml/ontology#")
DEFAULT_BASE = "https://w3id.org/kg-ml/resource/"
RES = Namespace(DEFAULT_BASE)
SCHEMA = Namespace("https://schema.org/")
MLS = Namespace("http://www.w3.org/ns/mls#")

PREFIXES = {"kgo": KGO, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "skos": SKOS, "dcterms": DCTERMS, "prov": PROV, "schema": SCHEMA, "mls": MLS}

# graph predicate -> ontology property
PROPERTIES = {
    "proposes": KGO.proposes,
    "fine_tuned_from": KGO.fineTunedFrom,
    "uses_method": KGO.usesMethod,
    "variant_of": KGO.variantOf,
    "evaluated_on": KGO.evaluatedOn,
    "applied_to": KGO.appliedTo,
    "has_modality": KGO.hasModality,
    "in_domain": KGO.inDomain,
    "outperforms": KGO.outperforms,
    "mentions": KGO.mentions,
    "has_result": KGO.hasResult,
    "reports": KGO.reports,
    "on_dataset": KGO.onDataset,
    "broader": SKOS.broader,
}
# Statements that carry their own provenance record (the others are bookkeeping of the paper itself).
REIFIED = set(PROPERTIES) - {"mentions", "reports", "on_dataset", "broader"}

PAPER_METADATA = {"year": DCTERMS.date, "url": SCHEMA.url, "authors": DCTERMS.creator, "venue": SCHEMA.isPartOf}


def to_rdf(graph: nx.MultiDiGraph, *, base: str = DEFAULT_BASE, extractor_version: str = "") -> Graph:
    """Translate the MultiDiGraph; the same graph always gives the same set of triples."""
    rdf = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        rdf.bind(prefix, namespace)
    rdf.bind("res", Namespace(base))
    return rdf.parse(data="".join(ntriples(graph, base=base, extractor_version=extractor_version)), format="nt")


def ntriples(graph: nx.MultiDiGraph, *, base: str = DEFAULT_BASE, extractor_version: str = "") -> Iterator[str]:
    """The graph's triples as N-Triples lines, node by node then edge by edge (unsorted, may repeat).

    Written as text rather than through rdflib: a million-paper graph does not fit in an rdflib Graph.
    """
    for node, data in graph.nodes(data=True):
        subject = _iri(base + node)
        kind = data["kind"]
        yield f"{subject} {_iri(RDF.type)} {_iri(KGO[kind])} .\n"
        yield f"{subject} {_iri(RDFS.label)} {_text(data['label'])} .\n"
        if kind == "Paper":
            yield from _paper(subject, data)
        elif kind == "Result":
            yield from _result(subject, data, base)
        else:
            yield f"{subject} {_iri(SKOS.prefLabel)} {_text(data['label'])} .\n"
            for alias in data.get("aliases", []):
                yield f"{subject} {_iri(SKOS.altLabel)} {_text(alias)} .\n"
            # The guideline's name matching (case, spaces, hyphens, dots ignored) as an indexed key.
            for name in {data["label"], *data.get("aliases", [])}:
                yield f"{subject} {_iri(KGO.matchKey)} {_text(normalize_name(name))} .\n"
    for source, target, data in graph.edges(data=True):
        triple = (base + source, str(PROPERTIES[data["predicate"]]), base + target)
        yield "{} {} {} .\n".format(*map(_iri, triple))
        if data["predicate"] in REIFIED:
            yield from _statement(base, triple, data, extractor_version)


def _iri(iri: str) -> str:
    return f"<{iri}>"


def _text(value: str) -> str:
    """A plain literal, escaped as rdflib's N-Triples writer does."""
    return '"%s"' % value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r")


def _decimal(value: Decimal) -> str:
    return f'"{value:f}"^^<{XSD.decimal}>'


def _paper(subject: str, data: dict) -> Iterator[str]:
    yield f"{subject} {_iri(RDF.type)} {_iri(SCHEMA.ScholarlyArticle)} .\n"
    yield f"{subject} {_iri(DCTERMS.identifier)} {_text(data['paper_id'])} .\n"
    yield f"{subject} {_iri(DCTERMS.title)} {_text(data['title'])} .\n"
    yield f"{subject} {_iri(DCTERMS.abstract)} {_text(data['abstract'])} .\n"
    for key, prop in PAPER_METADATA.items():
        values = data.get(key)
        for value in values if isinstance(values, list) else [values] if values not in (None, "") else []:
            literal = Literal(value)  # rdflib picks the datatype of a number, a date, a boolean
            yield f"{subject} {_iri(prop)} {_text(str(literal))}{f'^^<{literal.datatype}>' if literal.datatype else ''} .\n"


def _result(subject: str, data: dict, base: str) -> Iterator[str]:
    yield f"{subject} {_iri(KGO.metric)} {_text(data['metric'])} .\n"
    # The metric also as a node of its own (ML-Schema's evaluation measure), shared by its results.
    metric = _iri(f"{base}metric/{slug(data['metric'])}")
    yield f"{subject} {_iri(MLS.specifiedBy)} {metric} .\n"
    yield f"{metric} {_iri(RDF.type)} {_iri(KGO.Metric)} .\n"
    yield f"{metric} {_iri(RDFS.label)} {_text(data['metric'])} .\n"
    yield f"{subject} {_iri(KGO.value)} {_decimal(Decimal(repr(data['value'])))} .\n"
    for key, prop in (("unit", KGO.unit), ("dataset_name", KGO.datasetName), ("evidence", KGO.evidence)):
        if data.get(key):
            yield f"{subject} {_iri(prop)} {_text(data[key])} .\n"


def _statement(base: str, triple: tuple, data: dict, extractor_version: str) -> Iterator[str]:
    key = "|".join([*triple, data["paper"]])
    statement = _iri(base + "statement/" + hashlib.sha1(key.encode()).hexdigest()[:16])
    yield f"{statement} {_iri(RDF.type)} {_iri(RDF.Statement)} .\n"
    yield f"{statement} {_iri(RDF.subject)} {_iri(triple[0])} .\n"
    yield f"{statement} {_iri(RDF.predicate)} {_iri(triple[1])} .\n"
    yield f"{statement} {_iri(RDF.object)} {_iri(triple[2])} .\n"
    yield f"{statement} {_iri(PROV.wasDerivedFrom)} {_iri(base + 'paper/' + data['paper'])} .\n"
    if data.get("evidence"):
        yield f"{statement} {_iri(KGO.evidence)} {_text(data['evidence'])} .\n"
    confidence = Decimal(f"{data.get('confidence', 1.0):.3f}")
    yield f"{statement} {_iri(KGO.confidence)} {_decimal(confidence)} .\n"
    if extractor_version:
        yield f"{statement} {_iri(KGO.extractorVersion)} {_text(extractor_version)} .\n"


def write_rdf(graph: nx.MultiDiGraph, out: Path, *, base: str = DEFAULT_BASE, extractor_version: str = "") -> Path:
    """Write ``graph.nt`` (sorted lines, no repeats), then ``graph.ttl`` and ``graph.jsonld`` from it, so
    equal graphs give equal bytes. Memory stays bounded: lines are sorted in runs on disk, then merged.
    Returns the path of ``graph.nt``."""
    with tempfile.TemporaryDirectory(dir=out, prefix=".sort.") as scratch:
        runs = [_sorted_run(chunk, Path(scratch) / f"{i}.nt")
                for i, chunk in enumerate(_chunks(ntriples(graph, base=base, extractor_version=extractor_version)))]
        files = [run.open(encoding="utf-8", newline="\n") for run in runs]
        try:
            with atomic_write(out / "graph.nt") as stream:
                previous = None
                for line in heapq.merge(*files):
                    if line != previous:
                        stream.write(line)
                    previous = line
        finally:
            for file in files:
                file.close()
    prefixes = {prefix: str(namespace) for prefix, namespace in {**PREFIXES, "res": base}.items()}
    for name, fmt in (("graph.ttl", ox.RdfFormat.TURTLE), ("graph.jsonld", ox.RdfFormat.JSON_LD)):
        # Oxigraph streams sorted N-Triples into Turtle (grouped by subject) and JSON-LD (one object a subject).
        with atomic_write(out / name, "wb") as stream:
            ox.serialize(ox.parse(path=str(out / "graph.nt"), format=ox.RdfFormat.N_TRIPLES), stream, fmt, prefixes=prefixes)
    return out / "graph.nt"


SORT_RUN_LINES = 500_000  # ~100 MB of text per run on disk


def _chunks(lines: Iterable[str], size: int = SORT_RUN_LINES) -> Iterator[list[str]]:
    chunk = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sorted_run(lines: list[str], path: Path) -> Path:
    lines.sort()
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        stream.writelines(lines)
    return path
