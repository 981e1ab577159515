"""Streaming reads and searches: every row once and in order, the same hits as search, nothing held after."""

from __future__ import annotations

from typing import Iterator, List, Optional

import numpy as np
import pytest

# async only: pytest_asyncio
from sqlvec._sync import Engine, VectorStore
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


@pytest.fixture
def filled(engine_url: str, embeddings: HashEmbedding) -> Iterator[VectorStore]:
    """A store of N documents with ids added in reverse order, on an engine of one connection."""
    engine = Engine.from_url(one_connection(engine_url))
    engine.init_vectorstore_table("docs", vector_dimension=DIMENSION)
    store = VectorStore(engine, embeddings, "docs")
    ids = [f"{i:03d}" for i in range(N)]
    store.add_texts(
        [f"text number {i} about {'cats' if i % 3 else 'dogs'}" for i in range(N)][::-1],
        metadatas=[{"i": i, "even": i % 2 == 0} for i in range(N)][::-1],
        ids=ids[::-1],
    )
    yield store
    engine.close()


# -- streamed documents -----------------------------------------------------------------------


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize("batch_size", [1, 4, N, 1000])
def test_streamed_documents_come_once_each_in_id_order(filled: VectorStore, batch_size: int) -> None:
    docs = [d for d in filled.iter_documents(batch_size=batch_size)]
    assert [d.id for d in docs] == [f"{i:03d}" for i in range(N)]
    assert [d.metadata["i"] for d in docs] == list(range(N))
    assert docs[7].page_content == "text number 7 about cats"
    even = [d.id for d in filled.iter_documents({"even": True}, batch_size=batch_size)]
    assert even == [f"{i:03d}" for i in range(0, N, 2)]


# async only: @pytest.mark.asyncio
def test_a_stream_closed_early_releases_its_connection(filled: VectorStore) -> None:
    stream = filled.iter_documents(batch_size=4)
    seen: List[str] = []
    for doc in stream:
        seen.append(doc.id or "")
        if len(seen) == 6:
            break
    stream.close()
    assert seen == [f"{i:03d}" for i in range(6)]
    # One connection in the pool: each of these would wait and fail if the stream still held it.
    assert filled.count() == N
    assert [d.id for d in filled.get_by_ids(["005"])] == ["005"]
    assert len([d for d in filled.iter_documents(batch_size=7)]) == N


# async only: @pytest.mark.asyncio
def test_a_search_stream_closed_early_releases_its_connection(filled: VectorStore) -> None:
    stream = filled.stream_similarity_search("cats", k=30, batch_size=4)
    first: Optional[str] = None
    for doc in stream:
        first = doc.id
        break
    stream.close()
    assert first == filled.similarity_search("cats", k=1)[0].id
    assert filled.count({"even": True}) == (N + 1) // 2


# async only: @pytest.mark.asyncio
def test_a_dropped_stream_releases_its_connection(filled: VectorStore) -> None:
    stream = filled.iter_documents(batch_size=2)
    for _ in stream:
        break
    del stream  # closed by the garbage collector (the event loop runs the async one's cleanup)
    assert filled.count() == N


# async only: @pytest.mark.asyncio
def test_an_exhausted_stream_releases_its_connection(filled: VectorStore) -> None:
    hits = [hit for hit in filled.stream_similarity_search_with_score("dogs", k=N, batch_size=5)]
    assert len(hits) == N
    assert len([d for d in filled.iter_documents(batch_size=N)]) == N
    assert filled.count() == N


# async only: @pytest.mark.asyncio
def test_streams_can_be_read_side_by_side(filled: VectorStore, engine_url: str) -> None:
    if engine_url.startswith("postgresql"):
        pytest.skip("two streams need two connections; this pool has one")
    left = filled.iter_documents(batch_size=3)
    right = filled.stream_similarity_search("cats", k=N, batch_size=2)
    pairs = []
    for doc in left:
        for hit in right:
            pairs.append((doc.id, hit.id))
            break
    right.close()
    assert len(pairs) == N


