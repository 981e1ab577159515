"""Keyword and hybrid search: hand-checked fused orders, hostile query text, the full-text
index's life cycle (old collections, languages, writes) and argument checks, on every backend."""

from __future__ import annotations

import math
import sqlite3
from typing import AsyncIterator, Dict, List, Sequence

import pytest
import pytest_asyncio

from sqlvec._async import AsyncEngine, AsyncVectorStore
from sqlvec.documents import Document
from sqlvec.errors import (
    CollectionMismatchError,
    InvalidArgumentError,
    InvalidFilterError,
    TextIndexMissingError,
    TextSearchUnsupportedError,
)
from sqlvec.fusion import MAX_QUERY_CHARS
from sqlvec.pool import DatabaseError

# Query vector [1, 0]; cosine distances grow from d1 to d4, so the vector order is
# d1 d2 d3 d4. "apple banana" is in d4 (both words) and d3 (one), so the keyword order
# is d4 d3. With weight w and rrf_k 60 (ranks from 1):
#   d1 = (1-w)/61   d2 = (1-w)/62   d3 = (1-w)/63 + w/62   d4 = (1-w)/64 + w/61
DOCS = {
    "d1": ("quarterly revenue report", [1.0, 0.1]),
    "d2": ("weather forecast tomorrow", [1.0, 0.5]),
    "d3": ("apple pie recipe", [1.0, 1.0]),
    "d4": ("apple banana smoothie", [0.2, 1.0]),
}
QUERY = "apple banana"


class FixedEmbedding:
    """Every query is the vector [1, 0]; documents come with their own vectors."""

    def embed_documents(self, texts: Sequence[str]) -> List[List[float]]:
        return [[1.0, 0.0] for _ in texts]

    def embed_query(self, text: str) -> List[float]:
        return [1.0, 0.0]

    # unawait: async-only
    async def aembed_documents(self, texts: Sequence[str]) -> List[List[float]]:
        return self.embed_documents(texts)

    # unawait: async-only
    async def aembed_query(self, text: str) -> List[float]:
        return self.embed_query(text)


async def _fill(store: AsyncVectorStore) -> None:
    await store.aadd_embeddings(
        [text for text, _ in DOCS.values()],
        [vector for _, vector in DOCS.values()],
        metadatas=[{"n": n} for n in range(1, len(DOCS) + 1)],
        ids=list(DOCS),
    )


@pytest_asyncio.fixture
async def fruit(engine: AsyncEngine) -> AsyncIterator[AsyncVectorStore]:
    """A collection with an English full-text index holding DOCS."""
    await engine.ainit_vectorstore_table("fruit", vector_dimension=2, text_search="english")
    store = AsyncVectorStore(engine, FixedEmbedding(), "fruit")
    await _fill(store)
    yield store
    await store.aclose()


def _ids(docs: Sequence[Document]) -> List[str]:
    return [doc.id or "" for doc in docs]


def _scores(w: float, rrf_k: float = 60) -> Dict[str, float]:
    return {
        "d1": (1 - w) / (rrf_k + 1),
        "d2": (1 - w) / (rrf_k + 2),
        "d3": (1 - w) / (rrf_k + 3) + w / (rrf_k + 2),
        "d4": (1 - w) / (rrf_k + 4) + w / (rrf_k + 1),
    }


