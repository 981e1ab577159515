"""With merge_nested_with, nested `with` that only the async source needed becomes one `with` (ruff SIM117)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from snippets import convert
from unawait import Config, Tree

P = pytest.param
MERGING = Config(trees=(Tree(Path("pkg/_async"), Path("pkg/_sync")),), merge_nested_with=True)

MERGED = [
    P(
        "async def f():\n    async with lock:\n        with open(p) as fh:\n            fh.read()\n",
        "def f():\n    with lock, open(p) as fh:\n        fh.read()\n",
        id="async outer, sync inner",
    ),
    P(
        "async def f():\n    with open(p) as fh:\n        async with lock:\n            fh.read()\n    done()\n",
        "def f():\n    with open(p) as fh, lock:\n        fh.read()\n    done()\n",
        id="sync outer, async inner",
    ),
    P(
        "async def f():\n    async with a as x, b:\n        with c:\n            with d:\n                g(x)\n",
        "def f():\n    with a as x, b, c:\n        with d:\n            g(x)\n",
        id="several items; the sync pair below stays as the source wrote it",
    ),
    P(
        "async def f():\n    async with lock:\n        with c: g()\n",
        "def f():\n    with lock, c: g()\n",
        id="inner body on the same line",
    ),
    P(
        'async def f():\n    async with lock:\n        with c:\n            s = """\nkept\n"""\n',
        'def f():\n    with lock, c:\n        s = """\nkept\n"""\n',
        id="a multi-line string keeps its text",
    ),
]

LEFT_ALONE = [
    P(
        "async def f():\n    async with a:\n        async with b:\n            g()\n",
        "def f():\n    with a:\n        with b:\n            g()\n",
        id="both async: the source could have written one with",
    ),
    P(
        "def f():\n    with a:\n        with b:\n            g()\n",
        "def f():\n    with a:\n        with b:\n            g()\n",
        id="both sync",
    ),
    P(
        "async def f():\n    async with a:\n        with b:\n            g()\n        h()\n",
        "def f():\n    with a:\n        with b:\n            g()\n        h()\n",
        id="the outer body does more than the inner with",
    ),
    P(
        "async def f():\n    async with a:  # why a\n        with b:\n            g()\n",
        "def f():\n    with a:  # why a\n        with b:\n            g()\n",
        id="a comment on the outer line",
    ),
    P(
        "async def f():\n    async with a:\n        # why b\n        with b:\n            g()\n",
        "def f():\n    with a:\n        # why b\n        with b:\n            g()\n",
        id="a comment before the inner with",
    ),
    P(
        "async def f():\n    async with a:\n        with b:\n            g()\n        # after b\n    h()\n",
        "def f():\n    with a:\n        with b:\n            g()\n        # after b\n    h()\n",
        id="a comment after the inner with",
    ),
    P(
        "async def f():\n    async with a:\n        with b:  # why b\n            g()\n",
        "def f():\n    with a, b:  # why b\n        g()\n",
        id="the inner line's comment moves with it",
    ),
    P(
        "async def f():\n    async with (a as x, b as y):\n        with c:\n            g()\n",
        "def f():\n    with (a as x, b as y):\n        with c:\n            g()\n",
        id="parenthesized items (Python 3.10 syntax) are not merged",
    ),
]


@pytest.mark.parametrize(("before", "after"), MERGED + LEFT_ALONE)
def test_merge_with(before: str, after: str) -> None:
    assert convert(before, MERGING) == after
    ast.parse(after)


@pytest.mark.parametrize(("before", "merged"), MERGED)
def test_off_by_default_nesting_and_line_numbers_stay(before: str, merged: str) -> None:
    """Without the option the sync twin keeps the source's nesting, so every line keeps its number."""
    out = convert(before)
    assert out != merged and out.count("\n") == before.count("\n")
    assert out.replace("async ", "") == before.replace("async ", "")


def test_the_option_is_read_from_pyproject(tmp_path: Path) -> None:
    from unawait.config import load_config
    from unawait.errors import ConfigError

    (tmp_path / "pyproject.toml").write_text("[tool.unawait]\nmerge_nested_with = true\n", encoding="utf-8")
    assert load_config(tmp_path / "pyproject.toml").merge_nested_with
    (tmp_path / "pyproject.toml").write_text('[tool.unawait]\nmerge_nested_with = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="merge_nested_with must be true or false"):
        load_config(tmp_path / "pyproject.toml")


def test_explain_names_the_merge() -> None:
    from unawait.generate import transform_module

    config = MERGING
    out = transform_module(
        "async def f():\n    async with a:\n        with b:\n            g()\n", config, explain=True
    )
    rules = [(c.rule, c.line) for c in out.changes]
    assert ("merge-with", 2) in rules
