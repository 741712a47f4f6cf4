"""The extractor: a paper's title and abstract -> one extraction record.

Four stages: :mod:`.sentences` (split); the name finders, each a rule of the
table in :mod:`.rules` (:mod:`.mentions` the vocabulary, :mod:`.acronyms`,
:mod:`.coined`, :mod:`.datasets`, :mod:`.phrases`, and :mod:`.proposed` for what
the paper introduces); :mod:`.relations` (cue patterns and paper-level defaults)
and :mod:`.results` (reported scores). This module ties them together and
holds the paper-level conventions of the gold annotation (background
sentences, the focus of a paper, its title's tasks, its benchmark). The record is the guideline's JSONL format
(docs/GUIDELINE.md), deterministic and JSON-serialisable.

>>> from kg.records import Paper
>>> from kg.vocab import Vocabulary, Entry
>>> vocab = Vocabulary([Entry("LoRA", "Method"), Entry("medical", "Domain")])
>>> rec = extract(Paper("p1", "FooLoRA: cheap tuning", "We propose FooLoRA, a LoRA variant for medical use."), vocab)
>>> sorted((r["subject"], r["predicate"], r["object"]) for r in rec["relations"])[:2]
[('@paper', 'in_domain', 'medical'), ('@paper', 'proposes', 'FooLoRA')]
"""

from __future__ import annotations

import bisect
import re
from itertools import repeat

from kg.extract import relations as R
from kg.extract.acronyms import acronym_mentions, title_expansion
from kg.extract.coined import rival_mentions
from kg.extract.mentions import Mention, forget_sentences, may_hold_in, per_sentence, says, vocabulary_mentions
from kg.extract.phrases import IMAGE_MODALITIES
from kg.extract.proposed import proposals
from kg.extract.results import dedupe_results, is_training_set, sentence_results
from kg.extract.rules import RULES
from kg.extract.sentences import paper_sentences
from kg.records import LAYERED_TYPES, NAMED_TYPES, PAPER, Paper
from kg.vocab import Vocabulary, normalize_name

EXTRACTOR_VERSION = "1.14.0"

# When two stages type one name differently, the lower rank in the rule table wins.
_SOURCE_RANK = {rule.source: rule.rank for rule in RULES}
# The rules run on every sentence, in the table's order: (source, finder).
_FINDERS = tuple((rule.source, rule.find) for rule in RULES if rule.find)
# At most this many coined names are looked for again in every sentence (bounds the work per sentence).
_MAX_REPEATED = 100


_LANGUAGE_MODELS = re.compile(r"\blanguage models?\b|\bLLMs?\b", re.I)
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|org|io|ms|net|edu)/\S*")
_LAYERED = LAYERED_TYPES
_new = tuple.__new__


def _mask_urls(text: str) -> str:
    """The text with URLs blanked out (same length), so their parts are never names."""
    if "/" not in text and "www." not in text:  # no URL without either: skip the costly pattern
        return text
    return _URL.sub(lambda m: " " * len(m.group()), text)


def _sentence_mentions(text: str, vocab: Vocabulary, index: int) -> tuple[list, dict, list]:
    """All mentions of one sentence (URLs masked), tagged with their rule's source; acronym aliases;
    metric spans.

    Modalities and domains are matched in their own layers as well, since they
    hide inside longer names ("CT volumes", "medical image segmentation").
    """
    # these two give more than mentions (aliases, metric spans), so they are called by name
    acronyms, aliases = acronym_mentions(text, vocab, index)
    known, metrics = vocabulary_mentions(text, vocab, index)
    tagged = [*zip(repeat("vocabulary"), known), *zip(repeat("acronym"), acronyms)]
    for source, find in _FINDERS:
        tagged.extend(zip(repeat(source), find(text, vocab, index)))
    # "DINO score", "CLIP-T scores": the name of a metric, not of a model or method
    if "score" in text:
        tagged = [(s, m) for s, m in tagged if m.type in _LAYERED or not R._SCORE_AFTER.match(text, m.end)]
    return tagged, aliases, metrics


