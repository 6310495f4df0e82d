"""The report's JSON Schemas against what crosswalk writes.

``crosswalk/engine/report.schema.json`` describes one document's report (``--report json``, ``--report-file``,
``Report.to_dict()``); ``crosswalk/engine/summary-line.schema.json`` one line of a bulk ``--summary-file`` (a
document's report plus ``status``, a failed document, the run's counts). Every report of every corpus document,
converted to every target by default, with ``--keep-source`` and with ``--no-validate``, must pass; so must the
lines of bulk runs, the reports the command line and the Python API give, and the pgstac lines (test_pgstac.py).
The schemas must also reject what crosswalk never writes: the negative cases below break one rule each in a real
report, which passes before the change.

The fast default run takes a few documents that between them reach every entry shape; the whole corpus (the
project's and, when ../shared is present, the real documents and the official examples) is slow.
"""

from __future__ import annotations

import copy
import json
import shutil
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import CORPORA, case_name, corpus_inputs, shared_files
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

import crosswalk
from crosswalk import pipeline
from crosswalk.cli.main import dlm_migrate
from crosswalk.errors import FormatError
from crosswalk.io.documents import read_document_repairs
from crosswalk.language.formats import registry
from crosswalk.validation.validator import keyword_values

SCHEMAS = Path(str(files("crosswalk") / "engine"))  # where the package ships them (a wheel install too)
REPORT_SCHEMA = json.loads((SCHEMAS / "report.schema.json").read_text(encoding="utf-8"))
LINE_SCHEMA = json.loads((SCHEMAS / "summary-line.schema.json").read_text(encoding="utf-8"))
REGISTRY = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in (REPORT_SCHEMA, LINE_SCHEMA)])
REPORTS = Draft202012Validator(REPORT_SCHEMA, registry=REGISTRY)
LINES = Draft202012Validator(LINE_SCHEMA, registry=REGISTRY)

# every version of every family, from the format registry (a version added there is covered here), and the
# open-ended `mlm`, which a newer document passes through unchanged
TARGETS = ["mlm", *(f"{name}@{v}" for name, family in registry().families.items() for v in reversed(family.versions))]
MODES = {"default": {}, "keep-source": {"keep_source": True}, "no-validate": {"validate": False}}

# The fast run: each document in every direction by default, and to three targets with --keep-source and with
# --no-validate; between them they give every shape the schema allows (the shapes each is there for, as
# `_shapes` names them).
FAST = {
    "dlm-beta/spec-beta2-item-with-comments.jsonc": {"read-time repair", "step repairs", "step invariants",
                                                      "severity error", "valid False", "validated False"},
    "mlm/spec-1.2.0-item_eo_bands.json": {"to []", "kept to", "status repaired"},
    "producers/stac-model-0.7.0-eurosat_resnet.json": {"step newer", "issue crosswalk:newer-version"},
    "ml-model/agrifieldnet-gold-collection.json": {"edge ml-model", "severity warning"},
    "dlm/readme-tables-item.json": {"edge dlm", "edge dlm-beta", "edge mlm", "status kept", "status moved",
                              "status transformed", "status lossy", "status dropped", "status invented"},
}
EVERY_WAY = [(target, mode) for target in TARGETS for mode in MODES]
QUICK = [(target, "default") for target in TARGETS] + [
    (target, mode) for target in ("mlm", "ml-model", "dlm-beta@1.0.0-beta.2") for mode in ("keep-source", "no-validate")
]


def problems(validator: Draft202012Validator, instance: Any) -> list[str]:
    """Each way ``instance`` breaks the schema, one line each naming where (empty: it passes)."""
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator.iter_errors(instance)]


def report_problems(report: dict[str, Any]) -> list[str]:
    return problems(REPORTS, report)


def line_problems(line: dict[str, Any]) -> list[str]:
    return problems(LINES, line)


# -- the schemas themselves ----------------------------------------------------------------------------------------


def test_the_schemas_are_json_schema_2020_12_and_refer_only_to_each_other() -> None:
    for schema in (REPORT_SCHEMA, LINE_SCHEMA):
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for schema in (REPORT_SCHEMA, LINE_SCHEMA):
        refs = list(keyword_values(schema, "$ref"))
        assert refs
        resolver = REGISTRY.resolver(base_uri=schema["$id"])
        for ref in refs:  # within the file, or into report.schema.json: the two files alone resolve every one
            assert ref.startswith(("#/", "report.schema.json#/")), ref
            resolver.lookup(ref)


