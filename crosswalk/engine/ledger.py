"""The ledger: where every leaf of the source went, across every rule of every step, recorded by exception.

A source leaf that some rule touches becomes an ``Origin`` that knows its current location(s) in the working
document. Rules report relocations (moved/transformed/lossy/repaired), drops and inventions; the ledger replays
them on a trie of current locations, so a later rule that moves a parent carries every leaf below it.

Most leaves are never touched, so none is recorded up front: the first event at a path records the source subtree
there (one Origin per leaf, at its own place, and the source leaf above the path if there is one); when that event
moves or drops a subtree nothing has touched, its Origins are made where it puts them (`Ledger._relocate_fresh`),
which leaves what recording them first and then moving them leaves. A leaf never recorded is ``kept`` at its own
path, exactly where an untouched Origin would be. ``entries()`` folds uniform subtrees into one report entry (the
report contract): it looks at the recorded leaves one by one, carries the ones that share a fate up the tree
together, and takes an untouched subtree as one item that votes and counts as the leaves it stands for. The entries
are those of a fold over every leaf, one at a time (the tests compare the two).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crosswalk.engine.report import STATUSES, leaf_count
from crosswalk.language.pointer import Path, get, leaves, to_pointer

# Worse statuses win when a leaf passes through several rules.
RANK = {"kept": 0, "moved": 1, "transformed": 2, "repaired": 3, "lossy": 4, "dropped": 5}

_MISSING = object()
_INDICES = {str(i): i for i in range(256)}  # list indices as a path spells them (only so: not "01")
_INDEX_KEYS = tuple(_INDICES)  # the same strings in order: "0", "1", ...
_FULL = None  # the mark of a recorded place whose every source leaf has its Origin (keys of a path are text)
_NOTHING: dict = {}  # (read only) what is recorded below a place with no record: nothing


# Pure functions of places (`to_pointer`, and `_based`, `_lifted`, `_lowered` below), remembered in plain dicts by
# argument: the documents of a bulk run have the same few hundred places again and again. Each use looks its dict
# up itself and calls `_remember` only on a miss (a dict look-up costs a fraction of an lru_cache call, compiled or
# not; compiled, the dicts are C globals, ledger.pxd). A pointer is never "" but the root's, which is then only
# computed again, so a use may write `_POINTERS.get(path) or _remember(...)`.
_POINTERS: dict[Path, str] = {}


def _remember(cache: dict[Any, Any], fn: Any, arg: Any) -> Any:
    """``fn(arg)``, remembered in ``cache`` (bounded: emptied when full)."""
    if len(cache) >= 4096:
        cache.clear()
    got = cache[arg] = fn(arg)
    return got


class Origin:
    """A source leaf (or a created value) and what became of it. A plain class, not a dataclass: the compiled build
    declares it an extension type (ledger.pxd), so that the ledger reads and writes its fields as C struct members;
    equality is identity, as for any object (the ledger keeps Origins in dicts and sets by identity)."""

    __slots__ = ("path", "status", "reasons", "step", "locs", "created", "empty", "whole_at")

    def __init__(self, path: Path, status: str = "kept", reasons: list[str] | None = None, step: str | None = None,
                 locs: set[Path] | None = None, created: bool = False, empty: bool = False,
                 whole_at: int | None = None) -> None:
        self.path = path  # source path; for invented/filled values the output path where it was created
        self.status = status
        self.reasons = [] if reasons is None else reasons
        self.step = step
        self.locs = set() if locs is None else locs
        self.created = created  # invented/filled: path is an output path, not a source path
        self.empty = empty  # an empty object/array of the source: what is later written into it is not from it
        self.whole_at = whole_at  # depth of the source subtree that became one value with this leaf in it

    def __repr__(self) -> str:
        return (f"Origin(path={self.path!r}, status={self.status!r}, reasons={self.reasons!r}, step={self.step!r}, "
                f"locs={self.locs!r}, created={self.created!r}, empty={self.empty!r}, whole_at={self.whole_at!r})")


def _kept_origin(path: Path, empty: bool, locs: set[Path]) -> Origin:
    """A source leaf's Origin as `Ledger._record` makes one for every leaf it records: kept, at ``locs`` (its own
    place, or none yet). Made field by field (compiled, a C function filling the struct: no call through the type
    and its argument parsing, which cost more than the rest of recording a leaf)."""
    o = Origin.__new__(Origin)
    o.path = path
    o.status = "kept"
    o.reasons = []
    o.step = None
    o.locs = locs
    o.created = False
    o.empty = empty
    o.whole_at = None
    return o


def _grown(here: Path, at: Path, value: Any, by_path: dict[Path, Origin], seen: set[Path],
           made: list[Origin]) -> _Node:
    """The trie node of the source subtree ``value`` (at ``here``) placed whole at ``at``, with an Origin for each of
    its leaves (made in document order, recorded in ``by_path`` and ``seen``, appended to ``made``): the node that
    `Ledger.attach`, given the leaves in the order `Ledger.detach` hands them over (the reverse of document order),
    would grow there one leaf at a time, members in that same order."""
    if not isinstance(value, (dict, list)) or not value:
        o = _kept_origin(here, isinstance(value, (dict, list)), {at})
        by_path[here] = o
        seen.add(here)
        made.append(o)
        return {_HERE: [o]}
    members = [(key, _grown(here + (key,), at + (key,), member, by_path, seen, made))
               for key, member in _members(value)]
    members.reverse()
    return dict(members)


def _note(o: Origin, status: str, reason: str | None, step: str | None) -> None:
    """A rule did ``status`` to ``o`` (the worst status wins). A function, not a method of the Origin: the compiled
    ledger calls it directly, where a method would be looked up and called as any Python object's is."""
    if o.created:
        return  # an invented value stays invented wherever later rules move it
    if RANK[status] >= RANK[o.status]:
        o.status = status
        if status != "kept":
            o.step = step  # the step the reported status comes from, not a later one that only moved it
    if reason and reason not in o.reasons:
        o.reasons.append(reason)


