"""Listing questions answer a page at a time: ``--limit`` rows after ``--offset``, in the query's
order, with the total. Pages of one answer neither overlap nor leave a gap, in every engine."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.catalog import load_catalog
from kg.cli import cli
from kg.store import Page, open_store


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_pages_put_together_are_the_whole_answer_with_its_total(example_build, engine):
    store = open_store(example_build, engine)
    catalog = load_catalog()
    names = sorted(catalog) if engine == "oxigraph" else ["methods-by-modality", "models-in-domain"]
    paged = 0
    for name in names:
        arguments = catalog[name].arguments({})
        whole = store.select(catalog[name].text, arguments)
        assert whole.total == len(whole.rows) and whole.footer() is None, name
        rows, offset = [], 0
        while True:
            page = store.select(catalog[name].text, arguments, Page(limit=7, offset=offset))
            assert page.total == len(whole.rows) and page.offset == offset, name
            assert len(page.rows) == min(7, max(0, len(whole.rows) - offset)), name
            rows += page.rows
            offset += 7
            if offset >= len(whole.rows):
                break
        assert rows == whole.rows, name
        paged += len(whole.rows) > 7
    assert paged >= (5 if engine == "oxigraph" else 2)  # several answers really span pages


def test_kg_query_shows_one_page_and_says_which_rows_on_stderr(example_build):
    runner = CliRunner()
    whole = json.loads(
        kg("query", "models-in-domain", "--build", example_build, "--limit", "0", "--format", "json").output
    )
    assert len(whole) > 30
    first = runner.invoke(
        cli, ["query", "models-in-domain", "--build", str(example_build), "--limit", "10", "--format", "json"]
    )
    assert first.exit_code == 0
    assert json.loads(first.stdout) == whole[:10]  # stdout stays JSON
    assert first.stderr.strip() == f"rows 1-10 of {len(whole)} (--offset 10 for the next page)"
    last = runner.invoke(
        cli,
        ["query", "models-in-domain", "--build", str(example_build), "--limit", "10", "--offset", str(len(whole) - 3)],
    )
    assert last.exit_code == 0 and last.stdout.count("\n") == 2 + 3  # header, rule, the three last rows
    assert last.stderr.strip() == f"rows {len(whole) - 2}-{len(whole)} of {len(whole)}"
    past = runner.invoke(cli, ["query", "models-in-domain", "--build", str(example_build), "--offset", "1000"])
    assert past.exit_code == 0 and past.stderr.strip() == f"no rows after the first 1000 (of {len(whole)})"


def test_the_default_page_is_a_hundred_rows(example_build, tmp_path):
    # a question of one's own whose answer is longer than a page: every statement's predicate
    query = tmp_path / "statements.rq"
    query.write_text("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o")
    result = CliRunner().invoke(cli, ["query", str(query), "--build", str(example_build), "--format", "csv"])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1 + 100
    assert result.stderr.startswith("rows 1-100 of ") and "(--offset 100 for the next page)" in result.stderr


def test_a_negative_limit_or_offset_is_refused(example_build):
    for option in ("--limit", "--offset"):
        result = kg("query", "datasets-of", "--build", example_build, option, "-1")
        assert result.exit_code == 2 and "-1 is not in the range x>=0" in result.output
