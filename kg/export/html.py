"""One self-contained HTML page of the graph: Graphviz drawings inlined as SVG, no network access,
opens from file://.

The page starts small. The whole graph's page opens on an overview, the most connected methods,
models and datasets (:data:`OVERVIEW_PER_KIND` of each); a query's page on its answers (bold border)
and their one-hop context; an entity's page (``kg export html --entity NAME``) on that entity and
its neighbours. Every drawing is :func:`kg.export.view.draw`'s: each node labelled, no label under
another node.

Clicking a node shows its details (type, names, papers, and each statement about it with its
evidence sentences and papers) and expands it: the drawing becomes that node's neighbourhood, drawn
beforehand. The whole graph's page holds one such drawing for each of its :data:`EXPANDABLE` best
connected nodes (the search box reaches all of them; one past those shows its details); a query's or an entity's page one for each node of its first drawing and for each
node those drawings show, two clicks deep. Statements in the details panel link their other end the
same way. A node's drawing is the address's fragment (``graph.html#method/lora``): the browser's
back button goes back, and a link can point at one. Without JavaScript the first drawing still
shows; each drawing is a ``<template>`` the page's script puts in place.

``mentions`` and ``reports`` edges (a paper naming each of its entities) are not drawn: a node's
details list its papers.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("method/lora", kind="Method", label="LoRA", aliases=["Low-Rank Adaptation"], papers=[])
>>> page = render_html(g)
>>> "<script src=" in page, ">LoRA</text>" in page, 'data-view="method/lora"' in page
(False, True, True)
"""

from __future__ import annotations

import json
import re
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx

from ..errors import KgError
from ..files import atomic_write
from ..graph import paper_node
from . import (
    CONTEXT_PREDICATES,
    PREDICATE_COLOURS,
    STYLE,
    Selection,
    context_graph,
    match_nodes,
    merged_edges,
    neighbourhood,
    paper_title,
)
from .view import draw, draw_many, keep

OVERVIEW_KINDS = ("Method", "Model", "Dataset")
OVERVIEW_PER_KIND = 12
START_NODES = 60  # at most, in the drawing a page opens on
VIEW_NODES = 40  # at most, in a node's neighbourhood
EXPANDABLE = 2000  # nodes of the whole graph's page with a drawing of their own (the rest: details)
_LISTED = {"kind", "label", "aliases", "papers", "title", "abstract"}  # shown in their own places


def select_entity(graph: nx.MultiDiGraph, name: str) -> Selection:
    """An entity (by its label or any alias, as :func:`kg.export.match_nodes` reads names) and its
    one-hop context; an error naming ``name`` if no node has it."""
    named = match_nodes(graph, [[name]])
    found = {node for node in named if graph.nodes[node].get("kind") != "Author"}
    if named and not found:
        raise KgError(f"{name!r} names an author: pages draw no authors (a paper's details list them)")
    if not found:
        raise KgError(f"no entity named {name!r} in the graph")
    labels = sorted(str(graph.nodes[node].get("label") or node) for node in found)
    return Selection(
        graph.subgraph(neighbourhood(graph, found)).copy(), found, f"{' / '.join(labels)} and its neighbours", graph
    )


def write_html(selection: Selection, out: str | Path) -> dict:
    """Write the page of a selection to ``out`` (atomically); returns how many nodes and statements
    it holds, how many nodes its first drawing shows and how many drawings it holds."""
    page = Page(selection.graph, selection.seeds, selection.full)
    text = render_html(selection.graph, seeds=selection.seeds, title=selection.title, full=selection.full, page=page)
    with atomic_write(out) as stream:
        stream.write(text)
    return {
        "nodes": len(page.data["nodes"]),
        "edges": len(page.data["edges"]),
        "shown": page.start_nodes,
        "views": len(page.views),
    }


