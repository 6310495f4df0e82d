"""What kind of input the command line names (`input_kind`): one document, or bulk input (several inputs, a directory,
an ndjson or geoparquet file, an array or collection of Items, a catalog root with local links); and the quiet
readers that telling needs, shared with discovery (`crosswalk.bulk.walk`). Apart from the runner, so that a
one-file run, which asks `input_kind` before it converts, does not import the bulk machinery.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Sequence
from typing import Any

from crosswalk.io.limits import MAX_BYTES, MAX_LINES_FILE_BYTES, check_size

DOC_SUFFIXES = (".json", ".geojson", ".yaml", ".yml", ".jsonc")  # .jsonc: JSON with comments, read leniently
LINE_SUFFIXES = (".ndjson", ".jsonl")
PARQUET_SUFFIXES = (".parquet", ".geoparquet")  # stac-geoparquet: Items as rows (crosswalk.bulk.geoparquet)
COLLECTION_TYPES = ("FeatureCollection", "ItemCollection")

try:  # optional: a faster parser (a catalog it cannot read is read by the conversion, which says why)
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - orjson is optional
    _fast_loads = json.loads


def read_json_quiet(path: str) -> Any:
    """A catalog read during discovery, or None (not a regular file, too big, not JSON: the conversion of that
    file will say why)."""
    try:
        data = read_regular(path)
        return _fast_loads(data) if data is not None else None
    except (OSError, ValueError, RecursionError):
        return None


def read_regular(path: str) -> bytes | None:
    """The bytes of a regular file within the size limit; None for a FIFO, device or socket (opened without
    blocking, never read). Raises OSError, and LimitError for a file over the limit.

    Read through the descriptor itself: a buffered file object would cost three more system calls per file (a
    terminal test, a seek and a second fstat) and buffer nothing a read sized by the file needs."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "Is a directory", path)
        if not stat.S_ISREG(st.st_mode):
            return None
        limit = MAX_LINES_FILE_BYTES if path.lower().endswith(LINE_SUFFIXES + PARQUET_SUFFIXES) else MAX_BYTES
        check_size(st.st_size, path, limit)
        data = os.read(fd, st.st_size + 1)  # sized by the file: read(limit + 1) would allocate the whole limit first
        # all of it at once (a regular file's read stops short only at its end), unless it shrank or grew since the
        # fstat: then read on to its end, and past its size up to the limit
        if len(data) != st.st_size:
            data = _read_on(fd, data, st.st_size + 1)
            if len(data) > st.st_size:
                data = _read_on(fd, data, limit + 1)
        return data
    finally:
        os.close(fd)


def _read_on(fd: int, data: bytes, want: int) -> bytes:
    """``data`` and what follows it in ``fd``, up to ``want`` bytes in all or the end of the file."""
    while len(data) < want:
        more = os.read(fd, want - len(data))
        if not more:
            break
        data += more
    return data


def local_href(base_file: str, href: Any) -> str | None:
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


def link_targets(doc: Any, base_file: str) -> tuple[list[tuple[str, str]], int]:
    """(rel, local path) of the child/item links of a Catalog/Collection, and the number of remote ones."""
    out: list[tuple[str, str]] = []
    remote = 0
    links = doc.get("links") if isinstance(doc, dict) else None
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") not in ("child", "item"):
            continue
        target = local_href(base_file, link.get("href"))
        if target is None:
            remote += 1
        else:
            out.append((link["rel"], target))
    return out, remote


def is_catalog_root(doc: Any, path: str) -> bool:
    return isinstance(doc, dict) and doc.get("type") in ("Catalog", "Collection") and bool(link_targets(doc, path)[0])


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
    doc = read_json_quiet(src)
    if isinstance(doc, list):  # an array of Items; anything else stays an error of single mode
        return "items" if doc and all(isinstance(d, dict) for d in doc) else None
    if isinstance(doc, dict) and doc.get("type") in COLLECTION_TYPES and isinstance(doc.get("features"), list):
        return "items"
    return "catalog" if is_catalog_root(doc, src) else None


def is_bulk_input(srcs: Sequence[str]) -> bool:
    """Bulk mode: several inputs, a directory, an ``.ndjson`` file, a JSON array or Feature/ItemCollection, or
    a Catalog/Collection with local ``child``/``item`` links. ``-`` (stdin) and anything else: single mode."""
    return input_kind(srcs) is not None
