"""The client-side deadline of a PostgreSQL request: the drivers' one hand-written twin pair.

The PostgreSQL driver is written once, async (`_async/postgres.py`), and its sync twin is
generated. Stopping a call that hangs is the one thing the two cannot share, because it
depends on who waits:

- `AsyncDeadline` cancels the awaiting task (a `call_later` timer). psycopg reacts to the
  cancellation by cancelling the query on the server and waiting for the answer, so the
  connection returns to the pool usable; if that takes longer than `CANCEL_GRACE`, the task
  is cancelled once more and psycopg closes the connection.
- `Deadline` cannot interrupt the caller's thread. A watchdog thread (one per driver,
  started on first use) cancels the query through libpq's cancel channel and, if the
  call has not returned `CANCEL_GRACE` later, shuts the socket down so it fails at once. The
  connection is then closed, since a cancel request may still be on its way to the next
  request on it; the pool replaces it.

Both have the same surface, so the generated driver calls `Deadline` where the async one
calls `AsyncDeadline`: `run(conn, limit, fired, fn, *args)` returns `fn(*args)` (awaited on
the async side) and appends True to `fired` when the deadline stopped it, which the driver
reports as a RequestTimeoutError and never retries; `aclose()` / `close()` ends the
watchdog thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import threading
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, TypeVar

import psycopg

from .pg_common import CANCEL_GRACE

T = TypeVar("T")


class AsyncDeadline:
    """Bounds an awaited call by cancelling its task (asyncio.TimeoutError) after `limit` seconds."""

    async def run(
        self,
        conn: psycopg.AsyncConnection[Any],
        limit: Optional[float],
        fired: List[bool],
        fn: Callable[..., Awaitable[T]],
        *args: Any,
    ) -> T:
        """`await fn(*args)`, cancelled after `limit` seconds (None: no limit)."""
        if limit is None:
            return await fn(*args)
        task = asyncio.current_task()
        assert task is not None, "AsyncDeadline.run needs a running task"
        expiry = _Expiry(task, asyncio.get_running_loop(), limit)
        try:
            result = await fn(*args)
        except asyncio.CancelledError:
            if not expiry.cancels:
                raise
            fired.append(True)
            if expiry.take_back():
                raise  # cancelled by someone else as well: that cancellation goes on
            raise asyncio.TimeoutError() from None
        finally:
            expiry.disarm()
        if expiry.cancels:
            expiry.take_back()  # `fn` finished anyway: the task must not stay marked as cancelled
        return result

    async def aclose(self) -> None:
        """Nothing to stop: the event loop does the watching."""

    def abandon(self) -> None:
        """Nothing to stop (the driver was dropped without closing)."""


class _Expiry:
    """Cancels a task at its deadline, and once more CANCEL_GRACE seconds later if it is still running.

    psycopg answers the first cancellation by sending a cancel request and waiting for the
    query to end (up to 5 s each, ten seconds on a network that stopped answering); a second
    cancellation makes it close the connection at once, and the pool replaces it.
    """

    def __init__(self, task: asyncio.Task[Any], loop: asyncio.AbstractEventLoop, limit: float) -> None:
        self.task = task
        self.loop = loop
        self.cancels = 0
        self.handle = loop.call_later(limit, self.fire)

    def fire(self) -> None:
        self.cancels += 1
        self.task.cancel()
        if self.cancels == 1:
            self.handle = self.loop.call_later(CANCEL_GRACE, self.fire)

    def disarm(self) -> None:
        self.handle.cancel()

    def take_back(self) -> bool:
        """Withdraw this expiry's cancellations; True if the task was also cancelled by someone else.

        Before Python 3.11 a task does not count its cancellations: another one arriving in the
        same moment is then reported as the timeout.
        """
        if sys.version_info < (3, 11):
            return False
        for _ in range(self.cancels):
            self.task.uncancel()
        return self.task.cancelling() > 0


class Deadline:
    """Bounds a blocking call on a connection with a watchdog thread (see the module docstring)."""

    def __init__(self) -> None:
        self._watchdog = _Watchdog()

    def run(
        self,
        conn: psycopg.Connection[Any],
        limit: Optional[float],
        fired: List[bool],
        fn: Callable[..., T],
        *args: Any,
    ) -> T:
        """`fn(*args)`, cancelled on the server after `limit` seconds (None: no limit)."""
        if limit is None:
            return fn(*args)
        entry = self._watchdog.arm(conn, limit)
        try:
            return fn(*args)
        finally:
            self._watchdog.disarm(entry)
            if entry[2]:
                fired.append(True)
                # A cancel request may still be on its way: never let it reach the next
                # request on this connection. psycopg's transaction and connection exits
                # skip a closed connection, and the pool replaces it.
                conn.close()

    def close(self) -> None:
        """Stop the watchdog thread (the driver closed)."""
        self._watchdog.stop()

    def abandon(self) -> None:
        """Stop the watchdog thread (the driver was dropped without closing: called by its finalizer)."""
        self._watchdog.stop()


class _Watchdog:
    """One daemon thread that cancels requests past their deadline.

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
        # Counted from the request's deadline, not from this thread's start (up to a TICK later).
        deadline = entry[0] + CANCEL_GRACE
        # A failed cancel is not final: the socket shutdown below is the fallback, due
        # CANCEL_GRACE after the deadline whatever the cancel request does meanwhile.
        with contextlib.suppress(Exception):
            conn.cancel_safe(timeout=max(0.05, deadline - time.monotonic()))
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
