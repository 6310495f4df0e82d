"""The library verbs behind the CLI (alembic command.py style): one documented function each.

read -> detect -> plan -> repairs + each edge's rules -> validate -> lint -> report. The input document is
deep-copied once and never mutated.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .errors import CrosswalkError, FormatError
from .formats import Detection, Format, detect


@dataclass
class Result:
    href: str | None
    detection: Detection | None
    target: Format | None
    steps: list[str] = field(default_factory=list)
    document: dict[str, Any] | None = None
    report: dict[str, Any] = field(default_factory=dict)
    error: CrosswalkError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def counts(self) -> dict[str, int]:
        return self.report.get("summary", {})

    @property
    def lossy(self) -> bool:
        s = self.counts()
        return bool(s.get("lossy") or s.get("dropped"))

    @property
    def invented(self) -> bool:
        return bool(self.counts().get("invented"))

    @property
    def valid(self) -> bool:
        return bool(self.report.get("valid"))


@cache
def graph():
    from .graph import VersionGraph
    from .spec import edge_index

    return VersionGraph(edge_index())


def plan(source: Format | str, target: Format | str) -> list:
    """The mappings that take ``source`` to ``target`` (shortest path in the version graph)."""
    src = source if isinstance(source, Format) else Format.parse(source)
    dst = target if isinstance(target, Format) else Format.parse(target)
    return graph().plan(src, dst)


def fill_for(fill: dict[str, Any] | None, doc: dict[str, Any]) -> dict[str, Any]:
    """The --fill values for this document: entries under "*" and under its id; keys are output JSON Pointers
    (a bare key such as ``mlm:name`` means ``/properties/mlm:name``)."""
    if not fill:
        return {}
    out: dict[str, Any] = {}
    for scope in ("*", str(doc.get("id"))):
        for key, value in (fill.get(scope) or {}).items():
            out[key if key.startswith("/") else f"/properties/{key}"] = value
    return out


def convert(
    doc: Any,
    *,
    href: str | None = None,
    to: str | Format = "mlm",
    fill: dict[str, Any] | None = None,
    validate: bool = True,
    verify: bool = False,
    keep_source: bool = False,
) -> Result:
    """Convert one raw document to ``to``; losses, inventions and validation findings are in ``result.report``.

    Errors that leave no output (unreadable format, no path, a crashing rule) are in ``result.error``.
    ``verify`` re-checks the ledger against a whole-document DeepDiff (slow; tests turn it on).
    ``keep_source`` (lossless mode) keeps fields the target cannot carry under their own keys where the target
    schema accepts them (crosswalk/keep.py), reported ``kept`` "kept for round trip (--keep-source)".
    """
    from . import report as rep
    from .engine import Ctx, apply
    from .ledger import Ledger
    from .spec import load_support

    result = Result(href=href, detection=None, target=None)
    try:
        target = to if isinstance(to, Format) else Format.parse(to)
        result.target = target
        detection = detect(doc, href)
        result.detection = detection
        edges = graph().plan(detection.format, target)
        result.steps = [f"{e.source} -> {e.target}" for e in edges]
        ledger = Ledger(doc)
        work = copy.deepcopy(doc)
        if edges:
            ctx = Ctx(
                work,
                ledger,
                href=href,
                fill=fill_for(fill, doc),
                options={"keep_source": keep_source, "source": doc, "target": target},
            )
            apply(load_support("repairs.yaml"), ctx)
            for edge in _side_edges(detection, target):
                apply(edge, ctx)
            for edge in edges:
                apply(edge, ctx)
    except CrosswalkError as e:
        if e.href is None:
            e.href = href
        result.error = e
        return result
    fields = ledger.entries()
    issues: list[dict[str, Any]] = []
    valid = True
    if validate:
        from .validate import report_issues

        issues, valid = report_issues(work)
    problems = rep.coverage_problems(doc, work, fields)
    if verify:
        problems += rep.ledger_problems(doc, work, fields)
    for p in problems:  # an engine bug, never a user error: make it loud
        issues.append({"path": "", "message": f"accounting: {p}", "severity": "error", "schema": "crosswalk:ledger"})
    result.document = work
    result.report = rep.document_report(
        href=href,
        source_format=str(detection.format),
        target=str(target),
        steps=result.steps,
        fields=fields,
        issues=issues,
        valid=valid and not problems,
        validated=validate,
        source=doc,
        also=[str(f) for f in detection.others],
    )
    return result


def _side_edges(detection: Detection, target: Format) -> list:
    """A document carrying an older family beside the detected one (ml-model fields in an MLM item): that
    family's fields are converted too, by its own edge into the target family; values already present win."""
    out = []
    for other in detection.others:
        for edge in graph().edges.get(other, []):
            # only an edge landing exactly on the target: its output URIs and shapes are the target's
            if edge.target == target and target.family == detection.format.family:
                out.append(edge)
                break
    return out


def convert_file(href: str, *, lenient: bool = True, **kwargs: Any) -> Result:
    """Read ``href`` and convert it (see ``convert``); a read failure is ``result.error``.

    ``lenient`` accepts JSON with comments and trailing commas (old dlm files); each fix is reported repaired.
    """
    from .io import read_document_repairs
    from .report import summarize

    try:
        doc, repairs = read_document_repairs(href, lenient=lenient)
    except CrosswalkError as e:
        return Result(href=href, detection=None, target=None, error=e)
    result = convert(doc, href=href, **kwargs)
    if repairs and result.report:
        result.report["fields"] = repairs + result.report["fields"]
        result.report["summary"] = summarize(result.report["fields"], doc)
    return result


def detect_file(href: str) -> Detection:
    """Read ``href`` and detect its format (raises CrosswalkError)."""
    from .io import read_document

    return detect(read_document(href), href)


def validate_file(href: str) -> list:
    """Read ``href`` and check it against the vendored schemas plus the semantic lint rules."""
    from .io import read_document
    from .validate import check

    doc = read_document(href)
    if not isinstance(doc, dict):
        raise FormatError("not a JSON object", href=href, path="")
    return check(doc)
