"""Stage 2, shared part: the Mention type, tokens, vocabulary matches, and what every rule uses.

Known names are found by one longest-match walk over token n-grams that
serves every lookup layer at once (all names, modalities, domains, metrics).
Names the vocabulary has never seen come from the rules listed in
:mod:`kg.extract.rules`; the helpers here tell them a coined name
("Med-Gemini-2D") from a plain word, and type it.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

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
        "platform system assistant chatbot agent encoder transformer foundation architecture".split(),
        "Model",
    ),
    **dict.fromkeys(
        "method methods framework approach technique strategy algorithm paradigm pipeline scheme "
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


# A token: a run of letters/digits (with trailing "+" as in "LoRA+"), or a "/" or "@" joiner.
_TOKEN = re.compile(r"[^\W_]+\+*|[/@]")


def tokenize(text: str) -> tuple[list, list, list]:
    """Word tokens as parallel lists (starts, ends, casefolded texts); punctuation other than
    "/" and "@" is dropped.

    >>> tokenize("ViT-B/16, LoRA+")[2]
    ['vit', 'b', '/', '16', 'lora+']
    """
    spans = [m.span() for m in _TOKEN.finditer(text)]
    return [s for s, _ in spans], [e for _, e in spans], [text[s:e].casefold() for s, e in spans]


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
    if any(p.islower() and p.isalpha() and p not in HEAD_TYPES for p in parts[1:]):
        return False
    if any(sum(c.isupper() for c in p) >= 2 for p in parts):
        return True
    word = "".join(parts)
    return any(c.isdigit() for c in word) and sum(c.isalpha() for c in word) >= 2


# A trailing model size or version tag that the guideline leaves out of names ("-7B", " 13B").
_SIZE = re.compile(r"[\s\-_]*\d+(?:\.\d+)?[BbMmKk]$|-\d+(?:\.\d+)?[BbMm](?=-[A-Za-z])")


def strip_size(name: str) -> str:
    """A name without its size tag ("Qwen2-VL-72B" -> "Qwen2-VL", "Foo-8B-Chat" -> "Foo-Chat");
    sizes alone stay.

    >>> strip_size("Qwen2-VL-72B"), strip_size("Mistral 7B"), strip_size("13B"), strip_size("Foo-8B-Chat")
    ('Qwen2-VL', 'Mistral', '13B', 'Foo-Chat')
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
    starts, ends, norms = tokenize(text) if tokens is None else tokens
    table, prefixes, size = layers.table, layers.prefixes, layers.size
    count = len(norms)
    longest: list[dict] = [{} for _ in range(size)]  # per layer: start token -> (end token, value)
    for i in range(count):
        key = norms[i]
        # "a LoRA" is not "ALoRA": a function word only ever matches alone
        reach = min(count, i + 1 if key in _FUNCTION_WORDS else i + MAX_NGRAM)
        for j in range(i, reach):
            if j > i:
                key += norms[j]
                # one name continues only through nothing, a space, a hyphen ... (not a comma)
                if key not in prefixes or text[ends[j - 1] : starts[j]] not in _JOIN:
                    break
            elif key not in prefixes:
                break
            values = table.get(key)
            if values:
                for layer, value in values:
                    longest[layer][i] = (j + 1, value)
    out = []
    for found_at in longest:
        found, free = [], 0  # free: the first token not yet consumed by a match
        for i in sorted(found_at):
            if i < free:
                continue
            end, value = found_at[i]
            if value is not BLOCK:
                found.append((starts[i], ends[end - 1], value))
            free = end
        out.append(found)
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
    found = []
    for matches in names:
        for start, end, (name, kind) in matches:
            surface = text[start:end]
            if not _case_ok(surface, vocab):
                continue
            if vocab.case_sensitive and normalize_name(surface) in vocab.case_sensitive:
                name, kind = vocab.lookup(surface) or (name, kind)
            if not _is_partial(text, start, end):
                found.append(Mention(name, kind, surface, start, end, sentence))
                continue
            compound = _compound_at(text, start, end)
            # "PaLM 2-L", "Llama 3.1-8B-Instruct": a known spaced name glued to more is a variant
            # of it, which the coined-name stage cannot see for the space
            if kind in NAMED_TYPES and " " in compound:
                left = text.rfind(compound, 0, end + len(compound))
                found.append(Mention(strip_size(compound), kind, compound, left, left + len(compound), sentence))
    return found, metrics


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
    """The whole hyphen-joined word around a span."""
    left = start
    while left > 0 and (text[left - 1].isalnum() or text[left - 1] in "-+"):
        left -= 1
    right = end
    while right < len(text) and (text[right].isalnum() or text[right] in "-+"):
        right += 1
    return text[left:right].strip("-")


def _case_ok(surface: str, vocab: Vocabulary) -> bool:
    """Short cased names ("SAM") only match text that is not all lower case ("sam")."""
    return normalize_name(surface) not in vocab.cased or surface != surface.lower()


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
