"""Discovery: the files a bulk run reads (a `Plan`), shared by the bulk runner (`crosswalk.bulk.tree`), its progress
bar (`crosswalk.bulk.progress`) and the read-only verbs (`crosswalk.bulk.inputs`), so every one sees the same tree.

Catalog/collection roots are followed through their ``child`` and ``item`` links (relative or absolute local
hrefs and ``file://`` URLs; http(s) links are counted, never fetched; percent-encoded hrefs are decoded),
directories are walked for ``.json``/``.geojson``/``.yaml``/``.yml``/``.ndjson``/``.jsonl`` (and geoparquet)
files (hidden entries skipped), other files are taken as they are. Every path is resolved (symlinks too) and
followed only while it stays below the resolved root; links resolving outside it are counted, never followed.
FIFOs, devices and sockets are skipped and listed, never opened.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from crosswalk.bulk.kind import (  # the kinds of input and the readers discovery shares with them
    DOC_SUFFIXES,
    LINE_SUFFIXES,
    PARQUET_SUFFIXES,
    is_catalog_root,
    link_targets,
    read_json_quiet,
)
from crosswalk.io.safepath import Resolver

try:  # BLAKE2b without hashlib, whose import loads OpenSSL: 11 M instructions (about 3 ms) of every bulk run
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter without the builtin module
    from hashlib import blake2b


@dataclass
class Plan:
    """What a bulk run reads: ``files``, paths relative to ``root`` (the directory whose tree is mirrored)."""

    root: str  # absolute
    display_root: str  # the root as reports name it: relative to the working directory when the inputs were
    files: list[str] = field(default_factory=list)
    remote_links: int = 0  # http(s) child/item links, never fetched
    outside: list[str] = field(default_factory=list)  # local links resolving outside the root: not followed
    skipped: list[str] = field(default_factory=list)  # FIFOs, devices, sockets: never opened
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (symlink, its target), both below the root
    empty: list[str] = field(default_factory=list)  # directories given as inputs with no document file in them

    def path(self, rel: str) -> str:
        """The file to open."""
        return os.path.join(self.root, rel)

    def href(self, rel: str) -> str:
        """The name reports use."""
        return rel if self.display_root == "." else os.path.join(self.display_root, rel)


def _walk(top: str, exclude: set[str], dirs: Resolver) -> Iterator[str]:
    """Document files below ``top``, sorted, skipping hidden entries and the ``exclude`` directories (resolved)."""
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and dirs.directory(os.path.join(dirpath, d))[0] not in exclude
        )
        for name in sorted(filenames):
            if not name.startswith(".") and name.lower().endswith(DOC_SUFFIXES + LINE_SUFFIXES + PARQUET_SUFFIXES):
                yield os.path.join(dirpath, name)


def resolved(src: str) -> str:
    """``src`` with every symlink resolved; a link the system opens but no path names (a shell's ``<(...)``,
    /dev/fd/N to a pipe) stays as given, so that it is seen for what it is (not a regular file), not as missing."""
    real = os.path.realpath(src)
    return real if os.path.exists(real) or not os.path.exists(src) else os.path.abspath(src)


def plan_for(srcs: Sequence[str]) -> Plan:
    """An empty `Plan` for these inputs: the root is the common directory of the inputs (a catalog's own
    directory, a directory given, a file's directory)."""
    reals = [resolved(s) for s in srcs]
    anchors = [r if os.path.isdir(r) else os.path.dirname(r) for r in reals]
    root = os.path.commonpath(anchors) if anchors else os.path.realpath(os.getcwd())
    display = root if any(os.path.isabs(s) for s in srcs) else os.path.relpath(root)
    return Plan(root=root, display_root=display)


def iter_files(
    srcs: Sequence[str], plan: Plan, *, exclude: Iterable[str] = (), written: dict[str, str] | None = None
) -> Iterator[str]:
    """The files of a bulk run as paths relative to ``plan.root``, as they are found, in a stable order
    (catalogs breadth-first in link order, directories sorted); ``plan.remote_links``, ``plan.outside``,
    ``plan.skipped`` and ``plan.aliases`` are updated on the way.

    Every path is resolved (symlinks too) and followed only while it stays below the resolved root: a link
    into a symlinked directory pointing elsewhere is listed outside, never read or written. A file reached
    through a symlink is converted under its real path (``plan.aliases`` records the symlink, which a mirror
    recreates as a symlink, never as a copy). FIFOs, devices and sockets are listed in ``plan.skipped``, never
    opened.

    ``exclude``: directories never walked into (the output and backup directories when they sit inside). A file
    linked twice is converted once; nothing is held per file but a 128-bit digest of its path, so 100,000 Items
    cost a few MB (and the directories resolved, a few thousand at most: `crosswalk.io.safepath.Resolver`).
    ``written``: resolved paths the run writes, by option name; finding one of them among the inputs raises
    OptionError (before it is written: such files are written when the run ends).
    """
    excluded = {os.path.realpath(e) for e in exclude}
    root = plan.root
    cut = len(root.rstrip(os.sep)) + 1
    seen: set[bytes] = set()
    dirs = Resolver([root])  # a file costs an lstat per directory below the root and one of its own name

    def new(path: str) -> str | None:
        full = os.path.abspath(path)
        if _under(full, root):
            real, st, _ = dirs.file(full)
        else:
            real, st = full, None
        if not _under(real, root):
            if full not in plan.outside:
                plan.outside.append(full)
            return None
        rel = real[cut:]
        if written and real in written:
            from crosswalk.errors import OptionError

            raise OptionError(f"{written[real]} {real} is also an input of this run ({plan.href(rel)})")
        try:
            mode = st.st_mode if st is not None else os.stat(real).st_mode  # st: the stat of ``real``, when known
        except FileNotFoundError:  # missing: its conversion says so, a dangling symlink under its own name (the
            real, rel, mode = full, full[cut:], stat.S_IFREG  # path the user has), not the target it lacks
        except OSError:  # unreadable: its conversion says so
            mode = stat.S_IFREG
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            if rel not in plan.skipped:
                plan.skipped.append(rel)
            return None
        if real != full and _under(full, root):
            plan.aliases.append((full[cut:], rel))
        key = blake2b(rel.encode("utf-8", "surrogateescape"), digest_size=16).digest()
        if key in seen:
            return None
        seen.add(key)
        return rel

    for given, src in ((s, resolved(s)) for s in srcs):
        if os.path.exists(src) and not (os.path.isdir(src) or os.path.isfile(src)):  # a pipe, a device: named
            plan.skipped.append(src[cut:])  # and said so, never opened (bulk mode reads files)
            continue
        if os.path.isdir(src):
            found = False
            for path in _walk(src, excluded, dirs):
                found = True
                rel = new(path)
                if rel is not None:
                    yield rel
            if not found:
                plan.empty.append(given)
            continue
        rel = new(src)
        if rel is None:
            continue
        yield rel
        doc = read_json_quiet(src) if src.lower().endswith((".json", ".geojson")) else None
        if is_catalog_root(doc, src):
            yield from _follow(src, doc, new, plan)


def discover(srcs: Sequence[str], *, exclude: Iterable[str] = ()) -> Plan:
    """The whole `Plan` (``files`` listed) of a bulk run; see `iter_files` (`migrate` streams instead)."""
    plan = plan_for(srcs)
    plan.files = list(iter_files(srcs, plan, exclude=exclude))
    return plan


def _follow(path: str, doc: Any, new: Callable[[str], str | None], plan: Plan) -> Iterator[str]:
    """Breadth-first through child/item links from one catalog, yielding the new files' relative paths.
    Children are parsed when their turn comes, one at a time (a queue of 100 parsed catalogs of 1,000 links
    each would hold 60 MB)."""
    queue: deque[str] = deque()
    while True:
        targets, n_remote = link_targets(doc, path)
        plan.remote_links += n_remote
        doc = None
        for kind, target in targets:
            rel = new(target)
            if rel is not None:
                yield rel
                if kind == "child":
                    queue.append(target)
        while True:
            if not queue:
                return
            path = queue.popleft()
            doc = read_json_quiet(path)
            if isinstance(doc, dict) and doc.get("type") in ("Catalog", "Collection"):
                break


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
