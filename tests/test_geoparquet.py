"""stac-geoparquet in and out (crosswalk.bulk.geoparquet, crosswalk.bulk.outputs, ``.parquet`` inputs of a bulk run):
real parquet files in a temporary directory, read back and validated."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("stac_geoparquet")
import pyarrow.parquet as pq  # noqa: E402

import crosswalk  # noqa: E402
from crosswalk.bulk import geoparquet  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CROSSWALK_SHARED", ROOT.parent / "shared"))
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not present")
CORPORA = ROOT / "corpora"


def _errors(doc) -> list:
    return [i for i in crosswalk.validate(doc) if i.severity == "error"]


def _converted_corpus() -> list[dict]:
    """Every document of the shared real corpus converted to the latest MLM (multi-document files split)."""
    docs = []
    for path in sorted((SHARED / "corpora" / "real").glob("*/*")):
        if path.suffix not in (".json", ".yaml", ".yml"):
            continue
        result = crosswalk.convert_file(str(path))
        if result.document is None:
            continue
        doc = result.document
        docs.extend(doc["features"] if doc.get("type") == "FeatureCollection" else [doc])
    return docs


def _kinds_at_pre_processing(items: list[dict]) -> set[str]:
    kinds = set()
    for item in items:
        for tensor in item["properties"].get("mlm:input", []) or []:
            value = tensor.get("pre_processing_function") if isinstance(tensor, dict) else None
            if value is not None:
                kinds.add(type(value).__name__)
    return kinds


@needs_shared
def test_the_whole_corpus_round_trips_through_one_geoparquet_file(tmp_path):
    docs = _converted_corpus()
    items = [d for d in docs if d.get("type") == "Feature"]
    collections = {d["id"]: d for d in docs if d.get("type") == "Collection"}
    assert len(items) >= 30 and collections
    path = tmp_path / "corpus.parquet"
    written = geoparquet.write(str(path), docs)
    assert written.items == len(items) and written.collections == len(collections)
    assert len(written.left_out) == len(docs) - len(items) - len(collections)
    # a real parquet file, with the geoparquet metadata other readers use
    meta = pq.read_schema(path).metadata
    assert b"geo" in meta and b"stac-geoparquet" in meta
    assert pq.read_metadata(path).num_rows == len(items)
    # the list-vs-object pre_processing_function of real MLM items is stored as JSON text, and comes back
    if _kinds_at_pre_processing(items) == {"list", "dict"}:
        assert "properties/mlm:input/*/pre_processing_function" in written.json_fields

    back = geoparquet.read(str(path))
    assert [b["id"] for b in back] == [i["id"] for i in items]
    equal = [geoparquet.normalise(i) == b for i, b in zip(items, back, strict=True)]
    assert all(equal), [i["id"] for i, ok in zip(items, equal, strict=True) if not ok]
    for item, again in zip(items, back, strict=True):  # still valid, and nothing the format added is a defect
        assert bool(_errors(again)) == bool(_errors(item)), item["id"]
    assert geoparquet.read_collections(str(path)) == collections

    # converting what was read back changes nothing: the corpus is already MLM
    for again in back:
        result = crosswalk.convert(again)
        assert result.document == again, again["id"]


def test_normalise_drops_what_the_format_adds():
    read_back = {
        "type": "Feature",
        "bbox": (-1.0, -2.0, 3.0, 4.0),
        "properties": {
            "datetime": None,
            "start_datetime": "2024-01-01T00:00:00.000000Z",
            "end_datetime": "2024-02-01T12:30:00.500000Z",
            "mlm:hyperparameters": None,
            "mlm:input": [{"name": "x", "value_scaling": None}],
        },
        "assets": {"weights": {"href": "w.pt", "title": None}, "absent-here": None},
    }
    assert geoparquet.normalise(read_back) == {
        "type": "Feature",
        "bbox": [-1.0, -2.0, 3.0, 4.0],
        "properties": {
            "datetime": None,  # required null: the item is dated by a range
            "start_datetime": "2024-01-01T00:00:00Z",
            "end_datetime": "2024-02-01T12:30:00.5Z",
            "mlm:input": [{"name": "x"}],
        },
        "assets": {"weights": {"href": "w.pt"}},
    }
    undated = {"type": "Feature", "properties": {"datetime": None}}
    assert geoparquet.normalise(undated) == {"type": "Feature", "properties": {}}


def _item(i: int, props: dict) -> dict:
    return {
        "type": "Feature",
        "stac_version": "1.1.0",
        "id": f"item-{i}",
        "geometry": {"type": "Point", "coordinates": [float(i), 1.0]},
        "bbox": [float(i), 1.0, float(i), 1.0],
        "properties": {"datetime": "2024-01-01T00:00:00Z", **props},
        "links": [],
        "assets": {},
    }


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),  # beyond 2**53 too: no exact double, stored as JSON text
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(alphabet="abcxyz ", max_size=5),
)
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),  # empty objects too
    ),
    max_leaves=8,
)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.dictionaries(st.sampled_from(["p:one", "p:two", "p:three"]), _json, max_size=3), min_size=1, max_size=4)
)
def test_any_mix_of_json_kinds_round_trips(tmp_path_factory, props):
    """Whatever kinds a field takes across items (numbers here, objects there, lists elsewhere), what is read
    back equals what was written, once the format's additions are normalised away."""
    items = [_item(i, p) for i, p in enumerate(props)]
    path = tmp_path_factory.mktemp("gp") / "items.parquet"
    geoparquet.write(str(path), items)
    back = geoparquet.read(str(path))
    assert back == [geoparquet.normalise(i) for i in items]


