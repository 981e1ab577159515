"""SqlvecVectorStore: sqlvec as a LangChain VectorStore (`pip install 'sqlvec[langchain]'`).

Sync methods call the sync store on the caller's thread and async methods the async store
on the caller's event loop: no thread pool or event loop bridges the two. The async half is
written in `sqlvec/_async/langchain.py`, the sync half generated from it into
`sqlvec/_sync/langchain.py`; this class joins them.
"""

from __future__ import annotations

from typing import Optional

from .errors import MissingExtraError

try:
    from langchain_core.embeddings import Embeddings
    from langchain_core.vectorstores import VectorStore
except ImportError as exc:
    raise MissingExtraError("langchain", "langchain-core", "sqlvec.langchain") from exc

from ._async.langchain import AsyncLangChainMethods
from ._sync.langchain import LangChainMethods
from .langchain_shared import LangChainShared

__all__ = ["SqlvecVectorStore"]


class SqlvecVectorStore(AsyncLangChainMethods, LangChainMethods, LangChainShared, VectorStore):
    """A LangChain VectorStore over one sqlvec collection, on SQLite or PostgreSQL.

    Example::

        store = SqlvecVectorStore.from_url("sqlite:///rag.db", embeddings, collection_name="docs")
        store.init_collection(vector_dimension=256)
        store.add_texts(["a cat sat on the mat"], metadatas=[{"kind": "cat"}])
        docs = store.as_retriever(search_kwargs={"k": 1}).invoke("kitten")

    Scores of `similarity_search_with_score` are distances (lower is closer), as sqlvec
    returns them; `similarity_search_with_relevance_scores` maps them to [0, 1] by the
    collection's distance (cosine, l2, inner_product).
    """

    @property
    def embeddings(self) -> Optional[Embeddings]:
        """The embedding model if it is a LangChain Embeddings (None for another model, such as HashEmbedding)."""
        return self._embedding if isinstance(self._embedding, Embeddings) else None
