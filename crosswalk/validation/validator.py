"""Offline validation of STAC documents against the vendored JSON schemas, plus semantic lint checks.

* `validate(doc)`: the STAC core schema picked by ``stac_version`` and ``type``, and the schema of every URI
  in ``stac_extensions`` (a ``stac_version`` that is not a version is an error, one without a vendored schema a
  warning). Only files under ``crosswalk/schemas/`` are used (see ``index.json`` there); any
  other ``$ref`` raises `OfflineSchemaError` from the registry instead of touching the network.
* `lint(doc)`: checks the schemas do not make (legacy keys left behind, band names defined nowhere, ranks,
  list lengths, class counts).
* `check(doc)`: both, sorted by JSON Pointer.

``Issue.schema`` is the URI whose schema failed (the URI as declared in ``stac_extensions``, or the core
schema URI), ``"stac:core"`` when no core schema could be chosen, or ``"lint:<rule>"``. Lint rules:
``legacy-keys``, ``band-names``, ``shape-rank``, ``value-scaling-length``, ``class-count``.

jsonschema and referencing are imported lazily, so ``import crosswalk.validation.validator`` stays cheap.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from crosswalk.language.formats import registry  # the lint reads MLM versions with it, once per validated document
from crosswalk.language.pointer import to_pointer

try:  # BLAKE2b without hashlib, whose import loads OpenSSL (a one-file run pays for it at every start)
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover - an interpreter without the builtin module
    from hashlib import blake2b as _blake2b

if TYPE_CHECKING:  # pragma: no cover
    import referencing

__all__ = [
    "Issue",
    "OfflineSchemaError",
    "validate",
    "lint",
    "check",
    "known_schema_uris",
    "schema_file",
    "schema_registry",
    "warm",
    "extension_name",
    "extension_prefix",
    "extension_uris_by_prefix",
    "extension_accepts",
    "field_type",
    "classification_class_fields",
]

_CORE_SOURCE = "stac:core"
_MAX_MESSAGE = 200
# What a stac_version must look like (major.minor.patch, maybe a pre-release: 1.0.0-beta.2, 1.1.0-rc.1), as
# stac-validator checks it; "banana" is an error, a well-formed version without a vendored schema a warning.
_STAC_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?")
_CORE_PATHS = {
    "Feature": "item-spec/json-schema/item.json",
    "Collection": "collection-spec/json-schema/collection.json",
    "Catalog": "catalog-spec/json-schema/catalog.json",
}


class Issue(NamedTuple):
    path: str  # RFC 6901 JSON Pointer into the document ("" = root)
    message: str  # one line, human readable
    schema: str  # schema URI (or "lint:<rule-name>" for lint findings)
    severity: str = "error"  # "error" | "warning"


class OfflineSchemaError(LookupError):
    """A schema not vendored in crosswalk/schemas was requested; nothing is fetched from the network."""


# ----------------------------------------------------------------------------------------------------
# Vendored schema files


def _schemas_root() -> str:
    # the package's own folder, as for the mappings (importlib.resources costs a one-file run its zipfile import)
    from crosswalk.resources import schemas_path

    return schemas_path()


@cache
def _index() -> dict[str, tuple[str, str | None]]:
    """URI -> (relative file path, canonical URI or None) from schemas/index.json."""
    raw = _read_json(os.path.join(_schemas_root(), "index.json"))
    out: dict[str, tuple[str, str | None]] = {}
    for uri, entry in raw["schemas"].items():
        if isinstance(entry, str):
            out[uri] = (entry, None)
        else:
            out[uri] = (entry["file"], entry.get("canonical"))
    return out


@cache
def _load(relpath: str) -> Any:
    return _read_json(os.path.join(_schemas_root(), *relpath.split("/")))


def _read_json(path: str) -> Any:
    """A vendored JSON file, parsed by orjson: the json module's values for these files (a test compares them on
    every file), at a third of its cost, which a one-file run pays for each schema it compiles."""
    with open(path, "rb") as f:
        return orjson.loads(f.read())


# What crosswalk needs to know about the vendored schemas (the format names they use, each extension's field
# prefix, the field types...) is derived from them once, ahead of time, into schema_facts.json beside this
# module: walking every schema costs a one-file run about 40 ms. A test checks that the file matches the schemas;
# after changing a schema, rewrite it with `python -m crosswalk.validation.validator --write-facts`.
_FACTS_FILE = "schema_facts.json"


def schema_facts() -> dict[str, Any]:
    """The derived facts, computed from the vendored schemas (what schema_facts.json must hold)."""
    prefixes = {uri: p for uri in sorted(_index()) if (p := _walk_extension_prefix(uri)) is not None}
    relpaths = sorted({relpath for relpath, _ in _index().values()})
    return {
        "formats": sorted(_walk_formats_in_schemas()),
        "prefixes": prefixes,
        "accepted": {r: uri for r in relpaths if (uri := _walk_accepted_extension_uri(r)) is not None},
        "classification_class_fields": sorted(
            _walk_classification_class_fields(_uris_by_prefix(prefixes).get("classification:"))
        ),
        "field_types": _walk_field_types(),
    }


def write_schema_facts() -> None:
    with open(_facts_path(), "w", encoding="utf-8") as f:
        f.write(json.dumps(schema_facts(), indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def _facts_path() -> str:
    import os

    return os.path.join(os.path.dirname(__file__), _FACTS_FILE)


@cache
def _facts() -> dict[str, Any]:
    try:
        return _read_json(_facts_path())
    except FileNotFoundError:  # pragma: no cover - a broken install: derive them (slower, same answers)
        return schema_facts()


def known_schema_uris() -> list[str]:
    """Every URI the offline registry can resolve (core, GeoJSON, extensions and all their aliases)."""
    return sorted(_index())


def schema_file(uri: str) -> str | None:
    """The vendored file (relative to crosswalk/schemas) holding the schema of ``uri``; None when not vendored."""
    entry = _index().get(uri)
    return entry[0] if entry else None


def schema_document(uri: str) -> Any:
    """The vendored schema of ``uri`` as parsed JSON (shared: do not change it); OfflineSchemaError when it is not
    vendored."""
    relpath = schema_file(uri)
    return _load(relpath) if relpath is not None else _refuse(uri)


def _refuse(uri: str) -> Any:
    raise OfflineSchemaError(
        f"schema {uri!r} is not vendored in crosswalk/schemas (see index.json); "
        "crosswalk validates offline and never fetches schemas"
    )


@cache
def schema_registry() -> referencing.Registry:
    """The offline `referencing.Registry`, one per process: every vendored file under each of its URIs; any other
    URI raises `OfflineSchemaError` (nothing is fetched). Built on first use (~40 ms): the Python validator
    needs it only to explain a failure."""
    from jsonschema_specifications import REGISTRY as METASCHEMAS  # draft-07 etc., shipped with jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    resources = [
        (uri, Resource.from_contents(_load(relpath), default_specification=DRAFT7))
        for uri, (relpath, _) in _index().items()
    ]
    return METASCHEMAS.combine(Registry(retrieve=_refuse).with_resources(resources)).crawl()


@cache
def _format_checker() -> Any:
    from jsonschema import FormatChecker

    checker = FormatChecker()
    if "date-time" not in checker.checkers:  # pragma: no cover - rfc3339-validator is a dependency
        raise RuntimeError("jsonschema cannot check 'date-time' (is rfc3339-validator installed?)")
    return FormatChecker(formats=["date-time"])


@cache
def _validator(relpath: str) -> Any:
    """A compiled validator for one vendored schema file (compiled once per process)."""
    from jsonschema.validators import Draft7Validator, validator_for

    schema = _load(relpath)
    cls = validator_for(schema, default=Draft7Validator)
    return cls(schema, registry=schema_registry(), format_checker=_format_checker())


def _accepted_extension_uri(relpath: str) -> str | None:
    """The URI a schema demands in ``stac_extensions`` (its ``contains``/``const``), if it has exactly one."""
    return _facts()["accepted"].get(relpath)


def _walk_accepted_extension_uri(relpath: str) -> str | None:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict) and isinstance(props.get("stac_extensions"), dict):
                contains = props["stac_extensions"].get("contains")
                const = contains.get("const") if isinstance(contains, dict) else None
                if isinstance(const, str):
                    found.add(const)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_load(relpath))
    return found.pop() if len(found) == 1 else None


# ----------------------------------------------------------------------------------------------------
# validate


def _pointer(parts: Any) -> str:
    return to_pointer(parts)  # the names with nothing to escape (nearly all) in one join


def _short(value: Any) -> str:
    if isinstance(value, dict):
        keys = ", ".join(repr(k) for k in list(value)[:4]) + (", ..." if len(value) > 4 else "")
        return f"<object with keys {keys}>" if value else "{}"
    if isinstance(value, list):
        return f"<array of {len(value)} items>" if value else "[]"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error: Any) -> str:
    keyword = error.validator
    if keyword == "contains":
        schema = error.validator_value
        wanted = schema.get("const", schema.get("pattern")) if isinstance(schema, dict) else None
        msg = f"array must contain {wanted!r}" if wanted else "no array item matches the 'contains' schema"
    elif keyword in ("oneOf", "anyOf"):
        msg = f"{_short(error.instance)} is not valid under {'any' if keyword == 'anyOf' else 'exactly one'} "
        msg += "of the given schemas"
    elif keyword == "not":
        msg = f"{_short(error.instance)} must not match {json.dumps(error.validator_value)}"
    else:
        msg = error.message
        text = repr(error.instance)
        if len(text) > 60 and msg.startswith(text):
            msg = _short(error.instance) + msg[len(text) :]
    return _clip(msg)


def _clip(msg: str) -> str:
    msg = " ".join(msg.split())
    return msg if len(msg) <= _MAX_MESSAGE else msg[: _MAX_MESSAGE - 3] + "..."


def _explain(error: Any) -> Iterator[tuple[str, str]]:
    """(pointer, message) pairs that best explain an error.

    For oneOf/anyOf, the errors of the branch that matched furthest: branches rejected only because the
    instance's ``type`` discriminator differs (an Item tried against the Collection branch) are ignored, and
    among the rest the branch whose errors reach deepest into the instance wins (ties: fewer errors, then the
    earlier branch). If every branch was rejected on ``type``, say which values ``type`` may take. Otherwise
    fall back to `jsonschema.exceptions.best_match`.
    """
    from jsonschema.exceptions import best_match

    if error.validator not in ("oneOf", "anyOf") or not error.context:
        yield _pointer(error.absolute_path), _message(error)
        return
    branches: dict[Any, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    wanted: list[Any] = []
    candidates = []
    for errs in branches.values():
        discriminators = [e for e in errs if e.validator in ("const", "enum") and list(e.path) == ["type"]]
        if discriminators:
            for e in discriminators:
                values = e.validator_value if e.validator == "enum" else [e.validator_value]
                wanted.extend(x for x in values if x not in wanted)
        else:
            candidates.append(errs)
    if candidates:
        chosen = max(candidates, key=lambda errs: (max(len(e.path) for e in errs), -len(errs)))
        for sub in chosen:
            yield from _explain(sub)
    elif wanted and isinstance(error.instance, dict) and "type" in error.instance:
        path = _pointer((*error.absolute_path, "type"))
        yield path, _clip(f"{_short(error.instance['type'])} is not one of {wanted!r}")
    else:
        leaf = best_match([error]) or error
        yield _pointer(leaf.absolute_path), _message(leaf)


def _formats_in_schemas() -> frozenset[str]:
    """Every ``format`` keyword value in the vendored schemas (the Rust validator must know each name)."""
    return frozenset(_facts()["formats"])


def keyword_values(node: Any, keyword: str) -> Iterator[str]:
    """Every text value of ``keyword`` anywhere in a JSON schema (``format``, ``$ref``...), depth first."""
    if isinstance(node, dict):
        if isinstance(node.get(keyword), str):
            yield node[keyword]
        for value in node.values():
            yield from keyword_values(value, keyword)
    elif isinstance(node, list):
        for value in node:
            yield from keyword_values(value, keyword)


def _walk_formats_in_schemas() -> frozenset[str]:
    return frozenset(f for relpath, _ in _index().values() for f in keyword_values(_load(relpath), "format"))


def _retrieve(uri: str) -> Any:
    entry = _index().get(uri) or _index().get(uri.split("#", 1)[0])
    if entry is None:
        _refuse(uri)
    return _load(entry[0])


@cache
def _fast_validator(relpath: str) -> Any:
    """A compiled Rust validator (jsonschema-rs) answering only "valid or not", ~100x faster; the Python
    validator explains the failures. Same formats checked: date-time only (the others always pass)."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - optional speed-up
        return None
    formats = {name: (lambda _value: True) for name in _formats_in_schemas()}
    formats["date-time"] = _date_time
    try:
        return jsonschema_rs.validator_for(_load(relpath), retriever=_retrieve, formats=formats, validate_formats=True)
    except Exception:  # a schema the Rust validator cannot compile: use the Python one only
        return None


