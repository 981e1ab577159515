"""Max marginal relevance on every backend: hand-checked orders, filters, arguments, k=0."""

from __future__ import annotations

from typing import Any, Iterator, List

import numpy as np
import pytest

# async only: pytest_asyncio
from sqlvec._sync import Engine, VectorStore
from sqlvec.embeddings import HashEmbedding
from sqlvec.errors import InvalidArgumentError, UnknownFilterOperatorError
from sqlvec.filters import parse_filter

# Unit directions, scaled by different lengths: cosine similarity ignores the lengths, and
# the driver must hand back the stored (unnormalised) vectors.
QUERY = [1.0, 0.0, 0.0]
VECTORS = {
    "a": [0.96, 0.28, 0.0],  # similarity to the query 0.96
    "b": [0.936, 0.352, 0.0],  # 0.936, but 0.99712 to a: a near duplicate of a
    "c": [0.8, 0.0, 0.6],  # 0.8; 0.768 to a, 0.7488 to b
    "d": [0.6, 0.0, -0.8],  # 0.6; 0.576 to a, 0.5616 to b, 0 to c
}
SCALE = {"a": 2.0, "b": 3.0, "c": 0.5, "d": 1.0}

# By hand, lambda_mult=0.5: a first (most similar); then b scores .5*.936 - .5*.99712 =
# -.03056, c .4 - .384 = .016, d .3 - .288 = .012: c; then b -.03056, d .3 - .5*.576 =
# .012: d. lambda_mult=0: a, then the least similar to a (d, .576), then c (.768 < .99712).
SIMILARITY_ORDER = ["a", "b", "c", "d"]
MMR_ORDER = ["a", "c", "d"]
DIVERSE_ORDER = ["a", "d", "c"]


@pytest.fixture(params=["cosine", "l2"])
def spread(request: pytest.FixtureRequest, engine: Engine) -> Iterator[VectorStore]:
    """The four VECTORS in a 3-dimensional collection, each with metadata {"name": id}."""
    distance = request.param
    engine.init_vectorstore_table("spread", vector_dimension=3, distance=distance)
    store = VectorStore(engine, HashEmbedding(3), "spread")
    ids = list(VECTORS)
    # l2 ranks by length too: keep its vectors unit-length so that both orders agree.
    scale = SCALE if distance == "cosine" else dict.fromkeys(ids, 1.0)
    vectors = [[x * scale[i] for x in VECTORS[i]] for i in ids]
    store.add_embeddings([f"text {i}" for i in ids], vectors, [{"name": i} for i in ids], ids)
    yield store
    store.close()


def _ids(docs: List[Any]) -> List[str]:
    return [d.id for d in docs]


# async only: @pytest.mark.asyncio
def test_plain_similarity_order_is_the_baseline(spread: VectorStore) -> None:
    assert _ids(spread.similarity_search_by_vector(QUERY, k=4)) == SIMILARITY_ORDER


# async only: @pytest.mark.asyncio
def test_mmr_skips_the_near_duplicate(spread: VectorStore) -> None:
    docs = spread.max_marginal_relevance_search_by_vector(QUERY, k=3, fetch_k=4, lambda_mult=0.5)
    assert _ids(docs) == MMR_ORDER
    assert docs[1].page_content == "text c" and docs[1].metadata == {"name": "c"}


# async only: @pytest.mark.asyncio
def test_lambda_mult_moves_between_relevance_and_diversity(spread: VectorStore) -> None:
    relevant = spread.max_marginal_relevance_search_by_vector(QUERY, k=3, fetch_k=4, lambda_mult=1.0)
    assert _ids(relevant) == SIMILARITY_ORDER[:3]
    diverse = spread.max_marginal_relevance_search_by_vector(QUERY, k=3, fetch_k=4, lambda_mult=0.0)
    assert _ids(diverse) == DIVERSE_ORDER


# async only: @pytest.mark.asyncio
def test_mmr_chooses_among_the_fetch_k_nearest_only(spread: VectorStore) -> None:
    # Only a and b are candidates: the near duplicate is all there is to choose.
    docs = spread.max_marginal_relevance_search_by_vector(QUERY, k=2, fetch_k=2)
    assert _ids(docs) == ["a", "b"]
    # More candidates than documents, and k past them: every document, in MMR order.
    docs = spread.max_marginal_relevance_search_by_vector(QUERY, k=10, fetch_k=50)
    assert _ids(docs) == MMR_ORDER + ["b"]


# async only: @pytest.mark.asyncio
def test_mmr_applies_the_filter_before_choosing(spread: VectorStore) -> None:
    # Without a: b leads; c (.4 - .5*.7488 = .0256) beats d (.3 - .5*.5616 = .0192).
    docs = spread.max_marginal_relevance_search_by_vector(QUERY, k=3, fetch_k=4, filter={"name": {"$ne": "a"}})
    assert _ids(docs) == ["b", "c", "d"]
    docs = spread.max_marginal_relevance_search_by_vector(QUERY, k=3, filter={"name": {"$in": ["b", "d"]}})
    assert _ids(docs) == ["b", "d"]
    assert spread.max_marginal_relevance_search_by_vector(QUERY, filter={"name": "zed"}) == []


