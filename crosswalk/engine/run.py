"""Runs a mapping's rules on a working document (see engine/ctx.py for how rules edit it and engine/ops.py for
the rules themselves)."""

from __future__ import annotations

from crosswalk.engine.ctx import Ctx
from crosswalk.engine.ops import run_rules
from crosswalk.language.spec import Mapping

__all__ = ["Ctx", "apply", "run_rules"]


def apply(mapping: Mapping, ctx: Ctx) -> None:
    """Run every rule of ``mapping`` on ``ctx.doc``; the ledger reports them under the mapping's id."""
    ctx.step = mapping.id
    run_rules(mapping.rules, ctx)
