"""Documents that carry two families (ml-model or dlm fields beside an MLM Item's), converted to every MLM version.

The cases come from the format registry: every MLM version as the document's own, every other family with a
corpus document of it, every MLM version as the target. What each case must give is read from the version graph
(does the plan stand where the other family's steps land?) and from the target's vendored schema (does it accept
that family's fields?), never from the output under test."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from conftest import SHARED, corpus_inputs, needs_shared, small_mlm_item

from crosswalk import pipeline
from crosswalk.detection import detect
from crosswalk.io.documents import read_document
from crosswalk.language.formats import Format, registry
from crosswalk.validation.validator import schema_document

MLM = registry().families["mlm"]


@cache
def _other_families() -> dict[str, tuple[list[str], dict]]:
    """{format: (its schema URIs, its fields)} of the first corpus document of each version of every family but
    MLM, as they would sit beside an MLM Item's (a family's URI and its prefixed Item properties)."""
    out: dict[str, tuple[list[str], dict]] = {}
    for name, family in registry().families.items():
        if name == MLM.name:
            continue
        for path in [p for p in corpus_inputs() if p.parent.name == name]:
            doc = read_document(str(path), lenient=True)  # old dlm files have // comments
            if not isinstance(doc, dict) or doc.get("type") != "Feature":
                continue
            found = str(detect(doc).format)
            uris = [u for u in doc.get("stac_extensions", []) if any(f.match(u) for f in registry().families.values()
                                                                      if f.name != MLM.name)]
            fields = {k: v for k, v in doc["properties"].items() if k.startswith(family.prefix)}
            out.setdefault(found, (uris, fields))
    return out


def _mixed(version: str, other: str) -> dict:
    uris, fields = _other_families()[other]
    doc = small_mlm_item(version)
    doc["stac_extensions"] += uris
    doc["properties"].update(fields)
    return doc


def _landings(other: Format) -> set[Format]:
    """The MLM versions the other family's own steps lead into, from the version graph."""
    seen, todo, out = {other}, [other], set()
    while todo:
        for edge in pipeline.graph().edges.get(todo.pop(), []):
            if edge.target.family == MLM.name:
                out.add(edge.target)
            elif edge.target.family == other.family and edge.target not in seen:
                seen.add(edge.target)
                todo.append(edge.target)
    return out


def _accepts(version: str, key: str) -> bool:
    """Whether the MLM ``version`` schema takes ``key`` among an Item's properties (its ``fields`` definition
    admits a key it knows, or one its pattern properties match)."""
    fields = schema_document(MLM.uri(version))["$defs"]["fields"]
    return key in fields.get("properties", {}) or any(re.search(p, key) for p in fields.get("patternProperties", {}))


def _chains(steps: list[str], source: str, others: list[str], target: str) -> bool:
    """The steps lead from ``source`` to ``target``, one after the other; a step of another family's fields starts
    where that family is (in the document, or where its previous step landed) and, when it leaves its family,
    lands where the chain stands."""
    at, side = source, set(others)
    for step in steps:
        start, end = step.split(" -> ")
        if start == at:
            at = end
        elif start in side and (end == at or end.partition("@")[0] == start.partition("@")[0]):
            side.discard(start)
            if end != at:
                side.add(end)
        else:
            return False
    return at == target


def _converted(version: str, other: str, target: str) -> bool:
    """The plan stands, at its start or after one of its steps, where the other family's steps land."""
    stops = {Format("mlm", version), *(e.target for e in pipeline.plan(f"mlm@{version}", f"mlm@{target}"))}
    return bool(_landings(Format.parse(other)) & stops)


CASES = [(v, o, t) for v in MLM.versions for o in sorted(_other_families()) for t in MLM.versions]


def _params(cases: list[tuple[str, str, str]]) -> list:
    """The cases as test parameters. The default run takes those from or to the oldest or the latest MLM version,
    which give every family converted, kept and dropped (whichever of them it can be); the rest are slow cases."""
    ends = (MLM.versions[0], MLM.versions[-1])
    return [pytest.param(v, o, t, id=f"mlm@{v}+{o}->mlm@{t}",
                         marks=() if v in ends or t in ends else pytest.mark.slow) for v, o, t in cases]


