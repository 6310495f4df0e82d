from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT / "corpora"
SHARED = Path(os.environ.get("CROSSWALK_SHARED", ROOT.parent / "shared"))
# Every transform run by a test is checked against what it declares it reads and writes (engine/writes.py).
os.environ.setdefault("CROSSWALK_CHECK_WRITES", "1")

# Properties draw 40 examples in a thorough run (CI, --runslow), 20 in the default run (pytest_configure).
settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fast", max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


def pytest_addoption(parser):
    parser.addoption("--regen", action="store_true", help="rewrite the golden files under corpora/expected")
    parser.addoption("--runslow", action="store_true", help="run tests marked slow (always on when CI is set)")


# Whether this run is thorough (CI, --runslow): slow tests run, and properties draw their full example counts.
THOROUGH = bool(os.environ.get("CI"))


def examples(count: int) -> int:
    """A property's example count: ``count`` in a thorough run, a quarter of it (never below 40) in the default
    run, which stays fast. Evaluated when a test module is imported, after ``pytest_configure``."""
    return count if THOROUGH else max(count // 4, 40)


def pytest_configure(config):
    global THOROUGH
    config.addinivalue_line("markers", "slow: long-running test; run with --runslow or when CI is set")
    THOROUGH = THOROUGH or config.getoption("--runslow")
    settings.load_profile("ci" if THOROUGH else "fast")


def pytest_collection_modifyitems(config, items):
    # Slow tests run in CI (.ci/run sets CI) and with --runslow; the default run stays fast. It deselects them
    # rather than skipping them: a skipped test still goes through setup, a report and (under xdist) a message to
    # the controlling process, which for the few thousand slow cases cost more CPU than many of the tests run.
    if THOROUGH:
        return
    slow = [item for item in items if "slow" in item.keywords]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if "slow" not in item.keywords]


def pytest_report_header(config):
    if not THOROUGH:
        return "slow tests are deselected: run them with --runslow (CI runs them)"


@pytest.fixture
def regen(request) -> bool:
    return request.config.getoption("--regen")


def corpus_inputs() -> list[Path]:
    return sorted(
        p for p in CORPORA.glob("*/*") if p.parent.name != "expected" and p.suffix in (".json", ".yaml", ".yml")
    )


def shared_files(*patterns: str) -> list[Path]:
    if not SHARED.is_dir():
        return []
    out: list[Path] = []
    for pat in patterns:
        out.extend(sorted(SHARED.glob(pat)))
    return out


def case_name(path: Path) -> str:
    """A corpus file as test ids and messages name it: ``corpora/...`` or ``shared/...``, else its path."""
    for base, label in ((CORPORA, "corpora"), (SHARED, "shared")):
        if path.is_relative_to(base):
            return f"{label}/{path.relative_to(base).as_posix()}"
    return str(path)


needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not present")


def small_mlm_item(version: str = "1.5.2", **props) -> dict:
    """A small valid MLM Item declaring ``version``, its input without bands; keyword arguments replace or add
    Item properties."""
    from crosswalk.language.formats import registry

    doc = {
        "stac_version": "1.0.0",
        "stac_extensions": [registry().families["mlm"].uri(version)],
        "type": "Feature",
        "id": "m",
        "geometry": None,
        "properties": {
            "datetime": "2024-01-01T00:00:00Z",
            "mlm:name": "model-x",
            "mlm:architecture": "ResNet",
            "mlm:tasks": ["classification"],
            "mlm:input": [{"name": "in", "bands": [],
                           "input": {"shape": [-1, 3, 8, 8], "dim_order": ["batch", "channel", "height", "width"],
                                     "data_type": "float32"}}],
            "mlm:output": [{"name": "out", "tasks": ["classification"],
                            "result": {"shape": [-1, 2], "dim_order": ["batch", "class"], "data_type": "float32"}}],
        },
        "links": [],
        "assets": {"model": {"href": "m.pt", "type": "application/octet-stream", "roles": ["mlm:model"],
                             "mlm:artifact_type": "torch.save"}},
    }
    doc["properties"].update(props)
    return doc
