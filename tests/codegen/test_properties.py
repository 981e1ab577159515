"""Properties: output is idempotent, compiles, has no async left; sync modules pass through unchanged."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from unawait import generate_module

GOLDEN = Path(__file__).parent / "golden" / "async"

# Statements an async function body may hold; hypothesis combines them into modules.
_STATEMENTS = [
    "await g()",
    "x = await self.aget(1)",
    "async with self.aconnect() as c:\n    await c.aexecute('q')",
    "async for row in self.aiter_rows():\n    y = row",
    "z = [r async for r in self.aiter_rows()]",
    "await asyncio.sleep(0)",
    "lock = asyncio.Lock()",
    "v = await asyncio.to_thread(len, [1])",
    "if True:  # ASYNC\n    await asyncio.gather(g())\nelse:\n    g()",
    "w = (await self.aget(2)).value",
    "return await self.aclose()",
    "pass",
    "# a comment\nq = 'await this string'",
]


def _indent(block: str) -> str:
    return "\n".join("        " + line for line in block.splitlines())


@st.composite
def async_modules(draw: st.DrawFn) -> str:
    bodies = draw(st.lists(st.lists(st.sampled_from(_STATEMENTS), min_size=1, max_size=5), min_size=1, max_size=4))
    methods = []
    for i, body in enumerate(bodies):
        methods.append(f"    async def ameth{i}(self):\n" + "\n".join(_indent(s) for s in body))
    header = "import asyncio\nfrom typing import AsyncIterator\n\n\nclass AsyncThing:\n"
    return header + "\n\n".join(methods) + "\n"


def _has_async(code: str) -> bool:
    return any(
        isinstance(n, (ast.Await, ast.AsyncFunctionDef, ast.AsyncFor, ast.AsyncWith))
        or (isinstance(n, ast.comprehension) and n.is_async)
        for n in ast.walk(ast.parse(code))
    )


@settings(max_examples=60, deadline=None)
@given(async_modules())
def test_generated_code_compiles_has_no_async_and_is_idempotent(source: str) -> None:
    out = generate_module(source)
    compile(out, "<out>", "exec")
    assert not _has_async(out)
    assert generate_module(out) == out


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.py")), ids=lambda p: p.name)
def test_golden_outputs_are_fixed_points(path: Path) -> None:
    out = generate_module(path.read_text(encoding="utf-8"))
    assert generate_module(out) == out


def _sync_stdlib_modules() -> list[Path]:
    """Standard-library modules with nothing async in them: they must pass through byte for byte."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    chosen = []
    for name in [
        "textwrap",
        "shlex",
        "fnmatch",
        "glob",
        "bisect",
        "heapq",
        "colorsys",
        "csv",
        "difflib",
        "string",
        "json/decoder",
        "json/encoder",
        "calendar",
        "pprint",
        "dataclasses",
        "argparse",
        "configparser",
    ]:
        path = stdlib / f"{name}.py"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if not any(w in text for w in ("async", "await", "Async", "aiter", "anext", "__aenter__", "__aexit__")):
                chosen.append(path)
    return chosen


@pytest.mark.parametrize("path", _sync_stdlib_modules(), ids=lambda p: p.stem)
def test_modules_with_nothing_async_are_unchanged(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert generate_module(source, path=str(path)) == source
