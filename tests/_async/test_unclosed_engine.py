"""An engine dropped without closing warns (ResourceWarning) and leaves no sqlvec thread running."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from typing import List

import pytest

from sqlvec._async import AsyncEngine


def _sqlvec_threads() -> List[str]:
    """Names of the running threads sqlvec started (SQLite worker, PostgreSQL watchdog)."""
    return [t.name for t in threading.enumerate() if t.name.startswith("sqlvec-")]


@pytest.mark.asyncio
async def test_dropped_engine_warns_and_its_thread_ends(engine_url: str) -> None:
    before = set(_sqlvec_threads())
    engine = AsyncEngine.from_url(engine_url)
    await engine.aping()
    await engine.aping()
    with pytest.warns(ResourceWarning, match="unclosed sqlvec"):
        del engine
        gc.collect()
    deadline = time.monotonic() + 5
    while set(_sqlvec_threads()) - before:
        assert time.monotonic() < deadline, _sqlvec_threads()
        time.sleep(0.02)
    if True:  # ASYNC
        # The async pool's workers are tasks of this loop: the finalizer asked the loop to close
        # the pool, and its tasks end while the loop runs on (none is left for its shutdown).
        deadline = time.monotonic() + 5
        while [t for t in asyncio.all_tasks() if t.get_name().startswith("sqlvec-")]:
            assert time.monotonic() < deadline, asyncio.all_tasks()
            await asyncio.sleep(0.02)


@pytest.mark.asyncio
async def test_closed_engine_does_not_warn(engine_url: str) -> None:
    engine = AsyncEngine.from_url(engine_url)
    await engine.aping()
    await engine.aclose()
    del engine
    gc.collect()  # a ResourceWarning here fails the test (filterwarnings = error)


@pytest.mark.asyncio
async def test_engine_never_used_does_not_warn(engine_url: str) -> None:
    engine = AsyncEngine.from_url(engine_url)
    del engine
    gc.collect()
