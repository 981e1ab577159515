"""The PostgreSQL and CockroachDB SQL text, pool settings and retry policy, without a server."""

from __future__ import annotations

import random

import numpy as np
import pytest
from pgvector import Vector

from sqlvec._drivers.pg_common import CLIENT_GRACE, row_hits_with_vectors
from sqlvec._drivers.pgsql import OPCLASSES, PgSQL, ivfflat_lists, ivfflat_probes
from sqlvec._drivers.postgres import PostgresSettings
from sqlvec.errors import InvalidArgumentError, InvalidIdentifierError, InvalidURLError
from sqlvec.filters import parse_filter
from sqlvec.models import IndexSpec
from sqlvec.pool import PoolConfig
from sqlvec.retry import RetryPolicy, is_transient

PG = PgSQL("postgresql")
CRDB = PgSQL("cockroachdb")


# -- dialects -------------------------------------------------------------------------------


@pytest.mark.parametrize("distance", ["cosine", "l2", "inner_product"])
def test_index_opclass_matches_the_distance(distance: str) -> None:
    hnsw = PG.create_index("docs", distance, IndexSpec(kind="hnsw", m=8, ef_construction=32))
    assert f"USING hnsw (embedding {OPCLASSES[distance]}) WITH (m = 8, ef_construction = 32)" in hnsw
    ivf = PG.create_index("docs", distance, IndexSpec(kind="ivfflat"), rows=50_000)
    assert f"USING ivfflat (embedding {OPCLASSES[distance]}) WITH (lists = 50)" in ivf
    crdb = CRDB.create_index("docs", distance, IndexSpec())
    assert crdb.startswith("CREATE VECTOR INDEX ")
    assert crdb.endswith(f'ON "docs" (embedding {OPCLASSES[distance]})')


def test_cockroach_has_the_vector_type_built_in_and_no_advisory_locks() -> None:
    assert PG.create_extension() == "CREATE EXTENSION IF NOT EXISTS vector"
    assert CRDB.create_extension() is None
    assert PG.ddl_lock() is not None and "pg_advisory_xact_lock" in PG.ddl_lock()  # type: ignore[operator]
    assert CRDB.ddl_lock() is None
    assert "vector(3)" in CRDB.create_table("docs", 3)
    assert 'COLLATE "C"' not in CRDB.create_table("docs", 3)
    # CockroachDB's vectors travel as text and are cast; PostgreSQL's as pgvector binary.
    assert "%s::vector" in CRDB.upsert("docs") and "%b" in PG.upsert("docs")


def test_cockroach_sets_the_beam_size_per_transaction_and_uses_the_restart_savepoint() -> None:
    settings = CRDB.search_settings(IndexSpec(ef_search=100), k=10, filtered=True)
    assert settings == ["SET LOCAL vector_search_beam_size = 50"]
    assert CRDB.search_settings(None, k=10, filtered=True) == []
    assert CRDB.savepoint == "SAVEPOINT cockroach_restart"
    assert CRDB.release_savepoint == "RELEASE SAVEPOINT cockroach_restart"
    assert CRDB.rollback_to_savepoint == "ROLLBACK TO SAVEPOINT cockroach_restart"
    assert CRDB.drop_index("docs").startswith('DROP INDEX IF EXISTS "docs"@"docs_')


def test_postgres_query_settings_are_local_to_the_transaction() -> None:
    assert PG.search_settings(None, k=5, filtered=True) == []
    hnsw = PG.search_settings(IndexSpec(ef_search=20), k=50, filtered=False)
    assert hnsw == ["SET LOCAL hnsw.ef_search = 50"]
    filtered = PG.search_settings(IndexSpec(ef_search=64), k=5, filtered=True)
    assert filtered == ["SET LOCAL hnsw.ef_search = 64", "SET LOCAL hnsw.iterative_scan = strict_order"]
    ivf = PG.search_settings(IndexSpec(kind="ivfflat", lists=100), k=5, filtered=True)
    assert ivf == ["SET LOCAL ivfflat.probes = 10", "SET LOCAL ivfflat.iterative_scan = relaxed_order"]
    assert all(s.startswith("SET LOCAL ") for s in hnsw + filtered + ivf)


def test_search_orders_by_the_operator_of_the_distance() -> None:
    for distance, op in (("cosine", "<=>"), ("l2", "<->"), ("inner_product", "<#>")):
        sql, params = PG.search("docs", distance, None, 4)
        assert f"embedding {op} %b AS distance" in sql
        assert sql.endswith("ORDER BY distance LIMIT %s")
        assert params == [None, 4]


