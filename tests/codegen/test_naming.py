"""The a-prefix rule: a name loses its leading `a` only on positive evidence, and says why."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from snippets import convert
from unawait import Config, SourceError, generate_module, transform_module, words
from unawait.cli import main
from unawait.rules import BUILTIN, PROFILES

P = pytest.param

#: Names whose first word is a word of its own (or no evidence says the rest is one): they stay.
KEPT = [
    "atomic_update",
    "aws_upload",
    "average",
    "azure_upload",
    "async_read",
    "acquire",
    "append",
    "apply_index",
    "add",
    "all",
    "any",
    "analyze",
    "attach",
    "abort",
    "amount",
    "assert_x",
    "access_token",
    "api_call",  # "pi" is a dictionary word, but a two-letter rest is no evidence: acronyms
    "aio_read",
    "aes_encrypt",
    "aupsert",  # "upsert" is in no word list, and nothing in this module uses it
]

#: Names whose first word is no word while the rest is one: they lose the `a`.
STRIPPED = [
    ("aadd_texts", "add_texts"),
    ("asimilarity_search", "similarity_search"),
    ("aclose", "close"),
    ("aget", "get"),
    ("aembed_documents", "embed_documents"),
    ("astream", "stream"),
    ("aiter_rows", "iter_rows"),
    ("alist_page", "list_page"),
    ("aread", "read"),
    ("aiter_stream", "iter_stream"),
    ("afetch", "fetch"),
    ("ainvoke", "invoke"),
    ("adelete", "delete"),
    ("aexecute", "execute"),
    ("arun", "run"),
    ("asend", "send"),
    ("aclear", "clear"),
    ("aput", "put"),
    ("aset", "set"),
    ("_aclose", "_close"),
    ("agetUser", "getUser"),
]


@pytest.mark.parametrize("name", KEPT)
def test_an_async_def_keeps_its_a_without_evidence(name: str) -> None:
    before = f"async def {name}(x):\n    return await x.{name}()\n"
    assert convert(before) == f"def {name}(x):\n    return x.{name}()\n"


@pytest.mark.parametrize(("name", "new"), STRIPPED)
def test_an_async_def_loses_its_a_when_the_rest_is_a_word(name: str, new: str) -> None:
    before = f"async def {name}(x):\n    return await x.{name}()\n"
    assert convert(before) == f"def {new}(x):\n    return x.{new}()\n"


@pytest.mark.parametrize(("name", "new"), STRIPPED)
def test_an_awaited_name_loses_its_a_when_the_rest_is_a_word(name: str, new: str) -> None:
    assert convert(f"async def f(x):\n    await x.{name}()\n") == f"def f(x):\n    x.{new}()\n"


PAIRS = [
    P(
        "class S:\n    async def aupsert(self, rows):\n        await self._conn.upsert(rows)\n",
        "class S:\n    def upsert(self, rows):\n        self._conn.upsert(rows)\n",
        id="a twin the module uses is evidence: aupsert -> upsert",
    ),
    P(
        "class Engine:\n    async def aping(self):\n        await self._driver.ping()\n",
        "class Engine:\n    def ping(self):\n        self._driver.ping()\n",
        id="both words, and the twin is used in the project: aping -> ping",
    ),
    P(
        "class Engine:\n    async def aping(self):\n        pass\n",
        "class Engine:\n    def aping(self):\n        pass\n",
        id="both words and no twin: aping stays",
    ),
    P(
        "async def ainit_vectorstore_table(e):\n    pass\n",
        "def init_vectorstore_table(e):\n    pass\n",
        id="a Python word (__init__) is evidence: ainit -> init",
    ),
    P(
        "def astuff(alpha):\n    return alpha.aname\n",
        "def astuff(alpha):\n    return alpha.aname\n",
        id="names never seen async are never candidates",
    ),
    P(
        "async def aimport(x):\n    pass\n",
        "def aimport(x):\n    pass\n",
        id="a keyword cannot be the new name",
    ),
]


@pytest.mark.parametrize(("before", "after"), PAIRS)
def test_a_prefix_in_context(before: str, after: str) -> None:
    assert convert(before) == after


def test_config_keep_and_strip_override_the_evidence() -> None:
    source = "async def f(x):\n    await x.aclose()\n    await x.amount()\n"
    keep = Config(keep=frozenset({"aclose"}), strip=frozenset({"amount"}))
    assert convert(source, keep) == "def f(x):\n    x.aclose()\n    x.mount()\n"
    # keep may also name a first word: every name that starts with it keeps its `a`.
    assert convert("async def aweb_get():\n    pass\n", Config(keep=frozenset({"aweb"}))) == (
        "def aweb_get():\n    pass\n"
    )


def _decisions(source: str) -> list[tuple[str, str, str]]:
    out = transform_module(source, path="m.py")
    return [(c.rule, c.before, c.after) for c in out.changes if c.rule.startswith("a-prefix")]


def test_explain_gives_the_evidence_for_each_candidate() -> None:
    source = (
        "async def atomic_update(x):\n    await x.aws_upload()\n    await x.aadd_texts()\n    await x.atomic_update()\n"
    )
    decisions = _decisions(source)
    assert ("a-prefix kept: 'atomic' is a word", "atomic_update", "atomic_update") in decisions
    assert ("a-prefix kept: no evidence that 'ws' is a word", "aws_upload", "aws_upload") in decisions
    assert ("a-prefix: 'add' is a word, 'aadd' is not", "aadd_texts", "add_texts") in decisions
    # A kept name is reported once per module, not once per use.
    assert sum(1 for d in decisions if d[1] == "atomic_update") == 1


def test_python_words_are_the_same_on_every_supported_version() -> None:
    # The Python words that are not English words decide renames: a change on some Python
    # version (a new builtin or dunder) would change generated code. This snapshot runs on each.
    extra = sorted(w for w in words.python() if w not in words.english())
    assert len(extra) == 102
    assert hashlib.sha256(" ".join(extra).encode()).hexdigest()[:16] == "35aa4e06187b3ca7", extra


def test_the_dictionary_lookup_agrees_with_the_json() -> None:
    english = words.english()
    assert "atomic" in english and "similarity" in english and "a" in english
    assert "aadd" not in english and "tomic" not in english and "zzzz" not in english


# --- idempotence: converting the output again changes nothing ------------------------------------

ALL_PROFILES = Config(profiles=tuple(sorted(PROFILES)))


def _table_names() -> list[str]:
    """Every plain name of every table, its sync name, and both with an `a` in front.

    Converted with every profile on: the a-prefix rule checks against every table whether or not
    its profile is on, so this is the configuration where most names have a second meaning.
    """
    names: set[str] = set()
    for table in (*BUILTIN.values(), *PROFILES.values()):
        for old, new in table.items():
            if "." not in old + new:
                names.update({old, new, "a" + old, "a" + new})
    return sorted(names)


def _sources(name: str) -> list[str]:
    """The name (and its a-form) defined; awaited, as an async manager and iterable, in a docstring."""
    uses = (
        f"async def f(x):\n    await x.{name}()\n    async with x.{name}() as y:\n        async for z in y.{name}():\n"
        f'            pass\n\n\nasync def g(x):\n    """Use it.\n\n    >>> await x.{name}()\n    """\n'
    )
    pair = f"class C:\n    async def {name}(self):\n        pass\n\n    async def a{name}(self):\n        pass\n\n\n"
    return [pair + uses, f"async def {name}(x):\n    pass\n\n\n" + uses]


@pytest.mark.parametrize("name", _table_names())
def test_every_table_name_composed_with_the_a_prefix_is_idempotent(name: str) -> None:
    config = ALL_PROFILES
    for source in _sources(name):
        try:
            once = generate_module(source, config)
        except SourceError as exc:  # a refusal with a location is allowed; a second rename is not
            assert exc.line > 0
            continue
        assert generate_module(once, config) == once, source


@pytest.mark.parametrize(
    ("before", "after"),
    [
        P("async def aaiter(x):\n    pass\n", "def aaiter(x):\n    pass\n", id="aaiter is not made into aiter"),
        P("async def aanext(x):\n    pass\n", "def aanext(x):\n    pass\n", id="aanext is not made into anext"),
        P(
            "async def aaclosing(x):\n    pass\n",
            "def aaclosing(x):\n    pass\n",
            id="aaclosing is not made into aclosing",
        ),
        P(
            "async def aasynccontextmanager(x):\n    pass\n",
            "def aasynccontextmanager(x):\n    pass\n",
            id="aasynccontextmanager is not made into asynccontextmanager",
        ),
        P(
            "class T:\n    async def asyncTearDown(self):\n        pass\n\n    async def aasyncTearDown(self):\n        pass\n",
            "class T:\n    def tearDown(self):\n        pass\n\n    def aasyncTearDown(self):\n        pass\n",
            id="aasyncTearDown next to asyncTearDown keeps its a",
        ),
    ],
)
def test_a_name_a_table_would_rename_again_is_not_produced(before: str, after: str) -> None:
    assert convert(before) == after
    assert convert(after) == after


def test_explain_says_why_a_stripped_name_would_not_be_stable() -> None:
    source = "async def f(x):\n    await x.aaread()\n    await x.aread()\n"
    out = transform_module(source, Config(profiles=("httpx",)), path="m.py")
    rules = {(c.rule, c.before) for c in out.changes}
    assert (
        "a-prefix kept: 'aread' would be renamed again by profile:httpx, so the output would not be stable",
        "aaread",
    ) in rules


def test_the_explain_command_prints_each_decision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.unawait]\ntrees = [{ src = "pkg/_async", dest = "pkg/_sync" }]\n')
    (tmp_path / "pkg" / "_async").mkdir(parents=True)
    (tmp_path / "pkg" / "_async" / "m.py").write_text(
        "async def f(x):\n    await x.aws_upload()\n    await x.aadd_texts()\n"
    )
    assert main(["--explain", "--config", str(tmp_path / "pyproject.toml"), "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "pkg/_async/m.py:2:13  a-prefix kept: no evidence that 'ws' is a word  aws_upload -> (kept)" in out
    assert "pkg/_async/m.py:3:13  a-prefix: 'add' is a word, 'aadd' is not  aadd_texts -> add_texts" in out
