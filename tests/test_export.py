"""Exports as a person uses them: the HTML page in a real headless Chromium, figures looked at as
files, and every graph format read back by the library that owns it."""

import csv
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.export import load_graph

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def built(example_build):
    """The example corpus built without embeddings (exports read only the graph, and write only to --out)."""
    return example_build


@pytest.fixture(scope="module")
def page(built, tmp_path_factory):
    """The whole graph's HTML export."""
    out = tmp_path_factory.mktemp("html") / "graph.html"
    result = kg("export", "html", "--build", built, "--out", out)
    assert result.exit_code == 0, result.output
    return out


def page_data(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return json.loads(
        re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', text, re.DOTALL).group(1)
    )


def open_offline(browser, path: Path):
    """Open a page from file://, refusing (and recording) every request that would leave the file."""
    tab = browser.new_page()
    tab.outside, tab.errors = [], []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))

    def guard(route):
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            tab.outside.append(route.request.url)
            route.abort()

    tab.route("**/*", guard)
    tab.goto(path.resolve().as_uri())
    tab.wait_for_selector("body[data-ready=true]", timeout=60_000)
    return tab


def drawing_ids(svg: str) -> list[str]:
    return re.findall(r'<g class="node kg-node" data-id="([^"]+)"', svg)


def test_html_is_one_file_with_its_drawings_inlined(page, built):
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=", text, re.IGNORECASE)  # nothing to fetch
    markup = re.sub(r'<script type="application/json" id="kg-data">.*?</script>', "", text, flags=re.DOTALL)
    assert not re.search(r"https?://(?!www\.w3\.org/(2000/svg|1999/xlink))", markup)  # no CDN: no address but SVG's
    assert "vis-network" not in text  # Graphviz lays out and renders: SVG inlined, no drawing library to load
    data = page_data(page)
    assert {k["kind"] for k in data["kinds"]} == {
        "Paper",
        "Model",
        "Method",
        "Dataset",
        "Task",
        "Modality",
        "Domain",
        "Result",
    }
    # A paper's mentions of each name are neither drawn nor listed (its papers are, in each node's details).
    assert {p["predicate"] for p in data["predicates"]}.isdisjoint({"mentions", "reports"})
    assert 'data-predicate="mentions' not in text and " mentions" not in " ".join(
        re.findall(r'data-predicate="([^"]*)"', text)
    )
    # The page opens on the overview: 36 nodes, not all 605; every node has its own drawing to expand to.
    graph = load_graph(built)
    first = re.search(r'<div id="view">(<svg .*?</svg>)</div>', text, re.DOTALL).group(1)
    assert len(drawing_ids(first)) == 36
    views = dict(re.findall(r'<template data-view="([^"]+)">(<svg .*?</svg>)</template>', text, re.DOTALL))
    assert set(views) == {n["id"] for n in data["nodes"]} == set(graph)  # (no authors in this build)
    assert all(node in drawing_ids(svg) for node, svg in views.items())


