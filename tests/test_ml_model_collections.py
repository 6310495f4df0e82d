"""ml-model 1.0.0 <-> MLM 1.5.2 for Collections: the prediction type summary and the fields of item asset
definitions, which ml-model's schema reads there as in an Item's properties."""

from __future__ import annotations

import copy

import pytest
from test_downgrade import convert, entry, errors

ML_MODEL = "https://stac-extensions.github.io/ml-model/v1.0.0/schema.json"
MLM = "https://stac-extensions.github.io/mlm/v1.5.2/schema.json"


def collection(uri: str, summaries: dict, **asset_fields) -> dict:
    """A small valid Collection declaring ``uri``, with one item asset definition (the model)."""
    prefix = "ml-model:" if uri == ML_MODEL else "mlm:"
    return {
        "type": "Collection", "id": "c", "stac_version": "1.0.0", "description": "d", "links": [],
        "stac_extensions": [uri], "license": "CC-BY-4.0",
        "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                   "temporal": {"interval": [["2024-01-01T00:00:00Z", None]]}},
        "item_assets": {"model": {"title": "m", "roles": [f"{prefix}checkpoint"], **asset_fields}},
        "summaries": summaries,
    }


def test_an_ml_model_prediction_type_summary_comes_back() -> None:
    """Up maps the summary to mlm:tasks; down maps it back (it was dropped, "ml-model has no field for mlm:tasks")."""
    src = collection(ML_MODEL, {"ml-model:prediction_type": ["segmentation"], "ml-model:architecture": ["U-Net"]})
    up = convert(src, "mlm")
    assert up.document["summaries"]["mlm:tasks"]["items"]["enum"] == ["segmentation"]  # the JSON Schema form
    down = convert(up.document, "ml-model")
    assert down.document["summaries"]["ml-model:prediction_type"] == ["segmentation"]
    assert list(down.document["summaries"]) == ["ml-model:architecture", "ml-model:prediction_type"]
    e = entry(down, "/summaries/mlm:tasks/items/enum/0")
    assert e["status"] == "transformed" and e["to"] == ["/summaries/ml-model:prediction_type"], e
    assert "JSON Schema summary written as the list" in e["reason"]
    assert not [x for x in down.report["fields"] if "has no field" in x.get("reason", "")]
    assert not errors(up) and not errors(down)


def test_tasks_go_through_the_items_table_and_merge() -> None:
    doc = collection(MLM, {"mlm:tasks": ["semantic-segmentation", "segmentation", "detection", "image-captioning"]})
    r = convert(doc, "ml-model")
    assert r.document["summaries"]["ml-model:prediction_type"] == ["segmentation", "object-detection",
                                                                   "image-captioning"]  # ml-model takes any string
    fates = [entry(r, f"/summaries/mlm:tasks/{i}") for i in range(4)]
    assert [f["status"] for f in fates] == ["lossy", "transformed", "lossy", "transformed"]
    assert fates[0]["to"] == fates[1]["to"] == ["/summaries/ml-model:prediction_type/0"]
    assert fates[2]["reason"] == "detection generalised to 'object-detection'"


def test_a_summary_without_task_names() -> None:
    r = convert(collection(MLM, {"mlm:tasks": ["regression", None], "mlm:architecture": ["X"]}), "ml-model")
    assert r.document["summaries"]["ml-model:prediction_type"] == ["regression"]
    e = entry(r, "/summaries/mlm:tasks/1")
    assert e["status"] == "dropped" and e["reason"] == "null is not a task name", e
    r = convert(collection(MLM, {"mlm:tasks": {"type": "array"}, "mlm:architecture": ["X"]}), "ml-model")
    assert "ml-model:prediction_type" not in r.document["summaries"]
    assert entry(r, "/summaries/mlm:tasks")["reason"] == "the mlm:tasks summary names no task"


@pytest.mark.parametrize("keep_source", [False, True])
def test_a_prediction_type_summary_already_there_wins(keep_source: bool) -> None:
    doc = collection(MLM, {"mlm:tasks": ["segmentation"], "ml-model:prediction_type": ["classification"]})
    r = convert(doc, "ml-model", keep_source=keep_source)
    assert r.document["summaries"]["ml-model:prediction_type"] == ["classification"]
    assert ("mlm:tasks" in r.document["summaries"]) == keep_source
    if not keep_source:
        assert entry(r, "/summaries/mlm:tasks")["reason"] == "ml-model:prediction_type already present; kept that value"


def test_keep_source_keeps_a_generalised_summary_and_the_way_back_restores_it() -> None:
    tasks = {"type": "array", "items": {"type": "string", "enum": ["semantic-segmentation"]}}
    r = convert(collection(MLM, {"mlm:tasks": copy.deepcopy(tasks)}), "ml-model", keep_source=True)
    assert r.document["summaries"] == {"ml-model:prediction_type": ["segmentation"], "mlm:tasks": tasks}
    assert entry(r, "/summaries/mlm:tasks/items/enum/0")["status"] == "lossy"
    back = convert(r.document, "mlm")
    assert back.document["summaries"] == {"mlm:tasks": tasks}


def test_item_asset_definitions_both_ways() -> None:
    """ml-model's schema reads its fields in item asset definitions: mlm:tasks becomes the one prediction type (as
    in an Item, not invented when absent) and mlm:architecture is renamed, and the way up maps them back."""
    doc = collection(MLM, {}, **{"mlm:tasks": ["instance-segmentation", "classification"], "mlm:architecture": "X"})
    r = convert(doc, "ml-model")
    model = r.document["item_assets"]["model"]
    assert model["ml-model:prediction_type"] == "segmentation" and model["ml-model:architecture"] == "X"
    e = entry(r, "/item_assets/model/mlm:tasks/1")
    assert e["status"] == "lossy" and e["to"] == ["/item_assets/model/ml-model:prediction_type"], e
    assert not any(k.startswith("mlm:") for k in model)
    back = convert(r.document, "mlm").document["item_assets"]["model"]
    assert back["mlm:tasks"] == ["segmentation"] and back["mlm:architecture"] == "X"
    assert not any(k.startswith("ml-model:") for k in back)
    r = convert(collection(MLM, {"mlm:architecture": ["X"]}, **{"mlm:tasks": []}), "ml-model")
    assert "ml-model:prediction_type" not in r.document["item_assets"]["model"]
    assert entry(r, "/item_assets/model/mlm:tasks")["reason"] == "no MLM task to map"


def test_a_collection_container_asset_gets_the_ml_model_runtime_role_and_comes_back() -> None:
    """An Item's container asset becomes an ml-model:inferencing-image link; a Collection's stays an asset, and
    its runtime roles become ml-model's (they kept MLM's, undeclared in an ml-model Collection), and back."""
    src = collection(MLM, {})
    src["assets"] = {"runtime": {"href": "docker.io/org/img:1", "type": "application/vnd.oci.image.index.v1+json",
                                 "roles": ["mlm:inference-runtime", "runtime"]}}
    down = convert(src, "ml-model")
    assert down.document["assets"]["runtime"]["roles"] == ["ml-model:inference-runtime"]
    assert entry(down, "/assets/runtime/roles/0")["status"] == "transformed" and not errors(down)
    back = convert(down.document, "mlm")
    assert back.document["assets"]["runtime"]["roles"] == ["mlm:inference-runtime", "runtime"]