def _repeat_coined(found: list, sentences: list) -> list:
    """Coined names the paper introduced or typed somewhere ("Foresight", "R-Path") are the same
    names where a later sentence repeats them without the cue that found them."""
    coined: dict = {}
    for kept, _ in found:
        for source, m in kept:
            if (
                source not in ("vocabulary", "task", "technique")
                and m.type in NAMED_TYPES
                and m.surface != m.surface.casefold()
                and len(coined) < _MAX_REPEATED
            ):
                coined.setdefault(m.surface, m)
    if not coined:
        return found
    out = []
    for index, ((kept, aliases), sentence) in enumerate(zip(found, sentences, strict=False)):
        present = [(surface, mention) for surface, mention in coined.items() if surface in sentence.text]
        if not present:
            out.append((kept, aliases))
            continue
        spans = [(m.start, m.end) for _, m in kept if _layer(m) == "names"]
        extra = []
        for surface, mention in present:
            for start in _occurrences(sentence.text, surface):
                end = start + len(surface)
                if not any(s < end and start < e for s, e in spans):
                    spans.append((start, end))
                    extra.append(("repeat", mention._replace(start=start, end=end, sentence=index)))
        out.append((sorted(kept + extra, key=lambda t: t[1].start) if extra else kept, aliases))
    return out


def _rivals(found: list, sentences: list, proposed: list, vocab: Vocabulary) -> list:
    """Each sentence's kept mentions with the coined names it compares against (coined.rival_mentions),
    read once every other rule, repeats included, has typed what it could."""
    out = []
    for index, ((kept, aliases), sentence) in enumerate(zip(found, sentences, strict=False)):
        rivals = rival_mentions(sentence.text, [m for _, m in kept], proposed, vocab, index)
        if rivals:
            kept = sorted(kept + [("rival", m) for m in rivals], key=lambda t: t[1].start)
        out.append((kept, aliases))
    return out


def _occurrences(text: str, word: str):
    """Where ``word`` stands as a whole word in ``text`` (not inside "Foo-Bar" or "FooBar")."""
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not (text[at - 1].isalnum() or text[at - 1] in "-_")) and (
            end == len(text) or not (text[end].isalnum() or text[end] in "-_")
        ):
            yield at
        at = text.find(word, end)


def _layer(mention) -> str:
    return mention.type if mention.type in _LAYERED else "names"


def _drop_overlaps(tagged: list) -> list:
    """Keep the longest of overlapping mentions of one layer (ties: the better source), in text order."""
    if len(tagged) < 2:  # nothing to overlap
        return list(tagged)
    rank = _SOURCE_RANK
    ranked = sorted(tagged, key=lambda t: (t[1][3] - t[1][4], rank[t[0]], t[1][3]))  # longest first
    kept: list = []
    taken: dict = {}  # taken: layer -> sorted, disjoint (start, end) spans
    modality_spans = set()
    for tag in ranked:
        _, etype, _, start, end, _ = tag[1]
        spans = taken.setdefault(etype if etype in _LAYERED else "names", [])
        at = bisect.bisect_left(spans, (start, end))
        # kept spans are disjoint, so only the neighbours can overlap
        if (at > 0 and spans[at - 1][1] > start) or (at < len(spans) and spans[at][0] < end):
            continue
        spans.insert(at, (start, end))
        kept.append(tag)
        if etype == "Modality":
            modality_spans.add((start, end))
    # a word the vocabulary knows as a modality ("dermatology") is not also the paper's domain
    if modality_spans:
        kept = [(s, m) for s, m in kept if not (m.type == "Domain" and (m.start, m.end) in modality_spans)]
    return sorted(kept, key=lambda t: t[1][3])


class _Entities:
    """The paper's entity table: one canonical name and type per normalised name, with aliases."""

    def __init__(self):
        self.table: dict[str, list] = {}  # key -> [name, type, rank, aliases]
        self.index: dict[str, str] = {}  # any normalised form -> key

    def add(self, name: str, etype: str, rank: int, forms=()) -> str:
        """Record a mention; returns the canonical name it resolves to."""
        index = self.index
        every = (name, *forms)
        keys = list(map(normalize_name, every))
        key = keys[0]  # the name's own key, unless one of its forms is known already
        for known in keys:
            if known in index:
                key = index[known]
                break
        entry = self.table.get(key)
        if entry is None:
            entry = self.table[key] = [name, etype, rank, set()]
        elif rank < entry[2]:
            entry[1], entry[2] = etype, rank
        for form, form_key in zip(every, keys, strict=True):
            index.setdefault(form_key, key)
            if form_key != key:
                entry[3].add(form)
        return entry[0]

    def key_of(self, name: str) -> str | None:
        """The table key ``name`` (in any of its recorded forms) resolves to, or None."""
        key = self.index.get(normalize_name(name))
        return key if key in self.table else None

    def __contains__(self, name: str) -> bool:
        return self.key_of(name) is not None

    def canonical(self, name: str) -> tuple[str, str]:
        entry = self.table[self.index[normalize_name(name)]]
        return entry[0], entry[1]

    def drop(self, key: str, per_sentence: list) -> None:
        """Forget entity ``key`` with every form that resolves to it, and its mentions.

        Mentions are matched through the index, not by their own normalised name: a mention
        written as an alias ("TCM") resolves to the entity's key ("traditionalchinesemedicine")
        and must go with it, or it would later resolve to an entry that no longer exists.
        """
        for i, mentions in enumerate(per_sentence):
            per_sentence[i] = [m for m in mentions if self.index.get(normalize_name(m.name)) != key]
        del self.table[key]
        self.index = {form: k for form, k in self.index.items() if k != key}

    def records(self) -> list[dict]:
        out = []
        for name, etype, _, aliases in sorted(self.table.values(), key=lambda e: (e[1], e[0].casefold(), e[0])):
            record = {"name": name, "type": etype}
            if aliases:
                record["aliases"] = sorted(aliases)
            out.append(record)
        return out


