"""The embedded SQLite backend: one blocking core, and its async and sync driver twins.

`_SQLiteCore` does every operation synchronously on one `sqlite3` connection and keeps
each collection's vectors cached in memory for exact search. The twins only differ in
how they run an operation:

- `SQLiteDriver` (sync) calls the core on the caller's thread under a lock, so one
  driver can be shared by threads; no asyncio is involved.
- `AsyncSQLiteDriver` runs each whole operation (a transaction, a search) in a dedicated
  worker thread and resolves futures on the event loop, so the loop never blocks.
  Operations queued while the worker was busy run back to back and are handed back to
  the loop in one wake-up, which keeps many small concurrent reads cheap.

The cache stays correct across connections and processes: every write bumps a per
collection version row in the same transaction, and a search reads that version (in the
same read transaction as the rows it returns) before trusting its cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import sqlite3
import threading
import time
import uuid
import warnings
import weakref
from contextlib import contextmanager
from typing import (
    Any,
    AsyncGenerator,
    Callable,
    Dict,
    Generator,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
)

import numpy as np

from ..ann import ApproximateIndex, load_approximate_index
from ..documents import Document
from ..errors import (
    CollectionExistsError,
    CollectionMismatchError,
    CollectionNotFoundError,
    DimensionMismatchError,
    EngineClosedError,
    InvalidMetadataError,
    TextIndexMissingError,
    TextSearchUnsupportedError,
)
from ..filters import Filter, compile_sqlite
from ..identifiers import check_identifier, quote_identifier
from ..models import Batch, CollectionInfo, Float32Array, IndexSpec, Int64Array, check_distance
from ..pool import DatabaseError, DatabaseLockedError
from ..urls import DatabaseURL
from ..vectors import ExactIndex, from_blobs, to_blob
from . import sqlite_fts
from .base import Hit, HitsWithVectors

T = TypeVar("T")

REGISTRY = "sqlvec_collections"
# SQLite's default limit on bound parameters is 32766 (999 before 3.32); stay well below.
_CHUNK = 500
_DEFAULT_TIMEOUT = 30.0


def _dump_metadata(metadata: Dict[str, Any]) -> str:
    try:
        return json.dumps(metadata, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise InvalidMetadataError(f"metadata is not JSON-serialisable: {exc}", metadata) from None


def _translated(core: _SQLiteCore, fn: Callable[..., T], *args: Any) -> T:
    """fn(*args), with sqlite3's errors turned into SqlvecErrors (both twins call through here).

    "database is locked" after the busy timeout becomes DatabaseLockedError; anything else
    sqlite3 raises (disk full, a corrupt file ...) DatabaseError with SQLite's message. The
    core's transactions have rolled back by then: nothing of a failed write is stored.
    """
    try:
        return fn(*args)
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "locked" in message or "busy" in message:
            raise DatabaseLockedError(core.timeout, message) from exc
        raise DatabaseError(f"SQLite: {message}") from exc
    except sqlite3.Error as exc:
        raise DatabaseError(f"SQLite: {exc}") from exc


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Cache:
    """One collection's vectors as of a (uid, version) of its registry row."""

    __slots__ = ("ann", "exact", "uid", "version")

    def __init__(self, uid: str, version: int, exact: ExactIndex) -> None:
        self.uid = uid
        self.version = version
        self.exact = exact
        self.ann: Optional[ApproximateIndex] = None


class _Registered:
    """A collection's registry row."""

    __slots__ = ("dimension", "distance", "index", "uid", "version")

    def __init__(self, dimension: int, distance: str, uid: str, version: int, index: Optional[str]) -> None:
        self.dimension = dimension
        self.distance = distance
        self.uid = uid
        self.version = version
        self.index = IndexSpec.from_dict(json.loads(index)) if index else None


class _Ranking:
    """The k nearest row keys of a streamed search and the collection state they were ranked in."""

    __slots__ = ("distance", "keys", "scores", "uid", "version")

    def __init__(self, reg: _Registered, keys: Int64Array, scores: Float32Array) -> None:
        self.uid = reg.uid
        self.version = reg.version
        self.distance = reg.distance
        self.keys = keys
        self.scores = scores

    def __len__(self) -> int:
        return len(self.keys)


