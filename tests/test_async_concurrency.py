"""Concurrency of the async client: searches never stall the event loop; tasks share a store."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, List, Tuple, TypeVar

import numpy as np
import pytest

from sqlvec import AsyncEngine, AsyncVectorStore, Engine, HashEmbedding, VectorStore

try:  # see tests/conftest.py
    from tests.postgres_server import schema_url
except ImportError:
    from postgres_server import schema_url  # type: ignore[no-redef]

T = TypeVar("T")

N_VECTORS = 20_000
DIM = 128
N_SEARCHES = 100
# A correctness guard against blocking calls on the loop, not a benchmark. It measures what the
# loop does, not what the machine does: the CPU time of the event loop's own thread during the
# phase (time.thread_time, which a busy machine does not stretch the way it stretches wall
# time), against a control phase in the same run that does the same work on the loop on
# purpose. Work that runs off the loop (the SQLite worker, numpy in helper threads) does not
# count; a blocking call on the loop counts in full. The loop's own bookkeeping (100 tasks, a
# ticker every 2 ms) stays far below a quarter of the control's.
MAX_SHARE_OF_CONTROL = 0.25


async def ticker(stop: asyncio.Event, lags: List[float], period: float = 0.002) -> None:
    """Sleep in short steps and record how late each wake-up is (printed, not asserted)."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        start = loop.time()
        await asyncio.sleep(period)
        lags.append(loop.time() - start - period)


async def loop_cpu_of(work: Callable[[], Awaitable[T]]) -> Tuple[T, float, List[float]]:
    """Run `work` with a ticker beside it: its result, the loop thread's CPU seconds, the lags."""
    stop, lags = asyncio.Event(), []  # type: ignore[var-annotated]
    tick = asyncio.create_task(ticker(stop, lags))
    cpu = time.thread_time()
    result = await work()
    cpu = time.thread_time() - cpu
    stop.set()
    await tick
    return result, cpu, lags


@pytest.mark.asyncio
async def test_concurrent_searches_do_not_block_the_loop(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(N_VECTORS, DIM)).astype(np.float32)
    ids = [f"v{i}" for i in range(N_VECTORS)]
    queries = rng.normal(size=(N_SEARCHES, DIM)).astype(np.float32)
    async with AsyncEngine.from_url(f"sqlite:///{tmp_path / 'lag.db'}") as engine:
        await engine.ainit_vectorstore_table("big", vector_dimension=DIM, distance="l2")
        store = AsyncVectorStore(engine, HashEmbedding(DIM), "big")

        async def phase() -> List[Any]:
            # Writing and the first search (which loads the cache) run off the loop too.
            await store.aadd_embeddings(ids, matrix, ids=ids)
            return await asyncio.gather(
                *(store.asimilarity_search_with_score_by_vector(q.tolist(), k=5) for q in queries)
            )

        results, loop_cpu, lags = await loop_cpu_of(phase)

    # The control: the same writes and searches through the sync API, on the loop's thread.
    with Engine.from_url(f"sqlite:///{tmp_path / 'control.db'}") as sync_engine:
        sync_engine.init_vectorstore_table("big", vector_dimension=DIM, distance="l2")
        sync_store = VectorStore(sync_engine, HashEmbedding(DIM), "big")

        async def blocking_phase() -> None:
            sync_store.add_embeddings(ids, matrix, ids=ids)
            for q in queries:
                sync_store.similarity_search_with_score_by_vector(q.tolist(), k=5)

        _, control_cpu, _ = await loop_cpu_of(blocking_phase)

    assert len(lags) > 10
    print(
        f"loop thread CPU {loop_cpu * 1000:.0f} ms vs {control_cpu * 1000:.0f} ms when blocking on purpose;"
        f" max wall-clock lag {max(lags) * 1000:.1f} ms over {len(lags)} ticks"
    )
    assert loop_cpu < MAX_SHARE_OF_CONTROL * control_cpu, (
        f"the event loop's thread spent {loop_cpu * 1000:.0f} ms of CPU in the phase, "
        f"{loop_cpu / control_cpu:.0%} of the {control_cpu * 1000:.0f} ms it spends doing the work itself: "
        "something blocks the loop"
    )
    for query, hits in zip(queries[:5], results[:5]):
        want = np.argsort(np.linalg.norm(matrix - query, axis=1))[:5]
        assert [d.id for d, _ in hits] == [ids[i] for i in want]