# The trie of current locations: a node is a plain dict, its members' nodes under their keys and the Origins
# at its own place under _HERE (a dict costs a fraction of an object with two containers, and there are many).
_Node = dict
_HERE = None  # (keys of a path are text)


def _is_leaf(value: Any) -> bool:
    """A leaf of the report contract: a scalar, or an empty object or array."""
    return not isinstance(value, (dict, list)) or not value


def _one_or_more(value: Any) -> int:
    """The leaves of ``value`` counted up to 2: one unless some container on the way down has several members."""
    while isinstance(value, (dict, list)) and value:
        if len(value) > 1:
            return 2
        value = next(iter(value.values())) if isinstance(value, dict) else value[0]
    return 1


def _members(value: dict | list) -> Iterable[tuple[str, Any]]:
    """(key, member) of a container, in document order (list indices as strings, as in a path)."""
    if isinstance(value, dict):
        return value.items()
    n = len(value)  # the indices as a path spells them: the same strings each time (their hashes kept) up to 256
    return zip(_INDEX_KEYS[:n] if n <= len(_INDEX_KEYS) else map(str, range(n)), value, strict=True)


def _at(value: Any, path: Path) -> Any:
    """The source value at ``path``, or _MISSING (a list index only in its one spelling, as the paths of recorded
    leaves spell it)."""
    for key in path:
        if isinstance(value, dict):
            value = value.get(key, _MISSING)
        elif isinstance(value, list) and key.isascii() and key.isdigit() and str(int(key)) == key:
            value = value[int(key)] if int(key) < len(value) else _MISSING
        else:
            return _MISSING
    return value


