"""The build: read → extract → resolve → write, into one output folder.

Papers are extracted in a process pool; the records go to disk and every later stage streams them
from there (:mod:`kg.write` writes the graph in one pass), so memory stays flat as the corpus grows.
The folder remembers each paper's content hash: a rebuild extracts only new or changed papers, and
a rebuild with the same inputs and settings does nothing at all ("up to date").

A build folder holds:

- ``extractions.jsonl``  one guideline record per paper, with evidence (what ``kg extract`` writes);
- ``extractions.hashes`` each record's content hash, line by line, for the next build;
- ``store/``             the RDF graph (with provenance) in the Oxigraph store that ``kg query`` and
  ``kg sparql`` read;
- ``graph.json``         the networkx graph as node-link JSON;
- ``graph.nt``, ``graph.ttl``, ``graph.jsonld``  the RDF graph as N-Triples (sorted: the same input
  gives the same bytes), Turtle and JSON-LD, only where ``formats`` asks for them;
- ``merges.json``        the merge report: the names merged into each node and why;
- ``manifest.json``      written last: counts, versions, problems. A folder without it is incomplete;
- ``extract-errors.log`` only where the extractor failed on a paper: each failure with its traceback.

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
import multiprocessing
import multiprocessing.forkserver
import os
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from . import __version__
from .corrections import CORRECTIONS, Corrections
from .errors import KgError
from .extractors import DEFAULT_EXTRACTOR, Extractor, load_extractor, validate_record
from .files import atomic_write, die_with, folder_lock, resource_dir, write_json
from .graph import iter_graph
from .ids import IdRegistry, assign
from .integrity import CheckSet, default_checks, default_ontology, load_checks, run_checks
from .rdf import DEFAULT_BASE, DERIVED_FORMATS, ntriples, parse_ntriples, write_derived, write_ntriples
from .readers import DEFAULT_MAX_ABSTRACT_CHARS, InputError, error_at, read_papers
from .records import Paper
from .resolve import DEFAULT_THRESHOLD, Overrides, resolve
from .validate import Violation, default_shapes, shape_violations
from .vocab import Vocabulary, load_vocabulary, vocabulary_hash
from .write import write_graph

DATA = resource_dir("data")
MANIFEST = "manifest.json"
HASHES = "extractions.hashes"  # one content hash a line, beside extractions.jsonl's records
IDS = "ids.json"  # the entity id registry (kg.ids), carried from build to build
FAILURES_LOG = "extract-errors.log"  # the tracebacks of the papers an extractor failed on
OUTPUTS = ("extractions.jsonl", HASHES, "merges.json", "graph.json", "store")
# The serialisations written on request only, by name ("ttl": "graph.ttl"): what the tools read is
# above. At 100k papers graph.nt was 2.5 GB of a 6.2 GB folder, and Turtle and JSON-LD a tenth of the
# build's time; the tools that read a whole graph dump it from the store instead (kg.rdf.graph_ntriples).
FORMATS = {Path(name).suffix[1:]: name for name in DERIVED_FORMATS}

Progress = Callable[[Iterable, int], Iterable]


@dataclass
class BuildReport:
    out: Path
    summary: dict
    problems: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # ids of the papers the extractor failed on (skipped)
    unmatched: list[str] = field(default_factory=list)  # corrections that matched nothing, as 'file:line: ...'
    warnings: list[str] = field(default_factory=list)  # input limits cut, merges/splits naming no mention
    merged_nodes: int = 0
    dropped: dict = field(default_factory=dict)
    reused: int = 0  # papers whose extraction was taken from the previous build
    given: int = 0  # papers whose record was given as it is (--records)
    seconds: dict = field(default_factory=dict)  # wall time of each stage (not in the manifest: it varies)
    validation: dict = field(default_factory=dict)  # shapes and checks: conforms, violations, warnings
    up_to_date: bool = False  # nothing to do: the same inputs and settings made the build in place


def default_inputs() -> list[Path]:
    """The example corpus shipped in ``data/``."""
    return [DATA / "hf_papers_fine_tuning_medical.txt"]


def extract_papers(
    papers: Iterable[Paper],
    extractor: Extractor | None = None,
    progress: Progress | None = None,
    total: int = 0,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    shard_size: int | None = None,
    on_failure: Callable[[InputError], None] | None = None,
    failures_log: Path | None = None,
) -> list[dict]:
    """Run ``extractor`` (default: the rules) over papers, in order: one guideline record each (see
    :func:`extraction_lines`)."""
    return [
        json.loads(line)
        for _, line in extraction_lines(
            papers,
            extractor,
            progress,
            total,
            workers=workers,
            scheduler=scheduler,
            shard_size=shard_size,
            on_failure=on_failure,
            failures_log=failures_log,
        )
    ]


def extraction_lines(
    papers: Iterable[Paper],
    extractor: Extractor | None = None,
    progress: Progress | None = None,
    total: int = 0,
    previous: Previous | None = None,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    shard_size: int | None = None,
    on_failure: Callable[[InputError], None] | None = None,
    failures_log: Path | None = None,
    counts: Counter | None = None,
) -> Iterator[tuple[str, str]]:
    """Each paper's content hash and extraction record (a JSON line), in input order; a stream, so a
    big corpus's records need not all be held at once. ``papers`` is read once, a few shards ahead of
    the output, so it may be a stream too big to hold as well.

    Every record is stamped with the extractor's name and version and checked against the record
    schema. A paper that carries its record (``Paper.given``, from ``kg build --records``) is taken
    as it is. Papers whose hash is in ``previous`` take its line unparsed instead of being extracted.
    With ``workers`` > 1 the papers are extracted in a process pool, which also writes the JSON; the
    output is the same whatever the count. With ``scheduler`` (a Dask scheduler's address, or
    ``local:N``) they are extracted on that cluster instead, in shards of ``shard_size`` papers
    (:mod:`kg.cluster`), with the same output; ``workers`` must then be 1. The pool or the cluster
    is started at the first paper to extract: a rebuild with nothing new needs neither.

    A paper the extractor fails on (it raises, or returns an invalid record) is an
    :class:`InputError` naming its file, line and id: raised, which ends the stream, or, given
    ``on_failure``, handed to it while the stream goes on without the paper. Its traceback goes
    to ``failures_log`` (appended; never to the terminal). ``counts["reused"]`` (where given) counts
    the papers taken from ``previous``, ``counts["given"]`` those that carry their record.
    """
    extractor = extractor if extractor is not None else load_extractor(DEFAULT_EXTRACTOR)
    previous = previous if previous is not None else Previous()
    if scheduler is not None and workers > 1:
        raise KgError(f"the cluster at {scheduler} extracts: it takes no pool of {workers} processes beside it")
    keyed = ((paper, paper_hash(paper)) for paper in papers)
    tally = counts if counts is not None else Counter()
    tally["given"] = tally["reused"] = 0
    # Papers read and not yet given out, in order: (the paper, where it is to be extracted; its hash;
    # its given record's line). The extractor reads ahead of the output to keep busy, so the others
    # wait here as their hash only.
    ahead: deque[tuple[Paper | None, str, str | None]] = deque()
    queued: deque[Paper] = deque()  # the papers to extract, read but not yet taken by the extractor

    def read_one() -> bool:
        paper, key = next(keyed, (None, ""))
        if paper is None:
            return False
        if paper.given is not None:
            tally["given"] += 1
            ahead.append((None, key, json.dumps(paper.given, ensure_ascii=False)))
        elif key in previous:
            tally["reused"] += 1
            ahead.append((None, key, None))
        else:
            ahead.append((paper, key, None))
            queued.append(paper)
        return True

    def to_extract() -> Iterator[Paper]:
        while queued or read_one():
            if queued:
                yield queued.popleft()

    fresh: Generator[str | tuple[str, str]]
    if scheduler is not None:
        from .cluster import SHARD_SIZE, extract_on_cluster

        fresh = extract_on_cluster(to_extract(), extractor, scheduler, shard_size or SHARD_SIZE)
    elif workers > 1:
        fresh = _extract_in_pool(to_extract(), extractor, workers)
    else:
        _init_worker(extractor)
        fresh = (_extract_one(paper) for paper in to_extract())

    def outcomes() -> Iterator[tuple[Paper | None, str, str | tuple[str, str]]]:
        while ahead or read_one():
            paper, key, line = ahead.popleft()
            yield paper, key, line if line is not None else previous[key] if paper is None else next(fresh)

    try:
        for paper, key, outcome in progress(outcomes(), total) if progress else outcomes():
            if isinstance(outcome, str):
                yield key, outcome
                continue
            assert paper is not None  # only an extracted paper fails
            message, trace = outcome
            if failures_log is not None:
                with failures_log.open("a", encoding="utf-8") as log:
                    log.write(f"{paper.source} paper {paper.id}: {message}\n{trace}\n")
            error = error_at(paper, f"paper {paper.id}: {message}")
            if on_failure is None:
                raise error
            on_failure(error)
    finally:
        fresh.close()  # ends the pool, or leaves the cluster (a local:N one is shut down), where started


# Papers a pool task: their pickling is cheap beside their extraction. (Fewer than two shards'
# worth keep one worker busy: a tenth of a second of work.)
POOL_SHARD = 64


def _extract_in_pool(papers: Iterable[Paper], extractor: Extractor, workers: int) -> Generator[str | tuple[str, str]]:
    """What :func:`_extract_one` gives for each paper, in order, from a pool of ``workers`` processes.
    The pool starts at the first ``next()`` and ends when the generator does; ``papers`` is read as
    the pool takes them, two shards a worker ahead."""
    # fork where there is one: the workers inherit the loaded extractor instead of making it again
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    pool = context.Pool(workers, initializer=_init_worker, initargs=(extractor, os.getpid()))
    try:
        stream = iter(papers)
        pending: deque = deque()
        for shard in iter(lambda: list(islice(stream, POOL_SHARD)), []):
            pending.append(pool.apply_async(_extract_all, (shard,)))
            if len(pending) >= 2 * workers:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
    finally:
        pool.terminate()


def _extract_all(papers: list[Paper]) -> list[str | tuple[str, str]]:
    return [_extract_one(paper) for paper in papers]


_worker: dict = {}


def _init_worker(extractor: Extractor, parent: int | None = None) -> None:
    if parent is not None:
        die_with(parent)
    _worker["extractor"] = extractor


def _extract_one(paper: Paper, extractor: Extractor | None = None) -> str | tuple[str, str]:
    """One paper's record as a JSON line, or why the extractor failed on it: (one line, its traceback).
    The extractor is the pool worker's (:func:`_init_worker`) unless given (a Dask worker's: kg.cluster)."""
    extractor = extractor if extractor is not None else _worker["extractor"]
    try:
        record = extractor.extract(paper)
        if not isinstance(record, dict):
            return f"extractor {extractor.name} returned {type(record).__name__}, not a record", ""
        line = json.dumps(_stamped(record, extractor.name, extractor.version), ensure_ascii=False)
    except Exception as error:
        return f"extractor error: {type(error).__name__}: {error}", traceback.format_exc()
    problems = validate_record(record)
    if not problems and record["id"] != paper.id:
        problems = [f"id: the record is of paper {record['id']!r}"]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return f"extractor {extractor.name} returned an invalid record: {problems[0]}{more}", json.dumps(record)[
            :10_000
        ]
    return line


def _stamped(record: dict, name: str, version: str) -> dict:
    """The record with what made it, right after the paper's head (so records read alike)."""
    head = {
        k: v
        for k, v in record.items()
        if k not in ("entities", "relations", "results", "extractor", "extractor_version")
    }
    return {
        **head,
        "extractor": name,
        "extractor_version": version,
        **{k: record[k] for k in ("entities", "relations", "results") if k in record},
    }


