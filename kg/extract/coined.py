"""Coined names the vocabulary lacks ("Med-Gemini-2D", "FooNet", "the BarQA benchmark"), typed by a
known part, a typing suffix or the head noun after them."""

from __future__ import annotations

import functools
import re

from kg.extract.mentions import (
    WORD,
    Mention,
    is_generic,
    is_name_like,
    is_size_or_number,
    strip_size,
    type_from_head,
    type_of_name,
)
from kg.records import NAMED_TYPES
from kg.vocab import Vocabulary

# A candidate word for a coined name; :func:`derived_mentions` keeps those with an inner capital or a digit.
# (plain lower-case words are skipped inside the pattern, which keeps the loop short; so are words
# whose every letter after the first is lower-case ASCII, as in "The", "Fine-tuning" and "a/b")
_CANDIDATE = re.compile(
    r"(?<![\w+\-/])(?![a-z]+(?![\w+\-/]))(?![A-Za-z0-9][a-z_+]*(?:[\-/][a-z_+]+)*(?![\w+]|[\-/][\w+]))"
    r"[A-Za-z0-9][\w+]*(?:[\-/][\w+]+)*"
)
_DIGIT = re.compile(r"\d")
_TITLE_COMPOUND = re.compile(r"[A-Z][A-Za-z]*(?:-[A-Z][A-Za-z]*)+")
# A size tag inside a name, before more of it: "Llama-3-70B-Instruct".
_INNER_SIZE = re.compile(r"-\d+(?:\.\d+)?[BbMm](?=-[A-Za-z])")


def derived_mentions(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Hyphenated or CamelCase coined names typed by a known part or a head noun after them.

    >>> from kg.vocab import Entry
    >>> v = Vocabulary([Entry("Gemini", "Model")])
    >>> [(m.name, m.type) for m in derived_mentions("Med-Gemini-2D beats the FooQA benchmark.", v)]
    [('Med-Gemini-2D', 'Model'), ('FooQA', 'Dataset')]
    """
    found: list[Mention] = []
    untyped: list[Mention] = []
    for match in _CANDIDATE.finditer(text):
        surface = match.group().rstrip("-")
        coined = _coined(surface, vocab)
        if coined is None:
            continue
        if coined is _TITLE_CASE:
            untyped.append(Mention(surface, "", surface, match.start(), match.end(), sentence))
            continue
        name, known = coined
        etype = (
            (known[1] if known else None)
            or type_from_head(WORD.findall(text[match.end() : match.end() + 40])[:1])
            or type_of_name(name, vocab)
            or _parenthesised_type(text, match.start())
        )
        (found if etype else untyped).append(Mention(name, etype or "", surface, match.start(), match.end(), sentence))
    return _type_by_coordination(text, found, untyped)


# What :func:`_coined` says of a Title-Case compound that only a list can type ("R-Path").
_TITLE_CASE = ("", None)


@functools.lru_cache(maxsize=1 << 14)  # a pure function of a word (and a vocabulary, which never changes)
def _coined(surface: str, vocab: Vocabulary) -> tuple | None:
    """What a candidate word is, whatever stands around it: None when no coined name, :data:`_TITLE_CASE`
    for a Title-Case compound that only a list can type, else (name, its vocabulary entry or None)."""
    rest = surface[1:]
    # a coined name has an inner capital or a digit ("Med-Gemini", "GPT4", "FooNet")
    if rest == rest.lower() and (rest.isalpha() or not _DIGIT.search(rest)):
        return None
    if is_generic(surface, vocab):
        return None
    if not (is_name_like(surface) or _has_known_part(surface, vocab)):
        # a Title-Case compound ("R-Path") is a name only when listed with coined names
        return _TITLE_CASE if _TITLE_COMPOUND.fullmatch(surface) and not vocab.lookup(surface) else None
    name = strip_size(surface)
    known = vocab.lookup(name)
    # a known name is the vocabulary layer's to match, unless a size inside it hides it
    # there: "Llama-3-70B-Instruct" is Llama-3-Instruct, typed by the vocabulary
    if vocab.lookup(surface) or (known and not _INNER_SIZE.search(surface)) or is_size_or_number(name):
        return None
    return name, known


# What separates two items of a list: ",", "and", "or".
_LIST_GAP = re.compile(r"\s*(?:,|and|or|, and)\s*")
# Several list items and their separators.
_LIST_GAPS = re.compile(r"(?:\s*(?:,|and|or|, and)\s*[\w\-]+)*\s*(?:,|and|or|, and)\s*")


def _type_by_coordination(text: str, typed: list, untyped: list) -> list:
    """Untyped coined names take the type of a name they are listed with: "R-RAD, R-SLAKE and R-Path"."""
    if not typed or not untyped:
        return typed
    found = list(typed)
    for mention in untyped:
        for other in typed:
            left, right = (mention, other) if mention.end <= other.start else (other, mention)
            gap = text[left.end : right.start]
            if _LIST_GAP.fullmatch(gap) or (left is other and _LIST_GAPS.fullmatch(gap)):
                found.append(mention._replace(type=other.type))
                break
    return sorted(found, key=lambda m: m.start)


def _parenthesised_type(text: str, start: int) -> str | None:
    """The type of a name given in parentheses after its head: "a general LLM (FooGLM-10B)"."""
    if not text[:start].rstrip().endswith("("):
        return None
    return type_from_head(WORD.findall(text[max(0, start - 40) : start])[-2:][::-1])


# Hyphens or underscores inside a compound.
_HYPHEN_SEP = re.compile(r"[\-_]+")


def _has_known_part(surface: str, vocab: Vocabulary) -> bool:
    """True when a capitalised hyphen compound contains a known name ("Med-Gemini")."""
    parts = [p for p in _HYPHEN_SEP.split(surface) if p]
    return (
        len(parts) > 1
        and all(p[:1].isupper() or p[:1].isdigit() for p in parts)
        and any((hit := vocab.lookup(p)) and hit[1] in NAMED_TYPES for p in parts)
    )