@pytest.mark.parametrize(("version", "other", "target"), _params(CASES))
def test_a_second_family_is_converted_or_accounted_for_at_every_mlm_target(version, other, target) -> None:
    """The output is valid and its steps lead from the document's MLM version to the target, the other family's
    joining where they land. Each of that family's fields has an entry of its own: converted where the plan stands
    where its steps land; else kept as it was where the target's schema takes it, dropped where it does not (dlm:*
    in MLM 1.0-1.3)."""
    doc = _mixed(version, other)
    found = detect(doc)
    assert (str(found.format), [str(f) for f in found.others]) == (f"mlm@{version}", [other])
    result = pipeline.convert(doc, to=f"mlm@{target}", verify=True)
    assert result.ok, result.error
    assert result.valid, [i for i in result.report["issues"] if i.get("severity") == "error"]
    report, out = result.report, result.document
    assert _chains(report["steps"], report["source"]["format"], report["source"]["also"], f"mlm@{target}"), (
        report["steps"])
    converted = _converted(version, other, target)
    entries = {e["path"]: e for e in report["fields"]}
    for key, value in _other_families()[other][1].items():
        path = f"/properties/{key}"
        own = [e for p, e in entries.items() if p == path or p.startswith(path + "/")]
        assert own, f"{path} is only covered by an entry above it"  # each field accounted for on its own
        if converted:  # its own steps ran: nothing of it is left as it was
            assert key not in out["properties"] and all(e["status"] != "kept" for e in own), own
        elif _accepts(target, key):  # left as it is, and said so
            assert out["properties"][key] == value and own == [entries[path]] and entries[path]["status"] == "kept"
            assert f"mlm@{target}" in entries[path]["reason"] and other in entries[path]["reason"]
        else:  # the target's schema rejects it
            assert key not in out["properties"] and entries[path]["status"] == "dropped", entries[path]


LEFT = [c for c in CASES if not _converted(*c)]


@pytest.mark.parametrize(("version", "other", "target"), _params(LEFT))
def test_a_family_left_as_it_is_changes_nothing_of_the_documents_own_conversion(version, other, target) -> None:
    """Where the other family's fields are not converted, the document's own fields come out as the same
    document's without them do: its plan is its own (never up to the latest MLM and back down)."""
    uris, fields = _other_families()[other]
    mixed = pipeline.convert(_mixed(version, other), to=f"mlm@{target}")
    plain = pipeline.convert(small_mlm_item(version), to=f"mlm@{target}")
    assert mixed.ok and plain.ok
    assert mixed.steps == plain.steps
    assert {k: v for k, v in mixed.document["properties"].items() if k not in fields} == plain.document["properties"]
    assert mixed.document["assets"] == plain.document["assets"]
    assert [u for u in mixed.document["stac_extensions"] if u not in uris] == plain.document["stac_extensions"]


# -- mlm:entrypoint among the Item properties -------------------------------------------------------------------
def _with_entrypoint(version: str, *, code_asset: bool = True) -> dict:
    doc = small_mlm_item(version, **{"mlm:entrypoint": "package.module:predict"})
    if code_asset:
        doc["assets"]["code"] = {"href": "https://example.com/src.zip", "type": "application/zip",
                                 "roles": ["mlm:source_code", "code"]}
    return doc


def _errors(doc: dict) -> int:
    from crosswalk.validation.verdict import report_issues

    return sum(i.get("severity") == "error" for i in report_issues(doc)[0])


def _item_level_rejected(version: str) -> bool:
    """The version's schemas find more errors with the Item's mlm:entrypoint than without it (MLM 1.0 and 1.1
    reject a code asset without the model role whatever its fields: compared, not judged alone)."""
    doc = _with_entrypoint(version)
    without = _with_entrypoint(version)
    del without["properties"]["mlm:entrypoint"]
    return _errors(doc) > _errors(without)


def _on_code_asset_accepted(version: str) -> bool:
    doc = _with_entrypoint(version)
    without = _with_entrypoint(version)
    del without["properties"]["mlm:entrypoint"]
    doc["assets"]["code"]["mlm:entrypoint"] = doc["properties"].pop("mlm:entrypoint")
    return _errors(doc) == _errors(without)


REJECTING = [v for v in MLM.versions if _item_level_rejected(v)]


