"""The controlled vocabulary (schemas/vocab/*.yaml) as lookup tables.

Each YAML file holds one list of entries (``{key: [entries]}`` or a bare
list); an entry is a string or a mapping with ``name`` and optional
``aliases`` plus per-file fields (``family``/``base`` for models,
``broader``/``category`` for methods, ``modality``/``task``/``kind`` for datasets).
Every surface form is keyed by :func:`normalize_name`, the guideline's
matching rule, so ``LLaMA-2``, ``Llama 2`` and ``llama2`` find one entry.

A user's own vocabulary (``kg build --vocab DIR``) is a folder of files of the same names and
format, layered over the shipped one by :func:`load_vocabulary`: see there for how.

>>> normalize_name("LLaMA-2") == normalize_name("llama 2")
True
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import KgError
from .files import resource_dir

# file stem -> entity type of its entries (metrics and the stoplist are not entities)
FILE_TYPES = {
    "models": "Model",
    "methods": "Method",
    "datasets": "Dataset",
    "tasks": "Task",
    "modalities": "Modality",
    "domains": "Domain",
}

# When one surface form is listed under several types, the more specific type wins.
TYPE_PRIORITY = ("Dataset", "Model", "Method", "Task", "Modality", "Domain")

_DROP = re.compile(r"[\s\-_.\u2010-\u2015]+")


@functools.lru_cache(maxsize=1 << 16)
def normalize_name(name: str) -> str:
    """Casefold and drop spaces, hyphens, underscores and dots.

    >>> normalize_name("Low-Rank_Adaptation 2.0")
    'lowrankadaptation20'
    """
    return _DROP.sub("", name.casefold())


@dataclass(frozen=True)
class Sense:
    """Where a spelling that is also an ordinary word ("zero-shot") means its entry.

    ``follow`` lists the words that may come next (after it, any other word is what the spelling
    qualifies: "zero-shot segmentation"); punctuation or the sentence's end may always follow.
    ``context`` matches the paper's text where the entry's sense needs a word of it ("prompt",
    "LLMs"). Either left out holds everywhere.

    >>> s = Sense(frozenset({"setting"}), re.compile(r"\\bLLMs?\\b", re.I))
    >>> paper = "We prompt LLMs in a zero-shot setting, and zero-shot segmentation."
    >>> s.holds("in a zero-shot setting,", 14, paper), s.holds("zero-shot segmentation.", 9, paper)
    (True, False)
    >>> s.holds("in a zero-shot setting,", 14, "A CNN in a zero-shot setting.")
    False
    """

    follow: frozenset = frozenset()
    context: re.Pattern | None = None

    def holds(self, sentence: str, end: int, paper: str) -> bool:
        """Whether the spelling ending at ``end`` of ``sentence``, in a paper of text ``paper``, is the entry."""
        if self.follow:
            word = _NEXT_WORD.match(sentence, end)
            if word and word.group(1).lower() not in self.follow:
                return False
        return self.context is None or self.context.search(paper) is not None


_NEXT_WORD = re.compile(r"\s*([A-Za-z][\w\-]*)")
_SENSE_KEYS = frozenset({"forms", "follow", "context"})


def sense_of(entry: Entry) -> Sense | None:
    """The :class:`Sense` an entry's ``sense:`` field gives (None without one); a ``ValueError``
    saying what is wrong with the field.

    >>> sense_of(Entry("x", "Method", ("y",), {"sense": {"forms": ["y"], "follow": ["and"]}})).follow
    frozenset({'and'})
    """
    raw = entry.fields.get("sense")
    if raw is None:
        return None
    if not isinstance(raw, dict) or not set(raw) <= _SENSE_KEYS or not raw.get("forms"):
        raise ValueError(f"sense is a mapping of forms (required), follow and context, not {raw!r}")
    spellings = {normalize_name(form) for form in (entry.name, *entry.aliases)}
    strays = [form for form in _as_list(raw["forms"]) if normalize_name(form) not in spellings]
    if strays:
        raise ValueError(f"sense forms {strays} are not spellings of {entry.name!r}")
    context = _as_list(raw.get("context"))
    pattern = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in context)
    return Sense(
        frozenset(word.lower() for word in _as_list(raw.get("follow"))),
        re.compile(rf"\b(?:{pattern})\b", re.I) if context else None,
    )


@dataclass
class Entry:
    """One vocabulary entry: canonical name, type, aliases and its extra fields."""

    name: str
    type: str
    aliases: tuple = ()
    fields: dict = field(default_factory=dict)


def _as_list(value) -> list:
    """A YAML field that may be a scalar, a list or missing, as a list of strings."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _entries_of(data) -> list:
    """The entry list of one loaded YAML document, whatever its top-level shape."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        return [item for items in lists for item in items]
    return []


def _read_yaml(path: Path) -> list:
    """Entries of one YAML file ([] for an empty or unreadable-as-list file); a :class:`KgError`
    naming the file and line where it is not YAML."""
    try:
        return _entries_of(yaml.safe_load(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise KgError(f"{where}: not YAML ({getattr(error, 'problem', None) or error})") from None


def _entry(raw, etype: str) -> Entry | None:
    """An :class:`Entry` from a raw YAML item (a string or a mapping)."""
    if isinstance(raw, str):
        return Entry(raw.strip(), etype)
    if not isinstance(raw, dict) or not raw.get("name"):
        return None
    extra = {k: v for k, v in raw.items() if k not in ("name", "aliases")}
    return Entry(str(raw["name"]).strip(), etype, tuple(_as_list(raw.get("aliases"))), extra)


class _Block:
    """The value of a stoplisted phrase in a match layer: it consumes its span, yielding nothing."""

    def __reduce__(self) -> str:
        # unpickled as this module's one BLOCK, so a used vocabulary's layers survive a pickle
        return "BLOCK"


BLOCK = _Block()


@dataclass
class Layers:
    """Several lookup tables merged for one n-gram walk: key -> ((layer, value), ...)."""

    table: dict
    prefixes: frozenset
    size: int

    @classmethod
    def build(cls, tables: list, blocks: list) -> Layers:
        """Merge ``tables`` (key -> value) and their ``blocks`` (stoplisted keys) layer by layer."""
        merged: dict[str, list] = {}
        for layer, (table, block) in enumerate(zip(tables, blocks, strict=True)):
            for key, value in table.items():
                merged.setdefault(key, []).append((layer, value))
            # a stoplisted phrase blocks even where a table lists it (the later entry wins)
            for key in block:
                merged.setdefault(key, []).append((layer, BLOCK))
        prefixes = frozenset(k[:i] for k in merged for i in range(1, len(k) + 1))
        return cls({k: tuple(v) for k, v in merged.items()}, prefixes, len(tables))

    @functools.cached_property
    def single(self) -> dict:
        """:attr:`table` with one value per layer, the last listed (the one a match takes), layers
        in the order first listed: built once, for the matcher's inner loop."""
        return {key: tuple(dict(values).items()) for key, values in self.table.items()}


