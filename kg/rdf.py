"""RDF: the graph's nodes and edges as N-Triples lines in the project's ontology, with provenance;
the sorted ``graph.nt`` and the Turtle and JSON-LD written from it; an rdflib Graph of a small graph.

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

import functools
import hashlib
import heapq
import json
import re
import tempfile
import urllib.parse
from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Graph, Namespace
from rdflib.namespace import DCTERMS, PROV, SKOS

from .files import atomic_write
from .graph import paper_authors
from .resolve import slug
from .vocab import normalize_name

KGO = Namespace("https://w3id.org/kg-ml/ontology#")
DEFAULT_BASE = "https://w3id.org/kg-ml/resource/"
RES = Namespace(DEFAULT_BASE)
SCHEMA = Namespace("https://schema.org/")
MLS = Namespace("http://www.w3.org/ns/mls#")
BIBO = Namespace("http://purl.org/ontology/bibo/")
OA = Namespace("http://www.w3.org/ns/oa#")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")

PREFIXES = {
    "kgo": KGO,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "schema": SCHEMA,
    "mls": MLS,
    "bibo": BIBO,
    "oa": OA,
    "qudt": QUDT,
    "unit": UNIT,
}

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
    "on_task": KGO.onTask,
    "broader": SKOS.broader,
    "has_author": DCTERMS.creator,
}
# Statements that carry their own provenance record (the others are bookkeeping of the paper itself).
REIFIED = set(PROPERTIES) - {"mentions", "reports", "on_dataset", "on_task", "broader", "has_author"}

# A paper's metadata field -> (property, how its value is written): "text", "integer", "date", or
# "link" (a text identifier, plus schema:sameAs the page the identifier names).
PAPER_METADATA = {
    "year": (KGO.year, "integer"),
    "date": (DCTERMS.issued, "date"),
    "url": (SCHEMA.url, "uri"),
    "doi": (BIBO.doi, "link"),
    "arxiv": (KGO.arxivId, "link"),
    "pmid": (BIBO.pmid, "link"),
    "openalex": (KGO.openalexId, "link"),
    "s2": (KGO.semanticScholarId, "link"),
    "categories": (DCTERMS.subject, "text"),
    "keywords": (SCHEMA.keywords, "text"),
}
# Where an identifier's page is: the paper's schema:sameAs links.
IDENTIFIER_PAGES = {
    "doi": "https://doi.org/{}",
    "arxiv": "https://arxiv.org/abs/{}",
    "pmid": "https://pubmed.ncbi.nlm.nih.gov/{}/",
    "openalex": "https://openalex.org/{}",
    "s2": "https://www.semanticscholar.org/paper/{}",
}
# A printed unit -> its QUDT unit (units the table lacks stay a kgo:unit literal only).
QUDT_UNITS = {
    "%": UNIT.PERCENT,
    "mmHg": UNIT.MilliM_HG,
    "mm": UNIT.MilliM,
    "cm": UNIT.CentiM,
    "ms": UNIT.MilliSEC,
    "s": UNIT.SEC,
    "dB": UNIT.DeciB,
}
# xsd type of an ISO date as precise as it is given
_DATE_TYPES = (
    (re.compile(r"\d{4}"), XSD.gYear),
    (re.compile(r"\d{4}-\d{2}"), XSD.gYearMonth),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), XSD.date),
)


def to_rdf(graph: nx.MultiDiGraph, *, base: str = DEFAULT_BASE) -> Graph:
    """Translate the MultiDiGraph; the same graph always gives the same set of triples."""
    return parse_ntriples("".join(ntriples(graph, base=base)), base=base)


def parse_ntriples(text: str, *, base: str = DEFAULT_BASE) -> Graph:
    """N-Triples text as an rdflib Graph with the project's prefixes bound."""
    rdf = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        rdf.bind(prefix, namespace)
    rdf.bind("res", Namespace(base))
    return rdf.parse(data=text, format="nt")


def ntriples(graph: nx.MultiDiGraph, *, base: str = DEFAULT_BASE) -> Iterator[str]:
    """The graph's triples as N-Triples lines, node by node then edge by edge (unsorted, may repeat).

    Written as text rather than through rdflib: a million-paper graph does not fit in an rdflib Graph.
    """
    papers = {data["paper_id"]: data for _, data in graph.nodes(data=True) if data["kind"] == "Paper"}
    for node, data in graph.nodes(data=True):
        yield from node_lines(node, data, base, papers.get(data.get("paper", "")))
    for source, target, data in graph.edges(data=True):
        yield from edge_lines(source, target, data, base, papers.get(data.get("paper", "")))
    methods = {node for node, data in graph.nodes(data=True) if data["kind"] == "Method"}
    if methods:
        yield from scheme_lines(top_methods(methods, graph.edges(data=True)), base)
    yield from use_fact_lines(graph, base)


