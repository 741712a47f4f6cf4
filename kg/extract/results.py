"""Stage 4: reported absolute scores — number + unit + metric + dataset + subject.

"72.6% accuracy on MedQA", "an accuracy of 72.6%", "Dice of 0.85", "AUC 0.91",
"precision@10 of 0.80, 0.81 and 0.91", "X (79.0% vs. 66.7%)", "81.7% and 74.2%
on A and B". Relative gains ("improves by 2.4%", "a 3% accuracy improvement")
and starting points ("from 91.3% to 94.5%") are not results.
"""

from __future__ import annotations

import re

from kg.extract.mentions import cased_metrics, is_name_like, layered_matches, may_hold_in
from kg.extract.proposed import BASE_BEFORE
from kg.records import PAPER
from kg.vocab import Vocabulary

# The cut-off of a ranking metric: "@10".
_CUTOFF = re.compile(r"@\s*(\d+)")
# Between a score and its deviation: "72.1 ± 0.3", "0.93 pm 0.01", "0.9 $\pm$ 0.1".
_DEVIATION = re.compile(r"\s*\$?(?:±|\\pm|pm|\+/-|\+-)\$?\s*")
# A unit after a deviation: "± 6.37 mmHg".
_DEVIATION_UNIT = re.compile(r"\s*(?:mmHg|mm|cm|ms|dB|pp|points?)\b")
# A "vs." later inside the same parenthesis.
_VERSUS_AHEAD = re.compile(r"[^()]*\b(?:vs\.?|versus)\s")
# The one or two lower-case words before "(".
# (lower-case words only: "like nnU-Net-34B (79.0% vs. 66.7%)" names a model, not a metric)
_WORDS_BEFORE_PAREN = re.compile(r"(?<![\w\-])((?:[a-z](?:(?![A-Z])[\w\-])*\s+)?[a-z](?:(?![A-Z])[\w\-])*)\s*\($")
# What may stand between a model and its score: "-34B (", ": ", "'s ", " at ", " performance (".
_NAME_NUMBER_GAP = re.compile(r"(?:['\u2019]s)?[\s(:,\-]*(?:\d+[BbMm]?\s*)?(?:(?:at|performance)\s*)?[\s(:,]*")
# A model's verb of achievement up to its score: " attains an accuracy of ", " (ours) achieves ".
_DOES = re.compile(
    r"\s*(?:\([^()]{0,30}\)\s*)?(?:\w+ly\s+|also\s+)?(?:achiev\w*|attain\w*|reach\w*|obtain\w*|scor(?:es|ed|ing)|record\w*|yield\w*|deliver\w*)\b[^.;,]*$"
)
# "for", "with" or "by" between a number and the model it belongs to.
_FOR_GAP = re.compile(r"\s*(?:for|with|by)\s+(?:the\s+)?")
# "score" right after a name: the name is part of a metric.
_SCORE_AFTER = re.compile(r"\s*score")
# A comparison cue shortly before a model: the model is the baseline.
_COMPARED_BEFORE = re.compile(
    r"\b(?:than|over|vs\.?|compared|outperform\w*|surpass\w*|exceed\w*|like)\s+(?:\S+\s+){0,3}\(?$"
)
# A comparison verb earlier in the same stretch: "surpasses models including A and B" (A, B are rivals).
_RIVAL_BEFORE = re.compile(r"\b(?:surpass\w*|outperform\w*|exceed\w*|beat\w*|better than|over)\b[^.;:,]*$", re.I)
# "with (fine-tuned)" right before a model that scored a number.
_WITH_BEFORE = re.compile(r"\bwith\s+(?:the\s+)?(?:fine-?tuned\s+|pre-?trained\s+)?$")
# What separates two listed datasets.
_LIST_GAP = re.compile(r"\s*(?:,|and|or|, and)\s*(?:the\s+)?")
# "on (the) X" introducing a dataset.
# ("on the clean and other test sets of X": a part of a dataset is scored on the dataset)
_ON_BEFORE = re.compile(
    r"\b(?:on|in|for|across)\s+(?:the\s+)?(?:(?:[\w-]+\s+){0,2}|"
    r"(?:[\w-]+\s+){0,4}(?:sets?|splits?|subsets?|partitions?|portions?)\s+of\s+(?:the\s+)?)$"
)
# "on Foo-QA", "on five-shot MMLU", "in MT-Bench" right after a number ("in" names only a known
# dataset: "in F1" is no benchmark).
_ON_NAME = re.compile(
    r"\s*(on|in)\s+(?:the\s+)?(?:(?:zero|one|few|two|three|four|five|ten|\d+)[-\s]shot\s+)?([A-Z][\w\-]*[\w])"
)
# Between the model and "from": a size ("Llama-2-7B", the name being "Llama-2"), a bracket.
_BEFORE_FROM = re.compile(r"(?:[-\s]?\d+(?:\.\d+)?[BbMm]\b)?\s*(?:\([^()]{0,20}\)\s*)?")
# A clause or sentence break.
_CLAUSE_BREAK = re.compile(r";|\.\s")
# "On", "In" ... opening a sentence.
_LEADING_ON = re.compile(r"\s*(?:On|In|Across|For)\s+(?:the\s+)?(?:[a-z][\w\-]*\s+){0,2}")
# "base model" right before a model.
_BASE_MODEL_BEFORE = re.compile(r"\bbase model\W{0,3}$")
# A number with its unit; "7B", "3D" and "H100" are not numbers here.
_NUMBER = re.compile(r"(?<![\w.\-])(\d+(?:\.\d+)?)(?:\s*(\\?%|percent\b)|(?!\.?\w))")
# Words right before a number that make it a difference, a bound or a count, not a score: "by",
# "by (an average score) of",
# "margin of", "gain(s) of", "improvement(s) of", "increase(s) of", "boost(s) of", "reduction(s) of",
# "drop(s) of", "penalty/gap/difference/degradation (s) of", "over", "above", "below", "under",
# "less than", "more than", "nearly", "x", "from",
# "only", "up to a", "n =", "surpass...", "exceed...", "outperform...", "beat...", "pm", "of the",
# "top", "for", "with", "in", "than" (each opening a word), or "+", "-", "±"; then perhaps "up to",
# "about", "approximately" or "around", and nothing more. Written backwards, to be matched at the start
# of the reversed text before the number: one attempt, where searching the text for words that end it
# tries every position (some 15 times slower).
_RELATIVE_BEFORE_REVERSED = re.compile(
    r"(?:\s+(?:ot pu|tuoba|yletamixorppa|dnuora))?\s*(?:yb\b|fo (?:[\w\-]+ ){0,3}yb\b|fo nigram\b|fo s?niag\b|"
    r"fo s?tnemevorpmi\b|fo s?esaercni\b|fo s?tsoob\b|fo s?noitcuder\b|fo s?pord\b|"
    r"fo s?ytlanep\b|fo s?pag\b|fo s?ecnereffid\b|fo s?noitadarged\b|revo\b|evoba\b|woleb\b|rednu\b|naht ssel\b|"
    r"naht erom\b|ylraen\b|x\b|morf\b|ylno\b|a ot pu\b|=\s*n\b|\w*ssaprus\b|\w*deecxe\b|\w*mrofreptuo\b|"
    r"\w*taeb\b|\+|-|±|mp\b|eht fo\b|pot\b|rof\b|htiw\b|ni\b|naht\b)",
    re.I,
)
# The "(1)" of an enumeration: "CLARIFID (1) learns ..., (2) is fine-tuned ...".
_ENUMERATOR = re.compile(r"\(\d\)\s+[a-z]")
_RELATIVE_AFTER = re.compile(
    r"^\s*\(\s*\d+(?:\.\d+)?\s*%?\s*(?:vs\.?|versus)\s|"  # "2.5% (90.7% vs. 88.2%)": the gap between two scores
    r"^\s*%?\s*(?:\w+\s+){0,3}?(?:(?:improvement|gain|increase|boost|reduction|decrease|drop)s?|higher|lower|"
    r"better|worse|more|fewer|less|relative|absolute|times|points?\s+(?:higher|improvement|gain))\b|"
    # "2.7 accuracy points", "5.1 BLEU points": a difference in a metric's points; an arrow: a change
    r"^\s*(?:[\w\-@]+\s+){1,2}points?\b|^\s*[\u2191\u2193]|"
    r"^\s*(?:million|billion|thousand|samples|images|cases|patients|questions|tasks|"
    r"datasets|models|parameters|hours|days|years|confidence|CI\b|of (?:the|all|our|these|model|AI)\b|"
    r"fps\b|frames|epochs|steps|tokens|layers|GPUs?\b)",
    re.I,
)
# "accuracy of 72.6%" and "scored up to 86.5%" where the metric is ahead of the number.
_METRIC_GAP = re.compile(
    r"(?:\s*(?:scores?|values?|rates?|metrics?|of|:|=|was|is|were|are|reached|reaching|achieving|achieved|at|"
    r"up to|about|approximately|around|an?|the|average|mean|overall|\(|,|/|\d+(?:\.\d+)?\s*\\?%?))*\s*"
)
_ACHIEVE = re.compile(
    r"\b(?:achiev\w*|reach\w*|attain\w*|obtain\w*|scor\w*|deliver\w*|yield\w*|surpass\w* a score)\b"
    r"(?:\s+(?:a|an|the|up to|approximately|about|around|average|scores?|of|state-of-the-art|overall))*\s*$",
    re.I,
)
# An unnamed metric phrase right before "of N": "an estimation error of 1.29", "relevancy of 97%".
_NAMED_OF = re.compile(r"\b(?:an?|achiev\w*|with)\s+((?:an?\s+)?(?:[A-Za-z][\w\-]*\s+)?[a-z][\w\-]*)\s+of\s*$")
_NOT_METRIC = frozenset(
    "total number set size margin gain improvement increase boost reduction drop budget cost range "
    "subset parameters training amount average sum rate maximum minimum factor group batch "
    "a an and or the this that of in image images text data proportion".split()
)
# Between two numbers of one list: "0.80, 0.81 and 0.91", "83.5% on A, 86.3% on B".
_SEPARATOR = re.compile(
    r"^\s*(?:(?:on|in|for)\s+(?:the\s+)?[\w\-.]+(?:\s+[\w\-.]+)?\s*)?(?:,\s*(?:and\s+)?|and\s+|or\s+|;\s*|/)$"
)
# The rest of a list after its first number, up to where its metric would be named: "63.9 [and 64.9] HOTA".
_LIST_REST = re.compile(r"(?:\s*(?:,\s*(?:and\s+)?|and\s+|or\s+|/)\s*\d+(?:\.\d+)?\s*(?:\\?%)?)+")
# "0.93, 0.94 and 0.89 for Dice score": the metric a list of numbers is given for. (Not "in":
# "an increase of 9.9 in ROUGE-L" is mostly a difference.)
_FOR_METRIC_GAP = re.compile(r"\s*for\s+(?:the\s+)?")
# One or two words between a score and its metric: "80% classification accuracy", "0.91 macro F1".
_WORDS_GAP = re.compile(r"\s*(?:[a-z][\w\-]*\s+){1,2}")
_NOT_IN_METRIC = frozenset("of the in on and or for with a an to by at than more less vs versus".split())
# "A% vs. B%", "A% vs. Foo-8B: B%", "A% on MedQA (compared to B%".
_VERSUS = re.compile(
    r"^\s*(?:[a-z][\w\-]*\s+|on\s+[^();:]{1,60}\(\s*)?(?:vs\.?|versus|compared (?:to|with)|against)"
    r"(?:\s+[\w\-.]+(?:\s+[\w\-.]+)?\s*:)?\s*$",
    re.I,
)
# A cue before a model it is compared against: "surpassing Foo", "over Foo", "than Foo", "like Foo".
_COMPARISON_CUE = re.compile(
    r"\b(?:over|than|vs\.?|versus|surpass\w*|outperform\w*|exceed\w*|beat\w*|like|compared (?:to|with))\b[^.;]{0,25}$",
    re.I,
)
_RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
_STARTING_POINT = re.compile(r"\bfrom\s*$", re.I)
# "from 97.35% to 98.23%": the second number is the score reached.
_FROM_TO = re.compile(r"\bfrom\s+\d+(?:\.\d+)?\s*%?(?:\s+[\w\-]+){0,4}?\s+to\s*$", re.I)
# "accuracy for Llama-2-70B from 55.6% to 81.6%": as _FROM_TO, with nothing between the numbers;
# the model named before "from" scored the first, the paper's method brought it to the second.
_FROM_TAIL = re.compile(r"\bfrom\s+(\d+(?:\.\d+)?)\s*(\\?%)?\s+to\s+$", re.I)
# "correctly identified 71% (of the cases)": an accuracy.
_CORRECTLY = re.compile(
    r"\bcorrectly\s+(?:identif|classif|answer|diagnos|predict|detect|recogni|solv)\w*\s+"
    r"(?:up to\s+|about\s+|approximately\s+)?$",
    re.I,
)


