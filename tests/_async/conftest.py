"""Fixtures for the async client tests: one engine per test on a real database file."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from sqlvec._async import AsyncEngine, AsyncVectorStore
from sqlvec.embeddings import HashEmbedding

try:  # see tests/conftest.py
    from tests.postgres_server import schema_url
except ImportError:
    from postgres_server import schema_url  # type: ignore[no-redef]

DIMENSION = 128

#: Backends the client tests run against; add one by adding a parameter here and an
#: URL for it in `engine_url`.
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database for one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sqlvec.db'}"
    elif request.param == "postgresql":
        # Looked up here so that the server starts only when a PostgreSQL test runs.
        with schema_url(request.getfixturevalue("postgres_dsn")) as url:
            yield url
    else:  # pragma: no cover - guarded by BACKENDS
        raise ValueError(f"unknown backend {request.param!r}")


@pytest.fixture
def sqlite_path(engine_url: str) -> str:
    """The database file behind a SQLite URL (skips the test on other backends)."""
    if not engine_url.startswith("sqlite:///"):
        pytest.skip("needs the embedded SQLite backend")
    return engine_url[len("sqlite:///") :]


@pytest.fixture
def embeddings() -> HashEmbedding:
    """Deterministic embeddings small enough to reason about."""
    return HashEmbedding(DIMENSION)


@pytest_asyncio.fixture
async def engine(engine_url: str) -> AsyncIterator[AsyncEngine]:
    """An open engine, closed after the test."""
    engine = AsyncEngine.from_url(engine_url)
    yield engine
    await engine.aclose()


@pytest_asyncio.fixture
async def store(engine: AsyncEngine, embeddings: HashEmbedding) -> AsyncIterator[AsyncVectorStore]:
    """A store over a fresh cosine collection "docs"."""
    await engine.ainit_vectorstore_table("docs", vector_dimension=DIMENSION)
    store = AsyncVectorStore(engine=engine, embeddings=embeddings, collection_name="docs")
    yield store
    await store.aclose()
