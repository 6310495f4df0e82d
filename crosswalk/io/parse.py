"""Text to a JSON value: strict JSON (orjson when it is safe, else json, whose errors say where) and YAML through a
bounded safe loader; every failure is a one-line ReadError (LimitError for the input limits). Shared by the
document reader (`crosswalk.io.documents`) and the lenient reader (`crosswalk.io.lenient`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from crosswalk.errors import ReadError
from crosswalk.io.limits import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_YAML_EXPANSION,
    SURROGATE,
    LimitError,
    parse_int,
    sanitize,
)
from crosswalk.language.pointer import to_pointer

try:  # optional: a faster parser for the common case (its errors are re-parsed by json for the message)
    from orjson import OPT_APPEND_NEWLINE as _NEWLINE
    from orjson import OPT_INDENT_2 as _INDENT_2
    from orjson import dumps as _fast_dumps
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - orjson is optional
    _fast_loads = _fast_dumps = None


def parse_text(text: str | bytes, href: str, *, yaml_ok: bool = False) -> Any:
    """Parse one document (JSON, or YAML when ``yaml_ok``); every failure is a one-line ReadError. The result is
    not yet checked against the input limits (`read_document_repairs` and `parse_checked` do that)."""
    if yaml_ok:
        return load_yaml(text if isinstance(text, str) else text.decode("utf-8"), href)
    return load_json(text, href)


def parse_checked(text: str | bytes, href: str, *, yaml_ok: bool = False) -> tuple[Any, list[dict[str, Any]]]:
    """`parse_text` then `crosswalk.io.limits.sanitize`: (document, repairs)."""
    doc = parse_text(text, href, yaml_ok=yaml_ok)
    return doc, sanitize(doc, href)


# Runs of 19 or more digits (an integer orjson might read as a float): every digit mapped to "0", everything
# else to a space, then one substring search (a regex takes 10x longer on a 4 kB document).
_DIGITS_AS_ZERO = bytes(48 if 48 <= i <= 57 else 32 for i in range(256))
_LONG_RUN = b"0" * 19


def _has_long_number(raw: bytes) -> bool:
    return _LONG_RUN in raw.translate(_DIGITS_AS_ZERO)


def load_json(data: str | bytes, href: str) -> Any:
    """Strict JSON: orjson when it is installed and safe here (it reads integers beyond 64 bits as floats, so
    texts with long digit runs go to the json module), else json, whose errors explain where."""
    if _fast_loads is not None:
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        if not _has_long_number(raw):
            try:
                return _fast_loads(raw)
            except ValueError:
                pass  # json decides (it accepts NaN and lone surrogates, which sanitize then repairs) and explains
    text = data if isinstance(data, str) else data.decode("utf-8")
    try:
        return json.loads(text, parse_int=parse_int)
    except json.JSONDecodeError as e:
        if not text.strip():
            raise ReadError("empty: no JSON document in it", href=href) from None
        raise ReadError(f"invalid JSON (line {e.lineno}, column {e.colno}): {e.msg}", href=href) from None
    except RecursionError:
        raise _too_deep(text, href) from None
    except ValueError as e:  # pragma: no cover - numbers are guarded by parse_int
        raise ReadError(f"invalid JSON: {e}", href=href) from None


def load_json_checked(data: str | bytes, href: str) -> tuple[Any, list[dict[str, Any]]]:
    """`load_json` then the input limits of `crosswalk.io.limits.sanitize`: (document, repairs)."""
    doc, repairs, _ = read_json(data, href)
    return doc, repairs


def read_json(data: str | bytes, href: str, *, twin: bool = False) -> tuple[Any, list[dict[str, Any]], Any]:
    """`load_json_checked`'s (document, repairs), and with ``twin`` a second, independent parse equal to the first
    (cheaper than a deep copy) where that is what orjson reads twice: a text with no integer beyond 64 bits and
    nothing repaired; else None. What orjson reads needs only the depth check (`_within_depth`): it refuses NaN,
    Infinity and lone surrogates itself, and long integers never reach it; the rest goes through sanitize."""
    return read_json_written(data, href, twin=twin)[:3]


def read_json_written(data: str | bytes, href: str, *, twin: bool = False
                      ) -> tuple[Any, list[dict[str, Any]], Any, bytes | None]:
    """`read_json`, and the document as `crosswalk.io.documents.dumps_bytes` writes it (orjson's indented text,
    which the reader makes anyway) where the twin is given, else None: a bulk run counts the document's leaves in
    it (`written_leaves`) and compares the output's text with it instead of walking either document."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    fast = _read_fast(raw)
    if fast is not None:
        doc, written = fast
        within = written is not None and _within_depth(written, MAX_DEPTH)
        # sanitize names the path of what is too deep
        repairs = duplicate_keys(raw, doc, written=written) + ([] if within else sanitize(doc, href))
        if twin and not repairs:
            return doc, repairs, _fast_loads(raw), written
        return doc, repairs, None, None
    doc = load_json(data, href)
    return doc, duplicate_keys(raw, doc) + sanitize(doc, href), None, None


