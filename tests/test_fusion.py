"""Reciprocal rank fusion and the FTS5 query builder, without a database."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import List, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqlvec._drivers import sqlite_fts
from sqlvec.documents import Document
from sqlvec.fusion import reciprocal_rank_fusion


def _hits(*ids: str) -> List[tuple]:
    return [(Document(i, {}, i), 0.0) for i in ids]


def test_rrf_adds_the_weighted_reciprocal_ranks_of_both_legs() -> None:
    fused = reciprocal_rank_fusion(_hits("a", "b", "c"), _hits("c", "x"), k=10, keyword_weight=0.25, rrf_k=10)
    scores = {doc.id: score for doc, score in fused}
    assert scores == pytest.approx(
        {"a": 0.75 / 11, "b": 0.75 / 12, "c": 0.75 / 13 + 0.25 / 11, "x": 0.25 / 12}, rel=1e-12
    )
    assert [doc.id for doc, _ in fused] == ["c", "a", "b", "x"]


def test_rrf_leaves_out_documents_only_a_weightless_leg_found() -> None:
    assert [d.id for d, _ in reciprocal_rank_fusion(_hits("a"), _hits("b"), k=5, keyword_weight=0.0)] == ["a"]
    assert [d.id for d, _ in reciprocal_rank_fusion(_hits("a"), _hits("b"), k=5, keyword_weight=1.0)] == ["b"]


def test_rrf_breaks_ties_by_id_and_stops_at_k() -> None:
    fused = reciprocal_rank_fusion(_hits("z", "m"), _hits("b", "y"), k=3)
    assert [doc.id for doc, _ in fused] == ["b", "z", "m"]


@pytest.mark.parametrize(
    ("text", "query"),
    [
        pytest.param("apple banana", '"apple" OR "banana"', id="words are quoted and OR'd"),
        pytest.param('say "hi" NEAR(a b)', '"say" OR "hi" OR "near" OR "a" OR "b"', id="quotes and NEAR go"),
        pytest.param("pre* ^start col:val", '"pre" OR "start" OR "col" OR "val"', id="prefix, caret, column go"),
        pytest.param("Apple APPLE apple", '"apple"', id="repeated words once"),
        pytest.param("café naïve 東京", '"café" OR "naïve" OR "東京"', id="non-ASCII words stay"),
        pytest.param("state_of_art", '"state" OR "of" OR "art"', id="underscores separate words"),
        pytest.param("?! -- ()", None, id="no word: no query"),
    ],
)
def test_fts5_query_is_built_from_words_only(text: str, query: Optional[str]) -> None:
    assert sqlite_fts.match_query(text) == query


@pytest.mark.parametrize("text", ['"', "AND", "a OR", "NOT b", "(", "x:*", "NEAR(", "'", "\\", "a\u2028b", "_"])
def test_every_built_query_is_valid_fts5(text: str) -> None:
    with closing(sqlite3.connect(":memory:")) as conn:  # closed: Python 3.13 warns about unclosed ones
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(content)")
        conn.execute("INSERT INTO t VALUES ('and or not near')")
        query = sqlite_fts.match_query(text)
        if query is not None:
            conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (query,)).fetchall()


def test_language_maps_back_from_the_create_statement() -> None:
    for language in sqlite_fts.TOKENIZERS:
        assert sqlite_fts.language_of(sqlite_fts.create("docs", language)[0]) == language
    assert sqlite_fts.language_of(None) is None


_FTS_SYNTAX = st.sampled_from(['"', "*", "^", ":", "(", ")", " AND ", " OR ", " NOT ", "NEAR", "+", "-", "content:"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), _FTS_SYNTAX), max_size=12).map("".join))
def test_any_text_gives_a_valid_query_matching_exactly_the_rows_with_one_of_its_words(text: str) -> None:
    query = sqlite_fts.match_query(text)
    if query is None:
        return
    rows = ["and or not near", "content star", "plain words here"]
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(content, tokenize='unicode61 remove_diacritics 0')")
        conn.executemany("INSERT INTO t (rowid, content) VALUES (?, ?)", enumerate(rows, start=1))
        found = {r[0] for r in conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (query,))}
    # Only plain ASCII words can be told apart here without re-implementing unicode61.
    words = set(query.replace('"', "").split(" OR "))
    if all(word.isascii() and word.isalnum() for word in words):
        assert found == {i for i, row in enumerate(rows, start=1) if words & set(row.split())}
