"""Where crosswalk may write: every path is resolved (symlinks too) before it is trusted.

Rules (usage errors, exit 2, decided before anything is read or written):

* no written path (``-o``, ``--report-file``, ``--summary-file``, the output and backup trees) may be an input or
  lie inside an input directory; only ``--in-place`` rewrites inputs, and only the files of its own tree;
* ``-`` is stdout for ``-o``, ``--report-file`` and ``--summary-file``, never a file of that name, and only one
  of them may be stdout;
* ``--out-dir`` and ``--backup-dir`` may not resolve onto the input tree, inside it, or around it (a mirror
  written into an ancestor of the tree lands on the tree's own files);
* two outputs may not be the same file.

At write time (`checked_destination`, `Resolver.checked`) each destination is resolved again and must still lie
inside the tree it belongs to (a symlinked subdirectory of an output tree pointing back into the input is refused
there, and a symlinked file likewise).
A bulk run resolves through a `Resolver`: the same answers as `real`, without walking every component of every path
again in Python. It remembers the directories it found (existing ones only, never one still to be created) and
trusts one only while it, and every directory above it up to the top of its tree, is still that same directory
(device and inode, checked at every use: a symlink put anywhere in the tree is seen).
A device or FIFO named as an output is written to, never renamed over (`crosswalk.io.documents.write_atomic`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence

from crosswalk.errors import CrosswalkError, OptionError

__all__ = ["Resolver", "check_bulk_outputs", "check_single_outputs", "checked_destination", "is_within", "real"]


def real(path: str) -> str:
    """The absolute path with every symlink resolved (missing tails are kept as written)."""
    return os.path.realpath(os.path.abspath(path))


def is_within(path: str, root: str) -> bool:
    """``path`` is ``root`` or below it (both resolved)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _is_special(path: str) -> bool:
    """An existing device, FIFO or socket: written to like a stream, so naming it twice loses nothing."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode) and not stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def check_single_outputs(src: str, *, output: str | None, report_file: str | None) -> None:
    """One document: ``-o`` and ``--report-file`` may not be the input, nor the same file; ``--report-file -``
    (stdout) needs the document written to a file."""
    if report_file == "-" and output in (None, "-"):
        raise OptionError("--report-file - and the document would share stdout: write the document with -o FILE")
    outputs = [(name, p) for name, p in (("-o/--output", output), ("--report-file", report_file)) if p and p != "-"]
    source = real(src) if src != "-" else None
    for name, path in outputs:  # a mistyped directory is an error, as it is for other tools, not made silently
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise OptionError(f"{name} {path}: no directory {parent} to write it in")
        if source is not None and real(path) == source and not _is_special(source):
            raise OptionError(f"{name} {path} is the input file: crosswalk does not overwrite its input "
                              "(write elsewhere; bulk mode has --in-place, with backups)")
    if len(outputs) == 2 and real(outputs[0][1]) == real(outputs[1][1]) and not _is_special(outputs[0][1]):
        raise OptionError(f"-o/--output and --report-file name the same file ({outputs[0][1]})")


def check_bulk_outputs(
    srcs: Sequence[str],
    root: str,
    *,
    out_dir: str | None,
    backup_dir: str | None,
    summary_file: str | None,
    in_place: bool,
) -> None:
    """A bulk run's written paths against its inputs (``root``: the resolved directory whose tree is read)."""
    inputs = [real(s) for s in srcs]
    input_dirs = [s for s in inputs if os.path.isdir(s)]
    for name, given in (("--out-dir", out_dir), ("--backup-dir" if in_place else None, backup_dir)):
        if not given or not name:
            continue
        where = real(given)
        if where == root:
            raise OptionError(f"{name} {given} is the input tree ({root}); use --in-place to rewrite it")
        if is_within(where, root):
            raise OptionError(f"{name} {given} lies inside the input tree ({root}); choose a directory outside it")
        if is_within(root, where):
            raise OptionError(f"{name} {given} contains the input tree ({root}): its files would be written over")
    if out_dir and backup_dir and real(out_dir) == real(backup_dir):  # pragma: no cover - they exclude each other
        raise OptionError("--out-dir and --backup-dir name the same directory")
    if not summary_file or summary_file == "-":  # stdout (run_bulk keeps it from sharing stdout with -o -)
        return
    where = real(summary_file)
    if where in inputs or any(is_within(where, d) for d in input_dirs):
        raise OptionError(f"--summary-file {summary_file} is an input (or lies inside an input directory)")
    if in_place and is_within(where, root):
        raise OptionError(f"--summary-file {summary_file} lies inside the tree --in-place rewrites ({root})")
    for name, given in (("--out-dir", out_dir), ("--backup-dir", backup_dir)):
        if given and is_within(where, real(given)):
            raise OptionError(f"--summary-file {summary_file} lies inside {name} {given}")


class UnsafeWrite(CrosswalkError):
    """A destination that resolves outside the tree it belongs to (a symlink planted in an output tree)."""


def checked_destination(path: str, tree: str, *, not_inside: str | None = None) -> str:
    """``path`` resolved, which must lie inside ``tree`` (resolved) and, when given, not inside ``not_inside``
    (the input tree, for an output or backup tree); raises UnsafeWrite."""
    where = real(path)
    _check(where, path, tree, not_inside)
    return where