def written_leaves(written: bytes) -> int:
    """`crosswalk.engine.report.leaf_count` of a document, counted in its indented orjson text (`_written`) by three
    C-level byte counts instead of a walk of every member in Python. That text puts every member of a non-empty
    container on a line of its own, and the container's opening bracket ends the line that holds it (a ``{`` or
    ``[`` followed by a newline is nothing else: a string's newline is written escaped), its closing bracket on a
    line of its own; an empty container is written whole (``[]``). So each line is a leaf, an opening or a
    closing, and each non-empty container has one of each: the leaves are the lines less two per opening."""
    return written.count(b"\n") - 2 * (written.count(b"{\n") + written.count(b"[\n"))


def _read_fast(raw: bytes) -> tuple[Any, bytes | None] | None:
    """orjson's document and its indented text (`_written`), or None where json must read the text: orjson refuses
    it (json explains, or reads what it accepts and sanitize repairs), or it has an integer beyond 64 bits, which
    orjson reads as a float. Such a float is over 1e16, so written with an exponent: only a text whose document
    writes an ``e+`` (a big float, or a string with one), and is not that text itself, is searched for long digit
    runs."""
    if _fast_loads is None:
        return None
    try:
        doc = _fast_loads(raw)
    except ValueError:
        return None
    written = _written(doc)
    if (written is None or (not _rewritten(raw, written) and b"e+" in written)) and _has_long_number(raw):
        return None
    return doc, written


def _written(doc: Any) -> bytes | None:
    """orjson's indented text of a document it has just read (as `crosswalk.io.documents.dumps` writes it, most
    often the text itself), or None where it cannot write it (nested past its own limit): what the depth check
    reads and the duplicate-key check compares."""
    try:
        return _fast_dumps(doc, option=_INDENT_2 | _NEWLINE)
    except TypeError:
        return None


def _rewritten(raw: bytes, written: bytes) -> bool:
    """``raw`` is ``written``, the document written out again, with or without its last newline."""
    return written.startswith(raw) and len(written) - len(raw) <= 1


def duplicate_keys(raw: str | bytes, doc: Any, clean: Callable[[str], str] | None = None,
                   written: bytes | None = None) -> list[dict[str, Any]]:
    """A key written twice in one object: JSON readers keep the last value and lose the earlier one in silence.
    Each such key is a repair entry at its path, naming what was lost. Found cheaply: a text with as many colons
    as the document written out again has lost no key; only one that differs (a duplicate, a comment with a
    colon) is read again, key by key (``clean``: what makes a lenient text strict JSON, for a text with comments;
    ``written``: the document as orjson writes it, indented or not, when the caller has it already)."""
    raw = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if b":" not in raw or (written and _rewritten(raw, written)):
        return []  # no key, or the text is the document written out again: no key written twice
    try:
        # Written out again, every string keeps its colons (none is escaped, unless the text spells one \u003a),
        # and every key of the document has its own: as many colons as the text has, then no key was lost.
        if (b"\\" not in raw or b"\\u003a" not in raw.lower()) and raw.count(b":") == (
                written or _fast_dumps(doc)).count(b":"):
            return []
    except TypeError:  # no orjson (None called), or an integer beyond 64 bits: read again
        pass
    found: list[tuple[tuple[str, ...], str, list[Any]]] = []

    class Pairs(list):  # the parse keeps every pair; the walk below finds the repeated keys and their paths
        pass

    def walk(node: Any, path: tuple[str, ...], read: bool = True) -> Any:
        """``node`` as the plain value a JSON reader gives, noting the keys of ``path``'s objects written twice
        (``read``: the value is the one a reader keeps; inside a lost value nothing is read, so nothing noted)."""
        if isinstance(node, Pairs):
            pairs: dict[str, list[Any]] = {}
            for key, value in node:
                pairs.setdefault(key, []).append(value)
            values = {k: [walk(v, (*path, k), read and i == len(vs) - 1) for i, v in enumerate(vs)]
                      for k, vs in pairs.items()}
            if read:
                found.extend(((*path, k), k, v[:-1]) for k, v in values.items() if len(v) > 1)
            return {k: v[-1] for k, v in values.items()}
        if isinstance(node, list):
            return [walk(value, (*path, str(i)), read) for i, value in enumerate(node)]
        return node

    text = raw.decode("utf-8", "surrogatepass").removeprefix("\ufeff")  # a byte-order mark: no JSON to json
    for make in (str, clean or str):
        try:
            walk(json.loads(make(text), object_pairs_hook=Pairs), ())
            break
        except (ValueError, RecursionError):
            continue
    return _duplicate_entries(found, "JSON")


