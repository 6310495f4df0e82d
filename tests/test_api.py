"""Tests for the Python API (crosswalk.api, reached as ``crosswalk.<verb>``): pystac objects in, the same kind
out, typed reports equal to the JSON report, lazy imports."""

from __future__ import annotations

import copy
import datetime
import decimal
import json
import re
import subprocess
import sys
from pathlib import Path

import pystac
import pytest

import crosswalk
from crosswalk import pipeline
from crosswalk.errors import FormatError

ROOT = Path(__file__).resolve().parents[1]
ML_MODEL_ITEM = ROOT / "corpora" / "ml-model" / "spec-dummy-item.json"
ML_MODEL_COLLECTION = ROOT / "corpora" / "ml-model" / "agrifieldnet-gold-collection.json"
ITEMS = sorted((ROOT / "corpora" / "ml-model").glob("*item*.json")) + sorted((ROOT / "corpora" / "mlm").glob("*.json"))


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _raw(obj) -> dict:
    return obj.to_dict(include_self_link=False, transform_hrefs=False)


def test_pystac_item_in_item_out_valid():
    item = pystac.Item.from_dict(_load(ML_MODEL_ITEM), migrate=False)
    before = _raw(item)
    result = crosswalk.convert(item)
    assert type(result.document) is pystac.Item
    assert result.valid and result.ok
    assert "mlm:input" in result.document.properties
    assert not any(k.startswith("ml-model:") for k in result.document.properties)
    assert _raw(item) == before  # the input object is untouched
    assert crosswalk.validate(result.document) == [
        i for i in crosswalk.validate(result.document) if i.severity != "error"
    ]


def test_pystac_collection_in_collection_out_valid():
    collection = pystac.Collection.from_dict(_load(ML_MODEL_COLLECTION), migrate=False)
    result = crosswalk.convert(collection)
    assert type(result.document) is pystac.Collection
    assert result.valid
    assert result.report.source_format == "ml-model@1.0.0"
    assert "mlm:architecture" in result.document.summaries.to_dict()
    assert not [i for i in crosswalk.validate(result.document) if i.severity == "error"]


def test_pystac_item_collection_in_item_collection_out_valid():
    features = [_load(p) for p in ITEMS]
    collection = pystac.ItemCollection([pystac.Item.from_dict(f, migrate=False) for f in features])
    result = crosswalk.convert(collection)
    assert type(result.document) is pystac.ItemCollection
    assert len(result.document.items) == len(features) == len(result.reports)
    assert [r.valid for r in result.reports] == [True] * len(features)
    assert [i.id for i in result.document.items] == [f["id"] for f in features]
    assert not [i for i in crosswalk.validate(result.document) if i.severity == "error"]
    for item in result.document.items:
        assert "mlm:input" in item.properties, item.id


def test_pystac_objects_are_read_raw_without_pystac_migration():
    """The document inside the pystac result is exactly what crosswalk's own conversion of the raw dict gives:
    pystac's from_dict migration (which rewrites old extension fields) never runs. (pystac's to_dict always
    writes the STAC version pystac implements: that one field is pystac's, not crosswalk's.)"""
    raw = _load(ML_MODEL_ITEM)
    expected = pipeline.convert(copy.deepcopy(raw), to="mlm").document
    got = crosswalk.convert(pystac.Item.from_dict(raw, migrate=False)).document
    assert {**_raw(got), "stac_version": expected["stac_version"]} == expected


def test_dict_in_dict_out_and_report_is_the_json_report():
    raw = _load(ML_MODEL_ITEM)
    result = crosswalk.convert(raw, href="item.json")
    assert type(result.document) is dict
    plain = pipeline.convert(raw, href="item.json")
    assert result.document == plain.document
    report = result.report
    assert report.to_dict() == plain.report
    assert report.source_href == "item.json"
    assert report.target_format == "mlm@1.5.2"
    assert report.steps == tuple(plain.report["steps"])
    assert [(f.path, f.status, f.to, f.reason) for f in report.fields] == [
        (f["path"], f["status"], tuple(f["to"]) if "to" in f else None, f.get("reason"))
        for f in plain.report["fields"]
    ]
    assert dict(report.summary) == plain.report["summary"]
    assert report.lossy and report.invented
    with pytest.raises(TypeError):
        report.summary["kept"] = 0  # read-only
    assert "ml-model@1.0.0 -> mlm@1.5.2" in report.render("text")


