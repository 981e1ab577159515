"""Markers and flags: the branch that holds in sync code stays, pruned before anything is refused."""

from __future__ import annotations

from dataclasses import replace

import pytest
from snippets import CONFIG, convert
from unawait import Config

P = pytest.param

FLAGS = Config(
    trees=CONFIG.trees, flags={"_IS_SYNC": True, "is_async()": False, "compat.ASYNC": False}, keep_lines=False
)

MARKERS = [
    P(
        "async def f():\n    if True:  # ASYNC: the sync driver has no pool\n        await g()\n    else:\n        h()\n",
        "def f():\n    h()\n",
        id="# ASYNC: with a colon and a reason",
    ),
    P(
        "async def f():\n    if True:  # ASYNC - no pool in sync\n        await g()\n    else:\n        h()\n",
        "def f():\n    h()\n",
        id="# ASYNC followed by text",
    ),
    P(
        "if True:  # ASYNCHRONOUS\n    x = 1\n",
        "if True:  # ASYNCHRONOUS\n    x = 1\n",
        id="leaves alone: a longer word is no marker",
    ),
    P(
        "if False:  # ASYNC\n    from typing import cast\n\nx = 1\n",
        "from typing import cast\n\nx = 1\n",
        id="if False:  # ASYNC holds sync-only code: its body is kept",
    ),
    P(
        "import asyncio\n\nasync def f():\n    if False:  # ASYNC\n        h()\n    else:\n        await asyncio.gather(g())\n",
        "def f():\n    h()\n",
        id="if False:  # ASYNC: its else is async-only and goes unconverted",
    ),
    P(
        "async def f(x):\n    if x:\n        a()\n    elif True:  # ASYNC\n        await g()\n    else:\n        h()\n",
        "def f(x):\n    if x:\n        a()\n    else:\n        h()\n",
        id="elif True:  # ASYNC: only that branch goes",
    ),
    P(
        "async def f(x):\n    if x:\n        a()\n    elif False:  # ASYNC\n        h()\n    else:\n        await g()\n",
        "def f(x):\n    if x:\n        a()\n    else:\n        h()\n",
        id="elif False:  # ASYNC becomes the else",
    ),
    P(
        "async def f(x):\n    if x:\n        a()\n    # unawait: async-only\n    elif y:\n        await g()\n    else:\n        h()\n",
        "def f(x):\n    if x:\n        a()\n    else:\n        h()\n",
        id="async-only above an elif drops that elif, not the else after it",
    ),
    P(
        "async def f(x):\n    if x:\n        a()\n    # unawait: async-only\n    elif y:\n        await g()\n    elif z:\n        b()\n",
        "def f(x):\n    if x:\n        a()\n    elif z:\n        b()\n",
        id="async-only above an elif keeps the elif after it",
    ),
    P(
        "async def f(x):\n    if x:\n        a()\n    # unawait: async-only\n    else:\n        await g()\n",
        "def f(x):\n    if x:\n        a()\n",
        id="async-only above an else drops the else",
    ),
    P(
        "import asyncio\n\nasync def f():\n    try:\n        a()\n    # unawait: async-only\n    except asyncio.CancelledError:\n        await g()\n    except OSError:\n        b()\n",
        "def f():\n    try:\n        a()\n    except OSError:\n        b()\n",
        id="async-only above an except drops that handler and the import only it used",
    ),
    P(
        "import asyncio\n\nasync def f():\n    loop = asyncio.get_running_loop()  # unawait: keep\n    await g()\n",
        "import asyncio\n\ndef f():\n    loop = asyncio.get_running_loop()  # unawait: keep\n    g()\n",
        id="unawait: keep leaves one line exactly as written, and its import",
    ),
    P(
        "from .x import AsyncY  # unawait: keep\nfrom .x import AsyncZ\n",
        "from .x import AsyncY  # unawait: keep\nfrom .x import Z\n",
        id="unawait: keep on an import line",
    ),
]

