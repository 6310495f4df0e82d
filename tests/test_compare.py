"""`crosswalk compare`: the adoption study is generated from the mappings and a corpus, its numbers are the
conversion reports' numbers, its findings are written from numbers that can be recomputed from its per-document
records, and its page renders in a real headless Chromium with a legend on every chart."""

from __future__ import annotations

import html as htmllib
import json
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPORA, SHARED
from hypothesis import given
from hypothesis import strategies as st

from crosswalk import study as cmp
from crosswalk.cli.main import main
from crosswalk.io.documents import read_document_repairs
from crosswalk.language.pointer import leaves, parse_pointer
from crosswalk.pipeline import convert
from crosswalk.resources import mappings_dir
from crosswalk.study import charts, paths
from crosswalk.study.schemas import family_schema

REAL = SHARED / "corpora" / "real"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/corpora/real is not present")
OUTPUTS = ("report.md", "report.json", "report.html")
CARRIED = ("kept", "moved", "transformed", "repaired")
SOURCE = ("kept", "moved", "transformed", "lossy", "dropped", "repaired")
JARGON = re.compile(r"\bseed\b|research\s*§|\bissue\s*#?\s*\d|design\.md", re.I)


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


def _statuses(doc, fields) -> dict[tuple, str]:
    """Independently of the study: each source leaf's status (the deepest entry at or above it)."""
    entries = {}
    for e in fields:
        if e["status"] in ("invented", "filled") or (e["status"] == "repaired" and "to" not in e):
            continue
        entries[parse_pointer(e["path"])] = e["status"]
    out = {}
    for path, _ in leaves(doc):
        for n in range(len(path), -1, -1):
            if path[:n] in entries:
                out[path] = entries[path[:n]]
                break
    return out


def _not_set(doc, reports) -> set[tuple]:
    """The null leaves every conversion of ``doc`` drops."""
    nulls = {path for path, value in leaves(doc) if value is None}
    return {p for p in nulls if all(_statuses(doc, rep["fields"]).get(p) == "dropped" for rep in reports)}


def _ml_split(doc, fields, not_set=frozenset()) -> dict[str, dict[str, int]]:
    """Independently of the study: source leaves by status, for ML-extension keys and for the rest, the null
    leaves no conversion carries (``not_set``) left out."""
    out = {"ml": dict.fromkeys(SOURCE, 0), "core": dict.fromkeys(SOURCE, 0)}
    for path, status in _statuses(doc, fields).items():
        if path in not_set:
            continue
        part = "ml" if any(k.split(":")[0] in ("dlm", "ml-model", "mlm") and ":" in k for k in path) else "core"
        out[part][status] += 1
    return out


def _check_numbers(report: dict, sample: int) -> int:
    """Re-convert a sample of the documents one by one; every number must equal the single conversion's."""
    checked = 0
    records = report["documents"]
    step = max(1, len(records) // sample)
    for rec in records[::step]:
        doc = _load(rec["href"])
        # the study converts to the latest version of each family
        singles = {fam: convert(doc, href=rec["href"], to=rec["conversions"][fam]["target"])
                   for fam in report["families"]}
        not_set = _not_set(doc, [c.report for c in singles.values() if c.error is None])
        for fam, single in singles.items():
            entry = rec["conversions"][fam]
            if single.error is not None:
                assert entry["status"] in ("no path", "error")
                assert entry["error"] == single.error.message
                continue
            assert entry["status"] == "ok"
            # already in it: the document's own format is the target (no step); unchanged: a no-op
            assert entry["already"] == (rec["format"] == entry["target"]), rec["href"]
            assert entry["unchanged"] == (entry["already"] and single.document == doc), rec["href"]
            assert entry["summary"] == single.report["summary"]
            assert entry["valid"] == single.report["valid"]
            assert entry["steps"] == single.report["steps"]
            counted = dict(single.report["summary"], dropped=single.report["summary"]["dropped"] - len(not_set))
            assert entry["shares"] == cmp.shares(counted)
            split = _ml_split(doc, single.report["fields"], not_set)
            assert entry["ml_summary"] == split["ml"], rec["href"]
            assert entry["core_summary"] == split["core"], rec["href"]
            checked += 1
    # the per-format aggregates are the sums and means of the per-document numbers, over every document converted
    # to the format: those already in it too
    for fam, agg in report["formats"].items():
        ok = [r["conversions"][fam] for r in records if r["conversions"][fam]["status"] == "ok"]
        already = [c for c, r in zip(ok, [r for r in records if r["conversions"][fam]["status"] == "ok"],
                                     strict=True) if r["format"] == c["target"]]
        assert agg["reached"] == len(ok)
        assert agg["converted"] == len(ok) - len(already)
        assert agg["unchanged"] == sum(1 for c in already if c["unchanged"])
        assert agg["repaired"] == len(already) - agg["unchanged"]
        assert agg["valid"] == sum(1 for c in ok if c["valid"])
        for status in agg["pooled"]:
            assert agg["pooled"][status] == sum(c["summary"].get(status, 0) for c in ok)
        for part in ("ml", "core"):
            assert agg[part]["leaves"] == sum(sum(c[f"{part}_summary"].values()) for c in ok)
        if ok:
            assert agg["average"]["kept"] == pytest.approx(sum(c["shares"]["kept"] for c in ok) / len(ok))
    return checked


# --- the corpus runs ---------------------------------------------------------------------------------------------


@pytest.mark.slow  # runs the whole comparison (seconds): CI runs it
def test_compare_main_corpora_writes_the_three_files(main_report) -> None:
    out, report = main_report
    for name in OUTPUTS:
        assert (out / name).is_file() and (out / name).stat().st_size > 1000, name
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(report))
    assert data["documents"], "no document compared"
    assert set(data["formats"]) == set(data["families"])
    md = (out / "report.md").read_text(encoding="utf-8")
    for heading in ("## 1. Findings", "### Which to adopt", "## 2. Adopting", "## 4. Formats, fields and mappings"):
        assert heading in md


@pytest.mark.slow  # runs the whole comparison (seconds): CI runs it
def test_main_corpora_numbers_equal_single_conversion_reports(main_report) -> None:
    _, report = main_report
    assert _check_numbers(report, sample=8) > 0


