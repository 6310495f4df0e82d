"""What a report says is true of the output: statuses, reasons, steps, the verdict and the bulk counts.

Each expected value here comes from the document and the contract (README "The report"), not from a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPORA, SHARED
from test_report_schema import line_problems, report_problems

import crosswalk
from crosswalk import pipeline
from crosswalk.cli.main import dlm_migrate, main
from crosswalk.detection import detect
from crosswalk.engine.report import render
from crosswalk.language import pointer

KEEP = "kept for round trip (--keep-source)"
RAMP = SHARED / "corpora" / "real" / "mlm" / "hotosm__fAIr-models__models__ramp__stac-item.json"
GOLD_COLLECTION = CORPORA / "ml-model" / "agrifieldnet-gold-collection.json"
DUMMY = CORPORA / "ml-model" / "spec-dummy-item.json"
NEWER = CORPORA / "producers" / "stac-model-0.7.0-eurosat_resnet.json"  # MLM 1.6.0, newer than the newest known
BETA3_EXAMPLE = SHARED / "specs" / "dlm" / "v1.0.0-beta.3" / "examples" / "item.json"


def _load(path: Path) -> dict:
    if path.is_relative_to(SHARED) and not path.is_file():  # the project's own tests stand alone
        pytest.skip(f"needs the shared reference data ({path.relative_to(SHARED)})")
    return json.loads(path.read_text(encoding="utf-8"))


def _has(doc: dict, ptr: str) -> bool:
    return pointer.exists(doc, pointer.parse_pointer(ptr))


# -- a field kept for a round trip, then dropped -----------------------------------------------------------------
@pytest.mark.parametrize("target", ["mlm@1.1.0", "mlm@1.0.0"])
def test_a_field_kept_for_a_round_trip_and_dropped_later_says_both_in_that_order(target: str) -> None:
    """The ramp Item's source-code asset carries mlm:entrypoint. On the way down to MLM 1.2 --keep-source keeps
    it (MLM 1.2 has no entrypoint); MLM 1.0/1.1 allow only model artefacts as assets, so the asset and the kept
    field with it are gone from the output. The entry is dropped, and its reason must not read as if the field
    were kept."""
    source = _load(RAMP)
    assert "mlm:entrypoint" in source["assets"]["source-code"]
    result = pipeline.convert(source, href="ramp.json", to=target, keep_source=True)
    assert not _has(result.document, "/assets/source-code")
    entry = next(e for e in result.report["fields"] if e["path"] == "/assets/source-code/mlm:entrypoint")
    assert entry["status"] == "dropped"
    assert entry["reason"].startswith(f"{KEEP} by an earlier step, then dropped; ")
    assert "no place before MLM 1.2" in entry["reason"]


def test_no_dropped_entry_says_only_that_it_was_kept() -> None:
    """Over the real MLM documents to every older MLM with --keep-source: a dropped entry names the keeping only
    as what happened before it was dropped."""
    seen = 0
    if not (SHARED / "corpora" / "real" / "mlm").is_dir():
        pytest.skip("needs the shared reference data (corpora/real/mlm)")
    for path in sorted((SHARED / "corpora" / "real" / "mlm").glob("hotosm*.json")):
        for target in ("mlm@1.1.0", "mlm@1.0.0"):
            result = pipeline.convert(_load(path), href=path.name, to=target, keep_source=True)
            for e in result.report["fields"]:
                if e["status"] == "dropped" and KEEP in e.get("reason", ""):
                    seen += 1
                    assert f"{KEEP} by an earlier step, then dropped" in e["reason"], e
                    assert not _has(result.document, e["path"]), e
    assert seen >= 2


# -- a conversion that changes nothing ------------------------------------------------------------------------------
def _dlm_collection() -> dict:
    """An ml-model Collection converted to dlm: a Collection has no dlm fields, so it carries the dl-model URI alone
    and reads back as dlm beta.3."""
    return pipeline.convert(_load(GOLD_COLLECTION), href="gold.json", to="dlm").document


def test_a_dlm_collection_converted_to_dlm_again_reports_that_nothing_changed() -> None:
    first = _dlm_collection()
    again = pipeline.convert(first, href="dlm.json", to="dlm")
    assert json.dumps(again.document) == json.dumps(first)  # the bytes, as the README promises for reruns
    report = again.report
    assert report["source"]["format"] == "dlm-beta@1.0.0-beta.3" and report["target"]["format"] == "dlm@1.0.0-draft"
    # the plan still runs through the latest MLM (the steps chain), but every leaf comes back as it was
    assert report["steps"] == ["dlm-beta@1.0.0-beta.3 -> mlm@1.5.2", "mlm@1.5.2 -> dlm@1.0.0-draft"]
    assert report["fields"] == [{"path": "", "status": "kept"}]
    leaves = sum(1 for _ in pointer.leaves(first))
    assert report["summary"] == {"kept": leaves, "moved": 0, "transformed": 0, "lossy": 0, "dropped": 0,
                                 "invented": 0, "repaired": 0, "filled": 0}
    assert not again.changed
    assert render(report, "text").splitlines()[0] == (
        "dlm.json: dlm-beta@1.0.0-beta.3 -> dlm@1.0.0-draft (2 steps and changed nothing)")


def test_no_leaf_is_reported_moved_or_transformed_to_its_own_place_unchanged() -> None:
    """A leaf a step rewrote and a later one wrote back (the dl-model URI, through MLM's and back) is at its own
    place with its own value: kept. "moved" says a new place, "transformed" a new form; neither is true then."""
    documents = [("dlm-again.json", _dlm_collection())]
    documents += [(p.name, _load(p)) for p in sorted((CORPORA / "dlm-beta").glob("*.json"))]
    documents += [(p.name, _load(p)) for p in sorted((CORPORA / "dlm").glob("*-item.json"))[:2]]
    for name, source in documents:
        for target, keep in [(t, k) for t in ("dlm", "dlm-beta@1.0.0-beta.3", "mlm@1.4.0", "ml-model") for k in (0, 1)]:
            result = pipeline.convert(source, href=name, to=target, keep_source=bool(keep))
            for e in result.report["fields"]:
                if e["status"] in ("moved", "transformed") and e["to"] == [e["path"]]:
                    path = pointer.parse_pointer(e["path"])
                    assert pointer.get(result.document, path) != pointer.get(source, path), (name, target, e)
    assert len(documents) >= 4


def test_a_bulk_rerun_of_a_dlm_collection_counts_it_unchanged(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "collection.json").write_text(json.dumps(_dlm_collection(), indent=2), encoding="utf-8")
    before = (tree / "collection.json").read_bytes()
    lines = tmp_path / "summary.ndjson"
    r = CliRunner().invoke(dlm_migrate, [str(tree), "--in-place", "--to", "dlm", "--backup-dir", str(tmp_path / "bak"),
                                         "-j", "1", "--summary-file", str(lines), "--report", "json"])
    assert r.exit_code == 0, r.stderr
    counts = json.loads(r.stderr.strip().splitlines()[-1])["summary"]
    assert (counts["converted"], counts["unchanged"], counts["written"]) == (0, 1, 0)
    assert (tree / "collection.json").read_bytes() == before
    doc_line = json.loads(lines.read_text(encoding="utf-8").splitlines()[0])
    assert doc_line["status"] == "unchanged" and len(doc_line["steps"]) == 2
    assert line_problems(doc_line) == []  # steps that changed nothing: an unchanged line may have them


def test_a_bulk_rerun_that_writes_nothing_does_not_say_invalid_documents_were_written(tmp_path: Path) -> None:
    """An invalid MLM 1.5.2 Item already in the target format is left as it is: it is invalid, not written."""
    tree = tmp_path / "tree"
    tree.mkdir()
    doc = _load(CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json")
    first = pipeline.convert(doc, href="x", to="mlm").document
    first["properties"]["mlm:total_parameters"] = "many"  # no schema allows text there
    (tree / "invalid.json").write_text(json.dumps(first), encoding="utf-8")
    r = CliRunner().invoke(dlm_migrate, [str(tree), "--in-place", "--backup-dir", str(tmp_path / "bak"), "-j", "1"])
    assert r.exit_code == 1
    assert "error: unchanged, but invalid: 1 document (--summary-file FILE lists them)" in r.stderr
    assert "written, but invalid" not in r.stderr


# -- --fill values no rule asked for ---------------------------------------------------------------------------------
def test_a_fill_value_no_rule_invented_names_the_fill_step() -> None:
    """The last mapping that ran (the target's invariants) did not set /properties/extra; --fill did, after it."""
    result = crosswalk.convert(_load(DUMMY), fill={"*": {"/properties/extra": 1}}).report.to_dict()
    assert report_problems(result) == []
    entry = next(e for e in result["fields"] if e["path"] == "/properties/extra")
    assert entry == {"path": "/properties/extra", "status": "filled", "step": "fill", "reason": "from --fill"}


def test_a_fill_value_taken_instead_of_an_invented_one_names_the_step_that_needed_it() -> None:
    """ml-model has no input tensor; the ml-model -> MLM edge invents mlm:input, and takes the --fill value instead."""
    value = [{"name": "rgb", "bands": [], "input": {"shape": [-1, 3, 64, 64], "data_type": "float32",
                                                   "dim_order": ["batch", "channel", "height", "width"]}}]
    result = crosswalk.convert(_load(DUMMY), fill={"*": {"/properties/mlm:input": value}}).report.to_dict()
    entry = next(e for e in result["fields"] if e["path"] == "/properties/mlm:input")
    assert (entry["status"], entry["step"]) == ("filled", "ml-model_1.0.0__mlm_1.5.2")


# -- a version newer than the newest known ---------------------------------------------------------------------------
@pytest.mark.parametrize("target, steps", [
    ("mlm@1.5.2", ["mlm@1.6.0 -> mlm@1.5.2"]),
    ("mlm@1.5.1", ["mlm@1.6.0 -> mlm@1.5.2", "mlm@1.5.2 -> mlm@1.5.1"]),
    ("ml-model", ["mlm@1.6.0 -> mlm@1.5.2", "mlm@1.5.2 -> ml-model@1.0.0"]),
])
def test_the_steps_of_a_newer_document_begin_at_its_own_version(target: str, steps: list[str]) -> None:
    report = pipeline.convert(_load(NEWER), href="new.json", to=target).report
    assert report["source"]["format"] == "mlm@1.6.0" and report_problems(report) == []
    assert report["steps"] == steps
    assert {e["step"] for e in report["fields"] if e.get("step", "").endswith(".newer")} == {"mlm.newer"}


def test_a_newer_document_passed_to_its_family_claims_no_schema_it_did_not_check() -> None:
    report = pipeline.convert(_load(NEWER), href="new.json", to="mlm").report
    assert (report["source"]["format"], report["target"]["format"], report["steps"]) == ("mlm@1.6.0", "mlm@1.6.0", [])
    text = render(report, "text")
    assert "valid against mlm@1.6.0" not in text
    assert "output valid against the schemas known offline (mlm@1.6.0 has none: not checked)" in text
    markdown = render(report, "markdown")
    assert "Valid: **yes** (against the schemas known offline: mlm@1.6.0 has none, not checked)" in markdown


# -- the Python API ---------------------------------------------------------------------------------------------------
def test_field_entry_to_tells_a_removed_value_from_an_entry_without_to() -> None:
    """MLM 1.2.0's classification classes carry title/nodata keys MLM 1.5 has no place for: the repairs remove
    them (`to: []`); the untouched rest is kept at its own place (no `to`)."""
    fields = crosswalk.convert(_load(CORPORA / "mlm" / "spec-1.2.0-item_eo_bands.json")).report.fields
    removed = next(f for f in fields if f.path.endswith("/classification_classes/0/title"))
    assert (removed.status, removed.to) == ("repaired", ())
    root = next(f for f in fields if f.path == "")
    assert (root.status, root.to) == ("kept", None)


# -- detection --------------------------------------------------------------------------------------------------------
def test_a_beta3_uri_over_beta2_fields_is_read_as_beta2_and_says_why() -> None:
    """The beta.3 schema requires dlm:data.data_type; the beta.3 example still writes beta.2's dtype and
    nodata_value. Read by its fields, it takes the step that renames them; the evidence names the URI too."""
    doc = _load(BETA3_EXAMPLE)
    assert "/v1.0.0-beta.3/" in doc["stac_extensions"][0] and "dtype" in doc["properties"]["dlm:data"]
    found = detect(doc)
    assert str(found.format) == "dlm-beta@1.0.0-beta.2"
    assert "1.0.0-beta.3 schema URI" in found.evidence[0] and "requires data_type" in found.evidence[0]
    short = detect(_load(CORPORA / "dlm-beta" / "cccot03-thelper-item.json"))  # the short id names no version
    assert str(short.format) == "dlm-beta@1.0.0-beta.2" and short.evidence == ("dlm:data without data_type/nodata",)


def test_detect_says_once_that_a_version_is_newer() -> None:
    r = CliRunner().invoke(main, ["detect", str(NEWER)])
    assert r.exit_code == 0
    assert r.stdout.count("newer than the newest known") == 1