class Ledger:
    """Tracks source leaves through the edits of a conversion. ``source`` is read, never changed, and must not
    change while the ledger is in use (the pipeline hands it the input document and works on a copy)."""

    def __init__(self, source: Any, source_leaves: int | None = None) -> None:
        self.source = source
        # the leaves of ``source`` when the caller has counted them already (a bulk run, in the text it read:
        # `crosswalk.io.parse.written_leaves`), else None: ``summary`` counts them
        self.source_leaves = source_leaves
        self.root: _Node = {}
        self.step: str | None = None
        # which source subtrees have their Origins, as a trie of source paths in nested dicts: a place without
        # the _FULL mark has recorded parts below it
        self._recorded: dict[str | None, Any] = {}
        self._by_path: dict[Path, Origin] = {}  # recorded source leaves by source path
        self._created: list[Origin] = []
        self._seen: set[Path] = set()  # paths already recorded (the source does not change: once is enough)

    @property
    def origins(self) -> list[Origin]:
        """The Origins recorded so far: the source leaves some event touched, then the values created (every
        other source leaf is untouched: kept at its own path)."""
        return [*self._by_path.values(), *self._created]

    def origins_under(self, path: Path) -> list[Origin]:
        """The Origin of every source leaf at or below the source path ``path``, wherever it is now, in document
        order (recorded now if no event touched them yet)."""
        self._record(path)
        value = _at(self.source, path)
        return [] if value is _MISSING else [self._by_path[p] for p, _ in leaves(value, path)]

    # -- recording on first touch ------------------------------------------------------------------------
    def _record(self, path: Path) -> None:
        """Give every source leaf at or below ``path``, and the source leaf above it if there is one, its Origin
        (at its own place, untouched so far). Whatever an event at ``path`` looks at is then in the trie."""
        if path in self._seen:
            return
        self._seen.add(path)
        done, value = self._recorded, self.source
        for i, key in enumerate(path):
            if _FULL in done:
                return
            if type(value) is dict and value:  # (type(): compiled, a pointer compared, where __class__ is a look-up)
                members = value  # (compiled, a dict local: its get a direct call)
                value = members.get(key, _MISSING)
            elif type(value) is list and value and key in _INDICES:  # (the common spelling: no call)
                j = _INDICES[key]
                value = value[j] if j < len(value) else _MISSING
            elif isinstance(value, (dict, list)) and value:
                value = _at(value, (key,))
            else:  # a scalar or empty container above ``path``
                path = path[:i]
                break
            if value is _MISSING:
                return  # the source has nothing at ``path``: nothing of it can be there
            nxt = done.get(key)
            if nxt is None:
                nxt = done[key] = {}
            done = nxt
        if _FULL in done:
            return
        if done:  # parts recorded already (so ``value`` is a container: they are members of it)
            for key, _ in _members(value):
                self._record(path + (key,))  # the members not recorded yet (bounded by the length of an event's path)
        else:  # an Origin for each source leaf of ``value``, at its own place in the trie
            by_path, seen = self._by_path, self._seen
            stack = [(path, value, self._node(path, create=True))]
            while stack:
                here, v, node = stack.pop()
                if not isinstance(v, (dict, list)) or not v:
                    o = _kept_origin(here, isinstance(v, (dict, list)), {here})
                    by_path[here] = o
                    seen.add(here)  # (a later event at the leaf itself then needs no walk to find it recorded)
                    # first at its place, where it would be had it been recorded before any later arrival
                    there = node.get(_HERE)
                    if there is None:  # (not setdefault: that makes a list at every call, used or not)
                        node[_HERE] = [o]
                    else:
                        there.insert(0, o)
                    continue
                below = []
                for key, member in _members(v):  # trie members made in document order, as the source has them
                    child = node.get(key)
                    if child is None:
                        child = node[key] = {}
                    below.append((here + (key,), member, child))
                stack += reversed(below)
        done.clear()
        done[_FULL] = True

    # -- trie plumbing -------------------------------------------------------------------------------
    def _node(self, path: Path, create: bool = False) -> _Node | None:
        node = self.root
        for key in path:
            nxt = node.get(key)
            if nxt is None:
                if not create:
                    return None
                nxt = node[key] = {}
            node = nxt
        return node

    def detach(self, path: Path, parent: Any = _MISSING) -> list[tuple[Path, Origin]]:
        """Remove the subtree at ``path``; return (relative path, origin) for everything in it. ``parent``: the
        trie node of the parent of ``path`` when the caller has it from `_above` (None: there is none)."""
        if parent is _MISSING:
            parent = self._above(path)[1]
        if not path:
            node, self.root = self.root, {}
        else:
            node = parent.pop(path[-1], None) if parent is not None else None
        out = _under(node) if node is not None else []
        for rel, o in out:
            o.locs.discard(path + rel)
        return out

    def _above(self, path: Path, record: bool = True) -> tuple[list[Origin], _Node | None]:
        """Origins sitting at strict ancestors of ``path`` (a value replaced as a whole, then edited inside), and
        the trie node of the parent of ``path`` (None if there is none): one walk for both, as ``relocate`` needs.
        ``record``: the source at ``path`` recorded first (`_record`), as an event there needs.

        An empty object or array of the source is no such value: whatever later lands inside it came from
        elsewhere, so it does not follow its new contents."""
        if record and path not in self._seen:
            self._record(path)
        found: list[Origin] = []
        parent, node = None, self.root
        for key in path:  # the node of each strict ancestor, root first
            if node is None:
                return found, None  # (then the parent of ``path`` has none either)
            there = node.get(_HERE)
            if there:
                found += [o for o in there if not o.empty]
            parent, node = node, node.get(key)
        return found, parent

    def covered_above(self, path: Path) -> bool:
        """Whether an Origin sits at ``path`` or above it (a value made or moved as a whole that covers it)."""
        return bool(self._above(path + ("",))[0])

    def attach(self, path: Path, origin: Origin) -> None:
        locs = origin.locs
        if path in locs:
            return
        locs.add(path)
        node = self._node(path, create=True)
        there = node.get(_HERE)
        if there is None:  # (not setdefault: that makes a list at every call, used or not)
            node[_HERE] = [origin]
        else:
            there.append(origin)

    # -- events -----------------------------------------------------------------------------------------
    def relocate(
        self, src: Path, dsts: list[Path], status: str, reason: str | None = None, *, whole: bool = False,
        into: Any = None,
    ) -> None:
        """Everything at ``src`` now lives at each of ``dsts`` (none: dropped).

        ``whole``: the subtree at ``src`` became each of ``dsts`` as one value (an object folded into a line of
        text), so every leaf lands on the destination itself, not on a same-named place below it. ``into``: the
        working document, when the caller has written the destinations already: a subtree with members that went
        into values that are one scalar each went in whole, as no place below a scalar can hold its leaves (a list
        of colour components become one hex string, an object given where a name was expected)."""
        moved = None
        if not whole and src and src not in self._seen:
            moved = self._relocate_fresh(src, dsts, status, reason, into)
        if moved is None:
            above, parent = self._above(src)
            for o in above:
                # A value that was transformed as a whole, now partly moved elsewhere: it still covers the new place.
                for d in dsts:
                    self.attach(d, o)
            if above and parent is None:
                parent = self._node(src[:-1])  # made just now by an attach below the parent of ``src``
            moved = self.detach(src, parent)
            if into is not None and not whole and dsts and _below(moved):
                whole = _scalars(into, dsts)
        step = self.step
        if not dsts:
            for _, o in moved:
                if not o.locs:  # gone everywhere (a removed copy leaves the value alive elsewhere)
                    _note(o, "dropped", reason, step)
                elif o.status == "kept" and o.path not in o.locs:  # now only where it was copied: moved there
                    _note(o, "moved", reason, step)
                if status == "repaired" and not o.created:
                    o.status = "repaired"  # a defect removed (a null, a default): it said nothing, so nothing is lost
            return
        for rel, o in moved:
            for d in dsts:
                self.attach(d if whole else d + rel, o)
            if whole:
                depth = max(len(o.path) - len(rel), 0)
                o.whole_at = depth if o.whole_at is None else min(o.whole_at, depth)
            _note(o, status, reason, step)

    def _relocate_fresh(self, src: Path, dsts: list[Path], status: str, reason: str | None,
                        into: Any) -> list[tuple[Path, Origin]] | None:
        """`relocate` of a source subtree that nothing has touched (no event at, above or below ``src``, no value
        moved there): its Origins are made as `detach` would hand them over, (place relative to ``src``, Origin) in
        the reverse of document order, for ``relocate`` to place and note, instead of being recorded at their own
        places and taken out again (the first event of most fields is such a move or drop); when the one
        destination is free, they are placed and noted here, its trie nodes made at once, and none is handed over.
        None, having changed nothing, when the subtree is not such a one (``relocate`` then does the general work).

        What it leaves is what the general way leaves, to the order of everything: the record of what is recorded,
        the Origins in document order, the trie's nodes down to the parent of ``src``."""
        # Nothing recorded at, above or below src, and the source has a value there below containers only
        done, value = self._recorded, self.source
        reached, depth = done, 0  # the deepest place of the record on the way (recorded below: made from there)
        for key in src:
            if _FULL in done:
                return None
            if type(value) is dict and value:
                members = value
                value = members.get(key, _MISSING)
            elif type(value) is list and value and key in _INDICES:
                j = _INDICES[key]
                value = value[j] if j < len(value) else _MISSING
            elif isinstance(value, (dict, list)) and value:
                value = _at(value, (key,))
            else:  # a scalar or empty container above src: its Origin would be above
                return None
            if value is _MISSING:
                return None
            nxt = done.get(key)
            if nxt is not None:
                done = reached = nxt
                depth += 1
            else:
                done = _NOTHING
        if _FULL in done or done:
            return None
        # Nothing in the trie at src (no value moved there, no node left there) nor above it (``node``: the parent
        # of src in the trie, if it has one)
        above, node = self._above(src, False)
        if above or node is not None and src[-1] in node:
            return None
        # A subtree with members moved into places that are scalars goes in whole: the general way
        if into is not None and dsts and isinstance(value, (dict, list)) and value and _scalars(into, dsts):
            return None
        # Recorded, as `_record` records it (the places the walk above found exist: made from the deepest on)
        self._seen.add(src)
        done = reached
        for key in src[depth:]:
            nxt = done[key] = {}
            done = nxt
        done[_FULL] = True
        if node is None:  # the trie's nodes down to the parent of src (the walk above found them all otherwise)
            self._node(src[:-1], create=True)
        by_path, seen, step = self._by_path, self._seen, self.step
        if len(dsts) == 1 and dsts[0]:
            parent = self._node(dsts[0][:-1], create=True)  # (what the first `attach` would make on its way)
            if dsts[0][-1] not in parent:  # nothing there yet: the subtree's nodes made at once, in that order
                grown: list[Origin] = []
                parent[dsts[0][-1]] = _grown(src, dsts[0], value, by_path, seen, grown)
                grown.reverse()
                for o in grown:
                    _note(o, status, reason, step)
                return []
        made: list[tuple[Path, Origin]] = []
        stack = [(src, (), value)]
        while stack:
            here, rel, v = stack.pop()
            if not isinstance(v, (dict, list)) or not v:
                o = _kept_origin(here, isinstance(v, (dict, list)), set())
                by_path[here] = o
                seen.add(here)
                made.append((rel, o))
                continue
            below = [(here + (key,), rel + (key,), member) for key, member in _members(v)]
            below.reverse()
            stack += below
        made.reverse()
        return made

    def copy(self, src: Path, dst: Path, reason: str | None = None, *, whole: bool = False,
             status: str | None = None, into: Any = None) -> list[Origin]:
        """The value at ``src`` stays and is also written to ``dst``; returns the origins that now cover ``dst``
        (with ``status``, they take it as ``note`` gives it, else only the reason).

        Origins recorded on an ancestor of ``src`` (a value transformed or invented as a whole, then read in
        part) cover the copy too, as ``relocate`` treats them. ``whole``: ``dst`` is made from the whole of
        ``src`` in another shape (a shape list becoming one tensor size), so every leaf lands on ``dst`` itself
        rather than on a same-named place below it that the output does not have. ``into``: as for ``relocate``
        (a subtree with members copied into one scalar is copied whole)."""
        above = self._above(src)[0]
        for o in above:
            self.attach(dst, o)
        below = self.take(src)  # after: a copy into its own subtree carries what the line above put there
        if into is not None and not whole and _scalars(into, [dst]):
            whole = _inside(below, src)
        for o in below:
            for loc in [loc for loc in o.locs if loc[: len(src)] == src]:
                self.attach(dst if whole else dst + loc[len(src) :], o)
        unique = list(dict.fromkeys(above + below))
        for o in unique:
            if status:
                _note(o, status, reason, self.step)
            elif reason and reason not in o.reasons:
                o.reasons.append(reason)
        return unique

    def mark(self, path: Path, status: str, reason: str | None = None) -> None:
        """The value at ``path`` changed in place."""
        for o in self.take(path):
            _note(o, status, reason, self.step)

    def create(self, path: Path, status: str, reason: str) -> None:
        """A value with no source appears at ``path`` (invented or filled)."""
        o = Origin(path=path, status=status, reasons=[reason], step=self.step, created=True)
        self._created.append(o)
        self.attach(path, o)

    def take(self, path: Path) -> list[Origin]:
        """Origins at or below ``path`` (read-only view for checks)."""
        if path not in self._seen:
            self._record(path)
        node = self._node(path)
        out: list[Origin] = []
        stack = [node] if node is not None else []
        while stack:
            for k, child in stack.pop().items():  # its Origins before any node below it
                if k is _HERE:
                    out += child
                else:
                    stack.append(child)
        return out

    # -- report -----------------------------------------------------------------------------------------
    # The fold: the most common fate of a subtree becomes one entry at its root, and only the leaves that differ get
    # entries below it (the most specific entry wins).
    #
    # ``_build`` works out, bottom-up and once per recorded container, the fates of the leaves below it as seen
    # from there (a recorded leaf's straight from its Origin): a leaf's fate one level up follows from its fate here
    # (a relocation stays one if every place it went ends with this key), so leaves that share a fate are carried
    # up as one bucket. ``_emit`` then goes top-down.
    #
    # Votes: every node shares its vote equally among its children, so a long list does not outvote its siblings
    # (36 repaired band names should not make a whole input object "repaired"); a leaf's share in the vote of its
    # ancestor at depth d is 1 divided by the size of each container from there down to it. A bucket sums its
    # leaves' shares in another order than one leaf at a time, so float sums may differ in their last bits: where
    # that could tip a close vote, the vote is recounted leaf by leaf in document order, so the outcome is always
    # that of a leaf-by-leaf count.
    def entries(self) -> list[dict[str, Any]]:
        """Report entries (the report contract), uniform subtrees folded into one entry at their root."""
        out: list[dict[str, Any]] = []
        if _is_leaf(self.source):
            self._record(())  # a scalar document: its one leaf, its one entry
            o = self._by_path[()]
            out.append(_entry((), o, sorted(o.locs)))
        else:
            self._emit(self._build((), self.source, self._recorded), out, None)
        out.extend({"path": _POINTERS.get(loc) or _remember(_POINTERS, to_pointer, loc), "status": o.status,
                    **({"step": o.step} if o.step else {}), "reason": "; ".join(o.reasons)}
                   for o in self._created for loc in sorted(o.locs))
        return out

    def summary(self) -> dict[str, int]:
        """``report.summarize`` of ``entries()`` (the source leaves per status, a created value once per place),
        counted from the Origins instead of the entries: the fold gives every source leaf an entry or a heading
        with the leaf's own status (a heading stands for leaves whose fate, status included, is its own), so the
        most specific entry at or above a leaf has the status of its Origin, and a leaf nothing recorded is kept."""
        counts = dict.fromkeys(STATUSES, 0)
        leaves = leaf_count(self.source) if self.source_leaves is None else self.source_leaves
        counts["kept"] = leaves - len(self._by_path)  # (an Origin of _by_path: one source leaf)
        for o in self._by_path.values():
            counts[o.status] += 1
        for o in self._created:
            counts[o.status] += len(o.locs)  # an entry for each place
        return counts

    def unplaced(self, output: Any) -> list[str]:
        """Every place the ledger says a value now lives that ``output`` does not have (a report would name it, as
        a ``to`` pointer or below one): the check every conversion makes, with or without the report's entries.

        One walk of the trie of current places beside the output, each place looked up once whatever number of
        Origins sit at or below it; the messages only when something is missing (then in the Origins' order)."""
        missing: set[Path] = set()
        stack = [((), self.root, output)]
        while stack:
            path, node, value = stack.pop()
            for key, child in node.items():
                if key is _HERE:
                    continue
                if type(value) is dict:  # (exact types first, as in `_record`: compiled, direct calls)
                    members = value
                    member = members.get(key, _MISSING)
                elif type(value) is list and key in _INDICES:
                    j = _INDICES[key]
                    member = value[j] if j < len(value) else _MISSING
                elif isinstance(value, (dict, list)):
                    member = _at(value, (key,))
                else:
                    member = _MISSING
                here = path + (key,)
                if member is _MISSING:
                    for rel, _ in _under(child):  # (a loop: a compiled method cannot hold a generator)
                        missing.add(here + rel)
                elif child:
                    stack.append((here, child, member))
        if not missing:
            return []
        return [f"{to_pointer(o.path) or '/'} is recorded {o.status}{' at' if o.created else ' to'} "
                f"{to_pointer(loc) or '/'}, which the output does not have"
                for o in self.origins for loc in sorted(o.locs) if loc in missing]

    def _build(self, path: Path, value: dict | list, done: dict[str | None, Any]) -> _FoldNode:
        """The fold node of the recorded container ``path`` (source value ``value``; ``done``: what of it is
        recorded). A recorded leaf member gets no node: its fate seen from here comes from its Origin directly."""
        depth = len(path)
        children: list[tuple[str, Any, tuple | None]] = []
        size = len(value)
        buckets: list[list[Any]] = []
        index: dict[tuple | None, list[Any]] = {}
        full = _FULL in done
        kept = None  # the bucket of the members nothing touched (one fate seen from here: looked up once)
        share = 1.0 / size  # the vote of one member here
        for key, member in _members(value):
            below = done if full else done.get(key)
            if below is None:
                # untouched: no node of its own (`_emit` needs none); it votes as its leaves kept at their places
                # would, counted up to 2 (all `_emit` needs to know)
                children.append((key, member, None))
                if kept is None:
                    fate = (_UNTOUCHED, frozenset((path,)), False)
                    kept = index.get(fate)
                    if kept is None:
                        kept = index[fate] = [fate, 0.0, 0, _KEPT, None]  # (0.0 + share is share, exactly)
                        buckets.append(kept)
                kept[1] += share
                kept[2] += _one_or_more(member) if isinstance(member, (dict, list)) else 1
                continue
            elif not isinstance(member, (dict, list)) or not member:  # a recorded leaf (recorded whole)
                first = self._by_path[path + (key,)]
                fate, count = _fate(first, depth), 1
                children.append((key, first, fate))
                if first.whole_at is not None:  # its fate at every level up is worked out from the leaf itself
                    buckets.append([fate, share, 1, first, first])
                    continue
            else:
                child = self._build(path + (key,), member, below)
                children.append((key, child, None))
                for fate, weight, count, first, single in child.buckets:  # their fates lifted to here
                    if single is not None:
                        buckets.append([_fate(single, depth), weight / size, count, first, single])
                        continue
                    # a relocation stays one if every base ends with ``key`` (a drop has none: it stays as it is)
                    if fate is not None and fate[1]:
                        arg = (fate[1], key)
                        bases = _LIFTED.get(arg, _MISSING)
                        if bases is _MISSING:
                            bases = _remember(_LIFTED, _lifted, arg)
                        # (None: went elsewhere, and is no part of a whole value)
                        fate = None if bases is None else (fate[0], bases, False)
                    bucket = index.get(fate)
                    if bucket is None:
                        bucket = index[fate] = [fate, weight / size, count, first, None]
                        buckets.append(bucket)
                    else:
                        bucket[1] += weight / size
                        bucket[2] += count
                continue
            bucket = index.get(fate)
            if bucket is None:
                bucket = index[fate] = [fate, share, count, first, None]
                buckets.append(bucket)
            else:
                bucket[1] += share
                bucket[2] += count
        return _FoldNode(path, children, buckets)

    def _recount(self, node: _FoldNode) -> dict[tuple, float]:
        """The votes at ``node`` counted one leaf at a time, in document order (exactly as a leaf-by-leaf fold).

        Only a node with members recounts (a leaf's one fate has all of its vote), so every leaf is below it; a
        leaf nothing recorded is in an untouched member, kept at its place."""
        depth = len(node.path)
        here = (_UNTOUCHED, frozenset((node.path,)), False)
        votes: dict[tuple, float] = {}
        for path, _ in leaves(_at(self.source, node.path), node.path):
            o = self._by_path.get(path)
            fate = here if o is None else _fate(o, depth)
            if fate is not None:  # its share: divided out from the leaf upwards, as `_build` does one level at a time
                share = 1.0
                for i in range(len(path) - 1, depth - 1, -1):
                    share /= len(_at(self.source, path[:i]))
                votes[fate] = votes.get(fate, 0.0) + share
        return votes

    def _emit(self, node: _FoldNode, out: list[dict[str, Any]], inherited: tuple | None) -> None:
        """Emit the entries of ``node``'s subtree under the heading ``inherited`` (the fate its parent's entry
        gives it, or None)."""
        prefix, buckets = node.path, node.buckets
        if inherited is not None and _all_of(buckets, inherited):
            return  # everything below is where the heading puts it
        votes: dict[tuple, float] = {}
        tally: dict[tuple, list[Any]] = {}  # fate: [its leaves, the first of them]
        total = 0
        went_elsewhere = False  # a leaf with no fate seen from here
        in_whole = False  # a leaf whose fate is worked out leaf by leaf (part of a value made whole below here)
        for fate, weight, count, first, single in buckets:
            total += count
            if single is not None:
                in_whole = True
            if fate is None:
                went_elsewhere = True
                continue
            if fate in votes:
                votes[fate] += weight
                tally[fate][0] += count
            else:
                votes[fate] = weight
                tally[fate] = [count, first]
        current = inherited
        if votes:
            best = max(votes, key=votes.get)  # first in document order on ties (dicts keep order)
            # the runner-up is the second of the votes in descending order (the best one again if it ties)
            if abs(votes[best] - 0.5) < _NEAR or len(votes) > 1 and votes[best] - sorted(
                    votes.values(), reverse=True)[1] < _NEAR:
                votes = self._recount(node)
                best = max(votes, key=votes.get)
            # a heading entry only for a clear majority (at least half the votes), so it never misleads
            count, first = tally[best]
            if best != inherited and votes[best] >= 0.5 and (count >= 2 or count == total):
                out.append(_entry(prefix, first, sorted(best[1])))
                current = best
                if len(votes) == 1 and not went_elsewhere and best[2] is False and not in_whole:
                    # one relocation for the whole subtree: below it every leaf is where it puts it (unless a
                    # leaf is part of a value made whole below here: seen from there, it went where that went)
                    return
        # whether the heading keeps an untouched member where it is (below a whole value: only a leaf at its place)
        untouched_quiet = current is not None and current[0] == _UNTOUCHED and (current[2] or current[1] == {prefix})
        for key, child, fate in node.children:
            kind = type(child)
            if kind is Origin:
                # a recorded leaf: its entry, unless its heading puts it where it is (under a relocation, when its
                # fate seen from here is the heading; in a whole value, when it went to the same places)
                if current is None or not (fate == current if current[2] is False else current[1] == child.locs
                                           and current[0] == (child.status, tuple(child.reasons), child.step)):
                    out.append(_entry(prefix + (key,), child, sorted(child.locs)))
            elif kind is _FoldNode:
                # a subtree that became one value: everything below it went to the same places
                below = current
                if below is not None and not below[2]:
                    arg = (below[1], key)
                    bases = _LOWERED.get(arg)
                    below = (below[0], _remember(_LOWERED, _lowered, arg) if bases is None else bases, False)
                if below is None or len(child.buckets) != 1 or child.buckets[0][0] != below:
                    self._emit(child, out, below)  # (one fate, the one its heading gives it: nothing to say)
            elif not untouched_quiet or current[2] and (current[1] != {prefix + (key,)} or not _is_leaf(child)):
                # untouched: kept, unless its heading says so
                at = prefix + (key,)
                out.append({"path": _POINTERS.get(at) or _remember(_POINTERS, to_pointer, at), "status": "kept"})


