"""Graph: extraction records + resolution → the graph, as a stream of nodes and edges
(:func:`iter_graph`, which the build's writers read in one pass) or as one networkx MultiDiGraph
(:func:`build_graph`, for code that wants the graph in memory).

Nodes are keyed ``paper/<id>``, ``<type>/<slug>`` (``model/llama-2``) and ``result/<hash>``; each has
a ``kind`` (Paper, Model, Method, Dataset, Task, Modality, Domain, Result) and a ``label``. Every edge
is one statement of one paper: its ``predicate`` (a guideline relation, or ``mentions``,
``has_result``, ``reports``, ``on_dataset``), the ``paper`` it came from, the ``evidence`` sentence
and the extractor's ``confidence``. Edge keys are ``predicate@paper``, so a fact stated by two papers
is two edges and one paper's statement is never duplicated.

>>> from kg.resolve import resolve
>>> record = {"id": "p1", "title": "SALT", "abstract": "...",
...           "entities": [{"name": "SALT", "type": "Method"}, {"name": "LoRA", "type": "Method"}],
...           "relations": [{"subject": "SALT", "predicate": "variant_of", "object": "LoRA",
...                          "evidence": "SALT extends LoRA.", "confidence": 0.9}], "results": []}
>>> graph = build_graph([record], resolve([record]))
>>> [(u, v, d["predicate"]) for u, v, d in graph.edges(data=True) if d["predicate"] == "variant_of"]
[('method/salt', 'method/lora', 'variant_of')]
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import sys
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import networkx as nx

from .files import atomic_write
from .records import ENTITY_TYPES, PAPER, RELATIONS
from .resolve import Resolution, slug
from .vocab import Vocabulary, normalize_name


def paper_node(paper_id: str) -> str:
    return f"paper/{paper_id}"


def author_node(name: str) -> str:
    """The node of an author, keyed by the name as written (accents folded; people are not resolved).

    >>> author_node("Edward J. Hu"), author_node("Łukasz Kaiser") == author_node("Lukasz Kaiser")
    ('author/edward-j-hu', True)
    >>> author_node("李飞飞").startswith("author/x-")  # a name slug() cannot spell keeps a hash
    True
    """
    folded = "".join(
        c
        for c in unicodedata.normalize("NFKD", name.replace("ł", "l").replace("Ł", "L"))
        if not unicodedata.combining(c)
    )
    key = slug(folded)
    if any(c.isalnum() and not c.isascii() for c in folded):
        key += "-" + hashlib.sha1(" ".join(name.casefold().split()).encode()).hexdigest()[:8]
    return f"author/{key}"


def paper_authors(meta: dict) -> list[tuple[str, str]]:
    """A paper's authors in order as ``(author node, name)``, each person once (a name listed twice
    keeps its first place): what the ``has_author`` edges and the RDF author list both number.

    >>> paper_authors({"authors": ["Edward J. Hu", "Yelong Shen", "Edward J. Hu"]})
    [('author/edward-j-hu', 'Edward J. Hu'), ('author/yelong-shen', 'Yelong Shen')]
    """
    names = meta.get("authors") or []
    firsts: dict[str, str] = {}
    for name in [names] if isinstance(names, str) else names:
        firsts.setdefault(author_node(name), name)
    return list(firsts.items())


def paper_year(meta: dict) -> int | None:
    """A paper's year as a number: its ``year`` ("2021" or 2021), else its ISO ``date``'s.

    >>> paper_year({"date": "2021-06-17"}), paper_year({"year": "2019"}), paper_year({"year": "n.d."})
    (2021, 2019, None)
    """
    for value in (meta.get("year"), str(meta.get("date") or "")[:4]):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) == 4:
            return int(value)
    return None


def build_graph(records: Iterable[dict], resolution: Resolution, vocab=None) -> nx.MultiDiGraph:
    """The graph of :func:`iter_graph` in networkx; statements that point at no known entity are
    counted in ``graph.graph['dropped']``. With ``vocab``, the field's hierarchy is in it too."""
    graph: nx.MultiDiGraph = nx.MultiDiGraph()
    dropped: Counter[str] = Counter()
    for item in iter_graph(records, resolution, vocab, dropped):
        if item[0] == "node":
            graph.add_node(item[1], **item[2])
        else:
            graph.add_edge(item[1], item[2], key=item[3], **item[4])
    graph.graph["dropped"] = dict(sorted(dropped.items()))
    return graph


