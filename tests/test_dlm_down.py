"""MLM -> dlm: the cases of the down transforms that no document of the corpora has (an offset scaling, a time axis,
an input without a shape, classes without an integer value, a processing level with a sub-level, bands on the
model asset), each checked against what the dlm layouts say."""

from __future__ import annotations

import pytest
from test_downgrade import _to_pointers_exist, convert, entry, item

BETA3 = "dlm-beta@1.0.0-beta.3"


def _created(r, path: str) -> dict:
    return next(e for e in r.report["fields"] if e["path"] == path and e["status"] in ("invented", "filled"))


@pytest.mark.parametrize("target", [BETA3, "dlm"])
def test_offsets_are_z_scores_with_std_1_and_an_unknown_member_has_no_place(target: str) -> None:
    doc = item()
    doc["properties"]["mlm:input"][0]["value_scaling"] = [{"type": "offset", "value": 3},
                                                           {"type": "offset", "value": 4, "note": "x"}]
    r = convert(doc, target)
    beta = target == BETA3
    key, mean, std = ("dlm:inputs", "normalization:mean", "normalization:std") if beta else ("dlm:input", "mean", "std")
    inputs = r.document["properties"][key]
    assert (inputs["scaling_factor"], inputs[mean], inputs[std]) == (1.0, [3, 4], [1.0, 1.0])
    e = entry(r, "/properties/mlm:input/0/value_scaling/1/value")
    assert (e["status"], e["to"]) == ("transformed", [f"/properties/{key}/{mean}/1"])
    # the std 1 is what the type says (data - value is the z-score with std 1): made from it, not invented
    e = entry(r, "/properties/mlm:input/0/value_scaling/1/type")
    assert e["status"] == "transformed"
    assert sorted(e["to"]) == sorted([f"/properties/{key}/scaling_factor", f"/properties/{key}/{std}/1"])
    invented = [f["path"] for f in r.report["fields"] if f["status"] == "invented"]
    assert not [p for p in invented if p.split("/")[3:4] in (["scaling_factor"], [mean], [std])]
    e = entry(r, "/properties/mlm:input/0/value_scaling/1/note")
    assert e["status"] == "dropped" and "'note' has no dlm counterpart" in e["reason"]
    _to_pointers_exist(r)


def test_a_time_axis_is_a_member_of_the_current_tensor_and_has_no_place_in_the_beta_one() -> None:
    doc = item()
    doc["properties"]["mlm:input"][0]["input"] = {"shape": [1, 4, 3, 8, 8], "data_type": "uint8",
                                                  "dim_order": ["batch", "time", "bands", "y", "x"]}
    r = convert(doc, "dlm")
    assert r.document["properties"]["dlm:input"]["input_tensors"] == {"batch": 1, "time": 4, "channels": 3,
                                                                      "height": 8, "width": 8}
    r = convert(doc, BETA3)
    assert r.document["properties"]["dlm:inputs"]["input_tensors"] == [{"batch": 1, "dim": 3, "height": 8, "width": 8}]
    for part in ("shape", "dim_order"):
        e = entry(r, f"/properties/mlm:input/0/input/{part}/1")
        assert e["status"] == "dropped" and "the beta tensor has no time member" in e["reason"]
    _to_pointers_exist(r)


def test_an_axis_name_of_its_own_is_lost_in_dlm_member_names() -> None:
    """dlm names its tensor members: "y" and "x" become height and width (the way back writes those), so the names
    are lost; batch, time and the band axis keep theirs (the way back derives "bands" again)."""
    doc = item()
    doc["properties"]["mlm:input"][0]["input"] = {"shape": [1, 4, 3, 8, 8], "data_type": "uint8",
                                                  "dim_order": ["batch", "time", "bands", "y", "x"]}
    r = convert(doc, "dlm")
    fates = [entry(r, f"/properties/mlm:input/0/input/dim_order/{i}") for i in range(5)]
    assert [e["status"] for e in fates] == ["transformed", "transformed", "transformed", "lossy", "lossy"]
    assert "the axis name 'y' became dlm's 'height'" in fates[3]["reason"]
    assert entry(r, "/properties/mlm:input/0/input/shape/3")["status"] == "transformed"  # the size itself is kept


