"""The command line: exit codes, stdout for data and stderr for diagnostics, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPORA

from crosswalk.cli import dlm_migrate, main

DUMMY = CORPORA / "ml-model" / "spec-dummy-item.json"
MLM10 = CORPORA / "mlm" / "spec-1.0.0-item_basic.json"


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


def test_usage_error_exits_2() -> None:
    assert CliRunner().invoke(dlm_migrate, ["--to"]).exit_code == 2
    assert CliRunner().invoke(main, ["migrate", str(DUMMY), "--report", "yaml"]).exit_code == 2


def test_unknown_target_is_a_clear_error() -> None:
    r = run(dlm_migrate, [DUMMY, "--to", "mlm@7.0.0"])
    assert r.exit_code == 1 and "unknown version 'mlm@7.0.0'" in r.stderr


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
    r = run(main, ["plan", "--from", "mlm@1.5.2", "--to", "ml-model"])  # the reverse edge (issue 4)
    assert r.exit_code == 0 and "mlm_1.5.2__ml-model_1.0.0.yaml" in r.stdout


def test_validate_reports_and_exits(tmp_path: Path) -> None:
    assert run(main, ["validate", DUMMY]).exit_code == 0
    r = run(main, ["validate", MLM10, "--format", "json"])
    data = json.loads(r.stdout)
    assert data[0]["issues"] and r.exit_code == 1  # classification_classes typo is a lint error


def test_markdown_report() -> None:
    r = run(dlm_migrate, [DUMMY, "--report", "markdown"])
    assert r.exit_code == 0 and "| status | path | to | reason |" in r.stderr
