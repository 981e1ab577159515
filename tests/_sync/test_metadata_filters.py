"""Metadata filters end to end: every operator, nesting, types, and refused filters."""

from __future__ import annotations

import math
import random
import string
import time
from typing import Any, Dict, Iterator, List

import pytest

# async only: pytest_asyncio
from sqlvec._sync import Engine, VectorStore
from sqlvec.embeddings import HashEmbedding
from sqlvec.errors import (
    FilterLimitError,
    FilterTypeError,
    InvalidFilterError,
    SqlvecError,
    UnknownFilterOperatorError,
)
from sqlvec.filters import (
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_DEPTH,
    MAX_IN_VALUES,
    MAX_PATTERN_LENGTH,
    matches,
    parse_filter,
)

METADATA: Dict[str, Dict[str, Any]] = {
    "a": {"color": "red", "size": 1, "price": 9.5, "ok": True, "owner": {"name": "ann"}},
    "b": {"color": "blue", "size": 2, "price": 20, "ok": False, "owner": {"name": "bob"}},
    "c": {"color": "green", "size": 3, "price": 30.25, "ok": True},
    "d": {"color": "red", "size": 10, "ok": False, "note": None},
    "e": {"size": "large", "tags": ["red"]},
    "f": {},
}

CASES = [
    pytest.param({"color": "red"}, "ad", id="plain equality"),
    pytest.param({"color": {"$eq": "red"}}, "ad", id="$eq"),
    pytest.param({"color": {"$ne": "red"}}, "bcef", id="$ne matches missing keys"),
    pytest.param({"size": {"$lt": 3}}, "ab", id="$lt ignores other types"),
    pytest.param({"size": {"$lte": 3}}, "abc", id="$lte"),
    pytest.param({"size": {"$gt": 2}}, "cd", id="$gt"),
    pytest.param({"size": {"$gte": 2}}, "bcd", id="$gte"),
    pytest.param({"size": {"$gt": 1, "$lt": 10}}, "bc", id="two operators are ANDed"),
    pytest.param({"price": {"$gte": 9.5}}, "abc", id="floats"),
    pytest.param({"price": 20.0}, "b", id="float equals int"),
    pytest.param({"size": {"$gt": "a"}}, "e", id="strings compare with strings"),
    pytest.param({"color": {"$in": ["red", "green"]}}, "acd", id="$in"),
    pytest.param({"color": {"$nin": ["red", "green"]}}, "bef", id="$nin"),
    pytest.param({"size": {"$in": [1, "large"]}}, "ae", id="$in with mixed types"),
    pytest.param({"color": {"$in": []}}, "", id="$in empty"),
    pytest.param({"price": {"$in": [20.0, 9.5]}}, "ab", id="$in: 20.0 matches 20"),
    pytest.param({"size": {"$in": [1.0]}}, "a", id="$in: 1.0 matches 1"),
    pytest.param({"size": {"$in": ["1", "2"]}}, "", id="$in: '1' does not match 1"),
    pytest.param({"ok": {"$in": [1, 0]}}, "", id="$in: 1 does not match true"),
    pytest.param({"size": {"$in": [True]}}, "", id="$in: true does not match 1"),
    pytest.param({"owner": {"$in": ["ann"]}}, "", id="$in: objects are not searched"),
    pytest.param({"tags": {"$in": ["red"]}}, "", id="$in: arrays are not searched"),
    pytest.param({"note": {"$nin": [1, "x"]}}, "abcdef", id="$nin: null and missing keys are not in the list"),
    pytest.param({"owner.name": {"$in": ["bob", "zed"]}}, "b", id="$in on a dotted key"),
    pytest.param({"color": {"$nin": []}}, "abcdef", id="$nin empty"),
    pytest.param({"ok": True}, "ac", id="true"),
    pytest.param({"ok": False}, "bd", id="false"),
    pytest.param({"ok": {"$in": [True, False]}}, "abcd", id="$in booleans"),
    pytest.param({"ok": {"$ne": True}}, "bdef", id="$ne true"),
    pytest.param({"ok": 1}, "", id="1 is not true"),
    pytest.param({"size": True}, "", id="true is not 1"),
    pytest.param({"owner.name": "bob"}, "b", id="dotted path"),
    pytest.param({"tags": "red"}, "", id="arrays are not searched"),
    pytest.param({"color": "red", "ok": False}, "d", id="several keys are ANDed"),
    pytest.param({"$and": [{"color": "red"}, {"size": {"$gt": 5}}]}, "d", id="$and"),
    pytest.param({"$or": [{"color": "blue"}, {"size": "large"}]}, "be", id="$or"),
    pytest.param({"$not": {"color": "red"}}, "bcef", id="$not"),
    pytest.param(
        {"$or": [{"$and": [{"color": "red"}, {"ok": True}]}, {"$not": {"size": {"$lte": 3}}}]},
        "adef",
        id="nested",
    ),
    pytest.param({"$not": {"$not": {"color": "red"}}}, "ad", id="double negation"),
    pytest.param({"color": "x' OR '1'='1"}, "", id="quotes are just data"),
    pytest.param({}, "abcdef", id="empty filter matches all"),
    pytest.param({"color": {"$like": "r%"}}, "ad", id="$like prefix"),
    pytest.param({"color": {"$like": "%e%"}}, "abcd", id="$like infix"),
    pytest.param({"color": {"$like": "_ed"}}, "ad", id="$like: _ is one character"),
    pytest.param({"color": {"$like": "re"}}, "", id="$like matches the whole string"),
    pytest.param({"color": {"$like": "R%"}}, "", id="$like is case-sensitive"),
    pytest.param({"color": {"$ilike": "R%"}}, "ad", id="$ilike ignores ASCII case"),
    pytest.param({"size": {"$ilike": "LARGE"}}, "e", id="$ilike without wildcards"),
    pytest.param({"size": {"$like": "1%"}}, "", id="$like: numbers are not strings"),
    pytest.param({"owner.name": {"$like": "a%"}}, "a", id="$like on a dotted key"),
    pytest.param({"$not": {"color": {"$like": "r%"}}}, "bcef", id="$not $like matches missing keys"),
    pytest.param({"note": {"$exists": True}}, "d", id="$exists: a null value is present"),
    pytest.param({"color": {"$exists": False}}, "ef", id="$exists false"),
    pytest.param({"owner.name": {"$exists": True}}, "ab", id="$exists on a dotted key"),
    pytest.param({"owner": {"$exists": True}}, "ab", id="$exists on an object"),
    pytest.param({"tags.red": {"$exists": True}}, "", id="$exists does not look into arrays"),
    pytest.param({"color": {"$exists": True, "$ne": "red"}}, "bc", id="$ne on present keys only"),
    pytest.param({"size": {"$between": [2, 10]}}, "bcd", id="$between is inclusive"),
    pytest.param({"size": {"$between": [1.5, 2.5]}}, "b", id="$between floats"),
    pytest.param({"price": {"$between": [9.5, 20]}}, "ab", id="$between int and float bounds"),
    pytest.param({"size": {"$between": [3, 2]}}, "", id="$between low > high"),
    pytest.param({"color": {"$between": ["blue", "green"]}}, "bc", id="$between strings"),
    pytest.param({"size": {"$between": ["a", "z"]}}, "e", id="$between strings ignores numbers"),
]


