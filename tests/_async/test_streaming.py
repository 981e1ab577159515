"""Streaming reads and searches: every row once and in order, the same hits as search, nothing held after."""

from __future__ import annotations

from typing import AsyncIterator, List, Optional

import numpy as np
import pytest
import pytest_asyncio

from sqlvec._async import AsyncEngine, AsyncVectorStore
from sqlvec.embeddings import HashEmbedding
from sqlvec.errors import (
    CollectionNotFoundError,
    DimensionMismatchError,
    EngineClosedError,
    InvalidArgumentError,
    StoreClosedError,
)

from .conftest import DIMENSION

N = 41


def one_connection(url: str) -> str:
    """The URL with a pool of one connection and a short wait for it (PostgreSQL); as is otherwise."""
    if url.startswith("postgresql"):
        return url + ("&" if "?" in url else "?") + "min_size=1&max_size=1&acquire_timeout=3"
    return url


@pytest_asyncio.fixture
async def filled(engine_url: str, embeddings: HashEmbedding) -> AsyncIterator[AsyncVectorStore]:
    """A store of N documents with ids added in reverse order, on an engine of one connection."""
    engine = AsyncEngine.from_url(one_connection(engine_url))
    await engine.ainit_vectorstore_table("docs", vector_dimension=DIMENSION)
    store = AsyncVectorStore(engine, embeddings, "docs")
    ids = [f"{i:03d}" for i in range(N)]
    await store.aadd_texts(
        [f"text number {i} about {'cats' if i % 3 else 'dogs'}" for i in range(N)][::-1],
        metadatas=[{"i": i, "even": i % 2 == 0} for i in range(N)][::-1],
        ids=ids[::-1],
    )
    yield store
    await engine.aclose()


# -- streamed documents -----------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("batch_size", [1, 4, N, 1000])
async def test_streamed_documents_come_once_each_in_id_order(filled: AsyncVectorStore, batch_size: int) -> None:
    docs = [d async for d in filled.aiter_documents(batch_size=batch_size)]
    assert [d.id for d in docs] == [f"{i:03d}" for i in range(N)]
    assert [d.metadata["i"] for d in docs] == list(range(N))
    assert docs[7].page_content == "text number 7 about cats"
    even = [d.id async for d in filled.aiter_documents({"even": True}, batch_size=batch_size)]
    assert even == [f"{i:03d}" for i in range(0, N, 2)]


@pytest.mark.asyncio
async def test_a_stream_closed_early_releases_its_connection(filled: AsyncVectorStore) -> None:
    stream = filled.aiter_documents(batch_size=4)
    seen: List[str] = []
    async for doc in stream:
        seen.append(doc.id or "")
        if len(seen) == 6:
            break
    await stream.aclose()
    assert seen == [f"{i:03d}" for i in range(6)]
    # One connection in the pool: each of these would wait and fail if the stream still held it.
    assert await filled.acount() == N
    assert [d.id for d in await filled.aget_by_ids(["005"])] == ["005"]
    assert len([d async for d in filled.aiter_documents(batch_size=7)]) == N


@pytest.mark.asyncio
async def test_a_search_stream_closed_early_releases_its_connection(filled: AsyncVectorStore) -> None:
    stream = filled.astream_similarity_search("cats", k=30, batch_size=4)
    first: Optional[str] = None
    async for doc in stream:
        first = doc.id
        break
    await stream.aclose()
    assert first == (await filled.asimilarity_search("cats", k=1))[0].id
    assert await filled.acount({"even": True}) == (N + 1) // 2


@pytest.mark.asyncio
async def test_a_dropped_stream_releases_its_connection(filled: AsyncVectorStore) -> None:
    stream = filled.aiter_documents(batch_size=2)
    async for _ in stream:
        break
    del stream  # closed by the garbage collector (the event loop runs the async one's cleanup)
    assert await filled.acount() == N


@pytest.mark.asyncio
async def test_an_exhausted_stream_releases_its_connection(filled: AsyncVectorStore) -> None:
    hits = [hit async for hit in filled.astream_similarity_search_with_score("dogs", k=N, batch_size=5)]
    assert len(hits) == N
    assert len([d async for d in filled.aiter_documents(batch_size=N)]) == N
    assert await filled.acount() == N


