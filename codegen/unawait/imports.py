"""Fix imports after the rewrites: drop the ones that became unused, dedupe, add `import time` & co."""

from __future__ import annotations

from typing import Any, Union

import libcst as cst

from .context import Context, dotted_expr, dotted_name, names_in, without_leading_blank_lines
from .rewrites.async_branches import is_kept


def _binding(alias: cst.ImportAlias, from_import: bool) -> str:
    """The local name an import alias binds: `import a.b` binds `a`, `import a as b` binds `b`."""
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    dotted = dotted_name(alias.name) or ""
    return dotted if from_import else dotted.split(".")[0]


class _FixImports(cst.CSTTransformer):
    """Removes aliases whose name a rewrite dropped and nothing uses any more; removes duplicates."""

    def __init__(self, unused: set[str]) -> None:
        super().__init__()
        self.unused = unused
        self.removed_modules: set[str] = set()
        # The imports seen so far in each enclosing block, innermost last. An import is a duplicate
        # only within its own block: the same import under `if TYPE_CHECKING:` and in the `else:`
        # or `try:` beside it binds the name at run time and must stay.
        self._blocks: list[set[tuple[str, str, str]]] = [set()]

    def _enter(self, node: cst.CSTNode) -> None:
        self._blocks.append(set())

    visit_IndentedBlock = visit_SimpleStatementSuite = _enter

    def leave_SimpleStatementSuite(
        self, original: cst.SimpleStatementSuite, updated: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        self._blocks.pop()
        return updated

    def _keep(self, module: str, alias: cst.ImportAlias, from_import: bool) -> bool:
        local = _binding(alias, from_import)
        if local in self.unused:
            if not from_import:
                self.removed_modules.add(dotted_name(alias.name) or "")
            return False
        key = (module, dotted_name(alias.name) or "", local)
        if key in self._blocks[-1]:
            return False
        self._blocks[-1].add(key)
        return True

    def fix_line(self, line: cst.SimpleStatementLine) -> cst.SimpleStatementLine | None:
        """The import line without its unused and duplicate aliases; None when nothing is left."""
        if is_kept(line):
            return line  # `# unawait: keep`: exactly as written
        body: list[cst.BaseSmallStatement] = []
        for statement in line.body:
            if isinstance(statement, cst.Import):
                names = [a for a in statement.names if self._keep("", a, False)]
                if names:
                    names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                    body.append(statement.with_changes(names=names))
            elif isinstance(statement, cst.ImportFrom) and not isinstance(statement.names, cst.ImportStar):
                module = "." * len(statement.relative) + (
                    (dotted_name(statement.module) or "") if statement.module else ""
                )
                names = [a for a in statement.names if self._keep(module, a, True)]
                if names:
                    if len(names) < len(statement.names):
                        # The new last name takes the old last one's comma: none, or the magic
                        # trailing comma (and line break) of a parenthesized list, so that `)`
                        # stays on its own line as isort and the formatters keep it.
                        names[-1] = names[-1].with_changes(comma=statement.names[-1].comma)
                    body.append(statement.with_changes(names=names))
            else:
                body.append(statement)
        if not body:
            return None
        if len(body) == len(line.body) and all(a is b for a, b in zip(body, line.body)):
            return line
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return line.with_changes(body=body)

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> Union[cst.SimpleStatementLine, cst.RemovalSentinel]:
        fixed = self.fix_line(updated)
        return cst.RemoveFromParent() if fixed is None else fixed

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        self._blocks.pop()
        if updated.body:
            if len(updated.body) < len(original.body):
                # A removed line may have been the first: the block does not open with a blank line.
                return updated.with_changes(body=[without_leading_blank_lines(updated.body[0]), *updated.body[1:]])
            return updated
        return updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])


def _is_import_line(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body
    )


def _imported_modules(body: list[cst.BaseStatement]) -> set[str]:
    found: set[str] = set()
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import):
                    for a in small.names:
                        dotted = dotted_name(a.name) or ""
                        found.add(dotted if a.asname is None else f"{dotted} as {_binding(a, False)}")
    return found


def _insert_at(body: list[cst.BaseStatement]) -> int:
    """Where new imports go when none was removed: after the leading import block."""
    index = 0
    for i, statement in enumerate(body):
        if _is_import_line(statement):
            index = i + 1
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            break
        elif i == 0 and isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Expr):
            index = 1  # after the module docstring
    return index


def _import_line(dotted: str, alias: str = "") -> cst.SimpleStatementLine:
    asname = cst.AsName(cst.Name(alias)) if alias else None
    return cst.SimpleStatementLine([cst.Import([cst.ImportAlias(dotted_expr(dotted), asname=asname)])])


class _Taken(cst.CSTVisitor):
    """Names bound or used other than as an imported module (`time` of `def f(time)`), and every name."""

    def __init__(self, ours: set[int]) -> None:
        super().__init__()
        self.skip = ours  # the module roots rewrites wrote: uses of the module itself
        self.taken: set[str] = set()
        self.every: set[str] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.skip.add(id(node.attr))
        if isinstance(node.value, cst.Name):
            self.skip.add(id(node.value))  # `time.x`: the module (or an object) used, not bound

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.skip.add(id(node.keyword))

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.taken.add(alias.asname.name.value)
            self.every.update(names_in(alias))
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                self.taken.add(_binding(alias, True))
        self.every.update(names_in(node))
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.every.add(node.value)
        if id(node) not in self.skip:
            self.taken.add(node.value)


