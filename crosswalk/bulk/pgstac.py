"""Upgrading a pgstac database in place (``dlm-migrate --pgstac DSN [--collection ID...] [--dry-run]``).

pgstac (the PostgreSQL schema behind stac-fastapi-pgstac) keeps collections whole in ``pgstac.collections`` and
items *dehydrated* in ``pgstac.items`` (what an item shares with its collection's ``item_assets`` is stripped
from the stored ``content``). So items are always read hydrated, through ``pgstac.content_hydrate``, and written
through pgstac's own functions, never by touching ``content``.

For each collection, in one transaction:

1. the collection row is locked; the collection is converted (when it carries an ML-model extension) and
   written with ``pgstac.update_collection`` first (items may rely on its ``item_assets``);
2. its items are streamed hydrated (a server-side cursor), converted as stored rows (``stored=True``: repairs
   that only make sense for files, such as dropping an Item's ``collection`` for want of a collection link, are
   not applied: a row always belongs to its collection, and the API adds that link when it serves the item);
   items whose conversion changes nothing are not written (but validated and counted, as on the first run);
3. the originals of everything that changes are copied to the table ``public.crosswalk_backup`` (one row per
   document and run: ``run_id``, ``kind`` collection|item|queryable, ``collection``, ``id``, ``content`` as it
   was read, items hydrated, ``backed_up_at``; `restore` puts a run's originals back) and the new items are
   written with ``pgstac.upsert_items``, in chunks;
4. every written item is read back hydrated and compared with the conversion (pgstac serves objects without
   their null members: the comparison allows for that, and so does the test for "unchanged"): any other
   difference fails the collection;
5. queryables that name a source field the conversion moved (``ml-model:architecture`` ->
   ``mlm:architecture``, ``ml-model:prediction_type`` -> ``mlm:tasks``) are renamed, their definition's type
   following the new values (a string field that became a list becomes an array queryable).

A document that cannot be converted (an unknown extension version, a rule error), that ``strict`` refuses
(anything lossy, dropped or invented) or that pgstac refuses fails its collection: the transaction is rolled
back, one line names the collection, the item and the JSON path, and the other collections go on. A killed run
leaves every collection as it was or fully upgraded; running again finishes the job (upgraded rows convert to
themselves and are skipped: a rerun writes nothing).
``dry_run`` reads in a read-only transaction and writes nothing, not even the backup table.

Outputs are validated as the API serves them: with a ``collection`` link (a stored item's ``collection`` needs
one to be valid STAC, and stac-fastapi adds it).

Needs psycopg 3 (``pip install 'crosswalk[pgstac]'``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from crosswalk.errors import WorkerLost

__all__ = ["BACKUP_TABLE", "CollectionOutcome", "PgstacError", "PgstacResult", "upgrade", "restore"]

BACKUP_TABLE = "public.crosswalk_backup"
_BACKUP_DDL = f"""
CREATE TABLE IF NOT EXISTS {BACKUP_TABLE} (
    run_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('collection', 'item', 'queryable')),
    collection text NOT NULL,
    id text NOT NULL,
    content jsonb NOT NULL,
    backed_up_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, kind, collection, id)
)
"""
_FETCH = 500  # rows per round trip of the item cursor
_QUERYABLE_COLUMNS = (
    "id",
    "name",
    "definition",
    "collection_ids",
    "property_path",
    "property_wrapper",
    "property_index_type",
)


class PgstacError(Exception):
    """A collection could not be upgraded; ``str()`` is one line naming the collection, item and JSON path."""


@dataclass
class CollectionOutcome:
    """One collection's fate. ``status``: upgraded, unchanged, failed (rolled back), or would-upgrade
    (dry run). Counts are of items; ``collection_changed`` says whether the collection document changed."""

    id: str
    status: str = "unchanged"
    items: int = 0
    changed: int = 0
    collection_changed: bool = False
    lossy: int = 0
    invented: int = 0
    invalid: int = 0
    queryables: list[tuple[str, str]] = field(default_factory=list)  # (old name, new name)
    error: str | None = None
    seconds: float = 0.0


@dataclass
class PgstacResult:
    collections: list[CollectionOutcome]
    run_id: str
    dry_run: bool
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return any(c.status == "failed" for c in self.collections)

    @property
    def rows_written(self) -> int:
        """Rows rewritten (items plus collections); 0 in a dry run and on a rerun."""
        if self.dry_run:
            return 0
        return sum(c.changed + c.collection_changed for c in self.collections if c.status == "upgraded")

    @property
    def flagged(self) -> bool:
        return any(c.lossy or c.invented or c.invalid for c in self.collections if c.status != "failed")

    def summary(self) -> dict[str, int]:
        done = [c for c in self.collections if c.status != "failed"]
        return {
            "collections": len(self.collections),
            "upgraded": sum(c.status in ("upgraded", "would-upgrade") for c in self.collections),
            "unchanged": sum(c.status == "unchanged" for c in self.collections),
            "failed": sum(c.status == "failed" for c in self.collections),
            "items": sum(c.items for c in self.collections),
            "items_changed": sum(c.changed for c in done),
            "lossy": sum(c.lossy for c in done),
            "invented": sum(c.invented for c in done),
            "invalid": sum(c.invalid for c in done),
            "rows_written": self.rows_written,
        }

    def render(self) -> str:
        s = self.summary()
        head = "dry run (nothing written): " if self.dry_run else ""
        head += (
            f"{s['collections']} collections, {s['items']} items in {self.seconds:.1f} s: "
            f"{s['upgraded']} {'would be upgraded' if self.dry_run else 'upgraded'}, {s['unchanged']} unchanged, "
            f"{s['failed']} failed; "
            f"{s['items_changed']} items {'would change' if self.dry_run else 'rewritten'}"
        )
        lines = [head]
        for c in self.collections:
            if c.status == "failed":
                continue
            extra = f", queryables {', '.join(f'{a} -> {b}' for a, b in c.queryables)}" if c.queryables else ""
            flagged = c.changed or c.lossy or c.invented or c.invalid  # an unchanged document may be invalid
            flags = f" ({c.lossy} lossy, {c.invented} invented, {c.invalid} invalid)" if flagged else ""
            lines.append(f"  {c.id}: {c.status}, {c.changed}/{c.items} items{flags}{extra}")
        if not self.dry_run and self.rows_written:
            lines.append(f"  originals in {BACKUP_TABLE}, run_id {self.run_id} "
                         f"(crosswalk.bulk.pgstac.restore(dsn, {self.run_id!r}) puts them back)")
        return "\n".join(lines)


def connect(dsn: str) -> Any:
    """A psycopg connection with pgstac's search path (its functions call each other unqualified)."""
    import psycopg

    return psycopg.connect(dsn, autocommit=True, options="-c search_path=pgstac,public")


