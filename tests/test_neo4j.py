"""The Neo4j path against a real Neo4j server: load, reload, update, parity with SPARQL, failures.

The server is Neo4j Community 5.26 embedded in a small Java launcher (tests/neo4j/), built with
Maven on first use (``mvn -q -f tests/neo4j/pom.xml package``; Maven Central the first time,
the local Maven repository after) and started once for the session on a free loopback port.
Without ``java`` (or without ``mvn`` while the launcher is not built yet) these tests skip,
saying why.
"""

from __future__ import annotations

import copy
import json
import os
import re
import secrets
import select
import shutil
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import neo4j
import pytest
from click.testing import CliRunner
from test_catalog_exact import (
    assert_groups_are_nodes,
    assert_ranked_by_direction,
    assert_uses_are_typed_statements,
    corpus_build,
)

from kg.build import build
from kg.catalog import load_catalog
from kg.cli import cli
from kg.neo4j_store import ENTITY_KINDS, Neo4jStoreError, load, run_cypher
from kg.store import Page, open_store
from kg.vocab import normalize_name

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tests" / "neo4j"
JAR = SERVER / "target" / "kg-neo4j-server.jar"
USER = "neo4j"
# A fresh password each session, so a test can check that it never reaches the output.
PASSWORD = "kg-" + secrets.token_hex(12)


def launcher_command(data: Path, port: int) -> list[str]:
    """The Neo4j launcher's command line. C1 only and the serial collector: a JVM that starts sooner
    on a machine of two cores."""
    return ["java", "-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", str(JAR), str(data), str(port)]


INJECTIONS = ['x" } ; DROP ALL ; #', "' DETACH DELETE n //", "}) MATCH (n) DETACH DELETE n //"]


class Neo4jServer:
    """The launcher as a child process: start (wait for READY), stop (close stdin), kill (SIGKILL)."""

    def __init__(self, home: Path, port: int):
        self.home, self.port, self.process = home, port, None
        self.uri = f"bolt://127.0.0.1:{port}"

    def start(self, timeout: float = 180) -> float:
        """Start the server and wait until it serves Bolt; returns the seconds that took."""
        started = time.monotonic()
        with open(self.home / "server.log", "ab") as log:  # the server writes to its own copy of the descriptor
            self.process = subprocess.Popen(
                launcher_command(self.home / "data", self.port),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env={**os.environ, "NEO4J_PASSWORD": PASSWORD},
            )
        line = b""
        while time.monotonic() - started < timeout:
            if select.select([self.process.stdout], [], [], 1)[0]:
                line = self.process.stdout.readline()
                if line.startswith(b"READY") or not line:
                    break
            if self.process.poll() is not None:
                break
        if not line.startswith(b"READY"):
            self.kill()
            tail = (self.home / "server.log").read_text(errors="replace")[-3000:]
            pytest.fail(f"Neo4j did not start on port {self.port}; server log ends:\n{tail}")
        return time.monotonic() - started

    def stop(self) -> None:
        """A clean stop: the launcher shuts Neo4j down when its standard input closes."""
        if self.process and self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """A crash: SIGKILL, no shutdown at all."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _build_launcher() -> None:
    """Build tests/neo4j with Maven unless the jar is newer than its sources."""
    sources = [SERVER / "pom.xml", *SERVER.glob("src/**/*.java")]
    if (
        JAR.exists()
        and (SERVER / "target" / "lib").is_dir()
        and JAR.stat().st_mtime > max(path.stat().st_mtime for path in sources)
    ):
        return
    if shutil.which("mvn") is None:
        pytest.skip("mvn not found: Maven 3 builds the Neo4j test server (apt-get install maven)")
    done = subprocess.run(
        ["mvn", "-q", "-B", "-f", str(SERVER / "pom.xml"), "package"], capture_output=True, text=True, timeout=1200
    )
    if done.returncode != 0:
        pytest.fail(f"building the Neo4j test server failed:\n{(done.stdout + done.stderr)[-3000:]}")


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory):
    """A real Neo4j 5.26 server with Bolt on a free loopback port, authentication on."""
    if shutil.which("java") is None:
        pytest.skip("java not found: the Neo4j tests need Java 17 (apt-get install openjdk-17-jdk-headless)")
    _build_launcher()
    server = Neo4jServer(tmp_path_factory.mktemp("neo4j"), _free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def db(neo4j_server):
    """An empty database on the session's server, and a driver to look into it."""
    with neo4j.GraphDatabase.driver(neo4j_server.uri, auth=(USER, PASSWORD)) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n")
        yield driver


def kg(*args, env=None, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, input=input, catch_exceptions=False)


def graph_json(build_dir: Path) -> dict:
    return json.loads((build_dir / "graph.json").read_text())