def test_statuses_severities_and_counts_are_the_contract() -> None:
    statuses = ["kept", "moved", "transformed", "lossy", "dropped", "invented", "repaired", "filled"]  # the contract
    defs = REPORT_SCHEMA["$defs"]
    assert defs["entry"]["properties"]["status"]["enum"] == statuses
    assert defs["counts"]["required"] == statuses and list(defs["counts"]["properties"]) == statuses
    assert defs["issue"]["properties"]["severity"]["enum"] == ["error", "warning"]
    assert defs["body"]["required"] == ["source", "target", "steps", "fields", "valid", "validated", "issues",
                                        "summary"]


def test_the_run_summary_keys_are_the_ones_a_bulk_run_counts() -> None:
    from crosswalk.bulk.tree import COUNTS

    tree = LINE_SCHEMA["$defs"]["tree"]["required"]
    assert tree == [*COUNTS, "files", "written", "remote_links", "outside_root", "skipped"]
    assert LINE_SCHEMA["$defs"]["document"]["properties"]["status"]["enum"] == ["converted", "unchanged"]


def _pattern_matches(name: str, text: str) -> bool:
    return not list(Draft202012Validator(REPORT_SCHEMA["$defs"][name]).iter_errors(text))


def test_every_format_edge_and_mapping_id_of_the_registry_matches_its_pattern() -> None:
    """The patterns keep up with the format registry and the mappings directory: every format id, every edge of
    the version graph (as `steps` and as a step name), every version's invariants and the newer-version rules."""
    from crosswalk.language.edges import edge_index
    from crosswalk.language.formats import registry

    reg = registry()
    formats = [f"{family.name}@{v}" for family in reg.families.values() for v in family.versions]
    assert len(formats) >= 12
    for fmt in formats:
        assert _pattern_matches("format", fmt), fmt
    edges = edge_index()
    assert len(edges) >= 20
    for edge in edges:
        assert _pattern_matches("edge", f"{edge.source} -> {edge.target}"), edge
        assert _pattern_matches("step", edge.id), edge.id
    ids = [name for family in reg.families.values() for v in family.versions for name in family.invariants_for(v)]
    ids += [family.newer_rules.removesuffix(".yaml") for family in reg.families.values() if family.newer_rules]
    assert {"mlm.invariants", "mlm_1.4.invariants", "mlm.newer"} <= set(ids)
    for name in {*ids, "repairs"}:
        assert _pattern_matches("step", name), name
    for wrong in ("mlm@1.5.2 -> mlm@1.5.1", "mlm_1.5.2", "repair", "mlm.invariant", "x_1.0.0__mlm_1.5.2"):
        assert not _pattern_matches("step", wrong), wrong
    for wrong in ("mlm", "mlm@1.5", "MLM@1.5.2", "mlm@1.5.2 ", "stac@1.0.0"):
        assert not _pattern_matches("format", wrong), wrong


# -- every report of the corpus ------------------------------------------------------------------------------------


def _sweep_files() -> list[Path]:
    out = list(corpus_inputs()) + sorted(CORPORA.glob("*/*.jsonc"))
    out += shared_files("corpora/real/*/*.json", "corpora/real/*/*.yaml", "corpora/real/*/*.yml")
    out += shared_files("specs/*/*/examples/*.json", "specs/*/*/examples/*.yaml", "specs/*/*/examples/*.yml")
    return sorted(set(out))


def _conversions(path: Path, ways: list[tuple[str, str]]):
    """(case, result) for each (target, mode) of ``ways``: the file as `convert_file` reads it (the repairs made
    while reading reported), or each Item of a bare list or FeatureCollection."""
    doc, _ = read_document_repairs(str(path), lenient=True)
    if isinstance(doc, list):
        docs = list(enumerate(doc))
    elif isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        docs = list(enumerate(doc.get("features") or []))
    else:
        docs = None
    for target, mode in ways:
        options = MODES[mode]
        if docs is None:
            yield f"{case_name(path)} --to {target} ({mode})", pipeline.convert_file(str(path), to=target, **options)
        else:
            for i, item in docs:
                name = f"{case_name(path)}#{i}"
                yield f"{name} --to {target} ({mode})", pipeline.convert(item, href=name, to=target, **options)


