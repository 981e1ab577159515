"""Vector math: validation, blobs, and the in-memory exact index against brute force."""

from __future__ import annotations

import math
import os
import threading
import tracemalloc
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqlvec import blocked_dot, vectors
from sqlvec.errors import DimensionMismatchError, InvalidArgumentError, NonFiniteVectorError
from sqlvec.vectors import (
    ExactIndex,
    as_matrix,
    as_vector,
    from_blob,
    from_blobs,
    normalize_rows,
    to_blob,
    top_k,
)


def test_as_matrix_converts_to_contiguous_float32() -> None:
    m = as_matrix([[1, 2], [3, 4]])
    assert m.dtype == np.float32 and m.flags.c_contiguous and m.shape == (2, 2)
    assert as_matrix(np.ones((3, 5), dtype=np.float64)[:, ::2]).shape == (3, 3)
    assert as_matrix([]).shape == (0, 0)
    assert as_matrix([], 4).shape == (0, 4)


@pytest.mark.parametrize("bad", [[[1, 2], [3]], [["a", "b"]], [[[1]]], [[]]])
def test_as_matrix_refuses_ragged_or_odd_input(bad: object) -> None:
    with pytest.raises(InvalidArgumentError):
        as_matrix(bad)


def test_as_matrix_checks_dimension_and_finiteness() -> None:
    with pytest.raises(DimensionMismatchError) as info:
        as_matrix([[1, 2, 3]], 2)
    assert (info.value.expected, info.value.actual) == (2, 3)
    with pytest.raises(NonFiniteVectorError) as nan:
        as_matrix([[1, 2], [3, math.nan]])
    assert nan.value.row == 1 and math.isnan(nan.value.value)
    with pytest.raises(NonFiniteVectorError):
        as_matrix([[1e300, 0]])  # overflows float32


def test_as_vector_wants_one_dimension() -> None:
    assert as_vector([1, 2, 3], 3).shape == (3,)
    with pytest.raises(InvalidArgumentError):
        as_vector([[1, 2]])
    with pytest.raises(InvalidArgumentError):
        as_vector("abc")
    with pytest.raises(DimensionMismatchError):
        as_vector([1, 2], 3)


def test_blobs_round_trip() -> None:
    m = np.random.default_rng(1).normal(size=(4, 7)).astype(np.float32)
    blobs = [to_blob(row) for row in m]
    assert all(len(b) == 28 for b in blobs)
    assert np.array_equal(from_blobs(blobs, 7), m)
    assert np.array_equal(from_blob(blobs[2]), m[2])
    assert from_blobs([], 7).shape == (0, 7)


def test_normalize_rows_leaves_zero_rows_alone() -> None:
    out = normalize_rows(np.array([[3, 4], [0, 0]], dtype=np.float32))
    assert np.allclose(out, [[0.6, 0.8], [0, 0]])


def test_top_k_breaks_ties_by_key() -> None:
    scores = np.array([1.0, 0.5, 0.5, 0.2], dtype=np.float32)
    keys = np.array([10, 30, 20, 40])
    assert top_k(scores, keys, 3).tolist() == [3, 2, 1]
    assert top_k(scores, keys, 10).tolist() == [3, 2, 1, 0]
    assert top_k(scores, keys, 0).tolist() == []


def brute_force(distance: str, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    if distance == "cosine":
        r = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-30)
        return 1 - r @ (query / np.linalg.norm(query))
    if distance == "l2":
        return np.linalg.norm(rows - query, axis=1)
    return -(rows @ query)


@settings(max_examples=60, deadline=None)
@given(
    distance=st.sampled_from(["cosine", "l2", "inner_product"]),
    seed=st.integers(0, 2**32 - 1),
    ops=st.lists(st.tuples(st.booleans(), st.integers(1, 30)), max_size=8),
)
def test_exact_index_matches_brute_force_through_writes(distance: str, seed: int, ops: list) -> None:
    rng = np.random.default_rng(seed)
    dim = 6
    index = ExactIndex(distance, dim)
    truth: dict = {}
    next_key = 1
    for insert, count in ops:
        if insert or not truth:
            # Mix fresh (growing) keys with updates of existing ones.
            keys = [next_key + i for i in range(count)]
            next_key += count
            if truth:
                keys += list(rng.choice(list(truth), size=min(3, len(truth)), replace=False))
            vectors = rng.normal(size=(len(keys), dim)).astype(np.float32)
            index.upsert(np.array(keys), vectors)
            truth.update({int(k): v for k, v in zip(keys, vectors)})
        else:
            gone = list(rng.choice(list(truth), size=min(count, len(truth)), replace=False))
            index.remove(np.array(gone))
            for g in gone:
                del truth[int(g)]
    assert index.keys.tolist() == sorted(truth)
    if not truth:
        return
    query = rng.normal(size=dim).astype(np.float32)
    keys = np.array(sorted(truth))
    expected = brute_force(distance, np.array([truth[k] for k in keys]), query)
    k = min(5, len(keys))
    got_keys, got_scores = index.search(query, k)
    assert np.allclose(got_scores, np.sort(expected)[:k], atol=1e-4)
    assert set(got_keys.tolist()) <= set(keys.tolist())
    # a filtered search over every other key
    subset = keys[::2]
    sub_keys, _ = index.search(query, k, index.positions(subset))
    assert set(sub_keys.tolist()) <= set(subset.tolist())


