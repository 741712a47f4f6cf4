"""Stage 3: relations from cue patterns within sentences, plus paper-level defaults.

Every relation cites a sentence (its evidence). The *subject* of a
sentence's task, modality, dataset and method mentions is the entity the
sentence is about: a proposed entity it names, else the paper's main proposal,
else ``@paper``; models the sentence names as doers share them. Sentences
before the authors speak are background: the paper itself takes no methods
or tasks from them.
"""

from __future__ import annotations

import itertools
import re

from kg.extract.mentions import folded, may_hold, may_hold_in, per_sentence
from kg.records import PAPER
from kg.vocab import Vocabulary, normalize_name

# "score" right after a name: the name is part of a metric.
_SCORE_AFTER = re.compile(r"\s*scores?\b")
# What separates two items of a list: ",", "and", "or", "&".
_LIST_GAP = re.compile(r"\s*(?:,|and|or|&|, and)\s*")
# "variant(s)" right after a name.
_VARIANTS_AFTER = re.compile(r"\s*variants?\b")
# Separators between the parts of a name.
_PART_SEP = re.compile(r"[\s\-_]+")
# The parts of a CamelCase word: "TriLoRA" -> Tri, Lo, RA.
_CAMEL_PART = re.compile(r"[A-Z][a-z]+|[A-Z]+(?![a-z])|[a-z]+|\d+")

_OUTPERFORM = re.compile(
    r"\b(?:outperform\w*|out-perform\w*|surpass\w*|beat(?:s|ing)?|exceed\w*|superior to|"
    # "7.5% higher mAP on VOC than Y": a measure may stand between the comparative and "than"
    r"(?:better|higher|greater|stronger) (?:[^\s,;]+ ){0,4}?than|"
    r"improv\w* (?:up)?on|(?:improvement|gain|advantage|reduction)s? (?:[^\s,;]+ ){0,4}?over)\b",
    re.I,
)
# "Compared to Y, X achieves superior ...": the loser comes first.
_COMPARED_FIRST = re.compile(r"\b(?:compared (?:to|with)|comparing (?:to|with)|relative to|against)\b", re.I)
_POSITIVE = re.compile(
    r"\b(?:outperform\w*|superior|better|improv\w*|surpass\w*|exceed\w*|higher|gains?|advantage|faster|"
    r"speed-?ups?|reduc\w*)\b",
    re.I,
)
# "6.98 on FLUX, outperforming Y": a model right after "on" is where the winner was tested.
_ON_BEFORE = re.compile(r"\bon\s+(?:the\s+)?$", re.I)
# "X achieves higher accuracy compared to Y": what, right before "compared to", says the first side wins.
_LEAD = re.compile(r"\b(?:superior|better|higher|faster|stronger|speed-?ups?|gains?|improvements?|advantages?)\b", re.I)
# "the superiority of X over Y", "superior performance of our X to Y": the winner sits inside the cue.
_SUPERIORITY = re.compile(
    r"\b(?:superiority|(?:superior|better) (?:performance|results?|accuracy|effectiveness)) of "
    r"(?P<winner>[^,;]{1,60}?) (?:to|over|than|against)\b",
    re.I,
)
_CLAUSE_END = re.compile(
    r";|, (?:while|whereas|but|although|and (?:it|we|our))\b| (?:while|but) |"
    r" and (?:match|achiev|perform|remain|show|obtain|reach)\w*"
)
# "by fine-tuning", "via LoRA": the means of winning, not a competitor.
_MEANS_BEFORE = re.compile(r"\b(?:by|via|through|using|with|after|under)\s+(?:both\s+)?$", re.I)
# "exceeds a threshold by utilizing LoRA", "surpasses X through adapting Y": the object of the comparison
# ends where the means (or purpose) clause begins; what follows is not compared against.
_MEANS_CLAUSE = re.compile(
    r"\b(?:by|via|through)\s+(?:[\w-]+ly\s+)?(?:utili[sz]\w*|us(?:e|es|ing)|leverag\w*|employ\w*|exploit\w*|"
    r"apply\w*|adopt\w*|integrat\w*|incorporat\w*|combin\w*|replac\w*|the use of)\b|"
    r"\b(?:utili[sz]ing|leveraging|employing|exploiting)\b",
    re.I,
)
# "SPT uses LoRA to outperform ...": the named means is not the winner, its user is.
_MEANS_WINNER_BEFORE = re.compile(
    r"\b(?:uses?|using|utili[sz]\w*|leverag\w*|employ\w*|appl(?:y|ies|ying)|adopt(?:s|ing)?)\s+(?:the\s+)?$",
    re.I,
)
# "aligns LLMs with specialised models (e.g., BiomedCLIP), achieving a gain over Y": an example wins nothing.
_EXAMPLE_BEFORE = re.compile(r"(?:\be\.g\.,?|\bsuch as|\blike|\bincluding)\s+$", re.I)
# "better than fine-tuning on RoBERTa": the model after "on" is the test bed, not a competitor ("the
# fine-tuned MedSAM" is one: a model in its fine-tuned form).
_TEST_BED_BEFORE = re.compile(r"\b(?:on|to|fine-?tun(?:e|es|ing))\s+(?:the\s+|both\s+)?$", re.I)
# "models such as Mistral and Llama 3": test beds too, unless the sentence compares against them.
_MODELS_LIKE_BEFORE = re.compile(r"\b(?:models?|LLMs?|backbones?)\s+(?:such as|including|like)\s+$", re.I)
_MODEL_LIST_GAP = re.compile(r"\s*(?:\([^()]*\)\s*)?(?:,\s*(?:and\s+)?|and\s+|or\s+)")
# The size a model's name may leave outside its mention: "LLaMA-7B" is found as LLaMA.
_SIZE_TAIL = re.compile(r"[\s-]?\d+(?:\.\d+)?[BMK]\b")
# "PEFT (LoRA and SVD)", "fine-tuning techniques such as LoRA": a class introducing its members;
# "fine-tuning GPT-4o": the technique applied to the real contender.
# (a year in brackets dates a release or cites it: "GPT-4 Turbo (April 2024)")
_MEMBERS_AFTER = re.compile(
    r"\s*(?:(?:[\w-]+\s+)?(?:\((?![^()]*\b\d{4}\s*\))|such as\b|like\b|including\b|e\.g\.)|$)", re.I
)
# "can be improved on X after ...": passive, no winner.
_PASSIVE_BEFORE = re.compile(r"\b(?:be|been|is|are|was|were)\s+$", re.I)
# Cues right before a base model: "built upon X", "fine-tuned from X and Y", "its base model, X".
_BASE_CUE = re.compile(
    r"\b(?:built (?:up)?on|build(?:s|ing)? (?:up)?on|based on|fine-?tun(?:ed|ing|es?) (?:from|on top of)|"
    r"initiali[sz](?:ed|ing) (?:from|with)|(?:continually |continued )?pre-?trained from|start(?:s|ing)? from|"
    r"adapts?|adapting|derived from|on top of|leveraging the|(?:(?:its|the|a|our) )?base (?:model|LLM)s?(?: [a-z]+)?,?(?: \()?|"
    r"(?:a|an|the) fine-?tuned|fine-?tune[sd]?(?: on)?|instruction-?tuned)\s+"
    # "a pre-trained general LLM model (X)", "the large-scale image segmentation model, X"
    r"(?:(?:(?:a|an|the|pre-?trained|general|open-source|[\w-]+'s)\s+){0,3}|(?:[\w-]+\s+){0,5}?"
    r"(?:model|LLM|network|backbone)s?,?\s+)\(?$",
    re.I,
)
# "(the baseline we) fine-tuned from X": an outright base, even among the rivals of a comparison.
_EXPLICIT_BASE_BEFORE = re.compile(
    r"\b(?:fine-?tuned|trained|initiali[sz]ed|derived|built) (?:from|upon|on top of)\s+(?:the\s+)?$", re.I
)
# "its base model, X" / "base model (X)".
_BASE_MODEL_CUE = re.compile(r"\bbase (?:model|LLM)s?,?\s+\(?$", re.I)
# "X as its foundation model": X is the base.
_BASE_ROLE_AFTER = re.compile(r"^,?\s+as (?:its|the|our) (?:base|foundation|backbone|starting|initial)\b", re.I)
# "Based on X, we ...": the authors' own model is built on X.
_LEADING_BASE = re.compile(r"^(?:Based|Built|Building|Starting|Initiali[sz]ed)\b")
# "a LLaMA-based LLM": the model before "-based" is the base.
_BASED_AFTER = re.compile(r"^-?based\b", re.I)
_VARIANT_CUE = re.compile(
    r"\b(?:variants? of|extends?|extension of|generali[sz]es?|improves? upon)\s+(?:the\s+)?$", re.I
)
_TRAINED_ON = re.compile(
    r"\b(?:trained|pre-?trained|pre-?training|fine-?tuned|fine-?tuning|tuned|curated|collected|derived|extracted)\s+(?:\w+\s+){0,2}(?:on|from|with)\s+(?:the\s+)?$",
    re.I,
)