def _duplicate_entries(found: list[tuple[tuple[str, ...], str, list[Any]]], readers: str) -> list[dict[str, Any]]:
    """The repair entries of keys written twice: (path, key, the values lost) each."""
    return [{"path": to_pointer(path), "status": "repaired",
             "reason": f'the key "{key}" is written {len(lost) + 1} times in one object: the last value is read, as '
                       f"{readers} readers do; lost: {', '.join(_clipped(v) for v in lost)}"}
            for path, key, lost in sorted(found)]


def yaml_duplicate_keys(text: str) -> list[dict[str, Any]]:
    """`duplicate_keys` for a YAML text: a key written twice in one mapping, or two keys that JSON spells alike
    (``1`` and ``"1"``). YAML readers keep the last value and lose the others in silence, as JSON readers do. The
    text is composed again (the parse has checked it: no alias bomb, no cycle), and its mappings walked."""
    import yaml

    loader = _bounded_loader()(text.removeprefix("\ufeff"))
    found: list[tuple[tuple[str, ...], str, list[Any]]] = []

    def value(node: Any) -> Any:
        return _yaml_to_json(loader.construct_object(node, deep=True))

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, str(i)))
        elif isinstance(node, yaml.MappingNode):
            values: dict[str, list[Any]] = {}
            for key, item in node.value:  # merge keys (``<<``) are overrides by design, not keys written twice
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    values.setdefault(_yaml_key(loader.construct_object(key)), []).append(item)
            for key, items in values.items():
                if len(items) > 1:
                    found.append(((*path, key), key, [value(item) for item in items[:-1]]))
                walk(items[-1], (*path, key))

    try:
        walk(loader.get_single_node(), ())
    finally:
        loader.dispose()
    return _duplicate_entries(found, "YAML")


def _clipped(value: Any) -> str:
    """A lost value as JSON text for a reason, a lone surrogate (no text: sanitize repairs only what is read)
    written as its JSON escape, as the document spelt it."""
    text = SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", json.dumps(value, ensure_ascii=False))
    return text if len(text) <= 60 else text[:57] + "..."


# A container n levels below the root starts a line of orjson's indented text with 2n spaces (strings keep their
# newlines escaped), then its key when it has one, then its bracket.
_KEY = rb'"(?:[^"\\]|\\.)*": '


def _within_depth(written: bytes, limit: int) -> bool:
    """No container nested ``limit`` levels below the root (sanitize's depth rule), read off ``written``, the
    document as orjson writes it indented (`_written`): one substring search, and a look at the line only when
    some value sits that deep."""
    if limit and b"\n" + b" " * (2 * limit) not in written:
        return True
    return re.search(rb"(?m)^ {%d}(?:%s)?[\[{]" % (2 * limit, _KEY), written) is None


