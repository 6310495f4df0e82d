"""Runs a mapping's rules on a working document, recording every edit in the ledger.

Ops and transforms edit ``ctx.doc`` and tell the ledger what happened through the ``Ctx`` methods. A crash
inside a rule becomes a RuleError naming both the data path and the rule's file and line.
"""

from __future__ import annotations

import copy
from typing import Any

from crosswalk.engine.ledger import Ledger
from crosswalk.errors import CrosswalkError, RuleError, crash_message
from crosswalk.language import pointer
from crosswalk.language.pointer import Path, to_pointer
from crosswalk.language.spec import Mapping, Rule


class Ctx:
    """What a rule sees: the working document, the ledger, the user's fill values."""

    def __init__(
        self,
        doc: dict[str, Any],
        ledger: Ledger,
        *,
        href: str | None = None,
        fill: dict[str, Any] | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.doc = doc
        self.ledger = ledger
        self.href = href
        self.fill = fill or {}
        self.options = options or {}
        self.base: Path = ()
        self.current: Path | None = None
        self.last_read: Path | None = None

    # -- reading and writing ------------------------------------------------------------------------------
    def get(self, path: Path, default: Any = None) -> Any:
        self.last_read = path  # where a crashing transform was looking, for its error message
        return pointer.get(self.doc, path, default)

    def has(self, path: Path) -> bool:
        return pointer.exists(self.doc, path)

    def put(self, path: Path, value: Any) -> None:
        pointer.put(self.doc, path, value)

    def find(self, rule: Rule) -> list[Path]:
        """Paths matched by the rule's jsonpath expressions, relative to the current base, in document order."""
        root = self.get(self.base)
        found: set[Path] = set()
        for expr in rule.paths:
            for m in expr.find(root):
                found.add(self.base + _datum_path(m))
        return sorted(found, key=_document_order)

    # -- ledger events -----------------------------------------------------------------------------------
    def moved(self, src: Path, dst: Path, reason: str | None = None) -> None:
        self.ledger.relocate(src, [dst], "moved", reason)

    def transformed(self, srcs: list[Path], dsts: list[Path], reason: str) -> None:
        for s in srcs:
            self.ledger.relocate(s, dsts, "transformed", reason)

    def lossy(self, srcs: list[Path], dsts: list[Path], reason: str, *, whole: bool = False) -> None:
        for s in srcs:
            if not dsts and self._park(s):
                continue
            self.ledger.relocate(s, dsts, "lossy" if dsts else "dropped", reason, whole=whole)
            if dsts:
                self._park(s)  # --keep-source: the source value also stays where it was

    def repaired(self, srcs: list[Path], dsts: list[Path], reason: str) -> None:
        for s in srcs:
            self.ledger.relocate(s, dsts, "repaired", reason)

    def dropped(self, src: Path, reason: str) -> None:
        if self._park(src):
            return
        self.ledger.relocate(src, [], "dropped", reason)

    def copied(self, src: Path, dst: Path, reason: str | None = None, *, whole: bool = False) -> None:
        self.ledger.copy(src, dst, reason, whole=whole)

    def invent(self, path: Path, value: Any, reason: str) -> Any:
        """Write a value that has no source; the user's --fill value wins and is reported ``filled``."""
        key = to_pointer(path)
        if key in self.fill:
            value = copy.deepcopy(self.fill[key])
            self.put(path, value)
            self.ledger.create(path, "filled", f"from --fill (instead of: {reason})")
            return value
        self.put(path, value)
        self.ledger.create(path, "invented", reason)
        return value

    # -- edits that keep the ledger in step --------------------------------------------------------------
    def remove(self, path: Path, reason: str, status: str = "dropped") -> Any:
        """Delete ``path``; list elements after it shift down and the ledger follows them."""
        if status == "dropped" and self._park(path):
            return copy.deepcopy(self.get(path))
        parent = self.get(path[:-1])
        if isinstance(parent, list):
            i = int(path[-1])
            n = len(parent)
            value = parent.pop(i)
            self.ledger.relocate(path, [], status, reason)
            for j in range(i + 1, n):
                self.ledger.relocate(path[:-1] + (str(j),), [path[:-1] + (str(j - 1),)], "moved")
            return value
        value = parent.pop(path[-1])
        self.ledger.relocate(path, [], status, reason)
        return value

    def _park(self, path: Path) -> bool:
        """--keep-source (options["keep_source"]): keep a field the target cannot carry; see engine/keep.py."""
        if not self.options.get("keep_source"):
            return False
        from crosswalk.engine.keep import park

        return park(self, path)

    def replace_list(self, path: Path, new: list[Any], moves: dict[int, int | None], reason: str) -> None:
        """Replace the list at ``path``. ``moves`` maps each old index to its new index (None: dropped); an
        old element landing on a new index that holds a different value counts as transformed."""
        old = self.get(path) or []
        parking = ("\0parking",) + path
        for i in range(len(old)):
            self.ledger.relocate(path + (str(i),), [parking + (str(i),)], "kept")
        self.put(path, new)
        for i, value in enumerate(old):
            j = moves.get(i)
            src = parking + (str(i),)
            if j is None:
                self.ledger.relocate(src, [], "dropped", reason)
            elif new[j] != value:
                self.ledger.relocate(src, [path + (str(j),)], "transformed", reason)
            else:
                self.ledger.relocate(src, [path + (str(j),)], "kept" if j == i else "moved")


def _document_order(path: Path) -> tuple:
    """Sort key: list indices numerically, so reversed() deletes later elements first."""
    return tuple((int(k), "") if k.isdigit() else (-1, k) for k in path)


def _datum_path(datum: Any) -> Path:
    parts: list[str] = []
    d = datum
    while d is not None and d.context is not None:
        p = d.path
        fields = getattr(p, "fields", None)
        if fields is not None:
            parts.append(str(fields[0]))
        else:
            parts.append(str(p.indices[0] if hasattr(p, "indices") else p.index))
        d = d.context
    return tuple(reversed(parts))


def apply_rules(rules: tuple[Rule, ...], ctx: Ctx) -> None:
    from crosswalk.engine.ops import OPS

    for rule in rules:
        ctx.current = ctx.last_read = None
        try:
            OPS[rule.op](rule, ctx)
        except CrosswalkError:
            raise
        except Exception as e:  # any crash inside a rule: say where in the data and where in the spec
            here = ctx.current if ctx.current is not None else (ctx.last_read or ctx.base or None)
            where = to_pointer(here) if here is not None else None
            found = pointer.get(ctx.doc, here, ...) if here is not None else ctx.doc  # ...: nothing there
            raise RuleError(crash_message(e, found), href=ctx.href, path=where, rule=rule.where) from e


def apply(mapping: Mapping, ctx: Ctx) -> None:
    ctx.ledger.step = mapping.id
    ctx.base = ()
    apply_rules(mapping.rules, ctx)
