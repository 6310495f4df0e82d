"""Golden tests over the project's own corpus, and done-criteria checks over ../shared when it is present."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from conftest import CORPORA, ROOT, corpus_inputs, needs_shared, shared_files

from crosswalk import pipeline
from crosswalk.io.documents import dumps, read_document

LEGACY = ("norm_type", "norm_by_channel", "norm_clip", "classification_classes")


def _rel(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


def _golden(path: Path, text: str, regen: bool) -> None:
    if regen or not path.exists():
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        diff = "".join(difflib.unified_diff(old.splitlines(True), text.splitlines(True), str(path), str(path)))
        print(diff or f"{path}: unchanged")
        if not regen:
            pytest.fail(f"golden {path} was missing and has been written; review it and rerun")
        return
    expected = path.read_text(encoding="utf-8")
    if expected != text:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True), "golden", "now", n=2))
        pytest.fail(f"{_rel(path)} differs from the golden (rerun with --regen and review git diff):\n{diff[:4000]}")


@pytest.mark.parametrize("src", corpus_inputs(), ids=lambda p: _rel(p))
def test_golden(src: Path, regen: bool) -> None:
    result = pipeline.convert(read_document(str(src)), href=_rel(src), verify=True)
    assert result.ok, result.error
    stem = CORPORA / "expected" / src.parent.name / src.stem
    _golden(stem.parent / (stem.name + ".out.json"), dumps(result.document), regen)
    _golden(
        stem.parent / (stem.name + ".report.json"),
        json.dumps(result.report, indent=2, ensure_ascii=False) + "\n",
        regen,
    )
    assert not [i for i in result.report["issues"] if i["schema"] == "crosswalk:ledger"]


def _legacy_left(doc) -> list[str]:
    found = []
    for io in doc.get("properties", {}).get("mlm:input", []) + doc.get("properties", {}).get("mlm:output", []):
        found += [k for k in LEGACY if k in io]
        if "statistics" in io and "input" in io:
            found.append("statistics")
    return found


ML_MODEL = shared_files("corpora/real/ml-model/*.json", "specs/ml-model/v1.0.0/examples/*.json")


@needs_shared
@pytest.mark.parametrize("src", ML_MODEL, ids=lambda p: p.name[:80])
def test_every_ml_model_document_converts(src: Path, tmp_path: Path) -> None:
    doc = read_document(str(src))
    if isinstance(doc, list) or doc.get("type") == "Catalog":  # bulk inputs: every document must still convert
        from crosswalk.bulk import tree as bulk

        out = tmp_path / "out"
        run = bulk.migrate([str(src)], out_dir=str(out), progress=False)
        assert not run.failures, run.failures
        assert run.summary["invalid"] == 0, run.summary
        return
    result = pipeline.convert(doc, href=str(src), verify=True)
    assert result.ok, result.error
    errors = [i for i in result.report["issues"] if i["severity"] == "error"]
    assert not errors, errors  # Collections too: list summaries are written in STAC's JSON-Schema form
    assert "mlm:artifact_type" in json.dumps(result.document) or doc.get("type") == "Collection"


MLM_EXAMPLES = shared_files(
    *(f"specs/mlm/v1.{v}/examples/item_*.json" for v in ("0.0", "1.0", "2.0", "3.0", "4.0", "5.0", "5.1"))
)


@needs_shared
@pytest.mark.parametrize("src", MLM_EXAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_official_mlm_examples_upgrade(src: Path) -> None:
    result = pipeline.convert(read_document(str(src)), href=str(src), verify=True)
    assert result.ok, result.error
    assert result.report["target"]["format"] == "mlm@1.5.2"
    errors = [i for i in result.report["issues"] if i["severity"] == "error"]
    assert not errors, errors
    assert _legacy_left(result.document) == []
    assert "https://stac-extensions.github.io/mlm/v1.5.2/schema.json" in result.document["stac_extensions"]


@needs_shared
@pytest.mark.parametrize("src", shared_files("corpora/real/**/*.json"), ids=lambda p: p.name[:80])
def test_real_documents_never_crash_and_are_accounted_for(src: Path) -> None:
    from crosswalk.errors import CrosswalkError

    try:
        doc = read_document(str(src))
    except CrosswalkError as e:  # e.g. JSON with comments, for the lenient reader
        assert str(src) in str(e)
        return
    result = pipeline.convert(doc, href=str(src), verify=True)
    if result.error:
        assert str(src) in str(result.error) and "\n" not in str(result.error)
        return
    assert not [i for i in result.report["issues"] if i["schema"] == "crosswalk:ledger"]
