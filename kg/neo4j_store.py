"""Neo4j: load a build's graph into a Neo4j database, and run Cypher (canned or ad hoc) over it.

The graph of ``<build>/graph.json`` becomes a property graph: each node one Neo4j node labelled
with its kind (``Paper``, ``Model``, ``Method``, ``Dataset``, ``Task``, ``Modality``, ``Domain``,
``Result``, ``Author``) and keyed by its graph id (``id``: ``paper/<id>``, ``method/lora``, ...);
entities also get ``matchKeys``, their names normalised as the guideline matches names (what
``kgo:matchKey`` holds in RDF). Each such key is also one ``(:Name {key})`` node, unique, linked
``(:Name)-[:NAMES]->(entity)`` to each entity of that name: the index that name lookups seek, as
no index serves ``key IN n.matchKeys``. Each edge becomes one relationship typed by its predicate
in upper case (``variant_of`` → ``VARIANT_OF``) carrying ``paper``, ``evidence``, ``confidence``
and what made it (``extractor``, ``extractorVersion``, ``curated``): one paper's statement is one
relationship, keyed on (start, type, end, paper).

A load is idempotent and converges: every node and relationship it writes is stamped with the
load's id, and once all are written, the statements of the build's papers that the build no
longer makes (stamped by an older load) are deleted, as are the ``NAMES`` links of the entities it
wrote that their names no longer give and the ``Name`` nodes left naming nothing. Another paper's
data is never touched, and a load that was interrupted is completed by the next one.

Canned Cypher questions live beside the SPARQL ones as ``queries/NAME.cypher``, with the same
header written as ``//`` comments, the same columns and the same answers.

>>> relationship_type("fine_tuned_from")
'FINE_TUNED_FROM'
"""

from __future__ import annotations

import json
import logging
import math
import os
import queue
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import TextIO

from .errors import KgError
from .graph import iter_node_link
from .rdf import PROPERTIES
from .records import ENTITY_TYPES
from .store import ALL, Page, Table, build_advice
from .vocab import normalize_name

KINDS = ("Paper", *ENTITY_TYPES, "Result", "Author")
ENTITY_KINDS = ENTITY_TYPES
SEARCHABLE = ("Paper", *ENTITY_KINDS)  # the kinds that kg.search embeds
# Rows a transaction writes: big enough that a transaction's fixed cost is noise.
BATCH_SIZE = 10_000
# How long the driver retries a transaction that failed for a passing reason (a lost connection).
RETRY_SECONDS = 5.0

# Unless the application logs somewhere, the driver's own warnings ("Unable to retrieve routing
# information") would reach stderr beside the one-line error that says the same.
logging.getLogger("neo4j").addHandler(logging.NullHandler())


class Neo4jStoreError(KgError):
    """A load or query that could not run: no server, refused login, no such database, bad Cypher."""


def relationship_type(predicate: str) -> str:
    """The relationship type of a graph predicate; only the project's predicates have one."""
    if predicate not in PROPERTIES:
        raise Neo4jStoreError(f"unknown predicate {predicate!r} in graph.json")
    return predicate.upper()


@dataclass
class LoadReport:
    """What a load did: the build's node and relationship counts, what it removed, how long it took."""

    nodes: int
    relationships: int
    papers: int
    removed_nodes: int
    removed_relationships: int
    seconds: float

    def format(self, uri: str, database: str) -> str:
        removed = (
            f"; removed {self.removed_relationships} relationships and {self.removed_nodes} nodes "
            f"no longer in the build"
            if self.removed_nodes or self.removed_relationships
            else ""
        )
        return (
            f"loaded {self.papers} papers into {uri} (database {database}): {self.nodes} nodes, "
            f"{self.relationships} relationships in {self.seconds:.1f} s{removed}"
        )


