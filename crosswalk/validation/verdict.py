"""Everything a document is held to: the vendored schemas and the semantic lint (`validator`) and, for a dlm Item,
crosswalk's own dlm schemas (`dlm_schemas`): no dl-model schema was ever published in a working state, so the
dl-model URI itself stays "not available offline" while the fields are checked against crosswalk's schema of the
layout the document has (both dlm layouts declare the same URI; detection tells them apart by their fields)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crosswalk.language.formats import registry  # what lint reads the MLM version with: loaded anyway
from crosswalk.validation.validator import Issue, issue_order
from crosswalk.validation.validator import check as check_vendored


def dlm_issues(doc: Any) -> list[Issue]:
    """crosswalk's dlm schema findings for a dlm Item (nothing for anything else)."""
    if not isinstance(doc, dict) or doc.get("type") != "Feature" or not isinstance(doc.get("stac_extensions"), list):
        return []
    dl_model = registry().families["dlm-beta"]
    for uri in doc["stac_extensions"]:  # a loop, not any() over a generator: every validated Item asks
        if isinstance(uri, str) and dl_model.match(uri) is not None:
            break
    else:
        return []
    from crosswalk.detection import detect
    from crosswalk.errors import FormatError
    from crosswalk.validation.dlm_schemas import check_dlm

    try:
        fmt = detect(doc).format
    except FormatError:
        return []
    return check_dlm(doc, fmt) if fmt.family in ("dlm", "dlm-beta") else []


def check(doc: Any, value_repairs: Sequence[dict[str, Any]] = (), text_repairs: Sequence[dict[str, Any]] = ()
          ) -> list[Issue]:
    """`validator.check` and, for a dlm Item, `dlm_issues`; sorted as `validator.check` sorts.

    ``value_repairs``, ``text_repairs``: what reading the document repaired (`crosswalk.io.limits.sanitize`; comments,
    keys written twice), as report entries. A value JSON has no word for (NaN, an infinity, a lone surrogate) is
    an error: the schemas judged the repaired value, and readers that keep to the standard refuse the file. A text
    repair is a warning: the file is read as other JSON readers read it, or only by a lenient reader on request."""
    issues = check_vendored(doc)
    extra = dlm_issues(doc) + [
        Issue(r["path"], f"{r['reason']} (JSON readers that keep to the standard refuse the file)", "json", "error")
        for r in value_repairs] + [
        Issue(r["path"], f"read with a repair: {r['reason']}", "json", "warning") for r in text_repairs]
    if not extra:
        return issues
    return sorted(issues + extra, key=issue_order)


def report_issues(doc: Any) -> tuple[list[dict[str, Any]], bool]:
    """`check` as the report's ``issues`` list, and whether no finding is an error."""
    issues = [{"path": i.path, "message": i.message, "severity": i.severity, "schema": i.schema} for i in check(doc)]
    return issues, not any(i["severity"] == "error" for i in issues)
