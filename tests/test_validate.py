"""Tests for crosswalk.validation.validator: offline schema validation and lint rules.

Every test runs with the network blocked (see `no_network`). Tests on the official examples read
``../shared/specs`` (relative to the repository root) and are skipped when that folder is absent.
"""

from __future__ import annotations

import copy
import importlib
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHARED

from crosswalk.validation.validator import (
    Issue,
    OfflineSchemaError,
    check,
    keyword_values,
    known_schema_uris,
    lint,
    validate,
)

ROOT = Path(__file__).resolve().parents[1]

cwv = importlib.import_module("crosswalk.validation.validator")  # the module; `crosswalk.validate` is the API function

REPO = Path(__file__).resolve().parents[1]
SPECS = SHARED / "specs"
SCHEMAS = REPO / "crosswalk" / "schemas"

MLM = {
    "1.0.0": "https://crim-ca.github.io/mlm-extension/v1.0.0/schema.json",
    "1.1.0": "https://crim-ca.github.io/mlm-extension/v1.1.0/schema.json",
    "1.2.0": "https://crim-ca.github.io/mlm-extension/v1.2.0/schema.json",
    "1.3.0": "https://crim-ca.github.io/mlm-extension/v1.3.0/schema.json",
    "1.4.0": "https://stac-extensions.github.io/mlm/v1.4.0/schema.json",
    "1.5.0": "https://stac-extensions.github.io/mlm/v1.5.0/schema.json",
    "1.5.1": "https://stac-extensions.github.io/mlm/v1.5.1/schema.json",
    "1.5.2": "https://stac-extensions.github.io/mlm/v1.5.2/schema.json",
}
EO = "https://stac-extensions.github.io/eo/v1.1.0/schema.json"
ML_MODEL = "https://stac-extensions.github.io/ml-model/v1.0.0/schema.json"
CORE_ITEM_100 = "https://schemas.stacspec.org/v1.0.0/item-spec/json-schema/item.json"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail loudly (and record) any attempt to open a network connection."""
    attempts: list[tuple] = []

    def guard(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access attempted during an offline test")

    monkeypatch.setattr(socket.socket, "connect", guard)
    monkeypatch.setattr(socket.socket, "connect_ex", guard)
    monkeypatch.setattr(socket, "create_connection", guard)
    monkeypatch.setattr(socket, "getaddrinfo", guard)
    yield attempts
    assert attempts == [], f"network was touched: {attempts}"


def errors(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if i.severity == "error"]


def warnings_(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if i.severity == "warning"]


def relabel(doc: dict, uri: str) -> dict:
    """A copy of an MLM document declaring `uri` instead of its MLM schema URI."""
    out = copy.deepcopy(doc)
    out["stac_extensions"] = [uri if "mlm" in u else u for u in out["stac_extensions"]]
    return out


def mlm_item(uri: str = MLM["1.5.2"]) -> dict:
    """A small MLM item that is valid for MLM 1.2.0 .. 1.5.2 on STAC 1.0.0."""
    return {
        "stac_version": "1.0.0",
        "stac_extensions": [uri],
        "type": "Feature",
        "id": "tiny-model",
        "geometry": {"type": "Point", "coordinates": [0.0, 0.0]},
        "bbox": [0.0, 0.0, 0.0, 0.0],
        "properties": {
            "datetime": "2024-01-01T00:00:00Z",
            "mlm:name": "tiny-model",
            "mlm:architecture": "ResNet",
            "mlm:tasks": ["classification"],
            "mlm:input": [
                {
                    "name": "rgb",
                    "bands": [],
                    "input": {
                        "shape": [-1, 3, 64, 64],
                        "dim_order": ["batch", "channel", "height", "width"],
                        "data_type": "float32",
                    },
                }
            ],
            "mlm:output": [
                {
                    "name": "classes",
                    "tasks": ["classification"],
                    "result": {"shape": [-1, 2], "dim_order": ["batch", "class"], "data_type": "float32"},
                }
            ],
        },
        "assets": {"model": {"href": "model.pt", "roles": ["mlm:model"], "mlm:artifact_type": "torch.save"}},
        "links": [],
    }


def _examples(pattern: str) -> list:
    found = sorted(SPECS.glob(pattern)) if SPECS.is_dir() else []
    if not found:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{SPECS} absent"))]
    return [pytest.param(p, id=str(p.relative_to(SPECS))) for p in found]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def shared(*parts: str) -> dict:
    path = SPECS.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{SPECS} absent")
    return load(path)


# ----------------------------------------------------------------------------------------------------
# The vendored schemas and the registry (no ../shared needed)


def test_index_files_exist_and_every_file_is_indexed():
    index = json.loads((SCHEMAS / "index.json").read_text())["schemas"]
    files = {v if isinstance(v, str) else v["file"] for v in index.values()}
    for rel in files:
        assert (SCHEMAS / rel).is_file(), rel
    on_disk = {p.relative_to(SCHEMAS).as_posix() for p in SCHEMAS.rglob("*.json") if p.name != "index.json"}
    assert on_disk == files
    assert known_schema_uris() == sorted(index)


def test_every_extension_uri_is_accepted_by_its_schema_or_marked_non_canonical():
    index = json.loads((SCHEMAS / "index.json").read_text())["schemas"]
    for uri, entry in index.items():
        rel = entry if isinstance(entry, str) else entry["file"]
        demanded = cwv._accepted_extension_uri(rel)
        if demanded is not None and demanded != uri:
            assert isinstance(entry, dict) and entry.get("canonical"), uri


def test_every_ref_in_the_vendored_schemas_resolves_offline():
    registry = cwv.schema_registry()
    index = json.loads((SCHEMAS / "index.json").read_text())["schemas"]
    for uri, entry in index.items():
        rel = entry if isinstance(entry, str) else entry["file"]
        contents = json.loads((SCHEMAS / rel).read_text())
        base = contents.get("$id", uri).rstrip("#")
        resolver = registry.resolver(base_uri=base)
        for ref in keyword_values(contents, "$ref"):
            resolver.lookup(ref)  # raises if anything is missing


def test_known_schema_uris_cover_all_mlm_versions_and_spellings():
    uris = set(known_schema_uris())
    assert set(MLM.values()) <= uris
    for minor in range(4):
        assert f"https://stac-extensions.github.io/mlm/v1.{minor}.0/schema.json" in uris
        assert f"https://stac-extensions/mlm/v1.{minor}.0/schema.json" in uris
    assert ML_MODEL in uris
    assert not any("dl-model" in u for u in uris)  # the broken dlm schemas are not vendored


def test_registry_refuses_unvendored_remote_ref(no_network):
    from jsonschema import Draft7Validator
    from referencing.exceptions import Unresolvable, Unretrievable

    registry = cwv.schema_registry()
    assert registry is cwv.schema_registry()  # one per process
    with pytest.raises(Unretrievable) as excinfo:
        registry.get_or_retrieve("https://example.com/not-vendored/schema.json")
    assert isinstance(excinfo.value.__cause__, OfflineSchemaError)
    assert "not vendored" in str(excinfo.value.__cause__)

    validator = Draft7Validator({"$ref": "https://example.com/not-vendored/schema.json"}, registry=registry)
    with pytest.raises(Unresolvable):
        list(validator.iter_errors({}))
    assert no_network == []


def test_import_is_cheap():
    code = (
        "import sys, crosswalk.validation.validator; "
        "print('jsonschema' in sys.modules, 'referencing' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def _same_json(a, b) -> bool:
    """Equal, of the same types throughout (1 is not 1.0) and with keys in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_vendored_json_files_read_by_orjson_as_the_json_module_reads_them():
    """The schemas, their index and the prebuilt facts are parsed by orjson: the values the json module gives."""
    files = sorted(SCHEMAS.rglob("*.json")) + [REPO / "crosswalk" / "validation" / "schema_facts.json"]
    assert len(files) > 40
    for path in files:
        assert _same_json(cwv._read_json(str(path)), json.loads(path.read_text(encoding="utf-8"))), path


