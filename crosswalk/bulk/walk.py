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

import json
import os
import stat
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from crosswalk.io.limits import MAX_BYTES, MAX_LINES_FILE_BYTES, check_size

DOC_SUFFIXES = (".json", ".geojson", ".yaml", ".yml")
LINE_SUFFIXES = (".ndjson", ".jsonl")
PARQUET_SUFFIXES = (".parquet", ".geoparquet")  # stac-geoparquet: Items as rows (crosswalk.bulk.geoparquet)
COLLECTION_TYPES = ("FeatureCollection", "ItemCollection")

try:  # optional: a faster parser (a catalog it cannot read is read by the conversion, which says why)
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - orjson is optional
    _fast_loads = json.loads


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


def _read_json_quiet(path: str) -> Any:
    """A catalog read during discovery, or None (not a regular file, too big, not JSON: the conversion of that
    file will say why)."""
    try:
        data = read_regular(path)
        return _fast_loads(data) if data is not None else None
    except (OSError, ValueError, RecursionError):
        return None


def read_regular(path: str) -> bytes | None:
    """The bytes of a regular file within the size limit; None for a FIFO, device or socket (opened without
    blocking, never read). Raises OSError, and LimitError for a file over the limit."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "Is a directory", path)
        if not stat.S_ISREG(st.st_mode):
            return None
        limit = MAX_LINES_FILE_BYTES if path.lower().endswith(LINE_SUFFIXES + PARQUET_SUFFIXES) else MAX_BYTES
        check_size(st.st_size, path, limit)
        data = f.read(st.st_size + 1)  # sized by the file: read(limit + 1) would allocate the whole limit first
        if len(data) > st.st_size:  # the file grew since: the rest, up to the limit
            data += f.read(limit + 1 - len(data))
        return data


def _local_href(base_file: str, href: Any) -> str | None:
    """The local path a link href names (relative to ``base_file``), or None for remote/unsupported hrefs."""
    if not isinstance(href, str) or not href:
        return None
    lower = href.lower()
    if lower.startswith("file://"):
        from urllib.parse import unquote, urlparse

        href = unquote(urlparse(href).path)
    elif "://" in href[:12] or lower.startswith(("http:", "https:", "s3:", "gs:")):
        return None
    else:  # a relative (or absolute-path) URI reference: percent-encoded like any URI
        from urllib.parse import unquote

        href = unquote(href.split("#", 1)[0].split("?", 1)[0])
    if not href or "\0" in href:
        return None
    if os.path.isabs(href):
        return os.path.normpath(href)
    return os.path.normpath(os.path.join(os.path.dirname(base_file), href))


def _link_targets(doc: Any, base_file: str) -> tuple[list[tuple[str, str]], int]:
    """(rel, local path) of the child/item links of a Catalog/Collection, and the number of remote ones."""
    out: list[tuple[str, str]] = []
    remote = 0
    links = doc.get("links") if isinstance(doc, dict) else None
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") not in ("child", "item"):
            continue
        target = _local_href(base_file, link.get("href"))
        if target is None:
            remote += 1
        else:
            out.append((link["rel"], target))
    return out, remote


def _is_catalog_root(doc: Any, path: str) -> bool:
    return isinstance(doc, dict) and doc.get("type") in ("Catalog", "Collection") and bool(_link_targets(doc, path)[0])


def input_kind(srcs: Sequence[str]) -> str | None:
    """What makes these inputs bulk input: ``several``, ``directory``, ``ndjson``, ``items`` (a JSON array of
    objects or a Feature/ItemCollection) or ``catalog`` (a Catalog/Collection with local child/item links); None for one
    document (or ``-``, stdin)."""
    if len(srcs) != 1:
        return "several" if srcs else None
    src = srcs[0]
    if src == "-":
        return None
    if os.path.isdir(src):
        return "directory"
    if src.lower().endswith(LINE_SUFFIXES):
        return "ndjson"
    if src.lower().endswith(PARQUET_SUFFIXES):
        return "geoparquet"
    if not src.lower().endswith((".json", ".geojson")) or not os.path.isfile(src):
        return None
    doc = _read_json_quiet(src)
    if isinstance(doc, list):  # an array of Items; anything else stays an error of single mode
        return "items" if doc and all(isinstance(d, dict) for d in doc) else None
    if isinstance(doc, dict) and doc.get("type") in COLLECTION_TYPES and isinstance(doc.get("features"), list):
        return "items"
    return "catalog" if _is_catalog_root(doc, src) else None


def is_bulk_input(srcs: Sequence[str]) -> bool:
    """Bulk mode: several inputs, a directory, an ``.ndjson`` file, a JSON array or Feature/ItemCollection, or
    a Catalog/Collection with local ``child``/``item`` links. ``-`` (stdin) and anything else: single mode."""
    return input_kind(srcs) is not None


def _walk(top: str, exclude: set[str]) -> Iterator[str]:
    """Document files below ``top``, sorted, skipping hidden entries and the ``exclude`` directories."""
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and os.path.realpath(os.path.join(dirpath, d)) not in exclude
        )
        for name in sorted(filenames):
            if not name.startswith(".") and name.lower().endswith(DOC_SUFFIXES + LINE_SUFFIXES + PARQUET_SUFFIXES):
                yield os.path.join(dirpath, name)


def plan_for(srcs: Sequence[str]) -> Plan:
    """An empty `Plan` for these inputs: the root is the common directory of the inputs (a catalog's own
    directory, a directory given, a file's directory)."""
    reals = [os.path.realpath(s) for s in srcs]
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
    cost a few MB. ``written``: resolved paths the run writes, by option name; finding one of them among the
    inputs raises OptionError (before it is written: such files are written when the run ends).
    """
    from hashlib import blake2b

    excluded = {os.path.realpath(e) for e in exclude}
    root = plan.root
    cut = len(root.rstrip(os.sep)) + 1
    seen: set[bytes] = set()

    def new(path: str) -> str | None:
        full = os.path.abspath(path)
        real = os.path.realpath(full) if _under(full, root) else full
        if not _under(real, root):
            if full not in plan.outside:
                plan.outside.append(full)
            return None
        rel = real[cut:]
        if written and real in written:
            from crosswalk.errors import OptionError

            raise OptionError(f"{written[real]} {real} is also an input of this run ({plan.href(rel)})")
        try:
            mode = os.stat(real).st_mode
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

    for given, src in ((s, os.path.realpath(s)) for s in srcs):
        if os.path.isdir(src):
            found = False
            for path in _walk(src, excluded):
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
        doc = _read_json_quiet(src) if src.lower().endswith((".json", ".geojson")) else None
        if _is_catalog_root(doc, src):
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
        targets, n_remote = _link_targets(doc, path)
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
            doc = _read_json_quiet(path)
            if isinstance(doc, dict) and doc.get("type") in ("Catalog", "Collection"):
                break


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
