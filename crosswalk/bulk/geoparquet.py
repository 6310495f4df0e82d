"""stac-geoparquet files in and out (``.parquet`` inputs of a bulk run, ``--output-format geoparquet``).

Built on the stac-geoparquet package (Arrow/pyarrow); it is optional (``pip install 'crosswalk[geoparquet]'``)
and imported only when a parquet file is read or written.

GeoParquet is columnar: one Arrow type per field across all rows. Two things follow, both handled here so that
what goes in comes back:

* **Fields whose JSON kind differs between items** (MLM lets ``pre_processing_function`` be an object or a list
  of them, ``bands`` mix names and objects, hyperparameter defaults mix numbers, strings and booleans): Arrow
  cannot hold a struct in one row and a list in another. Such fields (and the few others Arrow cannot type:
  objects empty wherever they occur, integers beyond 2**53) are written as JSON text, and the file's key-value
  metadata (``crosswalk:json-fields``) lists them, so that `read` turns them back into JSON values.
  Other readers see a string column there. Nothing is changed in a field whose kind is the same everywhere.
* **Foreign members** of a geometry (a ``bbox`` written inside ``geometry``: the WKB column holds the shape
  only) and of an Item (a top-level ``crs``: stac-geoparquet reads extra columns back into ``properties``):
  the metadata (``crosswalk:rows``, by row number) says where they go back; so does it for a ``proj:geometry``
  stac-geoparquet could not read back as WKB (absent from some rows, or not a plain geometry).
* **What the format adds on the way back**: every row has every column, so a field absent from an item reads as
  ``null`` (``mlm:hyperparameters: null``, an asset missing from an item...), and fixed-size lists such as
  ``bbox`` read as tuples, and timestamps come back as Arrow writes them (``2024-01-01T00:00:00.000000Z``).
  `normalise` drops nulls (STAC and MLM treat an absent field and a null one alike; ``properties.datetime``
  stays null for an item dated by a range, as STAC requires), turns tuples into lists and writes timestamps in
  their shortest RFC 3339 text (the same instant). Whole numbers in a column that also holds fractions come
  back as floats (the same value). Read-back documents are normalised before they are converted or compared,
  so none of this is reported as a defect of the document.

Items are the rows. Collections of the run go into the file's stac-geoparquet metadata (``collections``) and are
read back from it. A Catalog has no place in the format, nor an Item stac-geoparquet cannot hold as it is (no
geometry or bbox, a timestamp finer than microseconds, a property named as a top-level field...): `write` lists
the ones it left out, with why.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["JSON_FIELDS_KEY", "ROWS_KEY", "Written", "dumps", "loads", "normalise", "read", "read_collections", "write"]

JSON_FIELDS_KEY = b"crosswalk:json-fields"
ROWS_KEY = b"crosswalk:rows"
_LIST = "*"  # a list's elements in a field path


@dataclass
class Written:
    """What `write` put in the file."""

    path: str
    items: int = 0
    collections: int = 0
    json_fields: list[str] = field(default_factory=list)  # fields stored as JSON text (see the module docstring)
    left_out: list[str] = field(default_factory=list)  # documents the format cannot hold ("id (Catalog)")
    lost: int = 0  # of them, Items and Collections (a file of Items has no place for a Catalog: no loss)


_EXACT_INT = 2**53  # beyond it an integer has no exact double, and Arrow refuses to mix it with fractions


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "number" if -_EXACT_INT <= value <= _EXACT_INT else "big integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    return "array"


def _walk(value: Any, path: tuple[str, ...], kinds: dict[tuple[str, ...], set[str]]) -> None:
    kinds.setdefault(path, set()).add(_kind(value))
    if isinstance(value, dict):
        for key, child in value.items():
            _walk(child, (*path, key), kinds)
    elif isinstance(value, list):
        for child in value:
            _walk(child, (*path, _LIST), kinds)


def _mixed_fields(items: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """The fields Arrow cannot type, outermost only: values of different JSON kinds in different places (nulls
    aside), objects that are empty wherever they occur (Parquet has no struct without fields), integers beyond
    2**53. Geometries (``geometry``, ``proj:geometry``) are the format's own (WKB) and never count; top-level
    members are stac-geoparquet's."""
    kinds: dict[tuple[str, ...], set[str]] = {}
    for item in items:
        for key, value in item.items():
            if key != "geometry":
                _walk(value, (key,), kinds)
    kinds = {p: k for p, k in kinds.items() if not any(p[: len(g)] == g for g in _wkb_paths(items))}
    parents = {p[:-1] for p in kinds if len(p) > 1}
    mixed = sorted(
        p
        for p, k in kinds.items()
        if len(k - {"null"}) > 1
        or "big integer" in k
        or (len(p) > 1 and k - {"null"} == {"object"} and p not in parents)
    )
    return [p for p in mixed if not any(p[: len(q)] == q for q in mixed if q != p)]


