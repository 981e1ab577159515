"""README's sqlvec quickstart runs as written, and its unawait example is what unawait produces."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def _quickstart_blocks() -> list[str]:
    return [b for b in BLOCKS if "from sqlvec import" in b]


@pytest.mark.parametrize("index", range(2))
def test_quickstart_block_runs_as_written(index: int, tmp_path: Path) -> None:
    blocks = _quickstart_blocks()
    assert len(blocks) == 2, "README should hold a sync and an async quickstart"
    # Both blocks share one database file, as a reader running them in order would.
    for block in blocks[: index + 1]:
        result = subprocess.run(
            [sys.executable, "-W", "error", "-c", block],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        assert result.returncode == 0, result.stderr
    assert "a cat sat on the mat" in result.stdout or "a dog" in result.stdout


def test_unawait_example_matches_the_generator() -> None:
    from unawait import Config, Tree, generate_module

    before = next(b for b in BLOCKS if "(you write this)" in b)
    after = next(b for b in BLOCKS if "(unawait writes this)" in b)
    config = Config(trees=(Tree(Path("src/pkg/_async"), Path("src/pkg/_sync")),))
    body = lambda text: text.split("\n", 1)[1]  # noqa: E731 - drop the "# path (who wrote it)" line
    assert generate_module(body(before), config) == body(after)
