"""sqlvec.mmr: the numpy max marginal relevance, checked by hand and against a plain loop."""

from __future__ import annotations

import math
from typing import Any, List

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqlvec.errors import InvalidArgumentError
from sqlvec.mmr import check_mmr_arguments, max_marginal_relevance

QUERY = [1.0, 0.0, 0.0]
# Similarity to the query .96, .936, .8, .6; b is a near duplicate of a (.99712).
CANDIDATES = [[0.96, 0.28, 0.0], [0.936, 0.352, 0.0], [0.8, 0.0, 0.6], [0.6, 0.0, -0.8]]


@pytest.mark.parametrize(
    ("lambda_mult", "expected"),
    [
        pytest.param(1.0, [0, 1, 2, 3], id="relevance only: the similarity order"),
        pytest.param(0.5, [0, 2, 3, 1], id="balanced: the near duplicate comes last"),
        pytest.param(0.0, [0, 3, 2, 1], id="diversity only: the least similar to the picks next"),
    ],
)
def test_hand_checked_orders(lambda_mult: float, expected: List[int]) -> None:
    assert max_marginal_relevance(QUERY, CANDIDATES, 4, lambda_mult) == expected


def test_lengths_do_not_matter_only_directions() -> None:
    scaled = [[x * s for x in row] for row, s in zip(CANDIDATES, [2.0, 3.0, 0.5, 7.0])]
    assert max_marginal_relevance([5.0, 0.0, 0.0], scaled, 3) == [0, 2, 3]


def test_k_past_the_candidates_returns_them_all_and_nothing_gives_nothing() -> None:
    assert max_marginal_relevance(QUERY, CANDIDATES[:2], 5) == [0, 1]
    assert max_marginal_relevance(QUERY, np.zeros((0, 3), dtype=np.float32), 3) == []
    assert max_marginal_relevance(QUERY, CANDIDATES, 0) == []
    assert max_marginal_relevance(QUERY, [], 3) == []


def test_zero_vectors_and_ties_are_deterministic() -> None:
    # A zero vector has similarity 0 to everything; equal scores go to the earlier candidate.
    rows = [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    assert max_marginal_relevance(QUERY, rows, 4, 0.5) == [3, 0, 1, 2]


def _cos(a: Any, b: Any) -> float:
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(x * x for x in b))
    return 0.0 if na == 0 or nb == 0 else sum(x * y for x, y in zip(a, b)) / (na * nb)


def _score(query: Any, rows: Any, i: int, chosen: List[int], lambda_mult: float) -> float:
    """Candidate i's MMR score by the textbook definition, given the picks so far."""
    relevance = _cos(query, rows[i])
    if not chosen:
        return relevance
    return lambda_mult * relevance - (1 - lambda_mult) * max(_cos(rows[i], rows[j]) for j in chosen)


vectors = st.lists(st.integers(-3, 3), min_size=3, max_size=3)


@settings(max_examples=200, deadline=None)
@given(
    query=vectors,
    rows=st.lists(vectors, max_size=8),
    k=st.integers(0, 9),
    lambda_mult=st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]),
)
def test_every_pick_has_the_best_score_left(
    query: List[int], rows: List[List[int]], k: int, lambda_mult: float
) -> None:
    got = max_marginal_relevance(query, rows, k, lambda_mult)
    assert len(got) == min(k, len(rows)) and len(set(got)) == len(got)
    for step, pick in enumerate(got):
        chosen = got[:step]
        best = max(_score(query, rows, i, chosen, lambda_mult) for i in range(len(rows)) if i not in chosen)
        # Equal within float32 error (the similarities are float32): either is a right pick.
        assert _score(query, rows, pick, chosen, lambda_mult) >= best - 1e-6


@pytest.mark.parametrize(
    ("k", "fetch_k", "lambda_mult", "offending"),
    [
        pytest.param(-1, 20, 0.5, -1, id="k < 0"),
        pytest.param(4, 3, 0.5, 3, id="fetch_k < k"),
        pytest.param(4, 2.0, 0.5, 2.0, id="fetch_k float"),
        pytest.param(4, 20, 2, 2, id="lambda_mult > 1"),
        pytest.param(4, 20, math.inf, math.inf, id="lambda_mult inf"),
        pytest.param(4, 20, None, None, id="lambda_mult None"),
        pytest.param(4, 20, False, False, id="lambda_mult bool"),
    ],
)
def test_arguments_are_checked(k: Any, fetch_k: Any, lambda_mult: Any, offending: Any) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        check_mmr_arguments(k, fetch_k, lambda_mult)
    assert info.value.value is offending


def test_edge_arguments_are_accepted() -> None:
    check_mmr_arguments(0, 0, 0)
    check_mmr_arguments(4, 4, 1)
    check_mmr_arguments(1, 100, 0.0)