SUBJECT_TYPES = ("Model", "Method")


def relation(subject: str, predicate: str, obj: str, evidence: str, confidence: float) -> dict:
    """One relation record in the guideline's format."""
    return {
        "subject": subject,
        "predicate": predicate,
        "object": obj,
        "evidence": evidence,
        "confidence": round(confidence, 2),
    }


def sentence_subject(mentions: list, proposed: set, default: str) -> str:
    """Who a sentence is about: a proposed model or method it names, else ``default``."""
    for mention in mentions:
        if normalize_name(mention.name) in proposed and mention.type in SUBJECT_TYPES:
            return mention.name
    return default


_PREDICATE_OF = {"Task": "applied_to", "Modality": "has_modality", "Dataset": "evaluated_on", "Method": "uses_method"}
# A technique named only as the alternative is not used: "rather than fine-tuning", "unlike LoRA".
_NOT_USED = re.compile(
    r"\b(?:rather than|instead of|unlike|compared (?:to|with)|than|over|without|outperform\w*|surpass\w*|beyond)\s+(?:\w+\s+){0,2}$",
    re.I,
)


def sentence_relations(
    text: str, mentions: list, subject: str, proposed: set, models=frozenset(), background: bool = False
) -> list[dict]:
    """Relations of one sentence: applied_to, has_modality, evaluated_on, uses_method and outperforms.

    The sentence's subject gets its tasks, modalities, datasets and methods, and
    so do the models the sentence names as doers (not those it compares
    against; beside a named proposal, other models only share its datasets). The paper itself is applied to every task (the gold marks that
    optional when a proposal exists). Only models use methods: a method
    subject passes them to the paper. A ``background`` sentence (before the
    authors speak) says what others did: it gives the paper no methods or tasks.
    """
    found = []
    doers = sentence_actors(text, mentions, subject)
    comparing = _comparing(text)
    rivals = rival_spans(text) if comparing and any(m.type == "Method" for m in mentions) else ()
    keys = [normalize_name(m.name) for m in mentions]
    # beside a named proposal, other models are its bases or baselines: they are only tested
    testers_only = any(map(proposed.__contains__, keys))
    for mention, key in zip(mentions, keys, strict=True):
        predicate = _PREDICATE_OF.get(mention.type)
        if predicate is None:
            continue
        begin = max(0, mention.start - 60)
        before = text[begin : mention.start]
        if (
            predicate == "evaluated_on"
            and may_hold_in(text, begin, mention.start, _TRAINED_ON_WORDS)
            and _TRAINED_ON.search(before)
        ):
            continue
        if predicate == "uses_method":
            if _not_used(text, mention.start, before) or any(start <= mention.start < end for start, end in rivals):
                continue
            actors = [subject if subject in models else PAPER, *([] if testers_only else doers)]
        elif predicate == "applied_to":
            actors = [subject, *([] if testers_only else doers), PAPER]
        elif predicate == "has_modality":
            actors = [subject, *([] if testers_only else doers)]
        else:
            actors = [subject, *doers]
        for actor in dict.fromkeys(actors):
            if normalize_name(actor) == key:
                continue
            if background and actor == PAPER and predicate in ("uses_method", "applied_to"):
                continue
            # the paper proposes its own technique, it does not "use" it
            if actor == PAPER and key in proposed and mention.type != "Dataset":
                continue
            found.append(relation(actor, predicate, mention.name, text, 0.6 if actor == subject else 0.5))
    if comparing:
        found += outperforms(text, mentions, subject)
    # the proposed technique, named in an own sentence, is used by the models it is applied to
    if (
        subject != PAPER
        and subject not in models
        and normalize_name(subject) in proposed
        and not background
        and (any(m.name == subject for m in mentions) or _own_work(text))
    ):
        compared = rival_spans(text) if comparing else ()
        found += [relation(name, "uses_method", subject, text, 0.5) for name in test_beds(text, mentions, compared)]
    return found


