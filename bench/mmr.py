"""Time of max marginal relevance: the numpy choice alone, and whole sync calls on SQLite.

    python bench/mmr.py

Random float32 vectors (seed 0). Prints the best and the median of repeated runs, in
microseconds: `sqlvec.mmr.max_marginal_relevance` for several fetch_k, k and dimensions,
then, on a SQLite file of 10,000 documents of dimension 384, similarity_search_by_vector
(k=4 and k=100) next to max_marginal_relevance_search_by_vector(k=4, fetch_k=100).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlvec import Engine, HashEmbedding, VectorStore  # noqa: E402
from sqlvec.mmr import max_marginal_relevance  # noqa: E402


def timed(fn: Callable[[], object], runs: int) -> Tuple[float, float]:
    """Best and median wall time of `runs` calls, in microseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    times.sort()
    return times[0] * 1e6, times[len(times) // 2] * 1e6


def main() -> None:
    """Print the timings."""
    rng = np.random.default_rng(0)
    for dim in (384, 1536):
        for fetch_k, k in ((20, 4), (100, 4), (100, 20), (1000, 20)):
            candidates = rng.standard_normal((fetch_k, dim)).astype(np.float32)
            query = rng.standard_normal(dim).astype(np.float32)
            choose = lambda q=query, c=candidates, k=k: max_marginal_relevance(q, c, k, 0.5)  # noqa: E731
            best, median = timed(choose, 200)
            print(f"numpy MMR  dim={dim:<5} fetch_k={fetch_k:<5} k={k:<3} best {best:8.0f} us  median {median:8.0f} us")
    dim, n = 384, 10_000
    with tempfile.TemporaryDirectory() as folder, Engine.from_url(f"sqlite:///{folder}/mmr.db") as engine:
        engine.init_vectorstore_table("docs", vector_dimension=dim)
        store = VectorStore(engine, HashEmbedding(dim), "docs")
        store.add_embeddings([f"t{i}" for i in range(n)], rng.standard_normal((n, dim)).astype(np.float32).tolist())
        query_list = rng.standard_normal(dim).astype(np.float32).tolist()
        store.similarity_search_by_vector(query_list, k=4)  # loads the collection's vectors
        calls = {
            "similarity_search_by_vector(k=4)": lambda: store.similarity_search_by_vector(query_list, k=4),
            "similarity_search_by_vector(k=100)": lambda: store.similarity_search_by_vector(query_list, k=100),
            "max_marginal_relevance_search_by_vector(k=4, fetch_k=100)": (
                lambda: store.max_marginal_relevance_search_by_vector(query_list, k=4, fetch_k=100)
            ),
        }
        for name, call in calls.items():
            best, median = timed(call, 50)
            print(f"SQLite {n} x {dim}: {name:<58} best {best:8.0f} us  median {median:8.0f} us")


if __name__ == "__main__":
    main()
