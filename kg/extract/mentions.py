"""Stage 2, shared part: the Mention type, tokens, vocabulary matches, and what every rule uses.

Known names are found by one longest-match walk over token n-grams that
serves every lookup layer at once (all names, modalities, domains, metrics).
Names the vocabulary has never seen come from the rules listed in
:mod:`kg.extract.rules`; the helpers here tell them a coined name
("Med-Gemini-2D") from a plain word, and type it.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar, cast

from kg.records import NAMED_TYPES
from kg.vocab import BLOCK, Vocabulary, normalize_name

# A word of running text: names keep their hyphens, "+", "/" and "'".
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'+\-/]*")
# Separators between the parts of a name.
_PART_SEP = re.compile(r"[\s\-_]+")
# Head nouns that type an unknown name next to them.
HEAD_TYPES = {
    **dict.fromkeys(
        "dataset datasets benchmark benchmarks corpus corpora database collection challenge "
        "suite testbed leaderboard".split(),
        "Dataset",
    ),
    **dict.fromkeys(
        "model models llm llms mllm mllms vlm vlms lvlm lvlms lmm lmms network networks net "
        "platform system assistant chatbot agent encoder transformer foundation architecture architectures".split(),
        "Model",
    ),
    **dict.fromkeys(
        "method methods framework frameworks approach approaches technique techniques strategy strategies "
        "algorithm algorithms paradigm pipeline pipelines scheme schemes "
        "adapter adapters module mechanism tuning finetuning fine-tuning prompting learning training "
        "pretraining pre-training regularization objective optimization adaptation recipe "
        "distillation alignment".split(),
        "Method",
    ),
}

# Ubiquitous acronyms that are never an entity, even where the stoplist misses them.
GENERIC_ACRONYMS = frozenset("ai ml dl nlp llm vlm mllm lvlm lmm lm plm sota gpu cpu api url nn dnn ann os ehr".split())


class Mention(NamedTuple):
    """An entity mention: canonical ``name`` and ``type``, the ``surface`` text and where it is."""

    name: str
    type: str
    surface: str
    start: int
    end: int
    sentence: int


_SENTENCE_CACHES: list = []


_Function = TypeVar("_Function", bound=Callable[..., Any])


def per_sentence(func: _Function) -> _Function:
    """``func``, a pure function of one sentence's text that several stages ask, computed once per
    sentence: memoised until :func:`forget_sentences`, which the extractor calls at each paper (so
    a paper never reuses another's work, and the caches stay small)."""
    cached = functools.lru_cache(maxsize=256)(func)
    _SENTENCE_CACHES.append(cached)
    return cast(_Function, cached)


def forget_sentences() -> None:
    """Empty the :func:`per_sentence` caches."""
    for cached in _SENTENCE_CACHES:
        cached.cache_clear()


@per_sentence
def folded(text: str) -> str | None:
    """The text in lower case where it is ASCII, else None.

    On ASCII text a case-insensitive pattern matches exactly where its lower-cased literal parts
    stand in the lower-cased text, so a plain substring test (``in``, far cheaper than a regex
    search) can tell that a pattern cannot match. (Beyond ASCII, ``re.I`` also equates the dotless
    i with "i" and the long s with "s": there the patterns are always run.)
    """
    return text.lower() if text.isascii() else None


def may_hold(text: str, needles: tuple[str, ...]) -> bool:
    """False only when ``text`` surely holds none of ``needles`` (lower-case literals) in any case:
    a gate before a costly case-insensitive search, which matches nothing without one of them.

    >>> may_hold("We OUTPERFORM it", ("outperform", "surpass")), may_hold("We win", ("outperform",))
    (True, False)
    """
    low = folded(text)
    return low is None or any(map(low.__contains__, needles))  # map: no Python frame per needle


def may_hold_in(text: str, start: int, end: int, needles: tuple[str, ...]) -> bool:
    """:func:`may_hold` for the window ``text[start:end]`` of a sentence (a pattern searched there).

    >>> may_hold_in("rather than LoRA", 0, 12, ("than",)), may_hold_in("rather than LoRA", 12, 16, ("than",))
    (True, False)
    """
    low = folded(text)
    if low is None:
        return True
    window = low[start:end]
    return any(map(window.__contains__, needles))


@per_sentence
def words(text: str) -> frozenset | None:
    """The words of an ASCII text without "_" (its maximal runs of ``\\w``), in lower case; else None.

    A pattern whose every match holds one of some words as a whole word (after ``\\b`` or a space,
    before ``\\b``) cannot match a text whose words include none of them: a set test, cheaper still
    than :func:`may_hold`, made from the tokens the vocabulary walk needs anyway.
    """
    if "_" in text or not text.isascii():
        return None
    norms = _split(text)[2]
    # the tokens are those runs, but for a trailing "+" ("LoRA+"), which ends a run
    return frozenset(norm.rstrip("+") for norm in norms) if "+" in text else frozenset(norms)


def says(text: str, vocabulary: frozenset) -> bool:
    """False only when ``text`` surely has none of the words of ``vocabulary`` (see :func:`words`).

    >>> says("We propose FooNet.", frozenset({"propose", "present"})), says("We use it.", frozenset({"propose"}))
    (True, False)
    """
    found = words(text)
    return found is None or not found.isdisjoint(vocabulary)


def forms(*verbs: str) -> frozenset:
    """The words a verb stands as where a pattern writes it ``(?:propose|...)(?:s|d|ed)?``."""
    return frozenset(verb + end for verb in verbs for end in ("", "s", "d", "ed"))


# A token: a run of letters/digits (with trailing "+" as in "LoRA+"), or a "/" or "@" joiner.
_TOKEN = re.compile(r"[^\W_]+\+*|[/@]")
# The same, captured: splitting a text by it gives the gaps and the tokens in turn, in one pass of C;
# on ASCII text "[^\W_]" is "[A-Za-z0-9]", which re tests faster.
_TOKEN_SPLIT = re.compile(r"([^\W_]+\+*|[/@])")
_ASCII_TOKEN_SPLIT = re.compile(r"([A-Za-z0-9]+\+*|[/@])")


def tokenize(text: str) -> tuple[list, list, list]:
    """Word tokens as parallel lists (starts, ends, casefolded texts); punctuation other than
    "/" and "@" is dropped.

    >>> tokenize("ViT-B/16, LoRA+")[2]
    ['vit', 'b', '/', '16', 'lora+']
    """
    return _split(text)[:3]


@per_sentence
def _split(text: str) -> tuple[list, list, list, list]:
    """The tokens of :func:`tokenize` (starts, ends, casefolded texts) and the gaps before them
    (``gaps[j]``: the text between tokens j - 1 and j), from one split of the text."""
    parts = (_ASCII_TOKEN_SPLIT if text.isascii() else _TOKEN_SPLIT).split(text)
    bounds = list(itertools.accumulate(map(len, parts)))
    # casefolding is per character and no token holds a NUL: one call folds them all
    norms = "\0".join(parts[1::2]).casefold().split("\0") if len(parts) > 1 else []
    return bounds[0:-1:2], bounds[1::2], norms, parts[0::2]


# Lower-case words that end a model's release name: "Doubao-1.5-pro", "Qwen-7b-chat".
_RELEASE_WORDS = frozenset("pro mini turbo flash lite max plus instruct chat base preview nano".split())


@functools.lru_cache(maxsize=1 << 14)
def is_name_like(surface: str) -> bool:
    """True for coined names: CamelCase, an acronym part, or letters with digits.

    Title-case compounds of plain words ("Vision-Language", "Dual-Stream") are
    not names by themselves; :func:`kg.extract.coined.derived_mentions` accepts them only with a
    known part ("Med-Gemini").

    >>> [is_name_like(s) for s in ("OpenMedLM", "DVPT", "Med-R1", "Vision-Language", "LoRA-based", "the")]
    [True, True, True, False, False, False]
    """
    parts = [p for p in _PART_SEP.split(surface) if p]
    if not parts or not surface[:1].isalnum():
        return False
    if any(p.islower() and p.isalpha() and p not in HEAD_TYPES and p not in _RELEASE_WORDS for p in parts[1:]):
        return False
    if any(sum(c.isupper() for c in p) >= 2 for p in parts):
        return True
    word = "".join(parts)
    return any(c.isdigit() for c in word) and sum(c.isalpha() for c in word) >= 2


# A trailing model size or version tag that the guideline leaves out of names ("-7B", " 13B").
# A count in thousands is a size only apart from the name ("Claude-100k"); glued on, it names a
# dataset of that many items ("SpotDiff10k").
_SIZE = re.compile(r"[\s\-_]*\d+(?:\.\d+)?[BbMm]$|[\s\-_]+\d+(?:\.\d+)?[Kk]$|-\d+(?:\.\d+)?[BbMm](?=-[A-Za-z])")


@functools.lru_cache(maxsize=1 << 14)
def strip_size(name: str) -> str:
    """A name without its size tag ("Qwen2-VL-72B" -> "Qwen2-VL", "Foo-8B-Chat" -> "Foo-Chat");
    sizes alone stay.

    >>> strip_size("Qwen2-VL-72B"), strip_size("Mistral 7B"), strip_size("13B"), strip_size("Foo-8B-Chat")
    ('Qwen2-VL', 'Mistral', '13B', 'Foo-Chat')
    >>> strip_size("Claude-100k"), strip_size("SpotDiff10k")
    ('Claude', 'SpotDiff10k')
    """
    stripped = _SIZE.sub("", name)
    return stripped if stripped and any(c.isalpha() for c in stripped) else name


# The plural of a model-class acronym closing a name: "Med-VLMs", "TSFMs", "MLMs" name a class of
# models, never one.
# So is a field prefix before such an acronym, plural or not: "Med-LVLM", "Bio-LLM" (not a named
# model's own part: "Megatron-LM", "Time-LLM").
_CLASS_ACRONYM_PLURAL = re.compile(
    r"(?:L?LMs|VLMs|MLLMs|LVLMs|LMMs|PLMs|SLMs|FMs|MLMs|GPTs)$|"
    r"^(?:Med|Medical|Bio|Biomed|Clinical|Clin|Health|Sci|Legal|Fin)-(?:L?LM|VLM|MLLM|LVLM|LMM|PLM|SLM|FM|MLM)s?$"
)


@functools.lru_cache(maxsize=1 << 14)  # a pure function of a name (and a vocabulary, which never changes)
def is_generic(surface: str, vocab: Vocabulary) -> bool:
    """True for stoplisted phrases, ubiquitous acronyms ("LLMs", "AI") and plural class acronyms
    ("Med-VLMs", "FMs").

    >>> [is_generic(s, Vocabulary()) for s in ("LLMs", "Med-VLMs", "TSFMs", "Med-LVLM", "MedSAM", "Med-PaLM")]
    [True, True, True, True, False, False]
    """
    key = normalize_name(surface)
    return (
        vocab.is_generic(surface)
        or key in GENERIC_ACRONYMS
        or key.rstrip("s") in GENERIC_ACRONYMS
        or _CLASS_ACRONYM_PLURAL.search(surface) is not None
    )


# "7B", "3D", "H100", or a word glued to a number ("from72").
_SIZE_OR_NUMBER = re.compile(r"[A-Za-z]?\d+(?:\.\d+)?[A-Za-z]{0,2}|(?:from|to|of|in|on|at|by|and|or|for|with|over)\d+")


def is_size_or_number(name: str) -> bool:
    """True for tokens such as "7B", "3D", "2x" or "H100" that are never names here."""
    # "from72": a word glued to a number by a missing space
    return bool(_SIZE_OR_NUMBER.fullmatch(name))


# The longest name the vocabulary walk looks for, in tokens.
MAX_NGRAM = 8
# Words that never open a multi-word name.
_FUNCTION_WORDS = frozenset("a an the of to in on for and or with by as at is are we our this that".split())
# What may separate two tokens of one name: nothing, or one space/hyphen/underscore/dot.
_JOIN = frozenset(["", " ", "-", "_", ".", "\u2010", "\u2011", "\u2013"])


def layered_matches(text: str, layers, tokens=None) -> list[list]:
    """For each layer: (start, end, value) of its longest token n-grams, left to right.

    ``layers`` is a :class:`kg.vocab.Layers`: one table from a normalised key to
    its value in every layer (``BLOCK`` for a stoplisted phrase, which consumes
    its span without a result), and every leading part of the keys, which stops
    an n-gram from growing as soon as no key can start with it. One walk over
    the n-grams serves all layers.

    >>> from kg.vocab import Layers
    >>> layered_matches("a dice score of 0.9", Layers.build([{"dice": 1, "dicescore": 2}], [frozenset()]))
    [[(2, 12, 2)]]
    """
    if tokens is None:
        starts, ends, norms, gaps = _split(text)
    else:
        starts, ends, norms = tokens
        gaps = ["", *(text[ends[j - 1] : starts[j]] for j in range(1, len(norms)))]
    table, prefixes, size = layers.single, layers.prefixes, layers.size
    count = len(norms)
    # Whether an n-gram may go on from each token to the next (some key starts with the two), for all
    # tokens at once in C, so that the walk below visits only the few tokens that match alone or may
    # go on.
    onward = list(map(prefixes.__contains__, map(operator.add, norms, norms[1:])))
    onward.append(False)
    out: list[list] = [[] for _ in range(size)]
    free = [0] * size  # per layer: the first token not yet consumed by a match
    # the tokens in order: the longest match from one is known before the next is looked at, so
    # it is kept at once where no earlier match of its layer consumed the token
    for i in itertools.compress(range(count), map(operator.or_, map(table.__contains__, norms), onward)):
        alone = table.get(norms[i], ())
        # one name continues only through nothing, a space, a hyphen ... (not a comma: gaps[j] is the
        # text between tokens j - 1 and j); "a LoRA" is not "ALoRA": a function word only matches alone
        if not onward[i] or gaps[i + 1] not in _JOIN or norms[i] in _FUNCTION_WORDS:
            for layer, value in alone:  # (a value of the table holds each layer once)
                if i >= free[layer]:
                    if value is not BLOCK:
                        out[layer].append((starts[i], ends[i], value))
                    free[layer] = i + 1
            continue
        # per layer: (end token, value) of the longest match from token i
        longest = {layer: (i + 1, value) for layer, value in alone}
        key = norms[i]
        for j in range(i + 1, min(count, i + MAX_NGRAM)):
            key += norms[j]
            if key not in prefixes or gaps[j] not in _JOIN:
                break
            for layer, value in table.get(key, ()):
                longest[layer] = (j + 1, value)
        for layer, (end, value) in longest.items():
            if i >= free[layer]:
                if value is not BLOCK:
                    out[layer].append((starts[i], ends[end - 1], value))
                free[layer] = end
    return out


def vocabulary_mentions(text: str, vocab: Vocabulary, sentence: int = 0, tokens=None) -> tuple[list, list]:
    """Vocabulary mentions and metric spans of a sentence, from one n-gram walk.

    Names of any type are matched longest-first, and so, separately, are
    modalities and domains, which hide inside longer names ("medical image
    segmentation"); stoplisted spans block. Metric spans are (start, end, metric).

    >>> from kg.vocab import Entry
    >>> v = Vocabulary([Entry("LoRA", "Method", ("Low-Rank Adaptation",))], stoplist=["low rank"])
    >>> [m.name for m in vocabulary_mentions("We use low-rank adaptation and LoRA.", v)[0]]
    ['LoRA', 'LoRA']
    """
    *names, metrics = layered_matches(text, vocab.layers(), tokens)
    metrics = cased_metrics(text, metrics, vocab)
    found = []
    cased, case_sensitive, last = vocab.cased, vocab.case_sensitive, len(text) - 1
    for matches in names:
        for start, end, (name, kind) in matches:
            surface = text[start:end]
            key = normalize_name(surface)
            # short cased names ("SAM") only match text that is not all lower case ("sam")
            if key in cased and surface == surface.lower():
                continue
            if case_sensitive and key in case_sensitive:
                hit = vocab.lookup(surface)
                if hit is None and key in vocab.plain_words:
                    continue
                name, kind = hit or (name, kind)
            # only a match glued to more by a hyphen may be part of a compound (the cheap test first)
            glued = (start > 1 and text[start - 1] == "-" and text[start - 2].isalnum()) or (
                end < last and text[end] == "-" and text[end + 1].isalnum()
            )
            if not (glued and _is_partial(text, start, end)):
                found.append(Mention(name, kind, surface, start, end, sentence))
                continue
            compound = _compound_at(text, start, end)
            # "PaLM 2-L", "Llama 3.1-8B-Instruct": a known spaced name glued to more is a variant
            # of it, which the coined-name stage cannot see for the space
            if kind in NAMED_TYPES and " " in compound:
                left = text.rfind(compound, 0, end + len(compound))
                found.append(Mention(strip_size(compound), kind, compound, left, left + len(compound), sentence))
    return found, metrics


def cased_metrics(text: str, spans: list, vocab: Vocabulary) -> list:
    """The metric spans, less those of a short cased form written all lower case: "IS" (inception
    score) and "AP" are metrics, "is" and "ap" are not.

    >>> v = Vocabulary(metrics={"inception score": "inception score", "IS": "inception score"})
    >>> cased_metrics("Its IS is 9.1", [(4, 6, "inception score"), (7, 9, "inception score")], v)
    [(4, 6, 'inception score')]
    """
    cased = vocab.cased_metrics
    if not cased:
        return spans
    return [span for span in spans if not _lower_cased_form(text[span[0] : span[1]], cased)]


def _lower_cased_form(surface: str, cased: frozenset) -> bool:
    return surface.islower() and normalize_name(surface) in cased


def _is_partial(text: str, start: int, end: int) -> bool:
    """True when a match is only part of a hyphenated compound ("Gemini" in "Med-Gemini-2D")."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    glued_before = before == "-" and start > 1 and text[start - 2].isalnum()
    glued_after = after == "-" and end + 1 < len(text) and text[end + 1].isalnum()
    if not (glued_before or glued_after):
        return False
    compound = _compound_at(text, start, end)
    # "Qwen2-VL-2B" is Qwen2-VL with a size tag, not a longer name
    return is_name_like(compound) and normalize_name(strip_size(compound)) != normalize_name(text[start:end])


def _compound_at(text: str, start: int, end: int) -> str:
    """The whole hyphen-joined word around a span, decimal sizes included ("TinyLlama-1.1B")."""
    left = start
    while left > 0 and (text[left - 1].isalnum() or text[left - 1] in "-+" or _decimal_point(text, left - 1)):
        left -= 1
    right = end
    while right < len(text) and (text[right].isalnum() or text[right] in "-+" or _decimal_point(text, right)):
        right += 1
    return text[left:right].strip("-")


def _decimal_point(text: str, at: int) -> bool:
    """True where ``text[at]`` is a point between two digits ("1.1B")."""
    return text[at] == "." and 0 < at < len(text) - 1 and text[at - 1].isdigit() and text[at + 1].isdigit()


def type_from_head(words: list[str]) -> str | None:
    """The entity type signalled by the first head noun among ``words``, if any.

    >>> type_from_head(["a", "new", "benchmark"]), type_from_head(["strong", "results"])
    ('Dataset', None)
    """
    for word in words:
        found = HEAD_TYPES.get(word.casefold())
        if found:
            return found
    return None


# Name parts that type a coined name by themselves ("FooNet", "BarLoRA", "MedBench").
_SUFFIX_TYPES = (
    (re.compile(r"(?:bench|qa|set|corpus|eval)$", re.I), "Dataset"),
    (re.compile(r"(?:lora|adapter|tuning|prompt|peft|ft)$", re.I), "Method"),
    (re.compile(r"(?:gpt|llm|lm|bert|net|sam|vlm|llama|former|vit|clip|t5)$", re.I), "Model"),
)
# A capital inside a word where a glued known name may begin ("Q|PiSSA").
_HUMP = re.compile(r"(?<=.)(?=[A-Z][A-Za-z0-9]{2})")


@functools.lru_cache(maxsize=1 << 14)  # a pure function of a name (and a vocabulary, which never changes)
def type_of_name(name: str, vocab: Vocabulary) -> str | None:
    """Type a coined name by a known part ("Med-Gemini-2D" -> Model) or a typing suffix.

    >>> from kg.vocab import Entry
    >>> v = Vocabulary([Entry("Gemini", "Model"), Entry("LoRA", "Method")])
    >>> type_of_name("Med-Gemini-2D", v), type_of_name("QLoRA", v)
    ('Model', 'Method')
    """
    hit = vocab.lookup(name) or vocab.lookup(strip_size(name))
    if hit and hit[1] in NAMED_TYPES:
        return hit[1]
    parts = [p for p in _PART_SEP.split(strip_size(name)) if p]
    for size in range(len(parts) - 1, 0, -1):
        for begin in range(len(parts) - size + 1):
            hit = vocab.lookup(" ".join(parts[begin : begin + size]))
            if hit and hit[1] in NAMED_TYPES:
                return hit[1]
    last = parts[-1] if parts else ""
    # "QPiSSA", "BioMedCLIP": a known name glued after a prefix
    for hump in _HUMP.finditer(last):
        hit = vocab.lookup(last[hump.start() :])
        if hit and hit[1] in NAMED_TYPES:
            return hit[1]
    for pattern, etype in _SUFFIX_TYPES:
        if pattern.search(last):
            return etype
    return None
