"""SqlvecVectorStore beyond LangChain's suite: both halves on one object, relevance per distance, ids, errors."""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import subprocess
import sys
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Sequence

import pytest
import pytest_asyncio
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from sqlvec import AsyncEngine, Engine, HashEmbedding, InvalidArgumentError, StoreClosedError, TextIndexMissingError
from sqlvec.langchain import SqlvecVectorStore

# thirdparty: nox runs this folder on the oldest and the newest Python only (langchain-core 0.3 and 1.x).
pytestmark = pytest.mark.thirdparty

#: Hand-picked unit vectors, so that every distance and relevance can be checked by hand.
VECTORS: Dict[str, List[float]] = {"x": [1.0, 0.0], "y": [0.0, 1.0], "xy": [0.6, 0.8]}


class TableEmbeddings(Embeddings):
    """A LangChain Embeddings that looks texts up in VECTORS (sync only: LangChain supplies the async methods)."""

    def embed_documents(self, texts: List[str]) -> List[List[float]]:
        return [VECTORS[text] for text in texts]

    def embed_query(self, text: str) -> List[float]:
        return VECTORS[text]


@pytest_asyncio.fixture
async def lc_store(engine_url: str) -> AsyncIterator[SqlvecVectorStore]:
    """An empty cosine store over both engines of the test database."""
    store = SqlvecVectorStore.from_url(engine_url, HashEmbedding(64), collection_name="lc")
    await store.ainit_collection(64)
    yield store
    store.close()
    await store.aclose()


@pytest.mark.asyncio
async def test_one_object_serves_both_halves_on_one_collection(lc_store: SqlvecVectorStore) -> None:
    """What the sync half writes the async half reads, and the other way round."""
    sync_ids = lc_store.add_texts(["a cat sat on the mat"], [{"kind": "cat"}], ids=["c"])
    async_ids = await lc_store.aadd_texts(["a dog ran in the park"], [{"kind": "dog"}], ids=["d"])
    assert (sync_ids, async_ids) == (["c"], ["d"])
    assert [d.id for d in await lc_store.asimilarity_search("cat on a mat", k=2)] == ["c", "d"]
    assert [d.id for d in lc_store.similarity_search("dog in a park", k=2)] == ["d", "c"]
    assert lc_store.get_by_ids(["d", "c"]) == await lc_store.aget_by_ids(["d", "c"])
    assert [d.metadata for d in lc_store.similarity_search("cat", k=2, filter={"kind": "dog"})] == [{"kind": "dog"}]


@pytest.mark.asyncio
async def test_sync_methods_run_on_the_callers_thread_inside_a_running_loop(lc_store: SqlvecVectorStore) -> None:
    """A bridge that ran an event loop per call (asyncio.run) would fail inside this running loop."""
    lc_store.add_texts(["a cat"], ids=["c"])
    assert [d.id for d in lc_store.similarity_search("cat", k=1)] == ["c"]
    assert lc_store.delete(["c"]) is True


