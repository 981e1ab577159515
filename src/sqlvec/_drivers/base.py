"""The backend driver interface: what the engine and the vector stores need from a database.

Two protocols with the same methods: `AsyncDriver` (awaitable methods, used by the
hand-written `sqlvec._async` package) and `Driver` (plain methods, used by the generated
`sqlvec._sync` package; the generator renames `AsyncDriver` to `Driver`). A backend
implements both: written once as an async driver that unawait turns into the sync one
(PostgreSQL: `_drivers/_async/postgres.py` -> `_drivers/_sync/postgres.py`), or, where the
execution model differs, as thin hand-written front-ends over one shared core
(`_drivers/sqlite.py`: `AsyncSQLiteDriver` runs the blocking core in a worker thread,
`SQLiteDriver` on the caller's thread).

Contract shared by every backend
- Names: `table` is already validated by `sqlvec.identifiers.check_identifier`; quote it
  with `sqlvec.identifiers.quote_identifier`. Every value is a bound parameter.
- Filters: `where` is a parsed `sqlvec.filters.Filter` (or None for "everything"); compile
  it with the dialect's compiler from `sqlvec.filters` (`compile_sqlite`, or a jsonb
  compiler for PostgreSQL). Filter logic is two-valued: a missing key never matches a
  comparison and always matches its negation.
- Vectors arrive as validated float32 arrays (`sqlvec.models.Batch.embeddings`, a query of
  shape (dimension,)). Scores returned by `search` are distances, lower is closer:
  cosine -> 1 - cos, l2 -> Euclidean distance, inner_product -> -(a . b)
  (pgvector's `<=>`, `<->`, `<#>`).
- Collections: `init_table` records dimension and distance beside the table so that
  `collection_info` can answer without the caller's help; every method on a table that
  does not exist raises `CollectionNotFoundError`. `upsert` and `search` check vectors
  against the dimension recorded when they run (another connection may have dropped and
  recreated the collection since) and raise `DimensionMismatchError`.
- Atomicity: `upsert` and `delete` run in one transaction each; a failure leaves nothing.
  Upsert keys on `id`: an existing id has its content, metadata and embedding replaced.
- Streaming: `iter_documents` and `search_stream` are generators that read `batch_size`
  rows at a time. Whatever they hold (PostgreSQL: one pooled connection and one
  transaction with a named server-side cursor) is released when the generator is
  exhausted, closed (`aclose()` / `close()`) or garbage collected; async callers should
  exhaust or `aclose()` it, since an abandoned async generator is only closed later, by
  the event loop. A transient failure is retried only before the first row is yielded.
  Consistency: PostgreSQL reads one snapshot, taken when the cursor is declared. SQLite
  holds nothing between batches (its one connection serves the other calls meanwhile):
  `iter_documents` reads keyset pages by id, each its own read, so a document that exists
  throughout is yielded exactly once and writes made meanwhile may or may not be seen;
  `search_stream` ranks the k nearest in one read transaction and reads the first batch
  in it, later batches by row key in their own reads: a document deleted since the ranking
  is skipped, and after any write a document is yielded only if its current embedding
  still has the ranked distance (to float precision).
- Full-text index (optional per collection, for `text_search`): kept in step with every
  write inside the writing transaction (SQLite: FTS5 and triggers, `sqlite_fts.py`;
  PostgreSQL: a generated tsvector column, `pg_text.py`). The query text is never parsed as
  query syntax; a row matches if it holds any of the query's words. Keyword scores are
  relevances, higher is better.
- Closing: after `close()`, every method raises `EngineClosedError`; `close()` is
  idempotent.
- Concurrency: the sync driver is safe to share between threads and the async driver
  between tasks of one event loop. The async driver never blocks the event loop: it runs
  each whole operation off the loop (a worker thread for blocking drivers such as
  sqlite3) or uses a native async driver (psycopg's AsyncConnection).
"""

