"""Repairs and target invariants: producers' defects with one clear fix, extension URIs decided by their schemas,
Collection summaries in STAC's JSON-Schema form, --fill for any output pointer, versions newer than the newest
known. Each test names the behaviour it pins; inputs are the project's producer corpus (made with stac-model and
pystac, see corpora/producers/SOURCES.md) or the official MLM examples."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from conftest import CORPORA, SHARED, needs_shared
from test_downgrade import entry

from crosswalk import pipeline
from crosswalk.detection import detect
from crosswalk.io.documents import dumps, read_document
from crosswalk.validation.validator import check

PRODUCERS = CORPORA / "producers"
MLM_152 = "https://stac-extensions.github.io/mlm/v1.5.2/schema.json"


def load(name: str) -> dict:
    return read_document(str(PRODUCERS / name))


def entries(result, path: str) -> list[dict]:
    return [e for e in result.report["fields"] if e["path"] == path]


def errors(doc: dict) -> list:
    return [i for i in check(doc) if i.severity == "error"]


# -- Collection summaries ---------------------------------------------------------------------------------------
def test_list_summaries_are_written_as_json_schema_and_reported_transformed() -> None:
    source = load("pystac-1.15.2-mlm-collection.json")
    assert errors(source)  # the list summaries pystac writes fail the MLM schema
    result = pipeline.convert(source, verify=True)
    summaries = result.document["summaries"]
    assert summaries["mlm:tasks"] == {
        "type": "array",
        "items": {"type": "string", "enum": ["classification", "segmentation"]},
    }  # an array field: the enum constrains its items
    assert summaries["mlm:architecture"] == {"type": "string", "enum": ["ResNet", "U-Net"]}
    assert result.valid and not result.report["issues"]
    for i in range(2):
        (entry,) = entries(result, f"/summaries/mlm:tasks/{i}")
        assert entry["status"] == "transformed" and entry["to"] == ["/summaries/mlm:tasks"]
    assert not result.report["summary"]["invented"]


def test_no_summary_warning_excuses_an_invalid_collection() -> None:
    doc = load("pystac-1.15.2-mlm-collection.json")
    doc["stac_extensions"] = [MLM_152]
    found = errors(doc)
    assert found and all("upstream" not in i.message for i in found)


# -- short extension ids ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("short", "uri"),
    [
        ("file", "https://stac-extensions.github.io/file/v1.0.0/schema.json"),
        ("eo", "https://stac-extensions.github.io/eo/v1.1.0/schema.json"),
        ("proj", "https://stac-extensions.github.io/projection/v1.1.0/schema.json"),
        ("view", "https://stac-extensions.github.io/view/v1.0.0/schema.json"),
    ],
)
def test_short_extension_ids_become_uris_whatever_the_source_version(short: str, uri: str) -> None:
    doc = load("stac-model-0.6.1-eurosat_resnet.json")  # MLM 1.5.2: an empty plan
    doc["stac_extensions"] = [u for u in doc["stac_extensions"] if u != uri]
    doc["stac_extensions"].insert(0, short)
    result = pipeline.convert(doc, verify=True)
    assert short not in result.document["stac_extensions"]
    assert uri in result.document["stac_extensions"]
    (entry,) = entries(result, "/stac_extensions/0")
    assert entry["status"] == "transformed"


def test_a_core_short_id_is_dropped() -> None:
    doc = load("stac-model-0.6.1-eurosat_resnet.json")
    doc["stac_extensions"].append("collection-assets")
    result = pipeline.convert(doc, verify=True)
    assert "collection-assets" not in result.document["stac_extensions"]
    assert entries(result, f"/stac_extensions/{len(doc['stac_extensions']) - 1}")[0]["status"] == "dropped"


def test_a_short_id_whose_uri_is_listed_too_is_dropped_not_repeated() -> None:
    """Two spellings of one extension (the short id and its URI, or two short ids) leave the URI once."""
    doc = load("stac-model-0.6.1-eurosat_resnet.json")
    eo = "https://stac-extensions.github.io/eo/v1.1.0/schema.json"
    doc["stac_extensions"] = ["eo", *[u for u in doc["stac_extensions"] if u != eo], eo, "proj", "projection"]
    result = pipeline.convert(doc, verify=True)
    uris = result.document["stac_extensions"]
    assert uris.count(eo) == 1 and uris.count("https://stac-extensions.github.io/projection/v1.1.0/schema.json") == 1
    assert "eo" not in uris and "proj" not in uris and "projection" not in uris
    (entry,) = entries(result, "/stac_extensions/0")
    assert (entry["status"], entry["reason"]) == ("dropped", "STAC 1.0 lists extensions by schema URI")


# -- repairs and invariants on an empty plan ----------------------------------------------------------------------
def test_a_clean_document_at_the_target_is_a_no_op() -> None:
    doc = load("stac-model-0.6.1-eurosat_resnet.json")
    result = pipeline.convert(doc, verify=True)
    assert result.steps == [] and not result.changed
    assert result.document == doc
    assert set(result.report["summary"].values()) - {0} == {result.report["summary"]["kept"]}


MLM_152_EXAMPLES = sorted((SHARED / "specs/mlm/v1.5.2/examples").glob("item_*.json")) if SHARED.is_dir() else []


@needs_shared
@pytest.mark.parametrize("src", MLM_152_EXAMPLES, ids=lambda p: p.name)
def test_official_examples_at_the_target_are_repaired_and_reruns_change_nothing(src: Path) -> None:
    doc = read_document(str(src))
    result = pipeline.convert(doc, verify=True)
    assert result.steps == []
    assert not errors(result.document), errors(result.document)
    text = json.dumps(result.document)
    assert "classification_classes" not in text and "norm_by_channel" not in text
    if errors(doc):  # 9 of the 11 examples are invalid as published: the repairs must show
        summary = result.report["summary"]
        assert result.changed and (summary["repaired"] or summary["dropped"])
    again = pipeline.convert(result.document, verify=True)
    assert dumps(again.document) == dumps(result.document) and not again.changed


# -- extension URIs decided by their schemas -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["eo/v1.1.0", "raster/v1.1.0", "file/v2.1.0", "classification/v1.1.0", "ml-aoi/v0.2.0"]
)
def test_a_declared_extension_without_fields_stays_when_its_schema_accepts_that(name: str) -> None:
    doc = load("stac-model-0.6.1-eurosat_resnet.json")
    doc["assets"]["model"].pop("file:size")
    doc["assets"]["model"].pop("eo:bands")
    for out in doc["properties"]["mlm:output"]:
        out.pop("classification:classes", None)
    uri = f"https://stac-extensions.github.io/{name}/schema.json"
    if uri not in doc["stac_extensions"]:
        doc["stac_extensions"].append(uri)
    result = pipeline.convert(doc, verify=True)
    assert uri in result.document["stac_extensions"]
    assert not [
        e for e in result.report["fields"] if e["path"].startswith("/stac_extensions/") and e["status"] == "dropped"
    ]


def test_a_declared_extension_its_schema_rejects_without_fields_is_dropped() -> None:
    doc = load("stac-model-0.6.1-eurosat_resnet.json")
    doc["stac_extensions"].append("https://stac-extensions.github.io/scientific/v1.0.0/schema.json")
    result = pipeline.convert(doc, verify=True)
    assert "https://stac-extensions.github.io/scientific/v1.0.0/schema.json" not in result.document["stac_extensions"]
    (entry,) = entries(result, "/stac_extensions/3")
    assert entry["status"] == "dropped" and "sci:" in entry["reason"]


@needs_shared
def test_an_extension_uri_the_fields_need_is_added_and_reported() -> None:
    doc = read_document(str(SHARED / "specs/mlm/v1.5.2/examples/item_raster_bands.json"))
    doc["stac_extensions"] = [u for u in doc["stac_extensions"] if "/raster/" not in u]
    assert errors(doc)  # MLM checks band references against raster:bands only when raster is declared
    result = pipeline.convert(doc, verify=True)
    raster = "https://stac-extensions.github.io/raster/v1.1.0/schema.json"
    i = result.document["stac_extensions"].index(raster)
    (entry,) = entries(result, f"/stac_extensions/{i}")
    assert entry["status"] == "invented" and "raster:" in entry["reason"]
    assert result.valid


def test_fields_valid_without_their_uri_get_none_added() -> None:
    doc = load("stac-model-0.6.1-eurosat_resnet.json")  # classification:classes inside mlm:output, no URI
    assert "classification" not in json.dumps(doc["stac_extensions"])
    assert "classification" not in json.dumps(pipeline.convert(doc).document["stac_extensions"])


# -- detection: an mlm:* role is MLM evidence ------------------------------------------------------------------
def _role_only_collection() -> dict:
    doc = load("pystac-1.15.2-mlm-collection.json")
    doc["stac_extensions"] = ["https://stac-extensions.github.io/item-assets/v1.0.0/schema.json"]
    doc.pop("summaries")
    return doc


def test_an_mlm_role_is_mlm_evidence() -> None:
    detection = detect(_role_only_collection())
    assert detection.format.family == "mlm" and "mlm:* asset roles" in detection.evidence


def test_single_and_bulk_mode_agree_on_a_collection_whose_only_ml_trace_is_a_role(tmp_path: Path) -> None:
    from crosswalk.bulk import tree as bulk

    doc = _role_only_collection()
    src = tmp_path / "in" / "collection.json"
    src.parent.mkdir()
    src.write_text(json.dumps(doc))
    single = pipeline.convert_file(str(src))
    assert single.ok and single.valid
    run = bulk.migrate([str(src)], out_dir=str(tmp_path / "out"), progress=False)
    assert not run.failures and run.summary["invalid"] == 0
    written = tmp_path / "out" / "collection.json"
    bulk_doc = json.loads(written.read_text()) if written.exists() else doc
    assert bulk_doc == single.document


# -- producers' defects -------------------------------------------------------------------------------------------
def test_pystac_mlm_api_defects_are_repaired() -> None:
    source = load("pystac-1.15.2-mlm-api-item.json")
    result = pipeline.convert(source, verify=True)
    props = result.document["properties"]
    asset = result.document["assets"]["weights"]
    assert {"mlm:name", "mlm:architecture", "mlm:tasks", "mlm:input", "mlm:output"} <= set(props)
    assert not {"mlm:name", "mlm:input", "mlm:output"} & set(asset)
    inp = props["mlm:input"][0]
    assert inp["value_scaling"] == [{"type": "scale", "value": 10000}]  # the number is untouched
    assert inp["resize_type"] == "interpolation-linear"
    statuses = {e["path"]: e for e in result.report["fields"]}
    for path in (
        "/assets/weights/mlm:name",
        "/assets/weights/mlm:input/0/value_scaling",
        "/assets/weights/mlm:input/0/resize_type",
    ):
        assert statuses[path]["status"] == "repaired", path
    assert statuses["/assets/weights/mlm:input/0/value_scaling"]["to"] == ["/properties/mlm:input/0/value_scaling/0"]
    assert result.valid, result.report["issues"]


def test_model_fields_on_one_of_several_model_assets_stay_and_say_why() -> None:
    doc = load("pystac-1.15.2-mlm-api-item.json")
    doc["assets"]["onnx"] = {"href": "https://example.com/m.onnx", "roles": ["mlm:model"], "mlm:artifact_type": "onnx"}
    result = pipeline.convert(doc, verify=True)
    assert "mlm:name" in result.document["assets"]["weights"]
    assert "mlm:name" not in result.document["properties"]
    (entry,) = entries(result, "/assets/weights/mlm:name")
    assert "2 model assets" in entry["reason"]
    assert not result.valid  # MLM 1.5.2 still forbids them there: invalid, and said so


def test_null_bbox_beside_null_geometry_is_dropped_as_a_repair() -> None:
    doc = load("pystac-1.15.2-mlm-api-item.json")
    doc["bbox"] = None
    result = pipeline.convert(doc, verify=True)
    assert "bbox" not in result.document
    (entry,) = entries(result, "/bbox")
    assert entry["status"] == "repaired"


def test_class_fields_outside_the_classification_schema() -> None:
    doc = load("stac-model-0.6.1-eurosat_resnet.json")
    classes = doc["properties"]["mlm:output"][0]["classification:classes"]
    classes[0]["title"] = None
    classes[1]["title"] = classes[1]["name"]
    classes[2]["title"] = "something else entirely"
    classes[3]["nodata"] = False
    result = pipeline.convert(doc, verify=True)
    out = result.document["properties"]["mlm:output"][0]["classification:classes"]
    assert all(set(c) <= {"value", "name", "description", "color_hint"} for c in out)
    base = "/properties/mlm:output/0/classification:classes"
    assert entries(result, f"{base}/0/title")[0]["status"] == "repaired"
    assert entries(result, f"{base}/1/title")[0]["status"] == "repaired"
    assert entries(result, f"{base}/2/title")[0]["status"] == "dropped"  # information lost: said so
    assert entries(result, f"{base}/3/nodata")[0]["status"] == "repaired"


# -- --fill any output pointer ----------------------------------------------------------------------------------
def test_fill_supplies_a_field_crosswalk_would_not_invent() -> None:
    doc = load("stac-model-0.6.1-eurosat_resnet.json")
    doc["properties"].pop("datetime")  # openeo-core writes none
    assert errors(doc)
    fill = {"*": {"/properties/datetime": "2024-01-01T00:00:00Z"}}
    result = pipeline.convert(doc, fill=fill, verify=True)
    assert result.document["properties"]["datetime"] == "2024-01-01T00:00:00Z"
    (entry,) = entries(result, "/properties/datetime")
    assert entry["status"] == "filled"
    assert result.valid


def test_fill_replacing_a_value_reports_the_old_one() -> None:
    doc = load("stac-model-0.6.1-eurosat_resnet.json")
    old = doc["properties"]["mlm:name"]
    result = pipeline.convert(doc, fill={doc["id"]: {"mlm:name": "renamed"}}, verify=True)
    assert result.document["properties"]["mlm:name"] == "renamed"
    statuses = sorted(e["status"] for e in entries(result, "/properties/mlm:name"))
    assert statuses == ["dropped", "filled"] and old != "renamed"


def test_fill_inside_a_scalar_reports_the_scalar_dropped_not_moved() -> None:
    # its ml-model:architecture "RCNN" moves to mlm:architecture, which the pointer needs to be an object
    doc = read_document(str(CORPORA / "ml-model" / "spec-dummy-item.json"))
    result = pipeline.convert(doc, fill={"*": {"/properties/mlm:architecture/x": "y"}}, verify=True)
    assert result.ok, result.error
    assert result.document["properties"]["mlm:architecture"] == {"x": "y"}
    (old,) = entries(result, "/properties/ml-model:architecture")
    assert old["status"] == "dropped" and "--fill /properties/mlm:architecture/x" in old["reason"]
    assert entries(result, "/properties/mlm:architecture/x")[0]["status"] == "filled"


def test_fill_replaces_an_array_element_in_place() -> None:
    doc = read_document(str(CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json"))
    shape = doc["properties"]["mlm:input"][0]["input"]["shape"]
    result = pipeline.convert(doc, fill={"*": {"/properties/mlm:input/0/input/shape/1": 5}}, verify=True)
    assert result.ok, result.error  # the elements after it neither shift nor vanish
    assert result.document["properties"]["mlm:input"][0]["input"]["shape"] == [shape[0], 5, *shape[2:]]
    statuses = sorted(e["status"] for e in entries(result, "/properties/mlm:input/0/input/shape/1"))
    assert statuses == ["dropped", "filled"]


@pytest.mark.parametrize("fill", [{"/properties/mlm:input/0/input/shape/9": 5},
                                  {"/properties/mlm:input/0/input/shape/x": 5},
                                  {"/properties/mlm:input/7/name": "x"}, {3: 5}])
def test_a_fill_pointer_no_value_can_take_is_one_error_line(fill: dict) -> None:
    doc = read_document(str(CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json"))
    result = pipeline.convert(doc, fill={"*": fill})
    assert result.error is not None and type(result.error).__name__ == "FormatError"
    assert "--fill" in str(result.error) and "\n" not in str(result.error)


# -- versions newer than the newest known -----------------------------------------------------------------------
def test_a_newer_mlm_version_is_detected_as_such() -> None:
    detection = detect(load("stac-model-0.7.0-eurosat_resnet.json"))
    assert detection.newer == "1.6.0" and str(detection.format) == "mlm@1.5.2"


def test_a_newer_version_passes_unchanged_to_the_latest_with_a_warning() -> None:
    doc = load("stac-model-0.7.0-eurosat_resnet.json")
    result = pipeline.convert(doc, to="mlm", verify=True)
    assert result.ok and result.document == doc and result.unverifiable
    assert result.report["source"]["format"] == "mlm@1.6.0" and result.report["validated"] is True
    assert result.report["target"]["format"] == "mlm@1.6.0"  # the family's latest is the document's own version
    newer, offline = result.report["issues"]
    assert newer["severity"] == "warning" and "its own schema cannot be checked offline" in newer["message"]
    assert offline["severity"] == "warning" and "mlm/v1.6.0" in offline["message"]
    assert result.valid  # the STAC core and every other declared schema checked


def test_a_newer_version_is_still_held_to_the_stac_core_schema() -> None:
    """Only the newer extension's own schema is out of reach: the core and the vendored ones are checked (the
    report said --no-validate, which was never given, and called an Item without geometry valid)."""
    doc = load("stac-model-0.7.0-eurosat_resnet.json")
    del doc["geometry"]
    result = pipeline.convert(doc, to="mlm")
    assert result.ok and result.report["validated"] and not result.valid
    assert any(i["severity"] == "error" and "'geometry' is a required property" in i["message"]
               for i in result.report["issues"])


@pytest.mark.parametrize("target", ["mlm@1.5.2", "mlm@1.4.0", "ml-model", "dlm"])
def test_a_newer_version_below_it_is_read_as_the_latest_known(target: str) -> None:
    doc = copy.deepcopy(load("stac-model-0.7.0-eurosat_resnet.json"))
    doc["properties"]["mlm:future_field"] = 1
    result = pipeline.convert(doc, to=target, verify=True)
    assert result.ok and not result.unverifiable
    assert "v1.6.0" not in json.dumps(result.document)
    (uri,) = entries(result, "/stac_extensions/2")
    assert "newer" in uri["reason"]
    (unknown,) = entries(result, "/properties/mlm:future_field")
    assert unknown["status"] == "dropped" and "1.6.0" in unknown["reason"]
    assert result.valid, result.report["issues"]


def test_a_newer_major_version_is_still_refused() -> None:
    doc = load("stac-model-0.7.0-eurosat_resnet.json")
    doc["stac_extensions"][2] = "https://stac-extensions.github.io/mlm/v2.0.0/schema.json"
    result = pipeline.convert(doc)
    assert result.error is not None and "unknown mlm version 2.0.0" in str(result.error)


# -- producers' defects fixed by declarative repair rules ----------------------------------------------------
def test_nameless_providers_are_dropped_and_an_emptied_list_with_them() -> None:
    doc = load("stac-model-0.6.1-eurosat_resnet.json")
    doc["properties"]["providers"] = [{}, {"name": "ESA", "roles": ["producer"]}, {"url": "https://x.org"}]
    result = pipeline.convert(doc, verify=True)
    # STAC's provider object requires a string name
    assert result.document["properties"]["providers"] == [{"name": "ESA", "roles": ["producer"]}]
    (dropped,) = entries(result, "/properties/providers")  # two of three dropped: one entry says it
    assert (dropped["status"], dropped["reason"]) == ("dropped", "a provider without a name is invalid STAC")
    assert entries(result, "/properties/providers/1")[0]["to"] == ["/properties/providers/0"]
    doc["properties"]["providers"] = []  # nothing valid in it
    result = pipeline.convert(doc, verify=True)
    assert "providers" not in result.document["properties"]
    assert entries(result, "/properties/providers")[0]["reason"] == "no valid provider left"


def test_a_single_io_object_is_wrapped_in_a_list_as_a_repair() -> None:
    doc = load("stac-model-0.6.1-eurosat_resnet.json")
    doc["properties"]["mlm:output"] = doc["properties"]["mlm:output"][0]  # early drafts wrote one object
    result = pipeline.convert(doc, verify=True)
    assert isinstance(result.document["properties"]["mlm:output"], list)
    (entry,) = entries(result, "/properties/mlm:output")
    assert (entry["status"], entry["to"]) == ("repaired", ["/properties/mlm:output/0"])
    assert result.valid, result.report["issues"]


def test_the_classification_classes_typo_is_repaired_and_a_duplicate_dropped() -> None:
    doc = load("stac-model-0.6.1-eurosat_resnet.json")
    out = doc["properties"]["mlm:output"][0]
    classes = out.pop("classification:classes")
    out["classification_classes"] = classes
    result = pipeline.convert(doc, verify=True)
    assert result.document["properties"]["mlm:output"][0]["classification:classes"] == classes
    (entry,) = entries(result, "/properties/mlm:output/0/classification_classes")
    assert (entry["status"], entry["to"]) == ("repaired", ["/properties/mlm:output/0/classification:classes"])
    out["classification:classes"] = classes
    result = pipeline.convert(doc, verify=True)
    assert "classification_classes" not in result.document["properties"]["mlm:output"][0]
    (entry,) = entries(result, "/properties/mlm:output/0/classification_classes")
    assert (entry["status"], entry["reason"]) == ("dropped", "duplicate of classification:classes")


@needs_shared
def test_sci_citation_inside_a_publication_is_spelt_citation() -> None:
    src = SHARED / "specs/ml-model/v1.0.0/examples/cyclone-wind-speed-item.json"
    doc = read_document(str(src))
    pubs = doc["properties"]["sci:publications"]
    assert any("sci:citation" in p for p in pubs)  # the official example has the typo
    result = pipeline.convert(doc, verify=True)
    out = result.document["properties"]["sci:publications"]
    assert [p.get("citation") for p in out] == [p.get("sci:citation", p.get("citation")) for p in pubs]
    assert not any("sci:citation" in p for p in out)
    fixed = [e for e in result.report["fields"] if e["path"].endswith("/sci:citation")]
    assert fixed and all(e["status"] == "repaired" for e in fixed)
    # a Collection keeps its fields at the top level; one that already has a citation keeps both spellings
    collection = {"type": "Collection", "stac_version": "1.0.0", "id": "c", "description": "d", "license": "MIT",
                  "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [[None, None]]}},
                  "links": [], "stac_extensions": [MLM_152],
                  "sci:publications": [{"sci:citation": "A"}, {"citation": "B", "sci:citation": "C"}]}
    result = pipeline.convert(collection)
    assert result.error is None, result.error
    assert result.document["sci:publications"] == [{"citation": "A"}, {"citation": "B", "sci:citation": "C"}]


@pytest.mark.parametrize(
    "value, repaired, why",
    [
        ("2020-01-01", "2020-01-01T00:00:00Z", "date-only value; midnight UTC assumed"),
        ("2020-01-01T10:00:05", "2020-01-01T10:00:05Z", "no time zone; UTC assumed"),
        ("2020-01-01 10:00:05.5", "2020-01-01T10:00:05.5Z", "no time zone; UTC assumed"),
        ("2020-01-01T10:00", "2020-01-01T10:00:00Z", "no seconds and no time zone; :00 and UTC assumed"),
    ],
)
def test_a_repaired_timestamp_is_rfc_3339(value: str, repaired: str, why: str) -> None:
    """A timestamp reported repaired is one RFC 3339 accepts (a time without seconds was given only a zone)."""
    from rfc3339_validator import validate_rfc3339

    doc = read_document(str(CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json"))
    doc["properties"]["datetime"] = value
    result = pipeline.convert(doc, verify=True)
    assert result.document["properties"]["datetime"] == repaired and validate_rfc3339(repaired)
    (entry,) = entries(result, "/properties/datetime")
    assert (entry["status"], entry["reason"]) == ("repaired", why)
    assert not errors(result.document)


def test_a_timestamp_with_more_after_it_is_left_to_the_schema_not_repaired() -> None:
    """A value the timestamp pattern does not match in full (a trailing newline) is no naive timestamp: it stays
    as it is and the schema says it is no date-time (a time zone written after the newline was reported repaired
    and still invalid)."""
    doc = read_document(str(CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json"))
    doc["properties"]["datetime"] = "2020-01-01\n"
    result = pipeline.convert(doc, verify=True)
    assert result.document["properties"]["datetime"] == "2020-01-01\n"
    assert not any(e["status"] == "repaired" for e in entries(result, "/properties/datetime"))
    assert any(i.path == "/properties/datetime" for i in errors(result.document))


@pytest.mark.parametrize(
    "kind, version, expected, status, why",
    [
        ("Feature", ..., "1.0.0", "invented", "no stac_version; the oldest version the target supports"),
        ("Feature", None, "1.0.0", "transformed", "stac_version null became 1.0.0"),
        ("Feature", 1.0, "1.0.0", "transformed", "STAC 1.0 upgraded to 1.0.0"),
        ("Collection", "1.0.0-rc.1", "1.0.0", "transformed", "STAC 1.0.0-rc.1 upgraded to 1.0.0"),
        ("Catalog", "0.9.0", "1.0.0", "transformed", "STAC 0.9.0 upgraded to 1.0.0"),
        ("Feature", "1.0", "1.0.0", "transformed", "STAC 1.0 upgraded to 1.0.0"),
        ("Feature", "1.0.0", "1.0.0", "kept", None),
        ("Feature", "1.0.1", "1.0.1", "kept", None),
        ("Feature", "1.1.0", "1.1.0", "kept", None),
        ("FeatureCollection", "0.9.0", "0.9.0", "kept", None),
    ],
)
def test_stac_versions_before_1_0_become_1_0_0(kind: str, version, expected: str, status: str, why) -> None:
    """STAC core versions before 1.0 (betas, release candidates, a text that sorts before 1.0.0) and a missing
    or non-text one become 1.0.0 in an Item, a Collection or a Catalog; 1.0.0 and later stay."""
    from crosswalk.engine.ctx import Ctx
    from crosswalk.engine.ledger import Ledger
    from crosswalk.engine.ops import apply
    from crosswalk.language.spec import load_support

    doc = {"type": kind, "id": "x"} if version is ... else {"type": kind, "id": "x", "stac_version": version}
    ledger = Ledger(copy.deepcopy(doc))
    apply(load_support("repairs.yaml"), Ctx(doc, ledger))
    assert doc["stac_version"] == expected
    (entry,) = [e for e in ledger.entries() if e["path"] == "/stac_version"] or [{"status": "kept"}]
    assert (entry["status"], entry.get("reason")) == (status, why)


def test_band_names_in_literal_quotes_lose_them() -> None:
    """A band name in literal quotes ('"B01"', mlm-form writes them), bare or a band object's, loses the quotes;
    a lone quote or an empty pair is no quoted name."""
    doc = read_document(str(CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json"))
    doc["properties"]["mlm:input"][0]["bands"] = ['"B01"', {"name": '"B02"'}, '"', '""', '"""']
    result = pipeline.convert(doc)
    assert result.document["properties"]["mlm:input"][0]["bands"] == ["B01", {"name": "B02"}, '"', '""', '"']
    for path in ("0", "1/name", "4"):  # the most specific entry at or above it (three of five: one for the list)
        e = entry(result, f"/properties/mlm:input/0/bands/{path}")
        assert (e["status"], e["reason"]) == ("repaired", "band name wrapped in literal quotes")
    assert entry(result, "/properties/mlm:input/0/bands/2")["status"] == "kept"