def use_fact_lines(graph: nx.MultiDiGraph, base: str = DEFAULT_BASE) -> Iterator[str]:
    """The :class:`UseFacts` of a graph held in memory, as the build writes them from its stream:
    the entities first, then each paper's node and its edges together."""
    facts = UseFacts(base)
    by_paper: dict[str, list[tuple]] = {}
    for source, target, key, data in graph.edges(keys=True, data=True):
        by_paper.setdefault(data.get("paper") or "", []).append(("edge", source, target, key, data))
    papers = {}
    for node, data in graph.nodes(data=True):
        if data["kind"] == "Paper":
            papers[data["paper_id"]] = ("node", node, data)
        else:
            facts.add(("node", node, data))
    for paper in sorted(set(papers) | set(by_paper) - {""}):
        for item in ([papers[paper]] if paper in papers else []) + by_paper.get(paper, []):
            yield from facts.add(item)
    yield from facts.finish()


def top_methods(methods: set[str], edges: Iterable[tuple[str, str, dict]]) -> set[str]:
    """The methods with narrower ones and no broader one: the concept scheme's top concepts."""
    narrower, broader = set(), set()
    for source, target, data in edges:
        if data["predicate"] == "broader":
            narrower.add(source)
            broader.add(target)
    return (broader - narrower) & methods


def item_lines(item: tuple, base: str = DEFAULT_BASE, paper: dict | None = None) -> Iterator[str]:
    """The N-Triples lines of one :func:`kg.graph.iter_graph` item; ``paper``: the attributes of
    the paper node of the item's paper, where evidence sentences are found (a paper's items follow it)."""
    if item[0] == "node":
        return node_lines(item[1], item[2], base, paper)
    return edge_lines(item[1], item[2], item[4], base, paper)


def node_lines(node: str, data: dict, base: str = DEFAULT_BASE, paper: dict | None = None) -> Iterator[str]:
    """A node's type, labels and (by kind) its paper metadata, result fields or match keys."""
    subject = _iri(base + node)
    kind = data["kind"]
    yield f"{subject} {_T['type']} {_iri(KGO[kind])} .\n"
    yield f"{subject} {_T['label']} {_text(data['label'])} .\n"
    if kind == "Paper":
        yield from _paper(subject, data, base)
    elif kind == "Author":
        yield f"{subject} {_T['name']} {_text(data['label'])} .\n"
    elif kind == "Result":
        yield from _result(subject, data, base, paper)
    else:
        yield f"{subject} {_T['prefLabel']} {_text(data['label'])} .\n"
        for alias in data.get("aliases", []):
            yield f"{subject} {_T['altLabel']} {_text(alias)} .\n"
        # The guideline's name matching (case, spaces, hyphens, dots ignored) as an indexed key.
        for name in {data["label"], *data.get("aliases", [])}:
            yield f"{subject} {_T['matchKey']} {_text(normalize_name(name))} .\n"
        for link in data.get("exact_match", []):
            yield f"{subject} {_T['exactMatch']} {_iri(link)} .\n"
        if kind == "Method":  # the method taxonomy, browsable by SKOS tools
            yield f"{subject} {_T['type']} {_T['Concept']} .\n"
            yield f"{subject} {_T['inScheme']} {_iri(base + METHOD_SCHEME)} .\n"


def edge_lines(
    source: str, target: str, data: dict, base: str = DEFAULT_BASE, paper: dict | None = None
) -> Iterator[str]:
    """An edge's plain triple and, for a paper's statement, its provenance record."""
    predicate = data["predicate"]
    subject, obj = _iri(base + source), _iri(base + target)
    yield f"{subject} {_PROPERTY_TERMS[predicate]} {obj} .\n"
    if predicate in REIFIED:
        yield from _statement(base, (subject, _PROPERTY_TERMS[predicate], obj), data, paper)


