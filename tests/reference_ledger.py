"""The ledger as it was before accounting by exception, kept as the oracle of tests/test_ledger.py: it gives every
source leaf its Origin up front and folds them all, one leaf at a time. The engine's ledger records only what events
touch and folds untouched subtrees as one item; for any events on any document both must give the same entries.

(Copied from crosswalk/engine/ledger.py before that change, apart from this docstring; since then, like the
engine, a leaf inside a value made whole is read as that, before any relocation its place happens to look like.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crosswalk.language.pointer import Path, leaves, to_pointer

# Worse statuses win when a leaf passes through several rules.
RANK = {"kept": 0, "moved": 1, "transformed": 2, "repaired": 3, "lossy": 4, "dropped": 5}
CREATED = ("invented", "filled")


@dataclass(eq=False)
class Origin:
    path: Path  # source path; for invented/filled values the output path where it was created
    status: str = "kept"
    reasons: list[str] = field(default_factory=list)
    step: str | None = None
    locs: set[Path] = field(default_factory=set)
    created: bool = False  # invented/filled: path is an output path, not a source path
    empty: bool = False  # an empty object/array of the source: what is later written into it is not from it
    whole_at: int | None = None  # depth of the source subtree that became one value with this leaf in it

    def note(self, status: str, reason: str | None, step: str | None) -> None:
        if self.created:
            return  # an invented value stays invented wherever later rules move it
        if RANK[status] >= RANK[self.status]:
            self.status = status
        if reason and reason not in self.reasons:
            self.reasons.append(reason)
        if status != "kept":
            self.step = step


class _Node:
    __slots__ = ("children", "origins")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.origins: list[Origin] = []


class Ledger:
    """Tracks source leaves through the edits of a conversion."""

    def __init__(self, source: Any) -> None:
        self.root = _Node()
        self.origins: list[Origin] = []
        self.step: str | None = None
        for path, value in leaves(source):
            o = Origin(path=path, locs={path}, empty=isinstance(value, (dict, list)))
            self.origins.append(o)
            self._node(path, create=True).origins.append(o)

    # -- trie plumbing -------------------------------------------------------------------------------
    def _node(self, path: Path, create: bool = False) -> _Node | None:
        node = self.root
        for key in path:
            nxt = node.children.get(key)
            if nxt is None:
                if not create:
                    return None
                nxt = node.children[key] = _Node()
            node = nxt
        return node

    def detach(self, path: Path) -> list[tuple[Path, Origin]]:
        """Remove the subtree at ``path``; return (relative path, origin) for everything in it."""
        if not path:
            node, self.root = self.root, _Node()
        else:
            parent = self._node(path[:-1])
            node = parent.children.pop(path[-1], None) if parent else None
        out: list[tuple[Path, Origin]] = []
        if node is None:
            return out
        stack: list[tuple[Path, _Node]] = [((), node)]
        while stack:
            rel, n = stack.pop()
            for o in n.origins:
                o.locs.discard(path + rel)
                out.append((rel, o))
            for k, child in n.children.items():
                stack.append((rel + (k,), child))
        return out

    def _ancestors(self, path: Path) -> list[Origin]:
        """Origins sitting at strict ancestors of ``path`` (a value replaced as a whole, then edited inside).

        An empty object or array of the source is no such value: whatever later lands inside it came from
        elsewhere, so it does not follow its new contents."""
        found: list[Origin] = []
        node = self.root
        for key in path[:-1] if path else ():
            found.extend(o for o in node.origins if not o.empty)
            node = node.children.get(key)
            if node is None:
                return found
        if path:
            found.extend(o for o in node.origins if not o.empty)
        return found

    def attach(self, path: Path, origin: Origin) -> None:
        if path in origin.locs:
            return
        origin.locs.add(path)
        self._node(path, create=True).origins.append(origin)

    # -- events -----------------------------------------------------------------------------------------
    def relocate(
        self, src: Path, dsts: list[Path], status: str, reason: str | None = None, *, whole: bool = False
    ) -> None:
        """Everything at ``src`` now lives at each of ``dsts`` (none: dropped).

        ``whole``: the subtree at ``src`` became each of ``dsts`` as one value (an object folded into a line of
        text), so every leaf lands on the destination itself, not on a same-named place below it."""
        for o in self._ancestors(src):
            # A value that was transformed as a whole, now partly moved elsewhere: it still covers the new place.
            for d in dsts:
                self.attach(d, o)
        for rel, o in self.detach(src):
            for d in dsts:
                self.attach(d if whole else d + rel, o)
            if whole and dsts:
                depth = max(len(o.path) - len(rel), 0)
                o.whole_at = depth if o.whole_at is None else min(o.whole_at, depth)
            if dsts:
                o.note(status, reason, self.step)
            elif not o.locs:  # gone everywhere (a removed copy leaves the value alive elsewhere)
                o.note("dropped", reason, self.step)
            elif o.status == "kept" and o.path not in o.locs:  # now only where it was copied: moved there
                o.note("moved", reason, self.step)

    def copy(self, src: Path, dst: Path, reason: str | None = None, *, whole: bool = False) -> list[Origin]:
        """The value at ``src`` stays and is also written to ``dst``; returns the origins that now cover ``dst``.

        Origins recorded on an ancestor of ``src`` (a value transformed or invented as a whole, then read in
        part) cover the copy too, as ``relocate`` treats them. ``whole``: ``dst`` is made from the whole of
        ``src`` in another shape (a shape list becoming one tensor size), so every leaf lands on ``dst`` itself
        rather than on a same-named place below it that the output does not have."""
        found: list[Origin] = []
        for o in self._ancestors(src):
            self.attach(dst, o)
            found.append(o)
        for o in self.take(src):
            for loc in [loc for loc in o.locs if loc[: len(src)] == src]:
                self.attach(dst if whole else dst + loc[len(src) :], o)
            found.append(o)
        unique = list(dict.fromkeys(found))
        for o in unique:
            if reason and reason not in o.reasons:
                o.reasons.append(reason)
        return unique

    def mark(self, path: Path, status: str, reason: str | None = None) -> None:
        """The value at ``path`` changed in place."""
        node = self._node(path)
        if node is None:
            return
        stack = [node]
        while stack:
            n = stack.pop()
            for o in n.origins:
                o.note(status, reason, self.step)
            stack.extend(n.children.values())

    def create(self, path: Path, status: str, reason: str) -> None:
        """A value with no source appears at ``path`` (invented or filled)."""
        o = Origin(path=path, status=status, reasons=[reason], step=self.step, created=True)
        self.origins.append(o)
        self.attach(path, o)

    def take(self, path: Path) -> list[Origin]:
        """Origins at or below ``path`` (read-only view for checks)."""
        node = self._node(path)
        out: list[Origin] = []
        stack = [node] if node else []
        while stack:
            n = stack.pop()
            out.extend(n.origins)
            stack.extend(n.children.values())
        return out

    # -- report -----------------------------------------------------------------------------------------
    def entries(self) -> list[dict[str, Any]]:
        """Report entries (the report contract), uniform subtrees folded into one entry at their root."""
        source = [o for o in self.origins if not o.created]
        created = [o for o in self.origins if o.created]
        out: list[dict[str, Any]] = []
        _fold((), source, out, None, _vote_weights(source))
        for o in created:
            if not o.locs:
                continue
            for loc in sorted(o.locs):
                e: dict[str, Any] = {"path": to_pointer(loc), "status": o.status}
                if o.step:
                    e["step"] = o.step
                e["reason"] = "; ".join(o.reasons)
                out.append(e)
        return out


def _key(o: Origin) -> tuple:
    return (o.status, tuple(o.reasons), o.step)


def _bases(o: Origin, rel: Path) -> frozenset[Path] | None:
    """Where the subtree root must sit for ``o`` to be at its locations; None if not a pure relocation."""
    n = len(rel)
    bases = set()
    for loc in o.locs:
        if n and loc[-n:] != rel:
            return None
        bases.add(loc[: len(loc) - n] if n else loc)
    return frozenset(bases)


def _fate(o: Origin, rel: Path) -> tuple | None:
    """Where a subtree's leaf went, seen from the subtree root ``rel`` above it: (key, bases, whole).

    A pure relocation gives the bases the subtree root must sit at (whole False); within a subtree that became
    one value, the leaf's own locations (whole True: every leaf below lands there, nothing is derived). At the
    leaf itself both read the same (whole None). None: neither (the leaf went to unrelated places)."""
    if rel and o.locs and o.whole_at is not None and len(o.path) - len(rel) >= o.whole_at:
        return (_key(o), frozenset(o.locs), True)  # inside a value made whole, whatever its place ends like
    bases = _bases(o, rel)
    if bases is not None:
        return (_key(o), bases, False if rel else None)
    return None


def _same(a: tuple | None, b: tuple | None) -> bool:
    """Fates equal, a leaf's own (whole None) matching either kind of heading with the same places."""
    if a is None or b is None:
        return a is b
    return a[:2] == b[:2] and (a[2] == b[2] or a[2] is None or b[2] is None)


