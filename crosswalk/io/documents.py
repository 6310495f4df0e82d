"""Reading and writing documents: raw JSON (never through pystac, which migrates silently), YAML, atomic writes.

Text to a JSON value (strict JSON and YAML, the input limits) is `crosswalk.io.parse`; the lenient reader
(`crosswalk.io.lenient`, JSON with comments, trailing commas) builds on it."""

from __future__ import annotations

import json
import os
import re
import stat
from typing import Any

from crosswalk.errors import ReadError
from crosswalk.io.parse import duplicate_keys, is_yaml, parse_text, yaml_duplicate_keys


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
    doc, text_repairs, value_repairs = read_document_parts(href, lenient=lenient)
    return doc, text_repairs + value_repairs


def read_document_parts(href: str, lenient: bool = True) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    """Like `read_document_repairs`, with the repairs in two lists: of the text (comments, trailing commas, keys
    written twice) and of values JSON has no word for (NaN, infinities, lone surrogates), which make the file
    something other than JSON to any reader that keeps to the standard."""
    from crosswalk.io.limits import sanitize

    text = _read_text(href)
    if is_yaml(href):
        doc, repairs = parse_text(text.removeprefix("\ufeff"), href, yaml_ok=True), yaml_duplicate_keys(text)
    elif lenient:
        from crosswalk.io.lenient import lenient_duplicate_keys, parse_lenient

        doc, repairs = parse_lenient(text, href)
        repairs += lenient_duplicate_keys(text, doc, repairs)
    else:
        doc, repairs = parse_text(text, href), []
        repairs += duplicate_keys(text, doc)
    return doc, repairs, sanitize(doc, href)


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
                    # sized by the file (read(MAX_BYTES + 1) allocates all of it first); more if it grew since
                    data = f.read(st.st_size + 1)
                    if len(data) > st.st_size:
                        data += f.read(MAX_BYTES + 1 - len(data))
                else:  # a pipe or device named on purpose
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
    from orjson import OPT_APPEND_NEWLINE as _NEWLINE
    from orjson import OPT_INDENT_2 as _INDENT_2
    from orjson import dumps as _fast_dumps
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - orjson is optional
    _fast_dumps = None

# orjson's indented output is json.dumps(indent=2, ensure_ascii=False)'s byte for byte, except that it spells
# floats under 1e-4 its own way (1e-7 or 0.00001 where json writes 1e-07 and 1e-05), writes NaN and Infinity as
# null (json here: an error), and refuses integers beyond 64 bits, lone surrogates and non-string keys
# (TypeError). Its output is kept only when none of these can be in it: no such float (this pattern), and
# either no null at all or the output reads back equal to the document (a NaN read back as None is not).
_UNLIKE_JSON_MODULE = re.compile(rb"(?:^|[\[:,])\s*-?(?:0\.0000|\d+(?:\.\d+)?e-)", re.MULTILINE)
# That pattern costs 50 us per kB of output: it runs only on the lines where such a float may be (see below).


def dumps(doc: Any) -> str:
    """The one serialisation: 2-space indent, UTF-8, key order kept, trailing newline (same input, same bytes).
    Standard JSON only: NaN and Infinity raise (the readers repair them to null first)."""
    fast = _orjson_as_json(doc)
    if fast is not None:
        return fast.decode("utf-8")
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def dumps_bytes(doc: Any) -> bytes:
    """`dumps` encoded as UTF-8 (what a file gets), without the round trip through str."""
    fast = _orjson_as_json(doc)
    return fast if fast is not None else dumps(doc).encode("utf-8")


def _orjson_as_json(doc: Any) -> bytes | None:
    """orjson's bytes for ``doc`` when they are json.dumps's (see above), else None."""
    if _fast_dumps is None:
        return None
    try:
        fast = _fast_dumps(doc, option=_INDENT_2 | _NEWLINE)
    except TypeError:
        return None
    if _unlike_json_module(fast):
        return None
    if b"null" in fast and not _plain_json(doc) and _fast_loads(fast) != doc:
        return None
    return fast


_INF = float("inf")


