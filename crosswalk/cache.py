"""A content-keyed on-disk cache of what crosswalk would otherwise rebuild at every start: loaded, checked and
compiled mappings (YAML parsed, checked against the mapping language's schema, jsonpath expressions compiled;
`crosswalk.language.compiled`) and parsed YAML data files (`crosswalk.resources`). It knows nothing of what it
stores: callers pass the files a value is built from and the function that builds it.

A value is stored as a pickle under the user cache directory (``$XDG_CACHE_HOME/crosswalk`` or
``~/.cache/crosswalk``), named by a BLAKE2b digest of everything it was built from: the bytes of its source files, the
code that builds and defines it (every module of the package by path, size and modification time: stricter than
the package version, which an editable install does not bump) and the Python version. A changed source byte or
code file is a different name, hence a miss and a full load: a stale entry is never read. Any trouble with the
cache (an unwritable directory, a corrupt or truncated file, a pickle it cannot load) falls back silently to the
full load, whose errors (a bad mapping file) are raised as before and never cached. ``CROSSWALK_NO_CACHE=1``
turns it off.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, TypeVar

try:  # the C pickler that pickle.py wraps, without pickle.py's own pure-Python classes: 4 M instructions less
    from _pickle import dumps, load
except ImportError:  # pragma: no cover - an interpreter without the C pickler
    from pickle import dumps, load
try:  # BLAKE2b without hashlib, whose import loads OpenSSL: a one-file run's cache keys cost ~4 ms less
    from _blake2 import blake2b as _hash
except ImportError:  # pragma: no cover - an interpreter without the builtin module
    from hashlib import blake2b as _hash

T = TypeVar("T")

_PACKAGE = os.path.dirname(os.path.realpath(__file__))
# The code whose output or classes are pickled: every module of the package (whichever module the loader and its
# classes live in), and the mapping language's schema. A change to any of it must miss, even without a version
# bump (an editable install).
_CODE_DATA = ("language",)  # directories whose .json files are code too
_NOT_CODE = {"schemas", "_mappings", "__pycache__", "templates"}


def cache_dir() -> str | None:
    """Where cached values live; None when caching is off."""
    if os.environ.get("CROSSWALK_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "crosswalk")


def _code_files() -> list[str]:
    """Every .py file of the package, and the .json files of the directories in ``_CODE_DATA`` (os.walk: the
    vendored schemas' hundreds of files are skipped)."""
    found = []
    for top, dirs, files in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_CODE)
        data = os.path.basename(top) in _CODE_DATA
        found += [os.path.join(top, f) for f in sorted(files) if f.endswith(".py") or (data and f.endswith(".json"))]
    return found


@cache
def _code_digest() -> bytes:
    # Each code file by its path, size and modification time, the check Python's own bytecode cache makes of a
    # source file: an edit, a checkout or a reinstall changes them, and reading the files instead would cost a
    # warm start more than loading the cached mappings saves. (Mapping files, which users edit, are keyed by
    # their bytes.)
    h = _hash(f"{sys.version}\0".encode())  # the Python version fixes the pickle protocol too (the highest)
    top = len(_PACKAGE) + 1  # each path relative to the package (os.walk yields them below it)
    for path in _code_files():
        st = os.stat(path)
        h.update(f"{path[top:]}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.digest()


def key(kind: str, files: Iterable[str | os.PathLike[str]], salt: bytes = b"") -> str:
    """The cache name of a value of ``kind`` built from ``files`` (their paths and bytes) and ``salt`` (a digest
    of anything else it depends on) by the current code."""
    h = _hash(_code_digest(), digest_size=32)  # names as long as before
    h.update(kind.encode() + b"\0" + salt + b"\0")
    for file in files:
        path = os.fspath(file)
        h.update(path.encode() + b"\0")  # the path is in the loaded objects (error messages name it)
        with open(path, "rb") as f:
            h.update(f.read() + b"\0")
    return h.hexdigest()


def cached(kind: str, files: Iterable[str | os.PathLike[str]], build: Callable[[], T], salt: bytes = b"") -> T:
    """``build()``, or the value it returned before from the same ``files`` (and ``salt``) and code."""
    where = cache_dir()
    if where is None:
        return build()
    files = list(files)
    try:
        name = key(kind, files, salt)
    except OSError:  # a source file cannot be read: let the loader say so
        return build()
    path = os.path.join(where, f"{kind}-{name}.pickle")
    try:
        with open(path, "rb") as f:
            return load(f)
    except Exception:  # noqa: S110 - a miss, or an entry we cannot use: build it
        pass
    value = build()
    try:
        unchanged = key(kind, files, salt) == name  # a file edited while it was loaded: do not store under the old name
    except OSError:
        unchanged = False
    if unchanged:
        _store(path, value)
    return value


def _store(path: str, value: Any) -> None:
    """Write atomically (a reader never sees half a file); a failure only costs the next run a full load."""
    where, name = os.path.split(path)
    tmp = os.path.join(where, f".{name}.{os.getpid()}.tmp")
    try:
        data = dumps(value, protocol=-1)  # the highest protocol
        os.makedirs(where, mode=0o700, exist_ok=True)  # a pickle runs code: the user's alone
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except Exception:  # noqa: S110 - unpicklable or unwritable: the cache is only a speed-up
        try:
            os.unlink(tmp)
        except OSError:  # never written, or gone
            pass


# ---------------------------------------------------------------------------------------------------------
# Helpers for callers (the mapping loader, the data files): this module knows no caller.


_MEMO: dict[Any, Any] = {}


def once(name: Any, load: Callable[[], T]) -> T:
    """``load()`` once per process under ``name``: a loaded mapping must be the same object each time it is asked
    for, and a bulk run asks for the same few for every document."""
    if name not in _MEMO:
        _MEMO[name] = load()
    return _MEMO[name]


@cache
def directory_digest(directory: str | os.PathLike[str]) -> bytes:
    """A digest of every file below ``directory`` (paths and bytes): a salt for a value built from whatever a
    loader may read there besides the file it was given."""
    h = _hash()
    top = os.fspath(directory)
    files = [os.path.join(d, f)[len(top) + 1:] for d, _, names in os.walk(top) for f in names]  # os.walk: cheaper
    for name in sorted(files):  # than Path.rglob, which a one-file run pays for at every start
        with open(os.path.join(top, name), "rb") as f:
            h.update(name.encode() + b"\0" + f.read() + b"\0")
    return h.digest()