_UNTOUCHED = ("kept", (), None)
_KEPT = Origin(path=())  # what a member nothing touched reports as: kept, no reason, no step
_NEAR = 1e-9  # votes this close to each other or to one half are recounted leaf by leaf


class _FoldNode:
    """A recorded container of the source as the fold sees it: its members (document order, as (key, child, fate):
    a recorded leaf as its Origin and its fate seen from here, an untouched one as its source value, a recorded
    container as its node), and ``buckets``, the fates of every leaf below it seen from here: [fate, share of the
    vote, leaves (up to 2 per untouched member), first leaf with that fate, the leaf itself when its fate must be
    worked out leaf by leaf at every level (one that became part of a whole value)]."""

    # (a plain class, as Origin: an extension type with typed fields in the compiled build, ledger.pxd)
    __slots__ = ("path", "children", "buckets")

    def __init__(self, path: Path, children: list[tuple[str, Any, tuple | None]], buckets: list[list[Any]]) -> None:
        self.path = path
        self.children = children
        self.buckets = buckets


def _fate(o: Origin, depth: int) -> tuple | None:
    """Where leaf ``o`` went, seen from its strict ancestor at ``depth``: (key, bases, whole).

    A pure relocation gives the bases the subtree root must sit at (whole False); within a subtree that
    became one value, the leaf's own locations (whole True: every leaf below lands there, nothing is
    derived). None: neither (the leaf went to unrelated places). Fates are seen from containers only (a leaf
    is folded by its parent), so two fates agree exactly when they are equal."""
    key = (o.status, tuple(o.reasons), o.step)
    # inside a value made whole: where that value is (its place may end like the leaf's path: that is no
    # relocation); a dropped leaf went nowhere either way, so its fate is the one of any other dropped leaf
    if o.whole_at is not None and depth >= o.whole_at and o.locs:
        return (key, frozenset(o.locs), True)
    arg = (frozenset(o.locs), o.path[depth:])
    bases = _BASED.get(arg, _MISSING)
    if bases is _MISSING:
        bases = _remember(_BASED, _based, arg)
    return None if bases is None else (key, bases, False)


