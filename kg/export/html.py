"""One self-contained HTML page of the graph: vis-network inlined, no network access, opens from file://.

vis-network comes from the ``pyvis`` package, which ships a build of it (``pyvis/templates/lib``).
pyvis's own page template fetches Bootstrap from a CDN even with ``cdn_resources="in_line"``, so the
page here is our own small template around the vis-network script and stylesheet read from pyvis.

The layout is computed here (Graphviz sfdp, seeded, so equal graphs give equal pages) and
the browser's physics stays off: the page is drawn at once even with a few thousand nodes. Parallel
statements of one fact (same ends and predicate, several papers) are drawn as one edge whose width
grows with the number of papers; clicking it lists each paper's evidence. ``mentions`` and
``reports`` edges (a paper naming each of its entities) start hidden; their checkboxes show them.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("method/lora", kind="Method", label="LoRA", aliases=["Low-Rank Adaptation"], papers=[])
>>> page = render_html(g)
>>> "<script src=" in page, "LoRA" in page
(False, True)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Set as AbstractSet
from importlib.resources import files
from pathlib import Path
from typing import Any

import networkx as nx

from ..errors import KgError
from ..files import atomic_write
from ..graph import paper_node
from ..store import shorten
from . import STYLE, Selection, merged_edges, paper_title

VIS = files("pyvis") / "templates" / "lib" / "vis-9.1.2"
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
}
# Shown at first; the rest can be switched on (a paper mentions every name in it: thousands of edges).
HIDDEN_PREDICATES = ("mentions", "reports")
_LISTED = {"kind", "label", "aliases", "papers", "title", "abstract"}  # shown in their own places


def write_html(selection: Selection, out: str | Path) -> dict:
    """Write the page of a selection to ``out`` (atomically); returns its node and edge counts."""
    page = render_html(selection.graph, seeds=selection.seeds, title=selection.title, full=selection.full)
    with atomic_write(out) as stream:
        stream.write(page)
    return {"nodes": selection.graph.number_of_nodes(), "edges": len(merged_edges(selection.graph))}


def render_html(
    graph: nx.MultiDiGraph,
    *,
    seeds: AbstractSet[str] = frozenset(),
    title: str = "Knowledge graph",
    full: nx.MultiDiGraph | None = None,
) -> str:
    """The page's HTML text."""
    full = graph if full is None else full
    data = page_data(graph, seeds, full)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    parts = {
        "TITLE": _escape(title),
        "VIS_CSS": (VIS / "vis-network.css").read_text(encoding="utf-8"),
        "VIS_JS": (VIS / "vis-network.min.js").read_text(encoding="utf-8"),
        # "</script" or "<!--" in a name would end or confuse the <script> element; JSON reads \u003c as "<".
        "DATA": payload.replace("<", "\\u003c"),
        "APP_JS": _APP,
    }
    # One pass, so that a title containing "%DATA%" stays text.
    return re.sub(r"%(TITLE|VIS_CSS|VIS_JS|DATA|APP_JS)%", lambda match: parts[match.group(1)], _TEMPLATE)


