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

# A paper's metadata, as every reader gives it (each optional):
#   authors     list of names, in the paper's order ("Edward J. Hu")
#   date        ISO 8601 as precise as the source is: "2021", "2021-06" or "2021-06-17"
#   year        integer (the date's, where the source gives a date)
#   venue       journal, conference or archive ("ICLR 2022", "arXiv")
#   url         a link to the paper
#   doi, arxiv, pmid, openalex, s2   identifiers, in the forms IDENTIFIERS describes
#   categories  the source's subject classes ("cs.CL"); keywords: the authors' or indexer's terms
METADATA_FIELDS = (
    "year",
    "date",
    "url",
    "authors",
    "venue",
    "doi",
    "arxiv",
    "pmid",
    "openalex",
    "s2",
    "categories",
    "keywords",
)
# Identifiers, normalised: the same paper from two sources shares one of these, and is one paper.
#   doi       lower case, without "https://doi.org/" ("10.48550/arxiv.2106.09685")
#   arxiv     without "arXiv:" or the version ("2106.09685", "hep-th/9901001")
#   pmid      digits ("34567890");  openalex  the work id ("W3168867926");  s2  the paperId (40 hex)
IDENTIFIERS = ("doi", "arxiv", "pmid", "openalex", "s2")


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
