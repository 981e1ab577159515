"""Metadata filters: parsing the user's dict into a small tree, and compiling it per SQL dialect.

Grammar (MongoDB-like, as in LangChain's vector stores):
    {"key": value}                        equality; several keys are ANDed
    {"key": {"$op": operand, ...}}        $eq $ne $lt $lte $gt $gte $in $nin $like $ilike
                                          $exists $between; several ops ANDed
    {"$and": [f, ...]}, {"$or": [f, ...]}, {"$not": f}
Keys may be dotted paths into nested objects ("author.name"). Operands are str, int,
float (finite) or bool; $in/$nin take a list of them; bools only support equality.

- $like / $ilike: the value is a string matching the whole pattern, in which `%` is any
  run of characters (also none), `_` exactly one character, and a backslash makes the
  next `%`, `_` or backslash literal (any other use of a backslash is refused). $ilike
  ignores the case of the ASCII letters A-Z only, on every backend: "É" and "é" differ.
- $exists: true matches when the key is present (with any value, JSON null included),
  false when it is not.
- $between: [lo, hi] is $gte lo and $lte hi: inclusive, both numbers or both strings
  (compared by code point), and lo > hi matches nothing.

Logic is two-valued: a comparison on a missing key (or a value of another JSON type) is
false, never unknown, so $ne, $nin and $not are exact complements of $eq, $in and their
operand. Every operand becomes a bound parameter; no value is ever part of the SQL text.

Limits, the same on every backend and checked before any SQL is built (FilterLimitError,
an InvalidFilterError, names the size and the limit): $and/$or/$not nest at most
MAX_FILTER_DEPTH deep, a filter holds at most MAX_FILTER_CONDITIONS field conditions, a
$in/$nin list at most MAX_IN_VALUES values, and a dotted key at most MAX_KEY_SEGMENTS
parts. They keep every filter inside what both databases parse and bind (SQLite's parser
stack and expression depth, the 32,766 and 65,535 bound-parameter limits) and keep its
cost on the server bounded: a $in list is one parameter, whatever its length.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from .errors import FilterLimitError, FilterTypeError, InvalidFilterError, UnknownFilterOperatorError
from .text import text_problem

Scalar = Union[str, int, float, bool]

COMPARISONS = ("$eq", "$lt", "$lte", "$gt", "$gte")
_OPERATORS = frozenset(
    ("$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$in", "$nin", "$like", "$ilike", "$exists", "$between")
)
_LOGICAL = frozenset(("$and", "$or", "$not"))
_KEY_SEGMENT = re.compile(r"[A-Za-z0-9_\-]+")
_INT64 = (-(2**63), 2**63 - 1)

#: How deep $and, $or and $not may nest ({"$not": {"a": 1}} has depth 1).
MAX_FILTER_DEPTH = 32
#: Field conditions in one filter: each `{"key": value}` and each `$operator` on a key.
MAX_FILTER_CONDITIONS = 1000
#: Values in one $in or $nin list.
MAX_IN_VALUES = 10_000
#: Parts of one dotted key ("a.b.c" has 3).
MAX_KEY_SEGMENTS = 16
#: Characters in one $like / $ilike pattern (well inside SQLite's 50,000-byte pattern limit,
#: also after $ilike spells each ASCII letter as a class of two on SQLite).
MAX_PATTERN_LENGTH = 1000


@dataclass(frozen=True)
class Compare:
    """key op value, with op one of $eq $lt $lte $gt $gte."""

    key: Tuple[str, ...]
    op: str
    value: Scalar


@dataclass(frozen=True)
class In:
    """key's value is one of values (an empty tuple matches nothing)."""

    key: Tuple[str, ...]
    values: Tuple[Scalar, ...]


@dataclass(frozen=True)
class Exists:
    """key is present (with any value, null included)."""

    key: Tuple[str, ...]


@dataclass(frozen=True)
class Like:
    """key's value is a string matching the $like pattern (ASCII case ignored if ignore_case)."""

    key: Tuple[str, ...]
    pattern: str
    ignore_case: bool


@dataclass(frozen=True)
class And:
    """Every child matches."""

    children: Tuple[Filter, ...]


@dataclass(frozen=True)
class Or:
    """At least one child matches."""

    children: Tuple[Filter, ...]


