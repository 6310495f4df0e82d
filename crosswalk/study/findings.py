"""The study's findings, generated from its numbers.

Every finding is a sentence and the numbers it was written from: ``{"text": ..., "numbers": {...}}``. The text
is formatted from those numbers only, and the numbers are taken from the rest of the report (the static
comparison, the per-format aggregates, the per-document records), so every sentence can be traced back. The
report's tests recompute each number from the per-document records.
"""

from __future__ import annotations

from typing import Any

from crosswalk.study.corpus import CARRIED, common, parts, reached


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _names(items: list[str]) -> str:
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _show(value: Any) -> str:
    """Shares (floats) as percentages, everything else as it is."""
    return _pct(value) if isinstance(value, float) else str(value)


def _sentence(text: str, **numbers: Any) -> dict[str, Any]:
    """A finding: the text is formatted from the numbers it is stored with, and from nothing else."""
    return {"text": text.format(**{k: _show(v) for k, v in numbers.items()}), "numbers": numbers}


def _label(report: dict[str, Any], fam: str) -> str:
    return report["formats"][fam]["target"]


# ----------------------------------------------------------------------------------------------------------------
# The headline: ML-extension fields apart from STAC core
# ----------------------------------------------------------------------------------------------------------------


def headline(report: dict[str, Any]) -> list[dict[str, Any]]:
    """What converting the compared documents to each format keeps, ML-extension fields apart from the rest: every
    format on the same documents (`corpus.common`), so that the rows compare."""
    docs = common(report["documents"], report["families"])
    out = []
    for fam in report["families"]:
        target = _label(report, fam)
        split = parts(docs, fam)
        ml, core = split["ml"], split["core"]
        already = sum(1 for r in docs if r["conversions"][fam]["already"])
        row = {"family": fam, "target": target, "documents": len(docs), "already": already,
               "ml": _part(ml), "core": _part(core), "sentences": []}
        if ml["leaves"]:
            unset = (" ({ml_unset} more are null, fields not set: dropped, and not counted)" if ml["unset"] else "")
            row["sentences"].append(_sentence(
                "Converted to {target}, the {documents} documents ({already} of them already in it) carry "
                "{ml_leaves} ML-extension leaves" + unset + ": {ml_kept} kept ({kept_share}), {ml_lossy} lossy "
                "({lossy_share}), {ml_dropped} dropped ({dropped_share}); of their {core_leaves} other leaves "
                "(STAC core, geometry, links), {core_kept} are kept ({core_share}).",
                **({"ml_unset": ml["unset"]} if ml["unset"] else {}),
                target=target, documents=len(docs), already=already, ml_leaves=ml["leaves"],
                ml_kept=row["ml"]["kept"], ml_lossy=row["ml"]["lossy"], ml_dropped=row["ml"]["dropped"],
                kept_share=ml["shares"]["kept"], lossy_share=ml["shares"]["lossy"],
                dropped_share=ml["shares"]["dropped"], core_leaves=core["leaves"], core_kept=row["core"]["kept"],
                core_share=core["shares"]["kept"], family=fam))
        out.append(row)
    return out


def _part(part: dict[str, Any]) -> dict[str, Any]:
    c = part["counts"]
    return {"leaves": part["leaves"], "kept": sum(c.get(s, 0) for s in CARRIED), "lossy": c.get("lossy", 0),
            "dropped": c.get("dropped", 0), "unset": part["unset"], "shares": part["shares"]}


# ----------------------------------------------------------------------------------------------------------------
# Per question (requirement group of the review, use case of ml-model)
# ----------------------------------------------------------------------------------------------------------------