def iter_graph(
    records: Iterable[dict], resolution: Resolution, vocab=None, dropped: Counter | None = None
) -> Iterator[tuple]:
    """The graph as a stream of ``("node", id, attributes)`` and ``("edge", source, target, key,
    attributes)`` items: the resolved entities, then (given ``vocab``) the hierarchy over them, then
    paper by paper its node, results and statements. Each node and edge comes once, so a big
    corpus's graph can be written without being held; ``dropped`` counts, per predicate, the
    statements that name no known entity."""
    dropped = Counter() if dropped is None else dropped
    authors: set[str] = set()  # the author nodes already given (an author comes once, with their first paper)
    entities = [
        (node.id, {"kind": node.type, "label": node.label, "aliases": node.aliases, "papers": node.papers})
        for node in sorted(resolution.nodes.values(), key=lambda n: n.id)
    ]
    if vocab is not None:
        for _, data in entities:
            if links := exact_matches(str(data["label"]), str(data["kind"]), vocab):
                data["exact_match"] = links
    for node, data in entities:
        yield "node", node, data
    if vocab is not None:
        parents, edges = hierarchy(entities, vocab)
        for node, data in parents:
            yield "node", node, data
        for source, target, key, data in edges:
            yield "edge", source, target, key, data
    metrics = vocab if vocab is not None else Vocabulary()
    for record in records:
        yield from _paper_items(record, resolution, dropped, authors, metrics)


# Where a vocabulary entry's ids live on the web (skos:exactMatch).
LINK_FIELDS = {"wikidata": "http://www.wikidata.org/entity/{}", "pwc": "https://paperswithcode.com/{}"}


def exact_matches(label: str, kind: str, vocab) -> list[str]:
    """The IRIs of the vocabulary entry named ``label`` in other graphs (Wikidata, Papers with Code).

    >>> from kg.vocab import load_vocabulary
    >>> exact_matches("LoRA", "Method", load_vocabulary())
    ['https://paperswithcode.com/method/lora']
    """
    hit = vocab.lookup(label)
    entry = vocab.entry(*hit) if hit is not None and hit[1] == kind and hit[0] == label else None
    if entry is None:
        return []
    return [form.format(entry.fields[key]) for key, form in LINK_FIELDS.items() if entry.fields.get(key)]


def _paper_items(
    record: dict, resolution: Resolution, dropped: Counter, authors: set[str], metrics: Vocabulary
) -> Iterator[tuple]:
    """One paper's nodes (itself, its results) and edges, each once (a repeat updates the first, as in networkx)."""
    pid = record["id"]
    paper = paper_node(pid)
    meta = {
        k: v
        for k, v in record.items()
        if k not in ("id", "title", "abstract", "entities", "relations", "results", "extractor", "extractor_version")
    }
    year = paper_year(meta)
    meta.pop("year", None)  # a year that is no number ("n.d.") stays in the record, not in the graph
    if year is not None:
        meta["year"] = year
    nodes = {
        paper: {
            "kind": "Paper",
            "label": record["title"],
            "paper_id": pid,
            "title": record["title"],
            "abstract": record["abstract"],
            **meta,
        }
    }
    edges: dict[tuple, dict] = {}
    for position, (author, name) in enumerate(paper_authors(meta), start=1):
        if author not in authors:
            authors.add(author)
            nodes[author] = {"kind": "Author", "label": name}
        edges[(paper, author, f"has_author@{pid}")] = {"predicate": "has_author", "paper": pid, "position": position}
    # This paper's own typing of a name comes first ("instruction tuning" is a Method here).
    local = {
        normalize_name(name): entity["type"]
        for entity in record.get("entities", [])
        for name in [entity["name"], *(entity.get("aliases") or [])]
    }
    # what made the paper's record, on each of its statements (interned: one copy for the corpus)
    made_by = {key: sys.intern(record[key]) for key in ("extractor", "extractor_version") if record.get(key)}
    nodes[paper].update(made_by)
    named: dict[str, dict[str, str]] = {}  # kind -> each name and alias the paper gives -> its node
    for entity in record.get("entities", []):
        target = resolution.node_id(entity["type"], entity["name"])
        assert target is not None, "the resolution was made from these records: it knows each of their entities"
        _add_edge(edges, paper, target, "mentions", pid, entity, made_by)
        for name in [entity["name"], *(entity.get("aliases") or [])]:
            named.setdefault(entity["type"], {})[name] = target
    for relation in record.get("relations", []):
        subjects, objects = RELATIONS[relation["predicate"]]
        source = _find(relation["subject"], subjects, paper, resolution, local)
        target = _find(relation["object"], objects, paper, resolution, local)
        if source is None or target is None:
            dropped[relation["predicate"]] += 1
            continue
        _add_edge(edges, source, target, relation["predicate"], pid, relation, made_by)
        if relation["predicate"] == "outperforms":
            _compared(edges[(source, target, f"outperforms@{pid}")], relation, named, metrics)
    for result in record.get("results", []):
        node = _add_result(nodes, edges, result, pid, paper, resolution, local, made_by, metrics)
        # the task a benchmark score is for, where its sentence names one of the paper's tasks
        for task in _named_in(result.get("evidence", ""), named.get("Task", {})):
            _add_edge(edges, node, task, "on_task", pid, result, made_by)
    for node, data in nodes.items():
        yield "node", node, data
    for (source, target, key), data in edges.items():
        yield "edge", source, target, key, data