# How many answers :meth:`Vocabulary.lookup` keeps at most.
_LOOKED_MAX = 1 << 16


class Vocabulary:
    """Lookups over the loaded vocabulary, all keyed by normalised names.

    >>> v = Vocabulary([Entry("LoRA", "Method", ("Low-Rank Adaptation",), {"broader": "PEFT"})])
    >>> v.lookup("low rank adaptation")
    ('LoRA', 'Method')
    >>> v.broader("lora")
    'PEFT'
    """

    def __init__(self, entries=(), metrics: dict | None = None, stoplist=(), distinct=(), rankings=None):
        self.entries: dict[tuple[str, str], Entry] = {}
        self.surface: dict[str, tuple[str, str]] = {}
        # groups of names that are never one thing; where two differ only in case, case tells them apart
        self.distinct: tuple[tuple[str, ...], ...] = tuple(tuple(group) for group in distinct)
        self.case_sensitive: frozenset = case_sensitive_keys(self.distinct)
        self.cased_surface: dict[str, tuple[str, str]] = {}
        self.metrics: dict[str, str] = {}
        # canonical metric -> (lower is better, a ratio): how a leaderboard compares its values
        self.rankings: dict[str, tuple[bool, bool]] = dict(rankings or {})
        self.stoplist: frozenset = frozenset(normalize_name(s) for s in stoplist)
        self._looked: dict[str, tuple[str, str] | None] = {}  # lookup's answers so far
        for key, canonical in (metrics or {}).items():
            self.metrics[normalize_name(key)] = canonical
        # short cased metric forms ("IS", "AP") must not match plain words ("is", "ap"), as with names
        self.cased_metrics = _cased_forms(list(metrics or {}))
        ranked = sorted(entries, key=lambda e: TYPE_PRIORITY.index(e.type))
        for entry in ranked:
            self.entries.setdefault((entry.type, normalize_name(entry.name)), entry)
        # canonical names first so that an alias never shadows another entry's own name
        for entry in ranked:
            self.surface.setdefault(normalize_name(entry.name), (entry.name, entry.type))
        for entry in ranked:
            for alias in entry.aliases:
                self.surface.setdefault(normalize_name(alias), (entry.name, entry.type))
        for entry in ranked:
            for form in (entry.name, *entry.aliases):
                if normalize_name(form) in self.case_sensitive:
                    self.cased_surface.setdefault(cased_key(form), (entry.name, entry.type))
        # a plain word a name folds into ("multiple" for MultiPL-E) is no name: its spellings match nothing
        self.plain_words: frozenset = frozenset(
            normalize_name(form)
            for group in self.distinct
            for form in group
            if normalize_name(form) in self.case_sensitive and cased_key(form) not in self.cased_surface
        )
        # short all-caps/mixed-case forms ("SAM", "CoT") and all-caps ones of any length ("MIMIC",
        # "DRIVE") must not match plain words ("sam", "cot", "mimic", "drive")
        self.cased = _cased_forms([f for entry in ranked for f in (entry.name, *entry.aliases)])
        # spelling -> (entry name, Sense): forms that mean the entry only where their Sense holds
        self.senses: dict[str, tuple[str, Sense]] = {}
        for entry in ranked:
            sense = sense_of(entry) if "sense" in entry.fields else None
            if sense is not None:
                for form in _as_list(entry.fields["sense"]["forms"]):
                    self.senses.setdefault(normalize_name(form), (entry.name, sense))
        self.sensed_names = frozenset(name for name, _ in self.senses.values())

    def table(self, etype: str) -> dict:
        """The surface table restricted to one entity type (built once, then cached)."""
        cache = self.__dict__.setdefault("_tables", {})
        if etype not in cache:
            cache[etype] = {k: v for k, v in self.surface.items() if v[1] == etype}
        return cache[etype]

    def layers(self) -> Layers:
        """The match layers (all names, modalities, domains, metrics) as one table, built once:
        the extractor walks a sentence's n-grams once for all of them."""
        if "_layers" not in self.__dict__:
            tables = [self.surface, self.table("Modality"), self.table("Domain"), self.metrics]
            blocks = [self.stoplist] * 3 + [frozenset()]
            self._layers = Layers.build(tables, blocks)
        return self._layers

    def lookup(self, surface: str) -> tuple[str, str] | None:
        """(canonical name, type) of a surface form, or None. Names the vocabulary tells apart by
        case (``distinct.yaml``) are looked up with their case first.

        >>> v = Vocabulary([Entry("BioMedGPT", "Model"), Entry("BiomedGPT", "Model")],
        ...                distinct=[["BioMedGPT", "BiomedGPT"]])
        >>> v.lookup("BiomedGPT"), v.lookup("BioMedGPT")
        (('BiomedGPT', 'Model'), ('BioMedGPT', 'Model'))

        A name told apart from the plain word it folds into names only itself:

        >>> v = Vocabulary([Entry("MultiPL-E", "Dataset")], distinct=[["MultiPL-E", "multiple"]])
        >>> v.lookup("MultiPL-E"), v.lookup("Multiple")
        (('MultiPL-E', 'Dataset'), None)
        """
        # the extractor asks of the same words and names again and again: answers are kept (a
        # bounded table, emptied when full; the tables it reads never change after __init__)
        looked = self._looked
        try:
            return looked[surface]
        except KeyError:
            pass
        key = normalize_name(surface)
        hit = self.cased_surface.get(cased_key(surface)) if key in self.case_sensitive else None
        if hit is None and key not in self.plain_words:
            hit = self.surface.get(key)
        if len(looked) >= _LOOKED_MAX:
            looked.clear()
        looked[surface] = hit
        return hit

    def __getstate__(self) -> dict:
        """What pickles (for a pool's workers): not the answers :meth:`lookup` kept."""
        return {name: value for name, value in self.__dict__.items() if name != "_looked"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _looked={})

    def entry(self, name: str, etype: str | None = None) -> Entry | None:
        """The entry of a canonical name (or any listed surface form)."""
        hit = self.lookup(name)
        if hit is None or (etype and hit[1] != etype):
            return None
        return self.entries.get((hit[1], normalize_name(hit[0])))

    def _field(self, name: str, key: str) -> list:
        entry = self.entry(name)
        return _as_list(entry.fields.get(key)) if entry else []

    def broader(self, name: str) -> str | None:
        """The parent of a method (``broader``) or the family of a model, if listed."""
        entry = self.entry(name)
        if entry is None:
            return None
        parent = entry.fields.get("broader") or entry.fields.get("family")
        return str(parent) if parent else None

    def family(self, name: str) -> str | None:
        """The model family a model belongs to, if listed."""
        found = self._field(name, "family")
        return found[0] if found else None

    def base(self, name: str) -> list:
        """Known base models a model was fine-tuned from."""
        return self._field(name, "base")

    def modality(self, name: str) -> list:
        """Listed modalities of a model or dataset."""
        return self._field(name, "modality")

    def task(self, name: str) -> list:
        """Listed tasks of a dataset."""
        return self._field(name, "task")

    def is_corpus(self, name: str) -> bool:
        """True for a dataset listed as a source corpus (``kind: corpus``: PubMed, C4), which models
        are trained on rather than tested on."""
        entry = self.entry(name, "Dataset")
        return entry is not None and entry.fields.get("kind") == "corpus"

    def headline_metric(self, dataset: str) -> str:
        """The metric a benchmark's bare scores are in: its listed ``metric`` (AlpacaEval: win rate),
        else accuracy."""
        entry = self.entry(dataset, "Dataset")
        return entry.fields.get("metric", "accuracy") if entry is not None else "accuracy"

    def metric(self, surface: str) -> str | None:
        """The canonical metric of a surface form (``AUROC`` -> ``auc``), or None."""
        return self.metrics.get(normalize_name(surface))

    def lower_is_better(self, metric: str) -> bool:
        """Whether the lower value of ``metric`` (any of its names) wins (``better: lower``)."""
        return self.rankings.get(self.metric(metric) or metric.lower(), (False, False))[0]

    def score(self, metric: str, value: float, unit: str = "") -> float:
        """``value`` as a leaderboard compares it: a ratio metric (``scale: ratio``) as a fraction,
        whether printed as 0.726, 72.6 % or 72.6; any other metric as printed.

        >>> vocab = Vocabulary(metrics={"acc": "accuracy"}, rankings={"accuracy": (False, True)})
        >>> vocab.score("acc", 72.6, "%"), vocab.score("accuracy", 0.726), vocab.score("bleu", 27.3)
        (0.726, 0.726, 27.3)
        """
        ratio = self.rankings.get(self.metric(metric) or metric.lower(), (False, False))[1]
        if ratio and (unit == "%" or value > 1):
            return round(value / 100, 9)
        return value

    def is_generic(self, surface: str) -> bool:
        """True for stoplisted generic phrases ("large language models", ...)."""
        return normalize_name(surface) in self.stoplist


