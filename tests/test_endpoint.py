"""Pushing a build into a real SPARQL 1.1 server and querying it there: Virtuoso Open Source.

The server is Debian's ``virtuoso-opensource`` (``apt-get install -y virtuoso-opensource``),
started here on a throwaway database in a temporary folder, on free loopback ports. Writes go
to Virtuoso's authenticated endpoints (``/sparql-auth``, ``/sparql-graph-crud-auth``, HTTP Digest)
as its administrator ``dba`` (password ``dba`` in a new database); the anonymous ``/sparql``
stays read-only, as it ships. Without the ``virtuoso-t`` binary the tests that need the server skip.
"""

import ctypes
import json
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.catalog import load_catalog
from kg.endpoint import EndpointError, build_graph_iri, push, select
from kg.rdf import graph_ntriples
from kg.store import Page, create_store, open_store

VIRTUOSO = shutil.which("virtuoso-t")

# Arguments for each canned query beyond its defaults, chosen broad enough that every query
# answers rows on the example corpus, and to give empty optional parameters.
CASES = {
    "datasets-of": [{"name": "Med-PaLM 2"}, {"name": "LoRA"}],
    "evidence-between": [{"a": "Hippo", "b": "LLaMA-2"}],
    "leaderboard": [{"dataset": "JAMA Clinical Challenge", "metric": "GPT-4 score"}],
    "lora-variants-for-task": [
        {"method": "parameter-efficient fine-tuning", "task": "", "domain": ""},
        {"task": "", "domain": ""},
    ],
    "methods-by-modality": [{"min_papers": "1"}],
    "model-lineage": [{"model": "Hippo"}, {"model": "BiomedGPT"}],
    "models-in-domain": [{"domain": "radiology"}, {"domain": ""}],
    "most-fine-tuned-base-models": [{"min_models": "2"}],
    "new-datasets": [{"domain": "medical"}],
    "papers-mentioning": [{"name": "LoRA"}],
    "peft-methods-by-modality": [{"family": "LoRA"}],
    "preference-optimisation-in-domain": [{"family": "DPO", "domain": ""}],
    "what-beats": [{"name": "ChatGPT"}, {"name": "fine-tuning", "dataset": "MedQA"}],
}
# The questions about time and people, asked of the build with paper metadata.
METADATA_CASES = {
    "first-to-propose": [{"name": "DoRA"}],
    "methods-by-year": [{"method": "LoRA"}],
    "most-active-authors": [{"name": "GLUE"}],
    "newest-results": [{"dataset": "E2E"}],
}
CATALOG = load_catalog()
INJECTION = 'x" } ; DROP ALL ; #'


@dataclass
class Virtuoso:
    query: str  # anonymous, read-only SPARQL endpoint
    update: str  # authenticated SPARQL endpoint (query and update)
    graph_store: str  # authenticated Graph Store Protocol endpoint
    user: str = "dba"
    password: str = "dba"


def die_with_parent() -> None:
    """Run in the server's process: Linux sends it SIGTERM if pytest is killed before its teardown."""
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def free_ports(count: int) -> list[int]:
    """Distinct loopback ports that nothing listens on (all probed at once, so none repeats)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    if VIRTUOSO is None:  # only the tests that need the server skip (they are marked server)
        pytest.skip("virtuoso-t not installed (apt-get install -y virtuoso-opensource)")
    folder = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = free_ports(2)
    (folder / "virtuoso.ini").write_text(f"""\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {folder}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 4