def _sentence(subject: str, data: dict, base: str, paper: dict | None) -> Iterator[str]:
    """``subject`` (a statement or result) points to its evidence sentence, a node shared by every
    statement quoting it: the text (``oa:exact``), its paper (``prov:wasQuotedFrom``) and, where the
    abstract holds it, the offset of its first character there (``kgo:offset``; its end is the
    offset plus the text's length). Three triples a sentence: its class follows from kgo:sentence's
    range, and the rest from these."""
    evidence, pid = data.get("evidence"), data.get("paper")
    if not evidence or not pid:
        return
    source = f"{base}paper/{pid}"
    abstract = paper.get("abstract", "") if paper is not None else ""
    start = abstract.find(evidence)
    if start >= 0:
        sentence = _iri(f"{source}/sentence/{start}")
    elif paper is not None and evidence == paper.get("title"):
        sentence = _iri(f"{source}/title")
    else:  # a sentence the abstract does not hold as written (a curator's): named by its text
        sentence = _iri(f"{source}/sentence/h" + hashlib.sha1(evidence.encode()).hexdigest()[:12])
    yield f"{subject} {_T['sentence']} {sentence} .\n"
    yield f"{sentence} {_T['exact']} {_text(evidence)} .\n"
    yield f"{sentence} {_T['wasQuotedFrom']} {_iri(source)} .\n"
    if start >= 0:
        yield f'{sentence} {_T["offset"]} "{start}"^^<{XSD.integer}> .\n'


# The pairs of entity kinds whose co-mentions a build counts (kgo:CoMention): (first, second).
CO_MENTIONS = (("Method", "Modality"),)


def co_mention_lines(first: str, second: str, papers: int, base: str = DEFAULT_BASE) -> Iterator[str]:
    """A kgo:CoMention node: ``papers`` papers mention both nodes (graph keys, as ``method/lora``)."""
    node = _iri(f"{base}comention/{first}--{second}")
    yield f"{node} {_T['type']} {_T['CoMention']} .\n"
    yield f"{node} {_T['first']} {_iri(base + first)} .\n"
    yield f"{node} {_T['second']} {_iri(base + second)} .\n"
    yield f'{node} {_T["paperCount"]} "{papers}"^^<{XSD.integer}> .\n'


# What a paper may use a method or model on (kgo:Usage): the predicates of the statements that say so.
USED_ON = {"applied_to": "Task", "has_modality": "Modality"}
# The kinds of what is used, for each kind it is used on, and whether each paper lists its usages of
# that kind (kgo:statesUsage) or they are only counted: what the catalog's questions read (the
# variants used on a task list their papers; the methods used on a modality count them).
USAGES = {"Task": (("Method", "Model"), True), "Modality": (("Method",), False)}
# The statements that make a paper build or use the model at either of their ends (kgo:buildsOrUses).
BUILDS_OR_USES = ("proposes", "fine_tuned_from", "uses_method", "evaluated_on", "applied_to", "has_modality")


def usage_lines(used: str, on: str, papers: int, base: str = DEFAULT_BASE) -> Iterator[str]:
    """A kgo:Usage node: ``papers`` papers use ``used`` (a method or model) on ``on`` (a task or
    modality); graph keys, as ``method/lora`` and ``task/segmentation``."""
    node = _iri(f"{base}usage/{used}--{on}")
    yield f"{node} {_T['type']} {_T['Usage']} .\n"
    yield f"{node} {_T['usageOf']} {_iri(base + used)} .\n"
    yield f"{node} {_T['usedOn']} {_iri(base + on)} .\n"
    yield f'{node} {_T["paperCount"]} "{papers}"^^<{XSD.integer}> .\n'


def paper_use_lines(
    paper: str,
    usages: Iterable[tuple[str, str]],
    methods: Iterable[str],
    models: Iterable[str],
    base: str = DEFAULT_BASE,
) -> Iterator[str]:
    """What one paper (its id) uses, as its statements say: each of its kgo:Usage pairs (method or
    model, task or modality), each method used in it, and each model it builds or uses (graph keys)."""
    subject = _iri(f"{base}paper/{paper}")
    for used, on in usages:
        yield f"{subject} {_T['statesUsage']} {_iri(f'{base}usage/{used}--{on}')} .\n"
    for method in methods:
        yield f"{subject} {_T['paperUsesMethod']} {_iri(base + method)} .\n"
    for model in models:
        yield f"{subject} {_T['buildsOrUses']} {_iri(base + model)} .\n"


def first_year_lines(entity: str, year: int, papers: int, base: str = DEFAULT_BASE) -> Iterator[str]:
    """The earliest year of the ``papers`` papers of a known year that mention ``entity`` (a graph key)."""
    yield f'{_iri(base + entity)} {_T["firstYear"]} "{year}"^^<{XSD.integer}> .\n'
    yield f'{_iri(base + entity)} {_T["mentionCount"]} "{papers}"^^<{XSD.integer}> .\n'