def _found(masked: list, vocab: Vocabulary, proposed: list, tagger=None) -> tuple[list, list]:
    """Per sentence: the (source, mention) pairs kept, the acronym aliases, and the metric spans.

    The name finder, where there is one, adds the names it finds where no rule found one.
    """
    found, metric_spans = [], []
    by_sentence: dict = {}
    for mention in proposed:
        by_sentence.setdefault(mention.sentence, []).append(mention)
    paper = ""
    for index, sentence in enumerate(masked):
        tagged, aliases, metrics = _sentence_mentions(sentence.text, vocab, index)
        if vocab.sensed_names and any(m.name in vocab.sensed_names for _, m in tagged):
            paper = paper or " ".join(s.text for s in masked)
            tagged = [t for t in tagged if t[0] != "vocabulary" or _in_sense(t[1], sentence.text, paper, vocab)]
        tagged.extend(zip(repeat("proposal"), by_sentence.get(index, ())))
        kept = _drop_overlaps(tagged)
        if tagger is not None:
            learned = tagger.mentions(sentence.text, [m for _, m in kept], index, vocab, sentence.is_title)
            if learned:
                kept = sorted(kept + [("tagger", m) for m in learned], key=lambda t: t[1].start)
        found.append((kept, aliases))
        metric_spans.append(metrics)
    return found, metric_spans


def _in_sense(mention: Mention, sentence: str, paper: str, vocab: Vocabulary) -> bool:
    """False where a spelling the vocabulary gives a sense to is used otherwise here: "zero-shot"
    is prompting in "LLMs prompted in a zero-shot setting", not in "zero-shot segmentation"."""
    sensed = vocab.senses.get(normalize_name(mention.surface))
    return sensed is None or sensed[0] != mention.name or sensed[1].holds(sentence, mention.end, paper)


def masked_sentences(paper: Paper) -> list:
    """The paper's sentences (title first) with URLs blanked out, as every stage reads them."""
    return [s._replace(text=_mask_urls(s.text)) for s in paper_sentences(paper.title, paper.abstract)]


def rule_mentions(masked: list, vocab: Vocabulary) -> list[list]:
    """The rules' mentions of each sentence: what the name finder sees of them, in training as in use."""
    found, _ = _found(masked, vocab, proposals(masked, vocab))
    return [[m for _, m in kept] for kept, _ in found]


