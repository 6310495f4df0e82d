"""The corpus comparison: every document converted to the latest version of every family with
`crosswalk.pipeline.convert`; per document and format the report's counts of source leaves by status, split into
ML-extension fields and STAC core, the concepts that survive, validity; per format the sums and means."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crosswalk.bulk.kind import DOC_SUFFIXES  # what every verb reads in a directory
from crosswalk.engine.report import STATUSES, is_text_repair
from crosswalk.study.catalogue import Catalogue
from crosswalk.study.paths import Pattern, carriers, find, has_leaf, is_ml_path
from crosswalk.study.trace import latest

SOURCE_STATUSES = tuple(s for s in STATUSES if s not in ("invented", "filled"))
# Statuses whose information reaches the output (the "kept" share of the study).
CARRIED = ("kept", "moved", "transformed", "repaired")
SHARE_KEYS = ("kept", "lossy", "dropped", "invented")
PARTS = ("ml", "core")  # ML-extension fields (dlm:*, ml-model:*, mlm:* and below) and everything else


class AccountingError(RuntimeError):
    """The ML/core split of a report does not add up to its summary: a defect, never a result."""


@dataclass
class Document:
    href: str
    doc: Any
    text_repairs: int = 0


@dataclass
class SetAside:
    """What the study reads but does not compare, each named and counted in the report (never silently dropped):

    - ``reports``: crosswalk's own conversion reports (``X.report.json``): not documents at all;
    - ``outputs``: crosswalk's own outputs (``X.out.json`` beside its conversion report ``X.report.json``, as the
      golden files are written): converted by crosswalk from another document, they would count that model
      description twice, and in a format its producer did not choose;
    - ``duplicates``: documents equal (as JSON) to one read before: a copy is one model description, counted once.
    """

    reports: list[str] = field(default_factory=list)
    outputs: list[dict[str, str]] = field(default_factory=list)
    duplicates: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"reports": self.reports, "outputs": self.outputs, "duplicates": self.duplicates}


def is_conversion_report(doc: Any) -> bool:
    """Is ``doc`` a crosswalk conversion report (the object `crosswalk.engine.report.document_report` builds)?"""
    return (isinstance(doc, dict) and isinstance(doc.get("source"), dict) and isinstance(doc.get("target"), dict)
            and isinstance(doc.get("steps"), list) and isinstance(doc.get("summary"), dict)
            and "format" in doc["target"])


def own_output_report(path: Path) -> Path | None:
    """The conversion report beside ``path`` when ``path`` is crosswalk's output (``X.out.json`` beside
    ``X.report.json``), else None."""
    from crosswalk.errors import CrosswalkError
    from crosswalk.io.documents import read_document

    if not path.name.endswith(".out.json"):
        return None
    report = path.with_name(path.name[: -len(".out.json")] + ".report.json")
    try:
        return report if report.is_file() and is_conversion_report(read_document(str(report))) else None
    except CrosswalkError:
        return None


def _members(href: str, doc: Any, repairs: int) -> Iterator[Document]:
    """The documents of one file: a bare list of objects or a FeatureCollection gives one per member."""
    if isinstance(doc, list):
        for i, member in enumerate(doc):
            yield Document(f"{href}#/{i}", member, repairs)
    elif isinstance(doc, dict) and doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
        for i, member in enumerate(doc["features"]):
            yield Document(f"{href}#/features/{i}", member, repairs)
    else:
        yield Document(href, doc, repairs)


def iter_documents(paths: Iterable[str | Path], errors: Callable[[str], None],
                   aside: SetAside | None = None) -> Iterator[Document]:
    """Every document under ``paths`` (files, or directories searched recursively for JSON/YAML). A file holding
    a bare list of objects or a FeatureCollection gives one document per member (href ``file#/i``). Unreadable
    files are reported through ``errors`` and skipped; crosswalk's own reports and outputs, and copies of a
    document read before, are recorded in ``aside`` and not yielded."""
    from crosswalk.errors import CrosswalkError
    from crosswalk.io.documents import read_document_repairs

    aside = aside if aside is not None else SetAside()
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in DOC_SUFFIXES))
        else:
            files.append(p)
    seen: dict[str, str] = {}  # a document as canonical JSON -> the first href it was read from
    for f in files:
        href = str(f)
        report = own_output_report(f)
        if report is not None:
            aside.outputs.append({"href": href, "report": str(report)})
            continue
        try:
            doc, repairs = read_document_repairs(href, lenient=True)
        except CrosswalkError as e:
            errors(str(e))
            continue
        for d in _members(href, doc, len(repairs)):
            if is_conversion_report(d.doc):
                aside.reports.append(d.href)
                continue
            key = json.dumps(d.doc, sort_keys=True, ensure_ascii=False, default=str)
            if key in seen:
                aside.duplicates.append({"href": d.href, "same_as": seen[key]})
                continue
            seen[key] = d.href
            yield d


def shares(summary: dict[str, int]) -> dict[str, float]:
    """Shares of the source leaves (``kept`` = carried over: kept, moved, transformed or repaired); invented is
    per source leaf (it counts output entries)."""
    total = sum(summary.get(s, 0) for s in SOURCE_STATUSES)
    if not total:
        return dict.fromkeys(SHARE_KEYS, 0.0)
    return {
        "kept": sum(summary.get(s, 0) for s in CARRIED) / total,
        "lossy": summary.get("lossy", 0) / total,
        "dropped": summary.get("dropped", 0) / total,
        "invented": (summary.get("invented", 0) + summary.get("filled", 0)) / total,
    }


def leaf_shares(counts: dict[str, int]) -> dict[str, float | None]:
    """Kept / lossy / dropped shares of a count of source leaves by status (None when there are none)."""
    total = sum(counts.get(s, 0) for s in SOURCE_STATUSES)
    if not total:
        return {"kept": None, "lossy": None, "dropped": None}
    return {"kept": sum(counts.get(s, 0) for s in CARRIED) / total, "lossy": counts.get("lossy", 0) / total,
            "dropped": counts.get("dropped", 0) / total}


def leaf_statuses(source: Any, fields: list[dict[str, Any]]) -> dict[tuple[str, ...], tuple[str, Any]]:
    """Each source leaf's status and value: the most specific report entry at or above the leaf decides, as for
    the report's own summary (leaves no entry covers are left out)."""
    from crosswalk.language.pointer import leaves, parse_pointer

    by_path = {parse_pointer(e["path"]): e["status"] for e in fields
               if e["status"] not in ("invented", "filled") and not is_text_repair(e)}
    out = {}
    for path, value in leaves(source):
        status = next((by_path[path[:n]] for n in range(len(path), -1, -1) if path[:n] in by_path), None)
        if status is not None:
            out[path] = (status, value)
    return out


def unset_leaves(statuses: list[dict[tuple[str, ...], tuple[str, Any]]]) -> set[tuple[str, ...]]:
    """The null leaves of a document that every conversion of it drops: fields that were not set (the dlm
    conversions say "null in the source (field not set)"). They carry no information, so dropping them loses none.
    A null that some conversion carries is a value (MLM's ``pre_processing_function: null``, dlm's
    ``pretrained: null`` read as not pretrained) and counts as each report says."""
    if not statuses:
        return set()
    nulls = {p for p, (_, v) in statuses[0].items() if v is None}
    return {p for p in nulls if all(st.get(p, ("", None))[0] == "dropped" for st in statuses)}


def split_summary(statuses: dict[tuple[str, ...], tuple[str, Any]], fields: list[dict[str, Any]],
                  summary: dict[str, int], unset: set[tuple[str, ...]] = frozenset()) -> dict[str, dict[str, int]]:
    """Source leaves per status (`leaf_statuses`), apart for ML-extension fields and for the rest (STAC core,
    geometry, links, other extensions), and the ``unset`` leaves of each part apart again (dropped fields that were
    not set: out of every share). The parts must add up to the report's summary."""
    out = {part: dict.fromkeys(SOURCE_STATUSES, 0) for part in PARTS}
    not_set = dict.fromkeys(PARTS, 0)
    for path, (status, _) in statuses.items():
        part = "ml" if is_ml_path(path) else "core"
        if path in unset:
            not_set[part] += 1
        else:
            out[part][status] += 1
    text_repairs = sum(1 for e in fields if is_text_repair(e))
    for s in SOURCE_STATUSES:
        expected = summary.get(s, 0) - (text_repairs if s == "repaired" else 0)
        found = out["ml"][s] + out["core"][s] + (sum(not_set.values()) if s == "dropped" else 0)
        if found != expected:
            raise AccountingError(f"{s}: ML {out['ml'][s]} + core {out['core'][s]} leaves (+ unset, if dropped) "
                                  f"= {found} != report summary {expected}")
    return {**out, "unset": not_set}


def counted_summary(summary: dict[str, int], unset: int) -> dict[str, int]:
    """A report's summary without its ``unset`` leaves (dropped, not set): what the study's shares are taken of."""
    return {**summary, "dropped": summary.get("dropped", 0) - unset}


def _all_unset(path: tuple[str, ...], statuses: dict, unset: set[tuple[str, ...]]) -> bool:
    """Are the source leaves at or below ``path`` all unset (so that dropping it loses nothing)?"""
    below = [p for p in statuses if p[: len(path)] == path]
    return bool(below) and all(p in unset for p in below)


def concept_presence(doc: Any, pats: Iterable[Pattern]) -> bool:
    return any(has_leaf(v) for p in pats for _, v in find(doc, p))


def _sourced_presence(out: Any, pats: Iterable[Pattern], created: list[tuple[str, ...]]) -> bool:
    """Does the output carry the concept with at least one leaf that was not invented or filled?"""
    from crosswalk.language.pointer import leaves

    for p in pats:
        for path, node in carriers(out, p):
            for sub, _ in leaves(node, path):
                if not any(sub[: len(c)] == c for c in created):
                    return True
    return False


def generalise(pointer: str) -> str:
    """A pointer with its list indices as ``[]`` (the same field in every element)."""
    return re.sub(r"/\d+(?=/|$)", "/[]", pointer)


def convert_all(documents: Iterable[Document], families: list[str], catalogue: Catalogue,
                errors: Callable[[str], None]) -> list[dict[str, Any]]:
    """Convert every document to the latest version of every family; one record per document."""
    from crosswalk.errors import FormatError, PlanError
    from crosswalk.pipeline import convert

    all_pats = {c.id: [p for pats in c.fields.values() for p in pats] for c in catalogue.concepts}
    records = []
    for d in documents:
        rec: dict[str, Any] = {"href": d.href, "text_repairs": d.text_repairs, "format": None, "conversions": {}}
        places = {cid: [path for p in pats for path, v in carriers(d.doc, p) if has_leaf(v)]
                  for cid, pats in all_pats.items()}
        rec["concepts"] = sorted(c for c, paths in places.items() if paths)
        skipped, results, failed = None, {}, {}
        for fam in families:
            target = latest(fam)
            result = convert(d.doc, href=d.href, to=target)
            if result.detection is not None:  # a version newer than the newest known is named as it declares it
                found = result.detection
                rec["format"] = f"{found.format.family}@{found.newer}" if found.newer else str(found.format)
            if result.error is None:
                results[fam] = result
            elif isinstance(result.error, FormatError):
                skipped = str(result.error)
                break
            else:
                kind = "no path" if isinstance(result.error, PlanError) else "error"
                failed[fam] = {"target": str(target), "status": kind, "error": result.error.message}
        if skipped is not None:
            errors(f"skipped: {skipped}")
            continue
        statuses = {fam: leaf_statuses(d.doc, r.report["fields"]) for fam, r in results.items()}
        unset = unset_leaves(list(statuses.values()))
        for fam in families:
            rec["conversions"][fam] = failed[fam] if fam in failed else _conversion(
                results[fam], fam, catalogue, places, statuses[fam], unset)
        records.append(rec)
    return records


def _conversion(result: Any, fam: str, catalogue: Catalogue, places: dict[str, list[tuple[str, ...]]],
                statuses: dict, unset: set[tuple[str, ...]]) -> dict[str, Any]:
    """One document's conversion to ``fam``, as the study records it."""
    from crosswalk.language.pointer import parse_pointer

    rep = result.report

    def not_set(f: dict[str, Any]) -> bool:
        return f["status"] == "dropped" and _all_unset(parse_pointer(f["path"]), statuses, unset)

    losses = [
        {"path": generalise(f["path"]), "status": f["status"], "reason": f.get("reason", ""),
         "step": f.get("step", ""), "ml": is_ml_path(parse_pointer(f["path"])), "unset": not_set(f)}
        for f in rep["fields"] if f["status"] in ("lossy", "dropped", "invented")
    ]
    # the losses that touch a concept's fields in this document (at, above or below one of its places); a dropped
    # field that was not set loses nothing
    concept_losses = {
        cid: sorted({(generalise(f["path"]), f["status"]) for f in rep["fields"]
                     if f["status"] in ("lossy", "dropped") and not not_set(f)
                     and any(_related(parse_pointer(f["path"]), q) for q in paths)})
        for cid, paths in places.items() if paths
    }
    created = [parse_pointer(f["path"]) for f in rep["fields"] if f["status"] in ("invented", "filled")]
    survival = {}
    for c in catalogue.concepts:
        out_has = _sourced_presence(result.document, c.fields.get(fam, ()), created)
        if places[c.id]:
            # Not in the target's own fields for it, though the report loses none of its fields: carried, but left
            # where it was (a STAC link, another extension's asset role) rather than lost.
            survival[c.id] = "kept" if out_has else "outside" if not concept_losses[c.id] else "lost"
        elif not out_has and concept_presence(result.document, c.fields.get(fam, ())):
            survival[c.id] = "invented"  # only placeholders: the source did not carry it
    split = split_summary(statuses, rep["fields"], rep["summary"], unset)
    return {
        "target": str(latest(fam)), "status": "ok", "steps": rep["steps"],
        # already in the target format (family and version): no step leads there. Its conversion may still repair,
        # drop or invent something; only when every entry is kept is it unchanged (a no-op).
        "already": not rep["steps"], "unchanged": not rep["steps"] and changes(rep["summary"]) == 0,
        "summary": dict(rep["summary"]),
        "source_leaves": sum(rep["summary"].get(s, 0) for s in SOURCE_STATUSES),
        "ml_summary": split["ml"], "core_summary": split["core"], "unset": split["unset"],
        "shares": shares(counted_summary(rep["summary"], sum(split["unset"].values()))), "valid": rep["valid"],
        "issues": sum(1 for i in rep["issues"] if i.get("severity", "error") == "error"),
        "concepts": survival, "losses": losses,
        "concept_losses": {cid: [{"path": p, "status": s} for p, s in v] for cid, v in concept_losses.items() if v},
    }


def _related(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def changes(summary: dict[str, int]) -> int:
    """Report entries that change something (every status but kept)."""
    return sum(n for status, n in summary.items() if status != "kept")


def reached(records: list[dict[str, Any]], fam: str) -> list[dict[str, Any]]:
    """The records converted to ``fam``: documents in other formats, in older versions of ``fam``, and those
    already in it (their conversion may repair or drop something; a no-op keeps every leaf)."""
    return [r for r in records if r["conversions"].get(fam, {}).get("status") == "ok"]


def common(records: list[dict[str, Any]], families: list[str]) -> list[dict[str, Any]]:
    """The records converted to every family: the one set of documents on which the formats are compared."""
    return [r for r in records if all(r["conversions"].get(f, {}).get("status") == "ok" for f in families)]


def pooled_leaves(records: list[dict[str, Any]], fam: str, part: str) -> dict[str, int]:
    """The ``part`` (ml or core) source leaves by status, summed over ``records`` (all converted to ``fam``)."""
    counts = dict.fromkeys(SOURCE_STATUSES, 0)
    for r in records:
        for s, n in r["conversions"][fam][f"{part}_summary"].items():
            counts[s] += n
    return counts


def parts(records: list[dict[str, Any]], fam: str) -> dict[str, dict[str, Any]]:
    """ML-extension leaves and the rest, pooled over ``records`` converted to ``fam``: counts by status, shares,
    and the unset leaves left out of them."""
    out = {}
    for part in PARTS:
        counts = pooled_leaves(records, fam, part)
        out[part] = {"leaves": sum(counts.values()), "counts": counts, "shares": leaf_shares(counts),
                     "unset": sum(r["conversions"][fam]["unset"][part] for r in records)}
    return out


def aggregate(records: list[dict[str, Any]], families: list[str], catalogue: Catalogue) -> dict[str, Any]:
    """Per target format, over every document converted to it: averages of the documents' shares, pooled counts
    (all leaves, ML-extension leaves, the rest), validity, concept survival.

    Documents already in the target format count like the others, with their own conversion report: one its
    conversion repairs or drops something in is counted with those changes, a no-op keeps all its leaves. They are
    also counted apart (``repaired``, ``unchanged``), so that a reader can tell what converting costs."""
    out = {}
    for fam in families:
        convs = [r["conversions"][fam] for r in records if fam in r["conversions"]]
        docs = reached(records, fam)
        ok = [r["conversions"][fam] for r in docs]
        already = [c for c in ok if c["already"]]
        unchanged = [c for c in already if c["unchanged"]]
        pooled = dict.fromkeys(STATUSES, 0)
        for c in ok:
            for k, v in c["summary"].items():
                pooled[k] = pooled.get(k, 0) + v
        survival = {}
        for con in catalogue.concepts:
            states = Counter(c["concepts"].get(con.id) for c in ok if con.id in c["concepts"])
            survival[con.id] = {"kept": states.get("kept", 0), "outside": states.get("outside", 0),
                                "lost": states.get("lost", 0), "invented": states.get("invented", 0)}
        split = parts(docs, fam)
        unset = sum(p["unset"] for p in split.values())
        out[fam] = {
            "target": str(latest(fam)),
            "documents": len(convs),
            "reached": len(ok),
            "converted": len(ok) - len(already),
            "repaired": len(already) - len(unchanged),
            "unchanged": len(unchanged),
            "no_path": sum(1 for c in convs if c["status"] == "no path"),
            "errors": sum(1 for c in convs if c["status"] == "error"),
            "valid": sum(1 for c in ok if c["valid"]),
            "valid_repaired": sum(1 for c in already if not c["unchanged"] and c["valid"]),
            "valid_unchanged": sum(1 for c in unchanged if c["valid"]),
            "average": {k: _mean([c["shares"][k] for c in ok]) for k in SHARE_KEYS},
            "pooled": pooled,
            "pooled_shares": shares(counted_summary(pooled, unset)) if ok else None,
            "ml": split["ml"],
            "core": split["core"],
            "concepts": survival,
        }
    return out
