"""ml-model 1.0.0 <-> MLM 1.5.2 for Collections: the prediction type summary and the fields of item asset
definitions, which ml-model's schema reads there as in an Item's properties."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import CORPORA
from test_downgrade import convert, entry, errors

from crosswalk.engine import roundtrip as rt

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
    # the kept summary too takes the list form of the target's summaries (MLM's schema form is not ml-model's)
    assert r.document["summaries"] == {"ml-model:prediction_type": ["segmentation"],
                                       "mlm:tasks": tasks["items"]["enum"]}
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


# -- summaries in the JSON Schema form MLM's schema forces on every summary ---------------------------------------
LIST_FORM = "the JSON Schema summary written as the list of its values"


def test_every_list_summary_comes_back_a_list_through_mlm_with_keep_source() -> None:
    """MLM's schema reads every Collection summary as an object, whatever its field (``mlmCollectionFields`` for
    each key of ``summaries``), so the way up writes each list as a JSON Schema of its values, the fields kept by
    --keep-source too: those are re-encoded, and reported so, not kept unchanged. The way back to ml-model writes
    every such schema as its list again, converted fields (architecture, prediction type), kept ones and a field of
    another extension alike."""
    summaries = {"ml-model:architecture": ["random-forest"], "ml-model:learning_approach": ["supervised"],
                 "ml-model:prediction_type": ["classification"], "ml-model:training-os": ["macos-darwin"],
                 "ml-model:training-processor-type": ["cpu", "gpu"], "gsd": [10, 20]}
    src = collection(ML_MODEL, copy.deepcopy(summaries))
    up = convert(src, "mlm", keep_source=True)
    assert not errors(up)
    assert up.document["summaries"]["ml-model:training-processor-type"] == {"type": "string", "enum": ["cpu", "gpu"]}
    kept = entry(up, "/summaries/ml-model:training-os/0")
    assert kept["status"] == "transformed", kept  # kept under its key, but no longer the same value
    assert kept["reason"].startswith("kept for round trip (--keep-source); list summary written as the JSON Schema")
    down = convert(up.document, "ml-model")
    assert down.document["summaries"] == summaries and not errors(down)
    for key in ("mlm:architecture", "ml-model:learning_approach", "ml-model:training-os",
                "ml-model:training-processor-type", "gsd"):
        e = entry(down, f"/summaries/{key}/enum/0")
        assert e["status"] == "transformed" and e["reason"] == LIST_FORM, (key, e)
    r = rt.roundtrip(src, "mlm", keep_source=True)
    assert r["exact"], rt.render(r, "text")


def test_a_summary_the_list_of_its_values_cannot_say_keeps_its_json_schema() -> None:
    """Only a schema that says no more than its enum becomes a list: a range, a schema with other keywords, an
    empty enum or a type some value does not have stay as they are (ml-model takes any summary form)."""
    unchanged = {
        "ml-model:architecture": {"type": "string", "enum": ["U-Net"], "description": "one"},
        "gsd": {"minimum": 10, "maximum": 20},
        "eo:cloud_cover": {"type": "integer", "enum": [1, "a"]},
        "platform": {"type": "string", "enum": []},
        "instruments": {"type": "array", "items": {"type": "string", "enum": ["msi"]}, "minItems": 1},
    }
    plain = {
        "constellation": {"type": ["string", "null"], "enum": ["sentinel-2", None]},
        "view:off_nadir": {"type": "number", "enum": [0, 0.5]},  # a JSON Schema number includes integers
        "sci:citation": {"enum": [{"text": "x"}, 3]},  # no type: any values
        "sar:polarizations": {"type": "array", "items": {"type": "string", "enum": ["VV", "VH"]}},  # an array field
        "mlm:tasks": {"type": "array", "items": {"enum": ["classification"]}},
    }
    r = convert(collection(MLM, copy.deepcopy({**unchanged, **plain})), "ml-model", keep_source=True)
    out = r.document["summaries"]
    for key, summary in unchanged.items():
        assert out[key] == summary, key
        assert entry(r, f"/summaries/{key}")["status"] == "kept", key
    assert out["constellation"] == ["sentinel-2", None] and out["view:off_nadir"] == [0, 0.5]
    assert out["sci:citation"] == [{"text": "x"}, 3] and out["sar:polarizations"] == ["VV", "VH"]
    assert out["ml-model:prediction_type"] == ["classification"]


@pytest.mark.parametrize("to", ["dlm", "dlm-beta"])
def test_the_dlm_directions_write_json_schema_summaries_as_lists_too(to: str) -> None:
    doc = collection(MLM, {"gsd": {"type": "integer", "enum": [10]},
                           "mlm:framework": {"type": "string", "enum": ["pytorch"]}})
    r = convert(doc, to)
    assert r.document["summaries"] == {"gsd": [10]}
    assert entry(r, "/summaries/gsd/enum/0")["reason"] == LIST_FORM
    assert entry(r, "/summaries/mlm:framework")["status"] == "dropped"
    r = convert(doc, to, keep_source=True)
    assert r.document["summaries"] == {"gsd": [10], "mlm:framework": ["pytorch"]}
    back = convert(r.document, "mlm")
    assert back.document["summaries"] == doc["summaries"]


def test_an_ml_model_json_schema_summary_coming_back_a_list_is_a_re_encoding() -> None:
    """An ml-model Collection may hold a summary as a JSON Schema already: MLM keeps it, the way back writes it as
    its list and says so; the round trip shows a re-encoding, not an unexplained difference."""
    src = collection(ML_MODEL, {"ml-model:architecture": {"type": "string", "enum": ["U-Net"]},
                                "ml-model:prediction_type": ["segmentation"]})
    r = rt.roundtrip(src, "mlm", keep_source=True)
    assert r["ok"] and [d["path"] for d in r["re_encoded"]] == ["/summaries/ml-model:architecture"], \
        rt.render(r, "text")
    assert r["re_encoded"][0]["re_encoded"]["back"] == LIST_FORM
    assert r["document"]["summaries"]["ml-model:architecture"] == ["U-Net"]


def test_a_wider_type_than_the_values_need_comes_back_as_theirs() -> None:
    """{"type": "number", "enum": [10]} says what [10] says; the way up writes 10's own type, "integer": a
    re-encoding both legs announce, not an unexplained difference."""
    doc = collection(MLM, {"gsd": {"type": "number", "enum": [10]}})
    r = rt.roundtrip(doc, "ml-model")
    assert r["ok"] and [d["path"] for d in r["re_encoded"]] == ["/summaries/gsd/type"], rt.render(r, "text")


@pytest.mark.parametrize("to", ["dlm", "dlm-beta", "dlm-beta@1.0.0-beta.2"])
def test_keep_source_keeps_the_summaries_a_later_step_loses(to: str) -> None:
    """ml-model -> MLM renames the architecture and prediction type summaries (mlm:architecture, mlm:tasks); the
    step into dlm has no field for them and drops them there, a place the source does not have. The ml-model
    fields themselves (dlm's schema accepts ml-model:* keys) are what --keep-source keeps, as the source has them,
    and the round trip is exact."""
    summaries = {"ml-model:architecture": ["random-forest"], "ml-model:prediction_type": ["classification"],
                 "ml-model:learning_approach": ["supervised"]}
    src = collection(ML_MODEL, copy.deepcopy(summaries))
    r = convert(src, to, keep_source=True)
    assert r.document["summaries"] == summaries and not errors(r)
    for key in summaries:
        e = entry(r, f"/summaries/{key}/0")
        assert e["status"] == "kept" and e["reason"] == "kept for round trip (--keep-source)", (key, e)
    assert convert(src, to).document["summaries"] == {}  # without it they are lost, and said so
    back = rt.roundtrip(src, to, keep_source=True)
    assert back["exact"], rt.render(back, "text")


@pytest.mark.parametrize("to", ["dlm", "dlm-beta", "ml-model"])
def test_keep_source_keeps_a_field_where_the_repairs_put_it(to: str) -> None:
    """pystac's MLM example puts mlm:name, mlm:input and mlm:output on the only model asset, which the repairs
    move to the Item; the step out of MLM then has no field for them there. --keep-source keeps them where the
    repairs put it (the round trip compares with the source after its repairs), not back on the asset."""
    doc = json.loads((CORPORA / "producers" / "pystac-1.15.2-mlm-api-item.json").read_text(encoding="utf-8"))
    weights = doc["assets"]["weights"]
    r = convert(doc, to, keep_source=True)
    assert "mlm:name" not in r.document["assets"]["weights"]
    assert r.document["properties"]["mlm:name"] == weights["mlm:name"]
    e = entry(r, "/assets/weights/mlm:name")
    assert e["status"] == "repaired" and e["to"] == ["/properties/mlm:name"], e
    assert e["reason"].endswith("kept for round trip (--keep-source)"), e
    if to == "ml-model":  # (dlm carries the first input and output in its own objects)
        assert r.document["properties"]["mlm:output"] == weights["mlm:output"]
    back = rt.roundtrip(doc, to, keep_source=True)
    assert back["ok"] and not [d for d in back["differences"] if d["path"].startswith("/properties/mlm:name")]


def test_a_field_an_edge_repaired_and_carried_on_is_not_kept_where_it_went() -> None:
    """dlm beta's framework version 1.5 (a number) is repaired to text by the dlm edge and becomes
    mlm:framework_version, which the dlm step carries on into dlm:runtime.version. It is no field the repairs step
    moved: it does not also stay at mlm:framework_version."""
    doc = json.loads((CORPORA / "dlm-beta" / "cccot03-thelper-item.json").read_text(encoding="utf-8"))
    r = convert(doc, "dlm", keep_source=True)
    assert "mlm:framework_version" not in r.document["properties"]
    assert r.document["properties"]["dlm:runtime"]["version"] == "1.5.0"  # 1.5 as SemVer
