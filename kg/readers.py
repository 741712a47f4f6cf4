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

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.jsonl").write_text('{"id": "x1", "title": "LoRA", "abstract": "We propose LoRA."}\\n')
>>> [p.id for p in read_papers([folder])]
['x1']
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .records import METADATA_FIELDS, Paper, paper_id_from_title

JSONL_SUFFIXES = {".jsonl", ".ndjson"}
CSV_SUFFIXES = {".csv"}
PAGE_SUFFIXES = {".txt", ".md", ".text"}

# A paragraph this long that ends sentences is an abstract; titles are shorter and unpunctuated.
ABSTRACT_MIN_CHARS = 200
# Listing pages separate days with lines such as "Apr 9" or "Mar 12, 2024".
_DATE_LINE = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:, \d{4})?")
# Lone surrogates are how undecodable bytes survive decoding (errors="surrogateescape").
_UNDECODABLE = re.compile("[\udc80-\udcff]")


class InputError(ValueError):
    """A problem with the input, located at ``path:line``.

    >>> str(InputError("papers.csv", 7, "row has 2 fields, header has 3"))
    'papers.csv:7: row has 2 fields, header has 3'
    """

    def __init__(self, path: str | Path, line: int, message: str):
        self.path, self.line, self.message = str(path), line, message
        super().__init__(f"{self.path}:{line}: {message}")


Problem = Callable[[InputError], None]


def read_papers(
    inputs: Iterable[str | Path],
    *,
    skip_bad: bool = False,
    on_problem: Problem | None = None,
) -> Iterator[Paper]:
    """Yield the papers of every input file or folder, in order, each id once.

    A duplicate id is a problem like any other: the first record wins.
    Raises :class:`InputError` if no paper at all could be read.
    """
    seen: dict[str, str] = {}
    count = 0

    def problem(error: InputError) -> None:
        if not skip_bad:
            raise error
        if on_problem is not None:
            on_problem(error)

    files = list(_expand(inputs))
    for path in files:
        for paper in _read_file(path, problem):
            if paper.id in seen:
                problem(InputError(path, _line_of(paper), f"duplicate paper id {paper.id!r} (first at {seen[paper.id]})"))
                continue
            seen[paper.id] = paper.source
            count += 1
            yield paper
    if count == 0:
        where = files[0] if len(files) == 1 else ", ".join(map(str, files)) or "input"
        raise InputError(where, 1, "no papers found (empty input)")


def _line_of(paper: Paper) -> int:
    return int(paper.source.rsplit(":", 1)[1])


def _expand(inputs: Iterable[str | Path]) -> Iterator[Path]:
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            children = sorted(p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts))
            yield from (p for p in children if p.suffix.lower() in JSONL_SUFFIXES | CSV_SUFFIXES | PAGE_SUFFIXES)
        else:
            yield path


def _read_file(path: Path, problem: Callable[[InputError], None]) -> Iterator[Paper]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(path, 1, f"cannot read: {error.strerror or error}") from None
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        records = _jsonl_records(path, text, problem)
    elif suffix in CSV_SUFFIXES:
        records = _csv_records(path, text, problem)
    else:
        records = _page_records(path, text, problem)
    for line, record in records:
        try:
            yield _paper(path, line, record)
        except InputError as error:
            problem(error)


def _paper(path: Path, line: int, record: dict) -> Paper:
    """Check one raw record and make it a Paper."""
    for key, value in record.items():
        if isinstance(value, str) and _UNDECODABLE.search(value):
            raise InputError(path, line, f"invalid UTF-8 in field {key!r}")
    title = _text_field(path, line, record, "title")
    abstract = _text_field(path, line, record, "abstract")
    if not title:
        raise InputError(path, line, "record has no title")
    if not abstract:
        raise InputError(path, line, f"record has no abstract (title: {title[:60]!r})")
    given = record.get("id")
    if given is not None and not isinstance(given, (str, int)):
        raise InputError(path, line, "field 'id' must be a string or a number")
    paper_id = str(given).strip() if given not in (None, "") else paper_id_from_title(title)
    meta = {key: _metadata(record[key]) for key in METADATA_FIELDS if record.get(key) not in (None, "")}
    return Paper(id=paper_id, title=title, abstract=abstract, meta=meta, source=f"{path}:{line}")


def _text_field(path: Path, line: int, record: dict, key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(path, line, f"field {key!r} must be text, not {type(value).__name__}")
    return " ".join(value.split())


def _metadata(value):
    """Metadata as JSON scalars or lists of strings; 'A; B' author strings become lists."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str) and ";" in value:
        return [part.strip() for part in value.split(";") if part.strip()]
    if isinstance(value, (str, int, float, bool)):
        return value
    return json.dumps(value, sort_keys=True)


def _jsonl_records(path: Path, text: str, problem: Problem) -> Iterator[tuple[int, dict]]:
    for number, line in enumerate(text.splitlines(), start=1):
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
        if not isinstance(record, dict):
            problem(InputError(path, number, f"expected a JSON object, got {type(record).__name__}"))
            continue
        yield number, record


def _csv_records(path: Path, text: str, problem: Problem) -> Iterator[tuple[int, dict]]:
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows)
    except StopIteration:
        return
    except csv.Error as error:
        raise InputError(path, 1, f"invalid CSV header: {error}") from None
    header = [name.strip() for name in header]
    missing = {"title", "abstract"} - set(header)
    if missing:
        raise InputError(path, 1, f"CSV header lacks column(s) {', '.join(sorted(missing))}")
    start = rows.line_num + 1
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            problem(InputError(path, start, f"invalid CSV row: {error}"))
            start = rows.line_num + 1
            continue
        line, start = start, rows.line_num + 1
        if not any(field.strip() for field in row):
            continue
        if len(row) != len(header):
            problem(InputError(path, line, f"row has {len(row)} fields, header has {len(header)}"))
            continue
        yield line, dict(zip(header, row))


def _page_records(path: Path, text: str, problem: Problem) -> Iterator[tuple[int, dict]]:
    """Pair each title paragraph with the abstract paragraph after it.

    Short paragraphs before the first title/abstract pair are the page header and are skipped;
    after it, a title with no abstract after it is reported, never invented.
    """
    pending: tuple[int, str] | None = None
    seen_pair = False
    for line, paragraph in _paragraphs(text):
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


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """Blocks of non-blank lines, joined, with the line number where each starts."""
    start, lines = 0, []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not lines:
                start = number
            lines.append(line.strip())
        elif lines:
            yield start, " ".join(lines)
            lines = []
    if lines:
        yield start, " ".join(lines)


def _is_abstract(paragraph: str) -> bool:
    return len(paragraph) >= ABSTRACT_MIN_CHARS and bool(re.search(r"[.!?](?:\s|$)", paragraph))