@needs_real
@pytest.mark.slow  # runs the whole comparison (seconds): CI runs it
def test_compare_real_corpus_writes_the_three_files(real_report) -> None:
    out, report = real_report
    for name in OUTPUTS:
        assert (out / name).is_file()
    assert len(report["documents"]) >= 30
    mlm = report["formats"]["mlm"]
    assert mlm["reached"] == len(report["documents"])  # every document reaches MLM
    # one line per document that could not be read or is not an ML-model document
    assert any("catalog.json" in s for s in report["skipped"])


@needs_real
@pytest.mark.slow  # runs the whole comparison (seconds): CI runs it
def test_real_corpus_numbers_equal_single_conversion_reports(real_report) -> None:
    _, report = real_report
    assert _check_numbers(report, sample=10) >= 10


def test_missing_edges_show_as_no_path_not_as_errors() -> None:
    """A family no edge leads to is reported "no path" per document and gracefully in every output."""
    from crosswalk.language.formats import Format
    from crosswalk.pipeline import graph

    report = cmp.build_report([CORPORA / "ml-model"])
    g = graph()
    for rec in report["documents"]:
        for fam, conv in rec["conversions"].items():
            src = Format.parse(rec["format"])
            reachable = src.family == fam or Format.parse(fam) in g.reachable(src)
            assert (conv["status"] != "no path") == reachable, (rec["href"], fam)
    assert cmp.render_html(report) and cmp.render_markdown(report)


# --- the findings: every number recomputed from the per-document records ------------------------------------------


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _converted(report: dict, fam: str) -> list[dict]:
    """The documents converted to ``fam``, those already in it included."""
    return [r for r in report["documents"] if r["conversions"][fam]["status"] == "ok"]


def _compared(report: dict) -> list[dict]:
    """The documents converted to every format: what the formats are compared on."""
    return [r for r in report["documents"] if all(c["status"] == "ok" for c in r["conversions"].values())]


def _assert_written_from(sentence: dict) -> None:
    """The text shows every number it is stored with (counts as they are, shares as percentages)."""
    for key, value in sentence["numbers"].items():
        if isinstance(value, bool) or isinstance(value, dict):
            continue
        shown = _pct(value) if isinstance(value, float) else str(value)
        assert shown in sentence["text"], (key, shown, sentence["text"])


def _check_findings(report: dict) -> int:
    F = report["findings"]
    checked = 0
    # headline: ML-extension leaves apart from the rest, summed over the documents converted to every format
    compared = _compared(report)
    for h in F["headline"]:
        fam = h["family"]
        docs = compared
        assert h["documents"] == len(docs)
        assert h["already"] == sum(1 for r in docs if r["format"] == r["conversions"][fam]["target"])
        for part in ("ml", "core"):
            counts = {s: sum(r["conversions"][fam][f"{part}_summary"][s] for r in docs) for s in SOURCE}
            total = sum(counts.values())
            kept = sum(counts[s] for s in CARRIED)
            assert (h[part]["leaves"], h[part]["kept"], h[part]["lossy"], h[part]["dropped"]) == (
                total, kept, counts["lossy"], counts["dropped"])
            if total:
                assert h[part]["shares"]["kept"] == pytest.approx(kept / total)
        for s in h["sentences"]:
            _assert_written_from(s)
            if "ml_leaves" in s["numbers"]:
                assert s["numbers"]["ml_leaves"] == h["ml"]["leaves"]
                assert s["numbers"]["ml_kept"] == h["ml"]["kept"]
                assert s["numbers"]["ml_dropped"] == h["ml"]["dropped"]
                assert s["numbers"]["core_leaves"] == h["core"]["leaves"]
            checked += 1
    # per question
    concepts = {c["id"]: c for c in report["static"]["concepts"]}
    for q in F["questions"]:
        c = concepts[q["id"]]
        offered = {f: len(c["families"][f]["fields"]) for f in report["families"]}
        assert q["offered"] == offered
        carrying = [r for r in report["documents"] if q["id"] in r["concepts"]]
        assert q["documents"] == len(carrying)
        assert q["sentences"][1]["numbers"] == {"carrying": len(carrying), "documents": len(report["documents"])}
        by_family = {c["family"]: c for c in q["conversions"]}
        for fam in report["families"]:
            docs = [r for r in _converted(report, fam) if q["id"] in r["concepts"]]
            if not docs:
                assert fam not in by_family
                continue
            conv = by_family[fam]
            states = [r["conversions"][fam]["concepts"].get(q["id"]) for r in docs]
            lost = {r["href"] for r in docs if r["conversions"][fam]["concepts"].get(q["id"]) == "lost"}
            outside = {r["href"] for r in docs if r["conversions"][fam]["concepts"].get(q["id"]) == "outside"}
            touched = {r["href"] for r in docs if r["conversions"][fam].get("concept_losses", {}).get(q["id"])}
            fields = {(x["path"], x["status"]) for r in docs
                      for x in r["conversions"][fam].get("concept_losses", {}).get(q["id"], [])}
            assert (conv["documents"], conv["kept"], conv["lost"]) == (
                len(docs), states.count("kept"), states.count("lost"))
            assert set(conv["evidence"]["lost"]) == lost and set(conv["evidence"]["outside"]) == outside
            assert conv["outside"] == len(outside)
            # lost means some of its fields are lost; outside, none
            assert lost <= touched and not outside & touched
            assert set(conv["evidence"]["partial"]) == touched - lost
            assert conv["fields"] == len(fields)
            # the numbers agree with the formats' aggregates too
            agg = report["formats"][fam]["concepts"][q["id"]]
            assert (agg["kept"], agg["lost"]) == (conv["kept"], conv["lost"])
        for s in q["sentences"]:
            _assert_written_from(s)
            fam = s["numbers"].get("family")
            if fam and "lost" in s["numbers"]:
                assert s["numbers"]["lost"] == by_family[fam]["lost"]
                assert s["numbers"]["partial"] == by_family[fam]["partial"]
                assert s["numbers"]["documents"] == by_family[fam]["documents"]
            checked += 1
    # which to adopt: the ML-extension share each format keeps of the same documents, the headline's
    rec = F["recommendation"]
    shares = {}
    headline = {h["family"]: h for h in F["headline"]}
    docs = compared
    for fam in report["families"]:
        total = sum(sum(r["conversions"][fam]["ml_summary"].values()) for r in docs)
        kept = sum(r["conversions"][fam]["ml_summary"][s] for r in docs for s in CARRIED)
        shares[fam] = kept / total if total else None
        row = next(s for s in rec["standings"] if s["family"] == fam)
        assert (row["documents"], row["ml_leaves"], row["ml_kept"]) == (len(docs), total, kept)
        assert (row["ml_leaves"], row["ml_kept"]) == (headline[fam]["ml"]["leaves"], headline[fam]["ml"]["kept"])
        assert row["written_in"] == sum(1 for r in docs if r["format"].split("@")[0] == fam)
        assert row["carried"] == sum(1 for q in F["questions"] if q["offered"][fam])
        assert row["concepts_lost"] == sum(1 for r in docs for cid in r["concepts"]
                                           if r["conversions"][fam]["concepts"].get(cid) == "lost")
        for src, part in row["by_source"].items():
            mine = [r for r in docs if r["format"].split("@")[0] == src]
            assert part["documents"] == len(mine)
            assert part["ml_kept"] == sum(r["conversions"][fam]["ml_summary"][s] for r in mine for s in CARRIED)
    measured = [f for f in report["families"] if shares[f] is not None]
    best = max(measured, key=lambda f: (shares[f], rec_carried(rec, f)), default=None)
    assert rec["adopt"] == best
    if best is not None:
        assert rec["sentences"][0]["numbers"]["family"] == best
        assert rec["sentences"][0]["numbers"]["kept_share"] == pytest.approx(shares[best])
        assert rec["sentences"][0]["numbers"]["documents"] == len(docs)
        # the table under it agrees: no format keeps a larger share there
        assert all(h["ml"]["kept"] / h["ml"]["leaves"] <= shares[best] for h in F["headline"] if h["ml"]["leaves"])
    else:
        assert any(s["text"].startswith("No format is measured") for s in rec["sentences"])
    for s in rec["sentences"] + ([rec["review_pair"]] if rec["review_pair"] else []):
        _assert_written_from(s)
        checked += 1
    # what a training-data description adds: its fields no model format names, each once, STAC core not among them
    model_names = {row["field"].split(".")[-1].split("=")[0].replace("[]", "")
                   for c in concepts.values() for f in report["families"] for row in c["families"][f]["fields"]}
    for comp in F["companions"]:
        new = {x for c in concepts.values() for x in c["companions"].get(comp["key"]) or []
               if x not in model_names and ":" in x}
        assert comp["new_fields"] == len(new) and comp["sentences"][0]["numbers"]["new"] == len(new)
        for s in comp["sentences"]:
            _assert_written_from(s)
    return checked


