"""Vector math without I/O: float32 validation, blobs, normalisation and exact top-k search."""

from __future__ import annotations

import itertools
import os
import queue
import re
import threading
from typing import Any, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

from .errors import DimensionMismatchError, InvalidArgumentError, NonFiniteVectorError
from .models import Float32Array, check_distance

Int64Array = npt.NDArray[np.int64]


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


#: Bytes of float32 rows per block of a matrix-vector product (see `dot_rows`).
BLOCK_BYTES = 1 << 20
#: Blocks of contiguous rows per numpy call (see `_Product`).
CHUNK_BLOCKS = 8
#: Products of at least this many blocks are shared with the helper threads.
SHARE_BLOCKS = 8
#: At most this many helper threads: a few cores already saturate memory bandwidth.
MAX_HELPERS = 3
#: Environment variables whose thread limit (the smallest one set) the helpers respect.
_THREAD_LIMITS = ("SQLVEC_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def single_threaded_blocks(blas_name: str, blas_version: str) -> bool:
    """Whether this BLAS multiplies one block (BLOCK_BYTES of rows) by a vector on the calling thread alone.

    OpenBLAS 0.3.26 and later keep a float32 matrix-vector product on one thread below
    460,800 elements (more than a block); earlier versions split anything above 9,216
    over every core, and other BLAS libraries decide in their own ways.
    """
    if "openblas" not in blas_name.lower():
        return False
    numbers = [int(part) for part in re.findall(r"\d+", blas_version)[:3]]
    return len(numbers) == 3 and tuple(numbers) >= (0, 3, 26)


def _numpy_blas() -> Tuple[str, str]:
    try:
        from numpy import __config__

        blas = __config__.CONFIG["Build Dependencies"]["blas"]  # numpy >= 1.25
        return str(blas.get("name", "")), str(blas.get("version", ""))
    except Exception:  # older numpy, or a build that does not say: assume the worst
        return "", ""


#: Whether `dot_rows` may split a product into blocks and share them with helper threads;
#: if not, a product over all rows is one call and the BLAS library threads it as it likes.
BLOCKS = single_threaded_blocks(*_numpy_blas())


class _Product:
    """One blocked matrix-vector product whose pieces go to whichever thread asks next.

    The caller works through the pieces itself; helpers that are free join in. When the
    pieces run out the caller waits only for pieces a helper has in hand, never for a
    helper that has not started, so a busy machine costs no more than doing it alone.
    A piece is CHUNK_BLOCKS blocks of contiguous rows as one stacked `np.matmul` (one BLAS
    call per block, the GIL released once for all of them), or one block of gathered
    rows. Every block is the same product whichever thread runs it: results are identical.
    """

    def __init__(
        self, rows: Float32Array, query: Float32Array, positions: Optional[Int64Array], out: Float32Array, step: int
    ) -> None:
        self.rows, self.query, self.positions, self.out, self.step = rows, query, positions, out, step
        self.count = len(out)
        self.blocks = -(-self.count // step)
        self.span = step * (CHUNK_BLOCKS if positions is None else 1)
        self.pieces = -(-self.count // self.span)
        # itertools.count's __next__ is one C call: threads never get the same piece.
        self.next = itertools.count().__next__
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.open = True
        self.running = 0
        self.error: Optional[BaseException] = None

    def work(self) -> None:
        """Compute pieces until none is left."""
        rows, query, positions, out = self.rows, self.query, self.positions, self.out
        step, span, count, pieces = self.step, self.span, self.count, self.pieces
        while True:
            index = self.next()
            if index >= pieces:
                return
            start = index * span
            stop = min(count, start + span)
            if positions is not None:  # the gathered copy is freed before the next one is made
                np.matmul(rows[positions[start:stop]], query, out=out[start:stop])
                continue
            full = (stop - start) // step
            middle = start + full * step
            if full:
                stacked = rows[start:middle].reshape(full, step, rows.shape[1])
                np.matmul(stacked, query, out=out[start:middle].reshape(full, step))
            if middle < stop:
                np.matmul(rows[middle:stop], query, out=out[middle:stop])

    def help(self) -> None:
        """A helper's share: blocks while any are left, unless the caller already finished."""
        with self.lock:
            if not self.open:
                return
            self.running += 1
        try:
            self.work()
        except BaseException as exc:  # re-raised by the caller in finish()
            self.error = exc
        finally:
            with self.lock:
                self.running -= 1
                if not self.running:
                    self.idle.notify_all()

    def finish(self) -> None:
        """Close the product to late helpers and wait for the blocks helpers have in hand."""
        with self.lock:
            self.open = False
            while self.running:
                self.idle.wait()
        if self.error is not None:
            raise self.error


class _Helpers:
    """Daemon threads, started on first use, that join in large products (see `_Product`)."""

    def __init__(self) -> None:
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            cpus = os.cpu_count() or 1
        # A thread limit set for numerical libraries applies here too (1: no helpers).
        for name in _THREAD_LIMITS:
            value = os.environ.get(name, "").strip()
            if value.isdigit() and int(value) > 0:
                cpus = min(cpus, int(value))
        self.count = max(0, min(cpus - 1, MAX_HELPERS))
        self._queue: queue.SimpleQueue[_Product] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._started = False

    def offer(self, product: _Product) -> None:
        """Let every helper take part in product when it is free."""
        if not self._started:
            with self._lock:
                if not self._started:
                    for n in range(self.count):
                        threading.Thread(target=self._main, name=f"sqlvec-dot-{n}", daemon=True).start()
                    self._started = True
        for _ in range(self.count):
            self._queue.put(product)

    def _main(self) -> None:
        while True:
            self._queue.get().help()


_helpers = _Helpers()


def _after_fork() -> None:
    # A child process has none of the parent's threads: start its own when needed.
    global _helpers
    _helpers = _Helpers()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def dot_rows(rows: Float32Array, query: Float32Array, positions: Optional[Int64Array] = None) -> Float32Array:
    """`rows @ query` (or `rows[positions] @ query`) as float32, one block of rows at a time.

    A large matrix-vector product is bound by memory bandwidth, which one core does not
    exhaust. Left to the BLAS library, it is split over all cores in every call: each call
    then waits for every thread to get a core, and the threads keep spinning after it,
    taking CPU from the event loop and everything else. Instead, where the BLAS library
    runs a product of one block of about BLOCK_BYTES on one thread (`BLOCKS`), each block
    is such a product, and the blocks of a large product are shared with helper threads
    that take them only when they are free (`_Product`); elsewhere the whole product is
    one call, as the library likes it. With `positions`, each thread copies one block of
    the selected rows at a time, never all of them.
    """
    count = rows.shape[0] if positions is None else len(positions)
    out: Float32Array = np.empty(count, dtype=np.float32)
    if not BLOCKS and positions is None:
        np.matmul(rows, query, out=out)
        return out
    step = max(1, BLOCK_BYTES // (4 * max(1, rows.shape[1])))
    product = _Product(rows, query, positions, out, step)
    helpers = _helpers
    if BLOCKS and helpers.count and product.blocks >= SHARE_BLOCKS and product.pieces > 1:
        helpers.offer(product)
        try:
            product.work()
        finally:
            product.finish()
    else:
        product.work()
    return out


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
