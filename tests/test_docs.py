"""Docs are generated from the code and the YAML, and must not drift."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

from crosswalk.cli import main


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
    from crosswalk.spec import load_mappings

    text = (ROOT / "README.md").read_text()
    for m in load_mappings():
        assert f"`mappings/{m.id}.yaml`" in text
