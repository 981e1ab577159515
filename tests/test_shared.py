"""The small shared modules: URLs, identifiers, documents, embeddings, index specs, errors."""

from __future__ import annotations

import numpy as np
import pytest

from sqlvec import Document, HashEmbedding, IndexSpec
from sqlvec import errors as errors_module
from sqlvec.errors import InvalidArgumentError, InvalidIdentifierError, InvalidURLError, SqlvecError
from sqlvec.identifiers import check_identifier, quote_identifier
from sqlvec.models import check_distance
from sqlvec.urls import parse_url


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///vectors.db", "vectors.db"),
        ("sqlite:////abs/dir/vectors.db", "/abs/dir/vectors.db"),
        ("sqlite:///:memory:", ":memory:"),
        ("sqlite://", ":memory:"),
        ("sqlite:///dir%20with%20space/v.db", "dir with space/v.db"),
        ("sqlite+pysqlite:///v.db?timeout=2.5", "v.db"),
    ],
)
def test_sqlite_urls(url: str, path: str) -> None:
    parsed = parse_url(url)
    assert (parsed.backend, parsed.path) == ("sqlite", path)
    assert parsed.is_memory == (path == ":memory:")


def test_server_urls_keep_their_parts_and_hide_the_password() -> None:
    parsed = parse_url("postgresql+psycopg://me:s%40cret@db.local:5433/vecs?sslmode=require")
    assert (parsed.backend, parsed.host, parsed.port, parsed.user, parsed.database) == (
        "postgresql",
        "db.local",
        5433,
        "me",
        "vecs",
    )
    assert parsed.password == "s@cret"
    assert parsed.query == {"sslmode": "require"}
    assert "cret" not in repr(parsed)
    assert parse_url("cockroachdb://root@h:26257/db").backend == "cockroachdb"


@pytest.mark.parametrize("url", ["", "vectors.db", "mysql://x", "sqlite://host/v.db", "sqlite:///v.db?timeout=-1"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(InvalidURLError):
        parse_url(url)


@pytest.mark.parametrize("name", ["docs", "Docs_2", "_x", "a" * 63, "A" * 63])
def test_good_identifiers_are_lowercased(name: str) -> None:
    # Case-insensitive everywhere, as SQLite's table names are.
    assert check_identifier(name) == name.lower()
    assert quote_identifier(name) == f'"{name.lower()}"'


@pytest.mark.parametrize(
    "name", ["", "2x", "a-b", "a b", 'x"', "x;", "a" * 64, "SQLITE_x", "sqlvec_meta", "pg_x", None]
)
def test_bad_identifiers(name: object) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        check_identifier(name)
    assert info.value.value == name


def test_documents_compare_by_value() -> None:
    assert Document("x", {"a": 1}, "1") == Document("x", {"a": 1}, "1")
    assert Document("x") != Document("x", id="1")
    assert Document("x").metadata == {}
    assert "page_content='x'" in repr(Document("x"))
    assert Document("x").__eq__(3) is NotImplemented


def test_hash_embedding_is_deterministic_and_unit_length() -> None:
    a, b = HashEmbedding(64), HashEmbedding(64)
    vec = a.embed_query("Hello world")
    assert vec == b.embed_query("Hello world") == a.embed_documents(["Hello world"])[0]
    assert len(vec) == 64
    assert np.linalg.norm(vec) == pytest.approx(1.0, rel=1e-6)
    assert a.embed_query("") == [0.0] * 64


def test_hash_embedding_puts_similar_texts_closer() -> None:
    emb = HashEmbedding(256)
    base, near, far = (
        np.array(v)
        for v in emb.embed_documents(
            ["the quick brown fox jumps", "the quick brown foxes jumped", "quarterly tax report"]
        )
    )
    assert base @ near > 0.6
    assert base @ near > base @ far + 0.3


@pytest.mark.asyncio
async def test_hash_embedding_async_methods_agree() -> None:
    emb = HashEmbedding(32)
    texts = [f"text {i}" for i in range(100)]  # large enough to use a worker thread
    assert await emb.aembed_documents(texts) == emb.embed_documents(texts)
    assert await emb.aembed_documents(texts[:3]) == emb.embed_documents(texts[:3])
    assert await emb.aembed_query("q") == emb.embed_query("q")


def test_hash_embedding_refuses_bad_input() -> None:
    with pytest.raises(InvalidArgumentError):
        HashEmbedding(0)
    with pytest.raises(InvalidArgumentError):
        HashEmbedding(8).embed_documents([3])  # type: ignore[list-item]


def test_index_spec_round_trips_and_validates() -> None:
    spec = IndexSpec(m=8, ef_search=20)
    assert IndexSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(InvalidArgumentError):
        IndexSpec(kind="flat")
    with pytest.raises(InvalidArgumentError):
        IndexSpec(lists=0)


def test_check_distance() -> None:
    assert check_distance("l2") == "l2"
    with pytest.raises(errors_module.UnknownDistanceError):
        check_distance("dot")


def test_every_error_is_a_sqlvec_error_with_a_value() -> None:
    classes = [
        c
        for c in vars(errors_module).values()
        if isinstance(c, type) and issubclass(c, Exception) and c.__module__ == errors_module.__name__
    ]
    assert len(classes) >= 15
    assert all(issubclass(c, SqlvecError) for c in classes)
    assert errors_module.DimensionMismatchError(3, 4).value == 4
    assert errors_module.MissingExtraError("ann", "usearch", "x").package == "usearch"