# -- hand-checked orders ------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_legs_disagree_and_fusion_ranks_by_both(fruit: AsyncVectorStore) -> None:
    assert _ids(await fruit.asimilarity_search(QUERY, k=4)) == ["d1", "d2", "d3", "d4"]
    assert _ids(await fruit.akeyword_search(QUERY, k=4)) == ["d4", "d3"]
    hits = await fruit.ahybrid_search_with_score(QUERY, k=4)
    # d4 = 1/128 + 1/122 = 0.016009 > d3 = 1/126 + 1/124 = 0.016001 > d1 = 1/122 > d2 = 1/124
    assert _ids([doc for doc, _ in hits]) == ["d4", "d3", "d1", "d2"]
    expected = _scores(0.5)
    assert [score for _, score in hits] == [pytest.approx(expected[doc.id or ""], rel=1e-12) for doc, _ in hits]
    assert _ids(await fruit.ahybrid_search(QUERY, k=2)) == ["d4", "d3"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("weight", "rrf_k", "order"),
    [
        pytest.param(0.0, 60, ["d1", "d2", "d3", "d4"], id="weight 0 is the vector order"),
        pytest.param(1.0, 60, ["d4", "d3"], id="weight 1 is the keyword order, vector-only hits left out"),
        # d3 = .8/63 + .2/62 = 0.015924 > d4 = .8/64 + .2/61 = 0.015779 > d1 = .8/61 > d2 = .8/62
        pytest.param(0.2, 60, ["d3", "d4", "d1", "d2"], id="a low keyword weight lets the vector rank decide d3 vs d4"),
        # d4 = .5/4 + .5/1 = 0.625 > d1 = .5/1 = 0.5 > d3 = .5/3 + .5/2 = 0.4167 > d2 = .5/2
        pytest.param(0.5, 0, ["d4", "d1", "d3", "d2"], id="rrf_k 0 lets the first ranks dominate"),
    ],
)
async def test_weight_and_rrf_k_move_the_fused_order(
    fruit: AsyncVectorStore, weight: float, rrf_k: int, order: List[str]
) -> None:
    hits = await fruit.ahybrid_search_with_score(QUERY, k=4, keyword_weight=weight, rrf_k=rrf_k)
    assert _ids([doc for doc, _ in hits]) == order
    expected = _scores(weight, rrf_k)
    assert [score for _, score in hits] == [pytest.approx(expected[i], rel=1e-12) for i in order]


@pytest.mark.asyncio
async def test_the_filter_applies_to_both_legs(fruit: AsyncVectorStore) -> None:
    # Without d4 the keyword leg is d3 alone: d3 = .5/63 + .5/61 > d1 = .5/61 > d2 = .5/62.
    # Had the keyword leg ignored the filter, d4 would still take d3's keyword rank 1.
    hits = await fruit.ahybrid_search_with_score(QUERY, k=4, filter={"n": {"$ne": 4}})
    assert _ids([doc for doc, _ in hits]) == ["d3", "d1", "d2"]
    assert hits[0][1] == pytest.approx(0.5 / 63 + 0.5 / 61, rel=1e-12)
    assert _ids(await fruit.akeyword_search(QUERY, filter={"n": {"$lt": 4}})) == ["d3"]
    assert await fruit.ahybrid_search(QUERY, filter={"n": 99}) == []


@pytest.mark.asyncio
async def test_fetch_k_bounds_each_leg_and_ties_go_by_id(fruit: AsyncVectorStore) -> None:
    # Two candidates per leg: d1 d2 (vector) and d4 d3 (keyword); d1 and d4 tie at .5/61,
    # d2 and d3 at .5/62: ties go by id.
    hits = await fruit.ahybrid_search_with_score(QUERY, k=2, fetch_k=2)
    assert _ids([doc for doc, _ in hits]) == ["d1", "d4"]
    assert hits[0][1] == hits[1][1] == pytest.approx(0.5 / 61, rel=1e-12)
    # The default fetch_k sees every document, and d4 and d3 each get both ranks.
    assert _ids(await fruit.ahybrid_search(QUERY, k=2)) == ["d4", "d3"]
    # fetch_k below k: each leg still ranks k candidates.
    assert _ids(await fruit.ahybrid_search(QUERY, k=4, fetch_k=1)) == ["d4", "d3", "d1", "d2"]


@pytest.mark.asyncio
async def test_a_vector_index_keeps_the_fused_order(fruit: AsyncVectorStore) -> None:
    if fruit.engine.driver.dialect == "sqlite":
        pytest.importorskip("usearch")  # SQLite's index comes with the `ann` extra
    await fruit.aapply_vector_index("hnsw")
    assert _ids(await fruit.ahybrid_search(QUERY, k=4)) == ["d4", "d3", "d1", "d2"]
    assert _ids(await fruit.ahybrid_search(QUERY, k=4, filter={"n": {"$ne": 4}})) == ["d3", "d1", "d2"]


@pytest.mark.asyncio
async def test_a_query_without_words_is_the_vector_order(fruit: AsyncVectorStore) -> None:
    assert await fruit.akeyword_search("?!  ...") == []
    assert _ids(await fruit.ahybrid_search("?!  ...", k=4)) == ["d1", "d2", "d3", "d4"]


@pytest.mark.asyncio
async def test_k_zero_returns_nothing(fruit: AsyncVectorStore) -> None:
    assert await fruit.ahybrid_search(QUERY, k=0) == []
    assert await fruit.akeyword_search_with_score(QUERY, k=0) == []


