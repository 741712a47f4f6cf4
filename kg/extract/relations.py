"""Stage 3: relations from cue patterns within sentences, plus paper-level defaults.

Every relation comes from one sentence (its evidence). The *subject* of a
sentence's task, modality, dataset and method mentions is the entity the
sentence is about: a proposed entity it names, else a model or method that
opens it, else the paper's main proposal, else ``@paper``.
"""
from __future__ import annotations

import re

from kg.records import PAPER
from kg.vocab import Vocabulary, normalize_name

_OUTPERFORM = re.compile(
    r"\b(?:outperform\w*|out-perform\w*|surpass\w*|beat(?:s|ing)?|exceed\w*|better than|superior to|"
    r"improves? (?:up)?on)\b",
    re.I,
)
_CLAUSE_END = re.compile(r";|, (?:while|whereas|but|although|and (?:it|we|our))\b| while ")
_BASE_CUE = re.compile(
    r"\b(?:built (?:up)?on|building (?:up)?on|based on|fine-?tuned from|initiali[sz]ed (?:from|with)|"
    r"continually pre-?trained from|adapts?|adapting|its base model,?|derived from|on top of)\s+$",
    re.I,
)
_VARIANT_CUE = re.compile(r"\b(?:variants? of|extends?|extension of|generali[sz]es?|improves? upon)\s+(?:the\s+)?$", re.I)
_TRAINED_ON = re.compile(r"\b(?:trained|pre-?trained|fine-?tuned|tuned|curated|collected|derived)\s+(?:\w+\s+){0,2}(?:on|from|with)\s+(?:the\s+)?$", re.I)

SUBJECT_TYPES = ("Model", "Method")


def relation(subject: str, predicate: str, obj: str, evidence: str, confidence: float) -> dict:
    """One relation record in the guideline's format."""
    return {"subject": subject, "predicate": predicate, "object": obj,
            "evidence": evidence, "confidence": round(confidence, 2)}


def sentence_subject(mentions: list, proposed: set, default: str) -> str:
    """Who a sentence is about: a proposed entity it names, else an opening model/method, else ``default``."""
    for mention in mentions:
        if normalize_name(mention.name) in proposed and mention.type in SUBJECT_TYPES:
            return mention.name
    for mention in mentions:
        if mention.type in SUBJECT_TYPES and mention.start <= 12:
            return mention.name
    return default


def sentence_relations(text: str, mentions: list, subject: str, proposed: set) -> list[dict]:
    """Relations of one sentence: applied_to, has_modality, evaluated_on, uses_method and outperforms."""
    found = []
    for mention in mentions:
        before = text[max(0, mention.start - 60):mention.start]
        if mention.type == "Task":
            found.append(relation(subject, "applied_to", mention.name, text, 0.6))
        elif mention.type == "Modality":
            found.append(relation(subject, "has_modality", mention.name, text, 0.6))
        elif mention.type == "Dataset" and not _TRAINED_ON.search(before):
            if normalize_name(mention.name) not in proposed or subject != PAPER:
                found.append(relation(subject, "evaluated_on", mention.name, text, 0.6))
        elif mention.type == "Method" and mention.name != subject:
            if normalize_name(mention.name) not in proposed or subject != PAPER:
                found.append(relation(subject, "uses_method", mention.name, text, 0.5))
    found += outperforms(text, mentions, subject)
    return found


def outperforms(text: str, mentions: list, subject: str) -> list[dict]:
    """"X outperforms/surpasses Y (and Z)": X is the model/method before the cue, else the subject."""
    found = []
    for cue in _OUTPERFORM.finditer(text):
        end = _CLAUSE_END.search(text, cue.end())
        stop = end.start() if end else len(text)
        winners = [m for m in mentions if m.type in SUBJECT_TYPES and m.end <= cue.start()]
        winner = winners[-1].name if winners else subject
        if winner == PAPER:
            continue
        for loser in mentions:
            if loser.type in SUBJECT_TYPES and cue.end() <= loser.start < stop and loser.name != winner:
                found.append(relation(winner, "outperforms", loser.name, text, 0.6))
    return found


def base_models(text: str, mentions: list, subject: str) -> list[dict]:
    """fine_tuned_from: "built upon X", "based on X", "fine-tuned from X", "its base model, X"."""
    if subject == PAPER:
        return []
    found = []
    for mention in mentions:
        if mention.type == "Model" and mention.name != subject:
            if _BASE_CUE.search(text[max(0, mention.start - 40):mention.start]):
                found.append(relation(subject, "fine_tuned_from", mention.name, text, 0.6))
    return found


def textual_variants(text: str, mentions: list, subject: str) -> list[dict]:
    """variant_of from text: "a variant of LoRA", "extends LoRA", "LoRA variants such as X"."""
    found = []
    for mention in mentions:
        if mention.type not in SUBJECT_TYPES or mention.name == subject:
            continue
        if subject != PAPER and _VARIANT_CUE.search(text[max(0, mention.start - 40):mention.start]):
            found.append(relation(subject, "variant_of", mention.name, text, 0.6))
        if re.match(r"\s*variants?\b", text[mention.end:mention.end + 12]):
            for other in mentions:
                if other.type == mention.type and other.start > mention.end and other.name != mention.name:
                    found.append(relation(other.name, "variant_of", mention.name, text, 0.5))
    return found


def hierarchy_variants(entities: dict, vocab: Vocabulary) -> list[dict]:
    """variant_of from the vocabulary's method hierarchy and model families, and name derivations.

    ``entities`` maps normalised name -> (name, type). "Med-Foo-2D" is a
    variant of "Med-Foo" when both are in the paper.
    """
    found = []
    for key, (name, etype) in sorted(entities.items()):
        if etype not in SUBJECT_TYPES:
            continue
        parent = vocab.broader(name)
        if parent and normalize_name(parent) in entities and normalize_name(parent) != key:
            found.append(relation(name, "variant_of", entities[normalize_name(parent)][0], "", 0.5))
        for other_key, (other, other_type) in entities.items():
            if other_type == etype and other_key != key and key.startswith(other_key) and _derived(name, other):
                found.append(relation(name, "variant_of", other, "", 0.5))
    return found


def _derived(name: str, stem: str) -> bool:
    """True when ``name`` is ``stem`` plus a hyphenated suffix ("Med-Gemini-2D" of "Med-Gemini")."""
    return name.casefold().startswith(stem.casefold() + "-") and "-" in stem


def dedupe(relations: list[dict]) -> list[dict]:
    """One relation per (subject, predicate, object), keeping the most confident; sorted."""
    best = {}
    for rel in relations:
        if normalize_name(rel["subject"]) == normalize_name(rel["object"]):
            continue
        key = (rel["subject"], rel["predicate"], rel["object"])
        if key not in best or rel["confidence"] > best[key]["confidence"]:
            best[key] = rel
    return [best[key] for key in sorted(best)]
