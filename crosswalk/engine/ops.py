"""The ops of the mapping language, one class each (glom's ``Assign`` is the model).

An op class holds what it does: how it checks and compiles its arguments once when a mapping loads (``compile``),
how it runs on a document (``run``, through ``Ctx`` only), and how it describes itself to the README's field tables
and to the adoption study (``describe``, ``reads``, ``writes``). Its arguments' JSON Schema is the mapping language's
schema (language/mapping.schema.json), which the loader checks mappings against and ``compile`` reads; the op's
description there is its docstring's summary (`python -m crosswalk.engine.ops --write-schema` copies it).

Every op takes an optional ``when`` guard (``Guard``): pointers relative to where the rule works, tested for
presence, absence, a JSON type or a value, and the run's options. There are no expression strings.
"""

from __future__ import annotations

import copy
import json
import os
import re
import string
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from crosswalk.engine.writes import check_writes
from crosswalk.errors import CrosswalkError, RuleError, crash_message
from crosswalk.language import pointer as ptr
from crosswalk.language.formats import Format, registry
from crosswalk.language.jsonpath_steps import JsonPath
from crosswalk.language.pointer import Path, parse_pointer, rename_key, to_pointer

if TYPE_CHECKING:  # pragma: no cover
    from crosswalk.engine.ctx import Ctx
    from crosswalk.language.spec import Mapping, Rule

# The tests set CROSSWALK_CHECK_WRITES=1: every transform is then checked against what it declares it writes.
CHECK_WRITES = bool(os.environ.get("CROSSWALK_CHECK_WRITES"))
POINTER = {"$ref": "#/definitions/pointer"}  # an argument's schema: a JSON pointer, or jsonpath (a rule's `path`)
PATHS = {"$ref": "#/definitions/paths"}


# -- guards ---------------------------------------------------------------------------------------------------
_TYPE_NAMES = {dict: "object", list: "array", str: "string", float: "number", int: "integer", bool: "boolean",
               type(None): "null"}


def json_type(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), "unknown")


def is_type(value: Any, wanted: str) -> bool:
    kind = json_type(value)
    return kind == wanted or (wanted == "number" and kind == "integer")


def as_list(value: Any) -> list[Any]:
    """One item or a list of them (a rule's ``path``, a guard's pointers)."""
    return [] if value is None else value if isinstance(value, list) else [value]


