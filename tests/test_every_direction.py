"""Every document in every direction with the guard on: each conversion either succeeds with a report whose `to`
pointers all exist, that accounts for every source and output leaf and that a whole-document DeepDiff confirms, or
fails as "not an ML-model document". An accounting problem is an internal error that fails the conversion, so a
conversion that succeeds has none; the checks below repeat the cheap ones so a failure names what went wrong.

The documents: the project corpus (always), and when ../shared is present its 48 real documents and the official
MLM, ml-model and dlm examples. A bare list of Items or a FeatureCollection is split into its Items. Each output
is converted back to its source's format too (the way back reads documents crosswalk itself wrote), and the sweep
runs once more in lossless mode (--keep-source). It is slow (about 2,000 conversions per pass): the fast default
run takes one document per family of the project corpus, in every direction and back.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from conftest import CORPORA, ROOT, SHARED, corpus_inputs, shared_files

from crosswalk import pipeline
from crosswalk.detection import detect
from crosswalk.engine.report import coverage_problems, dangling_pointers, ledger_problems
from crosswalk.errors import CrosswalkError, FormatError, InternalError
from crosswalk.io.documents import read_document_repairs

TARGETS = [
    "mlm",
    *(f"mlm@{v}" for v in ("1.5.1", "1.5.0", "1.4.0", "1.3.0", "1.2.0", "1.1.0", "1.0.0")),
    "ml-model",
    "dlm",
    "dlm-beta@1.0.0-beta.3",
    "dlm-beta@1.0.0-beta.2",
]

# One document per family of the project corpus, MLM 1.0-1.2 (legacy normalisation) and 1.5 among them.
FAST = [
    "dlm/readme-tables-item.json",
    "dlm-beta/spec-beta2-item.yml",
    "dlm-beta/spec-beta3-item.json",
    "ml-model/spec-dummy-item.json",
    "mlm/spec-1.2.0-item_eo_bands.json",
    "mlm/spec-1.5.1-item_pytorch_geo_unet.json",
]


def _name(path: Path) -> str:
    for base, label in ((CORPORA, "corpora"), (SHARED, "shared")):
        try:
            return f"{label}/{path.relative_to(base).as_posix()}"
        except ValueError:
            continue
    return path.relative_to(ROOT).as_posix()


@functools.cache  # two sweeps parametrize over every file: each is read once (conversions never change their input)
def _documents(path: Path) -> list[tuple[str, object]]:
    """(name, document) for each document in the file: a bare list or a FeatureCollection is split into its Items."""
    doc, _ = read_document_repairs(str(path), lenient=True)
    name = _name(path)
    if isinstance(doc, list):
        return [(f"{name}#{i}", d) for i, d in enumerate(doc)]
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        return [(f"{name}#{i}", d) for i, d in enumerate(doc.get("features") or [])]
    return [(name, doc)]


def _all_files() -> list[Path]:
    files = list(corpus_inputs()) + sorted(CORPORA.glob("*/*.jsonc"))
    files += shared_files("corpora/real/*/*.json", "corpora/real/*/*.yaml", "corpora/real/*/*.yml")
    files += shared_files("specs/*/*/examples/*.json", "specs/*/*/examples/*.yaml", "specs/*/*/examples/*.yml")
    return sorted(set(files))


def _cases(files: list[Path]) -> list:
    cases = []
    for path in files:
        for name, doc in _documents(path):
            for target in TARGETS:
                cases.append(pytest.param(doc, target, id=f"{name}->{target}"))
    return cases


def _convert_checked(doc: object, target: str, href: str, keep_source: bool = False) -> pipeline.Result:
    """One conversion with the guard and the DeepDiff cross-check on; the report must hold in full."""
    result = pipeline.convert(doc, href=href, to=target, verify=True, keep_source=keep_source)
    if result.error is not None:
        assert not isinstance(result.error, InternalError), str(result.error)
        # the only other ways to fail: the document is not an ML-model document at all, or an MLM metadata file
        # (detected, not converted: it is no STAC document)
        assert isinstance(result.error, FormatError), str(result.error)
        try:
            assert detect(doc, href).object_type == "mlm-metadata", str(result.error)
        except FormatError:
            pass
        return result
    fields = result.report["fields"]
    assert dangling_pointers(result.document, fields) == []
    assert coverage_problems(doc, result.document, fields) == []
    assert ledger_problems(doc, result.document, fields) == []
    return result


def _every_direction(doc: object, target: str, name: str, back: bool, keep_source: bool = False) -> None:
    result = _convert_checked(doc, target, name, keep_source=keep_source)
    if result.ok and not keep_source:  # a bulk run keeping no reports: the same conversion, counts and verdict
        lean = pipeline.convert(doc, href=name, to=target, fields=False)
        assert lean.error is None, str(lean.error)
        assert lean.document == result.document and "fields" not in lean.report
        assert lean.report == {k: v for k, v in result.report.items() if k != "fields"}
    if back and result.ok and result.steps:  # and the output back to the source's format
        _convert_checked(result.document, str(result.detection.format), f"{name} via {target}")


@pytest.mark.parametrize(("doc", "target"), _cases([CORPORA / f for f in FAST]))
def test_one_document_per_family_converts_in_every_direction(doc, target, request) -> None:
    _every_direction(doc, target, request.node.callspec.id.rpartition("->")[0], back=True)


@pytest.mark.slow
@pytest.mark.parametrize(("doc", "target"), _cases(_all_files()))
def test_every_document_converts_in_every_direction_and_back(doc, target, request) -> None:
    _every_direction(doc, target, request.node.callspec.id.rpartition("->")[0], back=True)


@pytest.mark.slow
@pytest.mark.parametrize(("doc", "target"), _cases(_all_files()))
def test_every_document_converts_in_every_direction_keeping_its_source_fields(doc, target, request) -> None:
    """Lossless mode (--keep-source) parks what the target cannot carry: the report must account for it too."""
    _every_direction(doc, target, request.node.callspec.id.rpartition("->")[0], back=False, keep_source=True)


def test_the_sweep_covers_every_corpus_file() -> None:
    """Nothing is silently left out: every input file of the project corpus is in the sweep."""
    names = {_name(p) for p in _all_files()}
    for path in CORPORA.glob("*/*"):
        if path.parent.name != "expected" and path.suffix in (".json", ".jsonc", ".yaml", ".yml"):
            assert _name(path) in names, path


# -- the guard ------------------------------------------------------------------------------------------------------
SOURCE = CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json"


def _break_the_draft_bands(monkeypatch, bug: str) -> None:
    """A transform with a bug: it writes a field without telling the ledger, or tells the ledger about a place
    it never writes. The guard must turn either into a failed conversion."""
    from crosswalk.transforms import REGISTRY

    real = REGISTRY["downgrade.dlm_item_bands"]

    def buggy(ctx):
        real.fn(ctx)
        if bug == "unreported":
            ctx.get(("properties",))["dlm:secret"] = 42
        else:
            ctx._ledger.copy(("properties", "mlm:name"), ("properties", "dlm:nowhere"))

    monkeypatch.setitem(REGISTRY, real.name, real._replace(fn=buggy))


@pytest.mark.parametrize(("bug", "where"), [("unreported", "/properties/dlm:secret"),
                                            ("dangling", "/properties/mlm:name")])
def test_an_accounting_problem_fails_the_conversion(monkeypatch, bug: str, where: str) -> None:
    from crosswalk.engine import ops

    monkeypatch.setattr(ops, "CHECK_WRITES", False)  # the report guard alone (the write check is tested below)
    _break_the_draft_bands(monkeypatch, bug)
    doc, _ = read_document_repairs(str(SOURCE))
    # a dangling pointer is checked on every conversion; an unreported write by the whole-document checks (verify)
    result = pipeline.convert(doc, href="model.json", to="dlm", verify=bug == "unreported")
    assert isinstance(result.error, InternalError)
    assert result.document is None
    text = str(result.error)
    assert text.startswith(f"model.json at {where}: internal error") and "please report" in text
    assert "\n" not in text


def test_a_place_the_output_lacks_fails_a_conversion_without_report_entries(monkeypatch) -> None:
    """Without the report's entries (a bulk run keeping no reports) the ledger's own places are checked: a
    transform telling the ledger of a place it never writes still fails the conversion."""
    from crosswalk.engine import ops

    monkeypatch.setattr(ops, "CHECK_WRITES", False)
    doc, _ = read_document_repairs(str(SOURCE))
    assert pipeline.convert(doc, href="model.json", to="dlm", fields=False).error is None
    _break_the_draft_bands(monkeypatch, "dangling")
    result = pipeline.convert(doc, href="model.json", to="dlm", fields=False)
    assert isinstance(result.error, InternalError) and result.document is None
    assert str(result.error).startswith("model.json at /properties/mlm:name: internal error")
    assert "/properties/dlm:nowhere, which the output does not have" in str(result.error)


def test_a_write_outside_the_declaration_fails_the_conversion(monkeypatch) -> None:
    """The tests' write check catches the unreported write at the transform that made it, without --verify."""
    from crosswalk.engine import ops

    monkeypatch.setattr(ops, "CHECK_WRITES", True)
    _break_the_draft_bands(monkeypatch, "unreported")
    doc, _ = read_document_repairs(str(SOURCE))
    result = pipeline.convert(doc, href="model.json", to="dlm")
    assert isinstance(result.error, InternalError)
    text = str(result.error)
    assert text.startswith("model.json at /properties/dlm:secret: internal error: transform downgrade.dlm_item_bands")
    assert "please report" in text and result.document is None


def test_the_cli_exits_1_and_writes_nothing_on_an_internal_error(monkeypatch, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from crosswalk.cli.main import main

    _break_the_draft_bands(monkeypatch, "dangling")
    out = tmp_path / "out.json"
    r = CliRunner().invoke(main, ["migrate", str(SOURCE), "--to", "dlm", "-o", str(out)])
    assert r.exit_code == 1
    assert not out.exists()
    assert "internal error" in r.stderr and str(SOURCE) in r.stderr


def test_a_broken_input_is_not_an_internal_error() -> None:
    """The guard is about crosswalk's own bookkeeping: a document that is no ML-model document fails as such."""
    result = pipeline.convert({"type": "Feature", "stac_version": "1.0.0", "properties": {}}, to="dlm")
    assert isinstance(result.error, CrosswalkError) and not isinstance(result.error, InternalError)
    assert "internal error" not in json.dumps(str(result.error))