def test_a_description_that_is_no_text_is_replaced_by_the_label_or_said_to_be_made_up() -> None:
    doc = load("stac-model-0.6.1-eurosat_resnet.json")
    classes = doc["properties"]["mlm:output"][0]["classification:classes"]
    classes[0]["description"] = 7
    classes[1] = {"value": classes[1]["value"], "description": None}  # nothing to take the text from
    result = pipeline.convert(doc, verify=True)
    out = result.document["properties"]["mlm:output"][0]["classification:classes"]
    base = "/properties/mlm:output/0/classification:classes"
    (named,) = entries(result, f"{base}/0/description")
    assert out[0]["description"] == classes[0]["name"] and named["reason"].endswith("taken from the label")
    (unnamed,) = entries(result, f"{base}/1/description")
    assert out[1]["description"] == f"class {classes[1]['value']}"
    assert "label" not in unnamed["reason"].replace("no label", "") and unnamed["status"] == "repaired"


# -- values repaired while reading: one entry per leaf -------------------------------------------------------------
def _recount(fields: list[dict], source: dict) -> dict[str, int]:
    """The summary's source statuses counted again from the entries, the plain slow way: every leaf of the source
    takes the status of the most specific entry at or above it; a repair with no place in the data (no ``to``: a
    comment removed, a key written twice) counts one."""
    from crosswalk.language.pointer import leaves, parse_pointer

    by_path = {}
    counts = dict.fromkeys(("kept", "moved", "transformed", "lossy", "dropped", "repaired"), 0)
    for e in fields:
        if e["status"] == "repaired" and "to" not in e:
            counts["repaired"] += 1
        elif e["status"] not in ("invented", "filled"):
            by_path[tuple(parse_pointer(e["path"]))] = e["status"]
    for path, _ in leaves(source):
        status = next(by_path[path[:n]] for n in range(len(path), -1, -1) if path[:n] in by_path)
        counts[status] += 1
    return counts


