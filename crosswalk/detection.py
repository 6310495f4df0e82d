"""Which format a raw document is in (pystac's identify, adapted): its schema URIs first, read through the format
registry, then field fingerprints."""

from __future__ import annotations

from typing import Any, NamedTuple

from crosswalk.errors import FormatError
from crosswalk.language.formats import Format, registry


class Detection(NamedTuple):
    format: Format
    object_type: str  # Feature | Collection | Catalog | mlm-metadata
    evidence: tuple[str, ...]
    others: tuple[Format, ...] = ()  # further families found in the same document
    # a version newer than the newest known (within the same major version): ``format`` is then the
    # newest known version of the family, and the document is read as it plus unknown fields
    newer: str | None = None


_DLM_PLURAL = ("dlm:data", "dlm:inputs", "dlm:outputs", "dlm:archive")
_DLM_SINGULAR = ("dlm:input", "dlm:output")
# Newest family first: a document carrying several is detected as the newest (of those it declares by URI, if any).
_ORDER = ("mlm", "dlm", "dlm-beta", "ml-model")


def _field_hosts(doc: dict[str, Any]) -> list[dict[str, Any]]:
    hosts = [doc]
    for key in ("properties", "summaries"):
        if isinstance(doc.get(key), dict):
            hosts.append(doc[key])
    for key in ("assets", "item_assets"):
        if isinstance(doc.get(key), dict):
            hosts.extend(a for a in doc[key].values() if isinstance(a, dict))
    return hosts


def _keys(doc: dict[str, Any]) -> set[str]:
    return set().union(*_field_hosts(doc))  # each host's keys, gathered in C


def _any_starts(keys: set[str], prefix: str) -> bool:
    """Whether a key starts with ``prefix``. One substring search in the keys joined by newlines rules out almost
    every document (a key starting with it puts newline + prefix in the text); a hit is confirmed key by key, since
    a key may hold a newline."""
    try:
        text = "\n" + "\n".join(keys)
    except TypeError:  # a key that is no text (a dict a caller built): key by key, as it always was
        return any(k.startswith(prefix) for k in keys)
    return "\n" + prefix in text and any(k.startswith(prefix) for k in keys)


_MATCHES: dict[str, tuple[tuple[Any, str], ...]] = {}
_MATCHES_OF: list[Any] = [None]  # the registry the remembered matches were made with


def _uri_families(reg: Any, uri: str) -> tuple[tuple[Any, str], ...]:
    """(family, version) for each family whose schema URI patterns match ``uri``, in registry order; remembered
    per URI (a bulk run meets the same few URIs in every document, and each family tries several patterns)."""
    if _MATCHES_OF[0] is not reg or len(_MATCHES) > 1024:
        _MATCHES.clear()
        _MATCHES_OF[0] = reg
    found = _MATCHES.get(uri)
    if found is None:
        found = _MATCHES[uri] = tuple(
            (fam, version) for fam in reg.families.values() if (version := fam.match(uri)) is not None
        )
    return found


