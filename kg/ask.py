"""Ask in plain words: route a question to one canned query of the catalog, its parameters filled
from the graph's own names. Offline and deterministic.

Choosing the query: each query is scored by the cosine similarity of the question to the query's
name and ``# question:`` line (the bundled MiniLM sentence embeddings, :mod:`kg.embed`; the mean of
the question as asked and of the question with its names replaced by a placeholder, "best results on
MedQA" → "best results on something"), plus two cues read from the catalog, not written per query:
the share of the query's words the question uses (its question, its file name and the properties its
text reads, ``kgo:outperforms``; each word weighted by how few queries use it), and the share of the
names found in the question that the query has a parameter of the right type for. The question's
words are read with :data:`SYNONYMS` (general English kept as data in schemas/question-words.yaml:
"surpass" is the catalog's "beat", "benchmark" its "dataset"). A low best score, a near-tie between
the best two, or a question most of whose own content words (names and function words aside) the
best query's wording does not explain ("what license is MIMIC-CXR released under": a name, not a
question of the catalog; :data:`MAX_UNEXPLAINED`) routes nowhere: ``query`` is ``None`` and
``candidates`` lists the closest three, never a guess.

Filling the parameters: the graph's names (labels and aliases; metrics from results and every
metric of the vocabulary, schemas/vocab/metrics.yaml: "dice score" is ``dice``) are found in the
question, longest first, compared as :func:`kg.vocab.normalize_name` keys, so an alias
("low-rank adaptation") gives its entity's name ("LoRA"). A parameter's type comes from the query
text (``?d a kgo:Dataset ; kgo:matchKey $dataset_key``: a Dataset; ``?result kgo:metric ?metric``
compared with ``$metric``: a Metric), else from the types its help text names ("a model or
method"), else any type if it is matched on names; a numeric default makes a number ("at least 3
papers", "3 or more"). Each name goes to a parameter whose type fits; "any"/"all" wording ("for any
metric", "in all domains", or the help text's own phrase for empty, "no minimum") empties a
parameter whose default is not empty, as does a cue word then "anything" or "any" and a word that
is no name ("linking SAM to anything else", "on any topic"); a name the graph lacks, after a cue
word or its synonym ("on FooBench", "what beats FooNet", "papers discussing FooNet"), is passed
through as written to a parameter still without a value: the one a type word beside it names ("the
FooBench dataset"), else the one the catalog question puts after the same cue word ("on a
dataset"; the name then counts for the fit when the cue is a verb, "mention an entity"), else the
first. A parameter the question does not give is left out (its default applies).

>>> import tempfile
>>> from kg.build import build
>>> out = tempfile.mkdtemp()
>>> _ = build(None, out, embeddings=False)
>>> routing = route("On which benchmarks was Med-PaLM 2 evaluated?", out)
>>> routing.query, routing.params
('datasets-of', {'name': 'Med-PaLM 2'})
>>> route("best results on MedQA for any metric", out).params
{'dataset': 'MedQA', 'metric': ''}
>>> "medical" in graph_names(out)["Domain"]
True
>>> route("what is the weather in Paris?", out).query is None
True
"""

from __future__ import annotations

import json
import math
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .catalog import CannedQuery, load_catalog
from .embed import Embedder
from .errors import KgError
from .files import resource_dir
from .records import ENTITY_TYPES, NAMED_TYPES
from .store import Table, open_store
from .vocab import normalize_name

METRIC = "Metric"
# The order in which types are listed (a parameter's, a name's): named artefacts first, metrics last.
TYPE_ORDER = (*ENTITY_TYPES, METRIC)
NUMBER = "number"

# Routing thresholds, on the combined score (cosine similarity plus the cues' small bonuses).
MIN_SCORE = 0.45  # below it, no catalog question is close enough
MIN_MARGIN = 0.05  # the best must lead the second by this much
LEXICAL_WEIGHT = 1.1
FIT_WEIGHT = 0.5

# English function words: never a name on their own, and where a passed-through name ends.
STOPWORDS = frozenset(
    """a an the and or but nor of on in at to for from by with about into onto over under than as
    is are was were be been being do does did done has have had having can could will would shall
    should may might must i me my we our you your it its they them their he she his her this that
    these those there here what which who whom whose when where why how not no yes any all every
    each some most more less many much few one two also only just very so such own same other
    get got give show list find tell let please explain describe between among across per via vs
    versus up out ever else like etc least according""".split()
)
# Words after which a name the graph lacks may follow ("results on FooBench", "what beats FooNet").
CUES = frozenset(
    "on for of about in from to with than mention mentions mentioning mentioned beat beats beating "
    "outperform outperforms outperforming called named".split()
)
QUANTIFIERS = ("any", "all", "every", "each", "whatever")
# Pronouns that, after a cue word, ask for any value of the parameter the cue leads to ("linking
# SAM to anything else"), never a name.
ANY_PRONOUNS = frozenset("anything anyone anybody everything everyone whatever".split())
# Other ways a question may say a word of the catalog's wording (the catalog's word, then the
# words or phrases that mean it), kept as data: schemas/question-words.yaml.
SYNONYMS: dict[str, tuple[str, ...]] = {
    word: tuple(others)
    for word, others in yaml.safe_load((resource_dir("schemas") / "question-words.yaml").read_text(encoding="utf-8"))[
        "synonyms"
    ].items()
}
# Words any query explains: how a question ranks or lists what it asks for ("top", "most").
RANKING = frozenset("top most best highest rank ranked ranking number count counts".split())
# Unsure, rather than a guess, when more than this share of the question's own content words
# (its names and function words aside) is not in the chosen query's wording (of at least
# UNEXPLAINED_MIN of them): "what license is MIMIC-CXR under" shares a name, not a question.
MAX_UNEXPLAINED = 0.5
UNEXPLAINED_MIN = 2
_LABEL_PREDICATES = ("label", "altLabel", "prefLabel", "matchKey")
_WORD = re.compile(r"[a-z][a-z\-']*")
_NUMBER = re.compile(r"\d+")
_QUOTES = "\"'`\u201c\u201d\u2018\u2019"  # straight and curly quotes
EMPTY = '""'  # how an empty value (any) is shown
PLACEHOLDER = "something"  # a name in the question, when only what it asks counts


