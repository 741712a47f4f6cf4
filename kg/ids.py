"""Stable identifiers: once an entity's IRI is minted, later builds keep it.

A resolution names each node after its label (``model/foonet``), so a node's id would move when
its most used spelling changes ("Foo-Net" overtaking "FooNet"). The registry (``ids.json`` in the
build folder, or a file of the user's own given with ``kg build --ids FILE``) remembers which id
each name key went to; :func:`assign` gives every node the id its names already had, and mints one
only for a node none of whose names was seen before. An id whose names all went to another node
(two nodes merged) is retired and written as ``dcterms:isReplacedBy`` that node, so links to it
still lead somewhere.

>>> from kg.resolve import resolve
>>> first = resolve([{"id": "p1", "entities": [{"name": "FooNet", "type": "Model"}]}])
>>> registry = IdRegistry()
>>> assign(first, registry).nodes.keys()
dict_keys(['model/foonet'])
>>> later = resolve([{"id": "p1", "entities": [{"name": "FooNet", "type": "Model"}]},
...                  {"id": "p2", "entities": [{"name": "Foo-Net", "type": "Model"}]},
...                  {"id": "p3", "entities": [{"name": "Foo-Net", "type": "Model"}]}])
>>> list(later.nodes), list(assign(later, registry).nodes)
(['model/foo-net'], ['model/foonet'])
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import KgError
from .files import atomic_write
from .resolve import Resolution

FORMAT = 1


@dataclass
class IdRegistry:
    """Name key (``"Model\\tfoonet"``) -> the id its node has; retired id -> the id replacing it."""

    ids: dict[str, str] = field(default_factory=dict)
    replaced: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> IdRegistry:
        """The registry in ``path``; an empty one where there is no such file."""
        path = Path(path)
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
            return cls(dict(data["ids"]), dict(data["replaced"]))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise KgError(f"{path}:1: not an id registry kg can read: {error}") from None

    def save(self, path: str | Path) -> None:
        data = {
            "format": FORMAT,
            "ids": dict(sorted(self.ids.items())),
            "replaced": dict(sorted(self.replaced.items())),
        }
        with atomic_write(path) as stream:
            stream.write(json.dumps(data, indent=1, ensure_ascii=False) + "\n")

    def current(self, node_id: str) -> str:
        """Where a retired id leads now (itself if it was never retired)."""
        seen = {node_id}
        while node_id in self.replaced and self.replaced[node_id] not in seen:
            node_id = self.replaced[node_id]
            seen.add(node_id)
        return node_id

    def retired(self) -> dict[str, str]:
        """Every retired id and the id that replaces it now, sorted."""
        return {old: self.current(old) for old in sorted(self.replaced)}


def _key(key: tuple) -> str:
    return "\t".join(key)


def assign(resolution: Resolution, registry: IdRegistry) -> Resolution:
    """``resolution`` with each node under the id its names had in ``registry``, which is updated.

    A node takes the registered id most of its names had (ties: the one its label gives, then the
    smaller id); when a split gave
    two nodes the same old id, the node with more of its names keeps it and the other mints a new
    one. Minted ids never reuse an id the registry has given before, except a retired id for a node
    of the label it was minted from (a merge undone).
    """
    keys_of: dict[str, list[str]] = {}
    for key, node_id in resolution._index.items():
        keys_of.setdefault(node_id, []).append(_key(key))
    wanted = []  # (names in common, old id, node id)
    for node_id, keys in keys_of.items():
        votes = Counter(registry.ids[k] for k in keys if k in registry.ids)
        wanted += [(count, old, node_id) for old, count in votes.items()]
    taken = set(registry.ids.values()) | set(registry.replaced)
    renamed: dict[str, str] = {}
    claimed: set[str] = set()
    # most names in common first; on a tie, the id the node's label would mint, then the smaller id
    for _, old, node_id in sorted(wanted, key=lambda w: (-w[0], w[1] != w[2], w[1], w[2])):
        if node_id not in renamed and old not in claimed:
            renamed[node_id] = old
            claimed.add(old)
    for node_id in sorted(resolution.nodes):
        if node_id not in renamed and node_id in registry.replaced and node_id not in claimed:
            renamed[node_id] = node_id  # a merge undone: the retired id comes back for its label
            claimed.add(node_id)
            del registry.replaced[node_id]
        elif node_id not in renamed:
            minted, salt = node_id, ""
            while minted in taken or minted in claimed:
                minted = f"{node_id}-" + hashlib.sha1((node_id + salt).encode()).hexdigest()[:6]
                salt += "+"
            renamed[node_id] = minted
            claimed.add(minted)
    held: dict[str, list[str]] = {}  # id -> the names it held before this build
    for name_key, previous in registry.ids.items():
        held.setdefault(previous, []).append(name_key)
    for node_id, keys in keys_of.items():
        registry.ids.update(dict.fromkeys(keys, renamed[node_id]))
    # an id that no longer holds any name went into another node: it answers with that node
    still = set(registry.ids.values())
    for old in sorted(set(held) - still):
        heirs = Counter(registry.ids[key] for key in held[old])
        registry.replaced[old] = min(heirs, key=lambda heir: (-heirs[heir], heir))
    nodes = {renamed[node_id]: replace(node, id=renamed[node_id]) for node_id, node in resolution.nodes.items()}
    index = {key: renamed[node_id] for key, node_id in resolution._index.items()}
    moved = Resolution(dict(sorted(nodes.items())), index, resolution._key_of)
    moved.warnings = resolution.warnings
    return moved
