"""The graph view (kg.export.view.draw) and the pages built on it: deterministic SVG, every node
labelled, no node over another's label (measured in real Chromium), a node's click shows its details
and draws its neighbourhood."""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from test_export import PNG_MAGIC, kg, open_offline

from kg.cli import cli
from kg.export import context_graph, load_graph, neighbourhood
from kg.export.view import draw

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


@pytest.fixture(scope="module")
def graph(example_build):
    return load_graph(example_build)


@pytest.fixture(scope="module")
def pages(example_build, tmp_path_factory):
    """The three pages a person opens: a query's answer, an entity's neighbourhood, the whole graph."""
    folder = tmp_path_factory.mktemp("pages")
    made = {}
    for name, args in (
        ("answer", ["--query", "lora-variants-for-task", "-p", "task=segmentation"]),
        ("entity", ["--entity", "low-rank adaptation"]),  # an alias of LoRA
        ("whole", []),
    ):
        made[name] = folder / f"{name}.html"
        result = kg("export", "html", "--build", example_build, *args, "--out", made[name])
        assert result.exit_code == 0, result.output
    return made


def around(graph, node):
    context = context_graph(graph)
    return context.subgraph(neighbourhood(context, {node}))


def nodes_of(svg: str) -> dict[str, ET.Element]:
    return {g.get("data-id"): g for g in ET.fromstring(svg).iter(f"{SVG}g") if "kg-node" in g.get("class", "")}


def shape_box(group: ET.Element) -> tuple[float, float, float, float]:
    """A node's box from its drawn outline (polygon points, ellipse or path coordinates)."""
    xs, ys = [], []
    for element in group.iter():
        if element.tag == f"{SVG}ellipse":
            cx, cy, rx, ry = (float(element.get(k)) for k in ("cx", "cy", "rx", "ry"))
            xs += [cx - rx, cx + rx]
            ys += [cy - ry, cy + ry]
        elif element.tag in (f"{SVG}polygon", f"{SVG}polyline", f"{SVG}path"):
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", element.get("points") or element.get("d"))]
            xs += numbers[0::2]
            ys += numbers[1::2]
    return min(xs), max(xs), min(ys), max(ys)


def test_the_drawing_is_deterministic_whatever_the_insertion_order(graph):
    sub = around(graph, "method/lora")
    shuffled = nx.MultiDiGraph()
    shuffled.add_nodes_from(reversed(list(sub.nodes(data=True))))
    shuffled.add_edges_from(reversed(list(sub.edges(keys=True, data=True))))
    first = draw(sub, {"method/lora"}, href=lambda n: f"/graph?focus={n}")
    assert first == draw(shuffled, {"method/lora"}, href=lambda n: f"/graph?focus={n}")
    assert not first.startswith("<?xml") and first.startswith("<svg") and "<!--" not in first


def test_every_node_is_drawn_labelled_linked_and_marked(graph):
    sub = around(graph, "method/lora")
    svg = draw(sub, {"method/lora"}, href=lambda n: f"/graph?focus={n}")
    drawn = nodes_of(svg)
    assert set(drawn) == set(sub)
    for node, group in drawn.items():
        words = " ".join(t.text or "" for t in group.iter(f"{SVG}text"))
        name = sub.nodes[node]["label"]
        assert words.replace(" ", "").rstrip("…") in name.replace(" ", "")  # its label, maybe cut
        assert len(words) <= 42 and words.strip()
        link = group.find(f".//{SVG}a")
        assert link.get(f"{XLINK}href") == f"/graph?focus={node}"
        assert link.get(f"{XLINK}title").startswith(name)  # the whole name, when the label is cut
        assert group.get("data-kind") == sub.nodes[node]["kind"]
    assert "font-weight" in ET.tostring(drawn["method/lora"], encoding="unicode")  # the focus: bold
    # Parallel statements of one predicate are one edge; the predicates are the tooltip, no edge has a label.
    edges = [g for g in ET.fromstring(svg).iter(f"{SVG}g") if "kg-edge" in g.get("class", "")]
    pairs = {(g.get("data-from"), g.get("data-to")) for g in edges}
    assert len(pairs) == len(edges) == len({(u, v) for u, v in sub.edges()})
    salt = next(g for g in edges if (g.get("data-from"), g.get("data-to")) == ("method/salt", "method/lora"))
    assert "variant_of" in salt.get("data-predicate").split()
    assert "variant of" in salt.find(f".//{SVG}a").get(f"{XLINK}title")
    assert not any(list(edge.iter(f"{SVG}text")) for edge in edges)


