"""The ``kg`` command line: each command a thin wrapper over a library function."""

from __future__ import annotations

import difflib
import functools
import os
import re
import sys
from pathlib import Path

import click

from . import __version__
from .errors import KgError
from .extractors import DEFAULT_EXTRACTOR
from .readers import DEFAULT_MAX_ABSTRACT_CHARS, FIELDS

BUILD_OPTION = click.option(
    "--build",
    "build_dir",
    default="build",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Build folder to read.",
)
FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
ENGINE_OPTION = click.option(
    "--engine",
    type=click.Choice(["oxigraph", "rdflib"]),
    default="oxigraph",
    show_default=True,
    help="SPARQL engine: the Oxigraph store, or rdflib's own engine over a copy of it.",
)
ENDPOINT_USER_OPTION = click.option(
    "--user",
    default=None,
    envvar="SPARQL_USER",
    help="User the server asks for (or SPARQL_USER); the password comes from SPARQL_PASSWORD or a prompt.",
)
ENDPOINT_GRAPH_OPTION = click.option(
    "--graph",
    "graph_iri",
    default=None,
    help="Named graph on the server (default: the build's base IRI + 'graph').",
)
NEO4J_URI_OPTION = click.option(
    "--uri",
    default="bolt://127.0.0.1:7687",
    show_default=True,
    envvar="NEO4J_URI",
    help="Neo4j Bolt URI (or NEO4J_URI).",
)
NEO4J_USER_OPTION = click.option(
    "--user", default="neo4j", show_default=True, envvar="NEO4J_USER", help="Neo4j user (or NEO4J_USER)."
)
NEO4J_DATABASE_OPTION = click.option(
    "--database",
    default="neo4j",
    show_default=True,
    envvar="NEO4J_DATABASE",
    help="Neo4j database (or NEO4J_DATABASE).",
)
PARAM_OPTION = click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Query parameter, bound as a literal (repeatable).",
)
MAX_ABSTRACT_OPTION = click.option(
    "--max-abstract-chars",
    default=DEFAULT_MAX_ABSTRACT_CHARS,
    show_default=True,
    type=click.IntRange(min=0),
    help="Cut longer abstracts, each cut reported as a warning naming file:line (0: no limit).",
)
VOCAB_OPTION = click.option(
    "--vocab",
    "vocab_dirs",
    multiple=True,
    type=click.Path(),
    metavar="DIR",
    help="Your own vocabulary: a folder of YAML files named and written like schemas/vocab/*.yaml, layered over "
    "the shipped one (repeatable). An entry of a name already there adds its aliases and fields to it; the "
    "stoplist and distinct groups add to the shipped ones.",
)
QUERIES_OPTION = click.option(
    "--queries",
    "query_dirs",
    multiple=True,
    type=click.Path(),
    metavar="DIR",
    help="Your own canned queries: a folder of .rq/.cypher files with the same header as queries/*, added to "
    "the catalog (repeatable); one of a shipped query's name replaces it, with a warning.",
)
MAP_OPTION = click.option(
    "--map",
    "column_maps",
    multiple=True,
    metavar="FIELD=COLUMN,...",
    help="Which column (CSV) or key (JSONL) of your files holds each of our fields, e.g. "
    "--map title=Title,abstract=Summary (comma-separated or repeated).",
)


def _page_options(command):
    """``--limit`` and ``--offset``: a listing answers one page at a time, and says how many rows it has."""
    command = click.option(
        "--offset", type=click.IntRange(min=0), default=0, show_default=True, help="Rows to skip before the page."
    )(command)
    return click.option(
        "--limit",
        type=click.IntRange(min=0),
        default=100,
        show_default=True,
        help="Rows to show (0: all of them).",
    )(command)


def _page(limit: int, offset: int):
    from .store import Page

    return Page(limit or None, offset)


def _echo_table(table, fmt: str) -> None:
    """The answer on stdout; where it is one page of more, which rows these are on stderr (so that
    json and csv stay clean)."""
    click.echo(table.render(fmt))
    footer = table.footer()
    if footer:
        click.echo(footer, err=True)


MAX_RECORDS_OPTION = click.option(
    "--max-records",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Read at most this many papers, reported if there were more (0: no limit).",
)


def fail_cleanly(command):
    """Turn the library's expected errors (:class:`kg.errors.KgError`) into one line on stderr and exit
    code 1. So does a file the system refuses (a folder not writable, a disk full): that is the
    machine's state, not a bug. Anything else is a bug and keeps its traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KgError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)
        except OSError as error:
            if error.filename is None:
                raise
            click.echo(f"error: {error.filename}: {error.strerror or error}", err=True)
            sys.exit(1)

    return wrapper


def _parse_params(params: tuple[str, ...]) -> dict[str, str]:
    parsed = {}
    for item in params:
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--param")
        parsed[name.strip()] = value
    return parsed


def _parse_map(specs: tuple[str, ...]) -> dict[str, str] | None:
    """``--map title=Title,abstract=Summary`` (repeatable) as {our field: their column}; None if none given."""
    mapping: dict[str, str] = {}
    for spec in specs:
        for item in spec.split(","):
            field, equals, column = item.partition("=")
            if not equals or not field.strip() or not column.strip():
                raise click.BadParameter(f"{item!r} (in {spec!r}) is not FIELD=COLUMN", param_hint="--map")
            if field.strip() not in FIELDS:
                raise click.BadParameter(
                    f"{item!r} (in {spec!r}): kg has no field {field.strip()!r} (it has: {', '.join(FIELDS)})",
                    param_hint="--map",
                )
            if field.strip() in mapping:
                raise click.BadParameter(f"{field.strip()!r} is mapped twice (in {spec!r})", param_hint="--map")
            mapping[field.strip()] = column.strip()
    return mapping or None


def _vocabulary(vocab_dirs: tuple[str, ...]):
    """The shipped vocabulary with the user's --vocab folders over it; None (the shipped one, loaded
    by the extractor) where none is given."""
    if not vocab_dirs:
        return None
    from .vocab import load_vocabulary

    return load_vocabulary(layers=vocab_dirs)


def _catalog(query_dirs: tuple[str, ...], language: str = "sparql"):
    """The shipped canned queries with the user's --queries folders added; a replaced one is a warning."""
    from .catalog import load_catalog

    return load_catalog(
        language=language, extra=query_dirs, on_warning=lambda message: click.echo(f"warning: {message}", err=True)
    )


def _endpoint_password(user: str | None) -> str | None:
    """SPARQL_PASSWORD, else a prompt that does not echo; asked only when a user is given."""
    if user is None:
        return None
    return os.environ.get("SPARQL_PASSWORD") or click.prompt(
        f"Password of {user} on the SPARQL server", hide_input=True
    )


