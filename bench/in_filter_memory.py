"""Peak memory and time of one PostgreSQL backend for a long $in over a row holding 1 MB of metadata.

    python bench/in_filter_memory.py [values ...]     (default: 3000)

Starts a throwaway server (tests/postgres_server.py), stores one row whose metadata is about
1 MB and matches no value, and runs count(filter={"n": {"$in": list(range(N))}}) on a pool of
one connection. The backend's VmHWM (peak resident memory) is read from /proc before and after,
so the server must run on this machine.
"""

from __future__ import annotations

import random
import string
import sys
import time
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402

from sqlvec import Engine, HashEmbedding, VectorStore  # noqa: E402
from tests.postgres_server import schema_url, start_server  # noqa: E402


def memory_mb(pid: int) -> Dict[str, int]:
    """VmRSS and VmHWM of a process, in MB."""
    found: Dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) // 1024
    return found


def main(sizes: List[int]) -> None:
    server = start_server()
    try:
        with schema_url(server.dsn) as url:
            for size in sizes:
                # A new engine per size: a fresh backend, so VmHWM is this query's peak.
                with Engine.from_url(url + "&min_size=1&max_size=1") as engine:
                    engine.init_vectorstore_table("big", vector_dimension=8)
                    store = VectorStore(engine, HashEmbedding(8), "big")
                    rng = random.Random(1)
                    pad = ["".join(rng.choices(string.ascii_letters, k=100)) for _ in range(10_000)]
                    store.add_texts(["x"], [{"n": -1, "pad": pad}], ["big"])
                    store.count({"n": -1})  # the pool's connection is open and warm
                    with psycopg.connect(server.dsn, autocommit=True) as monitor:
                        (pid,) = monitor.execute(
                            "SELECT pid FROM pg_stat_activity "
                            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
                        ).fetchone() or (0,)
                        before = memory_mb(pid)
                        started = time.perf_counter()
                        matched = store.count({"n": {"$in": list(range(size))}})
                        seconds = time.perf_counter() - started
                        after = memory_mb(pid)
                    print(
                        f"$in of {size} values over 1 MB of metadata: {seconds:.3f} s, matched {matched}; "
                        f"backend peak RSS {before['VmHWM']} MB -> {after['VmHWM']} MB"
                    )
                    engine.drop_table("big")
    finally:
        server.cleanup()


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [3000])
