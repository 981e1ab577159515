"""Taking a connection from the pool and giving it back, safe against interrupts: a hand-written twin pair.

The generated sync driver calls `Checkout` where the async one calls `AsyncCheckout`, with the
same surface: `get(pool)`, `put(pool, conn)`, `connection(pool)` (a context manager doing both)
and `close()` / `aclose()`.

Why a twin: psycopg_pool's async pool answers a cancelled wait by withdrawing the waiter, so
`AsyncCheckout` only forwards. Its sync pool catches `Exception` only while a caller waits: a
`KeyboardInterrupt` (Ctrl-C, a notebook's "interrupt kernel") arriving in that wait leaves a
waiter in its queue that nobody serves, the next connection given back is handed to it, and
that connection is lost to the pool for good (a pool of one then serves nobody again).

`Checkout` keeps the caller out of that wait where an interrupt can reach it: Python runs
signal handlers, and so raises `KeyboardInterrupt`, in the main thread only. A call from
another thread waits in the pool directly. A call from the main thread takes an idle
connection if there is one (waiting at most `PROBE` seconds), else hands the wait to a helper
thread and waits for the handoff instead; interrupted, it withdraws, and the helper gives the
connection back to the pool as soon as it gets one. What is left exposed is an interrupt
landing within those 0.2 ms of an exhausted pool. Giving a connection back rolls
an open transaction back first, here rather than in the pool, so that an interrupt during that
rollback closes the connection (the pool replaces it) instead of losing it.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from typing import Any, AsyncIterator, Iterator, List, Optional

import psycopg
import psycopg_pool
from psycopg.pq import TransactionStatus

#: Seconds the main thread waits in the pool itself before handing the wait to a helper thread:
#: enough to take an idle connection, too short to wait for one. Handing every checkout over
#: would cost two thread switches (about 90 us on loopback, where a whole ping takes 130 us).
PROBE = 0.0002


#: Seconds a helper thread waits for the next handoff before it ends (a driver never closed
#: leaves no thread behind for long).
IDLE_HELPER = 30.0


class AsyncCheckout:
    """Connections from an async pool: psycopg_pool already survives a cancelled caller."""

    async def get(self, pool: psycopg_pool.AsyncConnectionPool[Any]) -> psycopg.AsyncConnection[Any]:
        """A connection from the pool (waits up to the pool's timeout)."""
        conn: psycopg.AsyncConnection[Any] = await pool.getconn()
        return conn

    async def put(self, pool: psycopg_pool.AsyncConnectionPool[Any], conn: psycopg.AsyncConnection[Any]) -> None:
        """Give the connection back."""
        await pool.putconn(conn)

    @contextlib.asynccontextmanager
    async def connection(self, pool: psycopg_pool.AsyncConnectionPool[Any]) -> AsyncIterator[Any]:
        """A connection for the block, given back at its end."""
        conn = await self.get(pool)
        try:
            yield conn
        finally:
            await self.put(pool, conn)

    async def aclose(self) -> None:
        """Nothing to stop."""


class Checkout:
    """Connections from a sync pool, never lost to an interrupt (see the module docstring)."""

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue[Optional[_Handoff]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._workers = 0
        self._idle = 0

    def get(self, pool: psycopg_pool.ConnectionPool[Any]) -> psycopg.Connection[Any]:
        """A connection from the pool (waits up to the pool's timeout)."""
        if threading.current_thread() is not threading.main_thread():
            conn: psycopg.Connection[Any] = pool.getconn()  # no signal handler runs here: no interrupt
            return conn
        try:
            # An idle connection is handed out without waiting; otherwise this gives up after
            # PROBE seconds (the one moment an interrupt could still cost a connection).
            conn = pool.getconn(PROBE)
            return conn
        except psycopg_pool.PoolTimeout:
            pass
        handoff = _Handoff(pool)
        with self._lock:
            if self._idle:
                self._idle -= 1
            else:
                self._workers += 1
                threading.Thread(target=self._serve, name="sqlvec-checkout", daemon=True).start()
        self._requests.put(handoff)
        return handoff.wait()

    def put(self, pool: psycopg_pool.ConnectionPool[Any], conn: psycopg.Connection[Any]) -> None:
        """Give the connection back: rolled back here if a transaction is open, closed if that fails."""
        status = conn.pgconn.transaction_status
        if status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
            try:
                conn.rollback()
            except BaseException as exc:
                conn.close()  # in an unknown state: the pool replaces a closed connection
                pool.putconn(conn)
                if isinstance(exc, Exception):
                    return  # what the pool would have done: discard it, quietly
                raise
        pool.putconn(conn)

    @contextlib.contextmanager
    def connection(self, pool: psycopg_pool.ConnectionPool[Any]) -> Iterator[Any]:
        """A connection for the block, given back at its end."""
        conn = self.get(pool)
        try:
            yield conn
        finally:
            self.put(pool, conn)

    def close(self) -> None:
        """End the helper threads (the driver closed)."""
        with self._lock:
            workers, self._workers, self._idle = self._workers, 0, 0
        for _ in range(workers):
            self._requests.put(None)

    def _serve(self) -> None:
        while True:
            try:
                handoff = self._requests.get(timeout=IDLE_HELPER)
            except queue.Empty:
                with self._lock:
                    if self._idle:  # nobody counts on this thread: it ends
                        self._idle -= 1
                        self._workers -= 1
                        return
                continue  # a handoff is on its way to some helper: stay for it
            if handoff is None:
                return
            handoff.fetch()
            with self._lock:
                self._idle += 1


class _Handoff:
    """One connection wanted by the main thread and waited for by a helper thread."""

    def __init__(self, pool: psycopg_pool.ConnectionPool[Any]) -> None:
        self.pool = pool
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.result: List[Any] = []  # [conn] or [None, error]
        self.abandoned = False

    def fetch(self) -> None:
        """In the helper: wait in the pool, then hand the connection over, or back if nobody wants it."""
        try:
            conn = self.pool.getconn()
        except Exception as exc:
            self.result = [None, exc]
            self.done.set()
            return
        with self.lock:
            if not self.abandoned:
                self.result = [conn]
                self.done.set()
                return
        self.pool.putconn(conn)

    def wait(self) -> psycopg.Connection[Any]:
        """In the caller: the connection, the pool's error, or the interrupt (after withdrawing)."""
        try:
            # In slices, so that Windows too (whose lock waits signals cannot break) sees Ctrl-C.
            while not self.done.wait(0.25):
                pass
        except BaseException:
            with self.lock:
                self.abandoned = True
                result, self.result = self.result, []
            if result and result[0] is not None:
                self.pool.putconn(result[0])  # handed over while the interrupt was on its way
            raise
        if self.result[0] is None:
            raise self.result[1]
        conn: psycopg.Connection[Any] = self.result[0]
        return conn