def _check_file(path: Path, ways: list[tuple[str, str]]) -> tuple[int, set[str]]:
    """Every report of the file passes; returns how many there were and the shapes seen. A conversion that fails
    is a document crosswalk does not convert (not an ML-model document, an MLM metadata file), never another
    error. The schema cannot relate one member to another: that an edge step is a member of `steps`, and that
    invariants are the target family's, is checked here."""
    checked, shapes, failures = 0, set(), []
    for case, result in _conversions(path, ways):
        if result.error is not None:
            assert isinstance(result.error, FormatError), f"{case}: {result.error}"
            continue
        report = result.report
        found = report_problems(report)
        if found:
            failures.append(f"{case}: " + "; ".join(found[:3]))
        family = report["target"]["format"].partition("@")[0]
        for e in report["fields"]:
            step = e.get("step", "repairs")
            if step.endswith(".invariants"):
                assert step.partition(".")[0].partition("_")[0] == family, (case, e)
            elif _step_kind(step) == "edge":  # mlm_1.5.2__mlm_1.5.1 is the step mlm@1.5.2 -> mlm@1.5.1
                assert " -> ".join("@".join(end.rsplit("_", 1)) for end in step.split("__")) in report["steps"], (
                    case, e, report["steps"])
        shapes |= _shapes(report)
        checked += 1
    assert not failures, f"{len(failures)} reports break the schema:\n" + "\n".join(failures[:10])
    return checked, shapes


def _step_kind(step: str) -> str:
    if step == "repairs":
        return "repairs"
    return step.rpartition(".")[2] if step.endswith((".newer", ".invariants")) else "edge"


def _shapes(r: dict[str, Any]) -> set[str]:
    """The shapes a report shows, by name."""
    fields = r["fields"]
    return {
        *(f"status {e['status']}" for e in fields),
        *("read-time repair" for e in fields if e["status"] == "repaired" and "to" not in e),
        *("to []" for e in fields if e.get("to") == []),
        *("kept to" for e in fields if e["status"] == "kept" and "to" in e),
        *(f"step {_step_kind(e['step'])}" for e in fields if "step" in e),
        *(f"edge {step.partition('@')[0]}" for step in r["steps"]),
        *(f"severity {i['severity']}" for i in r["issues"]),
        *(f"issue {i['schema']}" for i in r["issues"] if i["schema"].startswith("crosswalk:")),
        f"valid {r['valid']}",
        f"validated {r['validated']}",
    }


@pytest.mark.parametrize("name", sorted(FAST))
def test_reports_of_a_document_per_shape_follow_the_schema(name: str) -> None:
    checked, shapes = _check_file(CORPORA / name, QUICK)
    assert checked == len(QUICK)
    assert FAST[name] <= shapes, sorted(FAST[name] - shapes)


def test_the_fast_documents_show_every_shape() -> None:
    """Every status but filled (test_stdin_and_python_api_reports_follow_the_schema fills), both kinds of repair,
    `to: []`, kept entries with `to`, every kind of step, an edge from every family, both severities, the
    newer-version warning, valid and invalid outputs, validated or not."""
    wanted = {f"status {s}" for s in ("kept", "moved", "transformed", "lossy", "dropped", "invented", "repaired")}
    wanted |= {"read-time repair", "to []", "kept to", "step repairs", "step invariants", "step newer",
               "severity error", "severity warning", "valid False", "validated False", "issue crosswalk:newer-version"}
    wanted |= {f"edge {family}" for family in ("mlm", "ml-model", "dlm", "dlm-beta")}
    assert wanted <= set().union(*FAST.values()), sorted(wanted - set().union(*FAST.values()))


@pytest.mark.slow
@pytest.mark.parametrize("path", _sweep_files(), ids=case_name)
def test_every_report_of_every_corpus_document_follows_the_schema(path: Path) -> None:
    _check_file(path, EVERY_WAY)  # (a plain Catalog, an MLM metadata file: no report, each a FormatError)