def test_a_strict_search_sorts_the_k_rows_again_on_the_server() -> None:
    plain, plain_params = PG.search("docs", "l2", parse_filter({"a": 1}), 7)
    sql, params = PG.search("docs", "l2", parse_filter({"a": 1}), 7, strict=True)
    assert sql == f"WITH hits AS MATERIALIZED ({plain}) SELECT * FROM hits ORDER BY distance"
    assert params == plain_params


def test_a_search_with_vectors_adds_the_embedding_as_the_sixth_column() -> None:
    sql, _ = PG.search("t", "cosine", None, 5, with_vectors=True)
    assert "tableoid::int8, embedding FROM" in sql
    assert "embedding FROM" not in PG.search("t", "cosine", None, 5)[0]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(np.array([1.5, -2.0], dtype=np.float32), id="pgvector's binary loader"),
        pytest.param("[1.5,-2]", id="CockroachDB's text"),
        pytest.param(Vector([1.5, -2.0]), id="pgvector.Vector"),
    ],
)
def test_row_vectors_of_every_dialect_become_float32(value: object) -> None:
    rows = [("b", "y", {}, 0.5, 1, value), ("a", "x", {}, 0.25, 1, value)]
    hits, vectors = row_hits_with_vectors(rows, True, 2)
    assert [doc.id for doc, _ in hits] == ["a", "b"]  # re-sorted, vectors with them
    assert vectors.dtype == np.float32 and vectors.tolist() == [[1.5, -2.0], [1.5, -2.0]]
    assert row_hits_with_vectors([], False, 3)[1].shape == (0, 3)


def test_filters_bind_keys_and_values() -> None:
    node = parse_filter({"a.b": {"$gt": 3}, "s": {"$lt": "x'; DROP TABLE t; --"}, "t": True})
    sql, params = PG.where(node)
    assert "DROP" not in sql and "'x" not in sql
    assert params.count("a") == 2 and params.count("b") == 2
    assert "x'; DROP TABLE t; --" in params
    assert '{"t": true}' in params
    assert 'COLLATE "C"' in sql
    assert 'COLLATE "C"' not in CRDB.where(node)[0]


def test_like_is_bound_escaped_and_folds_ascii_only_for_ilike() -> None:
    sql, params = PG.where(parse_filter({"a": {"$like": "50\\%_x'; --"}}))
    assert "x'" not in sql and "LIKE %s ESCAPE E'\\\\'" in sql and 'COLLATE "C"' in sql
    assert params == ["a", "a", "50\\%_x'; --"]
    sql, params = PG.where(parse_filter({"a": {"$ilike": "AbÉ%"}}))
    # translate() lowers A-Z whatever the database's locale; ILIKE would follow it.
    assert "ILIKE" not in sql and "translate(" in sql and params[-1] == "abÉ%"
    sql, params = PG.where(parse_filter({"a.b": {"$exists": True}}))
    assert sql == "((metadata -> %s::text -> %s::text) IS NOT NULL)" and params == ["a", "b"]
    assert 'COLLATE "C"' not in CRDB.where(parse_filter({"a": {"$like": "x"}}))[0]


def test_a_long_in_list_is_one_array_parameter() -> None:
    # One containment test per value decompressed the row's metadata once per value: a
    # 3,000-value $in over a 1 MB row took a backend to 3 GB.
    sql, params = PG.count("t", parse_filter({"a.b": {"$in": list(range(3000))}}))
    assert sql == (
        'SELECT count(*) FROM "t" WHERE COALESCE((metadata -> %s::text -> %s::text) = ANY(%s::jsonb[]), FALSE)'
    )
    assert params == ["a", "b", [str(i) for i in range(3000)]]
    sql, params = PG.count("t", parse_filter({"k": {"$nin": ["x", 1.5, True]}}))
    assert sql.count("%s") == 2 and "NOT COALESCE" in sql
    assert params == ["k", ['"x"', "1.5", "true"]]
    sql, params = CRDB.count("t", parse_filter({"k": {"$in": [1, "x"]}}))
    assert "IN (SELECT jsonb_array_elements(%s::jsonb))" in sql and params == ["k", '[1, "x"]']


@pytest.mark.parametrize("name", ['a"b', "x; DROP TABLE y", "pg_catalog", "sqlvec_collections", "1x"])
def test_identifiers_are_validated(name: str) -> None:
    with pytest.raises(InvalidIdentifierError):
        PG.create_table(name, 3)
    with pytest.raises(InvalidIdentifierError):
        CRDB.search(name, "cosine", None, 3)


def test_index_names_fit_in_63_characters() -> None:
    long = "t" * 63
    name = PG.index_name(long)
    assert len(name.strip('"')) <= 63
    assert PG.index_name(long) != PG.index_name("t" * 62)