def extract(paper: Paper, vocab: Vocabulary, tagger=None) -> dict:
    """One extraction record for ``paper`` (see the module docstring); ``tagger``, a
    :class:`kg.extract.tagger.NameTagger`, adds the names the rules miss."""
    forget_sentences()  # what the stages share about a sentence is for this paper only
    sentences = paper_sentences(paper.title, paper.abstract)
    entities = _Entities()
    masked = [s._replace(text=_mask_urls(s.text)) for s in sentences]
    proposed = proposals(masked, vocab)
    expansion = title_expansion(paper.title)
    # the abstract's appositive ("X, a new benchmark") types a name better than the title's subtitle
    for mention in sorted(proposed, key=lambda m: sentences[m.sentence].is_title):
        forms = [mention.surface]
        if expansion and normalize_name(expansion[0]) == normalize_name(mention.surface):
            forms.append(expansion[1])
        entities.add(mention.name, mention.type, _SOURCE_RANK["proposal"], forms)

    found, metric_spans = _found(masked, vocab, proposed, tagger)
    found = _specialise_classification(_rivals(_repeat_coined(found, masked), masked, proposed, vocab), vocab)
    per_sentence = []
    for kept, aliases in found:
        for source, mention in kept:
            forms = [mention.surface, *aliases.get(normalize_name(mention.name), ())]
            entities.add(mention.name, mention.type, _SOURCE_RANK[source], forms)
        per_sentence.append([m for _, m in kept])

    _drop_weak_domains(entities, per_sentence, sentences)
    _drop_background_only(entities, per_sentence, sentences)
    proposed = [m for m in proposed if m.name in entities]  # a dropped name proposes nothing
    # a paper about language models that names no other data works on text
    text = vocab.lookup("text")
    if (
        text
        and text[1] == "Modality"
        and not any(e[1] == "Modality" for e in entities.table.values())
        and _LANGUAGE_MODELS.search(f"{paper.title} {paper.abstract}")
    ):
        entities.add(text[0], text[1], _SOURCE_RANK["vocabulary"])
    # every mention under its paper-level canonical name and type
    # (tuple.__new__: a Mention made from its fields at once, the cheapest way there is)
    resolved = [[_new(Mention, entities.canonical(m.name) + m[2:]) for m in ms] for ms in per_sentence]
    proposed_keys = {normalize_name(entities.canonical(m.name)[0]) for m in proposed}
    proposed_keys |= _proposed_family(entities, proposed_keys)
    record = paper.to_record()
    record["entities"] = entities.records()
    record["relations"] = _relations(sentences, resolved, proposed, proposed_keys, entities, vocab)
    record["results"] = _results(
        sentences, resolved, metric_spans, proposed_keys, _focus(proposed, entities), entities, vocab
    )
    record["relations"] = R.consistent(
        R.dedupe(record["relations"] + _scored_on(record["results"], entities)),
        {e[0]: e[1] for e in entities.table.values()},
        vocab,
    )
    return record


# The guideline's Domain labels (with the ones it scores as medical).
_BROAD_DOMAINS = frozenset(
    "medical biomedical clinical general code math legal multilingual radiology oncology healthcare".split()
)
_CONCESSIVE = re.compile(r"(?:While|Whereas|Although|Unlike)\b")
_CONTRASTED = re.compile(r"\b(?:unlike|rather than|instead of|beyond)\s+(?:[\w-]+\s+){0,2}$", re.I)
_AVAILABILITY = re.compile(r"\b(?:available|released?|open-?sourced?|github|publicly)\b", re.I)


def _drop_weak_domains(entities: _Entities, per_sentence: list, sentences: list) -> None:
    """Drop domain cues that are not the paper's field: "code" in an availability
    statement ("code is available"), "general" when a specific domain is present, and
    narrow fields ("pathology", "education") when a guideline domain is present."""
    for index, sentence in enumerate(sentences):
        if not any(m.type in _LAYERED for m in per_sentence[index]):  # only modalities and domains go here
            continue
        code = [m for m in per_sentence[index] if m.type in _LAYERED and m.surface.casefold() == "code"]
        if code and _AVAILABILITY.search(sentence.text):
            per_sentence[index] = [m for m in per_sentence[index] if m not in code]
        # "Unlike mathematical reasoning, medical ...", "While O1 excels in mathematics, ...": the field
        # the paper sets itself against
        if any(m.type == "Domain" for m in per_sentence[index]):
            contrast = sentence.text.find(",") if _CONCESSIVE.match(sentence.text) else -1
            per_sentence[index] = [
                m
                for m in per_sentence[index]
                if not (
                    m.type == "Domain"
                    and (m.start < contrast or _contrasted(sentence.text, max(0, m.start - 40), m.start))
                )
            ]
    named = {(entities.key_of(m.name), m.type) for mentions in per_sentence for m in mentions}
    domains = {name for name, etype in named if etype == "Domain"}
    # a paper in one of the guideline's broad fields is not also in a sub-field ("pathology")
    broad = bool(domains & _BROAD_DOMAINS)
    for key, (_name, etype, _, _) in list(entities.table.items()):
        unused = etype in _LAYERED and (key, etype) not in named
        narrow = etype == "Domain" and broad and key not in _BROAD_DOMAINS
        if unused or narrow or (etype == "Domain" and key == "general" and len(domains) > 1):
            entities.drop(key, per_sentence)


_CONTRAST_WORDS = ("unlike", "than", "instead of", "beyond")  # one of which every match of _CONTRASTED holds


def _contrasted(text: str, start: int, end: int) -> bool:
    """True where ``text[start:end]`` ends with "unlike", "rather than" ... and up to two words."""
    return may_hold_in(text, start, end, _CONTRAST_WORDS) and _CONTRASTED.search(text, start, end) is not None