def page_data(graph: nx.MultiDiGraph, seeds: AbstractSet[str], full: nx.MultiDiGraph) -> dict:
    """Nodes (with layout position, style and details), merged edges, paper titles, legend entries.

    Authors are not drawn (a paper's details list them): they would outnumber everything else."""
    graph = graph.subgraph([n for n, data in graph.nodes(data=True) if data.get("kind") != "Author"])
    edges = merged_edges(graph, full)
    degree = dict.fromkeys(graph, 0)
    for u, v, _ in edges:
        degree[u] += 1
        degree[v] += 1
    positions = layout(graph, edges)
    papers = {}
    nodes: list[dict[str, Any]] = []
    for node, data in sorted(graph.nodes(data=True)):
        kind = data.get("kind", "")
        shape, _, colour = STYLE.get(kind, ("dot", "ellipse", "#777777"))
        own = [data["paper_id"]] if kind == "Paper" else list(data.get("papers") or [])
        for paper in own:
            papers[paper] = paper_title(full, paper)
        years = sorted({y for y in (full.nodes.get(paper_node(p), {}).get("year") for p in own) if isinstance(y, int)})
        x, y = positions[node]
        name = data.get("label") or node
        nodes.append(
            {
                "id": node,
                "name": name,
                "label": shorten(name, 40 if kind == "Paper" else 60),  # the details panel shows it whole
                "kind": kind,
                "shape": shape,
                "color": colour,
                "value": degree[node] + 1,
                "x": x,
                "y": y,
                "seed": node in seeds,
                "aliases": list(data.get("aliases") or []),
                "papers": own,
                "years": years,  # of its papers: what the year filter keeps or hides it by
                "abstract": data.get("abstract") or "",
                "facts": [
                    [k, _text(v)] for k, v in sorted(data.items()) if k not in _LISTED and v not in (None, "", [])
                ],
                **({"borderWidth": 4, "color": {"background": colour, "border": "#000000"}} if node in seeds else {}),
            }
        )
    links: list[dict[str, Any]] = []
    pairs: dict[frozenset, int] = {}  # edges already drawn between two nodes, either way
    for i, ((u, v, predicate), statements) in enumerate(sorted(edges.items())):
        nth = pairs[frozenset((u, v))] = pairs.get(frozenset((u, v)), -1) + 1
        links.append(
            {
                "id": f"e{i}",
                "from": u,
                "to": v,
                "predicate": predicate,
                "statements": statements,
                "width": 1 + math.log2(len(statements)),
                "color": PREDICATE_COLOURS.get(predicate, "#999999"),
                # A second or third relation between the same two nodes bends away, so each can be clicked.
                **({"smooth": {"enabled": True, "type": "curvedCW", "roundness": 0.25 * nth}} if nth else {}),
            }
        )
    kinds = sorted({n["kind"] for n in nodes})
    predicates = sorted({e["predicate"] for e in links})
    return {
        "nodes": nodes,
        "years": sorted({y for n in nodes for y in n["years"]}),
        "edges": links,
        "papers": papers,
        "kinds": [
            {
                "kind": k,
                "shape": STYLE.get(k, ("dot",))[0],
                "color": STYLE.get(k, ("", "", "#777777"))[2],
                "count": sum(n["kind"] == k for n in nodes),
            }
            for k in kinds
        ],
        "predicates": [
            {
                "predicate": p,
                "color": PREDICATE_COLOURS.get(p, "#999999"),
                "hidden": p in HIDDEN_PREDICATES,
                "count": sum(e["predicate"] == p for e in links),
            }
            for p in predicates
        ],
    }


def layout(graph: nx.MultiDiGraph, edges) -> dict[str, tuple[float, float]]:
    """Node positions in screen pixels, by Graphviz's sfdp (a force layout in C: about two seconds
    for 3,000 nodes where networkx's spring layout takes twenty), spread by the number of nodes."""
    import graphviz

    nodes = list(graph)
    if not nodes:
        return {}
    index = {node: f"n{i}" for i, node in enumerate(nodes)}  # plain names: nothing to quote or parse
    dot = graphviz.Graph(
        engine="sfdp", graph_attr={"overlap": "true", "splines": "false", "start": "7"}, node_attr={"shape": "point"}
    )
    for node in nodes:
        dot.node(index[node])
    for u, v in sorted({tuple(sorted((u, v))) for u, v, _ in edges if u != v}):  # sorted: equal input, equal layout
        dot.edge(index[u], index[v])
    try:
        plain = dot.pipe(format="plain").decode()
    except graphviz.ExecutableNotFound:
        raise KgError("Graphviz's sfdp program is not installed (apt-get install graphviz)") from None
    found = {
        int(f[1][1:]): (float(f[2]), -float(f[3]))  # Graphviz's y grows upwards, the page's downwards
        for f in (line.split() for line in plain.splitlines())
        if f[0] == "node"
    }
    xs, ys = [x for x, _ in found.values()], [y for _, y in found.values()]
    size = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    scale = 90 * math.sqrt(len(nodes)) / size
    return {
        node: (round((found[i][0] - min(xs)) * scale, 1), round((found[i][1] - min(ys)) * scale, 1))
        for i, node in enumerate(nodes)
    }


