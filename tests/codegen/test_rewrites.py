"""Before/after pairs for every rewrite: what each one fixes, and what it leaves alone."""

from __future__ import annotations

import pytest
from snippets import convert, dedent

P = pytest.param

STRIP_ASYNC = [
    P("async def f():\n    await g()\n", "def f():\n    g()\n", id="await statement and async def"),
    P(
        "async def f():\n    return await g(1)\n",
        "def f():\n    return g(1)\n",
        id="awaited return value",
    ),
    P(
        "async def f():\n    x = (await g()).y\n",
        "def f():\n    x = g().y\n",
        id="parentheses around an awaited atom go",
    ),
    P(
        "async def f():\n    x = await (a or b)\n",
        "def f():\n    x = (a or b)\n",
        id="parentheses of the awaited expression stay",
    ),
    P(
        "async def f():\n    x = (\n        await g()\n    )\n",
        "def f():\n    x = (\n        g()\n    )\n",
        id="multi-line parentheses stay",
    ),
    P(
        "async def f():\n    x = -await g() + 1\n",
        "def f():\n    x = -g() + 1\n",
        id="await inside an expression",
    ),
    P(
        "async def f():\n    async with a() as b:\n        pass\n",
        "def f():\n    with a() as b:\n        pass\n",
        id="async with",
    ),
    P(
        "async def f():\n    async for x in y:\n        pass\n",
        "def f():\n    for x in y:\n        pass\n",
        id="async for",
    ),
    P(
        "async def f():\n    return [x async for x in y]\n",
        "def f():\n    return [x for x in y]\n",
        id="async list comprehension",
    ),
    P(
        "async def f():\n    return {await g(x) for x in y}\n",
        "def f():\n    return {g(x) for x in y}\n",
        id="await in a set comprehension",
    ),
    P(
        "async def f():\n    return (x async for x in y)\n",
        "def f():\n    return (x for x in y)\n",
        id="async generator expression",
    ),
    P(
        "async def f():  # why\n    await g()  # keep me\n",
        "def f():  # why\n    g()  # keep me\n",
        id="comments are kept",
    ),
    P("def f():\n    return g()\n", "def f():\n    return g()\n", id="leaves sync code alone"),
    P(
        "async_x = 'await x'\n",
        "async_x = 'await x'\n",
        id="leaves strings and look-alike names alone",
    ),
]

DUNDERS = [
    P(
        "class C:\n    async def __aenter__(self):\n        return self\n\n    async def __aexit__(self, *a):\n        pass\n",
        "class C:\n    def __enter__(self):\n        return self\n\n    def __exit__(self, *a):\n        pass\n",
        id="context manager dunders",
    ),
    P(
        "class C:\n    def __aiter__(self):\n        return self\n\n    async def __anext__(self):\n        raise StopAsyncIteration\n",
        "class C:\n    def __iter__(self):\n        return self\n\n    def __next__(self):\n        raise StopIteration\n",
        id="iterator dunders and StopAsyncIteration",
    ),
    P(
        "async def f(it):\n    return await anext(aiter(it))\n",
        "def f(it):\n    return next(iter(it))\n",
        id="anext and aiter builtins",
    ),
]

