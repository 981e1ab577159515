"""Lay out a real project's async tree (elasticsearch-py, a pinned wheel) for the codegen benchmark."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import realworld  # noqa: E402  (a sibling script: its pinned download, checked by sha256)
from realworld_projects import ELASTICSEARCH  # noqa: E402

PACKAGE = "elasticsearch"
ASYNC_DIR = f"src/{PACKAGE}/_async"
SYNC_DIR = f"src/{PACKAGE}/_sync"
UNASYNC_DIR = f"out/unasync/{PACKAGE}/_sync"
UNASYNCD_DIR = f"out/unasyncd/{PACKAGE}/_sync"
#: The project converts everything under _async but helpers.py, which it writes by hand (it uses
#: anyio task groups, which unawait refuses: they have no sync twin).
HAND_WRITTEN = ("helpers.py",)
#: The project's own rename table for this tree (utils/run-unasync.py), as unasync/unasyncd take it.
TABLE = dict(ELASTICSEARCH.parts[0].table)


def _toml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid TOML basic string for these plain names


def pyproject() -> str:
    """[tool.unawait] and [tool.unasyncd] for the tree, each with the project's renames."""
    config = ELASTICSEARCH.parts[0].config
    lines = [
        "# Written by bench/real_tree.py: elasticsearch-py's async client tree, every generator's settings.",
        "[tool.unawait]",
        f'trees = [{{ src = "{ASYNC_DIR}", dest = "{SYNC_DIR}" }}]',
        f"packages = [{', '.join(_toml(p) for p in config.packages)}]",
        f"keep = [{', '.join(_toml(k) for k in sorted(config.keep))}]",
        "",
        "[tool.unawait.renames]",
        *(f"{old} = {_toml(new)}" for old, new in sorted(config.renames.items())),
        "",
        "[tool.unasyncd]",
        f'files = {{ "{ASYNC_DIR}" = "{UNASYNCD_DIR}" }}',
        "",
        "[tool.unasyncd.add_replacements]",
        *(f"{old} = {_toml(new)}" for old, new in sorted(TABLE.items())),
    ]
    return "\n".join(lines) + "\n"


def write_tree(root: Path) -> dict[str, object]:
    """(Re)write the tree under root from the pinned wheel; returns the manifest bench_codegen reads."""
    unpacked = realworld.fetch(ELASTICSEARCH) / PACKAGE / "_async"
    if root.exists():
        shutil.rmtree(root)
    src = root / ASYNC_DIR
    shutil.copytree(unpacked, src, ignore=shutil.ignore_patterns("__pycache__", *HAND_WRITTEN))
    (root / "src" / PACKAGE / "__init__.py").write_text('"""elasticsearch (benchmark copy)."""\n', encoding="utf-8")
    (root / "pyproject.toml").write_text(pyproject(), encoding="utf-8")
    files = sorted(src.rglob("*.py"))
    sizes = {path: path.read_text(encoding="utf-8").count("\n") for path in files}
    biggest = max(files, key=lambda p: sizes[p])
    manifest: dict[str, object] = {
        "seed": f"{ELASTICSEARCH.name} {ELASTICSEARCH.version}",
        "files": len(files),
        "lines": sum(sizes.values()),
        "async_dir": ASYNC_DIR,
        "sync_dir": SYNC_DIR,
        "unasync_dir": UNASYNC_DIR,
        "unasyncd_dir": UNASYNCD_DIR,
        "renames": TABLE,
        "clients": [],  # no behavioural smoke test: the sync client needs a server
        "edit_file": str(biggest.relative_to(src)),
    }
    (root / "tree.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest
