"""A content-keyed on-disk cache of what crosswalk would otherwise rebuild at every start: loaded, checked and
compiled mappings (YAML parsed, checked against the mapping language's schema, jsonpath expressions compiled;
`crosswalk.language.compiled`) and parsed YAML data files (`crosswalk.resources`). It knows nothing of what it
stores: callers pass the files a value is built from and the function that builds it.

A value is stored as a pickle under the user cache directory (``$XDG_CACHE_HOME/crosswalk`` or
``~/.cache/crosswalk``), named by a SHA-256 of everything it was built from: the bytes of its source files, the
code that builds and defines it (every module of the package by path, size and modification time: stricter than
the package version, which an editable install does not bump) and the Python version. A changed source byte or
code file is a different name, hence a miss and a full load: a stale entry is never read. Any trouble with the
cache (an unwritable directory, a corrupt or truncated file, a pickle it cannot load) falls back silently to the
full load, whose errors (a bad mapping file) are raised as before and never cached. ``CROSSWALK_NO_CACHE=1``
turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_PACKAGE = Path(__file__).resolve().parent
# The code whose output or classes are pickled: every module of the package (whichever module the loader and its
# classes live in), and the mapping language's schema. A change to any of it must miss, even without a version
# bump (an editable install).
_CODE_DATA = ("language",)  # directories whose .json files are code too
_NOT_CODE = {"schemas", "_mappings", "__pycache__", "templates"}


def cache_dir() -> Path | None:
    """Where cached values live; None when caching is off."""
    if os.environ.get("CROSSWALK_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "crosswalk"


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
    h = hashlib.sha256(f"{sys.version}\0{pickle.HIGHEST_PROTOCOL}\0".encode())
    for path in _code_files():
        st = os.stat(path)
        h.update(f"{os.path.relpath(path, _PACKAGE)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.digest()


def key(kind: str, files: Iterable[str | os.PathLike[str]], salt: bytes = b"") -> str:
    """The cache name of a value of ``kind`` built from ``files`` (their paths and bytes) and ``salt`` (a digest
    of anything else it depends on) by the current code."""
    h = hashlib.sha256(_code_digest())
    h.update(kind.encode() + b"\0" + salt + b"\0")
    for file in files:
        path = Path(file)
        h.update(str(path).encode() + b"\0")  # the path is in the loaded objects (error messages name it)
        h.update(path.read_bytes() + b"\0")
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
    path = where / f"{kind}-{name}.pickle"
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
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


def _store(path: Path, value: Any) -> None:
    """Write atomically (a reader never sees half a file); a failure only costs the next run a full load."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a pickle runs code: the user's alone
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except Exception:  # noqa: S110 - unpicklable or unwritable: the cache is only a speed-up
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
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
def directory_digest(directory: Path) -> bytes:
    """A digest of every file below ``directory`` (paths and bytes): a salt for a value built from whatever a
    loader may read there besides the file it was given."""
    h = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.digest()
