"""Vector math without I/O: float32 validation, blobs, normalisation and exact top-k search."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import numpy as np

from .blocked_dot import dot_rows
from .errors import DimensionMismatchError, InvalidArgumentError, NonFiniteVectorError
from .models import Float32Array, Int64Array, check_distance


def as_matrix(vectors: Any, dimension: Optional[int] = None) -> Float32Array:
    """Rows of `vectors` as a C-contiguous float32 matrix, checked for shape and finiteness."""
    if hasattr(vectors, "__len__") and len(vectors) == 0:
        return np.zeros((0, dimension or 0), dtype=np.float32)
    try:
        # Values beyond float32's range become inf, refused below with the row they are in.
        with np.errstate(over="ignore"):
            matrix = np.array(vectors, dtype=np.float32, ndmin=2, copy=True)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"vectors must be sequences of numbers: {exc}", vectors) from None
    if matrix.ndim != 2:
        raise InvalidArgumentError(f"expected a list of vectors, got shape {matrix.shape}", vectors)
    if matrix.shape[0] == 0:
        return matrix.reshape(0, dimension or 0)
    if dimension is not None and matrix.shape[1] != dimension:
        raise DimensionMismatchError(dimension, int(matrix.shape[1]))
    if matrix.shape[1] == 0:
        raise InvalidArgumentError("vectors must have at least one component", vectors)
    finite = np.isfinite(matrix)
    if not finite.all():
        row, col = np.argwhere(~finite)[0]
        raise NonFiniteVectorError(int(row), float(matrix[row, col]))
    return np.ascontiguousarray(matrix)


def as_vector(vector: Any, dimension: Optional[int] = None) -> Float32Array:
    """One query vector as float32 of shape (dimension,), checked like as_matrix."""
    try:
        with np.errstate(over="ignore"):
            array = np.asarray(vector, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"a query vector must be numbers: {exc}", vector) from None
    if array.ndim != 1:
        raise InvalidArgumentError(f"a query vector must be one-dimensional, got shape {array.shape}", vector)
    row: Float32Array = as_matrix(array.reshape(1, -1), dimension)[0]
    return row


def to_blob(vector: Float32Array) -> bytes:
    """The little-endian float32 bytes of one vector, as stored in SQLite."""
    return vector.astype("<f4", copy=False).tobytes()


def from_blobs(blobs: Sequence[bytes], dimension: int) -> Float32Array:
    """Stack stored blobs back into a (len(blobs), dimension) float32 matrix."""
    if not blobs:
        return np.zeros((0, dimension), dtype=np.float32)
    flat = np.frombuffer(b"".join(blobs), dtype="<f4")
    return flat.astype(np.float32, copy=True).reshape(len(blobs), dimension)


def from_blob(blob: bytes) -> Float32Array:
    """One stored blob back into a float32 vector."""
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def normalize_rows(matrix: Float32Array) -> Float32Array:
    """Rows scaled to unit length; zero rows stay zero (their cosine distance is 1)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit: Float32Array = (matrix / norms).astype(np.float32, copy=False)
    return unit


def distances(
    distance: str,
    rows: Float32Array,
    query: Float32Array,
    sq_norms: Optional[Float32Array],
    positions: Optional[Int64Array] = None,
) -> Float32Array:
    """Distances from `query` to each row, or to the rows at `positions` (lower is closer).

    For cosine, `rows` and `query` must already be unit length; for l2, `sq_norms` holds
    the rows' squared norms (indexed like `rows`) so that only one matrix-vector product
    is needed. The result is the only array of that length allocated.
    """
    scores = dot_rows(rows, query, positions)
    if distance == "cosine":
        np.subtract(np.float32(1.0), scores, out=scores)
        # Rounding can push an exact match a hair below zero.
        np.maximum(scores, np.float32(0.0), out=scores)
    elif distance == "inner_product":
        np.negative(scores, out=scores)
    else:
        assert sq_norms is not None
        # ||x||^2 - 2 x.q + ||q||^2, rounded as (||x||^2 - 2 x.q) + ||q||^2.
        np.multiply(scores, np.float32(-2.0), out=scores)
        np.add(sq_norms if positions is None else sq_norms[positions], scores, out=scores)
        np.add(scores, np.float32(query @ query), out=scores)
        np.maximum(scores, np.float32(0.0), out=scores)
    return scores


def top_k(scores: Float32Array, keys: Int64Array, k: int) -> Int64Array:
    """Positions of the k lowest scores, ordered by score then key (deterministic on ties)."""
    n = scores.shape[0]
    if k <= 0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    if k < n:
        candidates = np.argpartition(scores, k - 1)[:k]
    else:
        candidates = np.arange(n)
    order = np.lexsort((keys[candidates], scores[candidates]))
    return candidates[order].astype(np.int64)


