"""The commands as a person runs them: build the example corpus, extract, query, and fail cleanly."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.extract import EXTRACTOR_VERSION
from kg.rdf import graph_ntriples

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "record.schema.json"


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The example corpus built once with everything on (embeddings and every format included)."""
    out = tmp_path_factory.mktemp("kg") / "build"
    result = kg("build", "--out", out, "--formats", "all")
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.mark.slow
def test_build_writes_every_output_and_a_summary(built):
    out, output = built
    assert output.startswith(f"built {out}/: 120 papers, ")
    assert "entities:  Dataset" in output and "relations: " in output
    for name in (
        "extractions.jsonl",
        "graph.ttl",
        "graph.nt",
        "graph.jsonld",
        "graph.json",
        "merges.json",
        "manifest.json",
        "embeddings.npz",
    ):
        assert (out / name).stat().st_size > 0, name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["summary"]["papers"] == 120 and manifest["problems"] == []
    node_link = json.loads((out / "graph.json").read_text())
    assert len([n for n in node_link["nodes"] if n["kind"] == "Paper"]) == 120
    assert not list(out.glob(".*.tmp")) and not (out / "store.new").exists()


@pytest.mark.slow
def test_known_facts_of_the_example_corpus_are_in_the_graph(built):
    out, _ = built
    salt = kg(
        "sparql",
        """SELECT ?title WHERE {
        ?salt kgo:matchKey "salt" ; a kgo:Method .
        ?paper kgo:proposes ?salt ; dcterms:title ?title .
        ?salt (kgo:variantOf|skos:broader)+ ?lora . ?lora rdfs:label "LoRA" }""",
        "--build",
        out,
        "--format",
        "json",
    )
    assert [row["title"] for row in json.loads(salt.output)] == [
        "SALT: Singular Value Adaptation with Low-Rank Transformation"
    ]
    pmc = kg(
        "sparql",
        """SELECT ?domain WHERE {
        ?m a kgo:Model ; kgo:matchKey "pmcllama" .
        ?paper kgo:mentions ?m ; kgo:inDomain ?d . ?d rdfs:label ?domain }""",
        "--build",
        out,
        "--format",
        "json",
    )
    assert "medical" in {row["domain"] for row in json.loads(pmc.output)}


@pytest.mark.slow
def test_canned_query_prints_a_table_json_or_csv(built):
    out, _ = built
    table = kg("query", "lora-variants-for-task", "--build", out)
    assert table.exit_code == 0
    header, rule, *rows = table.output.splitlines()
    assert header.split() == ["variant", "papers", "titles"] and set(rule) <= {"-", " "}
    assert any(row.startswith("SALT ") for row in rows)
    as_csv = kg("query", "lora-variants-for-task", "-p", "task=segmentation", "--build", out, "--format", "csv")
    assert as_csv.output.splitlines()[0] == "variant,papers,titles"
    listing = json.loads(kg("query", "--list", "--format", "json").output)
    board = next(q for q in listing if q["name"] == "leaderboard")
    assert board["params"] == {"dataset": "MedQA", "metric": "accuracy"} and len(listing) >= 12
    assert "dataset='MedQA' metric='accuracy'" in kg("query").output


ABOUT_TIME_AND_PEOPLE = {"methods-by-year", "first-to-propose", "most-active-authors", "newest-results"}


@pytest.mark.slow
def test_every_canned_query_answers_with_its_defaults(built, metadata_build):
    out, _ = built
    listing = json.loads(kg("query", "--list", "--format", "json").output)
    for query in listing:
        # The example page gives no years or authors: the questions about time and people are
        # asked of the papers that have them.
        build_dir = metadata_build if query["name"] in ABOUT_TIME_AND_PEOPLE else out
        answer = kg("query", query["name"], "--build", build_dir, "--format", "json")
        rows = json.loads(answer.output)
        assert rows, f"{query['name']} answers nothing with its defaults {query['params']}"
        assert list(rows[0]) == query["columns"], query["name"]