def question(report: dict[str, Any], concept: dict[str, Any]) -> dict[str, Any]:
    cid = concept["id"]
    fams = report["families"]
    offered = {f: concept["families"][f]["offered"] for f in fams}
    carriers = [f for f in fams if offered[f]]
    records = report["documents"]
    carrying = [r for r in records if cid in r["concepts"]]
    sentences = [_sentence(
        "{carriers} offer fields for it ({counts}); {absent}.",
        carriers=_names(carriers), counts=", ".join(f"{f}: {offered[f]}" for f in carriers),
        absent=("every format has one" if len(carriers) == len(fams)
                else _names([f for f in fams if not offered[f]]) + " " + (
                    "has none" if len(fams) - len(carriers) == 1 else "have none")),
        offered=offered)]
    sentences.append(_sentence("{carrying} of the {documents} documents carry it.", carrying=len(carrying),
                               documents=len(records)))
    conversions = []
    for fam in fams:
        ok = [r for r in reached(records, fam) if cid in r["concepts"]]
        if not ok:
            continue
        kept = [r for r in ok if r["conversions"][fam]["concepts"].get(cid) == "kept"]
        lost = [r for r in ok if r["conversions"][fam]["concepts"].get(cid) == "lost"]
        outside = [r for r in ok if r["conversions"][fam]["concepts"].get(cid) == "outside"]
        fields: dict[tuple[str, str], set[str]] = {}
        for r in ok:
            for x in r["conversions"][fam].get("concept_losses", {}).get(cid, []):
                fields.setdefault((x["path"], x["status"]), set()).add(r["href"])
        partial = sorted({h for hrefs in fields.values() for h in hrefs} - {r["href"] for r in lost})
        ranked = sorted(fields, key=lambda k: (-len(fields[k]), k))
        evidence = {"lost": [r["href"] for r in lost], "partial": partial, "outside": [r["href"] for r in outside],
                    "fields": [{"path": p, "status": s, "documents": len(fields[(p, s)])} for p, s in ranked]}
        conv = {"family": fam, "target": _label(report, fam), "documents": len(ok), "kept": len(kept),
                "outside": len(outside), "lost": len(lost), "partial": len(partial), "fields": len(fields),
                "evidence": evidence}
        conversions.append(conv)
        # carried by the conversion (it reports none of the fields lost) but not into the target's own fields
        left = ("{outside} keep it only outside {family}'s fields for it (the conversion reports none of its fields "
                "lost: they are carried under names {family} does not define)" if outside else "")
        extra = {"outside": len(outside)} if outside else {}
        if lost or partial:
            top = ", ".join(f"{p} {s} in {n}" for p, s, n in
                            ((f["path"], f["status"], f["documents"]) for f in evidence["fields"][:3]))
            sentences.append(_sentence(
                "Converted to {target}, {lost} of {documents} documents lose it entirely and {partial} more lose part "
                "of it ({fields} affected fields{top})" + ("; " + left if left else "") + ".",
                target=conv["target"], lost=len(lost), documents=len(ok), partial=len(partial), fields=len(fields),
                top=f"; most often {top}" if top else "", family=fam, **extra))
        elif outside:
            sentences.append(_sentence(
                "Converted to {target}, {kept} of {documents} documents carrying it keep it and " + left + ".",
                target=conv["target"], kept=len(kept), documents=len(ok), family=fam, **extra))
        else:
            sentences.append(_sentence("Converted to {target}, all {documents} documents carrying it keep it.",
                                       target=conv["target"], documents=len(ok), family=fam))
    return {"id": cid, "title": concept["title"], "group": concept["group"], "group_title": concept["group_title"],
            "summary": concept["summary"], "offered": offered, "carriers": carriers, "documents": len(carrying),
            "conversions": conversions, "sentences": sentences}


# ----------------------------------------------------------------------------------------------------------------
# Which to adopt
# ----------------------------------------------------------------------------------------------------------------


def distinct_fields(report: dict[str, Any], fam: str) -> list[str]:
    """The fields ``fam`` offers for any question, each once: a field answering two questions (say
    mlm:pretrained, for Architecture and Re-training) is one field, not two."""
    out: list[str] = []
    for c in report["static"]["concepts"]:
        out.extend(r["field"] for r in c["families"][fam]["fields"] if r["field"] not in out)
    return out


def family_of(record: dict[str, Any]) -> str:
    return (record["format"] or "?").split("@")[0]