# ----------------------------------------------------------------------------------------------------
# validate() on inline documents


def test_inline_mlm_item_is_valid_for_1_2_to_1_5_2():
    for version in ("1.4.0", "1.5.0", "1.5.1", "1.5.2"):
        assert validate(mlm_item(MLM[version])) == [], version
    item = mlm_item(MLM["1.3.0"])
    del item["assets"]["model"]["mlm:artifact_type"]  # unchecked before 1.4, but keep the doc tidy
    assert validate(item) == []


def test_broken_field_gives_error_at_json_pointer():
    item = mlm_item()
    item["properties"]["mlm:input"][0]["input"]["data_type"] = "float33"
    issues = validate(item)
    assert [(i.path, i.severity, i.schema) for i in issues] == [
        ("/properties/mlm:input/0/input/data_type", "error", MLM["1.5.2"])
    ]
    assert "'float33' is not one of" in issues[0].message


def test_bad_datetime_is_checked_by_the_format_checker():
    item = mlm_item()
    item["properties"]["datetime"] = "2024-13-45T00:00:00Z"
    issues = validate(item)
    assert any(i.path == "/properties/datetime" and "date-time" in i.message for i in issues)


def test_missing_required_property_points_at_parent_and_keys_are_escaped():
    item = mlm_item()
    del item["assets"]["model"]["mlm:artifact_type"]
    item["assets"]["a/b~c"] = item["assets"].pop("model")
    issues = errors(validate(item))
    assert [(i.path, i.message) for i in issues] == [
        ("/assets/a~1b~0c", "'mlm:artifact_type' is a required property")
    ]