def name_index(graph: dict) -> dict[str, set[str]]:
    """Each match key of the graph's entities -> the ids of the entities it names: what the Name
    nodes and their NAMES links hold."""
    index: dict[str, set[str]] = {}
    for node in graph["nodes"]:
        if node["kind"] in ENTITY_KINDS:
            for name in [node["label"], *node.get("aliases", [])]:
                index.setdefault(normalize_name(name), set()).add(node["id"])
    return index


def expected_counts(graph: dict) -> tuple[Counter, Counter]:
    names = name_index(graph)
    return (
        Counter(node["kind"] for node in graph["nodes"]) + Counter({"Name": len(names)}),
        Counter(edge["predicate"].upper() for edge in graph["edges"])
        + Counter({"NAMES": sum(map(len, names.values()))}),
    )


def loaded_name_index(driver) -> dict[str, set[str]]:
    records = driver.execute_query("MATCH (k:Name) OPTIONAL MATCH (k)-[:NAMES]->(n) RETURN k.key AS key, n.id AS id")
    index: dict[str, set[str]] = {}
    for record in records.records:
        index.setdefault(record["key"], set()).update([record["id"]] if record["id"] else [])
    return index


def counts(driver) -> tuple[Counter, Counter]:
    nodes = driver.execute_query("MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n").records
    rels = driver.execute_query("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n").records
    return Counter({r["label"]: r["n"] for r in nodes}), Counter({r["type"]: r["n"] for r in rels})


def snapshot(driver) -> tuple[dict, set]:
    """Every node's properties by id (a Name node's by its key), and every relationship as (start,
    type, end, paper, evidence, confidence)."""
    node_id = "coalesce({0}.id, 'name:' + {0}.key)"
    nodes = driver.execute_query(
        f"MATCH (n) RETURN {node_id.format('n')} AS id, labels(n) AS labels, properties(n) AS props"
    ).records
    rels = driver.execute_query(
        f"MATCH (s)-[r]->(e) RETURN {node_id.format('s')} AS s, type(r) AS t, {node_id.format('e')} AS e, "
        "r.paper AS paper, r.evidence AS evidence, r.confidence AS confidence"
    ).records
    return (
        {r["id"]: (r["labels"], {k: v for k, v in r["props"].items() if k != "loadId"}) for r in nodes},
        {tuple(r.values()) for r in rels},
    )


def load_example(server, build_dir, **options):
    return load(build_dir, server.uri, USER, PASSWORD, **options)


# -- loading ---------------------------------------------------------------------------------------