def _catalogue_fields(family: str) -> list[str]:
    """The catalogue's entries for ``family`` over all questions, as written in concepts.yaml (one per mention)."""
    import yaml

    data = yaml.safe_load((mappings_dir() / "study" / "concepts.yaml").read_text(encoding="utf-8"))
    return [json.dumps(e, sort_keys=True) for c in data["concepts"].values() for e in c["fields"].get(family) or []]


def test_fields_a_format_offers_are_counted_once() -> None:
    """A field that answers two questions (mlm:pretrained: Architecture and Re-training) is one field."""
    report = cmp.build_report([CORPORA / "ml-model" / "spec-dummy-item.json"])
    standings = {s["family"]: s for s in report["findings"]["recommendation"]["standings"]}
    for fam in report["families"]:
        listed = _catalogue_fields(fam)
        assert standings[fam]["fields"] == len(set(listed)), fam
    assert len(_catalogue_fields("mlm")) > len(set(_catalogue_fields("mlm")))  # the case this test is about
    first = report["findings"]["recommendation"]["sentences"][0]
    assert f"({len(set(_catalogue_fields(first['numbers']['family'])))} distinct fields)" in first["text"]


def test_why_column_counts_each_field_of_the_adopted_format_once() -> None:
    """"X has N fields for Q1, Q2": N counts X's fields for those questions once each."""
    import yaml

    data = yaml.safe_load((mappings_dir() / "study" / "concepts.yaml").read_text(encoding="utf-8"))
    report = cmp.build_report([CORPORA / "mlm"])
    shared = 0
    for fam, side in report["adoption"]["sides"].items():
        for row in side["ml_losses"]:
            found = re.match(rf"{re.escape(fam)} has (\d+) fields? for ", row["reason"])
            if not found:
                continue
            own = [json.dumps(e, sort_keys=True) for q in row["questions"]
                   for e in data["concepts"][q]["fields"].get(fam) or []]
            shared += len(own) > len(set(own))
            assert int(found.group(1)) == len(set(own)), row
            assert ("1 fields" not in row["reason"]), row
    assert shared  # rows whose questions share a field: the case this test is about


def test_a_companion_counts_each_new_field_once_and_not_stac_core() -> None:
    import yaml

    data = yaml.safe_load((mappings_dir() / "study" / "concepts.yaml").read_text(encoding="utf-8"))
    tdml = [x for flds in data["companions"]["tdml"]["fields"].values() for x in flds or []]
    model = {e if isinstance(e, str) else e["path"] for c in data["concepts"].values()
             for fam_fields in c["fields"].values() for e in fam_fields or []}
    # a companion field is one a model format has when some model field ends in its name
    known = {x for x in tdml if any(m.replace("'", "").endswith(x) for m in model)}
    expected = {x for x in tdml if x not in known and ":" in x}
    assert "label:classes" in expected and tdml.count("label:classes") == 2  # two questions, one field
    assert "providers" in tdml and "providers" not in expected  # STAC core: every format carries it
    comp = next(c for c in cmp.build_report([CORPORA / "ml-model" / "spec-dummy-item.json"])["findings"]["companions"]
                if c["key"] == "tdml")
    assert comp["new_fields"] == len(expected) and set(comp["new"]) == expected
    assert any("providers is STAC core" in s["text"] for s in comp["sentences"])


