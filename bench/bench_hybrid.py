"""Benchmark hybrid search against vector-only and keyword-only search, on SQLite and PostgreSQL.

Run: python bench/bench_hybrid.py [--rows N] [--queries N] [--backend sqlite|postgresql|both]
Uses the generated sync API on one thread. Documents are 12 pseudo-words drawn from a
2,000-word vocabulary, embedded by HashEmbedding(128); queries are 3 such words. Also times
the insert of all rows with and without the full-text index (PostgreSQL's tables are then
vacuumed, so that searches see a merged GIN index). PostgreSQL is a throwaway
server on loopback (or $SQLVEC_TEST_POSTGRES_DSN); every loop is bounded.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from common import table  # noqa: E402 - after the sys.path set-up above

from sqlvec import Engine, HashEmbedding, VectorStore  # noqa: E402

DIM = 128
SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]


def vocabulary(rng: random.Random, size: int = 2000) -> List[str]:
    """Distinct pseudo-words of two to four syllables."""
    words: Dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))] = None
    return list(words)


def per_call_ms(run: Callable[[str], object], queries: List[str]) -> float:
    """Median milliseconds of one call over the queries (after one warm-up call)."""
    run(queries[0])
    times = []
    for query in queries:
        started = time.perf_counter()
        run(query)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def measure(url: str, texts: List[str], queries: List[str]) -> List[List[str]]:
    """Table rows for one backend."""
    rows: List[List[str]] = []
    with Engine.from_url(url) as engine:
        inserts: Dict[str, float] = {}
        for name, language in (("plain", None), ("hybrid", "english")):
            engine.init_vectorstore_table(name, vector_dimension=DIM, text_search=language)
            store = VectorStore(engine, HashEmbedding(DIM), name)
            vectors = HashEmbedding(DIM).embed_documents(texts)
            started = time.perf_counter()
            for start in range(0, len(texts), 1000):
                store.add_embeddings(
                    texts[start : start + 1000],
                    vectors[start : start + 1000],
                    metadatas=[{"n": i % 10} for i in range(start, min(start + 1000, len(texts)))],
                )
            inserts[name] = time.perf_counter() - started
        rows.append(["insert, no text index", f"{inserts['plain'] * 1e3:.0f} ms total", "1.00x"])
        rows.append(
            [
                "insert, with text index",
                f"{inserts['hybrid'] * 1e3:.0f} ms total",
                f"{inserts['hybrid'] / inserts['plain']:.2f}x",
            ]
        )
        if url.startswith("postgresql"):
            # Steady state, as a collection that autovacuum has visited: fresh GIN entries
            # wait in the index's pending list (docs/hybrid_search.md), and a search must scan it.
            import psycopg

            with psycopg.connect(url, autocommit=True) as conn:
                for name in inserts:
                    conn.execute(f"VACUUM ANALYZE {name}")
        store = VectorStore(engine, HashEmbedding(DIM), "hybrid")
        within = {"n": {"$lt": 5}}
        calls: Dict[str, Callable[[str], object]] = {
            "similarity_search k=10": lambda q: store.similarity_search(q, k=10),
            "keyword_search k=10": lambda q: store.keyword_search(q, k=10),
            "hybrid_search k=10 fetch_k=20": lambda q: store.hybrid_search(q, k=10, fetch_k=20),
            "hybrid_search k=10 fetch_k=100": lambda q: store.hybrid_search(q, k=10, fetch_k=100),
            "similarity_search k=10, filter": lambda q: store.similarity_search(q, k=10, filter=within),
            "hybrid_search k=10, filter": lambda q: store.hybrid_search(q, k=10, filter=within),
        }
        # Rounds interleaved, best median kept: the machine is shared, noise only adds time.
        best: Dict[str, float] = {}
        for _ in range(3):
            for name, run in calls.items():
                best[name] = min(best.get(name, float("inf")), per_call_ms(run, queries))
        base = best["similarity_search k=10"]
        base_filtered = best["similarity_search k=10, filter"]
        for name, ms in best.items():
            against = base_filtered if "filter" in name else base
            rows.append([name, f"{ms:.2f} ms/call", f"{ms / against:.2f}x"])
    return rows


def main(argv: Optional[List[str]] = None) -> int:
    """Run the benchmark and print one table per backend."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    rng = random.Random(13)
    words = vocabulary(rng)
    texts = [" ".join(rng.choice(words) for _ in range(12)) for _ in range(args.rows)]
    queries = [" ".join(rng.choice(words) for _ in range(3)) for _ in range(args.queries)]
    header = ["operation", "median", "vs similarity_search (same filter) / plain insert"]
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            rows = measure(f"sqlite:///{folder}/bench.db", texts, queries)
        table(f"SQLite, {args.rows} rows, dimension {DIM}, {args.queries} queries", header, rows)
    if args.backend in ("postgresql", "both"):
        from postgres_server import schema_url, start_server

        server = None
        dsn = os.environ.get("SQLVEC_TEST_POSTGRES_DSN")
        if not dsn:
            server = start_server()
            dsn = server.dsn
        try:
            with schema_url(dsn) as url:
                rows = measure(url, texts, queries)
        finally:
            if server is not None:
                server.cleanup()
        table(f"PostgreSQL (loopback), {args.rows} rows, dimension {DIM}, {args.queries} queries", header, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
