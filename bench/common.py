"""What the sqlvec benchmarks share: aligned tables and the background-event-loop facade they measure."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Coroutine, List, Sequence, TypeVar

from sqlvec import AsyncEngine, AsyncVectorStore, Document, HashEmbedding

T = TypeVar("T")


def table(title: str, header: Sequence[str], rows: List[Sequence[str]]) -> None:
    """Print one aligned table."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))


class BackgroundLoopStore:
    """The common sync facade: an AsyncVectorStore driven on an event loop in another thread."""

    def __init__(self, url: str, collection: str, dim: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.engine = AsyncEngine.from_url(url)
        self.store = AsyncVectorStore(self.engine, HashEmbedding(dim), collection_name=collection)

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def similarity_search_by_vector(self, vector: List[float], k: int) -> List[Document]:
        """Search, blocking the caller."""
        return self._call(self.store.asimilarity_search_by_vector(vector, k=k))

    def get_by_ids(self, ids: List[str]) -> List[Document]:
        """Fetch by id, blocking the caller."""
        return self._call(self.store.aget_by_ids(ids))

    def close(self) -> None:
        """Close the engine and stop the loop thread."""
        self._call(self.engine.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