def test_the_sweep_covers_every_corpus_file() -> None:
    names = {case_name(p) for p in _sweep_files()}
    for path in CORPORA.glob("*/*"):
        if path.parent.name != "expected" and path.suffix in (".json", ".jsonc", ".yaml", ".yml"):
            assert case_name(path) in names, path
    assert set(FAST) <= {p.removeprefix("corpora/") for p in names}


# -- the command line and the Python API ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["", "--keep-source", "--no-validate"])
def test_the_command_line_report_follows_the_schema(tmp_path: Path, mode: str) -> None:
    src = CORPORA / "dlm-beta" / "spec-beta2-item-with-comments.jsonc"
    args = [str(src), "-o", str(tmp_path / "out.json"), "--report-file", str(tmp_path / "r.json"), "--report", "json"]
    r = CliRunner().invoke(dlm_migrate, args + ([mode] if mode else []), catch_exceptions=False)
    assert r.exit_code in (0, 1), r.stderr
    written = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    printed = json.JSONDecoder().raw_decode(r.stderr)[0]  # (an invalid output adds a line after it)
    assert written == printed
    assert [e for e in written["fields"] if e["path"] == "" and e["status"] == "repaired"]
    assert report_problems(written) == []


def test_stdin_and_python_api_reports_follow_the_schema() -> None:
    """The API's reports are the command line's (`to_dict()`), named or not: a dict given without a name has
    href null, a value only a lenient reader takes (NaN) is a repair, an ItemCollection has one report per Item."""
    path = CORPORA / "ml-model" / "spec-dummy-item.json"
    r = CliRunner().invoke(dlm_migrate, ["-", "--report", "json"], input=path.read_text(encoding="utf-8"))
    stdin = json.JSONDecoder().raw_decode(r.stderr)[0]
    assert stdin["source"]["href"] == "-" and report_problems(stdin) == []
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["properties"]["ml-model:architecture"] = float("nan")
    report = crosswalk.convert(doc).report.to_dict()
    assert report["source"]["href"] is None
    assert {"path": "/properties/ml-model:architecture", "status": "repaired", "to": ["/properties/mlm:architecture"],
            "reason": "NaN is not JSON: replaced by null", "step": "ml-model_1.0.0__mlm_1.5.2"} in report["fields"]
    assert report_problems(report) == []
    import pystac

    item = pystac.Item.from_dict(json.loads(path.read_text(encoding="utf-8")))
    collection = pystac.ItemCollection([item, item.clone()])
    reports = [*crosswalk.convert(item).reports, *crosswalk.convert(collection, to="mlm@1.4.0").reports,
               *crosswalk.convert_file(str(CORPORA / "mlm" / "wherobots-mlm-form-test.json"), to="dlm").reports]
    assert len(reports) == 4
    for rep in reports:
        assert report_problems(rep.to_dict()) == []
    two = json.loads((CORPORA / "producers" / "stac-model-0.6.1-eurosat_resnet.json").read_text(encoding="utf-8"))
    two["stac_extensions"].append("https://stac-extensions.github.io/ml-model/v1.0.0/schema.json")
    two["properties"]["ml-model:architecture"] = "ResNet-18"
    both = crosswalk.convert(two).report.to_dict()
    assert both["source"]["also"] == ["ml-model@1.0.0"] and report_problems(both) == []
    fill = {"*": {"mlm:name": "named", "/properties/extra": 1}}
    filled = crosswalk.convert(json.loads(path.read_text(encoding="utf-8")), fill=fill).report.to_dict()
    assert sorted(e["path"] for e in filled["fields"] if e["status"] == "filled") == [
        "/properties/extra", "/properties/mlm:name"]
    assert report_problems(filled) == []


def _readme_block(after: str, lang: str) -> str:
    """The first fenced ``lang`` block after the line ``after`` of the README, dedented."""
    import textwrap

    text = (CORPORA.parent / "README.md").read_text(encoding="utf-8")
    text = text[text.index(after):]
    start = text.index(f"```{lang}\n")
    block = text[start + len(lang) + 4:]
    block = block[: block.index("```")]
    return textwrap.dedent(block)