""")
    with open(folder / "stdout.log", "w") as log:  # the server writes to its own copy of the descriptor
        server = subprocess.Popen(
            [VIRTUOSO, "-f", "-c", "virtuoso.ini"],
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
    base = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + 120  # a new database takes a few seconds to create
    while not answers(f"{base}/sparql?query=ASK%7B%7D"):
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail("Virtuoso did not start:\n" + (folder / "stdout.log").read_text()[-2000:])
        time.sleep(0.2)
    yield Virtuoso(f"{base}/sparql", f"{base}/sparql-auth", f"{base}/sparql-graph-crud-auth")
    server.terminate()
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def triples_in(build_dir: Path) -> int:
    return len(ox.Store.read_only(str(build_dir / "store")))


def server_count(virtuoso: Virtuoso, graph: str) -> int:
    return select(virtuoso.query, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graph_iri=graph).rows[0][0]


def smaller_build(example_build: Path, folder: Path, lines: int) -> Path:
    """A build folder whose graph is the first ``lines`` triples of the example build's."""
    shutil.copy(example_build / "manifest.json", folder / "manifest.json")
    kept = graph_ntriples(example_build).decode("utf-8").splitlines()[:lines]
    (folder / "kept.nt").write_text("\n".join(kept) + "\n", encoding="utf-8")
    create_store(folder / "kept.nt", folder / "store")
    return folder


@pytest.fixture(scope="session")
def pushed(virtuoso, example_build):
    """The example build in its default named graph, by the Graph Store Protocol."""
    report = push(
        example_build, virtuoso.update, user=virtuoso.user, password=virtuoso.password, graph_store=virtuoso.graph_store
    )
    return report.graph


@pytest.mark.server
@pytest.mark.parametrize("method", ["update", "graph store"])
def test_push_replaces_the_named_graph_without_duplicates(virtuoso, example_build, tmp_path, method):
    graph = f"urn:kg-test:{method.replace(' ', '-')}"
    store = virtuoso.graph_store if method == "graph store" else None
    send = {"graph_iri": graph, "user": virtuoso.user, "password": virtuoso.password, "graph_store": store}
    expected = triples_in(example_build)

    report = push(example_build, virtuoso.update, **send)
    assert (report.method, report.triples) == (method, expected)
    assert server_count(virtuoso, graph) == expected
    push(example_build, virtuoso.update, **send)
    assert server_count(virtuoso, graph) == expected  # pushed twice, held once

    # Triples gone from the build are gone from the server: the graph is replaced, not added to.
    push(smaller_build(example_build, tmp_path, 100), virtuoso.update, **send)
    assert server_count(virtuoso, graph) == 100
    staging = select(virtuoso.query, f"ASK WHERE {{ GRAPH <{graph}-staging> {{ ?s ?p ?o }} }}").rows
    assert staging == [[False]]


@pytest.mark.server
def test_push_goes_to_the_builds_default_graph(virtuoso, example_build, pushed):
    assert pushed == build_graph_iri(example_build) == "https://w3id.org/kg-ml/resource/graph"
    assert server_count(virtuoso, pushed) == triples_in(example_build)


def normalise(table):
    """Rows in a canonical order, numbers as floats, the parts of " | "-joined lists sorted."""

    def value(v):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return round(float(v), 9)
        if isinstance(v, str) and " | " in v:
            return " | ".join(sorted(v.split(" | ")))
        return v

    return sorted((tuple(value(v) for v in row) for row in table.rows), key=repr)


@pytest.mark.server
@pytest.mark.parametrize("name", sorted(CASES))
def test_canned_query_answers_on_virtuoso_as_on_oxigraph(virtuoso, example_build, pushed, name):
    assert_same_answers(virtuoso, example_build, pushed, name, CASES[name])


def assert_same_answers(virtuoso, build_dir, graph_iri, name, cases):
    """The canned query's answers on Virtuoso, with its defaults, each case and each parameter
    emptied ("any"), are the build's own."""
    canned, local = CATALOG[name], open_store(build_dir)
    rows = 0
    for given in [{}, *cases, *({param: ""} for param in canned.params)]:
        arguments = canned.arguments(given)
        expected = local.select(canned.text, arguments)
        answered = select(virtuoso.query, canned.text, arguments, graph_iri=graph_iri)
        assert answered.columns == expected.columns == canned.columns
        assert normalise(answered) == normalise(expected), given
        rows += len(expected.rows)
    assert rows > 0, "no case of this query answers anything: the comparison would prove nothing"