@dataclass
class Routing:
    """Where a question goes: the query (``None`` when unsure), its parameters, how sure, the closest three."""

    query: str | None
    params: dict[str, str]
    confidence: float
    candidates: list[tuple[str, str, float]] = field(default_factory=list)  # (name, question, score)


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a query as the router sees it: the types of names it takes (or ``number``,
    or none: free text), and the phrases that ask for any value."""

    name: str
    default: str
    types: tuple[str, ...]
    any_phrases: tuple[str, ...]
    words: frozenset[str]  # the words that name it: its own name's parts and its types


@dataclass(frozen=True)
class Mention:
    """A graph name found in the question: tokens ``start:end``, its text as written, and the
    canonical name it stands for, by entity type."""

    start: int
    end: int
    text: str
    labels: tuple[tuple[str, str], ...]  # (type, canonical name), in TYPE_ORDER

    def label_for(self, types: Iterable[str]) -> str | None:
        wanted = set(types)
        return next((label for kind, label in self.labels if kind in wanted), None)


@dataclass(frozen=True)
class Token:
    text: str  # as written, surrounding punctuation stripped
    lower: str
    ends_clause: bool  # punctuation after it (",", "?", ...) ends a passed-through name


# --- the graph's names ---------------------------------------------------------------------------


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _name_rows(build: str | Path) -> list[tuple[str, str, str]]:
    """(type, canonical name, name) for every name of every entity, and (Metric, m, m) for each metric."""
    store = open_store(build)
    names = store.select(
        "SELECT DISTINCT ?type ?label ?name WHERE { ?e a ?type ; kgo:matchKey ?key ; rdfs:label ?label . "
        "FILTER(STRSTARTS(STR(?type), STR(kgo:))) "  # a method is also a skos:Concept: its kgo: type is the one
        "{ ?e rdfs:label ?name } UNION { ?e skos:altLabel ?name } }"
    )
    metrics = store.select("SELECT DISTINCT ?metric WHERE { ?result kgo:metric ?metric }")
    rows = {(_local(str(kind)), str(label), str(name)) for kind, label, name in names.rows}
    rows |= {(METRIC, str(metric), str(metric)) for (metric,) in metrics.rows}
    return sorted(rows)


def graph_names(build: str | Path) -> dict[str, list[str]]:
    """Every entity type of a build's graph → its names (canonical names and aliases), sorted;
    the metrics that results report come under ``"Metric"``."""
    names: dict[str, set[str]] = {}
    for kind, _, name in _name_rows(build):
        names.setdefault(kind, set()).add(name)
    return {kind: sorted(values, key=lambda n: (n.casefold(), n)) for kind, values in sorted(names.items())}


@dataclass
class NameIndex:
    """The graph's names by :func:`normalize_name` key: the canonical name per type, and the
    spellings (to match keys of one or two characters only as written)."""

    labels: dict[str, dict[str, str]]
    spellings: dict[str, set[str]]
    longest: int  # the most words in a name

    @classmethod
    def of(cls, rows: Iterable[tuple[str, str, str]]) -> NameIndex:
        labels: dict[str, dict[str, str]] = {}
        spellings: dict[str, set[str]] = {}
        longest = 1
        for kind, label, name in rows:
            key = normalize_name(name)
            if not key:
                continue
            labels.setdefault(key, {}).setdefault(kind, label)  # rows are sorted: the first label wins
            spelling = re.sub(r"[\s\-_.]", "", name)
            # a metric's name is lower-case: any case is how it is written ("F1", "f1")
            spellings.setdefault(key, set()).update((spelling, spelling.upper()) if kind == METRIC else (spelling,))
            longest = max(longest, len(name.split()))
        return cls(labels, spellings, longest)

    @property
    def types(self) -> set[str]:
        return {kind for kinds in self.labels.values() for kind in kinds}


@lru_cache(maxsize=1)
def _vocabulary_metrics() -> tuple[tuple[str, str, str], ...]:
    """(Metric, canonical metric, surface key) for every name and alias of schemas/vocab/metrics.yaml."""
    from .vocab import load_vocabulary

    return tuple(sorted((METRIC, canonical, key) for key, canonical in load_vocabulary().metrics.items()))


def name_index(build: str | Path) -> NameIndex:
    """The build's names, and every metric the vocabulary names ("dice score", "F1"), results or not."""
    return NameIndex.of([*_name_rows(build), *_vocabulary_metrics()])


# --- the question's words and names --------------------------------------------------------------