def test_the_readme_example_report_and_snippet_hold(tmp_path: Path, monkeypatch) -> None:
    """The README's example report follows the schema, and its snippet validates a report as it says."""
    example = json.loads(_readme_block("## The report", "json"))
    assert report_problems(example) == []
    snippet = _readme_block("- Schemas: ", "python")
    monkeypatch.chdir(tmp_path)
    report = pipeline.convert_file(str(CORPORA / "dlm" / "readme-tables-item.json")).report
    (tmp_path / "report.json").write_text(json.dumps(report), encoding="utf-8")
    exec(compile(snippet, "README.md", "exec"), {})
    (tmp_path / "report.json").write_text(json.dumps({**report, "valid": "yes"}), encoding="utf-8")
    with pytest.raises(ValidationError, match="is not of type 'boolean'"):
        exec(compile(snippet, "README.md", "exec"), {})


# -- bulk runs -----------------------------------------------------------------------------------------------------


def _tree(top: Path) -> Path:
    """A directory with every kind of summary line: converted and unchanged documents (one already in the target
    format, one STAC Item without any ML-model extension), text and value repairs, an ndjson file with a broken
    line, an ItemCollection, a newer version and a file that is no JSON."""
    tree = top / "tree"
    tree.mkdir()
    for name in [*FAST, "producers/stac-model-0.6.1-eurosat_resnet.json"]:
        shutil.copy(CORPORA / name, tree / Path(name).name)
    dummy = json.loads((CORPORA / "ml-model" / "spec-dummy-item.json").read_text(encoding="utf-8"))
    plain = {"type": "Feature", "stac_version": "1.0.0", "id": "data", "geometry": None, "links": [], "assets": {},
             "properties": {"datetime": "2024-01-01T00:00:00Z"}}  # a data Item: no ML-model extension
    (tree / "plain.json").write_text(json.dumps(plain), encoding="utf-8")
    nan = {**dummy, "properties": {**dummy["properties"], "ml-model:architecture": float("nan")}}
    (tree / "nan.json").write_text(json.dumps(nan), encoding="utf-8")  # NaN: JSON has no word for it
    lines = [json.dumps({**dummy, "id": f"n{i}"}) for i in range(2)]
    (tree / "items.ndjson").write_text("\n".join([lines[0], '{"broken": ', lines[1]]) + "\n", encoding="utf-8")
    (tree / "ic.json").write_text(json.dumps({"type": "FeatureCollection", "features": [dummy, {**dummy, "id": "b"}]}),
                                  encoding="utf-8")
    (tree / "broken.json").write_text("{not json", encoding="utf-8")
    return tree


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _recount(lines: list[dict[str, Any]]) -> dict[str, int]:
    """The run's document counts, from its lines alone."""
    docs = [d for d in lines if "status" in d]
    flags = [d for d in docs if d["status"] != "failed"]
    return {
        "documents": len(docs),
        "converted": sum(d["status"] == "converted" for d in docs),
        "unchanged": sum(d["status"] == "unchanged" for d in docs),
        "failed": sum(d["status"] == "failed" for d in docs),
        "lossy": sum(bool(d["summary"]["lossy"] or d["summary"]["dropped"]) for d in flags),
        "invented": sum(bool(d["summary"]["invented"]) for d in flags),
        "invalid": sum(not d["valid"] for d in flags),
    }


@pytest.mark.parametrize(("target", "validate"), [("mlm", True), ("mlm", False), ("ml-model", True)])
def test_bulk_summary_lines_follow_the_schema(tmp_path: Path, target: str, validate: bool) -> None:
    from crosswalk.bulk.tree import migrate

    tree = _tree(tmp_path)
    summary = tmp_path / "summary.ndjson"
    result = migrate([str(tree)], to=target, validate=validate, dry_run=True, summary_file=str(summary),
                     progress=False)
    lines = _lines(summary)
    bad = {i: found for i, line in enumerate(lines) if (found := line_problems(line))}
    assert not bad, bad
    *docs, last = lines
    assert last == {"summary": result.summary}
    assert {k: result.summary[k] for k in _recount(docs)} == _recount(docs)
    kinds = {(d["status"], d["source"].get("format") is None) for d in docs}
    assert {("converted", False), ("unchanged", False), ("unchanged", True), ("failed", True)} <= kinds, kinds
    assert any("#L2" in d["source"]["href"] for d in docs if d["status"] == "failed")
    assert any(e["status"] == "repaired" and "to" not in e for d in docs for e in d.get("fields", []))
    for d in docs:  # a document line is the report plus its status (a plain STAC document: with format null)
        if d["status"] != "failed":
            report = {k: v for k, v in d.items() if k != "status"}
            found = report_problems(report)
            if d["source"]["format"] is None:
                assert len(found) == 1 and found[0].startswith("/source/format: None"), found
            else:
                assert found == [], (d["source"], found)


