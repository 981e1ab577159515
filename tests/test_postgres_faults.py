"""Fault tests on a real PostgreSQL: restarts, pool exhaustion, timeouts, cancellation, 40001."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import uuid
from typing import Any, AsyncGenerator, Generator, Iterator, List, Sequence, Tuple
from urllib.parse import quote, urlencode

import numpy as np
import psycopg
import pytest

from sqlvec._async.engine import AsyncEngine
from sqlvec._async.vectorstore import AsyncVectorStore
from sqlvec._drivers.postgres import AsyncPostgresDriver, PostgresDriver
from sqlvec.embeddings import HashEmbedding
from sqlvec.errors import SqlvecError
from sqlvec.pool import DatabaseConnectionError, DatabaseError, PoolTimeoutError, RequestTimeoutError

try:
    from tests.postgres_server import PostgresServer, wait_until_accepting
except ImportError:
    from postgres_server import PostgresServer, wait_until_accepting  # type: ignore[no-redef]

DIM = 16


def _url(dsn: str, **params: Any) -> str:
    query = urlencode(params, quote_via=quote)
    return f"{dsn}?{query}" if query else dsn


def _table() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


def _vectors(n: int, seed: int = 0) -> List[List[float]]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, DIM)).astype(np.float32).tolist()  # type: ignore[no-any-return]


def _active_inserts(dsn: str, table: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE %s",
            [f'INSERT INTO "{table}"%'],
        ).fetchone()
        return int(row[0]) if row else 0


def _backend_pids(dsn: str, application: str = "sqlvec") -> List[int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [application]).fetchall()
        return [int(r[0]) for r in rows]


@pytest.fixture
def dsn(postgres_dsn: str) -> str:
    return postgres_dsn


# -- server stopped in the middle of a batch insert -----------------------------------------


@pytest.mark.asyncio
async def test_async_server_stop_mid_batch_leaves_nothing_and_engine_recovers(
    controlled_postgres: PostgresServer,
) -> None:
    server = controlled_postgres
    table = _table()
    url = _url(server.dsn, acquire_timeout=2, request_timeout=60, retry_attempts=1)
    engine = AsyncEngine.from_url(url)
    try:
        await engine.ainit_vectorstore_table(table, vector_dimension=DIM)
        store = AsyncVectorStore(engine, HashEmbedding(DIM), collection_name=table)
        n = 60_000
        vectors = _vectors(n)
        texts = [f"doc {i}" for i in range(n)]
        insert = asyncio.ensure_future(store.aadd_embeddings(texts, vectors))
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + 30
        while not await loop.run_in_executor(None, _active_inserts, server.dsn, table):
            assert not insert.done(), "the batch finished before the server could be stopped"
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        await loop.run_in_executor(None, server.stop)
        with pytest.raises(SqlvecError):
            await insert
        await loop.run_in_executor(None, server.start)
        await loop.run_in_executor(None, wait_until_accepting, server.dsn)
        # The same engine, not rebuilt: the pool replaces its dead connections.
        assert await store.acount() == 0
        await store.aadd_texts(["after the restart"], ids=["r1"])
        assert [d.id for d in await store.asimilarity_search("after the restart", k=1)] == ["r1"]
    finally:
        await engine.aclose()


def test_sync_server_stop_mid_batch_leaves_nothing_and_engine_recovers(
    controlled_postgres: PostgresServer,
) -> None:
    server = controlled_postgres
    table = _table()
    driver = PostgresDriver.from_url(_url(server.dsn, acquire_timeout=2, request_timeout=60, retry_attempts=1))
    from sqlvec.models import Batch

    try:
        driver.init_table(table, dimension=DIM, distance="l2", if_not_exists=True)
        n = 60_000
        batch = Batch(
            [f"id{i}" for i in range(n)],
            [f"doc {i}" for i in range(n)],
            [{"i": i} for i in range(n)],
            np.asarray(_vectors(n), dtype=np.float32),
        )
        errors: List[BaseException] = []

        def insert() -> None:
            try:
                driver.upsert(table, batch)
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=insert)
        thread.start()
        deadline = time.monotonic() + 30
        while not _active_inserts(server.dsn, table):
            assert thread.is_alive(), "the batch finished before the server could be stopped"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        server.stop()
        thread.join(60)
        assert len(errors) == 1 and isinstance(errors[0], SqlvecError), errors
        server.start()
        wait_until_accepting(server.dsn)
        assert driver.count(table, None) == 0
        driver.upsert(table, Batch(["a"], ["x"], [{}], np.ones((1, DIM), dtype=np.float32)))
        assert driver.count(table, None) == 1
    finally:
        driver.close()


# -- pool exhausted ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_async_pool_exhausted_raises_typed_timeout_then_recovers(dsn: str) -> None:
    driver = AsyncPostgresDriver.from_url(_url(dsn, min_size=0, max_size=2, acquire_timeout=0.5, request_timeout=20))
    release = asyncio.Event()
    held = 0

    async def hold(conn: Any) -> None:
        nonlocal held
        held += 1
        await release.wait()

    try:
        holders = [asyncio.ensure_future(driver.run(hold, idempotent=True, transaction=False)) for _ in range(2)]
        while held < 2:
            await asyncio.sleep(0.01)
        started = time.monotonic()
        with pytest.raises(PoolTimeoutError) as info:
            await driver.ping()
        waited = time.monotonic() - started
        assert 0.4 <= waited < 3, waited
        assert isinstance(info.value, TimeoutError)
        release.set()
        for holder in holders:
            await holder
        for _ in range(5):
            await driver.ping()
        stats = driver.pool.get_stats()
        assert stats.get("requests_waiting", 0) == 0
    finally:
        release.set()
        await driver.close()


def test_sync_pool_exhausted_raises_typed_timeout_then_recovers(dsn: str) -> None:
    driver = PostgresDriver.from_url(_url(dsn, min_size=0, max_size=2, acquire_timeout=0.5, request_timeout=20))
    release = threading.Event()
    held = threading.Semaphore(0)

    def hold(conn: Any) -> None:
        held.release()
        release.wait(15)

    threads = [threading.Thread(target=driver.run, args=(hold,), kwargs={"idempotent": True}) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for _ in range(2):
            assert held.acquire(timeout=10)
        started = time.monotonic()
        with pytest.raises(PoolTimeoutError):
            driver.ping()
        assert 0.4 <= time.monotonic() - started < 3
        release.set()
        for thread in threads:
            thread.join(10)
        for _ in range(5):
            driver.ping()
    finally:
        release.set()
        driver.close()


# -- request timeout ----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_async_statement_past_request_timeout_is_cancelled_server_side(dsn: str) -> None:
    driver = AsyncPostgresDriver.from_url(_url(dsn, max_size=1, request_timeout=0.3))
    try:

        async def slow(conn: Any) -> None:
            await conn.execute("SELECT pg_sleep(5)")

        started = time.monotonic()
        with pytest.raises(RequestTimeoutError):
            await driver.run(slow, idempotent=True)
        assert time.monotonic() - started < 2.5

        async def setting(conn: Any) -> Any:
            return await (await conn.execute("SHOW statement_timeout")).fetchone()

        # The only connection is usable afterwards and still carries the server-side limit.
        assert (await driver.run(setting, idempotent=True, transaction=False)) == ("300ms",)
    finally:
        await driver.close()


@pytest.mark.asyncio
async def test_async_statement_the_server_does_not_stop_is_cancelled_client_side(dsn: str) -> None:
    driver = AsyncPostgresDriver.from_url(_url(dsn, max_size=1, request_timeout=0.3))
    try:

        async def hung(conn: Any) -> None:
            # Defeat the server-side limit to stand for a statement the server never ends.
            await conn.execute("SET LOCAL statement_timeout = 0")
            await conn.execute("SELECT pg_sleep(30)")

        started = time.monotonic()
        with pytest.raises(RequestTimeoutError):
            await driver.run(hung, idempotent=True)
        assert time.monotonic() - started < 5
        await driver.ping()
    finally:
        await driver.close()


def test_sync_statement_past_request_timeout_is_cancelled(dsn: str) -> None:
    driver = PostgresDriver.from_url(_url(dsn, max_size=1, request_timeout=0.3))
    try:
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError):
            driver.run(lambda conn: conn.execute("SELECT pg_sleep(5)"), idempotent=True)
        assert time.monotonic() - started < 2.5

        def hung(conn: Any) -> None:
            conn.execute("SET LOCAL statement_timeout = 0")
            conn.execute("SELECT pg_sleep(30)")

        started = time.monotonic()
        with pytest.raises(RequestTimeoutError):
            driver.run(hung, idempotent=True)
        assert time.monotonic() - started < 5
        driver.ping()
    finally:
        driver.close()


def test_sync_frozen_backend_cannot_hang_the_caller(dsn: str, postgres_server: Any) -> None:
    if postgres_server is None:
        pytest.skip("freezes a server process: only done to the throwaway server")
    application = f"frozen_{uuid.uuid4().hex[:8]}"
    driver = PostgresDriver.from_url(_url(dsn, max_size=1, request_timeout=0.3, application_name=application))
    frozen: List[int] = []
    try:
        driver.ping()
        pids = _backend_pids(dsn, application)
        assert len(pids) == 1

        def frozen_query(conn: Any) -> None:
            conn.execute("SET LOCAL statement_timeout = 0")
            frozen.append(pids[0])
            os.kill(pids[0], signal.SIGSTOP)  # neither the query nor a cancel can finish now
            conn.execute("SELECT 1")

        started = time.monotonic()
        with pytest.raises(RequestTimeoutError):
            driver.run(frozen_query, idempotent=True)
        assert time.monotonic() - started < 10
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)
        driver.close()


# -- cancellation ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_async_search_cancelled_mid_flight_returns_a_clean_connection(dsn: str) -> None:
    table = _table()
    engine = AsyncEngine.from_url(_url(dsn, min_size=1, max_size=1, request_timeout=30))
    try:
        await engine.ainit_vectorstore_table(table, vector_dimension=DIM)
        store = AsyncVectorStore(engine, HashEmbedding(DIM), collection_name=table)
        await store.aadd_texts(["alpha", "beta"], ids=["a", "b"])
        blocker = await psycopg.AsyncConnection.connect(dsn)
        try:
            # An exclusive lock makes the search wait in the server: it is mid-flight.
            await blocker.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
            search = asyncio.ensure_future(store.asimilarity_search("alpha", k=1))
            deadline = time.monotonic() + 10
            # pg_stat_activity is a per-transaction snapshot: look from outside the lock's.
            monitor = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
            try:
                while True:
                    cur = await monitor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                        ["SELECT id, content%"],
                    )
                    row = await cur.fetchone()
                    if row and row[0]:
                        break
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.02)
            finally:
                await monitor.close()
            search.cancel()
            with pytest.raises(asyncio.CancelledError):
                await search
            await blocker.rollback()
        finally:
            await blocker.close()
        driver = engine.driver
        assert isinstance(driver, AsyncPostgresDriver)

        async def state(conn: Any) -> Any:
            return conn.info.transaction_status, await (
                await conn.execute("SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in%'")
            ).fetchone()

        status, _ = await driver.run(state, idempotent=True, transaction=False)
        assert status == psycopg.pq.TransactionStatus.IDLE
        assert [d.id for d in await store.asimilarity_search("alpha", k=1)] == ["a"]
        assert driver.pool.get_stats()["pool_size"] == 1
    finally:
        await engine.aclose()


# -- streams: cancellation, timeouts and retries mid-stream ---------------------------------------

#: Rows 1, 2, 3 through a cursor fetching one at a time; computing row 2 sleeps {0} seconds.
SLOW_SECOND_ROW = "SELECT g, pg_sleep(CASE WHEN g >= 2 THEN {0} ELSE 0 END)::text FROM generate_series(1, 3) g"


def _async_rows(
    driver: AsyncPostgresDriver, statement: str, batch_size: int = 1, before: Sequence[str] = ()
) -> AsyncGenerator[Any, None]:
    """A raw stream of the driver (what iter_documents and search_stream run on)."""

    async def prepare(conn: Any) -> Tuple[str, List[Any]]:
        for setup in before:
            await conn.execute(setup)
        return statement, []

    return driver._stream("streamed", prepare, batch_size)


def _sync_rows(
    driver: PostgresDriver, statement: str, batch_size: int = 1, before: Sequence[str] = ()
) -> Generator[Any, None, None]:
    """A raw stream of the sync driver."""

    def prepare(conn: Any) -> Tuple[str, List[Any]]:
        for setup in before:
            conn.execute(setup)
        return statement, []

    return driver._stream("streamed", prepare, batch_size)


async def _sleeping(dsn: str, application: str) -> int:
    """How many backends of this application are in pg_sleep (a fetch mid-flight)."""
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as monitor:
        cur = await monitor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND wait_event = 'PgSleep'",
            [application],
        )
        row = await cur.fetchone()
        return int(row[0]) if row else 0


async def _clean_state(driver: AsyncPostgresDriver) -> Any:
    async def state(conn: Any) -> Any:
        return conn.info.transaction_status

    return await driver.run(state, idempotent=True, transaction=False)


@pytest.mark.asyncio
async def test_async_stream_cancelled_mid_fetch_returns_a_clean_connection(dsn: str) -> None:
    application = f"stream_{uuid.uuid4().hex[:8]}"
    driver = AsyncPostgresDriver.from_url(
        _url(dsn, min_size=1, max_size=1, request_timeout=60, application_name=application)
    )
    got: List[int] = []

    async def consume() -> None:
        async for row in _async_rows(driver, SLOW_SECOND_ROW.format(60)):
            got.append(row[0])

    try:
        task = asyncio.ensure_future(consume())
        deadline = time.monotonic() + 10
        while not (got and await _sleeping(dsn, application)):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert got == [1]
        # The fetch was cancelled on the server, the transaction rolled back, the connection kept.
        assert await _sleeping(dsn, application) == 0
        assert await _clean_state(driver) == psycopg.pq.TransactionStatus.IDLE
        assert driver.pool.get_stats()["pool_size"] == 1
        assert [r[0] async for r in _async_rows(driver, "SELECT generate_series(1, 5)", 2)] == [1, 2, 3, 4, 5]
    finally:
        await driver.close()


@pytest.mark.asyncio
async def test_async_task_cancelled_between_rows_lets_go_of_its_stream(dsn: str) -> None:
    table = _table()
    engine = AsyncEngine.from_url(_url(dsn, min_size=1, max_size=1, acquire_timeout=5))
    got: List[str] = []

    async def consume(store: AsyncVectorStore) -> None:
        async for doc in store.aiter_documents(batch_size=2):
            got.append(doc.id or "")
            await asyncio.sleep(60)  # cancelled here, outside the stream: it is simply abandoned

    try:
        await engine.ainit_vectorstore_table(table, vector_dimension=DIM)
        store = AsyncVectorStore(engine, HashEmbedding(DIM), collection_name=table)
        await store.aadd_texts([f"t{i}" for i in range(10)], ids=[f"{i}" for i in range(10)])
        task = asyncio.ensure_future(consume(store))
        while not got:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The pool's only connection comes back once the loop has closed the abandoned stream.
        assert await store.acount() == 10
        driver = engine.driver
        assert isinstance(driver, AsyncPostgresDriver)
        assert await _clean_state(driver) == psycopg.pq.TransactionStatus.IDLE
    finally:
        await engine.aclose()


@pytest.mark.asyncio
async def test_async_stream_fetch_past_request_timeout_is_cancelled(dsn: str) -> None:
    driver = AsyncPostgresDriver.from_url(_url(dsn, max_size=1, request_timeout=0.3))
    try:
        for before, bound in [((), 2.5), (("SET LOCAL statement_timeout = 0",), 5)]:
            # First the server's statement_timeout ends the fetch; then, with it defeated, the client.
            got: List[int] = []
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError):
                async for row in _async_rows(driver, SLOW_SECOND_ROW.format(30), before=before):
                    got.append(row[0])
            assert got == [1]
            assert time.monotonic() - started < bound
            assert driver.retries == 0
            assert await _clean_state(driver) == psycopg.pq.TransactionStatus.IDLE
    finally:
        await driver.close()


def test_sync_stream_fetch_past_request_timeout_is_cancelled(dsn: str) -> None:
    driver = PostgresDriver.from_url(_url(dsn, max_size=1, request_timeout=0.3))
    try:
        for before, bound in [((), 2.5), (("SET LOCAL statement_timeout = 0",), 5)]:
            got: List[int] = []
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError):
                for row in _sync_rows(driver, SLOW_SECOND_ROW.format(30), before=before):
                    got.append(row[0])
            assert got == [1]
            assert time.monotonic() - started < bound
            status = driver.run(lambda conn: conn.info.transaction_status, idempotent=True, transaction=False)
            assert status == psycopg.pq.TransactionStatus.IDLE
    finally:
        driver.close()


@pytest.fixture
def fails_from_row_two(dsn: str) -> Iterator[str]:
    """A query whose row 1 comes back and whose row 2 fails with a genuine 40001."""
    name = f"fail_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            f"CREATE FUNCTION {name}(g int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN IF g >= 2 THEN "
            "RAISE EXCEPTION 'simulated conflict' USING ERRCODE = '40001'; END IF; RETURN g; END $$"
        )
    yield f"SELECT {name}(g) FROM generate_series(1, 3) g"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP FUNCTION {name}(int)")


@pytest.mark.asyncio
async def test_async_stream_is_retried_before_its_first_row_only(dsn: str, flaky: str, fails_from_row_two: str) -> None:
    driver = AsyncPostgresDriver.from_url(dsn)
    try:
        rows = [r[0] async for r in _async_rows(driver, "SELECT generate_series(1, 3)", before=[flaky])]
        assert rows == [1, 2, 3]
        assert driver.retries == 2
        got: List[int] = []
        with pytest.raises(DatabaseError) as info:
            async for row in _async_rows(driver, fails_from_row_two):
                got.append(row[0])
        # Row 1 was handed out: running the stream again would hand it out twice.
        assert (got, info.value.sqlstate, driver.retries) == ([1], "40001", 2)
    finally:
        await driver.close()


def test_sync_stream_is_retried_before_its_first_row_only(dsn: str, flaky: str, fails_from_row_two: str) -> None:
    driver = PostgresDriver.from_url(dsn)
    try:
        rows = [r[0] for r in _sync_rows(driver, "SELECT generate_series(1, 3)", before=[flaky])]
        assert rows == [1, 2, 3]
        assert driver.retries == 2
        got: List[int] = []
        with pytest.raises(DatabaseError) as info:
            for row in _sync_rows(driver, fails_from_row_two):
                got.append(row[0])
        assert (got, info.value.sqlstate, driver.retries) == ([1], "40001", 2)
    finally:
        driver.close()


# -- real serialization failures (40001) ----------------------------------------------------------


def _counter_table(dsn: str) -> str:
    table = _table()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE TABLE "{table}" (id int PRIMARY KEY, n int NOT NULL)')
        conn.execute(f'INSERT INTO "{table}" VALUES (1, 0)')
    return table


@pytest.mark.asyncio
async def test_async_serialization_failures_are_retried_whole(dsn: str) -> None:
    table = _counter_table(dsn)
    url = _url(
        dsn,
        max_size=8,
        options="-c default_transaction_isolation=serializable",
        retry_attempts=50,
    )
    driver = AsyncPostgresDriver.from_url(url)
    try:

        async def increment(conn: Any) -> None:
            row = await (await conn.execute(f'SELECT n FROM "{table}" WHERE id = 1')).fetchone()
            await asyncio.sleep(0.01)  # widen the window: concurrent readers conflict
            await conn.execute(f'UPDATE "{table}" SET n = %s WHERE id = 1', [row[0] + 1])

        # Not idempotent, yet safe to retry: a 40001 means the server rolled it all back.
        await asyncio.gather(*(driver.run(increment, idempotent=False) for _ in range(8)))

        async def read(conn: Any) -> Any:
            return await (await conn.execute(f'SELECT n FROM "{table}"')).fetchone()

        assert await driver.run(read, idempotent=True) == (8,)
        assert driver.retries > 0
    finally:
        await driver.close()


def test_sync_serialization_failures_are_retried_whole(dsn: str) -> None:
    table = _counter_table(dsn)
    url = _url(
        dsn,
        max_size=8,
        options="-c default_transaction_isolation=serializable",
        retry_attempts=50,
    )
    driver = PostgresDriver.from_url(url)
    barrier = threading.Barrier(6)

    def increment(conn: Any) -> None:
        row = conn.execute(f'SELECT n FROM "{table}" WHERE id = 1').fetchone()
        time.sleep(0.01)
        conn.execute(f'UPDATE "{table}" SET n = %s WHERE id = 1', [row[0] + 1])

    def worker() -> None:
        barrier.wait(10)
        driver.run(increment, idempotent=False)

    try:
        threads = [threading.Thread(target=worker) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        row = driver.run(lambda c: c.execute(f'SELECT n FROM "{table}"').fetchone(), idempotent=True)
        assert row == (6,)
        assert driver.retries > 0
    finally:
        driver.close()


# -- CockroachDB's savepoint protocol, run on PostgreSQL ------------------------------------------


@pytest.fixture
def flaky(dsn: str) -> Iterator[str]:
    """A statement that fails with a genuine 40001 the first two times it runs, then succeeds."""
    seq = f"flaky_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SEQUENCE {seq}")
    # nextval() is not rolled back, so the count survives ROLLBACK TO SAVEPOINT.
    yield (
        f"DO $$ BEGIN IF nextval('{seq}') <= 2 THEN "
        "RAISE EXCEPTION 'simulated restart' USING ERRCODE = '40001'; END IF; END $$"
    )


def test_cockroach_savepoint_retry_protocol_on_postgres(dsn: str, flaky: str) -> None:
    table = _table()
    driver = PostgresDriver.from_url(dsn.replace("postgresql://", "cockroachdb://", 1))
    statements: List[str] = []
    try:
        driver.init_table(table, dimension=DIM, distance="cosine", if_not_exists=True)

        def work(conn: Any) -> None:
            conn.execute(
                f'INSERT INTO "{table}" VALUES (%s, %s, %s, %s::vector)',
                [f"r{len(statements)}", "x", "{}", np.ones(DIM, dtype=np.float32)],
            )
            statements.append("insert")
            conn.execute(flaky)

        driver.run(work, idempotent=False)
        assert statements == ["insert"] * 3
        assert driver.retries == 2
        # Only the last try survived: the first two were rolled back to the savepoint.
        assert driver.count(table, None) == 1
    finally:
        driver.close()


@pytest.mark.asyncio
async def test_async_cockroach_dialect_store_scenario_on_postgres(dsn: str) -> None:
    table = _table()
    async with AsyncEngine.from_url(dsn.replace("postgresql://", "cockroachdb://", 1)) as engine:
        await engine.ainit_vectorstore_table(table, vector_dimension=DIM, distance="l2")
        store = AsyncVectorStore(engine, HashEmbedding(DIM), collection_name=table)
        ids = await store.aadd_texts(
            ["red apple", "green apple", "blue sky"],
            metadatas=[{"kind": "fruit", "n": 1}, {"kind": "fruit", "n": 2}, {"kind": "sky"}],
        )
        hits = await store.asimilarity_search("red apple", k=2, filter={"kind": "fruit"})
        assert hits[0].id == ids[0]
        assert {d.id for d in hits} == set(ids[:2])
        assert await store.acount({"n": {"$gte": 2}}) == 1
        assert await store.adelete(filter={"kind": "sky"}) == 1
        await engine.adrop_table(table)


# -- a backend that dies while running a statement --------------------------------------------

#: Kills the backend running it, as a server-side crash (SIGILL, OOM kill) would.
_KILL_OWN_BACKEND = "SELECT pg_terminate_backend(pg_backend_pid())"


@pytest.mark.asyncio
async def test_async_backend_dying_mid_statement_is_retried_once_and_said_so(dsn: str) -> None:
    driver = AsyncPostgresDriver.from_url(dsn)
    calls = 0

    async def crash(conn: Any) -> None:
        nonlocal calls
        calls += 1
        await conn.execute(_KILL_OWN_BACKEND)

    try:
        started = time.monotonic()
        with pytest.raises(DatabaseConnectionError, match="closed the connection while running") as info:
            await driver.run(crash, idempotent=True)
        # Once more for a connection that was merely stale; not again for a statement that kills it.
        assert (calls, driver.retries) == (2, 1)
        assert "2 times" in str(info.value)
        assert time.monotonic() - started < 5
    finally:
        await driver.close()


def test_sync_backend_dying_mid_statement_is_retried_once_and_said_so(dsn: str) -> None:
    driver = PostgresDriver.from_url(dsn)
    calls = 0

    def crash(conn: Any) -> None:
        nonlocal calls
        calls += 1
        conn.execute(_KILL_OWN_BACKEND)

    try:
        with pytest.raises(DatabaseConnectionError, match="closed the connection while running") as info:
            driver.run(crash, idempotent=True)
        assert (calls, driver.retries) == (2, 1)
        assert "2 times" in str(info.value)
    finally:
        driver.close()


def test_sync_stream_whose_backend_dies_is_retried_once(dsn: str) -> None:
    driver = PostgresDriver.from_url(dsn)
    try:
        with pytest.raises(DatabaseConnectionError, match="closed the connection while running"):
            list(_sync_rows(driver, "SELECT 1", before=[_KILL_OWN_BACKEND]))
        assert driver.retries == 1
    finally:
        driver.close()


@pytest.mark.asyncio
async def test_async_stream_whose_backend_dies_is_retried_once(dsn: str) -> None:
    driver = AsyncPostgresDriver.from_url(dsn)
    try:
        with pytest.raises(DatabaseConnectionError, match="closed the connection while running"):
            _ = [r async for r in _async_rows(driver, "SELECT 1", before=[_KILL_OWN_BACKEND])]
        assert driver.retries == 1
    finally:
        await driver.close()