def _find(name: str, kinds: set[str], paper: str, resolution: Resolution, local: dict[str, str]) -> str | None:
    """The node a relation end names: the paper itself, or the resolved entity of an allowed type,
    preferring the type the paper itself gave the name."""
    if name == PAPER:
        return paper if PAPER in kinds else None
    own = local.get(normalize_name(name))
    for kind in ([own] if own in kinds else []) + [k for k in ENTITY_TYPES if k != own]:
        if kind in kinds:
            node = resolution.node_id(kind, name)
            if node is not None:
                return node
    return None


def _add_edge(
    edges: dict,
    source: str,
    target: str,
    predicate: str,
    pid: str,
    statement: dict | None = None,
    made_by: dict | None = None,
) -> None:
    statement = statement or {}
    edges[source, target, f"{predicate}@{pid}"] = {
        "predicate": predicate,
        "paper": pid,
        # one copy of a sentence that is the evidence of several statements (a big graph's bulk)
        "evidence": sys.intern(statement.get("evidence", "")),
        "confidence": float(statement.get("confidence", 1.0)),
        **(made_by or {}),
        **({"curated": True} if statement.get("curated") else {}),
    }


def _add_result(
    nodes: dict,
    edges: dict,
    result: dict,
    pid: str,
    paper: str,
    resolution: Resolution,
    local: dict[str, str],
    made_by: dict,
    metrics: Vocabulary,
) -> str:
    subject = _find(result["subject"], {"Model", "Method", PAPER}, paper, resolution, local) or paper
    dataset = _find(result["dataset"], {"Dataset"}, paper, resolution, local) if result.get("dataset") else None
    fingerprint = json.dumps(
        [pid, subject, dataset, result["metric"], result["value"], result.get("unit")], sort_keys=True
    )
    node = "result/" + hashlib.sha1(fingerprint.encode()).hexdigest()[:12]
    nodes[node] = {
        "kind": "Result",
        "label": f"{result['metric']} {result['value']}{result.get('unit') or ''}",
        "metric": result["metric"],
        "value": float(result["value"]),
        "unit": result.get("unit") or "",
        # what a leaderboard ranks by: fractions and percentages compared alike, in the metric's direction
        "score": metrics.score(result["metric"], float(result["value"]), result.get("unit") or ""),
        "lower_is_better": metrics.lower_is_better(result["metric"]),
        "dataset_name": result.get("dataset") or "",
        "paper": pid,
        "evidence": result.get("evidence", ""),
        "confidence": float(result.get("confidence", 1.0)),
    }
    _add_edge(edges, subject, node, "has_result", pid, result, made_by)
    _add_edge(edges, paper, node, "reports", pid, result, made_by)
    if dataset is not None:
        _add_edge(edges, node, dataset, "on_dataset", pid, result, made_by)
    return node