def test_out_of_order_keys_are_kept_sorted() -> None:
    index = ExactIndex("l2", 2)
    index.upsert(np.array([5, 7]), np.array([[0, 0], [1, 1]], dtype=np.float32))
    index.upsert(np.array([6, 1]), np.array([[2, 2], [3, 3]], dtype=np.float32))
    assert index.keys.tolist() == [1, 5, 6, 7]
    keys, scores = index.search(np.array([3, 3], dtype=np.float32), 1)
    assert keys.tolist() == [1] and scores.tolist() == [0.0]
    assert index.positions(np.array([6, 99, 1])).tolist() == [2, 0]


@pytest.mark.parametrize("with_positions", [False, True])
def test_dot_rows_matches_one_product_across_block_edges(monkeypatch: pytest.MonkeyPatch, with_positions: bool) -> None:
    rng = np.random.default_rng(3)
    rows = rng.normal(size=(1000, 24)).astype(np.float32)
    query = rng.normal(size=24).astype(np.float32)
    positions = np.sort(rng.choice(1000, size=333, replace=False)) if with_positions else None
    expected = (rows if positions is None else rows[positions]).astype(np.float64) @ query.astype(np.float64)
    # 7 rows per block: blocks end on, before and after the last row of the matrix.
    monkeypatch.setattr(blocked_dot, "BLOCKS", True)
    monkeypatch.setattr(blocked_dot, "BLOCK_BYTES", 7 * 24 * 4)
    got = blocked_dot.dot_rows(rows, query, positions)
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert np.allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert blocked_dot.dot_rows(rows[:0], query).shape == (0,)


@pytest.mark.parametrize("distance", ["cosine", "l2", "inner_product"])
@pytest.mark.parametrize("share", [0.05, 0.5, 0.95])
def test_filtered_search_matches_brute_force_sparse_or_dense(distance: str, share: float) -> None:
    # Below half the rows the selected rows are gathered block by block; above, the whole
    # matrix is scanned once and the selected scores picked: both give the brute-force answer.
    rng = np.random.default_rng(5)
    rows = rng.normal(size=(2000, 16)).astype(np.float32)
    rows[1500] = rows[10]  # an exact tie, broken by the lower key
    keys = np.arange(100, 2100, dtype=np.int64)
    index = ExactIndex(distance, 16)
    index.load(keys, rows)
    query = rows[10] + np.float32(0.01)
    chosen = np.sort(rng.choice(2000, size=int(2000 * share), replace=False))
    chosen = np.union1d(chosen, [10, 1500])
    expected = brute_force(distance, rows[chosen].astype(np.float64), query.astype(np.float64))
    order = np.lexsort((keys[chosen], expected))[:7]
    got_keys, got_scores = index.search(query, 7, index.positions(keys[chosen]))
    assert got_keys.tolist() == keys[chosen][order].tolist()
    assert np.allclose(got_scores, expected[order], atol=1e-4)
    assert got_keys[0] == keys[10] and got_keys[1] == keys[1500]


def test_search_takes_a_float64_query_and_leaves_inputs_alone() -> None:
    rng = np.random.default_rng(8)
    rows = rng.normal(size=(50, 8)).astype(np.float32)
    index = ExactIndex("l2", 8)
    index.load(np.arange(50, dtype=np.int64), rows)
    query = rng.normal(size=8)
    before = query.copy()
    keys, scores = index.search(query, 3)
    want = np.argsort(np.linalg.norm(rows.astype(np.float64) - query, axis=1))[:3]
    assert keys.tolist() == want.tolist() and scores.dtype == np.float32
    assert np.array_equal(query, before)
    assert np.array_equal(index.vectors(np.arange(50)), rows)