@pytest.mark.server
def test_load_gives_the_counts_of_graph_json_and_loading_twice_changes_nothing(neo4j_server, example_build, db):
    graph = graph_json(example_build)
    result = kg(
        "load",
        "neo4j",
        "--uri",
        neo4j_server.uri,
        "--build",
        example_build,
        "--no-embeddings",
        env={"NEO4J_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"loaded 120 papers into {neo4j_server.uri} (database neo4j): "
        f"{len(graph['nodes'])} nodes, {len(graph['edges'])} relationships"
    )
    assert PASSWORD not in result.output
    assert counts(db) == expected_counts(graph)
    first = snapshot(db)

    report = load_example(neo4j_server, example_build, batch_size=100)
    assert (report.removed_nodes, report.removed_relationships) == (0, 0)
    assert counts(db) == expected_counts(graph)
    assert snapshot(db) == first


@pytest.mark.server
def test_nodes_and_relationships_carry_the_graph_attributes(neo4j_server, example_build, db):
    load_example(neo4j_server, example_build)
    graph = graph_json(example_build)
    edge = next(e for e in graph["edges"] if e["source"] == "method/salt" and e["predicate"] == "variant_of")
    record = db.execute_query(
        "MATCH (s:Method {id: 'method/salt'})-[r:VARIANT_OF {paper: $paper}]->(e:Method {id: $target}) "
        "RETURN r.evidence AS evidence, r.confidence AS confidence, e.matchKeys AS keys, s.papers AS papers",
        paper=edge["paper"],
        target=edge["target"],
    ).records
    assert len(record) == 1
    assert record[0]["evidence"] == edge["evidence"] and record[0]["confidence"] == pytest.approx(edge["confidence"])
    assert "lora" in record[0]["keys"] and edge["paper"] in record[0]["papers"]
    paper = db.execute_query(
        "MATCH (p:Paper {id: $id}) RETURN p.title AS title, p.paper_id AS pid", id=f"paper/{edge['paper']}"
    ).records[0]
    assert paper["pid"] == edge["paper"] and paper["title"]
    constraints = {r["name"] for r in db.execute_query("SHOW CONSTRAINTS YIELD name").records}
    assert {"kg_paper_id", "kg_method_id", "kg_result_id"} <= constraints


@pytest.mark.server
def test_search_runs_in_the_neo4j_vector_indexes_as_on_the_build(neo4j_server, example_build, db):
    env = {"NEO4J_PASSWORD": PASSWORD}
    assert kg("load", "neo4j", "--uri", neo4j_server.uri, "--build", example_build, env=env).exit_code == 0
    indexes = {r["name"] for r in db.execute_query("SHOW VECTOR INDEXES YIELD name").records}
    assert {"kg_paper_embedding", "kg_method_embedding", "kg_model_embedding"} <= indexes
    db.execute_query("CALL db.awaitIndexes(300)")

    text = "adapting the segment anything model to 3D CT volumes"
    local = json.loads(kg("search", text, "--build", example_build, "--limit", "3", "--format", "json").output)
    remote = kg("search", text, "--neo4j", "--uri", neo4j_server.uri, "--limit", "3", "--format", "json", env=env)
    assert remote.exit_code == 0, remote.output
    remote = json.loads(remote.output)
    assert [hit["node"] for hit in remote] == [hit["node"] for hit in local]
    assert [hit["score"] for hit in remote] == pytest.approx([hit["score"] for hit in local], abs=1e-3)
    methods = json.loads(
        kg(
            "search",
            "preference optimisation",
            "--neo4j",
            "--uri",
            neo4j_server.uri,
            "--kind",
            "Method",
            "--format",
            "json",
            env=env,
        ).output
    )
    assert methods and {hit["kind"] for hit in methods} == {"Method"}


def _changed(graph: dict) -> tuple[dict, str, tuple, tuple]:
    """The graph with one paper's variant_of statement dropped and another of its statements reworded."""
    changed = copy.deepcopy(graph)
    dropped = next(e for e in changed["edges"] if e["predicate"] == "variant_of" and e["paper"])
    paper = dropped["paper"]
    changed["edges"].remove(dropped)
    reworded = next(e for e in changed["edges"] if e["paper"] == paper and e["predicate"] == "mentions")
    reworded["evidence"] = "reworded in the newer build"
    key = lambda e: (e["source"], e["predicate"].upper(), e["target"], e["paper"])  # noqa: E731
    return changed, paper, key(dropped), key(reworded)


def _write_build(folder: Path, graph: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "graph.json").write_text(json.dumps(graph))
    return folder


@pytest.mark.server
def test_a_newer_build_updates_only_the_changed_paper(neo4j_server, example_build, db, tmp_path):
    load_example(neo4j_server, example_build)
    before_nodes, before = snapshot(db)
    changed, _, dropped, reworded = _changed(graph_json(example_build))

    report = load_example(neo4j_server, _write_build(tmp_path / "newer", changed))
    after_nodes, after = snapshot(db)
    assert report.removed_relationships == 1
    assert counts(db) == expected_counts(changed)
    assert {r[:4] for r in before - after} == {dropped, reworded}
    assert {r[:4] for r in after - before} == {reworded}
    assert next(r for r in after if r[:4] == reworded)[4] == "reworded in the newer build"
    assert after_nodes == before_nodes


@pytest.mark.server
def test_a_build_of_one_paper_leaves_the_other_papers_alone(neo4j_server, example_build, db, tmp_path):
    """A build holding only some papers replaces their statements; every other paper's stay as they were."""
    load_example(neo4j_server, example_build)
    before_nodes, before = snapshot(db)
    changed, paper, dropped, reworded = _changed(graph_json(example_build))
    # Just this paper: its node, its statements, the nodes they touch and their vocabulary ancestors.
    edges = [e for e in changed["edges"] if e["paper"] == paper]
    keep = {f"paper/{paper}"} | {e["source"] for e in edges} | {e["target"] for e in edges}
    broader = [e for e in changed["edges"] if e["predicate"] == "broader"]
    while True:
        more = {e["target"] for e in broader if e["source"] in keep} - keep
        if not more:
            break
        keep |= more
    edges += [e for e in broader if e["source"] in keep]
    subset = {**changed, "nodes": [n for n in changed["nodes"] if n["id"] in keep], "edges": edges}

    load_example(neo4j_server, _write_build(tmp_path / "one-paper", subset))
    after_nodes, after = snapshot(db)
    assert {r[:4] for r in before - after} == {dropped, reworded}
    assert {r for r in before if r[3] != paper} == {r for r in after if r[3] != paper}
    # Entities shared with other papers still list them.
    assert after_nodes.keys() == before_nodes.keys()
    for node_id, (_, props) in after_nodes.items():
        assert sorted(props.get("papers", [])) == sorted(before_nodes[node_id][1].get("papers", [])), node_id


@pytest.mark.server
def test_an_interrupted_load_is_completed_by_the_next(neo4j_server, example_build, db):
    graph = graph_json(example_build)
    load_example(neo4j_server, example_build)
    clean = snapshot(db)
    db.execute_query("MATCH (n) DETACH DELETE n")

    def crash_after_some_batches(done, total):
        if done >= total // 3:
            neo4j_server.kill()

    with pytest.raises(Neo4jStoreError, match="cannot reach Neo4j"):
        load_example(neo4j_server, example_build, batch_size=50, progress=crash_after_some_batches)
    neo4j_server.start()
    with neo4j.GraphDatabase.driver(neo4j_server.uri, auth=(USER, PASSWORD)) as driver:
        partial = counts(driver)
        assert 0 < sum(partial[0].values()) + sum(partial[1].values()) < len(graph["nodes"]) + len(graph["edges"])
        load_example(neo4j_server, example_build)
        assert counts(driver) == expected_counts(graph)
        assert snapshot(driver) == clean


# -- bulk import (neo4j-admin) --------------------------------------------------------------------

ADMIN = SERVER / "neo4j-admin"  # Neo4j's own admin tool, from the test server's jars


def everything(driver) -> tuple[dict, Counter]:
    """Every node (labels, properties) by id (a Name node's by its key) and every relationship with all
    its properties, loadId left out: what two loads of one build must agree on."""
    node_id = "coalesce({0}.id, 'name:' + {0}.key)"

    def plain(props):
        return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in props.items() if k != "loadId"))

    nodes = driver.execute_query(
        f"MATCH (n) RETURN {node_id.format('n')} AS id, labels(n) AS labels, properties(n) AS props"
    ).records
    rels = driver.execute_query(
        f"MATCH (s)-[r]->(e) RETURN {node_id.format('s')} AS s, type(r) AS t, {node_id.format('e')} AS e, "
        "properties(r) AS props"
    ).records
    return (
        {r["id"]: (sorted(r["labels"]), plain(r["props"])) for r in nodes},
        Counter((r["s"], r["t"], r["e"], plain(r["props"])) for r in rels),
    )