def _progress(items, total):
    from tqdm import tqdm

    return tqdm(items, total=total, desc="extracting", unit="paper", disable=total < 500, file=sys.stderr)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def cli():
    """Build and query a knowledge graph of ML research papers from their abstracts.

    \b
    Example:
      kg build                      # the example corpus in data/ -> build/
      kg query lora-variants-for-task -p task=segmentation
      kg sparql 'SELECT ?m WHERE { ?m a kgo:Model } LIMIT 5'
    """


EXTRACTOR_OPTION = click.option(
    "--extractor",
    default=DEFAULT_EXTRACTOR,
    show_default=True,
    metavar="NAME",
    help="The extractor to run (`kg extractors` lists those installed).",
)
MODEL_OPTION = click.option(
    "--model",
    type=click.Path(exists=True, dir_okay=False),
    help="A model written by `kg train` (a name finder and its entity decisions, or decisions alone) for the "
    "extractor to use in place of the shipped decisions.",
)
CORRECTIONS_OPTION = click.option(
    "--corrections",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="YAML file of a curator's per-paper fixes, applied after extraction (repeatable).",
)
SCHEDULER_OPTION = click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Extract on a Dask cluster: a scheduler's address (tcp://host:8786), or local:N for N worker "
    "processes here. Output is the same.",
)
SHARD_SIZE_OPTION = click.option(
    "--shard-size",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Papers in each task sent to the cluster (with --scheduler; default 500).",
)


def _formats(value: str) -> list[str]:
    """--formats as a list of known names (else bad usage, exit 2)."""
    from .build import choose_formats

    try:
        return choose_formats(name.strip() for name in value.split(",") if name.strip())
    except KgError as error:
        raise click.BadParameter(str(error)) from None


def _scheduler(address: str | None, workers: int | None) -> str | None:
    """--scheduler, checked before any work: a well-formed address and no --workers pool beside it
    (the cluster's workers extract). Otherwise bad usage: one line, exit 2."""
    if address is None:
        return None
    from .cluster import parse_address

    problem = f"--scheduler and --workers {workers} exclude each other: the cluster's workers extract"
    if workers is None or workers == 1:
        try:
            parse_address(address)
            return address
        except KgError as error:
            problem = str(error)
    click.echo(f"error: {problem}", err=True)
    sys.exit(2)


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(exists=True))
@click.option("--out", default="build", show_default=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option(
    "--records",
    multiple=True,
    type=click.Path(exists=True),
    help="Extraction records (JSONL, or a folder of them) to build from as they are, without extracting (repeatable).",
)
@EXTRACTOR_OPTION
@MODEL_OPTION
@CORRECTIONS_OPTION
@click.option(
    "--skip-bad",
    is_flag=True,
    help="Skip bad records and papers the extractor fails on (each is reported) instead of failing.",
)
@click.option(
    "--embeddings/--no-embeddings",
    default=True,
    show_default=True,
    help="Let sentence embeddings propose merges of names the rules leave apart.",
)
@click.option("--threshold", type=float, default=None, help="Cosine similarity above which embeddings merge names.")
@click.option(
    "--merges",
    "merges_file",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML file of forced merges and splits: {merge: [[a, b]], split: [[c, d]]}.",
)
@click.option(
    "--ids",
    "ids_file",
    type=click.Path(dir_okay=False),
    help="Id registry to keep entity IRIs stable across builds (read, then updated; default: OUT/ids.json).",
)
@click.option("--base-iri", default=None, help="Base IRI of the graph's resources.")
@click.option(
    "--check", is_flag=True, help="Exit 3 if the graph breaks the SHACL shapes or a pinned answer (--pins) changed."
)
@click.option(
    "--pins",
    "pins_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Pinned answers to check (written by `kg pin`); implies --check.",
)
@QUERIES_OPTION
@VOCAB_OPTION
@MAP_OPTION
@MAX_ABSTRACT_OPTION
@MAX_RECORDS_OPTION
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Extraction processes (default: one per core; 1: in this process). Output is the same.",
)
@SCHEDULER_OPTION
@SHARD_SIZE_OPTION
@click.option(
    "--formats",
    default="",
    metavar="LIST",
    callback=lambda ctx, param, value: _formats(value),
    help="Also write the graph as N-Triples, Turtle or JSON-LD: nt, ttl, jsonld or all "
    "(comma-separated). The store and graph.json are always written.",
)
@fail_cleanly
def build(
    inputs,
    out,
    records,
    extractor,
    model,
    corrections,
    skip_bad,
    embeddings,
    threshold,
    merges_file,
    ids_file,
    base_iri,
    check,
    pins_file,
    query_dirs,
    vocab_dirs,
    column_maps,
    max_abstract_chars,
    max_records,
    workers,
    scheduler,
    shard_size,
    formats,
):
    """Build the knowledge graph of INPUTS (page, JSONL or CSV files, or folders) into --out.

    With no INPUTS and no --records it builds the example corpus in data/. Records given with
    --records (an LLM pipeline's, another tool's, a curator's reviewed file) enter the graph as
    they are. A corrections.yaml at the top of an input folder is applied like --corrections.
    Exit codes: 0 built, 1 bad input, a paper the extractor fails on (without --skip-bad) or
    another error (the previous build is left as it was), 2 bad usage, 3 built but the check
    (--check, or --pins, which implies it) failed. With --vocab, names of your own join the
    vocabulary; a change in its files extracts every paper again. With --scheduler the papers are
    extracted on a Dask cluster (local:N starts one here), the rest of the build on this machine.

    \b
    Example:
      kg build data/hf_papers_fine_tuning_medical.txt --out build
      kg build papers.jsonl more/ --skip-bad --merges merges.yaml
      kg build --records reviewed.jsonl --corrections fixes.yaml
      kg build papers.jsonl --model ours.crfsuite         # a name finder from kg train
      kg build papers.jsonl --pins pins.yaml              # in CI: exit 3 if an answer changed
      kg build papers.csv --map title=Title,abstract=Summary --vocab my-vocab/
      kg build papers.jsonl --scheduler tcp://scheduler:8786   # extraction on a Dask cluster
      kg build papers.jsonl --formats ttl,jsonld          # Turtle and JSON-LD too
    """
    from .build import FAILURES_LOG
    from .build import build as run_build
    from .catalog import find_query
    from .check import read_pins
    from .rdf import DEFAULT_BASE
    from .resolve import DEFAULT_THRESHOLD

    scheduler = _scheduler(scheduler, workers)
    column_map = _parse_map(column_maps)
    # what the check needs is read first: a bad pins file or query folder fails before the build
    pins = read_pins(pins_file) if pins_file else []
    catalog = _catalog(query_dirs) if check or pins_file else None
    for entry in pins:
        try:
            find_query(catalog or {}, entry["query"])
        except KgError as error:
            hint = "" if query_dirs else "; a query of your own needs --queries DIR"
            raise KgError(f"{pins_file}: {error}{hint}") from None
    report = run_build(
        inputs or None,
        out,
        records=records,
        extractor=extractor,
        model=model,
        corrections=corrections,
        skip_bad=skip_bad,
        embeddings=embeddings,
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
        merges_file=merges_file,
        ids_file=ids_file,
        base=base_iri or DEFAULT_BASE,
        progress=_progress,
        max_abstract_chars=max_abstract_chars,
        max_records=max_records,
        workers=1 if scheduler else workers or os.cpu_count() or 1,
        scheduler=scheduler,
        shard_size=shard_size,
        vocab_dirs=vocab_dirs,
        column_map=column_map,
        formats=formats,
    )
    for problem in report.problems:
        click.echo(f"skipped: {problem}", err=True)
    for warning in report.warnings + report.unmatched:
        click.echo(f"warning: {warning}", err=True)
    s = report.summary
    # "up to date": the same inputs and settings made the build in place, so nothing was redone
    click.echo(
        f"{'up to date' if report.up_to_date else 'built'} {out}/: {s['papers']} papers, "
        f"{sum(s['entities'].values())} entities, "
        f"{sum(s['relations'].values())} relations, {s['results']} results"
    )
    click.echo("  entities:  " + ", ".join(f"{k} {v}" for k, v in s["entities"].items()))
    click.echo("  relations: " + ", ".join(f"{k} {v}" for k, v in s["relations"].items()))
    if s.get("authors"):
        click.echo(f"  authors:   {s['authors']}")
    click.echo(f"  merged nodes: {report.merged_nodes} (see {out}/merges.json)")
    click.echo(
        f"  extracted: {s['papers'] - report.reused - report.given} papers, reused from the previous build: "
        f"{report.reused}" + (f", given as records: {report.given}" if report.given else "")
    )
    if report.seconds:
        click.echo("  seconds:   " + ", ".join(f"{stage} {t:.2f}" for stage, t in report.seconds.items()))
    v = report.validation
    click.echo(
        f"  shapes: {'conforms' if v['conforms'] else 'does NOT conform'} ({v['violations']} violations, "
        f"{v['warnings']} warnings; see kg validate --build {out})"
    )
    if report.failed:
        click.echo(
            f"  failed:    the extractor failed on {len(report.failed)} papers, skipped "
            f"(tracebacks in {out}/{FAILURES_LOG})"
        )
    warnings = len(report.problems) + sum(report.dropped.values()) + len(report.warnings) + len(report.unmatched)
    click.echo(
        f"  warnings: {len(report.problems)} skipped records, "
        f"{sum(report.dropped.values())} statements naming no known entity"
        + (f", {len(report.warnings)} notes on the input (shown above)" if report.warnings else "")
        + (f", {len(report.unmatched)} corrections matching nothing" if report.unmatched else "")
        if warnings
        else "  warnings: none"
    )
    if check or pins_file:
        from .check import check as run_check

        outcome = run_check(out, pins, catalog)
        click.echo(outcome.format())
        if not outcome.passed:
            sys.exit(3)