@pytest.fixture
def filtered(engine: Engine) -> Iterator[VectorStore]:
    """A collection holding the METADATA rows, ids "a".."f"."""
    engine.init_vectorstore_table("filtered", vector_dimension=16)
    store = VectorStore(engine, HashEmbedding(16), "filtered")
    ids = sorted(METADATA)
    store.add_texts([f"document {i}" for i in ids], [METADATA[i] for i in ids], ids)
    yield store
    store.close()


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize(("spec", "expected"), CASES)
def test_filter_selects_the_expected_documents(
    filtered: VectorStore, spec: Dict[str, Any], expected: str
) -> None:
    want = list(expected)
    assert filtered.count(spec) == len(want)
    assert [d.id for d in filtered.iter_documents(spec, batch_size=2)] == want
    hits = filtered.similarity_search("document", k=10, filter=spec)
    assert sorted(d.id for d in hits if d.id) == want


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize(("spec", "expected"), CASES)
def test_delete_by_filter_removes_exactly_the_matches(
    filtered: VectorStore, spec: Dict[str, Any], expected: str
) -> None:
    assert filtered.delete(filter=spec) == len(expected)
    left = [d.id for d in filtered.iter_documents()]
    assert left == [i for i in sorted(METADATA) if i not in expected]


def _deep_not(depth: int) -> Dict[str, Any]:
    spec: Dict[str, Any] = {"color": "red"}
    for _ in range(depth):
        spec = {"$not": spec}
    return spec