def _value(text: str) -> float | int:
    """The number as printed: an int when it has no decimals.

    >>> _value("72.6"), _value("53")
    (72.6, 53)
    """
    return float(text) if "." in text else int(text)


# "Y, 3.7% higher mAP than Z": a gap over Z, even right after a name.
_GAP_THAN = re.compile(r"\s*%?\s*(?:points?\s+)?(?:higher|lower|better|worse|more|less)\b[^,;.]{0,40}?\bthan\b", re.I)


def _is_relative(text: str, start: int, end: int) -> bool:
    """True when the number at [start, end) is a difference, bound or count rather than a score."""
    # (the text before the number reversed: see _RELATIVE_BEFORE_REVERSED)
    # "0.9% and 2.5% mIoU better": what follows the list tells for each of its numbers
    rest = _LIST_REST.match(text, end)
    return bool(
        _RELATIVE_AFTER.match(text[end : end + 40])
        or (rest and _RELATIVE_AFTER.match(text[rest.end() : rest.end() + 40]))
        or _RELATIVE_BEFORE_REVERSED.match(text[max(0, start - 30) : start][::-1])
    )


def metric_spans(text: str, vocab: Vocabulary) -> list[tuple[int, int, str]]:
    """(start, end, canonical metric) of the metric names in a sentence."""
    return with_cutoffs(text, cased_metrics(text, layered_matches(text, vocab.layers())[-1], vocab))