def _cased_forms(forms: list) -> frozenset:
    """The normalised forms that match only where the text is not all lower case: short all-caps or
    mixed-case ones and all-caps ones of any length, unless the same form is also written lower case.

    >>> sorted(_cased_forms(["SAM", "CoT", "MIMIC", "LoRA adapters", "wer", "WER"]))
    ['cot', 'mimic', 'sam']
    """
    lower = {normalize_name(f) for f in forms if f == f.lower()}
    return (
        frozenset(normalize_name(f) for f in forms if (len(normalize_name(f)) <= 4 or f.isupper()) and f != f.lower())
        - lower
    )


def cased_key(name: str) -> str:
    """A name without spaces, hyphens, underscores and dots, its case kept: the key of names that
    differ only in case and mean different things.

    >>> cased_key("BioMed-GPT"), cased_key("Biomed GPT")
    ('BioMedGPT', 'BiomedGPT')
    """
    return _DROP.sub("", name)


def case_sensitive_keys(groups) -> frozenset:
    """The normalised names two members of one group share, told apart only by their case."""
    keys = set()
    for group in groups:
        seen: dict[str, set] = {}
        for name in group:
            seen.setdefault(normalize_name(name), set()).add(cased_key(name))
        keys |= {key for key, forms in seen.items() if len(forms) > 1}
    return frozenset(keys)


