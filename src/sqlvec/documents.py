"""The Document model: text, metadata and id, as stored and returned by every backend."""

from __future__ import annotations

from typing import Any, Dict, Optional


class Document:
    """A piece of text with its metadata and (once stored) its id."""

    __slots__ = ("id", "metadata", "page_content")

    def __init__(
        self,
        page_content: str,
        metadata: Optional[Dict[str, Any]] = None,
        id: Optional[str] = None,
    ) -> None:
        self.page_content = page_content
        self.metadata: Dict[str, Any] = {} if metadata is None else metadata
        self.id = id

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return self.page_content == other.page_content and self.metadata == other.metadata and self.id == other.id

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass with eq

    def __repr__(self) -> str:
        return f"Document(page_content={self.page_content!r}, metadata={self.metadata!r}, id={self.id!r})"