def with_cutoffs(text: str, spans: list) -> list:
    """Metric spans where a family name ("precision@k") takes the cut-off printed ("P@10" ->
    "precision@10"): a score at 10 is not a score at 1.

    >>> with_cutoffs("P@10 of 0.8", [(0, 4, "precision@k")])
    [(0, 4, 'precision@10')]
    """
    out = []
    for start, end, name in spans:
        cutoff = _CUTOFF.search(text, start, end) if name.endswith("@k") else None
        out.append((start, end, name[:-1] + cutoff.group(1) if cutoff else name))
    return out


def _metric_for(text: str, start: int, end: int, metrics: list) -> str | None:
    """The metric a number reports: named right after it ("72% accuracy", "0.93 and 0.89 for Dice"),
    just before it ("accuracy of 72%", "AUC 0.91"), or as an unnamed phrase before "of" ("relevancy
    of 97%")."""
    rest = _LIST_REST.match(text, end)
    after = rest.end() if rest else end
    for m_start, _, name in metrics:
        if 0 <= m_start - end <= 3 or 0 <= m_start - after <= 3:
            return name
        # (not "gains 2% to 5% for Dice": a difference)
        if _FOR_METRIC_GAP.fullmatch(text, after, m_start) and not _GAIN_BEFORE.search(
            text[max(0, start - 60) : start]
        ):
            return name
        gap = _WORDS_GAP.fullmatch(text, after, m_start) if m_start > after else None
        if gap and not set(gap.group().casefold().split()) & (_NOT_IN_METRIC | _NOT_METRIC):
            return name
    for _, m_end, name in reversed(metrics):
        if m_end <= start and start - m_end <= 40 and _METRIC_GAP.fullmatch(text[m_end:start]):
            return name
    named = _NAMED_OF.search(text[max(0, start - 50) : start])
    # an unnamed metric only for what reads as a score: a percentage or a fraction
    percent = "%" in text[end - 1 : end + 1]
    words = [w for w in named.group(1).casefold().split() if w not in ("a", "an", "the")] if named else []
    if not words or not (percent or text[start:end].startswith("0.") or words[-1] == "score"):
        return None
    if set(words) & _NOT_METRIC:
        return None
    # "a score of 90%" is the benchmark's accuracy
    return "accuracy" if percent and words[-1] in ("score", "scores") else " ".join(words)


