"""LangChain's own standard VectorStore tests (sync and async) against SqlvecVectorStore on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest
import pytest_asyncio
from langchain_tests.integration_tests import VectorStoreIntegrationTests

from sqlvec.langchain import SqlvecVectorStore

try:  # see tests/conftest.py
    from tests.postgres_server import schema_url
except ImportError:
    from postgres_server import schema_url  # type: ignore[no-redef]

# thirdparty: nox runs this folder on the oldest and the newest Python only (langchain-core 0.3 and 1.x).
pytestmark = pytest.mark.thirdparty

#: The suite's embeddings (DeterministicFakeEmbedding) have this many dimensions.
SUITE_DIMENSION = len(VectorStoreIntegrationTests.get_embeddings().embed_query("dimension"))


async def _empty_store(url: str) -> SqlvecVectorStore:
    store = SqlvecVectorStore.from_url(url, VectorStoreIntegrationTests.get_embeddings(), collection_name="suite")
    # Created through the async engine; the sync engine sees it as any other client would.
    await store.ainit_collection(SUITE_DIMENSION)
    return store


async def _close(store: SqlvecVectorStore) -> None:
    store.close()
    await store.aclose()


class TestSqliteStandardSuite(VectorStoreIntegrationTests):
    """The suite on a SQLite file per test."""

    @pytest_asyncio.fixture
    async def vectorstore(self, tmp_path: Path) -> AsyncIterator[SqlvecVectorStore]:  # type: ignore[override]
        """An empty store over a new SQLite file, for the sync and the async tests alike."""
        store = await _empty_store(f"sqlite:///{tmp_path / 'suite.db'}")
        yield store
        await _close(store)


class TestPostgresStandardSuite(VectorStoreIntegrationTests):
    """The suite on a fresh schema of the PostgreSQL test server per test."""

    @pytest_asyncio.fixture
    async def vectorstore(self, postgres_dsn: str) -> AsyncIterator[SqlvecVectorStore]:  # type: ignore[override]
        """An empty store over a new schema, for the sync and the async tests alike."""
        with schema_url(postgres_dsn) as url:
            store = await _empty_store(url)
            yield store
            await _close(store)
