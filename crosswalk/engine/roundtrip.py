"""Round trips: source -> ``via`` -> source, checked against what the two reports admit.

``roundtrip(doc, via)`` converts a document to another format and back to its own (detected) format, then diffs
the result against the **baseline**: the original document after crosswalk's repairs (``mappings/repairs.yaml``,
which every conversion runs first, the empty one too; its fixes are reported ``repaired``, or ``dropped`` for
invalid fields such as an ``Item.collection`` without a collection link), and, for an MLM document, its list
summaries in the JSON-Schema form: every MLM schema reads a Collection summary as an object, so the list form is
a defect of the source that every conversion landing on MLM rewrites (reported ``transformed``). Comparing
against the raw original would count those announced repairs as round-trip differences.

Every difference (``crosswalk.engine.diff``: JSON Pointers; ``stac_extensions`` and ``links`` compared as multisets)
must be explained by the reports: a source leaf one of the two legs reported ``lossy`` or ``dropped`` (its fate
is its most specific entry), a source leaf the way out reported ``repaired`` (repairs made inside an edge, such
as the dlm edges' eo:bands unit fix; the baseline holds only the repairs step's), or a value one of them
``invented`` (or ``filled``):

* a leg-1 loss explains its own source path (the baseline and the result share a format and so a path space)
  and the result paths its value reached through leg 2; a leg-1 invention, the result paths it reached;
* a leg-2 loss explains the baseline paths whose value it came from (mapped back through leg 1) and the result
  paths in its ``to``; a leg-2 invention, its own path.

A difference that is only a change of place is not a loss either: the very same value, traced through both
reports' ``to`` paths, sits elsewhere in the result (``moved_to``), or came from elsewhere in the baseline
(``moved_from``, or ``copy_of`` when the original place still holds it too); nor is a new object or list made
only of such values (``made_of``: a name-only band definition the way back writes for a band name).

A **re-encoding** is neither a loss nor a bug, and is shown as such (``re_encoded``, with the legs' reasons): a
removed or changed baseline path the way out reported ``transformed`` (or its parts, if only they have entries),
whose trace through both reports ends at that path itself or at the path of an added difference, through an
entry the way back reported ``transformed``, or ``moved``/``kept`` with the value the way out wrote; or ends, both
legs ``transformed``, at the same whole around the path (a summary's JSON Schema ``type`` folded into the list of
its values, which the way back wrote as a JSON Schema again with its values' own type). The value came back in
another, announced encoding: a dlm z-score folded with its ``scaling_factor`` comes back unfolded with factor 1; a
dlm schema URI comes back as another version's; an MLM 1.4 band axis renamed ``bands`` on the way up stays
``bands`` on the way down. The added path of such a pair is a re-encoding too (``stac_extensions``
is a multiset), and so is a changed path such a trace ends at (a dlm commit hash folded into the source URL on the
way out comes back inside that URL). One leg may re-encode alone: a changed path whose value the way out carried
and the way back reported ``transformed`` into it, or parts of it into it (a framework in MLM's enum spelling, a
class name cleaned to MLM's pattern, a summary's JSON Schema written as the list of its values), an added path the
way back reported ``transformed`` from a value the way out carried (``mlm:pretrained`` read off a dlm pretraining
source), or a removed path whose value the way out carried and the way back reported ``transformed`` into another
(a legacy ``norm_by_channel`` beside ``value_scaling``, folded into it).

Anything else is an engine or mapping bug (a ``transformed``/``moved``/``kept`` report that did not hold) and is
listed under ``unexplained``.

With ``keep_source`` the first leg runs in lossless mode (``--keep-source``: fields with no target stay under
their own keys); the return leg is a plain conversion whose rules let values already present win, which is what
restores the parked fields. (Keeping source fields on the way back too would park the values invented on the
way out.)
"""

from __future__ import annotations

import copy
from typing import Any

from crosswalk.engine.diff import diff
from crosswalk.language.pointer import Path, exists, get, parse_pointer, to_pointer

LOSSES = ("lossy", "dropped")
CREATED = ("invented", "filled")


def repaired(doc: Any, href: str | None = None) -> Any:
    """``doc`` after crosswalk's repairs only (the baseline of a round trip); the input is not mutated."""
    from crosswalk.detection import detect

    return _repaired(doc, href, detect(doc, href).format.family)[0]


