"""Resolver: one node per real thing across the whole corpus, and why each name was merged.

Names of one entity type are merged, in this order:

1. names equal up to case, spaces, hyphens, underscores and dots (``LLaMA-2`` = ``llama 2``);
2. a name and the aliases the extractor gave it in a paper (``LoRA`` = ``Low-Rank Adaptation``);
3. names the vocabulary (``schemas/vocab``) knows as one thing;
4. the user's forced merges (a YAML file that persists across builds);
5. names whose embeddings are closer than a threshold, unless their version numbers differ.

A forced split, a group of ``schemas/vocab/distinct.yaml``, and two names that a paper relates
(``Llama 3.1 Instruct`` fine-tuned from ``Llama 3.1``, a variant of it, or outperforming it)
forbid any merge that would put those names into one node. Every merge is kept as
a ``(name, name, rule)`` link, so :meth:`Resolution.report` can say why each name joined its node.

>>> records = [{"id": "p1", "entities": [{"name": "LoRA", "type": "Method", "aliases": ["Low-Rank Adaptation"]}]},
...            {"id": "p2", "entities": [{"name": "low-rank adaptation", "type": "Method"}]}]
>>> resolution = resolve(records)
>>> resolution.node_id("Method", "Low Rank Adaptation")
'method/lora'
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import KgError
from .records import ENTITY_TYPES
from .vocab import case_sensitive_keys, cased_key
from .vocab import normalize_name as normalize

# Measured with `kg eval-merges` on the gold aliases: at 0.92 embedding merges are right 97% of the
# time on the dev gold and 91% on the held-out gold (0.90: 93% and 81%).
DEFAULT_THRESHOLD = 0.92
# A paper that states one of these between two names says they are two things.
STATED_APART = frozenset({"fine_tuned_from", "variant_of", "outperforms"})
_VERSION_TOKEN = re.compile(r"\d+(?:\.\d+)?")


def slug(name: str) -> str:
    """A readable, IRI-safe piece of a node id (``+`` is kept: LoRA+ is not LoRA).

    >>> slug("Med-Gemini 2D"), slug("LoRA+")
    ('med-gemini-2d', 'lora+')
    """
    return re.sub(r"[^a-z0-9+]+", "-", name.casefold()).strip("-") or "x"


@dataclass
class Overrides:
    """A user's forced merges and splits: lists of name groups, optionally typed as ``Type:name``."""

    merges: list[list[str]] = field(default_factory=list)
    splits: list[list[str]] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path | None) -> Overrides:
        """Read ``{"merge": [[a, b, ...], ...], "split": [[a, b], ...]}`` from YAML.

        Raises ``ValueError("FILE:LINE: ...")`` on a malformed file.
        """
        if path is None:
            return cls()
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            raise KgError(
                f"{path}:{mark.line + 1 if mark else 1}: invalid YAML: {getattr(error, 'problem', error)}"
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise KgError(f"{path}:1: cannot read: {error}") from None
        if not isinstance(data, dict) or set(data) - {"merge", "split"}:
            raise KgError(f"{path}:1: expected a mapping with keys 'merge' and/or 'split'")
        groups = {}
        for key in ("merge", "split"):
            value = data.get(key) or []
            if not all(isinstance(g, list) and len(g) >= 2 and all(isinstance(n, str) for n in g) for g in value):
                raise KgError(f"{path}:1: '{key}' must be a list of lists of two or more names")
            groups[key] = value
        return cls(merges=groups["merge"], splits=groups["split"])


Key = tuple[str, str]  # (entity type, normalised name)


@dataclass
class Node:
    id: str
    type: str
    label: str
    aliases: list[str]
    papers: list[str]
    merges: list[dict]


class Resolution:
    """Where each (type, name) of the corpus went: the nodes and the merge links between names."""

    def __init__(self, nodes: dict[str, Node], index: dict[Key, str], key_of=None):
        self.nodes = nodes
        self._index = index
        self._key_of = key_of or _Keys(frozenset())
        self.warnings: list[str] = []  # merges and splits naming what no paper mentions

    def node_id(self, entity_type: str, name: str) -> str | None:
        """The id of the node a name of that type was resolved into (None if never seen)."""
        return self._index.get(self._key_of(entity_type, name))

    def report(self) -> list[dict]:
        """The merge report: for each node with more than one name, its names and why they merged."""
        return [
            {"id": n.id, "type": n.type, "label": n.label, "names": sorted({n.label, *n.aliases}), "merges": n.merges}
            for n in sorted(self.nodes.values(), key=lambda n: n.id)
            if n.merges
        ]


class _Clusters:
    """Union-find over name keys that refuses unions joining a forced split, and remembers why."""

    def __init__(self, cannot_link: set[frozenset[Key]]):
        self.parent: dict[Key, Key] = {}
        self.members: dict[Key, set[Key]] = {}
        self.cannot_link = cannot_link
        # per root, its members named in a cannot-link pair: a union compares only these
        self.constrained: dict[Key, set[Key]] = {}
        self._named = {key for pair in cannot_link for key in pair}
        self.links: list[tuple[Key, str, str, str]] = []  # (key, name, into, rule)

    def add(self, key: Key) -> None:
        if key not in self.parent:
            self.parent[key] = key
            self.members[key] = {key}
            self.constrained[key] = {key} & self._named

    def find(self, key: Key) -> Key:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: Key, b: Key, rule: str, names: tuple[str, str]) -> bool:
        """Merge the clusters of ``a`` and ``b``; ``names`` are the spellings that justified it (b into a)."""
        self.add(a)
        self.add(b)
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return False
        if any(
            frozenset((x, y)) in self.cannot_link for x in self.constrained[root_a] for y in self.constrained[root_b]
        ):
            return False
        if root_a > root_b:  # deterministic roots whatever the order of unions
            root_a, root_b = root_b, root_a
        self.parent[root_b] = root_a
        self.members[root_a] |= self.members.pop(root_b)
        self.constrained[root_a] |= self.constrained.pop(root_b)
        self.links.append((a, names[1], names[0], rule))
        return True


