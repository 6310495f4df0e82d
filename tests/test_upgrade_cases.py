"""Upgrades to MLM 1.5.2 in cases the corpus does not reach: each lost a value silently, reported a changed value
as kept or moved, stopped with an internal error, or wrote an invalid name. Inputs are project corpus documents
with one change; every conversion runs with the whole-document cross-check (``verify``)."""

from __future__ import annotations

import copy
import json
import re

import pytest
from conftest import CORPORA

from crosswalk import pipeline
from crosswalk.engine.report import entry_for
from crosswalk.transforms.mlm.up import sanitise_name

NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_.\-\s]+[a-zA-Z0-9]$")  # mlm:name in the MLM 1.5.2 schema


def _load(rel: str) -> dict:
    return json.loads((CORPORA / rel).read_text(encoding="utf-8"))


def _up(doc: dict) -> pipeline.Result:
    result = pipeline.convert(copy.deepcopy(doc), verify=True)
    assert result.ok, result.error
    return result


def _entry(result: pipeline.Result, pointer: str) -> dict:
    found = entry_for(result.report["fields"], pointer)
    assert found is not None, pointer
    return found


def test_unnamed_eo_bands_on_the_model_asset_are_named_not_replaced() -> None:
    doc = _load("mlm/spec-1.0.0-item_basic.json")
    doc["properties"]["mlm:input"][0]["bands"] = ["B04", "B03", "B02"]
    doc["assets"]["model"]["eo:bands"] = [{"common_name": c} for c in ("red", "green", "blue")]
    result = _up(doc)
    assert result.document["assets"]["model"]["eo:bands"] == [
        {"common_name": "red", "name": "B04"}, {"common_name": "green", "name": "B03"},
        {"common_name": "blue", "name": "B02"}]
    assert _entry(result, "/assets/model/eo:bands/0/common_name")["status"] == "kept"
    assert result.report["valid"]


def _collection(prediction_types, **summaries) -> dict:
    doc = _load("ml-model/agrifieldnet-gold-collection.json")
    doc["summaries"]["ml-model:prediction_type"] = prediction_types
    doc["summaries"].update(summaries)
    return doc


def test_prediction_type_summaries_that_merge_or_are_no_task_are_each_reported() -> None:
    result = _up(_collection(["object-segmentation", "instance-segmentation", "foo"]))
    tasks = "/summaries/mlm:tasks"
    first, second = (_entry(result, f"/summaries/ml-model:prediction_type/{i}") for i in (0, 1))
    assert first["status"] == "lossy" and "ambiguous" in first["reason"] and first["to"] == [tasks]
    assert second["status"] == "transformed" and second["to"] == [tasks]
    third = _entry(result, "/summaries/ml-model:prediction_type/2")
    assert third["status"] == "dropped" and "'foo' is not an MLM task" in third["reason"]


def test_a_prediction_type_summary_beside_an_mlm_tasks_one_is_dropped_not_transformed() -> None:
    result = _up(_collection(["object-detection"], **{"mlm:tasks": ["segmentation"]}))
    e = _entry(result, "/summaries/ml-model:prediction_type/0")
    assert e["status"] == "dropped" and "already present" in e["reason"]


def test_a_training_data_link_keeps_its_own_split_and_the_loss_of_the_rel_is_reported() -> None:
    doc = _load("ml-model/spec-dummy-item.json")
    i = next(i for i, link in enumerate(doc["links"]) if link["rel"] == "ml-model:train-data")
    doc["links"][i]["ml-aoi:split"] = "validate"
    result = _up(doc)
    (link,) = [x for x in result.document["links"] if x.get("title") == doc["links"][i]["title"]]
    assert link["ml-aoi:split"] == "validate"
    e = _entry(result, f"/links/{i}/rel")
    assert e["status"] == "lossy" and "'validate' is kept" in e["reason"]


@pytest.mark.parametrize("title", ["3D U-Net", "ResNet-50 (v2)", "x", "模型 v2"])
def test_a_name_made_from_any_title_matches_the_schema_and_a_cleaned_one_is_reported(title: str) -> None:
    assert NAME.match(sanitise_name(title))
    doc = _load("ml-model/spec-dummy-item.json")
    doc["properties"]["title"] = title
    result = _up(doc)
    assert result.document["properties"]["mlm:name"] == sanitise_name(title) and result.report["valid"]
    e = _entry(result, "/properties/title")
    assert e["status"] == ("transformed" if sanitise_name(title) != title else "kept")


@pytest.mark.parametrize("title", ["模型", "___", "((( )))"])
def test_a_title_of_which_nothing_fits_the_name_pattern_gives_way_to_the_id(title: str) -> None:
    """Nothing of such a title survives in a name: the id names the model, and the title is not said to."""
    assert sanitise_name(title) is None
    doc = _load("ml-model/spec-dummy-item.json")
    doc["properties"]["title"] = title
    result = _up(doc)
    assert result.document["properties"]["mlm:name"] == sanitise_name(doc["id"]) and result.report["valid"]
    assert "/properties/mlm:name" in _entry(result, "/id")["to"]
    assert "/properties/mlm:name" not in _entry(result, "/properties/title").get("to", [])


@pytest.mark.parametrize(("rel", "where"), [("ml-model/spec-dummy-item.json", ("ml-model:architecture",)),
                                            ("dlm/readme-tables-item.json", ("dlm:architecture", "type"))])