def test_ivfflat_sizing() -> None:
    assert ivfflat_lists(0) == 1
    assert ivfflat_lists(100_000) == 100
    assert ivfflat_lists(4_000_000) == 2000
    assert ivfflat_probes(1) == 1
    assert ivfflat_probes(100) == 10


# -- URLs and pool settings ------------------------------------------------------------------


def test_url_pool_and_retry_keys_leave_the_conninfo() -> None:
    settings = PostgresSettings.from_url(
        "postgresql://u:p@h1:5432,h2:5433/db?target_session_attrs=read-write"
        "&max_size=7&acquire_timeout=2.5&request_timeout=none&retry_attempts=2"
        "&options=-c%20search_path%3Ds"
    )
    assert settings.dialect == "postgresql"
    assert settings.pool.max_size == 7 and settings.pool.acquire_timeout == 2.5
    assert settings.pool.request_timeout is None
    assert settings.retry.attempts == 2
    assert settings.conninfo == (
        "postgresql://u:p@h1:5432,h2:5433/db?target_session_attrs=read-write&options=-c%20search_path%3Ds"
    )
    assert "statement_timeout" not in settings.connect_kwargs().get("options", "")


def test_statement_timeout_is_added_to_the_users_options() -> None:
    settings = PostgresSettings.from_url("cockroachdb://root@localhost:26257/db?request_timeout=1.5&options=-c%20x%3Dy")
    assert settings.dialect == "cockroachdb"
    kwargs = settings.connect_kwargs()
    assert kwargs["options"] == "-c x=y -c statement_timeout=1500"
    assert kwargs["autocommit"] is True and kwargs["application_name"] == "sqlvec"
    assert settings.client_deadline() == pytest.approx(1.5 + CLIENT_GRACE)


@pytest.mark.parametrize("url", ["mysql://x", "postgresql://h/db?max_size=lots", "postgresql://h/db?retry_attempts=x"])
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises((InvalidURLError, InvalidArgumentError)):
        PostgresSettings.from_url(url)


@pytest.mark.parametrize(
    "changes",
    [{"max_size": 0}, {"min_size": 5, "max_size": 2}, {"acquire_timeout": 0}, {"max_idle": -1},
     {"request_timeout": float("nan")}, {"health_check": "yes"}, {"min_size": True}],
)  # fmt: skip
def test_pool_config_is_validated(changes: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidArgumentError):
        PoolConfig(**changes)


def test_pool_config_from_query() -> None:
    config, rest = PoolConfig.from_query(
        {"min_size": "0", "max_lifetime": "60", "health_check": "off", "sslmode": "disable"}
    )
    assert config == PoolConfig(min_size=0, max_lifetime=60.0, health_check=False)
    assert rest == {"sslmode": "disable"}
    assert PoolConfig(request_timeout=0.0005).statement_timeout_ms == 1


# -- retry policy ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["40001", "40P01"])
def test_rolled_back_transactions_are_retried_for_any_work(state: str) -> None:
    assert is_transient(state, False, idempotent=False)
    assert is_transient(state, False, idempotent=True)


@pytest.mark.parametrize("state", ["57P01", "40003", "08006", None])
def test_unknown_outcomes_are_retried_only_for_idempotent_work(state: str) -> None:
    lost = state is None
    assert is_transient(state, lost, idempotent=True)
    assert not is_transient(state, lost, idempotent=False)


@pytest.mark.parametrize("state", ["23505", "42P01", "57014", "22000"])
def test_other_errors_are_not_retried(state: str) -> None:
    assert not is_transient(state, False, idempotent=True)


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    policy = RetryPolicy(attempts=6, initial_backoff=0.1, max_backoff=1.0, multiplier=2, jitter=0.5)
    rng = random.Random(7)
    for retry, full in ((1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (5, 1.0), (100, 1.0)):
        delays = [policy.backoff(retry, rng) for _ in range(200)]
        assert all(full * 0.5 <= d <= full for d in delays)
        assert max(delays) - min(delays) > full * 0.3  # actually jittered
    fixed = RetryPolicy(initial_backoff=0.1, jitter=0)
    assert fixed.backoff(2) == pytest.approx(0.2)
    assert policy.should_retry(5, "40001", False, idempotent=False)
    assert not policy.should_retry(6, "40001", False, idempotent=False)
    assert not RetryPolicy.none().should_retry(1, "40001", False, idempotent=True)
    with pytest.raises(InvalidArgumentError):
        RetryPolicy(attempts=0)
    with pytest.raises(InvalidArgumentError):
        policy.backoff(0)
