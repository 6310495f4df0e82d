"""Reverse edges: MLM 1.5.2 -> older MLM and -> ml-model 1.0.0, and lossless mode (--keep-source)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from conftest import needs_shared, shared_files, small_mlm_item

from crosswalk import pipeline
from crosswalk.engine.keep import REASON, accepts
from crosswalk.io.documents import read_document
from crosswalk.language.formats import Format

MLM = "https://stac-extensions.github.io/mlm/v1.5.2/schema.json"
ML_MODEL = "https://stac-extensions.github.io/ml-model/v1.0.0/schema.json"
OLDER = ["mlm@1.5.1", "mlm@1.5.0", "mlm@1.4.0", "mlm@1.3.0", "mlm@1.2.0", "mlm@1.1.0", "mlm@1.0.0"]
EXAMPLES = shared_files("specs/mlm/v1.5.2/examples/item_*.json")


def item(**props) -> dict:
    """A small valid MLM 1.5.2 Item; keyword arguments replace or add item properties."""
    return small_mlm_item(**props)


def convert(doc, to, **kwargs):
    before = copy.deepcopy(doc)
    r = pipeline.convert(doc, to=to, verify=True, **kwargs)
    assert r.ok, r.error
    assert doc == before, "the input was mutated"
    assert not [i for i in r.report["issues"] if i["schema"] == "crosswalk:ledger"], r.report["issues"]
    return r


def errors(r) -> list:
    return [i for i in r.report["issues"] if i["severity"] == "error"]


def entry(r, path: str) -> dict:
    """The report entry that decides the fate of ``path``: the most specific one at or above it, else (for a
    container whose leaves have several fates) the worst one below it."""
    from crosswalk.engine.ledger import RANK
    from crosswalk.language.pointer import parse_pointer

    fields = [e for e in r.report["fields"] if e["status"] not in ("invented", "filled")]
    by = {e["path"]: e for e in fields}
    parts = parse_pointer(path)
    for n in range(len(parts), -1, -1):
        e = by.get("".join("/" + p for p in parts[:n]))
        if e is not None and (n == len(parts) or not any(f["path"].startswith(path + "/") for f in fields)):
            return e
    below = [e for e in fields if e["path"].startswith(path + "/")]
    return max(below, key=lambda e: RANK[e["status"]])


# -- the official examples ---------------------------------------------------------------------------------
@needs_shared
@pytest.mark.parametrize("src", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("keep_source", [False, True], ids=["plain", "keep-source"])
def test_official_examples_to_ml_model_validate(src: Path, keep_source: bool) -> None:
    r = convert(read_document(str(src)), "ml-model", keep_source=keep_source)
    assert errors(r) == [], errors(r)
    assert r.valid
    assert ML_MODEL in r.document["stac_extensions"] and MLM not in r.document["stac_extensions"]
    props = r.document["properties"]
    for key in ("ml-model:type", "ml-model:learning_approach", "ml-model:prediction_type", "ml-model:architecture"):
        assert isinstance(props[key], str)
    assert any(k.startswith("mlm:") for k in props) == keep_source


@needs_shared
@pytest.mark.parametrize("src", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("target", OLDER)
def test_official_examples_to_every_older_mlm_validate(src: Path, target: str) -> None:
    r = convert(read_document(str(src)), target)
    assert errors(r) == [], errors(r)
    uri = Format.parse(target)
    from crosswalk.language.formats import registry

    assert registry().families["mlm"].uri(uri.version) in r.document["stac_extensions"]


@needs_shared
@pytest.mark.parametrize("src", EXAMPLES, ids=lambda p: p.name)
def test_official_examples_to_mlm_1_3_0_keep_no_1_4_fields(src: Path) -> None:
    r = convert(read_document(str(src)), "mlm@1.3.0", keep_source=True)
    assert errors(r) == []
    for inp in r.document["properties"]["mlm:input"]:
        assert "value_scaling" not in inp
        assert isinstance(inp["bands"], list)


# -- MLM 1.5 -> 1.4 ------------------------------------------------------------------------------------------
def test_variables_output_bands_and_downscaling_go_at_1_4() -> None:
    doc = item(**{"mlm:tasks": ["regression", "downscaling"]})
    inp = doc["properties"]["mlm:input"][0]
    del inp["bands"]
    inp["variables"] = ["t2m"]
    out = doc["properties"]["mlm:output"][0]
    out["tasks"] = ["downscaling"]
    out["bands"] = []
    r = convert(doc, "mlm@1.4.0")
    props = r.document["properties"]
    assert props["mlm:tasks"] == ["regression"]
    assert props["mlm:output"][0]["tasks"] == ["regression"]
    assert "variables" not in props["mlm:input"][0] and props["mlm:input"][0]["bands"] == []
    assert "bands" not in props["mlm:output"][0]
    assert entry(r, "/properties/mlm:tasks/1")["status"] == "lossy"
    assert entry(r, "/properties/mlm:input/0/variables")["status"] == "dropped"
    assert any(e["path"] == "/properties/mlm:input/0/bands" and e["status"] == "invented" for e in r.report["fields"])


def test_processing_expression_lists_keep_their_first_element() -> None:
    doc = item()
    doc["properties"]["mlm:input"][0]["pre_processing_function"] = [
        {"format": "python", "expression": "a.b"}, {"format": "python", "expression": "c.d"}]
    doc["properties"]["mlm:output"][0]["post_processing_function"] = [{"format": "python", "expression": "e"}]
    r = convert(doc, "mlm@1.4.0")
    props = r.document["properties"]
    assert props["mlm:input"][0]["pre_processing_function"] == {"format": "python", "expression": "a.b"}
    assert props["mlm:output"][0]["post_processing_function"] == {"format": "python", "expression": "e"}
    assert entry(r, "/properties/mlm:input/0/pre_processing_function/1")["status"] == "dropped"
    assert errors(r) == []


def test_entrypoint_is_dropped_at_1_4() -> None:
    doc = item()
    doc["assets"]["code"] = {"href": "c.py", "roles": ["code"], "mlm:entrypoint": "pkg.mod:fn"}
    r = convert(doc, "mlm@1.4.0")
    assert "mlm:entrypoint" not in r.document["assets"]["code"]
    assert entry(r, "/assets/code/mlm:entrypoint")["status"] == "dropped"
    assert errors(r) == []


# -- MLM 1.4 -> 1.3 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("scaling", "norm"), [
    ([{"type": "z-score", "mean": 1.5, "stddev": 2.25}, {"type": "z-score", "mean": 3.0, "stddev": 4.0}],
     {"norm_type": "z-score", "norm_by_channel": True,
      "statistics": [{"mean": 1.5, "stddev": 2.25}, {"mean": 3.0, "stddev": 4.0}]}),
    ([{"type": "min-max", "minimum": 0, "maximum": 255}],
     {"norm_type": "min-max", "norm_by_channel": False, "statistics": [{"minimum": 0, "maximum": 255}]}),
    (None, {"norm_type": None}),
])
def test_value_scaling_becomes_norm_fields_exactly(scaling, norm) -> None:
    doc = item()
    doc["properties"]["mlm:input"][0]["value_scaling"] = scaling
    r = convert(doc, "mlm@1.3.0")
    inp = r.document["properties"]["mlm:input"][0]
    assert "value_scaling" not in inp
    assert {k: inp[k] for k in norm} == norm
    assert not [e for e in r.report["fields"] if e["status"] in ("lossy", "dropped")]
    assert errors(r) == []
    back = convert(r.document, "mlm@1.5.2")  # and the forward chain rebuilds the same value_scaling
    assert back.document["properties"]["mlm:input"][0]["value_scaling"] == scaling


def test_mixed_value_scaling_has_no_1_3_form() -> None:
    doc = item()
    doc["properties"]["mlm:input"][0]["value_scaling"] = [{"type": "clip", "minimum": 0, "maximum": 1},
                                                          {"type": "z-score", "mean": 0, "stddev": 1}]
    r = convert(doc, "mlm@1.3.0")
    inp = r.document["properties"]["mlm:input"][0]
    assert not {"value_scaling", "norm_type", "statistics"} & set(inp)
    assert entry(r, "/properties/mlm:input/0/value_scaling")["status"] == "dropped"
    assert "clip, z-score" in entry(r, "/properties/mlm:input/0/value_scaling")["reason"]


@pytest.mark.parametrize(("scaling", "statistics"), [
    ([{"type": "offset", "value": 100}], [{"mean": 100, "stddev": 1.0}]),  # (x - 100) / 1
    ([{"type": "scale", "value": 10000}], [{"mean": 0.0, "stddev": 10000}]),  # x / 10000: scale divides
    ([{"type": "min-max", "minimum": 10, "maximum": 30}, {"type": "scale", "value": 4},
      {"type": "z-score", "mean": 1, "stddev": 2}, {"type": "offset", "value": -3}],
     [{"mean": 10, "stddev": 20}, {"mean": 0.0, "stddev": 4}, {"mean": 1, "stddev": 2}, {"mean": -3, "stddev": 1.0}]),
])
def test_offset_scale_and_mixed_scalings_are_the_z_scores_they_are_before_1_4(scaling, statistics) -> None:
    """Each of z-score, min-max, offset and scale is exactly a z-score, (x - mean) / stddev; a list of them is one
    z-score per band in MLM 1.3 (they were dropped as having no norm_type form)."""
    doc = item()
    doc["properties"]["mlm:input"][0]["value_scaling"] = scaling
    r = convert(doc, "mlm@1.3.0")
    inp = r.document["properties"]["mlm:input"][0]
    assert (inp["norm_type"], inp["norm_by_channel"], inp["statistics"]) == ("z-score", len(scaling) > 1, statistics)
    assert not [e for e in r.report["fields"] if e["status"] in ("lossy", "dropped")]
    e = entry(r, "/properties/mlm:input/0/value_scaling/0/type")
    assert e["status"] == "transformed" and "offset v one with mean v and stddev 1" in e["reason"]
    assert errors(r) == []
    _to_pointers_exist(r)
    for (x, s), stat in zip([(250.0, s) for s in scaling], statistics, strict=True):  # the same number out
        kind = s["type"]
        want = ((x - s["minimum"]) / (s["maximum"] - s["minimum"]) if kind == "min-max" else x - s["value"]
                if kind == "offset" else x / s["value"] if kind == "scale" else (x - s["mean"]) / s["stddev"])
        assert (x - stat["mean"]) / stat["stddev"] == pytest.approx(want)


def test_a_scaling_with_no_1_3_form_stays_under_keep_source() -> None:
    """MLM 1.3 input objects are open: lossless mode keeps value_scaling there, and the way back restores it."""
    doc = item()
    scaling = [{"type": "processing", "format": "gdal-calc", "expression": "clip(A / 10000, 0, 1)"}]
    doc["properties"]["mlm:input"][0]["value_scaling"] = scaling
    r = convert(doc, "mlm@1.3.0", keep_source=True)
    assert r.document["properties"]["mlm:input"][0]["value_scaling"] == scaling
    assert entry(r, "/properties/mlm:input/0/value_scaling")["status"] == "kept" and errors(r) == []
    assert convert(r.document, "mlm@1.5.2").document["properties"]["mlm:input"][0]["value_scaling"] == scaling


def test_artifact_type_and_compile_method_stay_before_1_4() -> None:
    doc = item()
    doc["assets"]["model"]["mlm:compile_method"] = "aot"
    r = convert(doc, "mlm@1.0.0")
    assert r.document["assets"]["model"]["mlm:artifact_type"] == "torch.save"
    assert r.document["assets"]["model"]["mlm:compile_method"] == "aot"


def test_dlm_fields_are_rejected_before_1_4() -> None:
    doc = item(**{"dlm:runtime": {"framework": "pytorch"}})
    r = convert(doc, "mlm@1.3.0")
    assert "dlm:runtime" not in r.document["properties"]
    assert entry(r, "/properties/dlm:runtime")["status"] == "dropped"
    r = convert(doc, "mlm@1.3.0", keep_source=True)  # 1.0-1.3 reject dlm:*: nothing to park
    assert "dlm:runtime" not in r.document["properties"]


# -- MLM 1.3 -> 1.2 -> 1.1 -> 1.0 ----------------------------------------------------------------------------
def test_raster_bands_go_back_to_the_item_properties() -> None:
    doc = item()
    doc["stac_extensions"].append("https://stac-extensions.github.io/raster/v1.1.0/schema.json")
    doc["properties"]["mlm:input"][0]["bands"] = ["B1"]
    doc["properties"]["mlm:input"][0]["input"]["dim_order"][1] = "bands"
    doc["properties"]["mlm:input"][0]["input"]["shape"][1] = 1
    doc["assets"]["model"]["raster:bands"] = [{"name": "B1", "data_type": "uint16"}]
    r = convert(doc, "mlm@1.2.0")
    assert r.document["properties"]["raster:bands"] == [{"name": "B1", "data_type": "uint16"}]
    assert "raster:bands" not in r.document["assets"]["model"]
    assert entry(r, "/assets/model/raster:bands")["status"] == "moved"
    assert errors(r) == []


@pytest.mark.parametrize("elsewhere", [False, True])
def test_eo_bands_of_a_model_no_input_reads_have_no_place_at_mlm_1_2(elsewhere: bool) -> None:
    """No input lists bands: MLM 1.1/1.2 forbid eo:bands on the model asset, and the eo schema takes them in the
    item properties only when an asset has them too. With no such asset they are dropped (moved to the item
    properties, the output was invalid); beside another asset's, they move there."""
    doc = item()
    doc["stac_extensions"].append("https://stac-extensions.github.io/eo/v1.1.0/schema.json")
    bands = [{"name": "B4", "common_name": "red"}]
    doc["assets"]["model"]["eo:bands"] = copy.deepcopy(bands)
    if elsewhere:
        doc["assets"]["image"] = {"href": "i.tif", "roles": ["data"], "eo:bands": copy.deepcopy(bands)}
    assert doc["properties"]["mlm:input"][0]["bands"] == []
    r = convert(doc, "mlm@1.2.0")
    assert "eo:bands" not in r.document["assets"]["model"] and errors(r) == [], r.report["issues"]
    e = entry(r, "/assets/model/eo:bands")
    if elsewhere:
        assert e["status"] == "moved" and r.document["properties"]["eo:bands"] == bands
    else:
        assert e["status"] == "dropped" and "eo:bands" not in r.document["properties"]
        assert "only beside an asset's" in e["reason"]