@cli.command()
@click.argument("queries", nargs=-1, required=True)
@PARAM_OPTION
@BUILD_OPTION
@QUERIES_OPTION
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Pins file (YAML) to write, or to add to.")
@fail_cleanly
def pin(queries, params, build_dir, query_dirs, out):
    """Pin the answers of QUERIES (canned query names, or .rq files) on a build, for `kg build --pins`.

    Each -p NAME=VALUE goes to every query that has that parameter. Pinning to an existing file
    adds to it: a pin is one query with its parameters, and only the pin of the same query and
    parameters is replaced, so one query can be pinned with several parameters.

    \b
    Example:
      kg pin lora-variants-for-task most-fine-tuned-base-models --out pins.yaml
      kg pin leaderboard -p dataset=MedQA -p metric=accuracy --out pins.yaml
      kg pin leaderboard -p dataset=PubMedQA --out pins.yaml     # a second pin of leaderboard
      kg pin ./my-question.rq --out pins.yaml
    """
    from .catalog import find_query
    from .check import merge_pins, read_pins, write_pins
    from .check import pin as pin_answers

    catalog, given = _catalog(query_dirs), _parse_params(params)
    found = {name: find_query(catalog, name) for name in queries}
    unused = sorted(set(given) - {param for query in found.values() for param in query.params})
    if unused:
        raise KgError(f"-p {unused[0]}: none of the queries has a parameter {unused[0]!r}")
    chosen = [(name, {k: v for k, v in given.items() if k in found[name].params}) for name in queries]
    pins = pin_answers(build_dir, chosen, catalog)
    old = read_pins(out) if Path(out).exists() else []
    merged = merge_pins(old, pins)
    write_pins(merged, out)
    click.echo(
        f"pinned {len(pins)} quer{'ies' if len(pins) != 1 else 'y'} ({sum(len(p['rows']) for p in pins)} rows) to {out}"
        + (f" ({len(merged)} pins in all)" if old else "")
    )


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="JSONL file to write.")
@EXTRACTOR_OPTION
@MODEL_OPTION
@CORRECTIONS_OPTION
@click.option(
    "--skip-bad",
    is_flag=True,
    help="Skip bad records and papers the extractor fails on (each is reported) instead of failing.",
)
@VOCAB_OPTION
@MAP_OPTION
@MAX_ABSTRACT_OPTION
@MAX_RECORDS_OPTION
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Extraction processes. Output is the same.",
)
@SCHEDULER_OPTION
@SHARD_SIZE_OPTION
@fail_cleanly
def extract(
    inputs,
    out,
    extractor,
    model,
    corrections,
    skip_bad,
    vocab_dirs,
    column_maps,
    max_abstract_chars,
    max_records,
    workers,
    scheduler,
    shard_size,
):
    """Extract entities, relations and results of each paper to a JSONL file (no graph).

    One record per paper, in the format of the extraction guideline (docs/GUIDELINE.md), with
    evidence, stamped with the extractor's name and version; --corrections applies a curator's
    fixes to them. A paper the extractor fails on stops the run with one line (exit 1, nothing
    written), or with --skip-bad is reported and left out; its traceback goes to OUT.errors.log.

    \b
    Example:
      kg extract data/hf_papers_fine_tuning_medical.txt --out extractions.jsonl
      kg extract papers.jsonl --out fixed.jsonl --corrections fixes.yaml
      kg extract papers.jsonl --out extractions.jsonl --scheduler local:4   # 4 Dask worker processes
    """
    from .build import extract_papers
    from .corrections import Corrections
    from .extractors import load_extractor
    from .files import write_jsonl
    from .readers import read_papers

    scheduler = _scheduler(scheduler, workers)
    column_map = _parse_map(column_maps)
    fixes = Corrections.load(corrections)
    chosen = load_extractor(extractor, vocab=_vocabulary(vocab_dirs), model=model)
    problems: list = []
    papers = list(
        read_papers(
            inputs,
            skip_bad=skip_bad,
            on_problem=problems.append,
            max_abstract_chars=max_abstract_chars,
            max_records=max_records,
            # shown as they come, so that they are not lost where reading then fails
            on_warning=lambda warning: click.echo(f"warning: {warning}", err=True),
            column_map=column_map,
        )
    )
    log = Path(f"{out}.errors.log")
    log.unlink(missing_ok=True)
    records = extract_papers(
        papers,
        chosen,
        progress=_progress,
        total=len(papers),
        workers=workers,
        scheduler=scheduler,
        shard_size=shard_size,
        on_failure=problems.append if skip_bad else None,
        failures_log=log,
    )
    count = write_jsonl(out, (fixes.apply(record) for record in records))
    warnings = fixes.unmatched([paper.id for paper in papers])
    for problem in problems:
        click.echo(f"skipped: {problem}", err=True)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"wrote {count} records to {out} ({chosen.name} {chosen.version})"
        + (f"; tracebacks of the papers the extractor failed on in {log}" if log.exists() else "")
    )