@pytest.mark.asyncio
async def test_streams_can_be_read_side_by_side(filled: AsyncVectorStore, engine_url: str) -> None:
    if engine_url.startswith("postgresql"):
        pytest.skip("two streams need two connections; this pool has one")
    left = filled.aiter_documents(batch_size=3)
    right = filled.astream_similarity_search("cats", k=N, batch_size=2)
    pairs = []
    async for doc in left:
        async for hit in right:
            pairs.append((doc.id, hit.id))
            break
    await right.aclose()
    assert len(pairs) == N


# -- streamed search ----------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("k", [1, 4, 17, N, 100])
@pytest.mark.parametrize("batch_size", [1, 3, 100])
async def test_streamed_search_equals_search(filled: AsyncVectorStore, k: int, batch_size: int) -> None:
    for query, filter in [("cats", None), ("dogs", {"even": True}), ("number 12", {"i": {"$lt": 20}})]:
        expected = await filled.asimilarity_search_with_score(query, k=k, filter=filter)
        streamed = [h async for h in filled.astream_similarity_search_with_score(query, k, filter, batch_size)]
        assert streamed == expected
        docs = [d async for d in filled.astream_similarity_search(query, k=k, filter=filter, batch_size=batch_size)]
        assert docs == [d for d, _ in expected]
        vector = await filled.embeddings.aembed_query(query)
        by_vector = filled.astream_similarity_search_with_score_by_vector(vector, k, filter, batch_size)
        assert [h async for h in by_vector] == expected


@pytest.mark.asyncio
async def test_streamed_search_with_an_index_equals_search(filled: AsyncVectorStore) -> None:
    pytest.importorskip("usearch")
    await filled.aapply_vector_index("hnsw", ef_search=200)
    for filter in (None, {"even": False}):
        expected = await filled.asimilarity_search_with_score("cats", k=12, filter=filter)
        streamed = [h async for h in filled.astream_similarity_search_with_score("cats", 12, filter, 5)]
        assert streamed == expected


@pytest.mark.asyncio
async def test_streamed_search_over_ivfflat_equals_search(filled: AsyncVectorStore, engine_url: str) -> None:
    if not engine_url.startswith("postgresql"):
        pytest.skip("IVFFlat is a PostgreSQL index")
    await filled.aapply_vector_index("ivfflat", lists=4)
    for filter in (None, {"even": False}):
        # Filtered: an iterative scan in relaxed order, which the stream sorts on the server.
        expected = await filled.asimilarity_search_with_score("cats", k=12, filter=filter)
        streamed = [h async for h in filled.astream_similarity_search_with_score("cats", 12, filter, 5)]
        assert streamed == expected
        assert [s for _, s in streamed] == sorted(s for _, s in streamed)


@pytest.mark.asyncio
async def test_streamed_search_on_an_empty_collection(store: AsyncVectorStore) -> None:
    assert [h async for h in store.astream_similarity_search("anything", k=10)] == []


@pytest.mark.asyncio
async def test_streamed_search_checks_its_arguments(filled: AsyncVectorStore) -> None:
    with pytest.raises(InvalidArgumentError):
        async for _ in filled.astream_similarity_search("x", k=-1):
            pass
    with pytest.raises(InvalidArgumentError):
        async for _ in filled.astream_similarity_search("x", batch_size=0):
            pass
    with pytest.raises(DimensionMismatchError):
        async for _ in filled.astream_similarity_search_with_score_by_vector([0.5] * (DIMENSION + 1)):
            pass
    assert await filled.acount() == N  # and nothing was left holding the connection


# -- missing, closed ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_streams_on_a_missing_collection_raise(engine: AsyncEngine) -> None:
    store = AsyncVectorStore(engine, HashEmbedding(DIMENSION), "nowhere")
    with pytest.raises(CollectionNotFoundError):
        async for _ in store.astream_similarity_search("x"):
            pass
    with pytest.raises(CollectionNotFoundError):
        async for _ in store.aiter_documents({"a": 1}):
            pass


@pytest.mark.asyncio
async def test_a_search_stream_stops_when_the_store_closes(filled: AsyncVectorStore) -> None:
    seen = 0
    with pytest.raises(StoreClosedError):
        async for _ in filled.astream_similarity_search("cats", k=N, batch_size=3):
            seen += 1
            if seen == 2:
                await filled.aclose()
    assert seen == 3
    with pytest.raises(StoreClosedError):
        async for _ in filled.astream_similarity_search("cats"):
            pass
    await filled.engine.aping()  # the stream gave its connection back


