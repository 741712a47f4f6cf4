"""A small readable drawing of part of the graph: SVG laid out and rendered by Graphviz.

:func:`draw` is the one view that the HTML pages, ``kg export svg/png --query`` and the web server
use: a query's answer, an entity's neighbourhood or the whole graph's overview, each at most a few
dozen nodes. Graphviz's ``neato`` places the nodes (seeded: equal graphs give equal drawings), then
removes every overlap (``overlap=prism``, with a margin round each node), so no node covers another
node's label, and routes the edges round the nodes. Each node's label sits inside its shape (shape
and colour by kind, :data:`kg.export.STYLE`); a long name is cut to about 40 characters, the whole
name its tooltip. Edges carry no labels (labels of crossing edges would collide): the statements of
one predicate between two nodes are one line, coloured by the predicate (several predicates between
the same two nodes: parallel lines of one edge), wider with more papers, the predicates its tooltip.

In the SVG each node is a group ``<g class="node kg-node" data-id="…" data-kind="…">`` (a page's
script and the tests find them so), each edge a group ``<g class="edge kg-edge" data-from="…"
data-to="…" data-predicate="…">`` (``data-predicate``: space-separated); with ``href`` each node is
a link to ``href(node)``: a page's fragment (``#method/lora``), or a server's address
(``href=lambda node: f"/graph?focus={node}"``).

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("method/lora", kind="Method", label="LoRA")
>>> g.add_node("method/salt", kind="Method", label="SALT")
>>> _ = g.add_edge("method/salt", "method/lora", predicate="variant_of", paper="p1")
>>> svg = draw(g, {"method/salt"}, href=lambda node: "#" + node)
>>> svg.startswith("<svg"), svg.count('class="node kg-node"'), 'data-id="method/salt"' in svg
(True, 2, True)
>>> 'xlink:href="#method/lora"' in svg, ">LoRA</text>" in svg, 'data-predicate="variant_of"' in svg
(True, True, True)
>>> svg == draw(g.copy(), {"method/salt"}, href=lambda node: "#" + node)  # equal graphs, equal drawings
True
"""

from __future__ import annotations

import math
import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx

from ..errors import KgError
from ..store import shorten
from . import PREDICATE_COLOURS, STYLE, merged_edges

if TYPE_CHECKING:
    import graphviz

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
FONT = "DejaVu Sans"  # what Graphviz measures the labels with; the SVG falls back to fonts of similar width
FONT_FAMILY = "DejaVu Sans,Verdana,sans-serif"
LABEL_CHARS = 40  # longer names are cut (the tooltip and a page's details panel show them whole)
LINE_CHARS = 22  # a label wraps onto a second line past this
SEED = "7"  # neato's random start: fixed, so equal graphs give equal drawings
# Edges of a drawing Graphviz routes round its nodes; past this, straight lines (which may pass under
# a node, never over a label: nodes are drawn over edges). Measured on a 10k build: a star of 59
# edges took 0.2 to 9 s to route; 427 edges among 60 nodes 2.3 s routed, 175 s curved, 0.05 s straight.
ROUTED_EDGES = 30
BATCH = 40  # drawings laid out by one Graphviz process in draw_many (starting one costs more than a drawing)


def draw(
    graph: nx.MultiDiGraph,
    focus: AbstractSet[str],
    *,
    href: Callable[[str], str] | None = None,
    max_nodes: int = 60,
) -> str:
    """SVG markup (no XML declaration) of ``graph``, the ``focus`` nodes highlighted.

    Nodes need a ``kind`` and a ``label`` (a paper's: its title); edges a ``predicate`` (their
    ``paper`` is counted where there is one). Past ``max_nodes`` nodes the focus nodes stay, with
    the best-connected of the rest; a caption under the drawing says how many were left out, and
    the ``<svg>`` element's ``data-left-out`` attribute counts them.
    """
    return draw_many([(graph, focus)], href=href, max_nodes=max_nodes)[0]


def draw_many(
    jobs: Iterable[tuple[nx.MultiDiGraph, AbstractSet[str]]],
    *,
    href: Callable[[str], str] | None = None,
    max_nodes: int = 60,
) -> list[str]:
    """:func:`draw` of each ``(graph, focus)``, the same drawings, several Graphviz layouts per process."""
    prepared = [(graph, *to_graphviz(graph, focus, href=href, max_nodes=max_nodes)) for graph, focus in jobs]
    batches = [prepared[i : i + BATCH] for i in range(0, len(prepared), BATCH)]
    if len(batches) < 2:
        drawn = [_draw_batch(batch) for batch in batches]
    else:
        with ThreadPoolExecutor(max_workers=2) as pool:  # Graphviz runs in processes of its own
            drawn = list(pool.map(_draw_batch, batches))
    return [svg for batch in drawn for svg in batch]


