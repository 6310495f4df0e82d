"""crosswalk.transforms.stac: the STAC-level rules every plan ends with (schema URIs declared as the fields need)."""

from __future__ import annotations

import json

import pytest
from conftest import CORPORA

from crosswalk import pipeline

MLM_152 = "https://stac-extensions.github.io/mlm/v1.5.2/schema.json"
ML_MODEL = "https://stac-extensions.github.io/ml-model/v1.0.0/schema.json"


def _load(name: str) -> dict:
    return json.loads((CORPORA / name).read_text(encoding="utf-8"))


def _entries(result, path: str) -> list[dict]:
    return [e for e in result.report["fields"] if e["path"] == path]


@pytest.mark.parametrize("exts", [[], None, "absent"])
def test_an_item_found_by_its_fields_alone_declares_the_target_uri_and_is_checked_against_it(exts) -> None:
    doc = _load("mlm/spec-1.5.1-item_pytorch_geo_unet.json")  # found by its mlm:model asset role
    kept = [u for u in doc["stac_extensions"] if "/mlm/" not in u]
    if exts == "absent":
        del doc["stac_extensions"]
    else:
        doc["stac_extensions"] = kept if exts == [] else None
    doc["properties"]["mlm:architecture"] = 42  # the MLM schema says a string
    result = pipeline.convert(doc, to="mlm", verify=True)
    assert result.ok, result.error
    assert MLM_152 in result.document["stac_extensions"]
    assert not result.valid and any(i["path"] == "/properties/mlm:architecture" for i in result.report["issues"])
    (added,) = [e for e in result.report["fields"] if e["status"] == "invented" and "mlm fields" in e.get("reason", "")]
    assert result.document["stac_extensions"][int(added["path"].rsplit("/", 1)[1])] == MLM_152


def test_an_ml_model_item_without_its_uri_declares_it() -> None:
    doc = _load("ml-model/spec-dummy-item.json")
    doc["stac_extensions"] = [u for u in doc["stac_extensions"] if "ml-model" not in u]
    result = pipeline.convert(doc, to="ml-model", verify=True)
    assert result.ok, result.error
    assert ML_MODEL in result.document["stac_extensions"]


def test_a_second_older_version_of_the_family_is_dropped_and_the_run_is_idempotent() -> None:
    doc = _load("mlm/spec-1.5.1-item_pytorch_geo_unet.json")
    doc["stac_extensions"].append("https://stac-extensions.github.io/mlm/v1.4.0/schema.json")
    first = pipeline.convert(doc, to="mlm", verify=True)
    assert first.ok, first.error
    mlm = [u for u in first.document["stac_extensions"] if "/mlm/" in u]
    assert mlm == [MLM_152]
    assert any(e["status"] == "dropped" and "mlm 1.4.0 declared beside mlm@1.5.2" in e["reason"]
               for e in first.report["fields"])
    second = pipeline.convert(first.document, to="mlm", verify=True)
    assert second.document == first.document and not second.steps


def test_a_collection_named_by_asset_roles_alone_gets_no_uri() -> None:
    """The official MLM Collection examples carry no MLM URI, only mlm:* roles in item_assets: left so."""
    doc = {"type": "Collection", "stac_version": "1.0.0", "id": "c", "description": "d", "license": "MIT",
           "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [[None, None]]}},
           "links": [], "item_assets": {"weights": {"roles": ["mlm:model"]}}}
    result = pipeline.convert(doc, to="mlm", verify=True)
    assert result.ok, result.error
    assert "stac_extensions" not in result.document


def test_a_needed_uri_does_not_bring_an_unneeded_one_along() -> None:
    """eo:bands without the eo URI make the MLM item invalid, and the eo URI is added; file:size without the file
    URI needs nothing (a document with only that gets no file URI), so it gets none beside eo either: each URI is
    weighed against the document with the URIs added before it."""
    doc = _load("mlm/spec-1.5.1-item_pytorch_geo_unet.json")
    doc["stac_extensions"] = [u for u in doc["stac_extensions"] if "/eo/" not in u]
    doc["assets"]["model"]["file:size"] = 123
    r = pipeline.convert(doc, to="mlm")
    assert r.report["valid"]
    added = [e["reason"] for e in r.report["fields"] if e["status"] == "invented" and e["path"].startswith("/stac_ext")]
    assert added == ["eo:* fields are used; their extension declared"]
    assert not any("/file/" in u for u in r.document["stac_extensions"])
