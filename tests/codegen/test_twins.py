"""Import twins: a name imported from the project's own module that binds its sync twin too."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from unawait import Config, Tree, run, transform_module
from unawait.twins import import_twins, twin_candidates

P = pytest.param

#: The project's own hand-written package, beside the async test tree.
PKG_INIT = """\
from pkg._async.client import AsyncClient, AsyncPool
from pkg._sync.client import Client
from pkg._helpers import async_bulk, bulk
from pkg.db import adb, db

__all__ = ["AsyncClient", "Client", "AsyncPool", "async_bulk", "bulk", "adb", "db"]
"""
COMPAT = """\
import pytest

mark_async_test = pytest.mark.asyncio


def mark_sync_test(f):
    return f


def aping():
    pass


def ping():
    pass


def sping():
    pass


AsyncThing = SyncThing = Thing = object
"""

CASES = [
    P(
        "from pkg import AsyncClient\n\nasync def test_c():\n    async with AsyncClient() as c:\n        await c.get()\n",
        "from pkg import Client\n\ndef test_c():\n    with Client() as c:\n        c.get()\n",
        id="fixes: an Async name whose module binds the bare name too",
    ),
    P(
        "from pkg import adb\n\nasync def test_q():\n    await adb.cypher_query('q')\n",
        "from pkg import db\n\ndef test_q():\n    db.cypher_query('q')\n",
        id="fixes: an a-prefixed object (`adb` next to `db`), too short for the a-prefix rule",
    ),
    P(
        "from pkg import async_bulk\n\nasync def f(c):\n    await async_bulk(c, [])\n",
        "from pkg import bulk\n\ndef f(c):\n    bulk(c, [])\n",
        id="fixes: async_ as the first word of a snake_case name",
    ),
    P(
        "from tests.compat import mark_async_test\n\n@mark_async_test\nasync def test_x():\n    pass\n",
        "from tests.compat import mark_sync_test\n\n@mark_sync_test\ndef test_x():\n    pass\n",
        id="fixes: async -> sync inside a snake_case name",
    ),
    P(
        "from pkg import AsyncPool\n\nasync def f(p: AsyncPool):\n    pass\n",
        "from pkg import AsyncPool\n\ndef f(p: AsyncPool):\n    pass\n",
        id="leaves alone: the module binds no twin",
    ),
    P(
        "from tests.compat import AsyncThing\n",
        "from tests.compat import AsyncThing\n",
        id="leaves alone: the module binds two twins (Thing and SyncThing), so neither is sure",
    ),
    P(
        "from otherlib import AsyncClient\n",
        "from otherlib import AsyncClient\n",
        id="leaves alone: a module that is not the project's (not on disk)",
    ),
    P(
        "from pkg._async.client import AsyncPool\n",
        "from pkg._sync.client import AsyncPool\n",
        id="leaves alone: a module inside a tree (which binds Pool) is converted, not evidence",
    ),
    P(
        "from pkg import AsyncClient as AC\n",
        "from pkg import AsyncClient as AC\n",
        id="leaves alone: an import under another name",
    ),
]


MODULE_CASES = [
    P(
        "from pkg.afeed import Feed\n",
        "from pkg.feed import Feed\n",
        "tests/_async/t.py",
        id="fixes: a module with a hand-written sibling twin that binds the imported names",
    ),
    P(
        "from ..async_pool import get\n",
        "from ..pool import get\n",
        "pkg/_async/t.py",
        id="fixes: the relative form",
    ),
    P(
        "from pkg.afeed import AsyncFeed\n",
        "from pkg.feed import Feed\n",
        "tests/_async/t.py",
        id="fixes: a name and its module together, the twin module binding the name's twin",
    ),
    P(
        "from pkg.afeed import AsyncOnly\n",
        "from pkg.afeed import AsyncOnly\n",
        "tests/_async/t.py",
        id="leaves alone: the twin module does not bind an imported name",
    ),
    P(
        "from pkg.async_conn import get\n",
        "from pkg.async_conn import get\n",
        "tests/_async/t.py",
        id="leaves alone: two sibling twins (conn and sync_conn)",
    ),
    P(
        "from pkg import afeed\n\nafeed.Feed()\n",
        "from pkg import afeed\n\nafeed.Feed()\n",
        "tests/_async/t.py",
        id="leaves alone: the module as a name (only a from-import's module path is renamed)",
    ),
]


@pytest.mark.parametrize(("before", "after", "rel"), MODULE_CASES)
def test_module_twins(project: Config, before: str, after: str, rel: str) -> None:
    names = import_twins(project, [(before, rel)])
    assert transform_module(before, project, path=rel, project=names).code == after


@pytest.fixture
def project(tmp_path: Path) -> Config:
    """A project on disk: pkg (with its async and sync trees) and a tests package with an async tree."""
    files = {
        "pkg/__init__.py": PKG_INIT,
        "pkg/_helpers.py": "async def async_bulk(c, rows):\n    pass\n\ndef bulk(c, rows):\n    pass\n",
        "pkg/db.py": "adb = object()\ndb = object()\n",
        "pkg/_async/__init__.py": "",
        "pkg/_async/client.py": "class AsyncClient:\n    pass\n\nclass AsyncPool:\n    pass\n\nPool = 1\n",
        "pkg/_sync/__init__.py": "",
        "pkg/_sync/client.py": "class Client:\n    pass\n",
        "tests/__init__.py": "",
        "tests/compat.py": COMPAT,
        "tests/_async/__init__.py": "",
        "pkg/afeed.py": "class Feed:\n    pass\n\nclass AsyncOnly:\n    pass\n\nAsyncFeed = Feed\n",
        "pkg/feed.py": "class Feed:\n    pass\n",
        "pkg/async_conn.py": "def get():\n    pass\n",
        "pkg/conn.py": "def get():\n    pass\n",
        "pkg/sync_conn.py": "def get():\n    pass\n",
        "pkg/async_pool.py": "def get():\n    pass\n",
        "pkg/pool.py": "def get():\n    pass\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    trees = (Tree(Path("pkg/_async"), Path("pkg/_sync")), Tree(Path("tests/_async"), Path("tests/_sync")))
    return Config(trees=trees, root=tmp_path)


@pytest.mark.parametrize(("before", "after"), CASES)
def test_import_twins(project: Config, before: str, after: str) -> None:
    rel = "tests/_async/test_x.py"
    names = import_twins(project, [(before, rel)])
    assert transform_module(before, project, path=rel, project=names).code == after


def test_relative_imports_find_the_module(project: Config) -> None:
    source = "from ..compat import mark_async_test\n"
    names = import_twins(project, [(source, "tests/_async/test_x.py")])
    assert transform_module(source, project, path="tests/_async/test_x.py", project=names).code == (
        "from ..compat import mark_sync_test\n"
    )


def test_explain_gives_the_module_and_says_why_a_name_was_kept(project: Config) -> None:
    source = "from tests.compat import AsyncThing, mark_async_test\n\nx = (AsyncThing, mark_async_test)\n"
    names = import_twins(project, [(source, "tests/_async/t.py")])
    rules = {c.before: c.rule for c in transform_module(source, project, project=names).changes}
    assert rules["mark_async_test"] == "import-twin: tests.compat binds both mark_async_test and mark_sync_test"
    assert rules["AsyncThing"].startswith("import-twin kept: no clear import twin: tests.compat binds")


def test_config_keep_and_renames_win(project: Config) -> None:
    source = "from pkg import adb, async_bulk\n"
    names = import_twins(project, [(source, "tests/_async/t.py")])
    config = replace(project, keep=frozenset({"adb"}), renames={"async_bulk": "bulk_sync"})
    assert transform_module(source, config, project=names).code == "from pkg import adb, bulk_sync\n"


def test_the_command_applies_import_twins(project: Config) -> None:
    (project.root / "tests/_async/test_c.py").write_text("from pkg import AsyncClient, adb\n")
    (project.root / "pkg/_async/client.py").write_text("class AsyncClient:\n    pass\n")  # no Pool to collide
    report = run(project)
    assert not report.problems
    out = (project.root / "tests/_sync/test_c.py").read_text()
    assert "from pkg import Client, db\n" in out


@pytest.mark.parametrize(
    ("name", "twins"),
    [
        ("AsyncClient", ("Client", "SyncClient")),
        ("async_bulk", ("sync_bulk", "bulk")),
        ("scan_async", ("scan_sync", "scan")),
        ("mark_async_test", ("mark_sync_test", "mark_test")),
        ("adb", ("db",)),
        ("asynchronous", ("synchronous",)),
        ("database", ()),
    ],
)
def test_twin_candidates(name: str, twins: tuple[str, ...]) -> None:
    assert twin_candidates(name) == twins