from __future__ import annotations

from typing import AsyncGenerator, Generator, List, Optional, Protocol, Sequence, Tuple

from ..documents import Document
from ..filters import Filter
from ..models import Batch, CollectionInfo, Float32Array, IndexSpec

#: One search hit: the document and its distance to the query (lower is closer).
Hit = Tuple[Document, float]

#: Search hits and their stored vectors: row i of the (len(hits), dimension) matrix is hit i's.
HitsWithVectors = Tuple[List[Hit], Float32Array]


class AsyncDriver(Protocol):
    """An async backend: one connection (or pool) to one database."""

    #: "sqlite", "postgresql" or "cockroachdb": selects SQL and filter dialects.
    dialect: str

    @property
    def closed(self) -> bool:
        """True once close() has been called."""
        ...

    async def connect(self) -> None:
        """Open the connection (idempotent); other methods connect on first use anyway."""
        ...

    async def close(self) -> None:
        """Release the connection and any worker thread or pool; idempotent."""
        ...

    async def ping(self) -> None:
        """Run a trivial query; raises if the database cannot be reached."""
        ...

    async def init_table(self, table: str, *, dimension: int, distance: str, if_not_exists: bool) -> None:
        """Create the collection table and record its dimension and distance.

        If it exists: with if_not_exists, check that dimension and distance agree
        (CollectionMismatchError otherwise); without, raise CollectionExistsError.
        """
        ...

    async def drop_table(self, table: str, *, if_exists: bool) -> None:
        """Drop the collection table, its index and its record (CollectionNotFoundError
        if it does not exist and not if_exists)."""
        ...

    async def collection_info(self, table: str) -> CollectionInfo:
        """Dimension, distance and index of a collection (CollectionNotFoundError)."""
        ...

    async def upsert(self, table: str, batch: Batch) -> None:
        """Insert or replace every row of the batch in one transaction."""
        ...

    async def get_by_ids(self, table: str, ids: Sequence[str]) -> List[Document]:
        """The documents with these ids, in the order of `ids`; missing ids are skipped."""
        ...

    async def delete(self, table: str, *, ids: Optional[Sequence[str]], where: Optional[Filter]) -> int:
        """Delete rows whose id is in `ids` (if given) AND that match `where` (if given),
        in one transaction; returns how many were deleted. At least one is not None."""
        ...

    async def count(self, table: str, where: Optional[Filter]) -> int:
        """How many rows match `where` (all rows if None)."""
        ...

    async def search(self, table: str, query: Float32Array, k: int, where: Optional[Filter]) -> List[Hit]:
        """The k rows nearest to `query` among those matching `where`, nearest first.

        Exact unless a vector index was applied; either way it sees every committed
        write, from this connection or any other.
        """
        ...

    async def search_with_vectors(
        self, table: str, query: Float32Array, k: int, where: Optional[Filter]
    ) -> HitsWithVectors:
        """The hits `search` returns, with each hit's stored embedding (float32, as written),
        read in the same statement or transaction as the hits (for max marginal relevance)."""
        ...

    def iter_documents(self, table: str, where: Optional[Filter], batch_size: int) -> AsyncGenerator[Document, None]:
        """Every row matching `where`, ordered by id, read `batch_size` rows at a time (see Streaming)."""
        ...

    def search_stream(
        self, table: str, query: Float32Array, k: int, where: Optional[Filter], batch_size: int
    ) -> AsyncGenerator[Hit, None]:
        """The hits `search` would return, nearest first, read `batch_size` at a time (see Streaming)."""
        ...

    async def text_search(
        self, table: str, text: str, query: Optional[Float32Array], k: int, where: Optional[Filter]
    ) -> Tuple[List[Hit], List[Hit]]:
        """(nearest, keyword): the `search` hits for `query` (empty if None) and the k rows
        whose text best matches any word of `text`, most relevant first, with a relevance
        score (higher is better), both among rows matching `where` and read in one snapshot.
        TextIndexMissingError if the collection has no full-text index."""
        ...

    async def text_index(self, table: str) -> Optional[str]:
        """The language of the collection's full-text index, or None."""
        ...

    async def create_text_index(self, table: str, *, language: str, replace: bool) -> None:
        """Build the full-text index for `language` and keep it in step with every write.

        Nothing happens if it exists for that language; for another one it is rebuilt if
        `replace`, else CollectionMismatchError."""
        ...

    async def drop_text_index(self, table: str) -> None:
        """Drop the full-text index, if any."""
        ...

    async def create_index(self, table: str, spec: IndexSpec) -> None:
        """Build (or rebuild) an approximate vector index for the collection, or raise
        MissingExtraError naming the extra that provides it."""
        ...

    async def drop_index(self, table: str) -> None:
        """Drop the collection's vector index, if any; search becomes exact."""
        ...


