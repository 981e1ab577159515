"""SQL text for PostgreSQL + pgvector and CockroachDB: tables, upserts, filters, searches, indexes.

No I/O here: every function returns SQL text (with `%s` / `%b` placeholders for psycopg) and
the parameters to bind. Names reach SQL only through `sqlvec.identifiers.quote_identifier`;
every value, including metadata keys, is a bound parameter.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any, Dict, List, Optional, Tuple

from ..errors import InvalidArgumentError
from ..filters import Filter, FilterCompiler, Scalar, like_pattern
from ..identifiers import quote_identifier
from ..models import IndexSpec, check_distance

POSTGRESQL = "postgresql"
COCKROACHDB = "cockroachdb"
DIALECTS = (POSTGRESQL, COCKROACHDB)

#: The table that records each collection's dimension, distance and index.
CATALOG = "sqlvec_collections"

#: pgvector's distance operators; their results are the distances base.py promises.
OPERATORS: Dict[str, str] = {"cosine": "<=>", "l2": "<->", "inner_product": "<#>"}

#: The operator class an index needs to serve that distance's operator (a cosine store
#: must not get an L2 index: the planner would never use it, or worse, use it wrongly).
OPCLASSES: Dict[str, str] = {
    "cosine": "vector_cosine_ops",
    "l2": "vector_l2_ops",
    "inner_product": "vector_ip_ops",
}

_CMP: Dict[str, str] = {"$eq": "=", "$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}

#: pgvector caps hnsw.ef_search at 1000.
_MAX_EF_SEARCH = 1000


def _int(value: object, name: str) -> int:
    """An int that is safe to write into DDL text (index parameters cannot be bound)."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InvalidArgumentError(f"{name} must be a positive int, got {value!r}", value)
    return int(value)


class JsonbFilterCompiler(FilterCompiler):
    """Filters over a jsonb column, two-valued like the reference semantics in filters.py.

    Equality is jsonb containment (`metadata @> '{"a": {"b": 1}}'`): it is type-exact
    (1 matches 1.0, never "1" or true), false for a missing key, and can use a GIN index.
    Orderings guard on jsonb_typeof inside CASE, which fixes the evaluation order, so a
    string is never cast to numeric; CASE ... ELSE FALSE keeps a missing key false, not NULL.
    Keys are bound one segment at a time with `->`, which never indexes into arrays.
    """

    true_sql = "TRUE"
    false_sql = "FALSE"

    def __init__(self, column: str = "metadata", byte_order_collation: bool = True, jsonb_arrays: bool = True) -> None:
        super().__init__(column)
        # CockroachDB before 23.1 has no JSONB[]: $in sends its list as one JSONB array there.
        self.jsonb_arrays = jsonb_arrays
        # PostgreSQL compares text with the database's collation; "C" gives the byte
        # (code point) order the reference semantics use. CockroachDB already compares bytes.
        self.collate = ' COLLATE "C"' if byte_order_collation else ""

    def _path(self, key: Tuple[str, ...], params: List[Any]) -> str:
        params.extend(key)
        return self.column + "".join(" -> %s::text" for _ in key)

    def _contains(self, key: Tuple[str, ...], value: Scalar, params: List[Any]) -> str:
        document: Any = value
        for segment in reversed(key):
            document = {segment: document}
        params.append(json.dumps(document))
        return f"({self.column} @> %s::jsonb)"

    def compare(self, key: Tuple[str, ...], op: str, value: Scalar, params: List[Any]) -> str:
        if op == "$eq":
            return self._contains(key, value, params)
        sql_op = _CMP[op]
        if isinstance(value, str):
            typ = self._path(key, params)
            text = self._path(key, params)
            params.append(value)
            return (
                f"(CASE WHEN jsonb_typeof({typ}) = 'string' "
                f"THEN ({text} #>> '{{}}'){self.collate} {sql_op} %s::text{self.collate} "
                "ELSE FALSE END)"
            )
        typ = self._path(key, params)
        num = self._path(key, params)
        params.append(value)
        return (
            f"(CASE WHEN jsonb_typeof({typ}) = 'number' "
            f"THEN ({num} #>> '{{}}')::numeric {sql_op} %s::numeric ELSE FALSE END)"
        )

    def in_(self, key: Tuple[str, ...], values: Tuple[Scalar, ...], params: List[Any]) -> str:
        # One array parameter: the row's metadata is read once and its value looked up in
        # the list (hashed by the executor), instead of one containment test per value that
        # each decompresses the whole metadata (memory grew with list length x row size).
        # jsonb `=` is containment's equality for scalars: 1 = 1.0, "1" <> 1, true <> 1;
        # a missing key gives NULL, which COALESCE makes false.
        path = self._path(key, params)
        if not self.jsonb_arrays:
            params.append(json.dumps(list(values)))
            return f"COALESCE(({path}) IN (SELECT jsonb_array_elements(%s::jsonb)), FALSE)"
        params.append([json.dumps(value) for value in values])
        return f"COALESCE(({path}) = ANY(%s::jsonb[]), FALSE)"

    def exists(self, key: Tuple[str, ...], params: List[Any]) -> str:
        # `->` gives SQL NULL only for a missing key (a JSON null is the jsonb 'null').
        return f"(({self._path(key, params)}) IS NOT NULL)"

    def like(self, key: Tuple[str, ...], pattern: str, ignore_case: bool, params: List[Any]) -> str:
        # LIKE with an explicit escape (E'' reads the same whatever standard_conforming_strings
        # says), and $ilike as LIKE over ASCII-lowered text rather than ILIKE, whose case
        # folding follows the database's locale: A-Z only, as on SQLite.
        typ = self._path(key, params)
        text = f"({self._path(key, params)} #>> '{{}}')"
        if ignore_case:
            text = f"translate({text}, '{_UPPER}', '{_LOWER}')"
        params.append(like_pattern(pattern, ignore_case))
        return f"(CASE WHEN jsonb_typeof({typ}) = 'string' THEN {text}{self.collate} LIKE %s ESCAPE E'\\\\' ELSE FALSE END)"


