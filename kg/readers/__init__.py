"""Readers: input files → a stream of :class:`~kg.records.Paper`.

The format is told by the file's first bytes, and by its extension only where they are ambiguous
(:mod:`kg.readers.formats` holds the table). Understood:

- kg's own ``.jsonl`` / ``.ndjson`` (one JSON object a line with ``id`` (optional), ``title``,
  ``abstract`` and metadata) and CSV / TSV with such columns (header matched case-insensitively,
  delimiter sniffed); ``column_map`` names other columns;
- a papers *page* (``.txt``, ``.md``): a few header lines, then a title line and an abstract
  paragraph, repeated (the format of ``data/hf_papers_fine_tuning_medical.txt``);
- the arXiv metadata snapshot (JSON Lines) and arXiv API Atom feeds;
- OpenAlex works, Semantic Scholar (Academic Graph ``papers`` joined with ``abstracts`` by corpusid,
  and Graph API responses) and PubMed/MEDLINE XML;
- BibTeX, RIS and CSL-JSON, what Zotero, Mendeley and EndNote export;
- a folder: every file inside it, in sorted order. Hidden files are skipped silently; a file of no
  format kg reads, and a kg build folder inside it, are skipped with a warning naming it.

Every source's identifiers and metadata land in ``Paper.meta`` in the normal forms of
:data:`kg.records.METADATA_FIELDS`. Records of the same paper (a shared DOI, arXiv id, PMID,
OpenAlex or Semantic Scholar id) are merged into the first, with a warning.

Every problem is an :class:`InputError` naming file and line. With ``skip_bad=True`` the bad
record is skipped and handed to ``on_problem`` instead of raised.

Hostile input costs bounded time and memory: files are read a line at a time, a line, CSV row,
page paragraph or BibTeX/RIS entry longer than :data:`MAX_RECORD_CHARS` is reported and skipped
unread, abstracts longer than ``max_abstract_chars`` are cut (each cut handed to ``on_warning`` as
``file:line: ...``), ``max_records`` stops reading after that many papers, and XML entity
declarations are refused.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.jsonl").write_text('{"id": "x1", "title": "LoRA", "abstract": "We propose LoRA."}\\n')
>>> [p.id for p in read_papers([folder])]
['x1']
"""

from __future__ import annotations

import csv
import functools
import json
import re
from bisect import bisect_right
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from itertools import chain
from pathlib import Path
from typing import TextIO

from ..errors import KgError
from ..records import IDENTIFIERS, METADATA_FIELDS, Paper, paper_id_from_title

JSONL_SUFFIXES = {".jsonl", ".ndjson"}
CSV_SUFFIXES = {".csv", ".tsv", ".tab"}
PAGE_SUFFIXES = {".txt", ".md", ".text"}

# A paragraph this long that ends sentences is an abstract; titles are shorter and unpunctuated.
ABSTRACT_MIN_CHARS = 200
# Real abstracts are a few thousand characters; 100k still takes a pasted full text's first pages
# while keeping the extractor's time per paper bounded. Longer ones are cut, with a warning.
DEFAULT_MAX_ABSTRACT_CHARS = 100_000
# A title this long is text that lost its line breaks, not a title.
MAX_TITLE_CHARS = 2_000
# The most characters one record (a JSONL line, a CSV row, a page paragraph, a BibTeX entry, a JSON
# array document) may take before it is skipped unread: far above any abstract (even a 10 MB one,
# cut later), and what bounds memory.
MAX_RECORD_CHARS = 16_000_000
# More bad records than this in one read is the wrong format, not a few bad records.
MAX_PROBLEMS = 1_000
# Lone surrogates are how undecodable bytes survive decoding (errors="surrogateescape") or half a
# JSON "\ud83d" pair; C0 controls that are not whitespace and U+FFFE/U+FFFF break XML and terminals.
_BAD_CHAR = re.compile("[\x00-\x08\x0e-\x1b\ud800-\udfff\ufffe\uffff]")
# Paper ids become IRIs (<base>paper/<id>): nothing that would end or reshape one.
_BAD_ID = re.compile(r'[\s<>"{}|\\^`#?%]')
MAX_ID_CHARS = 200
# The fields a record can carry, and so what column_map can name.
FIELDS = ("id", "title", "abstract", *METADATA_FIELDS)
# Metadata that is a list: a plain record's "A; B" string is split into one.
_LIST_FIELDS = {"authors", "categories", "keywords"}

