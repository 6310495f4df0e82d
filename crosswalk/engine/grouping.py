"""Grouping report entries for people: the fields of a list that share a fate and a reason become one line.

A report names every leaf (``/selected_bands/0`` … ``/selected_bands/13``, each with the same long reason); a
reader wants one line per subtree and reason. Entries group when they have the same status and reason and their
paths differ only in array indices; the varying indices are shown as a range (``0…13``) or a list (``0,2,5``).
The JSON report is never grouped: this is only how the text and markdown renderings read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from crosswalk.language.pointer import parse_pointer, to_pointer


@dataclass
class Group:
    """Entries (or issues) with one status/severity, one reason/message and one path shape."""

    status: str
    reason: str
    paths: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    below: int = 0  # entries below these paths with the same status and reason, folded into this line

    @property
    def path(self) -> str:
        """The paths of the group as one pointer with index ranges (``/a/0…13/b``)."""
        return collapse(self.paths)[0]

    @property
    def size(self) -> int:
        return len(self.paths) + self.below

    @property
    def targets(self) -> list[str]:
        """The ``to`` pointers of every entry, collapsed the same way (first-seen order, no repeats), without
        those below another of them (the line names the subtree)."""
        tops = [t for t in self.to if not any(t.startswith(o + "/") for o in self.to if o != t)]
        return collapse(tops)


def _segments(pointer: str) -> tuple[str, ...]:
    try:
        return parse_pointer(pointer)
    except ValueError:  # not a pointer (a message about the whole text): one opaque segment
        return (pointer,)


def _shape(segments: Sequence[str]) -> tuple[str, ...]:
    return tuple("*" if s.isdigit() else s for s in segments)


def _indices(values: Iterable[int]) -> str:
    nums = sorted(set(values))
    if len(nums) == 1:
        return str(nums[0])
    if nums == list(range(nums[0], nums[-1] + 1)):
        return f"{nums[0]}…{nums[-1]}"
    return ",".join(map(str, nums))


def collapse(pointers: Iterable[str]) -> list[str]:
    """Pointers that differ only in array indices, written once each with the indices as ranges; the result
    keeps the order in which each shape first appears."""
    by_shape: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for p in pointers:
        segments = _segments(p)
        by_shape.setdefault(_shape(segments), []).append(segments)
    out = []
    for shape, members in by_shape.items():
        if len(members) == 1:
            out.append(to_pointer(members[0]) or "/")
            continue
        parts = []
        for i, s in enumerate(shape):
            parts.append(_indices(int(m[i]) for m in members) if s == "*" else s)
        out.append(_join(parts))
    return out


def _join(parts: Sequence[str]) -> str:
    """A pointer from segments that may hold ranges (``…`` and ``,`` are never escaped; the rest is)."""
    if not parts:
        return "/"
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def group_fields(fields: Iterable[dict[str, Any]], *, include_kept: bool = False) -> list[Group]:
    """Report entries grouped by status, reason and path shape, in the order groups first appear."""
    groups: dict[tuple[str, str, tuple[str, ...]], Group] = {}
    for e in fields:
        if e["status"] == "kept" and not include_kept:
            continue
        reason = e.get("reason", "")
        key = (e["status"], reason, _shape(_segments(e["path"])))
        g = groups.setdefault(key, Group(e["status"], reason))
        g.paths.append(e["path"])
        g.to.extend(t for t in e.get("to", []) if t not in g.to)
    return _fold_descendants(groups)


def _fold_descendants(groups: dict[tuple[str, str, tuple[str, ...]], Group]) -> list[Group]:
    """A group whose paths all lie below another group's paths, with the same status and reason, is part of that
    subtree's line (``/links/3`` and ``/links/3/rel``, both lossy for one reason, are one line)."""
    out: list[Group] = []
    kept: list[tuple[tuple[str, str, tuple[str, ...]], Group]] = []
    for key, g in groups.items():
        status, reason, shape = key
        parent = None
        for (s2, r2, shape2), h in kept:
            if (s2, r2) == (status, reason) and len(shape2) < len(shape) and shape[: len(shape2)] == shape2:
                prefixes = {_segments(p) for p in h.paths}
                if all(_segments(p)[: len(shape2)] in prefixes for p in g.paths):
                    parent = h
                    break
        if parent is None:
            kept.append((key, g))
            out.append(g)
            continue
        parent.below += g.size
        parent.to.extend(t for t in g.to if t not in parent.to)
    return out


def group_issues(issues: Iterable[dict[str, Any]]) -> list[Group]:
    """Validation findings grouped by severity, message and path shape."""
    groups: dict[tuple[str, str, tuple[str, ...]], Group] = {}
    for i in issues:
        severity = i.get("severity", "error")
        key = (severity, i["message"], _shape(_segments(i.get("path") or "")))
        groups.setdefault(key, Group(severity, i["message"])).paths.append(i.get("path") or "")
    return list(groups.values())
