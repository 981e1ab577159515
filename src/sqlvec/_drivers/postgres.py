"""PostgreSQL + pgvector and CockroachDB drivers: hand-written async and sync twins on psycopg 3.

`AsyncPostgresDriver` uses `psycopg.AsyncConnection` through `psycopg_pool.AsyncConnectionPool`;
`PostgresDriver` uses `psycopg.Connection` through `psycopg_pool.ConnectionPool`. Both:
- create the `vector` extension when missing, then register pgvector's binary adapters on
  every pooled connection (the order matters: the type must exist to be registered);
- bound each statement on the server (`statement_timeout`) and each request on the client
  (the async side cancels the awaiting task, the sync side has a watchdog thread cancel the
  query and, if the server does not answer, shut the socket), so a hung statement cannot
  hang the caller;
- run every request as one transaction, retried whole under `RetryPolicy` when the failure
  is transient and retrying is safe for that work (see `sqlvec.retry.is_transient`);
- stream `iter_documents` and `search_stream` through a named server-side cursor: one
  connection and one transaction (one snapshot) per stream, each fetch bounded like a
  request, retried only before the first row is handed out;
- on CockroachDB, follow its client-side retry protocol (`SAVEPOINT cockroach_restart`).
SQL text comes from `pgsql.PgSQL`; nothing here formats a value into SQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import socket
import sys
import threading
import time
import uuid
from typing import (
    Any,
    AsyncGenerator,
    Awaitable,
    Callable,
    Dict,
    Generator,
    List,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
)
from urllib.parse import parse_qsl, quote, urlencode

import psycopg
import psycopg.errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import ConnStatus
from psycopg.types import TypeInfo

from ..documents import Document
from ..errors import (
    CollectionExistsError,
    CollectionMismatchError,
    CollectionNotFoundError,
    DimensionMismatchError,
    EngineClosedError,
    InvalidURLError,
    MissingExtraError,
    SqlvecError,
)
from ..filters import Filter
from ..identifiers import quote_identifier
from ..models import Batch, CollectionInfo, Float32Array, IndexSpec
from ..pool import (
    DatabaseConnectionError,
    DatabaseError,
    PoolConfig,
    PoolTimeoutError,
    RequestTimeoutError,
)
from ..retry import RetryPolicy, session_lost
from .base import Hit
from .pgsql import COCKROACHDB, POSTGRESQL, PgSQL, spec_from_json, spec_to_json

try:
    import psycopg_pool
    from pgvector.psycopg.vector import VectorDumper, register_vector_info
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingExtraError("postgres", exc.name or "psycopg-pool", "the PostgreSQL backend") from exc

T = TypeVar("T")

#: Extra seconds the client waits past `request_timeout` before cancelling on its own, so
#: that the server's statement_timeout (which keeps the connection usable) normally wins.
CLIENT_GRACE = 1.0

#: SQLSTATE 22000: pgvector's "different vector dimensions" / "expected N dimensions".
DATA_EXCEPTION = "22000"

_CONN_OK = ConnStatus.OK

_RETRY_KEYS = {
    "retry_attempts": "attempts",
    "retry_initial_backoff": "initial_backoff",
    "retry_max_backoff": "max_backoff",
}


# -- configuration shared by both twins ----------------------------------------------------


class PostgresSettings:
    """Everything a driver needs, parsed once from the URL: conninfo, dialect, pool, retries."""

    def __init__(
        self,
        conninfo: str,
        dialect: str = POSTGRESQL,
        pool: Optional[PoolConfig] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> None:
        self.conninfo = conninfo
        self.dialect = dialect
        self.pool = pool or PoolConfig()
        self.retry = retry or RetryPolicy()
        self.sql = PgSQL(dialect)

    @classmethod
    def from_url(
        cls,
        url: str,
        pool: Optional[PoolConfig] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> PostgresSettings:
        """Parse `postgresql://...` or `cockroachdb://...`; pool and retry keys leave the query.

        The rest of the URL goes to libpq untouched, so several hosts
        (`postgresql://u@h1:5432,h2:5433/db?target_session_attrs=read-write`) and every libpq
        parameter work as documented by PostgreSQL.
        """
        scheme, sep, rest = url.partition("://")
        base = scheme.split("+", 1)[0].lower()
        if not sep or base not in ("postgresql", "postgres", "cockroachdb", "cockroach"):
            raise InvalidURLError(url, "expected postgresql://... or cockroachdb://...")
        dialect = COCKROACHDB if base.startswith("cockroach") else POSTGRESQL
        location, _, query = rest.partition("?")
        params = dict(parse_qsl(query, keep_blank_values=True))
        pool_config, params = PoolConfig.from_query(params, pool)
        retry_changes: Dict[str, Any] = {}
        for key, field in _RETRY_KEYS.items():
            if key in params:
                raw = params.pop(key)
                try:
                    retry_changes[field] = int(raw) if field == "attempts" else float(raw)
                except ValueError:
                    raise InvalidURLError(url, f"{key} must be a number") from None
        policy = retry or RetryPolicy()
        if retry_changes:
            policy = RetryPolicy(**{**_policy_dict(policy), **retry_changes})
        query_text = urlencode(params, quote_via=quote)  # libpq reads "+" literally, not as a space
        conninfo = "postgresql://" + location + ("?" + query_text if params else "")
        try:
            conninfo_to_dict(conninfo)
        except psycopg.ProgrammingError as exc:
            raise InvalidURLError(url, str(exc)) from None
        return cls(conninfo, dialect, pool_config, policy)

    def connect_kwargs(self) -> Dict[str, Any]:
        """libpq parameters added to the URL's: timeouts, application name, autocommit."""
        given = conninfo_to_dict(self.conninfo)
        kwargs: Dict[str, Any] = {
            "autocommit": True,
            # libpq counts connect_timeout per host, in whole seconds, at least 2.
            "connect_timeout": max(2, int(self.pool.connect_timeout + 0.999)),
        }
        if "application_name" not in given:
            kwargs["application_name"] = "sqlvec"
        timeout_ms = self.pool.statement_timeout_ms
        if timeout_ms is not None:
            options = str(given.get("options") or "")
            kwargs["options"] = f"{options} -c statement_timeout={timeout_ms}".strip()
        return kwargs

    def client_deadline(self) -> Optional[float]:
        """Seconds one request attempt may take on the client, or None."""
        timeout = self.pool.request_timeout
        return None if timeout is None else timeout + CLIENT_GRACE


def _policy_dict(policy: RetryPolicy) -> Dict[str, Any]:
    return {
        "attempts": policy.attempts,
        "initial_backoff": policy.initial_backoff,
        "max_backoff": policy.max_backoff,
        "multiplier": policy.multiplier,
        "jitter": policy.jitter,
    }