def _voiced(sentences: list) -> list[bool]:
    """Per sentence: True once the authors speak ("we", "our", "this paper"); the title counts as theirs.

    Abstract sentences before that are background: they tell what others did.
    """
    flags, spoken = [], False
    for sentence in sentences:
        spoken = spoken or (not sentence.is_title and _authors_speak(sentence.text))
        flags.append(spoken or sentence.is_title)
    return flags


@per_sentence
def _authors_speak(text: str) -> bool:
    """True where the sentence has the authors speak (:data:`_AUTHORS`); asked by several stages."""
    return says(text, _AUTHORS_WORDS) and _AUTHORS.search(text) is not None


# "could pave the way for procedure planning": what the work may lead to, not what it does.
_PROSPECTIVE = re.compile(
    r"\bpaves? the way\b|\bfuture (?:work|research|developments?|applications?|directions?)\b", re.I
)


def _prospective(text: str) -> bool:
    # the plain substring tests skip the pattern in most sentences
    return ("pave" in text or "uture" in text) and _PROSPECTIVE.search(text) is not None


def _drop_background_only(entities: _Entities, per_sentence: list, sentences: list) -> None:
    """Drop tasks and datasets named only in background sentences (before the authors speak) or in
    prospects ("paves the way for X"): they belong to others' work. (Methods and modalities there still
    describe the field.)
    Where the authors name no task at all, the abstract's opening sentence, which states the
    problem, gives it."""
    foreground, opening = set(), set()
    voiced = _voiced(sentences)
    for index, (sentence, mentions, own) in enumerate(zip(sentences, per_sentence, voiced, strict=False)):
        keys = {(entities.key_of(m.name), m.type) for m in mentions}
        if own and not _prospective(sentence.text):
            foreground |= keys
        elif index == (1 if sentences[0].is_title else 0):
            opening = keys
    if not any(own and not sentence.is_title for sentence, own in zip(sentences, voiced, strict=False)):
        return
    if not any(etype == "Task" for _, etype in foreground):
        foreground |= opening
    kept = {key for key, _ in foreground}
    dropped = {
        key for key, (_, etype, _, _) in entities.table.items() if etype in ("Task", "Dataset") and key not in kept
    }
    if not dropped:  # then nothing is inside what goes
        return
    # a modality named only inside such a task ("protein" in "from Go to protein-folding") goes with it
    inside: dict = {}
    for mentions in per_sentence:
        spans = [(m.start, m.end) for m in mentions if entities.key_of(m.name) in dropped]
        for m in mentions:
            if m.type == "Modality":
                held = any(s <= m.start and m.end <= e for s, e in spans)
                key = entities.key_of(m.name)
                inside[key] = inside.get(key, True) and held
    for key in sorted(dropped) + sorted(k for k, held in inside.items() if held and k in entities.table):
        entities.drop(key, per_sentence)


def _proposed_family(entities: _Entities, proposed_keys: set) -> set:
    """Keys of names derived from a proposed one ("Foo-Lite", "Foo-7B-Chat" of "Foo"): proposed too."""
    stems = [entities.table[k][0] for k in proposed_keys if k in entities.table]
    family = set()
    for key, (name, etype, _, _) in entities.table.items():
        if etype in R.SUBJECT_TYPES and any(name.startswith(stem + "-") for stem in stems):
            family.add(key)
    return family


def _specialise_classification(found: list, vocab: Vocabulary) -> list:
    """Bare "classification" is image classification in a paper about images, else too vague to keep."""
    imaging = any(m.type == "Modality" and m.name in IMAGE_MODALITIES for kept, _ in found for _, m in kept)
    image_task = vocab.lookup("image classification")
    out = []
    for kept, aliases in found:
        fixed = []
        for source, m in kept:
            if m.type == "Task" and m.surface.casefold() == "classification":
                if not (imaging and image_task):
                    continue
                m = m._replace(name=image_task[0])
            fixed.append((source, m))
        out.append((fixed, aliases))
    return out


def _focus(proposed: list, entities: _Entities) -> str:
    """The paper's main proposal (first proposed model or method), else ``@paper``."""
    for mention in proposed:
        name, etype = entities.canonical(mention.name)
        if etype in R.SUBJECT_TYPES:
            return name
    return PAPER