# -- query text is plain words --------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param('apple" NOT banana', ["d4", "d3"], id="NOT and a stray quote are words, not operators"),
        pytest.param("banan*", [], id="a star is no prefix search"),
        pytest.param("NEAR(apple smoothie, 1)", ["d4", "d3"], id="NEAR is a word"),
        pytest.param("content:smoothie", ["d4"], id="a column filter is two words"),
        pytest.param("^apple -banana", ["d4", "d3"], id="caret and minus are separators"),
        pytest.param("apple:* & !banana | (", ["d4", "d3"], id="tsquery syntax is plain text"),
        pytest.param("'\\'' apple''", ["d3", "d4"], id="quotes and backslashes (apple alone: a tie, by id)"),
        pytest.param('"""', [], id="only quotes"),
        pytest.param("apple OR AND", ["d3", "d4"], id="dangling boolean words"),
    ],
)
async def test_hostile_query_text_neither_errors_nor_changes_meaning(
    fruit: AsyncVectorStore, query: str, expected: List[str]
) -> None:
    assert _ids(await fruit.akeyword_search(query)) == expected
    assert len(await fruit.ahybrid_search(query, k=4)) == 4


@pytest.mark.asyncio
@pytest.mark.parametrize("language", ["english", "simple"])
async def test_words_the_parsers_keep_whole_are_found_by_themselves(engine: AsyncEngine, language: str) -> None:
    # PostgreSQL's parser keeps URLs, paths, e-mail addresses and versions whole; the query's
    # lexemes are quoted for tsquery, so a quote or backslash in one is text, not syntax.
    texts = [
        "see http://example.com/a'b\\c?x=1&y=2 now",
        "mail o'brien@example.com today",
        "path /usr/lo'cal/bi\\n here",
        "version 1.2.3-beta'4 out",
    ]
    await engine.ainit_vectorstore_table("odd", vector_dimension=2, text_search=language)
    store = AsyncVectorStore(engine, FixedEmbedding(), "odd")
    await store.aadd_embeddings(texts, [[1.0, 0.0]] * 4, ids=["url", "mail", "path", "version"])
    for text, id_ in zip(texts, ["url", "mail", "path", "version"]):
        assert id_ in _ids(await store.akeyword_search(text, k=4))


@pytest.mark.asyncio
async def test_the_longest_query_with_thousands_of_words_runs(fruit: AsyncVectorStore) -> None:
    words = " ".join(f"w{i}" for i in range(1500)) + " apple"  # 7,895 characters
    query = (words + " " + "x" * MAX_QUERY_CHARS)[:MAX_QUERY_CHARS]
    assert len(query) == MAX_QUERY_CHARS
    assert _ids(await fruit.akeyword_search(query)) == ["d3", "d4"]
    assert len(await fruit.ahybrid_search(query, k=4)) == 4


# -- the index follows writes -------------------------------------------------------


@pytest.mark.asyncio
async def test_upserts_and_deletes_keep_the_index_in_step(fruit: AsyncVectorStore) -> None:
    await fruit.aadd_embeddings(["banana bread"], [[0.0, 1.0]], ids=["d1"])  # replaces d1's text
    # SQLite's bm25 prefers the shorter text, PostgreSQL's ts_rank ties them (then id): d1 first.
    assert _ids(await fruit.akeyword_search("banana")) == ["d1", "d4"]
    assert await fruit.akeyword_search("revenue") == []
    await fruit.adelete(["d4"])
    assert _ids(await fruit.akeyword_search("banana")) == ["d1"]
    await fruit.adelete(filter={})
    assert await fruit.akeyword_search("apple banana bread") == []
    await fruit.aadd_embeddings(["fresh apple"], [[1.0, 0.0]], ids=["new"])
    assert _ids(await fruit.akeyword_search("apple")) == ["new"]