@cli.command()
@fail_cleanly
def extractors():
    """List the installed extractors (entry points of the group kg.extractors), with their versions.

    \b
    Example:
      kg extractors
    """
    from .extractors import available_extractors, load_extractor

    for name in available_extractors():
        found = load_extractor(name)
        click.echo(f"{name}\t{found.version}\t{type(found).__module__}.{type(found).__qualname__}")


@cli.command()
@BUILD_OPTION
@click.option(
    "--shapes", type=click.Path(exists=True, dir_okay=False), help="SHACL shapes (default: schemas/shapes.ttl)."
)
@click.option("--limit", default=20, show_default=True, help="How many results to list.")
@click.option(
    "--all-papers",
    is_flag=True,
    help="Let the shapes see every paper, however many (default: an even sample of 1,000, as kg build).",
)
@fail_cleanly
def validate(build_dir, shapes, limit, all_papers):
    """Check a build's graph against the SHACL shapes and the whole-graph checks; exit 1 if it does
    not conform.

    The checks see every paper. In a build of more than 1,000 papers the shapes see an even sample
    of 1,000, as kg build does: pyshacl holds what it checks in memory, at about 9k triples a second.

    \b
    Example:
      kg validate --build build
      kg validate --build build --all-papers
    """
    from .graph import VALIDATION_PAPERS
    from .validate import validate as run_validate

    report = run_validate(build_dir, shapes, papers=None if all_papers else VALIDATION_PAPERS)
    click.echo(report.format(limit=limit))
    if not report.conforms:
        sys.exit(1)


@cli.command(name="eval")
@click.argument("predictions_or_inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--gold", required=True, type=click.Path(exists=True, dir_okay=False), help="Gold JSONL file.")
@click.option("--worst", default=5, show_default=True, help="How many of the worst papers to list.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option(
    "--extract",
    "force_extract",
    is_flag=True,
    help="Run the extractor on the papers even where the file holds annotations (a gold file).",
)
@EXTRACTOR_OPTION
@MODEL_OPTION
@VOCAB_OPTION
@MAP_OPTION
@fail_cleanly
def evaluate(predictions_or_inputs, gold, worst, fmt, force_extract, extractor, model, vocab_dirs, column_maps):
    """Score extractions against hand-annotated gold: precision, recall, F1 per type and predicate.

    Given extraction records (a JSONL file whose records have "entities"), scores them; given
    papers (a page, JSONL, CSV or folder), runs the extractor first. Predictions are paired with
    gold by id, else by normalised title.

    \b
    Example:
      kg eval data/hf_papers_fine_tuning_medical.txt --gold tests/data/dev_gold.jsonl
      kg eval build/extractions.jsonl --gold tests/data/dev_gold.jsonl --format json
      kg eval tests/data/heldout.jsonl --gold tests/data/heldout.jsonl --extract
      kg eval tests/data/heldout.jsonl --gold tests/data/heldout.jsonl --extract --model ours.crfsuite
    """
    import json

    from .build import extract_papers
    from .evaluate import format_report, load_records, score
    from .extractors import load_extractor
    from .readers import read_papers

    column_map, vocab = _parse_map(column_maps), _vocabulary(vocab_dirs)
    first = Path(predictions_or_inputs[0])
    records = load_records(first) if len(predictions_or_inputs) == 1 and first.suffix == ".jsonl" else []
    if force_extract or not (records and all("entities" in record for record in records)):
        records = extract_papers(
            read_papers(predictions_or_inputs, column_map=column_map),
            load_extractor(extractor, vocab=vocab, model=model),
        )
    report = score(records, load_records(gold))
    click.echo(json.dumps(report.to_dict(), indent=2) if fmt == "json" else format_report(report, worst=worst))


@cli.command()
@click.option(
    "--gold",
    "gold_files",
    multiple=True,
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Annotated abstracts, JSONL in the guideline's format (repeatable).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Model file to write: NAME.crfsuite (its .json card goes beside it), or NAME.json with --no-name-finder.",
)
@click.option(
    "--no-name-finder",
    is_flag=True,
    help="Train the entity decisions alone (seconds, and as the shipped model is made): a .json model.",
)
@click.option(
    "--folds",
    default=5,
    show_default=True,
    type=click.IntRange(min=0),
    help="First score each stage by k-fold cross-validation grouped by paper (0: skip; minutes on hundreds of papers).",
)
@VOCAB_OPTION
@fail_cleanly
def train(gold_files, out, no_name_finder, folds, vocab_dirs):
    """Train the extractor's learned parts on annotated abstracts; use them with --model.

    A model holds a name finder (a CRF that finds names no rule knows) and the entity decisions
    (which keep, retype or drop each name found), trained on what the extractor finds in papers
    its name finder never saw. The cross-validated scores compare the rules alone, the rules with
    the decisions, and the rules with both: no paper is scored by a model that saw it.

    \b
    Example:
      kg train --gold ours.jsonl --out ours.crfsuite
      kg build papers.jsonl --model ours.crfsuite
      kg train --gold ours.jsonl --no-name-finder --out ours.json
    """
    from .evaluate import load_records
    from .train import cross_validate
    from .train import train as run_train

    if no_name_finder != out.endswith(".json"):
        raise KgError(
            f"{out}: a model of entity decisions alone (--no-name-finder) is a .json file, a name finder is not"
        )
    vocab = _vocabulary(vocab_dirs)
    records = [record for path in gold_files for record in load_records(path)]
    if not records:
        raise KgError("no annotated records in " + ", ".join(gold_files))
    if folds > 1:
        reports = cross_validate(records, vocab=vocab, folds=folds)
        click.echo(f"{folds}-fold cross-validation over {len(records)} papers (P / R / F1):")
        for label, report in reports.items():
            cells = [
                f"{kind} {c.precision:.3f} {c.recall:.3f} {c.f1:.3f}"
                for kind, c in (
                    ("entities", report.entities),
                    ("relations", report.relations),
                    ("results", report.results),
                )
            ]
            click.echo(f"  {label:<32}" + "   ".join(cells))
    path = run_train(records, out, vocab=vocab, sources=gold_files, name_finder=not no_name_finder)
    click.echo(f"wrote {path} from {len(records)} papers; use it with: kg build --model {path}")


