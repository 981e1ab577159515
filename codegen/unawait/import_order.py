"""Import blocks that unawait changed come out in isort's default order, as ruff's `I001` checks it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Iterable, Iterator, Sequence

import libcst as cst

from .config import Config
from .context import dotted_name
from .rewrites.async_branches import is_kept
from .stdlib import STDLIB

#: isort's sections, in order: __future__, standard library, third party, first party, relative.
FUTURE, STDLIB_SECTION, THIRD_PARTY, FIRST_PARTY, LOCAL = range(5)
#: Longest line a from-import we build may have before it is wrapped (ruff's and black's default).
LINE_LENGTH = 88
_DIGITS = re.compile(r"(\d+)")
#: Comments that tell isort or ruff to leave imports as they are.
_PRAGMA = re.compile(r"#.*(?:isort\s*:(?!\s*split\b)|noqa\s*:\s*(?:[A-Z]+[0-9]+\s*,\s*)*I00[12]\b|(?<!ruff: )noqa\s*$)")
#: `# isort: split` on a line of its own: the imports below it are a block of their own.
_SPLIT = re.compile(r"^#\s*isort\s*:\s*split\s*$")

Key = tuple[Any, ...]


def project_packages(config: Config) -> frozenset[str]:
    """First party: `packages` plus the top-level package of every tree (`src/pkg/_async` -> `pkg`)."""
    found = set(config.packages)
    for tree in config.trees:
        for path in (tree.src, tree.dest):
            parts = [p for p in PurePath(path).parts if p not in (".", "/")]
            if parts and parts[0] == "src" and len(parts) > 1:
                parts = parts[1:]
            if parts and parts[0].isidentifier():
                found.add(parts[0])
    return frozenset(found)


def _natural(text: str) -> Key:
    """Case-insensitive natural order (`mod2` < `mod10`), as isort and ruff compare names."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(text.lower()))


def _member_key(name: str, asname: str) -> Key:
    """isort's order_by_type: CONSTANTS, then Classes, then everything else; each naturally."""
    if name == "*":
        kind = -1
    elif len(name) > 1 and name.isupper():
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return (kind, _natural(name), name, asname)


def section(module: str, level: int, first_party: frozenset[str]) -> int:
    """The isort section of an imported module."""
    if level:
        return LOCAL
    top = module.split(".")[0]
    if top == "__future__":
        return FUTURE
    if top in first_party:
        return FIRST_PARTY
    return STDLIB_SECTION if top in STDLIB else THIRD_PARTY


def _asname(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return ""


def _has_comment(node: cst.CSTNode) -> bool:
    return "#" in cst.Module([]).code_for_node(node)


@dataclass
class _Entry:
    """One import statement of a block, with the comment lines above it."""

    line: cst.SimpleStatementLine
    comments: list[cst.EmptyLine]
    section: int
    key: Key
    #: For from-imports: (level, module) and the plain (unaliased) names, which merge with others.
    module: tuple[int, str] | None = None
    names: list[tuple[str, str]] = field(default_factory=list)
    mergeable: bool = False


def _from_parts(node: cst.ImportFrom) -> tuple[int, str]:
    return len(node.relative), (dotted_name(node.module) or "") if node.module else ""


def _from_text(level: int, module: str, names: Sequence[tuple[str, str]], indent: int, wrap: bool) -> str:
    spelled = [f"{n} as {a}" if a else n for n, a in names]
    head = f"from {'.' * level}{module} import "
    one_line = head + ", ".join(spelled)
    if not wrap and indent + len(one_line) <= LINE_LENGTH:
        return one_line + "\n"
    return head + "(\n" + "".join(f"    {s},\n" for s in spelled) + ")\n"


def _module_key(level: int, module: str) -> Key:
    # Relative imports: the furthest first (`from .. import a` before `from . import b`).
    return (-level, _natural(module))


def _entries(line: cst.SimpleStatementLine, comments: list[cst.EmptyLine], first_party: frozenset[str]) -> list[_Entry]:
    """The entries of one import line; `import a, b` and aliased from-names become lines of their own."""
    (statement,) = line.body
    found: list[_Entry] = []
    if isinstance(statement, cst.Import):
        for i, alias in enumerate(statement.names):
            module = dotted_name(alias.name) or ""
            if len(statement.names) == 1:
                own = line
            else:
                single = statement.with_changes(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)])
                own = line.with_changes(body=[single.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)])
                if i:
                    own = own.with_changes(trailing_whitespace=cst.TrailingWhitespace())
            found.append(
                _Entry(
                    own,
                    comments if not i else [],
                    section(module, 0, first_party),
                    (0, _natural(module), _asname(alias)),
                )
            )
        return found
    assert isinstance(statement, cst.ImportFrom)
    level, module = _from_parts(statement)
    sect = section(module, level, first_party)
    if isinstance(statement.names, cst.ImportStar):
        return [_Entry(line, comments, sect, (1, _module_key(level, module), _member_key("*", "")))]
    names = [(dotted_name(a.name) or "", _asname(a)) for a in statement.names]
    commented = bool(comments) or _has_comment(line)
    plain = [n for n in names if not n[1]]
    aliased = [n for n in names if n[1]]
    if commented or not aliased:
        # One statement as written (names reordered later); merged with others only when it has no comments.
        first = min(_member_key(*n) for n in names)
        return [
            _Entry(
                line,
                comments,
                sect,
                (1, _module_key(level, module), first),
                (level, module),
                names,
                mergeable=not commented and not aliased,
            )
        ]
    # `from x import a, b as c` -> `from x import a` and `from x import b as c`, as ruff writes them.
    if plain:
        found.append(
            _Entry(
                line,
                comments,
                sect,
                (1, _module_key(level, module), min(_member_key(*n) for n in plain)),
                (level, module),
                plain,
                True,
            )
        )
    for name in aliased:
        built = cst.parse_statement(_from_text(level, module, [name], 0, False))
        assert isinstance(built, cst.SimpleStatementLine)
        found.append(
            _Entry(built, [], sect, (1, _module_key(level, module), _member_key(*name)), (level, module), [name])
        )
    return found


