"""A papers *page*: a few header lines, then a title line and an abstract paragraph, repeated."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg import readers

from . import ABSTRACT_MIN_CHARS, InputError, Problem, Records

# Listing pages separate days with lines such as "Apr 9" or "Mar 12, 2024".
_DATE_LINE = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:, \d{4})?")


def records(path: Path, lines: Iterable[tuple[int, str]], problem: Problem) -> Records:
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

    A block longer than :data:`kg.readers.MAX_RECORD_CHARS` is reported, and the rest of it skipped.
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
            if size > readers.MAX_RECORD_CHARS:
                problem(InputError(path, start, f"paragraph longer than {readers.MAX_RECORD_CHARS} characters"))
                block, size = [], -1  # -1: inside a skipped paragraph, until the next blank line
            else:
                block.append(line)
    if block:
        yield start, " ".join(block)


def _is_abstract(paragraph: str) -> bool:
    return len(paragraph) >= ABSTRACT_MIN_CHARS and bool(re.search(r"[.!?](?:\s|$)", paragraph))