@pytest.mark.parametrize(("target", "key", "tensor"), [
    (BETA3, "dlm:inputs", [{"batch": 1, "dim": 2, "height": 1, "width": 1}]),
    ("dlm", "dlm:input", {"batch": 1, "channels": 2, "height": 1, "width": 1}),
])
def test_an_input_without_a_shape_gets_placeholder_sizes_that_fill_replaces(target: str, key: str, tensor) -> None:
    """The channels of the placeholder are the input's bands (two here); everything else is 1."""
    doc = item()
    doc["properties"]["mlm:input"][0]["bands"] = ["B04", "B08"]
    del doc["properties"]["mlm:input"][0]["input"]["shape"]
    r = convert(doc, target)
    assert r.document["properties"][key]["input_tensors"] == tensor
    assert _created(r, f"/properties/{key}/input_tensors")["status"] == "invented"
    filled = {"batch": 4, "channels": 2, "height": 64, "width": 64}
    r = convert(doc, "dlm", fill={"*": {"/properties/dlm:input/input_tensors": filled}})
    assert r.document["properties"]["dlm:input"]["input_tensors"] == filled


def test_classes_without_an_integer_value_have_no_place_and_are_not_counted() -> None:
    doc = item()
    doc["properties"]["mlm:output"][0]["classification:classes"] = [
        {"value": 0, "name": "water", "color_hint": "0000ff"}, {"value": "1", "name": "land"},
        {"value": 2, "title": "Cloud", "name": "cloud"}]
    r = convert(doc, BETA3)
    outputs = r.document["properties"]["dlm:outputs"]
    assert outputs["class_name_mapping"] == [{"index": 0, "class_name": "water"}, {"index": 2, "class_name": "Cloud"}]
    assert outputs["number_of_classes"] == 2
    e = entry(r, "/properties/mlm:output/0/classification:classes/1")
    assert e["status"] == "dropped" and "without an integer value" in e["reason"]
    e = entry(r, "/properties/mlm:output/0/classification:classes/0/color_hint")
    assert e["status"] == "dropped" and "color_hint has no dlm counterpart" in e["reason"]
    assert entry(r, "/properties/mlm:output/0/classification:classes/2/title")["to"] == [
        "/properties/dlm:outputs/class_name_mapping/1/class_name"]
    _to_pointers_exist(r)


def test_a_processing_sub_level_is_read_as_its_level_and_stays_on_the_item() -> None:
    """dlm beta's process_level has no sub-levels: L2A is L2; the processing extension's field stays."""
    r = convert(item(**{"processing:level": "L2A"}), BETA3)
    props = r.document["properties"]
    assert (props["dlm:data"]["process_level"], props["processing:level"]) == ("L2", "L2A")
    e = entry(r, "/properties/processing:level")
    assert "/properties/dlm:data/process_level" in e["to"] and "L2A read as L2" in e["reason"]
    assert e["status"] == "transformed"  # the dlm field holds another value than the source
    r = convert(item(**{"processing:level": "L1"}), BETA3)  # a level dlm knows moves
    assert "processing:level" not in r.document["properties"]
    assert r.document["properties"]["dlm:data"]["process_level"] == "L1"


def test_the_model_assets_bands_move_to_the_item_for_the_current_dlm() -> None:
    doc = item()
    doc["assets"]["model"]["bands"] = [{"name": "B04"}, {"name": "B08"}]
    doc["properties"]["mlm:input"][0]["bands"] = ["B08", "B04"]
    r = convert(doc, "dlm")
    props = r.document["properties"]
    assert props["bands"] == [{"name": "B04"}, {"name": "B08"}] and "bands" not in r.document["assets"]["model"]
    assert props["dlm:input"]["band_names"] == ["B08", "B04"]
    e = entry(r, "/assets/model/bands")
    assert (e["status"], e["to"]) == ("moved", ["/properties/bands"])
    _to_pointers_exist(r)


