"""The PostgreSQL driver's connection pool: psycopg_pool's, reconnecting soon after the server returns."""

from __future__ import annotations

from typing import Any, Optional

# pg_common first: without the `postgres` extra it raises MissingExtraError, which names it.
from ..pg_common import ReconnectBackoff

# isort: split
import psycopg
import psycopg_pool
from psycopg_pool.base import AttemptWithBackoff


class AsyncReconnectingPool(psycopg_pool.AsyncConnectionPool[psycopg.AsyncConnection[Any]]):
    """psycopg_pool's pool whose failed connection attempts are tried again after at most 0.5 s.

    psycopg_pool has no option for its reconnect backoff: each attempt to open a connection
    (to replace a broken one, or to grow) starts here with `ReconnectBackoff` instead of its
    own 1 s, doubling one (see `ReconnectBackoff` for the cost). The pool's other behaviour
    is unchanged.
    """

    async def _add_connection(self, attempt: Optional[AttemptWithBackoff], growing: bool = False) -> None:
        await super()._add_connection(attempt or ReconnectBackoff(timeout=self.reconnect_timeout), growing)
