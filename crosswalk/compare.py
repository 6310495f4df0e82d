"""`crosswalk compare`: the adoption study of seed 002 (ml-model vs dlm vs MLM), generated and reproducible.

Two parts, both derived from data the converter already has:

- the **static comparison** (`static_comparison`): for every concept of the catalogue in
  ``mappings/study/concepts.yaml`` and every format family of ``formats.yaml``, which fields the family offers
  (checked against the vendored schema registered for the family's URI), which are required (from that schema), and
  how each field maps to every other family (exact / transformed / lossy / none / no path), traced through the
  mapping files along the version graph. A change to a mapping changes these tables.
- the **corpus comparison** (`compare`): every document converted to the latest version of every family with
  `crosswalk.pipeline.convert`; per format and per document the report's counts of source leaves by status,
  the concepts that survive, validity; and a section on what an adopter of ml-model or of dlm would lose.

`compare(paths, out_dir)` writes ``report.json``, ``report.md`` and ``report.html`` (one self-contained page:
inline CSS and SVG, no script, no external asset).
"""

from __future__ import annotations

import fnmatch
import html
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .report import STATUSES

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
SOURCE_STATUSES = tuple(s for s in STATUSES if s not in ("invented", "filled"))
# Statuses whose information reaches the output (the "kept" share of the study).
CARRIED = ("kept", "moved", "transformed", "repaired")
DOC_SUFFIXES = (".json", ".geojson", ".yaml", ".yml")


# --------------------------------------------------------------------------------------------------------------
# Field patterns
# --------------------------------------------------------------------------------------------------------------

Tokens = tuple[str, ...]


@dataclass(frozen=True)
class Pattern:
    """A field pattern: dotted tokens (``[]`` any list element, ``*`` any key, globs allowed) and an optional value."""

    tokens: Tokens
    value: str | None = None
    version: str | None = None  # catalogue only: the source version the field belongs to (default: latest)

    @property
    def text(self) -> str:
        out = ""
        for t in self.tokens:
            out += t if t == "[]" else (("." if out else "") + t)
        return out + (f"={self.value}" if self.value is not None else "")

    def __str__(self) -> str:
        return self.text


