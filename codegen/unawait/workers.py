"""Worker processes: scan and convert sources in processes of their own, largest first.

Parsing runs in worker processes even with one worker: libcst's native parser can crash the
process on pathological input (a segfault on code nested a few thousand deep), and a crash
must cost only that file, reported with its path, while the other files are still written.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import os
import signal
import sys
import threading
import traceback
from typing import Any, Callable, Iterator, Sequence

from .config import Config
from .errors import SourceError
from .scan import Parsed, ProjectNames, scan_measured

#: One file's result: ("ok", names) from a scan or ("ok", code, changes) from a conversion,
#: ("source", message, line, column, hint), ("internal", traceback), or ("crashed", how) when
#: the worker process died on it ("signal 11 (SIGSEGV)", "exit code 1").
WorkResult = tuple[Any, ...]
#: The work on one item: func(item, *args) -> WorkResult; it must catch its own exceptions.
WorkFunc = Callable[..., WorkResult]


#: Trees this process parsed while scanning, by path, for the conversion of the same text in the
#: same run: parsing (and measuring the depth of) a large tree twice costs seconds. The largest
#: sources are scanned first and kept up to PARSED_BUDGET characters of source (about 30 bytes of
#: tree a character); a conversion takes its tree out. Workers.close() forgets the rest.
_parsed: dict[str, tuple[str, Parsed]] = {}
PARSED_BUDGET = 3_000_000


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for one file's work, then back as it was.

    Parsing and rebuilding a module allocate hundreds of thousands of objects that hold no cycles
    (reference counting frees them); the collections they set off would walk every live object,
    the trees kept for later included, over and over: a quarter of a conversion's time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def scan_one(item: tuple[str, str], packages: tuple[str, ...], keep: bool = False) -> WorkResult:
    """Scan one (text, path) for the names that drive renames; keep: hold its tree for convert_one (a run's workers)."""
    with _collector_paused():
        return _scan_one(item, packages, keep)


def _scan_one(item: tuple[str, str], packages: tuple[str, ...], keep: bool) -> WorkResult:
    text, path = item
    try:
        names, parsed = scan_measured(text, path, packages)
        if keep and sum(len(kept) for kept, _ in _parsed.values()) + len(text) <= PARSED_BUDGET:
            _parsed[path] = (text, parsed)
        return ("ok", names)
    except SourceError as exc:
        return ("source", exc.message, exc.line, exc.column, exc.hint)
    except Exception:  # a bug must not lose the other files' work
        return ("internal", traceback.format_exc())


def convert_one(item: tuple[str, str], config: Config, project: ProjectNames, explain: bool) -> WorkResult:
    """Convert one (text, path) to its sync code and the changes made."""
    with _collector_paused():
        return _convert_one(item, config, project, explain)


def _convert_one(item: tuple[str, str], config: Config, project: ProjectNames, explain: bool) -> WorkResult:
    from . import generate  # libcst takes a third of a second to import: only when converting

    text, path = item
    kept = _parsed.pop(path, None)
    parsed = kept[1] if kept is not None and kept[0] == text else None
    try:
        out = generate.transform_module(text, config, path=path, project=project, explain=explain, parsed=parsed)
        return ("ok", out.code, out.changes)
    except SourceError as exc:
        # SourceError's keyword arguments do not survive pickling, so send plain values.
        return ("source", exc.message, exc.line, exc.column, exc.hint)
    except Exception as exc:
        located = _libcst_syntax_error(exc)
        return located if located else ("internal", traceback.format_exc())


def _libcst_syntax_error(exc: Exception) -> WorkResult | None:
    import libcst

    if isinstance(exc, libcst.ParserSyntaxError):
        hint = "fix the async source; nothing was generated from this file"
        return ("source", f"syntax error: {exc.message}", exc.raw_line, exc.raw_column + 1, hint)
    return None


def available_cpus() -> int:
    """CPUs this process may run on (honours affinity masks, e.g. taskset or container cpusets)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def free_cpus() -> int:
    """CPUs this process may run on that other processes are not already keeping busy (at least 1).

    The one-minute load average counts runnable processes system-wide, this one included; what
    is left of the CPUs we may use after the others' share is what more workers can have.
    """
    cpus = available_cpus()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on Windows
        return cpus
    others = max(0.0, load - 1.0)
    return max(1, min(cpus, int(cpus - others + 0.5)))


def worker_count(weights: Sequence[int], min_bytes: int, cpus: int) -> int:
    """How many workers pay for themselves on this work: never more than the CPUs free.

    Each worker needs at least min_bytes of work to earn its start-up (a process, libcst's
    import), and with the largest file first no run is shorter than that file alone, so a
    worker beyond total / largest only waits: one big file gets one worker.
    """
    if not weights:
        return 0
    total, largest = sum(weights), max(weights)
    return max(1, min(cpus, len(weights), total // max(largest, min_bytes, 1)))


def _serve(conn: multiprocessing.connection.Connection) -> None:
    """A worker process: takes ("setup", func, args), then ("item", index, item) until "stop" or EOF."""
    # Ctrl-C goes to the whole process group: the parent handles it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    func: WorkFunc | None = None
    args: tuple[Any, ...] = ()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if message[0] == "setup":
            func, args = message[1], message[2]
        elif message[0] == "item" and func is not None:
            conn.send((message[1], func(message[2], *args)))
        else:
            return


class _Worker:
    """One worker process, the parent's end of its pipe, and the item it is working on."""

    def __init__(self, context: multiprocessing.context.BaseContext) -> None:
        parent, child = context.Pipe()
        # The process type differs by context; BaseContext does not declare it.
        self.process = context.Process(target=_serve, args=(child,), daemon=True)  # type: ignore[attr-defined]
        self.process.start()
        child.close()  # so that the parent's end sees EOF when the worker dies
        self.conn = parent
        self.busy: int | None = None
        self.setup: tuple[WorkFunc, tuple[Any, ...]] | None = None

    def how_it_died(self) -> str:
        """ "signal 11 (SIGSEGV)" or "exit code 1", after the process ended."""
        self.process.join(5)
        code = self.process.exitcode
        if code is None:
            self.process.kill()
            self.process.join()
            return "stopped responding"
        if code < 0:
            try:
                return f"signal {-code} ({signal.Signals(-code).name})"
            except ValueError:
                return f"signal {-code}"
        return f"exit code {code}"

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(("stop",))
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class Workers:
    """Runs work on items in worker processes, largest first; results come back in input order.

    jobs: the number of worker processes; None decides per phase by the work and the CPUs free
    (see worker_count and free_cpus); 0 runs everything in this process, without isolation (for
    debuggers and tests that patch the core).
    """

    def __init__(self, jobs: int | None) -> None:
        self.jobs = jobs
        self._workers: list[_Worker] = []
        self._context: multiprocessing.context.BaseContext | None = None

    def map(
        self, func: WorkFunc, items: Sequence[Any], weights: Sequence[int], min_bytes: int, *args: Any
    ) -> list[WorkResult]:
        """func(item, *args) for every item, with as many workers as pay for themselves."""
        if not items:
            return []
        if self.jobs == 0:
            return [func(item, *args) for item in items]
        if self.jobs is None:
            count = worker_count(weights, min_bytes, free_cpus())
        else:
            count = min(self.jobs, len(items))
        while len(self._workers) < count:
            self._workers.append(_Worker(self._start_context()))
        return self._dispatch(self._workers[:count], func, items, weights, args)

    def _dispatch(
        self,
        workers: list[_Worker],
        func: WorkFunc,
        items: Sequence[Any],
        weights: Sequence[int],
        args: tuple[Any, ...],
    ) -> list[WorkResult]:
        # Largest first, one item at a time: whoever is free takes the next, so the big files
        # start early and the workers finish at about the same time.
        queue = collections.deque(sorted(range(len(items)), key=lambda i: (-weights[i], i)))
        results: dict[int, WorkResult] = {}
        setup = (func, args)  # sent once to each worker of this phase
        # A worker that dies without an item (failing to start) is replaced a bounded number of times.
        spare_starts = len(workers) + 2

        def feed(worker: _Worker) -> bool:
            """Give worker the next item; False if it is dead (its item goes back to the queue)."""
            index = queue.popleft()
            try:
                if worker.setup is not setup:
                    worker.conn.send(("setup", func, args))
                    worker.setup = setup
                worker.conn.send(("item", index, items[index]))
            except OSError:
                queue.appendleft(index)
                return False
            worker.busy = index
            return True

        active: list[_Worker] = []
        idle = list(workers)
        while len(results) < len(items):
            while idle and queue:
                worker = idle.pop()
                if feed(worker):
                    active.append(worker)
                else:
                    worker.how_it_died()
                    spare_starts -= 1
                    if spare_starts < 0:
                        self._replace(worker, start=False)
                        for index in queue:
                            results[index] = ("crashed", "worker processes could not be started")
                        queue.clear()
                        break
                    fresh = self._replace(worker, start=True)
                    assert fresh is not None
                    idle.append(fresh)
            if not active:
                break
            ready = multiprocessing.connection.wait([w.conn for w in active])
            for worker in [w for w in active if w.conn in ready]:
                active.remove(worker)
                busy = worker.busy
                assert busy is not None
                worker.busy = None
                try:
                    got, result = worker.conn.recv()
                except (EOFError, OSError):  # the worker died on this item: only it is lost
                    results[busy] = ("crashed", worker.how_it_died())
                    fresh = self._replace(worker, start=bool(queue))
                    if fresh:
                        idle.append(fresh)
                    continue
                results[got] = result
                idle.append(worker)
        return [results[i] for i in range(len(items))]

    def _replace(self, dead: _Worker, start: bool) -> _Worker | None:
        """Drop a dead worker; with start, start a fresh one in its place and return it."""
        dead.conn.close()
        self._workers.remove(dead)
        if not start:
            return None
        fresh = _Worker(self._start_context())
        self._workers.append(fresh)
        return fresh

    def _start_context(self) -> multiprocessing.context.BaseContext:
        if self._context is None:
            # fork starts workers in a few milliseconds; it is unsafe once threads run.
            if sys.platform == "linux" and threading.active_count() == 1:
                self._context = multiprocessing.get_context("fork")
            else:
                self._context = multiprocessing.get_context("spawn")
        return self._context

    def close(self) -> None:
        """Stop the worker processes, if any were started, and forget the trees kept in this one."""
        _parsed.clear()
        for worker in self._workers:
            worker.stop()
        self._workers = []
