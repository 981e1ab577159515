"""Decide what one identifier becomes: config renames, built-in tables, and the two conventions."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from .config import Config
from .rules import BUILTIN, KEEP_WORDS, PROFILES
from .scan import ProjectNames

#: "Async" as a CamelCase word: AsyncFoo, NebulaAsyncClient, _AsyncBase (not "Asynchronous").
_ASYNC_WORD = re.compile(r"Async(?=[A-Z0-9_]|$)")


@dataclass(frozen=True)
class Rename:
    """What a name becomes and the rule that said so."""

    new: str
    rule: str


def strip_a_prefix(name: str, keep: frozenset[str] = frozenset()) -> str | None:
    """`aadd_texts` -> `add_texts`, `_aclose` -> `_close`; None for `acquire`, `add`, `apply_x`."""
    core = name.lstrip("_")
    underscores = name[: len(name) - len(core)]
    if len(core) < 2 or core[0] != "a" or not (core[1].islower() or core[1].isdigit()):
        return None
    first_word = core.split("_", 1)[0]
    if first_word in KEEP_WORDS or first_word in keep or name in keep:
        return None
    new = underscores + core[1:]
    if keyword.iskeyword(new) or not new.isidentifier():
        return None
    return new


def replace_async_word(name: str, replacement: str) -> str | None:
    """`AsyncVectorStore` -> `VectorStore` (or `SyncVectorStore`); None when there is no "Async" word."""
    new, count = _ASYNC_WORD.subn(replacement, name)
    if not count:
        return None
    if new.startswith("_") and not new.lstrip("_"):
        return None
    if not new or new[0].isdigit() or not new.isidentifier():
        return None
    return new


@dataclass
class NameMapper:
    """Maps identifiers for one module; cached, because the same names recur thousands of times."""

    config: Config
    project: ProjectNames
    module_renames: dict[str, str] = field(default_factory=dict)
    _cache: dict[str, Rename | None] = field(default_factory=dict)
    _table: dict[str, Rename] = field(default_factory=dict)
    #: Module renames (a dotted side): `redis.asyncio` -> `redis`, `trio` -> `tests.concurrency`.
    #: They apply to module paths in imports and `module.attr` chains, never to a lone name.
    modules: dict[str, Rename] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Lowest priority first: later tables override earlier ones.
        for table_name, table in BUILTIN.items():
            for old, new in table.items():
                self._table[old] = Rename(new, f"builtin:{table_name}")
        for profile in self.config.profiles:
            for old, new in PROFILES[profile].items():
                self._add(old, Rename(new, f"profile:{profile}"))
        for old, new in self.module_renames.items():
            self._table[old] = Rename(new, "module-path")
        for old, new in self.config.renames.items():
            self._add(old, Rename(new, "config-rename"))

    def _add(self, old: str, rename: Rename) -> None:
        if "." in old or "." in rename.new:
            self.modules[old] = rename
            self._table.pop(old, None)
        else:
            self._table[old] = rename
            self.modules.pop(old, None)

    def rename(self, name: str) -> Rename | None:
        """The rename of one identifier, or None to leave it alone."""
        try:
            return self._cache[name]
        except KeyError:
            pass
        result = self._decide(name)
        self._cache[name] = result
        return result

    def rename_async_use(self, name: str) -> Rename | None:
        """The rename of a name seen in an async position that no scan saw (code in docstrings)."""
        found = self.rename(name)
        if found is None:
            new = strip_a_prefix(name, self.config.keep)
            found = None if new is None else Rename(new, "a-prefix")
        return found

    def _decide(self, name: str) -> Rename | None:
        if name in self._table:
            return self._table[name]
        if name in self.config.keep:
            return None
        if name in self.project.async_names and "Async" in name:
            new = replace_async_word(name, self.config.async_word)
            if new is not None:
                return Rename(new, "async-word")
        if name in self.config.strip:
            new = strip_a_prefix(name)
            if new is not None:
                return Rename(new, "config-strip")
        if name in self.project.async_defs or name in self.project.async_uses:
            new = strip_a_prefix(name, self.config.keep)
            if new is not None:
                return Rename(new, "a-prefix")
        return None