def _cli(*args, cwd=None):
    cmd = [sys.executable, "-c", "from crosswalk.cli.main import dlm_migrate; dlm_migrate()", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)


@pytest.mark.slow
@needs_shared
def test_bulk_run_writes_geoparquet_and_ndjson_and_reads_parquet(tmp_path):
    src = tmp_path / "models"
    src.mkdir()
    for path in sorted((SHARED / "corpora" / "real" / "ml-model").glob("*item*.json"))[:6]:
        (src / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "models.parquet"
    run = _cli(src, "--output-format", "geoparquet", "-o", out, "-j", "1")
    assert run.returncode in (0, 1), run.stderr  # 1 when some output is invalid (written, and said so)
    assert "wrote 6 items" in run.stderr, run.stderr
    back = geoparquet.read(str(out))
    assert len(back) == 6 and all(str(crosswalk.detect(d).format) == "mlm@1.5.2" for d in back)

    # the parquet file as input: already MLM, nothing to do; mirrored unchanged into --out-dir
    again = _cli(out, "--dry-run", "--summary-file", tmp_path / "s.ndjson")
    summary = json.loads((tmp_path / "s.ndjson").read_text().splitlines()[-1])["summary"]
    assert summary["documents"] == 6 and summary["unchanged"] == 6 and summary["failed"] == 0, again.stderr

    # one ndjson file, to stdout: data on stdout, diagnostics on stderr
    lines = _cli(out, "--output-format", "ndjson", "-o", "-", "-q")
    docs = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [d["id"] for d in docs] == [d["id"] for d in back]

    # usage errors: one file needs -o; geoparquet is not for stdout; never over an input
    assert _cli(src, "--output-format", "geoparquet").returncode == 2
    assert _cli(src, "--output-format", "geoparquet", "-o", "-").returncode == 2
    assert _cli(out, "--output-format", "geoparquet", "-o", out).returncode == 2


def test_a_file_that_is_not_parquet_fails_alone(tmp_path):
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    run = _cli(tmp_path / "bad.parquet", "--dry-run")
    assert run.returncode == 1
    assert "bad.parquet: not a stac-geoparquet file" in run.stderr


@pytest.mark.parametrize("fmt", ["ndjson", "geoparquet"])
def test_one_file_output_replaces_its_target_only_when_the_run_ends(tmp_path, fmt):
    from crosswalk.bulk.outputs import OneFile

    target = tmp_path / f"out.{fmt}"
    target.write_bytes(b"the previous run's file")
    docs = [_item(i, {"p:x": i}) for i in range(3)]
    interrupted = OneFile(str(target), fmt)
    for doc in docs:
        interrupted(doc)
    assert target.read_bytes() == b"the previous run's file"
    interrupted.discard()  # a run that did not finish
    assert target.read_bytes() == b"the previous run's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]
    done = OneFile(str(target), fmt)
    for doc in docs:
        done(doc)
    done.finish()
    if fmt == "ndjson":
        assert [json.loads(line) for line in target.read_text().splitlines()] == docs
    else:
        assert geoparquet.read(str(target)) == [geoparquet.normalise(d) for d in docs]
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


@pytest.mark.slow  # several CLI runs over geoparquet files: CI runs it
def test_an_item_without_geometry_or_a_second_collection_of_an_id_is_left_out_with_a_line(tmp_path):
    """STAC allows a null geometry, a geoparquet row cannot hold one; a file's Collections are keyed by id. Each
    left out is named on one line and the run goes on (one such Item stopped the run as an internal error); the run
    exits 1, as for a document that failed, since the file lacks documents it was given."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.json").write_bytes((CORPORA / "producers" / "pystac-1.15.2-mlm-api-item.json").read_bytes())
    item = json.loads((CORPORA / "ml-model" / "spec-dummy-item.json").read_text(encoding="utf-8"))
    (src / "b.json").write_text(json.dumps(item), encoding="utf-8")
    collection = json.loads((CORPORA / "producers" / "pystac-1.15.2-mlm-collection.json").read_text(encoding="utf-8"))
    for name, text in (("c1.json", "one"), ("c2.json", "two")):
        (src / name).write_text(json.dumps({**collection, "description": text}), encoding="utf-8")
    assert json.loads((src / "a.json").read_text(encoding="utf-8"))["geometry"] is None
    run = _cli(src, "--output-format", "geoparquet", "-o", tmp_path / "out.parquet", "--no-validate")
    assert "internal error" not in run.stderr and run.returncode == 1, run.stderr
    assert "wrote 1 items and 1 collections" in run.stderr
    assert f"error: 2 documents left out of {tmp_path / 'out.parquet'}: the format cannot hold them" in run.stderr
    assert "an Item without geometry" in run.stderr and "a second Collection with this id" in run.stderr
    assert len(geoparquet.read(str(tmp_path / "out.parquet"))) == 1


@pytest.mark.slow  # several CLI runs over geoparquet files: CI runs it
def test_validate_and_detect_read_a_geoparquet_file_as_migrate_does(tmp_path):
    """`crosswalk validate` / `detect` take what `migrate` takes: a .parquet file is its Items (and Collections)."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.json").write_bytes((CORPORA / "ml-model" / "spec-dummy-item.json").read_bytes())
    out = tmp_path / "m.parquet"
    assert _cli(src, "--output-format", "geoparquet", "-o", out, "--no-validate").returncode in (0, 1)
    code = "import sys; from crosswalk.cli.main import main; sys.argv[0] = 'crosswalk'; main()"
    for verb in ("validate", "detect"):
        run = subprocess.run([sys.executable, "-c", code, verb, str(out)], capture_output=True, text=True)
        assert "not UTF-8" not in run.stderr and f"{out}#0" in run.stdout, (verb, run.stdout, run.stderr)
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    bad = subprocess.run([sys.executable, "-c", code, "validate", str(tmp_path / "bad.parquet")],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "not a stac-geoparquet file" in bad.stderr


@pytest.mark.slow  # several CLI runs over geoparquet files: CI runs it
def test_the_collections_of_a_geoparquet_file_are_converted_with_its_items(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("agrifieldnet-gold-collection.json", "agrifieldnet-gold-item.json"):
        (src / name).write_bytes((CORPORA / "ml-model" / name).read_bytes())
    old = tmp_path / "run" / "m.parquet"
    assert _cli(src, "--to", "mlm@1.3.0", "--output-format", "geoparquet", "-o", old, "--no-validate").returncode == 0
    (collection,) = geoparquet.read_collections(str(old)).values()
    assert any("v1.3.0" in u for u in collection["stac_extensions"])
    run = _cli(old.parent, "--in-place", "--no-validate", "--summary-file", tmp_path / "s.ndjson")
    assert run.returncode == 0, run.stderr
    summary = json.loads((tmp_path / "s.ndjson").read_text(encoding="utf-8").splitlines()[-1])["summary"]
    assert summary["documents"] == 2 and summary["converted"] == 2
    (collection,) = geoparquet.read_collections(str(old)).values()
    assert "https://stac-extensions.github.io/mlm/v1.5.2/schema.json" in collection["stac_extensions"]
    lines = _cli(old, "--output-format", "ndjson", "-o", "-", "-q", "--no-validate").stdout.splitlines()
    assert sorted(json.loads(line)["type"] for line in lines) == ["Collection", "Feature"]


def test_every_timestamp_stac_geoparquet_stores_comes_back_in_its_shortest_text(tmp_path):
    """stac-geoparquet stores ``unpublished`` as a timestamp too: it came back with six fraction digits."""
    item = _item(0, {key: "2024-01-01T00:00:00Z" for key in ("created", "updated", "published", "unpublished")})
    geoparquet.write(str(tmp_path / "t.parquet"), [item])
    assert geoparquet.read(str(tmp_path / "t.parquet")) == [item]


_GC = {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1.0, 2.0]}]}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"properties": {"datetime": "2024-01-01T00:00:00.123456789Z"}}, "properties.datetime: "),  # nanoseconds
        ({"properties": {"datetime": "2024-01-01T00:00:00Z", "created": "2024-01-01"}}, "properties.created: "),
        ({"properties": {"datetime": "2024-01-01T00:00:00Z", "updated": 20240101}}, "properties.updated: "),
        ({"geometry": _GC}, "geometry: a GeometryCollection"),  # written, then unreadable
        ({"geometry": {"type": "Point"}}, "geometry: not a GeoJSON geometry"),
        ({"bbox": None}, "bbox: "),
        ({"bbox": [1.0, 2.0, 0.0, 1.0, 2.0, 0.0]}, "bbox: 6 numbers where the file's first Item has 4"),
        ({"properties": {"datetime": "2024-01-01T00:00:00Z", "collection": "c"}}, "properties.collection: "),
        ({"properties": {"datetime": "2024-01-01T00:00:00Z", "links": "l"}}, "properties.links: "),
    ],
)
def test_an_item_the_format_cannot_hold_is_left_out_with_its_reason_and_the_others_written(tmp_path, change, reason):
    """One such Item failed the whole file (Arrow cannot parse the timestamp, mixed 2D/3D bboxes), made it
    unreadable (a GeometryCollection), or lost a property without a word (stac-geoparquet drops one that shares a
    top-level field's name)."""
    good, odd = _item(0, {}), {**_item(1, {}), **change}
    written = geoparquet.write(str(tmp_path / "t.parquet"), [good, odd])
    assert written.items == 1 and len(written.left_out) == 1 and f"item-1 ({reason}" in written.left_out[0]
    assert geoparquet.read(str(tmp_path / "t.parquet")) == [good]
    with pytest.raises(ValueError, match="cannot be written back whole"):  # a file rewritten in place loses nothing
        geoparquet.dumps([good, odd])