@dataclass(frozen=True)
class Not:
    """The child does not match."""

    child: Filter


Filter = Union[Compare, In, Exists, Like, And, Or, Not]


def parse_filter(spec: Optional[Mapping[str, Any]]) -> Optional[Filter]:
    """Validate a filter dict into a Filter tree; None or {} means "match everything"."""
    if spec is None:
        return None
    if not isinstance(spec, Mapping):
        raise FilterTypeError(f"a filter must be a dict, got {type(spec).__name__}", spec)
    if not spec:
        return None
    return _Parser().mapping(spec, 0)


class _Parser:
    """One filter's parse: counts its conditions against MAX_FILTER_CONDITIONS as it goes."""

    def __init__(self) -> None:
        self.conditions = 0

    def _count(self, n: int) -> None:
        self.conditions += n
        if self.conditions > MAX_FILTER_CONDITIONS:
            raise FilterLimitError(
                "the number of field conditions", self.conditions, MAX_FILTER_CONDITIONS, "MAX_FILTER_CONDITIONS"
            )

    def mapping(self, spec: Mapping[str, Any], depth: int) -> Filter:
        if not isinstance(spec, Mapping):
            raise FilterTypeError(f"a filter must be a dict, got {type(spec).__name__}", spec)
        if not spec:
            raise InvalidFilterError("an empty filter is only allowed at the top level", spec)
        parts: List[Filter] = []
        for key, value in spec.items():
            if not isinstance(key, str):
                raise FilterTypeError(f"filter keys must be str, got {key!r}", key)
            if key.startswith("$"):
                parts.append(self.logical(key, value, depth + 1))
            else:
                parts.append(self.field(_parse_key(key), value))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def logical(self, op: str, operand: Any, depth: int) -> Filter:
        if op not in _LOGICAL:
            if op in _OPERATORS:
                raise InvalidFilterError(f"{op} must be applied to a field: {{'field': {{{op!r}: ...}}}}", op)
            raise UnknownFilterOperatorError(op)
        if depth > MAX_FILTER_DEPTH:
            # Checked before descending: a 100,000-deep filter costs 33 steps, not a RecursionError.
            raise FilterLimitError("the nesting depth of $and/$or/$not", depth, MAX_FILTER_DEPTH, "MAX_FILTER_DEPTH")
        if op == "$not":
            return Not(self.mapping(operand, depth))
        if not isinstance(operand, (list, tuple)):
            raise FilterTypeError(f"{op} takes a list of filters, got {operand!r}", operand)
        if not operand:
            raise InvalidFilterError(f"{op} takes a non-empty list of filters", operand)
        if len(operand) > MAX_FILTER_CONDITIONS:
            # Every filter in the list holds a condition at least: too many before parsing any.
            raise FilterLimitError(
                f"the number of filters in {op}", len(operand), MAX_FILTER_CONDITIONS, "MAX_FILTER_CONDITIONS"
            )
        children = tuple(self.mapping(child, depth) for child in operand)
        return And(children) if op == "$and" else Or(children)

    def field(self, key: Tuple[str, ...], condition: Any) -> Filter:
        if not isinstance(condition, Mapping):
            self._count(1)
            return Compare(key, "$eq", _check_scalar(condition, "$eq"))
        if not condition:
            raise InvalidFilterError(f"empty condition for key {'.'.join(key)!r}", condition)
        self._count(len(condition))
        parts: List[Filter] = []
        for op, operand in condition.items():
            if not isinstance(op, str) or not op.startswith("$"):
                raise InvalidFilterError(
                    f"expected $operators under key {'.'.join(key)!r}, got {op!r}; "
                    "nested objects are matched with dotted keys",
                    op,
                )
            if op not in _OPERATORS:
                raise UnknownFilterOperatorError(op)
            if op in ("$in", "$nin"):
                if not isinstance(operand, (list, tuple, set, frozenset)):
                    raise FilterTypeError(f"{op} takes a list, got {operand!r}", operand)
                if len(operand) > MAX_IN_VALUES:
                    raise FilterLimitError(
                        f"the number of values in {op} for key {'.'.join(key)!r}",
                        len(operand),
                        MAX_IN_VALUES,
                        "MAX_IN_VALUES",
                    )
                values = tuple(_check_scalar(v, op) for v in operand)
                node: Filter = In(key, values)
                parts.append(Not(node) if op == "$nin" else node)
            elif op == "$ne":
                parts.append(Not(Compare(key, "$eq", _check_scalar(operand, op))))
            elif op == "$exists":
                if not isinstance(operand, bool):
                    raise FilterTypeError(f"$exists takes true or false, got {operand!r}", operand)
                parts.append(Exists(key) if operand else Not(Exists(key)))
            elif op in ("$like", "$ilike"):
                parts.append(Like(key, _check_pattern(operand, op), op == "$ilike"))
            elif op == "$between":
                low, high = _check_range(operand, key)
                parts.append(And((Compare(key, "$gte", low), Compare(key, "$lte", high))))
            else:
                value = _check_scalar(operand, op)
                if isinstance(value, bool) and op != "$eq":
                    raise FilterTypeError(f"{op} does not apply to booleans", value)
                parts.append(Compare(key, op, value))
        return parts[0] if len(parts) == 1 else And(tuple(parts))