def standing(report: dict[str, Any], questions: list[dict[str, Any]], fam: str,
             docs: list[dict[str, Any]]) -> dict[str, Any]:
    """What an adopter of ``fam`` gets: the questions it can answer, and what converting ``docs`` (the same for
    every format) to it keeps, in all and by the format each document was written in."""
    ml = parts(docs, fam)["ml"]
    kept = sum(ml["counts"][s] for s in CARRIED)
    by_source: dict[str, dict[str, Any]] = {}
    for r in docs:
        row = by_source.setdefault(family_of(r), {"documents": 0, "ml_leaves": 0, "ml_kept": 0})
        counts = r["conversions"][fam]["ml_summary"]
        row["documents"] += 1
        row["ml_leaves"] += sum(counts.values())
        row["ml_kept"] += sum(counts[s] for s in CARRIED)
    for row in by_source.values():
        row["ml_kept_share"] = row["ml_kept"] / row["ml_leaves"] if row["ml_leaves"] else None
    return {"family": fam, "target": _label(report, fam), "questions": len(questions),
            "carried": sum(1 for q in questions if q["offered"][fam]),
            "missing": [q["title"] for q in questions if not q["offered"][fam]],
            "fields": len(distinct_fields(report, fam)),
            "documents": len(docs), "written_in": sum(1 for r in docs if family_of(r) == fam),
            "already": sum(1 for r in docs if r["conversions"][fam]["already"]),
            "ml_leaves": ml["leaves"], "ml_kept": kept, "ml_kept_share": kept / ml["leaves"] if ml["leaves"] else None,
            "concepts_lost": sum(1 for r in docs for state in r["conversions"][fam]["concepts"].values()
                                 if state == "lost"),
            "by_source": by_source}


def _rank_key(s: dict[str, Any]) -> tuple:
    """What the compared documents keep in this format first, then how many questions it answers."""
    return (-(s["ml_kept_share"] or 0.0), -s["carried"], s["concepts_lost"], s["family"])


def recommendation(report: dict[str, Any], questions: list[dict[str, Any]]) -> dict[str, Any]:
    """The format to adopt: the one that keeps the largest share of the ML-extension fields of the compared
    documents.

    Every format is measured on the same documents: every document converted to all of them, those already in a
    format included. An adopter converts the corpus they have; a document already in the format costs what its
    own conversion report says (its repairs; nothing for a no-op), one in an older version of the family costs its
    upgrade. Leaving each format's own documents out instead would measure every format on a different set, and
    the ranking would follow the corpus mix rather than the formats; the mix still matters here, so the findings
    say how many documents each format's family wrote, and the table by source format shows each part apart."""
    fams = report["families"]
    docs = common(report["documents"], fams)
    standings = sorted((standing(report, questions, f, docs) for f in fams), key=_rank_key)
    measured = [s for s in standings if s["ml_kept_share"] is not None]
    left_out = len(report["documents"]) - len(docs)
    sentences = []
    best = measured[0] if measured else None
    if best is not None:
        sentences.append(_sentence(
            "Adopt {target}: converting the {documents} compared documents to it keeps {kept_share} of their "
            "ML-extension fields ({ml_kept} of {ml_leaves} leaves), more than any other format keeps of the same "
            "documents; {written_in} of them were written in {family} ({already} already in {target}). It offers "
            "fields for {carried} of the {questions} questions ({fields} distinct fields) and {missing_text}.",
            target=best["target"], carried=best["carried"], questions=best["questions"], fields=best["fields"],
            documents=best["documents"], kept_share=best["ml_kept_share"], ml_leaves=best["ml_leaves"],
            ml_kept=best["ml_kept"], written_in=best["written_in"], already=best["already"],
            missing_text=("has no field for " + _names(best["missing"])) if best["missing"]
            else "answers every question", family=best["family"]))
        sentences.append(_sentence(
            "Every format is measured on the same {documents} documents: each document converted to all {formats} "
            "formats, those already in a format included, since an adopter converts the documents they have (one "
            "already in the format costs what its own conversion report says: nothing for a no-op){left_out_text}.",
            documents=len(docs), formats=len(fams),
            left_out_text=(f"; {left_out} documents without a conversion to every format are left out"
                           if left_out else "")))
    for s in measured[1:]:
        sentences.append(_sentence(
            "{target} keeps {kept_share} of the ML-extension fields of the same {documents} documents ({ml_kept} of "
            "{ml_leaves} leaves; {written_in} written in {family}, {already} already in it) and offers fields for "
            "{carried} of {questions} questions; converted to it, a document loses a question's fields entirely "
            "{concepts_lost} times.",
            target=s["target"], carried=s["carried"], questions=s["questions"], kept_share=s["ml_kept_share"],
            documents=s["documents"], ml_kept=s["ml_kept"], ml_leaves=s["ml_leaves"], written_in=s["written_in"],
            already=s["already"], concepts_lost=s["concepts_lost"], family=s["family"]))
    if best is None:
        sentences.append(_sentence(
            "No format is measured: {why}.",
            why=(f"none of the {len(report['documents'])} documents was converted to every format" if not docs
                 else f"the {len(docs)} documents converted to every format carry no ML-extension field")))
    # the review's own question: ml-model or dlm
    pair_a, pair_b = report["adoption"]["a"], report["adoption"]["b"]
    sides = [s for s in measured if s["family"] in (*pair_a, *pair_b)]
    pair = None
    if sides:
        winner = sides[0]
        pair = _sentence(
            "Of the two formats the 2023 review weighed, {winner} keeps the most: {kept_share} of the ML-extension "
            "fields of the same documents, against {others}.",
            winner=winner["target"], kept_share=winner["ml_kept_share"],
            others=_names([f"{_pct(s['ml_kept_share'])} for {s['target']}" for s in sides[1:]]),
            family=winner["family"])
    return {"adopt": best["family"] if best else None, "documents": len(docs), "left_out": left_out,
            "standings": standings, "sentences": sentences, "review_pair": pair}


