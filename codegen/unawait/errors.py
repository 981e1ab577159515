"""The errors unawait reports: bad configuration, and source it refuses to convert."""

from __future__ import annotations


class UnawaitError(Exception):
    """Base class of every error unawait raises on purpose."""


class ConfigError(UnawaitError):
    """The [tool.unawait] table or the command line is wrong."""


class SourceError(UnawaitError):
    """Source code unawait cannot convert safely; carries path:line:col and a hint."""

    def __init__(
        self,
        message: str,
        *,
        line: int = 0,
        column: int = 0,
        hint: str = "",
        path: str = "<string>",
    ):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint
        self.path = path

    def with_path(self, path: str) -> SourceError:
        """The same error, located in a named file."""
        return SourceError(self.message, line=self.line, column=self.column, hint=self.hint, path=path)

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.column}: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text
