"""AsyncVectorStore: writes, reads, search, paging, deletion and errors on one collection."""

from __future__ import annotations

import math
import sqlite3
from typing import Any, Dict, List

import numpy as np
import pytest

from sqlvec._sync import Engine, VectorStore
from sqlvec.documents import Document
from sqlvec.embeddings import HashEmbedding
from sqlvec.errors import (
    CollectionNotFoundError,
    DimensionMismatchError,
    EngineClosedError,
    InvalidArgumentError,
    InvalidMetadataError,
    NonFiniteVectorError,
    StoreClosedError,
    UnknownFilterOperatorError,
)
from sqlvec.pool import DatabaseError

from .conftest import DIMENSION

TEXTS = [
    "the cat sat on the mat",
    "a dog chased the ball in the park",
    "stock markets fell sharply today",
    "kittens and cats purr softly",
    "the puppy fetched a stick",
]


class BrokenEmbedding(HashEmbedding):
    """Embeddings that return a wrong-sized vector for one text (to break a batch midway)."""

    def __init__(self, dimension: int, bad_text: str) -> None:
        super().__init__(dimension)
        self.bad_text = bad_text

    def embed_documents(self, texts: Any) -> List[List[float]]:
        vectors = super().embed_documents(texts)
        return [v[:-1] if t == self.bad_text else v for t, v in zip(texts, vectors)]

    # # unawait: async-only
    # async def aembed_documents(self, texts: Any) -> List[List[float]]:
    #     return self.embed_documents(texts)


# -- writes -------------------------------------------------------------------------


# async only: @pytest.mark.asyncio
def test_add_texts_returns_new_ids_in_order(store: VectorStore) -> None:
    ids = store.add_texts(TEXTS)
    assert len(ids) == len(set(ids)) == len(TEXTS)
    docs = store.get_by_ids(ids)
    assert [d.page_content for d in docs] == TEXTS
    assert [d.id for d in docs] == ids
    assert all(d.metadata == {} for d in docs)


# async only: @pytest.mark.asyncio
def test_add_texts_keeps_given_ids_and_fills_missing_ones(store: VectorStore) -> None:
    ids = store.add_texts(["a", "b", "c"], ids=["first", None, "third"])
    assert ids[0] == "first" and ids[2] == "third" and ids[1] not in ("first", "third", None)
    assert store.count() == 3


# async only: @pytest.mark.asyncio
def test_add_texts_accepts_any_iterable(store: VectorStore) -> None:
    ids = store.add_texts(t for t in ["x", "y"])
    assert len(ids) == 2


# async only: @pytest.mark.asyncio
def test_add_nothing_is_a_no_op(store: VectorStore) -> None:
    assert store.add_texts([]) == []
    assert store.add_embeddings([], []) == []
    assert store.add_documents([]) == []
    assert store.count() == 0


# async only: @pytest.mark.asyncio
def test_upsert_replaces_content_metadata_and_vector(store: VectorStore) -> None:
    store.add_texts(["old text about cats"], metadatas=[{"v": 1}], ids=["doc"])
    store.add_texts(["new text about markets"], metadatas=[{"v": 2}], ids=["doc"])
    assert store.count() == 1
    (doc,) = store.get_by_ids(["doc"])
    assert doc == Document("new text about markets", {"v": 2}, "doc")
    (hit,) = store.similarity_search("markets", k=1)
    assert hit.id == "doc"


# async only: @pytest.mark.asyncio
def test_a_batch_repeating_an_id_keeps_the_last_row(store: VectorStore) -> None:
    ids = store.add_texts(["one", "two"], metadatas=[{"n": 1}, {"n": 2}], ids=["x", "x"])
    assert ids == ["x", "x"]
    assert store.get_by_ids(["x"]) == [Document("two", {"n": 2}, "x")]
    hits = store.similarity_search_with_score("two", k=5)
    assert [(d.id, round(s, 4)) for d, s in hits] == [("x", 0.0)]