A_PREFIX = [
    P(
        "class S:\n    async def aadd_texts(self, t):\n        return await self.aget(t)\n\n    async def aget(self, t):\n        pass\n",
        "class S:\n    def add_texts(self, t):\n        return self.get(t)\n\n    def get(self, t):\n        pass\n",
        id="project async methods lose the a",
    ),
    P(
        "async def f(e):\n    return await e.aembed_documents(['x'])\n",
        "def f(e):\n    return e.embed_documents(['x'])\n",
        id="awaited method of a foreign object",
    ),
    P(
        "async def f(s):\n    async for d in s.aiter_documents():\n        pass\n",
        "def f(s):\n    for d in s.iter_documents():\n        pass\n",
        id="async for iterable",
    ),
    P(
        "async def f(p):\n    async with p.aconnection() as c:\n        pass\n",
        "def f(p):\n    with p.connection() as c:\n        pass\n",
        id="async with manager",
    ),
    P(
        "async def f(s):\n    await s.aclose()\n    s.aclose\n",
        "def f(s):\n    s.close()\n    s.close\n",
        id="every use of a renamed name",
    ),
    P(
        "async def _arun(x):\n    await _arun(x)\n",
        "def _run(x):\n    _run(x)\n",
        id="private names keep their underscore",
    ),
    P(
        "async def f(lock):\n    await lock.acquire()\n",
        "def f(lock):\n    lock.acquire()\n",
        id="acquire is a word: kept",
    ),
    P(
        "async def f(x):\n    await x.append(1)\n    await x.apply()\n    await x.add(1)\n    await x.accept()\n    await x.all()\n    await x.any()\n    await x.analyze()\n    await x.attach()\n    await x.abort()\n",
        "def f(x):\n    x.append(1)\n    x.apply()\n    x.add(1)\n    x.accept()\n    x.all()\n    x.any()\n    x.analyze()\n    x.attach()\n    x.abort()\n",
        id="words that begin with a are kept",
    ),
    P(
        "async def apply_vector_index():\n    pass\n",
        "def apply_vector_index():\n    pass\n",
        id="first word apply is kept",
    ),
    P(
        "async def aapply_vector_index():\n    pass\n",
        "def apply_vector_index():\n    pass\n",
        id="aapply is not a word: stripped",
    ),
    P(
        "def astuff(alpha):\n    return alpha.aname\n",
        "def astuff(alpha):\n    return alpha.aname\n",
        id="sync names never seen async are kept",
    ),
    P(
        "async def f(x):\n    await x\n    async with alock:\n        pass\n",
        "def f(x):\n    x\n    with alock:\n        pass\n",
        id="objects in async positions are not names to rename",
    ),
]

ASYNC_WORD = [
    P(
        "class AsyncVectorStore:\n    pass\n\nx: AsyncVectorStore = AsyncVectorStore()\n",
        "class VectorStore:\n    pass\n\nx: VectorStore = VectorStore()\n",
        id="project class",
    ),
    P(
        "class NebulaAsyncClient:\n    pass\n",
        "class NebulaClient:\n    pass\n",
        id="infix Async word",
    ),
    P(
        "class AsynchronousThing:\n    pass\n",
        "class AsynchronousThing:\n    pass\n",
        id="Asynchronous is another word",
    ),
    P(
        "from .engine import AsyncEngine\n\nAsyncEngine\n",
        "from .engine import Engine\n\nEngine\n",
        id="relative import of a project name",
    ),
    P(
        "from other_lib import AsyncThing\n\nAsyncThing\n",
        "from other_lib import AsyncThing\n\nAsyncThing\n",
        id="foreign library names are not ours to rename",
    ),
    P(
        "from ._async.store import AsyncStore\n",
        "from ._sync.store import Store\n",
        id="relative module path",
    ),
    P(
        "from pkg._async import store\nimport pkg._async.store\n",
        "from pkg._sync import store\nimport pkg._sync.store\n",
        id="absolute module paths",
    ),
    P(
        "from .store import AsyncStore\n\ndef f(x: 'list[AsyncStore] | None') -> 'AsyncStore':\n    pass\n",
        "from .store import Store\n\ndef f(x: 'list[Store] | None') -> 'Store':\n    pass\n",
        id="string annotations",
    ),
    P(
        "from .store import AsyncStore\n\n__all__ = ['AsyncStore', 'other']\n",
        "from .store import Store\n\n__all__ = ['Store', 'other']\n",
        id="__all__ entries",
    ),
    P(
        "from .store import AsyncStore\n\nMSG = 'AsyncStore is slow'\n",
        "from .store import Store\n\nMSG = 'AsyncStore is slow'\n",
        id="other strings are never touched",
    ),
    P(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .store import AsyncStore\n\ndef f(s: 'AsyncStore'):\n    pass\n",
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .store import Store\n\ndef f(s: 'Store'):\n    pass\n",
        id="TYPE_CHECKING blocks",
    ),
]

