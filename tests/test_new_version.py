"""A new version through the scaffold alone: `crosswalk new-version mlm@1.9.0 --from mlm@1.5.2 --schema FILE` in a
copy of the project (the package and its mappings; the installed package is never touched) writes one step file,
one registry entry and the vendored schema, and with no other edit the generic checks hold for the new version:
plans both ways, conversions up and down with the engine guard, the way back, a round trip, validation against
the new schema, detection, the guide. The schema is a test fixture: the MLM 1.5.2 schema with one new optional
field (``mlm:energy_kwh``) under its own URI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPORA, ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "mlm-1.9.0.schema.json"
CLI = [sys.executable, "-c", "from crosswalk.cli.main import main; main()"]

# What the copy checks, in its own interpreter (the copied package, its mappings and schemas).
CHECKS = r"""
import copy, json, sys
from pathlib import Path
import crosswalk
assert Path(crosswalk.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), crosswalk.__file__

from crosswalk import pipeline
from crosswalk.engine import roundtrip
from crosswalk.language.docs import field_tables, graph_listing
from crosswalk.language.formats import Format, registry
from crosswalk.detection import detect
from crosswalk.io.documents import read_document_repairs
from crosswalk.engine.report import coverage_problems, dangling_pointers, ledger_problems
from crosswalk.validation.validator import check

NEW = Format("mlm", "1.9.0")
mlm = registry().families["mlm"]
assert mlm.latest == "1.9.0" and Format.parse("mlm") == NEW, mlm.latest
URI = mlm.uri("1.9.0")
assert URI == "https://stac-extensions.github.io/mlm/v1.9.0/schema.json", URI
everything = [str(f) for f in registry().formats()]

# plan: the new step at the end of every way up, and a way from the new version to every format
plan = pipeline.plan(Format("mlm", "1.0.0"), NEW)
assert plan[-1].id == "mlm_1.5.2__mlm_1.9.0" and len(plan) == 8, [e.id for e in plan]
for target in everything:
    pipeline.plan(NEW, Format.parse(target))
assert pipeline.plan(NEW, Format("mlm", "1.5.2"))[0].id == "mlm_1.9.0__mlm_1.5.2"

def checked(doc, target, href, keep_source=False):
    result = pipeline.convert(doc, href=href, to=target, verify=True, keep_source=keep_source)
    assert result.error is None, f"{href} -> {target}: {result.error}"
    fields = result.report["fields"]
    assert dangling_pointers(result.document, fields) == [], (href, target)
    assert coverage_problems(doc, result.document, fields) == [], (href, target)
    assert ledger_problems(doc, result.document, fields) == [], (href, target)
    return result

counts = {"up": 0, "down": 0, "back": 0, "roundtrip": 0}
for name in sys.argv[2:]:
    doc, _ = read_document_repairs(name, lenient=True)
    # upgrade: to the family's latest, which is now the new version, valid against its vendored schema
    up = checked(doc, "mlm", name)
    assert up.target == NEW and up.valid, (name, up.report.get("validation"))
    assert URI in up.document["stac_extensions"], up.document["stac_extensions"]
    assert detect(up.document).format == NEW and detect(up.document).newer is None
    counts["up"] += 1
    # downgrade: from the new version to every format, and back to the new version
    for target in everything:
        down = checked(up.document, target, f"{name} via mlm@1.9.0")
        if str(down.target) != str(NEW):
            counts["down"] += 1
            back = checked(down.document, str(NEW), f"{name} via {target}")
            assert back.document["stac_extensions"].count(URI) == 1
            counts["back"] += 1
    checked(up.document, "mlm@1.5.2", name, keep_source=True)
    # round trip through the new version
    assert "exact" in roundtrip.roundtrip(doc, "mlm@1.9.0")
    counts["roundtrip"] += 1

# the new optional field: valid at 1.9.0 (the vendored schema is the one used), unknown to 1.5.2
doc = json.loads(Path(sys.argv[2]).read_text()) if sys.argv[2].endswith(".json") else None
up = checked(doc, "mlm", "new-field")
with_field = copy.deepcopy(up.document)
with_field["properties"]["mlm:energy_kwh"] = 12.5
assert not [i for i in check(with_field) if i.severity == "error"], check(with_field)
old = copy.deepcopy(with_field)
old["stac_extensions"] = [mlm.uri("1.5.2") if u == URI else u for u in old["stac_extensions"]]
assert any(i.severity == "error" for i in check(old))

