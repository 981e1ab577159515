"""Approximate nearest-neighbour index in memory (HNSW from the optional `usearch` extra)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InvalidArgumentError, MissingExtraError
from .models import Float32Array, IndexSpec, Int64Array, check_distance

_METRICS = {"cosine": "cos", "l2": "l2sq", "inner_product": "ip"}


class ApproximateIndex:
    """An HNSW graph over integer row keys; it proposes candidates, callers rescore exactly.

    It is kept in step with the exact cache: upserts replace a key's vector, removals
    drop keys, so a search never proposes a deleted row and always sees new ones.
    """

    def __init__(self, spec: IndexSpec, distance: str, dimension: int, module: Any) -> None:
        self.spec = spec
        self._index = module.Index(
            ndim=dimension,
            metric=_METRICS[check_distance(distance)],
            dtype="f32",
            connectivity=spec.m,
            expansion_add=spec.ef_construction,
            expansion_search=spec.ef_search,
        )

    def __len__(self) -> int:
        return len(self._index)

    def upsert(self, keys: Int64Array, vectors: Float32Array) -> None:
        """Insert or replace vectors by key (the last one wins if a key repeats)."""
        if len(keys) == 0:
            return
        keys = np.asarray(keys, dtype=np.int64)
        _, last = np.unique(keys[::-1], return_index=True)
        pick = len(keys) - 1 - last
        ukeys = keys[pick].astype(np.uint64)
        self.remove(keys[pick])
        self._index.add(ukeys, np.ascontiguousarray(vectors[pick], dtype=np.float32))

    def remove(self, keys: Int64Array) -> None:
        """Forget these keys; unknown keys are ignored."""
        if len(keys) == 0 or len(self._index) == 0:
            return
        ukeys = np.asarray(keys, dtype=np.uint64)
        present = np.asarray(self._index.contains(ukeys), dtype=bool).reshape(-1)
        if present.any():
            self._index.remove(ukeys[present])

    def search(self, query: Float32Array, k: int) -> Int64Array:
        """Candidate keys for the k nearest rows (more than k, for exact rescoring)."""
        count = min(len(self._index), max(2 * k, k + 16))
        if count == 0:
            return np.zeros(0, dtype=np.int64)
        matches = self._index.search(np.ascontiguousarray(query, dtype=np.float32), count)
        return np.asarray(matches.keys, dtype=np.int64)


def load_approximate_index(spec: IndexSpec, distance: str, dimension: int) -> ApproximateIndex:
    """An empty ApproximateIndex for the spec, or MissingExtraError if usearch is absent."""
    if spec.kind != "hnsw":
        raise InvalidArgumentError(f"index kind {spec.kind!r} is not available on SQLite; use 'hnsw'", spec.kind)
    try:
        from usearch import index as usearch_index
    except ImportError:
        raise MissingExtraError("ann", "usearch", "an approximate vector index on SQLite") from None
    return ApproximateIndex(spec, distance, dimension, usearch_index)
