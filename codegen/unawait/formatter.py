"""The project's formatter, run on generated files so that a formatter hook finds nothing to change.

unawait keeps the layout of the async source, but its names are shorter (`aadd_texts` ->
`add_texts`), so a formatter may join lines that unawait keeps: a formatter hook and the unawait
hook would then rewrite each other's output forever. With `format = "ruff"` or `"black"`, unawait
runs that formatter on each file it generates, with the file's destination path (so the
project's formatter configuration applies as it does to the file on disk), before it compares
with, or writes, the file. `--check` compares the formatted text too, so it never disagrees
with what the formatter leaves behind.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .errors import ConfigError

#: The values of [tool.unawait] format; "" runs no formatter.
FORMATTERS = ("", "ruff", "black")
#: Files that configure ruff or black next to the project's pyproject.toml: their bytes are part
#: of the cache key, because they change what the formatter prints.
_CONFIG_FILES = ("pyproject.toml", "ruff.toml", ".ruff.toml")
#: A formatter that hangs must not hang unawait (seconds per file).
_TIMEOUT = 60


class FormatError(Exception):
    """The formatter could not format a generated file (the message says why)."""


def _ruff_command() -> list[str]:
    """The ruff binary of the `ruff` distribution installed next to unawait, else ruff on PATH."""
    if importlib.util.find_spec("ruff") is not None:
        try:
            # The wheel's own locator (ruff ships no type information: imported by name).
            locate = importlib.import_module("ruff.__main__").find_ruff_bin
            return [os.fsdecode(locate())]
        except (ImportError, AttributeError, FileNotFoundError):
            pass
    found = shutil.which("ruff")
    if found is None:
        raise ConfigError('[tool.unawait] format = "ruff", but ruff is not installed; pip install ruff')
    return [found]


def _black_command() -> list[str]:
    """black of this Python if it has it, else black on PATH."""
    if importlib.util.find_spec("black") is not None:
        return [sys.executable, "-m", "black"]
    found = shutil.which("black")
    if found is None:
        raise ConfigError('[tool.unawait] format = "black", but black is not installed; pip install black')
    return [found]


class Formatter:
    """One formatter, located once per run; format() formats one file's text."""

    def __init__(self, name: str, root: Path) -> None:
        if name not in FORMATTERS or not name:
            raise ConfigError(f"[tool.unawait] format must be one of {', '.join(map(repr, FORMATTERS))}, got {name!r}")
        self.name = name
        self.root = root
        self.command = _ruff_command() if name == "ruff" else _black_command()
        self._fingerprint: str | None = None

    def _run(self, args: list[str], text: str | None = None) -> str:
        try:
            done = subprocess.run(
                self.command + args,
                input=text,
                capture_output=True,
                text=True,
                encoding="utf-8",
                cwd=self.root,
                timeout=_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise FormatError(f"{self.name} could not run: {exc}") from None
        if done.returncode != 0:
            raise FormatError(f"{self.name} failed (exit {done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def fingerprint(self) -> str:
        """The formatter's version and its configuration files: what decides its output besides the text."""
        if self._fingerprint is None:
            parts = [self.name, self._run(["--version"]).strip()]
            for name in _CONFIG_FILES:
                path = self.root / name
                if path.is_file():
                    parts.append(f"{name}:{path.read_bytes().hex()}")
            self._fingerprint = "\n".join(parts)
        return self._fingerprint

    def format(self, text: str, dest_rel: str) -> str:
        """text formatted as the formatter formats the file dest_rel (relative to the project root)."""
        # --stdin-filename: the path picks the configuration (and the target version) that the
        # formatter uses for that file on disk. No --force-exclude on the command line: ruff
        # formats the text even where the project excludes the generated tree from its formatter
        # hook (black honours a configured force-exclude and returns the text as it was, which
        # is then what its hook leaves too).
        if self.name == "ruff":
            args = ["format", "--quiet", "--stdin-filename", dest_rel, "-"]
        else:
            args = ["--quiet", "--stdin-filename", dest_rel, "-"]
        return self._run(args, text)