def _failure(exc: BaseException) -> Optional[Tuple[Optional[str], bool]]:
    """(sqlstate, connection_lost) of a database failure, or None if it is not one."""
    if isinstance(exc, (psycopg_pool.PoolTimeout, psycopg_pool.PoolClosed)):
        return None
    if not isinstance(exc, psycopg.Error):
        return None
    state = exc.sqlstate
    lost = isinstance(exc, psycopg.OperationalError) and (state is None or state.startswith("08"))
    return state, lost


def _translate(
    exc: Exception, settings: PostgresSettings, table: Optional[str], timed_out: bool, losses: int = 0
) -> Exception:
    """The sqlvec error a caller sees for a psycopg or pool failure (`losses`: attempts whose session died)."""
    if isinstance(exc, SqlvecError):
        return exc
    request_timeout = settings.pool.request_timeout or 0.0
    if timed_out or isinstance(exc, psycopg.errors.QueryCanceled):
        return RequestTimeoutError(request_timeout)
    if isinstance(exc, psycopg_pool.PoolTimeout):
        return PoolTimeoutError(settings.pool.acquire_timeout)
    if isinstance(exc, psycopg_pool.PoolClosed):
        return EngineClosedError()
    if isinstance(exc, psycopg.errors.UndefinedTable) and table is not None:
        return CollectionNotFoundError(table)
    failure = _failure(exc)
    if failure is not None:
        state, lost = failure
        if losses:
            # The session died while a statement of this request ran, on every attempt: a
            # crash of the server's backend (or a restart) rather than a network that cannot connect.
            tries = f"{losses} time" + ("s" if losses > 1 else "")
            return DatabaseConnectionError(
                f"the server closed the connection while running the request ({tries}; "
                f"its backend may have crashed on it: see the server's log): {str(exc).strip()}",
                state,
            )
        if lost or (state or "").startswith("57P"):
            return DatabaseConnectionError(f"connection to the database failed: {exc}", state)
        return DatabaseError(str(exc), state)
    return exc


def _document(row: Sequence[Any]) -> Document:
    metadata = row[2]
    return Document(page_content=row[1], metadata=metadata if metadata is not None else {}, id=row[0])


def _hits(rows: Sequence[Sequence[Any]], resort: bool) -> List[Hit]:
    hits = [(_document(row), float(row[3])) for row in rows]
    if resort:
        # ivfflat's iterative scan returns rows in relaxed order: restore nearest-first.
        hits.sort(key=lambda hit: hit[1])
    return hits


def _cursor_name() -> str:
    return f"sqlvec_{uuid.uuid4().hex}"


def _stream_search(
    sql: PgSQL, table: str, info: CollectionInfo, query: Float32Array, k: int, where: Optional[Filter]
) -> Tuple[str, List[Any]]:
    """The statement of a streamed search: `search`'s, sorted on the server where search re-sorts."""
    resort = info.index is not None and info.index.kind == "ivfflat"
    statement, params = sql.search(table, info.distance, where, k, strict=resort)
    params[0] = query
    return statement, params


def _info_from_row(table: str, row: Optional[Sequence[Any]]) -> CollectionInfo:
    if row is None:
        raise CollectionNotFoundError(table)
    return CollectionInfo(table, int(row[0]), str(row[1]), spec_from_json(row[2]))


def _oid_from_row(row: Optional[Sequence[Any]]) -> Optional[int]:
    return None if row is None or len(row) < 4 or row[3] is None else int(row[3])


def _stale(oid: Optional[int], rows: Sequence[Sequence[Any]]) -> bool:
    """Whether search rows came from another table than the one the cache describes."""
    return bool(rows) and rows[0][4] != oid


def _check_existing(table: str, info: CollectionInfo, dimension: int, distance: str) -> None:
    if info.dimension != dimension:
        raise CollectionMismatchError(table, "dimension", info.dimension, dimension)
    if info.distance != distance:
        raise CollectionMismatchError(table, "distance", info.distance, distance)


def _check_dimension(info: CollectionInfo, vectors: Float32Array) -> None:
    actual = int(vectors.shape[-1])
    if actual != info.dimension:
        raise DimensionMismatchError(info.dimension, actual)


def _upsert_params(batch: Batch) -> List[Tuple[Any, ...]]:
    return [
        (batch.ids[i], batch.contents[i], json.dumps(batch.metadatas[i]), batch.embeddings[i])
        for i in range(len(batch))
    ]


