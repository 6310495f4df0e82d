"""The mappings' common jsonpath expressions as plain steps, matched without jsonpath-ng's match objects.

jsonpath-ng parses every path of a mapping file (once, when the mapping is compiled) and stays the definition of
what a path matches. Almost every path the mappings write is a chain of names, ``*`` and ``[*]``; for those the
parsed expression is turned into a tuple of steps, and matching walks the document directly: the same places,
about ten times faster than building jsonpath-ng's context chain for every match (a rule's path is matched once
per rule per document, so that cost is paid about sixty times per document). Any other expression keeps jsonpath-ng.
The tests match every path of every mapping file both ways over the corpus and over generated documents.
"""

from __future__ import annotations

from typing import Any

from jsonpath_ng import jsonpath

from crosswalk.language.pointer import Path

# Steps are compared by value, never by identity: compiled mappings are pickled to the on-disk cache, and an
# unpickled string is equal to these, not the same object.
ALL_MEMBERS = "*"  # a step: every member of an object (jsonpath `.*`)
EACH_ELEMENT = "[*]"  # a step: every element of an array (jsonpath `[*]`)

Steps = tuple[Any, ...]  # ALL_MEMBERS, EACH_ELEMENT, or a tuple of member names


def steps_of(expr: Any) -> Steps | None:
    """The steps of a parsed expression, or None when it has anything else (a filter, an index, ``..``)."""
    if jsonpath.auto_id_field is not None:  # jsonpath-ng's auto ids make up members: leave those to it
        return None
    out: list[Any] = []

    def walk(node: Any, first: bool) -> bool:
        if isinstance(node, jsonpath.Child):
            return walk(node.left, first) and walk(node.right, False)
        if isinstance(node, jsonpath.Root):
            return first  # `$` only where the path starts
        if isinstance(node, jsonpath.Fields):
            out.append(ALL_MEMBERS if "*" in node.fields else tuple(node.fields))
            return True
        if isinstance(node, jsonpath.Slice) and node.start is None and node.end is None and node.step is None:
            out.append(EACH_ELEMENT)
            return True
        return False

    return tuple(out) if walk(expr, True) else None


def match(steps: Steps, root: Any) -> list[Path]:
    """The paths ``steps`` match in ``root``, as jsonpath-ng finds them: names and ``*`` only in objects (a null
    member matches); ``[*]`` every element of an array, and an object or a scalar as its element 0 (jsonpath-ng
    reads a non-array as a one-element array), nothing in null."""
    current: list[tuple[Path, Any]] = [((), root)]
    for step in steps:
        found: list[tuple[Path, Any]] = []
        for path, value in current:
            if step == EACH_ELEMENT:
                if isinstance(value, list):
                    found.extend((path + (str(i),), v) for i, v in enumerate(value))
                elif isinstance(value, (dict, int, float, str)):
                    found.append((path + ("0",), value))
            elif isinstance(value, dict):
                for name in value if step == ALL_MEMBERS else step:
                    if name in value:
                        found.append((path + (name,), value[name]))
        current = found
    return [path for path, _ in current]
