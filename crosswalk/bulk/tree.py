"""Bulk upgrades: whole catalogs, directory trees, ndjson files and ItemCollections, mirrored or in place.

The library API behind ``dlm-migrate SRC... --out-dir DIR | --in-place | --dry-run``:

* `input_kind(srcs)` / `is_bulk_input(srcs)`: whether (and why) the CLI should use bulk mode for these inputs.
* `discover(srcs)`: the files to convert (a `Plan`): catalog/collection roots are followed through their
  ``child`` and ``item`` links (relative or absolute local hrefs and ``file://`` URLs; http(s) links are
  counted, never fetched; percent-encoded hrefs are decoded), directories are walked for
  ``.json``/``.geojson``/``.yaml``/``.yml``/``.ndjson``/``.jsonl`` files (hidden entries skipped), other files
  are taken as they are. Every path is resolved (symlinks too) and followed only while it stays below the
  resolved root; links resolving outside it are counted, never followed. FIFOs, devices and sockets are
  skipped and listed, never opened.
* `migrate(srcs, ...)`: convert every document of every file with `crosswalk.pipeline.convert` and write the
  results; returns a `BulkResult` (the summary counts and the failures).
* `render_summary(summary)`: the final table.

A file holds one document (an Item, Collection or Catalog), or several: an ``.ndjson`` file (one per line, reported
as ``file.ndjson#L3``), a FeatureCollection/ItemCollection (``file.json#/features/3``) or a bare JSON array of Items
(``file.json#/3``; written back as a FeatureCollection, which STAC tools read). Catalogs and Collections carrying an
ML-model extension are converted like Items (``stac_extensions``, ``summaries``, ``item_assets``, assets); documents
without any (a plain Catalog, a data Item) are copied unchanged and reported ``unchanged``, and so are documents
already in the target format (their bytes are kept; their report is the one `pipeline.convert` gives, built without
its ledger passes). Anything else (unreadable, not STAC, over an input limit of `crosswalk.io.limits`, a conversion
error, even a bug) is ``failed``: listed, and the run goes on (unless ``fail_fast``).

Each document's report (the report contract, plus ``"status"``: converted, unchanged or failed; failures carry
``"error"`` instead of fields) can go to a summary file, one JSON line each, then ``{"summary": {...}}`` with the
counts (documents, converted, unchanged, lossy, invented, invalid, failed; files, written, remote_links,
outside_root, skipped). lossy = some field lossy or dropped; invented = some value invented; invalid = a validation
error.

Writing (every written path is checked first, resolved, by `crosswalk.io.safepath`: an output or backup directory
onto, inside or around the input tree, or a summary file that is an input, is an `OptionError` before anything
is read or written; each destination is resolved again when it is written):

* ``out_dir``: the tree below the root (the catalog's directory, the directory given, or the common directory of
  the files given) is mirrored into ``out_dir``, so relative links still resolve. Files whose bytes would not
  change are not rewritten. A file that failed is copied unchanged, so the mirror stays complete. A symlink of
  the input tree (to a file below the root) is mirrored as a symlink, never as a copy of its target.
* ``in_place``: each file that changes is first copied to ``backup_dir`` (default ``<root>.bak`` beside the
  root; same relative paths) and then replaced atomically (temporary file in the same directory, fsync, rename;
  the file's permissions are kept). A backup always holds the bytes the file had just before crosswalk last
  replaced it; an older backup of other bytes (a file changed again by a later run) is kept beside it as
  ``<name>.~1~``, ``.~2~``, ... (``cp --backup=numbered``), so no run loses the bytes an earlier one saved.
  Multi-document files are rewritten whole; ndjson lines that did not change keep their bytes.
  YAML inputs are written back as JSON (which is YAML too), under the same name so links still resolve. A
  file reached through a symlink is replaced at its real path: the symlink stays a symlink.
* ``dry_run``: nothing is written; the reports say what would change.

Every write is a rename of a complete temporary file, so a run killed at any moment leaves each file either as
it was or fully converted, and running the same command again finishes the job (converted documents are
already in the target format: no-ops). The written tree is locked for the run (`crosswalk.io.treelock`): a second
run on it stops with "tree is busy" before touching anything. Temporary files a killed run left behind are
removed by the next run (only those of dead processes). The summary file is written beside its name and renamed
into place at the end.

Speed: documents are converted by ``jobs`` worker processes, a chunk of files at a time; mappings and schemas
are compiled once per process (before forking when possible) and then frozen out of the garbage collector's
sight; validation compiles a schema when a document first declares it; files are parsed and written with orjson
wherever its bytes are the json module's; the loss accounting uses the engine's ledger, never a whole-document
DeepDiff (unless ``verify``). Memory stays flat: nothing is kept per document, and per file only a 16-byte
digest of its path (so a file linked twice is converted once): about 75 bytes a file.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from crosswalk import pipeline
from crosswalk.bulk.kind import (  # the kinds of input (re-exported, part of the bulk API)
    COLLECTION_TYPES,
    LINE_SUFFIXES,
    PARQUET_SUFFIXES,
    input_kind,
    is_bulk_input,
    read_regular,
)
from crosswalk.bulk.progress import Progress, counted, files_of, tick
from crosswalk.bulk.walk import Plan, discover, iter_files, plan_for  # discovery: which files a run reads
from crosswalk.detection import detect
from crosswalk.errors import CrosswalkError, FormatError, ReadError, WorkerLost
from crosswalk.io.documents import dumps_bytes, write_bytes
from crosswalk.io.limits import MAX_BYTES, LimitError, check_size, sanitize
from crosswalk.io.parse import (
    load_json_checked,
    parse_text,
    read_json_written,
    written_leaves,
    yaml_duplicate_keys,
)
from crosswalk.io.safepath import Resolver, checked_destination
from crosswalk.io.treelock import MARKER

__all__ = [
    "BulkResult",
    "DocOutcome",
    "Plan",
    "STATUSES",
    "COUNTS",
    "discover",
    "input_kind",
    "is_bulk_input",
    "iter_files",
    "plan_for",
    "migrate",
    "render_summary",
]

STATUSES = ("converted", "unchanged", "failed")
COUNTS = ("documents", "converted", "unchanged", "lossy", "invented", "invalid", "failed")
_STAC_TYPES = ("Feature", "Collection", "Catalog")
_MARKER = MARKER  # the run marker and lock at the top of the written tree

try:  # optional: a faster parser for the common case (errors are re-parsed by json for the message)
    from orjson import OPT_APPEND_NEWLINE, OPT_INDENT_2, OPT_PASSTHROUGH_DATACLASS, OPT_PASSTHROUGH_DATETIME
    from orjson import OPT_PASSTHROUGH_SUBCLASS as _SUBCLASS
    from orjson import dumps as _fast_dumps

    # the reader's indented text (`crosswalk.io.parse.read_json_written`), refusing (TypeError) every type but
    # JSON's own: subclasses, dates and dataclasses, which orjson would write as the plain values they equal
    _AS_WRITTEN = OPT_INDENT_2 | OPT_APPEND_NEWLINE | _SUBCLASS | OPT_PASSTHROUGH_DATETIME | OPT_PASSTHROUGH_DATACLASS
except ImportError:  # pragma: no cover - orjson is optional
    _fast_dumps = None


# ------------------------------------------------------------------------------------------------------------
# Converting one file (runs in the workers)


@dataclass
class DocOutcome:
    """One document's fate: ``status`` is converted, unchanged or failed; the flags come from its report."""

    href: str
    status: str
    lossy: bool = False
    invented: bool = False
    invalid: bool = False
    error: str | None = None
    report: str | None = None  # the design §3 report plus "status", one JSON line (when a summary file is kept)
    document: Any = None  # the output document, when the run writes one file (migrate's ``sink``)