def test_oneof_failure_reports_the_relevant_branch():
    item = mlm_item()
    item["properties"]["mlm:input"][0]["value_scaling"] = [{"type": "z-score", "mean": 1.0}]
    issues = errors(validate(item))
    assert [(i.path, i.message) for i in issues] == [
        ("/properties/mlm:input/0/value_scaling/0", "'stddev' is a required property")
    ]
    item["properties"]["mlm:input"][0]["value_scaling"] = [{"type": None}]
    (issue,) = errors(validate(item))
    assert issue.path == "/properties/mlm:input/0/value_scaling/0/type"
    assert issue.message.startswith("None is not one of ['min-max', 'z-score'")


def test_messages_are_one_line_and_short():
    item = mlm_item()
    item["properties"]["mlm:tasks"] = ["x" * 500]
    item["geometry"] = {"type": "Polygon", "coordinates": [[1, 2]]}
    issues = validate(item)
    assert issues
    for issue in issues:
        assert "\n" not in issue.message and len(issue.message) <= 200


def test_unknown_extension_is_a_warning_not_an_error():
    item = mlm_item()
    item["stac_extensions"].append("https://example.com/my-ext/v1.0.0/schema.json")
    issues = validate(item)
    assert errors(issues) == []
    assert [(i.path, i.message) for i in issues] == [
        ("/stac_extensions/1", "schema not available offline: https://example.com/my-ext/v1.0.0/schema.json")
    ]


def test_stac_version_selects_core_schema():
    item = mlm_item()
    del item["stac_version"]
    assert [(i.path, i.severity) for i in validate(item) if i.schema == "stac:core"] == [("", "error")]

    item = mlm_item()
    item["stac_version"] = "1.0.0-beta.2"
    issues = validate(item)
    assert errors(issues) == []
    assert [i.message for i in warnings_(issues)] == ["no vendored core schema for stac_version 1.0.0-beta.2"]

    item = mlm_item()
    item["id"] = 11234  # core 1.0.0: id must be a string
    assert [(i.path, i.schema) for i in validate(item)] == [
        ("/id", "https://schemas.stacspec.org/v1.0.0/item-spec/json-schema/item.json")
    ]

    item = mlm_item()
    item["type"] = "feature"
    assert [(i.path, i.severity) for i in validate(item)] == [("/type", "error")]