def _pair_metric(text: str, start: int, metrics: list) -> str | None:
    """The metric of "(79.0% vs. 66.7%)": a known metric just before the parenthesis, else the word there."""
    offset = max(0, start - 60)
    head = text[offset:start].rstrip()
    if not head.endswith("(") or not _VERSUS_AHEAD.match(text[start : start + 40]):
        return None
    for _, m_end, name in reversed(metrics):
        if 0 <= offset + len(head) - 1 - m_end <= 2:
            return name
    phrase = _WORDS_BEFORE_PAREN.search(head)
    words = phrase.group(1).split() if phrase else []
    while words and words[0] in _NOT_METRIC:
        words.pop(0)
    if words:
        return None if set(words) & _NOT_METRIC else " ".join(words)
    if phrase:  # only non-metric words before it ("a proportion of an image (10% vs. 25%)")
        return None
    # "Model-X (79.0% vs. 66.7%)": the sentence's metric, else accuracy for percentages
    return _sentence_metric(metrics) or ("accuracy" if "%" in text[start : start + 12] else None)


def _numbers(text: str) -> list[tuple[int, int, str, str | None]]:
    r"""(start, end, value text, unit) of each number of a sentence; a deviation ("± 0.01 mm")
    is part of the number before it, so "0.93 ± 0.01 and 0.95 ± 0.02" stays one list.

    >>> [(v, text[s:e]) for text in ["0.93 pm 0.01 mm and 0.95"] for s, e, v, _ in _numbers(text)]
    [('0.93', '0.93 pm 0.01 mm'), ('0.95', '0.95')]
    """
    found: list = []
    for m in _NUMBER.finditer(text):
        if found and _DEVIATION.fullmatch(text, found[-1][1], m.start()):
            unit = _DEVIATION_UNIT.match(text, m.end())
            found[-1] = (found[-1][0], unit.end() if unit else m.end(), *found[-1][2:])
            continue
        found.append((m.start(), m.end(), m.group(1), "%" if m.group(2) else None))
    return found


def _scorer(mention) -> bool:
    """A model, or a named method ("LoRA", "Task Arithmetic", not "fine-tuning" nor a sentence's
    opening "Fine-tuning"): what a score can belong to."""
    return mention.type == "Model" or (
        mention.type == "Method"
        and (mention.name != mention.name.casefold() or mention.surface[1:] != mention.surface[1:].casefold())
    )