@pytest.mark.parametrize("share", [None, 0.45, 0.9])
def test_search_does_not_copy_the_matrix(share: Optional[float]) -> None:
    # 40,000 x 128 float32 rows are 20 MiB; one query may allocate its scores (160 kB) and one
    # block of gathered rows per thread taking part, never a copy of all (or most) rows.
    rng = np.random.default_rng(9)
    rows = rng.normal(size=(40_000, 128)).astype(np.float32)
    index = ExactIndex("cosine", 128)
    index.load(np.arange(40_000, dtype=np.int64), rows)
    positions = None if share is None else np.sort(rng.choice(40_000, size=int(40_000 * share), replace=False))
    query = rng.normal(size=128).astype(np.float32)
    index.search(query, 4, positions)
    tracemalloc.start()
    try:
        index.search(query, 4, positions)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    bound = (blocked_dot._helpers.count + 1) * blocked_dot.BLOCK_BYTES + 1_000_000
    assert peak < bound, f"a search allocated {peak} bytes"


def shared_and_alone(monkeypatch: pytest.MonkeyPatch, *args: object) -> Tuple[np.ndarray, np.ndarray]:
    """dot_rows(*args) with every product shared with the helpers, and done by the caller alone."""
    monkeypatch.setattr(blocked_dot, "BLOCKS", True)
    monkeypatch.setattr(blocked_dot, "SHARE_BLOCKS", 1)
    shared = blocked_dot.dot_rows(*args)  # type: ignore[arg-type]
    monkeypatch.setattr(blocked_dot, "SHARE_BLOCKS", 10**9)
    alone = blocked_dot.dot_rows(*args)  # type: ignore[arg-type]
    return shared, alone