def test_the_schemas_reject_an_item_level_entrypoint_from_1_4_on() -> None:
    """MLM 1.4.0 rejects every mlm:* key it does not define, and defines no mlm:entrypoint; 1.5.0 defines it on
    source code assets only. Before 1.4 an unknown mlm:* key passed unchecked."""
    assert REJECTING == [v for v in MLM.versions if tuple(map(int, v.split("."))) >= (1, 4, 0)]


@pytest.mark.parametrize("code_asset", [True, False], ids=["one code asset", "no code asset"])
@pytest.mark.parametrize(("version", "target"), [(v, t) for v in REJECTING for t in REJECTING])
def test_an_item_level_entrypoint_of_a_document_entering_at_1_4_or_later(version, target, code_asset) -> None:
    """The step into 1.4 moves or drops an Item's mlm:entrypoint; a document already at 1.4 or later never takes
    that step, and its entrypoint stayed where its target's schema rejects it. It goes to the one source code
    asset where the target takes it there (1.5 on), and is dropped otherwise, said so either way."""
    result = pipeline.convert(_with_entrypoint(version, code_asset=code_asset), to=f"mlm@{target}", verify=True)
    assert result.ok and result.valid, result.report["issues"]
    assert "mlm:entrypoint" not in result.document["properties"]
    (entry,) = [e for e in result.report["fields"] if e["path"] == "/properties/mlm:entrypoint"]
    if code_asset and _on_code_asset_accepted(target):
        assert result.document["assets"]["code"]["mlm:entrypoint"] == "package.module:predict"
        assert entry["status"] == "moved" and entry["to"] == ["/assets/code/mlm:entrypoint"]
    else:
        assert all("mlm:entrypoint" not in a for a in result.document["assets"].values())
        assert entry["status"] == "dropped" and "mlm:entrypoint" in entry["reason"]


# -- a real document of two families ----------------------------------------------------------------------------
REAL_MIXED = "corpora/real/mixed/eoap__machine-learning-process__MLM__Describe-MLmodel.ipynb.cell23.json"
TARGETS = [str(Format(name, v)) for name, family in registry().families.items() for v in family.versions]


@needs_shared
@pytest.mark.parametrize("target", TARGETS)
def test_a_published_mlm_1_2_item_with_ml_model_fields_at_every_target(target) -> None:
    """The eoap notebook's Item declares MLM 1.2.0 and ml-model 1.0.0 with both field sets. At every target its
    steps lead from mlm@1.2.0 to the target, and each ml-model field has an entry of its own: converted where the
    plan stands at the latest MLM, else kept as it was (every MLM version takes ml-model:* fields)."""
    doc = read_document(str(SHARED / REAL_MIXED))
    result = pipeline.convert(doc, to=target, verify=True)
    assert result.ok and result.valid, result.error or result.report["issues"]
    report = result.report
    assert (report["source"]["format"], report["source"]["also"]) == ("mlm@1.2.0", ["ml-model@1.0.0"])
    assert _chains(report["steps"], "mlm@1.2.0", ["ml-model@1.0.0"], target), report["steps"]
    entries = {e["path"]: e for e in report["fields"]}
    fields = [k for k in doc["properties"] if k.startswith("ml-model:")]
    assert len(fields) == 6
    if target.startswith("ml-model@"):  # the target's own family: its fields are already the target's
        assert "ml-model@1.0.0 -> mlm@1.5.2" not in report["steps"]
        return
    for key in fields:
        entry = entries[f"/properties/{key}"]
        if "ml-model@1.0.0 -> mlm@1.5.2" in report["steps"]:
            assert entry["status"] != "kept" and key not in result.document["properties"]
        else:
            assert entry["status"] == "kept" and result.document["properties"][key] == doc["properties"][key]
            assert "ml-model@1.0.0 left as it is" in entry["reason"]


# -- an MLM Item's own values beside dlm fields that would set them ---------------------------------------------
def _mlm_item_with_dlm_architecture(arch: dict, **props) -> dict:
    """A small MLM 1.5.2 Item whose model asset states its size, carrying dlm fields (URI and dlm:architecture)."""
    doc = small_mlm_item("1.5.2", **props)
    doc["assets"]["model"]["file:size"] = 43000000
    doc["stac_extensions"] += ["https://stac-extensions.github.io/file/v2.1.0/schema.json",
                               registry().families["dlm"].uri("1.0.0-draft")]
    doc["properties"]["dlm:architecture"] = arch
    return doc