def _named_before(mentions: list, position: int, text: str) -> str | None:
    """The model or named method right before a number ("Claude3-Opus (55.7%)", "OpenBioLLM-70B:
    66.4%", "LoRA's 67.7%", "QLoRA at 81.7%")."""
    for mention in reversed(mentions):
        if _scorer(mention) and mention.end <= position:
            gap = text[mention.end : position]
            return mention.name if len(gap) <= 16 and _NAME_NUMBER_GAP.fullmatch(gap) else None
    return None


def _named_after(mentions: list, end: int, text: str) -> str | None:
    """The model or method a number is given for: "38.5% for LoRA"."""
    for mention in mentions:
        if (
            mention.type in ("Model", "Method")
            and 0 <= mention.start - end <= 14
            and _FOR_GAP.fullmatch(text[end : mention.start])
        ):
            return mention.name
    return None


def _subject_for(text: str, start: int, mentions: list, default: str) -> str:
    """Who scored a number: a model named just before it, else the one that "achieves" it, else the
    nearest model earlier in its clause, else one named "with X" right after it, else the
    sentence's subject."""
    close = _named_before(mentions, start, text)
    if close:
        return close
    clause_start = max(text.rfind(";", 0, start), text.rfind(" while ", 0, start), 0)
    # "QPiSSA attains an accuracy of 86%": the one that achieves it, wherever the sentence began
    doer = [
        m
        for m in mentions
        if _scorer(m)
        and clause_start <= m.start
        and m.end <= start
        and start - m.end <= 60
        and _DOES.match(text, m.end, start)
        and not BASE_BEFORE.search(text[max(0, m.start - 30) : m.start])
    ]
    if doer:
        return doer[-1].name
    before = [
        m
        for m in mentions
        if (m.type == "Model" or m.name == default)
        and clause_start <= m.start
        and m.end <= start
        and not _SCORE_AFTER.match(text[m.end : m.end + 8])
        and not BASE_BEFORE.search(text[max(0, m.start - 30) : m.start])
        and not _RIVAL_BEFORE.search(text[clause_start : m.start])
        and not _COMPARED_BEFORE.search(text[max(0, m.start - 40) : m.start])
    ]
    if before:
        return before[-1].name
    after = [
        m
        for m in mentions
        if m.type == "Model"
        and 0 <= m.start - start <= 60
        and _WITH_BEFORE.search(text[max(0, m.start - 30) : m.start])
    ]
    return after[0].name if after else default


# Training data, not a test bed: "trained on X", "when fine-tuning Foo-7B on the X dataset", "tuned with X".
_TRAINING_BEFORE = re.compile(
    r"\b(?:(?:pre-?|fine-?|instruction-?|re)?(?:train|tun)(?:e|es|ed|ing|s)?|distill\w*|learned)\s+"
    r"(?:(?!(?:and|or|then|but|while|evaluat\w*|test\w*|validat\w*|assess\w*|benchmark\w*|achiev\w*|reach\w*|scor\w*)\b)"
    r"[^\s,;.]+\s+){0,3}?(?:on|with|using|from)\s+(?:the\s+)?$",
    re.I,
)


# What every match of _TRAINING_BEFORE holds (a gate: see kg.extract.mentions.may_hold_in).
_TRAINING_WORDS = ("train", "tun", "distill", "learned")


def is_training_set(text: str, mention) -> bool:
    """True for a dataset the sentence names as training data ("trained on MetaMathQA"): no score
    was measured on it.

    >>> from kg.extract.mentions import Mention
    >>> is_training_set("Trained on FooMath, it scores 41%.", Mention("FooMath", "Dataset", "FooMath", 11, 18, 0))
    True
    """
    begin = max(0, mention.start - 50)
    return may_hold_in(text, begin, mention.start, _TRAINING_WORDS) and bool(
        _TRAINING_BEFORE.search(text[begin : mention.start])
    )


def _datasets_after(text: str, end: int, mentions: list) -> list:
    """Datasets named "on/in X (and Y)" shortly after a position, in order (not training data)."""
    found: list = []
    for mention in mentions:
        if mention.type == "Dataset" and 0 <= mention.start - end <= 60 and not is_training_set(text, mention):
            gap = text[end : mention.start]
            if (found and _LIST_GAP.fullmatch(text[found[-1][1] : mention.start])) or (
                not found and _ON_BEFORE.search(gap) and not _CLAUSE_BREAK.search(gap)
            ):
                found.append((mention.name, mention.end))
    return [name for name, _ in found]


def _named_right_after(text: str, end: int, mentions: list) -> list:
    """The dataset right after "on" or "in": "83.5% on R-RAD", "75.2% on five-shot MMLU", "7.3 in
    MT-Bench"; after "on", a coined name too."""
    match = _ON_NAME.match(text, end)
    if not match:
        return []
    known = [
        m.name for m in mentions if m.type == "Dataset" and m.start == match.start(2) and not is_training_set(text, m)
    ]
    coined = match.group(1).casefold() == "on" and is_name_like(match.group(2))
    return known or ([match.group(2)] if coined else [])