BAD = [
    pytest.param({"a": {"$regex": "x"}}, UnknownFilterOperatorError, id="unknown operator"),
    pytest.param({"$xor": [{"a": 1}]}, UnknownFilterOperatorError, id="unknown logical"),
    pytest.param({"$eq": 1}, InvalidFilterError, id="operator without a field"),
    pytest.param({"a": {"$in": "abc"}}, FilterTypeError, id="$in needs a list"),
    pytest.param({"a": {"$lt": True}}, FilterTypeError, id="booleans are not ordered"),
    pytest.param({"a": None}, FilterTypeError, id="None"),
    pytest.param({"a": [1, 2]}, FilterTypeError, id="list operand"),
    pytest.param({"a": {"$in": [[1]]}}, FilterTypeError, id="list in $in"),
    pytest.param({"a": {"$gt": math.nan}}, FilterTypeError, id="NaN"),
    pytest.param({"a": 2**70}, FilterTypeError, id="int beyond 64 bits"),
    pytest.param({"$and": {"a": 1}}, FilterTypeError, id="$and needs a list"),
    pytest.param({"$or": []}, InvalidFilterError, id="$or empty"),
    pytest.param({"$not": [{"a": 1}]}, FilterTypeError, id="$not needs a dict"),
    pytest.param({"a b": 1}, InvalidFilterError, id="space in key"),
    pytest.param({"a'; DROP TABLE filtered; --": 1}, InvalidFilterError, id="injection in key"),
    pytest.param({"a": {}}, InvalidFilterError, id="empty condition"),
    pytest.param({"a": {"b": 1}}, InvalidFilterError, id="nested object"),
    pytest.param({1: 2}, FilterTypeError, id="non-str key"),
    pytest.param("color = 'red'", FilterTypeError, id="SQL string"),
    pytest.param({"a": {"$in": list(range(70_000))}}, FilterLimitError, id="$in past 65,535 parameters"),
    pytest.param({"a": {"$nin": list(range(MAX_IN_VALUES + 1))}}, FilterLimitError, id="$nin past the limit"),
    pytest.param(_deep_not(50), FilterLimitError, id="50-deep $not"),
    pytest.param(_deep_not(5000), FilterLimitError, id="5000-deep $not"),
    pytest.param({"$or": [{"a": i} for i in range(40_000)]}, FilterLimitError, id="40,000 conditions"),
    pytest.param({"a": "x\x00"}, FilterTypeError, id="NUL"),
    pytest.param({"a": {"$in": ["\udc80"]}}, FilterTypeError, id="lone surrogate"),
    pytest.param({"a": {"$like": 1}}, FilterTypeError, id="$like number"),
    pytest.param({"a": {"$ilike": ["x"]}}, FilterTypeError, id="$ilike list"),
    pytest.param({"a": {"$like": "x\\"}}, InvalidFilterError, id="$like trailing backslash"),
    pytest.param({"a": {"$like": "\\x"}}, InvalidFilterError, id="$like backslash before a letter"),
    pytest.param({"a": {"$like": "x" * (MAX_PATTERN_LENGTH + 1)}}, FilterLimitError, id="$like too long"),
    pytest.param({"a": {"$ilike": "x\x00"}}, FilterTypeError, id="$ilike NUL"),
    pytest.param({"a": {"$exists": 1}}, FilterTypeError, id="$exists 1"),
    pytest.param({"a": {"$exists": "true"}}, FilterTypeError, id="$exists str"),
    pytest.param({"a": {"$between": 1}}, FilterTypeError, id="$between number"),
    pytest.param({"a": {"$between": [1]}}, InvalidFilterError, id="$between one value"),
    pytest.param({"a": {"$between": [1, 2, 3]}}, InvalidFilterError, id="$between three values"),
    pytest.param({"a": {"$between": [1, "z"]}}, FilterTypeError, id="$between mixed kinds"),
    pytest.param({"a": {"$between": [False, True]}}, FilterTypeError, id="$between booleans"),
    pytest.param({"a": {"$between": [1, None]}}, FilterTypeError, id="$between None"),
]