_DATE_TIMES: dict[str, bool] = {}  # the date-time texts met, and whether each is one (bounded: emptied when full)


def _date_time(text: str) -> bool:
    """`rfc3339_validator.validate_rfc3339`, its answers remembered by text: the Rust validator calls it for every
    date-time of every document, and the documents of a catalog share most of theirs (a call into Python and back
    costs more than the Rust side's whole check of a field)."""
    known = _DATE_TIMES.get(text)
    if known is None:
        from rfc3339_validator import validate_rfc3339

        if len(_DATE_TIMES) >= 4096:
            _DATE_TIMES.clear()
        known = _DATE_TIMES[text] = validate_rfc3339(text)
    return known


def _schema_issues(relpath: str, doc: Any, source: str) -> Iterator[Issue]:
    fast = _fast_validator(relpath)
    if fast is not None:
        try:
            if fast.is_valid(doc):
                return
        except Exception:  # noqa: S110 - e.g. a $ref the Rust side cannot resolve: let the Python path explain
            pass
    yield from _explained(relpath, doc, source)


def _explained(relpath: str, doc: Any, source: str) -> Iterator[Issue]:
    from referencing.exceptions import Unresolvable

    try:
        for error in _validator(relpath).iter_errors(doc):
            for path, message in _explain(error):
                yield Issue(path, message, source)
    except Unresolvable as exc:  # a $ref to a schema that is not vendored
        yield Issue("", f"cannot resolve $ref {exc}: schema not available offline", source)


