"""Stage 2: entity mentions in sentences — vocabulary matches and new names.

Known names are found by one longest-match walk over token n-grams that
serves every lookup layer at once (all names, modalities, domains, metrics).
Names the vocabulary has never seen come from general patterns: acronym
definitions ("Low-Rank Adaptation (LoRA)"), coined names with a known part or
a typing head noun ("Med-Gemini-2D", "the FooBench benchmark"), lists of
benchmarks, coined task and technique phrases by their head noun
("readmission prediction", "cluster-based fine-tuning") and the paper's own
proposals ("we propose X and Y", "a novel X approach", title "X: ..."), the
last handled in :func:`proposals`.
"""
from __future__ import annotations

import functools
import re
from typing import NamedTuple

from kg.vocab import BLOCK, Vocabulary, normalize_name

MAX_NGRAM = 8

# Separators between the parts of a name.
_PART_SEP = re.compile(r"[\s\-_]+")
# Hyphens or underscores inside a compound.
_HYPHEN_SEP = re.compile(r"[\-_]+")
# What separates two items of a list: ",", "and", "or".
_LIST_GAP = re.compile(r"\s*(?:,|and|or|, and)\s*")
# "7B", "3D", "H100", or a word glued to a number ("from72").
_SIZE_OR_NUMBER = re.compile(r"[A-Za-z]?\d+(?:\.\d+)?[A-Za-z]{0,2}|(?:from|to|of|in|on|at|by|and|or|for|with|over)\d+")
# Where a listed run of names ends.
_LIST_END = re.compile(r"[).;:]\s|[).;]$|\)")
# The opening of an appositive: ", a", " is the", "(...), an".
_APPOSITIVE_OPEN = re.compile(r"\s*(?:,\s*|\s+is\s+|\s*\(\w[^)]*\)\s*,?\s*)?(?:an?|the)?\s*")
# "a family of", "a suite of": transparent to the head noun.
_COLLECTIVE = re.compile(r"^(?:[\w-]+\s+){0,2}?(?:family|suite|series|set|collection|pair)\s+of\s+")
# Several list items and their separators.
_LIST_GAPS = re.compile(r"(?:\s*(?:,|and|or|, and)\s*[\w\-]+)*\s*(?:,|and|or|, and)\s*")
# A word of a proposal clause (LaTeX-ish names such as MedS$^3$ included).
_CLAUSE_WORD = re.compile(r"[A-Za-z0-9\\][\w+$^\\]*(?:[\-/][\w+]+)*")
# An acronym in parentheses a little further on in the clause.
_LATER_ACRONYM = re.compile(r"[^,.;()]{0,80}?\(([A-Z][\w\-+]*)\)")
# Where a proposal clause ends.
_CLAUSE_SPLIT = re.compile(r";|\.\s|, (?:which|where|while|and then)\b")
# "new", "novel" or "our" right before a name.
_NEW_BEFORE = re.compile(r"\b(?:new|novel|our)\s+$")
# Prepositions that end a subtitle's head phrase.
_SUBTITLE_SPLIT = re.compile(r"\b(?:for|of|with|in|via|to|on|from|by|through|towards?)\b")
# A token: a run of letters/digits (with trailing "+" as in "LoRA+"), or a "/" or "@" joiner.
_TOKEN = re.compile(r"[^\W_]+\+*|[/@]")
# Words that never open a multi-word name.
_FUNCTION_WORDS = frozenset("a an the of to in on for and or with by as at is are we our this that".split())
# What may separate two tokens of one name: nothing, or one space/hyphen/underscore/dot.
_JOIN = frozenset(["", " ", "-", "_", ".", "\u2010", "\u2011", "\u2013"])

# Head nouns that type an unknown name next to them.
HEAD_TYPES = {
    **dict.fromkeys(
        "dataset datasets benchmark benchmarks corpus corpora database collection challenge "
        "suite testbed leaderboard".split(), "Dataset"),
    **dict.fromkeys(
        "model models llm llms mllm mllms vlm vlms lvlm lvlms lmm lmms network networks net "
        "platform system assistant chatbot agent encoder transformer foundation architecture".split(),
        "Model"),
    **dict.fromkeys(
        "method methods framework approach technique strategy algorithm paradigm pipeline scheme "
        "adapter adapters module mechanism tuning finetuning fine-tuning prompting learning training "
        "pretraining pre-training regularization objective optimization adaptation recipe "
        "distillation alignment".split(), "Method"),
}

# Name parts that type a coined name by themselves ("FooNet", "BarLoRA", "MedBench").
_SUFFIX_TYPES = (
    (re.compile(r"(?:bench|qa|set|corpus|eval)$", re.I), "Dataset"),
    (re.compile(r"(?:lora|adapter|tuning|prompt|peft|ft)$", re.I), "Method"),
    (re.compile(r"(?:gpt|llm|lm|bert|net|sam|vlm|llama|former|vit|clip|t5)$", re.I), "Model"),
)

# Ubiquitous acronyms that are never an entity, even where the stoplist misses them.
_GENERIC_ACRONYMS = frozenset(
    "ai ml dl nlp llm vlm mllm lvlm lmm lm plm sota gpu cpu api url nn dnn ann os ehr".split()
)

