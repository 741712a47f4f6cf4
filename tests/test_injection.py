"""User-supplied values cannot change what a query does, and ad-hoc updates need --allow-update.

Every canned query runs on the example build with each of its parameters set to each hostile
string below, on Oxigraph (every string) and on rdflib's engine (all markers in one string, as
that engine is slow); the answer must be empty and the graph byte-for-byte what it was.
"""

import hashlib
import json
import shutil

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.catalog import load_catalog
from kg.cli import cli
from kg.store import QueryError, bind_parameters, is_update, open_store

HOSTILE = [
    'SALT" } ; DROP ALL ; #',
    "SALT' } DROP ALL #",
    '"""',
    '""" } DELETE WHERE { ?s ?p ?o } #',
    "} UNION { ?paper ?p ?o } #",
    'x" . ?s ?p ?o . FILTER(true) } #',
    "LoRA # comment",
    "LoRA // comment",
    "LoRA /* comment */",
    "DROP ALL",
    "MATCH (n) DETACH DELETE n",
    'back\\slash\\" } #',
    "line\nbreak\r\n} DROP ALL",
    "<http://example.org/a b> <http://é.example/ü>",
    "$other",
    "x $name $other ?o",
    "\\u0022 } DROP ALL #",
    "\x00",
]
KITCHEN_SINK = "".join(HOSTILE)


def fingerprint(build_dir):
    """Triple count and a hash of the sorted N-Triples of the store, plus the bytes of the graph files."""
    store = ox.Store.read_only(str(build_dir / "store"))
    lines = sorted(str(quad.triple) for quad in store)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    files = {name: hashlib.sha256((build_dir / name).read_bytes()).hexdigest() for name in ("graph.json",)}
    return len(lines), digest, files


def cases():
    for name, query in load_catalog().items():
        for param in query.params:
            yield name, query, param


def test_hostile_values_reach_every_canned_query_as_one_literal_on_oxigraph(example_build):
    before = fingerprint(example_build)
    store = open_store(example_build)
    runs = 0
    for name, query, param in cases():
        assert store.select(query.text, query.arguments({})).columns == query.columns, name
        for value in HOSTILE:
            table = store.select(query.text, query.arguments({param: value}))
            assert table.rows == [], (name, param, value)
            runs += 1
    assert runs >= 17 * len(HOSTILE)  # every canned query with a parameter, every parameter
    assert fingerprint(example_build) == before


@pytest.mark.slow
def test_hostile_values_on_rdflibs_engine(example_build):
    before = fingerprint(example_build)
    store = open_store(example_build, "rdflib")
    triples = sorted(map(str, store.graph))
    for name, query, param in cases():
        assert store.select(query.text, query.arguments({param: KITCHEN_SINK})).rows == [], (name, param)
    assert sorted(map(str, store.graph)) == triples
    assert fingerprint(example_build) == before


def test_hostile_values_through_the_command_line(example_build):
    before = fingerprint(example_build)
    for value in [*HOSTILE[:6], KITCHEN_SINK]:
        result = CliRunner().invoke(
            cli,
            ["query", "papers-mentioning", "-p", f"name={value}", "--build", str(example_build), "--format", "json"],
        )
        assert result.exit_code == 0 and json.loads(result.output) == [], result.output
        adhoc = CliRunner().invoke(
            cli,
            [
                "sparql",
                "SELECT ?s WHERE { ?s rdfs:label $name }",
                "-p",
                f"name={value}",
                "--build",
                str(example_build),
                "--format",
                "json",
            ],
        )
        assert adhoc.exit_code == 0 and json.loads(adhoc.output) == [], adhoc.output
    assert fingerprint(example_build) == before


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(value=st.text(st.characters(codec="utf-8")), other=st.text(max_size=5))
def test_any_value_binds_as_exactly_itself(value, other):
    """A round trip: whatever the text, the bound query returns that text, and only it."""
    sparql = "SELECT ?x ?y WHERE { BIND($v AS ?x) BIND($other AS ?y) } # $v in a comment stays"
    bound = bind_parameters(sparql, {"v": value, "other": other})
    [solution] = list(ox.Store().query(bound))
    assert solution["x"] == ox.Literal(value) and solution["y"] == ox.Literal(other)


UPDATES = [
    "DROP ALL",
    "drop   silent   all",
    "CLEAR DEFAULT",
    'INSERT DATA { <http://x/a> rdfs:label "x" }',
    "DELETE WHERE { ?s ?p ?o }",
    'DELETE { ?s ?p ?o } INSERT { ?s ?p "x" } WHERE { ?s ?p ?o }',
    "WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <file:///etc/passwd>",
    "CREATE GRAPH <http://x/g>",
    "ADD DEFAULT TO <http://x/g>",
    "MOVE DEFAULT TO <http://x/g>",
    "COPY DEFAULT TO <http://x/g>",
    "# a comment first\nPREFIX ex: <http://x/>\nINSERT DATA { ex:a ex:b ex:c }",
    'INSERT DATA { <http://x/a> rdfs:label "x" } ; DROP ALL',
]


def test_sparql_refuses_updates_without_allow_update(example_build):
    before = fingerprint(example_build)
    refused = "error: this is a SPARQL update, which would change the graph; pass --allow-update to run it\n"
    for i, update in enumerate(UPDATES):
        assert is_update(update), update
        for engine in ("oxigraph", "rdflib") if i < 2 else ("oxigraph",):  # rdflib parses the whole graph each run
            result = CliRunner().invoke(cli, ["sparql", update, "--build", str(example_build), "--engine", engine])
            assert (result.exit_code, result.output) == (1, refused), (update, engine)
    assert fingerprint(example_build) == before


@pytest.mark.parametrize(
    "query",
    [
        'SELECT ?s WHERE { ?s rdfs:label "DROP ALL" }',
        "ASK { ?s ?p ?o } # DELETE WHERE { ?s ?p ?o }",
        "CONSTRUCT { ?s rdfs:label ?o } WHERE { ?s rdfs:label ?o } LIMIT 1",
    ],
)
def test_queries_that_mention_update_words_are_still_queries(example_build, query):
    assert not is_update(query)
    assert CliRunner().invoke(cli, ["sparql", query, "--build", str(example_build)]).exit_code == 0


def test_a_syntax_error_is_not_called_an_update(example_build):
    with pytest.raises(QueryError, match="SPARQL syntax error"):
        open_store(example_build).select("SELECT ?s WHERE { DROP")


def test_allow_update_changes_the_store_only(example_build, tmp_path):
    copy = tmp_path / "build"
    shutil.copytree(example_build, copy)
    count, _, files = fingerprint(copy)
    insert = CliRunner().invoke(
        cli,
        [
            "sparql",
            "INSERT DATA { <http://x/a> rdfs:label $v }",
            "-p",
            'v=a" } DROP ALL #',
            "--build",
            str(copy),
            "--allow-update",
        ],
    )
    assert insert.exit_code == 0 and insert.output == f"updated {copy}/store: +1 triples\n", insert.output
    assert fingerprint(copy)[0] == count + 1 and fingerprint(copy)[2] == files
    label = open_store(copy).select("SELECT ?l WHERE { <http://x/a> rdfs:label ?l }").rows
    assert label == [['a" } DROP ALL #']]
    assert (
        CliRunner()
        .invoke(cli, ["sparql", "SELECT * { ?s ?p ?o } LIMIT 1", "--build", str(copy), "--allow-update"])
        .exit_code
        == 0
    )  # a query with the flag is still a query