def _map_at(value: Any, path: tuple[str, ...], fn) -> Any:
    """``value`` with ``fn`` applied to every non-null value at ``path`` (``*`` = each list element)."""
    if not path:
        return value if value is None else fn(value)
    head, rest = path[0], path[1:]
    if head == _LIST:
        return [_map_at(v, rest, fn) for v in value] if isinstance(value, list) else value
    if isinstance(value, dict) and head in value:
        return {**value, head: _map_at(value[head], rest, fn)}
    return value


def _dumps(value: Any) -> str:
    # NaN and infinities as Python's json writes and reads them: a float column holds them, so JSON text must too
    return json.dumps(value, ensure_ascii=False)


# the properties stac-geoparquet stores as Arrow timestamps (microseconds, UTC)
_TIMESTAMPS = (
    "datetime",
    "start_datetime",
    "end_datetime",
    "created",
    "updated",
    "expires",
    "published",
    "unpublished",
)


def _timestamp_text(value: str) -> str:
    """RFC 3339 text as short as its instant allows: Arrow timestamps come back with six fraction digits
    (``2024-01-01T00:00:00.000000Z``), the documents wrote ``2024-01-01T00:00:00Z``."""
    if value.endswith("Z") and "." in value:
        head, _, frac = value[:-1].rpartition(".")
        frac = frac.rstrip("0")
        return f"{head}.{frac}Z" if frac else f"{head}Z"
    return value


def normalise(doc: Any) -> Any:
    """A read-back Item without what the format added: nulls dropped (``properties.datetime`` kept where a
    start/end range dates the item), tuples made lists, timestamps in their shortest RFC 3339 text."""
    out = _normalise(doc, ())
    props = out.get("properties") if isinstance(out, dict) else None
    if isinstance(props, dict):
        for key in _TIMESTAMPS:
            if isinstance(props.get(key), str):
                props[key] = _timestamp_text(props[key])
        ranged = "start_datetime" in props or "end_datetime" in props
        if isinstance(doc, dict) and isinstance(doc.get("properties"), dict) and ranged:
            if doc["properties"].get("datetime", "absent") is None:
                props["datetime"] = None
    return out


