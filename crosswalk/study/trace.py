"""The static comparison: for every concept and family, the fields offered and required (from the vendored
schemas) and how each field maps to every other family, traced through the rules of the mapping files along the
version graph. A change to a mapping changes these tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crosswalk.study.catalogue import load_catalogue
from crosswalk.study.paths import Pattern, Tokens, declared_patterns, pattern, patterns, relation, same_path
from crosswalk.study.schemas import SchemaInfo, family_schema

GRADES = ("exact", "transformed", "lossy", "none")
GRADE_RANK = {g: i for i, g in enumerate(GRADES)}
GRADE_NOTE = {
    "exact": "same information, at most renamed, moved or re-spelt through a value table",
    "transformed": "reshaped by a named transform (exact or lossy depending on the values: see the corpus part)",
    "lossy": "part of the information is lost or approximated",
    "none": "no target: dropped, or left behind as a field the target format does not know",
    "no path": "no chain of mapping files leads there yet",
    "—": "the source family has no field for this concept",
}


@dataclass(frozen=True)
class RuleView:
    """One rule flattened for tracing: the paths it reads and writes as patterns."""

    op: str
    where: str
    edge: str
    reads: tuple[Pattern, ...]
    writes: tuple[Pattern, ...]
    to: Pattern | None = None  # rename: new key; move/copy: target
    note: str = ""
    lossy_table: bool = False
    status: str | None = None  # what the rule reports (a copy `status: lossy` is a lossy way there)


def _pointer_pattern(text: str) -> Pattern:
    """A JSON Pointer (set/default/move targets) as a pattern; numeric steps are any list element."""
    from crosswalk.language.pointer import parse_pointer

    return Pattern(tuple("[]" if p.isdigit() else p for p in parse_pointer(text)))


def _rebase(base: Tokens, pats: Iterable[Pattern]) -> tuple[Pattern, ...]:
    return tuple(Pattern(base + p.tokens, p.value) for p in pats)


def _rule_paths(rule, base: Tokens) -> tuple[Pattern, ...]:
    """The rule's compiled jsonpath expressions (jsonpath-ng, compiled once by the mapping loader) as patterns."""
    return tuple(p for path in rule.paths for p in _rebase(base, patterns(path.expr)))


def _patterns_of(text: str, base: Tokens) -> tuple[Pattern, ...]:
    """A path as an op describes it (a jsonpath ``$...``, a JSON pointer ``/...`` or a transform's declared
    ``properties.mlm:input[]``) as patterns below ``base``."""
    from crosswalk.study.paths import compile_path

    if text.startswith("$"):
        return _rebase(base, patterns(compile_path(text)))
    if text.startswith("/"):
        return _rebase(base, [_pointer_pattern(text)])
    return _rebase(base, declared_patterns(text))


def rule_views(mapping, rules=None, base: Tokens = ()) -> Iterator[RuleView]:
    """The rules of a mapping (``each`` sub-rules with their base path prepended) as RuleViews: what a rule reads
    and writes comes from its op (engine/ops.py), the same description the engine checks and the guide prints;
    only how information travels through a rename, move, copy, value table or transform is the trace's own."""
    from crosswalk.engine.ops import OPS
    from crosswalk.transforms import REGISTRY

    for rule in mapping.rules if rules is None else rules:
        a, op, where = rule.args, rule.op, rule.where
        spec = OPS[op]
        if op == "each":
            for p in _rule_paths(rule, base):
                yield from rule_views(mapping, rule.rules, p.tokens)
            continue
        if op == "transform":
            t = REGISTRY.get(a["name"])
            if t is None:  # an unknown transform: the loader refuses it, the study skips it
                continue
            reads = tuple(p for r in t.reads for p in _patterns_of(r, base))
            same = tuple(t.writes) == ("same",)
            writes = reads if same else tuple(p for w in t.writes for p in _patterns_of(w, base))
            yield RuleView(op, where, mapping.id, reads, writes, note=f"transform {t.name}: {t.summary}")
            continue
        reads = tuple(p for r in spec.reads(rule) for p in _patterns_of(r, base))
        if op == "rename":
            yield RuleView(op, where, mapping.id, reads, tuple(Pattern(p.tokens[:-1] + (a["to"],)) for p in reads),
                           to=Pattern((a["to"],)), note=f"renamed to {a['to']}")
        elif op in ("move", "copy"):
            target = _pointer_pattern(a["to"])
            yield RuleView(op, where, mapping.id, reads, (target,), to=target,
                           note=a.get("reason") or f"{op} to {a['to']}", status=a.get("status"))
        elif op == "map_values":
            table = rule.table or {}
            lossy = any(isinstance(v, dict) and v.get("lossy") for v in [*table.values(), *a.get("patterns", ())])
            name = a.get("table") if isinstance(a.get("table"), str) else "inline table" if "table" in a else "patterns"
            yield RuleView(op, where, mapping.id, reads, reads, note=a.get("reason") or f"values through {name}",
                           lossy_table=lossy)
        else:  # set, default, drop, wrap, extensions...: as the op describes itself
            writes = tuple(p for w in spec.writes(rule) for p in _patterns_of(w, base))
            yield RuleView(op, where, mapping.id, reads, writes, note=a.get("reason", ""), status=a.get("status"))


