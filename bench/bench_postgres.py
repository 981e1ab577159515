"""Benchmark sqlvec on PostgreSQL: async concurrency against sync, and sync per-call overhead.

Run: python bench/bench_postgres.py [--rounds N] [--quick]
Starts a throwaway PostgreSQL + pgvector server on loopback (or uses $SQLVEC_TEST_POSTGRES_DSN).
All traffic stays on this machine; every loop is bounded.

1. Throughput of 100 similarity searches: AsyncVectorStore with 100 concurrent tasks on a pool
   of 10, against the generated sync VectorStore called sequentially and from 10 threads.
   Twice: straight to the server on loopback (the server's CPU is the limit: 2 cores here), and
   through a loopback proxy that delays each direction by --latency-ms / 2, standing for a
   server across a network, where searches wait on the server rather than on a local CPU.
2. Per-call cost, one caller, straight to the server: the generated sync API against the same
   work written by hand with psycopg (same SQL, same row-to-Document step), and against a sync
   facade that runs the async store on a background event loop thread.
3. `--case indexed` (only this part): per-call cost of a search on an HNSW-indexed table, the
   generated sync API (which raises hnsw.ef_search for its request only) against hand-written
   psycopg running the bare SELECT on the same table, and against the same search unindexed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, TypeVar

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import psycopg  # noqa: E402
from common import BackgroundLoopStore, table  # noqa: E402 - after the sys.path set-up above
from pgvector.psycopg import register_vector  # noqa: E402
from psycopg_pool import ConnectionPool  # noqa: E402

from sqlvec._async import AsyncEngine, AsyncVectorStore  # noqa: E402
from sqlvec._sync import Engine, VectorStore  # noqa: E402
from sqlvec.documents import Document  # noqa: E402
from sqlvec.embeddings import HashEmbedding  # noqa: E402

T = TypeVar("T")
TABLE = "bench_docs"
SEARCHES = 100
POOL = 10


# -- a loopback proxy that adds latency, run in its own process ---------------------------------


async def _proxy_main(listen_port: int, target_port: int, one_way: float) -> None:
    loop = asyncio.get_running_loop()

    async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[Tuple[float, bytes]] = asyncio.Queue()

        async def read() -> None:
            while True:
                data = await reader.read(65536)
                queue.put_nowait((loop.time() + one_way, data))
                if not data:
                    return

        async def write() -> None:
            while True:
                due, data = await queue.get()
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if not data:
                    writer.close()
                    return
                writer.write(data)
                await writer.drain()

        try:
            await asyncio.gather(read(), write())
        except (ConnectionError, OSError):
            writer.close()

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", target_port)
        await asyncio.gather(pump(client_r, server_w), pump(server_r, client_w))

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


class LatencyProxy:
    """A child process forwarding 127.0.0.1:port to the server with a delay each way."""

    def __init__(self, target_port: int, latency_ms: float) -> None:
        from postgres_server import free_port

        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--proxy", str(self.port), str(target_port),
             str(latency_ms / 2000.0)],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"

    def close(self) -> None:
        """Stop the proxy process."""
        self.process.terminate()
        self.process.wait(10)


# -- measurement helpers -----------------------------------------------------------------------


def median_time(run: Callable[[], object], rounds: int) -> float:
    """Median wall time of `run()` over `rounds` rounds, after one warm-up round."""
    run()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def interleaved(works: Dict[str, Callable[[], None]], rounds: int, calls: int) -> Dict[str, float]:
    """Median microseconds per call of each work, the works taking turns in every round.

    Taking turns (in a rotating order) spreads whatever else the machine is doing over all
    of them, instead of letting it land on whichever happened to run at that moment.
    """
    names = list(works)
    samples: Dict[str, List[float]] = {name: [] for name in names}
    for name in names:
        works[name]()  # warm-up: prepared statements, pool, caches
    for round_ in range(rounds):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in order:
            started = time.perf_counter()
            works[name]()
            samples[name].append((time.perf_counter() - started) / calls * 1e6)
    return {name: statistics.median(samples[name]) for name in names}


class HandWritten:
    """The same work written directly with psycopg: same SQL, same row-to-Document step."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)
        register_vector(self.conn)

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """The one connection."""
        yield self.conn

    def similarity_search_by_vector(self, vector: List[float], k: int) -> List[Document]:
        """Cosine top-k."""
        query = np.asarray(vector, dtype=np.float32)
        with self.connection() as conn:
            rows = conn.execute(
                f'SELECT id, content, metadata, embedding <=> %b AS distance, tableoid::int8 FROM "{TABLE}" '
                "WHERE TRUE ORDER BY distance LIMIT %s",
                [query, k],
                binary=True,
            ).fetchall()
        return [Document(page_content=r[1], metadata=r[2], id=r[0]) for r in rows]

    def get_by_ids(self, ids: List[str]) -> List[Document]:
        """Primary-key lookup, in the order asked."""
        with self.connection() as conn:
            rows = conn.execute(f'SELECT id, content, metadata FROM "{TABLE}" WHERE id = ANY(%s)', [ids]).fetchall()
        found = {r[0]: Document(page_content=r[1], metadata=r[2], id=r[0]) for r in rows}
        return [found[i] for i in ids if i in found]

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