csv.field_size_limit(MAX_RECORD_CHARS)  # the default (131072) would refuse long abstracts


class InputError(KgError):
    """A problem with the input, located at ``path:line``.

    >>> str(InputError("papers.csv", 7, "row has 2 fields, header has 3"))
    'papers.csv:7: row has 2 fields, header has 3'
    """

    def __init__(self, path: str | Path, line: int, message: str, paper: str = ""):
        self.path, self.line, self.message = str(path), line, message
        self.paper = paper  # the id of the paper it is about, where one was read
        super().__init__(f"{self.path}:{line}: {message}")


Problem = Callable[[InputError], None]
Warn = Callable[[str], None]
# A reader: the numbered lines of one file → its raw records, each with the line it starts on.
Records = Iterator[tuple[int, dict]]


def read_papers(
    inputs: Iterable[str | Path],
    *,
    records: Iterable[str | Path] = (),
    skip_bad: bool = False,
    on_problem: Problem | None = None,
    max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS,
    max_records: int = 0,
    on_warning: Warn | None = None,
    column_map: Mapping[str, str] | None = None,
) -> Iterator[Paper]:
    """Yield the papers of every input file or folder, in order, then those of ``records``, each paper once.

    ``records`` are extraction records given as they are (JSONL files, or folders of them): each is
    checked against ``schemas/record.schema.json`` as well, and its paper carries it
    (``Paper.given``), stamped ``records`` where it names no ``extractor``.

    ``column_map`` maps kg's fields to the columns (CSV) or keys (JSON Lines) a source names them
    by, matched case-insensitively: ``{"title": "Summary Title", "abstract": "Summary"}``.

    Records sharing an identifier (doi, arxiv, pmid, openalex, s2), or an id and title, are one
    paper: the first keeps its id and text (a newer arXiv version's text replaces it) and takes the
    metadata it lacks from the others; each merge is handed to ``on_warning``. The inputs are read
    twice for that, keeping only identifiers and the duplicates' metadata in memory. A duplicate id
    with another title is a problem like any other: the first record wins.

    ``max_abstract_chars`` (0: no limit) cuts longer abstracts; ``max_records`` (0: no limit) stops
    reading ``inputs`` after that many papers (records given as they are are neither cut nor
    counted). Each cut and the stop are handed to ``on_warning`` as ``"file:line: ..."``. Raises
    :class:`InputError` if no paper at all could be read, or if more than :data:`MAX_PROBLEMS`
    records are bad even with ``skip_bad``; :class:`~kg.errors.KgError` for a ``column_map``
    naming fields kg does not have.
    """
    columns = _columns(column_map or {})
    warn = on_warning or (lambda message: None)
    problems = 0

    def problem(error: InputError) -> None:
        nonlocal problems
        if not skip_bad:
            raise error
        problems += 1
        if problems > MAX_PROBLEMS:
            raise InputError(
                error.path,
                error.line,
                f"more than {MAX_PROBLEMS} bad records: is this the right format? ({error.message})",
            )
        if on_problem is not None:
            on_problem(error)

    def quiet(error: InputError) -> None:  # the first pass: the second reports every problem
        pass

    skipped: list[Path] = []
    given_inputs = [Path(item) for item in inputs]
    files = [(path, fmt, False) for path, fmt in _input_files(given_inputs, warn, skipped)]
    files += [(path, "jsonl", True) for path in _expand(records, JSONL_SUFFIXES)]
    abstracts = _joined_abstracts(files, quiet, columns)

    def papers(path: Path, fmt: str, given: bool, report: Problem, tell: Warn) -> Generator[tuple[Paper, int]]:
        if given:
            return ((paper, 0) for paper in _read_given(path, report))
        return _read_file(path, fmt, report, max_abstract_chars, tell, columns, abstracts)

    merges = _Merges()
    for path, fmt, given in files:
        if given or merges.full(max_records):
            continue
        with closing(papers(path, fmt, given, quiet, lambda message: None)) as first_pass:
            for paper, version in first_pass:
                if merges.full(max_records) and not merges.known(paper):
                    break
                merges.add(paper, version)

    seen: dict[str, str] = {}
    count = 0
    stopped = False  # max_records reached: the rest of inputs is not read
    for path, fmt, given in files:
        if stopped and not given:
            continue
        # closing: a file left at max_records is closed now, not whenever the garbage collector runs
        with closing(papers(path, fmt, given, problem, warn)) as second_pass:
            for paper, _ in second_pass:
                if not given and paper.source in merges.later:
                    first, shared = merges.later[paper.source]
                    warn(f"{paper.source}: same paper as {first} ({shared}): merged")
                    continue
                if paper.id in seen:
                    problem(error_at(paper, f"duplicate paper id {paper.id!r} (first at {seen[paper.id]})"))
                    continue
                if not given and max_records and count == max_records:
                    warn(
                        f"{paper.source}: stopped after {max_records} records (max_records); "
                        "this one and any after it are not read"
                    )
                    stopped = True
                    break
                seen[paper.id] = paper.source
                count += not given
                yield paper if given else merges.merged(paper)
    if not seen:
        raise _nothing_read(given_inputs, files, skipped)


