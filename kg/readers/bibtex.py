"""BibTeX (and biblatex), as Zotero, Mendeley and JabRef export it, parsed entry by entry with
bibtexparser; LaTeX (``{\\"u}``, ``{LoRA}``, ``--``) becomes plain text. A paper's id is its key.

``@string`` macros are not carried from one entry to the next: exports do not write them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from bibtexparser import middlewares
from bibtexparser.entrypoint import parse_string
from bibtexparser.model import Entry

from . import InputError, Problem, Records, _chunks, normal

_ENTRY = re.compile(r"\s*@\s*[A-Za-z]+\s*[{(]")
_SKIPPED = re.compile(r"\s*@\s*(?:comment|preamble|string)\b", re.IGNORECASE)


def records(path: Path, lines: Iterator[tuple[int, str]], problem: Problem) -> Records:
    for line, text in _chunks(path, lines, problem, _ENTRY):
        if _SKIPPED.match(text):
            continue
        try:
            library = parse_string(
                text,
                append_middleware=[
                    middlewares.LatexDecodingMiddleware(),
                    middlewares.SeparateCoAuthors(),
                    middlewares.SplitNameParts(),
                    middlewares.MergeNameParts(style="first"),
                ],
            )
        except Exception as error:  # a third-party parser on any text: its failure is this entry's problem
            problem(InputError(path, line, f"invalid BibTeX entry: {type(error).__name__}: {error}"[:300]))
            continue
        if library.failed_blocks or not library.entries:
            problem(InputError(path, line, f"invalid BibTeX entry: {text.splitlines()[0][:60]!r}"))
            continue
        yield line, _record(library.entries[0])


def _record(entry: Entry) -> dict:
    fields = {key.lower(): value for key, value in entry.fields_dict.items()}

    def field(name: str) -> str:
        value = fields[name].value if name in fields else ""
        return " ".join(value.split()) if isinstance(value, str) else ""

    date = normal.iso_date(field("date")) or normal.date(field("year"), field("month"))
    authors = fields["author"].value if "author" in fields else []
    eprint = field("eprint") if field("archiveprefix").lower() == "arxiv" or "arxiv" in field("journal").lower() else ""
    record = {
        "id": entry.key,
        "title": field("title"),
        "abstract": field("abstract"),
        "authors": normal.texts(authors),
        "date": date,
        "year": normal.year_of(date),
        "venue": field("journal") or field("journaltitle") or field("booktitle") or field("publisher"),
        "url": field("url"),
        "doi": normal.doi(field("doi")),
        "arxiv": normal.arxiv(eprint),
        "keywords": normal.texts(re.split(r"[,;]", field("keywords"))),
        "_entry": f"entry {entry.key}",
    }
    normal.identifiers(record)
    return record