class _Realias(cst.CSTTransformer):
    """Renames the module roots rewrites wrote to the module's private alias."""

    def __init__(self, roots: dict[int, str], holders: set[int]) -> None:
        super().__init__()
        self.roots = roots
        self.holders = holders  # ctx.import_holders: the statements that stand for them are new ones
        self.new_holders: set[int] = set()

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        result = super().on_leave(original_node, updated_node)
        if id(original_node) in self.holders:
            self.new_holders.add(id(result))
        return result

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        alias = self.roots.get(id(original))
        return updated if alias is None else updated.with_changes(value=alias)


def _aliases(module: cst.Module, ctx: Context) -> tuple[cst.Module, dict[str, str]]:
    """A private alias (`import time as _time`) for each added module whose name a local name shadows.

    `def wait(time): time.sleep(time)` or `queue = queue.Queue()` would fail at run time: any
    binding of the module's name other than `import time` itself makes the added references use
    `_time` instead, in every scope (one spelling, whatever scope a reference lands in).
    """
    modules = {m.split(".")[0] for _, m in ctx.module_roots}
    if not any(ctx.uses[m] > 0 or m in ctx.imported for m in modules):
        return module, {}  # the name appears nowhere else: nothing can shadow it
    scan = _Taken({id(root) for root, _ in ctx.module_roots})
    module.visit(scan)
    aliases: dict[str, str] = {}
    for name in sorted(modules & scan.taken):
        alias = "_" + name
        while alias in scan.every:
            alias += "_"
        aliases[name] = alias
    if not aliases:
        return module, {}
    roots = {id(root): aliases[root.value] for root, _ in ctx.module_roots if root.value in aliases}
    realias = _Realias(roots, ctx.import_holders)
    renamed = module.visit(realias)
    assert isinstance(renamed, cst.Module)
    ctx.import_holders = realias.new_holders
    return renamed, aliases


def _emptied_type_checking(module: cst.Module, ctx: Context, unused: set[str]) -> set[int]:
    """`if TYPE_CHECKING:` blocks of imports that all became unused: they go, and their test's use too."""
    emptied: set[int] = set()
    for statement in module.body:
        if id(statement) not in ctx.import_holders or not isinstance(statement, cst.If) or statement.orelse:
            continue
        test = dotted_name(statement.test) or ""
        body = statement.body
        if test.rpartition(".")[2] != "TYPE_CHECKING" or not isinstance(body, cst.IndentedBlock):
            continue
        if all(_is_import_line(line) and _FixImports(unused).fix_line(line) is None for line in body.body):  # type: ignore[arg-type]
            emptied.add(id(statement))
            ctx.drop_all(statement.test)
    return emptied


def fix_imports(module: cst.Module, ctx: Context) -> cst.Module:
    """Drop imports that became unused, dedupe renamed ones, add the modules the output needs."""
    # ctx.uses was counted by the pass itself: no extra walk over the tree is needed here.
    # A module a rewrite wrote a use of (`pytest_asyncio.fixture` -> `pytest.fixture`) stays
    # imported, although removed marks took its last use in the source.
    kept = ctx.string_names | ctx.needed_modules
    unused = {n for n in ctx.dropped_names if ctx.uses[n] <= 0 and n not in kept}
    if not unused and not ctx.needed_modules and not ctx.dropped_names:
        return module  # nothing was renamed or removed: imports are as they were
    module, aliases = _aliases(module, ctx) if ctx.module_roots else (module, {})
    imported = _imported_modules(list(module.body))
    needed = sorted(
        (m, aliases.get(m, ""))
        for m in ctx.needed_modules - {"builtins"}
        if (m if m not in aliases else f"{m} as {aliases[m]}") not in imported
    )
    emptied = _emptied_type_checking(module, ctx, unused)
    if emptied:
        unused = {n for n in ctx.dropped_names if ctx.uses[n] <= 0 and n not in kept}
    fixer = _FixImports(unused)
    body: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []  # comments and blank lines above removed import lines
    at_top = False  # everything above the next statement was removed
    for statement in module.body:
        if id(statement) in emptied:
            carried.extend(statement.leading_lines)
            at_top = at_top or not body
            continue
        if _is_import_line(statement):
            assert isinstance(statement, cst.SimpleStatementLine)
            fixed = fixer.fix_line(statement)
            if fixed is None:
                if needed:
                    # The new imports take the place of the first import line that went away.
                    new_lines = [_import_line(*m) for m in needed]
                    new_lines[0] = new_lines[0].with_changes(leading_lines=statement.leading_lines)
                    body.extend(new_lines)
                    needed = []
                else:
                    carried.extend(statement.leading_lines)
                    at_top = at_top or not body
                continue
            statement = fixed
        elif id(statement) in ctx.import_holders:
            statement = statement.visit(fixer)  # type: ignore[assignment]  # only blocks with imports
        if carried:
            # A blank line above a removed import kept two import groups apart; a statement with
            # blank lines of its own already stands apart, and gets only the comments.
            if any(line.comment is None for line in statement.leading_lines):
                carried = [line for line in carried if line.comment is not None]
            statement = statement.with_changes(leading_lines=[*carried, *statement.leading_lines])
            carried = []
        if at_top:
            # The module now starts here: no blank lines above its first statement.
            statement = without_leading_blank_lines(statement)
            at_top = False
        body.append(statement)
    if needed:
        at = _insert_at(body)
        body[at:at] = [_import_line(*m) for m in needed]
    if len(body) == len(module.body) and all(a is b for a, b in zip(body, module.body)):
        return module
    return module.with_changes(body=body)
