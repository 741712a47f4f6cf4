"""Static figures: Graphviz drawings of a part of the graph, and a matplotlib page of the build's counts.

Three named views, each a tree or neighbourhood around one entity (its name from ``params``):

- ``lineage`` (``model``): the models a model was fine-tuned from or is a variant of, transitively,
  and the models made from it;
- ``lora`` (``method``, default LoRA): every method with a ``variant_of``/``broader`` path to it;
- ``dataset`` (``dataset``): what was evaluated on a dataset, its results and who proposed it.

Graphviz's ``dot`` lays them out in ranks, so labels never overlap. Parallel statements of one fact
are drawn as one edge, labelled with the number of papers; ``mentions`` and ``reports`` are left out.
What a canned query answers is drawn by :func:`render_view` with the pages' view
(:mod:`kg.export.view`): at most 60 nodes, each labelled, none over another's label.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> for name in ("LoRA", "SALT", "DoRA"):
...     g.add_node(f"method/{name.lower()}", kind="Method", label=name, aliases=[], papers=[])
>>> _ = g.add_edge("method/salt", "method/lora", predicate="variant_of", paper="p1", evidence="", confidence=0.9)
>>> _ = g.add_edge("method/dora", "method/salt", predicate="broader", paper="", evidence="", confidence=1.0)
>>> sorted(view_nodes(g, "lora", {})[0])
['method/dora', 'method/lora', 'method/salt']
"""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import networkx as nx

from ..errors import KgError
from ..files import atomic_write
from ..store import shorten
from . import CONTEXT_PREDICATES, STYLE, Selection, context_graph, match_nodes, merged_edges, neighbourhood

# view -> (parameter, default value, kind of the entity it names)
VIEWS = {
    "lineage": ("model", "Med-Gemini-2D", "Model"),
    "lora": ("method", "LoRA", "Method"),
    "dataset": ("dataset", "MedQA", "Dataset"),
}
TREE_PREDICATES = {"fine_tuned_from", "variant_of", "broader"}


def view_nodes(graph: nx.MultiDiGraph, view: str, params: dict[str, str]) -> tuple[set[str], set[str], str]:
    """The nodes a view draws, the entity it is about, and a title."""
    if view not in VIEWS:
        raise KgError(f"unknown view {view!r} (choose from {', '.join(VIEWS)})")
    param, default, kind = VIEWS[view]
    unknown = set(params) - {param}
    if unknown:
        raise KgError(f"view {view!r} takes only the parameter {param} (got {', '.join(sorted(unknown))})")
    name = params.get(param, default)
    found = sorted(n for n in match_nodes(graph, [[name]]) if graph.nodes[n]["kind"] == kind)
    if not found:
        raise KgError(f"no {kind} named {name!r} in the graph")
    centre = found[0]
    tree = nx.DiGraph((u, v) for u, v, data in graph.edges(data=True) if data.get("predicate") in TREE_PREDICATES)
    tree.add_node(centre)
    if view == "lineage":
        nodes = {centre} | nx.descendants(tree, centre) | nx.ancestors(tree, centre)
        title = f"Lineage of {graph.nodes[centre]['label']}"
    elif view == "lora":
        nodes = {centre} | nx.ancestors(tree, centre)
        title = f"Variants of {graph.nodes[centre]['label']}"
    else:
        nodes = neighbourhood(graph, {centre})
        # A result on the dataset is drawn with what achieved it.
        nodes |= {u for u, v, data in graph.edges(data=True) if data.get("predicate") == "has_result" and v in nodes}
        title = f"Around the dataset {graph.nodes[centre]['label']}"
    return nodes, {centre}, title


def view_selection(graph: nx.MultiDiGraph, view: str, params: dict[str, str]) -> Selection:
    nodes, seeds, title = view_nodes(graph, view, params)
    return Selection(graph.subgraph(nodes).copy(), seeds, title, graph)


