"""Input limits: what a document may be before crosswalk agrees to work on it.

A hostile or broken file must cost one clear line (file and JSON path), never a hang, a crash or gigabytes of
memory. Every parsed document passes through `sanitize`, which walks it once (iteratively, so depth itself
cannot crash it) and

* refuses nesting deeper than `MAX_DEPTH` (real STAC ML-model documents nest about ten levels; the code that
  follows recurses, so a 1,000-deep document would exhaust the interpreter's stack),
* refuses integers longer than `MAX_INT_DIGITS` digits and values JSON cannot carry (YAML ``!!binary``, sets),
* repairs NaN and ±Infinity (not JSON) to ``null`` and lone UTF-16 surrogates (not text) to U+FFFD, each
  reported ``repaired`` at its path, so the output is always standard JSON.

File sizes are checked before reading (`check_size`), YAML alias expansion in `crosswalk.io.documents`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from crosswalk.errors import ReadError
from crosswalk.language.pointer import to_pointer

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_INT_DIGITS", "MAX_YAML_EXPANSION", "LimitError", "check_size", "sanitize"]

MAX_DEPTH = 40
MAX_BYTES = 64 * 1024 * 1024  # one document (a file, or one line of an ndjson file)
MAX_LINES_FILE_BYTES = 1024 * 1024 * 1024  # an ndjson file, read line by line
MAX_INT_DIGITS = 1000
MAX_YAML_EXPANSION = 10_000  # nodes that YAML aliases may add on top of the document's own

SURROGATE = re.compile("[\ud800-\udfff]")  # any left in a parsed str is alone (parsers join pairs)


class LimitError(ReadError):
    """The document exceeds an input limit."""


class BigInt:
    """An integer literal too long to convert (the JSON parser's ``parse_int`` hook returns it instead);
    `sanitize` refuses it with its path."""

    __slots__ = ("digits",)

    def __init__(self, text: str) -> None:
        self.digits = len(text.lstrip("-"))


def parse_int(text: str) -> int | BigInt:
    """``json.loads(parse_int=...)``: Python refuses integers over 4,300 digits with a ValueError that names no
    place; a marker lets `sanitize` say where it is."""
    if len(text) > MAX_INT_DIGITS:
        return BigInt(text)
    return int(text)


def check_size(size: int, href: str, limit: int = MAX_BYTES) -> None:
    if size > limit:
        raise LimitError(f"{_mib(size)} is over the {_mib(limit)} limit for one document", href=href)


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


_SMALL = 1 << 64


def _plain(value: Any) -> bool:
    """The common scalars, which need no look (a cheap test: the walk sees every value)."""
    return value is None or value is True or value is False or (type(value) is int and -_SMALL < value < _SMALL)


def sanitize(doc: Any, href: str | None) -> list[dict[str, Any]]:
    """Check ``doc`` (freshly parsed; repaired in place) against the limits; returns the repairs as report
    entries. Raises LimitError (one line: file, path, what) for what cannot be repaired."""
    repairs: list[dict[str, Any]] = []
    # (container, path): the walk holds paths only for containers, scalars are checked where they sit
    stack: list[tuple[Any, tuple[str, ...]]] = [(doc, ())]
    if not isinstance(doc, (dict, list)):
        holder = [doc]
        _scalar(holder, 0, (), href, repairs)
        return repairs
    while stack:
        node, path = stack.pop()
        if len(path) >= MAX_DEPTH:
            raise LimitError(f"nested more than {MAX_DEPTH} levels deep", href=href, path=to_pointer(path))
        if isinstance(node, dict):
            for key in reversed(list(node)):  # popped in document order: the first offence is named
                if not isinstance(key, str):  # pragma: no cover - parsers give str keys (YAML is converted first)
                    raise LimitError("a key that is not a string", href=href, path=to_pointer(path))
                if SURROGATE.search(key):
                    raise LimitError("a key with a lone UTF-16 surrogate (not text)", href=href, path=to_pointer(path))
                value = node[key]
                if isinstance(value, (dict, list)):
                    stack.append((value, path + (key,)))
                elif not _plain(value):
                    _scalar(node, key, path + (key,), href, repairs)
        else:
            for i in range(len(node) - 1, -1, -1):
                value = node[i]
                if isinstance(value, (dict, list)):
                    stack.append((value, path + (str(i),)))
                elif not _plain(value):
                    _scalar(node, i, path + (str(i),), href, repairs)
    repairs.sort(key=lambda r: r["path"])  # a stable order whatever the walk's order was
    return repairs


def _scalar(holder: Any, key: Any, path: tuple[str, ...], href: str | None, repairs: list[dict[str, Any]]) -> None:
    value = holder[key]
    if isinstance(value, str):
        if SURROGATE.search(value):  # parsers join valid pairs: any surrogate left in a str is alone
            holder[key] = SURROGATE.sub("\ufffd", value)
            repairs.append(_repair(path, SURROGATE_REPAIRED))
        return
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if value.bit_length() > MAX_INT_DIGITS * 3.33:  # a YAML integer (JSON's are caught by parse_int)
            raise LimitError(f"an integer of more than {MAX_INT_DIGITS} digits", href=href, path=to_pointer(path))
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            holder[key] = None
            if math.isnan(value):
                why = NAN_REPAIRED
            else:
                why = INFINITY_REPAIRED if value > 0 else "-" + INFINITY_REPAIRED
            repairs.append(_repair(path, why))
        return
    if isinstance(value, BigInt):
        raise LimitError(f"an integer of {value.digits} digits (more than {MAX_INT_DIGITS})", href=href,
                         path=to_pointer(path))
    what = {bytes: "binary data (YAML !!binary)", set: "a set (YAML !!set)"}.get(type(value), type(value).__name__)
    raise LimitError(f"{what} is not a JSON value", href=href, path=to_pointer(path))


def _repair(path: tuple[str, ...], reason: str) -> dict[str, Any]:
    return {"path": to_pointer(path), "status": "repaired", "reason": reason}


# the reasons of `sanitize`'s repairs: each a value (a leaf) changed in place, not a fix of the text around values
NAN_REPAIRED = "NaN is not JSON: replaced by null"
INFINITY_REPAIRED = "Infinity (or a number beyond a double's range) is not JSON: replaced by null"
SURROGATE_REPAIRED = "a lone UTF-16 surrogate (not text) replaced by U+FFFD"
_VALUE_REPAIRS = frozenset((NAN_REPAIRED, INFINITY_REPAIRED, "-" + INFINITY_REPAIRED, SURROGATE_REPAIRED))


def is_value_repair(entry: dict[str, Any]) -> bool:
    """A repair entry of `sanitize`: one leaf's value replaced while reading (a key written twice, also repaired
    at its path, is not one: its value is read as written, the earlier ones are what is lost)."""
    return entry.get("status") == "repaired" and "to" not in entry and entry.get("reason") in _VALUE_REPAIRS
