"""The record contract between stages (shared/gold/GUIDELINE.md).

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

ENTITY_TYPES = ("Model", "Method", "Dataset", "Task", "Modality", "Domain")

# predicate -> (allowed subject types, allowed object types); "@paper" is the paper itself.
RELATIONS = {
    "proposes": ({PAPER}, {"Model", "Method", "Dataset"}),
    "fine_tuned_from": ({"Model"}, {"Model"}),
    "uses_method": ({"Model", PAPER}, {"Method"}),
    "variant_of": ({"Method", "Model"}, {"Method", "Model"}),
    "evaluated_on": ({"Model", "Method", PAPER}, {"Dataset"}),
    "applied_to": ({"Model", "Method", PAPER}, {"Task"}),
    "has_modality": ({"Model", "Method", "Dataset", PAPER}, {"Modality"}),
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

    def to_record(self) -> dict:
        """The paper as the head of an extraction record (metadata kept under its own keys)."""
        record = {"id": self.id, "title": self.title, "abstract": self.abstract}
        record.update({k: v for k, v in self.meta.items() if k not in record})
        return record