def test_band_objects_become_names_and_expressions_are_lost() -> None:
    doc = item()
    doc["stac_extensions"].append("https://stac-extensions.github.io/eo/v1.1.0/schema.json")
    doc["assets"]["model"]["eo:bands"] = [{"name": "B4"}, {"name": "B8"}]
    inp = doc["properties"]["mlm:input"][0]
    inp["bands"] = [{"name": "B4"}, {"name": "NDVI", "format": "rio-calc", "expression": "(B8-B4)/(B8+B4)"}]
    inp["input"]["dim_order"][1] = "bands"
    inp["input"]["shape"][1] = 2
    r = convert(doc, "mlm@1.1.0")
    assert r.document["properties"]["mlm:input"][0]["bands"] == ["B4", "NDVI"]
    assert entry(r, "/properties/mlm:input/0/bands/1/expression")["status"] == "dropped"
    assert entry(r, "/properties/mlm:input/0/bands/0/name")["status"] == "lossy"  # the object form


def test_every_asset_must_be_a_model_in_1_1_so_others_are_dropped() -> None:
    doc = item()
    doc["assets"]["code"] = {"href": "src.zip", "roles": ["mlm:source_code", "code"]}
    r = convert(doc, "mlm@1.1.0")
    assert list(r.document["assets"]) == ["model"]
    e = entry(r, "/assets/code")
    assert e["status"] == "dropped" and "every asset" in e["reason"]
    assert errors(r) == []