def _from_base(text: str, start: int, mentions: list, last=None):
    """For the second number of "X from A to B": the model or named method X, with A's value and
    unit. Where no scorer is named right before "from", the sentence's ``last`` base ("..., and
    from 12.5% to 20.8% on MATH"), else None.

    >>> from kg.extract.mentions import Mention
    >>> text = "It lifts Llama-2-7B from 41.2% to 63.5%."
    >>> llama = Mention("Llama-2", "Model", "Llama-2", 9, 16, 0)
    >>> base, value, unit = _from_base(text, text.index("63.5"), [llama])
    >>> base.name, value, unit
    ('Llama-2', '41.2', '%')
    """
    match = _FROM_TAIL.search(text, max(0, start - 40), start)
    if not match:
        return None
    for mention in reversed(mentions):
        if mention.end <= match.start():
            if _scorer(mention) and _BEFORE_FROM.fullmatch(text, mention.end, match.start()):
                return mention, match.group(1), match.group(2)
            break
    return (last, match.group(1), match.group(2)) if last is not None else None


# From a dataset to the score in its brackets: "ADE20K (50.28% mIoU)", "KIBA (MSE: 0.122)".
_BRACKET_GAP = re.compile(r"\s*\(\s*(?:[A-Za-z][\w@\-]*(?:\s+[A-Za-z][\w@\-]*)?\s*(?:[:=]|of)\s*)?")


def _bracketed_by(text: str, start: int, mentions: list) -> list:
    """The dataset whose brackets hold a score: "SETR achieves new state of the art on ADE20K (50.28%
    mIoU), Pascal Context (55.83% mIoU)"."""
    for mention in reversed(mentions):
        if mention.end <= start:
            if mention.type == "Dataset" and _BRACKET_GAP.fullmatch(text, mention.end, start):
                return [] if is_training_set(text, mention) else [mention.name]
            return []
    return []


def _datasets_before(text: str, start: int, mentions: list) -> list:
    """Datasets named earlier in the sentence, in order ("on A and B ... 49.4 and 8.8, respectively")."""
    return [m.name for m in mentions if m.type == "Dataset" and m.end <= start and not is_training_set(text, m)]


def sentence_results(
    text: str, mentions: list, vocab: Vocabulary, subject: str, dataset: str | None = None, metrics: list | None = None
) -> list[dict]:
    """Results reported in one sentence; ``dataset`` is the default (the paper's own benchmark),
    ``metrics`` the sentence's metric spans when already found.

    >>> from kg.vocab import Vocabulary
    >>> v = Vocabulary(metrics={"accuracy": "accuracy"})
    >>> [(r["value"], r["metric"]) for r in sentence_results("It reaches 72.6% accuracy, up by 2.4%.", [], v, "@paper")]
    [(72.6, 'accuracy')]
    """
    metrics = metric_spans(text, vocab) if metrics is None else with_cutoffs(text, metrics)
    numbers = _numbers(text)
    # "On GSM8K, X reaches 41.2%": a dataset opening the sentence holds for all of it
    lead = next((m for m in mentions if m.type == "Dataset"), None)
    if lead and _LEADING_ON.fullmatch(text[: lead.start]):
        dataset = lead.name
    found: list = []
    last_base = None  # the model of the sentence's last "X from A to B"
    previous: tuple | None = None
    relative_end = -1  # the end of the last difference: "by 47.4% and 25.4%" are both differences
    for start, end, value, unit in numbers:
        if previous and _VERSUS.match(text[previous[1] : start]) and found and found[-1]["_end"] == previous[1]:
            found.append(_versus_result(text, found[-1], start, end, value, unit, mentions))
            # "A: 66.4% vs. B: 65% on JAMA": the dataset after the pair holds for both
            shared = _named_right_after(text, end, mentions)
            if shared and not found[-2]["dataset"]:
                found[-2]["dataset"] = found[-1]["dataset"] = shared[0]
            previous = (start, end)
            continue
        if _STARTING_POINT.search(text[max(0, start - 8) : start]) or (start and _ENUMERATOR.match(text, start - 1)):
            previous = None
            continue
        # joined: the number continues a list whose last number was a result ("0.80, 0.81 and 0.91")
        joined = bool(
            previous and found and found[-1]["_end"] == previous[1] and _SEPARATOR.match(text[previous[1] : start])
        )
        metric = _number_metric(
            text, start, end, unit, metrics, mentions, found[-1]["metric"] if found else None, joined, vocab
        )
        relative = relative_end >= 0 and _SEPARATOR.match(text[relative_end:start])
        # (the costliest test last: the tests are pure, their order changes nothing else)
        if (
            relative
            or _GAP_THAN.match(text, end)
            or (
                not _named_before(mentions, start, text)
                and not _with_score(text, start, end, metrics)
                and not _CORRECTLY.search(text[max(0, start - 40) : start])
                and _is_relative(text, start, end)
            )
        ):
            relative_end = end
        if metric is None or relative_end == end:
            previous = None
            continue
        datasets = (
            _bracketed_by(text, start, mentions)
            or _named_right_after(text, end, mentions)
            or _datasets_after(text, end, mentions)
        )
        base = _from_base(text, start, mentions, last_base)
        last_base = base[0] if base else last_base
        others = [m for m in mentions if m is not base[0]] if base else mentions
        found.append(
            {
                "_joined": joined,
                "subject": _first_of_pair(text, start, others, subject) or _subject_for(text, start, others, subject),
                "dataset": datasets[0] if datasets else dataset,
                "metric": metric,
                "value": _value(value),
                "unit": unit,
                "evidence": text,
                "confidence": 0.7,
                "_end": end,
            }
        )
        if base:  # the starting point, the base model's own score
            found.insert(
                -1,
                {
                    **found[-1],
                    "subject": base[0].name,
                    "value": _value(base[1]),
                    "unit": base[2],
                    "_end": -1,
                    "_joined": False,
                },
            )
        previous = (start, end)
    _assign_respectively(text, found, mentions)
    for result in found:
        result.pop("_end", None)
        result.pop("_joined", None)
        result.pop("_versus", None)
    return found


