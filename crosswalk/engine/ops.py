"""The rule vocabulary of the mapping language: one small function per op (see language/mapping.schema.json)."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from crosswalk.engine.run import Ctx, apply_rules
from crosswalk.language.pointer import Path, parse_pointer, rename_key
from crosswalk.language.spec import Rule

OPS: dict[str, Callable[[Rule, Ctx], None]] = {}


def op(name: str):
    def register(fn):
        OPS[name] = fn
        return fn

    return register


def _target(ctx: Ctx, text: str) -> Path:
    return ctx.base + parse_pointer(text)


@op("rename")
def rename(rule: Rule, ctx: Ctx) -> None:
    new = rule.args["to"]
    for path in ctx.find(rule):
        ctx.current = path
        parent = ctx.get(path[:-1])
        if not isinstance(parent, dict) or path[-1] == new:
            continue
        dst = path[:-1] + (new,)
        if new in parent:
            if rule.args.get("on_conflict") == "overwrite":
                ctx.remove(dst, f"overwritten by {path[-1]}")
            else:
                ctx.remove(path, f"{new} already present; kept that value")
                continue
        rename_key(parent, path[-1], new)
        ctx.moved(path, dst)


@op("move")
def move(rule: Rule, ctx: Ctx) -> None:
    dst = _target(ctx, rule.args["to"])
    for path in ctx.find(rule):
        ctx.current = path
        parent = ctx.get(path[:-1])
        if not isinstance(parent, dict):
            raise TypeError("move takes object members; use a transform for list elements")
        if ctx.has(dst):
            ctx.remove(path, f"{rule.args['to']} already present; kept that value")
            continue
        value = parent.pop(path[-1])
        ctx.put(dst, value)
        ctx.moved(path, dst, rule.args.get("reason"))


@op("copy")
def copy_(rule: Rule, ctx: Ctx) -> None:
    dst = _target(ctx, rule.args["to"])
    for path in ctx.find(rule):
        ctx.current = path
        if ctx.has(dst):
            continue
        ctx.put(dst, copy.deepcopy(ctx.get(path)))
        ctx.copied(path, dst, rule.args.get("reason"))


@op("set")
def set_(rule: Rule, ctx: Ctx) -> None:
    path = _target(ctx, rule.args["path"])
    ctx.current = path
    value = rule.args["value"]
    if ctx.has(path):
        if ctx.get(path) == value:
            return
        ctx.put(path, copy.deepcopy(value))
        ctx.ledger.mark(path, "transformed", rule.args["reason"])
    else:
        ctx.invent(path, copy.deepcopy(value), rule.args["reason"])


@op("default")
def default(rule: Rule, ctx: Ctx) -> None:
    path = _target(ctx, rule.args["path"])
    ctx.current = path
    when = rule.args.get("when")
    if ctx.has(path) or (when is not None and not ctx.has(_target(ctx, when))):
        return
    ctx.invent(path, copy.deepcopy(rule.args["value"]), rule.args["reason"])


@op("drop")
def drop(rule: Rule, ctx: Ctx) -> None:
    for path in reversed(ctx.find(rule)):  # reversed: removing list elements must not shift pending matches
        ctx.current = path
        ctx.remove(path, rule.args["reason"])


@op("map_values")
def map_values(rule: Rule, ctx: Ctx) -> None:
    table = rule.table or {}
    on_missing = rule.args.get("on_missing", "keep")
    for path in reversed(ctx.find(rule)):
        ctx.current = path
        value = ctx.get(path)
        if isinstance(value, (dict, list)):
            continue
        key = str(value)
        if key not in table:
            if on_missing == "drop":
                ctx.remove(path, f"no target value for {value!r}")
            elif on_missing == "error":
                raise ValueError(f"value {value!r} is not in the table")
            continue
        new = table[key]
        lossy = None
        if isinstance(new, dict):  # {value: x, lossy: "why"}
            lossy = new.get("lossy")
            new = new.get("value")
        if new == value:
            continue
        ctx.put(path, new)
        reason = lossy or rule.args.get("reason") or f"{value!r} -> {new!r}"
        ctx.ledger.mark(path, "lossy" if lossy else "transformed", reason)


@op("wrap")
def wrap(rule: Rule, ctx: Ctx) -> None:
    for path in ctx.find(rule):
        ctx.current = path
        value = ctx.get(path)
        if isinstance(value, list):
            continue
        ctx.put(path, [value])
        ctx.ledger.relocate(path, [path + ("0",)], "transformed", "wrapped in a list")


@op("unwrap")
def unwrap(rule: Rule, ctx: Ctx) -> None:
    for path in ctx.find(rule):
        ctx.current = path
        value = ctx.get(path)
        if not isinstance(value, list) or not value:
            continue
        for i in range(len(value) - 1, 0, -1):
            ctx.remove(path + (str(i),), rule.args["reason"])
        ctx.put(path, value[0])
        ctx.ledger.relocate(path + ("0",), [path], "transformed", "first element of a list")


@op("each")
def each(rule: Rule, ctx: Ctx) -> None:
    saved = ctx.base
    try:
        for path in reversed(ctx.find(rule)):
            ctx.base = path
            apply_rules(rule.rules, ctx)
    finally:
        ctx.base = saved


@op("extensions")
def extensions(rule: Rule, ctx: Ctx) -> None:
    path = ("stac_extensions",)
    old = ctx.get(path)
    if old is None:
        if ctx.has(path):  # an explicit null becomes the list written below
            ctx.put(path, [])
            ctx.ledger.mark(path, "transformed", "stac_extensions: null became a list")
        old = []
    if not isinstance(old, list):
        raise TypeError("stac_extensions is not a list")
    patterns = [re.compile(p) for p in rule.args.get("remove", [])]
    add = [u for u in rule.args.get("add", []) if u not in old]
    reason = rule.args.get("reason", "schema URI replaced")
    new: list[Any] = []
    moves: dict[int, int | None] = {}
    removed: list[int] = []
    for i, uri in enumerate(old):
        if isinstance(uri, str) and any(p.fullmatch(uri) for p in patterns):
            moves[i] = None
            removed.append(i)
        else:
            moves[i] = len(new)
            new.append(uri)
    if not removed and not add:
        return
    start = len(new)
    new.extend(add)
    wanted = rule.args.get("add", [])
    for k, i in enumerate(removed):
        # a removed URI replaced by a new one (added now, or already there) is transformed, not lost
        if add:
            moves[i] = start + min(k, len(add) - 1)
        elif wanted and wanted[0] in new:
            moves[i] = new.index(wanted[0])
        else:
            moves[i] = None
    ctx.replace_list(path, new, moves, reason)
    for k in range(len(add)):
        if not ctx.ledger.take(path + (str(start + k),)):
            ctx.ledger.create(path + (str(start + k),), "invented", reason)


@op("transform")
def transform(rule: Rule, ctx: Ctx) -> None:
    from crosswalk.transforms import REGISTRY

    REGISTRY[rule.args["name"]].fn(ctx, **rule.args.get("args", {}))
