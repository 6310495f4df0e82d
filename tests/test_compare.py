"""`crosswalk compare`: the adoption study is generated from the mappings and a corpus, its numbers are the
conversion reports' numbers, its page is self-contained and renders in a real headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPORA, SHARED

from crosswalk import compare as cmp
from crosswalk.cli import main
from crosswalk.io import read_document_repairs
from crosswalk.pipeline import convert
from crosswalk.resources import mappings_dir

REAL = SHARED / "corpora" / "real"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/corpora/real is not present")
OUTPUTS = ("report.md", "report.json", "report.html")


@pytest.fixture(scope="module")
def main_report(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("compare-main")
    return out, cmp.compare([CORPORA], out)


@pytest.fixture(scope="module")
def real_report(tmp_path_factory) -> tuple[Path, dict]:
    if not REAL.is_dir():
        pytest.skip("../shared/corpora/real is not present")
    out = tmp_path_factory.mktemp("compare-real")
    return out, cmp.compare([REAL], out)


@pytest.fixture(scope="module")
def page_report(request) -> tuple[Path, dict]:
    """The real corpus's report when ../shared is there, else the shipped corpora's."""
    return request.getfixturevalue("real_report" if REAL.is_dir() else "main_report")


def _load(href: str):
    """The document a report record names (``file#/i`` for members of a list or FeatureCollection)."""
    path, _, member = href.partition("#")
    doc, _ = read_document_repairs(path, lenient=True)
    for step in member.strip("/").split("/") if member else []:
        doc = doc[int(step)] if isinstance(doc, list) else doc[step]
    return doc


def _check_numbers(report: dict, sample: int) -> int:
    """Re-convert a sample of the documents one by one; every number must equal the single conversion's."""
    checked = 0
    records = report["documents"]
    step = max(1, len(records) // sample)
    for rec in records[::step]:
        doc = _load(rec["href"])
        for fam in report["families"]:
            single = convert(doc, href=rec["href"], to=fam)
            entry = rec["conversions"][fam]
            if single.error is not None:
                assert entry["status"] in ("no path", "error")
                assert entry["error"] == single.error.message
                continue
            assert entry["status"] == "ok"
            assert entry["summary"] == single.report["summary"]
            assert entry["valid"] == single.report["valid"]
            assert entry["steps"] == single.report["steps"]
            assert entry["shares"] == cmp.shares(single.report["summary"])
            leaves = sum(v for k, v in single.report["summary"].items() if k not in ("invented", "filled"))
            assert entry["source_leaves"] == leaves
            checked += 1
    # the per-format aggregates are the sums and means of the per-document numbers
    for fam, agg in report["formats"].items():
        ok = [r["conversions"][fam] for r in records
              if r["conversions"][fam]["status"] == "ok" and not r["conversions"][fam]["unchanged"]]
        assert agg["converted"] == len(ok)
        assert agg["valid"] == sum(1 for c in ok if c["valid"])
        for status in agg["pooled"]:
            assert agg["pooled"][status] == sum(c["summary"].get(status, 0) for c in ok)
        if ok:
            assert agg["average"]["kept"] == pytest.approx(sum(c["shares"]["kept"] for c in ok) / len(ok))
    return checked


# --- the corpus runs ---------------------------------------------------------------------------------------------


def test_compare_main_corpora_writes_the_three_files(main_report) -> None:
    out, report = main_report
    for name in OUTPUTS:
        assert (out / name).is_file() and (out / name).stat().st_size > 1000, name
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(report))
    assert data["documents"], "no document compared"
    assert set(data["formats"]) == set(data["families"])
    assert "## 1. Static comparison" in (out / "report.md").read_text(encoding="utf-8")


def test_main_corpora_numbers_equal_single_conversion_reports(main_report) -> None:
    _, report = main_report
    assert _check_numbers(report, sample=8) > 0


@needs_real
def test_compare_real_corpus_writes_the_three_files(real_report) -> None:
    out, report = real_report
    for name in OUTPUTS:
        assert (out / name).is_file()
    assert len(report["documents"]) >= 30
    mlm = report["formats"]["mlm"]
    assert mlm["converted"] + mlm["unchanged"] == len(report["documents"])  # every document reaches MLM
    # one line per document that could not be read or is not an ML-model document
    assert any("catalog.json" in s for s in report["skipped"])


@needs_real
def test_real_corpus_numbers_equal_single_conversion_reports(real_report) -> None:
    _, report = real_report
    assert _check_numbers(report, sample=10) >= 10


def test_missing_edges_show_as_no_path_not_as_errors(tmp_path: Path) -> None:
    """A family no edge leads to is reported "no path" per document and gracefully in every output."""
    from crosswalk.formats import Format
    from crosswalk.pipeline import graph

    report = cmp.build_report([CORPORA / "ml-model"])
    g = graph()
    for rec in report["documents"]:
        for fam, conv in rec["conversions"].items():
            src = Format.parse(rec["format"])
            reachable = src.family == fam or Format.parse(fam) in g.reachable(src)
            assert (conv["status"] != "no path") == reachable, (rec["href"], fam)
    html = cmp.render_html(report)
    md = cmp.render_markdown(report)
    assert html and md


# --- the static comparison --------------------------------------------------------------------------------------


def _concept(static: dict, cid: str) -> dict:
    return next(c for c in static["concepts"] if c["id"] == cid)


def test_static_comparison_is_derived_from_schemas_and_mappings() -> None:
    st = cmp.static_comparison()
    arch = _concept(st, "architecture")
    # required: from the vendored schemas
    mlm_rows = {r["field"]: r for r in arch["families"]["mlm"]["fields"]}
    assert mlm_rows["properties.mlm:architecture"]["required"] is True
    assert mlm_rows["properties.mlm:architecture"]["in_schema"] is True
    assert mlm_rows["properties.mlm:total_parameters"]["required"] is False
    mm = {r["field"]: r for r in _concept(st, "reproducibility")["families"]["ml-model"]["fields"]}
    assert mm["properties.ml-model:learning_approach"]["required"] is True
    # mappings: a rename is exact, a drop is none with its reason
    assert {r["field"]: r for r in arch["families"]["ml-model"]["fields"]}[
        "properties.ml-model:architecture"]["maps"]["mlm"]["grade"] == "exact"
    drop = mm["properties.ml-model:training-os"]["maps"]["mlm"]
    assert drop["grade"] == "none" and any("operating-system" in n for n in drop["notes"])
    # the companion row is there and flagged as not converted
    assert st["companions"]["tdml"]["converted"] is False
    assert "tdml:amount_of_training_data" in _concept(st, "data")["companions"]["tdml"]
    # every family of the registry is a column; missing edges are "no path", never an exception
    grades = {p["grade"] for c in st["concepts"] for p in c["pairs"].values()}
    assert grades <= {"exact", "transformed", "lossy", "none", "no path", "—"}


def test_static_table_changes_when_a_mapping_changes(tmp_path: Path) -> None:
    original, copy = tmp_path / "original", tmp_path / "edited"  # two directories: mappings load once per directory
    shutil.copytree(mappings_dir(), original)
    shutil.copytree(mappings_dir(), copy)
    before = cmp.static_comparison(original)
    edge = copy / "ml-model_1.0.0__mlm_1.5.2.yaml"
    text = edge.read_text(encoding="utf-8")
    rename = re.search(r"^  - rename: \{path: \[\"\$\.properties\.'ml-model:architecture'\".*$", text, re.M)
    assert rename, "the ml-model edge no longer renames ml-model:architecture; update this test"
    edge.write_text(text.replace(rename.group(0), (
        "  - drop:\n"
        "      path: [\"$.properties.'ml-model:architecture'\", \"$.summaries.'ml-model:architecture'\"]\n"
        "      reason: test edit, architecture has no target")), encoding="utf-8")
    after = cmp.static_comparison(copy)

    def cell(st):
        return _concept(st, "architecture")["pairs"]["ml-model->mlm"]["grade"]

    assert cell(before) == "exact"
    assert cell(after) == "none"
    row = {r["field"]: r for r in _concept(after, "architecture")["families"]["ml-model"]["fields"]}
    assert "test edit" in " ".join(row["properties.ml-model:architecture"]["maps"]["mlm"]["notes"])
    assert cmp.static_markdown(before) != cmp.static_markdown(after)


def test_patterns_and_relations() -> None:
    p = cmp.parse_dotted("assets.*.roles[]=mlm:model")
    assert p.tokens == ("assets", "*", "roles", "[]") and p.value == "mlm:model"
    assert cmp.parse_jsonpath("$.properties.'mlm:input'[*].norm_type").tokens == (
        "properties", "mlm:input", "[]", "norm_type")
    assert cmp.relation(("properties", "dlm:inputs", "scaling_factor"), ("properties", "dlm:inputs")) == "covers"
    assert cmp.relation(("properties", "dlm:inputs"), ("properties", "dlm:inputs", "name")) == "within"
    assert cmp.relation(("properties", "mlm:name"), ("properties", "mlm:*")) == "covers"
    assert cmp.relation(("links", "[]", "rel"), ("assets", "*")) is None
    doc = {"assets": {"m": {"roles": ["mlm:model", "data"]}}, "summaries": {"mlm:tasks": ["x"]}}
    assert cmp.find(doc, p) == [(("assets", "m", "roles", "0"), "mlm:model")]
    assert cmp.find(doc, cmp.parse_dotted("properties.mlm:tasks"))  # Collections: summaries stand in


# --- the page ----------------------------------------------------------------------------------------------------


def test_html_has_no_external_references(main_report) -> None:
    html = (main_report[0] / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"""\b(src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", html, re.I)
    assert "@import" not in html and "<link" not in html.lower() and "<iframe" not in html.lower()
    assert html.count("<svg") >= 3 and 'id="coverage-matrix"' in html


def test_cli_compare_keeps_going_past_unreadable_documents(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPORA / "ml-model" / "spec-dummy-item.json", corpus / "good.json")
    (corpus / "broken.json").write_text('{"type": "Feature", ', encoding="utf-8")
    (corpus / "plain.json").write_text('{"type": "Catalog", "id": "c", "stac_version": "1.0.0"}', encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["compare", str(corpus), "-o", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    lines = r.stderr.splitlines()
    assert sum("broken.json" in line for line in lines) == 1
    assert sum("plain.json" in line for line in lines) == 1
    assert not any("good.json" in line for line in lines)
    for name in OUTPUTS:
        assert (out / name).is_file()
    assert [d["href"] for d in json.loads((out / "report.json").read_text())["documents"]] == [
        str(corpus / "good.json")]


# --- a real browser -----------------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _png_info(data: bytes) -> tuple[int, int, int]:
    """Width, height and the number of distinct byte values of the decompressed image data."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    pos, idat = 8, b""
    while pos < len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                    reason="chromium is not installed (apt-get install chromium); CI installs it")
def test_report_renders_in_headless_chromium(page_report, tmp_path: Path) -> None:
    assert CHROMIUM is not None, "chromium is required in CI (.ci/run installs it)"
    out, _ = page_report
    url = (out / "report.html").resolve().as_uri()
    dom = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile-dom'}", "--dump-dom", url],
        capture_output=True, text=True, timeout=180, check=True,
    ).stdout
    assert 'id="coverage-matrix"' in dom and dom.count("<tr") > 20
    for chart in ("loss-bars", "average-bars", "survival-map"):
        assert re.search(rf'<svg[^>]*id="{chart}"', dom), chart
    assert dom.count("<rect") >= 20
    png = tmp_path / "report.png"
    subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile-shot'}", f"--screenshot={png}",
         "--window-size=1280,2000", url],
        capture_output=True, timeout=180, check=True,
    )
    assert png.is_file() and png.stat().st_size > 20_000
    width, height, distinct = _png_info(png.read_bytes())
    assert (width, height) == (1280, 2000)
    assert distinct > 50, "the screenshot is (nearly) blank"