def same(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1`` and ``1.0`` is not ``1`` (Python's == says they are; the output's
    bytes and the schema's types say they are not)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    return a == b


# What a guard tests, on a pointer relative to where the rule works (``_matches``: a jsonpath from there).
# Functions, not lambdas: compiled mappings, their guards included, are pickled in the cache.
def _exists(ctx: Ctx, base: Path, path: Path, _: Any) -> bool:
    return ctx.has(base + path)


def _type(ctx: Ctx, base: Path, path: Path, wanted: str) -> bool:
    return is_type(ctx.get(base + path, ...), wanted)


def _equals(ctx: Ctx, base: Path, path: Path, value: Any) -> bool:
    return same(ctx.get(base + path, ...), value)


def _contains(ctx: Ctx, base: Path, path: Path, item: Any) -> bool:
    found = ctx.get(base + path)
    # `in` first, a scan in C: `same` holds only where == does, so an item not `in` the list is in it for no one
    # (a guard asking stac_extensions for a URI most documents lack scans the list once, not calling `same` for each)
    return isinstance(found, list) and item in found and any(same(item, x) for x in found)


def _matches(ctx: Ctx, base: Path, expr: Any, _: Any) -> bool:
    return bool(expr.find(ctx.get(base, None)))


def _option(ctx: Ctx, base: Path, name: str, _: Any) -> bool:
    """A run option (``keep_source``, ``stored``: a database row) is on."""
    return bool(ctx.options.get(name))


def _stops_before(ctx: Ctx, base: Path, version: Format, _: Any) -> bool:
    """No step of the conversion lands on ``version`` or a later version of its family: a step on the way to one
    leaves a field it rejects, but that one accepts, for the step that places it. Without a plan (a support
    mapping run alone) nothing comes after."""
    return not registry().families[version.family].lands_on(version.version, ctx.options.get("visits", ()))


# name: (test, negated, how the guide words it); a guard runs its tests in this order (their arguments: the schema's
# `definitions/guard`)
GUARD_TESTS: dict[str, tuple[Any, bool, str]] = {
    "exists": (_exists, False, "`{p}` exists"),
    "absent": (_exists, True, "`{p}` is absent"),
    "type": (_type, False, "`{p}` is {a} {v}"),
    "not_type": (_type, True, "`{p}` is no {v}"),
    "equals": (_equals, False, "`{p}` = `{v}`"),
    "not_equals": (_equals, True, "`{p}` ≠ `{v}`"),
    "contains": (_contains, False, "`{p}` holds `{v}`"),
    "not_contains": (_contains, True, "`{p}` does not hold `{v}`"),
    "matches": (_matches, False, "`{p}` finds something"),
    "no_match": (_matches, True, "`{p}` finds nothing"),
    "stops_before": (_stops_before, False, "the conversion stops before `{p}`"),
    "option": (_option, False, "the `{p}` option is on"),
    "not_option": (_option, True, "the `{p}` option is off"),
}


class Guard:
    """``when``: a pointer (it must exist) or an object of tests that must all hold (``GUARD_TESTS``).
    ``matches``/``no_match`` take jsonpath with array filters (``$.assets.*.roles[?(@ == 'mlm:model')]``:
    something found / nothing found), the one way to ask about every element at once ("no asset has the mlm:model
    role")."""

    def __init__(self, spec: str | dict[str, Any]) -> None:
        self.checks = []
        for name, target, value in self.items(spec):
            test, negated, _ = GUARD_TESTS[name]
            target = (JsonPath.compile(target, filters=True) if test is _matches else
                      Format.parse(target) if test is _stops_before else target if test is _option else
                      parse_pointer(target))
            self.checks.append((test, negated, target, value))

    def holds(self, ctx: Ctx) -> bool:
        base = ctx.base  # a loop, not all() over a generator: a guard is tested for every rule and element
        for test, negated, target, value in self.checks:
            if test(ctx, base, target, value) == negated:
                return False
        return True

    @staticmethod
    def items(spec: str | dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
        """(test, pointer or jsonpath, value) of every test of a ``when``, in the order they run."""
        spec = {"exists": spec} if isinstance(spec, str) else spec
        for name in GUARD_TESTS:
            args = spec.get(name)
            for target, value in args.items() if isinstance(args, dict) else [(a, None) for a in as_list(args)]:
                yield name, target, value

    @classmethod
    def describe(cls, spec: str | dict[str, Any]) -> str:
        parts = []
        for name, target, value in cls.items(spec):
            # the guide shows JSON values, a string as it is unless empty (an empty code span shows nothing)
            shown = value if isinstance(value, str) and value else json.dumps(value)
            article = "an" if shown[:1] in ("a", "e", "i", "o", "u") else "a"
            template = GUARD_TESTS[name][2]
            if target == "":  # the empty pointer: the value the rule works on (an `each` element)
                template = template.replace("`{p}`", "the value itself")
            parts.append(template.format(p=target, v=shown, a=article))
        return "when " + " and ".join(parts)


# -- the ops --------------------------------------------------------------------------------------------------
class Op:
    """Base class: an op's name and summary, and what every op shares (the ``when`` guard)."""

    name: ClassVar[str]  # the class name in snake case (``MapValues``: map_values)
    summary: ClassVar[str]  # the first paragraph of its docstring, in the schema
    templates: ClassVar[tuple[str, ...]] = ()  # the fields its reasons may name (``{old}``); none: plain text
    # what the README's tables and the adoption study read: the arguments naming what it reads and writes (pointers,
    # jsonpath; no written argument: it writes where it reads), and the table's target cell
    reads_arg: ClassVar[str | None] = "path"
    writes_arg: ClassVar[str] = "to"
    shows: ClassVar[str | None] = None  # a template of the arguments; by default `to`, or "same place"
    explains: ClassVar[str] = ""  # the table's reason cell when the rule gives no reason
    backwards: ClassVar[bool] = False  # `run` takes the matches from the last

    def __init_subclass__(cls) -> None:
        cls.name = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", cls.__name__).lower()
        cls.summary = " ".join((cls.__doc__ or "").split("\n\n")[0].split())  # as a transform's description

    @property
    def arguments(self) -> dict[str, Any]:
        """The JSON Schema of each of its arguments, from the mapping language's schema."""
        from crosswalk.resources import mapping_schema

        return mapping_schema()["definitions"]["rule"]["properties"][self.name]["properties"]

    @property
    def has_paths(self) -> bool:
        """``path`` is jsonpath (compiled once by the loader), not a pointer."""
        return self.arguments.get("path") == PATHS

    def templated(self, args: dict[str, Any]) -> bool:
        """Whether the rule's reasons are templates of ``templates`` (checked once, shown with their fields)."""
        return bool(self.templates)

    def compile(self, args: dict[str, Any]) -> dict[str, Any]:
        """Check and pre-parse the arguments once (pointers parsed, guards built); the result is ``rule.parsed``."""
        for key in ("reason", "float_reason") if self.templated(args) else ():
            if key in args:
                check_template(args[key], self.templates)
        out: dict[str, Any] = {"when": Guard(args["when"])} if "when" in args else {}
        for key, schema in self.arguments.items():  # the arguments that are pointers (`rename`'s `to` is a key)
            if schema == POINTER and isinstance(args.get(key), str):
                if not args[key]:  # the schema's pointer admits "" for the guards, which test the element itself
                    raise ValueError(f'`{key}` is "", the whole document: a rule reads and writes below it')
                out[key] = parse_pointer(args[key])
        return out

    def run(self, rule: Rule, ctx: Ctx) -> None:
        """Most ops: ``at`` on each path the rule's jsonpath finds, in document order (from the last with
        ``backwards``: removing one does not shift those still to come), the place its ``to`` names found once.
        Each is the path being worked on (``ctx.current``, for an error message) while it is; the matches are a
        list, not a generator, whose creation and resumption cost a compiled build more than most rules' own work."""
        found = ctx.find(rule)
        if not found:  # most rules find nothing in a given document: nothing to set up for them
            return
        dst = self.target(rule, ctx, "to") if "to" in rule.parsed else None
        for path in found[::-1] if rule.parsed.get("backwards", self.backwards) else found:
            ctx.current = path
            self.at(rule, ctx, path, dst)

    def at(self, rule: Rule, ctx: Ctx, path: Path, dst: Path | None) -> None:  # pragma: no cover - if run is not
        raise NotImplementedError

    def label(self, rule: Rule) -> str:
        return self.name

    def guard_text(self, rule: Rule) -> str:
        return Guard.describe(rule.args["when"])

    def describe(self, rule: Rule) -> tuple[str, str, str]:
        """(source, target, reason) cells of the README's field table."""
        a = rule.args
        to = self.shows.format(**a) if self.shows else f"`{a['to']}`" if "to" in a else "same place"
        reason = a.get("reason", self.explains)
        return _cell(self.reads(rule)), to, template_text(reason) if self.templated(a) else reason

    def reads(self, rule: Rule) -> tuple[str, ...]:  # the paths its argument names: one or a list
        return tuple(as_list(rule.args.get(self.reads_arg)))

    def writes(self, rule: Rule) -> tuple[str, ...]:
        return tuple(as_list(rule.args[self.writes_arg])) if self.writes_arg in rule.args else self.reads(rule)

    @staticmethod
    def target(rule: Rule, ctx: Ctx, key: str) -> Path:
        path = ctx.base + rule.parsed[key]
        parent = ctx.get(path[:-1], None) if path and path[-1] == "-" else None
        if isinstance(parent, list):  # JSON Pointer's "-": the element after the last (an append)
            path = path[:-1] + (str(len(parent)),)
        return path


def _cell(items: Any) -> str:
    """A cell of the README's field table: each item in backticks, one a line."""
    return "<br>".join(f"`{x}`" for x in items if x) or "—"


def check_template(text: str, names: tuple[str, ...]) -> None:
    """A reason template: plain ``str.format`` fields from a fixed set of names (``{key}``, ``{value!r}``); no
    attribute or index access, so a mapping file cannot reach into Python objects."""
    for _, field, _, _ in string.Formatter().parse(text):
        if field is not None and field not in names:
            raise ValueError(f"reason {text!r}: {{{field}}} is not one of {', '.join(names)}")


def template_text(text: str) -> str:
    """A reason template as the guide shows it: each field as ```<name>``` (in backticks: markdown would take a
    bare ``<name>`` for an HTML tag)."""
    return "".join(lit + (f"`<{field}>`" if field is not None else "")
                   for lit, field, _, _ in string.Formatter().parse(text))


class Rename(Op):
    """Rename the matched key inside its parent object, keeping its position (moved; `status: repaired` with a `reason`:
    the fix of a misspelt key)."""
    shows = "`{to}` (same object)"
    explains = "moved"

    def at(self, rule: Rule, ctx: Ctx, path: Path, dst: Path | None) -> None:
        new, parent = rule.args["to"], ctx.get(path[:-1])
        if not isinstance(parent, dict) or path[-1] == new:
            return
        if new in parent:
            ctx.remove(path, f"{new} already present; kept that value")
            return
        rename_key(parent, path[-1], new)
        ctx.account(path, [path[:-1] + (new,)], rule.args.get("status", "moved"), rule.args.get("reason"))


class Move(Op):
    """Move the matched value to a JSON Pointer (relative to where the rule works)."""

    def at(self, rule: Rule, ctx: Ctx, path: Path, dst: Path) -> None:
        if path == dst:
            return  # already where it goes
        if ctx.has(dst):
            ctx.remove(path, f"{rule.args['to']} already present; kept that value")
        else:
            ctx.move(path, dst, rule.args.get("reason"))


class Copy(Op):
    """Copy the matched value to a JSON Pointer (only when the target is absent); with `status`, the copy stands for the
    source field in the target (moved, transformed, lossy) and a later rule removes the field; `value`: a constant
    written instead, standing for the matched value; `also`: the other source fields the copy stands for (a python
    expression's format), each a pointer or `{path, status, reason}` of its own (one that is absent stands for
    nothing)."""

    def compile(self, args: dict[str, Any]) -> dict[str, Any]:
        also = [a if isinstance(a, dict) else {"path": a} for a in args.get("also", ())]
        return {**super().compile(args), "also": [(parse_pointer(a["path"]), a.get("status", args.get("status")),
                                                   a.get("reason", args.get("reason"))) for a in also]}

    def at(self, rule: Rule, ctx: Ctx, path: Path, dst: Path) -> None:
        reason, status = rule.args.get("reason"), rule.args.get("status")
        if ctx.has(dst):
            return
        if "value" in rule.args:
            ctx.put(dst, copy.deepcopy(rule.args["value"]))
            ctx.copied(path, dst, reason, status=status)
        else:
            ctx.copy(path, dst, reason, status=status)
        for also, also_status, also_reason in rule.parsed["also"]:
            if ctx.has(ctx.base + also):
                ctx.copied(ctx.base + also, dst, also_reason, status=also_status)

    def describe(self, rule: Rule) -> tuple[str, str, str]:
        a, (source, target, reason) = rule.args, super().describe(rule)
        also = [_cell([x if isinstance(x, str) else x["path"]]) for x in a.get("also", ())]
        value = f" = `{json.dumps(a['value'], ensure_ascii=False)}`" if "value" in a else ""
        return "<br>".join([source, *also]), target + value, reason


class Set(Op):
    """Set a constant; reported invented when new, transformed when it replaces a value (`{old}` in the reason is the
    value replaced)."""
    templates = ("old",)
    reads_arg = None
    writes_arg = "path"

    def run(self, rule: Rule, ctx: Ctx) -> None:
        path = ctx.current = self.target(rule, ctx, "path")
        value, old = rule.args["value"], ctx.get(path, ...)
        if not same(old, value):  # `{old}` of a value set where none was: "nothing"
            ctx.set(path, copy.deepcopy(value), rule.args["reason"].format(old="nothing" if old is ... else old))

    def describe(self, rule: Rule) -> tuple[str, str, str]:
        value = json.dumps(rule.args["value"], ensure_ascii=False)  # the guide shows JSON, not Python
        return "—", f"`{rule.args['path']}` = `{value}`", super().describe(rule)[2]


class Default(Set):
    """Set a constant only where the path is absent (or, with `unless_type`, holds a value of another type, which is
    dropped); reported invented (or filled from --fill)."""
    templates = ()  # a default writes only where nothing is: its reason is plain text, no `{old}`

    def run(self, rule: Rule, ctx: Ctx) -> None:
        path = ctx.current = self.target(rule, ctx, "path")
        wanted = rule.args.get("unless_type")
        if ctx.has(path):
            if wanted is None or is_type(ctx.get(path), wanted):
                return
            ctx.remove(path, f"not {'an' if wanted[0] in 'aeiou' else 'a'} {wanted}")
        ctx.invent(path, copy.deepcopy(rule.args["value"]), rule.args["reason"])


class Drop(Op):
    """Remove the matched values; the reason is required and goes into the report (`status: repaired`: a defect removed,
    nothing lost)."""
    templates = ("key",)  # with `keys` only (``templated``): the member's name
    shows = "—"

    def templated(self, args: dict[str, Any]) -> bool:
        return "keys" in args

    def compile(self, args: dict[str, Any]) -> dict[str, Any]:
        return {**super().compile(args), "backwards": "keys" not in args}  # `keys` removes inside each match

    def at(self, rule: Rule, ctx: Ctx, path: Path, dst: Path | None) -> None:
        status, keys = rule.args.get("status", "dropped"), rule.args.get("keys")
        if keys is None:
            ctx.remove(path, rule.args["reason"], status)
            return
        # members selected by name prefix, in each matched object's key order (a family's leftover fields)
        value = ctx.get(path)
        for key in [k for k in value if k.startswith(keys["prefix"])] if isinstance(value, dict) else ():
            ctx.current = path + (key,)
            ctx.remove(path + (key,), rule.args["reason"].format(key=key), status)

    def reads(self, rule: Rule) -> tuple[str, ...]:
        paths = super().reads(rule)
        return tuple(f"{p}.'{rule.args['keys']['prefix']}*'" for p in paths) if "keys" in rule.args else paths

    def writes(self, rule: Rule) -> tuple[str, ...]:
        return ()


class MapValues(Op):
    """Replace matched scalar values through a value table (named in tables/ or inline); an entry
    `{value: x, lossy: why}` is lossy, `{value: x, repaired: why}` an input defect fixed, and `{values: [x, y]}` on a
    list element becomes several elements (`status: lossy`: a lossy change); an entry's `reason` is what the report
    says of it. `ignore_case`: values are looked up trimmed and lower-cased. `merge`: a list element whose new values
    are already in the list merges into them (reported there) instead of being dropped. `patterns`: for a text no
    table entry names, the first `{match: regex, value: ...}` entry whose regex matches it in full, its `value` a
    template of the match's groups (`\\1`)."""

    backwards = True  # a one-to-many entry lengthens the list

    def compile(self, args: dict[str, Any]) -> dict[str, Any]:
        entries = [(re.compile(e["match"]), {k: v for k, v in e.items() if k != "match"})
                   for e in args.get("patterns", ())]
        return {**super().compile(args), "patterns": entries}

    def at(self, rule: Rule, ctx: Ctx, path: Path, dst: Path | None) -> None:
        table, value = rule.table or {}, ctx.get(path)
        if isinstance(value, (dict, list)):
            return
        key = str(value).strip().lower() if rule.args.get("ignore_case") else str(value)
        new = table[key] if key in table else self._by_pattern(rule, value)
        if new is None and key not in table:
            return
        status, why = "transformed", None
        if isinstance(new, dict) and "values" in new:
            self._splice(ctx, path, value, new, rule)
            return
        if isinstance(new, dict):  # {value: x, lossy: "why"} or {value: x, repaired: "why"}
            status = "lossy" if "lossy" in new else "repaired" if "repaired" in new else status
            why = new.get(status) or new.get("reason")
            new = new.get("value")
        if new != value:
            ctx.set(path, new, why or rule.args.get("reason") or f"{value!r} -> {new!r}", status)

    @staticmethod
    def _by_pattern(rule: Rule, value: Any) -> dict[str, Any] | None:
        """The entry of the first pattern matching a text in full, its value written with the groups matched."""
        for pattern, entry in rule.parsed["patterns"] if isinstance(value, str) else ():
            if match := pattern.fullmatch(value):
                return {**entry, "value": match.expand(entry["value"])}
        return None

    @staticmethod
    def _splice(ctx: Ctx, path: Path, value: Any, entry: dict[str, Any], rule: Rule) -> None:
        """One list element becomes several (a task that MLM splits in two); values already in the list are
        not repeated. ``merge``: every value stays only where it first occurs, and an element whose value occurred
        earlier merges into that one."""
        at, merge = path[:-1], rule.args.get("merge")
        parent = ctx.get(at)
        if not isinstance(parent, list):
            raise TypeError("a one-to-many table entry needs a list element")
        i = int(path[-1])
        # the new list, and the new indices of each old element: element i becomes the entry's values
        extra = entry["values"] if merge else [v for v in entry["values"] if v not in parent or v == value]
        new: list[Any] = []
        targets: list[list[int]] = []
        for j, x in enumerate(parent):
            here = []
            for v in extra if j == i else [x]:
                if not (merge and v in new):
                    new.append(v)
                here.append(new.index(v) if merge else len(new) - 1)
            targets.append(here)
        reason = (entry.get("lossy") or entry.get("reason") or rule.args.get("reason")
                  or f"{value!r} -> {entry['values']!r}")
        status = entry.get("status", "transformed")
        if status == "transformed" and not merge:
            ctx.replace_list(at, new, {j: here[0] if here else None for j, here in enumerate(targets)}, reason)
            for k in targets[i][1:]:
                ctx.copied(at + (str(i),), at + (str(k),), reason)
            return
        # another status, or a merge: every element is parked, then accounted for where it lands
        ctx.rewrite_list(at, new, [(here, status, reason) if j == i else
                                   (here, "kept" if here == [j] else "moved", None) for j, here in enumerate(targets)])

    def describe(self, rule: Rule) -> tuple[str, str, str]:
        a = rule.args  # a pattern's entry shows as what it matches, what it writes and why
        table = (f"table `{a['table'] if isinstance(a['table'], str) else 'inline'}`" if "table" in a else
                 "patterns")
        why = [a["reason"]] if "reason" in a else []
        why += [f"`{e['match']}` → `{e['value']}`: {e.get('lossy') or e.get('repaired') or e.get('reason', '')}"
                for e in a.get("patterns", ())]
        return _cell(self.reads(rule)), f"same place, {table}", "; ".join(why)


class Wrap(Op):
    """Wrap a matched value that is not a list in a one-element list (`status: repaired`: an input defect)."""

    def at(self, rule: Rule, ctx: Ctx, path: Path, dst: Path | None) -> None:
        value = ctx.get(path)
        if not isinstance(value, list):
            ctx.put(path, [value])
            ctx.account(path, [path + ("0",)], rule.args.get("status", "transformed"),
                        rule.args.get("reason", "wrapped in a list"))


class Unwrap(Op):
    """A matched list becomes its first element (the inverse of `wrap`), or with `member` a matched object the value of
    that member: the other elements or members are removed with `rest_reason` (`{key}`: the member's name; without
    one, a longer list or object stays); an empty list becomes null with `empty_reason` (without one, it stays);
    `status`: what became of the value kept (`repaired`: an input defect)."""

    def compile(self, args: dict[str, Any]) -> dict[str, Any]:
        check_template(args.get("rest_reason", ""), ("key",))
        return super().compile(args)

    def at(self, rule: Rule, ctx: Ctx, path: Path, dst: Path | None) -> None:
        a, member, value = rule.args, rule.args.get("member"), ctx.get(path)
        if value == [] and "empty_reason" in a:
            ctx.put(path, None)
            ctx.account(path, [path], a.get("status", "transformed"), a["empty_reason"])
            return
        if member is None and isinstance(value, list) and value:
            kept, rest = "0", [str(i) for i in range(len(value) - 1, 0, -1)]  # the last first: nothing shifts
        elif member is not None and isinstance(value, dict) and member in value:
            kept, rest = member, [k for k in value if k != member]
        else:
            return
        if rest and "rest_reason" not in a:
            return
        for key in rest:
            ctx.remove(path + (key,), a["rest_reason"].format(key=key))
        ctx.put(path, ctx.get(path + (kept,)))
        ctx.account(path + (kept,), [path], a.get("status", "transformed"), a["reason"])

    def describe(self, rule: Rule) -> tuple[str, str, str]:
        a = rule.args  # every reason it may give, the list's own first
        labels = (("reason", ""), ("rest_reason", "the others: "), ("empty_reason", "an empty list: "))
        return (_cell(self.reads(rule)), f"same place, its `{a['member']}`" if "member" in a else "same place",
                "; ".join(f"{label}{a[k]}" for k, label in labels if k in a))


class Keep(Op):
    """The matched values stay where they are, unread by the target: reported kept, with the reason (a field an open
    object of the target may carry, left for the round trip under `option: keep_source`)."""
    shows = "same place"

    def at(self, rule: Rule, ctx: Ctx, path: Path, dst: Path | None) -> None:
        ctx.changed(path, "kept", rule.args["reason"])

    def writes(self, rule: Rule) -> tuple[str, ...]:
        return ()


class ToString(Op):
    """Write a matched number (not a boolean) as its decimal text, in place; `{value}` and `{text}` in the reason are
    the number and the text, and `float_reason` (same fields) is used for a non-integer number, whose text cannot keep
    trailing zeros the source may have meant (`status: repaired`: an input defect)."""
    templates = ("value", "text")
    shows = "same place, as text"

    def at(self, rule: Rule, ctx: Ctx, path: Path, dst: Path | None) -> None:
        a, value = rule.args, ctx.get(path)
        if is_type(value, "number"):
            ctx.put(path, text := str(value))
            why = a.get("float_reason", a["reason"]) if isinstance(value, float) else a["reason"]
            ctx.account(path, [path], a.get("status", "transformed"), why.format(value=value, text=text))


class Scale(Op):
    """Multiply (`by`) or divide (`divide_by`) a matched number (not a boolean): in place, or with `to` written there
    (only when absent) standing for the source with `status` while the source stays for a later rule; `{value}` and
    `{result}` in the reason are the number and the result (`status: repaired`: an input defect)."""
    templates = ("value", "result")

    def at(self, rule: Rule, ctx: Ctx, path: Path, dst: Path | None) -> None:
        a, value = rule.args, ctx.get(path)
        if not is_type(value, "number") or (dst is not None and ctx.has(dst)):
            return
        # a division, not a product with the inverse: 5 / 1000 is 0.005, 5 * (1 / 1000) is 0.005000000000000001
        result = value / a["divide_by"] if "divide_by" in a else value * a["by"]
        why = a["reason"].format(value=value, result=result)
        if dst is None:
            ctx.set(path, result, why, a.get("status", "transformed"))
        else:
            ctx.put(dst, result)
            ctx.copied(path, dst, why, status=a.get("status", "transformed"))

    def describe(self, rule: Rule) -> tuple[str, str, str]:
        source, target, reason = super().describe(rule)
        factor = f"÷ {rule.args['divide_by']}" if "divide_by" in rule.args else f"× {rule.args['by']}"
        return source, f"{target}, {factor}", reason


class Each(Op):
    """Run the nested rules on every matched value (their paths and pointers are relative to it)."""
    shows = "each element, by the rules below (↳)"

    def run(self, rule: Rule, ctx: Ctx) -> None:
        saved = ctx.base
        try:
            for path in reversed(ctx.find(rule)):
                ctx.base = path
                run_rules(rule.rules, ctx)
        finally:
            ctx.base = saved


class Extensions(Op):
    """Edit stac_extensions: remove URIs matching `remove` regexes (or every spelling of `remove_format`), add `add`
    URIs (or the URI of `add_format`); a removed URI replaced by an added one is transformed. `in_place`: a swap, the
    added URI takes the place of the first removed one and nothing changes when none is removed."""

    def compile(self, args: dict[str, Any]) -> dict[str, Any]:
        return {**super().compile(args), "remove": Remembered(args.get("remove", []))}

    def run(self, rule: Rule, ctx: Ctx) -> None:
        path, in_place = ("stac_extensions",), rule.args.get("in_place", False)
        old = ctx.get(path)
        hits = [i for i, u in enumerate(old if isinstance(old, list) else [])
                if isinstance(u, str) and rule.parsed["remove"].fullmatch(u)]
        if in_place and not hits:
            return  # a swap with nothing to swap
        if old is None:
            if ctx.has(path):  # an explicit null becomes the list written below
                ctx.set(path, [], "stac_extensions: null became a list")
            old = []
        if not isinstance(old, list):
            raise TypeError("stac_extensions is not a list")
        kept = [i for i in range(len(old)) if i not in hits]
        wanted = rule.args.get("add", [])
        # a wanted URI already there stays, unless a pattern of this rule removes it too: then it is added again
        add = [u for u in wanted if u not in [old[i] for i in kept]]
        if not hits and not add:
            return
        start = hits[0] if in_place else len(kept)  # where the added URIs go
        new = [old[i] for i in kept[:start]] + add + [old[i] for i in kept[start:]]
        moves: dict[int, int | None] = {i: k if k < start else k + len(add) for k, i in enumerate(kept)}
        for k, i in enumerate(hits):  # not in moves: dropped
            # a removed URI replaced by a new one (added now, or already there) is transformed, not lost
            if add:
                moves[i] = start + min(k, len(add) - 1)
            elif wanted and wanted[0] in new:
                moves[i] = new.index(wanted[0])
        reason = rule.args.get("reason", "schema URI replaced")
        ctx.replace_list(path, new, moves, reason)
        for k in range(len(add)):
            if not ctx.origins(path + (str(start + k),)):
                ctx.created(path + (str(start + k),), "invented", reason)

    def describe(self, rule: Rule) -> tuple[str, str, str]:
        a = rule.args  # a format, spelled out from the format registry: name the version, not its regexes
        removed = (f"any `{a['remove_format']}` schema URI" if "remove_format" in a else
                   _cell(_as_text(p) for p in a.get("remove", [])))
        added = f"`{a['add_format']}`: `{a['add'][-1]}`" if "add_format" in a else _cell(a.get("add", []))
        return removed, added, a.get("reason", "")

    def reads(self, rule: Rule) -> tuple[str, ...]:
        return ("/stac_extensions",)

    writes = reads


def _as_text(pattern: str) -> str:
    """A regex the guide shows as the text it matches when it matches one text only (``a\\.b`` -> ``a.b``)."""
    # no operator outside an escape, and no escape that is a class or an anchor (\\d, \\b)
    literal = not re.search(r"[.^$*+?{}\[\]|()]|\\[0-9A-Za-z]", re.sub(r"\\\W", "", pattern))
    return re.sub(r"\\(.)", r"\1", pattern) if literal else pattern


class Remembered:
    """A full match of one of the regexes ``patterns``, its answers remembered by text: a URI swap asks about the
    same few URIs in every document, so its patterns (every spelling of a family's URI) are tried one after the
    other only for a text it has not seen. Pickled without its answers (a compiled mapping is cached on disk)."""

    __slots__ = ("patterns", "answers")
    _LIMIT = 1024  # texts remembered (forgotten all at once beyond): memory stays flat whatever the URIs

    def __init__(self, patterns: list[Any]) -> None:
        self.patterns = [re.compile(p) for p in patterns]  # each alone: an error names the pattern it is in
        self.answers: dict[str, bool] = {}

    def __reduce__(self) -> tuple[type, tuple[Any]]:
        return (Remembered, (self.patterns,))

    def fullmatch(self, text: str) -> bool:
        known = self.answers.get(text)
        if known is None:
            if len(self.answers) >= self._LIMIT:
                self.answers.clear()
            known = self.answers[text] = any(p.fullmatch(text) for p in self.patterns)
        return known


_REGISTRY: Any = None  # the transform registry once imported (on first use: the transforms import the engine)


class Transform(Op):
    """Run a named Python transform (rules that need logic); it declares what it reads and writes."""

    @staticmethod
    def registered(rule: Rule) -> Any:
        global _REGISTRY
        if _REGISTRY is None:
            from crosswalk.transforms import REGISTRY

            _REGISTRY = REGISTRY
        # dict's own look-up first: the registry's (a dict subclass, so a call through a Python-level slot) only
        # for a name not there yet, whose module it imports
        found = dict.get(_REGISTRY, rule.args["name"])
        return found if found is not None else _REGISTRY[rule.args["name"]]

    def run(self, rule: Rule, ctx: Ctx) -> None:
        t, args = self.registered(rule), rule.args.get("args", {})
        if CHECK_WRITES:
            check_writes(t, ctx, args)
        else:
            t.fn(ctx, **args)

    def label(self, rule: Rule) -> str:
        args = "".join(f", {k}: `{json.dumps(v)}`" for k, v in rule.args.get("args", {}).items())
        return f"transform `{rule.args['name']}`" + (f" ({args[2:]})" if args else "")

    def describe(self, rule: Rule) -> tuple[str, str, str]:
        writes = self.writes(rule)  # ("same",): the places it reads, as the other ops' guide rows say it
        return (_cell(self.reads(rule)), "same place" if writes == ("same",) else _cell(writes),
                self.registered(rule).description)

    def reads(self, rule: Rule) -> tuple[str, ...]:
        return self.registered(rule).reads

    def writes(self, rule: Rule) -> tuple[str, ...]:
        return self.registered(rule).writes


OPS: dict[str, Op] = {cls.name: cls() for cls in Op.__subclasses__() + Set.__subclasses__()}


# -- running rules -----------------------------------------------------------------------------------------------
def apply(mapping: Mapping, ctx: Ctx) -> None:
    """Run every rule of ``mapping`` on ``ctx.doc``; the ledger reports them under the mapping's id."""
    ctx.step, ctx.target = mapping.id, mapping.target
    run_rules(mapping.rules, ctx)


_UNREAD = object()  # `run_rules`: the value the rules work on is not read yet


def run_rules(rules: tuple[Rule, ...], ctx: Ctx) -> None:
    """Run rules in order; a crash inside one becomes a RuleError naming the href, the data path, the mapping
    file:line and the op (linkml-map's error context)."""
    doc, root = ctx.doc, _UNREAD
    for rule in rules:
        ctx.current = ctx.last_read = None
        gate = rule.gate
        if gate is not None:
            # A rule whose paths all start with a name the value it works on lacks finds nothing and so does
            # nothing (every op with paths acts only on what they find): passed by before its guard is tested
            # and before its op sets anything up. The value (inside `each`, a walk from the document) is read
            # once for a run of rules passed by, and again after any rule that ran: that one may have replaced
            # it. pointer's `get`, not the Ctx's: that one notes a read for an error message, this is no rule's.
            if root is _UNREAD:
                root = ptr.get(doc, ctx.base) if ctx.base else doc
            if not isinstance(root, dict):
                continue
            for name in gate:
                if name in root:
                    break
            else:
                continue
        try:
            if rule.guard is None or rule.guard.holds(ctx):  # a guard only reads
                root = _UNREAD
                rule.run(rule, ctx)
        except CrosswalkError:
            raise
        except Exception as e:  # any crash inside a rule: say where in the data and where in the spec
            here = ctx.current if ctx.current is not None else (ctx.last_read or ctx.base or None)
            where = to_pointer(here) if here is not None else None
            found = ptr.get(ctx.doc, here, ...) if here is not None else ctx.doc  # ...: nothing there
            raise RuleError(crash_message(e, found), href=ctx.href, path=where, rule=rule.where) from e


def language_schema(base: dict[str, Any]) -> dict[str, Any]:
    """The mapping language's JSON Schema: ``base`` (the file) with each op's description its docstring's summary."""
    out = copy.deepcopy(base)
    for name, op in OPS.items():
        out["definitions"]["rule"]["properties"][name]["description"] = op.summary
    return out


if __name__ == "__main__":  # python -m crosswalk.engine.ops --write-schema
    import sys
    from pathlib import Path as FilePath

    if sys.argv[1:] != ["--write-schema"]:
        sys.exit("usage: python -m crosswalk.engine.ops --write-schema")
    file = FilePath(__file__).resolve().parents[1] / "language" / "mapping.schema.json"
    schema = language_schema(json.loads(file.read_text(encoding="utf-8")))
    file.write_text(json.dumps(schema, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