def tokenize(question: str) -> list[Token]:
    """The question's words, punctuation around them stripped (a name's own ``-``, ``.``, ``+`` kept).

    >>> [t.text for t in tokenize("What beats Med-PaLM 2 (on MedQA)?")]
    ['What', 'beats', 'Med-PaLM', '2', 'on', 'MedQA']
    """
    tokens = []
    for raw in question.split():
        text = raw.strip(_QUOTES + "()[]{},;:!?")
        text = text.rstrip(".") if not re.search(r"\.\w", text) or text.endswith(".") else text
        if text.endswith(("'s", "\N{RIGHT SINGLE QUOTATION MARK}s")):
            text = text[:-2]
        if text:
            tokens.append(Token(text, text.casefold(), bool(re.search(r"[,;:!?)\]]$|\.$", raw))))
    return tokens


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes")) and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def find_mentions(tokens: list[Token], index: NameIndex, wording: Iterable[str] = ()) -> list[Mention]:
    """The graph's names in the tokens, longest first, not overlapping, in question order. A span's
    last word may be a plural ("X-rays"); a key of one or two characters must be written as the name
    is ("RL", not "rl"); a function word alone is never a name, nor is one lower-case word of the
    catalog's questions (``wording``, as keys) taken for a model, method or dataset ("fine-tuned")."""
    wording = set(wording)
    found: list[tuple[int, int, int, Mention]] = []
    for start in range(len(tokens)):
        for end in range(start + 1, min(len(tokens), start + index.longest + 2) + 1):
            span = tokens[start:end]
            if len(span) == 1 and span[0].lower in STOPWORDS:
                continue
            text = " ".join(t.text for t in span)
            key = normalize_name(text)
            if key not in index.labels:
                key = normalize_name(" ".join([*(t.text for t in span[:-1]), _singular(span[-1].text)]))
            if key not in index.labels:
                continue
            if len(key) <= 2 and re.sub(r"[\s\-_.]", "", text) not in index.spellings[key]:
                continue
            labels = index.labels[key]
            if len(span) == 1 and span[0].text.islower() and _root(key) in wording and set(labels) <= set(NAMED_TYPES):
                continue
            ordered = tuple((kind, labels[kind]) for kind in sorted(labels, key=_type_rank))
            found.append((-len(key), start, end, Mention(start, end, text, ordered)))
    taken: set[int] = set()
    mentions = []
    for _, start, end, mention in sorted(found, key=lambda item: item[:3]):
        if taken.isdisjoint(range(start, end)):
            taken.update(range(start, end))
            mentions.append(mention)
    return sorted(mentions, key=lambda m: m.start)


def _type_rank(kind: str) -> tuple[int, str]:
    return (TYPE_ORDER.index(kind) if kind in TYPE_ORDER else len(TYPE_ORDER), kind)


# --- what each parameter takes, read from the query ----------------------------------------------