def test_framework_spelling_of_1_0() -> None:
    r = convert(item(**{"mlm:framework": "scikit-learn"}), "mlm@1.0.0")
    assert r.document["properties"]["mlm:framework"] == "Scikit-learn"
    assert entry(r, "/properties/mlm:framework")["status"] == "transformed"


def test_plans_walk_the_chain_backwards() -> None:
    steps = [f"{e.source} -> {e.target}" for e in pipeline.plan("mlm@1.5.2", "mlm@1.0.0")]
    assert len(steps) == 7 and steps[0] == "mlm@1.5.2 -> mlm@1.5.1" and steps[-1] == "mlm@1.1.0 -> mlm@1.0.0"
    assert [e.id for e in pipeline.plan("mlm@1.2.0", "ml-model")][-1] == "mlm_1.5.2__ml-model_1.0.0"


# -- MLM -> ml-model ----------------------------------------------------------------------------------------
def test_ml_model_fields_tasks_and_learning_approach() -> None:
    doc = item(**{"mlm:tasks": ["semantic-segmentation", "classification"]})
    doc["stac_extensions"].append("https://stac-extensions.github.io/classification/v1.1.0/schema.json")
    doc["properties"]["mlm:output"][0]["classification:classes"] = [{"value": 0, "name": "a", "description": "a"}]
    r = convert(doc, "ml-model")
    props = r.document["properties"]
    assert props["ml-model:prediction_type"] == "segmentation"
    assert props["ml-model:architecture"] == "ResNet"
    assert props["ml-model:type"] == "ml-model"
    assert props["ml-model:learning_approach"] == "supervised"
    assert entry(r, "/properties/mlm:tasks")["status"] == "lossy"
    la = next(e for e in r.report["fields"] if e["path"] == "/properties/ml-model:learning_approach")
    assert la["status"] == "invented" and "classes" in la["reason"]
    assert not [k for k in props if k.startswith("mlm:")]
    assert errors(r) == []