def _quiet_socket(conn: psycopg.BaseConnection[Any]) -> bool:
    """Whether an idle connection's socket has nothing to read: the cheap health check.

    A server that stopped or restarted closes its sockets, which makes them readable (EOF);
    an idle healthy connection has nothing to say. Only a readable socket costs the full
    round-trip check, so a healthy pool pays a syscall per checkout, not a round trip.
    """
    pgconn = conn.pgconn
    if pgconn.status != _CONN_OK:  # closed, broken or not ready: the full check decides
        return False
    try:
        readable, _, _ = select.select([pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.Error):
        return False
    return not readable


def _register_adapters(conn: psycopg.BaseConnection[Any], info: Optional[TypeInfo]) -> None:
    if info is not None:
        register_vector_info(conn, info)
    else:
        # CockroachDB: vectors travel as text ('[1,2,3]') and are cast with ::vector.
        conn.adapters.register_dumper("numpy.ndarray", VectorDumper)


# -- async twin ----------------------------------------------------------------------------


class AsyncPostgresDriver:
    """The async PostgreSQL / CockroachDB driver (an `AsyncDriver`), safe to share between tasks."""

    def __init__(self, settings: PostgresSettings) -> None:
        self.settings = settings
        self.dialect = settings.dialect
        self.sql = settings.sql
        self._pool: Optional[psycopg_pool.AsyncConnectionPool[psycopg.AsyncConnection[Any]]] = None
        self._open_lock: Optional[asyncio.Lock] = None
        self._closed = False
        self._vector_info: Optional[TypeInfo] = None
        # What each collection looked like when last read, and its table's OID then.
        self._collections: Dict[str, CollectionInfo] = {}
        self._oids: Dict[str, Optional[int]] = {}
        #: How many times a transaction was run again (for tests and monitoring).
        self.retries = 0

    @classmethod
    def from_url(
        cls, url: str, pool: Optional[PoolConfig] = None, retry: Optional[RetryPolicy] = None
    ) -> AsyncPostgresDriver:
        """A driver for `postgresql://...` or `cockroachdb://...` (not connected yet)."""
        return cls(PostgresSettings.from_url(url, pool, retry))

    @property
    def closed(self) -> bool:
        """True once close() has been called."""
        return self._closed

    @property
    def pool(self) -> psycopg_pool.AsyncConnectionPool[psycopg.AsyncConnection[Any]]:
        """The underlying psycopg pool (after connect())."""
        if self._pool is None:
            raise EngineClosedError() if self._closed else RuntimeError("not connected yet")
        return self._pool

    async def connect(self) -> None:
        """Create the extension if missing, then open the pool (idempotent)."""
        if self._closed:
            raise EngineClosedError()
        if self._pool is not None:
            return
        if self._open_lock is None:
            # Created here, inside the running loop: Python 3.9 binds locks at creation.
            self._open_lock = asyncio.Lock()
        async with self._open_lock:
            if self._pool is not None or self._closed:
                return
            try:
                await self._bootstrap()
            except Exception as exc:
                raise _translate(exc, self.settings, None, False) from exc
            config = self.settings.pool
            pool: psycopg_pool.AsyncConnectionPool[psycopg.AsyncConnection[Any]]
            pool = psycopg_pool.AsyncConnectionPool(
                self.settings.conninfo,
                kwargs=self.settings.connect_kwargs(),
                min_size=config.min_size,
                max_size=config.max_size,
                timeout=config.acquire_timeout,
                max_idle=config.max_idle,
                max_lifetime=config.max_lifetime,
                configure=self._configure,
                check=self._check if config.health_check else None,
                name="sqlvec",
                open=False,
            )
            await pool.open(wait=False)
            self._pool = pool

    async def _bootstrap(self) -> None:
        kwargs = self.settings.connect_kwargs()
        async with await psycopg.AsyncConnection.connect(self.settings.conninfo, **kwargs) as conn:
            statement = self.sql.create_extension()
            if statement is None:
                return
            cur = await conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
            if await cur.fetchone() is None:
                # UniqueViolation: another client created it at the same moment.
                with contextlib.suppress(psycopg.errors.UniqueViolation):
                    await conn.execute(statement)
            self._vector_info = await TypeInfo.fetch(conn, "vector")

    async def _configure(self, conn: psycopg.AsyncConnection[Any]) -> None:
        _register_adapters(conn, self._vector_info)

    @staticmethod
    async def _check(conn: psycopg.AsyncConnection[Any]) -> None:
        if not _quiet_socket(conn):
            await psycopg_pool.AsyncConnectionPool.check_connection(conn)

    async def close(self) -> None:
        """Close the pool; idempotent."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    # -- the request runner --------------------------------------------------------------

    async def _run(
        self,
        work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]],
        *,
        idempotent: bool,
        transaction: bool = True,
        table: Optional[str] = None,
        deadline: Optional[float] = -1.0,
        own_context: bool = False,
    ) -> T:
        """Run `work` on a pooled connection, in a transaction, retried when safe."""
        if self._closed:
            raise EngineClosedError()
        pool = self._pool
        if pool is None:
            await self.connect()
            pool = self.pool
        limit = self.settings.client_deadline() if deadline == -1.0 else deadline
        attempt = 0
        losses = 0  # attempts of this request whose session died under them
        while True:
            attempt += 1
            timed_out = False
            try:
                # getconn/putconn rather than pool.connection(): see PostgresDriver._run.
                conn = await pool.getconn()
                try:
                    if not own_context:
                        return await _with_deadline(self._attempt(conn, work, transaction), limit)
                    async with conn:
                        return await _with_deadline(self._attempt(conn, work, transaction), limit)
                except asyncio.TimeoutError:
                    timed_out = True
                    raise
                finally:
                    await pool.putconn(conn)
            except Exception as exc:
                failure = _failure(exc)
                losses += failure is not None and session_lost(*failure)
                if (
                    not timed_out
                    and failure is not None
                    and self.settings.retry.should_retry(attempt, *failure, idempotent, losses)
                ):
                    self.retries += 1
                    await asyncio.sleep(self.settings.retry.backoff(attempt))
                    continue
                if table is not None and isinstance(exc, psycopg.errors.UndefinedTable):
                    self._collections.pop(table, None)
                raise _translate(exc, self.settings, table, timed_out, losses) from exc

    async def run(
        self,
        work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]],
        *,
        idempotent: bool,
        transaction: bool = True,
    ) -> T:
        """Run your own `await work(conn)` under this driver's pool, timeouts and retries.

        Pass idempotent=True only if running the work twice equals running it once.
        """
        return await self._run(work, idempotent=idempotent, transaction=transaction, own_context=True)

    async def _attempt(
        self,
        conn: psycopg.AsyncConnection[Any],
        work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]],
        transaction: bool,
    ) -> T:
        if not transaction:
            return await work(conn)
        async with conn.transaction():
            if not self.sql.cockroach:
                return await work(conn)
            # CockroachDB's protocol: on 40001 roll back to the savepoint and run the work
            # again inside the same transaction, keeping its place in the queue.
            await conn.execute(self.sql.savepoint)
            retry = 0
            while True:
                try:
                    result = await work(conn)
                    await conn.execute(self.sql.release_savepoint)
                    return result
                except psycopg.errors.SerializationFailure:
                    retry += 1
                    if retry >= self.settings.retry.attempts:
                        raise
                    self.retries += 1
                    await conn.execute(self.sql.rollback_to_savepoint)
                    await asyncio.sleep(self.settings.retry.backoff(retry))

    async def _collection(self, table: str) -> CollectionInfo:
        info = self._collections.get(table)
        if info is None:
            info = await self.collection_info(table)
        return info

    async def _checked(self, table: str, vectors: Float32Array) -> CollectionInfo:
        info = await self._collection(table)
        if info.dimension != int(vectors.shape[-1]):
            # The cache may predate a drop and re-create elsewhere: ask before refusing.
            info = await self.collection_info(table)
            _check_dimension(info, vectors)
        return info

    # -- the AsyncDriver protocol ----------------------------------------------------------

    async def ping(self) -> None:
        """Run `SELECT 1`."""

        async def work(conn: psycopg.AsyncConnection[Any]) -> None:
            await conn.execute("SELECT 1")

        await self._run(work, idempotent=True, transaction=False)

    async def init_table(self, table: str, *, dimension: int, distance: str, if_not_exists: bool) -> None:
        """Create the collection table and record it in the catalog."""
        sql = self.sql

        async def work(conn: psycopg.AsyncConnection[Any]) -> CollectionInfo:
            lock = sql.ddl_lock()
            if lock is not None:
                await conn.execute(lock)
            await conn.execute(sql.catalog_ddl())
            row = await (await conn.execute(sql.collection_info(), [quote_identifier(table), table])).fetchone()
            if row is not None:
                existing = _info_from_row(table, row)
                if not if_not_exists:
                    raise CollectionExistsError(table)
                _check_existing(table, existing, dimension, distance)
                return existing
            if await (await conn.execute(sql.table_exists(), [table])).fetchone() is not None:
                raise CollectionExistsError(table)
            await conn.execute(sql.create_table(table, dimension))
            await conn.execute(sql.register_collection(), [table, dimension, distance])
            return CollectionInfo(table, dimension, distance, None)

        info = await self._run(work, idempotent=if_not_exists, deadline=None)
        self._collections[table] = info

    async def drop_table(self, table: str, *, if_exists: bool) -> None:
        """Drop the table and its catalog record."""
        sql = self.sql

        async def work(conn: psycopg.AsyncConnection[Any]) -> None:
            lock = sql.ddl_lock()
            if lock is not None:
                await conn.execute(lock)
            await conn.execute(sql.catalog_ddl())
            row = await (await conn.execute(sql.collection_info(), [quote_identifier(table), table])).fetchone()
            if row is None and not if_exists:
                raise CollectionNotFoundError(table)
            await conn.execute(sql.drop_table(table))
            await conn.execute(sql.unregister_collection(), [table])

        self._collections.pop(table, None)
        try:
            await self._run(work, idempotent=True, deadline=None)
        finally:
            self._collections.pop(table, None)

    async def collection_info(self, table: str) -> CollectionInfo:
        """Dimension, distance and index from the catalog."""
        sql = self.sql

        async def work(conn: psycopg.AsyncConnection[Any]) -> Tuple[CollectionInfo, Optional[int]]:
            cur = await conn.execute(sql.collection_info(), [quote_identifier(table), table])
            row = await cur.fetchone()
            return _info_from_row(table, row), _oid_from_row(row)

        info, oid = await self._run(work, idempotent=True, transaction=False, table=table)
        self._collections[table] = info
        self._oids[table] = oid
        return info

    async def upsert(self, table: str, batch: Batch) -> None:
        """Insert or replace the whole batch in one transaction (idempotent: ids are given)."""
        if len(batch) == 0:
            return
        await self._checked(table, batch.embeddings)
        statement = self.sql.upsert(table)
        rows = _upsert_params(batch)

        async def work(conn: psycopg.AsyncConnection[Any]) -> None:
            async with conn.cursor() as cur:
                await cur.executemany(statement, rows)

        try:
            await self._run(work, idempotent=True, table=table)
        except DatabaseError as exc:
            if exc.sqlstate == DATA_EXCEPTION:  # the table changed shape since it was cached
                _check_dimension(await self.collection_info(table), batch.embeddings)
            raise

    async def get_by_ids(self, table: str, ids: Sequence[str]) -> List[Document]:
        """Documents by id, in the order asked."""
        if not ids:
            return []
        statement = self.sql.get_by_ids(table)
        wanted = list(ids)

        async def work(conn: psycopg.AsyncConnection[Any]) -> List[Sequence[Any]]:
            cur = await conn.execute(statement, [wanted])
            return await cur.fetchall()

        rows = await self._run(work, idempotent=True, transaction=False, table=table)
        if len(wanted) == 1:
            # One id, the primary key: at most one row, already in the order asked.
            return [_document(row) for row in rows]
        found = {row[0]: _document(row) for row in rows}
        return [found[i] for i in wanted if i in found]

    async def delete(self, table: str, *, ids: Optional[Sequence[str]], where: Optional[Filter]) -> int:
        """Delete by ids and/or filter; returns the number of rows deleted."""
        statement, params = self.sql.delete(table, None if ids is None else list(ids), where)

        async def work(conn: psycopg.AsyncConnection[Any]) -> int:
            cur = await conn.execute(statement, params)
            return max(cur.rowcount, 0)

        return await self._run(work, idempotent=True, table=table)

    async def count(self, table: str, where: Optional[Filter]) -> int:
        """Number of matching rows."""
        statement, params = self.sql.count(table, where)

        async def work(conn: psycopg.AsyncConnection[Any]) -> int:
            row = await (await conn.execute(statement, params)).fetchone()
            return int(row[0]) if row is not None else 0

        return await self._run(work, idempotent=True, transaction=False, table=table)

    async def search(self, table: str, query: Float32Array, k: int, where: Optional[Filter]) -> List[Hit]:
        """The k nearest rows; query-time index settings are SET LOCAL in the transaction.

        The collection's description is cached; the rows tell (by their table's OID, or by
        being fewer than k) when it may be stale, and the search then runs once more afresh.
        """
        info = await self._checked(table, query)
        for fresh in (False, True):
            statement, params = self.sql.search(table, info.distance, where, k)
            params[0] = query
            settings = self.sql.search_settings(info.index, k, where is not None)
            resort = bool(settings) and info.index is not None and info.index.kind == "ivfflat"

            try:
                rows = await self._search_rows(table, settings, statement, params)
            except DatabaseError as exc:
                if fresh or exc.sqlstate != DATA_EXCEPTION:
                    raise
                info = await self.collection_info(table)
                _check_dimension(info, query)
                continue
            if not fresh and (_stale(self._oids.get(table), rows) or len(rows) < k):
                latest = await self.collection_info(table)
                if latest != info or _stale(self._oids.get(table), rows):
                    info = latest
                    _check_dimension(info, query)
                    continue
            return _hits(rows, resort)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _search_rows(
        self, table: str, settings: List[str], statement: str, params: List[Any]
    ) -> List[Sequence[Any]]:
        async def work(conn: psycopg.AsyncConnection[Any]) -> List[Sequence[Any]]:
            for setting in settings:
                await conn.execute(setting)
            cur = await conn.execute(statement, params, binary=True)
            return await cur.fetchall()

        # Settings need a transaction for SET LOCAL; a lone SELECT does not.
        return await self._run(work, idempotent=True, transaction=bool(settings), table=table)

    async def create_index(self, table: str, spec: IndexSpec) -> None:
        """(Re)build the vector index; no request timeout applies to the build."""
        info = await self._collection(table)
        sql = self.sql

        async def work(conn: psycopg.AsyncConnection[Any]) -> None:
            await conn.execute("SET LOCAL statement_timeout = 0")
            rows = 0
            if spec.kind == "ivfflat" and spec.lists is None and not sql.cockroach:
                row = await (await conn.execute(sql.count(table, None)[0])).fetchone()
                rows = int(row[0]) if row is not None else 0
            await conn.execute(sql.drop_index(table))
            await conn.execute(sql.create_index(table, info.distance, spec, rows))
            await conn.execute(sql.record_index(), [spec_to_json(spec), table])

        await self._run(work, idempotent=True, table=table, deadline=None)
        self._collections[table] = CollectionInfo(table, info.dimension, info.distance, spec)

    async def drop_index(self, table: str) -> None:
        """Drop the vector index; search is exact again."""
        info = await self._collection(table)
        sql = self.sql

        async def work(conn: psycopg.AsyncConnection[Any]) -> None:
            await conn.execute(sql.drop_index(table))
            await conn.execute(sql.record_index(), [None, table])

        await self._run(work, idempotent=True, table=table, deadline=None)
        self._collections[table] = CollectionInfo(table, info.dimension, info.distance, None)

    # -- streaming with server-side cursors ------------------------------------------------

    async def _stream(
        self,
        table: str,
        prepare: Callable[[psycopg.AsyncConnection[Any]], Awaitable[Tuple[str, List[Any]]]],
        batch_size: int,
    ) -> AsyncGenerator[Sequence[Any], None]:
        """Rows of the query `prepare(conn)` returns, through a named cursor, `batch_size` at a time."""
        if self._closed:
            raise EngineClosedError()
        await self.connect()
        pool = self.pool
        limit = self.settings.client_deadline()
        attempt = 0
        losses = 0  # attempts of this request whose session died under them
        while True:
            attempt += 1
            yielded = timed_out = False
            try:
                # The connection stays checked out, and the transaction (the cursor's home and
                # its snapshot) open, until the rows run out or the generator is closed; either
                # way the transaction ends (rolled back if left early) before the pool takes
                # the connection back, so nothing of the stream outlives it.
                async with pool.connection() as conn, conn.transaction():
                    try:
                        statement, params = await _with_deadline(prepare(conn), limit)
                        async with conn.cursor(name=_cursor_name(), binary=True) as cur:
                            await _with_deadline(cur.execute(statement, params), limit)
                            while True:
                                # The deadline bounds each fetch, not the caller's time between them.
                                rows = await _with_deadline(cur.fetchmany(batch_size), limit)
                                yielded = yielded or bool(rows)
                                for row in rows:
                                    yield row
                                if len(rows) < batch_size:
                                    break
                    except asyncio.TimeoutError:
                        timed_out = True
                        raise
                return
            except Exception as exc:
                failure = _failure(exc)
                losses += failure is not None and session_lost(*failure)
                # Rows already handed out cannot be taken back: only a stream that has not
                # yielded yet starts again.
                if (
                    not yielded
                    and not timed_out
                    and failure is not None
                    and self.settings.retry.should_retry(attempt, *failure, True, losses)
                ):
                    self.retries += 1
                    await asyncio.sleep(self.settings.retry.backoff(attempt))
                    continue
                if isinstance(exc, psycopg.errors.UndefinedTable):
                    self._collections.pop(table, None)
                raise _translate(exc, self.settings, table, timed_out, losses) from exc

    async def iter_documents(
        self, table: str, where: Optional[Filter], batch_size: int
    ) -> AsyncGenerator[Document, None]:
        """Every matching document ordered by id, from one snapshot, `batch_size` rows per fetch."""
        statement, params = self.sql.scan(table, where)

        async def prepare(conn: psycopg.AsyncConnection[Any]) -> Tuple[str, List[Any]]:
            return statement, params

        stream = self._stream(table, prepare, batch_size)
        try:
            async for row in stream:
                yield _document(row)
        finally:
            await stream.aclose()

    async def search_stream(
        self, table: str, query: Float32Array, k: int, where: Optional[Filter], batch_size: int
    ) -> AsyncGenerator[Hit, None]:
        """The k nearest rows from one snapshot, nearest first, `batch_size` rows per fetch."""
        sql = self.sql

        async def prepare(conn: psycopg.AsyncConnection[Any]) -> Tuple[str, List[Any]]:
            # The collection is described from the stream's own snapshot: no cache to go stale.
            row = await (await conn.execute(sql.collection_info(), [quote_identifier(table), table])).fetchone()
            info = _info_from_row(table, row)
            _check_dimension(info, query)
            self._collections[table], self._oids[table] = info, _oid_from_row(row)
            for setting in sql.search_settings(info.index, k, where is not None):
                await conn.execute(setting)
            return _stream_search(sql, table, info, query, k, where)

        stream = self._stream(table, prepare, batch_size)
        try:
            async for row in stream:
                yield _document(row), float(row[3])
        finally:
            await stream.aclose()


async def _with_deadline(work: Awaitable[T], limit: Optional[float]) -> T:
    """Await `work`, cancelling it after `limit` seconds (asyncio.TimeoutError)."""
    if limit is None:
        return await work
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(limit):
            return await work
    return await asyncio.wait_for(work, limit)


# -- sync twin -----------------------------------------------------------------------------


class _Watchdog:
    """One daemon thread per sync driver that cancels requests past their deadline.

    arm()/disarm() are a dict store and delete (no thread per request); the thread looks
    at the armed connections a few times a second. A late request is first cancelled
    through libpq's cancel channel; if it still has not returned after the grace period
    (the server is unreachable), its socket is shut down so the blocked call fails at once.
    """

    TICK = 0.1

    def __init__(self) -> None:
        self._armed: Dict[int, List[Any]] = {}
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()

    def arm(self, conn: psycopg.Connection[Any], limit: float) -> List[Any]:
        """Watch `conn` for `limit` seconds; returns the entry to disarm (entry[2] = fired)."""
        entry: List[Any] = [time.monotonic() + limit, conn, False]
        self._armed[id(entry)] = entry
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._stop.clear()
                    thread = threading.Thread(target=self._loop, name="sqlvec-watchdog", daemon=True)
                    thread.start()
                    self._thread = thread
        return entry

    def disarm(self, entry: List[Any]) -> None:
        """Stop watching (the request finished)."""
        self._armed.pop(id(entry), None)

    def stop(self) -> None:
        """End the thread (the driver closed)."""
        self._stop.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)

    def _loop(self) -> None:
        while not self._stop.wait(self.TICK):
            now = time.monotonic()
            for key, entry in list(self._armed.items()):
                if entry[0] <= now and not entry[2]:
                    entry[2] = True
                    threading.Thread(target=self._fire, args=(key, entry), name="sqlvec-cancel", daemon=True).start()

    def _fire(self, key: int, entry: List[Any]) -> None:
        conn: psycopg.Connection[Any] = entry[1]
        if key not in self._armed:
            return  # finished in the meantime
        # A failed cancel is not final: the socket shutdown below is the fallback.
        with contextlib.suppress(Exception):
            conn.cancel_safe(timeout=CLIENT_GRACE * 2)
        deadline = time.monotonic() + CLIENT_GRACE * 2
        while key in self._armed and time.monotonic() < deadline:
            time.sleep(0.02)
        if key in self._armed:
            _shutdown_socket(conn)


def _shutdown_socket(conn: psycopg.BaseConnection[Any]) -> None:
    """Make a call blocked on this connection's socket return with an error."""
    try:
        fd = conn.pgconn.socket
        sock = socket.socket(fileno=os.dup(fd))
    except Exception:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


