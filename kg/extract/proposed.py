"""The names a paper itself introduces: "we propose X and Y", "a novel X approach", "a method
named X", the title's "X: subtitle", and the datasets the authors say they made."""

from __future__ import annotations

import re

from kg.extract.acronyms import acronym_pairs, acronym_type
from kg.extract.datasets import has_head_word, named_after_head
from kg.extract.mentions import (
    GENERIC_ACRONYMS,
    HEAD_TYPES,
    WORD,
    Mention,
    forms,
    is_generic,
    is_name_like,
    is_size_or_number,
    may_hold,
    says,
    strip_size,
    type_from_head,
    type_of_name,
    words,
)
from kg.extract.phrases import NOT_METHOD_WORDS
from kg.records import FIELD_TYPES, NAMED_TYPES
from kg.vocab import Vocabulary

# Words that may open a proposed phrase without being part of its name.
_FILLERS = frozenset(
    "a an the novel new our simple first large-scale unified general open open-source effective efficient "
    "several two three multiple".split()
)
# A model named after these is what the proposal starts from: neither the proposal nor who scored.
BASE_BEFORE = re.compile(
    r"\b(?:built (?:up)?on|based on|fine-?tuned from|initiali[sz]ed (?:from|with)|on top of)\s+(?:the\s+)?$", re.I
)
# A dataset named after these is one the authors use, not one they made.
_USED_FROM = re.compile(r"\b(?:on|from|using|in|with|to)\s+(?:the\s+)?$", re.I)

# The authors proposing: "we propose", "a method named", "our ... model,".
_PROPOSE = re.compile(
    r"\b(?:we|this (?:paper|work|study)|our (?:work|paper|study))\s+(?:\w+ly\s+|also\s+|further\s+|then\s+|first\s+|here\s+|have\s+)?"
    r"(?:propose|present|introduce|develop|release|curate|construct|create|design|build|establish|contribute|"
    r"open-source|publish|devise|train|term|call|compile)(?:s|d|ed)?\b(?:\s+as\b)?|\b(?:named|called|dubbed|termed|coined)\b(?:\s+as\b)?|"
    r"\b(?:by|we are) (?:proposing|presenting|introducing|developing|designing|releasing)\b|"
    r"\b(?:our|the resulting|the proposed)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:models?|methods?|approach(?:es)?|frameworks?|systems?|benchmarks?|datasets?),",
    re.I,
)
# The authors' second verb: "we devise X and build Y".
_AND_PROPOSE = re.compile(
    r"\band\s+(?:then\s+|also\s+)?(?:propose|present|introduce|develop|release|curate|construct|create|design|build|"
    r"establish|publish|devise)\b",
    re.I,
)
# Where a proposal clause ends.
_CLAUSE_SPLIT = re.compile(r";|\.\s|, (?:which|where|while|and then)\b")
# "a novel", "our new": a new technique follows ("(?=[aoAO])" lets re test only where a word starts).
_NOVEL = re.compile(r"(?=[aoAO])\b(?:a|an|our)\s+(?:new|novel)\s+", re.I)

# Gates (kg.extract.mentions.says and may_hold): every match of a pattern holds one of its words as a
# whole word, or one of its literals, so a sentence without any is not searched. Most sentences have none.
# _PROPOSE's cues: "we|this paper|our work ... <verb>", a naming word ("named", "by proposing"), or
# "our|the resulting|the proposed ... model,"
_PROPOSERS = frozenset(["we", "this", "our"])
_PROPOSE_VERBS = forms(
    *"propose present introduce develop release curate construct create design build establish contribute".split(),
    *"source publish devise train term call compile".split(),  # "open-source" is the words "open" and "source"
)
_NAMING_WORDS = frozenset(
    "named called dubbed termed coined proposing presenting introducing developing designing releasing".split()
)
_OWNERS = frozenset(["our", "resulting", "proposed"])
_PROPOSE_HEADS = ("model", "method", "approach", "framework", "system", "benchmark", "dataset")
_NOVEL_WORDS = frozenset(["new", "novel"])
_AUTHORS_WORDS = frozenset(["we", "our"])
_OBTAINED_WORDS = frozenset("obtain produce create derive build develop get resulting yielding yields".split())
_GATHERED_WORDS = frozenset(
    verb + end for verb in "collect compile assemble gather crawl annotate".split() for end in ("", "s", "ed")
)


