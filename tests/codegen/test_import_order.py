"""Import blocks unawait changes come out the way isort and ruff sort them; blocks it did not touch stay."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest
from snippets import CONFIG, convert
from unawait import Config, Tree
from unawait.import_order import project_packages, sort_block

P = pytest.param

ORDER = [
    P(
        "import asyncio\nimport os\n\n\nasync def f():\n    await asyncio.sleep(1)\n",
        "import os\nimport time\n\n\ndef f():\n    time.sleep(1)\n",
        id="an added import goes where isort puts it, in the line of the one it replaces",
    ),
    P(
        "from time import monotonic\nfrom asyncio import sleep\n\n\nasync def f():\n    await sleep(monotonic())\n",
        "from time import monotonic, sleep\n\n\ndef f():\n    sleep(monotonic())\n",
        id="from-imports of one module merge into one statement",
    ),
    P(
        "from typing import (\n    AsyncIterator,\n    Any,\n    TYPE_CHECKING,\n    cast,\n)\n\nx: AsyncIterator[Any]\n",
        "from typing import (\n    TYPE_CHECKING,\n    Any,\n    Iterator,\n    cast,\n)\n\nx: Iterator[Any]\n",
        id="renamed names are re-sorted by type (CONSTANTS, Classes, others), keeping the layout",
    ),
    P(
        "from .x import AsyncY\nimport pkg.a\nfrom __future__ import annotations\nimport pytest\nimport asyncio\n\n\nasync def f(y: AsyncY):\n    await asyncio.sleep(0)\n",
        "from __future__ import annotations\n\nimport time\n\nimport pytest\n\nimport pkg.a\n\nfrom .x import Y\n\n\ndef f(y: Y):\n    time.sleep(0)\n",
        id="sections: future, stdlib, third party, the project's own packages, relative",
    ),
    P(
        "import asyncio\n# needed for x\nimport zlib\nimport abc\n\n\nasync def f():\n    await asyncio.sleep(1)\n",
        "import abc\nimport time\n\n# needed for x\nimport zlib\n\n\ndef f():\n    time.sleep(1)\n",
        id="a comment above an import moves with it, after a blank line as ruff writes it",
    ),
    P(
        '"""Doc."""\n\n# Section header\n\nimport zlib\nimport asyncio\n# about os\n\nimport os\n\nx = asyncio.Lock()\n',
        '"""Doc."""\n\n# Section header\n\n# about os\nimport os\nimport threading\nimport zlib\n\nx = threading.Lock()\n',
        id="a comment set apart above the block stays on top",
    ),
    P(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .store import AsyncStore\n    from .engine import AsyncEngine\n",
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .engine import Engine\n    from .store import Store\n",
        id="a block inside if TYPE_CHECKING is sorted too",
    ),
    P(
        "import pkg._async.store\nfrom pkg._async import store\nimport mod10, mod2\nfrom .. import a\nfrom . import b\nfrom x import d, b as c\n",
        "import mod2\nimport mod10\nfrom x import b as c\nfrom x import d\n\nimport pkg._sync.store\nfrom pkg._sync import store\n\nfrom .. import a\nfrom . import b\n",
        id="natural order, one straight import per line, aliases apart, furthest relative first",
    ),
    P(
        "import asyncio\nimport abc\nfrom .first import x\n\n# isort: split\nimport abc as b\nimport zlib\n\n\nasync def f():\n    await asyncio.sleep(1)\n",
        "import abc\nimport time\n\nfrom .first import x\n\n# isort: split\nimport abc as b\nimport zlib\n\n\ndef f():\n    time.sleep(1)\n",
        id="isort: split ends a block: the part unawait changed is sorted, the part below stays",
    ),
    P(
        "import abc\nimport zlib\n\n# isort: split\nfrom typing import AsyncIterator, Any\nimport os\n",
        "import abc\nimport zlib\n\n# isort: split\nimport os\nfrom typing import Any, Iterator\n",
        id="the block below an isort: split is sorted on its own, the comment stays on top",
    ),
]

LEAVES_ALONE = [
    P(
        "import zlib  # isort: skip\nimport asyncio\nimport abc\n\nx = asyncio.Lock()\n",
        "import zlib  # isort: skip\nimport threading\nimport abc\n\nx = threading.Lock()\n",
        id="a block with an isort pragma keeps its order",
    ),
    P(
        "# isort: off\nimport zlib\nimport asyncio\n\nx = asyncio.Lock()\n",
        "# isort: off\nimport zlib\nimport threading\n\nx = threading.Lock()\n",
        id="isort: off anywhere in the module (or skip_file): no block is sorted",
    ),
    P(
        "import zlib  # noqa: I001\nimport asyncio\n\nx = asyncio.Lock()\n",
        "import zlib  # noqa: I001\nimport threading\n\nx = threading.Lock()\n",
        id="noqa: I001",
    ),
    P(
        "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n\n\nimport zlib, abc\n",
        "import time\n\n\ndef f():\n    time.sleep(1)\n\n\nimport zlib, abc\n",
        id="a block unawait did not touch stays byte-identical, sorted or not",
    ),
    P(
        "import zlib\nimport abc\n\nasync def f():\n    pass\n",
        "import zlib\nimport abc\n\ndef f():\n    pass\n",
        id="an unsorted block with nothing renamed stays as written",
    ),
    P(
        "from typing import (\n    Any,  # why\n    AsyncIterator,\n    AbstractSet,\n)\n",
        "from typing import (\n    Any,  # why\n    Iterator,\n    AbstractSet,\n)\n",
        id="comments between the names pin their order",
    ),
    P(
        "from typing import AsyncIterator, Any  # why\nimport os\n",
        "import os\nfrom typing import Any, Iterator  # why\n",
        id="a trailing comment stays on its statement",
    ),
]


@pytest.mark.parametrize(("before", "after"), ORDER + LEAVES_ALONE)
def test_import_order(before: str, after: str) -> None:
    assert convert(before) == after


def test_first_party_is_packages_plus_the_trees_own_package() -> None:
    trees = (Tree(Path("src/pkg/_async"), Path("src/pkg/_sync")), Tree(Path("tests/_async"), Path("tests/_sync")))
    assert project_packages(Config(trees=trees, packages=("extra",))) == {"pkg", "tests", "extra"}
    assert project_packages(Config()) == set()


#: Imports of every kind and section, for blocks in random order.
POOL = [
    "from __future__ import annotations",
    "import os",
    "import os.path",
    "import time as clock",
    "import time",
    "import Zeta",
    "import mod10",
    "import mod2",
    "import _thread",
    "import collections.abc",
    "from typing import TYPE_CHECKING, Any, cast",
    "from typing import AsyncIterator, T",
    "from typing import Iterator as It",
    "from collections import OrderedDict, abc",
    "import pytest",
    "import numpy as np",
    "from httpx import AsyncClient, Response",
    "from httpx import codes",
    "from pkg import thing",
    "from pkg._sync.store import Store, STORE_ID, make_store",
    "import pkg.util",
    "from . import p",
    "from .. import q",
    "from .a import r, R, RR",
    "from .a2 import x",
    "from .a10 import y",
    "from ..b.c import (\n    zeta,\n    Alpha,\n    BETA,\n)",
    "from x import *",
    "from x import b as c",
    "from x import a, d",
    "from django import forms as df, test as dt",
    "# ruff: noqa: F401\nimport sqlite3",
    "# why zlib\nimport zlib",
]


def _ruff() -> str | None:
    found = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    return found if Path(found).exists() else None


def _assert_ruff_isort_clean(folder: Path) -> None:
    """`ruff check --select I` (isort's rules, ruff's defaults, first party `pkg`) passes on every file."""
    result = subprocess.run(
        [
            _ruff() or "ruff",
            "check",
            "--isolated",
            "--select",
            "I",
            "--config",
            'lint.isort.known-first-party=["pkg"]',
            "--no-cache",
            str(folder),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(_ruff() is None, reason="ruff is not installed")
def test_sorted_blocks_pass_ruff_isort_check(tmp_path: Path) -> None:
    """Random blocks of the pool, sorted by unawait, are what `ruff check --select I` asks for."""
    rng = random.Random(20261125)
    first_party = frozenset({"pkg"})
    for n in range(150):
        chosen = rng.sample(POOL, rng.randint(2, 12))
        source = "\n".join(chosen) + "\n\nx = 1\n"
        module = cst.parse_module(source)
        lines = [s for s in module.body if isinstance(s, cst.SimpleStatementLine)][: len(chosen)]
        block = sort_block(lines, first_party)
        assert block is not None
        out = module.with_changes(body=[*block, *module.body[len(lines) :]])
        (tmp_path / f"sample_{n}.py").write_text(out.code)
    _assert_ruff_isort_clean(tmp_path)


@pytest.mark.skipif(_ruff() is None, reason="ruff is not installed")
def test_generated_modules_pass_ruff_isort_check(tmp_path: Path) -> None:
    """Every before/after pair above that sorts a block gives output ruff's isort rules accept."""
    for n, param in enumerate(ORDER):
        (tmp_path / f"out_{n}.py").write_text(convert(param.values[0]))
    _assert_ruff_isort_clean(tmp_path)


