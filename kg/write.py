"""Writers: one pass over the graph stream writes a build's graph files and its store.

:func:`write_graph` reads the items of :func:`kg.graph.iter_graph` once and sends each to every
output: ``graph.json`` (node-link), the Oxigraph store (loaded on a thread of its own) and, where
asked for, ``graph.nt`` (the store's lines, sorted), while it counts nodes and edges and keeps the
sample that SHACL checks, and it counts the papers that mention a method and a modality together
(kgo:CoMention, which the catalog's aggregate questions read instead of joining every paper), and
what each paper uses (:class:`kg.rdf.UseFacts`: kgo:Usage, kgo:paperUsesMethod, kgo:buildsOrUses, kgo:firstYear),
which the questions of use read instead of joining provenance records. No output holds the whole
graph, so memory stays flat however big the corpus.
(:func:`kg.rdf.write_derived` then writes ``graph.ttl`` and ``graph.jsonld`` from ``graph.nt``, where asked for.)

>>> import tempfile, pathlib
>>> from kg.graph import iter_graph
>>> from kg.resolve import resolve
>>> record = {"id": "p1", "title": "SALT", "abstract": "...",
...           "entities": [{"name": "SALT", "type": "Method"}, {"name": "LoRA", "type": "Method"}],
...           "relations": [{"subject": "SALT", "predicate": "variant_of", "object": "LoRA",
...                          "evidence": "SALT extends LoRA.", "confidence": 0.9}], "results": []}
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> written = write_graph(iter_graph([record], resolve([record])), out, papers=["p1"])
>>> written.summary["relations"], sorted(p.name for p in out.iterdir())
({'variant_of': 1}, ['graph.json', 'store'])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from .graph import NodeLinkWriter, Sample, sample_papers, summary_of
from .rdf import (
    CO_MENTIONS,
    DEFAULT_BASE,
    SortedNTriples,
    UseFacts,
    activity_lines,
    co_mention_lines,
    item_lines,
    replaced_lines,
    scheme_lines,
    top_methods,
)
from .store import StoreLoader


@dataclass
class Written:
    summary: dict  # papers, entities per type, relations per predicate, results
    sample: nx.MultiDiGraph  # what SHACL checks: all papers, or an even sample of them


def write_graph(
    items: Iterable[tuple],
    out: Path,
    *,
    papers: Iterable[str],
    base: str = DEFAULT_BASE,
    dropped: Counter | None = None,
    replaced: dict[str, str] | None = None,
    fingerprint: str = "",
    ntriples: bool = False,
) -> Written:
    """Write ``graph.json`` and ``store/`` in ``out`` from one pass over ``items``, and ``graph.nt``
    too where ``ntriples``.

    ``papers`` are the ids of the corpus, from which the SHACL sample is drawn; ``dropped`` (filled
    by :func:`kg.graph.iter_graph` as it goes) ends up in graph.json's graph attributes; ``replaced``
    (retired entity id -> the id replacing it, :mod:`kg.ids`) is written as ``dcterms:isReplacedBy``;
    ``fingerprint`` (the build's input fingerprint) names the build's ``prov:Activity``.
    """
    out = Path(out)
    kinds: Counter[str] = Counter()
    predicates: Counter[str] = Counter()
    sample = Sample(sample_papers(papers))
    co_mentions = CoMentions()
    uses = UseFacts(base)
    # The store is outermost: while graph.nt's runs merge and graph.json's nodes are copied, its
    # thread goes on loading what is queued.
    with ExitStack() as outputs:
        sinks = [outputs.enter_context(StoreLoader(out / "store")).add]
        if ntriples:
            sinks.append(outputs.enter_context(SortedNTriples(out / "graph.nt")).extend)
        node_link = outputs.enter_context(NodeLinkWriter(out / "graph.json"))

        def emit(lines: list[str]) -> None:
            for sink in sinks:
                sink(lines)

        paper: dict | None = None  # the paper whose items these are: its evidence sentences are found in it
        extractors: set[tuple[str, str]] = set()
        methods: set[str] = set()
        hierarchy: list[tuple[str, str, dict]] = []  # the broader edges: the methods' top concepts
        for item in items:
            if item[0] == "node" and item[2]["kind"] == "Paper":
                paper = item[2]
                if paper.get("extractor"):
                    extractors.add((paper["extractor"], paper.get("extractor_version", "")))
            emit(list(item_lines(item, base, paper)))
            node_link.add(item)
            sample.add(item)
            co_mentions.add(item)
            emit(uses.add(item))  # a paper's use facts, once its items have all come
            if item[0] == "node":
                kinds[item[2]["kind"]] += 1
                if item[2]["kind"] == "Method":
                    methods.add(item[1])
            else:
                predicates[item[4]["predicate"]] += 1
                if item[4]["predicate"] == "broader":
                    hierarchy.append((item[1], item[2], item[4]))
        for first, second, count in co_mentions.counts():
            emit(list(co_mention_lines(first, second, count, base)))
        emit(uses.finish())
        for old, new in (replaced or {}).items():
            emit(list(replaced_lines(old, new, base)))
        if methods:
            emit(list(scheme_lines(top_methods(methods, hierarchy), base)))
        if fingerprint:
            emit(list(activity_lines(fingerprint, extractors, base)))
        node_link.graph = {"dropped": dict(sorted((dropped or {}).items()))}
    return Written(summary=summary_of(kinds, predicates), sample=sample.graph())


class CoMentions:
    """Counts, from a stream of :func:`kg.graph.iter_graph` items, the papers that mention both
    entities of each pair of the kinds in :data:`kg.rdf.CO_MENTIONS` (a paper's items come together)."""

    def __init__(self):
        self.kinds: dict[str, str] = {}  # entity node -> its kind
        self.pairs: Counter = Counter()
        self._paper, self._mentioned = None, set()

    def add(self, item: tuple) -> None:
        if item[0] == "node":
            if item[2]["kind"] not in ("Paper", "Result"):
                self.kinds[item[1]] = item[2]["kind"]
        elif item[4]["predicate"] == "mentions":
            if item[4]["paper"] != self._paper:
                self._close()
                self._paper = item[4]["paper"]
            self._mentioned.add(item[2])

    def _close(self) -> None:
        by_kind: dict[str | None, list[str]] = {}  # None: a node of no kind known here
        for node in self._mentioned:
            by_kind.setdefault(self.kinds.get(node), []).append(node)
        for first, second in CO_MENTIONS:
            self.pairs.update((a, b) for a in by_kind.get(first, ()) for b in by_kind.get(second, ()))
        self._mentioned = set()

    def counts(self) -> list[tuple[str, str, int]]:
        """(first, second, papers) for every pair mentioned together, sorted."""
        self._close()
        return sorted((a, b, n) for (a, b), n in self.pairs.items())
