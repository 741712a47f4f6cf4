"""The build: read → extract → resolve → graph → write, into one output folder.

A build folder holds:

- ``extractions.jsonl``  one guideline record per paper, with evidence (what ``kg extract`` writes);
- ``graph.ttl``          the RDF graph (Turtle, with provenance), ``graph.json`` its node-link JSON;
- ``merges.json``        the merge report: the names merged into each node and why;
- ``store/``             the Oxigraph store that ``kg query`` and ``kg sparql`` read;
- ``manifest.json``      written last: counts, versions, problems. A folder without it is incomplete.

Every file is written to a temporary name and renamed into place, so an interrupted build never
leaves a half-written file.

>>> import tempfile
>>> out = tempfile.mkdtemp()
>>> report = build(None, out, embeddings=False)   # None: the example corpus
>>> report.summary["papers"]
120
>>> (Path(out) / "manifest.json").is_file()
True
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from . import __version__
from .extract import EXTRACTOR_VERSION, extract
from .files import folder_lock, resource_dir, write_json, write_jsonl
from .graph import add_hierarchy, build_graph, summary
from .rdf import DEFAULT_BASE, to_rdf, write_rdf
from .readers import InputError, read_papers
from .records import Paper
from .resolve import DEFAULT_THRESHOLD, Overrides, resolve
from .store import create_store
from .validate import validate
from .vocab import load_vocabulary, vocabulary_hash

DATA = resource_dir("data")
MANIFEST = "manifest.json"

Progress = Callable[[Iterable, int], Iterable]


@dataclass
class BuildReport:
    out: Path
    summary: dict
    problems: list[str] = field(default_factory=list)
    merged_nodes: int = 0
    dropped: dict = field(default_factory=dict)
    reused: int = 0  # papers whose extraction was taken from the previous build
    validation: dict = field(default_factory=dict)  # SHACL: conforms, violations, warnings


def default_inputs() -> list[Path]:
    """The example corpus shipped in ``data/``."""
    return [DATA]


def extract_papers(
    papers: Iterable[Paper], vocab=None, progress: Progress | None = None, total: int = 0, previous: dict | None = None,
) -> list[dict]:
    """Run the extractor over papers, in order, reusing ``previous`` records (by content hash) where given."""
    vocab = vocab if vocab is not None else load_vocabulary()
    previous = previous or {}
    papers = progress(papers, total) if progress else papers
    return [previous.get(content_hash(paper.to_record())) or extract(paper, vocab) for paper in papers]


def content_hash(record: dict) -> str:
    """What the extractor reads of a paper (id, title, abstract, metadata), hashed."""
    head = {k: v for k, v in record.items() if k not in ("entities", "relations", "results")}
    return hashlib.sha256(json.dumps(head, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def previous_extractions(out: Path, vocabulary: str) -> dict[str, dict]:
    """The records of the last complete build in ``out``, by content hash, if the same extractor and
    vocabulary made them (anything else means everything is extracted again)."""
    manifest = read_manifest(out)
    if not manifest or (manifest.get("extractor_version"), manifest.get("vocabulary_hash")) != (EXTRACTOR_VERSION, vocabulary):
        return {}
    records = (json.loads(line) for line in (out / "extractions.jsonl").read_text(encoding="utf-8").splitlines())
    return {content_hash(record): record for record in records}


def build(
    inputs: Iterable[str | Path] | None = None,
    out: str | Path = "build",
    *,
    skip_bad: bool = False,
    embeddings: bool = True,
    threshold: float = DEFAULT_THRESHOLD,
    merges_file: str | Path | None = None,
    base: str = DEFAULT_BASE,
    progress: Progress | None = None,
) -> BuildReport:
    """Build the knowledge graph of ``inputs`` (default: the example corpus) into folder ``out``.

    Raises :class:`kg.readers.InputError` for bad input unless ``skip_bad``; then each skipped
    record is listed in ``BuildReport.problems``.
    """
    out = Path(out)
    problems: list[InputError] = []
    overrides = Overrides.load(merges_file)
    papers = list(read_papers(inputs or default_inputs(), skip_bad=skip_bad, on_problem=problems.append))
    vocab, vocabulary = load_vocabulary(), vocabulary_hash()
    with folder_lock(out):
        previous = previous_extractions(out, vocabulary)
        records = extract_papers(papers, vocab, progress, len(papers), previous)
        (out / MANIFEST).unlink(missing_ok=True)  # the folder reads as incomplete until the end
        embedder = None
        if embeddings:
            from .embed import Embedder

            embedder = Embedder(out / "embeddings.npz")
        resolution = resolve(records, vocab, embedder=embedder, threshold=threshold, overrides=overrides)
        if embedder is not None:
            embedder.save()
        graph = build_graph(records, resolution)
        add_hierarchy(graph, vocab)

        write_jsonl(out / "extractions.jsonl", records)
        write_json(out / "merges.json", resolution.report())
        write_json(out / "graph.json", nx.node_link_data(graph, edges="edges"))
        rdf = to_rdf(graph, base=base, extractor_version=EXTRACTOR_VERSION)
        validation = validate(rdf)
        write_rdf(rdf, out)
        create_store(out / "graph.ttl", out / "store")

        report = BuildReport(
            out=out,
            summary=summary(graph),
            problems=[str(p) for p in problems],
            merged_nodes=len(resolution.report()),
            dropped=graph.graph["dropped"],
            reused=sum(1 for paper in papers if content_hash(paper.to_record()) in previous),
            validation={
                "conforms": validation.conforms,
                "violations": sum(v.severity == "Violation" for v in validation.violations),
                "warnings": sum(v.severity != "Violation" for v in validation.violations),
            },
        )
        write_json(out / MANIFEST, {
            "kg_version": __version__,
            "extractor_version": EXTRACTOR_VERSION,
            "vocabulary_hash": vocabulary,
            "base_iri": base,
            "embeddings": embeddings,
            "summary": report.summary,
            "merged_nodes": report.merged_nodes,
            "dropped_statements": report.dropped,
            "problems": report.problems,
            "validation": report.validation,
        })
    return report

def read_manifest(out: str | Path) -> dict | None:
    """The manifest of a complete build, or None if the folder holds no complete build."""
    path = Path(out) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
