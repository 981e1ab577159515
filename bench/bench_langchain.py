"""Benchmark sqlvec through its LangChain class against langchain-postgres' PGVectorStore, side by side.

Run: python bench/bench_langchain.py [--rounds N] [--quick] [--rows N]
Starts a throwaway PostgreSQL + pgvector server on loopback (or uses $SQLVEC_TEST_POSTGRES_DSN),
the same one for both stores. Both get the same LangChain Embeddings: a table of precomputed
vectors, so that embedding costs nothing and the same for both. Figures, each store in turn
within one run, printed as sqlvec / langchain-postgres ratios:

1. insert --rows texts with metadata and ids in one add_texts call (sync API);
2. sync similarity_search(k=4) latency, one caller, median over --calls calls;
3. 50 asyncio tasks, each running asimilarity_search(k=4), queries per second;
4. 8 threads calling similarity_search(k=4), queries per second.

PGVectorStore's sync API runs its async code on a background event-loop thread (as designed by
langchain-postgres); its async figures use a PGEngine made from an SQLAlchemy async engine on the
caller's loop, its fastest async set-up. sqlvec's pool holds 10 connections, SQLAlchemy's 5 + 10.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from common import table  # noqa: E402 - after the sys.path set-up above
from langchain_core.embeddings import Embeddings  # noqa: E402

from sqlvec.langchain import SqlvecVectorStore  # noqa: E402

TASKS = 50
THREADS = 8
K = 4


class TableEmbeddings(Embeddings):
    """Precomputed unit vectors by text: the same, free embeddings for both stores."""

    def __init__(self, vectors: Dict[str, List[float]]) -> None:
        self.vectors = vectors

    def embed_documents(self, texts: List[str]) -> List[List[float]]:
        return [self.vectors[text] for text in texts]

    def embed_query(self, text: str) -> List[float]:
        return self.vectors[text]

    async def aembed_documents(self, texts: List[str]) -> List[List[float]]:
        return self.embed_documents(texts)

    async def aembed_query(self, text: str) -> List[float]:
        return self.embed_query(text)


def make_data(rows: int, queries: int, dim: int) -> Dict[str, List[float]]:
    """Texts doc-0.. and query-0.. with random unit vectors (seeded)."""
    rng = random.Random(13)
    vectors: Dict[str, List[float]] = {}
    for name in [f"doc-{i}" for i in range(rows)] + [f"query-{i}" for i in range(queries)]:
        v = [rng.gauss(0.0, 1.0) for _ in range(dim)]
        norm = sum(x * x for x in v) ** 0.5
        vectors[name] = [x / norm for x in v]
    return vectors


def sqlalchemy_url(dsn: str, driver: str) -> str:
    """The libpq URL as SQLAlchemy spells it for a driver."""
    return dsn.replace("postgresql://", f"postgresql+{driver}://", 1)


def timed(run: Callable[[], Any]) -> float:
    """Seconds one call of run takes."""
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def sync_latency(search: Callable[[str], Any], queries: List[str], calls: int) -> float:
    """Median seconds of one sync search."""
    times = []
    for i in range(calls):
        query = queries[i % len(queries)]
        times.append(timed(lambda: search(query)))  # noqa: B023 - called before the next iteration
    return statistics.median(times)


def threaded_qps(search: Callable[[str], Any], queries: List[str], rounds: int) -> float:
    """Searches per second from THREADS threads, each running len(queries) / THREADS searches; median of rounds."""
    with ThreadPoolExecutor(THREADS) as pool:
        times = [timed(lambda: list(pool.map(search, queries))) for _ in range(rounds)]
    return len(queries) / statistics.median(times)


async def async_qps(search: Callable[[str], Any], queries: List[str], rounds: int) -> float:
    """Searches per second from TASKS tasks sharing len(queries) searches; median of rounds."""

    async def worker(mine: List[str]) -> None:
        for q in mine:
            await search(q)

    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        await asyncio.gather(*(worker(queries[i::TASKS]) for i in range(TASKS)))
        times.append(time.perf_counter() - started)
    return len(queries) / statistics.median(times)


def run(dsn: str, rows: int, dim: int, calls: int, rounds: int) -> Dict[str, Dict[str, float]]:
    """Every figure for both stores."""
    from langchain_postgres import PGEngine, PGVectorStore
    from sqlalchemy.ext.asyncio import create_async_engine

    n_queries = 400
    vectors = make_data(rows, n_queries, dim)
    embeddings = TableEmbeddings(vectors)
    texts = [f"doc-{i}" for i in range(rows)]
    metadatas = [{"n": i, "group": i % 10} for i in range(rows)]
    ids = [str(uuid.UUID(int=i + 1)) for i in range(rows)]  # PGVectorStore's id column is a uuid
    queries = [f"query-{i}" for i in range(n_queries)]
    figures: Dict[str, Dict[str, float]] = {"sqlvec": {}, "langchain-postgres": {}}

    # sqlvec, through SqlvecVectorStore (a sync and an async engine on the server).
    ours = SqlvecVectorStore.from_url(dsn, embeddings, collection_name="lc_bench_sqlvec")
    ours.init_collection(dim)
    figures["sqlvec"]["insert s"] = timed(lambda: ours.add_texts(texts, metadatas, ids=ids))
    assert len(ours.similarity_search("query-0", k=K)) == K

    # langchain-postgres: PGEngine.from_connection_string runs a background loop thread for sync calls.
    pg_engine = PGEngine.from_connection_string(sqlalchemy_url(dsn, "psycopg"))
    pg_engine.init_vectorstore_table("lc_bench_pg", dim, overwrite_existing=True)
    theirs = PGVectorStore.create_sync(pg_engine, embeddings, "lc_bench_pg")
    figures["langchain-postgres"]["insert s"] = timed(lambda: theirs.add_texts(texts, metadatas, ids=ids))
    assert len(theirs.similarity_search("query-0", k=K)) == K

    for _ in range(20):  # warm both pools and plans
        ours.similarity_search("query-1", k=K)
        theirs.similarity_search("query-1", k=K)
    for name, store in (("sqlvec", ours), ("langchain-postgres", theirs)):
        figures[name]["sync k=4 ms"] = 1000 * sync_latency(
            lambda q, s=store: s.similarity_search(q, k=K), queries, calls
        )
    for name, store in (("sqlvec", ours), ("langchain-postgres", theirs)):
        figures[name][f"{THREADS} threads q/s"] = threaded_qps(
            lambda q, s=store: s.similarity_search(q, k=K), queries, rounds
        )

    async def both_async() -> None:
        async_pg = PGEngine.from_engine(create_async_engine(sqlalchemy_url(dsn, "psycopg")))
        theirs_async = await PGVectorStore.create(async_pg, embeddings, "lc_bench_pg")
        for store in (ours, theirs_async):
            for _ in range(5):
                await asyncio.gather(*(store.asimilarity_search("query-2", k=K) for _ in range(TASKS)))
        for name, store in (("sqlvec", ours), ("langchain-postgres", theirs_async)):
            figures[name][f"{TASKS} tasks q/s"] = await async_qps(
                lambda q, s=store: s.asimilarity_search(q, k=K), queries, rounds
            )
        await ours.aclose()
        await async_pg.close()

    asyncio.run(both_async())
    ours.close()
    # PGEngine has no sync close; its engine's close runs on its own background loop.
    pg_engine._run_as_sync(pg_engine.close())
    return figures


def main(argv: Optional[List[str]] = None) -> int:
    """Run the comparison and print one table of figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per throughput figure (median)")
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    parser.add_argument("--rows", type=int, default=5_000, help="texts inserted")
    parser.add_argument("--dim", type=int, default=128, help="vector dimension")
    parser.add_argument("--calls", type=int, default=300, help="calls for the sync latency median")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.rows, args.calls = 3, 1_000, 100
    try:
        import langchain_postgres  # noqa: F401
    except ImportError:
        print("skipped: langchain-postgres is not installed (the bench group installs it on Python >= 3.10)")
        return 0

    from postgres_server import start_server

    server = None
    dsn = os.environ.get("SQLVEC_TEST_POSTGRES_DSN")
    if not dsn:
        server = start_server()
        dsn = server.dsn
    try:
        print(f"PostgreSQL + pgvector on loopback; {args.rows} texts, vectors of dimension {args.dim}")
        figures = run(dsn, args.rows, args.dim, args.calls, args.rounds)
    finally:
        if server is not None:
            server.cleanup()
    ours, theirs = figures["sqlvec"], figures["langchain-postgres"]
    rows = []
    for metric in ours:
        lower_is_better = metric.endswith(" s") or metric.endswith(" ms")
        ratio = theirs[metric] / ours[metric] if lower_is_better else ours[metric] / theirs[metric]
        rows.append([metric, f"{ours[metric]:.3f}", f"{theirs[metric]:.3f}", f"{ratio:.2f}x"])
    table(
        f"sqlvec (SqlvecVectorStore) vs langchain-postgres (PGVectorStore), same server, one run "
        f"(median of {args.rounds} rounds / {args.calls} calls)",
        ["figure", "sqlvec", "langchain-postgres", "sqlvec better by"],
        rows,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
