"""Regressions found by the structural fuzzer (benchmarks/fuzz.py): mutated, legal or nearly legal documents
whose conversion the report did not fully account for, which the engine's guard turned into internal errors.

Each document is a small hand-written reduction of a failing variant. Every test asks for a conversion that
succeeds with a complete report (the whole-document DeepDiff cross-check on), then pins the fate of the field
the fuzzer broke, as the transforms' contract says it should be."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crosswalk import pipeline
from crosswalk.engine.report import accounting_problems, entry_for

DLM_BETA3 = "https://schemas.stacspec.org/v1.0.0-beta.3/extensions/dl-model/json-schema/schema.json"
MLM_151 = "https://stac-extensions.github.io/mlm/v1.5.1/schema.json"
ARCHIVE_TEXT = "MLM cannot list archive members; kept as text in the archive asset's description"


def item(properties: dict[str, Any], assets: dict[str, Any], extensions: list[str]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": extensions,
        "id": "fuzz-reduction",
        "geometry": None,
        "properties": properties,
        "assets": assets,
        "links": [],
    }


def converted(result: pipeline.Result) -> pipeline.Result:
    """The conversion succeeded and its report accounts for every source and output leaf."""
    assert result.ok, result.error
    assert accounting_problems(result.source, result.document, result.report["fields"], verify=True) == []
    return result


def fate(result: pipeline.Result, pointer: str) -> tuple[str, list[str]]:
    entry = entry_for(result.report["fields"], pointer)
    assert entry is not None, pointer
    return entry["status"], entry.get("to", [])


# -- an archive member listed as text: its fields became one line of the description -------------------------
def archive_item(members: list[Any]) -> dict[str, Any]:
    return item(
        {"datetime": "2021-01-01T00:00:00Z", "dlm:archive": members},
        {"model_archive": {"href": "https://example.com/model.zip", "roles": ["model artefact"]}},
        [DLM_BETA3],
    )


def test_archive_member_with_a_null_name_is_listed_in_the_description() -> None:
    # the fuzzer turned a member's name (or role) into NaN/Infinity, which the reader repairs to null
    doc = archive_item([{"name": "config.yml", "role": ["config file"]}, {"name": None, "role": ["test set"]}])
    result = converted(pipeline.convert(doc, verify=True))
    description = "/assets/model_archive/description"
    assert result.document["assets"]["model_archive"]["description"].startswith("archive members:")
    assert fate(result, "/properties/dlm:archive/0/name") == ("lossy", [description])
    assert fate(result, "/properties/dlm:archive/1/role/0") == ("lossy", [description])
    assert fate(result, "/properties/dlm:archive/1/name")[0] == "dropped"  # null: the field is not set
    reasons = {e.get("reason") for e in result.report["fields"] if e["path"].startswith("/properties/dlm:archive/")}
    assert ARCHIVE_TEXT in reasons


def test_archive_member_whose_role_is_nan_in_the_file(tmp_path: Path) -> None:
    text = json.dumps(archive_item([{"name": "ckpt.best.pth", "role": ["model weight"]}]))
    src = tmp_path / "item.json"
    src.write_text(text.replace('["model weight"]', "NaN"), encoding="utf-8")
    result = converted(pipeline.convert_file(str(src), verify=True))
    assert fate(result, "/properties/dlm:archive/0/name") == ("lossy", ["/assets/model_archive/description"])
    assert "ckpt.best.pth" in result.document["assets"]["model_archive"]["description"]


def test_archive_member_with_several_fates_inside_is_reported_field_by_field() -> None:
    # a role list where only one role is null: the rest of the member is still listed
    doc = archive_item([{"name": "weights.pth", "role": [None, "model weight"]}])
    result = converted(pipeline.convert(doc, verify=True))
    description = "/assets/model_archive/description"
    assert fate(result, "/properties/dlm:archive/0/name") == ("lossy", [description])
    assert fate(result, "/properties/dlm:archive/0/role/1") == ("lossy", [description])
    assert fate(result, "/properties/dlm:archive/0/role/0")[0] == "dropped"


# -- dlm nulls: a list or object of nothing but nulls is as unset as a null ------------------------------------
@pytest.mark.parametrize("unset", [[None], {"value": None}, [[None], None]], ids=["list", "object", "nested"])
def test_dont_care_index_made_only_of_nulls_is_dropped(unset: Any) -> None:
    doc = item(
        {
            "datetime": "2021-01-01T00:00:00Z",
            "dlm:outputs": {"task": "semantic segmentation", "number_of_classes": 2, "dont_care_index": unset},
        },
        {"model": {"href": "https://example.com/model.pth", "roles": ["model artefact"]}},
        [DLM_BETA3],
    )
    result = converted(pipeline.convert(doc, verify=True))
    assert "dont_care_index" not in result.document["properties"].get("mlm:hyperparameters", {})
    status, to = fate(result, "/properties/dlm:outputs/dont_care_index")
    assert (status, to) == ("dropped", [])


def test_dont_care_index_still_moves_to_the_hyperparameters() -> None:
    doc = item(
        {
            "datetime": "2021-01-01T00:00:00Z",
            "dlm:outputs": {"task": "semantic segmentation", "number_of_classes": 2, "dont_care_index": [None, 255]},
        },
        {"model": {"href": "https://example.com/model.pth", "roles": ["model artefact"]}},
        [DLM_BETA3],
    )
    result = converted(pipeline.convert(doc, verify=True))
    assert result.document["properties"]["mlm:hyperparameters"]["dont_care_index"] == [255]
    assert fate(result, "/properties/dlm:outputs/dont_care_index/0")[0] == "dropped"
    assert fate(result, "/properties/dlm:outputs/dont_care_index/1")[0] == "moved"


# -- an empty properties object filled by moved model fields ----------------------------------------------------
def test_empty_properties_filled_from_the_model_asset_is_kept_not_repaired() -> None:
    # a pystac-made MLM item lost its datetime: properties was {} and the model fields sat on the only model asset
    weights = {
        "href": "https://example.com/model.pt",
        "roles": ["mlm:model"],
        "mlm:artifact_type": "torch.save",
        "mlm:name": "resnet18-water",
        "mlm:architecture": "ResNet",
        "mlm:tasks": ["classification"],
        "mlm:input": [
            {
                "name": "RGB",
                "bands": [],
                "input": {
                    "shape": [-1, 3, 64, 64],
                    "dim_order": ["batch", "bands", "height", "width"],
                    "data_type": "float32",
                },
                "value_scaling": {"type": "scale", "value": 10000},
            }
        ],
        "mlm:output": [
            {
                "name": "classification",
                "tasks": ["classification"],
                "result": {"shape": [-1, 2], "dim_order": ["batch", "class"], "data_type": "float32"},
            }
        ],
    }
    result = converted(pipeline.convert(item({}, {"weights": weights}, [MLM_151]), verify=True))
    props = result.document["properties"]
    assert props["mlm:input"][0]["value_scaling"] == [{"type": "scale", "value": 10000}]
    # the empty object is still the item's properties; what now fills it is reported where it came from
    assert fate(result, "/properties") == ("kept", [])
    status, to = fate(result, "/assets/weights/mlm:input/0/value_scaling")
    assert (status, to) == ("repaired", ["/properties/mlm:input/0/value_scaling/0"])
    assert fate(result, "/assets/weights/mlm:name")[0] == "repaired"  # reported at it or at the moved asset
    assert props["mlm:name"] == "resnet18-water"


# -- a value that is an object or array where one scalar was expected, written into one value ---------------------
# The leaves of such a value live on in the value written (reported against it as a whole), never at places below
# it that the output cannot have: every conversion checks the ledger's own places, with or without field entries.
CORPORA = Path(__file__).resolve().parent.parent / "corpora"


def both_ways(doc: dict[str, Any], to: str = "mlm") -> pipeline.Result:
    """Converted with a complete report, and converted the same without field entries (a bulk run's way)."""
    result = converted(pipeline.convert(doc, href="fuzz.json", to=to, verify=True))
    lean = pipeline.convert(doc, href="fuzz.json", to=to, fields=False)
    assert lean.ok, lean.error
    assert lean.document == result.document
    return result


def test_a_summary_value_that_is_a_list_goes_into_the_summarys_schema_whole() -> None:
    collection = {"type": "Collection", "stac_version": "1.0.0", "stac_extensions": [MLM_151], "id": "c",
                  "description": "d", "license": "proprietary", "links": [],
                  "extent": {"spatial": {"bbox": [[0, 0, 1, 1]]}, "temporal": {"interval": [[None, None]]}},
                  "summaries": {"mlm:framework": [["pytorch"]], "mlm:name": ["a-model"]}}
    result = both_ways(collection)
    assert fate(result, "/summaries/mlm:framework/0/0") == ("transformed", ["/summaries/mlm:framework"])


def test_a_class_description_given_as_a_list_is_repaired_into_one_string() -> None:
    doc = json.loads((CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json").read_text(encoding="utf-8"))
    out = doc["properties"]["mlm:output"][0]
    out["classification:classes"] = [{"value": 0, "name": "water", "description": ["deep", "water"]}]
    result = both_ways(doc)
    assert fate(result, "/properties/mlm:output/0/classification:classes/0/description/1")[1] == [
        "/properties/mlm:output/0/classification:classes/0/description"]


def test_a_stac_version_given_as_an_object_is_replaced_whole() -> None:
    doc = json.loads((CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json").read_text(encoding="utf-8"))
    doc["stac_version"] = {"value": "1.0.0-beta.2"}
    result = both_ways(doc)
    assert fate(result, "/stac_version/value") == ("transformed", ["/stac_version"])


@pytest.mark.parametrize("where", ["selected_bands", "useful_bands"])
def test_a_band_entry_given_as_an_object_goes_into_its_band_whole(where: str) -> None:
    doc = json.loads((CORPORA / "dlm-beta" / "spec-beta3-item.json").read_text(encoding="utf-8"))
    if where == "selected_bands":
        doc["properties"]["dlm:inputs"]["selected_bands"][1] = {"a": {"b": 2}}
        pointer = "/properties/dlm:inputs/selected_bands/1/a/b"
    else:
        doc["properties"]["dlm:data"]["useful_bands"][1]["index"] = {"value": 2}
        pointer = "/properties/dlm:data/useful_bands/1/index/value"
    for to in ("mlm", "mlm@1.0.0"):
        status, places = fate(both_ways(doc, to), pointer)
        assert status == "lossy" and places and not any(p.endswith(("/a/b", "/value")) for p in places), places


def test_a_pretrained_flag_given_as_an_object_is_copied_into_the_dlm_string_whole() -> None:
    doc = json.loads((CORPORA / "producers" / "stac-model-0.7.0-eurosat_resnet.json").read_text(encoding="utf-8"))
    doc["properties"]["mlm:pretrained"] = {"a": {"b": True}}
    result = both_ways(doc, to="dlm")
    assert fate(result, "/properties/mlm:pretrained/a/b")[1] == ["/properties/dlm:architecture/pretrained"]


def test_a_legacy_norm_field_given_as_an_object_becomes_value_scaling_whole() -> None:
    doc = json.loads((CORPORA / "producers" / "stac-model-0.1.2-eurosat_resnet.json").read_text(encoding="utf-8"))
    doc["properties"]["mlm:input"][0]["norm_by_channel"] = {"value": True}
    result = both_ways(doc)
    assert fate(result, "/properties/mlm:input/0/norm_by_channel/value")[1] == [
        "/properties/mlm:input/0/value_scaling"]


@pytest.mark.parametrize("description", ["", ["a", {"b": 1}]])
def test_a_blank_or_non_text_description_gives_way_to_the_archive_member_list(description: Any) -> None:
    doc = json.loads((CORPORA / "dlm-beta" / "cccot03-thelper-item.json").read_text(encoding="utf-8"))
    doc["assets"][0]["model_archive"]["description"] = description  # assets as a list, as the example has them
    result = both_ways(doc)
    assert result.document["assets"]["model_archive"]["description"].startswith("archive members: ")
    where = "/assets/0/model_archive/description" + ("/1/b" if description else "")
    assert fate(result, where)[0] == "dropped"
