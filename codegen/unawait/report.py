"""What a run found and did: the status of each generated file, the problems, the report."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from .config import Config
from .text import header_name

if TYPE_CHECKING:
    from .generate import Change


class Status(str, enum.Enum):
    """What happened (or, with check/diff, would happen) to one destination file."""

    UNCHANGED = "unchanged"  # already what its source generates
    CREATED = "created"  # missing: its source had no generated file yet
    UPDATED = "updated"  # differed from its source: stale or edited by hand
    DELETED = "deleted"  # orphan: a generated file whose source is gone
    CONFLICT = "conflict"  # a hand-written file where a generated one belongs; kept as is
    STRAY = "stray"  # a hand-written file elsewhere in a generated tree; kept as is
    FAILED = "failed"  # not generated (source errors) or not written/deleted (a Problem says why)
    REFUSED = "refused"  # unsafe destination (symlink, outside the tree); left alone


#: Statuses that mean "the generated tree is not what the sources generate".
OUT_OF_DATE = frozenset({Status.CREATED, Status.UPDATED, Status.DELETED, Status.CONFLICT})


@dataclass(frozen=True)
class FileResult:
    """One destination file: its source, what became of it, and the diff if one was asked for."""

    dest: str
    source: str | None
    status: Status
    #: Unified diff from the destination on disk to what it should be (only with check/diff).
    diff: str = ""
    #: Every rename and rewrite made in it (only with explain).
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Problem:
    """An error that kept a file from being generated or written."""

    #: "source" (the async code is wrong), "unsafe" or "io" (the trees are), "internal" (a bug).
    kind: str
    path: str
    message: str
    line: int = 0
    column: int = 0
    hint: str = ""

    def __str__(self) -> str:
        path = header_name(self.path)  # one line, whatever the file is called
        where = f"{path}:{self.line}:{self.column}" if self.line else path
        return f"{where}: {self.message}" + (f"\n  hint: {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class Report:
    """Everything one run found and did, in a deterministic order."""

    config: Config
    files: tuple[FileResult, ...]
    problems: tuple[Problem, ...]
    #: True when changes were written (not check, diff or explain).
    applied: bool
    check: bool = False
    #: How many files were converted; the others the cache vouched for.
    converted: int = 0
    #: With explain: config renames that never fired.
    unused_renames: tuple[str, ...] = ()
    #: With explain: profile name -> its entries that never fired.
    unused_profile_entries: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    #: With explain: add_keywords functions never called.
    unused_keywords: tuple[str, ...] = ()

    @property
    def out_of_date(self) -> tuple[FileResult, ...]:
        """Files created, updated or deleted (or that would be, without writing), and conflicts."""
        return tuple(f for f in self.files if f.status in OUT_OF_DATE)

    @property
    def exit_code(self) -> int:
        """0 ok, 1 differences or a blocking hand-written file, 2 source errors, 3 setup, 4 a bug."""
        kinds = {p.kind for p in self.problems}
        if "internal" in kinds:
            return 4
        if kinds & {"unsafe", "io"}:
            return 3
        if "source" in kinds:
            return 2
        if any(f.status is Status.CONFLICT for f in self.files):
            return 1
        if self.check and self.out_of_date:
            return 1
        return 0
