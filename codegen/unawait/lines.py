"""Which async source line each line of generated code came from, and how many kept their number."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Sequence

#: What the conversion changes inside a line, so that a line and its sync twin compare equal:
#: async keywords, indentation (an `# ASYNC` branch's body is dedented) and Async/a- prefixes.
_KEYWORDS = re.compile(r"\b(?:async|await)\s+")
_PREFIXES = re.compile(r"\b(?:[Aa]sync_?|a(?=[a-z]))")
#: A line inside a block of changed lines is paired with a source line only this similar, or more.
_SIMILAR = 0.6


def _key(line: str) -> str:
    return _PREFIXES.sub("", _KEYWORDS.sub("", line.strip()))


def line_map(source: Sequence[str], output: Sequence[str]) -> list[int | None]:
    """For each output line, the 1-based source line it came from, or None for a line unawait added.

    An alignment of the two texts (line order is never changed by a rewrite): lines equal after
    removing what the conversion changes within a line are paired, and a run of changed lines
    is paired line by line when the run kept its length, else by similarity, in order.
    """
    keys_a, keys_b = [_key(line) for line in source], [_key(line) for line in output]
    found: list[int | None] = [None] * len(output)
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and a1 - a0 == b1 - b0):
            for offset in range(b1 - b0):
                found[b0 + offset] = a0 + offset + 1
        elif tag == "replace":
            _pair_by_similarity(keys_a, keys_b, a0, a1, b0, b1, found)
    return found


def _pair_by_similarity(
    keys_a: list[str], keys_b: list[str], a0: int, a1: int, b0: int, b1: int, found: list[int | None]
) -> None:
    """Pairs each output line of a changed run with the most similar source line after the last pair."""
    start = a0
    for b in range(b0, b1):
        best, best_ratio = None, _SIMILAR
        for a in range(start, a1):
            ratio = difflib.SequenceMatcher(None, keys_a[a], keys_b[b], autojunk=False).ratio()
            if ratio > best_ratio:
                best, best_ratio = a, ratio
        if best is not None:
            found[b] = best + 1
            start = best + 1


@dataclass(frozen=True)
class Stability:
    """How many output lines came from a source line, and how many of those kept its number."""

    lines: int
    from_source: int
    in_place: int

    def __add__(self, other: Stability) -> Stability:
        return Stability(self.lines + other.lines, self.from_source + other.from_source, self.in_place + other.in_place)

    @property
    def share(self) -> float:
        """in_place / from_source (1.0 for a file with no line from its source)."""
        return self.in_place / self.from_source if self.from_source else 1.0


def stability(source: str, output: str) -> Stability:
    """Counts output lines, those that came from a non-blank source line, and those at its number.

    Blank lines are left out: no traceback points at one, and where one moved is no matter.
    """
    lines = output.splitlines()
    found = line_map(source.splitlines(), lines)
    mapped = [(number, at) for number, at in enumerate(found, 1) if at is not None and lines[number - 1].strip()]
    return Stability(len(found), len(mapped), sum(1 for number, at in mapped if number == at))
