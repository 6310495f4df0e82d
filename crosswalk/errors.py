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
    """Not a STAC ML-model document, or an unknown version of a known extension.

    ``no_extension`` is True for a document carrying no ML-model extension at all (no schema URI, no fields),
    told apart from an unknown version of a known extension, which crosswalk cannot read: a bulk run copies a STAC
    document of the first kind unchanged, while the other fails."""

    no_extension: bool = False


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


class InternalError(CrosswalkError):
    """crosswalk broke its own contract (a report that does not account for the output): a bug, never the
    user's fault, so the conversion fails instead of writing a document whose report is wrong."""


class OptionError(CrosswalkError, ValueError):
    """The options cannot work together (an output that is an input, an output directory inside the input tree):
    a usage error, decided before anything is read or written (the CLI exits 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


class BusyError(CrosswalkError):
    """Another crosswalk run holds the tree's lock."""


class WorkerLost(CrosswalkError):
    """A worker process of a bulk run died (killed by a signal, the out-of-memory killer perhaps): the tasks it and
    the other workers held are lost, so the run stops instead of waiting for them."""

    def __str__(self) -> str:
        return self.message


_JSON_KINDS = ((dict, "an object"), (list, "an array"), (str, "a string"), (bool, "a boolean"), (int, "a number"),
               (float, "a number"), (type(None), "null"))

_CRASH_WORDS = {
    AttributeError: "a value of another type than the rule expects",
    TypeError: "a value of another type than the rule expects",
    KeyError: "a field the rule needs is missing",
    IndexError: "an array shorter than the rule needs",
    ValueError: "a value the rule cannot read",
    ZeroDivisionError: "a zero where the rule divides by it",
    OverflowError: "a number too large for the rule",
    RecursionError: "a value nested too deep",
}


def json_kind(value: object) -> str:
    """``an object``, ``an array``, ``a string``, ... (the words a user of JSON knows)."""
    for cls, word in _JSON_KINDS:
        if isinstance(value, cls):
            return word
    return "a value"


def crash_message(exc: BaseException, found: object) -> str:
    """A rule or transform crash in a user's words: what the data held where the rule looked, not the Python
    exception (which stays chained on the error for debugging)."""
    words = next((w for cls, w in _CRASH_WORDS.items() if isinstance(exc, cls)), "a value the rule cannot handle")
    if found is ...:  # the path the rule was at holds nothing
        return f"cannot convert here (nothing at this path): {words}"
    return f"cannot convert {json_kind(found)} here: {words}"