def parse_dotted(text: str) -> Pattern:
    """``properties.mlm:input[].bands``, ``assets.*.roles[]=mlm:model``, transform declarations such as
    ``assets.<model>.eo:bands`` (``<...>`` is any key)."""
    value = None
    if "=" in text:
        text, value = text.split("=", 1)
    tokens: list[str] = []
    for part in text.split("."):
        if not part:
            continue
        m = re.fullmatch(r"(.*?)((?:\[\])*)", part)
        name, brackets = m.group(1), m.group(2)
        if name:
            tokens.append("*" if name.startswith("<") and name.endswith(">") else name)
        tokens.extend(["[]"] * (len(brackets) // 2))
    return Pattern(tuple(tokens), value)


_JP_TOKEN = re.compile(
    r"\.\.|\.'((?:[^'\\]|\\.)*)'|\.\"([^\"]*)\"|\.([^.\[\]'\"]+)|\[\*\]|\[(\d+|-?\d*:-?\d*)\]|\['([^']*)'\]|\[\?[^\]]*\]"
)


def parse_jsonpath(text: str) -> Pattern | None:
    """The subset of jsonpath the mapping files use, as a pattern (``None`` if it cannot be read)."""
    text = text.strip()
    if not text.startswith("$"):
        return None
    rest = text[1:]
    tokens: list[str] = []
    pos = 0
    while pos < len(rest):
        m = _JP_TOKEN.match(rest, pos)
        if not m:
            return None
        whole = m.group(0)
        if whole == "..":
            tokens.append("**")
            # `$..name`: the name follows without its own dot
            n = re.match(r"([^.\[\]'\"]+)", rest[m.end():])
            if n:
                tokens.append(n.group(1))
                pos = m.end() + n.end()
                continue
        elif m.group(1) is not None or m.group(2) is not None or m.group(5) is not None:
            tokens.append(next(g for g in (m.group(1), m.group(2), m.group(5)) if g is not None))
        elif m.group(3) is not None:
            tokens.append(m.group(3))
        else:  # [*], [n], [a:b], [?filter]
            tokens.append("[]")
        pos = m.end()
    return Pattern(tuple(tokens))


def parse_pointer_pattern(text: str) -> Pattern:
    """A JSON Pointer as a pattern; numeric steps become ``[]``."""
    from .pointer import parse_pointer

    return Pattern(tuple("[]" if p.isdigit() else p for p in parse_pointer(text)))


def _tok_match(a: str, b: str) -> bool:
    if a == b:
        return True
    if a == "[]" or b == "[]":
        return False
    if a == "*" or b == "*":
        return True
    if any(c in a for c in "*?[") and fnmatch.fnmatchcase(b, a):
        return True
    return any(c in b for c in "*?[") and fnmatch.fnmatchcase(a, b)


def relation(field_: Tokens, rule: Tokens) -> str | None:
    """``covers`` when ``rule`` matches ``field_`` or one of its ancestors, ``within`` when it matches a strict
    descendant of ``field_``, else None."""
    if "**" in rule:
        head = rule[: rule.index("**")]
        tail = rule[rule.index("**") + 1:]
        if len(head) > len(field_) or not all(_tok_match(a, b) for a, b in zip(field_, head, strict=False)):
            return None
        rest = field_[len(head):]
        if not tail:
            return "covers"
        for i in range(len(rest)):
            r = relation(rest[i:], tail)
            if r:
                return r
        return "within" if len(rest) == 0 else None
    n = min(len(field_), len(rule))
    if not all(_tok_match(field_[i], rule[i]) for i in range(n)):
        return None
    return "covers" if len(rule) <= len(field_) else "within"


# --------------------------------------------------------------------------------------------------------------
# Matching patterns against documents
# --------------------------------------------------------------------------------------------------------------

_ALT_ROOTS = {"properties": ("properties", "summaries"), "assets": ("assets", "item_assets")}


def find(doc: Any, pattern: Pattern) -> list[tuple[tuple[str, ...], Any]]:
    """Concrete (path, value) pairs in ``doc`` matching ``pattern`` (paths as in crosswalk.pointer: str steps)."""
    out: list[tuple[tuple[str, ...], Any]] = []
    if not pattern.tokens:
        return out
    first, rest = pattern.tokens[0], pattern.tokens[1:]
    for root in _ALT_ROOTS.get(first, (first,)):
        if isinstance(doc, dict) and root in doc:
            _walk(doc[root], rest, (root,), pattern.value, out)
    return out


def _walk(node: Any, tokens: Tokens, path: tuple[str, ...], value: str | None, out: list) -> None:
    if not tokens:
        if value is None:
            out.append((path, node))
        elif node == value:
            out.append((path, node))
        elif isinstance(node, list):
            out.extend(((*path, str(i)), v) for i, v in enumerate(node) if v == value)
        return
    tok, rest = tokens[0], tokens[1:]
    if tok == "[]":
        if isinstance(node, list):
            for i, v in enumerate(node):
                _walk(v, rest, (*path, str(i)), value, out)
        return
    if not isinstance(node, dict):
        return
    for key, v in node.items():
        if _tok_match(tok, key):
            _walk(v, rest, (*path, key), value, out)


def _has_leaf(node: Any) -> bool:
    if isinstance(node, dict):
        return not node or any(_has_leaf(v) for v in node.values())
    if isinstance(node, list):
        return True
    return node is not None


# --------------------------------------------------------------------------------------------------------------
# The concept catalogue
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Concept:
    id: str
    title: str
    group: str
    summary: str
    fields: dict[str, tuple[Pattern, ...]]  # family -> patterns


@dataclass(frozen=True)
class Catalogue:
    concepts: tuple[Concept, ...]
    required_fallback: dict[str, dict[str, Any]]
    adoption_pair: tuple[tuple[str, ...], tuple[str, ...]]
    companions: dict[str, dict[str, Any]]
    file: str


def _catalogue_field(entry: str | dict[str, Any]) -> Pattern:
    """A catalogue field: a pattern string, or ``{field: pattern, version: V}`` for a field that only exists in an
    older version V of its family (it is traced from V, through that family's own upgrade edges)."""
    if isinstance(entry, dict):
        p = parse_dotted(entry["field"])
        return Pattern(p.tokens, p.value, str(entry["version"]) if entry.get("version") else None)
    return parse_dotted(entry)


def study_dir(mappings: str | Path | None = None) -> Path:
    from .resources import mappings_dir

    return Path(mappings or mappings_dir()) / "study"


def load_catalogue(mappings: str | Path | None = None) -> Catalogue:
    """The concept catalogue (``study/concepts.yaml`` in the mappings directory)."""
    import yaml

    path = study_dir(mappings) / "concepts.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    concepts = []
    for cid, spec in data["concepts"].items():
        concepts.append(Concept(
            id=cid, title=spec["title"], group=spec.get("group", ""), summary=spec.get("summary", ""),
            fields={fam: tuple(_catalogue_field(t) for t in (pats or [])) for fam, pats in spec["fields"].items()},
        ))
    pair = data.get("adoption_pair") or {"a": [], "b": []}
    return Catalogue(
        concepts=tuple(concepts),
        required_fallback=data.get("required_fallback") or {},
        adoption_pair=(tuple(pair["a"]), tuple(pair["b"])),
        companions=data.get("companions") or {},
        file=str(path),
    )


# --------------------------------------------------------------------------------------------------------------
# Schemas: which fields a family's vendored schema defines and requires
# --------------------------------------------------------------------------------------------------------------


@dataclass
class SchemaInfo:
    uri: str
    file: str
    defined: set[Tokens] = field(default_factory=set)
    required: set[Tokens] = field(default_factory=set)
    literals: set[str] = field(default_factory=set)  # every const/enum string (role and rel values)

    def offers(self, pat: Pattern) -> bool:
        if pat.value is not None and pat.value not in self.literals:
            return False
        return any(_same_path(pat.tokens, d) for d in self.defined)

    def is_required(self, pat: Pattern) -> bool:
        return pat.value is None and any(_same_path(pat.tokens, r) for r in self.required)


def _same_path(a: Tokens, b: Tokens) -> bool:
    return len(a) == len(b) and all(_tok_match(x, y) for x, y in zip(a, b, strict=True))


def _schema_index() -> dict[str, str]:
    from .resources import schemas_dir

    data = json.loads((schemas_dir() / "index.json").read_text(encoding="utf-8"))
    out = {}
    for uri, entry in data["schemas"].items():
        out[uri] = entry if isinstance(entry, str) else entry["file"]
    return out


def family_schema(family: str) -> SchemaInfo | None:
    """The vendored schema registered (schemas/index.json) for the latest version's URI in formats.yaml."""
    from .formats import registry
    from .resources import schemas_dir

    fam = registry().families[family]
    uri = fam.uri(fam.latest)
    rel = _schema_index().get(uri)
    if not rel:
        return None
    path = schemas_dir() / rel
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    info = SchemaInfo(uri=uri, file=rel)
    _schema_walk(schema, schema, (), True, info, set(), 0)
    return info


def _resolve(root: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#"):
        return None
    node: Any = root
    for part in ref[1:].split("/"):
        if not part:
            continue
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _schema_walk(root: dict, node: Any, path: Tokens, req_ok: bool, info: SchemaInfo, seen: set, depth: int) -> None:
    """Collect defined and required member paths. ``required`` counts only where reached through allOf, oneOf,
    then and $ref (not anyOf, if, else, not: those are alternatives or tests)."""
    if not isinstance(node, dict) or depth > 60 or len(path) > 10:
        return
    for key in ("const",):
        if isinstance(node.get(key), str):
            info.literals.add(node[key])
    if isinstance(node.get("enum"), list):
        info.literals.update(v for v in node["enum"] if isinstance(v, str))
    ref = node.get("$ref")
    if isinstance(ref, str):
        key = (ref, path, req_ok)
        if key not in seen:
            seen.add(key)
            target = _resolve(root, ref)
            if target is not None:
                _schema_walk(root, target, path, req_ok, info, seen, depth + 1)
    if req_ok and isinstance(node.get("required"), list):
        for name in node["required"]:
            if isinstance(name, str):
                info.required.add((*path, name))
                info.defined.add((*path, name))
    for name, sub in (node.get("properties") or {}).items():
        info.defined.add((*path, name))
        _schema_walk(root, sub, (*path, name), req_ok, info, seen, depth + 1)
    for sub in (node.get("patternProperties") or {}).values():
        _schema_walk(root, sub, (*path, "*"), req_ok, info, seen, depth + 1)
    if isinstance(node.get("additionalProperties"), dict):
        _schema_walk(root, node["additionalProperties"], (*path, "*"), req_ok, info, seen, depth + 1)
    items = node.get("items")
    if isinstance(items, dict):
        _schema_walk(root, items, (*path, "[]"), req_ok, info, seen, depth + 1)
    elif isinstance(items, list):
        for sub in items:
            _schema_walk(root, sub, (*path, "[]"), req_ok, info, seen, depth + 1)
    if isinstance(node.get("contains"), dict):
        _schema_walk(root, node["contains"], (*path, "[]"), False, info, seen, depth + 1)
    for key, ok in (("allOf", req_ok), ("oneOf", req_ok), ("anyOf", False)):
        for sub in node.get(key) or []:
            _schema_walk(root, sub, path, ok, info, seen, depth + 1)
    if isinstance(node.get("then"), dict):
        _schema_walk(root, node["then"], path, req_ok, info, seen, depth + 1)
    if isinstance(node.get("else"), dict):
        _schema_walk(root, node["else"], path, False, info, seen, depth + 1)


# --------------------------------------------------------------------------------------------------------------
# Tracing a field through the mapping rules of a plan
# --------------------------------------------------------------------------------------------------------------


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


def _rule_paths(rule, base: Tokens) -> tuple[Pattern, ...]:
    raw = rule.args.get("path")
    out = []
    for text in [raw] if isinstance(raw, str) else raw or []:
        p = parse_jsonpath(text)
        if p is not None:
            out.append(Pattern(base + p.tokens))
    return tuple(out)


def rule_views(mapping, rules=None, base: Tokens = ()) -> Iterator[RuleView]:
    """The rules of a mapping (``each`` sub-rules with their base path prepended) as RuleViews."""
    from .transforms import REGISTRY

    for rule in mapping.rules if rules is None else rules:
        a = rule.args
        op = rule.op
        where = rule.where
        if op == "each":
            for p in _rule_paths(rule, base):
                yield from rule_views(mapping, rule.rules, p.tokens)
            continue
        if op == "transform":
            t = REGISTRY.get(a["name"])
            if t is None:
                continue
            reads = tuple(Pattern(base + parse_dotted(r).tokens) for r in t.reads)
            writes = reads if tuple(t.writes) == ("same",) else tuple(
                Pattern(base + parse_dotted(w).tokens) for w in t.writes)
            yield RuleView(op, where, mapping.id, reads, writes, note=f"transform {t.name}: {t.summary}")
        elif op in ("set", "default"):
            target = parse_pointer_pattern(a["path"])
            yield RuleView(op, where, mapping.id, (), (Pattern(base + target.tokens),), note=a.get("reason", ""))
        elif op == "extensions":
            p = (Pattern(("stac_extensions",)),)
            yield RuleView(op, where, mapping.id, p, p, note=a.get("reason", ""))
        elif op == "rename":
            paths = _rule_paths(rule, base)
            yield RuleView(op, where, mapping.id, paths,
                           tuple(Pattern(p.tokens[:-1] + (a["to"],)) for p in paths), to=Pattern((a["to"],)),
                           note=f"renamed to {a['to']}")
        elif op in ("move", "copy"):
            target = parse_pointer_pattern(a["to"])
            yield RuleView(op, where, mapping.id, _rule_paths(rule, base), (target,), to=target,
                           note=a.get("reason") or f"{op} to {a['to']}")
        elif op == "map_values":
            table = rule.table or {}
            lossy = any(isinstance(v, dict) and v.get("lossy") for v in table.values())
            name = a["table"] if isinstance(a["table"], str) else "inline table"
            paths = _rule_paths(rule, base)
            yield RuleView(op, where, mapping.id, paths, paths, note=a.get("reason") or f"values through {name}",
                           lossy_table=lossy)
        else:  # drop, wrap, unwrap
            paths = _rule_paths(rule, base)
            yield RuleView(op, where, mapping.id, paths, () if op == "drop" else paths, note=a.get("reason", ""))


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


def _prefixes() -> dict[str, str]:
    from .formats import registry

    return {f.name: f.prefix for f in registry().families.values()}


def _foreign(tokens: Tokens, value: str | None, dst_family: str) -> bool:
    """Does the path (or the value it is filtered on) carry a family prefix the target family does not use?"""
    prefixes = _prefixes()
    own = prefixes[dst_family]
    others = {p for p in prefixes.values() if p != own}
    return any(t.startswith(p) for t in (*tokens, value or "") for p in others)


def trace(pattern: Pattern, edges: list, dst_family: str, views: Callable[[Any], list[RuleView]]) -> Trace:
    """Follow ``pattern`` through the rules of ``edges`` (a plan) and grade what reaches ``dst_family``."""
    branches = [_Branch(pattern.tokens, pattern.value, [])]
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
    lands = sorted({Pattern(b.tokens, b.value).text for b in alive})
    if not alive:
        reasons = sorted({b.dropped for b in branches if b.dropped})
        return Trace("none", None, reasons, [])
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
            for _, note in b.events:
                if note and note not in notes:
                    notes.append(note)
    if GRADES[best] == "none" and not notes:
        notes.append("no rule maps it: it would stay behind as a field of another extension")
    lands = sorted({Pattern(b.tokens, b.value).text for w, b in graded if w == best and GRADES[best] != "none"})
    return Trace(GRADES[best], None, notes, lands)


def _apply(br: _Branch, rv: RuleView, rel: str) -> list[_Branch]:
    ev = list(br.events)
    where = f"{rv.where}"
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
            note = f"{rv.op} to {rv.to.text} [{where}]"
            moved = _Branch(rv.to.tokens + br.tokens[depth:], br.value, [*ev, ("exact", note)])
            return [moved] if rv.op == "move" else [br, moved]
        return [_Branch(br.tokens, br.value, [*ev, ("exact", f"member {rv.op} to {rv.to.text} [{where}]")])]
    if rv.op == "map_values":
        grade = "transformed" if rv.lossy_table else "exact"
        return [_Branch(br.tokens, None if br.value else None, [*ev, (grade, f"{rv.note} [{where}]")])]
    if rv.op == "wrap":
        return [_Branch(br.tokens, br.value, [*ev, ("exact", f"wrapped in a list [{where}]")])]
    if rv.op == "unwrap":
        return [_Branch(br.tokens, br.value, [*ev, ("lossy", f"first element only: {rv.note} [{where}]")])]
    if rv.op == "set":
        return [_Branch(br.tokens, br.value, [*ev, ("lossy", f"overwritten by a constant: {rv.note} [{where}]")])]
    if rv.op == "extensions":
        return [_Branch(br.tokens, br.value, [*ev, ("exact", f"schema URIs swapped [{where}]")])]
    # transform. If it writes the field's own place (an in-place rewrite), the field stays where it is (its value
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


# --------------------------------------------------------------------------------------------------------------
# The static comparison
# --------------------------------------------------------------------------------------------------------------


def _graph_for(mappings: str | Path | None):
    from .graph import VersionGraph
    from .pipeline import graph
    from .spec import load_mappings

    if mappings is None:
        return graph()
    return VersionGraph(load_mappings(str(mappings)))


def _latest(family: str):
    from .formats import Format, registry

    return Format(family, registry().families[family].latest)


def static_comparison(mappings: str | Path | None = None) -> dict[str, Any]:
    """The study's static tables as data (see the module docstring). ``mappings`` is a mappings directory
    (default: the package's); the concept catalogue is read from its ``study/concepts.yaml``."""
    from .errors import PlanError
    from .formats import registry

    cat = load_catalogue(mappings)
    reg = registry()
    families = list(reg.families)
    g = _graph_for(mappings)
    cache: dict[str, list[RuleView]] = {}

    def views(edge) -> list[RuleView]:
        if edge.id not in cache:
            cache[edge.id] = list(rule_views(edge))
        return cache[edge.id]

    from .formats import Format

    plan_cache: dict[tuple[str, str, str], list | None] = {}

    def plan_from(s: str, version: str, d: str) -> list | None:
        key = (s, version, d)
        if key not in plan_cache:
            try:
                plan_cache[key] = g.plan(Format(s, version), _latest(d))
            except PlanError:
                plan_cache[key] = None
        return plan_cache[key]

    plans = {(s, d): plan_from(s, reg.families[s].latest, d) for s in families for d in families if s != d}

    fam_info = []
    schemas: dict[str, SchemaInfo | None] = {}
    for f in families:
        schemas[f] = family_schema(f)
        fb = cat.required_fallback.get(f) or {}
        fam_info.append({
            "family": f, "title": reg.families[f].title, "latest": reg.families[f].latest,
            "schema": schemas[f].uri if schemas[f] else None,
            "schema_file": schemas[f].file if schemas[f] else None,
            "required_source": (f"schema {schemas[f].file}" if schemas[f] else
                                (fb.get("source") or "nothing: no vendored schema") + " (no vendored schema)"),
        })
    fallback_required = {
        f: [parse_dotted(t) for t in (cat.required_fallback.get(f) or {}).get("fields", [])] for f in families
    }

    concepts_out = []
    for c in cat.concepts:
        per_family: dict[str, Any] = {}
        for s in families:
            pats = c.fields.get(s, ())
            rows = []
            for p in pats:
                info = schemas[s]
                if info is not None:
                    in_schema: bool | None = info.offers(p)
                    required = info.is_required(p)
                else:
                    in_schema = None
                    required = p.value is None and any(_same_path(p.tokens, r.tokens) for r in fallback_required[s])
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
                    t.path = [e.id for e in plan]
                    t.source = f"{s}@{version}"
                    maps[d] = t.to_json()
                rows.append({"field": p.text, "in_schema": in_schema, "required": required, "maps": maps})
            per_family[s] = {
                "fields": rows,
                "offered": len(rows),
                "required": sum(1 for r in rows if r["required"]),
            }
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
                    grade = _aggregate([r["maps"][d]["grade"] for r in rows])
                counts = Counter(r["maps"][d]["grade"] for r in rows)
                pairs[f"{s}->{d}"] = {
                    "source": s, "target": d, "grade": grade, "fields": dict(counts),
                    "invents": _invented(plans[(s, d)], c.fields.get(d, ()), views) if plans[(s, d)] else [],
                }
        companions = {k: list(v.get("fields", {}).get(c.id) or []) for k, v in cat.companions.items()}
        concepts_out.append({
            "id": c.id, "title": c.title, "group": c.group, "summary": c.summary,
            "families": per_family, "pairs": pairs, "companions": companions,
        })
    return {
        "catalogue": str(Path(cat.file).name),
        "grades": dict(GRADE_NOTE),
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


def _aggregate(grades: list[str]) -> str:
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
    out = []
    for edge in plan:
        for rv in views(edge):
            if rv.reads or rv.op not in ("transform", "default", "set"):
                continue
            for w in rv.writes:
                for p in dst:
                    if relation(p.tokens, w.tokens) or relation(w.tokens, p.tokens):
                        if w.text not in out:
                            out.append(w.text)
    return out


# --------------------------------------------------------------------------------------------------------------
# The corpus comparison
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Document:
    href: str
    doc: Any
    text_repairs: int = 0


def iter_documents(paths: Iterable[str | Path], errors: Callable[[str], None]) -> Iterator[Document]:
    """Every document under ``paths`` (files, or directories searched recursively for JSON/YAML). A file holding
    a bare list of objects or a FeatureCollection gives one document per member (href ``file#/i``). Unreadable
    files are reported through ``errors`` and skipped."""
    from .errors import CrosswalkError
    from .io import read_document_repairs

    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in DOC_SUFFIXES))
        else:
            files.append(p)
    for f in files:
        href = str(f)
        try:
            doc, repairs = read_document_repairs(href, lenient=True)
        except CrosswalkError as e:
            errors(str(e))
            continue
        if isinstance(doc, list):
            for i, member in enumerate(doc):
                yield Document(f"{href}#/{i}", member, len(repairs))
        elif isinstance(doc, dict) and doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
            for i, member in enumerate(doc["features"]):
                yield Document(f"{href}#/features/{i}", member, len(repairs))
        else:
            yield Document(href, doc, len(repairs))


def shares(summary: dict[str, int]) -> dict[str, float]:
    """Shares of the source leaves (``kept`` = carried over: kept, moved, transformed or repaired); invented is
    per source leaf (it counts output entries)."""
    total = sum(summary.get(s, 0) for s in SOURCE_STATUSES)
    if not total:
        return {"kept": 0.0, "lossy": 0.0, "dropped": 0.0, "invented": 0.0}
    return {
        "kept": sum(summary.get(s, 0) for s in CARRIED) / total,
        "lossy": summary.get("lossy", 0) / total,
        "dropped": summary.get("dropped", 0) / total,
        "invented": (summary.get("invented", 0) + summary.get("filled", 0)) / total,
    }


def _concept_presence(doc: Any, pats: Iterable[Pattern]) -> bool:
    return any(_has_leaf(v) for p in pats for _, v in find(doc, p))


def _sourced_presence(out: Any, pats: Iterable[Pattern], created: list[tuple[str, ...]]) -> bool:
    """Does the output carry the concept with at least one leaf that was not invented or filled?"""
    from .pointer import leaves

    for p in pats:
        for path, node in find(out, p):
            for sub, _ in leaves(node, path):
                if not any(sub[: len(c)] == c for c in created):
                    return True
    return False


def _generalise(pointer: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/[]", pointer)


def convert_all(documents: Iterable[Document], families: list[str], catalogue: Catalogue,
                errors: Callable[[str], None]) -> list[dict[str, Any]]:
    """Convert every document to the latest version of every family; one record per document."""
    from .errors import FormatError, PlanError
    from .pipeline import convert
    from .pointer import parse_pointer

    all_pats = {c.id: [p for pats in c.fields.values() for p in pats] for c in catalogue.concepts}
    records = []
    for d in documents:
        rec: dict[str, Any] = {"href": d.href, "text_repairs": d.text_repairs, "format": None, "conversions": {}}
        present = {cid: _concept_presence(d.doc, pats) for cid, pats in all_pats.items()}
        rec["concepts"] = sorted(c for c, v in present.items() if v)
        skipped = None
        for fam in families:
            target = _latest(fam)
            result = convert(d.doc, href=d.href, to=target)
            if result.detection is not None:
                rec["format"] = str(result.detection.format)
            if result.error is not None:
                if isinstance(result.error, FormatError):
                    skipped = str(result.error)
                    break
                kind = "no path" if isinstance(result.error, PlanError) else "error"
                rec["conversions"][fam] = {"target": str(target), "status": kind, "error": result.error.message}
                continue
            rep = result.report
            created = [parse_pointer(f["path"]) for f in rep["fields"] if f["status"] in ("invented", "filled")]
            survival = {}
            for c in catalogue.concepts:
                out_has = _sourced_presence(result.document, c.fields.get(fam, ()), created)
                invented_only = not out_has and _concept_presence(result.document, c.fields.get(fam, ()))
                if present[c.id]:
                    survival[c.id] = "kept" if out_has else "lost"
                elif invented_only:
                    survival[c.id] = "invented"
            losses = [
                {"path": _generalise(f["path"]), "status": f["status"], "reason": f.get("reason", "")}
                for f in rep["fields"] if f["status"] in ("lossy", "dropped", "invented")
            ]
            rec["conversions"][fam] = {
                "target": str(target), "status": "ok", "unchanged": not rep["steps"], "steps": rep["steps"],
                "summary": dict(rep["summary"]),
                "source_leaves": sum(rep["summary"].get(s, 0) for s in SOURCE_STATUSES),
                "shares": shares(rep["summary"]), "valid": rep["valid"],
                "issues": sum(1 for i in rep["issues"] if i.get("severity", "error") == "error"),
                "concepts": survival, "losses": losses,
            }
        if skipped is not None:
            errors(f"skipped: {skipped}")
            continue
        records.append(rec)
    return records


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def aggregate(records: list[dict[str, Any]], families: list[str], catalogue: Catalogue) -> dict[str, Any]:
    """Per target format: averages of the converted documents' shares, pooled counts, validity, concept survival.

    Documents already in the target format (no step: converting them is a no-op) are counted apart as
    ``unchanged`` and left out of the averages, so that the numbers say what converting costs."""
    out = {}
    for fam in families:
        convs = [r["conversions"][fam] for r in records if fam in r["conversions"]]
        ok = [c for c in convs if c["status"] == "ok" and not c["unchanged"]]
        same = [c for c in convs if c["status"] == "ok" and c["unchanged"]]
        pooled = dict.fromkeys(STATUSES, 0)
        for c in ok:
            for k, v in c["summary"].items():
                pooled[k] = pooled.get(k, 0) + v
        survival = {}
        for con in catalogue.concepts:
            states = Counter(c["concepts"].get(con.id) for c in ok if con.id in c["concepts"])
            survival[con.id] = {"kept": states.get("kept", 0), "lost": states.get("lost", 0),
                                "invented": states.get("invented", 0)}
        out[fam] = {
            "target": str(_latest(fam)),
            "documents": len(convs),
            "converted": len(ok),
            "unchanged": len(same),
            "no_path": sum(1 for c in convs if c["status"] == "no path"),
            "errors": sum(1 for c in convs if c["status"] == "error"),
            "valid": sum(1 for c in ok if c["valid"]),
            "valid_unchanged": sum(1 for c in same if c["valid"]),
            "average": {k: _mean([c["shares"][k] for c in ok]) for k in ("kept", "lossy", "dropped", "invented")},
            "pooled": pooled,
            "pooled_shares": shares(pooled) if ok else None,
            "concepts": survival,
        }
    return out


def adoption_section(records: list[dict[str, Any]], catalogue: Catalogue, static: dict[str, Any]) -> dict[str, Any]:
    """What an adopter of each side of the pair (ml-model; dlm) would lose converting this corpus to it."""
    a, b = catalogue.adoption_pair
    carrying = Counter(cid for r in records for cid in r["concepts"])
    sides = {}
    for fam in (*a, *b):
        ok = [(r, r["conversions"][fam]) for r in records
              if r["conversions"].get(fam, {}).get("status") == "ok" and not r["conversions"][fam]["unchanged"]]
        nopath = [r["href"] for r in records if r["conversions"].get(fam, {}).get("status") == "no path"]
        docs_by: dict[tuple[str, str], set[str]] = {}
        entries: Counter = Counter()
        reason: dict[tuple[str, str], str] = {}
        for r, c in ok:
            for f in c["losses"]:
                if f["status"] in ("lossy", "dropped"):
                    key = (f["path"], f["status"])
                    docs_by.setdefault(key, set()).add(r["href"])
                    entries[key] += 1
                    reason.setdefault(key, f["reason"])
        ranked = sorted(docs_by, key=lambda k: (-len(docs_by[k]), -entries[k], k))
        concepts_lost = Counter(cid for _, c in ok for cid, s in c["concepts"].items() if s == "lost")
        from_formats = Counter((r["format"] or "?").split("@")[0] for r in records)
        sides[fam] = {
            "target": str(_latest(fam)),
            "converted": len(ok),
            "no_path": len(nopath),
            "from": dict(from_formats),
            "valid": sum(1 for _, c in ok if c["valid"]),
            "concepts_lost": dict(concepts_lost),
            "top_losses": [{"path": k[0], "status": k[1], "reason": reason[k], "documents": len(docs_by[k]),
                            "entries": entries[k]} for k in ranked[:15]],
            "static": {
                c["id"]: {src: c["pairs"][f"{src}->{fam}"]["grade"] for src in (*a, *b) if src != fam}
                for c in static["concepts"]
            },
            "offers": {c["id"]: c["families"][fam]["offered"] for c in static["concepts"]},
            # corpus documents carrying a concept this family has no field for (independent of any edge)
            "cannot_express": {c["id"]: carrying[c["id"]] for c in static["concepts"]
                               if not c["families"][fam]["offered"] and carrying[c["id"]]},
        }
    return {"a": list(a), "b": list(b), "sides": sides}


def build_report(paths: Iterable[str | Path], errors: Callable[[str], None] | None = None,
                 mappings: str | Path | None = None) -> dict[str, Any]:
    """The whole study as one JSON-able object (what report.json holds)."""
    from .formats import registry

    errs: list[str] = []

    def err(message: str) -> None:
        errs.append(message)
        if errors:
            errors(message)

    paths = [str(p) for p in paths]
    catalogue = load_catalogue(mappings)
    static = static_comparison(mappings)
    families = list(registry().families)
    records = convert_all(iter_documents(paths, err), families, catalogue, err)
    return {
        "crosswalk_compare": 1,
        "inputs": paths,
        "definitions": {
            "kept": "share of source leaves carried over (reported kept, moved, transformed or repaired)",
            "lossy": "share of source leaves reported lossy", "dropped": "share of source leaves reported dropped",
            "invented": "invented (and filled) report entries per source leaf",
            "average": "mean over the documents converted to that format of each document's share",
            "unchanged": "documents already in the target format: converting them is a no-op, so they are counted "
                         "apart and left out of the averages",
            "pooled": "sums of the conversion reports' summary counts",
            "concepts": "kept: in the source and in the output from source data; lost: in the source, not in the "
                        "output (or only as invented placeholders); invented: only placeholders in the output",
        },
        "families": families,
        "concepts": [{"id": c.id, "title": c.title} for c in catalogue.concepts],
        "static": static,
        "formats": aggregate(records, families, catalogue),
        "adoption": adoption_section(records, catalogue, static),
        "documents": records,
        "skipped": errs,
    }


def compare(paths: Iterable[str | Path], out_dir: str | Path, *, errors: Callable[[str], None] | None = None,
            mappings: str | Path | None = None) -> dict[str, Any]:
    """Run the study over ``paths`` and write report.json, report.md and report.html into ``out_dir``."""
    from .io import write_atomic

    report = build_report(paths, errors=errors, mappings=mappings)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "report.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_atomic(out / "report.md", render_markdown(report))
    write_atomic(out / "report.html", render_html(report))
    return report


# --------------------------------------------------------------------------------------------------------------
# Rendering: Markdown
# --------------------------------------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _field_cell(row: dict[str, Any]) -> str:
    mark = "" if row["in_schema"] is None else (" ✓" if row["in_schema"] else " (not in schema)")
    req = " **required**" if row["required"] else ""
    return f"`{row['field']}`{mark}{req}"


def static_markdown(st: dict[str, Any]) -> str:
    """Section 1 of report.md: the static comparison tables (``st`` from `static_comparison`)."""
    fams = [f["family"] for f in st["families"]]
    out = ["## 1. Static comparison", ""]
    out.append("### Formats")
    out.append("")
    out.append("| family | latest | schema | required fields from |")
    out.append("|---|---|---|---|")
    for f in st["families"]:
        out.append(f"| {f['family']} | {f['latest']} | {_md(f['schema'] or '—')} | {_md(f['required_source'])} |")
    for comp in st["companions"].values():
        out.append(f"| {_md(comp['title'])} (companion, **not converted**) | — | — | seed 002 |")
    out.append("")
    out.append("### Coverage matrix: fields offered (required) per concept")
    out.append("")
    comps = list(st["companions"])
    out.append("| concept | " + " | ".join(fams) + " | " + " | ".join(f"{c} (companion)" for c in comps) + " |")
    out.append("|---|" + "---|" * (len(fams) + len(comps)))
    for c in st["concepts"]:
        cells = [f"{c['families'][f]['offered']} ({c['families'][f]['required']})" if c["families"][f]["offered"]
                 else "—" for f in fams]
        cells += [str(len(c["companions"].get(k, []))) if c["companions"].get(k) else "—" for k in comps]
        out.append(f"| {_md(c['title'])} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("### Mapping matrix: how each concept maps between families")
    out.append("")
    pairs = [p for p in st["concepts"][0]["pairs"]] if st["concepts"] else []
    out.append("| concept | " + " | ".join(p.replace("->", " → ") for p in pairs) + " |")
    out.append("|---|" + "---|" * len(pairs))
    for c in st["concepts"]:
        out.append(f"| {_md(c['title'])} | " + " | ".join(c["pairs"][p]["grade"] for p in pairs) + " |")
    out.append("")
    out.append("Grades: " + "; ".join(f"**{k}**: {v}" for k, v in st["grades"].items()) + ".")
    out.append("")
    out.append("### Fields per concept")
    for c in st["concepts"]:
        out.append("")
        out.append(f"#### {c['title']} ({_md(c['group'])}: {_md(c['summary'])})")
        out.append("")
        out.append("| family | field | " + " | ".join(f"→ {f}" for f in fams) + " |")
        out.append("|---|---|" + "---|" * len(fams))
        for s in fams:
            for row in c["families"][s]["fields"]:
                cells = []
                for d in fams:
                    if d == s:
                        cells.append("")
                        continue
                    m = row["maps"][d]
                    land = f" → `{', '.join(m['lands'])}`" if m["lands"] and m["grade"] != "exact" else ""
                    cells.append(m["grade"] + _md(land))
                out.append(f"| {s} | {_field_cell(row)} | " + " | ".join(cells) + " |")
        for k, flds in c["companions"].items():
            if flds:
                out.append(f"| {k} (companion, not converted) | " + ", ".join(f"`{x}`" for x in flds)
                           + " |" + " |" * len(fams))
    for comp in st["companions"].values():
        out.append("")
        out.append(f"**{_md(comp['title'])}** — {_md(comp['note'])} Required (seed 002): "
                   + ", ".join(f"`{x}`" for x in comp["required"]) + ".")
    out.append("")
    return "\n".join(out) + "\n"


def render_markdown(report: dict[str, Any]) -> str:
    st = report["static"]
    fams = report["families"]
    out = ["# Adoption study: ML-model metadata formats compared", ""]
    out.append(f"Generated by `crosswalk compare` from `mappings/study/{st['catalogue']}`, the mapping files and the "
               "vendored schemas (static part), and from converting every document of "
               + ", ".join(f"`{p}`" for p in report["inputs"]) + " (corpus part). Nothing here is typed by hand.")
    out.append("")
    out.append(static_markdown(st))
    out.append("## 2. Corpus comparison")
    out.append("")
    out.append(f"{len(report['documents'])} documents converted to every format; {len(report['skipped'])} skipped. "
               + "; ".join(f"**{k}**: {v}" for k, v in report["definitions"].items()) + ".")
    out.append("")
    out.append("| target | converted | unchanged (valid) | no path | errors | valid | kept | lossy | dropped | "
               "invented |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for f in fams:
        a = report["formats"][f]
        av = a["average"]
        out.append(f"| {a['target']} | {a['converted']}/{a['documents']} | {a['unchanged']} ({a['valid_unchanged']}) | "
                   f"{a['no_path']} | {a['errors']} | {a['valid']}/{a['converted']} | {_pct(av['kept'])} | "
                   f"{_pct(av['lossy'])} | {_pct(av['dropped'])} | {_pct(av['invented'])} |")
    out.append("")
    out.append("### Concepts that survive (documents that carry the concept: kept / lost)")
    out.append("")
    out.append("| concept | " + " | ".join(fams) + " |")
    out.append("|---|" + "---|" * len(fams))
    for c in report["concepts"]:
        cells = []
        for f in fams:
            s = report["formats"][f]["concepts"][c["id"]]
            cells.append(f"{s['kept']} / {s['lost']}" + (f" (+{s['invented']} invented)" if s["invented"] else "")
                         if report["formats"][f]["converted"] else _why_empty(report["formats"][f]))
        out.append(f"| {_md(c['title'])} | " + " | ".join(cells) + " |")
    out.append("")
    out.append(_md_adoption(report))
    out.append("### Per document")
    out.append("")
    out.append("| document | format | " + " | ".join(fams) + " |")
    out.append("|---|---|" + "---|" * len(fams))
    for r in report["documents"]:
        cells = []
        for f in fams:
            c = r["conversions"].get(f)
            if not c:
                cells.append("—")
            elif c["status"] != "ok":
                cells.append(c["status"])
            else:
                s = c["shares"]
                cells.append(f"{_pct(s['kept'])} kept, {_pct(s['lossy'])} lossy, {_pct(s['dropped'])} dropped, "
                             f"{c['summary'].get('invented', 0)} invented, {'valid' if c['valid'] else 'INVALID'}")
        out.append(f"| `{_md(_short(r['href']))}` | {r['format']} | " + " | ".join(cells) + " |")
    if report["skipped"]:
        out.append("")
        out.append("### Skipped")
        out.append("")
        out.extend(f"- {_md(s)}" for s in report["skipped"])
    return "\n".join(out) + "\n"


def _md_adoption(report: dict[str, Any]) -> str:
    ad = report["adoption"]
    out = [f"### {' / '.join(ad['a'])} ↔ {' / '.join(ad['b'])}: what an adopter of each would lose", ""]
    for fam, side in ad["sides"].items():
        out.append(f"**Adopting {fam}** ({side['target']}): {side['converted']} documents converted, "
                   f"{side['no_path']} without a path, {side['valid']} valid.")
        lost = ", ".join(f"{k} ({v})" for k, v in sorted(side["concepts_lost"].items())) or "none"
        out.append(f"Concepts lost in conversion (documents): {lost}.")
        cannot = ", ".join(f"{k} ({v})" for k, v in side["cannot_express"].items()) or "none"
        out.append(f"Concepts of this corpus {fam} has no field for (documents carrying them): {cannot}.")
        static = ", ".join(f"{cid}: " + "/".join(f"{s} {g}" for s, g in m.items())
                           for cid, m in side["static"].items())
        out.append(f"Static grades into {fam}: {static}.")
        if side["top_losses"]:
            out.append("")
            out.append("| field | status | documents (entries) | reason (first seen) |")
            out.append("|---|---|---|---|")
            for x in side["top_losses"]:
                out.append(f"| `{_md(x['path'])}` | {x['status']} | {x['documents']} ({x['entries']}) | "
                           f"{_md(x['reason'])} |")
        out.append("")
    return "\n".join(out)


def _why_empty(a: dict[str, Any]) -> str:
    if a["unchanged"] and not a["no_path"]:
        return "all already in this format"
    if a["unchanged"]:
        return f"no path ({a['unchanged']} already in it)"
    return "no path" if a["no_path"] else "nothing converted"


def _short(href: str) -> str:
    return href if len(href) <= 90 else "…" + href[-89:]


# --------------------------------------------------------------------------------------------------------------
# Rendering: HTML (one self-contained page: inline CSS, inline SVG, no script)
# --------------------------------------------------------------------------------------------------------------

COLORS = {
    "kept": "#2e7d32", "moved": "#66bb6a", "transformed": "#9ccc65", "repaired": "#4fc3f7",
    "lossy": "#ffb300", "dropped": "#e53935", "invented": "#8e24aa", "filled": "#5e35b1",
    "exact": "#c8e6c9", "none": "#ffcdd2", "no path": "#eeeeee", "—": "#fafafa",
}
GRADE_BG = {"exact": "#c8e6c9", "transformed": "#e6ee9c", "lossy": "#ffe082", "none": "#ffcdd2",
            "no path": "#eeeeee", "—": "#fafafa"}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px auto;max-width:1200px;
color:#222;line-height:1.4;padding:0 16px}
h1{font-size:1.6em;margin-bottom:4px}h2{border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:32px}
h3{margin-top:24px}table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.g{text-align:center;font-weight:600;font-size:11px;white-space:nowrap}
table.matrix th.to{font-size:11px;font-weight:600}
table.matrix th.from{border-left:2px solid #888}code{font-size:12px;background:#f6f6f6;padding:0 2px}
.note{color:#555;font-size:13px}.legend span{display:inline-block;margin-right:12px;font-size:13px}
.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle;border:1px solid #999}
.companion{background:#f7f3ff;font-style:italic}details{margin:4px 0}summary{cursor:pointer;font-weight:600}
.bad{color:#c62828;font-weight:600}.ok{color:#2e7d32;font-weight:600}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


SHORT = {"transformed": "transf."}


def _grade_td(grade: str, title: str = "") -> str:
    t = f' title="{_e(title)}"' if title else ""
    return f'<td class="g" style="background:{GRADE_BG.get(grade, "#fff")}"{t}>{_e(SHORT.get(grade, grade))}</td>'


def svg_loss_bars(formats: dict[str, Any], width: int = 900) -> str:
    """Per-format stacked bars of the pooled source-leaf statuses, and the average shares as text."""
    rows = list(formats.items())
    order = ["kept", "moved", "transformed", "repaired", "lossy", "dropped"]
    label_w, bar_w, row_h = 200, width - 200 - 190, 34
    height = 40 + row_h * len(rows) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="loss-bars" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Share of source leaves per status, per target format">',
             '<text x="0" y="16" font-size="14" font-weight="600">Where the source leaves go, per target format '
             '(all documents pooled)</text>']
    y = 36
    for _fam, a in rows:
        parts.append(f'<text x="0" y="{y + 17}" font-size="13">{_e(a["target"])}</text>')
        pooled = a["pooled"]
        total = sum(pooled.get(s, 0) for s in SOURCE_STATUSES)
        if not a["converted"] or not total:
            parts.append(f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="24" fill="#eeeeee" stroke="#bbb"/>')
            why = _why_empty(a) + (" — no migration path into this format from the others yet" if a["no_path"] else "")
            parts.append(f'<text x="{label_w + 8}" y="{y + 17}" font-size="12" fill="#555">{_e(why)}</text>')
        else:
            x = float(label_w)
            for s in order:
                n = pooled.get(s, 0)
                if not n:
                    continue
                w = bar_w * n / total
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="24" fill="{COLORS[s]}">'
                             f'<title>{_e(s)}: {n} leaves ({100 * n / total:.1f}%)</title></rect>')
                if w > 38:
                    parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 16}" font-size="11" text-anchor="middle" '
                                 f'fill="#fff">{100 * n / total:.0f}%</text>')
                x += w
            inv = pooled.get("invented", 0) + pooled.get("filled", 0)
            parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 11}" font-size="11">'
                         f'{a["valid"]}/{a["converted"]} valid</text>')
            parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 24}" font-size="11" fill="{COLORS["invented"]}">'
                         f'+{inv} invented ({a["converted"]} docs)</text>')
        y += row_h
    lx = label_w
    for s in order + ["invented"]:
        parts.append(f'<rect x="{lx}" y="{y + 4}" width="12" height="12" fill="{COLORS[s]}"/>'
                     f'<text x="{lx + 16}" y="{y + 14}" font-size="12">{s}</text>')
        lx += 16 + 8 * len(s) + 18
    parts.append("</svg>")
    return "".join(parts)


def svg_average_bars(formats: dict[str, Any], width: int = 900) -> str:
    """Grouped bars: the average per-document share kept / lossy / dropped / invented, per target format."""
    keys = ["kept", "lossy", "dropped", "invented"]
    colors = {"kept": COLORS["kept"], "lossy": COLORS["lossy"], "dropped": COLORS["dropped"],
              "invented": COLORS["invented"]}
    rows = list(formats.items())
    label_w, bar_w, row_h = 200, width - 200 - 80, 14
    height = 36 + len(rows) * (row_h * len(keys) + 14) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="average-bars" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Average share per document, per target format">',
             '<text x="0" y="16" font-size="14" font-weight="600">Average per document: share kept, lossy, '
             'dropped, invented (per source leaf)</text>']
    y = 30
    for _fam, a in rows:
        label_y = y + (2 * row_h if a["average"]["kept"] is not None else 11)
        parts.append(f'<text x="0" y="{label_y}" font-size="13">{_e(a["target"])}</text>')
        for k in keys:
            v = a["average"][k]
            if v is None:
                parts.append(f'<text x="{label_w}" y="{y + 11}" font-size="11" fill="#555">no conversion</text>')
                y += row_h * len(keys)
                break
            w = bar_w * min(v, 1.0)
            parts.append(f'<rect x="{label_w}" y="{y}" width="{max(w, 0.5):.1f}" height="{row_h - 3}" '
                         f'fill="{colors[k]}"><title>{k}: {100 * v:.1f}%</title></rect>'
                         f'<text x="{label_w + w + 4:.1f}" y="{y + 10}" font-size="10">{k} {100 * v:.1f}%</text>')
            y += row_h
        y += 14
    parts.append("</svg>")
    return "".join(parts)


def svg_survival(report: dict[str, Any], width: int = 900) -> str:
    """Heat map: per concept (rows) and target format (columns), the share of documents carrying the concept
    whose conversion keeps it."""
    fams = report["families"]
    concepts = report["concepts"]
    label_w, cell_w, cell_h = 190, (width - 190) // max(len(fams), 1), 26
    height = 50 + cell_h * len(concepts)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="survival-map" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Concept survival per target format">',
             '<text x="0" y="16" font-size="14" font-weight="600">Concepts that survive conversion '
             '(documents carrying the concept: kept / all)</text>']
    for j, f in enumerate(fams):
        parts.append(f'<text x="{label_w + j * cell_w + cell_w / 2:.0f}" y="40" font-size="12" text-anchor="middle">'
                     f'{_e(report["formats"][f]["target"])}</text>')
    for i, c in enumerate(concepts):
        y = 48 + i * cell_h
        parts.append(f'<text x="0" y="{y + 17}" font-size="12">{_e(c["title"])}</text>')
        for j, f in enumerate(fams):
            a = report["formats"][f]
            s = a["concepts"][c["id"]]
            n = s["kept"] + s["lost"]
            x = label_w + j * cell_w
            if not a["converted"]:
                fill, text = "#eeeeee", "no path" if a["no_path"] else "—"
            elif not n:
                fill, text = "#fafafa", "—" + (f" (+{s['invented']} inv.)" if s["invented"] else "")
            else:
                share = s["kept"] / n
                r, g = int(229 - share * (229 - 46)), int(57 + share * (125 - 57))
                b = int(53 + share * (50 - 53))
                fill, text = f"rgb({r},{g},{b})", f"{s['kept']}/{n}"
            parts.append(f'<rect x="{x + 1}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}" '
                         f'stroke="#bbb"><title>{_e(c["title"])} → {_e(f)}: {_e(text)}</title></rect>')
            dark = fill.startswith("rgb")
            parts.append(f'<text x="{x + cell_w / 2:.0f}" y="{y + 17}" font-size="12" text-anchor="middle" '
                         f'fill="{"#fff" if dark else "#333"}">{_e(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: dict[str, Any]) -> str:
    st = report["static"]
    fams = report["families"]
    comps = list(st["companions"])
    fmt: list[str] = []
    det: list[str] = []
    fmt.append('<table id="formats"><tr><th>family</th><th>latest</th><th>schema</th>'
               "<th>required fields from</th></tr>")
    for f in st["families"]:
        fmt.append(f"<tr><td>{_e(f['family'])}</td><td>{_e(f['latest'])}</td><td><code>{_e(f['schema'] or '—')}"
                 f"</code></td><td>{_e(f['required_source'])}</td></tr>")
    for comp in st["companions"].values():
        fmt.append(f'<tr class="companion"><td>{_e(comp["title"])}</td><td colspan="3">companion, '
                 f'<strong>not a format crosswalk converts</strong>: {_e(comp["note"])}</td></tr>')
    fmt.append("</table>")

    det.append("<h3>Fields per concept</h3>")
    for c in st["concepts"]:
        det.append(f"<details><summary>{_e(c['title'])} — {_e(c['summary'])}</summary>")
        det.append('<table class="fields"><tr><th>family</th><th>field</th><th>in schema</th><th>required</th>'
                 + "".join(f"<th>→ {_e(f)}</th>" for f in fams) + "</tr>")
        for s in fams:
            for row in c["families"][s]["fields"]:
                ins = "n/a" if row["in_schema"] is None else ("yes" if row["in_schema"] else "no")
                det.append(f"<tr><td>{_e(s)}</td><td><code>{_e(row['field'])}</code></td><td>{ins}</td>"
                         f"<td>{'required' if row['required'] else ''}</td>")
                for d in fams:
                    if d == s:
                        det.append("<td></td>")
                        continue
                    m = row["maps"][d]
                    tip = "; ".join(m["notes"]) + (" → " + ", ".join(m["lands"]) if m["lands"] else "")
                    det.append(_grade_td(m["grade"], tip))
                det.append("</tr>")
        for k, flds in c["companions"].items():
            if flds:
                det.append(f'<tr class="companion"><td>{_e(k)} (not converted)</td><td colspan="{3 + len(fams)}">'
                         + ", ".join(f"<code>{_e(x)}</code>" for x in flds) + "</td></tr>")
        det.append("</table></details>")

    h: list[str] = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
                    '<meta name="viewport" content="width=device-width, initial-scale=1">',
                    "<title>crosswalk compare: ML-model metadata formats</title>",
                    f"<style>{CSS}</style></head><body>"]
    h.append("<h1>Adoption study: ML-model metadata formats compared</h1>")
    inputs = ", ".join(f"<code>{_e(p)}</code>" for p in report["inputs"])
    h.append(f'<p class="note">Generated by <code>crosswalk compare</code> from <code>mappings/study/'
             f'{_e(st["catalogue"])}</code>, the mapping files ({len(st["edges"])} edges) and the vendored schemas '
             f'(static part), and by converting the documents of {inputs}'
             f' (corpus part): {len(report["documents"])} documents, {len(report["skipped"])} skipped.</p>')

    # --- static
    h.append("<h2>1. Static comparison</h2>")
    h.append("<h3>Coverage matrix</h3>")
    h.append('<p class="note">Fields each family offers for each concept (in brackets: how many its schema '
             'requires), and the grade of the mapping from each family to each other one. Hover a cell for detail.'
             '</p>')
    pairs = list(st["concepts"][0]["pairs"]) if st["concepts"] else []
    sources = list(dict.fromkeys(p.split("->")[0] for p in pairs))
    h.append('<table id="coverage-matrix" class="matrix"><thead><tr><th rowspan="2">concept</th>'
             f'<th colspan="{len(fams) + len(comps)}">fields offered (required)</th>'
             + "".join(f'<th colspan="{sum(1 for p in pairs if p.startswith(src + "->"))}" class="from">'
                       f"from {_e(src)} to …</th>" for src in sources)
             + "</tr><tr>")
    h.extend(f"<th>{_e(f)}</th>" for f in fams)
    h.extend(f'<th class="companion">{_e(c)}<br>(companion)</th>' for c in comps)
    h.extend(f'<th class="to">{_e(p.split("->")[1])}</th>' for p in pairs)
    h.append("</tr></thead><tbody>")
    for c in st["concepts"]:
        h.append(f'<tr><th title="{_e(c["summary"])}">{_e(c["title"])}<br><span class="note">{_e(c["group"])}'
                 "</span></th>")
        for f in fams:
            fi = c["families"][f]
            names = ", ".join(r["field"] for r in fi["fields"])
            h.append(f'<td class="num" title="{_e(names)}">{fi["offered"] or "—"}'
                     + (f" ({fi['required']})" if fi["required"] else "") + "</td>")
        for k in comps:
            fl = c["companions"].get(k) or []
            h.append(f'<td class="num companion" title="{_e(", ".join(fl))}">{len(fl) or "—"}</td>')
        for p in pairs:
            pr = c["pairs"][p]
            title = f"{p.replace('->', ' → ')}: " + ", ".join(f"{g}: {n}" for g, n in pr["fields"].items())
            if pr["invents"]:
                title += "; invents " + ", ".join(pr["invents"])
            h.append(_grade_td(pr["grade"], title))
        h.append("</tr>")
    h.append("</tbody></table>")
    h.append('<p class="legend">' + "".join(
        f'<span><span class="sw" style="background:{GRADE_BG[g]}"></span><b>{_e(g)}</b>'
        + (f" ({_e(SHORT[g])})" if g in SHORT else "") + f": {_e(n)}</span>"
        for g, n in st["grades"].items()) + "</p>")
    for k, comp in st["companions"].items():
        h.append(f'<p class="note companion">{_e(k)} = {_e(comp["title"])}: companion row, <strong>not a format '
                 f'crosswalk converts</strong> (training data, not models; listed from seed 002).</p>')

    # --- corpus
    h.append("<h2>2. Corpus comparison</h2>")
    h.append('<p class="note">' + "; ".join(f"<b>{_e(k)}</b>: {_e(v)}" for k, v in report["definitions"].items())
             + ".</p>")
    h.append('<table id="format-summary"><tr><th>target</th><th>converted</th><th>unchanged (valid)</th>'
             "<th>no path</th><th>errors</th><th>valid</th><th>avg kept</th><th>avg lossy</th><th>avg dropped</th>"
             "<th>avg invented</th></tr>")
    for f in fams:
        a = report["formats"][f]
        av = a["average"]
        h.append(f"<tr><td>{_e(a['target'])}</td><td class='num'>{a['converted']}/{a['documents']}</td>"
                 f"<td class='num'>{a['unchanged']} ({a['valid_unchanged']})</td>"
                 f"<td class='num'>{a['no_path']}</td><td class='num'>{a['errors']}</td>"
                 f"<td class='num'>{a['valid']}/{a['converted']}</td>"
                 + "".join(f"<td class='num'>{_pct(av[k])}</td>" for k in ("kept", "lossy", "dropped", "invented"))
                 + "</tr>")
    h.append("</table>")
    h.append(svg_loss_bars(report["formats"]))
    h.append(svg_average_bars(report["formats"]))
    h.append(svg_survival(report))

    ad = report["adoption"]
    h.append(f"<h3>{_e(' / '.join(ad['a']))} ↔ {_e(' / '.join(ad['b']))}: what an adopter of each would lose</h3>")
    h.append('<table id="adoption"><tr><th>concept</th>' + "".join(
        f"<th>adopting {_e(f)}: fields offered</th><th>static grade into {_e(f)}</th>"
        f"<th>docs that cannot express it / lose it in conversion</th>"
        for f in ad["sides"]) + "</tr>")
    for c in report["concepts"]:
        h.append(f"<tr><th>{_e(c['title'])}</th>")
        for side in ad["sides"].values():
            grades = side["static"][c["id"]]
            h.append(f"<td class='num'>{side['offers'][c['id']] or '—'}</td><td>"
                     + "<br>".join(f"{_e(s)}: {_e(g)}" for s, g in grades.items()) + "</td>"
                     f"<td class='num'>{side['cannot_express'].get(c['id'], 0)} / "
                     f"{side['concepts_lost'].get(c['id'], 0) if side['converted'] else 'no path'}</td>")
        h.append("</tr>")
    h.append("</table>")
    for f, side in ad["sides"].items():
        h.append(f"<p><b>Adopting {_e(f)}</b> ({_e(side['target'])}): {side['converted']} documents converted, "
                 f"{side['no_path']} without a path, {side['valid']} valid.</p>")
        if side["top_losses"]:
            h.append('<table class="losses"><tr><th>field</th><th>status</th><th>documents (entries)</th>'
                     "<th>reason (first seen)</th></tr>")
            for x in side["top_losses"]:
                h.append(f"<tr><td><code>{_e(x['path'])}</code></td><td>{_e(x['status'])}</td>"
                         f"<td class='num'>{x['documents']} ({x['entries']})</td><td>{_e(x['reason'])}</td></tr>")
            h.append("</table>")

    h.append("<h3>Per document</h3>")
    h.append('<table id="documents"><tr><th>document</th><th>format</th>'
             + "".join(f"<th>→ {_e(f)}</th>" for f in fams) + "</tr>")
    for r in report["documents"]:
        h.append(f"<tr><td><code>{_e(_short(r['href']))}</code></td><td>{_e(r['format'])}</td>")
        for f in fams:
            c = r["conversions"].get(f)
            if not c or c["status"] != "ok":
                h.append(f"<td class='note'>{_e(c['status'] if c else '—')}</td>")
                continue
            s = c["shares"]
            v = '<span class="ok">valid</span>' if c["valid"] else '<span class="bad">invalid</span>'
            h.append(f"<td>{_pct(s['kept'])} kept, {_pct(s['lossy'])} lossy, {_pct(s['dropped'])} dropped, "
                     f"{c['summary'].get('invented', 0)} invented; {v}</td>")
        h.append("</tr>")
    h.append("</table>")
    if report["skipped"]:
        h.append("<h3>Skipped</h3><ul>" + "".join(f"<li>{_e(s)}</li>" for s in report["skipped"]) + "</ul>")
    h.append("<h2>3. Formats and fields</h2>")
    h.extend(fmt)
    h.extend(det)
    h.append("</body></html>")
    return "\n".join(h) + "\n"


def main_errors(message: str) -> None:  # pragma: no cover - used by the CLI
    print(message, file=sys.stderr)


__all__ = ["compare", "build_report", "static_comparison", "load_catalogue", "render_html", "render_markdown"]
