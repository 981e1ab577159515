"""Input a service passes straight through: bare strings for lists, text no backend stores,
deep or odd metadata, a locked database file. Each is a typed SqlvecError and writes nothing."""

from __future__ import annotations

import sqlite3
from typing import Any, Callable, Dict, List

import pytest

from sqlvec._sync import Engine, VectorStore
from sqlvec.documents import Document
from sqlvec.embeddings import HashEmbedding
from sqlvec.errors import (
    CollectionExistsError,
    CollectionNotFoundError,
    InvalidArgumentError,
    InvalidMetadataError,
    SqlvecError,
)
from sqlvec.pool import DatabaseError, DatabaseLockedError
from sqlvec.rows import MAX_DIMENSION, MAX_METADATA_DEPTH

from .conftest import DIMENSION

VECTOR = [1.0] * DIMENSION

#: (parameter the error must name, a call passing a bare str/bytes where a list belongs)
BARE: List[Any] = [
    pytest.param("texts", lambda s: s.add_texts("hello"), id="add_texts(texts=str)"),
    pytest.param("texts", lambda s: s.add_texts(b"hello"), id="add_texts(texts=bytes)"),
    pytest.param("metadatas", lambda s: s.add_texts(["a", "b"], metadatas="ab"), id="add_texts(metadatas=str)"),
    pytest.param("metadatas", lambda s: s.add_texts(["a"], metadatas={"k": 1}), id="add_texts(metadatas=dict)"),
    pytest.param("ids", lambda s: s.add_texts(["a", "b"], ids="st"), id="add_texts(ids=str)"),
    pytest.param("ids", lambda s: s.add_texts(["a", "b"], ids=b"st"), id="add_texts(ids=bytes)"),
    pytest.param("documents", lambda s: s.add_documents("hello"), id="add_documents(documents=str)"),
    pytest.param("ids", lambda s: s.add_documents([Document("a"), Document("b")], ids="st"), id="add_documents(ids)"),
    pytest.param("texts", lambda s: s.add_embeddings("ab", [VECTOR, VECTOR]), id="add_embeddings(texts=str)"),
    pytest.param("embeddings", lambda s: s.add_embeddings(["a"], "v"), id="add_embeddings(embeddings=str)"),
    pytest.param("ids", lambda s: s.add_embeddings(["a", "b"], [VECTOR, VECTOR], ids="st"), id="add_embeddings(ids)"),
    pytest.param("ids", lambda s: s.delete(ids="st"), id="delete(ids=str)"),
    pytest.param("ids", lambda s: s.delete(ids=b"st"), id="delete(ids=bytes)"),
    pytest.param("ids", lambda s: s.get_by_ids("st"), id="get_by_ids(str)"),
    pytest.param("embedding", lambda s: s.similarity_search_by_vector("abc"), id="similarity_search_by_vector(str)"),
]


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize(("name", "call"), BARE)
def test_a_bare_string_where_a_list_belongs_is_refused(
    store: VectorStore, name: str, call: Callable[[VectorStore], Any]
) -> None:
    store.add_texts(["s", "t", "u"], ids=["s", "t", "u"])
    with pytest.raises(InvalidArgumentError) as info:
        call(store)
    assert str(info.value).startswith(f"{name} must be a list")
    assert [d.id for d in store.iter_documents()] == ["s", "t", "u"]


# async only: @pytest.mark.asyncio
def test_a_document_list_holds_documents(store: VectorStore) -> None:
    with pytest.raises(InvalidArgumentError, match=r"documents\[1\] must be a Document"):
        store.add_documents([Document("a"), "b"])  # type: ignore[list-item]
    assert store.count() == 0


#: (error, words the message must hold, the batch's texts, metadatas, ids); the bad row is the last.
UNSTORABLE: List[Any] = [
    pytest.param(InvalidArgumentError, "texts[2] contains a lone surrogate", ["a", "b", "c\ud800"], None, None),
    pytest.param(InvalidArgumentError, "texts[2] contains a NUL", ["a", "b", "c\x00d"], None, None),
    pytest.param(InvalidArgumentError, "ids[2] contains a lone surrogate", ["a", "b", "c"], None, ["1", "2", "\udfff"]),
    pytest.param(InvalidArgumentError, "ids[2] contains a NUL", ["a", "b", "c"], None, ["1", "2", "3\x00"]),
    pytest.param(
        InvalidMetadataError,
        "metadatas[2]['k'][1]: the string",
        ["a", "b", "c"],
        [{}, {}, {"k": ["ok", "\ud83d"]}],
        None,
    ),
    pytest.param(InvalidMetadataError, "metadatas[2]['k']: the string", ["a", "b", "c"], [{}, {}, {"k": "\x00"}], None),
    pytest.param(InvalidMetadataError, "metadatas[2]: key 'k\\udc00'", ["a", "b", "c"], [{}, {}, {"k\udc00": 1}], None),
    pytest.param(InvalidMetadataError, "metadatas[2]: key 1 is a int", ["a", "b", "c"], [{}, {}, {1: "x"}], None),
    pytest.param(
        InvalidMetadataError,
        "metadatas[2]['a']: key (1, 2) is a tuple",
        ["a", "b", "c"],
        [{}, {}, {"a": {(1, 2): 3}}],
        None,
    ),
    pytest.param(InvalidMetadataError, "nests deeper than", ["a", "b", "c"], [{}, {}, "deep"], None),
    pytest.param(InvalidMetadataError, "nests deeper than", ["a", "b", "c"], [{}, {}, "cycle"], None),
    pytest.param(InvalidMetadataError, "is not a finite number", ["a", "b", "c"], [{}, {}, {"x": float("nan")}], None),
    pytest.param(InvalidMetadataError, "a set is not JSON-serialisable", ["a", "b", "c"], [{}, {}, {"x": {1}}], None),
]


