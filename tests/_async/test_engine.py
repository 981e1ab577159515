"""AsyncEngine: opening, closing, creating and dropping collections."""

from __future__ import annotations

import pytest

from sqlvec._async import AsyncEngine, AsyncVectorStore
from sqlvec.embeddings import HashEmbedding
from sqlvec.errors import (
    CollectionExistsError,
    CollectionMismatchError,
    CollectionNotFoundError,
    EngineClosedError,
    InvalidArgumentError,
    InvalidIdentifierError,
    InvalidURLError,
    SqlvecError,
    UnknownDistanceError,
)


@pytest.mark.asyncio
async def test_engine_pings_and_closes_as_a_context_manager(engine_url: str) -> None:
    async with AsyncEngine.from_url(engine_url) as engine:
        await engine.aping()
        assert not engine.closed
    assert engine.closed
    with pytest.raises(EngineClosedError):
        await engine.aping()


@pytest.mark.asyncio
async def test_closing_twice_is_harmless(engine: AsyncEngine) -> None:
    await engine.aclose()
    await engine.aclose()
    assert engine.closed


@pytest.mark.asyncio
async def test_an_engine_never_used_closes(engine_url: str) -> None:
    engine = AsyncEngine.from_url(engine_url)
    await engine.aclose()
    with pytest.raises(EngineClosedError):
        await engine.ainit_vectorstore_table("docs", vector_dimension=3)


@pytest.mark.asyncio
async def test_in_memory_database_works_and_is_private_to_its_engine() -> None:
    async with AsyncEngine.from_url("sqlite:///:memory:") as first:
        await first.ainit_vectorstore_table("docs", vector_dimension=3)
        store = AsyncVectorStore(first, HashEmbedding(3), "docs")
        await store.aadd_embeddings(["x"], [[1.0, 0.0, 0.0]], ids=["x"])
        assert await store.acount() == 1
        async with AsyncEngine.from_url("sqlite:///:memory:") as second:
            other = AsyncVectorStore(second, HashEmbedding(3), "docs")
            with pytest.raises(CollectionNotFoundError):
                await other.acount()


@pytest.mark.parametrize(
    "url",
    ["nosuchdb:///x", "sqlite://host/x.db", "not a url", "sqlite:///x.db?timeout=soon"],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidURLError) as info:
        AsyncEngine.from_url(url)
    assert info.value.value == url


def test_unknown_sqlite_option_is_refused() -> None:
    with pytest.raises(TypeError):
        AsyncEngine.from_url("sqlite:///:memory:", pool_size=3)


@pytest.mark.asyncio
async def test_init_table_is_idempotent_with_the_same_shape(engine: AsyncEngine) -> None:
    await engine.ainit_vectorstore_table("docs", vector_dimension=8, distance="l2")
    await engine.ainit_vectorstore_table("docs", vector_dimension=8, distance="l2")


@pytest.mark.asyncio
async def test_init_table_refuses_another_shape(engine: AsyncEngine) -> None:
    await engine.ainit_vectorstore_table("docs", vector_dimension=8)
    with pytest.raises(CollectionMismatchError) as info:
        await engine.ainit_vectorstore_table("docs", vector_dimension=9)
    assert (info.value.existing, info.value.value) == (8, 9)
    with pytest.raises(CollectionMismatchError):
        await engine.ainit_vectorstore_table("docs", vector_dimension=8, distance="l2")