@pytest.mark.asyncio
async def test_a_batch_rolled_back_in_the_database_leaves_the_index_as_it_was(
    fruit: AsyncVectorStore, sqlite_path: str
) -> None:
    # SQLite refuses the second row inside the transaction, after the first row's trigger
    # has indexed "kiwi": the rollback must take that entry away with the row.
    with sqlite3.connect(sqlite_path) as conn:
        conn.execute(
            "CREATE TRIGGER refuse_bad BEFORE INSERT ON fruit WHEN NEW.id = 'bad' "
            "BEGIN SELECT RAISE(ABORT, 'bad refused'); END"
        )
    conn.close()
    with pytest.raises(DatabaseError, match="bad refused"):
        await fruit.aadd_embeddings(["kiwi tart", "kiwi bad"], [[1.0, 0.0], [1.0, 0.0]], ids=["kiwi", "bad"])
    assert await fruit.akeyword_search("kiwi") == []
    await fruit.aadd_embeddings(["kiwi tart"], [[1.0, 0.0]], ids=["kiwi"])
    assert _ids(await fruit.akeyword_search("kiwi")) == ["kiwi"]
    # The index matches its table exactly (FTS5's own consistency check).
    with sqlite3.connect(sqlite_path) as conn:
        conn.execute("INSERT INTO sqlvec_fts_fruit (sqlvec_fts_fruit, rank) VALUES ('integrity-check', 1)")
    conn.close()


@pytest.mark.asyncio
async def test_writes_by_another_client_are_indexed_too(fruit: AsyncVectorStore, engine_url: str) -> None:
    # Another engine (another connection; on SQLite it could be an older sqlvec or plain SQL:
    # the triggers live in the database) writes; this store's keyword search sees it.
    other = AsyncEngine.from_url(engine_url)
    try:
        theirs = AsyncVectorStore(other, FixedEmbedding(), "fruit")
        await theirs.aadd_embeddings(["mango lassi"], [[0.0, 1.0]], ids=["mango"])
        await theirs.adelete(["d3"])
    finally:
        await other.aclose()
    assert _ids(await fruit.akeyword_search("mango")) == ["mango"]
    assert _ids(await fruit.akeyword_search("apple")) == ["d4"]  # d3 is gone from the index
    assert _ids(await fruit.ahybrid_search(QUERY, k=4)) == ["d4", "d1", "d2", "mango"]


@pytest.mark.asyncio
async def test_a_dropped_and_recreated_collection_has_no_stale_index(engine: AsyncEngine) -> None:
    await engine.ainit_vectorstore_table("fruit", vector_dimension=2, text_search="english")
    store = AsyncVectorStore(engine, FixedEmbedding(), "fruit")
    await _fill(store)
    await engine.adrop_table("fruit")
    await engine.ainit_vectorstore_table("fruit", vector_dimension=2)
    assert await store.atext_index_language() is None
    with pytest.raises(TextIndexMissingError):
        await store.akeyword_search(QUERY)
    await store.aapply_text_index()
    assert await store.akeyword_search(QUERY) == []


# -- collections created without the index ---------------------------------------------


@pytest.mark.asyncio
async def test_an_old_collection_refuses_then_gets_its_index(engine: AsyncEngine) -> None:
    await engine.ainit_vectorstore_table("old", vector_dimension=2)  # as sqlvec did before
    store = AsyncVectorStore(engine, FixedEmbedding(), "old")
    await _fill(store)
    assert await store.atext_index_language() is None
    with pytest.raises(TextIndexMissingError, match="apply_text_index") as caught:
        await store.ahybrid_search(QUERY)
    assert caught.value.value == "old"
    with pytest.raises(TextIndexMissingError, match="apply_text_index"):
        await store.akeyword_search(QUERY)
    await store.aapply_text_index("english")  # fills the index from the rows already there
    assert await store.atext_index_language() == "english"
    assert _ids(await store.ahybrid_search(QUERY, k=4)) == ["d4", "d3", "d1", "d2"]
    await store.adrop_text_index()
    with pytest.raises(TextIndexMissingError):
        await store.ahybrid_search(QUERY)


@pytest.mark.asyncio
async def test_init_builds_a_missing_index_and_refuses_another_language(engine: AsyncEngine) -> None:
    await engine.ainit_vectorstore_table("old", vector_dimension=2)
    store = AsyncVectorStore(engine, FixedEmbedding(), "old")
    await _fill(store)
    await engine.ainit_vectorstore_table("old", vector_dimension=2, text_search="english")
    assert _ids(await store.akeyword_search(QUERY)) == ["d4", "d3"]
    await engine.ainit_vectorstore_table("old", vector_dimension=2, text_search="english")  # no-op
    await engine.ainit_vectorstore_table("old", vector_dimension=2)  # None leaves it alone
    assert await store.atext_index_language() == "english"
    with pytest.raises(CollectionMismatchError, match="text_search"):
        await engine.ainit_vectorstore_table("old", vector_dimension=2, text_search="simple")


