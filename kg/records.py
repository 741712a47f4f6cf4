"""The record contract between stages (docs/GUIDELINE.md).

A :class:`Paper` is what a reader yields. The extractor turns it into an
*extraction record*: a plain dict in exactly the guideline's JSONL format,
with evidence fields added, so that a record can be written, read back and
scored without any class of ours::

    {"id": "seed-017", "title": "...", "abstract": "...",
     "entities":  [{"name": "SALT", "type": "Method", "aliases": ["..."]}],
     "relations": [{"subject": "@paper", "predicate": "proposes", "object": "SALT",
                    "evidence": "We propose SALT ...", "confidence": 0.9}],
     "results":   [{"subject": "SALT", "dataset": "ISIC", "metric": "dice",
                    "value": 85.2, "unit": "%", "evidence": "...", "confidence": 0.8}]}

>>> Paper(id="p1", title="T", abstract="A.").to_record()["id"]
'p1'
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

PAPER = "@paper"

# Named artefacts: what a paper can propose, and what a coined name ("FooNet", "BarBench") is.
NAMED_TYPES = ("Model", "Method", "Dataset")
# Matched in vocabulary layers of their own, as they hide inside longer names ("CT volumes").
LAYERED_TYPES = ("Modality", "Domain")
# What a paper works on or in, rather than a named artefact.
FIELD_TYPES = ("Task", *LAYERED_TYPES)
ENTITY_TYPES = (*NAMED_TYPES, *FIELD_TYPES)

# predicate -> (allowed subject types, allowed object types); "@paper" is the paper itself.
RELATIONS = {
    "proposes": ({PAPER}, set(NAMED_TYPES)),
    "fine_tuned_from": ({"Model"}, {"Model"}),
    "uses_method": ({"Model", PAPER}, {"Method"}),
    "variant_of": ({"Method", "Model"}, {"Method", "Model"}),
    "evaluated_on": ({"Model", "Method", PAPER}, {"Dataset"}),
    "applied_to": ({"Model", "Method", PAPER}, {"Task"}),
    "has_modality": ({*NAMED_TYPES, PAPER}, {"Modality"}),
    "in_domain": ({PAPER}, {"Domain"}),
    "outperforms": ({"Model", "Method"}, {"Model", "Method"}),
}

METADATA_FIELDS = ("year", "url", "authors", "venue")


def paper_id_from_title(title: str) -> str:
    """A stable id derived from a title's content, insensitive to case and spacing.

    >>> paper_id_from_title("LoRA:  Low-Rank Adaptation") == paper_id_from_title("lora: low-rank adaptation")
    True
    """
    key = re.sub(r"\s+", " ", title).strip().casefold()
    return "p-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Paper:
    """One title and abstract, with where it came from (``source`` is ``file:line``)."""

    id: str
    title: str
    abstract: str
    meta: dict = field(default_factory=dict, compare=False, hash=False)
    source: str = ""
    # a record given as it is (kg build --records): the graph takes its statements, nothing is extracted
    given: dict | None = field(default=None, compare=False, hash=False, repr=False)

    def to_record(self) -> dict:
        """The paper as the head of an extraction record (metadata kept under its own keys)."""
        record = {"id": self.id, "title": self.title, "abstract": self.abstract}
        record.update({k: v for k, v in self.meta.items() if k not in record})
        return record
