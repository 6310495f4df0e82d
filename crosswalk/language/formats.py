"""Formats (``family@version``) and detection of a raw document's format (pystac's identify, adapted)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from crosswalk.errors import FormatError
from crosswalk.resources import load_yaml, mappings_dir


@dataclass(frozen=True, order=True)
class Format:
    family: str
    version: str

    def __str__(self) -> str:
        return f"{self.family}@{self.version}"

    @classmethod
    def parse(cls, text: str) -> Format:
        """``mlm@1.4.0``, or a bare family meaning its latest version (``mlm``, ``ml-model``)."""
        reg = registry()
        family, _, version = text.partition("@")
        if family not in reg.families:
            raise FormatError(f"unknown format {text!r}; known families: {', '.join(reg.families)}")
        fam = reg.families[family]
        version = version or fam.latest
        if version not in fam.versions:
            raise FormatError(f"unknown version {text!r}; known {family} versions: {', '.join(fam.versions)}")
        return cls(family, version)


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    prefix: str
    latest: str
    versions: tuple[str, ...]
    uris: dict[str, str]
    patterns: tuple[re.Pattern[str], ...]
    newer: str = "refuse"  # what a version newer than ``latest`` is: "refuse", or "read-as-latest" (same major)
    newer_rules: str | None = None  # support mapping that reads a newer document as the latest known version
    invariants: tuple[tuple[str, str], ...] = ()  # (since version, support mapping) run at the end of every plan
    uri_templates: tuple[str, ...] = ()  # the ``uri_patterns`` as written (``{v}`` for the version)
    rejects_unknown: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (since version, prefixes of rejected unknowns)

    def rejected_prefixes(self, version: str) -> tuple[str, ...]:
        """The prefixes of unknown fields the schema of ``version`` rejects (a version newer than every known one:
        those of the latest)."""
        at = self.versions.index(version) if version in self.versions else len(self.versions)
        out: tuple[str, ...] = ()
        for since, prefixes in self.rejects_unknown:
            if since in self.versions and self.versions.index(since) <= at:
                out = prefixes
        return out

    def uri_regexes(self, version: str | None = None) -> list[str]:
        """Regular expressions (for a full match) of every spelling of this family's schema URI at ``version``,
        or at any version when ``version`` is None: what a URI swap removes."""

        def escape(text: str) -> str:  # re.escape, minus the escaped "-" and "/" that make the guide unreadable
            return re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", text)

        version_regex = escape(version) if version else r"[^/]+"
        return [version_regex.join(escape(part) for part in t.split("{v}")) for t in self.uri_templates]

    def invariants_for(self, version: str) -> list[str]:
        """The support mappings holding the invariants of ``version`` (those whose ``since`` is not newer)."""
        at = self.versions.index(version) if version in self.versions else -1
        return [f for since, f in self.invariants if since in self.versions and self.versions.index(since) <= at]

    def uri(self, version: str) -> str:
        return self.uris.get(version, self.uris["default"]).replace("{v}", version)

    def match(self, uri: str) -> str | None:
        """The version named by ``uri`` if it is one of this family's schema URIs (known version or not)."""
        for pat in self.patterns:
            m = pat.fullmatch(uri)
            if m:
                return m.groupdict().get("v") or self.latest
        return None

    def accepts_newer(self, version: str) -> bool:
        """True when ``version`` is newer than every known version and the family's policy reads it as the
        latest known one plus unknown fields (only within the latest's major version: a new major may change
        anything)."""
        if self.newer != "read-as-latest" or version in self.versions:
            return False
        new, latest = _numbers(version), _numbers(self.latest)
        return bool(new and latest) and new[0] == latest[0] and new > latest


def _numbers(version: str) -> tuple[int, ...] | None:
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version)
    return tuple(int(x) for x in m.groups()) if m else None


@dataclass(frozen=True)
class Registry:
    families: dict[str, Family]

    def formats(self) -> list[Format]:
        return [Format(f.name, v) for f in self.families.values() for v in f.versions]


@cache
def registry() -> Registry:
    data = load_yaml(mappings_dir() / "formats.yaml")
    fams = {}
    for name, spec in data["families"].items():
        pats = tuple(re.compile(re.escape(p).replace(re.escape("{v}"), r"(?P<v>[^/]+)")) for p in spec["uri_patterns"])
        fams[name] = Family(
            name=name,
            title=spec["title"],
            prefix=spec["prefix"],
            latest=str(spec["latest"]),
            versions=tuple(str(v) for v in spec["versions"]),
            uris={str(k): v for k, v in spec["uri"].items()},
            patterns=pats,
            newer=str(spec.get("newer", "refuse")),
            newer_rules=spec.get("newer_rules"),
            invariants=tuple((str(i["since"]), i["file"]) for i in spec.get("invariants") or ()),
            uri_templates=tuple(spec["uri_patterns"]),
            rejects_unknown=tuple(
                (str(r["since"]), tuple(r["prefixes"])) for r in spec.get("rejects_unknown") or ()
            ),
        )
    return Registry(fams)


