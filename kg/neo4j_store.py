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
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import KgError
from .rdf import PROPERTIES
from .records import ENTITY_TYPES
from .store import Table, build_advice
from .vocab import normalize_name

KINDS = ("Paper", *ENTITY_TYPES, "Result", "Author")
ENTITY_KINDS = ENTITY_TYPES
SEARCHABLE = ("Paper", *ENTITY_KINDS)  # the kinds that kg.search embeds
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
    batch_size: int = 1000,
    progress: Callable[[int, int], None] | None = None,
    embeddings: bool = False,
) -> LoadReport:
    """Load ``<build_dir>/graph.json`` into Neo4j: schema, nodes, relationships, then stale statements out.

    Writes go in transactions of ``batch_size`` rows; ``progress(done, total)`` is called after
    each committed batch (nodes and relationships together). With ``embeddings``, papers and
    entities also get their sentence embedding (``embedding``) in one vector index per label,
    which :func:`vector_search` asks.
    """
    started = time.monotonic()
    nodes, edges = _read_graph(Path(build_dir))
    papers = sorted(n["paper_id"] for n in nodes if n["kind"] == "Paper")
    node_groups = _group_nodes(nodes)
    edge_groups = _group_edges(nodes, edges)
    total = len(nodes) + len(edges)
    token = uuid.uuid4().hex
    done = 0
    with _session(uri, user, password, database) as session:
        for statement in _schema_statements():
            session.run(statement).consume()
        # After the first statements: a wrong URI or password fails before the embeddings are computed.
        vectors = _vectors(Path(build_dir)) if embeddings else {}
        if vectors:
            for statement in _vector_index_statements(len(next(iter(vectors.values())))):
                session.run(statement).consume()
            for _, rows in node_groups:
                for row in rows:
                    if row["id"] in vectors:
                        row["props"]["embedding"] = vectors[row["id"]]
        writes = [(_node_statement(kind), rows) for kind, rows in node_groups]
        writes += [(_edge_statement(*key), rows) for key, rows in edge_groups]
        for statement, rows in writes:  # nodes first: relationships find their ends
            for batch in _batches(rows, batch_size):
                session.execute_write(_run, statement, rows=batch, token=token)
                done += len(batch)
                if progress:
                    progress(done, total)
        removed_relationships, removed_nodes = _sweep(session, token, papers, batch_size)
    return LoadReport(
        len(nodes), len(edges), len(papers), removed_nodes, removed_relationships, time.monotonic() - started
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
) -> Table:
    """Run one Cypher query with its parameters bound as Cypher parameters; read-only unless ``allow_update``.

    A query that would write is refused before it runs (its plan says so), and reads run in a
    read-access transaction, where the server itself refuses any write.
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
        columns, rows = work(_fetch, cypher, params)
    return Table(columns, [[_plain(value) for value in row] for row in rows])


# -- reading the build ---------------------------------------------------------------------------


def _vectors(build: Path) -> dict[str, list[float]]:
    """Node id -> embedding, for every searchable node (from the build's cache where it has them)."""
    from .search import node_vectors

    nodes, vectors = node_vectors(build)
    return {node_id: [float(x) for x in vector] for (node_id, _, _), vector in zip(nodes, vectors, strict=True)}


def _read_graph(build: Path) -> tuple[list[dict], list[dict]]:
    path = build / "graph.json"
    if not path.is_file():
        raise Neo4jStoreError(f"{build}: no graph.json here ({build_advice(build)})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        nodes, edges = data["nodes"], data.get("edges", data.get("links"))
    except (ValueError, KeyError, TypeError) as error:
        raise Neo4jStoreError(f"{path}: not a node-link graph ({error})") from None
    for node in nodes:
        if node.get("kind") not in KINDS:
            raise Neo4jStoreError(f"{path}: node {node.get('id')!r} has unknown kind {node.get('kind')!r}")
    return nodes, edges or []


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


def _group_nodes(nodes: list[dict]) -> list[tuple[str, list[dict]]]:
    """Nodes by kind, papers first: entity loads look up which papers this load has written."""
    groups = defaultdict(list)
    for node in nodes:
        groups[node["kind"]].append({"id": node["id"], "props": _properties(node)})
    return [(kind, groups[kind]) for kind in KINDS if groups[kind]]


def _group_edges(nodes: list[dict], edges: list[dict]) -> list[tuple[tuple[str, str, str], list[dict]]]:
    """Edges by (type, start kind, end kind), so each statement finds its ends through a label's index."""
    kinds = {node["id"]: node["kind"] for node in nodes}
    groups = defaultdict(list)
    for edge in edges:
        key = (relationship_type(edge["predicate"]), kinds[edge["source"]], kinds[edge["target"]])
        groups[key].append(
            {
                "source": edge["source"],
                "target": edge["target"],
                "paper": edge.get("paper", ""),
                "evidence": edge.get("evidence", ""),
                "confidence": float(edge.get("confidence", 1.0)),
                "extractor": edge.get("extractor", ""),
                "extractorVersion": edge.get("extractor_version", ""),
                "curated": bool(edge.get("curated", False)),
                "position": edge.get("position"),  # an author's place in a paper's author list
            }
        )
    return sorted(groups.items())


def _batches(rows: list, size: int) -> Iterator[list]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


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


def _edge_statement(rel_type: str, start: str, end: str) -> str:
    assert start in KINDS and end in KINDS and rel_type in {p.upper() for p in PROPERTIES}
    return (
        f"UNWIND $rows AS row MATCH (s:{start} {{id: row.source}}) MATCH (e:{end} {{id: row.target}}) "
        f"MERGE (s)-[r:{rel_type} {{paper: row.paper}}]->(e) "
        "SET r.evidence = row.evidence, r.confidence = row.confidence, r.extractor = row.extractor, "
        "r.extractorVersion = row.extractorVersion, r.curated = row.curated, r.position = row.position, "
        "r.loadId = $token"
    )


def _sweep(session, token: str, papers: list[str], batch_size: int) -> tuple[int, int]:
    """Delete what an older load wrote for this build's papers and this build no longer holds.

    A relationship goes when its paper is one of the build's and this load did not write it; a
    vocabulary ``broader`` link (no paper) goes when its start node is in the build and this load
    did not write it. Results of the build's papers that this load did not write go too, and so
    do entities left with no paper and no relationship. A ``NAMES`` link goes when this load wrote
    its entity but not the link (a name the entity no longer has), and a ``Name`` node when it
    names nothing; both are the lookup index, not the build's data, so the report leaves them out.
    """
    removed_relationships = 0
    for predicate in sorted(PROPERTIES):
        statement = (
            f"MATCH (s)-[r:{relationship_type(predicate)}]->() WHERE r.loadId <> $token "
            "AND (r.paper IN $papers OR (r.paper = '' AND s.loadId = $token)) "
            "WITH r LIMIT $limit DELETE r RETURN count(*) AS n"
        )
        removed_relationships += _repeat(session, statement, token=token, papers=papers, limit=batch_size)
    removed_nodes = _repeat(
        session,
        "MATCH (n:Result) WHERE n.loadId <> $token AND n.paper IN $papers "
        "WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n",
        token=token,
        papers=papers,
        limit=batch_size,
    )
    removed_nodes += _repeat(  # an author with no paper left in any build
        session,
        "MATCH (n:Author) WHERE n.loadId <> $token AND NOT EXISTS { (n)--() } "
        "WITH n LIMIT $limit DELETE n RETURN count(*) AS n",
        token=token,
        limit=batch_size,
    )
    for kind in ENTITY_KINDS:
        session.execute_write(
            _run,
            f"MATCH (n:{kind}) WHERE n.loadId <> $token "
            "SET n.papers = [p IN coalesce(n.papers, []) WHERE NOT p IN $papers]",
            token=token,
            papers=papers,
        )
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


def _fetch(tx, cypher: str, params: dict) -> tuple[list[str], list[list]]:
    result = tx.run(cypher, params)
    rows = [list(record.values()) for record in result]
    return list(result.keys()), rows


# -- the connection, and its failures as one line ------------------------------------------------


@contextmanager
def _session(uri: str, user: str, password: str, database: str, access_mode: str | None = None):
    """A session on ``database``; the driver's errors become one-line :class:`Neo4jStoreError`."""
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
            driver.session(database=database, default_access_mode=access_mode or neo4j.WRITE_ACCESS) as session,
        ):
            yield session
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
