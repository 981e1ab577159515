"""Deeply nested code: what CPython compiles at a sane depth converts; beyond it, a located error, never a crash."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from unawait import SourceError, generate_module
from unawait.deep import MAX_DEPTH


def _elifs(n: int) -> str:
    return "    if x == 0:\n        return 0\n" + "".join(
        f"    elif x == {i}:\n        return await g({i})\n" for i in range(1, n)
    )


DEEP_VALID = [
    pytest.param(_elifs(330), id="an elif chain of 330 branches"),
    pytest.param(
        "    return await q(\n" + "".join(f"        'part {i} '\n" for i in range(330)) + "    )\n",
        id="330 implicitly joined strings on their own lines",
    ),
    pytest.param(
        "    return await q(" + " ".join(f"'p{i}'" for i in range(330)) + ")\n", id="330 joined strings on a line"
    ),
    pytest.param("    return await g(" + " + ".join("x" for _ in range(330)) + ")\n", id="a + chain of 330 operands"),
    pytest.param(
        "    return await g(" + " and ".join("x" for _ in range(330)) + ")\n", id="an and chain of 330 operands"
    ),
    pytest.param("    return await " + "g(" * 142 + "x" + ")" * 142 + "\n", id="142 nested calls"),
    pytest.param("    return await g(" + "[" * 142 + "x" + "]" * 142 + ")\n", id="142 nested lists"),
    pytest.param("    return await g(x" + "[0]" * 330 + ")\n", id="330 subscripts in a row"),
]


@pytest.mark.parametrize("body", DEEP_VALID)
def test_deep_valid_code_converts(body: str) -> None:
    source = "async def f(x):\n" + body
    expected = "def f(x):\n" + body.replace("await ", "")
    assert generate_module(source) == expected


TOO_DEEP = [
    pytest.param(_elifs(MAX_DEPTH + 10), MAX_DEPTH, id="an elif chain past the limit"),
    pytest.param("    return await g(" + "not " * 2000 + "x)\n", 2, id="2,000 nested nots"),
    pytest.param("    return await g(" + " + ".join("x" for _ in range(2000)) + ")\n", 2, id="a + chain of 2,000"),
]


@pytest.mark.parametrize(("body", "line"), TOO_DEEP)
def test_code_nested_beyond_reason_is_a_located_error(body: str, line: int) -> None:
    with pytest.raises(SourceError) as info:
        generate_module("async def f(x):\n" + body, path="m.py")
    assert "levels deep" in info.value.message
    assert info.value.line >= line  # at the deepest node
    assert str(info.value).startswith("m.py:")
    assert info.value.hint


def test_string_annotations_nested_thousands_deep_cannot_crash_the_process() -> None:
    # In a child process: a crash there fails this test instead of killing the test run.
    brackets = "async def f(x: '" + "list[" * 1500 + "int" + "]" * 1500 + "'):\n    await g()\n"
    minus = "async def f(x: '" + "-" * 20_000 + "x'):\n    await g()\n"
    code = textwrap.dedent(
        """
        import json, sys
        from unawait import SourceError, generate_module
        for source in json.load(sys.stdin):
            try:
                generate_module(source, path="m.py")
                print("converted")
            except SourceError as exc:
                print(str(exc).splitlines()[0])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=json.dumps([brackets, minus]), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    converted, refused = done.stdout.splitlines()
    assert converted == "converted"  # CPython cannot parse those brackets either: the string stays as written
    assert refused.startswith("m.py:1:") and "levels deep" in refused


def test_the_recursion_limit_is_restored_after_converting() -> None:
    before = sys.getrecursionlimit()
    generate_module("async def f():\n    await g()\n")
    assert sys.getrecursionlimit() == before