@pytest.mark.parametrize("target", [BETA3, "dlm"])
def test_a_bare_task_name_is_one_task_not_its_letters(target: str) -> None:
    """An MLM Item whose mlm:tasks is a bare string (invalid, but written) and whose output lists no task."""
    doc = item()
    doc["properties"]["mlm:tasks"] = "classification"
    for out in doc["properties"]["mlm:output"]:
        out.pop("tasks", None)
    r = convert(doc, target)
    key = "dlm:outputs" if target == BETA3 else "dlm:output"
    assert r.document["properties"][key]["task"] == "classification"
    assert entry(r, "/properties/mlm:tasks")["to"] == [f"/properties/{key}/task"]
    _to_pointers_exist(r)


def test_an_output_with_no_place_is_named_by_its_own_index() -> None:
    """Outputs after the first have no place in dlm; the reason names each by its index in mlm:output, also when
    an element before it is not an object."""
    doc = item()
    outputs = doc["properties"]["mlm:output"]
    doc["properties"]["mlm:output"] = [5, outputs[0], {**outputs[0], "name": "second"}]
    r = convert(doc, "dlm")
    assert "mlm:output/2 has no place" in entry(r, "/properties/mlm:output/2/name")["reason"]
    _to_pointers_exist(r)


@pytest.mark.parametrize("target", [BETA3, "dlm"])
def test_an_empty_class_description_leaves_the_name_as_the_class_name(target: str) -> None:
    doc = item()
    doc["properties"]["mlm:output"][0]["classification:classes"] = [{"value": 0, "description": "", "name": "water"}]
    r = convert(doc, target)
    key = "dlm:outputs" if target == BETA3 else "dlm:output"
    assert r.document["properties"][key]["class_name_mapping"] == [{"index": 0, "class_name": "water"}]
    base = "/properties/mlm:output/0/classification:classes/0"
    assert entry(r, f"{base}/name")["to"] == [f"/properties/{key}/class_name_mapping/0/class_name"]
    assert entry(r, f"{base}/description")["status"] == "dropped"
    _to_pointers_exist(r)


@pytest.mark.parametrize(("href", "image", "tag"), [
    ("ghcr.io/org/model:1.2", "ghcr.io/org/model", "1.2"),
    ("localhost:5000/model", "localhost:5000/model", None),
    ("ghcr.io/org/model@sha256:0123abcd", "ghcr.io/org/model@sha256:0123abcd", None),
])
def test_a_container_reference_is_split_at_its_tag_never_inside_a_digest(href: str, image: str, tag) -> None:
    doc = item()
    doc["assets"]["container"] = {"href": href, "type": "application/vnd.oci.image.index.v1+json",
                                  "roles": ["mlm:inference-runtime", "runtime"]}
    r = convert(doc, BETA3)
    docker = r.document["properties"]["dlm:runtime"]["docker"]
    assert (docker["image_name"], docker.get("tag")) == (image, tag)
    assert entry(r, "/assets/container/href")["status"] == ("transformed" if tag else "moved")
    _to_pointers_exist(r)


def test_an_unknown_processing_level_is_named_in_the_reason_for_the_invented_one() -> None:
    r = convert(item(**{"processing:level": "L4"}), BETA3)
    e = _created(r, "/properties/dlm:data/process_level")
    assert r.document["properties"]["dlm:data"]["process_level"] == "raw"
    assert e["reason"] == "dlm beta requires a processing level; 'L4' is none of raw, ortho, L0-L3"
    r = convert(item(), BETA3)
    assert _created(r, "/properties/dlm:data/process_level")["reason"].endswith("none is given")


def test_a_file_size_in_megabytes_is_reported_transformed_not_kept() -> None:
    # bytes / 2**20 is another number: the report said "kept" while the value changed
    r = convert(item(**{"file:size": 43000000}), "dlm")
    assert r.document["properties"]["dlm:architecture"]["on_disk_size_mb"] == 43000000 / 1048576
    e = entry(r, "/properties/file:size")
    assert e["status"] == "transformed" and "/properties/dlm:architecture/on_disk_size_mb" in e["to"]


@pytest.mark.parametrize(("href", "status"), [("https://example.com/models/weights.pt?x=1", "transformed"),
                                              ("weights.pt", "kept")])