def warm(uris: Iterable[str] = ()) -> None:
    """Compile, once per process, what validating typical documents needs: the STAC core schemas and those of
    ``uris`` (a bulk run does this before forking its workers, which then share them). Every other schema is
    compiled when a document first declares it, and kept for the next ones."""
    index = _index()
    _facts()
    core = [u for u in index if u.startswith("https://schemas.stacspec.org/") and u.endswith(_CORE_PATHS["Feature"])]
    for uri in [*core, *uris]:
        if uri in index:
            _fast_validator(index[uri][0])


# The findings of the last few documents validated, by their serialised content. A conversion validates the same
# document more than once (the repairs weigh an extension URI against its errors, then the report lists them), and
# explaining an invalid one with the Python validator costs milliseconds.
_VALIDATED: dict[bytes, tuple[Issue, ...]] = {}
_VALIDATED_MAX = 64
_KEY_MAX = 1 << 16  # bytes of a document that is its own key (64 kept: 4 MB at most); a larger one, its digest
_DIGEST_SIZE = 20  # (a key of this length may be a digest: never taken for a text)


def _serialised(doc: Any) -> bytes | None:
    """The document as orjson writes it, a content key that a dict compares byte for byte (NaN, which would read
    as null, never gets this far: the input limits refuse it); beyond 64 kB its BLAKE2b digest, so the kept keys
    stay small. None when orjson cannot write it (an integer beyond 64 bits). The text itself is the cheaper key
    for the usual document: hashing it costs more than writing it out."""
    try:
        text = orjson.dumps(doc)
    except TypeError:
        return None
    return text if len(text) <= _KEY_MAX else _blake2b(text, digest_size=_DIGEST_SIZE).digest()