def _yaml_files(folder: Path) -> list:
    return sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))


def shipped_folder() -> Path:
    """The vocabulary shipped with kg: ``schemas/vocab`` (inside the package when installed)."""
    return resource_dir("schemas") / "vocab"


# the file names a vocabulary folder may hold (stems), besides those of FILE_TYPES
OTHER_FILES = ("metrics", "stoplist", "distinct")
_KNOWN_FILES = ", ".join(f"{name}.yaml" for name in (*FILE_TYPES, *OTHER_FILES))  # for error messages


@dataclass
class _Files:
    """What one vocabulary folder says, before layering."""

    entries: list = field(default_factory=list)
    metrics: list = field(default_factory=list)  # (surface form, canonical metric)
    rankings: dict = field(default_factory=dict)  # canonical metric -> (lower is better, a ratio)
    stoplist: list = field(default_factory=list)
    distinct: list = field(default_factory=list)


def _read_folder(folder: Path, strict: bool) -> _Files:
    """The entries, metrics, stoplist and case-distinct groups of one folder's YAML files. ``strict``
    (a user's layer): a file of an unknown name or an entry without a name is an error, not skipped."""
    found = _Files()
    for path in _yaml_files(folder):
        stem = path.stem.lower()
        if strict and stem not in FILE_TYPES and stem not in OTHER_FILES:
            raise KgError(f"{path}: not a vocabulary file (the names are {_KNOWN_FILES})")
        items = _read_yaml(path)
        if stem in FILE_TYPES or stem == "metrics":
            etype = FILE_TYPES.get(stem, "Metric")
            for number, item in enumerate(items, start=1):
                entry = _entry(item, etype)
                if entry is None:
                    if strict:
                        raise KgError(f"{path}: entry {number} ({item!r}) is neither a name nor a mapping with a name")
                    continue
                if "sense" in entry.fields:
                    try:
                        sense_of(entry)
                    except ValueError as error:
                        raise KgError(f"{path}: entry {number} ({entry.name!r}): {error}") from None
                if stem == "metrics":
                    canonical = entry.name.lower()
                    found.metrics += [(surface, canonical) for surface in (entry.name, *entry.aliases)]
                    found.rankings[canonical] = _ranking(entry, path)
                else:
                    found.entries.append(entry)
        elif stem == "stoplist":
            found.stoplist += [str(i) for i in items if isinstance(i, str)]
        elif stem == "distinct":
            found.distinct += [[str(n) for n in group] for group in items if isinstance(group, list) and len(group) > 1]
    return found


