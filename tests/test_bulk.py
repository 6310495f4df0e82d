"""Bulk mode: catalogs, directories, ndjson and ItemCollections, mirrored or in place; reruns and kills."""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPORA, SHARED

from crosswalk import pipeline
from crosswalk.bulk import tree as bulk
from crosswalk.cli.main import dlm_migrate, main
from crosswalk.detection import detect

MLM_URI = "https://stac-extensions.github.io/mlm/v1.5.2/schema.json"
STRUCTURAL = ("root", "parent", "child", "item", "collection")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _convertible(paths: list[Path]) -> list[dict]:
    docs = [_load(p) for p in paths]
    return [d for d in docs if d.get("type") == "Feature" and pipeline.convert(d, validate=False).ok]


ML_MODEL = _convertible(sorted((CORPORA / "ml-model").glob("*.json")))
DLM_BETA = _convertible(sorted((CORPORA / "dlm-beta").glob("*.json")))  # empty until the dlm-beta edges exist
MLM13 = [_load(CORPORA / "mlm" / "spec-1.3.0-item_raster_bands.json")]
COLLECTION = _load(CORPORA / "ml-model" / "agrifieldnet-gold-collection.json")


def _item(base: dict, i: int, links: list[dict]) -> dict:
    item = copy.deepcopy(base)
    item["id"] = f"{base['id']}-{i:05d}"
    item.pop("collection", None)
    kept = [lk for lk in item.get("links", []) if lk.get("rel") not in STRUCTURAL + ("self",)]
    item["links"] = links + kept
    return item


def _write(path: Path, doc) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def make_catalog(top: Path, n: int, *, absolute_every: int = 0) -> Path:
    """A root Catalog (no ML extension) with one child per family: an ML-model Collection (with an ML
    extension itself) holding ml-model Items, and plain Catalogs of dlm-beta and MLM 1.3 Items. Item links of
    every ``absolute_every``-th Item are absolute paths."""
    groups = [("ml-model", ML_MODEL), ("mlm13", MLM13)] + ([("dlm-beta", DLM_BETA)] if DLM_BETA else [])
    root = {"type": "Catalog", "id": "root", "stac_version": "1.0.0", "description": "mixed models",
            "links": [{"rel": "root", "href": "./catalog.json"}]}
    for g, (name, bases) in enumerate(groups):
        if name == "ml-model":
            sub = copy.deepcopy(COLLECTION)
            sub["id"] = "ml-model-models"
            fname = "collection.json"
        else:
            sub = {"type": "Catalog", "id": f"{name}-models", "stac_version": "1.0.0", "description": name}
            fname = "catalog.json"
        sub["links"] = [{"rel": "root", "href": "../catalog.json"}, {"rel": "parent", "href": "../catalog.json"}]
        for i in range(g, n, len(groups)):
            links = [{"rel": "root", "href": "../../catalog.json"}, {"rel": "parent", "href": f"../{fname}"}]
            if fname == "collection.json":
                links.append({"rel": "collection", "href": f"../{fname}"})
            item = _item(bases[i % len(bases)], i, links)
            if fname == "collection.json":
                item["collection"] = sub["id"]
            path = top / name / "items" / f"{item['id']}.json"
            _write(path, item)
            href = str(path) if absolute_every and i % absolute_every == 0 else f"./items/{path.name}"
            sub["links"].append({"rel": "item", "href": href})
        _write(top / name / fname, sub)
        root["links"].append({"rel": "child", "href": f"./{name}/{fname}"})
    _write(top / "catalog.json", root)
    return top / "catalog.json"


def snapshot(top: Path) -> dict[str, bytes]:
    return {str(p.relative_to(top)): p.read_bytes() for p in sorted(top.rglob("*")) if p.is_file()}


def read_summary(path: Path) -> tuple[list[dict], dict]:
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert "summary" in lines[-1]
    return lines[:-1], lines[-1]["summary"]


def counts_from_reports(reports: list[dict]) -> dict[str, int]:
    c = dict.fromkeys(bulk.COUNTS, 0)
    for r in reports:
        c["documents"] += 1
        c[r["status"]] += 1
        if r["status"] == "failed":
            continue
        s = r["summary"]
        c["lossy"] += bool(s["lossy"] or s["dropped"])
        c["invented"] += bool(s["invented"])
        c["invalid"] += not r["valid"]
    return c


def cli(args) -> object:
    return CliRunner().invoke(dlm_migrate, [str(a) for a in args], catch_exceptions=False)


# ------------------------------------------------------------------------------------------------------------
# The 2,000-Item catalog (built and converted once)


GROUPS = 3 if DLM_BETA else 2


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """2,000 Items converted without validation (validating 2,000 documents costs ~20 s of jsonschema): the
    outputs are validated below, one per distinct document, and `test_reports_carry_validation` runs with it."""
    top = tmp_path_factory.mktemp("big")
    root = make_catalog(top / "src", 2000, absolute_every=97)
    out, summary_file = top / "out", top / "summary.ndjson"
    result = bulk.migrate([str(root)], out_dir=str(out), summary_file=str(summary_file), jobs=2, validate=False,
                          progress=False)
    return top, result, out, summary_file


def _check_reports(result, summary_file: Path, n: int) -> list[dict]:
    assert result.failures == []
    assert result.summary["documents"] == n + 1 + GROUPS
    reports, summary = read_summary(summary_file)
    assert summary == result.summary
    assert {k: summary[k] for k in bulk.COUNTS} == counts_from_reports(reports)
    assert summary["converted"] == n + 1  # the Items and the ML-model Collection; the plain Catalogs unchanged
    assert summary["unchanged"] == GROUPS
    sources = {r["source"]["format"] for r in reports if r["status"] == "converted"}
    assert {"ml-model@1.0.0", "mlm@1.3.0"} <= sources
    if DLM_BETA:
        assert any(f.startswith("dlm-beta@") for f in sources)
    assert {r["target"]["format"] for r in reports} == {"mlm@1.5.2"}
    return reports


