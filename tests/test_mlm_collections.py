"""MLM Collections and the target's own requirements along the MLM chain: what the Item rules of a step must not do
to a Collection (its assets, below MLM 1.2), what they must also do to one (item asset definitions, summaries,
value renames), the band check MLM 1.3.0 makes on every plan landing there, and round trips of list summaries."""

from __future__ import annotations

from conftest import small_mlm_item
from test_transforms_mlm import convert, entry

from crosswalk.engine import roundtrip as rt
from crosswalk.language.formats import registry


def collection(version: str, **fields) -> dict:
    """A small MLM Collection declaring ``version`` (one newer than the newest known too); keyword arguments add or
    replace top-level fields."""
    doc = {"type": "Collection", "stac_version": "1.0.0", "id": "c", "description": "d", "license": "MIT",
           "stac_extensions": [registry().families["mlm"].uri(version)], "links": [],
           "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                      "temporal": {"interval": [["2024-01-01T00:00:00Z", None]]}}}
    return {**doc, **fields}


# -- MLM 1.0/1.1: the mlm:model role on every asset is an Item rule --------------------------------------------
def test_a_collection_keeps_its_non_model_assets_below_mlm_1_2() -> None:
    """The 1.0.0 and 1.1.0 schemas require the mlm:model role on every asset of an Item only: their Collection
    branch checks asset fields, not roles, so a Collection's thumbnail and licence stay."""
    assets = {"thumbnail": {"href": "t.png", "type": "image/png", "roles": ["thumbnail"]},
              "license": {"href": "LICENSE", "type": "text/plain", "roles": ["metadata"]}}
    doc = collection("1.5.2", assets=assets)
    for to in ("mlm@1.1.0", "mlm@1.0.0"):
        r = convert(doc, to)
        assert r.document["assets"] == assets and r.valid, (to, r.report["issues"])
        assert not [e for e in r.report["fields"] if e["status"] == "dropped"], to
    item = small_mlm_item("1.5.2")
    item["assets"]["license"] = assets["license"]
    assert "license" not in convert(item, "mlm@1.1.0").document["assets"]  # an Item's still has no place there


# -- MLM 1.3.0 checks band definitions on every mlm:model asset, whichever way a plan lands there -----------------
def bands_item(version: str) -> dict:
    """An Item whose input names bands B01-B03 that nothing defines."""
    doc = small_mlm_item(version)
    doc["properties"]["mlm:input"][0]["bands"] = ["B01", "B02", "B03"]
    return doc


def test_a_downgrade_to_mlm_1_3_defines_the_input_bands_as_an_upgrade_does() -> None:
    r = convert(bands_item("1.4.0"), "mlm@1.3.0")
    assert r.valid, r.report["issues"]
    assert r.document["assets"]["model"]["eo:bands"] == [{"name": "B01"}, {"name": "B02"}, {"name": "B03"}]
    invented = entry(r, "/assets/model/eo:bands")
    assert invented["status"] == "invented" and invented["step"] == "mlm_1.3.invariants"


def test_a_code_asset_labelled_a_model_loses_the_role_at_mlm_1_3() -> None:
    """MLM 1.2 needs one mlm:model asset only; at 1.3 a code asset still labelled one would need band definitions
    of its own, so the role goes (as it does at 1.4), on an upgrade, a downgrade and the empty plan alike."""
    for version in ("1.2.0", "1.3.0", "1.4.0"):
        doc = bands_item(version)
        doc["assets"]["model"]["eo:bands"] = [{"name": "B01"}, {"name": "B02"}, {"name": "B03"}]
        doc["assets"]["code"] = {"href": "c.py", "type": "text/x-python", "roles": ["mlm:model", "code"]}
        r = convert(doc, "mlm@1.3.0")
        assert r.valid, (version, r.report["issues"])
        assert r.document["assets"]["code"]["roles"] == ["code"], version
        assert entry(r, "/assets/code/roles/0")["step"] == "mlm_1.3.invariants", version


# -- MLM 1.4 checks item asset definitions with the asset rules ----------------------------------------------------
def test_item_asset_definitions_lose_the_mlm_fields_the_asset_rules_reject() -> None:
    weights = {"title": "w", "roles": ["mlm:model"], "mlm:artifact_type": "torch.save"}
    r = convert(collection("1.3.0", item_assets={"weights": {**weights, "mlm:name": "resnet-18"}}), "mlm")
    assert r.valid, r.report["issues"]
    assert r.document["item_assets"]["weights"] == weights
    assert entry(r, "/item_assets/weights/mlm:name")["status"] == "dropped"
    r = convert(collection("1.6.0", item_assets={"weights": {**weights, "mlm:foo": 1}}), "mlm@1.5.2")
    assert r.valid and r.document["item_assets"]["weights"] == weights, r.report["issues"]
    assert "1.6.0" in entry(r, "/item_assets/weights/mlm:foo")["reason"]


# -- value renames reach a Collection's summaries and item asset definitions --------------------------------------
def test_the_downscaling_task_is_read_as_regression_in_summaries_and_item_assets_at_mlm_1_4() -> None:
    schema_form = {"type": "array", "items": {"type": "string", "enum": ["downscaling", "classification"]}}
    item_assets = {"weights": {"title": "w", "roles": ["mlm:model"], "mlm:artifact_type": "torch.save",
                               "mlm:tasks": ["downscaling"]}}
    for summary in (schema_form, ["downscaling", "classification"]):
        r = convert(collection("1.5.2", summaries={"mlm:tasks": summary}, item_assets=item_assets), "mlm@1.4.0")
        assert r.document["summaries"]["mlm:tasks"]["items"]["enum"] == ["regression", "classification"]
        assert r.document["item_assets"]["weights"]["mlm:tasks"] == ["regression"]
        assert "lossy" in {e["status"] for e in r.report["fields"] if e["path"].startswith("/summaries/mlm:tasks")}


def test_framework_spellings_follow_the_version_in_summaries_and_item_assets() -> None:
    item_assets = {"weights": {"title": "w", "roles": ["mlm:model"], "mlm:framework": "Huggingface"}}
    doc = collection("1.0.0", summaries={"mlm:framework": ["Scikit-learn", "Huggingface"]}, item_assets=item_assets)
    r = convert(doc, "mlm")
    assert r.document["summaries"]["mlm:framework"] == {"type": "string", "enum": ["scikit-learn", "Hugging Face"]}
    assert r.document["item_assets"]["weights"]["mlm:framework"] == "Hugging Face"
    back = convert(r.document, "mlm@1.0.0").document
    assert back["summaries"]["mlm:framework"]["enum"] == ["Scikit-learn", "Huggingface"]
    assert back["item_assets"]["weights"]["mlm:framework"] == "Huggingface"


# -- round trips: list summaries are a defect of an MLM source ----------------------------------------------------
def test_list_summaries_of_an_mlm_collection_come_back_as_the_baseline_expects() -> None:
    """Every MLM schema reads a summary as an object, so the list form is invalid MLM: each conversion landing on
    MLM rewrites it, and the round trip's baseline (the source after repairs) expects that form."""
    summaries = {"mlm:tasks": ["classification", "segmentation"], "mlm:architecture": ["ResNet", "U-Net"]}
    doc = collection("1.4.0", summaries=summaries)
    assert rt.repaired(doc)["summaries"]["mlm:architecture"] == {"type": "string", "enum": ["ResNet", "U-Net"]}
    for via in ("mlm@1.5.1", "mlm@1.4.0", "mlm@1.0.0"):  # mlm@1.4.0: the empty plan, which repairs too
        r = rt.roundtrip(doc, via)
        assert r["ok"] and r["exact"], (via, rt.render(r, "text"))
    assert doc["summaries"] == summaries
