"""Field paths of the study, all read by jsonpath-ng.

The concept catalogue and the mapping files write paths as jsonpath; the transforms declare what they read and
write in their own dotted notation (``properties.mlm:input[].bands``, ``assets.<model>.eo:bands``,
``properties.dlm:runtime.{version,framework_version}``), which `declared` turns into jsonpath text before
jsonpath-ng parses it. A parsed expression becomes a `Pattern`: the tuple of steps the tracer compares (``[]``
any list element, ``*`` any key, ``**`` any depth) and the value a filter asks for, if any.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cache
from typing import Any

from jsonpath_ng import Child, Descendants, Fields, Index, Root, Slice, This
from jsonpath_ng.ext.filter import Filter

from crosswalk.language.filters import parse_path

Tokens = tuple[str, ...]

# The STAC ML extensions whose fields the study measures apart from STAC core (a key with one of these prefixes
# and everything under it).
ML_PREFIXES = ("dlm:", "ml-model:", "mlm:")


@dataclass(frozen=True)
class Pattern:
    """A path as steps, an optional value the path's node (or a list element) must equal, and for catalogue
    fields that only exist in an older version of their family, that version."""

    tokens: Tokens
    value: str | None = None
    version: str | None = None
    expression: Any = None  # the jsonpath-ng expression it was read from (to find it in documents)

    @property
    def text(self) -> str:
        out = ""
        for t in self.tokens:
            out += t if t == "[]" else (("." if out else "") + t)
        return out + (f"={self.value}" if self.value is not None else "")

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pattern) and (self.tokens, self.value) == (other.tokens, other.value)

    def __hash__(self) -> int:
        return hash((self.tokens, self.value))


@cache
def compile_path(text: str) -> Any:
    """jsonpath-ng's parse (with filters), cached: the catalogue repeats fields across concepts."""
    return parse_path(text, extended=True)


def patterns(expression: Any, version: str | None = None) -> tuple[Pattern, ...]:
    """The patterns a jsonpath-ng expression stands for (``['a','b']`` gives one pattern per name)."""
    return tuple(Pattern(tokens, value, version, expression) for tokens, value in _steps(expression))


def pattern(text: str, version: str | None = None) -> Pattern:
    """The one pattern of a jsonpath text (the catalogue's fields)."""
    found = patterns(compile_path(text), version)
    if len(found) != 1:
        raise ValueError(f"{text!r} is not a single field path")
    return found[0]


def _steps(node: Any) -> list[tuple[Tokens, str | None]]:
    if isinstance(node, Root | This):
        return [((), None)]
    if isinstance(node, Child):
        out = []
        for left, lv in _steps(node.left):
            for right, rv in _steps(node.right):
                out.append((left + right, rv if rv is not None else lv))
        return out
    if isinstance(node, Descendants):
        return [(left + ("**",) + right, rv) for left, _ in _steps(node.left) for right, rv in _steps(node.right)]
    if isinstance(node, Fields):
        return [((name,), None) for name in node.fields]
    if isinstance(node, Slice | Index):
        return [(("[]",), None)]
    if isinstance(node, Filter):
        return [(("[]",) + member, value) for member, value in _filter_steps(node)]
    raise ValueError(f"unsupported jsonpath step {node!r}")


def _filter_steps(node: Filter) -> list[tuple[Tokens, str | None]]:
    """``[?(@ == 'v')]`` is a list element equal to v; ``[?(@.rel == 'v')]`` an element whose rel is v (the
    pattern then names the rel member: that is the field that carries the value)."""
    out = []
    for expr in node.expressions:
        target, op, value = getattr(expr, "target", None), getattr(expr, "op", None), getattr(expr, "value", None)
        if op != "==" or not isinstance(value, str) or target is None:
            out.append(((), None))
            continue
        for member, _ in _steps(target):
            out.append((member, value))
    return out


def declared(text: str) -> str:
    """A transform's declared path as jsonpath text: ``.``-separated keys, ``[]`` any element, ``<name>`` and
    ``*`` any key, ``{a,b}`` either key."""
    out = "$"
    for part in _split_dots(text):
        brackets = 0
        while part.endswith("[]"):
            part, brackets = part[:-2], brackets + 1
        if part.startswith("<") and part.endswith(">") or part == "*":
            out += ".*"
        elif part.startswith("{") and part.endswith("}"):
            out += "[" + ",".join(_quote(k) for k in part[1:-1].split(",")) + "]"
        elif part:
            out += "[" + _quote(part) + "]"
        out += "[*]" * brackets
    return out