def test_sort_imports_off_keeps_the_async_order() -> None:
    """As text-substitution generators do: projects migrating from unasync can keep their bytes."""
    source = (
        "import asyncio\nimport os\nfrom typing import AsyncIterator, Any\n\nx: AsyncIterator[Any] = asyncio.Lock()\n"
    )
    off = Config(trees=CONFIG.trees, sort_imports=False)
    assert (
        convert(source, off)
        == "import threading\nimport os\nfrom typing import Iterator, Any\n\nx: Iterator[Any] = threading.Lock()\n"
    )
    assert (
        convert(source)
        == "import os\nimport threading\nfrom typing import Any, Iterator\n\nx: Iterator[Any] = threading.Lock()\n"
    )


def test_sort_imports_config_is_validated() -> None:
    from unawait.config import config_from_table
    from unawait.errors import ConfigError

    assert not config_from_table({"sort_imports": False}, Path(".")).sort_imports
    with pytest.raises(ConfigError):
        config_from_table({"sort_imports": "no"}, Path("."))


def test_sorting_is_idempotent_and_keeps_every_binding() -> None:
    """Sorting a sorted block changes nothing, and no import binds a different name after sorting."""
    import ast

    rng = random.Random(7)
    for _ in range(200):
        chosen = rng.sample(POOL, rng.randint(1, 10))
        module = cst.parse_module("\n".join(chosen) + "\n")
        lines = [s for s in module.body if isinstance(s, cst.SimpleStatementLine)]
        once = sort_block(lines, frozenset({"pkg"}))
        assert once is not None
        twice = sort_block(once, frozenset({"pkg"}))
        code = module.with_changes(body=once).code
        assert twice is not None and module.with_changes(body=twice).code == code

        def bound(source: str) -> set[tuple[str, str, str]]:
            found = set()
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Import):
                    found.update(("", a.name, a.asname or "") for a in node.names)
                elif isinstance(node, ast.ImportFrom):
                    found.update(("." * node.level + (node.module or ""), a.name, a.asname or "") for a in node.names)
            return found

        assert bound(code) == bound(module.code)


def test_the_stdlib_table_covers_the_running_interpreter() -> None:
    """The table is data so that every Python sorts alike; it must still know this one's modules."""
    from unawait.stdlib import STDLIB

    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:  # 3.10+
        assert set(names) - {"__future__"} <= STDLIB
    assert {"asyncio", "time", "threading", "queue", "typing", "contextlib", "asynchat", "distutils"} <= STDLIB
    assert not {"pytest", "httpx", "libcst", "pkg"} & STDLIB
