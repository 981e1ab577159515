"""The Python examples of the docs: found by what they import, run as a reader would run them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[1]


def python_blocks(name: str, containing: str) -> List[str]:
    """The ```python blocks of ROOT/name that contain `containing`, in order."""
    text = (ROOT / name).read_text(encoding="utf-8")
    return [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if containing in b]


def run_example(block: str, cwd: Path) -> str:
    """Run one block in a fresh interpreter (warnings as errors) in cwd; its stdout, asserting it exited 0."""
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
