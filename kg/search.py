"""Search a build by meaning: papers (title + abstract) and entities (name + aliases).

Texts are embedded with the packaged all-MiniLM-L6-v2 and cached by content hash in
``<build>/embeddings.npz``, so only the first search (or a search after a rebuild that added
papers) embeds the corpus.

>>> import tempfile
>>> from kg.build import build
>>> out = tempfile.mkdtemp()
>>> _ = build(None, out, embeddings=False)
>>> hits = search(out, "adapting the Segment Anything Model to 3D CT volumes", limit=3, kinds=("Paper",))
>>> any("SAM" in hit.label or "Segment" in hit.label for hit in hits)
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embed import Embedder
from .records import ENTITY_TYPES
from .store import QueryError, Table, build_advice

SEARCHABLE = ("Paper", *ENTITY_TYPES)


@dataclass
class Hit:
    score: float
    kind: str
    label: str
    node: str


def _texts(graph: dict) -> list[tuple[str, str, str, str]]:
    """(node id, kind, label, text to embed) for every searchable node of a node-link graph."""
    items = []
    for node in graph["nodes"]:
        kind = node.get("kind")
        if kind not in SEARCHABLE:
            continue
        if kind == "Paper":
            text = f"{node['title']}. {node['abstract']}"
        else:
            text = "; ".join([node["label"], *node.get("aliases", [])])
        items.append((node["id"], kind, node["label"], text))
    return items


def node_vectors(build: str | Path) -> tuple[list[tuple[str, str, str]], np.ndarray]:
    """Every searchable node of a build as (id, kind, label), and its embedding (one row each).

    Vectors come from the build's cache; only texts not seen before are embedded (and cached).
    """
    build = Path(build)
    if not (build / "graph.json").exists() or not (build / "manifest.json").exists():  # the manifest comes last
        raise QueryError(f"{build}: no complete build here ({build_advice(build)})")
    items = _texts(json.loads((build / "graph.json").read_text(encoding="utf-8")))
    embedder = Embedder(build / "embeddings.npz")
    vectors = embedder.embed([item[3] for item in items])
    embedder.save()
    return [item[:3] for item in items], vectors


def search(build: str | Path, text: str, *, limit: int = 10, kinds: tuple[str, ...] = SEARCHABLE) -> list[Hit]:
    """The ``limit`` nodes of the given kinds closest in meaning to ``text``, best first."""
    nodes, vectors = node_vectors(build)
    chosen = [i for i, (_, kind, _) in enumerate(nodes) if kind in kinds]
    if not chosen:
        return []
    scores = vectors[chosen] @ Embedder().embed([text])[0]
    order = sorted(range(len(chosen)), key=lambda i: (-scores[i], nodes[chosen[i]][0]))[:limit]
    return [
        Hit(round(float(scores[i]), 4), nodes[chosen[i]][1], nodes[chosen[i]][2], nodes[chosen[i]][0]) for i in order
    ]


def hits_table(hits: list[Hit]) -> Table:
    return Table(["score", "kind", "label", "node"], [[h.score, h.kind, h.label, h.node] for h in hits])