class Page:
    """What a page shows: its first drawing, one drawing per node it can expand, and the data of its
    details panel (:func:`page_data`)."""

    def __init__(self, graph: nx.MultiDiGraph, seeds: AbstractSet[str], full: nx.MultiDiGraph):
        context = context_graph(full)
        if seeds:
            start = context.subgraph(node for node in graph if node in context)
            focus: AbstractSet[str] = frozenset(seeds)
            self.caption = "The answers (bold border) and what they are one statement away from."
        else:
            start = context.subgraph(overview(context))
            focus = frozenset()
            self.caption = (
                f"The {OVERVIEW_PER_KIND} most connected methods, models and datasets of "
                f"{context.number_of_nodes()} nodes; search for any other."
            )
        shown = keep(start, focus, START_NODES)
        self.start_nodes = len(shown)
        if not shown:
            self.caption = "Nothing to draw: pages draw no authors. Search for a name."
        self.start = draw(start, focus, href=link, max_nodes=START_NODES)
        if seeds:
            first = set(shown)
        else:  # a drawing per node weighs ~6 KB: past a few thousand nodes, the best connected only
            ranked = sorted(context, key=lambda node: (-context.degree(node), node))
            first = set(shown) | set(ranked[:EXPANDABLE])
        neighbours = {node: around(context, node) for node in first}
        drawn = {node: keep(sub, {node}, VIEW_NODES) for node, sub in neighbours.items()}
        if seeds:  # two clicks deep: the nodes drawn first, and those their drawings show
            expandable = set(shown).union(*drawn.values())
            neighbours |= {node: around(context, node) for node in expandable - set(neighbours)}
            drawn |= {node: keep(neighbours[node], {node}, VIEW_NODES) for node in expandable - set(drawn)}
        else:
            expandable = first
        order = sorted(expandable)
        views = draw_many([(neighbours[node], {node}) for node in order], href=link, max_nodes=VIEW_NODES)
        self.views = dict(zip(order, views, strict=True))
        self.data = page_data(full, seeds, full, nodes=set(shown).union(*(drawn[node] for node in order)))
        for entry in self.data["nodes"]:
            entry["view"] = entry["id"] in self.views


def render_html(
    graph: nx.MultiDiGraph,
    *,
    seeds: AbstractSet[str] = frozenset(),
    title: str = "Knowledge graph",
    full: nx.MultiDiGraph | None = None,
    page: Page | None = None,
) -> str:
    """The page's HTML text."""
    full = graph if full is None else full
    page = page or Page(graph, seeds, full)
    payload = json.dumps(page.data, ensure_ascii=False, separators=(",", ":"))
    templates = "\n".join(
        f'<template data-view="{_escape(node, quote=True)}">{svg}</template>'
        for node, svg in sorted(page.views.items())
    )
    parts = {
        "TITLE": _escape(title),
        "CAPTION": _escape(page.caption),
        "START": page.start,
        "VIEWS": templates,
        # "</script" or "<!--" in a name would end or confuse the <script> element; JSON reads \u003c as "<".
        "DATA": payload.replace("<", "\\u003c"),
        "APP_JS": _APP,
    }
    # One pass, so that a title containing "%DATA%" stays text.
    return re.sub(r"%(TITLE|CAPTION|START|VIEWS|DATA|APP_JS)%", lambda match: parts[match.group(1)], _TEMPLATE)


def link(node: str) -> str:
    """A node's address on the page: its drawing and details (``#method/lora``)."""
    return "#" + quote(node, safe="/")


def around(context: nx.MultiDiGraph, node: str) -> nx.MultiDiGraph:
    """A node and its one-hop context (as :func:`kg.export.neighbourhood` finds it): what expanding
    it draws."""
    nodes = {node}
    for u, v, data in [*context.out_edges(node, data=True), *context.in_edges(node, data=True)]:
        if data.get("predicate") in CONTEXT_PREDICATES:
            nodes.update((u, v))
    return context.subgraph(nodes)


def overview(graph: nx.MultiDiGraph, per_kind: int = OVERVIEW_PER_KIND) -> set[str]:
    """The ``per_kind`` most connected (most distinct neighbours) methods, models and datasets.

    >>> g = nx.MultiDiGraph()
    >>> for i in range(3):
    ...     g.add_node(f"model/m{i}", kind="Model", label=f"M{i}")
    >>> _ = g.add_edge("model/m1", "model/m2", predicate="variant_of")
    >>> sorted(overview(g, per_kind=2))
    ['model/m1', 'model/m2']
    """
    degree = {node: len(set(graph.successors(node)) | set(graph.predecessors(node))) for node in graph}
    chosen: set[str] = set()
    for kind in OVERVIEW_KINDS:
        nodes = [node for node, data in graph.nodes(data=True) if data.get("kind") == kind]
        chosen.update(sorted(nodes, key=lambda node: (-degree[node], node))[:per_kind])
    return chosen


