"""Zero-config inference: the project's own packages, library profiles by import, tree module paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from snippets import CONFIG, convert
from unawait import Config, Tree, transform_module

P = pytest.param


def trees(*pairs: tuple[str, str]) -> Config:
    return Config(trees=tuple(Tree(Path(src), Path(dest)) for src, dest in pairs))


PACKAGES = [
    P(
        "from pkg._drivers import AsyncDriver\n\nasync def f(d: AsyncDriver):\n    pass\n",
        "from pkg._drivers import Driver\n\ndef f(d: Driver):\n    pass\n",
        CONFIG,
        id="an absolute import from the package that holds the async tree is the project's own",
    ),
    P(
        "import pkg._drivers\n\nasync def f():\n    return pkg._drivers.AsyncDriver()\n",
        "import pkg._drivers\n\ndef f():\n    return pkg._drivers.Driver()\n",
        CONFIG,
        id="the same name reached as an attribute of the package",
    ),
    P(
        "from sqlvec._drivers import AsyncDriver\n",
        "from sqlvec._drivers import Driver\n",
        trees(("src/sqlvec/_async", "src/sqlvec/_sync")),
        id="a src layout: the package is the folder that holds the tree",
    ),
    P(
        "from otherlib import AsyncClient\n\nasync def f(c: AsyncClient):\n    pass\n",
        "from otherlib import AsyncClient\n\ndef f(c: AsyncClient):\n    pass\n",
        CONFIG,
        id="leaves another library's Async names alone",
    ),
]


@pytest.mark.parametrize(("before", "after", "config"), PACKAGES)
def test_project_packages_are_inferred(before: str, after: str, config: Config) -> None:
    assert convert(before, config) == after


PROFILES_BY_IMPORT = [
    P(
        "import httpx\n\nasync def f():\n    async with httpx.AsyncClient() as c:\n        r = await c.get('u')\n        return await r.aread()\n",
        "import httpx\n\ndef f():\n    with httpx.Client() as c:\n        r = c.get('u')\n        return r.read()\n",
        id="a module that imports httpx gets the httpx profile",
    ),
    P(
        "from psycopg import AsyncConnection\n\nasync def f(c: AsyncConnection):\n    pass\n",
        "from psycopg import Connection\n\ndef f(c: Connection):\n    pass\n",
        id="from-imports count too",
    ),
    P(
        "import anyio\n\nasync def f():\n    await anyio.sleep(1)\n",
        "import time\n\ndef f():\n    time.sleep(1)\n",
        id="anyio: its module moves",
    ),
    P(
        "from langchain_core.vectorstores import VectorStore\n\nasync def f(s: VectorStore):\n    return s.asimilarity_search\n",
        "from langchain_core.vectorstores import VectorStore\n\ndef f(s: VectorStore):\n    return s.similarity_search\n",
        id="langchain's split packages (langchain_core) switch on the langchain profile",
    ),
    P(
        "from redis.asyncio import Redis\n",
        "from redis import Redis\n",
        id="redis",
    ),
    P(
        "from neo4j import AsyncDriver, AsyncGraphDatabase\n\nasync def f(d: AsyncDriver):\n    async with d.session() as s:\n        await s.run('q')\n",
        "from neo4j import Driver, GraphDatabase\n\ndef f(d: Driver):\n    with d.session() as s:\n        s.run('q')\n",
        id="neo4j: the official driver's async classes",
    ),
    P(
        "import fakeredis.aioredis\n\nasync def f():\n    r = fakeredis.aioredis.FakeRedis()\n    await r.set('k', 1)\n",
        "import fakeredis\n\ndef f():\n    r = fakeredis.FakeRedis()\n    r.set('k', 1)\n",
        id="fakeredis: the async fake's module",
    ),
    P(
        "import fakeredis\n\nr = fakeredis.FakeRedis()\n",
        "import fakeredis\n\nr = fakeredis.FakeRedis()\n",
        id="leaves alone: fakeredis's sync fake",
    ),
    P(
        "from neo4jx import AsyncDriver\n",
        "from neo4jx import AsyncDriver\n",
        id="leaves alone: a look-alike of neo4j",
    ),
    P(
        "async def f():\n    import httpx\n    async with httpx.AsyncClient() as c:\n        pass\n",
        "def f():\n    import httpx\n    with httpx.AsyncClient() as c:\n        pass\n",
        id="only module-level imports switch a profile on",
    ),
    P(
        "import httpx2\n\nasync def f(c):\n    return c.AsyncClient\n",
        "import httpx2\n\ndef f(c):\n    return c.AsyncClient\n",
        id="a library with a similar name does not",
    ),
]


@pytest.mark.parametrize(("before", "after"), PROFILES_BY_IMPORT)
def test_profiles_switch_on_by_import(before: str, after: str) -> None:
    assert convert(before, Config()) == after


def test_explain_names_the_import_that_switched_a_profile_on() -> None:
    out = transform_module("import httpx\n\nasync def f(r):\n    await r.aread()\n", path="m.py")
    assert any(c.rule == "auto-profile" and c.before == "httpx" and c.line == 1 for c in out.changes)


MODULE_PATHS = [
    P(
        "from pkg.asynchronous.conn import AsyncConn\nimport pkg.asynchronous.pool\n\nx = pkg.asynchronous.pool.make()\n",
        "import pkg.synchronous.pool\nfrom pkg.synchronous.conn import Conn\n\nx = pkg.synchronous.pool.make()\n",
        trees(("pkg/asynchronous", "pkg/synchronous")),
        id="pkg/asynchronous -> pkg/synchronous renames the dotted path",
    ),
    P(
        "from .asynchronous import conn\nfrom ..asynchronous.pool import Pool\n",
        "from ..synchronous.pool import Pool\nfrom .synchronous import conn\n",
        trees(("pkg/asynchronous", "pkg/synchronous")),
        id="and its relative forms",
    ),
    P(
        "def f(asynchronous=True):\n    return asynchronous\n",
        "def f(asynchronous=True):\n    return asynchronous\n",
        trees(("pkg/asynchronous", "pkg/synchronous")),
        id="a variable with the folder's name is not a module path",
    ),
    P(
        "from tests.asynchronous.helpers import make\nimport tests.asynchronous.conftest as c\n",
        "import tests.conftest as c\nfrom tests.helpers import make\n",
        trees(("tests/asynchronous", "tests")),
        id="tests/asynchronous -> tests drops the folder from the path",
    ),
    P(
        "from .asynchronous import x\n",
        "from .asynchronous import x\n",
        trees(("tests/asynchronous", "tests")),
        id="a tree generated into its parent gets no last-folder rename",
    ),
]


@pytest.mark.parametrize(("before", "after", "config"), MODULE_PATHS)
def test_module_paths_follow_the_trees(before: str, after: str, config: Config) -> None:
    assert convert(before, config) == after


RELATIVE = [
    P(
        "from ..conftest import make\nfrom . import helpers\nfrom .helpers import x\n",
        "from . import helpers\nfrom .conftest import make\nfrom .helpers import x\n",
        ("tests/asynchronous", "tests"),
        "tests/asynchronous/test_x.py",
        id="a tree generated one level up: imports that leave the tree lose a dot",
    ),
    P(
        "from ...common import Base\nfrom ...asynchronous.pool import Pool\nfrom .. import pool\n",
        "from .. import pool\nfrom ..common import Base\nfrom ..pool import Pool\n",
        ("tests/asynchronous", "tests"),
        "tests/asynchronous/sub/test_y.py",
        id="and a path back into the tree follows the tree",
    ),
    P(
        "from ..common import Base\n",
        "from ..common import Base\n",
        ("pkg/asynchronous", "pkg/synchronous"),
        "pkg/asynchronous/conn.py",
        id="a tree beside its destination keeps its relative imports",
    ),
]


@pytest.mark.parametrize(("before", "after", "tree", "path"), RELATIVE)
def test_relative_imports_follow_the_tree(before: str, after: str, tree: tuple[str, str], path: str) -> None:
    assert transform_module(before, trees(tree), path=path).code == after
