"""The pure core: one async module's source text in, its sync twin's source text out."""

from __future__ import annotations

from dataclasses import dataclass

from .config import Config
from .scan import ProjectNames


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
    """The generated code and every change that made it."""

    code: str
    changes: tuple[Change, ...]


def transform_module(
    source: str,
    config: Config | None = None,
    *,
    path: str = "<string>",
    project: ProjectNames | None = None,
) -> Output:
    """Convert one module; raises SourceError (with path:line:col and a hint) on what it cannot convert."""
    raise NotImplementedError  # being written


def generate_module(
    source: str,
    config: Config | None = None,
    *,
    path: str = "<string>",
    project: ProjectNames | None = None,
) -> str:
    """The sync twin of one async module, as text."""
    return transform_module(source, config, path=path, project=project).code