class _NoExecutor(concurrent.futures.ThreadPoolExecutor):
    def submit(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        raise AssertionError("an async method of SqlvecVectorStore used the event loop's default executor")


@pytest.mark.asyncio
async def test_async_methods_use_no_thread_pool_of_the_loop(lc_store: SqlvecVectorStore) -> None:
    """With embeddings that are async themselves, nothing is sent to run_in_executor."""
    loop = asyncio.get_running_loop()
    with _NoExecutor(max_workers=1) as executor:
        loop.set_default_executor(executor)
        assert await lc_store.aadd_documents([Document("a cat", id="c"), Document("a dog", metadata={"n": 1})])
        assert [d.page_content for d in await lc_store.asimilarity_search("cat", k=1)] == ["a cat"]
        assert (await lc_store.asimilarity_search_with_relevance_scores("cat", k=1))[0][0].id == "c"
        assert [d.id for d in await lc_store.aget_by_ids(["c"])] == ["c"]
        assert await lc_store.adelete(["c"]) is True


@pytest.mark.parametrize(
    "distance, expected",
    [
        # relevance = 1 - (1 - cos)
        pytest.param("cosine", [("x", 1.0), ("xy", 0.6), ("y", 0.0)], id="cosine: 1 - distance"),
        # relevance = 1 - |a - b| / sqrt(2); |x - xy| = sqrt(0.16 + 0.64)
        pytest.param(
            "l2", [("x", 1.0), ("xy", 1 - math.sqrt(0.8) / math.sqrt(2)), ("y", 0.0)], id="l2: 1 - distance / sqrt 2"
        ),
        # distance = -(a . b) <= 0 here, relevance = -distance = a . b
        pytest.param("inner_product", [("x", 1.0), ("xy", 0.6), ("y", 0.0)], id="inner_product: the dot product"),
    ],
)
@pytest.mark.asyncio
async def test_relevance_scores_follow_the_collections_distance(
    engine_url: str, distance: str, expected: List[Any]
) -> None:
    """Each distance gets LangChain's relevance function for it, read from the collection (sync and async)."""
    writer = SqlvecVectorStore.from_url(engine_url, TableEmbeddings(), collection_name="rel")
    writer.init_collection(2, distance)
    writer.add_texts(["x", "y", "xy"], ids=["x", "y", "xy"])
    writer.close()
    # A new object knows nothing of the distance: the relevance search reads it.
    store = SqlvecVectorStore.from_url(engine_url, TableEmbeddings(), collection_name="rel")
    try:
        for hits in (
            store.similarity_search_with_relevance_scores("x", k=3),
            await store.asimilarity_search_with_relevance_scores("x", k=3),
        ):
            assert [doc.id for doc, _ in hits] == [name for name, _ in expected]
            assert [score for _, score in hits] == pytest.approx([score for _, score in expected], abs=1e-6)
    finally:
        store.close()
        await store.aclose()


@pytest.mark.asyncio
async def test_retriever_returns_the_nearest_documents(lc_store: SqlvecVectorStore) -> None:
    """as_retriever (LangChain's own) passes k and filter through, sync and async, and the score threshold."""
    lc_store.add_texts(
        ["a cat sat on the mat", "a cat in the hat", "a dog ran in the park"],
        [{"kind": "cat"}, {"kind": "cat"}, {"kind": "dog"}],
        ids=["mat", "hat", "park"],
    )
    retriever = lc_store.as_retriever(search_kwargs={"k": 1, "filter": {"kind": "cat"}})
    assert [d.id for d in retriever.invoke("cat on a mat")] == ["mat"]
    assert [d.id for d in await retriever.ainvoke("cat in a hat")] == ["hat"]
    strict = lc_store.as_retriever(search_type="similarity_score_threshold", search_kwargs={"score_threshold": 0.99})
    assert [d.id for d in strict.invoke("a dog ran in the park")] == ["park"]


@pytest.mark.parametrize("add_async", [False, True], ids=["sync", "async"])
@pytest.mark.asyncio
async def test_number_ids_become_strings_as_in_langchains_document(
    lc_store: SqlvecVectorStore, add_async: bool
) -> None:
    """Document(id=1).id is "1": ids given as numbers are stored, found and deleted as that string."""
    ids: Sequence[Any] = [1, 2.5]
    added = await lc_store.aadd_texts(["a", "b"], ids=ids) if add_async else lc_store.add_texts(["a", "b"], ids=ids)  # type: ignore[arg-type]
    assert added == ["1", "2.5"] == [Document("a", id=1).id, Document("b", id=2.5).id]  # type: ignore[arg-type]
    assert [d.id for d in lc_store.get_by_ids([1, "2.5"])] == ["1", "2.5"]  # type: ignore[list-item]
    lc_store.delete([1])  # type: ignore[list-item]
    assert [d.id for d in await lc_store.aget_by_ids(["1", "2.5"])] == ["2.5"]


@pytest.mark.asyncio
async def test_ids_langchain_refuses_are_refused(lc_store: SqlvecVectorStore) -> None:
    """A bool (Document refuses it), an empty id or one str in place of the list: an error naming it, nothing written."""
    with pytest.raises(InvalidArgumentError, match="True"):
        lc_store.add_texts(["a"], ids=[True])  # type: ignore[list-item]
    with pytest.raises(InvalidArgumentError, match="''"):
        await lc_store.aadd_texts(["a"], ids=[""])
    with pytest.raises(InvalidArgumentError, match="'abc'"):
        lc_store.get_by_ids("abc")
    assert lc_store.similarity_search("a", k=1) == []


@pytest.mark.asyncio
async def test_delete_without_ids_refuses_unless_a_filter_says_what(lc_store: SqlvecVectorStore) -> None:
    """delete() alone would delete everything: refused; filter={} deletes everything on purpose."""
    lc_store.add_texts(["a cat", "a dog", "a cow"], [{"k": "cat"}, {"k": "dog"}, {"k": "cow"}], ids=["c", "d", "w"])
    with pytest.raises(InvalidArgumentError, match=r"filter=\{\}"):
        lc_store.delete()
    with pytest.raises(InvalidArgumentError, match=r"filter=\{\}"):
        await lc_store.adelete()
    assert lc_store.delete(filter={"k": "cat"}) is True
    assert [d.id for d in lc_store.get_by_ids(["c", "d", "w"])] == ["d", "w"]
    assert await lc_store.adelete(filter={}) is True
    assert lc_store.get_by_ids(["d", "w"]) == []


@pytest.mark.asyncio
async def test_unknown_keywords_are_refused_not_ignored(lc_store: SqlvecVectorStore) -> None:
    """A misspelt `filter` would otherwise return unfiltered hits."""
    with pytest.raises(InvalidArgumentError, match="filters"):
        lc_store.similarity_search("a", k=1, filters={"k": 1})
    with pytest.raises(InvalidArgumentError, match="where"):
        await lc_store.asimilarity_search_with_score("a", k=1, where={"k": 1})
    with pytest.raises(InvalidArgumentError, match="batch"):
        lc_store.add_texts(["a"], batch=10)


@pytest.mark.parametrize("use_async", [False, True], ids=["from_texts", "afrom_texts"])
@pytest.mark.asyncio
async def test_from_texts_creates_the_collection_with_the_embeddings_dimension(
    engine_url: str, use_async: bool
) -> None:
    """from_texts / afrom_texts: a store over url=, its collection sized by the first embedding."""
    args: Dict[str, Any] = {"ids": ["x", 2], "url": engine_url, "collection_name": "made", "distance": "l2"}
    if use_async:
        store = await SqlvecVectorStore.afrom_texts(["x", "y"], TableEmbeddings(), [{"n": 1}, {"n": 2}], **args)
    else:
        store = SqlvecVectorStore.from_texts(["x", "y"], TableEmbeddings(), [{"n": 1}, {"n": 2}], **args)
    try:
        hits = store.similarity_search_with_score("y", k=2)
        assert [(d.id, d.metadata) for d, _ in hits] == [("2", {"n": 2}), ("x", {"n": 1})]
        assert [score for _, score in hits] == pytest.approx([0.0, math.sqrt(2)], abs=1e-6)
    finally:
        store.close()
        await store.aclose()


def test_from_texts_needs_a_url_and_a_shared_database() -> None:
    """No url=, or an in-memory URL (each engine would get a database of its own): an error that says so."""
    with pytest.raises(InvalidArgumentError, match="url="):
        SqlvecVectorStore.from_texts(["x"], TableEmbeddings())
    with pytest.raises(InvalidArgumentError, match="in-memory"):
        SqlvecVectorStore.from_url("sqlite:///:memory:", TableEmbeddings())
    with pytest.raises(InvalidArgumentError, match="engine="):
        SqlvecVectorStore(TableEmbeddings())


@pytest.mark.asyncio
async def test_a_store_with_one_engine_names_the_missing_one(tmp_path: Path) -> None:
    """Built over a sync engine only, the async methods say which engine to pass (and the other way round)."""
    url = f"sqlite:///{tmp_path / 'one.db'}"
    with Engine.from_url(url) as engine:
        sync_only = SqlvecVectorStore(HashEmbedding(8), engine=engine, collection_name="one")
        sync_only.init_collection(8)
        assert sync_only.add_texts(["a"], ids=["a"]) == ["a"]
        with pytest.raises(InvalidArgumentError, match="async_engine="):
            await sync_only.asimilarity_search("a")
    async with AsyncEngine.from_url(url) as async_engine:
        async_only = SqlvecVectorStore(HashEmbedding(8), async_engine=async_engine, collection_name="one")
        assert [d.id for d in await async_only.asimilarity_search("a", k=1)] == ["a"]
        with pytest.raises(InvalidArgumentError, match="engine="):
            async_only.similarity_search("a")
    # The engines were the caller's: closing the store leaves them alone, and they were closed above.
    assert sync_only.embeddings is None  # HashEmbedding is not a LangChain Embeddings


def test_sqlvec_imports_no_langchain() -> None:
    """The core package (and both API trees) keep no LangChain dependency."""
    code = "import sqlvec, sqlvec._async, sqlvec._sync, sys; print(sorted(m for m in sys.modules if 'langchain' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_without_langchain_core_the_error_names_the_extra() -> None:
    """`import sqlvec.langchain` with langchain-core missing: MissingExtraError with the install line."""
    code = (
        "import sys; sys.modules['langchain_core'] = None\n"
        "import sqlvec\n"
        "try:\n    import sqlvec.langchain\nexcept sqlvec.MissingExtraError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert "pip install 'sqlvec[langchain]'" in out.stdout


@pytest.mark.asyncio
async def test_search_by_vector_and_closing_each_half(engine_url: str) -> None:
    """By-vector searches in both halves; close() ends the sync half only, aclose() the async one."""
    store = await SqlvecVectorStore.afrom_texts(
        ["x", "y", "xy"], TableEmbeddings(), ids=["x", "y", "xy"], url=engine_url
    )
    try:
        assert [d.id for d in store.similarity_search_by_vector([0.0, 1.0], k=2)] == ["y", "xy"]
        hits = await store.asimilarity_search_with_score_by_vector([1.0, 0.0], k=2, filter={})
        assert [(d.id, round(s, 6)) for d, s in hits] == [("x", 0.0), ("xy", 0.4)]  # cosine: 1 - 0.6
        store.close()
        with pytest.raises(StoreClosedError):
            store.similarity_search_by_vector([0.0, 1.0], k=1)
        assert [d.id for d in await store.asimilarity_search_by_vector([0.0, 1.0], k=1)] == ["y"]
    finally:
        store.close()
        await store.aclose()
    with pytest.raises(StoreClosedError):
        await store.asimilarity_search_by_vector([0.0, 1.0], k=1)


#: The core store's hand-checked MMR case (tests/_async/test_mmr.py), with texts as the vectors' names:
#: plain similarity ranks a, b, c, d; b is a near duplicate of a, so MMR at lambda_mult 0.5 picks a, c, d.
MMR_VECTORS: Dict[str, List[float]] = {
    "q": [1.0, 0.0, 0.0],
    "a": [0.96, 0.28, 0.0],
    "b": [0.936, 0.352, 0.0],
    "c": [0.8, 0.0, 0.6],
    "d": [0.6, 0.0, -0.8],
}


class MmrEmbeddings(Embeddings):
    """Looks texts up in MMR_VECTORS."""

    def embed_documents(self, texts: List[str]) -> List[List[float]]:
        return [MMR_VECTORS[text] for text in texts]

    def embed_query(self, text: str) -> List[float]:
        return MMR_VECTORS[text]


@pytest.mark.asyncio
async def test_max_marginal_relevance_through_both_halves_and_the_retriever(engine_url: str) -> None:
    """MMR reaches the core store's choice from every LangChain entry point; fetch_k below k is raised to k."""
    store = SqlvecVectorStore.from_url(engine_url, MmrEmbeddings(), collection_name="mmr")
    try:
        store.init_collection(3)
        store.add_texts(["a", "b", "c", "d"], [{"name": n} for n in "abcd"], ids=["a", "b", "c", "d"])
        assert [d.id for d in store.similarity_search("q", k=3)] == ["a", "b", "c"]
        assert [d.id for d in store.max_marginal_relevance_search("q", k=3, fetch_k=4)] == ["a", "c", "d"]
        assert [d.id for d in await store.amax_marginal_relevance_search("q", k=3, fetch_k=4)] == ["a", "c", "d"]
        by_vector = await store.amax_marginal_relevance_search_by_vector(MMR_VECTORS["q"], k=3, fetch_k=4)
        assert [d.id for d in by_vector] == ["a", "c", "d"]
        assert [d.id for d in store.max_marginal_relevance_search("q", k=3, fetch_k=4, lambda_mult=0.0)] == [
            "a",
            "d",
            "c",
        ]
        # LangChain's stores fetch at least k candidates (sqlvec's core store would refuse fetch_k < k):
        # fetch_k=1 becomes 3, so the candidates are a, b, c and MMR takes them as a, c, b.
        assert [d.id for d in store.max_marginal_relevance_search("q", k=3, fetch_k=1)] == ["a", "c", "b"]
        # Without a: b is the nearest; then c (.5 * .8 - .5 * .7488) beats d (.5 * .6 - .5 * .5616).
        narrowed = store.max_marginal_relevance_search("q", k=2, fetch_k=4, filter={"name": {"$ne": "a"}})
        assert [d.id for d in narrowed] == ["b", "c"]
        retriever = store.as_retriever(search_type="mmr", search_kwargs={"k": 3, "fetch_k": 4})
        assert [d.id for d in retriever.invoke("q")] == ["a", "c", "d"]
        assert [d.id for d in await retriever.ainvoke("q")] == ["a", "c", "d"]
    finally:
        store.close()
        await store.aclose()


@pytest.mark.asyncio
async def test_hybrid_search_through_both_halves(lc_store: SqlvecVectorStore) -> None:
    """Hybrid search reaches the core store's fused ranking; keyword_weight=1 keeps the keyword order alone."""
    lc_store.add_texts(
        ["the cat sat on the mat", "a dog ran in the park", "a dog and a cat"],
        [{"kind": "cat"}, {"kind": "dog"}, {"kind": "both"}],
        ids=["mat", "park", "both"],
    )
    with pytest.raises(TextIndexMissingError, match="apply_text_index"):
        lc_store.hybrid_search("dog")
    await lc_store.aapply_text_index("simple")
    # Only the two texts with "dog" match the keyword leg; with weight 1 the vector leg adds nothing.
    only_keyword = lc_store.hybrid_search("dog", k=3, keyword_weight=1.0)
    assert sorted(d.id for d in only_keyword) == ["both", "park"]
    assert [d.id for d in await lc_store.ahybrid_search("dog", k=3, keyword_weight=1.0, filter={"kind": "dog"})] == [
        "park"
    ]
    scored = await lc_store.ahybrid_search_with_score("dog", k=3)
    assert len(scored) == 3 and all(score > 0 for _, score in scored)
    assert [score for _, score in scored] == sorted((score for _, score in scored), reverse=True)
    with pytest.raises(InvalidArgumentError, match="filters"):
        lc_store.hybrid_search("dog", filters={"kind": "dog"})
