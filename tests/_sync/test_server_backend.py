"""Server backends: injection attempts, index operator classes, per-transaction settings, pools."""

from __future__ import annotations

from typing import Any, List

import pytest

from sqlvec._sync import Engine, VectorStore
from sqlvec.embeddings import HashEmbedding
from sqlvec.errors import InvalidFilterError, InvalidIdentifierError

from .conftest import DIMENSION

HOSTILE_NAMES = ['docs"; DROP TABLE docs; --', "docs; SELECT pg_sleep(10)", "d'ocs", "pg_class"]


@pytest.fixture
def postgres_url(engine_url: str) -> str:
    """The engine URL when the backend is PostgreSQL (skips the test otherwise)."""
    if not engine_url.startswith("postgresql"):
        pytest.skip("PostgreSQL-specific")
    return engine_url


def _query(engine: Engine, sql: str, params: Any = None) -> List[Any]:
    """Rows of a read-only query, run through the driver's pool (PostgreSQL only)."""

    def work(conn: Any) -> List[Any]:
        cur = conn.execute(sql, params)
        return list(cur.fetchall())

    return engine.driver.run(work, idempotent=True, transaction=False)  # type: ignore[attr-defined, no-any-return]


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_collection_names_are_refused(engine: Engine, name: str) -> None:
    with pytest.raises(InvalidIdentifierError):
        engine.init_vectorstore_table(name, vector_dimension=DIMENSION)
    with pytest.raises(InvalidIdentifierError):
        VectorStore(engine, HashEmbedding(DIMENSION), collection_name=name)


# async only: @pytest.mark.asyncio
def test_hostile_metadata_keys_and_filter_values_are_data(store: VectorStore) -> None:
    hostile = "x'); DROP TABLE docs; --"
    metadata = {hostile: hostile, "k": "'; DELETE FROM docs; --", "n": 1}
    store.add_texts(["first", "second"], metadatas=[metadata, {"n": 2}], ids=["a", "b"])
    [doc] = store.get_by_ids(["a"])
    assert doc.metadata == metadata
    assert store.count({"k": "'; DELETE FROM docs; --"}) == 1
    assert store.count({"k": {"$in": ["' OR 1=1 --", "x"]}}) == 0
    assert store.count({"n": {"$lt": 3}}) == 2
    with pytest.raises(InvalidFilterError):
        store.count({hostile: hostile})
    with pytest.raises(InvalidFilterError):
        store.count({"n": {"$lt": "1; DROP TABLE docs"}, "$where": "1=1"})
    assert store.count() == 2


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize(
    ("distance", "opclass"),
    [("cosine", "vector_cosine_ops"), ("l2", "vector_l2_ops"), ("inner_product", "vector_ip_ops")],
)
@pytest.mark.parametrize("kind", ["hnsw", "ivfflat"])
def test_vector_index_uses_the_operator_class_of_the_distance(
    postgres_url: str, distance: str, opclass: str, kind: str
) -> None:
    with Engine.from_url(postgres_url) as engine:
        engine.init_vectorstore_table("vecs", vector_dimension=DIMENSION, distance=distance)
        store = VectorStore(engine, HashEmbedding(DIMENSION), collection_name="vecs")
        store.add_texts([f"text number {i}" for i in range(50)])
        store.apply_vector_index(kind=kind)
        rows = _query(engine, "SELECT indexdef FROM pg_indexes WHERE tablename = %s", ["vecs"])
        definitions = [r[0] for r in rows if f"USING {kind}" in r[0]]
        assert len(definitions) == 1
        # pg_indexes leaves out a default operator class (ivfflat's is vector_l2_ops).
        default = opclass == "vector_l2_ops" and "(embedding)" in definitions[0]
        assert f"(embedding {opclass})" in definitions[0] or default
        hits = store.similarity_search("text number 7", k=3, filter={"$not": {"x": 1}})
        assert hits[0].page_content == "text number 7"
        store.drop_vector_index()
        rows = _query(engine, "SELECT indexdef FROM pg_indexes WHERE tablename = %s", ["vecs"])
        assert not [r for r in rows if f"USING {kind}" in r[0]]


# async only: @pytest.mark.asyncio
def test_query_settings_do_not_leak_to_the_next_pool_user(postgres_url: str) -> None:
    # One connection: whoever comes next gets exactly the session the search used.
    with Engine.from_url(postgres_url + "&max_size=1&min_size=1") as engine:
        engine.init_vectorstore_table("docs", vector_dimension=DIMENSION)
        store = VectorStore(engine, HashEmbedding(DIMENSION), collection_name="docs")
        store.add_texts([f"text {i}" for i in range(30)], metadatas=[{"i": i} for i in range(30)])
        before = _query(engine, "SELECT current_setting('hnsw.ef_search', true)")
        store.apply_vector_index(kind="hnsw", ef_search=321)
        hits = store.similarity_search("text 3", k=5, filter={"i": {"$lt": 10}})
        assert len(hits) == 5 and all(h.metadata["i"] < 10 for h in hits)
        after = _query(
            engine,
            "SELECT current_setting('hnsw.ef_search', true), current_setting('hnsw.iterative_scan', true)",
        )
        assert after[0][0] == before[0][0] != "321"
        assert after[0][1] in (None, "off")


# async only: @pytest.mark.asyncio
def test_pool_settings_come_from_the_url(postgres_url: str) -> None:
    url = postgres_url + "&max_size=3&min_size=0&acquire_timeout=4&request_timeout=2.5"
    with Engine.from_url(url) as engine:
        rows = _query(engine, "SHOW statement_timeout")
        assert rows == [("2500ms",)]
        settings = engine.driver.settings  # type: ignore[attr-defined]
        assert (settings.pool.max_size, settings.pool.min_size) == (3, 0)
        assert settings.pool.acquire_timeout == 4.0
        engine.ping()


# async only: @pytest.mark.asyncio
def test_several_hosts_in_one_url(postgres_url: str) -> None:
    # libpq tries the hosts in order: the first one here has nothing listening.
    if "@" not in postgres_url:
        pytest.skip("needs a URL of the form postgresql://user@host:port/db")
    rest = postgres_url.split("@", 1)[1]
    host_port, path = rest.split("/", 1)
    url = postgres_url.replace(rest, f"127.0.0.1:1,{host_port}/{path}", 1)
    with Engine.from_url(url + "&connect_timeout=2") as engine:
        engine.ping()
        engine.init_vectorstore_table("docs", vector_dimension=DIMENSION)


# This file was generated by unawait from the source below; do not edit it.
# tests/_async/test_server_backend.py
# Edit the source and regenerate with:
# nox -s codegen