def test_every_format_is_measured_on_the_same_documents() -> None:
    """The recommendation compares every format on one set of documents, the headline table's: a corpus written in
    one format is measured for every format, its own included (documents already in it count with their own
    conversion report), and the sentences say how many documents it is measured on."""
    report = cmp.build_report([CORPORA / "mlm"])
    rec = report["findings"]["recommendation"]
    count = len(report["documents"])
    assert all(s["documents"] == count for s in rec["standings"])
    assert all(h["documents"] == count for h in report["findings"]["headline"])
    assert rec["adopt"] == "mlm"  # MLM documents keep the most in MLM: no format is left unmeasured
    assert f"the same {count} documents" in " ".join(s["text"] for s in rec["sentences"])
    _check_findings(report)


def test_documents_already_in_the_target_format_that_change_are_counted() -> None:
    """An ml-model document already at the latest version whose conversion still drops and repairs something
    (FAIRiCUBE's /collection without a collection link, a date-only datetime) is not a no-op: its changes are
    counted, and only documents whose conversion changes nothing are called unchanged."""
    src = CORPORA / "ml-model" / "fairicube-resnet-classifier.json"
    doc = _load(str(src))
    single = convert(doc, href=str(src), to="ml-model")
    assert not single.report["steps"] and single.document != doc  # already in it, and changed
    changed = {s: n for s, n in single.report["summary"].items() if n and s != "kept"}
    assert changed.get("dropped") and changed.get("repaired")
    report = cmp.build_report([CORPORA / "ml-model"])
    (rec,) = [r for r in report["documents"] if r["href"] == str(src)]
    conv = rec["conversions"]["ml-model"]
    assert conv["already"] and not conv["unchanged"]
    agg = report["formats"]["ml-model"]
    assert agg["repaired"] >= 1 and agg["pooled"]["dropped"] >= changed["dropped"]
    assert agg["core"]["counts"]["dropped"] >= changed["dropped"]
    assert "already in it, unchanged" not in next(line for line in cmp.render_markdown(report).splitlines()
                                                  if line.startswith(f"| `{src.name}`"))
    assert "left out of the averages" not in json.dumps(report["definitions"])  # they are not


def _role_selectors() -> dict[str, dict[str, set[str]]]:
    """Per family and concept, the asset roles that carry it (``assets.*.roles[?(@ == 'R')]`` in concepts.yaml)."""
    import yaml

    data = yaml.safe_load((mappings_dir() / "study" / "concepts.yaml").read_text(encoding="utf-8"))
    out: dict[str, dict[str, set[str]]] = {}
    for cid, c in data["concepts"].items():
        for fam, entries in c["fields"].items():
            for e in entries or []:
                found = re.fullmatch(r"\$\.assets\.\*\.roles\[\?\(@ == '([^']+)'\)\]", e if isinstance(e, str) else "")
                if found:
                    out.setdefault(fam, {}).setdefault(cid, set()).add(found.group(1))
    return out


def test_a_source_url_carried_into_an_asset_with_a_new_role_keeps_the_concept() -> None:
    """dlm's model_src_url is moved to the href of MLM's source-code asset, whose role the mapping sets: the
    conversion report says moved, so the study must not call Documentation lost (nor any concept reached the same
    way through an asset role)."""
    roles = _role_selectors()
    report = cmp.build_report([CORPORA / "dlm-beta"])
    checked = set()
    for rec in report["documents"]:
        doc = _load(rec["href"])
        for fam, conv in rec["conversions"].items():
            if conv["status"] != "ok":
                continue
            single = convert(doc, href=rec["href"], to=conv["target"])
            assets = single.document.get("assets") or {}
            for e in single.report["fields"]:
                if e["status"] not in CARRIED:
                    continue
                for to in e.get("to", []):
                    found = re.fullmatch(r"/assets/([^/]+)/href", to)
                    if not found:
                        continue
                    name = found.group(1).replace("~1", "/").replace("~0", "~")
                    for cid, wanted in roles.get(fam, {}).items():
                        if cid in rec["concepts"] and wanted & set(assets[name].get("roles") or []):
                            assert conv["concepts"][cid] == "kept", (rec["href"], fam, cid, e)
                            checked.add((fam, cid))
    assert ("mlm", "documentation") in checked


def test_a_null_no_conversion_carries_is_not_counted_as_lost() -> None:
    """dlm beta writes unset fields as null; every conversion drops them ("null in the source (field not set)"). They
    are not ML information lost: out of the shares and of the losses, listed apart with the report's reason. A null
    some conversion carries (pretrained: null, read as not pretrained) is counted."""
    src = CORPORA / "dlm-beta" / "sentinel-hub-dl-sequential.json"
    doc = _load(str(src))
    report = cmp.build_report([src])
    (rec,) = report["documents"]
    reports = {fam: convert(doc, href=str(src), to=rec["conversions"][fam]["target"]).report
               for fam in report["families"]}
    nulls = {path for path, value in leaves(doc) if value is None}
    dropped_everywhere = {p for p in nulls if all(
        any(e["status"] == "dropped" and parse_pointer(e["path"]) == p[: len(parse_pointer(e["path"]))]
            for e in rep["fields"]) for rep in reports.values())}
    assert ("properties", "dlm:runtime", "model_commit_hash") in dropped_everywhere
    assert ("properties", "dlm:architecture", "pretrained") in nulls - dropped_everywhere  # carried to MLM
    for fam, rep in reports.items():
        conv = rec["conversions"][fam]
        ml_dropped = sum(1 for path, status in _statuses(doc, rep["fields"]).items()
                         if status == "dropped" and any(k.startswith(("dlm:", "mlm:", "ml-model:")) for k in path))
        assert conv["ml_summary"]["dropped"] == ml_dropped - len(dropped_everywhere), fam
        assert conv["unset"]["ml"] == len(dropped_everywhere)
        not_set_paths = {"/" + "/".join(p) for p in dropped_everywhere}
        assert not any(x["path"] in not_set_paths for x in conv.get("concept_losses", {}).get("reproducibility", []))
    for fam, side in report["adoption"]["sides"].items():
        listed = {x["path"] for x in side["ml_losses"]}
        unset = {x["path"]: x for x in side["unset"]}
        for p in dropped_everywhere:
            pointer = "/" + "/".join(p)
            assert pointer not in listed and pointer in unset, (fam, pointer)
            reasons = {e.get("reason") for e in reports[fam]["fields"] if e["path"] == pointer}
            assert unset[pointer]["reason"] in reasons
    md = cmp.render_markdown(report)
    assert "dlm-beta has 4 fields for Reproducibility, none of which holds all of it" not in md