def upgrade(
    dsn: str,
    *,
    collections: Sequence[str] | None = None,
    to: str = "mlm",
    dry_run: bool = False,
    validate: bool = True,
    chunk_size: int = 500,
    on_failure: Callable[[str], None] | None = None,
    on_progress: Callable[[str, int], None] | None = None,
    reports: Callable[[dict[str, Any]], None] | None = None,
    jobs: int = 1,
    strict: bool = False,
) -> PgstacResult:
    """Upgrade ``collections`` (default: every collection) of the pgstac database at ``dsn`` to ``to``.

    ``on_failure(line)`` is called for each collection that fails (the line names it, the item and the JSON
    path); ``on_progress(collection, items_done)`` after each chunk written and every 100 items read;
    ``reports(report)`` receives each changed document's report (the JSON report of
    ``dlm-migrate --report json``, with ``"status"``). ``jobs`` > 1 converts in that many worker processes
    (forked before the database is opened; reading, writing and the transactions stay in this process).
    ``strict``: a document with a field lossy or dropped, or a value invented, fails its collection (rolled back,
    the others go on), as any document that cannot be converted does.
    """
    from crosswalk.language.formats import Format

    Format.parse(to)  # an unknown target fails before anything is read (a bare family stays open-ended)
    started = time.perf_counter()
    run_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
    outcomes: list[CollectionOutcome] = []
    pool = _pool(jobs, to, validate) if jobs > 1 else None
    try:
        with connect(dsn) as conn:
            _each_collection(
                conn,
                outcomes,
                collections,
                to,
                dry_run,
                validate,
                chunk_size,
                run_id,
                pool,
                on_failure,
                on_progress,
                reports,
                strict,
            )
    finally:
        if pool is not None:
            from crosswalk.bulk import workers

            workers.stop(pool)
    return PgstacResult(outcomes, run_id, dry_run, time.perf_counter() - started)


