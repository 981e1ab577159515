"""Decide what one identifier becomes: config renames, built-in tables, and the two conventions."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import Optional, Tuple

from . import words
from .config import Config, project_packages
from .rules import BUILTIN, MODULE_MOVES, MODULE_MOVES_BY_PROFILE, PROFILES
from .scan import ProjectNames

#: "Async" as a CamelCase word: AsyncFoo, NebulaAsyncClient, _AsyncBase (not "Asynchronous").
_ASYNC_WORD = re.compile(r"Async(?=[A-Z0-9_]|$)")
#: The first word of an a-prefixed name: `aadd` in aadd_texts, `aget` in agetUser.
_FIRST_WORD = re.compile(r"[a-z]+")
#: A rest shorter than this is no evidence: `api`, `aes`, `aio`, `aws` are acronyms, not a + word.
_MIN_REST = 3

#: Names any table renames wherever they appear (not only in async positions): a stripped name
#: must not be one of them, or converting the output again would rename it a second time.
_TABLE_NAMES = frozenset(old for table in (*BUILTIN.values(), *PROFILES.values()) for old in table if "." not in old)
#: Sync names of well-known libraries: a stripped name equal to one of them is the twin.
_LIBRARY_TWINS = frozenset(
    [new for table in (*BUILTIN.values(), *PROFILES.values()) for new in table.values() if "." not in new]
    + [name for moves in (MODULE_MOVES, *MODULE_MOVES_BY_PROFILE.values()) for _, name in moves.values()]
)

#: Where a twin was found that tips a name whose first word is a word of its own (`aping`).
_PROJECT = "used in the project"

#: What the a-prefix rule decided for a name: the new name (None: kept) and the evidence.
Decision = Tuple[Optional[str], str]


@dataclass(frozen=True)
class Rename:
    """What a name becomes and the rule that said so."""

    new: str
    rule: str


def strip_a_prefix(name: str) -> str | None:
    """`aadd_texts` -> `add_texts`, `_aclose` -> `_close`: the letter itself, no judgement of words."""
    core = name.lstrip("_")
    underscores = name[: len(name) - len(core)]
    if len(core) < 2 or core[0] != "a" or not (core[1].islower() or core[1].isdigit()):
        return None
    new = underscores + core[1:]
    if keyword.iskeyword(new) or not new.isidentifier():
        return None
    return new


def a_prefix_evidence(name: str, keep: frozenset[str], twin: str | None = None) -> Decision | None:
    """Whether an a-prefixed name loses its `a`, and why; None when it has no a-prefix at all.

    The `a` goes only on positive evidence that the rest is the intended name: the first word
    without it is a word while the first word itself is not (`aadd_texts`: "add", not "aadd"),
    or the stripped name is a known twin (`twin` says where it was found). A first word that is
    a word of its own keeps its `a` unless the rest is a word too and the project uses the
    twin (`aping` next to `driver.ping()`). Without evidence the name stays: `atomic_update`
    ("atomic" is a word), `aws_upload` ("ws" is not).
    """
    core = name.lstrip("_")
    if len(core) < 2 or core[0] != "a" or not (core[1].islower() or core[1].isdigit()):
        return None
    new = name[: len(name) - len(core)] + core[1:]
    first = _FIRST_WORD.match(core)
    word = first.group() if first else "a"
    rest = word[1:]
    if name in keep or word in keep:
        return None, "configured in keep"
    if keyword.iskeyword(new):
        return None, f"'{new}' is a keyword"
    if not new.isidentifier():
        return None, f"'{new}' is not a name"
    if words.is_word(word):
        if twin == _PROJECT and len(rest) >= _MIN_REST and words.is_word(rest):
            return new, f"'{word}' and '{rest}' are both words, and '{new}' is {twin}"
        return None, f"'{word}' is a word"
    if len(rest) >= _MIN_REST and words.is_word(rest):
        return new, f"'{rest}' is a word, '{word}' is not"
    if twin is not None:
        return new, f"'{word}' is no word and '{new}' is {twin}"
    if rest and words.is_word(rest):
        return None, f"'{rest}' is too short to be evidence ('{word}' may be an acronym)"
    return None, f"no evidence that '{rest or word}' is a word"


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
    #: a-prefixed candidates that keep their `a`, and why (for --explain); reported once each.
    kept: dict[str, str] = field(default_factory=dict)
    _reported: set[str] = field(default_factory=set)
    #: Names with the word "Async" that are the project's own (see ProjectNames.async_names).
    async_names: frozenset[str] = field(default_factory=frozenset)
    #: Module renames and module moves by dotted path: `redis.asyncio` -> `redis`, `asyncio.sleep` -> `time.sleep`.
    paths: dict[str, Rename] = field(default_factory=dict)
    #: Module renames (a dotted side): `redis.asyncio` -> `redis`, `trio` -> `tests.concurrency`.
    #: They apply to module paths in imports and `module.attr` chains, never to a lone name.
    modules: dict[str, Rename] = field(default_factory=dict)
    #: Import twins (see twins.py): name -> its rename, or None with the reason it was kept.
    twins: dict[str, tuple[Rename | None, str]] = field(default_factory=dict)
    #: Module twins (see twins.py): a from-import's module path as written -> its rename.
    module_twins: dict[str, Rename] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Async names the project imports by absolute path from its own packages are its own too.
        packages = project_packages(self.config)
        self.async_names = self.project.async_names | {
            entry.rpartition(":")[2]
            for entry in self.project.imported_async
            if entry.partition(".")[0].partition(":")[0] in packages
        }
        self._import_twins()
        # Lowest priority first: later tables override earlier ones.
        for table_name, table in BUILTIN.items():
            for old, new in table.items():
                self._table[old] = Rename(new, f"builtin:{table_name}")
        for profile in self.config.profiles:
            for old, new in PROFILES[profile].items():
                self._add(old, Rename(new, f"profile:{profile}"))
        for old, new in self.module_renames.items():
            if "." in old or "." in new or not old.startswith("_"):
                # Only in module paths: a public folder name (`asynchronous`) may also be a variable.
                self.modules[old] = Rename(new, "module-path")
            else:  # a private folder name (`_async`) is distinctive: every position
                self._table[old] = Rename(new, "module-path")
        for old, new in self.config.renames.items():
            self._add(old, Rename(new, "config-rename"))
        # Dotted paths for text that has no imports to resolve (code in docstrings): module
        # renames, and module moves spelled with their module (`asyncio.sleep` -> `time.sleep`).
        moves = dict(MODULE_MOVES)
        rules = dict.fromkeys(moves, "module-move")
        for profile in self.config.profiles:
            for key, target in MODULE_MOVES_BY_PROFILE.get(profile, {}).items():
                moves[key], rules[key] = target, f"profile:{profile}"
        for (module, name), (new_module, new_name) in moves.items():
            new = new_name if new_module == "builtins" else f"{new_module}.{new_name}"
            self.paths[f"{module}.{name}"] = Rename(new, rules[(module, name)])
        self.paths.update(self.modules)

    def _import_twins(self) -> None:
        """name -> twin from the scan's "name:twin:module" entries; a name with two twins keeps its spelling."""
        found: dict[str, dict[str, str]] = {}
        for entry in sorted(self.project.import_twins):
            name, twin, module = entry.split(":", 2)
            if name.startswith("@"):  # a module twin: "@old:new:as written"
                self.module_twins[name[1:]] = Rename(twin, f"module-twin: {module} has a hand-written twin {twin}")
                continue
            found.setdefault(name, {})[twin] = module
        for name, by_twin in found.items():
            if len(by_twin) == 1 and "" not in by_twin:
                ((twin, module),) = by_twin.items()
                self.twins[name] = (Rename(twin, f"import-twin: {module} binds both {name} and {twin}"), "")
            elif "" in by_twin:
                self.twins[name] = (None, f"no clear import twin: {by_twin['']}")
            else:
                where = ", ".join(f"{m} binds {t}" for t, m in sorted(by_twin.items()))
                self.twins[name] = (None, f"no clear import twin: {where}")

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
        if found is None and name not in self.config.keep:
            found = self._a_prefix(name)
        return found

    def rename_path(self, dotted: str) -> tuple[str, Rename] | None:
        """The longest leading part of a dotted path that a module rename or move applies to, and its rename."""
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            head = ".".join(parts[:end])
            rename = self.paths.get(head)
            if rename is not None and (end > 1 or "." in rename.new or head in self.modules):
                return head, rename
        return None

    def kept_reason(self, name: str) -> str | None:
        """Why an a-prefixed candidate kept its `a`, the first time it is asked; else None."""
        reason = self.kept.get(name)
        if reason is None or name in self._reported:
            return None
        self._reported.add(name)
        return reason

    def _twin(self, new: str) -> str | None:
        """Where the stripped name is known as a name of its own, if anywhere."""
        project = self.project
        if new in project.used_names or new in project.async_defs or new in project.async_uses:
            return _PROJECT
        if new in _LIBRARY_TWINS:
            return "a known library name"
        return None

    def _renamed_again(self, new: str) -> str | None:
        """The rule that would rename a stripped name when the output is converted again."""
        if new in self.config.renames:
            return "config-rename"
        if new in self.config.strip:
            return "config-strip"
        if new in _TABLE_NAMES:
            return self._table[new].rule if new in self._table else "a library profile"
        if "Async" in new and new in self.async_names:
            return "async-word"
        return None

    def _a_prefix(self, name: str) -> Rename | None:
        """The a-prefix rule for a name in an async position; a kept candidate is noted with its reason."""
        new = strip_a_prefix(name)
        decision = a_prefix_evidence(name, self.config.keep, self._twin(new) if new else None)
        if decision is None:
            return None
        new, reason = decision
        if new is not None:
            again = self._renamed_again(new)
            if again is None:
                return Rename(new, f"a-prefix: {reason}")
            new, reason = None, f"'{new}' would be renamed again by {again}, so the output would not be stable"
        self.kept[name] = reason
        return None

    def _decide(self, name: str) -> Rename | None:
        table = self._table.get(name)
        if table is not None and table.rule == "config-rename":
            return table
        if name in self.config.keep:  # the user's keep beats every built-in table and convention
            if name in self.project.async_defs or name in self.project.async_uses:
                self._a_prefix(name)  # notes the reason for --explain
            return None
        if table is not None:
            return table
        if name in self.async_names and "Async" in name:
            new = replace_async_word(name, self.config.async_word)
            if new is not None:
                return Rename(new, "async-word")
        if name in self.config.strip:
            new = strip_a_prefix(name)
            if new is not None:
                return Rename(new, "config-strip")
        twin = self.twins.get(name)
        if twin is not None:
            if twin[0] is None:
                self.kept[name] = twin[1]
            return twin[0]
        if name in self.project.async_defs or name in self.project.async_uses:
            return self._a_prefix(name)
        return None
