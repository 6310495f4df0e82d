"""The command line: exit codes, stdout for data and stderr for diagnostics, nothing half-written."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPORA

from crosswalk.cli.main import dlm_migrate, main

DUMMY = CORPORA / "ml-model" / "spec-dummy-item.json"
MLM10 = CORPORA / "mlm" / "spec-1.0.0-item_basic.json"
MLM151 = CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json"


def run(cmd, args):
    return CliRunner().invoke(cmd, [str(a) for a in args], catch_exceptions=False)


def test_one_file_goes_to_stdout_and_report_to_stderr() -> None:
    r = run(dlm_migrate, [DUMMY])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert "https://stac-extensions.github.io/mlm/v1.5.2/schema.json" in doc["stac_extensions"]
    assert "ml-model@1.0.0 -> mlm@1.5.2" in r.stderr
    assert "invented" in r.stderr


def test_rerun_on_own_output_is_byte_identical_and_reports_nothing_changed(tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    assert run(dlm_migrate, [MLM10, "-o", first, "--report", "none"]).exit_code == 0
    second = tmp_path / "second.json"
    report = tmp_path / "report.json"
    r = run(dlm_migrate, [first, "-o", second, "--report-file", report, "--report", "none"])
    assert r.exit_code == 0
    assert second.read_bytes() == first.read_bytes()
    rep = json.loads(report.read_text())
    assert rep["steps"] == []
    assert {e["status"] for e in rep["fields"]} == {"kept"}
    assert not any(rep["summary"][k] for k in ("moved", "invented", "lossy", "dropped", "transformed"))


def test_strict_fails_naming_the_invented_fields_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    r = run(dlm_migrate, [DUMMY, "--strict", "-o", out, "--report", "none"])
    assert r.exit_code == 1
    assert "/properties/mlm:input" in r.stderr and "would invent" in r.stderr
    assert not out.exists()


def test_fill_supplies_values_reported_filled(tmp_path: Path) -> None:
    fill = tmp_path / "fill.yaml"
    fill.write_text(
        '"*":\n  /properties/mlm:input:\n    - {name: rgb, bands: [], input: {shape: [-1, 3, 64, 64], '
        "dim_order: [batch, channel, height, width], data_type: float32}}\n"
    )
    r = run(dlm_migrate, [DUMMY, "--fill", fill, "--report", "json"])
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["properties"]["mlm:input"][0]["name"] == "rgb"
    report = json.loads(r.stderr)
    assert {"path": "/properties/mlm:input"}.items() <= next(
        e for e in report["fields"] if e["status"] == "filled"
    ).items()


@pytest.mark.parametrize(
    "content, expected",
    [
        ("{not json", "invalid JSON (line 1"),
        ('{"type": "Feature", "stac_version": "1.0.0", "properties": {}}', "no ML-model extension found"),
        ("[1, 2]", "not a STAC document"),
        (
            '{"type": "Feature", "stac_version": "1.0.0", "properties": {}, "stac_extensions": '
            '["https://stac-extensions.github.io/mlm/v9.9.9/schema.json"]}',
            "/stac_extensions/0: unknown mlm version 9.9.9",
        ),
    ],
)
def test_bad_input_is_one_line_naming_the_file_and_writes_nothing(tmp_path: Path, content: str, expected: str) -> None:
    src = tmp_path / "bad.json"
    src.write_text(content)
    out = tmp_path / "out.json"
    r = run(dlm_migrate, [src, "-o", out])
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert str(src) in lines[0] and expected in lines[0]
    assert not out.exists()


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    r = run(dlm_migrate, [tmp_path / "nope.json"])
    assert r.exit_code == 1 and "no such file" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_input_file_is_never_changed(tmp_path: Path) -> None:
    src = tmp_path / "in.json"
    src.write_bytes(DUMMY.read_bytes())
    run(dlm_migrate, [src, "-o", tmp_path / "out.json"])
    assert src.read_bytes() == DUMMY.read_bytes()


@pytest.mark.parametrize(
    "cmd, args",
    [
        (dlm_migrate, ["--to"]),
        (main, ["migrate", str(DUMMY), "--report", "yaml"]),
        (dlm_migrate, [str(DUMMY), "--to", "mlm@7.0.0"]),
        (dlm_migrate, [str(DUMMY), "--to", "nonsense"]),
        (main, ["migrate", str(DUMMY), "--to", "mlm@7.0.0"]),
        (main, ["plan", "--from", "ml-model", "--to", "mlm@7.0.0"]),
        (main, ["plan", "--from", "no-such-family"]),
        (main, ["roundtrip", str(DUMMY), "--via", "mlm@0.1.0"]),
        (dlm_migrate, [str(DUMMY), "-q", "-v"]),
        (dlm_migrate, [str(DUMMY), "--backup-dir", "x"]),
        (dlm_migrate, [str(DUMMY), str(MLM10), "-o", "out.json"]),
        (dlm_migrate, [str(DUMMY), str(MLM10)]),
        (dlm_migrate, [str(DUMMY), "-j", "0", "--dry-run"]),
        (main, ["validate"]),
        (main, ["detect", str(DUMMY), "--format", "json"]),
        (dlm_migrate, [str(DUMMY), "--to", "mlm@"]),  # an empty version is not "the latest"
        (main, ["plan", "--from", "ml-model@"]),
        (dlm_migrate, [str(DUMMY), "-o", "newdir/"]),  # a directory named where a file is wanted
        (dlm_migrate, [str(DUMMY), "-o", "out.json", "--report-file", "reports/"]),
        (dlm_migrate, [str(DUMMY), "--dry-run", "--summary-file", "reports/"]),
        (dlm_migrate, [str(DUMMY), "--report-file", "-"]),  # the report and the document on one stdout
        (dlm_migrate, [str(DUMMY), "-o", "-", "--report-file", "-"]),
        (dlm_migrate, [str(DUMMY), "--output-format", "ndjson", "-o", "-", "--summary-file", "-"]),
    ],
)
def test_usage_errors_exit_2_and_write_nothing(tmp_path: Path, monkeypatch, cmd, args) -> None:
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cmd, args)
    assert r.exit_code == 2, (r.exit_code, r.output)
    assert "Error:" in r.stderr and not r.stdout
    assert list(tmp_path.iterdir()) == []


def test_unknown_target_names_the_known_versions() -> None:
    r = run(dlm_migrate, [DUMMY, "--to", "mlm@7.0.0"])
    assert r.exit_code == 2 and "unknown version 'mlm@7.0.0'" in r.stderr and "1.5.2" in r.stderr


@pytest.mark.parametrize("content", ["[1, 2]", "not yaml: [", '"a string"'])
def test_a_fill_file_that_is_not_an_object_is_a_usage_error(tmp_path: Path, content: str) -> None:
    fill = tmp_path / "fill.yaml"
    fill.write_text(content)
    r = CliRunner().invoke(dlm_migrate, [str(DUMMY), "--fill", str(fill), "-o", str(tmp_path / "out.json")])
    assert r.exit_code == 2 and "--fill" in r.stderr
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("content", ['{"*": "oops"}', '{"*": ["mlm:name", "x"]}', '{"item-1": 3}', '"*": ""'])
def test_a_fill_file_of_the_wrong_shape_is_a_usage_error_before_anything_is_read(tmp_path: Path, content: str) -> None:
    """The shape the conversion reads ({"*"|id: {pointer: value}}, ids as text) is checked where the file is
    loaded: one usage error, not one failure per document."""
    fill = tmp_path / "fill.yaml"
    fill.write_text(content)
    r = CliRunner().invoke(dlm_migrate, [str(tmp_path / "missing.json"), "--fill", str(fill), "-o",
                                         str(tmp_path / "out.json")])
    assert r.exit_code == 2 and "--fill" in r.stderr and "missing.json" not in r.stderr, r.stderr
    assert not (tmp_path / "out.json").exists()


def test_a_fill_file_with_an_empty_entry_is_read_as_before(tmp_path: Path) -> None:
    fill = tmp_path / "fill.yaml"
    fill.write_text('"*":\nother-id:\n  mlm:name: x\n')
    r = run(dlm_migrate, [DUMMY, "--fill", fill, "-o", tmp_path / "out.json", "--report", "none"])
    assert r.exit_code == 0, r.stderr


def test_report_and_summary_file_dash_is_stdout_never_a_file_named_dash(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-").write_bytes(DUMMY.read_bytes())  # an input named "-" (read as ./-) is never written over
    r = run(dlm_migrate, ["./-", "-o", "out.json", "--report-file", "-", "--report", "none"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["target"]["format"] == "mlm@1.5.2"
    assert (tmp_path / "-").read_bytes() == DUMMY.read_bytes()
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "a.json").write_bytes(DUMMY.read_bytes())
    r = run(dlm_migrate, ["tree", "--out-dir", "out", "--summary-file", "-", "--report", "none", "-j", "1"])
    assert r.exit_code == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(lines) == 2 and lines[-1]["summary"]["documents"] == 1
    assert (tmp_path / "-").read_bytes() == DUMMY.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["-", "out", "out.json", "tree"]


def test_pgstac_summary_file_dash_is_stdout(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("psycopg")
    from crosswalk.bulk import pgstac

    def upgrade(dsn, *, reports, **kwargs):  # a stand-in for the database: one collection, one item report
        reports({"source": {"href": "pgstac:c/i"}})
        return pgstac.PgstacResult([pgstac.CollectionOutcome("c", items=1)], run_id="r", dry_run=True)

    monkeypatch.setattr(pgstac, "upgrade", upgrade)
    monkeypatch.chdir(tmp_path)
    r = run(dlm_migrate, ["--pgstac", "postgresql://nowhere/db", "--dry-run", "--summary-file", "-", "-q"])
    assert r.exit_code == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert lines[0]["source"]["href"] == "pgstac:c/i" and lines[-1]["summary"]["collections"] == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["ndjson", "geoparquet"])
def test_a_one_file_output_is_left_as_it_was_when_every_document_fails(tmp_path: Path, fmt: str) -> None:
    if fmt == "geoparquet":
        pytest.importorskip("stac_geoparquet")
    src = tmp_path / "in"
    src.mkdir()
    (src / "broken.json").write_text('{"type": "Feature", ')
    (src / "not_stac.json").write_text('{"a": 1}')
    out = tmp_path / f"prev.{fmt}"
    out.write_bytes(b"the previous run's file")
    r = run(dlm_migrate, [src, "--output-format", fmt, "-o", out, "-j", "1", "--report", "none"])
    assert r.exit_code == 1
    assert f"nothing written to {out}: no document was converted" in r.stderr
    assert out.read_bytes() == b"the previous run's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", out.name]


def test_quiet_says_nothing_of_a_one_file_output_that_went_well(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.json").write_bytes(DUMMY.read_bytes())
    out = tmp_path / "out.ndjson"
    loud = run(dlm_migrate, [src, "--output-format", "ndjson", "-o", out, "-j", "1"])
    assert loud.exit_code == 0 and f"wrote 1 document to {out}" in loud.stderr
    written = out.read_bytes()
    out.unlink()
    quiet = run(dlm_migrate, [src, "--output-format", "ndjson", "-o", out, "-j", "1", "-q"])
    assert quiet.exit_code == 0 and quiet.stderr == "" and out.read_bytes() == written


@pytest.mark.parametrize("name, text", [
    ("bom.json", "\ufeff" + DUMMY.read_text(encoding="utf-8")),
    ("comments.jsonc", DUMMY.read_text(encoding="utf-8").replace('"id":', '// a comment\n  "id":', 1)),
], ids=["bom", "comments"])
def test_roundtrip_and_diff_read_what_migrate_reads(tmp_path: Path, name: str, text: str) -> None:
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    assert run(dlm_migrate, [src, "-o", tmp_path / "out.json", "--report", "none"]).exit_code == 0
    r = run(main, ["roundtrip", src, "--via", "mlm"])
    assert r.exit_code == 0, r.output
    r = run(main, ["diff", src, DUMMY])
    assert (r.exit_code, r.stdout.strip()) == (0, "no differences"), r.output
    # and, as migrate, strictly on request
    assert run(dlm_migrate, [src, "--no-lenient", "-o", tmp_path / "out.json"]).exit_code == 1
    assert run(main, ["roundtrip", src, "--via", "mlm", "--no-lenient"]).exit_code == 1
    assert run(main, ["diff", src, DUMMY, "--no-lenient"]).exit_code == 2


@pytest.mark.parametrize("cmd, prog", [(dlm_migrate, "dlm-migrate"), (main, "crosswalk")])
def test_version_comes_from_the_package_metadata(cmd, prog) -> None:
    from importlib.metadata import version

    r = CliRunner().invoke(cmd, ["--version"])
    assert r.exit_code == 0
    assert r.stdout.strip() == f"{prog}, version {version('crosswalk')}"


@pytest.mark.parametrize("prog", ["dlm-migrate", "crosswalk"])
def test_installed_commands_answer_version(prog: str) -> None:
    """The console scripts the package installs (beside the interpreter running the tests)."""
    from importlib.metadata import version

    script = Path(sys.executable).parent / prog
    r = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == f"{prog}, version {version('crosswalk')}"


def _invalid_item(tmp_path: Path) -> Path:
    """An MLM 1.5.1 item whose mlm:total_parameters is text: every conversion keeps it, and it is invalid."""
    doc = json.loads(MLM151.read_text())
    doc["properties"]["mlm:total_parameters"] = "many"
    path = tmp_path / "invalid.json"
    path.write_text(json.dumps(doc))
    return path


def test_an_invalid_output_is_written_and_exits_1_saying_so(tmp_path: Path) -> None:
    src = _invalid_item(tmp_path)
    out = tmp_path / "out.json"
    r = run(dlm_migrate, [src, "-o", out])
    assert r.exit_code == 1
    assert f"error: {src}: written, but invalid: 1 error" in r.stderr.splitlines()
    assert json.loads(out.read_text())["properties"]["mlm:total_parameters"] == "many"
    r = run(dlm_migrate, [src])  # to stdout: written there too
    assert r.exit_code == 1 and json.loads(r.stdout)["id"] == json.loads(src.read_text())["id"]


def test_quiet_shows_only_errors(tmp_path: Path) -> None:
    r = run(dlm_migrate, [DUMMY, "-q", "-o", tmp_path / "out.json"])
    assert r.exit_code == 0 and r.stderr == ""
    r = run(dlm_migrate, [_invalid_item(tmp_path), "-q", "-o", tmp_path / "out2.json"])
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        f"error: {tmp_path / 'invalid.json'}: written, but invalid: 1 error",
        "  /properties/mlm:total_parameters: 'many' is not of type 'integer'",
    ]


def test_strict_fails_on_lossy_or_invented_but_not_on_a_clean_conversion(tmp_path: Path) -> None:
    assert run(dlm_migrate, [MLM151, "--strict", "-o", tmp_path / "a.json", "-q"]).exit_code == 0
    r = run(dlm_migrate, [DUMMY, "--strict", "-o", tmp_path / "b.json", "-q"])
    assert r.exit_code == 1 and "would invent" in r.stderr and not (tmp_path / "b.json").exists()


def test_strict_fails_on_dropped_fields_too_naming_a_few_of_them(tmp_path: Path) -> None:
    """--strict fails on lossy, dropped or invented fields (as --help says); the error names them, the first three of
    each and how many more. The gold Collection drops three ml-model summaries and invents nothing."""
    gold = CORPORA / "ml-model" / "agrifieldnet-gold-collection.json"
    report = json.loads(run(main, ["migrate", gold, "-o", tmp_path / "g.json", "--report", "json"]).stderr)
    dropped = [f["path"] for f in report["fields"] if f["status"] == "dropped"]
    assert dropped and not [f for f in report["fields"] if f["status"] in ("lossy", "invented")]
    r = run(main, ["migrate", gold, "--strict", "-o", tmp_path / "s.json", "-q"])
    assert r.exit_code == 1 and not (tmp_path / "s.json").exists()
    assert "--strict: lossy or dropped: " + ", ".join(dropped) + ": nothing written" in r.stderr
    report = json.loads(run(main, ["migrate", DUMMY, "-o", tmp_path / "d.json", "--report", "json"]).stderr)
    lost = [f["path"] for f in report["fields"] if f["status"] in ("lossy", "dropped")]
    assert len(lost) > 5
    r = run(main, ["migrate", DUMMY, "--strict", "-o", tmp_path / "d2.json", "-q"])
    assert f"lossy or dropped: {', '.join(lost[:3])} and {len(lost) - 3} more" in r.stderr
    assert "lossy, dropped or invented" in " ".join(run(main, ["migrate", "--help"]).stdout.split())


def test_strict_refuses_a_document_for_the_same_fields_alone_and_in_a_bulk_run(tmp_path: Path) -> None:
    alone = run(dlm_migrate, [DUMMY, "--strict", "-o", tmp_path / "a.json", "-q"])
    bulk = run(dlm_migrate, [DUMMY, "--strict", "--dry-run", "-q"])  # --dry-run: bulk mode, one file
    assert alone.exit_code == bulk.exit_code == 1
    prefix = f"error: {DUMMY}: --strict: "
    (one,) = [x for x in alone.stderr.splitlines() if x.startswith(prefix)]
    (other,) = [x for x in bulk.stderr.splitlines() if x.startswith(prefix)]
    assert one.endswith(": nothing written") and other.endswith(": left as it was")
    assert one.removesuffix(": nothing written") == other.removesuffix(": left as it was")


def test_strict_passes_a_newer_version_unchanged_alone_and_in_a_bulk_run(tmp_path: Path) -> None:
    """A version newer than the newest known passes to the family's latest unchanged: nothing lost or invented,
    so --strict has nothing to refuse (its own schema's being out of reach is a warning either way)."""
    newer = CORPORA / "producers" / "stac-model-0.7.0-eurosat_resnet.json"  # MLM 1.6.0
    (tmp_path / "in").mkdir()
    shutil.copy(newer, tmp_path / "in" / "item.json")
    alone = run(dlm_migrate, [newer, "--strict", "-o", tmp_path / "alone.json", "--report", "none"])
    assert alone.exit_code == 0, alone.stderr
    assert json.loads((tmp_path / "alone.json").read_text()) == json.loads(newer.read_text())
    bulk = run(dlm_migrate, [tmp_path / "in", "--strict", "--out-dir", tmp_path / "out", "--report", "none"])
    assert bulk.exit_code == 0, bulk.stderr
    assert (tmp_path / "out" / "item.json").read_bytes() == newer.read_bytes()


def test_bulk_exits_1_when_a_document_is_invalid_and_writes_it(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    _invalid_item(tree)
    (tree / "good.json").write_bytes(DUMMY.read_bytes())
    out = tmp_path / "out"
    r = run(dlm_migrate, [tree, "--out-dir", out, "-j", "1"])
    assert r.exit_code == 1
    assert "error: written, but invalid: 1 document (--summary-file FILE lists them)" in r.stderr
    assert (out / "invalid.json").exists() and (out / "good.json").exists()
    r = run(dlm_migrate, [tree / "good.json", "--dry-run"])
    assert r.exit_code == 0
    (tree / "broken.json").write_text("{", encoding="utf-8")  # a failure too: the invalid one is still said
    r = run(dlm_migrate, [tree, "--out-dir", tmp_path / "out2", "-j", "1"])
    assert r.exit_code == 1 and "broken.json: invalid JSON" in r.stderr
    assert "error: written, but invalid: 1 document" in r.stderr


def test_detect_prints_format_and_evidence() -> None:
    r = run(main, ["detect", DUMMY, MLM10])
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert "ml-model@1.0.0" in lines[0] and "schema URI" in lines[0]
    assert "mlm@1.0.0" in lines[1]


def test_plan_and_mappings_show_the_graph() -> None:
    r = run(main, ["plan", "--from", "mlm@1.3.0", "--to", "mlm@1.5.0"])
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0].startswith("1. mlm@1.3.0 -> mlm@1.4.0")
    assert len(r.stdout.splitlines()) == 2
    assert "ml-model@1.0.0 -> mlm@1.5.2" in run(main, ["mappings"]).stdout
    r = run(main, ["plan", "--from", "mlm@1.5.2", "--to", "ml-model"])  # the reverse edge
    assert r.exit_code == 0 and "ml-model_1.0.0__mlm_1.5.2.yaml (down)" in r.stdout


def test_validate_reports_and_exits(tmp_path: Path) -> None:
    assert run(main, ["validate", DUMMY]).exit_code == 0
    r = run(main, ["validate", MLM10, "--format", "json"])
    data = json.loads(r.stdout)
    assert data[0]["issues"] and r.exit_code == 1  # classification_classes typo is a lint error


def test_markdown_report() -> None:
    r = run(dlm_migrate, [DUMMY, "--report", "markdown"])
    assert r.exit_code == 0 and "| status | path | to | reason |" in r.stderr


def test_the_markdown_report_says_not_validated_under_no_validate_as_the_text_report_does(tmp_path: Path) -> None:
    src = _invalid_item(tmp_path)  # its output is invalid: a verdict of "yes" would be wrong, not just unasked
    checked = run(dlm_migrate, [src, "-o", tmp_path / "a.json", "--report", "markdown"])
    assert checked.exit_code == 1 and "Valid: **no**." in checked.stderr
    unchecked = run(dlm_migrate, [src, "-o", tmp_path / "b.json", "--report", "markdown", "--no-validate"])
    assert unchecked.exit_code == 0 and "Valid: **not validated** (--no-validate)." in unchecked.stderr
    assert "Valid: **yes**" not in unchecked.stderr
    text = run(dlm_migrate, [src, "-o", tmp_path / "c.json", "--no-validate"])
    assert "output not validated (--no-validate)" in text.stderr


def _tree_of_inputs(tmp_path: Path) -> Path:
    """A directory holding one Item file, a two-line ndjson file and a catalog root linking an Item."""
    tree = tmp_path / "tree"
    (tree / "cat" / "items").mkdir(parents=True)
    (tree / "one.json").write_bytes(DUMMY.read_bytes())
    lines = [json.dumps(json.loads(p.read_text())) for p in (DUMMY, MLM151)]
    (tree / "two.ndjson").write_text("\n".join(lines) + "\n")
    (tree / "cat" / "items" / "a.json").write_bytes(MLM151.read_bytes())
    catalog = {
        "type": "Catalog",
        "stac_version": "1.0.0",
        "id": "c",
        "description": "d",
        "links": [{"rel": "item", "href": "./items/a.json"}],
    }
    (tree / "cat" / "catalog.json").write_text(json.dumps(catalog))
    return tree


def test_detect_takes_what_migrate_takes(tmp_path: Path) -> None:
    tree = _tree_of_inputs(tmp_path)
    r = run(main, ["detect", tree / "two.ndjson"])
    assert r.exit_code == 0, r.stderr
    rows = [line.split("\t")[:2] for line in r.stdout.splitlines()]
    assert rows == [[f"{tree}/two.ndjson#L1", "ml-model@1.0.0"], [f"{tree}/two.ndjson#L2", "mlm@1.5.1"]]
    r = run(main, ["detect", tree / "cat" / "catalog.json"])  # followed through its item link
    assert r.exit_code == 0, r.stderr
    assert [line.split("\t")[:3] for line in r.stdout.splitlines()] == [
        [f"{tree}/cat/catalog.json", "-", "Catalog"],  # no ML-model extension: migrate copies it unchanged
        [f"{tree}/cat/items/a.json", "mlm@1.5.1", "Feature"],
    ]
    r = run(main, ["detect", tree])
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 5  # one.json, the catalog, a.json, two lines
    r = CliRunner().invoke(main, ["detect", "-"], input="[1, 2]")
    assert r.exit_code == 1 and "not a STAC document" in r.stderr
    r = CliRunner().invoke(main, ["detect", "-"], input=MLM151.read_text())
    assert r.exit_code == 0 and r.stdout.split("\t")[:2] == ["-", "mlm@1.5.1"]


def test_validate_takes_what_migrate_takes(tmp_path: Path) -> None:
    tree = _tree_of_inputs(tmp_path)
    r = run(main, ["validate", tree, "--format", "json"])
    hrefs = sorted(d["href"] for d in json.loads(r.stdout))
    assert hrefs == sorted(
        [
            f"{tree}/one.json",
            f"{tree}/two.ndjson#L1",
            f"{tree}/two.ndjson#L2",
            f"{tree}/cat/catalog.json",
            f"{tree}/cat/items/a.json",
        ]
    )
    assert r.exit_code == (1 if any(not d["valid"] for d in json.loads(r.stdout)) else 0)
    r = CliRunner().invoke(main, ["validate", "-"], input=DUMMY.read_text())
    assert r.exit_code == 0 and r.stdout.startswith("-: valid")


def test_validate_quiet_lists_only_invalid_documents(tmp_path: Path) -> None:
    tree = _tree_of_inputs(tmp_path)
    _invalid_item(tree)
    r = run(main, ["validate", tree, "-q"])
    assert r.exit_code == 1
    heads = [line for line in r.stdout.splitlines() if not line.startswith(" ")]
    assert f"{tree}/invalid.json: INVALID" in heads
    assert all(h.endswith("INVALID") for h in heads)
    assert "  error: /properties/mlm:total_parameters: 'many' is not of type 'integer'" in r.stdout.splitlines()
    assert "warning" not in r.stdout


def test_detect_and_validate_name_unreadable_inputs_on_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_text(json.dumps(json.loads(DUMMY.read_text())) + "\n{oops\n")
    for verb in ("detect", "validate"):
        r = run(main, [verb, bad, tmp_path / "missing.json"])
        assert r.exit_code == 1
        errors = r.stderr.splitlines()
        assert len(errors) == 2, errors
        assert "bad.ndjson#L2" in errors[0] and "missing.json: no such file" in errors[1]


@pytest.mark.parametrize("args", [
    ["validate"], ["validate", "--format", "json"], ["detect"], ["migrate", "--dry-run"],
    ["migrate", "--out-dir", "out"], ["migrate", "--output-format", "ndjson", "-o", "out.ndjson"],
])
def test_nothing_to_read_is_one_line_and_exit_1(tmp_path: Path, monkeypatch, args) -> None:
    """An empty directory (or one of other files only) was read and held nothing: like a missing file, one line on
    stderr and exit 1 (not 2: it is found by reading), and no output file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "sub" / "notes.txt").write_text("no STAC here")
    r = CliRunner().invoke(main, [args[0], "empty", *args[1:]])
    assert r.exit_code == 1, (r.exit_code, r.output)
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("error: empty: no documents found")
    assert r.stdout == ("[]\n" if "json" in args else "")
    assert not (tmp_path / "out.ndjson").exists()


@pytest.mark.parametrize("args", [["validate"], ["validate", "--format", "json"], ["detect"],
                                  ["migrate", "--out-dir", "../out"]])
def test_an_empty_input_beside_others_is_named_and_exit_1(tmp_path: Path, monkeypatch, args) -> None:
    """One of several inputs holds no document: the others are still read, and the empty one is named on stderr
    with exit 1, as a missing file among them is (before, it passed in silence with exit 0)."""
    (tmp_path / "in" / "empty").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "in")
    item = tmp_path / "in" / "item.json"
    item.write_bytes((CORPORA / "mlm" / "spec-1.5.1-item_pytorch_geo_unet.json").read_bytes())
    r = CliRunner().invoke(main, [args[0], "item.json", "empty", *args[1:]])
    assert r.exit_code == 1, (r.exit_code, r.output)
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert errors == [next(e for e in errors if e.startswith("error: empty: no documents found"))]
    if args[0] == "migrate":
        assert (tmp_path / "out" / "item.json").is_file()
    elif "json" in args:
        assert [d["href"] for d in json.loads(r.stdout)] == ["item.json"]
    else:
        assert r.stdout.startswith("item.json")


BETA3 = CORPORA / "dlm-beta" / "spec-beta3-item.json"
LINE = re.compile(r"^  (\w+) +(/\S*)(?: \((\d+) fields\))?")


def test_text_report_is_one_line_per_subtree_status_and_reason() -> None:
    from crosswalk.engine.report import render_text

    reason = "selected_bands [0, 1, 3] is ambiguous; read as positions in eo:bands"
    fields = [{"path": "", "status": "kept"}] + [
        {
            "path": f"/properties/dlm:inputs/selected_bands/{i}",
            "status": "lossy",
            "to": [f"/properties/mlm:input/0/bands/{i}"],
            "reason": reason,
        }
        for i in range(14)
    ]
    fields.append({"path": "/properties/dlm:data/test_file", "status": "dropped", "reason": "no test-file field"})
    report = {
        "source": {"href": "x.json", "format": "dlm-beta@1.0.0-beta.2"},
        "target": {"format": "mlm@1.5.2"},
        "steps": ["a"],
        "fields": fields,
        "valid": True,
        "issues": [],
        "summary": {"kept": 1, "lossy": 14, "dropped": 1},
    }
    lines = render_text(report).splitlines()
    assert (
        "  lossy       /properties/dlm:inputs/selected_bands/0…13 (14 fields) -> /properties/mlm:input/0/bands/0…13"
        f"  ({reason})"
    ) in lines
    assert "  dropped     /properties/dlm:data/test_file  (no test-file field)" in lines
    assert sum(reason in line for line in lines) == 1 and len(lines) == 5
    verbose = render_text(report, verbose=True).splitlines()
    assert sum(reason in line for line in verbose) == 14 and "  kept        /" in verbose


def test_cli_report_groups_by_default_and_lists_every_entry_with_verbose(tmp_path: Path) -> None:
    rep = tmp_path / "report.json"
    r = run(dlm_migrate, [BETA3, "--report-file", rep, "-o", tmp_path / "out.json"])
    assert r.exit_code == 0, r.stderr
    entries = [e for e in json.loads(rep.read_text())["fields"] if e["status"] != "kept"]
    grouped = [m for m in map(LINE.match, r.stderr.splitlines()) if m]
    assert sum(int(m[3] or 1) for m in grouped) == len(entries)  # every entry on exactly one line
    assert len(grouped) < len(entries)  # and lists sharing a fate folded
    for m in grouped:  # a line's status and path shape match the entries it stands for
        shape = _shape(m[2])
        members = [e for e in entries if e["status"] == m[1] and f"{_shape(e['path'])}/".startswith(f"{shape}/")]
        assert len(members) >= int(m[3] or 1)
    r = run(dlm_migrate, [BETA3, "-v", "-o", tmp_path / "out.json"])
    listed = [m for m in map(LINE.match, r.stderr.splitlines()) if m]
    assert len(listed) == len(json.loads(rep.read_text())["fields"]) and not any(m[3] for m in listed)


def _shape(pointer: str) -> str:
    return re.sub(r"/(\d+(…\d+)?|\d+(,\d+)+)(?=/|$)", "/*", pointer)


def test_markdown_report_groups_too() -> None:
    r = run(dlm_migrate, [BETA3, "--report", "markdown"])
    assert r.exit_code == 0 and "(3 fields)" in r.stderr
    verbose = run(dlm_migrate, [BETA3, "--report", "markdown", "-v"]).stderr
    assert "fields)" not in verbose and verbose.count("\n| ") > r.stderr.count("\n| ")


def _ndjson(tmp_path: Path, n: int) -> Path:
    doc = json.loads(DUMMY.read_text())
    path = tmp_path / "items.ndjson"
    path.write_text("".join(json.dumps({**doc, "id": f"item-{i}"}) + "\n" for i in range(n)))
    return path


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    r = run(dlm_migrate, [_ndjson(tmp_path, 20), "--dry-run", "--no-validate"])
    assert r.exit_code == 0
    assert "\r" not in r.stderr and "docs/s" not in r.stderr and "%|" not in r.stderr


def test_progress_bar_library_path_draws_total_rate_and_eta(tmp_path: Path, monkeypatch) -> None:
    import io

    from crosswalk.bulk import tree as bulk

    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    result = bulk.migrate([str(_ndjson(tmp_path, 30))], dry_run=True, validate=False, progress=True, jobs=1)
    assert result.summary["documents"] == 30
    frames = err.getvalue().split("\r")
    assert any("/30 [" in f and "docs/s" in f for f in frames), frames


def _run_on_a_terminal(args: list[str], timeout: float = 120) -> tuple[int, str]:
    """Run a console script with stderr on a pseudo-terminal (80x24) and return (exit code, what it drew)."""
    import fcntl
    import os
    import pty
    import select
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    drawn = b""
    while True:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            proc.kill()
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other end closed: the process is done
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    return proc.wait(), drawn.decode("utf-8", "replace")


@pytest.mark.slow  # two seconds of waiting on other processes: CI runs it
def test_progress_bar_on_a_terminal_moves_inside_one_ndjson_file(tmp_path: Path) -> None:
    src = _ndjson(tmp_path, 400)
    code, drawn = _run_on_a_terminal(
        [str(Path(sys.executable).parent / "dlm-migrate"), str(src), "--dry-run", "--no-validate", "-j", "2"]
    )
    assert code == 0, drawn
    frames = [f for f in drawn.split("\r") if "/400 [" in f]
    assert frames and all("docs/s" in f for f in frames), drawn
    done = [int(m[1]) for f in frames if (m := re.search(r"(\d+)/400 \[", f))]
    assert any(0 < n < 400 for n in done), done  # one file, yet the bar moved while it was converted
    assert re.search(r"<\d\d:\d\d", drawn)  # an ETA
    assert "400 documents in 1 file," in drawn


def test_jobs_default_to_the_cpu_count() -> None:
    import os

    from crosswalk.cli.main import _jobs_default

    assert _jobs_default() == (os.cpu_count() or 1)
    assert "[default: the number of CPUs" in " ".join(run(dlm_migrate, ["--help"]).stdout.split())


def test_shell_completion_completes_commands_and_formats() -> None:
    """The completion the README documents: click's, with format ids for --to."""
    import os

    env = {**os.environ, "_DLM_MIGRATE_COMPLETE": "bash_complete", "COMP_WORDS": "dlm-migrate x.json --to mlm@1.4"}
    r = subprocess.run(
        [str(Path(sys.executable).parent / "dlm-migrate")],
        env={**env, "COMP_CWORD": "3"},
        capture_output=True,
        text=True,
    )
    assert r.stdout.split() == ["plain,mlm@1.4.0"]
    env = {**os.environ, "_CROSSWALK_COMPLETE": "bash_source"}
    r = subprocess.run([str(Path(sys.executable).parent / "crosswalk")], env=env, capture_output=True, text=True)
    assert "complete -o nosort -F _crosswalk_completion crosswalk" in r.stdout


def test_validate_as_json_lists_an_unreadable_document_too(tmp_path: Path) -> None:
    """stdout is the data: a document that cannot be read is an entry (invalid, with its error), not only a line
    on stderr that a program parsing the JSON never sees."""
    (tmp_path / "good.json").write_text(DUMMY.read_text(), encoding="utf-8")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    r = run(main, ["validate", str(tmp_path), "--format", "json"])
    entries = {Path(d["href"]).name: d for d in json.loads(r.stdout)}
    assert set(entries) == {"good.json", "bad.json"} and r.exit_code == 1
    assert entries["bad.json"]["valid"] is False and "invalid JSON" in entries["bad.json"]["error"]
    assert "error:" in r.stderr


@pytest.mark.parametrize("verb", ["detect", "validate"])
def test_detect_and_validate_read_a_pipe_named_as_a_file(tmp_path, verb):
    """A named pipe (what a shell's <(...) gives) is read as stdin is, not resolved to a path that does not exist."""
    import os
    import threading

    fifo = tmp_path / "doc.json"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(DUMMY.read_bytes()))
    writer.start()
    r = CliRunner().invoke(main, [verb, str(fifo)])
    writer.join(timeout=10)
    assert r.exit_code == 0, r.output
    assert "ml-model@1.0.0" in r.output if verb == "detect" else f"{fifo}: valid" in r.output


