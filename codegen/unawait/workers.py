"""Worker processes: scan and convert chunks of sources, serially or in parallel, in input order."""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import sys
import threading
import traceback
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Callable, Sequence, TypeVar, cast

from .config import Config
from .errors import SourceError
from .scan import ProjectNames, scan_module

#: One file's result: ("ok", names) from a scan or ("ok", code, changes) from a conversion,
#: ("source", message, line, column, hint) or ("internal", traceback).
WorkResult = tuple[Any, ...]
_T = TypeVar("_T")
_R = TypeVar("_R")


def scan_chunk(items: list[tuple[str, str]], packages: tuple[str, ...]) -> list[WorkResult]:
    """Scan each (text, path) for the names that drive renames."""
    results: list[WorkResult] = []
    for text, path in items:
        try:
            results.append(("ok", scan_module(text, path, packages)))
        except SourceError as exc:
            results.append(("source", exc.message, exc.line, exc.column, exc.hint))
        except Exception:  # a bug must not lose the other files' work
            results.append(("internal", traceback.format_exc()))
    return results


def convert_chunk(
    items: list[tuple[str, str]], config: Config, project: ProjectNames, explain: bool
) -> list[WorkResult]:
    """Convert each (text, path) to its sync code and the changes made."""
    from . import generate  # libcst takes a third of a second to import: only when converting

    results: list[WorkResult] = []
    for text, path in items:
        try:
            out = generate.transform_module(text, config, path=path, project=project, explain=explain)
            results.append(("ok", out.code, out.changes))
        except SourceError as exc:
            # SourceError's keyword arguments do not survive pickling, so send plain values.
            results.append(("source", exc.message, exc.line, exc.column, exc.hint))
        except Exception as exc:
            located = _libcst_syntax_error(exc)
            results.append(located if located else ("internal", traceback.format_exc()))
    return results


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


class Workers:
    """Runs chunks of work serially or in worker processes; results come back in input order."""

    def __init__(self, jobs: int, executor: type[ProcessPoolExecutor] = ProcessPoolExecutor) -> None:
        self.jobs = max(1, jobs)
        self._executor = executor
        self._pool: ProcessPoolExecutor | None = None

    def map(
        self,
        func: Callable[..., list[_R]],
        items: Sequence[_T],
        weights: Sequence[int],
        min_bytes: int,
        *args: Any,
    ) -> list[_R]:
        """func(chunk, *args) over chunks of items; in parallel when there is work enough."""
        if self.jobs < 2 or len(items) < 2 or sum(weights) < min_bytes:
            return func(list(items), *args)
        pool = self._start()
        # Largest first in about 8 chunks per worker: the workers finish at about the same time.
        order = sorted(range(len(items)), key=lambda i: -weights[i])
        budget = max(1, sum(weights) // (self.jobs * 8))
        chunks: list[list[int]] = []
        size = budget
        for i in order:
            if size >= budget:
                chunks.append([])
                size = 0
            chunks[-1].append(i)
            size += weights[i]
        futures: list[Future[list[_R]]] = [pool.submit(func, [items[i] for i in c], *args) for c in chunks]
        results: list[_R | None] = [None] * len(items)
        for chunk, future in zip(chunks, futures):
            try:
                done = future.result()
            except Exception as exc:  # a worker died (killed, out of memory): report, don't crash
                done = [cast(_R, ("internal", f"a worker process failed: {exc!r}"))] * len(chunk)
            for i, result in zip(chunk, done):
                results[i] = result
        return [r for r in results if r is not None]

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # fork starts workers with libcst already imported; it is unsafe once threads run.
            context: multiprocessing.context.BaseContext
            if sys.platform == "linux" and threading.active_count() == 1:
                context = multiprocessing.get_context("fork")
            else:
                context = multiprocessing.get_context("spawn")
            self._pool = self._executor(self.jobs, mp_context=context)
        return self._pool

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