def _pool(jobs: int, to: str, validate: bool) -> Any:
    from crosswalk.bulk import workers
    from crosswalk.bulk.tree import _warm

    _warm(to, validate)  # compiled once here; the forked workers inherit it
    return workers.start(jobs, _warm, (to, validate))


def _each_collection(
    conn: Any,
    outcomes: list[CollectionOutcome],
    collections: Sequence[str] | None,
    to: str,
    dry_run: bool,
    validate: bool,
    chunk_size: int,
    run_id: str,
    pool: Any,
    on_failure: Callable[[str], None] | None,
    on_progress: Callable[[str, int], None] | None,
    reports: Callable[[dict[str, Any]], None] | None,
    strict: bool = False,
) -> None:
    known = [r[0] for r in conn.execute("SELECT id FROM pgstac.collections ORDER BY id")]
    wanted = list(dict.fromkeys(collections)) if collections else known
    missing = [cid for cid in wanted if cid not in known]
    if missing:  # a mistyped id: said before any collection is touched, not after the others were upgraded
        raise PgstacError(f"no such collection: {', '.join(missing)} (nothing was upgraded)")
    if not dry_run:
        # Two runs at once would race on CREATE TABLE IF NOT EXISTS (it is not atomic: the loser fails on the
        # catalog's unique index); a transaction-level advisory lock makes the second one wait and find it.
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (BACKUP_TABLE,))
            conn.execute(_BACKUP_DDL)
    for cid in wanted:
        out = CollectionOutcome(cid)
        t0 = time.perf_counter()
        try:
            with conn.transaction():
                if dry_run:
                    conn.execute("SET TRANSACTION READ ONLY")
                _upgrade_collection(
                    conn, cid, to, dry_run, validate, chunk_size, run_id, out, on_progress, reports, pool, strict
                )
        except PgstacError as e:
            out.status, out.error = "failed", str(e)
        except WorkerLost:  # rolled back; the pool is lost, so every collection left would fail: the run stops
            raise
        except Exception as e:  # noqa: BLE001 - a database error: this collection fails, the others go on
            out.status, out.error = "failed", f"pgstac collection {cid}: {type(e).__name__}: {_one_line(e)}"
        out.seconds = time.perf_counter() - t0
        if out.status == "failed":
            out.changed = out.collection_changed = 0  # rolled back
            if on_failure is not None:
                on_failure(out.error or cid)
        outcomes.append(out)
    if not dry_run:
        with conn.transaction():
            _drop_stale_queryables(conn, run_id)


def _drop_stale_queryables(conn: Any, run_id: str) -> None:
    """The old-name queryables this run kept beside their new name for collections whose items still had the
    field, gone once none has it: a collection upgraded later in the run may drop the field rather than move it
    (its items had the MLM field already), which renames nothing. They are backed up already (`restore`)."""
    kept = conn.execute(
        f"SELECT q.id, q.name, q.collection_ids FROM {BACKUP_TABLE} b JOIN pgstac.queryables q "
        "ON q.id::text = b.id AND q.name = b.content->>'name' WHERE b.run_id = %s AND b.kind = 'queryable'",
        (run_id,),
    ).fetchall()
    for qid, name, scope in kept:
        if not conn.execute(
            "SELECT 1 FROM pgstac.items WHERE (%s::text[] IS NULL OR collection = ANY(%s::text[])) "
            "AND content->'properties' ? %s LIMIT 1",
            (scope, scope, name),
        ).fetchone():
            conn.execute("DELETE FROM pgstac.queryables WHERE id = %s", (qid,))


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())


