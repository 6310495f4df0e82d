"""``Ctx``: the only way a rule changes a document. Every edit goes through it, and it tells the ledger.

Two kinds of methods:

* edits that account for themselves: ``move``, ``copy``, ``set``, ``remove``, ``invent``, ``replace_list``;
* accounts of an edit a transform made on values it read through ``get`` (a rebuilt list, a folded object):
  ``moved``, ``transformed``, ``lossy``, ``repaired``, ``dropped``, ``copied``, ``account`` (any status),
  ``changed`` (in place), ``created`` (a value with no source).

Transforms never see the ledger. Under CROSSWALK_CHECK_WRITES=1 (the tests) the engine compares the document
before and after each transform with what the transform declared it reads and writes (engine/writes.py).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from crosswalk.engine.keep import park
from crosswalk.engine.ledger import Ledger, Origin
from crosswalk.language import pointer
from crosswalk.language.pointer import Path, to_pointer

if TYPE_CHECKING:  # pragma: no cover
    from crosswalk.language.formats import Format


class Ctx:
    """What a rule sees: the working document, the user's fill values and options, where it is working."""

    def __init__(self, doc: dict[str, Any], ledger: Ledger, *, href: str | None = None,
                 fill: dict[str, Any] | None = None, options: dict[str, Any] | None = None) -> None:
        self.doc = doc
        self._ledger = ledger
        self.href = href
        self.fill = fill or {}
        self.options = options or {}
        self.base: Path = ()  # inside `each`: the element the sub-rules work on
        self.current: Path | None = None  # the path a rule works on, for its error message
        self.last_read: Path | None = None
        self.target: Format | None = None  # the format the step being run lands on

    @property
    def step(self) -> str | None:
        """The id of the edge being run (what the report's ``step`` says)."""
        return self._ledger.step

    @step.setter
    def step(self, value: str | None) -> None:
        self._ledger.step = value

    # -- reading ------------------------------------------------------------------------------------------
    def get(self, path: Path, default: Any = None) -> Any:
        self.last_read = path  # where a crashing transform was looking, for its error message
        return pointer.get(self.doc, path, default)

    def has(self, path: Path) -> bool:
        return pointer.exists(self.doc, path)

    def find(self, rule: Any) -> list[Path]:
        """Paths matched by the rule's jsonpath expressions inside the current base, sorted by `document_order`."""
        root = self.get(self.base)
        if len(rule.paths) == 1 and rule.paths[0].ordered:  # its matches come unique and in document order
            return rule.paths[0].find(root, self.base)
        found = {match for path in rule.paths for match in path.find(root, self.base)}
        return sorted(found, key=document_order) if len(found) > 1 else list(found)  # mostly one or none

    def origins(self, path: Path) -> list[Origin]:
        """The source leaves now at or below ``path`` (to tell what a value is made of)."""
        return self._ledger.take(path)

    def filled(self) -> set[Path]:
        """Output paths already written from --fill values."""
        return {o.path for o in self._ledger.origins if o.created and o.status == "filled"}

    # -- edits that account for themselves ------------------------------------------------------------------
    def put(self, path: Path, value: Any) -> None:
        """Write a value without an account: the caller accounts for it (``moved``, ``created``...)."""
        pointer.put(self.doc, path, value)

    def move(self, src: Path, dst: Path, reason: str | None = None, status: str = "moved") -> Any:
        """Move the value at ``src`` (an object member) to ``dst``."""
        parent = self.get(src[:-1])
        if not isinstance(parent, dict):
            raise TypeError("move takes object members; a list element moves with replace_list")
        value = parent.pop(src[-1])
        pointer.put(self.doc, dst, value)
        self._ledger.relocate(src, [dst], status, reason)
        return value

    def copy(self, src: Path, dst: Path, reason: str | None = None, *, status: str | None = None) -> Any:
        """Write a copy of the value at ``src`` to ``dst``; both places carry it (``status``: see ``copied``)."""
        value = copy.deepcopy(self.get(src))
        pointer.put(self.doc, dst, value)
        self.copied(src, dst, reason, status=status)
        return value

    def set(self, path: Path, value: Any, reason: str, status: str = "transformed") -> None:
        """Replace the value at ``path`` in place (``transformed``, or ``repaired``/``lossy``); a new value is
        invented."""
        if not self.has(path):
            self.invent(path, value, reason)
            return
        old = pointer.get(self.doc, path)
        pointer.put(self.doc, path, value)
        if isinstance(old, (dict, list)) and old:
            # the members of the old value became the new one: they live on in it as a whole, not at places below
            # it that the new value need not have
            self._ledger.relocate(path, [path], status, reason, whole=True)
        else:
            self._ledger.mark(path, status, reason)

    def replace(self, path: Path, value: Any, reason: str) -> None:
        """Write ``value`` over the one at ``path`` in place (an array element too: nothing shifts); the old value
        is reported dropped with ``reason`` and never kept for a round trip (the user chose to replace it); the
        caller accounts for the new one."""
        self._ledger.relocate(path, [], "dropped", reason)
        pointer.put(self.doc, path, value)

    def invent(self, path: Path, value: Any, reason: str) -> Any:
        """Write a value that has no source; the user's --fill value wins and is reported ``filled``."""
        status = "invented"
        key = to_pointer(path)
        if key in self.fill:
            value = copy.deepcopy(self.fill[key])
            status, reason = "filled", f"from --fill (instead of: {reason})"
        self.put(path, value)
        self._ledger.create(path, status, reason)
        return value

    def remove(self, path: Path, reason: str, status: str = "dropped") -> Any:
        """Delete ``path``; list elements after it shift down and the ledger follows them. ``status="repaired"``:
        a defect removed (a null where STAC wants nothing), reported repaired rather than dropped."""
        if status == "dropped" and self.park(path):
            return copy.deepcopy(self.get(path))
        parent = self.get(path[:-1])
        is_list = isinstance(parent, list)
        value = parent.pop(int(path[-1]) if is_list else path[-1])
        self._ledger.relocate(path, [], status, reason)
        if is_list:  # the elements after it moved down one place
            for j in range(int(path[-1]) + 1, len(parent) + 1):
                self._ledger.relocate(path[:-1] + (str(j),), [path[:-1] + (str(j - 1),)], "moved")
        return value

    def replace_list(self, path: Path, new: list[Any], moves: dict[int, int | None], reason: str) -> None:
        """Replace the list at ``path``. ``moves`` maps each old index to its new index (None: dropped); an
        old element landing on a new index that holds a different value counts as transformed."""
        fate: list[tuple[list[int], str, str | None] | None] = []
        for i, value in enumerate(self.get(path) or []):
            j = moves.get(i)
            fate.append(([], "dropped", reason) if j is None else ([j], "transformed", reason) if new[j] != value
                        else None if j == i else ([j], "moved", None))
        self.rewrite_list(path, new, fate)

    def rewrite_list(self, path: Path, new: list[Any], fate: Any) -> None:
        """Replace the list at ``path``; ``fate[i] = (new indices, status, reason)`` for every old index (no new
        indices: dropped; None: it stays where it is, unchanged). ``replace_list`` with the status of each element
        chosen by the caller."""
        parking = ("\0parking",) + path  # the old elements step aside while the new list takes their place
        covered = self._ledger.covered_above(path)
        # an element that stays where it is (None) is left alone, unless something above the list carries it along
        moving = [i for i in range(len(self.get(path) or [])) if covered or fate[i] is not None]
        for i in moving:
            self._ledger.relocate(path + (str(i),), [parking + (str(i),)], "kept")
        self.put(path, new)
        for i in moving:
            targets, status, reason = fate[i] or ([i], "kept", None)
            dsts = [path + (str(j),) for j in targets]
            self._ledger.relocate(parking + (str(i),), dsts, status if dsts else "dropped", reason)

    # -- accounts of edits made on values read through get ---------------------------------------------------
    def account(self, src: Path, dsts: list[Path], status: str, reason: str | None = None, *,
                whole: bool = False) -> None:
        """Everything that was at ``src`` now lives at each of ``dsts`` (none: dropped) with ``status``.

        ``whole``: the subtree became each destination as one value (an object folded into a line of text); so it
        did when every destination already holds one scalar (the ledger looks: ``into``)."""
        self._ledger.relocate(src, dsts, status, reason, whole=whole, into=self.doc)

    # (``whole=False`` spelt out below: compiled, relocate is a C call, which takes no keyword after a skipped one)
    def moved(self, src: Path, dst: Path, reason: str | None = None) -> None:
        self._ledger.relocate(src, [dst], "moved", reason, whole=False, into=self.doc)

    def transformed(self, srcs: list[Path], dsts: list[Path], reason: str) -> None:
        for s in srcs:
            self._ledger.relocate(s, dsts, "transformed", reason, whole=False, into=self.doc)

    def lossy(self, srcs: list[Path], dsts: list[Path], reason: str, *, whole: bool = False) -> None:
        for s in srcs:
            if not dsts and self.park(s):
                continue
            self._ledger.relocate(s, dsts, "lossy" if dsts else "dropped", reason, whole=whole, into=self.doc)
            if dsts:
                self.park(s)  # --keep-source: the source value also stays where it was

    def repaired(self, srcs: list[Path], dsts: list[Path], reason: str) -> None:
        for s in srcs:
            self._ledger.relocate(s, dsts, "repaired", reason, whole=False, into=self.doc)

    def dropped(self, src: Path, reason: str) -> None:
        if not self.park(src):
            self._ledger.relocate(src, [], "dropped", reason)

    def copied(self, src: Path, dst: Path, reason: str | None = None, *, whole: bool = False,
               status: str | None = None) -> list[Origin]:
        """The value at ``src`` was also written to ``dst``; returns the source leaves that now cover ``dst``.

        ``status``: what the copy made of them (``moved``, ``transformed``, ``lossy``) while the source field stays
        until a later rule removes it (or --keep-source keeps it), so they report that status at ``dst``; values
        invented earlier stay invented, without the reason."""
        return self._ledger.copy(src, dst, reason, whole=whole, status=status, into=self.doc)

    def changed(self, path: Path, status: str, reason: str | None = None) -> None:
        """The value at ``path`` changed in place (every source leaf under it takes ``status``)."""
        self._ledger.mark(path, status, reason)

    def created(self, path: Path, status: str, reason: str) -> None:
        """The value already written at ``path`` has no source (``invented``, ``filled``)."""
        self._ledger.create(path, status, reason)

    # -- --keep-source ------------------------------------------------------------------------------------
    def park(self, path: Path) -> bool:
        """Under --keep-source (options["keep_source"]), keep the field at ``path`` that the target cannot carry
        where it is (engine/keep.py says where a field may stay); True when it stays, and the caller accounts for
        nothing more. A transform that drops whole fields asks this first, as the edits above do."""
        return bool(self.options.get("keep_source")) and park(self, path)


def document_order(path: Path) -> tuple:
    """Sort key: list indices numerically (so reversed() deletes later elements first), object keys by name (a
    stable order whatever order the document has them in; not the document's order)."""
    return tuple((int(k), "") if k.isdigit() else (-1, k) for k in path)