def answers(uri: str) -> dict:
    """Every canned Cypher twin's answer, with its parameters left out, emptied and as the other tests give them."""
    catalog = load_catalog(language="cypher")
    asked = [(name, {}) for name in sorted(catalog)] + EXTRA_ARGUMENTS
    asked += [(name, {param: ""}) for name in sorted(catalog) for param in catalog[name].params]
    return {
        (name, tuple(sorted(given.items()))): normalised(
            run_cypher(catalog[name].text, catalog[name].arguments(given), uri, USER, PASSWORD)
        )
        for name, given in asked
    }


@pytest.fixture
def stopped_server(tmp_path):
    """A second Neo4j, not started: its HOME (NEO4J_HOME for neo4j-admin) holds no database yet."""
    server = Neo4jServer(tmp_path / "bulk", _free_port())
    (server.home / "data").mkdir(parents=True)
    yield server
    server.stop()


@pytest.mark.server
def test_a_bulk_import_answers_as_a_batched_load_and_later_loads_update_it(
    neo4j_server, stopped_server, example_build, db, tmp_path
):
    load_example(neo4j_server, example_build)
    batched, batched_answers = everything(db), answers(neo4j_server.uri)
    assert sum(len(rows) for rows in batched_answers.values()) > 0
    bulk = ["load", "neo4j", "--bulk", "--build", example_build, "--neo4j-admin", ADMIN, "--no-embeddings"]
    env = {"NEO4J_HOME": str(stopped_server.home / "data"), "NEO4J_PASSWORD": PASSWORD}
    graph = graph_json(example_build)

    imported = kg(*bulk, env=env)
    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith(
        f"imported 120 papers into database neo4j ({stopped_server.home / 'data' / 'data' / 'databases' / 'neo4j'}): "
        f"{len(graph['nodes'])} nodes, {len(graph['edges'])} relationships in "
    )
    assert not [path.name for path in example_build.iterdir() if path.name.startswith(".neo4j-import")]

    stopped_server.start()
    _one_line_error(kg(*bulk, env=env), "database neo4j is running", "stop Neo4j first")
    finished = kg("load", "neo4j", "--finish", "--uri", stopped_server.uri, env=env)
    assert finished.exit_code == 0 and finished.output.startswith("indexed database neo4j"), finished.output
    with neo4j.GraphDatabase.driver(stopped_server.uri, auth=(USER, PASSWORD)) as driver:
        assert everything(driver) == batched
        constraints = {r["name"] for r in driver.execute_query("SHOW CONSTRAINTS YIELD name").records}
        assert {"kg_paper_id", "kg_method_id", "kg_name_key"} <= constraints
        driver.execute_query("CALL db.awaitIndexes(300)")
        assert answers(stopped_server.uri) == batched_answers

        # A batched load on top finds every node and statement the import wrote: nothing doubles.
        again = load_example(stopped_server, example_build)
        assert (again.removed_nodes, again.removed_relationships) == (0, 0)
        assert everything(driver) == batched
        assert answers(stopped_server.uri) == batched_answers
        changed, _, dropped, reworded = _changed(graph)
        newer = load_example(stopped_server, _write_build(tmp_path / "newer", changed))
        assert newer.removed_relationships == 1
        assert counts(driver) == expected_counts(changed)
        after = snapshot(driver)[1]
        assert dropped not in {r[:4] for r in after}
        assert next(r for r in after if r[:4] == reworded)[4] == "reworded in the newer build"

    stopped_server.stop()
    _one_line_error(kg(*bulk, env=env), "holds data", "load without --bulk")


