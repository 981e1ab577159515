"""An async vector store: the shape of a real client module.

Example::

    async with AsyncStore(engine) as store:
        ids = await store.aadd_texts(["hello"])
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from .._shared import Document, check_vector
from ._engine import AsyncEngine

if TYPE_CHECKING:
    from ._pool import AsyncPool

__all__ = ["AsyncStore", "open_store"]

#: Called with each batch before it is written.
Hook = Callable[[list[Document]], Awaitable[None]]


class AsyncStore:
    """Async client for one collection. See :meth:`AsyncStore.aadd_texts`."""

    def __init__(self, engine: AsyncEngine, pool: "AsyncPool | None" = None) -> None:
        self._engine = engine
        self._pool = pool
        self._lock = asyncio.Lock()  # one writer at a time
        self._closed = asyncio.Event()

    async def __aenter__(self) -> AsyncStore:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def aadd_texts(self, texts: list[str], hook: Hook | None = None) -> list[str]:
        """Embed and store texts; returns their ids in order.

        >>> await store.aadd_texts(["a", "b"])
        ['1', '2']
        """
        docs = [Document(t) for t in texts]
        if hook is not None:
            await hook(docs)
        async with self._lock:
            async with self._engine.aconnect() as conn:
                ids = await conn.ainsert_many(docs)
        return ids

    async def aiter_documents(self, batch_size: int = 100) -> AsyncIterator[Document]:
        offset = 0
        while True:
            # Page through the collection without loading it whole.
            batch = await self._engine.afetch_page(offset, batch_size)
            if not batch:
                return
            for doc in batch:
                yield doc
            offset += len(batch)

    async def acount(self) -> int:
        return len([d async for d in self.aiter_documents()])

    async def asearch(self, vector: list[float], k: int = 4) -> list[Document]:
        check_vector(vector)
        if True:  # ASYNC
            # Searching is CPU work: keep it off the event loop.
            return await asyncio.to_thread(self._engine.search_sync, vector, k)
        else:
            return self._engine.search_sync(vector, k)

    async def await_closed(self, timeout: float) -> None:
        await asyncio.sleep(timeout)

    async def aclose(self) -> None:
        self._closed.set()
        await self._engine.aclose()


@asynccontextmanager
async def open_store(url: str) -> AsyncIterator[AsyncStore]:
    engine = await AsyncEngine.afrom_url(url)
    try:
        yield AsyncStore(engine)
    finally:
        await engine.aclose()