@dataclass
class _Branch:
    tokens: Tokens
    value: str | None
    events: list[tuple[str, str]]  # (grade, note)
    dropped: str | None = None


@dataclass
class Trace:
    grade: str  # exact | transformed | lossy | none | no path
    path: list[str] | None  # edge ids
    notes: list[str]
    lands: list[str]  # where the information ends up (patterns)
    source: str | None = None  # the source version traced from

    def to_json(self) -> dict[str, Any]:
        return {"grade": self.grade, "source": self.source, "path": self.path, "notes": self.notes,
                "lands": self.lands}


def _foreign(tokens: Tokens, value: str | None, dst_family: str) -> bool:
    """Does the path (or the value it is filtered on) carry a family prefix the target family does not use?"""
    from crosswalk.language.formats import registry

    prefixes = {f.name: f.prefix for f in registry().families.values()}
    own = prefixes[dst_family]
    others = {p for p in prefixes.values() if p != own}
    return any(t.startswith(p) for t in (*tokens, value or "") for p in others)


def trace(pat: Pattern, edges: list, dst_family: str, views: Callable[[Any], list[RuleView]]) -> Trace:
    """Follow ``pat`` through the rules of ``edges`` (a plan) and grade what reaches ``dst_family``."""
    branches = [_Branch(pat.tokens, pat.value, [])]
    for edge in edges:
        for rv in views(edge):
            nxt: list[_Branch] = []
            for br in branches:
                if br.dropped is not None:
                    nxt.append(br)
                    continue
                rel = None
                for r in rv.reads:
                    rel = relation(br.tokens, r.tokens)
                    if rel == "covers":
                        break
                if rel is None and rv.op == "set":
                    rel = "covers" if any(relation(br.tokens, w.tokens) == "covers" for w in rv.writes) else None
                if rel is None or rv.op == "default":
                    nxt.append(br)
                    continue
                nxt.extend(_apply(br, rv, rel))
            branches = nxt
    alive = [b for b in branches if b.dropped is None]
    if not alive:
        return Trace("none", None, sorted({b.dropped for b in branches if b.dropped}), [])
    graded = []
    for b in alive:
        worst = max((GRADE_RANK[g] for g, _ in b.events), default=0)
        if _foreign(b.tokens, b.value, dst_family):
            worst = GRADE_RANK["none"]
        graded.append((worst, b))
    best = min(w for w, _ in graded)
    notes: list[str] = []
    for w, b in graded:
        if w == best:
            notes.extend(n for _, n in b.events if n and n not in notes)
    if GRADES[best] == "none" and not notes:
        notes.append("no rule maps it: it would stay behind as a field of another extension")
    lands = sorted({Pattern(b.tokens, b.value).text for w, b in graded if w == best and GRADES[best] != "none"})
    return Trace(GRADES[best], None, notes, lands)