def validate(doc: dict) -> list[Issue]:
    """Validate against the STAC core schema and every declared extension schema, offline."""
    return _validate_keyed(doc)[0]


def _validate_keyed(doc: dict) -> tuple[list[Issue], bytes | None]:
    """`validate`, and the key its findings are kept under (`_serialised`): the document's whole text when it is
    no longer than `_KEY_MAX`, which `check` hands to the lint."""
    content = _serialised(doc) if isinstance(doc, dict) else None
    known = _VALIDATED.get(content) if content is not None else None
    if known is not None:
        return list(known), content
    issues = _validate(doc)
    if content is not None:
        if len(_VALIDATED) >= _VALIDATED_MAX:
            del _VALIDATED[next(iter(_VALIDATED))]
        _VALIDATED[content] = tuple(issues)
    return issues, content


def _validate(doc: dict) -> list[Issue]:
    if not isinstance(doc, dict):
        return [Issue("", f"a STAC document must be a JSON object, not {type(doc).__name__}", _CORE_SOURCE)]
    index = _index()
    issues: list[Issue] = []

    version = doc.get("stac_version")
    kind = doc.get("type")
    if version is None:
        issues.append(Issue("", "'stac_version' is a required property", _CORE_SOURCE))
    elif not isinstance(version, str):
        issues.append(Issue("/stac_version", f"{_short(version)} is not of type 'string'", _CORE_SOURCE))
    elif not _STAC_VERSION.fullmatch(version):
        issues.append(Issue("/stac_version", f"{_short(version)} is not a STAC version (such as 1.1.0 or 1.0.0-beta.2)",
                            _CORE_SOURCE))
    elif not isinstance(kind, str) or kind not in _CORE_PATHS:
        where = "" if kind is None else "/type"
        what = "missing 'type'" if kind is None else f"unknown type {_short(kind)}"
        issues.append(Issue(where, f"{what}: expected one of Feature, Collection, Catalog", _CORE_SOURCE))
    else:
        uri = f"https://schemas.stacspec.org/v{version}/{_CORE_PATHS[kind]}"
        if uri in index:
            issues.extend(_schema_issues(index[uri][0], doc, uri))
        else:
            issues.append(
                Issue(
                    "/stac_version",
                    f"no vendored core schema for stac_version {version}",
                    _CORE_SOURCE,
                    "warning",
                )
            )

    extensions = doc.get("stac_extensions")
    if isinstance(extensions, list):
        for i, uri in enumerate(extensions):
            if not isinstance(uri, str):
                continue  # the core schema reports it
            if uri not in index:
                issues.append(Issue(f"/stac_extensions/{i}", f"schema not available offline: {uri}", uri, "warning"))
                continue
            relpath, canonical = index[uri]
            target = doc
            accepted = _accepted_extension_uri(relpath)
            if accepted is not None and accepted != uri and accepted not in extensions:
                # A spelling no vendored file accepts: check the content with the one the schema demands.
                target = dict(doc)
                target["stac_extensions"] = [accepted if u == uri else u for u in extensions]
            if canonical is not None and canonical != uri:
                issues.append(
                    Issue(
                        f"/stac_extensions/{i}",
                        f"non-canonical spelling of the schema URI; canonical is {canonical}",
                        uri,
                        "warning",
                    )
                )
            issues.extend(_schema_issues(relpath, target, uri))
    return _dedupe(issues)


