"""Exports of a build's graph: an HTML page, Graphviz figures, a stats plot and graph file formats.

Every export reads the build's ``graph.json`` (the node-link JSON of the MultiDiGraph, see
:mod:`kg.graph`). An export can be limited to what a canned query answers: each answer value that
is the IRI, label or alias of a node picks that node (a ``" | "``-joined list is read item by item),
and the drawing shows those nodes, the edges among them and their one-hop context over the
guideline relations and ``broader`` (not ``mentions``/``reports``, which would pull in every paper's
whole list of names).

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("method/salt", kind="Method", label="SALT", aliases=[], papers=["p1"])
>>> g.add_node("method/lora", kind="Method", label="LoRA", aliases=["Low-Rank Adaptation"], papers=["p1"])
>>> g.add_node("task/qa", kind="Task", label="question answering", aliases=[], papers=["p1"])
>>> _ = g.add_edge("method/salt", "method/lora", key="variant_of@p1", predicate="variant_of",
...                paper="p1", evidence="SALT extends LoRA.", confidence=0.9)
>>> match_nodes(g, [["low-rank adaptation", 3]])
{'method/lora'}
>>> sorted(neighbourhood(g, {"method/lora"}))
['method/lora', 'method/salt']
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from ..errors import KgError
from ..rdf import DEFAULT_BASE
from ..store import build_advice
from ..vocab import normalize_name

# How each kind of node looks, in every export: vis-network shape, Graphviz shape, colour.
STYLE = {
    "Paper": ("square", "note", "#8d99ae"),
    "Model": ("dot", "ellipse", "#1f77b4"),
    "Method": ("diamond", "diamond", "#ff7f0e"),
    "Dataset": ("triangle", "cylinder", "#2ca02c"),
    "Task": ("triangleDown", "box", "#d62728"),
    "Modality": ("hexagon", "hexagon", "#9467bd"),
    "Domain": ("star", "octagon", "#8c564b"),
    "Result": ("dot", "plaintext", "#e377c2"),
    "Author": ("dot", "egg", "#bcbd22"),
}
# The colour of each predicate's edges, in every export.
PREDICATE_COLOURS = {
    "proposes": "#6a3d9a",
    "fine_tuned_from": "#1f78b4",
    "uses_method": "#ff7f00",
    "variant_of": "#e31a1c",
    "evaluated_on": "#33a02c",
    "applied_to": "#b15928",
    "has_modality": "#cab2d6",
    "in_domain": "#fb9a99",
    "outperforms": "#000000",
    "broader": "#a6cee3",
    "mentions": "#d9d9d9",
    "has_result": "#fdbf6f",
    "reports": "#d9d9d9",
    "on_dataset": "#b2df8a",
    "on_task": "#ffff99",
}
# Edges that say something about an entity; a query's drawing follows these one hop out.
CONTEXT_PREDICATES = frozenset(
    {
        "proposes",
        "fine_tuned_from",
        "uses_method",
        "variant_of",
        "evaluated_on",
        "applied_to",
        "has_modality",
        "in_domain",
        "outperforms",
        "broader",
        "has_result",
        "on_dataset",
        "on_task",
    }
)


# A paper's edges to each name it mentions and each result it reports: drawings and pages leave them
# out (there are thousands; a node's papers say the same).
HIDDEN_PREDICATES = ("mentions", "reports")


def load_graph(build: str | Path) -> nx.MultiDiGraph:
    """The graph of a build folder, as the build made it; ``ValueError`` if there is none."""
    path = Path(build) / "graph.json"
    if not path.is_file() or not (Path(build) / "manifest.json").is_file():  # the manifest comes last
        raise KgError(f"{build}: no complete build here ({build_advice(build)})")
    graph = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="edges")
    if not isinstance(graph, nx.MultiDiGraph):  # graph.json says which kind of graph it holds
        raise KgError(f"{path}: not the directed multigraph a build writes")
    return graph


def base_iri(build: str | Path) -> str:
    """The base IRI the build wrote its resources under (its manifest says; else the default)."""
    path = Path(build) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return manifest.get("base_iri") or DEFAULT_BASE


def match_nodes(graph: nx.MultiDiGraph, rows: Iterable[Iterable], base: str = DEFAULT_BASE) -> set[str]:
    """The nodes that answer values name: by IRI, or by any name (label or alias, normalised)."""
    names: dict[str, set[str]] = {}
    for node, data in graph.nodes(data=True):
        for name in [data.get("label", ""), *(data.get("aliases") or [])]:
            names.setdefault(normalize_name(str(name)), set()).add(node)
    found = set()
    for row in rows:
        for value in row:
            if not isinstance(value, str):
                continue
            if value.startswith(base) and value[len(base) :] in graph:
                found.add(value[len(base) :])
                continue
            for part in value.split(" | "):  # GROUP_CONCAT columns of the canned queries
                found |= names.get(normalize_name(part), set())
    return found


def neighbourhood(graph: nx.MultiDiGraph, seeds: set[str]) -> set[str]:
    """The seeds and every node one context edge (either direction) away from one."""
    nodes = set(seeds)
    for u, v, data in graph.edges(data=True):
        if data.get("predicate") in CONTEXT_PREDICATES and (u in seeds or v in seeds):
            nodes.update((u, v))
    return nodes


def context_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """What drawings show of a graph: every node but authors, every edge but :data:`HIDDEN_PREDICATES`."""
    context: nx.MultiDiGraph = nx.MultiDiGraph()
    context.add_nodes_from((n, d) for n, d in graph.nodes(data=True) if d.get("kind") != "Author")
    for u, v, key, data in graph.edges(keys=True, data=True):
        if u in context and v in context and data.get("predicate") not in HIDDEN_PREDICATES:
            context.add_edge(u, v, key, **data)
    return context


@dataclass
class Selection:
    """What an export draws: the subgraph, the nodes the query answered (empty: the whole graph),
    and the whole graph, where paper titles are looked up."""

    graph: nx.MultiDiGraph
    seeds: set[str]
    title: str
    full: nx.MultiDiGraph


def select(build: str | Path, query: str | None = None, params: dict[str, str] | None = None) -> Selection:
    """The whole graph of a build, or the part a canned query answers (see the module's docstring)."""
    graph = load_graph(build)
    if not query:
        return Selection(graph, set(), f"Knowledge graph of {Path(build).resolve().name}/", graph)
    from ..catalog import load_catalog, lookup
    from ..store import open_store

    canned = lookup(load_catalog(), query)
    arguments = canned.arguments(params or {})
    table = open_store(build).select(canned.text, arguments)
    declared = {name: arguments[name] for name in canned.params}  # without the derived NAME_key values
    if not table.rows:
        raise KgError(f"query {query!r} has no answers with {_describe(declared)}: nothing to draw")
    seeds = match_nodes(graph, table.rows, base_iri(build))
    if not seeds:
        raise KgError(f"query {query!r}: none of its {len(table.rows)} answers names a node of the graph")
    title = f"{canned.question} ({_describe(declared)})" if declared else canned.question
    return Selection(graph.subgraph(neighbourhood(graph, seeds)).copy(), seeds, title, graph)


def _describe(arguments: dict[str, str | None]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in arguments.items()) or "no parameters"


def merged_edges(graph: nx.MultiDiGraph, full: nx.MultiDiGraph | None = None) -> dict[tuple[str, str, str], list[dict]]:
    """Parallel edges of one predicate merged: ``(source, target, predicate) -> [statement, ...]``,
    a statement being the paper, its title (looked up in ``full``, default ``graph``), the evidence
    sentence and the confidence."""
    full = graph if full is None else full
    merged: dict[tuple[str, str, str], list[dict]] = {}
    for u, v, data in graph.edges(data=True):
        paper = data.get("paper") or ""
        merged.setdefault((u, v, data["predicate"]), []).append(
            {
                "paper": paper,
                "title": paper_title(full, paper),
                "evidence": data.get("evidence") or "",
                "confidence": data.get("confidence", 1.0),
            }
        )
    return merged


def paper_title(graph: nx.MultiDiGraph, paper_id: str) -> str:
    """A paper's title from its node (``paper/<id>``); empty for edges no paper stated."""
    node = graph.nodes.get(f"paper/{paper_id}") if paper_id else None
    return (node or {}).get("title") or (node or {}).get("label") or ""
