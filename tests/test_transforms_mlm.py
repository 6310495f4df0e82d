"""The MLM transforms on the cases no corpus document reaches: legacy normalisations without an exact
value_scaling, dim_order without listed bands, a newer MLM version, model fields on several
model assets or on a non-model asset, legacy keys beside value_scaling on the way down, and typed summaries."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from conftest import CORPORA, small_mlm_item

from crosswalk import pipeline
from crosswalk.language.formats import registry

ROOT = Path(__file__).resolve().parents[1]


def item(version: str, **props) -> dict:
    """A small MLM Item declaring ``version``, its input bands B01-B03 defined in eo:bands; keyword arguments
    replace or add item properties."""
    bands = {
        "mlm:input": [{"name": "in", "bands": ["B01", "B02", "B03"],
                       "input": {"shape": [-1, 3, 8, 8], "dim_order": ["batch", "bands", "height", "width"],
                                 "data_type": "float32"}}],
        "eo:bands": [{"name": "B01"}, {"name": "B02"}, {"name": "B03"}],
    }
    return small_mlm_item(version, **{**bands, **props})


def convert(doc: dict, to: str) -> pipeline.Result:
    r = pipeline.convert(copy.deepcopy(doc), to=to, verify=True)
    assert r.ok, r.error
    return r


def entry(r: pipeline.Result, path: str) -> dict:
    return next(e for e in r.report["fields"] if e["path"] == path)


def first_input(r: pipeline.Result) -> dict:
    return r.document["properties"]["mlm:input"][0]


def legacy_input(**norm) -> list[dict]:
    return [{"name": "in", "bands": ["B01", "B02", "B03"], **norm,
             "input": {"shape": [-1, 3, 8, 8], "dim_order": ["batch", "bands", "height", "width"],
                       "data_type": "float32"}}]


def test_clip_becomes_one_processing_expression_per_band_lossily() -> None:
    doc = item("1.3.0", **{"mlm:input": legacy_input(norm_type="clip", norm_clip=[255, 4095, 1])})
    r = convert(doc, "mlm")
    expressions = [s["expression"] for s in first_input(r)["value_scaling"]]
    assert expressions == ["clip(A / 255, 0, 1)", "clip(A / 4095, 0, 1)", "clip(A / 1, 0, 1)"]
    assert {s["type"] for s in first_input(r)["value_scaling"]} == {"processing"}
    clip = entry(r, "/properties/mlm:input/0/norm_clip")
    assert clip["status"] == "lossy" and clip["reason"] == "clip became a gdal-calc processing expression"


def test_z_score_without_a_standard_deviation_has_no_value_scaling() -> None:
    doc = item("1.3.0", **{"mlm:input": legacy_input(norm_type="z-score", statistics=[{"mean": 1}])})
    r = convert(doc, "mlm")
    assert "value_scaling" not in first_input(r) and "norm_type" not in first_input(r)
    norm = entry(r, "/properties/mlm:input/0/norm_type")
    assert norm["status"] == "dropped" and norm["reason"] == "z-score without mean/stddev statistics"


def test_norm_type_null_is_value_scaling_null_and_the_rest_goes() -> None:
    doc = item("1.3.0", **{"mlm:input": legacy_input(norm_type=None, norm_by_channel=False)})
    r = convert(doc, "mlm")
    assert first_input(r)["value_scaling"] is None and "norm_by_channel" not in first_input(r)
    assert entry(r, "/properties/mlm:input/0/norm_type")["to"] == ["/properties/mlm:input/0/value_scaling"]
    channel = entry(r, "/properties/mlm:input/0/norm_by_channel")
    assert channel["status"] == "dropped" and channel["reason"] == "no normalisation applies (norm_type null)"


def test_a_bands_dimension_without_listed_bands_becomes_channel() -> None:
    doc = item("1.4.0", **{"mlm:input": legacy_input()})
    doc["properties"]["mlm:input"][0]["bands"] = []
    r = convert(doc, "mlm")
    assert first_input(r)["input"]["dim_order"] == ["batch", "channel", "height", "width"]
    assert entry(r, "/properties/mlm:input/0/input/dim_order/1")["reason"] == (
        "dimension 'bands' renamed 'channel' (MLM 1.5: no bands are listed)")


def test_a_newer_mlm_version_drops_what_the_newest_known_does_not_define() -> None:
    doc = item("1.5.2", **{"mlm:future": 1})
    doc["stac_extensions"] = ["https://stac-extensions.github.io/mlm/v1.6.0/schema.json"]
    doc["assets"]["model"]["mlm:future_asset"] = 2
    r = convert(doc, "mlm@1.5.1")
    assert "mlm:future" not in r.document["properties"] and "mlm:future_asset" not in r.document["assets"]["model"]
    dropped = entry(r, "/properties/mlm:future")
    assert dropped["reason"] == "mlm:future is not defined by MLM 1.5.2 (the document is 1.6.0)"
    assert entry(r, "/stac_extensions")["reason"].startswith("MLM 1.6.0 is newer than the newest known version")


def test_model_fields_on_several_model_assets_stay_where_they_are() -> None:
    doc = item("1.5.2")
    doc["properties"].pop("mlm:architecture")
    doc["assets"]["model"]["mlm:architecture"] = "UNet"
    doc["assets"]["other"] = {"href": "o.pt", "roles": ["mlm:model"], "mlm:artifact_type": "torch.save"}
    r = pipeline.convert(copy.deepcopy(doc), to="mlm")
    kept = entry(r, "/assets/model/mlm:architecture")
    assert kept["status"] == "kept" and "2 model assets" in kept["reason"]


def test_an_item_field_on_a_non_model_asset_moves_to_the_item_in_mlm_1_4() -> None:
    doc = item("1.3.0", **{"mlm:input": legacy_input()})
    doc["properties"].pop("mlm:name")
    doc["assets"]["code"] = {"href": "c.py", "roles": ["code"], "mlm:name": "from-asset"}
    r = convert(doc, "mlm")
    assert r.document["properties"]["mlm:name"] == "from-asset" and "mlm:name" not in r.document["assets"]["code"]
    assert entry(r, "/assets/code/mlm:name")["to"] == ["/properties/mlm:name"]


def test_an_entrypoint_is_dropped_at_1_4_naming_that_no_1_4_location_holds_it() -> None:
    """The MLM README lists mlm:entrypoint on the source code asset, but the 1.4.0 schema defines it nowhere and
    rejects undefined mlm:* fields: dropped (on the model asset, the code asset, the item), saying where it comes
    back."""
    doc = item("1.3.0", **{"mlm:input": legacy_input(), "mlm:entrypoint": "pkg.mod:item"})
    doc["assets"]["model"]["mlm:entrypoint"] = "pkg.mod:model"
    doc["assets"]["code"] = {"href": "c.py", "roles": ["code"], "mlm:entrypoint": "pkg.mod:predict"}
    r = convert(doc, "mlm@1.4.0")
    for path in ("/properties/mlm:entrypoint", "/assets/model/mlm:entrypoint", "/assets/code/mlm:entrypoint"):
        dropped = entry(r, path)
        assert dropped["status"] == "dropped" and dropped["step"] == "mlm_1.3.0__mlm_1.4.0"
        assert dropped["reason"].startswith("MLM 1.4.0 has no mlm:entrypoint") and "1.5.0" in dropped["reason"]
    assert "entrypoint" not in json.dumps(r.document)


def test_legacy_keys_beside_value_scaling_give_way_to_it_on_the_way_down() -> None:
    scaling = [{"type": "z-score", "mean": 1, "stddev": 2}]
    doc = item("1.4.0", **{"mlm:input": legacy_input(value_scaling=scaling, norm_type="z-score",
                                                     statistics=[{"mean": 5, "stddev": 6}])})
    r = convert(doc, "mlm@1.3.0")
    assert first_input(r)["statistics"] == [{"mean": 1, "stddev": 2}] and first_input(r)["norm_type"] == "z-score"
    old = entry(r, "/properties/mlm:input/0/statistics")
    assert old["status"] == "dropped" and old["reason"] == "legacy key superseded by value_scaling"


def test_list_summaries_become_typed_enums_when_their_values_share_a_type() -> None:
    doc = {"type": "Collection", "stac_version": "1.0.0", "id": "c", "description": "d", "license": "MIT",
           "stac_extensions": [registry().families["mlm"].uri("1.5.2")], "links": [],
           "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [[None, None]]}},
           "summaries": {"mlm:tasks": ["classification"], "mlm:total_parameters": [1, 2],
                         "mlm:framework": ["pytorch", 1], "mlm:pretrained": []}}
    summaries = convert(doc, "mlm").document["summaries"]
    assert summaries["mlm:tasks"] == {"type": "array", "items": {"type": "string", "enum": ["classification"]}}
    assert summaries["mlm:total_parameters"] == {"type": "integer", "enum": [1, 2]}
    assert summaries["mlm:framework"] == {"enum": ["pytorch", 1]}
    assert summaries["mlm:pretrained"] == {"enum": []}


def leaf_status(r: pipeline.Result, pointer: str) -> str:
    """The status the report gives a source leaf: its most specific entry at or above it."""
    entries = {e["path"]: e["status"] for e in r.report["fields"] if "to" in e or e["status"] in ("kept", "dropped")}
    while pointer not in entries:
        pointer = pointer.rpartition("/")[0]
    return entries[pointer]


def test_statistics_a_scaling_type_does_not_use_are_dropped_not_moved() -> None:
    """A z-score entry keeps mean and stddev; the minimum and maximum beside them are not in value_scaling, so
    they are reported dropped (they were once reported moved along with the rest: lost, said kept)."""
    stats = [{"mean": 1, "stddev": 2, "minimum": 0, "maximum": 9}, {"mean": 3, "stddev": 4, "minimum": 1, "maximum": 8}]
    doc = item("1.3.0", **{"mlm:input": legacy_input(norm_type="z-score", statistics=stats)})
    r = convert(doc, "mlm")
    scaling = first_input(r)["value_scaling"]
    for i, stat in enumerate(stats):
        for key, value in stat.items():
            status = leaf_status(r, f"/properties/mlm:input/0/statistics/{i}/{key}")
            if key in ("mean", "stddev"):
                assert status == "moved" and scaling[i][key] == value
            else:
                assert status == "dropped" and key not in scaling[i]


def test_an_item_artifact_type_every_model_asset_overrides_is_dropped_with_a_reason() -> None:
    doc = item("1.3.0", **{"mlm:input": legacy_input(), "mlm:artifact_type": "torch.jit.script"})
    r = convert(doc, "mlm")
    e = entry(r, "/properties/mlm:artifact_type")
    assert e["status"] == "dropped" and e["reason"].endswith("which all have their own")
    assert r.document["assets"]["model"]["mlm:artifact_type"] == "torch.save"


def test_a_class_description_is_credited_to_the_label_it_was_taken_from() -> None:
    """An empty title gives no text: the description comes from the name, and the report says so."""
    doc = item("1.5.2")
    doc["properties"]["mlm:output"][0]["classification:classes"] = [{"value": 0, "title": "", "name": "cat"}]
    r = convert(doc, "mlm")
    here = "/properties/mlm:output/0/classification:classes/0"
    assert r.document["properties"]["mlm:output"][0]["classification:classes"][0]["description"] == "cat"
    assert f"{here}/description" in entry(r, f"{here}/name")["to"]
    assert all(f"{here}/description" not in e.get("to", []) for e in r.report["fields"] if e["path"] == f"{here}/title")


def test_image_links_become_container_assets_with_their_titles_and_a_free_key() -> None:
    """ml-model image links become assets: an empty title is kept (not reported moved to nowhere), and a key
    already taken gets a suffix (the transform declares that it writes there)."""
    doc = json.loads((ROOT / "corpora" / "ml-model" / "spec-dummy-item.json").read_text(encoding="utf-8"))
    image = next(link for link in doc["links"] if link["rel"] == "ml-model:training-image")
    image["title"] = ""
    doc["assets"]["mlm:training"] = {"href": "taken.tar", "roles": ["data"]}
    r = convert(doc, "mlm")
    assert r.document["assets"]["mlm:training-2"]["title"] == ""
    assert r.document["assets"]["mlm:training"] == doc["assets"]["mlm:training"]


def test_a_tensor_or_an_asset_table_of_the_wrong_type_is_left_to_the_schema() -> None:
    """An input whose `input` is a list, or an Item whose assets are a list, is invalid: the invariants leave it
    alone and validation says what is wrong (they stopped the conversion with an error about mlm:input)."""
    from crosswalk.validation.validator import check

    doc = small_mlm_item()
    doc["properties"]["mlm:input"][0]["input"] = [1, 2]
    listed = small_mlm_item()
    listed["assets"] = list(listed["assets"].values())
    for bad, where in ((doc, "/properties/mlm:input/0/input"), (listed, "/assets")):
        result = pipeline.convert(copy.deepcopy(bad), to="mlm")
        assert result.ok, result.error
        assert any(i.path == where and i.severity == "error" for i in check(result.document))


@pytest.mark.parametrize("value", ["", None])
def test_an_empty_artifact_type_is_replaced_and_reported_repaired_not_kept(value) -> None:
    doc = json.loads((CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json").read_text(encoding="utf-8"))
    model = next(a for a in doc["assets"].values() if "mlm:model" in a.get("roles", []))
    model["mlm:artifact_type"] = value
    r = pipeline.convert(doc, verify=True)
    assert r.ok, r.error
    key = next(k for k, a in doc["assets"].items() if a is model)
    e = entry(r, f"/assets/{key}/mlm:artifact_type")
    assert e["status"] == "repaired" and "names none" in e["reason"]
    assert r.document["assets"][key]["mlm:artifact_type"]


def test_null_eo_bands_on_the_model_asset_are_replaced_and_reported_repaired_not_kept() -> None:
    doc = json.loads((CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json").read_text(encoding="utf-8"))
    for host in [doc["properties"], *doc["assets"].values()]:
        for key in ("eo:bands", "raster:bands", "bands"):
            host.pop(key, None)
    key = next(k for k, a in doc["assets"].items() if "mlm:model" in a.get("roles", []))
    doc["assets"][key]["eo:bands"] = None
    r = pipeline.convert(doc, verify=True)
    assert r.ok, r.error
    e = entry(r, f"/assets/{key}/eo:bands")
    assert e["status"] == "repaired" and "instead of null" in e["reason"]
    assert all("name" in b for b in r.document["assets"][key]["eo:bands"])


# Malformed values where a list or an object belongs: converted around, never a stopped conversion (each once
# stopped the document with "cannot convert ... here").
@pytest.mark.parametrize("props, why", [
    ({"mlm:input": legacy_input(norm_type="z-score", statistics=5)}, "z-score without"),
    ({"mlm:input": legacy_input(norm_type="clip", norm_clip=255)}, "clip without"),
])
def test_legacy_statistics_that_are_no_list_are_dropped_with_a_reason(props, why) -> None:
    r = convert(item("1.3.0", **props), "mlm")
    assert "value_scaling" not in first_input(r)
    assert any(e["status"] in ("dropped", "lossy") and why in (e.get("reason") or "") for e in r.report["fields"])


@pytest.mark.parametrize("where", ["properties", "asset"])
def test_band_definitions_that_are_no_list_are_left_to_the_schema(where) -> None:
    doc = item("1.0.0")
    if where == "properties":
        doc["properties"]["eo:bands"] = 5
    else:
        del doc["properties"]["eo:bands"]
        next(iter(doc["assets"].values()))["raster:bands"] = 5
    r = convert(doc, "mlm")
    assert r.document["properties"]["mlm:input"][0]["bands"] == ["B01", "B02", "B03"]


def test_input_bands_that_are_no_list_are_left_to_the_schema() -> None:
    doc = item("1.0.0", **{"mlm:input": [{**legacy_input()[0], "bands": 3}]})
    r = convert(doc, "mlm")
    assert first_input(r)["bands"] == 3 and not r.valid


@pytest.mark.parametrize("top, value", [("assets", [{"href": "m.pt"}]), ("assets", "m.pt")])
def test_assets_that_are_no_object_do_not_stop_the_role_repairs(top, value) -> None:
    doc = item("1.3.0")
    doc[top] = value
    r = convert(doc, "mlm")
    assert r.document[top] == value and not r.valid


def test_a_shape_that_is_no_list_leaves_dim_order_as_it_is() -> None:
    doc = item("1.4.0", **{"mlm:input": [{**legacy_input()[0], "input": {"shape": 5, "dim_order": ["batch", "x"]}}]})
    r = convert(doc, "mlm")
    assert first_input(r)["input"] == {"shape": 5, "dim_order": ["batch", "x"]} and not r.valid


@pytest.mark.parametrize("key", ["mlm:input", "eo:bands"])
def test_raster_bands_move_to_the_model_asset_whatever_the_input_and_eo_bands_hold(key) -> None:
    doc = item("1.2.0", **{"raster:bands": [{"data_type": "uint16"}], key: 5})
    r = convert(doc, "mlm")
    model = next(a for a in r.document["assets"].values() if "mlm:model" in a.get("roles", []))
    assert model["raster:bands"] == [{"data_type": "uint16", "name": "B01"}]  # named from what is a list


def test_stac_model_0_1_2_code_asset_loses_the_model_role_beside_a_model_with_the_data_role() -> None:
    """stac-model 0.1.2 writes MLM 1.0 with mlm:model on every asset, the model as ["mlm:model", "mlm:weights",
    "data"] (as MLM's best practices show it): data beside a weights role does not make it no model, so the
    source code asset is the one that loses the role, with no artefact type and no bands invented for it."""
    doc = json.loads((CORPORA / "producers" / "stac-model-0.1.2-eurosat_resnet.json").read_text(encoding="utf-8"))
    assert doc["assets"]["model"]["roles"] == ["mlm:model", "mlm:weights", "data"]
    assert doc["assets"]["source_code"]["roles"] == ["mlm:model", "code"]
    r = convert(doc, "mlm")
    code, model = r.document["assets"]["source_code"], r.document["assets"]["model"]
    assert code["roles"] == ["code"] and "mlm:artifact_type" not in code and "eo:bands" not in code
    assert model["roles"] == ["mlm:model", "mlm:weights", "data"] and model["mlm:artifact_type"] == "torch.save"
    assert entry(r, "/assets/source_code/roles/0")["status"] == "dropped"
    assert r.valid


@pytest.mark.parametrize(("model", "other", "demoted"), [
    (["mlm:model", "model", "data"], ["mlm:model", "code"], "other"),  # the MLM README's model asset roles
    (["mlm:model", "data"], ["mlm:model", "code"], "other"),  # data alone is weaker than code
    (["mlm:model", "mlm:weights"], ["mlm:model", "data"], "other"),  # a data file beside the weights
    (["mlm:model", "data"], ["mlm:model", "metadata", "data"], "other"),
    (["mlm:model", "code"], ["mlm:model", "metadata"], None),  # no model artefact to keep: left as it is
])
def test_which_asset_loses_the_model_role(model: list[str], other: list[str], demoted: str | None) -> None:
    doc = item("1.0.0")
    doc["assets"] = {"model": {"href": "m.pt", "roles": model},
                     "other": {"href": "https://example.com/x", "roles": other}}
    r = convert(doc, "mlm")
    kept = {k for k, a in r.document["assets"].items() if "mlm:model" in a["roles"]}
    assert kept == ({"model", "other"} - {demoted})


@pytest.mark.parametrize(("code_assets", "moved_to", "words"), [
    ({"code": {"href": "c.py", "roles": ["mlm:source_code", "code"]}}, "code", None),
    ({}, None, "which the document lacks"),
    ({"code": {"href": "c.py", "roles": ["code"], "mlm:entrypoint": "pkg.mod:own"}}, None, "sets its own"),
    ({"a": {"href": "a.py", "roles": ["code"]}, "b": {"href": "b.py", "roles": ["code"]}}, None, "ambiguous"),
])
def test_an_item_entrypoint_goes_to_the_one_code_asset_when_the_conversion_reaches_1_5(
        code_assets: dict, moved_to: str | None, words: str | None) -> None:
    """MLM 1.4 rejects mlm:entrypoint everywhere; 1.5 takes it on code assets. An Item-level value holds for the
    assets that set none of their own (MLM README), so on a conversion that goes on to 1.5 it moves to the one code
    asset without its own; with none, or several, it is dropped saying why (not that MLM has no place for it)."""
    doc = item("1.3.0", **{"mlm:input": legacy_input(), "mlm:entrypoint": "pkg.mod:item"})
    doc["assets"].update(copy.deepcopy(code_assets))
    r = convert(doc, "mlm")
    assert "mlm:entrypoint" not in r.document["properties"]
    assert not [i for i in r.report["issues"] if "entrypoint" in json.dumps(i) or "/assets/code" in i["path"]]
    e = entry(r, "/properties/mlm:entrypoint")
    if moved_to:
        assert r.document["assets"][moved_to]["mlm:entrypoint"] == "pkg.mod:item"
        assert e["status"] == "moved" and e["to"] == [f"/assets/{moved_to}/mlm:entrypoint"]
    else:
        assert e["status"] == "dropped" and words in e["reason"] and "MLM 1.4.0 has no" not in e["reason"]
        assert [a.get("mlm:entrypoint") for a in r.document["assets"].values()] == [
            a.get("mlm:entrypoint") for a in doc["assets"].values()]