FLAG_PAIRS = [
    P(
        "_IS_SYNC = False\n",
        "_IS_SYNC = True\n",
        id="the flag constant is flipped",
    ),
    P(
        "_IS_SYNC: bool = False  # flipped by unawait\n",
        "_IS_SYNC: bool = True  # flipped by unawait\n",
        id="an annotated flag constant is flipped",
    ),
    P(
        "import asyncio\n\nasync def f():\n    if not _IS_SYNC:\n        await asyncio.gather(g())\n    else:\n        h()\n",
        "def f():\n    h()\n",
        id="if not flag: the async branch goes before refusing asyncio.gather",
    ),
    P(
        "async def f():\n    if _IS_SYNC:\n        h()\n    await g()\n",
        "def f():\n    h()\n    g()\n",
        id="if flag: the body stays",
    ),
    P(
        "async def f(x):\n    if is_async():\n        await g()\n    elif x:\n        a()\n    else:\n        h()\n",
        "def f(x):\n    if x:\n        a()\n    else:\n        h()\n",
        id="a predicate function; the elif becomes the if",
    ),
    P(
        "async def f(x):\n    if x:\n        a()\n    elif _IS_SYNC:\n        h()\n    else:\n        await g()\n",
        "def f(x):\n    if x:\n        a()\n    else:\n        h()\n",
        id="an elif on the flag becomes the else",
    ),
    P(
        "async def f():\n    return (await g()) if compat.ASYNC else h()\n",
        "def f():\n    return h()\n",
        id="a conditional expression on a dotted flag",
    ),
    P(
        "async def f():\n    return 1 + (g() if _IS_SYNC else 2)\n",
        "def f():\n    return 1 + (g())\n",
        id="a parenthesised conditional expression keeps its parentheses",
    ),
    P(
        "import asyncio\n\nasync def f():\n    if not _IS_SYNC and await asyncio.sleep(0):\n        pass\n    return 1\n",
        "def f():\n    return 1\n",
        id="and/or decided by the left operand",
    ),
    P(
        "async def f(x):\n    if _IS_SYNC and x:\n        h()\n",
        "def f(x):\n    if _IS_SYNC and x:\n        h()\n",
        id="leaves alone: a test the flag does not decide (the flipped constant decides it at run time)",
    ),
    P(
        "_IS_SYNC = compute()\nOTHER = False\n",
        "_IS_SYNC = compute()\nOTHER = False\n",
        id="leaves alone: a flag not set to a literal, other constants",
    ),
]


@pytest.mark.parametrize(("before", "after"), MARKERS)
def test_markers(before: str, after: str) -> None:
    assert convert(before) == after


@pytest.mark.parametrize(("before", "after"), FLAG_PAIRS)
def test_flags(before: str, after: str) -> None:
    assert convert(before, FLAGS) == after


INFERRED_FLAGS = [
    P(
        "import asyncio\n\n_IS_SYNC = False\n\nasync def f():\n    if not _IS_SYNC:\n        await asyncio.gather(g())\n    else:\n        h()\n",
        "_IS_SYNC = True\n\ndef f():\n    h()\n",
        id="fixes: a module that sets _IS_SYNC = False gets it flipped and its branches pruned",
    ),
    P(
        "IS_ASYNC: bool = True\n\nx = 1 if IS_ASYNC else 2\n",
        "IS_ASYNC: bool = False\n\nx = 2\n",
        id="fixes: IS_ASYNC = True, annotated",
    ),
    P(
        "SYNC = False\n\nif SYNC:\n    x = 1\n",
        "SYNC = False\n\nif SYNC:\n    x = 1\n",
        id="leaves alone: a name that is not a known flag",
    ),
    P(
        "_IS_SYNC = True\n\nif _IS_SYNC:\n    x = 1\n",
        "_IS_SYNC = True\n\nif _IS_SYNC:\n    x = 1\n",
        id="leaves alone: a known flag set to its sync value in the async source (no evidence what it means)",
    ),
    P(
        "_IS_SYNC = False\nif cond():\n    _IS_SYNC = True\n\nif _IS_SYNC:\n    x = 1\n",
        "_IS_SYNC = False\nif cond():\n    _IS_SYNC = True\n\nif _IS_SYNC:\n    x = 1\n",
        id="leaves alone: a flag assigned anywhere else in the module",
    ),
    P(
        "from .compat import _IS_SYNC\n\nif _IS_SYNC:\n    x = 1\n",
        "from .compat import _IS_SYNC\n\nif _IS_SYNC:\n    x = 1\n",
        id="leaves alone: a flag the module imports (its value is set elsewhere)",
    ),
    P(
        "def f():\n    _IS_SYNC = False\n    return _IS_SYNC\n",
        "def f():\n    _IS_SYNC = False\n    return _IS_SYNC\n",
        id="leaves alone: a local variable",
    ),
]


