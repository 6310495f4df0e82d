"""What an adopter of each side of the review's question (ml-model; dlm) would lose, from that side's perspective
only: its own fields per question, and for every ML-extension field of the corpus that does not reach it, where
it was lost and which of the adopted format's fields could have held it."""

from __future__ import annotations

from collections import Counter
from typing import Any

from crosswalk.language.pointer import parse_pointer
from crosswalk.study.catalogue import Catalogue
from crosswalk.study.corpus import reached
from crosswalk.study.paths import relation
from crosswalk.study.trace import latest


def _step_target(step: str) -> str | None:
    """The family a mapping step leads to (``ml-model_1.0.0__mlm_1.5.2`` -> ``mlm``), None for repairs."""
    if "__" not in step:
        return None
    return step.split("__", 1)[1].rsplit("_", 1)[0]


def _question_of(path: str, source_family: str, catalogue: Catalogue) -> list[str]:
    tokens = tuple("[]" if t == "[]" else t for t in parse_pointer(path))
    return [c.id for c in catalogue.concepts
            if any(relation(tokens, p.tokens) for p in c.fields.get(source_family, ()))]


def _reported(reasons: Counter) -> str:
    """The conversion reports' reasons for one field, the most frequent first."""
    return "; ".join(r for r, _ in reasons.most_common() if r) or "no reason reported"


def _for_want_of_a_field(fam: str, questions: list[str], own_fields: dict[str, list[str]],
                         titles: dict[str, str]) -> str:
    """Why ``fam`` cannot hold a field of another family: which of its own fields answer the same questions."""
    holders = sorted({f for q in questions for f in own_fields.get(q, [])})  # a field of two questions is one
    if not questions:
        return f"{fam} has no field for it, and it answers none of the study's questions"
    if not holders:
        return f"{fam} has no field for {', '.join(titles[q] for q in questions)}"
    return (f"{fam} has {len(holders)} field{'s' if len(holders) != 1 else ''} for "
            f"{', '.join(titles[q] for q in questions)}, none of which holds all of it")


def side(records: list[dict[str, Any]], fam: str, catalogue: Catalogue, static: dict[str, Any]) -> dict[str, Any]:
    ok = reached(records, fam)  # documents already in it too: a repair may drop something of theirs
    titles = {c.id: c.title for c in catalogue.concepts}
    own_fields = {c["id"]: [r["field"] for r in c["families"][fam]["fields"]] for c in static["concepts"]}
    carrying = Counter(cid for r in records for cid in r["concepts"])
    docs_by: dict[tuple[str, str, str], set[str]] = {}
    entries: Counter = Counter()
    where: dict[tuple[str, str, str], str] = {}
    reported: dict[tuple[str, str, str], Counter] = {}  # the conversion reports' own reasons
    unset: dict[tuple[str, str, str], set[str]] = {}
    unset_reasons: dict[tuple[str, str, str], Counter] = {}
    core_entries = 0
    for r in ok:
        src = (r["format"] or "?").split("@")[0]
        for f in r["conversions"][fam]["losses"]:
            if f["status"] not in ("lossy", "dropped"):
                continue
            if not f["ml"]:
                core_entries += 1
                continue
            key = (src, f["path"], f["status"])
            if f.get("unset"):  # a null dropped: a field not set, nothing lost
                unset.setdefault(key, set()).add(r["href"])
                unset_reasons.setdefault(key, Counter())[f["reason"]] += 1
                continue
            reported.setdefault(key, Counter())[f["reason"]] += 1
            docs_by.setdefault(key, set()).add(r["href"])
            entries[key] += 1
            target = _step_target(f.get("step", ""))
            where.setdefault(key, f"in the step into {fam}" if target == fam else
                             f"before reaching {fam} (in the step into {target})" if target else
                             "in the repairs before conversion")
    rows = []
    for key in sorted(docs_by, key=lambda k: (-len(docs_by[k]), -entries[k], k)):
        src, path, status = key
        questions = _question_of(path, src, catalogue)
        if src == fam or where[key] == "in the repairs before conversion":
            # A field of the format's own family, or one a repair removed: the format lacks nothing here, so the
            # reason is the conversion report's.
            reason = _reported(reported[key])
        else:
            reason = _for_want_of_a_field(fam, questions, own_fields, titles)
        rows.append({"source": src, "path": path, "status": status, "documents": len(docs_by[key]),
                     "entries": entries[key], "where": where[key], "questions": questions, "reason": reason})
    unset_rows = []
    for key in sorted(unset, key=lambda k: (-len(unset[k]), k)):
        src, path, _ = key
        unset_rows.append({"source": src, "path": path, "documents": len(unset[key]),
                           "reason": _reported(unset_reasons[key])})
    return {
        "target": str(latest(fam)),
        "converted": len(ok),
        "already": sum(1 for r in ok if r["conversions"][fam]["already"]),
        "repaired": sum(1 for r in ok if r["conversions"][fam]["already"] and not r["conversions"][fam]["unchanged"]),
        "no_path": sum(1 for r in records if r["conversions"].get(fam, {}).get("status") == "no path"),
        "valid": sum(1 for r in ok if r["conversions"][fam]["valid"]),
        "from": dict(Counter((r["format"] or "?").split("@")[0] for r in ok)),
        "fields": own_fields,
        "concepts_lost": dict(Counter(cid for r in ok for cid, s in r["conversions"][fam]["concepts"].items()
                                      if s == "lost")),
        # corpus documents carrying a question this family has no field for (independent of any mapping)
        "cannot_express": {cid: carrying[cid] for cid, flds in own_fields.items() if not flds and carrying[cid]},
        "ml_losses": rows,
        "unset": unset_rows,
        "core_loss_entries": core_entries,
    }


def adoption_section(records: list[dict[str, Any]], catalogue: Catalogue, static: dict[str, Any]) -> dict[str, Any]:
    a, b = catalogue.adoption_pair
    return {"a": list(a), "b": list(b), "sides": {fam: side(records, fam, catalogue, static) for fam in (*a, *b)}}