def _too_deep(text: str, href: str) -> Exception:
    """The LimitError for a text nested too deep to parse, naming the path where it passes the limit."""
    frames: list[list[Any]] = []  # [bracket, the key or index being read inside it]
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"\s*:?|[\[\]{},]', text):
        tok = m.group()
        if tok[0] == '"':
            if tok.endswith(":") and frames and frames[-1][0] == "{":
                frames[-1][1] = json.loads(tok[:-1].rstrip())
        elif tok in "[{":
            frames.append([tok, 0 if tok == "[" else ""])
            if len(frames) > MAX_DEPTH:
                break
        elif tok in "]}":
            if frames:
                frames.pop()
        elif frames and frames[-1][0] == "[":
            frames[-1][1] += 1
    path = tuple(str(slot) for _, slot in frames[:MAX_DEPTH])
    return LimitError(f"nested more than {MAX_DEPTH} levels deep", href=href, path=to_pointer(path))


def load_yaml(text: str, href: str) -> Any:
    """YAML through a safe loader that also refuses alias bombs, ``!!binary`` and ``!!set`` (not JSON); dates
    become strings, keys strings."""
    import yaml

    try:
        return _yaml_to_json(yaml.load(text, Loader=_bounded_loader()))  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ReadError(f"invalid YAML{where}: {getattr(e, 'problem', None) or e}", href=href) from None
    except LimitError as e:  # raised by the loader, which does not know the file
        e.href = href
        raise
    except RecursionError:
        raise LimitError(f"nested more than {MAX_DEPTH} levels deep", href=href) from None
    except ValueError:  # int() of a number over 4,300 digits
        raise LimitError(f"an integer of more than {MAX_INT_DIGITS} digits", href=href) from None


@cache
def _bounded_loader() -> type:
    import yaml

    class BoundedSafeLoader(yaml.SafeLoader):
        """SafeLoader minus the types JSON cannot carry, refusing documents whose aliases expand them by more
        than MAX_YAML_EXPANSION nodes (a 700-byte "billion laughs" file expands to gigabytes) or refer to
        themselves."""

        yaml_constructors = {
            tag: fn
            for tag, fn in yaml.SafeLoader.yaml_constructors.items()
            if tag not in ("tag:yaml.org,2002:binary", "tag:yaml.org,2002:set")
        }

        def compose_document(self):  # type: ignore[no-untyped-def]
            node = super().compose_document()
            extra = _alias_expansion(node)
            if extra is None:
                raise LimitError("a YAML alias refers to itself (a recursive document is not JSON)")
            if extra > MAX_YAML_EXPANSION:
                raise LimitError(f"YAML aliases expand the document by more than {MAX_YAML_EXPANSION} values")
            return node

    # YAML 1.1, which PyYAML reads, wants a dot and a signed exponent in a float: "1e-4" and "1.5e3" would be text.
    # YAML 1.2 and every JSON reader take them as the numbers they look like, and so does a user writing them.
    BoundedSafeLoader.add_implicit_resolver(
        "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
        list("-+.0123456789"))
    return BoundedSafeLoader


def _alias_expansion(root: Any) -> int | None:
    """How many nodes YAML aliases add when the composed node graph is expanded into a tree (None: a cycle)."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        kids = _yaml_children(node)
        if done:
            open_.discard(key)
            sizes[key] = 1 + sum(sizes[id(k)] for k in kids)
            continue
        if key in sizes:
            continue
        if key in open_:
            return None
        open_.add(key)
        stack.append((node, True))
        for k in kids:
            if id(k) in open_:
                return None
            if id(k) not in sizes:
                stack.append((k, False))
    return sizes[id(root)] - len(sizes)


def _yaml_children(node: Any) -> list[Any]:
    value = getattr(node, "value", None)
    if not isinstance(value, list):
        return []
    if value and isinstance(value[0], tuple):
        return [x for pair in value for x in pair]
    return value


def _yaml_to_json(value: Any) -> Any:
    """YAML turns timestamps into datetimes and allows non-string keys; bring both back to JSON's model."""
    import datetime as dt

    if isinstance(value, dict):
        return {_yaml_key(k): _yaml_to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_yaml_to_json(v) for v in value]
    if isinstance(value, dt.datetime):
        text = value.isoformat()
        return text.replace("+00:00", "Z") if value.tzinfo else text + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _yaml_key(key: Any) -> str:
    """A YAML key as JSON would spell it (``null``, ``true``, ``1.5``)."""
    if key is None or isinstance(key, bool):
        return json.dumps(key)
    return str(key)


def is_yaml(href: str) -> bool:
    return href.lower().endswith((".yaml", ".yml"))