@pytest.mark.parametrize(("version", "severity"), [
    ("banana", "error"), ("1.0", "error"), ("v1.0.0", "error"), ("", "error"),
    ("9.9.9", "warning"), ("1.1.0-rc.1", "warning"), ("1.0.0-beta.2", "warning"),
])
def test_a_stac_version_that_is_not_a_version_is_an_error(version, severity):
    """As stac-validator has it: a stac_version not shaped major.minor.patch (maybe -pre.release) is an error; a
    well-formed one without a vendored core schema is only a warning (it cannot be checked offline)."""
    item = mlm_item()
    item["stac_version"] = version
    assert [(i.path, i.severity) for i in validate(item) if i.schema == "stac:core"] == [("/stac_version", severity)]


def test_stac_1_1_item_with_core_bands():
    item = mlm_item()
    item["stac_version"] = "1.1.0"
    bands = [{"name": "red"}, {"name": "green"}, {"name": "blue"}]
    item["properties"]["bands"] = bands
    item["assets"]["model"]["bands"] = bands
    item["properties"]["mlm:input"][0]["bands"] = ["red", "green", "blue"]
    item["properties"]["mlm:input"][0]["input"]["dim_order"][1] = "bands"
    assert validate(item) == []
    assert lint(item) == []
    item["properties"]["bands"] = [{"name": 5}]
    issues = validate(item)
    assert (
        "/properties/bands/0/name",
        "https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json",
    ) in {(i.path, i.schema) for i in issues}


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_catalog_and_collection_core(version):
    catalog = {"stac_version": version, "type": "Catalog", "id": "c", "description": "d", "links": []}
    assert validate(catalog) == []
    collection = {
        **catalog,
        "type": "Collection",
        "license": "Apache-2.0",
        "extent": {
            "spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]},
            "temporal": {"interval": [["2020-01-01T00:00:00Z", None]]},
        },
    }
    assert validate(collection) == []
    del collection["license"]
    assert [i.message for i in validate(collection)] == ["'license' is a required property"]


def test_datacube_reference_system_resolves_without_projjson():
    item = mlm_item()
    item["stac_extensions"].append("https://stac-extensions.github.io/datacube/v2.3.0/schema.json")
    dims = {"x": {"type": "spatial", "axis": "x", "extent": [0, 1], "reference_system": "EPSG:4326"}}
    item["properties"]["cube:dimensions"] = dims
    assert validate(item) == []
    for value in (4326, {"type": "GeographicCRS", "name": "WGS 84"}):
        dims["x"]["reference_system"] = value
        assert validate(item) == []
    dims["x"]["reference_system"] = -1
    assert [i.path for i in validate(item)] == ["/properties/cube:dimensions/x/reference_system"]


def test_mlm_spellings_inline():
    # The stac-extensions.github.io spelling of 1.1-1.3 is accepted by no published file.
    item = mlm_item("https://stac-extensions.github.io/mlm/v1.3.0/schema.json")
    del item["assets"]["model"]["mlm:artifact_type"]
    issues = validate(item)
    assert errors(issues) == []
    assert [i.message for i in warnings_(issues)] == [
        f"non-canonical spelling of the schema URI; canonical is {MLM['1.3.0']}"
    ]
    # the content is still checked after the URI substitution
    item["properties"]["mlm:tasks"] = ["nope"]
    assert [i.path for i in errors(validate(item))] == ["/properties/mlm:tasks/0"]


