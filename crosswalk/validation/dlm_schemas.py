"""crosswalk's own JSON Schemas for the dlm layouts, and checking a document against them.

The upstream dlm schemas cannot be used (the beta2 file is not valid JSON, both type
``stac_extensions`` as an object, misspell ``process_level``, require ``class_name_mapping`` in ``dlm:data``, ...),
and the current layout never had one. ``crosswalk/schemas/crosswalk/`` holds corrected copies and a schema written
from the current README (see ``$comment`` in each file and ``schemas/NOTICE.md``). They check the extension fields
only; the STAC core is checked by `crosswalk.validation.validator`.

They are registered in ``schemas/index.json`` only under their own ``crosswalk.invalid`` ``$id``s, never under the
dl-model URIs documents carry (those never resolved, and `crosswalk.validation.validator.validate` keeps reporting them
as not available offline). Use `check_dlm` to check a dlm document.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from crosswalk.language.formats import registry
from crosswalk.validation.validator import Issue

__all__ = ["VERSIONS", "check_dlm", "schema_for"]

# version -> schema file under crosswalk/schemas/crosswalk/, at <family>/<version>/schema.json for every version the
# format registry lists of the two dlm families
VERSIONS = {version: f"{family}/{version}/schema.json"
            for family in ("dlm-beta", "dlm") for version in registry().families[family].versions}


def _relpath(version: Any) -> str:
    text = str(version)
    if "@" in text:
        family, _, text = text.partition("@")
        if family not in ("dlm", "dlm-beta"):
            raise ValueError(f"not a dlm format: {version!r}")
    if text not in VERSIONS:
        raise ValueError(f"no crosswalk dlm schema for version {text!r}; known: {', '.join(VERSIONS)}")
    return VERSIONS[text]


@cache
def schema_for(version: Any) -> dict[str, Any]:
    """The schema (as a dict) for a dlm version: ``1.0.0-beta.2``, ``1.0.0-beta.3``, ``1.0.0-draft`` (or
    ``dlm-beta@1.0.0-beta.3``, ``dlm@1.0.0-draft``, or a `crosswalk.language.formats.Format`)."""
    from crosswalk.resources import schemas_dir

    node = schemas_dir() / "crosswalk"
    for part in _relpath(version).split("/"):
        node = node / part
    return json.loads(node.read_text(encoding="utf-8"))


@cache
def _validator(relpath: str) -> Any:
    from jsonschema import Draft7Validator

    from crosswalk.validation.validator import _format_checker, schema_registry

    schema = schema_for(next(v for v, p in VERSIONS.items() if p == relpath))
    # STAC 1.1 Band Objects are checked through the vendored core schemas (offline registry).
    return Draft7Validator(schema, registry=schema_registry(), format_checker=_format_checker())


def check_dlm(doc: Any, version: Any, severity: str = "error") -> list[Issue]:
    """Check ``doc`` against crosswalk's schema for the dlm ``version``; Issues sorted by JSON Pointer.

    ``severity`` is given to every issue: ``"warning"`` when checking an input that will be converted anyway,
    ``"error"`` (the default) when checking a dlm output.
    """
    from crosswalk.validation.validator import _explain

    relpath = _relpath(version)
    source = schema_for(version)["$id"]
    if not isinstance(doc, dict):
        return [Issue("", f"a STAC document must be a JSON object, not {type(doc).__name__}", source, severity)]
    issues: list[Issue] = []
    seen: set[tuple[str, str]] = set()
    for error in _validator(relpath).iter_errors(doc):
        for path, message in _explain(error):
            if (path, message) not in seen:
                seen.add((path, message))
                issues.append(Issue(path, message, source, severity))
    return sorted(issues, key=lambda i: (i.path, i.message))
