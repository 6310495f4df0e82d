"""Reading and writing documents: raw JSON (never through pystac, which migrates silently), YAML, atomic writes."""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from crosswalk.errors import ReadError

try:  # optional: a faster parser for the common case (its errors are re-parsed by json for the message)
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - orjson is optional
    _fast_loads = None


def parse_text(text: str | bytes, href: str, *, yaml_ok: bool = False) -> Any:
    """Parse one document (JSON, or YAML when ``yaml_ok``); every failure is a one-line ReadError. The result is
    not yet checked against the input limits (`read_document_repairs` and `parse_checked` do that)."""
    if yaml_ok:
        return load_yaml(text if isinstance(text, str) else text.decode("utf-8"), href)
    return load_json(text, href)


def parse_checked(text: str | bytes, href: str, *, yaml_ok: bool = False) -> tuple[Any, list[dict[str, Any]]]:
    """`parse_text` then `crosswalk.io.limits.sanitize`: (document, repairs)."""
    from crosswalk.io.limits import sanitize

    doc = parse_text(text, href, yaml_ok=yaml_ok)
    return doc, sanitize(doc, href)


_LONG_NUMBER = re.compile(rb"\d{19,}")


def load_json(data: str | bytes, href: str) -> Any:
    """Strict JSON: orjson when it is installed and safe here (it reads integers beyond 64 bits as floats, so
    texts with long digit runs go to the json module), else json, whose errors explain where."""
    from crosswalk.io.limits import parse_int

    if _fast_loads is not None:
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        if not _LONG_NUMBER.search(raw):
            try:
                return _fast_loads(raw)
            except ValueError:
                pass  # json decides (it accepts NaN and lone surrogates, which sanitize then repairs) and explains
    text = data if isinstance(data, str) else data.decode("utf-8")
    try:
        return json.loads(text, parse_int=parse_int)
    except json.JSONDecodeError as e:
        raise ReadError(f"invalid JSON (line {e.lineno}, column {e.colno}): {e.msg}", href=href) from None
    except RecursionError:
        raise _too_deep(text, href) from None
    except ValueError as e:  # pragma: no cover - numbers are guarded by parse_int
        raise ReadError(f"invalid JSON: {e}", href=href) from None


def _too_deep(text: str, href: str) -> Exception:
    """The LimitError for a text nested too deep to parse, naming the path where it passes the limit."""
    from crosswalk.io.limits import MAX_DEPTH, LimitError
    from crosswalk.language.pointer import to_pointer

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

    from crosswalk.io.limits import LimitError

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
        from crosswalk.io.limits import MAX_DEPTH

        raise LimitError(f"nested more than {MAX_DEPTH} levels deep", href=href) from None
    except ValueError:  # int() of a number over 4,300 digits
        from crosswalk.io.limits import MAX_INT_DIGITS

        raise LimitError(f"an integer of more than {MAX_INT_DIGITS} digits", href=href) from None


@cache
def _bounded_loader() -> type:
    import yaml

    from crosswalk.io.limits import MAX_YAML_EXPANSION, LimitError

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


def read_document(href: str, lenient: bool = False) -> Any:
    """Read one JSON or YAML document (``-`` is stdin); every failure is a one-line ReadError.

    ``lenient``: when strict parsing fails, fall back to `crosswalk.io.lenient.parse_lenient` (JSON with comments
    and trailing commas, YAML). Use `read_document_repairs` to also get the text repairs it made.
    """
    return read_document_repairs(href, lenient=lenient)[0]


def read_document_repairs(href: str, lenient: bool = True) -> tuple[Any, list[dict[str, Any]]]:
    """Like `read_document`, returning ``(document, repairs)``; repairs are report entries
    ``{"path": "", "status": "repaired", "reason": "line N: ..."}`` for text repairs (none for strict JSON and for
    YAML files) and, at their paths, the value repairs of `crosswalk.io.limits.sanitize` (NaN, lone surrogates).
    Input limits (size, depth, big integers, YAML aliases) are one-line ReadErrors."""
    from crosswalk.io.limits import sanitize

    text = _read_text(href)
    if lenient:
        from crosswalk.io.lenient import parse_lenient

        doc, repairs = parse_lenient(text, href)
    else:
        doc, repairs = parse_text(text, href, yaml_ok=is_yaml(href)), []
    return doc, repairs + sanitize(doc, href)


def _read_text(href: str) -> str:
    """The text of ``href`` (``-``: stdin), at most `crosswalk.io.limits.MAX_BYTES` of it. A pipe or device named
    on purpose is read too (``<(cmd)`` is one), up to the same limit."""
    import sys

    from crosswalk.io.limits import MAX_BYTES, check_size

    try:
        if href == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            with open(href, "rb") as f:
                st = os.fstat(f.fileno())
                if stat.S_ISDIR(st.st_mode):  # pragma: no cover - open() raises IsADirectoryError first
                    raise IsADirectoryError
                if stat.S_ISREG(st.st_mode):
                    check_size(st.st_size, href)
                data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ReadError("no such file", href=href) from None
    except IsADirectoryError:
        raise ReadError("is a directory", href=href) from None
    except PermissionError:
        raise ReadError("permission denied", href=href) from None
    except OSError as e:
        raise ReadError(f"cannot read: {e.strerror or e}", href=href) from None
    check_size(len(data), href)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ReadError(f"not UTF-8 text (byte {e.start})", href=href) from None


try:  # optional: a faster writer, used where its bytes are the json module's
    from orjson import OPT_INDENT_2 as _INDENT_2
    from orjson import dumps as _fast_dumps
except ImportError:  # pragma: no cover - orjson is optional
    _fast_dumps = None

# orjson's indented output is json.dumps(indent=2, ensure_ascii=False)'s byte for byte, except that it writes
# floats under 1e-4 in decimal (json: 1e-05) and NaN or Infinity as null (json here: an error), and refuses
# integers beyond 64 bits, lone surrogates and non-string keys (TypeError). Its output is kept only when none
# of these can be in it: no null anywhere (a null in a string is only a false alarm), no such number.
_UNLIKE_JSON_MODULE = re.compile(rb"null|(?:^|[\[:,])\s*-?(?:0\.0000|\d+(?:\.\d+)?e-)", re.MULTILINE)


def dumps(doc: Any) -> str:
    """The one serialisation: 2-space indent, UTF-8, key order kept, trailing newline (same input, same bytes).
    Standard JSON only: NaN and Infinity raise (the readers repair them to null first)."""
    if _fast_dumps is not None:
        try:
            fast = _fast_dumps(doc, option=_INDENT_2)
        except TypeError:
            fast = None
        if fast is not None and not _UNLIKE_JSON_MODULE.search(fast):
            return fast.decode("utf-8") + "\n"
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` so that it is either as it was or complete: a temporary file in the target's
    directory, renamed over it. The path is resolved first: a symlink stays a symlink (its target is
    replaced), and a device or FIFO (``-o /dev/null``) is written to, never renamed over."""
    data = text.encode("utf-8")
    real = Path(os.path.realpath(path))
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        with open(real, "wb") as f:
            f.write(data)
        return
    real.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    try:
        # mkstemp creates 0600; keep the replaced file's mode, else the usual umask-based mode
        if st is not None:
            mode = st.st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, real)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
