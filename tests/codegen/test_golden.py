"""Whole modules: golden/async/X.py converts to golden/sync/X.py, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from unawait import Config, Tree, generate_module

GOLDEN = Path(__file__).parent / "golden"
CONFIG = Config(trees=(Tree(Path("pkg/_async"), Path("pkg/_sync")),))
CASES = sorted(p.name for p in (GOLDEN / "async").glob("*.py"))


@pytest.mark.parametrize("name", CASES)
def test_golden_pair(name: str) -> None:
    source = (GOLDEN / "async" / name).read_text(encoding="utf-8")
    expected = (GOLDEN / "sync" / name).read_text(encoding="utf-8")
    assert generate_module(source, CONFIG, path=name) == expected


def test_there_are_golden_pairs() -> None:
    assert CASES and all((GOLDEN / "sync" / name).is_file() for name in CASES)
