"""The realworld projects (bench/realworld.py) with sort_imports on and off: outputs ruff's isort rules accept."""

# Run from the repository root: python bench/realworld_imports.py (needs ruff; downloads the pinned
# sdists as bench/realworld.py does). A file counts as clean when `ruff check --select I` (line
# length 120, the project's package first party) reports nothing for it.

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import realworld as rw  # noqa: E402 - a sibling script, not a package
from unawait import ProjectNames, scan_module, transform_module  # noqa: E402


def unsorted(folder: Path, first_party: tuple[str, ...]) -> set[str]:
    """Files under folder (relative paths) that ruff's isort rules reject."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    known = "[" + ", ".join(f'"{p}"' for p in first_party) + "]"
    result = subprocess.run(
        [ruff, "check", "--isolated", "--select", "I", "--line-length", "120", "--no-cache"]
        + ["--config", f"lint.isort.known-first-party={known}", "--output-format", "concise", str(folder)],
        capture_output=True,
        text=True,
    )
    return {str(Path(line.split(":")[0]).relative_to(folder)) for line in result.stdout.splitlines() if "I001" in line}


def main() -> None:
    for project in rw.PROJECTS:
        root = rw.fetch(project)
        pairs = rw.pairs_of(project, root)
        names = ProjectNames()
        for source, _ in pairs:
            names = names.merge(scan_module((root / source).read_text("utf-8"), source, project.config.packages))
        first_party = project.config.packages
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp)
            for source, _ in pairs:
                (base / "src" / source).parent.mkdir(parents=True, exist_ok=True)
                (base / "src" / source).write_text((root / source).read_text("utf-8"), "utf-8")
            clean_sources = {s for s, _ in pairs} - unsorted(base / "src", first_party)
            lines: dict[tuple[bool, str], int] = {}
            for flag in (False, True):
                config = dataclasses.replace(project.config, sort_imports=flag)
                out = base / f"out-{flag}"
                for source, _ in pairs:
                    code = transform_module((root / source).read_text("utf-8"), config, path=source, project=names).code
                    lines[flag, source] = code.count("\n")
                    (out / source).parent.mkdir(parents=True, exist_ok=True)
                    (out / source).write_text(code, "utf-8")
                bad = unsorted(out, first_party)
                print(
                    f"{project.name}: sort_imports={str(flag).lower()}: {len(pairs) - len(bad)}/{len(pairs)} outputs"
                    f" pass ruff I (async sources passing: {len(clean_sources)})"
                )
            changed = sum(lines[True, s] != lines[False, s] for s, _ in pairs)
            delta = sum(lines[True, s] - lines[False, s] for s, _ in pairs)
            print(f"{project.name}: files whose line count sorting changes: {changed} ({delta:+d} lines)")


if __name__ == "__main__":
    main()