class UseFacts:
    """Derives, from a stream of :func:`kg.graph.iter_graph` items (a paper's items come together,
    after every entity), what the questions of use read instead of joining provenance records.

    Per paper: its kgo:Usage pairs of the kinds :data:`USAGES` lists per paper, a method or
    model used on a task or modality (:data:`USED_ON`) as the paper states it, by itself
    (``model applied_to task``) or through what uses it (``paper uses_method lora`` and ``paper
    applied_to segmentation``: lora is used on segmentation);
    each method something uses in it (kgo:paperUsesMethod); and each model at either end of one of
    its statements of :data:`BUILDS_OR_USES`. At the end: each pair's paper count, and for
    each entity the earliest year of the papers that mention it and how many of them there are.
    """

    def __init__(self, base: str = DEFAULT_BASE):
        self.base = base
        self.kinds: dict[str, str] = {}  # entity node -> its kind
        self.usages: Counter = Counter()  # (used, on) -> papers
        self.years: dict[str, tuple[int, int]] = {}  # entity node -> (first year, papers of a known year)
        self._paper: str | None = None
        self._year: int | None = None
        self._reset()

    def _reset(self) -> None:
        self._users: set[tuple[str, str]] = set()  # (user, method): what uses a method in the paper
        self._on: set[tuple[str, str]] = set()  # (user, task or modality) the paper states
        self._models: set[str] = set()
        self._mentioned: set[str] = set()

    def add(self, item: tuple) -> list[str]:
        """Take one item; the lines of the previous paper's facts where this item starts another paper."""
        if item[0] == "node":
            data = item[2]
            if data["kind"] == "Paper":
                lines = self._switch(data["paper_id"])
                self._year = data.get("year")
                return lines
            if data["kind"] != "Result":
                self.kinds[item[1]] = data["kind"]
            return []
        source, target, data = item[1], item[2], item[4]
        if not data.get("paper"):  # the vocabulary's hierarchy: no paper's
            return []
        lines = self._switch(data["paper"])
        predicate = data["predicate"]
        if predicate == "mentions":
            self._mentioned.add(target)
        elif predicate == "uses_method":
            self._users.add((source, target))
        if predicate in USED_ON:
            self._on.add((source, target))
        if predicate in BUILDS_OR_USES:
            self._models.update(node for node in (source, target) if self.kinds.get(node) == "Model")
        return lines

    def _switch(self, paper: str) -> list[str]:
        """Close the current paper where ``paper`` is another: its facts as lines."""
        if paper == self._paper:
            return []
        lines = self._close()
        self._paper, self._year = paper, None
        return lines

    def _close(self) -> list[str]:
        if self._paper is None:
            return []
        # what uses each method or model here: the paper or model that uses it, and itself
        users: dict[str, set[str]] = {}
        for user, used in self._users:
            users.setdefault(user, set()).add(used)
        pairs, listed = set(), set()
        for user, on in self._on:
            kinds, lists = USAGES.get(self.kinds.get(on, ""), ((), False))
            for used in users.get(user, set()) | {user}:
                if self.kinds.get(used) in kinds:
                    pairs.add((used, on))
                    if lists:
                        listed.add((used, on))
        self.usages.update(pairs)
        if self._year is not None:
            for entity in self._mentioned:
                first, papers = self.years.get(entity, (self._year, 0))
                self.years[entity] = (min(first, self._year), papers + 1)
        methods = sorted({used for _, used in self._users})
        lines = list(paper_use_lines(self._paper, sorted(listed), methods, sorted(self._models), self.base))
        self._reset()
        return lines

    def finish(self) -> list[str]:
        """The last paper's facts, each kgo:Usage pair with its paper count, and each entity's first year."""
        lines = self._close()
        self._paper = None
        for (used, on), papers in sorted(self.usages.items()):
            lines.extend(usage_lines(used, on, papers, self.base))
        for entity, (year, papers) in sorted(self.years.items()):
            lines.extend(first_year_lines(entity, year, papers, self.base))
        return lines


def _agent(base: str, name: str, version: str) -> str:
    """An extractor (and its version, where it has one) as a prov:SoftwareAgent: agent/rules/1.5.0."""
    return _iri(f"{base}agent/{slug(name)}" + (f"/{version}" if version else ""))