def _repaired(doc: Any, href: str | None, family: str) -> tuple[Any, list[dict[str, Any]]]:
    from crosswalk.engine.ctx import Ctx
    from crosswalk.engine.ledger import Ledger
    from crosswalk.engine.ops import apply
    from crosswalk.language.spec import load_support
    from crosswalk.transforms import REGISTRY

    work = copy.deepcopy(doc)
    ledger = Ledger(doc)
    ctx = Ctx(work, ledger, href=href)
    apply(load_support("repairs.yaml"), ctx)
    if family == "mlm":  # list summaries are invalid MLM: the baseline expects them rewritten
        REGISTRY["mlm.summaries_schema_form"].fn(ctx)
    return work, ledger.entries()


def _related(a: Path, b: Path) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _targets(entry: dict[str, Any]) -> list[Path]:
    """Where an entry's value is in its output (own path for kept entries without ``to``)."""
    if "to" in entry:
        return [parse_pointer(t) for t in entry["to"]]
    if entry["status"] == "kept":
        return [parse_pointer(entry["path"])]
    return []


def _source_entries(fields: list[dict[str, Any]]) -> dict[Path, dict[str, Any]]:
    return {parse_pointer(e["path"]): e for e in fields if e["status"] not in ("invented", "filled")}


def _effective(by_path: dict[Path, dict[str, Any]], path: Path) -> tuple[Path, dict[str, Any]] | None:
    """The most specific entry at or above ``path`` (the report contract's rule)."""
    for n in range(len(path), -1, -1):
        e = by_path.get(path[:n])
        if e is not None:
            return path[:n], e
    return None


def _fates(by_path: dict[Path, dict[str, Any]], path: Path) -> list[tuple[dict[str, Any], Path, Path]]:
    """(entry, input path, output path) triples: where the input path ``path`` went, per one leg's report. A
    node reported only below itself went where the entries under it put its parts: the entry above it (the
    root's ``kept`` at least) speaks for what no specific entry reports, not for them."""
    if path not in by_path:
        under = [(p, e) for p, e in by_path.items() if len(p) > len(path) and p[:len(path)] == path]
        if under:
            return [(e, p, t) for p, e in under for t in _targets(e)]
    return [(e, path, t) for e, t in _placed(by_path, path)]


def _placed(by_path: dict[Path, dict[str, Any]], path: Path) -> list[tuple[dict[str, Any], Path]]:
    """(entry, output path) pairs: where the most specific entry at or above ``path`` put it."""
    hit = _effective(by_path, path)
    if hit is None:
        return []
    at, e = hit
    return [(e, t + path[len(at):]) for t in _targets(e)]


def _forward(by_path: dict[Path, dict[str, Any]], path: Path) -> list[Path]:
    """Output paths the input path ``path`` reached, per one leg's report."""
    return [t for _, _, t in _fates(by_path, path)]


def _backward(fields: list[dict[str, Any]], path: Path, given: Any) -> list[Path]:
    """Input paths whose values reached the output path ``path``, per one leg's report; ``given`` is that leg's
    input. Below an entry's target the source follows ``path`` down ``given`` only: it stops at a scalar (an
    entry that made an object of one value, such as a class from a one-key mapping), and a source path that is
    not in ``given`` is none (the root's ``kept`` would otherwise claim every path the leg wrote)."""
    out: list[Path] = []
    for e in fields:
        if e["status"] in CREATED:
            continue
        for t in _targets(e):
            if _related(t, path):
                src = parse_pointer(e["path"])
                for key in path[len(t):]:
                    if not exists(given, src) or not isinstance(get(given, src), (dict, list)):
                        break
                    src += (key,)
                if exists(given, src):
                    out.append(src)
    return out