def _triples(node: object) -> Iterator[tuple[object, object, object]]:
    """Every triple pattern in an rdflib SPARQL algebra tree (property lists unrolled)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "triples" and isinstance(value, list):
                for item in value:
                    items = list(item)
                    for i in range(0, len(items) - 2, 3):
                        yield items[i], items[i + 1], items[i + 2]
            elif not str(key).startswith("_"):
                yield from _triples(value)
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _triples(item)


def _variables(node: object) -> set[str]:
    from rdflib.term import Variable

    if isinstance(node, Variable):
        return {str(node)}
    if isinstance(node, dict):
        return set().union(*(_variables(v) for k, v in node.items() if not str(k).startswith("_")))
    if isinstance(node, (list, tuple)):
        return set().union(*(_variables(v) for v in node))
    return set()


def _filter_groups(node: object) -> Iterator[set[str]]:
    """The variables of each FILTER (an OPTIONAL's too): a parameter is compared with its neighbours there."""
    if isinstance(node, dict):
        if getattr(node, "name", "") in ("Filter", "LeftJoin") and node.get("expr") is not None:
            # two FILTERs of one group come as one conjunction: each is a group of its own
            expr = node["expr"]
            conjuncts = (
                [expr["expr"], *expr["other"]] if getattr(expr, "name", "") == "ConditionalAndExpression" else [expr]
            )
            for conjunct in conjuncts:
                yield _variables(conjunct)
        for key, value in node.items():
            if not str(key).startswith("_"):
                yield from _filter_groups(value)
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _filter_groups(item)


def _types_in_text(text: str, known: set[str]) -> dict[str, tuple[set[str], bool]]:
    """For each parameter of a SPARQL query: the entity types its value is matched against, and
    whether it is matched against names at all. ``?d a kgo:Dataset ; kgo:matchKey $dataset_key``:
    Dataset; ``FILTER(... ?taskName ... $task)`` with ``?task a kgo:Task ; rdfs:label ?taskName``:
    Task; ``?result kgo:metric ?metric`` compared with ``$metric``: Metric."""
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.term import URIRef, Variable

    from .rdf import PREFIXES

    try:
        algebra = prepareQuery(text, initNs=PREFIXES).algebra
    except Exception:  # pyparsing raises errors of several classes; the help text is the fallback
        return {}
    triples = [(s, p, o) for s, p, o in _triples(algebra)]
    groups = list(_filter_groups(algebra))

    def declared(var: str) -> set[str]:
        return {
            _local(str(o))
            for s, p, o in triples
            if s == Variable(var) and isinstance(p, URIRef) and _local(str(p)) == "type" and _local(str(o)) in known
        }

    def resolve(var: str) -> tuple[set[str], bool]:
        kinds, named = declared(var), False
        for s, p, o in triples:
            if o != Variable(var) or not isinstance(p, URIRef):
                continue
            local = _local(str(p))
            if local in _LABEL_PREDICATES and isinstance(s, Variable):
                kinds |= declared(str(s))
                named = True
            elif local[:1].upper() + local[1:] in known:  # ?result kgo:metric ?metric
                kinds.add(local[:1].upper() + local[1:])
                named = True
        return kinds, named

    found: dict[str, tuple[set[str], bool]] = {}
    variables = {str(v) for v in _variables(algebra)} | set().union(set(), *groups)
    for var in sorted(variables):
        param = var.removesuffix("_key")
        kinds, named = found.get(param, (set(), False))
        if var != param:  # $x_key is compared with kgo:matchKey keys
            for s, p, o in triples:
                if o == Variable(var) and isinstance(s, Variable):
                    kinds = kinds | declared(str(s))
                    named = named or (isinstance(p, URIRef) and _local(str(p)) in _LABEL_PREDICATES)
        for group in groups:
            if var in group:
                for other in sorted(group - {var, param, param + "_key"}):
                    more, is_name = resolve(other)
                    kinds, named = kinds | more, named or is_name
        found[param] = (kinds, named)
    return found


def _words(text: str) -> list[str]:
    return [_singular(w.strip("'-")) for w in _WORD.findall(text.casefold())]


def param_specs(query: CannedQuery, known: Iterable[str]) -> list[ParamSpec]:
    """What each parameter of ``query`` takes: entity types (from the query text, else the types its
    help text or name names, else any type if it is matched on names), a number (a numeric default,
    or ``xsd:integer($x)``), or free text."""
    return list(
        _param_specs(
            query.text,
            query.path.suffix,
            tuple(query.params.items()),
            tuple(sorted(query.param_help.items())),
            frozenset(known),
        )
    )


@lru_cache(maxsize=256)
def _param_specs(
    text: str,
    suffix: str,
    params: tuple[tuple[str, str], ...],
    helps: tuple[tuple[str, str], ...],
    known: frozenset[str],
) -> tuple[ParamSpec, ...]:
    by_word = {kind.casefold(): kind for kind in known}
    in_text = _types_in_text(text, set(known)) if suffix != ".cypher" else {}
    help_of = dict(helps)
    specs = []
    for name, default in params:
        help_text = help_of.get(name, "")
        kinds, named = in_text.get(name, (set(), False))
        types: tuple[str, ...]
        if kinds:
            types = tuple(sorted(kinds, key=_type_rank))
        elif _NUMBER.fullmatch(default.strip()) or re.search(rf"xsd:integer\(\s*\${name}\s*\)", text):
            types = (NUMBER,)
        else:
            mentioned = {by_word[w] for w in _words(f"{help_text} {name.replace('_', ' ')}") if w in by_word}
            if mentioned:
                types = tuple(sorted(mentioned, key=_type_rank))
            elif named or re.search(rf"\${name}_key\b", text):
                types = tuple(sorted((k for k in known if k != METRIC), key=_type_rank))
            else:
                types = ()
        # its own name's words, and the head of its help text ("the entity, matched on ...": entity)
        head = re.split(r"[,;(]", help_text, maxsplit=1)[0]
        own = {w for w in _words(f"{name.replace('_', ' ')} {head}") if len(w) > 2 and w not in STOPWORDS}
        words = frozenset(own | {t.casefold() for t in types if t != NUMBER})
        phrases = set()
        for phrase in re.findall(r'(?:""|\bempty)\s*(?:for|:)?\s*([a-z][a-z ]*)', help_text.casefold()):
            if len(phrase.split()) >= 2:
                phrases.add(" ".join(phrase.split()))
        specs.append(ParamSpec(name, default, types, tuple(sorted(phrases)), words))
    return tuple(specs)


# --- filling the parameters ----------------------------------------------------------------------


def _asks_for_any(question: str, spec: ParamSpec) -> bool:
    """Whether the question asks for any value of the parameter: "any metric", "all domains", "for
    every dataset", "regardless of domain", or its help text's own phrase for empty ("no minimum")."""
    text = " ".join(_singular(w) for w in re.findall(r"[a-z][a-z\-]*", question.casefold()))
    if any(
        re.search(rf"\b{re.escape(' '.join(_singular(w) for w in phrase.split()))}\b", text)
        for phrase in spec.any_phrases
    ):
        return True
    if not spec.words:
        return False
    words = "|".join(re.escape(w) for w in sorted(spec.words))
    quantified = rf"\b(?:{'|'.join(QUANTIFIERS)})\s+(?:of\s+)?(?:the\s+)?(?:[a-z\-]+\s+)?(?:{words})\b"
    return bool(re.search(quantified, text) or re.search(rf"\bregardless of\s+(?:the\s+)?(?:{words})\b", text))


def _number_for(tokens: list[Token], spec: ParamSpec, taken: set[int], only: bool) -> str | None:
    """A number the question gives for a numeric parameter: "at least 3 papers" (``min_papers``);
    with one numeric parameter, any "at least N"."""
    own = set(spec.words)
    for i, token in enumerate(tokens):
        if i in taken or not _NUMBER.fullmatch(token.text):
            continue
        after = {_singular(t.lower) for t in tokens[i + 1 : i + 3]}
        before = " ".join(t.lower for t in tokens[max(0, i - 2) : i])
        follows = " ".join(t.lower for t in tokens[i + 1 : i + 3])
        if own & after or (
            only
            and (
                re.search(r"(at least|minimum|min|more than|over)$", before)
                or re.match(r"(or|and) (more|above|over|up|higher)\b", follows)
            )
        ):
            return token.text
    return None


def _cue_params(query: CannedQuery, specs: list[ParamSpec]) -> dict[str, str]:
    """Which parameter a cue word leads to in the catalog question: "on a dataset for a metric"
    maps ``on`` to ``dataset`` and ``for`` to ``metric``."""
    words = [w.strip(",.?()") for w in query.question.casefold().split()]
    mapping: dict[str, str] = {}
    for i, word in enumerate(words):
        if word not in CUES:
            continue
        for follower in words[i + 1 : i + 4]:
            spec = next((s for s in specs if _singular(follower) in s.words), None)
            if spec is not None:
                mapping.setdefault(_base(word), spec.name)
                break
    return mapping


@lru_cache(maxsize=1)
def _cue_synonyms() -> dict[str, str]:
    """The stem of each one-word synonym of a cue word → that cue word ("discuss" → "mention")."""
    return {
        _base(other): word for word, others in SYNONYMS.items() if word in CUES for other in others if " " not in other
    }


def _cue(token: Token) -> str | None:
    """The cue word a token is, or stands for ("discusses": "mention"), or ``None``."""
    return token.lower if token.lower in CUES else _cue_synonyms().get(_base(token.lower))


def _passed_through(tokens: list[Token], taken: set[int], blockers: set[str]) -> list[tuple[str, str, int, int]]:
    """Names the graph lacks, as written: (cue, text, start, end) for each run of ordinary words
    after a cue word (``blockers``: stems of words that are never a name). A pronoun that means
    any ("to anything else") gives an empty text: any value."""
    runs = []
    i = 0
    while i < len(tokens):
        cue = _cue(tokens[i])
        if cue is None or i in taken or tokens[i].ends_clause:
            i += 1
            continue
        j = i + 1
        while j < len(tokens) and j not in taken and tokens[j].lower in ("the", "a", "an"):
            j += 1
        start = j
        if j < len(tokens) and j not in taken and tokens[j].lower in ANY_PRONOUNS:
            j += 1 + (j + 1 < len(tokens) and tokens[j + 1].lower == "else" and not tokens[j].ends_clause)
            runs.append((cue, "", start, j))
            i = j
            continue
        if (  # "on any topic": a quantifier and a word that is no name, nor the catalog's ("any dataset")
            j + 1 < len(tokens)
            and tokens[j].lower in QUANTIFIERS
            and not taken & {j, j + 1}
            and not tokens[j].ends_clause
            and tokens[j + 1].lower not in STOPWORDS
            and _base(tokens[j + 1].lower) not in blockers
        ):
            runs.append((cue, "", start, j + 2))
            i = j + 2
            continue
        while (
            j < len(tokens)
            and j - start < 4
            and j not in taken
            and tokens[j].lower not in STOPWORDS
            and _cue(tokens[j]) is None
            and _base(tokens[j].lower) not in blockers
        ):
            j += 1
            if tokens[j - 1].ends_clause:
                break
        if j > start:
            runs.append((cue, " ".join(t.text for t in tokens[start:j]), start, j))
        i = max(j, i + 1)
    return runs


@dataclass
class Context:
    """What routing reads from a build and a catalog, once: the graph's names, and the catalog's
    wording (never a passed-through name; one of its lower-case words is not a model's name)."""

    index: NameIndex
    catalog: dict[str, CannedQuery]
    blockers: set[str] = field(default_factory=set)
    wording: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, build: str | Path, catalog: dict[str, CannedQuery] | None = None) -> Context:
        catalog = catalog if catalog is not None else load_catalog()
        questions = [query.question for query in catalog.values()]
        blockers = {_base(w) for question in questions for w in _words(question)}
        blockers |= {
            _base(w) for query in catalog.values() for name in query.params for w in _words(name.replace("_", " "))
        }
        blockers |= {_base(other) for others in SYNONYMS.values() for other in others if " " not in other}
        wording = {_root(normalize_name(t.text)) for q in questions for t in tokenize(q) if t.text.islower()}
        return cls(name_index(build), catalog, blockers, wording)