def activity_lines(fingerprint: str, extractors: Iterable[tuple[str, str]], base: str = DEFAULT_BASE) -> Iterator[str]:
    """The build, a prov:Activity named by its input fingerprint (the same input, the same IRI),
    associated with kg and with each extractor (name, version) whose records it read."""
    from . import __version__

    activity = _iri(f"{base}activity/build-{fingerprint[:16]}")
    yield f"{activity} {_T['type']} {_T['Activity']} .\n"
    yield f"{activity} {_T['label']} {_text('kg build')} .\n"
    yield f"{activity} {_T['inputFingerprint']} {_text(fingerprint)} .\n"
    kg = _agent(base, "kg", __version__)
    yield f"{kg} {_T['type']} {_T['SoftwareAgent']} .\n"
    yield f"{kg} {_T['label']} {_text('kg ' + __version__)} .\n"
    for agent in sorted({kg, *(_agent(base, name, version) for name, version in extractors)}):
        yield f"{activity} {_T['wasAssociatedWith']} {agent} .\n"


METHOD_SCHEME = "scheme/methods"


def scheme_lines(tops: Iterable[str], base: str = DEFAULT_BASE) -> Iterator[str]:
    """The methods' skos:ConceptScheme and its top concepts (methods with narrower ones and no broader)."""
    scheme = _iri(base + METHOD_SCHEME)
    yield f"{scheme} {_T['type']} {_T['ConceptScheme']} .\n"
    yield f"{scheme} {_T['prefLabel']} {_text('Methods')} .\n"
    for top in sorted(tops):
        yield f"{scheme} {_T['hasTopConcept']} {_iri(base + top)} .\n"
        yield f"{_iri(base + top)} {_T['topConceptOf']} {scheme} .\n"


def replaced_lines(old: str, new: str, base: str = DEFAULT_BASE) -> Iterator[str]:
    """A retired entity id (:mod:`kg.ids`): it answers with the id that replaced it."""
    yield f"{_iri(base + old)} {_T['isReplacedBy']} {_iri(base + new)} .\n"


def _iri(iri: str) -> str:
    return f"<{iri}>"


# The terms on most lines, written out once: rdflib's namespace lookups cost a third of the writing.
_T = {
    name: _iri(iri)
    for name, iri in {
        "type": RDF.type,
        "label": RDFS.label,
        "prefLabel": SKOS.prefLabel,
        "altLabel": SKOS.altLabel,
        "matchKey": KGO.matchKey,
        "Statement": RDF.Statement,
        "subject": RDF.subject,
        "predicate": RDF.predicate,
        "object": RDF.object,
        "wasDerivedFrom": PROV.wasDerivedFrom,
        "confidence": KGO.confidence,
        "curated": KGO.curated,
        "metric": KGO.metric,
        "specifiedBy": MLS.specifiedBy,
        "Metric": KGO.Metric,
        "EvaluationMeasure": MLS.EvaluationMeasure,
        "ModelEvaluation": MLS.ModelEvaluation,
        "hasValue": MLS.hasValue,
        "lowerIsBetter": KGO.lowerIsBetter,
        "qudtUnit": QUDT.unit,
        "value": KGO.value,
        "unit": KGO.unit,
        "datasetName": KGO.datasetName,
        "ScholarlyArticle": SCHEMA.ScholarlyArticle,
        "sameAs": SCHEMA.sameAs,
        "isPartOf": SCHEMA.isPartOf,
        "Venue": KGO.Venue,
        "name": SCHEMA.name,
        "authorList": BIBO.authorList,
        "Seq": RDF.Seq,
        "identifier": DCTERMS.identifier,
        "title": DCTERMS.title,
        "abstract": DCTERMS.abstract,
        "CoMention": KGO.CoMention,
        "first": KGO.first,
        "second": KGO.second,
        "paperCount": KGO.paperCount,
        "Usage": KGO.Usage,
        "usageOf": KGO.usageOf,
        "usedOn": KGO.usedOn,
        "statesUsage": KGO.statesUsage,
        "buildsOrUses": KGO.buildsOrUses,
        "paperUsesMethod": KGO.paperUsesMethod,
        "firstYear": KGO.firstYear,
        "mentionCount": KGO.mentionCount,
        "isReplacedBy": DCTERMS.isReplacedBy,
        "exactMatch": SKOS.exactMatch,
        "Comparison": KGO.Comparison,
        "comparedOn": KGO.comparedOn,
        "sentence": KGO.sentence,
        "exact": OA.exact,
        "offset": KGO.offset,
        "wasQuotedFrom": PROV.wasQuotedFrom,
        "extractedBy": KGO.extractedBy,
        "Activity": PROV.Activity,
        "SoftwareAgent": PROV.SoftwareAgent,
        "wasAssociatedWith": PROV.wasAssociatedWith,
        "inputFingerprint": KGO.inputFingerprint,
        "Concept": SKOS.Concept,
        "ConceptScheme": SKOS.ConceptScheme,
        "inScheme": SKOS.inScheme,
        "hasTopConcept": SKOS.hasTopConcept,
        "topConceptOf": SKOS.topConceptOf,
    }.items()
}
_PROPERTY_TERMS = {predicate: _iri(prop) for predicate, prop in PROPERTIES.items()}