def to_dot(selection: Selection, *, max_nodes: int = 400):
    """A ``graphviz.Digraph`` of the selection; ``ValueError`` past ``max_nodes`` (unreadable)."""
    import graphviz

    graph = selection.graph
    if graph.number_of_nodes() > max_nodes:
        raise KgError(
            f"{graph.number_of_nodes()} nodes are too many to draw readably (at most {max_nodes}); "
            "pick a --view or a --query, or use `kg export html`"
        )
    if not graph.number_of_nodes():
        raise KgError("nothing to draw: the selection is empty")
    tree = all(data.get("predicate") in TREE_PREDICATES for _, _, data in graph.edges(data=True))
    dot = graphviz.Digraph(
        graph_attr={
            "rankdir": "BT" if tree else "LR",
            "label": selection.title,
            "labelloc": "t",
            "fontsize": "16",
            "fontname": "DejaVu Sans",
            "nodesep": "0.25",
            "ranksep": "0.5",
            "bgcolor": "white",
        },
        node_attr={"fontname": "DejaVu Sans", "fontsize": "11", "style": "filled", "margin": "0.12,0.06"},
        edge_attr={"fontname": "DejaVu Sans", "fontsize": "9", "color": "#555555", "fontcolor": "#333333"},
    )
    for node, data in sorted(graph.nodes(data=True)):
        kind = data.get("kind", "")
        _, shape, colour = STYLE.get(kind, ("", "ellipse", "#777777"))
        label = "\n".join(textwrap.wrap(shorten(data.get("label") or node, 70), 28)) + f"\n({kind.lower()})"
        seed = node in selection.seeds
        dot.node(
            node,
            label,
            shape=shape,
            color=colour,
            fillcolor=colour + ("80" if seed else "30"),
            penwidth="2.5" if seed else "1",
        )
    # One arrow per pair of nodes, naming every predicate between them: parallel arrows tangle.
    labels: dict[tuple[str, str], dict[str, int]] = {}
    for (u, v, predicate), statements in sorted(merged_edges(graph).items()):
        if predicate not in CONTEXT_PREDICATES:
            continue  # a paper's mentions of every name would bury the statements
        labels.setdefault((u, v), {})[predicate] = len({s["paper"] for s in statements if s["paper"]})
    for (u, v), predicates in sorted(labels.items()):
        if "variant_of" in predicates:
            predicates.pop("broader", None)  # the vocabulary's link says again what the paper said
        dot.edge(
            u,
            v,
            label="\n".join(p.replace("_", " ") + (f" ({n} papers)" if n > 1 else "") for p, n in predicates.items()),
        )
    return dot


def render(selection: Selection, out: str | Path, fmt: str) -> int:
    """Draw the selection into ``out`` as ``png`` or ``svg`` (atomically); returns the nodes drawn."""
    import graphviz

    dot = to_dot(selection)
    if fmt == "png":
        dot.graph_attr["dpi"] = "144"
    try:
        image = dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise KgError("Graphviz's dot program is not installed (apt-get install graphviz)") from None
    with atomic_write(out, "wb") as stream:
        stream.write(image)
    return selection.graph.number_of_nodes()


def render_view(selection: Selection, out: str | Path, fmt: str, *, max_nodes: int = 60) -> tuple[int, int]:
    """Draw a query's selection as :func:`kg.export.view.draw` does (every node labelled, none over
    another's label; the answers highlighted, the best connected ``max_nodes`` nodes) into ``out``
    as ``png`` or ``svg`` (atomically); returns the nodes drawn and the nodes left out."""
    from .view import finish_svg, pipe, to_graphviz

    graph = context_graph(selection.graph)
    if not graph.number_of_nodes():
        raise KgError("nothing to draw: the selection is empty")
    dot, drawn = to_graphviz(graph, selection.seeds, max_nodes=max_nodes, title=selection.title)
    image = finish_svg(pipe(dot, "svg"), drawn, graph).encode("utf-8") if fmt == "svg" else pipe(dot, fmt)
    with atomic_write(out, "wb") as stream:
        stream.write(image)
    return len(drawn.nodes), drawn.left_out


