"""Reports and outputs stay byte-identical: a regression fixture of the reports of the code before
account-by-exception (the ledger that enumerated every source leaf up front and checked coverage on every run).

``fixtures/report_digests.json`` holds, for every document of the every-direction sweep (the project corpus, the
real documents and the official examples under ../shared), converted to every target of that sweep without and with
``keep_source``, and back to the source's format: a SHA-256 (first 16 hex digits) of the JSON report exactly as
the CLI prints it (``render(report, "json")``, key order included), of the text report, and of the output
document serialised in its own key order; a failed conversion records its error class and message instead. A
document read with text repairs (a // comment, a trailing comma) is also converted the way ``convert_file`` does
it, so the repaired entries and their counts are covered too.

The fixture was written by this module (``python3 tests/test_report_identity.py --write``) from the code before
the change and must not be rewritten to make this test pass: a mismatch means a report or an output changed. A
fixed bug that changes outcomes rewrites those outcomes alone, and a test of its own pins the new behaviour.
The default run checks a fixed subset of fifteen documents (two of them with cached mappings alone); the full set
is slow.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED
from test_every_direction import TARGETS, _all_files, _documents, _name

from crosswalk import pipeline
from crosswalk.engine.report import render

FIXTURE = Path(__file__).parent / "fixtures" / "report_digests.json"

# Fifteen documents of the sweep that between them take every family through every mapping: each project corpus
# family, MLM 1.0-1.5, both text-repaired dlm files, a Collection, producers' documents and real documents.
FAST = [
    "corpora/dlm/readme-tables-item.json",
    "corpora/dlm-beta/spec-beta2-item.yml",
    "corpora/dlm-beta/spec-beta2-item-with-comments.jsonc",
    "corpora/dlm-beta/sentinel-hub-ml-lightgbm.jsonc",
    "corpora/dlm-beta/cccot03-thelper-item.json",
    "corpora/ml-model/spec-dummy-item.json",
    "corpora/ml-model/agrifieldnet-gold-collection.json",
    "corpora/mlm/spec-1.0.0-item_basic.json",
    "corpora/mlm/spec-1.2.0-item_eo_bands.json",
    "corpora/mlm/spec-1.3.0-item_raster_bands.json",
    "corpora/mlm/spec-1.4.0-item_multi_io.json",
    "corpora/mlm/spec-1.5.1-item_pytorch_geo_unet.json",
    "corpora/mlm/wherobots-mlm-form-test.json",
    "corpora/producers/stac-model-0.1.2-eurosat_resnet.json",
    "corpora/producers/pystac-1.15.2-mlm-collection.json",
]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _outcome(result: pipeline.Result, href: str | None = None) -> str:
    """One line per conversion: the digests of its report and output, or its error."""
    if result.error is not None:
        message = str(result.error)
        if href:
            message = message.replace(href, "<href>")
        return f"error {type(result.error).__name__} {_digest(message)}"
    report = result.report
    if href:  # convert_file names the file by its absolute path: the digest must not depend on the checkout
        report = {**report, "source": {**report["source"], "href": "<href>"}}
    document = json.dumps(result.document, ensure_ascii=False)
    return f"report {_digest(render(report, 'json'))} text {_digest(render(report, 'text'))} doc {_digest(document)}"


def document_outcomes(path: Path) -> dict[str, dict[str, str]]:
    """{document name: {case: outcome}} for every document in ``path``, every target, with and without
    keep_source, and back to the source's format."""
    from crosswalk.io.documents import read_document_repairs

    out: dict[str, dict[str, str]] = {}
    _, repairs = read_document_repairs(str(path), lenient=True)
    documents = _documents(path)
    for name, doc in documents:
        cases: dict[str, str] = {}
        for target in TARGETS:
            result = pipeline.convert(doc, href=name, to=target)
            cases[target] = _outcome(result)
            if result.ok and result.steps:
                back = pipeline.convert(result.document, href=f"{name} via {target}", to=str(result.detection.format))
                cases[f"{target} back"] = _outcome(back)
            cases[f"{target} keep-source"] = _outcome(pipeline.convert(doc, href=name, to=target, keep_source=True))
            if repairs and len(documents) == 1:
                cases[f"{target} file"] = _outcome(pipeline.convert_file(str(path), to=target), href=str(path))
        out[name] = cases
    return out


