"""sqlvec: a vector store client with an async API and its generated sync twin."""

from __future__ import annotations

from ._async import AsyncEngine, AsyncVectorStore
from ._sync import Engine, VectorStore
from .documents import Document
from .embeddings import Embeddings, HashEmbedding
from .errors import (
    ClosedError,
    CollectionExistsError,
    CollectionMismatchError,
    CollectionNotFoundError,
    DimensionMismatchError,
    EngineClosedError,
    FilterLimitError,
    FilterTypeError,
    InvalidArgumentError,
    InvalidFilterError,
    InvalidIdentifierError,
    InvalidMetadataError,
    InvalidURLError,
    MissingExtraError,
    NonFiniteVectorError,
    SqlvecError,
    StoreClosedError,
    TextIndexMissingError,
    TextSearchUnsupportedError,
    UnknownDistanceError,
    UnknownFilterOperatorError,
)
from .models import IndexSpec

__all__ = [
    "AsyncEngine",
    "AsyncVectorStore",
    "ClosedError",
    "CollectionExistsError",
    "CollectionMismatchError",
    "CollectionNotFoundError",
    "DimensionMismatchError",
    "Document",
    "Embeddings",
    "Engine",
    "EngineClosedError",
    "FilterLimitError",
    "FilterTypeError",
    "HashEmbedding",
    "IndexSpec",
    "InvalidArgumentError",
    "InvalidFilterError",
    "InvalidIdentifierError",
    "InvalidMetadataError",
    "InvalidURLError",
    "MissingExtraError",
    "NonFiniteVectorError",
    "SqlvecError",
    "StoreClosedError",
    "TextIndexMissingError",
    "TextSearchUnsupportedError",
    "UnknownDistanceError",
    "UnknownFilterOperatorError",
    "VectorStore",
]
__version__ = "0.1.0"