@pytest.mark.server
def test_an_endpoint_answers_one_page_and_the_total(virtuoso, example_build, pushed):
    canned = CATALOG["methods-by-modality"]
    arguments = canned.arguments({})
    whole = select(virtuoso.query, canned.text, arguments, graph_iri=pushed)
    page = select(virtuoso.query, canned.text, arguments, graph_iri=pushed, page=Page(limit=5, offset=3))
    assert len(whole.rows) > 8
    assert (page.rows, page.total, page.offset) == (whole.rows[3:8], len(whole.rows), 3)


# Virtuoso 7.2's STR() and REPLACE() of a plain literal turn characters outside Latin-1 into "?"
# (openlink/virtuoso-opensource#609), which is why the catalog types a name parameter with
# STRDT(..., xsd:string) before REPLACE.
@pytest.mark.server
def test_non_ascii_name_matches_on_virtuoso(virtuoso, example_build, pushed):
    canned = CATALOG["papers-mentioning"]
    arguments = canned.arguments({"name": "μ-Bench"})
    expected = open_store(example_build).select(canned.text, arguments)
    assert expected.rows, "the example corpus names μ-Bench"
    assert normalise(select(virtuoso.query, canned.text, arguments, graph_iri=pushed)) == normalise(expected)


def test_every_canned_query_has_cases():
    assert set(CASES) | set(METADATA_CASES) == set(CATALOG)
    assert not set(CASES) & set(METADATA_CASES)


@pytest.mark.server
@pytest.mark.parametrize("name", sorted(METADATA_CASES))
def test_time_and_people_questions_answer_on_virtuoso_as_on_oxigraph(virtuoso, metadata_build, name):
    graph = push(
        metadata_build,
        virtuoso.update,
        graph_iri="urn:kg-test:metadata",
        user=virtuoso.user,
        password=virtuoso.password,
        graph_store=virtuoso.graph_store,
    ).graph
    assert_same_answers(virtuoso, metadata_build, graph, name, METADATA_CASES[name])


@pytest.mark.server
def test_injected_parameter_is_a_literal_and_changes_nothing(virtuoso, example_build, pushed):
    canned = CATALOG["papers-mentioning"]
    before = server_count(virtuoso, pushed)
    # As dba on the endpoint that accepts updates, so only the binding stands between the text and DROP ALL.
    answered = select(
        virtuoso.update,
        canned.text,
        canned.arguments({"name": INJECTION}),
        graph_iri=pushed,
        user=virtuoso.user,
        password=virtuoso.password,
    )
    assert answered.rows == []
    assert server_count(virtuoso, pushed) == before == triples_in(example_build)


@pytest.mark.server
def test_query_sees_only_the_pushed_graph(virtuoso, example_build, pushed, tmp_path):
    other = "urn:kg-test:other"
    push(
        smaller_build(example_build, tmp_path, 10),
        virtuoso.update,
        graph_iri=other,
        user=virtuoso.user,
        password=virtuoso.password,
    )
    assert server_count(virtuoso, other) == 10
    assert server_count(virtuoso, pushed) == triples_in(example_build)