@pytest.mark.browser
def test_html_page_draws_searches_and_shows_details_in_chromium(browser, page, built, tmp_path):
    graph = load_graph(built)
    tab = open_offline(browser, page)
    assert tab.outside == [] and tab.errors == []
    assert len(tab.evaluate("kg.data.nodes")) == graph.number_of_nodes()
    # Something is drawn: the overview's nodes, each labelled, and edges between them.
    labels = tab.evaluate("[...document.querySelectorAll('#view .kg-node')].map(g => g.textContent.trim())")
    assert len(labels) == 36 and all(labels) and "MedQA" in labels and "LoRA" in labels
    assert tab.evaluate("document.querySelectorAll('#view .kg-edge').length") > 10

    # A person types SALT and presses Enter: its details are shown, and its neighbourhood drawn.
    tab.fill("#search", "SALT")
    tab.press("#search", "Enter")
    assert tab.inner_text("#search-status") == "1 found"
    assert tab.evaluate("kg.current()") == "method/salt"
    assert tab.inner_text("#detail-name") == "SALT"
    assert "Method" in tab.inner_text("#detail-kind")
    assert "SALT: Singular Value Adaptation with Low-Rank Transformation" in tab.inner_text("#detail-papers")
    assert "Singular Value Adaptation" in tab.inner_text("#details")  # an alias
    drawn = set(tab.evaluate("[...document.querySelectorAll('#view .kg-node')].map(g => g.dataset.id)"))
    assert {"method/salt", "method/lora"} <= drawn and "dataset/medqa" not in drawn
    assert tab.evaluate("document.querySelector('#view .kg-selected').dataset.id") == "method/salt"

    # Back to the overview, then clicks the MedQA node with the mouse.
    tab.click("#start")
    tab.click('#view .kg-node[data-id="dataset/medqa"]')
    assert tab.inner_text("#detail-name") == "MedQA"
    assert "Dataset" in tab.inner_text("#detail-kind")
    papers = tab.inner_text("#detail-papers")
    titles = {graph.nodes[f"paper/{p}"]["title"] for p in graph.nodes["dataset/medqa"]["papers"]}
    assert titles and all(title in papers for title in titles)
    assert tab.evaluate("kg.current()") == "dataset/medqa"  # expanded: MedQA's neighbourhood is drawn
    evaluated = {u for u, v, p in graph.edges(data="predicate") if v == "dataset/medqa" and p == "evaluated_on"}
    assert evaluated and evaluated <= set(
        tab.evaluate("[...document.querySelectorAll('#view .kg-node')].map(g => g.dataset.id)")
    )

    # And clicks an edge: a statement with its evidence sentence, paper title and confidence.
    spot = tab.evaluate("""() => {
        for (const g of document.querySelectorAll('#view .kg-edge')) {
          const e = kg.data.edges.find(e => e.from === g.dataset.from && e.to === g.dataset.to &&
                                            g.dataset.predicate.split(' ').includes(e.predicate));
          if (!e || !e.statements[0].evidence) continue;
          const path = g.querySelector('path');
          const p = path.getPointAtLength(path.getTotalLength() / 2).matrixTransform(path.getScreenCTM());
          if (document.elementFromPoint(p.x, p.y)?.closest('.kg-edge') === g) return {x: p.x, y: p.y, edge: e};
        }
        return null; }""")
    assert spot is not None
    tab.mouse.click(spot["x"], spot["y"])
    details = tab.inner_text("#details")
    statement = spot["edge"]["statements"][0]
    assert spot["edge"]["predicate"].replace("_", " ") in tab.inner_text("#detail-name")
    assert statement["evidence"] in details and graph.nodes[f"paper/{statement['paper']}"]["title"] in details
    assert f"confidence {statement['confidence']:.2f}" in details

    tab.screenshot(path=tmp_path / "graph.png")
    assert (tmp_path / "graph.png").read_bytes().startswith(PNG_MAGIC)
    assert tab.errors == []
    tab.close()


