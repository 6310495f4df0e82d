"""`crosswalk compare`: the whole study as one JSON-able object, and the three files written from it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from crosswalk.study.adoption import adoption_section
from crosswalk.study.catalogue import load_catalogue
from crosswalk.study.corpus import SetAside, aggregate, convert_all, iter_documents
from crosswalk.study.findings import findings
from crosswalk.study.trace import static_comparison

DEFINITIONS = {
    "kept": "share of source leaves carried over (reported kept, moved, transformed or repaired); the shares leave "
            "the unset leaves out",
    "lossy": "share of source leaves reported lossy",
    "dropped": "share of source leaves reported dropped",
    "invented": "invented (and filled) report entries per source leaf",
    "ML-extension fields": "leaves under a dlm:, ml-model: or mlm: key; the other leaves (STAC core, geometry, "
                           "links, other extensions) are counted apart",
    "converted": "every document with a conversion to that format: those in other formats, in older versions of "
                 "it (converted by a step) and those already in it; every number of a format is over these",
    "already in it": "a document whose format is the target format, family and version (no step leads there); its "
                     "conversion may still repair, drop or change something (repaired) or change nothing "
                     "(unchanged: a no-op, which keeps all its leaves); both are counted like every other document, "
                     "and apart",
    "compared documents": "the documents the recommendation and the headline compare the formats on: every document "
                          "converted to all formats, those already in one of them included, so that every format "
                          "is measured on the same documents",
    "average": "mean over the documents converted to that format of each document's share",
    "valid": "the conversion's output passes the target format's vendored schema and lint; for a document already "
             "in the target format that its conversion repairs, that is the repaired output, not the document as "
             "written (crosswalk validate tells about that one)",
    "unset": "source leaves whose value is null and which every conversion of their document drops: fields not "
             "set (the dlm conversions say so), which carry no information; they are counted apart and left out of "
             "every share and of the losses, while a null some conversion carries (MLM's pre_processing_function: "
             "null, dlm's pretrained: null read as not pretrained) is a value and counts as each report says",
    "pooled": "sums of the conversion reports' summary counts (a dropped null included, as the reports count it)",
    "concepts": "kept: in the source and in the output from source data, in the target format's fields for it; "
                "outside: in the source, and the conversion reports none of its fields lossy or dropped, but they "
                "stay under names the target format does not define for it (a STAC link, another extension's asset "
                "role); lost: in the source, some of its fields lost, and not in the target format's fields for it "
                "(or only as invented placeholders); invented: only placeholders in the output. A question answered "
                "by an asset role is carried by the role and the asset's href together: an href carried from the "
                "source keeps it, whoever set the role",
}


def build_report(paths: Iterable[str | Path], errors: Callable[[str], None] | None = None,
                 mappings: str | Path | None = None) -> dict[str, Any]:
    """The whole study (what report.json holds)."""
    from crosswalk.language.formats import registry

    errs: list[str] = []

    def err(message: str) -> None:
        errs.append(message)
        if errors:
            errors(message)

    paths = [str(p) for p in paths]
    catalogue = load_catalogue(mappings)
    static = static_comparison(mappings)
    families = list(registry().families)
    aside = SetAside()
    records = convert_all(iter_documents(paths, err, aside), families, catalogue, err)
    report = {
        "crosswalk_compare": 2,
        "inputs": paths,
        "definitions": DEFINITIONS,
        "families": families,
        "concepts": [{"id": c.id, "title": c.title, "group": c.group} for c in catalogue.concepts],
        "static": static,
        "formats": aggregate(records, families, catalogue),
        "adoption": adoption_section(records, catalogue, static),
        "documents": records,
        "skipped": errs,
        "set_aside": aside.to_json(),
    }
    report["findings"] = findings(report)
    return report


def compare(paths: Iterable[str | Path], out_dir: str | Path, *, errors: Callable[[str], None] | None = None,
            mappings: str | Path | None = None) -> dict[str, Any]:
    """Run the study over ``paths`` and write report.json, report.md and report.html into ``out_dir``."""
    report = build_report(paths, errors=errors, mappings=mappings)
    write_report(report, out_dir)
    return report


def write_report(report: dict[str, Any], out_dir: str | Path) -> None:
    """report.json, report.md and report.html of ``report`` (`build_report`) into ``out_dir``."""
    from crosswalk.io.documents import write_atomic
    from crosswalk.study.render import render_html, render_markdown

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "report.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_atomic(out / "report.md", render_markdown(report))
    write_atomic(out / "report.html", render_html(report))
