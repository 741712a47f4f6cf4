"""Killing `kg build` anywhere never leaves a folder that reads as complete, and the next run finishes it.

Real processes, real SIGKILLs, no hooks in the code: each build runs as a subprocess and is killed
when the output folder shows it has reached a point (the lock taken, a temporary file of the JSON
outputs or of graph.nt there, the new store being loaded). After
every kill the folder must hold either a whole previous build (its manifest matching its files) or
no manifest, which `kg query` refuses; the run after the kills must give the bytes an
uninterrupted build gives.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.store import QueryError, open_store

OUTPUTS = ("extractions.jsonl", "graph.nt", "graph.json", "merges.json")
TIMEOUT = 120  # a hang, not slowness: a build of the example corpus takes seconds


def start(*args):
    return subprocess.Popen(
        [sys.executable, "-c", "from kg.cli import cli; cli()", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kg(*args):
    return subprocess.run(
        [sys.executable, "-c", "from kg.cli import cli; cli()", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def lock_held_by(out: Path, process) -> bool:
    try:
        return (out / ".lock").read_text().strip() == str(process.pid)
    except OSError:
        return False


def three_copies(example_corpus, folder: Path) -> Path:
    """Three copies of the example corpus under distinct ids, as one JSONL file: a build of seconds."""
    from kg.readers import read_papers

    corpus = folder / "corpus.jsonl"
    papers = list(read_papers([example_corpus]))
    corpus.write_text(
        "".join(
            json.dumps({"id": f"{p.id}-{copy}", "title": p.title, "abstract": p.abstract}) + "\n"
            for copy in range(3)
            for p in papers
        )
    )
    return corpus


def any_of(*patterns):
    return lambda out, process: any(any(out.glob(p)) for p in patterns)


# Where to kill: what the folder shows when the build is at that point.
KILL_POINTS = {
    "extracting (lock taken, 0.1 s in)": lambda out, p: lock_held_by(out, p) and not time.sleep(0.1),
    "writing extractions.jsonl, merges.json, graph.json": any_of(
        ".extractions.jsonl.*.tmp", ".merges.json.*.tmp", ".graph.json.*.tmp"
    ),
    "writing graph.nt": any_of(".graph.nt.*.tmp", ".sort.*"),
    "loading the store": any_of("store.new"),
}
# Points whose window is wide enough that polling every millisecond always sees it.
MUST_HIT = {"extracting (lock taken, 0.1 s in)", "writing graph.nt", "loading the store"}


def run_until(process, out, point):
    """Kill ``process`` as soon as ``point`` shows in ``out``; True if killed, False if it ended first."""
    deadline = time.monotonic() + TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        if point(out, process):
            process.send_signal(signal.SIGKILL)
            process.communicate()
            return process.returncode == -signal.SIGKILL
        time.sleep(0.001)
    process.communicate(timeout=TIMEOUT)
    return False


def check_reads_as_complete_or_not_at_all(out: Path):
    manifest = out / "manifest.json"
    if not manifest.exists():
        with pytest.raises(QueryError, match="incomplete"):
            open_store(out)
        return "incomplete"
    # A manifest is only ever beside the files it describes.
    papers = json.loads(manifest.read_text())["summary"]["papers"]
    assert len((out / "extractions.jsonl").read_text().splitlines()) == papers
    triples = len((out / "graph.nt").read_text().splitlines())
    assert len(ox.Store.read_only(str(out / "store"))) == triples
    assert open_store(out).select("SELECT (COUNT(*) AS ?n) { ?p a schema:ScholarlyArticle }").rows == [[papers]]
    return f"complete ({papers} papers)"


def outputs(out: Path):
    manifest = {k: v for k, v in json.loads((out / "manifest.json").read_text()).items() if "seconds" not in k}
    return {name: (out / name).read_bytes() for name in OUTPUTS}, manifest


@pytest.mark.slow
def test_killed_builds_never_read_as_complete_and_the_next_run_gives_the_same_bytes(tmp_path, example_corpus):
    reference, out = tmp_path / "reference", tmp_path / "build"
    # graph.nt asked for (a build writes the store by default): its sort is the widest window to kill in
    nt = ("--formats", "nt")
    assert kg("build", example_corpus, "--out", reference, "--no-embeddings", *nt).returncode == 0
    # An older, smaller complete build in the folder: what a kill must never corrupt.
    old = kg("build", example_corpus, "--out", out, "--no-embeddings", "--max-records", "40", *nt)
    assert old.returncode == 0 and "stopped after 40 records" in old.stderr

    seen = {}
    for name, point in KILL_POINTS.items():
        killed = run_until(start("build", example_corpus, "--out", out, "--no-embeddings", *nt), out, point)
        seen[name] = check_reads_as_complete_or_not_at_all(out) if killed else "not reached: the build ended first"
    assert MUST_HIT <= {name for name, state in seen.items() if not state.startswith("not reached")}, seen
    assert seen["extracting (lock taken, 0.1 s in)"] == "complete (40 papers)"  # nothing replaced yet
    assert seen["loading the store"] == "incomplete"

    finish = kg("build", example_corpus, "--out", out, "--no-embeddings", *nt)
    assert finish.returncode == 0, finish.stderr
    (files, manifest), (expected_files, expected_manifest) = outputs(out), outputs(reference)
    assert [name for name in OUTPUTS if files[name] != expected_files[name]] == [] and manifest == expected_manifest
    assert not [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != ".lock"]
    assert not (out / "store.new").exists() and not (out / "store.old").exists()
    print(json.dumps(seen, indent=1))


@pytest.mark.slow
def test_a_second_build_into_the_same_folder_is_refused_across_processes(tmp_path, example_corpus):
    # a first build that holds the lock for seconds, longer than the second one takes to start
    corpus = three_copies(example_corpus, tmp_path)
    out = tmp_path / "build"
    first = start("build", corpus, "--out", out, "--no-embeddings")
    try:
        deadline = time.monotonic() + TIMEOUT
        while not lock_held_by(out, first):
            assert first.poll() is None and time.monotonic() < deadline, "the first build never took the lock"
            time.sleep(0.005)
        second = kg("build", example_corpus, "--out", out, "--no-embeddings")
        assert first.poll() is None, "the first build ended before the second tried: the check proved nothing"
    finally:
        first.kill()
        first.communicate()
    assert second.returncode == 1
    assert second.stderr == f"error: {out}: another build is writing here (pid {first.pid}); try again when it ends\n"
    # The killed holder's lock died with it: the next build runs.
    assert kg("build", example_corpus, "--out", out, "--no-embeddings", "--max-records", "10").returncode == 0
    assert (out / "manifest.json").exists()


def children(pid: int) -> set[int]:
    try:
        return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def running(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers end with their build through a Linux pidfd")
def test_a_killed_builds_worker_processes_end_with_it(tmp_path, example_corpus):
    corpus = three_copies(example_corpus, tmp_path)
    # one extraction process: the build's child is the fork server, whose children check beside the build
    first = start("build", corpus, "--out", tmp_path / "build", "--no-embeddings", "--workers", "1")
    deadline = time.monotonic() + TIMEOUT
    while not (workers := set().union(*map(children, children(first.pid)))):
        assert first.poll() is None and time.monotonic() < deadline, "the build never started a worker"
        time.sleep(0.01)
    workers |= children(first.pid)
    first.kill()
    first.wait()
    # an orphaned worker would hold the folder's lock (and this test's pipes) for good
    while any(map(running, workers)):
        assert time.monotonic() < deadline, f"workers {sorted(workers)} outlived their build"
        time.sleep(0.05)
    first.communicate(timeout=TIMEOUT)
    rebuilt = kg("build", example_corpus, "--out", tmp_path / "build", "--no-embeddings", "--max-records", "5")
    assert rebuilt.returncode == 0, rebuilt.stderr


def test_a_build_forks_no_process_of_its_own(tmp_path, example_corpus):
    # A child forked from a process that runs threads (the store's) can wait for ever on a lock one of
    # them held: builds hung in their checks now and then. Their processes come from a fork server.
    from kg.build import build

    forks: list[int] = []
    counting = [True]
    os.register_at_fork(after_in_parent=lambda: counting[0] and forks.append(os.getpid()))
    try:
        report = build([example_corpus], tmp_path / "build", embeddings=False, workers=1)
    finally:
        counting[0] = False  # the hook cannot be taken back
    assert report.validation["checks"] > 0 and report.validation["papers_checked"] > 0
    assert forks == []


def test_the_lock_holder_clears_what_dead_writers_left_and_spares_live_ones(tmp_path):
    from kg.files import atomic_write, folder_lock

    dead = tmp_path / ".graph.nt.999999999.x1.tmp"  # above any pid the kernel hands out
    live = tmp_path / f".embeddings.npz.{os.getpid()}.x2.tmp"  # a kg search writing its cache, lock-free
    scratch = tmp_path / ".sort.x3"
    for path in (dead, live):
        path.write_text("partial")
    scratch.mkdir()
    with folder_lock(tmp_path):
        assert not dead.exists() and not scratch.exists() and live.exists()
        with atomic_write(tmp_path / "graph.nt") as stream:
            [temporary] = tmp_path.glob(f".graph.nt.{os.getpid()}.*.tmp")  # its own name says who writes it
            stream.write("done")
    assert (tmp_path / "graph.nt").read_text() == "done" and not temporary.exists()


@pytest.mark.parametrize("change", ["append", "rewrite"])
def test_an_input_changed_while_it_is_built_stops_the_build_and_keeps_the_last_one(tmp_path, change):
    # The build reads its inputs twice (hashes first, then papers as they are extracted): a file
    # changed in between must not pair one paper's record with another's hash.
    from kg.bench import write_corpus
    from kg.build import build
    from kg.errors import KgError

    corpus, out = tmp_path / "papers.jsonl", tmp_path / "build"
    write_corpus(corpus, 40)
    build([corpus], out, embeddings=False)
    before = {name: (out / name).read_bytes() for name in ("extractions.jsonl", "manifest.json")}
    lines = corpus.read_text().splitlines(keepends=True)
    write_corpus(tmp_path / "other.jsonl", 41, seed=1)  # a different paper to put in
    other = (tmp_path / "other.jsonl").read_text().splitlines(keepends=True)[-1]
    lines.append(other)  # a changed input: the next build extracts
    corpus.write_text("".join(lines))

    def meddle(items, total):
        # as the extraction starts, someone edits the file again
        edited = [*lines, other.replace('"id": "', '"id": "x')] if change == "append" else [other, *lines[1:]]
        corpus.write_text("".join(edited))
        return items

    with pytest.raises(KgError, match=rf"^{corpus}: changed while being built; build again$"):
        build([corpus], out, embeddings=False, progress=meddle)
    assert {name: (out / name).read_bytes() for name in before} == before
