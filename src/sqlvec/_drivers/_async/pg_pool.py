"""The PostgreSQL driver's connection pool: psycopg_pool's, reconnecting soon after the server returns."""

from __future__ import annotations

from typing import Any, Optional

# pg_common first: without the `postgres` extra it raises MissingExtraError, which names it.
from ..pg_common import ReconnectBackoff, quiet_socket, register_adapters

# isort: split
import psycopg
import psycopg_pool
from psycopg.types import TypeInfo
from psycopg_pool.base import AttemptWithBackoff


class AsyncReconnectingPool(psycopg_pool.AsyncConnectionPool[psycopg.AsyncConnection[Any]]):
    """psycopg_pool's pool whose failed connection attempts are tried again after at most 0.5 s.

    psycopg_pool has no option for its reconnect backoff: each attempt to open a connection
    (to replace a broken one, or to grow) starts here with `ReconnectBackoff` instead of its
    own 1 s, doubling one (see `ReconnectBackoff` for the cost). It also registers pgvector's
    adapters on each new connection (`vector_info`) and, with `health_check`, checks a
    connection before handing it out (`_check_quietly`).
    """

    def __init__(self, *args: Any, vector_info: Optional[TypeInfo], health_check: bool, **kwargs: Any) -> None:
        self._vector_info = vector_info
        super().__init__(
            *args, configure=self._configure, check=self._check_quietly if health_check else None, **kwargs
        )

    async def _configure(self, conn: psycopg.AsyncConnection[Any]) -> None:
        register_adapters(conn, self._vector_info)

    async def _check_quietly(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """A zero-timeout poll of the socket; a round trip only if the server closed it or spoke."""
        if quiet_socket(conn):
            return
        try:
            await psycopg_pool.AsyncConnectionPool.check_connection(conn)
        except Exception:
            # A server that went away took every idle connection with it. psycopg_pool checks
            # them one per getconn() wait, sleeping 1 s, 2 s, 4 s ... between two dead ones;
            # sweeping them all now (each replaced at once) spares the caller those waits.
            await self.check()
            raise

    async def _add_connection(self, attempt: Optional[AttemptWithBackoff], growing: bool = False) -> None:
        await super()._add_connection(attempt or ReconnectBackoff(timeout=self.reconnect_timeout), growing)