def _vote_weights(items: list[Origin]) -> dict[int, list[float]]:
    """Votes: every node shares its vote equally among its children, so a long list does not outvote its
    siblings (36 repaired band names should not make a whole input object "repaired"). weights[id(o)][d] is
    the share of leaf ``o`` in the vote of its ancestor at depth d; computed once for the whole fold."""
    children: dict[Path, set[str]] = {}
    for o in items:
        for level in range(len(o.path)):
            children.setdefault(o.path[:level], set()).add(o.path[level])
    weights: dict[int, list[float]] = {}
    for o in items:
        w = [1.0] * (len(o.path) + 1)
        for level in range(len(o.path) - 1, -1, -1):
            w[level] = w[level + 1] / len(children[o.path[:level]])
        weights[id(o)] = w
    return weights


_UNTOUCHED = ("kept", (), None)


def _fold(
    prefix: Path,
    items: list[Origin],
    out: list[dict[str, Any]],
    inherited: tuple | None,
    weights: dict[int, list[float]],
) -> None:
    """Emit entries for ``items`` (all under ``prefix``): the most common fate of a subtree becomes one entry at
    its root, and only the leaves that differ get entries below it (the most specific entry wins)."""
    depth = len(prefix)
    if (
        inherited is not None
        and inherited[0] == _UNTOUCHED
        and inherited[1] == frozenset((prefix,))
        and all(o.status == "kept" and not o.reasons and len(o.locs) == 1 and o.path in o.locs for o in items)
    ):
        return  # an untouched subtree under a kept-in-place heading: nothing to say (the common case)
    fates: list[tuple | None] = []
    votes: dict[tuple, float] = {}
    counts: dict[tuple, int] = {}
    for o in items:
        fate = _fate(o, o.path[depth:])
        if fate is not None and fate[2] is None and inherited is not None and _same(fate, inherited):
            fate = inherited  # a leaf where its heading puts it
        fates.append(fate)
        if fate is not None:
            votes[fate] = votes.get(fate, 0.0) + weights[id(o)][depth]
            counts[fate] = counts.get(fate, 0) + 1
    if inherited is not None and all(_same(f, inherited) for f in fates):
        return
    current = inherited
    if votes:
        best = max(votes, key=lambda f: votes[f])  # first in document order on ties (dicts keep order)
        # a heading entry only for a clear majority (at least half the votes), so it never misleads
        if not _same(best, inherited) and votes[best] >= 0.5 and (counts[best] >= 2 or counts[best] == len(items)):
            out.append(_entry(prefix, items[fates.index(best)], sorted(best[1])))
            current = best
    groups: dict[str, list[Origin]] = {}
    for o, fate in zip(items, fates, strict=True):
        if len(o.path) == depth:
            if not _same(fate, current):
                out.append(_entry(prefix, o, sorted(o.locs)))
        else:
            groups.setdefault(o.path[depth], []).append(o)
    for key, group in groups.items():
        child = None
        if current is not None:
            # a subtree that became one value: everything below it went to the same places
            child = current if current[2] else (current[0], frozenset(b + (key,) for b in current[1]), False)
        _fold(prefix + (key,), group, out, child, weights)


def _entry(path: Path, o: Origin, to: list[Path]) -> dict[str, Any]:
    e: dict[str, Any] = {"path": to_pointer(path), "status": o.status}
    if o.status != "dropped" and (o.status != "kept" or to != [path]):
        e["to"] = [to_pointer(t) for t in to]
    if o.step and o.status != "kept":
        e["step"] = o.step
    if o.reasons:
        e["reason"] = "; ".join(o.reasons)
    return e