# -- streamed search ----------------------------------------------------------------------------


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize("k", [1, 4, 17, N, 100])
@pytest.mark.parametrize("batch_size", [1, 3, 100])
def test_streamed_search_equals_search(filled: VectorStore, k: int, batch_size: int) -> None:
    for query, filter in [("cats", None), ("dogs", {"even": True}), ("number 12", {"i": {"$lt": 20}})]:
        expected = filled.similarity_search_with_score(query, k=k, filter=filter)
        streamed = [h for h in filled.stream_similarity_search_with_score(query, k, filter, batch_size)]
        assert streamed == expected
        docs = [d for d in filled.stream_similarity_search(query, k=k, filter=filter, batch_size=batch_size)]
        assert docs == [d for d, _ in expected]
        vector = filled.embeddings.embed_query(query)
        by_vector = filled.stream_similarity_search_with_score_by_vector(vector, k, filter, batch_size)
        assert [h for h in by_vector] == expected


# async only: @pytest.mark.asyncio
def test_streamed_search_with_an_index_equals_search(filled: VectorStore) -> None:
    pytest.importorskip("usearch")
    filled.apply_vector_index("hnsw", ef_search=200)
    for filter in (None, {"even": False}):
        expected = filled.similarity_search_with_score("cats", k=12, filter=filter)
        streamed = [h for h in filled.stream_similarity_search_with_score("cats", 12, filter, 5)]
        assert streamed == expected


# async only: @pytest.mark.asyncio
def test_streamed_search_over_ivfflat_equals_search(filled: VectorStore, engine_url: str) -> None:
    if not engine_url.startswith("postgresql"):
        pytest.skip("IVFFlat is a PostgreSQL index")
    filled.apply_vector_index("ivfflat", lists=4)
    for filter in (None, {"even": False}):
        # Filtered: an iterative scan in relaxed order, which the stream sorts on the server.
        expected = filled.similarity_search_with_score("cats", k=12, filter=filter)
        streamed = [h for h in filled.stream_similarity_search_with_score("cats", 12, filter, 5)]
        assert streamed == expected
        assert [s for _, s in streamed] == sorted(s for _, s in streamed)


# async only: @pytest.mark.asyncio
def test_streamed_search_on_an_empty_collection(store: VectorStore) -> None:
    assert [h for h in store.stream_similarity_search("anything", k=10)] == []


# async only: @pytest.mark.asyncio
def test_streamed_search_checks_its_arguments(filled: VectorStore) -> None:
    with pytest.raises(InvalidArgumentError):
        for _ in filled.stream_similarity_search("x", k=-1):
            pass
    with pytest.raises(InvalidArgumentError):
        for _ in filled.stream_similarity_search("x", batch_size=0):
            pass
    with pytest.raises(DimensionMismatchError):
        for _ in filled.stream_similarity_search_with_score_by_vector([0.5] * (DIMENSION + 1)):
            pass
    assert filled.count() == N  # and nothing was left holding the connection


# -- missing, closed ------------------------------------------------------------------------------


# async only: @pytest.mark.asyncio
def test_streams_on_a_missing_collection_raise(engine: Engine) -> None:
    store = VectorStore(engine, HashEmbedding(DIMENSION), "nowhere")
    with pytest.raises(CollectionNotFoundError):
        for _ in store.stream_similarity_search("x"):
            pass
    with pytest.raises(CollectionNotFoundError):
        for _ in store.iter_documents({"a": 1}):
            pass


# async only: @pytest.mark.asyncio
def test_a_search_stream_stops_when_the_store_closes(filled: VectorStore) -> None:
    seen = 0
    with pytest.raises(StoreClosedError):
        for _ in filled.stream_similarity_search("cats", k=N, batch_size=3):
            seen += 1
            if seen == 2:
                filled.close()
    assert seen == 3
    with pytest.raises(StoreClosedError):
        for _ in filled.stream_similarity_search("cats"):
            pass
    filled.engine.ping()  # the stream gave its connection back


