"""Filter parsing and SQLite compilation, checked against the Python reference semantics."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Dict, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqlvec.errors import FilterTypeError, InvalidFilterError, UnknownFilterOperatorError
from sqlvec.filters import And, Compare, In, Not, Or, compile_sqlite, json_path, matches, parse_filter


def test_plain_equality_parses_to_eq() -> None:
    assert parse_filter({"a": 1}) == Compare(("a",), "$eq", 1)


def test_several_keys_and_operators_are_anded() -> None:
    assert parse_filter({"a": 1, "b": {"$gt": 2, "$lt": 5}}) == And(
        (Compare(("a",), "$eq", 1), And((Compare(("b",), "$gt", 2), Compare(("b",), "$lt", 5))))
    )


def test_negations_become_not() -> None:
    assert parse_filter({"a": {"$ne": "x"}}) == Not(Compare(("a",), "$eq", "x"))
    assert parse_filter({"a": {"$nin": [1, 2]}}) == Not(In(("a",), (1, 2)))
    assert parse_filter({"$or": [{"a": 1}, {"$not": {"b": True}}]}) == Or(
        (Compare(("a",), "$eq", 1), Not(Compare(("b",), "$eq", True)))
    )


def test_dotted_keys_are_paths() -> None:
    assert parse_filter({"a.b-c.d_1": 1}) == Compare(("a", "b-c", "d_1"), "$eq", 1)
    assert json_path(("a", "b")) == '$."a"."b"'


def test_none_and_empty_match_everything() -> None:
    assert parse_filter(None) is None
    assert parse_filter({}) is None
    assert compile_sqlite(None) == ("1", [])


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"a": {"$exists": True}}, UnknownFilterOperatorError),
        ({"$nor": []}, UnknownFilterOperatorError),
        ({"$in": [1]}, InvalidFilterError),
        ({"a": {"$gte": None}}, FilterTypeError),
        ({"a": {"$lte": False}}, FilterTypeError),
        ({"a": {"$in": {"x": 1}}}, FilterTypeError),
        ({"a": b"bytes"}, FilterTypeError),
        ({"a": float("inf")}, FilterTypeError),
        ({"a": -(2**63) - 1}, FilterTypeError),
        ({"": 1}, InvalidFilterError),
        ({"a..b": 1}, InvalidFilterError),
        ({'a"': 1}, InvalidFilterError),
        ({"$and": [{}]}, InvalidFilterError),
        ([("a", 1)], FilterTypeError),
    ],
)
def test_refused_filters(spec: Any, error: type) -> None:
    with pytest.raises(error):
        parse_filter(spec)


def test_values_and_keys_are_bound_never_inlined() -> None:
    evil = "x'); DROP TABLE docs; --"
    sql, params = compile_sqlite(parse_filter({"k": evil, "n": {"$in": [1, 2.5]}}))
    assert evil not in sql and "2.5" not in sql and '"k"' not in sql
    assert evil in params and 2.5 in params and '$."k"' in params
    assert sql.count("?") == len(params)


def test_empty_in_compiles_to_false() -> None:
    assert compile_sqlite(parse_filter({"a": {"$in": []}})) == ("0", [])
    assert compile_sqlite(parse_filter({"a": {"$nin": []}})) == ("(NOT 0)", [])


# -- the compiled SQL agrees with the reference semantics -----------------------------

KEYS = ["a", "b", "c.d"]
scalars = st.one_of(
    st.booleans(),
    st.integers(-5, 5),
    st.floats(-5, 5, allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", "x", "y", "X", "é", "x y"]),
)
json_values = st.one_of(scalars, st.none(), st.lists(scalars, max_size=2))


def _metadata() -> st.SearchStrategy[Dict[str, Any]]:
    nested = st.dictionaries(st.just("d"), json_values, max_size=1)
    return st.fixed_dictionaries(
        {},
        optional={"a": json_values, "b": json_values, "c": st.one_of(nested, json_values)},
    )


def _leaf() -> st.SearchStrategy[Dict[str, Any]]:
    ordered = st.one_of(
        st.integers(-5, 5),
        st.floats(-5, 5, allow_nan=False, width=32),
        st.sampled_from(["", "x", "y", "é"]),
    )
    op = st.sampled_from(["$lt", "$lte", "$gt", "$gte"])
    return st.one_of(
        st.builds(lambda k, v: {k: v}, st.sampled_from(KEYS), scalars),
        st.builds(lambda k, o, v: {k: {o: v}}, st.sampled_from(KEYS), op, ordered),
        st.builds(lambda k, o, v: {k: {o: v}}, st.sampled_from(KEYS), st.sampled_from(["$eq", "$ne"]), scalars),
        st.builds(
            lambda k, o, v: {k: {o: v}},
            st.sampled_from(KEYS),
            st.sampled_from(["$in", "$nin"]),
            st.lists(scalars, max_size=3),
        ),
    )


filters = st.recursive(
    _leaf(),
    lambda inner: st.one_of(
        st.builds(lambda fs: {"$and": fs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda fs: {"$or": fs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda f: {"$not": f}, inner),
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(_metadata(), max_size=8), spec=filters)
def test_sqlite_agrees_with_the_reference(rows: List[Dict[str, Any]], spec: Dict[str, Any]) -> None:
    node = parse_filter(spec)
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE TABLE t (n INTEGER, metadata TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, json.dumps(m)) for i, m in enumerate(rows)])
        sql, params = compile_sqlite(node)
        got = [n for (n,) in conn.execute(f"SELECT n FROM t WHERE {sql} ORDER BY n", params)]
    finally:
        conn.close()
    want = [i for i, m in enumerate(rows) if matches(node, m)]
    assert got == want