def _named_in(sentence: str, names: dict[str, str]) -> list[str]:
    """The nodes of ``names`` (name -> node) that ``sentence`` writes out as whole words, sorted.

    >>> _named_in("X beats Y on MedQA and PubMedQA.", {"MedQA": "dataset/medqa", "PubMedQA": "dataset/pubmedqa"})
    ['dataset/medqa', 'dataset/pubmedqa']
    """
    folded = sentence.casefold()
    return sorted(
        {node for name, node in names.items() if re.search(rf"(?<![\w-]){re.escape(name.casefold())}(?![\w-])", folded)}
    )


def _compared(edge: dict, relation: dict, named: dict[str, dict[str, str]], metrics: Vocabulary) -> None:
    """An ``outperforms`` statement as a comparison: the datasets and the metric its sentence names."""
    from .extract.results import metric_spans  # the extractor's metric finder; imported late, it is heavy

    evidence = relation.get("evidence", "")
    if not metrics.metrics:
        return
    if datasets := _named_in(evidence, named.get("Dataset", {})):
        edge["compared_on"] = datasets
    # a short metric name counts only as printed in capitals: "is" is no inception score (IS)
    found = [m for a, b, m in metric_spans(evidence, metrics) if b - a > 3 or not evidence[a:b].islower()]
    if found:
        edge["metric"] = found[0]
        edge["lower_is_better"] = metrics.lower_is_better(found[0])


def hierarchy(nodes: list[tuple[str, dict]], vocab) -> tuple[list, list]:
    """The vocabulary's method hierarchy and model families over ``nodes``, as ``broader`` edges with
    their ancestors: (the parent nodes not among ``nodes``, the edges as (source, target, key, data)).

    These edges are knowledge of the field (``schemas/vocab``), not statements of a paper: their
    ``paper`` is empty.
    """
    known = dict(nodes)
    parents, edges = [], []
    pending = [(n, d) for n, d in nodes if d["kind"] in ("Method", "Model")]
    seen = {n for n, _ in pending}
    while pending:
        node, data = pending.pop()
        parent = vocab.broader(data["label"])
        hit = vocab.lookup(parent) if parent else None
        if hit is None or hit[1] != data["kind"]:
            continue
        target = f"{hit[1].lower()}/{slug(hit[0])}"
        if target == node:
            continue
        if target not in known:
            entry = vocab.entry(hit[0], hit[1])
            known[target] = {
                "kind": hit[1],
                "label": hit[0],
                "aliases": sorted(entry.aliases) if entry else [],
                "papers": [],
            }
            parents.append((target, known[target]))
        if target not in seen:
            seen.add(target)
            pending.append((target, known[target]))
        edges.append(
            (node, target, "broader@", {"predicate": "broader", "paper": "", "evidence": "", "confidence": 1.0})
        )
    return parents, edges


VALIDATION_PAPERS = 1000  # pyshacl checks ~9k triples/s on 2 cores: a sample keeps big builds in minutes