@cli.command(name="eval-merges")
@click.option("--gold", required=True, type=click.Path(exists=True, dir_okay=False), help="Gold JSONL file.")
@click.option(
    "--thresholds",
    default="0.80,0.85,0.88,0.90,0.92,0.94,0.96",
    show_default=True,
    help="Comma-separated cosine similarity thresholds.",
)
@fail_cleanly
def eval_merges(gold, thresholds):
    """Measure embedding merges against the gold aliases: precision and recall per threshold.

    Two names are one thing when a gold entity lists both; the resolver's --threshold should
    keep precision high (a wrong merge joins two things for good).

    \b
    Example:
      kg eval-merges --gold tests/data/dev_gold.jsonl --thresholds 0.85,0.9,0.95
    """
    from .embed import Embedder
    from .evaluate import load_records, score_merges
    from .store import Table

    values = [float(t) for t in thresholds.split(",") if t.strip()]
    points = score_merges(load_records(gold), Embedder(), values)
    rows = [[p.threshold, round(p.precision, 3), round(p.recall, 3), round(p.f1, 3), p.merges] for p in points]
    click.echo(Table(["threshold", "precision", "recall", "f1", "merges"], rows).render())


@cli.command()
@click.argument("name", required=False)
@click.option("--list", "list_only", is_flag=True, help="List the canned queries (also what no NAME does).")
@PARAM_OPTION
@BUILD_OPTION
@FORMAT_OPTION
@ENGINE_OPTION
@click.option(
    "--endpoint",
    default=None,
    help="Ask a SPARQL 1.1 server (that `kg load sparql` filled) instead of the build's store.",
)
@ENDPOINT_GRAPH_OPTION
@ENDPOINT_USER_OPTION
@QUERIES_OPTION
@_page_options
@fail_cleanly
def query(name, list_only, params, build_dir, fmt, engine, endpoint, graph_iri, user, query_dirs, limit, offset):
    """Run the canned query NAME from queries/ (or a --queries folder), or the SPARQL query in a
    file (NAME a path: an existing file, or one ending in .rq). No NAME, or --list: list the
    canned queries with their parameters.

    A query file needs no header: then each $name it uses must be given with -p name=VALUE.
    With --endpoint the query runs on that server, over the named graph the build was pushed to.
    A long answer comes a page at a time (--limit rows, default 100, after --offset), in the
    query's order; stderr says which rows these are of how many.

    \b
    Example:
      kg query --list
      kg query leaderboard -p dataset=MedQA -p metric=accuracy
      kg query methods-by-modality --limit 20 --offset 20
      kg query ./my-question.rq -p dataset=MedQA
      kg query my-question --queries my-queries/
      kg query lora-variants-for-task --endpoint http://localhost:8890/sparql
    """
    from .catalog import find_query
    from .store import Table, open_store

    catalog = _catalog(query_dirs)
    if list_only or not name:
        if fmt == "json":
            import json

            listing = [
                {"name": q.name, "question": q.question, "params": q.params, "columns": q.columns}
                for q in catalog.values()
            ]
            click.echo(json.dumps(listing, indent=2))
        else:
            rows = [[q.name, q.question, " ".join(f"{k}={v!r}" for k, v in q.params.items())] for q in catalog.values()]
            click.echo(Table(["name", "question", "params"], rows).render(fmt))
        return
    if name.endswith(".cypher") and name not in catalog:
        raise KgError(f"{name}: kg query runs SPARQL; run a Cypher file with `kg cypher {name}`")
    canned = find_query(catalog, name)
    arguments = canned.arguments(_parse_params(params))
    if endpoint:
        from .endpoint import build_graph_iri, select

        graph_iri = graph_iri or build_graph_iri(build_dir)
        table = select(
            endpoint,
            canned.text,
            arguments,
            graph_iri,
            user=user,
            password=_endpoint_password(user),
            page=_page(limit, offset),
        )
    else:
        table = open_store(build_dir, engine).select(canned.text, arguments, _page(limit, offset))
    _echo_table(table, fmt)


@cli.command()
@click.argument("text")
@click.option("--limit", default=10, show_default=True, help="How many hits to show.")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(["Paper", "Model", "Method", "Dataset", "Task", "Modality", "Domain"]),
    help="Only nodes of this kind (repeatable).",
)
@BUILD_OPTION
@FORMAT_OPTION
@click.option("--neo4j", is_flag=True, help="Search in Neo4j's vector indexes instead of the build.")
@NEO4J_URI_OPTION
@NEO4J_USER_OPTION
@NEO4J_DATABASE_OPTION
@fail_cleanly
def search(text, limit, kinds, build_dir, fmt, neo4j, uri, user, database):
    """Find papers and entities by meaning, with sentence embeddings (cached in the build).

    With --neo4j the search runs in Neo4j's vector indexes, over what `kg load neo4j` loaded
    (the password comes from NEO4J_PASSWORD, or is asked for).

    \b
    Example:
      kg search "adapting segment anything to 3D CT"
      kg search "preference optimisation" --kind Method --limit 5
      kg search "preference optimisation" --neo4j --uri bolt://127.0.0.1:7687
    """
    from .search import SEARCHABLE, hits_table
    from .search import search as run_search

    if neo4j:
        from .embed import Embedder
        from .neo4j_store import vector_search

        vector = [float(x) for x in Embedder().embed([text])[0]]
        table = vector_search(vector, uri, user, _neo4j_password(), database, limit=limit, kinds=tuple(kinds))
    else:
        table = hits_table(run_search(build_dir, text, limit=limit, kinds=tuple(kinds) or SEARCHABLE))
    click.echo(table.render(fmt))


