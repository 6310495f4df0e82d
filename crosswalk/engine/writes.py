"""The check the tests run on every transform (CROSSWALK_CHECK_WRITES=1): what it changed in the document must
lie under what it declared it reads (consumed, rewritten) or writes.

Declared paths use the transforms' notation: keys joined by dots, ``[]`` any list element, ``*`` or ``<...>``
(a named asset, ``<model>``) any key, ``same`` for the paths it reads. A change is allowed when a declared path
covers it, or when it creates or removes a container on the way to a declared path.
"""

from __future__ import annotations

import copy
import re
from fnmatch import fnmatchcase
from typing import Any

from crosswalk.errors import InternalError
from crosswalk.language.pointer import Path, to_pointer

try:  # the C pickler that pickle.py wraps: this module is imported by every run, which must not load pickle.py
    from _pickle import dumps, loads
except ImportError:  # pragma: no cover - an interpreter without the C pickler
    from pickle import dumps, loads

_TOKEN = re.compile(r"<[^>]*>|\[\]|[^.\[\]]+")
_GONE = object()  # a member missing on one side


def expand(declared: str) -> list[str]:
    """Alternatives spelt out: ``{a,b}`` is a or b, ``(s)`` an optional letter (``dlm:input(s)``)."""
    m = re.search(r"\{([^}]*)\}|\((\w+)\)", declared)
    if not m:
        return [declared]
    options = m[1].split(",") if m[1] is not None else ["", m[2]]
    return [x for o in options for x in expand(declared[: m.start()] + o + declared[m.end() :])]


def tokens(declared: str) -> tuple[str, ...]:
    """``properties.mlm:input[].bands`` -> ``("properties", "mlm:input", "[]", "bands")``; ``<model>`` -> ``*``."""
    return tuple("*" if t.startswith("<") else t for t in _TOKEN.findall(declared))


def _matches(pattern: tuple[str, ...], path: Path) -> bool:
    """``path`` is under ``pattern`` or on the way to it (``*`` any key, ``mlm:*`` every mlm field)."""
    return all(want == key or (want == "[]" and key.isdigit()) or ("*" in want and fnmatchcase(key, want))
               for want, key in zip(pattern, path, strict=False))


def changed_paths(before: Any, after: Any, path: Path = ()) -> list[Path]:
    """The topmost paths where ``after`` differs from ``before``."""
    if type(before) is not type(after) or isinstance(before, list) and len(before) != len(after):
        return [path]
    if isinstance(before, list):  # elements by index, as members
        before, after = dict(enumerate(before)), dict(enumerate(after))
    if isinstance(before, dict):  # a member on one side only: its type differs from _GONE's
        keys = before.keys() | after.keys()
        return [p for k in keys for p in changed_paths(before.get(k, _GONE), after.get(k, _GONE), path + (str(k),))]
    return [] if before == after else [path]


def _pickled(doc: Any) -> bytes | None:
    try:
        return dumps(doc, -1)  # the highest protocol
    except Exception:  # noqa: BLE001 - an object a caller put in the document that pickle refuses
        return None


def check_writes(transform: Any, ctx: Any, args: dict[str, Any]) -> None:
    """Run the transform with ``args`` and fail if it changed the document outside its declaration.

    The document is pickled before and after: the same bytes mean nothing changed (types, values, key order and
    all), which spares most transforms the walk of the whole document; the walk compares the rest with the copy
    read back from the bytes before."""
    pickled = _pickled(ctx.doc)
    before = copy.deepcopy(ctx.doc) if pickled is None else None
    transform.fn(ctx, **args)
    if pickled is not None:
        if _pickled(ctx.doc) == pickled:
            return
        before = loads(pickled)
    declared = [d for d in transform.writes if d != "same"] + list(transform.reads)
    # any field may need its extension's URI declared
    patterns = [tokens(x) for d in declared for x in expand(d)] + [("stac_extensions",)]
    stray = sorted(p for p in changed_paths(before, ctx.doc) if not any(_matches(t, p) for t in patterns))
    if stray and "*" not in declared:
        more = f" (and {len(stray) - 1} more)" if len(stray) > 1 else ""
        raise InternalError(
            f"internal error: transform {transform.name} changed a field outside what it declares{more} (reads "
            f"{', '.join(transform.reads) or 'nothing'}; writes {', '.join(transform.writes) or 'nothing'}); "
            "this is a crosswalk bug, please report it with the input document",
            href=ctx.href, path=to_pointer(stray[0]))