def one_line_error(call) -> str:
    with pytest.raises(EndpointError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_wrong_port_is_one_line(example_build):
    [port] = free_ports(1)  # nothing listens there
    message = one_line_error(lambda: select(f"http://127.0.0.1:{port}/sparql", "ASK {}"))
    assert message == f"http://127.0.0.1:{port}/sparql: cannot reach the server (Connection refused)"
    message = one_line_error(lambda: push(example_build, f"http://127.0.0.1:{port}/sparql", user="dba", password="dba"))
    assert "cannot reach the server" in message


@pytest.mark.server
@pytest.mark.parametrize("method", ["update", "graph store"])
def test_wrong_password_is_one_line_without_the_password(virtuoso, example_build, method):
    store = virtuoso.graph_store if method == "graph store" else None
    secret = "not-the-password-x7"
    message = one_line_error(
        lambda: push(
            example_build,
            virtuoso.update,
            graph_iri="urn:kg-test:refused",
            user="dba",
            password=secret,
            graph_store=store,
        )
    )
    assert message.endswith("HTTP 401, the server refused the user and password")
    assert secret not in message and "dba" not in message
    assert server_count(virtuoso, "urn:kg-test:refused") == 0


@pytest.mark.server
def test_missing_credentials_and_read_only_endpoint_are_one_line(virtuoso, example_build):
    message = one_line_error(lambda: push(example_build, virtuoso.update, graph_iri="urn:kg-test:anonymous"))
    assert message == f"{virtuoso.update}: HTTP 401, the server needs a user and password"
    # Virtuoso's anonymous endpoint refuses updates with HTTP 500 and its own message.
    message = one_line_error(lambda: push(example_build, virtuoso.query, graph_iri="urn:kg-test:anonymous"))
    assert message.startswith(f"{virtuoso.query}: HTTP 500: ") and "SECURITY" in message


@pytest.mark.server
def test_server_error_message_is_one_line(virtuoso):
    message = one_line_error(lambda: select(virtuoso.query, "SELECT ?x WHERE { ?x ?y }"))
    assert message.startswith(f"{virtuoso.query}: HTTP 400: Virtuoso 37000 Error SP030: SPARQL compiler, line 1")


@pytest.mark.server
def test_credentials_in_the_url_are_refused_and_not_shown(virtuoso):
    message = one_line_error(lambda: select(virtuoso.query.replace("//", "//dba:secret-y8@"), "ASK {}"))
    assert message == f"{virtuoso.query}: give the user and password apart, not inside the URL"


# -- the same through the command line, as a person runs it -----------------------------------


def kg(*args, env=None):
    from click.testing import CliRunner

    from kg.cli import cli

    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.mark.server
def test_kg_load_sparql_then_kg_query_endpoint(virtuoso, example_build):
    graph = "urn:kg-test:cli"
    pushed = kg(
        "load",
        "sparql",
        "--build",
        str(example_build),
        "--endpoint",
        virtuoso.update,
        "--graph-store",
        virtuoso.graph_store,
        "--graph",
        graph,
        "--user",
        virtuoso.user,
        env={"SPARQL_PASSWORD": virtuoso.password},
    )
    assert pushed.exit_code == 0, pushed.output
    assert pushed.output.startswith(f"pushed {triples_in(example_build)} triples into <{graph}> at {virtuoso.update}")
    assert server_count(virtuoso, graph) == triples_in(example_build)

    local = kg("query", "lora-variants-for-task", "--build", str(example_build), "--format", "json")
    remote = kg(
        "query",
        "lora-variants-for-task",
        "--build",
        str(example_build),
        "--format",
        "json",
        "--endpoint",
        virtuoso.query,
        "--graph",
        graph,
    )
    assert remote.exit_code == 0, remote.output
    as_rows = lambda result: sorted(json.dumps(row, sort_keys=True) for row in json.loads(result.output))  # noqa: E731
    assert as_rows(remote) == as_rows(local) and "SALT" in remote.output


@pytest.mark.server
def test_kg_load_sparql_wrong_password_is_one_line_and_secret(virtuoso, example_build):
    secret = "wrong-secret-q3"
    result = kg(
        "load",
        "sparql",
        "--build",
        str(example_build),
        "--endpoint",
        virtuoso.update,
        "--graph",
        "urn:kg-test:cli-refused",
        "--user",
        "dba",
        env={"SPARQL_PASSWORD": secret},
    )
    assert result.exit_code == 1
    assert result.output == f"error: {virtuoso.update}: HTTP 401, the server refused the user and password\n"
    assert secret not in result.output
