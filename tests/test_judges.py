"""Independent judges: what crosswalk says about its MLM 1.5.2 outputs is what real clients see.

Every corpus document (the project's corpora/, ../shared/corpora/real, the ../shared/specs examples) is converted
to MLM 1.5.2 and its output judged by
* pystac's `JsonSchemaSTACValidator`, whose schema cache is filled from crosswalk/schemas (index.json maps each URI
  to its vendored file) and which refuses any other URI instead of fetching it;
* stac-validator (`stac_valid`), given the same URI -> file map as its `schema_map`;
* stac-model 0.7 (the MLM reference library), reading an Item's properties into its pydantic `MLModelProperties`.
crosswalk's ``valid`` must equal both validators' verdicts, and stac-model must read every Item. The network is
closed while the judges run: a judge that tried to fetch a schema fails the test.

Extension URIs with no vendored schema (projection 1.1.0 in one ml-model item) are left out of the judged copy:
crosswalk reports them "not available offline" and checks the rest; the judges are asked the same question.
"""

from __future__ import annotations

import json
import socket
import warnings
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPORA, SHARED, corpus_inputs, needs_shared, shared_files

from crosswalk import pipeline
from crosswalk.errors import CrosswalkError
from crosswalk.io.documents import read_document

pytest.importorskip("stac_model")
pytest.importorskip("stac_validator")

SCHEMAS = Path(str(files("crosswalk") / "schemas"))  # the schemas crosswalk ships (a wheel install too)
TARGET = "mlm@1.5.2"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("a judge tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@cache
def schema_files() -> dict[str, str]:
    """Every URI crosswalk can validate offline -> its vendored file (crosswalk/schemas/index.json)."""
    index = json.loads((SCHEMAS / "index.json").read_text(encoding="utf-8"))["schemas"]
    return {uri: str(SCHEMAS / (entry if isinstance(entry, str) else entry["file"])) for uri, entry in index.items()}


def judged(doc: dict[str, Any]) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))
    if isinstance(doc.get("stac_extensions"), list):
        doc["stac_extensions"] = [u for u in doc["stac_extensions"] if u in schema_files()]
    return doc


@cache
def pystac_validator() -> Any:
    from jsonschema_specifications import REGISTRY as METASCHEMAS
    from pystac.validation.stac_validator import GetSchemaError, JsonSchemaSTACValidator

    class OfflineValidator(JsonSchemaSTACValidator):
        """pystac's validator with its schema cache filled from the vendored files; nothing is fetched."""

        def _get_schema(self, schema_uri: str) -> dict[str, Any]:
            if schema_uri not in self.schema_cache:
                path = schema_files().get(schema_uri)
                if path is not None:
                    self.schema_cache[schema_uri] = json.loads(Path(path).read_text(encoding="utf-8"))
                else:  # the JSON Schema meta-schemas (Collection summaries may be schemas)
                    try:
                        self.schema_cache[schema_uri] = METASCHEMAS.contents(schema_uri.rstrip("#"))
                    except LookupError as e:
                        raise GetSchemaError(schema_uri, e) from e
            return self.schema_cache[schema_uri]

    return OfflineValidator()


def pystac_verdict(doc: dict[str, Any]) -> tuple[bool, str]:
    import pystac
    import pystac.validation
    from pystac.errors import STACValidationError

    try:
        pystac.validation.validate_dict(judged(doc), validator=pystac_validator())
    except STACValidationError as e:
        return False, str(e)[-300:]
    except pystac.STACTypeError as e:
        return False, f"not a STAC object: {e}"[:300]
    return True, ""


def stac_validator_verdict(doc: dict[str, Any]) -> tuple[bool, str]:
    with warnings.catch_warnings():  # the module warns that its PyPI name moved (stac_valid provides it)
        warnings.simplefilter("ignore", DeprecationWarning)
        from stac_validator.validate import StacValidate

    validator = StacValidate(schema_map=schema_files())
    ok = validator.validate_dict(judged(doc))
    return bool(ok), json.dumps(validator.message)[-300:]


def stac_model_reads(doc: dict[str, Any]) -> str | None:
    """None when stac-model reads the Item's MLM properties, else its complaint."""
    from stac_model.schema import MLModelProperties

    try:
        MLModelProperties.model_validate(doc["properties"])
    except Exception as e:  # noqa: BLE001 - pydantic errors and stac-model's own TypeErrors alike
        return f"{type(e).__name__}: {str(e).splitlines()[0]}"
    return None


def documents(path: Path) -> list[dict[str, Any]]:
    """The convertible documents in a corpus file: itself, or the Items of a bare array / FeatureCollection."""
    try:
        doc = read_document(str(path))
    except CrosswalkError:
        return []  # unreadable as strict JSON/YAML: the lenient reader's business, not the judges'
    if isinstance(doc, list):
        return [d for d in doc if isinstance(d, dict)]
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        return [d for d in doc.get("features") or [] if isinstance(d, dict)]
    return [doc] if isinstance(doc, dict) else []


def judge_file(path: Path) -> list[str]:
    """Disagreements between crosswalk and the judges on the MLM 1.5.2 outputs of one file (empty: all agree)."""
    problems = []
    for doc in documents(path):
        result = pipeline.convert(doc, to=TARGET, href=str(path))
        if result.error is not None:
            assert "no ML-model extension" in str(result.error), result.error  # a plain Catalog, not converted
            continue
        out = result.document
        ours = result.valid
        theirs = {"pystac": pystac_verdict(out), "stac-validator": stac_validator_verdict(out)}
        for judge, (verdict, why) in theirs.items():
            if verdict != ours:
                mine = [i["message"] for i in result.report["issues"] if i["severity"] == "error"][:2]
                problems.append(f"{doc.get('id')}: crosswalk valid={ours} {mine}, {judge} valid={verdict}: {why}")
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
