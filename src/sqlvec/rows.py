"""Argument checks and write batches shared by the async and sync stores (no I/O)."""

from __future__ import annotations

import math
import uuid
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from .errors import InvalidArgumentError, InvalidMetadataError
from .models import Batch
from .text import text_problem
from .vectors import as_matrix

#: Batches this large are checked and converted off the event loop by the async store.
OFFLOAD_ROWS = 256

#: How deep objects and lists may nest in one document's metadata ({"a": {"b": [1]}} is 3).
MAX_METADATA_DEPTH = 64

#: The largest vector_dimension of a collection: pgvector's limit, applied on every backend.
MAX_DIMENSION = 16_000

_BARE = (str, bytes, bytearray, memoryview)


def new_id() -> str:
    """A fresh document id."""
    return str(uuid.uuid4())


def check_positive(name: str, value: object) -> int:
    """value if it is a positive int (k, batch_size, dimension), else InvalidArgumentError."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InvalidArgumentError(f"{name} must be a positive int, got {value!r}", value)
    return value


def check_count(name: str, value: object) -> int:
    """value if it is an int >= 0 (k of a search: 0 asks for no hits), else InvalidArgumentError."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidArgumentError(f"{name} must be an int >= 0, got {value!r}", value)
    return value


def check_dimension(value: object) -> int:
    """value if it is a collection dimension every backend accepts (1..MAX_DIMENSION)."""
    dimension = check_positive("vector_dimension", value)
    if dimension > MAX_DIMENSION:
        raise InvalidArgumentError(
            f"vector_dimension is {dimension}; the limit is {MAX_DIMENSION} (pgvector's, the same on every backend)",
            dimension,
        )
    return dimension


def check_sequence(name: str, value: object, of: str) -> None:
    """Refuse a bare str/bytes (or a dict) where a list belongs: iterating it would split it
    into characters (or keys), and `add_texts("hello")` would store five documents."""
    if isinstance(value, _BARE):
        shown = value if isinstance(value, (str, bytes)) else bytes(value)
        raise InvalidArgumentError(
            f"{name} must be a list of {of}, got a bare {type(value).__name__} {shown[:60]!r}; "
            f"wrap a single one in a list: {name}=[...]",
            value,
        )
    if isinstance(value, Mapping):
        raise InvalidArgumentError(f"{name} must be a list of {of}, got a {type(value).__name__}", value)