@dataclass
class Filling:
    """The parameters a question gives a query, and how many of its graph names found a parameter."""

    params: dict[str, str]
    used: int
    found: int


def _unknown_names(
    tokens: list[Token], mentions: list[Mention], context: Context
) -> list[tuple[str, Mention | None, Mention]]:
    """Names the graph lacks, after a cue word: (cue, the name typed by a type word beside it or
    ``None``, the name untyped). "results on the FooBench dataset": FooBench, a Dataset."""
    taken = {i for m in mentions for i in range(m.start, m.end)}
    by_word = {kind.casefold(): kind for kind in context.index.types}
    names = []
    for cue, text, start, stop in _passed_through(tokens, taken, context.blockers | {_base(w) for w in by_word}):
        beside = [_singular(t.lower) for t in tokens[start - 1 : start] + tokens[stop : stop + 1]]
        kind = next((by_word[w] for w in beside if w in by_word), None) if text else None
        typed = Mention(start, stop, text, ((kind, text),)) if kind else None
        names.append((cue, typed, Mention(start, stop, text, ())))
    return names


def fill(question: str, query: CannedQuery, context: Context) -> Filling:
    """The parameters of ``query`` that ``question`` gives (see the module's docstring)."""
    index = context.index
    tokens = tokenize(question)
    mentions = find_mentions(tokens, index, context.wording)
    unknown = _unknown_names(tokens, mentions, context)
    names = sorted([*mentions, *(typed for _, typed, _ in unknown if typed)], key=lambda m: m.start)
    specs = param_specs(query, index.types)
    values: dict[str, tuple[int, str]] = {}  # name -> (position in the question, value)
    end = len(tokens)
    for spec in specs:
        if spec.default and _asks_for_any(question, spec):
            values[spec.name] = (end, "")
    # Entity parameters, the most particular first; parameters open to the same types take names in
    # question order, a model's, method's or dataset's before a task's, modality's or domain's.
    entity_specs = [s for s in specs if s.types and NUMBER not in s.types and s.name not in values]
    free = list(names)
    by_types: dict[tuple[str, ...], list[ParamSpec]] = {}
    for spec in entity_specs:
        by_types.setdefault(spec.types, []).append(spec)
    for types, group in sorted(by_types.items(), key=lambda item: (len(item[0]), [s.name for s in item[1]])):
        fitting = [m for m in free if m.label_for(types) is not None]
        chosen = sorted(fitting, key=lambda m: (all(k not in NAMED_TYPES for k, _ in m.labels if k in types), m.start))
        chosen = sorted(chosen[: len(group)], key=lambda m: m.start)
        for spec, mention in zip(group, chosen, strict=False):
            values[spec.name] = (mention.start, mention.label_for(types) or mention.text)
            free.remove(mention)
    taken = {i for m in names for i in range(m.start, m.end) if m not in free}
    taken |= {i for m in mentions for i in range(m.start, m.end)}
    numeric = [s for s in specs if s.types == (NUMBER,) and s.name not in values]
    for spec in numeric:
        number = _number_for(tokens, spec, taken, only=len(numeric) == 1)
        if number is not None:
            values[spec.name] = (end, number)
    # Names the graph lacks (and no type word places), for the parameters still without a value:
    # the one the catalog question puts after the same cue word ("on a dataset"), else the first.
    # A name the catalog question's own cue verb leads to ("papers mentioning FooNet": "mention an
    # entity") counts as a name the query has a parameter for.
    open_specs = [s for s in specs if s.name not in values and NUMBER not in s.types]
    cue_map = _cue_params(query, specs) if open_specs else {}
    cued = 0
    for cue, typed, untyped in unknown:
        if not open_specs:
            break
        if typed is not None or not taken.isdisjoint(range(untyped.start, untyped.end)):
            continue
        led = next((s for s in open_specs if cue_map.get(_base(cue)) == s.name), None)
        if led is None and not untyped.text and len(open_specs) > 1:
            continue  # any value, but of which parameter?
        spec = led or open_specs[0]
        values[spec.name] = (untyped.start, untyped.text)
        open_specs.remove(spec)
        cued += led is not None and bool(untyped.text) and cue not in STOPWORDS  # a verb, not "of"
    ordered = sorted(values.items(), key=lambda item: (item[1][0], [s.name for s in specs].index(item[0])))
    return Filling({name: value for name, (_, value) in ordered}, len(names) - len(free) + cued, len(names) + cued)