def test_a_loss_within_the_adopted_family_gives_the_reports_reason() -> None:
    """A field of the adopted format's own family, or one a repair removed, is not lost for want of a field: the
    why column gives the conversion report's reason."""
    from crosswalk.study.adoption import side
    from crosswalk.study.catalogue import load_catalogue

    catalogue = load_catalogue()
    static = cmp.static_comparison()

    def record(src: str, step: str) -> dict:
        loss = {"path": "/properties/dlm:runtime/model_commit_hash", "status": "dropped", "reason": "the report says",
                "step": step, "ml": True, "unset": False}
        return {"href": f"{src}.json", "format": f"{src}@1", "concepts": ["reproducibility"], "conversions": {
            "dlm-beta": {"status": "ok", "already": False, "unchanged": False, "valid": True, "losses": [loss],
                         "concepts": {}}}}

    cases = {("dlm-beta", "dlm-beta.invariants"): "the report says",
             ("dlm-beta", "dlm-beta_1.0.0-beta.2__dlm-beta_1.0.0-beta.3"): "the report says",
             ("dlm", "dlm_1.0.0-draft__dlm-beta_1.0.0-beta.3"): "dlm-beta has 4 fields for Reproducibility"}
    for (src, step), reason in cases.items():
        (row,) = side([record(src, step)], "dlm-beta", catalogue, static)["ml_losses"]
        assert row["reason"].startswith(reason), (src, step, row)


def test_a_question_carried_outside_the_targets_fields_is_not_called_lost() -> None:
    """ml-model's training-data link has no counterpart among dlm beta's data fields: converted to dlm beta the link
    stays a link, and the conversion report loses nothing of it. The study says so instead of calling Data
    description lost (its sentence would otherwise read "lose it entirely ... (0 affected fields)")."""
    src = CORPORA / "ml-model" / "spec-dummy-item.json"
    doc = _load(str(src))
    (i, link), = [(i, x) for i, x in enumerate(doc["links"]) if x.get("rel") == "ml-model:train-data"]
    single = convert(doc, href=str(src), to="dlm-beta")
    status = _statuses(doc, single.report["fields"])
    assert {status[p] for p in status if p[:2] == ("links", str(i))} <= set(CARRIED)  # the report keeps the link
    assert link["href"] in json.dumps(single.document["links"])
    report = cmp.build_report([src])
    (rec,) = report["documents"]
    assert rec["conversions"]["dlm-beta"]["concepts"]["data"] == "outside"
    (q,) = [q for q in report["findings"]["questions"] if q["id"] == "data"]
    text = next(s["text"] for s in q["sentences"] if s["numbers"].get("family") == "dlm-beta")
    assert "lose it entirely" not in text and "only outside dlm-beta's fields" in text, text


def rec_carried(rec: dict, fam: str) -> int:
    return next(s["carried"] for s in rec["standings"] if s["family"] == fam)


@pytest.mark.slow  # runs the whole comparison (seconds): CI runs it
def test_findings_numbers_are_recomputed_from_the_documents(main_report) -> None:
    assert _check_findings(main_report[1]) > 10


@needs_real
@pytest.mark.slow  # runs the whole comparison (seconds): CI runs it
def test_real_corpus_findings_numbers_are_recomputed_from_the_documents(real_report) -> None:
    _, report = real_report
    assert _check_findings(report) > 40
    # every question of the review and of ml-model has its finding, and the headline splits ML from core
    assert {q["group"] for q in report["findings"]["questions"]} == {"requirement", "use-case"}
    assert all(h["ml"]["leaves"] and h["core"]["leaves"] for h in report["findings"]["headline"] if h["documents"])


@pytest.mark.slow  # runs the whole comparison (seconds): CI runs it
def test_findings_are_in_all_three_outputs(page_report) -> None:
    out, report = page_report
    md = (out / "report.md").read_text(encoding="utf-8")
    page = htmllib.unescape((out / "report.html").read_text(encoding="utf-8"))
    stored = json.loads((out / "report.json").read_text(encoding="utf-8"))["findings"]
    assert stored == json.loads(json.dumps(report["findings"]))
    sentences = [s for h in stored["headline"] for s in h["sentences"]]
    sentences += [s for q in stored["questions"] for s in q["sentences"]]
    sentences += stored["recommendation"]["sentences"] + [s for c in stored["companions"] for s in c["sentences"]]
    assert sentences
    for s in sentences:
        assert s["text"] in md, s["text"]
        assert s["text"] in page, s["text"]


@pytest.mark.slow  # runs the whole comparison (seconds): CI runs it
def test_no_internal_references_in_the_outputs(main_report, page_report) -> None:
    for out, _ in {id(r): r for r in (main_report, page_report)}.values():
        for name in OUTPUTS:
            text = (out / name).read_text(encoding="utf-8")
            found = JARGON.search(text)
            assert found is None, f"{name}: {text[max(0, found.start() - 80):found.end() + 40]!r}"
    catalogue = (mappings_dir() / "study" / "concepts.yaml").read_text(encoding="utf-8")
    assert JARGON.search(catalogue) is None


@pytest.mark.slow  # runs the whole comparison (seconds): CI runs it
def test_adoption_tables_speak_for_one_format(page_report) -> None:
    """Adopting X lists X's own fields and reasons stated for X; what is lost on the way names where."""
    _, report = page_report
    for fam, side in report["adoption"]["sides"].items():
        for c in report["static"]["concepts"]:
            assert side["fields"][c["id"]] == [r["field"] for r in c["families"][fam]["fields"]]
        for row in side["ml_losses"]:
            if row["source"] != fam and row["where"] != "in the repairs before conversion":  # else: the report's
                assert row["reason"].startswith(f"{fam} has"), row
            assert fam in row["where"] or row["where"] == "in the repairs before conversion"
            assert any(p in row["path"] for p in ("dlm:", "ml-model:", "mlm:")), row


