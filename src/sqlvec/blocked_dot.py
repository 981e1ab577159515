"""A float32 matrix-vector product in blocks of rows, shared with helper threads when they are free."""

from __future__ import annotations

import itertools
import os
import queue
import re
import threading
from typing import Optional, Tuple

import numpy as np

from .models import Float32Array, Int64Array

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