def _split_dots(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "." and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    return [*parts, cur]


def _quote(key: str) -> str:
    return "'" + key.strip().replace("\\", "\\\\").replace("'", "\\'") + "'"


def declared_patterns(text: str) -> tuple[Pattern, ...]:
    return patterns(compile_path(declared(text)))


# --------------------------------------------------------------------------------------------------------------
# Comparing patterns
# --------------------------------------------------------------------------------------------------------------


def step_matches(a: str, b: str) -> bool:
    """Can the steps a and b name the same member? (``*`` and glob keys match keys; ``[]`` only ``[]``.)"""
    if a == b:
        return True
    if "[]" in (a, b):
        return False
    if "*" in (a, b):
        return True
    return any(c in a for c in "*?[") and fnmatch.fnmatchcase(b, a) or (
        any(c in b for c in "*?[") and fnmatch.fnmatchcase(a, b))


def relation(field: Tokens, rule: Tokens) -> str | None:
    """``covers`` when ``rule`` matches ``field`` or one of its ancestors, ``within`` when it matches a strict
    descendant of ``field``, else None."""
    if "**" in rule:
        head, tail = rule[: rule.index("**")], rule[rule.index("**") + 1:]
        if len(head) > len(field) or not all(step_matches(a, b) for a, b in zip(field, head, strict=False)):
            return None
        rest = field[len(head):]
        if not tail:
            return "covers"
        for i in range(len(rest)):
            found = relation(rest[i:], tail)
            if found:
                return found
        return "within" if not rest else None
    n = min(len(field), len(rule))
    if not all(step_matches(field[i], rule[i]) for i in range(n)):
        return None
    return "covers" if len(rule) <= len(field) else "within"


def same_path(a: Tokens, b: Tokens) -> bool:
    return len(a) == len(b) and all(step_matches(x, y) for x, y in zip(a, b, strict=True))


# --------------------------------------------------------------------------------------------------------------
# Finding patterns in documents
# --------------------------------------------------------------------------------------------------------------

# A Collection describes its items' properties in `summaries` and their assets in `item_assets`.
_ALT_ROOTS = {"properties": ("properties", "summaries"), "assets": ("assets", "item_assets")}


def find(doc: Any, pat: Pattern) -> list[tuple[tuple[str, ...], Any]]:
    """Concrete (path, value) pairs of ``doc`` the pattern's expression matches (paths as in language.pointer)."""
    from crosswalk.language.jsonpath_steps import datum_path  # the engine's reading of a jsonpath-ng match

    if not isinstance(doc, dict) or not pat.tokens or pat.expression is None:
        return []
    first = pat.tokens[0]
    out = []
    for root in _ALT_ROOTS.get(first, (first,)):
        if root not in doc:
            continue
        view = {first: doc[root]}  # evaluate the expression as if this root had the pattern's first name
        for match in pat.expression.find(view):
            path = datum_path(match)
            out.append(((root, *path[1:]), match.value))
    return out


def is_asset_role(pat: Pattern) -> bool:
    """``assets.*.roles[?(@ == 'R')]``: an asset with role R."""
    return pat.value is not None and pat.tokens[:1] == ("assets",) and pat.tokens[-2:] == ("roles", "[]")


def carriers(doc: Any, pat: Pattern) -> list[tuple[tuple[str, ...], Any]]:
    """The (path, value) pairs of ``doc`` that carry a concept field: what the pattern matches, and for an asset role
    the asset's href too. A role only labels the link an asset holds: a conversion that carries a source URL into an
    asset and gives that asset the role (say dlm's model_src_url becoming MLM's source-code asset, its role set by
    the mapping) has carried the concept, though the role string itself is new."""
    from crosswalk.language.pointer import get

    found = find(doc, pat)
    if not is_asset_role(pat):
        return found
    out = list(found)
    for path, _ in found:
        asset = path[:-2]  # (assets | item_assets, name): the role's path ends in roles/<index>
        node = get(doc, asset)
        if isinstance(node, dict) and "href" in node and (*asset, "href") not in {p for p, _ in out}:
            out.append(((*asset, "href"), node["href"]))
    return out


def has_leaf(node: Any) -> bool:
    if isinstance(node, dict):
        return not node or any(has_leaf(v) for v in node.values())
    if isinstance(node, list):
        return True
    return node is not None


def is_ml_path(path: tuple[str, ...]) -> bool:
    """Is this a field of an ML extension (a ``dlm:``, ``ml-model:`` or ``mlm:`` key, or under one)?"""
    return any(step.startswith(ML_PREFIXES) for step in path)