def _under(node: _Node) -> list[tuple[Path, Origin]]:
    """(place relative to ``node``, Origin) of every Origin at or below the trie node ``node``: the Origins of a
    place before any node below it, wherever _HERE sits in it."""
    out: list[tuple[Path, Origin]] = []
    stack: list[tuple[Path, _Node]] = [((), node)]
    while stack:
        rel, n = stack.pop()
        for k, child in n.items():
            if k is _HERE:
                for o in child:
                    out.append((rel, o))
            else:
                stack.append((rel + (k,), child))
    return out


def _below(moved: list[tuple[Path, Origin]]) -> bool:
    """Whether some Origin of a detached subtree sat below its root (a loop, as `_all_of`)."""
    for rel, _ in moved:
        if rel:
            return True
    return False


def _inside(origins: list[Origin], path: Path) -> bool:
    """Whether one of ``origins`` lives at a place strictly below ``path`` (a loop, as `_all_of`)."""
    n = len(path)
    for o in origins:
        for loc in o.locs:
            if len(loc) > n and loc[:n] == path:
                return True
    return False


def _scalars(doc: Any, paths: list[Path]) -> bool:
    """Whether ``doc`` holds a scalar (or null) at every one of ``paths``."""
    for path in paths:
        value = get(doc, path, _MISSING)
        if value is _MISSING or isinstance(value, (dict, list)):
            return False
    return True