def _draw_batch(batch: Sequence[tuple[nx.MultiDiGraph, graphviz.Digraph, Drawn]]) -> list[str]:
    import graphviz

    try:
        images = _split_svgs(pipe_source("\n".join(dot.source for _, dot, _ in batch)))
    except graphviz.CalledProcessError:  # one of them crashed Graphviz: lay them out one by one
        images = []
    if len(images) != len(batch):
        images = [pipe(dot, "svg") for _, dot, _ in batch]
    return [finish_svg(image, drawn, graph) for (graph, _, drawn), image in zip(batch, images, strict=True)]


@dataclass(frozen=True)
class Drawn:
    """What a drawing shows: its nodes and edges by their Graphviz ids (an edge: source, target and
    predicates), and how many nodes of the graph it left out."""

    nodes: dict[str, str]
    edges: dict[str, tuple[str, str, tuple[str, ...]]]
    left_out: int


def to_graphviz(
    graph: nx.MultiDiGraph,
    focus: AbstractSet[str],
    *,
    href: Callable[[str], str] | None = None,
    max_nodes: int = 60,
    title: str = "",
) -> tuple[graphviz.Digraph, Drawn]:
    """The ``graphviz.Digraph`` that :func:`draw` renders, and what it draws (:class:`Drawn`).
    A ``title`` goes in the caption."""
    import graphviz

    kept = keep(graph, focus, max_nodes)
    left_out = graph.number_of_nodes() - len(kept)
    names = {node: f"n{i}" for i, node in enumerate(kept)}  # plain names: nothing to quote
    caption = [title] if title else []
    if left_out:
        caption.append(f"{left_out} more not drawn: the {len(kept)} best connected are")
    dot = graphviz.Digraph(
        engine="neato",
        graph_attr={
            "start": SEED,
            "overlap": "prism",  # removes every overlap of two nodes (and so of their labels)
            "overlap_scaling": "0",  # without first spreading the whole layout out
            "sep": "+14",  # points kept free round each node
            "esep": "+6",
            "splines": "true",  # edges bend round the nodes instead of crossing their labels
            "pack": "true",  # unconnected parts side by side
            "outputorder": "edgesfirst",  # nodes drawn over the edges
            "bgcolor": "white",
            "fontname": FONT,
            "fontsize": "11",
            "fontcolor": "#555555",
            "labelloc": "b",
            "label": _escape(" — ".join(caption)),
        },
        node_attr={"fontname": FONT, "fontsize": "12", "style": "filled", "margin": "0.1,0.05", "penwidth": "1"},
        edge_attr={"arrowsize": "0.6"},
    )
    for node in kept:
        data = graph.nodes[node]
        kind = str(data.get("kind") or "")
        _, shape, colour = STYLE.get(kind, ("", "ellipse", "#777777"))
        name = _name(graph, node)
        attributes = {
            "shape": "box" if shape == "plaintext" else shape,
            "style": "filled,rounded" if shape == "plaintext" else "filled",  # a result: a rounded box
            "color": "#000000" if node in focus else colour,
            "fillcolor": _tint(colour, 0.7 if node in focus else 0.22),  # opaque: edges stay under it
            "tooltip": _escape(f"{name} ({kind})" if kind else name),
        }
        if node in focus:
            attributes.update(penwidth="3", fontname=f"{FONT} Bold")
        if href is not None:
            # Graphviz writes an address into the SVG as given: an "&" must come as the entity
            attributes["href"] = _escape(href(node).replace("&", "&amp;"))
        dot.node(names[node], label(name), id=names[node], **attributes)
    # One Graphviz edge per ordered pair, one coloured line in it per predicate: Graphviz 2.43's
    # spline router fails on parallel edges.
    pairs: dict[tuple[str, str], dict[str, int]] = {}
    for (u, v, predicate), statements in sorted(merged_edges(graph.subgraph(kept)).items()):
        pairs.setdefault((u, v), {})[predicate] = len({s["paper"] for s in statements if s["paper"]})
    edges = {}
    for i, ((u, v), predicates) in enumerate(sorted(pairs.items())):
        edges[f"e{i}"] = (u, v, tuple(predicates))
        said = [p.replace("_", " ") + (f" ({n} papers)" if n > 1 else "") for p, n in predicates.items()]
        dot.edge(
            names[u],
            names[v],
            id=f"e{i}",
            color=":".join(PREDICATE_COLOURS.get(p, "#999999") for p in predicates),
            penwidth=f"{1 + math.log2(max(max(predicates.values()), 1)):.2f}",
            tooltip=_escape(f"{_name(graph, u)} — {'; '.join(said)} — {_name(graph, v)}"),
        )
    if len(edges) > ROUTED_EDGES:  # routed or curved, this many take Graphviz seconds to minutes
        dot.graph_attr["splines"] = "line"
    return dot, Drawn({name: node for node, name in names.items()}, edges, left_out)


def keep(graph: nx.MultiDiGraph, focus: AbstractSet[str], max_nodes: int) -> list[str]:
    """The nodes drawn, sorted: all when they fit; else the focus nodes, then the best connected
    (most distinct neighbours; ties by id), ``max_nodes`` in all."""
    nodes = sorted(graph)
    if len(nodes) <= max_nodes:
        return nodes
    neighbours = {node: len(set(graph.successors(node)) | set(graph.predecessors(node))) for node in nodes}
    ranked = sorted(nodes, key=lambda node: (node not in focus, -neighbours[node], node))
    return sorted(ranked[: max(max_nodes, 1)])