def _may_propose(text: str) -> bool:
    """False where :data:`_PROPOSE` surely finds no cue: no proposer with a proposing verb, no naming
    word, nor "our model,"."""
    return (
        (says(text, _PROPOSERS) and says(text, _PROPOSE_VERBS))
        or says(text, _NAMING_WORDS)
        or (says(text, _OWNERS) and may_hold(text, _PROPOSE_HEADS))
    )


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
        cues = list(_PROPOSE.finditer(text)) if _may_propose(text) else []
        # "we devise X and build Y": the authors' second verb proposes too
        if cues:
            cues += list(_AND_PROPOSE.finditer(text, cues[0].end()))
        defined = _defined_names(text, vocab, index) if "(" in text else []
        for cue in cues:
            clause = _CLAUSE_SPLIT.split(text[cue.end() : cue.end() + 220])[0]
            # "we propose REINFORCE with Group Relative Advantage (RGRA)": the defined name is the
            # proposal, not a known name spelling part of it
            found += [
                m
                for m in _clause_proposals(text, cue.end(), clause, vocab, index)
                if not any(d.start <= m.start < d.end and d.name != m.name for d in defined)
            ]
        # "we propose a method for medical image segmentation (MIS)": a task is never proposed
        found += [d for d in defined if d.type in _PROPOSABLE]
        found += created_datasets(text, vocab, index)
        found += _obtained_models(text, vocab, index) + _gathered_datasets(text, vocab, index)
        # "a novel ensemble refinement approach": a new technique, wherever the sentence names it
        for cue in _NOVEL.finditer(text) if says(text, _NOVEL_WORDS) else ():
            phrase = _technique_phrase(text[cue.end() : cue.end() + 120])
            if phrase and not vocab.lookup(phrase):
                start = text.find(phrase, cue.end())
                found.append(Mention(phrase, "Method", phrase, start, start + len(phrase), index))
    return found


# A word that may stand between a cue and the name it introduces: none that makes the name the
# object of something else ("a method for medical image segmentation (MIS)").
_PLAIN_WORD = r"(?:(?!(?:for|on|of|to|in|with|from|using|by|and|that|which|at)\s)[\w-]+\s+)"
# What marks an acronym's definition as the authors' own, read on the text before its spelled-out
# form: their proposing verb a few words before ("we analyse X and propose a large-size feature pyramid
# network (LFPN)", "This research proposes a ..."), a naming word ("namely", "known as"), or "a novel"
# or "our" opening it.
_DEFINED_BY_AUTHORS = re.compile(
    r"(?:\b(?:we|this (?:paper|work|study|research|article)|our (?:work|paper|study))\b[^;:()]*?"
    r"\b(?:propose|present|introduce|develop|design|devise|describe|formulate|build|construct|create|term|call)"
    r"(?:s|d|ed)?|\b(?:named|called|dubbed|termed|coined|namely|known as|referred to as))"
    r"\s+(?:(?:a|an|the|our|new|novel|simple|two|three)\s+){0,3}" + _PLAIN_WORD + "{0,3}$",
    re.I,
)
_NOVEL_OPENING = re.compile(
    r"(?:\b(?:a|an)\s+(?:new|novel)|^\s*our|[.;:,]\s*our|\bwe\s+\w+\s+our)\s+" + _PLAIN_WORD + "{0,2}$", re.I
)
# What a paper proposes (docs/GUIDELINE.md): never a task, modality or domain.
_PROPOSABLE = frozenset(["Model", "Method", "Dataset"])
# "a novel Full Graph Neural Network (FGNN) is proposed"
_PROPOSED_AFTER = re.compile(
    r"\s*(?:is|are|was|were|has been|have been)\s+(?:\w+ly\s+)?(?:proposed|introduced|presented|developed|designed)\b"
)