def error_at(paper: Paper, message: str) -> InputError:
    """An :class:`InputError` located where ``paper`` was read (its ``source``, ``file:line``).

    >>> str(error_at(Paper("a", "T", "A", source="papers.csv:7"), "duplicate paper id 'a'"))
    "papers.csv:7: duplicate paper id 'a'"
    """
    path, _, line = paper.source.rpartition(":")
    return InputError(path or paper.source, int(line) if line.isdigit() else 1, message, paper=paper.id)


def _columns(column_map: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(column_map) - set(FIELDS))
    if unknown:
        raise KgError(f"column_map names field(s) kg does not have: {', '.join(unknown)} (it has: {', '.join(FIELDS)})")
    return {ours: theirs.strip().lower() for ours, theirs in column_map.items()}


def _nothing_read(inputs: list[Path], files: list[tuple[Path, str, bool]], skipped: list[Path]) -> InputError:
    where = inputs[0] if inputs else files[0][0] if files else "input"
    if skipped:
        names = ", ".join(path.name for path in skipped[:3]) + (", ..." if len(skipped) > 3 else "")
        return InputError(where, 1, f"no papers found: {len(skipped)} file(s) skipped, not a format kg reads ({names})")
    where = files[0][0] if files else where
    others = f" nor in the {len(files) - 1} other files" if len(files) > 1 else ""
    return InputError(where, 1, f"no papers found{others} (empty input)")