# ----------------------------------------------------------------------------------------------------
# What the vendored extension schemas say about fields (used by the repairs, so that "is this extension URI
# needed?" is answered by the schema itself rather than by a table)

_EXTENSION_URI = re.compile(r"^https://stac-extensions\.github\.io/([a-z0-9-]+)/v(\d+)\.(\d+)\.(\d+)/schema\.json$")
_ML_EXTENSIONS = frozenset({"mlm", "ml-model", "dl-model"})  # the families crosswalk converts itself


def extension_name(uri: Any) -> str | None:
    """``raster`` for ``https://stac-extensions.github.io/raster/v1.1.0/schema.json``; None for other URIs."""
    m = _EXTENSION_URI.match(uri) if isinstance(uri, str) else None
    return m.group(1) if m else None


def extension_prefix(uri: str) -> str | None:
    """The field prefix (``raster:``) an extension schema defines: the commonest ``xx:`` among its property
    names; None for schemas whose fields have no prefix (item-assets, version) or that are not vendored."""
    return _facts()["prefixes"].get(uri)


def _walk_extension_prefix(uri: str) -> str | None:
    entry = _index().get(uri)
    if entry is None or extension_name(uri) is None:
        return None
    counts: dict[str, int] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names = list(node.get("properties") or {}) if isinstance(node.get("properties"), dict) else []
            names += (
                [r for r in node.get("required") or [] if isinstance(r, str)]
                if isinstance(node.get("required"), list)
                else []
            )
            for name in names:
                if ":" in name:
                    prefix = name.split(":", 1)[0] + ":"
                    counts[prefix] = counts.get(prefix, 0) + 1
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_load(entry[0]))
    return max(counts, key=lambda k: counts[k]) if counts else None