NAN_CASES = [  # (where the NaN is, what the conversion to MLM does with that field, where it goes)
    ("/properties/ml-model:architecture", "repaired", ["/properties/mlm:architecture"]),  # moved
    ("/properties/loss", "repaired", ["/properties/loss"]),  # no rule touches it: kept where it is
    ("/bbox/1", "repaired", ["/bbox/1"]),  # a leaf inside what the root's entry keeps
    ("/properties/ml-model:training-os", "dropped", None),  # MLM has no place for it: the loss is not hidden
]


@pytest.mark.parametrize(("where", "status", "to"), NAN_CASES)
def test_a_value_repaired_while_reading_is_one_entry_counted_once(tmp_path: Path, where: str, status: str,
                                                                   to: list[str] | None) -> None:
    from click.testing import CliRunner

    from crosswalk.cli.main import dlm_migrate
    from crosswalk.language.pointer import parse_pointer, put

    doc = read_document(str(CORPORA / "ml-model" / "spec-dummy-item.json"))
    put(doc, parse_pointer(where), float("nan"))
    (tmp_path / "in").mkdir()
    src = tmp_path / "in" / "item.json"
    src.write_text(json.dumps(doc), encoding="utf-8")  # json writes the bare word NaN
    repaired = copy.deepcopy(doc)
    put(repaired, parse_pointer(where), None)  # what the reader makes of it
    single = pipeline.convert_file(str(src)).report
    summary_file = tmp_path / "s.ndjson"
    r = CliRunner().invoke(dlm_migrate, [str(tmp_path / "in"), "--dry-run", "--summary-file", str(summary_file),
                                         "--report", "none"])
    assert r.exit_code in (0, 1), r.output
    bulk = json.loads(summary_file.read_text(encoding="utf-8").splitlines()[0])
    for report in (single, bulk):
        (entry,) = [e for e in report["fields"] if e["path"] == where]
        assert entry["status"] == status and entry["reason"].startswith("NaN is not JSON: replaced by null")
        assert entry.get("to") == to
        recount = _recount(report["fields"], repaired)
        assert recount == {k: report["summary"][k] for k in recount}
    assert bulk["fields"] == single["fields"] and bulk["summary"] == single["summary"]