def test_dedupe_and_check_sorting():
    item = mlm_item()
    item["stac_extensions"].append(MLM["1.5.2"])  # declared twice: issues must not double
    item["properties"]["mlm:tasks"] = ["nope"]
    item["properties"]["mlm:input"][0]["norm_type"] = "z-score"
    issues = validate(item)
    assert len(issues) == len({(i.path, i.message) for i in issues})
    assert [i.path for i in issues] == ["/stac_extensions", "/properties/mlm:tasks/0"]  # core: uniqueItems
    checked = check(item)
    assert [i.path for i in checked] == sorted(i.path for i in checked)
    assert {i.schema for i in checked} == {CORE_ITEM_100, MLM["1.5.2"], "lint:legacy-keys"}


def test_not_a_dict():
    assert [i.severity for i in validate([])] == ["error"]  # type: ignore[arg-type]
    assert lint("x") == []  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------------
# lint rules: one positive and one negative case each


def _rules(issues: list[Issue]) -> list[tuple[str, str]]:
    return [(i.schema, i.path) for i in issues]


def test_lint_clean_item():
    assert lint(mlm_item()) == []


def test_lint_legacy_input_keys():
    item = mlm_item()
    item["properties"]["mlm:input"][0].update(norm_type="z-score", statistics=[{"mean": 1, "stddev": 2}])
    assert _rules(lint(item)) == [
        ("lint:legacy-keys", "/properties/mlm:input/0/norm_type"),
        ("lint:legacy-keys", "/properties/mlm:input/0/statistics"),
    ]
    # the same keys are the correct ones for MLM 1.0-1.3
    assert lint(relabel(item, MLM["1.3.0"])) == []


def test_lint_classification_classes_misspelling():
    item = mlm_item()
    output = item["properties"]["mlm:output"][0]
    output["classification:classes"] = [{"value": 0, "name": "a"}, {"value": 1, "name": "b"}]
    assert lint(item) == []
    output["result"]["classification_classes"] = []
    assert _rules(lint(item)) == [
        ("lint:legacy-keys", "/properties/mlm:output/0/result/classification_classes")
    ]


def test_lint_foreign_prefixed_keys_are_warnings_only_with_mlm():
    item = mlm_item()
    item["properties"]["ml-model:type"] = "ml-model"
    item["properties"]["dlm:runtime"] = {}
    issues = lint(item)
    assert [(i.schema, i.path, i.severity) for i in issues] == [
        ("lint:legacy-keys", "/properties/ml-model:type", "warning"),
        ("lint:legacy-keys", "/properties/dlm:runtime", "warning"),
    ]
    item["stac_extensions"] = [ML_MODEL]
    assert lint(item) == []


def test_lint_band_names():
    item = mlm_item()
    item["stac_extensions"].append(EO)
    item["assets"]["model"]["eo:bands"] = [{"name": "B04"}, {"name": "B03"}]
    item["properties"]["mlm:input"][0]["bands"] = [
        "B04",
        {"name": "B03"},
        {"name": "NDVI", "format": "rio-calc", "expression": "(B08 - B04)"},
    ]
    assert lint(item) == []  # derived bands (with an expression) need no definition
    item["properties"]["mlm:input"][0]["bands"].append("B02 - blue")
    issues = lint(item)
    assert _rules(issues) == [("lint:band-names", "/properties/mlm:input/0/bands/3")]
    assert "'B02 - blue'" in issues[0].message


def test_lint_band_names_in_raster_bands_and_collection():
    collection = {
        "type": "Collection",
        "stac_extensions": [MLM["1.5.2"]],
        "item_assets": {"weights": {"roles": ["mlm:model"], "raster:bands": [{"name": "red"}]}},
        "summaries": {"mlm:input": [{"name": "x", "bands": ["red"]}]},
    }
    assert lint(collection) == []
    collection["summaries"]["mlm:input"][0]["bands"] = ["nir"]
    assert _rules(lint(collection)) == [("lint:band-names", "/summaries/mlm:input/0/bands/0")]


