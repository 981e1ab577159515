"""Fault tests of the pool's edges on a real PostgreSQL: frozen networks, lost replies, interrupts."""

from __future__ import annotations

import time
from typing import Any

import pytest

from sqlvec._drivers.postgres import AsyncPostgresDriver, PostgresDriver
from sqlvec.pool import RequestTimeoutError

try:
    from tests.tcp_proxy import FreezingProxy
except ImportError:
    from tcp_proxy import FreezingProxy  # type: ignore[no-redef]

#: The promise of docs/postgres.md: a caller is released about one second past request_timeout.
REQUEST_TIMEOUT = 2.0
RELEASED_WITHIN = REQUEST_TIMEOUT + 1.5


def _url(dsn: str, **params: Any) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{dsn}{'&' if '?' in dsn else '?'}{query}"


# -- a network that stops answering mid-request ----------------------------------------------


@pytest.mark.asyncio
async def test_async_frozen_network_releases_the_caller_about_a_second_past_request_timeout(
    postgres_dsn: str,
) -> None:
    with FreezingProxy.to(postgres_dsn) as (proxy, dsn):
        driver = AsyncPostgresDriver.from_url(_url(dsn, max_size=1, request_timeout=REQUEST_TIMEOUT))
        try:
            await driver.ping()

            async def frozen(conn: Any) -> None:
                proxy.freeze()
                await conn.execute("SELECT 1")

            started = time.monotonic()
            with pytest.raises(RequestTimeoutError):
                await driver.run(frozen, idempotent=True, transaction=False)
            released = time.monotonic() - started
            print(f"async: released {released:.2f} s after the call (request_timeout={REQUEST_TIMEOUT:g})")
            assert released < RELEASED_WITHIN, released
        finally:
            proxy.close()
            await driver.close()


def test_sync_frozen_network_releases_the_caller_about_a_second_past_request_timeout(postgres_dsn: str) -> None:
    with FreezingProxy.to(postgres_dsn) as (proxy, dsn):
        driver = PostgresDriver.from_url(_url(dsn, max_size=1, request_timeout=REQUEST_TIMEOUT))
        try:
            driver.ping()

            def frozen(conn: Any) -> None:
                proxy.freeze()
                conn.execute("SELECT 1")

            started = time.monotonic()
            with pytest.raises(RequestTimeoutError):
                driver.run(frozen, idempotent=True, transaction=False)
            released = time.monotonic() - started
            print(f"sync: released {released:.2f} s after the call (request_timeout={REQUEST_TIMEOUT:g})")
            assert released < RELEASED_WITHIN, released
        finally:
            proxy.close()
            driver.close()
