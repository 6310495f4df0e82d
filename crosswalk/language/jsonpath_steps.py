"""The mappings' common jsonpath expressions as plain steps, matched without jsonpath-ng's match objects.

jsonpath-ng parses every path of a mapping file (once, when the mapping is compiled) and stays the definition of
what a path matches. Almost every path the mappings write is a chain of names, ``*``, ``[*]`` and, in guards, an
array filter testing an element or one of its members for existence or equality with a string; for those the
parsed expression is turned into a tuple of steps, and matching walks the document directly: the same places,
about ten times faster than building jsonpath-ng's context chain for every match (a rule's path is matched once
per rule per document, so that cost is paid about sixty times per document), and a run from the cached mappings
does not import jsonpath-ng at all. Any other expression keeps jsonpath-ng. The tests match every path of every
mapping file both ways over the corpus and over generated documents."""

from __future__ import annotations

from itertools import takewhile
from typing import Any, NamedTuple

from crosswalk.language.pointer import Path

# Steps are compared by value, never by identity: compiled mappings are pickled to the on-disk cache, and an
# unpickled string is equal to these, not the same object.
ALL_MEMBERS = "*"  # a step: every member of an object (jsonpath `.*`)
EACH_ELEMENT = "[*]"  # a step: every element of an array (jsonpath `[*]`)
_ANY = ("any",)  # a filter test's value: the element (or its member) exists, whatever it holds


class Filter(NamedTuple):
    """A step: the elements of an array passing every test ``(member or None, value or _ANY)``."""

    tests: tuple[tuple[str | None, Any], ...]


Steps = tuple[Any, ...]  # ALL_MEMBERS, EACH_ELEMENT, a tuple of member names, or a Filter


class JsonPath:
    """A jsonpath of a mapping file: its text, its steps where it has them, and jsonpath-ng's parse of it
    (``filters``: the guards' parser, filters over arrays only). Pickled without the parse when it has steps, so
    that a run from the cached mappings imports jsonpath-ng only for a path the steps do not cover."""

    __slots__ = ("text", "filters", "steps", "_expr", "ordered", "head", "rest")

    def __init__(self, text: str, filters: bool = False, steps: Steps | None = None, expr: Any = None) -> None:
        self.text, self.filters, self.steps, self._expr = text, filters, steps, expr
        # array elements (in index order) and single names only: its matches come out unique and in the engine's
        # `document_order` (which sorts object members by name, not as the document has them): no sort
        self.ordered = steps is not None and all(s == EACH_ELEMENT or isinstance(s, Filter) or _one_name(s)
                                                 for s in steps)
        # the leading single names (most paths start `$.properties.x`), walked without `match`'s list of places,
        # and the steps after them
        names = list(takewhile(_one_name, steps or ()))
        self.head, self.rest = tuple(s[0] for s in names), steps[len(names):] if steps is not None else None

    @classmethod
    def compile(cls, text: str, filters: bool = False) -> JsonPath:
        """Parsed now (jsonpath-ng's error, or ValueError, when it cannot read it) and turned into steps."""
        expr = cls(text, filters).expr
        return cls(text, filters, steps_of(expr), expr)

    def __reduce__(self) -> tuple[Any, ...]:
        return JsonPath, (self.text, self.filters, self.steps, self._expr if self.steps is None else None)

    def __repr__(self) -> str:
        return f"JsonPath({self.text!r})"

    @property
    def expr(self) -> Any:
        if self._expr is None:
            from crosswalk.language import filters

            self._expr = (filters.parse_filter_path if self.filters else filters.parse_path)(self.text)
        return self._expr

    def find(self, root: Any, prefix: Path = ()) -> list[Path]:
        """The paths this matches in ``root``, each after ``prefix`` (the path of ``root``)."""
        if self.steps is None:
            return [prefix + datum_path(m) for m in self.expr.find(root)]
        for name in self.head:  # as `match` takes a name: only in an object, a null member too
            if not isinstance(root, dict) or name not in root:
                return []
            root = root[name]
        return match(self.rest, root, prefix + self.head) if self.rest else [prefix + self.head]