def _relations(sentences, resolved, proposed, proposed_keys, entities, vocab) -> list[dict]:
    """The paper's relations: its proposals, each sentence's cue relations, then the paper-level
    conventions (benchmark, title tasks, hierarchy), deduplicated, each with evidence."""
    focus = _focus(proposed, entities)
    models = {e[0] for e in entities.table.values() if e[1] == "Model"}
    found = []
    for key in sorted(proposed_keys):
        name, etype = entities.table[key][:2]
        if etype in NAMED_TYPES:
            found.append(R.relation(PAPER, "proposes", name, "", 0.8))
    for sentence, mentions, own in zip(sentences, resolved, _voiced(sentences), strict=False):
        subject = focus if sentence.is_title else R.sentence_subject(mentions, proposed_keys, focus)
        found += R.sentence_relations(sentence.text, mentions, subject, proposed_keys, models, not own)
        found += R.base_models(sentence.text, mentions, subject, proposed_keys, models)
        found += R.textual_variants(sentence.text, mentions, subject, proposed_keys)
        for mention in mentions:
            if mention.type == "Domain":
                found.append(R.relation(PAPER, "in_domain", mention.name, sentence.text, 0.7))
    found += _benchmark_relations(entities, proposed_keys, resolved, sentences, focus)
    found += _title_task_relations(resolved, sentences, focus, proposed_keys)
    table = {key: (e[0], e[1]) for key, e in entities.table.items()}
    found += R.hierarchy_variants(table, vocab, {key: e[3] for key, e in entities.table.items()})
    found = _drop_training_sets(
        _drop_baselines(found, proposed_keys), entities, proposed_keys, resolved, sentences, vocab
    )
    return R.dedupe(_with_evidence(_drop_generic_image(found, entities), sentences, resolved))


def _drop_baselines(found: list, proposed_keys: set) -> list:
    """A paper that proposes a variant of a method (LoRA+ of LoRA) uses its own, not the one it
    improves on: no paper-level uses_method for what a proposal is a variant of."""
    improved = {
        normalize_name(r["object"])
        for r in found
        if r["predicate"] == "variant_of" and normalize_name(r["subject"]) in proposed_keys
    }
    return [
        r
        for r in found
        if not (r["subject"] == PAPER and r["predicate"] == "uses_method" and normalize_name(r["object"]) in improved)
    ]


def _scored_on(results: list, entities: _Entities) -> list:
    """A model or method that scored on a dataset the paper names was evaluated on it."""
    found = []
    for result in results:
        dataset, subject = result["dataset"], result["subject"]
        key = entities.index.get(normalize_name(dataset)) if dataset else None
        if subject != PAPER and key in entities.table and entities.table[key][1] == "Dataset":
            found.append(R.relation(subject, "evaluated_on", entities.table[key][0], result["evidence"], 0.6))
    return found


def _with_evidence(found: list, sentences: list, resolved: list) -> list:
    """Paper-level relations (proposals, hierarchy) cite the first sentence naming their object."""
    first: dict = {}
    for sentence, mentions in zip(sentences, resolved, strict=False):
        for m in mentions:
            first.setdefault(m.name, sentence.text)
    fallback = sentences[0].text if sentences else ""
    return [
        r if r["evidence"] else {**r, "evidence": first.get(r["object"]) or first.get(r["subject"]) or fallback}
        for r in found
    ]


def _benchmark_relations(
    entities: _Entities, proposed_keys: set, resolved: list, sentences: list, focus: str = PAPER
) -> list:
    """A paper that releases a benchmark is evaluated on it, and so are the models it reports on;
    in a paper that proposes nothing else, the benchmark holds the modalities it names."""
    benchmarks = _released_datasets(entities, proposed_keys)
    tested = _tested(benchmarks, resolved, sentences)
    found = [R.relation(PAPER, "evaluated_on", name, "", 0.5) for name in tested]
    if len(benchmarks) == 1:
        for sentence, mentions, own in zip(sentences, resolved, _voiced(sentences), strict=False):
            if own and not sentence.is_title and tested:
                found += [
                    R.relation(m.name, "evaluated_on", benchmarks[0], sentence.text, 0.4)
                    for m in mentions
                    if m.type == "Model" and normalize_name(m.name) not in proposed_keys
                ]
            if own and focus == PAPER:
                found += [
                    R.relation(benchmarks[0], "has_modality", m.name, sentence.text, 0.4)
                    for m in mentions
                    if m.type == "Modality"
                ]
    return found


def _released_datasets(entities: _Entities, proposed_keys: set) -> list:
    return [
        entities.table[k][0] for k in sorted(proposed_keys) if k in entities.table and entities.table[k][1] == "Dataset"
    ]