TYPING = [
    P(
        "from typing import AsyncIterator\n\nasync def f() -> AsyncIterator[int]:\n    yield 1\n",
        "from typing import Iterator\n\ndef f() -> Iterator[int]:\n    yield 1\n",
        id="AsyncIterator",
    ),
    P(
        "from collections.abc import AsyncIterable\n\ndef f(x: AsyncIterable[int]):\n    pass\n",
        "from collections.abc import Iterable\n\ndef f(x: Iterable[int]):\n    pass\n",
        id="collections.abc AsyncIterable",
    ),
    P(
        "import typing\n\nasync def f() -> typing.AsyncGenerator[int, None]:\n    yield 1\n",
        "import typing\n\ndef f() -> typing.Generator[int, None, None]:\n    yield 1\n",
        id="AsyncGenerator gets a return type",
    ),
    P(
        "from typing import Awaitable, Callable\n\ndef f(cb: Callable[[], Awaitable[int]]):\n    pass\n",
        "from typing import Callable\n\ndef f(cb: Callable[[], int]):\n    pass\n",
        id="Awaitable[T] is T and its import goes",
    ),
    P(
        "from typing import Coroutine, Any\n\nx: Coroutine[Any, Any, str]\n",
        "from typing import Any\n\nx: str\n",
        id="Coroutine[A, B, T] is T",
    ),
    P(
        "from typing import AsyncContextManager\nfrom contextlib import AbstractAsyncContextManager\n\nx: AsyncContextManager[int]\ny: AbstractAsyncContextManager[int]\n",
        "from typing import ContextManager\nfrom contextlib import AbstractContextManager\n\nx: ContextManager[int]\ny: AbstractContextManager[int]\n",
        id="async context manager types",
    ),
    P(
        "from typing import AsyncIterator, Iterator\n\nx: AsyncIterator[int]\ny: Iterator[int]\n",
        "from typing import Iterator\n\nx: Iterator[int]\ny: Iterator[int]\n",
        id="a rename onto an imported name is deduplicated",
    ),
    P(
        "from typing import Iterator\n\nx: Iterator[int]\n",
        "from typing import Iterator\n\nx: Iterator[int]\n",
        id="sync typing is left alone",
    ),
]

CONTEXTLIB = [
    P(
        "from contextlib import asynccontextmanager\n\n@asynccontextmanager\nasync def cm():\n    yield 1\n",
        "from contextlib import contextmanager\n\n@contextmanager\ndef cm():\n    yield 1\n",
        id="asynccontextmanager",
    ),
    P(
        "import contextlib\n\nasync def f(a):\n    async with contextlib.AsyncExitStack() as stack:\n        await stack.enter_async_context(a)\n        stack.push_async_callback(a.close)\n",
        "import contextlib\n\ndef f(a):\n    with contextlib.ExitStack() as stack:\n        stack.enter_context(a)\n        stack.callback(a.close)\n",
        id="AsyncExitStack and its methods",
    ),
    P(
        "from contextlib import aclosing\n\nasync def f(g):\n    async with aclosing(g) as x:\n        pass\n",
        "from contextlib import closing\n\ndef f(g):\n    with closing(g) as x:\n        pass\n",
        id="aclosing",
    ),
]

