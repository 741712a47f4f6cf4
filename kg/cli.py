"""The ``kg`` command line: each command a thin wrapper over a library function."""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from . import __version__

BUILD_OPTION = click.option(
    "--build", "build_dir", default="build", show_default=True, type=click.Path(file_okay=False),
    help="Build folder to read.",
)
FORMAT_OPTION = click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
    help="Output format.",
)
ENGINE_OPTION = click.option(
    "--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph", show_default=True,
    help="SPARQL engine: the Oxigraph store, or rdflib's own engine over graph.ttl.",
)
PARAM_OPTION = click.option(
    "--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
    help="Query parameter, bound as a literal (repeatable).",
)


def fail_cleanly(command):
    """Turn the library's expected errors into one line on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from .readers import InputError
        from .store import QueryError

        try:
            return command(*args, **kwargs)
        except (InputError, QueryError, ValueError, OSError) as error:
            click.echo(f"error: {error}", err=True)
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


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(exists=True))
@click.option("--out", default="build", show_default=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--skip-bad", is_flag=True, help="Skip bad records (each is reported) instead of failing.")
@click.option("--embeddings/--no-embeddings", default=True, show_default=True,
              help="Let sentence embeddings propose merges of names the rules leave apart.")
@click.option("--threshold", type=float, default=None, help="Cosine similarity above which embeddings merge names.")
@click.option("--merges", "merges_file", type=click.Path(exists=True, dir_okay=False),
              help="YAML file of forced merges and splits: {merge: [[a, b]], split: [[c, d]]}.")
@click.option("--base-iri", default=None, help="Base IRI of the graph's resources.")
@fail_cleanly
def build(inputs, out, skip_bad, embeddings, threshold, merges_file, base_iri):
    """Build the knowledge graph of INPUTS (page, JSONL or CSV files, or folders) into --out.

    With no INPUTS it builds the example corpus in data/.

    \b
    Example:
      kg build data/hf_papers_fine_tuning_medical.txt --out build
      kg build papers.jsonl more/ --skip-bad --merges merges.yaml
    """
    from .build import build as run_build
    from .rdf import DEFAULT_BASE
    from .resolve import DEFAULT_THRESHOLD

    report = run_build(
        inputs or None, out, skip_bad=skip_bad, embeddings=embeddings,
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
        merges_file=merges_file, base=base_iri or DEFAULT_BASE, progress=_progress,
    )
    for problem in report.problems:
        click.echo(f"skipped: {problem}", err=True)
    s = report.summary
    click.echo(f"built {out}/: {s['papers']} papers, {sum(s['entities'].values())} entities, "
               f"{sum(s['relations'].values())} relations, {s['results']} results")
    click.echo("  entities:  " + ", ".join(f"{k} {v}" for k, v in s["entities"].items()))
    click.echo("  relations: " + ", ".join(f"{k} {v}" for k, v in s["relations"].items()))
    click.echo(f"  merged nodes: {report.merged_nodes} (see {out}/merges.json)")
    click.echo(f"  extracted: {s['papers'] - report.reused} papers, reused from the previous build: {report.reused}")
    v = report.validation
    click.echo(f"  shapes: {'conforms' if v['conforms'] else 'does NOT conform'} ({v['violations']} violations, "
               f"{v['warnings']} warnings; see kg validate --build {out})")
    warnings = len(report.problems) + sum(report.dropped.values())
    click.echo(f"  warnings: {len(report.problems)} skipped records, "
               f"{sum(report.dropped.values())} statements naming no known entity" if warnings else "  warnings: none")


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="JSONL file to write.")
@click.option("--skip-bad", is_flag=True, help="Skip bad records (each is reported) instead of failing.")
@fail_cleanly
def extract(inputs, out, skip_bad):
    """Extract entities, relations and results of each paper to a JSONL file (no graph).

    One record per paper, in the format of the extraction guideline, with evidence.

    \b
    Example:
      kg extract data/hf_papers_fine_tuning_medical.txt --out extractions.jsonl
    """
    from .build import extract_papers
    from .files import write_jsonl
    from .readers import read_papers

    problems = []
    papers = list(read_papers(inputs, skip_bad=skip_bad, on_problem=problems.append))
    count = write_jsonl(out, extract_papers(papers, progress=_progress, total=len(papers)))
    for problem in problems:
        click.echo(f"skipped: {problem}", err=True)
    click.echo(f"wrote {count} records to {out}")


@cli.command()
@BUILD_OPTION
@click.option("--shapes", type=click.Path(exists=True, dir_okay=False), help="SHACL shapes (default: schemas/shapes.ttl).")
@click.option("--limit", default=20, show_default=True, help="How many results to list.")
@fail_cleanly
def validate(build_dir, shapes, limit):
    """Check a build's graph against the SHACL shapes; exit 1 if it does not conform.

    \b
    Example:
      kg validate --build build
    """
    from .validate import validate as run_validate

    report = run_validate(build_dir, shapes)
    click.echo(report.format(limit=limit))
    if not report.conforms:
        sys.exit(1)


@cli.command(name="eval")
@click.argument("predictions_or_inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--gold", required=True, type=click.Path(exists=True, dir_okay=False), help="Gold JSONL file.")
@click.option("--worst", default=5, show_default=True, help="How many of the worst papers to list.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@fail_cleanly
def evaluate(predictions_or_inputs, gold, worst, fmt):
    """Score extractions against hand-annotated gold: precision, recall, F1 per type and predicate.

    Given extraction records (a JSONL file whose records have "entities"), scores them; given
    papers (a page, JSONL, CSV or folder), runs the extractor first. Predictions are paired with
    gold by id, else by normalised title.

    \b
    Example:
      kg eval data/hf_papers_fine_tuning_medical.txt --gold tests/data/dev_gold.jsonl
      kg eval build/extractions.jsonl --gold tests/data/dev_gold.jsonl --format json
    """
    import json

    from .build import extract_papers
    from .evaluate import format_report, load_records, score
    from .readers import read_papers

    first = Path(predictions_or_inputs[0])
    records = load_records(first) if len(predictions_or_inputs) == 1 and first.suffix == ".jsonl" else []
    if not (records and all("entities" in record for record in records)):
        records = extract_papers(read_papers(predictions_or_inputs))
    report = score(records, load_records(gold))
    click.echo(json.dumps(report.to_dict(), indent=2) if fmt == "json" else format_report(report, worst=worst))


@cli.command()
@click.argument("name", required=False)
@click.option("--list", "list_only", is_flag=True, help="List the canned queries (also what no NAME does).")
@PARAM_OPTION
@BUILD_OPTION
@FORMAT_OPTION
@ENGINE_OPTION
@fail_cleanly
def query(name, list_only, params, build_dir, fmt, engine):
    """Run the canned query NAME from queries/ (no NAME, or --list: list them with their parameters).

    \b
    Example:
      kg query --list
      kg query leaderboard -p dataset=MedQA -p metric=accuracy
    """
    from .catalog import load_catalog
    from .store import Table, open_store

    catalog = load_catalog()
    if list_only or not name:
        if fmt == "json":
            import json

            listing = [{"name": q.name, "question": q.question, "params": q.params, "columns": q.columns} for q in catalog.values()]
            click.echo(json.dumps(listing, indent=2))
        else:
            rows = [[q.name, q.question, " ".join(f"{k}={v!r}" for k, v in q.params.items())] for q in catalog.values()]
            click.echo(Table(["name", "question", "params"], rows).render(fmt))
        return
    if name not in catalog:
        raise ValueError(f"no canned query {name!r} (run `kg query --list` to list them)")
    canned = catalog[name]
    click.echo(open_store(build_dir, engine).select(canned.sparql, canned.arguments(_parse_params(params))).render(fmt))


@cli.command()
@click.argument("text")
@click.option("--limit", default=10, show_default=True, help="How many hits to show.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["Paper", "Model", "Method", "Dataset", "Task", "Modality", "Domain"]),
              help="Only nodes of this kind (repeatable).")
@BUILD_OPTION
@FORMAT_OPTION
@fail_cleanly
def search(text, limit, kinds, build_dir, fmt):
    """Find papers and entities by meaning, with sentence embeddings (cached in the build).

    \b
    Example:
      kg search "adapting segment anything to 3D CT"
      kg search "preference optimisation" --kind Method --limit 5
    """
    from .search import SEARCHABLE, hits_table, search as run_search

    hits = run_search(build_dir, text, limit=limit, kinds=tuple(kinds) or SEARCHABLE)
    click.echo(hits_table(hits).render(fmt))


@cli.command()
@click.argument("query_or_file")
@PARAM_OPTION
@BUILD_OPTION
@FORMAT_OPTION
@ENGINE_OPTION
@fail_cleanly
def sparql(query_or_file, params, build_dir, fmt, engine):
    """Run an ad-hoc SPARQL query (text, or a .rq file) over a build; read-only.

    Prefixes kgo, rdf, rdfs, xsd, skos, dcterms, prov and schema are predeclared; write
    parameters as $name and pass them with -p name=value.

    \b
    Example:
      kg sparql 'SELECT ?label WHERE { ?m a kgo:Model ; rdfs:label ?label } ORDER BY ?label LIMIT 3'
      kg sparql my-query.rq -p method=DoRA --format csv
    """
    from .store import open_store

    path = Path(query_or_file)
    text = path.read_text(encoding="utf-8") if path.suffix in (".rq", ".sparql") and path.is_file() else query_or_file
    click.echo(open_store(build_dir, engine).select(text, _parse_params(params)).render(fmt))