def explanations(original: Any, middle: Any, out_fields: list[dict[str, Any]],
                 back_fields: list[dict[str, Any]], repair_fields: list[dict[str, Any]] | None = None,
                 ) -> list[dict[str, Any]]:
    """Every source leaf either leg reported lossy/dropped, and every value either leg invented (or filled),
    with the baseline/result paths it accounts for (``covers``). ``original`` and ``middle`` are the inputs of
    the two legs; a leaf's fate is its most specific report entry."""
    from crosswalk.language.pointer import leaves

    out_by, back_by = _source_entries(out_fields), _source_entries(back_fields)
    repair_by = _source_entries(repair_fields or [])
    found: list[dict[str, Any]] = []

    def add(leg: str, path: Path, e: dict[str, Any], covers: set[Path]) -> None:
        found.append({"leg": leg, "path": to_pointer(path), "status": e["status"], "reason": e.get("reason", ""),
                      "covers": sorted(covers)})

    for leaf, _ in leaves(original):
        hit = _effective(out_by, leaf)
        if hit and hit[1]["status"] in LOSSES + ("repaired",):  # "after the repairs reported on the way"
            covers = {leaf, *_forward(repair_by, leaf)}  # where the repairs put it in the baseline
            for mid in _forward(out_by, leaf):
                covers.update(_forward(back_by, mid))
            add("out", leaf, hit[1], covers)
    for leaf, _ in leaves(middle):
        hit = _effective(back_by, leaf)
        if hit and hit[1]["status"] in LOSSES:
            covers = set(_forward(back_by, leaf))
            for src in _backward(out_fields, leaf, original):
                covers.update([src, *_forward(repair_by, src)])
            add("back", leaf, hit[1], covers)
    for e in out_fields:
        if e["status"] in CREATED:
            made = parse_pointer(e["path"])
            under = [made + rel for rel, _ in leaves(get(middle, made))] if exists(middle, made) else [made]
            # the invented node itself too, where the way back left it (its parts may have gone elsewhere)
            itself = {t for _, t in _placed(back_by, made)}
            add("out", made, e, itself | {r for leaf in under for r in _forward(back_by, leaf)})
    for e in back_fields:
        if e["status"] in CREATED:
            add("back", parse_pointer(e["path"]), e, {parse_pointer(e["path"])})
    return found


def _relocation(baseline: Any, result: Any, d: dict[str, Any], out_fields: list[dict[str, Any]],
                back_fields: list[dict[str, Any]], original: Any, middle: Any) -> tuple[str, Any] | None:
    """A difference that is only a change of place: the very same value, traced through both reports, sits at
    another path of the result (``moved_to``), or came from another path of the baseline (``copy_of`` when
    that one is still in the result too, else ``moved_from``), or is a new object or list made only of such
    values (``made_of``: where they came from). None if it is not that. ``original`` and ``middle`` are the
    inputs of the two legs."""
    path = parse_pointer(d["path"])

    def went() -> str | None:  # where the baseline value at path went, unchanged
        value = get(baseline, path)
        out_by, back_by = _source_entries(out_fields), _source_entries(back_fields)
        for mid in _forward(out_by, path):
            for dst in _forward(back_by, mid):
                if dst != path and exists(result, dst) and get(result, dst) == value:
                    return to_pointer(dst)
        return None

    def came() -> tuple[str, bool] | None:  # where the result value at path came from, unchanged
        value = get(result, path)
        for mid in _backward(back_fields, path, middle):
            for src in _backward(out_fields, mid, original):
                if src != path and exists(baseline, src) and get(baseline, src) == value:
                    return to_pointer(src), exists(result, src) and get(result, src) == value
        return None

    if d["status"] == "removed":
        dst = went()
        return ("moved_to", dst) if dst else None
    src = came()
    if d["status"] == "added" and src is None and isinstance(d.get("new"), (dict, list)) and d["new"]:
        # a new object or list whose every value came unchanged from the baseline (a name-only band definition
        # made of a band name): its structure is new, nothing in it is
        from crosswalk.language.pointer import leaves

        parts = []
        for leaf, _ in leaves(d["new"], path):
            came_from = _relocation(baseline, result, {"path": to_pointer(leaf), "status": "added"}, out_fields,
                                    back_fields, original, middle)
            if came_from is None:
                return None
            parts.append(came_from[1])
        return "made_of", sorted(set(parts))
    if d["status"] == "added":
        return (("copy_of" if src[1] else "moved_from"), src[0]) if src else None
    dst = went()  # changed: the old value left for another place and the new one arrived from another
    return ("moved_from", src[0]) if src and dst else None