# --- the static comparison --------------------------------------------------------------------------------------


def _concept(static: dict, cid: str) -> dict:
    return next(c for c in static["concepts"] if c["id"] == cid)


def test_static_comparison_is_derived_from_schemas_and_mappings() -> None:
    static = cmp.static_comparison()
    arch = _concept(static, "architecture")
    mlm_rows = {r["field"]: r for r in arch["families"]["mlm"]["fields"]}
    assert mlm_rows["properties.mlm:architecture"]["required"] is True
    assert mlm_rows["properties.mlm:architecture"]["in_schema"] is True
    assert mlm_rows["properties.mlm:total_parameters"]["required"] is False
    mm = {r["field"]: r for r in _concept(static, "reproducibility")["families"]["ml-model"]["fields"]}
    assert mm["properties.ml-model:learning_approach"]["required"] is True
    assert {r["field"]: r for r in arch["families"]["ml-model"]["fields"]}[
        "properties.ml-model:architecture"]["maps"]["mlm"]["grade"] == "exact"
    drop = mm["properties.ml-model:training-os"]["maps"]["mlm"]
    assert drop["grade"] == "none" and any("operating-system" in n for n in drop["notes"])
    assert static["companions"]["tdml"]["converted"] is False
    assert "tdml:amount_of_training_data" in _concept(static, "data")["companions"]["tdml"]
    grades = {p["grade"] for c in static["concepts"] for p in c["pairs"].values()}
    assert grades <= {"exact", "transformed", "lossy", "none", "no path", "—"}
    assert all(c["group_title"] and "seed" not in c["group_title"] for c in static["concepts"])


def test_external_schema_references_are_followed() -> None:
    """MLM 1.5.2 takes classification classes, processing expressions and raster data types from other
    extensions' schemas: the walk resolves them through the vendored registry, so they count."""
    info = family_schema("mlm")
    assert any(u.startswith("https://stac-extensions.github.io/classification/") for u in info.external)
    assert any(u.startswith("https://stac-extensions.github.io/processing/") for u in info.external)
    assert any(u.startswith("https://stac-extensions.github.io/raster/") for u in info.external)
    classes = ("properties", "mlm:output", "[]", "classification:classes", "[]")
    assert (*classes, "value") in info.required and (*classes, "name") in info.defined
    assert ("properties", "mlm:input", "[]", "pre_processing_function", "expression") in info.required
    static = cmp.static_comparison()
    rows = {r["field"]: r for r in _concept(static, "outputs")["families"]["mlm"]["fields"]}
    assert rows["properties.mlm:output[].classification:classes[].value"]["in_schema"] is True
    assert rows["properties.mlm:output[].classification:classes[].value"]["required"] is True
    mlm = next(f for f in static["families"] if f["family"] == "mlm")
    assert len(mlm["external_schemas"]) >= 3


@pytest.mark.slow  # seconds of CPU each: CI runs it
def test_static_table_changes_when_a_mapping_changes(tmp_path: Path) -> None:
    original, copy = tmp_path / "original", tmp_path / "edited"  # two directories: mappings load once per directory
    shutil.copytree(mappings_dir(), original)
    shutil.copytree(mappings_dir(), copy)
    before = cmp.static_comparison(original)
    edge = copy / "ml-model_1.0.0__mlm_1.5.2.yaml"
    text = edge.read_text(encoding="utf-8")
    # the rename runs in an `each` over properties, summaries and the assets
    rename = re.search(r"^( +)- rename: \{path: \"\$\.'ml-model:architecture'\".*$", text, re.M)
    assert rename, "the ml-model edge no longer renames ml-model:architecture; update this test"
    drop = "drop: {path: \"$.'ml-model:architecture'\", reason: \"test edit, architecture has no target\"}"
    edge.write_text(text.replace(rename.group(0), f"{rename.group(1)}- {drop}"), encoding="utf-8")
    after = cmp.static_comparison(copy)

    def cell(static):
        return _concept(static, "architecture")["pairs"]["ml-model->mlm"]["grade"]

    assert cell(before) == "exact"
    assert cell(after) == "none"
    row = {r["field"]: r for r in _concept(after, "architecture")["families"]["ml-model"]["fields"]}
    assert "test edit" in " ".join(row["properties.ml-model:architecture"]["maps"]["mlm"]["notes"])
    assert cmp.static_markdown(before) != cmp.static_markdown(after)


def test_a_copy_that_reports_itself_lossy_is_traced_lossy() -> None:
    """A `copy` rule with `status: lossy` (a value carried to a field that means less) grades the way there lossy;
    a plain copy is exact. The grade comes from the rule, as the conversion report's status does."""
    from crosswalk.study.paths import Pattern
    from crosswalk.study.trace import RuleView, _apply, _Branch

    source, target = Pattern(("properties", "dlm:runtime", "instance_suggestion")), Pattern(("properties", "x"))
    grades = {}
    for status in (None, "lossy"):
        view = RuleView("copy", "f.yaml:1 #0 copy", "e", (source,), (target,), to=target, status=status)
        branches = _apply(_Branch(source.tokens, None, []), view, "covers")
        grades[status] = [b.events[-1][0] for b in branches if b.tokens == target.tokens]
    assert grades == {None: ["exact"], "lossy": ["lossy"]}


# --- paths: jsonpath-ng reads every path -------------------------------------------------------------------------


