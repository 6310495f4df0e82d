"""Lossless mode (``--keep-source``): a field the target cannot carry stays in the output under
its own key, where the target schema accepts it, so that the reverse conversion can restore it.

No drop rule knows about this. ``Ctx.remove``, ``Ctx.dropped`` and ``Ctx.lossy`` (the three ways a rule loses a
value) call ``park`` first when ``ctx.options["keep_source"]`` is on; ``park`` decides from the path alone:

* the path is a *parking place*: a key directly in ``properties``, ``summaries``, an asset or an item-asset
  definition, or a whole element of ``links``;
* the key (for a link: its ``rel``) carries an ML-model family prefix (``mlm:``, ``ml-model:``, ``dlm:``) and
  the **final** target's schema accepts an extra key of that name (``accepts``: MLM >= 1.4 rejects only unknown
  ``mlm:*`` keys, MLM 1.0-1.3 reject ``dlm:*`` keys, ml-model 1.0.0 rejects unknown ``ml-model:*`` keys);
* the source document has a value at that same path, and everything the ledger has below the path came from
  there (nothing invented or moved in from elsewhere).

Parking keeps the current value when all of it is still there (repairs made inside it included); otherwise it
writes the source value back at its own path and attaches every source leaf under it there again. Leaves that
were only being dropped become ``kept`` with ``REASON``; leaves that were also carried elsewhere, lossily, keep
that status and gain the reason (the value is in both places).
The reverse edges restore parked fields because their rules let values already present win.
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
_HOSTS_2 = ("properties", "summaries")
_HOSTS_3 = ("assets", "item_assets")


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
    if len(path) == 2 and path[0] in _HOSTS_2:
        return path[1]
    if len(path) == 3 and path[0] in _HOSTS_3:
        return path[2]
    if len(path) == 2 and path[0] == "links":
        link = pointer.get(source, path)
        rel = link.get("rel") if isinstance(link, dict) else None
        return rel if isinstance(rel, str) else None
    return None


def park(ctx: Ctx, path: Path) -> bool:
    """Keep the source value of ``path`` in the output (see the module docstring); True if it did. Called by
    ``Ctx`` under --keep-source, whose options then hold the ``source`` document and the ``target`` format."""
    source = ctx.options["source"]
    key = place_key(source, path) if pointer.exists(source, path) else None
    if key is None or not accepts(ctx.options["target"], key):
        return False
    n = len(path)
    ledger = ctx._ledger  # the engine's own bookkeeping: --keep-source restores source leaves
    mine = ledger.origins_under(path)
    parent = ctx.get(path[:-1])
    present = ctx.has(path)
    restored = True
    if present and all(not o.locs or any(loc[:n] == path for loc in o.locs) for o in mine):
        restored = False  # nothing of it was carried elsewhere: keep the current value (repairs made inside it
        # included); leaves an earlier rule dropped from inside it stay dropped
    elif present and ctx.get(path) == pointer.get(source, path):
        pass  # carried elsewhere by copy, the value itself untouched (a link that became an asset)
    elif isinstance(parent, dict):
        # it was removed, or parts of it were carried elsewhere: the whole source value comes back
        if any(o.created or o.path[:n] != path for o in ledger.take(path)):
            return False  # something invented or moved in from elsewhere lives there: a plain drop is honest
        ledger.detach(path)
        parent[path[-1]] = copy.deepcopy(pointer.get(source, path))
    else:
        return False
    for o in mine:
        if restored or (not o.locs and ctx.has(o.path) and ctx.get(o.path) == pointer.get(source, o.path)):
            # the source leaf is at its own place (restored, or never physically removed by the rule that
            # reported it dropped): back to kept
            if not o.locs and o.status == "dropped":
                o.status, o.step, o.reasons = "kept", None, []
            ledger.attach(o.path, o)
    ledger.mark(path, "kept", REASON)
    return True
