"""The benchmark harness on a tiny corpus (so it keeps working), the generator's determinism, and
the worker pool's promise: the same build whatever the number of workers."""

import json
from collections import Counter

import pytest
from click.testing import CliRunner

from kg.build import POOL_SHARD, Previous, build, extraction_lines, paper_hash
from kg.cli import cli
from kg.records import Paper

OUTPUTS = ("extractions.jsonl", "graph.ttl", "graph.nt", "graph.jsonld", "graph.json", "merges.json", "manifest.json")


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_generator_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    paths = {name: tmp_path / f"{name}.jsonl" for name in ("a", "b", "c")}
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        result = kg("bench", "generate", "--n", 30, "--out", paths[name], "--seed", seed)
        assert result.output == f"wrote 30 papers to {paths[name]}\n"
    assert paths["a"].read_bytes() == paths["b"].read_bytes() != paths["c"].read_bytes()
    records = [json.loads(line) for line in paths["a"].read_text().splitlines()]
    assert len({r["id"] for r in records}) == 30
    assert all(len(r["abstract"]) > 200 and r["title"] for r in records)


@pytest.mark.slow
def test_bench_run_writes_figures_of_every_size_and_a_table(tmp_path):
    result = kg("bench", "run", "--sizes", "30", "--workdir", tmp_path, "--no-embeddings", "--workers", 2)
    assert result.exit_code == 0, result.output
    figures = json.loads((tmp_path / "bench.json").read_text())
    size = figures["sizes"]["30"]
    assert set(size) == {"generate_seconds", "extraction", "build", "sparql"}
    assert size["build"]["papers"] + size["build"]["skipped"] == 30 and size["build"]["peak_rss_mb"] > 0
    # measured, then removed (a 100k build folder is gigabytes); the corpus stays for a rerun
    assert size["build"]["disk_mb"] > 0 and not (tmp_path / "build-30").exists()
    assert (tmp_path / "corpus-30.jsonl").exists()
    # the memory of the build and its workers together, sampled from /proc (PSS: shared pages split)
    assert 0 < size["build"]["peak_memory_mb"] < 3 * size["build"]["peak_rss_mb"]
    assert {"extract", "resolve", "write", "validate"} <= set(size["build"]["stages"])
    extraction = size["extraction"]
    assert extraction["ours_per_s"] > 0 and extraction["spacy_per_s"] > 0 and extraction["spacy_matches"] > 0
    queries = size["sparql"]["queries"]
    assert "leaderboard" in queries and all(q["oxigraph_ms"] >= 0 for q in queries.values())
    assert all("rdflib_ms" in q for q in queries.values())  # 30 papers: rdflib runs too
    assert figures["neo4j"]["size"] == 30 and ("skipped" in figures["neo4j"] or "batched_s" in figures["neo4j"])
    assert (
        result.output.startswith("| papers | build s | peak memory MB (largest process) |")
        and "| leaderboard |" in result.output
    )


@pytest.mark.slow
def test_builds_with_one_or_two_workers_are_byte_identical(tmp_path):
    build(None, tmp_path / "one", embeddings=False, workers=1, formats=["all"])
    build(None, tmp_path / "two", embeddings=False, workers=2, formats=["all"])
    for name in OUTPUTS:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


@pytest.mark.parametrize("workers", [1, 2])
def test_extraction_reads_a_stream_a_few_shards_ahead_and_keeps_its_order(tmp_path, workers):
    # A million papers do not fit in memory: extraction must take them as a stream, not list them.
    papers = [Paper(f"p{i}", f"Paper {i}", f"We fine-tune LLaMA-{i} with LoRA on MedQA.") for i in range(2000)]
    first = dict(extraction_lines(papers[:1000]))  # every other hundred, as a previous build holds them
    first = {key: line for n, (key, line) in enumerate(first.items()) if n // 100 % 2 == 0}
    (tmp_path / "extractions.jsonl").write_text("".join(line + "\n" for line in first.values()))
    (tmp_path / "extractions.hashes").write_text("".join(key + "\n" for key in first))
    previous = Previous(tmp_path)
    read = 0  # of the papers to extract

    def stream():
        nonlocal read
        for paper in papers:
            read += paper_hash(paper) not in first
            yield paper

    ahead = []
    counts: Counter = Counter()
    lines = []
    for key, line in extraction_lines(stream(), workers=workers, previous=previous, counts=counts):
        lines.append((key, line))
        ahead.append(read - sum(key not in first for key, _ in lines))
    assert [json.loads(line)["id"] for _, line in lines] == [paper.id for paper in papers]
    assert [line for key, line in lines if key in first] == list(first.values())
    assert counts["reused"] == 500 and counts["given"] == 0
    # the papers to extract are read ahead by at most the shards in flight in a pool (two per worker
    # of POOL_SHARD papers), never all; the reused ones among them wait as their hash only
    assert max(ahead) <= (2 * workers * POOL_SHARD if workers > 1 else 0)