def _load() -> dict[str, dict[str, str]]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _files_named(names: set[str]) -> list[Path]:
    return [p for p in _all_files() if _name(p) in names]


def _compare(path: Path, expected: dict[str, dict[str, str]]) -> None:
    got = document_outcomes(path)
    for name, cases in got.items():
        assert name in expected, f"{name} is not in the fixture"
        changed = [f"{case}: {expected[name].get(case)} -> {outcome}" for case, outcome in cases.items()
                   if expected[name].get(case) != outcome]
        missing = sorted(set(expected[name]) - set(cases))
        assert not changed and not missing, f"{name}: {len(changed)} changed, missing {missing}\n" + "\n".join(
            changed[:10]
        )


def test_the_fast_subset_is_in_the_sweep() -> None:
    assert len(_files_named(set(FAST))) == len(FAST)


# The two documents the cached-mapping run below compares in the default run are slow cases here: their outcomes
# are checked against the same fixture there, with mappings as a run after the first reads them.
CACHED = {"corpora/dlm/readme-tables-item.json", "corpora/mlm/spec-1.4.0-item_multi_io.json"}


@pytest.mark.parametrize("path", [pytest.param(p, id=_name(p), marks=pytest.mark.slow if _name(p) in CACHED else ())
                                  for p in _files_named(set(FAST))])
def test_reports_and_outputs_are_unchanged(path: Path) -> None:
    _compare(path, _load())


@pytest.fixture
def mappings_from_the_disk_cache(monkeypatch):
    """Every loaded mapping as a run after the first gets it: pickled to the on-disk cache and read back (what
    survives in memory, such as the identity of a module constant, does not survive that)."""
    from crosswalk import cache

    loaded: dict = {}

    def once(name, load):
        if name not in loaded:
            loaded[name] = pickle.loads(pickle.dumps(load(), pickle.HIGHEST_PROTOCOL))
        return loaded[name]

    monkeypatch.setattr(cache, "once", once)


@pytest.mark.parametrize("path", _files_named(CACHED), ids=_name)
def test_reports_and_outputs_are_unchanged_with_cached_mappings(path: Path, mappings_from_the_disk_cache) -> None:
    _compare(path, _load())


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not present")
@pytest.mark.parametrize("path", [p for p in _all_files() if _name(p) not in FAST], ids=_name)
def test_reports_and_outputs_of_every_document_are_unchanged(path: Path, mappings_from_the_disk_cache) -> None:
    _compare(path, _load())


def test_the_fixture_covers_the_whole_sweep() -> None:
    """The fixture holds every document of the sweep (a document added later needs its digests written)."""
    expected = _load()
    names = {name for path in _all_files() for name, _ in _documents(path)}
    assert names <= set(expected), sorted(names - set(expected))[:5]


def write() -> None:
    """Write the fixture from the code as it is now (only ever from the code before a change)."""
    out: dict[str, Any] = {}
    for path in _all_files():
        out.update(document_outcomes(path))
    FIXTURE.write_text(json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(out)} documents, {sum(len(c) for c in out.values())} conversions -> {FIXTURE}", file=sys.stderr)


def check() -> int:
    """Compare the whole sweep with the fixture outside pytest (tests/test_compiled.py runs it against an
    installed build): the file the ledger was imported from, then one line per changed document; 1 if any."""
    from crosswalk.engine import ledger

    print(ledger.__file__)
    expected, changed, seen = _load(), 0, 0
    for path in _all_files():
        for name, cases in document_outcomes(path).items():
            seen += 1
            if cases != expected.get(name):
                changed += 1
                print(f"changed: {name}")
    print(f"{changed} of {seen} documents changed")
    return 1 if changed else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    elif sys.argv[1:] == ["--check"]:
        sys.exit(check())
    else:
        sys.exit("usage: python3 tests/test_report_identity.py --write | --check")