def _parse_key(key: str) -> Tuple[str, ...]:
    segments = tuple(key.split("."))
    if len(segments) > MAX_KEY_SEGMENTS:
        raise FilterLimitError(
            f"the number of parts of key {key[:80]!r}", len(segments), MAX_KEY_SEGMENTS, "MAX_KEY_SEGMENTS"
        )
    for segment in segments:
        if not _KEY_SEGMENT.fullmatch(segment):
            raise InvalidFilterError(
                f"invalid filter key {key!r}: use letters, digits, '_' or '-', with '.' between nested keys",
                key,
            )
    return segments


def _check_pattern(value: Any, op: str) -> str:
    """A $like / $ilike pattern: a str within MAX_PATTERN_LENGTH whose escapes are valid."""
    if not isinstance(value, str):
        raise FilterTypeError(f"{op} takes a str pattern, got {type(value).__name__} {value!r}", value)
    if len(value) > MAX_PATTERN_LENGTH:
        raise FilterLimitError(f"the length of the {op} pattern", len(value), MAX_PATTERN_LENGTH, "MAX_PATTERN_LENGTH")
    _check_scalar(value, op)  # NUL and lone surrogates
    like_tokens(value)
    return value


def _check_range(value: Any, key: Tuple[str, ...]) -> Tuple[Scalar, Scalar]:
    """The [lo, hi] of a $between: two numbers or two strings."""
    name = ".".join(key)
    if not isinstance(value, (list, tuple)):
        raise FilterTypeError(f"$between takes a list [low, high], got {value!r}", value)
    if len(value) != 2:
        raise InvalidFilterError(
            f"$between for key {name!r} takes exactly two values [low, high], got {len(value)}", value
        )
    low, high = (_check_scalar(v, "$between") for v in value)
    if isinstance(low, bool) or isinstance(high, bool):
        raise FilterTypeError("$between does not apply to booleans", value)
    if isinstance(low, str) != isinstance(high, str):
        raise FilterTypeError(f"$between for key {name!r} takes two numbers or two strings, got {value!r}", value)
    return low, high


class _Wildcard(str):
    """A pattern token that is a wildcard, not a literal character."""


#: `_` in a pattern (exactly one character) and `%` (any run of characters).
_ONE = _Wildcard("_ONE")
_MANY = _Wildcard("_MANY")


def like_tokens(pattern: str) -> List[str]:
    """The pattern as literal characters and the _ONE / _MANY wildcards; InvalidFilterError
    for a backslash that does not escape `%`, `_` or a backslash."""
    tokens: List[str] = []
    chars = iter(range(len(pattern)))
    for i in chars:
        char = pattern[i]
        if char == "\\":
            following = pattern[i + 1 : i + 2]
            if following not in ("%", "_", "\\"):
                raise InvalidFilterError(
                    f"pattern {pattern[:80]!r}: a backslash at {i} must be followed by %, _ or another backslash",
                    pattern,
                )
            tokens.append(following)
            next(chars)
        elif char == "%":
            if not (tokens and tokens[-1] is _MANY):  # %% is %: keeps the matching linear
                tokens.append(_MANY)
        elif char == "_":
            tokens.append(_ONE)
        else:
            tokens.append(char)
    return tokens


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(text: str) -> str:
    """text with A-Z lowered and every other character kept: $ilike's case rule."""
    return text.translate(_ASCII_LOWER)


