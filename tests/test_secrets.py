"""Passwords come from the environment or a prompt and never show in output, errors or files.

Each command runs as a real process against a server that is not there (port 1 refuses at once),
with a unique token as the password; the token must appear nowhere in stdout, stderr or the build.
"""

import os
import subprocess
import sys
import uuid

import pytest
from click.testing import CliRunner

from kg.build import build
from kg.cli import cli


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("secrets") / "build"
    build(None, out, embeddings=False, max_records=5)
    return out


def token():
    return f"tok-{uuid.uuid4().hex}"


def run(args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "SPARQL_"))}
    environment.update(env)
    result = subprocess.run(
        [sys.executable, "-c", "from kg.cli import cli; cli()", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        stdin=subprocess.DEVNULL,
    )
    return result.returncode, result.stdout + result.stderr


def assert_nowhere(secret, output, build_dir):
    assert secret not in output
    for path in build_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_neo4j_password_from_the_environment_never_shows(small_build):
    secret = token()
    for args in (
        ["load", "neo4j", "--uri", "bolt://127.0.0.1:1", "--build", small_build, "--no-embeddings"],
        ["cypher", "MATCH (n) RETURN n", "--uri", "bolt://127.0.0.1:1", "--user", "admin"],
        ["cypher", "MATCH (n) RETURN n", "--uri", "neo4j://127.0.0.1:1"],
    ):  # routing: the driver logs too
        code, output = run(args, NEO4J_PASSWORD=secret)
        assert code == 1 and output.startswith("error: cannot reach Neo4j at"), output
        assert output.count("\n") == 1
        assert_nowhere(secret, output, small_build)


def test_a_password_inside_a_uri_or_url_is_refused_without_showing_it(small_build):
    secret = token()
    cases = [
        (
            ["load", "neo4j", "--uri", f"bolt://neo4j:{secret}@127.0.0.1:1", "--build", small_build, "--no-embeddings"],
            {"NEO4J_PASSWORD": "x"},
        ),
        (
            ["cypher", "RETURN 1", "--uri", f"neo4j://neo4j:{secret}@127.0.0.1:1?policy={secret}"],
            {"NEO4J_PASSWORD": "x"},
        ),
        (["load", "sparql", "--endpoint", f"http://dba:{secret}@127.0.0.1:1/sparql", "--build", small_build], {}),
        (
            [
                "query",
                "papers-mentioning",
                "--endpoint",
                f"http://dba:{secret}@127.0.0.1:1/sparql?key={secret}",
                "--build",
                small_build,
            ],
            {},
        ),
    ]
    for args, env in cases:
        code, output = run(args, **env)
        assert code == 1 and output.startswith("error: ") and output.count("\n") == 1, output
        assert "give" in output and "apart" in output
        assert_nowhere(secret, output, small_build)


def test_sparql_password_from_the_environment_never_shows(small_build):
    secret = token()
    for args in (
        ["load", "sparql", "--endpoint", "http://127.0.0.1:1/sparql", "--user", "dba", "--build", small_build],
        [
            "query",
            "papers-mentioning",
            "--endpoint",
            "http://127.0.0.1:1/sparql",
            "--user",
            "dba",
            "--build",
            small_build,
        ],
    ):
        code, output = run(args, SPARQL_PASSWORD=secret)
        assert code == 1 and "cannot reach the server" in output and output.count("\n") == 1, output
        assert_nowhere(secret, output, small_build)


def test_a_prompted_password_is_not_echoed(small_build, monkeypatch):
    for name in ("NEO4J_PASSWORD", "SPARQL_PASSWORD", "NEO4J_URI", "SPARQL_USER"):
        monkeypatch.delenv(name, raising=False)
    secret = token()
    for args in (
        ["load", "neo4j", "--uri", "bolt://127.0.0.1:1", "--build", str(small_build), "--no-embeddings"],
        [
            "query",
            "papers-mentioning",
            "--endpoint",
            "http://127.0.0.1:1/sparql",
            "--user",
            "dba",
            "--build",
            str(small_build),
        ],
    ):
        result = CliRunner().invoke(cli, args, input=secret + "\n")
        assert result.exit_code == 1 and "assword" in result.output, result.output  # it was asked for
        assert_nowhere(secret, result.output, small_build)
