"""The pure core: one async module's source text in, its sync twin's source text out."""

from __future__ import annotations

import ast
import inspect
import types
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from .bindings import check_bindings
from .cold import ColdStatements, LineWords
from .config import Config, tree_parts
from .context import Context, dotted_name
from .deep import call_deep, check_depth, deepest, too_deep
from .errors import SourceError
from .import_lines import keep_import_lines
from .import_order import project_packages, sort_touched_blocks
from .imports import fix_imports
from .naming import NameMapper
from .rewrites import Pipeline
from .rewrites.flags import inferred_flags
from .rules import PROFILE_IMPORTS
from .scan import Parsed, ProjectNames, parse_source, scan_tree

_DEFAULT = Config()
_BUG_HINT = (
    "this output would be wrong: please report it with the source; meanwhile move the code under `if True:  # ASYNC`"
)


@dataclass(frozen=True)
class Change:
    """One rename or rewrite, for --explain: where, which rule, what became what."""

    line: int
    column: int
    rule: str
    before: str
    after: str


@dataclass(frozen=True)
class Output:
    """The generated code and every change that made it (changes only when explain=True)."""

    code: str
    changes: tuple[Change, ...]


class _Positions:
    """Source positions, computed only when first asked for: most runs never need them."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.ranges: Mapping[cst.CSTNode, CodeRange] | None = None

    def __call__(self, node: cst.CSTNode) -> tuple[int, int]:
        if self.ranges is None:
            self.ranges = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        found = self.ranges.get(node)
        return (found.start.line, found.start.column + 1) if found else (0, 0)


def _new_name(names: NameMapper, name: str) -> str | None:
    rename = names.rename(name)
    return None if rename is None else rename.new


def _from_table(names: NameMapper, name: str) -> bool:
    rename = names.rename(name)
    return rename is not None and rename.rule.startswith(("builtin:", "profile:", "config-rename"))


def module_path_renames(config: Config) -> dict[str, str]:
    """Module paths of the trees: `pkg.asynchronous` -> `pkg.synchronous`, `tests.asynchronous` -> `tests`.

    Each tree's path, from the last folder it shares with its destination on, is a dotted
    module rename. A tree beside its destination (`_async` and `_sync` in one folder) also
    renames its folder name, which relative imports (`from .._async import x`) use.
    """
    renames = {}
    for tree in config.trees:
        src, dest = tree_parts(tree.src, config.root), tree_parts(tree.dest, config.root)
        shared = 0
        while shared < min(len(src), len(dest)) and src[shared] == dest[shared]:
            shared += 1
        anchor = src[shared - 1 : shared] if shared else ()
        old, new = ".".join(anchor + src[shared:]), ".".join(anchor + dest[shared:])
        if old and new and old != new and "." in old + new:
            renames[old] = new
        siblings = tree.src.parent == tree.dest.parent
        if (
            siblings
            and tree.src.name != tree.dest.name
            and tree.src.name.isidentifier()
            and tree.dest.name.isidentifier()
        ):
            renames[tree.src.name] = tree.dest.name
    return renames


def profiles_by_import(module: cst.Module) -> dict[str, cst.CSTNode]:
    """Library profiles this module switches on by importing the library at module level.

    Imports at the top of the module count, and those in module-level `if`/`try` blocks
    (TYPE_CHECKING, optional imports); not those inside functions or classes.
    """
    found: dict[str, cst.CSTNode] = {}

    def visit(statements: Sequence[cst.CSTNode]) -> None:
        for statement in statements:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    for top in _imported_tops(small):
                        for profile, roots in PROFILE_IMPORTS.items():
                            if profile not in found and any(top == r or top.startswith(r + "_") for r in roots):
                                found[profile] = small
            elif isinstance(statement, (cst.If, cst.Try)):
                for block in _blocks(statement):
                    visit(block)

    visit(module.body)
    return found


def _imported_tops(node: cst.CSTNode) -> list[str]:
    """The top-level module names an import statement imports from (none for relative imports)."""
    if isinstance(node, cst.Import):
        return [(dotted_name(alias.name) or "").partition(".")[0] for alias in node.names]
    if isinstance(node, cst.ImportFrom) and not node.relative and node.module is not None:
        return [(dotted_name(node.module) or "").partition(".")[0]]
    return []


def _blocks(node: cst.CSTNode) -> list[Sequence[cst.CSTNode]]:
    """The statement lists of an `if` (with its elif/else) or a `try` (with handlers, else, finally)."""
    blocks: list[Sequence[cst.CSTNode]] = []
    parts: list[Any] = []
    if isinstance(node, cst.If):
        parts = [node.body, node.orelse]
    elif isinstance(node, cst.Try):
        parts = [node.body, *node.handlers, node.orelse, node.finalbody]
    for part in parts:
        if isinstance(part, cst.If):
            blocks += _blocks(part)
        elif part is not None:
            body = part.body
            if isinstance(body, cst.IndentedBlock):
                blocks.append(body.body)
    return blocks


#: Code flags of functions that are coroutines or async generators.
_ASYNC_FLAGS = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR | inspect.CO_ITERABLE_COROUTINE


def _async_code(code: types.CodeType) -> types.CodeType | None:
    """The first coroutine or async generator compiled into code (walks nested code objects)."""
    if code.co_flags & _ASYNC_FLAGS:
        return code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found = _async_code(const)
            if found is not None:
                return found
    return None


def _check_output(code: str, path: str) -> None:
    """The output must compile and contain no async syntax: never emit code that cannot work.

    Compiling catches `await`, `async for/with` and async comprehensions outside a coroutine;
    the code flags catch any `async def` left (cheaper than walking an AST).
    """
    try:
        compiled = compile(code, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise SourceError(
            f"the generated code would not compile: {exc.msg} (output line {exc.lineno})",
            line=exc.lineno or 0,
            column=exc.offset or 0,
            hint=_BUG_HINT,
            path=path,
        ) from None
    left = _async_code(compiled)
    if left is not None:
        raise SourceError(
            f"async syntax left in the generated code: {left.co_name}",
            line=left.co_firstlineno,
            column=1,
            hint=_BUG_HINT,
            path=path,
        )


def transform_module(
    source: str,
    config: Config | None = None,
    *,
    path: str = "<string>",
    project: ProjectNames | None = None,
    explain: bool = True,
    cold: bool = True,
    parsed: Parsed | None = None,
) -> Output:
    """Convert one module; raises SourceError (with path:line:col and a hint) on what it cannot convert.

    `project` holds the async names of the whole tree, this module included (merge the
    scan_module() of every file); without it, this module alone is scanned. With explain=False,
    Output.changes is empty and no positions are computed. With cold=False, every statement is
    visited, even those no rewrite can change (see cold.py; the output is the same, only slower).
    `parsed`: the source's stdlib tree and depth, if a scan has them (scan.scan_measured).
    """
    # Deep but valid code (an elif chain of hundreds, a long `+` chain) needs more stack than
    # libcst's recursive visitors get on an ordinary thread.
    return call_deep(lambda: _transform(source, config or _DEFAULT, path, project, explain, cold, parsed))


def _transform(
    source: str,
    config: Config,
    path: str,
    project: ProjectNames | None,
    explain: bool,
    cold: bool,
    parsed: Parsed | None = None,
) -> Output:
    tree = parse_source(source, path) if parsed is None else parsed.tree
    # Before libcst, whose parser would take minutes, or crash, on such code.
    check_depth(tree, path, None if parsed is None else parsed.deepest)
    try:
        return _convert(source, config, path, project, explain, tree, cold)
    except RecursionError:
        raise too_deep(*deepest(tree), path) from None


def _convert(
    source: str,
    config: Config,
    path: str,
    project: ProjectNames | None,
    explain: bool,
    tree: ast.Module,
    cold: bool = True,
) -> Output:
    given = config  # before this module's own profiles and flags are added
    module_renames = module_path_renames(config)
    if project is None:
        # Imports from our own package, or from an async tree (`pkg._async.x`), name project classes.
        project = scan_tree(tree, (*config.packages, *module_renames))
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise SourceError(
            f"syntax error: {exc.message}", line=exc.raw_line, column=exc.raw_column + 1, path=path
        ) from None
    auto = {p: node for p, node in profiles_by_import(module).items() if p not in config.profiles}
    if auto:
        config = replace(config, profiles=(*config.profiles, *sorted(auto)))
    # A known flag the module sets (`_IS_SYNC = False`) is flipped and decides branches, unless configured.
    flags = {k: v for k, v in inferred_flags(tree, source).items() if k not in config.flags}
    if flags:
        config = replace(config, flags={**config.flags, **flags})
    names = NameMapper(config, project, module_renames=module_renames)
    words = LineWords(source)
    kept = check_bindings(
        tree, source, lambda name: _new_name(names, name), path, lambda name: _from_table(names, name), words
    )
    ctx = Context(names=names, path=path, locate=_Positions(module), kept_names=kept, keep_lines=config.keep_lines)
    for profile, node in sorted(auto.items()):  # for --explain: which import switched it on
        ctx.record(node, "auto-profile", profile, f"profile:{profile}")
    # --explain visits everything: it also reports names that keep their spelling.
    found = ColdStatements(words, module, tree, names) if cold and not explain else None
    piped = module.visit(Pipeline(ctx, cold=found.cold, cold_parts=found.parts) if found else Pipeline(ctx))
    if found is not None and not found.settle_uses(ctx, ctx.cold_skips):
        return _convert(source, given, path, project, explain, tree, cold=False)
    converted = fix_imports(piped, ctx)
    # Only blocks that differ from every block of the source are sorted: the rest stay byte-identical.
    if config.sort_imports:
        converted = sort_touched_blocks(module, converted, project_packages(config), source)
    if config.keep_lines and converted is not piped:
        converted = keep_import_lines(piped, converted)
    code = converted.code
    _check_output(code, path)
    changes: tuple[Change, ...] = ()
    if explain:
        changes = tuple(Change(*ctx.locate(node), rule, before, after) for node, rule, before, after in ctx.changes)
    return Output(code, changes)


def generate_module(
    source: str,
    config: Config | None = None,
    *,
    path: str = "<string>",
    project: ProjectNames | None = None,
) -> str:
    """The sync twin of one async module, as text."""
    return transform_module(source, config, path=path, project=project, explain=False).code
