"""Stage 2: entity mentions in sentences — vocabulary matches and new names.

Known names are found by a longest-match lookup of token n-grams in the
vocabulary (one dict probe per n-gram). Names the vocabulary has never seen
come from general patterns: acronym definitions ("Low-Rank Adaptation
(LoRA)"), hyphenated derivations of a known name ("Med-Gemini-2D"), coined
names next to a head noun ("the FooBench benchmark"), lists of benchmarks and
the paper's own proposal ("we propose X", title "X: ..."), the last one
handled in :func:`proposals`.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from kg.vocab import Vocabulary, normalize_name

MAX_NGRAM = 8

# A token: a run of letters/digits (with trailing "+" as in "LoRA+"), or a "/" or "@" joiner.
_TOKEN = re.compile(r"[^\W_]+\+*|[/@]")
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
_SIZE = re.compile(r"[\s\-_]*\d+(?:\.\d+)?[BbMmKk]$")

# Acronym in parentheses right after its expansion: "Low-Rank Adaptation (LoRA)".
_ACRONYM = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9+\-]{0,14}?[A-Z0-9][A-Za-z0-9+\-]*?)(?:s)?\s*\)")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'+\-/]*")

# Lists of named benchmarks: "benchmarks (MedQA, MedMCQA and PubMedQA)", "datasets such as X and Y".
_LIST_CUE = re.compile(
    r"\b(?:benchmarks?|datasets?|corpora|databases?)\s*(?:\(|:|,?\s*(?:such as|including|namely|like)\s+)",
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


class Token(NamedTuple):
    """One token of a sentence with its offsets and normalised text."""

    start: int
    end: int
    norm: str


def tokenize(text: str) -> list[Token]:
    """Word tokens with offsets; punctuation other than "/" and "@" is dropped.

    >>> [t.norm for t in tokenize("ViT-B/16, LoRA+")]
    ['vit', 'b', '/', '16', 'lora+']
    """
    return [Token(m.start(), m.end(), m.group().casefold()) for m in _TOKEN.finditer(text)]


def _joinable(text: str, left: Token, right: Token) -> bool:
    """True when two adjacent tokens may belong to one name (no comma, bracket ... between)."""
    return text[left.end:right.start] in _JOIN


def is_name_like(surface: str) -> bool:
    """True for coined names: CamelCase, an acronym part, or letters with digits.

    Title-case compounds of plain words ("Vision-Language", "Dual-Stream") are
    not names by themselves; :func:`derived_mentions` accepts them only with a
    known part ("Med-Gemini").

    >>> [is_name_like(s) for s in ("OpenMedLM", "DVPT", "Med-R1", "Vision-Language", "LoRA-based", "the")]
    [True, True, True, False, False, False]
    """
    parts = [p for p in re.split(r"[\s\-_]+", surface) if p]
    if not parts or not surface[:1].isalnum():
        return False
    if any(p.islower() and p.isalpha() for p in parts[1:]):
        return False
    if any(sum(c.isupper() for c in p) >= 2 for p in parts):
        return True
    word = "".join(parts)
    return any(c.isdigit() for c in word) and sum(c.isalpha() for c in word) >= 2


def _has_known_part(surface: str, vocab: Vocabulary) -> bool:
    """True when a capitalised hyphen compound contains a known name ("Med-Gemini")."""
    parts = [p for p in re.split(r"[\-_]+", surface) if p]
    return len(parts) > 1 and all(p[:1].isupper() or p[:1].isdigit() for p in parts) and any(
        (hit := vocab.lookup(p)) and hit[1] in ("Model", "Method", "Dataset") for p in parts)


def strip_size(name: str) -> str:
    """A name without a trailing size tag ("Qwen2-VL-72B" -> "Qwen2-VL"); sizes alone stay.

    >>> strip_size("Qwen2-VL-72B"), strip_size("Mistral 7B"), strip_size("13B")
    ('Qwen2-VL', 'Mistral', '13B')
    """
    stripped = _SIZE.sub("", name)
    return stripped if stripped and any(c.isalpha() for c in stripped) else name


def is_generic(surface: str, vocab: Vocabulary) -> bool:
    """True for stoplisted phrases and ubiquitous acronyms ("LLMs", "AI")."""
    key = normalize_name(surface)
    return vocab.is_generic(surface) or key in _GENERIC_ACRONYMS or key.rstrip("s") in _GENERIC_ACRONYMS


def longest_matches(text: str, table: dict, block=frozenset()) -> list[tuple[int, int, object]]:
    """(start, end, value) of the longest token n-grams of ``text`` found in ``table``, left to right.

    Keys of ``table`` and ``block`` are normalised names; a longest match in
    ``block`` (a stoplisted phrase) consumes its span without a result.

    >>> longest_matches("a dice score of 0.9", {"dice": 1, "dicescore": 2})
    [(2, 12, 2)]
    """
    tokens = tokenize(text)
    found, i = [], 0
    while i < len(tokens):
        best, best_end, key = None, i, ""
        for j in range(i, min(i + MAX_NGRAM, len(tokens))):
            if j > i and not _joinable(text, tokens[j - 1], tokens[j]):
                break
            key += tokens[j].norm
            if key in table or key in block:
                best, best_end = table.get(key), j + 1
        if best_end == i:
            i += 1
            continue
        if best is not None:
            found.append((tokens[i].start, tokens[best_end - 1].end, best))
        i = best_end
    return found


def vocabulary_mentions(text: str, vocab: Vocabulary, sentence: int = 0, etype: str | None = None) -> list[Mention]:
    """Longest vocabulary matches over token n-grams, left to right; stoplisted spans block.

    With ``etype`` only names of that type are matched, so a modality inside a
    longer task name ("medical image segmentation") is found too.

    >>> from kg.vocab import Entry
    >>> v = Vocabulary([Entry("LoRA", "Method", ("Low-Rank Adaptation",))], stoplist=["low rank"])
    >>> [m.name for m in vocabulary_mentions("We use low-rank adaptation and LoRA.", v)]
    ['LoRA', 'LoRA']
    """
    found = []
    table = vocab.table(etype) if etype else vocab.surface
    for start, end, (name, kind) in longest_matches(text, table, vocab.stoplist):
        surface = text[start:end]
        if not _is_partial(text, start, end) and _case_ok(surface, vocab):
            found.append(Mention(name, kind, surface, start, end, sentence))
    return found


def _is_partial(text: str, start: int, end: int) -> bool:
    """True when a match is only part of a hyphenated compound ("Gemini" in "Med-Gemini-2D")."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    glued_before = before == "-" and start > 1 and text[start - 2].isalnum()
    glued_after = after == "-" and end + 1 < len(text) and text[end + 1].isalnum()
    if not (glued_before or glued_after):
        return False
    compound = _compound_at(text, start, end)
    return is_name_like(compound) and normalize_name(compound) != normalize_name(text[start:end])


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
    >>> type_of_name("Med-Gemini-2D", Vocabulary([Entry("Gemini", "Model")]))
    'Model'
    """
    hit = vocab.lookup(name) or vocab.lookup(strip_size(name))
    if hit and hit[1] in ("Model", "Method", "Dataset"):
        return hit[1]
    parts = [p for p in re.split(r"[\s\-_]+", strip_size(name)) if p]
    for size in range(len(parts) - 1, 0, -1):
        for begin in range(len(parts) - size + 1):
            hit = vocab.lookup(" ".join(parts[begin:begin + size]))
            if hit and hit[1] in ("Model", "Method", "Dataset"):
                return hit[1]
    last = parts[-1] if parts else ""
    for pattern, etype in _SUFFIX_TYPES:
        if pattern.search(last):
            return etype
    return None


def derived_mentions(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Hyphenated or CamelCase coined names typed by a known part or a head noun after them.

    >>> from kg.vocab import Entry
    >>> v = Vocabulary([Entry("Gemini", "Model")])
    >>> [(m.name, m.type) for m in derived_mentions("Med-Gemini-2D beats the FooQA benchmark.", v)]
    [('Med-Gemini-2D', 'Model'), ('FooQA', 'Dataset')]
    """
    found = []
    for match in re.finditer(r"[A-Za-z0-9][\w+]*(?:[\-/][\w+]+)*", text):
        surface = match.group().rstrip("-")
        if not (is_name_like(surface) or _has_known_part(surface, vocab)) or is_generic(surface, vocab):
            continue
        name = strip_size(surface)
        if vocab.lookup(name) or vocab.lookup(surface):
            continue
        following = _WORD.findall(text[match.end():match.end() + 40])[:2]
        etype = type_from_head(following[:1]) or type_of_name(name, vocab)
        if etype and not _is_size_or_number(name):
            found.append(Mention(name, etype, surface, match.start(), match.end(), sentence))
    return found