def _text(value: str) -> str:
    """A plain literal, escaped as rdflib's N-Triples writer does."""
    escaped = value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r")
    return f'"{escaped}"'


def _decimal(value: Decimal) -> str:
    """An xsd:decimal in its canonical form ("0.7", "80"), the one the store keeps and dumps."""
    return f'"{value.normalize():f}"^^<{XSD.decimal}>'


@functools.lru_cache(maxsize=1024)
def _confidence(value: float) -> str:
    return _decimal(Decimal(f"{value:.3f}"))


def _paper(subject: str, data: dict, base: str) -> Iterator[str]:
    yield f"{subject} {_T['type']} {_T['ScholarlyArticle']} .\n"
    yield f"{subject} {_T['identifier']} {_text(data['paper_id'])} .\n"
    yield f"{subject} {_T['title']} {_text(data['title'])} .\n"
    yield f"{subject} {_T['abstract']} {_text(data['abstract'])} .\n"
    for key, (prop, form) in PAPER_METADATA.items():
        values = data.get(key)
        for value in values if isinstance(values, list) else [values] if values not in (None, "") else []:
            yield f"{subject} {_iri(prop)} {_metadata_term(value, form)} .\n"
            if form == "link":
                page = IDENTIFIER_PAGES[key].format(urllib.parse.quote(str(value), safe="/:;()._-"))
                yield f"{subject} {_T['sameAs']} {_iri(page)} .\n"
    if data.get("venue"):
        venue = _iri(f"{base}venue/{slug(data['venue'])}")
        yield f"{subject} {_T['isPartOf']} {venue} .\n"
        yield f"{venue} {_T['type']} {_T['Venue']} .\n"
        yield f"{venue} {_T['label']} {_text(data['venue'])} .\n"
    if data.get("extractor"):  # what read it: an agent per extractor and version, shared by its papers
        agent = _agent(base, data["extractor"], data.get("extractor_version", ""))
        yield f"{subject} {_T['extractedBy']} {agent} .\n"
        yield f"{agent} {_T['type']} {_T['SoftwareAgent']} .\n"
        name = " ".join(filter(None, (data["extractor"], data.get("extractor_version"))))
        yield f"{agent} {_T['label']} {_text(name)} .\n"
    authors = paper_authors(data)
    if authors:  # the order of the authors (dcterms:creator, from the has_author edges, has none)
        listed = _iri(f"{base}paper/{data['paper_id']}/authors")
        yield f"{subject} {_T['authorList']} {listed} .\n"
        yield f"{listed} {_T['type']} {_T['Seq']} .\n"
        for position, (node, _) in enumerate(authors, start=1):
            yield f"{listed} <{RDF}_{position}> {_iri(base + node)} .\n"


def _metadata_term(value, form: str) -> str:
    """A metadata value as an N-Triples literal of the form's datatype."""
    text = str(value)
    if form == "integer" and re.fullmatch(r"-?\d+", text):
        return f'"{int(text)}"^^<{XSD.integer}>'
    if form == "date":
        for pattern, datatype in _DATE_TYPES:
            if pattern.fullmatch(text):
                return f"{_text(text)}^^<{datatype}>"
    if form == "uri":
        return f"{_text(text)}^^<{XSD.anyURI}>"
    return _text(text)


_BOOLEAN = {flag: f'"{str(flag).lower()}"^^<{XSD.boolean}>' for flag in (True, False)}


def _result(subject: str, data: dict, base: str, paper: dict | None = None) -> Iterator[str]:
    # A result is an ML-Schema model evaluation: the value as printed (kgo:value, kgo:unit) and
    # the value a leaderboard compares (mls:hasValue: ratios as fractions, "72.6 %" as 0.726).
    yield f"{subject} {_T['type']} {_T['ModelEvaluation']} .\n"
    yield f"{subject} {_T['metric']} {_text(data['metric'])} .\n"
    yield from _metric(subject, data, base)
    yield f"{subject} {_T['value']} {_decimal(Decimal(repr(data['value'])))} .\n"
    yield f"{subject} {_T['hasValue']} {_decimal(Decimal(repr(data.get('score', data['value']))))} .\n"
    if data.get("unit") in QUDT_UNITS:
        yield f"{subject} {_T['qudtUnit']} {_iri(QUDT_UNITS[data['unit']])} .\n"
    for key, term in (("unit", "unit"), ("dataset_name", "datasetName")):
        if data.get(key):
            yield f"{subject} {_T[term]} {_text(data[key])} .\n"
    yield from _sentence(subject, data, base, paper)


