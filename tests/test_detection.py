"""crosswalk.detection: which format a document is in, read from its schema URIs, then its fields."""

from __future__ import annotations

import itertools

import pytest

from crosswalk.detection import detect

MLM = "https://stac-extensions.github.io/mlm/v{}/schema.json"
EO = "https://stac-extensions.github.io/eo/v1.1.0/schema.json"


def _item(*uris: str) -> dict:
    return {"type": "Feature", "stac_version": "1.0.0", "id": "x", "stac_extensions": list(uris), "properties": {}}


@pytest.mark.parametrize("order", list(itertools.permutations([MLM.format("1.4.0"), EO, MLM.format("1.5.1")])))
def test_two_versions_of_a_family_read_as_the_newest_whatever_their_order(order) -> None:
    found = detect(_item(*order))
    assert str(found.format) == "mlm@1.5.1" and found.newer is None


@pytest.mark.parametrize("order", list(itertools.permutations([MLM.format("1.6.0"), MLM.format("1.5.1")])))
def test_a_version_newer_than_the_newest_known_wins_over_a_known_one(order) -> None:
    found = detect(_item(*order))
    assert str(found.format) == "mlm@1.5.2" and found.newer == "1.6.0"


def test_an_mlm_metadata_file_is_detected_but_not_dressed_up_as_an_item() -> None:
    from crosswalk import pipeline

    meta = {"$schema": MLM.format("1.5.0"), "properties": {"name": "unet", "architecture": "unet", "tasks": ["x"]}}
    assert detect(meta).object_type == "mlm-metadata"
    for target in ("mlm", "mlm@1.5.0"):
        result = pipeline.convert(meta, to=target)
        assert result.document is None and "MLM metadata file" in str(result.error)


@pytest.mark.parametrize(("role", "family"), [("mlm:model", "mlm"), ("ml-model:checkpoint", "ml-model")])
def test_a_collection_known_by_its_asset_roles_alone(role: str, family: str) -> None:
    """The official MLM Collection examples have neither a schema URI nor a field of their family, only its asset
    roles in item_assets; converted to ml-model they keep only ml-model's roles, and so are read back as ml-model
    (before, as nothing: no ML-model extension found)."""
    doc = {"type": "Collection", "stac_version": "1.0.0", "id": "c",
           "item_assets": {"weights": {"title": "model weights", "roles": [role]}}}
    found = detect(doc)
    assert (found.format.family, found.object_type) == (family, "Collection")
    assert found.evidence == (f"{family}:* asset roles",)
    with pytest.raises(Exception, match="no ML-model extension"):
        detect({**doc, "item_assets": {"weights": {"roles": ["data"]}}})


ML_MODEL = "https://stac-extensions.github.io/ml-model/v1.0.0/schema.json"
DL_MODEL_BETA3 = "https://schemas.stacspec.org/v1.0.0-beta.3/extensions/dl-model/json-schema/schema.json"


@pytest.mark.parametrize(("uris", "fields", "main", "other"), [
    # declared by URI beats present by fields alone: an ml-model document keeping dlm fields (--keep-source)
    ((ML_MODEL,), {"dlm:input": {}, "dlm:output": {}}, "ml-model@1.0.0", "dlm@1.0.0-draft"),
    ((ML_MODEL,), {"dlm:data": {}, "dlm:inputs": {}}, "ml-model@1.0.0", "dlm-beta@1.0.0-beta.2"),
    # the current dlm has no URI of its own: the dl-model one declares it
    ((ML_MODEL, DL_MODEL_BETA3), {"dlm:input": {}}, "dlm@1.0.0-draft", "ml-model@1.0.0"),
    ((MLM.format("1.5.2"),), {"dlm:input": {}, "ml-model:architecture": "x"}, "mlm@1.5.2", "dlm@1.0.0-draft"),
    # nothing declared: the newest family the fields show
    ((), {"dlm:input": {}, "ml-model:architecture": "x"}, "dlm@1.0.0-draft", "ml-model@1.0.0"),
])
def test_a_family_declared_by_its_schema_uri_before_one_present_by_its_fields(uris, fields, main, other) -> None:
    doc = _item(*uris)
    doc["properties"] = fields
    found = detect(doc)
    assert str(found.format) == main and str(found.others[0]) == other, found