def _re_encodings(diffs: list[dict[str, Any]], out_fields: list[dict[str, Any]], back_fields: list[dict[str, Any]],
                  middle: Any, result: Any, original: Any) -> dict[str, dict[str, str]]:
    """{difference path: re-encoding} for the closed traces of two announced re-encodings (see the module's
    docstring): ``from`` the baseline path, ``to`` the result path it came back to, and the reasons of the
    ``out`` and ``back`` entries (the status if one gives none). Both ends of a trace are listed."""
    out_by, back_by = _source_entries(out_fields), _source_entries(back_fields)
    added = {d["path"] for d in diffs if d["status"] != "removed"}  # added, or changed: a value arrived there
    found: dict[str, dict[str, str]] = {}
    for d in (d for d in diffs if d["status"] != "added"):
        path = parse_pointer(d["path"])
        for up, _, mid in _fates(out_by, path):
            for e, src, dst in _fates(back_by, mid) if up["status"] == "transformed" else ():
                carried = (e["status"] in ("moved", "kept") and exists(middle, src) and exists(result, dst)
                           and get(middle, src) == get(result, dst))  # the way out's encoding, brought back as is
                back_here = dst[:len(path)] == path  # to the path itself, or into it (an object became a list)
                # or folded into a whole around it that the way back re-encoded in its place (a summary's JSON Schema
                # type keyword went into the list of its values, and that list became a JSON Schema again)
                around = e["status"] == "transformed" and dst == mid == path[:len(mid)]
                if (e["status"] == "transformed" or carried) and (back_here or around or to_pointer(dst) in added):
                    how = {"from": d["path"], "to": to_pointer(dst), "out": up.get("reason") or "transformed",
                           "back": e.get("reason") or e["status"]}
                    found.setdefault(d["path"], how)
                    found.setdefault(how["to"], how)
    # One leg's re-encoding: the way back wrote in another form, and said so, a value whose source the way out
    # carried: the same path's value or a part of it (a framework in MLM's enum spelling, a class name cleaned to
    # MLM's pattern, a JSON Schema summary written as its list) or, for an added path, any source value
    # (mlm:pretrained read off a dlm pretraining source).
    for d in diffs:
        if d["path"] in found:
            continue
        path = parse_pointer(d["path"])
        if d["status"] == "removed":  # carried out as it was, and folded on the way back into a value elsewhere
            for up, _, mid in _fates(out_by, path):
                for e, _, dst in _fates(back_by, mid) if up["status"] in ("kept", "moved") else ():
                    if e["status"] == "transformed" and dst != path and exists(result, dst):
                        found[d["path"]] = {"from": d["path"], "to": to_pointer(dst),
                                            "out": up.get("reason") or up["status"],
                                            "back": e.get("reason") or "transformed"}
            if d["path"] not in found:
                merged = _merged(path, out_fields, back_by, result, original)
                if merged:
                    found[d["path"]] = merged
            continue
        for e in back_fields:
            if e["status"] != "transformed" or d["path"] not in e.get("to", ()):
                continue
            sources = _backward(out_fields, parse_pointer(e["path"]), original)
            # changed: the old value at the path, or a part of it, is what the way back transformed into it
            if any(s[:len(path)] == path for s in sources) if d["status"] == "changed" else sources:
                src = path if d["status"] == "changed" else sources[0]
                hit = _effective(out_by, src)
                found[d["path"]] = {"from": to_pointer(src), "to": d["path"],
                                    "out": (hit[1].get("reason") or hit[1]["status"]) if hit else "kept",
                                    "back": e.get("reason") or "transformed"}
                break
    return found


def _merged(path: Path, out_fields: list[dict[str, Any]], back_by: dict[Path, dict[str, Any]], result: Any,
            original: Any) -> dict[str, str] | None:
    """A source value the way out reported transformed into the very value another source field became too (an
    ml-model schema URI and the MLM one beside it, made one MLM URI): one value cannot come back as two, and the
    way back brought the other's, as it was. The trace of that announced merge, or None."""
    here = [e for e in out_fields if e["status"] == "transformed" and parse_pointer(e["path"]) == path]
    for up in here:
        for mid in _targets(up):
            for other in out_fields:
                src = parse_pointer(other["path"])
                if (other is up or other["status"] in CREATED or mid not in _targets(other)
                        or not exists(original, src)):
                    continue
                for e, _, dst in _fates(back_by, mid):
                    if exists(result, dst) and get(result, dst) == get(original, src):
                        return {"from": to_pointer(path), "to": to_pointer(dst),
                                "out": f"{up.get('reason') or 'transformed'} (merged with {other['path']})",
                                "back": e.get("reason") or e["status"]}
    return None