# async only: @pytest.mark.asyncio
@pytest.mark.parametrize(("spec", "error"), BAD)
def test_bad_filters_raise_typed_errors(filtered: VectorStore, spec: Any, error: type) -> None:
    with pytest.raises(error) as info:
        filtered.count(spec)
    assert isinstance(info.value, SqlvecError)
    with pytest.raises(error):
        filtered.similarity_search("document", filter=spec)
    with pytest.raises(error):
        filtered.delete(filter=spec)
    assert filtered.count() == len(METADATA)


# async only: @pytest.mark.asyncio
def test_the_offending_value_is_carried(filtered: VectorStore) -> None:
    with pytest.raises(UnknownFilterOperatorError) as info:
        filtered.count({"a": {"$near": 1}})
    assert info.value.value == "$near"
    with pytest.raises(FilterTypeError) as type_info:
        filtered.count({"a": {"$gte": [1]}})
    assert type_info.value.value == [1]


# async only: @pytest.mark.asyncio
def test_filters_at_the_limits_work_on_every_backend(filtered: VectorStore) -> None:
    assert filtered.count(_deep_not(MAX_FILTER_DEPTH)) == 2  # even: "color" is "red"
    assert filtered.count(_deep_not(MAX_FILTER_DEPTH - 1)) == 4
    many = [f"c{i}" for i in range(MAX_IN_VALUES - 1)] + ["red"]
    assert filtered.count({"color": {"$in": many}}) == 2
    assert filtered.count({"color": {"$nin": many}}) == 4
    wide = {"$or": [{"size": i} for i in range(MAX_FILTER_CONDITIONS)]}
    assert [d.id for d in filtered.iter_documents(wide)] == ["a", "b", "c", "d"]


# async only: @pytest.mark.asyncio
def test_a_long_in_list_over_a_large_row_is_quick(filtered: VectorStore) -> None:
    # One $in value per containment test made the server decompress the row once per
    # value: 3,000 values over a 1 MB row took 22 s and 3 GB of backend memory.
    rng = random.Random(1)
    pad = ["".join(rng.choices(string.ascii_letters, k=100)) for _ in range(10_000)]
    filtered.add_texts(["big"], [{"n": -1, "pad": pad}], ["big"])
    values = list(range(3000))
    started = time.perf_counter()
    assert filtered.count({"n": {"$in": values}}) == 0
    assert filtered.count({"n": {"$nin": values}}) == len(METADATA) + 1
    assert time.perf_counter() - started < 5.0


_KEYS = ["color", "size", "price", "ok", "owner.name", "tags", "note", "missing"]
_VALUES: List[Any] = ["red", "blue", "large", "ann", "1", 1, 1.0, 2, 3, 9.5, 10, 20, 30.25, True, False, -1]


