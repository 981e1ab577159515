"""PostgreSQL: a setting changed by your own work through `driver.run()` does not reach later requests."""

from __future__ import annotations

from typing import Any, AsyncIterator

import pytest
import pytest_asyncio

from sqlvec._async import AsyncEngine

try:  # see tests/conftest.py
    from tests.postgres_server import schema_url
except ImportError:
    from postgres_server import schema_url  # type: ignore[no-redef]


@pytest_asyncio.fixture
async def driver(postgres_dsn: str) -> AsyncIterator[Any]:
    """The driver of an engine with one pooled connection, so every request reuses it."""
    with schema_url(postgres_dsn) as url:
        engine = AsyncEngine.from_url(f"{url}&min_size=1&max_size=1&request_timeout=7")
        yield engine.driver
        await engine.aclose()


async def _show(driver: Any, setting: str) -> Any:
    async def work(conn: Any) -> Any:
        return (await (await conn.execute(f"SHOW {setting}")).fetchone())[0]

    return await driver.run(work, idempotent=True, transaction=False)


@pytest.mark.asyncio
@pytest.mark.parametrize("transaction", [False, True], ids=["autocommit", "transaction"])
async def test_session_set_in_run_is_undone_before_the_next_request(driver: Any, transaction: bool) -> None:
    default = await _show(driver, "work_mem")

    async def tune(conn: Any) -> Any:
        await conn.execute("SET work_mem = '1234kB'")
        return (await (await conn.execute("SHOW work_mem")).fetchone())[0]

    # The work sees its own setting ...
    assert await driver.run(tune, idempotent=True, transaction=transaction) == "1234kB"
    # ... and the next request on the same connection does not.
    assert await _show(driver, "work_mem") == default


@pytest.mark.asyncio
async def test_reset_keeps_the_engine_own_session_settings(driver: Any) -> None:
    # statement_timeout comes from the connection's startup options (request_timeout=7):
    # the reset returns to it, not to the server's default of no limit.
    async def tune(conn: Any) -> None:
        await conn.execute("SET statement_timeout = 0")

    await driver.run(tune, idempotent=True, transaction=False)
    assert await _show(driver, "statement_timeout") == "7s"


@pytest.mark.asyncio
async def test_failed_run_is_reset_too(driver: Any) -> None:
    async def tune_then_fail(conn: Any) -> None:
        await conn.execute("SET work_mem = '2345kB'")
        raise ValueError("the caller's own failure")

    with pytest.raises(ValueError):
        await driver.run(tune_then_fail, idempotent=False, transaction=False)
    assert await _show(driver, "work_mem") != "2345kB"