def _defined_names(text: str, vocab: Vocabulary, index: int) -> list[Mention]:
    """Acronyms the authors define as their own work, typed: "we propose Hierarchical Semantic
    Guidance (HSG)", "a novel Full Graph Neural Network (FGNN) is proposed", "Our transformer-based
    world model (TWM)". Those of a task, modality or domain are the caller's to drop.

    A known acronym counts only where the authors' verb or a naming word introduces it.

    >>> [m.name for m in _defined_names("We study X and propose Twin Graph Networks (TGN).", Vocabulary(), 0)]
    ['TGN']
    """
    found = []
    for acronym, expansion, start, end in acronym_pairs(text):
        if is_generic(acronym, vocab) or is_generic(expansion, vocab):
            continue
        before = text[max(0, start - 160) : start]
        known = vocab.lookup(acronym) or vocab.lookup(expansion)
        if known and known[1] not in _PROPOSABLE:
            # "a method for medical image segmentation (MIS)": named so that no cue reads it as proposed
            found.append(Mention(known[0], known[1], acronym, start, end, index))
            continue
        by_authors = _DEFINED_BY_AUTHORS.search(before) or _PROPOSED_AFTER.match(text, end)
        if not (by_authors or (not known and _NOVEL_OPENING.search(before))):
            continue
        # a defined name with no head noun ("structurally-aware adaptive pruning (SAAP)") is a
        # technique where the authors' verb proposes it; "our ... (TWM)" must say what it is
        etype = known[1] if known else acronym_type(text, expansion, end, vocab) or ("Method" if by_authors else None)
        if etype:
            found.append(Mention(known[0] if known else acronym, etype, acronym, start, end, index))
    return found


# Coordination between two proposed names: "X, Y and Z", "X (110M) and Y".
_COORDINATED_NAME = re.compile(
    r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+)([A-Z][\w+]*(?:-[A-Z0-9][\w+]*)+)(?![\w-])"
)
_COORDINATED = re.compile(r"\s*(?:\([^()]*\)\s*)?(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+|&\s*)(?:the\s+)?$")
# The spelled-out form right before an acronym: "Medical SAM Adapter (".
_SPELLED_BEFORE = re.compile(r"(?:[A-Z][\w\-+]*\s+){1,5}\($")
# "new", "novel" or "our" right before a name.
_NEW_BEFORE = re.compile(r"\b(?:new|novel|our)\s+$")


def _clause_proposals(text: str, offset: int, clause: str, vocab: Vocabulary, index: int) -> list[Mention]:
    """The proposed names of one cue's clause: the first candidate and those coordinated with it."""
    found, previous_end = [], None
    for name, start, end in _candidate_names(clause, vocab):
        if previous_end is not None and not _COORDINATED.match(clause[previous_end:start]):
            break
        known = vocab.lookup(name) or vocab.lookup(strip_size(name))
        absolute = offset + start
        # a known name far from the cue is used, not proposed, unless it is "new" ("the new Foo family");
        # an unknown one far from it is what the proposal works on ("to perform cuffless BP estimation");
        # an acronym's spelled-out form opening the clause is the name itself ("the Foo Bar Adapter (FBA)")
        lead = _SPELLED_BEFORE.sub("", clause[:start])
        if not _all_fillers(lead):
            lead = clause[:start]
        far = _words_between(lead) > (3 if known else 8)
        if previous_end is None and far and not _NEW_BEFORE.search(clause[:start]):
            break
        # "we build a model and test it on the FooSet dataset": a name the authors work on, not one they make
        if (
            previous_end is None
            and not known
            and _words_between(clause[:start]) > 2
            and _USED_FROM.search(clause[:start])
        ):
            break
        # "our model, built on Gemma, ...": the base of the proposal, not the proposal
        if previous_end is None and BASE_BEFORE.search(clause[:start]):
            break
        etype = known[1] if known else _proposal_type(name, text[:absolute], text[absolute + len(name) :], vocab)
        canonical = known[0] if known else strip_size(name)
        found.append(Mention(canonical, etype, name, absolute, absolute + len(name), index))
        previous_end = end
    # "Polyhistor and Polyhistor-Lite", "R-RAD, R-SLAKE and R-Path": a hyphenated Title-Case name
    # coordinated with a proposal is one too, though plain words alone ("Path") are no name
    while (
        found
        and previous_end is not None
        and (more := _COORDINATED_NAME.match(clause, previous_end))
        and not vocab.lookup(more.group(1))
    ):
        previous_end = more.end()
        found.append(
            found[-1]._replace(
                name=more.group(1), surface=more.group(1), start=offset + more.start(1), end=offset + more.end(1)
            )
        )
    if not found:
        phrase = _technique_phrase(clause)
        if phrase:
            start = clause.find(phrase)
            found.append(Mention(phrase, "Method", phrase, offset + start, offset + start + len(phrase), index))
    return found


