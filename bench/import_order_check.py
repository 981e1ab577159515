"""unawait's import sorting against ruff's on real modules: every top-level block of N installed files."""

# Run from the repository root: python bench/import_order_check.py [N] (needs ruff). Each module
# of site-packages (a seeded sample) gets every top-level import block sorted by unawait, then
# ruff's isort fix runs on a copy (the module's own package first party); a file counts as a
# mismatch when ruff would order its top-level imports differently. Line layout (wrapping, blank
# lines after the block) is the module's own style and is not compared.

from __future__ import annotations

import ast
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import libcst as cst
from unawait.import_order import _blocks as blocks
from unawait.import_order import sort_block


def order(code: str) -> list[tuple[object, ...]]:
    """The top-level import statements of a module, in order, with their names."""
    found: list[tuple[object, ...]] = []
    for node in ast.parse(code).body:
        if isinstance(node, ast.Import):
            found.append(("import", tuple((a.name, a.asname) for a in node.names)))
        elif isinstance(node, ast.ImportFrom):
            found.append(("from", node.level, node.module, tuple((a.name, a.asname) for a in node.names)))
    return found


def main(count: int) -> None:
    site = Path(sysconfig.get_paths()["purelib"])
    files = sorted(site.rglob("*.py"))
    random.Random(1).shuffle(files)
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    with tempfile.TemporaryDirectory() as tmp:
        mine, theirs = Path(tmp, "mine"), Path(tmp, "ruff")
        written = 0
        for path in files:
            if written == count:
                break
            try:
                module = cst.parse_module(path.read_text("utf-8"))
            except (UnicodeDecodeError, cst.ParserSyntaxError):
                continue
            package = path.relative_to(site).parts[0].removesuffix(".py")
            body = list(module.body)
            for start, end in reversed(list(blocks(body))):
                lines = sort_block(body[start:end], frozenset({package}))
                if lines is not None:
                    body[start:end] = lines
            target = mine / package / f"m{written}.py"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(module.with_changes(body=body).code, "utf-8")
            written += 1
        shutil.copytree(mine, theirs)
        for folder in sorted(theirs.iterdir()):
            subprocess.run(
                [ruff, "check", "--isolated", "--select", "I", "--fix", "--no-cache", "--quiet"]
                + ["--config", f'lint.isort.known-first-party=["{folder.name}"]', str(folder)],
                capture_output=True,
            )
        different = [
            str(p.relative_to(mine))
            for p in sorted(mine.rglob("*.py"))
            if order(p.read_text("utf-8")) != order((theirs / p.relative_to(mine)).read_text("utf-8"))
        ]
    print(f"{written} modules, {len(different)} whose top-level import order ruff would change")
    for name in different:
        print("  ", name)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
