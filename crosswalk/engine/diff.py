"""`crosswalk diff`: a semantic diff of two JSON documents, with JSON Pointer paths, built on DeepDiff.

Semantic means: object key order never matters, numbers compare by value (``1`` equals ``1.0``), and the lists
named in ``UNORDERED`` are compared as multisets: STAC gives no meaning to the order of ``stac_extensions`` (a set
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


def _path(level: Any) -> Path:
    return tuple(str(p) for p in level.path(output_format="list"))


def diff(a: Any, b: Any, *, unordered: Iterable[str] = UNORDERED) -> list[dict[str, Any]]:
    """The differences from ``a`` to ``b``, sorted by path (then status). Empty when they are equal."""
    from deepdiff import DeepDiff

    sets = {parse_pointer(p) for p in unordered}
    result = DeepDiff(
        a,
        b,
        view="tree",
        threshold_to_diff_deeper=0,
        ignore_numeric_type_changes=True,
        ignore_order_func=(lambda level: _path(level) in sets) if sets else None,
    )
    out: list[dict[str, Any]] = []
    for kind, status in _KINDS.items():
        for level in result.get(kind, []):
            entry: dict[str, Any] = {"path": to_pointer(_path(level)), "status": status}
            if status in ("removed", "changed"):
                entry["old"] = level.t1
            if status in ("added", "changed"):
                entry["new"] = level.t2
            out.append(entry)
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