def _apply(br: _Branch, rv: RuleView, rel: str) -> list[_Branch]:
    ev, where = list(br.events), rv.where
    if rv.op == "drop" and rv.status == "repaired":  # a defect removed (an empty value, a null): no information
        return [br]
    if rv.op == "drop":
        if rel == "covers":
            return [_Branch(br.tokens, br.value, ev, dropped=f"dropped ({rv.note}) [{where}]")]
        return [_Branch(br.tokens, br.value, [*ev, ("lossy", f"part dropped: {rv.note} [{where}]")])]
    if rv.op == "rename" and rv.to is not None:
        if rel == "covers":
            depth = next(len(r.tokens) for r in rv.reads if relation(br.tokens, r.tokens) == "covers")
            toks = br.tokens[: depth - 1] + rv.to.tokens + br.tokens[depth:]
            return [_Branch(toks, br.value, [*ev, ("exact", f"renamed to {rv.to.text} [{where}]")])]
        return [_Branch(br.tokens, br.value, [*ev, ("exact", f"member renamed to {rv.to.text} [{where}]")])]
    if rv.op in ("move", "copy") and rv.to is not None:
        if rel == "covers":
            depth = next(len(r.tokens) for r in rv.reads if relation(br.tokens, r.tokens) == "covers")
            grade = rv.status if rv.status in ("transformed", "lossy") else "exact"  # a copy may say it loses
            moved = _Branch(rv.to.tokens + br.tokens[depth:], br.value,
                            [*ev, (grade, f"{rv.op} to {rv.to.text} [{where}]")])
            return [moved] if rv.op == "move" else [br, moved]
        grade = rv.status if rv.status in ("transformed", "lossy") else "exact"
        return [_Branch(br.tokens, br.value, [*ev, (grade, f"member {rv.op} to {rv.to.text} [{where}]")])]
    if rv.op == "map_values":
        grade = "transformed" if rv.lossy_table else "exact"
        return [_Branch(br.tokens, None, [*ev, (grade, f"{rv.note} [{where}]")])]
    if rv.op == "wrap":
        return [_Branch(br.tokens, br.value, [*ev, ("exact", f"wrapped in a list [{where}]")])]
    if rv.op == "set":
        return [_Branch(br.tokens, br.value, [*ev, ("lossy", f"overwritten by a constant: {rv.note} [{where}]")])]
    if rv.op == "extensions":
        return [_Branch(br.tokens, br.value, [*ev, ("exact", f"schema URIs swapped [{where}]")])]
    # A transform. If it writes the field's own place (an in-place rewrite), the field stays where it is (its value
    # may change). Otherwise the field's information feeds everything the transform writes; whether the field
    # itself is consumed cannot be told from the declarations, so it is kept too: left in a target that does not
    # know it (a foreign prefix), it grades "none" anyway, and the best branch decides. A transform that reads a
    # whole ancestor (say `assets`) is not taken to have changed the field.
    note = f"{rv.note} [{where}]"
    if any(relation(br.tokens, w.tokens) or relation(w.tokens, br.tokens) for w in rv.writes):
        return [_Branch(br.tokens, None, [*ev, ("transformed", note)])]
    broad = rel == "covers" and all(
        len(r.tokens) < len(br.tokens) for r in rv.reads if relation(br.tokens, r.tokens) == "covers")
    keep = _Branch(br.tokens, br.value, ev if broad else [*ev, ("transformed", note)])
    return [keep] + [_Branch(w.tokens, None, [*ev, ("transformed", note)]) for w in rv.writes]


def aggregate_grade(grades: list[str]) -> str:
    if all(g == "exact" for g in grades):
        return "exact"
    if all(g == "none" for g in grades):
        return "none"
    if any(g in ("none", "lossy") for g in grades):
        return "lossy"
    return "transformed"


def _invented(plan: list, dst_fields: Iterable[Pattern], views) -> list[str]:
    """Target fields of this concept that some rule of the plan writes from nothing (placeholders)."""
    dst = list(dst_fields)
    out: list[str] = []
    for edge in plan:
        for rv in views(edge):
            if rv.reads or rv.op not in ("transform", "default", "set"):
                continue
            for w in rv.writes:
                if any(relation(p.tokens, w.tokens) or relation(w.tokens, p.tokens) for p in dst) and w.text not in out:
                    out.append(w.text)
    return out


def _graph_for(mappings: str | Path | None):
    from crosswalk.language.edges import load_mappings
    from crosswalk.language.graph import VersionGraph
    from crosswalk.pipeline import graph

    return graph() if mappings is None else VersionGraph(load_mappings(str(mappings)))


def latest(family: str):
    from crosswalk.language.formats import Format, registry

    return Format(family, registry().families[family].latest)


