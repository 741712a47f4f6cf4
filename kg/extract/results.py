"""Stage 4: reported absolute scores — number + unit + metric + dataset + subject.

"72.6% accuracy on MedQA", "an accuracy of 72.6%", "Dice of 0.85",
"precision@10 of 0.80, 0.81 and 0.91". Relative gains ("improves by 2.4%",
"a 3% accuracy improvement") are not results.
"""
from __future__ import annotations

import re

from kg.extract.mentions import longest_matches
from kg.vocab import Vocabulary

_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(\\?%|percent\b)?")
# Words right before a number that make it a difference, a bound or a count, not a score.
_RELATIVE_BEFORE = re.compile(
    r"(?:\bby|\bmargin of|\bgains? of|\bimprovements? of|\bincreases? of|\bboosts? of|\breductions? of|"
    r"\bdrops? of|\bover|\babove|\bbelow|\bunder|\bless than|\bmore than|\bnearly|\bx|\bfrom|\bonly|"
    r"\bup to a|\bwith|\bn\s*=|\+|-|±|\bpm)\s*(?:up to\s+|about\s+|approximately\s+|around\s+)?$",
    re.I,
)
_RELATIVE_AFTER = re.compile(
    r"^\s*(?:\w+\s+){0,3}?(?:improvement|gain|increase|boost|reduction|decrease|drop|higher|lower|"
    r"better|worse|more|fewer|less|relative|absolute|points?\s+(?:higher|improvement|gain))\b",
    re.I,
)
_ACHIEVE = re.compile(r"\b(?:achiev\w*|reach\w*|attain\w*|obtain\w*|scor\w*|deliver\w*|yield\w*)\b[^.;]{0,30}$", re.I)
_SEPARATOR = re.compile(r"^\s*(?:,\s*(?:and\s+)?|and\s+|or\s+)$")


def _value(text: str) -> float | int:
    """The number as printed: an int when it has no decimals.

    >>> _value("72.6"), _value("53")
    (72.6, 53)
    """
    return float(text) if "." in text else int(text)


def _is_relative(text: str, start: int, end: int) -> bool:
    """True when the number at [start, end) is a difference, bound or count rather than a score."""
    before = text[max(0, start - 30):start]
    after = text[end:end + 40]
    return bool(_RELATIVE_BEFORE.search(before) or _RELATIVE_AFTER.match(after))


def metric_spans(text: str, vocab: Vocabulary) -> list[tuple[int, int, str]]:
    """(start, end, canonical metric) of the metric names in a sentence."""
    return longest_matches(text, vocab.metrics)


def _metric_for(text: str, start: int, end: int, metrics: list) -> str | None:
    """The metric a number reports: named right after it ("72% accuracy") or just before ("accuracy of 72%")."""
    for m_start, _, name in metrics:
        if 0 <= m_start - end <= 3:
            return name
    for m_start, m_end, name in reversed(metrics):
        gap = text[m_end:start]
        if m_end <= start and len(gap) <= 40 and re.fullmatch(
            r"(?:\s*(?:scores?|values?|rates?|of|:|=|was|is|were|are|reached|reaching|achieving|at|"
            r"up to|about|approximately|around|an?|the|average|mean|overall|\(|,|and|\d+(?:\.\d+)?\s*\\?%?))*\s*",
            gap,
        ):
            return name
    return None


def _subject_for(start: int, mentions: list, default: str) -> str:
    """The model/method named closest before the number, else the sentence's subject."""
    before = [m for m in mentions if m.type in ("Model", "Method") and m.end <= start]
    return before[-1].name if before else default


def _dataset_for(text: str, end: int, mentions: list) -> str | None:
    """The dataset named "on/in X" shortly after the number, if any."""
    for mention in mentions:
        if mention.type == "Dataset" and 0 <= mention.start - end <= 60:
            if re.search(r"\b(?:on|in|for|across)\s+(?:the\s+)?$", text[end:mention.start]):
                return mention.name
    return None


def sentence_results(text: str, mentions: list, vocab: Vocabulary, subject: str) -> list[dict]:
    """Results reported in one sentence.

    >>> from kg.vocab import Vocabulary
    >>> v = Vocabulary(metrics={"accuracy": "accuracy"})
    >>> [(r["value"], r["metric"]) for r in sentence_results("It reaches 72.6% accuracy, up by 2.4%.", [], v, "@paper")]
    [(72.6, 'accuracy')]
    """
    metrics = metric_spans(text, vocab)
    found, previous = [], None
    for match in _NUMBER.finditer(text):
        start, end = match.span()
        value, unit = match.group(1), "%" if match.group(2) else None
        metric = _metric_for(text, start, end, metrics)
        # "precision@10 of 0.80, 0.81 and 0.91": later numbers of a list share the metric
        if metric is None and previous and _SEPARATOR.match(text[previous[0]:start]):
            metric = previous[1]
        if metric is None and unit and _ACHIEVE.search(text[max(0, start - 60):start]):
            metric = "accuracy" if "accuracy" in vocab.metrics.values() or not metrics else metrics[0][2]
        if metric is None or _is_relative(text, start, end):
            previous = None
            continue
        previous = (end, metric)
        found.append({
            "subject": _subject_for(start, mentions, subject),
            "dataset": _dataset_for(text, end, mentions),
            "metric": metric,
            "value": _value(value),
            "unit": unit,
            "evidence": text,
            "confidence": 0.7,
        })
    return found


def dedupe_results(results: list[dict]) -> list[dict]:
    """One result per (subject, dataset, metric, value), in a stable sorted order."""
    seen = {}
    for result in results:
        key = (result["subject"], result["dataset"] or "", result["metric"], result["value"], result["unit"] or "")
        seen.setdefault(key, result)
    return [seen[key] for key in sorted(seen, key=lambda k: (k[0], k[1], k[2], float(k[3]), k[4]))]