@pytest.mark.asyncio
async def test_a_large_mmr_choice_runs_off_the_loop(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    dim = 512
    matrix = rng.normal(size=(3000, dim)).astype(np.float32)
    ids = [f"v{i}" for i in range(len(matrix))]
    queries = rng.normal(size=(2, dim)).astype(np.float32).tolist()
    # 2,000 candidates x k=200 x 512 dimensions: the choice outweighs reading the candidates,
    # and is far past OFFLOAD_MMR_WORK, so the async store hands it to a worker thread.
    async with AsyncEngine.from_url(f"sqlite:///{tmp_path / 'mmr.db'}") as engine:
        await engine.ainit_vectorstore_table("big", vector_dimension=dim)
        store = AsyncVectorStore(engine, HashEmbedding(dim), "big")
        await store.aadd_embeddings(ids, matrix, ids=ids)
        await store.asimilarity_search_by_vector(queries[0], k=1)  # loads the cache

        async def phase() -> List[Any]:
            return await asyncio.gather(
                *(store.amax_marginal_relevance_search_by_vector(q, k=200, fetch_k=2000) for q in queries)
            )

        results, loop_cpu, _ = await loop_cpu_of(phase)

    with Engine.from_url(f"sqlite:///{tmp_path / 'mmr.db'}") as sync_engine:
        sync_store = VectorStore(sync_engine, HashEmbedding(dim), "big")
        sync_store.similarity_search_by_vector(queries[0], k=1)

        async def blocking_phase() -> List[Any]:
            return [sync_store.max_marginal_relevance_search_by_vector(q, k=200, fetch_k=2000) for q in queries]

        control, control_cpu, _ = await loop_cpu_of(blocking_phase)

    assert results == control
    assert loop_cpu < MAX_SHARE_OF_CONTROL * control_cpu, (
        f"MMR: the loop's thread spent {loop_cpu * 1000:.0f} ms of CPU, vs {control_cpu * 1000:.0f} ms on purpose"
    )


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


async def longest_loop_step(work: Callable[[], Awaitable[T]]) -> Tuple[T, float, float]:
    """Run `work` beside a task that yields at every loop step: its result, the longest stretch of
    the loop thread's CPU time between two of that task's steps (what one step of `work` held the
    loop for), and the loop thread's CPU time in all."""
    stop = asyncio.Event()
    longest = [0.0]

    async def stepper() -> None:
        last = time.thread_time()
        while not stop.is_set():
            await asyncio.sleep(0)
            now = time.thread_time()
            longest[0] = max(longest[0], now - last)
            last = now

    task = asyncio.create_task(stepper())
    await asyncio.sleep(0)
    cpu = time.thread_time()
    result = await work()
    cpu = time.thread_time() - cpu
    stop.set()
    await task
    return result, longest[0], cpu


#: The longest loop step of a big add, as a share of all the loop's CPU time in it: one blocking
#: step held 13% of it (99-132 ms of 760-980 ms); prepared off the loop and sent in chunks, no
#: step holds more than a few percent.
MAX_STEP_SHARE = 0.05


@pytest.mark.asyncio
async def test_a_big_add_on_postgresql_holds_the_loop_in_short_steps(postgres_dsn: str) -> None:
    """20,000 rows with metadata in one aadd_embeddings: the loop keeps serving other tasks."""
    rng = np.random.default_rng(2)
    matrix = rng.normal(size=(N_VECTORS, DIM)).astype(np.float32)
    ids = [f"v{i}" for i in range(N_VECTORS)]
    metadatas = [{"n": i, "tags": ["a", "b"], "text": "x" * 40} for i in range(N_VECTORS)]
    with schema_url(postgres_dsn) as url:
        async with AsyncEngine.from_url(url) as engine:
            await engine.ainit_vectorstore_table("big", vector_dimension=DIM)
            store = AsyncVectorStore(engine, HashEmbedding(DIM), "big")
            await store.aadd_embeddings(ids[:10], matrix[:10], metadatas[:10], ids[:10])  # connects

            async def add() -> List[str]:
                return await store.aadd_embeddings(ids, matrix, metadatas, ids)

            added, longest, cpu = await longest_loop_step(add)
            assert added == ids and await store.acount() == N_VECTORS
    print(f"20,000-row add: longest loop step {longest * 1000:.1f} ms of CPU, {cpu * 1000:.0f} ms in all")
    assert longest < MAX_STEP_SHARE * cpu, (
        f"one loop step held the loop for {longest * 1000:.0f} ms of the {cpu * 1000:.0f} ms of CPU the add used"
    )
