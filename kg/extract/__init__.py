"""The extractor: a paper's title and abstract -> one extraction record.

Four stages, one module each: :mod:`.sentences` (split), :mod:`.mentions`
(vocabulary matches and new names), :mod:`.relations` (cue patterns and
paper-level defaults) and :mod:`.results` (reported scores). The record is the
guideline's JSONL format (shared/gold/GUIDELINE.md), deterministic and
JSON-serialisable.

>>> from kg.records import Paper
>>> from kg.vocab import Vocabulary, Entry
>>> vocab = Vocabulary([Entry("LoRA", "Method"), Entry("medical", "Domain")])
>>> rec = extract(Paper("p1", "FooLoRA: cheap tuning", "We propose FooLoRA, a LoRA variant for medical use."), vocab)
>>> sorted((r["subject"], r["predicate"], r["object"]) for r in rec["relations"])[:2]
[('@paper', 'in_domain', 'medical'), ('@paper', 'proposes', 'FooLoRA')]
"""
from __future__ import annotations

import re

from kg.extract import mentions as M
from kg.extract import relations as R
from kg.extract.results import dedupe_results, sentence_results
from kg.extract.sentences import paper_sentences
from kg.records import PAPER, Paper
from kg.vocab import Vocabulary, normalize_name

EXTRACTOR_VERSION = "1.0.0"

# When two stages type one name differently, the earlier kind of evidence wins.
_SOURCE_RANK = {"proposal": 0, "vocabulary": 1, "acronym": 2, "list": 3, "head": 4, "derived": 5}


_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|org|io|ms|net|edu)/\S*")
_LAYERED = ("Modality", "Domain")


def _mask_urls(text: str) -> str:
    """The text with URLs blanked out (same length), so their parts are never names."""
    return _URL.sub(lambda m: " " * len(m.group()), text)


def _sentence_mentions(text: str, vocab: Vocabulary, index: int) -> tuple[list, dict]:
    """All mentions of one sentence (tagged with their source) and acronym aliases.

    Modalities and domains are matched in their own passes as well, since they
    hide inside longer names ("CT volumes", "medical image segmentation").
    """
    text = _mask_urls(text)
    acronyms, aliases = M.acronym_mentions(text, vocab, index)
    tagged = [("vocabulary", m) for m in M.vocabulary_mentions(text, vocab, index)]
    for etype in _LAYERED:
        tagged += [("vocabulary", m) for m in M.vocabulary_mentions(text, vocab, index, etype)]
    tagged += [("acronym", m) for m in acronyms]
    tagged += [("list", m) for m in M.listed_datasets(text, vocab, index)]
    tagged += [("head", m) for m in M.named_after_head(text, vocab, index)]
    tagged += [("derived", m) for m in M.derived_mentions(text, vocab, index)]
    return tagged, aliases


def _layer(mention) -> str:
    return mention.type if mention.type in _LAYERED else "names"


def _drop_overlaps(tagged: list) -> list:
    """Keep the longest of overlapping mentions of one layer (ties: the better source), in text order."""
    ranked = sorted(tagged, key=lambda t: (-(t[1].end - t[1].start), _SOURCE_RANK[t[0]], t[1].start))
    kept = []
    for source, mention in ranked:
        if all(mention.end <= k.start or mention.start >= k.end or _layer(k) != _layer(mention) for _, k in kept):
            kept.append((source, mention))
    return sorted(kept, key=lambda t: t[1].start)