@cache
def extension_uris_by_prefix() -> dict[str, str]:
    """Field prefix -> the newest vendored schema URI of the (non-ML) extension defining it."""
    return _uris_by_prefix(_facts()["prefixes"])


def _uris_by_prefix(prefixes: dict[str, str]) -> dict[str, str]:
    best: dict[str, tuple[tuple[int, ...], str]] = {}
    for uri in _index():
        m = _EXTENSION_URI.match(uri)
        if not m or m.group(1) in _ML_EXTENSIONS:
            continue
        prefix = prefixes.get(uri)
        version = tuple(int(x) for x in m.groups()[1:])
        if prefix and (prefix not in best or version > best[prefix][0]):
            best[prefix] = (version, uri)
    return {prefix: uri for prefix, (_, uri) in best.items()}


def extension_accepts(doc: dict, uri: str) -> bool:
    """Whether the vendored schema of ``uri`` accepts ``doc`` (True when it is not vendored: nothing says no)."""
    entry = _index().get(uri)
    if entry is None:
        return True
    return not any(True for _ in _schema_issues(entry[0], doc, uri))


@cache
def classification_class_fields() -> frozenset[str]:
    """The fields a class object of the vendored classification extension defines (value, description, name,
    color_hint for v1.1.0, the version MLM references)."""
    return frozenset(_facts()["classification_class_fields"])


def _walk_classification_class_fields(uri: str | None) -> frozenset[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            required = node.get("required")
            if isinstance(required, list) and {"value", "description"} <= set(required):
                found.update(node.get("properties") or {})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    if uri:
        walk(_load(_index()[uri][0]))
    return frozenset(found)


def field_type(name: str) -> str | None:
    """The JSON type (``array``, ``string``...) a vendored schema gives the field ``name`` (local ``$ref``s
    followed); None when no schema defines it or they disagree."""
    return _facts()["field_types"].get(name)


def _walk_field_types() -> dict[str, str]:
    """field_type for every field a vendored schema defines, in one walk of every schema."""
    found: dict[str, set[str]] = {}

    def resolve(root: Any, node: Any, depth: int = 0) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            if depth > 10:
                return None
            target = root
            for part in node["$ref"][2:].split("/"):
                target = target.get(part) if isinstance(target, dict) else None
            node, depth = target, depth + 1
        return node

    def walk(root: Any, node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                for name, value in props.items():
                    definition = resolve(root, value)
                    types = found.setdefault(name, set())
                    if isinstance(definition, dict) and isinstance(definition.get("type"), str):
                        types.add(definition["type"])
            for value in node.values():
                walk(root, value)
        elif isinstance(node, list):
            for value in node:
                walk(root, value)

    for relpath in sorted({entry[0] for entry in _index().values()}):
        schema = _load(relpath)
        walk(schema, schema)
    return {name: types.pop() for name, types in sorted(found.items()) if len(types) == 1}


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[str, str]] = set()
    out = []
    for issue in issues:
        key = (issue.path, issue.message)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out


# ----------------------------------------------------------------------------------------------------
# lint

_LEGACY_INPUT_KEYS = ("norm_type", "norm_by_channel", "norm_clip", "statistics")
def _mlm_versions(doc: dict) -> list[tuple[int, int, int]]:
    """The MLM versions the document's schema URIs name, in any spelling the format registry knows."""
    mlm = registry().families["mlm"]
    if _MLM_VERSIONS_OF[0] is not mlm or len(_MLM_VERSIONS) > 1024:
        _MLM_VERSIONS.clear()
        _MLM_VERSIONS_OF[0] = mlm
    out = []
    extensions = doc.get("stac_extensions")
    for uri in extensions if isinstance(extensions, list) else []:
        if not isinstance(uri, str):
            continue
        if uri not in _MLM_VERSIONS:
            version = mlm.match(uri)
            m = re.match(r"(\d+)\.(\d+)\.(\d+)", version) if version else None
            _MLM_VERSIONS[uri] = (int(m[1]), int(m[2]), int(m[3])) if m else None
        if (found := _MLM_VERSIONS[uri]) is not None:
            out.append(found)
    return out


_MLM_VERSIONS: dict[str, tuple[int, int, int] | None] = {}  # schema URI -> the MLM version it names (remembered)
_MLM_VERSIONS_OF: list[Any] = [None]  # the registry's mlm family they were read with


# _places and _objects return lists, not generators: a compiled build pays more to create and resume a generator
# than the lint does with what it yields.
def _places(doc: dict) -> list[tuple[str, dict]]:
    """(pointer, object) for each object that may carry MLM fields: properties/summaries, (item_)assets."""
    out = []
    for key in ("properties", "summaries"):
        if isinstance(doc.get(key), dict):
            out.append((f"/{key}", doc[key]))
    for key in ("assets", "item_assets"):
        if isinstance(doc.get(key), dict):
            for name, asset in doc[key].items():
                if isinstance(asset, dict):
                    out.append((_pointer((key, name)), asset))
    return out


def _objects(place: str, container: dict, field: str) -> list[tuple[str, dict]]:
    """Each object of an ``mlm:input``/``mlm:output`` list (also one level of nesting, as in summaries)."""
    value = container.get(field)
    if not isinstance(value, list):
        return []
    out = []
    at = f"{place}{_pointer((field,))}"  # `place` is a pointer already: only the field's name needs escaping
    for i, item in enumerate(value):
        if isinstance(item, dict):
            out.append((f"{at}/{i}", item))
        elif isinstance(item, list):
            for j, sub in enumerate(item):
                if isinstance(sub, dict):
                    out.append((f"{at}/{i}/{j}", sub))
    return out


def _find_key(node: Any, key: str, at: str) -> Iterator[str]:
    """Pointers to every member named ``key`` below ``node`` (at ``at``), in document order. Pointers are built
    only on the way to a container or a hit: the scalars, most of a document, cost a comparison each."""
    if isinstance(node, dict):
        for k, v in node.items():
            nested = isinstance(v, (dict, list))
            if k == key or nested:
                here = f"{at}/{_pointer((k,))[1:]}"
                if k == key:
                    yield here
                if nested:
                    yield from _find_key(v, key, here)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, (dict, list)):
                yield from _find_key(v, key, f"{at}/{i}")


