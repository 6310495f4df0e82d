"""Independent judges on every conversion target: crosswalk's ``valid`` is what pystac and stac-validator say.

test_judges.py holds crosswalk's MLM 1.5.2 outputs to the judges (judges.py: pystac's `JsonSchemaSTACValidator` and
stac-validator, both given the vendored schemas and nothing else, the network closed); this module does the same for
every other target of test_every_direction.py's TARGETS (MLM 1.5.1 down to 1.0.0, ml-model, dlm, dlm beta.3 and
beta2). For each (document, target) that converts, both judges' verdicts on the output must equal crosswalk's
``valid``.

The judges are asked the question crosswalk answers:
* an extension URI with no vendored schema is left out of the judged copy (crosswalk warns "schema not available
  offline" and checks the rest);
* the dl-model URI of a dlm output is such a URI (no dl-model schema was ever published in a working state), but
  crosswalk checks the dlm fields against its own schema of the layout (crosswalk/schemas/crosswalk/): the judges
  are handed that schema, of the target's layout, under the dl-model URI (`judges.dlm_schema_map`), and a short id
  ``dl-model`` is spelt as the layout's URI for them (neither judge resolves a short id).

The documents: one per family of the project corpus by default (test_every_direction.FAST); the whole project
corpus and, when ../shared is present, its real documents and the spec examples, with --runslow. Where a judge is
wrong the disagreement is recorded in `KNOWN` below, with why the schema says otherwise.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import CORPORA, case_name, corpus_inputs, shared_files
from judges import (
    disagreements,
    dlm_schema_map,
    documents,
    no_network,  # noqa: F401 - the autouse fixture that closes the network
    pystac_verdict,
    schema_files,
    stac_validator_verdict,
)
from test_every_direction import FAST, TARGETS

from crosswalk import pipeline
from crosswalk.validation.verdict import check

pytest.importorskip("stac_validator")

# MLM 1.5.2 ("mlm", the latest) is test_judges.py's, over the same documents.
OTHER_TARGETS = [t for t in TARGETS if t != "mlm"]

# stac-validator reads every schema as JSON Schema 2020-12 and, to resolve a remote $ref (raster, classification,
# processing...), crawls the whole schema for subschemas. The MLM 1.0.0-1.2.0 schemas write "$comment" notes as
# members of "properties" maps ($defs/stac_extensions_eo_bands/properties/$comment, ...), where the crawler expects
# a schema, and it stops on the string ("'str' object has no attribute 'get'") before judging anything: no verdict.
# Under draft-07, which those schemas declare, such a member only applies to an instance member named "$comment",
# which no output has; the schema says nothing against these outputs, and pystac, which reads them as draft-07,
# agrees with crosswalk. test_stac_validator_cannot_read_the_mlm_1_0_to_1_2_schemas shows the notes are the cause.
KNOWN = [
    ("stac-validator", re.compile(r"mlm@1\.[012]\.0"),
     re.compile(r"^crosswalk valid=True .*'str' object has no attribute 'get' "
                r"\[Schema: \S+/mlm(-extension)?/v1\.[012]\.0/schema\.json\]")),
]


def known(judge: str, target: str, text: str) -> bool:
    return any(j == judge and t.fullmatch(target) and e.search(text) for j, t, e in KNOWN)


def _cases(files: list[Path]) -> list:
    cases = []
    for path in files:
        docs = documents(path)
        for i, doc in enumerate(docs):
            name = case_name(path) + (f"#{i}" if len(docs) > 1 else "")
            cases += [pytest.param(doc, target, name, id=f"{name[-90:]}->{target}") for target in OTHER_TARGETS]
    return cases


def judge(doc: dict, target: str, name: str) -> list[str]:
    result = pipeline.convert(doc, to=target, href=name)
    if result.error is not None:  # not an ML-model document, or an MLM metadata file: nothing to judge
        return []
    return [text for who, text in disagreements(result, target) if not known(who, target, text)]


FAST_FILES = [CORPORA / f for f in FAST]
SWEEP = [p for p in corpus_inputs() if p not in FAST_FILES]
SWEEP += shared_files("corpora/real/**/*.json", "specs/**/examples/*.json")


@pytest.mark.parametrize(("doc", "target", "name"), _cases(FAST_FILES))
def test_one_document_per_family_agrees_with_the_judges_on_every_target(doc: dict, target: str, name: str) -> None:
    assert judge(doc, target, name) == []


@pytest.mark.slow
@pytest.mark.parametrize(("doc", "target", "name"), _cases(SWEEP))
def test_every_document_agrees_with_the_judges_on_every_target(doc: dict, target: str, name: str) -> None:
    assert judge(doc, target, name) == []


# -- the judges' questions ------------------------------------------------------------------------------------------
def _output(source: str, target: str) -> dict:
    result = pipeline.convert(documents(CORPORA / source)[0], to=target)
    assert result.error is None and result.valid, result.report["issues"]
    return result.document


@pytest.mark.parametrize("target", ["dlm", "dlm-beta@1.0.0-beta.3"])
def test_the_judges_check_a_dlm_output_against_crosswalks_dlm_schema(target: str) -> None:
    """The layout schema is what makes the judges say no to a dlm Item missing its dlm fields: without it (the
    dl-model URI left out as not vendored) they would pass it, as the STAC core and eo do."""
    out = _output("mlm/spec-1.5.1-item_pytorch_geo_unet.json", target)
    field = "dlm:input" if target == "dlm" else "dlm:inputs"
    del out["properties"][field]
    assert any(i.severity == "error" and "crosswalk.invalid" in i.schema for i in check(out))
    extra = dlm_schema_map(out, target)
    assert pystac_verdict(out, extra)[0] is False
    assert stac_validator_verdict(out, extra)[0] is False
    assert pystac_verdict(out)[0] is True and stac_validator_verdict(out)[0] is True


def test_a_short_dl_model_id_is_judged_as_its_layouts_uri() -> None:
    out = _output("mlm/spec-1.5.1-item_pytorch_geo_unet.json", "dlm")
    uri = dict(dlm_schema_map(out, "dlm"))
    out["stac_extensions"] = ["dl-model" if u in uri else u for u in out["stac_extensions"]]
    extra = dlm_schema_map(out, "dlm")
    assert extra and pystac_verdict(out, extra)[0] is True and stac_validator_verdict(out, extra)[0] is True
    del out["properties"]["dlm:output"]
    assert pystac_verdict(out, extra)[0] is False and stac_validator_verdict(out, extra)[0] is False


def test_stac_validator_cannot_read_the_mlm_1_0_to_1_2_schemas(tmp_path: Path) -> None:
    """The known stac-validator failure is the schemas' "$comment" notes in "properties" maps: without them it reads
    the same schema and agrees with crosswalk and pystac. When a stac-validator release reads them, drop `KNOWN`."""
    out = _output("mlm/spec-1.2.0-item_eo_bands.json", "mlm@1.2.0")
    verdict, why = stac_validator_verdict(out)
    assert verdict is False and known("stac-validator", "mlm@1.2.0", f"crosswalk valid=True [], {why}"), why
    assert pystac_verdict(out) == (True, "")

    def without_notes(node: object) -> object:
        if isinstance(node, list):
            return [without_notes(v) for v in node]
        if not isinstance(node, dict):
            return node
        copy = {k: without_notes(v) for k, v in node.items()}
        if isinstance(node.get("properties"), dict):
            copy["properties"] = {k: v for k, v in copy["properties"].items() if not isinstance(v, str)}
        return copy

    uri = "https://crim-ca.github.io/mlm-extension/v1.2.0/schema.json"
    schema = json.loads(Path(schema_files()[uri]).read_text(encoding="utf-8"))
    stripped = tmp_path / "schema.json"
    stripped.write_text(json.dumps(without_notes(schema)), encoding="utf-8")
    assert stac_validator_verdict(out, ((uri, str(stripped)),))[0] is True
