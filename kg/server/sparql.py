"""The SPARQL 1.1 Protocol endpoint of ``kg serve``: read-only, bounded in time, negotiated formats.

Queries run in worker processes, each holding the build's store open read-only. A query that runs
past the time limit cannot be interrupted inside Oxigraph, so its worker is killed and a fresh one
takes its place: the client gets HTTP 503 with the reason, and the server keeps answering.

Results are serialised by Oxigraph itself, in the format the client's ``Accept`` header prefers:
SELECT and ASK as SPARQL results JSON, XML, CSV or TSV; CONSTRUCT and DESCRIBE as Turtle,
N-Triples or RDF/XML. The project's prefixes (``kgo:``, ``dcterms:``, ...) are predeclared, as
for ``kg sparql``; a query may declare its own.

>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", SOLUTION_FORMATS)
'application/sparql-results+xml'
>>> negotiate("", GRAPH_FORMATS)
'text/turtle'
>>> negotiate("image/png", SOLUTION_FORMATS) is None
True
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from ..errors import KgError
from ..store import _PREFIXES, OxigraphStore, Table

# media type -> Oxigraph format, the first of each being the default when the client accepts anything
SOLUTION_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}


class SparqlFailure(Exception):
    """A request the endpoint answers with an error: HTTP status and a one-line reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(status, reason)  # both in args, so that it pickles across the worker's pipe
        self.status = status
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


@dataclass
class Answer:
    media_type: str
    body: bytes


def negotiate(accept: str, offered: dict) -> str | None:
    """The offered media type the ``Accept`` header ranks highest (the first offered for ``*/*`` or
    no header); ``None`` when it accepts none of them."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(part.strip() for part in accept.split(",") if part.strip()):
        media, *options = (piece.strip() for piece in item.split(";"))
        quality = 1.0
        for option in options:
            key, _, value = option.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, media.lower()))
    if not ranked:
        return next(iter(offered))
    for negative_quality, _, media in sorted(ranked):
        if negative_quality == 0:
            break
        if media in offered:
            return media
        if media in ("*/*", "application/*", "text/*"):
            family = media.split("/")[0]
            found = next((m for m in offered if family == "*" or m.startswith(family + "/")), None)
            if found:
                return found
    return None


def evaluate(store: ox.Store, query: str, accept: str, default_graphs: list[str], named_graphs: list[str]) -> Answer:
    """Run one query on an open store and serialise its answer as ``accept`` asks."""
    options: dict = {"prefixes": _PREFIXES}
    if default_graphs:
        options["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs]
    if named_graphs:
        options["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
    try:
        answer = store.query(query, **options)
    except SyntaxError as error:
        raise SparqlFailure(400, f"malformed query: {str(error).splitlines()[0]}") from None
    except (ValueError, OSError) as error:
        raise SparqlFailure(400, f"query failed: {error}") from None
    if isinstance(answer, ox.QueryTriples):
        media = _acceptable(accept, GRAPH_FORMATS)
        return Answer(media, answer.serialize(format=GRAPH_FORMATS[media]) or b"")
    media = _acceptable(accept, SOLUTION_FORMATS)
    return Answer(media, answer.serialize(format=SOLUTION_FORMATS[media]) or b"")


def _acceptable(accept: str, offered: dict) -> str:
    media = negotiate(accept, offered)
    if media is None:
        raise SparqlFailure(406, f"this answer can be sent as {', '.join(offered)}; the request accepts none of them")
    return media


def _worker(store_path: str, connection: Connection) -> None:
    store = ox.Store.read_only(store_path)
    while True:
        request = connection.recv()
        if request is None:
            return
        try:
            if request[0] == "table":  # a canned query for a page: its answers as a Table
                connection.send(OxigraphStore(store).select(request[1]))
            else:
                connection.send(evaluate(store, *request[1:]))
        except SparqlFailure as failure:
            connection.send(failure)
        except KgError as error:
            connection.send(SparqlFailure(400, str(error)))


class QueryRunner:
    """A pool of worker processes answering queries on a store, each query bounded by ``timeout`` seconds.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> ox.Store(folder).flush()
    >>> with QueryRunner(folder, workers=1, timeout=10) as runner:
    ...     runner.run("ASK { ?s ?p ?o }", "application/sparql-results+json").body
    b'{"head":{},"boolean":false}'
    """

    def __init__(self, store_path: str | Path, *, workers: int = 2, timeout: float = 30.0):
        self.store_path = str(store_path)
        self.timeout = timeout
        # spawn, not fork: the server process has threads (the event loop's pool) a fork would copy mid-flight
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue = queue.Queue()
        self._workers: list[tuple] = []
        self._lock = threading.Lock()
        for _ in range(workers):
            self._idle.put(self._start())

    def _start(self) -> tuple:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_worker, args=(self.store_path, theirs), daemon=True)
        process.start()
        theirs.close()
        worker = (process, ours)
        with self._lock:
            self._workers.append(worker)
        return worker

    def _retire(self, worker: tuple) -> None:
        process, connection = worker
        process.kill()
        process.join()
        connection.close()
        with self._lock:
            self._workers.remove(worker)

    def run(
        self, query: str, accept: str, default_graphs: list[str] | None = None, named_graphs: list[str] | None = None
    ) -> Answer:
        """The serialised answer; :class:`SparqlFailure` for a bad query, an unacceptable format, or
        one that ran past the time limit (503: its worker is replaced)."""
        return self._ask(("protocol", query, accept, default_graphs or [], named_graphs or []))

    def table(self, query: str) -> Table:
        """A query's answers as a :class:`kg.store.Table`, under the same time limit."""
        return self._ask(("table", query))

    def _ask(self, request: tuple):
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise SparqlFailure(503, f"every query worker stayed busy for {self.timeout:g} s; try again") from None
        connection = worker[1]
        try:
            connection.send(request)
            if not connection.poll(self.timeout):
                self._retire(worker)
                worker = self._start()
                raise SparqlFailure(
                    503, f"query cancelled: it ran past the {self.timeout:g} s limit (kg serve --timeout)"
                )
            reply = connection.recv()
        except (EOFError, OSError):  # the worker died (out of memory, killed): replace it
            self._retire(worker)
            worker = self._start()
            raise SparqlFailure(500, "the query's worker process died; it has been restarted") from None
        finally:
            self._idle.put(worker)
        if isinstance(reply, SparqlFailure):
            raise reply
        return reply

    def close(self) -> None:
        with self._lock:
            workers = list(self._workers)
        for process, connection in workers:
            with contextlib.suppress(OSError):  # a worker that already died
                connection.send(None)
            process.join(timeout=2)
            if process.is_alive():
                process.kill()
            connection.close()

    def __enter__(self) -> QueryRunner:
        return self

    def __exit__(self, *failure) -> None:
        self.close()
