"""The learned name finder: a linear-chain CRF (CRFsuite) over a sentence's tokens.

It labels tokens B-/I- Model, Method, Dataset or Task from the words' shapes and their context,
and from what the rules found there: the vocabulary and the rules are its features, not its
limits, so it finds names no list holds ("we evaluate on ScanQA-Pro", "our HydraNet"). It runs
after the rules and adds only names where no rule found one.

A model is trained from gold records (:func:`kg.train.train`, ``kg train``) and saved as one
CRFsuite file with a JSON card beside it that says what it was trained on and how to rebuild it.

>>> tokens("Med-Gemini (ours), ViT-B/16.")[:6]
[(0, 3, 'Med'), (3, 4, '-'), (4, 10, 'Gemini'), (11, 12, '('), (12, 16, 'ours'), (16, 17, ')')]
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path

from kg.errors import KgError
from kg.extract.mentions import HEAD_TYPES, Mention, is_generic, is_size_or_number, strip_size
from kg.vocab import Vocabulary, normalize_name

# The types it labels: modalities and domains are closed lists the vocabulary already holds.
TAGGED_TYPES = ("Model", "Method", "Dataset", "Task")
# What a saved model is: its file format's version, bumped when the features change.
FEATURES_VERSION = 1

# The least confidence (marginal probability of every token's label) a found name needs.
THRESHOLD = 0.5
# A run of letters or digits (with a trailing "+" as in "LoRA+"), or one other non-space character.
_TOKEN = re.compile(r"[^\W_]+\+*|[^\w\s]|_")
# CRFsuite reads ":" in an attribute name as a weight separator.
_COLON = str.maketrans({":": ";", "\\": "/"})


def tokens(text: str) -> list[tuple[int, int, str]]:
    """A sentence's tokens as (start, end, text); hyphens and brackets are tokens of their own."""
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


@functools.lru_cache(maxsize=1 << 16)
def word_shape(word: str) -> str:
    """The word's letters as X, x and d, runs collapsed: "Med2D" -> "Xxdx"."""
    out: list[str] = []
    for c in word:
        s = "X" if c.isupper() else "x" if c.islower() else "d" if c.isdigit() else c
        if not out or out[-1] != s:
            out.append(s)
    return "".join(out)


@functools.lru_cache(maxsize=1 << 16)
def _word_features(word: str) -> tuple[str, ...]:
    low = word.casefold()
    feats = [f"w={low}", f"shape={word_shape(word)}", f"suf3={low[-3:]}", f"pre3={low[:3]}"]
    if any(c.isupper() for c in word[1:]):
        feats.append("innercap")
    if word.isupper() and len(word) > 1:
        feats.append("allcaps")
    if word[:1].isupper():
        feats.append("title")
    if any(c.isdigit() for c in word):
        feats.append("digit")
    head = HEAD_TYPES.get(low)
    if head:
        feats.append(f"head={head}")
    return tuple(f.translate(_COLON) for f in feats)


def _rule_labels(toks: list, mentions: Iterable[Mention]) -> list[str]:
    """Per token, the BIO label of the rule mention covering it ("O" where none does)."""
    labels = ["O"] * len(toks)
    starts = [t[0] for t in toks]
    for m in mentions:
        inside = [i for i, s in enumerate(starts) if m.start <= s < m.end]
        for n, i in enumerate(inside):
            labels[i] = ("B-" if n == 0 else "I-") + m.type
    return labels


def features(toks: list, rule_labels: list[str], is_title: bool = False) -> list[list[str]]:
    """CRFsuite attributes of each token: its own, its neighbours' (two each side) and the rules'."""
    own = [_word_features(t[2]) for t in toks]
    out = []
    n = len(toks)
    for i in range(n):
        feats = list(own[i])
        feats.append(f"rule={rule_labels[i]}")
        if is_title:
            feats.append("in_title")
        if i == 0:
            feats.append("first")
        for d in (-2, -1, 1, 2):
            j = i + d
            if 0 <= j < n:
                word = toks[j][2].casefold().translate(_COLON)
                feats.append(f"{d}w={word}")
                feats.append(f"{d}rule={rule_labels[j]}")
                if abs(d) == 1:
                    feats.append(f"{d}shape={word_shape(toks[j][2])}")
            else:
                feats.append(f"{d}edge")
        # adjacent tokens glued without a space ("Med-Gemini"): part of one compound
        if i + 1 < n and toks[i + 1][0] == toks[i][1]:
            feats.append("glued_right")
        if i > 0 and toks[i - 1][1] == toks[i][0]:
            feats.append("glued_left")
        out.append(feats)
    return out


