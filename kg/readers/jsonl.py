"""kg's own JSON Lines: one object a line with ``id`` (optional), ``title``, ``abstract`` and metadata."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from . import Problem, Records, _jsonl_records, normal


def records(path: Path, lines: Iterator[tuple[int, str]], problem: Problem, columns: Mapping[str, str]) -> Records:
    """Each line's object, its keys renamed by ``columns`` (kg's field → the source's key, any case)."""
    for line, record in _jsonl_records(path, lines, problem):
        if columns:
            by_name = {key.strip().lower(): key for key in record}
            record = {
                **record,
                **{ours: record[by_name[theirs]] for ours, theirs in columns.items() if theirs in by_name},
            }
        normal.identifiers(record)
        record = {key: value for key, value in record.items() if not str(key).startswith("_")}  # kg's own notes
        yield line, record
