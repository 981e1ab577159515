"""The PostgreSQL + pgvector and CockroachDB driver, written once: the sync driver is generated from it.

`AsyncPostgresDriver` uses `psycopg.AsyncConnection` through `psycopg_pool.AsyncConnectionPool`;
unawait turns it into `PostgresDriver` in `sqlvec/_drivers/_sync/postgres.py`, on
`psycopg.Connection` and `psycopg_pool.ConnectionPool`, as psycopg generates its own sync
connection and pool. The driver:
- creates the `vector` extension when missing, then registers pgvector's binary adapters on
  every pooled connection (the order matters: the type must exist to be registered);
- bounds each statement on the server (`statement_timeout`) and each request on the client
  (`pg_deadline`: the async side cancels the awaiting task, the sync side has a watchdog
  thread cancel the query and, if the server does not answer, shut the socket), so a hung
  statement cannot hang the caller;
- runs every request as one transaction, retried whole under `RetryPolicy` when the failure
  is transient and retrying is safe for that work (see `sqlvec.retry.is_transient`);
- streams `iter_documents` and `search_stream` through a named server-side cursor: one
  connection and one transaction (one snapshot) per stream, each fetch bounded like a
  request, retried only before the first row is handed out;
- on CockroachDB, follows its client-side retry protocol (`SAVEPOINT cockroach_restart`).

Where the halves differ, the difference is marked here (`if True:  # ASYNC` ... `else:`, see
README "Markers": only the lock that guards opening the pool) or lives in the one
hand-written pair, the client-side deadline of `pg_deadline`. Everything without I/O is in
`pg_common`; SQL text comes from `pgsql.PgSQL`; nothing here formats a value into SQL.

Why a tree of its own under `_drivers` rather than a module in `sqlvec/_async`: a driver is
the layer below the public API, and its generated twin belongs beside the other drivers and
their shared modules (the httpcore layout: the same file name in `_async/` and `_sync/`),
while `sqlvec/_async` keeps only what users import.
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
import weakref
from typing import Any, Callable, Dict, Generator, List, Optional, Sequence, Set, Tuple, TypeVar

# pg_common first: without the `postgres` extra it raises MissingExtraError, which names it.
from ..pg_common import (
    DATA_EXCEPTION,
    UPSERT_CHUNK_ROWS,
    PostgresSettings,
    check_dimension,
    check_existing,
    cursor_name,
    failure_of,
    info_from_row,
    oid_from_row,
    row_document,
    row_hits,
    row_hits_with_vectors,
    stale,
    stream_search,
    translate,
    upsert_params,
)

# isort: split
import numpy as np
import psycopg
import psycopg.errors
import psycopg_pool
from psycopg.types import TypeInfo

from ...documents import Document
from ...errors import (
    CollectionExistsError,
    CollectionMismatchError,
    CollectionNotFoundError,
    EngineClosedError,
    InvalidArgumentError,
    TextIndexMissingError,
    TextSearchUnsupportedError,
)
from ...filters import Filter
from ...identifiers import quote_identifier
from ...models import Batch, CollectionInfo, Float32Array, IndexSpec
from ...pool import DatabaseError, PoolConfig
from ...retry import RetryPolicy, session_lost
from .. import pg_text
from ..base import Hit, HitsWithVectors
from ..pg_checkout import Checkout
from ..pg_deadline import Deadline
from ..pgsql import PgSQL, spec_to_json
from .pg_pool import ReconnectingPool

T = TypeVar("T")

#: What `_nearest` returns for the vectors when none were asked for.
_NO_VECTORS: Float32Array = np.zeros((0, 0), dtype=np.float32)

#: Pipeline mode needs libpq >= 14 (psycopg's binary package bundles one); without it an indexed
#: search runs its statements one round trip each.
_PIPELINE = psycopg.Pipeline.is_supported()
_IN_ERROR = psycopg.pq.TransactionStatus.INERROR
_IDLE = psycopg.pq.TransactionStatus.IDLE


class PostgresDriver:
    """The PostgreSQL / CockroachDB driver, safe to share between tasks (the sync twin: threads)."""

    def __init__(self, settings: PostgresSettings) -> None:
        self.settings = settings
        self.dialect = settings.dialect
        self.sql = settings.sql
        self._pool: Optional[psycopg_pool.ConnectionPool[psycopg.Connection[Any]]] = None
        # if True:  # ASYNC
        #     # Created in connect(), inside the running loop: Python 3.9 binds locks at creation.
        #     self._open_lock: Optional[asyncio.Lock] = None
        # else:
        # Threads may race into connect(): the lock exists from the start.
        self._open_lock = threading.Lock()
        self._closed = False
        self._vector_info: Optional[TypeInfo] = None
        # What each collection looked like when last read, and its table's OID then.
        self._collections: Dict[str, CollectionInfo] = {}
        self._oids: Dict[str, Optional[int]] = {}
        # Bounds each request on the client (pg_deadline: task cancellation async, a watchdog thread sync).
        self._deadline = Deadline()
        # Takes and gives back connections (pg_checkout: the sync side survives a Ctrl-C meanwhile).
        self._checkout = Checkout()
        #: How many times a transaction was run again (for tests and monitoring).
        self.retries = 0
        # [the pool's last failed connect], [None] once one succeeds: names a server that is down.
        self._connect_error: List[Optional[Exception]] = [None]
        self._finalizer: Optional[weakref.finalize[..., PostgresDriver]] = None

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
        # if self._open_lock is None:  # unawait: async-only
        #     self._open_lock = asyncio.Lock()
        with self._open_lock:
            if self._pool is not None or self._closed:
                return
            try:
                self._bootstrap()
            except Exception as exc:
                raise translate(exc, self.settings, None, False) from exc
            config = self.settings.pool
            pool: psycopg_pool.ConnectionPool[psycopg.Connection[Any]]
            pool = ReconnectingPool(
                self.settings.conninfo,
                kwargs=self.settings.connect_kwargs(),
                min_size=config.min_size,
                max_size=config.max_size,
                timeout=config.acquire_timeout,
                max_idle=config.max_idle,
                max_lifetime=config.max_lifetime,
                connection_class=_recording_connections(self._connect_error),
                # The pool's callbacks hold the vector type, not the driver: a driver dropped
                # unclosed is then collected (and its finalizer runs) while the pool still works.
                vector_info=self._vector_info,
                health_check=config.health_check,
                name="sqlvec",
                open=False,
            )
            pool.open(wait=False)
            self._pool = pool
            # Dropped without close(): warn, stop the watchdog thread and the pool's threads (sync)
            # or tasks (async). The pool's callbacks do not hold the driver, so it is collected.
            # if True:  # ASYNC
            #     loop: Any = asyncio.get_running_loop()
            # else:
            loop = None
            self._finalizer = weakref.finalize(
                self, _abandoned, self._deadline, self._checkout, self.settings.dialect, pool, loop
            )

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

    def close(self) -> None:
        """Close the pool (and end the sync driver's watchdog thread); idempotent."""
        self._closed = True
        if self._finalizer is not None:
            self._finalizer.detach()
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
        self._deadline.close()
        self._checkout.close()

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
            fired: List[bool] = []
            committing: List[bool] = []
            try:
                # getconn/putconn rather than pool.connection(): the latter also enters the
                # connection's own context, whose commit or rollback is a no-op for the work
                # here (autocommit, transactions closed by conn.transaction()) yet costs a few
                # microseconds per call. putconn still rolls back anything left open and
                # replaces a broken or closed connection; a caller's own work (run()) keeps
                # the connection's context, so what it leaves open is committed as before.
                conn = self._checkout.get(pool)
                try:
                    # Typed here: mypy loses the T of a generic method passed on as an argument.
                    result: T = self._deadline.run(
                        conn, limit, fired, self._attempt, conn, work, transaction, own_context, committing
                    )
                    return result
                finally:
                    self._checkout.put(pool, conn)
            except Exception as exc:
                losses = self._retry_or_raise(
                    exc, attempt, losses, bool(fired), idempotent, table, committing=bool(committing)
                )

    def _retry_or_raise(
        self,
        exc: Exception,
        attempt: int,
        losses: int,
        timed_out: bool,
        idempotent: bool,
        table: Optional[str],
        may_retry: bool = True,
        committing: bool = False,
    ) -> int:
        """After a failed attempt: back off and return the sessions lost so far, or raise the sqlvec error."""
        failure = failure_of(exc)
        losses += failure is not None and session_lost(*failure)
        if (
            may_retry
            and not timed_out
            and failure is not None
            and self.settings.retry.should_retry(attempt, *failure, idempotent, losses)
        ):
            self.retries += 1
            time.sleep(self.settings.retry.backoff(attempt))
            return losses
        if table is not None and isinstance(exc, psycopg.errors.UndefinedTable):
            self._collections.pop(table, None)
        raise translate(exc, self.settings, table, timed_out, losses, committing, self._connect_error[0]) from exc

    def run(
        self,
        work: Callable[[psycopg.Connection[Any]], T],
        *,
        idempotent: bool,
        transaction: bool = True,
    ) -> T:
        """Run your own `work(conn)` under this driver's pool, timeouts and retries.

        `work` is a coroutine function for the async driver, a plain one for the sync driver.
        Pass idempotent=True only if running the work twice equals running it once.
        """
        return self._run(work, idempotent=idempotent, transaction=transaction, own_context=True)

    def _attempt(
        self,
        conn: psycopg.Connection[Any],
        work: Callable[[psycopg.Connection[Any]], T],
        transaction: bool,
        own_context: bool = False,
        committing: Optional[List[bool]] = None,
    ) -> T:
        """One try of `work`; appends True to `committing` once only the COMMIT is left to do."""
        if own_context:
            try:
                with conn:
                    return self._attempt(conn, work, transaction, committing=committing)
            finally:
                _reset_session(conn)
        if not transaction:
            return work(conn)
        committing = [] if committing is None else committing
        with conn.transaction():
            if not self.sql.cockroach:
                result = work(conn)
                committing.append(True)  # the block's exit sends COMMIT
                return result
            # CockroachDB's protocol: on 40001 roll back to the savepoint and run the work
            # again inside the same transaction, keeping its place in the queue.
            conn.execute(self.sql.savepoint)
            retry = 0
            while True:
                try:
                    result = work(conn)
                    conn.execute(self.sql.release_savepoint)
                    committing.append(True)
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
            check_dimension(info, vectors)
        return info

    # -- the driver protocol (base.AsyncDriver; the sync twin: base.Driver) ---------------

    def ping(self) -> None:
        """Run `SELECT 1`."""

        def work(conn: psycopg.Connection[Any]) -> None:
            conn.execute("SELECT 1")

        self._run(work, idempotent=True, transaction=False)

    def init_table(self, table: str, *, dimension: int, distance: str, if_not_exists: bool) -> None:
        """Create the collection table and record it in the catalog."""
        sql = self.sql

        def work(conn: psycopg.Connection[Any]) -> CollectionInfo:
            _lock_catalog(conn, sql)
            row = _catalog_row(conn, sql, table)
            if row is not None:
                existing = info_from_row(table, row)
                if not if_not_exists:
                    raise CollectionExistsError(table)
                check_existing(table, existing, dimension, distance)
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
            _lock_catalog(conn, sql)
            row = _catalog_row(conn, sql, table)
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
            row = _catalog_row(conn, sql, table)
            return info_from_row(table, row), oid_from_row(row)

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
        # if True:  # ASYNC
        #     # Every row's metadata as JSON: off the event loop for a batch of more than one
        #     # chunk, as the store prepares its rows.
        #     if len(batch) > UPSERT_CHUNK_ROWS:
        #         rows = await asyncio.to_thread(upsert_params, batch)
        #     else:
        #         rows = upsert_params(batch)
        # else:
        rows = upsert_params(batch)

        def work(conn: psycopg.Connection[Any]) -> None:
            with conn.cursor() as cur:
                # psycopg converts a chunk's parameters in one go: awaiting between chunks keeps
                # each hold on the event loop short (one transaction all the same).
                for start in range(0, len(rows), UPSERT_CHUNK_ROWS):
                    cur.executemany(statement, rows[start : start + UPSERT_CHUNK_ROWS])

        try:
            self._run(work, idempotent=True, table=table)
        except DatabaseError as exc:
            if exc.sqlstate == DATA_EXCEPTION:  # the table changed shape since it was cached
                check_dimension(self.collection_info(table), batch.embeddings)
            raise

    def get_by_ids(self, table: str, ids: Sequence[str]) -> List[Document]:
        """Documents by id, in the order asked."""
        if not ids:
            return []
        statement = self.sql.get_by_ids(table)
        wanted = list(ids)

        def work(conn: psycopg.Connection[Any]) -> List[Sequence[Any]]:
            cur = conn.execute(statement, [wanted])
            return cur.fetchall()

        rows = self._run(work, idempotent=True, transaction=False, table=table)
        if len(wanted) == 1:
            # One id, the primary key: at most one row, already in the order asked.
            return [row_document(row) for row in rows]
        found = {row[0]: row_document(row) for row in rows}
        return [found[i] for i in wanted if i in found]

    def delete(self, table: str, *, ids: Optional[Sequence[str]], where: Optional[Filter]) -> int:
        """Delete by ids and/or filter; returns the number of rows deleted."""
        statement, params = self.sql.delete(table, None if ids is None else list(ids), where)

        def work(conn: psycopg.Connection[Any]) -> int:
            cur = conn.execute(statement, params)
            return max(cur.rowcount, 0)

        return self._run(work, idempotent=True, table=table)

    def count(self, table: str, where: Optional[Filter]) -> int:
        """Number of matching rows."""
        statement, params = self.sql.count(table, where)

        def work(conn: psycopg.Connection[Any]) -> int:
            row = conn.execute(statement, params).fetchone()
            return int(row[0]) if row is not None else 0

        return self._run(work, idempotent=True, transaction=False, table=table)

    def search(self, table: str, query: Float32Array, k: int, where: Optional[Filter]) -> List[Hit]:
        """The k nearest rows; query-time index settings are SET LOCAL in the transaction."""
        hits, _ = self._nearest(table, query, k, where, False)
        return hits

    def search_with_vectors(
        self, table: str, query: Float32Array, k: int, where: Optional[Filter]
    ) -> HitsWithVectors:
        """The k nearest rows and their stored embeddings, read by one statement."""
        return self._nearest(table, query, k, where, True)

    def _nearest(
        self, table: str, query: Float32Array, k: int, where: Optional[Filter], with_vectors: bool
    ) -> HitsWithVectors:
        """The k nearest rows (and their embeddings if asked; else an empty matrix).

        The collection's description is cached; the rows tell (by their table's OID, or by
        being fewer than k) when it may be stale, and the search then runs once more afresh.
        """
        info = self._checked(table, query)
        for fresh in (False, True):
            statement, params = self.sql.search(table, info.distance, where, k, with_vectors=with_vectors)
            params[0] = query
            settings = self.sql.search_settings(info.index, k, where is not None)
            resort = bool(settings) and info.index is not None and info.index.kind == "ivfflat"

            try:
                rows = self._search_rows(table, settings, statement, params)
            except DatabaseError as exc:
                if fresh or exc.sqlstate != DATA_EXCEPTION:
                    raise
                info = self.collection_info(table)
                check_dimension(info, query)
                continue
            if not fresh and (stale(self._oids.get(table), rows) or len(rows) < k):
                latest = self.collection_info(table)
                if latest != info or stale(self._oids.get(table), rows):
                    info = latest
                    check_dimension(info, query)
                    continue
            if with_vectors:
                return row_hits_with_vectors(rows, resort, info.dimension)
            return row_hits(rows, resort), _NO_VECTORS
        raise AssertionError("unreachable")  # pragma: no cover

    def _search_rows(
        self, table: str, settings: List[str], statement: str, params: List[Any]
    ) -> List[Sequence[Any]]:
        def work(conn: psycopg.Connection[Any]) -> List[Sequence[Any]]:
            for setting in settings:
                conn.execute(setting)
            cur = conn.execute(statement, params, binary=True)
            return cur.fetchall()

        def pipelined(conn: psycopg.Connection[Any]) -> List[Sequence[Any]]:
            # SET LOCAL needs a transaction, which run one statement at a time costs four
            # round trips (BEGIN, SET LOCAL, SELECT, COMMIT). In a pipeline they leave together
            # and their results come back together: one round trip, and the settings still end
            # with the transaction, so no other user of the pooled connection sees them.
            try:
                with conn.pipeline():
                    conn.execute("BEGIN")
                    for setting in settings:
                        conn.execute(setting)
                    cur = conn.execute(statement, params, binary=True)
                    conn.execute("COMMIT")
            except psycopg.Error:
                # A failed statement made the server skip the rest, COMMIT included: the
                # transaction is left aborted, and is ended here rather than by the pool.
                if conn.info.transaction_status == _IN_ERROR:
                    with contextlib.suppress(psycopg.Error):
                        conn.execute("ROLLBACK")
                raise
            return cur.fetchall()

        if settings and _PIPELINE:
            return self._run(pipelined, idempotent=True, transaction=False, table=table)
        # Settings need a transaction for SET LOCAL; a lone SELECT does not.
        return self._run(work, idempotent=True, transaction=bool(settings), table=table)

    # -- full-text index and keyword search (pg_text) ----------------------------------

    def _check_text_search(self) -> None:
        if self.sql.cockroach:
            raise TextSearchUnsupportedError("CockroachDB", "sqlvec's full-text index is built for PostgreSQL only")

    def text_index(self, table: str) -> Optional[str]:
        """The language of the collection's full-text index, or None."""
        self._check_text_search()

        def work(conn: psycopg.Connection[Any]) -> Optional[str]:
            return _text_language(_text_row(conn, table))

        return self._run(work, idempotent=True, transaction=False, table=table)

    def create_text_index(self, table: str, *, language: str, replace: bool) -> None:
        """Add the generated tsvector column and its GIN index (rewrites the table)."""
        self._check_text_search()
        pg_text.check_language(language)
        sql = self.sql

        def work(conn: psycopg.Connection[Any]) -> None:
            _lock_catalog(conn, sql)
            current = _text_language(_text_row(conn, table))
            if current == language:
                return
            if current is not None and not replace:
                raise CollectionMismatchError(table, "text_search", current, language)
            if conn.execute(pg_text.language_exists(), [language]).fetchone() is None:
                raise InvalidArgumentError(f"no PostgreSQL text search configuration {language!r}", language)
            conn.execute("SET LOCAL statement_timeout = 0")
            for statement in pg_text.create(table, language):
                conn.execute(statement)
            conn.execute(pg_text.record(), [language, table])

        self._run(work, idempotent=True, table=table, deadline=None)

    def drop_text_index(self, table: str) -> None:
        """Drop the tsvector column and its index."""
        self._check_text_search()
        sql = self.sql

        def work(conn: psycopg.Connection[Any]) -> None:
            _lock_catalog(conn, sql)
            _text_row(conn, table)
            for statement in pg_text.drop(table):
                conn.execute(statement)
            conn.execute(pg_text.record(), [None, table])

        self._run(work, idempotent=True, table=table, deadline=None)

    def text_search(
        self, table: str, text: str, query: Optional[Float32Array], k: int, where: Optional[Filter]
    ) -> Tuple[List[Hit], List[Hit]]:
        """Keyword hits and (with a query vector) the nearest rows, in one statement.

        The collection is described afresh first (no cache to go stale). Both legs are one
        statement, hence one snapshot; a transaction is opened only for a vector index's
        SET LOCAL settings (two round trips otherwise).
        """
        self._check_text_search()
        sql = self.sql

        def work(conn: psycopg.Connection[Any]) -> List[Sequence[Any]]:
            row = _text_row(conn, table, text)
            if _text_language(row) is None:
                raise TextIndexMissingError(table)
            info = info_from_row(table, row[2:5])
            distance = None
            settings: List[str] = []
            if query is not None:
                check_dimension(info, query)
                distance = info.distance
                settings = sql.search_settings(info.index, k, where is not None)
            statement, params = pg_text.search(sql, table, row[5], distance, where, k)
            if query is not None:
                params[0] = query
            if not settings:
                return conn.execute(statement, params, binary=True).fetchall()
            with conn.transaction():
                for setting in settings:
                    conn.execute(setting)
                return conn.execute(statement, params, binary=True).fetchall()

        rows = self._run(work, idempotent=True, transaction=False, table=table)
        nearest = sorted((row for row in rows if row[0] == 0), key=lambda row: (row[4], row[1]))
        keyword = sorted((row for row in rows if row[0] == 1), key=lambda row: (-row[4], row[1]))
        return (
            [(row_document(row[1:]), float(row[4])) for row in nearest],
            [(row_document(row[1:]), float(row[4])) for row in keyword],
        )

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
                with self._checkout.connection(pool) as conn, conn.transaction():
                    statement, params = self._deadline.run(conn, limit, fired, prepare, conn)
                    with conn.cursor(name=cursor_name(), binary=True) as cur:
                        self._deadline.run(conn, limit, fired, cur.execute, statement, params)
                        while True:
                            # The deadline bounds each fetch, not the caller's time between them.
                            rows = self._deadline.run(conn, limit, fired, cur.fetchmany, batch_size)
                            yielded = yielded or bool(rows)
                            for row in rows:
                                yield row
                            if len(rows) < batch_size:
                                break
                return
            except Exception as exc:
                # Rows already handed out cannot be taken back: only a stream that has not
                # yielded yet starts again.
                losses = self._retry_or_raise(exc, attempt, losses, bool(fired), True, table, not yielded)

    def iter_documents(
        self, table: str, where: Optional[Filter], batch_size: int
    ) -> Generator[Document, None, None]:
        """Every matching document ordered by id, from one snapshot, `batch_size` rows per fetch."""
        statement, params = self.sql.scan(table, where)

        def prepare(conn: psycopg.Connection[Any]) -> Tuple[str, List[Any]]:
            return statement, params

        stream = self._stream(table, prepare, batch_size)
        try:
            for row in stream:
                yield row_document(row)
        finally:
            stream.close()

    def search_stream(
        self, table: str, query: Float32Array, k: int, where: Optional[Filter], batch_size: int
    ) -> Generator[Hit, None, None]:
        """The k nearest rows from one snapshot, nearest first, `batch_size` rows per fetch."""
        sql = self.sql

        def prepare(conn: psycopg.Connection[Any]) -> Tuple[str, List[Any]]:
            # The collection is described from the stream's own snapshot: no cache to go stale.
            row = _catalog_row(conn, sql, table)
            info = info_from_row(table, row)
            check_dimension(info, query)
            self._collections[table], self._oids[table] = info, oid_from_row(row)
            for setting in sql.search_settings(info.index, k, where is not None):
                conn.execute(setting)
            return stream_search(sql, table, info, query, k, where)

        stream = self._stream(table, prepare, batch_size)
        try:
            for row in stream:
                yield row_document(row), float(row[3])
        finally:
            stream.close()


def _recording_connections(last_error: List[Optional[Exception]]) -> type[psycopg.Connection[Any]]:
    """A connection class for the pool that keeps its last failed connect in `last_error[0]` (None after a success).

    It holds that list, not the driver: the pool it is given to must not keep the driver alive.
    """

    class RecordingConnection(psycopg.Connection[Any]):
        @classmethod
        def connect(cls, conninfo: str = "", **kwargs: Any) -> Any:
            try:
                conn = super().connect(conninfo, **kwargs)
            except Exception as exc:
                last_error[0] = exc
                raise
            last_error[0] = None
            return conn

    return RecordingConnection


def _abandoned(
    deadline: Deadline,
    checkout: Checkout,
    dialect: str,
    pool: psycopg_pool.ConnectionPool[psycopg.Connection[Any]],
    loop: Any,
) -> None:
    """The driver was garbage collected without close(): say so and stop what would outlive it."""
    warnings.warn(
        f"unclosed sqlvec {dialect} engine: call close() / aclose() or use `with` / `async with`",
        ResourceWarning,
        stacklevel=2,
    )
    deadline.abandon()
    # if True:  # ASYNC
    #     # The async pool's workers are tasks of the event loop, not threads, and a finalizer
    #     # cannot wait for the loop: it asks the loop to close the pool. Left open, a worker
    #     # could keep the loop's shutdown (asyncio.run's end) waiting. A closed loop took the
    #     # tasks with it.
    #     with contextlib.suppress(RuntimeError):
    #         loop.call_soon_threadsafe(_close_abandoned_pool, pool)
    # else:
    # The sync pool's scheduler and worker threads, and the checkout's helper threads,
    # would outlive the driver.
    checkout.close()
    with contextlib.suppress(Exception):
        _close_abandoned_pool(pool)


#: Close tasks of abandoned pools, kept until they finish (the loop holds tasks only weakly).
_CLOSING: Set[Any] = set()


def _close_abandoned_pool(pool: psycopg_pool.ConnectionPool[psycopg.Connection[Any]]) -> None:
    """On the pool's loop: close it in a task of its own."""
    # if True:  # ASYNC
    #     task = asyncio.ensure_future(pool.close(timeout=1.0))
    #     _CLOSING.add(task)
    #     task.add_done_callback(_CLOSING.discard)
    # else:
    pool.close(timeout=1.0)


def _reset_session(conn: psycopg.Connection[Any]) -> None:
    """Undo what the caller's own work set for the session (`SET`, not `SET LOCAL`) before the pool takes it back.

    RESET ALL returns every setting to its value at connection start, the startup options
    included (statement_timeout stays the engine's). One round trip, paid by `run()` only:
    sqlvec's own requests use SET LOCAL. A connection left broken or mid-transaction is the
    pool's to clean or replace.
    """
    if conn.closed or conn.info.transaction_status != _IDLE:
        return
    with contextlib.suppress(psycopg.Error):
        conn.execute("RESET ALL")


def _lock_catalog(conn: psycopg.Connection[Any], sql: PgSQL) -> None:
    """Serialize DDL where the dialect can, and create the catalog table if missing."""
    lock = sql.ddl_lock()
    if lock is not None:
        conn.execute(lock)
    conn.execute(sql.catalog_ddl())


def _catalog_row(conn: psycopg.Connection[Any], sql: PgSQL, table: str) -> Optional[Sequence[Any]]:
    """The collection's catalog row (dimension, distance, index, table OID), or None."""
    cur = conn.execute(sql.collection_info(), [quote_identifier(table), table])
    return cur.fetchone()


def _text_row(conn: psycopg.Connection[Any], table: str, text: str = "") -> Sequence[Any]:
    """The collection's pg_text.describe() row, with `text` as tsquery text (CollectionNotFoundError)."""
    row: Optional[Sequence[Any]] = (
        conn.execute(pg_text.describe(), [quote_identifier(table), text, table])
    ).fetchone()
    if row is None:
        raise CollectionNotFoundError(table)
    return row


def _text_language(row: Sequence[Any]) -> Optional[str]:
    """The recorded language, if the column it describes exists too."""
    return str(row[0]) if row[0] is not None and row[1] else None


# This file was generated by unawait from the source below; do not edit it.
# src/sqlvec/_drivers/_async/postgres.py
# Edit the source and regenerate with:
# nox -s codegen