def test_blocks_shared_with_helpers_give_identical_results(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(10)
    rows = rng.normal(size=(5_000, 64)).astype(np.float32)
    query = rng.normal(size=64).astype(np.float32)
    monkeypatch.setattr(blocked_dot, "BLOCK_BYTES", 64 * 4 * 100)  # 50 blocks
    shared, alone = shared_and_alone(monkeypatch, rows, query)
    assert np.array_equal(shared, alone)  # bit for bit: the same product per block
    positions = rng.permutation(5_000)[:3_000].astype(np.int64)
    shared, alone = shared_and_alone(monkeypatch, rows, query, positions)
    assert np.array_equal(shared, alone)


def test_many_threads_share_the_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    # Products offered while the helpers are busy with others are done by their callers.
    monkeypatch.setattr(blocked_dot, "BLOCKS", True)
    monkeypatch.setattr(blocked_dot, "BLOCK_BYTES", 32 * 4 * 50)
    monkeypatch.setattr(blocked_dot, "SHARE_BLOCKS", 2)
    rng = np.random.default_rng(11)
    matrices = [rng.normal(size=(4_000, 32)).astype(np.float32) for _ in range(6)]
    queries = [rng.normal(size=32).astype(np.float32) for _ in range(6)]
    expected = [np.array([row @ q for row in m], dtype=np.float32) for m, q in zip(matrices, queries)]
    failures: List[str] = []

    def caller(n: int) -> None:
        for _ in range(30):
            got = blocked_dot.dot_rows(matrices[n], queries[n])
            if not np.allclose(got, expected[n], rtol=1e-5, atol=1e-5):
                failures.append(f"thread {n}")

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


def test_an_error_in_any_block_reaches_the_caller_and_helpers_survive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocked_dot, "BLOCKS", True)
    monkeypatch.setattr(blocked_dot, "BLOCK_BYTES", 16 * 4 * 10)
    monkeypatch.setattr(blocked_dot, "SHARE_BLOCKS", 1)
    rng = np.random.default_rng(12)
    rows = rng.normal(size=(1_000, 16)).astype(np.float32)
    query = rng.normal(size=16).astype(np.float32)
    for bad_block in (0, 50, 99):  # the caller's first block, or one a helper may take
        positions = np.arange(1_000, dtype=np.int64)
        positions[bad_block * 10] = 5_000
        with pytest.raises(IndexError):
            blocked_dot.dot_rows(rows, query, positions)
    assert np.allclose(blocked_dot.dot_rows(rows, query), rows.astype(np.float64) @ query, rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_its_own_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocked_dot, "BLOCKS", True)
    monkeypatch.setattr(blocked_dot, "SHARE_BLOCKS", 1)
    monkeypatch.setattr(blocked_dot, "BLOCK_BYTES", 8 * 4 * 10)
    rows = np.arange(800, dtype=np.float32).reshape(100, 8)
    query = np.ones(8, dtype=np.float32)
    blocked_dot.dot_rows(rows, query)  # the parent's helpers are running
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        ok = np.array_equal(blocked_dot.dot_rows(rows, query), rows.sum(axis=1))
        os._exit(0 if ok and blocked_dot._helpers is not None else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


@pytest.mark.parametrize(
    ("environ", "most"),
    [({}, blocked_dot.MAX_HELPERS), ({"SQLVEC_NUM_THREADS": "1"}, 0), ({"OMP_NUM_THREADS": "2"}, 1),
     ({"OPENBLAS_NUM_THREADS": "x", "MKL_NUM_THREADS": "0"}, blocked_dot.MAX_HELPERS)],
)  # fmt: skip
def test_thread_limits_from_the_environment_cap_the_helpers(
    monkeypatch: pytest.MonkeyPatch, environ: Dict[str, str], most: int
) -> None:
    for name in blocked_dot._THREAD_LIMITS:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    helpers = blocked_dot._Helpers()
    assert 0 <= helpers.count <= most
    if most == 0:
        # No helpers: the caller does every block itself.
        monkeypatch.setattr(blocked_dot, "_helpers", helpers)
        monkeypatch.setattr(blocked_dot, "BLOCKS", True)
        monkeypatch.setattr(blocked_dot, "SHARE_BLOCKS", 1)
        rows = np.ones((300, 4), dtype=np.float32)
        assert blocked_dot.dot_rows(rows, np.ones(4, dtype=np.float32)).tolist() == [4.0] * 300


@pytest.mark.parametrize(
    ("name", "version", "blocks"),
    [
        ("scipy-openblas", "0.3.31.188.0", True),
        ("openblas64", "0.3.26", True),
        ("openblas", "0.4.0", True),
        ("openblas64", "0.3.23.dev", False),  # splits products above 9,216 elements over every core
        ("mkl-sdl", "2023.1", False),
        ("accelerate", "", False),
        ("", "", False),
        ("openblas", "unknown", False),
    ],
)
def test_blocks_only_where_blas_keeps_a_block_on_one_thread(name: str, version: str, blocks: bool) -> None:
    assert blocked_dot.single_threaded_blocks(name, version) is blocks


@pytest.mark.parametrize("with_positions", [False, True])
def test_without_blocks_a_product_over_all_rows_is_one_call(
    monkeypatch: pytest.MonkeyPatch, with_positions: bool
) -> None:
    monkeypatch.setattr(blocked_dot, "BLOCKS", False)
    monkeypatch.setattr(blocked_dot, "BLOCK_BYTES", 16 * 4 * 10)
    calls: List[int] = []
    real_matmul = np.matmul

    def counting_matmul(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(args[0]))
        return real_matmul(*args, **kwargs)

    monkeypatch.setattr(vectors.np, "matmul", counting_matmul)
    rng = np.random.default_rng(13)
    rows = rng.normal(size=(1_000, 16)).astype(np.float32)
    query = rng.normal(size=16).astype(np.float32)
    positions = np.arange(0, 1_000, 2, dtype=np.int64) if with_positions else None
    got = blocked_dot.dot_rows(rows, query, positions)
    selected = rows if positions is None else rows[positions]
    assert np.allclose(got, selected.astype(np.float64) @ query, rtol=1e-5, atol=1e-5)
    # Gathering stays one block at a time, on the caller's thread.
    assert calls == ([10] * 50 if with_positions else [1_000])


def test_contiguous_rows_go_in_stacked_calls_of_several_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fewer numpy calls means fewer times a thread takes the GIL back from the event loop.
    monkeypatch.setattr(blocked_dot, "BLOCKS", True)
    monkeypatch.setattr(blocked_dot, "SHARE_BLOCKS", 10**9)  # the caller alone, calls in order
    monkeypatch.setattr(blocked_dot, "BLOCK_BYTES", 16 * 4 * 10)  # 10 rows per block
    calls: List[Tuple[int, ...]] = []
    real_matmul = np.matmul

    def recording_matmul(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0].shape[:-1])
        return real_matmul(*args, **kwargs)

    monkeypatch.setattr(vectors.np, "matmul", recording_matmul)
    rows = np.random.default_rng(14).normal(size=(1_005, 16)).astype(np.float32)
    query = np.ones(16, dtype=np.float32)
    got = blocked_dot.dot_rows(rows, query)
    assert np.allclose(got, rows.astype(np.float64).sum(axis=1), rtol=1e-5, atol=1e-5)
    per_call = blocked_dot.CHUNK_BLOCKS
    assert calls == [(per_call, 10)] * (1_000 // (10 * per_call)) + [(1_000 % (10 * per_call) // 10, 10), (5,)]