def test_lint_shape_rank():
    item = mlm_item()
    assert lint(item) == []
    item["properties"]["mlm:input"][0]["input"]["shape"] = [-1, 3, 64]
    item["properties"]["mlm:output"][0]["result"]["dim_order"] = ["batch"]
    assert _rules(lint(item)) == [
        ("lint:shape-rank", "/properties/mlm:input/0/input/shape"),
        ("lint:shape-rank", "/properties/mlm:output/0/result/shape"),
    ]


def test_lint_value_scaling_length():
    item = mlm_item()
    item["stac_extensions"].append(EO)
    item["assets"]["model"]["eo:bands"] = [{"name": n} for n in ("r", "g", "b")]
    inp = item["properties"]["mlm:input"][0]
    inp["bands"] = ["r", "g", "b"]
    scale = {"type": "scale", "value": 2}
    for n in (1, 3):
        inp["value_scaling"] = [scale] * n
        assert lint(item) == []
    inp["value_scaling"] = [scale] * 2
    assert _rules(lint(item)) == [("lint:value-scaling-length", "/properties/mlm:input/0/value_scaling")]
    inp["bands"] = []  # rule only applies when bands are listed
    assert lint(item) == []


def test_lint_class_count():
    item = mlm_item()
    output = item["properties"]["mlm:output"][0]
    output["classification:classes"] = [{"value": 0, "name": "a"}, {"value": 1, "name": "b"}]
    assert lint(item) == []
    output["classification:classes"].append({"value": 2, "name": "c"})
    assert _rules(lint(item)) == [("lint:class-count", "/properties/mlm:output/0/classification:classes")]
    output["result"]["shape"] = [-1, -1]  # unknown size: nothing to compare
    assert lint(item) == []


# ----------------------------------------------------------------------------------------------------
# Official examples (../shared/specs). Facts asserted here were checked against the schemas themselves.


@pytest.mark.parametrize("path", _examples("mlm/v*/examples/item_*.json"))
def test_official_mlm_item_validates_against_its_own_version(path):
    doc = load(path)
    version = path.parts[-3][1:]
    assert MLM[version] in doc["stac_extensions"]
    assert validate(doc) == []


@pytest.mark.parametrize("path", _examples("mlm/crim-ca-dlm-extension-v1.0.0/examples/item_*.json"))
def test_crim_ca_dlm_extension_v1_0_0_items_use_the_github_io_spelling(path):
    doc = load(path)
    issues = validate(doc)
    assert errors(issues) == []
    assert [(i.path, i.severity) for i in issues] == [("/stac_extensions/0", "warning")]
    assert "non-canonical" in issues[0].message


@pytest.mark.parametrize("path", _examples("ml-model/v1.0.0/examples/*.json"))
def test_official_ml_model_examples_validate(path):
    assert validate(load(path)) == []


def test_ml_model_cyclone_citation_typo_is_not_caught_by_the_schema():
    doc = shared("ml-model", "v1.0.0", "examples", "cyclone-wind-speed-item.json")
    assert any("sci:citation" in p for p in doc["properties"].get("sci:publications", []))
    assert validate(doc) == []


@pytest.mark.parametrize("path", _examples("mlm/v*/examples/collection.json"))
def test_official_mlm_collections_do_not_declare_mlm(path):
    doc = load(path)
    version = path.parts[-3][1:]
    assert not any("mlm" in u for u in doc["stac_extensions"])
    issues = validate(doc)
    assert errors(issues) == []
    if version < "1.4.0":  # the 1.0-1.3 collections are STAC 1.0.0-rc.1: no core schema is vendored
        assert [i.message for i in issues] == ["no vendored core schema for stac_version 1.0.0-rc.1"]
    else:
        assert issues == []
    # declaring MLM would not make them fail: the MLM Collection branch only checks MLM fields
    doc["stac_extensions"].append(MLM[version])
    assert errors(validate(doc)) == []


