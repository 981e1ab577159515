"""A PostgreSQL engine serves again soon after its server comes back (stop, start, same port)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from sqlvec._async import AsyncEngine
from sqlvec.errors import SqlvecError

try:  # see tests/conftest.py
    from tests.postgres_server import PostgresServer, wait_until_accepting
except ImportError:
    from postgres_server import PostgresServer, wait_until_accepting  # type: ignore[no-redef]

#: The promise (README "Faults"): serving again within about one connect timeout of the
#: server's return. The pool here reconnects well within it; the bound leaves room for a
#: busy machine and is far below the 2.8-5 s the pool's one-second backoff used to take.
RECOVERY_BOUND = 1.5


async def _seconds_to_recover(server: PostgresServer, url: str, idle: int, outage: float, calling: float) -> float:
    """Stop the server for `outage` seconds, calling the engine during the first `calling` of them;
    start it again and return the seconds from its accepting connections to the engine's first success."""
    engine = AsyncEngine.from_url(url)
    try:
        await engine.aping()
        pool: Any = getattr(engine.driver, "pool")  # noqa: B009 - not part of the driver protocol
        deadline = time.monotonic() + 10
        while pool.get_stats().get("pool_available", 0) < idle:  # min_size connections open and idle
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        await asyncio.to_thread(server.stop)
        try:
            stopped = time.monotonic()
            # Calls that fail while the server is down set the pool reconnecting.
            while time.monotonic() < stopped + calling:
                with pytest.raises(SqlvecError):
                    await engine.aping()
                await asyncio.sleep(0.2)
            await asyncio.sleep(max(0.0, stopped + outage - time.monotonic()))
        finally:
            await asyncio.to_thread(server.start)
        await asyncio.to_thread(wait_until_accepting, server.dsn)
        back = time.monotonic()
        while True:
            try:
                await engine.aping()
                break
            except SqlvecError:
                assert time.monotonic() - back < 30, "the engine never served again"
                await asyncio.sleep(0.02)
        return time.monotonic() - back
    finally:
        await engine.aclose()


@pytest.mark.asyncio
async def test_engine_called_during_an_outage_serves_again_soon_after(controlled_postgres: PostgresServer) -> None:
    # The calls of the first second start the pool's reconnect attempts; by the server's
    # return they used to wait 4-8 s between two tries.
    url = f"{controlled_postgres.dsn}?acquire_timeout=0.3&request_timeout=5"
    seconds = await _seconds_to_recover(controlled_postgres, url, idle=1, outage=8.0, calling=1.0)
    print(f"recovered {seconds:.2f} s after the server accepted again")
    assert seconds < RECOVERY_BOUND


@pytest.mark.asyncio
async def test_engine_idle_through_an_outage_serves_again_soon_after(controlled_postgres: PostgresServer) -> None:
    # Four idle connections, all dead after the restart: the pool's check loop used to sleep
    # 1 s, then 2 s ... between finding one dead and checking the next.
    url = f"{controlled_postgres.dsn}?min_size=4&request_timeout=5"
    seconds = await _seconds_to_recover(controlled_postgres, url, idle=4, outage=1.0, calling=0.0)
    print(f"recovered {seconds:.2f} s after the server accepted again")
    assert seconds < RECOVERY_BOUND
