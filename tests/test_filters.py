"""Filter parsing and SQLite compilation, checked against the Python reference semantics."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Dict, Iterator, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqlvec.errors import FilterLimitError, FilterTypeError, InvalidFilterError, UnknownFilterOperatorError
from sqlvec.filters import (
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_DEPTH,
    MAX_IN_VALUES,
    MAX_KEY_SEGMENTS,
    MAX_PATTERN_LENGTH,
    And,
    Compare,
    Exists,
    In,
    Like,
    Not,
    Or,
    compile_sqlite,
    glob_pattern,
    json_path,
    like_match,
    matches,
    parse_filter,
)


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


def test_the_new_operators_parse_to_their_nodes() -> None:
    assert parse_filter({"a": {"$like": "x%"}}) == Like(("a",), "x%", False)
    assert parse_filter({"a": {"$ilike": "x%"}}) == Like(("a",), "x%", True)
    assert parse_filter({"a.b": {"$exists": True}}) == Exists(("a", "b"))
    assert parse_filter({"a": {"$exists": False}}) == Not(Exists(("a",)))
    assert parse_filter({"a": {"$between": [1, 2.5]}}) == And(
        (Compare(("a",), "$gte", 1), Compare(("a",), "$lte", 2.5))
    )
    assert parse_filter({"a": {"$between": ("x", "y")}}) == And(
        (Compare(("a",), "$gte", "x"), Compare(("a",), "$lte", "y"))
    )


@pytest.mark.parametrize(
    ("value", "pattern", "ignore_case", "expected"),
    [
        pytest.param("abc", "a%", False, True, id="% is any run"),
        pytest.param("a", "a%", False, True, id="% may be empty"),
        pytest.param("abc", "a_c", False, True, id="_ is one character"),
        pytest.param("ac", "a_c", False, False, id="_ is not zero characters"),
        pytest.param("日本語", "日_語", False, True, id="_ is one code point"),
        pytest.param("abc", "ab", False, False, id="the whole string must match"),
        pytest.param("a%c", "a\\%c", False, True, id="escaped % is literal"),
        pytest.param("abc", "a\\%c", False, False, id="escaped % is not a wildcard"),
        pytest.param("a_c", "a\\_c", False, True, id="escaped _ is literal"),
        pytest.param("a\\c", "a\\\\c", False, True, id="escaped backslash"),
        pytest.param("a*b?[c]", "a*b?[c]", False, True, id="GLOB's metacharacters are literal"),
        pytest.param("axb", "a*b", False, False, id="* is not a wildcard"),
        pytest.param("Abc", "aBC", False, False, id="$like is case-sensitive"),
        pytest.param("Abc", "aBC", True, True, id="$ilike folds ASCII"),
        pytest.param("École", "école", True, False, id="$ilike keeps non-ASCII case"),
        pytest.param("ß", "SS", True, False, id="$ilike does not expand ß"),
        pytest.param("a\nb", "a%b", False, True, id="% crosses newlines"),
        pytest.param("", "", False, True, id="empty matches empty"),
        pytest.param(
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "%a%a%a%a%a%a%a%a%a%a%b",
            False,
            False,
            id="no backtracking blow-up",
        ),
    ],
)
def test_like_semantics(value: str, pattern: str, ignore_case: bool, expected: bool) -> None:
    assert like_match(value, pattern, ignore_case) is expected
    assert matches(parse_filter({"s": {"$ilike" if ignore_case else "$like": pattern}}), {"s": value}) is expected


def test_like_patterns_become_glob_patterns() -> None:
    assert glob_pattern("a%b_c", False) == "a*b?c"
    assert glob_pattern("*?[]", False) == "[*][?][[]]"
    assert glob_pattern("\\%\\_\\\\", False) == "%_\\"
    assert glob_pattern("aZ-é", True) == "[aA][zZ]-é"


def test_a_pattern_at_the_length_limit_is_accepted() -> None:
    assert parse_filter({"a": {"$like": "x" * MAX_PATTERN_LENGTH}}) == Like(("a",), "x" * MAX_PATTERN_LENGTH, False)
    with pytest.raises(FilterLimitError) as info:
        parse_filter({"a": {"$ilike": "x" * (MAX_PATTERN_LENGTH + 1)}})
    assert (info.value.value, info.value.limit) == (MAX_PATTERN_LENGTH + 1, MAX_PATTERN_LENGTH)


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
        ({"a": {"$regex": "x"}}, UnknownFilterOperatorError),
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
    assert evil in params and "[1, 2.5]" in params and '$."k"' in params
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
    st.sampled_from(["", "x", "y", "X", "é", "É", "x y", "x%", "a_b", "[*?]", "x\\y"]),
)
PATTERN_SAMPLES = ["x%", "%y", "_", "%", "X", "x\\%", "%é%", "É", "x_y", "\\_", "", "[%", "%?]", "x\\\\y", "a%b"]
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
        st.builds(
            lambda k, o, v: {k: {o: v}},
            st.sampled_from(KEYS),
            st.sampled_from(["$like", "$ilike"]),
            st.sampled_from(PATTERN_SAMPLES),
        ),
        st.builds(lambda k, v: {k: {"$exists": v}}, st.sampled_from(KEYS + ["c"]), st.booleans()),
        st.builds(
            lambda k, lo, hi: {k: {"$between": [lo, hi]}},
            st.sampled_from(KEYS),
            st.integers(-5, 5),
            st.floats(-5, 5, allow_nan=False, width=32),
        ),
        st.builds(
            lambda k, lo, hi: {k: {"$between": [lo, hi]}},
            st.sampled_from(KEYS),
            st.sampled_from(["", "x", "y"]),
            st.sampled_from(["x", "y", "é"]),
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


def test_a_long_in_list_is_one_parameter() -> None:
    values = list(range(3000))
    sql, params = compile_sqlite(parse_filter({"n": {"$in": values}}))
    assert params == ['$."n"', '$."n"', json.dumps(values)]
    assert sql.count("?") == 3 and "json_each(?)" in sql
    # Strings and numbers are one list each; booleans are tested by JSON type.
    sql, params = compile_sqlite(parse_filter({"n": {"$nin": ["a", 1, True, "b", 2.5]}}))
    assert params == ['$."n"', '$."n"', '["a", "b"]', '$."n"', '$."n"', "[1, 2.5]", '$."n"']


def _nested(ops: List[str], leaf: Dict[str, Any]) -> Dict[str, Any]:
    """leaf inside ops, the last op outermost; every level also holds other conditions."""
    spec = leaf
    for i, op in enumerate(ops):
        if op == "$not":
            spec = {"$not": dict(spec, q={"$in": [i, "s", True]})}
        else:
            spec = {op: [spec, {"w": i, "v": {"$ne": "x"}}]}
    return spec


def _depth_run(pattern: List[str], depth: int) -> List[str]:
    return [pattern[i % len(pattern)] for i in range(depth)]


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    """An in-memory database with a metadata table, closed after the test (3.13 warns otherwise)."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE TABLE t (metadata TEXT)")
        yield conn
    finally:
        conn.close()


