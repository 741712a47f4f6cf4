"""arXiv: the metadata snapshot (Kaggle's ``arxiv-metadata-oai-snapshot.json``, JSON Lines) and
API Atom feeds (``export.arxiv.org/api/query``). A paper's id is its arXiv id."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from . import Problem, Records, _jsonl_records, normal, xmlstream

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"


def snapshot_records(path: Path, lines: Iterator[tuple[int, str]], problem: Problem) -> Records:
    """Snapshot lines: date from the first version's ``created`` (first appearance), else ``update_date``."""
    for line, record in _jsonl_records(path, lines, problem):
        arxiv_id = normal.arxiv(record.get("id"))
        versions = [v for v in record.get("versions") or [] if isinstance(v, dict)]
        date = (normal.email_date(versions[0].get("created")) if versions else "") or normal.iso_date(
            record.get("update_date")
        )
        yield (
            line,
            {
                "id": arxiv_id or None,
                "title": record.get("title"),
                "abstract": record.get("abstract"),
                "authors": _authors(record),
                "date": date,
                "year": normal.year_of(date),
                "venue": record.get("journal-ref") or "arXiv",
                "url": f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None,
                "doi": normal.doi(record.get("doi")),
                "arxiv": arxiv_id,
                "categories": normal.texts((record.get("categories") or "").split())
                if isinstance(record.get("categories"), str)
                else [],
                "_arxiv_version": max(map(_version, versions), default=0),
            },
        )


def _version(version: dict) -> int:
    number = str(version.get("version", "")).removeprefix("v")  # "v2"
    return int(number) if number.isdigit() else 0


def _authors(record: dict) -> list[str]:
    """``authors_parsed`` ([last, first, suffix], ...) as "First Last Suffix"; else the ``authors`` string split."""
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            if isinstance(parts, list) and parts:
                last, first, suffix = [*parts, "", ""][:3]
                names.append(" ".join(normal.texts([first, last, suffix])))
        return [name for name in names if name]
    authors = record.get("authors")
    if not isinstance(authors, str):
        return []
    return normal.texts(authors.replace(" and ", ", ").split(","))


def atom_records(path: Path, lines: Iterator[tuple[int, str]], problem: Problem) -> Records:
    """Each ``<entry>``: ``published`` is the first version's date; the id's version is kept apart."""
    for line, entry in xmlstream.elements(path, lines, problem, f"{ATOM}entry"):
        link = entry.findtext(f"{ATOM}id", "")
        arxiv_id = normal.arxiv(link)
        date = normal.iso_date(entry.findtext(f"{ATOM}published", ""))
        primary = entry.find(f"{ARXIV}primary_category")
        terms = [primary.get("term")] if primary is not None else []
        terms += [category.get("term") for category in entry.findall(f"{ATOM}category")]
        alternate = [a.get("href") for a in entry.findall(f"{ATOM}link") if a.get("rel", "alternate") == "alternate"]
        yield (
            line,
            {
                "id": arxiv_id or None,
                "title": xmlstream.text(entry.find(f"{ATOM}title")),
                "abstract": xmlstream.text(entry.find(f"{ATOM}summary")),
                "authors": [xmlstream.text(author.find(f"{ATOM}name")) for author in entry.findall(f"{ATOM}author")],
                "date": date,
                "year": normal.year_of(date),
                "venue": xmlstream.text(entry.find(f"{ARXIV}journal_ref")) or "arXiv",
                "url": next(iter(alternate), None) or link,
                "doi": normal.doi(xmlstream.text(entry.find(f"{ARXIV}doi"))),
                "arxiv": arxiv_id,
                "categories": normal.unique(normal.texts(terms)),
                "_arxiv_version": normal.arxiv_version(link),
            },
        )
