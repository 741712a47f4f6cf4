"""Extraction on a Dask cluster (kg.cluster): real LocalClusters of worker processes give the bytes of a
local run, survive a worker killed mid-shard, and report a paper the extractor fails on, or a scheduler
that cannot be reached, as a local run would."""

import json
import os
import signal
import socket

import dask
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster
from distributed.diagnostics.plugin import SchedulerPlugin

# The plugin extractor of test_extractors, on sys.path like an installed distribution (the cluster's
# workers, started by kg after the fixture, inherit the path): it fails on papers whose title says BOOM.
from test_extractors import PAPERS, plugin  # noqa: F401 - a fixture, used by name

from kg.cli import cli

BUILD_FILES = (
    "extractions.jsonl",
    "extractions.hashes",
    "graph.json",
    "merges.json",
    "ids.json",
    "manifest.json",
)


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def two_workers() -> LocalCluster:
    """What the tests run on: two worker processes of one thread each."""
    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated corpus of 2000 papers, and its extraction in this process (--workers 1)."""
    folder = tmp_path_factory.mktemp("generated")
    corpus, local = folder / "papers.jsonl", folder / "local.jsonl"
    assert kg("bench", "generate", "--n", 2000, "--out", corpus).exit_code == 0
    result = kg("extract", corpus, "--out", local, "--workers", 1)
    assert result.exit_code == 0, result.output
    return corpus, local.read_bytes()


@pytest.mark.slow
def test_a_cluster_of_two_workers_gives_the_bytes_of_one_process(tmp_path, example_corpus, generated):
    # the example corpus on a cluster kg starts and closes itself (one shard: fewer papers than a shard holds)
    local, remote = tmp_path / "local.jsonl", tmp_path / "remote.jsonl"
    assert kg("extract", example_corpus, "--out", local, "--workers", 1).exit_code == 0
    result = kg("extract", example_corpus, "--out", remote, "--scheduler", "local:2")
    assert result.exit_code == 0, result.output
    assert remote.read_bytes() == local.read_bytes()
    assert len(remote.read_text().splitlines()) == 120
    # 2000 papers in 20 shards on a running cluster, reached by its address: the shards come back in order
    corpus, expected = generated
    with two_workers() as cluster:
        result = kg("extract", corpus, "--out", remote, "--scheduler", cluster.scheduler_address, "--shard-size", 100)
    assert result.exit_code == 0, result.output
    assert remote.read_bytes() == expected


@pytest.mark.slow
def test_kg_build_on_a_cluster_is_the_build_of_this_machine(tmp_path, example_corpus):
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert kg("build", example_corpus, "--out", local, "--no-embeddings", "--workers", 1).exit_code == 0
    result = kg("build", example_corpus, "--out", remote, "--no-embeddings", "--scheduler", "local:2")
    assert result.exit_code == 0, result.output
    assert "extracted: 120 papers" in result.output
    for name in BUILD_FILES:
        assert (remote / name).read_bytes() == (local / name).read_bytes(), name
    # the cluster is no setting of the build: the same inputs read as up to date without it
    again = kg("build", example_corpus, "--out", remote, "--no-embeddings", "--workers", 1)
    assert again.exit_code == 0 and again.output.startswith(f"up to date {remote}/")


class KillAfterFirstShard(SchedulerPlugin):
    """Once the first shard of kg's is done, SIGKILLs a worker process that is running another one; counts
    the shards taken back from a worker that died while running them."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids  # worker address -> its process
        self.killed: list[str] = []
        self.taken_back = 0

    def transition(self, key, start, finish, *args, **kwargs):
        if not str(key).startswith("kg-extract-"):
            return
        if start == "processing" and finish == "released":
            self.taken_back += 1
        if finish == "memory" and not self.killed:
            scheduler = self.scheduler
            running = [ts.processing_on.address for ts in scheduler.tasks.values() if ts.processing_on is not None]
            if running:
                self.killed.append(running[0])
                os.kill(self.pids[running[0]], signal.SIGKILL)

    async def start(self, scheduler):
        self.scheduler = scheduler


