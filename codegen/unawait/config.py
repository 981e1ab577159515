"""The [tool.unawait] table of pyproject.toml, read and validated into a Config."""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib

from .errors import ConfigError

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_FLAG = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(\(\))?$")

#: The command printed in generated headers and in --check hints.
DEFAULT_COMMAND = "unawait"


@dataclass(frozen=True)
class Tree:
    """One async source folder and the folder its sync twin is generated into."""

    src: Path
    dest: Path


@dataclass(frozen=True)
class Config:
    """Everything that decides what unawait generates; the same Config gives the same bytes."""

    trees: tuple[Tree, ...] = ()
    #: Exact renames of identifiers or module paths, applied before any convention. A rename with a
    #: dotted side (`redis.asyncio` -> `redis`, `trio` -> `tests.concurrency`) is a module rename.
    renames: Mapping[str, str] = field(default_factory=dict)
    #: Names left as written whatever the tables and conventions say: a-prefixed names (or first
    #: words, `aweb`) that keep their "a", project names that keep their "Async" word, and table
    #: names such as `Awaitable` or a profile's `aclose`.
    keep: frozenset[str] = frozenset()
    #: Names that lose their leading "a" whatever the word evidence, even where no async use shows it.
    strip: frozenset[str] = frozenset()
    #: What the CamelCase word "Async" becomes in project names: "" (AsyncFoo -> Foo) or e.g. "Sync".
    async_word: str = ""
    #: Library rename profiles for every module (see rules.PROFILES); a module that imports a
    #: library at module level gets its profile anyway (rules.PROFILE_IMPORTS).
    profiles: tuple[str, ...] = ()
    #: More top-level package names that count as "the project" for the Async-name convention,
    #: besides the folders on each tree's path (see project_packages).
    packages: tuple[str, ...] = ()
    #: Files (glob patterns relative to a tree's src) that are not generated.
    exclude: tuple[str, ...] = ()
    #: Keyword arguments the sync call needs that the async one did not, by the function called in
    #: the async source: {"anysqlite.connect": {"check_same_thread": "False"}} (values are Python
    #: expressions; a keyword the call already passes is left as it is).
    add_keywords: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: Also rename in ordinary string literals: whole names a rename applies to and module paths
    #: (`"<AsyncConn ...>"` -> `"<Conn ...>"`), as text-substitution tools do. Off by default, when
    #: only docstrings, string annotations, `__all__` and attribute names in getattr() change.
    rename_in_strings: bool = False
    #: Flags the generator flips: a module constant (`_IS_SYNC`, dotted names too) or a predicate
    #: called without arguments (`"is_async()"`), with its value in the sync output. Assignments of
    #: a constant get that value; `if`/`elif`/conditional expressions on them keep only the branch
    #: that holds in sync code.
    flags: Mapping[str, bool] = field(default_factory=dict)
    #: Import blocks unawait changes come out in isort's default order (ruff's `I` rules); off keeps
    #: them in the async source's order, as text-substitution generators (unasync) leave them.
    sort_imports: bool = True
    #: Removed imports and test marks leave a `# async only: ...` comment on the lines they took,
    #: and dropped `# ASYNC` branches and `# unawait: async-only` statements stay commented out,
    #: so the lines below them keep the async source's numbers (off: those lines are dropped).
    keep_lines: bool = True
    #: Also rename whole names and module paths in docstring prose, as text-substitution tools do
    #: (off: only code in docstrings is converted).
    rename_in_docstrings: bool = False
    #: Write `async with a:` around only `with b:` as one `with a, b:` (ruff's SIM117). Off by
    #: default: the merge moves every later line up by one, and other generators keep the nesting.
    merge_nested_with: bool = False
    #: The formatter run on every generated file before it is compared or written: "ruff",
    #: "black" or "" (none; the output keeps the async source's layout). See formatter.py.
    format: str = ""
    #: The command shown in generated headers.
    command: str = DEFAULT_COMMAND
    #: Where pyproject.toml lives; tree paths are relative to it.
    root: Path = Path(".")


