"""A client whose imports change in every way: renamed, moved, added, shadowed, made unused."""

from __future__ import annotations

# async only: asyncio
import logging
import queue as _queue
import threading
from contextlib import closing
from typing import TYPE_CHECKING, Any, Iterator, TypeVar

import httpx

from pkg._sync.engine import Engine
from pkg.errors import ClientError

from .base import Base

if TYPE_CHECKING:
    from .pool import Pool

import time

T = TypeVar("T")
log = logging.getLogger(__name__)


class Client(Base):
    """Talks to the engine."""

    def __init__(self, engine: Engine, pool: Pool) -> None:
        self._engine = engine
        self._pool = pool
        self._lock = threading.Lock()

    def run(self, job: T) -> T:
        # if True:  # ASYNC
        #     task: Task[T] = asyncio.ensure_future(job)
        #     return await task
        # else:
        return job

    def await_ready(self, queue: int) -> None:
        # the parameter is named like the queue module the sync code needs
        q = _queue.Queue(maxsize=queue)
        time.sleep(0)
        log.debug("ready %s", q)

    def stream_rows(self) -> Iterator[dict[str, Any]]:
        for row in self._engine.stream():
            yield row

    def iter_rows(self) -> Iterator[dict[str, Any]]:
        with closing(self.stream_rows()) as rows:
            for row in rows:
                yield row

    def get(self, url: str) -> httpx.Response:
        try:
            return self._engine.get(url)
        except ClientError:
            raise