@pytest.mark.slow
def test_a_worker_killed_mid_shard_has_its_shard_run_again_and_the_output_is_the_same(tmp_path, generated):
    corpus, expected = generated
    out = tmp_path / "remote.jsonl"
    with two_workers() as cluster, Client(cluster, set_as_default=False) as client:
        watch = KillAfterFirstShard(client.run(os.getpid))
        cluster.sync(cluster.scheduler.register_scheduler_plugin, watch, idempotent=False)
        result = kg("extract", corpus, "--out", out, "--scheduler", cluster.scheduler_address, "--shard-size", 100)
    assert result.exit_code == 0, result.output
    assert len(watch.killed) == 1 and watch.taken_back >= 1  # a worker died running a shard, which ran again
    assert out.read_bytes() == expected


@pytest.mark.slow
@pytest.mark.usefixtures("plugin")
def test_a_paper_the_extractor_fails_on_is_reported_as_in_a_local_run(tmp_path):
    papers = tmp_path / "papers.jsonl"
    papers.write_text("".join(json.dumps(p) + "\n" for p in PAPERS))
    local, remote = tmp_path / "local.jsonl", tmp_path / "remote.jsonl"
    cluster = ("--scheduler", "local:2", "--shard-size", 1)  # each paper a shard of its own
    # without --skip-bad: the run stops with the same one line, and writes nothing
    stopped = kg("extract", papers, "--out", remote, "--extractor", "shouting", *cluster)
    assert stopped.exit_code == 1
    assert stopped.output == f"error: {papers}:2: paper a2: extractor error: RuntimeError: cannot read this one\n"
    assert stopped.output == kg("extract", papers, "--out", local, "--extractor", "shouting").output
    assert not remote.exists()
    # with --skip-bad: the same report, records and traceback log
    here = kg("extract", papers, "--out", local, "--extractor", "shouting", "--skip-bad")
    there = kg("extract", papers, "--out", remote, "--extractor", "shouting", "--skip-bad", *cluster)
    assert here.exit_code == there.exit_code == 0
    assert there.output == here.output.replace(str(local), str(remote))
    assert f"skipped: {papers}:2: paper a2: extractor error: RuntimeError: cannot read this one" in there.output
    assert [json.loads(line)["id"] for line in remote.read_text().splitlines()] == ["a1", "a3"]
    assert remote.read_bytes() == local.read_bytes()
    log = (tmp_path / "remote.jsonl.errors.log").read_text()
    assert "Traceback (most recent call last)" in log and f"{papers}:2 paper a2" in log
    assert log == (tmp_path / "local.jsonl.errors.log").read_text()


def test_a_scheduler_that_cannot_be_reached_or_a_pool_beside_it_is_one_line(tmp_path, example_corpus):
    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{free.getsockname()[1]}"
    out = tmp_path / "x.jsonl"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = kg("extract", example_corpus, "--out", out, "--scheduler", address)
    assert result.exit_code == 1 and not out.exists()
    assert result.output.startswith(f"error: cannot reach the Dask scheduler at {address}: ")
    assert result.output.count("\n") == 1
    # a port that takes the connection and never answers (a dashboard's, given for the scheduler's):
    # Dask's client alone would wait there forever
    with socket.socket() as silent, dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        result = kg("extract", example_corpus, "--out", out, "--scheduler", address)
    assert (result.exit_code, result.output) == (
        1,
        f"error: cannot reach the Dask scheduler at {address}: no answer within 1 s\n",
    )
    # bad usage, told before any work: exit 2, one line
    both = kg("build", example_corpus, "--out", tmp_path / "b", "--scheduler", "local:2", "--workers", 2)
    assert (both.exit_code, both.output) == (
        2,
        "error: --scheduler and --workers 2 exclude each other: the cluster's workers extract\n",
    )
    bad = kg("extract", example_corpus, "--out", out, "--scheduler", "local:none")
    assert bad.exit_code == 2
    assert bad.output == (
        "error: scheduler 'local:none': local:N needs a count of worker processes N >= 1, e.g. local:4\n"
    )
    assert not (tmp_path / "b").exists()