# async only: @pytest.mark.asyncio
def test_add_documents_uses_the_documents_ids(store: VectorStore) -> None:
    docs = [Document("alpha", {"g": "a"}, "id-a"), Document("beta", {"g": "b"})]
    ids = store.add_documents(docs)
    assert ids[0] == "id-a"
    assert store.get_by_ids(ids) == [
        Document("alpha", {"g": "a"}, "id-a"),
        Document("beta", {"g": "b"}, ids[1]),
    ]
    again = store.add_documents([Document("gamma")], ids=["id-g"])
    assert again == ["id-g"]


# async only: @pytest.mark.asyncio
def test_add_embeddings_stores_the_given_vectors(store: VectorStore) -> None:
    vectors = np.eye(DIMENSION, dtype=np.float32)[:3].tolist()
    ids = store.add_embeddings(["e0", "e1", "e2"], vectors, ids=["0", "1", "2"])
    assert ids == ["0", "1", "2"]
    hits = store.similarity_search_with_score_by_vector(vectors[1], k=1)
    assert [(d.id, round(s, 6)) for d, s in hits] == [("1", 0.0)]


# async only: @pytest.mark.asyncio
def test_metadata_round_trips_as_json(store: VectorStore) -> None:
    meta: Dict[str, Any] = {
        "s": "ünïcode ✓",
        "i": 7,
        "f": 1.5,
        "b": True,
        "n": None,
        "list": [1, "x"],
        "nested": {"deep": {"er": 1}},
    }
    store.add_texts(["x"], metadatas=[meta], ids=["x"])
    assert store.get_by_ids(["x"])[0].metadata == meta


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize("metadata", [{"bad": object()}, {"nan": math.nan}, ["not", "a", "dict"], "text"])
def test_bad_metadata_is_refused_before_writing(store: VectorStore, metadata: Any) -> None:
    with pytest.raises(InvalidMetadataError):
        store.add_texts(["ok", "bad"], metadatas=[{}, metadata])
    assert store.count() == 0


# async only: @pytest.mark.asyncio
def test_length_mismatches_are_refused(store: VectorStore) -> None:
    with pytest.raises(InvalidArgumentError):
        store.add_texts(["a", "b"], metadatas=[{}])
    with pytest.raises(InvalidArgumentError):
        store.add_texts(["a", "b"], ids=["x"])
    with pytest.raises(InvalidArgumentError):
        store.add_embeddings(["a", "b"], [[0.0] * DIMENSION])
    with pytest.raises(InvalidArgumentError):
        store.add_texts([1, 2])  # type: ignore[list-item]
    with pytest.raises(InvalidArgumentError):
        store.add_texts(["a"], ids=[""])
    assert store.count() == 0


# async only: @pytest.mark.asyncio
def test_wrong_dimension_is_refused(store: VectorStore) -> None:
    with pytest.raises(DimensionMismatchError) as info:
        store.add_embeddings(["a"], [[1.0, 2.0]])
    assert (info.value.expected, info.value.actual) == (DIMENSION, 2)
    with pytest.raises(DimensionMismatchError):
        store.similarity_search_by_vector([1.0, 2.0, 3.0])
    wider = VectorStore(store.engine, HashEmbedding(DIMENSION + 1), store.collection_name)
    with pytest.raises(DimensionMismatchError):
        wider.add_texts(["a"])
    assert store.count() == 0


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 1e39])
def test_non_finite_vectors_are_refused(store: VectorStore, bad: float) -> None:
    vector = [0.5] * DIMENSION
    vector[3] = bad
    with pytest.raises(NonFiniteVectorError) as info:
        store.add_embeddings(["ok", "bad"], [[0.5] * DIMENSION, vector])
    assert info.value.row == 1
    assert not math.isfinite(info.value.value)
    with pytest.raises(NonFiniteVectorError):
        store.similarity_search_by_vector(vector)
    assert store.count() == 0