def test_the_archive_name_taken_from_the_model_href_is_transformed_unless_it_is_the_href(href: str,
                                                                                         status: str) -> None:
    doc = item()
    model = next(a for a in doc["assets"].values() if "mlm:model" in a.get("roles", []))
    model["href"] = href
    r = convert(doc, BETA3)
    assert r.document["properties"]["dlm:archive"][0]["name"] == "weights.pt"
    e = entry(r, next(f"/assets/{k}/href" for k, a in doc["assets"].items() if a is model))
    assert e["status"] == status and "/properties/dlm:archive/0/name" in e["to"]


@pytest.mark.parametrize("target", [BETA3, "dlm"])
@pytest.mark.parametrize("cls", ["", {"value": 3, "description": "", "name": ""}])
def test_a_class_with_only_empty_labels_gets_an_invented_class_name(target: str, cls) -> None:
    """A bare "" label (repaired into a class with empty labels) or empty labels say nothing: the class name dlm
    needs is invented, the empty labels are not said to have no dlm counterpart."""
    doc = item()
    doc["properties"]["mlm:output"][0]["classification:classes"] = [cls]
    r = convert(doc, target)
    key = "dlm:outputs" if target == BETA3 else "dlm:output"
    value = 0 if cls == "" else 3
    assert r.document["properties"][key]["class_name_mapping"] == [{"index": value, "class_name": f"class {value}"}]
    assert _created(r, f"/properties/{key}/class_name_mapping/0/class_name")["reason"] == (
        "the class has no label: 'class <value>'")
    if cls:
        e = entry(r, "/properties/mlm:output/0/classification:classes/0/name")
        assert e["status"] == "dropped" and "the class name is empty" in e["reason"]
    _to_pointers_exist(r)


@pytest.mark.parametrize("href", [None, "missing", 5])
def test_a_model_asset_without_an_href_names_no_model_file(href) -> None:
    """No model_artifact (current layout); the beta archive listing is the placeholder, not a name made from
    nothing."""
    doc = item()
    if href == "missing":
        del doc["assets"]["model"]["href"]
    else:
        doc["assets"]["model"]["href"] = href
    r = convert(doc, "dlm")
    assert "model_artifact" not in r.document["properties"].get("dlm:runtime", {})
    r = convert(doc, BETA3)
    assert r.document["properties"]["dlm:archive"] == [{"name": "unknown", "role": "other"}]
    assert _created(r, "/properties/dlm:archive")["reason"] == "dlm beta requires an archive listing"


@pytest.mark.parametrize("target", [BETA3, "dlm"])
@pytest.mark.parametrize("asset", [
    {"type": "application/vnd.oci.image.index.v1+json", "roles": ["mlm:inference-runtime", "runtime"]},
    {"href": None, "type": "application/vnd.oci.image.index.v1+json", "roles": ["mlm:inference-runtime"]},
    {"type": "text/html", "roles": ["mlm:source_code", "code"], "mlm:entrypoint": "m:load"},
])
def test_a_container_or_source_code_asset_without_an_href_stays_an_asset(target: str, asset: dict) -> None:
    """It names no image and no source: no docker image 'None' or empty model_src_url is made from it."""
    doc = item()
    doc["assets"]["runtime"] = asset
    r = convert(doc, target)
    runtime = r.document["properties"].get("dlm:runtime", {})
    assert "docker" not in runtime and runtime.get("model_src_url", "") == ""
    assert "runtime" in r.document["assets"]
    _to_pointers_exist(r)


@pytest.mark.parametrize("target", [BETA3, "dlm"])
@pytest.mark.parametrize(("where", "value"), [
    (("properties", "mlm:tasks"), 1.5),
    (("properties", "mlm:output", 0, "tasks"), 1.5),
    (("properties", "mlm:input", 0, "input"), True),
    (("properties", "mlm:input", 0, "input"), "1e400"),
    (("properties", "mlm:input", 0, "bands"), {"B04": None}),
    (("assets", "model", "roles"), 2),
    (("assets", "model", "raster:bands"), -1),
])
def test_members_of_the_wrong_type_are_read_as_absent_not_crashed_on(target: str, where: tuple, value) -> None:
    doc = item()
    doc["assets"]["code"] = {"href": "https://example.com/code", "roles": ["mlm:source_code"]}
    parent = doc
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = value
    r = convert(doc, target)
    key = "dlm:inputs" if target == BETA3 else "dlm:input"
    assert "B04" not in str(r.document["properties"][key])  # the keys of a bands object are no band names
    _to_pointers_exist(r)


