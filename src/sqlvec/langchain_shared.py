"""What both halves of the LangChain class share: construction, Document and id conversion, relevance scores."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Type, TypeVar

from .documents import Document as SqlvecDocument
from .embeddings import Embeddings
from .errors import InvalidArgumentError, MissingExtraError
from .models import check_distance

try:
    from langchain_core.documents import Document
    from langchain_core.vectorstores import VectorStore as LangChainVectorStore
except ImportError as exc:
    raise MissingExtraError("langchain", "langchain-core", "sqlvec.langchain") from exc

from ._async.engine import AsyncEngine
from ._async.vectorstore import AsyncVectorStore
from ._sync.engine import Engine
from ._sync.vectorstore import VectorStore

__all__ = [
    "Document",
    "LangChainShared",
    "coerce_id",
    "coerce_ids",
    "relevance_score_fn",
    "search_filter",
    "to_langchain",
]

#: LangChain's relevance functions for sqlvec's distances (lower is closer): cosine is
#: 1 - cos, l2 the Euclidean distance (unit vectors: 0..sqrt 2), inner_product -(a . b).
_RELEVANCE: Dict[str, Callable[[float], float]] = {
    "cosine": LangChainVectorStore._cosine_relevance_score_fn,
    "l2": LangChainVectorStore._euclidean_relevance_score_fn,
    "inner_product": LangChainVectorStore._max_inner_product_relevance_score_fn,
}


def relevance_score_fn(distance: str) -> Callable[[float], float]:
    """LangChain's distance -> [0, 1] relevance function for one of sqlvec's distances."""
    return _RELEVANCE[check_distance(distance)]


def to_langchain(document: SqlvecDocument) -> Document:
    """A sqlvec Document as a LangChain one (same text, metadata and id)."""
    return Document(page_content=document.page_content, metadata=document.metadata, id=document.id)


def coerce_id(value: Any) -> Any:
    """An id as LangChain's Document.id would hold it: numbers become str, anything else is unchanged.

    sqlvec then rejects what is still not a non-empty str (InvalidArgumentError naming it).
    """
    # bool is an int, but Document.id refuses it: keep it, so that sqlvec names it as invalid.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def coerce_ids(ids: Optional[Sequence[Any]]) -> Optional[List[Any]]:
    """coerce_id for each id of a list (None stays None)."""
    if ids is None:
        return None
    if isinstance(ids, (str, bytes)):
        # One id where a list belongs would be split into characters.
        raise InvalidArgumentError(f"ids must be a list of ids, got {type(ids).__name__} {ids!r}", ids)
    return [coerce_id(id_) for id_ in ids]


def search_filter(kwargs: Dict[str, Any]) -> Optional[Mapping[str, Any]]:
    """The `filter` of a method's keyword arguments; any other keyword is refused rather than ignored."""
    unknown = sorted(name for name in kwargs if name != "filter")
    if unknown:
        names = ", ".join(unknown)
        raise InvalidArgumentError(
            f"unknown keyword argument(s) {names}: sqlvec's searches and delete take filter=", names
        )
    found: Optional[Mapping[str, Any]] = kwargs.get("filter")
    return found


def mmr_fetch_k(k: int, fetch_k: int) -> int:
    """fetch_k raised to k, as LangChain's stores do; values of the wrong type pass on for the store to refuse."""
    if isinstance(k, int) and isinstance(fetch_k, int) and not isinstance(k, bool) and fetch_k < k:
        return k
    return fetch_k


_Shared = TypeVar("_Shared", bound="LangChainShared")


class LangChainShared:
    """Construction and state of the LangChain class: a sync store, an async store, or both, over one collection."""

    _store: Optional[VectorStore]
    _astore: Optional[AsyncVectorStore]
    #: The collection's distance once known (set by init_collection or the first relevance search).
    _distance: Optional[str]

    def __init__(
        self,
        embedding: Embeddings,
        *,
        collection_name: str = "langchain",
        engine: Optional[Engine] = None,
        async_engine: Optional[AsyncEngine] = None,
    ) -> None:
        if engine is None and async_engine is None:
            raise InvalidArgumentError("pass engine= (sync methods), async_engine= (async methods) or both")
        self._embedding = embedding
        self._store = None if engine is None else VectorStore(engine, embedding, collection_name)
        self._astore = None if async_engine is None else AsyncVectorStore(async_engine, embedding, collection_name)
        self._distance = None
        #: Engines this object opened (from_url), closed by close() / aclose().
        self._owns_engines = False

    @property
    def collection_name(self) -> str:
        """The collection (table) this store reads and writes."""
        store = self._store if self._store is not None else self._astore
        assert store is not None  # __init__ requires one
        return store.collection_name

    @classmethod
    def from_url(
        cls: Type[_Shared], url: str, embedding: Embeddings, *, collection_name: str = "langchain", **options: Any
    ) -> _Shared:
        """A store over a sync and an async engine for one database URL (no I/O until first use).

        Both engines are this object's: close() closes the sync one, aclose() the async one.
        `options` go to both `Engine.from_url` and `AsyncEngine.from_url`.
        """
        store = cls(embedding, collection_name=collection_name, **cls._engines_from_url(url, **options))
        store._owns_engines = True
        return store

    @staticmethod
    def _engines_from_url(url: str, **options: Any) -> Dict[str, Any]:
        """A sync and an async engine for one database URL (no I/O until first use)."""
        if ":memory:" in url:
            # Each engine would get an empty database of its own: writes of one half would
            # be invisible to the other.
            raise InvalidArgumentError(
                f"{url!r}: an in-memory database is private to one engine, and from_url opens two (sync and async); "
                "use a file, or pass engine= or async_engine= to the constructor",
                url,
            )
        return {"engine": Engine.from_url(url, **options), "async_engine": AsyncEngine.from_url(url, **options)}

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        """LangChain's hook: the relevance function of the collection's distance."""
        if self._distance is None:
            # Only reached by calling the hook directly: the relevance searches load the distance first.
            raise InvalidArgumentError(
                "the collection's distance is not known yet: call init_collection(...) or a relevance search first"
            )
        return relevance_score_fn(self._distance)
