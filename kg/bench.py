"""Benchmarks: a synthetic corpus generator and the harness behind ``kg bench run``.

The generator recombines the example corpus (``data/``): each new abstract takes the sentences of
one example paper, swaps in a sentence of another, and renames its entities to other names of the
same type seen in the corpus (sometimes to a new variant such as ``LLaMA-Bio7``), so the extractor
meets realistic text and the resolver a vocabulary that grows with the corpus. A seed fixes it.

The harness builds each size with ``kg build`` in a subprocess (wall time, stage times, peak memory)
and measures side by side, in the same run: our extractor against a spaCy ``PhraseMatcher`` over
the same vocabulary, Oxigraph against rdflib's SPARQL engine on the canned queries, and a batched
Neo4j load against one statement per row (only if ``NEO4J_URI`` and ``NEO4J_PASSWORD`` are set).

>>> first = [json.dumps(r) for r in generate(3, seed=1)]
>>> first == [json.dumps(r) for r in generate(3, seed=1)], first == [json.dumps(r) for r in generate(3, seed=2)]
(True, False)
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import re
import selectors
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .files import write_json, write_jsonl
from .records import NAMED_TYPES

SIZES = (1_000, 10_000, 100_000)
# Suffixes of invented variants: a real corpus keeps introducing names the vocabulary lacks.
_VARIANT_TAGS = ("Bio", "Med", "Clin", "Rad", "Path", "Derm", "Onc", "Gen")
_NEW_NAME_RATE = 0.15
_TYPES_RENAMED = (*NAMED_TYPES, "Task")


@lru_cache(maxsize=1)
def _example() -> tuple[list[dict], dict[str, list[str]]]:
    """The example corpus extracted once, and its entity names by type (sorted, for a stable draw)."""
    from .build import default_inputs
    from .extract import extract
    from .readers import read_papers
    from .vocab import load_vocabulary

    vocab = load_vocabulary()
    records = [extract(paper, vocab) for paper in read_papers(default_inputs())]
    names: dict[str, set[str]] = {}
    for record in records:
        for entity in record["entities"]:
            names.setdefault(entity["type"], set()).add(entity["name"])
    return records, {kind: sorted(found) for kind, found in sorted(names.items())}


def generate(n: int, seed: int = 0) -> Iterator[dict]:
    """``n`` new papers (JSONL records), the same ones for the same seed."""
    from .extract.sentences import split_sentences

    records, names = _example()
    sentences = [[s.text for s in split_sentences(r["abstract"])] for r in records]
    rng = random.Random(seed)
    invented = max(1, n // 20)  # how many new variants exist: grows with the corpus
    for i in range(n):
        source = rng.randrange(len(records))
        record, text = records[source], list(sentences[source])
        if len(text) > 2:  # one sentence from another paper, in the middle
            other = sentences[rng.randrange(len(records))]
            text[rng.randrange(1, len(text) - 1)] = other[rng.randrange(len(other))]
        renames = {}
        for entity in record["entities"]:
            kind = entity["type"]
            if kind not in _TYPES_RENAMED or rng.random() < 0.4:
                continue
            if rng.random() < _NEW_NAME_RATE:
                k = rng.randrange(invented)
                base = names[kind][k % len(names[kind])]
                renames[entity["name"]] = f"{base}-{_VARIANT_TAGS[k % len(_VARIANT_TAGS)]}{k // len(_VARIANT_TAGS)}"
            else:
                renames[entity["name"]] = rng.choice(names[kind])
        yield {
            "id": f"bench-{seed}-{i:07d}",
            "title": _rename(record["title"], renames),
            "abstract": _rename(" ".join(text), renames),
            "year": rng.choice((2022, 2023, 2024, 2025)),
        }


def _rename(text: str, renames: dict[str, str]) -> str:
    if not renames:
        return text
    pattern = "|".join(re.escape(name) for name in sorted(renames, key=lambda s: (-len(s), s)))
    return re.sub(rf"(?<!\w)(?:{pattern})(?!\w)", lambda m: renames[m.group(0)], text)


def write_corpus(path: str | Path, n: int, seed: int = 0) -> int:
    """Write ``generate(n, seed)`` to a JSONL file; returns the number of records."""
    return write_jsonl(path, generate(n, seed))


# ---- the harness ---------------------------------------------------------------------------------


def run(
    sizes=SIZES,
    workdir: str | Path = "bench",
    *,
    seed: int = 0,
    workers: int | None = None,
    embeddings: bool = True,
    extract_sample: int = 2000,
    rdflib_max: int = 1_000,
    query_timeout: float = 30.0,
    repeats: int = 3,
    keep_builds: bool = False,
) -> dict:
    """Generate, build and measure each size; returns the figures (also written to ``workdir/bench.json``).

    Extraction is compared on the first ``extract_sample`` papers of each size, in one process.
    rdflib's engine only runs on builds of at most ``rdflib_max`` papers (loading a bigger graph
    into it takes minutes and gigabytes); on either engine a query is cut off after ``query_timeout`` s.
    Neo4j loads are compared on the largest build of at most 10k papers (:func:`neo4j_sample_size`).
    Each build folder is removed once measured (a 100k build took 3.8 GB) unless ``keep_builds``; the
    corpora stay.
    """
    from .catalog import load_catalog

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    catalog = load_catalog()
    figures: dict[str, Any] = {
        "seed": seed,
        "workers": workers or os.cpu_count(),
        "cpus": os.cpu_count(),
        "embeddings": embeddings,
        "python": sys.version.split()[0],
        "sizes": {},
    }
    neo4j_size = neo4j_sample_size(sizes)
    for n in sizes:
        corpus, build = workdir / f"corpus-{n}.jsonl", workdir / f"build-{n}"
        started = time.perf_counter()
        write_corpus(corpus, n, seed)
        size: dict[str, Any] = {"generate_seconds": round(time.perf_counter() - started, 2)}
        size["extraction"] = compare_extractors(corpus, extract_sample)
        size["build"] = timed_build(corpus, build, workers=workers, embeddings=embeddings)
        size["sparql"] = compare_engines(build, catalog, rdflib=n <= rdflib_max, timeout=query_timeout, repeats=repeats)
        figures["sizes"][str(n)] = size
        if n == neo4j_size:
            figures["neo4j"] = {"size": n, **compare_neo4j_loads(build)}
        write_json(workdir / "bench.json", figures)  # what is measured so far survives a later failure
        if not keep_builds:
            shutil.rmtree(build)
    return figures


def compare_extractors(corpus: Path, sample: int) -> dict:
    """Papers per second of our extractor and of a spaCy PhraseMatcher over the same vocabulary, one process."""
    from .extract import extract
    from .readers import read_papers
    from .vocab import load_vocabulary

    vocab = load_vocabulary()
    papers = list(itertools.islice(read_papers([corpus]), sample))
    started = time.perf_counter()
    for paper in papers:
        with contextlib.suppress(Exception):  # an extractor bug on one paper still costs its time; the build reports it
            extract(paper, vocab)
    ours = len(papers) / (time.perf_counter() - started)
    try:
        import spacy
        from spacy.matcher import PhraseMatcher
    except ImportError:
        return {
            "papers": len(papers),
            "ours_per_s": round(ours, 1),
            "spacy": "skipped: spacy not installed (pip install -e '.[bench]')",
        }
    started = time.perf_counter()
    nlp = spacy.blank("en")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for (kind, _), entry in sorted(vocab.entries.items()):
        matcher.add(kind, [nlp.make_doc(name) for name in sorted({entry.name, *entry.aliases})])
    setup = time.perf_counter() - started
    started = time.perf_counter()
    matches = sum(len(matcher(doc)) for doc in nlp.pipe(f"{p.title}. {p.abstract}" for p in papers))
    theirs = len(papers) / (time.perf_counter() - started)
    return {
        "papers": len(papers),
        "ours_per_s": round(ours, 1),
        "spacy_per_s": round(theirs, 1),
        "spacy_setup_s": round(setup, 2),
        "spacy_matches": matches,
        "ratio_ours_to_spacy": round(ours / theirs, 2),
    }


_SECONDS = re.compile(r"^\s+seconds:\s+(.*)$", re.M)


def timed_build(corpus: Path, out: Path, *, workers: int | None, embeddings: bool) -> dict:
    """``kg build`` from scratch in a child process: wall time, its stage times, peak memory (of the child
    and its workers together, and of the largest one)."""
    shutil.rmtree(out, ignore_errors=True)
    command = [
        sys.executable,
        "-c",
        "from kg.cli import cli; cli()",
        "build",
        str(corpus),
        "--out",
        str(out),
        "--skip-bad",
        "--embeddings" if embeddings else "--no-embeddings",
    ]
    if workers:
        command += ["--workers", str(workers)]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None  # stdout=PIPE
    peak = _MemoryWatch(child.pid)
    stdout = child.stdout.read()
    peak.stop()
    # wait4 gives this child's own resource use: ru_maxrss is the peak RSS (KiB on Linux) of it and
    # its reaped workers, the largest single process (not their sum).
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"kg build {corpus} failed:\n{stdout}")
    stages = _SECONDS.search(stdout)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    triples = len(ox.Store.read_only(str(out / "store")))
    disk = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return {
        "seconds": round(seconds, 2),
        "stages": {k: float(v) for k, v in (item.split() for item in stages.group(1).split(", "))} if stages else {},
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        # what the build's processes held together at the worst moment (None where /proc is missing)
        "peak_memory_mb": peak.mb,
        "papers": manifest["summary"]["papers"],
        "skipped": len(manifest["problems"]),
        "triples": triples,
        "disk_mb": round(disk / 2**20, 1),
        "validation": manifest["validation"],
    }


class _MemoryWatch:
    """Samples, on a thread, the PSS of a process and its descendants summed (Linux ``/proc``): the
    memory a build and its workers hold together, shared pages split between their sharers."""

    def __init__(self, pid: int, every: float = 0.2):
        self.pid, self.every = pid, every
        self.mb: float | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(self.every):
            now = _tree_pss_mb(self.pid)
            if now is not None:
                self.mb = max(self.mb or 0.0, now)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _tree_pss_mb(root: int) -> float | None:
    children: dict[int, list[int]] = {}
    try:
        entries = [e.name for e in os.scandir("/proc") if e.name.isdigit()]
    except OSError:
        return None
    for name in entries:
        try:
            with open(f"/proc/{name}/stat") as stat:
                children.setdefault(int(stat.read().rsplit(")", 1)[1].split()[1]), []).append(int(name))
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                total += next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return round(total / 1024, 1) if total else None


def compare_engines(build: Path, catalog: dict, *, rdflib: bool, timeout: float, repeats: int) -> dict:
    """Per canned query (default parameters): Oxigraph's latency, rdflib's where asked, and the ratio.

    Each engine runs in a child process that is cut off when one query overruns ``timeout``.
    """
    result: dict[str, Any] = {"queries": {name: {} for name in catalog}}
    for engine in ("oxigraph", "rdflib") if rdflib else ("oxigraph",):
        load, timings = _engine_timings(build, engine, list(catalog), timeout, repeats)
        result[f"{engine}_load_s"] = load
        for name, seconds in timings.items():
            result["queries"][name][f"{engine}_ms"] = (
                f"timeout >{timeout:g}s" if seconds is None else round(seconds * 1000, 1)
            )
    if not rdflib:
        result["rdflib"] = "skipped: graph too big for rdflib's engine (see rdflib_max)"
        return result
    for entry in result["queries"].values():
        if all(isinstance(entry[f"{e}_ms"], float) for e in ("oxigraph", "rdflib")):
            entry["ratio_rdflib_to_oxigraph"] = round(entry["rdflib_ms"] / max(entry["oxigraph_ms"], 0.1), 1)
    return result


def _engine_timings(
    build: Path, engine: str, names: list[str], timeout: float, repeats: int
) -> tuple[float | None, dict]:
    """One engine's time per query (the median of up to ``repeats`` runs, repeated only while they
    total under a second), from a child process that is killed, and restarted past the query, when
    one query overruns ``timeout``: None for those."""
    timings: dict[str, float | None] = {}
    load: float | None = None
    pending = list(names)
    while pending:
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from kg.bench import serve_queries; "
                "serve_queries(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:])",
                str(build),
                engine,
                str(repeats),
                *pending,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None  # stdout=PIPE
        selector = selectors.DefaultSelector()
        selector.register(child.stdout, selectors.EVENT_READ)
        loading = True
        while pending:
            # the graph's load gets a longer allowance than one query; if even that runs out, none runs
            if not selector.select(timeout * 5 if loading else timeout + 2):  # +2: quick queries run 2-3 times
                timings.update(dict.fromkeys(pending if loading else pending[:1]))
                pending = [] if loading else pending[1:]
                break
            line = child.stdout.readline()
            if not line:
                raise RuntimeError(f"{engine} query process on {build} died")
            message = json.loads(line)
            if "load" in message:
                load, loading = message["load"], False
            else:
                timings[pending.pop(0)] = message["seconds"]
        child.kill()
        child.wait()
        selector.close()
        child.stdout.close()
    return load, timings


def serve_queries(build: str, engine: str, repeats: int, names: list[str]) -> None:
    """Child side of :func:`_engine_timings`: open the graph, then time each query, a JSON line each."""
    from .catalog import load_catalog
    from .store import open_store

    catalog = load_catalog()
    started = time.perf_counter()
    store = open_store(build, engine)
    print(json.dumps({"load": round(time.perf_counter() - started, 2)}), flush=True)
    for name in names:
        times: list[float] = []
        while len(times) < repeats and sum(times) < 1.0:
            started = time.perf_counter()
            store.select(catalog[name].text, catalog[name].arguments({}))
            times.append(time.perf_counter() - started)
        print(json.dumps({"seconds": sorted(times)[len(times) // 2]}), flush=True)


def neo4j_sample_size(sizes: Iterable[int]) -> int | None:
    """The size whose build the Neo4j loads are compared on: the largest of at most 10k papers, or
    None where there is none (the batched load of a million-paper build alone takes most of an hour).

    >>> neo4j_sample_size([1_000, 10_000, 100_000]), neo4j_sample_size([1_000_000])
    (10000, None)
    """
    return max((n for n in sizes if n <= 10_000), default=None)


def compare_neo4j_loads(build: Path, naive_papers: int = 100) -> dict:
    """Relationships per second of three ways into Neo4j, each timed into an emptied database of the
    server at NEO4J_URI (NEO4J_USER, NEO4J_PASSWORD), after an untimed load that warms it up:

    - batched: :func:`kg.neo4j_store.load` as ``kg load neo4j`` runs it;
    - naive: one node or relationship a transaction (``batch_size=1``), on a sample only: the first
      ``naive_papers`` papers, their statements and the nodes these touch (at a few hundred rows a
      second a whole 10k build would take most of an hour);
    - bulk: ``kg load neo4j --bulk`` (neo4j-admin's import) into a scratch Neo4j home, the server
      untouched, when a neo4j-admin is given in NEO4J_ADMIN or found on PATH; the indexes that
      ``--finish`` adds later are not timed.
    """
    uri, password = os.environ.get("NEO4J_URI"), os.environ.get("NEO4J_PASSWORD")
    if not (uri and password):
        return {"skipped": "no server (set NEO4J_URI and NEO4J_PASSWORD)"}
    import tempfile

    import neo4j

    from .neo4j_store import BATCH_SIZE, bulk_load, load

    user = os.environ.get("NEO4J_USER", "neo4j")
    figures: dict[str, Any] = {}

    def emptied_load(build_dir: Path, batch_size: int = BATCH_SIZE):
        with (
            neo4j.GraphDatabase.driver(uri, auth=(user, password), notifications_min_severity="OFF") as driver,
            driver.session() as session,
        ):
            # An auto-commit query: CALL ... IN TRANSACTIONS cannot run inside a managed transaction.
            session.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
        return load(build_dir, uri, user, password, batch_size=batch_size)

    def rate(name: str, report) -> None:
        figures[f"{name}_s"] = round(report.seconds, 2)
        figures[f"{name}_relationships"] = report.relationships
        figures[f"{name}_relationships_per_s"] = round(report.relationships / max(report.seconds, 1e-3))

    emptied_load(build)  # the warm-up: schema, the server's JIT
    rate("batched", emptied_load(build))
    with tempfile.TemporaryDirectory(prefix="neo4j-sample.", dir=build.parent) as sample:
        figures["naive_papers"] = _sample_graph(build / "graph.json", Path(sample) / "graph.json", naive_papers)
        rate("naive", emptied_load(Path(sample), batch_size=1))
    figures["ratio_batched_to_naive"] = round(
        figures["batched_relationships_per_s"] / max(figures["naive_relationships_per_s"], 1), 1
    )
    admin = os.environ.get("NEO4J_ADMIN") or shutil.which("neo4j-admin")
    if not admin:
        figures["bulk_skipped"] = "no neo4j-admin (set NEO4J_ADMIN, or put it on PATH)"
        return figures
    home = Path(tempfile.mkdtemp(prefix="neo4j-home.", dir=build.parent))
    given = os.environ.get("NEO4J_HOME")
    os.environ["NEO4J_HOME"] = str(home)  # bulk_load and its neo4j-admin find the database there
    try:
        rate("bulk", bulk_load(build, admin))
    finally:
        if given is None:
            del os.environ["NEO4J_HOME"]
        else:
            os.environ["NEO4J_HOME"] = given
        shutil.rmtree(home)
    return figures


def _sample_graph(source: Path, out: Path, papers: int) -> int:
    """Write to ``out`` the first ``papers`` papers of the graph ``source``: their nodes, their statements
    and the nodes these touch; returns how many papers that is."""
    from .graph import NodeLinkWriter, iter_node_link

    chosen: set[str] = set()
    for _, _, data in iter_node_link(source, ("node",)):
        if data.get("kind") == "Paper" and len(chosen) < papers:
            chosen.add(data["paper_id"])
    edges = [item for item in iter_node_link(source, ("edge",)) if item[4].get("paper") in chosen]
    keep = {f"paper/{paper}" for paper in chosen} | {e[1] for e in edges} | {e[2] for e in edges}
    with NodeLinkWriter(out) as writer:
        for item in edges:
            writer.add(item)
        for item in iter_node_link(source, ("node",)):
            if item[1] in keep:
                writer.add(item)
    return len(chosen)


def table(figures: dict) -> str:
    """The figures as a short markdown table: one row per size, then the per-query SPARQL rows."""
    lines = [
        "| papers | build s | peak memory MB (largest process) | triples | build folder MB | stages (s) "
        "| extract/s ours | extract/s spaCy | ours/spaCy |",
        "|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for n, size in figures["sizes"].items():
        b, e = size["build"], size["extraction"]
        stages = ", ".join(f"{k} {v:g}" for k, v in b["stages"].items())
        lines.append(
            f"| {n} | {b['seconds']} | {b['peak_memory_mb']} ({b['peak_rss_mb']}) | {b['triples']} "
            f"| {b['disk_mb']} | {stages} | {e['ours_per_s']} "
            f"| {e.get('spacy_per_s', e.get('spacy'))} | {e.get('ratio_ours_to_spacy', '-')} |"
        )
    sizes = list(figures["sizes"])
    lines += [
        "",
        "| query | " + " | ".join(f"oxigraph ms @{n}" for n in sizes) + " | rdflib ms | rdflib/oxigraph |",
        "|---|" + "---:|" * (len(sizes) + 2),
    ]
    compared = next((n for n in sizes if "rdflib" not in figures["sizes"][n]["sparql"]), None)
    for name in figures["sizes"][sizes[0]]["sparql"]["queries"]:
        row = [str(figures["sizes"][n]["sparql"]["queries"][name]["oxigraph_ms"]) for n in sizes]
        other = figures["sizes"][compared]["sparql"]["queries"][name] if compared else {}
        lines.append(
            f"| {name} | "
            + " | ".join(row)
            + f" | {other.get('rdflib_ms', '-')} | {other.get('ratio_rdflib_to_oxigraph', '-')} |"
        )
    if compared:
        load_s = figures["sizes"][compared]["sparql"]["rdflib_load_s"]
        lines.append(f"\nrdflib measured on the {compared}-paper build only (load {load_s} s).")
    neo4j = figures.get("neo4j")
    if neo4j is None:
        lines.append("Neo4j loads: not measured (they are, on a run with a size of at most 10k papers)")
    elif "skipped" in neo4j:
        lines.append(f"Neo4j load @{neo4j['size']}: {neo4j['skipped']}")
    else:
        bulk = neo4j.get("bulk_skipped") or f"{neo4j['bulk_relationships_per_s']} ({neo4j['bulk_s']} s)"
        lines.append(
            f"Neo4j load @{neo4j['size']}, relationships/s: batched {neo4j['batched_relationships_per_s']} "
            f"({neo4j['batched_s']} s), one per transaction {neo4j['naive_relationships_per_s']} "
            f"(on {neo4j['naive_papers']} papers; x{neo4j['ratio_batched_to_naive']}), bulk import {bulk}"
        )
    return "\n".join(lines)
