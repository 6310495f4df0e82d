"""Errors that stop a conversion. Losses and validation findings are data in the report, never exceptions."""

from __future__ import annotations


class CrosswalkError(Exception):
    """Base class: ``str(err)`` is one line naming the file and, where there is one, the JSON path."""

    def __init__(self, message: str, *, href: str | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.href = href
        self.path = path

    def __str__(self) -> str:
        where = self.href or "<document>"
        if self.path is not None:
            where += f" at {self.path or '/'}"
        return f"{where}: {self.message}"


class ReadError(CrosswalkError):
    """The file cannot be read or parsed."""


class FormatError(CrosswalkError):
    """Not a STAC ML-model document, or an unknown version of a known extension."""


class PlanError(CrosswalkError):
    """No migration path between two formats."""


class SpecError(CrosswalkError):
    """A mapping file is malformed; names the file and line."""

    def __init__(self, message: str, *, file: str, line: int | None = None) -> None:
        super().__init__(message, href=f"{file}:{line}" if line else file)


class RuleError(CrosswalkError):
    """A rule crashed on a document: names the data path and the rule (file, line, op) like glom does."""

    def __init__(self, message: str, *, href: str | None, path: str | None, rule: str) -> None:
        super().__init__(f"{message} [rule {rule}]", href=href, path=path)
        self.rule = rule
