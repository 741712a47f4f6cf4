"""OpenAlex works (``api.openalex.org/works``, or the snapshot's ``works`` files): one a line, or an
API response's ``results``. The abstract is rebuilt from ``abstract_inverted_index``.

>>> abstract({"We": [0], "propose": [1], "LoRA.": [2]})
'We propose LoRA.'
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from . import Problem, Records, _json_records, normal


def records(path: Path, lines: Iterator[tuple[int, str]], problem: Problem) -> Records:
    for line, work in _json_records(path, lines, problem):
        ids = _dict(work.get("ids"))
        location = _dict(work.get("primary_location"))
        doi = normal.doi(work.get("doi") or ids.get("doi"))
        landing = location.get("landing_page_url")
        arxiv = normal.arxiv(landing) if isinstance(landing, str) and "arxiv.org" in landing else ""
        if doi.startswith("10.48550/arxiv."):  # arXiv's own DOI
            arxiv = arxiv or normal.arxiv(doi)
        date = normal.iso_date(work.get("publication_date")) or normal.iso_date(str(work.get("publication_year", "")))
        terms = [
            _dict(term).get("display_name") for key in ("keywords", "concepts", "topics") for term in _list(work, key)
        ]
        yield (
            line,
            {
                "id": normal.openalex(work.get("id")) or None,
                "title": work.get("title") or work.get("display_name"),
                "abstract": work.get("abstract") or abstract(work.get("abstract_inverted_index")),
                "authors": normal.texts(
                    [_dict(_dict(a).get("author")).get("display_name") for a in _list(work, "authorships")]
                ),
                "date": date,
                "year": normal.year_of(date),
                "venue": _dict(location.get("source")).get("display_name"),
                "url": landing or (f"https://doi.org/{doi}" if doi else None),
                "doi": doi,
                "arxiv": arxiv,
                "pmid": normal.pmid(ids.get("pmid")),
                "openalex": normal.openalex(work.get("id")),
                "keywords": normal.unique(normal.texts(terms)),
            },
        )


def abstract(index: object) -> str:
    """The text of an inverted index ``{word: [positions]}``, words put back at their positions."""
    if not isinstance(index, dict):
        return ""
    at: dict[int, str] = {}
    for word, positions in index.items():
        for position in positions if isinstance(positions, list) else []:
            if isinstance(position, int) and isinstance(word, str):
                at[position] = word
    return " ".join(at[position] for position in sorted(at))


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(record: dict, key: str) -> list:
    value = record.get(key)
    return value if isinstance(value, list) else []
