"""A lenient reader for hand-written legacy files: JSON with comments and trailing commas, or YAML.

Only *text-level* defects are repaired here. Structural defects of
the parsed document (``assets`` as a list, ``role`` for ``roles``, unclosed rings, numbers where strings belong)
are repaired by ledger-accounted transforms (``dlm.repair_*``), so they appear in the report with their paths.

Each repair is returned as a report entry ``{"path": "", "status": "repaired", "reason": "line N: ..."}``.
"""

from __future__ import annotations

from typing import Any

from crosswalk.errors import ReadError
from crosswalk.io.limits import LimitError
from crosswalk.io.parse import duplicate_keys, is_yaml, load_json, load_yaml, parse_text, yaml_duplicate_keys

__all__ = ["lenient_duplicate_keys", "parse_lenient", "strip_jsonc"]


READ_AS_YAML = "not JSON; read as YAML"

def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _said(comment: str, shown: int = 80) -> str:
    """What a removed comment said, on one line and cut short: a comment may say something about the data (the
    input's shape, a unit) that the document no longer does."""
    words = " ".join(comment.split())
    return repr(words if len(words) <= shown else words[: shown - 1] + "…")


def strip_jsonc(text: str) -> tuple[str, list[str]]:
    """Remove ``//`` and ``/* */`` comments and trailing commas outside strings.

    Removed characters become spaces (newlines are kept), so line and column numbers of any later JSON error
    still point into the original text. Returns the cleaned text and one message per repair.
    """
    out = list(text)
    notes: list[str] = []
    n = len(text)
    i = 0
    in_string = False
    last_comma: int | None = None  # index of a comma outside strings not yet followed by a value
    while i < n:
        c = text[i]
        if in_string:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_string = False
            i += 1
            continue
        if c == '"':
            in_string = True
            last_comma = None
            i += 1
            continue
        if c == "/" and i + 1 < n and text[i + 1] == "/":
            end = text.find("\n", i)
            end = n if end == -1 else end
            notes.append(f"line {_line_of(text, i)}: // comment removed (JSON has no comments): "
                         f"{_said(text[i + 2:end])}")
            for k in range(i, end):
                out[k] = " "
            i = end
            continue
        if c == "/" and i + 1 < n and text[i + 1] == "*":
            end = text.find("*/", i + 2)
            end = n if end == -1 else end + 2
            notes.append(f"line {_line_of(text, i)}: /* */ comment removed (JSON has no comments): "
                         f"{_said(text[i + 2:end - 2 if text.endswith('*/', 0, end) else end])}")
            for k in range(i, end):
                if out[k] != "\n":
                    out[k] = " "
            i = end
            continue
        if c == ",":
            last_comma = i
        elif c in "]}":
            if last_comma is not None:
                out[last_comma] = " "
                notes.append(f"line {_line_of(text, last_comma)}: trailing comma before '{c}' removed")
            last_comma = None
        elif not c.isspace():
            last_comma = None
        i += 1
    return "".join(out), notes


def _entries(notes: list[str]) -> list[dict[str, Any]]:
    return [{"path": "", "status": "repaired", "reason": note} for note in notes]


def parse_lenient(text: str, href: str) -> tuple[Any, list[dict[str, Any]]]:
    """Parse ``text`` as strict JSON, else as JSON with comments/trailing commas, else as YAML.

    Returns ``(document, repairs)``; ``repairs`` is empty when the text was strict JSON (or a ``.yaml``/``.yml``
    file, for which YAML is the format, not a repair). Raises ReadError with the strict JSON error when nothing
    parses.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if is_yaml(href or ""):
        return parse_text(text, href, yaml_ok=True), []
    try:
        return load_json(text, href), []
    except LimitError:
        raise
    except ReadError as e:
        strict_error = e
    cleaned, notes = strip_jsonc(text)
    if notes:
        try:
            return load_json(cleaned, href), _entries(notes)
        except LimitError:
            raise
        except ReadError:
            pass
    try:
        doc = load_yaml(text, href)
    except LimitError:
        raise
    except ReadError:
        doc = None
    if isinstance(doc, (dict, list)):
        return doc, [{"path": "", "status": "repaired", "reason": READ_AS_YAML}]
    raise strict_error


def lenient_duplicate_keys(text: str, doc: Any, repairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The keys written twice in a text `parse_lenient` read as JSON (``repairs``: what it returned), read key by
    key with its comments and trailing commas stripped (what it read as YAML: as YAML). One check for a single file
    and a bulk run, so that both report the same."""
    if any(r["reason"] == READ_AS_YAML for r in repairs):
        return yaml_duplicate_keys(text)
    return duplicate_keys(text, doc, clean=lambda t: strip_jsonc(t)[0])
