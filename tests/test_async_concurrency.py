"""Concurrency of the async client: searches never stall the event loop; tasks share a store."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import List

import numpy as np
import pytest

from sqlvec import AsyncEngine, AsyncVectorStore, HashEmbedding

N_VECTORS = 20_000
DIM = 128
N_SEARCHES = 100
# A correctness guard against blocking calls on the loop, not a benchmark. Writing 20,000
# vectors is most of the phase measured below: run on the loop, it would stall the loop for
# a large share of the phase. The bound is a share of the phase's own duration, so a machine
# that is slow or busy (which stretches both) does not turn the guard into a false alarm.
MAX_LAG_SHARE = 0.2
MIN_LAG_BOUND = 0.25


async def ticker(stop: asyncio.Event, lags: List[float], period: float = 0.002) -> None:
    """Sleep in short steps and record how late each wake-up is."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        start = loop.time()
        await asyncio.sleep(period)
        lags.append(loop.time() - start - period)


@pytest.mark.asyncio
async def test_concurrent_searches_do_not_block_the_loop(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(N_VECTORS, DIM)).astype(np.float32)
    ids = [f"v{i}" for i in range(N_VECTORS)]
    async with AsyncEngine.from_url(f"sqlite:///{tmp_path / 'lag.db'}") as engine:
        await engine.ainit_vectorstore_table("big", vector_dimension=DIM, distance="l2")
        store = AsyncVectorStore(engine, HashEmbedding(DIM), "big")
        stop, lags = asyncio.Event(), []  # type: ignore[var-annotated]
        tick = asyncio.create_task(ticker(stop, lags))
        started = asyncio.get_running_loop().time()
        # Writing and the first search (which loads the cache) run off the loop too.
        await store.aadd_embeddings(ids, matrix, ids=ids)
        queries = rng.normal(size=(N_SEARCHES, DIM)).astype(np.float32)
        results = await asyncio.gather(
            *(store.asimilarity_search_with_score_by_vector(q.tolist(), k=5) for q in queries)
        )
        phase = asyncio.get_running_loop().time() - started
        stop.set()
        await tick
    assert len(lags) > 10
    bound = max(MIN_LAG_BOUND, MAX_LAG_SHARE * phase)
    print(f"max loop lag {max(lags) * 1000:.1f} ms over {len(lags)} ticks in a {phase:.2f} s phase")
    assert max(lags) < bound, f"event loop stalled for {max(lags) * 1000:.0f} ms of a {phase:.2f} s phase"
    for query, hits in zip(queries[:5], results[:5]):
        want = np.argsort(np.linalg.norm(matrix - query, axis=1))[:5]
        assert [d.id for d, _ in hits] == [ids[i] for i in want]


@pytest.mark.asyncio
async def test_tasks_share_one_store(tmp_path: Path) -> None:
    async with AsyncEngine.from_url(f"sqlite:///{tmp_path / 'tasks.db'}") as engine:
        await engine.ainit_vectorstore_table("docs", vector_dimension=32)
        store = AsyncVectorStore(engine, HashEmbedding(32), "docs")

        async def worker(n: int) -> None:
            ids = [f"w{n}-{i}" for i in range(10)]
            await store.aadd_texts([f"worker{n} item{i}" for i in range(10)], ids=ids)
            found = await store.aget_by_ids(ids)
            assert [d.id for d in found] == ids
            hits = await store.asimilarity_search(f"worker{n} item3", k=1)
            assert hits[0].id == f"w{n}-3"
            assert await store.adelete(ids[:5]) == 5
            assert await store.acount({"$not": {"x": 1}}) >= 5

        await asyncio.gather(*(worker(n) for n in range(50)))
        assert await store.acount() == 50 * 5
        seen = [d.id async for d in store.aiter_documents(batch_size=7)]
        assert len(seen) == len(set(seen)) == 250


@pytest.mark.asyncio
async def test_a_cancelled_search_leaves_the_engine_usable(tmp_path: Path) -> None:
    async with AsyncEngine.from_url(f"sqlite:///{tmp_path / 'cancel.db'}") as engine:
        await engine.ainit_vectorstore_table("docs", vector_dimension=16)
        store = AsyncVectorStore(engine, HashEmbedding(16), "docs")
        await store.aadd_texts([f"text {i}" for i in range(500)])
        tasks = [asyncio.create_task(store.asimilarity_search("text 1")) for _ in range(20)]
        await asyncio.sleep(0)
        for task in tasks[::2]:
            task.cancel()
        done = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(r, (list, asyncio.CancelledError)) for r in done)
        assert await store.acount() == 500


@pytest.mark.asyncio
async def test_closing_the_engine_while_tasks_wait(tmp_path: Path) -> None:
    engine = AsyncEngine.from_url(f"sqlite:///{tmp_path / 'close.db'}")
    await engine.ainit_vectorstore_table("docs", vector_dimension=16)
    store = AsyncVectorStore(engine, HashEmbedding(16), "docs")
    await store.aadd_texts(["a", "b"])
    pending = [asyncio.create_task(store.acount()) for _ in range(10)]
    await asyncio.sleep(0)
    await engine.aclose()
    # Operations queued before close finish; none is left hanging.
    counts = await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 10)
    assert all(c == 2 or isinstance(c, Exception) for c in counts)


@pytest.mark.asyncio
async def test_a_quick_result_is_not_held_back_behind_slow_jobs() -> None:
    # The SQLite driver's worker hands results back in batches; a batch is cut short after a
    # couple of milliseconds, so a result that is ready does not wait for every job queued after it.
    from sqlvec._drivers.sqlite import _Worker

    worker = _Worker("test-worker")
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        quick = worker.submit(lambda: "quick", ())
        slow = [worker.submit(time.sleep, (0.1,)) for _ in range(5)]
        assert await quick == "quick"
        waited = loop.time() - started
        await asyncio.gather(*slow)
        assert waited < 0.35, f"the quick result waited {waited:.2f} s for the slow jobs queued after it"
    finally:
        worker.stop()