def test_no_two_nodes_overlap_in_a_big_drawing(graph):
    """Past max_nodes the focus stays with the best connected; a caption says how many are left out."""
    sub = around(graph, "method/fine-tuning")
    assert sub.number_of_nodes() > 60
    svg = draw(sub, {"method/fine-tuning"}, max_nodes=30)
    drawn = nodes_of(svg)
    assert len(drawn) == 30 and "method/fine-tuning" in drawn
    left = sub.number_of_nodes() - 30
    assert ET.fromstring(svg).get("data-left-out") == str(left) and f"{left} more not drawn" in svg
    degree = {n: len(set(sub.successors(n)) | set(sub.predecessors(n))) for n in sub}
    assert min(degree[n] for n in drawn) >= max(degree[n] for n in sub if n not in drawn)
    boxes = [shape_box(group) for group in drawn.values()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2], (a, b)


def test_hostile_names_stay_text():
    g = nx.MultiDiGraph()
    name = '<b>x</b> \\N "quoted" & %DATA%'
    g.add_node("method/x", kind="Method", label=name)
    g.add_node("method/y", kind="Unknown kind", label="")
    svg = draw(g, set())
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert " ".join(texts[:2]) == name and texts[2] == "method/y"  # on two lines; no label: the id
    assert draw(nx.MultiDiGraph(), set()).startswith("<svg")  # nothing to draw: an empty drawing


