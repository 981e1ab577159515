"""Fuzzing with realistic async modules: each output compiles, holds no async code, is a fixed point,
and behaves like its async source run under asyncio (same result, same trace of calls).

A modest number of examples runs by default; `nox -s fuzz` (UNAWAIT_FUZZ=deep) runs thousands.
"""

from __future__ import annotations

import ast
import asyncio
import os
import textwrap
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from unawait import generate_module
from unawait.generate import transform_module

_DEEP = os.environ.get("UNAWAIT_FUZZ") == "deep"
_SETTINGS = settings(
    max_examples=int(os.environ.get("UNAWAIT_FUZZ_EXAMPLES", 3000 if _DEEP else 30)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Helpers every module defines: an awaitable function, an async context manager, an async
#: iterator class, an async generator, a decorator factory, all recording what they do.
PRELUDE = """\
import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator, Awaitable

trace: list = []


def decorate(n):
    def wrap(fn):
        trace.append(("decorated", n))
        return fn

    return wrap


async def afetch(x: int) -> int:
    await asyncio.sleep(0)
    trace.append(("fetch", x))
    return x * 2


async def afactory(x: int) -> "Awaitable[int]":
    trace.append(("factory", x))
    return afetch(x)


class AsyncResource:
    def __init__(self, name: str) -> None:
        self.name = name

    async def __aenter__(self) -> "AsyncResource":
        trace.append(("enter", self.name))
        return self

    async def __aexit__(self, *exc: object) -> None:
        trace.append(("exit", self.name))

    async def aget(self, k: int) -> int:
        return k + 1


class Counter:
    def __init__(self, n: int) -> None:
        self.i, self.n = 0, n

    def __aiter__(self) -> "Counter":
        return self

    async def __anext__(self) -> int:
        if self.i >= self.n:
            raise StopAsyncIteration
        self.i += 1
        return self.i


async def agen(n: int) -> AsyncIterator[int]:
    for i in range(n):
        trace.append(("yield", i))
        yield i


@decorate(0)
async def atwice(x: int) -> int:
    return 2 * await afetch(x)


@asynccontextmanager
async def aopened(name: str) -> AsyncIterator[str]:
    trace.append(("open", name))
    try:
        yield name
    finally:
        trace.append(("close", name))


class AsyncService:
    # calls itself: `await self.ahelper(x)`

    limit = 3

    async def ahelper(self, x: int) -> int:
        return x + self.limit

    async def arun(self, x: int) -> int:
        async with AsyncResource("svc") as r:
            return await self.ahelper(await r.aget(x))

    async def aitems(self, n: int) -> "AsyncIterator[int]":
        async for i in agen(n):
            yield await self.ahelper(i)
"""

#: Statements of `main`, each a template with {n} for a small number; they add to `acc` or the trace.
STATEMENTS = [
    "acc += await afetch({n})",
    "acc += (await afetch({n})) + 1",
    "acc += await (await afactory({n}))",
    "acc += -await atwice({n})",
    "async with AsyncResource('r{n}') as r:\n    acc += await r.aget({n})",
    "async with AsyncResource('a') as a, AsyncResource('b{n}') as b:\n    acc += await b.aget(await a.aget({n}))",
    "async with AsyncResource('p{n}'):\n    pass",
    "async for i in agen({n}):\n    acc += i",
    "async for i in Counter({n}):\n    trace.append(('count', i))\nelse:\n    trace.append('loop done')",
    "acc += sum([x async for x in agen({n})])",
    "acc += sum([await afetch(x) for x in range({n})])",
    "acc += len({{x: await afetch(x) async for x in agen({n}) if x % 2 == 0}})",
    "acc += sum({{x async for x in Counter({n})}})",
    "def inner(v=await afetch({n})):\n    return v\n\nacc += inner()",
    "f = lambda v=await afetch({n}): v + 1\nacc += f()",
    "@decorate(await afetch({n}))\ndef g():\n    return {n}\n\nacc += g()",
    "x: 'AsyncIterator[int]' = agen({n})\nasync for v in x:\n    acc += v",
    "if True:  # ASYNC\n    acc += await afetch({n})\nelse:\n    acc += fetch({n})",
    "# unawait: async-only\nawait asyncio.sleep(0)",
    "acc += await asyncio.to_thread(len, [0] * {n})",
    "await asyncio.sleep(0)",
    "class Local:\n    async def aval(self) -> int:\n        return await afetch({n})\n\nacc += await Local().aval()",
    "try:\n    acc += await afetch({n})\nfinally:\n    trace.append('finally')",
    "k = 0\nwhile k < {n}:\n    k += 1\n    acc += await afetch(k)",
    "async def helper(y: int) -> int:\n    return await afetch(y) + y\n\nacc += await helper({n})",
    "async with AsyncResource('n{n}') as r:\n    async for i in agen({n}):\n        acc += await r.aget(i)",
    "acc += sum([v async for v in agen({n}) if v % 2 == 0])",
    "acc += [await afetch(i) for i in range({n})][-1] if {n} else 0",
    "acc += await afetch({n}) if acc % 2 else await atwice({n})",
    "acc += (await afetch({n}) and await afetch({n} + 1))",
    "acc += max(await afetch({n}), key=lambda v: -v) if False else 0",
    "acc += await AsyncService().arun({n})",
    "acc += sum([i async for i in AsyncService().aitems({n})])",
    "async with aopened('c{n}') as name:\n    trace.append(name)",
    "service: 'AsyncService' = AsyncService()\nacc += await service.ahelper({n})",
]

#: Blocks a statement may be nested in.
WRAPPERS = [
    "if acc >= 0:\n{body}",
    "for _ in range(1):\n{body}",
    "try:\n{body}\nexcept ZeroDivisionError:\n    pass",
    "with open(__file__ if False else __import__('os').devnull) as _f:\n{body}",
]


def _indent(text: str, prefix: str = "    ") -> str:
    return textwrap.indent(text, prefix, lambda line: True)


@st.composite
def statements(draw: st.DrawFn) -> str:
    statement = draw(st.sampled_from(STATEMENTS)).format(n=draw(st.integers(0, 4)))
    for _ in range(draw(st.integers(0, 2))):
        statement = draw(st.sampled_from(WRAPPERS)).format(body=_indent(statement))
    return statement


@st.composite
def async_modules(draw: st.DrawFn) -> str:
    body = "\n".join(draw(st.lists(statements(), min_size=1, max_size=6)))
    main = "async def main() -> int:\n    acc = 0\n" + _indent(body) + "\n    return acc\n"
    return PRELUDE + "\n\n" + main


def _has_async(code: str) -> bool:
    return any(
        isinstance(n, (ast.Await, ast.AsyncFunctionDef, ast.AsyncFor, ast.AsyncWith))
        or (isinstance(n, ast.comprehension) and n.is_async)
        for n in ast.walk(ast.parse(code))
    )


def _run_on_own_loop(coro: Any) -> Any:
    """asyncio.run without touching the current event loop.

    asyncio.run sets and then clears the current loop; with pytest-asyncio on Python 3.9 that
    drops the loop an earlier async test left set, which then warns as unclosed in this test.
    """
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


def _run(code: str, sync: bool) -> tuple[Any, list[Any]]:
    namespace: dict[str, Any] = {"__name__": "fuzzed", "__file__": __file__}
    exec(compile(code, "<fuzzed>", "exec"), namespace)
    result = namespace["main"]() if sync else _run_on_own_loop(namespace["main"]())
    return result, namespace["trace"]


@_SETTINGS
@given(async_modules())
def test_fuzzed_modules_convert_to_equivalent_sync_code(source: str) -> None:
    out = generate_module(source)
    assert transform_module(source, explain=False, cold=False).code == out  # cold statements change nothing
    compile(out, "<out>", "exec")
    assert not _has_async(out)
    assert generate_module(out) == out
    assert _run(out, sync=True) == _run(source, sync=False)