class ExactIndex:
    """One collection's vectors in memory, aligned with sorted integer row keys.

    Search is a single float32 matrix-vector product. Rows are stored pre-normalised for
    cosine and with their squared norms for l2. The buffer grows geometrically so that
    appending small batches stays cheap.
    """

    def __init__(self, distance: str, dimension: int) -> None:
        self.distance = check_distance(distance)
        self.dimension = dimension
        self._keys: Int64Array = np.zeros(0, dtype=np.int64)
        self._rows: Float32Array = np.zeros((0, dimension), dtype=np.float32)
        self._sq_norms: Float32Array = np.zeros(0, dtype=np.float32)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def keys(self) -> Int64Array:
        """The row keys, ascending."""
        return self._keys[: self._size]

    def _prepare(self, matrix: Float32Array) -> Float32Array:
        return normalize_rows(matrix) if self.distance == "cosine" else matrix

    def load(self, keys: Int64Array, matrix: Float32Array) -> None:
        """Replace the whole content; keys must be ascending."""
        self._keys = np.ascontiguousarray(keys, dtype=np.int64)
        self._rows = np.ascontiguousarray(self._prepare(matrix), dtype=np.float32)
        self._sq_norms = np.einsum("ij,ij->i", self._rows, self._rows).astype(np.float32)
        self._size = len(keys)

    def upsert(self, keys: Int64Array, matrix: Float32Array) -> None:
        """Insert or replace rows by key."""
        if len(keys) == 0:
            return
        keys = np.asarray(keys, dtype=np.int64)
        # Later rows win when a batch repeats a key, as in the database.
        _, last = np.unique(keys[::-1], return_index=True)
        pick = len(keys) - 1 - last
        keys, matrix = keys[pick], self._prepare(matrix[pick])
        current = self.keys
        pos = np.searchsorted(current, keys)
        pos_clipped = np.minimum(pos, max(self._size - 1, 0))
        exists = (pos < self._size) & (current[pos_clipped] == keys) if self._size else pos < 0
        if exists.any():
            where = pos[exists]
            self._rows[where] = matrix[exists]
            self._sq_norms[where] = np.einsum("ij,ij->i", matrix[exists], matrix[exists])
        new_keys, new_rows = keys[~exists], matrix[~exists]
        if len(new_keys) == 0:
            return
        if self._size == 0 or new_keys[0] > current[-1]:
            self._append(new_keys, new_rows)
        else:  # keys out of order: rebuild (rare: SQLite hands out growing rowids)
            all_keys = np.concatenate([current, new_keys])
            all_rows = np.concatenate([self._rows[: self._size], new_rows])
            order = np.argsort(all_keys, kind="stable")
            self._keys, self._rows = all_keys[order], np.ascontiguousarray(all_rows[order])
            self._sq_norms = np.einsum("ij,ij->i", self._rows, self._rows).astype(np.float32)
            self._size = len(all_keys)

    def _append(self, keys: Int64Array, rows: Float32Array) -> None:
        need = self._size + len(keys)
        if need > len(self._keys):
            capacity = max(need, int(len(self._keys) * 1.5) + 16)
            grown_keys = np.zeros(capacity, dtype=np.int64)
            grown_rows = np.zeros((capacity, self.dimension), dtype=np.float32)
            grown_norms = np.zeros(capacity, dtype=np.float32)
            grown_keys[: self._size] = self.keys
            grown_rows[: self._size] = self._rows[: self._size]
            grown_norms[: self._size] = self._sq_norms[: self._size]
            self._keys, self._rows, self._sq_norms = grown_keys, grown_rows, grown_norms
        self._keys[self._size : need] = keys
        self._rows[self._size : need] = rows
        self._sq_norms[self._size : need] = np.einsum("ij,ij->i", rows, rows)
        self._size = need

    def remove(self, keys: Int64Array) -> None:
        """Drop rows by key; unknown keys are ignored."""
        if len(keys) == 0 or self._size == 0:
            return
        keep = ~np.isin(self.keys, keys)
        if keep.all():
            return
        self._keys = self.keys[keep].copy()
        self._rows = np.ascontiguousarray(self._rows[: self._size][keep])
        self._sq_norms = self._sq_norms[: self._size][keep].copy()
        self._size = len(self._keys)

    def positions(self, keys: Int64Array) -> Int64Array:
        """Positions of the given keys (those present), for a filtered search."""
        current = self.keys
        keys = np.asarray(keys, dtype=np.int64)
        pos = np.searchsorted(current, keys)
        ok = pos < self._size
        pos, keys = pos[ok], keys[ok]
        found: Int64Array = pos[current[pos] == keys].astype(np.int64)
        return found

    def vectors(self, positions: Int64Array) -> Float32Array:
        """Stored (prepared) rows at positions."""
        return self._rows[positions]

    def prepare_query(self, query: Float32Array) -> Float32Array:
        """The query as the stored rows expect it: contiguous float32, unit length for cosine."""
        q: Float32Array = np.ascontiguousarray(query, dtype=np.float32)
        if self.distance == "cosine":
            q = normalize_rows(q.reshape(1, -1))[0]
        return q

    def search(
        self, query: Float32Array, k: int, positions: Optional[Int64Array] = None
    ) -> Tuple[Int64Array, Float32Array]:
        """Keys and distances of the k nearest rows (among `positions` if given)."""
        q = self.prepare_query(query)
        rows, norms, keys = self._rows[: self._size], self._sq_norms[: self._size], self.keys
        if positions is None:
            scores = distances(self.distance, rows, q, norms)
        elif 2 * len(positions) > self._size:
            # Most rows match: one pass over the contiguous matrix beats gathering them.
            scores = distances(self.distance, rows, q, norms)[positions]
            keys = keys[positions]
        else:
            scores = distances(self.distance, rows, q, norms, positions)
            keys = keys[positions]
        best = top_k(scores, keys, k)
        found = scores[best]
        if self.distance == "l2":
            found = np.sqrt(found)
        return keys[best], found.astype(np.float32)

    def rescore(self, query: Float32Array, keys: Int64Array) -> Float32Array:
        """Exact distances from query to the rows with these keys (all must be present)."""
        pos = self.positions(keys)
        q = self.prepare_query(query)
        scores = distances(self.distance, self._rows[: self._size], q, self._sq_norms[: self._size], pos)
        return np.sqrt(scores) if self.distance == "l2" else scores