def label(name: str) -> str:
    """A node's label: cut to about 40 characters, on at most two lines.

    >>> print(label("Large Language Models Encode Clinical Knowledge"))
    Large Language Models\\nEncode Clinical K…
    """
    import graphviz

    lines = textwrap.wrap(shorten(name, LABEL_CHARS), LINE_CHARS, break_on_hyphens=False) or [" "]
    if len(lines) > 2:
        lines = [lines[0], shorten(" ".join(lines[1:]), LABEL_CHARS - len(lines[0]))]
    return graphviz.nohtml("\\n".join(line.replace("\\", "\\\\") for line in lines))


def pipe(dot: graphviz.Digraph, fmt: str) -> bytes:
    """Graphviz's drawing of ``dot`` as ``fmt``. Should Graphviz 2.43's edge router crash (it does
    on some graphs), the edges are drawn as curves that do not avoid the nodes."""
    import graphviz

    try:
        return dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise KgError("Graphviz's neato program is not installed (apt-get install graphviz)") from None
    except graphviz.CalledProcessError:
        if dot.graph_attr.get("splines") != "true":
            raise
    dot = dot.copy()
    dot.graph_attr["splines"] = "curved"
    return dot.pipe(format=fmt)


def pipe_source(source: str) -> bytes:
    """SVG of every graph in ``source`` (Graphviz's text), one after another, by one neato process."""
    import graphviz

    try:
        return graphviz.pipe("neato", "svg", source.encode("utf-8"))
    except graphviz.ExecutableNotFound:
        raise KgError("Graphviz's neato program is not installed (apt-get install graphviz)") from None


def _split_svgs(output: bytes) -> list[bytes]:
    return [b"<?xml" + part for part in output.split(b"<?xml") if part.strip()]


def finish_svg(svg: bytes, drawn: Drawn, graph: nx.MultiDiGraph) -> str:
    """Graphviz's SVG with each node and edge group marked by what it draws; without comments,
    ``<title>`` elements (Graphviz's own names; the tooltips stay), ids or XML declaration."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg)
    root.set("class", "kg-view")
    root.set("data-left-out", str(drawn.left_out))
    for group in list(root.iter(f"{{{SVG_NS}}}g")):
        title = group.find(f"{{{SVG_NS}}}title")
        if title is not None:
            group.remove(title)
        name = group.attrib.pop("id", "")
        if name in drawn.nodes:
            node = drawn.nodes[name]
            group.set("class", "node kg-node")
            group.set("data-id", node)
            group.set("data-kind", str(graph.nodes[node].get("kind") or ""))
        elif name in drawn.edges:
            u, v, predicates = drawn.edges[name]
            group.set("class", "edge kg-edge")
            group.set("data-from", u)
            group.set("data-to", v)
            group.set("data-predicate", " ".join(predicates))
        for child in list(group):  # Graphviz's <g><a …>…</a></g> wrapper: the link alone is enough
            if child.tag == f"{{{SVG_NS}}}g" and set(child.attrib) <= {"id"} and [c.tag for c in child] == [_LINK]:
                group.insert(list(group).index(child), child[0])
                group.remove(child)
    # The text's font, once for all (SVG inherits it); coordinates to a tenth of a point.
    root.set("font-family", FONT_FAMILY)
    root.set("font-size", "12")
    root.set("text-anchor", "middle")
    for element in root.iter():
        if element.tag == f"{{{SVG_NS}}}text":
            if (element.attrib.pop("font-family", "")).endswith(" Bold"):
                element.set("font-weight", "bold")
            if element.get("font-size") == "12.00":
                del element.attrib["font-size"]
            if element.get("text-anchor") == "middle":
                del element.attrib["text-anchor"]
        for name in _COORDINATES.intersection(element.attrib):
            element.set(name, _DECIMALS.sub(r"\1", element.get(name, "")))
    return _NEWLINES.sub("\n", ET.tostring(root, encoding="unicode"))


_LINK = f"{{{SVG_NS}}}a"
_COORDINATES = {"d", "points", "x", "y", "cx", "cy", "rx", "ry", "transform", "viewBox"}
_DECIMALS = re.compile(r"(\.\d)\d+")
_NEWLINES = re.compile(r"\n\s*\n")


def _name(graph: nx.MultiDiGraph, node: str) -> str:
    data = graph.nodes[node]
    return str(data.get("label") or data.get("title") or node)


def _tint(colour: str, strength: float) -> str:
    """``colour`` (``#rrggbb``) mixed with white: opaque, as light as ``strength`` says (1: itself)."""
    channels = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 - (255 - c) * strength):02x}" for c in channels)


def _escape(text: str) -> str:
    """Text for a Graphviz attribute: a backslash stays a backslash, and nothing is read as HTML."""
    import graphviz

    return graphviz.nohtml(text.replace("\\", "\\\\"))