class _Entities:
    """The paper's entity table: one canonical name and type per normalised name, with aliases."""

    def __init__(self):
        self.table: dict[str, list] = {}   # key -> [name, type, rank, aliases]
        self.index: dict[str, str] = {}    # any normalised form -> key

    def add(self, name: str, etype: str, rank: int, forms=()) -> str:
        """Record a mention; returns the canonical name it resolves to."""
        keys = [normalize_name(f) for f in (name, *forms)]
        key = next((self.index[k] for k in keys if k in self.index), normalize_name(name))
        entry = self.table.setdefault(key, [name, etype, rank, set()])
        if rank < entry[2]:
            entry[1], entry[2] = etype, rank
        for form in (name, *forms):
            self.index.setdefault(normalize_name(form), key)
            if normalize_name(form) != key:
                entry[3].add(form)
        return entry[0]

    def canonical(self, name: str) -> tuple[str, str]:
        entry = self.table[self.index[normalize_name(name)]]
        return entry[0], entry[1]

    def records(self) -> list[dict]:
        out = []
        for name, etype, _, aliases in sorted(self.table.values(), key=lambda e: (e[1], e[0].casefold(), e[0])):
            record = {"name": name, "type": etype}
            if aliases:
                record["aliases"] = sorted(aliases)
            out.append(record)
        return out


def extract(paper: Paper, vocab: Vocabulary) -> dict:
    """One extraction record for ``paper`` (see the module docstring)."""
    sentences = paper_sentences(paper.title, paper.abstract)
    entities = _Entities()
    proposed = M.proposals(sentences, vocab)
    expansion = M.title_expansion(paper.title)
    for mention in proposed:
        forms = [mention.surface]
        if expansion and normalize_name(expansion[0]) == normalize_name(mention.surface):
            forms.append(expansion[1])
        entities.add(mention.name, mention.type, 0, forms)

    per_sentence = []
    for index, sentence in enumerate(sentences):
        tagged, aliases = _sentence_mentions(sentence.text, vocab, index)
        tagged += [("proposal", m) for m in proposed if m.sentence == index]
        kept = _drop_overlaps(tagged)
        for source, mention in kept:
            forms = [mention.surface, *aliases.get(normalize_name(mention.name), ())]
            entities.add(mention.name, mention.type, _SOURCE_RANK[source], forms)
        per_sentence.append([m for _, m in kept])

    # every mention under its paper-level canonical name and type
    resolved = [
        [m._replace(name=n, type=t) for m in ms for n, t in [entities.canonical(m.name)]]
        for ms in per_sentence
    ]
    proposed_keys = {normalize_name(entities.canonical(m.name)[0]) for m in proposed}
    record = paper.to_record()
    record["entities"] = entities.records()
    record["relations"] = _relations(sentences, resolved, proposed, proposed_keys, entities, vocab)
    record["results"] = _results(sentences, resolved, proposed_keys, entities, vocab)
    return record


def _focus(proposed: list, entities: _Entities) -> str:
    """The paper's main proposal (first proposed model or method), else ``@paper``."""
    for mention in proposed:
        name, etype = entities.canonical(mention.name)
        if etype in R.SUBJECT_TYPES:
            return name
    return PAPER


def _relations(sentences, resolved, proposed, proposed_keys, entities, vocab) -> list[dict]:
    focus = _focus(proposed, entities)
    found = []
    for mention in proposed:
        name, etype = entities.canonical(mention.name)
        if etype in ("Model", "Method", "Dataset"):
            found.append(R.relation(PAPER, "proposes", name, sentences[mention.sentence].text, 0.8))
    for sentence, mentions in zip(sentences, resolved):
        subject = focus if sentence.is_title else R.sentence_subject(mentions, proposed_keys, focus)
        found += R.sentence_relations(sentence.text, mentions, subject, proposed_keys)
        found += R.base_models(sentence.text, mentions, subject)
        found += R.textual_variants(sentence.text, mentions, subject)
        for mention in mentions:
            if mention.type == "Domain":
                found.append(R.relation(PAPER, "in_domain", mention.name, sentence.text, 0.7))
    table = {key: (e[0], e[1]) for key, e in entities.table.items()}
    found += R.hierarchy_variants(table, vocab)
    return R.dedupe(found)


def _results(sentences, resolved, proposed_keys, entities, vocab) -> list[dict]:
    focus = PAPER
    found = []
    for sentence, mentions in zip(sentences, resolved):
        if sentence.is_title:
            continue
        subject = R.sentence_subject(mentions, proposed_keys, focus)
        found += sentence_results(sentence.text, mentions, vocab, subject)
    return dedupe_results(found)
