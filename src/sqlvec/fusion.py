"""Hybrid search without I/O: argument checks and reciprocal rank fusion of two ranked lists.

A hybrid search ranks the collection twice, by vector distance and by keyword relevance,
and fuses the two rankings by reciprocal rank fusion (RRF, Cormack et al. 2009). With
1-based ranks and `w = keyword_weight`::

    score(d) = (1 - w) / (rrf_k + rank_vector(d)) + w / (rrf_k + rank_keyword(d))

A leg that did not find `d` among its candidates adds nothing. Only ranks count, never the
raw distances or relevance scores, so the two scales need no normalisation and the fused
order is the same on every backend whenever the two legs' orders are.
"""

from __future__ import annotations

import math
from typing import Dict, List, Sequence, Tuple

from .documents import Document
from .errors import InvalidArgumentError
from .rows import check_text

#: The longest query text keyword and hybrid search accept, in characters.
MAX_QUERY_CHARS = 10_000

#: The keyword weight of `hybrid_search` when none is given: both legs count the same.
DEFAULT_KEYWORD_WEIGHT = 0.5

#: The RRF constant of `hybrid_search` when none is given (the paper's value): the larger
#: it is, the less the first few ranks of either leg dominate.
DEFAULT_RRF_K = 60

Hit = Tuple[Document, float]


def check_query_text(query: object) -> str:
    """query if it is a non-empty str of at most MAX_QUERY_CHARS that every backend accepts."""
    text = check_text("query", query)
    if not text.strip():
        raise InvalidArgumentError("query must contain some text, got an empty or blank str", query)
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidArgumentError(
            f"query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS} (sqlvec.fusion.MAX_QUERY_CHARS)",
            len(text),
        )
    return text


def check_keyword_weight(value: object) -> float:
    """value as a float if it is a number from 0 (vector order only) to 1 (keyword order only)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        raise InvalidArgumentError(f"keyword_weight must be a number from 0 to 1, got {value!r}", value)
    return float(value)


def check_rrf_k(value: object) -> float:
    """value as a float if it is a finite number >= 0 (the RRF constant)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise InvalidArgumentError(f"rrf_k must be a finite number >= 0, got {value!r}", value)
    return float(value)


def reciprocal_rank_fusion(
    vector_hits: Sequence[Hit],
    keyword_hits: Sequence[Hit],
    k: int,
    keyword_weight: float = DEFAULT_KEYWORD_WEIGHT,
    rrf_k: float = DEFAULT_RRF_K,
) -> List[Hit]:
    """The k best documents of two rankings (each best first) by fused RRF score, highest first.

    Ties are broken by id, so the order is the same on every run and backend. A document
    whose score is 0 (found only by a leg of weight 0) is left out. When both legs hold a
    document, the keyword leg's copy is returned (both were read in the same snapshot).
    """
    weights = (1.0 - keyword_weight, keyword_weight)
    scores: Dict[str, float] = {}
    documents: Dict[str, Document] = {}
    for weight, hits in zip(weights, (vector_hits, keyword_hits)):
        for rank, (document, _) in enumerate(hits, start=1):
            key = document.id or ""
            documents[key] = document
            scores[key] = scores.get(key, 0.0) + weight / (rrf_k + rank)
    ranked = sorted((key for key in scores if scores[key] > 0.0), key=lambda key: (-scores[key], key))
    return [(documents[key], scores[key]) for key in ranked[:k]]
