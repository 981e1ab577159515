"""Imports unawait adds never clash with local names; imports it made unused go, the user's stay."""

from __future__ import annotations

import pytest
from snippets import convert

P = pytest.param

SHADOWED = [
    P(
        "import asyncio\n\n\nasync def wait(time):\n    await asyncio.sleep(time)\n",
        "import time as _time\n\n\ndef wait(time):\n    _time.sleep(time)\n",
        id="a parameter named like the added module: the module gets a private alias",
    ),
    P(
        "import asyncio\n\n\nasync def f():\n    queue = asyncio.Queue()\n    return queue\n",
        "import queue as _queue\n\n\ndef f():\n    queue = _queue.Queue()\n    return queue\n",
        id="a local variable named like the added module",
    ),
    P(
        "import asyncio\nfrom time import time\n\n\nasync def f():\n    await asyncio.sleep(time())\n",
        "import time as _time\nfrom time import time\n\n\ndef f():\n    _time.sleep(time())\n",
        id="a from-import binding the module's name",
    ),
    P(
        "import asyncio\nimport time\n\n_time = 1\n\n\nasync def f(time):\n    await asyncio.sleep(time)\n",
        "import time\nimport time as _time_\n\n_time = 1\n\n\ndef f(time):\n    _time_.sleep(time)\n",
        id="the alias itself is taken too: another underscore",
    ),
    P(
        "import asyncio\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from asyncio import Task\n    from x import Y\n\n\nasync def f(time):\n    if True:  # ASYNC\n        t: Task = g()\n    await asyncio.sleep(time)\n",
        "import time as _time\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from x import Y\n\n\ndef f(time):\n    _time.sleep(time)\n",
        id="an aliased module and a nested import block fixed in the same module",
    ),
    P(
        "import asyncio\n\n\nasync def f(delay):\n    await asyncio.sleep(delay)\n    g(time=delay)\n",
        "import time\n\n\ndef f(delay):\n    time.sleep(delay)\n    g(time=delay)\n",
        id="leaves alone: a keyword argument does not bind the name",
    ),
    P(
        "import asyncio\nimport time\n\n\nasync def f():\n    await asyncio.sleep(time.monotonic())\n",
        "import time\n\n\ndef f():\n    time.sleep(time.monotonic())\n",
        id="leaves alone: the module itself already imported and used",
    ),
]

UNUSED = [
    P(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from asyncio import Task\n\n    from .pool import AsyncPool\n\n\nasync def f(p: AsyncPool):\n    if True:  # ASYNC\n        t: Task = g()\n",
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .pool import Pool\n\n\ndef f(p: Pool):\n    pass\n",
        id="the first line of a nested block goes: the block does not open with a blank line",
    ),
    P(
        "from typing import Any, Coroutine, TypeVar\n\nT = TypeVar('T')\n\n\ndef f(x: Coroutine[Any, Any, T]) -> T:\n    pass\n",
        "from typing import TypeVar\n\nT = TypeVar('T')\n\n\ndef f(x: T) -> T:\n    pass\n",
        id="Any of Coroutine[Any, Any, T] goes with it when nothing else uses it",
    ),
    P(
        "from typing import Any, Coroutine, TypeVar\n\nT = TypeVar('T')\n\n\ndef f(x: Coroutine[Any, Any, T]) -> Any:\n    pass\n",
        "from typing import Any, TypeVar\n\nT = TypeVar('T')\n\n\ndef f(x: T) -> Any:\n    pass\n",
        id="leaves alone: Any still used elsewhere",
    ),
    P(
        "from typing import Any, Dict\n\n\nasync def f():\n    pass\n",
        "from typing import Any, Dict\n\n\ndef f():\n    pass\n",
        id="leaves alone: imports the user left unused",
    ),
    P(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from asyncio import Task\n\n\nasync def f():\n    if True:  # ASYNC\n        t: Task = g()\n    else:\n        h()\n",
        "def f():\n    h()\n",
        id="a TYPE_CHECKING import used only in a dropped ASYNC branch goes, with its block",
    ),
    P(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from asyncio import Task\n    from x import Y\n\n\nasync def f():\n    if True:  # ASYNC\n        t: Task = g()\n    else:\n        h()\n",
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from x import Y\n\n\ndef f():\n    h()\n",
        id="leaves alone: the user's own unused TYPE_CHECKING import stays",
    ),
    P(
        "import pytest\nimport pytest_asyncio\n\n\n@pytest_asyncio.fixture\nasync def c():\n    yield 1\n\n\n"
        "@pytest.mark.asyncio\nasync def test_f(c):\n    assert c\n",
        "import pytest\n\n\n@pytest.fixture\ndef c():\n    yield 1\n\n\ndef test_f(c):\n    assert c\n",
        id="an import the marks no longer use stays when a moved name needs it (pytest_asyncio.fixture)",
    ),
]


#: A name removed from a parenthesized import list: the list keeps its layout and magic trailing
#: comma, so `)` stays on its own line (isort, ruff's I001 and the formatters keep it so).
PARENTHESIZED = [
    P(
        "from typing import (\n    Any,\n    Awaitable,\n    List,\n)\n\n\nasync def f(x: Awaitable[Any]) -> List[Any]:\n    return [await x]\n",
        "from typing import (\n    Any,\n    List,\n)\n\n\ndef f(x: Any) -> List[Any]:\n    return [x]\n",
        id="a middle name removed: the trailing comma and the closing line stay",
    ),
    P(
        "from typing import (\n    Any,\n    List,\n    Awaitable,\n)\n\n\nasync def f(x: Awaitable[Any]) -> List[Any]:\n    return [await x]\n",
        "from typing import (\n    Any,\n    List,\n)\n\n\ndef f(x: Any) -> List[Any]:\n    return [x]\n",
        id="the last name removed: the new last name takes its trailing comma",
    ),
    P(
        "from typing import (Any, List,\n    Awaitable)\n\n\nasync def f(x: Awaitable[Any]) -> List[Any]:\n    return [await x]\n",
        "from typing import (Any, List)\n\n\ndef f(x: Any) -> List[Any]:\n    return [x]\n",
        id="leaves alone: a list without a trailing comma gets none",
    ),
    P(
        "from typing import Any, Awaitable, List\n\n\nasync def f(x: Awaitable[Any]) -> List[Any]:\n    return [await x]\n",
        "from typing import Any, List\n\n\ndef f(x: Any) -> List[Any]:\n    return [x]\n",
        id="leaves alone: an import on one line stays on one line",
    ),
]


@pytest.mark.parametrize(("before", "after"), SHADOWED + UNUSED + PARENTHESIZED)
def test_imports(before: str, after: str) -> None:
    assert convert(before) == after


def test_shadowed_module_output_runs() -> None:
    """The output with a parameter named `time` works (it raised AttributeError before)."""
    namespace: dict[str, object] = {}
    exec(
        convert("import asyncio\n\n\nasync def wait(time):\n    await asyncio.sleep(time)\n    return time\n"),
        namespace,
    )
    assert namespace["wait"](0) == 0  # type: ignore[operator]