def _rebuilt(entry: _Entry, indent: int) -> cst.SimpleStatementLine:
    """The statement of a from-import entry with its names in order, keeping its layout where it can."""
    line = entry.line
    statement = line.body[0]
    if entry.module is None or not isinstance(statement, cst.ImportFrom) or isinstance(statement.names, cst.ImportStar):
        return line
    ordered = sorted(entry.names, key=lambda n: _member_key(*n))
    written = [(dotted_name(a.name) or "", _asname(a)) for a in statement.names]
    if sorted(written) == sorted(ordered):
        if written == ordered or _has_comment(statement):
            return line  # already in order, or comments between the names pin them where they are
        by_name = {(dotted_name(a.name) or "", _asname(a)): a for a in statement.names}
        # Each position keeps its comma (and so the statement's layout); the names move.
        aliases = [by_name[n].with_changes(comma=old.comma) for n, old in zip(ordered, statement.names)]
        return line.with_changes(body=[statement.with_changes(names=aliases)])
    if _has_comment(statement):
        return line  # rebuilding would lose the comments between its names: keep it as written
    wrap = "\n" in cst.Module([]).code_for_node(statement)
    level, module = entry.module
    built = cst.parse_statement(_from_text(level, module, ordered, indent, wrap))
    assert isinstance(built, cst.SimpleStatementLine)
    return built.with_changes(trailing_whitespace=line.trailing_whitespace)


def _merge(entries: list[_Entry]) -> list[_Entry]:
    """Plain from-imports of one module become one statement, as isort and ruff write them."""
    merged: list[_Entry] = []
    by_module: dict[tuple[int, str], _Entry] = {}
    for entry in entries:
        if not entry.mergeable or entry.module is None:
            merged.append(entry)
            continue
        into = by_module.get(entry.module)
        if into is None:
            by_module[entry.module] = entry
            merged.append(entry)
            continue
        names = list(dict.fromkeys([*into.names, *entry.names]))
        level, module = entry.module
        into.names = names
        into.key = (1, _module_key(level, module), min(_member_key(*n) for n in names))
    return merged


def sort_block(
    lines: Sequence[cst.SimpleStatementLine], first_party: frozenset[str], indent: int = 0
) -> list[cst.SimpleStatementLine] | None:
    """The lines of one import block in isort's order; None when a line is not one plain import."""
    if not lines or any(len(line.body) != 1 or is_kept(line) for line in lines):
        return None  # `import a; import b`, or a line that stays exactly as written
    if any(_PRAGMA.search(cst.Module([]).code_for_node(line)) for line in lines):
        return None  # an isort skip or off comment, or a noqa for I001: the author ordered these by hand
    prefix: list[cst.EmptyLine] = []
    entries: list[_Entry] = []
    for i, line in enumerate(lines):
        leading = list(line.leading_lines)
        if i == 0:
            # Up to the last blank line, the lines above the block stay above it (a section comment
            # set apart by a blank line included); comments right above the first import go with it.
            # An `# isort: split` above the block stays above it too.
            ends = [j for j, empty in enumerate(leading) if empty.comment is None or _is_split(empty)]
            cut = ends[-1] + 1 if ends else 0
            prefix, leading = leading[:cut], leading[cut:]
        comments = [empty for empty in leading if empty.comment is not None]
        entries.extend(_entries(line, comments, first_party))
    entries = _merge(entries)
    entries.sort(key=lambda e: (e.section, e.key))
    out: list[cst.SimpleStatementLine] = []
    previous: int | None = None
    for entry in entries:
        line = _rebuilt(entry, indent)
        # A new section, and (as ruff writes it; isort does not) a comment above an import, get a blank line.
        blank = [] if previous is None or (previous == entry.section and not entry.comments) else [cst.EmptyLine()]
        leading = [*prefix, *entry.comments] if previous is None else [*blank, *entry.comments]
        out.append(line.with_changes(leading_lines=leading))
        previous = entry.section
    return out


