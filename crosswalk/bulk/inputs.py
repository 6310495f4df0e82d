"""The documents behind a command's arguments, for the verbs that read without writing (`validate`, `detect`).

They take what `migrate` takes: files, directories, catalog/collection roots (followed through local child/item
links), ``.ndjson`` files (one document per line), ItemCollections / FeatureCollections, bare JSON arrays of
Items, and ``-`` for stdin. Which files a run reads is decided by the bulk discovery code
(`crosswalk.bulk.walk.iter_files`), so every verb sees the same tree; this module only splits files into documents
and names each one as bulk reports do (``file.ndjson#L3``, ``file.json#/features/2``, ``file.json#/0``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from crosswalk.bulk.kind import LINE_SUFFIXES, PARQUET_SUFFIXES
from crosswalk.bulk.walk import iter_files, plan_for
from crosswalk.errors import CrosswalkError


@dataclass
class Document:
    """One document of the input, or why it could not be read (``error``; ``doc`` is then None)."""

    href: str
    doc: Any = None
    error: CrosswalkError | None = None
    empty: bool = False  # an input that holds no document at all (``error`` says so): no document of the data
    # what reading repaired, as report entries with paths into ``doc``: in the text (comments, keys written twice)
    # and in values no JSON reader that keeps to the standard accepts (NaN, infinities, lone surrogates)
    text_repairs: tuple[dict[str, Any], ...] = ()
    value_repairs: tuple[dict[str, Any], ...] = ()


def iter_documents(srcs: Sequence[str], *, lenient: bool = True) -> Iterator[Document]:
    """Every document of ``srcs``, in order (stdin where ``-`` stands); unreadable ones carry their error."""
    for src in srcs:
        if src == "-":
            yield from _documents_of("-", "-", lenient)
            continue
        try:
            mode = os.stat(src).st_mode
        except OSError as e:  # missing, or a link that leads nowhere (a loop): said as migrate says it
            from crosswalk.errors import ReadError

            why = "no such file" if isinstance(e, FileNotFoundError) else f"cannot read: {e.strerror or e}"
            yield Document(src, error=ReadError(why, href=src))
            continue
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):  # a pipe (<(...)) or a device: read as stdin is
            yield from _documents_of(src, src, lenient)
            continue
        plan = plan_for([src])
        found = False
        for rel in iter_files([src], plan):
            for d in _documents_of(plan.path(rel), plan.href(rel), lenient):
                found = True
                yield d
        if not found:  # named by the user and read, yet nothing there: said, as a missing file is
            from crosswalk.errors import ReadError

            yield Document(src, error=ReadError(no_documents_message(), href=src), empty=True)


def no_documents_message() -> str:
    from crosswalk.bulk.kind import DOC_SUFFIXES

    kinds = ", ".join(DOC_SUFFIXES + LINE_SUFFIXES + PARQUET_SUFFIXES)
    return f"no documents found (directories are searched for {kinds} files)"


def _parquet_documents(path: str, href: str) -> Iterator[Document]:
    """The Items of a stac-geoparquet file (``href#row``), then the Collections of its metadata."""
    from crosswalk.errors import ReadError

    try:
        from crosswalk.bulk import geoparquet

        items, collections = geoparquet.read(path), geoparquet.read_collections(path)
    except ImportError:
        yield Document(href, error=ReadError("reading geoparquet needs pip install 'crosswalk[geoparquet]'", href=href))
        return
    except Exception as e:  # noqa: BLE001 - not a parquet file, or not stac-geoparquet
        why = " ".join(str(e).split())[:200]
        yield Document(href, error=ReadError(f"not a stac-geoparquet file: {why}", href=href))
        return
    for i, item in enumerate(items):
        yield Document(f"{href}#{i}", item)
    for cid, collection in collections.items():
        yield Document(f"{href}#collection/{cid}", collection)


def _documents_of(path: str, href: str, lenient: bool) -> Iterator[Document]:
    from crosswalk.io.documents import read_document_parts
    from crosswalk.io.limits import sanitize
    from crosswalk.io.parse import parse_text

    if path != "-" and path.lower().endswith(PARQUET_SUFFIXES):  # read as migrate reads it
        yield from _parquet_documents(path, href)
        return
    if path != "-" and path.lower().endswith(LINE_SUFFIXES):
        try:
            with open(path, encoding="utf-8-sig") as f:  # a byte order mark, as some Windows tools write
                lines = f.read().split("\n")
        except (OSError, UnicodeError) as e:
            from crosswalk.errors import ReadError

            yield Document(href, error=ReadError(f"cannot read: {getattr(e, 'strerror', None) or e}", href=href))
            return
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{href}#L{n}"
            try:
                doc = parse_text(line, where)
                yield Document(where, doc, value_repairs=tuple(sanitize(doc, where)))
            except CrosswalkError as e:
                yield Document(where, error=e)
        return
    try:
        doc, text_repairs, value_repairs = read_document_parts(path, lenient=lenient)
    except CrosswalkError as e:
        e.href = href if path != "-" else e.href
        yield Document(href, error=e)
        return
    if isinstance(doc, list) and doc and all(isinstance(d, dict) for d in doc):
        members = [(f"/{i}", item) for i, item in enumerate(doc)]
    elif (
        isinstance(doc, dict)
        and doc.get("type") in ("FeatureCollection", "ItemCollection")
        and isinstance(doc.get("features"), list)
    ):
        members = [(f"/features/{i}", item) for i, item in enumerate(doc["features"])]
    else:
        yield Document(href, doc, text_repairs=tuple(text_repairs), value_repairs=tuple(value_repairs))
        return
    ats = [at for at, _ in members]
    for n, (at, item) in enumerate(members):
        # each member gets the repairs inside it, at paths into itself; those of the file around them, its first
        yield Document(f"{href}#{at}", item, text_repairs=_within(text_repairs, at, ats if n == 0 else None),
                       value_repairs=_within(value_repairs, at, ats if n == 0 else None))


def _within(repairs: list[dict[str, Any]], at: str, ats: list[str] | None) -> tuple[dict[str, Any], ...]:
    """The repairs at or under the pointer ``at``, re-rooted there; with ``ats`` (every member's pointer), also
    those in no member, at the member's root with the file's pointer in their reason."""
    def under(path: str, root: str) -> bool:
        return path == root or path.startswith(root + "/")

    inside = [{**r, "path": r["path"][len(at):]} for r in repairs if under(r["path"], at)]
    around = [r if not r["path"] else {**r, "path": "", "reason": f"{r['path']} of the file: {r['reason']}"}
              for r in repairs if ats is not None and not any(under(r["path"], a) for a in ats)]
    return tuple(around + inside)


def plain_stac_type(doc: Any) -> str | None:
    """The STAC type of a document that has no ML-model extension but is STAC (bulk runs copy these unchanged),
    else None."""
    if isinstance(doc, dict) and (doc.get("type") in ("Feature", "Collection", "Catalog") or "stac_version" in doc):
        return str(doc.get("type") or "STAC")
    return None
