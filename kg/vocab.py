"""The controlled vocabulary (schemas/vocab/*.yaml) as lookup tables.

Each YAML file holds one list of entries (``{key: [entries]}`` or a bare
list); an entry is a string or a mapping with ``name`` and optional
``aliases`` plus per-file fields (``family``/``base`` for models,
``broader``/``category`` for methods, ``modality``/``task``/``kind`` for datasets).
Every surface form is keyed by :func:`normalize_name`, the guideline's
matching rule, so ``LLaMA-2``, ``Llama 2`` and ``llama2`` find one entry.

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

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "schemas" / "vocab"

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
    """Entries of one YAML file ([] for an empty or unreadable-as-list file)."""
    return _entries_of(yaml.safe_load(path.read_text(encoding="utf-8")))


def _entry(raw, etype: str) -> Entry | None:
    """An :class:`Entry` from a raw YAML item (a string or a mapping)."""
    if isinstance(raw, str):
        return Entry(raw.strip(), etype)
    if not isinstance(raw, dict) or not raw.get("name"):
        return None
    extra = {k: v for k, v in raw.items() if k not in ("name", "aliases")}
    return Entry(str(raw["name"]).strip(), etype, tuple(_as_list(raw.get("aliases"))), extra)


# The value of a stoplisted phrase in a match layer: it consumes its span, yielding nothing.
BLOCK = object()


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


class Vocabulary:
    """Lookups over the loaded vocabulary, all keyed by normalised names.

    >>> v = Vocabulary([Entry("LoRA", "Method", ("Low-Rank Adaptation",), {"broader": "PEFT"})])
    >>> v.lookup("low rank adaptation")
    ('LoRA', 'Method')
    >>> v.broader("lora")
    'PEFT'
    """

    def __init__(self, entries=(), metrics: dict | None = None, stoplist=(), distinct=()):
        self.entries: dict[tuple[str, str], Entry] = {}
        self.surface: dict[str, tuple[str, str]] = {}
        # groups of names that are never one thing; where two differ only in case, case tells them apart
        self.distinct: tuple[tuple[str, ...], ...] = tuple(tuple(group) for group in distinct)
        self.case_sensitive: frozenset = case_sensitive_keys(self.distinct)
        self.cased_surface: dict[str, tuple[str, str]] = {}
        self.metrics: dict[str, str] = {}
        self.stoplist: frozenset = frozenset(normalize_name(s) for s in stoplist)
        for key, canonical in (metrics or {}).items():
            self.metrics[normalize_name(key)] = canonical
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
        # short all-caps/mixed-case forms ("SAM", "CoT") and all-caps ones of any length ("MIMIC",
        # "DRIVE") must not match plain words ("sam", "cot", "mimic", "drive")
        forms = [f for entry in ranked for f in (entry.name, *entry.aliases)]
        lower = {normalize_name(f) for f in forms if f == f.lower()}
        self.cased = (
            frozenset(
                normalize_name(f) for f in forms if (len(normalize_name(f)) <= 4 or f.isupper()) and f != f.lower()
            )
            - lower
        )

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
        """
        key = normalize_name(surface)
        if key in self.case_sensitive:
            hit = self.cased_surface.get(cased_key(surface))
            if hit is not None:
                return hit
        return self.surface.get(key)

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

    def is_generic(self, surface: str) -> bool:
        """True for stoplisted generic phrases ("large language models", ...)."""
        return normalize_name(surface) in self.stoplist


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


def load_vocabulary(folder: Path | None = None) -> Vocabulary:
    """Load every vocabulary file of ``folder`` (default: the repository's schemas/vocab).

    Missing files give empty tables, so a partial vocabulary still loads.
    """
    folder = Path(folder) if folder is not None else DEFAULT_FOLDER
    entries: list[Entry] = []
    metrics: dict[str, str] = {}
    stoplist: list[str] = []
    distinct: list[list[str]] = []
    for path in _yaml_files(folder) if folder.is_dir() else []:
        stem = path.stem.lower()
        items = _read_yaml(path)
        if stem in FILE_TYPES:
            entries += [e for e in (_entry(i, FILE_TYPES[stem]) for i in items) if e]
        elif stem == "metrics":
            for item in items:
                entry = _entry(item, "Metric")
                if entry:
                    canonical = entry.name.lower()
                    for surface in (entry.name, *entry.aliases):
                        metrics.setdefault(surface, canonical)
        elif stem == "stoplist":
            stoplist += [str(i) for i in items if isinstance(i, str)]
        elif stem == "distinct":
            distinct += [[str(n) for n in group] for group in items if isinstance(group, list) and len(group) > 1]
    return Vocabulary(entries, metrics, stoplist, distinct)


def vocabulary_hash(folder: Path | None = None) -> str:
    """sha256 over the vocabulary files' names and bytes, in name order."""
    folder = Path(folder) if folder is not None else DEFAULT_FOLDER
    digest = hashlib.sha256()
    for path in sorted(_yaml_files(folder) if folder.is_dir() else [], key=lambda p: p.name):
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