_SQUARE = {"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]}


@pytest.mark.parametrize(
    "props",
    [
        [{"proj:geometry": _SQUARE}, {}],  # a row without one: stac-geoparquet's reader failed on the null
        [{"proj:geometry": _SQUARE}, {"proj:geometry": {"type": "Point", "coordinates": [0.0, 0.0]}}],
        [{"proj:geometry": {**_SQUARE, "bbox": [0.0, 0.0, 1.0, 1.0]}}],  # a member WKB cannot hold
        [{"proj:geometry": "not a geometry"}, {"proj:geometry": _SQUARE}],
        [{"proj:geometry": _SQUARE}],  # plain in every row of the properties: WKB, as other readers expect
    ],
)
def test_proj_geometry_round_trips_in_properties_and_assets(tmp_path, props):
    items = [_item(i, p) for i, p in enumerate(props)]
    items += [{**_item(len(items) + i, {}), "assets": {"a": {"href": "a.tif", **p}}} for i, p in enumerate(props)]
    items.append({**_item(len(items), {}), "assets": {"a": {"href": "b.tif"}}})  # the asset without one
    geoparquet.write(str(tmp_path / "t.parquet"), items)
    assert geoparquet.read(str(tmp_path / "t.parquet")) == [geoparquet.normalise(i) for i in items]


def test_nan_in_a_field_of_mixed_kinds_is_written(tmp_path):
    """A float column holds NaN (a parquet input may have one); JSON text of a mixed field failed the whole file."""
    items = [_item(0, {"p:x": float("nan")}), _item(1, {"p:x": "text"}), _item(2, {"p:x": [float("inf")]})]
    written = geoparquet.write(str(tmp_path / "t.parquet"), items)
    assert written.json_fields == ["properties/p:x"]
    back = [i["properties"]["p:x"] for i in geoparquet.read(str(tmp_path / "t.parquet"))]
    assert back[0] != back[0] and back[1:] == ["text", [float("inf")]]


@pytest.mark.parametrize("fmt", ["ndjson", "geoparquet"])
def test_one_file_output_through_a_symlink_replaces_its_target_with_its_mode(tmp_path, fmt):
    """As every other output of crosswalk: the symlink stays a symlink (it was replaced by a regular file, and
    the file it points at kept the previous run's content), and the replaced file keeps its mode."""
    from crosswalk.bulk.outputs import OneFile

    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / f"out.{fmt}"
    target.write_bytes(b"the previous run's file")
    target.chmod(0o640)
    link = tmp_path / f"link.{fmt}"
    link.symlink_to(target)
    out = OneFile(str(link), fmt)
    out(_item(0, {}))
    out.finish()
    out.discard()
    assert link.is_symlink() and target.read_bytes() != b"the previous run's file"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == [link.name, "real"]
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


@pytest.mark.parametrize("fmt", ["ndjson", "geoparquet"])
def test_one_file_output_into_a_fifo_is_written_to_never_renamed_over(tmp_path, fmt):
    """``-o /dev/null`` (run as root) renamed a regular file over the device; a FIFO shows it without harm."""
    import threading

    import pyarrow as pa

    from crosswalk.bulk.outputs import OneFile

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    out = OneFile(str(fifo), fmt)
    out(_item(0, {}))
    try:
        out.finish()
    finally:
        out.discard()
        reader.join(timeout=10)
        if reader.is_alive():  # nothing opened the FIFO for writing: unblock the reader
            with open(fifo, "wb"):
                pass
    assert fifo.is_fifo() and got
    if fmt == "ndjson":
        assert json.loads(got[0]) == _item(0, {})
    else:
        assert pq.read_table(pa.BufferReader(got[0])).num_rows == 1


def test_nan_in_a_parquet_row_is_repaired_to_null_as_in_a_json_file(tmp_path):
    """A float column holds NaN, which JSON has no word for: read from a parquet row, as from a JSON file, it is
    repaired to null and reported so; an ndjson output never carries a bare NaN token."""
    mlm = json.loads((CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json").read_text(encoding="utf-8"))
    items = [json.loads(json.dumps(mlm)) for _ in range(2)]
    items[1]["id"] = "second"
    items[0]["properties"]["score"], items[1]["properties"]["score"] = 1.5, float("nan")
    geoparquet.write(str(tmp_path / "in.parquet"), items)
    out, summary = tmp_path / "out.ndjson", tmp_path / "s.ndjson"
    run = _cli(tmp_path / "in.parquet", "--output-format", "ndjson", "-o", out, "--no-validate", "-q",
               "--summary-file", summary)
    assert run.returncode == 0, run.stderr

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} written: not JSON")

    docs = [json.loads(line, parse_constant=refuse) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["properties"]["score"] for d in docs] == [1.5, None]
    reports = [json.loads(line) for line in summary.read_text(encoding="utf-8").splitlines()[:-1]]
    (entry,) = [f for f in reports[1]["fields"] if f["path"] == "/properties/score"]
    assert entry["status"] == "repaired" and "NaN" in entry["reason"]