def first_names(paths: tuple[JsonPath, ...]) -> tuple[str, ...] | None:
    """The member names of which the value a rule works on must have one for any of ``paths`` to match: each
    path's first name, when every path starts with a single name (``$.properties.x``: "properties"); None when one
    may match without (``$``, ``$.*``, a path left to jsonpath-ng). The engine tests them with a dict look-up before
    anything else of the rule runs: most rules of a step file find nothing in a given document."""
    if not paths or any(not p.head for p in paths):  # no steps: head is ()
        return None
    return tuple(dict.fromkeys(p.head[0] for p in paths))  # each once, in the paths' order


def _one_name(step: Any) -> bool:
    """A step of one member name (neither ``*``, ``[*]``, a filter nor a choice of names)."""
    return type(step) is tuple and len(step) == 1


def steps_of(expr: Any) -> Steps | None:
    """The steps of a parsed expression, or None when it has anything else (an index, ``..``, another filter)."""
    from jsonpath_ng import jsonpath

    from crosswalk.language.filters import ArrayFilter

    if jsonpath.auto_id_field is not None:  # jsonpath-ng's auto ids make up members: leave those to it
        return None
    out: list[Any] = []

    def test(expression: Any) -> tuple[str | None, Any] | None:
        """An array filter's test as ``(member, value)``: ``@`` or ``@.name``, alone or ``== 'text'``."""
        target, op, value = expression.target, expression.op, expression.value
        if op is None:
            value = _ANY
        elif op not in ("==", "=") or not isinstance(value, str):  # an int literal converts the element first
            return None
        if isinstance(target, jsonpath.This):
            return None, value
        if (isinstance(target, jsonpath.Child) and isinstance(target.left, jsonpath.This)
                and isinstance(target.right, jsonpath.Fields) and len(target.right.fields) == 1
                and target.right.fields[0] != "*"):
            return target.right.fields[0], value
        return None

    def walk(node: Any, first: bool) -> bool:
        if isinstance(node, jsonpath.Child):
            return walk(node.left, first) and walk(node.right, False)
        if isinstance(node, jsonpath.Root):
            return first  # `$` only where the path starts
        if isinstance(node, jsonpath.Fields):
            out.append(ALL_MEMBERS if "*" in node.fields else tuple(node.fields))
        elif isinstance(node, jsonpath.Slice) and node.start is None and node.end is None and node.step is None:
            out.append(EACH_ELEMENT)
        elif type(node) is ArrayFilter:
            out.append(Filter(tuple(test(e) for e in node.expressions)))
        else:
            return False
        return not isinstance(out[-1], Filter) or None not in out[-1].tests

    return tuple(out) if walk(expr, True) else None


def _passes(element: Any, tests: tuple[tuple[str | None, Any], ...]) -> bool:
    for member, value in tests:
        if member is not None and (not isinstance(element, dict) or member not in element):
            return False
        target = element if member is None else element[member]
        if value != _ANY and target != value:
            return False
    return True


def match(steps: Steps, root: Any, prefix: Path = ()) -> list[Path]:
    """The paths ``steps`` match in ``root``, as jsonpath-ng finds them: names and ``*`` only in objects (a null
    member matches); ``[*]`` every element of an array, and an object or a scalar as its element 0 (jsonpath-ng
    reads a non-array as a one-element array), nothing in null; a filter the elements of an array that pass its
    tests, nothing in anything else. Each path starts with ``prefix``."""
    current: list[tuple[Path, Any]] = [(prefix, root)]
    for step in steps:
        found: list[tuple[Path, Any]] = []
        for path, value in current:
            if step == EACH_ELEMENT:
                if isinstance(value, list):
                    found.extend((path + (str(i),), v) for i, v in enumerate(value))
                elif isinstance(value, (dict, int, float, str)):
                    found.append((path + ("0",), value))
            elif isinstance(step, Filter):
                if isinstance(value, list):
                    found.extend((path + (str(i),), v) for i, v in enumerate(value) if _passes(v, step.tests))
            elif isinstance(value, dict):
                for name in value if step == ALL_MEMBERS else step:
                    if name in value:
                        found.append((path + (name,), value[name]))
        if not found:
            return []  # nothing left to step into (most paths of a rule find nothing in most documents)
        current = found
    return [path for path, _ in current]


def datum_path(datum: Any) -> Path:
    """The path of a jsonpath-ng match, from its context chain."""
    parts: list[str] = []
    while datum.context is not None:
        p = datum.path
        fields = getattr(p, "fields", None)
        parts.append(str(fields[0] if fields is not None else p.indices[0] if hasattr(p, "indices") else p.index))
        datum = datum.context
    return tuple(reversed(parts))