@pytest.mark.parametrize("target", [BETA3, "dlm"])
def test_an_output_task_list_naming_no_task_falls_back_to_mlm_tasks(target: str) -> None:
    doc = item()
    doc["properties"]["mlm:output"][0]["tasks"] = [5]
    r = convert(doc, target)
    key = "dlm:outputs" if target == BETA3 else "dlm:output"
    assert r.document["properties"][key]["task"] == "classification"
    assert f"/properties/{key}/task" in entry(r, "/properties/mlm:tasks")["to"]


def test_selected_bands_index_the_defined_bands_and_a_derived_band_is_dropped() -> None:
    """selected_bands are indices into the band definitions: B04, B03, B02 are 2, 1, 0 of [B02, B03, B04, B08]; a
    derived band (an expression) has no definition, so no index, and is dropped, not given its position (which
    would name B08)."""
    doc = item()
    doc["assets"]["model"]["eo:bands"] = [{"name": n} for n in ("B02", "B03", "B04", "B08")]
    doc["stac_extensions"].append("https://stac-extensions.github.io/eo/v1.1.0/schema.json")
    doc["properties"]["mlm:input"][0]["bands"] = [
        "B04", "B03", "B02", {"name": "NDVI", "format": "rio-calc", "expression": "(B08 - B04) / (B08 + B04)"}]
    r = convert(doc, BETA3)
    assert r.document["properties"]["dlm:inputs"]["selected_bands"] == [2, 1, 0]
    assert [b["name"] for b in r.document["properties"]["eo:bands"]] == ["B02", "B03", "B04", "B08"]
    e = entry(r, "/properties/mlm:input/0/bands/3/name")
    assert e["status"] == "dropped" and "not found in the band definitions" in e["reason"]
    assert entry(r, "/properties/mlm:input/0/bands/0")["status"] == "transformed"
    _to_pointers_exist(r)


@pytest.mark.parametrize("target", [BETA3, "dlm"])
def test_a_per_band_scale_or_a_mix_is_the_z_scores_it_is(target: str) -> None:
    """A scale per band (scale divides) and a mix of z-score, min-max, offset and scale are each band's z-score:
    scaling_factor 1, mean and std per band (they were replaced by "no normalisation")."""
    doc = item()
    doc["properties"]["mlm:input"][0]["value_scaling"] = [
        {"type": "scale", "value": 10000}, {"type": "min-max", "minimum": 10, "maximum": 30},
        {"type": "offset", "value": 5}, {"type": "z-score", "mean": 1, "stddev": 2}]
    r = convert(doc, target)
    beta = target == BETA3
    key, mean, std = ("dlm:inputs", "normalization:mean", "normalization:std") if beta else ("dlm:input", "mean", "std")
    inputs = r.document["properties"][key]
    assert (inputs["scaling_factor"], inputs[mean], inputs[std]) == (1.0, [0.0, 10, 5, 1], [10000, 20, 1.0, 2])
    assert not [e for e in r.report["fields"] if e["status"] in ("invented", "lossy", "dropped")
                and "value_scaling" in e["path"] + str(e.get("to", "")) + e.get("reason", "")
                and e["path"] != f"/properties/{key}/{std}"]
    e = entry(r, "/properties/mlm:input/0/value_scaling/1/minimum")
    assert e["status"] == "transformed" and e["to"] == [f"/properties/{key}/{mean}/1", f"/properties/{key}/{std}/1"]
    _to_pointers_exist(r)


def test_the_placeholder_normalisation_says_the_scaling_had_no_dlm_form() -> None:
    doc = item()
    doc["properties"]["mlm:input"][0]["value_scaling"] = [{"type": "clip", "minimum": 0, "maximum": 3000}]
    r = convert(doc, BETA3)
    assert "has no dlm form" in _created(r, "/properties/dlm:inputs/scaling_factor")["reason"]