@pytest.mark.parametrize(
    "spelling",
    [
        "https://stac-extensions.github.io/mlm/v{v}/schema.json",
        "https://stac-extensions/mlm/v{v}/schema.json",
    ],
)
@pytest.mark.parametrize("version", ["1.0.0", "1.1.0", "1.2.0", "1.3.0"])
def test_official_items_under_other_mlm_spellings(version, spelling):
    doc = shared("mlm", f"v{version}", "examples", "item_basic.json")
    issues = validate(relabel(doc, spelling.format(v=version)))
    assert errors(issues) == []
    assert [i.message for i in issues] == [
        f"non-canonical spelling of the schema URI; canonical is {MLM[version]}"
    ]


def test_cross_version_facts():
    eo_14 = shared("mlm", "v1.4.0", "examples", "item_eo_bands.json")
    assert [(i.path, i.message) for i in errors(validate(relabel(eo_14, MLM["1.5.2"])))] == [
        ("/properties/mlm:input/0/input/dim_order", "array must contain 'bands'")
    ]
    basic_13 = shared("mlm", "v1.3.0", "examples", "item_basic.json")
    assert [(i.path, i.message) for i in errors(validate(relabel(basic_13, MLM["1.4.0"])))] == [
        ("/assets/model", "'mlm:artifact_type' is a required property")
    ]
    eo_152 = shared("mlm", "v1.5.2", "examples", "item_eo_bands.json")
    assert [(i.path, i.message) for i in errors(validate(relabel(eo_152, MLM["1.0.0"])))] == [
        ("/assets/source_code/roles", "array must contain 'mlm:model'")  # MLM 1.0/1.1: every asset is a model
    ]
    cube = shared("mlm", "v1.5.2", "examples", "item_datacube_variables.json")
    assert {i.path for i in errors(validate(relabel(cube, MLM["1.4.0"])))} == {
        "/properties/mlm:tasks/1",  # downscaling is new in 1.5
        "/properties/mlm:output/0/tasks/1",
        "/properties/mlm:input/0",  # 'bands' required before 1.5
    }
    # not every 1.5 item fails 1.0: item_basic has a single mlm:model asset and no bands
    basic_152 = shared("mlm", "v1.5.2", "examples", "item_basic.json")
    assert validate(relabel(basic_152, MLM["1.0.0"])) == []


@pytest.mark.parametrize("path", _examples("mlm/v*/examples/item_*.json"))
def test_lint_facts_on_official_items(path):
    doc = load(path)
    version = path.parts[-3][1:]
    found = {(i.schema, i.path.rsplit("/", 1)[-1]) for i in lint(doc)}
    # §9 #8: every official item with classes misspells classification:classes, except item_pytorch_geo_unet
    # (item_datacube_variables is a regression model without classes)
    has_typo = ("lint:legacy-keys", "classification_classes") in found
    assert has_typo == (path.name not in ("item_pytorch_geo_unet.json", "item_datacube_variables.json"))
    # §6.6: norm_by_channel survives in the 1.4+ item_eo_bands (and 1.5 item_datacube_variables)
    leftover = ("lint:legacy-keys", "norm_by_channel") in found
    assert leftover == (
        version >= "1.4.0" and path.name in ("item_eo_bands.json", "item_datacube_variables.json")
    )
    # new: item_multi_io refers to bands 'B04' etc. while its raster:bands are named 'B04 - red' etc.
    assert any(rule == "lint:band-names" for rule, _ in found) == (path.name == "item_multi_io.json")


def test_dlm_beta3_example_core_errors():
    doc = shared("dlm", "v1.0.0-beta.3", "examples", "item.json")
    issues = validate(doc)
    assert ("/assets", "error") in {(i.path, i.severity) for i in issues}  # an array of single-key objects
    assert ("/properties/eo:bands/0/common_name", "error") in {
        (i.path, i.severity) for i in issues
    }  # 'pancro'
    dl_model = [i for i in issues if "dl-model" in i.schema]
    assert [i.severity for i in dl_model] == ["warning"]  # not vendored