def _past_size(text: str, end: int) -> int:
    """Where a model's mention ends with a size written outside it ("LLaMA" + "-7B"): a list goes
    on from there ("on LLaMA-7B, Vicuna-7B and Mistral")."""
    size = _SIZE_TAIL.match(text, end)
    return size.end() if size else end


def test_beds(text: str, mentions: list, rivals=()) -> list[str]:
    """Models a sentence applies its technique to: "on RoBERTa, DeBERTa and GPT-3", "fine-tuning
    Phi-2 and Mistral with ORPO", "models such as Mistral and Llama 3" (not when compared against).

    >>> from kg.extract.mentions import Mention
    >>> text = "LoRA matches fine-tuning on RoBERTa and GPT-3."
    >>> test_beds(text, [Mention("RoBERTa", "Model", "RoBERTa", 28, 35, 0), Mention("GPT-3", "Model", "GPT-3", 40, 45, 0)])
    ['RoBERTa', 'GPT-3']
    """
    found, previous = [], None
    for mention in mentions:
        if mention.type != "Model":
            continue
        before = text[max(0, mention.start - 40) : mention.start]
        compared = any(start <= mention.start < end for start, end in rivals)
        if (
            _TEST_BED_BEFORE.search(before)
            or (_MODELS_LIKE_BEFORE.search(before) and not compared)
            or (previous is not None and _MODEL_LIST_GAP.fullmatch(text, previous, mention.start))
        ):
            found.append(mention.name)
            previous = _past_size(text, mention.end)
        else:
            previous = None
    return found


# Literal parts of which every match of a case-insensitive pattern holds one: a sentence without
# any (see kg.extract.mentions.may_hold) is not searched.
_NOT_USED_WORDS = (
    "than",
    "instead of",
    "unlike",
    "compared to",
    "compared with",
    "over",
    "without",
    "outperform",
    "surpass",
    "beyond",
)
_OUTPERFORM_WORDS = (
    "outperform",
    "out-perform",
    "surpass",
    "beat",
    "exceed",
    "better",
    "higher",
    "greater",
    "stronger",
    "superior to",
    "improv",
    "gain",
    "advantage",
    "reduction",
)
_SUPERIORITY_WORDS = ("superior", "better")
_COMPARED_FIRST_WORDS = ("compared to", "compared with", "comparing to", "comparing with", "relative to", "against")
_COMPARISON_WORDS = (*_OUTPERFORM_WORDS, "superior", "compar", "relative to", "against")
_TRAINED_ON_WORDS = ("train", "tun", "curated", "collected", "derived", "extracted")
_BASE_CUE_WORDS = (
    "built",
    "build",
    "based on",
    "tun",
    "initiali",
    "trained from",
    "start",
    "adapt",
    "derived from",
    "on top of",
    "leveraging the",
    "base ",
)
_VARIANT_CUE_WORDS = ("variant", "extend", "extension of", "generali", "improve")
_OWN_WORDS = ("our", "this", "the proposed")
_OWN_HEADS = ("model", "method", "approach", "framework", "technique", "system")