@pytest.mark.parametrize(("href", "name"), [
    ("https://example.com/models/unet.pt?download=1", "unet.pt"),
    ("https://drive.google.com/file/d/1PYy/view?usp=sharing", "https://drive.google.com/file/d/1PYy/view?usp=sharing"),
])
def test_the_archive_names_the_model_file_or_the_url_that_names_none(href: str, name: str) -> None:
    """The last part of the URL's path is the file's name when it is one; a sharing page's "view" is none: no
    made-up name, the href itself."""
    doc = item()
    doc["assets"]["model"]["href"] = href
    r = convert(doc, BETA3)
    assert r.document["properties"]["dlm:archive"][0]["name"] == name
    e = entry(r, "/assets/model/href")
    assert "/properties/dlm:archive/0/name" in e["to"]
    _to_pointers_exist(r)


@pytest.mark.parametrize("target", [BETA3, "dlm"])
def test_a_scale_maps_one_way_alone_once_per_band_or_in_a_mix(target: str) -> None:
    """MLM's scale is data / value, and one object stands for every band: [scale 49] and [scale 49, scale 49] are one
    scaling, and a scale beside another type is the same operation on its band. Each is the z-score with mean 0 and
    std 49 (dlm: ((data * scaling_factor) - mean) / std, factor 1), its value carried as written. A lone scale used to
    become scaling_factor 1/49, which no other form of the same scaling got and whose way back reads
    49.00000000000001."""
    beta = target == BETA3
    key, mean, std = ("dlm:inputs", "normalization:mean", "normalization:std") if beta else ("dlm:input", "mean", "std")
    by_hand = {  # value_scaling -> (scaling_factor, mean, std)
        (("scale", 49),): (1.0, [0.0], [49]),
        (("scale", 49), ("scale", 49)): (1.0, [0.0, 0.0], [49, 49]),
        (("scale", 49), ("offset", 5)): (1.0, [0.0, 5], [49, 1.0]),
    }
    for scaling, expected in by_hand.items():
        doc = item()
        doc["properties"]["mlm:input"][0]["value_scaling"] = [{"type": t, "value": v} for t, v in scaling]
        r = convert(doc, target)
        inputs = r.document["properties"][key]
        assert (inputs["scaling_factor"], inputs[mean], inputs[std]) == expected, scaling
        e = entry(r, "/properties/mlm:input/0/value_scaling/0/value")
        assert (e["status"], e["to"]) == ("transformed", [f"/properties/{key}/{std}/0"])
        _to_pointers_exist(r)
        if not beta:  # and back: the same 49, not 49.00000000000001
            back = convert(r.document, "mlm").document["properties"]["mlm:input"][0]["value_scaling"]
            assert back[0] == {"type": "z-score", "mean": 0.0, "stddev": 49.0}


@pytest.mark.parametrize("target", [BETA3, "dlm"])
@pytest.mark.parametrize(
    "roles, expected, status, why",
    [
        (["mlm:model", "model", "data"], ["model artefact", "data"], "transformed",
         "MLM model roles became the dlm 'model artefact' role"),
        (["data", "model", "mlm:model"], ["data", "model artefact"], "transformed",
         "MLM model roles became the dlm 'model artefact' role"),
        (["mlm:model", "mlm:weights", "data"], ["model artefact", "data"], "lossy",
         "MLM model roles merged into the dlm 'model artefact' role"),
        (["mlm:model"], ["model artefact"], "lossy", "MLM model roles merged into the dlm 'model artefact' role"),
    ],
)
def test_the_model_roles_become_the_dlm_model_artefact_role(target: str, roles: list, expected: list, status: str,
                                                             why: str) -> None:
    """mlm:model and model together, what 'model artefact' became on the way to MLM, become it again; any other set
    of model roles merges into it, lossily (it cannot say weights or checkpoint); the other roles stay."""
    doc = item()
    doc["assets"]["model"]["roles"] = roles
    r = convert(doc, target)
    assert r.document["assets"]["model"]["roles"] == expected
    for i in [i for i, role in enumerate(roles) if role != "data"]:
        e = entry(r, f"/assets/model/roles/{i}")
        assert (e["status"], e["reason"]) == (status, why)
    _to_pointers_exist(r)