def paper_hash(paper: Paper) -> str:
    """What a paper's record is made from: what the extractor reads of it (:func:`content_hash`), or
    the whole record given as it is."""
    if paper.given is None:
        return content_hash(paper.to_record())
    return hashlib.sha256(json.dumps({"given": paper.given}, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def content_hash(record: dict) -> str:
    """What the extractor reads of a paper (id, title, abstract, metadata), hashed."""
    head = {k: v for k, v in record.items() if k not in ("entities", "relations", "results")}
    return hashlib.sha256(json.dumps(head, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            yield json.loads(line)


class Previous:
    """The extraction records of the last complete build in a folder, by content hash: the hashes come
    from ``extractions.hashes`` and each record is read from ``extractions.jsonl`` only when asked
    for, so a big build's records are never all in memory. Empty when there is none."""

    def __init__(self, out: Path | None = None):
        self.offsets: dict[str, int] = {}
        if out is None or not (out / HASHES).exists():
            return
        self._file = out / "extractions.jsonl"
        offset = 0
        with self._file.open("rb") as stream:
            lengths = [len(line) for line in stream]
        keys = (out / HASHES).read_text(encoding="utf-8").split()
        if len(keys) != len(lengths):  # not a pair written together: trust neither
            return
        for key, length in zip(keys, lengths, strict=False):
            self.offsets[key] = offset
            offset += length

    def __contains__(self, key: str) -> bool:
        return key in self.offsets

    def __getitem__(self, key: str) -> str:
        with self._file.open("rb") as stream:
            stream.seek(self.offsets[key])
            return stream.readline().decode("utf-8").rstrip("\n")


def previous_extractions(out: Path, manifest: dict | None, vocabulary: str, extractor: Extractor) -> Previous:
    """The records of the last complete build in ``out`` (whose manifest is ``manifest``) if the same
    extractor (name and version) and vocabulary made them (anything else means everything is
    extracted again)."""
    made_by = (
        (manifest or {}).get("extractor"),
        (manifest or {}).get("extractor_version"),
        (manifest or {}).get("vocabulary_hash"),
    )
    if made_by != (extractor.name, extractor.version, vocabulary):
        return Previous()
    return Previous(out)


def input_fingerprint(hashes: Iterable[str], vocabulary: str, **settings) -> str:
    """What a build is made from: its papers' hashes in order (:func:`paper_hash`), the vocabulary's
    hash (:func:`kg.vocab.vocabulary_hash`), and the settings that change the output (the extractor's
    name and version among them). Equal fingerprints give equal builds."""
    digest = hashlib.sha256(
        json.dumps({"kg": __version__, "vocabulary": vocabulary, **settings}, sort_keys=True, default=str).encode()
    )
    for key in hashes:
        digest.update(key.encode())
    return digest.hexdigest()


def found_corrections(inputs: Iterable[str | Path]) -> list[Path]:
    """The corrections files that input folders hold (``corrections.yaml`` at their top)."""
    return [Path(item) / CORRECTIONS for item in inputs if (Path(item) / CORRECTIONS).is_file()]


def build(
    inputs: Iterable[str | Path] | None = None,
    out: str | Path = "build",
    *,
    records: Iterable[str | Path] = (),
    extractor: str | Extractor = DEFAULT_EXTRACTOR,
    model: str | Path | None = None,
    corrections: Iterable[str | Path] = (),
    skip_bad: bool = False,
    embeddings: bool = True,
    threshold: float = DEFAULT_THRESHOLD,
    merges_file: str | Path | None = None,
    base: str = DEFAULT_BASE,
    progress: Progress | None = None,
    max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS,
    max_records: int = 0,
    workers: int = 1,
    scheduler: str | None = None,
    shard_size: int | None = None,
    vocab_dirs: Iterable[str | Path] = (),
    column_map: dict[str, str] | None = None,
    ids_file: str | Path | None = None,
    formats: Iterable[str] = (),
) -> BuildReport:
    """Build the knowledge graph of ``inputs`` (default, when no ``records`` are given either: the
    example corpus) into folder ``out``.

    The papers of ``inputs`` go through ``extractor`` (a name of :func:`kg.extractors.load_extractor`,
    or an extractor); the records of ``records`` (JSONL files or folders in the guideline's format)
    are taken as they are. The fixes of the ``corrections`` files, and of a ``corrections.yaml`` at
    the top of an input folder, are applied to every record (:mod:`kg.corrections`); a fix that
    matches nothing is in ``BuildReport.unmatched``.

    Raises :class:`kg.readers.InputError` for bad input, or a paper the extractor fails on, unless
    ``skip_bad``; then each skipped record or paper is listed in ``BuildReport.problems`` (failed
    papers also in ``BuildReport.failed``), and an extractor's traceback goes to
    ``extract-errors.log`` in ``out``. Abstracts longer than ``max_abstract_chars`` are cut and
    reading stops after ``max_records`` papers (0: no limit); each cut is in ``BuildReport.warnings``.
    ``workers`` > 1 extracts in that many processes (same output); ``scheduler`` (a Dask scheduler's
    address, or ``local:N``) extracts on that cluster instead, in shards of ``shard_size`` papers
    (:mod:`kg.cluster`; same output). ``vocab_dirs`` are a user's
    vocabulary folders, layered over the shipped vocabulary (:func:`kg.vocab.load_vocabulary`): a
    change in them changes the vocabulary's hash, so every paper is extracted again.
    ``column_map`` (our field -> the input's column or key) tells how the inputs name their fields
    (:func:`kg.readers.read_papers`). Entity ids stay those of earlier builds (:mod:`kg.ids`): the
    registry is ``ids.json`` in ``out``, or ``ids_file`` (read, then written back) where given.
    ``formats`` (of :data:`FORMATS`) adds those serialisations of the graph: a build that is up to date
    writes the ones it lacks, and a build that changes the graph removes those it was not asked for,
    which would be stale.
    """
    out = Path(out)
    derived = [FORMATS[name] for name in choose_formats(formats)]
    problems: list[InputError] = []
    overrides = Overrides.load(merges_file)
    warnings: list[str] = []
    records = list(records)
    inputs = list(inputs or ([] if records else default_inputs()))
    fixes = Corrections.load([*corrections, *found_corrections(inputs)])
    vocab_dirs = list(vocab_dirs)
    vocab, vocabulary = load_vocabulary(layers=vocab_dirs), vocabulary_hash(layers=vocab_dirs)

    def read(on_problem: Callable[[InputError], None], on_warning: Callable[[str], None]) -> Iterator[Paper]:
        return read_papers(
            inputs,
            records=records,
            skip_bad=skip_bad,
            on_problem=on_problem,
            max_abstract_chars=max_abstract_chars,
            max_records=max_records,
            on_warning=on_warning,
            column_map=column_map,
        )

    # The papers are read twice rather than held: here for the fingerprint, then as they are extracted.
    hashes: list[str] = []
    ids: list[str] = []
    for paper in read(problems.append, warnings.append):
        hashes.append(paper_hash(paper))
        ids.append(paper.id)
    if isinstance(extractor, str):
        extractor = load_extractor(extractor, vocab=vocab, model=model)
    registry_file = Path(ids_file) if ids_file else out / IDS
    registry = IdRegistry.load(registry_file)

    papers_digest = hashlib.sha256("".join(hashes).encode()).hexdigest()

    def fingerprint_of(registry: IdRegistry) -> str:
        return input_fingerprint(
            [papers_digest],
            vocabulary,
            ids=hashlib.sha256(json.dumps([registry.ids, registry.replaced], sort_keys=True).encode()).hexdigest(),
            **settings,
        )

    checks = load_checks()  # before the work: a malformed checks file fails at once
    settings = {
        "extractor": extractor.name,
        "extractor_version": extractor.version,
        "embeddings": embeddings,
        "threshold": threshold,
        "base": base,
        "skip_bad": skip_bad,
        "merges": _file_hash(merges_file) if merges_file else None,
        "shapes": _file_hash(default_shapes()),
        "checks": [_file_hash(default_checks()), _file_hash(default_ontology())],  # the ontology: the checks' lists
        "corrections": fixes.digest or None,
    }
    fingerprint = fingerprint_of(registry)
    with folder_lock(out):
        manifest = read_manifest(out)
        if (
            manifest
            and manifest.get("input_fingerprint") == fingerprint
            and all((out / name).exists() for name in OUTPUTS)
        ):
            write_formats(out, [name for name in derived if not (out / name).exists()], base)
            return _up_to_date(out, manifest)
        previous = previous_extractions(out, manifest, vocabulary, extractor)
        check_context = _checking_context()
        clock = _Clock()
        (out / FAILURES_LOG).unlink(missing_ok=True)  # a log of this build's failures only
        failed: list[InputError] = []

        def on_failure(error: InputError) -> None:
            failed.append(error)
            problems.append(error)

        def changed() -> KgError:  # the second reading of the inputs is not the first
            return KgError(f"{', '.join(map(str, inputs + records))}: changed while being built; build again")

        # Records stream to disk and are read back for each pass: a million of them do not fit in memory.
        staged, staged_hashes = out / ".extractions.staged.jsonl", out / ".extractions.staged.hashes"
        stats: Counter = Counter()
        with atomic_write(staged) as lines, atomic_write(staged_hashes) as keys:
            staged_lines = 0
            for key, line in extraction_lines(
                read(lambda problem: None, lambda warning: None),  # each was told in the first reading
                extractor,
                progress,
                len(hashes),
                previous,
                workers=workers,
                scheduler=scheduler,
                shard_size=shard_size,
                on_failure=on_failure if skip_bad else None,
                counts=stats,
                failures_log=out / FAILURES_LOG,
            ):
                at = staged_lines + len(failed)  # the papers before it, the failed ones (skipped) among them
                if at >= len(hashes) or key != hashes[at]:
                    raise changed()
                lines.write(line + "\n")
                keys.write(key + "\n")
                staged_lines += 1
            if staged_lines + len(failed) != len(hashes):
                raise changed()
        clock.lap("extract")
        failed_ids = {error.paper for error in failed}
        ids = [paper_id for paper_id in ids if paper_id not in failed_ids]
        del previous, hashes  # from here on the records on disk stand for them
        (out / MANIFEST).unlink(missing_ok=True)  # the folder reads as incomplete until the end
        for name in FORMATS.values():
            (out / name).unlink(missing_ok=True)  # of the graph before: written again below where asked for
        os.replace(staged, out / "extractions.jsonl")
        os.replace(staged_hashes, out / HASHES)

        def corrected() -> Iterator[dict]:
            for record in _read_jsonl(out / "extractions.jsonl"):
                fixed = fixes.apply(record)
                if fixed is not record and (errors := validate_record(fixed)):
                    raise KgError(f"paper {record['id']}: the corrections leave an invalid record: {errors[0]}")
                yield fixed

        embedder = None
        if embeddings:
            from .embed import Embedder

            embedder = Embedder(out / "embeddings.npz", in_child=True)
        resolution = assign(
            resolve(corrected(), vocab, embedder=embedder, threshold=threshold, overrides=overrides), registry
        )
        registry.save(registry_file)
        if registry_file != out / IDS:
            registry.save(out / IDS)
        fingerprint = fingerprint_of(registry)  # what the next build reads: equal input is then up to date
        if embedder is not None:
            embedder.save()
        clock.lap("resolve")
        write_json(out / "merges.json", resolution.report())
        dropped: Counter = Counter()
        written = write_graph(
            iter_graph(corrected(), resolution, vocab, dropped),
            out,
            papers=ids,
            base=base,
            dropped=dropped,
            replaced=registry.retired(),
            fingerprint=fingerprint,
            ntriples=bool(derived),  # what Turtle and JSON-LD are written from
        )
        unmatched = fixes.unmatched(ids)
        warnings += [f"{merges_file}: {w}" for w in resolution.warnings]
        clock.lap("write")
        # SHACL (on a sample), each format asked for, and each check of the whole graph in the store,
        # in processes of their own: they are bound to Python's lock. The checks share at least two,
        # so a core that is done with SHACL takes them up (one process ran them all: 147 of 505 s
        # of a 100k build, the other core idle after SHACL's 12 s).
        sample = "".join(ntriples(written.sample, base=base))
        processes = max(2, workers) + len(derived)
        checking_pool = ProcessPoolExecutor(
            processes, mp_context=check_context, initializer=die_with, initargs=(os.getpid(),)
        )
        with checking_pool as pool:
            shapes = pool.submit(check_shapes, sample, base, [check.name for check in checks.checks])
            writing = [pool.submit(write_derived, out, name, base) for name in derived if name != "graph.nt"]
            each = [replace(checks, checks=[check]) for check in checks.checks]
            checking = [pool.submit(check_store, out, one, vocab, base) for one in each]
            found = [violation for done in checking for violation in done.result()]
            clock.lap("checks")
            for done in writing:
                done.result()
            if "graph.nt" not in derived:
                (out / "graph.nt").unlink(missing_ok=True)
            clock.lap("formats")
            found += shapes.result()
        validation_papers = sum(
            data.get("kind") == "Paper" for _, data in written.sample.nodes(data=True)
        )  # all, or a sample
        clock.lap("validate")

        report = BuildReport(
            out=out,
            summary=written.summary,
            problems=[str(p) for p in problems],
            warnings=warnings,
            unmatched=unmatched,
            failed=sorted(failed_ids),
            merged_nodes=len(resolution.report()),
            dropped=dict(sorted(dropped.items())),
            reused=stats["reused"],
            given=stats["given"],
            seconds=clock.seconds,
            validation={
                "conforms": not any(v.severity == "Violation" for v in found),
                "violations": sum(v.severity == "Violation" for v in found),
                "warnings": sum(v.severity != "Violation" for v in found),
                "papers_checked": validation_papers,  # by the shapes; the checks read every paper
                "checks": len(checks.checks),
            },
        )
        write_json(
            out / MANIFEST,
            {
                "input_fingerprint": fingerprint,
                "kg_version": __version__,
                "extractor": extractor.name,
                "extractor_version": extractor.version,
                "vocabulary_hash": vocabulary,
                "base_iri": base,
                "embeddings": embeddings,
                "summary": report.summary,
                "given_records": report.given,
                "merged_nodes": report.merged_nodes,
                "dropped_statements": report.dropped,
                "problems": report.problems,
                "failed_papers": report.failed,
                "corrections": len(fixes.fixes),
                "unmatched_corrections": report.unmatched,
                "warnings": report.warnings,
                "validation": report.validation,
            },
        )
    return report


def _file_hash(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def choose_formats(names: Iterable[str]) -> list[str]:
    """The formats asked for, in :data:`FORMATS`'s order; ``all`` is every one.

    >>> choose_formats(["jsonld", "ttl"]), choose_formats(["all"])
    (['ttl', 'jsonld'], ['nt', 'ttl', 'jsonld'])
    """
    asked = set(names)
    unknown = asked - set(FORMATS) - {"all"}
    if unknown:
        raise KgError(f"unknown format {sorted(unknown)[0]!r} (choose from {', '.join(FORMATS)}, or all)")
    return [name for name in FORMATS if name in asked or "all" in asked]


def write_formats(out: Path, names: Iterable[str], base: str = DEFAULT_BASE) -> None:
    """Write the serialisations ``names`` (of :data:`FORMATS`'s files) of a built graph from its store:
    graph.nt first, dumped from the store where it is missing (and removed again unless asked for),
    then the others from it."""
    names = list(names)
    dumped = bool(names) and not (out / "graph.nt").exists()
    if dumped:
        write_ntriples(out)
    for name in names:
        if name != "graph.nt":
            write_derived(out, name, base)
    if dumped and "graph.nt" not in names:
        (out / "graph.nt").unlink()


def _up_to_date(out: Path, manifest: dict) -> BuildReport:
    """The report of a build that has nothing to do: the same inputs and settings made what is there."""
    return BuildReport(
        out=out,
        summary=manifest["summary"],
        problems=manifest["problems"],
        warnings=manifest["warnings"],
        failed=manifest["failed_papers"],
        unmatched=manifest["unmatched_corrections"],
        given=manifest["given_records"],
        merged_nodes=manifest["merged_nodes"],
        dropped=manifest["dropped_statements"],
        reused=manifest["summary"]["papers"] - manifest["given_records"],
        validation=manifest["validation"],
        up_to_date=True,
    )


def _checking_context() -> multiprocessing.context.BaseContext | None:
    """Where the processes of the checks come from: a fork server where there is one, not the build.
    By then the build runs the store's threads, and a child forked while one of them held a lock
    waited on it for ever: builds hung now and then in their checks. The server starts now, so that
    its import of kg overlaps the extraction."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["kg.build"])
    multiprocessing.forkserver.ensure_running()
    return context


def check_store(out: Path, checks: CheckSet, vocab: Vocabulary, base: str) -> list[Violation]:
    """The violations ``checks`` find in the store of build folder ``out``, opened read-only (what
    the build's child processes run, one check each)."""
    return run_checks(ox.Store.read_only(str(out / "store")), checks, vocab=vocab, base=base)


def check_shapes(ntriples_text: str, base: str = DEFAULT_BASE, replaced: Iterable[str] = ()) -> list[Violation]:
    """SHACL validation of N-Triples text (what the build's child process runs on its sample), less
    the shapes of the checks ``replaced`` (which the build runs on the whole graph)."""
    return shape_violations(parse_ntriples(ntriples_text, base=base), replaced=replaced)


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