def resolve(
    records: Iterable[dict],
    vocab=None,
    *,
    embedder=None,
    threshold: float = DEFAULT_THRESHOLD,
    overrides: Overrides | None = None,
) -> Resolution:
    """Resolve the entities of all extraction records into nodes.

    ``vocab`` is a :class:`kg.vocab.Vocabulary` (or None); ``embedder`` a :class:`kg.embed.Embedder`
    (or None to merge by rules only).
    """
    overrides = overrides or Overrides()
    never = [*overrides.splits, *(vocab.distinct if vocab is not None else ())]
    key_of = _Keys(case_sensitive_keys(never))
    surfaces: dict[Key, Counter] = defaultdict(Counter)  # key -> surface forms seen, as names
    papers: dict[Key, set[str]] = defaultdict(set)
    alias_links: list[tuple[Key, Key, str, tuple[str, str]]] = []
    apart: set[frozenset[Key]] = set()
    for record in records:
        types = {entity["name"]: entity["type"] for entity in record.get("entities", [])}
        for relation in record.get("relations", []):
            subject, obj = relation.get("subject"), relation.get("object")
            if relation.get("predicate") in STATED_APART and subject in types and obj in types:
                pair = frozenset((key_of(types[subject], subject), key_of(types[obj], obj)))
                if len(pair) == 2:
                    apart.add(pair)
        for entity in record.get("entities", []):
            kind = entity["type"]
            key = key_of(kind, entity["name"])
            surfaces[key][entity["name"]] += 1
            papers[key].add(record["id"])
            for alias in entity.get("aliases") or []:
                alias_key = key_of(kind, alias)
                surfaces[alias_key][alias] += 0  # known spelling, never preferred as the label
                alias_links.append((key, alias_key, f"alias in paper {record['id']}", (entity["name"], alias)))

    warnings: list[str] = []
    splits = _typed_groups(overrides.splits, surfaces, key_of, warnings, "split")
    distinct = _typed_groups(vocab.distinct if vocab is not None else [], surfaces, key_of)
    cannot_link = {frozenset((a, b)) for group in splits + distinct for a in group for b in group if a != b} | apart
    clusters = _Clusters(cannot_link)
    for key in sorted(surfaces):
        clusters.add(key)
    for a, b, rule, names in alias_links:
        clusters.union(a, b, rule, names)
    known: dict[Key, str] = {}  # key -> the vocabulary entry it is
    if vocab is not None:
        for key in sorted(surfaces):
            canonical = _vocab_canonical(vocab, surfaces[key], key[0])
            if canonical:
                target = key_of(key[0], canonical)
                known[key] = known[target] = canonical
                if target != key:
                    surfaces[target][canonical] += 0
                    clusters.union(target, key, "vocabulary", (canonical, _label(surfaces, [key])))
    for group in _typed_groups(overrides.merges, surfaces, key_of, warnings, "merge"):
        for other in group[1:]:
            clusters.union(group[0], other, "forced merge", (_label(surfaces, [group[0]]), _label(surfaces, [other])))
    if embedder is not None:
        _merge_by_embedding(clusters, surfaces, embedder, threshold, known)
    resolution = _nodes(clusters, surfaces, papers, vocab, key_of)
    resolution.warnings = warnings
    return resolution