def tree_parts(path: Path, root: Path) -> tuple[str, ...]:
    """A tree folder as module path parts, relative to the project root where it is inside it."""
    if path.is_absolute():
        try:
            path = path.relative_to(root.resolve() if root.is_absolute() else root.absolute())
        except ValueError:
            path = Path(*path.parts[-2:])  # outside the root: only its package and folder mean anything
    return tuple(part for part in path.parts if part.isidentifier())


def project_packages(config: Config) -> frozenset[str]:
    """Top-level names that count as the project's own: `packages`, and every folder on a tree's path.

    The package that holds an async tree (`sqlvec` for src/sqlvec/_async, `tests` for tests/_async)
    and so every module beside the tree in it (`sqlvec._drivers`) is the project's own, with no
    configuration.
    """
    names = set(config.packages)
    for tree in config.trees:
        names.update(tree_parts(tree.src, config.root))
        names.update(tree_parts(tree.dest, config.root))
    return frozenset(names)


def _names(value: Any, key: str, pattern: re.Pattern[str] = _IDENTIFIER) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[tool.unawait] {key} must be a list of strings, got {value!r}")
    for v in value:
        if not pattern.match(v):
            raise ConfigError(f"[tool.unawait] {key}: {v!r} is not a valid name")
    return tuple(value)


def _add_keywords(value: Any) -> dict[str, dict[str, str]]:
    """{"module.function": {"keyword": "python expression"}}, every part checked."""
    if not isinstance(value, Mapping):
        raise ConfigError(
            f'[tool.unawait] add_keywords must be a table of "module.function" = {{ keyword = "value" }}, got {value!r}'
        )
    checked: dict[str, dict[str, str]] = {}
    for function, keywords in value.items():
        if "." not in function or not _DOTTED.match(function) or not isinstance(keywords, Mapping) or not keywords:
            raise ConfigError(
                f'[tool.unawait] add_keywords: {function!r} = {keywords!r} is not "module.function" = {{ keyword = "value" }}'
            )
        for keyword, expression in keywords.items():
            if not _IDENTIFIER.match(keyword) or not isinstance(expression, str):
                raise ConfigError(
                    f'[tool.unawait] add_keywords.{function}: {keyword!r} = {expression!r} is not keyword = "value"'
                )
            try:
                ast.parse(expression, mode="eval")
            except SyntaxError:
                raise ConfigError(
                    f"[tool.unawait] add_keywords.{function}.{keyword}: {expression!r} is not a Python expression"
                ) from None
        checked[function] = dict(keywords)
    return checked


