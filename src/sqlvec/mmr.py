"""Max marginal relevance: choosing k of the nearest candidates that are relevant and diverse.

MMR picks, one at a time, the candidate that maximises

    lambda_mult * sim(query, c) - (1 - lambda_mult) * max(sim(c, s) for s already picked)

where sim is the cosine similarity, whatever distance the collection ranks by (as
LangChain's `maximal_marginal_relevance` does). The first pick is the candidate most
similar to the query. lambda_mult=1 is plain relevance, 0 is maximal diversity. A zero
vector has similarity 0 to everything. Ties go to the candidate ranked nearer by the
search, so the result is deterministic.
"""

from __future__ import annotations

import math
from typing import Any, List

import numpy as np

from .errors import InvalidArgumentError
from .models import Float32Array
from .rows import check_count

#: Candidates x k x dimension from which the async store runs MMR in a worker thread
#: (about a millisecond of numpy).
OFFLOAD_MMR_WORK = 2_000_000


def check_mmr_arguments(k: object, fetch_k: object, lambda_mult: object) -> None:
    """Refuse k < 0, fetch_k < k and lambda_mult outside [0, 1] with InvalidArgumentError."""
    k = check_count("k", k)
    fetch_k = check_count("fetch_k", fetch_k)
    if fetch_k < k:
        raise InvalidArgumentError(
            f"fetch_k must be >= k (the candidates MMR chooses from), got {fetch_k} < {k}", fetch_k
        )
    if (
        not isinstance(lambda_mult, (int, float))
        or isinstance(lambda_mult, bool)
        or not math.isfinite(lambda_mult)
        or not 0.0 <= lambda_mult <= 1.0
    ):
        raise InvalidArgumentError(f"lambda_mult must be a number from 0 to 1, got {lambda_mult!r}", lambda_mult)


def _unit_rows(matrix: Any) -> Float32Array:
    """Rows scaled to unit length, as float32 like the stored vectors; zero rows stay zero.

    float32 halves the memory each step of MMR reads (a column of similarities over every
    candidate); the norms are summed in float64.
    """
    rows = np.array(matrix, dtype=np.float32, ndmin=2)
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows, dtype=np.float64))
    # Scaling by the inverse in place: a masked divide costs several times more.
    inverse = np.zeros_like(norms)
    np.divide(1.0, norms, out=inverse, where=norms > 0)
    rows *= inverse.astype(np.float32)[:, None]
    return rows


def max_marginal_relevance(query: Any, candidates: Any, k: int, lambda_mult: float = 0.5) -> List[int]:
    """Positions of the chosen candidates (rows of `candidates`), in the order MMR picks them.

    At most k positions; fewer when there are fewer candidates. Costs O(k * n * d) for n
    candidates of dimension d: each step computes one column of similarities.
    """
    if len(candidates) == 0 or k <= 0:
        return []
    unit = _unit_rows(candidates)
    n = unit.shape[0]
    k = min(k, n)
    relevance = (unit @ _unit_rows(np.reshape(query, (1, -1)))[0]).astype(np.float64)
    # Highest similarity to anything picked so far; -inf until the first pick.
    redundancy = np.full(n, -np.inf)
    picked = np.zeros(n, dtype=bool)
    chosen: List[int] = []
    for step in range(k):
        if step == 0:
            score = relevance.copy()
        else:
            score = lambda_mult * relevance - (1.0 - lambda_mult) * redundancy
        score[picked] = -np.inf
        # argmax returns the first maximum: ties go to the nearer-ranked candidate.
        best = int(np.argmax(score))
        chosen.append(best)
        picked[best] = True
        redundancy = np.maximum(redundancy, unit @ unit[best])
    return chosen