def _metric(subject: str, data: dict, base: str) -> Iterator[str]:
    """The metric of a result or comparison, as a node of its own (ML-Schema's evaluation measure)."""
    metric = _iri(f"{base}metric/{slug(data['metric'])}")
    yield f"{subject} {_T['specifiedBy']} {metric} .\n"
    yield f"{metric} {_T['type']} {_T['Metric']} .\n"
    yield f"{metric} {_T['type']} {_T['EvaluationMeasure']} .\n"
    yield f"{metric} {_T['label']} {_text(data['metric'])} .\n"
    yield f"{metric} {_T['lowerIsBetter']} {_BOOLEAN[bool(data.get('lower_is_better'))]} .\n"


def _statement(base: str, triple: tuple[str, str, str], data: dict, paper: dict | None = None) -> Iterator[str]:
    """The provenance record of one statement; ``triple`` as N-Triples terms."""
    # the hash of the plain IRIs, as before terms were passed in: statement IRIs stay stable
    key = "|".join([*(term[1:-1] for term in triple), data["paper"]])
    statement = _iri(base + "statement/" + hashlib.sha1(key.encode()).hexdigest()[:16])
    yield f"{statement} {_T['type']} {_T['Statement']} .\n"
    yield f"{statement} {_T['subject']} {triple[0]} .\n"
    yield f"{statement} {_T['predicate']} {triple[1]} .\n"
    yield f"{statement} {_T['object']} {triple[2]} .\n"
    yield f"{statement} {_T['wasDerivedFrom']} {_iri(base + 'paper/' + data['paper'])} .\n"
    yield from _sentence(statement, data, base, paper)
    yield f"{statement} {_T['confidence']} {_confidence(data.get('confidence', 1.0))} .\n"
    # what made it: the extractor of its paper's record (on the paper, kgo:extractedBy), and a
    # curator where one fixed it
    if data.get("curated"):
        yield f'{statement} {_T["curated"]} "true"^^<{XSD.boolean}> .\n'
    if data["predicate"] == "outperforms":  # a comparison: winner, loser, where and by what measure
        yield f"{statement} {_T['type']} {_T['Comparison']} .\n"
        for dataset in data.get("compared_on", ()):
            yield f"{statement} {_T['comparedOn']} {_iri(base + dataset)} .\n"
        if data.get("metric"):
            yield from _metric(statement, data, base)


class SortedNTriples:
    """Writes N-Triples lines, given in any order and with repeats, as a sorted file without repeats.
    Memory stays bounded: lines are sorted in runs on disk, then merged when the block ends."""

    def __init__(self, path: Path, run_lines: int = 500_000):  # ~100 MB of text a run
        self.path = Path(path)
        self.run_lines = run_lines

    def __enter__(self):
        self._scratch = tempfile.TemporaryDirectory(dir=self.path.parent, prefix=".sort.")
        self._runs: list[Path] = []
        self._lines: list[str] = []
        return self

    def extend(self, lines: Iterable[str]) -> None:
        self._lines.extend(lines)
        if len(self._lines) >= self.run_lines:
            self._flush()

    def _flush(self) -> None:
        self._lines.sort()
        run = Path(self._scratch.name) / f"{len(self._runs)}.nt"
        with run.open("w", encoding="utf-8", newline="\n") as stream:
            stream.writelines(self._lines)
        self._runs.append(run)
        self._lines = []

    def __exit__(self, *failure):
        try:
            if failure[0] is None:
                if self._lines or not self._runs:
                    self._flush()
                files = [run.open(encoding="utf-8", newline="\n") for run in self._runs]
                try:
                    with atomic_write(self.path) as stream:
                        previous = None
                        for line in heapq.merge(*files):
                            if line != previous:
                                stream.write(line)
                            previous = line
                finally:
                    for file in files:
                        file.close()
        finally:
            self._scratch.cleanup()


