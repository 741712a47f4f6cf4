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
from kg.extract.relations import SUBJECT_TYPES, rival_spans
from kg.records import NAMED_TYPES
from kg.vocab import Vocabulary

# A candidate word for a coined name; :func:`derived_mentions` keeps those with an inner capital or a digit.
# (plain lower-case words are skipped inside the pattern, which keeps the loop short; so are words
# whose every letter after the first is lower-case ASCII, as in "The", "Fine-tuning" and "a/b")
_CANDIDATE = re.compile(
    r"(?<![\w+\-/])(?![a-z]+(?![\w+\-/]))(?![A-Za-z0-9][a-z_+]*(?:[\-/][a-z_+]+)*(?![\w+]|[\-/][\w+]))"
    r"[A-Za-z0-9][\w+]*(?:[\-/][\w+]+|(?<=\d)\.\d[\w+]*)*"
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
            or _example_type(text, match.start(), match.end())
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


# "models such as", "methods, including": a head noun's examples follow.
_EXAMPLES_BEFORE = re.compile(r"\b(?:such as|including|like|e\.g\.,?|namely)\s+$", re.I)


def _example_type(text: str, start: int, end: int) -> str | None:
    """The type of a name given as an example of its head: "comparative models such as FooLM-1B"."""
    cue = _EXAMPLES_BEFORE.search(text, max(0, start - 20), start)
    # "LLMs like OpenAI's GPT series": an owner, not an example
    if cue is None or text.startswith(("'s", "\u2019s"), end):
        return None
    return type_from_head(WORD.findall(text[max(0, cue.start() - 40) : cue.start()])[-3:][::-1])


# Words that set the scene of a comparison, or go on to say more of a rival, rather than name one:
# "outperforms X on FooBench-2", "outperforming X that requires FP16 branches".
_SETTING_WORD = re.compile(r"\b(?:on|in|across|at|with|using|under|via|within|for|to|by|from|that|which|whose)\b", re.I)
# Nouns after a name that make it a measure, not a rival: "improves on the RadCliQ metric".
_MEASURE_AFTER = re.compile(r"\s+(?:metrics?|scores?|measures?|loss|criteri(?:on|a))\b", re.I)


def rival_mentions(text: str, mentions: list, proposed: list, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Coined names a sentence compares against that nothing else typed, typed as the model or method
    they lose to, since only comparable things are compared: "FooNet outperforms BarSeg and QuxSeg".

    ``mentions`` are the sentence's typed mentions; the winner is the nearest model or method before
    the comparison (after it, for "Compared to X, FooNet ..."), else the paper's first proposal.
    Names after a word that sets the scene ("on", "with", "for" ...) are not rivals.

    >>> foo = Mention("FooNet", "Model", "FooNet", 0, 6, 0)
    >>> text = "FooNet outperforms BarSeg and QuxSeg-2 on LIDC."
    >>> [(m.name, m.type) for m in rival_mentions(text, [foo], [], Vocabulary([]))]
    [('BarSeg', 'Model'), ('QuxSeg-2', 'Model')]
    """
    spans = rival_spans(text)
    if not spans:
        return []
    taken = [(m.start, m.end) for m in mentions]
    found: list[Mention] = []
    for start, stop in spans:
        etype = _winner_type(mentions, start, stop, proposed)
        if etype is None:
            continue
        setting = _SETTING_WORD.search(text, start, stop)
        for match in _CANDIDATE.finditer(text, start, stop):
            if setting and setting.end() <= match.start():
                break
            surface = match.group().rstrip("-")
            if any(s < match.end() and match.start() < e for s, e in taken) or _MEASURE_AFTER.match(text, match.end()):
                continue
            coined = _coined(surface, vocab)
            if coined is None or coined is _TITLE_CASE:
                continue
            name, known = coined
            taken.append((match.start(), match.end()))
            found.append(Mention(name, known[1] if known else etype, surface, match.start(), match.end(), sentence))
    return found


def _winner_type(mentions: list, start: int, stop: int, proposed: list) -> str | None:
    """The type of what wins the comparison whose rivals lie in ``start:stop``."""
    before = [m for m in mentions if m.end <= start and m.type in SUBJECT_TYPES]
    after = [m for m in mentions if m.start >= stop and m.type in SUBJECT_TYPES]
    winner = before[-1] if before else after[0] if after else None
    if winner is None:
        winner = next((m for m in proposed if m.type in SUBJECT_TYPES), None)
    return winner.type if winner else None


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
