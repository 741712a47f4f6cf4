"""Acronym definitions: "Low-Rank Adaptation (LoRA)" in a sentence, "DVPT: Dynamic Visual Prompt
Tuning" in a title."""

from __future__ import annotations

import re

from kg.extract.mentions import WORD, Mention, is_generic, per_sentence, type_from_head
from kg.records import NAMED_TYPES
from kg.vocab import Vocabulary, normalize_name

# Acronym in parentheses right after its expansion: "Low-Rank Adaptation (LoRA)".
_ACRONYM = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9+\-]{0,14}?[A-Z0-9][A-Za-z0-9+\-]*?)(?:s)?\s*\)")


@per_sentence
def acronym_pairs(text: str) -> tuple[tuple[str, str, int, int], ...]:
    """(acronym, expansion, start, end) for "Long Form (LF)" definitions in a sentence; read once
    per sentence, for its mentions and for its proposals.

    >>> acronym_pairs("We apply Group Relative Policy Optimization (GRPO) here.")
    (('GRPO', 'Group Relative Policy Optimization', 9, 50),)
    >>> [p[0] for p in acronym_pairs("Space-Depth Transpose (SD-Trans) and Large Language Models (LLMs)")]
    ['SD-Trans', 'LLM']
    """
    pairs = []
    for match in _ACRONYM.finditer(text):
        acronym = match.group(1)
        # a final "s" after a lower-case letter is part of the name ("SD-Trans"), not a plural ("LLMs")
        if acronym[-1].islower() and text.startswith("s", match.end(1)):
            acronym += "s"
        if not any(c.isupper() for c in acronym):
            continue
        words = list(WORD.finditer(text[max(0, match.start() - 160) : match.start()]))
        size = _expansion([w.group() for w in words], acronym)
        if not size:
            continue
        offset = max(0, match.start() - 160)
        start = offset + words[-size].start()
        expansion = text[start : offset + words[-1].end()]
        pairs.append((acronym, expansion, start, match.end()))
    return tuple(pairs)


def _expansion(words: list[str], acronym: str) -> int:
    """How many trailing ``words`` spell out ``acronym`` (0 when none do).

    >>> _expansion(["we", "use", "Low-Rank", "Adaptation"], "LoRA")
    2
    """
    letters = [c.casefold() for c in acronym if c.isalpha()]
    if not letters:
        return 0
    for size in range(1, min(len(words), len(letters) + 3) + 1):
        chunk = words[-size:]
        if chunk[0][:1].casefold() != letters[0]:
            continue
        if _spells(" ".join(chunk).casefold(), letters):
            return size
    return 0


def _spells(phrase: str, letters: list[str]) -> bool:
    """True when ``letters`` occur in order in ``phrase``, the first at its start."""
    position = 0
    for letter in letters:
        position = phrase.find(letter, position)
        if position < 0:
            return False
        position += 1
    return True


_CLASS_PLURAL = re.compile(r"\b(?:models|networks|transformers|systems|LLMs|VLMs)$", re.I)


def acronym_mentions(text: str, vocab: Vocabulary, sentence: int = 0) -> tuple[list, dict]:
    """Mentions from acronym definitions, and an alias map (normalised form -> other form).

    A known acronym or expansion gives the vocabulary entry; an unknown pair is
    one new entity named by the acronym, typed by the expansion's head noun or
    a known tail ("Prototypical Contrastive Learning" -> Method).
    """
    found, aliases = [], {}
    for acronym, expansion, start, end in acronym_pairs(text):
        if is_generic(acronym, vocab) or is_generic(expansion, vocab):
            continue
        known = vocab.lookup(acronym) or vocab.lookup(expansion)
        if known:
            aliases[normalize_name(known[0])] = {acronym, expansion}
            continue
        # "Medical Vision-Language Models (Med-VLMs)": a plural names a class of models, not one
        if _CLASS_PLURAL.search(expansion):
            continue
        etype = acronym_type(text, expansion, end, vocab)
        if etype in NAMED_TYPES:
            found.append(Mention(acronym, etype, acronym, start, end, sentence))
            aliases[normalize_name(acronym)] = {expansion}
    return found, aliases


def acronym_type(text: str, expansion: str, end: int, vocab: Vocabulary) -> str | None:
    """The type of a defined acronym: the head noun after it ("(PrATo) pruning method") or ending its
    expansion ("Full Graph Neural Network"), else a known tail's type, else Method for a Title-Case
    expansion; None when nothing says.

    >>> acronym_type("the Full Graph Neural Network (FGNN) is", "Full Graph Neural Network", 36, Vocabulary())
    'Model'
    """
    words = expansion.split()
    following = WORD.findall(text[end : end + 30])[:1]
    etype = type_from_head(following) or type_from_head(words[::-1][:2])
    if not etype and (hit := _tail_hit(expansion, vocab)) and hit[1] in NAMED_TYPES:
        etype = hit[1]
    if not etype and sum(w[:1].isupper() for w in words) >= max(2, len(words) - 1):
        etype = "Method"
    return etype


def _tail_hit(expansion: str, vocab: Vocabulary):
    """The vocabulary entry named by the last words of an expansion, if any."""
    words = expansion.split()
    for size in range(len(words) - 1, 0, -1):
        hit = vocab.lookup(" ".join(words[-size:]))
        if hit:
            return hit
    return None


def title_expansion(title: str) -> tuple[str, str] | None:
    """(acronym, expansion) when a title's subtitle spells its head: "DVPT: Dynamic Visual Prompt Tuning".

    >>> title_expansion("DVPT: Dynamic Visual Prompt Tuning of Large Models")
    ('DVPT', 'Dynamic Visual Prompt Tuning')
    """
    head, colon, subtitle = title.partition(":")
    head = head.strip()
    if not colon or " " in head or not any(c.isupper() for c in head[1:]):
        return None
    words = WORD.findall(subtitle)
    size = 0
    while size < len(words) and words[size][:1].isupper():
        size += 1
    letters = [c.casefold() for c in head if c.isupper()]
    if (
        size
        and letters
        and words[0][0].casefold() == letters[0]
        and _spells(" ".join(words[:size]).casefold(), letters)
    ):
        return head, " ".join(words[:size])
    return None