def config_from_table(table: Mapping[str, Any], root: Path) -> Config:
    """Validate a [tool.unawait] table; every unknown key or wrong type is a ConfigError."""
    known = {
        "trees",
        "renames",
        "keep",
        "strip",
        "async_word",
        "profiles",
        "packages",
        "exclude",
        "add_keywords",
        "rename_in_strings",
        "flags",
        "sort_imports",
        "keep_lines",
        "rename_in_docstrings",
        "merge_nested_with",
        "command",
        "format",
    }
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"[tool.unawait] unknown key(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    trees = []
    for i, entry in enumerate(table.get("trees", [])):
        if not isinstance(entry, Mapping) or set(entry) != {"src", "dest"}:
            raise ConfigError(f'[tool.unawait] trees[{i}] must be {{ src = "...", dest = "..." }}, got {entry!r}')
        src, dest = Path(str(entry["src"])), Path(str(entry["dest"]))
        if src == dest:
            raise ConfigError(f"[tool.unawait] trees[{i}]: src and dest are the same folder {str(src)!r}")
        trees.append(Tree(src, dest))
    renames = table.get("renames", {})
    if not isinstance(renames, Mapping):
        raise ConfigError(f'[tool.unawait] renames must be a table of old = "new", got {renames!r}')
    for old, new in renames.items():
        if not isinstance(new, str) or not _DOTTED.match(old) or not _DOTTED.match(new):
            raise ConfigError(f"[tool.unawait] renames: {old!r} = {new!r} is not a rename of one name to another")
    async_word = table.get("async_word", "")
    if not isinstance(async_word, str) or (async_word and not _IDENTIFIER.match(async_word)):
        raise ConfigError(f'[tool.unawait] async_word must be "" or a CamelCase word, got {async_word!r}')
    from .rules import PROFILES  # late import: rules imports nothing from here

    profiles = _names(table.get("profiles", []), "profiles", re.compile(r"^[a-z_]+$"))
    for p in profiles:
        if p not in PROFILES:
            raise ConfigError(f"[tool.unawait] profiles: unknown profile {p!r}; known: {', '.join(sorted(PROFILES))}")
    exclude = table.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(e, str) for e in exclude):
        raise ConfigError(f"[tool.unawait] exclude must be a list of glob patterns, got {exclude!r}")
    rename_in_strings = table.get("rename_in_strings", False)
    if not isinstance(rename_in_strings, bool):
        raise ConfigError(f"[tool.unawait] rename_in_strings must be true or false, got {rename_in_strings!r}")
    flags = table.get("flags", {})
    if not isinstance(flags, Mapping):
        raise ConfigError(
            f'[tool.unawait] flags must be a table of NAME = true/false or "func()" = true/false, got {flags!r}'
        )
    for flag, value in flags.items():
        if not _FLAG.match(flag) or not isinstance(value, bool):
            raise ConfigError(
                f"[tool.unawait] flags: {flag!r} = {value!r} is not a name or a call without arguments"
                ' (`_IS_SYNC`, `"is_async()"`) set to its value in the sync output (true/false)'
            )
    sort_imports = table.get("sort_imports", True)
    if not isinstance(sort_imports, bool):
        raise ConfigError(f"[tool.unawait] sort_imports must be true or false, got {sort_imports!r}")
    keep_lines = table.get("keep_lines", True)
    if not isinstance(keep_lines, bool):
        raise ConfigError(f"[tool.unawait] keep_lines must be true or false, got {keep_lines!r}")
    rename_in_docstrings = table.get("rename_in_docstrings", False)
    if not isinstance(rename_in_docstrings, bool):
        raise ConfigError(f"[tool.unawait] rename_in_docstrings must be true or false, got {rename_in_docstrings!r}")
    merge_nested_with = table.get("merge_nested_with", False)
    if not isinstance(merge_nested_with, bool):
        raise ConfigError(f"[tool.unawait] merge_nested_with must be true or false, got {merge_nested_with!r}")
    command = table.get("command", DEFAULT_COMMAND)
    if not isinstance(command, str) or not command.strip() or "\n" in command:
        raise ConfigError(f"[tool.unawait] command must be a one-line string, got {command!r}")
    from .formatter import FORMATTERS  # late import, like PROFILES: nothing here needs it before

    fmt = table.get("format", "")
    if fmt not in FORMATTERS:
        raise ConfigError(f'[tool.unawait] format must be "ruff", "black" or "" (none), got {fmt!r}')
    return Config(
        trees=tuple(trees),
        renames=dict(renames),
        keep=frozenset(_names(table.get("keep", []), "keep")),
        strip=frozenset(_names(table.get("strip", []), "strip")),
        async_word=async_word,
        profiles=profiles,
        packages=_names(table.get("packages", []), "packages"),
        exclude=tuple(exclude),
        add_keywords=_add_keywords(table.get("add_keywords", {})),
        rename_in_strings=rename_in_strings,
        flags=dict(flags),
        sort_imports=sort_imports,
        keep_lines=keep_lines,
        rename_in_docstrings=rename_in_docstrings,
        merge_nested_with=merge_nested_with,
        command=command,
        format=fmt,
        root=root,
    )


def find_pyproject(start: Path) -> Path:
    """The nearest pyproject.toml with a [tool.unawait] table, searching upwards from start."""
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                with candidate.open("rb") as f:
                    if "unawait" in tomllib.load(f).get("tool", {}):
                        return candidate
            except tomllib.TOMLDecodeError as exc:  # it may be ours: say so rather than skip it
                raise ConfigError(f"{candidate}: {exc}") from None
    raise ConfigError(f"no pyproject.toml with a [tool.unawait] table found in {start} or above")


def load_config(pyproject: Path) -> Config:
    """Read and validate [tool.unawait] from one pyproject.toml."""
    try:
        with pyproject.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject}: {exc}") from None
    table = data.get("tool", {}).get("unawait")
    if table is None:
        raise ConfigError(f"{pyproject}: no [tool.unawait] table")
    return config_from_table(table, pyproject.parent)
