"""Structural fuzzing under hypothesis: corpus documents mutated the way broken or hostile files are (wrong types
at any path, lists for objects, deep nesting, huge and NaN numbers, lone surrogates, duplicate keys; the
mutations of benchmarks/fuzz.py, which runs 20,000 of them) go through the command's own entry point.

Properties: no exception escapes and no traceback is printed; a bad document is exit 1 (never 2, a usage
error); the input file keeps its bytes; nothing is written but ``-o`` and ``--report-file``; what is written is
standard JSON; converting the output again changes nothing; the library never mutates the dict it is given.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT
from hypothesis import given
from hypothesis import strategies as st

from crosswalk import pipeline
from crosswalk.cli.main import dlm_migrate

_spec = importlib.util.spec_from_file_location("crosswalk_fuzz", ROOT / "benchmarks" / "fuzz.py")
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)

SEEDS = fuzz.corpus()
SEED = st.sampled_from(SEEDS)
RANDOM = st.randoms(use_true_random=False)


def _invoke(args: list[str]):
    return CliRunner().invoke(dlm_migrate, args, catch_exceptions=True)


def _standard(data: bytes) -> bool:
    return fuzz.standard_json(data)


@given(SEED, RANDOM)
def test_a_mutated_document_is_one_line_never_a_crash_and_never_touches_its_input(seed, rng) -> None:
    text = fuzz.mutate(seed[1], rng)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src = work / "in.json"
        src.write_text(text, encoding="utf-8", errors="surrogatepass")
        before = src.read_bytes()
        r = _invoke([str(src), "-o", str(work / "out.json"), "--report-file", str(work / "report.json"),
                     "--report", "none", "--no-validate", "--verify"])
        assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
        assert "Traceback" not in r.stdout + r.stderr
        if r.exit_code == 2:  # only a bare array / FeatureCollection given -o: bulk input, a documented usage error
            assert "-o/--output writes one document" in r.stderr
        else:
            assert r.exit_code in (0, 1)
        assert src.read_bytes() == before
        assert {p.name for p in work.iterdir()} <= {"in.json", "out.json", "report.json"}
        errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
        assert not any(fuzz.PYTHON_WORDS.search(line) for line in errors), errors
        out = work / "out.json"
        if out.exists():
            assert _standard(out.read_bytes()) and _standard((work / "report.json").read_bytes())
            # idempotent: the output, converted again, is the same bytes
            r2 = _invoke([str(out), "-o", str(work / "again.json"), "--report", "none", "--no-validate", "--verify"])
            assert r2.exit_code in (0, 1), r2.stderr
            if (work / "again.json").exists():
                assert (work / "again.json").read_bytes() == out.read_bytes()
            else:  # where it applies: a mutation that removed every ML-model field leaves nothing to convert
                assert "no ML-model extension" in r2.stderr or "not a STAC document" in r2.stderr, r2.stderr
        else:
            assert not (work / "report.json").exists()  # nothing is written for a failed document


@pytest.mark.slow  # a bulk run per example: CI runs it
@given(SEED, RANDOM)
def test_a_directory_of_mutated_documents_is_converted_to_the_end(seed, rng) -> None:
    texts = [fuzz.mutate(seed[1], rng) for _ in range(4)]
    with tempfile.TemporaryDirectory() as tmp:
        counts = fuzz.Counter()
        fuzz.check_bulk(Path(tmp), texts, lambda args: _bulk(args), counts, determinism=True)
        bad = {k: v for k, v in counts.items() if k in fuzz.COUNTS and v}
        assert not bad, dict(counts)


def _bulk(args: list[str]):
    r = _invoke([*args, "--verify"])  # complete accounting proven on every document (not only the cheap guard)
    exc = r.exception if r.exception is not None and not isinstance(r.exception, SystemExit) else None
    return r.exit_code, r.stdout + r.stderr, exc


@given(SEED, RANDOM)
def test_the_library_never_mutates_the_document_it_is_given(seed, rng) -> None:
    from crosswalk.errors import CrosswalkError
    from crosswalk.io.parse import parse_checked

    try:
        doc, _ = parse_checked(fuzz.mutate(seed[1], rng), "variant.json")
    except CrosswalkError:
        return  # refused at the door: nothing to mutate
    before = copy.deepcopy(doc)
    result = pipeline.convert(doc, href="variant.json", validate=False, verify=True)
    assert doc == before
    if result.ok:
        json.dumps(result.document, allow_nan=False)  # standard JSON