def _plain_json(doc: Any) -> bool:
    """Whether ``doc`` holds JSON's own types alone (dicts with str keys, lists, str, int, bool, None, finite
    floats; no subclass), which orjson's text always reads back equal to: then the read back that tells a NaN
    written as null from a real null (a whole parse and a comparison, for the null most Items have in their
    datetime) is not needed. False sends anything else to that read back. A dict's keys and values are looked at
    in one pass over its items (the members' test is written out in both loops: a call per member costs more)."""
    stack = [doc] if type(doc) is dict or type(doc) is list else [[doc]]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            for key, value in node.items():
                if type(key) is not str:
                    return False
                kind = type(value)
                if kind is str or kind is int or value is None or kind is bool:
                    continue
                if kind is float:
                    if not -_INF < value < _INF:  # NaN or infinite: orjson writes null
                        return False
                elif kind is dict or kind is list:
                    stack.append(value)
                else:
                    return False
        else:
            for value in node:
                kind = type(value)
                if kind is str or kind is int or value is None or kind is bool:
                    continue
                if kind is float:
                    if not -_INF < value < _INF:
                        return False
                elif kind is dict or kind is list:
                    stack.append(value)
                else:
                    return False
    return True


def _unlike_json_module(fast: bytes) -> bool:
    """Whether orjson's indented output has a float json.dumps writes otherwise (`_UNLIKE_JSON_MODULE` matches).
    The pattern runs only on the lines holding a digit before ``e-`` or ``0.0000``, found by substring searches:
    a match lies within the line of its number (``^`` matches at a line's start, and ``\\s*`` then takes only that
    line's indent), and such a number holds one of them."""
    for tail in (b"e-", b"0.0000"):
        at = fast.find(tail)
        while at != -1:
            if tail == b"0.0000" or fast[at - 1 : at].isdigit():
                start = fast.rfind(b"\n", 0, at) + 1  # the line holding the number ...
                if _UNLIKE_JSON_MODULE.search(fast, start, _line_end(fast, at + len(tail) - 1)):  # ... to its end
                    return True
            at = fast.find(tail, at + 1)
    return False


def _line_end(text: bytes, at: int) -> int:
    end = text.find(b"\n", at)
    return len(text) if end == -1 else end


def replacement_mode(st: os.stat_result | None) -> int:
    """The mode of a file written through a temporary one (mkstemp creates 0600): the replaced file's mode, else
    the usual umask-based one."""
    if st is not None:
        return st.st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` so that it is either as it was or complete: a temporary file in the target's
    directory, renamed over it. The path is resolved first: a symlink stays a symlink (its target is
    replaced), and a device or FIFO (``-o /dev/null``) is written to, never renamed over."""
    data = text.encode("utf-8")
    real = os.path.realpath(path)
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
    try:
        write_bytes(real, data, mode=None if st is None else replacement_mode(st), sync=True)
    except OSError as e:
        if not (isinstance(e.filename, str) and e.filename.endswith(".cwtmp")):
            raise
        # the temporary file's name means nothing to whoever asked for ``path``: name the file they asked for
        raise OSError(e.errno, f"cannot write a temporary file beside it: {e.strerror}", str(path)) from None


_pid = os.getpid()  # in the temporary files' names: asked once per process, not once per file


def _forked() -> None:
    global _pid
    _pid = os.getpid()


if hasattr(os, "register_at_fork"):  # a forked worker names its temporary files with its own pid
    os.register_at_fork(after_in_child=_forked)


def write_bytes(path: str, data: bytes, *, mode: int | None = None, sync: bool = False) -> None:
    """Write via a temporary file in the same directory renamed over ``path`` (``mode``: the permissions; None: a
    new file's, from the umask). ``path`` is already resolved (`os.path.realpath`,
    `crosswalk.io.safepath.checked_destination`); the temporary file is created new (never through a symlink
    planted under its name). Single-file and bulk writes share it (no tempfile import on a one-file run)."""
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".{name}.{_pid}.cwtmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    perms = 0o666 if mode is None else mode
    try:
        fd = os.open(tmp, flags, perms)
    except FileNotFoundError:
        os.makedirs(directory or ".", exist_ok=True)
        fd = os.open(tmp, flags, perms)
    except FileExistsError:  # left by a dead process that had our pid: ours to remove
        os.unlink(tmp)
        fd = os.open(tmp, flags, perms)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