# async only: @pytest.mark.asyncio
def test_a_batch_failing_midway_in_embedding_writes_nothing(engine: Engine, store: VectorStore) -> None:
    broken = VectorStore(engine, BrokenEmbedding(DIMENSION, "c"), "docs")
    with pytest.raises(InvalidArgumentError):
        broken.add_texts(["a", "b", "c", "d"])
    assert store.count() == 0


# async only: @pytest.mark.asyncio
def test_a_batch_failing_midway_in_the_database_writes_nothing(store: VectorStore, sqlite_path: str) -> None:
    store.add_texts(["kept"], ids=["kept"])
    # A real constraint failure on the third row, raised by SQLite inside the transaction.
    with sqlite3.connect(sqlite_path) as conn:
        conn.execute(
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON docs WHEN NEW.content = 'boom' "
            "BEGIN SELECT RAISE(ABORT, 'boom refused'); END"
        )
    conn.close()
    # Reported as a SqlvecError like every other failure, SQLite's own error as its cause.
    with pytest.raises(DatabaseError, match="boom refused") as info:
        store.add_texts(["one", "two", "boom", "four"], ids=["1", "2", "3", "4"])
    assert isinstance(info.value.__cause__, sqlite3.IntegrityError)
    assert store.count() == 1
    assert store.get_by_ids(["1", "2", "3", "4"]) == []
    assert [d.id for d in store.similarity_search("one", k=10)] == ["kept"]
    # the store is still usable afterwards
    store.add_texts(["five"], ids=["5"])
    assert store.count() == 2


# -- reads --------------------------------------------------------------------------


# async only: @pytest.mark.asyncio
def test_get_by_ids_keeps_the_order_asked_and_skips_unknown_ids(
    store: VectorStore,
) -> None:
    ids = store.add_texts(TEXTS, ids=[f"id{i}" for i in range(len(TEXTS))])
    got = store.get_by_ids(["id3", "missing", "id0", "id3"])
    assert [d.id for d in got] == ["id3", "id0", "id3"]
    assert store.get_by_ids([]) == []
    assert [d.id for d in store.get_by_ids(tuple(ids))] == ids
    assert [d.id for d in store.get_by_ids(iter(["id1"]))] == ["id1"]  # type: ignore[arg-type]


# async only: @pytest.mark.asyncio
def test_get_by_many_ids(store: VectorStore) -> None:
    n = 1200  # more than one chunk of bound parameters
    vectors = np.random.default_rng(0).normal(size=(n, DIMENSION)).tolist()
    ids = store.add_embeddings([f"t{i}" for i in range(n)], vectors)
    got = store.get_by_ids(ids[::-1])
    assert [d.id for d in got] == ids[::-1]


# async only: @pytest.mark.asyncio
def test_count_with_and_without_filter(store: VectorStore) -> None:
    assert store.count() == 0
    store.add_texts(TEXTS, metadatas=[{"i": i} for i in range(len(TEXTS))])
    assert store.count() == len(TEXTS)
    assert store.count({"i": {"$gte": 3}}) == 2
    assert store.count({}) == len(TEXTS)


# async only: @pytest.mark.asyncio
def test_similarity_search_finds_the_closest_texts(store: VectorStore) -> None:
    store.add_texts(TEXTS, ids=[str(i) for i in range(len(TEXTS))])
    docs = store.similarity_search("cats", k=2)
    assert {d.id for d in docs} == {"0", "3"}
    (top,) = store.similarity_search("stock markets", k=1)
    assert top.page_content == TEXTS[2]
    assert len(store.similarity_search("anything")) == 4  # k defaults to 4
    assert len(store.similarity_search("anything", k=50)) == len(TEXTS)


# async only: @pytest.mark.asyncio
def test_search_scores_are_sorted_distances(store: VectorStore) -> None:
    store.add_texts(TEXTS)
    hits = store.similarity_search_with_score(TEXTS[1], k=5)
    scores = [s for _, s in hits]
    assert hits[0][0].page_content == TEXTS[1]
    assert scores == sorted(scores)
    assert scores[0] == pytest.approx(0.0, abs=1e-6)
    assert all(0.0 <= s <= 2.0 for s in scores)


