"""Paths into JSON documents: tuples of string keys inside the code, RFC 6901 pointers on the outside.

List indices are kept as strings ("0") so a path is hashable and formats the same way as a pointer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Path = tuple[str, ...]

_MISSING = object()


def to_pointer(path: Path) -> str:
    """``("a/b", "c~d")`` -> ``"/a~1b/c~0d"``."""
    try:
        joined = "/".join(path)
    except TypeError:  # a list index given as a number
        joined = None
    if joined is not None and "~" not in joined and joined.count("/") == len(path) - 1:
        return "/" + joined  # nothing to escape: the common case, in one join
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def parse_pointer(pointer: str) -> Path:
    """``"/properties/mlm:input/0"`` -> ``("properties", "mlm:input", "0")``; ``""`` -> ``()``."""
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON Pointer: {pointer!r}")
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/"))


def get(doc: Any, path: Path, default: Any = None) -> Any:
    node = doc
    for key in path:
        if isinstance(node, dict):  # most steps are object members
            node = node.get(key, _MISSING)
            if node is _MISSING:
                return default
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return default
    return node


def exists(doc: Any, path: Path) -> bool:
    return get(doc, path, _MISSING) is not _MISSING


def put(doc: Any, path: Path, value: Any) -> None:
    """Set ``value`` at ``path``, creating missing objects on the way (glom Assign semantics)."""
    node = doc
    for key in path[:-1]:
        if isinstance(node, dict):
            node = node.setdefault(key, {})
        else:
            parent, node = node, get(node, (key,), _MISSING)
            if node is _MISSING:
                raise KeyError(f"cannot create {key!r} inside a {type(parent).__name__}")
    last = path[-1]
    if not isinstance(node, list):
        node[last] = value
    elif int(last) == len(node):
        node.append(value)
    else:
        node[int(last)] = value


def rename_key(obj: dict, old: str, new: str) -> None:
    """Rename a key in place, keeping its position (output stays readable and diffs stay small)."""
    items = list(obj.items())
    obj.clear()
    for k, v in items:
        obj[new if k == old else k] = v


def leaves(doc: Any, prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every scalar and every empty object/array, with its path (a 'leaf' of the report contract), in document order.

    Iterative, so that no depth of nesting can exhaust the interpreter's stack."""
    stack: list[Iterator[tuple[Path, Any]]] = [iter(((prefix, doc),))]
    while stack:
        for path, node in stack[-1]:
            if isinstance(node, (dict, list)) and node:
                stack.append(_children(path, node))
                break
            yield path, node
        else:
            stack.pop()


def _children(path: Path, node: dict | list) -> Iterator[tuple[Path, Any]]:  # a function: its own `path` to close on
    if isinstance(node, dict):
        return ((path + (k,), v) for k, v in node.items())
    return ((path + (str(i),), v) for i, v in enumerate(node))


def is_prefix(prefix: Path, path: Path) -> bool:
    return path[: len(prefix)] == prefix
