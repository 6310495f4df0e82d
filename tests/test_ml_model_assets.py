"""ml-model 1.0.0 <-> MLM 1.5.2 in assets (an Item's, a Collection's), where ml-model's schema reads its fields as
in an Item's properties, and a prediction type summary in JSON Schema form."""

from __future__ import annotations

import json

import pytest
from conftest import CORPORA, small_mlm_item
from test_downgrade import convert, entry, errors
from test_ml_model_collections import ML_MODEL, MLM, collection


def _has_no_field(r) -> list:
    return [e for e in r.report["fields"] if e.get("reason", "").endswith(("mlm:tasks", "mlm:architecture"))]


def test_an_item_asset_keeps_its_architecture_and_tasks_both_ways() -> None:
    """The Item has its own fields, so the model asset's stay on it (they were dropped, "ml-model 1.0.0 has no
    field for mlm:tasks", which is false)."""
    doc = small_mlm_item()
    doc["assets"]["model"].update({"mlm:architecture": "U-Net", "mlm:tasks": ["semantic-segmentation"]})
    r = convert(doc, "ml-model")
    model = r.document["assets"]["model"]
    assert model["ml-model:architecture"] == "U-Net" and model["ml-model:prediction_type"] == "segmentation"
    assert r.document["properties"]["ml-model:prediction_type"] == "classification"
    e = entry(r, "/assets/model/mlm:tasks/0")
    assert e["status"] == "lossy" and e["to"] == ["/assets/model/ml-model:prediction_type"], e
    assert entry(r, "/assets/model/mlm:architecture")["to"] == ["/assets/model/ml-model:architecture"]
    assert not _has_no_field(r) and not errors(r)
    back = convert(r.document, "mlm").document["assets"]["model"]
    assert back["mlm:architecture"] == "U-Net" and back["mlm:tasks"] == ["segmentation"]
    assert not any(k.startswith("ml-model:") for k in back)


@pytest.mark.parametrize("keep_source", [False, True])
def test_a_collection_asset_and_a_prediction_type_already_there(keep_source: bool) -> None:
    doc = collection(MLM, {})
    doc["assets"] = {"model": {"href": "m.pt", "roles": ["mlm:model"], "mlm:architecture": "X",
                               "mlm:tasks": ["detection"], "ml-model:prediction_type": "object-detection"}}
    r = convert(doc, "ml-model", keep_source=keep_source)
    model = r.document["assets"]["model"]
    assert model["ml-model:architecture"] == "X" and model["ml-model:prediction_type"] == "object-detection"
    assert ("mlm:tasks" in model) == keep_source
    if not keep_source:
        e = entry(r, "/assets/model/mlm:tasks")
        assert e["reason"] == "ml-model:prediction_type already present; kept that value", e
    assert not _has_no_field(r) and not errors(r)


def test_the_way_up_carries_an_assets_fields_and_drops_the_rest_with_reasons() -> None:
    """ml-model fields on an asset were left as they were, unreported, beside the MLM ones."""
    doc = collection(ML_MODEL, {"ml-model:architecture": ["R"]})
    doc["assets"] = {"model": {"href": "m.pt", "roles": ["ml-model:checkpoint"], "ml-model:architecture": "RCNN",
                               "ml-model:prediction_type": "Object Detection", "ml-model:type": "ml-model",
                               "ml-model:learning_approach": "supervised", "ml-model:training-os": "linux"}}
    doc["item_assets"]["model"]["ml-model:training-processor-type"] = "gpu"
    r = convert(doc, "mlm")
    model = r.document["assets"]["model"]
    assert model["mlm:architecture"] == "RCNN" and model["mlm:tasks"] == ["object-detection"]
    assert not any(k.startswith("ml-model:") for k in model)
    assert not any(k.startswith("ml-model:") for k in r.document["item_assets"]["model"])
    e = entry(r, "/assets/model/ml-model:prediction_type")
    assert e["status"] == "transformed" and e["to"] == ["/assets/model/mlm:tasks/0"], e
    assert entry(r, "/assets/model/ml-model:learning_approach")["status"] == "dropped"
    assert entry(r, "/item_assets/model/ml-model:training-processor-type")["status"] == "dropped"
    assert not errors(r)


def test_a_prediction_type_summary_in_json_schema_form() -> None:
    """Its enum values go through the task table (the summary was read as one value and dropped, "is not an MLM
    task")."""
    enum = ["segmentation", "Object Detection", "clustering"]
    r = convert(collection(ML_MODEL, {"ml-model:prediction_type": {"type": "string", "enum": enum}}), "mlm")
    assert r.document["summaries"]["mlm:tasks"]["items"]["enum"] == ["segmentation", "object-detection"]
    e = entry(r, "/summaries/ml-model:prediction_type/enum/1")
    assert e["status"] == "transformed" and e["to"] == ["/summaries/mlm:tasks"], e
    e = entry(r, "/summaries/ml-model:prediction_type/enum/2")
    assert e["status"] == "dropped" and e["reason"] == "prediction_type 'clustering' is not an MLM task", e
    assert not errors(r)


