"""Typed errors raised by sqlvec: one base class, each subclass carries the offending value."""

from __future__ import annotations

from typing import Any


class SqlvecError(Exception):
    """Base class of every error sqlvec raises on purpose."""


class InvalidArgumentError(SqlvecError, ValueError):
    """An argument has a value no method accepts (k <= 0, mismatched lengths, ...)."""

    def __init__(self, message: str, value: Any = None) -> None:
        super().__init__(message)
        self.value = value


class DimensionMismatchError(SqlvecError, ValueError):
    """A vector's length differs from the collection's dimension."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"vector has dimension {actual}, the collection expects {expected}")
        self.expected = expected
        self.actual = actual
        self.value = actual


class NonFiniteVectorError(SqlvecError, ValueError):
    """A vector holds NaN or +/-inf (after conversion to float32)."""

    def __init__(self, row: int, value: float) -> None:
        super().__init__(f"vector {row} holds a non-finite value {value!r} (NaN and inf are refused)")
        self.row = row
        self.value = value


class UnknownDistanceError(SqlvecError, ValueError):
    """A distance name that is not one of cosine, l2, inner_product."""

    def __init__(self, distance: object) -> None:
        super().__init__(f"unknown distance {distance!r}; expected one of 'cosine', 'l2', 'inner_product'")
        self.value = distance


class InvalidFilterError(SqlvecError, ValueError):
    """A metadata filter that cannot be compiled; `value` is the offending part."""

    def __init__(self, message: str, value: Any = None) -> None:
        super().__init__(message)
        self.value = value


class UnknownFilterOperatorError(InvalidFilterError):
    """A `$operator` that filters do not support."""

    def __init__(self, operator: str) -> None:
        super().__init__(
            f"unknown filter operator {operator!r}; supported: $eq $ne $lt $lte $gt $gte $in $nin $like $ilike $exists $between $and $or $not",
            operator,
        )


class FilterTypeError(InvalidFilterError, TypeError):
    """A filter operand of a type its operator does not accept."""


class FilterLimitError(InvalidFilterError):
    """A filter past one of the documented limits of `sqlvec.filters` (depth, conditions, list size, pattern length).

    `value` is the offending size and `limit` the limit, so a service can tell its user
    exactly how far over they are; nothing was sent to the database.
    """

    def __init__(self, what: str, size: int, limit: int, setting: str) -> None:
        super().__init__(f"{what} is {size}; the limit is {limit} (sqlvec.filters.{setting})", size)
        self.limit = limit


class TextIndexMissingError(SqlvecError, LookupError):
    """Keyword or hybrid search on a collection that has no full-text index yet."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"collection {name!r} has no full-text index; build one with "
            "store.apply_text_index(language) (async: aapply_text_index), or create the "
            "collection with init_vectorstore_table(..., text_search=language)"
        )
        self.value = name


class TextSearchUnsupportedError(SqlvecError, RuntimeError):
    """The backend cannot run keyword search (CockroachDB; an SQLite built without FTS5)."""

    def __init__(self, backend: str, reason: str) -> None:
        super().__init__(f"keyword and hybrid search are not available on {backend}: {reason}")
        self.value = backend


class InvalidMetadataError(SqlvecError, ValueError):
    """Metadata that is not a JSON object of JSON-serialisable values."""

    def __init__(self, message: str, value: Any = None) -> None:
        super().__init__(message)
        self.value = value


class InvalidIdentifierError(SqlvecError, ValueError):
    """A table or collection name that is not a safe SQL identifier."""

    def __init__(self, name: object, reason: str) -> None:
        super().__init__(f"invalid identifier {name!r}: {reason}")
        self.value = name


class InvalidURLError(SqlvecError, ValueError):
    """A database URL sqlvec cannot open."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"invalid database URL {url!r}: {reason}")
        self.value = url


class CollectionNotFoundError(SqlvecError, LookupError):
    """The collection (table) was never initialised or has been dropped."""

    def __init__(self, name: str) -> None:
        super().__init__(f"collection {name!r} does not exist; create it with init_vectorstore_table()")
        self.value = name


class CollectionExistsError(SqlvecError):
    """The collection exists and the caller asked for it not to (if_not_exists=False)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"collection {name!r} already exists")
        self.value = name


class CollectionMismatchError(SqlvecError, ValueError):
    """The collection exists with another dimension or distance than requested."""

    def __init__(self, name: str, field: str, existing: object, requested: object) -> None:
        super().__init__(f"collection {name!r} exists with {field}={existing!r}, not {requested!r}")
        self.value = requested
        self.existing = existing


class ClosedError(SqlvecError, RuntimeError):
    """Use of an engine or store after it was closed."""


class EngineClosedError(ClosedError):
    """The engine (and its connection) has been closed."""

    def __init__(self, what: str = "engine") -> None:
        super().__init__(f"the {what} is closed")
        self.value = what


class StoreClosedError(ClosedError):
    """The vector store has been closed."""

    def __init__(self, collection: str) -> None:
        super().__init__(f"the vector store for collection {collection!r} is closed")
        self.value = collection


class MissingExtraError(SqlvecError, ImportError):
    """A feature needs an optional dependency that is not installed."""

    def __init__(self, extra: str, package: str, feature: str) -> None:
        super().__init__(f"{feature} needs the optional package {package!r}: pip install 'sqlvec[{extra}]'")
        self.extra = extra
        self.package = package
        self.value = package
