"""The LangChain examples of docs/langchain.md and README.md run as written (offline, warnings as errors)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _blocks(name: str) -> List[str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    return [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "sqlvec.langchain" in b]


def _run(block: str, cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", block],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_rag_examples_answer_from_the_retrieved_document(tmp_path: Path) -> None:
    """The sync chain writes and retrieves; the async one reads the same file, filtered."""
    sync_block, async_block = _blocks("docs/langchain.md")
    assert _run(sync_block, tmp_path).splitlines() == ["cats", "About sixteen hours a day."]
    assert _run(async_block, tmp_path).splitlines() == ["unawait", "It generates sync code from async code."]


@pytest.mark.parametrize("runs", [1, 2], ids=["fresh", "again on the same file"])
def test_the_readme_example_retrieves_the_cat(tmp_path: Path, runs: int) -> None:
    """README's LangChain block; a second run upserts the same ids and answers the same."""
    (block,) = _blocks("README.md")
    for _ in range(runs):
        out = _run(block, tmp_path)
    assert out.splitlines() == ["cat"]
