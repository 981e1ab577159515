"""The user's tables win over built-in rewrites; forward references and docstring code follow them."""

from __future__ import annotations

import pytest
from snippets import CONFIG, convert
from unawait import Config

P = pytest.param

PAIRS = [
    P(
        "from typing import Awaitable\n\ndef f() -> Awaitable[int]:\n    pass\n",
        "from typing import Promise\n\ndef f() -> Promise[int]:\n    pass\n",
        Config(renames={"Awaitable": "Promise"}),
        id="a configured rename of Awaitable beats the built-in Awaitable[T] -> T",
    ),
    P(
        "from typing import AsyncGenerator\n\ndef f() -> AsyncGenerator[int, None]:\n    pass\n",
        "from typing import AsyncGenerator\n\ndef f() -> AsyncGenerator[int, None]:\n    pass\n",
        Config(keep=frozenset({"AsyncGenerator"})),
        id="keep beats the built-in AsyncGenerator rewrite",
    ),
    P(
        "from typing import Awaitable\n\ndef f() -> Awaitable[int]:\n    pass\n",
        "def f() -> int:\n    pass\n",
        Config(keep_lines=False),
        id="without one, Awaitable[T] -> T as before",
    ),
    P(
        'from typing import Generic\nfrom .foo import AsyncFoo\n\nclass A(Generic["AsyncFoo"]):\n    pass\n\nclass B(Base["AsyncFoo", int], metaclass=M):\n    pass\n',
        'from typing import Generic\n\nfrom .foo import Foo\n\nclass A(Generic["Foo"]):\n    pass\n\nclass B(Base["Foo", int], metaclass=M):\n    pass\n',
        CONFIG,
        id="forward references in base-class subscripts are renamed",
    ),
    P(
        'from .foo import AsyncFoo\n\nclass A(make("AsyncFoo")):\n    pass\n',
        'from .foo import Foo\n\nclass A(make("AsyncFoo")):\n    pass\n',
        CONFIG,
        id="a string argument of a call in the bases is not a forward reference",
    ),
    P(
        'async def f():\n    """Wait.\n\n    >>> await asyncio.sleep(1)\n    >>> from redis.asyncio import Redis\n    >>> x = asyncio.TimeoutError\n    """\n',
        'def f():\n    """Wait.\n\n    >>> time.sleep(1)\n    >>> from redis import Redis\n    >>> x = TimeoutError\n    """\n',
        Config(profiles=("redis",)),
        id="module moves and module renames apply to code in docstrings",
    ),
    P(
        'def f():\n    """See ``pkg.asynchronous.conn`` and :mod:`pkg.asynchronous`.\n\n    >>> import pkg.asynchronous.conn\n    """\n',
        'def f():\n    """See ``pkg.synchronous.conn`` and :mod:`pkg.synchronous`.\n\n    >>> import pkg.synchronous.conn\n    """\n',
        Config(trees=CONFIG.trees, renames={"pkg.asynchronous": "pkg.synchronous"}),
        id="a dotted module rename in docstring code, literals and roles",
    ),
    P(
        'def f():\n    """The asyncio.sleep function in prose stays; so does \'asyncio.sleep\'.\n\n    >>> print("asyncio.sleep")\n    """\n',
        'def f():\n    """The asyncio.sleep function in prose stays; so does \'asyncio.sleep\'.\n\n    >>> print("asyncio.sleep")\n    """\n',
        Config(),
        id="prose and strings in docstring code are left alone",
    ),
]


@pytest.mark.parametrize(("before", "after", "config"), PAIRS)
def test_user_tables_win(before: str, after: str, config: Config) -> None:
    assert convert(before, config) == after