ASYNCIO = [
    P(
        "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n",
        "import time\n\ndef f():\n    time.sleep(1)\n",
        id="sleep moves to time",
    ),
    P(
        "import asyncio\n\nlock = asyncio.Lock()\nev = asyncio.Event()\nsem = asyncio.Semaphore(2)\nb = asyncio.BoundedSemaphore(2)\nc = asyncio.Condition()\n",
        "import threading\n\nlock = threading.Lock()\nev = threading.Event()\nsem = threading.Semaphore(2)\nb = threading.BoundedSemaphore(2)\nc = threading.Condition()\n",
        id="synchronisation primitives move to threading",
    ),
    P(
        "import asyncio\n\nq = asyncio.Queue()\n",
        "import queue\n\nq = queue.Queue()\n",
        id="Queue moves to queue",
    ),
    P(
        "from asyncio import Lock, sleep\n\nx = Lock()\n",
        "from threading import Lock\nfrom time import sleep\n\nx = Lock()\n",
        id="from-imports move too",
    ),
    P(
        "import asyncio as aio\n\nasync def f():\n    await aio.sleep(1)\n",
        "import time\n\ndef f():\n    time.sleep(1)\n",
        id="an aliased asyncio",
    ),
    P(
        "import asyncio\n\nasync def f(g, x):\n    return await asyncio.to_thread(g, x, key=1)\n",
        "def f(g, x):\n    return g(x, key=1)\n",
        id="to_thread calls the function",
    ),
    P("import asyncio\n\nasyncio.run(main())\n", "main()\n", id="run calls main"),
    P(
        "import asyncio\n\nasync def f():\n    await asyncio.sleep(0)\n\nx = asyncio.CancelledError\n",
        "import asyncio\nimport time\n\ndef f():\n    time.sleep(0)\n\nx = asyncio.CancelledError\n",
        id="asyncio stays imported while something uses it",
    ),
    P(
        "import asyncio  # noqa\n",
        "import asyncio  # noqa\n",
        id="an unused import that was unused before is left alone",
    ),
    P(
        "import sleep_lib\n\nsleep_lib.sleep(1)\n",
        "import sleep_lib\n\nsleep_lib.sleep(1)\n",
        id="other modules' sleep is left alone",
    ),
]

PYTEST = [
    P(
        "import pytest\n\n@pytest.mark.asyncio\nasync def test_x():\n    pass\n",
        "def test_x():\n    pass\n",
        id="bare asyncio mark, and pytest import no longer needed",
    ),
    P(
        "import pytest\n\n@pytest.mark.asyncio(loop_scope='module')\n@pytest.mark.slow\nasync def test_x():\n    pass\n",
        "import pytest\n\n@pytest.mark.slow\ndef test_x():\n    pass\n",
        id="mark with arguments",
    ),
    P(
        "import pytest\n\npytestmark = pytest.mark.asyncio\n\n\ndef test_x():\n    pass\n",
        "def test_x():\n    pass\n",
        id="module pytestmark alone",
    ),
    P(
        "import pytest\n\npytestmark = [pytest.mark.anyio, pytest.mark.slow]\n",
        "import pytest\n\npytestmark = [pytest.mark.slow]\n",
        id="pytestmark in a list",
    ),
    P(
        "import pytest_asyncio\n\n@pytest_asyncio.fixture(scope='module')\nasync def db():\n    yield 1\n",
        "import pytest\n\n@pytest.fixture(scope='module')\ndef db():\n    yield 1\n",
        id="pytest_asyncio fixture with yield",
    ),
    P(
        "import pytest\n\n@pytest.mark.slow\ndef test_x():\n    pass\n",
        "import pytest\n\n@pytest.mark.slow\ndef test_x():\n    pass\n",
        id="other marks are left alone",
    ),
]

UNITTEST = [
    P(
        "import unittest\nfrom unittest.mock import AsyncMock\n\nclass T(unittest.IsolatedAsyncioTestCase):\n    async def asyncSetUp(self):\n        self.m = AsyncMock()\n        self.addAsyncCleanup(self.m.aclose)\n\n    async def test_x(self):\n        await self.m()\n        self.m.assert_awaited_once()\n        assert self.m.await_count == 1\n",
        "import unittest\nfrom unittest.mock import MagicMock\n\nclass T(unittest.TestCase):\n    def setUp(self):\n        self.m = MagicMock()\n        self.addCleanup(self.m.aclose)\n\n    def test_x(self):\n        self.m()\n        self.m.assert_called_once()\n        assert self.m.call_count == 1\n",
        id="IsolatedAsyncioTestCase and AsyncMock",
    ),
]

