"""Argument checks and write batches shared by the async and sync stores (no I/O)."""

from __future__ import annotations

import json
import uuid
from typing import Any, Dict, Iterable, List, Optional, Sequence

from .errors import InvalidArgumentError, InvalidMetadataError
from .models import Batch
from .vectors import as_matrix

#: Batches this large are checked and converted off the event loop by the async store.
OFFLOAD_ROWS = 256


def new_id() -> str:
    """A fresh document id."""
    return str(uuid.uuid4())


def check_positive(name: str, value: object) -> int:
    """value if it is a positive int (k, batch_size, dimension), else InvalidArgumentError."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InvalidArgumentError(f"{name} must be a positive int, got {value!r}", value)
    return value


def check_ids(ids: Iterable[str]) -> List[str]:
    """ids as a list of non-empty strings."""
    checked = list(ids)
    for id_ in checked:
        if not isinstance(id_, str) or not id_:
            raise InvalidArgumentError(f"ids must be non-empty str, got {id_!r}", id_)
    return checked


def _check_metadata(metadata: object) -> Dict[str, Any]:
    if not isinstance(metadata, dict):
        raise InvalidMetadataError(f"metadata must be a dict, got {type(metadata).__name__}", metadata)
    try:
        json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidMetadataError(f"metadata is not JSON-serialisable: {exc}", metadata) from None
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
    """Check lengths, texts and metadata, and assign ids where none was given."""
    texts = list(texts)
    n = len(texts)
    for text in texts:
        if not isinstance(text, str):
            raise InvalidArgumentError(f"texts must be str, got {type(text).__name__}", text)
    if metadatas is not None and len(metadatas) != n:
        raise InvalidArgumentError(f"got {n} texts but {len(metadatas)} metadatas", metadatas)
    if ids is not None and len(ids) != n:
        raise InvalidArgumentError(f"got {n} texts but {len(ids)} ids", ids)
    assigned = check_ids(new_id() if id_ is None else id_ for id_ in (ids or [None] * n))
    metas = [{} if m is None else _check_metadata(m) for m in (metadatas or [None] * n)]
    return Rows(texts, assigned, metas)
