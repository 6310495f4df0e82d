"""A document kept in (or brought down to) the dlm beta2 layout gets the repairs its schema calls for.

The beta2 schema types every field these repairs touch as the beta.3 schema does (crosswalk's corrected copies differ
only in the schema URI, the dtype/nodata_value names and the class_name_mapping forms), and a beta2 Item is a STAC
Item like any other: assets an object of assets with a roles list, polygons with closed rings. So a beta2 target gets
the repairs of hand-written dlm files and the repairs of the beta.3 invariants, where it used to get none of them.
"""

from __future__ import annotations

import copy

import pytest
from judges import dlm_schema_map, no_network, pystac_verdict, stac_validator_verdict  # noqa: F401

from crosswalk import pipeline

pytest.importorskip("stac_validator")

TARGET = "dlm-beta@1.0.0-beta.2"
BETA2 = "https://schemas.stacspec.org/v1.0.0-beta.2/extensions/dl-model/json-schema/schema.json"
ARCHIVE = {"href": "https://example.com/model.zip", "type": "application/zip"}
SQUARE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]  # a ring written without its closing position

# A beta2 Item that breaks its schema only where a repair can mend it without a guess.
HAND_WRITTEN = {
    "stac_version": "1.0.0",
    "stac_extensions": [BETA2],
    "type": "Feature",
    "id": "unet",
    "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
    "bbox": [0.0, 0.0, 1.0, 1.0],
    "links": [],
    "assets": [{"model_archive": {**ARCHIVE, "role": ["model"]}}],  # a list, and `role` for roles
    "properties": {
        "datetime": "2021-01-04T00:00:00Z",
        "dlm:runtime": {
            "framework": "PyTorch",
            "version": 1.5,  # the schema wants a string
            "model_handler": "thelper.cli.inference_session",
            "model_src_url": "https://github.com/crim-ca/gin-model-repo",
            "model_commit_hash": None,  # a string when present: null is not one
            "requirement_file": "requirements.txt",
        },
        "dlm:archive": [{"name": "ckpt.best.pth", "role": ["model weight"]}],  # one string, not a list
        "dlm:data": {"process_level": "ortho", "dtype": "uint16", "nodata_value": 0, "number_of_bands": 3},
        "dlm:inputs": {
            "name": "data",
            "input_tensors": {"batch": 1, "dim": 3, "height": 224, "width": 224},  # a list of them
            "scaling_factor": 0.5,
            "normalization:mean": [0.2, 0.3, 0.6],
            "normalization:std": [0.1, 0.1, 0.2],
            "selected_bands": [0, 1, 2],
        },
        "dlm:outputs": {
            "task": "semantic segmentation",
            "number_of_classes": 2,
            "final_layer_size": [1, 2, 64, 64],
            "class_name_mapping": [{"index": 0, "class_name": "land"}, {"index": 1, "class_name": "water"}],
        },
    },
}


def test_a_beta2_target_gets_the_repairs_its_schema_calls_for_and_the_judges_pass_it() -> None:
    result = pipeline.convert(copy.deepcopy(HAND_WRITTEN), to=TARGET)
    assert result.error is None and result.steps == [] and str(result.detection.format) == TARGET
    out = result.document
    # each defect mended as the beta2 schema wants it, by hand:
    assert out["assets"] == {"model_archive": {**ARCHIVE, "roles": ["model"]}}
    assert out["geometry"]["coordinates"] == [[*SQUARE, SQUARE[0]]]
    runtime = out["properties"]["dlm:runtime"]
    assert runtime["version"] == "1.5" and "model_commit_hash" not in runtime
    assert out["properties"]["dlm:archive"] == [{"name": "ckpt.best.pth", "role": "model weight"}]
    assert out["properties"]["dlm:inputs"]["input_tensors"] == [{"batch": 1, "dim": 3, "height": 224, "width": 224}]
    assert out["stac_extensions"] == [BETA2]  # still the beta2 layout
    said = {f["path"]: f["status"] for f in result.report["fields"] if f["status"] != "kept"}
    assert said == {  # each one reported
        "/geometry/coordinates/0/0": "repaired",
        "/assets/0": "repaired",
        "/assets/0/model_archive/role": "repaired",
        "/properties/dlm:runtime/version": "repaired",
        "/properties/dlm:runtime/model_commit_hash": "dropped",  # a null: the field was not set
        "/properties/dlm:archive/0/role/0": "repaired",
        "/properties/dlm:inputs/input_tensors": "repaired",
    }
    # ... and the output is valid, by crosswalk and by the independent judges (the beta2 layout's schema)
    errors = [i for i in result.report["issues"] if i["severity"] == "error"]
    assert result.valid and errors == []
    extra = dlm_schema_map(out, TARGET)
    assert pystac_verdict(out, extra)[0] is True
    assert stac_validator_verdict(out, extra)[0] is True


def test_the_judges_say_no_to_the_hand_written_beta2_item_as_it_is() -> None:
    """The document above is invalid as written: what the repairs mend is what the judges object to."""
    doc = copy.deepcopy(HAND_WRITTEN)
    extra = dlm_schema_map({**doc, "type": "Feature"}, TARGET)
    assert pystac_verdict(doc, extra)[0] is False
    assert stac_validator_verdict(doc, extra)[0] is False


def test_a_beta2_targets_repairs_do_not_name_the_beta3_schema_alone() -> None:
    """The repairs a beta2 target gets hold under both schemas: their step and their reasons say so, not 'beta.3'
    alone (the step a beta2 document kept at beta2 never passed through)."""
    result = pipeline.convert(copy.deepcopy(HAND_WRITTEN), to=TARGET)
    repaired = [f for f in result.report["fields"] if f["status"] == "repaired"]
    assert {f["step"] for f in repaired} == {"dlm-beta.invariants", "dlm-beta_hand-written.invariants"}
    assert not [f["reason"] for f in repaired if "beta.3" in f["reason"] and "beta2" not in f["reason"]]


BETA3 = BETA2.replace("v1.0.0-beta.2", "v1.0.0-beta.3")


def test_beta2_fields_under_the_beta3_uri_kept_at_beta2_get_the_beta2_uri() -> None:
    """The beta.3 schema requires data_type and nodata, which a document with beta2's dtype and nodata_value lacks:
    it is read as beta2 (its fields), and kept at beta2 it declares the beta2 schema, the layout it is in."""
    doc = copy.deepcopy(HAND_WRITTEN) | {"stac_extensions": [BETA3]}
    result = pipeline.convert(doc, to=TARGET)
    assert str(result.detection.format) == TARGET and result.steps == []
    assert result.document["stac_extensions"] == [BETA2]
    (entry,) = [f for f in result.report["fields"] if f["path"].startswith("/stac_extensions")]
    assert entry["status"] == "transformed" and entry["step"] == "dlm-beta_hand-written.invariants"
    assert result.valid, result.report["issues"]
    extra = dlm_schema_map(result.document, TARGET)
    assert pystac_verdict(result.document, extra)[0] is True
    assert stac_validator_verdict(result.document, extra)[0] is True


def test_a_beta3_target_keeps_the_beta3_uri() -> None:
    doc = copy.deepcopy(HAND_WRITTEN) | {"stac_extensions": [BETA3]}
    result = pipeline.convert(doc, to="dlm-beta@1.0.0-beta.3")
    assert result.document["stac_extensions"] == [BETA3]
    assert result.document["properties"]["dlm:data"]["data_type"] == "uint16"