# async only: @pytest.mark.asyncio
def test_search_on_an_empty_collection_finds_nothing(store: VectorStore) -> None:
    assert store.similarity_search("anything") == []
    assert store.similarity_search("anything", filter={"x": 1}) == []


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize("distance", ["cosine", "l2", "inner_product"])
def test_every_distance_ranks_and_scores_exactly(engine: Engine, distance: str) -> None:
    engine.init_vectorstore_table("vecs", vector_dimension=8, distance=distance)
    store = VectorStore(engine, HashEmbedding(8), "vecs")
    rng = np.random.default_rng(42)
    matrix = rng.normal(size=(300, 8)).astype(np.float32)
    ids = [f"v{i}" for i in range(len(matrix))]
    store.add_embeddings(ids, matrix.tolist(), ids=ids)
    query = rng.normal(size=8).astype(np.float32)
    if distance == "cosine":
        unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        expected = 1.0 - unit @ (query / np.linalg.norm(query))
    elif distance == "l2":
        expected = np.linalg.norm(matrix - query, axis=1)
    else:
        expected = -(matrix @ query)
    order = np.argsort(expected, kind="stable")[:10]
    hits = store.similarity_search_with_score_by_vector(query.tolist(), k=10)
    assert [d.id for d, _ in hits] == [ids[i] for i in order]
    assert [s for _, s in hits] == pytest.approx(expected[order].tolist(), rel=1e-4, abs=1e-4)
    docs = store.similarity_search_by_vector(query.tolist(), k=3)
    assert [d.id for d in docs] == [ids[i] for i in order[:3]]


# async only: @pytest.mark.asyncio
def test_search_with_filter_only_returns_matching_documents(
    store: VectorStore,
) -> None:
    store.add_texts(
        TEXTS,
        metadatas=[{"animal": i != 2, "i": i} for i in range(len(TEXTS))],
        ids=[str(i) for i in range(len(TEXTS))],
    )
    docs = store.similarity_search("cats", k=10, filter={"animal": False})
    assert [d.id for d in docs] == ["2"]
    docs = store.similarity_search("cats", k=2, filter={"i": {"$in": [1, 2, 4]}})
    assert {d.id for d in docs} <= {"1", "2", "4"} and len(docs) == 2
    assert store.similarity_search("cats", filter={"i": 99}) == []


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize("k", [-1, 1.5, True, None])
def test_bad_k_is_refused(store: VectorStore, k: Any) -> None:
    with pytest.raises(InvalidArgumentError):
        store.similarity_search("x", k=k)
    with pytest.raises(InvalidArgumentError):
        store.similarity_search_by_vector([0.0] * DIMENSION, k=k)
    with pytest.raises(InvalidArgumentError):
        store.max_marginal_relevance_search("x", k=k)
    with pytest.raises(InvalidArgumentError):
        for _ in store.stream_similarity_search("x", k=k):
            pass


# async only: @pytest.mark.asyncio
def test_k_0_returns_no_hits_from_every_search(store: VectorStore) -> None:
    store.add_texts(TEXTS)
    vector = [0.5] * DIMENSION
    assert store.similarity_search("cats", k=0) == []
    assert store.similarity_search_with_score("cats", k=0) == []
    assert store.similarity_search_by_vector(vector, k=0) == []
    assert store.similarity_search_with_score_by_vector(vector, k=0) == []
    assert store.max_marginal_relevance_search("cats", k=0) == []
    assert store.max_marginal_relevance_search_by_vector(vector, k=0) == []
    assert [hit for hit in store.stream_similarity_search("cats", k=0)] == []
    assert [hit for hit in store.stream_similarity_search_with_score_by_vector(vector, k=0)] == []
    # The other arguments are still checked (all but what only the database knows: the
    # collection and its dimension, since k=0 sends nothing).
    with pytest.raises(UnknownFilterOperatorError):
        store.similarity_search("cats", k=0, filter={"a": {"$regex": "x"}})
    with pytest.raises(InvalidArgumentError):
        store.similarity_search_by_vector(["x"] * DIMENSION, k=0)


