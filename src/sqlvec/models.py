"""Plain data passed between the stores and the backend drivers: collections, batches, indexes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import numpy.typing as npt

from .errors import InvalidArgumentError, UnknownDistanceError

#: The distances every backend supports; search scores are distances (lower is closer):
#: cosine -> 1 - cos(a, b), l2 -> Euclidean distance, inner_product -> -(a . b).
DISTANCES: Tuple[str, ...] = ("cosine", "l2", "inner_product")

Float32Array = npt.NDArray[np.float32]
Int64Array = npt.NDArray[np.int64]


def check_distance(distance: object) -> str:
    """Return the distance name unchanged, or raise UnknownDistanceError."""
    if not isinstance(distance, str) or distance not in DISTANCES:
        raise UnknownDistanceError(distance)
    return distance


@dataclass(frozen=True)
class IndexSpec:
    """An approximate vector index to build; backends ignore the options that do not apply.

    kind: "hnsw" on every backend; "ivfflat" on PostgreSQL.
    m / ef_construction: HNSW graph degree and build breadth.
    ef_search: HNSW search breadth (recall against speed).
    lists: IVFFlat list count (PostgreSQL only).
    """

    kind: str = "hnsw"
    m: int = 16
    ef_construction: int = 64
    ef_search: int = 64
    lists: Optional[int] = None

    def __post_init__(self) -> None:
        if self.kind not in ("hnsw", "ivfflat"):
            raise InvalidArgumentError(f"unknown index kind {self.kind!r}; expected 'hnsw' or 'ivfflat'", self.kind)
        for name in ("m", "ef_construction", "ef_search"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise InvalidArgumentError(f"{name} must be a positive int, got {value!r}", value)
        if self.lists is not None and (not isinstance(self.lists, int) or self.lists <= 0):
            raise InvalidArgumentError(f"lists must be a positive int, got {self.lists!r}", self.lists)

    def to_dict(self) -> Dict[str, Any]:
        """The spec as JSON-ready data (stored beside the collection)."""
        return {
            "kind": self.kind,
            "m": self.m,
            "ef_construction": self.ef_construction,
            "ef_search": self.ef_search,
            "lists": self.lists,
        }

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> IndexSpec:
        """The inverse of to_dict."""
        return cls(**data)


@dataclass(frozen=True)
class CollectionInfo:
    """What a backend knows about one collection: its shape and its index, if any."""

    name: str
    dimension: int
    distance: str
    index: Optional[IndexSpec] = None


@dataclass(frozen=True)
class Batch:
    """Rows to upsert atomically, column by column; all columns have the same length.

    embeddings is a C-contiguous float32 matrix of shape (len(ids), dimension), already
    validated (finite, right dimension); metadatas are JSON-serialisable dicts.
    """

    ids: List[str]
    contents: List[str]
    metadatas: List[Dict[str, Any]]
    embeddings: Float32Array = field(repr=False)

    def __len__(self) -> int:
        return len(self.ids)
