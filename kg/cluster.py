"""Extraction on a Dask cluster, for corpora one machine extracts too slowly.

Extraction is a pure function of a paper, and the one stage that grows with the corpus, so it is the
stage that goes to the cluster (``kg extract`` and ``kg build`` with ``--scheduler ADDRESS``); reading,
resolution and writing stay on this machine. The output is byte for byte that of a local run.

How an address is read (:func:`parse_address`):

- ``local:N`` starts a :class:`distributed.LocalCluster` of N worker processes (one thread each) on
  this machine, and closes it when the extraction ends;
- anything else is the address of a running Dask scheduler (``tcp://host:8786``, ``tls://…``),
  started with ``dask scheduler`` / ``dask worker``, dask-jobqueue or dask-kubernetes. A scheduler
  that cannot be reached within Dask's connect timeout (``distributed.comm.timeouts.connect``,
  30 s unless ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT`` says otherwise) is a one-line
  :class:`kg.errors.KgError` naming the address.

The shard contract (:func:`extract_on_cluster`):

- the extractor goes to every worker once, pickled on this machine (scattered, broadcast), not with
  each shard, and each worker process unpickles it once. The pickle, not a worker's copy, is what a
  worker that joins later gets: a used extractor may hold caches that do not survive pickling (the
  vocabulary's match layers compare a sentinel by identity). The workers need kg and the
  extractor's package installed (and a ``--model`` file at the same path);
- the papers go in shards of ``shard_size`` consecutive papers, one task each; at most two shards
  per worker thread are in flight, so the cluster holds a few shards' papers and records at a time,
  whatever the corpus;
- a shard gives back, for each of its papers, what a local worker gives: the record as a JSON line,
  or ``(message, traceback)`` where the extractor failed on the paper, which the caller reports as
  in a local run (:func:`kg.build.extraction_lines`);
- outcomes come back in input order, whichever shard finishes first;
- a shard whose worker dies is run again on another one (the scheduler's
  ``distributed.scheduler.allowed-failures``, 3 by default); a shard that kills more workers than
  that, or that the cluster cannot run at all, is a one-line :class:`kg.errors.KgError` naming its papers.

>>> parse_address("local:4")
4
>>> parse_address("tcp://scheduler.example.org:8786")
'tcp://scheduler.example.org:8786'

A run on two local worker processes (a few seconds: not run as a doctest)::

    from kg.extractors import load_extractor
    from kg.records import Paper
    papers = [Paper(f"p{i}", "FooNet", "We fine-tune LLaMA with LoRA.") for i in range(1000)]
    lines = list(extract_on_cluster(papers, load_extractor("rules"), "local:2", shard_size=250))
    # 1000 JSON lines, the same as [_extract_one(paper, extractor) for paper in papers]
"""

from __future__ import annotations

import functools
import uuid
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import TYPE_CHECKING

from .build import _extract_one
from .errors import KgError
from .extractors import Extractor
from .records import Paper

if TYPE_CHECKING:
    from distributed import Client, Future

LOCAL = "local:"
SHARD_SIZE = 500  # papers a task: about a second and a half of the rules' work, a few MB of records back
IN_FLIGHT_PER_THREAD = 2  # shards in flight per worker thread: one running, one ready to start


def parse_address(address: str) -> int | str:
    """The worker count of ``local:N``, or the scheduler's address as given.

    >>> parse_address("local:0")
    Traceback (most recent call last):
    ...
    kg.errors.KgError: scheduler 'local:0': local:N needs a count of worker processes N >= 1, e.g. local:4
    """
    if address.startswith(LOCAL):
        count = address[len(LOCAL) :]
        if not count.isdigit() or int(count) < 1:
            raise KgError(f"scheduler {address!r}: local:N needs a count of worker processes N >= 1, e.g. local:4")
        return int(count)
    if not address.strip():
        raise KgError("scheduler '': give a Dask scheduler's address (tcp://host:8786) or local:N")
    return address