def page_data(
    graph: nx.MultiDiGraph,
    seeds: AbstractSet[str],
    full: nx.MultiDiGraph,
    nodes: AbstractSet[str] | None = None,
) -> dict:
    """The details panel's data: ``nodes`` (default: all; never authors, which a paper's details
    list) with their names, papers, years and other facts; the statements among them (``mentions``
    and ``reports`` left out); paper titles; entries of the type, relation and year filters."""
    context = context_graph(graph)
    chosen = set(context) if nodes is None else {node for node in nodes if node in context}
    sub = context.subgraph(chosen)
    papers: dict[str, str] = {}
    entries: list[dict[str, Any]] = []
    for node, data in sorted(sub.nodes(data=True)):
        kind = data.get("kind", "")
        own = [data["paper_id"]] if kind == "Paper" and data.get("paper_id") else list(data.get("papers") or [])
        for paper in own:
            papers[paper] = paper_title(full, paper)
        years = sorted({y for y in (full.nodes.get(paper_node(p), {}).get("year") for p in own) if isinstance(y, int)})
        entries.append(
            {
                "id": node,
                "name": data.get("label") or node,
                "kind": kind,
                "seed": node in seeds,
                "aliases": list(data.get("aliases") or []),
                "papers": own,
                "years": years,  # of its papers: what the year filter keeps or hides it by
                "abstract": data.get("abstract") or "",
                "facts": [
                    [k, _text(v)] for k, v in sorted(data.items()) if k not in _LISTED and v not in (None, "", [])
                ],
            }
        )
    edges: list[dict[str, Any]] = []
    for (u, v, predicate), statements in sorted(merged_edges(sub, full).items()):
        for statement in statements:
            if statement["paper"]:
                papers[statement["paper"]] = statement["title"]
        edges.append(
            {
                "from": u,
                "to": v,
                "predicate": predicate,
                "statements": [
                    {k: s[k] for k in ("paper", "evidence", "confidence")}
                    for s in sorted(statements, key=lambda s: (s["paper"], s["evidence"]))
                ],
            }
        )
    kinds: list[str] = sorted({entry["kind"] for entry in entries})
    predicates: list[str] = sorted({edge["predicate"] for edge in edges})
    return {
        "nodes": entries,
        "years": sorted({y for entry in entries for y in entry["years"]}),
        "edges": edges,
        "papers": dict(sorted(papers.items())),
        "kinds": [
            {
                "kind": k,
                "shape": STYLE.get(k, ("", "ellipse"))[1],  # Graphviz's
                "color": STYLE.get(k, ("", "", "#777777"))[2],
                "count": sum(entry["kind"] == k for entry in entries),
            }
            for k in kinds
        ],
        "predicates": [
            {
                "predicate": p,
                "color": PREDICATE_COLOURS.get(p, "#999999"),
                "count": sum(edge["predicate"] == p for edge in edges),
            }
            for p in predicates
        ],
    }


def _text(value) -> str:
    return "; ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def _escape(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>%TITLE%</title>