@pytest.mark.parametrize("option", ["-o", "--report-file"])
def test_an_output_in_a_directory_that_does_not_exist_is_a_usage_error(tmp_path: Path, option: str) -> None:
    """A mistyped directory is said, exit 2, as other tools say it; nothing is created."""
    target = tmp_path / "no" / "such" / "out.json"
    args = [DUMMY, option, target] + (["-o", tmp_path / "doc.json"] if option == "--report-file" else [])
    r = CliRunner().invoke(dlm_migrate, [str(a) for a in args])
    assert r.exit_code == 2 and f"no directory {target.parent} to write it in" in r.stderr
    assert not (tmp_path / "no").exists() and not (tmp_path / "doc.json").exists()


@pytest.mark.parametrize("verb", ["detect", "validate", "migrate"])
def test_a_symlink_loop_is_said_alike_by_every_verb(tmp_path: Path, verb: str) -> None:
    (tmp_path / "a.json").symlink_to(tmp_path / "b.json")
    (tmp_path / "b.json").symlink_to(tmp_path / "a.json")
    r = CliRunner().invoke(main, [verb, str(tmp_path / "a.json")])
    assert r.exit_code == 1
    assert r.stderr.strip() == f"error: {tmp_path / 'a.json'}: cannot read: Too many levels of symbolic links"