@pytest.mark.browser
def test_html_filters_hide_and_show_types_and_relations(browser, page):
    tab = open_offline(browser, page)
    tab.fill("#search", "LoRA")
    tab.press("#search", "Enter")
    assert tab.evaluate("kg.current()") == "method/lora"
    visible = "sel => [...document.querySelectorAll(sel)].filter(g => g.getBoundingClientRect().width > 0).length"
    papers = tab.evaluate(visible, "#view .kg-node[data-kind=Paper]")
    shown = tab.evaluate(visible, "#view .kg-node")
    to_papers = tab.evaluate("""[...document.querySelectorAll('#view .kg-edge')].filter(g =>
        document.querySelector(`#view .kg-node[data-id="${g.dataset.from}"]`).dataset.kind === 'Paper').length""")
    edges = tab.evaluate(visible, "#view .kg-edge")
    assert papers >= 2 and to_papers >= 2
    tab.uncheck("[data-filter=Paper]")
    assert tab.evaluate(visible, "#view .kg-node") == shown - papers
    assert tab.evaluate(visible, "#view .kg-node[data-kind=Paper]") == 0
    assert tab.evaluate(visible, "#view .kg-edge") == edges - to_papers  # a hidden node's edges go with it
    tab.check("[data-filter=Paper]")
    assert tab.evaluate(visible, "#view .kg-node") == shown
    only_variant = '#view .kg-edge[data-predicate="variant_of"]'
    variants = tab.evaluate(visible, only_variant)
    also_broader = '#view .kg-edge[data-predicate="broader variant_of"]'  # one edge, two coloured lines
    both = tab.evaluate(visible, also_broader)
    assert variants >= 1 and both >= 2
    tab.uncheck("[data-filter=variant_of]")
    assert tab.evaluate(visible, only_variant) == 0 and tab.evaluate(visible, also_broader) == both
    assert tab.evaluate(visible, "#view .kg-edge") == edges - variants
    tab.check("[data-filter=variant_of]")
    assert tab.evaluate(visible, "#view .kg-edge") == edges
    assert tab.errors == []
    tab.close()


def test_html_of_a_query_draws_its_answers_and_their_context(built, tmp_path):
    out = tmp_path / "lora.html"
    result = kg(
        "export", "html", "--build", built, "--query", "lora-variants-for-task", "-p", "task=segmentation", "--out", out
    )
    assert result.exit_code == 0, result.output
    nodes = {n["id"]: n for n in page_data(out)["nodes"]}
    assert nodes["method/salt"]["seed"]  # the answer
    assert "method/lora" in nodes and not nodes["method/lora"]["seed"]  # one hop: SALT is a variant of LoRA
    # The page opens on the answer and its context alone, the answer drawn bold; SALT and LoRA expand.
    text = out.read_text(encoding="utf-8")
    first = re.search(r'<div id="view">(<svg .*?</svg>)</div>', text, re.DOTALL).group(1)
    assert {"method/salt", "method/lora"} <= set(drawing_ids(first)) and len(drawing_ids(first)) < 50
    assert re.search(r'data-id="method/salt"[^>]*>\s*<a[^>]*>\s*<polygon[^>]*stroke="#000000" stroke-width="3"', first)
    views = set(re.findall(r'<template data-view="([^"]+)">', text))
    assert set(drawing_ids(first)) <= views and len(views) < len(nodes) < 400


def test_graphml_and_gexf_read_back_with_networkx(built, tmp_path):
    graph = load_graph(built)
    for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        out = tmp_path / f"graph.{fmt}"
        assert kg("export", fmt, "--build", built, "--out", out).exit_code == 0
        back = read(out)
        assert (back.number_of_nodes(), back.number_of_edges()) == (graph.number_of_nodes(), graph.number_of_edges())
        salt = back.nodes["method/salt"]
        assert salt["kind"] == "Method" and salt["label"] == "SALT"
        assert json.loads(salt["aliases"]) == graph.nodes["method/salt"]["aliases"]  # lists travel as JSON text
        u, v, data = next((u, v, d) for u, v, d in graph.edges(data=True) if d["predicate"] == "variant_of")
        again = next(d for a, b, d in back.edges(data=True) if (a, b) == (u, v) and d["predicate"] == "variant_of")
        assert again["confidence"] == pytest.approx(data["confidence"]) and again["evidence"] == data["evidence"]


def test_cytoscape_and_node_link_json(built, tmp_path):
    graph = load_graph(built)
    assert kg("export", "cytoscape", "--build", built, "--out", tmp_path / "g.cyjs").exit_code == 0
    elements = json.loads((tmp_path / "g.cyjs").read_text())["elements"]
    ids = {n["data"]["id"] for n in elements["nodes"]}
    assert len(ids) == graph.number_of_nodes() and len(elements["edges"]) == graph.number_of_edges()
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in elements["edges"])
    assert len({e["data"]["id"] for e in elements["edges"]}) == graph.number_of_edges()
    salt = next(n["data"] for n in elements["nodes"] if n["data"]["id"] == "method/salt")
    assert salt["name"] == "SALT" and salt["aliases"] == graph.nodes["method/salt"]["aliases"]

    assert kg("export", "nodelink", "--build", built, "--out", tmp_path / "g.json").exit_code == 0
    back = nx.node_link_graph(json.loads((tmp_path / "g.json").read_text()), edges="edges")
    assert nx.utils.graphs_equal(back, graph)