class _SQLiteCore:
    """Every SQLite operation, synchronous; callers make sure one runs at a time."""

    def __init__(self, url: DatabaseURL, timeout: Optional[float] = None) -> None:
        self.url = url
        self.timeout = float(url.query.get("timeout", _DEFAULT_TIMEOUT)) if timeout is None else timeout
        self._conn: Optional[sqlite3.Connection] = None
        self._caches: Dict[str, _Cache] = {}
        self._sql: Dict[Tuple[str, str], str] = {}

    # -- connection ------------------------------------------------------------------

    def connect(self) -> sqlite3.Connection:
        if self._conn is None:
            assert self.url.path is not None
            # isolation_level=None: no implicit transactions, we issue BEGIN ourselves.
            conn = sqlite3.connect(self.url.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
            try:
                if not self.url.is_memory:
                    # WAL lets readers and one writer in other processes work side by side.
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {REGISTRY} ("
                    "name TEXT PRIMARY KEY COLLATE NOCASE, dimension INTEGER NOT NULL, "
                    "distance TEXT NOT NULL, uid TEXT NOT NULL, version INTEGER NOT NULL, "
                    "index_spec TEXT)"
                )
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def close(self) -> None:
        self._caches.clear()
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

    def ping(self) -> None:
        self.connect().execute("SELECT 1").fetchone()

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[sqlite3.Connection]:
        conn = self.connect()
        # IMMEDIATE takes the write lock up front, so two writers never deadlock on upgrade.
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield conn
            # Inside the try: a COMMIT refused (SQLITE_BUSY) must not leave the
            # transaction open on the connection for the next operation to trip over.
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @contextmanager
    def _table_errors(self, table: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise CollectionNotFoundError(table) from None
            raise

    def _statement(self, table: str, kind: str) -> str:
        key = (table, kind)
        sql = self._sql.get(key)
        if sql is None:
            t = quote_identifier(table)
            sql = {
                "get_one": f"SELECT id, content, metadata FROM {t} WHERE id = ?",
                "upsert": (
                    f"INSERT INTO {t} (id, content, metadata, embedding) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET content = excluded.content, "
                    "metadata = excluded.metadata, embedding = excluded.embedding"
                ),
                "seq_of": f"SELECT seq FROM {t} WHERE id = ?",
                "all_vectors": f"SELECT seq, embedding FROM {t} ORDER BY seq",
            }[kind]
            self._sql[key] = sql
        return sql

    def _registered(self, conn: sqlite3.Connection, table: str) -> _Registered:
        row = conn.execute(
            f"SELECT dimension, distance, uid, version, index_spec FROM {REGISTRY} WHERE name = ?",
            (table,),
        ).fetchone()
        if row is None:
            raise CollectionNotFoundError(table)
        return _Registered(*row)

    def _bump(self, conn: sqlite3.Connection, table: str) -> None:
        conn.execute(f"UPDATE {REGISTRY} SET version = version + 1 WHERE name = ?", (table,))

    # -- collections -----------------------------------------------------------------

    def init_table(self, table: str, dimension: int, distance: str, if_not_exists: bool) -> None:
        check_identifier(table)
        check_distance(distance)
        t = quote_identifier(table)
        with self._transaction(write=True) as conn:
            try:
                existing: Optional[_Registered] = self._registered(conn, table)
            except CollectionNotFoundError:
                existing = None
            if existing is not None:
                if not if_not_exists:
                    raise CollectionExistsError(table)
                if existing.dimension != dimension:
                    raise CollectionMismatchError(table, "dimension", existing.dimension, dimension)
                if existing.distance != distance:
                    raise CollectionMismatchError(table, "distance", existing.distance, distance)
                return
            # seq is the rowid: it keeps rows aligned with the in-memory matrix.
            conn.execute(
                f"CREATE TABLE {t} (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
                "content TEXT NOT NULL, metadata TEXT NOT NULL, embedding BLOB NOT NULL)"
            )
            conn.execute(
                f"INSERT INTO {REGISTRY} (name, dimension, distance, uid, version) VALUES (?, ?, ?, ?, 0)",
                (table, dimension, distance, uuid.uuid4().hex),
            )
        self._caches.pop(table.lower(), None)

    def drop_table(self, table: str, if_exists: bool) -> None:
        check_identifier(table)
        with self._transaction(write=True) as conn:
            found = conn.execute(f"DELETE FROM {REGISTRY} WHERE name = ?", (table,)).rowcount
            if not found and not if_exists:
                raise CollectionNotFoundError(table)
            conn.execute(f"DROP TABLE IF EXISTS {quote_identifier(table)}")
            for statement in sqlite_fts.drop(table):
                conn.execute(statement)
        self._caches.pop(table.lower(), None)

    def collection_info(self, table: str) -> CollectionInfo:
        reg = self._registered(self.connect(), table)
        return CollectionInfo(table, reg.dimension, reg.distance, reg.index)

    # -- writes ----------------------------------------------------------------------

    def upsert(self, table: str, batch: Batch) -> None:
        if len(batch) == 0:
            return
        rows = [
            (id_, content, _dump_metadata(meta), to_blob(vec))
            for id_, content, meta, vec in zip(batch.ids, batch.contents, batch.metadatas, batch.embeddings)
        ]
        cache = self._caches.get(table.lower())
        keys: Optional[Int64Array] = None
        with self._transaction(write=True) as conn:
            reg = self._registered(conn, table)
            if batch.embeddings.shape[1] != reg.dimension:
                raise DimensionMismatchError(reg.dimension, int(batch.embeddings.shape[1]))
            with self._table_errors(table):
                conn.executemany(self._statement(table, "upsert"), rows)
                self._bump(conn, table)
                live = cache is not None and (cache.uid, cache.version) == (reg.uid, reg.version)
                if live:
                    seq_of = self._statement(table, "seq_of")
                    keys = np.array(
                        [conn.execute(seq_of, (id_,)).fetchone()[0] for id_ in batch.ids],
                        dtype=np.int64,
                    )
        self._after_write(table, reg, keys, batch.embeddings, None)

    def delete(self, table: str, ids: Optional[Sequence[str]], where: Optional[Filter]) -> int:
        t = quote_identifier(table)
        where_sql, where_params = compile_sqlite(where)
        with self._transaction(write=True) as conn:
            reg = self._registered(conn, table)
            with self._table_errors(table):
                if ids is None:
                    found = [r[0] for r in conn.execute(f"SELECT seq FROM {t} WHERE {where_sql}", where_params)]
                else:
                    found = []
                    for chunk in _chunks(list(dict.fromkeys(ids))):
                        marks = ", ".join("?" * len(chunk))
                        found.extend(
                            r[0]
                            for r in conn.execute(
                                f"SELECT seq FROM {t} WHERE id IN ({marks}) AND {where_sql}",
                                [*chunk, *where_params],
                            )
                        )
                if not found:
                    return 0
                for chunk in _chunks(found):
                    marks = ", ".join("?" * len(chunk))
                    conn.execute(f"DELETE FROM {t} WHERE seq IN ({marks})", list(chunk))
                self._bump(conn, table)
        self._after_write(table, reg, None, None, np.array(found, dtype=np.int64))
        return len(found)

    def _after_write(
        self,
        table: str,
        reg: _Registered,
        keys: Optional[Int64Array],
        vectors: Optional[Float32Array],
        removed: Optional[Int64Array],
    ) -> None:
        """Apply a committed write to the cache, or drop the cache if it was not current."""
        name = table.lower()
        cache = self._caches.get(name)
        if cache is None:
            return
        if (cache.uid, cache.version) != (reg.uid, reg.version):
            del self._caches[name]
            return
        if keys is not None and vectors is not None:
            cache.exact.upsert(keys, vectors)
            if cache.ann is not None:
                cache.ann.upsert(keys, vectors)
        if removed is not None:
            cache.exact.remove(removed)
            if cache.ann is not None:
                cache.ann.remove(removed)
        cache.version = reg.version + 1

    # -- reads -----------------------------------------------------------------------

    @staticmethod
    def _document(row: Tuple[str, str, str]) -> Document:
        return Document(row[1], json.loads(row[2]), row[0])

    def get_by_ids(self, table: str, ids: Sequence[str]) -> List[Document]:
        # The hot path of small reads: plain try/except and a prepared statement string.
        conn = self._conn or self.connect()
        try:
            if len(ids) == 1:
                sql = self._sql.get((table, "get_one")) or self._statement(table, "get_one")
                row = conn.execute(sql, (ids[0],)).fetchone()
                return [] if row is None else [Document(row[1], json.loads(row[2]), row[0])]
            return self._get_many(conn, table, ids)
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise CollectionNotFoundError(table) from None
            raise

    def _get_many(self, conn: sqlite3.Connection, table: str, ids: Sequence[str]) -> List[Document]:
        t = quote_identifier(table)
        found: Dict[str, Document] = {}
        with self._transaction(write=False):
            for chunk in _chunks(list(dict.fromkeys(ids))):
                marks = ", ".join("?" * len(chunk))
                for row in conn.execute(f"SELECT id, content, metadata FROM {t} WHERE id IN ({marks})", list(chunk)):
                    found[row[0]] = self._document(row)
        return [found[i] for i in ids if i in found]

    def count(self, table: str, where: Optional[Filter]) -> int:
        where_sql, params = compile_sqlite(where)
        with self._table_errors(table):
            row = (
                self.connect()
                .execute(f"SELECT count(*) FROM {quote_identifier(table)} WHERE {where_sql}", params)
                .fetchone()
            )
        return int(row[0])

    def page(self, table: str, where: Optional[Filter], after: Optional[str], limit: int) -> List[Document]:
        where_sql, params = compile_sqlite(where)
        t = quote_identifier(table)
        if after is not None:
            where_sql, params = f"id > ? AND {where_sql}", [after, *params]
        with self._table_errors(table):
            rows = self.connect().execute(
                f"SELECT id, content, metadata FROM {t} WHERE {where_sql} ORDER BY id LIMIT ?",
                [*params, limit],
            )
            return [self._document(row) for row in rows]

    def _current_cache(self, conn: sqlite3.Connection, table: str, reg: _Registered) -> _Cache:
        """The collection's cache, reloaded if another write (from anywhere) happened."""
        name = table.lower()
        cache = self._caches.get(name)
        if cache is None or (cache.uid, cache.version) != (reg.uid, reg.version):
            exact = ExactIndex(reg.distance, reg.dimension)
            with self._table_errors(table):
                rows = conn.execute(self._statement(table, "all_vectors")).fetchall()
            exact.load(
                np.array([r[0] for r in rows], dtype=np.int64),
                from_blobs([r[1] for r in rows], reg.dimension),
            )
            cache = _Cache(reg.uid, reg.version, exact)
            self._caches[name] = cache
        if reg.index is None:
            cache.ann = None
        elif cache.ann is None or cache.ann.spec != reg.index:
            cache.ann = load_approximate_index(reg.index, reg.distance, reg.dimension)
            cache.ann.upsert(cache.exact.keys, cache.exact.vectors(np.arange(len(cache.exact))))
        return cache

    def _rank(
        self, conn: sqlite3.Connection, table: str, query: Float32Array, k: int, where: Optional[Filter]
    ) -> Tuple[_Registered, Int64Array, Float32Array]:
        """The registry row, and the keys and distances of the k nearest rows, nearest first."""
        reg = self._registered(conn, table)
        if query.shape[0] != reg.dimension:
            raise DimensionMismatchError(reg.dimension, int(query.shape[0]))
        cache = self._current_cache(conn, table, reg)
        if where is not None:
            where_sql, params = compile_sqlite(where)
            with self._table_errors(table):
                matching = np.array(
                    [
                        r[0]
                        for r in conn.execute(f"SELECT seq FROM {quote_identifier(table)} WHERE {where_sql}", params)
                    ],
                    dtype=np.int64,
                )
            keys, scores = cache.exact.search(query, k, cache.exact.positions(matching))
        elif cache.ann is not None and len(cache.exact) > k:
            candidates = cache.ann.search(query, k)
            scores_all = cache.exact.rescore(query, candidates)
            order = np.lexsort((candidates, scores_all))[:k]
            keys, scores = candidates[order], scores_all[order]
        else:
            keys, scores = cache.exact.search(query, k)
        return reg, keys, scores

    def _rows_by_seq(
        self, conn: sqlite3.Connection, table: str, keys: Int64Array, embedding: bool = False
    ) -> Dict[int, Tuple[Any, ...]]:
        """(seq, id, content, metadata[, embedding]) of the rows with these keys, by key."""
        columns = "seq, id, content, metadata, embedding" if embedding else "seq, id, content, metadata"
        rows: Dict[int, Tuple[Any, ...]] = {}
        with self._table_errors(table):
            for chunk in _chunks([int(key) for key in keys]):
                marks = ", ".join("?" * len(chunk))
                for row in conn.execute(
                    f"SELECT {columns} FROM {quote_identifier(table)} WHERE seq IN ({marks})",
                    list(chunk),
                ):
                    rows[row[0]] = row
        return rows

    @staticmethod
    def _hits(rows: Dict[int, Tuple[Any, ...]], keys: Int64Array, scores: Float32Array) -> List[Hit]:
        hits: List[Hit] = []
        for key, score in zip(keys, scores):
            row = rows.get(int(key))
            if row is not None:
                hits.append((Document(row[2], json.loads(row[3]), row[1]), float(score)))
        return hits

    def search(self, table: str, query: Float32Array, k: int, where: Optional[Filter]) -> List[Hit]:
        with self._transaction(write=False) as conn:
            _, keys, scores = self._rank(conn, table, query, k, where)
            if len(keys) == 0:
                return []
            rows = self._rows_by_seq(conn, table, keys)
        return self._hits(rows, keys, scores)

    def search_with_vectors(self, table: str, query: Float32Array, k: int, where: Optional[Filter]) -> HitsWithVectors:
        # The stored blobs, not the cache: it holds cosine rows normalised, and a caller
        # asking for vectors wants the ones that were written.
        with self._transaction(write=False) as conn:
            reg, keys, scores = self._rank(conn, table, query, k, where)
            rows = self._rows_by_seq(conn, table, keys, embedding=True) if len(keys) else {}
        blobs = [rows[int(key)][4] for key in keys if int(key) in rows]
        return self._hits(rows, keys, scores), from_blobs(blobs, reg.dimension)

    def search_first(
        self, table: str, query: Float32Array, k: int, where: Optional[Filter], batch_size: int
    ) -> Tuple[_Ranking, List[Hit]]:
        """A streamed search's ranking and its first `batch_size` hits, in one read transaction."""
        with self._transaction(write=False) as conn:
            reg, keys, scores = self._rank(conn, table, query, k, where)
            rows = self._rows_by_seq(conn, table, keys[:batch_size])
        return _Ranking(reg, keys, scores), self._hits(rows, keys[:batch_size], scores[:batch_size])

    def search_next(self, table: str, query: Float32Array, ranking: _Ranking, start: int, stop: int) -> List[Hit]:
        """Hits start..stop of a ranking, read now; see the Streaming contract in base.py."""
        keys, scores = ranking.keys[start:stop], ranking.scores[start:stop]
        with self._transaction(write=False) as conn:
            reg = self._registered(conn, table)
            if reg.uid != ranking.uid:
                return []  # dropped and re-created: none of the ranked rows exist any more
            changed = reg.version != ranking.version
            rows = self._rows_by_seq(conn, table, keys, embedding=changed)
        if changed and rows:
            # A key may now hold another row (SQLite reuses the largest rowid after a delete)
            # or a new embedding: keep only rows whose distance is still the ranked one.
            present = np.array(sorted(rows), dtype=np.int64)
            check = ExactIndex(ranking.distance, reg.dimension)
            check.load(present, from_blobs([rows[int(key)][4] for key in present], reg.dimension))
            wanted = np.array([key for key in keys if int(key) in rows], dtype=np.int64)
            current = check.rescore(query, wanted)
            ranked = scores[np.isin(keys, wanted)]
            stale = ~np.isclose(current, ranked, rtol=1e-5, atol=1e-6)
            for key in wanted[stale]:
                del rows[int(key)]
        return self._hits(rows, keys, scores)

    # -- full-text index and keyword search ----------------------------------------

    def _text_language(self, conn: sqlite3.Connection, table: str) -> Optional[str]:
        """The language of the table's full-text index, None without one (or a partial one)."""
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE (type = 'table' AND name = ?) "
            "OR (type = 'trigger' AND tbl_name = ?)",
            (f"sqlvec_fts_{table}", table),
        ).fetchall()
        names = {row[1] for row in rows if row[0] == "trigger"}
        create = [row[2] for row in rows if row[0] == "table"]
        # An index left behind by a drop without its triggers does not follow the table.
        if not create or not names.issuperset(sqlite_fts.trigger_names(table)):
            return None
        return sqlite_fts.language_of(create[0])

    def text_index(self, table: str) -> Optional[str]:
        with self._transaction(write=False) as conn:
            self._registered(conn, table)
            return self._text_language(conn, table)

    def create_text_index(self, table: str, language: str, replace: bool) -> None:
        sqlite_fts.check_language(language)
        with self._transaction(write=True) as conn:
            self._registered(conn, table)
            current = self._text_language(conn, table)
            if current == language:
                return
            if current is not None and not replace:
                raise CollectionMismatchError(table, "text_search", current, language)
            try:
                for statement in [*sqlite_fts.drop(table), *sqlite_fts.create(table, language)]:
                    conn.execute(statement)
            except sqlite3.OperationalError as exc:
                if "fts5" in str(exc):
                    raise TextSearchUnsupportedError("SQLite", f"this sqlite3 has no FTS5 ({exc})") from None
                raise

    def drop_text_index(self, table: str) -> None:
        with self._transaction(write=True) as conn:
            self._registered(conn, table)
            for statement in sqlite_fts.drop(table):
                conn.execute(statement)

    def text_search(
        self, table: str, text: str, query: Optional[Float32Array], k: int, where: Optional[Filter]
    ) -> Tuple[List[Hit], List[Hit]]:
        """The k nearest rows (if query is given) and the k best keyword hits, in one read."""
        with self._transaction(write=False) as conn:
            self._registered(conn, table)
            if self._text_language(conn, table) is None:
                raise TextIndexMissingError(table)
            nearest: List[Hit] = []
            if query is not None:
                _, keys, scores = self._rank(conn, table, query, k, where)
                nearest = self._hits(self._rows_by_seq(conn, table, keys), keys, scores)
            match = sqlite_fts.match_query(text)
            if match is None:
                return nearest, []
            where_sql, params = compile_sqlite(where, column="t.metadata")
            # bm25() is lower for better matches; the score handed out is higher-is-better.
            fts = sqlite_fts.fts_name(table)  # MATCH and bm25() need its name, not an alias
            with self._table_errors(table):
                rows = conn.execute(
                    f"SELECT t.id, t.content, t.metadata, -bm25({fts}) FROM {fts} "
                    f"JOIN {quote_identifier(table)} AS t ON t.seq = {fts}.rowid "
                    f"WHERE {fts} MATCH ? AND {where_sql} ORDER BY bm25({fts}), t.id LIMIT ?",
                    [match, *params, k],
                ).fetchall()
        return nearest, [(self._document(row[:3]), float(row[3])) for row in rows]

    # -- vector index ----------------------------------------------------------------

    def create_index(self, table: str, spec: IndexSpec) -> None:
        reg0 = self.collection_info(table)
        # Fail before writing anything if the extra is missing.
        load_approximate_index(spec, reg0.distance, reg0.dimension)
        with self._transaction(write=True) as conn:
            self._registered(conn, table)
            conn.execute(
                f"UPDATE {REGISTRY} SET index_spec = ? WHERE name = ?",
                (json.dumps(spec.to_dict()), table),
            )

    def drop_index(self, table: str) -> None:
        with self._transaction(write=True) as conn:
            self._registered(conn, table)
            conn.execute(f"UPDATE {REGISTRY} SET index_spec = NULL WHERE name = ?", (table,))
        cache = self._caches.get(table.lower())
        if cache is not None:
            cache.ann = None


def _core_for(url: DatabaseURL, options: Dict[str, Any]) -> _SQLiteCore:
    timeout = options.pop("timeout", None)
    if options:
        raise TypeError(f"unknown SQLite option(s): {', '.join(sorted(options))}")
    return _SQLiteCore(url, timeout=None if timeout is None else float(timeout))


class SQLiteDriver:
    """Sync SQLite driver: operations run on the caller's thread, one at a time (a lock)."""

    dialect = "sqlite"

    def __init__(self, url: DatabaseURL, **options: Any) -> None:
        self._core = _core_for(url, dict(options))
        self._lock = threading.Lock()
        self._closed = False
        # Dropped without close(): warn and close the connection (no thread to stop here).
        self._finalizer = weakref.finalize(self, _abandoned, self._core, None)

    @property
    def closed(self) -> bool:
        return self._closed

    def _run(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            if self._closed:
                raise EngineClosedError()
            return _translated(self._core, fn, *args)

    def connect(self) -> None:
        self._run(self._core.connect)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._finalizer.detach()
            self._core.close()

    def ping(self) -> None:
        self._run(self._core.ping)

    def init_table(self, table: str, *, dimension: int, distance: str, if_not_exists: bool) -> None:
        self._run(self._core.init_table, table, dimension, distance, if_not_exists)

    def drop_table(self, table: str, *, if_exists: bool) -> None:
        self._run(self._core.drop_table, table, if_exists)

    def collection_info(self, table: str) -> CollectionInfo:
        return self._run(self._core.collection_info, table)

    def upsert(self, table: str, batch: Batch) -> None:
        self._run(self._core.upsert, table, batch)

    def get_by_ids(self, table: str, ids: Sequence[str]) -> List[Document]:
        # The hot path of small reads: no extra call layers.
        with self._lock:
            if self._closed:
                raise EngineClosedError()
            return _translated(self._core, self._core.get_by_ids, table, ids)

    def delete(self, table: str, *, ids: Optional[Sequence[str]], where: Optional[Filter]) -> int:
        return self._run(self._core.delete, table, ids, where)

    def count(self, table: str, where: Optional[Filter]) -> int:
        return self._run(self._core.count, table, where)

    def search(self, table: str, query: Float32Array, k: int, where: Optional[Filter]) -> List[Hit]:
        return self._run(self._core.search, table, query, k, where)

    def search_with_vectors(self, table: str, query: Float32Array, k: int, where: Optional[Filter]) -> HitsWithVectors:
        return self._run(self._core.search_with_vectors, table, query, k, where)

    def iter_documents(self, table: str, where: Optional[Filter], batch_size: int) -> Generator[Document, None, None]:
        # Keyset pages, the lock held for one page at a time: other threads go on between them.
        after: Optional[str] = None
        while True:
            page = self._run(self._core.page, table, where, after, batch_size)
            yield from page
            if len(page) < batch_size:
                return
            after = page[-1].id

    def search_stream(
        self, table: str, query: Float32Array, k: int, where: Optional[Filter], batch_size: int
    ) -> Generator[Hit, None, None]:
        ranking, hits = self._run(self._core.search_first, table, query, k, where, batch_size)
        yield from hits
        for start in range(batch_size, len(ranking), batch_size):
            yield from self._run(self._core.search_next, table, query, ranking, start, start + batch_size)

    def text_search(
        self, table: str, text: str, query: Optional[Float32Array], k: int, where: Optional[Filter]
    ) -> Tuple[List[Hit], List[Hit]]:
        return self._run(self._core.text_search, table, text, query, k, where)

    def text_index(self, table: str) -> Optional[str]:
        return self._run(self._core.text_index, table)

    def create_text_index(self, table: str, *, language: str, replace: bool) -> None:
        self._run(self._core.create_text_index, table, language, replace)

    def drop_text_index(self, table: str) -> None:
        self._run(self._core.drop_text_index, table)

    def create_index(self, table: str, spec: IndexSpec) -> None:
        self._run(self._core.create_index, table, spec)

    def drop_index(self, table: str) -> None:
        self._run(self._core.drop_index, table)


class _Job:
    __slots__ = ("args", "fn", "future", "loop")

    def __init__(
        self,
        fn: Callable[..., Any],
        args: Tuple[Any, ...],
        future: asyncio.Future[Any],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.fn = fn
        self.args = args
        self.future = future
        self.loop = loop


def _deliver(results: List[Tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for future, ok, value in results:
        if future.done():  # the awaiting task was cancelled
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


class _Worker:
    """A dedicated thread that owns the core and runs queued jobs one after another."""

    # How many queued jobs may run, and for how long (seconds), before their results are
    # handed back to the loop: many small reads share one wake-up, and a quick result is
    # not held back behind a row of slow searches.
    BATCH = 64
    BATCH_SECONDS = 0.002

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[Optional[_Job]] = queue.SimpleQueue()
        self._last: Optional[Callable[[], None]] = None
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., T], args: Tuple[Any, ...]) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put(_Job(fn, args, future, loop))
        return future

    def stop(self, last: Optional[Callable[[], None]] = None) -> None:
        """End the thread once the queued jobs have run, running `last` (if given) on it first."""
        self._last = last
        self._jobs.put(None)

    def _main(self) -> None:
        while True:
            job = self._jobs.get()
            pending: Dict[asyncio.AbstractEventLoop, List[Tuple[asyncio.Future[Any], bool, Any]]]
            pending = {}
            stop = False
            count = 0
            started = time.perf_counter()
            while job is not None:
                try:
                    outcome: Tuple[asyncio.Future[Any], bool, Any] = (
                        job.future,
                        True,
                        job.fn(*job.args),
                    )
                except BaseException as exc:  # handed to the awaiting task
                    outcome = (job.future, False, exc)
                pending.setdefault(job.loop, []).append(outcome)
                count += 1
                if count >= self.BATCH or time.perf_counter() - started >= self.BATCH_SECONDS:
                    break
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
            else:
                stop = True
            for loop, results in pending.items():
                # A closed loop raises RuntimeError: nobody is waiting there any more.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_deliver, results)
            if stop:
                if self._last is not None:
                    with contextlib.suppress(Exception):
                        self._last()
                return


def _abandoned(core: _SQLiteCore, worker: Optional[_Worker]) -> None:
    """A driver was garbage collected without close(): say so, close its connection, end its thread."""
    if worker is None and core._conn is None:
        return  # never connected: nothing was left open
    warnings.warn(
        f"unclosed sqlvec engine for {core.url.path!r}: call close() / aclose() or use `with` / `async with`",
        ResourceWarning,
        stacklevel=2,
    )
    if worker is not None:
        worker.stop(core.close)  # the connection is closed on the thread that used it
    else:
        core.close()


class AsyncSQLiteDriver:
    """Async SQLite driver: each operation runs whole in a dedicated worker thread."""

    dialect = "sqlite"

    def __init__(self, url: DatabaseURL, **options: Any) -> None:
        self._core = _core_for(url, dict(options))
        self._worker: Optional[_Worker] = None
        self._closed = False
        self._start_lock = threading.Lock()
        self._finalizer: Optional[weakref.finalize[..., AsyncSQLiteDriver]] = None

    @property
    def closed(self) -> bool:
        return self._closed

    def _submit(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        if self._closed:
            raise EngineClosedError()
        if self._worker is None:
            with self._start_lock:
                if self._worker is None:
                    self._worker = _Worker(f"sqlvec-sqlite-{id(self):x}")
                    # Dropped without close(): warn, and let the thread close the connection and end.
                    self._finalizer = weakref.finalize(self, _abandoned, self._core, self._worker)
        return self._worker.submit(_translated, (self._core, fn, *args))

    async def connect(self) -> None:
        await self._submit(self._core.connect)

    async def close(self) -> None:
        if self._closed:
            return
        worker = self._worker
        if worker is None:
            self._closed = True
            return
        if self._finalizer is not None:
            self._finalizer.detach()
        future = worker.submit(self._core.close, ())
        self._closed = True
        worker.stop()
        await future

    async def ping(self) -> None:
        await self._submit(self._core.ping)

    async def init_table(self, table: str, *, dimension: int, distance: str, if_not_exists: bool) -> None:
        await self._submit(self._core.init_table, table, dimension, distance, if_not_exists)

    async def drop_table(self, table: str, *, if_exists: bool) -> None:
        await self._submit(self._core.drop_table, table, if_exists)

    async def collection_info(self, table: str) -> CollectionInfo:
        return await self._submit(self._core.collection_info, table)

    async def upsert(self, table: str, batch: Batch) -> None:
        await self._submit(self._core.upsert, table, batch)

    async def get_by_ids(self, table: str, ids: Sequence[str]) -> List[Document]:
        return await self._submit(self._core.get_by_ids, table, ids)

    async def delete(self, table: str, *, ids: Optional[Sequence[str]], where: Optional[Filter]) -> int:
        return await self._submit(self._core.delete, table, ids, where)

    async def count(self, table: str, where: Optional[Filter]) -> int:
        return await self._submit(self._core.count, table, where)

    async def search(self, table: str, query: Float32Array, k: int, where: Optional[Filter]) -> List[Hit]:
        return await self._submit(self._core.search, table, query, k, where)

    async def search_with_vectors(
        self, table: str, query: Float32Array, k: int, where: Optional[Filter]
    ) -> HitsWithVectors:
        return await self._submit(self._core.search_with_vectors, table, query, k, where)

    async def iter_documents(
        self, table: str, where: Optional[Filter], batch_size: int
    ) -> AsyncGenerator[Document, None]:
        # Keyset pages, each one job of the worker: nothing is held between pages.
        after: Optional[str] = None
        while True:
            page = await self._submit(self._core.page, table, where, after, batch_size)
            for document in page:
                yield document
            if len(page) < batch_size:
                return
            after = page[-1].id

    async def search_stream(
        self, table: str, query: Float32Array, k: int, where: Optional[Filter], batch_size: int
    ) -> AsyncGenerator[Hit, None]:
        ranking, hits = await self._submit(self._core.search_first, table, query, k, where, batch_size)
        for hit in hits:
            yield hit
        for start in range(batch_size, len(ranking), batch_size):
            for hit in await self._submit(self._core.search_next, table, query, ranking, start, start + batch_size):
                yield hit

    async def text_search(
        self, table: str, text: str, query: Optional[Float32Array], k: int, where: Optional[Filter]
    ) -> Tuple[List[Hit], List[Hit]]:
        return await self._submit(self._core.text_search, table, text, query, k, where)

    async def text_index(self, table: str) -> Optional[str]:
        return await self._submit(self._core.text_index, table)

    async def create_text_index(self, table: str, *, language: str, replace: bool) -> None:
        await self._submit(self._core.create_text_index, table, language, replace)

    async def drop_text_index(self, table: str) -> None:
        await self._submit(self._core.drop_text_index, table)

    async def create_index(self, table: str, spec: IndexSpec) -> None:
        await self._submit(self._core.create_index, table, spec)

    async def drop_index(self, table: str) -> None:
        await self._submit(self._core.drop_index, table)
