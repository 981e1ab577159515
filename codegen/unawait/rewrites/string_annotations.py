"""`"list[AsyncFoo] | None"` -> `"list[Foo] | None"` in annotations, `cast()` and subscripted bases; `__all__` entries."""

from __future__ import annotations

import ast
import dataclasses

import libcst as cst

from ..context import Context, dotted_name, names_in
from ..deep import MAX_DEPTH, deepest, too_deep
from ._base import Rewrite

#: Stdlib nodes of a plain type expression (`Optional[List["Foo"]]`, `a.B | None`) other than names,
#: attributes and constants; an operator other than `|` is not among them.
_PLAIN = frozenset({ast.Subscript, ast.Tuple, ast.List, ast.Load, ast.BinOp, ast.BitOr})
#: Subscripted types whose sync form has another shape (see TypingGenerics).
_SHAPED = frozenset({"AsyncGenerator", "Awaitable", "Coroutine"})


class StringAnnotations(Rewrite):
    """Strings that hold names: forward references and `__all__`. No other string is touched."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._annotation = 0
        self._all = 0
        self._type_args: set[cst.Arg] = set()  # arguments that are types: cast("T", x), TypeVar(bound="T")
        self._module_parts = {part for dotted in ctx.names.modules for part in dotted.split(".")}

    def visit_Annotation(self, node: cst.Annotation) -> None:
        self._annotation += 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        # Subscripted bases hold types: `class A(Generic["AsyncFoo"])`, `Base["AsyncFoo", int]`.
        self._type_args.update(a for a in node.bases if isinstance(a.value, cst.Subscript))

    def visit_Call(self, node: cst.Call) -> None:
        function = (dotted_name(node.func) or "").rpartition(".")[2]
        if function == "cast" and node.args and node.args[0].keyword is None:
            self._type_args.add(node.args[0])
        elif function == "TypeVar":
            self._type_args.update(a for a in node.args if a.keyword is not None and a.keyword.value == "bound")

    def visit_Arg(self, node: cst.Arg) -> None:
        if node in self._type_args:
            self._annotation += 1

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        if original in self._type_args:
            self._type_args.discard(original)
            self._annotation -= 1
        return updated

    def leave_Annotation(self, original: cst.Annotation, updated: cst.Annotation) -> cst.Annotation:
        self._annotation -= 1
        return updated

    def visit_Assign(self, node: cst.Assign) -> None:
        if any(dotted_name(t.target) == "__all__" for t in node.targets):
            self._all += 1

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        if any(dotted_name(t.target) == "__all__" for t in original.targets):
            self._all -= 1
        return updated

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if dotted_name(node.target) == "__all__":
            self._all += 1

    def leave_AugAssign(self, original: cst.AugAssign, updated: cst.AugAssign) -> cst.AugAssign:
        if dotted_name(original.target) == "__all__":
            self._all -= 1
        return updated

    def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString) -> cst.SimpleString:
        if not (self._annotation or self._all) or updated.prefix or len(updated.quote) != 1:
            return updated
        text = updated.raw_value
        if self._all:
            self.ctx.string_names.add(text)
            rename = self.ctx.names.rename(text)
            if rename is None:
                return updated
            self.ctx.record(original, rename.rule, text, rename.new)
            self.ctx.string_names.add(rename.new)
            return updated.with_changes(value=f"{updated.quote}{rename.new}{updated.quote}")
        return self._annotation_string(original, updated, text)

    def _parsed(self, original: cst.SimpleString, text: str) -> ast.Expression | None:
        """The string as a stdlib expression, if CPython parses it and it nests no deeper than unawait converts.

        CPython's parser checks nesting; libcst's native parser, which would come next, crashes the
        whole process on a string nested a few thousand brackets deep.
        """
        try:
            tree = ast.parse(text.strip(), mode="eval")
            depth = deepest(tree)[0]
        except SyntaxError:
            return None
        except (RecursionError, MemoryError):
            depth = MAX_DEPTH + 1
        if depth > MAX_DEPTH:
            raise too_deep(depth, *self.ctx.locate(original), self.ctx.path)
        return tree

    def _unchanged_names(self, tree: ast.Expression) -> list[str] | None:
        """The names libcst would find in a plain type expression that no rewrite changes; None otherwise.

        Then the string needs no libcst parse and pass: its names are counted as the pass would.
        """
        found: list[str] = []
        for node in ast.walk(tree.body):
            kind = type(node)
            if kind is ast.Name:
                found.append(node.id)  # type: ignore[attr-defined]
            elif kind is ast.Attribute:
                found.append(node.attr)  # type: ignore[attr-defined]
            elif kind is ast.Constant:
                value = node.value  # type: ignore[attr-defined]
                if value is None or isinstance(value, bool):
                    found.append(str(value))  # a Name to libcst
            elif kind not in _PLAIN:
                return None
        names = self.ctx.names
        if any(n in _SHAPED or n in names.kept or n in self._module_parts or names.rename(n) for n in found):
            return None
        return found

    def _annotation_string(self, original: cst.SimpleString, updated: cst.SimpleString, text: str) -> cst.SimpleString:
        tree = self._parsed(original, text)
        if tree is None:
            return updated  # not an annotation after all; leave the string alone
        # Text libcst's expression parser may refuse (a comment, outer spaces, an escape) takes
        # the general path, which decides it exactly as before.
        plain = None if "#" in text or "\\" in text or text != text.strip() else self._unchanged_names(tree)
        if plain is not None:
            self.ctx.uses.update(plain)  # as RenameNames counts each name it leaves
            self.ctx.string_names.update(plain)
            return updated
        try:
            expression = cst.parse_expression(text)
        except cst.ParserSyntaxError:
            return updated
        from . import Pipeline  # late: the package imports this module
        from .rename_names import RenameNames
        from .typing_generics import TypingGenerics

        inner = dataclasses.replace(self.ctx, changes=[], pipeline=None)
        new = expression.visit(Pipeline(inner, (TypingGenerics, RenameNames)))
        if not isinstance(new, cst.BaseExpression):
            return updated
        for _node, rule, before, after in inner.changes:
            self.ctx.record(original, rule, before, after)
        self.ctx.string_names.update(names_in(new))
        if not inner.changes:
            return updated
        code = cst.Module([]).code_for_node(new)
        if updated.quote in code:
            return updated  # cannot re-quote safely; leave it
        return updated.with_changes(value=f"{updated.quote}{code}{updated.quote}")