def test_neo4j_csv_has_the_import_tool_headers_and_every_row(built, tmp_path):
    graph = load_graph(built)
    out = tmp_path / "neo4j"
    result = kg("export", "neo4j-csv", "--build", built, "--out", out)
    assert result.exit_code == 0 and "neo4j-admin database import full" in result.output
    nodes, edges, ids = 0, 0, set()
    for path in sorted(out.glob("nodes_*.csv")):
        with path.open(newline="", encoding="utf-8") as stream:
            rows = list(csv.DictReader(stream))
        assert list(rows[0])[:2] == ["id:ID", ":LABEL"]
        assert {row[":LABEL"] for row in rows} == {path.stem.removeprefix("nodes_")}
        ids |= {row["id:ID"] for row in rows}
        nodes += len(rows)
        if path.stem == "nodes_Method":
            header = ["id:ID", ":LABEL", "aliases:string[]", "exact_match:string[]", "label", "papers:string[]"]
            assert list(rows[0]) == header
            salt = next(row for row in rows if row["id:ID"] == "method/salt")
            assert salt["aliases:string[]"].split(";") == graph.nodes["method/salt"]["aliases"]
            lora = next(row for row in rows if row["id:ID"] == "method/lora")
            assert lora["exact_match:string[]"] == "https://paperswithcode.com/method/lora"
    for path in sorted(out.glob("relationships_*.csv")):
        with path.open(newline="", encoding="utf-8") as stream:
            rows = list(csv.DictReader(stream))
        assert list(rows[0])[:3] == [":START_ID", ":END_ID", ":TYPE"] and "confidence:float" in rows[0]
        assert all(row[":START_ID"] in ids and row[":END_ID"] in ids for row in rows)
        assert all(float(row["confidence:float"]) <= 1.0 for row in rows)
        edges += len(rows)
    assert (nodes, edges) == (graph.number_of_nodes(), graph.number_of_edges())


def svg_texts(path: Path) -> list[tuple[float, float, float, str]]:
    """Each text of an SVG: x, y, font size, text."""
    ns = "{http://www.w3.org/2000/svg}"
    return [
        (float(t.get("x")), float(t.get("y")), float(t.get("font-size")), t.text or "")
        for t in ET.parse(path).iter(f"{ns}text")
    ]


def test_lora_figure_shows_every_variant_and_no_text_overlaps(built, tmp_path):
    graph = load_graph(built)
    out = tmp_path / "lora.svg"
    assert kg("export", "svg", "--build", built, "--view", "lora", "--out", out).exit_code == 0
    texts = svg_texts(out)
    words = {text for *_, text in texts}
    variants = {
        graph.nodes[u]["label"] for u, v, p in graph.edges(data="predicate") if v == "method/lora" and p == "variant_of"
    }
    assert "SALT" in variants and variants | {"LoRA"} <= words
    # No two texts share space (width estimated from the font size; text is centred on x).
    boxes = [
        (x - 0.3 * size * len(text), x + 0.3 * size * len(text), y - 0.8 * size, y + 0.2 * size)
        for x, y, size, text in texts
    ]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2], (a, b)

    png = tmp_path / "lineage.png"
    assert (
        kg("export", "png", "--build", built, "--view", "lineage", "-p", "model=LLaMA-2", "--out", png).exit_code == 0
    )
    assert png.read_bytes().startswith(PNG_MAGIC)
    lineage = tmp_path / "lineage.svg"
    assert (
        kg("export", "svg", "--build", built, "--view", "lineage", "-p", "model=LLaMA-2", "--out", lineage).exit_code
        == 0
    )
    made_from = {
        graph.nodes[u]["label"]
        for u, v, p in graph.edges(data="predicate")
        if v == "model/llama-2" and p == "fine_tuned_from"
    }
    assert made_from and made_from <= {text for *_, text in svg_texts(lineage)}