def _has_key(node: Any, key: str) -> bool:
    """Whether a member named ``key`` occurs anywhere below ``node`` (the rare case `_find_key` then locates)."""
    stack = [node]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if key in value:
                return True
            value = value.values()
        elif not isinstance(value, list):
            continue
        for v in value:  # a loop, not a generator: this walks every container of an output
            if isinstance(v, (dict, list)):
                stack.append(v)
    return False


def _band_name(band: Any) -> str | None:
    if isinstance(band, str):
        return band
    if isinstance(band, dict) and isinstance(band.get("name"), str):
        return band["name"]
    return None


def _defined_bands(places: list[tuple[str, dict]]) -> set[str]:
    """The band names the objects of ``places`` (`_places`: the lint's own, made once for both) define."""
    names: set[str] = set()
    for _, obj in places:
        for field in ("eo:bands", "raster:bands", "bands"):
            value = obj.get(field)
            for b in value if isinstance(value, list) else ():
                if isinstance(b, dict) and isinstance(b.get("name"), str):
                    names.add(b["name"])
    return names


def _tensor(obj: dict, key: str) -> tuple[list | None, list | None]:
    struct = obj.get(key)
    if not isinstance(struct, dict):
        return None, None
    shape, order = struct.get("shape"), struct.get("dim_order")
    return (shape if isinstance(shape, list) else None), (order if isinstance(order, list) else None)


# The misspelt key, as orjson writes it (no character of it is escaped): a document whose compact text does not
# hold it has no such key, and the walk of every output that looks for it is saved.
_MISSPELT_CLASSES = b'"classification_classes"'


