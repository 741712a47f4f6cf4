"""Semantic Scholar: Graph API papers (``paperId``, ``abstract``, ...; one a line, a list, or a
``{"data": [...]}`` response) and Academic Graph dataset records: ``papers`` (``corpusid``, no
abstract) joined by corpusid with the ``abstracts`` dataset's records, when both files are given.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from . import Problem, Records, _json_records, _jsonl_records, normal

NO_ABSTRACT = (
    "; Semantic Scholar's 'papers' dataset has its abstracts in the 'abstracts' dataset, joined by"
    " corpusid: {corpusid} is in no abstracts file given"
)


def records(path: Path, lines: Iterator[tuple[int, str]], problem: Problem) -> Records:
    for line, paper in _json_records(path, lines, problem):
        external = _lower_keys(paper.get("externalIds") or paper.get("externalids"))
        corpusid = _corpusid(paper.get("corpusid") or external.get("corpusid"))
        s2 = normal.s2(paper.get("paperId")) or normal.s2(paper.get("url"))
        date = normal.iso_date(paper.get("publicationDate") or paper.get("publicationdate")) or normal.iso_date(
            str(paper.get("year") or "")
        )
        journal = paper["journal"] if isinstance(paper.get("journal"), dict) else {}
        record = {
            "id": s2 or (f"s2-corpus-{corpusid}" if corpusid else None),
            "title": paper.get("title"),
            "abstract": paper.get("abstract"),
            "authors": normal.texts([a.get("name") for a in paper.get("authors") or [] if isinstance(a, dict)]),
            "date": date,
            "year": normal.year_of(date),
            "venue": paper.get("venue") or journal.get("name"),
            "url": paper.get("url"),
            "doi": normal.doi(external.get("doi")),
            "arxiv": normal.arxiv(external.get("arxiv")),
            "pmid": normal.pmid(external.get("pubmed")),
            "s2": s2,
            "corpusid": corpusid,
            "categories": normal.texts(paper.get("fieldsOfStudy") or []),
            "_entry": f"paper {s2 or corpusid}" if s2 or corpusid else "paper",
        }
        if not paper.get("abstract") and corpusid:
            record["_no_abstract"] = NO_ABSTRACT.format(corpusid=corpusid)
        yield line, record


def abstract_records(path: Path, lines: Iterator[tuple[int, str]], problem: Problem) -> Records:
    """The ``abstracts`` dataset: ``corpusid`` and ``abstract`` a line."""
    for line, record in _jsonl_records(path, lines, problem):
        corpusid = _corpusid(record.get("corpusid"))
        if isinstance(record.get("abstract"), str) and corpusid:
            yield line, {"corpusid": corpusid, "abstract": record["abstract"]}


def _corpusid(value: object) -> str:
    """A corpus id as digits (the datasets write numbers, externalIds strings): what the join matches."""
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    return text if text.isdigit() else ""


def _lower_keys(value: object) -> dict:
    """The API writes ``externalIds: {"DOI", "ArXiv", "PubMed"}``, the datasets ``externalids``: either, any case."""
    return {str(key).lower(): item for key, item in value.items()} if isinstance(value, dict) else {}
