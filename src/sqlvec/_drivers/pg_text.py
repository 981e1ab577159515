"""SQL text of PostgreSQL's full-text index for keyword and hybrid search; no I/O.

A collection with a full-text index has a stored generated column
`sqlvec_tsv tsvector GENERATED ALWAYS AS (to_tsvector('<language>'::regconfig, content))`
with a GIN index: PostgreSQL computes it in the statement that writes the row, so every
insert, upsert and update keeps it current in the writing transaction, whoever writes.
The language (a text search configuration) is recorded in the catalog's `text_search`
column, added to catalogs created before it existed when the first index is built.

The query text becomes a tsquery without ever being parsed as tsquery syntax: it goes
through `to_tsvector` with the collection's configuration, exactly as the documents did
(same parser, stemmer and stop words), and its lexemes are quoted and joined by `|`.
Neither `plainto_tsquery` nor `websearch_to_tsquery` is used: both require every word
(`&`), which leaves most natural-language queries without a keyword hit, and
`websearch_to_tsquery` also reads quotes, `or` and `-` as operators in untrusted text.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, List, Optional, Tuple

from ..errors import InvalidArgumentError
from ..filters import Filter
from ..identifiers import quote_identifier
from .pgsql import CATALOG, PgSQL

#: The generated tsvector column of a collection with a full-text index.
COLUMN = "sqlvec_tsv"

# Configuration names are written into DDL (a generated column cannot take a parameter):
# only plain lowercase names, which are also checked against pg_ts_config first.
_LANGUAGE = re.compile(r"[a-z_][a-z0-9_]{0,62}")

# The query's lexemes, each quoted as tsquery input wants it (quotes and backslashes
# doubled), joined by OR; NULL (no match at all) when the query has no lexeme. Computed in
# the statement that describes the collection, in its configuration, and bound as a
# parameter of the search: the planner then estimates the match from the actual lexemes
# (210 rows estimated 210 on 10,000; computed inside the search it guesses a default 50)
# when it chooses between the GIN index and a sequential scan.
_QUERY = (
    "(SELECT string_agg('''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || '''', ' | ') "
    "FROM unnest(to_tsvector((to_jsonb(c) ->> 'text_search')::regconfig, %s)))"
)


def check_language(language: object) -> str:
    """language if its form can name a text search configuration, else InvalidArgumentError."""
    if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
        raise InvalidArgumentError(
            f"text search language must be the name of a PostgreSQL text search configuration "
            f"such as 'english' or 'simple', got {language!r}",
            language,
        )
    return language


def language_exists() -> str:
    """One row if the configuration exists (param: name)."""
    return "SELECT 1 FROM pg_ts_config WHERE cfgname = %s"


def describe() -> str:
    """text_search, whether its column exists, dimension, distance, index_spec, and a query
    text's tsquery text (params: quoted name, query text, name).

    `to_jsonb(c)` reads text_search from catalogs that predate the column too (as NULL).
    """
    return (
        f"SELECT to_jsonb(c) ->> 'text_search', EXISTS (SELECT 1 FROM pg_attribute "
        f"WHERE attrelid = to_regclass(%s) AND attname = '{COLUMN}' AND NOT attisdropped), "
        f"c.dimension, c.distance, c.index_spec, {_QUERY} FROM {CATALOG} AS c WHERE c.name = %s"
    )


def index_name(table: str) -> str:
    """The GIN index's name, deterministic and within PostgreSQL's 63 characters."""
    digest = hashlib.sha256(table.encode()).hexdigest()[:8]
    return quote_identifier(f"{table[:40]}_{digest}_tsv")


def create(table: str, language: str) -> List[str]:
    """Statements that (re)build the column and its index; then record the language."""
    t = quote_identifier(table)
    return [
        f"ALTER TABLE {CATALOG} ADD COLUMN IF NOT EXISTS text_search text",
        f"ALTER TABLE {t} DROP COLUMN IF EXISTS {COLUMN}",
        f"ALTER TABLE {t} ADD COLUMN {COLUMN} tsvector "
        f"GENERATED ALWAYS AS (to_tsvector('{check_language(language)}'::regconfig, content)) STORED",
        f"CREATE INDEX {index_name(table)} ON {t} USING gin ({COLUMN})",
    ]


def drop(table: str) -> List[str]:
    """Statements that drop the column (its index goes with it); then record no language."""
    return [
        f"ALTER TABLE {CATALOG} ADD COLUMN IF NOT EXISTS text_search text",
        f"ALTER TABLE {quote_identifier(table)} DROP COLUMN IF EXISTS {COLUMN}",
    ]


def record() -> str:
    """Record the language of a collection's index (params: language or None, name)."""
    return f"UPDATE {CATALOG} SET text_search = %s WHERE name = %s"


def search(
    sql: PgSQL, table: str, tsquery: Optional[str], distance: Optional[str], where: Optional[Filter], k: int
) -> Tuple[str, List[Any]]:
    """Keyword hits (leg 1, ts_rank, best first) and, with a distance, the nearest rows (leg 0).

    `tsquery` is describe()'s tsquery text (None: no keyword hit). Rows: leg, id, content,
    metadata, score. One statement, so both legs read one snapshot. With a distance the
    caller puts the query vector at params[0].
    """
    t = quote_identifier(table)
    filter_sql, filter_params = sql.where(where)
    params: List[Any] = []
    ctes = []
    parts = []
    if distance is not None:
        nearest, nearest_params = sql.search(table, distance, where, k)
        ctes.append(f"v AS ({nearest})")
        params.extend(nearest_params)
        parts.append("SELECT 0 AS leg, id, content, metadata, distance::float8 AS score FROM v")
    ctes.append(
        f"kw AS (SELECT id, content, metadata, ts_rank({COLUMN}, %s::tsquery) AS score FROM {t} "
        f"WHERE {COLUMN} @@ %s::tsquery AND {filter_sql} ORDER BY score DESC, id LIMIT %s)"
    )
    params.extend([tsquery, tsquery, *filter_params, k])
    parts.append("SELECT 1 AS leg, id, content, metadata, score::float8 FROM kw")
    return "WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(parts), params
