"""SQL text of SQLite's full-text index (FTS5) for keyword and hybrid search; no I/O.

Each collection table `t` may have an FTS5 table `sqlvec_fts_t` over its `content`, an
external-content index (the text is stored once, in `t`) keyed by `t.seq`. Three triggers
on `t` keep it in step with every insert, upsert and delete, inside the writing
transaction, whichever client (or version of sqlvec) writes. The `sqlvec_` prefix is
reserved, so no collection can be named like another one's index.

Languages map to FTS5 tokenizers: "english" is `porter unicode61` (Porter's English
stemmer over Unicode word splitting and case folding), "simple" is `unicode61` alone.
Diacritics are kept (`remove_diacritics 0`), as PostgreSQL's configurations keep them.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional

from ..errors import InvalidArgumentError

#: language -> FTS5 tokenize option.
TOKENIZERS: Dict[str, str] = {
    "english": "porter unicode61 remove_diacritics 0",
    "simple": "unicode61 remove_diacritics 0",
}

_TRIGGERS = ("ai", "ad", "au")

# Runs of letters and digits, as unicode61 splits text ("_" separates words too: inside
# one quoted term it would make "a_b" the phrase "a b" instead of the words a OR b).
_TERM = re.compile(r"[^\W_]+")


def check_language(language: object) -> str:
    """language if SQLite's full-text index supports it, else InvalidArgumentError."""
    if not isinstance(language, str) or language not in TOKENIZERS:
        raise InvalidArgumentError(
            f"text search language {language!r} is not available on SQLite; use one of "
            f"{', '.join(repr(name) for name in TOKENIZERS)} ('simple' for other languages: no stemming)",
            language,
        )
    return language


def fts_name(table: str) -> str:
    """The quoted name of a collection's FTS5 table (table is already a checked identifier)."""
    return f'"sqlvec_fts_{table}"'


def trigger_names(table: str) -> List[str]:
    """The unquoted names of the triggers that keep the index in step with the table."""
    return [f"sqlvec_fts_{table}_{kind}" for kind in _TRIGGERS]


def language_of(create_sql: Optional[str]) -> Optional[str]:
    """The language an FTS5 table was created for, from its CREATE statement."""
    if create_sql is None:
        return None
    for language, tokenizer in TOKENIZERS.items():
        if f"tokenize='{tokenizer}'" in create_sql:
            return language
    return None


def create(table: str, language: str) -> List[str]:
    """Statements that create the index and its triggers and fill it from the table."""
    t = f'"{table}"'
    fts = fts_name(table)
    ai, ad, au = (f'"{name}"' for name in trigger_names(table))
    tokenizer = TOKENIZERS[check_language(language)]
    delete_old = f"INSERT INTO {fts} ({fts}, rowid, content) VALUES ('delete', old.seq, old.content);"
    insert_new = f"INSERT INTO {fts} (rowid, content) VALUES (new.seq, new.content);"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(content, content='{table}', content_rowid='seq', "
        f"tokenize='{tokenizer}')",
        f"CREATE TRIGGER {ai} AFTER INSERT ON {t} BEGIN {insert_new} END",
        f"CREATE TRIGGER {ad} AFTER DELETE ON {t} BEGIN {delete_old} END",
        f"CREATE TRIGGER {au} AFTER UPDATE OF content ON {t} BEGIN {delete_old} {insert_new} END",
        f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')",
    ]


def drop(table: str) -> List[str]:
    """Statements that drop the index and its triggers, if present."""
    return [f'DROP TRIGGER IF EXISTS "{name}"' for name in trigger_names(table)] + [
        f"DROP TABLE IF EXISTS {fts_name(table)}"
    ]


def match_query(text: str) -> Optional[str]:
    """An FTS5 query matching rows with any word of `text`, or None if it has no word.

    Every word is a double-quoted string, so nothing the user typed is FTS5 syntax: quotes,
    `AND`/`OR`/`NOT`/`NEAR`, `*`, `^`, `column:` and parentheses are plain text (or
    separators). The words are joined by OR: bm25 then ranks rows that hold more, and
    rarer, words first; requiring every word would leave most natural-language queries
    without a single keyword hit.
    """
    terms = list(dict.fromkeys(term.lower() for term in _TERM.findall(text)))
    if not terms:
        return None
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