def test_learning_approach_unknown_without_evidence() -> None:
    r = convert(item(), "ml-model")
    assert r.document["properties"]["ml-model:learning_approach"] == "unknown"


@pytest.mark.parametrize("link", [{"rel": "derived_from", "ml-aoi:split": "train"}, {"rel": "ml-model:train-data"}])
def test_learning_approach_supervised_when_the_item_links_training_data(link) -> None:
    """Either spelling of a training-data link (MLM's derived_from + ml-aoi:split, ml-model's own relation) says
    the model was trained on labelled data; empty classes say nothing."""
    doc = item()
    doc["links"] = [{"rel": "self", "href": "https://example.com/item.json"}, {**link, "href": "https://example.com/t"}]
    doc["properties"]["mlm:output"][0]["classification:classes"] = []
    r = convert(doc, "ml-model")
    assert r.document["properties"]["ml-model:learning_approach"] == "supervised"
    la = next(e for e in r.report["fields"] if e["path"] == "/properties/ml-model:learning_approach")
    assert la["status"] == "invented" and la["reason"].endswith("the item links training data")


def test_roles_links_and_container_assets() -> None:
    doc = item()
    doc["stac_extensions"].append("https://stac-extensions.github.io/ml-aoi/v0.2.0/schema.json")
    doc["assets"]["model"]["roles"] = ["mlm:model", "mlm:checkpoint", "mlm:weights"]
    doc["assets"]["compose"] = {"href": "c.yml", "type": "text/x-yaml; application=compose",
                                "roles": ["mlm:inference-runtime", "runtime"]}
    doc["assets"]["image"] = {"href": "docker://x/y:1", "type": "application/vnd.oci.image.index.v1+json",
                              "roles": ["runtime", "mlm:inference-runtime"], "title": "Image"}
    doc["links"] = [{"rel": "derived_from", "href": "train.json", "ml-aoi:split": "train"},
                    {"rel": "derived_from", "href": "val.json", "ml-aoi:split": "validate"}]
    r = convert(doc, "ml-model")
    d = r.document
    assert d["assets"]["model"]["roles"] == ["ml-model:checkpoint"]
    assert entry(r, "/assets/model/roles/0")["status"] == "transformed"  # exactly what ml-model:checkpoint became
    assert d["assets"]["compose"]["roles"] == ["ml-model:inference-runtime"]
    assert "image" not in d["assets"]
    assert {"rel": "ml-model:inferencing-image", "href": "docker://x/y:1", "type": "docker-image",
            "title": "Image"} in d["links"]
    assert d["links"][0] == {"rel": "ml-model:train-data", "href": "train.json"}
    assert d["links"][1]["ml-aoi:split"] == "validate"  # no ml-model relation: stays as it was
    assert "https://stac-extensions.github.io/ml-aoi/v0.2.0/schema.json" in d["stac_extensions"]
    assert errors(r) == []


def test_a_container_asset_without_an_href_becomes_no_link() -> None:
    doc = item()
    doc["assets"]["c"] = {"type": "application/vnd.oci.image.index.v1+json", "roles": ["mlm:training-runtime"]}
    r = convert(doc, "ml-model")  # it wrote a link with an href nothing accounted for (an internal error)
    assert "c" not in r.document["assets"]
    assert all(link.get("rel") != "ml-model:training-image" for link in r.document["links"])
    assert entry(r, "/assets/c")["status"] == "dropped"
    assert "href" in entry(r, "/assets/c")["reason"]


def test_placeholder_model_asset_is_not_carried_back() -> None:
    doc = item()
    doc["assets"] = {"model": {"href": "about:blank", "roles": ["mlm:model"], "mlm:artifact_type": "unknown"}}
    r = convert(doc, "ml-model")
    assert r.document["assets"] == {}
    assert entry(r, "/assets/model")["status"] == "dropped"


# -- lossless mode ----------------------------------------------------------------------------------------------
def test_keep_source_parks_fields_with_no_target() -> None:
    r = convert(item(**{"mlm:framework": "PyTorch"}), "ml-model", keep_source=True)
    props = r.document["properties"]
    assert props["mlm:framework"] == "PyTorch" and props["mlm:name"] == "model-x"
    e = entry(r, "/properties/mlm:framework")
    assert e["status"] == "kept" and e["reason"] == REASON
    assert "mlm:tasks" not in props  # mapped exactly (transformed), so not kept twice
    assert errors(r) == []


def test_keep_source_keeps_a_lossy_source_beside_its_translation() -> None:
    r = convert(item(**{"mlm:tasks": ["scene-classification"]}), "ml-model", keep_source=True)
    props = r.document["properties"]
    assert props["ml-model:prediction_type"] == "classification"
    assert props["mlm:tasks"] == ["scene-classification"]
    e = entry(r, "/properties/mlm:tasks/0")
    assert e["status"] == "lossy" and REASON in e["reason"]
    assert sorted(e["to"]) == ["/properties/ml-model:prediction_type", "/properties/mlm:tasks/0"]


@pytest.mark.parametrize(("target", "key", "ok"), [
    ("mlm@1.5.2", "ml-model:training-os", True), ("mlm@1.5.2", "dlm:runtime", True),
    ("mlm@1.5.2", "mlm:unknown", False), ("mlm@1.3.0", "dlm:runtime", False), ("mlm@1.3.0", "mlm:entrypoint", True),
    ("ml-model@1.0.0", "mlm:name", True), ("ml-model@1.0.0", "ml-model:other", False),
    ("mlm@1.5.2", "title", False),
])
def test_which_target_accepts_a_parked_key(target, key, ok) -> None:
    assert accepts(Format.parse(target), key) is ok


