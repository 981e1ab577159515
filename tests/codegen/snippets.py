"""Helpers shared by unawait's tests: convert a snippet with a `pkg/_async` -> `pkg/_sync` layout."""

from __future__ import annotations

import textwrap
from pathlib import Path

from unawait import Config, Tree, generate_module
from unawait.generate import transform_module

#: keep_lines off: each rewrite's pairs show its own output; the comments keep_lines leaves on
#: the lines a rewrite removed have their own tests (test_line_stability.py).
CONFIG = Config(trees=(Tree(Path("pkg/_async"), Path("pkg/_sync")),), keep_lines=False)


def convert(source: str, config: Config = CONFIG) -> str:
    """The sync twin of a dedented snippet; checked to be the same when every statement is visited (cold.py)."""
    text = textwrap.dedent(source).lstrip("\n")
    out = generate_module(text, config)
    assert transform_module(text, config, explain=False, cold=False).code == out, "cold statements changed the output"
    return out


def dedent(text: str) -> str:
    """A dedented expectation, without its first newline."""
    return textwrap.dedent(text).lstrip("\n")
