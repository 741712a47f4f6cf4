"""Readers: input files → a stream of :class:`~kg.records.Paper`.

Four inputs are understood, chosen by file extension:

- ``.jsonl`` / ``.ndjson``: one JSON object a line with ``id`` (optional), ``title``, ``abstract``
  and metadata (``year``, ``url``, ``authors``, ``venue``);
- ``.csv``: the same columns, with a header row;
- anything else (``.txt``, ``.md``, ...): a papers *page* — a few header lines, then a title line
  and an abstract paragraph, repeated (the format of ``data/hf_papers_fine_tuning_medical.txt``);
- a folder: every such file inside it, in sorted order (hidden files skipped).

Every problem is an :class:`InputError` naming file and line. With ``skip_bad=True`` the bad
record is skipped and handed to ``on_problem`` instead of raised.

Hostile input costs bounded time and memory: files are read a line at a time, a line, CSV row or
page paragraph longer than :data:`MAX_RECORD_CHARS` is reported and skipped unread, abstracts
longer than ``max_abstract_chars`` are cut (each cut handed to ``on_warning`` as ``file:line:
...``), and ``max_records`` stops reading after that many papers.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.jsonl").write_text('{"id": "x1", "title": "LoRA", "abstract": "We propose LoRA."}\\n')
>>> [p.id for p in read_papers([folder])]
['x1']
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TextIO

from .errors import KgError
from .records import METADATA_FIELDS, Paper, paper_id_from_title

JSONL_SUFFIXES = {".jsonl", ".ndjson"}
CSV_SUFFIXES = {".csv"}
PAGE_SUFFIXES = {".txt", ".md", ".text"}

# A paragraph this long that ends sentences is an abstract; titles are shorter and unpunctuated.
ABSTRACT_MIN_CHARS = 200
# Real abstracts are a few thousand characters; 100k still takes a pasted full text's first pages
# while keeping the extractor's time per paper bounded. Longer ones are cut, with a warning.
DEFAULT_MAX_ABSTRACT_CHARS = 100_000
# A title this long is text that lost its line breaks, not a title.
MAX_TITLE_CHARS = 2_000
# The most characters one record (a JSONL line, a CSV row, a page paragraph) may take before it is
# skipped unread: far above any abstract (even a 10 MB one, cut later), and what bounds memory.
MAX_RECORD_CHARS = 16_000_000
# More bad records than this in one read is the wrong format, not a few bad records.
MAX_PROBLEMS = 1_000
# Listing pages separate days with lines such as "Apr 9" or "Mar 12, 2024".
_DATE_LINE = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:, \d{4})?")
# Lone surrogates are how undecodable bytes survive decoding (errors="surrogateescape") or half a
# JSON "\ud83d" pair; C0 controls that are not whitespace and U+FFFE/U+FFFF break XML and terminals.
_BAD_CHAR = re.compile("[\x00-\x08\x0e-\x1b\ud800-\udfff\ufffe\uffff]")
# Paper ids become IRIs (<base>paper/<id>): nothing that would end or reshape one.
_BAD_ID = re.compile(r'[\s<>"{}|\\^`#?%]')
MAX_ID_CHARS = 200

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


def read_papers(
    inputs: Iterable[str | Path],
    *,
    records: Iterable[str | Path] = (),
    skip_bad: bool = False,
    on_problem: Problem | None = None,
    max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS,
    max_records: int = 0,
    on_warning: Warn | None = None,
) -> Iterator[Paper]:
    """Yield the papers of every input file or folder, in order, then those of ``records``, each id once.

    ``records`` are extraction records given as they are (JSONL files, or folders of them): each is
    checked against ``schemas/record.schema.json`` as well, and its paper carries it
    (``Paper.given``), stamped ``records`` where it names no ``extractor``.

    A duplicate id is a problem like any other: the first record wins. ``max_abstract_chars``
    (0: no limit) cuts longer abstracts; ``max_records`` (0: no limit) stops reading ``inputs``
    after that many papers (records given as they are are neither cut nor counted). Each cut and
    the stop are handed to ``on_warning`` as ``"file:line: ..."``. Raises :class:`InputError` if
    no paper at all could be read, or if more than :data:`MAX_PROBLEMS` records are bad even with
    ``skip_bad``.
    """
    seen: dict[str, str] = {}
    count = 0
    problems = 0
    warn = on_warning or (lambda message: None)

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

    files = [(path, False) for path in _expand(inputs)] + [(path, True) for path in _expand(records, JSONL_SUFFIXES)]
    stopped = False  # max_records reached: the rest of inputs is not read
    for path, given in files:
        if stopped and not given:
            continue
        # closing: a file left at max_records is closed now, not whenever the garbage collector runs
        with closing(
            _read_given(path, problem) if given else _read_file(path, problem, max_abstract_chars, warn)
        ) as papers:
            for paper in papers:
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
                yield paper
    if not seen:
        others = f" nor in the {len(files) - 1} other files" if len(files) > 1 else ""
        raise InputError(files[0][0] if files else "input", 1, f"no papers found{others} (empty input)")


def error_at(paper: Paper, message: str) -> InputError:
    """An :class:`InputError` located where ``paper`` was read (its ``source``, ``file:line``).

    >>> str(error_at(Paper("a", "T", "A", source="papers.csv:7"), "duplicate paper id 'a'"))
    "papers.csv:7: duplicate paper id 'a'"
    """
    path, _, line = paper.source.rpartition(":")
    return InputError(path or paper.source, int(line) if line.isdigit() else 1, message, paper=paper.id)


def _expand(
    inputs: Iterable[str | Path], suffixes: set[str] = JSONL_SUFFIXES | CSV_SUFFIXES | PAGE_SUFFIXES
) -> Iterator[Path]:
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


def _read_file(path: Path, problem: Problem, max_abstract_chars: int, warn: Warn) -> Generator[Paper, None, None]:
    suffix = path.suffix.lower()
    reader = _jsonl_records if suffix in JSONL_SUFFIXES else _csv_records if suffix in CSV_SUFFIXES else _page_records
    with _opened(path) as handle:
        for line, record in reader(path, _lines(path, handle, problem), problem):
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
            yield paper


def _read_given(path: Path, problem: Problem) -> Generator[Paper, None, None]:
    """The papers of a file of extraction records, each carrying its record as given."""
    from .extractors import RECORDS_EXTRACTOR, validate_record

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


def _paper(path: Path, line: int, record: dict) -> Paper:
    """Check one raw record and make it a Paper."""
    try:
        title = _text_field(path, line, record, "title")
        abstract = _text_field(path, line, record, "abstract")
        if not title:
            raise InputError(path, line, "record has no title")
        if not abstract:
            raise InputError(path, line, f"record has no abstract (title: {title[:60]!r})")
        if len(title) > MAX_TITLE_CHARS:
            raise InputError(
                path, line, f"title of {len(title)} characters (at most {MAX_TITLE_CHARS}): {title[:60]!r}"
            )
        paper_id = _paper_id(path, line, record.get("id"), title)
        meta = {
            key: _metadata(path, line, key, record[key]) for key in METADATA_FIELDS if record.get(key) not in (None, "")
        }
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


def _paper_id(path: Path, line: int, given, title: str) -> str:
    if given in (None, ""):
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
    """Metadata as JSON scalars or lists of strings; 'A; B' author strings become lists."""
    if isinstance(value, list):
        items = [
            _checked(path, line, key, v if isinstance(v, str) else json.dumps(v, sort_keys=True)).strip() for v in value
        ]
        return [item for item in items if item]
    if isinstance(value, str):
        value = _checked(path, line, key, value)
        return [part.strip() for part in value.split(";") if part.strip()] if ";" in value else value
    if isinstance(value, (int, float, bool)):
        return value
    return _checked(path, line, key, json.dumps(value, sort_keys=True))


def _jsonl_records(path: Path, lines: Iterable[tuple[int, str]], problem: Problem) -> Iterator[tuple[int, dict]]:
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


class _RowTooLong(Exception):
    """A CSV row (a quoted field can span lines) grew past MAX_RECORD_CHARS."""


def _csv_records(path: Path, lines: Iterator[tuple[int, str]], problem: Problem) -> Iterator[tuple[int, dict]]:
    at = {"line": 0, "chars": 0}  # the last line handed to the csv module; characters in the row so far

    def physical() -> Iterator[str]:
        for number, text in lines:
            at["line"], at["chars"] = number, at["chars"] + len(text)
            if at["chars"] > MAX_RECORD_CHARS:
                raise _RowTooLong
            yield text + "\n"

    rows = csv.reader(physical())
    try:
        header = next(rows)
    except StopIteration:
        return
    except (csv.Error, _RowTooLong) as error:
        raise InputError(path, 1, f"invalid CSV header: {str(error) or 'too long'}") from None
    header = [name.strip() for name in header]
    missing = {"title", "abstract"} - set(header)
    if missing:
        raise InputError(path, 1, f"CSV header lacks column(s) {', '.join(sorted(missing))}")
    while True:
        start, at["chars"] = at["line"] + 1, 0
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            problem(InputError(path, start, f"invalid CSV row: {error}"))
            continue
        except _RowTooLong:
            problem(InputError(path, start, f"CSV row longer than {MAX_RECORD_CHARS} characters (an unclosed quote?)"))
            rows = csv.reader(physical())  # start afresh on the next line: the old reader is inside the quote
            continue
        if not any(field.strip() for field in row):
            continue
        if len(row) != len(header):
            problem(InputError(path, start, f"row has {len(row)} fields, header has {len(header)}"))
            continue
        yield start, dict(zip(header, row, strict=False))


def _page_records(path: Path, lines: Iterable[tuple[int, str]], problem: Problem) -> Iterator[tuple[int, dict]]:
    """Pair each title paragraph with the abstract paragraph after it.

    Short paragraphs before the first title/abstract pair are the page header and are skipped;
    after it, a title with no abstract after it is reported, never invented.
    """
    pending: tuple[int, str] | None = None
    seen_pair = False
    for line, paragraph in _paragraphs(path, lines, problem):
        if _is_abstract(paragraph):
            if pending is None:
                problem(InputError(path, line, "abstract without a title before it"))
            else:
                seen_pair = True
                yield pending[0], {"title": pending[1], "abstract": paragraph}
                pending = None
            continue
        if _DATE_LINE.fullmatch(paragraph):
            continue
        if pending is not None and seen_pair:
            problem(InputError(path, pending[0], f"title without an abstract: {pending[1][:60]!r}"))
        pending = (line, paragraph)
    if pending is not None and seen_pair:
        problem(InputError(path, pending[0], f"title without an abstract: {pending[1][:60]!r}"))


def _paragraphs(path: Path, lines: Iterable[tuple[int, str]], problem: Problem) -> Iterator[tuple[int, str]]:
    """Blocks of non-blank lines, joined, with the line number where each starts.

    A block longer than :data:`MAX_RECORD_CHARS` is reported, and the rest of it skipped.
    """
    start, size = 0, 0
    block: list[str] = []
    for number, line in lines:
        line = line.strip()
        if not line:
            if block:
                yield start, " ".join(block)
            block, size = [], 0
            continue
        if not block and size == 0:
            start = number
        if size >= 0:
            size += len(line) + 1
            if size > MAX_RECORD_CHARS:
                problem(InputError(path, start, f"paragraph longer than {MAX_RECORD_CHARS} characters"))
                block, size = [], -1  # -1: inside a skipped paragraph, until the next blank line
            else:
                block.append(line)
    if block:
        yield start, " ".join(block)


def _is_abstract(paragraph: str) -> bool:
    return len(paragraph) >= ABSTRACT_MIN_CHARS and bool(re.search(r"[.!?](?:\s|$)", paragraph))
