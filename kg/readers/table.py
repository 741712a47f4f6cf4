"""CSV and TSV with a header row: kg's columns (``title``, ``abstract``, metadata), in any case.

The delimiter (comma, semicolon or tab) is sniffed from the first few KB, else told by the
extension (``.tsv``: tab).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from itertools import chain
from pathlib import Path

from kg import readers

from . import InputError, Problem, Records, normal

SNIFF_CHARS = 4096


class _RowTooLong(Exception):
    """A CSV row (a quoted field can span lines) grew past MAX_RECORD_CHARS."""


def records(path: Path, lines: Iterator[tuple[int, str]], problem: Problem, columns: Mapping[str, str]) -> Records:
    """Each row as a dict keyed by the header's names (trimmed, lower case; renamed by ``columns``)."""
    sample: list[tuple[int, str]] = []
    for number, text in lines:
        sample.append((number, text))
        if sum(len(t) for _, t in sample) > SNIFF_CHARS:
            break
    delimiter = _delimiter("\n".join(text for _, text in sample)[:SNIFF_CHARS], path)
    lines = chain(sample, lines)
    at = {"line": 0, "chars": 0}  # the last line handed to the csv module; characters in the row so far

    def physical() -> Iterator[str]:
        for number, text in lines:
            at["line"], at["chars"] = number, at["chars"] + len(text)
            if at["chars"] > readers.MAX_RECORD_CHARS:
                raise _RowTooLong
            yield text + "\n"

    rows = csv.reader(physical(), delimiter=delimiter)
    try:
        header = next(rows)
    except StopIteration:
        return
    except (csv.Error, _RowTooLong) as error:  # the whole file is unreadable: a problem, so a folder's others are read
        problem(InputError(path, 1, f"invalid CSV header: {str(error) or 'too long'}"))
        return
    renamed = {theirs: ours for ours, theirs in columns.items()}
    header = [renamed.get(name.strip().lower(), name.strip().lower()) for name in header]
    missing = {"title", "abstract"} - set(header)
    if missing:
        problem(InputError(path, 1, f"CSV header lacks column(s) {', '.join(sorted(missing))}"))
        return
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
            problem(
                InputError(
                    path, start, f"CSV row longer than {readers.MAX_RECORD_CHARS} characters (an unclosed quote?)"
                )
            )
            # start afresh on the next line: the old reader is inside the quote
            rows = csv.reader(physical(), delimiter=delimiter)
            continue
        if not any(field.strip() for field in row):
            continue
        if len(row) != len(header):
            problem(InputError(path, start, f"row has {len(row)} fields, header has {len(header)}"))
            continue
        record = dict(zip(header, row, strict=False))
        normal.identifiers(record)
        record = {key: value for key, value in record.items() if not key.startswith("_")}  # kg's own notes
        yield start, record


def _delimiter(sample: str, path: Path) -> str:
    """The sniffed delimiter where the header holds it (the sniffer can take one inside a quoted
    abstract), else the header's most frequent one, else the extension's."""
    header = sample.split("\n", 1)[0]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and sniffed in header:
        return sniffed
    counts = {char: header.count(char) for char in ",;\t"}
    if max(counts.values()):
        return max(counts, key=lambda char: counts[char])
    return "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