def test_a_pipe_among_bulk_inputs_is_a_usage_error(tmp_path: Path) -> None:
    """A pipe takes one document, as stdin does; bulk mode reads files (it is never opened: nothing blocks)."""
    import os

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    r = CliRunner().invoke(dlm_migrate, [str(DUMMY), str(fifo), "--dry-run"])
    assert r.exit_code == 2 and f"{fifo} is a pipe or a device" in r.stderr


@pytest.mark.skipif(not Path("/dev/fd").is_dir(), reason="no /dev/fd")
def test_a_pipe_given_to_the_bulk_engine_is_skipped_and_said(tmp_path: Path) -> None:
    """A shell's <(...) is /dev/fd/N, a link to a pipe that no path names: skipped as a pipe, not 'no such file'."""
    import os

    from crosswalk.bulk.tree import migrate

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    read, write = os.pipe()
    try:
        result = migrate([str(DUMMY), str(fifo), f"/dev/fd/{read}"], dry_run=True, progress=False)
    finally:
        os.close(read)
        os.close(write)
    assert result.summary["documents"] == 1 and not result.failures
    assert [result.plan.href(r) for r in result.plan.skipped] == [str(fifo), f"/dev/fd/{read}"]


def test_validate_calls_a_file_with_nan_invalid_wherever_it_sits(tmp_path: Path) -> None:
    """NaN and the infinities are no JSON (RFC 8259 has no word for them; orjson, serde and JSON.parse refuse the
    file), so a document carrying one is invalid whatever its schema says, with the place named: a file, a line of
    an ndjson file, and a member of a FeatureCollection, each at a pointer into its own document."""
    text = DUMMY.read_text()
    doc = json.loads(text)
    doc["properties"]["loss"] = float("nan")  # a field no schema constrains: the NaN alone decides
    (tmp_path / "one.json").write_text(json.dumps(doc))  # json writes NaN as the bare word NaN
    (tmp_path / "lines.ndjson").write_text(json.dumps(json.loads(text)) + "\n" + json.dumps(doc) + "\n")
    fc = {"type": "FeatureCollection", "features": [json.loads(text), doc]}
    (tmp_path / "fc.json").write_text(json.dumps(fc))
    assert "NaN" in (tmp_path / "one.json").read_text()
    r = run(main, ["validate", tmp_path, "--format", "json"])
    assert r.exit_code == 1
    verdicts = {d["href"].removeprefix(f"{tmp_path}/"): d for d in json.loads(r.stdout)}
    assert {h: v["valid"] for h, v in verdicts.items()} == {
        "one.json": False, "lines.ndjson#L1": True, "lines.ndjson#L2": False,
        "fc.json#/features/0": True, "fc.json#/features/1": False,
    }
    for href in ("one.json", "lines.ndjson#L2", "fc.json#/features/1"):
        errors = [i for i in verdicts[href]["issues"] if i["severity"] == "error"]
        assert [i["path"] for i in errors] == ["/properties/loss"]
        assert errors[0]["message"].startswith("NaN is not JSON")
    doc["properties"]["loss"] = 0.5
    (tmp_path / "one.json").write_text(json.dumps(doc))
    assert run(main, ["validate", tmp_path / "one.json"]).exit_code == 0  # a number there is valid


