"""docs/hybrid_search.md's example runs as written and prints what the page says."""

from __future__ import annotations

from pathlib import Path

try:  # see tests/conftest.py
    from tests.doc_examples import python_blocks, run_example
except ImportError:
    from doc_examples import python_blocks, run_example  # type: ignore[no-redef]


def test_the_example_runs_and_prints_the_documented_keyword_hits(tmp_path: Path) -> None:
    example = python_blocks("docs/hybrid_search.md", "from sqlvec import")[0]
    lines = run_example(example, tmp_path).splitlines()
    assert lines[0] == "['a', 'b']"
    assert [line.split()[0] for line in lines[1:]] == ["a", "b"]