def fill_parameters(
    question: str, query: CannedQuery, build: str | Path, catalog: dict[str, CannedQuery] | None = None
) -> dict[str, str]:
    """The parameters of ``query`` that ``question`` gives, from the names of the build's graph
    (``catalog``: the one the query is of, whose wording is never a name)."""
    return fill(question, query, Context.of(build, catalog if catalog is not None else {query.name: query})).params


# --- choosing the query --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _embedder() -> Embedder:
    return Embedder()


def _root(key: str) -> str:
    """A name key without its inflection: "finetuned", "finetune" and "finetuning" are "finetun"."""
    return re.sub(r"(?:ing|ed|es|e|s)$", "", key) if len(key) > 5 else key


def _base(word: str) -> str:
    """A word's stem, a final "e" dropped and a final "i" made "y": "release", "released" and
    "releases" are "releas"; "applies" and "applied" are "apply"."""
    stem = _singular(word.casefold())
    for suffix, least in (("ing", 2), ("ed", 2), ("er", 4), ("est", 4), ("ly", 4)):
        if stem.endswith(suffix) and len(stem) - len(suffix) >= least:
            stem = stem[: -len(suffix)]
            break
    if stem.endswith("e") and len(stem) >= 3:
        return stem[:-1]
    return stem[:-1] + "y" if stem.endswith("i") and len(stem) > 3 else stem


def _plain_words(text: str) -> list[str]:
    """The words of a text, lower-case, a hyphen splitting them ("LoRA-style": "lora", "style")."""
    return [w.strip("'-") for w in _WORD.findall(text.casefold().replace("-", " "))]


@lru_cache(maxsize=1)
def _synonym_index() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Each synonym (as a sequence of word stems) → the stems of the catalog's words it means."""
    index: dict[tuple[str, ...], tuple[str, ...]] = {}
    for word, others in SYNONYMS.items():
        for other in others:
            phrase = tuple(_base(w) for w in other.split())
            index[phrase] = (*index.get(phrase, ()), _base(word))
    return index


def _synonym_spans(bases: list[str]) -> Iterator[tuple[int, int, str]]:
    """(start, end, a catalog's word) for each synonym in a sequence of word stems."""
    for phrase, words in _synonym_index().items():
        for i in range(len(bases) - len(phrase) + 1):
            if tuple(bases[i : i + len(phrase)]) == phrase:
                for word in words:
                    yield i, i + len(phrase), word


def _is_content(word: str) -> bool:
    return word not in STOPWORDS and word not in ANY_PRONOUNS and len(word) > 2


def _content_words(text: str, synonyms: bool = False) -> set[str]:
    """The stems of a text's words, function words aside; with ``synonyms``, the catalog's word
    for each synonym too ("surpassed" adds "beat")."""
    words = _plain_words(text)
    found = {_base(w) for w in words if _is_content(w)}
    if synonyms:
        found |= {word for _, _, word in _synonym_spans([_base(w) for w in words])}
    return found