def _not_used(text: str, start: int, before: str) -> bool:
    """True when ``before`` (the text right before ``start``) names the technique after it as the
    alternative: "rather than", "unlike", "without" ..."""
    low = folded(text)
    if low is not None:
        window = low[start - len(before) : start]
        if not any(map(window.__contains__, _NOT_USED_WORDS)):
            return False
    return _NOT_USED.search(before) is not None


@per_sentence
def _comparing(text: str) -> bool:
    """True where the sentence may compare (a cheap gate before the comparison rules)."""
    return may_hold(text, _COMPARISON_WORDS) and _ANY_COMPARISON.search(text) is not None


@per_sentence
def _outperform_cues(text: str) -> tuple:
    """The sentence's "outperforms", "better than", "an improvement over" ... (match objects)."""
    return tuple(_OUTPERFORM.finditer(text)) if may_hold(text, _OUTPERFORM_WORDS) else ()


@per_sentence
def _compared_first_cues(text: str) -> tuple:
    """The sentence's "compared to", "relative to", "against" (match objects)."""
    return tuple(_COMPARED_FIRST.finditer(text)) if may_hold(text, _COMPARED_FIRST_WORDS) else ()


@per_sentence
def _own_work(text: str):
    """The sentence's first "our model", "this method", "the proposed framework" ..., or None."""
    return _OWN_WORK.search(text) if may_hold(text, _OWN_WORDS) and may_hold(text, _OWN_HEADS) else None