@pytest.mark.slow
def test_both_engines_answer_alike(built):
    out, _ = built
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s kgo:usesMethod ?o }"
    ours = json.loads(kg("sparql", query, "--build", out, "--format", "json").output)
    theirs = json.loads(kg("sparql", query, "--build", out, "--format", "json", "--engine", "rdflib").output)
    assert ours == theirs and ours[0]["n"] > 0


def test_extract_writes_120_records_in_the_guideline_format(tmp_path, example_corpus):
    out = tmp_path / "x.jsonl"
    result = kg("extract", example_corpus, "--out", out)
    assert result.output == f"wrote 120 records to {out} (rules {EXTRACTOR_VERSION})\n"
    schema = json.loads(SCHEMA.read_text())
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 120
    for record in records:
        jsonschema.validate(record, schema)
    assert all(r["evidence"] for record in records for r in record["relations"])
    assert {(r["extractor"], r["extractor_version"]) for r in records} == {("rules", EXTRACTOR_VERSION)}


@pytest.mark.slow
def test_builds_are_deterministic_across_processes(tmp_path, example_corpus):
    first, second = tmp_path / "a", tmp_path / "b"
    assert kg("build", example_corpus, "--out", first, "--no-embeddings", "--formats", "all").exit_code == 0
    # A second interpreter has other hash seeds: set order must not leak into any file.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from kg.cli import cli; cli()",
            "build",
            str(example_corpus),
            "--out",
            str(second),
            "--no-embeddings",
            "--formats",
            "all",
        ],
        check=True,
        capture_output=True,
    )
    for name in ("extractions.jsonl", "graph.ttl", "graph.nt", "graph.jsonld", "graph.json", "merges.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_serialisations_are_written_on_request_and_never_left_stale(tmp_path, example_corpus):
    import rdflib
    from rdflib.compare import isomorphic

    out = tmp_path / "build"
    lean = kg("build", example_corpus, "--out", out, "--no-embeddings")
    assert lean.exit_code == 0 and (out / "graph.json").stat().st_size > 0
    assert not any((out / name).exists() for name in ("graph.nt", "graph.ttl", "graph.jsonld"))
    rows = kg("query", "datasets-of", "--build", out, "--format", "json").output
    assert kg("query", "datasets-of", "--build", out, "--engine", "rdflib", "--format", "json").output == rows
    # asked for later, on the same input: nothing is built again, the files are written from the store
    more = kg("build", example_corpus, "--out", out, "--no-embeddings", "--formats", "ttl,jsonld")
    assert more.exit_code == 0 and more.output.startswith(f"up to date {out}/")
    assert not (out / "graph.nt").exists()  # what they were written from, not asked for
    assert kg("build", example_corpus, "--out", out, "--no-embeddings", "--formats", "nt").exit_code == 0
    # the store's graph.nt is the one the writing pass writes for the same input, byte for byte
    fresh = tmp_path / "fresh"
    assert kg("build", example_corpus, "--out", fresh, "--no-embeddings", "--formats", "nt").exit_code == 0
    assert (out / "graph.nt").read_bytes() == (fresh / "graph.nt").read_bytes()
    nt = rdflib.Graph().parse(out / "graph.nt", format="nt")
    assert isomorphic(rdflib.Graph().parse(out / "graph.ttl", format="turtle"), nt)
    assert isomorphic(rdflib.Graph().parse(out / "graph.jsonld", format="json-ld"), nt)
    # a build that changes the graph and is not asked for them removes them: they would be stale
    fewer = kg("build", example_corpus, "--out", out, "--no-embeddings", "--max-records", "60")
    assert fewer.exit_code == 0 and f"built {out}/: 60 papers" in fewer.output
    assert not any((out / name).exists() for name in ("graph.nt", "graph.ttl", "graph.jsonld"))
    unknown = CliRunner().invoke(cli, ["build", "--out", str(out), "--formats", "ttl,xml"])
    assert unknown.exit_code == 2 and "unknown format 'xml' (choose from nt, ttl, jsonld, or all)" in unknown.output


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("bad.jsonl", '{"id": "a", "title": "T", "abstract": "A."}\n{oops\n', "bad.jsonl:2: invalid JSON"),
        ("bad.csv", "id,title,abstract\na,T\n", "bad.csv:2: row has 2 fields, header has 3"),
        (
            "bad.txt",
            b"Title\n\n\xff\xfe" + b"An abstract sentence. " * 20 + b"\n",
            "bad.txt:1: invalid UTF-8 in field 'abstract'",
        ),
        ("empty.jsonl", "", "empty.jsonl:1: no papers found"),
    ],
)
def test_bad_input_fails_with_one_line_and_leaves_the_previous_build(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "build"
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "g", "title": "DoRA", "abstract": "We propose DoRA, a LoRA variant."}) + "\n")
    assert kg("build", good, "--out", out, "--no-embeddings").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    result = CliRunner().invoke(cli, ["build", str(tmp_path / name), "--out", str(out), "--no-embeddings"])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {tmp_path}/{message}") and result.output.count("\n") == 1
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_skip_bad_reports_and_counts_skipped_records(tmp_path):
    source = tmp_path / "mixed.jsonl"
    source.write_text(
        '{"id": "a", "title": "DoRA", "abstract": "We propose DoRA, a LoRA variant."}\nnot json\n'
        '{"id": "c", "title": "No abstract"}\n'
    )
    result = CliRunner().invoke(
        cli, ["build", str(source), "--out", str(tmp_path / "b"), "--skip-bad", "--no-embeddings"]
    )
    assert result.exit_code == 0
    assert f"skipped: {source}:2: invalid JSON" in result.output
    assert f"skipped: {source}:3: record has no abstract" in result.output
    assert "warnings: 2 skipped records" in result.output
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["summary"]["papers"] == 1


