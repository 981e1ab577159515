"""Before/after pairs for every rewrite: what each one fixes, and what it leaves alone."""

from __future__ import annotations

import pytest
from snippets import CONFIG, convert, dedent
from unawait import Config

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
    P(
        "async def f():\n    @deco(await g())\n    def h(x=await g(), *, y: int = await g()) -> None:\n        pass\n\n    k = lambda z=await g(): z\n",
        "def f():\n    @deco(g())\n    def h(x=g(), *, y: int = g()) -> None:\n        pass\n\n    k = lambda z=g(): z\n",
        id="await in a nested def's decorator and defaults, or a lambda's default, belongs to the async function",
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
        "import pkg._sync.store\nfrom pkg._sync import store\n",
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
        "from typing import TypeVar, cast\nfrom .s import AsyncStore\n\nT = TypeVar('T', bound='AsyncStore')\nx = cast('AsyncStore', y)\nz = cast(AsyncStore, 'AsyncStore')\n",
        "from typing import TypeVar, cast\n\nfrom .s import Store\n\nT = TypeVar('T', bound='Store')\nx = cast('Store', y)\nz = cast(Store, 'AsyncStore')\n",
        id="types in strings given to cast() and TypeVar(bound=), not the value cast",
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
        "x: str\n",
        id="Coroutine[A, B, T] is T, and Any goes when nothing else uses it",
    ),
    P(
        "from typing import AsyncContextManager\nfrom contextlib import AbstractAsyncContextManager\n\nx: AsyncContextManager[int]\ny: AbstractAsyncContextManager[int]\n",
        "from contextlib import AbstractContextManager\nfrom typing import ContextManager\n\nx: ContextManager[int]\ny: AbstractContextManager[int]\n",
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
        "import pytest_asyncio\n\n@pytest_asyncio.fixture(scope='module', loop_scope='module')\nasync def db():\n    yield 1\n",
        "import pytest\n\n@pytest.fixture(scope='module')\ndef db():\n    yield 1\n",
        id="pytest_asyncio fixture loses loop_scope, which pytest.fixture rejects",
    ),
    P(
        "import pytest_asyncio\n\n@pytest_asyncio.fixture\nasync def db():\n    return 1\n",
        "import pytest\n\n@pytest.fixture\ndef db():\n    return 1\n",
        id="bare pytest_asyncio fixture",
    ),
    P(
        "from pytest_asyncio import fixture\n\n@fixture(loop_scope='session')\nasync def db():\n    yield 1\n",
        "from pytest import fixture\n\n@fixture()\ndef db():\n    yield 1\n",
        id="fixture imported from pytest_asyncio",
    ),
    P(
        "import pytest\n\npytestmark = pytest.mark.asyncio(loop_scope='module')\n\n\ndef test_x():\n    pass\n",
        "def test_x():\n    pass\n",
        id="module pytestmark with arguments",
    ),
    P(
        "import pytest\n\npytestmark = (pytest.mark.asyncio, pytest.mark.slow)\n",
        "import pytest\n\npytestmark = (pytest.mark.slow,)\n",
        id="pytestmark in a tuple stays a tuple",
    ),
    P(
        "import pytest\n\n@pytest.mark.anyio\nclass TestX:\n    pytestmark = pytest.mark.trio\n\n    @pytest.mark.trio\n    async def test_x(self):\n        pass\n",
        "class TestX:\n    def test_x(self):\n        pass\n",
        id="anyio and trio marks on classes, methods and class pytestmark",
    ),
    P(
        "import pytest\n\n@pytest.mark.asyncio_cooperative\n@pytest.fixture(scope='module')\ndef db():\n    pass\n",
        "import pytest\n\n@pytest.mark.asyncio_cooperative\n@pytest.fixture(scope='module')\ndef db():\n    pass\n",
        id="other marks and pytest fixtures are left alone",
    ),
    P(
        "import pytest\n\n@pytest.mark.slow\ndef test_x():\n    pass\n",
        "import pytest\n\n@pytest.mark.slow\ndef test_x():\n    pass\n",
        id="other marks are left alone",
    ),
    P(
        "import pytest\n\npytestmark = [pytest.mark.slow]\npytestmark.append(pytest.mark.anyio)\npytestmark += [pytest.mark.asyncio]\npytestmark.extend([pytest.mark.trio])\n",
        "import pytest\n\npytestmark = [pytest.mark.slow]\n",
        id="pytestmark append, extend and += of async marks are removed",
    ),
    P(
        "import pytest\n\npytestmark = []\npytestmark += [pytest.mark.anyio, pytest.mark.slow]\npytestmark.append(pytest.mark.slow)\n",
        "import pytest\n\npytestmark = []\npytestmark += [pytest.mark.slow]\npytestmark.append(pytest.mark.slow)\n",
        id="pytestmark += keeps its other marks; other appends are left alone",
    ),
]