def _unexplained(words: list[str], wording: set[str]) -> tuple[list[str], int]:
    """The content words that are neither in ``wording`` (stems) nor part of a synonym of one of
    its words, and how many content words there are."""
    bases = [_base(w) for w in words]
    covered = {i for start, end, word in _synonym_spans(bases) if word in wording for i in range(start, end)}
    content = [i for i, w in enumerate(words) if _is_content(w) and not w.isdigit()]
    explained = wording | {_base(w) for w in RANKING}
    return [words[i] for i in content if i not in covered and bases[i] not in explained], len(content)


# How a statement's record is read (rdf:subject ... prov:wasDerivedFrom): the shape of the graph,
# not what a question asks; counted, they made a query's wording depend on how it reads the graph.
_RECORD_PROPERTIES = frozenset({"subject", "predicate", "object", "wasDerivedFrom"})


def _predicate_words(text: str) -> str:
    """The words of the properties a query reads: ``kgo:fineTunedFrom`` is "fine tuned from". A
    property the build derives reads as those it is derived from (``kgo:derivedFrom`` in the
    ontology): ``kgo:paperUsesMethod`` is "uses method"."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("#", "//")))
    names = re.findall(r"\b[A-Za-z]\w*:([a-z]\w*)", body) + re.findall(r"\[:([A-Za-z_]\w*)", body)
    sources = _derived_from()
    names = [source for name in names if name not in _RECORD_PROPERTIES for source in sources.get(name, (name,))]
    return " ".join(re.sub(r"(?<=[a-z])(?=[A-Z])|_", " ", name) for name in names)


@lru_cache(maxsize=1)
def _derived_from() -> dict[str, tuple[str, ...]]:
    """Each derived property of the ontology (its local name) -> the local names of its sources."""
    import rdflib

    from .integrity import default_ontology
    from .rdf import KGO

    ontology = rdflib.Graph().parse(default_ontology(), format="turtle")
    found: dict[str, list[str]] = {}
    for derived, source in ontology.subject_objects(KGO.derivedFrom):
        found.setdefault(str(derived).removeprefix(str(KGO)), []).append(str(source).removeprefix(str(KGO)))
    return {name: tuple(sorted(names)) for name, names in found.items()}


def lexical_scores(question: str, catalog: dict[str, CannedQuery]) -> dict[str, float]:
    """How much of each query's wording the question shares: of its catalog question, its file name
    and the properties it reads (``kgo:outperforms``), each word weighted by how few queries use it
    (0: nothing shared, 1: all of it)."""
    bags = {
        name: _content_words(f"{q.question} {name.replace('-', ' ')} {_predicate_words(q.text)}")
        for name, q in catalog.items()
    }
    count = len(bags)
    frequency: dict[str, int] = {}
    for bag in bags.values():
        for word in bag:
            frequency[word] = frequency.get(word, 0) + 1
    asked = _content_words(question, synonyms=True)
    scores = {}
    for name, bag in bags.items():
        weights = {w: math.log(1 + count / frequency[w]) for w in bag}
        total = sum(weights.values())
        scores[name] = sum(weights[w] for w in bag & asked) / total if total else 0.0
    return scores


def _generic(question: str, mentions: list[Mention]) -> str:
    """The question with each name replaced by a placeholder ("best results on MedQA" → "best results
    on something"): what it asks, whatever the name (a type word instead pulls it to the queries
    whose question names that type)."""
    words = [t.text for t in tokenize(question)]
    for mention in sorted(mentions, key=lambda m: -m.start):
        words[mention.start : mention.end] = [PLACEHOLDER]
    return " ".join(words)


@dataclass
class QueryScore:
    """How well a question fits one query: the parts of its score, and the parameters it would take."""

    name: str
    similarity: float  # of the question (and of it with its names replaced by a placeholder) to the query's
    lexical: float  # share of the query's (rare) words the question uses
    fit: float  # share of the question's names the query has a parameter for
    filling: Filling

    @property
    def score(self) -> float:
        return self.similarity + LEXICAL_WEIGHT * self.lexical + FIT_WEIGHT * self.fit


def _query_text(query: CannedQuery) -> str:
    """What a question is compared with: the query's name in words, then its question."""
    return f"{query.name.replace('-', ' ').replace('_', ' ')}: {query.question}"


def score_queries(question: str, context: Context) -> list[QueryScore]:
    """Every query of the catalog scored against the question, best first (ties by name)."""
    catalog = context.catalog
    names = sorted(catalog)
    mentions = find_mentions(tokenize(question), context.index, context.wording)
    embedder = _embedder()
    targets = embedder.embed([_query_text(catalog[name]) for name in names])
    asked = embedder.embed([question, _generic(question, mentions)])
    similarity = (targets @ asked[0] + targets @ asked[1]) / 2
    lexical = lexical_scores(question, catalog)
    scores = []
    for i, name in enumerate(names):
        filling = fill(question, catalog[name], context)
        fit = filling.used / filling.found if filling.found else 0.0
        scores.append(QueryScore(name, float(similarity[i]), lexical[name], fit, filling))
    return sorted(scores, key=lambda s: (-s.score, s.name))


def route(question: str, build: str | Path, catalog: dict[str, CannedQuery] | None = None) -> Routing:
    """The canned query ``question`` asks, with its parameters filled from the build's names; ``query``
    is ``None`` (and ``candidates`` the closest) when no question is close enough or two are as close."""
    return route_in(question, Context.of(build, catalog))


