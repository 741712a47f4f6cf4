"""Records in: ``kg build --records`` builds the graph from records as they are given (an LLM
pipeline's, another tool's, a curator's), with no extraction, and keeps their own extractor name."""

import json

import pytest
from click.testing import CliRunner

from kg.build import build
from kg.cli import cli
from kg.rdf import graph_ntriples
from kg.readers import InputError
from kg.records import PAPER, RELATIONS
from kg.vocab import normalize_name


def gold(gold_path):
    return [json.loads(line) for line in gold_path.read_text().splitlines()]


def names(node: dict) -> set[str]:
    return {normalize_name(n) for n in [node["label"], *node.get("aliases", [])]}


@pytest.mark.slow
def test_a_records_build_holds_exactly_the_statements_of_the_records(tmp_path, gold_path):
    out = tmp_path / "build"
    report = build(records=[gold_path], out=out, embeddings=False)
    assert report.given == 120 and report.reused == 0 and report.dropped == {}
    graph = json.loads((out / "graph.json").read_text())
    nodes = {node["id"]: node for node in graph["nodes"]}
    built: dict[str, list] = {}
    for edge in graph["edges"]:
        if edge["predicate"] in RELATIONS:
            built.setdefault(edge["paper"], []).append(edge)
    for record in gold(gold_path):
        edges = built.get(record["id"], [])

        def matches(edge, relation, record=record):
            ends = []
            for end, name in ((edge["source"], relation["subject"]), (edge["target"], relation["object"])):
                ends.append(
                    end == f"paper/{record['id']}"
                    if name == PAPER
                    else end in nodes and normalize_name(name) in names(nodes[end])
                )
            return edge["predicate"] == relation["predicate"] and all(ends)

        # every statement of the record is in the graph, and the graph says nothing the record does not
        for relation in record["relations"]:
            assert any(matches(edge, relation) for edge in edges), (record["id"], relation)
        for edge in edges:
            assert any(matches(edge, relation) for relation in record["relations"]), (record["id"], edge)
        assert all(edge["extractor"] == "records" and "extractor_version" not in edge for edge in edges)
        results = [n for n in nodes.values() if n["kind"] == "Result" and n["paper"] == record["id"]]
        assert sorted((r["metric"], r["value"]) for r in results) == sorted(
            {(r["metric"], float(r["value"])) for r in record["results"]}
        )


def test_records_keep_their_own_extractor_and_rebuild_incrementally(tmp_path, gold_path):
    records = gold(gold_path)[:3]
    records[0]["extractor"] = "my-llm-pipeline"
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "build"
    result = CliRunner().invoke(cli, ["build", "--records", str(path), "--out", str(out), "--no-embeddings", "--check"])
    assert result.exit_code == 0, result.output
    assert "given as records: 3" in result.output
    nt = graph_ntriples(out).decode()
    assert '"my-llm-pipeline"' in nt and '"records"' in nt
    assert (
        CliRunner()
        .invoke(cli, ["build", "--records", str(path), "--out", str(out), "--no-embeddings"])
        .output.startswith("up to date")
    )
    # a changed record changes the graph
    before = json.loads((out / "manifest.json").read_text())["summary"]["relations"]["in_domain"]
    removed = sum(r["predicate"] == "in_domain" for r in records[1]["relations"])
    records[1]["relations"] = [r for r in records[1]["relations"] if r["predicate"] != "in_domain"]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    report = build(records=[path], out=out, embeddings=False)
    assert removed and not report.up_to_date and report.summary["relations"]["in_domain"] == before - removed


def test_a_record_the_schema_refuses_is_an_error_naming_file_line_and_paper(tmp_path, gold_path):
    records = gold(gold_path)[:2]
    records[1]["relations"].append({"subject": "@paper", "predicate": "likes", "object": "LoRA"})
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(
        InputError, match=rf"^{path}:2: paper {records[1]['id']}: not a valid record: relations/\d+/predicate"
    ):
        build(records=[path], out=tmp_path / "build", embeddings=False)
    report = build(records=[path], out=tmp_path / "build", embeddings=False, skip_bad=True)
    assert report.summary["papers"] == 1 and report.problems[0].startswith(f"{path}:2: paper {records[1]['id']}")


def test_a_paper_given_both_to_extract_and_as_a_record_is_a_duplicate(tmp_path, gold_path):
    record = gold(gold_path)[0]
    papers = tmp_path / "papers.jsonl"
    papers.write_text(json.dumps({k: record[k] for k in ("id", "title", "abstract")}) + "\n")
    given = tmp_path / "given.jsonl"
    given.write_text(json.dumps(record) + "\n")
    with pytest.raises(InputError, match=f"duplicate paper id '{record['id']}'"):
        build([papers], tmp_path / "build", records=[given], embeddings=False)
