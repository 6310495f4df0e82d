"""Lossless mode (``--keep-source``): a field the target cannot carry stays in the output under its own key,
where the target schema accepts it, so that the reverse conversion (whose rules let values already present win)
can restore it.

No drop rule knows about this: ``Ctx.remove``, ``Ctx.dropped`` and ``Ctx.lossy`` (the three ways a rule loses a
value) call ``park`` first. A field is parked when it sits in a *parking place* (a key directly in ``properties``,
``summaries``, an asset or an item-asset definition, or a whole element of ``links``), its key (a link: its
``rel``) has an ML-model family prefix the **final** target's schema accepts as an extra key, and the source
document has a value at that path from which everything the ledger has below it came. At a place the source
does not have, a field the repairs moved there (pystac's model fields on the model asset, lifted to the Item) is
kept where they put it; a value made of the whole of one source field in a parking place and nothing else (renamed
by an earlier step of a longer plan) brings that field back at its own place instead.

Leaves that were only being dropped become ``kept`` with ``REASON``; leaves also carried elsewhere, lossily, keep
that status and gain the reason (the value is in both places).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from crosswalk.language import pointer
from crosswalk.language.pointer import Path

if TYPE_CHECKING:  # pragma: no cover
    from crosswalk.engine.ctx import Ctx
    from crosswalk.language.formats import Format

REASON = "kept for round trip (--keep-source)"
PREFIXES = ("mlm:", "ml-model:", "dlm:")
_PLACES = {"properties": 2, "summaries": 2, "assets": 3, "item_assets": 3}  # host -> length of a parked path


def accepts(target: Format, key: str) -> bool:
    """Whether ``target``'s schema accepts an extra, unknown field ``key`` (family-prefixed keys only; which
    prefixes each version rejects is in the format registry, ``rejects_unknown``)."""
    from crosswalk.language.formats import registry

    if not key.startswith(PREFIXES):
        return False
    family = registry().families.get(target.family)
    return family is not None and not key.startswith(family.rejected_prefixes(target.version))


def place_key(source: Any, path: Path) -> str | None:
    """The field name that decides whether ``path`` may be parked, or None if it is no parking place."""
    if path and len(path) == _PLACES.get(path[0]):
        return path[-1]
    if len(path) == 2 and path[0] == "links":
        rel = pointer.get(source, path + ("rel",))  # nothing unless the link is an object
        return rel if isinstance(rel, str) else None
    return None


def park(ctx: Ctx, path: Path) -> bool:
    """Keep the source value of ``path`` in the output (see the module docstring); True if it did. Called by
    ``Ctx`` under --keep-source, whose options then hold the ``source`` document and the ``target`` format."""
    source = ctx.options["source"]
    if not pointer.exists(source, path):
        if _park_repaired(ctx, path):
            return True
        _park_renamed(ctx, path)
        return False  # the value at ``path`` goes either way: it is not the source's
    key = place_key(source, path)
    if key is None or not accepts(ctx.options["target"], key):
        return False
    n = len(path)
    ledger = ctx._ledger  # the engine's own bookkeeping: --keep-source restores source leaves
    mine = ledger.origins_under(path)
    parent = ctx.get(path[:-1])
    present = ctx.has(path)
    # nothing of it carried elsewhere: the current value stays (repairs made inside it included), and leaves an
    # earlier rule dropped from inside it stay dropped
    restored = not (present and all(not o.locs or any(loc[:n] == path for loc in o.locs) for o in mine))
    # carried elsewhere by copy, the value itself untouched (a link that became an asset): it stays as it is;
    # removed, or parts of it carried elsewhere: the whole source value comes back
    if restored and not (present and ctx.get(path) == pointer.get(source, path)):
        if not isinstance(parent, dict) or any(o.created or o.path[:n] != path for o in ledger.take(path)):
            return False  # something invented or moved in from elsewhere lives there: a plain drop is honest
        ledger.detach(path)
        parent[path[-1]] = copy.deepcopy(pointer.get(source, path))
    for o in mine:
        if restored or (not o.locs and ctx.has(o.path) and ctx.get(o.path) == pointer.get(source, o.path)):
            # the source leaf is at its own place (restored, or never physically removed by the rule that
            # reported it dropped): back to kept
            if not o.locs and o.status == "dropped":
                o.status, o.step, o.reasons = "kept", None, []
            ledger.attach(o.path, o)
    ledger.mark(path, "kept", REASON)
    return True


def _park_repaired(ctx: Ctx, path: Path) -> bool:
    """A field the repairs moved to a parking place the source does not have (pystac writes mlm:name and the
    other model fields on the only model asset; MLM wants them on the Item) stays where they put it, as any
    field at its source place does: a round trip compares with the source after its repairs."""
    ledger = ctx._ledger  # the engine's own bookkeeping, as in park
    here = ledger.take(path)
    if (not here or not ctx.has(path) or place_key(ctx.options["source"], path) is None
            or not accepts(ctx.options["target"], path[-1])):
        return False
    # moved by the repairs step itself: a leaf an edge repaired (dlm beta's version number read as text) and then
    # carried elsewhere reports that repair as its worst status, but it is no field the repairs placed
    if not all(not o.created and o.status == "repaired" and o.step == "repairs" for o in here):
        return False
    ledger.mark(path, "kept", REASON)
    return True


def _park_renamed(ctx: Ctx, path: Path) -> None:
    """A value about to be lost at ``path``, a place the source does not have, that is the whole of one source
    field and nothing else (renamed or rewritten by an earlier step of a longer plan: ml-model:architecture,
    mlm:architecture in MLM, has no place in a dlm Collection's summaries): that field's source value comes back
    under its own key, as a field lost in the step that reads it does. Nothing happens when the field's place is
    taken, its key is not accepted, or a part of it also lives elsewhere (then it is not lost). (A field the
    repairs moved there stays there: ``_park_repaired``, asked first.)"""
    ledger = ctx._ledger  # the engine's own bookkeeping, as in park
    here = ledger.take(path)
    if not here or any(o.created for o in here):
        return
    host = here[0].path[:1]
    field = here[0].path[:_PLACES.get(host[0], 0)] if host else ()
    source = ctx.options["source"]
    key = place_key(source, field) if field else None
    if key is None or not accepts(ctx.options["target"], key) or ctx.has(field):
        return
    n = len(path)
    mine = ledger.origins_under(field)
    if set(mine) != set(here) or not all(o.locs and all(loc[:n] == path for loc in o.locs) for o in mine):
        return  # not all of it, or not only it, is at ``path``
    parent = ctx.get(field[:-1])
    if not isinstance(parent, dict):
        return
    parent[field[-1]] = copy.deepcopy(pointer.get(source, field))
    # each source leaf at its own place again, as the source has it (the caller's drop of ``path`` then leaves it
    # only there): what earlier steps did to it is undone
    for o in mine:
        o.status, o.step, o.reasons = "kept", None, []
        ledger.attach(o.path, o)
    ledger.mark(field, "kept", REASON)