def route_in(question: str, context: Context) -> Routing:
    """:func:`route` with the build's names and the catalog read once (a :class:`Context`)."""
    if not context.catalog:
        return Routing(None, {}, 0.0, [])
    ranked = score_queries(question, context)
    candidates = [(s.name, context.catalog[s.name].question, round(s.score, 4)) for s in ranked[:3]]
    best = ranked[0].score
    margin = best - ranked[1].score if len(ranked) > 1 else best
    confidence = round(best, 4)
    if best < MIN_SCORE or margin < MIN_MARGIN or _off_topic(question, ranked[0], context):
        return Routing(None, {}, confidence, candidates)
    return Routing(ranked[0].name, ranked[0].filling.params, confidence, candidates)


@dataclass
class RoutingScore:
    """How a set of questions with their expected query and parameters was routed."""

    right: int
    unsure: int
    wrong: int
    misses: list[tuple[str, str | None, dict[str, str]]]  # question, the query chosen, its parameters

    def __str__(self) -> str:
        total = self.right + self.unsure + self.wrong
        return (
            f"right {self.right}/{total} ({self.right / max(total, 1):.1%}), unsure {self.unsure}, wrong {self.wrong}"
        )


def read_questions(path: str | Path) -> list[dict]:
    """The ``{"question", "query", "params"}`` lines of a JSONL file; a bad line is a one-line
    :class:`KgError` naming the file and the line."""
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise KgError(f"{path}:{number}: not JSON ({error.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or "query" not in row:
            raise KgError(f'{path}:{number}: expected {{"question": ..., "query": ..., "params": {{...}}}}')
        rows.append(row)
    return rows


def score_routing(rows: Iterable[dict], context: Context) -> RoutingScore:
    """Route each ``{"question", "query", "params"}`` row (``query`` null: no canned query answers it).
    Right means the expected query with the same effective parameters (defaults filled in, names
    compared as match keys), or unsure where none fits; a wrong query or parameter is wrong, and an
    unsure answer where a query fits is unsure."""
    right = unsure = wrong = 0
    misses = []
    for row in rows:
        routing = route_in(row["question"], context)
        expected = row.get("query")
        if routing.query != expected:
            ok = False
        elif expected is None:
            ok = True
        else:
            defaults = context.catalog[expected].params
            got, want = (
                {p: normalize_name(str(g.get(p, d))) for p, d in defaults.items()}
                for g in (routing.params, row.get("params") or {})
            )
            ok = got == want
        if ok:
            right += 1
            continue
        misses.append((row["question"], routing.query, routing.params))
        if routing.query is None:
            unsure += 1
        else:
            wrong += 1
    return RoutingScore(right, unsure, wrong, misses)


def query_wording(query: CannedQuery) -> set[str]:
    """The stems of the words a query's question may use and be explained by it: its catalog
    question, its file name, the properties it reads, its parameters' names and help texts."""
    helps = " ".join(f"{name.replace('_', ' ')} {text}" for name, text in query.param_help.items())
    params = " ".join(name.replace("_", " ") for name in query.params)
    return _content_words(f"{_query_text(query)} {_predicate_words(query.text)} {params} {helps}")


def unexplained_words(question: str, score: QueryScore, context: Context) -> tuple[list[str], int]:
    """The question's own content words (its graph names, the names it passes on and its function
    words aside) that the query's wording does not explain, and how many content words it has."""
    tokens = tokenize(question)
    taken = {i for m in find_mentions(tokens, context.index, context.wording) for i in range(m.start, m.end)}
    values = {normalize_name(v) for v in score.filling.params.values() if v}
    for start in range(len(tokens)):
        for end in range(start + 1, min(len(tokens), start + 4) + 1):
            if normalize_name(" ".join(t.text for t in tokens[start:end])) in values:
                taken.update(range(start, end))
    words = [w for i, t in enumerate(tokens) if i not in taken for w in _plain_words(t.text)]
    wording = query_wording(context.catalog[score.name]) | {_base(t) for t in context.index.types}
    return _unexplained(words, wording)


def _off_topic(question: str, best: QueryScore, context: Context) -> bool:
    """Whether most of what the question asks is not what the query answers (see MAX_UNEXPLAINED)."""
    missing, total = unexplained_words(question, best, context)
    return len(missing) >= UNEXPLAINED_MIN and len(missing) > MAX_UNEXPLAINED * total


# --- showing it ----------------------------------------------------------------------------------


def describe(routing: Routing) -> str:
    """One line: the query chosen and the parameters given.

    >>> describe(Routing("leaderboard", {"dataset": "MedQA", "metric": ""}, 0.7))
    'query: leaderboard  dataset=MedQA  metric=""'
    """
    params = "".join(f"  {name}={value or EMPTY}" for name, value in routing.params.items())
    return f"query: {routing.query}{params}"


def command_line(name: str, params: dict[str, str], build: str | Path = "build", query_dirs: Iterable[str] = ()) -> str:
    """The ``kg query`` command that runs ``name`` with ``params``.

    >>> command_line("lora-variants-for-task", {"task": "image segmentation", "domain": ""}, "out")
    "kg query lora-variants-for-task -p 'task=image segmentation' -p domain= --build out"
    """
    words = ["kg", "query", name]
    for key, value in params.items():
        words += ["-p", f"{key}={value}"]
    if str(build) != "build":
        words += ["--build", str(build)]
    for folder in query_dirs:
        words += ["--queries", str(folder)]
    return shlex.join(words)


def answer(routing: Routing, build: str | Path, catalog: dict[str, CannedQuery]) -> Table:
    """Run the routed query on the build's store."""
    if routing.query is None:
        raise ValueError("the routing chose no query")
    query = catalog[routing.query]
    return open_store(build).select(query.text, query.arguments(routing.params))
