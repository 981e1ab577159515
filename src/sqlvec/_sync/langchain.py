"""One half of `sqlvec.langchain.SqlvecVectorStore`: LangChain's methods over one sqlvec store (async written, sync generated)."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Type, TypeVar

from langchain_core.documents import Document

from ..embeddings import Embeddings
from ..errors import InvalidArgumentError
from ..fusion import DEFAULT_KEYWORD_WEIGHT, DEFAULT_RRF_K
from ..langchain_shared import (
    LangChainShared,
    coerce_ids,
    mmr_fetch_k,
    relevance_score_fn,
    search_filter,
    to_langchain,
)
from .vectorstore import VectorStore

_Methods = TypeVar("_Methods", bound="LangChainMethods")


class LangChainMethods(LangChainShared):
    """LangChain's VectorStore methods over this half's sqlvec store, run on the caller's thread or event loop."""

    def _open(self) -> VectorStore:
        """The store these methods use; an error that says what to pass if there is none."""
        if self._store is None:
            # if True:  # ASYNC
            #     raise InvalidArgumentError(
            #         "this store has no async engine: build it with from_url(...) or pass async_engine= to call async methods"
            #     )
            # else:
            raise InvalidArgumentError(
                "this store has no sync engine: build it with from_url(...) or pass engine= to call sync methods"
            )
        return self._store

    def close(self) -> None:
        """Close the store; the engine too if from_url opened it (the other half's engine stays open)."""
        if self._store is not None:
            self._store.close()
            if self._owns_engines:
                self._store.engine.close()

    def init_collection(self, vector_dimension: int, distance: str = "cosine") -> None:
        """Create the collection if it does not exist (CollectionMismatchError if it differs)."""
        store = self._open()
        store.engine.init_vectorstore_table(
            store.collection_name, vector_dimension=vector_dimension, distance=distance
        )
        self._distance = distance

    # -- writes ----------------------------------------------------------------------

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: Optional[List[Dict[str, Any]]] = None,
        *,
        ids: Optional[List[str]] = None,
        **kwargs: Any,
    ) -> List[str]:
        """Embed and upsert texts in one transaction; missing ids are generated, numbers become str."""
        if kwargs:
            names = ", ".join(sorted(kwargs))
            raise InvalidArgumentError(f"unknown keyword argument(s) for adding texts: {names}", names)
        return self._open().add_texts(texts, metadatas, coerce_ids(ids))

    def add_documents(self, documents: List[Document], **kwargs: Any) -> List[str]:
        """Upsert Documents; ids from `ids=` or else from each Document.id (None: generated)."""
        ids = kwargs.pop("ids", None)
        if ids is None:
            ids = [doc.id for doc in documents]
        return self.add_texts(
            [doc.page_content for doc in documents], [doc.metadata for doc in documents], ids=ids, **kwargs
        )

    def delete(self, ids: Optional[List[str]] = None, **kwargs: Any) -> Optional[bool]:
        """Delete by ids and/or `filter=`; unknown ids are no error. No ids and no filter is an error:
        pass `filter={}` to delete every document."""
        where = search_filter(kwargs)
        if ids is None and where is None:
            raise InvalidArgumentError(
                "deleting without ids would delete every document: pass ids, or filter={} to really delete them all"
            )
        self._open().delete(coerce_ids(ids), where)
        return True

    # -- reads -----------------------------------------------------------------------

    def get_by_ids(self, ids: Sequence[str], /) -> List[Document]:
        """The documents with these ids, in the order asked; unknown ids are skipped."""
        found = self._open().get_by_ids(coerce_ids(ids) or [])
        return [to_langchain(doc) for doc in found]

    def similarity_search_with_score_by_vector(
        self, embedding: List[float], k: int = 4, **kwargs: Any
    ) -> List[Tuple[Document, float]]:
        """The k documents nearest to a vector with their distances (lower is closer); `filter=` narrows."""
        where = search_filter(kwargs)
        hits = self._open().similarity_search_with_score_by_vector(embedding, k, where)
        return [(to_langchain(doc), score) for doc, score in hits]

    def similarity_search_by_vector(self, embedding: List[float], k: int = 4, **kwargs: Any) -> List[Document]:
        """The k documents nearest to a vector, nearest first; `filter=` narrows."""
        hits = self.similarity_search_with_score_by_vector(embedding, k, **kwargs)
        return [doc for doc, _ in hits]

    def similarity_search_with_score(
        self, query: str, k: int = 4, **kwargs: Any
    ) -> List[Tuple[Document, float]]:
        """The k documents nearest to a query with their distances (lower is closer); `filter=` narrows."""
        where = search_filter(kwargs)
        hits = self._open().similarity_search_with_score(query, k, where)
        return [(to_langchain(doc), score) for doc, score in hits]

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> List[Document]:
        """The k documents nearest to a query, nearest first; `filter=` narrows."""
        hits = self.similarity_search_with_score(query, k, **kwargs)
        return [doc for doc, _ in hits]

    def max_marginal_relevance_search_by_vector(
        self, embedding: List[float], k: int = 4, fetch_k: int = 20, lambda_mult: float = 0.5, **kwargs: Any
    ) -> List[Document]:
        """k documents picked by max marginal relevance among the fetch_k nearest to a vector; `filter=` narrows.

        A fetch_k below k is raised to k, as LangChain's own stores do (sqlvec's store refuses it)."""
        where = search_filter(kwargs)
        found = self._open().max_marginal_relevance_search_by_vector(
            embedding, k, mmr_fetch_k(k, fetch_k), lambda_mult, where
        )
        return [to_langchain(doc) for doc in found]

    def max_marginal_relevance_search(
        self, query: str, k: int = 4, fetch_k: int = 20, lambda_mult: float = 0.5, **kwargs: Any
    ) -> List[Document]:
        """k documents picked by max marginal relevance among the fetch_k nearest to a query; `filter=` narrows."""
        where = search_filter(kwargs)
        found = self._open().max_marginal_relevance_search(
            query, k, mmr_fetch_k(k, fetch_k), lambda_mult, where
        )
        return [to_langchain(doc) for doc in found]

    def hybrid_search_with_score(
        self,
        query: str,
        k: int = 4,
        *,
        fetch_k: int = 20,
        keyword_weight: float = DEFAULT_KEYWORD_WEIGHT,
        rrf_k: float = DEFAULT_RRF_K,
        **kwargs: Any,
    ) -> List[Tuple[Document, float]]:
        """The k best documents by vector and keyword search fused (reciprocal rank fusion, higher is
        better); `filter=` narrows both. Needs the collection's full-text index (apply_text_index)."""
        where = search_filter(kwargs)
        hits = self._open().hybrid_search_with_score(
            query, k, filter=where, fetch_k=fetch_k, keyword_weight=keyword_weight, rrf_k=rrf_k
        )
        return [(to_langchain(doc), score) for doc, score in hits]

    def hybrid_search(
        self,
        query: str,
        k: int = 4,
        *,
        fetch_k: int = 20,
        keyword_weight: float = DEFAULT_KEYWORD_WEIGHT,
        rrf_k: float = DEFAULT_RRF_K,
        **kwargs: Any,
    ) -> List[Document]:
        """The documents of :meth:`hybrid_search_with_score`, best first."""
        hits = self.hybrid_search_with_score(
            query, k, fetch_k=fetch_k, keyword_weight=keyword_weight, rrf_k=rrf_k, **kwargs
        )
        return [doc for doc, _ in hits]

    def apply_text_index(self, language: str = "english") -> None:
        """Build (or rebuild for another language) the full-text index hybrid search needs."""
        self._open().apply_text_index(language)

    def _similarity_search_with_relevance_scores(
        self, query: str, k: int = 4, **kwargs: Any
    ) -> List[Tuple[Document, float]]:
        """LangChain's hook: hits with relevance in [0, 1] by the collection's distance (read once)."""
        if self._distance is None:
            store = self._open()
            info = store.engine.driver.collection_info(store.collection_name)
            self._distance = info.distance
        relevance = relevance_score_fn(self._distance)
        hits = self.similarity_search_with_score(query, k, **kwargs)
        return [(doc, relevance(score)) for doc, score in hits]

    # -- construction ----------------------------------------------------------------

    @classmethod
    def from_texts(
        cls: Type[_Methods],
        texts: List[str],
        embedding: Embeddings,
        metadatas: Optional[List[Dict[str, Any]]] = None,
        *,
        ids: Optional[List[str]] = None,
        **kwargs: Any,
    ) -> _Methods:
        """A store over `url=` (required) holding these texts; the collection (`collection_name=`,
        default "langchain"; `distance=`, default "cosine") is created with the embeddings' dimension."""
        url = kwargs.pop("url", None)
        if not isinstance(url, str):
            raise InvalidArgumentError(f"building a store from texts needs url= (a database URL), got {url!r}", url)
        collection_name = kwargs.pop("collection_name", "langchain")
        distance = kwargs.pop("distance", "cosine")
        texts = list(texts)
        if not texts:
            raise InvalidArgumentError(
                "building a store from texts needs at least one text: its embedding sets the dimension"
            )
        vectors = embedding.embed_documents(texts)
        store = cls.from_url(url, embedding, collection_name=collection_name, **kwargs)
        store.init_collection(len(vectors[0]), distance)
        store._open().add_embeddings(texts, vectors, metadatas, coerce_ids(ids))
        return store


# This file was generated by unawait from the source below; do not edit it.
# src/sqlvec/_async/langchain.py
# Edit the source and regenerate with:
# nox -s codegen