def static_comparison(mappings: str | Path | None = None) -> dict[str, Any]:
    """The study's static tables as data. ``mappings`` is a mappings directory (default: the package's); the
    concept catalogue is read from its ``study/concepts.yaml``."""
    from crosswalk.errors import PlanError
    from crosswalk.language.formats import Format, registry

    cat = load_catalogue(mappings)
    reg = registry()
    families = list(reg.families)
    g = _graph_for(mappings)
    cache: dict[str, list[RuleView]] = {}

    def views(edge) -> list[RuleView]:
        if edge.id not in cache:
            cache[edge.id] = list(rule_views(edge))
        return cache[edge.id]

    plan_cache: dict[tuple[str, str, str], list | None] = {}

    def plan_from(s: str, version: str, d: str) -> list | None:
        if (s, version, d) not in plan_cache:
            try:
                plan_cache[(s, version, d)] = g.plan(Format(s, version), latest(d))
            except PlanError:
                plan_cache[(s, version, d)] = None
        return plan_cache[(s, version, d)]

    plans = {(s, d): plan_from(s, reg.families[s].latest, d) for s in families for d in families if s != d}
    schemas: dict[str, SchemaInfo | None] = {f: family_schema(f) for f in families}
    fam_info = []
    for f in families:
        info = schemas[f]
        fallback = cat.required_fallback.get(f) or {}
        fam_info.append({
            "family": f, "title": reg.families[f].title, "latest": reg.families[f].latest,
            "schema": info.uri if info else None,
            "schema_file": info.file if info else None,
            "external_schemas": sorted(info.external) if info else [],
            "required_source": (f"schema {info.file}" if info else
                                (fallback.get("source") or "nothing: no vendored schema") + " (no vendored schema)"),
        })
    fallback_required = {f: [pattern(t) for t in (cat.required_fallback.get(f) or {}).get("fields", [])]
                         for f in families}

    concepts_out = []
    for c in cat.concepts:
        per_family: dict[str, Any] = {}
        for s in families:
            rows = []
            for p in c.fields.get(s, ()):
                info = schemas[s]
                if info is not None:
                    in_schema: bool | None = info.offers(p)
                    required = info.is_required(p)
                else:
                    in_schema = None
                    required = p.value is None and any(same_path(p.tokens, r.tokens) for r in fallback_required[s])
                maps = {}
                for d in families:
                    if d == s:
                        continue
                    version = p.version or reg.families[s].latest
                    plan = plan_from(s, version, d)
                    if plan is None:
                        maps[d] = {"grade": "no path", "source": f"{s}@{version}", "path": None, "notes": [],
                                   "lands": []}
                        continue
                    t = trace(p, plan, d, views)
                    t.path, t.source = [e.id for e in plan], f"{s}@{version}"
                    maps[d] = t.to_json()
                rows.append({"field": p.text, "in_schema": in_schema, "required": required, "maps": maps})
            per_family[s] = {"fields": rows, "offered": len(rows), "required": sum(1 for r in rows if r["required"])}
        pairs = {}
        for s in families:
            for d in families:
                if s == d:
                    continue
                rows = per_family[s]["fields"]
                if all(r["maps"][d]["grade"] == "no path" for r in rows) and (rows or plans[(s, d)] is None):
                    grade = "no path"
                elif not rows:
                    grade = "—"
                else:
                    grade = aggregate_grade([r["maps"][d]["grade"] for r in rows])
                pairs[f"{s}->{d}"] = {
                    "source": s, "target": d, "grade": grade,
                    "fields": dict(Counter(r["maps"][d]["grade"] for r in rows)),
                    "invents": _invented(plans[(s, d)], c.fields.get(d, ()), views) if plans[(s, d)] else [],
                }
        companions = {k: list(v.get("fields", {}).get(c.id) or []) for k, v in cat.companions.items()}
        concepts_out.append({
            "id": c.id, "title": c.title, "group": c.group, "group_title": cat.groups[c.group]["label"],
            "summary": c.summary, "families": per_family, "pairs": pairs, "companions": companions,
        })
    return {
        "catalogue": Path(cat.file).name,
        "grades": dict(GRADE_NOTE),
        "groups": dict(cat.groups),
        "families": fam_info,
        "edges": sorted(e.id for out in g.edges.values() for e in out),
        "paths": {f"{s}->{d}": ([e.id for e in p] if p is not None else None) for (s, d), p in plans.items()},
        "concepts": concepts_out,
        "companions": {
            k: {"title": v.get("title", k), "note": v.get("note", ""), "required": v.get("required", []),
                "converted": False}
            for k, v in cat.companions.items()
        },
        "adoption_pair": {"a": list(cat.adoption_pair[0]), "b": list(cat.adoption_pair[1])},
    }