def load(
    build_dir: str | Path,
    uri: str,
    user: str,
    password: str,
    database: str = "neo4j",
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
    embeddings: bool = False,
) -> LoadReport:
    """Load ``<build_dir>/graph.json`` into Neo4j: schema, nodes, relationships, then stale statements out.

    graph.json is read item by item (:func:`kg.graph.iter_node_link`), in four passes: the nodes'
    kinds, the papers, the other nodes, the edges. Writes go in transactions of ``batch_size``
    rows; ``progress(done, total)`` is called after each committed batch (nodes and relationships
    together). A paper the database has never seen (no node, no statement) gets its statements
    created outright; the others are merged on (start, type, end, paper), which finds the
    statement an older load wrote. With ``embeddings``, papers and entities also get their
    sentence embedding (``embedding``) in one vector index per label, which :func:`vector_search` asks.
    """
    started = time.monotonic()
    path = _graph_path(Path(build_dir))
    kinds, papers, counts = _scan(path)
    total = counts["node"] + counts["edge"]
    token = uuid.uuid4().hex
    # One session for the lookups and the sweep, two that write in turn (one if there is no paper to lock).
    with _sessions(uri, user, password, database, 3 if papers else 2) as (session, *writers):
        for statement in _schema_statements():
            session.run(statement).consume()
        # After the first statements: a wrong URI or password fails before the embeddings are computed.
        vectors = _vectors(Path(build_dir)) if embeddings else {}
        if vectors:
            for statement in _vector_index_statements(len(next(iter(vectors.values())))):
                session.run(statement).consume()
        typed = _relationship_types(session)
        new_papers: set[str] = set()
        with _Writes(writers, token, batch_size, lambda done: progress and progress(done, total)) as writes:
            # Papers first, each batch looked up before it is written: the entity statement tells
            # this build's papers by their loadId, and a paper found nowhere has only new statements.
            for batch in _chunks(_node_rows(path, vectors, lambda kind: kind == "Paper"), batch_size):
                new_papers.update(_new_papers(session, [row["props"]["paper_id"] for row in batch], typed))
                writes.write(_node_statement("Paper"), batch)
                if not writes.lock:
                    writes.flush()
                    writes.lock = batch[0]["id"]
            writes.flush()  # every paper before the entities, whose statement asks the papers' loadId
            for row in _node_rows(path, vectors, lambda kind: kind != "Paper"):
                writes.add(_node_statement(row["props"]["kind"]), row)
            writes.flush()  # nodes before relationships: these find their ends
            for _, source, target, _, data in iter_node_link(path, ("edge",)):
                edge = _edge_row(source, target, data, writes.provenance)
                statement = _edge_statement(
                    relationship_type(data["predicate"]), *_ends(kinds, source, target, path), new=edge[2] in new_papers
                )
                writes.add(statement, edge)
            writes.flush()
        old_papers = [paper for paper in papers if paper not in new_papers]
        removed_relationships, removed_nodes = _sweep(session, token, old_papers, batch_size)
        _replan(session)
    return LoadReport(
        counts["node"], counts["edge"], len(papers), removed_nodes, removed_relationships, time.monotonic() - started
    )


def vector_search(
    vector: list[float],
    uri: str,
    user: str,
    password: str,
    database: str = "neo4j",
    limit: int = 10,
    kinds: tuple[str, ...] = (),
) -> Table:
    """The ``limit`` nodes (of ``kinds``, default all searchable) nearest to ``vector`` in the vector indexes.

    Scores are cosine similarities, as :func:`kg.search.search` gives them.
    """
    rows = []
    with _session(uri, user, password, database, access_mode="READ") as session:
        for kind in kinds or SEARCHABLE:
            if kind not in SEARCHABLE:
                raise Neo4jStoreError(f"{kind!r} has no vector index (kinds: {', '.join(SEARCHABLE)})")
            found = session.run(
                "CALL db.index.vector.queryNodes($index, $limit, $vector) YIELD node, score "
                "RETURN score, node.label AS label, node.id AS id",
                index=f"kg_{kind.lower()}_embedding",
                limit=limit,
                vector=vector,
            )
            # The index scores cosine similarity s as (1 + s) / 2; give back s.
            rows += [[round(2 * record["score"] - 1, 4), kind, record["label"], record["id"]] for record in found]
    rows.sort(key=lambda row: (-row[0], row[3]))
    return Table(["score", "kind", "label", "node"], rows[:limit])


def run_cypher(
    cypher: str,
    params: dict | None,
    uri: str,
    user: str,
    password: str,
    database: str = "neo4j",
    allow_update: bool = False,
    page: Page = ALL,
) -> Table:
    """Run one Cypher query with its parameters bound as Cypher parameters; read-only unless ``allow_update``.

    A query that would write is refused before it runs (its plan says so), and reads run in a
    read-access transaction, where the server itself refuses any write. ``page`` keeps some of
    the rows, as the SPARQL stores do.
    """
    import neo4j

    params = params or {}
    with _session(
        uri, user, password, database, access_mode=neo4j.WRITE_ACCESS if allow_update else neo4j.READ_ACCESS
    ) as session:
        if not allow_update:
            query_type = session.run("EXPLAIN " + cypher, params).consume().query_type
            if query_type != "r":
                raise Neo4jStoreError("this query would write to the database; pass --allow-update to run it")
        work = session.execute_write if allow_update else session.execute_read
        columns, rows, total = work(_fetch, cypher, params, page)
    return Table(columns, rows, total, page.offset)


# -- reading the build ---------------------------------------------------------------------------


def _vectors(build: Path) -> dict[str, list[float]]:
    """Node id -> embedding, for every searchable node (from the build's cache where it has them)."""
    from .search import node_vectors

    nodes, vectors = node_vectors(build)
    return {node_id: [float(x) for x in vector] for (node_id, _, _), vector in zip(nodes, vectors, strict=True)}


def _graph_path(build: Path) -> Path:
    path = build / "graph.json"
    if not path.is_file():
        raise Neo4jStoreError(f"{build}: no graph.json here ({build_advice(build)})")
    return path