# a version newer than the new latest is read as it
newer = copy.deepcopy(up.document)
newer["stac_extensions"] = [u.replace("v1.9.0", "v1.9.1") for u in newer["stac_extensions"]]
found = detect(newer)
assert found.format == NEW and found.newer == "1.9.1", found
# read as the new version: its own new field is known (from its schema), a field it does not define is not
newer["properties"]["mlm:energy_kwh"] = 3.0
newer["properties"]["mlm:from_the_future"] = 1
read = pipeline.convert(newer, to="mlm@1.9.0")
assert read.error is None and read.document["properties"]["mlm:energy_kwh"] == 3.0, read.error
assert "mlm:from_the_future" not in read.document["properties"] and URI in read.document["stac_extensions"]

# the guide shows the new step both ways
tables, listing = field_tables(), graph_listing()
assert "`mappings/mlm_1.5.2__mlm_1.9.0.yaml` (up)" in tables and "`mappings/mlm_1.5.2__mlm_1.9.0.yaml` (down)" in tables
assert "mlm@1.9.0 -> mlm@1.5.2" in listing and "mlm@1.5.2 -> mlm@1.9.0" in listing
print(json.dumps(counts))
"""

DOCUMENTS = [
    "mlm/spec-1.5.1-item_pytorch_geo_unet.json",
    "ml-model/spec-dummy-item.json",
    "dlm-beta/spec-beta3-item.json",
    "mlm/spec-1.2.0-item_eo_bands.json",
]


def _run(args: list[str], tree: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(tree), CROSSWALK_NO_CACHE="1")
    return subprocess.run(args, env=env, cwd=tree, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    tree = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "crosswalk", tree / "crosswalk", ignore=shutil.ignore_patterns("__pycache__", "_mappings"))
    shutil.copytree(ROOT / "mappings", tree / "mappings")
    before = {p.relative_to(tree) for p in tree.rglob("*") if p.is_file()}
    proc = _run([*CLI, "new-version", "mlm@1.9.0", "--from", "mlm@1.5.2",
                 "--schema", str(FIXTURE)], tree)
    assert proc.returncode == 0, proc.stderr
    after = {p.relative_to(tree) for p in tree.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    return tree, proc, after - before


def test_the_scaffold_writes_one_step_file_one_registry_entry_and_the_schema(scaffolded) -> None:
    tree, proc, new_files = scaffolded
    step = Path("mappings/mlm_1.5.2__mlm_1.9.0.yaml")
    schema = Path("crosswalk/schemas/stac-extensions.github.io/mlm/v1.9.0/schema.json")
    assert new_files == {step, schema}
    assert json.loads((tree / schema).read_text()) == json.loads(FIXTURE.read_text())
    index = json.loads((tree / "crosswalk/schemas/index.json").read_text())["schemas"]
    vendored = str(schema.relative_to("crosswalk/schemas"))
    assert index["https://stac-extensions.github.io/mlm/v1.9.0/schema.json"] == vendored
    notice = (tree / "crosswalk/schemas/NOTICE.md").read_text().split("\n")
    row = next(i for i, line in enumerate(notice) if "v1.9.0/schema.json" in line)
    # a row of the provenance table, right after its last one (not after the file's last paragraph)
    assert notice[row - 1].startswith("| ") and not notice[row + 1].startswith("|")
    assert notice.index("## Provenance") < row < notice.index("### The PROJJSON stub")
    formats = (tree / "mappings/formats.yaml").read_text()
    assert "1.5.2, 1.9.0]" in formats and "latest: 1.9.0" in formats
    original = (ROOT / "mappings/formats.yaml").read_text()
    assert [l for l in formats.splitlines() if l not in original.splitlines()] == [  # noqa: E741
        "    latest: 1.9.0", "    versions: [1.0.0, 1.1.0, 1.2.0, 1.3.0, 1.4.0, 1.5.0, 1.5.1, 1.5.2, 1.9.0]"]
    assert "to do:" in proc.stderr and "NOTICE.md" in proc.stderr
    assert "1.9.0" not in (ROOT / "mappings/formats.yaml").read_text()  # the project itself is untouched


@pytest.mark.slow  # seconds of CPU each: CI runs it
def test_the_generic_checks_hold_for_the_scaffolded_version(scaffolded) -> None:
    tree, _, _ = scaffolded
    docs = [str(CORPORA / d) for d in DOCUMENTS]
    proc = _run([sys.executable, "-c", CHECKS, str(tree), *docs], tree)
    assert proc.returncode == 0, proc.stderr[-3000:]
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    assert counts["up"] == len(DOCUMENTS) and counts["roundtrip"] == len(DOCUMENTS)
    assert counts["down"] == counts["back"] >= len(DOCUMENTS) * 10


def test_the_scaffold_refuses_a_known_or_older_version(scaffolded) -> None:
    tree, _, _ = scaffolded
    for args in (["mlm@1.9.0", "--from", "mlm@1.5.2"], ["mlm@1.5.3", "--from", "mlm@1.9.0"],
                 ["mlm@1.9.5", "--from", "ml-model@1.0.0"], ["nope@1.0.0", "--from", "mlm@1.5.2"]):
        proc = _run([*CLI, "new-version", *args], tree)
        assert proc.returncode == 2 and proc.stderr.strip(), (args, proc.stderr)


def test_a_scaffold_that_cannot_finish_leaves_every_file_as_it_was(tmp_path: Path) -> None:
    tree = tmp_path / "project"
    shutil.copytree(ROOT / "crosswalk", tree / "crosswalk", ignore=shutil.ignore_patterns("__pycache__", "_mappings"))
    shutil.copytree(ROOT / "mappings", tree / "mappings")

    def snapshot() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in tree.rglob("*") if p.is_file() and "__pycache__" not in p.parts}

    before = snapshot()
    proc = _run([*CLI, "new-version", "mlm@1.6.0/x", "--from", "mlm@1.5.2"], tree)  # not a version
    assert proc.returncode == 2 and "1.6.0" in proc.stderr
    assert snapshot() == before
    # the schema cannot be copied where its URI says (a directory is in the way): the registry entry and the step
    # file written before are taken back
    blocker = tree / "crosswalk" / "schemas" / "stac-extensions.github.io" / "mlm" / "v1.9.1" / "schema.json"
    blocker.mkdir(parents=True)
    before = snapshot()
    proc = _run([*CLI, "new-version", "mlm@1.9.1", "--from", "mlm@1.5.2", "--schema", str(FIXTURE)], tree)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    assert snapshot() == before
    assert _run([*CLI, "plan", "--from", "mlm@1.5.2", "--to", "mlm"], tree).returncode == 0


@pytest.mark.slow  # a copy of the package and a few CLI runs: CI runs it
def test_a_version_scaffolded_without_its_schema_still_converts_every_mlm_version_to_it(tmp_path: Path) -> None:
    """No schema published yet (the scaffold lists it as to do): the conversions that land on the new version
    read its fields from the newest version that has a schema, instead of failing on the missing one (every
    MLM 1.0-1.3 document, whose way passes the 1.4 step that asks for them, did)."""
    tree = tmp_path / "project"
    shutil.copytree(ROOT / "crosswalk", tree / "crosswalk", ignore=shutil.ignore_patterns("__pycache__", "_mappings"))
    shutil.copytree(ROOT / "mappings", tree / "mappings")
    proc = _run([*CLI, "new-version", "mlm@1.6.0", "--from", "mlm@1.5.2"], tree)
    assert proc.returncode == 0 and "schema" in proc.stderr, proc.stderr
    for name in ("mlm/spec-1.0.0-item_basic.json", "mlm/spec-1.3.0-item_raster_bands.json"):
        run = _run([*CLI, "migrate", str(CORPORA / name), "--to", "mlm@1.6.0", "-o", str(tmp_path / "out.json")], tree)
        assert "internal error" not in run.stderr and "RuleError" not in run.stderr, run.stderr
        assert "https://stac-extensions.github.io/mlm/v1.6.0/schema.json" in json.loads(
            (tmp_path / "out.json").read_text())["stac_extensions"]


def _code_strings(path: Path):
    """(line, text) of every string constant in a module that is no docstring."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.lineno, node.value


def test_no_version_of_a_model_family_is_written_in_the_engine_language_or_transforms() -> None:
    """Version facts live in the format registry and the step files: no string in the code of the engine, the mapping
    language or the transforms names a version of a registry family (``mlm@1.3.0``, a family schema URI, a bare
    ``1.3.0``). A new version then needs no Python edit, and a fact about an old one is changed in one place."""
    import re

    from crosswalk.language.formats import registry

    families = list(registry().families.values())
    found = []
    for part in ("engine", "language", "transforms"):
        for path in sorted((ROOT / "crosswalk" / part).rglob("*.py")):
            for line, text in _code_strings(path):
                hits = [f"{f.name}@{v}" for f in families for v in f.versions if f"{f.name}@{v}" in text]
                hits += [u for u in re.findall(r"https?://[^\s'\"]+", text) if any(f.match(u) for f in families)]
                hits += [v for f in families for v in f.versions
                         if re.search(rf"(?<![\w.@/-]){re.escape(v)}(?![\w.-])", text)]
                if hits:
                    found.append(f"{path.relative_to(ROOT)}:{line}: {hits}")
    assert not found, "\n".join(found)