def _is_split(line: cst.EmptyLine) -> bool:
    return line.comment is not None and bool(_SPLIT.match(line.comment.value.strip()))


def _is_import_line(node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.SimpleStatementLine)
        and bool(node.body)
        and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in node.body)
    )


def _blocks(body: Sequence[cst.CSTNode]) -> Iterable[tuple[int, int]]:
    """(start, end) of each run of import lines in a body."""
    start: int | None = None
    for i, statement in enumerate((*body, None)):
        if statement is not None and _is_import_line(statement):
            leading = getattr(statement, "leading_lines", ())  # an import line: a SimpleStatementLine
            if start is not None and any(_is_split(empty) for empty in leading):
                yield start, i  # isort and ruff sort the imports on each side of the split apart
                start = None
            if start is None:
                start = i
        elif start is not None:
            yield start, i
            start = None


def _code(lines: Sequence[cst.CSTNode]) -> tuple[str, ...]:
    empty = cst.Module([])
    return tuple(empty.code_for_node(line) for line in lines)


#: Where the statements of a compound statement live; each holds a block, a clause or a list of them.
_PARTS = ("body", "orelse", "handlers", "finalbody", "cases")
_CLAUSES = (cst.If, cst.Else, cst.Finally, cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchCase)


def _statement_lists(node: Any) -> Iterator[Sequence[Any]]:
    """Every statement list under node, walking statements only (no expression is visited)."""
    for part in _PARTS:
        value = getattr(node, part, None)
        if isinstance(value, cst.IndentedBlock):
            yield value.body
            for statement in value.body:
                if isinstance(statement, cst.BaseCompoundStatement):
                    yield from _statement_lists(statement)
        elif isinstance(value, _CLAUSES):
            yield from _statement_lists(value)
        elif isinstance(value, (list, tuple)):
            for clause in value:
                yield from _statement_lists(clause)


class _Sorter:
    """Sorts every import block of the output that is not, verbatim, a block of the source."""

    def __init__(self, untouched: set[tuple[str, ...]], first_party: frozenset[str]) -> None:
        self.untouched = untouched
        self.first_party = first_party

    def body(self, body: Sequence[Any], depth: int) -> Sequence[Any]:
        """The statements with their touched blocks sorted and their compound statements walked."""
        new = [self.node(s, depth) if isinstance(s, cst.BaseCompoundStatement) else s for s in body]
        for start, end in reversed(list(_blocks(new))):
            block = new[start:end]
            if _code(block) in self.untouched:
                continue
            lines = sort_block(block, self.first_party, 4 * depth)
            if lines is not None and _code(lines) != _code(block):
                new[start:end] = lines
        return body if all(a is b for a, b in zip(new, body)) and len(new) == len(body) else new

    def node(self, node: Any, depth: int) -> Any:
        """A compound statement or clause, rebuilt only where a block under it changed."""
        changes: dict[str, Any] = {}
        for part in _PARTS:
            value = getattr(node, part, None)
            new: Any
            if isinstance(value, cst.IndentedBlock):
                body = self.body(value.body, depth + 1)
                new = value if body is value.body else value.with_changes(body=body)
            elif isinstance(value, _CLAUSES):
                new = self.node(value, depth)
            elif isinstance(value, (list, tuple)):
                items = [self.node(clause, depth) for clause in value]
                new = value if all(a is b for a, b in zip(items, value)) else items
            else:
                continue
            if new is not value:
                changes[part] = new
        return node.with_changes(**changes) if changes else node


#: Comments that turn isort off for a whole file, or for everything below them.
_FILE_PRAGMA = re.compile(r"#\s*isort\s*:\s*(?:off|skip_file|skip-file)|#\s*ruff\s*:\s*noqa\s*$", re.MULTILINE)


def sort_touched_blocks(
    source: cst.Module, output: cst.Module, first_party: frozenset[str], text: str = ""
) -> cst.Module:
    """The output with each import block unawait changed, added or shortened in isort's order.

    `text` is the source's text: a file that turns isort off anywhere is left in its own order.
    """
    if "isort" in text or "ruff" in text:
        if _FILE_PRAGMA.search(text):
            return output
    untouched = {_code(body[start:end]) for body in _lists(source) for start, end in _blocks(body)}
    body = _Sorter(untouched, first_party).body(output.body, 0)
    return output if body is output.body else output.with_changes(body=body)


def _lists(module: cst.Module) -> Iterator[Sequence[Any]]:
    yield module.body
    for statement in module.body:
        if isinstance(statement, cst.BaseCompoundStatement):
            yield from _statement_lists(statement)
