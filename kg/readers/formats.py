"""Which reader reads a file: told by its first bytes, and by its extension only where they are ambiguous.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "refs.txt"
>>> _ = path.write_text("@article{hu2021lora,\\n  title = {LoRA},\\n}\\n")
>>> detect(path, given=False)
('bibtex', '')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from . import arxiv, bibtex, csl, jsonl, openalex, page, pubmed, ris, semantic_scholar, table

READERS: dict[str, Callable] = {
    "jsonl": jsonl.records,
    "table": table.records,
    "page": page.records,
    "arxiv": arxiv.snapshot_records,
    "arxiv-atom": arxiv.atom_records,
    "openalex": openalex.records,
    "s2": semantic_scholar.records,
    "s2-abstracts": semantic_scholar.abstract_records,
    "pubmed": pubmed.records,
    "bibtex": bibtex.records,
    "ris": ris.records,
    "csl-json": csl.records,
}
# The formats whose fields a column map renames.
COLUMN_FORMATS = {"jsonl", "table"}
# How much of a file detection looks at: an OpenAlex work's first line can be tens of KB.
HEAD_BYTES = 65_536


def _first_line(head: str) -> str:
    return head.split("\n", 1)[0]


# (format, a test on the file's first HEAD_BYTES, decoded and left-stripped), tried in order.
CONTENT: list[tuple[str, Callable[[str], bool]]] = [
    ("pubmed", lambda head: "<PubmedArticleSet" in head or "<PubmedArticle>" in head),
    ("arxiv-atom", lambda head: head.startswith("<") and "<feed" in head and "arxiv" in head.lower()),
    (
        "openalex",
        lambda head: (
            head[:1] in "{[" and bool(re.search(r'"abstract_inverted_index"|"id"\s*:\s*"https://openalex\.org/W', head))
        ),
    ),
    (
        "arxiv",
        lambda head: head[:1] == "{" and bool(re.search(r'"(?:authors_parsed|versions)"\s*:', _first_line(head))),
    ),
    (
        "s2-abstracts",
        lambda head: (
            head[:1] == "{"
            and all(f'"{key}"' in _first_line(head) for key in ("corpusid", "abstract"))
            and '"title"' not in _first_line(head)
        ),
    ),
    ("s2", lambda head: head[:1] in "{[" and bool(re.search(r'"(?:paperId|corpusid)"\s*:', head))),
    ("csl-json", lambda head: head[:1] == "[" and '"type"' in head and '"title"' in head),
    ("jsonl", lambda head: head[:1] == "{" and '"title"' in _first_line(head)),
    ("bibtex", lambda head: bool(re.search(r"^\s*@[A-Za-z]+\s*[{(]", head, re.MULTILINE))),
    ("ris", lambda head: bool(re.search(r"^TY  - ", head, re.MULTILINE))),
    ("table", lambda head: bool(re.fullmatch(r"(?i)(?=.*\btitle\b)(?=.*\babstract\b).*[,;\t].*", _first_line(head)))),
]
# Where the content says nothing sure: the extension.
SUFFIXES = {
    **dict.fromkeys([".jsonl", ".ndjson", ".json"], "jsonl"),
    **dict.fromkeys([".csv", ".tsv", ".tab"], "table"),
    **dict.fromkeys([".txt", ".md", ".text"], "page"),
    **dict.fromkeys([".bib", ".bibtex"], "bibtex"),
    **dict.fromkeys([".ris"], "ris"),
    **dict.fromkeys([".atom"], "arxiv-atom"),
}


def detect(path: Path, *, given: bool) -> tuple[str | None, str]:
    """The format of ``path`` (a key of :data:`READERS`), or None and why not.

    A file named on the command line (``given``) whose text matches no format is read as a page,
    as ever; a folder's file must match a format by content or extension.
    """
    suffix = path.suffix.lower()
    if not path.is_file():  # missing or special: its reader's open says what is wrong
        return SUFFIXES.get(suffix, "page"), ""
    try:
        with open(path, "rb") as handle:
            data = handle.read(HEAD_BYTES)
    except OSError as error:
        return SUFFIXES.get(suffix, "page"), str(error.strerror or error)
    head = data.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    for fmt, matches in CONTENT:
        if matches(head):
            return fmt, ""
    if suffix in SUFFIXES:
        return SUFFIXES[suffix], ""
    if b"\x00" in data or head.count("\ufffd") > len(head) // 100:
        return None, "binary content"
    if not head:
        return None, "empty"
    if suffix == ".xml":
        return None, "XML, but neither PubMed nor an arXiv Atom feed"
    return ("page" if given else None), f"no format matches its content, nor its extension {suffix or '(none)'}"
