"""Helpers shared by unawait's tests: convert a snippet with a `pkg/_async` -> `pkg/_sync` layout."""

from __future__ import annotations

import textwrap
from pathlib import Path

from unawait import Config, Tree, generate_module

#: keep_lines off: each rewrite's pairs show its own output; the comments keep_lines leaves on
#: the lines a rewrite removed have their own tests (test_line_stability.py).
CONFIG = Config(trees=(Tree(Path("pkg/_async"), Path("pkg/_sync")),), keep_lines=False)


def convert(source: str, config: Config = CONFIG) -> str:
    """The sync twin of a dedented snippet."""
    return generate_module(textwrap.dedent(source).lstrip("\n"), config)


def dedent(text: str) -> str:
    """A dedented expectation, without its first newline."""
    return textwrap.dedent(text).lstrip("\n")