# async only: @pytest.mark.asyncio
def test_a_bad_filter_fails_before_any_io(store: VectorStore) -> None:
    with pytest.raises(UnknownFilterOperatorError):
        store.similarity_search("x", filter={"a": {"$regex": "x"}})
    with pytest.raises(UnknownFilterOperatorError):
        store.count({"a": {"$size": 1}})
    with pytest.raises(UnknownFilterOperatorError):
        store.delete(filter={"$xor": []})


# -- paging -------------------------------------------------------------------------


# async only: @pytest.mark.asyncio
def test_iter_documents_pages_through_everything_once(store: VectorStore) -> None:
    ids = [f"{i:03d}" for i in range(23)]
    store.add_texts([f"text {i}" for i in range(23)], ids=ids[::-1])
    seen = [d.id for d in store.iter_documents(batch_size=5)]
    assert seen == sorted(ids)
    seen_exact_pages = [d.id for d in store.iter_documents(batch_size=23)]
    assert seen_exact_pages == sorted(ids)
    first = [d for d in store.iter_documents(batch_size=1)][0]
    assert (first.id, first.page_content) == ("000", "text 22")


# async only: @pytest.mark.asyncio
def test_iter_documents_with_filter(store: VectorStore) -> None:
    store.add_texts(
        [f"t{i}" for i in range(30)],
        metadatas=[{"even": i % 2 == 0, "i": i} for i in range(30)],
        ids=[f"{i:02d}" for i in range(30)],
    )
    odd = [d.metadata["i"] for d in store.iter_documents({"even": False}, batch_size=4)]
    assert odd == list(range(1, 30, 2))
    none = [d for d in store.iter_documents({"i": {"$gt": 100}})]
    assert none == []


# async only: @pytest.mark.asyncio
def test_iter_documents_on_an_empty_collection(store: VectorStore) -> None:
    assert [d for d in store.iter_documents()] == []


# async only: @pytest.mark.asyncio
def test_iter_documents_refuses_a_bad_batch_size(store: VectorStore) -> None:
    with pytest.raises(InvalidArgumentError):
        for _ in store.iter_documents(batch_size=0):
            pass


# async only: @pytest.mark.asyncio
def test_iter_documents_stops_when_the_store_closes(store: VectorStore) -> None:
    store.add_texts([f"t{i}" for i in range(10)])
    seen = 0
    with pytest.raises(StoreClosedError):
        for _ in store.iter_documents(batch_size=3):
            seen += 1
            if seen == 2:
                store.close()
    assert seen == 3


# -- deletion -----------------------------------------------------------------------


# async only: @pytest.mark.asyncio
def test_delete_by_ids(store: VectorStore) -> None:
    store.add_texts(TEXTS, ids=[str(i) for i in range(len(TEXTS))])
    assert store.delete(["1", "3", "missing", "1"]) == 2
    assert store.count() == len(TEXTS) - 2
    assert store.get_by_ids(["1", "3"]) == []
    assert "1" not in {d.id for d in store.similarity_search(TEXTS[1], k=10)}
    assert store.delete([]) == 0


# async only: @pytest.mark.asyncio
def test_delete_by_filter_and_by_both(store: VectorStore) -> None:
    store.add_texts(TEXTS, metadatas=[{"i": i} for i in range(len(TEXTS))], ids=[str(i) for i in range(5)])
    assert store.delete(filter={"i": {"$lt": 2}}) == 2
    assert store.delete(ids=["2", "3"], filter={"i": 3}) == 1
    assert [d.id for d in store.iter_documents()] == ["2", "4"]
    assert store.delete(filter={}) == 2
    assert store.count() == 0


