"""Docs are generated from the code and the YAML, and must not drift."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT

from crosswalk.cli.main import main


def test_readme_is_cog_fresh() -> None:
    r = subprocess.run([sys.executable, "-m", "cogapp", "--check", "README.md"], cwd=ROOT, capture_output=True,
                       text=True)
    assert r.returncode == 0, "README.md is stale: run `cog -r README.md`\n" + r.stdout + r.stderr


def test_readme_starts_with_two_setup_commands() -> None:
    text = (ROOT / "README.md").read_text()
    block = text.split("```sh\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert block == ["python3 -m pip install '.[test]'", "python3 -m pytest"]
    assert "exactly as the README says" in (ROOT / ".ci" / "run").read_text()


def test_every_command_has_help_in_the_readme() -> None:
    text = (ROOT / "README.md").read_text()
    for name, cmd in main.commands.items():
        assert cmd.help, name
        assert f"crosswalk {name}" in text


def test_every_mapping_has_a_field_table() -> None:
    from crosswalk.language.edges import load_mappings

    text = (ROOT / "README.md").read_text()
    for m in load_mappings():
        name, _, side = m.location.partition(" ")
        assert f"`mappings/{name}` {side} — {m.summary}" in text


def test_readme_names_nothing_that_does_not_ship() -> None:
    import re

    text = (ROOT / "README.md").read_text()
    found = re.findall(r"design\.md|design §|research §|research notes|seed 0\d\d|issue notes|\bissue \d+", text)
    assert not found, found


def test_transform_rows_carry_the_whole_first_paragraph() -> None:
    """A transform's description in the guide is its docstring's first paragraph, not its first line."""
    from crosswalk.language.edges import load_mappings
    from crosswalk.transforms import REGISTRY

    text = (ROOT / "README.md").read_text()
    names = {r.args["name"] for m in load_mappings() for r in m.rules if r.op == "transform"}
    multiline = 0
    for name in names:
        doc = REGISTRY[name].fn.__doc__ or ""
        summary = re.sub(r"``([^`]+)``", r"`\1`", REGISTRY[name].description)  # a reST literal: a code span
        assert summary.replace("|", "\\|") in text, name
        multiline += "\n" in doc.strip().split("\n\n", 1)[0]
    assert multiline > 0  # some summaries run over several lines: the case that was cut


def test_cli_reference_is_the_help_of_every_command() -> None:
    from crosswalk.cli.reference import cli_help

    text = (ROOT / "README.md").read_text()
    assert cli_help() in text
    for name in main.commands:
        assert f"#### `crosswalk {name}`" in text
    assert "#### `dlm-migrate`" in text


def test_cli_reference_names_each_subcommand_once() -> None:
    from crosswalk.cli.reference import cli_help

    text = cli_help()
    for name in main.commands:
        assert re.search(rf"^Usage: crosswalk {name} \[OPTIONS\]", text, re.M), name
    assert not re.search(r"^Usage: crosswalk (\S+) \1 ", text, re.M)


def test_field_guide_rows_show_no_empty_code_span_or_rest_literal() -> None:
    """A guard on the empty pointer (the value an `each` rule works on) reads "the value itself", an empty string
    value reads `""`, and a docstring's reST literal (``x``) is a Markdown code span in the rows: none leaves ``
    behind, which Markdown shows as nothing or as stray backticks."""
    from crosswalk.engine.ops import Guard

    assert Guard.describe({"type": {"": "object"}}) == "when the value itself is an object"
    assert Guard.describe({"equals": {"/a": ""}}) == 'when `/a` = `""`'
    rows = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("|")]
    assert not [line for line in rows if "``" in line]