def _tested(benchmarks: list, resolved: list, sentences: list) -> list:
    """The released datasets that are test beds: a released training corpus ("PMC-15M, a dataset
    of 15M figure-caption pairs", "an instruction-tuning dataset") is not."""
    return [
        name
        for name in benchmarks
        if _EVALUATION_NAME.search(name)
        or any(
            _EVALUATION_WORD.search(sentence.text) and any(m.name == name for m in mentions)
            for sentence, mentions in zip(sentences, resolved, strict=False)
        )
    ]


def _drop_training_sets(
    found: list, entities: _Entities, proposed_keys: set, resolved: list, sentences: list, vocab: Vocabulary
) -> list:
    """Nothing is evaluated on a released dataset that is no test bed, nor on a known source corpus
    ("selected PubMed articles")."""
    benchmarks = _released_datasets(entities, proposed_keys)
    corpora = set(benchmarks) - set(_tested(benchmarks, resolved, sentences))
    return [
        r
        for r in found
        if not (r["predicate"] == "evaluated_on" and (r["object"] in corpora or vocab.is_corpus(r["object"])))
    ]


_EVALUATION_NAME = re.compile(r"(?:bench|qa|eval|test|challenge)$", re.I)
_EVALUATION_WORD = re.compile(r"\bbenchmark|\bevaluat|\btest(?:ing|s|ed)?\b|\bleaderboard", re.I)


def _title_task_relations(resolved: list, sentences: list, focus: str, proposed_keys: set) -> list:
    """The title's tasks are the paper's: its focus does them, and so do its own models (or, in a
    paper that proposes no model, the models its authors work with)."""
    if not sentences or not sentences[0].is_title:
        return []
    tasks = [m.name for m in resolved[0] if m.type == "Task"]
    if not tasks:
        return []
    actors = {focus} if focus != PAPER else set()
    for mentions, own in zip(resolved[1:], _voiced(sentences)[1:], strict=False):
        if own:
            actors |= {
                m.name
                for m in mentions
                if m.type == "Model" and (focus == PAPER or normalize_name(m.name) in proposed_keys)
            }
    return [R.relation(actor, "applied_to", task, sentences[0].text, 0.4) for actor in sorted(actors) for task in tasks]


def _drop_generic_image(found: list, entities: _Entities) -> list:
    """ "image" says nothing more where the paper names its imaging modality (CT, chest X-ray ...)."""
    specific = any(e[1] == "Modality" and e[0] in IMAGE_MODALITIES and e[0] != "image" for e in entities.table.values())
    if not specific:
        return found
    return [r for r in found if not (r["predicate"] == "has_modality" and r["object"] == "image")]


# The authors speaking: sentences before the first such one are background.
# A pattern searched over whole sentences may open with "(?=[...])": the first letters of its words. Python's
# re then tests only the positions where a word could start (10-30% faster on sentence-long text, measured).
_AUTHORS = re.compile(r"(?=[wothWOTH])\b(?:we|our|this (?:paper|work|study|article)|here)\b", re.I)
_AUTHORS_WORDS = frozenset(["we", "our", "this", "here"])  # one of which every match holds
_DIGIT = re.compile(r"\d")
_THIS_BENCHMARK = re.compile(r"\b(?:this|the same) (?:benchmark|dataset)\b", re.I)
_OUR_OWN = re.compile(
    r"\b(?:our|the proposed|the resulting)\s+(?:\w+\s+)?(?:model|method|approach|framework|system)\b", re.I
)


# Words one of which, and one of the next, every match of the pattern holds (see kg.extract.mentions.says).
_THIS_WORDS, _BENCHMARK_WORDS = frozenset(["this", "same"]), frozenset(["benchmark", "dataset"])
_OUR_WORDS = frozenset(["our", "proposed", "resulting"])
_SYSTEM_WORDS = frozenset(["model", "method", "approach", "framework", "system"])


def _this_benchmark(text: str) -> bool:
    """True where the sentence says "this benchmark", "the same dataset" ..."""
    return says(text, _THIS_WORDS) and says(text, _BENCHMARK_WORDS) and _THIS_BENCHMARK.search(text) is not None


def _our_own(text: str) -> bool:
    """True where the sentence says "our model", "the proposed method" ..."""
    return says(text, _OUR_WORDS) and says(text, _SYSTEM_WORDS) and _OUR_OWN.search(text) is not None