class HandWrittenPooled(HandWritten):
    """The same hand-written work, taking its connection from a psycopg_pool.ConnectionPool."""

    def __init__(self, dsn: str) -> None:
        super().__init__(dsn)
        self.pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            dsn, min_size=1, max_size=1, kwargs={"autocommit": True}, configure=register_vector, open=True
        )
        self.pool.wait()

    def connection(self) -> Any:
        """A pooled connection."""
        return self.pool.connection()

    def close(self) -> None:
        """Close the pool and the connection."""
        self.pool.close()
        super().close()


# -- the benchmark -----------------------------------------------------------------------------


def populate(url: str, rows: int, dim: int) -> List[List[float]]:
    """Create the table with `rows` random unit vectors; return a few query vectors."""
    rng = np.random.default_rng(42)
    vectors = rng.standard_normal((rows, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    with Engine.from_url(url) as engine:
        engine.drop_table(TABLE)
        engine.init_vectorstore_table(TABLE, vector_dimension=dim, distance="cosine")
        store = VectorStore(engine, HashEmbedding(dim), collection_name=TABLE)
        for start in range(0, rows, 5000):
            end = min(rows, start + 5000)
            store.add_embeddings(
                [f"document {i}" for i in range(start, end)],
                vectors[start:end].tolist(),
                metadatas=[{"i": i} for i in range(start, end)],
                ids=[f"doc{i}" for i in range(start, end)],
            )
    queries: List[List[float]] = rng.standard_normal((SEARCHES, dim)).astype(np.float32).tolist()
    return queries


def throughput(url: str, queries: List[List[float]], dim: int, rounds: int) -> Dict[str, float]:
    """Median seconds for 100 searches: async concurrent, sync sequential, sync 10 threads."""
    pooled = f"{url}{'&' if '?' in url else '?'}min_size={POOL}&max_size={POOL}"
    results: Dict[str, float] = {}

    async def run_async() -> float:
        async with AsyncEngine.from_url(pooled) as engine:
            store = AsyncVectorStore(engine, HashEmbedding(dim), collection_name=TABLE)

            async def batch() -> None:
                await asyncio.gather(*(store.asimilarity_search_by_vector(q, k=10) for q in queries))

            await batch()  # warm-up: opens the pool's connections
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                await batch()
                times.append(time.perf_counter() - started)
            return statistics.median(times)

    results["async, 100 tasks, pool 10"] = asyncio.run(run_async())
    with Engine.from_url(pooled) as engine:
        store = VectorStore(engine, HashEmbedding(dim), collection_name=TABLE)

        def sequential() -> None:
            for q in queries:
                store.similarity_search_by_vector(q, k=10)

        results["sync, sequential"] = median_time(sequential, rounds)
        with ThreadPoolExecutor(POOL) as executor:

            def threaded() -> None:
                list(executor.map(lambda q: store.similarity_search_by_vector(q, k=10), queries))

            results["sync, 10 threads, pool 10"] = median_time(threaded, rounds)
    return results


def per_call(url: str, dsn: str, queries: List[List[float]], dim: int, rounds: int, calls: int) -> None:
    """Median microseconds per call for the sync API and its alternatives."""
    single = f"{url}{'&' if '?' in url else '?'}min_size=1&max_size=1"
    engine = Engine.from_url(single)
    generated = VectorStore(engine, HashEmbedding(dim), collection_name=TABLE)
    hand = HandWritten(dsn)
    pooled = HandWrittenPooled(dsn)
    facade = BackgroundLoopStore(single, TABLE, dim)
    impls: List[Tuple[str, Any]] = [
        ("generated sync VectorStore", generated),
        ("hand-written psycopg", hand),
        ("hand-written psycopg + psycopg_pool", pooled),
        ("background event loop facade", facade),
    ]
    ids = [f"doc{i}" for i in range(calls)]
    try:
        expected = [d.id for d in hand.similarity_search_by_vector(queries[0], 4)]
        for name, impl in impls:
            got = [d.id for d in impl.similarity_search_by_vector(queries[0], k=4)]
            assert got == expected, (name, got, expected)
        for op in ("similarity_search_by_vector (k=4)", "get_by_ids (one id)"):
            works: Dict[str, Callable[[], None]] = {}
            for name, impl in impls:
                if op.startswith("similarity"):

                    def work(impl: Any = impl) -> None:
                        for i in range(calls):
                            impl.similarity_search_by_vector(queries[i % len(queries)], k=4)
                else:

                    def work(impl: Any = impl) -> None:
                        for i in range(calls):
                            impl.get_by_ids([ids[i]])

                works[name] = work
            figures = interleaved(works, rounds, calls)
            base = figures["hand-written psycopg"]
            table(
                f"Per-call cost, one caller: {op}, {calls} calls x {rounds} rounds, median",
                ["implementation", "us per call", "vs hand-written"],
                [[name, f"{us:.1f}", f"{us / base:.2f}x"] for name, us in figures.items()],
            )
    finally:
        facade.close()
        pooled.close()
        hand.close()
        engine.close()


def indexed_per_call(dsn: str, queries: List[List[float]], dim: int, rounds: int, calls: int) -> None:
    """Median microseconds per search on an HNSW-indexed table: generated sync API against hand-written psycopg."""
    single = f"{dsn}{'&' if '?' in dsn else '?'}min_size=1&max_size=1"
    hand = HandWritten(dsn)
    try:
        with Engine.from_url(single) as engine:
            store = VectorStore(engine, HashEmbedding(dim), collection_name=TABLE)

            def generated() -> None:
                for i in range(calls):
                    store.similarity_search_by_vector(queries[i % len(queries)], k=4)

            def handwritten() -> None:
                for i in range(calls):
                    hand.similarity_search_by_vector(queries[i % len(queries)], 4)

            unindexed = interleaved({"generated": generated, "hand": handwritten}, rounds, calls)
            # ef_search=40 is pgvector's default: the hand-written SELECT gets the same search.
            store.apply_vector_index("hnsw", m=16, ef_construction=64, ef_search=40)
            try:
                indexed = interleaved({"generated": generated, "hand": handwritten}, rounds, calls)
            finally:
                store.drop_vector_index()
    finally:
        hand.close()
    base = indexed["hand"]
    table(
        f"Per-call cost, one caller: similarity_search_by_vector (k=4), {calls} calls x {rounds} rounds, median",
        ["implementation", "us per call", "vs hand-written, indexed"],
        [
            [
                "generated sync VectorStore, HNSW index",
                f"{indexed['generated']:.1f}",
                f"{indexed['generated'] / base:.2f}x",
            ],
            ["hand-written psycopg, HNSW index", f"{base:.1f}", "1.00x"],
            [
                "generated sync VectorStore, no index",
                f"{unindexed['generated']:.1f}",
                f"{unindexed['generated'] / base:.2f}x",
            ],
            ["hand-written psycopg, no index", f"{unindexed['hand']:.1f}", f"{unindexed['hand'] / base:.2f}x"],
        ],
    )


def main(argv: Optional[List[str]] = None) -> int:
    """Run both parts and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds per figure (median)")
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    parser.add_argument("--rows", type=int, default=10_000, help="vectors in the table")
    parser.add_argument("--dim", type=int, default=128, help="vector dimension")
    parser.add_argument("--calls", type=int, default=500, help="calls per per-call round")
    parser.add_argument("--latency-ms", type=float, default=10.0, help="proxy round-trip delay")
    parser.add_argument("--proxy", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--case", choices=["all", "indexed"], default="all", help="run only one part")
    args = parser.parse_args(argv)
    if args.proxy:
        asyncio.run(_proxy_main(int(args.proxy[0]), int(args.proxy[1]), float(args.proxy[2])))
        return 0
    if args.quick:
        args.rounds, args.rows, args.calls = 3, 5_000, 200

    from postgres_server import start_server

    server = None
    dsn = os.environ.get("SQLVEC_TEST_POSTGRES_DSN")
    if not dsn:
        server = start_server()
        dsn = server.dsn
    proxy: Optional[LatencyProxy] = None
    try:
        print(f"PostgreSQL + pgvector on loopback; {args.rows} vectors of dimension {args.dim}")
        queries = populate(dsn, args.rows, args.dim)
        if args.case == "indexed":
            indexed_per_call(dsn, queries, args.dim, args.rounds, args.calls)
            return 0
        direct = throughput(dsn, queries, args.dim, args.rounds)
        port = int(dsn.rsplit(":", 1)[1].split("/", 1)[0]) if server is None else server.port
        proxy = LatencyProxy(port, args.latency_ms)
        proxied_dsn = dsn.replace(f":{port}/", f":{proxy.port}/", 1)
        delayed = throughput(proxied_dsn, queries, args.dim, args.rounds)
        for title, figures in (
            ("straight to the server (server CPU-bound, 2 cores)", direct),
            (f"through a {args.latency_ms:g} ms round-trip proxy (waiting on the server)", delayed),
        ):
            base = figures["sync, sequential"]
            table(
                f"100 similarity searches (k=10), {title}, median of {args.rounds}",
                ["mode", "seconds", "searches/s", "vs sync sequential"],
                [[name, f"{t:.3f}", f"{SEARCHES / t:.0f}", f"{base / t:.2f}x"] for name, t in figures.items()],
            )
        per_call(dsn, dsn, queries, args.dim, args.rounds, args.calls)
    finally:
        if proxy is not None:
            proxy.close()
        if server is not None:
            server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