@pytest.mark.parametrize(("before", "after"), INFERRED_FLAGS)
def test_known_flags_are_inferred(before: str, after: str) -> None:
    assert convert(before) == after


def test_a_configured_flag_beats_the_inferred_one() -> None:
    source = "_IS_SYNC = False\n\nif _IS_SYNC:\n    x = 1\nelse:\n    y = 2\n"
    assert convert(source, replace(CONFIG, flags={"_IS_SYNC": False})) == "_IS_SYNC = False\n\ny = 2\n"


def test_flags_config_is_validated() -> None:
    from pathlib import Path

    from unawait.config import config_from_table
    from unawait.errors import ConfigError

    config = config_from_table({"flags": {"_IS_SYNC": True, "is_async()": False, "compat.ASYNC": False}}, Path("."))
    assert config.flags == {"_IS_SYNC": True, "is_async()": False, "compat.ASYNC": False}
    for bad in ({"_IS_SYNC": "yes"}, {"is_async(x)": False}, {"1x": True}, ["_IS_SYNC"]):
        with pytest.raises(ConfigError):
            config_from_table({"flags": bad}, Path("."))


#: Tests of an if/elif chain, and whether each holds in sync code (None: decided at run time by x/y).
_TESTS = {
    "x": None,
    "y": None,
    "True:  # ASYNC": False,
    "False:  # ASYNC": True,
    "_IS_SYNC": True,
    "not _IS_SYNC": False,
    "is_async()": False,
}


def test_pruned_chains_run_the_branch_sync_code_would() -> None:
    """Every chain of up to two tests (markers, flags, plain), with and without else, runs like the sync semantics."""
    import itertools

    for k in (1, 2):
        for combo in itertools.product(_TESTS, repeat=k):
            for has_else in (False, True):
                lines = ["async def f():"]
                for i, test in enumerate(combo):
                    head = f"    {'if' if i == 0 else 'elif'} {test}" + ("" if "#" in test else ":")
                    lines.append(f"{head}\n        await a({i})")
                if has_else:
                    lines.append("    else:\n        await a(99)")
                out = convert("\n".join(lines) + "\n", FLAGS)
                for x, y in itertools.product((False, True), repeat=2):
                    called: list[int] = []
                    namespace = {"x": x, "y": y, "_IS_SYNC": True, "is_async": lambda: False, "a": called.append}
                    exec(out, namespace)
                    namespace["f"]()  # type: ignore[operator]
                    holds = [
                        i for i, t in enumerate(combo) if (_TESTS[t] if _TESTS[t] is not None else {"x": x, "y": y}[t])
                    ]
                    expected = holds[:1] or ([99] if has_else else [])
                    assert called == expected, (combo, has_else, x, y, out)


def test_keep_pragma_on_async_syntax_is_a_located_error() -> None:
    from unawait.errors import SourceError

    with pytest.raises(SourceError) as info:
        convert("async def f():\n    x = 1\n    y = await g()  # unawait: keep\n")
    assert (info.value.line, info.value.column) == (3, 5)
    assert "unawait: keep" in info.value.message


def test_explain_locates_flag_changes() -> None:
    from unawait.generate import transform_module

    output = transform_module("x = 1\n_IS_SYNC = False\nif not _IS_SYNC:\n    y = 2\n", FLAGS)
    flags = [(c.line, c.column, c.before, c.after) for c in output.changes if c.rule == "flag"]
    assert flags == [(2, 1, "_IS_SYNC = False", "True"), (3, 1, "not _IS_SYNC", "branch dropped")]


def test_dropping_every_handler_of_a_try_is_a_located_error() -> None:
    from unawait.errors import SourceError

    with pytest.raises(SourceError) as info:
        convert("async def f():\n    try:\n        a()\n    # unawait: async-only\n    except E:\n        await g()\n")
    assert info.value.line == 2 and "except" in info.value.message


def test_dropping_every_handler_before_an_else_is_a_located_error() -> None:
    from unawait.errors import SourceError

    with pytest.raises(SourceError):
        convert(
            "def f():\n    try:\n        a()\n    # unawait: async-only\n    except E:\n        b()\n    else:\n        c()\n    finally:\n        d()\n"
        )