def check_text(name: str, value: object) -> str:
    """value if it is a str every backend stores as given (no NUL, no lone surrogate)."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a str, got {type(value).__name__} {value!r}", value)
    # ASCII text cannot hold a surrogate: only the NUL test is left (the common case, cheap).
    problem = ("contains a NUL character" if "\x00" in value else None) if value.isascii() else text_problem(value)
    if problem is not None:
        raise InvalidArgumentError(f"{name} {problem}", value)
    return value


def check_ids(ids: Iterable[str], name: str = "ids") -> List[str]:
    """ids as a list of non-empty strings every backend stores."""
    if type(ids) is not list:  # a list is the common case of this hot path: skip the checks
        check_sequence(name, ids, "str ids")
    checked = list(ids)
    for i, id_ in enumerate(checked):
        if type(id_) is str and id_ and id_.isascii() and "\x00" not in id_:
            continue
        if not isinstance(id_, str) or not id_:
            raise InvalidArgumentError(f"ids must be non-empty str, got {id_!r}", id_)
        check_text(f"{name}[{i}]", id_)
    return checked


def _metadata_error(where: str, path: Tuple[Any, ...], message: str, value: Any) -> InvalidMetadataError:
    location = where + "".join(f"[{segment!r}]" for segment in path)
    return InvalidMetadataError(f"{location}: {message}", value)


def _check_metadata(metadata: object, where: str = "metadata") -> Dict[str, Any]:
    """metadata if it is a JSON object every backend stores alike, else InvalidMetadataError.

    One iterative walk (no recursion, so no RecursionError however deep the input): keys
    must be str (JSON would turn 1 into "1" silently), strings must pass text_problem,
    numbers be finite, nesting stay within MAX_METADATA_DEPTH (which also ends cycles).
    """
    if not isinstance(metadata, dict):
        raise InvalidMetadataError(f"{where} must be a dict, got {type(metadata).__name__}", metadata)
    stack: List[Tuple[Any, int, Tuple[Any, ...]]] = [(metadata, 1, ())]
    while stack:
        node, depth, path = stack.pop()
        if depth > MAX_METADATA_DEPTH:
            raise _metadata_error(
                where, path, f"nests deeper than {MAX_METADATA_DEPTH} levels (sqlvec.rows.MAX_METADATA_DEPTH)", depth
            )
        items: Iterable[Tuple[Any, Any]]
        if isinstance(node, dict):
            for key in node:
                if not isinstance(key, str):
                    raise _metadata_error(
                        where, path, f"key {key!r} is a {type(key).__name__}; metadata keys must be str", key
                    )
                if not key.isascii() or "\x00" in key:
                    problem = text_problem(key)
                    if problem is not None:
                        raise _metadata_error(where, path, f"key {key[:60]!r} {problem}", key)
            items = node.items()
        else:
            items = enumerate(node)
        for key, value in items:
            if isinstance(value, str):
                if not value.isascii() or "\x00" in value:
                    problem = text_problem(value)
                    if problem is not None:
                        raise _metadata_error(where, (*path, key), f"the string {value[:60]!r} {problem}", value)
            elif isinstance(value, (dict, list, tuple)):
                stack.append((value, depth + 1, (*path, key)))
            elif isinstance(value, float):
                if not math.isfinite(value):
                    raise _metadata_error(where, (*path, key), f"{value!r} is not a finite number", value)
            elif value is not None and not isinstance(value, (bool, int)):
                raise _metadata_error(
                    where, (*path, key), f"a {type(value).__name__} is not JSON-serialisable: {value!r}", value
                )
    return metadata


class Rows:
    """Checked texts, ids (assigned where missing) and metadata, waiting for their vectors."""

    __slots__ = ("ids", "metadatas", "texts")

    def __init__(self, texts: List[str], ids: List[str], metadatas: List[Dict[str, Any]]) -> None:
        self.texts = texts
        self.ids = ids
        self.metadatas = metadatas

    def __len__(self) -> int:
        return len(self.texts)

    def with_vectors(self, vectors: Any) -> Batch:
        """The write batch, once every text has its vector."""
        matrix = as_matrix(vectors)
        if matrix.shape[0] != len(self.texts):
            raise InvalidArgumentError(f"got {len(self.texts)} texts but {matrix.shape[0]} vectors", matrix.shape)
        return Batch(ids=self.ids, contents=self.texts, metadatas=self.metadatas, embeddings=matrix)


def prepare_rows(
    texts: Iterable[str],
    metadatas: Optional[Sequence[Optional[Dict[str, Any]]]] = None,
    ids: Optional[Sequence[Optional[str]]] = None,
) -> Rows:
    """Check lengths, texts and metadata, and assign ids where none was given.

    Every row is checked before anything is written, so a bad row fails the whole batch.
    """
    check_sequence("texts", texts, "str")
    check_sequence("metadatas", metadatas, "dicts (one per text)")
    check_sequence("ids", ids, "str ids (one per text)")
    texts = list(texts)
    n = len(texts)
    for i, text in enumerate(texts):
        check_text(f"texts[{i}]", text)
    if metadatas is not None and len(metadatas) != n:
        raise InvalidArgumentError(f"got {n} texts but {len(metadatas)} metadatas", metadatas)
    if ids is not None and len(ids) != n:
        raise InvalidArgumentError(f"got {n} texts but {len(ids)} ids", ids)
    assigned = check_ids([new_id() if id_ is None else id_ for id_ in (ids or [None] * n)])
    metas = [{} if m is None else _check_metadata(m, f"metadatas[{i}]") for i, m in enumerate(metadatas or [None] * n)]
    return Rows(texts, assigned, metas)