def _is_size_or_number(name: str) -> bool:
    """True for tokens such as "7B", "3D", "2x" or "H100" that are never names here."""
    return bool(re.fullmatch(r"[A-Za-z]?\d+(?:\.\d+)?[A-Za-z]{0,2}", name))


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
        stop = re.search(r"[).;:]\s|[).;]$|\)", tail)
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


def named_after_head(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Unknown capitalised names right before a typing head: "on the Foo Bar dataset".

    >>> [m.name for m in named_after_head("tested on the Kvasir SEG dataset.", Vocabulary())]
    ['Kvasir SEG']
    """
    found = []
    pattern = r"\b(?:the|on|of|from|and|using)\s+((?:[A-Z][\w\-]*\s+){0,2}[A-Z][\w\-]*)\s+(dataset|benchmark|corpus|database|challenge)\b"
    for match in re.finditer(pattern, text):
        name = match.group(1)
        if vocab.lookup(name) or is_generic(name, vocab) or _is_size_or_number(name):
            continue
        found.append(Mention(name, "Dataset", name, match.start(1), match.end(1), sentence))
    return found


_PROPOSE = re.compile(
    r"\b(?:we|this (?:paper|work|study)|our (?:work|paper|study))\s+(?:\w+ly\s+|also\s+|further\s+|then\s+|first\s+|here\s+)?"
    r"(?:propose|present|introduce|develop|release|curate|construct|create|design|build|establish|contribute|open-source)"
    r"(?:s|d|ed)?\b|\b(?:named|called|dubbed|termed|coined)\b",
    re.I,
)
_CAPITALISED_RUN = re.compile(r"(?:\s+(?:[A-Z0-9][\w\-+]*))*")
_FILLERS = frozenset("a an the novel new our simple first large-scale unified general open open-source".split())


_NP_END = re.compile(r"\b(?:that|which|who|for|to|with|of|designed|built|trained|based|using|capable|aimed|aiming|in|on|by|via|exploring|leveraging|tailored)\b|[,;:.()]")


def _appositive_head(after: str) -> str | None:
    """The type of "X, a <adjectives> HEAD ..." or "X HEAD": the last head noun before the noun phrase ends.

    >>> _appositive_head(", a prompting platform which delivers results")
    'Model'
    """
    match = re.match(r"\s*(?:,\s*|\s+is\s+|\s*\(\w[^)]*\)\s*,?\s*)?(?:an?|the)?\s*", after)
    rest = after[match.end():] if match else after
    phrase = _NP_END.split(rest, maxsplit=1)[0]
    heads = [HEAD_TYPES[w.casefold()] for w in _WORD.findall(phrase)[:8] if w.casefold() in HEAD_TYPES]
    return heads[-1] if heads else None


def _proposal_type(name: str, before: str, after: str, vocab: Vocabulary) -> str:
    """Type a proposed name by its appositive ("X, a new benchmark"), else the nearest head noun
    before it ("a RAG system, X"), else a known part; Method by default."""
    before_words = _WORD.findall(before)[-6:][::-1]
    return _appositive_head(after) or type_from_head(before_words) or type_of_name(name, vocab) or "Method"


def _candidate_names(clause: str, vocab: Vocabulary):
    """Coined names in a proposal clause, in order: (name, start, end); known generic names skipped."""
    for match in re.finditer(r"[A-Za-z0-9\\][\w+$^\\]*(?:[\-/][\w+]+)*", clause):
        surface = match.group().rstrip("-")
        hit = vocab.lookup(surface)
        if hit and hit[1] in ("Task", "Modality", "Domain"):
            continue
        if not is_name_like(surface) or is_generic(surface, vocab) or _is_size_or_number(surface):
            continue
        run = _CAPITALISED_RUN.match(clause, match.end())
        words = run.group().split()[:3] if run else []
        # keep "JAMA Clinical Challenge" together, but not "FooNet ChatGPT"
        while words and (vocab.lookup(words[-1]) or not words[-1][:1].isupper()):
            words.pop()
        name = " ".join([surface, *words]) if words and not any(is_name_like(w) for w in words) else surface
        yield name, match.start(), match.start() + len(name)


def proposals(sentences, vocab: Vocabulary) -> list[Mention]:
    """Names the paper itself introduces: "we propose X", "a method named X", title "X: ...".

    ``sentences`` are :class:`kg.extract.sentences.Sentence` objects; a title
    sentence is read for the "X: subtitle" pattern.

    >>> from kg.extract.sentences import paper_sentences
    >>> s = paper_sentences("FooNet: Tiny segmentation", "We propose BarBench, a new benchmark.")
    >>> [(m.name, m.type) for m in proposals(s, Vocabulary())]
    [('FooNet', 'Model'), ('BarBench', 'Dataset')]
    """
    found = []
    for index, sentence in enumerate(sentences):
        text = sentence.text
        if sentence.is_title:
            found += _title_proposal(text, vocab, index)
            continue
        for cue in _PROPOSE.finditer(text):
            clause = re.split(r";|\.\s|, (?:which|where|while|and then)\b", text[cue.end():])[0][:220]
            for name, start, end in list(_candidate_names(clause, vocab))[:1]:
                known = vocab.lookup(name) or vocab.lookup(strip_size(name))
                absolute = cue.end() + start
                if known and known[1] in ("Model", "Method", "Dataset") and _words_between(clause[:start]) > 3:
                    continue
                etype = known[1] if known else _proposal_type(name, text[:absolute], text[absolute + len(name):], vocab)
                canonical = known[0] if known else strip_size(name)
                found.append(Mention(canonical, etype, name, absolute, absolute + len(name), index))
    return found


def _words_between(text: str) -> int:
    return len(_WORD.findall(text))


def _title_proposal(title: str, vocab: Vocabulary, index: int) -> list[Mention]:
    """The "X: subtitle" head of a title when X is a name (not a generic or task phrase)."""
    head, colon, subtitle = title.partition(":")
    head = head.strip()
    if not colon or not head or len(head.split()) > 3 or not head[:1].isupper() or "?" in head:
        return []
    known = vocab.lookup(head) or vocab.lookup(strip_size(head))
    if known and (known[1] not in ("Model", "Method", "Dataset") or known[0] == known[0].lower()):
        return []
    if is_generic(head, vocab) or not (is_name_like(head) or len(head.split()) == 1):
        return []
    if known:
        return [Mention(known[0], known[1], head, 0, len(head), index)]
    etype = _subtitle_type(subtitle) or type_of_name(head, vocab) or "Method"
    return [Mention(strip_size(head), etype, head, 0, len(head), index)]


def _subtitle_type(subtitle: str) -> str | None:
    """The type a subtitle gives its head: its first head noun before "for/of/with/in/via"."""
    first = re.split(r"\b(?:for|of|with|in|via|to|on|from|by|through|towards?)\b", subtitle, maxsplit=1)[0]
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