# A word of a proposal clause (LaTeX-ish names such as MedS$^3$ included).
_CLAUSE_WORD = re.compile(r"[A-Za-z0-9\\][\w+$^\\]*(?:[\-/][\w+]+)*")
# Capitalised words after a coined one: "JAMA Clinical Challenge".
_CAPITALISED_RUN = re.compile(r"(?:\s+(?:[A-Z0-9][\w\-+]*))*")


def _candidate_names(clause: str, vocab: Vocabulary):
    """Coined names in a proposal clause, in order: (name, start, end); known generic names skipped."""
    for match in _CLAUSE_WORD.finditer(clause):
        surface = match.group().rstrip("-")
        hit = vocab.lookup(surface)
        if hit and hit[1] in FIELD_TYPES:
            # "we present Clinical Camel, ...": a field word may open a coined Title-Case name
            if surface[:1].isupper() and _opens_clause(clause, match.start(), surface):
                name, start, end = _opening_run(clause, match.start())
                named = vocab.lookup(name)
                # "the Medical SAM Adapter (Med-SA)": the run's acronym, one word, is the name
                if (
                    (len(name.split()) > 1 or is_name_like(name))
                    and not is_generic(name, vocab)
                    and (named[1] in NAMED_TYPES if named else not _all_known(name, vocab))
                ):
                    yield name, start, end
            continue
        # a known name counts, a known generic technique ("fine-tuning") does not
        known = hit is not None and hit[1] in NAMED_TYPES and hit[0] != hit[0].lower()
        opener = not (is_name_like(surface) or known) and _opens_clause(clause, match.start(), surface)
        if not (is_name_like(surface) or known or opener):
            continue
        if is_generic(surface, vocab) or is_size_or_number(surface):
            continue
        if opener:
            yield _opening_run(clause, match.start())
            continue
        run = _CAPITALISED_RUN.match(clause, match.end())
        words = run.group().split()[:3] if run else []
        # keep "JAMA Clinical Challenge" together, but not "FooNet ChatGPT"
        while words and (vocab.lookup(words[-1]) or (not words[-1][:1].isupper() and not words[-1].isdigit())):
            words.pop()
        name = " ".join([surface, *words]) if words and not any(is_name_like(w) for w in words) else surface
        yield name, match.start(), match.start() + len(name)


def _opens_clause(clause: str, start: int, surface: str) -> bool:
    """True for a capitalised word that opens the clause after fillers: "we introduce Hippo, ..."."""
    return surface[:1].isupper() and _all_fillers(clause, start)


def _all_fillers(text: str, end: int | None = None) -> bool:
    """True when every word of ``text`` (up to ``end``) is a filler ("a", "the", "novel" ...)."""
    # finditer's endpos reads the text as if it ended there; the words are read only up to the first
    # that is no filler, where most clauses stop at once
    return all(m.group().casefold() in _FILLERS for m in WORD.finditer(text, 0, len(text) if end is None else end))


# A Title-Case run of up to five words.
_TITLE_RUN = re.compile(r"[A-Z][\w\-+]*(?:\s+[A-Z][\w\-+]*){0,4}")
# An acronym in parentheses a little further on in the clause.
_LATER_ACRONYM = re.compile(r"[^,.;()]{0,80}?\(([A-Z][\w\-+]*)\)")


def _opening_run(clause: str, start: int) -> tuple[str, int, int]:
    """The Title-Case run opening a clause ("Conjugate Prompting"), or the acronym that
    follows it ("Half Fine-Tuning (HFT)" -> "HFT")."""
    run = _TITLE_RUN.match(clause, start)
    assert run is not None  # callers start at a capital, which the pattern always matches
    # the acronym may close a longer mixed-case phrase: "Sensitivity-aware visual Parameter-efficient (SPT)"
    after = _LATER_ACRONYM.match(clause[run.end() :])
    if after and any(c.isupper() for c in after.group(1)[1:]):
        return after.group(1), run.end() + after.start(1), run.end() + after.end(1)
    return run.group(), start, run.end()