class _Keys:
    """(type, name) -> its key: the normalised name, or the cased one where case tells names apart."""

    def __init__(self, case_sensitive: frozenset):
        self.case_sensitive = case_sensitive

    def __call__(self, kind: str, name: str) -> Key:
        key = normalize(name)
        return (kind, cased_key(name) if key in self.case_sensitive else key)


def _vocab_canonical(vocab, names: Counter, kind: str) -> str | None:
    for name in sorted(names):
        entry = vocab.lookup(name)
        if entry is not None and entry[1] == kind:
            return entry[0]
    return None


def _typed_groups(
    groups: Iterable[Iterable[str]], surfaces: dict[Key, Counter], key_of, warnings=None, what: str = ""
) -> list[list[Key]]:
    """Turn name groups into keys: ``Type:name`` fixes the type, a bare name applies to every type
    seen. A user's name the corpus never mentions goes to ``warnings``."""
    result = []
    for group in groups:
        seen = set()
        for kind in ENTITY_TYPES:
            keys = []
            for item in group:
                if item.partition(":")[0] in ENTITY_TYPES and item.partition(":")[0] != kind:
                    continue
                item = _bare(item)
                if key_of(kind, item) in surfaces:
                    keys.append(key_of(kind, item))
                    seen.add(item)
            if len(keys) >= 2:
                result.append(keys)
        if warnings is not None:
            unknown = [item for item in group if _bare(item) not in seen]
            warnings += [f"{what} names {item!r}, which no paper mentions" for item in unknown]
    return result


def _bare(item: str) -> str:
    """A user's ``Type:name`` without its type."""
    prefix, colon, rest = item.partition(":")
    return rest if colon and prefix in ENTITY_TYPES else item


def _versions(text: str) -> tuple[str, ...]:
    return tuple(_VERSION_TOKEN.findall(text))


def _merge_by_embedding(
    clusters: _Clusters, surfaces: dict[Key, Counter], embedder, threshold: float, known: dict[Key, str]
) -> None:
    """Merge clusters whose best-known names embed within ``threshold`` (cosine), type by type.

    Names that differ in a version number (GPT-3.5 / GPT-4, SAM / SAM 2) are never merged this way,
    nor two names the vocabulary lists as different entries (fine-tuning / full fine-tuning): it
    knows them apart.
    """
    groups = []
    for kind in ENTITY_TYPES:
        roots = sorted({clusters.find(k) for k in surfaces if k[0] == kind})
        if len(roots) >= 2:
            groups.append((roots, [_label(surfaces, clusters.members[root]) for root in roots]))
    # One call for all types (a merge never crosses types): the model is loaded once.
    vectors = embedder.embed([label for _, labels in groups for label in labels])
    offset = 0
    for roots, labels in groups:
        block, offset = vectors[offset : offset + len(labels)], offset + len(labels)
        for score, i, j in sorted(_close_pairs(block, threshold), key=lambda pair: -pair[0]):
            if _versions(labels[i]) != _versions(labels[j]) or _known_apart(clusters, roots[i], roots[j], known):
                continue
            clusters.union(roots[i], roots[j], f"embedding similarity {score:.3f}", (labels[i], labels[j]))