@pytest.mark.slow  # minutes of CPU on the 2-core machine: CI runs it
def test_big_catalog_upgrades_every_item_with_reports_matching_the_summary(big) -> None:
    top, result, out, summary_file = big
    _check_reports(result, summary_file, 2000)


@pytest.mark.slow  # minutes of CPU on the 2-core machine: CI runs it
def test_big_catalog_every_item_is_valid(big) -> None:
    """Items made from the same corpus document differ only in ``id`` and links: one of each is validated."""
    from crosswalk.validation.validator import check

    _, _, out, _ = big
    distinct: dict[str, dict] = {}
    for path in sorted(out.rglob("*.json")):
        doc = _load(path)
        if doc["type"] == "Feature":
            assert isinstance(doc["id"], str) and all(isinstance(lk["href"], str) for lk in doc["links"])
            rest = {k: v for k, v in doc.items() if k != "links"}
            rest["links"] = [lk for lk in doc["links"] if lk["rel"] not in STRUCTURAL]
            key = json.dumps(rest, sort_keys=True).replace(json.dumps(doc["id"])[1:-1], "<id>")
            distinct.setdefault(key, doc)
    assert len(distinct) <= len(ML_MODEL) + len(MLM13) + len(DLM_BETA)
    for doc in distinct.values():
        assert [i for i in check(doc) if i.severity == "error"] == [], doc["id"]


def test_reports_carry_validation(tmp_path: Path) -> None:
    root = make_catalog(tmp_path / "src", 30, absolute_every=7)
    summary_file = tmp_path / "s.ndjson"
    result = bulk.migrate([str(root)], out_dir=str(tmp_path / "out"), summary_file=str(summary_file),
                          progress=False)
    reports = _check_reports(result, summary_file, 30)
    errors = [(r["source"]["href"], i) for r in reports for i in r["issues"] if i["severity"] == "error"]
    assert errors == []
    assert result.summary["invalid"] == 0


def test_a_run_keeping_no_reports_writes_and_counts_as_one_that_keeps_them(tmp_path: Path) -> None:
    """Without a summary file no report is folded into field entries: the same files are written, byte for byte,
    and the same documents counted converted, lossy, invented and invalid."""
    root = make_catalog(tmp_path / "src", 30, absolute_every=7)
    kept = bulk.migrate([str(root)], out_dir=str(tmp_path / "kept"), summary_file=str(tmp_path / "s.ndjson"),
                        progress=False, jobs=1)
    lean = bulk.migrate([str(root)], out_dir=str(tmp_path / "lean"), progress=False, jobs=1)
    assert lean.summary == kept.summary and kept.summary["lossy"] and kept.summary["invented"]
    assert lean.failures == kept.failures == []
    assert snapshot(tmp_path / "lean") == snapshot(tmp_path / "kept")


@pytest.mark.slow  # minutes of CPU on the 2-core machine: CI runs it
def test_big_catalog_mirror_is_complete_and_every_link_resolves(big) -> None:
    top, result, out, _ = big
    src = snapshot(top / "src")
    mirrored = snapshot(out)
    assert set(mirrored) == set(src)
    items = 0
    for rel, data in mirrored.items():
        doc = json.loads(data)
        here = out / rel
        for link in doc.get("links", []):
            if link.get("rel") in STRUCTURAL and not os.path.isabs(link["href"]):
                assert (here.parent / link["href"]).resolve().is_file(), (rel, link)
        if doc["type"] == "Feature":
            items += 1
            assert MLM_URI in doc["stac_extensions"]
            assert str(detect(doc).format) == "mlm@1.5.2"
    assert items == 2000
    # the plain catalogs are copied byte for byte
    assert mirrored["catalog.json"] == src["catalog.json"]


@pytest.mark.slow  # minutes of CPU on the 2-core machine: CI runs it
def test_rerun_on_an_upgraded_catalog_changes_nothing(big) -> None:
    top, _, out, _ = big
    before = snapshot(out)
    again = bulk.migrate([str(out / "catalog.json")], in_place=True, backup_dir=str(top / "bak"), validate=False,
                         jobs=2, progress=False)
    assert again.summary["converted"] == 0 and again.summary["failed"] == 0
    assert again.summary["written"] == 0
    assert snapshot(out) == before
    assert not (top / "bak").exists()


@pytest.mark.parametrize("validate", [False, True])
def test_already_upgraded_documents_get_the_report_convert_gives(tmp_path: Path, validate: bool) -> None:
    """documents already in the target format: bulk gives the report convert gives (repairs, invariants)."""
    settings = bulk._Settings(root=str(tmp_path), display_root=str(tmp_path), to="mlm@1.5.2", fill=None,
                              validate=validate, verify=False, out_dir=None, in_place=False, backup_dir=None,
                              dry_run=False, keep_reports=True)
    mixed = _load(CORPORA / "ml-model" / "spec-dummy-item.json")
    for base in ML_MODEL + MLM13 + DLM_BETA + [COLLECTION]:
        upgraded = pipeline.convert(base, validate=False).document
        if base is ML_MODEL[0]:  # an MLM document that still carries ml-model fields
            upgraded["properties"]["ml-model:type"] = mixed["properties"]["ml-model:type"]
        expected = pipeline.convert(upgraded, href="x.json", validate=validate)
        # the plan is empty; the ml-model leftover is converted by the side step, which the steps list
        assert expected.steps == (["ml-model@1.0.0 -> mlm@1.5.2"] if base is ML_MODEL[0] else [])
        outcome, new = bulk._doc_outcome(upgraded, "x.json", settings)
        # the ml-model leftover is converted (dropped) although the plan is empty: that document changes
        status = "converted" if base is ML_MODEL[0] else "unchanged"
        assert outcome.status == status and (new is None) == (status == "unchanged")
        assert json.loads(outcome.report) == {**expected.report, "status": status}