@pytest.mark.asyncio
async def test_init_table_without_if_not_exists_refuses_an_existing_table(
    engine: AsyncEngine,
) -> None:
    await engine.ainit_vectorstore_table("docs", vector_dimension=8)
    with pytest.raises(CollectionExistsError):
        await engine.ainit_vectorstore_table("docs", vector_dimension=8, if_not_exists=False)


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["", "1docs", "docs; DROP TABLE x", 'a"b', "sqlite_master", "sqlvec_x", "x" * 64, 3])
async def test_bad_table_names_are_refused(engine: AsyncEngine, name: object) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        await engine.ainit_vectorstore_table(name, vector_dimension=3)  # type: ignore[arg-type]
    assert info.value.value == name
    with pytest.raises(InvalidIdentifierError):
        AsyncVectorStore(engine, HashEmbedding(3), name)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_unknown_distance_is_refused(engine: AsyncEngine) -> None:
    with pytest.raises(UnknownDistanceError) as info:
        await engine.ainit_vectorstore_table("docs", vector_dimension=3, distance="manhattan")
    assert info.value.value == "manhattan"
    assert isinstance(info.value, SqlvecError)


@pytest.mark.asyncio
@pytest.mark.parametrize("dimension", [0, -1, 2.5, True])
async def test_bad_dimension_is_refused(engine: AsyncEngine, dimension: object) -> None:
    with pytest.raises(InvalidArgumentError):
        await engine.ainit_vectorstore_table("docs", vector_dimension=dimension)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_drop_table_removes_the_collection(engine: AsyncEngine) -> None:
    await engine.ainit_vectorstore_table("docs", vector_dimension=3)
    store = AsyncVectorStore(engine, HashEmbedding(3), "docs")
    await store.aadd_embeddings(["x"], [[1.0, 2.0, 3.0]])
    await engine.adrop_table("docs")
    with pytest.raises(CollectionNotFoundError):
        await store.acount()
    await engine.adrop_table("docs")  # if_exists by default
    with pytest.raises(CollectionNotFoundError) as info:
        await engine.adrop_table("docs", if_exists=False)
    assert info.value.value == "docs"


@pytest.mark.asyncio
async def test_a_dropped_table_can_be_recreated_with_another_shape(engine: AsyncEngine) -> None:
    await engine.ainit_vectorstore_table("docs", vector_dimension=3)
    store = AsyncVectorStore(engine, HashEmbedding(3), "docs")
    await store.aadd_embeddings(["x"], [[1.0, 2.0, 3.0]], ids=["x"])
    assert [d.id for d in await store.asimilarity_search_by_vector([1.0, 2.0, 3.0])] == ["x"]
    await engine.adrop_table("docs")
    await engine.ainit_vectorstore_table("docs", vector_dimension=2, distance="l2")
    await store.aadd_embeddings(["y"], [[1.0, 2.0]], ids=["y"])
    hits = await store.asimilarity_search_with_score_by_vector([1.0, 2.0])
    assert [(d.id, s) for d, s in hits] == [("y", 0.0)]


@pytest.mark.asyncio
async def test_reopening_a_file_database_keeps_everything(engine_url: str) -> None:
    async with AsyncEngine.from_url(engine_url) as engine:
        await engine.ainit_vectorstore_table("docs", vector_dimension=3, distance="l2")
        store = AsyncVectorStore(engine, HashEmbedding(3), "docs")
        await store.aadd_embeddings(["a", "b"], [[0.0, 0.0, 0.0], [3.0, 4.0, 0.0]], [{"k": 1}, {"k": 2}], ["a", "b"])
    async with AsyncEngine.from_url(engine_url) as engine:
        store = AsyncVectorStore(engine, HashEmbedding(3), "docs")
        assert await store.acount() == 2
        assert (await store.aget_by_ids(["b"]))[0].metadata == {"k": 2}
        hits = await store.asimilarity_search_with_score_by_vector([0.0, 0.0, 0.0], k=2)
        assert [(d.id, round(s, 5)) for d, s in hits] == [("a", 0.0), ("b", 5.0)]
        # init on an existing table with the same shape is a no-op
        await engine.ainit_vectorstore_table("docs", vector_dimension=3, distance="l2")
        assert await store.acount() == 2


@pytest.mark.asyncio
async def test_engine_repr_names_backend_and_state(engine: AsyncEngine) -> None:
    assert "open" in repr(engine)
    await engine.aclose()
    assert "closed" in repr(engine)