class _Merges:
    """What the first pass learns: which records are a paper seen before, and what they add to it."""

    def __init__(self) -> None:
        self.firsts: dict[tuple[str, str], str] = {}  # ("doi", "10.…") or ("id", id) → the first paper's source
        self.title_keys: dict[str, str] = {}  # id → its first title's key, to tell a re-read from a clash
        self.later: dict[str, tuple[str, str]] = {}  # a duplicate's source → (the first's source, what they share)
        self.fills: dict[str, dict] = {}  # the first's source → metadata from its duplicates
        self.texts: dict[str, tuple[str, str]] = {}  # the first's source → a newer arXiv version's title, abstract
        self.versions: dict[str, int] = {}  # the first's source → the newest arXiv version seen
        self.papers = 0

    def full(self, max_records: int) -> bool:
        return bool(max_records) and self.papers >= max_records

    def known(self, paper: Paper) -> bool:
        return any(key in self.firsts for key in _keys(paper))

    def add(self, paper: Paper, version: int) -> None:
        keys = _keys(paper)
        first, shared = next(((self.firsts[key], f"{key[0]} {key[1]}") for key in keys if key in self.firsts), ("", ""))
        title_key = paper_id_from_title(paper.title)
        if not first and ("id", paper.id) in self.firsts:
            if self.title_keys[paper.id] != title_key:
                return  # the same id for another paper: the second pass reports it
            first, shared = self.firsts[("id", paper.id)], f"id {paper.id}"
        if not first:
            self.papers += 1
            self.title_keys[paper.id] = title_key
            self.firsts.update(dict.fromkeys([("id", paper.id), *keys], paper.source))
            if version:
                self.versions[paper.source] = version
            return
        self.later[paper.source] = (first, shared)
        fill = self.fills.setdefault(first, {})
        for name, value in paper.meta.items():
            fill.setdefault(name, value)
        for key in keys:
            self.firsts.setdefault(key, first)
        if shared.startswith("arxiv ") and version > self.versions.get(first, 0):
            self.versions[first] = version
            self.texts[first] = (paper.title, paper.abstract)

    def merged(self, paper: Paper) -> Paper:
        if paper.source not in self.fills:
            return paper
        meta = {**self.fills[paper.source], **paper.meta}
        title, abstract = self.texts.get(paper.source, (paper.title, paper.abstract))
        meta = {name: meta[name] for name in METADATA_FIELDS if name in meta}
        return Paper(paper.id, title, abstract, meta, paper.source)


def _keys(paper: Paper) -> list[tuple[str, str]]:
    return [(name, str(paper.meta[name])) for name in IDENTIFIERS if paper.meta.get(name)]


def _input_files(inputs: list[Path], warn: Warn, skipped: list[Path]) -> Iterator[tuple[Path, str]]:
    """Each input file with its format; a folder's files, where a file kg cannot read is named and skipped."""
    from .formats import detect

    for path in inputs:
        if not path.is_dir():
            yield path, detect(path, given=True)[0] or "unreadable"
            continue
        if _is_build(path):
            warn(f"{path}: skipped: a kg build folder (its manifest.json is kg's output, not input)")
            continue
        builds: list[Path] = []
        for child in sorted(path.rglob("*")):
            relative = child.relative_to(path)
            if any(part.startswith(".") for part in relative.parts) or any(b in child.parents for b in builds):
                continue
            if child.is_dir():
                if _is_build(child):
                    builds.append(child)
                    warn(f"{child}: skipped: a kg build folder (its manifest.json is kg's output, not input)")
                continue
            if not child.is_file():
                continue
            fmt, why = detect(child, given=False)
            if fmt:
                yield child, fmt
            else:
                skipped.append(child)
                warn(f"{child}: skipped: not a format kg reads ({why})")


def _is_build(folder: Path) -> bool:
    """A kg build folder (kg/build.py): what a second build must not read back as input."""
    return (folder / "extractions.jsonl").is_file() and any(
        (folder / name).is_file() for name in ("manifest.json", "extractions.hashes")
    )


def _expand(inputs: Iterable[str | Path], suffixes: set[str]) -> Iterator[Path]:
    """The files of ``inputs``: a file as given, a folder's files with one of ``suffixes`` (hidden ones skipped)."""
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            children = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            yield from (p for p in children if p.suffix.lower() in suffixes)
        else:
            yield path


def _raw_records(path: Path, fmt: str, problem: Problem, columns: Mapping[str, str]) -> Generator[tuple[int, dict]]:
    """The raw records of one file in format ``fmt`` (a name in :data:`kg.readers.formats.READERS`)."""
    from .formats import COLUMN_FORMATS, READERS, detect

    if fmt not in READERS:
        with _opened(path):  # a missing or special file says so first
            pass
        raise InputError(path, 1, f"not a format kg reads ({detect(path, given=True)[1]})")
    read = functools.partial(READERS[fmt], columns=columns) if fmt in COLUMN_FORMATS else READERS[fmt]
    with _opened(path) as handle:
        yield from read(path, _lines(path, handle, problem), problem)