# async only: @pytest.mark.asyncio
def test_mmr_by_text_embeds_the_query(store: VectorStore) -> None:
    texts = ["cats purr", "cats purr!", "dogs bark", "stock markets"]
    store.add_texts(texts, ids=["1", "2", "3", "4"])
    docs = store.max_marginal_relevance_search("cats purr", k=2, fetch_k=4, lambda_mult=0.5)
    query = store.embeddings.embed_query("cats purr")
    by_vector = store.max_marginal_relevance_search_by_vector(query, k=2, fetch_k=4, lambda_mult=0.5)
    assert _ids(docs) == _ids(by_vector) and docs[0].id == "1" and len(docs) == 2


# async only: @pytest.mark.asyncio
def test_the_driver_returns_the_stored_vectors_with_the_hits(spread: VectorStore) -> None:
    info = spread.engine.driver.collection_info("spread")
    hits, vectors = spread.engine.driver.search_with_vectors("spread", np.array(QUERY, dtype=np.float32), 3, None)
    assert [doc.id for doc, _ in hits] == SIMILARITY_ORDER[:3]
    assert vectors.dtype == np.float32 and vectors.shape == (3, 3)
    scale = SCALE if info.distance == "cosine" else dict.fromkeys(VECTORS, 1.0)
    for (doc, _), row in zip(hits, vectors):
        assert doc.id is not None
        want = np.array(VECTORS[doc.id], dtype=np.float32) * np.float32(scale[doc.id])
        assert row.tolist() == want.tolist()
    plain = spread.engine.driver.search("spread", np.array(QUERY, dtype=np.float32), 3, None)
    assert plain == hits
    none, empty = spread.engine.driver.search_with_vectors(
        "spread", np.array(QUERY, dtype=np.float32), 3, parse_filter({"name": "zed"})
    )
    assert none == [] and empty.shape == (0, 3)


NAN = float("nan")
BAD_ARGUMENTS = [
    pytest.param({"k": -1}, -1, id="negative k"),
    pytest.param({"k": 1.5}, 1.5, id="float k"),
    pytest.param({"k": True}, True, id="bool k"),
    pytest.param({"k": 5, "fetch_k": 4}, 4, id="fetch_k below k"),
    pytest.param({"fetch_k": -1}, -1, id="negative fetch_k"),
    pytest.param({"lambda_mult": 1.5}, 1.5, id="lambda_mult above 1"),
    pytest.param({"lambda_mult": -0.1}, -0.1, id="lambda_mult below 0"),
    pytest.param({"lambda_mult": NAN}, NAN, id="lambda_mult NaN"),
    pytest.param({"lambda_mult": "0.5"}, "0.5", id="lambda_mult str"),
]


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize(("kwargs", "offending"), BAD_ARGUMENTS)
def test_bad_mmr_arguments_are_refused(spread: VectorStore, kwargs: Any, offending: Any) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        spread.max_marginal_relevance_search_by_vector(QUERY, **kwargs)
    assert info.value.value is offending
    with pytest.raises(InvalidArgumentError):
        spread.max_marginal_relevance_search("x", **kwargs)


# async only: @pytest.mark.asyncio
def test_mmr_refuses_a_bad_filter_and_answers_k_0(spread: VectorStore) -> None:
    with pytest.raises(UnknownFilterOperatorError):
        spread.max_marginal_relevance_search("x", filter={"a": {"$regex": "x"}})
    assert spread.max_marginal_relevance_search("x", k=0) == []
    assert spread.max_marginal_relevance_search_by_vector(QUERY, k=0, fetch_k=0) == []


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["hnsw", "ivfflat"])
def test_mmr_with_a_vector_index(spread: VectorStore, kind: str) -> None:
    if kind == "hnsw":
        pytest.importorskip("usearch")  # the SQLite index
    elif spread.engine.driver.dialect != "postgresql":
        pytest.skip("ivfflat is a PostgreSQL index")
    spread.apply_vector_index(kind=kind, lists=1 if kind == "ivfflat" else None)
    docs = spread.max_marginal_relevance_search_by_vector(QUERY, k=3, fetch_k=4)
    assert _ids(docs) == MMR_ORDER


# async only: @pytest.mark.asyncio
def test_a_large_choice_off_the_loop_picks_the_same(
    spread: VectorStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlvec._sync import vectorstore

    # Every choice counts as large: the async store hands it to a worker thread.
    monkeypatch.setattr(vectorstore, "OFFLOAD_MMR_WORK", 0, raising=False)
    docs = spread.max_marginal_relevance_search_by_vector(QUERY, k=3, fetch_k=4)
    assert _ids(docs) == MMR_ORDER


# This file was generated by unawait from the source below; do not edit it.
# tests/_async/test_mmr.py
# Edit the source and regenerate with:
# nox -s codegen
