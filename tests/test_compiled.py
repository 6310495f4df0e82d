"""The compiled build: a wheel compiles the modules listed under ``compiled`` in pyproject.toml with Cython
(hatch_build.py), and they ship beside their .py files. The rest of the suite runs the source tree; these tests
look at the installed package instead, from a fresh interpreter that cannot see the checkout.

* An installed wheel built with a compiler has every listed module as an extension, and no other (CI installs the
  README's way on a machine with a compiler, so there a pure-Python wheel is a failure: the build hook fell back).
* The compiled modules give the same reports and outputs as the source tree: the identity sweep (every document of
  the sweep, every direction, against the fixture) runs in the installed package.
* Where a .pxd types a value (the Ledger of a Ctx), None there raises as in Python instead of crashing.
An editable install, or none, runs the source tree: nothing compiled to check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LISTED = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]["targets"][
    "wheel"]["hooks"]["custom"]["compiled"]
MODULES = [path[: -len(".py")].replace("/", ".").removesuffix(".__init__") for path in LISTED]
EXTENSION = ".so" if os.name == "posix" else ".pyd"

# Run by a fresh interpreter: -E and -s ignore PYTHONPATH and the user's site, and the working directory is not the
# checkout, so `import crosswalk` finds the installed package.
_PROBE = """
import importlib, importlib.metadata as md, json, os, sys
import crosswalk
try:
    dist = md.distribution("crosswalk")
except md.PackageNotFoundError:
    print(json.dumps(None)); sys.exit()
direct = json.loads(dist.read_text("direct_url.json") or "{}")
top = os.path.dirname(crosswalk.__file__)
print(json.dumps({"editable": direct.get("dir_info", {}).get("editable", False),
                  "pure": "Root-Is-Purelib: true" in (dist.read_text("WHEEL") or ""),
                  "package": crosswalk.__file__,
                  "files": {m: importlib.import_module(m).__file__ for m in sys.argv[1:]},
                  "extensions": sorted(os.path.relpath(os.path.join(d, f), top) for d, _, names in os.walk(top)
                                       for f in names if f.endswith((".so", ".pyd")))}))
"""

def _fresh(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-E", "-s", *args], cwd=cwd, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """What the installed package is, skipping when it is the source tree (editable, or not installed)."""
    proc = _fresh("-c", _PROBE, *MODULES, cwd=tmp_path_factory.mktemp("probe"))
    if proc.returncode:
        pytest.skip(f"crosswalk is not importable outside the checkout: {proc.stderr.strip().splitlines()[-1:]}")
    found = json.loads(proc.stdout)
    if found is None or found["editable"] or Path(found["package"]).resolve().parent == ROOT / "crosswalk":
        pytest.skip("crosswalk runs from the source tree (an editable install): nothing compiled to check")
    if found["pure"]:
        if os.environ.get("CI"):
            pytest.fail("the installed wheel is pure Python: the build hook did not compile (see pip's output)")
        pytest.skip("the installed wheel is pure Python (built without a compiler, or CROSSWALK_PURE_PYTHON)")
    return found


def test_the_listed_modules_exist() -> None:
    assert LISTED and all((ROOT / path).is_file() for path in LISTED), LISTED


def test_every_listed_module_is_compiled_and_no_other(installed) -> None:
    imported = {m for m, f in installed["files"].items() if f.endswith(EXTENSION)}  # what Python actually loads
    assert imported == set(MODULES), sorted(set(MODULES) - imported)
    shipped = {path.split(".")[0].replace(os.sep, "/") for path in installed["extensions"]}
    assert shipped == {path[len("crosswalk/"): -len(".py")] for path in LISTED}, sorted(shipped)


# Each kind of ledger event on a Ctx without a ledger (typed as a Ledger in ctx.pxd), and rules run without a Ctx
# (typed as a Ctx in ops.pxd): None there must raise as in Python (nonecheck), never crash the interpreter.
_NO_LEDGER = """
from types import SimpleNamespace
from crosswalk.engine.ctx import Ctx
from crosswalk.engine.ops import apply
for event in ("remove", "moved", "dropped", "step", "apply"):
    ctx = Ctx({"a": {"b": 1}, "c": 2}, None)
    try:
        {"remove": lambda: ctx.remove(("a",), "why"), "moved": lambda: ctx.moved(("a",), ("c",)),
         "dropped": lambda: ctx.dropped(("c",), "why"), "step": lambda: ctx.step,
         "apply": lambda: apply(SimpleNamespace(id="m", rules=()), None)}[event]()
    except AttributeError as e:
        print(event, "AttributeError", e)
"""


def test_a_typed_none_raises_as_in_python(installed, tmp_path) -> None:
    proc = _fresh("-c", _NO_LEDGER, cwd=tmp_path)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])  # a crash is a negative signal number
    assert [line.split()[:2] for line in proc.stdout.splitlines()] == [
        [event, "AttributeError"] for event in ("remove", "moved", "dropped", "step", "apply")], proc.stdout


@pytest.mark.slow
def test_the_compiled_modules_give_identical_reports_and_outputs(installed, tmp_path) -> None:
    proc = _fresh(str(ROOT / "tests" / "test_report_identity.py"), "--check", cwd=tmp_path)
    lines = proc.stdout.splitlines()
    assert lines and lines[0] == installed["files"]["crosswalk.engine.ledger"], (lines[:1], proc.stderr[-2000:])
    assert lines[0].endswith(EXTENSION)
    assert proc.returncode == 0, "\n".join(lines[-20:]) + proc.stderr[-2000:]
    assert lines[-1].startswith("0 of ") and int(lines[-1].split()[2]) > 100, lines[-1]