# An appositive saying the name was trained from another (only a model is).
_TRAINED_FROM = re.compile(
    r"\s*,?\s*(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}?(?:fine-?tuned|instruction-?tuned|pre-?trained|trained|built|initiali[sz]ed)\s+"
    r"(?:from|on top of|upon)\b|\s*,?\s*(?:an?\s+)?[\w.-]+-based\s+(?:model|llm|assistant|chatbot)",
    re.I,
)


def _proposal_type(name: str, before: str, after: str, vocab: Vocabulary) -> str:
    """Type a proposed name by its appositive ("X, a new benchmark"), else the nearest head noun
    before it ("a RAG system, X"), else a known part; Method by default."""
    before_words = WORD.findall(before[-80:])[-6:][::-1]
    if _TRAINED_FROM.match(after):
        return "Model"  # only a model is fine-tuned from another
    if strip_size(name) != name:
        return "Model"  # a parameter count ("-10B") only ever tags a model
    return _appositive_head(after) or type_from_head(before_words) or type_of_name(name, vocab) or "Method"


# The opening of an appositive: ", a", " is the", "(...), an".
_APPOSITIVE_OPEN = re.compile(r"\s*(?:,\s*|\s+is\s+|\s*\(\w[^)]*\)\s*,?\s*)?(?:an?|the)?\s*")
# "a family of", "a suite of": transparent to the head noun.
_COLLECTIVE = re.compile(r"^(?:[\w-]+\s+){0,2}?(?:family|suite|series|set|collection|pair)\s+of\s+")
# Where an appositive's noun phrase ends.
_NP_END = re.compile(
    r"\b(?:that|which|who|for|to|with|of|designed|built|trained|based|using|capable|aimed|aiming|in|on|by|via|exploring|leveraging|tailored)\b|[,;:.]"
)
# A spelled-out name right after the proposed one: ", Long Form Name,".
_EXPANSION_FIRST = re.compile(r"^\s*,\s*[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*)+\s*,")


def _appositive_head(after: str) -> str | None:
    """The type of "X, a <adjectives> HEAD ..." or "X HEAD": the last head noun before the noun phrase ends.

    >>> _appositive_head(", a prompting platform which delivers results")
    'Model'
    """
    # "X, Long Form Name, a technique ...": the spelled-out name is no head; read past it
    after = _EXPANSION_FIRST.sub(",", after, count=1)
    match = _APPOSITIVE_OPEN.match(after)
    rest = after[match.end() :] if match else after
    # "a family of 7B models": the head is what the family is made of
    rest = _COLLECTIVE.sub("", rest)
    phrase = _NP_END.split(rest, maxsplit=1)[0]
    heads = [HEAD_TYPES[w.casefold()] for w in WORD.findall(phrase)[:8] if w.casefold() in HEAD_TYPES]
    return heads[-1] if heads else None


# A lower-case coined technique after a proposal cue: "a novel context-aware fine-tuning methodology".
_METHOD_TAILS = frozenset(
    "tuning fine-tuning finetuning prompting learning training pre-training pretraining loss sampling "
    "refinement distillation augmentation regularization optimization alignment decoding merging pruning "
    "selection generation adaptation masking grafting".split()
)
# Generic head nouns: they end a technique phrase without naming it.
_GENERIC_HEADS = frozenset(
    "method methods approach technique strategy framework methodology scheme procedure pipeline mechanism "
    "paradigm recipe module".split()
)


def _technique_phrase(clause: str) -> str | None:
    """A coined lower-case technique opening a proposal clause ("a novel double fine-tuning approach"
    -> "double fine-tuning"), or a Title-Case one ("Conjugate Prompting")."""
    words: list = []
    for word in WORD.findall(clause[:120])[:8]:
        # fillers and generic words ("LLM", "general") open the phrase without naming the technique
        if not words and (
            word.casefold() in _FILLERS
            or word.casefold() in NOT_METHOD_WORDS
            or word.casefold() in GENERIC_ACRONYMS
            or word.casefold().endswith(("able", "ible"))
        ):
            continue
        if word.casefold() in _GENERIC_HEADS or word.casefold() in (
            "for",
            "to",
            "that",
            "which",
            "of",
            "with",
            "in",
            "on",
            "by",
            "based",
        ):
            break
        words.append(word)
    while words and words[-1].casefold() not in _METHOD_TAILS:
        words.pop()
    if not 2 <= len(words) <= 4:
        return None
    phrase = " ".join(words)
    return phrase if phrase in clause else None