def test_bulk_report_json_prints_the_run_summary_line(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    summary = tmp_path / "summary.ndjson"
    r = CliRunner().invoke(dlm_migrate, [str(tree), "--dry-run", "-j1", "--report", "json", "--summary-file",
                                         str(summary)], catch_exceptions=False)
    printed = json.JSONDecoder().raw_decode(r.stderr[r.stderr.index('{"summary"'):])[0]
    assert printed == _lines(summary)[-1] and line_problems(printed) == []
    assert all(line_problems(line) == [] for line in _lines(summary))


# -- the schemas reject what crosswalk never writes ----------------------------------------------------------------


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    """A real report holding text repairs, `to: []` repairs, kept entries with and without `to`, every other
    status but filled, and warning issues; it passes the schema."""
    result = pipeline.convert_file(str(CORPORA / "dlm-beta" / "spec-beta2-item-with-comments.jsonc"), to="mlm")
    assert report_problems(result.report) == []
    return result.report


def _first(report: dict[str, Any], test) -> dict[str, Any]:
    found = [e for e in report["fields"] if test(e)]
    assert found, "the base report has no such entry"
    return found[0]


def _entry(status: str, **has):
    def test(e):
        return e["status"] == status and all((k in e) == v for k, v in has.items())
    return test


def _set(r, test, **changes):
    e = _first(r, test)
    for k, v in changes.items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v


BROKEN_REPORTS = {
    "an unknown status": lambda r: _set(r, _entry("moved"), status="copied"),
    "a moved entry without to": lambda r: _set(r, _entry("moved"), to=None),
    "a transformed entry with to []": lambda r: _set(r, _entry("transformed"), to=[]),
    "a lossy entry without a reason": lambda r: _set(r, _entry("lossy"), reason=None),
    "a dropped entry with to": lambda r: _set(r, _entry("dropped"), to=["/properties/x"]),
    "a dropped entry without a reason": lambda r: _set(r, _entry("dropped"), reason=None),
    "an invented entry with to": lambda r: _set(r, _entry("invented"), to=["/properties/x"]),
    "an invented entry without a step": lambda r: _set(r, _entry("invented"), step=None),
    "a kept entry with a step": lambda r: _set(r, _entry("kept"), step="repairs"),
    "a kept entry with to []": lambda r: _set(r, _entry("kept"), to=[]),
    "a rule's repair without a step": lambda r: _set(r, _entry("repaired", to=True), step=None),
    "a read-time repair with a step": lambda r: _set(r, _entry("repaired", to=False), step="repairs"),
    "a text repair at the root with no line": lambda r: _set(r, _entry("repaired", to=False), reason="comment gone"),
    "an entry with an empty reason": lambda r: _set(r, _entry("dropped"), reason=""),
    "an entry with a key of its own": lambda r: _set(r, _entry("moved"), note="x"),
    "a path that is no JSON Pointer": lambda r: _set(r, _entry("moved"), path="properties/x"),
    "a to pointer with a bad escape": lambda r: _set(r, _entry("moved"), to=["/a~2b"]),
    "to listing one place twice": lambda r: _set(r, _entry("moved"), to=["/a", "/a"]),
    "a step named as a member of steps": lambda r: _set(r, _entry("moved"), step=r["steps"][0]),
    "a step naming no mapping": lambda r: _set(r, _entry("moved"), step="upgrade"),
    "no validated": lambda r: r.pop("validated"),
    "valid false with no error": lambda r: r.update(valid=False, issues=[]),
    "valid true with an error": lambda r: r["issues"].append(
        {"path": "", "message": "m", "severity": "error", "schema": "stac:core"}),
    "valid false when nothing was validated": lambda r: (r.update(valid=False, validated=False), r["issues"].append(
        {"path": "", "message": "m", "severity": "error", "schema": "stac:core"})),
    "an issue of severity info": lambda r: r["issues"].append(
        {"path": "", "message": "m", "severity": "info", "schema": "stac:core"}),
    "an issue without its schema": lambda r: r["issues"].append({"path": "", "message": "m", "severity": "warning"}),
    "a summary without filled": lambda r: r["summary"].pop("filled"),
    "a negative count": lambda r: r["summary"].update(kept=-1),
    "a count of its own": lambda r: r["summary"].update(copied=0),
    "a source format null": lambda r: r["source"].update(format=None),
    "a format id without its version": lambda r: r["target"].update(format="mlm"),
    "an empty also": lambda r: r["source"].update(also=[]),
    "a step that is no edge": lambda r: r["steps"].append("mlm@1.5.2"),
    "a key of its own": lambda r: r.update(status="converted"),
    "no fields": lambda r: r.pop("fields"),
}


@pytest.mark.parametrize("name", sorted(BROKEN_REPORTS))
def test_the_report_schema_rejects(base: dict[str, Any], name: str) -> None:
    report = copy.deepcopy(base)
    BROKEN_REPORTS[name](report)
    assert report != base
    assert report_problems(report), f"{name} passes the schema"


@pytest.fixture(scope="module")
def lines(tmp_path_factory) -> list[dict[str, Any]]:
    from crosswalk.bulk.tree import migrate

    top = tmp_path_factory.mktemp("lines")
    summary = top / "summary.ndjson"
    migrate([str(_tree(top))], dry_run=True, summary_file=str(summary), progress=False)
    found = _lines(summary)
    # the negative cases each break a line that passes (checked once here, not once per case)
    assert all(line_problems(line) == [] for line in found)
    return found


def _line(lines: list[dict[str, Any]], status: str, plain: bool = False) -> dict[str, Any]:
    found = [d for d in lines if d.get("status") == status and (d["source"].get("format") is None) == plain]
    assert found, (status, plain)
    return copy.deepcopy(found[0])


def _drop(d: dict[str, Any], key: str) -> dict[str, Any]:
    d.pop(key)
    return d


BROKEN_LINES = {
    "a document line without status": lambda ls: _drop(_line(ls, "converted"), "status"),
    "a document line of an unknown status": lambda ls: {**_line(ls, "converted"), "status": "written"},
    "an unchanged line with steps that changed something": lambda ls: (lambda d: {
        **d, "steps": ["mlm@1.5.1 -> mlm@1.5.2"], "summary": {**d["summary"], "transformed": 1}})(
        _line(ls, "unchanged")),
    "a plain STAC line converted": lambda ls: {**_line(ls, "unchanged", plain=True), "status": "converted"},
    "a plain STAC line with entries below the root": lambda ls: (lambda d: (d["fields"].append(
        {"path": "/id", "status": "kept"}), d)[1])(_line(ls, "unchanged", plain=True)),
    "a document line breaking the report schema": lambda ls: {**_line(ls, "converted"), "valid": "yes"},
    "a failed line without its error": lambda ls: _drop(_line(ls, "failed", plain=True), "error"),
    "a failed line with fields": lambda ls: {**_line(ls, "failed", plain=True), "fields": []},
    "a failed line with a format": lambda ls: {**_line(ls, "failed", plain=True),
                                               "source": {"href": "x", "format": None}},
    "a run summary without skipped": lambda ls: {"summary": {k: v for k, v in ls[-1]["summary"].items()
                                                             if k != "skipped"}},
    "a run summary with a key of its own": lambda ls: {"summary": {**ls[-1]["summary"], "kept": 1}},
    "a run summary beside a report": lambda ls: {**_line(ls, "converted"), "summary": ls[-1]["summary"]},
    "a pgstac summary without rows_written": lambda ls: {"summary": {
        "collections": 1, "upgraded": 1, "unchanged": 0, "failed": 0, "items": 2, "items_changed": 2, "lossy": 0,
        "invented": 0, "invalid": 0}},
}


@pytest.mark.parametrize("name", sorted(BROKEN_LINES))
def test_the_summary_line_schema_rejects(lines: list[dict[str, Any]], name: str) -> None:
    assert line_problems(BROKEN_LINES[name](lines)), f"{name} passes the schema"
    assert line_problems({"summary": {"collections": 1, "upgraded": 1, "unchanged": 0, "failed": 0, "items": 2,
                                      "items_changed": 2, "lossy": 0, "invented": 0, "invalid": 0,
                                      "rows_written": 3}}) == []
