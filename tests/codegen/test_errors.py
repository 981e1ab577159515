"""What unawait refuses: each error names path:line:col, what was found, and a hint."""

from __future__ import annotations

import textwrap

import pytest
from unawait import SourceError, generate_module

REFUSED = [
    pytest.param(
        "import asyncio\n\nasync def f(a, b):\n    return await asyncio.gather(a, b)\n",
        4,
        "asyncio.gather",
        id="gather",
    ),
    pytest.param(
        "import asyncio\n\nasync def f(c):\n    asyncio.create_task(c)\n",
        4,
        "asyncio.create_task",
        id="create_task",
    ),
    pytest.param(
        "from asyncio import wait_for\n\nasync def f(c):\n    await wait_for(c, 1)\n",
        4,
        "asyncio.wait_for",
        id="wait_for from-imported",
    ),
    pytest.param(
        "import asyncio\n\ndef f():\n    return asyncio.get_running_loop()\n",
        4,
        "asyncio.get_running_loop",
        id="get_running_loop",
    ),
    pytest.param(
        "import anyio\n\nasync def f(c):\n    with anyio.fail_after(1):\n        await c()\n",
        4,
        "anyio.fail_after",
        id="anyio cancel scope",
    ),
    pytest.param("class F:\n    def __await__(self):\n        yield\n", 2, "__await__", id="__await__"),
    pytest.param(
        "async def f(loop, g):\n    await loop.run_in_executor(None, g)\n",
        2,
        "run_in_executor",
        id="run_in_executor",
    ),
    pytest.param(
        "import asyncio\n\nasync def f():\n    async with asyncio.TaskGroup() as tg:\n        pass\n",
        4,
        "asyncio.TaskGroup",
        id="TaskGroup",
    ),
]


@pytest.mark.parametrize(("source", "line", "what"), REFUSED)
def test_refused_constructs_are_errors_with_location_and_hint(source: str, line: int, what: str) -> None:
    with pytest.raises(SourceError) as info:
        generate_module(source, path="pkg/_async/mod.py")
    error = info.value
    assert error.line == line
    assert error.column >= 1
    assert what in error.message
    assert error.hint
    assert str(error).startswith(f"pkg/_async/mod.py:{line}:{error.column}: ")
    assert "hint: " in str(error)


def test_syntax_error_is_located() -> None:
    with pytest.raises(SourceError) as info:
        generate_module("async def f(:\n    pass\n", path="x.py")
    assert info.value.line == 1
    assert "syntax error" in info.value.message


def test_await_outside_async_function_is_refused() -> None:
    with pytest.raises(SourceError) as info:
        generate_module("def f():\n    await g()\n", path="x.py")
    assert info.value.line == 2


def test_a_rename_that_collides_is_an_error() -> None:
    source = textwrap.dedent(
        """\
        class S:
            def close(self):
                pass

            async def aclose(self):
                pass
        """
    )
    with pytest.raises(SourceError) as info:
        generate_module(source, path="x.py")
    assert info.value.line == 5
    assert "aclose" in info.value.message and "close" in info.value.message


def test_same_name_twice_in_source_is_not_a_collision() -> None:
    source = "class S:\n    @property\n    def x(self):\n        return 1\n\n    @x.setter\n    def x(self, v):\n        pass\n"
    assert generate_module(source) == source


def test_elif_after_async_branch_becomes_the_if() -> None:
    """`if True:  # ASYNC` never lets the async code reach its elif; the sync code starts there (psycopg's reading)."""
    source = "if True:  # ASYNC\n    x = 1\nelif y:\n    x = 2\n"
    assert generate_module(source) == "if y:\n    x = 2\n"


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("async def f():\n    def g():\n        await h()\n", id="in a nested def's body"),
        pytest.param("async def f():\n    g = lambda: await h()\n", id="in a lambda's body"),
        pytest.param("async def f():\n    def g(x=lambda: await h()):\n        pass\n", id="in a lambda default"),
        pytest.param("def f(x=await h()):\n    pass\n", id="in a default at module level"),
    ],
)
def test_await_in_a_sync_scope_is_still_refused(source: str) -> None:
    with pytest.raises(SourceError, match="outside an async function"):
        generate_module(source, path="x.py")