# async only: @pytest.mark.asyncio
def test_delete_needs_ids_or_a_filter(store: VectorStore) -> None:
    store.add_texts(["x"])
    with pytest.raises(InvalidArgumentError) as info:
        store.delete()
    # The message says why, and how to delete everything on purpose.
    assert "every document" in str(info.value) and "filter={}" in str(info.value)
    assert info.value.value is None
    with pytest.raises(InvalidArgumentError):
        store.delete(None, None)
    assert store.count() == 1


# async only: @pytest.mark.asyncio
def test_deleted_then_re_added_ids_come_back(store: VectorStore) -> None:
    store.add_texts(["cats purr"], ids=["x"])
    assert [d.id for d in store.similarity_search("cats")] == ["x"]
    store.delete(["x"])
    assert store.similarity_search("cats") == []
    store.add_texts(["cats purr again"], ids=["x"])
    assert [d.page_content for d in store.similarity_search("cats")] == ["cats purr again"]


# -- missing collection, closing ------------------------------------------------------


# async only: @pytest.mark.asyncio
def test_every_method_on_a_missing_collection_raises(engine: Engine) -> None:
    store = VectorStore(engine, HashEmbedding(DIMENSION), "nowhere")
    calls = [
        lambda: store.add_texts(["x"]),
        lambda: store.add_embeddings(["x"], [[0.0] * DIMENSION]),
        lambda: store.similarity_search("x"),
        lambda: store.similarity_search("x", filter={"a": 1}),
        lambda: store.get_by_ids(["x"]),
        lambda: store.get_by_ids(["x", "y"]),
        lambda: store.count(),
        lambda: store.delete(["x"]),
        lambda: store.delete(filter={"a": 1}),
        lambda: store.apply_vector_index(),
        lambda: store.drop_vector_index(),
    ]
    for call in calls:
        with pytest.raises(CollectionNotFoundError) as info:
            call()
        assert info.value.value == "nowhere"
    with pytest.raises(CollectionNotFoundError):
        for _ in store.iter_documents():
            pass


# async only: @pytest.mark.asyncio
def test_every_method_after_store_close_raises(store: VectorStore) -> None:
    store.add_texts(["x"], ids=["x"])
    with store:
        pass
    assert store.closed
    assert "closed" in repr(store)
    calls = [
        lambda: store.add_texts(["x"]),
        lambda: store.add_documents([Document("x")]),
        lambda: store.add_embeddings(["x"], [[0.0] * DIMENSION]),
        lambda: store.similarity_search("x"),
        lambda: store.similarity_search_with_score("x"),
        lambda: store.similarity_search_by_vector([0.0] * DIMENSION),
        lambda: store.get_by_ids(["x"]),
        lambda: store.count(),
        lambda: store.delete(["x"]),
        lambda: store.apply_vector_index(),
        lambda: store.drop_vector_index(),
    ]
    for call in calls:
        with pytest.raises(StoreClosedError):
            call()
    with pytest.raises(StoreClosedError):
        for _ in store.iter_documents():
            pass
    with pytest.raises(StoreClosedError):
        with store:
            pass
    store.close()  # closing twice is fine
    assert not store.engine.closed


# async only: @pytest.mark.asyncio
def test_every_method_after_engine_close_raises(engine: Engine, store: VectorStore) -> None:
    store.add_texts(["x"], ids=["x"])
    engine.close()
    calls = [
        lambda: store.add_texts(["x"]),
        lambda: store.similarity_search("x"),
        lambda: store.get_by_ids(["x"]),
        lambda: store.count(),
        lambda: store.delete(["x"]),
    ]
    for call in calls:
        with pytest.raises(EngineClosedError):
            call()
    with pytest.raises(EngineClosedError):
        for _ in store.iter_documents():
            pass


# async only: @pytest.mark.asyncio
def test_store_exposes_its_parts(engine: Engine, store: VectorStore, embeddings: HashEmbedding) -> None:
    assert store.engine is engine
    assert store.embeddings is embeddings
    assert store.collection_name == "docs"
    assert "docs" in repr(store)


# This file was generated by unawait from the source below; do not edit it.
# tests/_async/test_vectorstore.py
# Edit the source and regenerate with:
# nox -s codegen
