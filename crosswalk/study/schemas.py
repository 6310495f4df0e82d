"""Which fields a family's vendored schema defines and requires.

The schema is walked through the same offline `referencing` registry validation uses, so a ``$ref`` to another
vendored schema (MLM 1.5.2 takes classification classes, processing expressions and raster data types from the
classification, processing and raster extensions) is followed like a local one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crosswalk.study.paths import Pattern, Tokens, same_path

# Deep enough for every vendored schema; a guard against cycles the `seen` set does not catch.
_MAX_DEPTH, _MAX_PATH = 60, 10


@dataclass
class SchemaInfo:
    uri: str
    file: str
    defined: set[Tokens] = field(default_factory=set)
    required: set[Tokens] = field(default_factory=set)
    literals: set[str] = field(default_factory=set)  # every const/enum string (role and rel values)
    external: set[str] = field(default_factory=set)  # the other schemas the walk went through

    def offers(self, pat: Pattern) -> bool:
        if pat.value is not None and pat.value not in self.literals:
            return False
        return any(same_path(pat.tokens, d) for d in self.defined)

    def is_required(self, pat: Pattern) -> bool:
        return pat.value is None and any(same_path(pat.tokens, r) for r in self.required)


def family_schema(family: str) -> SchemaInfo | None:
    """The vendored schema registered for the latest version's URI of the family in formats.yaml."""
    from crosswalk.language.formats import registry
    from crosswalk.validation.validator import schema_file, schema_registry  # the one offline registry

    fam = registry().families[family]
    uri = fam.uri(fam.latest)
    file = schema_file(uri)
    if file is None:
        return None
    try:
        resolver = schema_registry().resolver(base_uri=uri)
        root = resolver.lookup(uri)
    except Exception:  # noqa: BLE001 - an unregistered or unreadable schema: the study says "no schema"
        return None
    info = SchemaInfo(uri=uri, file=file)
    _walk(root.contents, root.resolver, uri, (), True, info, set(), 0)
    return info


def _walk(node: Any, resolver: Any, base: str, path: Tokens, req_ok: bool, info: SchemaInfo, seen: set,
          depth: int) -> None:
    """Collect defined and required member paths. ``required`` counts only where reached through allOf, oneOf,
    then and $ref (anyOf, if, else and not are alternatives or tests)."""
    if not isinstance(node, dict) or depth > _MAX_DEPTH or len(path) > _MAX_PATH:
        return
    if isinstance(node.get("const"), str):
        info.literals.add(node["const"])
    if isinstance(node.get("enum"), list):
        info.literals.update(v for v in node["enum"] if isinstance(v, str))
    ref = node.get("$ref")
    if isinstance(ref, str):
        key = (base, ref, path, req_ok)
        if key not in seen:
            seen.add(key)
            try:
                resolved = resolver.lookup(ref)
            except Exception:  # noqa: BLE001 - not vendored: that branch stays uncounted, as validation reports
                resolved = None
            if resolved is not None:
                target = ref.split("#", 1)[0]
                if target and target != base:
                    info.external.add(target)
                _walk(resolved.contents, resolved.resolver, target or base, path, req_ok, info, seen, depth + 1)

    def sub(child: Any, sub_path: Tokens, ok: bool) -> None:
        _walk(child, resolver, base, sub_path, ok, info, seen, depth + 1)

    if req_ok and isinstance(node.get("required"), list):
        for name in node["required"]:
            if isinstance(name, str):
                info.required.add((*path, name))
                info.defined.add((*path, name))
    for name, child in (node.get("properties") or {}).items():
        info.defined.add((*path, name))
        sub(child, (*path, name), req_ok)
    for child in (node.get("patternProperties") or {}).values():
        sub(child, (*path, "*"), req_ok)
    if isinstance(node.get("additionalProperties"), dict):
        sub(node["additionalProperties"], (*path, "*"), req_ok)
    items = node.get("items")
    for child in items if isinstance(items, list) else [items] if isinstance(items, dict) else []:
        sub(child, (*path, "[]"), req_ok)
    if isinstance(node.get("contains"), dict):
        sub(node["contains"], (*path, "[]"), False)
    for key, ok in (("allOf", req_ok), ("oneOf", req_ok), ("anyOf", False)):
        for child in node.get(key) or []:
            sub(child, path, ok)
    if isinstance(node.get("then"), dict):
        sub(node["then"], path, req_ok)
    if isinstance(node.get("else"), dict):
        sub(node["else"], path, False)
