"""The LangChain examples of docs/langchain.md and README.md run as written (offline, warnings as errors)."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

try:  # see tests/conftest.py
    from tests.doc_examples import python_blocks, run_example
except ImportError:
    from doc_examples import python_blocks, run_example  # type: ignore[no-redef]

# thirdparty: nox runs this folder on the oldest and the newest Python only (langchain-core 0.3 and 1.x).
pytestmark = pytest.mark.thirdparty


def _blocks(name: str) -> List[str]:
    return python_blocks(name, "sqlvec.langchain")


def _run(block: str, cwd: Path) -> str:
    return run_example(block, cwd)


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