_RANKING_FIELDS = {"better": ("higher", "lower"), "scale": ("ratio", "raw")}


def _ranking(entry: Entry, path: Path) -> tuple[bool, bool]:
    """A metric entry's ``better`` and ``scale`` fields as (lower is better, a ratio)."""
    for key, allowed in _RANKING_FIELDS.items():
        value = entry.fields.get(key, allowed[0] if key == "better" else "raw")
        if value not in allowed:
            raise KgError(f"{path}: metric {entry.name!r}: {key} is {value!r}, not one of {', '.join(allowed)}")
    return entry.fields.get("better") == "lower", entry.fields.get("scale") == "ratio"


def _extended(old: Entry | None, new: Entry) -> Entry:
    """``new`` layered over ``old`` (an entry of the same type and name): the old canonical name and
    aliases stay, the new aliases are added, a field the new one gives replaces the old one's."""
    if old is None:
        return new
    aliases = tuple(dict.fromkeys((*old.aliases, *(a for a in new.aliases if a != old.name))))
    return Entry(old.name, old.type, aliases, {**old.fields, **new.fields})


def _user_folders(layers) -> list[Path]:
    folders = []
    for layer in layers:
        folder = Path(layer)
        if not folder.is_dir():
            raise KgError(f"{folder}: no such vocabulary folder (--vocab takes a folder of YAML files)")
        if not _yaml_files(folder):
            raise KgError(f"{folder}: no vocabulary files here (YAML files named {_KNOWN_FILES})")
        folders.append(folder)
    return folders


