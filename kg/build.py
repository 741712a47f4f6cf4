"""The build: read → extract → resolve → graph → write, into one output folder.

A build folder holds:

- ``extractions.jsonl``  one guideline record per paper, with evidence (what ``kg extract`` writes);
- ``graph.ttl``          the RDF graph (Turtle, with provenance), also as ``graph.nt`` and ``graph.jsonld``;
- ``graph.json``         the networkx graph as node-link JSON;
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

import functools
import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .extract import EXTRACTOR_VERSION, extract
from .files import folder_lock, resource_dir, write_json, write_jsonl
from .graph import add_hierarchy, build_graph, summary, validation_sample, write_node_link
from .rdf import DEFAULT_BASE, to_rdf, write_rdf
from .readers import DEFAULT_MAX_ABSTRACT_CHARS, InputError, error_at, read_papers
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
    warnings: list[str] = field(default_factory=list)  # what the input limits cut, as 'file:line: ...'
    merged_nodes: int = 0
    dropped: dict = field(default_factory=dict)
    reused: int = 0  # papers whose extraction was taken from the previous build
    seconds: dict = field(default_factory=dict)  # wall time of each stage (not in the manifest: it varies)
    validation: dict = field(default_factory=dict)  # SHACL: conforms, violations, warnings


def default_inputs() -> list[Path]:
    """The example corpus shipped in ``data/``."""
    return [DATA / "hf_papers_fine_tuning_medical.txt"]


def extract_papers(
    papers: Iterable[Paper], vocab=None, progress: Progress | None = None, total: int = 0, previous: dict | None = None,
    *, workers: int = 1, on_failure: Callable[[InputError], None] | None = None,
) -> list[dict]:
    """Run the extractor over papers, in order, reusing ``previous`` records (by content hash) where given."""
    return list(iter_extractions(papers, vocab, progress, total, previous, workers=workers, on_failure=on_failure))


def iter_extractions(
    papers: Iterable[Paper], vocab=None, progress: Progress | None = None, total: int = 0, previous: dict | None = None,
    *, workers: int = 1, on_failure: Callable[[InputError], None] | None = None,
) -> Iterator[dict]:
    """:func:`extract_papers` as a stream, so a big corpus's records need not all be held at once.

    With ``workers`` > 1 the papers are extracted in a process pool; records still come in input
    order, so the build is the same whatever the count. A paper the extractor fails on raises,
    unless ``on_failure`` is given: then it gets an :class:`InputError` and the paper is left out.
    """
    vocab = vocab if vocab is not None else load_vocabulary()
    previous = previous or {}
    papers = list(papers)
    hashes = [content_hash(paper.to_record()) for paper in papers]
    todo = [paper for paper, key in zip(papers, hashes) if key not in previous]
    catch = on_failure is not None
    if workers > 1 and len(todo) > 1:
        # fork where there is one: the workers inherit the loaded vocabulary instead of reloading it
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        pool = context.Pool(workers, initializer=_init_worker, initargs=(vocab, catch))
        fresh = pool.imap(_extract_one, todo, chunksize=max(1, min(64, len(todo) // (workers * 8))))
    else:
        pool = None
        _init_worker(vocab, catch)
        fresh = map(_extract_one, todo)
    try:
        done = (previous[key] if key in previous else next(fresh) for key in hashes)
        for paper, record in zip(papers, progress(done, total) if progress else done):
            if isinstance(record, str):
                on_failure(error_at(paper, record))
            else:
                yield record
    finally:
        if pool is not None:
            pool.terminate()


_worker: dict = {}


def _init_worker(vocab, catch: bool) -> None:
    _worker.update(vocab=vocab, catch=catch)


def _extract_one(paper: Paper) -> dict | str:
    """One paper's record, or (when failures are caught) the extractor's error as a message."""
    try:
        return extract(paper, _worker["vocab"])
    except Exception as error:  # one extractor bug must not lose a million-paper build
        if not _worker["catch"]:
            raise
        return f"extractor failed: {error!r}"


def content_hash(record: dict) -> str:
    """What the extractor reads of a paper (id, title, abstract, metadata), hashed."""
    head = {k: v for k, v in record.items() if k not in ("entities", "relations", "results")}
    return hashlib.sha256(json.dumps(head, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            yield json.loads(line)


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
    max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS,
    max_records: int = 0,
    workers: int = 1,
) -> BuildReport:
    """Build the knowledge graph of ``inputs`` (default: the example corpus) into folder ``out``.

    Raises :class:`kg.readers.InputError` for bad input unless ``skip_bad``; then each skipped
    record is listed in ``BuildReport.problems``. Abstracts longer than ``max_abstract_chars`` are cut
    and reading stops after ``max_records`` papers (0: no limit); each cut is in ``BuildReport.warnings``.
    ``workers`` > 1 extracts in that many processes (same output). With ``skip_bad`` a paper the
    extractor fails on is a problem like a bad record.
    """
    out = Path(out)
    problems: list[InputError] = []
    overrides = Overrides.load(merges_file)
    warnings: list[str] = []
    papers = list(read_papers(inputs or default_inputs(), skip_bad=skip_bad, on_problem=problems.append,
                              max_abstract_chars=max_abstract_chars, max_records=max_records, on_warning=warnings.append))
    vocab, vocabulary = load_vocabulary(), vocabulary_hash()
    with folder_lock(out):
        previous = previous_extractions(out, vocabulary)
        clock = _Clock()
        # Records stream to disk and are read back for each pass: a million of them do not fit in memory.
        staged = out / ".extractions.staged.jsonl"
        write_jsonl(staged, iter_extractions(papers, vocab, progress, len(papers), previous, workers=workers,
                                             on_failure=problems.append if skip_bad else None))
        clock.lap("extract")
        reused = sum(1 for paper in papers if content_hash(paper.to_record()) in previous)
        del papers, previous  # from here on the records on disk stand for them
        (out / MANIFEST).unlink(missing_ok=True)  # the folder reads as incomplete until the end
        os.replace(staged, out / "extractions.jsonl")
        records = functools.partial(_read_jsonl, out / "extractions.jsonl")
        embedder = None
        if embeddings:
            from .embed import Embedder

            embedder = Embedder(out / "embeddings.npz", in_child=True)
        resolution = resolve(records(), vocab, embedder=embedder, threshold=threshold, overrides=overrides)
        if embedder is not None:
            embedder.save()
        clock.lap("resolve")
        graph = build_graph(records(), resolution)
        add_hierarchy(graph, vocab)
        clock.lap("graph")

        write_json(out / "merges.json", resolution.report())
        write_node_link(graph, out / "graph.json")
        clock.lap("json")
        sample = validation_sample(graph)
        validation = validate(to_rdf(sample, base=base, extractor_version=EXTRACTOR_VERSION))
        validation_papers = sum(kind == "Paper" for _, kind in sample.nodes(data="kind"))  # all, or a sample
        del sample
        clock.lap("validate")
        triples = write_rdf(graph, out, base=base, extractor_version=EXTRACTOR_VERSION)
        counts, dropped = summary(graph), graph.graph["dropped"]
        del graph  # the store is loaded from graph.nt: give its loader the memory
        clock.lap("rdf")
        create_store(triples, out / "store")
        clock.lap("store")

        report = BuildReport(
            out=out,
            summary=counts,
            problems=[str(p) for p in problems],
            warnings=warnings,
            merged_nodes=len(resolution.report()),
            dropped=dropped,
            reused=reused,
            seconds=clock.seconds,
            validation={
                "conforms": validation.conforms,
                "violations": sum(v.severity == "Violation" for v in validation.violations),
                "warnings": sum(v.severity != "Violation" for v in validation.violations),
                "papers_checked": validation_papers,
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
            "warnings": report.warnings,
            "validation": report.validation,
        })
    return report


class _Clock:
    """Stage timings: ``lap(name)`` records the seconds since the previous lap."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._last, 2)
        self._last = now


def read_manifest(out: str | Path) -> dict | None:
    """The manifest of a complete build, or None if the folder holds no complete build."""
    path = Path(out) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
