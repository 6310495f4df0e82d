"""Independent judges: what crosswalk says about its MLM 1.5.2 outputs is what real clients see.

Every corpus document (the project's corpora/, ../shared/corpora/real, the ../shared/specs examples) is converted
to MLM 1.5.2 and its output judged by
* pystac's `JsonSchemaSTACValidator`, whose schema cache is filled from crosswalk/schemas (index.json maps each URI
  to its vendored file) and which refuses any other URI instead of fetching it;
* stac-validator (`stac_valid`), given the same URI -> file map as its `schema_map`;
* stac-model 0.7 (the MLM reference library), reading an Item's properties into its pydantic `MLModelProperties`
(the judges live in judges.py, shared with test_judges_targets.py, which judges every other target).
crosswalk's ``valid`` must equal both validators' verdicts, and stac-model must read every Item. The network is
closed while the judges run: a judge that tried to fetch a schema fails the test.

Extension URIs with no vendored schema (projection 1.1.0 in one ml-model item) are left out of the judged copy:
crosswalk reports them "not available offline" and checks the rest; the judges are asked the same question.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from conftest import CORPORA, ROOT, SHARED, corpus_inputs, needs_shared, shared_files
from hypothesis import given
from hypothesis import strategies as st
from judges import (
    disagreements,
    documents,
    no_network,  # noqa: F401 - the autouse fixture that closes the network
    pystac_validator,
    pystac_verdict,
    stac_model_reads,
    stac_validator_verdict,
)

from crosswalk import pipeline
from crosswalk.errors import CrosswalkError
from crosswalk.io.documents import read_document
from crosswalk.io.parse import parse_checked

pytest.importorskip("stac_model")
pytest.importorskip("stac_validator")

TARGET = "mlm@1.5.2"


def judge_file(path: Path) -> list[str]:
    """Disagreements between crosswalk and the judges on the MLM 1.5.2 outputs of one file (empty: all agree)."""
    problems = []
    for doc in documents(path):
        result = pipeline.convert(doc, to=TARGET, href=str(path))
        if result.error is not None:
            assert "no ML-model extension" in str(result.error), result.error  # a plain Catalog, not converted
            continue
        problems += [f"{doc.get('id')}: {text}" for _, text in disagreements(result, TARGET)]
        out = result.document
        if out.get("type") == "Feature" and (complaint := stac_model_reads(out)):
            problems.append(f"{doc.get('id')}: stac-model cannot read the output: {complaint}")
    return problems


# -- the judges can say no ---------------------------------------------------------------------------------------
def test_the_judges_reject_what_crosswalk_rejects() -> None:
    """A judge that cannot fail proves nothing: each rejects the producers' invalid documents as crosswalk does."""
    from crosswalk.validation.validator import check

    for name in ("pystac-1.15.2-mlm-collection.json", "pystac-1.15.2-mlm-api-item.json"):
        doc = read_document(str(CORPORA / "producers" / name))
        assert [i for i in check(doc) if i.severity == "error"]
        assert pystac_verdict(doc)[0] is False, name
        assert stac_validator_verdict(doc)[0] is False, name
    bad = read_document(str(CORPORA / "producers" / "stac-model-0.6.1-eurosat_resnet.json"))
    bad["properties"]["mlm:input"][0]["input"]["data_type"] = "float-ish"
    assert stac_model_reads(bad) is not None


def test_the_judges_stay_offline() -> None:
    doc = read_document(str(CORPORA / "producers" / "stac-model-0.6.1-eurosat_resnet.json"))
    doc["stac_extensions"].append("https://stac-extensions.github.io/projection/v2.0.0/schema.json")
    import pystac.validation
    from pystac.validation.stac_validator import GetSchemaError

    with pytest.raises(GetSchemaError):  # not vendored: refused, never fetched
        pystac.validation.validate_dict(doc, validator=pystac_validator())


# -- every output ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("src", corpus_inputs(), ids=lambda p: p.relative_to(CORPORA).as_posix())
def test_project_corpus_outputs_agree_with_the_judges(src: Path) -> None:
    assert judge_file(src) == []


SHARED_DOCS = shared_files("corpora/real/**/*.json", "specs/**/examples/*.json")


@needs_shared
@pytest.mark.slow
@pytest.mark.parametrize("src", SHARED_DOCS, ids=lambda p: p.relative_to(SHARED).as_posix()[-90:])
def test_shared_corpus_outputs_agree_with_the_judges(src: Path) -> None:
    assert judge_file(src) == []


# -- mutated documents -----------------------------------------------------------------------------------------
_spec = importlib.util.spec_from_file_location("crosswalk_fuzz", ROOT / "benchmarks" / "fuzz.py")
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)


@pytest.mark.slow
@given(seed=st.sampled_from(fuzz.corpus()), rng=st.randoms(use_true_random=False),
       target=st.sampled_from(["mlm", "ml-model", "dlm"]))
def test_mutated_documents_get_the_judges_verdict(seed, rng, target) -> None:
    """Corpus documents mutated as broken files are (benchmarks/fuzz.py): whatever crosswalk writes, valid or not,
    both validators say the same of it. (A judge's copy keeps a stac_extensions entry that is no string: dropping
    it, as URIs with no vendored schema are dropped, once hid such an invalid list from the judges.)"""
    try:  # read as a file is (too deep, NaN, a lone surrogate: refused in one line, nothing to judge)
        doc, _ = parse_checked(fuzz.mutate(seed[1], rng), "mutated.json")
    except CrosswalkError:
        return
    result = pipeline.convert(doc, to=target)
    if result.error is None and isinstance(result.document, dict):
        assert disagreements(result, target) == []
