"""The independent judges the judge tests (test_judges.py, test_judges_targets.py) hold crosswalk's verdicts to.

* pystac's `JsonSchemaSTACValidator`, whose schema cache is filled from crosswalk/schemas (index.json maps each URI
  to its vendored file) and which refuses any other URI instead of fetching it;
* stac-validator (`stac_valid`), given the same URI -> file map as its `schema_map`;
* stac-model (the MLM reference library), reading an Item's properties into its pydantic `MLModelProperties`.

Both validators are asked the question crosswalk answers: extension URIs with no vendored schema are left out of
the judged copy (crosswalk reports them "not available offline" and checks the rest). The one exception is the
dl-model URI of a dlm Item: crosswalk checks its fields against its own schema of the layout the Item has
(crosswalk/schemas/crosswalk/, `crosswalk.validation.dlm_schemas`), so the judges are handed that schema under the
dl-model URI (`dlm_schema_map`). Import the `no_network` fixture into a test module to close the network there.
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

from crosswalk.errors import CrosswalkError
from crosswalk.io.documents import read_document

SCHEMAS = Path(str(files("crosswalk") / "schemas"))  # the schemas crosswalk ships (a wheel install too)
Extra = tuple[tuple[str, str], ...]  # further (URI, file) pairs handed to the judges, hashable for the caches


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("a judge tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@cache
def schema_files(extra: Extra = ()) -> dict[str, str]:
    """Every URI crosswalk can validate offline -> its vendored file (crosswalk/schemas/index.json), and ``extra``."""
    index = json.loads((SCHEMAS / "index.json").read_text(encoding="utf-8"))["schemas"]
    out = {uri: str(SCHEMAS / (entry if isinstance(entry, str) else entry["file"])) for uri, entry in index.items()}
    return {**out, **dict(extra)}


def dlm_schema_map(doc: Any, target: str) -> Extra:
    """For a dlm output: the layout's dl-model URI and any other dl-model URI the Item declares -> crosswalk's
    schema of the ``target`` layout (what crosswalk checks the dlm fields against in place of the dl-model schema
    no one ever published); () for anything else. The first pair is the layout's own URI (see `judged`)."""
    from crosswalk.language.formats import Format, registry
    from crosswalk.validation.dlm_schemas import VERSIONS

    fmt = Format.parse(target)
    if fmt.family not in ("dlm", "dlm-beta") or not isinstance(doc, dict) or doc.get("type") != "Feature":
        return ()
    family = registry().families[fmt.family]
    version = fmt.version or family.latest
    path = str(SCHEMAS / "crosswalk" / VERSIONS[version])
    dl_model = registry().families["dlm-beta"]
    uris = [family.uri(version)]
    uris += [u for u in doc.get("stac_extensions") or [] if isinstance(u, str) and "/" in u and dl_model.match(u)]
    return tuple((u, path) for u in dict.fromkeys(uris))


def judged(doc: dict[str, Any], extra: Extra = ()) -> dict[str, Any]:
    """The copy of ``doc`` the judges see: only URIs they have a schema for (and any entry that is no string). A
    dlm Item's short id ``dl-model`` is spelt as its layout's URI: neither judge can resolve a short id (pystac reads
    it as a relative path, stac-validator as a staclint CDN URL), and crosswalk's dlm schemas accept either spelling
    alike."""
    doc = json.loads(json.dumps(doc))
    if isinstance(doc.get("stac_extensions"), list):
        uris = doc["stac_extensions"]
        if extra and "dl-model" in uris and extra[0][0] not in uris:
            uris = [extra[0][0] if u == "dl-model" else u for u in uris]
        # an entry that is no string stays: it makes the list invalid for the judges as for crosswalk
        doc["stac_extensions"] = [u for u in uris if not isinstance(u, str) or u in schema_files(extra)]
    return doc


@cache
def pystac_validator(extra: Extra = ()) -> Any:
    from jsonschema_specifications import REGISTRY as METASCHEMAS
    from pystac.validation.stac_validator import GetSchemaError, JsonSchemaSTACValidator

    class OfflineValidator(JsonSchemaSTACValidator):
        """pystac's validator with its schema cache filled from the vendored files; nothing is fetched."""

        def _get_schema(self, schema_uri: str) -> dict[str, Any]:
            if schema_uri not in self.schema_cache:
                path = schema_files(extra).get(schema_uri)
                if path is not None:
                    self.schema_cache[schema_uri] = json.loads(Path(path).read_text(encoding="utf-8"))
                else:  # the JSON Schema meta-schemas (Collection summaries may be schemas)
                    try:
                        self.schema_cache[schema_uri] = METASCHEMAS.contents(schema_uri.rstrip("#"))
                    except LookupError as e:
                        raise GetSchemaError(schema_uri, e) from e
            return self.schema_cache[schema_uri]

    return OfflineValidator()


def pystac_verdict(doc: dict[str, Any], extra: Extra = ()) -> tuple[bool, str]:
    import pystac
    import pystac.validation
    from pystac.errors import STACValidationError

    try:
        pystac.validation.validate_dict(judged(doc, extra), validator=pystac_validator(extra))
    except STACValidationError as e:
        return False, str(e)[-300:]
    except pystac.STACTypeError as e:
        return False, f"not a STAC object: {e}"[:300]
    except (TypeError, AttributeError) as e:  # pystac reads stac_version and stac_extensions before it validates:
        return False, f"pystac cannot read it: {e}"[:300]  # a number or a list there breaks it
    return True, ""


def stac_validator_verdict(doc: dict[str, Any], extra: Extra = ()) -> tuple[bool, str]:
    with warnings.catch_warnings():  # the module warns that its PyPI name moved (stac_valid provides it)
        warnings.simplefilter("ignore", DeprecationWarning)
        from stac_validator.validate import StacValidate

    validator = StacValidate(schema_map=schema_files(extra))
    ok = validator.validate_dict(judged(doc, extra))
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


def disagreements(result: Any, target: str) -> list[tuple[str, str]]:
    """(judge, what it said) for each judge whose verdict on a conversion's output differs from crosswalk's
    ``valid`` (empty: they agree)."""
    out = result.document
    extra = dlm_schema_map(out, target)
    problems = []
    theirs = {"pystac": pystac_verdict(out, extra), "stac-validator": stac_validator_verdict(out, extra)}
    for judge, (verdict, why) in theirs.items():
        if verdict != result.valid:
            mine = [i["message"] for i in result.report["issues"] if i["severity"] == "error"][:2]
            problems.append((judge, f"crosswalk valid={result.valid} {mine}, {judge} valid={verdict}: {why}"))
    return problems