# -- documents carrying several families --------------------------------------------------------------------------
def _mixed(mlm_file: str) -> tuple[dict, list[str]]:
    """An MLM Item that also carries ml-model's URI and fields (the ml-model spec example's), and those fields'
    names."""
    import json

    from conftest import CORPORA

    doc = json.loads((CORPORA / "producers" / mlm_file).read_text(encoding="utf-8"))
    ml_model = json.loads((CORPORA / "ml-model" / "spec-dummy-item.json").read_text(encoding="utf-8"))
    extra = {k: v for k, v in ml_model["properties"].items() if k.startswith("ml-model:")}
    doc["stac_extensions"].append(ml_model["stac_extensions"][0])
    doc["properties"].update(extra)
    return doc, sorted(extra)


@pytest.mark.parametrize("target", ["mlm", "mlm@1.4.0", "mlm@1.0.0", "dlm", "dlm-beta@1.0.0-beta.2"])
def test_the_other_family_is_converted_for_every_target_the_plan_reaches_through_the_latest_mlm(target) -> None:
    from crosswalk import pipeline

    doc, keys = _mixed("stac-model-0.6.1-eurosat_resnet.json")  # MLM 1.5.2: every plan starts at the latest
    assert [str(f) for f in detect(doc).others] == ["ml-model@1.0.0"]
    result = pipeline.convert(doc, to=target, verify=True)
    assert result.ok, result.error
    assert result.steps[0] == "ml-model@1.0.0 -> mlm@1.5.2"
    out = result.document
    assert not [u for u in out["stac_extensions"] if "/ml-model/" in u]
    assert not [k for k in out["properties"] if k.startswith("ml-model:")]
    for key in keys:  # each one accounted for on its own, not passed through under the root's "kept"
        (entry,) = [e for e in result.report["fields"] if e["path"] == f"/properties/{key}"]
        assert entry["status"] != "kept"
    assert result.valid, result.report["issues"]


def test_the_other_family_of_a_document_read_as_the_target_family_is_left_to_it() -> None:
    from crosswalk import pipeline

    doc, keys = _mixed("stac-model-0.6.1-eurosat_resnet.json")
    result = pipeline.convert(doc, to="ml-model")
    assert result.ok and not [s for s in result.steps if s.startswith("ml-model@")]
    assert set(keys) <= set(result.document["properties"])


def test_below_the_latest_mlm_a_plan_that_never_reaches_it_leaves_the_other_family_as_it_is() -> None:
    """An MLM 1.4.0 document kept at 1.4.0 never passes 1.5.2, where ml-model's edge lands: going up and down again
    to convert the ml-model fields would lose what the direct path keeps, so they stay as they are."""
    from crosswalk import pipeline

    doc, keys = _mixed("stac-model-0.3.0-eurosat_resnet.json")  # MLM 1.4.0
    result = pipeline.convert(doc, to="mlm@1.4.0", verify=True)
    assert result.ok and not [s for s in result.steps if s.startswith("ml-model@")]
    assert set(keys) <= set(result.document["properties"])


@pytest.mark.parametrize(("properties", "kind"), [(5, "a number"), ([], "an array"), ("x", "a string"), (None, "null")])
def test_an_ml_item_whose_properties_are_not_an_object_is_one_line_naming_them(properties, kind) -> None:
    """Every rule on an Item's fields reads its properties: one that is not an object failed deep inside the first
    rule ("cannot convert here ... [rule ...]"), as if the mapping were at fault."""
    from crosswalk.errors import FormatError

    with pytest.raises(FormatError) as raised:
        detect({**_item(MLM.format("1.5.2")), "properties": properties}, "item.json")
    assert str(raised.value) == f"item.json at /properties: not a STAC Item: its properties are {kind}, not an object"
    # a STAC Item of no ML-model family is still told apart (a bulk run copies it unchanged)
    with pytest.raises(FormatError) as raised:
        detect({**_item(EO), "properties": properties})
    assert raised.value.no_extension
