"""`kg serve`: a real uvicorn server process over a build, queried by real SPARQL clients
(SPARQLWrapper, rdflib's SPARQLStore) and browsed over HTTP."""

import csv
import io
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
import rdflib
from click.testing import CliRunner
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from kg.cli import cli
from kg.store import open_store

pytestmark = pytest.mark.server

MODELS = "SELECT ?name WHERE { ?m a kgo:Model ; rdfs:label ?name } ORDER BY ?name"
KGO = "PREFIX kgo: <https://w3id.org/kg-ml/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
# Every triple against every triple against every triple: far more than a second on any graph.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(build, *options):
    """`kg serve` in its own process; the base URL once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kg",
            "serve",
            "--build",
            str(build),
            "--port",
            str(port),
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kg serve exited: {process.stdout.read()}")
        try:
            urllib.request.urlopen(url + "/sparql?query=ASK%7B%7D", timeout=2)
            return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("kg serve did not answer within 60 s")


@pytest.fixture(scope="module")
def server(example_build):
    process, url = start_server(example_build, "--timeout", "2", "--workers", "2")
    yield url
    process.terminate()
    process.wait(timeout=10)


def get(url, accept=None, method="GET", data=None, content_type=None):
    request = urllib.request.Request(url, data=data, method=method)
    if accept:
        request.add_header("Accept", accept)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8")


def sparql_url(server, query):
    return f"{server}/sparql?" + urllib.parse.urlencode({"query": query})


def local_models(example_build):
    return [row[0] for row in open_store(example_build).select(MODELS).rows]


def test_sparqlwrapper_selects_what_the_local_store_answers(server, example_build):
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(KGO + MODELS)
    client.setReturnFormat(JSON)
    answer = client.query().convert()
    names = [binding["name"]["value"] for binding in answer["results"]["bindings"]]
    assert names == local_models(example_build)
    assert "LLaMA-2" in names


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_gets_each_results_format(server, method):
    client = SPARQLWrapper(server + "/sparql")
    client.setMethod(method)
    client.setQuery(KGO + "SELECT ?name WHERE { ?m a kgo:Dataset ; rdfs:label ?name } ORDER BY ?name LIMIT 5")
    client.setReturnFormat(XML)
    names_xml = [e.firstChild.data for e in client.query().convert().getElementsByTagName("literal")]
    client.setReturnFormat(CSV)
    rows = list(csv.reader(io.StringIO(client.query().convert().decode("utf-8"))))
    assert rows[0] == ["name"] and [r[0] for r in rows[1:]] == names_xml and len(names_xml) == 5


def test_rdflib_sparqlstore_reads_the_graph(server, example_build):
    graph = rdflib.Graph(store=SPARQLStore(server + "/sparql"))
    names = sorted(str(row[0]) for row in graph.query(KGO + MODELS))
    assert names == sorted(local_models(example_build))
    lora = rdflib.URIRef("https://w3id.org/kg-ml/resource/method/lora")
    labels = set(graph.objects(lora, rdflib.SKOS.altLabel))
    assert rdflib.Literal("Low-Rank Adaptation") in labels


def test_construct_comes_back_as_turtle_and_n_triples(server):
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(KGO + "CONSTRUCT { ?m rdfs:label ?name } WHERE { ?m a kgo:Model ; rdfs:label ?name }")
    client.setReturnFormat(TURTLE)
    turtle = rdflib.Graph().parse(data=client.query().convert().decode("utf-8"), format="turtle")
    status, headers, body = get(
        sparql_url(server, KGO + "DESCRIBE <https://w3id.org/kg-ml/resource/method/lora>"), "application/n-triples"
    )
    assert status == 200 and headers["Content-Type"].startswith("application/n-triples")
    described = rdflib.Graph().parse(data=body, format="nt")
    assert len(turtle) >= 100
    assert (
        rdflib.URIRef("https://w3id.org/kg-ml/resource/method/lora"),
        rdflib.RDFS.label,
        rdflib.Literal("LoRA"),
    ) in described


def test_content_negotiation_picks_the_preferred_format_or_refuses(server):
    ask = sparql_url(server, "ASK { ?s a kgo:Paper }")
    status, headers, body = get(ask, "text/csv;q=0.2, text/tab-separated-values")
    assert status == 200 and headers["Content-Type"].startswith("text/tab-separated-values")
    status, headers, body = get(ask, "application/sparql-results+xml")
    assert ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"
    status, _, body = get(ask)
    assert status == 200 and json.loads(body)["boolean"] is True
    status, _, body = get(ask, "image/png")
    assert status == 406 and "application/sparql-results+json" in body


def test_a_query_sent_as_the_body_is_answered(server):
    status, _, body = get(
        server + "/sparql",
        "application/sparql-results+json",
        "POST",
        b"ASK { ?s a kgo:Model }",
        "application/sparql-query",
    )
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.parametrize(
    "how",
    [
        {
            "data": urllib.parse.urlencode({"update": "DROP ALL"}).encode(),
            "content_type": "application/x-www-form-urlencoded",
        },
        {"data": b"DROP ALL", "content_type": "application/sparql-update"},
        {
            "data": urllib.parse.urlencode({"query": "CLEAR DEFAULT"}).encode(),
            "content_type": "application/x-www-form-urlencoded",
        },
    ],
    ids=["update-form", "update-body", "update-as-query"],
)
def test_updates_are_refused_with_403_and_change_nothing(server, example_build, how):
    status, _, body = get(server + "/sparql", method="POST", **how)
    assert status == 403 and "read-only" in body
    assert local_models(example_build)  # the store still holds its models


def test_sparqlwrapper_update_is_refused(server):
    client = SPARQLWrapper(server + "/sparql")
    client.setMethod("POST")
    client.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)):
        client.query()
    status, _, body = get(sparql_url(server, "ASK { <urn:a> ?p ?o }"))
    assert status == 200 and json.loads(body)["boolean"] is False


def test_a_runaway_query_is_cancelled_and_the_server_keeps_answering(server):
    started = time.monotonic()
    status, _, body = get(sparql_url(server, RUNAWAY))
    took = time.monotonic() - started
    assert status == 503 and "ran past the 2 s limit" in body
    assert took < 15
    for _ in range(3):  # both workers (the killed one replaced) answer again
        status, _, body = get(sparql_url(server, "ASK { ?s a kgo:Model }"))
        assert status == 200 and json.loads(body)["boolean"] is True


def test_a_malformed_query_is_a_400_with_the_parser_position(server):
    status, _, body = get(sparql_url(server, "SELECT ?x WHERE { ?x"))
    assert status == 400 and body.startswith("malformed query: ") and "1:" in body


def test_cors_lets_browser_clients_of_other_origins_query(server):
    request = urllib.request.Request(sparql_url(server, "ASK {}"), headers={"Origin": "https://yasgui.example"})
    with urllib.request.urlopen(request) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = urllib.request.Request(
        server + "/sparql",
        method="OPTIONS",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    with urllib.request.urlopen(preflight) as response:
        assert response.status == 200 and "POST" in response.headers["Access-Control-Allow-Methods"]


def test_home_page_lists_counts_and_every_canned_question_as_a_form(server, example_build):
    from kg.catalog import load_catalog

    status, _, html = get(server + "/", "text/html")
    assert status == 200
    papers = len(open_store(example_build).select("SELECT ?p WHERE { ?p a kgo:Paper }").rows)
    assert f"<b>{papers}</b>papers" in html
    for name, query in load_catalog().items():
        assert f'action="/answer/{name}"' in html, name
        for parameter in query.params:
            assert f'name="{parameter}"' in html
    assert 'list="names-Dataset"' in html and '<option value="MedQA">' in html


def test_entity_page_shows_names_merges_statements_with_evidence_and_papers(server, example_build):
    status, _, html = get(server + "/entity/method/lora", "text/html")
    assert status == 200
    assert "Low-Rank Adaptation" in html  # an alias
    assert "into “LoRA”" in html  # a merge and its rule
    statement = (
        open_store(example_build)
        .select(
            "SELECT ?evidence ?title WHERE { ?st rdf:object <https://w3id.org/kg-ml/resource/method/lora> ; "
            "rdf:predicate kgo:variantOf ; kgo:sentence/oa:exact ?evidence ; prov:wasDerivedFrom ?p . "
            "?p dcterms:title ?title } "
            "ORDER BY ?evidence LIMIT 1"
        )
        .rows[0]
    )
    from html import escape

    assert escape(statement[0], quote=False) in html and escape(statement[1], quote=False) in html
    assert 'href="/entity/method/salt"' in html  # the other end of a variant_of statement


def test_paper_page_shows_metadata_abstract_source_and_statements(server, metadata_build):
    process, url = start_server(metadata_build)
    try:
        rows = (
            open_store(metadata_build)
            .select(
                "SELECT ?p ?title ?doi WHERE { ?p a kgo:Paper ; dcterms:title ?title ; bibo:doi ?doi } "
                "ORDER BY ?title LIMIT 1"
            )
            .rows
        )
        paper, title, doi = rows[0]
        status, _, html = get(url + "/" + paper.split("/resource/", 1)[1], "text/html")
        assert status == 200
        assert title in html and f"https://doi.org/{doi}" in html
        assert "<h2>Abstract</h2>" in html and "Extracted statements" in html
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_answer_page_downloads_match_kg_query(server, example_build):
    expected = CliRunner().invoke(
        cli,
        ["query", "lora-variants-for-task", "--build", str(example_build), "--format", "csv"],
        catch_exceptions=False,
    )
    status, headers, body = get(server + "/answer/lora-variants-for-task?format=csv")
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    assert body.strip() == expected.output.strip()
    status, _, body = get(server + "/answer/lora-variants-for-task?format=json")
    assert len(json.loads(body)) == len(expected.output.strip().splitlines()) - 1
    status, _, html = get(server + "/answer/lora-variants-for-task?task=segmentation", "text/html")
    assert status == 200 and "SELECT" in html and "MATCH" in html  # the SPARQL and its Cypher twin
    assert 'href="/entity/' in html  # answers link to their entities


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/entity/method/no-such-method", 404, "no entity"),
        ("/paper/nope", 404, "no paper"),
        ("/answer/no-such-question", 404, "no canned question"),
        ("/answer/leaderboard?colour=red", 400, "has no parameter colour"),
    ],
)
def test_bad_addresses_say_what_is_wrong(server, path, status, message):
    got, _, html = get(server + path, "text/html")
    assert got == status and message in html


def test_search_finds_names_exact_first(server):
    status, _, html = get(server + "/search?q=lora", "text/html")
    assert status == 200
    assert html.index(">LoRA<") < html.index(">LoRA+<")


def test_serve_without_a_build_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--build", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "no built graph here" in result.output


def label_boxes(tab) -> list[dict]:
    """The on-screen box of every node's label in the page's graph view (a label of several lines:
    the box around them all)."""
    return tab.eval_on_selector_all(
        ".drawing .kg-node",
        """nodes => nodes.map(node => {
            const boxes = [...node.querySelectorAll("text")].map(t => t.getBoundingClientRect());
            const x = Math.min(...boxes.map(b => b.left)), y = Math.min(...boxes.map(b => b.top));
            return {text: [...node.querySelectorAll("text")].map(t => t.textContent).join(" "), x: x, y: y,
                    w: Math.max(...boxes.map(b => b.right)) - x, h: Math.max(...boxes.map(b => b.bottom)) - y};
        })""",
    )


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if (
                a["x"] < b["x"] + b["w"]
                and b["x"] < a["x"] + a["w"]
                and a["y"] < b["y"] + b["h"]
                and b["y"] < a["y"] + a["h"]
            ):
                found.append((a["text"], b["text"]))
    return found


@pytest.mark.browser
def test_a_user_runs_a_canned_form_opens_an_entity_and_expands_the_graph(server, browser):
    tab = browser.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(server + "/")
    assert tab.locator(".counts li").count() >= 8

    # the canned question, its form filled in as a user would
    tab.locator("#q-lora-variants-for-task summary").click()
    form = tab.locator("#q-lora-variants-for-task form")
    form.locator('input[name="task"]').fill("image segmentation")
    form.locator("button").click()
    tab.wait_for_url("**/answer/lora-variants-for-task?*")
    rows = tab.locator("table.answer tbody tr")
    assert rows.count() >= 1
    assert "SALT" in tab.locator("table.answer").inner_text()  # the LoRA variant for medical image segmentation
    assert "task = “image segmentation”" in tab.locator("main").inner_text()
    assert tab.locator("pre.sparql").count() == 1 and tab.locator("pre.cypher").count() == 1
    assert tab.locator(".drawing svg .kg-node").count() >= 2
    assert overlapping(label_boxes(tab)) == []

    # an answer's entity: its page, with statements and their evidence
    rows.first.locator('a[href^="/entity/"]').first.click()
    tab.wait_for_url("**/entity/**")
    assert tab.locator("table.statements tbody tr").count() >= 1
    assert tab.locator("td.evidence").first.inner_text().strip()
    tab.locator("#filter").fill("zzzz-no-such-text")  # the script's filter box hides every row
    assert tab.locator("table.statements tbody tr:visible").count() == 0

    # the graph view: every node labelled, no label over another; clicking one expands the view
    tab.goto(server + "/graph?focus=method/lora")
    before = tab.locator(".drawing .kg-node").count()
    boxes = label_boxes(tab)
    assert before >= 3 and len(boxes) >= before and all(box["text"].strip() for box in boxes)
    assert overlapping(boxes) == []
    other = tab.locator('.drawing .kg-node:not([data-id="method/lora"])').first
    chosen = other.get_attribute("data-id")
    other.locator("a").first.click() if other.locator("a").count() else other.click()
    tab.wait_for_url("**/graph?*focus=*")
    assert chosen in urllib.parse.unquote(tab.url)
    assert tab.locator(".drawing .kg-node").count() >= before
    assert overlapping(label_boxes(tab)) == []
    assert errors == []


def test_the_question_box_opens_the_answer_or_lists_the_closest_questions(server):
    request = urllib.request.Request(
        server + "/ask?" + urllib.parse.urlencode({"q": "which LoRA variants were tested on medical segmentation?"})
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # follows the redirect
        assert "/answer/lora-variants-for-task?" in response.url and "task=image+segmentation" in response.url
        assert "SALT" in response.read().decode("utf-8")
    status, _, html = get(server + "/ask?" + urllib.parse.urlencode({"q": "what is the weather in Paris tomorrow"}))
    assert status == 200 and "Not sure which question you mean" in html
    assert html.count('<li><a href="/#q-') == 3


def test_a_hub_entity_lists_its_first_statements_and_papers_and_counts_them_all(example_build, monkeypatch):
    from starlette.testclient import TestClient

    from kg.server import pages
    from kg.server.app import create_app

    everything = pages.Site(example_build).entity("method/lora")
    monkeypatch.setattr(pages, "LISTED", 3)
    with TestClient(create_app(example_build, workers=1)) as client:
        html = client.get("/entity/method/lora").text
    assert everything["statement_count"] == len(everything["statements"]) > 3
    assert f"<h2>Statements ({everything['statement_count']})</h2>" in html
    assert html.count("<tr>\n    <td>") == 3 and "The first 3, by relation" in html
    assert f"<h2>Papers mentioning it ({everything['paper_count']})</h2>" in html and "The first 3, by title" in html


def test_a_retired_entity_iri_redirects_to_the_node_that_replaced_it(tmp_path):
    import http.client

    from kg.build import build

    records = tmp_path / "papers.jsonl"
    rows = [
        {
            "id": pid,
            "title": pid,
            "abstract": "x.",
            "entities": [{"name": name, "type": "Model"}],
            "relations": [],
            "results": [],
        }
        for pid, name in (("p1", "FooNet"), ("p2", "Foo Network"))
    ]
    records.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "build"
    build(records=[records], out=out, embeddings=False)
    merges = tmp_path / "merges.yaml"
    merges.write_text("merge:\n  - [FooNet, Foo Network]\n")
    build(records=[records], out=out, embeddings=False, merges_file=merges)
    process, url = start_server(out)
    try:
        connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=30)
        connection.request("GET", "/entity/model/foo-network")
        response = connection.getresponse()
        assert (response.status, response.getheader("Location")) == (301, "/entity/model/foonet")
        assert get(url + "/entity/model/foonet", "text/html")[0] == 200
        assert get(url + "/entity/model/no-such-model", "text/html")[0] == 404
    finally:
        process.terminate()
        process.wait(timeout=10)