def detect(doc: Any, href: str | None = None) -> Detection:
    """Detect the format of a raw JSON document: schema URIs first, then field fingerprints."""
    if not isinstance(doc, dict):
        raise FormatError(f"not a STAC document: its top level is {_a_json(doc)}, not an object", href=href, path="")
    reg = registry()
    found: dict[str, tuple[str, str]] = {}  # family -> (version, evidence)
    newer: dict[str, str] = {}  # family -> a version newer than its newest known
    exts = doc.get("stac_extensions") or []
    if isinstance(exts, dict):  # the dlm schemas typed stac_extensions as an object
        exts = list(exts.values()) + list(exts.keys())
    if not isinstance(exts, list):
        exts = []
    for i, uri in enumerate(exts):
        if not isinstance(uri, str):
            continue
        for fam, version in _uri_families(reg, uri):
            if fam.name == "dlm-beta" and version not in fam.versions:
                version = fam.latest
            if fam.accepts_newer(version):
                if fam.name not in newer:  # newer than every known version: it wins
                    newer[fam.name] = version
                    found[fam.name] = (fam.latest, f"schema URI {uri} (newer than the newest known, {fam.latest}: "
                                                   "read as it)")
                continue
            if version not in fam.versions:
                raise FormatError(
                    f"unknown {fam.name} version {version} ({uri}); known: {', '.join(fam.versions)}",
                    href=href,
                    path=f"/stac_extensions/{i}",
                )
            # two versions of one family declared (an upgrade that added its URI and left the old one): the
            # document is read as the newest it declares, whatever their order
            if fam.name not in found or (fam.name not in newer and
                                         fam.versions.index(version) > fam.versions.index(found[fam.name][0])):
                found[fam.name] = (version, f"schema URI {uri}")
    declared = set(found)  # by a schema URI (the current dlm, which has none of its own, by the dl-model one)
    keys = _keys(doc)
    props = doc.get("properties") if isinstance(doc.get("properties"), dict) else {}
    if any(k in keys for k in _DLM_SINGULAR):
        if found.pop("dlm-beta", None):
            declared.add("dlm")
        found["dlm"] = (reg.families["dlm"].latest, "fields dlm:input/dlm:output")
    elif any(k in keys for k in _DLM_PLURAL) or "dlm-beta" in found:
        data = props.get("dlm:data") if isinstance(props.get("dlm:data"), dict) else {}
        beta3 = "data_type" in data or "nodata" in data
        beta = reg.families["dlm-beta"]
        version = beta.latest if beta3 else beta.versions[0]  # beta.3 added data_type/nodata to dlm:data
        evidence = "dlm:data.data_type/nodata" if beta3 else "dlm:data without data_type/nodata"
        if not data and "dlm-beta" in found:
            version, evidence = found["dlm-beta"]
        elif not beta3 and beta.latest in found.get("dlm-beta", ("", ""))[1]:  # its URI names beta.3 (no short id)
            # the beta.3 schema requires dlm:data.data_type (beta.2's dtype renamed): a beta.3 URI over beta.2's
            # fields (the beta.3 example itself) is read by its fields, so the step that renames them runs
            evidence += f" (beta.2's fields, under the {beta.latest} schema URI, whose schema requires data_type)"
        found["dlm-beta"] = (version, evidence)
    if "ml-model" not in found and _any_starts(keys, "ml-model:"):
        found["ml-model"] = (reg.families["ml-model"].latest, "ml-model:* fields")
    if "mlm" not in found:
        schema = doc.get("$schema")
        version = reg.families["mlm"].match(schema) if isinstance(schema, str) else None
        if version:
            if reg.families["mlm"].accepts_newer(version):
                latest = reg.families["mlm"].latest
                return Detection(Format("mlm", latest), "mlm-metadata", (f"$schema {schema}",), newer=version)
            if version not in reg.families["mlm"].versions:
                raise FormatError(f"unknown mlm version {version} ({schema})", href=href, path="/$schema")
            return Detection(Format("mlm", version), "mlm-metadata", (f"$schema {schema}",))
    for family in ("mlm", "ml-model") if not found else ():
        if _family_roles(doc, family):
            found[family] = (reg.families[family].latest, f"{family}:* asset roles")
            break
    if not found:
        if "type" not in doc and "stac_version" not in doc:
            raise FormatError("not a STAC document (no type, stac_version or ML-model fields)", href=href, path="")
        error = FormatError(
            "no ML-model extension found (no mlm, ml-model or dlm schema URI or fields)", href=href, path=""
        )
        error.no_extension = True
        raise error
    if "properties" in doc and not isinstance(doc["properties"], dict):  # every rule on an Item's fields reads it
        raise FormatError(f"not a STAC Item: its properties are {_a_json(doc['properties'])}, not an object",
                          href=href, path="/properties")
    # Newest family first, but a family the document declares by its schema URI before one present by its fields
    # alone: an ml-model document keeping dlm fields for a round trip (--keep-source) is still ml-model
    families = sorted((f for f in _ORDER if f in found), key=lambda f: bool(declared) and f not in declared)
    main = families[0]
    obj = doc.get("type") if isinstance(doc.get("type"), str) else "Feature"
    return Detection(
        format=Format(main, found[main][0]),
        object_type=obj,
        evidence=tuple(found[f][1] for f in families),
        others=tuple(Format(f, found[f][0]) for f in families[1:]),
        newer=newer.get(main),
    )


def _family_roles(doc: dict[str, Any], family: str) -> bool:
    """An asset role of the family (``mlm:model``, ``ml-model:checkpoint``...) is evidence of it: the official MLM
    Collection examples carry no MLM URI and no MLM field, only such roles in ``item_assets``, and so do they
    converted to ml-model."""
    prefix = family + ":"
    for key in ("assets", "item_assets"):
        assets = doc.get(key)
        for asset in assets.values() if isinstance(assets, dict) else ():
            roles = asset.get("roles") if isinstance(asset, dict) else None
            if isinstance(roles, list) and any(isinstance(r, str) and r.startswith(prefix) for r in roles):
                return True
    return False


def _a_json(value: Any) -> str:
    """The JSON kind of a parsed value, as a message says it ("an array", "null")."""
    if value is None:
        return "null"
    kinds = ((bool, "a boolean"), ((int, float), "a number"), (str, "a string"), (list, "an array"))
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)