def test_keep_source_without_a_foreign_prefix_still_drops() -> None:
    doc = item()
    doc["assets"]["code"] = {"href": "src.zip", "roles": ["code"]}
    r = convert(doc, "mlm@1.1.0", keep_source=True)
    assert "code" not in r.document["assets"]


# -- MLM -> dlm ------------------------------------------------------------------------------------------------
DLM_TARGETS = ["dlm-beta@1.0.0-beta.3", "dlm-beta@1.0.0-beta.2", "dlm@1.0.0-draft"]
THELPER = Path(__file__).resolve().parents[1] / "corpora" / "dlm-beta" / "cccot03-thelper-item.json"


@needs_shared
@pytest.mark.parametrize("src", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("target", DLM_TARGETS)
@pytest.mark.parametrize("keep_source", [False, True], ids=["plain", "keep-source"])
def test_official_examples_to_dlm_validate_against_our_dlm_schemas(src: Path, target: str, keep_source: bool) -> None:
    from crosswalk.validation.dlm_schemas import check_dlm

    r = convert(read_document(str(src)), target, keep_source=keep_source)
    assert errors(r) == [], errors(r)
    assert check_dlm(r.document, target) == []
    props = r.document["properties"]
    assert any(k.startswith("mlm:") for k in props) == keep_source


def test_z_score_becomes_dlm_normalisation_exactly() -> None:
    doc = item()
    doc["properties"]["mlm:input"][0]["value_scaling"] = [{"type": "z-score", "mean": 0.5, "stddev": 0.25}]
    r = convert(doc, "dlm-beta@1.0.0-beta.3")
    inputs = r.document["properties"]["dlm:inputs"]
    assert (inputs["scaling_factor"], inputs["normalization:mean"], inputs["normalization:std"]) == (1.0, [0.5], [0.25])
    assert r.document["properties"]["dlm:outputs"]["task"] == "classification"
    r = convert(doc, "dlm-beta@1.0.0-beta.2")
    assert r.document["stac_extensions"][-1].startswith("https://schemas.stacspec.org/v1.0.0-beta.2/")


def _effective(inputs: dict) -> list[float]:
    s = inputs["scaling_factor"]
    return [m / s for m in inputs["normalization:mean"]] + [d / s for d in inputs["normalization:std"]]


def test_thelper_round_trip_keeps_its_normalisation() -> None:
    """dlm-beta -> MLM -> dlm-beta: MLM folds scaling_factor into the z-score (mean/s, std/s), so the way back
    writes scaling_factor 1 and the folded numbers; the normalisation they describe is the same to 1e-12."""
    from crosswalk.engine.roundtrip import roundtrip

    doc = read_document(str(THELPER))
    r = roundtrip(doc, "mlm")
    before, after = _effective(doc["properties"]["dlm:inputs"]), _effective(r["document"]["properties"]["dlm:inputs"])
    assert len(before) == len(after)
    for a, b in zip(before, after, strict=True):
        assert abs(a - b) <= 1e-12 * abs(a)
    # lossless mode parks the dlm objects in the MLM output: they come back, numbers and all, as the source kept at
    # its own version is (landing on beta2, both get the repairs its schema asks for: version 1.5 as text...)
    r = roundtrip(doc, "mlm", keep_source=True)
    kept = pipeline.convert(doc, to="dlm-beta@1.0.0-beta.2").document
    assert kept["properties"]["dlm:runtime"]["version"] == "1.5"
    for key in [k for k in doc["properties"] if k.startswith("dlm:")]:
        assert r["document"]["properties"][key] == kept["properties"][key], key
    assert {d["path"] for d in r["unexplained"]} <= {"/stac_extensions/0", "/stac_extensions/2"}  # 'dl-model' id


# -- values never replaced silently on the way down ------------------------------------------------------------------
def _to_pointers_exist(r) -> None:
    from crosswalk.language.pointer import exists, parse_pointer

    missing = [(e["path"], t) for e in r.report["fields"] for t in e.get("to", [])
               if not exists(r.document, parse_pointer(t))]
    assert missing == []


@pytest.mark.parametrize("target", ["dlm-beta@1.0.0-beta.3", "dlm"])
def test_a_single_scale_object_keeps_its_value_in_dlm(target: str) -> None:
    """pystac's MLM API writes value_scaling as one object. MLM's scale divides by its value: a scale of 10000 is
    the z-score with mean 0 and std 10000 (scaling_factor 1), the value carried as written, never lost."""
    doc = item()
    doc["properties"]["mlm:input"][0]["value_scaling"] = {"type": "scale", "value": 10000}
    r = convert(doc, target)
    beta = target.startswith("dlm-beta")
    key, mean, std = ("dlm:inputs", "normalization:mean", "normalization:std") if beta else ("dlm:input", "mean", "std")
    inputs = r.document["properties"][key]
    assert (inputs["scaling_factor"], inputs[mean], inputs[std]) == (1.0, [0.0], [10000])
    e = entry(r, "/properties/mlm:input/0/value_scaling/value")
    assert e["status"] in ("transformed", "repaired")  # repaired: the one object was wrapped in a list first
    assert e["to"] == [f"/properties/{key}/{std}/0"]
    _to_pointers_exist(r)


def test_the_dlm_normalisation_never_makes_up_a_number() -> None:
    """A scale of 10000 is mean 0 and std 10000; null is no scaling; anything it cannot read (one scaling object
    alone, which the repairs wrap in a list before any edge runs) is a problem, never a number."""
    from crosswalk.transforms.dlm.down import _normalisation

    norm, problem, _ = _normalisation({"value_scaling": [{"type": "scale", "value": 10000}]})
    assert problem is None
    assert norm == {"scaling_factor": 1.0, "mean": [0.0], "std": [10000]}
    assert _normalisation({"value_scaling": {"type": "scale", "value": 10000}})[1]
    assert _normalisation({"value_scaling": None})[:2] == (None, None)  # no scaling: nothing to carry
    assert _normalisation({"value_scaling": "x"})[0] is None  # unreadable: a problem, never a number
    assert _normalisation({"value_scaling": "x"})[1]


def test_a_single_z_score_object_becomes_mlm_1_3_statistics() -> None:
    doc = item()
    doc["properties"]["mlm:input"][0]["value_scaling"] = {"type": "z-score", "mean": 10, "stddev": 2}
    r = convert(doc, "mlm@1.3.0")
    inp = r.document["properties"]["mlm:input"][0]
    assert (inp["norm_type"], inp["norm_by_channel"], inp["statistics"]) == ("z-score", False,
                                                                           [{"mean": 10, "stddev": 2}])
    assert "value_scaling" not in inp
    _to_pointers_exist(r)


@pytest.mark.parametrize("target", ["dlm-beta@1.0.0-beta.3", "dlm", "mlm@1.3.0"])
def test_a_scaling_the_target_cannot_hold_is_dropped_not_turned_into_a_number(target: str) -> None:
    doc = item()
    doc["properties"]["mlm:input"][0]["value_scaling"] = {"type": "clip", "minimum": 0, "maximum": 3000}
    r = convert(doc, target)
    assert entry(r, "/properties/mlm:input/0/value_scaling")["status"] in ("lossy", "dropped")
    invented = {e["path"] for e in r.report["fields"] if e["status"] == "invented"}
    for e in r.report["fields"]:  # no entry claims the clip went into a number of the output
        if e["path"].startswith("/properties/mlm:input/0/value_scaling"):
            assert e["status"] in ("lossy", "dropped") and "to" not in e, e
    if target.startswith("dlm-beta"):  # the beta layout requires a normalisation: a placeholder, said so
        assert "/properties/dlm:inputs/scaling_factor" in invented
    _to_pointers_exist(r)


def mlm_1_1_item() -> dict:
    """A small MLM 1.1.0 Item with the legacy per-channel z-score fields."""
    doc = item()
    doc["stac_extensions"] = ["https://crim-ca.github.io/mlm-extension/v1.1.0/schema.json"]
    inp = doc["properties"]["mlm:input"][0]
    inp["norm_type"] = "z-score"
    inp["norm_by_channel"] = True
    inp["statistics"] = [{"mean": 1, "stddev": 2}, {"mean": 3, "stddev": 4}]
    return doc


@pytest.mark.parametrize("target", ["dlm-beta@1.0.0-beta.3", "dlm-beta@1.0.0-beta.2", "dlm"])
def test_legacy_normalisation_reaches_dlm_and_is_reported_so(target: str) -> None:
    """MLM 1.1 per-channel z-score (means 1, 3; deviations 2, 4) is dlm's factor 1 with those lists; norm_type and
    norm_by_channel went into them, so they are transformed to those places, not dropped."""
    r = convert(mlm_1_1_item(), target)
    key, mean, std = (("dlm:inputs", "normalization:mean", "normalization:std") if target.startswith("dlm-beta")
                      else ("dlm:input", "mean", "std"))
    inputs = r.document["properties"][key]
    assert (inputs["scaling_factor"], inputs[mean], inputs[std]) == (1.0, [1, 3], [2, 4])
    for field in ("norm_type", "norm_by_channel"):
        e = entry(r, f"/properties/mlm:input/0/{field}")
        assert e["status"] == "transformed", e
        assert f"/properties/{key}/scaling_factor" in e["to"]
    _to_pointers_exist(r)


@pytest.mark.parametrize("target", ["dlm-beta@1.0.0-beta.3", "dlm"])
def test_an_ml_model_item_reaches_dlm_with_its_input_name_accounted_for(target: str) -> None:
    r = convert(read_document(str(Path(__file__).parents[1] / "corpora/ml-model/spec-dummy-item.json")), target)
    key = "dlm:inputs" if target.startswith("dlm-beta") else "dlm:input"
    assert r.document["properties"][key]["name"]
    e = [f for f in r.report["fields"] if f["path"] == f"/properties/{key}/name"
         or f.get("to") and f"/properties/{key}/name" in f["to"]]
    assert e and all(f["status"] == "invented" for f in e), e  # ml-model names no input
    _to_pointers_exist(r)


def test_a_derived_band_loses_its_expression_and_says_so() -> None:
    """The current dlm lists band names only: a derived band keeps its name; its format and expression are
    dropped (reported), never claimed transformed to a place the output lacks."""
    doc = item()
    doc["properties"]["mlm:input"][0]["bands"] = [
        {"name": "B04"}, {"name": "B08"},
        {"name": "NDVI", "format": "python", "expression": "(B08 - B04) / (B08 + B04)"},
    ]
    r = convert(doc, "dlm")
    assert r.document["properties"]["dlm:input"]["band_names"] == ["B04", "B08", "NDVI"]
    for k in ("format", "expression"):
        e = entry(r, f"/properties/mlm:input/0/bands/2/{k}")
        assert e["status"] == "dropped" and "to" not in e, e
    assert entry(r, "/properties/mlm:input/0/bands/2/name")["to"] == ["/properties/dlm:input/band_names/2"]
    _to_pointers_exist(r)


@pytest.mark.parametrize("target", ["dlm", "dlm-beta@1.0.0-beta.3"])
def test_each_axis_goes_to_its_named_tensor_member(target: str) -> None:
    """shape [-1, 3, 8, 8] in batch/channel/height/width order: the draft names the channel axis `channels`,
    the beta `dim`; a variable batch (-1) is written as 1, which is lossy."""
    r = convert(item(), target)
    beta = target.startswith("dlm-beta")
    tensor = (r.document["properties"]["dlm:inputs"]["input_tensors"][0] if beta
              else r.document["properties"]["dlm:input"]["input_tensors"])
    channel = "dim" if beta else "channels"
    assert tensor == {"batch": 1, channel: 3, "height": 8, "width": 8}
    base = "/properties/dlm:inputs/input_tensors/0" if beta else "/properties/dlm:input/input_tensors"
    assert entry(r, "/properties/mlm:input/0/input/dim_order/1")["to"] == [f"{base}/{channel}"]
    assert entry(r, "/properties/mlm:input/0/input/shape/2")["to"] == [f"{base}/height"]
    assert entry(r, "/properties/mlm:input/0/input/shape/0")["status"] == "lossy"
    _to_pointers_exist(r)


# -- MLM -> dlm: the rules of the down edges ---------------------------------------------------------------------
BETA3 = "dlm-beta@1.0.0-beta.3"


def _created(r, path: str) -> dict:
    return next(e for e in r.report["fields"] if e["path"] == path and e["status"] in ("invented", "filled"))


def test_required_beta_fields_without_a_source_are_invented_and_fill_replaces_them() -> None:
    """dlm beta.3 requires dlm:runtime.framework and requirement_file; MLM has no requirement file and the Item
    names no framework: placeholders, each said so, and a --fill value wins over the placeholder."""
    r = convert(item(), BETA3, fill={"*": {"/properties/dlm:runtime/requirement_file": "requirements.txt"}})
    runtime = r.document["properties"]["dlm:runtime"]
    assert runtime["framework"] == "unknown"
    assert _created(r, "/properties/dlm:runtime/framework")["reason"] == "dlm beta requires a framework; MLM names none"
    assert runtime["requirement_file"] == "requirements.txt"
    assert _created(r, "/properties/dlm:runtime/requirement_file")["status"] == "filled"
    _to_pointers_exist(r)


@pytest.mark.parametrize(("target", "key"), [(BETA3, "total_nb_parameters"), ("dlm", "total_parameters")])
def test_architecture_fields_move_and_bytes_become_megabytes(target: str, key: str) -> None:
    """mlm:memory_size is in bytes, dlm's size estimate in MB (2**20 bytes): 3 MiB is 3.0, reported lossy (an
    estimate); the parameter count moves unchanged."""
    r = convert(item(**{"mlm:total_parameters": 11_000_000, "mlm:memory_size": 3 * 1048576}), target)
    arch = r.document["properties"]["dlm:architecture"]
    size = "estimated_total_size_mb" if target == BETA3 else "ram_size_mb"
    assert arch["type"] == "ResNet" and arch[key] == 11_000_000 and arch[size] == 3.0
    assert entry(r, "/properties/mlm:total_parameters")["status"] == "moved"
    e = entry(r, "/properties/mlm:memory_size")
    assert (e["status"], e["to"]) == ("lossy", [f"/properties/dlm:architecture/{size}"])


def test_the_current_dlm_writes_no_architecture_mlm_says_nothing_about() -> None:
    """The current layout's dlm:architecture and dlm:runtime are optional: absent, or holding only what MLM
    gives, where the beta layout invents its required placeholders."""
    doc = item()
    del doc["properties"]["mlm:architecture"]
    props = convert(doc, "dlm").document["properties"]
    assert "dlm:architecture" not in props
    assert props["dlm:runtime"] == {"model_artifact": "m.pt"}  # the model asset's href, nothing invented
    r = convert(doc, BETA3)
    assert r.document["properties"]["dlm:architecture"]["type"] == "unknown"
    assert _created(r, "/properties/dlm:architecture/type")["reason"] == "dlm beta requires the architecture type"


@pytest.mark.parametrize("target", [BETA3, "dlm"])
def test_pretrained_becomes_the_dlm_pretraining_string(target: str) -> None:
    r = convert(item(**{"mlm:pretrained": False}), target)
    assert r.document["properties"]["dlm:architecture"]["pretrained"] == "none"
    assert entry(r, "/properties/mlm:pretrained")["status"] == "transformed"
    r = convert(item(**{"mlm:pretrained": True, "mlm:pretrained_source": "ImageNet"}), target)
    assert r.document["properties"]["dlm:architecture"]["pretrained"] == "ImageNet"
    assert entry(r, "/properties/mlm:pretrained_source")["status"] == "moved"
    e = entry(r, "/properties/mlm:pretrained")
    assert (e["status"], e["reason"]) == ("transformed", "implied by the source")


def test_dont_care_index_moves_to_the_beta_outputs() -> None:
    r = convert(item(**{"mlm:hyperparameters": {"dont_care_index": 255, "lr": 0.1}}), BETA3)
    assert r.document["properties"]["dlm:outputs"]["dont_care_index"] == 255
    e = entry(r, "/properties/mlm:hyperparameters/dont_care_index")
    assert (e["status"], e["to"]) == ("moved", ["/properties/dlm:outputs/dont_care_index"])
    assert convert(item(**{"mlm:hyperparameters": {"dont_care_index": "255"}}), BETA3).document["properties"][
        "dlm:outputs"].get("dont_care_index") is None  # dlm's dont_care_index is an integer


@pytest.mark.parametrize("target", [BETA3, "dlm"])
def test_a_dlm_object_already_present_wins_over_the_mlm_fields(target: str) -> None:
    """A dlm:architecture already in the Item (kept there by --keep-source on the way to MLM) stays as it is:
    no placeholder is added to it, and the MLM fields it corresponds to are dropped, said why."""
    present = {"type": "UNet", "total_nb_parameters": 5}
    r = convert(item(**{"dlm:architecture": present, "mlm:total_parameters": 7}), target)
    assert r.document["properties"]["dlm:architecture"] == present
    for key in ("mlm:architecture", "mlm:total_parameters"):
        e = entry(r, f"/properties/{key}")
        assert (e["status"], e["reason"]) == ("dropped", "dlm:architecture already present; kept that value")


def test_a_collection_gets_no_dlm_objects() -> None:
    """The dlm objects describe an Item's model; a Collection's summaries have no place for them."""
    doc = {"type": "Collection", "stac_version": "1.0.0", "stac_extensions": [MLM], "id": "c",
           "description": "d", "license": "MIT", "links": [],
           "extent": {"spatial": {"bbox": [[0, 0, 1, 1]]}, "temporal": {"interval": [[None, None]]}},
           "summaries": {"mlm:name": ["model-x"]}}
    for target in (BETA3, "dlm"):
        r = pipeline.convert(doc, to=target)
        assert r.ok, r.error
        assert not any(k.startswith("dlm:") for k in r.document)


@pytest.mark.parametrize("target", ["mlm@1.5.1", "mlm@1.4.0", "ml-model"])
def test_legacy_norm_keys_left_in_a_1_5_input_go_on_the_way_down(target: str) -> None:
    """The official 1.4+ examples keep norm_by_channel beside value_scaling, or alone (item_datacube_variables):
    MLM 1.4 replaced it by value_scaling, so the reverse steps drop it, saying which case it was."""
    scaling = [{"type": "z-score", "mean": 1.0, "stddev": 2.0}]
    doc = item()
    inputs = doc["properties"]["mlm:input"]
    inputs[0].update(value_scaling=scaling, norm_by_channel=False)
    inputs.append({**copy.deepcopy(inputs[0]), "name": "aux", "norm_by_channel": True})
    del inputs[1]["value_scaling"]
    result = pipeline.convert(doc, to=target)
    assert result.ok, result.error
    for i, why in ((0, "superseded by value_scaling"), (1, "without a norm_type")):
        (entry,) = [e for e in result.report["fields"] if e["path"] == f"/properties/mlm:input/{i}/norm_by_channel"]
        assert entry["status"] == "dropped" and why in entry["reason"], entry
    if target.startswith("mlm"):
        out = result.document["properties"]["mlm:input"]
        assert out[0]["value_scaling"] == scaling and "value_scaling" not in out[1]
        assert not any("norm_by_channel" in x for x in out)


def test_downscaling_merges_into_the_first_regression_at_1_4() -> None:
    """MLM 1.4's task enum has no `downscaling`: it is read as `regression`, which is listed once, where the first
    of the two occurs; a non-list task field is left to validation."""
    doc = item(**{"mlm:tasks": ["downscaling", "classification", "regression"]})
    doc["properties"]["mlm:output"][0]["tasks"] = ["classification", "regression", "downscaling"]
    r = convert(doc, "mlm@1.4.0")
    props = r.document["properties"]
    assert errors(r) == []
    assert props["mlm:tasks"] == ["regression", "classification"]
    assert props["mlm:output"][0]["tasks"] == ["classification", "regression"]
    first = entry(r, "/properties/mlm:tasks/0")
    assert (first["status"], first["to"]) == ("lossy", ["/properties/mlm:tasks/0"])
    assert "downscaling" in first["reason"]
    assert (entry(r, "/properties/mlm:tasks/2")["status"], entry(r, "/properties/mlm:tasks/2")["to"]) == (
        "moved", ["/properties/mlm:tasks/0"])
    last = entry(r, "/properties/mlm:output/0/tasks/2")
    assert (last["status"], last["to"]) == ("lossy", ["/properties/mlm:output/0/tasks/1"])
    odd = convert(item(**{"mlm:tasks": "downscaling"}), "mlm@1.4.0")
    assert odd.document["properties"]["mlm:tasks"] == "downscaling"


@pytest.mark.parametrize("target", ["ml-model", "dlm", "dlm-beta"])
def test_an_object_among_a_model_assets_roles_stays_and_stops_nothing(target: str) -> None:
    """Not a role (the schema says so); the roles around it convert as they do without it."""
    doc = item()
    doc["assets"]["model"]["roles"].append({"odd": 1})
    r = convert(doc, target)
    roles = r.document["assets"]["model"]["roles"]
    assert roles[-1] == {"odd": 1} and roles[0] in ("ml-model:checkpoint", "model artefact")
    assert entry(r, f"/assets/model/roles/{len(roles) - 1}")["status"] == "kept"


@pytest.mark.parametrize("target", ["dlm", "dlm-beta", "mlm@1.3.0"])
def test_a_scaling_type_that_is_not_text_is_named_in_the_reason_it_has_no_place(target: str) -> None:
    doc = item()
    doc["properties"]["mlm:input"][0]["value_scaling"] = [{"type": ["z-score"], "mean": 1, "stddev": 2}]
    r = convert(doc, target)
    e = entry(r, "/properties/mlm:input/0/value_scaling/0/type")
    assert e["status"] == "dropped" and 'value_scaling of type ["z-score"] has no' in e["reason"]


def test_a_uri_of_the_target_version_already_declared_is_kept_by_the_swap() -> None:
    """A step's swap removes every MLM URI and adds its target's: one that was already declared beside the source's
    stays declared (it was removed with the others and never added back)."""
    doc = convert(item(), "mlm@1.5.1").document
    uri = doc["stac_extensions"][0]
    assert "mlm/v1.5.1" in uri
    doc["stac_extensions"].insert(1, uri.replace("v1.5.1", "v1.5.0"))
    r = convert(doc, "mlm@1.5.0")
    assert r.document["stac_extensions"][:1] == [uri.replace("v1.5.1", "v1.5.0")] and errors(r) == []
    assert (entry(r, "/stac_extensions/1")["status"], entry(r, "/stac_extensions/1")["to"]) == (
        "moved", ["/stac_extensions/0"])


@pytest.mark.parametrize("value, said", [([], "empty variables list"), (None, "variables in mlm:input has no target"),
                                         ("", "variables in mlm:input has no target")])
def test_variables_dropped_at_1_4_are_called_empty_only_when_they_are_an_empty_list(value, said) -> None:
    doc = item()
    doc["properties"]["mlm:input"][0]["variables"] = value
    r = convert(doc, "mlm@1.4.0")
    assert entry(r, "/properties/mlm:input/0/variables")["reason"].startswith(said)
