"""Stage 1: split a paper into sentences with character offsets.

The title is its own sentence (``is_title``); abstract sentences carry their
offsets into the abstract so evidence can be traced back.

>>> [s.text for s in split_sentences("We use LoRA. It works, e.g. on MedQA.")]
['We use LoRA.', 'It works, e.g. on MedQA.']
"""

from __future__ import annotations

import re
import string
from typing import NamedTuple

# A boundary: terminal punctuation, then space, then something that can start a sentence.
_BOUNDARY = re.compile(r"[.!?][\"')\]]?(?=\s+[\"'(\[]?[A-Z0-9\\])")
# Words whose trailing dot does not end a sentence.
_ABBREVIATIONS = frozenset("e.g i.e al vs etc fig figs eq approx cf resp no dr mr ms prof sec ref refs".split())
# What a boundary's last word is made of: letters and dots, as in "e.g" and "al".
_WORD_CHARS = string.ascii_letters + "."
# The longest sentence the later stages see. Real abstract sentences stay well below it
# (the longest in the gold is about 900 characters); a longer run of text without a
# boundary is cut into pieces of at most this size, which bounds the per-sentence work
# of the later stages and keeps the whole extraction linear in the length of the input.
MAX_SENTENCE = 1200


class Sentence(NamedTuple):
    """A sentence of the title (``is_title``) or the abstract, with offsets into its source."""

    text: str
    start: int
    end: int
    is_title: bool = False


def _ends_with_abbreviation(chunk: str) -> bool:
    """True when a candidate boundary only closes an abbreviation ("e.g.", "et al."); ``chunk`` is the
    text up to the boundary's punctuation mark.

    The last word is the run of letters and dots before the final dot (what the pattern
    ``([A-Za-z.]+)\\.$`` finds, taken without a search from every position).

    >>> _ends_with_abbreviation("as shown, e.g."), _ends_with_abbreviation("we use it."), _ends_with_abbreviation("x?")
    (True, False, False)
    """
    if not chunk.endswith("."):
        return False
    head = chunk[:-1]
    word = head[len(head.rstrip(_WORD_CHARS)) :]
    return bool(word) and word.casefold() in _ABBREVIATIONS


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` with their offsets (whitespace trimmed).

    >>> split_sentences("A b. C d.")[1]
    Sentence(text='C d.', start=5, end=9, is_title=False)
    """
    sentences, start = [], 0
    for match in _BOUNDARY.finditer(text):
        # the last word is all that matters (a bounded slice keeps long texts linear)
        if _ends_with_abbreviation(text[max(start, match.start() - 24) : match.start() + 1]):
            continue
        sentences.append((start, match.end()))
        start = match.end()
    sentences.append((start, len(text)))
    out = []
    for begin, end in (piece for span in sentences for piece in _pieces(text, *span)):
        chunk = text[begin:end]
        stripped = chunk.strip()
        if stripped:
            offset = begin + len(chunk) - len(chunk.lstrip())
            out.append(Sentence(stripped, offset, offset + len(stripped)))
    return out


def _pieces(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    """A span cut into pieces of at most MAX_SENTENCE characters, each ending after a space
    where there is one (so that no word is split).

    >>> [len(text) for text in (s.text for s in split_sentences("word " * 1000))]
    [1199, 1199, 1199, 1199, 199]
    """
    pieces = []
    while end - begin > MAX_SENTENCE:
        cut = text.rfind(" ", begin + MAX_SENTENCE // 2, begin + MAX_SENTENCE)
        cut = begin + MAX_SENTENCE if cut < 0 else cut + 1
        pieces.append((begin, cut))
        begin = cut
    pieces.append((begin, end))
    return pieces


def paper_sentences(title: str, abstract: str) -> list[Sentence]:
    """The title (as a sentence) followed by the abstract's sentences.

    >>> [s.is_title for s in paper_sentences("T: x", "One. Two.")]
    [True, False, False]
    """
    head = [Sentence(title.strip(), 0, len(title.strip()), True)] if title.strip() else []
    return head + split_sentences(abstract)