def _scan(path: Path) -> tuple[dict[str, str], list[str], Counter]:
    """Node id -> kind, the build's paper ids, and how many nodes and edges graph.json holds; a
    node of an unknown kind, or a file that is no node-link graph, is refused before anything is written."""
    kinds: dict[str, str] = {}
    papers = []
    counts: Counter = Counter()
    try:
        for _, node, data in iter_node_link(path, ("node",), counts):
            kind = data.get("kind")
            if kind not in KINDS:
                raise Neo4jStoreError(f"{path}: node {node!r} has unknown kind {kind!r}")
            kinds[node] = kind
            if kind == "Paper":
                papers.append(data["paper_id"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise Neo4jStoreError(f"{path}: not a node-link graph ({error!r})") from None
    return kinds, sorted(papers), counts


def _node_rows(path: Path, vectors: dict[str, list[float]], keep: Callable[[str], bool]) -> Iterator[dict]:
    """The rows of the nodes whose kind ``keep`` accepts: ``{"id", "props"}``, props as Neo4j stores them."""
    for _, node, data in iter_node_link(path, ("node",)):
        if keep(data["kind"]):
            props = _properties({"id": node, **data})
            if node in vectors:
                props["embedding"] = vectors[node]
            yield {"id": node, "props": props}


def _properties(node: dict) -> dict:
    """The node's attributes as values Neo4j stores (strings, numbers, booleans, lists of one of them)."""
    props = {}
    for key, value in node.items():
        if value is None:
            continue
        if isinstance(value, (str, int, float, bool)) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            props[key] = value
        else:  # nested or mixed values have no Neo4j type: keep them as JSON text
            props[key] = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if node["kind"] in ENTITY_KINDS:
        names = [node["label"], *node.get("aliases", [])]
        props["matchKeys"] = sorted({normalize_name(name) for name in names})
    return props


# What a relationship carries and where its statement finds each value: an edge row is
# [source, target, paper, evidence, confidence, provenance, position?], where provenance indexes
# the load's list of (extractor, extractorVersion, curated), which few values fill (one per
# extractor version), and position (an author's place in the paper's list) is there for authors
# only: the fewer values a row has, the sooner the driver packs it.
EDGE_VALUES = {
    "paper": "row[2]",
    "evidence": "row[3]",
    "confidence": "row[4]",
    "extractor": "$provenance[row[5]][0]",
    "extractorVersion": "$provenance[row[5]][1]",
    "curated": "$provenance[row[5]][2]",
    "position": "row[6]",  # null where the row stops before it
    "loadId": "$token",
}


def _edge_row(source: str, target: str, data: dict, provenance: dict[tuple, int]) -> list:
    """An edge as a list (a row of maps would send each field's name with every row); a new
    (extractor, version, curated) gets the next index of ``provenance``."""
    made = (data.get("extractor", ""), data.get("extractor_version", ""), bool(data.get("curated", False)))
    row = [
        source,
        target,
        data.get("paper", ""),
        data.get("evidence", ""),
        float(data.get("confidence", 1.0)),
        provenance.setdefault(made, len(provenance)),
    ]
    if data.get("position") is not None:
        row.append(data["position"])
    return row


def _ends(kinds: dict[str, str], source: str, target: str, path: Path) -> tuple[str, str]:
    """The kinds of an edge's two ends; an edge to a node graph.json does not hold is refused."""
    for node in (source, target):
        if node not in kinds:
            raise Neo4jStoreError(f"{path}: an edge {source!r} -> {target!r} names no node {node!r}")
    return kinds[source], kinds[target]


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Writes:
    """Rows buffered per statement and written in transactions of ``size`` rows by the ``sessions``
    in turn, on threads, so that the next batch is read, packed and sent while the server writes
    this one.

    Once :attr:`lock` names a node (a paper of the build, written), every transaction first
    writes it: the server then runs them one at a time, in the order they came, and two never
    wait on each other's nodes (no deadlock), while neither side waits for the other. A
    statement's buffer is written when it holds ``size`` rows, and the largest when all hold
    ``4 * size`` (one buffer per relationship type and pair of kinds): the memory a load takes
    stays bounded however large the build. :meth:`flush` writes the rest and waits for all.
    """

    def __init__(self, sessions: list, token: str, size: int, progress: Callable[[int], object]):
        self.token, self.size, self.progress = token, size, progress
        self.idle: queue.SimpleQueue = queue.SimpleQueue()
        for session in sessions:
            self.idle.put(session)
        self.workers = len(sessions)
        self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="kg-neo4j")
        self.pending: deque[Future] = deque()
        self.rows: dict[str, list] = {}
        self.buffered = self.done = 0
        self.lock: str | None = None
        self.provenance: dict[tuple, int] = {}  # see EDGE_VALUES

    def __enter__(self):
        return self

    def __exit__(self, *failure) -> None:
        self.pool.shutdown(cancel_futures=True)

    def add(self, statement: str, row) -> None:
        rows = self.rows.setdefault(statement, [])
        rows.append(row)
        self.buffered += 1
        if len(rows) == self.size:
            self._write_buffer(statement)
        elif self.buffered >= 4 * self.size:
            self._write_buffer(max(self.rows, key=lambda key: len(self.rows[key])))

    def write(self, statement: str, rows: list) -> None:
        if len(self.pending) == self.workers:
            self._wait_oldest()
        if self.lock:
            statement = "OPTIONAL MATCH (lock:Paper {id: $lock}) SET lock.loadId = $token WITH * " + statement
        provenance = [list(made) for made in self.provenance]
        params = {"rows": rows, "token": self.token, "lock": self.lock, "provenance": provenance}
        self.pending.append(self.pool.submit(self._run, statement, params))

    def flush(self) -> None:
        for statement in list(self.rows):
            self._write_buffer(statement)
        while self.pending:
            self._wait_oldest()

    def _write_buffer(self, statement: str) -> None:
        rows = self.rows.pop(statement)
        self.buffered -= len(rows)
        self.write(statement, rows)

    def _run(self, statement: str, params: dict) -> int:
        session = self.idle.get()
        try:
            session.execute_write(_run, statement, **params)
        finally:
            self.idle.put(session)
        return len(params["rows"])

    def _wait_oldest(self) -> None:
        self.done += self.pending.popleft().result()  # a failed batch's error is raised here
        self.progress(self.done)


# -- Cypher of the load (labels and types come from the fixed lists above, never from input) -----


def _schema_statements() -> list[str]:
    statements = []
    for kind in KINDS:
        statements.append(f"CREATE CONSTRAINT kg_{kind.lower()}_id IF NOT EXISTS FOR (n:{kind}) REQUIRE n.id IS UNIQUE")
        statements.append(f"CREATE INDEX kg_{kind.lower()}_label IF NOT EXISTS FOR (n:{kind}) ON (n.label)")
    statements.append("CREATE CONSTRAINT kg_name_key IF NOT EXISTS FOR (n:Name) REQUIRE n.key IS UNIQUE")
    statements.append("CREATE INDEX kg_paper_paper_id IF NOT EXISTS FOR (n:Paper) ON (n.paper_id)")
    statements.append("CREATE INDEX kg_result_paper IF NOT EXISTS FOR (n:Result) ON (n.paper)")
    for predicate in sorted(PROPERTIES):
        rel_type = relationship_type(predicate)
        statements.append(f"CREATE INDEX kg_{predicate}_paper IF NOT EXISTS FOR ()-[r:{rel_type}]-() ON (r.paper)")
    return statements


def _vector_index_statements(dimensions: int) -> list[str]:
    # Unquantised: the scores then equal kg search's on the build.
    return [
        f"CREATE VECTOR INDEX kg_{kind.lower()}_embedding IF NOT EXISTS FOR (n:{kind}) ON (n.embedding) "
        f"OPTIONS {{indexConfig: {{`vector.dimensions`: {int(dimensions)}, `vector.similarity_function`: 'cosine', "
        "`vector.quantization.enabled`: false}}"
        for kind in SEARCHABLE
    ]


def _replan(session) -> None:
    """Resample the indexes and drop the cached plans: queries after a load are then planned on its
    statistics, not on those of the database before it (a plan made for a few nodes can scan where
    it should seek), which the server's own sampling would only catch up with later."""
    session.run("CALL db.prepareForReplanning(600)").consume()


def _relationship_types(session) -> list[str]:
    """The relationship types of the project that the database holds any of (its counts store answers)."""
    return [
        rel_type
        for rel_type in (relationship_type(predicate) for predicate in sorted(PROPERTIES))
        if session.run(f"MATCH ()-[r:{rel_type}]->() RETURN count(r) AS n").single()["n"]
    ]


def _new_papers(session, papers: list[str], typed: list[str]) -> set[str]:
    """Those of ``papers`` the database knows nothing of: no Paper node and, of the relationship
    types it holds (``typed``), no statement."""
    found = session.execute_read(_column, "UNWIND $papers AS p MATCH (:Paper {id: 'paper/' + p}) RETURN p", papers)
    new = set(papers) - found
    for rel_type in typed:
        if new:
            new -= session.execute_read(
                _column, f"UNWIND $papers AS p MATCH ()-[r:{rel_type} {{paper: p}}]->() RETURN DISTINCT p", sorted(new)
            )
    return new


@cache  # asked once per row
def _node_statement(kind: str) -> str:
    assert kind in KINDS
    statement = (
        f"UNWIND $rows AS row MERGE (n:{kind} {{id: row.id}}) "
        "WITH n, row, coalesce(n.papers, []) AS before SET n = row.props, n.loadId = $token"
    )
    if kind in ENTITY_KINDS:
        # Keep the papers of other builds that mention this entity; this build's own are replaced.
        statement += (
            " SET n.papers = [p IN before WHERE NOT EXISTS { MATCH (q:Paper {id: 'paper/' + p})"
            " WHERE q.loadId = $token } AND NOT p IN row.props.papers] + row.props.papers"
            # one Name node per key, linked to each entity it names
            " WITH n, row UNWIND row.props.matchKeys AS key MERGE (name:Name {key: key})"
            " MERGE (name)-[names:NAMES]->(n) SET names.loadId = $token"
        )
    return statement


@cache  # asked once per row
def _edge_statement(rel_type: str, start: str, end: str, new: bool) -> str:
    """The statement of edge rows (:func:`_edge_row`) of one type between two kinds: ``new`` ones
    (of papers the database has never seen) are created, the others merged on their paper."""
    assert start in KINDS and end in KINDS and rel_type in {p.upper() for p in PROPERTIES}
    ends = f"UNWIND $rows AS row MATCH (s:{start} {{id: row[0]}}) MATCH (e:{end} {{id: row[1]}}) "
    values = EDGE_VALUES
    if new:
        return ends + f"CREATE (s)-[:{rel_type} {{{', '.join(f'{k}: {v}' for k, v in values.items())}}}]->(e)"
    return (
        ends
        + f"MERGE (s)-[r:{rel_type} {{paper: row[2]}}]->(e) SET "
        + ", ".join(f"r.{k} = {v}" for k, v in values.items() if k != "paper")
    )


def _sweep(session, token: str, papers: list[str], batch_size: int) -> tuple[int, int]:
    """Delete what an older load wrote for this build's ``papers`` (those the database held before
    this load) and this build no longer holds.

    A relationship goes when its paper is one of them and this load did not write it; a
    vocabulary ``broader`` link (no paper) goes when its start node is in the build and this load
    did not write it. Results of these papers that this load did not write go too, and so
    do entities left with no paper and no relationship. A ``NAMES`` link goes when this load wrote
    its entity but not the link (a name the entity no longer has), and a ``Name`` node when it
    names nothing; both are the lookup index, not the build's data, so the report leaves them out.
    Each statement finds its rows through an index (a relationship type's ``paper``, a Result's
    ``paper``), so a load of new papers into a large database sweeps in no time.
    """
    removed_relationships = removed_nodes = 0
    for predicate in sorted(PROPERTIES):
        rel_type = relationship_type(predicate)
        for chunk in _chunks(papers, batch_size):
            removed_relationships += _repeat(
                session,
                f"UNWIND $papers AS p MATCH ()-[r:{rel_type} {{paper: p}}]->() WHERE r.loadId <> $token "
                "WITH r LIMIT $limit DELETE r RETURN count(*) AS n",
                token=token,
                papers=chunk,
                limit=batch_size,
            )
        removed_relationships += _repeat(
            session,
            f"MATCH (s)-[r:{rel_type} {{paper: ''}}]->() WHERE r.loadId <> $token AND s.loadId = $token "
            "WITH r LIMIT $limit DELETE r RETURN count(*) AS n",
            token=token,
            limit=batch_size,
        )
    for chunk in _chunks(papers, batch_size):
        removed_nodes += _repeat(
            session,
            "UNWIND $papers AS p MATCH (n:Result {paper: p}) WHERE n.loadId <> $token "
            "WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n",
            token=token,
            papers=chunk,
            limit=batch_size,
        )
        for kind in ENTITY_KINDS:  # the papers of other builds' entities lose these papers
            session.execute_write(
                _run,
                f"MATCH (n:{kind}) WHERE n.loadId <> $token AND any(p IN n.papers WHERE p IN $papers) "
                "SET n.papers = [p IN n.papers WHERE NOT p IN $papers]",
                token=token,
                papers=chunk,
            )
    removed_nodes += _repeat(  # an author with no paper left in any build
        session,
        "MATCH (n:Author) WHERE n.loadId <> $token AND NOT EXISTS { (n)--() } "
        "WITH n LIMIT $limit DELETE n RETURN count(*) AS n",
        token=token,
        limit=batch_size,
    )
    for kind in ENTITY_KINDS:
        removed_nodes += _repeat(  # its Name links do not keep an entity
            session,
            f"MATCH (n:{kind}) WHERE n.loadId <> $token AND n.papers = [] "
            "AND NOT EXISTS { (n)-[r]-() WHERE type(r) <> 'NAMES' } "
            "WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n",
            token=token,
            limit=batch_size,
        )
    _repeat(
        session,
        "MATCH (:Name)-[r:NAMES]->(n) WHERE n.loadId = $token AND r.loadId <> $token "
        "WITH r LIMIT $limit DELETE r RETURN count(*) AS n",
        token=token,
        limit=batch_size,
    )
    _repeat(
        session,
        "MATCH (n:Name) WHERE NOT EXISTS { (n)-[:NAMES]->() } WITH n LIMIT $limit DELETE n RETURN count(*) AS n",
        limit=batch_size,
    )
    return removed_relationships, removed_nodes


def _repeat(session, statement: str, **params) -> int:
    """Run a ``... LIMIT $limit DELETE ... RETURN count(*) AS n`` statement until it deletes no more."""
    total = 0
    while True:
        deleted = session.execute_write(_single, statement, **params)
        total += deleted
        if deleted < params["limit"]:
            return total


def _run(tx, statement: str, **params) -> None:
    tx.run(statement, **params).consume()


def _single(tx, statement: str, **params) -> int:
    return tx.run(statement, **params).single()["n"]


def _column(tx, statement: str, papers: list[str]) -> set:
    return {record[0] for record in tx.run(statement, papers=papers)}


def _fetch(tx, cypher: str, params: dict, page: Page) -> tuple[list[str], list[list], int]:
    result = tx.run(cypher, params)
    rows, total = page.take(result, lambda record: [_plain(value) for value in record.values()])
    return list(result.keys()), rows, total


# -- the bulk path: neo4j-admin database import into a stopped Neo4j --------------------------------

# The import's array delimiter, which no name holds, and its stand-in for an empty list: a CSV cell
# has no way to say [] (an empty one is no property), so an empty list is written as [EMPTY_LIST]
# and :func:`finish_bulk` turns it back into [].
ARRAY_DELIMITER = "\x1f"
EMPTY_LIST = "\x1e"


@dataclass
class BulkReport:
    """What a bulk import wrote: counts, where, and how long it took."""

    nodes: int
    relationships: int
    papers: int
    database: str
    directory: Path
    seconds: float

    def format(self) -> str:
        return (
            f"imported {self.papers} papers into database {self.database} ({self.directory}): {self.nodes} nodes, "
            f"{self.relationships} relationships in {self.seconds:.1f} s; start Neo4j, then run "
            f"kg load neo4j --finish (it adds the indexes the queries use)"
        )


def bulk_load(
    build_dir: str | Path, neo4j_admin: str | None = None, database: str = "neo4j", embeddings: bool = False
) -> BulkReport:
    """Import ``<build_dir>/graph.json`` with ``neo4j-admin database import full`` into ``database``
    of a stopped Neo4j: the fast way to fill a new database with a large build.

    The graph becomes the same nodes, relationships and properties as :func:`load` writes (the
    same rows, as CSV files in a scratch folder of the build); the import cannot create indexes in
    Community's store format, so :func:`finish_bulk` adds them once Neo4j runs again. The database
    must be new, or one that never held a node (a Neo4j started once has such a ``neo4j``): a
    running database, or one that holds data, is refused before anything is written.
    """
    from .export.formats import neo4j_import_args

    started = time.monotonic()
    build = Path(build_dir)
    path = _graph_path(build)
    admin = _neo4j_admin(neo4j_admin)
    directory = _database_directory(admin, database)
    overwrite = _check_bulk_target(admin, directory, database)
    kinds, papers, counts = _scan(path)
    vectors = _vectors(build) if embeddings else {}
    with tempfile.TemporaryDirectory(prefix=".neo4j-import.", dir=build) as scratch:
        folder = Path(scratch)
        files, multiline = _write_import_files(path, kinds, vectors, uuid.uuid4().hex, folder)
        command = [str(admin), *neo4j_import_args(folder, files, database, ARRAY_DELIMITER, multiline)]
        command += [f"--report-file={folder / 'import.report'}", *(["--overwrite-destination"] if overwrite else [])]
        done = subprocess.run(command, capture_output=True, text=True, errors="replace")
    if done.returncode != 0:
        raise Neo4jStoreError(f"neo4j-admin could not import the build: {_admin_error(done.stdout + done.stderr)}")
    return BulkReport(counts["node"], counts["edge"], len(papers), database, directory, time.monotonic() - started)


def finish_bulk(uri: str, user: str, password: str, database: str = "neo4j") -> None:
    """After :func:`bulk_load`, once Neo4j serves the database: the constraints and indexes that
    :func:`load` creates (vector indexes too where nodes have embeddings), and empty lists for the
    import's stand-ins (:data:`EMPTY_LIST`)."""
    with _session(uri, user, password, database) as session:
        for statement in _schema_statements():
            session.run(statement).consume()
        found = session.run(
            f"MATCH (n:{'|'.join(SEARCHABLE)}) WHERE n.embedding IS NOT NULL RETURN size(n.embedding) AS n LIMIT 1"
        ).single()
        if found:
            for statement in _vector_index_statements(found["n"]):
                session.run(statement).consume()
        # An auto-commit query: CALL ... IN TRANSACTIONS cannot run inside a managed transaction.
        session.run(
            "MATCH (n) WITH n, [key IN keys(n) WHERE n[key] = [$empty]] AS empty WHERE empty <> [] "
            "CALL { WITH n, empty UNWIND empty AS key SET n[key] = [] } IN TRANSACTIONS OF 10000 ROWS",
            empty=EMPTY_LIST,
        ).consume()
        _replan(session)


def _neo4j_admin(given: str | None) -> Path:
    """The neo4j-admin to run: ``given``, else the one on PATH, else ``$NEO4J_HOME/bin/neo4j-admin``."""
    home = os.environ.get("NEO4J_HOME")
    found = given or shutil.which("neo4j-admin") or (home and str(Path(home) / "bin" / "neo4j-admin"))
    if not found:
        raise Neo4jStoreError("no neo4j-admin found: give --neo4j-admin PATH, or set NEO4J_HOME to your Neo4j's folder")
    if not os.access(found, os.X_OK) or Path(found).is_dir():
        raise Neo4jStoreError(f"{found}: not a neo4j-admin that can be run")
    return Path(found)


def _database_directory(admin: Path, database: str) -> Path:
    """Where Neo4j keeps ``database``: under the data folder of ``neo4j.conf``
    (``server.directories.data``, default ``data``) of NEO4J_HOME (default: neo4j-admin's ``..``),
    the configuration read from NEO4J_CONF (default: the home's ``conf``), as neo4j-admin finds them."""
    home = Path(os.environ.get("NEO4J_HOME") or admin.resolve().parent.parent)
    if not home.is_dir():
        raise Neo4jStoreError(f"{home}: no such folder; set NEO4J_HOME to your Neo4j's folder")
    conf = Path(os.environ.get("NEO4J_CONF") or home / "conf") / "neo4j.conf"
    data = "data"
    if conf.is_file():
        for line in conf.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "server.directories.data" and value.strip():
                data = value.strip()
    return home / data / "databases" / database


def _check_bulk_target(admin: Path, directory: Path, database: str) -> bool:
    """Refuse a running database, or one that holds data; True when the database exists but never
    held a node or relationship (a Neo4j started once creates an empty ``neo4j``), which the
    import then replaces."""
    if not directory.exists():
        return False
    info = subprocess.run([str(admin), "database", "info", database], capture_output=True, text=True, errors="replace")
    said = info.stdout + info.stderr
    if re.search(r"in use:\s*true|is in use", said):
        raise Neo4jStoreError(
            f"database {database} is running: --bulk writes its files, so stop Neo4j first (neo4j stop), "
            "then run this again; or load without --bulk"
        )
    if info.returncode != 0:
        raise Neo4jStoreError(f"neo4j-admin cannot read database {database}: {_admin_error(said)}")
    # The record store files of nodes and relationships stay empty until the first one is written.
    stores = [directory / "neostore.nodestore.db", directory / "neostore.relationshipstore.db"]
    if not all(store.is_file() and store.stat().st_size == 0 for store in stores):
        raise Neo4jStoreError(
            f"database {database} ({directory}) holds data: --bulk only fills a new or empty database; "
            "load without --bulk to update it in place, or drop the database first"
        )
    return True


def _admin_error(output: str) -> str:
    """The line of neo4j-admin's output that says what went wrong (its last line that is no stack frame)."""
    lines = [line.strip() for line in output.splitlines() if line.strip() and not line.startswith(("\tat ", "    at "))]
    useful = [line for line in lines if not line.startswith("Run with '--verbose'")]
    return (useful or ["no output"])[-1]


NAMES_HEADER = [":START_ID(Name)", ":END_ID", ":TYPE", "loadId"]  # Name nodes have ids of their own


def _write_import_files(
    path: Path, kinds: dict[str, str], vectors: dict[str, list[float]], token: str, folder: Path
) -> tuple[list[str], bool]:
    """The build as neo4j-admin's CSV files in ``folder``: the rows :func:`load` writes, with the
    same properties (and ``loadId`` = ``token``), so that a later load updates the import in place.

    Nodes go to one file per kind and set of (property, type) (a file's header types each column),
    Name nodes and their NAMES links to files of their own, relationships to one file per type.
    Returns the files' names and whether a value holds a line break (the import must then read
    multi-line fields)."""
    files = _CsvFiles(folder)
    names: set[str] = set()
    for _, node, data in iter_node_link(path, ("node",)):
        props = _properties({"id": node, **data})
        if node in vectors:
            props["embedding"] = vectors[node]
        props["loadId"] = token
        columns = tuple((key, _csv_type(node, key, value)) for key, value in sorted(props.items()))
        header = [f"{key}:ID" if key == "id" else _csv_column(key, kind) for key, kind in columns] + [":LABEL"]
        files.write(f"nodes_{props['kind']}", header, [*(props[key] for key, _ in columns), props["kind"]])
        for key in props.get("matchKeys", []):
            names.add(key)
            files.write("relationships_NAMES", NAMES_HEADER, [key, node, "NAMES", token])
    for key in sorted(names):
        files.write("nodes_Name", ["key:ID(Name)", ":LABEL"], [key, "Name"])
    header = [":START_ID", ":END_ID", ":TYPE", "paper", "evidence", "confidence:double", "extractor"]
    header += ["extractorVersion", "curated:boolean", "position:long", "loadId"]
    for _, source, target, _, data in iter_node_link(path, ("edge",)):
        rel_type = relationship_type(data["predicate"])
        _ends(kinds, source, target, path)
        made = (data.get("extractor", ""), data.get("extractor_version", ""), bool(data.get("curated", False)))
        row = [source, target, rel_type, data.get("paper", ""), data.get("evidence", "")]
        row += [float(data.get("confidence", 1.0)), *made, data.get("position"), token]
        files.write(f"relationships_{rel_type}", header, row)
    return files.close(), files.multiline


def _csv_type(node: str, key: str, value) -> str:
    """The import type of a property value (:func:`_properties` gives only these)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, list):
        if any(ARRAY_DELIMITER in item for item in value if isinstance(item, str)):
            raise Neo4jStoreError(f"node {node!r}: {key} holds the character U+001F, which --bulk cannot write")
        return "double[]" if value and not isinstance(value[0], str) else "string[]"
    return "string"


def _csv_column(key: str, kind: str) -> str:
    return key if kind == "string" else f"{key}:{kind}"


JAVA_FLOATS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}  # what the import reads for them


class _CsvFiles:
    """CSV files for neo4j-admin, opened as rows come: one per name and header (``nodes_Model_2.csv``
    is the second header of Model nodes). Strings are always quoted and a missing value is an empty
    unquoted cell, which the import reads as no property ("" is an empty string)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.files = ExitStack()
        self.open: dict[tuple[str, tuple[str, ...]], TextIO] = {}
        self.count: Counter = Counter()
        self.multiline = False

    def write(self, name: str, header: list[str], row: list) -> None:
        key = (name, tuple(header))
        stream = self.open.get(key)
        if stream is None:
            self.count[name] += 1
            file = self.folder / (f"{name}.csv" if self.count[name] == 1 else f"{name}_{self.count[name]}.csv")
            stream = self.files.enter_context(open(file, "w", encoding="utf-8", newline=""))  # noqa: SIM115 - close()
            self.open[key] = stream
            stream.write(",".join(header) + "\n")
        stream.write(",".join(map(self._cell, row)) + "\n")

    def _cell(self, value) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            if "\n" in value or "\r" in value:
                self.multiline = True
            return '"' + value.replace('"', '""') + '"'
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return repr(value) if math.isfinite(value) else JAVA_FLOATS[repr(value)]
        if isinstance(value, list):
            items = [item if isinstance(item, str) else self._cell(item) for item in value] or [EMPTY_LIST]
            return self._cell(ARRAY_DELIMITER.join(items))
        return str(value)

    def close(self) -> list[str]:
        self.files.close()
        return sorted(Path(stream.name).name for stream in self.open.values())


# -- the connection, and its failures as one line ------------------------------------------------


@contextmanager
def _session(uri: str, user: str, password: str, database: str, access_mode: str | None = None):
    """A session on ``database``; the driver's errors become one-line :class:`Neo4jStoreError`."""
    with _sessions(uri, user, password, database, 1, access_mode) as (session,):
        yield session


@contextmanager
def _sessions(uri: str, user: str, password: str, database: str, count: int, access_mode: str | None = None):
    """``count`` sessions on ``database`` over one driver (a session serves one thread at a time);
    the driver's errors become one-line :class:`Neo4jStoreError`."""
    import urllib.parse

    import neo4j
    from neo4j import exceptions

    if "@" in urllib.parse.urlsplit(uri).netloc:  # the errors below name the URI: it must hold no secret
        raise Neo4jStoreError("the Neo4j URI holds a user or password: give them apart (--user, NEO4J_PASSWORD)")
    try:
        # Notifications off: the server's performance hints would otherwise be logged to stderr.
        with (
            neo4j.GraphDatabase.driver(
                uri, auth=(user, password), max_transaction_retry_time=RETRY_SECONDS, notifications_min_severity="OFF"
            ) as driver,
            ExitStack() as sessions,
        ):
            session = partial(driver.session, database=database, default_access_mode=access_mode or neo4j.WRITE_ACCESS)
            yield [sessions.enter_context(session()) for _ in range(count)]
    except (exceptions.ServiceUnavailable, exceptions.SessionExpired) as error:
        raise Neo4jStoreError(f"cannot reach Neo4j at {uri}: {_reason(error)}") from None
    except exceptions.AuthError as error:
        raise Neo4jStoreError(f"Neo4j at {uri} refused user {user!r}: {_message(error)}") from None
    except exceptions.Neo4jError as error:
        if error.code == "Neo.ClientError.Database.DatabaseNotFound":
            raise Neo4jStoreError(f"Neo4j at {uri} has no database {database!r}") from None
        if error.code == "Neo.ClientError.Statement.AccessMode":
            raise Neo4jStoreError("this query would write to the database; pass --allow-update to run it") from None
        raise Neo4jStoreError(f"Neo4j error {error.code}: {_message(error)}") from None
    except (exceptions.DriverError, exceptions.ConfigurationError) as error:
        raise Neo4jStoreError(f"Neo4j at {uri}: {_message(error)}") from None


def _message(error) -> str:
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    return " ".join(text.split())


def _reason(error) -> str:
    """The useful part of a connection failure ("Connection refused"), on one line."""
    match = re.search(r"reason (.*?)\)?$", str(error), re.MULTILINE)
    return match.group(1).strip() if match else _message(error)


def _plain(value):
    """A Cypher value as plain Python for a Table: nodes and relationships as their properties."""
    from neo4j.graph import Node, Relationship
    from neo4j.graph import Path as GraphPath

    if isinstance(value, Node):
        return {key: _plain(v) for key, v in value.items()}
    if isinstance(value, Relationship):
        return {"type": value.type, **{key: _plain(v) for key, v in value.items()}}
    if isinstance(value, GraphPath):
        return [_plain(node) for node in value.nodes]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # temporal and spatial values