def _all_of(buckets: list[list[Any]], fate: tuple) -> bool:
    """Whether every bucket has the fate ``fate`` (a loop, not ``all()`` over a generator: a compiled method
    cannot hold one)."""
    for b in buckets:
        if b[0] != fate:
            return False
    return True


def _entry(path: Path, o: Origin, to: list[Path]) -> dict[str, Any]:
    e: dict[str, Any] = {"path": _POINTERS.get(path) or _remember(_POINTERS, to_pointer, path), "status": o.status}
    if o.status != "dropped" and (o.status != "kept" or to != [path]):
        e["to"] = [_POINTERS.get(t) or _remember(_POINTERS, to_pointer, t) for t in to]
    if o.step and o.status != "kept":
        e["step"] = o.step
    if o.reasons:
        e["reason"] = "; ".join(o.reasons)
    return e


# The bases of a relocation, and where they go one level up or down the source: pure functions of places,
# remembered (the sets they give back, shared, compare at once), looked up by their arguments as one tuple.
def _based(arg: tuple[frozenset[Path], Path]) -> frozenset[Path] | None:
    """Where the root of a subtree sits for a leaf at ``rel`` below it that is at ``locs``: each location without
    ``rel`` at its end; None if one of them does not end with it."""
    locs, rel = arg
    n = len(rel)
    bases = []
    for loc in locs:
        if loc[-n:] != rel:
            return None
        bases.append(loc[: len(loc) - n])
    return frozenset(bases)


def _lifted(arg: tuple[frozenset[Path], str]) -> frozenset[Path] | None:
    """The bases seen from the parent of member ``key``; None if one of them is not under that member."""
    bases, key = arg
    up = []
    for b in bases:
        if not b or b[-1] != key:
            return None
        up.append(b[:-1])
    return frozenset(up)


def _lowered(arg: tuple[frozenset[Path], str]) -> frozenset[Path]:
    """The bases seen from member ``key``."""
    bases, key = arg
    return frozenset([b + (key,) for b in bases])


_BASED: dict[tuple[frozenset[Path], Path], frozenset[Path] | None] = {}
_LIFTED: dict[tuple[frozenset[Path], str], frozenset[Path] | None] = {}
_LOWERED: dict[tuple[frozenset[Path], str], frozenset[Path]] = {}
