"""Writing to disk safely: atomic replacement, and removing generated files and the folders they leave."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

#: The suffix of a temporary file that write_atomic has not yet moved into place.
TMP_SUFFIX = ".unawait-tmp"


def inside(path: Path, folder: Path) -> bool:
    """Whether path is folder or lies under it (no resolving: pass resolved paths if it matters)."""
    return path == folder or folder in path.parents


def write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Replace path with data in one step: readers see the old file or the new one, never a part."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_generated(path: Path, stop: Path) -> None:
    """Delete a generated file, its bytecode, and the folders this left empty, up to stop."""
    path.unlink()
    cache = path.parent / "__pycache__"
    if cache.is_dir():
        for pyc in cache.glob(f"{_glob_escape(path.stem)}.*.pyc"):
            with contextlib.suppress(OSError):
                pyc.unlink()
        with contextlib.suppress(OSError):
            cache.rmdir()  # only if that left it empty
    folder = path.parent
    while folder != stop and inside(folder, stop):
        try:
            folder.rmdir()
        except OSError:  # not empty (or not ours to remove): stop climbing
            break
        folder = folder.parent


def _glob_escape(text: str) -> str:
    """text with glob metacharacters escaped, so a file name is matched literally."""
    return re.sub(r"([*?\[])", r"[\1]", text)
