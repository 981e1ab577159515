"""An async vector store: the shape of a real client module.

Example::

    with Store(engine) as store:
        ids = store.add_texts(["hello"])
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable

from .._shared import Document, check_vector
from ._engine import Engine

if TYPE_CHECKING:
    from ._pool import Pool

__all__ = ["Store", "open_store"]

#: Called with each batch before it is written.
Hook = Callable[[list[Document]], None]


class Store:
    """Async client for one collection. See :meth:`Store.add_texts`."""

    def __init__(self, engine: Engine, pool: "Pool | None" = None) -> None:
        self._engine = engine
        self._pool = pool
        self._lock = threading.Lock()  # one writer at a time
        self._closed = threading.Event()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def add_texts(self, texts: list[str], hook: Hook | None = None) -> list[str]:
        """Embed and store texts; returns their ids in order.

        >>> store.add_texts(["a", "b"])
        ['1', '2']
        """
        docs = [Document(t) for t in texts]
        if hook is not None:
            hook(docs)
        with self._lock:
            with self._engine.connect() as conn:
                ids = conn.insert_many(docs)
        return ids

    def iter_documents(self, batch_size: int = 100) -> Iterator[Document]:
        offset = 0
        while True:
            # Page through the collection without loading it whole.
            batch = self._engine.fetch_page(offset, batch_size)
            if not batch:
                return
            for doc in batch:
                yield doc
            offset += len(batch)

    def count(self) -> int:
        return len([d for d in self.iter_documents()])

    def search(self, vector: list[float], k: int = 4) -> list[Document]:
        check_vector(vector)
        # if True:  # ASYNC
        #     # Searching is CPU work: keep it off the event loop.
        #     return await asyncio.to_thread(self._engine.search_sync, vector, k)
        # else:
        return self._engine.search_sync(vector, k)

    def await_closed(self, timeout: float) -> None:
        time.sleep(timeout)

    def close(self) -> None:
        self._closed.set()
        self._engine.close()


@contextmanager
def open_store(url: str) -> Iterator[Store]:
    engine = Engine.from_url(url)
    try:
        yield Store(engine)
    finally:
        engine.close()