MARKERS = [
    P(
        "async def f():\n    if True:  # ASYNC\n        await g()\n    else:\n        h()\n    return 1\n",
        "def f():\n    h()\n    return 1\n",
        id="async branch keeps the else body",
    ),
    P(
        "import asyncio\n\nasync def f(xs):\n    if True:  # ASYNC\n        return await asyncio.gather(*xs)\n    else:\n        return [x() for x in xs]\n",
        "def f(xs):\n    return [x() for x in xs]\n",
        id="async-only APIs inside the async branch are fine",
    ),
    P(
        "async def f():\n    if True:  # ASYNC\n        await g()\n    return 1\n",
        "def f():\n    return 1\n",
        id="async branch without else",
    ),
    P(
        "class C:\n    # unawait: async-only\n    def __await__(self):\n        pass\n\n    def x(self):\n        pass\n",
        "class C:\n    def x(self):\n        pass\n",
        id="a dropped definition",
    ),
    P("x = 1\ny = 2  # unawait: async-only\n", "x = 1\n", id="a dropped statement"),
    P("if True:\n    x = 1\n", "if True:\n    x = 1\n", id="an unmarked if True is left alone"),
]

DOCSTRINGS = [
    P(
        'async def f(store):\n    """Add texts.\n\n    >>> await store.aadd_texts(["a"])\n    """\n',
        'def f(store):\n    """Add texts.\n\n    >>> store.add_texts(["a"])\n    """\n',
        id="doctest line",
    ),
    P(
        'class AsyncStore:\n    """Async client for X; see :meth:`AsyncStore.aadd_texts`.\n\n    Example::\n\n        async with AsyncStore() as s:\n            await s.aadd_texts(["await"])\n    """\n\n    async def aadd_texts(self, t):\n        pass\n',
        'class Store:\n    """Async client for X; see :meth:`Store.add_texts`.\n\n    Example::\n\n        with Store() as s:\n            s.add_texts(["await"])\n    """\n\n    def add_texts(self, t):\n        pass\n',
        id="prose kept, roles and literal blocks renamed, strings in code kept",
    ),
    P(
        'async def aget():\n    """Fetch.\n\n    ```python\n    await aget()\n    ```\n    We await aget here.\n    """\n',
        'def get():\n    """Fetch.\n\n    ```python\n    get()\n    ```\n    We await aget here.\n    """\n',
        id="fenced block renamed, prose line left alone",
    ),
]


@pytest.mark.parametrize(
    ("before", "after"),
    STRIP_ASYNC
    + DUNDERS
    + A_PREFIX
    + ASYNC_WORD
    + TYPING
    + CONTEXTLIB
    + ASYNCIO
    + PYTEST
    + UNITTEST
    + MARKERS
    + DOCSTRINGS,
)
def test_rewrite(before: str, after: str) -> None:
    assert convert(before) == after


def test_async_word_replacement_is_configurable() -> None:
    from pathlib import Path

    from unawait import Config, Tree

    config = Config(trees=(Tree(Path("a/_async"), Path("a/_sync")),), async_word="Sync")
    assert convert("class AsyncFoo:\n    pass\n", config) == "class SyncFoo:\n    pass\n"


def test_config_keep_and_strip() -> None:
    from unawait import Config

    keep = Config(keep=frozenset({"aclose"}))
    assert convert("async def f(x):\n    await x.aclose()\n", keep) == "def f(x):\n    x.aclose()\n"
    strip = Config(strip=frozenset({"aread"}))
    assert convert("def f(x):\n    return x.aread\n", strip) == "def f(x):\n    return x.read\n"


def test_config_renames_plain_and_dotted() -> None:
    from unawait import Config

    config = Config(renames={"AsyncRedis": "Redis", "redis.asyncio": "redis"})
    assert (
        convert("import redis.asyncio\n\nx = redis.asyncio.AsyncRedis()\n", config)
        == "import redis\n\nx = redis.Redis()\n"
    )


def test_profiles_are_opt_in() -> None:
    from unawait import Config

    source = "import httpx\n\nasync def f():\n    async with httpx.AsyncClient() as c:\n        r = await c.get('u')\n        return await r.aread()\n"
    assert convert(source, Config()) == dedent(
        """
        import httpx

        def f():
            with httpx.AsyncClient() as c:
                r = c.get('u')
                return r.read()
        """
    )
    assert "httpx.Client()" in convert(source, Config(profiles=("httpx",)))