def gold_labels(text: str, toks: list, entities: list[dict]) -> list[str]:
    """BIO labels of a sentence's tokens from a gold record's entities: every form of every name
    (name and aliases) of a tagged type, longest first, where it stands as whole tokens."""
    forms = []
    for entity in entities:
        # optional names (passing mentions, generic techniques) are left unlabelled: scored neither
        # way, they would teach the finder to tag the generic phrases other papers leave out
        if entity.get("type") not in TAGGED_TYPES or entity.get("optional"):
            continue
        for form in (entity["name"], *entity.get("aliases", ())):
            key = normalize_name(form)
            if key:
                forms.append((key, entity["type"]))
    labels = ["O"] * len(toks)
    keys = [normalize_name(t[2]) for t in toks]
    spans = []
    for i in range(len(toks)):
        joined = ""
        for j in range(i, min(len(toks), i + 12)):
            joined += keys[j]
            for key, etype in forms:
                if key == joined and keys[i] and keys[j]:
                    spans.append((j - i, i, j, etype))
    for _length, i, j, etype in sorted(spans, key=lambda s: (-s[0], s[1])):
        if all(label == "O" for label in labels[i : j + 1]):
            labels[i] = "B-" + etype
            for k in range(i + 1, j + 1):
                labels[k] = "I-" + etype
    return labels


class NameTagger:
    """A trained name finder (see the module docstring).

    ``mentions(text, rule_mentions, sentence)`` gives the names it finds in one sentence that
    overlap no rule mention.
    """

    def __init__(self, path: str | Path):
        self._open(path)

    def _open(self, path: str | Path) -> None:
        import pycrfsuite

        self.path = Path(path)
        self._tagger = pycrfsuite.Tagger()
        try:
            self._tagger.open(str(self.path))
        except (OSError, ValueError) as error:
            raise KgError(f"{self.path}: not a name-finder model ({error})") from None
        card = _card_path(self.path)
        self.card = json.loads(card.read_text(encoding="utf-8")) if card.exists() else {}
        if self.card.get("features_version", FEATURES_VERSION) != FEATURES_VERSION:
            raise KgError(
                f"{self.path}: made for features version {self.card['features_version']}, this kg reads "
                f"{FEATURES_VERSION}; rebuild it: {self.card.get('rebuild', 'kg train')}"
            )
        self.version = self.card.get("version") or _file_digest(self.path)
        self.threshold = float(self.card.get("threshold", THRESHOLD))

    def __getstate__(self) -> dict:
        # a process pool that spawns its workers reopens the model file rather than pickling CRFsuite's tagger
        return {"path": self.path}

    def __setstate__(self, state: dict) -> None:
        self._open(state["path"])

    def mentions(self, text: str, rule_mentions: list, sentence: int, vocab: Vocabulary, is_title=False) -> list:
        toks = tokens(text)
        if not toks:
            return []
        labels = self._tagger.tag(features(toks, _rule_labels(toks, rule_mentions), is_title))
        if all(label == "O" for label in labels):
            return []
        taken = [(m.start, m.end) for m in rule_mentions if m.type in TAGGED_TYPES]
        found = []
        for etype, i, j in _spans(labels):
            start, end = toks[i][0], toks[j][1]
            surface = text[start:end]
            if any(s < end and start < e for s, e in taken) or not _keepable(surface, vocab):
                continue
            # the span's confidence: its least certain token's marginal probability
            confidence = min(self._tagger.marginal(labels[k], k) for k in range(i, j + 1))
            if confidence < self.threshold:
                continue
            name = strip_size(surface) if etype == "Model" else surface
            if etype == "Task":
                name = name.casefold() if not name.isupper() else name
            found.append(Mention(name, etype, surface, start, end, sentence))
        return found


def _keepable(surface: str, vocab: Vocabulary) -> bool:
    """Not a stoplisted phrase, a number or a size, and more than one character."""
    return (
        len(normalize_name(surface)) > 1
        and not _MARKUP.search(surface)
        and not is_generic(surface, vocab)
        and not is_size_or_number(surface)
    )


# LaTeX and markup left in abstracts ("$\\sim$ 2X"): never part of a name.
_MARKUP = re.compile(r"[$\\{}<>]")


def _spans(labels: list[str]) -> list[tuple[str, int, int]]:
    """(type, first token, last token) of each labelled span; an I- without its B- opens one."""
    out: list = []
    for i, label in enumerate(labels):
        if label == "O":
            continue
        kind, etype = label.split("-", 1)
        if kind == "I" and out and out[-1][0] == etype and out[-1][2] == i - 1:
            out[-1] = (etype, out[-1][1], i)
        else:
            out.append((etype, i, i))
    return out


def _card_path(model: Path) -> Path:
    return model.with_suffix(".json")


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


# L1 and L2 weights and iterations of the trainer: L1 keeps the model small.
TRAINER_PARAMS = {"c1": 0.05, "c2": 0.01, "max_iterations": 150, "feature.possible_transitions": True}


def train_model(sequences: Iterable[tuple[list, list]], out: str | Path, card: dict) -> Path:
    """Train a CRF on (features, labels) sequences and save it to ``out`` with its card beside it."""
    import pycrfsuite

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer = pycrfsuite.Trainer(verbose=False)
    for xseq, yseq in sequences:
        trainer.append(xseq, yseq)
    trainer.set_params(TRAINER_PARAMS)
    trainer.train(str(out))
    card = {**card, "features_version": FEATURES_VERSION, "trainer": TRAINER_PARAMS}
    card["version"] = card.get("version") or _file_digest(out)
    _card_path(out).write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out