_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = "abcdefghijklmnopqrstuvwxyz"


class PgSQL:
    """The SQL of one dialect: "postgresql" (pgvector) or "cockroachdb" (built-in VECTOR)."""

    def __init__(self, dialect: str = POSTGRESQL) -> None:
        if dialect not in DIALECTS:
            raise InvalidArgumentError(f"unknown SQL dialect {dialect!r}", dialect)
        self.dialect = dialect
        self.cockroach = dialect == COCKROACHDB
        self.filters = JsonbFilterCompiler(byte_order_collation=not self.cockroach, jsonb_arrays=not self.cockroach)
        # psycopg's %b sends the vector in pgvector's binary format; CockroachDB's VECTOR
        # is sent as text ('[1,2,3]') and cast, since its binary wire format differs.
        self.vector_param = "%s::vector" if self.cockroach else "%b"
        # Statements asked for on every small request, built once per table (the names are
        # checked before a statement is stored; reads and writes of a dict are thread safe).
        self._get_by_ids: Dict[str, str] = {}

    # -- setup -----------------------------------------------------------------------

    def create_extension(self) -> Optional[str]:
        """The statement that makes the vector type available (None: it is built in)."""
        return None if self.cockroach else "CREATE EXTENSION IF NOT EXISTS vector"

    def catalog_ddl(self) -> str:
        """Create the catalog of collections if missing."""
        return (
            f"CREATE TABLE IF NOT EXISTS {CATALOG} ("
            "name text PRIMARY KEY, dimension integer NOT NULL, distance text NOT NULL, "
            "index_spec jsonb)"
        )

    def ddl_lock(self) -> Optional[str]:
        """Serialise concurrent DDL by sqlvec clients, or None where advisory locks do not exist.

        PostgreSQL's CREATE TABLE IF NOT EXISTS can still fail with a unique violation when two
        sessions race; a transaction-scoped advisory lock orders them. CockroachDB has no
        advisory locks, but its DDL is transactional and conflicts surface as retryable 40001.
        """
        if self.cockroach:
            return None
        return "SELECT pg_advisory_xact_lock(hashtext('sqlvec.ddl'))"

    def create_table(self, table: str, dimension: int) -> str:
        """Create one collection's table."""
        dim = _int(dimension, "dimension")
        # Binary (C) order for ids keeps keyset paging in the same order as every backend.
        id_type = "text" if self.cockroach else 'text COLLATE "C"'
        return (
            f"CREATE TABLE {quote_identifier(table)} ("
            f"id {id_type} PRIMARY KEY, content text NOT NULL, "
            "metadata jsonb NOT NULL DEFAULT '{}'::jsonb, "
            f"embedding vector({dim}) NOT NULL)"
        )

    def table_exists(self) -> str:
        """One row if a table of that name exists in the current schema (param: name)."""
        return "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = %s"

    def register_collection(self) -> str:
        """Record a collection (params: name, dimension, distance)."""
        return (
            f"INSERT INTO {CATALOG} (name, dimension, distance) VALUES (%s, %s, %s) "
            "ON CONFLICT (name) DO UPDATE SET dimension = EXCLUDED.dimension, "
            "distance = EXCLUDED.distance, index_spec = NULL"
        )

    def collection_info(self) -> str:
        """dimension, distance, index_spec and the table's OID (params: quoted name, name).

        The OID changes when the table is dropped and created again, which is how a driver
        notices that its cached description of a collection is out of date.
        """
        return f"SELECT dimension, distance, index_spec, to_regclass(%s)::oid::int8 FROM {CATALOG} WHERE name = %s"

    def drop_table(self, table: str) -> str:
        """Drop one collection's table (its indexes go with it)."""
        return f"DROP TABLE IF EXISTS {quote_identifier(table)}"

    def unregister_collection(self) -> str:
        """Forget a collection (param: name)."""
        return f"DELETE FROM {CATALOG} WHERE name = %s"

    # -- rows ------------------------------------------------------------------------

    def upsert(self, table: str) -> str:
        """Insert or replace one row (params: id, content, metadata JSON text, embedding)."""
        return (
            f"INSERT INTO {quote_identifier(table)} (id, content, metadata, embedding) "
            f"VALUES (%s, %s, %s::jsonb, {self.vector_param}) "
            "ON CONFLICT (id) DO UPDATE SET content = EXCLUDED.content, "
            "metadata = EXCLUDED.metadata, embedding = EXCLUDED.embedding"
        )

    def get_by_ids(self, table: str) -> str:
        """Rows with the given ids (param: list of ids); the caller restores the order."""
        statement = self._get_by_ids.get(table) if isinstance(table, str) else None
        if statement is None:
            statement = f"SELECT id, content, metadata FROM {quote_identifier(table)} WHERE id = ANY(%s)"
            if len(self._get_by_ids) < 1024:  # bounded: one entry per collection in practice
                self._get_by_ids[table] = statement
        return statement

    def where(self, node: Optional[Filter]) -> Tuple[str, List[Any]]:
        """A compiled metadata filter: (sql, params)."""
        return self.filters.compile(node)

    def delete(self, table: str, ids: Optional[List[str]], node: Optional[Filter]) -> Tuple[str, List[Any]]:
        """Delete by ids and/or filter; (sql, params)."""
        conditions: List[str] = []
        params: List[Any] = []
        if ids is not None:
            conditions.append("id = ANY(%s)")
            params.append(list(ids))
        if node is not None:
            sql, filter_params = self.where(node)
            conditions.append(sql)
            params.extend(filter_params)
        if not conditions:
            conditions.append("TRUE")  # an empty filter ({}) matches every row
        return f"DELETE FROM {quote_identifier(table)} WHERE " + " AND ".join(conditions), params

    def count(self, table: str, node: Optional[Filter]) -> Tuple[str, List[Any]]:
        """Count matching rows; (sql, params)."""
        sql, params = self.where(node)
        return f"SELECT count(*) FROM {quote_identifier(table)} WHERE {sql}", params

    def scan(self, table: str, node: Optional[Filter]) -> Tuple[str, List[Any]]:
        """Every matching row ordered by id, for a server-side cursor; (sql, params)."""
        sql, params = self.where(node)
        return (
            f"SELECT id, content, metadata FROM {quote_identifier(table)} WHERE {sql} ORDER BY id",
            params,
        )

    # -- search ----------------------------------------------------------------------

    def search(
        self,
        table: str,
        distance: str,
        node: Optional[Filter],
        k: Optional[int],
        strict: bool = False,
        with_vectors: bool = False,
    ) -> Tuple[str, List[Any]]:
        """Nearest rows first; params: the query vector first, then the filter's, then k.

        The caller puts the query vector at params[0] (it is a placeholder here). ORDER BY
        repeats the operator expression so that pgvector's index can serve it. k=None streams
        every matching row in distance order (for a server-side cursor). strict sorts the k
        rows again on the server, for a cursor over an index scan whose order is relaxed
        (ivfflat's iterative scan), where the client cannot sort what it has not fetched.
        with_vectors adds each row's stored embedding as a sixth column.
        """
        op = OPERATORS[check_distance(distance)]
        sql, filter_params = self.where(node)
        vector = self.vector_param
        params: List[Any] = [None, *filter_params]
        limit = ""
        if k is not None:
            limit = " LIMIT %s"
        text = (
            f"SELECT id, content, metadata, embedding {op} {vector} AS distance, tableoid::int8{', embedding' if with_vectors else ''} "
            f"FROM {quote_identifier(table)} WHERE {sql} ORDER BY distance{limit}"
        )
        if k is not None:
            params.append(_int(k, "k"))
        if strict:
            # MATERIALIZED keeps the planner from folding the outer sort into the index scan.
            text = f"WITH hits AS MATERIALIZED ({text}) SELECT * FROM hits ORDER BY distance"
        return text, params

    def search_settings(
        self, index: Optional[IndexSpec], k: int, filtered: bool, rows: Optional[int] = None
    ) -> List[str]:
        """SET LOCAL statements for an approximate search; empty when the search is exact.

        SET LOCAL lasts until the end of the transaction, so a pooled connection never
        carries one caller's settings into another's request.
        """
        if index is None:
            return []
        if self.cockroach:
            return [f"SET LOCAL vector_search_beam_size = {_beam_size(index, k)}"]
        if index.kind == "hnsw":
            settings = [f"SET LOCAL hnsw.ef_search = {min(_MAX_EF_SEARCH, max(index.ef_search, k))}"]
            if filtered:
                # Without iterative scan a selective filter leaves fewer than k rows of the
                # ef_search candidates; strict_order keeps the results sorted by distance.
                settings.append("SET LOCAL hnsw.iterative_scan = strict_order")
            return settings
        lists = index.lists or 1
        settings = [f"SET LOCAL ivfflat.probes = {ivfflat_probes(lists)}"]
        if filtered:
            # ivfflat only offers relaxed_order: the driver sorts the k hits afterwards.
            settings.append("SET LOCAL ivfflat.iterative_scan = relaxed_order")
        return settings

    # -- indexes ---------------------------------------------------------------------

    def index_name(self, table: str) -> str:
        """A deterministic index name within PostgreSQL's 63-character limit."""
        digest = hashlib.sha256(table.encode()).hexdigest()[:8]
        return quote_identifier(f"{table[:40]}_{digest}_vec")

    def drop_index(self, table: str) -> str:
        """Drop the collection's vector index if it exists."""
        if self.cockroach:
            return f"DROP INDEX IF EXISTS {quote_identifier(table)}@{self.index_name(table)}"
        return f"DROP INDEX IF EXISTS {self.index_name(table)}"

    def create_index(self, table: str, distance: str, spec: IndexSpec, rows: int = 0) -> str:
        """Build the vector index with the operator class matching the distance."""
        opclass = OPCLASSES[check_distance(distance)]
        name = self.index_name(table)
        quoted = quote_identifier(table)
        if self.cockroach:
            # CockroachDB has one vector index kind (C-SPANN); hnsw/ivfflat options do not apply.
            return f"CREATE VECTOR INDEX {name} ON {quoted} (embedding {opclass})"
        if spec.kind == "hnsw":
            return (
                f"CREATE INDEX {name} ON {quoted} USING hnsw (embedding {opclass}) "
                f"WITH (m = {_int(spec.m, 'm')}, "
                f"ef_construction = {_int(spec.ef_construction, 'ef_construction')})"
            )
        lists = spec.lists or ivfflat_lists(rows)
        return (
            f"CREATE INDEX {name} ON {quoted} USING ivfflat (embedding {opclass}) WITH (lists = {_int(lists, 'lists')})"
        )

    def record_index(self) -> str:
        """Store the index spec beside the collection (params: spec JSON or None, name)."""
        return f"UPDATE {CATALOG} SET index_spec = %s::jsonb WHERE name = %s"

    # -- CockroachDB's client-side retry protocol --------------------------------------

    savepoint = "SAVEPOINT cockroach_restart"
    release_savepoint = "RELEASE SAVEPOINT cockroach_restart"
    rollback_to_savepoint = "ROLLBACK TO SAVEPOINT cockroach_restart"


def ivfflat_lists(rows: int) -> int:
    """pgvector's advice: rows / 1000 lists up to a million rows, sqrt(rows) beyond."""
    if rows <= 1_000_000:
        return max(1, rows // 1000)
    return max(1, int(math.sqrt(rows)))


def ivfflat_probes(lists: int) -> int:
    """Probes for a search: sqrt(lists), pgvector's starting point for recall."""
    return max(1, min(lists, int(math.ceil(math.sqrt(lists)))))


def _beam_size(index: IndexSpec, k: int) -> int:
    # CockroachDB's default beam is 32; a wider beam buys recall for larger k.
    return max(32, min(512, max(index.ef_search, k) // 2))


def spec_to_json(spec: Optional[IndexSpec]) -> Optional[str]:
    """The JSON text stored in the catalog for an index spec."""
    return None if spec is None else json.dumps(spec.to_dict())


def spec_from_json(data: Any) -> Optional[IndexSpec]:
    """The inverse of spec_to_json (psycopg already decodes jsonb into dicts)."""
    if data is None:
        return None
    if isinstance(data, str):
        data = json.loads(data)
    return IndexSpec.from_dict(dict(data))