def like_match(value: str, pattern: str, ignore_case: bool) -> bool:
    """Whether value matches a $like pattern: greedy with one backtrack point, O(len * len)."""
    tokens = like_tokens(pattern)
    if ignore_case:
        value = ascii_lower(value)
        tokens = [t if isinstance(t, _Wildcard) else ascii_lower(t) for t in tokens]
    i = j = 0
    star, mark = -1, 0
    while i < len(value):
        if j < len(tokens) and tokens[j] is not _MANY and (tokens[j] is _ONE or tokens[j] == value[i]):
            i, j = i + 1, j + 1
        elif j < len(tokens) and tokens[j] is _MANY:
            star, mark = j, i
            j += 1
        elif star >= 0:
            # The last % takes one more character; earlier ones never need to.
            mark += 1
            i, j = mark, star + 1
        else:
            return False
    while j < len(tokens) and tokens[j] is _MANY:
        j += 1
    return j == len(tokens)


def _check_scalar(value: Any, op: str) -> Scalar:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        problem = text_problem(value)
        if problem is not None:
            # No stored text can hold it (both backends refuse it on write): say so.
            raise FilterTypeError(f"{op}: the string {value[:80]!r} {problem}", value)
        return value
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise FilterTypeError(f"{op}: integer {value} does not fit in 64 bits", value)
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FilterTypeError(f"{op}: {value!r} is not a finite number", value)
        return value
    raise FilterTypeError(f"{op} takes a str, int, float or bool, got {type(value).__name__} {value!r}", value)


# -- evaluation in Python (the reference semantics the SQL compilers must agree with) --


def _lookup(metadata: Mapping[str, Any], key: Tuple[str, ...]) -> Tuple[bool, Any]:
    value: Any = metadata
    for segment in key:
        if not isinstance(value, Mapping) or segment not in value:
            return False, None
        value = value[segment]
    return True, value


def _same_kind(a: Any, b: Scalar) -> bool:
    if isinstance(b, bool):
        return isinstance(a, bool)
    if isinstance(b, str):
        return isinstance(a, str)
    return isinstance(a, (int, float)) and not isinstance(a, bool)


def _compare(actual: Any, op: str, expected: Scalar) -> bool:
    if not _same_kind(actual, expected):
        return False
    if op == "$eq":
        return bool(actual == expected)
    if op == "$lt":
        return bool(actual < expected)
    if op == "$lte":
        return bool(actual <= expected)
    if op == "$gt":
        return bool(actual > expected)
    return bool(actual >= expected)


def matches(node: Optional[Filter], metadata: Mapping[str, Any]) -> bool:
    """Whether metadata matches the filter, evaluated in Python."""
    if node is None:
        return True
    if isinstance(node, Compare):
        found, actual = _lookup(metadata, node.key)
        return found and _compare(actual, node.op, node.value)
    if isinstance(node, In):
        found, actual = _lookup(metadata, node.key)
        return found and any(_compare(actual, "$eq", v) for v in node.values)
    if isinstance(node, Exists):
        return _lookup(metadata, node.key)[0]
    if isinstance(node, Like):
        found, actual = _lookup(metadata, node.key)
        return found and isinstance(actual, str) and like_match(actual, node.pattern, node.ignore_case)
    if isinstance(node, And):
        return all(matches(child, metadata) for child in node.children)
    if isinstance(node, Or):
        return any(matches(child, metadata) for child in node.children)
    return not matches(node.child, metadata)


# -- compilation to SQL -------------------------------------------------------------