def _convert(doc: dict[str, Any], where: str, to: str, validate: bool, collection: str | None,
             strict: bool = False) -> Any:
    """(new document or None when unchanged, report or None when the document has no ML-model extension).
    Raises PgstacError for a document that cannot be converted, or that ``strict`` refuses (anything lossy,
    dropped or invented).

    A document already as its conversion would store it is validated all the same, as bulk file mode validates
    an unchanged file: a rerun gives the verdict the first run gave, never a cleaner one."""
    from crosswalk import pipeline
    from crosswalk.detection import detect
    from crosswalk.errors import FormatError

    try:
        detect(doc, where)
    except FormatError as e:
        if e.no_extension:  # no ML-model extension at all: a plain STAC document, left as it is
            return None, None
        raise PgstacError(str(e)) from None  # an unknown version of a known extension: this collection fails
    result = pipeline.convert(doc, href=where, to=to, validate=False, stored=True)
    if result.error is not None:
        raise PgstacError(str(result.error))
    stored = _as_stored(result.document)
    unchanged = stored == doc  # what pgstac would serve is what it serves now: nothing to write
    why = pipeline.strict_refusal(result.report["fields"]) if strict and not unchanged else None
    if why:
        raise PgstacError(f"{where}: --strict: {why}")
    report = result.report
    if validate:
        from crosswalk.validation.verdict import report_issues

        # judged as served: without the null members pgstac does not keep, so that the first run and a rerun
        # (which reads the stored row back) judge the same document
        issues, ok = report_issues(_as_served(stored, collection))
        report["issues"] = report["issues"] + issues
        report["valid"] = report["valid"] and ok
        report["validated"] = True
    return (None if unchanged else result.document), report