class _Text(str):
    """A str by value, not by type: JSON equality (`crosswalk.engine.ops.same`) tells it from a str."""


@pytest.mark.parametrize("output, changed", [
    ({"a": [1, "x", None]}, False),  # the same document
    ({"a": [1.0, "x", None]}, True),  # 1.0 is not 1 (Python's == says it is)
    ({"a": [True, "x", None]}, True),  # true is not 1
    ({"a": [1, _Text("x"), None]}, True),  # written alike, but not JSON's own type
    ({"a": [1, "x", float("nan")]}, True),  # written null, as the source's null is
])
def test_an_output_equal_to_its_source_is_unchanged_only_when_json_says_so(output, changed) -> None:
    """A bulk run tells an output equal to its source by their texts, as the documents' walk tells it."""
    from crosswalk.io.parse import read_json_written

    text = json.dumps({"a": [1, "x", None]}, indent=2).encode("utf-8")
    source, _, _, written = read_json_written(text, "x.json", twin=True)
    result = pipeline.Result(href="x.json", detection=None, target=None, document=output, source=source)
    assert written is not None and bulk._changed(result, written) is changed is result.changed


# ------------------------------------------------------------------------------------------------------------
# Other inputs


def test_ndjson_itemcollection_and_arrays(tmp_path: Path) -> None:
    items = [_item(b, i, []) for i, b in enumerate(ML_MODEL + MLM13 + DLM_BETA)]
    lines = [json.dumps(d) for d in items]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "items.ndjson").write_text("\n".join(lines[:2] + [""] + lines[2:]) + "\n", encoding="utf-8")
    _write(tmp_path / "in" / "fc.json", {"type": "FeatureCollection", "features": items[:3]})
    _write(tmp_path / "in" / "array.json", items[-2:])
    summary_file = tmp_path / "s.ndjson"
    r = cli([tmp_path / "in", "--out-dir", tmp_path / "out", "--summary-file", summary_file, "--no-validate"])
    assert r.exit_code == 0, r.stderr
    reports, summary = read_summary(summary_file)
    assert summary["documents"] == len(items) + 3 + 2
    assert summary["converted"] == summary["documents"]
    hrefs = [rep["source"]["href"] for rep in reports]
    assert str(tmp_path / "in" / "items.ndjson") + "#L4" in hrefs  # line 3 is blank
    assert str(tmp_path / "in" / "fc.json") + "#/features/2" in hrefs
    assert str(tmp_path / "in" / "array.json") + "#/1" in hrefs
    out_lines = (tmp_path / "out" / "items.ndjson").read_text(encoding="utf-8").split("\n")
    assert out_lines[2] == "" and len(out_lines) == len(lines) + 2
    for line in filter(None, out_lines):
        assert MLM_URI in json.loads(line)["stac_extensions"]
    fc = _load(tmp_path / "out" / "fc.json")
    assert fc["type"] == "FeatureCollection" and all(MLM_URI in f["stac_extensions"] for f in fc["features"])
    array = _load(tmp_path / "out" / "array.json")  # a bare array is written as a FeatureCollection
    assert array["type"] == "FeatureCollection" and len(array["features"]) == 2
    assert all(MLM_URI in f["stac_extensions"] for f in array["features"])


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not present")
def test_a_real_bare_array_of_items_is_bulk_input(tmp_path: Path) -> None:
    src = SHARED / ("corpora/real/ml-model/radiantearth__radiant-mlhub__test__models__cassettes__test_ml_model__"
                    "TestMLModel.test_list_ml_models.yaml.body.json")
    if not src.is_file():
        pytest.skip("corpus file not present")
    assert bulk.is_bulk_input([str(src)])
    r = cli([src, "--out-dir", tmp_path / "out", "--report", "json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stderr.strip().splitlines()[-1])["summary"]["converted"] == 2
    out = _load(tmp_path / "out" / src.name)
    assert out["type"] == "FeatureCollection"
    assert [MLM_URI in d["stac_extensions"] for d in out["features"]] == [True, True]


def test_catalog_links_remote_outside_and_file_urls(tmp_path: Path) -> None:
    cat = tmp_path / "cat"
    _write(cat / "a.json", _item(ML_MODEL[0], 1, []))
    _write(cat / "sub" / "b.json", _item(ML_MODEL[1], 2, []))
    _write(tmp_path / "elsewhere.json", _item(ML_MODEL[2], 3, []))
    _write(cat / "catalog.json", {
        "type": "Catalog", "id": "c", "stac_version": "1.0.0", "description": "d", "links": [
            {"rel": "item", "href": "a.json"},
            {"rel": "item", "href": (cat / "sub" / "b.json").as_uri()},
            {"rel": "item", "href": "./a.json"},  # the same file twice: converted once
            {"rel": "item", "href": "../elsewhere.json"},
            {"rel": "item", "href": "https://example.com/remote.json"},
            {"rel": "self", "href": "https://example.com/catalog.json"},
        ]})
    result = bulk.migrate([str(cat / "catalog.json")], out_dir=str(tmp_path / "out"), validate=False)
    assert result.summary["documents"] == 3 and result.summary["converted"] == 2
    assert result.summary["remote_links"] == 1 and result.plan.outside == [str(tmp_path / "elsewhere.json")]
    assert sorted(snapshot(tmp_path / "out")) == ["a.json", "catalog.json", "sub/b.json"]
    assert "1 remote child/item links not followed" in bulk.render_summary(result.summary)


def test_directories_with_yaml_documents(tmp_path: Path) -> None:
    import yaml

    _write(tmp_path / "in" / "a.json", _item(ML_MODEL[0], 1, []))
    (tmp_path / "in" / "b.yaml").write_text(yaml.safe_dump(_item(MLM13[0], 2, [])), encoding="utf-8")
    (tmp_path / "in" / "notes.txt").write_text("not a document", encoding="utf-8")
    result = bulk.migrate([str(tmp_path / "in")], in_place=True, validate=False)
    assert result.summary["converted"] == 2 and result.summary["files"] == 2
    assert MLM_URI in yaml.safe_load((tmp_path / "in" / "b.yaml").read_text(encoding="utf-8"))["stac_extensions"]
    assert sorted(snapshot(tmp_path / "in.bak")) == ["a.json", "b.yaml"]


def test_lenient_reading_repairs_json_with_comments_as_single_mode_does(tmp_path: Path) -> None:
    text = json.dumps(_item(ML_MODEL[0], 1, []), indent=2)
    text = text.replace('"type": "Feature",', '"type": "Feature", // an Item\n', 1)
    text = text[: text.rindex("}")] + ",}\n"  # a trailing comma
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.json").write_text(text, encoding="utf-8")
    summary_file = tmp_path / "s.ndjson"
    result = bulk.migrate([str(tmp_path / "in")], out_dir=str(tmp_path / "out"), validate=False,
                          summary_file=str(summary_file))
    assert result.summary["converted"] == 1
    (report,), _ = read_summary(summary_file)
    single = pipeline.convert_file(str(tmp_path / "in" / "a.json"), validate=False)
    assert report["fields"] == single.report["fields"] and report["summary"] == single.report["summary"]
    assert [f for f in report["fields"] if f["status"] == "repaired" and f["path"] == ""]
    assert _load(tmp_path / "out" / "a.json") == single.document
    strict = bulk.migrate([str(tmp_path / "in")], out_dir=str(tmp_path / "out2"), validate=False, lenient=False)
    assert strict.summary["failed"] == 1 and "invalid JSON" in strict.failures[0][1]


def test_single_documents_stay_in_single_mode(tmp_path: Path) -> None:
    item = CORPORA / "ml-model" / "spec-dummy-item.json"
    assert not bulk.is_bulk_input([str(item)])
    r = cli([item, "--report", "none"])
    assert r.exit_code == 0 and MLM_URI in json.loads(r.stdout)["stac_extensions"]
    root = make_catalog(tmp_path / "cat", 4)
    assert bulk.is_bulk_input([str(root)])
    # -o names one output document: a catalog root alone is converted as one document
    r = cli([root.parent / "ml-model" / "collection.json", "-o", tmp_path / "c.json", "--report", "none"])
    assert r.exit_code == 0 and MLM_URI in _load(tmp_path / "c.json")["stac_extensions"]


# ------------------------------------------------------------------------------------------------------------
# Writing modes


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    root = make_catalog(tmp_path / "cat", 12)
    before = snapshot(tmp_path)
    r = cli([root, "--dry-run", "--out-dir", tmp_path / "out", "--no-validate"])
    assert r.exit_code == 0, r.stderr
    assert "dry run" in r.stderr and "converted" in r.stderr
    r = cli([root, "--dry-run", "--in-place", "--no-validate", "--report", "json"])
    assert json.loads(r.stderr)["summary"]["converted"] == 13
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "out").exists() and not (tmp_path / "cat.bak").exists()


def test_in_place_backs_up_then_a_rerun_changes_nothing(tmp_path: Path) -> None:
    root = make_catalog(tmp_path / "cat", 12)
    original = snapshot(tmp_path / "cat")
    os.chmod(root.parent / "mlm13" / "catalog.json", 0o640)
    r = cli([root, "--in-place", "--no-validate", "--report", "none"])
    assert r.exit_code == 0, r.stderr
    upgraded = snapshot(tmp_path / "cat")
    backups = snapshot(tmp_path / "cat.bak")
    changed = {k for k in original if upgraded[k] != original[k]}
    assert len(changed) == 13  # 12 Items and the ML-model Collection
    assert set(backups) == changed and all(backups[k] == original[k] for k in changed)
    assert (os.stat(root.parent / "mlm13" / "catalog.json").st_mode & 0o777) == 0o640
    assert not list((tmp_path / "cat").rglob(".*"))  # no temporary files or run marker left
    r = cli([root, "--in-place", "--no-validate", "--report", "json"])
    assert r.exit_code == 0
    assert json.loads(r.stderr)["summary"]["written"] == 0
    assert snapshot(tmp_path / "cat") == upgraded and snapshot(tmp_path / "cat.bak") == backups


def test_a_later_in_place_run_keeps_the_earlier_backup(tmp_path: Path) -> None:
    """A file changed again (a line added to an upgraded .ndjson file) is backed up again; the first backup, the
    true original, is kept beside it as <name>.~1~, never written over."""
    top = tmp_path / "data"
    top.mkdir()
    src = top / "models.ndjson"
    first = json.dumps(_load(CORPORA / "ml-model" / "spec-dummy-item.json")).encode() + b"\n"
    src.write_bytes(first)
    assert cli([src, "--in-place", "--no-validate", "--report", "none"]).exit_code == 0
    upgraded = src.read_bytes()
    src.write_bytes(upgraded + first)  # one more old line, appended by hand
    assert cli([src, "--in-place", "--no-validate", "--report", "none"]).exit_code == 0
    backups = tmp_path / "data.bak"
    assert (backups / "models.ndjson.~1~").read_bytes() == first
    assert (backups / "models.ndjson").read_bytes() == upgraded + first
    assert sorted(p.name for p in backups.iterdir()) == ["models.ndjson", "models.ndjson.~1~"]


def test_out_dir_rerun_rewrites_nothing(tmp_path: Path) -> None:
    root = make_catalog(tmp_path / "cat", 6)
    files = 6 + 1 + GROUPS  # Items, the root, the ML-model Collection and the plain Catalogs
    assert bulk.migrate([str(root)], out_dir=str(tmp_path / "out"), validate=False).summary["written"] == files
    mtimes = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*.json")}
    again = bulk.migrate([str(root)], out_dir=str(tmp_path / "out"), validate=False)
    assert again.summary["written"] == 0 and again.summary["converted"] == 7
    assert mtimes == {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*.json")}


# ------------------------------------------------------------------------------------------------------------
# Failures


def _dir_with_bad_document(top: Path) -> Path:
    d = top / "in"
    for i in range(5):
        _write(d / f"item-{i}.json", _item(ML_MODEL[i % len(ML_MODEL)], i, []))
    (d / "item-2.json").write_text("{not json", encoding="utf-8")
    return d


def test_a_bad_document_is_listed_and_the_others_are_converted(tmp_path: Path) -> None:
    d = _dir_with_bad_document(tmp_path)
    summary_file = tmp_path / "s.ndjson"
    r = cli([d, "--out-dir", tmp_path / "out", "--no-validate", "--summary-file", summary_file])
    assert r.exit_code == 1
    assert "item-2.json" in r.stderr and "invalid JSON" in r.stderr
    for i in (0, 1, 3, 4):
        assert MLM_URI in _load(tmp_path / "out" / f"item-{i}.json")["stac_extensions"]
    reports, summary = read_summary(summary_file)
    assert summary["failed"] == 1 and summary["converted"] == 4
    assert [rep["status"] for rep in reports] == ["converted", "converted", "failed", "converted", "converted"]


def test_a_file_that_cannot_be_written_fails_its_documents(tmp_path: Path) -> None:
    _write(tmp_path / "in" / "a.json", _item(ML_MODEL[0], 1, []))
    _write(tmp_path / "in" / "sub" / "b.json", _item(ML_MODEL[1], 2, []))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "sub").write_text("a file where the mirror needs a directory", encoding="utf-8")
    failures = []
    result = bulk.migrate([str(tmp_path / "in")], out_dir=str(tmp_path / "out"), validate=False,
                          on_failure=lambda href, msg: failures.append(msg))
    assert result.summary["converted"] == 1 and result.summary["failed"] == 1 and result.summary["documents"] == 2
    assert len(failures) == 1 and "cannot write" in failures[0] and "b.json" in failures[0]
    assert MLM_URI in _load(tmp_path / "out" / "a.json")["stac_extensions"]


def test_fail_fast_stops_inside_a_file_of_many_documents(tmp_path: Path) -> None:
    """In an .ndjson file too: the lines after the first failure are neither converted nor counted, and stay as
    they were in what is written."""
    old = json.dumps(_load(CORPORA / "ml-model" / "spec-dummy-item.json"))
    src = tmp_path / "in" / "models.ndjson"
    src.parent.mkdir()
    src.write_text("\n".join([old, "not json", old, old]) + "\n")
    r = cli([src, "--out-dir", tmp_path / "out", "--no-validate", "--fail-fast", "--report", "json"])
    assert r.exit_code == 1 and "fail-fast" in r.stderr
    summary = json.loads(r.stderr.splitlines()[-2])["summary"]
    assert (summary["documents"], summary["converted"], summary["failed"]) == (2, 1, 1)
    written = (tmp_path / "out" / "models.ndjson").read_text().split("\n")
    assert json.loads(written[0])["stac_extensions"][0].startswith("https://stac-extensions.github.io/mlm/")
    assert written[1:] == ["not json", old, old, ""]


def test_fail_fast_stops_at_the_first_failure(tmp_path: Path) -> None:
    d = _dir_with_bad_document(tmp_path)
    r = cli([d, "--out-dir", tmp_path / "out", "--no-validate", "--fail-fast", "--report", "json"])
    assert r.exit_code == 1
    assert "fail-fast" in r.stderr
    assert not (tmp_path / "out" / "item-3.json").exists() and not (tmp_path / "out" / "item-4.json").exists()


def test_strict_fails_on_lossy_or_invented_documents(tmp_path: Path) -> None:
    d = _dir_with_bad_document(tmp_path)
    (d / "item-2.json").unlink()
    r = cli([d, "--out-dir", tmp_path / "out", "--no-validate", "--report", "none"])
    assert r.exit_code == 0
    r = cli([d, "--out-dir", tmp_path / "out2", "--no-validate", "--report", "none", "--strict"])
    assert r.exit_code == 1 and "--strict" in r.stderr


DUMMY = CORPORA / "ml-model" / "spec-dummy-item.json"  # ml-model has no input spec: MLM's are invented
CLEAN = CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json"  # to 1.5.2: nothing lost, nothing invented


def _strict_tree(top: Path) -> Path:
    d = top / "in"
    d.mkdir()
    shutil.copy(DUMMY, d / "a.json")
    shutil.copy(CLEAN, d / "b.json")
    return d


def _refusal(path: Path) -> tuple[list[str], list[str]]:
    """The invented and the lossy or dropped paths of a document's conversion, from the library's report."""
    fields = pipeline.convert(_load(path)).report["fields"]
    return ([f["path"] for f in fields if f["status"] == "invented"],
            [f["path"] for f in fields if f["status"] in ("lossy", "dropped")])


def test_strict_in_place_leaves_a_refused_document_as_it_was_and_counts_it_failed(tmp_path: Path) -> None:
    d = _strict_tree(tmp_path)
    before = snapshot(d)
    summary_file = tmp_path / "s.ndjson"
    r = cli([d, "--in-place", "--strict", "-j", "1", "--report", "none", "--summary-file", summary_file])
    assert r.exit_code == 1
    after = snapshot(d)
    assert after["a.json"] == before["a.json"]  # not replaced: nothing to back up either
    assert not (tmp_path / "in.bak" / "a.json").exists()
    assert after["b.json"] != before["b.json"] and MLM_URI in _load(d / "b.json")["stac_extensions"]
    reports, summary = read_summary(summary_file)
    assert [rep["status"] for rep in reports] == ["failed", "converted"]
    assert (summary["failed"], summary["converted"], summary["lossy"], summary["invented"]) == (1, 1, 0, 0)
    invented, lost = _refusal(DUMMY)
    assert len(invented) > 3 and len(lost) > 3  # so the line names three of each, then the rest's count
    (line,) = [x for x in r.stderr.splitlines() if "a.json" in x]
    assert line.startswith("error: ") and "--strict" in line
    assert f"would invent {', '.join(invented[:3])} and {len(invented) - 3} more" in line
    assert f"lossy or dropped: {', '.join(lost[:3])} and {len(lost) - 3} more" in line
    assert reports[0]["error"] in line


def test_strict_out_dir_copies_a_refused_document_unchanged_as_other_failures(tmp_path: Path) -> None:
    d = _strict_tree(tmp_path)
    dummy, clean = DUMMY.read_text(encoding="utf-8"), CLEAN.read_text(encoding="utf-8")
    (d / "items.ndjson").write_text(json.dumps(json.loads(dummy)) + "\n" + json.dumps(json.loads(clean)) + "\n",
                                    encoding="utf-8")
    fc = {"type": "FeatureCollection", "features": [json.loads(dummy), json.loads(clean)]}
    _write(d / "fc.json", fc)
    r = cli([d, "--out-dir", tmp_path / "out", "--strict", "--report", "none"])
    assert r.exit_code == 1
    out = tmp_path / "out"
    assert (out / "a.json").read_bytes() == (d / "a.json").read_bytes()
    assert MLM_URI in _load(out / "b.json")["stac_extensions"]
    first, second, _ = (out / "items.ndjson").read_text(encoding="utf-8").split("\n")
    assert first == json.dumps(json.loads(dummy))  # the refused line keeps its bytes
    assert MLM_URI in json.loads(second)["stac_extensions"]
    features = _load(out / "fc.json")["features"]
    assert features[0] == fc["features"][0] and MLM_URI in features[1]["stac_extensions"]
    failed = sorted(x.split(":")[1].strip() for x in r.stderr.splitlines() if "--strict" in x)
    assert failed == [str(d / "a.json"), f"{d / 'fc.json'}#/features/0", f"{d / 'items.ndjson'}#L1"]


def test_strict_with_fail_fast_stops_at_the_first_refused_document(tmp_path: Path) -> None:
    d = _strict_tree(tmp_path)
    r = cli([d, "--out-dir", tmp_path / "out", "--strict", "--fail-fast", "--report", "none"])
    assert r.exit_code == 1 and "--fail-fast" in r.stderr
    assert not (tmp_path / "out" / "b.json").exists()


def test_strict_in_the_library_fails_the_document() -> None:
    result = bulk.migrate([str(DUMMY)], dry_run=True, strict=True)
    assert (result.summary["failed"], result.summary["converted"]) == (1, 0)
    assert "--strict" in result.failures[0][1]
    assert bulk.migrate([str(DUMMY)], dry_run=True).summary["converted"] == 1


def test_a_new_major_version_fails_in_a_bulk_run_as_it_does_alone(tmp_path: Path) -> None:
    """MLM 2.0.0 is newer than the newest known major version: crosswalk cannot read it as 1.5.2 and refuses it
    alone; a bulk run took the refusal for a document without any ML-model extension and copied it through."""
    doc = _load(CORPORA / "producers" / "stac-model-0.6.1-eurosat_resnet.json")
    doc["stac_extensions"] = [u.replace("/mlm/v1.5.2/", "/mlm/v2.0.0/") for u in doc["stac_extensions"]]
    assert "https://stac-extensions.github.io/mlm/v2.0.0/schema.json" in doc["stac_extensions"]
    _write(tmp_path / "in" / "v2.json", doc)
    alone = cli([tmp_path / "in" / "v2.json", "-o", tmp_path / "alone.json"])
    assert alone.exit_code == 1 and "unknown mlm version 2.0.0" in alone.stderr
    summary_file = tmp_path / "s.ndjson"
    r = cli([tmp_path / "in", "--out-dir", tmp_path / "out", "--summary-file", summary_file, "--report", "none"])
    assert r.exit_code == 1 and "unknown mlm version 2.0.0" in r.stderr
    (line,), summary = read_summary(summary_file)
    assert line["status"] == "failed" and (summary["failed"], summary["unchanged"]) == (1, 0)
    d = CliRunner().invoke(main, ["detect", str(tmp_path / "in" / "v2.json")])
    assert d.exit_code == 1 and d.stdout == "" and "unknown mlm version 2.0.0" in d.stderr


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--out-dir", "OUT", "--in-place"], "exclude each other"),
        (["-o", "x.json"], "--out-dir"),
        ([], "--in-place"),
        (["--out-dir", "OUT", "--backup-dir", "B"], "--backup-dir goes with --in-place"),
        (["--out-dir", "OUT", "--report-file", "r.json"], "--summary-file"),
        (["--out-dir", "OUT", "--jobs", "0"], "jobs"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, extra: list[str], message: str) -> None:
    d = _dir_with_bad_document(tmp_path)
    args = [str(tmp_path / a) if a in ("OUT", "B", "x.json", "r.json") else a for a in extra]
    r = cli([d, *args])
    assert r.exit_code == 2
    assert message in r.stderr


# ------------------------------------------------------------------------------------------------------------
# Crash safety


KILL_ITEMS = 40


def _run_cli(root: Path, *args: object) -> subprocess.Popen:
    code = "import sys; from crosswalk.cli.main import dlm_migrate; sys.argv[0] = 'dlm-migrate'; dlm_migrate()"
    return subprocess.Popen(
        [sys.executable, "-c", code, str(root), *map(str, args), "--no-validate", "--report", "none"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _started(proc: subprocess.Popen, top: Path) -> float:
    """Wait until the run has started writing (its run marker, the tree's lock, exists at ``top``)."""
    marker = top / bulk._MARKER
    while not marker.exists():
        assert proc.poll() is None, "the run ended before it started writing"
        time.sleep(0.002)
    return time.monotonic()


def _visible(tree: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in tree.items() if not k.split("/")[-1].startswith(".")}


def _kill_trials(tmp_path: Path, mode: str, jobs: list[int]) -> int:
    """One SIGKILL per entry of ``jobs`` (the run's --jobs) at a random moment of a ``mode`` run (in-place or
    out-dir); after each, every file is parseable and either as it was or fully converted, and a rerun finishes
    the job and leaves no temporary file. Returns how many kills landed in the middle of the writes."""
    pristine = tmp_path / "pristine"
    if not pristine.exists():
        make_catalog(pristine / "cat", KILL_ITEMS)
    reference = tmp_path / "reference"
    if not reference.exists():
        bulk.migrate([str(pristine / "cat" / "catalog.json")], out_dir=str(reference), validate=False)
    original, upgraded = snapshot(pristine / "cat"), snapshot(reference)
    assert set(original) == set(upgraded)

    def start(work: Path, j: int) -> tuple[subprocess.Popen, Path]:
        root = work / "cat" / "catalog.json"
        if mode == "in-place":
            return _run_cli(root, "--in-place", "--jobs", j), work / "cat"
        return _run_cli(root, "--out-dir", work / "out", "--jobs", j), work / "out"

    durations = {}
    for j in sorted(set(jobs)):  # calibrate: how long the writing phase takes here; kills land anywhere in it
        work = tmp_path / f"calibrate-{mode}-{j}"
        shutil.copytree(pristine, work)
        proc, top = start(work, j)
        t0 = _started(proc, top)
        assert proc.wait(timeout=300) == 0
        durations[j] = time.monotonic() - t0
        assert snapshot(work / "cat" if mode == "in-place" else work / "out") == upgraded

    rng = random.Random(20240605)
    partial = 0
    for trial, j in enumerate(jobs):
        work = tmp_path / f"trial-{mode}-{trial}"
        shutil.copytree(pristine, work)
        proc, top = start(work, j)
        _started(proc, top)
        time.sleep(rng.uniform(0.0, 1.0) * durations[j])
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        root = work / "cat" / "catalog.json"
        if mode == "in-place":
            real = _visible(snapshot(work / "cat"))
            assert set(real) == set(original)
            for rel, data in real.items():
                json.loads(data)  # parseable
                assert data in (original[rel], upgraded[rel]), rel
            partial += 0 < sum(real[k] != original[k] for k in real) < len(real)
            backups = work / "cat.bak"
            if backups.exists():
                for rel, data in _visible(snapshot(backups)).items():
                    assert data == original[rel], rel
            # the rerun completes the job and cleans up
            result = bulk.migrate([str(root)], in_place=True, validate=False)
            assert result.summary["failed"] == 0
            assert snapshot(work / "cat") == upgraded
            assert snapshot(backups) == {k: original[k] for k in original if original[k] != upgraded[k]}
            assert not [p for p in (work / "cat").rglob(".*")]
        else:
            assert snapshot(work / "cat") == original  # the input is never touched
            written = _visible(snapshot(work / "out")) if (work / "out").exists() else {}
            for rel, data in written.items():
                json.loads(data)
                assert data == upgraded[rel], rel  # a file in the mirror is complete
            partial += 0 < len(written) < len(upgraded)
            result = bulk.migrate([str(root)], out_dir=str(work / "out"), validate=False)
            assert result.summary["failed"] == 0
            assert snapshot(work / "out") == upgraded  # no temporary file, no marker left
    return partial


@pytest.mark.slow  # minutes of CPU on the 2-core machine: CI runs it
def test_killed_in_place_runs_leave_every_file_whole_and_a_rerun_finishes(tmp_path: Path) -> None:
    partial = _kill_trials(tmp_path, "in-place", [1, 2, 1, 2, 2])
    assert partial >= 1, "no kill landed in the middle of the writes; the test proved nothing"


def _workers_of(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux: /proc)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in children.read_text().split()] if children.exists() else []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the workers through /proc")
@pytest.mark.parametrize("mode", ["out-dir", "in-place"])
def test_a_worker_killed_mid_run_stops_the_run_with_one_line_instead_of_hanging(tmp_path: Path, mode: str) -> None:
    """A worker killed by a signal (the out-of-memory killer, say) made multiprocessing's pool wait forever for
    the task it held. The run now stops: exit 1, one error line, every file whole, no temporary file left, and a
    rerun finishes the job."""
    make_catalog(tmp_path / "pristine" / "cat", KILL_ITEMS)
    reference = tmp_path / "reference"
    bulk.migrate([str(tmp_path / "pristine" / "cat" / "catalog.json")], out_dir=str(reference), validate=False)
    original, upgraded = snapshot(tmp_path / "pristine" / "cat"), snapshot(reference)
    shutil.copytree(tmp_path / "pristine", tmp_path / "work")
    root = tmp_path / "work" / "cat" / "catalog.json"
    top = tmp_path / "work" / ("cat" if mode == "in-place" else "out")
    where = ["--in-place"] if mode == "in-place" else ["--out-dir", top]
    code = "import sys; from crosswalk.cli.main import dlm_migrate; sys.argv[0] = 'dlm-migrate'; dlm_migrate()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, root, *where, "--jobs", "2", "--no-validate"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    while len(workers := _workers_of(proc.pid)) < 2:
        assert proc.poll() is None, "the run ended before its workers started"
        time.sleep(0.001)
    os.kill(workers[0], signal.SIGKILL)
    try:
        _, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the run hung after a worker was killed")
    assert proc.returncode == 1, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "worker process died" in errors[0], stderr
    assert "Traceback" not in stderr
    after = snapshot(top)
    assert not [k for k in after if k.split("/")[-1].startswith(".")]  # no temporary file, no lock left
    for rel, data in after.items():
        assert data in (original[rel], upgraded[rel]), rel  # every file whole: as it was or converted
    if mode == "in-place":
        assert bulk.migrate([str(root)], in_place=True, validate=False).summary["failed"] == 0
    else:
        assert bulk.migrate([str(root)], out_dir=str(top), validate=False).summary["failed"] == 0
    assert snapshot(top) == upgraded


@pytest.mark.slow
def test_ten_in_place_and_three_out_dir_kills_with_two_workers(tmp_path: Path) -> None:
    partial = _kill_trials(tmp_path, "in-place", [2] * 10)
    assert partial >= 3, f"only {partial} of 10 kills landed in the middle of the writes"
    partial = _kill_trials(tmp_path, "out-dir", [2] * 3)
    assert partial >= 1, "no out-dir kill landed in the middle of the writes"


def test_an_ndjson_file_with_a_byte_order_mark_is_read_whole_and_keeps_it(tmp_path: Path) -> None:
    """Some Windows tools start a text file with a byte order mark; its first line failed as not JSON."""
    from crosswalk.bulk.inputs import iter_documents

    doc = json.loads((CORPORA / "ml-model" / "spec-dummy-item.json").read_text(encoding="utf-8"))
    src = tmp_path / "in" / "items.ndjson"
    src.parent.mkdir()
    src.write_bytes(b"\xef\xbb\xbf" + (json.dumps(doc) + "\n" + json.dumps({**doc, "id": "two"}) + "\n").encode())
    result = bulk.migrate([str(src.parent)], out_dir=str(tmp_path / "out"), validate=False, progress=False)
    assert (result.summary["converted"], result.summary["failed"]) == (2, 0)
    assert (tmp_path / "out" / "items.ndjson").read_bytes().startswith(b"\xef\xbb\xbf{")
    assert [d.error for d in iter_documents([str(src)])] == [None, None]


def test_the_summary_line_counts_in_the_singular_and_the_plural():
    assert bulk.render_summary({"documents": 1, "files": 1, "written": 1}).startswith(
        "1 document in 1 file, 1 file written")
    assert bulk.render_summary({"documents": 2, "files": 2, "written": 0}).startswith(
        "2 documents in 2 files, 0 files written")
    # a run written as one file (-o) has no files written in a tree to count: its own line says what it wrote
    assert bulk.render_summary({"documents": 2, "files": 2}).splitlines()[0] == "2 documents in 2 files"


def test_a_jsonc_file_in_a_directory_is_read_and_written_back_as_strict_json(tmp_path: Path) -> None:
    """JSON with comments (.jsonc) is read as one file named alone is; in a mirror it is not left out."""
    src = tmp_path / "in"
    src.mkdir()
    old = (CORPORA / "ml-model" / "spec-dummy-item.json").read_text()
    (src / "model.jsonc").write_text("// an old dlm file\n" + old)
    r = cli([src, "--out-dir", tmp_path / "out", "--no-validate", "--report", "json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stderr.splitlines()[-1])["summary"]["converted"] == 1
    assert "mlm:input" in json.loads((tmp_path / "out" / "model.jsonc").read_text())["properties"]


def test_quiet_draws_no_progress_bar(tmp_path: Path, monkeypatch) -> None:
    """-q prints only errors: the progress bar (drawn when stderr is a terminal) is none."""
    asked = []
    real = bulk.migrate

    def migrate(*args, **kwargs):
        asked.append(kwargs.get("progress"))
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk, "migrate", migrate)
    _write(tmp_path / "in" / "a.json", _item(ML_MODEL[0], 1, []))
    assert cli([tmp_path / "in", "--dry-run", "-q"]).exit_code == 0
    assert cli([tmp_path / "in", "--dry-run"]).exit_code == 0
    assert asked == [False, None]  # None: a bar when stderr is a terminal
