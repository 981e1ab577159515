"""Cold statements (cold.py): which statements the pass may hand back unvisited, and that doing so changes no output."""

from __future__ import annotations

import ast
import sysconfig
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider
from unawait import Config, Tree
from unawait.cold import ColdStatements, LineWords
from unawait.config import load_config
from unawait.generate import module_path_renames, transform_module
from unawait.naming import NameMapper
from unawait.scan import scan_module

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Config(trees=(Tree(Path("pkg/_async"), Path("pkg/_sync")),))


def cold_lines(source: str, config: Config = CONFIG) -> list[int]:
    """First lines of the outermost cold statements of a dedented snippet."""
    source = textwrap.dedent(source).lstrip("\n")
    module = cst.parse_module(source)
    names = NameMapper(config, scan_module(source), module_renames=module_path_renames(config))
    cold = ColdStatements(LineWords(source), module, ast.parse(source), names).cold
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return sorted(positions[node].start.line for node in positions if id(node) in cold)


def test_plain_statements_are_cold_and_async_ones_hot() -> None:
    source = """
        async def f(g):
            x = 1
            y = await g(x)
            for i in range(3):
                x += i
            while x:
                x -= 1
                await g(x)
            return x + y
    """
    # the `for` is cold as a whole; inside the hot `while`, `x -= 1` is cold on its own
    assert cold_lines(source) == [2, 4, 7, 9]


def test_a_name_bound_by_an_import_of_a_module_the_rewrites_know_makes_its_statements_hot() -> None:
    source = """
        import os
        import asyncio as aio
        from anyio import sleep

        async def f():
            a = aio.Lock
            b = sleep
            c = os.sep
    """
    assert cold_lines(source) == [8]


def test_markers_and_renamed_words_make_statements_hot_wherever_they_are() -> None:
    source = """
        async def f(self):
            # unawait: async-only
            a = 1
            b = 2  # unawait: keep
            c = "call aclose() first"
            d = 4
            if True:  # ASYNC
                e = 5

        async def aclose():
            pass
    """
    # the marker above `a`, `keep` on `b`, the word `aclose` in the string of `c`, `# ASYNC` on the
    # `if`: hot. Cold: `d`, and the plain statements inside the hot `if` and `aclose`.
    assert cold_lines(source) == [6, 8, 11]


def test_a_local_name_a_rewrite_may_add_as_a_module_is_hot() -> None:
    # `asyncio.sleep` becomes `time.sleep`: a local `time` must be seen for the import alias.
    source = """
        async def f():
            time = 3
            other = 4
    """
    assert cold_lines(source) == [3]


@pytest.mark.parametrize(
    "source",
    [
        "from os.path import *\n\nasync def f():\n    x = 1\n",  # a star import binds names nobody can list
        "async def f():\r    x = 1\r    y = 2\n",  # lone carriage returns end lines
    ],
    ids=["star import", "lone CR"],
)
def test_nothing_is_cold_where_the_words_cannot_be_trusted(source: str) -> None:
    assert cold_lines(source) == []


def test_the_lines_of_a_removed_statement_stay_above_the_cold_one_after_it() -> None:
    source = textwrap.dedent(
        """
        async def f(g):
            # unawait: async-only
            await g()
            x = 1
            return x
        """
    ).lstrip("\n")
    config = Config(trees=CONFIG.trees, keep_lines=True)
    out = transform_module(source, config, explain=False).code
    assert out == transform_module(source, config, explain=False, cold=False).code
    lines = out.splitlines()
    # `x = 1` is cold, and still on its line: the removed lines are comments above it
    assert lines[1:4] == ["    # # unawait: async-only", "    # await g()", "    x = 1"]


def _real_modules() -> list[tuple[Path, Config | None]]:
    """This repository's async trees (with its configuration) and a few modules of the standard library's asyncio."""
    config = load_config(ROOT / "pyproject.toml")
    found: list[tuple[Path, Config | None]] = []
    for tree in config.trees:
        found += [(path, config) for path in sorted((config.root / tree.src).rglob("*.py"))]
    asyncio_dir = Path(sysconfig.get_paths()["stdlib"]) / "asyncio"
    found += [
        (asyncio_dir / name, None) for name in ("base_events.py", "locks.py", "queues.py", "streams.py", "tasks.py")
    ]
    return found


@pytest.mark.parametrize("path, config", _real_modules(), ids=lambda p: p.name if isinstance(p, Path) else "")
def test_real_modules_convert_the_same_with_and_without_cold_statements(path: Path, config: Config | None) -> None:
    source = path.read_text(encoding="utf-8")
    results = []
    for cold in (True, False):
        try:
            results.append(transform_module(source, config, path=str(path), explain=False, cold=cold).code)
        except Exception as exc:  # refusals (asyncio's own internals use gather, __await__ ...) must agree too
            results.append(f"{type(exc).__name__}: {exc}")
    assert results[0] == results[1]


@pytest.mark.parametrize(
    "annotation",
    ["Any", '"Any"'],
    ids=["in code: its use in the cold parameter is counted", "in a string: a full pass decides"],
)
def test_an_import_whose_last_use_is_in_a_cold_parameter_stays(annotation: str) -> None:
    # `Coroutine[Any, Any, int]` -> `int` drops two uses of `Any`; the parameter's line holds no
    # trigger word, so the pass does not visit it, and its use must still keep the import.
    source = (
        "from typing import Any, Coroutine\n\n\nasync def f(\n"
        f"    x: {annotation} = None,\n"
        ") -> Coroutine[Any, Any, int]:\n    return 1\n"
    )
    out = transform_module(source, CONFIG, explain=False).code
    assert out == transform_module(source, CONFIG, explain=False, cold=False).code
    assert out.startswith("from typing import Any\n")
    assert f"    x: {annotation} = None,\n) -> int:\n" in out


def test_every_rewrite_has_its_trigger_words_accounted_for() -> None:
    # A rewrite that reacts to a word cold.py does not know would be skipped over where that word
    # is absent, silently: a new rewrite must be reviewed against cold.py's words first.
    from unawait.cold import ACCOUNTED_REWRITES
    from unawait.rewrites import REWRITES

    assert [rewrite.__name__ for rewrite in REWRITES] == list(ACCOUNTED_REWRITES)
