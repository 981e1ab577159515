"""The embeddings protocol (LangChain's, duck-typed) and HashEmbedding, a deterministic one."""

from __future__ import annotations

import asyncio
import re
import zlib
from typing import List, Protocol, Sequence, Tuple

import numpy as np

from .errors import InvalidArgumentError

_WORD = re.compile(r"\w+", re.UNICODE)
# Above this many texts, the async methods hash in a worker thread to keep the loop free.
_INLINE_LIMIT = 64


class Embeddings(Protocol):
    """What a vector store needs from an embedding model (LangChain's Embeddings shape)."""

    def embed_documents(self, texts: List[str]) -> List[List[float]]:
        """One vector per text."""
        ...

    def embed_query(self, text: str) -> List[float]:
        """The vector of a query."""
        ...

    async def aembed_documents(self, texts: List[str]) -> List[List[float]]:
        """One vector per text, without blocking the event loop."""
        ...

    async def aembed_query(self, text: str) -> List[float]:
        """The vector of a query, without blocking the event loop."""
        ...


class HashEmbedding:
    """Deterministic feature-hashing embeddings for tests and examples; no model, no network.

    Each lower-cased word and each character trigram of a word (with boundary marks) is
    hashed (CRC-32, stable across processes) to a signed component; the sum is scaled to
    unit length. Texts that share words or word pieces get nearby vectors.
    """

    def __init__(self, dimension: int = 256) -> None:
        if not isinstance(dimension, int) or isinstance(dimension, bool) or dimension <= 0:
            raise InvalidArgumentError(f"dimension must be a positive int, got {dimension!r}", dimension)
        self.dimension = dimension

    def __repr__(self) -> str:
        return f"HashEmbedding(dimension={self.dimension})"

    def _features(self, text: str) -> List[Tuple[bytes, float]]:
        # Words weigh more than their trigrams; the prefixes keep the two kinds apart.
        features: List[Tuple[bytes, float]] = []
        for word in _WORD.findall(text.lower()):
            features.append((f"w:{word}".encode(), 1.0))
            marked = f"<{word}>"
            features.extend((f"g:{marked[i : i + 3]}".encode(), 0.5) for i in range(len(marked) - 2))
        return features

    def _vector(self, text: str) -> List[float]:
        if not isinstance(text, str):
            raise InvalidArgumentError(f"texts must be str, got {type(text).__name__}", text)
        vector = np.zeros(self.dimension, dtype=np.float64)
        for feature, weight in self._features(text):
            h = zlib.crc32(feature)
            # Bit 31 picks the sign so that collisions cancel out on average.
            vector[h % self.dimension] += -weight if h & 0x80000000 else weight
        norm = float(np.linalg.norm(vector))
        if norm > 0:
            vector /= norm
        return [float(x) for x in vector.astype(np.float32)]

    def embed_documents(self, texts: Sequence[str]) -> List[List[float]]:
        """One unit vector per text."""
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> List[float]:
        """The unit vector of one text."""
        return self._vector(text)

    async def aembed_documents(self, texts: Sequence[str]) -> List[List[float]]:
        """embed_documents; large batches are hashed in a worker thread."""
        if len(texts) <= _INLINE_LIMIT:
            return self.embed_documents(texts)
        return await asyncio.to_thread(self.embed_documents, list(texts))

    async def aembed_query(self, text: str) -> List[float]:
        """embed_query (a single text is cheap enough to hash on the loop)."""
        return self._vector(text)
