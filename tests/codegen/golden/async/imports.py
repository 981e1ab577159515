"""A client whose imports change in every way: renamed, moved, added, shadowed, made unused."""

from __future__ import annotations

import asyncio
import logging
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, AsyncIterator, Coroutine, TypeVar

import httpx

from pkg._async.engine import AsyncEngine
from pkg.errors import ClientError

from .base import AsyncBase

if TYPE_CHECKING:
    from asyncio import Task

    from .pool import AsyncPool

if False:  # ASYNC: the sync client checks its own timeouts
    import time

T = TypeVar("T")
log = logging.getLogger(__name__)


class AsyncClient(AsyncBase):
    """Talks to the engine."""

    def __init__(self, engine: AsyncEngine, pool: AsyncPool) -> None:
        self._engine = engine
        self._pool = pool
        self._lock = asyncio.Lock()

    async def arun(self, job: Coroutine[Any, Any, T]) -> T:
        if True:  # ASYNC
            task: Task[T] = asyncio.ensure_future(job)
            return await task
        else:
            return job

    async def await_ready(self, queue: int) -> None:
        # the parameter is named like the queue module the sync code needs
        q = asyncio.Queue(maxsize=queue)
        await asyncio.sleep(0)
        log.debug("ready %s", q)

    async def astream_rows(self) -> AsyncIterator[dict[str, Any]]:
        async for row in self._engine.astream():
            yield row

    async def aiter_rows(self) -> AsyncIterator[dict[str, Any]]:
        async with aclosing(self.astream_rows()) as rows:
            async for row in rows:
                yield row

    async def aget(self, url: str) -> httpx.Response:
        try:
            return await self._engine.aget(url)
        except ClientError:
            raise