def _joined_abstracts(files: list[tuple[Path, str, bool]], problem: Problem, columns: Mapping[str, str]) -> dict:
    """The abstracts of Semantic Scholar ``abstracts`` files for the ``papers`` records that lack one, by corpusid."""
    abstract_files = [path for path, fmt, _ in files if fmt == "s2-abstracts"]
    if not abstract_files:
        return {}
    wanted = {
        record["corpusid"]
        for path, fmt, _ in files
        if fmt == "s2"
        for _, record in _raw_records(path, fmt, problem, columns)
        if not record.get("abstract") and record.get("corpusid")
    }
    return {
        record["corpusid"]: record["abstract"]
        for path in abstract_files
        for _, record in _raw_records(path, "s2-abstracts", problem, columns)
        if record.get("corpusid") in wanted
    }


def _read_file(
    path: Path,
    fmt: str,
    problem: Problem,
    max_abstract_chars: int,
    warn: Warn,
    columns: Mapping[str, str],
    abstracts: dict,
) -> Generator[tuple[Paper, int]]:
    """The papers of one input file, each with its arXiv version (0 if none)."""
    if fmt == "s2-abstracts":  # read with the papers they belong to (_joined_abstracts)
        return
    for line, record in _raw_records(path, fmt, problem, columns):
        if not record.get("abstract") and record.get("corpusid") in abstracts:
            record["abstract"] = abstracts[record["corpusid"]]
        try:
            paper = _paper(path, line, record)
        except InputError as error:
            problem(error)
            continue
        if max_abstract_chars and len(paper.abstract) > max_abstract_chars:
            warn(
                f"{paper.source}: abstract of {len(paper.abstract)} characters cut to {max_abstract_chars} "
                "(max_abstract_chars)"
            )
            paper = Paper(paper.id, paper.title, _cut(paper.abstract, max_abstract_chars), paper.meta, paper.source)
        version = record.get("_arxiv_version")
        yield paper, version if isinstance(version, int) else 0