def sample_papers(ids: Iterable[str], papers: int = VALIDATION_PAPERS) -> set[str]:
    """The paper ids SHACL checks: all if at most ``papers``, else that many evenly spaced in sorted order."""
    ids = sorted(ids)
    return set(ids[:: -(-len(ids) // papers)]) if len(ids) > papers else set(ids)


class Sample:
    """The graph SHACL checks, collected from a stream of :func:`iter_graph` items: the ``chosen``
    papers (:func:`sample_papers`) with their statements and results, every node those touch, and the
    hierarchy. It is checked alike (each shape looks at one node and its neighbours), at a fixed size."""

    def __init__(self, chosen: set[str]):
        self.chosen = chosen
        self.entities: dict[str, dict] = {}
        self.nodes: dict[str, dict] = {}
        self.edges: list[tuple] = []

    def add(self, item: tuple) -> None:
        if item[0] == "node":
            _, node, data = item
            if (data["kind"] == "Paper" and data["paper_id"] in self.chosen) or (
                data["kind"] == "Result" and data["paper"] in self.chosen
            ):
                self.nodes[node] = data
            elif data["kind"] not in ("Paper", "Result"):
                self.entities[node] = data
        elif item[4]["paper"] in self.chosen or not item[4]["paper"]:
            self.edges.append(item[1:])

    def graph(self) -> nx.MultiDiGraph:
        sample: nx.MultiDiGraph = nx.MultiDiGraph()
        for source, target, key, data in self.edges:
            sample.add_edge(source, target, key=key, **data)
        for node in list(sample):
            sample.nodes[node].update(self.entities.get(node, {}))
        sample.add_nodes_from(self.nodes.items())
        return sample


def write_node_link(graph: nx.MultiDiGraph, path) -> None:
    """Write ``nx.node_link_data(graph, edges="edges")`` as :func:`kg.files.write_json` would (the same
    bytes), one node or edge at a time instead of copying the whole graph into dicts first."""
    with NodeLinkWriter(path) as writer:
        for source, target, key, data in graph.edges(keys=True, data=True):
            writer.add(("edge", source, target, key, data))
        for node, data in graph.nodes(data=True):
            writer.add(("node", node, data))
        writer.graph = graph.graph


class NodeLinkWriter:
    """Writes :func:`iter_graph` items, in any order, as node-link JSON (``graph.json``): edges go
    straight to the file, nodes to a scratch file beside it that is appended at the end; set
    ``graph`` (the graph's attributes) before the block ends."""

    def __init__(self, path):
        self.path = Path(path)
        self.graph: dict = {}

    def __enter__(self):
        self._file = atomic_write(self.path)
        self._stream = self._file.__enter__()
        self._nodes = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self.path.parent, prefix=".nodes.")
        self._stream.write('{\n  "directed": true,\n  "edges": [')
        self._edges = self._count = 0
        return self

    def add(self, item: tuple) -> None:
        if item[0] == "node":
            self._nodes.write(("\n" if not self._count else ",\n") + "    " + _json({"id": item[1], **item[2]}, 4))
            self._count += 1
        else:
            _, source, target, key, data = item
            self._stream.write(("\n" if not self._edges else ",\n") + "    " + _edge_json(source, target, key, data))
            self._edges += 1

    def __exit__(self, *failure):
        try:
            if failure[0] is None:
                self._stream.write(
                    ("]" if not self._edges else "\n  ]")
                    + ',\n  "graph": '
                    + _json(self.graph, 2)
                    + ',\n  "multigraph": true,\n  "nodes": ['
                )
                self._nodes.seek(0)
                shutil.copyfileobj(self._nodes, self._stream, 1 << 20)
                self._stream.write(("]" if not self._count else "\n  ]") + "\n}\n")
        finally:
            self._nodes.close()
        return self._file.__exit__(*failure)


_NODE_LINK_HEAD = '{\n  "directed": true,\n  "edges": ['  # how NodeLinkWriter starts a file
_NODES_START = '\n  "nodes": ['  # the top-level key that ends the edges and the graph's attributes
_ITEM_START, _ITEM_END = "\n    {", "\n    }"  # the lines that start and end a node or edge


def iter_node_link(
    path, kinds: Iterable[str] = ("node", "edge"), counts: Counter | None = None, chunk: int = 1 << 20
) -> Iterator[tuple]:
    """The items of a node-link ``graph.json`` in file order (edges, then nodes), one at a time:
    ``("node", id, data)`` and ``("edge", source, target, key, data)``, as :func:`iter_graph` gives them.

    A file in :class:`NodeLinkWriter`'s layout (``json.dumps(indent=2, sort_keys=True)``'s too) is
    read ``chunk`` characters at a time: each item is the text from a line ``    {`` to the next
    line ``    }`` (an item's own lines are indented deeper, and JSON strings hold no raw newline),
    and only the items of ``kinds`` are parsed, so that a reader of the nodes skips the edges for
    the price of finding them. Any other node-link file (``links`` for ``edges``, another indent)
    is parsed whole. ``counts``, if given, gets ``counts[kind] += 1`` for every item, skipped or not.
    """
    wanted = set(kinds)
    with open(path, encoding="utf-8") as stream:
        if stream.read(len(_NODE_LINK_HEAD)) != _NODE_LINK_HEAD:
            stream.seek(0)
            yield from _node_link_items(json.load(stream), wanted, counts)
            return
        kind, text, at = "edge", "", 0
        found: list[str] = []  # the kinds and texts of the wanted items read but not yet parsed
        texts: list[str] = []
        while True:
            if kind == "edge" and "edge" not in wanted:
                # Skipped whole: the nodes' key is the only line '  "nodes": [' and each edge has the
                # only '\n    {' of its text, so both are found by C loops, not item by item.
                nodes_at = text.find(_NODES_START, at)
                stop = nodes_at if nodes_at >= 0 else max(at, len(text) - len(_NODES_START))
                if counts is not None:  # the edges that start before `stop`
                    counts["edge"] += text.count(_ITEM_START, at, stop + len(_ITEM_START) - 1)
                if nodes_at >= 0:
                    kind, at = "node", nodes_at + len(_NODES_START)
                    continue
                start = end = -1
                at = stop
            else:
                start = text.find(_ITEM_START, at)
                if kind == "edge":  # the nodes' key, where it comes before the next item
                    nodes_at = text.find(_NODES_START, at, len(text) if start < 0 else start)
                    if nodes_at >= 0:
                        kind, at = "node", nodes_at + len(_NODES_START)
                        continue
                end = text.find(_ITEM_END, start) if start >= 0 else -1
            if end < 0:
                # one json.loads for all the chunk's items: a call per item costs more than its parse
                for item_kind, item in zip(found, json.loads("[" + ",".join(texts) + "]"), strict=True):
                    yield _node_link_item(item_kind, item)
                found, texts = [], []
                more = stream.read(chunk)
                if not more:
                    return
                # keep the tail from `at`: a marker or item cut by the chunk's end
                text, at = text[at:] + more, 0
                continue
            at = end + len(_ITEM_END)
            if counts is not None:
                counts[kind] += 1
            if kind in wanted:
                found.append(kind)
                texts.append(text[start + 1 : at])


def _node_link_items(data: dict, wanted: set[str], counts: Counter | None) -> Iterator[tuple]:
    for kind, items in (("edge", data.get("edges", data.get("links")) or []), ("node", data["nodes"])):
        for item in items:
            if counts is not None:
                counts[kind] += 1
            if kind in wanted:
                yield _node_link_item(kind, dict(item))


def _node_link_item(kind: str, item: dict) -> tuple:
    if kind == "node":
        return ("node", item.pop("id"), item)
    return ("edge", item.pop("source"), item.pop("target"), item.pop("key", None), item)


_STRING = json.encoder.encode_basestring  # json's own escaping (C), as json.dumps(ensure_ascii=False)


def _json(value, indent: int) -> str:
    """``value`` as pretty, key-sorted JSON, nested ``indent`` spaces deep (json.dumps's bytes; the
    flat objects of a graph's nodes and edges are written directly, which is three times faster)."""
    if type(value) is dict and value:
        pad = " " * (indent + 2)
        return (
            "{\n"
            + ",\n".join(f"{pad}{_STRING(k)}: {_scalar(value[k], indent + 2)}" for k in sorted(value))
            + "\n"
            + " " * indent
            + "}"
        )
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).replace("\n", "\n" + " " * indent)


_EDGE_FIELDS = {"confidence", "evidence", "paper", "predicate"}


def _edge_json(source: str, target: str, key: str, data: dict) -> str:
    """:func:`_json` of an edge row at indent 4, by a template when it has the usual fields (the bulk of a graph)."""
    if data.keys() != _EDGE_FIELDS:
        return _json({"source": source, "target": target, "key": key, **data}, 4)
    return (
        f'{{\n      "confidence": {_scalar(data["confidence"], 6)},\n      "evidence": {_STRING(data["evidence"])},\n'
        f'      "key": {_STRING(key)},\n      "paper": {_STRING(data["paper"])},\n'
        f'      "predicate": {_STRING(data["predicate"])},\n      "source": {_STRING(source)},\n'
        f'      "target": {_STRING(target)}\n    }}'
    )


def _scalar(value, indent: int) -> str:
    kind = type(value)
    if kind is str:
        return _STRING(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    if kind is int:
        return int.__repr__(value)
    return _json(value, indent)


def summary(graph: nx.MultiDiGraph) -> dict:
    """Counts a person wants after a build: papers, entities per type, relations per predicate, results."""
    return summary_of(
        Counter(kind for _, kind in graph.nodes(data="kind")),
        Counter(data.get("predicate") for _, _, data in graph.edges(data=True)),
    )


def summary_of(kinds: Counter, predicates: Counter) -> dict:
    """:func:`summary` from counts of node kinds and edge predicates."""
    kinds = Counter(kinds)
    return {
        "papers": kinds.pop("Paper", 0),
        "results": kinds.pop("Result", 0),
        "authors": kinds.pop("Author", 0),
        "entities": dict(sorted(kinds.items())),
        "relations": dict(sorted((p, n) for p, n in predicates.items() if p in RELATIONS)),
    }
