"""AsyncEngine: opening, closing, creating and dropping collections."""

from __future__ import annotations

import pytest

from sqlvec._sync import Engine, VectorStore
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


# async only: @pytest.mark.asyncio
def test_engine_pings_and_closes_as_a_context_manager(engine_url: str) -> None:
    with Engine.from_url(engine_url) as engine:
        engine.ping()
        assert not engine.closed
    assert engine.closed
    with pytest.raises(EngineClosedError):
        engine.ping()


# async only: @pytest.mark.asyncio
def test_closing_twice_is_harmless(engine: Engine) -> None:
    engine.close()
    engine.close()
    assert engine.closed


# async only: @pytest.mark.asyncio
def test_an_engine_never_used_closes(engine_url: str) -> None:
    engine = Engine.from_url(engine_url)
    engine.close()
    with pytest.raises(EngineClosedError):
        engine.init_vectorstore_table("docs", vector_dimension=3)


# async only: @pytest.mark.asyncio
def test_in_memory_database_works_and_is_private_to_its_engine() -> None:
    with Engine.from_url("sqlite:///:memory:") as first:
        first.init_vectorstore_table("docs", vector_dimension=3)
        store = VectorStore(first, HashEmbedding(3), "docs")
        store.add_embeddings(["x"], [[1.0, 0.0, 0.0]], ids=["x"])
        assert store.count() == 1
        with Engine.from_url("sqlite:///:memory:") as second:
            other = VectorStore(second, HashEmbedding(3), "docs")
            with pytest.raises(CollectionNotFoundError):
                other.count()


@pytest.mark.parametrize(
    "url",
    ["nosuchdb:///x", "sqlite://host/x.db", "not a url", "sqlite:///x.db?timeout=soon"],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidURLError) as info:
        Engine.from_url(url)
    assert info.value.value == url


def test_unknown_sqlite_option_is_refused() -> None:
    with pytest.raises(TypeError):
        Engine.from_url("sqlite:///:memory:", pool_size=3)


# async only: @pytest.mark.asyncio
def test_init_table_is_idempotent_with_the_same_shape(engine: Engine) -> None:
    engine.init_vectorstore_table("docs", vector_dimension=8, distance="l2")
    engine.init_vectorstore_table("docs", vector_dimension=8, distance="l2")


# async only: @pytest.mark.asyncio
def test_init_table_refuses_another_shape(engine: Engine) -> None:
    engine.init_vectorstore_table("docs", vector_dimension=8)
    with pytest.raises(CollectionMismatchError) as info:
        engine.init_vectorstore_table("docs", vector_dimension=9)
    assert (info.value.existing, info.value.value) == (8, 9)
    with pytest.raises(CollectionMismatchError):
        engine.init_vectorstore_table("docs", vector_dimension=8, distance="l2")


# async only: @pytest.mark.asyncio
def test_init_table_without_if_not_exists_refuses_an_existing_table(
    engine: Engine,
) -> None:
    engine.init_vectorstore_table("docs", vector_dimension=8)
    with pytest.raises(CollectionExistsError):
        engine.init_vectorstore_table("docs", vector_dimension=8, if_not_exists=False)


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize("name", ["", "1docs", "docs; DROP TABLE x", 'a"b', "sqlite_master", "sqlvec_x", "x" * 64, 3])
def test_bad_table_names_are_refused(engine: Engine, name: object) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        engine.init_vectorstore_table(name, vector_dimension=3)  # type: ignore[arg-type]
    assert info.value.value == name
    with pytest.raises(InvalidIdentifierError):
        VectorStore(engine, HashEmbedding(3), name)  # type: ignore[arg-type]


# async only: @pytest.mark.asyncio
def test_unknown_distance_is_refused(engine: Engine) -> None:
    with pytest.raises(UnknownDistanceError) as info:
        engine.init_vectorstore_table("docs", vector_dimension=3, distance="manhattan")
    assert info.value.value == "manhattan"
    assert isinstance(info.value, SqlvecError)


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize("dimension", [0, -1, 2.5, True])
def test_bad_dimension_is_refused(engine: Engine, dimension: object) -> None:
    with pytest.raises(InvalidArgumentError):
        engine.init_vectorstore_table("docs", vector_dimension=dimension)  # type: ignore[arg-type]


# async only: @pytest.mark.asyncio
def test_drop_table_removes_the_collection(engine: Engine) -> None:
    engine.init_vectorstore_table("docs", vector_dimension=3)
    store = VectorStore(engine, HashEmbedding(3), "docs")
    store.add_embeddings(["x"], [[1.0, 2.0, 3.0]])
    engine.drop_table("docs")
    with pytest.raises(CollectionNotFoundError):
        store.count()
    engine.drop_table("docs")  # if_exists by default
    with pytest.raises(CollectionNotFoundError) as info:
        engine.drop_table("docs", if_exists=False)
    assert info.value.value == "docs"


# async only: @pytest.mark.asyncio
def test_a_dropped_table_can_be_recreated_with_another_shape(engine: Engine) -> None:
    engine.init_vectorstore_table("docs", vector_dimension=3)
    store = VectorStore(engine, HashEmbedding(3), "docs")
    store.add_embeddings(["x"], [[1.0, 2.0, 3.0]], ids=["x"])
    assert [d.id for d in store.similarity_search_by_vector([1.0, 2.0, 3.0])] == ["x"]
    engine.drop_table("docs")
    engine.init_vectorstore_table("docs", vector_dimension=2, distance="l2")
    store.add_embeddings(["y"], [[1.0, 2.0]], ids=["y"])
    hits = store.similarity_search_with_score_by_vector([1.0, 2.0])
    assert [(d.id, s) for d, s in hits] == [("y", 0.0)]


# async only: @pytest.mark.asyncio
def test_reopening_a_file_database_keeps_everything(engine_url: str) -> None:
    with Engine.from_url(engine_url) as engine:
        engine.init_vectorstore_table("docs", vector_dimension=3, distance="l2")
        store = VectorStore(engine, HashEmbedding(3), "docs")
        store.add_embeddings(["a", "b"], [[0.0, 0.0, 0.0], [3.0, 4.0, 0.0]], [{"k": 1}, {"k": 2}], ["a", "b"])
    with Engine.from_url(engine_url) as engine:
        store = VectorStore(engine, HashEmbedding(3), "docs")
        assert store.count() == 2
        assert store.get_by_ids(["b"])[0].metadata == {"k": 2}
        hits = store.similarity_search_with_score_by_vector([0.0, 0.0, 0.0], k=2)
        assert [(d.id, round(s, 5)) for d, s in hits] == [("a", 0.0), ("b", 5.0)]
        # init on an existing table with the same shape is a no-op
        engine.init_vectorstore_table("docs", vector_dimension=3, distance="l2")
        assert store.count() == 2


# async only: @pytest.mark.asyncio
def test_engine_repr_names_backend_and_state(engine: Engine) -> None:
    assert "open" in repr(engine)
    engine.close()
    assert "closed" in repr(engine)


# This file was generated by unawait from the source below; do not edit it.
# tests/_async/test_engine.py
# Edit the source and regenerate with:
# nox -s codegen