def _known_apart(clusters: _Clusters, a: Key, b: Key, known: dict[Key, str]) -> bool:
    """True when both clusters hold a vocabulary entry, and not the same one."""
    entries_a = {known[k] for k in clusters.members[clusters.find(a)] if k in known}
    entries_b = {known[k] for k in clusters.members[clusters.find(b)] if k in known}
    return bool(entries_a and entries_b and entries_a != entries_b)


SIMILARITY_ROWS = 1024  # rows of the similarity matrix computed at a time: memory O(rows × names)


def _close_pairs(vectors, threshold: float) -> list[tuple[float, int, int]]:
    """Every pair ``i < j`` with cosine >= ``threshold``, in row order, as (similarity, i, j).

    The matrix is computed a block of rows at a time against the names after them and only the
    pairs above the threshold are kept, so memory stays linear in the number of names.
    """
    import numpy as np

    pairs = []
    for start in range(0, len(vectors), SIMILARITY_ROWS):
        block = vectors[start : start + SIMILARITY_ROWS] @ vectors[start:].T
        rows, cols = np.nonzero(np.triu(block, k=1) >= threshold)
        pairs += [(float(block[r, c]), start + int(r), start + int(c)) for r, c in zip(rows, cols, strict=True)]
    return pairs


def _label(surfaces: dict[Key, Counter], keys: Iterable[Key]) -> str:
    """The most used name of a cluster; ties go to a cased spelling (LLaMA-2 over llama2), then the shorter."""
    counts: Counter[str] = Counter()
    for key in keys:
        counts.update(surfaces[key])
    return min(counts, key=lambda name: (-counts[name], name == name.lower(), len(name), name))


def _nodes(clusters: _Clusters, surfaces, papers, vocab, key_of) -> Resolution:
    groups: dict[Key, list[Key]] = defaultdict(list)
    for key in sorted(surfaces):
        groups[clusters.find(key)].append(key)
    link_by_root: dict[Key, list[dict]] = defaultdict(list)
    for key, name, into, rule in clusters.links:
        link_by_root[clusters.find(key)].append({"name": name, "into": into, "rule": rule})
    nodes, index, used = {}, {}, set()
    for root, keys in sorted(groups.items()):
        kind = root[0]
        canonical = None
        if vocab is not None:
            canonical = _vocab_canonical(vocab, Counter({n: 1 for k in keys for n in surfaces[k]}), kind)
            home = key_of(kind, canonical) if canonical else None
            if home in clusters.parent and clusters.find(home) != root:
                # the entry's own name is another node (a paper or split set them apart): not this label
                canonical = None
        label = canonical or _label(surfaces, keys)
        node_id = f"{kind.lower()}/{slug(label)}"
        salt = ""
        while node_id in used:  # two labels that differ only in punctuation: a stable suffix
            node_id = f"{kind.lower()}/{slug(label)}-" + hashlib.sha1((label + salt).encode()).hexdigest()[:6]
            salt += "+"
        used.add(node_id)
        names = {name for k in keys for name in surfaces[k]}
        nodes[node_id] = Node(
            id=node_id,
            type=kind,
            label=label,
            aliases=sorted(names - {label}, key=lambda n: (n.casefold(), n)),
            papers=sorted({p for k in keys for p in papers[k]}),
            merges=sorted(link_by_root[root], key=lambda m: (m["name"], m["into"], m["rule"])),
        )
        index.update(dict.fromkeys(keys, node_id))
    return Resolution(nodes, index, key_of)