def statistics(graph: nx.MultiDiGraph, top: int = 10) -> dict[str, list[tuple[str, int]]]:
    """Counts for ``kg stats``: nodes per kind, edges per predicate, the most fine-tuned base models
    (distinct models made from each), the datasets most papers evaluate on, and how many distinct
    methods the papers of each modality use or mention.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("model/a", kind="Model", label="A"); g.add_node("model/b", kind="Model", label="B")
    >>> _ = g.add_edge("model/b", "model/a", predicate="fine_tuned_from", paper="p1")
    >>> statistics(g)["base models"]
    [('A', 1)]
    """

    def label(node: str) -> str:
        return graph.nodes[node].get("label", node)

    bases: dict[str, set[str]] = {}
    datasets: dict[str, set[str]] = {}
    paper_methods: dict[str, set[str]] = {}
    paper_modalities: dict[str, set[str]] = {}
    for u, v, data in graph.edges(data=True):
        predicate, paper = data["predicate"], data.get("paper") or ""
        if predicate == "fine_tuned_from":
            bases.setdefault(v, set()).add(u)
        elif predicate in ("evaluated_on", "on_dataset") and paper:
            datasets.setdefault(v, set()).add(paper)
        elif predicate in ("mentions", "uses_method", "has_modality") and paper:
            kind = graph.nodes[v].get("kind")
            if kind == "Method":
                paper_methods.setdefault(paper, set()).add(v)
            elif kind == "Modality":
                paper_modalities.setdefault(paper, set()).add(v)
    modality_methods: dict[str, set[str]] = {}
    for paper, modalities in paper_modalities.items():
        for modality in modalities:
            modality_methods.setdefault(modality, set()).update(paper_methods.get(paper, ()))

    def ranked(groups: dict[str, set[str]]) -> list[tuple[str, int]]:
        counts = sorted(((label(k), len(v)) for k, v in groups.items()), key=lambda item: (-item[1], item[0]))
        return counts[:top]

    return {
        # a build's nodes all have a kind, its edges a predicate
        "nodes": Counter(data["kind"] for _, data in graph.nodes(data=True)).most_common(),
        "edges": Counter(data["predicate"] for _, _, data in graph.edges(data=True)).most_common(),
        "base models": ranked(bases),
        "datasets": ranked(datasets),
        "methods per modality": ranked(modality_methods),
    }


PLOTS = (
    ("nodes", "Nodes per type", "nodes"),
    ("base models", "Most fine-tuned base models", "fine-tuned models made from it"),
    ("datasets", "Datasets most evaluated on", "papers"),
    ("methods per modality", "Methods used per modality", "distinct methods in its papers"),
)


def plot_statistics(stats: dict, out: str | Path, title: str = "") -> None:
    """Draw four of the counts as horizontal bar charts on one PNG (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: draw to a file
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, axes = plt.subplots(2, 2, figsize=(13, 9), constrained_layout=True)
    for axis, (key, heading, unit) in zip(axes.flat, PLOTS, strict=True):
        items = list(reversed(stats[key]))  # largest on top
        names, values = [shorten(n, 32) for n, _ in items], [v for _, v in items]
        axis.barh(
            names, values, color="#1f77b4" if key != "nodes" else [STYLE.get(n, ("", "", "#777777"))[2] for n in names]
        )
        axis.set_title(heading, fontsize=12, loc="left")
        axis.set_xlabel(unit)
        axis.bar_label(axis.containers[0], padding=2, fontsize=9)
        axis.margins(x=0.12)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.25 ticks
        axis.tick_params(axis="y", labelsize=9)
        if not items:
            axis.text(
                0.5, 0.5, "none in this build", ha="center", va="center", transform=axis.transAxes, color="#777777"
            )
    if title:
        figure.suptitle(title, fontsize=14)
    with atomic_write(out, "wb") as stream:
        figure.savefig(stream, format="png", dpi=110)
    plt.close(figure)
