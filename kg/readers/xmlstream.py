"""XML records read as a stream: one element at a time, each cleared once read.

Entity declarations are refused (defusedxml), so a "billion laughs" DOCTYPE costs nothing; a
DOCTYPE naming an external DTD, as PubMed's files do, is fine (it is never fetched).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from . import InputError, Problem


class _LineFeed:
    """Numbered lines as a file for iterparse, one line a read, so the line being parsed is known."""

    def __init__(self, lines: Iterable[tuple[int, str]]):
        self.lines = iter(lines)
        self.line = 1

    def read(self, size: int = -1) -> str:
        for number, text in self.lines:
            self.line = number
            return text + "\n"
        return ""


def elements(path: Path, lines: Iterable[tuple[int, str]], problem: Problem, tag: str) -> Iterator[tuple[int, Element]]:
    """Each ``tag`` element (``{namespace}name`` where namespaced), with the line it starts on.

    An XML error ends the file: what follows it cannot be parsed.
    """
    feed = _LineFeed(lines)
    start, root = 1, None
    try:
        for event, element in iterparse(feed, events=("start", "end")):
            if root is None:
                root = element
            if element.tag != tag:
                continue
            if event == "start":
                start = feed.line
                continue
            yield start, element
            root.clear()  # what was read so far: memory stays one record's
    except ParseError as error:
        problem(InputError(path, feed.line, f"invalid XML: {str(error).split(':')[0]}"))
    except DefusedXmlException:
        problem(InputError(path, feed.line, "XML entity declarations are refused (an entity expansion attack?)"))
    except UnicodeEncodeError:
        problem(InputError(path, feed.line, "invalid UTF-8"))


def text(element: Element | None) -> str:
    """All the text inside ``element``, inline markup (``<i>``, ``<sup>``) kept as its text, spaces joined."""
    return " ".join("".join(element.itertext()).split()) if element is not None else ""
