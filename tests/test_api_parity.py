"""Every async class of sqlvec has a sync twin with the same public surface, generated or not.

The twin of `AsyncX` is `X` (unawait's Async-word convention), found in the generated module
(`_async` -> `_sync` in the module path) or, for a hand-written pair, in the same module. Each
public member of the async class is written out as a stub (`async def aadd_texts(self, ...)
-> List[str]: ...`), the stub is converted by unawait with this project's own configuration
and names, and the result must equal the sync member's stub: names after the a-prefix and
Async renames, parameters and their kinds, return and parameter annotations after the
typing renames. Defaults are compared as values. So a parameter added to one half only, a
default changed on one side, or a method missing from a hand-written twin fails here.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import unawait

import sqlvec

ROOT = Path(__file__).resolve().parents[1]
CONFIG = unawait.load_config(ROOT / "pyproject.toml")
GENERATED = tuple((ROOT / tree.dest).resolve() for tree in CONFIG.trees)


def _hand_written_sources() -> Iterator[Path]:
    for path in sorted((ROOT / "src" / "sqlvec").rglob("*.py")):
        if not any(path.resolve().is_relative_to(dest) for dest in GENERATED):
            yield path


def _project_names() -> unawait.ProjectNames:
    """What unawait knows of sqlvec when it generates: async defs, async uses, Async names."""
    names = unawait.ProjectNames()
    for path in _hand_written_sources():
        names = names.merge(unawait.scan_module(path.read_text(encoding="utf-8"), str(path), CONFIG.packages))
    return names


PROJECT = _project_names()


def _modules() -> Iterator[Any]:
    yield sqlvec
    for info in pkgutil.walk_packages(sqlvec.__path__, "sqlvec."):
        try:
            yield importlib.import_module(info.name)
        except sqlvec.MissingExtraError:
            continue  # the PostgreSQL drivers without the `postgres` extra


def _sync_name(name: str) -> str:
    """What unawait calls a class of this name in the sync half (the name itself if it keeps it)."""
    if "Async" not in name:
        return name
    converted = ast.parse(unawait.generate_module(f"class {name}:\n    pass\n", CONFIG, project=PROJECT))
    (cls,) = converted.body
    assert isinstance(cls, ast.ClassDef)
    return cls.name


def _twins() -> List[Tuple[type, type]]:
    """(async class, sync class) for every class sqlvec defines with the word Async in its name."""
    pairs = []
    for module in _modules():
        for name, cls in vars(module).items():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            sync_name = _sync_name(name)
            if sync_name == name:
                continue
            sync_module_name = module.__name__.replace("._async.", "._sync.")
            sync_module = importlib.import_module(sync_module_name)
            twin = getattr(sync_module, sync_name, None)
            assert inspect.isclass(twin), f"{module.__name__}.{name} has no sync twin {sync_module_name}.{sync_name}"
            pairs.append((cls, twin))
    return pairs


TWINS = _twins()


#: Private names that are public surface: construction, context managers, iteration.
_DUNDERS = frozenset(
    {"__init__", "__aenter__", "__aexit__", "__enter__", "__exit__", "__aiter__", "__anext__", "__iter__", "__next__"}
)


def _public(cls: type, shared: Tuple[type, ...] = ()) -> Dict[str, Any]:
    """Public members (and the dunders unawait renames) of a class and its sqlvec bases, but
    those of `shared` bases (written once for both twins, such as the LangChain halves' base)."""
    members: Dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("sqlvec") or klass in shared:
            continue
        for name, value in vars(klass).items():
            if not name.startswith("_") or name in _DUNDERS:
                members[name] = value
    return members


def _parameters(sig: inspect.Signature) -> str:
    parts: List[str] = []
    star = False
    params = list(sig.parameters.values())
    for i, param in enumerate(params):
        text = param.name
        if param.kind is param.VAR_POSITIONAL:
            text, star = "*" + text, True
        elif param.kind is param.VAR_KEYWORD:
            text = "**" + text
        elif param.kind is param.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        if param.annotation is not param.empty:
            text += f": {_annotation(param.annotation)}"
        if param.default is not param.empty:
            text += " = ..."  # compared as values, in _defaults
        parts.append(text)
        if param.kind is param.POSITIONAL_ONLY and (i + 1 == len(params) or params[i + 1].kind is not param.kind):
            parts.append("/")
    return ", ".join(parts)


def _annotation(annotation: Any) -> str:
    # Every sqlvec module has `from __future__ import annotations`: annotations are source text.
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def _function(value: Any) -> Tuple[str, Any]:
    """(decorator, function) of a member: property, classmethod, staticmethod or plain."""
    if isinstance(value, property):
        return "@property", value.fget
    if isinstance(value, classmethod):
        return "@classmethod", value.__func__
    if isinstance(value, staticmethod):
        return "@staticmethod", value.__func__
    return "", value


def _stub(cls: type, shared: Tuple[type, ...] = ()) -> str:
    """The class's public surface as source text: signatures with `...` bodies, attributes by name."""
    lines = ["from __future__ import annotations", "", f"class {cls.__name__}:"]
    if "__init__" not in _public(cls, shared):
        lines.append("    def __init__(self) -> None: ...")  # object's: the same as a written one
    for name, value in sorted(_public(cls, shared).items()):
        decorator, fn = _function(value)
        if not inspect.isfunction(fn):
            lines.append(f"    {name} = ...")
            continue
        if decorator:
            lines.append(f"    {decorator}")
        sig = inspect.signature(fn)
        returns = "" if sig.return_annotation is sig.empty else f" -> {_annotation(sig.return_annotation)}"
        keyword = "async def" if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn) else "def"
        body = "\n        yield" if inspect.isasyncgenfunction(fn) or inspect.isgeneratorfunction(fn) else " ..."
        lines.append(f"    {keyword} {name}({_parameters(sig)}){returns}:{body}")
    return "\n".join(lines) + "\n"


