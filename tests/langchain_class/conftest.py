"""Fixtures of the LangChain class tests, and the asyncio mark for LangChain's unmarked async standard tests."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Iterator

import pytest

try:  # see tests/conftest.py
    from tests.postgres_server import schema_url
except ImportError:
    from postgres_server import schema_url  # type: ignore[no-redef]


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> Iterator[None]:
    """Mark the async tests of LangChain's suite `asyncio` before pytest-asyncio turns marked ones into its items.

    The suite leaves its async tests unmarked (LangChain runs pytest-asyncio in auto mode);
    this project runs strict mode, and a mark added to the class would land on its sync tests too.
    """
    # trylast: the innermost wrapper, so this runs before pytest-asyncio's wrapper reads the marks.
    outcome = yield
    if not inspect.iscoroutinefunction(obj) or not getattr(obj, "__module__", "").startswith("langchain_tests."):
        return
    result: Any = outcome.get_result()
    for item in result if isinstance(result, list) else [result]:
        if isinstance(item, pytest.Function):
            item.add_marker(pytest.mark.asyncio)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database for one test (named as in tests/_async, so tests/conftest.py marks the PostgreSQL one)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'langchain.db'}"
    else:
        # Looked up here so that the server starts only when a PostgreSQL test runs.
        with schema_url(request.getfixturevalue("postgres_dsn")) as url:
            yield url
