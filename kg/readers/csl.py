"""CSL-JSON (Zotero's "CSL JSON" export, Mendeley, citeproc): a JSON array of items. A paper's id
is the item's ``id``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from . import Problem, Records, _json_records, normal


def records(path: Path, lines: Iterator[tuple[int, str]], problem: Problem) -> Records:
    for line, item in _json_records(path, lines, problem):
        date = _issued(item.get("issued"))
        keywords = item.get("keyword")
        record = {
            "id": item.get("id") if isinstance(item.get("id"), (str, int)) else None,
            "title": item.get("title"),
            "abstract": item.get("abstract"),
            "authors": normal.texts([_name(author) for author in item.get("author") or [] if isinstance(author, dict)]),
            "date": date,
            "year": normal.year_of(date),
            "venue": item.get("container-title"),
            "url": item.get("URL"),
            "doi": normal.doi(item.get("DOI")),
            "keywords": normal.texts(re.split(r"[,;]", keywords)) if isinstance(keywords, str) else [],
            "_entry": f"item {item.get('id')}" if isinstance(item.get("id"), (str, int)) else "item",
        }
        normal.identifiers(record)
        yield line, record


def _name(author: dict) -> str:
    """``{"family", "given"}`` as "Given Family", or a ``literal`` (an organisation)."""
    if isinstance(author.get("literal"), str):
        return author["literal"]
    return " ".join(normal.texts([author.get("given"), author.get("non-dropping-particle"), author.get("family")]))


def _issued(issued: object) -> str:
    """``{"date-parts": [[2021, 6, 17]]}`` (or ``{"raw": "2021-06-17"}``) as ISO."""
    if not isinstance(issued, dict):
        return ""
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        return normal.date(*parts[0][:3])
    return normal.iso_date(issued.get("raw") or issued.get("literal"))
