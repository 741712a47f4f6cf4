"""The table of mention rules: every source of mentions, in the order a sentence's are tagged, with
its rank.

Where two sources type one name differently, the lower rank wins. A rule is a function
``find(text, vocab, sentence) -> list[Mention]`` run on every sentence; adding one is writing
that function and adding its line to :data:`RULES`. Sources with no ``find`` are made elsewhere:
the vocabulary and acronym stages give more than mentions (metric spans, aliases), so the
extractor calls them by name; proposals and repeats are found over the whole paper, and rivals
(coined names compared against) once a sentence's other mentions are known.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from kg.extract.coined import derived_mentions
from kg.extract.datasets import listed_datasets, named_after_head
from kg.extract.phrases import method_phrases, part_phrases, task_phrases


class Rule(NamedTuple):
    """A source of mentions, its rank (lower wins a type conflict) and its per-sentence finder."""

    source: str
    rank: int
    find: Callable | None = None


RULES = (
    Rule("vocabulary", 1),  # known names: mentions.vocabulary_mentions
    Rule("acronym", 2),  # "Long Form (LF)": acronyms.acronym_mentions
    Rule("list", 3, listed_datasets),
    Rule("head", 4, named_after_head),
    Rule("task", 6, task_phrases),
    Rule("technique", 7, method_phrases),
    Rule("part", 8, part_phrases),
    Rule("derived", 5, derived_mentions),
    Rule("proposal", 0),  # what the paper introduces: proposed.proposals
    Rule("rival", 9),  # a coined name compared against, typed as its winner: coined.rival_mentions
    Rule("repeat", 10),  # a coined name found again where a later sentence repeats it
    Rule("tagger", 11),  # the learned name finder (tagger.NameTagger), where no rule found a name
)