def _read_given(path: Path, problem: Problem) -> Generator[Paper]:
    """The papers of a file of extraction records, each carrying its record as given."""
    from ..extractors import RECORDS_EXTRACTOR, validate_record

    with _opened(path) as handle:
        for line, record in _jsonl_records(path, _lines(path, handle, problem), problem):
            errors = validate_record(record)
            if errors:
                more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
                problem(InputError(path, line, f"paper {record.get('id', '?')}: not a valid record: {errors[0]}{more}"))
                continue
            try:
                paper = _paper(path, line, record)
            except InputError as error:
                problem(error)
                continue
            given = {**record, **paper.to_record()}  # the head as read (whitespace joined, authors split)
            given.setdefault("extractor", RECORDS_EXTRACTOR)
            yield Paper(paper.id, paper.title, paper.abstract, paper.meta, paper.source, given=given)


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a space if there is one, so no word is halved."""
    head = text[: limit + 1]
    return head.rsplit(" ", 1)[0] if " " in head else head[:limit]


@contextmanager
def _opened(path: Path) -> Iterator[TextIO]:
    """``path`` open as text for the block: undecodable bytes survive as lone surrogates, which
    :func:`_paper` reports.

    The reader that opens a file holds it in its own ``with``, so the file is closed as soon as
    reading ends or an error leaves the reader; a generator left holding it would be closed by the
    garbage collector at any depth of the stack, even inside a deeply nested ``json.loads``.
    """
    if path.exists() and not path.is_file():  # a FIFO would block, /dev/zero never end
        raise InputError(path, 1, "cannot read: not a regular file")
    try:
        handle = open(path, encoding="utf-8-sig", errors="surrogateescape", newline=None)  # noqa: SIM115 - closed by the with below, after open's errors are told apart
    except OSError as error:
        raise InputError(path, 1, f"cannot read: {error.strerror or error}") from None
    with handle:
        yield handle


def _lines(path: Path, handle: TextIO, problem: Problem) -> Iterator[tuple[int, str]]:
    """The lines of an open text file, numbered from 1, without line breaks (any of \\n, \\r\\n, \\r)
    or BOM. A line longer than :data:`MAX_RECORD_CHARS` is reported and skipped in pieces, never held whole.
    """
    number = 0
    while True:
        number += 1
        try:
            line = handle.readline(MAX_RECORD_CHARS + 1)
            if len(line) > MAX_RECORD_CHARS:
                while line and not line.endswith("\n"):
                    line = handle.readline(MAX_RECORD_CHARS)
                problem(InputError(path, number, f"line longer than {MAX_RECORD_CHARS} characters"))
                continue
        except OSError as error:
            raise InputError(path, number, f"cannot read: {error.strerror or error}") from None
        if not line:
            return
        yield number, line.removesuffix("\n")


def _chunks(
    path: Path, lines: Iterable[tuple[int, str]], problem: Problem, start: re.Pattern
) -> Iterator[tuple[int, str]]:
    """The entries of a file whose entries begin at a line matching ``start`` (BibTeX's ``@article{``,
    RIS's ``TY  -``), each with the line it begins on. Text before the first is skipped; an entry
    longer than :data:`MAX_RECORD_CHARS` is reported, and the rest of it skipped.
    """
    first, size = 0, 0
    block: list[str] = []
    for number, line in lines:
        if start.match(line):
            if block:
                yield first, "\n".join(block)
            first, size, block = number, 0, []
        if not first or size < 0:
            continue
        size += len(line) + 1
        if size > MAX_RECORD_CHARS:
            problem(InputError(path, first, f"entry longer than {MAX_RECORD_CHARS} characters"))
            block, size = [], -1  # -1: inside a skipped entry, until the next one begins
            continue
        block.append(line)
    if block:
        yield first, "\n".join(block)


def _json_records(path: Path, lines: Iterator[tuple[int, str]], problem: Problem) -> Records:
    """JSON objects, one a line, or the items of one JSON array document (also the array under an
    object's ``"data"`` or ``"results"``, as APIs answer), each with the line where it starts.

    A document is held whole, up to :data:`MAX_RECORD_CHARS`.
    """
    for number, line in lines:
        if not line.strip():
            continue
        head = line.strip()
        if head.startswith("[") or head == "{":
            yield from _json_document(path, chain([(number, line)], lines), problem)
        else:
            for at, record in _jsonl_records(path, chain([(number, line)], lines), problem):
                items = record.get("data", record.get("results")) if "title" not in record else None
                if isinstance(items, list):
                    yield from ((at, item) for item in items if isinstance(item, dict))
                else:
                    yield at, record
        return


def _json_document(path: Path, lines: Iterable[tuple[int, str]], problem: Problem) -> Records:
    numbers: list[int] = []
    starts: list[int] = []
    parts: list[str] = []
    size = 0
    for number, line in lines:
        numbers.append(number)
        starts.append(size)
        parts.append(line)
        size += len(line) + 1
        if size > MAX_RECORD_CHARS:
            problem(InputError(path, numbers[0], f"JSON document longer than {MAX_RECORD_CHARS} characters"))
            return
    text = "\n".join(parts)
    array = re.match(r"\s*\[", text) or re.search(r'"(?:data|results)"\s*:\s*\[', text)
    if array is None:
        problem(InputError(path, numbers[0], 'expected a JSON array, or an object with one under "data"'))
        return
    decoder = json.JSONDecoder()
    at = array.end()
    while True:
        while at < len(text) and text[at] in " \t\r\n,":
            at += 1
        where = numbers[bisect_right(starts, at) - 1]
        if at >= len(text) or text[at] == "]":
            return
        try:
            item, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as error:
            problem(InputError(path, where, f"invalid JSON: {error.msg}"))
            return
        except (RecursionError, ValueError):
            problem(InputError(path, where, "invalid JSON: nested too deeply, or a number too long"))
            return
        if isinstance(item, dict):
            yield where, item
        else:
            problem(InputError(path, where, f"expected a JSON object, got {type(item).__name__}"))


def _paper(path: Path, line: int, record: dict) -> Paper:
    """Check one raw record and make it a Paper."""
    try:
        title = _text_field(path, line, record, "title")
        abstract = _text_field(path, line, record, "abstract")
        entry = " ".join(str(record.get("_entry", "record")).split())[:100]  # the source's word: "entry hu2021lora"
        if not title:
            raise InputError(path, line, f"{entry} has no title")
        if not abstract:
            hint = record.get("_no_abstract", "")
            raise InputError(path, line, f"{entry} has no abstract (title: {title[:60]!r}){hint}")
        if len(title) > MAX_TITLE_CHARS:
            raise InputError(
                path, line, f"title of {len(title)} characters (at most {MAX_TITLE_CHARS}): {title[:60]!r}"
            )
        meta = {
            key: _metadata(path, line, key, record[key])
            for key in METADATA_FIELDS
            if record.get(key) not in (None, "", [])
        }
        paper_id = _paper_id(path, line, record.get("id"), title, meta)
    except RecursionError:
        raise InputError(path, line, "a field is nested too deeply") from None
    return Paper(id=paper_id, title=title, abstract=abstract, meta=meta, source=f"{path}:{line}")


def _checked(path: Path, line: int, key: str, text: str) -> str:
    bad = _BAD_CHAR.search(text)
    if bad is None:
        return text
    char = bad.group()
    if "\udc80" <= char <= "\udcff":
        raise InputError(path, line, f"invalid UTF-8 in field {key!r}")
    what = "unpaired surrogate" if "\ud800" <= char <= "\udfff" else "control character"
    raise InputError(path, line, f"{what} U+{ord(char):04X} in field {key!r}")


def _text_field(path: Path, line: int, record: dict, key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(path, line, f"field {key!r} must be text, not {type(value).__name__}")
    return " ".join(_checked(path, line, key, value).split())


# Without an id, a paper is keyed by its identifiers, in this order, before its title: its IRI then
# stays the same when its title is corrected (the arXiv and PubMed readers give the same ids).
_ID_FROM = (("arxiv", "{}"), ("doi", "doi:{}"), ("pmid", "pmid:{}"))


def _paper_id(path: Path, line: int, given, title: str, meta: dict) -> str:
    if given in (None, ""):
        for key, form in _ID_FROM:
            value = form.format(meta.get(key, ""))
            if meta.get(key) and len(value) <= MAX_ID_CHARS and not _BAD_ID.search(value):
                return value
        return paper_id_from_title(title)
    if isinstance(given, bool) or not isinstance(given, (str, int)):
        raise InputError(path, line, "field 'id' must be a string or a number")
    paper_id = _checked(path, line, "id", str(given).strip())
    if not paper_id or len(paper_id) > MAX_ID_CHARS or _BAD_ID.search(paper_id):
        raise InputError(
            path,
            line,
            f"field 'id' must be 1 to {MAX_ID_CHARS} characters without spaces or any of "
            f'<>"{{}}|\\^`#?% (it becomes part of an IRI): {paper_id[:60]!r}',
        )
    return paper_id


def _metadata(path: Path, line: int, key: str, value):
    """Metadata as JSON scalars or lists of strings; author, category and keyword strings ('A; B') become lists."""
    if isinstance(value, list):
        items = [
            _checked(path, line, key, v if isinstance(v, str) else json.dumps(v, sort_keys=True)).strip() for v in value
        ]
        return [item for item in items if item]
    if isinstance(value, str):
        value = _checked(path, line, key, value)
        if key in _LIST_FIELDS:
            return [part.strip() for part in value.split(";") if part.strip()]
        return value
    if isinstance(value, (int, float, bool)):
        return value
    return _checked(path, line, key, json.dumps(value, sort_keys=True))


def _jsonl_records(path: Path, lines: Iterable[tuple[int, str]], problem: Problem) -> Records:
    for number, line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            problem(InputError(path, number, f"invalid JSON: {error.msg} (column {error.colno})"))
            continue
        except RecursionError:
            problem(InputError(path, number, "invalid JSON: nested too deeply"))
            continue
        except ValueError as error:  # a number too long to convert
            problem(InputError(path, number, f"invalid JSON: {error}"))
            continue
        if not isinstance(record, dict):
            problem(InputError(path, number, f"expected a JSON object, got {type(record).__name__}"))
            continue
        yield number, record
