"""Graph: extraction records + resolution → one networkx MultiDiGraph, the model every writer reads.

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
import sys
from collections import Counter
from collections.abc import Iterable

import networkx as nx

from .files import atomic_write
from .records import ENTITY_TYPES, PAPER, RELATIONS
from .resolve import Resolution, slug
from .vocab import normalize_name


def paper_node(paper_id: str) -> str:
    return f"paper/{paper_id}"


def build_graph(records: Iterable[dict], resolution: Resolution) -> nx.MultiDiGraph:
    """Build the graph; statements that point at no known entity are counted in ``graph.graph['dropped']``."""
    graph = nx.MultiDiGraph()
    dropped = Counter()
    for node in sorted(resolution.nodes.values(), key=lambda n: n.id):
        graph.add_node(node.id, kind=node.type, label=node.label, aliases=node.aliases, papers=node.papers)
    for record in records:
        pid = record["id"]
        paper = paper_node(pid)
        meta = {k: v for k, v in record.items() if k not in ("id", "title", "abstract", "entities", "relations", "results")}
        graph.add_node(paper, kind="Paper", label=record["title"], paper_id=pid, title=record["title"],
                       abstract=record["abstract"], **meta)
        # This paper's own typing of a name comes first ("instruction tuning" is a Method here).
        local = {normalize_name(name): entity["type"]
                 for entity in record.get("entities", []) for name in [entity["name"], *(entity.get("aliases") or [])]}
        for entity in record.get("entities", []):
            _add_edge(graph, paper, resolution.node_id(entity["type"], entity["name"]), "mentions", pid)
        for relation in record.get("relations", []):
            subjects, objects = RELATIONS[relation["predicate"]]
            source = _find(relation["subject"], subjects, paper, resolution, local)
            target = _find(relation["object"], objects, paper, resolution, local)
            if source is None or target is None:
                dropped[relation["predicate"]] += 1
                continue
            _add_edge(graph, source, target, relation["predicate"], pid, relation)
        for result in record.get("results", []):
            _add_result(graph, result, pid, paper, resolution, local)
    graph.graph["dropped"] = dict(sorted(dropped.items()))
    return graph


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


def _add_edge(graph: nx.MultiDiGraph, source: str, target: str, predicate: str, pid: str, statement: dict | None = None) -> None:
    statement = statement or {}
    graph.add_edge(
        source, target, key=f"{predicate}@{pid}", predicate=predicate, paper=pid,
        # one copy of a sentence that is the evidence of several statements (a big graph's bulk)
        evidence=sys.intern(statement.get("evidence", "")), confidence=float(statement.get("confidence", 1.0)),
    )


def _add_result(graph, result: dict, pid: str, paper: str, resolution: Resolution, local: dict[str, str]) -> None:
    subject = _find(result["subject"], {"Model", "Method", PAPER}, paper, resolution, local) or paper
    dataset = _find(result["dataset"], {"Dataset"}, paper, resolution, local) if result.get("dataset") else None
    fingerprint = json.dumps([pid, subject, dataset, result["metric"], result["value"], result.get("unit")], sort_keys=True)
    node = "result/" + hashlib.sha1(fingerprint.encode()).hexdigest()[:12]
    graph.add_node(
        node, kind="Result", label=f"{result['metric']} {result['value']}{result.get('unit') or ''}",
        metric=result["metric"], value=float(result["value"]), unit=result.get("unit") or "",
        dataset_name=result.get("dataset") or "", paper=pid,
        evidence=result.get("evidence", ""), confidence=float(result.get("confidence", 1.0)),
    )
    _add_edge(graph, subject, node, "has_result", pid, result)
    _add_edge(graph, paper, node, "reports", pid, result)
    if dataset is not None:
        _add_edge(graph, node, dataset, "on_dataset", pid, result)


def add_hierarchy(graph: nx.MultiDiGraph, vocab) -> int:
    """Add the vocabulary's method hierarchy and model families as ``broader`` edges, with their ancestors.

    These edges are knowledge of the field (``schemas/vocab``), not statements of a paper: their
    ``paper`` is empty. Returns how many were added.
    """
    added = 0
    pending = [(n, d) for n, d in graph.nodes(data=True) if d["kind"] in ("Method", "Model")]
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
        if target not in graph:
            entry = vocab.entry(hit[0], hit[1])
            graph.add_node(target, kind=hit[1], label=hit[0], aliases=sorted(entry.aliases) if entry else [], papers=[])
        if target not in seen:
            seen.add(target)
            pending.append((target, graph.nodes[target]))
        graph.add_edge(node, target, key="broader@", predicate="broader", paper="", evidence="", confidence=1.0)
        added += 1
    return added


VALIDATION_PAPERS = 1000  # pyshacl checks ~9k triples/s on 2 cores: a sample keeps big builds in minutes


def validation_sample(graph: nx.MultiDiGraph, papers: int = VALIDATION_PAPERS) -> nx.MultiDiGraph:
    """The graph itself if it has at most ``papers`` papers, else an evenly spaced sample of that many
    papers with their statements and results, every node those touch, and the hierarchy: a graph that
    SHACL checks alike (each shape looks at one node and its neighbours), a fixed fraction of the size.
    """
    ids = sorted(n for n, kind in graph.nodes(data="kind") if kind == "Paper")
    if len(ids) <= papers:
        return graph
    chosen = {graph.nodes[n]["paper_id"] for n in ids[:: -(-len(ids) // papers)]}
    edges = [(u, v, k) for u, v, k, pid in graph.edges(keys=True, data="paper") if pid in chosen or not pid]
    sample = graph.edge_subgraph(edges).copy()
    sample.add_nodes_from((paper_node(pid), graph.nodes[paper_node(pid)]) for pid in chosen)
    return sample


def write_node_link(graph: nx.MultiDiGraph, path) -> None:
    """Write ``nx.node_link_data(graph, edges="edges")`` as :func:`kg.files.write_json` would (the same
    bytes), one node or edge at a time instead of copying the whole graph into dicts first."""
    edges = ({"source": u, "target": v, "key": k, **d} for u, v, k, d in graph.edges(keys=True, data=True))
    nodes = ({"id": n, **d} for n, d in graph.nodes(data=True))
    with atomic_write(path) as stream:
        stream.write('{\n  "directed": true,\n')
        _write_list(stream, "edges", edges)
        stream.write(',\n  "graph": ' + _json(graph.graph, 2) + ',\n  "multigraph": true,\n')
        _write_list(stream, "nodes", nodes)
        stream.write("\n}\n")


def _write_list(stream, name: str, rows: Iterable[dict]) -> None:
    stream.write(f'  "{name}": [')
    empty = True
    for row in rows:
        stream.write(("\n" if empty else ",\n") + "    " + _json(row, 4))
        empty = False
    stream.write("]" if empty else "\n  ]")


def _json(value, indent: int) -> str:
    """``value`` as pretty, key-sorted JSON, nested ``indent`` spaces deep."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).replace("\n", "\n" + " " * indent)


def summary(graph: nx.MultiDiGraph) -> dict:
    """Counts a person wants after a build: papers, entities per type, relations per predicate, results."""
    kinds = Counter(kind for _, kind in graph.nodes(data="kind"))
    predicates = Counter(p for _, _, p in graph.edges(data="predicate") if p in RELATIONS)
    return {
        "papers": kinds.pop("Paper", 0),
        "results": kinds.pop("Result", 0),
        "entities": dict(sorted(kinds.items())),
        "relations": dict(sorted(predicates.items())),
    }