def lint(doc: dict, text: bytes | None = None) -> list[Issue]:
    """Semantic checks that the JSON schemas do not make. Each Issue.schema is ``lint:<rule>``. ``text``: the
    document's compact orjson text when the caller has it (`check`), to tell at once that a key is nowhere in it."""
    if not isinstance(doc, dict):
        return []
    misspelt_anywhere = text is None or _MISSPELT_CLASSES in text
    issues: list[Issue] = []
    mlm_versions = _mlm_versions(doc)
    # norm_*/statistics are the correct keys up to MLM 1.3 and leftovers from 1.4 on
    legacy_inputs = not mlm_versions or max(mlm_versions) >= (1, 4, 0)
    places = _places(doc)
    defined = _defined_bands(places)

    for place, container in places:
        for ptr, inp in _objects(place, container, "mlm:input"):
            if legacy_inputs:
                for key in _LEGACY_INPUT_KEYS:
                    if key in inp:
                        issues.append(
                            Issue(
                                f"{ptr}/{key}",
                                f"legacy MLM<1.4 key {key!r}; use 'value_scaling'",
                                "lint:legacy-keys",
                            )
                        )
            bands = inp.get("bands")
            bands = bands if isinstance(bands, list) else []
            for j, band in enumerate(bands):
                name = _band_name(band)
                if isinstance(band, dict) and "expression" in band:
                    continue  # a derived band (MLM 1.2+), computed by its expression
                if name is not None and name not in defined:
                    issues.append(
                        Issue(
                            f"{ptr}/bands/{j}",
                            f"band {name!r} is not defined in any eo:bands, raster:bands or bands",
                            "lint:band-names",
                            "warning",
                        )
                    )
            _check_rank(inp, "input", ptr, issues)
            scaling = inp.get("value_scaling")
            if bands and isinstance(scaling, list) and len(scaling) not in (1, len(bands)):
                issues.append(
                    Issue(
                        f"{ptr}/value_scaling",
                        f"value_scaling has {len(scaling)} entries; expected 1 or {len(bands)} (per band)",
                        "lint:value-scaling-length",
                        "warning",
                    )
                )
        for ptr, out in _objects(place, container, "mlm:output"):
            misspelt = (_find_key(out, "classification_classes", ptr)
                        if misspelt_anywhere and _has_key(out, "classification_classes") else ())
            for where in misspelt:
                issues.append(
                    Issue(
                        where,
                        "misspelt key 'classification_classes'; use 'classification:classes'",
                        "lint:legacy-keys",
                    )
                )
            _check_rank(out, "result", ptr, issues)
            _check_classes(out, ptr, issues)

    if mlm_versions and isinstance(doc.get("properties"), dict):
        for key in doc["properties"]:
            if key.startswith(("ml-model:", "dlm:")):
                issues.append(
                    Issue(
                        _pointer(("properties", key)),
                        f"{key!r} left in a document that declares MLM",
                        "lint:legacy-keys",
                        "warning",
                    )
                )
    return _dedupe(issues)


def _check_rank(obj: dict, key: str, ptr: str, issues: list[Issue]) -> None:
    shape, order = _tensor(obj, key)
    if shape is not None and order is not None and len(shape) != len(order):
        issues.append(
            Issue(
                f"{ptr}/{key}/shape",
                f"shape has {len(shape)} dimensions but dim_order has {len(order)}",
                "lint:shape-rank",
                "warning",
            )
        )


def _check_classes(out: dict, ptr: str, issues: list[Issue]) -> None:
    classes = out.get("classification:classes")
    shape, order = _tensor(out, "result")
    if not isinstance(classes, list) or shape is None or order is None or "class" not in order:
        return
    k = order.index("class")
    if k < len(shape) and isinstance(shape[k], int) and shape[k] > 0 and shape[k] != len(classes):
        issues.append(
            Issue(
                f"{ptr}/classification:classes",
                f"{len(classes)} classes listed but the 'class' dimension of the result has size {shape[k]}",
                "lint:class-count",
                "warning",
            )
        )


# ----------------------------------------------------------------------------------------------------


def issue_order(issue: Issue) -> tuple[str, bool, str, str]:
    """Findings sorted by JSON Pointer, then errors before warnings."""
    return issue.path, issue.severity != "error", issue.schema, issue.message


def check(doc: dict) -> list[Issue]:
    """`validate` + `lint`, sorted by `issue_order`."""
    issues, content = _validate_keyed(doc)
    # the key is the text itself up to _KEY_MAX bytes (beyond, a digest: the lint then looks for itself)
    text = content if content is not None and len(content) <= _KEY_MAX and len(content) != _DIGEST_SIZE else None
    return sorted(_dedupe(issues + lint(doc, text)), key=issue_order)


if __name__ == "__main__":  # python -m crosswalk.validation.validator --write-facts
    import sys

    if sys.argv[1:] != ["--write-facts"]:
        sys.exit("usage: python -m crosswalk.validation.validator --write-facts")
    write_schema_facts()