@pytest.mark.asyncio
async def test_streams_after_engine_close_raise(filled: AsyncVectorStore) -> None:
    await filled.engine.aclose()
    with pytest.raises(EngineClosedError):
        async for _ in filled.astream_similarity_search("cats"):
            pass
    with pytest.raises(EngineClosedError):
        async for _ in filled.aiter_documents():
            pass


# -- writes while streaming ---------------------------------------------------------------------


@pytest.mark.asyncio
async def test_writes_while_streaming_documents(
    engine: AsyncEngine, embeddings: HashEmbedding, engine_url: str
) -> None:
    await engine.ainit_vectorstore_table("docs", vector_dimension=DIMENSION)
    store = AsyncVectorStore(engine, embeddings, "docs")
    await store.aadd_texts([f"t{i}" for i in range(10)], ids=[f"{i:02d}" for i in range(10)])
    seen: List[str] = []
    async for doc in store.aiter_documents(batch_size=3):
        seen.append(doc.id or "")
        if len(seen) == 1:
            await store.adelete(["08"])
            await store.aadd_texts(["new"], ids=["99"])
    if engine_url.startswith("postgresql"):
        # One snapshot, taken before the writes.
        assert seen == [f"{i:02d}" for i in range(10)]
    else:
        # Keyset pages: the writes show up in the pages read after them.
        assert seen == [f"{i:02d}" for i in range(10) if i != 8] + ["99"]


@pytest.mark.asyncio
async def test_writes_while_streaming_a_search(engine: AsyncEngine, engine_url: str) -> None:
    await engine.ainit_vectorstore_table("vecs", vector_dimension=4, distance="l2")
    store = AsyncVectorStore(engine, HashEmbedding(4), "vecs")
    # Distances to the origin are 1, 2, ... 8: the ranking is known in advance.
    ids = [f"v{i}" for i in range(1, 9)]
    await store.aadd_embeddings(ids, [[float(i), 0.0, 0.0, 0.0] for i in range(1, 9)], ids=ids)
    origin = [0.0, 0.0, 0.0, 0.0]
    seen: List[str] = []
    distances: List[float] = []
    async for doc, distance in store.astream_similarity_search_with_score_by_vector(origin, k=8, batch_size=2):
        seen.append(doc.id or "")
        distances.append(distance)
        if len(seen) == 1:
            await store.adelete(["v4"])
            await store.aadd_embeddings(["moved"], [[0.0, 9.5, 0.0, 0.0]], ids=["v6"])
            await store.aadd_embeddings(["close"], [[0.5, 0.0, 0.0, 0.0]], ids=["close"])
    assert distances == sorted(distances)
    if engine_url.startswith("postgresql"):
        assert seen == ids  # one snapshot, taken before the writes
        assert distances == [float(i) for i in range(1, 9)]
    else:
        # Ranked before the writes; rows deleted or moved since are left out.
        assert seen == ["v1", "v2", "v3", "v5", "v7", "v8"]
        assert distances == pytest.approx([1.0, 2.0, 3.0, 5.0, 7.0, 8.0])


@pytest.mark.asyncio
async def test_a_reused_row_key_is_not_taken_for_the_ranked_row(engine: AsyncEngine, engine_url: str) -> None:
    await engine.ainit_vectorstore_table("vecs", vector_dimension=4, distance="l2")
    store = AsyncVectorStore(engine, HashEmbedding(4), "vecs")
    vectors = np.eye(4, dtype=np.float32) * np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)[:, None]
    ids = ["a", "b", "c", "d"]
    await store.aadd_embeddings(ids, vectors.tolist(), ids=ids)
    seen: List[str] = []
    async for doc, _ in store.astream_similarity_search_with_score_by_vector([0.0] * 4, k=4, batch_size=1):
        seen.append(doc.id or "")
        if len(seen) == 1:
            # SQLite gives a new row the largest row key plus one: d's key, freed by the delete.
            await store.adelete(["d"])
            await store.aadd_embeddings(["e"], [[0.0, 0.0, 0.0, 9.0]], ids=["e"])
    if engine_url.startswith("postgresql"):
        assert seen == ids
    else:
        assert seen == ["a", "b", "c"]