def _metadata(kind: Any) -> Any:
    if kind == "deep":
        deep: Dict[str, Any] = {}
        for _ in range(100_000):  # far past json's recursion: RecursionError before
            deep = {"a": [deep]}
        return deep
    if kind == "cycle":
        cycle: Dict[str, Any] = {}
        cycle["self"] = cycle
        return cycle
    return kind


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize(
    ("error", "words", "texts", "metadatas", "ids"),
    UNSTORABLE,
    ids=[
        "lone surrogate in a text",
        "NUL in a text",
        "lone surrogate in an id",
        "NUL in an id",
        "lone surrogate in metadata",
        "NUL in metadata",
        "lone surrogate in a metadata key",
        "int metadata key",
        "tuple metadata key",
        "metadata 200,000 levels deep",
        "metadata holding itself",
        "NaN in metadata",
        "set in metadata",
    ],
)
def test_a_row_no_backend_can_store_fails_its_whole_batch(
    store: VectorStore, error: type, words: str, texts: List[str], metadatas: Any, ids: Any
) -> None:
    if metadatas is not None:
        metadatas = [_metadata(m) for m in metadatas]
    with pytest.raises(error) as info:
        store.add_texts(texts, metadatas, ids)
    assert words in str(info.value)
    with pytest.raises(error):
        store.add_embeddings(texts, [VECTOR] * len(texts), metadatas, ids)
    assert store.count() == 0


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize("value", ["\ud800", "a\x00"])
def test_ids_no_backend_can_store_are_refused_by_every_reader(store: VectorStore, value: str) -> None:
    store.add_texts(["a"], ids=["a"])
    with pytest.raises(InvalidArgumentError, match=r"ids\[1\] contains"):
        store.get_by_ids(["a", value])
    with pytest.raises(InvalidArgumentError, match=r"ids\[0\] contains"):
        store.delete([value, "a"])
    assert store.count() == 1


# async only: @pytest.mark.asyncio
def test_metadata_at_the_depth_limit_round_trips(store: VectorStore) -> None:
    deep: Dict[str, Any] = {"leaf": "\u00e9\U0001f600"}  # valid non-ASCII text is fine
    for _ in range(MAX_METADATA_DEPTH - 1):
        deep = {"a": deep}
    store.add_texts(["deep"], [deep], ["deep"])
    assert [d.metadata for d in store.get_by_ids(["deep"])] == [deep]
    with pytest.raises(InvalidMetadataError):
        store.add_texts(["deeper"], [{"a": deep}], ["deeper"])


# async only: @pytest.mark.asyncio
def test_a_locked_sqlite_file_is_a_typed_error_and_writes_nothing(sqlite_path: str) -> None:
    with Engine.from_url(f"sqlite:///{sqlite_path}?timeout=0.2") as engine:
        engine.init_vectorstore_table("locked", vector_dimension=8)
        store = VectorStore(engine, HashEmbedding(8), "locked")
        store.add_texts(["before"], ids=["before"])
        holder = sqlite3.connect(sqlite_path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
            with pytest.raises(DatabaseLockedError) as info:
                store.add_texts(["a", "b", "c"], ids=["a", "b", "c"])
            assert isinstance(info.value, (SqlvecError, DatabaseError, TimeoutError))
            assert info.value.value == 0.2 and "locked" in str(info.value)
            with pytest.raises(DatabaseLockedError):
                store.delete(ids=["before"])
            holder.execute("ROLLBACK")
        finally:
            holder.close()
        # The connection is usable again and nothing of the refused batches was written.
        assert [d.id for d in store.iter_documents()] == ["before"]
        assert store.add_texts(["a"], ids=["a"]) == ["a"]
        assert store.count() == 2


# async only: @pytest.mark.asyncio
def test_dimensions_past_pgvectors_limit_are_refused_on_every_backend(engine: Engine) -> None:
    with pytest.raises(InvalidArgumentError, match="the limit is 16000") as info:
        engine.init_vectorstore_table("wide", vector_dimension=MAX_DIMENSION + 1)
    assert info.value.value == MAX_DIMENSION + 1
    engine.init_vectorstore_table("wide", vector_dimension=MAX_DIMENSION)
    store = VectorStore(engine, HashEmbedding(MAX_DIMENSION), "wide")
    assert store.add_texts(["a"], ids=["a"]) == ["a"]


# async only: @pytest.mark.asyncio
def test_collection_names_are_case_insensitive_on_every_backend(engine: Engine) -> None:
    engine.init_vectorstore_table("Docs", vector_dimension=8)
    upper = VectorStore(engine, HashEmbedding(8), "DOCS")
    assert upper.collection_name == "docs"
    upper.add_texts(["a"], ids=["a"])
    assert VectorStore(engine, HashEmbedding(8), "docs").count() == 1
    with pytest.raises(CollectionExistsError):
        engine.init_vectorstore_table("docs", vector_dimension=8, if_not_exists=False)
    engine.drop_table("dOcS")
    with pytest.raises(CollectionNotFoundError):
        upper.count()


# This file was generated by unawait from the source below; do not edit it.
# tests/_async/test_hostile_input.py
# Edit the source and regenerate with:
# nox -s codegen
