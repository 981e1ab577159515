"""sqlvec: a vector store client with an async API and its generated sync twin."""

from __future__ import annotations

from .documents import Document
from .errors import SqlvecError

__all__ = ["Document", "SqlvecError"]