class PostgresDriver:
    """The sync PostgreSQL / CockroachDB driver (a `Driver`), safe to share between threads."""

    def __init__(self, settings: PostgresSettings) -> None:
        self.settings = settings
        self.dialect = settings.dialect
        self.sql = settings.sql
        self._pool: Optional[psycopg_pool.ConnectionPool[psycopg.Connection[Any]]] = None
        self._open_lock = threading.Lock()
        self._closed = False
        self._vector_info: Optional[TypeInfo] = None
        # What each collection looked like when last read, and its table's OID then.
        self._collections: Dict[str, CollectionInfo] = {}
        self._oids: Dict[str, Optional[int]] = {}
        self._watchdog = _Watchdog()
        #: How many times a transaction was run again (for tests and monitoring).
        self.retries = 0

    @classmethod
    def from_url(
        cls, url: str, pool: Optional[PoolConfig] = None, retry: Optional[RetryPolicy] = None
    ) -> PostgresDriver:
        """A driver for `postgresql://...` or `cockroachdb://...` (not connected yet)."""
        return cls(PostgresSettings.from_url(url, pool, retry))

    @property
    def closed(self) -> bool:
        """True once close() has been called."""
        return self._closed

    @property
    def pool(self) -> psycopg_pool.ConnectionPool[psycopg.Connection[Any]]:
        """The underlying psycopg pool (after connect())."""
        if self._pool is None:
            raise EngineClosedError() if self._closed else RuntimeError("not connected yet")
        return self._pool

    def connect(self) -> None:
        """Create the extension if missing, then open the pool (idempotent)."""
        if self._closed:
            raise EngineClosedError()
        if self._pool is not None:
            return
        with self._open_lock:
            if self._pool is not None or self._closed:
                return
            try:
                self._bootstrap()
            except Exception as exc:
                raise _translate(exc, self.settings, None, False) from exc
            config = self.settings.pool
            pool: psycopg_pool.ConnectionPool[psycopg.Connection[Any]]
            pool = psycopg_pool.ConnectionPool(
                self.settings.conninfo,
                kwargs=self.settings.connect_kwargs(),
                min_size=config.min_size,
                max_size=config.max_size,
                timeout=config.acquire_timeout,
                max_idle=config.max_idle,
                max_lifetime=config.max_lifetime,
                configure=self._configure,
                check=self._check if config.health_check else None,
                name="sqlvec",
                open=False,
            )
            pool.open(wait=False)
            self._pool = pool

    def _bootstrap(self) -> None:
        kwargs = self.settings.connect_kwargs()
        with psycopg.Connection.connect(self.settings.conninfo, **kwargs) as conn:
            statement = self.sql.create_extension()
            if statement is None:
                return
            cur = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
            if cur.fetchone() is None:
                # UniqueViolation: another client created it at the same moment.
                with contextlib.suppress(psycopg.errors.UniqueViolation):
                    conn.execute(statement)
            self._vector_info = TypeInfo.fetch(conn, "vector")

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        _register_adapters(conn, self._vector_info)

    @staticmethod
    def _check(conn: psycopg.Connection[Any]) -> None:
        if not _quiet_socket(conn):
            psycopg_pool.ConnectionPool.check_connection(conn)

    def close(self) -> None:
        """Close the pool and stop the watchdog; idempotent."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
        self._watchdog.stop()

    # -- the request runner --------------------------------------------------------------

    def _run(
        self,
        work: Callable[[psycopg.Connection[Any]], T],
        *,
        idempotent: bool,
        transaction: bool = True,
        table: Optional[str] = None,
        deadline: Optional[float] = -1.0,
        own_context: bool = False,
    ) -> T:
        """Run `work` on a pooled connection, in a transaction, retried when safe."""
        if self._closed:
            raise EngineClosedError()
        pool = self._pool
        if pool is None:
            self.connect()
            pool = self.pool
        limit = self.settings.client_deadline() if deadline == -1.0 else deadline
        attempt = 0
        losses = 0  # attempts of this request whose session died under them
        while True:
            attempt += 1
            entry: Optional[List[Any]] = None
            try:
                # getconn/putconn rather than pool.connection(): the latter also enters the
                # connection's own context, whose commit or rollback is a no-op for the work
                # here (autocommit, transactions closed by conn.transaction()) yet costs a few
                # microseconds per call. putconn still rolls back anything left open and
                # replaces a broken or closed connection; a caller's own work (run()) keeps
                # the connection's context, so what it leaves open is committed as before.
                conn = pool.getconn()
                try:
                    if limit is not None:
                        entry = self._watchdog.arm(conn, limit)
                    try:
                        if not own_context:
                            return self._attempt(conn, work, transaction)
                        with conn:
                            return self._attempt(conn, work, transaction)
                    finally:
                        if entry is not None:
                            self._watchdog.disarm(entry)
                            if entry[2]:
                                # A cancel request may still be on its way: never let it reach
                                # the next request on this connection. The pool replaces it.
                                conn.close()
                finally:
                    pool.putconn(conn)
            except Exception as exc:
                timed_out = entry is not None and bool(entry[2])
                failure = _failure(exc)
                losses += failure is not None and session_lost(*failure)
                if (
                    not timed_out
                    and failure is not None
                    and self.settings.retry.should_retry(attempt, *failure, idempotent, losses)
                ):
                    self.retries += 1
                    time.sleep(self.settings.retry.backoff(attempt))
                    continue
                if table is not None and isinstance(exc, psycopg.errors.UndefinedTable):
                    self._collections.pop(table, None)
                raise _translate(exc, self.settings, table, timed_out, losses) from exc

    def run(
        self,
        work: Callable[[psycopg.Connection[Any]], T],
        *,
        idempotent: bool,
        transaction: bool = True,
    ) -> T:
        """Run your own `work(conn)` under this driver's pool, timeouts and retries.

        Pass idempotent=True only if running the work twice equals running it once.
        """
        return self._run(work, idempotent=idempotent, transaction=transaction, own_context=True)

    def _attempt(
        self,
        conn: psycopg.Connection[Any],
        work: Callable[[psycopg.Connection[Any]], T],
        transaction: bool,
    ) -> T:
        if not transaction:
            return work(conn)
        with conn.transaction():
            if not self.sql.cockroach:
                return work(conn)
            # CockroachDB's protocol: on 40001 roll back to the savepoint and run the work
            # again inside the same transaction, keeping its place in the queue.
            conn.execute(self.sql.savepoint)
            retry = 0
            while True:
                try:
                    result = work(conn)
                    conn.execute(self.sql.release_savepoint)
                    return result
                except psycopg.errors.SerializationFailure:
                    retry += 1
                    if retry >= self.settings.retry.attempts:
                        raise
                    self.retries += 1
                    conn.execute(self.sql.rollback_to_savepoint)
                    time.sleep(self.settings.retry.backoff(retry))

    def _collection(self, table: str) -> CollectionInfo:
        info = self._collections.get(table)
        if info is None:
            info = self.collection_info(table)
        return info

    def _checked(self, table: str, vectors: Float32Array) -> CollectionInfo:
        info = self._collection(table)
        if info.dimension != int(vectors.shape[-1]):
            # The cache may predate a drop and re-create elsewhere: ask before refusing.
            info = self.collection_info(table)
            _check_dimension(info, vectors)
        return info

    # -- the Driver protocol ---------------------------------------------------------------

    def ping(self) -> None:
        """Run `SELECT 1`."""

        def work(conn: psycopg.Connection[Any]) -> None:
            conn.execute("SELECT 1")

        self._run(work, idempotent=True, transaction=False)

    def init_table(self, table: str, *, dimension: int, distance: str, if_not_exists: bool) -> None:
        """Create the collection table and record it in the catalog."""
        sql = self.sql

        def work(conn: psycopg.Connection[Any]) -> CollectionInfo:
            lock = sql.ddl_lock()
            if lock is not None:
                conn.execute(lock)
            conn.execute(sql.catalog_ddl())
            row = conn.execute(sql.collection_info(), [quote_identifier(table), table]).fetchone()
            if row is not None:
                existing = _info_from_row(table, row)
                if not if_not_exists:
                    raise CollectionExistsError(table)
                _check_existing(table, existing, dimension, distance)
                return existing
            if conn.execute(sql.table_exists(), [table]).fetchone() is not None:
                raise CollectionExistsError(table)
            conn.execute(sql.create_table(table, dimension))
            conn.execute(sql.register_collection(), [table, dimension, distance])
            return CollectionInfo(table, dimension, distance, None)

        info = self._run(work, idempotent=if_not_exists, deadline=None)
        self._collections[table] = info

    def drop_table(self, table: str, *, if_exists: bool) -> None:
        """Drop the table and its catalog record."""
        sql = self.sql

        def work(conn: psycopg.Connection[Any]) -> None:
            lock = sql.ddl_lock()
            if lock is not None:
                conn.execute(lock)
            conn.execute(sql.catalog_ddl())
            row = conn.execute(sql.collection_info(), [quote_identifier(table), table]).fetchone()
            if row is None and not if_exists:
                raise CollectionNotFoundError(table)
            conn.execute(sql.drop_table(table))
            conn.execute(sql.unregister_collection(), [table])

        self._collections.pop(table, None)
        try:
            self._run(work, idempotent=True, deadline=None)
        finally:
            self._collections.pop(table, None)

    def collection_info(self, table: str) -> CollectionInfo:
        """Dimension, distance and index from the catalog."""
        sql = self.sql

        def work(conn: psycopg.Connection[Any]) -> Tuple[CollectionInfo, Optional[int]]:
            row = conn.execute(sql.collection_info(), [quote_identifier(table), table]).fetchone()
            return _info_from_row(table, row), _oid_from_row(row)

        info, oid = self._run(work, idempotent=True, transaction=False, table=table)
        self._collections[table] = info
        self._oids[table] = oid
        return info

    def upsert(self, table: str, batch: Batch) -> None:
        """Insert or replace the whole batch in one transaction (idempotent: ids are given)."""
        if len(batch) == 0:
            return
        self._checked(table, batch.embeddings)
        statement = self.sql.upsert(table)
        rows = _upsert_params(batch)

        def work(conn: psycopg.Connection[Any]) -> None:
            with conn.cursor() as cur:
                cur.executemany(statement, rows)

        try:
            self._run(work, idempotent=True, table=table)
        except DatabaseError as exc:
            if exc.sqlstate == DATA_EXCEPTION:  # the table changed shape since it was cached
                _check_dimension(self.collection_info(table), batch.embeddings)
            raise

    def get_by_ids(self, table: str, ids: Sequence[str]) -> List[Document]:
        """Documents by id, in the order asked."""
        if not ids:
            return []
        statement = self.sql.get_by_ids(table)
        wanted = list(ids)

        def work(conn: psycopg.Connection[Any]) -> List[Sequence[Any]]:
            return conn.execute(statement, [wanted]).fetchall()

        rows = self._run(work, idempotent=True, transaction=False, table=table)
        if len(wanted) == 1:
            # One id, the primary key: at most one row, already in the order asked.
            return [_document(row) for row in rows]
        found = {row[0]: _document(row) for row in rows}
        return [found[i] for i in wanted if i in found]

    def delete(self, table: str, *, ids: Optional[Sequence[str]], where: Optional[Filter]) -> int:
        """Delete by ids and/or filter; returns the number of rows deleted."""
        statement, params = self.sql.delete(table, None if ids is None else list(ids), where)

        def work(conn: psycopg.Connection[Any]) -> int:
            return max(conn.execute(statement, params).rowcount, 0)

        return self._run(work, idempotent=True, table=table)

    def count(self, table: str, where: Optional[Filter]) -> int:
        """Number of matching rows."""
        statement, params = self.sql.count(table, where)

        def work(conn: psycopg.Connection[Any]) -> int:
            row = conn.execute(statement, params).fetchone()
            return int(row[0]) if row is not None else 0

        return self._run(work, idempotent=True, transaction=False, table=table)

    def search(self, table: str, query: Float32Array, k: int, where: Optional[Filter]) -> List[Hit]:
        """The k nearest rows; query-time index settings are SET LOCAL in the transaction.

        The collection's description is cached; the rows tell (by their table's OID, or by
        being fewer than k) when it may be stale, and the search then runs once more afresh.
        """
        info = self._checked(table, query)
        for fresh in (False, True):
            statement, params = self.sql.search(table, info.distance, where, k)
            params[0] = query
            settings = self.sql.search_settings(info.index, k, where is not None)
            resort = bool(settings) and info.index is not None and info.index.kind == "ivfflat"

            try:
                rows = self._search_rows(table, settings, statement, params)
            except DatabaseError as exc:
                if fresh or exc.sqlstate != DATA_EXCEPTION:
                    raise
                info = self.collection_info(table)
                _check_dimension(info, query)
                continue
            if not fresh and (_stale(self._oids.get(table), rows) or len(rows) < k):
                latest = self.collection_info(table)
                if latest != info or _stale(self._oids.get(table), rows):
                    info = latest
                    _check_dimension(info, query)
                    continue
            return _hits(rows, resort)
        raise AssertionError("unreachable")  # pragma: no cover

    def _search_rows(self, table: str, settings: List[str], statement: str, params: List[Any]) -> List[Sequence[Any]]:
        def work(conn: psycopg.Connection[Any]) -> List[Sequence[Any]]:
            for setting in settings:
                conn.execute(setting)
            return conn.execute(statement, params, binary=True).fetchall()

        # Settings need a transaction for SET LOCAL; a lone SELECT does not.
        return self._run(work, idempotent=True, transaction=bool(settings), table=table)

    def create_index(self, table: str, spec: IndexSpec) -> None:
        """(Re)build the vector index; no request timeout applies to the build."""
        info = self._collection(table)
        sql = self.sql

        def work(conn: psycopg.Connection[Any]) -> None:
            conn.execute("SET LOCAL statement_timeout = 0")
            rows = 0
            if spec.kind == "ivfflat" and spec.lists is None and not sql.cockroach:
                row = conn.execute(sql.count(table, None)[0]).fetchone()
                rows = int(row[0]) if row is not None else 0
            conn.execute(sql.drop_index(table))
            conn.execute(sql.create_index(table, info.distance, spec, rows))
            conn.execute(sql.record_index(), [spec_to_json(spec), table])

        self._run(work, idempotent=True, table=table, deadline=None)
        self._collections[table] = CollectionInfo(table, info.dimension, info.distance, spec)

    def drop_index(self, table: str) -> None:
        """Drop the vector index; search is exact again."""
        info = self._collection(table)
        sql = self.sql

        def work(conn: psycopg.Connection[Any]) -> None:
            conn.execute(sql.drop_index(table))
            conn.execute(sql.record_index(), [None, table])

        self._run(work, idempotent=True, table=table, deadline=None)
        self._collections[table] = CollectionInfo(table, info.dimension, info.distance, None)

    # -- streaming with server-side cursors ------------------------------------------------

    def _watched(
        self, conn: psycopg.Connection[Any], limit: Optional[float], fired: List[bool], fn: Callable[..., T], *args: Any
    ) -> T:
        """`fn(*args)` under the watchdog; `fired` gets True if it had to cancel."""
        if limit is None:
            return fn(*args)
        entry = self._watchdog.arm(conn, limit)
        try:
            return fn(*args)
        finally:
            self._watchdog.disarm(entry)
            if entry[2]:
                fired.append(True)

    def _stream(
        self,
        table: str,
        prepare: Callable[[psycopg.Connection[Any]], Tuple[str, List[Any]]],
        batch_size: int,
    ) -> Generator[Sequence[Any], None, None]:
        """Rows of the query `prepare(conn)` returns, through a named cursor, `batch_size` at a time."""
        if self._closed:
            raise EngineClosedError()
        self.connect()
        pool = self.pool
        limit = self.settings.client_deadline()
        attempt = 0
        losses = 0  # attempts of this request whose session died under them
        while True:
            attempt += 1
            yielded = False
            fired: List[bool] = []
            try:
                # The connection stays checked out, and the transaction (the cursor's home and
                # its snapshot) open, until the rows run out or the generator is closed; either
                # way the transaction ends (rolled back if left early) before the pool takes
                # the connection back, so nothing of the stream outlives it.
                with pool.connection() as conn:
                    try:
                        with conn.transaction():
                            statement, params = self._watched(conn, limit, fired, prepare, conn)
                            with conn.cursor(name=_cursor_name(), binary=True) as cur:
                                self._watched(conn, limit, fired, cur.execute, statement, params)
                                while True:
                                    # The deadline bounds each fetch, not the caller's time between them.
                                    rows = self._watched(conn, limit, fired, cur.fetchmany, batch_size)
                                    yielded = yielded or bool(rows)
                                    yield from rows
                                    if len(rows) < batch_size:
                                        break
                    finally:
                        if fired:
                            # A cancel request may still be on its way: the pool replaces it.
                            conn.close()
                return
            except Exception as exc:
                timed_out = bool(fired)
                failure = _failure(exc)
                losses += failure is not None and session_lost(*failure)
                # Rows already handed out cannot be taken back: only a stream that has not
                # yielded yet starts again.
                if (
                    not yielded
                    and not timed_out
                    and failure is not None
                    and self.settings.retry.should_retry(attempt, *failure, True, losses)
                ):
                    self.retries += 1
                    time.sleep(self.settings.retry.backoff(attempt))
                    continue
                if isinstance(exc, psycopg.errors.UndefinedTable):
                    self._collections.pop(table, None)
                raise _translate(exc, self.settings, table, timed_out, losses) from exc

    def iter_documents(self, table: str, where: Optional[Filter], batch_size: int) -> Generator[Document, None, None]:
        """Every matching document ordered by id, from one snapshot, `batch_size` rows per fetch."""
        statement, params = self.sql.scan(table, where)
        stream = self._stream(table, lambda conn: (statement, params), batch_size)
        try:
            for row in stream:
                yield _document(row)
        finally:
            stream.close()

    def search_stream(
        self, table: str, query: Float32Array, k: int, where: Optional[Filter], batch_size: int
    ) -> Generator[Hit, None, None]:
        """The k nearest rows from one snapshot, nearest first, `batch_size` rows per fetch."""
        sql = self.sql

        def prepare(conn: psycopg.Connection[Any]) -> Tuple[str, List[Any]]:
            # The collection is described from the stream's own snapshot: no cache to go stale.
            row = conn.execute(sql.collection_info(), [quote_identifier(table), table]).fetchone()
            info = _info_from_row(table, row)
            _check_dimension(info, query)
            self._collections[table], self._oids[table] = info, _oid_from_row(row)
            for setting in sql.search_settings(info.index, k, where is not None):
                conn.execute(setting)
            return _stream_search(sql, table, info, query, k, where)

        stream = self._stream(table, prepare, batch_size)
        try:
            for row in stream:
                yield _document(row), float(row[3])
        finally:
            stream.close()