def _results(sentences, resolved, metric_spans, proposed_keys, focus, entities, vocab) -> list[dict]:
    """Results of the abstract's sentences. A result's default subject is the proposal the sentence
    names, else the paper's proposed model or named method (or its proposal when the sentence says
    "our method"), else @paper;
    its default dataset is the paper's one proposed benchmark, else the one dataset it names."""
    focus_type = entities.canonical(focus)[1] if focus != PAPER else None
    title = resolved[0] if sentences and sentences[0].is_title else []
    title_models = {m.name for m in title if m.type == "Model"}
    if focus_type != "Model" and len(title_models) == 1 and focus not in {m.name for m in title}:
        # "Breast Tumor Classification Using EfficientNet": the title's one model reports the scores
        focus, focus_type = title_models.pop(), "Model"
    # a proposed model, or a named method ("Foresight", not "automated preference alignment"), scores
    own_scores = focus_type == "Model" or (focus_type == "Method" and focus != focus.casefold())
    benchmarks = [
        entities.table[k][0] for k in sorted(proposed_keys) if k in entities.table and entities.table[k][1] == "Dataset"
    ]
    # a dataset named only as what was trained on ("trained on MetaMathQA") is no test bed where the
    # paper names another ("... reaches 66.5% on GSM8K"); alone, it is ("fine-tuned on FooQA, reaches 92%")
    named = [
        (m.name, is_training_set(sentence.text, m))
        for sentence, mentions in zip(sentences, resolved, strict=False)
        for m in mentions
        if m.type == "Dataset"
    ]
    datasets = {name for name, trained in named if not trained} or {name for name, _ in named}
    # the paper's own benchmark, else the one dataset it works on
    benchmark = benchmarks[0] if len(benchmarks) == 1 else datasets.pop() if len(datasets) == 1 else None
    found = []
    last_dataset = None
    for sentence, mentions, metrics in zip(sentences, resolved, metric_spans, strict=False):
        if sentence.is_title:
            continue
        if not _DIGIT.search(sentence.text):  # no number, no score
            last_dataset = next((m.name for m in reversed(mentions) if m.type == "Dataset"), last_dataset)
            continue
        default = focus if own_scores or _our_own(sentence.text) else PAPER
        subject = R.sentence_subject(mentions, proposed_keys, default)
        # "On this benchmark, ...": the dataset named last before
        dataset = last_dataset if _this_benchmark(sentence.text) else benchmark
        found += sentence_results(sentence.text, mentions, vocab, subject, dataset, metrics)
        last_dataset = next((m.name for m in reversed(mentions) if m.type == "Dataset"), last_dataset)
    return dedupe_results(found)


class RuleExtractor:
    """The rule extractor as a :class:`kg.extractors.Extractor`: the vocabulary, cue patterns and
    paper-level conventions of this package (registered as ``rules``), then the learned entity
    decisions (:mod:`kg.extract.decisions`), the shipped ones unless ``model`` names a file ``kg
    train`` wrote: a name finder (``.crfsuite``) with the decisions trained with it, or decisions
    alone (``.json``); its version joins the extractor's.

    >>> from kg.records import Paper
    >>> from kg.vocab import Vocabulary, Entry
    >>> rules = RuleExtractor(vocab=Vocabulary([Entry("LoRA", "Method")]))
    >>> rules.name, rules.version == EXTRACTOR_VERSION
    ('rules', True)
    >>> [e["name"] for e in rules.extract(Paper("p1", "T", "We fine-tune with LoRA."))["entities"]]
    ['LoRA']
    """

    name = "rules"
    version = EXTRACTOR_VERSION

    def __init__(self, vocab: Vocabulary | None = None, model=None):
        from pathlib import Path

        from kg.extract.decisions import EntityDecisions, default_decisions
        from kg.vocab import load_vocabulary

        self.vocab = vocab if vocab is not None else load_vocabulary()
        self.tagger = None
        decisions = None
        if model is not None and Path(model).suffix == ".json":
            decisions = EntityDecisions.load(model)
            self.version = f"{self.version}+decisions.{decisions.version}"
        elif model is not None:
            from kg.extract.tagger import NameTagger

            self.tagger = NameTagger(model)
            if "decisions" in self.tagger.card:
                decisions = EntityDecisions.from_dict(self.tagger.card["decisions"], str(model))
            self.version = f"{self.version}+names.{self.tagger.version}"
        # the shipped decisions are read only where the model brings none of its own
        self.decisions = decisions if decisions is not None else default_decisions()

    def extract(self, paper: Paper) -> dict:
        return self.decisions.decide(extract(paper, self.vocab, self.tagger), self.vocab)