def _text(value) -> str:
    return "; ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>%TITLE%</title>
<style>%VIS_CSS%</style>
<style>
  html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, sans-serif; color: #222; }
  body { display: grid; grid-template-columns: 250px 1fr 340px; grid-template-rows: auto 1fr; height: 100vh; }
  header { grid-column: 1 / 4; padding: 6px 12px; border-bottom: 1px solid #ddd; display: flex; gap: 12px; align-items: center; }
  header h1 { font-size: 16px; margin: 0; flex: 1; }
  #search { width: 260px; padding: 4px 6px; }
  #search-status { color: #555; min-width: 120px; }
  aside { overflow: auto; padding: 8px 12px; border-right: 1px solid #ddd; }
  #details { border-left: 1px solid #ddd; border-right: 0; }
  #graph { min-height: 0; }
  h2 { font-size: 14px; margin: 12px 0 4px; }
  label { display: flex; gap: 6px; align-items: center; cursor: pointer; }
  .marker { width: 12px; height: 12px; display: inline-block; }
  .line { width: 18px; height: 3px; display: inline-block; }
  .count { color: #777; margin-left: auto; }
  .kind { color: #fff; padding: 1px 6px; border-radius: 3px; font-size: 12px; }
  blockquote { margin: 4px 0 8px; padding-left: 8px; border-left: 3px solid #ccc; }
  ul { padding-left: 18px; margin: 4px 0; }
  .muted { color: #777; }
</style>
</head>
<body>
<header>
  <h1 id="title">%TITLE%</h1>
  <input id="search" type="search" list="names" placeholder="Search a name or alias (Enter)" aria-label="Search">
  <datalist id="names"></datalist>
  <span id="search-status"></span>
</header>
<aside id="filters">
  <h2>Entity types</h2><div id="kind-filters"></div>
  <h2>Relations</h2><div id="predicate-filters"></div>
  <h2>Years</h2>
  <div id="year-filter"><select id="year-from" aria-label="From year"><option value="">any</option></select>
    to <select id="year-to" aria-label="To year"><option value="">any</option></select></div>
  <p class="muted" id="sizes"></p>
</aside>
<div id="graph"></div>
<aside id="details"><p class="muted">Click a node or an edge to see its details.</p></aside>
<script>%VIS_JS%</script>
<script type="application/json" id="kg-data">%DATA%</script>
<script>%APP_JS%</script>
</body>
</html>
"""

_APP = r"""
"use strict";
const DATA = JSON.parse(document.getElementById("kg-data").textContent);
const nodes = new vis.DataSet(DATA.nodes);
const edges = new vis.DataSet(DATA.edges);
const shownKinds = new Set(DATA.kinds.map(k => k.kind));
const shownPredicates = new Set(DATA.predicates.filter(p => !p.hidden).map(p => p.predicate));
// A node stays while one of its papers is in the chosen years; with no years chosen, every node stays.
const years = {from: null, to: null};
const inYears = n => (years.from === null && years.to === null) ||
  n.years.some(y => (years.from === null || y >= years.from) && (years.to === null || y <= years.to));
const nodeView = new vis.DataView(nodes, {filter: n => shownKinds.has(n.kind) && inYears(n)});
const edgeView = new vis.DataView(edges, {filter: e => shownPredicates.has(e.predicate)});
const big = DATA.nodes.length > 1500;
const network = new vis.Network(document.getElementById("graph"), {nodes: nodeView, edges: edgeView}, {
  physics: false,
  layout: {improvedLayout: false},
  nodes: {scaling: {min: 8, max: 44, label: {enabled: true, min: 11, max: 26, drawThreshold: 7}}, font: {size: 12}},
  edges: {smooth: false, arrows: {to: {enabled: true, scaleFactor: 0.4}}},
  interaction: {hover: true, hideEdgesOnDrag: big, hideEdgesOnZoom: big, tooltipDelay: 150},
});
network.once("afterDrawing", () => {
  window.kgDrawnMs = performance.now();
  document.body.dataset.ready = "true";
});

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  Object.assign(node, attrs || {});
  return node;
}
function marker(shape, color) {
  const m = el("span", null, {className: "marker"});
  m.style.background = color;
  m.style.borderRadius = shape === "dot" ? "50%" : "0";
  if (shape === "diamond") m.style.transform = "rotate(45deg) scale(0.8)";
  if (shape.startsWith("triangle")) m.style.clipPath = shape === "triangle" ? "polygon(50% 0, 100% 100%, 0 100%)" : "polygon(0 0, 100% 0, 50% 100%)";
  if (shape === "hexagon") m.style.clipPath = "polygon(25% 0, 75% 0, 100% 50%, 75% 100%, 25% 100%, 0 50%)";
  if (shape === "star") m.style.clipPath = "polygon(50% 0, 61% 35%, 98% 35%, 68% 57%, 79% 91%, 50% 70%, 21% 91%, 32% 57%, 2% 35%, 39% 35%)";
  return m;
}
function filterRow(container, name, swatch, count, checked, set, view) {
  const box = el("input", null, {type: "checkbox", checked: checked, value: name});
  box.dataset.filter = name;
  box.addEventListener("change", () => { box.checked ? set.add(name) : set.delete(name); view.refresh(); });
  const row = el("label");
  row.append(box, swatch, el("span", name), el("span", String(count), {className: "count"}));
  container.append(row);
}
DATA.kinds.forEach(k => filterRow(document.getElementById("kind-filters"), k.kind, marker(k.shape, k.color), k.count, true, shownKinds, nodeView));
DATA.predicates.forEach(p => {
  const line = el("span", null, {className: "line"});
  line.style.background = p.color;
  filterRow(document.getElementById("predicate-filters"), p.predicate, line, p.count, !p.hidden, shownPredicates, edgeView);
});
["from", "to"].forEach(end => {
  const select = document.getElementById(`year-${end}`);
  DATA.years.forEach(y => select.append(el("option", String(y), {value: String(y)})));
  select.addEventListener("change", () => { years[end] = select.value ? Number(select.value) : null; nodeView.refresh(); });
});
if (!DATA.years.length) document.getElementById("year-filter").replaceChildren(el("span", "no paper has a year", {className: "muted"}));
document.getElementById("sizes").textContent =
  `${DATA.nodes.length} nodes, ${DATA.edges.length} edges. Size: number of connections. Bold border: answered by the query.`;

const details = document.getElementById("details");
function section(title, items) {
  details.append(el("h2", title));
  const list = el("ul");
  items.forEach(item => list.append(item instanceof Node ? item : el("li", item)));
  if (!items.length) list.append(el("li", "none", {className: "muted"}));
  details.append(list);
}
function kindBadge(kind) {
  const badge = el("span", kind, {className: "kind"});
  badge.style.background = (DATA.kinds.find(k => k.kind === kind) || {color: "#777"}).color;
  return badge;
}
function showNode(id) {
  const n = nodes.get(id);
  if (!n) return false;
  details.replaceChildren(el("h2", n.name, {id: "detail-name"}));
  const kind = el("p");
  kind.append(kindBadge(n.kind), el("span", " " + n.id, {className: "muted"}));
  kind.id = "detail-kind";
  details.append(kind);
  section("Aliases", n.aliases);
  section("Papers", n.papers.map(p => el("li", DATA.papers[p] || p)));
  details.lastChild.id = "detail-papers";
  if (n.facts.length) section("Facts", n.facts.map(([k, v]) => `${k}: ${v}`));
  if (n.abstract) { details.append(el("h2", "Abstract"), el("p", n.abstract)); }
  const links = network.getConnectedEdges(id).map(e => edges.get(e))
    .map(e => `${e.from === id ? "→" : "←"} ${e.predicate} ${nodes.get(e.from === id ? e.to : e.from).name}`);
  section("Shown relations", links);
  return true;
}
function showEdge(id) {
  const e = edges.get(id);
  if (!e) return false;
  details.replaceChildren(el("h2", `${nodes.get(e.from).name} — ${e.predicate} → ${nodes.get(e.to).name}`, {id: "detail-name"}));
  e.statements.forEach(s => {
    details.append(el("h2", s.title || (s.paper ? s.paper : "the method hierarchy (no paper)")));
    if (s.evidence) details.append(el("blockquote", s.evidence));
    details.append(el("p", `confidence ${Number(s.confidence).toFixed(2)}`, {className: "muted"}));
  });
  return true;
}
// Fade everything but the chosen nodes, their neighbours and the edges between them.
const FADED = "rgba(190,190,190,0.3)";
let faded = false;
function highlight(ids, withNeighbours) {
  const focus = new Set(ids), keep = new Set(ids);
  if (withNeighbours) ids.forEach(id => network.getConnectedNodes(id).forEach(n => keep.add(n)));
  nodes.update(DATA.nodes.map(n => keep.has(n.id) ? {id: n.id, color: n.color, font: {color: "#222"}}
                                                    : {id: n.id, color: FADED, font: {color: "rgba(120,120,120,0.4)"}}));
  edges.update(DATA.edges.map(e => (focus.has(e.from) || focus.has(e.to)) && keep.has(e.from) && keep.has(e.to)
                                   ? {id: e.id, color: e.color} : {id: e.id, color: FADED}));
  faded = true;
}
function clearHighlight() {
  if (!faded) return;
  nodes.update(DATA.nodes.map(n => ({id: n.id, color: n.color, font: {color: "#222"}})));
  edges.update(DATA.edges.map(e => ({id: e.id, color: e.color})));
  faded = false;
}
network.on("click", params => {
  if (params.nodes.length) { showNode(params.nodes[0]); highlight(params.nodes, true); }
  else if (params.edges.length) { const e = edges.get(params.edges[0]); showEdge(e.id); highlight([e.from, e.to], false); }
  else clearHighlight();
});

const key = s => s.toLowerCase().replace(/[\s._-]/g, "");
const names = document.getElementById("names");
DATA.nodes.forEach(n => names.append(el("option", null, {value: n.name})));
function search(text) {
  const q = key(text);
  const status = document.getElementById("search-status");
  if (!q) { status.textContent = ""; network.unselectAll(); clearHighlight(); return []; }
  let hits = DATA.nodes.filter(n => key(n.name) === q || n.aliases.some(a => key(a) === q));
  if (!hits.length) hits = DATA.nodes.filter(n => key(n.name).includes(q) || n.aliases.some(a => key(a).includes(q)));
  const ids = hits.map(n => n.id);
  hits.forEach(n => { if (!shownKinds.has(n.kind)) { shownKinds.add(n.kind); document.querySelector(`[data-filter="${n.kind}"]`).checked = true; } });
  nodeView.refresh();
  network.selectNodes(ids);
  ids.length ? highlight(ids, true) : clearHighlight();
  status.textContent = ids.length ? `${ids.length} found` : "not found";
  if (ids.length) {
    network.focus(ids[0], {scale: 1.0, animation: false});
    showNode(ids[0]);
  }
  return ids;
}
// Enter searches (again, too); picking a name from the list fires only "change".
let searched = null;
const searchBox = document.getElementById("search");
searchBox.addEventListener("keydown", event => { if (event.key === "Enter") { searched = searchBox.value; search(searched); } });
searchBox.addEventListener("change", () => { if (searchBox.value !== searched) { searched = searchBox.value; search(searched); } });
window.kg = {network, nodes, edges, nodeView, edgeView, search, showNode, showEdge, highlight, clearHighlight};
"""