# -- what the vendored schemas say about fields (used by the extension-URI repairs) -------------------------------
def test_extension_prefixes_come_from_the_schemas() -> None:
    from crosswalk.validation.validator import extension_prefix, extension_uris_by_prefix

    assert extension_prefix("https://stac-extensions.github.io/raster/v1.1.0/schema.json") == "raster:"
    assert extension_prefix("https://stac-extensions.github.io/scientific/v1.0.0/schema.json") == "sci:"
    assert extension_prefix("https://stac-extensions.github.io/version/v1.2.0/schema.json") is None  # unprefixed
    by_prefix = extension_uris_by_prefix()
    assert by_prefix["file:"] == "https://stac-extensions.github.io/file/v2.1.0/schema.json"  # the newest vendored
    assert "mlm:" not in by_prefix and "ml-model:" not in by_prefix  # crosswalk converts those itself


def test_field_types_and_class_fields_come_from_the_schemas() -> None:
    from crosswalk.validation.validator import classification_class_fields, field_type

    assert field_type("mlm:tasks") == "array" and field_type("instruments") == "array"
    assert field_type("platform") == "string"
    assert classification_class_fields() == {"value", "description", "name", "color_hint"}


def test_extension_accepts_answers_for_one_schema() -> None:
    from crosswalk.validation.validator import extension_accepts

    item = {"type": "Feature", "stac_version": "1.1.0", "id": "x", "geometry": None, "links": [], "assets": {},
            "properties": {"datetime": "2020-01-01T00:00:00Z"}}
    eo = "https://stac-extensions.github.io/eo/v1.1.0/schema.json"
    sci = "https://stac-extensions.github.io/scientific/v1.0.0/schema.json"
    assert extension_accepts({**item, "stac_extensions": [eo]}, eo)  # declared with none of its fields: fine
    assert not extension_accepts({**item, "stac_extensions": [sci]}, sci)  # scientific wants a field


# -- dlm: crosswalk's own schemas --------------------------------------------------------------------------------
def test_a_dlm_output_is_held_to_crosswalks_dlm_schema_of_its_layout() -> None:
    """A z-score with a zero stddev becomes a dlm std of 0, which the dlm schemas forbid: the conversion says so
    (it called such outputs valid: only the tests held dlm outputs to these schemas)."""
    from conftest import small_mlm_item

    from crosswalk import pipeline

    doc = small_mlm_item()
    doc["properties"]["mlm:input"][0]["value_scaling"] = [{"type": "z-score", "mean": 1.0, "stddev": 0}]
    result = pipeline.convert(doc, to="dlm")
    assert result.ok and not result.valid
    assert any(i["path"] == "/properties/dlm:input/std/0" and i["severity"] == "error" and
               "crosswalk/dlm" in i["schema"] for i in result.report["issues"])
    fine = pipeline.convert(small_mlm_item(), to="dlm")
    assert fine.valid and any("not available offline" in i["message"] for i in fine.report["issues"])


def test_validate_holds_a_dlm_item_to_the_dlm_schema_and_anything_else_to_the_vendored_ones_alone() -> None:
    from crosswalk.validation.verdict import check as check_all

    item = json.loads((ROOT / "corpora" / "dlm" / "readme-tables-item.json").read_text(encoding="utf-8"))
    item["properties"]["dlm:architecture"]["total_parameters"] = "31M"
    assert any(i.path == "/properties/dlm:architecture/total_parameters" and i.severity == "error"
               for i in check_all(item))
    assert not [i for i in check(item) if i.path == "/properties/dlm:architecture/total_parameters"]
    mlm = json.loads((ROOT / "corpora" / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json").read_text(encoding="utf-8"))
    assert check_all(mlm) == check(mlm)