@dataclass
class FileOutcome:
    path: str
    docs: list[DocOutcome]
    written: bool = False
    write_error: str | None = None


@dataclass
class _Settings:
    root: str
    display_root: str
    to: str
    fill: dict[str, Any] | None
    validate: bool
    verify: bool
    out_dir: str | None
    in_place: bool
    backup_dir: str | None
    dry_run: bool
    keep_reports: bool
    lenient: bool = True
    collect: bool = False  # hand every output document back to the parent (migrate's ``sink``)
    fail_fast: bool = False  # a file of several documents stops at its first failure too (the rest left as they are)
    strict: bool = False  # a document with anything lossy, dropped or invented fails (left as it was)
    # the destinations' directories resolved in this run, below the trees written (a worker's copy starts empty)
    paths: Resolver = field(default_factory=Resolver, repr=False, compare=False)


def _warm(to: str, validate: bool) -> None:
    """Load and compile everything a conversion needs once per process (mappings, plan graph, schemas)."""
    from crosswalk.language.compiled import mapping
    from crosswalk.language.formats import Format

    target = Format.parse(to)
    graph = pipeline.graph()
    for fmt in graph.edges:
        try:
            graph.plan(fmt, target)
        except Exception:  # noqa: BLE001 - a format with no path: reported per document later
            pass
    mapping("repairs.yaml")  # what pipeline.convert uses: the on-disk cache when it is warm
    if validate:
        from crosswalk.language.formats import registry
        from crosswalk.validation.validator import warm

        warm([registry().families[target.family].uri(target.version)])  # the rest as documents declare them


def _doc_outcome(doc: Any, href: str, s: _Settings, repairs: Sequence[dict[str, Any]] = (),
                 twin: Any = None, written: bytes | None = None) -> tuple[DocOutcome, Any]:
    """`_convert_doc`, where anything one document raises is that document's failure: the run goes on."""
    try:
        out, new = _convert_doc(doc, href, s, repairs, twin, written)
    except Exception as e:  # noqa: BLE001 - a bug must cost one document, never the run
        return _failed(href, _internal(href, e), s), None
    if s.collect and out.status != "failed":
        out.document = doc if new is None else new
    return out, new


def _internal(href: str, e: BaseException) -> str:
    """A bug's one line: no Python internals for the user (CROSSWALK_DEBUG=1 adds the exception)."""
    detail = f" [{type(e).__name__}: {e}]" if os.environ.get("CROSSWALK_DEBUG") else ""
    return f"{href}: internal error: crosswalk could not convert this document (a bug; please report it){detail}"