@dataclass(frozen=True)
class Detection:
    format: Format
    object_type: str  # Feature | Collection | Catalog | mlm-metadata
    evidence: tuple[str, ...]
    others: tuple[Format, ...] = field(default_factory=tuple)  # further families found in the same document
    # a version newer than the newest known (within the same major version): ``format`` is then the
    # newest known version of the family, and the document is read as it plus unknown fields
    newer: str | None = None


_DLM_PLURAL = ("dlm:data", "dlm:inputs", "dlm:outputs", "dlm:archive")
_DLM_SINGULAR = ("dlm:input", "dlm:output")
# Newest family first: a document carrying several is detected as the newest.
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
    return {k for host in _field_hosts(doc) for k in host}


def detect(doc: Any, href: str | None = None) -> Detection:
    """Detect the format of a raw JSON document: schema URIs first, then field fingerprints."""
    if not isinstance(doc, dict):
        raise FormatError(f"not a STAC document: top level is a {type(doc).__name__}", href=href, path="")
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
        for fam in reg.families.values():
            version = fam.match(uri)
            if version is None:
                continue
            if fam.name == "dlm-beta" and version not in fam.versions:
                version = fam.latest
            if fam.accepts_newer(version):
                if fam.name not in found:
                    newer[fam.name] = version
                    found[fam.name] = (fam.latest, f"schema URI {uri} (newer than the newest known, {fam.latest})")
                continue
            if version not in fam.versions:
                raise FormatError(
                    f"unknown {fam.name} version {version} ({uri}); known: {', '.join(fam.versions)}",
                    href=href,
                    path=f"/stac_extensions/{i}",
                )
            found.setdefault(fam.name, (version, f"schema URI {uri}"))
    keys = _keys(doc)
    props = doc.get("properties") if isinstance(doc.get("properties"), dict) else {}
    if any(k in keys for k in _DLM_SINGULAR):
        found.pop("dlm-beta", None)
        found["dlm"] = (reg.families["dlm"].latest, "fields dlm:input/dlm:output")
    elif any(k in keys for k in _DLM_PLURAL) or "dlm-beta" in found:
        data = props.get("dlm:data") if isinstance(props.get("dlm:data"), dict) else {}
        beta3 = "data_type" in data or "nodata" in data
        version = "1.0.0-beta.3" if beta3 else "1.0.0-beta.2"
        evidence = "dlm:data.data_type/nodata" if beta3 else "dlm:data without data_type/nodata"
        if not data and "dlm-beta" in found:
            version, evidence = found["dlm-beta"]
        found["dlm-beta"] = (version, evidence)
    if "ml-model" not in found and any(k.startswith("ml-model:") for k in keys):
        found["ml-model"] = ("1.0.0", "ml-model:* fields")
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
    if not found and _mlm_roles(doc):
        found["mlm"] = (reg.families["mlm"].latest, "mlm:* asset roles")
    if not found:
        if "type" not in doc and "stac_version" not in doc:
            raise FormatError("not a STAC document (no type, stac_version or ML-model fields)", href=href, path="")
        raise FormatError(
            "no ML-model extension found (no mlm, ml-model or dlm schema URI or fields)", href=href, path=""
        )
    families = [f for f in _ORDER if f in found]
    main = families[0]
    obj = doc.get("type") if isinstance(doc.get("type"), str) else "Feature"
    return Detection(
        format=Format(main, found[main][0]),
        object_type=obj,
        evidence=tuple(found[f][1] for f in families),
        others=tuple(Format(f, found[f][0]) for f in families[1:]),
        newer=newer.get(main),
    )


def _mlm_roles(doc: dict[str, Any]) -> bool:
    """An ``mlm:*`` asset role (``mlm:model``, ``mlm:weights``...) is MLM evidence: the official MLM Collection
    examples carry no MLM URI and no MLM field, only such roles in ``item_assets``."""
    for key in ("assets", "item_assets"):
        assets = doc.get(key)
        for asset in assets.values() if isinstance(assets, dict) else ():
            roles = asset.get("roles") if isinstance(asset, dict) else None
            if isinstance(roles, list) and any(isinstance(r, str) and r.startswith("mlm:") for r in roles):
                return True
    return False