# "we fine-tune Y to obtain X", "training Y on Z, resulting in X": X is the authors' new model.
_OBTAINED = re.compile(
    r"\b(?:we|our)\b[^.;]{0,60}?\b(?:fine-?tun|instruction-?tun|train|adapt|pre-?train|distill|further pre-?train)\w*\b"
    r"[^.;]{0,80}?\b(?:(?:in order )?to (?:obtain|produce|create|derive|build|develop|get)|resulting in|yielding|"
    r"which yields|and obtain)\s+(?:the\s+|a\s+|an\s+|our\s+)?",
    re.I,
)
# "we collect X, a dataset of ...", "we compile X, a corpus of ...": a dataset the authors gathered.
_GATHERED = re.compile(
    r"\b(?:we|our\s+\w+|and)\s+(?:\w+ly\s+|also\s+|further\s+|first\s+|then\s+)?"
    r"(?:collect|compile|assemble|gather|crawl|annotate)(?:s|ed)?\s+(?:the\s+)?",
    re.I,
)


_AUTHORS_SPEAK = re.compile(r"\b(?:we|our)\b", re.I)


def _speaks(text: str) -> bool:
    """True where the authors speak ("we", "our"): a set test where the text's words are known."""
    found = words(text)
    return _AUTHORS_SPEAK.search(text) is not None if found is None else not found.isdisjoint(_AUTHORS_WORDS)


def _first_name(text: str, at: int, vocab: Vocabulary):
    """The first candidate name within two words after ``at``: (name, start, end), or None."""
    clause = _CLAUSE_SPLIT.split(text[at : at + 160])[0]
    for name, start, end in _candidate_names(clause, vocab):
        if _words_between(clause[:start]) <= 2:
            return name, at + start, at + end
        break
    return None


def _obtained_models(text: str, vocab: Vocabulary, index: int) -> list[Mention]:
    """ "We fine-tune LLaMA-2 to obtain FooMed": the model the authors' training yields.

    >>> [(m.name, m.type) for m in _obtained_models("We fine-tune Bar to obtain FooMed, a chatbot.", Vocabulary(), 0)]
    [('FooMed', 'Model')]
    """
    found: list = []
    if not (says(text, _AUTHORS_WORDS) and says(text, _OBTAINED_WORDS)):
        return found
    for cue in _OBTAINED.finditer(text):
        first = _first_name(text, cue.end(), vocab)
        if first is None:
            continue
        name, start, end = first
        known = vocab.lookup(name) or vocab.lookup(strip_size(name))
        if known and known[1] != "Model":
            continue
        found.append(Mention(known[0] if known else strip_size(name), "Model", name, start, end, index))
    return found


def _gathered_datasets(text: str, vocab: Vocabulary, index: int) -> list[Mention]:
    """ "We collect FooSet, a dataset of 20K scans": a dataset the authors gathered (an appositive
    data head says it is one).

    >>> [m.name for m in _gathered_datasets("We collect FooSet, a dataset of 20K scans.", Vocabulary(), 0)]
    ['FooSet']
    """
    found: list = []
    if not (says(text, _GATHERED_WORDS) and _speaks(text)):
        return found
    for cue in _GATHERED.finditer(text):
        first = _first_name(text, cue.end(), vocab)
        if first is None:
            continue
        name, start, end = first
        known = vocab.lookup(name)
        # the gathered name itself ("we collect FooSet, a dataset"), not a source ("data from PubMed")
        opens = _all_fillers(text[cue.end() : start])
        if not opens or (known and known[1] != "Dataset") or _appositive_head(text[end:]) != "Dataset":
            continue
        found.append(Mention(known[0] if known else name, "Dataset", name, start, end, index))
    return found


def _words_between(text: str) -> int:
    return len(WORD.findall(text))


# The authors making something: "we gather", "our ... suite", "resulting in the creation of".
_MADE = re.compile(
    r"\b(?:we|our)\b[^.;]*?\b(?:propos|present|introduc|develop|releas|curat|construct|creat|design|"
    r"build|built|establish|gather|collect|compil|assembl|suite)\w*",
    re.I,
)
# "our instruction-following FooData dataset", "an evaluation benchmark (FooB)".
_OUR_NAMED = re.compile(
    r"\bour\s+(?:[\w-]+\s+){0,3}?([A-Z][\w\-]*[A-Za-z0-9])\s+(?:dataset|benchmark|corpus)\b"
    r"|\b(?:dataset|benchmark|corpus)\s+\(([A-Z][\w\-]*)\)"
)