def test_feature_collection_dict_and_errors_name_the_document():
    good = _load(ML_MODEL_ITEM)
    fc = {"type": "FeatureCollection", "features": [good, {"type": "Feature", "id": "plain", "properties": {}}]}
    result = crosswalk.convert(fc, href="items.json")
    assert result.document is None and not result.ok
    assert len(result.errors) == 1
    assert result.errors[0].startswith("items.json#/features/1")
    ok = crosswalk.convert({"type": "FeatureCollection", "features": [good]})
    assert ok.document["type"] == "FeatureCollection" and ok.valid


def test_unknown_target_raises_before_work():
    with pytest.raises(FormatError):
        crosswalk.convert(_load(ML_MODEL_ITEM), to="mlm@9.9.9")
    with pytest.raises(FormatError, match="the version after '@' is empty"):  # not the latest: a slip
        crosswalk.convert(_load(ML_MODEL_ITEM), to="mlm@")
    with pytest.raises(TypeError):
        crosswalk.convert(["not", "a", "document"])


def test_convert_file_detect_plan_validate():
    result = crosswalk.convert_file(str(ML_MODEL_ITEM), to="mlm@1.4.0")
    assert result.valid and result.report.target_format == "mlm@1.4.0"
    assert crosswalk.convert_file(str(ROOT / "no-such-file.json")).errors
    detection = crosswalk.detect(pystac.Item.from_dict(_load(ML_MODEL_ITEM), migrate=False))
    assert str(detection.format) == "ml-model@1.0.0"
    steps = crosswalk.plan("ml-model", "mlm@1.4.0")
    assert [(s.source, s.target) for s in steps] == [
        ("ml-model@1.0.0", "mlm@1.5.2"),
        ("mlm@1.5.2", "mlm@1.5.1"),
        ("mlm@1.5.1", "mlm@1.5.0"),
        ("mlm@1.5.0", "mlm@1.4.0"),
    ]
    assert crosswalk.plan("mlm@1.5.2", "mlm") == []
    with pytest.raises(FormatError):
        crosswalk.plan("no-such-format")
    issues = crosswalk.validate({"type": "Feature", "stac_version": "1.1.0", "id": "x"})
    assert issues and all(isinstance(i, crosswalk.Issue) for i in issues)
    assert any(i.severity == "error" for i in issues)


