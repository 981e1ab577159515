"""Benchmark sqlvec on embedded SQLite: sync per-call cost, exact search latency, async small-read throughput.

Run: python bench/bench_sqlite.py [--rounds N] [--quick]
Everything runs in this process against SQLite files in a temporary directory; every loop
is bounded and the works of each part take turns in every round (rotating order), so that
whatever else the machine does lands on all of them alike. Figures are medians.

1. Per-call cost, one caller, `get_by_ids([one id])`: the generated sync VectorStore against
   the same work written by hand with sqlite3 (same connection settings, the same primary-key
   SELECT, the same row-to-Document step), and against two common sync facades over
   AsyncVectorStore: one driving it on an event loop in a background thread
   (`run_coroutine_threadsafe(...).result()`), one calling `asyncio.run` per call (a new loop
   per call, created, run and closed; the engine stays open across calls, which our driver
   allows and which favours it; the targets are checked against this one). For reference, also
   `asyncio.run` per call with the engine opened and closed in it, as loop-bound drivers need.
2. Exact search latency (k=4, cosine, dimension 384, warm cache) at 10k and 100k vectors,
   one query at a time, through the sync and the async API: median and p90 per query.
3. Async throughput of `aget_by_ids([one id])` with 1, 10 and 100 concurrent tasks, against
   the sync API called sequentially, with the event loop's lag measured meanwhile by a ticker.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, TypeVar

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from common import BackgroundLoopStore, table  # noqa: E402 - after the sys.path set-up above

from sqlvec._async import AsyncEngine, AsyncVectorStore  # noqa: E402
from sqlvec._sync import Engine, VectorStore  # noqa: E402
from sqlvec.documents import Document  # noqa: E402
from sqlvec.embeddings import HashEmbedding  # noqa: E402

T = TypeVar("T")
DIM = 384
K = 4
SMALL = "bench_10k"
LARGE = "bench_100k"
TICK = 0.001  # the lag ticker's period, seconds


# -- measurement helpers -----------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of values."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(np.ceil(share * len(ordered))) - 1))
    return ordered[index]


def interleaved(works: Dict[str, Callable[[], None]], rounds: int) -> Dict[str, List[float]]:
    """Seconds per round of each work, the works taking turns in every round (rotating order).

    Garbage left by one work is collected before the next one is timed, not inside it.
    """
    names = list(works)
    samples: Dict[str, List[float]] = {name: [] for name in names}
    for name in names:
        works[name]()  # warm-up: statements, caches, threads
    for round_ in range(rounds):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in order:
            gc.collect()
            started = time.perf_counter()
            works[name]()
            samples[name].append(time.perf_counter() - started)
    return samples


def ratio(samples: Dict[str, List[float]], name: str, base: str) -> float:
    """Median over rounds of name's time / base's time in the same round (paired: both saw that round's machine)."""
    return statistics.median(a / b for a, b in zip(samples[name], samples[base]))


def verdict(ok: bool) -> str:
    """How a target reads in a table."""
    return "met" if ok else "NOT MET"


# -- the implementations compared --------------------------------------------------------------


class HandWritten:
    """get_by_ids written directly with sqlite3, as the driver does it: same settings, SQL, Document."""

    def __init__(self, path: str, table: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.sql = f'SELECT id, content, metadata FROM "{table}" WHERE id = ?'

    def get_by_ids(self, ids: List[str]) -> List[Document]:
        """The documents with these ids (one id: one primary-key lookup)."""
        out = []
        for id_ in ids:
            row = self.conn.execute(self.sql, (id_,)).fetchone()
            if row is not None:
                out.append(Document(row[1], json.loads(row[2]), row[0]))
        return out

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


class AsyncioRunStore:
    """The other common sync facade: `asyncio.run(store.aget_by_ids(...))` on every call.

    Each call creates an event loop, runs the coroutine, shuts down async generators and the
    default executor and closes the loop. The engine (its connection and worker thread) is
    opened once and kept across calls, which our driver allows; drivers whose connections are
    bound to one loop would have to reconnect on every call as well.
    """

    def __init__(self, url: str, table: str) -> None:
        self.engine = AsyncEngine.from_url(url)
        self.store = AsyncVectorStore(self.engine, HashEmbedding(DIM), collection_name=table)

    def get_by_ids(self, ids: List[str]) -> List[Document]:
        """Fetch by id on a fresh event loop."""
        return asyncio.run(self.store.aget_by_ids(ids))

    def close(self) -> None:
        """Close the engine."""
        asyncio.run(self.engine.aclose())


class AsyncioRunConnectStore:
    """`asyncio.run` per call with the engine opened and closed inside it, as drivers bound to one loop need."""

    def __init__(self, url: str, table: str) -> None:
        self.url = url
        self.table = table

    async def _get(self, ids: List[str]) -> List[Document]:
        async with AsyncEngine.from_url(self.url) as engine:
            store = AsyncVectorStore(engine, HashEmbedding(DIM), collection_name=self.table)
            return await store.aget_by_ids(ids)

    def get_by_ids(self, ids: List[str]) -> List[Document]:
        """Connect, fetch by id and close, on a fresh event loop."""
        return asyncio.run(self._get(ids))

    def close(self) -> None:
        """Nothing stays open."""


# -- data --------------------------------------------------------------------------------------


def unit_rows(rng: np.random.Generator, count: int) -> np.ndarray:
    """count random unit vectors of dimension DIM, float32."""
    rows = rng.standard_normal((count, DIM)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def populate(url: str, table: str, count: int, rng: np.random.Generator) -> np.ndarray:
    """Create `table` with `count` documents (ids doc0...); return their vectors."""
    vectors = unit_rows(rng, count)
    with Engine.from_url(url) as engine:
        engine.init_vectorstore_table(table, vector_dimension=DIM, distance="cosine")
        store = VectorStore(engine, HashEmbedding(DIM), collection_name=table)
        for start in range(0, count, 10_000):
            end = min(count, start + 10_000)
            store.add_embeddings(
                [f"document {i}: some text of a typical short passage" for i in range(start, end)],
                vectors[start:end],  # type: ignore[arg-type]
                metadatas=[{"i": i, "source": "bench", "tags": ["a", "b"]} for i in range(start, end)],
                ids=[f"doc{i}" for i in range(start, end)],
            )
    return vectors


# -- 1. per-call cost --------------------------------------------------------------------------


def per_call(url: str, path: str, rounds: int, calls: int) -> None:
    """Median microseconds per get_by_ids([one id]) call, one caller."""
    engine = Engine.from_url(url)
    generated = VectorStore(engine, HashEmbedding(DIM), collection_name=SMALL)
    hand = HandWritten(path, SMALL)
    background = BackgroundLoopStore(url, SMALL, DIM)
    per_run = AsyncioRunStore(url, SMALL)
    per_run_connect = AsyncioRunConnectStore(url, SMALL)
    impls: Dict[str, Any] = {
        "generated sync VectorStore": generated,
        "hand-written sqlite3": hand,
        "background event loop facade": background,
        "asyncio.run per call facade": per_run,
        "asyncio.run per call, engine opened per call": per_run_connect,
    }
    ids = [f"doc{(i * 7919) % 10_000}" for i in range(calls)]
    try:
        for name, impl in impls.items():
            got = impl.get_by_ids([ids[1]])
            assert got == hand.get_by_ids([ids[1]]) and got[0].id == ids[1], name
        works: Dict[str, Callable[[], None]] = {}
        for name, impl in impls.items():

            def work(get: Callable[[List[str]], List[Document]] = impl.get_by_ids) -> None:
                for id_ in ids:
                    get([id_])

            works[name] = work
        samples = interleaved(works, rounds)
    finally:
        per_run_connect.close()
        per_run.close()
        background.close()
        hand.close()
        engine.close()
    gen, hand_name = "generated sync VectorStore", "hand-written sqlite3"
    table(
        f"1. Per-call cost, one caller: get_by_ids([one id]) on {SMALL}, {calls} calls x {rounds} rounds; "
        "medians, ratios paired by round",
        ["implementation", "us per call", "vs hand-written", "vs generated"],
        [
            [
                name,
                f"{statistics.median(times) / calls * 1e6:.1f}",
                f"{ratio(samples, name, hand_name):.2f}x",
                f"{ratio(samples, name, gen):.1f}x",
            ]
            for name, times in samples.items()
        ],
    )
    ratio_hand = ratio(samples, gen, hand_name)
    ratio_bg = ratio(samples, "background event loop facade", gen)
    ratio_run = ratio(samples, "asyncio.run per call facade", gen)
    table(
        "   targets",
        ["target", "measured", "verdict"],
        [
            ["generated within 1.3x of hand-written", f"{ratio_hand:.2f}x", verdict(ratio_hand <= 1.3)],
            ["generated >= 4x faster than background loop", f"{ratio_bg:.1f}x", verdict(ratio_bg >= 4)],
            ["generated >= 6x faster than asyncio.run per call", f"{ratio_run:.1f}x", verdict(ratio_run >= 6)],
        ],
    )


# -- 2. search latency -------------------------------------------------------------------------


async def ticker(stop: asyncio.Event, lags: List[float]) -> None:
    """Sleep TICK at a time and record how late each wake-up is."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        start = loop.time()
        await asyncio.sleep(TICK)
        lags.append(loop.time() - start - TICK)


def query_latencies(
    loop: asyncio.AbstractEventLoop,
    store: VectorStore,
    astore: AsyncVectorStore,
    queries: List[List[float]],
    rounds: int,
) -> Dict[str, List[float]]:
    """Seconds per query of each API (rounds taking turns, warm-up left out) and the loop's "lag" meanwhile."""
    latencies: Dict[str, List[float]] = {"sync": [], "async": []}
    lag_runs: List[List[float]] = []

    def sync_round() -> None:
        for q in queries:
            started = time.perf_counter()
            store.similarity_search_by_vector(q, k=K)
            latencies["sync"].append(time.perf_counter() - started)

    async def async_queries() -> None:
        stop = asyncio.Event()
        lag_runs.append([])
        tick = asyncio.ensure_future(ticker(stop, lag_runs[-1]))
        for q in queries:
            started = time.perf_counter()
            await astore.asimilarity_search_by_vector(q, k=K)
            latencies["async"].append(time.perf_counter() - started)
        stop.set()
        await tick

    def async_round() -> None:
        loop.run_until_complete(async_queries())

    interleaved({"sync": sync_round, "async": async_round}, rounds)
    found = {mode: times[len(queries) :] for mode, times in latencies.items()}
    found["lag"] = [lag for run in lag_runs[1:] for lag in run]
    return found


def search_latency(url: str, tables: Dict[str, np.ndarray], rounds: int, per_round: int) -> None:
    """Per-query latency of exact k-NN search, sync and async, warm cache."""
    rng = np.random.default_rng(7)
    queries: List[List[float]] = unit_rows(rng, per_round).tolist()
    loop = asyncio.new_event_loop()
    engine = Engine.from_url(url)
    aengine = AsyncEngine.from_url(url)
    rows = []
    try:
        for name, vectors in tables.items():
            store = VectorStore(engine, HashEmbedding(DIM), collection_name=name)
            astore = AsyncVectorStore(aengine, HashEmbedding(DIM), collection_name=name)
            # Correctness first: the same ids as a brute-force search in float64.
            want = np.argsort(-(vectors.astype(np.float64) @ np.asarray(queries[0], dtype=np.float64)))[:K]
            got_sync = [d.id for d in store.similarity_search_by_vector(queries[0], k=K)]
            got_async = [d.id for d in loop.run_until_complete(astore.asimilarity_search_by_vector(queries[0], k=K))]
            assert got_sync == got_async == [f"doc{i}" for i in want], (got_sync, got_async, want)
            latencies = query_latencies(loop, store, astore, queries, rounds)
            for mode in ("sync", "async"):
                samples = latencies[mode]
                med, p90 = statistics.median(samples) * 1e3, percentile(samples, 0.9) * 1e3
                target = verdict(med < 15) if len(vectors) >= 100_000 else ""
                lag = [x * 1e3 for x in latencies["lag"]]
                lags = f"{percentile(lag, 0.99):.2f} / {max(lag):.2f}" if mode == "async" else ""
                rows.append([f"{len(vectors):,}", mode, f"{med:.2f}", f"{p90:.2f}", target, lags])
    finally:
        loop.run_until_complete(aengine.aclose())
        loop.close()
        engine.close()
    table(
        f"2. Exact search latency, k={K}, cosine, dimension {DIM}, warm cache, one query at a time, "
        f"{per_round} queries x {rounds} rounds",
        ["vectors", "API", "median ms", "p90 ms", "100k target: median < 15 ms", "loop lag p99 / max ms"],
        rows,
    )


# -- 3. async throughput of small reads --------------------------------------------------------


def throughput(url: str, rounds: int, reads: int) -> None:
    """Reads per second of get_by_ids([one id]): sync sequential, async with 1/10/100 tasks."""
    ids = [f"doc{(i * 7919) % 10_000}" for i in range(reads)]
    engine = Engine.from_url(url)
    store = VectorStore(engine, HashEmbedding(DIM), collection_name=SMALL)
    loop = asyncio.new_event_loop()
    aengine = AsyncEngine.from_url(url)
    astore = AsyncVectorStore(aengine, HashEmbedding(DIM), collection_name=SMALL)
    lag_runs: Dict[int, List[List[float]]] = {1: [], 10: [], 100: []}

    def sync_sequential() -> None:
        for id_ in ids:
            store.get_by_ids([id_])

    async def concurrent(tasks: int) -> None:
        async def worker(chunk: List[str]) -> None:
            for id_ in chunk:
                await astore.aget_by_ids([id_])

        stop = asyncio.Event()
        lag_runs[tasks].append([])
        tick = asyncio.ensure_future(ticker(stop, lag_runs[tasks][-1]))
        await asyncio.sleep(0)  # the ticker is running before the reads start
        await asyncio.gather(*(worker(ids[j::tasks]) for j in range(tasks)))
        stop.set()
        await tick

    works: Dict[str, Callable[[], None]] = {"sync, sequential": sync_sequential}
    for tasks in lag_runs:
        works[f"async, {tasks} task{'s' if tasks > 1 else ''}"] = (
            lambda tasks=tasks: loop.run_until_complete(concurrent(tasks))  # type: ignore[misc]
        )
    try:
        samples = interleaved(works, rounds)
    finally:
        loop.run_until_complete(aengine.aclose())
        loop.close()
        engine.close()
    # The warm-up run (first connection, first statements) is left out.
    lags = {tasks: [lag for run in runs[1:] for lag in run] for tasks, runs in lag_runs.items()}
    base = "sync, sequential"
    rows = []
    for name, times in samples.items():
        # Throughput ratio = inverse time ratio, paired by round.
        row = [name, f"{reads / statistics.median(times):,.0f}", f"{1 / ratio(samples, name, base):.2f}x"]
        if name.startswith("async"):
            lag = [x * 1e3 for x in lags[int(name.split()[1])]]
            row += [f"{percentile(lag, 0.5):.2f}", f"{percentile(lag, 0.99):.2f}", f"{max(lag):.2f}"]
        else:
            row += ["", "", ""]
        rows.append(row)
    table(
        f"3. Small reads, get_by_ids([one id]) on {SMALL}, {reads} reads x {rounds} rounds; medians, ratios paired "
        f"by round; loop lag of a {TICK * 1e3:g} ms ticker over the timed rounds",
        ["mode", "reads/s", "vs sync sequential", "lag p50 ms", "lag p99 ms", "lag max ms"],
        rows,
    )
    lag100 = [x * 1e3 for x in lags[100]]
    speed = 1 / ratio(samples, "async, 100 tasks", base)
    p99 = percentile(lag100, 0.99)
    table(
        "   targets",
        ["target", "measured", "verdict"],
        [
            ["async, 100 tasks >= 0.5x of sync sequential", f"{speed:.2f}x", verdict(speed >= 0.5)],
            ["p99 loop lag < 10 ms (100 tasks)", f"{p99:.2f} ms", verdict(p99 < 10)],
        ],
    )


# -- main --------------------------------------------------------------------------------------


def main(argv: Optional[List[str]] = None) -> int:
    """Populate the collections, then run the three parts and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, help="timed rounds per figure (median); 9, or 5 with --quick")
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run (still 10k and 100k vectors)")
    args = parser.parse_args(argv)
    rounds = max(1, args.rounds or (5 if args.quick else 9))
    calls, per_query_round, reads = (500, 10, 1000) if args.quick else (2000, 25, 5000)
    with open("/proc/loadavg") if os.path.exists("/proc/loadavg") else open(os.devnull) as f:
        load = f.read().split()[:3]
    print(
        f"sqlvec on embedded SQLite; Python {sys.version.split()[0]}, numpy {np.__version__}, "
        f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, load average {' '.join(load) or 'n/a'}"
    )
    with tempfile.TemporaryDirectory(prefix="sqlvec-bench-") as tmp:
        path = str(Path(tmp) / "bench.db")
        url = f"sqlite:///{path}"
        rng = np.random.default_rng(42)
        started = time.perf_counter()
        tables: Dict[str, np.ndarray] = {}
        for name, count in ((SMALL, 10_000), (LARGE, 100_000)):
            tables[name] = populate(url, name, count, rng)
        print(f"populated {SMALL} and {LARGE} in {time.perf_counter() - started:.1f}s")
        per_call(url, path, rounds, calls)
        search_latency(url, tables, rounds, per_query_round)
        throughput(url, rounds, reads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