@pytest.mark.server
def test_a_bulk_import_replaces_the_empty_database_of_a_neo4j_started_once(stopped_server, example_build):
    stopped_server.start()  # a first start creates the database neo4j, empty
    stopped_server.stop()
    env = {"NEO4J_HOME": str(stopped_server.home / "data")}
    imported = kg(
        "load", "neo4j", "--bulk", "--build", example_build, "--neo4j-admin", ADMIN, "--no-embeddings", env=env
    )
    assert imported.exit_code == 0, imported.output
    stopped_server.start()
    with neo4j.GraphDatabase.driver(stopped_server.uri, auth=(USER, PASSWORD)) as driver:
        assert counts(driver) == expected_counts(graph_json(example_build))


# -- queries ---------------------------------------------------------------------------------------

# Parameters beyond the defaults, so that every question is compared on answers that are not empty.
EXTRA_ARGUMENTS = [
    ("datasets-of", {"name": "Med-PaLM 2"}),
    ("datasets-of", {"name": "Instruction_Prompt tuning"}),
    ("what-beats", {"name": "ChatGPT"}),
    ("what-beats", {"name": "chat gpt", "dataset": "MIMIC-III"}),
    ("leaderboard", {"dataset": "med qa", "metric": "ACCURACY"}),
    ("lora-variants-for-task", {"task": "question answering", "domain": ""}),
    ("lora-variants-for-task", {"task": "", "domain": ""}),
    ("model-lineage", {"model": "SAM-Adapter"}),
    ("evidence-between", {"a": "SAM", "b": "sam adapter"}),
    ("methods-by-modality", {"min_papers": "1"}),
    ("new-datasets", {"domain": "medical"}),
    ("papers-mentioning", {"name": "low rank adaptation"}),
    ("most-fine-tuned-base-models", {"min_models": "2"}),
]