def _convert_doc(doc: Any, href: str, s: _Settings, repairs: Sequence[dict[str, Any]] = (),
                 twin: Any = None, written: bytes | None = None) -> tuple[DocOutcome, Any]:
    """Convert one parsed document; returns (outcome, output document or None when it stays as it was).

    ``repairs``: text repairs the lenient reader made (comments, trailing commas): reported first, as
    `pipeline.convert_file` does, and the document is written back as strict JSON (status converted).
    ``written``: the document as `dumps_bytes` writes it (`_parse_written`), or None: its leaves are counted there.
    """
    new = None
    try:
        detection = detect(doc, href)  # a document with no ML-model extension is copied as plain STAC below
    except FormatError as e:
        # An unknown version of a known extension (a major version newer than crosswalk knows: MLM 2.0.0 may have
        # changed anything, so it is not read as the newest known one) is a document crosswalk cannot read: it
        # fails, as it does alone; only a STAC document without any ML-model extension is copied through.
        stac = isinstance(doc, dict) and (doc.get("type") in _STAC_TYPES or "stac_version" in doc)
        if not (e.no_extension and stac):
            return _failed(href, str(e), s), None
        out, report = _plain_stac(doc, href, s, e.message)
    except CrosswalkError as e:  # pragma: no cover - detect raises FormatError only
        return _failed(href, str(e), s), None
    else:
        # a document already in the target format goes through convert too: it still gets the repairs and invariants
        try:
            # no summary file: no report is kept, so none is folded into field entries (the ledger still
            # accounts for every leaf, and the counts come from it)
            # (--strict names the fields it refuses: it needs them too)
            result = pipeline.convert(doc, href=href, to=s.to, fill=s.fill, validate=s.validate, verify=s.verify,
                                      detection=detection, twin=twin, fields=s.keep_reports or s.strict,
                                      source_leaves=None if written is None else written_leaves(written))
        except Exception as e:  # noqa: BLE001 - an engine bug must not stop the other documents
            return _failed(href, _internal(href, e), s), None
        if result.error is not None:
            return _failed(href, str(result.error), s), None
        if s.strict:  # refused as one document alone is (its reader's repairs count too): a failure, left as it was
            why = pipeline.strict_refusal(list(repairs) + (result.report.get("fields") or []))
            if why:
                return _failed(href, f"{href}: --strict: {why}: left as it was", s), None
        # an empty plan may still repair the document, and a plan may change nothing (a dlm Collection, which reads
        # as beta.3, converted to dlm again): the output decides
        changed = _changed(result, written)
        out = DocOutcome(
            href, "converted" if changed else "unchanged", result.lossy, result.invented, not result.valid
        )
        report = result.report
        new = result.document if changed else None
    if repairs:
        out.status = "converted"
        new = doc if new is None else new
        if report is not None and s.keep_reports:
            pipeline.with_read_repairs(report, list(repairs), doc, doc if new is None else new)
    if report is not None and s.keep_reports:
        out.report = _report_line(report, out.status)
    return out, new


def _changed(result: pipeline.Result, written: bytes | None) -> bool:
    """``result.changed``, told by the output's text where the source's is at hand (``written``): an output equal
    to its source by Python's == whose indented text is the source's is the same JSON (a NaN, written null, equals
    no null; 1.0, true and 1 are written apart; only JSON's own types are written), so the walk of both documents
    that tells 1 from 1.0 is left to the outputs whose text differs."""
    if result.document is None or result.document != result.source:
        return result.document is not None
    if written is not None and _fast_dumps is not None:
        try:
            if _fast_dumps(result.document, option=_AS_WRITTEN) == written:
                return False
        except TypeError:  # a type JSON has no word for: the walk decides
            pass
    return result.changed


def _unchanged(
    doc: dict, href: str, s: _Settings, source_format: str | None, fields: list[dict[str, Any]], also: list[str]
) -> tuple[DocOutcome, dict | None]:
    """A document written back as it is: the report `pipeline.convert` would give, without its ledger, copy and
    coverage passes (a rerun over an upgraded catalog is all this)."""
    issues, valid = ([], True)
    if s.validate:
        from crosswalk.validation.verdict import report_issues

        issues, valid = report_issues(doc)
    out = DocOutcome(href, "unchanged", invalid=not valid)
    if not s.keep_reports:
        return out, None
    from crosswalk.engine.report import document_report
    from crosswalk.language.formats import Format

    return out, document_report(
        href=href,
        source_format=source_format,
        target=str(Format.parse(s.to)),  # the exact version, as convert's reports name it
        steps=[],
        fields=fields,
        issues=issues,
        valid=valid,
        validated=s.validate,
        source=doc,
        also=also,
    )


def _plain_stac(doc: dict, href: str, s: _Settings, why: str) -> tuple[DocOutcome, dict | None]:
    """A STAC document without any ML-model extension: copied unchanged (validated when asked)."""
    return _unchanged(doc, href, s, None, [{"path": "", "status": "kept", "reason": f"{why}: copied unchanged"}], [])


def _failed(href: str, message: str, s: _Settings) -> DocOutcome:
    out = DocOutcome(href, "failed", error=message)
    if s.keep_reports:
        out.report = _line({"source": {"href": href}, "status": "failed", "error": message})
    return out


def _report_line(report: dict[str, Any], status: str) -> str:
    return _line({**report, "status": status})


