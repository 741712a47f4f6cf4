"""RIS (EndNote, Zotero, Mendeley, Scopus, Web of Science exports), parsed record by record with
rispy; a record begins at its ``TY  -`` line. A paper's id is its ``ID`` where it has one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import rispy

from . import InputError, Problem, Records, _chunks, normal

_RECORD = re.compile(r"TY  - ")


def records(path: Path, lines: Iterator[tuple[int, str]], problem: Problem) -> Records:
    for line, text in _chunks(path, lines, problem, _RECORD):
        try:
            entries = rispy.loads(text if re.search(r"^ER  -", text, re.MULTILINE) else text + "\nER  - \n")
        except Exception as error:  # a third-party parser on any text: its failure is this record's problem
            problem(InputError(path, line, f"invalid RIS record: {type(error).__name__}: {error}"[:300]))
            continue
        for entry in entries[:1]:
            yield line, _record(entry)


def _record(entry: dict) -> dict:
    def first(*keys: str) -> str:
        return next((text for key in keys for text in normal.texts(entry.get(key))), "")

    date = normal.iso_date(first("date")) or normal.iso_date(first("year", "publication_year"))
    urls = normal.texts(entry.get("urls") or [])
    title = first("title", "primary_title")
    record = {
        "id": first("id") or None,
        "title": title,
        "abstract": first("abstract", "notes_abstract"),
        "authors": [
            normal.given_family(name) for name in normal.texts(entry.get("authors") or entry.get("first_authors"))
        ],
        "date": date,
        "year": normal.year_of(date),
        "venue": first("secondary_title", "journal_name", "alternate_title3", "alternate_title1", "publisher"),
        "url": urls[0] if urls else None,
        "doi": normal.doi(first("doi")),
        "keywords": normal.texts(entry.get("keywords") or []),
        "_entry": f"record {first('id')}" if first("id") else "record",
    }
    normal.identifiers(record)
    return record