def normalised(table) -> list[tuple]:
    """Rows in a fixed order, numbers as floats; a " | "-joined list stays as it is, its order too."""

    def cell(value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return value

    return sorted((tuple(cell(v) for v in row) for row in table.rows), key=repr)


@pytest.fixture
def loaded(neo4j_server, example_build, db):
    load_example(neo4j_server, example_build)
    return neo4j_server


def test_every_canned_question_has_a_cypher_twin_with_the_same_header():
    sparql, cypher = load_catalog(), load_catalog(language="cypher")
    assert sparql.keys() == cypher.keys()
    for name, query in sparql.items():
        twin = cypher[name]
        assert (twin.question, twin.params, twin.columns) == (query.question, query.params, query.columns), name


# ... and on the build with paper metadata (authors, dates), for the questions about time and people.
METADATA_ARGUMENTS = [
    ("methods-by-year", {"method": "LoRA"}),
    ("first-to-propose", {"name": "DoRA"}),
    ("most-active-authors", {"name": "GLUE"}),
    ("newest-results", {"dataset": "E2E"}),
]


# ... and on the small corpus of tests/test_catalog_exact.py (two nodes of one label, mentions
# without use, lower-is-better metrics).
CORPUS_ARGUMENTS = [
    ("leaderboard", {"dataset": "", "metric": ""}),
    ("newest-results", {"dataset": "WikiText-103"}),
    ("what-beats", {"name": "GPT-4", "dataset": "DsThree"}),
    ("peft-methods-by-modality", {"family": "LoRA"}),
    ("preference-optimisation-in-domain", {"family": "DPO"}),
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return corpus_build(tmp_path_factory.mktemp("corpus") / "build")


@pytest.mark.server
def test_cypher_and_sparql_give_the_same_answers(neo4j_server, db, example_build, metadata_build, corpus):
    sparql, cypher = load_catalog(), load_catalog(language="cypher")
    answered = set()
    builds = ((example_build, EXTRA_ARGUMENTS), (metadata_build, METADATA_ARGUMENTS), (corpus, CORPUS_ARGUMENTS))
    for build_dir, extra in builds:
        db.execute_query("MATCH (n) DETACH DELETE n")
        load_example(neo4j_server, build_dir)
        store = open_store(build_dir)
        emptied = [(name, {param: ""}) for name in sorted(sparql) for param in sparql[name].params]  # "" = any
        for name, given in [(name, {}) for name in sorted(sparql)] + extra + emptied:
            expected = store.select(sparql[name].text, sparql[name].arguments(given))
            got = run_cypher(cypher[name].text, cypher[name].arguments(given), neo4j_server.uri, USER, PASSWORD)
            assert got.columns == expected.columns == sparql[name].columns, name
            assert normalised(got) == normalised(expected), (name, given, build_dir.parent.name)
            if expected.rows:
                answered.add(name)
    assert answered == set(sparql), f"questions never compared on a non-empty answer: {set(sparql) - answered}"


@pytest.mark.server
def test_a_page_of_a_twin_is_the_same_rows_in_both_engines_with_the_total(loaded, example_build):
    sparql, cypher = load_catalog(), load_catalog(language="cypher")
    store = open_store(example_build)

    def cells(rows):
        return [
            [float(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in row] for row in rows
        ]

    paged = 0
    for name in sorted(cypher):
        query = cypher[name]
        whole = run_cypher(query.text, query.arguments({}), loaded.uri, USER, PASSWORD)
        page = run_cypher(query.text, query.arguments({}), loaded.uri, USER, PASSWORD, page=Page(limit=5, offset=2))
        assert (page.rows, page.total, page.offset) == (whole.rows[2:7], len(whole.rows), 2), name
        twin = store.select(sparql[name].text, sparql[name].arguments({}), Page(limit=5, offset=2))
        assert twin.total == page.total and cells(twin.rows) == cells(page.rows), name
        paged += len(whole.rows) > 7
    assert paged >= 4  # several answers really span pages
    shown = kg("cypher", "models-in-domain", "--uri", loaded.uri, "--limit", "3", env={"NEO4J_PASSWORD": PASSWORD})
    total = len(store.select(sparql["models-in-domain"].text, sparql["models-in-domain"].arguments({})).rows)
    assert shown.exit_code == 0 and shown.stdout.count("\n") == 2 + 3
    assert shown.stderr.strip() == f"rows 1-3 of {total} (--offset 3 for the next page)"


@pytest.mark.server
def test_the_cypher_twins_group_by_node_read_typed_statements_and_rank_by_direction(neo4j_server, db, corpus):
    load_example(neo4j_server, corpus)
    catalog = load_catalog(language="cypher")

    def ask(name, given):
        return run_cypher(catalog[name].text, catalog[name].arguments(given), neo4j_server.uri, USER, PASSWORD)

    assert_groups_are_nodes(ask)
    assert_uses_are_typed_statements(ask)
    assert_ranked_by_direction(ask)


def plan_operators(plan: dict) -> list[tuple[str, str, int]]:
    """Every operator of a PROFILE plan as (type, details, rows), the type without its "@database"."""
    operators = [(plan["operatorType"].split("@")[0], plan.get("args", {}).get("Details", ""), plan.get("rows", 0))]
    for child in plan.get("children", []):
        operators += plan_operators(child)
    return operators


@pytest.mark.server
def test_every_cypher_twin_looks_names_up_in_the_name_index(loaded):
    """No twin scans every node; one that takes a name seeks it in the unique index of Name.key, and
    with names given, its scan of Name nodes (what serves "any name") reads no row."""
    with (
        neo4j.GraphDatabase.driver(loaded.uri, auth=(USER, PASSWORD), notifications_min_severity="OFF") as driver,
        driver.session() as session,
    ):
        for name, query in load_catalog(language="cypher").items():
            for given in ({}, dict.fromkeys(query.params, "")):
                operators = plan_operators(
                    session.run("PROFILE " + query.text, query.arguments(given)).consume().profile
                )
                assert "AllNodesScan" not in {operator for operator, _, _ in operators}, (name, given)
                if not re.search(r"\$\w+_key\b", query.text):
                    continue
                seeks = {
                    operator
                    for operator, details, _ in operators
                    if operator in ("NodeUniqueIndexSeek", "NodeIndexSeek") and ":Name(key)" in details
                }
                assert seeks, (name, given, operators)
                if not given:
                    name_scans = [
                        rows
                        for operator, details, rows in operators
                        if operator == "NodeByLabelScan" and details.endswith(":Name")
                    ]
                    assert not any(name_scans), (name, operators)


@pytest.mark.server
def test_the_name_index_follows_a_reload(neo4j_server, example_build, db, tmp_path):
    """A name an entity no longer has finds it no more (its link and its lone Name node go), a new
    one finds it, and every other entity keeps its names."""
    load_example(neo4j_server, example_build)
    graph = graph_json(example_build)
    assert loaded_name_index(db) == name_index(graph)
    query = load_catalog(language="cypher")["papers-mentioning"]

    def papers(name):
        return run_cypher(query.text, query.arguments({"name": name}), neo4j_server.uri, USER, PASSWORD).rows

    lora = papers("LoRA")
    assert lora and papers("low rank adaptation") == lora
    changed = copy.deepcopy(graph)
    node = next(n for n in changed["nodes"] if n["id"] == "method/lora")
    node["aliases"] = [a for a in node["aliases"] if normalize_name(a) != "lowrankadaptation"] + ["LoRA adapters"]
    load_example(neo4j_server, _write_build(tmp_path / "renamed", changed))
    assert papers("low rank adaptation") == [] and papers("lora adapters") == papers("LoRA") == lora
    assert loaded_name_index(db) == name_index(changed)
    assert "lowrankadaptation" not in name_index(changed)


@pytest.mark.server
def test_each_sources_metadata_is_queryable_in_cypher(neo4j_server, db, sources_build):
    load_example(neo4j_server, sources_build)
    records = db.execute_query(
        "MATCH (p:Paper)-[:HAS_AUTHOR {position: 1}]->(a:Author) "
        "RETURN p.paper_id AS id, p.year AS year, a.label AS first, p.pmid AS pmid, p.openalex AS openalex, "
        "p.s2 AS s2, p.arxiv AS arxiv, p.doi AS doi"
    ).records
    found = {r["id"]: r for r in records}
    assert (found["pmid:36000001"]["year"], found["pmid:36000001"]["first"]) == (2022, "Medical Imaging Consortium")
    lora = found["2106.09685"]  # arXiv snapshot, Atom, OpenAlex, BibTeX and CSL-JSON: one paper
    assert (lora["openalex"], lora["arxiv"], lora["doi"]) == ("W3168867926", "2106.09685", "10.48550/arxiv.2106.09685")
    assert found["2212.13138"]["pmid"] == "37438534"  # PubMed's record of the arXiv paper, merged by DOI
    assert found["2305.14314"]["s2"] == "32ac52069e562d4f900afee70bdca63f53461481"
    assert found["muller_adapters_2022"]["first"] == "Jörg Müller"


@pytest.mark.server
def test_authors_load_in_order_and_go_when_no_paper_names_them(neo4j_server, db, metadata_build, tmp_path):
    load_example(neo4j_server, metadata_build)
    order = "MATCH (:Paper {paper_id: $id})-[r:HAS_AUTHOR]->(a:Author) RETURN a.label AS name ORDER BY r.position"
    names = [r["name"] for r in db.execute_query(order, id="2303.10512").records]
    assert names[:2] == ["Qingru Zhang", "Minshuo Chen"] and names[-1] == "Tuo Zhao"
    paper = db.execute_query("MATCH (p:Paper {paper_id: '2303.10512'}) RETURN p.year AS year, p.venue AS venue")
    assert (paper.records[0]["year"], paper.records[0]["venue"]) == (2023, "ICLR 2023")
    # The same paper rebuilt with another author list: the old authors' links and lone nodes go.
    papers = Path(__file__).resolve().parent / "data" / "metadata_papers.jsonl"
    records = [json.loads(line) for line in papers.read_text().splitlines()]
    changed = tmp_path / "papers.jsonl"
    changed.write_text(
        "".join(
            json.dumps({**r, "authors": ["Someone Else"]} if r["id"] == "2303.10512" else r) + "\n" for r in records
        )
    )
    rebuilt = tmp_path / "build"
    build([changed], rebuilt, embeddings=False)
    load_example(neo4j_server, rebuilt)
    assert [r["name"] for r in db.execute_query(order, id="2303.10512").records] == ["Someone Else"]
    gone = db.execute_query("MATCH (a:Author {label: 'Qingru Zhang'}) RETURN count(a) AS n").records[0]["n"]
    kept = db.execute_query("MATCH (a:Author {label: 'Weizhu Chen'}) RETURN count(a) AS n").records[0]["n"]
    assert (gone, kept) == (0, 1)  # Weizhu Chen also wrote the LoRA paper


@pytest.mark.server
@pytest.mark.parametrize("injection", INJECTIONS)
def test_injected_parameters_are_only_values(loaded, db, injection):
    before = counts(db)
    for name, query in load_catalog(language="cypher").items():
        arguments = query.arguments(dict.fromkeys(query.params, injection))
        assert run_cypher(query.text, arguments, loaded.uri, USER, PASSWORD).rows == [], name
    result = kg(
        "cypher",
        "papers-mentioning",
        "-p",
        f"name={injection}",
        "--uri",
        loaded.uri,
        "--format",
        "json",
        env={"NEO4J_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0 and json.loads(result.output) == []
    assert counts(db) == before and sum(before[1].values()) > 0


@pytest.mark.server
def test_kg_cypher_runs_a_canned_question_a_file_or_text(loaded, tmp_path):
    env = {"NEO4J_PASSWORD": PASSWORD}
    canned = kg("cypher", "most-fine-tuned-base-models", "--uri", loaded.uri, "--format", "json", env=env)
    assert canned.exit_code == 0, canned.output
    rows = json.loads(canned.output)
    assert rows and set(rows[0]) == {"base_model", "fine_tunes", "models"}
    query = tmp_path / "salt.cypher"
    query.write_text("MATCH (s:Method)-[:VARIANT_OF]->(p) WHERE $key IN s.matchKeys RETURN DISTINCT p.label AS parent")
    from_file = kg("cypher", query, "-p", "key=salt", "--uri", loaded.uri, "--format", "csv", env=env)
    assert from_file.exit_code == 0 and from_file.output.splitlines() == ["parent", "LoRA"]
    text = kg("cypher", "MATCH (p:Paper) RETURN count(p) AS papers", "--uri", loaded.uri, env=env)
    assert text.exit_code == 0 and text.output.split()[-1] == "120"


@pytest.mark.server
def test_kg_cypher_refuses_a_write_unless_allowed(loaded, db):
    env = {"NEO4J_PASSWORD": PASSWORD}
    before = counts(db)
    for write in (
        "MATCH (n) DETACH DELETE n",
        "CREATE (:Scratch {x: 1})",
        "MATCH (p:Paper) WITH p LIMIT 1 CALL { WITH p DETACH DELETE p } RETURN 1 AS done",
    ):
        result = kg("cypher", write, "--uri", loaded.uri, env=env)
        assert result.exit_code == 1 and result.output.startswith("error: this query would write"), write
    assert counts(db) == before
    allowed = kg("cypher", "CREATE (s:Scratch {x: 1}) RETURN s.x AS x", "--allow-update", "--uri", loaded.uri, env=env)
    assert allowed.exit_code == 0 and allowed.output.split()[-1] == "1"
    assert counts(db)[0]["Scratch"] == 1


# -- failures --------------------------------------------------------------------------------------


def _one_line_error(result, *expected):
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output, result.output
    for text in expected:
        assert text in lines[0], lines[0]
    assert PASSWORD not in result.output


@pytest.mark.server
def test_wrong_password_unreachable_server_and_unknown_database_fail_in_one_line(neo4j_server, example_build, db):
    good = {"NEO4J_PASSWORD": PASSWORD}
    wrong = kg(
        "load", "neo4j", "--uri", neo4j_server.uri, "--build", example_build, env={"NEO4J_PASSWORD": PASSWORD + "x"}
    )
    _one_line_error(wrong, "refused user 'neo4j'")
    port = _free_port()
    for command in (["load", "neo4j", "--build", example_build], ["cypher", "RETURN 1"]):
        unreachable = kg(*command, "--uri", f"bolt://127.0.0.1:{port}", env=good)
        _one_line_error(unreachable, f"cannot reach Neo4j at bolt://127.0.0.1:{port}")
        unknown = kg(*command, "--uri", neo4j_server.uri, "--database", "nosuchdb", env=good)
        _one_line_error(unknown, "has no database 'nosuchdb'")
    assert counts(db) == (Counter(), Counter())
    missing = kg("load", "neo4j", "--uri", neo4j_server.uri, "--build", example_build / "nothing", env=good)
    _one_line_error(missing, "no graph.json here")


@pytest.mark.server
def test_the_password_is_asked_for_without_echo_when_not_in_the_environment(loaded):
    result = CliRunner().invoke(
        cli,
        ["cypher", "RETURN 1 AS one", "--uri", loaded.uri],
        input=PASSWORD + "\n",
        env={"NEO4J_PASSWORD": ""},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "Neo4j password:" in result.output and PASSWORD not in result.output
    assert result.output.split()[-1] == "1"


@pytest.mark.server
def test_the_twins_break_ties_alike(neo4j_server, db, tmp_path):
    # Equal titles, and equal scores reported by several papers: ordered the same way by both
    # engines down to the last key (a 100k build listed such rows in two orders before).
    records = tmp_path / "ties.jsonl"
    records.write_text(
        "".join(
            json.dumps(
                {
                    "id": pid,
                    "title": title,
                    "abstract": "LoRA reaches 80.0% accuracy on MedQA.",
                    "entities": [{"name": "LoRA", "type": "Method"}, {"name": "MedQA", "type": "Dataset"}],
                    "relations": [],
                    "results": [
                        {"subject": "LoRA", "dataset": "MedQA", "metric": "accuracy", "value": 80.0, "unit": "%"}
                    ],
                }
            )
            + "\n"
            for pid, title in (("p3", "Same title"), ("p4", "Another title"), ("p1", "Same title"), ("p2", "Same"))
        )
    )
    build(records=[records], out=tmp_path / "build", embeddings=False)
    load_example(neo4j_server, tmp_path / "build")
    sparql, cypher = load_catalog(), load_catalog(language="cypher")
    store = open_store(tmp_path / "build")
    for name, given in (("papers-mentioning", {"name": "LoRA"}), ("leaderboard", {"dataset": "MedQA"})):
        expected = store.select(sparql[name].text, sparql[name].arguments(given))
        got = run_cypher(cypher[name].text, cypher[name].arguments(given), neo4j_server.uri, USER, PASSWORD)
        assert len(got.rows) == 4 and got.rows == expected.rows, name
    # the last one asked, the leaderboard: one score, so its rows go by title
    assert [row[-1] for row in got.rows] == ["Another title", "Same", "Same title", "Same title"]