@pytest.mark.parametrize(
    "pattern", [["$not"], ["$and"], ["$or"], ["$not", "$or"], ["$or", "$not", "$and"], ["$not", "$not", "$and"]]
)
def test_filters_at_the_depth_limit_run_on_sqlite(pattern: List[str], db: sqlite3.Connection) -> None:
    leaf = {"a.b": {"$in": [1, "x", False], "$gt": 0, "$ne": "s"}}
    spec = _nested(_depth_run(pattern, MAX_FILTER_DEPTH), leaf)
    conn = db
    conn.execute("""INSERT INTO t VALUES ('{"a": {"b": 2}}')""")
    sql, params = compile_sqlite(parse_filter(spec))
    conn.execute(f"SELECT count(*) FROM t WHERE {sql}", params).fetchone()  # parses: no stack overflow
    with pytest.raises(FilterLimitError) as info:
        parse_filter(_nested(_depth_run(pattern, MAX_FILTER_DEPTH + 1), leaf))
    assert (info.value.value, info.value.limit) == (MAX_FILTER_DEPTH + 1, MAX_FILTER_DEPTH)


def test_the_widest_filter_runs_on_sqlite(db: sqlite3.Connection) -> None:
    # An $or as wide as the limit would be an expression tree 1,000 deep in a flat chain.
    spec = {"$or": [{"k": {"$in": [i, "s"]}} for i in range(MAX_FILTER_CONDITIONS)]}
    conn = db
    sql, params = compile_sqlite(parse_filter(spec))
    assert conn.execute(f"SELECT count(*) FROM t WHERE {sql}", params).fetchone() == (0,)