def test_paths_read_by_jsonpath_ng() -> None:
    p = paths.pattern("$.assets.*.roles[?(@ == 'mlm:model')]")
    assert p.tokens == ("assets", "*", "roles", "[]") and p.value == "mlm:model"
    link = paths.pattern("$.links[?(@.rel == 'derived_from')]")
    assert link.tokens == ("links", "[]", "rel") and link.value == "derived_from"
    assert paths.pattern("$.properties.'mlm:input'[*].norm_type").tokens == (
        "properties", "mlm:input", "[]", "norm_type")
    assert [q.tokens for q in paths.declared_patterns("properties.dlm:runtime.{version,model_commit_hash}")] == [
        ("properties", "dlm:runtime", "version"), ("properties", "dlm:runtime", "model_commit_hash")]
    assert paths.declared_patterns("assets.<model>.eo:bands")[0].tokens == ("assets", "*", "eo:bands")
    assert paths.relation(("properties", "dlm:inputs", "scaling_factor"), ("properties", "dlm:inputs")) == "covers"
    assert paths.relation(("properties", "dlm:inputs"), ("properties", "dlm:inputs", "name")) == "within"
    assert paths.relation(("properties", "mlm:name"), ("properties", "mlm:*")) == "covers"
    assert paths.relation(("links", "[]", "rel"), ("assets", "*")) is None
    doc = {"assets": {"m": {"roles": ["data", "mlm:model"]}}, "summaries": {"mlm:tasks": ["x"]},
           "links": [{"rel": "self", "href": "a"}, {"rel": "derived_from", "href": "b"}]}
    assert paths.find(doc, p) == [(("assets", "m", "roles", "1"), "mlm:model")]
    assert paths.find(doc, paths.pattern("$.properties.'mlm:tasks'")) == [(("summaries", "mlm:tasks"), ["x"])]
    assert paths.find(doc, link) == [(("links", "1"), {"rel": "derived_from", "href": "b"})]
    assert paths.is_ml_path(("properties", "mlm:input", "0", "name"))
    assert not paths.is_ml_path(("properties", "datetime")) and not paths.is_ml_path(("links", "0", "rel"))


_KEY = st.text(alphabet=st.sampled_from("abcxyz_:-09"), min_size=1, max_size=8).filter(lambda k: k[0].isalpha())


@given(st.lists(st.tuples(st.one_of(_KEY, st.just("*")), st.integers(0, 2)), min_size=1, max_size=5))
def test_declared_paths_round_trip_through_jsonpath_ng(steps) -> None:
    """Any declaration of keys, ``*`` and ``[]`` parses with jsonpath-ng into exactly its steps."""
    text = ".".join(key + "[]" * n for key, n in steps)
    expected = tuple(t for key, n in steps for t in (key, *["[]"] * n))
    (pat,) = paths.declared_patterns(text)
    assert pat.tokens == expected
    assert pat.text == text