def _normalise(value: Any, path: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {k: _normalise(v, (*path, k)) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_normalise(v, (*path, _LIST)) for v in value]
    return value


def write(path: str, docs: Iterable[dict[str, Any]]) -> Written:
    """Write the Items of ``docs`` as one stac-geoparquet file at ``path`` (atomically: a temporary file in the
    same directory renamed over it, with the replaced file's mode), the Collections into its metadata. As
    `crosswalk.io.documents.write_atomic`: a symlink stays a symlink (its target is replaced), a device or FIFO
    (``-o /dev/null``) is written to, never renamed over."""
    import pyarrow.parquet as pq
    from stac_geoparquet.arrow import parse_stac_items_to_arrow, to_parquet

    from crosswalk.io.documents import replacement_mode

    out = Written(path)
    items: list[dict[str, Any]] = []
    collections: dict[str, Any] = {}
    for doc in docs:
        kind = doc.get("type") if isinstance(doc, dict) else None
        if kind == "Feature":
            items.append(doc)
        elif kind == "Collection" and str(doc.get("id")) in collections:  # the file's metadata is keyed by id
            out.left_out.append(f"{doc.get('id')} (a second Collection with this id)")
            out.lost += 1
        elif kind == "Collection":
            collections[str(doc.get("id"))] = doc
        else:
            name = doc.get("id") if isinstance(doc, dict) else "?"
            out.left_out.append(f"{name} ({kind or 'not STAC'}: a geoparquet file holds Items and Collections)")
    before = len(out.left_out)
    items = _rows(items, out.left_out)
    out.lost += len(out.left_out) - before
    items, moved = _move_proj_geometries(items)
    mixed = _mixed_fields(items)
    for p in mixed:
        items = [_map_at(item, p, _dumps) for item in items]
    rows = _row_extras(items)
    for row, extra in moved.items():
        rows.setdefault(row, {})["moved"] = extra
    out.items, out.collections = len(items), len(collections)
    out.json_fields = ["/".join(p) for p in mixed]
    real = os.path.realpath(path)
    try:
        existing = os.stat(real)
    except FileNotFoundError:
        existing = None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise IsADirectoryError(21, "Is a directory", path)
    renamed = existing is None or stat.S_ISREG(existing.st_mode)
    directory = os.path.dirname(real)
    os.makedirs(directory, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory if renamed else None, prefix=".crosswalk-") as tmp:
        staged = os.path.join(tmp, "staged.parquet")
        table = parse_stac_items_to_arrow(items, schema="FullFile") if items else None
        if table is None:
            left = f"; left out: {', '.join(out.left_out)}" if out.left_out else ""
            raise ValueError(f"no Items to write: a geoparquet file holds Items (Collections go in its metadata){left}")
        to_parquet(table, staged, collections=collections or None)
        # stac-geoparquet writes its own metadata (geo, stac-geoparquet); crosswalk's goes beside it
        written = pq.read_table(staged)
        meta = dict(written.schema.metadata or {})
        meta[JSON_FIELDS_KEY] = _dumps([list(p) for p in mixed]).encode("utf-8")
        if rows:
            meta[ROWS_KEY] = _dumps(rows).encode("utf-8")
        final = os.path.join(tmp, "final.parquet")
        pq.write_table(written.replace_schema_metadata(meta), final)
        if renamed:
            os.chmod(final, replacement_mode(existing))
            os.replace(final, real)
        else:
            with open(final, "rb") as src, open(real, "wb") as dst:
                shutil.copyfileobj(src, dst)
    return out


def _shape_error(geometry: Any) -> str | None:
    """Why stac-geoparquet cannot store ``geometry`` as WKB and read it back, or None."""
    import shapely.geometry

    if not isinstance(geometry, dict):
        return "not a GeoJSON geometry"
    if geometry.get("type") == "GeometryCollection":  # written, but stac-geoparquet reads it back as an error
        return "a GeometryCollection, which stac-geoparquet cannot read back"
    try:
        shapely.geometry.shape(geometry)
    except Exception:  # noqa: BLE001 - shapely's errors for a malformed geometry vary (KeyError, GeometryTypeError...)
        return "not a GeoJSON geometry"
    return None


def _timestamp_error(value: Any) -> str | None:
    """Why ``value`` is not a timestamp Arrow holds as stac-geoparquet stores it (microseconds, UTC), or None."""
    import pyarrow as pa

    if value is None:
        return None
    try:
        pa.array([value], pa.string()).cast(pa.timestamp("us", tz="UTC"))
    except (pa.ArrowException, TypeError):
        return f"{json.dumps(value, ensure_ascii=False)[:40]} is not an RFC 3339 timestamp to the microsecond"
    return None


def _rows(items: list[dict[str, Any]], left_out: list[str]) -> list[dict[str, Any]]:
    """The Items a geoparquet row holds as they are; the others are named in ``left_out``. One Item the format
    cannot hold would fail the whole file (or, for a GeometryCollection, make it unreadable), and one whose
    property shares a name with a top-level field would lose that property (stac-geoparquet drops it)."""
    tops = {k for item in items for k in item} | set(_ITEM_KEYS)
    kept: list[dict[str, Any]] = []
    for item in items:
        props, bbox = item.get("properties"), item.get("bbox")
        if item.get("geometry") is None:  # STAC allows null; a row cannot hold it
            why = "an Item without geometry: a geoparquet row needs one"
        elif error := _shape_error(item.get("geometry")):
            why = f"geometry: {error}"
        elif not (isinstance(bbox, list) and len(bbox) in (4, 6) and all(_kind(x) == "number" for x in bbox)):
            why = "bbox: a geoparquet row needs 4 or 6 numbers"
        elif kept and len(bbox) != len(kept[0]["bbox"]):  # one column: all 2D or all 3D
            why = f"bbox: {len(bbox)} numbers where the file's first Item has {len(kept[0]['bbox'])}"
        elif not isinstance(props, dict):
            why = "properties: not an object"
        else:
            why = next((f"properties.{k}: the name of a top-level field" for k in props if k in tops), None)
            why = why or next(
                (f"properties.{k}: {e}" for k in _TIMESTAMPS if (e := _timestamp_error(props.get(k)))), None
            )
        if why:
            left_out.append(f"{item.get('id')} ({why})")
        else:
            kept.append(item)
    return kept


def _wkb_paths(items: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """Where stac-geoparquet stores a ``proj:geometry`` as WKB: in the properties and in any asset."""
    assets = {name for item in items if isinstance(item.get("assets"), dict) for name in item["assets"]}
    return [("properties", "proj:geometry"), *(("assets", name, "proj:geometry") for name in sorted(assets))]


def _at(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _move_proj_geometries(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
    """Items without the ``proj:geometry`` values stac-geoparquet cannot hold as WKB and read back, and those
    values by row number (``[[path...], value]``, for ``crosswalk:rows``). stac-geoparquet reads such a column
    back only where every row holds a plain geometry there: one row without (an asset of that name lacking it),
    one that is not a geometry, or a ``bbox`` inside it, and the whole column is moved."""
    moved: dict[str, list[Any]] = {}
    for path in _wkb_paths(items):
        values = [_at(item, path) for item in items]
        if all(v is None for v in values) or all(
            isinstance(v, dict) and not _shape_error(v) and set(v) <= {"type", "coordinates"} for v in values
        ):
            continue
        head, key = path[:-1], path[-1]
        for row, value in enumerate(values):
            if isinstance(_at(items[row], head), dict) and key in _at(items[row], head):
                moved.setdefault(str(row), []).append([list(path), value])
                items[row] = _map_at(items[row], head, lambda d, key=key: {k: v for k, v in d.items() if k != key})
    return items, moved


_ITEM_KEYS = (
    "type",
    "stac_version",
    "stac_extensions",
    "id",
    "geometry",
    "bbox",
    "properties",
    "links",
    "assets",
    "collection",
)


def _row_extras(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What the columns cannot place, by row number: foreign members of a GeoJSON geometry (a ``bbox`` inside
    ``geometry``: WKB holds the shape only) and the names of foreign top-level members (stac-geoparquet reads
    every extra column back into ``properties``)."""
    out: dict[str, dict[str, Any]] = {}
    for row, item in enumerate(items):
        extra: dict[str, Any] = {}
        geometry = item.get("geometry")
        if isinstance(geometry, dict):
            members = {k: v for k, v in geometry.items() if k not in ("type", "coordinates", "geometries")}
            if members:
                extra["geometry"] = members
        top = [k for k in item if k not in _ITEM_KEYS]
        if top:
            extra["top"] = top
        if extra:
            out[str(row)] = extra
    return out


def _restore_row(item: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for path, value in extra.get("moved", []):
        item = _map_at(item, tuple(path[:-1]), lambda d, key=path[-1], value=value: {**d, key: value})
    if extra.get("geometry") and isinstance(item.get("geometry"), dict):
        item = {**item, "geometry": {**item["geometry"], **extra["geometry"]}}
    props = item.get("properties")
    for key in extra.get("top", []):
        if isinstance(props, dict) and key in props:
            props = {k: v for k, v in props.items() if k != key}
            item = {**item, key: item["properties"][key], "properties": props}
    return item


def _decoded(
    items: Iterator[dict[str, Any]], mixed: list[tuple[str, ...]], rows: dict[str, dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    for row, item in enumerate(items):
        for p in mixed:
            item = _map_at(item, p, lambda v: json.loads(v) if isinstance(v, str) else v)
        if str(row) in rows:
            item = _restore_row(item, rows[str(row)])
        yield normalise(item)


def read(path: str) -> list[dict[str, Any]]:
    """The Items of a stac-geoparquet file, normalised (see `normalise`), JSON-text fields decoded."""
    import pyarrow.parquet as pq
    from stac_geoparquet.arrow import stac_table_to_items

    table = pq.read_table(path)
    meta = table.schema.metadata or {}
    mixed = [tuple(p) for p in json.loads(meta.get(JSON_FIELDS_KEY, b"[]"))]
    rows = json.loads(meta.get(ROWS_KEY, b"{}"))
    return list(_decoded(iter(stac_table_to_items(table)), mixed, rows))


def read_collections(path: str) -> dict[str, Any]:
    """The Collections kept in a stac-geoparquet file's metadata (``{id: collection}``)."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    stac = json.loads(meta.get(b"stac-geoparquet", b"{}"))
    return stac.get("collections") or {}


def loads(data: bytes) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(Items, Collections) of a stac-geoparquet file's bytes; see `read` and `read_collections`."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from stac_geoparquet.arrow import stac_table_to_items

    table = pq.read_table(pa.BufferReader(data))
    meta = table.schema.metadata or {}
    mixed = [tuple(p) for p in json.loads(meta.get(JSON_FIELDS_KEY, b"[]"))]
    rows = json.loads(meta.get(ROWS_KEY, b"{}"))
    collections = json.loads(meta.get(b"stac-geoparquet", b"{}")).get("collections") or {}
    return list(_decoded(iter(stac_table_to_items(table)), mixed, rows)), collections


def dumps(docs: Iterable[dict[str, Any]]) -> bytes:
    """The stac-geoparquet file `write` would write, as bytes; a ValueError where `write` would leave a document
    out (a file rewritten in place must not lose one)."""
    with tempfile.TemporaryDirectory(prefix="crosswalk-") as tmp:
        path = os.path.join(tmp, "out.parquet")
        written = write(path, docs)
        if written.left_out:
            raise ValueError(f"cannot be written back whole: {', '.join(written.left_out)}")
        with open(path, "rb") as f:
            return f.read()
