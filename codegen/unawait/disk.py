"""Writing to disk safely: atomic replacement, and removing generated files and the folders they leave."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from pathlib import Path

#: The suffix of a temporary file that write_atomic has not yet moved into place.
TMP_SUFFIX = ".unawait-tmp"
#: A temporary file younger than this may be a concurrent run's, about to be moved into place:
#: only older ones are an interrupted run's leftovers to remove.
TMP_STALE_SECONDS = 60
#: Sources larger than this are refused: no hand-written module comes near it, and converting
#: one would take minutes and gigabytes.
MAX_FILE_BYTES = 16 * 1024 * 1024
#: How much of a destination's name goes into its temporary file's name (a file system's limit
#: is 255 bytes for the whole name; 40 characters are at most 160 bytes).
_TMP_NAME_CHARS = 40
_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


class NotRegularFile(OSError):
    """The path is a FIFO, device, socket or folder: unawait reads and replaces regular files only."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"not a regular file ({kind})")
        self.kind = kind


class TooLarge(Exception):
    """A file is larger than the limit it was read with."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"too large to convert: {size} bytes (the limit is {limit} bytes)")
        self.size = size
        self.limit = limit


def _kind(mode: int) -> str | None:
    """What a non-regular file is ("a FIFO" ...), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a file")


def read_regular(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file (symlinks followed); raises NotRegularFile for anything else.

    A FIFO would block a plain read forever and a device such as /dev/zero never ends, so the
    kind is checked before opening, and again on the open descriptor (in case the path was
    swapped in between); the open itself never blocks (O_NONBLOCK). With limit, a file larger
    than limit bytes raises TooLarge after reading at most limit + 1 bytes.
    """
    kind = _kind(os.stat(path).st_mode)
    if kind:
        raise NotRegularFile(kind)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        kind = _kind(info.st_mode)
        if kind:
            raise NotRegularFile(kind)
        if limit is None:
            return f.read()
        data = f.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(max(info.st_size, len(data)), limit)
        return data


def inside(path: Path, folder: Path) -> bool:
    """Whether path is folder or lies under it (no resolving: pass resolved paths if it matters)."""
    return path == folder or folder in path.parents


def write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Replace path with data in one step: readers see the old file or the new one, never a part."""
    # A shortened name: the full one plus the random part and suffix could pass the 255-byte limit.
    prefix = f".{path.name[:_TMP_NAME_CHARS]}."
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_generated(path: Path, stop: Path) -> bool:
    """Delete a generated file, its bytecode, and the folders this left empty, up to stop.

    Returns False if the file was already gone (a concurrent run deleted it): not an error.
    """
    try:
        path.unlink()
        removed = True
    except FileNotFoundError:
        removed = False
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
    return removed


def _glob_escape(text: str) -> str:
    """text with glob metacharacters escaped, so a file name is matched literally."""
    return re.sub(r"([*?\[])", r"[\1]", text)