@pytest.mark.parametrize(
    ("spec", "size", "limit"),
    [
        pytest.param({"a": {"$in": list(range(MAX_IN_VALUES + 1))}}, MAX_IN_VALUES + 1, MAX_IN_VALUES, id="$in"),
        pytest.param({"a": {"$nin": list(range(70_000))}}, 70_000, MAX_IN_VALUES, id="$nin past 65,535"),
        pytest.param(
            {"$or": [{"a": i} for i in range(MAX_FILTER_CONDITIONS + 1)]},
            MAX_FILTER_CONDITIONS + 1,
            MAX_FILTER_CONDITIONS,
            id="$or width",
        ),
        pytest.param(
            {"$and": [{"a": {"$gt": i, "$lt": i + 5}} for i in range(MAX_FILTER_CONDITIONS // 2)] + [{"b": 1}]},
            MAX_FILTER_CONDITIONS + 1,
            MAX_FILTER_CONDITIONS,
            id="conditions",
        ),
        pytest.param({".".join("k" * (MAX_KEY_SEGMENTS + 1)): 1}, MAX_KEY_SEGMENTS + 1, MAX_KEY_SEGMENTS, id="key"),
    ],
)
def test_filters_past_a_limit_name_the_size_and_the_limit(spec: Dict[str, Any], size: int, limit: int) -> None:
    with pytest.raises(FilterLimitError) as info:
        parse_filter(spec)
    assert (info.value.value, info.value.limit) == (size, limit)
    assert str(limit) in str(info.value) and isinstance(info.value, InvalidFilterError)


def test_a_filter_nested_far_past_the_limit_fails_fast() -> None:
    spec: Dict[str, Any] = {"a": 1}
    for _ in range(100_000):  # json.loads of user input can build this; recursion would fail
        spec = {"$not": spec}
    with pytest.raises(FilterLimitError):
        parse_filter(spec)


@pytest.mark.parametrize("value", ["a\x00b", "\ud800", "x\udfff"])
def test_strings_no_backend_can_store_are_refused(value: str) -> None:
    with pytest.raises(FilterTypeError) as info:
        parse_filter({"a": {"$in": ["ok", value]}})
    assert info.value.value == value


def test_a_filter_wide_at_every_level_runs_on_sqlite(db: sqlite3.Connection) -> None:
    # 31 alternating levels of 33 children each: 992 conditions, every list in runs.
    spec: Dict[str, Any] = {"a": 1}
    for level in range(MAX_FILTER_DEPTH - 1):
        spec = {("$and", "$or")[level % 2]: [spec] + [{"w": j} for j in range(32)]}
    conn = db
    conn.execute("""INSERT INTO t VALUES ('{"a": 1}')""")
    sql, params = compile_sqlite(parse_filter(spec))
    conn.execute(f"SELECT count(*) FROM t WHERE {sql}", params).fetchone()