class FilterCompiler:
    """Walks a Filter tree into a boolean SQL expression plus its parameters.

    A dialect subclasses it and renders the leaves (`compare`, `in_`); each leaf must
    evaluate to true or false, never NULL, so that NOT stays an exact complement.
    """

    #: SQL for constant truth values in this dialect.
    true_sql = "1"
    false_sql = "0"

    def __init__(self, column: str = "metadata") -> None:
        self.column = column

    def compile(self, node: Optional[Filter]) -> Tuple[str, List[Any]]:
        """(sql, params) for a WHERE clause; None compiles to the dialect's true."""
        params: List[Any] = []
        if node is None:
            return self.true_sql, params
        # Heights are memoised per call: a compiler is shared by threads.
        return self._node(_normal_form(node, False), params, {}), params

    def _node(self, node: Filter, params: List[Any], heights: Dict[int, int]) -> str:
        if isinstance(node, Compare):
            return self.compare(node.key, node.op, node.value, params)
        if isinstance(node, In):
            if not node.values:
                return self.false_sql
            return self.in_(node.key, node.values, params)
        if isinstance(node, Exists):
            return self.exists(node.key, params)
        if isinstance(node, Like):
            return self.like(node.key, node.pattern, node.ignore_case, params)
        if isinstance(node, (And, Or)):
            # Deepest child first: SQLite's parser keeps every pending left operand on a
            # fixed-size stack, so a deep child on the left costs one entry per level
            # instead of three ("parser stack overflow" otherwise). AND/OR commute.
            children = sorted(node.children, key=lambda child: _height(child, heights), reverse=True)
            op = " AND " if isinstance(node, And) else " OR "
            return _join(op, [self._node(child, params, heights) for child in children])
        return f"(NOT {self._node(node.child, params, heights)})"

    def compare(self, key: Tuple[str, ...], op: str, value: Scalar, params: List[Any]) -> str:
        """SQL for `key op value`, appending its parameters."""
        raise NotImplementedError

    def in_(self, key: Tuple[str, ...], values: Tuple[Scalar, ...], params: List[Any]) -> str:
        """SQL for `key IN values` (values is non-empty), appending its parameters."""
        raise NotImplementedError

    def exists(self, key: Tuple[str, ...], params: List[Any]) -> str:
        """SQL for "key is present", appending its parameters."""
        raise NotImplementedError

    def like(self, key: Tuple[str, ...], pattern: str, ignore_case: bool, params: List[Any]) -> str:
        """SQL for "key's value is a string matching pattern", appending its parameters."""
        raise NotImplementedError


def _normal_form(node: Filter, negate: bool) -> Filter:
    """node (or NOT node) with NOT moved down to the leaves and And/Or nested in their own kind flattened.

    Exact because every leaf is two-valued (De Morgan). Each NOT and each nested AND/OR
    is a level of parentheses in the SQL, and SQLite's parser has room for about 100.
    """
    if isinstance(node, Not):
        return _normal_form(node.child, not negate)
    if isinstance(node, (And, Or)):
        kind = (Or if isinstance(node, And) else And) if negate else type(node)
        children: List[Filter] = []
        for child in node.children:
            child = _normal_form(child, negate)
            children.extend(child.children if isinstance(child, (And, Or)) and type(child) is kind else (child,))
        return kind(tuple(children))
    return Not(node) if negate else node


def _height(node: Filter, heights: Dict[int, int]) -> int:
    """How deep node's And/Or/Not nest (0 for a leaf), computed once per node of one tree."""
    known = heights.get(id(node))
    if known is None:
        if isinstance(node, (And, Or)):
            known = 1 + max(_height(child, heights) for child in node.children)
        elif isinstance(node, Not):
            known = 1 + _height(node.child, heights)
        else:
            known = 0
        heights[id(node)] = known
    return known


#: Terms joined in one flat run; longer lists are runs of runs (see _join).
_RUN = 32


def _join(op: str, parts: List[str]) -> str:
    """parts joined by op, as runs of at most _RUN terms.

    SQLite parses `a OR b OR c ...` into a tree as deep as the list is long and refuses
    depths past 1,000; runs keep it near len/_RUN + _RUN without nesting parentheses deeper.
    """
    if len(parts) > _RUN:
        parts = ["(" + op.join(parts[i : i + _RUN]) + ")" for i in range(0, len(parts), _RUN)]
    return "(" + op.join(parts) + ")"