@pytest.mark.asyncio
async def test_the_language_decides_stemming(engine: AsyncEngine) -> None:
    await engine.ainit_vectorstore_table("words", vector_dimension=2, text_search="english")
    store = AsyncVectorStore(engine, FixedEmbedding(), "words")
    await store.aadd_embeddings(["running apples"], [[1.0, 0.0]], ids=["x"])
    assert _ids(await store.akeyword_search("apple run")) == ["x"]  # stems: appl, run
    await store.aapply_text_index("simple")  # rebuilt without stemming
    assert await store.atext_index_language() == "simple"
    assert await store.akeyword_search("apple run") == []
    assert _ids(await store.akeyword_search("Running APPLES")) == ["x"]  # still case-folded


@pytest.mark.asyncio
async def test_an_unknown_language_is_refused(engine: AsyncEngine) -> None:
    await engine.ainit_vectorstore_table("words", vector_dimension=2)
    store = AsyncVectorStore(engine, FixedEmbedding(), "words")
    for language in ("klingon", "english'; DROP TABLE words; --", ""):
        with pytest.raises(InvalidArgumentError) as caught:
            await store.aapply_text_index(language)
        assert caught.value.value == language
    assert await store.atext_index_language() is None
    # At init the table is created first; the refused language leaves it without the index.
    with pytest.raises(InvalidArgumentError):
        await engine.ainit_vectorstore_table("later", vector_dimension=2, text_search="klingon")
    later = AsyncVectorStore(engine, FixedEmbedding(), "later")
    assert await later.atext_index_language() is None
    await engine.ainit_vectorstore_table("later", vector_dimension=2, text_search="simple")
    assert await later.atext_index_language() == "simple"


# -- argument checks ------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("arguments", "value"),
    [
        pytest.param({"query": ""}, "", id="empty query"),
        pytest.param({"query": "  \n"}, "  \n", id="blank query"),
        pytest.param({"query": 42}, 42, id="query not a str"),
        pytest.param({"query": "a\x00b"}, "a\x00b", id="NUL in the query"),
        pytest.param({"query": "a" * 10_001}, 10_001, id="query too long"),
        pytest.param({"k": -1}, -1, id="negative k"),
        pytest.param({"k": 2.0}, 2.0, id="float k"),
        pytest.param({"k": True}, True, id="bool k"),
        pytest.param({"fetch_k": 0}, 0, id="fetch_k 0"),
        pytest.param({"keyword_weight": -0.1}, -0.1, id="negative weight"),
        pytest.param({"keyword_weight": 1.5}, 1.5, id="weight above 1"),
        pytest.param({"keyword_weight": math.nan}, math.nan, id="NaN weight"),
        pytest.param({"keyword_weight": "0.5"}, "0.5", id="weight as str"),
        pytest.param({"rrf_k": -1}, -1, id="negative rrf_k"),
        pytest.param({"rrf_k": math.inf}, math.inf, id="infinite rrf_k"),
    ],
)
async def test_bad_arguments_raise_typed_errors(
    fruit: AsyncVectorStore, arguments: Dict[str, object], value: object
) -> None:
    call = {"query": QUERY, **arguments}
    with pytest.raises(InvalidArgumentError) as caught:
        await fruit.ahybrid_search(**call)  # type: ignore[arg-type]
    if isinstance(value, float) and math.isnan(value):
        assert math.isnan(caught.value.value)
    else:
        assert caught.value.value == value


@pytest.mark.asyncio
async def test_a_bad_filter_is_refused_before_anything_runs(fruit: AsyncVectorStore) -> None:
    with pytest.raises(InvalidFilterError):
        await fruit.ahybrid_search(QUERY, filter={"n": {"$regex": "x"}})
    with pytest.raises(InvalidFilterError):
        await fruit.akeyword_search(QUERY, filter={"$or": 1})


@pytest.mark.asyncio
async def test_cockroachdb_says_keyword_search_is_unavailable() -> None:
    engine = AsyncEngine.from_url("cockroachdb://root@127.0.0.1:1/db")  # never connected
    store = AsyncVectorStore(engine, FixedEmbedding(), "docs")
    try:
        with pytest.raises(TextSearchUnsupportedError, match="CockroachDB"):
            await store.ahybrid_search(QUERY)
        with pytest.raises(TextSearchUnsupportedError):
            await store.aapply_text_index()
    finally:
        await engine.aclose()