@cli.command()
@click.argument("question", required=False)
@BUILD_OPTION
@QUERIES_OPTION
@FORMAT_OPTION
@click.option(
    "--score",
    "score_file",
    type=click.Path(exists=True, dir_okay=False),
    help='Instead of a question: route each {"question", "query", "params"} line of this JSONL file and '
    "print how many came out right (query null: no canned query answers it).",
)
@fail_cleanly
def ask(question, build_dir, query_dirs, fmt, score_file):
    """Answer a QUESTION in plain words with the canned query it asks (offline sentence embeddings),
    its parameters filled with the graph's names found in the question. Prints the query and its
    parameters (on stderr with --format json or csv), then the answer. When no query is clearly
    the one, lists the closest with the `kg query` command for each instead.

    \b
    Example:
      kg ask "Which LoRA variants were used for image segmentation?"
      kg ask "best accuracy on MedQA for any metric" --format json
      kg ask "who wrote the most papers on DPO?" --queries my-queries/
      kg ask --score tests/data/ask/dev.jsonl
    """
    from .ask import Context, answer, command_line, describe, fill, read_questions, route_in, score_routing

    if not question and not score_file:
        raise KgError("give a QUESTION (or --score FILE.jsonl)")
    catalog = _catalog(query_dirs)
    context = Context.of(build_dir, catalog)  # the graph's names, read once
    if score_file:
        scored = score_routing(read_questions(score_file), context)
        for text, chosen, params in scored.misses:
            click.echo(f"miss: {text!r} -> {chosen or 'unsure'} {params or ''}".rstrip())
        click.echo(str(scored))
        return
    routing = route_in(question, context)
    if routing.query is None:
        click.echo("not sure which question you mean; the closest:")
        for name, text, _ in routing.candidates:
            params = fill(question, catalog[name], context).params
            click.echo(f"  {name}: {text}\n    {command_line(name, params, build_dir, query_dirs)}")
        return
    click.echo(describe(routing), err=fmt != "table")
    click.echo(answer(routing, build_dir, catalog).render(fmt))


@cli.command()
@click.argument("query_or_file")
@PARAM_OPTION
@BUILD_OPTION
@FORMAT_OPTION
@ENGINE_OPTION
@click.option(
    "--allow-update",
    is_flag=True,
    help="Allow a SPARQL update (INSERT, DELETE, DROP, ...) on the build's Oxigraph store (refused otherwise).",
)
@fail_cleanly
def sparql(query_or_file, params, build_dir, fmt, engine, allow_update):
    """Run an ad-hoc SPARQL query (text, or a .rq file) over a build; read-only.

    Prefixes kgo, rdf, rdfs, xsd, skos, dcterms, prov, schema, mls, bibo, oa, qudt and unit are
    predeclared;
    write parameters as $name and pass each with -p name=value (a $name without a value, or a value
    the query does not use, is an error). Updates are refused unless --allow-update; they
    change the store only (graph.json and a graph.nt written by the build keep the graph as built).

    \b
    Example:
      kg sparql 'SELECT ?label WHERE { ?m a kgo:Model ; rdfs:label ?label } ORDER BY ?label LIMIT 3'
      kg sparql my-query.rq -p method=DoRA --format csv
    """
    from .catalog import load_catalog
    from .store import QueryError, check_parameters, is_update, open_store, update_store

    path = Path(query_or_file)
    text = path.read_text(encoding="utf-8") if path.suffix in (".rq", ".sparql") and path.is_file() else query_or_file
    if re.fullmatch(r"[\w.-]+", text.strip()):  # one word: a canned query's name, or a file's, mistyped
        close = difflib.get_close_matches(text.strip(), list(load_catalog()), n=1)
        raise QueryError(
            f"{text.strip()!r} is neither a SPARQL query nor a .rq file"
            + (f" (did you mean `kg query {close[0]}`?)" if close else "; `kg query NAME` runs a canned query")
        )
    given = _parse_params(params)
    check_parameters(text, given)
    if allow_update and is_update(text):
        if engine != "oxigraph":
            raise KgError("updates run on the Oxigraph store only (drop --engine rdflib)")
        change = update_store(build_dir, text, given)
        click.echo(f"updated {build_dir}/store: {change:+d} triples")
        return
    click.echo(open_store(build_dir, engine).select(text, given).render(fmt))


QUERY_OPTION = click.option(
    "--query", "query_name", metavar="NAME", help="Only what this canned query answers, with its one-hop context."
)


@cli.command()
@BUILD_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds a query may run before it is cancelled.",
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Queries answered at once (one process each).",
)
@QUERIES_OPTION
@fail_cleanly
def serve(build_dir, host, port, timeout, workers, query_dirs):
    """Serve a build read-only: a SPARQL 1.1 endpoint and pages to browse it.

    /sparql answers the SPARQL 1.1 Protocol (GET and POST; JSON, XML, CSV or TSV results, Turtle or
    N-Triples graphs) and refuses updates; / lists the counts and every canned question as a form,
    with entity, paper, answer and graph-view pages behind it. Ctrl-C stops it.

    \b
    Example:
      kg serve --build build --port 8000
      curl -G http://127.0.0.1:8000/sparql -H 'Accept: text/csv' \\
           --data-urlencode 'query=SELECT ?name WHERE { ?m a kgo:Model ; rdfs:label ?name } LIMIT 3'
    """
    from .server.app import serve as run_server

    run_server(
        build_dir, host=host, port=port, timeout=timeout, workers=workers, query_dirs=query_dirs, announce=click.echo
    )


@cli.group(name="export")
def export_group():
    """Export the graph: an interactive HTML page, static figures, or files for other graph tools.

    \b
    Example:
      kg export html --out graph.html
      kg export png --view lora --out lora.png
      kg export neo4j-csv --out neo4j-import/
    """