def test_a_graphviz_crash_falls_back_to_curved_edges(graph, monkeypatch):
    """Graphviz 2.43's edge router aborts on some graphs: those are drawn again with curved edges."""
    import graphviz

    from kg.export import view

    pipe = graphviz.Digraph.pipe

    def crashing(dot, *args, **kwargs):
        if dot.graph_attr.get("splines") == "true":
            raise graphviz.CalledProcessError(-6, ["neato"], stderr=b"multispline.c:153: findMap: Assertion")
        return pipe(dot, *args, **kwargs)

    def crashing_batch(source):
        raise graphviz.CalledProcessError(-6, ["neato"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", crashing)
    monkeypatch.setattr(view, "pipe_source", crashing_batch)
    subs = [around(graph, "method/lora"), around(graph, "method/salt")]
    drawings = view.draw_many([(sub, {"method/lora"}) for sub in subs])
    assert [set(nodes_of(svg)) for svg in drawings] == [set(sub) for sub in subs]


def test_the_query_figure_is_readable_and_nothing_overlaps(example_build, tmp_path):
    png, svg = tmp_path / "bases.png", tmp_path / "bases.svg"
    for out in (png, svg):
        result = kg(
            "export", out.suffix[1:], "--build", example_build, "--query", "most-fine-tuned-base-models", "--out", out
        )
        assert result.exit_code == 0 and "more left out" in result.output, result.output
    data = png.read_bytes()
    assert data.startswith(PNG_MAGIC)
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width <= 2600 and height <= 2000  # was 4155 × 8948 px
    drawn = nodes_of(svg.read_text(encoding="utf-8"))
    assert len(drawn) == 60 and "model/llama-2" in drawn
    assert all("".join(t.text or "" for t in g.iter(f"{SVG}text")).strip() for g in drawn.values())
    boxes = [shape_box(group) for group in drawn.values()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2], (a, b)


def test_an_unknown_entity_fails_with_one_line(example_build, tmp_path):
    out = tmp_path / "x.html"
    for args, message in (
        (["--entity", "No Such Thing"], "no entity named 'No Such Thing'"),
        (["--entity", "LoRA", "--query", "leaderboard"], "not both"),
        (["--entity", "LoRA", "-p", "task=x"], "-p goes with --query"),
    ):
        result = CliRunner().invoke(cli, ["export", "html", "--build", str(example_build), *args, "--out", str(out)])
        lines = result.output.strip().splitlines()
        assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert not out.exists()


def test_the_first_drawing_is_in_the_page_itself(pages):
    """Without JavaScript the first drawing shows: it is markup in the page, not made by a script."""
    for path in pages.values():
        text = path.read_text(encoding="utf-8")
        first = re.search(r'<div id="view">(<svg .*?</svg>)</div>', text, re.DOTALL)
        assert first and nodes_of(first.group(1))
        assert not re.search(r"\b(src|href)\s*=\s*[\"']?(https?:|//)", text)  # nothing from a CDN


# Each visible node's label: the box round its text elements, and the box of its outline.
LABEL_BOXES = """() => [...document.querySelectorAll('#view .kg-node')]
  .filter(g => g.getBoundingClientRect().width > 0)
  .map(g => {
    const texts = [...g.querySelectorAll('text')].map(t => t.getBoundingClientRect());
    const shape = g.querySelector('polygon, ellipse, path').getBoundingClientRect();
    return {id: g.dataset.id, text: g.textContent.trim(), shape: [shape.left, shape.right, shape.top, shape.bottom],
            box: [Math.min(...texts.map(r => r.left)), Math.max(...texts.map(r => r.right)),
                  Math.min(...texts.map(r => r.top)), Math.max(...texts.map(r => r.bottom))]};
  })"""


def assert_labels_apart(tab, where: str) -> list[dict]:
    labels = tab.evaluate(LABEL_BOXES)
    assert labels, where
    for label in labels:
        left, right, top, bottom = label["box"]
        assert label["text"] and right - left > 5 and bottom - top > 5, (where, label)
        s = label["shape"]
        assert s[0] - 1 <= left and right <= s[1] + 1 and s[2] - 1 <= top and bottom <= s[3] + 1, (where, label)
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            (al, ar, at, ab), (bl, br, bt, bb) = a["box"], b["box"]
            apart = ar <= bl + 0.5 or br <= al + 0.5 or ab <= bt + 0.5 or bb <= at + 0.5
            assert apart, (where, a, b)
    return labels


# The same checks, in the page, for each drawing it holds: [drawings shown, problems found].
EVERY_DRAWING = (
    """() => {
  const problems = [];
  for (const id of kg.views.keys()) {
    location.hash = '#' + id;
    kg.route(true);
    if (kg.current() !== id) problems.push([id, 'not shown']);
    const labels = ("""
    + LABEL_BOXES
    + """)();
    if (!labels.length) problems.push([id, 'nothing drawn']);
    labels.forEach(l => {
      const [left, right, top, bottom] = l.box, s = l.shape;
      if (!l.text || right - left <= 5 || bottom - top <= 5) problems.push([id, 'no label', l.id]);
      if (left < s[0] - 1 || right > s[1] + 1 || top < s[2] - 1 || bottom > s[3] + 1)
        problems.push([id, 'outside', l.id]);
    });
    for (let i = 0; i < labels.length; i++)
      for (let j = i + 1; j < labels.length; j++) {
        const [al, ar, at, ab] = labels[i].box, [bl, br, bt, bb] = labels[j].box;
        if (!(ar <= bl + 0.5 || br <= al + 0.5 || ab <= bt + 0.5 || bb <= at + 0.5))
          problems.push([id, labels[i].id, labels[j].id]);
      }
  }
  return [kg.views.size, problems];
}"""
)


def visit_every_drawing(tab) -> int:
    """Show each drawing the page holds, checking each one's labels; returns how many."""
    count, problems = tab.evaluate(EVERY_DRAWING)
    assert problems == []
    return count


@pytest.mark.browser
def test_answer_page_labels_never_overlap_and_a_click_shows_details(browser, pages, graph):
    tab = open_offline(browser, pages["answer"])
    assert tab.outside == [] and tab.errors == []
    first = {label["id"] for label in assert_labels_apart(tab, "answer")}
    assert {"method/salt", "method/lora"} <= first and len(first) < 50
    # The person clicks SALT, the answer, with the mouse: its details, and its neighbourhood drawn.
    tab.click('#view .kg-node[data-id="method/salt"]')
    assert tab.inner_text("#detail-name") == "SALT" and "Method" in tab.inner_text("#detail-kind")
    assert "SALT: Singular Value Adaptation with Low-Rank Transformation" in tab.inner_text("#detail-papers")
    evidence = next(
        d["evidence"]
        for u, v, d in graph.edges(data=True)
        if (u, v, d["predicate"]) == ("method/salt", "method/lora", "variant_of") and d["evidence"]
    )
    assert evidence in tab.inner_text("#detail-statements")
    assert tab.evaluate("kg.current()") == "method/salt" and tab.url.endswith("#method/salt")
    drawn = {label["id"] for label in assert_labels_apart(tab, "SALT")}
    assert drawn == set(around(graph, "method/salt"))
    # Then LoRA, in SALT's neighbourhood: LoRA's neighbourhood is drawn (expanded).
    tab.click('#view .kg-node[data-id="method/lora"]')
    assert tab.inner_text("#detail-name") == "LoRA" and tab.evaluate("kg.current()") == "method/lora"
    assert {label["id"] for label in assert_labels_apart(tab, "LoRA")} == set(around(graph, "method/lora"))
    tab.go_back()  # the browser's back button: SALT again
    tab.wait_for_function("kg.current() === 'method/salt'", timeout=5_000)
    assert tab.inner_text("#detail-name") == "SALT"
    assert visit_every_drawing(tab) > 20
    assert tab.errors == []
    tab.close()


@pytest.mark.browser
def test_entity_page_opens_on_the_entity_and_its_neighbours(browser, pages, graph):
    tab = open_offline(browser, pages["entity"])
    first = {label["id"] for label in assert_labels_apart(tab, "LoRA's page")}
    assert first == set(around(graph, "method/lora"))
    assert (
        tab.evaluate("""document.querySelector('#view .kg-node[data-id="method/lora"] polygon')
                           .getAttribute('stroke-width')""")
        == "3"
    )  # the focus
    # An edge's click: its statements, each with its evidence sentence, paper title and confidence.
    spot = tab.evaluate("""() => {
        for (const g of document.querySelectorAll('#view .kg-edge')) {
          const path = g.querySelector('path');
          const p = path.getPointAtLength(path.getTotalLength() / 2).matrixTransform(path.getScreenCTM());
          if (document.elementFromPoint(p.x, p.y)?.closest('.kg-edge') === g)
            return {x: p.x, y: p.y, from: g.dataset.from, to: g.dataset.to, predicates: g.dataset.predicate.split(' ')};
        }
        return null; }""")
    assert spot is not None
    tab.mouse.click(spot["x"], spot["y"])
    details = tab.inner_text("#details")
    assert graph.nodes[spot["from"]]["label"] in tab.inner_text("#detail-name")
    statements = [
        d
        for u, v, d in graph.edges(data=True)
        if (u, v) == (spot["from"], spot["to"]) and d["predicate"] in spot["predicates"]
    ]
    assert statements and all(f"confidence {d['confidence']:.2f}" in details for d in statements)
    assert all(d["evidence"] in details for d in statements)
    # A statement's other end, in the details panel, is a link that draws that node's neighbourhood.
    tab.click('#view .kg-node[data-id="method/salt"]')
    tab.click('#detail-statements a[href="#method/lora"] >> nth=0')
    assert tab.evaluate("kg.current()") == "method/lora" and tab.inner_text("#detail-name") == "LoRA"
    assert visit_every_drawing(tab) > 10
    assert tab.errors == []
    tab.close()


@pytest.mark.browser
def test_whole_graph_opens_on_an_overview_and_search_reaches_the_rest(browser, pages, graph, tmp_path):
    tab = open_offline(browser, pages["whole"])
    assert tab.outside == [] and tab.errors == []
    shown = {label["id"] for label in assert_labels_apart(tab, "overview")}
    context = context_graph(graph)
    degree = {n: len(set(context.successors(n)) | set(context.predecessors(n))) for n in context}
    kinds = {n: context.nodes[n]["kind"] for n in context}
    assert {kinds[n] for n in shown} == {"Method", "Model", "Dataset"}
    for kind in ("Method", "Model", "Dataset"):
        mine = [n for n in shown if kinds[n] == kind]
        rest = [degree[n] for n in context if kinds[n] == kind and n not in shown]
        assert 10 <= len(mine) <= 15 and min(degree[n] for n in mine) >= max(rest)
    # A node not in the overview, by an alias: found, and drawn with its neighbourhood.
    assert "task/image-segmentation" not in shown
    tab.fill("#search", "SALT")
    tab.press("#search", "Enter")
    assert tab.inner_text("#search-status") == "1 found"
    assert tab.evaluate("kg.current()") == "method/salt" and tab.inner_text("#detail-name") == "SALT"
    assert "Singular Value Adaptation" in tab.inner_text("#details")  # an alias
    assert {label["id"] for label in assert_labels_apart(tab, "SALT")} == set(around(graph, "method/salt"))
    tab.click("#start")
    assert {label["id"] for label in assert_labels_apart(tab, "overview again")} == shown
    assert visit_every_drawing(tab) == context.number_of_nodes()  # every node can be reached
    tab.screenshot(path=tmp_path / "page.png")
    assert (tmp_path / "page.png").read_bytes().startswith(PNG_MAGIC)
    assert tab.errors == []
    tab.close()


def test_pages_are_small_where_they_start_small(pages):
    sizes = {name: Path(path).stat().st_size for name, path in pages.items()}
    assert sizes["answer"] < 2_000_000 and sizes["entity"] < 2_000_000 and sizes["whole"] < 6_000_000


def test_the_whole_graph_page_draws_only_its_best_connected_nodes_past_the_limit(example_build, tmp_path, monkeypatch):
    from kg.export import html

    monkeypatch.setattr(html, "EXPANDABLE", 5)
    out = tmp_path / "whole.html"
    assert kg("export", "html", "--build", example_build, "--out", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    drawn = set(re.findall(r'<template data-view="([^"]+)">', text))
    overview = html.overview(context_graph(load_graph(example_build)))
    assert overview <= drawn and len(drawn) <= len(overview) + 5
    context = context_graph(load_graph(example_build))
    best = min(context, key=lambda node: (-context.degree(node), node))
    assert best in drawn
    data = json.loads(
        re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', text, re.DOTALL).group(1)
    )
    assert len(data["nodes"]) > len(drawn)  # every other node is still found and shows its details


def test_a_drawing_of_many_edges_draws_them_straight_and_a_small_one_routes_them(graph):
    from kg.export import view

    hub = max(context_graph(graph), key=lambda node: (context_graph(graph).degree(node), node))
    dense, drawn = view.to_graphviz(around(graph, hub), {hub})
    assert len(drawn.edges) > view.ROUTED_EDGES and dense.graph_attr["splines"] == "line"
    small, drawn = view.to_graphviz(around(graph, "method/salt"), {"method/salt"})
    assert len(drawn.edges) <= view.ROUTED_EDGES and small.graph_attr["splines"] == "true"
