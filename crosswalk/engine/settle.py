"""What the ledger says of a source leaf, made true of the finished output.

Each step of a plan records what it did to a leaf, and the report gives the leaf's worst status with every step's
reason. Two of those records can end up untrue of the plan as a whole, and are settled here, after the last step:

- a leaf a step rewrote and a later step wrote back, the same value at its own place (a dl-model URI taken to
  MLM's and back to the same dl-model URI on the way through the latest MLM): the value is unchanged, so it is
  reported ``kept``, and a conversion that changes nothing reports nothing changed;
- a leaf an earlier step kept for a round trip (``--keep-source``) that a later step dropped after all (with the
  asset holding it, which has no place in the target): it is in no place of the output, so its reason says it was
  kept, then dropped, rather than "kept" beside the status ``dropped``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crosswalk.engine.keep import REASON as KEEP_REASON
from crosswalk.engine.ops import same
from crosswalk.language.pointer import get

if TYPE_CHECKING:  # pragma: no cover
    from crosswalk.engine.ledger import Ledger

KEPT_THEN_DROPPED = f"{KEEP_REASON} by an earlier step, then dropped"
_MISSING = object()


def settle(ledger: Ledger, source: Any, output: Any) -> None:
    """Settle every recorded source leaf against ``output`` (see the module docstring)."""
    for o in ledger.origins:
        if o.created:
            continue
        if o.status in ("moved", "transformed") and len(o.locs) == 1 and o.path in o.locs:
            here = get(output, o.path, _MISSING)
            if here is not _MISSING and same(here, get(source, o.path, _MISSING)):
                o.status, o.step = "kept", None
                o.reasons = [r for r in o.reasons if r == KEEP_REASON]  # the other reasons say what was undone
        elif o.status == "dropped" and KEEP_REASON in o.reasons:
            o.reasons = [KEPT_THEN_DROPPED if r == KEEP_REASON else r for r in o.reasons]