def _as_stored(value: Any) -> Any:
    """A document as pgstac serves it back: hydration leaves out every null member of an object."""
    if isinstance(value, dict):
        return {k: _as_stored(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_as_stored(v) for v in value]
    return value


def _as_served(doc: dict[str, Any], collection: str | None) -> dict[str, Any]:
    """The item as a STAC API serves it: with a link to its collection, and with the ``datetime: null`` that
    pgstac does not store for an item dated by a start/end range."""
    if collection is None or doc.get("type") != "Feature":
        return doc
    served = dict(doc)
    props = doc.get("properties")
    if isinstance(props, dict) and "datetime" not in props and "start_datetime" in props:
        served["properties"] = {**props, "datetime": None}
    links = doc.get("links") if isinstance(doc.get("links"), list) else []
    if "collection" in doc and not any(isinstance(x, dict) and x.get("rel") == "collection" for x in links):
        link = {"rel": "collection", "href": f"../../collections/{collection}", "type": "application/json"}
        served["links"] = [*links, link]
    return served


def _count(out: CollectionOutcome, report: dict[str, Any]) -> None:
    s = report.get("summary", {})
    out.lossy += bool(s.get("lossy") or s.get("dropped"))
    out.invented += bool(s.get("invented"))
    out.invalid += not report.get("valid")


def _count_unchanged(out: CollectionOutcome, report: dict[str, Any] | None,
                     reports: Callable[[dict[str, Any]], None] | None) -> None:
    """An unchanged ML-model document counts as bulk file mode counts it; an invalid one gets its line in the
    summary file (status unchanged), so every document counted invalid can be found there."""
    if report is None:  # no ML-model extension: a plain STAC document, not crosswalk's to judge here
        return
    _count(out, report)
    if reports is not None and not report.get("valid"):
        reports({**report, "status": "unchanged"})


def _upgrade_collection(
    conn: Any,
    cid: str,
    to: str,
    dry_run: bool,
    validate: bool,
    chunk_size: int,
    run_id: str,
    out: CollectionOutcome,
    on_progress: Callable[[str, int], None] | None,
    reports: Callable[[dict[str, Any]], None] | None,
    pool: Any = None,
    strict: bool = False,
) -> None:
    lock = "" if dry_run else " FOR UPDATE"
    row = conn.execute(f"SELECT content FROM pgstac.collections WHERE id = %s{lock}", (cid,)).fetchone()
    collection = row[0]
    new_collection, report = _convert(collection, f"pgstac collection {cid}", to, validate, None, strict)
    renames: dict[str, tuple[str, Any]] = {}
    if new_collection is None:
        _count_unchanged(out, report, reports)
    else:
        out.collection_changed = True
        _count(out, report)
        _note_renames(report, new_collection, renames, props=())
        if reports is not None:
            reports({**report, "status": "converted"})
        if not dry_run:
            _backup(conn, run_id, "collection", cid, [(cid, collection)])
            conn.execute("SELECT pgstac.update_collection(%s::jsonb)", (_json(new_collection),))
    pending: list[tuple[str, dict[str, Any], dict[str, Any]]] = []  # (id, original, new)
    for item, (new, report) in _converted_items(conn, cid, to, validate, pool, strict):
        out.items += 1
        if new is not None:
            out.changed += 1
            _count(out, report)
            _note_renames(report, new, renames, props=("properties",))
            if reports is not None:
                reports({**report, "status": "converted"})
            if not dry_run:
                pending.append((item["id"], item, new))
                if len(pending) >= chunk_size:
                    _write_items(conn, cid, run_id, pending)
                    pending = []
                    if on_progress is not None:
                        on_progress(cid, out.items)
                    continue
        else:
            _count_unchanged(out, report, reports)
        if on_progress is not None and out.items % 100 == 0:
            on_progress(cid, out.items)
    if pending:
        _write_items(conn, cid, run_id, pending)
    if on_progress is not None:
        on_progress(cid, out.items)
    out.queryables = _rename_queryables(conn, cid, renames, dry_run, run_id)
    changed = out.changed or out.collection_changed or out.queryables
    out.status = ("would-upgrade" if dry_run else "upgraded") if changed else "unchanged"


def _converted_items(conn: Any, cid: str, to: str, validate: bool, pool: Any,
                     strict: bool = False) -> Iterator[tuple[dict, tuple]]:
    """(item, (new or None, report or None)) for the collection's items as stored, hydrated, in id order:
    fetched from a server-side cursor a batch at a time, converted here or by the pool's workers."""
    from crosswalk.bulk import workers

    with conn.cursor(name=f"crosswalk_items_{uuid.uuid4().hex[:8]}") as cur:
        cur.execute(
            "SELECT pgstac.content_hydrate(i) FROM pgstac.items i WHERE i.collection = %s ORDER BY i.id", (cid,)
        )
        while batch := [doc for (doc,) in cur.fetchmany(_FETCH)]:
            tasks = [(doc, f"pgstac collection {cid}: item {doc.get('id')}", to, validate, cid, strict)
                     for doc in batch]
            results = workers.results(pool, _convert_task, tasks, 8) if pool is not None else map(_convert_task, tasks)
            yield from zip(batch, results, strict=True)


def _convert_task(task: tuple) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    return _convert(*task)


def _json(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, allow_nan=False)


def _backup(conn: Any, run_id: str, kind: str, cid: str, rows: list[tuple[str, dict[str, Any]]]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {BACKUP_TABLE} (run_id, kind, collection, id, content) VALUES (%s, %s, %s, %s, %s::jsonb)",
            [(run_id, kind, cid, i, _json(doc)) for i, doc in rows],
        )


def _write_items(conn: Any, cid: str, run_id: str, pending: list[tuple[str, dict, dict]]) -> None:
    """Back up, upsert and read back one chunk (inside the collection's transaction)."""
    from crosswalk.engine.diff import diff

    _backup(conn, run_id, "item", cid, [(i, original) for i, original, _ in pending])
    try:
        with conn.transaction():  # a savepoint: a refused chunk is retried item by item to name the culprit
            conn.execute("SELECT pgstac.upsert_items(%s::jsonb)", (_json([new for _, _, new in pending]),))
    except Exception as e:  # noqa: BLE001
        for i, _, new in pending:
            try:
                with conn.transaction():
                    conn.execute("SELECT pgstac.upsert_items(%s::jsonb)", (_json([new]),))
            except Exception as one:  # noqa: BLE001
                raise PgstacError(f"pgstac collection {cid}: item {i}: pgstac refused it: {_one_line(one)}") from None
        raise PgstacError(f"pgstac collection {cid}: pgstac refused a chunk: {_one_line(e)}") from None
    ids = [i for i, _, _ in pending]
    back = dict(
        conn.execute(
            "SELECT i.id, pgstac.content_hydrate(i) FROM pgstac.items i WHERE i.collection = %s AND i.id = ANY(%s)",
            (cid, ids),
        ).fetchall()
    )
    for i, _, new in pending:
        if i not in back:
            raise PgstacError(f"pgstac collection {cid}: item {i}: missing after the upsert")
        if back[i] == _as_stored(new):
            continue
        first = (diff(_as_stored(new), back[i], unordered=()) or [{"path": "", "status": "changed"}])[0]
        raise PgstacError(
            f"pgstac collection {cid}: item {i} at {first['path'] or '/'}: read back differs from the conversion "
            f"({first['status']} by pgstac)"
        )


def _note_renames(
    report: dict[str, Any], new: dict[str, Any], renames: dict[str, tuple[str, Any]], props: tuple[str, ...]
) -> None:
    """Collect queryable renames from a report: a top-level property moved to another top-level property
    (``/properties/ml-model:architecture`` -> ``/properties/mlm:architecture``)."""
    from crosswalk.language.pointer import parse_pointer

    depth = len(props) + 1
    host = new
    for key in props:
        host = host.get(key, {}) if isinstance(host, dict) else {}
    for entry in report.get("fields", []):
        if entry.get("status") not in ("moved", "transformed", "lossy"):
            continue
        path = parse_pointer(entry["path"])
        if len(path) != depth or tuple(path[:-1]) != props:
            continue
        targets = [parse_pointer(t) for t in entry.get("to", [])]
        names = [t[-1] for t in targets if len(t) == depth and tuple(t[:-1]) == props and t[-1] != path[-1]]
        if len(names) == 1 and path[-1] not in renames:
            renames[path[-1]] = (names[0], host.get(names[0]) if isinstance(host, dict) else None)


_ANNOTATIONS = ("title", "description", "$id", "$schema", "$comment")  # about the field, not its values


def _rename_queryables(
    conn: Any, cid: str, renames: dict[str, tuple[str, Any]], dry_run: bool, run_id: str
) -> list[tuple[str, str]]:
    """Rename the queryables of this collection (or of all collections) that name a moved field; each row is
    backed up first (kind ``queryable``, ``id`` the row's id, ``content`` its columns; a row added here is
    backed up as ``{"id": ..., "added": true}``, which `restore` deletes).

    pgstac allows one queryable per name and collection: rows of the new name whose scope overlaps are merged
    into the renamed one (or make it redundant when one covers its scope). A row shared with collections whose
    items still carry the old field (not upgraded, not asked for) is kept for them, the new name added beside it.
    """
    if not renames:
        return []
    rows = conn.execute(
        f"SELECT {', '.join(_QUERYABLE_COLUMNS)} FROM pgstac.queryables "
        "WHERE name = ANY(%s) AND (collection_ids IS NULL OR %s = ANY(collection_ids)) ORDER BY id"
        # locked: a run upgrading another collection at the same time decides after this one has committed
        + ("" if dry_run else " FOR UPDATE"),
        (list(renames), cid),
    ).fetchall()
    done = []
    for row in rows:
        qid, name, definition, scope = row[:4]
        new_name, value = renames[name]
        done.append((name, new_name))
        if dry_run:
            continue
        _backup(conn, run_id, "queryable", cid, [(str(qid), dict(zip(_QUERYABLE_COLUMNS, row, strict=True)))])
        definition = dict(definition or {})
        if isinstance(value, list) and definition.get("type") != "array":
            # what constrains a value (type, enum, pattern, ...) now constrains each element; titles stay on top
            items = {k: v for k, v in definition.items() if k not in _ANNOTATIONS}
            definition = {**{k: v for k, v in definition.items() if k in _ANNOTATIONS}, "type": "array",
                          "items": {"type": "string", **items}}
        still_used = (scope is None or scope != [cid]) and conn.execute(
            "SELECT 1 FROM pgstac.items WHERE collection <> %s AND (%s::text[] IS NULL OR collection = ANY(%s::text[]))"
            " AND content->'properties' ? %s LIMIT 1",
            (cid, scope, scope, name),
        ).fetchone()
        overlapping = conn.execute(
            f"SELECT {', '.join(_QUERYABLE_COLUMNS)} FROM pgstac.queryables WHERE name = %s "
            "AND (collection_ids IS NULL OR %s::text[] IS NULL OR collection_ids && %s::text[]) ORDER BY id",
            (new_name, scope, scope),
        ).fetchall()
        if any(o[3] is None or (scope is not None and set(scope) <= set(o[3])) for o in overlapping):
            if not still_used:  # the new name is already queryable wherever the old one was: it is redundant
                conn.execute("DELETE FROM pgstac.queryables WHERE id = %s", (qid,))
            continue
        merged = None if scope is None else sorted(set(scope).union(*(o[3] for o in overlapping)))
        for o in overlapping:
            _backup(conn, run_id, "queryable", cid, [(str(o[0]), dict(zip(_QUERYABLE_COLUMNS, o, strict=True)))])
            conn.execute("DELETE FROM pgstac.queryables WHERE id = %s", (o[0],))
        if still_used:
            added = conn.execute(
                "INSERT INTO pgstac.queryables (name, definition, collection_ids, property_index_type) "
                "VALUES (%s, %s::jsonb, %s, %s) RETURNING id",
                (new_name, _json(definition), merged, row[6]),
            ).fetchone()[0]
            _backup(conn, run_id, "queryable", cid, [(str(added), {"id": added, "added": True})])
        else:
            conn.execute(
                "UPDATE pgstac.queryables SET name = %s, definition = %s::jsonb, collection_ids = %s, "
                "property_wrapper = NULL WHERE id = %s",
                (new_name, _json(definition), merged, qid),
            )
    return done


def restore(dsn: str, run_id: str) -> int:
    """Put back everything the run ``run_id`` changed, from ``crosswalk_backup``: collections, items and
    queryables, in one transaction; returns the rows restored."""
    order = {"collection": 0, "item": 1, "queryable": 2}
    n = 0
    with connect(dsn) as conn, conn.transaction():
        rows = conn.execute(f"SELECT kind, content FROM {BACKUP_TABLE} WHERE run_id = %s", (run_id,)).fetchall()
        present = {r[0] for r in conn.execute("SELECT id FROM pgstac.queryables")}

        # pgstac refuses two queryables of one name for one collection: rows added by the run go first, then
        # the renamed ones get their old names back, and only then are the merged or redundant ones re-inserted.
        def key(r: tuple[str, Any]) -> tuple[int, int]:
            return order[r[0]], 0 if r[1].get("added") else 1 if r[1].get("id") in present else 2

        for kind, content in sorted(rows, key=key):
            if kind == "collection":
                conn.execute("SELECT pgstac.update_collection(%s::jsonb)", (_json(content),))
            elif kind == "item":
                conn.execute("SELECT pgstac.upsert_items(%s::jsonb)", (_json([content]),))
            else:
                _restore_queryable(conn, content)
            n += 1
    return n


def _restore_queryable(conn: Any, row: dict[str, Any]) -> None:
    if row.get("added"):  # added beside a row other collections still used
        conn.execute("DELETE FROM pgstac.queryables WHERE id = %s", (row["id"],))
        return
    values = [row[c] if c != "definition" else _json(row[c]) for c in _QUERYABLE_COLUMNS]
    if conn.execute("SELECT 1 FROM pgstac.queryables WHERE id = %s", (row["id"],)).fetchone():
        sets = ", ".join(f"{c} = %s" for c in _QUERYABLE_COLUMNS[1:])
        conn.execute(f"UPDATE pgstac.queryables SET {sets} WHERE id = %s", (*values[1:], row["id"]))
    else:  # deleted because the MLM name was already queryable
        cols = ", ".join(_QUERYABLE_COLUMNS)
        marks = ", ".join(["%s"] * len(_QUERYABLE_COLUMNS))
        conn.execute(f"INSERT INTO pgstac.queryables ({cols}) OVERRIDING SYSTEM VALUE VALUES ({marks})", values)
