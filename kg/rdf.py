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
import json
from decimal import Decimal
from pathlib import Path

import networkx as nx
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from .files import atomic_write, write_json
from .vocab import normalize_name

KGO = Namespace("https://w3id.org/kg-ml/ontology#")
DEFAULT_BASE = "https://w3id.org/kg-ml/resource/"
RES = Namespace(DEFAULT_BASE)
SCHEMA = Namespace("https://schema.org/")

PREFIXES = {"kgo": KGO, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "skos": SKOS, "dcterms": DCTERMS, "prov": PROV, "schema": SCHEMA}

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
    res = Namespace(base)
    rdf = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        rdf.bind(prefix, namespace)
    rdf.bind("res", res)
    for node, data in graph.nodes(data=True):
        subject = res[node]
        kind = data["kind"]
        rdf.add((subject, RDF.type, KGO[kind]))
        rdf.add((subject, RDFS.label, Literal(data["label"])))
        if kind == "Paper":
            _paper(rdf, subject, data)
        elif kind == "Result":
            _result(rdf, subject, data)
        else:
            rdf.add((subject, SKOS.prefLabel, Literal(data["label"])))
            for alias in data.get("aliases", []):
                rdf.add((subject, SKOS.altLabel, Literal(alias)))
            # The guideline's name matching (case, spaces, hyphens, dots ignored) as an indexed key.
            for name in {data["label"], *data.get("aliases", [])}:
                rdf.add((subject, KGO.matchKey, Literal(normalize_name(name))))
    for source, target, data in graph.edges(data=True):
        predicate = PROPERTIES[data["predicate"]]
        triple = (res[source], predicate, res[target])
        rdf.add(triple)
        if data["predicate"] in REIFIED:
            _statement(rdf, res, triple, data, extractor_version)
    return rdf


def _paper(rdf: Graph, subject: URIRef, data: dict) -> None:
    rdf.add((subject, RDF.type, SCHEMA.ScholarlyArticle))
    rdf.add((subject, DCTERMS.identifier, Literal(data["paper_id"])))
    rdf.add((subject, DCTERMS.title, Literal(data["title"])))
    rdf.add((subject, DCTERMS.abstract, Literal(data["abstract"])))
    for key, prop in PAPER_METADATA.items():
        values = data.get(key)
        for value in values if isinstance(values, list) else [values] if values not in (None, "") else []:
            rdf.add((subject, prop, Literal(value)))


def _result(rdf: Graph, subject: URIRef, data: dict) -> None:
    rdf.add((subject, KGO.metric, Literal(data["metric"])))
    rdf.add((subject, KGO.value, Literal(Decimal(repr(data["value"])), datatype=XSD.decimal)))
    if data.get("unit"):
        rdf.add((subject, KGO.unit, Literal(data["unit"])))
    if data.get("dataset_name"):
        rdf.add((subject, KGO.datasetName, Literal(data["dataset_name"])))
    if data.get("evidence"):
        rdf.add((subject, KGO.evidence, Literal(data["evidence"])))


def _statement(rdf: Graph, res: Namespace, triple: tuple, data: dict, extractor_version: str) -> None:
    key = "|".join([*map(str, triple), data["paper"]])
    statement = res["statement/" + hashlib.sha1(key.encode()).hexdigest()[:16]]
    rdf.add((statement, RDF.type, RDF.Statement))
    rdf.add((statement, RDF.subject, triple[0]))
    rdf.add((statement, RDF.predicate, triple[1]))
    rdf.add((statement, RDF.object, triple[2]))
    rdf.add((statement, PROV.wasDerivedFrom, res["paper/" + data["paper"]]))
    if data.get("evidence"):
        rdf.add((statement, KGO.evidence, Literal(data["evidence"])))
    confidence = Decimal(f"{data.get('confidence', 1.0):.3f}")
    rdf.add((statement, KGO.confidence, Literal(confidence, datatype=XSD.decimal)))
    if extractor_version:
        rdf.add((statement, KGO.extractorVersion, Literal(extractor_version)))


def write_rdf(rdf: Graph, out: Path) -> None:
    """Write ``graph.ttl``, ``graph.nt`` and ``graph.jsonld`` into ``out``, each sorted so equal graphs give equal bytes."""
    with atomic_write(out / "graph.ttl", "wb") as stream:
        rdf.serialize(stream, format="turtle")
    with atomic_write(out / "graph.nt") as stream:
        stream.writelines(sorted(line + "\n" for line in rdf.serialize(format="nt").splitlines() if line.strip()))
    document = json.loads(rdf.serialize(format="json-ld", context={p: str(ns) for p, ns in rdf.namespaces() if p}))
    nodes = document.get("@graph", [document])
    for node in nodes:  # rdflib lists a node's values in set order: sort them
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True))
    document["@graph"] = sorted(nodes, key=lambda n: n.get("@id", ""))
    write_json(out / "graph.jsonld", document)