def roundtrip(doc: dict[str, Any], via: str, keep_source: bool = False, *, href: str | None = None) -> dict[str, Any]:
    """Convert ``doc`` to ``via`` and back; return the differences and whether each is explained.

    The result: ``source``/``via`` formats, ``steps`` of both legs, ``exact`` (no difference), ``ok`` (no
    unexplained difference), ``differences`` (each with ``explained_by``: the report entries that admit it, or
    ``moved_to``/``moved_from``/``copy_of``/``made_of``: where the same values are, or ``re_encoded``: the trace of an
    announced re-encoding), ``re_encoded`` and ``unexplained`` (those differences),
    ``reported`` (lossy/dropped/invented fields of both legs with the paths they cover), ``recovered`` (losses
    reported on the way out whose paths came back equal anyway), ``reports`` (both conversion reports) and
    ``document`` (the result). Conversion errors are returned under ``error`` (and ``ok`` is false).
    """
    from crosswalk.detection import detect
    from crosswalk.pipeline import convert

    source = detect(doc, href).format
    out = convert(doc, href=href, to=via, keep_source=keep_source)
    result: dict[str, Any] = {"source": str(source), "via": via, "keep_source": keep_source, "href": href}
    if out.error:
        return {**result, "ok": False, "exact": False, "error": f"out: {out.error}"}
    back = convert(out.document, href=href, to=str(source))
    if back.error:
        return {**result, "ok": False, "exact": False, "error": f"back: {back.error}"}
    baseline, repairs = _repaired(doc, href, source.family)  # the empty plan repairs too
    diffs = diff(baseline, back.document)
    found = explanations(doc, out.document, out.report["fields"], back.report["fields"], repairs)
    re_encodings = _re_encodings(diffs, out.report["fields"], back.report["fields"], out.document, back.document,
                                 doc)
    unexplained, re_encoded = [], []
    for d in diffs:
        path = parse_pointer(d["path"])
        by = sorted({f["path"] for f in found if any(_related(c, path) for c in f["covers"])})
        d["explained_by"] = by
        if not by:
            moved = _relocation(baseline, back.document, d, out.report["fields"], back.report["fields"], doc,
                                out.document)
            if moved is not None:
                d[moved[0]] = moved[1]
            elif d["path"] in re_encodings:
                d["re_encoded"] = re_encodings[d["path"]]
                re_encoded.append(d)
            else:
                unexplained.append(d)
    differing = [parse_pointer(d["path"]) for d in diffs]
    recovered = sorted({f["path"] for f in found if f["leg"] == "out" and f["status"] in LOSSES
                        and not any(_related(c, p) for c in f["covers"] for p in differing)})
    for f in found:
        f["covers"] = [to_pointer(c) for c in f["covers"]]
    return {
        **result,
        "target": str(out.target),
        "steps": {"out": out.steps, "back": back.steps},
        "exact": not diffs,
        "ok": not unexplained,
        "differences": diffs,
        "re_encoded": re_encoded,
        "unexplained": unexplained,
        "reported": found,
        "recovered": recovered,
        "valid": {"out": out.valid, "back": back.valid},
        "reports": {"out": out.report, "back": back.report},
        "document": back.document,
    }


def render_text(r: dict[str, Any]) -> str:
    head = f"{r.get('href') or '<stdin>'}: {r['source']} -> {r['via']} -> {r['source']}"
    if r.get("keep_source"):
        head += " (--keep-source)"
    if "error" in r:
        return f"{head}\n  error: {r['error']}"
    lines = [head]
    n, again, bad = len(r["differences"]), len(r["re_encoded"]), len(r["unexplained"])
    if not n:
        lines.append("  exact: the document came back unchanged (after repairs)")
    else:
        lines.append(f"  {n} difference(s), {n - again - bad} explained by the reports, "
                     + (f"{again} re-encoded, " if again else "") + f"{bad} unexplained")
    from crosswalk.engine.diff import _short

    for d in r["differences"]:
        mark = {"added": "+", "removed": "-", "changed": "~"}[d["status"]]
        what = (f"{_short(d['old'], 60)} -> {_short(d['new'], 60)}" if d["status"] == "changed"
                else _short(d.get("new", d.get("old")), 60))
        if d["explained_by"]:
            why = f"explained by {', '.join(d['explained_by'][:3])}"
        elif d.get("copy_of"):
            why = f"the same value as {d['copy_of']}, copied here by the reported steps"
        elif d.get("made_of"):
            why = f"new structure of values copied by the reported steps from {', '.join(d['made_of'][:3])}"
        elif d.get("moved_from") or d.get("moved_to"):
            why = (f"the same value, moved from {d['moved_from']} by the reported steps" if d.get("moved_from")
                   else f"the same value, moved to {d['moved_to']} by the reported steps")
        elif d.get("re_encoded"):
            how = d["re_encoded"]
            ends = ("" if how["from"] == how["to"] else f" as {how['to']}" if how["from"] == d["path"]
                    else f" from {how['from']}")
            why = f"re-encoded{ends} (out: {_cut(how['out'])}; back: {_cut(how['back'])})"
        else:
            why = "UNEXPLAINED (a bug)"
        lines.append(f"  {mark} {d['path'] or '/'}: {what}  [{why}]")
    return "\n".join(lines)


def _cut(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n - 3] + "..."


def render(r: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        import json

        return json.dumps({k: v for k, v in r.items() if k != "document"}, indent=2, ensure_ascii=False)
    return render_text(r)


__all__ = ["roundtrip", "repaired", "explanations", "render"]
