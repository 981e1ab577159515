"""README's sqlvec quickstart runs as written, and its unawait example is what unawait produces."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

try:  # see tests/conftest.py
    from tests.doc_examples import ROOT, python_blocks, run_example
except ImportError:
    from doc_examples import ROOT, python_blocks, run_example  # type: ignore[no-redef]

README = ROOT / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("index", range(2))
def test_quickstart_block_runs_as_written(index: int, tmp_path: Path) -> None:
    blocks = python_blocks("README.md", "from sqlvec import")
    assert len(blocks) == 2, "README should hold a sync and an async quickstart"
    # Both blocks share one database file, as a reader running them in order would.
    for block in blocks[: index + 1]:
        out = run_example(block, tmp_path)
    assert "a cat sat on the mat" in out or "a dog" in out


def test_unawait_example_matches_the_generator() -> None:
    from unawait import Config, Tree, generate_module

    before = next(b for b in BLOCKS if "(you write this)" in b)
    after = next(b for b in BLOCKS if "(unawait writes this)" in b)
    config = Config(trees=(Tree(Path("src/pkg/_async"), Path("src/pkg/_sync")),))
    body = lambda text: text.split("\n", 1)[1]  # noqa: E731 - drop the "# path (who wrote it)" line
    assert generate_module(body(before), config) == body(after)