def write_ntriples(build: str | Path) -> None:
    """Write a build's ``graph.nt`` from its store: the store's triples, sorted, which is what the
    build's writing pass writes there when asked (a build writes its store by default, not graph.nt).
    The dump goes to a scratch file first, then through :class:`SortedNTriples`, so memory stays bounded."""
    build = Path(build)
    with tempfile.TemporaryDirectory(dir=build, prefix=".dump.") as scratch:
        dumped = Path(scratch) / "store.nt"
        ox.Store.read_only(str(build / "store")).dump(
            str(dumped), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()
        )
        with SortedNTriples(build / "graph.nt") as nt, dumped.open(encoding="utf-8", newline="\n") as stream:
            while lines := stream.readlines(1 << 24):
                nt.extend(lines)


def graph_ntriples(build: str | Path) -> bytes:
    """A build's graph as N-Triples, dumped from its store (in the store's order, so the graph that
    ``kg query`` reads, updates included), for the tools that read a whole graph: rdflib's engine,
    SHACL, a push to a SPARQL server."""
    store = ox.Store.read_only(str(Path(build) / "store"))
    dumped = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    assert dumped is not None  # dump() with no output returns the bytes
    return dumped


DERIVED_FORMATS = {
    "graph.nt": ox.RdfFormat.N_TRIPLES,
    "graph.ttl": ox.RdfFormat.TURTLE,
    "graph.jsonld": ox.RdfFormat.JSON_LD,
}


def json_ld_context(base: str = DEFAULT_BASE) -> dict:
    """The JSON-LD ``@context`` of ``graph.jsonld``: the project's prefixes, and ``res`` the base
    (``schemas/context.jsonld`` is this context for the default base)."""
    return {prefix: str(namespace) for prefix, namespace in {**PREFIXES, "res": base}.items()}


def write_derived(out: Path, name: str, base: str = DEFAULT_BASE) -> None:
    """Write ``graph.ttl`` or ``graph.jsonld`` (``name``) from the sorted ``graph.nt``: Oxigraph streams
    it into Turtle (grouped by subject, in sorted order); JSON-LD is compacted against
    :func:`json_ld_context` here, one object a subject, since Oxigraph writes it expanded only.
    Measured on a 1.3M-triple graph: 4.3 s for both with Oxigraph, where dumping them from the store
    took 31 s."""
    triples = ox.parse(path=str(out / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    with atomic_write(out / name, "wb") as stream:
        if name == "graph.jsonld":
            _write_json_ld(triples, stream, json_ld_context(base))
        else:
            ox.serialize(triples, stream, DERIVED_FORMATS[name], prefixes=json_ld_context(base))


def _write_json_ld(triples: Iterable, stream, context: dict) -> None:
    """Compact JSON-LD: ``{"@context": ..., "@graph": [one object a subject]}``, IRIs as prefix:name
    where a prefix covers them, plain strings as JSON strings, other literals with their datatype."""
    namespaces = sorted(((ns, prefix) for prefix, ns in context.items()), key=lambda item: -len(item[0]))

    @functools.lru_cache(maxsize=65536)
    def compact(iri: str) -> str:
        for namespace, prefix in namespaces:
            # "prefix://..." would read as an absolute IRI: such a name stays whole
            if iri.startswith(namespace) and not iri[len(namespace) :].startswith("//"):
                return f"{prefix}:{iri[len(namespace) :]}"
        return iri

    def value(term) -> object:
        if isinstance(term, ox.NamedNode):
            return {"@id": compact(term.value)}
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == str(XSD.string):
            return term.value
        return {"@value": term.value, "@type": compact(term.datatype.value)}

    def flush(subject: str, properties: dict) -> bytes:
        node: dict = {"@id": compact(subject)}
        types = properties.pop(str(RDF.type), [])
        if types:
            node["@type"] = [entry["@id"] for entry in types]
        node.update((compact(p), values) for p, values in properties.items())
        return json.dumps(node, ensure_ascii=False, separators=(",", ":")).encode()

    stream.write(b'{"@context":' + json.dumps(context, separators=(",", ":")).encode() + b',"@graph":[\n')
    subject: str | None = None
    properties: dict[str, list] = {}
    first = True
    for triple in triples:  # sorted: a subject's triples come together
        if triple.subject.value != subject:
            if subject is not None:
                stream.write((b"" if first else b",\n") + flush(subject, properties))
                first = False
            subject, properties = triple.subject.value, {}
        properties.setdefault(triple.predicate.value, []).append(value(triple.object))
    if subject is not None:
        stream.write((b"" if first else b",\n") + flush(subject, properties))
    stream.write(b"\n]}\n")