def test_every_command_explains_itself_with_an_example():
    def leaves(group, path):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from leaves(command, [*path, name])
            else:
                yield [*path, name]

    assert kg("--help").exit_code == 0
    for command in leaves(cli, []):
        result = kg(*command, "--help")
        assert result.exit_code == 0 and "Example" in result.output and "kg " in result.output, command


@pytest.mark.slow
def test_search_finds_papers_by_meaning_and_reuses_the_cache(built):
    out, _ = built
    result = kg("search", "adapting segment anything to three-dimensional CT scans", "--build", out, "--format", "json")
    hits = json.loads(result.output)
    assert hits[0]["label"].startswith("3DSAM-adapter")
    assert hits == sorted(hits, key=lambda h: -h["score"])
    cache = (out / "embeddings.npz").stat().st_mtime_ns
    again = kg("search", "adapting segment anything to three-dimensional CT scans", "--build", out, "--format", "json")
    assert json.loads(again.output) == hits
    assert (out / "embeddings.npz").stat().st_mtime_ns == cache  # nothing new was embedded
    models = json.loads(kg("search", "a medical LLaMA", "--kind", "Model", "--build", out, "--format", "json").output)
    assert {h["kind"] for h in models} == {"Model"}


@pytest.mark.slow
def test_rebuild_extracts_only_new_or_changed_papers(tmp_path):
    papers = [
        {"id": f"p{i}", "title": f"Paper {i}", "abstract": f"We propose Method{i}, a LoRA variant for CT segmentation."}
        for i in range(3)
    ]
    source = tmp_path / "papers.jsonl"
    source.write_text("".join(json.dumps(p) + "\n" for p in papers))
    out = tmp_path / "build"
    assert (
        "extracted: 3 papers, reused from the previous build: 0"
        in kg("build", source, "--out", out, "--no-embeddings").output
    )
    written = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name != ".lock"}
    # the same inputs and settings: nothing is redone, nothing rewritten
    again = kg("build", source, "--out", out, "--no-embeddings").output
    assert again.startswith(f"up to date {out}/: 3 papers") and "reused from the previous build: 3" in again
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name != ".lock"} == written
    # another setting: the graph is written again from the records already extracted
    rebased = kg("build", source, "--out", out, "--no-embeddings", "--base-iri", "https://example.org/kg/").output
    assert rebased.startswith("built") and "extracted: 0 papers, reused from the previous build: 3" in rebased
    assert "https://example.org/kg/paper/p1" in graph_ntriples(out).decode()
    papers[1]["abstract"] = "We propose MethodX, a DoRA variant for MRI segmentation."
    papers.append({"id": "p9", "title": "Paper 9", "abstract": "We introduce QLoRA for LLaMA."})
    source.write_text("".join(json.dumps(p) + "\n" for p in papers))
    assert (
        "extracted: 2 papers, reused from the previous build: 2"
        in kg("build", source, "--out", out, "--no-embeddings").output
    )
    records = {r["id"]: r for r in map(json.loads, (out / "extractions.jsonl").read_text().splitlines())}
    assert "MethodX" in {e["name"] for e in records["p1"]["entities"]}