def _line(obj: Any) -> str:
    """One compact JSON line (orjson when it is installed and can: reports are plain JSON)."""
    if _fast_dumps is not None:
        try:
            return _fast_dumps(obj).decode("utf-8")
        except TypeError:  # e.g. an integer beyond 64 bits in an echoed value
            pass
    text = json.dumps(obj, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate no reader repaired: escaped, so the line is text and the run
        return json.dumps(obj)  # goes on (a report must never stop the summary file)
    return text


def _parse(data: bytes, path: str, href: str, lenient: bool) -> tuple[Any, list[dict[str, Any]], Any]:
    """(document, repairs, twin): JSON (orjson first when installed), YAML by suffix; ``lenient`` falls back to
    `crosswalk.io.lenient.parse_lenient` (comments, trailing commas) as single mode does. The input limits
    (`crosswalk.io.limits.sanitize`: depth, big integers, NaN, lone surrogates) apply to every document. ``twin``:
    the text parsed once more for the conversion to work on (cheaper than a deep copy of the document), where that
    gives what the first parse gave: strict JSON the reader repaired nothing in (`read_json`); None otherwise."""
    return _parse_written(data, path, href, lenient)[:3]


def _parse_written(data: bytes, path: str, href: str, lenient: bool
                   ) -> tuple[Any, list[dict[str, Any]], Any, bytes | None]:
    """`_parse`, and the document as an output file would hold it (`crosswalk.io.parse.read_json_written`) where
    there is a twin, else None."""
    if path.lower().endswith((".yaml", ".yml")):
        text = data.decode("utf-8")
        doc = parse_text(text, href, yaml_ok=True)
        return doc, yaml_duplicate_keys(text) + sanitize(doc, href), None, None
    try:
        return read_json_written(data, href, twin=True)
    except LimitError:
        raise
    except ReadError:
        if not lenient:
            raise
    from crosswalk.io.lenient import lenient_duplicate_keys, parse_lenient

    text = data.decode("utf-8")  # UnicodeDecodeError: the caller's
    doc, repairs = parse_lenient(text, href)
    return doc, repairs + lenient_duplicate_keys(text, doc, repairs) + sanitize(doc, href), None, None


def _href(rel: str, s: _Settings) -> str:
    return rel if s.display_root == "." else os.path.join(s.display_root, rel)


def _convert_file(path: str, href: str, s: _Settings) -> tuple[list[DocOutcome], bytes | None, bytes | None]:
    """(outcomes, original bytes, new bytes or None when the file stays as it is)."""
    try:
        data = read_regular(path)
    except FileNotFoundError:
        return [_failed(href, f"{href}: no such file", s)], None, None
    except IsADirectoryError:
        return [_failed(href, f"{href}: is a directory", s)], None, None
    except OSError as e:
        return [_failed(href, f"{href}: cannot read: {e.strerror or e}", s)], None, None
    except CrosswalkError as e:  # over the size limit
        return [_failed(href, f"{href}: {e.message}", s)], None, None
    if data is None:  # replaced by a FIFO or device since it was found
        return [_failed(href, f"{href}: not a regular file: not read", s)], None, None
    try:
        if path.lower().endswith(LINE_SUFFIXES):
            return _convert_lines(data, href, s)
        if path.lower().endswith(PARQUET_SUFFIXES):
            return _convert_parquet(data, href, s)
        doc, repairs, twin, written = _parse_written(data, path, href, s.lenient)
    except UnicodeDecodeError as e:
        return [_failed(href, f"{href}: not UTF-8 text (byte {e.start})", s)], data, None
    except CrosswalkError as e:
        return [_failed(href, str(e), s)], data, None
    if isinstance(doc, list):  # a bare array of Items: written as the FeatureCollection STAC tools can read
        items = _split_repairs(repairs, "", len(doc))
        docs, changed = _convert_many(doc, [f"{href}#/{i}" for i in range(len(doc))], items, s)
        if changed is None and not repairs:  # nothing converted (all failed, or none to do): the file stays as it is
            return docs, data, None
        collection = {"type": "FeatureCollection", "features": doc if changed is None else changed}
        return docs, data, dumps_bytes(collection)
    if isinstance(doc, dict) and doc.get("type") in COLLECTION_TYPES and isinstance(doc.get("features"), list):
        feats = doc["features"]
        items = _split_repairs(repairs, "/features", len(feats))
        docs, changed = _convert_many(feats, [f"{href}#/features/{i}" for i in range(len(feats))], items, s)
        if changed is None and not repairs:
            return docs, data, None
        return docs, data, dumps_bytes({**doc, "features": feats if changed is None else changed})
    outcome, new = _doc_outcome(doc, href, s, repairs, twin, written)
    if new is None:
        return [outcome], data, None
    text = dumps_bytes(new)
    return [outcome], data, (None if text == data else text)


def _convert_parquet(data: bytes, href: str, s: _Settings) -> tuple[list[DocOutcome], bytes, bytes | None]:
    """A stac-geoparquet file: its Items (read back normalised, see crosswalk.bulk.geoparquet) and the Collections
    of its metadata are converted like an ItemCollection's; a changed file is written back whole."""
    from crosswalk.bulk import geoparquet

    try:
        items, collections = geoparquet.loads(data)
    except ImportError:
        return [_failed(href, f"{href}: reading geoparquet needs pip install 'crosswalk[geoparquet]'", s)], data, None
    except Exception as e:  # noqa: BLE001 - not a parquet file, or not stac-geoparquet: this file fails
        return [_failed(href, f"{href}: not a stac-geoparquet file: {' '.join(str(e).split())[:200]}", s)], data, None
    hrefs = [f"{href}#{i}" for i in range(len(items))] + [f"{href}#collection/{cid}" for cid in collections]
    everything = [*items, *collections.values()]
    # the input limits apply to a row as to a file (a float column holds NaN, which no JSON output may carry)
    slots: list[DocOutcome | None] = [None] * len(everything)  # outcomes in the file's order
    readable: list[int] = []
    repairs: list[list[dict[str, Any]]] = []
    for i, (doc, where) in enumerate(zip(everything, hrefs, strict=True)):
        try:
            repairs.append(sanitize(doc, where))
            readable.append(i)
        except LimitError as e:
            slots[i] = _failed(where, str(e), s)
    outs, changed = _convert_many([everything[i] for i in readable], [hrefs[i] for i in readable], repairs, s)
    for i, out in zip(readable, outs, strict=True):
        slots[i] = out
    docs = [o for o in slots if o is not None]
    if changed is None:
        return docs, data, None
    for i, new in zip(readable, changed, strict=True):
        everything[i] = new
    try:
        return docs, data, geoparquet.dumps([*everything[len(items):], *everything[: len(items)]])
    except (ValueError, CrosswalkError) as e:  # an upgraded Item the format cannot hold: the file stays as it was
        return [*docs, _failed(href, f"{href}: not rewritten: {' '.join(str(e).split())[:200]}", s)], data, None


def _split_repairs(repairs: list[dict[str, Any]], prefix: str, n: int) -> list[list[dict[str, Any]]]:
    """A multi-document file's repairs, per document, with paths into that document. Repairs outside any
    document (text repairs, the collection's own fields) go with the first document's report."""
    out: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    for r in repairs:
        rest = r["path"][len(prefix) :] if r["path"].startswith(prefix + "/") else ""
        head, _, tail = rest[1:].partition("/")
        if head.isdigit() and int(head) < n:
            out[int(head)].append({**r, "path": "/" + tail if tail else ""})
        elif n:
            out[0].append(r)
    return out


def _convert_many(
    items: list[Any], hrefs: list[str], repairs: list[list[dict[str, Any]]], s: _Settings
) -> tuple[list[DocOutcome], list[Any] | None]:
    outs: list[DocOutcome] = []
    new_items = list(items)
    changed = False
    for i, (item, href, fixed) in enumerate(zip(items, hrefs, repairs, strict=True)):
        outcome, new = _doc_outcome(item, href, s, fixed)
        outs.append(outcome)
        if new is not None:
            new_items[i] = new
            changed = True
        if s.fail_fast and outcome.status == "failed":
            break
    return outs, (new_items if changed else None)


def _convert_lines(data: bytes, href: str, s: _Settings) -> tuple[list[DocOutcome], bytes, bytes | None]:
    outs: list[DocOutcome] = []
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""  # written by some Windows tools: kept
    lines = data[len(bom):].split(b"\n")
    changed = False
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{href}#L{n}"
        tick()  # the progress bar moves inside a large ndjson file too
        try:
            check_size(len(line), where, MAX_BYTES)
            doc, repairs = load_json_checked(line, where)
        except UnicodeDecodeError as e:
            outs.append(_failed(where, f"{where}: not UTF-8 text (byte {e.start})", s))
        except CrosswalkError as e:
            outs.append(_failed(where, str(e), s))
        else:
            outcome, new = _doc_outcome(doc, where, s, repairs)
            outs.append(outcome)
            if new is not None:
                text = json.dumps(new, ensure_ascii=False, allow_nan=False).encode("utf-8")
                lines[n - 1] = text + (b"\r" if line.endswith(b"\r") else b"")
                changed = True
        if s.fail_fast and outs[-1].status == "failed":
            break  # the lines after it stay as they are
    return outs, data, (bom + b"\n".join(lines) if changed else None)


def _same_bytes(path: str, data: bytes, st: os.stat_result | None) -> bool:
    """``path`` (``st``: its stat, None when it is missing) holds ``data``: one read of one more byte than
    ``data`` has, through no buffer (a regular file reads whole up to its end)."""
    if st is None or st.st_size != len(data):
        return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        return os.read(fd, len(data) + 1) == data
    except OSError:
        return False
    finally:
        os.close(fd)


def _make_dir(path: str) -> None:
    """The directory a destination needs, when only its last component is missing (the usual case: write_bytes
    would first fail to create its temporary file, then look for the parent); anything else is left to
    write_bytes, which fails or creates the directories as it always does."""
    try:
        os.mkdir(path)
    except OSError:
        pass


def _write_outputs(rel: str, original: bytes | None, new: bytes | None, s: _Settings) -> bool:
    """Write one file's result; True when something was written. Every destination is resolved again and
    must lie in its own tree (never in the input tree, unless in place); raises UnsafeWrite otherwise."""
    if s.dry_run or original is None:
        return False
    if s.out_dir is not None:
        dest, st, in_dir = s.paths.checked(os.path.join(s.out_dir, rel), s.out_dir, not_inside=s.root)
        data = original if new is None else new
        if _same_bytes(dest, data, st):
            return False
        if not in_dir:
            _make_dir(os.path.dirname(dest))
        write_bytes(dest, data)
        return True
    if s.in_place and new is not None:
        # rel is the real path: no symlink replaced
        path, st, _ = s.paths.checked(os.path.join(s.root, rel), s.root)
        mode = (st if st is not None else os.stat(path)).st_mode & 0o7777  # missing: FileNotFoundError, not written
        backup, bst, in_dir = s.paths.checked(os.path.join(s.backup_dir or "", rel), s.backup_dir or "",
                                              not_inside=s.root)
        if not _same_bytes(backup, original, bst):
            if not in_dir:
                _make_dir(os.path.dirname(backup))
            if bst is not None:  # an earlier run's backup, of other bytes: kept, never written over
                _number(backup)
            write_bytes(backup, original, mode=mode, sync=True)
        write_bytes(path, new, mode=mode, sync=True)
        return True
    return False


def _number(backup: str) -> str:
    """Keep the backup at ``backup`` as ``<name>.~N~`` (the first N free), as ``cp --backup=numbered`` does: a
    hard link, so the backup stays at its own name until the new one is renamed over it."""
    n = 1
    while True:
        numbered = f"{backup}.~{n}~"
        try:
            os.link(backup, numbered)
            return numbered
        except FileExistsError:
            n += 1


def _process(rel: str, s: _Settings) -> FileOutcome:
    """Convert and write one file (``rel``: its path below the root). Whatever happens is this file's outcome."""
    href = _href(rel, s)
    before = counted()
    try:
        docs, original, new = _convert_file(os.path.join(s.root, rel), href, s)
    except Exception as e:  # noqa: BLE001 - a bug must cost one file, never the run
        docs, original, new = [_failed(href, _internal(href, e), s)], None, None
    tick(len(docs) - (counted() - before))  # for the progress bar: the documents no ndjson line counted
    outcome = FileOutcome(href, docs)
    try:
        outcome.written = _write_outputs(rel, original, new, s)
    except (OSError, CrosswalkError) as e:  # nothing of this file was written: each of its documents failed
        why = e.message if isinstance(e, CrosswalkError) else (e.strerror or str(e))
        outcome.write_error = message = f"{href}: cannot write: {why}"
        outcome.docs = [_failed(d.href, message, s) for d in docs]
    return outcome


def _process_chunk(task: tuple[_Settings, list[str]]) -> list[FileOutcome]:
    s, rels = task
    return [_process(rel, s) for rel in rels]


# ------------------------------------------------------------------------------------------------------------
# The run


@dataclass
class BulkResult:
    """The outcome of `migrate`: ``summary`` counts documents (see COUNTS) and files; ``failures`` lists
    (href, message) for every failed document or file that could not be written."""

    summary: dict[str, int]
    failures: list[tuple[str, str]]
    plan: Plan
    seconds: float = 0.0
    stopped: bool = False  # fail_fast stopped the run early
    invalid_unchanged: int = 0  # of summary["invalid"]: documents left as they were (nothing of them written)

    @property
    def failed(self) -> bool:
        return bool(self.summary["failed"])

    @property
    def flagged(self) -> bool:
        """Anything lossy, invented or invalid among the documents converted."""
        return any(self.summary[k] for k in ("lossy", "invented", "invalid"))


def default_backup_dir(root: str) -> str:
    """``<root>.bak`` beside the root directory."""
    root = os.path.abspath(root).rstrip(os.sep) or os.sep
    return os.path.join(os.path.dirname(root), os.path.basename(root) + ".bak")


def _chunks(items: Iterable[str], largest: int) -> Iterator[list[str]]:
    """Lists of 1, 2, 4, ... up to ``largest`` items: small runs spread over every worker at once, large ones
    pay little per-task overhead."""
    it = iter(items)
    size = 1
    while True:
        chunk = list(islice(it, size))
        if not chunk:
            return
        yield chunk
        size = min(size * 2, largest)


class _SummaryFile:
    """The ``--summary-file``: written beside its final name and renamed into place when the run ends, so the
    old file is never truncated before the run has produced the new one (a device or FIFO is written to; ``-``
    is stdout, streamed as the run goes)."""

    def __init__(self, path: str) -> None:
        import stat
        import tempfile

        from crosswalk.io.documents import replacement_mode

        self.tmp: str | None = None
        if path == "-":
            self.path, self.f = path, sys.stdout
            return
        self.path = os.path.realpath(path)
        try:
            special = not stat.S_ISREG(os.stat(self.path).st_mode)
        except FileNotFoundError:
            special = False
        if special:
            self.f = open(self.path, "w", encoding="utf-8")  # noqa: SIM115
        else:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            fd, self.tmp = tempfile.mkstemp(prefix=f".{os.path.basename(self.path)}.", suffix=".tmp",
                                            dir=os.path.dirname(self.path))
            os.fchmod(fd, replacement_mode(None))
            self.f = os.fdopen(fd, "w", encoding="utf-8")

    def write(self, text: str) -> None:
        self.f.write(text)

    def _close(self) -> None:
        if self.f is sys.stdout:  # flushed, never closed
            self.f.flush()
        elif not self.f.closed:
            self.f.close()

    def commit(self) -> None:
        self._close()
        if self.tmp is not None:
            os.replace(self.tmp, self.path)
            self.tmp = None

    def discard(self) -> None:
        self._close()
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except FileNotFoundError:
                pass


def _mirror_aliases(aliases: list[tuple[str, str]], out_dir: str) -> None:
    """Symlinks of the input tree (to files below its root) recreated as symlinks in the mirror, pointing at the
    mirrored target: never as copies of what they point to."""
    for alias, target in aliases:
        link = os.path.join(out_dir, alias)
        text = os.path.relpath(os.path.join(out_dir, target), os.path.dirname(link))
        try:
            if os.path.islink(link) and os.readlink(link) == text:
                continue
            checked_destination(os.path.dirname(link), out_dir)
            os.makedirs(os.path.dirname(link), exist_ok=True)
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(text, link)
        except Exception:  # noqa: BLE001 - a link the mirror cannot hold is left out, never copied
            continue


def migrate(
    srcs: Sequence[str],
    *,
    to: str = "mlm",
    fill: dict[str, Any] | None = None,
    validate: bool = True,
    verify: bool = False,
    out_dir: str | None = None,
    in_place: bool = False,
    backup_dir: str | None = None,
    dry_run: bool = False,
    jobs: int = 1,
    fail_fast: bool = False,
    summary_file: str | None = None,
    progress: bool | None = None,
    on_failure: Callable[[str, str], None] | None = None,
    chunk_size: int | None = None,
    lenient: bool = True,
    sink: Callable[[Any], None] | None = None,
    strict: bool = False,
) -> BulkResult:
    """Convert every document of ``srcs`` (see the module docstring for inputs and outputs).

    Exactly one of ``out_dir``, ``in_place`` and ``dry_run`` says where results go (``dry_run`` may be combined
    with either: nothing is written). ``summary_file``: one report per document (the report contract) as ndjson (with a
    ``status`` key), then ``{"summary": {...}}``. ``on_failure(href, message)`` is called in the parent for each
    failed document as results arrive (in file order). ``progress``: None = a bar on stderr when it is a terminal.
    ``fail_fast`` stops after the first file with a failed document (with ``jobs`` > 1, files already handed to
    the workers may have been written by then). ``lenient``: JSON files that are not strict JSON are read as
    JSON with comments/trailing commas (or YAML), each repair reported, and written back as strict JSON (as in
    single mode; the lines of an ``.ndjson`` file are always read strictly). ``sink(document)`` receives every
    output document (converted or unchanged) in file order, for a run written as one file (ndjson,
    geoparquet: crosswalk.bulk.outputs); with a sink and neither ``out_dir`` nor ``in_place``, no file is written.
    ``strict``: a document with a field lossy or dropped, or a value invented, fails (as any failure: left as it
    was, copied unchanged into ``out_dir``, left out of a sink), named with the first few such fields.
    """
    from crosswalk.language.formats import Format

    # an unknown target fails before any work; `to` stays as given: a bare family ("mlm") lets a document of a
    # version newer than the family's latest pass unchanged, as in single mode
    Format.parse(to)
    from crosswalk.errors import OptionError

    if not (out_dir or in_place or dry_run or sink):
        raise OptionError("bulk mode needs out_dir, in_place, dry_run or a sink")
    if out_dir and in_place:
        raise OptionError("out_dir and in_place exclude each other")
    started = time.perf_counter()
    _warm(to, validate)  # compiled once here; forked workers inherit it
    frozen = _freeze()
    bar = Progress(progress)  # before the fork: the workers inherit its counter
    pool = _pool(jobs, to, validate) if jobs > 1 else None  # forked before discovery: no file list in them
    try:
        return _migrate(
            srcs,
            pool,
            to=to,
            fill=fill,
            validate=validate,
            verify=verify,
            out_dir=out_dir,
            in_place=in_place,
            backup_dir=backup_dir,
            dry_run=dry_run or not (out_dir or in_place),
            jobs=jobs,
            fail_fast=fail_fast,
            summary_file=summary_file,
            progress=bar,
            sink=sink,
            on_failure=on_failure,
            chunk_size=chunk_size,
            started=started,
            lenient=lenient,
            strict=strict,
        )
    finally:
        if pool is not None:
            from crosswalk.bulk import workers

            workers.stop(pool)
        if frozen:
            import gc

            gc.unfreeze()


def _freeze() -> bool:
    """Move everything alive after the warm-up (modules, compiled mappings and schemas: never garbage) out of
    the garbage collector's sight for the run: its full collections, which the documents' many small objects
    trigger, would otherwise walk all of it each time, and forked workers share those pages instead of
    copying them when the collector writes to them. False when the caller had frozen objects already (left
    to them)."""
    import gc

    if gc.get_freeze_count():
        return False
    gc.freeze()
    return True


def _pool(jobs: int, to: str, validate: bool) -> Any:
    from crosswalk.bulk import workers

    return workers.start(jobs, _worker_start, (to, validate))


def _worker_start(to: str, validate: bool) -> None:
    """A worker dies with the run (Linux): a killed run must not leave workers writing behind its back (their
    temporary files are swept by the next run; every write is atomic)."""
    import sys

    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no prctl: workers end when their queue closes
            pass
    _warm(to, validate)
    import gc

    gc.freeze()  # what this worker's warm-up added (it ends with the run: nothing to unfreeze)


def _migrate(
    srcs: Sequence[str],
    pool: Any,
    *,
    to: str,
    fill: dict[str, Any] | None,
    validate: bool,
    verify: bool,
    out_dir: str | None,
    in_place: bool,
    backup_dir: str | None,
    dry_run: bool,
    jobs: int,
    fail_fast: bool,
    summary_file: str | None,
    progress: Progress,
    on_failure: Callable[[str, str], None] | None,
    chunk_size: int | None,
    started: float,
    lenient: bool,
    sink: Callable[[Any], None] | None = None,
    strict: bool = False,
) -> BulkResult:
    from crosswalk.io.safepath import check_bulk_outputs, is_within

    plan = plan_for(srcs)
    if in_place and not backup_dir:
        backup_dir = default_backup_dir(plan.root)
    backup_dir = backup_dir if in_place else None
    # every written path against the inputs, resolved: OptionError (a usage error) before anything is touched
    check_bulk_outputs(srcs, plan.root, out_dir=out_dir, backup_dir=backup_dir, summary_file=summary_file,
                       in_place=in_place)
    out_dir = os.path.realpath(out_dir) if out_dir else None
    backup_dir = os.path.realpath(backup_dir) if backup_dir else None
    written = {os.path.realpath(summary_file): "--summary-file"} if summary_file and summary_file != "-" else None
    exclude = [d for d in (out_dir, backup_dir) if d]
    if written and any(is_within(path, plan.root) for path in written):
        # A summary file inside the tree may name a document that only a link found deep in the walk reaches: walk
        # the whole tree first (holding nothing), so that collision is a usage error before any output is written.
        for _ in iter_files(srcs, plan_for(srcs), exclude=exclude, written=written):
            pass
    files = iter_files(srcs, plan, exclude=exclude, written=written)
    settings = _Settings(
        root=plan.root,
        display_root=plan.display_root,
        to=to,
        fill=fill,
        validate=validate,
        verify=verify,
        out_dir=out_dir,
        in_place=in_place,
        backup_dir=backup_dir,
        dry_run=dry_run,
        keep_reports=summary_file is not None,
        lenient=lenient,
        collect=sink is not None,
        fail_fast=fail_fast,
        strict=strict,
        paths=Resolver([out_dir] if out_dir else [plan.root, backup_dir] if in_place and backup_dir else []),
    )
    summary = dict.fromkeys(COUNTS, 0)
    summary.update(files=0, written=0, remote_links=0, outside_root=0, skipped=0)
    failures: list[tuple[str, str]] = []
    lock = None
    if not dry_run:  # one writer per tree: a second run stops here ("tree is busy") having touched nothing
        from crosswalk.io.treelock import TreeLock, sweep_temps

        lock = TreeLock(settings.out_dir or settings.root).__enter__()
        if lock.interrupted:  # the last run was killed: clear its temporary files (only dead processes')
            sweep_temps([d for d in (lock.top, settings.backup_dir) if d])
    try:
        return _drive(srcs, plan, files, settings, pool, summary, failures, lock, out_dir=out_dir,
                      backup_dir=backup_dir, jobs=jobs, fail_fast=fail_fast, summary_file=summary_file,
                      progress=progress, on_failure=on_failure, chunk_size=chunk_size, started=started, sink=sink)
    finally:
        if lock is not None:
            lock.__exit__(None, None, None)


def _drive(
    srcs: Sequence[str],
    plan: Plan,
    files: Iterable[str],
    settings: _Settings,
    pool: Any,
    summary: dict[str, int],
    failures: list[tuple[str, str]],
    lock: Any,
    *,
    out_dir: str | None,
    backup_dir: str | None,
    jobs: int,
    fail_fast: bool,
    summary_file: str | None,
    progress: Any,
    on_failure: Callable[[str, str], None] | None,
    chunk_size: int | None,
    started: float,
    sink: Callable[[Any], None] | None = None,
) -> BulkResult:
    """The run itself: files through the workers, outcomes counted and reported as they come."""
    bar = progress
    out = _SummaryFile(summary_file) if summary_file else None
    bar.start(files_of(srcs, [d for d in (out_dir, backup_dir) if d]))  # closed in the finally below
    stopped = False
    invalid_unchanged = 0
    lost = None
    try:
        for fo in _run(files, settings, pool, jobs, chunk_size):
            summary["files"] += 1
            bad = False
            for d in fo.docs:
                summary["documents"] += 1
                summary[d.status] += 1
                summary["lossy"] += d.lossy
                summary["invented"] += d.invented
                summary["invalid"] += d.invalid
                invalid_unchanged += d.invalid and d.status == "unchanged"
                if out is not None and d.report is not None:
                    out.write(d.report + "\n")
                if sink is not None and d.document is not None:
                    sink(d.document)
                if d.status == "failed" and not fo.write_error:
                    bad = True
                    failures.append((d.href, d.error or "failed"))
                    if on_failure is not None:
                        with bar.paused():
                            on_failure(d.href, d.error or "failed")
            if fo.write_error:  # listed once for the file, its documents counted failed above
                bad = True
                failures.append((fo.path, fo.write_error))
                if on_failure is not None:
                    with bar.paused():
                        on_failure(fo.path, fo.write_error)
            summary["written"] += fo.written
            bar.file_done(fo.path, len(fo.docs))
            if bad and fail_fast:
                stopped = True
                break
        summary["remote_links"], summary["outside_root"] = plan.remote_links, len(plan.outside)
        summary["skipped"] = len(plan.skipped)
        if settings.out_dir and not settings.dry_run and not stopped:
            _mirror_aliases(plan.aliases, settings.out_dir)
        if out is not None:
            out.write(json.dumps({"summary": summary}) + "\n")
            out.commit()
    except WorkerLost as e:
        lost = e
    finally:
        bar.close()
        if out is not None:
            out.discard()
    if lost is not None:
        if pool is not None:  # the other workers are stopped before their files are looked at
            from crosswalk.bulk import workers

            workers.stop(pool)
        if lock is not None:  # the dead worker may have left a temporary file
            from crosswalk.io.treelock import sweep_temps

            sweep_temps([d for d in (lock.top, settings.backup_dir) if d])
        done = f"{summary['files']} file{'' if summary['files'] == 1 else 's'}"
        raise WorkerLost(f"{lost}, after {done} (each written whole; rerun to convert the rest)") from None
    return BulkResult(summary, failures, plan, time.perf_counter() - started, stopped, invalid_unchanged)


def _run(files: Iterable[str], s: _Settings, pool: Any, jobs: int, chunk_size: int | None) -> Iterator[FileOutcome]:
    """FileOutcomes in file order: in this process without a pool, else chunks of files handed to the pool's
    workers, at most ``4 * jobs`` chunks in flight (memory stays flat however many files there are)."""
    if pool is None:
        for rel in files:
            yield _process(rel, s)
        return
    from crosswalk.bulk.workers import result, submit

    window: deque[Any] = deque()
    for chunk in _chunks(files, chunk_size or 16):
        window.append(submit(pool, _process_chunk, (s, chunk)))
        if len(window) >= 4 * jobs:
            yield from result(window.popleft())
    while window:
        yield from result(window.popleft())


def render_summary(summary: dict[str, int], seconds: float | None = None, fmt: str = "text") -> str:
    """The final table (text or markdown) of a bulk run."""
    rows = [(k, summary.get(k, 0)) for k in ("converted", "unchanged", "lossy", "invented", "invalid", "failed")]
    def counted(n: int, what: str) -> str:
        return f"{n} {what}{'' if n == 1 else 's'}"

    head = f"{counted(summary.get('documents', 0), 'document')} in {counted(summary.get('files', 0), 'file')}"
    if "written" in summary:  # (a run written as one file, -o, says so on its own line)
        head += f", {counted(summary['written'], 'file')} written"
    if seconds is not None:
        head += f" ({seconds:.1f} s)"
    extra = []
    if summary.get("remote_links"):
        extra.append(f"{summary['remote_links']} remote child/item links not followed")
    if summary.get("outside_root"):
        extra.append(f"{summary['outside_root']} links outside the root not followed")
    if summary.get("skipped"):
        extra.append(f"{summary['skipped']} files that are not regular files (FIFOs, devices) skipped")
    if fmt == "markdown":
        lines = [head, "", "| status | documents |", "|---|---:|"] + [f"| {k} | {v} |" for k, v in rows]
        return "\n".join(lines + [f"- {e}" for e in extra]) + "\n"
    width = max(len(str(v)) for _, v in rows)
    lines = [head] + [f"  {k:<10} {v:>{width}}" for k, v in rows] + [f"  ({e})" for e in extra]
    return "\n".join(lines)