@export_group.command(name="html")
@BUILD_OPTION
@QUERY_OPTION
@PARAM_OPTION
@click.option("--entity", metavar="NAME", help="Only this entity (by its name or any alias) and its one-hop context.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="HTML file to write.")
@fail_cleanly
def export_html(build_dir, query_name, params, entity, out):
    """One self-contained HTML page of the graph that works offline: Graphviz drawings, every node labelled.

    The whole graph's page opens on its most connected methods, models and datasets; with --query
    on the answers and their one-hop context; with --entity on that entity and its neighbours.
    Clicking a node shows its details (names, papers, statements with their evidence sentences)
    and draws its neighbourhood; the search box finds any node of the page.

    \b
    Example:
      kg export html --out graph.html
      kg export html --query lora-variants-for-task -p task=segmentation --out lora.html
      kg export html --entity LoRA --out lora.html
    """
    from .export import load_graph, select
    from .export.html import select_entity, write_html

    if entity is not None and query_name:
        raise KgError("give --query or --entity, not both")
    if entity is not None:
        if params:
            raise KgError("-p goes with --query, not --entity")
        selection = select_entity(load_graph(build_dir), entity)
    else:
        selection = select(build_dir, query_name, _parse_params(params))
    counts = write_html(selection, out)
    click.echo(
        f"wrote {out} ({counts['nodes']} nodes, {counts['edges']} edges; it opens on {counts['shown']} of them, "
        f"and {counts['views']} can be expanded)"
    )


def _figure_command(fmt: str):
    @click.option(
        "--view",
        type=click.Choice(["lineage", "lora", "dataset"]),
        help="A model's lineage (-p model=...), a method's variants (-p method=LoRA) or a dataset's "
        "neighbourhood (-p dataset=...).",
    )
    @BUILD_OPTION
    @QUERY_OPTION
    @PARAM_OPTION
    @click.option("--out", required=True, type=click.Path(dir_okay=False), help=f"{fmt.upper()} file to write.")
    @fail_cleanly
    def figure(view, build_dir, query_name, params, out):
        from .export import load_graph, select
        from .export.figures import render, render_view, view_selection

        if view and query_name:
            raise KgError("give --view or --query, not both")
        params = _parse_params(params)
        if query_name:  # the pages' view: labelled nodes that overlap nothing, the best connected 60 at most
            drawn, left_out = render_view(select(build_dir, query_name, params), out, fmt)
            click.echo(f"wrote {out} ({drawn} nodes" + (f"; {left_out} more left out" if left_out else "") + ")")
            return
        selection = view_selection(load_graph(build_dir), view, params) if view else select(build_dir, None, params)
        click.echo(f"wrote {out} ({render(selection, out, fmt)} nodes)")

    article = "An" if fmt == "svg" else "A"
    figure.__doc__ = f"""{article} {fmt.upper()} drawing (Graphviz) of a view or of what a canned query answers.

    A view is laid out in ranks (dot); a query's answers and their context as the HTML pages draw
    them (neato, overlaps removed), at most 60 nodes.

    \b
    Example:
      kg export {fmt} --view lineage -p model=LLaMA-2 --out lineage.{fmt}
      kg export {fmt} --view lora --out lora.{fmt}
      kg export {fmt} --query most-fine-tuned-base-models --out bases.{fmt}
    """
    return export_group.command(name=fmt)(figure)


def _format_command(fmt: str, what: str, example: str):
    @BUILD_OPTION
    @QUERY_OPTION
    @PARAM_OPTION
    @click.option("--out", required=True, type=click.Path(), help="File (a folder for neo4j-csv) to write.")
    @fail_cleanly
    def write(build_dir, query_name, params, out):
        from .export import select
        from .export.formats import export

        click.echo(export(select(build_dir, query_name, _parse_params(params)).graph, fmt, out))

    write.__doc__ = f"""The graph as {what}.

    \b
    Example:
      kg export {fmt} --out {example}
    """
    return export_group.command(name=fmt)(write)


for _fmt in ("png", "svg"):
    _figure_command(_fmt)
for _fmt, _what, _example in (
    ("graphml", "GraphML (list attributes as JSON text)", "graph.graphml"),
    ("gexf", "GEXF, for Gephi (list attributes as JSON text)", "graph.gexf"),
    ("cytoscape", "Cytoscape.js elements JSON", "graph.cyjs"),
    ("nodelink", "networkx node-link JSON", "graph.json"),
    ("neo4j-csv", "a folder of CSV files for `neo4j-admin database import`", "neo4j-import/"),
):
    _format_command(_fmt, _what, _example)


@cli.command()
@BUILD_OPTION
@click.option("--plot", type=click.Path(dir_okay=False), help="Also draw the counts as one PNG.")
@click.option("--top", default=10, show_default=True, help="How many of each ranking to list.")
@fail_cleanly
def stats(build_dir, plot, top):
    """Counts of a build: nodes per type, edges per predicate, top base models, datasets, modalities.

    \b
    Example:
      kg stats
      kg stats --plot stats.png
    """
    from .export import load_graph
    from .export.figures import plot_statistics, statistics

    counts = statistics(load_graph(build_dir), top=top)
    for heading, items in counts.items():
        click.echo(f"{heading}: " + (", ".join(f"{name} {count}" for name, count in items) or "none"))
    if plot:
        plot_statistics(counts, plot, title=f"{Path(build_dir).resolve().name}/")
        click.echo(f"wrote {plot}")


def _neo4j_password() -> str:
    """The password from NEO4J_PASSWORD, else a prompt that does not echo; never an option, never printed."""
    return os.environ.get("NEO4J_PASSWORD") or click.prompt("Neo4j password", hide_input=True)


@cli.group()
def load():
    """Load a build into another database (Neo4j, a SPARQL 1.1 server)."""


@load.command(name="sparql")
@BUILD_OPTION
@click.option("--endpoint", required=True, help="The server's SPARQL endpoint (query and update).")
@click.option(
    "--graph-store",
    default=None,
    help="Its Graph Store HTTP Protocol URL, if it has one: one PUT instead of SPARQL Update.",
)
@ENDPOINT_GRAPH_OPTION
@ENDPOINT_USER_OPTION
@click.option(
    "--batch",
    default=2000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Triples per INSERT DATA request (SPARQL Update only).",
)
@fail_cleanly
def load_sparql(build_dir, endpoint, graph_store, graph_iri, user, batch):
    """Push a build's graph into a named graph of a SPARQL 1.1 server, replacing what was there.

    Pushing again replaces the graph, so no triple is ever duplicated; the count on the server is
    checked against the build. The password comes from SPARQL_PASSWORD, or is asked for.

    \b
    Example (Virtuoso, whose administrator is dba):
      export SPARQL_PASSWORD=...
      kg load sparql --endpoint http://localhost:8890/sparql-auth --user dba \\
        --graph-store http://localhost:8890/sparql-graph-crud-auth
      kg query most-fine-tuned-base-models --endpoint http://localhost:8890/sparql
    """
    from .endpoint import push

    report = push(build_dir, endpoint, graph_iri, user, _endpoint_password(user), graph_store=graph_store, batch=batch)
    click.echo(
        f"pushed {report.triples} triples into <{report.graph}> at {report.endpoint} "
        f"({report.method}, {report.requests} request{'s' if report.requests != 1 else ''}, {report.seconds:.1f} s)"
    )


@load.command(name="neo4j")
@BUILD_OPTION
@NEO4J_URI_OPTION
@NEO4J_USER_OPTION
@NEO4J_DATABASE_OPTION
@click.option(
    "--batch-size", default=10_000, show_default=True, type=click.IntRange(min=1), help="Rows written per transaction."
)
@click.option(
    "--embeddings/--no-embeddings",
    default=True,
    show_default=True,
    help="Put sentence embeddings on papers and entities, in vector indexes (for kg search --neo4j).",
)
@click.option(
    "--bulk",
    is_flag=True,
    help="Fill a new or empty database of a stopped Neo4j with neo4j-admin's import (a large build, "
    "first time); then start Neo4j and run kg load neo4j --finish.",
)
@click.option(
    "--neo4j-admin",
    "neo4j_admin",
    type=click.Path(dir_okay=False),
    help="The neo4j-admin of your Neo4j, for --bulk (default: on PATH, else $NEO4J_HOME/bin/neo4j-admin).",
)
@click.option(
    "--finish",
    is_flag=True,
    help="After --bulk, once Neo4j runs again: add the indexes and constraints the queries use.",
)
@fail_cleanly
def load_neo4j(build_dir, uri, user, database, batch_size, embeddings, bulk, neo4j_admin, finish):
    """Load a build's graph (graph.json) into Neo4j; loading again updates it in place.

    Nodes are labelled by kind (Paper, Model, Method, ...), relationships typed by predicate
    (VARIANT_OF, USES_METHOD, MENTIONS, ...) with paper, evidence and confidence. Statements of
    the build's papers that the build no longer holds are removed; other papers' data stays.
    The password comes from NEO4J_PASSWORD, or is asked for.

    With --bulk the build is imported with neo4j-admin instead, into a database that must be
    new or empty and stopped (it needs no password); once Neo4j runs again, --finish adds the
    indexes. Later loads, without --bulk, update it in place.

    \b
    Example:
      export NEO4J_PASSWORD=...   # or type it when asked
      kg load neo4j --uri bolt://127.0.0.1:7687 --user neo4j --build build
    \b
      neo4j stop
      kg load neo4j --bulk --build build --neo4j-admin /opt/neo4j/bin/neo4j-admin
      neo4j start
      kg load neo4j --finish
    """
    from tqdm import tqdm

    from .neo4j_store import bulk_load, finish_bulk
    from .neo4j_store import load as load_graph

    if bulk and finish:
        raise click.UsageError("--bulk imports into a stopped Neo4j and --finish runs after it: give one of them")
    if bulk:
        click.echo(bulk_load(build_dir, neo4j_admin, database=database, embeddings=embeddings).format())
        return
    password = _neo4j_password()
    if finish:
        finish_bulk(uri, user, password, database=database)
        click.echo(f"indexed database {database} at {uri}: the constraints and indexes of kg's queries are in place")
        return
    # A bar on a terminal only (disable=None), so logs and pipes get the one summary line.
    with tqdm(desc="loading", unit="row", file=sys.stderr, disable=None) as bar:

        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        report = load_graph(
            build_dir,
            uri,
            user,
            password,
            database=database,
            batch_size=batch_size,
            progress=progress,
            embeddings=embeddings,
        )
    click.echo(report.format(uri, database))


@cli.command()
@click.argument("query_or_file")
@PARAM_OPTION
@NEO4J_URI_OPTION
@NEO4J_USER_OPTION
@NEO4J_DATABASE_OPTION
@FORMAT_OPTION
@click.option("--allow-update", is_flag=True, help="Allow a query that writes (refused otherwise).")
@QUERIES_OPTION
@_page_options
@fail_cleanly
def cypher(query_or_file, params, uri, user, database, fmt, allow_update, query_dirs, limit, offset):
    """Run a canned Cypher query (a NAME of queries/*.cypher or of a --queries folder), a .cypher
    file or Cypher text on Neo4j.

    Parameters are written $name and passed with -p name=value, bound as Cypher parameters.
    Queries that write are refused unless --allow-update. The password comes from
    NEO4J_PASSWORD, or is asked for. A long answer comes a page at a time, as in kg query.

    \b
    Example:
      kg cypher lora-variants-for-task -p task=segmentation
      kg cypher 'MATCH (m:Model)-[:FINE_TUNED_FROM]->(b) RETURN b.label AS base, count(*) AS n ORDER BY n DESC LIMIT 3'
    """
    from .catalog import did_you_mean, find_query, is_query_path
    from .neo4j_store import run_cypher
    from .store import QueryError

    catalog = _catalog(query_dirs, "cypher")
    given = _parse_params(params)
    arguments: dict[str, str | None]
    if query_or_file in catalog or is_query_path(query_or_file):
        canned = find_query(catalog, query_or_file)
        text, arguments = canned.text, canned.arguments(given)
    elif re.fullmatch(r"[\w.-]+", query_or_file.strip()):  # one word: a canned query's name, mistyped
        name = query_or_file.strip()
        raise QueryError(f"no canned query {name!r}{did_you_mean(name, catalog)} (`kg query --list` lists them)")
    else:
        text, arguments = query_or_file, dict(given)
    password = _neo4j_password()
    table = run_cypher(
        text, arguments, uri, user, password, database=database, allow_update=allow_update, page=_page(limit, offset)
    )
    _echo_table(table, fmt)


@cli.group(name="bench")
def bench_group():
    """Benchmarks on synthetic corpora made from the example corpus (not tests: they take minutes).

    \b
    Example:
      kg bench generate --n 10000 --out papers-10k.jsonl
      kg bench run --sizes 1000,10000,100000 --workdir bench   # what `make bench` runs
    """


@bench_group.command(name="generate")
@click.option("--n", "count", required=True, type=click.IntRange(min=1), help="How many papers.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="JSONL file to write.")
@click.option("--seed", default=0, show_default=True, help="Same seed, same bytes.")
@fail_cleanly
def bench_generate(count, out, seed):
    """Write N realistic abstracts recombined from the example corpus to a JSONL file.

    \b
    Example:
      kg bench generate --n 1000 --out papers-1k.jsonl --seed 7
    """
    from .bench import write_corpus

    click.echo(f"wrote {write_corpus(out, count, seed)} papers to {out}")


@bench_group.command(name="run")
@click.option("--sizes", default="1000,10000,100000", show_default=True, help="Corpus sizes, comma-separated.")
@click.option(
    "--workdir",
    default="bench",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for corpora, builds and bench.json.",
)
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--workers", type=click.IntRange(min=1), default=None, help="Extraction processes of each build (default: cores)."
)
@click.option("--embeddings/--no-embeddings", default=True, show_default=True, help="Builds with embedding merges.")
@click.option(
    "--rdflib-max", default=1000, show_default=True, help="Run rdflib's engine on builds up to this many papers."
)
@click.option("--query-timeout", default=30.0, show_default=True, help="Seconds before an rdflib query is given up.")
@click.option(
    "--keep-builds", is_flag=True, help="Keep each size's build folder (removed once measured: 100k is ~8 GB)."
)
@fail_cleanly
def bench_run(sizes, workdir, seed, workers, embeddings, rdflib_max, query_timeout, keep_builds):
    """Generate, build (in a child process each) and measure every size; figures to WORKDIR/bench.json,
    a markdown table to stdout.

    \b
    Example:
      kg bench run --sizes 1000,10000 --workdir /tmp/bench
    """
    from .bench import run, table

    try:
        counts = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter(f"{sizes!r} is not a comma-separated list of numbers", param_hint="--sizes") from None
    figures = run(
        counts,
        workdir,
        seed=seed,
        workers=workers,
        embeddings=embeddings,
        rdflib_max=rdflib_max,
        query_timeout=query_timeout,
        keep_builds=keep_builds,
    )
    click.echo(table(figures))