def created_datasets(text: str, vocab: Vocabulary, sentence: int = 0) -> list[Mention]:
    """Coined dataset names the authors say they made: "we gather ... a 3D image dataset, FooSet-1K,",
    "resulting in the creation of the FooVision dataset"; and those they call theirs: "our FooAlpaca dataset".

    >>> [m.name for m in created_datasets("We build a benchmark dataset, FooQA, from public exams.", Vocabulary())]
    ['FooQA']
    """
    if not has_head_word(text):
        return []
    named = named_after_head(text, vocab, sentence)
    made = _MADE.search(text) if named else None
    found = (
        [m for m in named if m.start > made.start() and not _USED_FROM.search(text[max(0, m.start - 12) : m.start])]
        if made
        else []
    )
    for match in _OUR_NAMED.finditer(text):
        group = 1 if match.group(1) else 2
        name = match.group(group)
        if is_name_like(name) and not vocab.lookup(name) and not is_generic(name, vocab):
            found.append(Mention(name, "Dataset", name, match.start(group), match.end(group), sentence))
    return found


# What separates a title's head from its subtitle besides a colon: " -- ", " - ", " — ", and a comma
# before a subtitle that opens like one ("X, Towards ...", "X, A ...").
_TITLE_SPLIT = re.compile(r"\s+(?:--|-|\u2013|\u2014)\s+|,\s+(?=(?:Towards?|An?|The)\s)")
# Subtitles of papers that study a technique rather than introduce it.
_STUDY_SUBTITLE = re.compile(
    r"\b(?:survey|review|overview|tutorial|primer|study|analysis|comparison|benchmark\w*)\b", re.I
)


def _title_proposal(title: str, vocab: Vocabulary, index: int) -> list[Mention]:
    """The "X: subtitle" (or "X -- subtitle") head of a title when X is a name: a coined word, or a
    short Title-Case phrase."""
    head, colon, subtitle = _TITLE_SPLIT.sub(":", title, count=1).partition(":")
    head = head.strip()
    opens_like_name = (
        head[:1].isupper() or not head[:1].isascii() or (head[:1].isdigit() and any(c.isupper() for c in head))
    )
    if not colon or not head or len(head.split()) > 4 or not opens_like_name or "?" in head:
        return []
    known = vocab.lookup(head) or vocab.lookup(strip_size(head))
    # a known technique written as a coined name heads the paper that introduced it ("Prefix-Tuning: ...")
    coined = (
        known and "-" in head and all(p[:1].isupper() for p in head.split("-")) and not _STUDY_SUBTITLE.search(subtitle)
    )
    if known and (known[1] not in NAMED_TYPES or (known[0] == known[0].lower() and not coined)):
        return []
    title_case = _coined_title_phrase(head, vocab)
    if is_generic(head, vocab) or not (is_name_like(head) or len(head.split()) == 1 or title_case):
        return []
    # a known multi-word name ("Medical SAM Adapter") is a name, not a run of field words
    if _all_known(head, vocab) and not (known and known[1] in NAMED_TYPES):
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
    return not any((hit := vocab.lookup(w)) and hit[1] in FIELD_TYPES for w in words)


def _all_known(head: str, vocab: Vocabulary) -> bool:
    """True for multi-word heads made only of known task/domain/modality words ("Medical Image Segmentation")."""
    words = head.split()
    return (len(words) > 1 and bool(vocab.lookup(head))) or (
        all((hit := vocab.lookup(w)) and hit[1] in FIELD_TYPES for w in words) and len(words) > 1
    )


# Prepositions that end a subtitle's head phrase.
_SUBTITLE_SPLIT = re.compile(r"\b(?:for|of|with|in|via|to|on|from|by|through|towards?)\b")


def _subtitle_type(subtitle: str) -> str | None:
    """The type a subtitle gives its head: its first head noun before "for/of/with/in/via"."""
    first = _SUBTITLE_SPLIT.split(subtitle, maxsplit=1)[0]
    return type_from_head(WORD.findall(first)[::-1])
