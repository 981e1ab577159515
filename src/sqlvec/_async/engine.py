"""AsyncEngine: one database connection, shared by the vector stores built on it."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Optional, Type

from .._drivers.base import AsyncDriver
from .._drivers.sqlite import AsyncSQLiteDriver
from ..errors import InvalidArgumentError, InvalidURLError
from ..identifiers import check_identifier
from ..models import check_distance
from ..rows import check_dimension
from ..urls import DatabaseURL, parse_url


def open_driver(url: DatabaseURL, **options: Any) -> AsyncDriver:
    """The driver for a parsed URL's backend (no I/O: drivers connect on first use)."""
    if url.backend == "sqlite":
        return AsyncSQLiteDriver(url, **options)
    if url.backend in ("postgresql", "cockroachdb"):
        # Imported here: psycopg comes with the optional `postgres` extra. Options: pool=PoolConfig,
        # retry=RetryPolicy; pool settings may also be URL query parameters.
        from .._drivers._async.postgres import AsyncPostgresDriver

        return AsyncPostgresDriver.from_url(url.raw, **options)
    raise InvalidURLError(url.raw, f"no driver for the {url.backend!r} backend")


class AsyncEngine:
    """A connection to one database, for creating collections and backing vector stores.

    Example::

        async with AsyncEngine.from_url("sqlite:///:memory:") as engine:
            await engine.ainit_vectorstore_table("docs", vector_dimension=256)
    """

    def __init__(self, driver: AsyncDriver, url: Optional[DatabaseURL] = None) -> None:
        self._driver = driver
        self._url = url

    @classmethod
    def from_url(cls, url: str, **options: Any) -> AsyncEngine:
        """An engine for a database URL (no I/O until first use).

        `sqlite:///path.db`, `sqlite:///:memory:` (options: `timeout`, seconds to wait for
        another writer's lock); `postgresql://...` and `cockroachdb://...` with the
        `postgres` extra (options: `pool`, `retry`).
        """
        parsed = parse_url(url)
        return cls(open_driver(parsed, **options), parsed)

    @property
    def driver(self) -> AsyncDriver:
        """The backend driver the stores run their operations on."""
        return self._driver

    @property
    def url(self) -> Optional[DatabaseURL]:
        """The parsed URL this engine was opened with, if any."""
        return self._url

    @property
    def closed(self) -> bool:
        """True once the engine has been closed."""
        return self._driver.closed

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        backend = self._url.backend if self._url else self._driver.dialect
        return f"<{type(self).__name__} {backend} {state}>"

    async def __aenter__(self) -> AsyncEngine:
        await self._driver.connect()
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection; later calls on this engine or its stores raise
        EngineClosedError. Closing twice is harmless."""
        await self._driver.close()

    async def aping(self) -> None:
        """Check that the database answers."""
        await self._driver.ping()

    async def ainit_vectorstore_table(
        self,
        table: str,
        *,
        vector_dimension: int,
        distance: str = "cosine",
        if_not_exists: bool = True,
        text_search: Optional[str] = None,
    ) -> None:
        """Create a collection table for vectors of `vector_dimension` floats.

        distance is "cosine", "l2" or "inner_product"; search scores are distances (lower
        is closer). If the table exists: with if_not_exists its dimension and distance
        must match (CollectionMismatchError), without it raises CollectionExistsError.

        text_search (a language such as "english") also builds the full-text index that
        keyword and hybrid search need; an existing collection without one gets it built
        now, one with another language raises CollectionMismatchError (rebuild it with
        the store's ``aapply_text_index``). None leaves the index as it is. The index is
        built after the table is created: if that fails (a language the backend does not
        have), the collection exists without it until a call with a valid language.
        """
        table = check_identifier(table)  # lowercase: names are case-insensitive
        check_dimension(vector_dimension)
        check_distance(distance)
        if text_search is not None and not isinstance(text_search, str):
            raise InvalidArgumentError(f"text_search must be a language name, got {text_search!r}", text_search)
        await self._driver.init_table(table, dimension=vector_dimension, distance=distance, if_not_exists=if_not_exists)
        if text_search is not None:
            # A second transaction: if it fails, the collection exists without the index,
            # keyword search says so (TextIndexMissingError) and calling this again builds it.
            await self._driver.create_text_index(table, language=text_search, replace=False)

    async def adrop_table(self, table: str, *, if_exists: bool = True) -> None:
        """Drop a collection table with all its documents and its vector index."""
        table = check_identifier(table)
        await self._driver.drop_table(table, if_exists=if_exists)