# --- charts and templates -----------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def test_stacked_bars_have_a_legend_and_shares_that_add_up() -> None:
    colours = {"kept": "#2e7d32", "lossy": "#f9a825", "dropped": "#c62828"}
    rows = [charts.BarRow("a <b> & c", {"kept": 3, "lossy": 1, "dropped": 0}, "4 leaves"),
            charts.BarRow("empty", {})]
    svg = ET.fromstring(charts.stacked_bars(rows, colours, chart_id="t", title="T & <t>", width=1000))
    legend = svg.find(f"{SVG}g[@class='legend']")
    assert [t.text for t in legend.iter(f"{SVG}text")] == list(colours)
    assert [r.get("fill") for r in legend.iter(f"{SVG}rect")] == list(colours.values())
    bars = [r for r in svg.findall(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [r.find(f"{SVG}title").text for r in bars] == ["kept: 3 of 4 (75.0%)", "lossy: 1 of 4 (25.0%)"]
    assert sum(float(r.get("width")) for r in bars) == pytest.approx(1000 - 330 - 200, abs=0.2)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "a <b> & c" in texts and "nothing to measure" in texts  # escaped by ElementTree, read back whole


def test_heat_map_has_its_colour_scale() -> None:
    heat = charts.Heat(["q1", "q2"], ["x", "y"], {("q1", "x"): (0.0, "0/2"), ("q1", "y"): (1.0, "2/2"),
                                                  ("q2", "x"): (None, "—")}, {("q2", "y"): "no conversion"})
    svg = ET.fromstring(charts.heat_map(heat, chart_id="h", title="H"))
    stops = [s.get("stop-color") for s in svg.iter(f"{SVG}stop")]
    assert stops[0] == charts.share_colour(0.0) and stops[-1] == charts.share_colour(1.0)
    legend_texts = [t.text for t in svg.find(f"{SVG}g[@class='legend']").iter(f"{SVG}text")]
    assert {"0%", "100%", "no document", "no conversion"} <= set(legend_texts)
    fills = {r.find(f"{SVG}title").text: r.get("fill") for r in svg.iter(f"{SVG}rect")
             if r.find(f"{SVG}title") is not None}
    assert fills["q1 → x: 0/2"] == charts.share_colour(0.0)
    assert fills["q1 → y: 2/2"] == charts.share_colour(1.0)
    assert fills["q2 → y: "] == charts.EMPTY_FILLS["no conversion"]


@pytest.mark.slow  # runs the whole comparison (seconds): CI runs it
def test_html_is_autoescaped(main_report) -> None:
    _, report = main_report
    hostile = json.loads(json.dumps(report))
    hostile["findings"]["recommendation"]["sentences"][0]["text"] = "<script>alert(1)</script>"
    page = cmp.render_html(hostile)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_templates_ship_inside_the_package() -> None:
    from importlib.resources import files

    templates = files("crosswalk.study") / "templates"
    for name in ("report.html.j2", "report.md.j2", "static.md.j2", "report.css"):
        assert (templates / name).is_file(), name


@pytest.mark.slow  # runs the whole comparison (seconds): CI runs it
def test_html_has_no_external_references(main_report) -> None:
    html = (main_report[0] / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"""\b(src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", html, re.I)
    assert "@import" not in html and "<link" not in html.lower() and "<iframe" not in html.lower()
    assert html.count("<svg") == 2 and 'id="coverage-matrix"' in html
    assert '<details><summary>' in html and 'id="document-table"' in html and "@media print" in html


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


def test_copies_and_crosswalks_own_files_are_set_aside_counted_and_named(tmp_path: Path) -> None:
    """A copy of a document is one model description: counted once. crosswalk's conversion reports are not
    documents, and its outputs (X.out.json beside X.report.json, as the golden files are written) are conversions
    of other documents: neither is compared, each is counted and named, and no report gets a line of its own."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    original = json.loads((CORPORA / "ml-model" / "spec-dummy-item.json").read_text(encoding="utf-8"))
    other = json.loads((CORPORA / "mlm" / "spec-1.0.0-item_basic.json").read_text(encoding="utf-8"))
    (corpus / "a.json").write_text(json.dumps(original), encoding="utf-8")
    (corpus / "b-copy.json").write_text(json.dumps(original, indent=4), encoding="utf-8")  # other bytes, same data
    (corpus / "c-list.json").write_text(json.dumps([other, original]), encoding="utf-8")
    r = CliRunner().invoke(main, ["migrate", str(corpus / "a.json"), "-o", str(corpus / "a.out.json"),
                                  "--report-file", str(corpus / "a.report.json"), "-q"], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    shutil.copy(corpus / "a.report.json", corpus / "lone.report.json")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["compare", str(corpus), "-o", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [d["href"] for d in report["documents"]] == [str(corpus / "a.json"), f"{corpus / 'c-list.json'}#/0"]
    aside = report["set_aside"]
    assert aside["duplicates"] == [{"href": str(corpus / "b-copy.json"), "same_as": str(corpus / "a.json")},
                                   {"href": f"{corpus / 'c-list.json'}#/1", "same_as": str(corpus / "a.json")}]
    assert aside["outputs"] == [{"href": str(corpus / "a.out.json"), "report": str(corpus / "a.report.json")}]
    assert sorted(aside["reports"]) == [str(corpus / "a.report.json"), str(corpus / "lone.report.json")]
    assert report["skipped"] == [] and "report.json" not in r.stderr.split("; wrote")[0]
    assert r.stderr.splitlines()[-1].startswith(
        "2 documents compared, 0 skipped; set aside: 2 copies of documents already read (each counted once), "
        "1 crosswalk outputs, 2 crosswalk conversion reports; wrote ")
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "- `b-copy.json` is a copy of `a.json`" in md and "`a.out.json`" in md


@needs_real
@pytest.mark.slow  # runs the whole comparison (seconds): CI runs it
def test_real_corpus_counts_each_distinct_document_once(real_report) -> None:
    _, report = real_report
    members = []
    for f in sorted(p for p in REAL.rglob("*") if p.is_file() and p.suffix in (".json", ".yaml", ".yml")):
        doc, _ = read_document_repairs(str(f), lenient=True)
        members += [(f"{f}#/{i}", m) for i, m in enumerate(doc)] if isinstance(doc, list) else [(str(f), doc)]
    compared = {d["href"] for d in report["documents"]}
    copies = {x["href"]: x["same_as"] for x in report["set_aside"]["duplicates"]}
    for href, doc in members:
        if href in copies:
            assert doc == _load(copies[href]) and copies[href] in compared
    distinct = [doc for i, (_, doc) in enumerate(members) if all(doc != m for _, m in members[:i])]
    assert len(copies) == len(members) - len(distinct) == 2
    assert len(compared) == len(distinct) - len(report["skipped"])


def test_cli_compare_with_nothing_to_compare_exits_1_and_keeps_an_earlier_report(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "broken.json").write_text('{"type": "Feature", ', encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("an earlier report", encoding="utf-8")
    r = CliRunner().invoke(main, ["compare", str(corpus), "-o", str(out)], catch_exceptions=False)
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 2 and "broken.json" in lines[0]
    assert lines[1] == f"error: {corpus}: no document could be compared (1 skipped): nothing written"
    assert [p.name for p in out.iterdir()] == ["report.json"]
    assert (out / "report.json").read_text(encoding="utf-8") == "an earlier report"


# --- a real browser -----------------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--hide-scrollbars",
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


def _chromium(tmp_path: Path, name: str, *args: str) -> str:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / name}", *args],
                          capture_output=True, text=True, timeout=180, check=True).stdout


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                    reason="chromium is not installed (apt-get install chromium); CI installs it")
@pytest.mark.slow  # runs the whole comparison (seconds): CI runs it
def test_report_renders_in_headless_chromium(page_report, tmp_path: Path) -> None:
    assert CHROMIUM is not None, "chromium is required in CI (.ci/run installs it)"
    out, report = page_report
    url = (out / "report.html").resolve().as_uri()
    dom = _chromium(tmp_path, "profile-dom", "--window-size=1400,2000", "--dump-dom", url)
    text = htmllib.unescape(dom)
    # the findings: the recommendation first, then every question's sentences
    rec = report["findings"]["recommendation"]
    assert re.search(r'<div id="recommendation">\s*<p class="finding adopt">', dom)
    assert rec["sentences"][0]["text"] in text
    for q in report["findings"]["questions"]:
        assert f'id="q-{q["id"]}"' in dom and q["sentences"][0]["text"] in text
    # every chart carries its legend, the heat map its colour scale
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", dom, re.S)
    assert {re.search(r'id="([^"]+)"', s).group(1) for s in svgs} == {"ml-share-bars", "survival-map"}
    for svg in svgs:
        assert '<g class="legend">' in svg
        legend = svg.split('<g class="legend">', 1)[1].split("</g>", 1)[0]
        assert legend.count("<rect") >= 3 and legend.count("<text") >= 3
    assert "<linearGradient" in dom and "share of documents that keep it" in text
    for word in ("kept", "lossy", "dropped"):
        assert f">{word}</text>" in dom
    # the matrix, its legend, and the folded per-document detail
    assert 'id="coverage-matrix"' in dom and 'id="matrix-legend"' in dom
    matrix = dom.split('id="coverage-matrix"', 1)[1].split("</table>", 1)[0]
    assert matrix.count("<tr") == len(report["static"]["concepts"]) + 2 + len(report["static"]["groups"])
    assert re.search(r"<details><summary>\d+ documents", dom)
    # a screenshot at 1400 px that is not blank, and a print rendering
    png = tmp_path / "report.png"
    _chromium(tmp_path, "profile-shot", f"--screenshot={png}", "--window-size=1400,2400", url)
    width, height, distinct = _png_info(png.read_bytes())
    assert (width, height) == (1400, 2400)
    assert distinct > 50, "the screenshot is (nearly) blank"
    pdf = tmp_path / "report.pdf"
    _chromium(tmp_path, "profile-pdf", f"--print-to-pdf={pdf}", "--no-pdf-header-footer", url)
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(re.findall(rb"/Type\s*/Page\b", data)) >= 3