def _check(where: str, path: str, tree: str, not_inside: str | None) -> None:
    if not is_within(where, tree):
        raise UnsafeWrite(f"resolves to {where}, outside {tree}: not written", href=path)
    if not_inside is not None and is_within(where, not_inside):
        raise UnsafeWrite(f"resolves to {where}, inside the input tree: not written", href=path)


if os.sep == "/" and os.altsep is None:

    def _split(path: str) -> tuple[str, str]:
        """`os.path.split` of an absolute, normalised path, without the generality that costs a Resolver most of
        its time (every file of a bulk run passes here a few times)."""
        cut = path.rfind("/")
        head = path[:cut]
        if not head or head == "/":  # a name in the root: the root itself ("/", or "//", which POSIX keeps)
            head = path[: cut + 1]
        return head, path[cut + 1 :]

    def _join(where: str, name: str) -> str:
        """`os.path.join` of a resolved directory and one name in it."""
        return where + name if where.endswith("/") else where + "/" + name

else:  # pragma: no cover - not POSIX
    _split, _join = os.path.split, os.path.join


class Resolver:
    """`real` for the many paths of one run, with the directories found remembered: existing ones only (never one
    still to be created: crosswalk creates output directories as it writes), by the path asked for, with their
    resolved path, device and inode.

    A remembered directory is trusted only after its resolved path, and that of every directory above it up to the
    top of its tree (``tops``: resolved trees, the top included; without one, up to ``/``), is found to be that same
    directory itself, not a symlink (one lstat each); a path through a symlink must still lead there (a stat). A
    symlink put anywhere in a tree (pointing anywhere, even at the directory it replaced, moved) fails the check,
    and the path is resolved afresh. So a file costs those lstats and one of its own name, where
    `os.path.realpath` also lstats every component above the tree, in Python. What goes unseen is a directory above
    a top moved whole, a symlink left to its new place. One per run and process: never pickled with what it
    remembers (a worker starts empty)."""

    __slots__ = ("_dirs", "_tops")

    _LIMIT = 4096  # directories remembered (forgotten all at once beyond): memory stays flat on any tree

    def __init__(self, tops: Iterable[str] = ()) -> None:
        self._dirs: dict[str, tuple[str, int, int]] = {}
        self._tops = frozenset(tops)

    def __reduce__(self) -> tuple[type, tuple]:
        return (Resolver, (tuple(self._tops),))

    def _still(self, path: str, known: tuple[str, int, int]) -> bool:
        """Whether the directory remembered for ``path`` is still so, and every directory above its resolved path
        up to its tree's top still that same directory at that same path."""
        where, ino, dev = known
        if where != path:  # reached through a symlink: it still leads there
            try:
                st = os.stat(path)
            except OSError:
                return False
            if st.st_ino != ino or st.st_dev != dev:
                return False
        while True:
            try:  # the resolved path is still that directory, itself (not a symlink to it now)
                st = os.lstat(where)
            except OSError:
                return False
            if not stat.S_ISDIR(st.st_mode) or st.st_ino != ino or st.st_dev != dev:
                return False
            if where in self._tops:
                return True
            up = _split(where)[0]
            if up == where:  # the filesystem's root
                return True
            known = self._dirs.get(up)  # type: ignore[assignment]
            if known is None or known[0] != up:  # forgotten, or reached only through a symlink: resolved afresh
                return False
            where, ino, dev = known

    def directory(self, path: str) -> tuple[str, bool]:
        """(``path`` resolved as `real` resolves it, whether that is an existing directory); ``path`` absolute and
        normalised (`os.path.abspath`)."""
        known = self._dirs.get(path)
        if known is not None:
            if self._still(path, known):
                return known[0], True
            del self._dirs[path]
        parent, name = _split(path)
        if not name:  # the filesystem's root
            return path, True
        where, is_dir = self.directory(parent)
        here = _join(where, name)
        if not is_dir:  # nothing below a missing directory (or a file) exists: kept as written, as realpath keeps it
            return here, False
        try:
            st = os.lstat(here)
        except OSError:
            return here, False
        if stat.S_ISLNK(st.st_mode):
            here = os.path.realpath(here)
            try:
                st = os.stat(here)
            except OSError:
                return here, False
        if not stat.S_ISDIR(st.st_mode):
            return here, False
        if len(self._dirs) >= self._LIMIT:
            self._dirs.clear()
        if here == path:
            here = path  # one string held, not two
        self._dirs[path] = (here, st.st_ino, st.st_dev)
        return here, True

    def file(self, path: str) -> tuple[str, os.stat_result | None, bool]:
        """(``path`` resolved as `real` resolves it, the stat of what it resolves to (None: missing or not
        readable), whether its directory exists); ``path`` absolute and normalised (`os.path.abspath`)."""
        parent, name = _split(path)
        where, is_dir = self.directory(parent)
        here = _join(where, name)
        if not is_dir:
            return here, None, False
        try:
            st = os.lstat(here)
        except OSError:
            return here, None, True
        if stat.S_ISLNK(st.st_mode):
            here = os.path.realpath(here)
            try:
                st = os.stat(here)
            except OSError:
                return here, None, True
        return here, st, True

    def checked(
        self, path: str, tree: str, *, not_inside: str | None = None
    ) -> tuple[str, os.stat_result | None, bool]:
        """`checked_destination` (raises UnsafeWrite), returning what `file` returns."""
        where, st, in_dir = self.file(os.path.abspath(path))
        _check(where, path, tree, not_inside)
        return where, st, in_dir