def test_upgrade_tree(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for p in ITEMS[:3]:
        (src / p.name).write_bytes(p.read_bytes())
    run = crosswalk.upgrade_tree(str(src), out_dir=str(tmp_path / "out"))
    assert run.summary["documents"] == 3 and not run.failures
    for p in ITEMS[:3]:
        assert crosswalk.detect(json.loads((tmp_path / "out" / p.name).read_text())).format.family == "mlm"


def test_validate_name_is_the_function_even_after_the_module_loads():
    import importlib

    importlib.import_module("crosswalk.validation.validator")
    assert callable(crosswalk.validate)


def test_import_is_lazy_and_dicts_never_load_pystac_psycopg_or_pyarrow():
    code = (
        "import sys, json, crosswalk\n"
        "assert 'crosswalk.api' not in sys.modules and 'crosswalk.pipeline' not in sys.modules\n"
        f"r = crosswalk.convert(json.load(open({str(ML_MODEL_ITEM)!r})))\n"
        "assert r.valid\n"
        "print(sorted(m for m in ('pystac', 'psycopg', 'pyarrow', 'rustac') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_one_file_cli_path_imports_no_pystac_psycopg_or_pyarrow(tmp_path):
    code = (
        "import sys\n"
        "from crosswalk.cli.main import dlm_migrate\n"
        f"sys.argv = ['dlm-migrate', {str(ML_MODEL_ITEM)!r}, '-o', {str(tmp_path / 'new.json')!r}, "
        "'--report', 'none']\n"
        "try:\n    dlm_migrate()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in ('pystac', 'psycopg', 'pyarrow', 'rustac') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _readme_python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_readme_python_examples_run(tmp_path, monkeypatch):
    """Every ```python block of the README runs, in order, in one namespace, from the repository root."""
    blocks = _readme_python_blocks()
    if not blocks:
        pytest.skip("the README has no python examples")
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": "readme"}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the README's own examples


def test_api_docstring_examples_run(monkeypatch):
    import doctest

    from crosswalk import api

    monkeypatch.chdir(ROOT)
    failures, tried = doctest.testmod(api, optionflags=doctest.ELLIPSIS)
    assert tried >= 5 and not failures


def test_a_converted_feature_collection_shares_nothing_with_the_input():
    fc = {"type": "FeatureCollection", "features": [_load(ML_MODEL_ITEM)], "links": [{"rel": "self", "href": "x"}],
          "context": {"returned": 1}}
    before = copy.deepcopy(fc)
    result = crosswalk.convert(fc)
    result.document["links"].append({"rel": "next", "href": "y"})
    result.document["context"]["returned"] = 2
    assert fc == before


def test_valid_is_false_when_validation_did_not_run():
    """valid means the outputs passed the validation: with validate=False none did (the report says so too)."""
    result = crosswalk.convert(_load(ML_MODEL_ITEM), validate=False)
    assert result.ok and not result.valid and not result.report.validated
    assert crosswalk.convert(_load(ML_MODEL_ITEM)).valid


def test_report_steps_name_the_side_step_too():
    """ml-model fields beside an MLM item's are converted by the ml-model -> MLM step besides the plan: the report's
    steps list it where it runs (where the chain stands at the latest MLM, the format it lands on), so every entry's
    step is one the report lists."""
    from conftest import CORPORA

    doc = json.loads((CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json").read_text(encoding="utf-8"))
    doc["stac_extensions"].append("https://stac-extensions.github.io/ml-model/v1.0.0/schema.json")
    doc["properties"]["ml-model:learning_approach"] = "supervised"
    r = pipeline.convert(doc, to="mlm", validate=False)
    assert r.steps == ["mlm@1.5.1 -> mlm@1.5.2", "ml-model@1.0.0 -> mlm@1.5.2"]
    listed = {s.replace("@", "_").replace(" -> ", "__") for s in r.report["steps"]}
    assert {f["step"] for f in r.report["fields"] if "step" in f} <= listed | {"repairs", "mlm.invariants"}


def test_pystac_objects_linked_in_memory_keep_their_links():
    """An unsaved tree: an Item added to a Collection object, a Collection holding an Item object. Their links name
    objects, not files (href None): the result links to the same objects, as pystac's clone does, and the input
    is untouched."""
    coll_raw = {**_load(ML_MODEL_COLLECTION), "links": []}
    collection = pystac.Collection.from_dict(coll_raw, migrate=False)
    item = pystac.Item.from_dict({**_load(ML_MODEL_ITEM), "links": []}, migrate=False)
    collection.add_item(item)
    before = (_raw(item), _raw(collection))
    new_item = crosswalk.convert(item).document
    assert new_item.get_collection() is collection and new_item.get_root() is collection
    new_collection = crosswalk.convert(collection).document
    assert [link.target for link in new_collection.get_links("item")] == [item]
    assert crosswalk.convert(pystac.ItemCollection([item])).document.items[0].get_collection() is collection
    assert (_raw(item), _raw(collection)) == before and item.get_collection() is collection


def test_mistyped_options_raise_type_error_before_work():
    item = _load(ML_MODEL_ITEM)
    for bad in ({"to": 123}, {"to": None}, {"fill": "x"}, {"fill": [1]}):
        with pytest.raises(TypeError, match=next(iter(bad))):
            crosswalk.convert(item, **bad)
        with pytest.raises(TypeError, match=next(iter(bad))):
            crosswalk.convert_file(str(ML_MODEL_ITEM), **bad)
    with pytest.raises(TypeError, match="source"):
        crosswalk.plan(123)
    from crosswalk.language.formats import Format

    assert crosswalk.convert(item, to=Format.parse("mlm@1.4.0")).report.target_format == "mlm@1.4.0"


def test_a_pystac_object_read_from_a_file_keeps_its_self_href(tmp_path):
    """Its relative links resolve against its self href: the result keeps it, as pystac's clone does (without
    re-filing the input in its root's cache)."""
    catalog = pystac.Catalog("root", "a catalog")
    catalog.add_item(pystac.Item.from_dict({**_load(ML_MODEL_ITEM), "links": []}, migrate=False))
    catalog.normalize_and_save(str(tmp_path), pystac.CatalogType.SELF_CONTAINED)
    path = next(p for p in tmp_path.rglob("*.json") if p.name != "catalog.json")
    item = pystac.Item.from_file(str(path))
    new = crosswalk.convert(item).document
    assert new.get_self_href() == item.get_self_href() == str(path)
    assert new.get_parent().id == "root" and new.to_dict()["links"]
    assert item.get_root()._resolved_objects.get_by_href(str(path)) is item
    # its report names its file, as the command line's does
    assert crosswalk.convert(item).report.source_href == str(path)
    assert crosswalk.convert(item, href="given").report.source_href == "given"


def test_documents_that_are_not_json_shaped():
    """A non-string key is an error naming the object (JSON keys are strings); a read-only mapping inside is read
    as a dict; a document nested past the engine's depth is an error, not a RecursionError."""
    from types import MappingProxyType

    item = _load(ML_MODEL_ITEM)
    bad = copy.deepcopy(item)
    bad["assets"]["model"] = {**bad["assets"].get("model", {}), 7: "x"}
    result = crosswalk.convert(bad, href="m.json")
    assert result.errors == ("m.json at /assets/model: the key 7 is not a string: JSON object keys are strings",)
    assert [(i.path, i.message) for i in crosswalk.validate(bad)] == [
        ("/assets/model", "the key 7 is not a string: JSON object keys are strings")
    ]
    frozen = {**item, "properties": MappingProxyType(item["properties"])}
    assert crosswalk.convert(frozen).document == crosswalk.convert(item).document
    assert crosswalk.validate(frozen) == crosswalk.validate(item)
    deep = copy.deepcopy(item)
    node = deep["properties"]
    for _ in range(sys.getrecursionlimit()):
        node["n"] = node = {}
    assert crosswalk.convert(deep).errors == ("<document>: nested too deeply to convert",)


@pytest.mark.parametrize("value", [datetime.datetime(2024, 1, 1), decimal.Decimal("1.5"), {1, 2}, b"bytes"])
def test_a_value_that_is_no_json_value_is_an_error_naming_its_place(value):
    """A Python value JSON has no word for went into the output, and the report could still say valid: it is
    now one error naming its place (convert) or one issue (validate); the input is left as it was."""
    item = _load(ML_MODEL_ITEM)
    item["properties"]["when"] = value
    before = copy.deepcopy(item)
    result = crosswalk.convert(item)
    assert result.document is None and len(result.errors) == 1
    assert "/properties/when" in result.errors[0] and type(value).__name__ in result.errors[0]
    assert [i.path for i in crosswalk.validate(item)] == ["/properties/when"]
    assert item == before


def _fields(result) -> list[dict]:
    return result.report.to_dict()["fields"]


def test_the_report_of_a_pystac_object_points_into_the_json_pystac_writes_for_it():
    """Its paths are those of ``to_dict()``, the self link in its place (pystac writes it first; after it, every
    ``/links/N`` of a report on the JSON without it was one off), as a report on that JSON as a dict gives them."""
    path = ROOT / "corpora" / "ml-model" / "agrifieldnet-gold-item.json"
    item = pystac.Item.from_file(str(path))
    rels = [link["rel"] for link in item.to_dict(transform_hrefs=False)["links"]]
    assert rels.index("self") < rels.index("ml-model:train-data")  # the case that shifted the paths
    got = crosswalk.convert(item)
    assert _fields(got) == _fields(crosswalk.convert(item.to_dict(transform_hrefs=False)))
    moved = [e.path for e in got.report.fields if e.path.startswith("/links/") and e.path.endswith("/rel")]
    assert moved and all(rels[int(p.split("/")[2])].startswith("ml-model:") for p in moved)


def test_a_pystac_object_with_links_to_objects_keeps_every_link_in_its_place(tmp_path):
    """Links resolved to objects in memory (root, parent: a tree built or walked) come back as those links, in
    the places the report names: what pystac writes is the converted JSON, link for link."""
    item = pystac.Item.from_dict({**_load(ML_MODEL_ITEM), "links": []}, migrate=False)
    item.add_link(pystac.Link("ml-model:train-data", "https://example.com/train.json"))
    catalog = pystac.Catalog("c", "a catalog")
    catalog.add_item(item)
    catalog.normalize_hrefs(str(tmp_path))
    item.add_link(pystac.Link("related", catalog, extra_fields={"method": "GET"}))  # an object, a link field
    item.links.sort(key=lambda link: link.rel != "root")  # the root link first, as many files have it
    raw = item.to_dict(transform_hrefs=False)
    assert [link["rel"] for link in raw["links"]][:2] == ["root", "ml-model:train-data"]
    assert {"rel": "related", "href": catalog.get_self_href(), "method": "GET"} in raw["links"]
    got = crosswalk.convert(item)
    written = got.document.to_dict(transform_hrefs=False)
    assert written["links"] == pipeline.convert(raw, to="mlm").document["links"]
    assert got.document.get_root() is catalog and got.document.get_parent() is catalog
    assert any(e.path == "/links/1/rel" for e in got.report.fields)
    assert written["links"][1]["rel"] == "derived_from" and written["links"][1]["ml-aoi:split"] == "train"


def test_an_item_in_an_item_collection_converts_as_it_does_alone():
    """One self link, not two (an ItemCollection's JSON carries each Item's), and the same report."""
    item = pystac.Item.from_file(str(ML_MODEL_ITEM))
    alone = crosswalk.convert(item)
    inside = crosswalk.convert(pystac.ItemCollection([item]))
    (new,) = inside.document.items
    assert [link.rel for link in new.links].count("self") == 1
    assert new.to_dict(transform_hrefs=False) == alone.document.to_dict(transform_hrefs=False)
    assert inside.reports[0].to_dict() == alone.report.to_dict()  # its file named, as alone
    assert crosswalk.Step is crosswalk.api.Step
    with pytest.raises(ValueError, match="see .errors"):
        _ = crosswalk.convert({"type": "Feature"}).report


@pytest.mark.parametrize(("value", "reason"), [
    (float("nan"), "NaN is not JSON: replaced by null"),
    (float("-inf"), "-Infinity (or a number beyond a double's range) is not JSON: replaced by null"),
])
def test_a_value_json_cannot_write_is_repaired_and_reported_as_a_file_s_would_be(tmp_path, value, reason):
    """Python holds NaN and the infinities, JSON does not: a dict carrying one gave an output no JSON writer could
    write as JSON, with nothing said. It is now repaired and reported at its place, as in a file, and the caller's
    dict is left as it was."""
    item = _load(ML_MODEL_ITEM)
    item["properties"]["ml-model:architecture"] = value  # moved to mlm:architecture
    before = copy.deepcopy(item)
    result = crosswalk.convert(item, href="m.json")
    assert result.ok
    assert [(f.path, f.status, f.to, f.reason) for f in result.report.fields if f.status == "repaired"] == [
        ("/properties/ml-model:architecture", "repaired", ("/properties/mlm:architecture",), reason)]
    assert result.report.summary["repaired"] == 1
    json.dumps(result.document, allow_nan=False)  # raises on a NaN or an infinity left anywhere
    assert item["properties"]["ml-model:architecture"] is value and item.keys() == before.keys()
    # the same value in a file: the same entry
    path = tmp_path / "m.json"
    path.write_text(json.dumps(item))
    from_file = crosswalk.convert_file(str(path))
    assert [(f.path, f.to, f.reason) for f in from_file.report.fields if f.status == "repaired"] == [
        ("/properties/ml-model:architecture", ("/properties/mlm:architecture",), reason)]


def test_validate_calls_a_dict_with_nan_invalid_at_its_place():
    """What `crosswalk validate` says of a file with NaN, `crosswalk.validate` says of a dict with one."""
    item = _load(ML_MODEL_ITEM)
    assert not [i for i in crosswalk.validate(item) if i.severity == "error"]
    item["properties"]["loss"] = float("nan")  # a field no schema constrains: the NaN alone decides
    errors = [i for i in crosswalk.validate(item) if i.severity == "error"]
    assert [(i.path, i.schema) for i in errors] == [("/properties/loss", "json")]
    assert item["properties"]["loss"] != item["properties"]["loss"]  # still NaN: the caller's dict is untouched