def test_validate_warns_of_a_key_written_twice_and_keeps_the_verdict(tmp_path: Path) -> None:
    """A key written twice is JSON (readers keep the last value), so the document stays valid; the lost value is
    a warning at its path."""
    text = DUMMY.read_text()
    assert text.count('"id": ') == 1
    twice = tmp_path / "twice.json"
    twice.write_text(text.replace('"id": ', '"id": "first", "id": ', 1))
    r = run(main, ["validate", twice, "--format", "json"])
    assert r.exit_code == 0, r.stdout
    (verdict,) = json.loads(r.stdout)
    assert verdict["valid"]
    assert [(i["path"], i["severity"]) for i in verdict["issues"] if "written 2 times" in i["message"]] == [
        ("/id", "warning")]


@pytest.mark.skipif(not Path("/proc/version").is_file(), reason="needs Linux's /proc")
def test_a_file_that_cannot_be_written_is_named_as_given_not_by_the_temporary_file() -> None:
    r = run(dlm_migrate, [DUMMY, "-o", "/proc/version", "-q"])  # no file can be created beside it
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.startswith("error: /proc/version: cannot write a temporary file beside it: ")
    assert ".cwtmp" not in r.stderr


def test_a_pipe_in_a_path_does_not_split_a_markdown_table_row(tmp_path: Path) -> None:
    doc = json.loads(DUMMY.read_text())
    doc["assets"]["m|x"] = doc["assets"].pop("model")
    src = tmp_path / "pipe.json"
    src.write_text(json.dumps(doc))
    r = run(dlm_migrate, [src, "-o", tmp_path / "out.json", "--report", "markdown", "-v"])
    rows = [line for line in r.stderr.splitlines() if line.startswith("| ")]
    assert any("m\\|x" in row for row in rows)
    for row in rows:  # four cells: five bars a cell can end at, none escaped
        assert len(re.findall(r"(?<!\\)\|", row)) == 5, row


def test_detect_says_once_that_a_version_is_newer_than_the_newest_known() -> None:
    newer = CORPORA / "producers" / "stac-model-0.7.0-eurosat_resnet.json"  # MLM 1.6.0
    r = run(main, ["detect", newer])
    assert r.exit_code == 0
    (line,) = r.stdout.splitlines()
    assert line.count("newer than the newest known") == 1 and "v1.6.0" in line