@pytest.mark.parametrize("summary", [[], ["clustering"], {"type": "string"}])
def test_a_prediction_type_summary_with_no_task(summary) -> None:
    """Nothing is written (an empty mlm:tasks summary made the conversion fail: its JSON Schema form was not
    accounted for)."""
    r = convert(collection(ML_MODEL, {"ml-model:prediction_type": summary}), "mlm")
    assert "mlm:tasks" not in r.document["summaries"]
    assert entry(r, "/summaries/ml-model:prediction_type")["status"] == "dropped"


def test_several_image_links_become_assets_numbered_on() -> None:
    """Several ml-model:inferencing-image links: mlm:container, mlm:container-2, mlm:container-3... (the third was
    named mlm:container-2-2)."""
    doc = json.loads((CORPORA / "ml-model" / "spec-dummy-item.json").read_text(encoding="utf-8"))
    doc["links"] += [{"rel": "ml-model:inferencing-image", "href": f"docker.io/org/img:{n}", "type": "docker-image"}
                     for n in range(3)]
    n = sum(link["rel"] == "ml-model:inferencing-image" for link in doc["links"])
    assert n >= 3
    r = convert(doc, "mlm")
    containers = sorted(k for k in r.document["assets"] if k.startswith("mlm:container"))
    assert containers == ["mlm:container"] + [f"mlm:container-{i}" for i in range(2, n + 1)]


def test_training_processor_type_is_dropped_saying_where_the_step_departs_from_the_legacy_guide() -> None:
    """The MLM legacy guide maps ml-model:training-processor-type to mlm:accelerator and its kin, which MLM defines
    as the hardware that runs inference: the step drops it, and neither its reason nor the README claims MLM has no
    such field; the README's field guide says the step departs from the guide there."""
    from pathlib import Path

    doc = json.loads((CORPORA / "ml-model" / "spec-dummy-item.json").read_text(encoding="utf-8"))
    assert "ml-model:training-processor-type" in doc["properties"]
    r = convert(doc, "mlm")
    e = entry(r, "/properties/ml-model:training-processor-type")
    assert e["status"] == "dropped" and "no MLM field" not in e["reason"]
    assert "runs inference" in e["reason"] and "legacy guide maps it" in e["reason"]
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("#### ml-model@1.0.0 → mlm@1.5.2"):]
    assert "departs from the MLM legacy guide" in section[:section.index("| rule |")]


def test_a_renamed_prediction_type_and_the_input_placeholder_say_what_they_write() -> None:
    """A prediction_type that is not the MLM task's spelling is reported as the task it became, not as an unchanged
    value put in a list; the invented input placeholder's reason names what it asserts (no bands, float32), which the
    MLM README gives meanings ("If no band applies for one input, use an empty array")."""
    doc = json.loads((CORPORA / "ml-model" / "spec-dummy-item.json").read_text(encoding="utf-8"))
    doc["properties"]["ml-model:prediction_type"] = "Semantic Segmentation"
    r = convert(doc, "mlm")
    assert r.document["properties"]["mlm:tasks"] == ["semantic-segmentation"]
    e = entry(r, "/properties/ml-model:prediction_type")
    assert e["status"] == "transformed" and "'Semantic Segmentation'" in e["reason"] and "'semantic-segmentation'" in e[
        "reason"]
    placeholder = r.document["properties"]["mlm:input"][0]
    assert placeholder["bands"] == [] and placeholder["input"]["data_type"] == "float32"
    made = next(f for f in r.report["fields"] if f["path"] == "/properties/mlm:input" and f["status"] == "invented")
    assert "no bands ([])" in made["reason"] and "float32" in made["reason"]


def test_ml_model_roles_become_mlm_roles_each_written_once() -> None:
    """Each ml-model role becomes its MLM roles (a runtime role its MLM one and `runtime`), a role already in the
    list written once, where it first occurs; other roles stay."""
    from crosswalk import pipeline

    doc = json.loads((CORPORA / "ml-model" / "spec-dummy-item.json").read_text(encoding="utf-8"))
    doc["assets"]["runtimes"] = {"href": "r.tar", "roles": ["ml-model:inference-runtime", "ml-model:training-runtime",
                                                            "data"]}
    r = pipeline.convert(doc, verify=True)
    assert r.ok, r.error
    roles = r.document["assets"]["runtimes"]["roles"]
    assert roles == ["mlm:inference-runtime", "runtime", "mlm:training-runtime", "data"]
    e = entry(r, "/assets/runtimes/roles/1")
    assert (e["status"], e["reason"]) == ("transformed", "role ml-model:training-runtime -> mlm:training-runtime, "
                                                         "runtime")
    assert sorted(e["to"]) == ["/assets/runtimes/roles/1", "/assets/runtimes/roles/2"]
