"""PostgreSQL indexed search: its query-time settings take effect, stay in the request, cost no round trip."""

from __future__ import annotations

from typing import Any, AsyncIterator, Iterator, Tuple

import numpy as np
import pytest
import pytest_asyncio

from sqlvec._async import AsyncEngine, AsyncVectorStore
from sqlvec.embeddings import HashEmbedding

try:  # see tests/conftest.py
    from tests.postgres_server import schema_url
    from tests.round_trips import RoundTripProxy
except ImportError:
    from postgres_server import schema_url  # type: ignore[no-redef]
    from round_trips import RoundTripProxy  # type: ignore[no-redef]

DIM = 16
N = 400
#: pgvector's default hnsw.ef_search: an HNSW scan returns at most this many rows unless raised.
DEFAULT_EF_SEARCH = "40"


@pytest.fixture
def proxied_url(postgres_dsn: str) -> Iterator[Tuple[str, RoundTripProxy]]:
    """A URL of an empty schema, reached through a proxy that counts round trips; one connection."""
    host, port = postgres_dsn.split("@", 1)[1].split("/", 1)[0].rsplit(":", 1)
    proxy = RoundTripProxy(host, int(port))
    try:
        with schema_url(postgres_dsn.replace(f":{port}/", f":{proxy.port}/", 1)) as url:
            yield f"{url}&min_size=1&max_size=1", proxy
    finally:
        proxy.close()


@pytest_asyncio.fixture
async def indexed(proxied_url: Tuple[str, RoundTripProxy]) -> AsyncIterator[Tuple[AsyncVectorStore, RoundTripProxy]]:
    """A cosine collection of N random vectors with an HNSW index (ef_search left at 40)."""
    url, proxy = proxied_url
    engine = AsyncEngine.from_url(url)
    await engine.ainit_vectorstore_table("hnsw_docs", vector_dimension=DIM)
    store = AsyncVectorStore(engine, HashEmbedding(DIM), "hnsw_docs")
    matrix = np.random.default_rng(5).normal(size=(N, DIM))
    ids = [f"v{i}" for i in range(N)]
    await store.aadd_embeddings(ids, matrix.tolist(), ids=ids)
    await store.aapply_vector_index(m=16, ef_construction=64, ef_search=40)
    yield store, proxy
    await engine.aclose()


async def _show(store: AsyncVectorStore, setting: str) -> Any:
    """The session's value of a setting, read on the engine's (only) pooled connection."""
    driver: Any = store.engine.driver

    async def work(conn: Any) -> Any:
        return (await (await conn.execute(f"SHOW {setting}")).fetchone())[0]

    return await driver.run(work, idempotent=True, transaction=False)


@pytest.mark.asyncio
async def test_search_raises_ef_search_to_k_for_itself_only(indexed: Tuple[AsyncVectorStore, Any]) -> None:
    store, _ = indexed
    query = np.random.default_rng(6).normal(size=DIM).tolist()
    # An HNSW scan at the default ef_search of 40 stops at 40 rows: 100 means it was raised.
    hits = await store.asimilarity_search_by_vector(query, k=100)
    assert len(hits) == 100
    # ... for that request only: the pooled connection is back at the default.
    assert await _show(store, "hnsw.ef_search") == DEFAULT_EF_SEARCH
    filtered = await store.asimilarity_search_by_vector(query, k=5, filter={"missing": {"$ne": 1}})
    assert len(filtered) == 5
    assert await _show(store, "hnsw.iterative_scan") == "off"


@pytest.mark.asyncio
async def test_indexed_search_costs_one_round_trip(indexed: Tuple[AsyncVectorStore, RoundTripProxy]) -> None:
    store, proxy = indexed
    queries = np.random.default_rng(7).normal(size=(6, DIM)).tolist()
    await store.asimilarity_search_by_vector(queries[0], k=4)  # the collection is described once, then cached
    before = proxy.round_trips
    for query in queries[1:]:
        assert len(await store.asimilarity_search_by_vector(query, k=4)) == 4
    assert proxy.round_trips - before == 5


@pytest.mark.asyncio
async def test_failed_indexed_search_leaves_no_transaction_open(indexed: Tuple[AsyncVectorStore, Any]) -> None:
    store, _ = indexed
    driver: Any = store.engine.driver

    async def break_table(conn: Any) -> None:
        await conn.execute('ALTER TABLE "hnsw_docs" RENAME TO "hnsw_gone"')

    await driver.run(break_table, idempotent=False)
    with pytest.raises(Exception) as info:
        await store.asimilarity_search_by_vector([0.0] * DIM, k=4)
    assert "hnsw_docs" in str(info.value)

    async def state(conn: Any) -> Any:
        return conn.info.transaction_status.name

    assert await driver.run(state, idempotent=True, transaction=False) == "IDLE"
    assert await _show(store, "hnsw.ef_search") == DEFAULT_EF_SEARCH