# A trailing model size or version tag that the guideline leaves out of names ("-7B", " 13B").
_SIZE = re.compile(r"[\s\-_]*\d+(?:\.\d+)?[BbMmKk]$|-\d+(?:\.\d+)?[BbMm](?=-[A-Za-z])")
_INNER_SIZE = re.compile(r"-\d+(?:\.\d+)?[BbMm](?=-[A-Za-z])")
# Acronym in parentheses right after its expansion: "Low-Rank Adaptation (LoRA)".
_ACRONYM = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9+\-]{0,14}?[A-Z0-9][A-Za-z0-9+\-]*?)(?:s)?\s*\)")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'+\-/]*")
# Patterns searched over whole sentences open with "(?=[...])": the first letters of their words. Python's
# re then tests only the positions where a word could start (10-30% faster on sentence-long text, measured).
# Lists of named benchmarks: "benchmarks (MedQA, MedMCQA and PubMedQA)", "datasets such as X and Y".
_LIST_CUE = re.compile(
    r"(?=[bdcBDC])\b(?:benchmarks?|datasets?|corpora|databases?)\s*(?:\(|:|,?\s*(?:such as|including|namely|like)\s+)",
    re.I,
)
_LIST_ITEM = re.compile(r"(?:the\s+)?([A-Z][\w\-./]*(?:\s+[A-Z0-9][\w\-./]*){0,3})")
_LIST_SEP = re.compile(r"\s*(?:,\s*(?:and|or)\s+|,|\band\b|\bor\b|&)\s*")


class Mention(NamedTuple):
    """An entity mention: canonical ``name`` and ``type``, the ``surface`` text and where it is."""

    name: str
    type: str
    surface: str
    start: int
    end: int
    sentence: int


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
    not names by themselves; :func:`derived_mentions` accepts them only with a
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


def _has_known_part(surface: str, vocab: Vocabulary) -> bool:
    """True when a capitalised hyphen compound contains a known name ("Med-Gemini")."""
    parts = [p for p in _HYPHEN_SEP.split(surface) if p]
    return len(parts) > 1 and all(p[:1].isupper() or p[:1].isdigit() for p in parts) and any(
        (hit := vocab.lookup(p)) and hit[1] in ("Model", "Method", "Dataset") for p in parts)


def strip_size(name: str) -> str:
    """A name without its size tag ("Qwen2-VL-72B" -> "Qwen2-VL", "Foo-8B-Chat" -> "Foo-Chat");
    sizes alone stay.

    >>> strip_size("Qwen2-VL-72B"), strip_size("Mistral 7B"), strip_size("13B"), strip_size("Foo-8B-Chat")
    ('Qwen2-VL', 'Mistral', '13B', 'Foo-Chat')
    """
    stripped = _SIZE.sub("", name)
    return stripped if stripped and any(c.isalpha() for c in stripped) else name


def is_generic(surface: str, vocab: Vocabulary) -> bool:
    """True for stoplisted phrases and ubiquitous acronyms ("LLMs", "AI")."""
    key = normalize_name(surface)
    return vocab.is_generic(surface) or key in _GENERIC_ACRONYMS or key.rstrip("s") in _GENERIC_ACRONYMS


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
    longest = [{} for _ in range(size)]  # per layer: start token -> (end token, value)
    for i in range(count):
        key = norms[i]
        # "a LoRA" is not "ALoRA": a function word only ever matches alone
        reach = min(count, i + 1 if key in _FUNCTION_WORDS else i + MAX_NGRAM)
        for j in range(i, reach):
            if j > i:
                key += norms[j]
                # one name continues only through nothing, a space, a hyphen ... (not a comma)
                if key not in prefixes or text[ends[j - 1]:starts[j]] not in _JOIN:
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
            if not _is_partial(text, start, end):
                found.append(Mention(name, kind, surface, start, end, sentence))
                continue
            compound = _compound_at(text, start, end)
            # "PaLM 2-L", "Llama 3.1-8B-Instruct": a known spaced name glued to more is a variant
            # of it, which the coined-name stage cannot see for the space
            if kind in ("Model", "Method", "Dataset") and " " in compound:
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


def type_of_name(name: str, vocab: Vocabulary) -> str | None:
    """Type a coined name by a known part ("Med-Gemini-2D" -> Model) or a typing suffix.

    >>> from kg.vocab import Entry
    >>> v = Vocabulary([Entry("Gemini", "Model"), Entry("LoRA", "Method")])
    >>> type_of_name("Med-Gemini-2D", v), type_of_name("QLoRA", v)
    ('Model', 'Method')
    """
    hit = vocab.lookup(name) or vocab.lookup(strip_size(name))
    if hit and hit[1] in ("Model", "Method", "Dataset"):
        return hit[1]
    parts = [p for p in _PART_SEP.split(strip_size(name)) if p]
    for size in range(len(parts) - 1, 0, -1):
        for begin in range(len(parts) - size + 1):
            hit = vocab.lookup(" ".join(parts[begin:begin + size]))
            if hit and hit[1] in ("Model", "Method", "Dataset"):
                return hit[1]
    last = parts[-1] if parts else ""
    # "QPiSSA", "BioMedCLIP": a known name glued after a prefix
    for hump in _HUMP.finditer(last):
        hit = vocab.lookup(last[hump.start():])
        if hit and hit[1] in ("Model", "Method", "Dataset"):
            return hit[1]
    for pattern, etype in _SUFFIX_TYPES:
        if pattern.search(last):
            return etype
    return None


# A capital inside a word where a glued known name may begin ("Q|PiSSA").
_HUMP = re.compile(r"(?<=.)(?=[A-Z][A-Za-z0-9]{2})")


# A candidate word for a coined name; :func:`derived_mentions` keeps those with an inner capital or a digit.
# (plain lower-case words are skipped inside the pattern, which keeps the loop short)
_CANDIDATE = re.compile(r"(?<![\w+\-/])(?![a-z]+(?![\w+\-/]))[A-Za-z0-9][\w+]*(?:[\-/][\w+]+)*")
_DIGIT = re.compile(r"\d")
_TITLE_COMPOUND = re.compile(r"[A-Z][A-Za-z]*(?:-[A-Z][A-Za-z]*)+")


