"""Dataset names by their cues: names listed after "benchmarks (" or "datasets such as", and
capitalised names before or after a dataset head noun ("the Kvasir SEG dataset", "a benchmark, FooQA,")."""

from __future__ import annotations

import re

from kg.extract.mentions import Mention, is_generic, is_name_like, is_size_or_number, may_hold, per_sentence, says
from kg.vocab import Vocabulary

# Patterns searched over whole sentences open with "(?=[...])": the first letters of their words. Python's
# re then tests only the positions where a word could start (10-30% faster on sentence-long text, measured).
# Lists of named benchmarks: "benchmarks (MedQA, MedMCQA and PubMedQA)", "datasets such as X and Y".
_LIST_CUE = re.compile(
    r"(?=[bdcBDC])\b(?:benchmarks?|datasets?|corpora|databases?)\s*(?:\(|:|,?\s*(?:such as|including|namely|like)\s+)",
    re.I,
)
# What every match of a pattern holds, one of its words or literals: a sentence without any is not searched
# (see kg.extract.mentions.says and may_hold).
_LIST_CUE_WORDS = ("benchmark", "dataset", "corpora", "database")  # literals: "datasetsuch as" is a cue
_HEAD_NOUNS = frozenset("dataset benchmark corpus database challenge".split())
_SET_WORDS = frozenset("benchmark bench dataset set".split())
_LIST_ITEM = re.compile(r"(?:the\s+)?([A-Z][\w\-./]*(?:\s+[A-Z0-9][\w\-./]*){0,3})")
_LIST_SEP = re.compile(r"\s*(?:,\s*(?:and|or)\s+|,|\band\b|\bor\b|&)\s*")
# Where a listed run of names ends.
_LIST_END = re.compile(r"[).;:]\s|[).;]$|\)")


def listed_datasets(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Capitalised names listed after "benchmarks (", "datasets such as", ... as Datasets.

    >>> [m.name for m in listed_datasets("on four benchmarks (FooQA, Bar Set and BazBench).", Vocabulary())]
    ['FooQA', 'Bar Set', 'BazBench']
    """
    found: list = []
    for cue in _LIST_CUE.finditer(text) if may_hold(text, _LIST_CUE_WORDS) else ():
        tail = text[cue.end() : cue.end() + 300]
        stop = _LIST_END.search(tail)
        chunk = tail[: stop.start()] if stop else tail
        offset = cue.end()
        for piece in _LIST_SEP.split(chunk):
            item = _LIST_ITEM.fullmatch(piece.strip())
            if not item:
                break
            name = item.group(1).strip()
            if is_generic(name, vocab) or is_size_or_number(name):
                continue
            hit = vocab.lookup(name)
            if hit and hit[1] != "Dataset":
                continue
            position = text.find(name, offset)
            found.append(Mention(hit[0] if hit else name, "Dataset", name, position, position + len(name), sentence))
    return found


# "the Foo Bar dataset": up to three capitalised words before a dataset head noun.
_NAMED_BEFORE_HEAD = re.compile(
    r"\b(?:the|on|of|from|and|using)\s+((?:[A-Z][\w\-]*\s+){0,2}[A-Z][\w\-]*)\s+(dataset|benchmark|corpus|database|challenge)\b"
)
# Any dataset head noun: a quick test before the costlier patterns (see has_head_word).
HEAD_WORDS = ("dataset", "benchmark", "corp", "database", "challenge")
_HEAD_COMMA = re.compile(r"(?:dataset|benchmark|corpus),")
_NAMED_AFTER_HEAD = re.compile(r"\b(?:dataset|benchmark|corpus),\s+([A-Z][\w\-]*)(?=\s*[,(])")


# A model's or method's name before a data head: "the Vicuna benchmark", "the FooGPT test set".
_MODEL_BEFORE_SET = re.compile(
    r"\b(?:the|on|in|of|using|from)\s+([A-Z][\w\-.]*[\w](?:\s+[A-Z0-9][\w\-.]*[\w])?)\s+"
    r"(?:benchmark|bench|dataset|(?:evaluation|eval|test|question|instruction) set)\b"
    r"(?!\s+(?:scores?|results?|performance))"
)


def model_named_sets(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """A known model or method named before a data head is a dataset's name, never the model: "the
    Vicuna benchmark" is the benchmark (the vocabulary's entry where it lists one).

    >>> from kg.vocab import Entry
    >>> vocab = Vocabulary([Entry("Vicuna", "Model")])
    >>> [(m.name, m.type) for m in model_named_sets("wins on the Vicuna benchmark.", vocab)]
    [('Vicuna benchmark', 'Dataset')]
    """
    found: list = []
    for match in (
        _MODEL_BEFORE_SET.finditer(text) if ("set" in text or "bench" in text) and says(text, _SET_WORDS) else ()
    ):
        hit = vocab.lookup(match.group(1))
        if not hit or hit[1] not in ("Model", "Method"):
            continue
        start = match.start(1)
        surface = text[start : match.end()]
        known = vocab.lookup(surface)
        name = known[0] if known and known[1] == "Dataset" else surface
        found.append(Mention(name, "Dataset", surface, start, match.end(), sentence))
    return found


@per_sentence
def has_head_word(text: str) -> bool:
    """True where the text holds one of :data:`HEAD_WORDS`: what the pattern it replaces found, faster."""
    return any(map(text.__contains__, HEAD_WORDS))  # map: no Python frame per word


def named_after_head(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Unknown capitalised names right before a typing head: "on the Foo Bar dataset" (or coined
    ones in apposition after it: "a benchmark dataset, FooQA, of ..."); a known model's name there
    names the data ("the Vicuna benchmark").

    >>> [m.name for m in named_after_head("tested on the Kvasir SEG dataset.", Vocabulary())]
    ['Kvasir SEG']
    """
    found: list = model_named_sets(text, vocab, sentence)
    if not has_head_word(text):  # a quick test first: most sentences name no head
        return found
    # "a benchmark dataset, MedReview, consisting of ...": a coined name in apposition to the head
    for match in _NAMED_AFTER_HEAD.finditer(text) if ", " in text and _HEAD_COMMA.search(text) else ():
        name = match.group(1)
        if is_name_like(name) and not vocab.lookup(name) and not is_generic(name, vocab):
            found.append(Mention(name, "Dataset", name, match.start(1), match.end(1), sentence))
    for match in _NAMED_BEFORE_HEAD.finditer(text) if says(text, _HEAD_NOUNS) else ():
        name = match.group(1)
        if vocab.lookup(name) or is_generic(name, vocab) or is_size_or_number(name):
            continue
        # "the US MIMIC-III dataset": a known dataset with a qualifier before it is that dataset
        words = name.split()
        if any((hit := vocab.lookup(" ".join(words[i:]))) and hit[1] == "Dataset" for i in range(1, len(words))):
            continue
        found.append(Mention(name, "Dataset", name, match.start(1), match.end(1), sentence))
    return found