@contextmanager
def connect(address: str) -> Iterator[Client]:
    """A client of the cluster at ``address`` (:func:`parse_address`); a ``local:N`` cluster lives as
    long as the ``with`` block."""
    from distributed import Client, LocalCluster

    target = parse_address(address)
    if isinstance(target, int):
        # no dashboard: it would take a fixed port (8787), and it needs bokeh, which kg does not install
        with (
            LocalCluster(n_workers=target, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
            Client(cluster, set_as_default=False) as client,
        ):
            yield client
        return
    _expect_scheduler(address)
    with Client(target, set_as_default=False) as client:
        yield client


def _expect_scheduler(address: str) -> None:
    """Raise a one-line :class:`KgError` unless a Dask scheduler answers at ``address`` within Dask's
    connect timeout. Dask's own client waits forever on a port that takes the connection and never
    answers (a dashboard's, 8787, for the scheduler's 8786), so the first exchange is bounded here."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import dask
    from dask.utils import parse_timedelta
    from distributed.comm.core import connect as dask_connect

    timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), default="seconds")

    async def identity() -> object:
        comm = await dask_connect(address, timeout=timeout)
        try:
            await comm.write({"op": "identity"})
            return await comm.read()
        finally:
            comm.abort()

    async def bounded() -> object:
        return await asyncio.wait_for(identity(), timeout)

    try:
        with ThreadPoolExecutor(1) as thread:  # a loop of its own: the caller may be running one (a notebook)
            reply = thread.submit(asyncio.run, bounded()).result()
    except TimeoutError:
        raise KgError(f"cannot reach the Dask scheduler at {address}: no answer within {timeout:g} s") from None
    except Exception as error:  # refused, timed out, an unknown protocol, a server that speaks another one
        raise KgError(f"cannot reach the Dask scheduler at {address}: {_one_line(error)}") from None
    kind = reply.get("type") if isinstance(reply, dict) else None
    if kind != "Scheduler":
        raise KgError(
            f"{address} answers, but is a Dask {kind or 'peer'}, not a scheduler (one listens on port 8786 by default)"
        )


def extract_on_cluster(
    papers: Iterable[Paper], extractor: Extractor, address: str, shard_size: int = SHARD_SIZE
) -> Generator[str | tuple[str, str]]:
    """Each paper's record as a JSON line, or why ``extractor`` failed on it (``(message, traceback)``),
    in input order, extracted on the Dask cluster at ``address`` in shards of ``shard_size`` papers.

    A generator: the cluster is reached at the first ``next()``, and left (a ``local:N`` one closed)
    when the generator is exhausted or closed. ``papers`` is read a shard at a time, as the cluster
    takes them, so it may be a stream too big to hold.
    """
    if shard_size < 1:
        raise KgError(f"shard size {shard_size}: a shard holds at least one paper")
    # Dask's own pickling: pickle, or cloudpickle where an extractor's class is defined in a script or notebook
    from distributed.protocol.pickle import dumps

    payload = dumps(extractor)
    with connect(address) as client:
        [remote] = client.scatter([payload], broadcast=True, hash=False)
        run = uuid.uuid4().hex[:8]  # task keys of this run, told apart from another client's on a shared cluster
        pending: deque[tuple[str, str, Future]] = deque()
        stream = iter(papers)
        for index, shard in enumerate(iter(lambda: list(islice(stream, shard_size)), [])):
            future = client.submit(_extract_shard, remote, shard, key=f"kg-extract-{run}-{index}")
            pending.append((shard[0].id, shard[-1].id, future))
            # the threads counted again each time: a cluster that scales (dask-jobqueue's adapt) gets more work
            if len(pending) >= IN_FLIGHT_PER_THREAD * max(1, sum(client.nthreads().values())):
                yield from _outcomes(*pending.popleft(), address)
        while pending:
            yield from _outcomes(*pending.popleft(), address)


def _outcomes(first: str, last: str, future: Future, address: str) -> list[str | tuple[str, str]]:
    """The outcomes of the shard of papers ``first`` to ``last``, once the cluster has them."""
    try:
        return future.result()
    except Exception as error:  # the extractor's own failures come back as outcomes: this is the cluster's
        raise KgError(
            f"the Dask cluster at {address} could not extract papers {first} to {last}: "
            f"{type(error).__name__}: {_one_line(error)}"
        ) from error
    finally:
        future.release()  # the cluster forgets the shard's records at once


def _extract_shard(payload: bytes, papers: list[Paper]) -> list[str | tuple[str, str]]:
    """On a worker: what a local pool's worker gives for each paper (:func:`kg.build._extract_one`)."""
    extractor = _unpickled(payload)
    return [_extract_one(paper, extractor) for paper in papers]


@functools.lru_cache(maxsize=4)  # on a worker, the extractors of the last few runs, each unpickled once
def _unpickled(payload: bytes) -> Extractor:
    from distributed.protocol.pickle import loads

    extractor: Extractor = loads(payload)
    return extractor


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
