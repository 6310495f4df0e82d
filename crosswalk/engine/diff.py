"""`crosswalk diff`: a semantic diff of two JSON documents, with JSON Pointer paths, built on DeepDiff.

Semantic means: object key order never matters, numbers compare by their exact value (``1`` equals ``1.0``;
``9007199254740993`` is not ``9007199254740992``, nor ``1e-13`` ``0``), ``true`` and ``false`` are no numbers
(Python's ``True == 1`` does not hold here), and the lists named in ``UNORDERED`` are compared as multisets (an
entry listed twice differs from one listed once): STAC gives no meaning to the order of ``stac_extensions`` (a set
of schema URIs) or of ``links`` (relations), and converters append what they add at the end. Every other list
(bands, inputs, shapes, roles, ...) is compared position by position. ``unordered=()`` compares every list by
position.

Each difference is ``{"path", "status", "old"?, "new"?}`` with status ``added`` (only in B), ``removed`` (only
in A) or ``changed`` (both, different values). Paths are RFC 6901 pointers into A for ``removed`` and
``changed``, into B for ``added``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from crosswalk.language.pointer import Path, parse_pointer, to_pointer

UNORDERED: tuple[str, ...] = ("/stac_extensions", "/links")

_KINDS = {
    "dictionary_item_added": "added",
    "iterable_item_added": "added",
    "dictionary_item_removed": "removed",
    "iterable_item_removed": "removed",
    "values_changed": "changed",
    "type_changes": "changed",
}


def _path(level: Any, in_b: bool = False) -> Path:
    """The place of a difference in A, or in B (``in_b``: an unordered list pairs members at other indices)."""
    return tuple(str(p) for p in level.path(output_format="list", use_t2=in_b))


class _JsonTrue:
    """``true`` while diffing: a class of its own, so it never equals the number 1 (nor ``false`` 0)."""


class _JsonFalse:
    """``false`` while diffing."""


_FLAGS = {True: _JsonTrue(), False: _JsonFalse()}


def _mark(value: Any) -> Any:
    """A copy of ``value`` with every boolean replaced by its flag object (documents are read with a bounded
    depth: crosswalk.io.limits)."""
    if isinstance(value, bool):
        return _FLAGS[value]
    if isinstance(value, dict):
        return {k: _mark(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark(v) for v in value]
    return value


def _unmark(value: Any) -> Any:
    """``_mark`` undone (on the values a difference reports)."""
    if isinstance(value, (_JsonTrue, _JsonFalse)):
        return isinstance(value, _JsonTrue)
    if isinstance(value, dict):
        return {k: _unmark(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unmark(v) for v in value]
    return value


def diff(a: Any, b: Any, *, unordered: Iterable[str] = UNORDERED) -> list[dict[str, Any]]:
    """The differences from ``a`` to ``b``, sorted by path (then status). Empty when they are equal."""
    from deepdiff import DeepDiff

    sets = {parse_pointer(p) for p in unordered}
    result = DeepDiff(
        _mark(a),
        _mark(b),
        view="tree",
        threshold_to_diff_deeper=0,
        # an int and a float of the same value are one JSON number; their values compare exactly (DeepDiff's
        # ignore_numeric_type_changes compares numbers as text rounded to 12 significant digits)
        ignore_type_in_groups=[(int, float)],
        ignore_order_func=(lambda level: _path(level) in sets) if sets else None,
        report_repetition=bool(sets),
    )
    out: list[dict[str, Any]] = []
    for kind, status in _KINDS.items():
        for level in result.get(kind, []):
            entry: dict[str, Any] = {"path": to_pointer(_path(level, status == "added")), "status": status}
            if status in ("removed", "changed"):
                entry["old"] = _unmark(level.t1)
            if status in ("added", "changed"):
                entry["new"] = _unmark(level.t2)
            out.append(entry)
    for level in result.get("repetition_change", []):  # a multiset member listed more or fewer times
        times = level.additional["repetition"]
        parent = _path(level)[:-1]
        if times["new_repeat"] > times["old_repeat"]:
            extra = [("added", "new", i) for i in times["new_indexes"][times["old_repeat"] :]]
        else:
            extra = [("removed", "old", i) for i in times["old_indexes"][times["new_repeat"] :]]
        for status, side, i in extra:
            out.append({"path": to_pointer(parent + (str(i),)), "status": status, side: _unmark(level.t1)})
    out.sort(key=lambda e: (parse_pointer(e["path"]), e["status"]))
    return out


def _short(value: Any, limit: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def render_text(diffs: list[dict[str, Any]]) -> str:
    """One line per difference: ``+`` added, ``-`` removed, ``~`` changed (old -> new)."""
    lines = []
    for d in diffs:
        path = d["path"] or "/"
        if d["status"] == "added":
            lines.append(f"+ {path}: {_short(d['new'])}")
        elif d["status"] == "removed":
            lines.append(f"- {path}: {_short(d['old'])}")
        else:
            lines.append(f"~ {path}: {_short(d['old'])} -> {_short(d['new'])}")
    return "\n".join(lines)


def render(diffs: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"equal": not diffs, "differences": diffs}, indent=2, ensure_ascii=False)
    return render_text(diffs) if diffs else "no differences"


__all__ = ["UNORDERED", "diff", "render", "render_text"]
