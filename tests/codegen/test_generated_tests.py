"""A generated sync test module runs under pytest -W error: no un-awaited coroutine, no leftover asyncio mark."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from snippets import convert, dedent

ASYNC_TESTS = dedent(
    '''
    """Tests of a small async cache, as a project would write them with pytest-asyncio."""

    import asyncio
    import unittest
    from contextlib import asynccontextmanager
    from typing import AsyncIterator
    from unittest.mock import AsyncMock

    import pytest
    import pytest_asyncio

    pytestmark = [pytest.mark.asyncio, pytest.mark.filterwarnings("error")]


    class AsyncCache:
        def __init__(self) -> None:
            self.data: dict[str, int] = {}
            self.lock = asyncio.Lock()
            self.closed = False

        async def aset(self, key: str, value: int) -> None:
            async with self.lock:
                await asyncio.sleep(0)
                self.data[key] = value

        async def aget(self, key: str) -> int:
            return self.data[key]

        async def aiter_keys(self) -> AsyncIterator[str]:
            for key in sorted(self.data):
                yield key

        async def aclose(self) -> None:
            self.closed = True

        async def __aenter__(self) -> "AsyncCache":
            return self

        async def __aexit__(self, *exc: object) -> None:
            await self.aclose()


    @asynccontextmanager
    async def opened() -> AsyncIterator[AsyncCache]:
        async with AsyncCache() as cache:
            yield cache


    @pytest_asyncio.fixture(loop_scope="function")
    async def cache() -> AsyncIterator[AsyncCache]:
        async with opened() as c:
            await c.aset("a", 1)
            yield c
        assert c.closed


    @pytest_asyncio.fixture
    async def loader() -> AsyncMock:
        return AsyncMock(return_value=7)


    async def test_get(cache: AsyncCache) -> None:
        assert await cache.aget("a") == 1


    @pytest.mark.asyncio(loop_scope="function")
    async def test_keys(cache: AsyncCache) -> None:
        await cache.aset("b", 2)
        assert [k async for k in cache.aiter_keys()] == ["a", "b"]


    async def test_loader(cache: AsyncCache, loader: AsyncMock) -> None:
        await cache.aset("c", await loader("c"))
        loader.assert_awaited_once_with("c")
        assert loader.await_count == 1
        assert await cache.aget("c") == 7


    class TestCache(unittest.IsolatedAsyncioTestCase):
        async def asyncSetUp(self) -> None:
            self.cache = AsyncCache()
            self.addAsyncCleanup(self.cache.aclose)

        async def test_set(self) -> None:
            await self.cache.aset("x", 1)
            self.assertEqual(await self.cache.aget("x"), 1)
    '''
)


def run_pytest(folder: Path, module: str, *, plugin: bool, strict: bool = True) -> subprocess.CompletedProcess[str]:
    """pytest (-W error when strict) on one module in a folder of its own (its own ini: none of this repo's settings)."""
    ini = "[pytest]\nasyncio_default_fixture_loop_scope = function\n" if plugin else "[pytest]\n"
    (folder / "pytest.ini").write_text(ini)
    (folder / "test_cache.py").write_text(module)
    options = ([] if plugin else ["-p", "no:asyncio"]) + (["-W", "error"] if strict else [])
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *options, "test_cache.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_generated_sync_module_passes_with_warnings_as_errors(tmp_path: Path) -> None:
    sync = convert(ASYNC_TESTS)
    assert "mark.asyncio" not in sync and "import asyncio" not in sync and "await" not in sync
    result = run_pytest(tmp_path, sync, plugin=False)  # the sync twin needs no async plugin
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_the_generated_sync_module_passes_with_pytest_asyncio_loaded(tmp_path: Path) -> None:
    # With the plugin loaded, a leftover asyncio mark on a sync test is a warning: -W error fails it.
    pytest.importorskip("pytest_asyncio")
    result = run_pytest(tmp_path, convert(ASYNC_TESTS), plugin=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_the_async_source_is_a_working_test_module(tmp_path: Path) -> None:
    pytest.importorskip("pytest_asyncio")
    # Not strict: on Python 3.9, IsolatedAsyncioTestCase leaves its event loop's sockets to the
    # garbage collector (a ResourceWarning); the source only has to be a working test module.
    result = run_pytest(tmp_path, ASYNC_TESTS, plugin=True, strict=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
