"""The async API of sqlvec, written by hand; `sqlvec._sync` is generated from it."""

from __future__ import annotations

from .engine import AsyncEngine
from .vectorstore import AsyncVectorStore

__all__ = ["AsyncEngine", "AsyncVectorStore"]