# ----------------------------------------------------------------------------------------------------------------
# Companions: what a training-data description would add beside a model format
# ----------------------------------------------------------------------------------------------------------------


def is_stac_core(name: str) -> bool:
    """An unprefixed field (providers, license, ...) is STAC core: every model format, being STAC, carries it."""
    return ":" not in name


def companion(report: dict[str, Any], key: str) -> dict[str, Any]:
    st = report["static"]
    comp = st["companions"][key]
    model_names = {row["field"].split(".")[-1].split("=")[0].replace("[]", "")
                   for c in st["concepts"] for f in report["families"] for row in c["families"][f]["fields"]}
    per_question = []
    new_fields: list[str] = []  # each once, though a field may answer several questions (label:classes)
    for c in st["concepts"]:
        fields = c["companions"].get(key) or []
        new = [f for f in fields if f not in model_names and not is_stac_core(f)]
        new_fields.extend(f for f in new if f not in new_fields)
        if fields:
            per_question.append({"id": c["id"], "title": c["title"], "fields": fields, "new": new})
    asked = [q["title"] for q in per_question if q["new"]]
    sentences = [_sentence(
        "{title} is not a model format: it describes training data sets. Beside a model format it would add "
        "{new} fields no model format has, for {questions} questions ({asked}); a model record links to such a "
        "data set rather than carrying them.",
        title=comp["title"], new=len(new_fields), questions=len(asked), asked=_names(asked))]
    core = sorted({f for q in per_question for f in q["fields"] if is_stac_core(f)})
    if core:
        sentences.append(_sentence("{core_fields} {verb} STAC core, which every model format carries.",
                                   core_fields=_names(core), verb="is" if len(core) == 1 else "are"))
    return {"key": key, "title": comp["title"], "questions": per_question, "new_fields": len(new_fields),
            "new": new_fields, "sentences": sentences}


def findings(report: dict[str, Any]) -> dict[str, Any]:
    """All findings of the report (which must hold the static part, the formats, the adoption pair and the
    documents)."""
    questions = [question(report, c) for c in report["static"]["concepts"]]
    return {
        "headline": headline(report),
        "questions": questions,
        "recommendation": recommendation(report, questions),
        "companions": [companion(report, k) for k in report["static"]["companions"]],
    }