def test_an_empty_architecture_is_repaired_to_the_unknown_default(rel: str, where: tuple[str, ...]) -> None:
    """An empty string names no architecture (stac-model, the MLM reference reader, rejects it)."""
    doc = _load(rel)
    host = doc["properties"]
    for key in where[:-1]:
        host = host[key]
    host[where[-1]] = ""
    result = _up(doc)
    assert result.document["properties"]["mlm:architecture"] == "unknown"
    assert _entry(result, "/properties/" + "/".join(where))["status"] == "repaired"
    stac_model = pytest.importorskip("stac_model.schema")
    stac_model.MLModelProperties.model_validate(result.document["properties"])


@pytest.mark.parametrize("target", ["mlm", "mlm@1.5.0", "mlm@1.4.0", "dlm@1.0.0-draft"])
def test_an_entrypoint_of_a_1_3_item_goes_on_to_the_version_that_places_it(target) -> None:
    """MLM 1.3 accepts mlm:entrypoint on the source-code asset (as its README suggests), 1.4 rejects it, 1.5 takes it
    on code assets: the 1.3 -> 1.4 step leaves it when the conversion goes on to 1.5 or later (and to dlm through
    them, where it is the runtime's model handler), and drops it, with its reason, when the conversion stops at 1.4.
    Its Item property form is rejected by every later version and dropped either way. Judged by pystac and
    stac-validator against the vendored schemas."""
    from judges import pystac_verdict, stac_validator_verdict

    doc = _load("mlm/spec-1.3.0-item_raster_bands.json")
    doc["assets"]["source_code"]["mlm:entrypoint"] = "pkg.cli:infer"
    doc["assets"]["weights"]["mlm:entrypoint"] = "pkg.model:load"  # no code role yet: 1.5 needs one
    doc["properties"]["mlm:entrypoint"] = "pkg.cli:infer"
    result = pipeline.convert(copy.deepcopy(doc), to=target, verify=True)
    assert result.ok and result.valid, (result.error, result.report["issues"])
    out, fields = result.document, result.report["fields"]
    assert "mlm:entrypoint" not in out["properties"]
    assert _entry(result, "/properties/mlm:entrypoint")["status"] == "dropped"
    if target == "mlm@1.4.0":
        for key in ("source_code", "weights"):
            assert "mlm:entrypoint" not in out["assets"][key]
            dropped = _entry(result, f"/assets/{key}/mlm:entrypoint")
            assert dropped["status"] == "dropped" and "MLM 1.5.0 adds it on code assets" in dropped["reason"]
    elif target.startswith("mlm"):
        assert out["assets"]["source_code"]["mlm:entrypoint"] == "pkg.cli:infer"
        assert out["assets"]["weights"]["mlm:entrypoint"] == "pkg.model:load"
        assert "code" in out["assets"]["weights"]["roles"]
        assert not any(e["path"].startswith("/assets/source_code/mlm:entrypoint") for e in fields)  # kept
        assert {"path": "/assets/weights/roles/2", "status": "invented", "step": "mlm_1.4.0__mlm_1.5.0",
                "reason": "mlm:entrypoint requires the code role"} in fields
    else:
        assert out["properties"]["dlm:runtime"]["model_handler"] == "pkg.cli:infer"
        assert _entry(result, "/assets/source_code/mlm:entrypoint")["to"] == ["/properties/dlm:runtime/model_handler"]
    if target.startswith("mlm"):
        for judge in (pystac_verdict, stac_validator_verdict):
            ok, why = judge(out)
            assert ok, why


@pytest.mark.parametrize("target", ["mlm", "mlm@1.3.0"])
def test_band_definitions_go_on_no_asset_that_loses_the_model_role(target) -> None:
    """MLM 1.0/1.1 forced mlm:model onto every asset, so a source-code asset carries it too, and the conversion
    takes it away (at 1.3.0 or in the step into 1.4). Band definitions the steps before write on the model asset
    (item raster:bands that MLM 1.3 reads there, name-only eo:bands invented for the input's bands) go on the
    model artefact alone: nothing in the final document says a Python file has bands, and every report reason
    naming the model asset is true of the assets it points to."""
    doc = _load("mlm/spec-1.2.0-item_eo_bands.json")
    names = doc["properties"]["mlm:input"][0]["bands"]
    doc["properties"]["raster:bands"] = [{"name": n, "data_type": "uint16"} for n in names]
    result = pipeline.convert(copy.deepcopy(doc), to=target, verify=True)
    assert result.ok and result.valid, (result.error, result.report["issues"])
    code = result.document["assets"]["source_code"]
    assert "mlm:model" not in code["roles"] and "raster:bands" not in code
    assert [b["name"] for b in result.document["assets"]["weights"]["raster:bands"]] == names
    copied = _entry(result, "/properties/raster:bands")
    assert not [p for p in copied["to"] if p.startswith("/assets/source_code")]

    basic = _load("mlm/spec-1.0.0-item_basic.json")  # no band definitions anywhere: name-only ones are invented
    basic["properties"]["mlm:input"][0]["bands"] = ["B04", "B03"]
    basic["assets"]["model"]["roles"] = ["mlm:model", "mlm:weights"]
    basic["assets"]["code"] = {"href": "https://example.com/infer.py", "type": "text/x-python",
                               "roles": ["mlm:model", "code"]}
    result = pipeline.convert(copy.deepcopy(basic), to=target, verify=True)
    assert result.ok, result.error
    assets = result.document["assets"]
    assert assets["model"]["eo:bands"] == [{"name": "B04"}, {"name": "B03"}]
    assert "eo:bands" not in assets["code"] and "mlm:model" not in assets["code"]["roles"]
    assert not [e for e in result.report["fields"] if e["path"].startswith("/assets/code/eo:bands")]