def test_stats_prints_counts_and_plots_them(built, tmp_path):
    import matplotlib.image

    plot = tmp_path / "stats.png"
    result = kg("stats", "--build", built, "--plot", plot)
    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.output.splitlines() if ": " in line)
    graph = load_graph(built)
    for kind, count in Counter(kind for _, kind in graph.nodes(data="kind")).items():
        assert f"{kind} {count}" in lines["nodes"]
    made_from_llama2 = {
        u for u, v, p in graph.edges(data="predicate") if p == "fine_tuned_from" and v == "model/llama-2"
    }
    assert f"LLaMA-2 {len(made_from_llama2)}" in lines["base models"] and len(made_from_llama2) >= 2
    assert "MedQA" in lines["datasets"]
    height, width, _ = matplotlib.image.imread(plot).shape
    assert width > 1000 and height > 700


@pytest.mark.parametrize(
    "args, message",
    [
        (["export", "html", "--query", "no-such-query"], "no canned query 'no-such-query'"),
        (["export", "html", "--query", "datasets-of", "-p", "name=zzz"], "has no answers with name='zzz'"),
        (["export", "png", "--view", "lineage", "-p", "model=Nope"], "no Model named 'Nope'"),
        (["export", "png"], "too many to draw readably"),
        (["export", "svg", "--view", "lora", "--query", "leaderboard"], "not both"),
    ],
)
def test_bad_requests_fail_with_one_line_and_write_nothing(built, tmp_path, args, message):
    out = tmp_path / "out.file"
    result = CliRunner().invoke(cli, [*args, "--build", str(built), "--out", str(out)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_neo4j_csv_refuses_to_replace_a_folder_it_did_not_write(built, tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    result = CliRunner().invoke(cli, ["export", "neo4j-csv", "--build", str(built), "--out", str(tmp_path)])
    assert result.exit_code == 1 and "is not a neo4j-csv export" in result.output
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_export_commands_explain_themselves_with_an_example():
    for command in (["export"], ["export", "html"], ["export", "png"], ["export", "neo4j-csv"], ["stats"]):
        result = kg(*command, "--help")
        assert result.exit_code == 0 and "Example:" in result.output and "kg " in result.output


def test_html_keeps_hostile_names_as_text():
    from kg.export.html import render_html

    graph = nx.MultiDiGraph()
    name = "</script><!--<script>alert(1)</script> %DATA%"
    graph.add_node("method/x", kind="Method", label=name, aliases=[], papers=[])
    text = render_html(graph, title="%APP_JS% <b>")
    assert text.count("</script>") == 2  # the data, the page's own script
    assert text.count("<script") == 2 and "<!--" not in text
    data = json.loads(
        re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', text, re.DOTALL).group(1)
    )
    assert data["nodes"][0]["name"] == name
    assert "<title>%APP_JS% &lt;b&gt;</title>" in text
    label = re.search(r'data-id="method/x".*?</g>', text, re.DOTALL).group(0)
    assert "&lt;/script&gt;&lt;!--&lt;script&gt;alert(1)" in label  # drawn as text, cut to 40 characters


def test_equal_graphs_give_equal_pages_across_processes(built, tmp_path):
    pages = []
    for seed in ("1", "2"):  # string hashing differs between the two processes
        out = tmp_path / f"graph-{seed}.html"
        command = [
            sys.executable,
            "-c",
            "from kg.cli import cli; cli()",
            "export",
            "html",
            "--build",
            str(built),
            "--out",
            str(out),
        ]
        subprocess.run(command, check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed})
        pages.append(out.read_bytes())
    assert pages[0] == pages[1]
