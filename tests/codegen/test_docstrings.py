"""rename_in_docstrings: names in docstring prose follow the renames, as text-substitution tools do."""

from __future__ import annotations

import pytest
from snippets import CONFIG, convert
from unawait import Config

P = pytest.param

PROSE = Config(trees=CONFIG.trees, rename_in_docstrings=True)

PAIRS = [
    P(
        'from .store import AsyncStore\n\nasync def f(s: AsyncStore):\n    """Async helper for AsyncStore; see pkg._async.store and AsyncStore.aadd_texts."""\n\nclass AsyncStore:\n    async def aadd_texts(self):\n        pass\n',
        'from .store import Store\n\ndef f(s: Store):\n    """Async helper for Store; see pkg._sync.store and Store.add_texts."""\n\nclass Store:\n    def add_texts(self):\n        pass\n',
        id="whole names and module paths in prose are renamed",
    ),
    P(
        'async def aget(s):\n    """Fetch with aget, not with ``await aget(s)`` or :meth:`aget`; aget_all and xaget stay.\n\n    >>> await aget(s)\n    """\n',
        'def get(s):\n    """Fetch with get, not with ``get(s)`` or :meth:`get`; aget_all and xaget stay.\n\n    >>> get(s)\n    """\n',
        id="prose, literals, roles and doctest lines each renamed once; parts of words stay",
    ),
    P(
        'def f():\n    """We await the result asynchronously, as async code does."""\n',
        'def f():\n    """We await the result asynchronously, as async code does."""\n',
        id="leaves alone: words that are no renamed name",
    ),
]


@pytest.mark.parametrize(("before", "after"), PAIRS)
def test_prose_renamed_with_the_option(before: str, after: str) -> None:
    assert convert(before, PROSE) == after


def test_prose_is_left_alone_by_default() -> None:
    source = 'from .store import AsyncStore\n\nasync def f(s: AsyncStore):\n    """Async helper for AsyncStore."""\n'
    assert convert(source) == 'from .store import Store\n\ndef f(s: Store):\n    """Async helper for AsyncStore."""\n'


def test_rename_in_docstrings_config_is_validated() -> None:
    from pathlib import Path

    from unawait.config import config_from_table
    from unawait.errors import ConfigError

    assert config_from_table({"rename_in_docstrings": True}, Path(".")).rename_in_docstrings
    with pytest.raises(ConfigError):
        config_from_table({"rename_in_docstrings": "yes"}, Path("."))