def derived_mentions(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Hyphenated or CamelCase coined names typed by a known part or a head noun after them.

    >>> from kg.vocab import Entry
    >>> v = Vocabulary([Entry("Gemini", "Model")])
    >>> [(m.name, m.type) for m in derived_mentions("Med-Gemini-2D beats the FooQA benchmark.", v)]
    [('Med-Gemini-2D', 'Model'), ('FooQA', 'Dataset')]
    """
    found, untyped = [], []
    for match in _CANDIDATE.finditer(text):
        surface = match.group().rstrip("-")
        rest = surface[1:]
        # a coined name has an inner capital or a digit ("Med-Gemini", "GPT4", "FooNet")
        if rest == rest.lower() and (rest.isalpha() or not _DIGIT.search(rest)):
            continue
        if is_generic(surface, vocab):
            continue
        if not (is_name_like(surface) or _has_known_part(surface, vocab)):
            # a Title-Case compound ("R-Path") is a name only when listed with coined names
            if _TITLE_COMPOUND.fullmatch(surface) and not vocab.lookup(surface):
                untyped.append(Mention(surface, None, surface, match.start(), match.end(), sentence))
            continue
        name = strip_size(surface)
        known = vocab.lookup(name)
        # a known name is the vocabulary layer's to match, unless a size inside it hides it
        # there: "Llama-3-70B-Instruct" is Llama-3-Instruct, typed by the vocabulary
        if vocab.lookup(surface) or known and not _INNER_SIZE.search(surface):
            continue
        following = _WORD.findall(text[match.end():match.end() + 40])[:2]
        etype = (known[1] if known else None) or type_from_head(following[:1]) or type_of_name(name, vocab) \
            or _parenthesised_type(text, match.start())
        if not _is_size_or_number(name):
            (found if etype else untyped).append(Mention(name, etype, surface, match.start(), match.end(), sentence))
    return _type_by_coordination(text, found, untyped)


def _type_by_coordination(text: str, typed: list, untyped: list) -> list:
    """Untyped coined names take the type of a name they are listed with: "R-RAD, R-SLAKE and R-Path"."""
    if not typed or not untyped:
        return typed
    found = list(typed)
    for mention in untyped:
        for other in typed:
            left, right = (mention, other) if mention.end <= other.start else (other, mention)
            if _LIST_GAP.fullmatch(text[left.end:right.start]) or (
                    left is other and _LIST_GAPS.fullmatch(
                                                   text[left.end:right.start])):
                found.append(mention._replace(type=other.type))
                break
    return sorted(found, key=lambda m: m.start)


def _parenthesised_type(text: str, start: int) -> str | None:
    """The type of a name given in parentheses after its head: "a general LLM (FooGLM-10B)"."""
    if not text[:start].rstrip().endswith("("):
        return None
    return type_from_head(_WORD.findall(text[max(0, start - 40):start])[-2:][::-1])


def _is_size_or_number(name: str) -> bool:
    """True for tokens such as "7B", "3D", "2x" or "H100" that are never names here."""
    # "from72": a word glued to a number by a missing space
    return bool(_SIZE_OR_NUMBER.fullmatch(name))


def _expansion(words: list[str], acronym: str) -> int:
    """How many trailing ``words`` spell out ``acronym`` (0 when none do).

    >>> _expansion(["we", "use", "Low-Rank", "Adaptation"], "LoRA")
    2
    """
    letters = [c.casefold() for c in acronym if c.isalpha()]
    if not letters:
        return 0
    for size in range(1, min(len(words), len(letters) + 3) + 1):
        chunk = words[-size:]
        if chunk[0][:1].casefold() != letters[0]:
            continue
        if _spells(" ".join(chunk).casefold(), letters):
            return size
    return 0


def _spells(phrase: str, letters: list[str]) -> bool:
    """True when ``letters`` occur in order in ``phrase``, the first at its start."""
    position = 0
    for letter in letters:
        position = phrase.find(letter, position)
        if position < 0:
            return False
        position += 1
    return True


def acronym_pairs(text: str) -> list[tuple[str, str, int, int]]:
    """(acronym, expansion, start, end) for "Long Form (LF)" definitions in a sentence.

    >>> acronym_pairs("We apply Group Relative Policy Optimization (GRPO) here.")
    [('GRPO', 'Group Relative Policy Optimization', 9, 50)]
    """
    pairs = []
    for match in _ACRONYM.finditer(text):
        acronym = match.group(1)
        if not any(c.isupper() for c in acronym):
            continue
        words = list(_WORD.finditer(text[max(0, match.start() - 160):match.start()]))
        size = _expansion([w.group() for w in words], acronym)
        if not size:
            continue
        offset = max(0, match.start() - 160)
        start = offset + words[-size].start()
        expansion = text[start:offset + words[-1].end()]
        pairs.append((acronym, expansion, start, match.end()))
    return pairs


_CLASS_PLURAL = re.compile(r"\b(?:models|networks|transformers|systems|LLMs|VLMs)$", re.I)


def acronym_mentions(text: str, vocab: Vocabulary, sentence: int = 0) -> tuple[list, dict]:
    """Mentions from acronym definitions, and an alias map (normalised form -> other form).

    A known acronym or expansion gives the vocabulary entry; an unknown pair is
    one new entity named by the acronym, typed by the expansion's head noun or
    a known tail ("Prototypical Contrastive Learning" -> Method).
    """
    found, aliases = [], {}
    for acronym, expansion, start, end in acronym_pairs(text):
        if is_generic(acronym, vocab) or is_generic(expansion, vocab):
            continue
        hit = vocab.lookup(acronym) or vocab.lookup(expansion) or _tail_hit(expansion, vocab)
        known = vocab.lookup(acronym) or vocab.lookup(expansion)
        if known:
            aliases[normalize_name(known[0])] = {acronym, expansion}
            continue
        # "Medical Vision-Language Models (Med-VLMs)": a plural names a class of models, not one
        if _CLASS_PLURAL.search(expansion):
            continue
        words = expansion.split()
        following = _WORD.findall(text[end:end + 30])[:1]
        etype = type_from_head(following) or type_from_head(words[::-1][:2])
        if not etype and hit and hit[1] in ("Model", "Method", "Dataset"):
            etype = hit[1]
        if not etype and sum(w[:1].isupper() for w in words) >= max(2, len(words) - 1):
            etype = "Method"
        if etype in ("Model", "Method", "Dataset"):
            found.append(Mention(acronym, etype, acronym, start, end, sentence))
            aliases[normalize_name(acronym)] = {expansion}
    return found, aliases


def _tail_hit(expansion: str, vocab: Vocabulary):
    """The vocabulary entry named by the last words of an expansion, if any."""
    words = expansion.split()
    for size in range(len(words) - 1, 0, -1):
        hit = vocab.lookup(" ".join(words[-size:]))
        if hit:
            return hit
    return None


def listed_datasets(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Capitalised names listed after "benchmarks (", "datasets such as", ... as Datasets.

    >>> [m.name for m in listed_datasets("on four benchmarks (FooQA, Bar Set and BazBench).", Vocabulary())]
    ['FooQA', 'Bar Set', 'BazBench']
    """
    found = []
    for cue in _LIST_CUE.finditer(text):
        tail = text[cue.end():cue.end() + 300]
        stop = _LIST_END.search(tail)
        chunk = tail[:stop.start()] if stop else tail
        offset = cue.end()
        for piece in _LIST_SEP.split(chunk):
            item = _LIST_ITEM.fullmatch(piece.strip())
            if not item:
                break
            name = item.group(1).strip()
            if is_generic(name, vocab) or _is_size_or_number(name):
                continue
            hit = vocab.lookup(name)
            if hit and hit[1] != "Dataset":
                continue
            position = text.find(name, offset)
            found.append(Mention(hit[0] if hit else name, "Dataset", name, position, position + len(name), sentence))
    return found


# Head nouns of coined task phrases: "shadow detection", "readmission prediction", "trial matching".
# (Heads such as "segmentation" or "summarization" map to the vocabulary's task by themselves.)
_TASK_HEAD = re.compile(
    r"\b(?:generation|detection|prediction|matching|extraction|tracking|estimation|forecasting|discovery|"
    r"editing|classification|grading|triage)\b"
)
# The one or two words before a task head.
_TASK_MODIFIERS = re.compile(r"([A-Za-z][A-Za-z0-9\-]*)\s+(?:([a-z][a-z0-9\-]*)\s+)?$")
# Words that never open a task name (determiners, connectives, evaluative or generic words).
_NOT_TASK_WORDS = frozenset(
    "a an the of for in on to and or with by from via as at is are be its their our this these that such "
    "which improved accurate better effective efficient automatic automated downstream various multiple "
    "different new novel several many more most robust strong general specific fine-grained end-to-end "
    "data model models task tasks performance zero-shot few-shot high-quality large-scale existing "
    "conditional controllable generative faithful open-ended improving enhances enables next-token "
    "tuning fine-tuning training learning pre-training pretraining knowledge domain content solution "
    "label object image text binary multi-class multi-label one two three four five six both either "
    "through between across beyond include includes implement implements improve rapid".split()
)
# Adjective endings: "clinical", "comprehensive", "personalized" modify, they do not name a task.
_ADJECTIVE = re.compile(r"(?:al|ive|ed|ing|ic|ous|ful|able|ible|ary|est|er)$")
IMAGE_MODALITIES = frozenset(["image", "chest X-ray", "X-ray", "CT", "MRI", "ultrasound", "histopathology",
                               "dermatology image", "ophthalmology image", "mammography", "microscopy",
                               "endoscopy", "PET", "3D volume"])


def _task_modifier(word: str, vocab: Vocabulary) -> bool:
    """True for a word that can name what a task is about ("shadow", "readmission", "EHR")."""
    folded = word.casefold()
    if folded in _NOT_TASK_WORDS or _ADJECTIVE.search(folded) and not word.isupper():
        return False
    # "real-world", "state-of-the-art", "Beyond": compounds and capitalised words are not task objects
    if "-" in word or word[:1].isupper() and not word.isupper():
        return False
    hit = vocab.lookup(word)
    return not hit or hit[1] == "Modality"


def task_phrases(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Coined task phrases by their head noun: "readmission prediction"; "CT classification" is the
    vocabulary's image classification.

    >>> from kg.vocab import Entry
    >>> v = Vocabulary([Entry("image classification", "Task"), Entry("CT", "Modality")])
    >>> [m.name for m in task_phrases("We study CT classification and readmission prediction.", v)]
    ['image classification', 'readmission prediction']
    """
    found = []
    for head_match in _TASK_HEAD.finditer(text):
        offset = max(0, head_match.start() - 60)
        match = _TASK_MODIFIERS.search(text, offset, head_match.start())
        if not match:
            continue
        first, second = match.groups()
        head = head_match.group()
        words = [w for w in (first, second) if w]
        while words and not _task_modifier(words[0], vocab):
            words.pop(0)
        if not words and head == "classification":
            # bare "classification": the extractor specialises it by the paper's modality, or drops it
            found.append(Mention(head, "Task", head, head_match.start(), head_match.end(), sentence))
            continue
        if not words or not all(_task_modifier(w, vocab) for w in words):
            continue
        start = match.start(1) if len(words) == len([w for w in (first, second) if w]) else match.start(2)
        end = head_match.end()
        surface = text[start:end]
        modifier = vocab.lookup(" ".join(words))
        if modifier and modifier[1] == "Modality":
            image_task = vocab.lookup("image " + head)
            if modifier[0] in IMAGE_MODALITIES and image_task and image_task[1] == "Task":
                found.append(Mention(image_task[0], "Task", surface, start, end, sentence))
                continue
        name = " ".join([*words, head])
        if not vocab.lookup(name) and not vocab.is_generic(name):
            found.append(Mention(name, "Task", surface, start, end, sentence))
    return found


_METHOD_HEAD = re.compile(r"(?=[fpl])\b(?:fine-?tuning|prompting|loss)\b")
# A compound modifier right before the head: "context-aware fine-tuning", "cluster-based fine-tuning".
_METHOD_MODIFIER = re.compile(r"(?<![\w\-])([a-z][a-z0-9]*-[a-z][a-z0-9\-]*)\s+$")
# Words that do not name a kind of technique ("further fine-tuning", "costly training").
_NOT_METHOD_WORDS = frozenset(
    "a an the this that these those our their its his her such other same different various multiple several "
    "and or of for in on to with by via from after before during without through as at is are be been was were "
    "using use used apply applying applied perform performing performed requires require enables enable "
    "full partial standard traditional conventional existing extensive further efficient effective simple "
    "naive vanilla costly expensive computationally limited minimal additional subsequent initial direct "
    "typical common prior previous current general generic specific downstream large-scale small-scale "
    "careful proper robust successful better new novel full-parameter model models data llm llms language "
    "machine deep more less most each every any all some two three both task tasks end-to-end when while "
    "not also only then than into can could may might will would should".split()
)


def method_phrases(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Coined technique names: a compound modifier and a technique head ("context-aware fine-tuning").

    >>> [m.name for m in method_phrases("We apply cluster-based fine-tuning, not further fine-tuning.", Vocabulary())]
    ['cluster-based fine-tuning']
    """
    found = []
    for head_match in _METHOD_HEAD.finditer(text):
        match = _METHOD_MODIFIER.search(text, max(0, head_match.start() - 40), head_match.start())
        if not match or match.group(1) in _NOT_METHOD_WORDS or match.group(1).startswith(("out-", "over-", "under-")):
            continue
        name = text[match.start(1):head_match.end()]
        if vocab.lookup(name) or vocab.is_generic(name) or vocab.lookup(match.group(1)):
            continue
        found.append(Mention(name, "Method", name, match.start(1), head_match.end(), sentence))
    return found


# "the Foo Bar dataset": up to three capitalised words before a dataset head noun.
_NAMED_BEFORE_HEAD = re.compile(
    r"\b(?:the|on|of|from|and|using)\s+((?:[A-Z][\w\-]*\s+){0,2}[A-Z][\w\-]*)\s+(dataset|benchmark|corpus|database|challenge)\b")


_HEAD_COMMA = re.compile(r"(?:dataset|benchmark|corpus),")
_HEAD_WORD = re.compile(r"dataset|benchmark|corp|database|challenge")
_NAMED_AFTER_HEAD = re.compile(r"\b(?:dataset|benchmark|corpus),\s+([A-Z][\w\-]*)(?=\s*[,(])")


def named_after_head(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Unknown capitalised names right before a typing head: "on the Foo Bar dataset" (or coined
    ones in apposition after it: "a benchmark dataset, FooQA, of ...").

    >>> [m.name for m in named_after_head("tested on the Kvasir SEG dataset.", Vocabulary())]
    ['Kvasir SEG']
    """
    found = []
    if not _HEAD_WORD.search(text):  # a quick test first: most sentences name no head
        return found
    # "a benchmark dataset, MedReview, consisting of ...": a coined name in apposition to the head
    for match in _NAMED_AFTER_HEAD.finditer(text) if ", " in text and _HEAD_COMMA.search(text) else ():
        name = match.group(1)
        if is_name_like(name) and not vocab.lookup(name) and not is_generic(name, vocab):
            found.append(Mention(name, "Dataset", name, match.start(1), match.end(1), sentence))
    for match in _NAMED_BEFORE_HEAD.finditer(text):
        name = match.group(1)
        if vocab.lookup(name) or is_generic(name, vocab) or _is_size_or_number(name):
            continue
        # "the US MIMIC-III dataset": a known dataset with a qualifier before it is that dataset
        words = name.split()
        if any((hit := vocab.lookup(" ".join(words[i:]))) and hit[1] == "Dataset" for i in range(1, len(words))):
            continue
        found.append(Mention(name, "Dataset", name, match.start(1), match.end(1), sentence))
    return found


_PROPOSE = re.compile(
    r"\b(?:we|this (?:paper|work|study)|our (?:work|paper|study))\s+(?:\w+ly\s+|also\s+|further\s+|then\s+|first\s+|here\s+|have\s+)?"
    r"(?:propose|present|introduce|develop|release|curate|construct|create|design|build|establish|contribute|"
    r"open-source|publish|devise|train|term|call)(?:s|d|ed)?\b(?:\s+as\b)?|\b(?:named|called|dubbed|termed|coined)\b(?:\s+as\b)?|"
    r"\bby (?:proposing|introducing|developing|designing)\b|"
    r"\b(?:our|the resulting|the proposed)\s+(?:[\w-]+\s+){0,2}?(?:model|method|approach|framework|system|benchmark|dataset),",
    re.I,
)
_AND_PROPOSE = re.compile(
    r"\band\s+(?:then\s+|also\s+)?(?:propose|present|introduce|develop|release|curate|construct|create|design|build|"
    r"establish|publish|devise)\b", re.I)
_CAPITALISED_RUN = re.compile(r"(?:\s+(?:[A-Z0-9][\w\-+]*))*")
# Words that may open a proposed phrase without being part of its name.
_FILLERS = frozenset(
    "a an the novel new our simple first large-scale unified general open open-source effective efficient "
    "several two three multiple".split())
# Coordination between two proposed names: "X, Y and Z", "X (110M) and Y".
_COORDINATED_NAME = re.compile(r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+)([A-Z][\w+]*(?:-[A-Z0-9][\w+]*)+)(?![\w-])")
_COORDINATED = re.compile(r"\s*(?:\([^()]*\)\s*)?(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+|&\s*)(?:the\s+)?$")
# A lower-case coined technique after a proposal cue: "a novel context-aware fine-tuning methodology".
_METHOD_TAILS = frozenset(
    "tuning fine-tuning finetuning prompting learning training pre-training pretraining loss sampling "
    "refinement distillation augmentation regularization optimization alignment decoding merging pruning "
    "selection generation adaptation masking grafting".split())
_GENERIC_HEADS = frozenset(
    "method methods approach technique strategy framework methodology scheme procedure pipeline mechanism "
    "paradigm recipe module".split())
_NP_END = re.compile(r"\b(?:that|which|who|for|to|with|of|designed|built|trained|based|using|capable|aimed|aiming|in|on|by|via|exploring|leveraging|tailored)\b|[,;:.]")


_EXPANSION_FIRST = re.compile(r"^\s*,\s*[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*)+\s*,")


def _appositive_head(after: str) -> str | None:
    """The type of "X, a <adjectives> HEAD ..." or "X HEAD": the last head noun before the noun phrase ends.

    >>> _appositive_head(", a prompting platform which delivers results")
    'Model'
    """
    # "X, Long Form Name, a technique ...": the spelled-out name is no head; read past it
    after = _EXPANSION_FIRST.sub(",", after, count=1)
    match = _APPOSITIVE_OPEN.match(after)
    rest = after[match.end():] if match else after
    # "a family of 7B models": the head is what the family is made of
    rest = _COLLECTIVE.sub("", rest)
    phrase = _NP_END.split(rest, maxsplit=1)[0]
    heads = [HEAD_TYPES[w.casefold()] for w in _WORD.findall(phrase)[:8] if w.casefold() in HEAD_TYPES]
    return heads[-1] if heads else None


_TRAINED_FROM = re.compile(
    r"\s*,?\s*(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}?(?:fine-?tuned|instruction-?tuned|pre-?trained|trained|built|initiali[sz]ed)\s+"
    r"(?:from|on top of|upon)\b|\s*,?\s*(?:an?\s+)?[\w.-]+-based\s+(?:model|llm|assistant|chatbot)", re.I)


def _proposal_type(name: str, before: str, after: str, vocab: Vocabulary) -> str:
    """Type a proposed name by its appositive ("X, a new benchmark"), else the nearest head noun
    before it ("a RAG system, X"), else a known part; Method by default."""
    before_words = _WORD.findall(before[-80:])[-6:][::-1]
    if _TRAINED_FROM.match(after):
        return "Model"  # only a model is fine-tuned from another
    if strip_size(name) != name:
        return "Model"  # a parameter count ("-10B") only ever tags a model
    return _appositive_head(after) or type_from_head(before_words) or type_of_name(name, vocab) or "Method"


def _candidate_names(clause: str, vocab: Vocabulary):
    """Coined names in a proposal clause, in order: (name, start, end); known generic names skipped."""
    for match in _CLAUSE_WORD.finditer(clause):
        surface = match.group().rstrip("-")
        hit = vocab.lookup(surface)
        if hit and hit[1] in ("Task", "Modality", "Domain"):
            # "we present Clinical Camel, ...": a field word may open a coined Title-Case name
            if surface[:1].isupper() and _opens_clause(clause, match.start(), surface):
                name, start, end = _opening_run(clause, match.start())
                named = vocab.lookup(name)
                if len(name.split()) > 1 and not is_generic(name, vocab) and (
                        named[1] in ("Model", "Method", "Dataset") if named else not _all_known(name, vocab)):
                    yield name, start, end
            continue
        # a known name counts, a known generic technique ("fine-tuning") does not
        known = hit is not None and hit[1] in ("Model", "Method", "Dataset") and hit[0] != hit[0].lower()
        opener = not (is_name_like(surface) or known) and _opens_clause(clause, match.start(), surface)
        if not (is_name_like(surface) or known or opener):
            continue
        if is_generic(surface, vocab) or _is_size_or_number(surface):
            continue
        if opener:
            yield _opening_run(clause, match.start())
            continue
        run = _CAPITALISED_RUN.match(clause, match.end())
        words = run.group().split()[:3] if run else []
        # keep "JAMA Clinical Challenge" together, but not "FooNet ChatGPT"
        while words and (vocab.lookup(words[-1]) or not words[-1][:1].isupper() and not words[-1].isdigit()):
            words.pop()
        name = " ".join([surface, *words]) if words and not any(is_name_like(w) for w in words) else surface
        yield name, match.start(), match.start() + len(name)


def _opens_clause(clause: str, start: int, surface: str) -> bool:
    """True for a capitalised word that opens the clause after fillers: "we introduce Hippo, ..."."""
    return surface[:1].isupper() and all(w.casefold() in _FILLERS for w in _WORD.findall(clause[:start]))


_TITLE_RUN = re.compile(r"[A-Z][\w\-+]*(?:\s+[A-Z][\w\-+]*){0,4}")


def _opening_run(clause: str, start: int) -> tuple[str, int, int]:
    """The Title-Case run opening a clause ("Conjugate Prompting"), or the acronym that
    follows it ("Half Fine-Tuning (HFT)" -> "HFT")."""
    run = _TITLE_RUN.match(clause, start)
    # the acronym may close a longer mixed-case phrase: "Sensitivity-aware visual Parameter-efficient (SPT)"
    after = _LATER_ACRONYM.match(clause[run.end():])
    if after and any(c.isupper() for c in after.group(1)[1:]):
        return after.group(1), run.end() + after.start(1), run.end() + after.end(1)
    return run.group(), start, run.end()


def proposals(sentences, vocab: Vocabulary) -> list[Mention]:
    """Names the paper itself introduces: "we propose X", "a method named X", title "X: ...".

    ``sentences`` are :class:`kg.extract.sentences.Sentence` objects; a title
    sentence is read for the "X: subtitle" pattern. Names coordinated with the
    first one ("datasets A, B and C") are proposed too.

    >>> from kg.extract.sentences import paper_sentences
    >>> s = paper_sentences("FooNet: Tiny segmentation", "We propose BarBench and BazQA, two new benchmarks.")
    >>> [(m.name, m.type) for m in proposals(s, Vocabulary())]
    [('FooNet', 'Model'), ('BarBench', 'Dataset'), ('BazQA', 'Dataset')]
    """
    found = []
    for index, sentence in enumerate(sentences):
        text = sentence.text
        if sentence.is_title:
            found += _title_proposal(text, vocab, index)
            continue
        cues = list(_PROPOSE.finditer(text))
        # "we devise X and build Y": the authors' second verb proposes too
        if cues:
            cues += [c for c in _AND_PROPOSE.finditer(text, cues[0].end())]
        for cue in cues:
            clause = _CLAUSE_SPLIT.split(text[cue.end():cue.end() + 220])[0]
            found += _clause_proposals(text, cue.end(), clause, vocab, index)
        found += created_datasets(text, vocab, index)
        # "a novel ensemble refinement approach": a new technique, wherever the sentence names it
        for cue in _NOVEL.finditer(text):
            phrase = _technique_phrase(text[cue.end():cue.end() + 120])
            if phrase and not vocab.lookup(phrase):
                start = text.find(phrase, cue.end())
                found.append(Mention(phrase, "Method", phrase, start, start + len(phrase), index))
    return found


_NOVEL = re.compile(r"(?=[aoAO])\b(?:a|an|our)\s+(?:new|novel)\s+", re.I)
# The authors making something: "we gather", "our ... suite", "resulting in the creation of".
_MADE = re.compile(r"\b(?:we|our)\b[^.;]*?\b(?:propos|present|introduc|develop|releas|curat|construct|creat|design|"
                   r"build|built|establish|gather|collect|compil|assembl|suite)\w*", re.I)
# "our instruction-following FooData dataset", "an evaluation benchmark (FooB)".
_OUR_NAMED = re.compile(r"\bour\s+(?:[\w-]+\s+){0,3}?([A-Z][\w\-]*[A-Za-z0-9])\s+(?:dataset|benchmark|corpus)\b"
                        r"|\b(?:dataset|benchmark|corpus)\s+\(([A-Z][\w\-]*)\)")
# A model named after these is what the proposal starts from: neither the proposal nor who scored.
BASE_BEFORE = re.compile(r"\b(?:built (?:up)?on|based on|fine-?tuned from|initiali[sz]ed (?:from|with)|on top of)\s+(?:the\s+)?$", re.I)
# A dataset named after these is one the authors use, not one they made.
_USED_FROM = re.compile(r"\b(?:on|from|using|in|with|to)\s+(?:the\s+)?$", re.I)


def created_datasets(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Coined dataset names the authors say they made: "we gather ... a 3D image dataset, FooSet-1K,",
    "resulting in the creation of the FooVision dataset"; and those they call theirs: "our FooAlpaca dataset".

    >>> [m.name for m in created_datasets("We build a benchmark dataset, FooQA, from public exams.", Vocabulary())]
    ['FooQA']
    """
    if not _HEAD_WORD.search(text):
        return []
    named = named_after_head(text, vocab, sentence)
    made = _MADE.search(text) if named else None
    found = [m for m in named if m.start > made.start()
             and not _USED_FROM.search(text[max(0, m.start - 12):m.start])] if made else []
    for match in _OUR_NAMED.finditer(text):
        group = 1 if match.group(1) else 2
        name = match.group(group)
        if is_name_like(name) and not vocab.lookup(name) and not is_generic(name, vocab):
            found.append(Mention(name, "Dataset", name, match.start(group), match.end(group), sentence))
    return found


def _clause_proposals(text: str, offset: int, clause: str, vocab: Vocabulary, index: int) -> list[Mention]:
    """The proposed names of one cue's clause: the first candidate and those coordinated with it."""
    found, previous_end = [], None
    for name, start, end in _candidate_names(clause, vocab):
        if previous_end is not None and not _COORDINATED.match(clause[previous_end:start]):
            break
        known = vocab.lookup(name) or vocab.lookup(strip_size(name))
        absolute = offset + start
        # a known name far from the cue is used, not proposed, unless it is "new" ("the new Foo family");
        # an unknown one far from it is what the proposal works on ("to perform cuffless BP estimation")
        far = _words_between(clause[:start]) > (3 if known else 8)
        if previous_end is None and far and not _NEW_BEFORE.search(clause[:start]):
            break
        # "we build a model and test it on the FooSet dataset": a name the authors work on, not one they make
        if previous_end is None and not known and _words_between(clause[:start]) > 2 and _USED_FROM.search(clause[:start]):
            break
        # "our model, built on Gemma, ...": the base of the proposal, not the proposal
        if previous_end is None and BASE_BEFORE.search(clause[:start]):
            break
        etype = known[1] if known else _proposal_type(name, text[:absolute], text[absolute + len(name):], vocab)
        canonical = known[0] if known else strip_size(name)
        found.append(Mention(canonical, etype, name, absolute, absolute + len(name), index))
        previous_end = end
    # "Polyhistor and Polyhistor-Lite", "R-RAD, R-SLAKE and R-Path": a hyphenated Title-Case name
    # coordinated with a proposal is one too, though plain words alone ("Path") are no name
    while found and (more := _COORDINATED_NAME.match(clause, previous_end)) and not vocab.lookup(more.group(1)):
        previous_end = more.end()
        found.append(found[-1]._replace(name=more.group(1), surface=more.group(1), start=offset + more.start(1),
                                        end=offset + more.end(1)))
    if not found:
        phrase = _technique_phrase(clause)
        if phrase:
            start = clause.find(phrase)
            found.append(Mention(phrase, "Method", phrase, offset + start, offset + start + len(phrase), index))
    return found


def _technique_phrase(clause: str) -> str | None:
    """A coined lower-case technique opening a proposal clause ("a novel double fine-tuning approach"
    -> "double fine-tuning"), or a Title-Case one ("Conjugate Prompting")."""
    words = []
    for word in _WORD.findall(clause[:120])[:8]:
        # fillers and generic words ("LLM", "general") open the phrase without naming the technique
        if not words and (word.casefold() in _FILLERS or word.casefold() in _NOT_METHOD_WORDS
                          or word.casefold() in _GENERIC_ACRONYMS or word.casefold().endswith(("able", "ible"))):
            continue
        if word.casefold() in _GENERIC_HEADS or word.casefold() in ("for", "to", "that", "which", "of", "with", "in", "on", "by", "based"):
            break
        words.append(word)
    while words and words[-1].casefold() not in _METHOD_TAILS:
        words.pop()
    if not 2 <= len(words) <= 4:
        return None
    phrase = " ".join(words)
    return phrase if phrase in clause else None


def _words_between(text: str) -> int:
    return len(_WORD.findall(text))


# What separates a title's head from its subtitle besides a colon: " -- ", " - ", " — ", and a comma
# before a subtitle that opens like one ("X, Towards ...", "X, A ...").
_TITLE_SPLIT = re.compile(r"\s+(?:--|-|\u2013|\u2014)\s+|,\s+(?=(?:Towards?|An?|The)\s)")
# Subtitles of papers that study a technique rather than introduce it.
_STUDY_SUBTITLE = re.compile(r"\b(?:survey|review|overview|tutorial|primer|study|analysis|comparison|benchmark\w*)\b", re.I)


def _title_proposal(title: str, vocab: Vocabulary, index: int) -> list[Mention]:
    """The "X: subtitle" (or "X -- subtitle") head of a title when X is a name: a coined word, or a
    short Title-Case phrase."""
    head, colon, subtitle = _TITLE_SPLIT.sub(":", title, count=1).partition(":")
    head = head.strip()
    opens_like_name = head[:1].isupper() or not head[:1].isascii() or head[:1].isdigit() and any(c.isupper() for c in head)
    if not colon or not head or len(head.split()) > 4 or not opens_like_name or "?" in head:
        return []
    known = vocab.lookup(head) or vocab.lookup(strip_size(head))
    # a known technique written as a coined name heads the paper that introduced it ("Prefix-Tuning: ...")
    coined = known and "-" in head and all(p[:1].isupper() for p in head.split("-")) and not _STUDY_SUBTITLE.search(subtitle)
    if known and (known[1] not in ("Model", "Method", "Dataset") or known[0] == known[0].lower() and not coined):
        return []
    title_case = _coined_title_phrase(head, vocab)
    if is_generic(head, vocab) or not (is_name_like(head) or len(head.split()) == 1 or title_case):
        return []
    if _all_known(head, vocab):
        return []
    if known:
        return [Mention(known[0], known[1], head, 0, len(head), index)]
    etype = _subtitle_type(subtitle) or type_of_name(head, vocab) or "Method"
    return [Mention(strip_size(head), etype, head, 0, len(head), index)]


def _coined_title_phrase(head: str, vocab: Vocabulary) -> bool:
    """True for a short Title-Case coinage ("Masked Thought"), not a sentence-like or task title
    ("Diagnosing Transformers", "Health Text Simplification")."""
    words = head.split()
    if not 1 < len(words) <= 3 or not all(w[:1].isupper() for w in words) or words[0].casefold().endswith("ing"):
        return False
    return not any((hit := vocab.lookup(w)) and hit[1] in ("Task", "Modality", "Domain") for w in words)


def _all_known(head: str, vocab: Vocabulary) -> bool:
    """True for multi-word heads made only of known task/domain/modality words ("Medical Image Segmentation")."""
    words = head.split()
    return len(words) > 1 and bool(vocab.lookup(head)) or all(
        (hit := vocab.lookup(w)) and hit[1] in ("Task", "Modality", "Domain") for w in words) and len(words) > 1


def _subtitle_type(subtitle: str) -> str | None:
    """The type a subtitle gives its head: its first head noun before "for/of/with/in/via"."""
    first = _SUBTITLE_SPLIT.split(subtitle, maxsplit=1)[0]
    return type_from_head(_WORD.findall(first)[::-1])


def title_expansion(title: str) -> tuple[str, str] | None:
    """(acronym, expansion) when a title's subtitle spells its head: "DVPT: Dynamic Visual Prompt Tuning".

    >>> title_expansion("DVPT: Dynamic Visual Prompt Tuning of Large Models")
    ('DVPT', 'Dynamic Visual Prompt Tuning')
    """
    head, colon, subtitle = title.partition(":")
    head = head.strip()
    if not colon or " " in head or not any(c.isupper() for c in head[1:]):
        return None
    words = _WORD.findall(subtitle)
    size = 0
    while size < len(words) and words[size][:1].isupper():
        size += 1
    letters = [c.casefold() for c in head if c.isupper()]
    if size and letters and words[0][0].casefold() == letters[0] and _spells(" ".join(words[:size]).casefold(), letters):
        return head, " ".join(words[:size])
    return None