_SQL_OPS: Dict[str, str] = {"$eq": "=", "$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}


def json_path(key: Tuple[str, ...]) -> str:
    """The SQLite JSON path of a parsed key: ("a", "b") -> '$."a"."b"'."""
    return "$" + "".join(f'."{segment}"' for segment in key)


class SQLiteFilterCompiler(FilterCompiler):
    """SQLite's JSON1 functions over a TEXT column of JSON objects.

    json_type() tells JSON true/false apart from the integers json_extract() returns for
    them, and is NULL for a missing path; `IS` and IFNULL keep every leaf two-valued.
    """

    def compare(self, key: Tuple[str, ...], op: str, value: Scalar, params: List[Any]) -> str:
        path = json_path(key)
        col = self.column
        if isinstance(value, bool):
            params.append(path)
            return f"(json_type({col}, ?) IS '{'true' if value else 'false'}')"
        params.extend((path, path, value))
        kind = "= 'text'" if isinstance(value, str) else "IN ('integer', 'real')"
        return f"(IFNULL(json_type({col}, ?), '') {kind} AND json_extract({col}, ?) {_SQL_OPS[op]} ?)"

    def in_(self, key: Tuple[str, ...], values: Tuple[Scalar, ...], params: List[Any]) -> str:
        # Strings and numbers are each one JSON array parameter, read once per statement by
        # json_each: the cost of a row does not grow with the list. Values of both sides
        # have no column affinity, so 1 = 1.0 and '1' <> 1, as in the reference semantics;
        # the json_type guard keeps true/false (which json_extract gives as 1/0) out.
        parts: List[str] = []
        strings = [v for v in values if isinstance(v, str)]
        numbers = [v for v in values if not isinstance(v, (str, bool))]
        bools = sorted({v for v in values if isinstance(v, bool)})
        path = json_path(key)
        col = self.column
        for group, kind in ((strings, "= 'text'"), (numbers, "IN ('integer', 'real')")):
            if group:
                params.extend((path, path, json.dumps(group, ensure_ascii=False)))
                parts.append(
                    f"(IFNULL(json_type({col}, ?), '') {kind} "
                    f"AND json_extract({col}, ?) IN (SELECT value FROM json_each(?)))"
                )
        for flag in bools:
            params.append(path)
            parts.append(f"(json_type({col}, ?) IS '{'true' if flag else 'false'}')")
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def exists(self, key: Tuple[str, ...], params: List[Any]) -> str:
        # json_type is 'null' for a JSON null and SQL NULL only for a missing path.
        params.append(json_path(key))
        return f"(json_type({self.column}, ?) IS NOT NULL)"

    def like(self, key: Tuple[str, ...], pattern: str, ignore_case: bool, params: List[Any]) -> str:
        path = json_path(key)
        params.extend((path, path, glob_pattern(pattern, ignore_case)))
        return f"(IFNULL(json_type({self.column}, ?), '') = 'text' AND json_extract({self.column}, ?) GLOB ?)"


def glob_pattern(pattern: str, ignore_case: bool) -> str:
    """A $like pattern as a SQLite GLOB pattern (GLOB is case-sensitive, whatever the build).

    SQLite's LIKE folds ASCII case always, and all of Unicode where ICU replaces it: GLOB
    gives one behaviour everywhere, and $ilike spells each ASCII letter as a class ([aA]).
    """
    out: List[str] = []
    for token in like_tokens(pattern):
        if token is _MANY:
            out.append("*")
        elif token is _ONE:
            out.append("?")
        elif token in ("*", "?", "["):
            out.append(f"[{token}]")
        elif ignore_case and token.isascii() and token.isalpha():
            out.append(f"[{token.lower()}{token.upper()}]")
        else:
            out.append(token)
    return "".join(out)


def like_pattern(pattern: str, ignore_case: bool) -> str:
    """A $like pattern as a SQL LIKE pattern escaped with backslashes (`LIKE ? ESCAPE '\\'`),
    ASCII-lowered for $ilike (the caller lowers the value the same way)."""
    out: List[str] = []
    for token in like_tokens(pattern):
        if token is _MANY:
            out.append("%")
        elif token is _ONE:
            out.append("_")
        elif token in ("%", "_", "\\"):
            out.append("\\" + token)
        else:
            out.append(ascii_lower(token) if ignore_case else token)
    return "".join(out)


def compile_sqlite(node: Optional[Filter], column: str = "metadata") -> Tuple[str, List[Any]]:
    """Compile a parsed filter for SQLite: (where_sql, params)."""
    return SQLiteFilterCompiler(column).compile(node)