UNITTEST = [
    P(
        "import unittest\nfrom unittest.mock import AsyncMock\n\nclass T(unittest.IsolatedAsyncioTestCase):\n    async def asyncSetUp(self):\n        self.m = AsyncMock()\n        self.addAsyncCleanup(self.m.aclose)\n\n    async def test_x(self):\n        await self.m()\n        self.m.assert_awaited_once()\n        assert self.m.await_count == 1\n",
        "import unittest\nfrom unittest.mock import MagicMock\n\nclass T(unittest.TestCase):\n    def setUp(self):\n        self.m = MagicMock()\n        self.addCleanup(self.m.aclose)\n\n    def test_x(self):\n        self.m()\n        self.m.assert_called_once()\n        assert self.m.call_count == 1\n",
        id="IsolatedAsyncioTestCase and AsyncMock",
    ),
    P(
        "from unittest import IsolatedAsyncioTestCase\nfrom unittest.mock import AsyncMock, call\n\nclass T(IsolatedAsyncioTestCase):\n    async def asyncTearDown(self):\n        await self.enterAsyncContext(self.cm)\n\n    async def test_x(self):\n        m = AsyncMock()\n        await m(1)\n        m.assert_awaited_with(1)\n        m.assert_awaited_once_with(1)\n        m.assert_any_await(1)\n        m.assert_has_awaits([call(1)])\n        assert m.await_args == call(1)\n        assert m.await_args_list == [call(1)]\n        AsyncMock().assert_not_awaited()\n        self.assertEqual(m.call_count, 1)\n",
        "from unittest import TestCase\nfrom unittest.mock import MagicMock, call\n\nclass T(TestCase):\n    def tearDown(self):\n        self.enterContext(self.cm)\n\n    def test_x(self):\n        m = MagicMock()\n        m(1)\n        m.assert_called_with(1)\n        m.assert_called_once_with(1)\n        m.assert_any_call(1)\n        m.assert_has_calls([call(1)])\n        assert m.call_args == call(1)\n        assert m.call_args_list == [call(1)]\n        MagicMock().assert_not_called()\n        self.assertEqual(m.call_count, 1)\n",
        id="every await assertion and attribute of AsyncMock, enterAsyncContext",
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
    P(
        "import asyncio\n\nasync def f(self):\n    if self.lock is None:  # unawait: async-only\n        self.lock = asyncio.Lock()\n    async with self.lock:\n        pass\n",
        "def f(self):\n    with self.lock:\n        pass\n",
        id="the marker at the end of a compound statement's first line drops the whole statement",
    ),
    P(
        "class C:\n    def __await__(self):  # unawait: async-only\n        pass\n\n    def x(self):\n        pass\n",
        "class C:\n    def x(self):\n        pass\n",
        id="the marker at the end of a def line drops the definition",
    ),
    P(
        "async def f(x):\n    if x: await x.aclose()  # unawait: async-only\n    return x\n",
        "def f(x):\n    return x\n",
        id="the marker at the end of a one-line if drops it",
    ),
    P(
        "async def f(xs):\n    for x in xs:\n        await x()  # unawait: async-only\n        y(x)\n",
        "def f(xs):\n    for x in xs:\n        y(x)\n",
        id="the marker on a line inside a block drops that line, not the block",
    ),
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
    P(
        'async def aget(s):\n    """Fetch.\n\n    .. code-block:: python\n\n        await aget(s)\n\n    .. testcode::\n\n        await aget(s)\n    """\n',
        'def get(s):\n    """Fetch.\n\n    .. code-block:: python\n\n        get(s)\n\n    .. testcode::\n\n        get(s)\n    """\n',
        id="code-block and testcode directives renamed",
    ),
    P(
        'async def aget(s):\n    """Fetch.\n\n    .. code-block:: console\n\n        $ await aget\n\n    ```json\n    {"await": "aget"}\n    ```\n    """\n',
        'def get(s):\n    """Fetch.\n\n    .. code-block:: console\n\n        $ await aget\n\n    ```json\n    {"await": "aget"}\n    ```\n    """\n',
        id="blocks in other languages are left alone",
    ),
    P(
        'class AsyncStore:\n    """See :meth:`adding texts <AsyncStore.aadd_texts>` and :py:class:`~pkg.AsyncStore`."""\n\n    async def aadd_texts(self, t):\n        pass\n',
        'class Store:\n    """See :meth:`adding texts <Store.add_texts>` and :py:class:`~pkg.Store`."""\n\n    def add_texts(self, t):\n        pass\n',
        id="role with a title: target renamed, title kept",
    ),
    P(
        'async def aget(s):\n    """Fetch.\n\n    >>> async with s:\n    ...     x = await aget(s)\n    ...     [y async for y in x]\n    """\n',
        'def get(s):\n    """Fetch.\n\n    >>> with s:\n    ...     x = get(s)\n    ...     [y for y in x]\n    """\n',
        id="doctest continuation lines",
    ),
    P(
        'from .store import AsyncStore\n\nasync def f(s: AsyncStore):\n    """Async helper for AsyncStore; awaits nothing."""\n    return "AsyncStore"\n',
        'from .store import Store\n\ndef f(s: Store):\n    """Async helper for AsyncStore; awaits nothing."""\n    return "AsyncStore"\n',
        id="prose and other strings are left alone",
    ),
    P(
        'async def f():\n    """Fetch.\n\n    >>> x = await (await afetch())\n    >>> y = await(afetch())\n    """\n',
        'def f():\n    """Fetch.\n\n    >>> x = (fetch())\n    >>> y = (fetch())\n    """\n',
        id="docstring await before a parenthesis keeps the parenthesis",
    ),
]

ATTRIBUTE_STRINGS = [
    P(
        "class S:\n    async def aclose(self):\n        pass\n\nasync def f(s):\n    if hasattr(s, 'aclose'):\n        await s.aclose()\n    return getattr(s, \"aclose\", None)\n",
        "class S:\n    def close(self):\n        pass\n\ndef f(s):\n    if hasattr(s, 'close'):\n        s.close()\n    return getattr(s, \"close\", None)\n",
        id="hasattr and getattr name a renamed method",
    ),
    P(
        "async def f(s, name):\n    setattr(s, 'acquire', 1)\n    delattr(s, 'aclose')\n    print('aclose', getattr(s, name), getattr(s, f'aclose'))\n",
        "def f(s, name):\n    setattr(s, 'acquire', 1)\n    delattr(s, 'aclose')\n    print('aclose', getattr(s, name), getattr(s, f'aclose'))\n",
        id="names nothing renames, other calls and f-strings are left alone",
    ),
]

DUPLICATE_BASES = [
    P(
        "from .base import AsyncBase, Base\n\nclass S(Base, AsyncBase, metaclass=M):\n    pass\n",
        "from .base import Base\n\nclass S(Base, metaclass=M):\n    pass\n",
        id="a class serving both halves keeps one base",
    ),
    P(
        "from .base import AsyncBase, Other\n\nclass S(Other, AsyncBase):\n    pass\n",
        "from .base import Base, Other\n\nclass S(Other, Base):\n    pass\n",
        id="distinct bases are left alone",
    ),
]

IMPORTS = [
    P(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from typing import AsyncIterator\nelse:\n    try:\n        from typing import AsyncIterator\n    except ImportError:\n        AsyncIterator = None\n",
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from typing import Iterator\nelse:\n    try:\n        from typing import Iterator\n    except ImportError:\n        Iterator = None\n",
        id="the same import in two blocks is not a duplicate",
    ),
    P(
        "import logging\nimport time\n\nimport time as clock\nfrom asyncio import sleep as pause\nimport pytest\n\nfrom .x import y\n",
        "import logging\nimport time\nimport time as clock\nfrom time import sleep as pause\n\nimport pytest\n\nfrom .x import y\n",
        id="a changed import block comes out in isort's sections and order",
    ),
    P(
        "from typing import Iterator\nimport time\n\nfrom typing import AsyncIterator\nimport pytest\n\nx: AsyncIterator[int]\n",
        "import time\nfrom typing import Iterator\n\nimport pytest\n\nx: Iterator[int]\n",
        id="an import renamed into a duplicate goes, the block is sorted",
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
    + DOCSTRINGS
    + ATTRIBUTE_STRINGS
    + DUPLICATE_BASES
    + IMPORTS,
)
def test_rewrite(before: str, after: str) -> None:
    assert convert(before) == after


MODULES = Config(renames={"trio": "tests.concurrency", "_backends.auto": "_backends.sync"})
REDIS = Config(profiles=("redis",))
STRINGS = Config(trees=CONFIG.trees, rename_in_strings=True, renames={"pkg.old_mod": "pkg.new_mod"})
KEYWORDS = Config(add_keywords={"anysqlite.connect": {"check_same_thread": "False"}}, renames={"anysqlite": "sqlite3"})
ANYIO = Config(profiles=("anyio",), keep_lines=False)
HTTPX = Config(profiles=("httpx",))
PSYCOPG = Config(profiles=("psycopg",))
LANGCHAIN = Config(profiles=("langchain",))

CONFIGURED = [
    # Module renames: a rename with a dotted side changes module paths, never a lone name.
    P(
        "import trio as concurrency\n\nasync def f():\n    async with concurrency.open_nursery() as n:\n        pass\n",
        "from tests import concurrency\n\ndef f():\n    with concurrency.open_nursery() as n:\n        pass\n",
        MODULES,
        id="a module renamed to a dotted path, imported under its last name, becomes a from-import",
    ),
    P(
        "import trio\nfrom trio import sleep\n\nasync def f():\n    await trio.sleep(1)\n",
        "import tests.concurrency\nfrom tests.concurrency import sleep\n\ndef f():\n    tests.concurrency.sleep(1)\n",
        MODULES,
        id="a renamed module and its attributes",
    ),
    P(
        "from .._backends.auto import AutoBackend\n",
        "from .._backends.sync import AutoBackend\n",
        MODULES,
        id="a dotted rename in a relative import",
    ),
    P(
        "import pytest\n\ndef f(trio):\n    return trio, pytest.mark.trio, x.trio.y\n",
        "import pytest\n\ndef f(trio):\n    return trio, pytest.mark.trio, x.trio.y\n",
        MODULES,
        id="a module rename leaves lone names and attributes alone",
    ),
    P(
        "import asyncio\nimport redis.asyncio as aioredis\nfrom redis.asyncio.client import Pipeline\nfrom redis.asyncio import Redis\n\nasync def f(r: Redis):\n    await r.set('k', 1)\n    return asyncio.CancelledError, aioredis.from_url('redis://')\n",
        "import asyncio\n\nimport redis as aioredis\nfrom redis import Redis\nfrom redis.client import Pipeline\n\ndef f(r: Redis):\n    r.set('k', 1)\n    return asyncio.CancelledError, aioredis.from_url('redis://')\n",
        REDIS,
        id="redis profile: redis.asyncio becomes redis, asyncio stays asyncio",
    ),
    P(
        "from redis import asyncio as aioredis\n\nr = aioredis.Redis()\n",
        "import redis as aioredis\n\nr = aioredis.Redis()\n",
        REDIS,
        id="redis profile: the asyncio submodule imported from redis",
    ),
    P(
        "from tests import trio\nfrom x import trio as t\nfrom trio import lowlevel\n",
        "from tests import trio\nfrom tests.concurrency import lowlevel\nfrom x import trio as t\n",
        MODULES,
        id="a module rename leaves names imported from other modules alone",
    ),
    # keep: a project name the conventions leave alone.
    P(
        "class _RetryAsyncStream:\n    async def aclose(self):\n        pass\n",
        "class _RetryAsyncStream:\n    def close(self):\n        pass\n",
        Config(keep=frozenset({"_RetryAsyncStream"})),
        id="keep also keeps the Async word",
    ),
    # rename_in_strings: opt-in, for projects that come from text substitution.
    P(
        'from .conn import AsyncConn\n\ndef test(c: AsyncConn):\n    """AsyncConn in prose stays."""\n    assert repr(c) == "<AsyncConn [idle]>"\n    assert f"{c!r}: AsyncConn" != "AsyncConnection"\n    monkeypatch.setattr("pkg._async.conn.AsyncConn.x", 1)\n    monkeypatch.setattr("pkg.old_mod.X", b"AsyncConn")\n',
        'from .conn import Conn\n\ndef test(c: Conn):\n    """AsyncConn in prose stays."""\n    assert repr(c) == "<Conn [idle]>"\n    assert f"{c!r}: Conn" != "AsyncConnection"\n    monkeypatch.setattr("pkg._sync.conn.Conn.x", 1)\n    monkeypatch.setattr("pkg.new_mod.X", b"AsyncConn")\n',
        STRINGS,
        id="rename_in_strings: whole names and module paths in strings, not docstrings, bytes or longer words",
    ),
    P(
        "class S:\n    async def aclose(self):\n        pass\n\nMSG = 'call aclose() first; \\naclose'\n",
        "class S:\n    def close(self):\n        pass\n\nMSG = 'call close() first; \\nclose'\n",
        STRINGS,
        id="rename_in_strings: names after an escape",
    ),
    # add_keywords: an argument the sync twin needs.
    P(
        "import anysqlite\n\nasync def f():\n    a = await anysqlite.connect(':memory:')\n    b = await anysqlite.connect(\n        'x.db',\n    )\n    c = await anysqlite.connect('y', check_same_thread=True)\n    d = await anysqlite.connect(**kw)\n    return anysqlite.other('z')\n",
        "import sqlite3\n\ndef f():\n    a = sqlite3.connect(':memory:', check_same_thread=False)\n    b = sqlite3.connect(\n        'x.db', check_same_thread=False,\n    )\n    c = sqlite3.connect('y', check_same_thread=True)\n    d = sqlite3.connect(**kw)\n    return sqlite3.other('z')\n",
        KEYWORDS,
        id="add_keywords: added once, never over a keyword already passed or **kwargs",
    ),
    P(
        "from anysqlite import connect\n\nasync def f():\n    return await connect()\n",
        "from sqlite3 import connect\n\ndef f():\n    return connect(check_same_thread=False)\n",
        KEYWORDS,
        id="add_keywords: a function imported by name",
    ),
    # Library profiles.
    P(
        "import anyio\n\nasync def f(p):\n    await anyio.sleep(1)\n    lock, ev, sem, cond = anyio.Lock(), anyio.Event(), anyio.Semaphore(2), anyio.Condition()\n    text = await anyio.Path(p).read_text()\n    return await anyio.to_thread.run_sync(len, text)\n",
        "import pathlib\nimport threading\nimport time\n\ndef f(p):\n    time.sleep(1)\n    lock, ev, sem, cond = threading.Lock(), threading.Event(), threading.Semaphore(2), threading.Condition()\n    text = pathlib.Path(p).read_text()\n    return len(text)\n",
        ANYIO,
        id="anyio profile: sleep, Lock, Event, Semaphore, Condition, Path, to_thread.run_sync",
    ),
    P(
        "from anyio import Path, to_thread\n\nasync def f(p):\n    return await to_thread.run_sync(Path(p).exists)\n",
        "from pathlib import Path\n\ndef f(p):\n    return Path(p).exists()\n",
        ANYIO,
        id="anyio profile: names imported from anyio",
    ),
    P(
        "import anyio\n\nasync def f():\n    await anyio.sleep(1)\n",
        "import time\n\ndef f():\n    time.sleep(1)\n",
        Config(),
        id="a module that imports anyio gets the anyio profile without configuring it",
    ),
    P(
        "import httpx\n\nclass T(httpx.AsyncBaseTransport):\n    async def handle_async_request(self, request):\n        async with httpx.AsyncClient(transport=httpx.AsyncHTTPTransport()) as c:\n            r = await c.send(request, stream=True)\n            async for chunk in r.aiter_bytes():\n                pass\n            [x async for x in r.aiter_lines()], r.aiter_text, r.aiter_raw\n            await r.aread()\n            await r.aclose()\n",
        "import httpx\n\nclass T(httpx.BaseTransport):\n    def handle_request(self, request):\n        with httpx.Client(transport=httpx.HTTPTransport()) as c:\n            r = c.send(request, stream=True)\n            for chunk in r.iter_bytes():\n                pass\n            [x for x in r.iter_lines()], r.iter_text, r.iter_raw\n            r.read()\n            r.close()\n",
        HTTPX,
        id="httpx profile",
    ),
    P(
        "import httpx\n\nclass Stream(httpx.SyncByteStream, httpx.AsyncByteStream):\n    pass\n",
        "import httpx\n\nclass Stream(httpx.SyncByteStream):\n    pass\n",
        HTTPX,
        id="httpx profile: a stream serving both halves keeps one base",
    ),
    P(
        "import psycopg\nfrom psycopg.rows import AsyncRowFactory\nfrom psycopg_pool import AsyncConnectionPool, AsyncNullConnectionPool\n\nasync def f(pool: AsyncConnectionPool, rf: AsyncRowFactory) -> psycopg.AsyncCursor:\n    async with await psycopg.AsyncConnection.connect('') as conn:\n        async with conn.cursor() as cur:\n            await cur.execute('select 1')\n    return AsyncNullConnectionPool\n",
        "import psycopg\nfrom psycopg.rows import RowFactory\nfrom psycopg_pool import ConnectionPool, NullConnectionPool\n\ndef f(pool: ConnectionPool, rf: RowFactory) -> psycopg.Cursor:\n    with psycopg.Connection.connect('') as conn:\n        with conn.cursor() as cur:\n            cur.execute('select 1')\n    return NullConnectionPool\n",
        PSYCOPG,
        id="psycopg and psycopg_pool profile",
    ),
    P(
        "async def f(chain, emb, xs):\n    handlers = [chain.ainvoke, chain.abatch, chain.astream, emb.aembed_documents, emb.aembed_query]\n    return await chain.ainvoke(xs), handlers\n",
        "def f(chain, emb, xs):\n    handlers = [chain.invoke, chain.batch, chain.stream, emb.embed_documents, emb.embed_query]\n    return chain.invoke(xs), handlers\n",
        LANGCHAIN,
        id="langchain profile: protocol names also where they are not awaited",
    ),
]


@pytest.mark.parametrize(("before", "after", "config"), CONFIGURED)
def test_rewrite_with_config(before: str, after: str, config: Config) -> None:
    assert convert(before, config) == after


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


def test_profiles_switch_on_where_the_library_is_imported() -> None:
    from unawait import Config

    source = "async def f(httpx):\n    async with httpx.AsyncClient() as c:\n        r = await c.get('u')\n        return await r.aread()\n"
    assert convert(source, Config()) == dedent(
        """
        def f(httpx):
            with httpx.AsyncClient() as c:
                r = c.get('u')
                return r.read()
        """
    )
    assert "httpx.Client()" in convert(source, Config(profiles=("httpx",)))
    assert "httpx.Client()" in convert("import httpx\n\n" + source, Config())