def load_vocabulary(folder: Path | None = None, layers=()) -> Vocabulary:
    """Load every vocabulary file of ``folder`` (default: the shipped vocabulary, schemas/vocab),
    then each folder of ``layers`` (a user's ``--vocab DIR``) over it, in order.

    A folder may leave files out (a partial vocabulary still loads), but a folder with no file or
    no entry at all is a :class:`KgError`: an empty vocabulary is never loaded silently. In a layer,
    an entry of a name the vocabulary already has (same type, same name as :func:`normalize_name`
    keys it) extends that entry: its aliases are added and its fields (``broader``, ``family``,
    ...) replace those given; any other entry is added. A layer's names win over the shipped
    aliases of its type (but never over another entry's own name); its stoplist and distinct
    groups are added to the shipped ones. A layer's file of an unknown name, an entry without a
    name, or a file that is not YAML is a :class:`KgError` naming the file (and line).

    >>> import tempfile
    >>> mine = Path(tempfile.mkdtemp())
    >>> _ = (mine / "methods.yaml").write_text("- {name: LoRA, aliases: [lo-ra adapters]}\\n- FooTune\\n")
    >>> vocab = load_vocabulary(layers=[mine])
    >>> vocab.lookup("lo-ra adapters"), vocab.lookup("Low-Rank Adaptation"), vocab.lookup("footune")
    (('LoRA', 'Method'), ('LoRA', 'Method'), ('FooTune', 'Method'))
    """
    base = Path(folder) if folder is not None else shipped_folder()
    if not base.is_dir() or not _yaml_files(base):
        raise KgError(f"{base}: no vocabulary files here (is kg installed whole?)")
    shipped = _read_folder(base, strict=False)
    if not shipped.entries and not shipped.metrics:
        raise KgError(f"{base}: the vocabulary files list no entry")
    entries: list[Entry] = shipped.entries
    metrics, stoplist, distinct = shipped.metrics, shipped.stoplist, shipped.distinct
    rankings = dict(shipped.rankings)
    for layer in _user_folders(layers):
        mine = _read_folder(layer, strict=True)
        sensitive = case_sensitive_keys(distinct + mine.distinct)

        def key(entry: Entry, sensitive: frozenset = sensitive) -> tuple[str, str]:
            # names distinct.yaml tells apart by case (BioMedGPT, BiomedGPT) are two entries
            name = normalize_name(entry.name)
            return entry.type, cased_key(entry.name) if name in sensitive else name

        index: dict[tuple[str, str], int] = {}
        for number, entry in enumerate(entries):
            index.setdefault(key(entry), number)
        front: dict[tuple[str, str], Entry] = {}
        taken: set[int] = set()
        for entry in mine.entries:
            old = front.pop(key(entry), None)
            if old is None and key(entry) in index:
                old = entries[index[key(entry)]]
                taken.add(index[key(entry)])
            front[key(entry)] = _extended(old, entry)
        # the layer's entries first: their names win within a type
        entries = list(front.values()) + [e for number, e in enumerate(entries) if number not in taken]
        metrics = mine.metrics + metrics
        rankings.update(mine.rankings)
        stoplist = stoplist + mine.stoplist
        distinct = distinct + mine.distinct
    table: dict[str, str] = {}
    for surface, canonical in metrics:
        table.setdefault(surface, canonical)
    return Vocabulary(entries, table, stoplist, distinct, rankings)


def vocabulary_hash(folder: Path | None = None, layers=()) -> str:
    """sha256 over the vocabulary files' names and bytes, in name order, then those of each of
    ``layers`` (where there are any): a changed file of any of them changes it."""
    folder = Path(folder) if folder is not None else shipped_folder()
    digest = hashlib.sha256()

    def add(files: list[Path]) -> None:
        for path in sorted(files, key=lambda p: p.name):
            digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")

    add(_yaml_files(folder) if folder.is_dir() else [])
    for layer in _user_folders(layers):
        digest.update(b"\0layer\0")
        add(_yaml_files(layer))
    return digest.hexdigest()