@pytest.mark.slow
def test_a_second_build_into_the_same_folder_refuses_while_one_runs(tmp_path, example_corpus):
    from kg.files import folder_lock

    out = tmp_path / "build"
    with folder_lock(out):
        result = CliRunner().invoke(cli, ["build", str(example_corpus), "--out", str(out), "--no-embeddings"])
    assert result.exit_code == 1
    assert result.output == f"error: {out}: another build is writing here (pid {os.getpid()}); try again when it ends\n"
    assert not (out / "manifest.json").exists()
    assert kg("build", example_corpus, "--out", out, "--no-embeddings").exit_code == 0  # the lock was released


@pytest.mark.slow
def test_validate_checks_the_build_against_the_shapes(built):
    out, output = built
    assert "shapes: conforms (0 violations" in output
    result = kg("validate", "--build", out)
    assert result.exit_code == 0 and result.output.startswith("conforms")


@pytest.mark.slow
def test_build_check_gates_on_pinned_answers(tmp_path, example_corpus):
    out, pins = tmp_path / "b", tmp_path / "pins.yaml"
    assert kg("build", example_corpus, "--out", out, "--no-embeddings").exit_code == 0
    pinned = kg("pin", "lora-variants-for-task", "leaderboard", "-p", "dataset=MedQA", "--build", out, "--out", pins)
    assert pinned.exit_code == 0 and pinned.output.startswith("pinned 2 queries (")

    passed = kg("build", example_corpus, "--out", out, "--no-embeddings", "--check", "--pins", pins)
    assert passed.exit_code == 0, passed.output
    assert "check passed" in passed.output

    # A pinned row the graph no longer answers: the build still happens, the gate fails with exit 3.
    text = pins.read_text().replace("- SALT\n", "- SALT-XL\n", 1)
    assert "SALT-XL" in text
    pins.write_text(text)
    failed = kg("build", example_corpus, "--out", out, "--no-embeddings", "--check", "--pins", pins)
    assert failed.exit_code == 3
    assert "check failed: 1 pinned query answers differently" in failed.output
    assert (
        "lora-variants-for-task {method: LoRA, task: segmentation, domain: medical}: 1 new row, 1 gone" in failed.output
    )
    assert (out / "manifest.json").exists()

    pins.write_text("- query: leaderboard\n  rows: [\n")
    broken = kg("build", example_corpus, "--out", out, "--no-embeddings", "--check", "--pins", pins)
    assert broken.exit_code == 1 and broken.output.splitlines()[-1].startswith(f"error: {pins}:")


def test_eval_scores_extractions_or_runs_the_extractor(tmp_path):
    gold = Path(__file__).resolve().parent / "data" / "heldout.jsonl"
    itself = json.loads(kg("eval", gold, "--gold", gold, "--format", "json").output)
    assert itself["entities"]["f1"] == 1.0  # annotations scored as predictions
    extracted = json.loads(kg("eval", gold, "--gold", gold, "--extract", "--format", "json").output)
    assert 0.5 < extracted["entities"]["f1"] < 1.0 and 0.3 < extracted["relations"]["f1"] < 1.0
