"""Repairs of STAC core defects found in real documents that need logic, and the STAC core version upgrade."""

from __future__ import annotations

from typing import Any

from crosswalk.engine.ctx import Ctx
from crosswalk.engine.ops import is_type
from crosswalk.language.formats import registry
from crosswalk.language.pointer import Path
from crosswalk.transforms import of_type, transform
from crosswalk.validation.validator import (  # imported once, not in each call: every conversion runs these
    extension_accepts,
    extension_name,
    extension_prefix,
    extension_uris_by_prefix,
    validate,
)


@transform("stac.core_version", reads=("stac_version",), writes=("stac_version",))
def core_version(ctx: Ctx, minimum: str) -> None:
    """STAC versions before ``minimum`` (1.0.0: betas, release candidates) become it; 1.0.0 and 1.1.0 stay as they
    are (Python: the test is a comparison of texts, which a regex spells unreadably)."""
    value = ctx.get(("stac_version",))
    if ctx.get(("type",)) not in ("Feature", "Collection", "Catalog"):
        return
    if not ctx.has(("stac_version",)):
        ctx.invent(("stac_version",), minimum, "no stac_version; the oldest version the target supports")
    elif not isinstance(value, str) or "-" in value or value < minimum:
        why = f"stac_version null became {minimum}" if value is None else f"STAC {value} upgraded to {minimum}"
        ctx.set(("stac_version",), minimum, why)


def add_extension(ctx: Ctx, uri: str, reason: str | None = None) -> None:
    """Declare ``uri`` in stac_extensions (a list is made when there is none), reported invented."""
    exts = ctx.get(("stac_extensions",))
    if not isinstance(exts, list):
        ctx.put(("stac_extensions",), exts := [])
    if uri not in exts:
        exts.append(uri)
        ctx.created(("stac_extensions", str(len(exts) - 1)), "invented",
                    reason or f"{uri} needed by the fields written")


@transform("stac.target_uri", reads=("type", "stac_extensions[]"), writes=("stac_extensions[]",))
def target_uri(ctx: Ctx) -> None:
    """An Item declares the schema URI of the version it was converted to, once. Found by its fields alone (no
    URI), it gets that URI, so the output is checked against the schema the report says it is valid against; a URI
    of another version of the same family (one an earlier upgrade added beside the old) is dropped."""
    target = ctx.options.get("target")
    exts = ctx.get(("stac_extensions",))
    if target is None or ctx.get(("type",)) != "Feature" or not isinstance(exts, (list, type(None))):
        return  # a Collection may name its model family by asset roles alone; a non-list is the core schema's
    family = registry().families[target.family]
    versions = [family.match(u) if isinstance(u, str) else None for u in exts or ()]
    for i in range(len(versions) - 1, -1, -1):  # removing one leaves those before it where they are
        if versions[i] not in (None, target.version):
            ctx.remove(("stac_extensions", str(i)), f"{family.name} {versions[i]} declared beside {target}, the "
                       "version the document was converted to (the newest it declared)")
    if exts is None and ctx.has(("stac_extensions",)):
        ctx.remove(("stac_extensions",), "null where STAC wants a list of schema URIs", status="repaired")
    if target.version not in versions:  # those removed were of other versions
        add_extension(ctx, family.uri(target.version), f"{family.name} fields without their schema URI; {target} "
                      "declared, so that the output is checked against it")