def _random_filter(rng: random.Random, depth: int = 0) -> Dict[str, Any]:
    roll = rng.random()
    if depth < 4 and roll < 0.3:
        op = rng.choice(["$and", "$or"])
        return {op: [_random_filter(rng, depth + 1) for _ in range(rng.randint(1, 3))]}
    if depth < 4 and roll < 0.45:
        return {"$not": _random_filter(rng, depth + 1)}
    key = rng.choice(_KEYS)
    op = rng.choice(["$eq", "$ne", "$in", "$nin", "$lt", "$gte", "$like", "$ilike", "$exists", "$between"])
    if op in ("$like", "$ilike"):
        return {key: {op: rng.choice(["r%", "%E%", "_e%", "large", "%", "a_n", "1"])}}
    if op == "$exists":
        return {key: {op: rng.random() < 0.5}}
    if op == "$between":
        bounds = rng.choice([[1, 3], [2.5, 30.25], [10, 1], ["a", "m"], ["blue", "red"]])
        return {key: {op: bounds}}
    if op in ("$in", "$nin"):
        return {key: {op: rng.sample(_VALUES, rng.randint(0, 5))}}
    value = rng.choice(_VALUES)
    if op in ("$lt", "$gte") and isinstance(value, bool):
        op = "$eq"
    return {key: {op: value}}


# async only: @pytest.mark.asyncio
def test_random_filters_agree_with_the_reference_semantics(filtered: VectorStore) -> None:
    rng = random.Random(9)
    for _ in range(150):
        spec = _random_filter(rng)
        node = parse_filter(spec)
        want = [i for i in sorted(METADATA) if matches(node, METADATA[i])]
        assert [d.id for d in filtered.iter_documents(spec)] == want, spec


LIKE_VALUES = [
    "100%",
    "100 percent",
    "a_b",
    "axb",
    "a*b",
    "a?b",
    "[x]",
    "a\\b",
    "École",
    "école",
    "ÉCOLE",
    "line\nbreak",
    "",
    "Ab",
    "aB",
    "ß",
    "STRASSE",
    "日本語",
]
PATTERNS = [
    "100\\%",
    "100%",
    "a\\_b",
    "a_b",
    "a*b",
    "a?b",
    "[x]",
    "[%",
    "a\\\\b",
    "école",
    "%cole",
    "_cole",
    "line%",
    "%",
    "_",
    "",
    "ab",
    "%b",
    "ß",
    "strasse",
    "日_語",
    "%%",
    "_%_",
]


@pytest.fixture
def words(engine: Engine) -> Iterator[VectorStore]:
    """A collection with one LIKE_VALUES string per document, ids "00".."17", under key "s"."""
    engine.init_vectorstore_table("words", vector_dimension=4)
    store = VectorStore(engine, HashEmbedding(4), "words")
    ids = [f"{i:02d}" for i in range(len(LIKE_VALUES))]
    store.add_texts(LIKE_VALUES, [{"s": v} for v in LIKE_VALUES], ids)
    yield store
    store.close()


# async only: @pytest.mark.asyncio
def test_like_and_ilike_agree_with_the_reference_on_every_backend(words: VectorStore) -> None:
    # Wildcards, escapes, GLOB's own metacharacters, newlines and non-ASCII letters:
    # $ilike folds A-Z only, so "École" and "école" differ on every backend.
    for pattern in PATTERNS:
        for op in ("$like", "$ilike"):
            spec = {"s": {op: pattern}}
            node = parse_filter(spec)
            want = [f"{i:02d}" for i, v in enumerate(LIKE_VALUES) if matches(node, {"s": v})]
            assert [d.id for d in words.iter_documents(spec)] == want, spec
    assert words.count({"s": {"$ilike": "école"}}) == 1
    assert words.count({"s": {"$ilike": "AB"}}) == 2


# This file was generated by unawait from the source below; do not edit it.
# tests/_async/test_metadata_filters.py
# Edit the source and regenerate with:
# nox -s codegen