def _number_metric(
    text: str,
    start: int,
    end: int,
    unit,
    metrics: list,
    mentions: list,
    last: str | None,
    joined: bool,
    vocab: Vocabulary,
) -> str | None:
    """The metric of one number, by the first rule that names it: "(A% vs. B%)" after a metric,
    a metric next to it, the list it continues, "achieves N%", "Model (N%)" (the sentence's metric
    so far), "from A to N" (the metric before "from"), "N% on Bench" and "correctly answered N%".
    A score with no metric named is in the headline metric of the benchmark right after it
    (AlpacaEval: win rate), else accuracy."""
    if unit and _CORRECTLY.search(text[max(0, start - 40) : start]):
        return "accuracy"
    metric = _pair_metric(text, start, metrics) or _metric_for(text, start, end, metrics)
    on = _named_right_after(text, end, mentions)
    # a list continues its metric, unless none is named and each score names its own benchmark
    if metric is None and joined and (metrics or not on):
        metric = last
    if metric is not None:
        return metric
    bare = vocab.headline_metric(on[0]) if on else "accuracy"
    if (unit or "score" in text[max(0, start - 40) : start]) and _ACHIEVE.search(text[max(0, start - 60) : start]):
        return bare
    if _named_before(mentions, start, text):
        return last or _sentence_metric(metrics) or (bare if unit else None)
    if _FROM_TO.search(text[max(0, start - 80) : start]):
        # "improved from 91.3% (with X) to 94.5%": the metric before "from"
        return _metric_before(text, start, metrics) or (bare if unit else None)
    # a bare number is a score where the benchmark after it lists its metric ("7.32 in MT-Bench")
    listed = bool(on) and "metric" in getattr(vocab.entry(on[0], "Dataset"), "fields", {})
    return bare if (unit or listed) and on else None


# A comparison before "with N": what follows is the margin ("improves the baseline with 2.5%").
_GAIN_BEFORE = re.compile(
    r"\b(?:improv|outperform|surpass|exceed|beat|gain|increas|boost|better|higher|lower|reduc)", re.I
)


def _with_score(text: str, start: int, end: int, metrics: list) -> bool:
    """ "with 63.9 and 64.9 HOTA": a score its metric names right after, though "with" before a
    number often gives a difference ("improves it with 2%")."""
    if not text[max(0, start - 5) : start].casefold().endswith("with ") or _GAIN_BEFORE.search(
        text[max(0, start - 60) : start]
    ):
        return False
    rest = _LIST_REST.match(text, end)
    after = rest.end() if rest else end
    return any(0 <= m_start - after <= 3 for m_start, _, _ in metrics)


def _metric_before(text: str, start: int, metrics: list) -> str | None:
    """The metric named last within 60 characters before a position ("recall increase ... from 0.92 to")."""
    near = [name for _, m_end, name in metrics if 0 <= start - m_end <= 60]
    return near[-1] if near else None


def _sentence_metric(metrics: list) -> str | None:
    """The one metric a sentence names, if it names exactly one."""
    names = {name for _, _, name in metrics}
    return names.pop() if len(names) == 1 else None


