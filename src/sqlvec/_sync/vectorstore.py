"""AsyncVectorStore: documents, embeddings and similarity search over one collection."""

from __future__ import annotations

# async only: asyncio
from types import TracebackType
from typing import (
    Any,
    Dict,
    Generator,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
)

from .._drivers.base import Driver
from ..documents import Document
from ..embeddings import Embeddings
from ..errors import InvalidArgumentError, StoreClosedError
from ..filters import Filter, parse_filter
from ..fusion import (
    DEFAULT_KEYWORD_WEIGHT,
    DEFAULT_RRF_K,
    check_keyword_weight,
    check_query_text,
    check_rrf_k,
    reciprocal_rank_fusion,
)
from ..identifiers import check_identifier
from ..mmr import check_mmr_arguments, max_marginal_relevance
from ..models import IndexSpec
from ..rows import Rows, check_count, check_ids, check_positive, check_sequence, prepare_rows
from ..vectors import as_vector
from .engine import Engine


class VectorStore:
    """A collection of documents with their embeddings, searchable by similarity.

    The collection must exist (the engine creates it). A store is safe to
    share between tasks; closing it does not close the engine.

    Example::

        store = VectorStore(engine, HashEmbedding(256), collection_name="docs")
        ids = store.add_texts(["a cat", "a dog"], metadatas=[{"n": 1}, {"n": 2}])
        docs = store.similarity_search("kitten", k=1, filter={"n": {"$lte": 1}})
    """

    def __init__(
        self,
        engine: Engine,
        embeddings: Embeddings,
        collection_name: str,
    ) -> None:
        self._engine = engine
        self._driver: Driver = engine.driver
        self._embeddings = embeddings
        self._table = check_identifier(collection_name)
        self._closed = False

    @property
    def collection_name(self) -> str:
        """The collection (table) this store reads and writes."""
        return self._table

    @property
    def embeddings(self) -> Embeddings:
        """The embedding model used for texts and queries."""
        return self._embeddings

    @property
    def engine(self) -> Engine:
        """The engine whose connection this store uses."""
        return self._engine

    @property
    def closed(self) -> bool:
        """True once the store has been closed."""
        return self._closed

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<{type(self).__name__} {self._table!r} {state}>"

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosedError(self._table)

    def __enter__(self) -> VectorStore:
        self._check_open()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close this store (the engine stays open); later calls raise StoreClosedError."""
        self._closed = True

    # -- writes ----------------------------------------------------------------------

    def _prepare(
        self,
        texts: Iterable[str],
        metadatas: Optional[Sequence[Optional[Dict[str, Any]]]],
        ids: Optional[Sequence[Optional[str]]],
    ) -> Rows:
        check_sequence("texts", texts, "str")  # before list() splits a str into characters
        texts = list(texts)
        # if True:  # ASYNC
        #     if len(texts) >= OFFLOAD_ROWS:
        #         # Checking a large batch is CPU work: keep it off the event loop.
        #         return await asyncio.to_thread(prepare_rows, texts, metadatas, ids)
        return prepare_rows(texts, metadatas, ids)

    def _write(self, rows: Rows, vectors: Any) -> List[str]:
        if not len(rows):
            return []
        # if True:  # ASYNC
        #     if len(rows) >= OFFLOAD_ROWS:
        #         batch = await asyncio.to_thread(rows.with_vectors, vectors)
        #     else:
        #         batch = rows.with_vectors(vectors)
        # else:
        batch = rows.with_vectors(vectors)
        self._driver.upsert(self._table, batch)
        return batch.ids

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: Optional[Sequence[Optional[Dict[str, Any]]]] = None,
        ids: Optional[Sequence[Optional[str]]] = None,
    ) -> List[str]:
        """Embed and upsert texts in one transaction; returns their ids in order.

        Missing ids are generated before anything is written; an existing id is
        replaced. If anything fails, nothing of the batch is stored.
        """
        self._check_open()
        # Check everything but the vectors before spending time on embeddings.
        rows = self._prepare(texts, metadatas, ids)
        if not rows.texts:
            return []
        vectors = self._embeddings.embed_documents(rows.texts)
        return self._write(rows, vectors)

    def add_documents(
        self, documents: Iterable[Document], ids: Optional[Sequence[Optional[str]]] = None
    ) -> List[str]:
        """``add_texts`` for Documents; ids default to each document's id."""
        check_sequence("documents", documents, "Document")
        documents = list(documents)
        for i, doc in enumerate(documents):
            if not isinstance(doc, Document):
                raise InvalidArgumentError(f"documents[{i}] must be a Document, got {type(doc).__name__}", doc)
        if ids is None:
            ids = [doc.id for doc in documents]
        return self.add_texts(
            [doc.page_content for doc in documents],
            [doc.metadata for doc in documents],
            ids,
        )

    def add_embeddings(
        self,
        texts: Iterable[str],
        embeddings: Sequence[Sequence[float]],
        metadatas: Optional[Sequence[Optional[Dict[str, Any]]]] = None,
        ids: Optional[Sequence[Optional[str]]] = None,
    ) -> List[str]:
        """Upsert texts with precomputed vectors (one per text); returns the ids."""
        self._check_open()
        check_sequence("embeddings", embeddings, "vectors (one per text)")
        rows = self._prepare(texts, metadatas, ids)
        return self._write(rows, embeddings)

    def delete(
        self,
        ids: Optional[Sequence[str]] = None,
        filter: Optional[Mapping[str, Any]] = None,
    ) -> int:
        """Delete the documents with these ids and/or matching the filter (both: both
        must hold); returns how many were deleted. `filter={}` matches every document.

        Neither ids nor a filter raises InvalidArgumentError: LangChain documents `ids=None`
        as "delete all", its stores mostly ignore it, and a missing argument should never
        empty a collection; `filter={}` says "all" on purpose.
        """
        self._check_open()
        if ids is None and filter is None:
            raise InvalidArgumentError(
                f"delete without ids or a filter would delete every document of {self._table!r}: "
                "pass ids, a filter, or both; filter={} deletes them all on purpose",
                None,
            )
        checked = None if ids is None else check_ids(ids)
        if checked is not None and not checked:
            return 0
        where = parse_filter(filter)
        return self._driver.delete(self._table, ids=checked, where=where)

    # -- reads -----------------------------------------------------------------------

    def get_by_ids(self, ids: Sequence[str]) -> List[Document]:
        """The documents with these ids, in the order asked; unknown ids are skipped."""
        if self._closed:
            raise StoreClosedError(self._table)
        checked = check_ids(ids)
        if not checked:
            return []
        return self._driver.get_by_ids(self._table, checked)

    def count(self, filter: Optional[Mapping[str, Any]] = None) -> int:
        """How many documents match the filter (all if None)."""
        self._check_open()
        return self._driver.count(self._table, parse_filter(filter))

    def similarity_search_with_score_by_vector(
        self,
        embedding: Sequence[float],
        k: int = 4,
        filter: Optional[Mapping[str, Any]] = None,
    ) -> List[Tuple[Document, float]]:
        """The k documents nearest to a vector, with their distances (lower is closer)."""
        self._check_open()
        check_sequence("embedding", embedding, "numbers")
        check_count("k", k)
        where: Optional[Filter] = parse_filter(filter)
        query = as_vector(embedding)
        if k == 0:
            return []  # as LangChain's stores answer; checked, but no round trip for nothing
        return self._driver.search(self._table, query, k, where)

    def similarity_search_by_vector(
        self,
        embedding: Sequence[float],
        k: int = 4,
        filter: Optional[Mapping[str, Any]] = None,
    ) -> List[Document]:
        """The k documents nearest to a vector, nearest first."""
        hits = self.similarity_search_with_score_by_vector(embedding, k, filter)
        return [doc for doc, _ in hits]

    def similarity_search_with_score(
        self,
        query: str,
        k: int = 4,
        filter: Optional[Mapping[str, Any]] = None,
    ) -> List[Tuple[Document, float]]:
        """The k documents nearest to a query text, with their distances (lower is closer):
        cosine -> 1 - cosine similarity, l2 -> Euclidean distance, inner_product -> -dot."""
        self._check_open()
        check_count("k", k)
        parse_filter(filter)  # a bad filter fails before the query is embedded
        if k == 0:
            return []  # nothing to embed the query for
        embedding = self._embeddings.embed_query(query)
        return self.similarity_search_with_score_by_vector(embedding, k, filter)

    def similarity_search(
        self,
        query: str,
        k: int = 4,
        filter: Optional[Mapping[str, Any]] = None,
    ) -> List[Document]:
        """The k documents nearest to a query text, nearest first."""
        hits = self.similarity_search_with_score(query, k, filter)
        return [doc for doc, _ in hits]

    def iter_documents(
        self,
        filter: Optional[Mapping[str, Any]] = None,
        batch_size: int = 256,
    ) -> Generator[Document, None, None]:
        """Every matching document, ordered by id, read `batch_size` rows at a time.

        Only one batch is in memory at once. PostgreSQL reads one snapshot through a
        server-side cursor that holds a pooled connection until the iteration ends: exhaust
        the iterator or close it (``it.close()``); one left by a ``break`` out of
        ``for`` is released only when the garbage collector closes it. SQLite holds
        nothing between batches: writes made meanwhile may or may not be seen, but no
        document that exists throughout is skipped or repeated.
        """
        self._check_open()
        check_positive("batch_size", batch_size)
        where = parse_filter(filter)
        stream = self._driver.iter_documents(self._table, where, batch_size)
        try:
            left = 0
            for document in stream:
                if not left:
                    # Once a batch, as when each batch was a request of its own.
                    self._check_open()
                    left = batch_size
                left -= 1
                yield document
        finally:
            stream.close()

    def stream_similarity_search_with_score_by_vector(
        self,
        embedding: Sequence[float],
        k: int = 4,
        filter: Optional[Mapping[str, Any]] = None,
        batch_size: int = 100,
    ) -> Generator[Tuple[Document, float], None, None]:
        """The hits of :meth:`similarity_search_with_score_by_vector`, nearest first, `batch_size` at a time.

        For a large k: one batch of documents is in memory at once, and you may stop early.
        PostgreSQL reads one snapshot through a server-side cursor that holds a pooled
        connection until the iteration ends: exhaust the iterator or close it
        (``it.close()``). SQLite ranks the k nearest in one read and reads their
        documents a batch at a time: one deleted meanwhile is skipped, and after a write one
        is yielded only if its distance is still the ranked one.
        """
        self._check_open()
        check_sequence("embedding", embedding, "numbers")
        check_count("k", k)
        check_positive("batch_size", batch_size)
        where: Optional[Filter] = parse_filter(filter)
        query = as_vector(embedding)
        if k == 0:
            return
        stream = self._driver.search_stream(self._table, query, k, where, batch_size)
        try:
            left = 0
            for hit in stream:
                if not left:
                    self._check_open()
                    left = batch_size
                left -= 1
                yield hit
        finally:
            stream.close()

    def stream_similarity_search_with_score(
        self,
        query: str,
        k: int = 4,
        filter: Optional[Mapping[str, Any]] = None,
        batch_size: int = 100,
    ) -> Generator[Tuple[Document, float], None, None]:
        """The hits of :meth:`similarity_search_with_score`, nearest first, `batch_size` at a time."""
        self._check_open()
        check_count("k", k)
        check_positive("batch_size", batch_size)
        parse_filter(filter)  # a bad filter fails before the query is embedded
        if k == 0:
            return
        embedding = self._embeddings.embed_query(query)
        stream = self.stream_similarity_search_with_score_by_vector(embedding, k, filter, batch_size)
        try:
            for hit in stream:
                yield hit
        finally:
            stream.close()

    def stream_similarity_search(
        self,
        query: str,
        k: int = 4,
        filter: Optional[Mapping[str, Any]] = None,
        batch_size: int = 100,
    ) -> Generator[Document, None, None]:
        """The documents of :meth:`similarity_search`, nearest first, `batch_size` at a time."""
        stream = self.stream_similarity_search_with_score(query, k, filter, batch_size)
        try:
            for document, _ in stream:
                yield document
        finally:
            stream.close()

    # -- max marginal relevance -----------------------------------------------------------

    def max_marginal_relevance_search_by_vector(
        self,
        embedding: Sequence[float],
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        filter: Optional[Mapping[str, Any]] = None,
    ) -> List[Document]:
        """k documents chosen for relevance to a vector and diversity among themselves.

        The `fetch_k` nearest documents matching the filter are read with their stored
        vectors in one search, then max marginal relevance (`sqlvec.mmr`, cosine
        similarity) picks k of them, in the order it picks them. lambda_mult=1 ranks by
        relevance only, 0 by diversity only. k=0 returns [].
        """
        self._check_open()
        check_sequence("embedding", embedding, "numbers")
        check_mmr_arguments(k, fetch_k, lambda_mult)
        where: Optional[Filter] = parse_filter(filter)
        query = as_vector(embedding)
        if k == 0:
            return []
        hits, vectors = self._driver.search_with_vectors(self._table, query, fetch_k, where)
        # if True:  # ASYNC
        #     if len(hits) * k * vectors.shape[-1] >= OFFLOAD_MMR_WORK:
        #         # A large choice is milliseconds of numpy: keep it off the event loop.
        #         chosen = await asyncio.to_thread(max_marginal_relevance, query, vectors, k, lambda_mult)
        #     else:
        #         chosen = max_marginal_relevance(query, vectors, k, lambda_mult)
        # else:
        chosen = max_marginal_relevance(query, vectors, k, lambda_mult)
        return [hits[i][0] for i in chosen]

    def max_marginal_relevance_search(
        self,
        query: str,
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        filter: Optional[Mapping[str, Any]] = None,
    ) -> List[Document]:
        """k documents chosen for relevance to a query text and diversity among themselves
        (see :meth:`max_marginal_relevance_search_by_vector`)."""
        self._check_open()
        check_mmr_arguments(k, fetch_k, lambda_mult)
        parse_filter(filter)  # a bad filter fails before the query is embedded
        if k == 0:
            return []
        embedding = self._embeddings.embed_query(query)
        return self.max_marginal_relevance_search_by_vector(embedding, k, fetch_k, lambda_mult, filter)

    # -- keyword and hybrid search ---------------------------------------------------

    def keyword_search_with_score(
        self,
        query: str,
        k: int = 4,
        *,
        filter: Optional[Mapping[str, Any]] = None,
    ) -> List[Tuple[Document, float]]:
        """The k documents whose text best matches any word of the query, with their
        relevance (higher is better: SQLite's -bm25, PostgreSQL's ts_rank), best first.

        Needs the collection's full-text index (TextIndexMissingError names how to build
        it). The query is plain words: no operator or quote in it has a meaning.
        """
        self._check_open()
        text = check_query_text(query)
        check_count("k", k)
        where: Optional[Filter] = parse_filter(filter)
        if k == 0:
            return []
        _, keyword = self._driver.text_search(self._table, text, None, k, where)
        return keyword

    def keyword_search(
        self,
        query: str,
        k: int = 4,
        *,
        filter: Optional[Mapping[str, Any]] = None,
    ) -> List[Document]:
        """The documents of :meth:`keyword_search_with_score`, best first."""
        hits = self.keyword_search_with_score(query, k, filter=filter)
        return [doc for doc, _ in hits]

    def hybrid_search_with_score(
        self,
        query: str,
        k: int = 4,
        *,
        filter: Optional[Mapping[str, Any]] = None,
        fetch_k: int = 20,
        keyword_weight: float = DEFAULT_KEYWORD_WEIGHT,
        rrf_k: float = DEFAULT_RRF_K,
    ) -> List[Tuple[Document, float]]:
        """The k best documents by vector and keyword search fused, with their fused score
        (higher is better), best first.

        Each leg ranks its max(k, fetch_k) best candidates among the documents matching
        the filter, in one snapshot; a document's score is
        ``(1 - keyword_weight) / (rrf_k + vector_rank) + keyword_weight / (rrf_k + keyword_rank)``
        (1-based ranks; a leg that did not find it adds nothing, and a score of 0 is left
        out). keyword_weight 0 is the vector order, 1 the keyword order. Ties go by id.
        Needs the collection's full-text index (TextIndexMissingError otherwise).
        """
        self._check_open()
        text = check_query_text(query)
        check_count("k", k)
        check_positive("fetch_k", fetch_k)
        weight = check_keyword_weight(keyword_weight)
        constant = check_rrf_k(rrf_k)
        where: Optional[Filter] = parse_filter(filter)  # a bad filter fails before the query is embedded
        if k == 0:
            return []
        embedding = as_vector(self._embeddings.embed_query(text))
        nearest, keyword = self._driver.text_search(self._table, text, embedding, max(k, fetch_k), where)
        return reciprocal_rank_fusion(nearest, keyword, k, weight, constant)

    def hybrid_search(
        self,
        query: str,
        k: int = 4,
        *,
        filter: Optional[Mapping[str, Any]] = None,
        fetch_k: int = 20,
        keyword_weight: float = DEFAULT_KEYWORD_WEIGHT,
        rrf_k: float = DEFAULT_RRF_K,
    ) -> List[Document]:
        """The documents of :meth:`hybrid_search_with_score`, best first."""
        hits = self.hybrid_search_with_score(
            query, k, filter=filter, fetch_k=fetch_k, keyword_weight=keyword_weight, rrf_k=rrf_k
        )
        return [doc for doc, _ in hits]

    def apply_text_index(self, language: str = "english") -> None:
        """Build (or rebuild for another language) the full-text index of keyword and hybrid
        search; later writes keep it up to date in their own transaction.

        Languages: any PostgreSQL text search configuration ("english", "simple",
        "german" ...); on SQLite "english" (Porter stemmer) or "simple" (no stemming).
        Building reads every document once; on PostgreSQL it also rewrites the table.
        """
        self._check_open()
        self._driver.create_text_index(self._table, language=language, replace=True)

    def text_index_language(self) -> Optional[str]:
        """The language of the collection's full-text index, or None if it has none."""
        self._check_open()
        return self._driver.text_index(self._table)

    def drop_text_index(self) -> None:
        """Drop the full-text index, if any: keyword and hybrid search then raise TextIndexMissingError."""
        self._check_open()
        self._driver.drop_text_index(self._table)

    # -- vector index ----------------------------------------------------------------

    def apply_vector_index(
        self,
        kind: str = "hnsw",
        *,
        m: int = 16,
        ef_construction: int = 64,
        ef_search: int = 64,
        lists: Optional[int] = None,
    ) -> None:
        """Build an approximate vector index for faster search on large collections.

        On SQLite this is an in-memory HNSW graph from the `usearch` extra
        (`pip install 'sqlvec[ann]'`, MissingExtraError otherwise); candidates it finds
        are rescored exactly, filtered searches stay exact, and later writes keep it
        up to date.
        """
        self._check_open()
        spec = IndexSpec(kind=kind, m=m, ef_construction=ef_construction, ef_search=ef_search, lists=lists)
        self._driver.create_index(self._table, spec)

    def drop_vector_index(self) -> None:
        """Drop the vector index, if any: search is exact again."""
        self._check_open()
        self._driver.drop_index(self._table)


# This file was generated by unawait from the source below; do not edit it.
# src/sqlvec/_async/vectorstore.py
# Edit the source and regenerate with:
# nox -s codegen