# async only: @pytest.mark.asyncio
def test_streams_after_engine_close_raise(filled: VectorStore) -> None:
    filled.engine.close()
    with pytest.raises(EngineClosedError):
        for _ in filled.stream_similarity_search("cats"):
            pass
    with pytest.raises(EngineClosedError):
        for _ in filled.iter_documents():
            pass


# -- writes while streaming ---------------------------------------------------------------------


# async only: @pytest.mark.asyncio
def test_writes_while_streaming_documents(
    engine: Engine, embeddings: HashEmbedding, engine_url: str
) -> None:
    engine.init_vectorstore_table("docs", vector_dimension=DIMENSION)
    store = VectorStore(engine, embeddings, "docs")
    store.add_texts([f"t{i}" for i in range(10)], ids=[f"{i:02d}" for i in range(10)])
    seen: List[str] = []
    for doc in store.iter_documents(batch_size=3):
        seen.append(doc.id or "")
        if len(seen) == 1:
            store.delete(["08"])
            store.add_texts(["new"], ids=["99"])
    if engine_url.startswith("postgresql"):
        # One snapshot, taken before the writes.
        assert seen == [f"{i:02d}" for i in range(10)]
    else:
        # Keyset pages: the writes show up in the pages read after them.
        assert seen == [f"{i:02d}" for i in range(10) if i != 8] + ["99"]


# async only: @pytest.mark.asyncio
def test_writes_while_streaming_a_search(engine: Engine, engine_url: str) -> None:
    engine.init_vectorstore_table("vecs", vector_dimension=4, distance="l2")
    store = VectorStore(engine, HashEmbedding(4), "vecs")
    # Distances to the origin are 1, 2, ... 8: the ranking is known in advance.
    ids = [f"v{i}" for i in range(1, 9)]
    store.add_embeddings(ids, [[float(i), 0.0, 0.0, 0.0] for i in range(1, 9)], ids=ids)
    origin = [0.0, 0.0, 0.0, 0.0]
    seen: List[str] = []
    distances: List[float] = []
    for doc, distance in store.stream_similarity_search_with_score_by_vector(origin, k=8, batch_size=2):
        seen.append(doc.id or "")
        distances.append(distance)
        if len(seen) == 1:
            store.delete(["v4"])
            store.add_embeddings(["moved"], [[0.0, 9.5, 0.0, 0.0]], ids=["v6"])
            store.add_embeddings(["close"], [[0.5, 0.0, 0.0, 0.0]], ids=["close"])
    assert distances == sorted(distances)
    if engine_url.startswith("postgresql"):
        assert seen == ids  # one snapshot, taken before the writes
        assert distances == [float(i) for i in range(1, 9)]
    else:
        # Ranked before the writes; rows deleted or moved since are left out.
        assert seen == ["v1", "v2", "v3", "v5", "v7", "v8"]
        assert distances == pytest.approx([1.0, 2.0, 3.0, 5.0, 7.0, 8.0])


# async only: @pytest.mark.asyncio
def test_a_reused_row_key_is_not_taken_for_the_ranked_row(engine: Engine, engine_url: str) -> None:
    engine.init_vectorstore_table("vecs", vector_dimension=4, distance="l2")
    store = VectorStore(engine, HashEmbedding(4), "vecs")
    vectors = np.eye(4, dtype=np.float32) * np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)[:, None]
    ids = ["a", "b", "c", "d"]
    store.add_embeddings(ids, vectors.tolist(), ids=ids)
    seen: List[str] = []
    for doc, _ in store.stream_similarity_search_with_score_by_vector([0.0] * 4, k=4, batch_size=1):
        seen.append(doc.id or "")
        if len(seen) == 1:
            # SQLite gives a new row the largest row key plus one: d's key, freed by the delete.
            store.delete(["d"])
            store.add_embeddings(["e"], [[0.0, 0.0, 0.0, 9.0]], ids=["e"])
    if engine_url.startswith("postgresql"):
        assert seen == ids
    else:
        assert seen == ["a", "b", "c"]


# This file was generated by unawait from the source below; do not edit it.
# tests/_async/test_streaming.py
# Edit the source and regenerate with:
# nox -s codegen
