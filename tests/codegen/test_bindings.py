"""Renames respect every binding of the scope they land in: capture and collisions are located errors."""

from __future__ import annotations

import pytest
from snippets import convert, dedent
from unawait import SourceError

P = pytest.param

CAPTURED = [
    P(
        """
        async def aget(k):
            return k

        async def use(cache, k):
            get = cache.get
            return await aget(k)
        """,
        (6, 18),
        ["`aget` becomes `get`", "`get` (assignment at 5:5)", "`aget` (def at 1:1)"],
        id="a local assignment would capture a renamed call",
    ),
    P(
        """
        class C:
            close = None

            async def aclose(self):
                pass
        """,
        (4, 5),
        ["`aclose` becomes `close`", "`close` (assignment at 2:5)"],
        id="a class attribute and a renamed method",
    ),
    P(
        "async def aget(k):\n    return k\n\nasync def use(get, k):\n    return await aget(k)\n",
        (5, 18),
        ["`get` (parameter at 4:15)"],
        id="a parameter would capture it",
    ),
    P(
        "from cache import get\n\nasync def aget(k):\n    return get(k)\n",
        (3, 1),
        ["`aget` becomes `get`", "`get` (import from cache at 1:"],
        id="a module-level import and a renamed def",
    ),
    P(
        "async def aget(k):\n    return k\n\nasync def use(items):\n    for get in items:\n        await aget(get)\n",
        (6, 15),
        ["`get` (assignment at 5:9)"],
        id="a for target would capture it",
    ),
    P(
        "async def aget(k):\n    return k\n\nasync def use(c):\n    with c as get:\n        await aget(get)\n",
        (6, 15),
        ["`get` (assignment at 5:15)"],
        id="a with target would capture it",
    ),
    P(
        "async def aget(k):\n    return k\n\nasync def use(xs):\n    return [await aget(get) for get in xs]\n",
        (5, 19),
        ["`get` (assignment at 5:33)"],
        id="a comprehension variable would capture it",
    ),
    P(
        "async def aget(k):\n    return k\n\nasync def use(xs):\n    import get\n    await aget(xs)\n",
        (6, 11),
        ["`get` (import at 5:"],
        id="an import in the function would capture it",
    ),
    P(
        "def get():\n    return 1\n\nclass C:\n    async def aget(self):\n        pass\n\nasync def use():\n    aget = 2\n    return get() + aget\n",
        (10, 12),
        ["`get` here would refer to `aget` (assignment at 9:5), renamed to `get`"],
        id="a renamed local would capture a use of the other name",
    ),
    P(
        "async def use(it, next):\n    return await anext(it)\n",
        (2, 18),
        ["`anext` becomes `next`", "`next` (parameter"],
        id="a builtin rename is captured by a parameter",
    ),
    P(
        # `first` holds no name that renames, only the one `anext` renames to: it is still walked
        "def first(it):\n    return next(it)\n\n\nasync def anext(it):\n    return 1\n",
        (2, 12),
        ["`next` here would refer to `anext` (def at 5:1), renamed to `next`"],
        id="a renamed def would capture a builtin another function uses",
    ),
    P(
        "def f():\n    global get\n    get = 1\n\nasync def aget():\n    pass\n",
        (5, 1),
        ["`aget` becomes `get`", "`get` (global at 2:5)"],
        id="a global declared in a function",
    ),
]


@pytest.mark.parametrize(("source", "where", "parts"), CAPTURED)
def test_a_rename_that_would_change_a_binding_is_a_located_error(
    source: str, where: tuple[int, int], parts: list[str]
) -> None:
    with pytest.raises(SourceError) as info:
        convert(source)
    error = info.value
    assert (error.line, error.column) == where, str(error)
    for part in parts:
        assert part in error.message, error.message
    assert "keep" in error.hint


KEPT = [
    P(
        """
        async def aget(k):
            return k

        async def use(cache, k):
            value = cache.get(k)
            return await aget(value)
        """,
        """
        def get(k):
            return k

        def use(cache, k):
            value = cache.get(k)
            return get(value)
        """,
        id="an attribute of the same name is no binding",
    ),
    P(
        """
        async def aget(k):
            return k

        def other():
            get = 1
            return get
        """,
        """
        def get(k):
            return k

        def other():
            get = 1
            return get
        """,
        id="a local of the new name where the renamed one is not used",
    ),
    P(
        """
        class C:
            async def aclose(self):
                pass

            def helper(self):
                close = self.aclose
                return close
        """,
        """
        class C:
            def close(self):
                pass

            def helper(self):
                close = self.close
                return close
        """,
        id="a method and a local of its new name in another scope",
    ),
    P(
        """
        async def aget(k):
            return k

        async def use(aget):
            return await aget(1)
        """,
        """
        def get(k):
            return k

        def use(aget):
            return aget(1)
        """,
        id="a parameter keeps its name, and so do its uses",
    ),
    P(
        """
        async def aget(k):
            return k

        async def aclose():
            pass

        async def use(c):
            await c.aget(aclose=True)
            return await aget(1)
        """,
        """
        def get(k):
            return k

        def close():
            pass

        def use(c):
            c.get(aclose=True)
            return get(1)
        """,
        id="keyword arguments keep their names",
    ),
    P(
        """
        class C:
            def __init__(self):
                self.anext = 1
                self.aiter = self.anext

            async def f(self, it):
                return await anext(it)
        """,
        """
        class C:
            def __init__(self):
                self.anext = 1
                self.aiter = self.anext

            def f(self, it):
                return next(it)
        """,
        id="attributes named like builtin functions stay; the builtin is renamed",
    ),
    P(
        """
        class C:
            async def anext(self):
                pass

            async def f(self):
                self.anext = None
                return await self.anext()
        """,
        """
        class C:
            def next(self):
                pass

            def f(self):
                self.next = None
                return self.next()
        """,
        id="an attribute the project defines async is renamed everywhere",
    ),
    P(
        """
        if True:  # ASYNC
            async def aclose():
                pass
        else:
            def close():
                pass
        """,
        """
        def close():
            pass
        """,
        id="a binding in an async-only branch does not collide",
    ),
    P(
        """
        async def afetch():
            pass

        async def main():
            if True:  # ASYNC
                await afetch()
            else:
                fetch()
        """,
        """
        def fetch():
            pass

        def main():
            fetch()
        """,
        id="sync-terms code in the else branch of an async-only branch uses the new name",
    ),
    P(
        """
        from typing import AsyncIterator, Iterator

        def f(x: AsyncIterator[int]) -> Iterator[int]:
            return x
        """,
        """
        from typing import Iterator

        def f(x: Iterator[int]) -> Iterator[int]:
            return x
        """,
        id="two imports that become one name by a table are one import",
    ),
]


@pytest.mark.parametrize(("before", "after"), KEPT)
def test_renames_that_keep_every_binding(before: str, after: str) -> None:
    assert convert(before) == dedent(after)


def test_explain_says_which_names_kept_their_name() -> None:
    from unawait.generate import transform_module

    source = "async def aget(k):\n    return k\n\nasync def use(aget, c):\n    await c.aget(aget=aget)\n"
    changes = transform_module(source).changes
    kept = {(c.line, c.column, c.rule) for c in changes if c.rule.startswith("kept:")}
    assert kept == {
        (4, 15, "kept:parameter"),
        (5, 18, "kept:keyword-or-attribute"),
        (5, 23, "kept:parameter"),
    }