<style>
  html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, sans-serif; color: #222; }
  body { display: grid; grid-template-columns: 230px 1fr 360px; grid-template-rows: auto 1fr; height: 100vh; }
  header { grid-column: 1 / 4; padding: 6px 12px; border-bottom: 1px solid #ddd; display: flex; gap: 12px; align-items: center; }
  header h1 { font-size: 16px; margin: 0; flex: 1; }
  #search { width: 260px; padding: 4px 6px; }
  #search-status { color: #555; min-width: 90px; }
  aside { overflow: auto; padding: 8px 12px; border-right: 1px solid #ddd; }
  #details { border-left: 1px solid #ddd; border-right: 0; }
  main { overflow: auto; min-height: 0; padding: 4px 8px; }
  #view-caption { margin: 4px 0; color: #555; }
  #view svg { display: block; margin: 0 auto; }
  .kg-node { cursor: pointer; }
  .kg-node:hover polygon, .kg-node:hover ellipse, .kg-node:hover path { stroke-width: 2.5; }
  .kg-selected polygon, .kg-selected ellipse, .kg-selected path { stroke: #000; stroke-width: 3; }
  .kg-edge { cursor: pointer; }
  .kg-edge:hover path { stroke-width: 3; }
  .kg-hidden { display: none; }
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
  <a id="start" href="#">First drawing</a>
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
<main id="graph">
<p id="view-caption">%CAPTION%</p>
<div id="view">%START%</div>
</main>
<aside id="details"><p class="muted">Click a node to see its details and its neighbourhood, or an edge to see its statements.</p></aside>
%VIEWS%
<script type="application/json" id="kg-data">%DATA%</script>
<script>%APP_JS%</script>
</body>
</html>
"""

_APP = r"""
"use strict";
const DATA = JSON.parse(document.getElementById("kg-data").textContent);
const NODES = new Map(DATA.nodes.map(n => [n.id, n]));
const VIEWS = new Map([...document.querySelectorAll("template[data-view]")].map(t => [t.dataset.view, t]));
const EDGES = new Map(DATA.edges.map(e => [`${e.from}\t${e.to}\t${e.predicate}`, e]));
const KIND_COLOURS = new Map(DATA.kinds.map(k => [k.kind, k.color]));
const view = document.getElementById("view"), caption = document.getElementById("view-caption");
const details = document.getElementById("details");
const start = {svg: view.firstElementChild, caption: caption.textContent, details: details.innerHTML};
let current;  // the node whose neighbourhood is drawn; null: the first drawing

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  Object.assign(node, attrs || {});
  return node;
}
const href = id => "#" + encodeURIComponent(id).replace(/%2F/g, "/");
function nodeLink(id) {
  const n = NODES.get(id);
  return el("a", n ? n.name : id, {href: href(id)});
}

// Filters: a node stays while its type is shown and one of its papers is in the chosen years
// (with no years chosen, every node stays); an edge while one of its relations is shown and both its ends are.
const shownKinds = new Set(DATA.kinds.map(k => k.kind));
const shownPredicates = new Set(DATA.predicates.map(p => p.predicate));
const years = {from: null, to: null};
const inYears = n => !n || (years.from === null && years.to === null) ||
  n.years.some(y => (years.from === null || y >= years.from) && (years.to === null || y <= years.to));
function applyFilters() {
  const hidden = new Set();
  view.querySelectorAll(".kg-node").forEach(g => {
    const off = !shownKinds.has(g.dataset.kind) || !inYears(NODES.get(g.dataset.id));
    g.classList.toggle("kg-hidden", off);
    if (off) hidden.add(g.dataset.id);
  });
  view.querySelectorAll(".kg-edge").forEach(g => {
    const off = hidden.has(g.dataset.from) || hidden.has(g.dataset.to) ||
      !g.dataset.predicate.split(" ").some(p => shownPredicates.has(p));
    g.classList.toggle("kg-hidden", off);
  });
}
// A swatch of each type's Graphviz shape and colour.
const CLIPS = {
  diamond: "polygon(50% 0, 100% 50%, 50% 100%, 0 50%)",
  hexagon: "polygon(25% 0, 75% 0, 100% 50%, 75% 100%, 25% 100%, 0 50%)",
  octagon: "polygon(30% 0, 70% 0, 100% 30%, 100% 70%, 70% 100%, 30% 100%, 0 70%, 0 30%)",
  note: "polygon(0 0, 65% 0, 100% 35%, 100% 100%, 0 100%)",
};
const ROUNDING = {ellipse: "50%", egg: "50%", cylinder: "50% / 30%", plaintext: "3px"};
function marker(shape, color) {
  const m = el("span", null, {className: "marker"});
  m.style.background = color;
  if (CLIPS[shape]) m.style.clipPath = CLIPS[shape];
  if (ROUNDING[shape]) m.style.borderRadius = ROUNDING[shape];
  return m;
}
function filterRow(container, name, swatch, count, set) {
  const box = el("input", null, {type: "checkbox", checked: true, value: name});
  box.dataset.filter = name;
  box.addEventListener("change", () => { box.checked ? set.add(name) : set.delete(name); applyFilters(); });
  const row = el("label");
  row.append(box, swatch, el("span", name), el("span", String(count), {className: "count"}));
  container.append(row);
}
DATA.kinds.forEach(k => filterRow(document.getElementById("kind-filters"), k.kind, marker(k.shape, k.color), k.count, shownKinds));
DATA.predicates.forEach(p => {
  const line = el("span", null, {className: "line"});
  line.style.background = p.color;
  filterRow(document.getElementById("predicate-filters"), p.predicate, line, p.count, shownPredicates);
});
["from", "to"].forEach(end => {
  const select = document.getElementById(`year-${end}`);
  DATA.years.forEach(y => select.append(el("option", String(y), {value: String(y)})));
  select.addEventListener("change", () => { years[end] = select.value ? Number(select.value) : null; applyFilters(); });
});
if (!DATA.years.length) document.getElementById("year-filter").replaceChildren(el("span", "no paper has a year", {className: "muted"}));
document.getElementById("sizes").textContent =
  `${DATA.nodes.length} nodes, ${DATA.edges.length} statements; ${VIEWS.size} of the nodes can be expanded. Bold border: what the drawing is about.`;

// The drawing: the first one, or a node's neighbourhood.
function showView(id) {
  if (id === current) return;
  current = id;
  if (id === null) {
    view.replaceChildren(start.svg);
    caption.textContent = start.caption;
  } else {
    view.replaceChildren(VIEWS.get(id).content.cloneNode(true));
    const left = Number(view.querySelector("svg").dataset.leftOut || 0);
    caption.textContent = `${NODES.get(id).name} and what it is one statement away from` +
      (left ? ` (${left} more not drawn: the best connected are)` : "") + ". Click a node to expand it.";
  }
  fit();
  applyFilters();
}
// A drawing wider than its room is shrunk to fit, down to 70% (smaller labels would be hard to read).
function fit() {
  const svg = view.querySelector("svg");
  if (!svg) return;
  if (!svg.dataset.width) Object.assign(svg.dataset, {width: svg.width.baseVal.value, height: svg.height.baseVal.value});
  const scale = Math.min(1, Math.max(0.7, (view.clientWidth - 4) / Number(svg.dataset.width)));
  svg.setAttribute("width", Number(svg.dataset.width) * scale);
  svg.setAttribute("height", Number(svg.dataset.height) * scale);
}
window.addEventListener("resize", fit);
function select(id) {
  view.querySelectorAll(".kg-selected").forEach(g => g.classList.remove("kg-selected"));
  if (id !== null) view.querySelectorAll(`.kg-node[data-id="${CSS.escape(id)}"]`).forEach(g => g.classList.add("kg-selected"));
}

// The details panel.
function section(title, items, id) {
  details.append(el("h2", title));
  const list = el("ul");
  if (id) list.id = id;
  items.forEach(item => list.append(item instanceof Node ? item : el("li", item)));
  if (!items.length) list.append(el("li", "none", {className: "muted"}));
  details.append(list);
}
function kindBadge(kind) {
  const badge = el("span", kind, {className: "kind"});
  badge.style.background = KIND_COLOURS.get(kind) || "#777";
  return badge;
}
function statementItems(statements) {
  return statements.map(s => {
    const item = el("li");
    item.append(el("span", DATA.papers[s.paper] || s.paper || "the vocabulary's hierarchy (no paper)"));
    if (s.evidence) item.append(el("blockquote", s.evidence));
    item.append(el("div", `confidence ${Number(s.confidence).toFixed(2)}`, {className: "muted"}));
    return item;
  });
}
function showNode(id) {
  const n = NODES.get(id);
  if (!n) return false;
  details.replaceChildren(el("h2", n.name, {id: "detail-name"}));
  const kind = el("p", null, {id: "detail-kind"});
  kind.append(kindBadge(n.kind), el("span", " " + n.id, {className: "muted"}));
  details.append(kind);
  if (!VIEWS.has(id)) details.append(el("p", "Its neighbourhood is not drawn on this page (kg export html --entity draws it).", {className: "muted"}));
  section("Aliases", n.aliases);
  section("Papers", n.papers.map(p => el("li", DATA.papers[p] || p)), "detail-papers");
  if (n.facts.length) section("Facts", n.facts.map(([k, v]) => `${k}: ${v}`));
  if (n.abstract) details.append(el("h2", "Abstract"), el("p", n.abstract));
  const statements = DATA.edges.filter(e => e.from === id || e.to === id).map(e => {
    const item = el("li");
    const other = e.from === id ? e.to : e.from;
    item.append(el("span", `${e.from === id ? "→" : "←"} ${e.predicate.replace(/_/g, " ")} `), nodeLink(other));
    const list = el("ul");
    statementItems(e.statements).forEach(s => list.append(s));
    item.append(list);
    return item;
  });
  section("Statements", statements, "detail-statements");
  return true;
}
function showEdge(from, to, predicates) {
  details.replaceChildren(el("h2", `${NODES.get(from).name} — ${predicates.join(", ").replace(/_/g, " ")} → ${NODES.get(to).name}`, {id: "detail-name"}));
  predicates.forEach(p => {
    const e = EDGES.get(`${from}\t${to}\t${p}`);
    if (e) section(p.replace(/_/g, " "), statementItems(e.statements));
  });
}

// The address's fragment names the node shown: links, the back button and the search box go through it.
let routed = null;  // the fragment last shown
function route(force) {
  if (!force && location.hash === routed) return;
  routed = location.hash;
  let id = null;
  try { id = decodeURIComponent(location.hash.slice(1)) || null; } catch (error) { id = null; }
  if (id !== null && !NODES.has(id)) id = null;
  if (id === null) {
    showView(null);
    details.innerHTML = start.details;
  } else {
    if (VIEWS.has(id)) showView(id);
    showNode(id);
  }
  select(id);
}
window.addEventListener("hashchange", () => route(false));
// The page's own links (the first drawing, a statement's other end) are followed at once, too.
document.addEventListener("click", event => {
  const a = event.target.closest("a[href^='#']");
  if (!a || view.contains(a) || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  location.hash = a.getAttribute("href");
  route(true);
});
view.addEventListener("click", event => {
  const node = event.target.closest(".kg-node"), edge = event.target.closest(".kg-edge");
  if (node) {
    event.preventDefault();
    location.hash = href(node.dataset.id);
    route(true);  // at once, not when the hashchange event comes (which then finds it shown)
  } else if (edge) {
    event.preventDefault();
    select(null);
    showEdge(edge.dataset.from, edge.dataset.to, edge.dataset.predicate.split(" "));
  }
});

const key = s => s.toLowerCase().replace(/[\s._-]/g, "");
const names = document.getElementById("names");
DATA.nodes.forEach(n => names.append(el("option", null, {value: n.name})));
function search(text) {
  const q = key(text);
  const status = document.getElementById("search-status");
  if (!q) { status.textContent = ""; return []; }
  let hits = DATA.nodes.filter(n => key(n.name) === q || n.aliases.some(a => key(a) === q));
  if (!hits.length) hits = DATA.nodes.filter(n => key(n.name).includes(q) || n.aliases.some(a => key(a).includes(q)));
  hits.sort((a, b) => (VIEWS.has(b.id) - VIEWS.has(a.id)) || a.name.localeCompare(b.name));
  status.textContent = hits.length ? `${hits.length} found` : "not found";
  if (!hits.length) return [];
  location.hash = href(hits[0].id);
  route(true);  // at once, not when the hashchange event comes (which then finds it shown)
  if (hits.length > 1) section("Other matches", hits.slice(1, 30).map(n => { const li = el("li"); li.append(nodeLink(n.id)); return li; }));
  return hits.map(n => n.id);
}
// Enter searches (again, too); picking a name from the list fires only "change".
let searched = null;
const searchBox = document.getElementById("search");
searchBox.addEventListener("keydown", event => { if (event.key === "Enter") { searched = searchBox.value; search(searched); } });
searchBox.addEventListener("change", () => { if (searchBox.value !== searched) { searched = searchBox.value; search(searched); } });

route(true);
window.kg = {data: DATA, nodes: NODES, views: VIEWS, route, search, showNode, showEdge, applyFilters, current: () => current};
document.body.dataset.ready = "true";
"""