def _first_of_pair(text: str, start: int, mentions: list, subject: str) -> str | None:
    """Who scored the first number of "surpassing Foo (70.1% vs. 66.0%)": not Foo, the one compared
    with it (the model before the comparison cue, else the sentence's subject)."""
    compared = _named_before(mentions, start, text)
    if not compared or not _VERSUS_AHEAD.match(text[start : start + 40]):
        return None
    mention = next(m for m in reversed(mentions) if m.name == compared and m.end <= start)
    window = max(0, mention.start - 40)
    cue = _COMPARISON_CUE.search(text[window : mention.start])
    if not cue:
        return None
    winners = [m.name for m in mentions if m.type == "Model" and m.end <= window + cue.start()]
    return winners[-1] if winners else subject


def _versus_result(text: str, first: dict, start: int, end: int, value: str, unit, mentions: list) -> dict:
    """The second number of "A% vs. B%": the model named before it ("X: 66% vs. Y: 64%"), else the
    model the sentence compares against (after "than/over/surpasses", or a base model)."""
    subject = _named_before(mentions, start, text) or _named_after(mentions, end, text)
    if subject is None or subject == first["subject"]:
        compared = [
            m
            for m in mentions
            if m.type in ("Model", "Method")
            and m.name != first["subject"]
            and (
                _COMPARISON_CUE.search(text[max(0, m.start - 40) : m.start])
                or _BASE_MODEL_BEFORE.search(text[max(0, m.start - 15) : m.start])
            )
        ]
        # the one compared before the number, else the first compared after it
        before = [m.name for m in compared if m.end <= start]
        after = [m.name for m in compared if m.start >= end]
        subject = before[-1] if before else after[0] if after else PAPER
    return {**first, "subject": subject, "value": _value(value), "unit": unit, "_end": end, "_versus": True}


# "... F1 on BC5CDR, KD-DTI and DDI": a list of names after "on", some of which no vocabulary knows.
_NAME_LIST_AFTER = re.compile(
    r"[^.;]{0,25}?\bon\s+(?:the\s+)?((?:[A-Z][\w\-]*\w\s*,\s*)*[A-Z][\w\-]*\w,?\s+and\s+[A-Z][\w\-]*\w)\b"
)


def _names_listed_after(text: str, end: int) -> list[str]:
    """The coined names of "on A, B and C" shortly after a position, where every one is a coined name.

    >>> _names_listed_after("44.9%, 38.4% and 40.7% F1 on BC5CDR, KD-DTI and DDI, respectively", 22)
    ['BC5CDR', 'KD-DTI', 'DDI']
    >>> _names_listed_after("80% and 70% on Adult and Young patients", 11)
    []
    """
    match = _NAME_LIST_AFTER.match(text, end)
    names = re.split(r"\s*,\s*(?:and\s+)?|,?\s+and\s+", match.group(1)) if match else []
    return names if names and all(is_name_like(name) for name in names) else []


def _assign_respectively(text: str, found: list, mentions: list) -> None:
    """ "scores of 49.4 and 8.8 on A and B" / "... respectively": pair a run of values with datasets in
    order; so too the pairs of "2.5% (90.7% vs. 88.5%) and 1.5% (73.1% vs. 71.6%) on A and B"."""
    runs: list = []
    run: list = []
    for result in found:
        if run and result.get("_joined") and result["metric"] == run[-1]["metric"]:
            run.append(result)
        else:
            if len(run) > 1:
                runs.append(run)
            run = [result]
    if len(run) > 1:
        runs.append(run)
    # "2.5% (90.7% vs. 88.5%) and 11.5% (73.1% vs. 65.6%) on A and B": one dataset per pair, in order
    leads = [r for r in found if not r.get("_versus")]
    if len(leads) > 1 and len(leads) < len(found) and len({(r["metric"], r["dataset"]) for r in found}) == 1:
        after = _datasets_after(text, found[-1]["_end"], mentions)
        if len(after) == len(leads):
            lead = -1
            for result in found:
                lead += not result.get("_versus")
                result["dataset"] = after[lead]
    for run in runs:
        after = _datasets_after(text, run[-1]["_end"], mentions)
        names = after if len(after) == len(run) else None
        if names is None and len(coined := _names_listed_after(text, run[-1]["_end"])) == len(run):
            names = coined
        if names is None and _RESPECTIVELY.search(text):
            before = _datasets_before(text, text.find(str(run[0]["value"])), mentions)
            names = before[-len(run) :] if len(before) >= len(run) else None
        if names and len({r["dataset"] for r in run}) == 1:
            for result, name in zip(run, names, strict=False):
                result["dataset"] = name


def dedupe_results(results: list[dict]) -> list[dict]:
    """One result per (subject, dataset, metric, value), in a stable sorted order."""
    seen: dict = {}
    for result in results:
        key = (result["subject"], result["dataset"] or "", result["metric"], result["value"], result["unit"] or "")
        seen.setdefault(key, result)
    return [seen[key] for key in sorted(seen, key=lambda k: (k[0], k[1], k[2], float(k[3]), k[4]))]
