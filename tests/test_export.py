"""Exports as a person uses them: the HTML page in a real headless Chromium, figures looked at as
files, and every graph format read back by the library that owns it."""

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.export import load_graph

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
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


@pytest.fixture(scope="module")
def browser():
    """A real headless Chromium (Debian's), with a fresh profile, driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )
        yield context
        context.close()


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


def test_html_is_one_file_with_the_script_inlined(page):
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=", text, re.IGNORECASE)  # nothing to fetch
    assert "vis-network" in text and "@version 9." in text  # the library itself, from pyvis's copy
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
    assert {p["predicate"]: p["hidden"] for p in data["predicates"]}["mentions"] is True


@pytest.mark.browser
def test_html_page_draws_searches_and_shows_details_in_chromium(browser, page, built, tmp_path):
    graph = load_graph(built)
    tab = open_offline(browser, page)
    assert tab.outside == [] and tab.errors == []
    assert tab.evaluate("kg.nodes.length") == graph.number_of_nodes()
    # Something is drawn: the canvas holds many pixels that are not the white background.
    drawn = tab.evaluate("""() => {
        const canvas = document.querySelector('#graph canvas');
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let count = 0;
        for (let i = 0; i < pixels.length; i += 4)
          if (pixels[i + 3] > 0 && pixels[i] + pixels[i + 1] + pixels[i + 2] < 600) count++;
        return count; }""")
    assert drawn > 5000

    # A person types SALT and presses Enter: it is selected and its details shown.
    tab.fill("#search", "SALT")
    tab.press("#search", "Enter")
    assert tab.inner_text("#search-status") == "1 found"
    assert tab.evaluate("kg.network.getSelectedNodes()") == ["method/salt"]
    assert tab.inner_text("#detail-name") == "SALT"
    assert "Method" in tab.inner_text("#detail-kind")
    assert "SALT: Singular Value Adaptation with Low-Rank Transformation" in tab.inner_text("#detail-papers")
    assert "Singular Value Adaptation" in tab.inner_text("#details")  # an alias
    # The rest of the graph fades; SALT's neighbour LoRA keeps its colour.
    assert tab.evaluate("kg.nodes.get('method/lora').color") != tab.evaluate("kg.nodes.get('dataset/medqa').color")
    assert tab.evaluate("kg.nodes.get('dataset/medqa').color").startswith("rgba(190")

    # Then clicks the MedQA node with the mouse, where the page draws it.
    x, y = tab.evaluate("""() => {
        kg.network.focus('dataset/medqa', {scale: 1.5, animation: false});
        const p = kg.network.canvasToDOM(kg.network.getPosition('dataset/medqa'));
        const box = document.getElementById('graph').getBoundingClientRect();
        return [box.left + p.x, box.top + p.y]; }""")
    tab.mouse.click(x, y)
    assert tab.inner_text("#detail-name") == "MedQA"
    assert "Dataset" in tab.inner_text("#detail-kind")
    papers = tab.inner_text("#detail-papers")
    titles = {graph.nodes[f"paper/{p}"]["title"] for p in graph.nodes["dataset/medqa"]["papers"]}
    assert titles and all(title in papers for title in titles)

    # And clicks an edge: a statement with its evidence sentence, paper title and confidence.
    spot = tab.evaluate("""() => {
        const box = document.getElementById('graph').getBoundingClientRect();
        for (const e of kg.edgeView.get()) {
          if (e.smooth || !e.statements[0].evidence) continue;
          const a = kg.network.getPosition(e.from), b = kg.network.getPosition(e.to);
          const mid = {x: (a.x + b.x) / 2, y: (a.y + b.y) / 2};
          kg.network.moveTo({position: mid, scale: 1.5, animation: false});
          const p = kg.network.canvasToDOM(mid);
          if (kg.network.getNodeAt(p) === undefined && kg.network.getEdgeAt(p) === e.id)
            return {id: e.id, x: box.left + p.x, y: box.top + p.y};
        }
        return null; }""")
    assert spot is not None
    tab.mouse.click(spot["x"], spot["y"])
    edge = tab.evaluate(f"kg.edges.get('{spot['id']}')")
    details = tab.inner_text("#details")
    statement = edge["statements"][0]
    assert edge["predicate"] in tab.inner_text("#detail-name")
    assert statement["evidence"] in details and statement["title"] in details
    assert f"confidence {statement['confidence']:.2f}" in details

    tab.screenshot(path=tmp_path / "graph.png")
    assert (tmp_path / "graph.png").read_bytes().startswith(PNG_MAGIC)
    tab.close()


@pytest.mark.browser
def test_html_filters_hide_and_show_types_and_relations(browser, page):
    tab = open_offline(browser, page)
    papers = tab.evaluate("kg.nodes.get({filter: n => n.kind === 'Paper'}).length")
    shown = tab.evaluate("kg.nodeView.length")
    tab.uncheck("[data-filter=Paper]")
    assert tab.evaluate("kg.nodeView.length") == shown - papers
    mentions = tab.evaluate("kg.edges.get({filter: e => e.predicate === 'mentions'}).length")
    edges = tab.evaluate("kg.edgeView.length")
    tab.check("[data-filter=mentions]")
    assert tab.evaluate("kg.edgeView.length") == edges + mentions
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
    assert len(nodes) < 50


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
            assert list(rows[0]) == ["id:ID", ":LABEL", "aliases:string[]", "label", "papers:string[]"]
            salt = next(row for row in rows if row["id:ID"] == "method/salt")
            assert salt["aliases:string[]"].split(";") == graph.nodes["method/salt"]["aliases"]
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
    text = render_html(graph, title="%VIS_JS% <b>")
    assert text.count("</script>") == 3  # vis-network, the data, the page's own script
    data = json.loads(
        re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', text, re.DOTALL).group(1)
    )
    assert data["nodes"][0]["name"] == name
    assert "<title>%VIS_JS% &lt;b&gt;</title>" in text


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