@pytest.mark.parametrize("keep_source", [False, True])
def test_a_dlm_size_beside_an_mlm_items_own_file_size_leaves_it_as_it_is(keep_source) -> None:
    """The dlm side step turns on_disk_size_mb into the model asset's file:size; an MLM Item that already states
    that size keeps its own (43000000 bytes, not 4.2 MiB = 4404019), reported kept, and the dlm figure is dropped
    with why."""
    doc = _mlm_item_with_dlm_architecture({"type": "U-TAE", "on_disk_size_mb": 4.2})
    result = pipeline.convert(doc, to="mlm@1.5.2", keep_source=keep_source, verify=True)
    assert result.ok, result.error
    assert result.report["steps"] == ["dlm-beta@1.0.0-beta.3 -> mlm@1.5.2"]  # no dlm:input/output: beta.3's layout
    assert result.document["assets"]["model"]["file:size"] == 43000000
    entries = {e["path"]: e for e in result.report["fields"]}
    size = entries["/properties/dlm:architecture/on_disk_size_mb"]
    assert size["status"] == "dropped" and size["reason"] == "file:size already set on the model asset"
    assert "/assets/model/file:size" not in entries  # untouched: kept with the rest of the Item


def test_a_dlm_pretraining_beside_an_mlm_items_own_source_leaves_it_as_it_is() -> None:
    """dlm:architecture.pretrained "PASTIS" would become mlm:pretrained_source; an MLM Item that already names its
    pretraining source keeps "EuroSat Sentinel-2", and the dlm value is dropped with why."""
    doc = _mlm_item_with_dlm_architecture({"type": "U-TAE", "pretrained": "PASTIS"},
                                          **{"mlm:pretrained_source": "EuroSat Sentinel-2"})
    result = pipeline.convert(doc, to="mlm@1.5.2", verify=True)
    assert result.ok, result.error
    assert result.document["properties"]["mlm:pretrained_source"] == "EuroSat Sentinel-2"
    assert "mlm:pretrained" not in result.document["properties"]
    entries = {e["path"]: e for e in result.report["fields"]}
    pretrained = entries["/properties/dlm:architecture/pretrained"]
    assert pretrained["status"] == "dropped" and pretrained["reason"] == "mlm:pretrained_source already set"
    assert "/properties/mlm:pretrained_source" not in entries


def test_an_mlm_items_bands_copied_by_the_dlm_side_step_then_dropped_with_their_input_are_moved() -> None:
    """The MLM 1.3.0 raster-bands Item with the sentinel-hub dlm beta.2 fields, to ml-model: the dlm side step
    names the weights asset's raster bands after the Item's own mlm:input bands, then ml-model drops mlm:input.
    Each band name is then only at its raster band: moved there (not kept, which says "unchanged at its own
    place"), the same value, with the step that took it from its own place."""
    corpora = Path(__file__).parents[1] / "corpora"
    doc = read_document(str(corpora / "mlm" / "spec-1.3.0-item_raster_bands.json"))
    dlm = read_document(str(corpora / "dlm-beta" / "sentinel-hub-dl-sequential.json"))
    doc["stac_extensions"] += [u for u in dlm["stac_extensions"] if u not in doc["stac_extensions"]]
    doc["properties"].update({k: v for k, v in dlm["properties"].items() if k.startswith("dlm:")})
    bands = doc["properties"]["mlm:input"][0]["bands"]
    result = pipeline.convert(doc, to="ml-model@1.0.0", verify=True)
    assert result.ok, result.error
    assert "dlm-beta@1.0.0-beta.3 -> mlm@1.5.2" in result.report["steps"]
    entries = {e["path"]: e for e in result.report["fields"]}
    for i, name in enumerate(bands):
        entry = entries[f"/properties/mlm:input/0/bands/{i}"]
        assert entry["status"] == "moved" and entry["step"] == "mlm_1.5.2__ml-model_1.0.0", entry
        assert entry["to"] == [f"/assets/weights/raster:bands/{i}/name"]
        assert result.document["assets"]["weights"]["raster:bands"][i]["name"] == name