@per_sentence
def rival_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Where the sentence speaks of what is compared against: after "outperforms" to the clause's
    end, after "compared to" to the comma ("surpassing models that leveraged fine-tuning")."""
    spans = []
    cues = _outperform_cues(text)
    for cue, after in zip(cues, [*cues[1:], None], strict=False):
        end = _CLAUSE_END.search(text, cue.end())
        stop = end.start() if end else len(text)
        # "higher mAP than A, 3.7% higher mAP than B": the next comparison's measure is no rival
        stop = min(stop, after.start()) if after else stop
        means = _MEANS_CLAUSE.search(text, cue.end(), stop)
        spans.append((cue.end(), means.start() if means else stop))
    for cue in _compared_first_cues(text):
        comma = text.find(",", cue.end())
        spans.append((cue.end(), comma if comma >= 0 else len(text)))
    return tuple(spans)


# Patterns searched over whole sentences open with "(?=[...])": the first letters of their words. Python's
# re then tests only the positions where a word could start (10-30% faster on sentence-long text, measured).
_COMPARED = re.compile(
    r"(?=[tovcaslieburTOVCASLIEBUR])\b(?:than|over|vs\.?|versus|compared (?:to|with)|compar(?:ison|ative)\w* (?:\w+ )?(?:with|to|against)|against|such as|like|including|outperform\w*|surpass\w*|exceed\w*|beat\w*|rather than|instead of|unlike)\b",
    re.I,
)


def sentence_actors(text: str, mentions: list, subject: str) -> list[str]:
    """Models the sentence names as doers: not after a comparison cue ("than", "outperforms"),
    nor named as a base ("built upon X")."""
    if not any(m.type == "Model" for m in mentions):
        return []
    cut = _COMPARED.search(text)
    limit = cut.start() if cut else len(text)
    return [
        m.name
        for m in mentions
        if m.type == "Model"
        and m.start < limit
        and m.name != subject
        and not _base_cue(text, max(0, m.start - 60), m.start)
    ]


def _base_cue(text: str, start: int, end: int) -> bool:
    """True where ``text[start:end]`` ends with a cue before a base model ("built upon", "based on" ...)."""
    return may_hold_in(text, start, end, _BASE_CUE_WORDS) and _BASE_CUE.search(text[start:end]) is not None


def outperforms(text: str, mentions: list, subject: str) -> list[dict]:
    """ "X outperforms/surpasses Y (and Z)", "an improvement over Y", "compared to Y, X is superior".

    The winner is the model/method right before the cue (the sentence's own
    subject when the sentence says "our/this method"), else the subject.
    """
    # "fine-tuned X" names X, "a GPT-4 score" a metric and "zero-shot" the setting: none is a competitor
    # "we fine-tune X" is a verb, not a contender
    candidates = [
        m
        for m in mentions
        if m.type in SUBJECT_TYPES
        and not m.surface.casefold().endswith(("tuned", "trained", "tune", "train"))
        and not _SCORE_AFTER.match(text[m.end : m.end + 8])
        and not _SHOT_SETTING.match(m.name)
    ]
    if (len(candidates) < 2 and subject == PAPER) or not _comparing(text):
        return []
    found = []
    own = _own_work(text)
    beaten = set()  # "a gain over A and an improvement over B": A wins nothing
    # each cue as (where its winner may start, where it must end, where the losers begin)
    cues = [
        (0, cue.start(), cue.end())
        for cue in _outperform_cues(text)
        if not (
            cue.group().casefold().startswith("improv")
            and _PASSIVE_BEFORE.search(text[max(0, cue.start() - 8) : cue.start()])
        )
    ]
    if may_hold(text, _SUPERIORITY_WORDS):
        cues += [(cue.start("winner"), cue.end("winner"), cue.end()) for cue in _SUPERIORITY.finditer(text)]
    for low, high, start in cues:
        winners = [
            m
            for m in candidates
            if low <= m.start
            and m.end <= high
            and m.start not in beaten
            and not _COMPARED_FIRST.search(text[max(0, m.start - 25) : m.start])
        ]
        # "SPT uses LoRA to outperform X": the user of a means wins, not the means; "X scores 6.98
        # on FLUX, outperforming Y": nor does the model it was tested on, nor an example
        while len(winners) > 1 and (
            _MEANS_WINNER_BEFORE.search(text[max(0, winners[-1].start - 20) : winners[-1].start])
            or _ON_BEFORE.search(text[max(0, winners[-1].start - 8) : winners[-1].start])
            or _EXAMPLE_BEFORE.search(text[max(0, winners[-1].start - 12) : winners[-1].start])
        ):
            winners.pop()
        # "our model, X, outperforms": the name after "our" is the winner
        named = winners and (not own or winners[-1].start > own.start())
        winner = (
            winners[-1].name if named else subject if (own and own.start() < high) or not winners else winners[-1].name
        )
        if winner == PAPER:
            continue
        losers = _losers(text, candidates, start, winner)
        beaten |= {m.start for m in losers}
        found += [relation(winner, "outperforms", m.name, text, 0.6) for m in _contenders(text, losers)]
    for cue in _compared_first_cues(text):
        comma = text.find(",", cue.end())
        if comma < 0 or not _POSITIVE.search(text, comma):
            # "X achieves higher accuracy compared to Y": the winner comes first
            lead = _LEAD.search(text, max(0, cue.start() - 60), cue.start())
            if lead is None:
                continue
            ahead = [m for m in candidates if m.end <= lead.start() and m.start not in beaten]
            if not ahead:
                continue
            winner = subject if own and own.start() < lead.start() else ahead[-1].name
            if winner != PAPER:
                losers = _losers(text, candidates, cue.end(), winner)
                found += [relation(winner, "outperforms", m.name, text, 0.55) for m in _contenders(text, losers)]
            continue
        losers = [m for m in candidates if cue.end() <= m.start < comma]
        after = [m for m in candidates if m.start > comma]
        winner = after[0].name if after and not own else subject
        if winner != PAPER:
            found += [
                relation(winner, "outperforms", m.name, text, 0.55)
                for m in _contenders(text, losers)
                if m.name != winner
            ]
    return found


def _losers(text: str, candidates: list, start: int, winner: str) -> list:
    """The candidates compared against from ``start`` to the end of the clause, less the means of
    winning ("by LoRA") and the models it was tried on ("better than fine-tuning on RoBERTa")."""
    end = _CLAUSE_END.search(text, start)
    stop = end.start() if end else len(text)
    means = _MEANS_CLAUSE.search(text, start, stop)
    stop = means.start() if means else stop
    losers = []
    # where the last means or test bed ended: "gains on LLaMA-7B, Vicuna-7B and X" lists more of them
    skipped = -1
    for m in candidates:
        if not start <= m.start < stop or m.name == winner:
            continue
        # (the cue's own last word is no test bed: "superior to X", "compared to X")
        before = text[max(start, m.start - 12) : m.start]
        if (
            _MEANS_BEFORE.search(before)
            or (m.type == "Model" and _TEST_BED_BEFORE.search(before))
            or (skipped >= 0 and _MODEL_LIST_GAP.fullmatch(text, skipped, m.start))
        ):
            skipped = _past_size(text, m.end)
        else:
            losers.append(m)
    return losers


def _contenders(text: str, losers: list) -> list:
    """The losers less a class named before its members ("PEFT (LoRA and SVD)") and a technique
    named before the model it was applied to ("fine-tuning GPT-4o")."""
    return [
        m
        for m, after in zip(losers, [*losers[1:], None], strict=False)
        if after is None or not _MEMBERS_AFTER.match(text, m.end, after.start)
    ]


# Zero-, one- and few-shot use of a model: how it was run, never what it competes with.
_SHOT_SETTING = re.compile(r"(?:zero|one|few|k)[\s\-]?shot\b", re.I)
# A cheap gate: every comparison cue opens with one of these word starts.
_ANY_COMPARISON = re.compile(
    r"(?=[osbeigacrhOSBEIGACRH])\b(?:out-?perform|surpass|beat|exceed|better|higher|greater|stronger|superior|improv|gain|"
    r"advantage|reduction|compar|relative to|against)",
    re.I,
)
_OWN_WORK = re.compile(
    r"\b(?:our|this|the proposed)\s+(?:\w+\s+)?(?:model|method|approach|framework|technique|system)\b", re.I
)


def base_models(text: str, mentions: list, subject: str, proposed: set, models=frozenset()) -> list[dict]:
    """fine_tuned_from: "built upon X", "fine-tuned from X and Y", "its base model, X", "an X-based LLM",
    "X as its foundation model".

    The derived model is a proposed model the sentence names (else ``subject``
    when it is a model the sentence names, or the authors' model in "Based on X, we ...");
    the bases follow the cue, with those coordinated to them.
    """
    found = lineage(text, mentions)
    # a comparison names its rivals, not what anything was built from: "X outperforms SAM and the
    # fine-tuned MedSAM" says nothing of MedSAM's base (a rival called the base model still is one)
    rivals = rival_spans(text) if _comparing(text) else ()
    if rivals:
        mentions = [
            m
            for m in mentions
            if not any(start <= m.start < end for start, end in rivals)
            or _BASE_MODEL_CUE.search(text[max(0, m.start - 30) : m.start])
            or _EXPLICIT_BASE_BEFORE.search(text[max(0, m.start - 30) : m.start])
        ]
    derived = [m.name for m in mentions if m.type == "Model" and normalize_name(m.name) in proposed]
    if (
        not derived
        and subject != PAPER
        and (
            any(m.name == subject and m.type == "Model" for m in mentions)
            or (subject in models and _LEADING_BASE.match(text))
        )
    ):
        derived = [subject]
    # "its base model, X": whatever the proposal was typed as, it has a base model
    framed = [m.name for m in mentions if m.type == "Method" and normalize_name(m.name) in proposed]
    if not derived and not framed:
        return found
    previous = None
    for mention in mentions:
        if mention.type != "Model" or mention.name in derived:
            previous = None
            continue
        begin = max(0, mention.start - 60)
        before = text[begin : mention.start]
        coordinated = previous is not None and _LIST_GAP.fullmatch(text[previous : mention.start])
        after = text[mention.end : mention.end + 30]
        sources = derived or framed if _BASE_MODEL_CUE.search(before) else derived
        if sources and (
            _base_cue(text, begin, mention.start)
            or coordinated
            or _BASED_AFTER.match(after)
            or _BASE_ROLE_AFTER.match(after)
        ):
            found += [relation(d, "fine_tuned_from", mention.name, text, 0.6) for d in sources[:1]]
            previous = mention.end
        else:
            previous = None
    return found


# Between a derived model and its base: "X, which is fine-tuned from Y", "X, fine-tuned on top of Y",
# "X is built upon Y", "X (7B), which adapts Y", "X, obtained by fine-tuning Y", "X, an instruction-tuned
# version of Y".
_DERIVED_THEN_BASE = re.compile(
    r"\s*(?:\([^()]*\)\s*)?,?\s*(?:(?:which|that)\s+)?(?:(?:is|was|are|were|has been|have been|being)\s+)?"
    r"(?:[\w-]+ly\s+|further\s+|then\s+|first\s+|also\s+)?(?:"
    r"(?:fine-?tuned|instruction-?tuned|adapted|(?:continually\s+|further\s+)?pre-?trained|initiali[sz]ed|"
    r"derived|built|distilled|trained)\s+(?:from|on top of|upon)|"
    r"(?:fine-?tuned|instruction-?tuned)\s+on|(?:built|based)\s+on|adapts|adapting|"
    r"(?:obtained|created|developed|built|derived|produced)\s+by\s+(?:further\s+|continually\s+)?"
    r"(?:fine-?tuning|instruction-?tuning|adapting|pre-?training|training)|"
    r"(?:an?\s+)?(?:[\w-]+\s+)?(?:fine-?tuned|instruction-?tuned|adapted)\s+(?:version|variant)\s+of"
    r")\s+(?:the\s+)?(?:(?:open-source|pre-?trained|general|base|foundation|original)\s+){0,2}(?:model\s+)?",
    re.I,
)
# Before a base whose derived model comes after: "we fine-tune Y to obtain X", "fine-tuning Y yields X".
_TUNED_BEFORE = re.compile(
    r"\b(?:fine-?tun(?:e|es|ed|ing)|instruction-?tun(?:e|es|ed|ing)|adapt(?:s|ed|ing)?|"
    r"(?:further |continually )?(?:pre-?)?train(?:s|ed|ing)?)\s+(?:the\s+|a\s+)?(?:(?:open-source|pre-?trained|base|general)\s+){0,2}$",
    re.I,
)
_BASE_THEN_DERIVED = re.compile(
    r"\s*(?:\([^()]*\)\s*)?(?:[^.;()]{0,80}?\s)?(?:(?:in order )?to (?:obtain|produce|create|derive|develop|build|get)|"
    r"resulting in|yielding|which yields|and obtain|into)\s+(?:the\s+|a\s+|an\s+|our\s+)?(?:[\w-]+\s+){0,3}?"
    r"(?:(?:model|LLM|assistant|chatbot|system)\s*,?\s+)?$",
    re.I,
)
# What a model "trained on" yields that is no base: "fine-tuned on GPT-4 outputs".
_NOT_A_BASE_AFTER = re.compile(r"^\s*-?(?:generated|outputs?|responses?|answers?|annotations?|data|labels?)\b", re.I)


def lineage(text: str, mentions: list) -> list[dict]:
    """fine_tuned_from said outright between two named models, whoever they are: "Guanaco, which is
    fine-tuned from LLaMA", "X is fine-tuned from Y with QLoRA", "X, fine-tuned on top of Y",
    "X, which adapts Y", "we fine-tune Y to obtain X". (Not in the rivals of a comparison.)

    >>> from kg.extract.mentions import Mention
    >>> text = "Guanaco, which is fine-tuned from LLaMA, chats."
    >>> [(r["subject"], r["object"]) for r in lineage(text, [Mention("Guanaco", "Model", "Guanaco", 0, 7, 0), Mention("LLaMA", "Model", "LLaMA", 34, 39, 0)])]
    [('Guanaco', 'LLaMA')]
    """
    models = [m for m in mentions if m.type == "Model"]
    if len(models) < 2:
        return []
    rivals = rival_spans(text) if _comparing(text) else ()
    found = []
    for first, second in itertools.pairwise(models):
        if first.name == second.name or any(start <= m.start < end for m in (first, second) for start, end in rivals):
            continue
        gap = text[first.end : second.start]
        if _DERIVED_THEN_BASE.fullmatch(gap) and not _NOT_A_BASE_AFTER.match(text, second.end):
            found.append(relation(first.name, "fine_tuned_from", second.name, text, 0.6))
        elif _BASE_THEN_DERIVED.fullmatch(gap) and _TUNED_BEFORE.search(text[max(0, first.start - 40) : first.start]):
            found.append(relation(second.name, "fine_tuned_from", first.name, text, 0.6))
    return found


# "X, a novel LoRA technique", "X (...) is a PEFT method", title "X: ... as PEFT Methods".
_APPOSITIVE_KIND = re.compile(
    r"^\s*(?:\([^()]*\)\s*)?(?:,\s*|\s+is\s+|\s+as\s+|:\s*(?:[\w-]+\s+){0,6}as\s+)(?:an?\s+|the\s+)?"
    r"(?:(?:new|novel|simple|efficient|effective|lightweight|general|unified|plug-and-play)\s+)*$",
    re.I,
)


# "PaLM (...) and its instruction-tuned variant, Flan-PaLM"
_ITS_VARIANT = re.compile(
    r"\s*(?:\([^()]*\)\s*)?(?:,\s*)?(?:and\s+)?its\s+(?:[\w-]+\s+){0,2}(?:variant|version|extension)s?,?\s+", re.I
)
# "a domain-specific version of T5 (IT5)"
_VERSION_OF = re.compile(r"\b(?:variant|version|extension)s? of\s+(?:the\s+)?$", re.I)
_OPEN_PAREN = re.compile(r"\s*\(\s*")


def textual_variants(text: str, mentions: list, subject: str, proposed: set | frozenset = frozenset()) -> list[dict]:
    """variant_of from text: "a variant of LoRA", "extends LoRA", "LoRA variants such as X",
    "X and its distilled variant, Y", "a version of X (Y)",
    and a proposal described as a kind of known technique ("X, a novel PEFT method")."""
    found = []
    for first, second in itertools.pairwise(mentions):
        if (
            first.type == second.type
            and first.type in SUBJECT_TYPES
            and (
                _ITS_VARIANT.fullmatch(text, first.end, second.start)
                or (
                    _VERSION_OF.search(text[max(0, first.start - 30) : first.start])
                    and _OPEN_PAREN.fullmatch(text, first.end, second.start)
                )
            )
        ):
            found.append(relation(second.name, "variant_of", first.name, text, 0.6))
    for index, mention in enumerate(mentions):
        if mention.type in SUBJECT_TYPES and normalize_name(mention.name) in proposed:
            for other in mentions[index + 1 : index + 2]:
                # "X is fine-tuned ...": a participle says what was done to X, not what kind X is
                if (
                    other.type == "Method"
                    and not other.surface.endswith("ed")
                    and _APPOSITIVE_KIND.match(text[mention.end : other.start])
                ):
                    found.append(relation(mention.name, "variant_of", other.name, text, 0.6))
    for mention in mentions:
        if mention.type not in SUBJECT_TYPES or mention.name == subject:
            continue
        begin = max(0, mention.start - 40)
        if (
            subject != PAPER
            and may_hold_in(text, begin, mention.start, _VARIANT_CUE_WORDS)
            and _VARIANT_CUE.search(text[begin : mention.start])
        ):
            found.append(relation(subject, "variant_of", mention.name, text, 0.6))
        if _VARIANTS_AFTER.match(text[mention.end : mention.end + 12]):
            for other in mentions:
                if other.type == mention.type and other.start > mention.end and other.name != mention.name:
                    found.append(relation(other.name, "variant_of", mention.name, text, 0.5))
    return found


def hierarchy_variants(entities: dict, vocab: Vocabulary, expansions: dict | None = None) -> list[dict]:
    """variant_of from the vocabulary's hierarchy, from name derivations and from a name's known tail.

    ``entities`` maps normalised name -> (name, type); ``expansions`` maps a
    normalised name to its spelled-out forms. Only named entities get a parent
    from the hierarchy (the gold leaves "full fine-tuning" under "fine-tuning"
    unsaid). "Med-Foo-2D" and "Foo-Pro" are variants of "Med-Foo" and "Foo";
    "FooLoRA", "Bar-Adapter" and "Baz Sparse Fine-Tuning" of the known
    technique their name ends with.
    """
    found = []
    for key, (name, etype) in sorted(entities.items()):
        if etype not in SUBJECT_TYPES:
            continue
        parent = vocab.broader(name)
        # a model's listed family is known, not stated: only methods take their parent from the vocabulary
        if (
            parent
            and etype == "Method"
            and name != name.lower()
            and normalize_name(parent) in entities
            and normalize_name(parent) != key
        ):
            found.append(relation(name, "variant_of", entities[normalize_name(parent)][0], "", 0.5))
        # a model adapted from a listed base is fine-tuned from it ("LLaVA-Med" of "LLaVA"), not a variant
        bases = {normalize_name(b) for b in vocab.base(name)} if etype == "Model" else set()
        for other_key, (other, other_type) in entities.items():
            if other_type == etype and other_key != key and key.startswith(other_key) and _derived(name, other):
                predicate = "fine_tuned_from" if other_key in bases else "variant_of"
                found.append(relation(name, predicate, other, "", 0.5))
        # a coined name ("FooLoRA"), not a described technique ("domain-oriented fine-tuning")
        if not vocab.lookup(name) and name != name.lower():
            for form in (name, *(expansions or {}).get(key, ())):
                tail = _known_tail(form, vocab)
                if tail:
                    found.append(relation(name, "variant_of", tail, "", 0.5))
                    break
    return found


def _known_tail(name: str, vocab: Vocabulary) -> str | None:
    """The known technique a coined name ends with: "Foo-Adapter" -> adapters, "BarLoRA" -> LoRA."""
    parts = [p for p in _PART_SEP.split(name) if p]
    camel = _CAMEL_PART.findall(parts[-1]) if parts else []
    tails = [" ".join(parts[-size:]) for size in range(len(parts) - 1, 0, -1)]
    tails += ["".join(camel[-size:]) for size in range(len(camel) - 1, 0, -1)]
    for tail in tails:
        hit = vocab.lookup(tail)
        if hit and hit[1] == "Method":
            return hit[0]
    return None


def _derived(name: str, stem: str) -> bool:
    """True when ``name`` is ``stem`` plus a hyphenated suffix: "Med-Gemini-2D" of "Med-Gemini",
    "SAT-Pro" of "SAT" (a capitalised or numbered suffix)."""
    if not name.casefold().startswith(stem.casefold() + "-"):
        return False
    suffix = name[len(stem) + 1 :]
    return (
        "-" in stem or suffix[:1].isupper() or suffix[:1].isdigit()
    ) and suffix.casefold() not in _TECHNIQUE_SUFFIXES


# Name suffixes that say what kind of technique a name is, not which family member it is.
_TECHNIQUE_SUFFIXES = frozenset("adapter adapters lora prompt prompts tuning former net".split())


def consistent(relations: list[dict], types: dict, vocab: Vocabulary | None = None) -> list[dict]:
    """The relations of one record less those that contradict the rest (``types`` maps a name to its
    entity type; ``vocab`` gives the known bases of models):

    - a fine_tuned_from that would close a cycle (with the others, most confident first, and with the
      vocabulary's known bases: SAM is not fine-tuned from MedSAM, MedSAM is from SAM);
    - a variant_of between two models one of which is fine-tuned from the other: the base relation
      says more;
    - an outperforms whose ends are not both models or methods, or between a method and a model it
      is applied to (its test bed: "LoRA on GPT-2" does not beat GPT-2), and the less confident of
      two opposite outperforms (both when equally sure).

    >>> rels = [relation("SAM", "fine_tuned_from", "MedSAM", "", 0.6), relation("MedSAM", "fine_tuned_from", "SAM", "", 0.5)]
    >>> [(r["subject"], r["object"]) for r in consistent(rels, {"SAM": "Model", "MedSAM": "Model"})]
    [('SAM', 'MedSAM')]
    """
    key = normalize_name
    ranked = sorted(relations, key=lambda r: -r["confidence"])
    bases: dict = {}  # derived -> set of bases, by key

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(bases.get(node, ()))
        return False

    if vocab is not None:
        todo = [name for name, etype in types.items() if etype == "Model"]
        done: set = set()
        while todo:
            name = todo.pop()
            if key(name) in done:
                continue
            done.add(key(name))
            for base in vocab.base(name):
                known = vocab.lookup(base)
                base = known[0] if known else base
                bases.setdefault(key(name), set()).add(key(base))
                todo.append(base)
    dropped = set()
    for rel in ranked:
        if rel["predicate"] != "fine_tuned_from":
            continue
        subject, obj = key(rel["subject"]), key(rel["object"])
        if reaches(obj, subject):
            dropped.add(id(rel))
        else:
            bases.setdefault(subject, set()).add(obj)
    tuned = {
        (key(r["subject"]), key(r["object"]))
        for r in relations
        if r["predicate"] == "fine_tuned_from" and id(r) not in dropped
    }
    applied = {(key(r["subject"]), key(r["object"])) for r in relations if r["predicate"] == "uses_method"}
    beats: dict = {}
    for rel in relations:
        if rel["predicate"] == "outperforms":
            pair = (key(rel["subject"]), key(rel["object"]))
            beats[pair] = max(beats.get(pair, 0.0), rel["confidence"])
    out = []
    for rel in relations:
        subject, obj, predicate = key(rel["subject"]), key(rel["object"]), rel["predicate"]
        if id(rel) in dropped:
            continue
        if predicate == "variant_of" and ((subject, obj) in tuned or (obj, subject) in tuned):
            continue
        if predicate == "outperforms":
            ends = (types.get(rel["subject"]), types.get(rel["object"]))
            if (
                not all(t in SUBJECT_TYPES for t in ends)
                or (obj, subject) in applied
                or beats.get((obj, subject), -1.0) >= rel["confidence"]
            ):
                continue
        out.append(rel)
    return out


def dedupe(relations: list[dict]) -> list[dict]:
    """One relation per (subject, predicate, object), keeping the most confident; sorted."""
    best: dict = {}
    for rel in relations:
        if normalize_name(rel["subject"]) == normalize_name(rel["object"]):
            continue
        key = (rel["subject"], rel["predicate"], rel["object"])
        if key not in best or rel["confidence"] > best[key]["confidence"]:
            best[key] = rel
    return [best[key] for key in sorted(best)]