def _prefixes(doc: dict[str, Any]) -> set[str]:
    """Each object key anywhere in ``doc`` but in its stac_extensions up to and with its first colon: a key starts
    with an extension's field prefix (``raster:``, whose only colon ends it) exactly when this is that prefix. One
    walk, then each extension prefix is one set lookup."""
    keys = {k for k in doc if k != "stac_extensions"}
    stack = [v for k, v in doc.items() if k != "stac_extensions"]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            keys.update(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return {k[: k.index(":") + 1] for k in keys if ":" in k}


def _near_keys(doc: dict[str, Any]) -> str:
    """The keys of the document, its properties, its assets and its links (ml-aoi's fields), each after a newline:
    where extension fields usually are, found without walking the whole document. A key starts with an extension's
    prefix (``raster:``, no newline in it) exactly when newline + prefix is in this text, since no key holds a
    newline; "" (nothing found, so the caller walks the whole document) when one does."""
    keys = list(doc)  # each holder's keys added by a list's C-level extend: no generator per document
    properties, assets, links = doc.get("properties"), doc.get("assets"), doc.get("links")
    if isinstance(properties, dict):
        keys += properties
    for holder in assets.values() if isinstance(assets, dict) else ():
        if isinstance(holder, dict):
            keys += holder
    for holder in links if isinstance(links, list) else ():
        if isinstance(holder, dict):
            keys += holder
    text = "\n" + "\n".join(keys)  # a C-level substring search per prefix, no set of the prefixes of every key
    return text if text.count("\n") == len(keys) else ""


@transform("stac.unused_extensions", reads=("stac_extensions[]",), writes=("stac_extensions[]",))
def unused_extensions(ctx: Ctx) -> None:
    """An extension declared without any of its fields is dropped only when its own vendored schema rejects the
    document so (most accept it: an Item may declare eo or raster and use none of their fields)."""
    exts = ctx.get(("stac_extensions",))
    if not isinstance(exts, list):
        return
    near, content = _near_keys(ctx.doc), None
    for i, uri in reversed(list(enumerate(exts))):
        prefix = extension_prefix(uri) if isinstance(uri, str) else None
        # its schema is asked before the whole document is walked (a drop needs both to say no: the order changes
        # nothing), since it mostly accepts, at a tenth of the walk's cost
        if prefix is None or "\n" + prefix in near or extension_accepts(ctx.doc, uri):
            continue
        if content is None:  # a field of it may still be deeper (in a band, a link): walk the whole document
            content = _prefixes(ctx.doc)
        if prefix not in content:
            ctx.remove(("stac_extensions", str(i)), f"declared without any {prefix}* field, which its schema rejects")


@transform("stac.needed_extensions", reads=("*",), writes=("stac_extensions[]",))
def needed_extensions(ctx: Ctx) -> None:
    """Fields of an extension (``raster:bands``) with no URI of that extension declared, where a declared schema
    needs it (MLM checks band references against raster:bands only when raster is declared): the extension's
    newest vendored URI is added when that makes the document valid against more; reported invented."""
    def errors_in(doc: dict[str, Any]) -> int:
        return sum(i.severity == "error" for i in validate(doc))

    def candidates() -> list[tuple[str, str]]:  # extensions whose fields are used and whose URI is not declared
        exts, content = ctx.get(("stac_extensions",)), _prefixes(ctx.doc)
        declared = {extension_name(u) for u in of_type(exts, list)}
        return [(p, u) for p, u in sorted(extension_uris_by_prefix().items())
                if extension_name(u) not in declared and p in content]

    # A valid document needs no URI. With validation on, the validator is asked first: the check of the output
    # reuses its answer (kept by content), so the walk over every key is saved; without it, the walk is cheaper.
    if ctx.options.get("validate", True):
        errors = errors_in(ctx.doc)
        found = candidates() if errors else []
    else:
        found = candidates()
        errors = errors_in(ctx.doc) if found else 0
    for prefix, uri in found if errors else ():
        trial = {**ctx.doc, "stac_extensions": [*of_type(ctx.get(("stac_extensions",)), list), uri]}
        fewer = errors_in(trial) if extension_accepts(trial, uri) else errors
        if fewer < errors:  # measured against the document as it now is, with the URIs added before
            add_extension(ctx, uri, f"{prefix}* fields are used; their extension declared")
            errors = fewer


LIST_FORM = "the JSON Schema summary written as the list of its values"


def plain_enum(summary: Any) -> list[Any] | None:
    """The values of a summary in a JSON Schema form that says no more than the list of them would: an enum (not
    empty), typed or not, of the field or of an array field's items, whose type (if any) every value has. That is
    the form MLM's schema forces on a list summary (``mlm.summaries_schema_form``). None for any other summary (a
    list, a range, a schema that constrains more)."""
    if isinstance(summary, dict) and summary.get("type") == "array" and set(summary) == {"type", "items"}:
        summary = summary["items"]  # an array field: its values are its items'
    if not isinstance(summary, dict) or not set(summary) <= {"type", "enum"}:
        return None
    values, kind = summary.get("enum"), summary.get("type", [])
    kinds = kind if isinstance(kind, list) else [kind]
    if not isinstance(values, list) or not values or not all(isinstance(k, str) for k in kinds):
        return None
    return values if not kinds or all(any(is_type(v, k) for k in kinds) for v in values) else None


@transform("stac.summaries_list_form", reads=("summaries.*",), writes=("summaries.*",))
def summaries_list_form(ctx: Ctx) -> None:
    """A Collection summary written as a JSON Schema that says no more than the list of its values (an enum of
    the field or of an array field's items, with at most a type every value has: the form MLM's schema forces on
    every list summary) becomes that list, the form the other families' documents use; every such summary,
    whatever field it holds (converted, already present or kept by --keep-source), so the forms do not mix."""
    summaries = ctx.get(("summaries",))
    if ctx.get(("type",)) != "Collection" or not isinstance(summaries, dict):
        return
    for key, summary in list(summaries.items()):
        values = plain_enum(summary)
        if values is None:
            continue
        here = ("summaries", key)
        at = here + (("items",) if "items" in summary else ()) + ("enum",)
        summaries[key] = values
        for i in range(len(values)):  # each value to its place in the list
            ctx.account(at + (str(i),), [here + (str(i),)], "transformed", LIST_FORM)
        # the type keywords (the field's, its items'): the values in the list still have that type
        typed = [("type",)] if "type" in summary else []
        if "items" in summary and "type" in summary["items"]:
            typed.append(("items", "type"))
        for keyword in typed:
            ctx.account(here + keyword, [here], "transformed", LIST_FORM, whole=True)


def listed(ctx: Ctx, src: Path) -> tuple[list[tuple[Path, Any]], bool]:
    """The values at ``src`` (a summary, a field), each with its path: a list's elements, a bare value as a list of
    one (at its own path), or the enum of a summary in JSON Schema form (its items' enum when it describes an
    array; none without an enum); and whether it was that form."""
    value = ctx.get(src)
    schema = isinstance(value, dict)
    at = src + (("items",) if isinstance(value.get("items"), dict) else ()) + ("enum",) if schema else src
    values = ctx.get(at)
    return ([(at + (str(i),), v) for i, v in enumerate(values)] if isinstance(values, list) else
            [] if schema else [(src, value)]), schema