class Driver(Protocol):
    """A sync backend: the same contract as AsyncDriver with plain methods; thread-safe."""

    dialect: str

    @property
    def closed(self) -> bool:
        """True once close() has been called."""
        ...

    def connect(self) -> None:
        """Open the connection (idempotent)."""
        ...

    def close(self) -> None:
        """Release the connection; idempotent."""
        ...

    def ping(self) -> None:
        """Run a trivial query."""
        ...

    def init_table(self, table: str, *, dimension: int, distance: str, if_not_exists: bool) -> None:
        """See AsyncDriver.init_table."""
        ...

    def drop_table(self, table: str, *, if_exists: bool) -> None:
        """See AsyncDriver.drop_table."""
        ...

    def collection_info(self, table: str) -> CollectionInfo:
        """See AsyncDriver.collection_info."""
        ...

    def upsert(self, table: str, batch: Batch) -> None:
        """See AsyncDriver.upsert."""
        ...

    def get_by_ids(self, table: str, ids: Sequence[str]) -> List[Document]:
        """See AsyncDriver.get_by_ids."""
        ...

    def delete(self, table: str, *, ids: Optional[Sequence[str]], where: Optional[Filter]) -> int:
        """See AsyncDriver.delete."""
        ...

    def count(self, table: str, where: Optional[Filter]) -> int:
        """See AsyncDriver.count."""
        ...

    def search(self, table: str, query: Float32Array, k: int, where: Optional[Filter]) -> List[Hit]:
        """See AsyncDriver.search."""
        ...

    def search_with_vectors(self, table: str, query: Float32Array, k: int, where: Optional[Filter]) -> HitsWithVectors:
        """See AsyncDriver.search_with_vectors."""
        ...

    def iter_documents(self, table: str, where: Optional[Filter], batch_size: int) -> Generator[Document, None, None]:
        """See AsyncDriver.iter_documents."""
        ...

    def search_stream(
        self, table: str, query: Float32Array, k: int, where: Optional[Filter], batch_size: int
    ) -> Generator[Hit, None, None]:
        """See AsyncDriver.search_stream."""
        ...

    def text_search(
        self, table: str, text: str, query: Optional[Float32Array], k: int, where: Optional[Filter]
    ) -> Tuple[List[Hit], List[Hit]]:
        """See AsyncDriver.text_search."""
        ...

    def text_index(self, table: str) -> Optional[str]:
        """See AsyncDriver.text_index."""
        ...

    def create_text_index(self, table: str, *, language: str, replace: bool) -> None:
        """See AsyncDriver.create_text_index."""
        ...

    def drop_text_index(self, table: str) -> None:
        """See AsyncDriver.drop_text_index."""
        ...

    def create_index(self, table: str, spec: IndexSpec) -> None:
        """See AsyncDriver.create_index."""
        ...

    def drop_index(self, table: str) -> None:
        """See AsyncDriver.drop_index."""
        ...