def _surface(source: str) -> List[Tuple[str, str]]:
    """(member name, its signature line) from a stub, in the stub's order."""
    (cls,) = [node for node in ast.parse(source).body if isinstance(node, ast.ClassDef)]
    surface = []
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.body = [ast.Expr(ast.Constant(...))]
            surface.append((node.name, ast.unparse(node).replace("async def", "def", 1)))
        elif isinstance(node, ast.Assign):
            (target,) = node.targets
            assert isinstance(target, ast.Name)
            surface.append((target.id, "attribute"))
    return surface


def _defaults(cls: type, shared: Tuple[type, ...] = ()) -> Dict[str, Dict[str, Any]]:
    """Per member, the default value of each parameter that has one."""
    found: Dict[str, Dict[str, Any]] = {}
    for name, value in _public(cls, shared).items():
        fn = _function(value)[1]
        if inspect.isfunction(fn):
            found[name] = {
                p.name: p.default for p in inspect.signature(fn).parameters.values() if p.default is not p.empty
            }
    return found


def test_every_async_class_has_a_twin() -> None:
    """The hand-written twins and the generated ones are all found (a rename would hide a pair)."""
    names = {(a.__name__, s.__name__) for a, s in TWINS}
    for pair in [
        ("AsyncEngine", "Engine"),
        ("AsyncVectorStore", "VectorStore"),
        ("AsyncDriver", "Driver"),
        ("AsyncSQLiteDriver", "SQLiteDriver"),
        ("AsyncDeadline", "Deadline"),
        ("AsyncCheckout", "Checkout"),
    ]:
        assert pair in names
    pytest.importorskip("psycopg")
    assert ("AsyncPostgresDriver", "PostgresDriver") in names


@pytest.mark.parametrize("async_cls, sync_cls", TWINS, ids=[f"{a.__module__}.{a.__name__}" for a, _ in TWINS])
def test_the_sync_twin_has_the_same_public_surface(async_cls: type, sync_cls: type) -> None:
    """Names, parameters and annotations as unawait converts them; defaults as values."""
    # A base both twins inherit is one class, not a pair: nothing of it is converted.
    shared = tuple(klass for klass in async_cls.__mro__ if klass in sync_cls.__mro__)
    stub = _stub(async_cls, shared)
    converted = _surface(unawait.generate_module(stub, CONFIG, project=PROJECT))
    # The converted stub keeps the order of the async one: position gives each sync name its async name.
    sync_name = {before: after for (before, _), (after, _) in zip(_surface(stub), converted)}
    expected = dict(converted)
    actual = dict(_surface(_stub(sync_cls, shared)))
    for name in sorted(set(expected) | set(actual)):
        assert name in actual, f"{sync_cls.__name__} lacks {name} (the twin of {async_cls.__name__}'s)"
        assert name in expected, f"{sync_cls.__name__}.{name} has no twin in {async_cls.__name__}"
        assert actual[name] == expected[name], f"{sync_cls.__name__}.{name} differs from its async twin"
    sync_defaults = _defaults(sync_cls, shared)
    for name, defaults in _defaults(async_cls, shared).items():
        assert sync_defaults[sync_name[name]] == defaults, f"{sync_cls.__name__}.{sync_name[name]}: other defaults"
