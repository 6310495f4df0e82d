"""The Python API: crosswalk's verbs on dicts and pystac objects, with typed results.

Everything here is also reachable as ``crosswalk.<name>`` (loaded on first use). A document goes in as a dict
or as a pystac ``Item``, ``Collection``, ``Catalog`` or ``ItemCollection`` and comes back as the same kind.
A pystac object is converted as the JSON its ``to_dict()`` writes (the report's paths point into it) and the result
is built with ``from_dict(..., migrate=False)``, each link in its place; what pystac changed when it read the object
(its migration, the STAC version it writes) is in that JSON already, unreported: convert the file or its dict for
a report on the file itself.

>>> import crosswalk
>>> item = {
...     "type": "Feature", "stac_version": "1.0.0", "id": "model",
...     "stac_extensions": ["https://stac-extensions.github.io/ml-model/v1.0.0/schema.json"],
...     "geometry": None, "links": [], "assets": {},
...     "properties": {"datetime": "2024-01-01T00:00:00Z", "ml-model:type": "ml-model",
...                    "ml-model:learning_approach": "supervised", "ml-model:prediction_type": "segmentation",
...                    "ml-model:architecture": "U-Net"},
... }
>>> result = crosswalk.convert(item)
>>> result.document["properties"]["mlm:architecture"]
'U-Net'
>>> result.report.source_format, result.report.target_format
('ml-model@1.0.0', 'mlm@1.5.2')
>>> [f.path for f in result.report.fields if f.status == "dropped"][:1]
['/properties/ml-model:type']
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from crosswalk.detection import Detection
from crosswalk.errors import CrosswalkError
from crosswalk.io.limits import SURROGATE, sanitize
from crosswalk.language.formats import Format
from crosswalk.validation.validator import Issue

__all__ = [
    "CrosswalkError",
    "FieldEntry",
    "Issue",
    "Report",
    "Result",
    "Step",
    "convert",
    "convert_file",
    "detect",
    "plan",
    "upgrade_pgstac",
    "upgrade_tree",
    "validate",
]

_FEATURE_COLLECTIONS = ("FeatureCollection", "ItemCollection")


# ------------------------------------------------------------------------------------------------------------
# Typed results (read-only views of the JSON report; ``Report.to_dict()`` gives that JSON unchanged)


@dataclass(frozen=True)
class FieldEntry:
    """What happened to one field: ``path`` is a JSON Pointer into the source (into the output for
    ``invented``/``filled``), ``status`` one of kept, moved, transformed, lossy, dropped, invented, repaired,
    filled; ``step`` and ``reason`` as the JSON report has them, or None.

    ``to`` is the report's ``to`` as a tuple, or None where the entry has none, so the two stay apart: ``()``
    (``to: []``) is a repair that removed the value; None is a field at its own place (``kept``), one with no
    place in the output (``dropped``), a value created there (``invented``, ``filled``: ``path`` is its place) or
    a repair made while reading."""

    path: str
    status: str
    to: tuple[str, ...] | None = None
    step: str | None = None
    reason: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FieldEntry:
        to = d.get("to")
        return cls(d["path"], d["status"], None if to is None else tuple(to), d.get("step"), d.get("reason"))


@dataclass(frozen=True)
class Report:
    """One document's report: the source and target formats, the steps taken, every field's fate, the
    validation findings of the output and the counts per status."""

    source_href: str | None
    source_format: str | None
    target_format: str
    steps: tuple[str, ...]
    fields: tuple[FieldEntry, ...]
    valid: bool
    validated: bool
    issues: tuple[Issue, ...]
    summary: Mapping[str, int]
    also: tuple[str, ...] = ()  # further formats found in the same document (converted too)
    _raw: Mapping[str, Any] | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Report:
        source = d.get("source") or {}
        return cls(
            source_href=source.get("href"),
            source_format=source.get("format"),
            target_format=(d.get("target") or {}).get("format"),
            steps=tuple(d.get("steps") or ()),
            fields=tuple(FieldEntry.from_dict(f) for f in d.get("fields") or ()),
            valid=bool(d.get("valid")),
            validated=bool(d.get("validated", True)),
            issues=tuple(
                Issue(i.get("path", ""), i.get("message", ""), i.get("schema", ""), i.get("severity", "error"))
                for i in d.get("issues") or ()
            ),
            summary=MappingProxyType(dict(d.get("summary") or {})),
            also=tuple(source.get("also") or ()),
            _raw=MappingProxyType(copy.deepcopy(dict(d))),
        )

    @property
    def lossy(self) -> bool:
        """Some field was lossy or dropped."""
        return bool(self.summary.get("lossy") or self.summary.get("dropped"))

    @property
    def invented(self) -> bool:
        """Some value was invented (a required target field with no source)."""
        return bool(self.summary.get("invented"))

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON (the same object ``dlm-migrate --report json`` prints)."""
        return copy.deepcopy(dict(self._raw or {}))

    def render(self, fmt: str = "text") -> str:
        """The report as text or markdown, as the command line prints it."""
        from crosswalk.engine.report import render

        return render(self.to_dict(), fmt)


@dataclass(frozen=True)
class Result:
    """The outcome of `convert` / `convert_file`.

    ``document``: the converted document, of the kind given (dict, pystac Item, Collection, Catalog or
    ItemCollection); None when a document failed. ``reports``: one per document (an ItemCollection has one per
    Item, in order); ``report`` is the only one of a single document. ``errors``: one line per document that
    could not be converted (naming it and, where there is one, the JSON path); nothing is written for it.
    """

    document: Any
    reports: tuple[Report, ...]
    errors: tuple[str, ...] = ()

    @property
    def report(self) -> Report:
        if len(self.reports) != 1:
            why = ("the document was not converted: see .errors" if not self.reports and self.errors else
                   f"{len(self.reports)} reports, one per Item: use .reports")
            raise ValueError(why)
        return self.reports[0]

    @property
    def ok(self) -> bool:
        """Every document converted."""
        return not self.errors

    @property
    def valid(self) -> bool:
        """Converted, and every output passed the offline validation (False when ``validate=False``: nothing
        passed it; ``reports[i].validated`` says whether it ran)."""
        return self.ok and all(r.valid and r.validated for r in self.reports)

    @property
    def lossy(self) -> bool:
        return any(r.lossy for r in self.reports)

    @property
    def invented(self) -> bool:
        return any(r.invented for r in self.reports)


@dataclass(frozen=True)
class Step:
    """One edge of a plan: a mapping file taking ``source`` to ``target``."""

    source: str
    target: str
    mapping: str  # the mapping's id (its file is ``<id>.yaml`` in the mappings directory)
    summary: str


# ------------------------------------------------------------------------------------------------------------
# pystac objects in and out, read raw


def _pystac_kind(obj: Any) -> str | None:
    """'Item', 'Collection', 'Catalog' or 'ItemCollection' for pystac objects (subclasses too), else None.
    pystac is not imported for plain dicts: an object of a module never imported cannot be one of its."""
    pystac = sys.modules.get("pystac")
    if pystac is None:
        return None
    for kind in ("ItemCollection", "Item", "Collection", "Catalog"):  # Collection subclasses Catalog
        if isinstance(obj, getattr(pystac, kind)):
            return kind
    return None


def _to_dict(obj: Any, kind: str) -> dict[str, Any]:
    """The JSON pystac writes for ``obj``, its self link in its place: the report's paths point into it."""
    return obj.to_dict(transform_hrefs=False)


def _from_dict(d: dict[str, Any], like: Any, kind: str) -> Any:
    """A pystac object of ``like``'s class built from ``d`` without pystac's migration."""
    if kind == "ItemCollection":
        items = [_rebuild(f, orig) for f, orig in zip(d["features"], like.items, strict=True)]
        extra = {k: copy.deepcopy(v) for k, v in d.items() if k not in ("type", "features")}
        return type(like)(items, extra_fields=extra, clone_items=False)  # a clone would lose link fields (below)
    return _rebuild(d, like)


def _rebuild(d: dict[str, Any], like: Any) -> Any:
    """``from_dict`` of ``like``'s class, with every link of ``d`` in its place (the report's ``/links/N`` name
    them): ``like``'s self link (its relative links resolve against it) and the links it holds to objects in
    memory (its root, parent, Collection, children of an unsaved tree) still links to those objects, as pystac's
    ``clone`` does: their JSON names no file, or one not written yet (``href`` None, which ``from_dict`` cannot
    even read)."""
    import pystac

    known = [(x.to_dict(transform_href=False), x) for x in like.links if x.rel == "self" or x.is_resolved()]
    if not known:
        return type(like).from_dict(d, migrate=False, preserve_dict=True)
    links = []
    for raw in d.get("links") or []:  # an output link equal to one of those is that link, cloned
        i = next((i for i, (r, _) in enumerate(known) if r == raw), None)
        links.append(pystac.Link.from_dict(raw) if i is None else _clone(known.pop(i)[1]))
    obj = type(like).from_dict({**d, "links": []}, migrate=False, preserve_dict=True)
    if any(link.rel == "root" for link in links):
        obj.remove_links("root")  # a Catalog's constructor links it to itself as its root
    obj.add_links(links)  # not set_self_href: that re-files the object in its root's cache, the input's
    return obj


def _clone(link: Any) -> Any:
    """``link.clone()`` with its extra fields (``ml-aoi:split``): pystac 1.15's clone leaves them out."""
    out = link.clone()
    out.extra_fields = copy.deepcopy(link.extra_fields)
    return out


def _as_document(doc: Any) -> tuple[dict[str, Any] | list[Any], str | None]:
    """(the raw JSON of ``doc``, its pystac kind or None for JSON given as JSON)."""
    kind = _pystac_kind(doc)
    if kind is not None:
        return _to_dict(doc, kind), kind
    if isinstance(doc, Mapping):
        return doc if isinstance(doc, dict) else dict(doc), None
    raise TypeError(
        f"crosswalk takes a dict or a pystac Item, Collection, Catalog or ItemCollection, not {type(doc).__name__}"
    )


def _options(to: Any, fill: Any, name: str = "to") -> dict[str, Any] | None:
    """Check ``to`` and ``fill`` before any work (an unknown or mistyped target is a usage error: FormatError or
    TypeError, never an error deep inside the engine); ``fill`` as a dict."""
    if not isinstance(to, (str, Format)):
        raise TypeError(f"{name}: a format name such as 'mlm' or 'mlm@1.4.0', not {type(to).__name__}")
    if not isinstance(to, Format):
        Format.parse(to)
    if fill is not None and not isinstance(fill, Mapping):
        raise TypeError(f'fill: a mapping {{"*" | item id: {{pointer: value}}}}, not {type(fill).__name__}')
    return dict(fill) if fill is not None else None


def _json_shaped(doc: Any) -> Any:
    """``doc`` with every read-only mapping inside it (a ``MappingProxyType``, a frozendict) as a dict, so the
    engine can copy it; a CrosswalkError naming the object whose key is not a string (JSON keys are strings) or
    the place of a value that is no JSON value (a datetime, a Decimal, a set, a numpy scalar)."""
    return _shaped(doc)[0]


def _shaped(doc: Any) -> tuple[Any, bool]:
    """`_json_shaped`'s document, and whether a value in it needs a file's repairs (NaN, an infinity, a lone
    surrogate: Python holds them, JSON cannot)."""
    stack, thaw, dirty = [("", doc)], False, False
    while stack:  # a loop, not a recursion: the depth of a document is the engine's to judge
        path, node = stack.pop()
        if isinstance(node, Mapping):
            thaw |= not isinstance(node, dict)
            for key, value in node.items():
                if not isinstance(key, str):
                    raise CrosswalkError(f"the key {key!r} is not a string: JSON object keys are strings", path=path)
                stack.append((f"{path}/{key.replace('~', '~0').replace('/', '~1')}", value))
        elif isinstance(node, (list, tuple)):
            stack.extend((f"{path}/{i}", v) for i, v in enumerate(node))
        elif not isinstance(node, _JSON_SCALARS):  # the output would carry it and no JSON writer could write it
            raise CrosswalkError(f"a {type(node).__name__} is not a JSON value (text, number, boolean or null); "
                                 "convert it first, as pystac's to_dict does", path=path)
        elif not dirty:
            dirty = (node != node or node in _INFINITIES) if type(node) is float else (
                isinstance(node, str) and SURROGATE.search(node) is not None)
    return (_thaw(doc) if thaw else doc), dirty


_INFINITIES = (float("inf"), float("-inf"))


_JSON_SCALARS = (str, int, float, type(None))  # bool is an int


def _thaw(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {k: _thaw(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return (list if isinstance(node, list) else tuple)(_thaw(v) for v in node)
    return node


def _is_feature_collection(d: Any) -> bool:
    return isinstance(d, dict) and d.get("type") in _FEATURE_COLLECTIONS and isinstance(d.get("features"), list)


# ------------------------------------------------------------------------------------------------------------
# The verbs


def convert(
    doc: Any,
    *,
    to: str = "mlm",
    fill: Mapping[str, Any] | None = None,
    validate: bool = True,
    keep_source: bool = False,
    href: str | None = None,
) -> Result:
    """Convert a document to ``to`` (default: the latest MLM) and report what happened to every field.

    ``doc``: a dict (an Item, Collection, Catalog, or a FeatureCollection/ItemCollection whose features are
    converted one by one) or a pystac ``Item``, ``Collection``, ``Catalog`` or ``ItemCollection``; the result's
    ``document`` is of the same kind. The input is never modified. ``to``: ``mlm``, ``mlm@1.4.0``,
    ``ml-model``, ``dlm``, ``dlm-beta@1.0.0-beta.2``, ... ``fill``: real values for fields that would be
    invented, ``{"*" | item id: {JSON pointer or mlm:key: value}}``. ``keep_source``: lossless mode (fields the
    target cannot carry are kept under their own keys where its schema accepts them). ``href``: the name
    reports give the document (default: a pystac object's self href).

    A document that cannot be converted (not STAC, no ML-model extension, no path to ``to``) is an entry of
    ``result.errors``; an unknown ``to`` raises ``crosswalk.errors.FormatError`` before anything is converted.

    >>> import pystac, crosswalk
    >>> item = pystac.Item.from_file("corpora/ml-model/spec-dummy-item.json")  # doctest: +SKIP
    >>> new = crosswalk.convert(item).document                                   # doctest: +SKIP
    >>> isinstance(new, pystac.Item), "mlm:input" in new.properties             # doctest: +SKIP
    (True, True)
    """
    fill_dict = _options(to, fill)  # an unknown target is a usage error, raised before any work
    raw, kind = _as_document(doc)
    if href is None and kind:  # a pystac object names its file, if it has one: the report and errors say it
        href = doc.get_self_href() if hasattr(doc, "get_self_href") else None
    if _is_feature_collection(raw):
        base = href or raw.get("id") or "<ItemCollection>"
        outs, reports, errors = [], [], []
        # an Item of a pystac ItemCollection that names its file is reported by it, as when converted alone
        named = [item.get_self_href() for item in doc.items] if kind == "ItemCollection" else []
        for i, feature in enumerate(raw["features"]):
            name = (named[i] if i < len(named) else None) or f"{base}#/features/{i}"
            one = _convert_one(feature, name, to, fill_dict, validate, keep_source)
            outs.append(one[0] if one[0] is not None else feature)
            reports.extend(one[1])
            errors.extend(one[2])
        # the collection's own members are copied too: the result shares nothing with the input
        out: Any = {k: outs if k == "features" else copy.deepcopy(v) for k, v in raw.items()}
        if errors:
            return Result(None, tuple(reports), tuple(errors))
        return Result(_from_dict(out, doc, kind) if kind else out, tuple(reports))
    new, reports, errors = _convert_one(raw, href, to, fill_dict, validate, keep_source)
    if new is None:
        return Result(None, tuple(reports), tuple(errors))
    return Result(_from_dict(new, doc, kind) if kind else new, tuple(reports))


def _convert_one(
    doc: Any, href: str | None, to: str, fill: dict[str, Any] | None, validate: bool, keep_source: bool
) -> tuple[dict[str, Any] | None, list[Report], list[str]]:
    from crosswalk import pipeline

    try:
        doc, dirty = _shaped(doc)
        # what a file's reader repairs (NaN, an infinity: null; a lone surrogate: U+FFFD) is repaired and reported
        # here too, on a copy: a written output must be JSON, and the caller's dict stays as it was
        repairs = sanitize(doc := copy.deepcopy(doc), href) if dirty else []
        result = pipeline.convert(doc, href=href, to=to, fill=fill, validate=validate, keep_source=keep_source)
    except CrosswalkError as e:  # from _json_shaped: pipeline.convert returns its errors
        e.href = href
        return None, [], [str(e)]
    except RecursionError:  # the engine walks documents recursively; a JSON parser stops at the same depth
        return None, [], [f"{href or '<document>'}: nested too deeply to convert"]
    if result.error is not None:
        return None, [], [str(result.error)]
    if repairs:
        pipeline.with_read_repairs(result.report, repairs, doc, result.document)
    return result.document, [Report.from_dict(result.report)], []


def convert_file(
    path: str,
    *,
    to: str = "mlm",
    fill: Mapping[str, Any] | None = None,
    validate: bool = True,
    keep_source: bool = False,
    lenient: bool = True,
) -> Result:
    """Read one document from ``path`` (JSON, YAML; with ``lenient``, JSON with comments and trailing commas,
    each fix reported ``repaired``) and convert it like `convert`; ``result.document`` is a dict.

    A file that cannot be read is an entry of ``result.errors``. Whole trees, ndjson and geoparquet files:
    `upgrade_tree`.
    """
    from crosswalk import pipeline

    fill_dict = _options(to, fill)
    result = pipeline.convert_file(
        path, to=to, fill=fill_dict or None, validate=validate, keep_source=keep_source, lenient=lenient
    )
    if result.error is not None:
        return Result(None, (), (str(result.error),))
    return Result(result.document, (Report.from_dict(result.report),))


def upgrade_tree(
    srcs: str | Sequence[str],
    *,
    out_dir: str | None = None,
    in_place: bool = False,
    dry_run: bool = False,
    backup_dir: str | None = None,
    to: str = "mlm",
    fill: Mapping[str, Any] | None = None,
    validate: bool = True,
    jobs: int = 1,
    summary_file: str | None = None,
    **options: Any,
) -> Any:
    """Convert every document of catalogs, directories, ndjson files, ItemCollections (the bulk engine of
    ``dlm-migrate SRC... --out-dir DIR | --in-place | --dry-run``); returns a `crosswalk.bulk.tree.BulkResult`
    (``summary`` counts, ``failures`` as (href, message)).

    Exactly one of ``out_dir`` (mirror the tree there), ``in_place`` (replace files atomically after a backup
    in ``backup_dir``) and ``dry_run`` (write nothing). Further keyword options are those of
    `crosswalk.bulk.tree.migrate` (``fail_fast``, ``on_failure``, ``progress``, ...).

    >>> import crosswalk
    >>> run = crosswalk.upgrade_tree("catalog/catalog.json", out_dir="upgraded")  # doctest: +SKIP
    >>> run.summary["converted"], run.failures                                  # doctest: +SKIP
    (12, [])
    """
    from crosswalk.bulk.tree import migrate

    paths = [srcs] if isinstance(srcs, str) else list(srcs)
    return migrate(
        paths,
        to=to,
        fill=dict(fill) if fill else None,
        validate=validate,
        out_dir=out_dir,
        in_place=in_place,
        backup_dir=backup_dir,
        dry_run=dry_run,
        jobs=jobs,
        summary_file=summary_file,
        **options,
    )


def upgrade_pgstac(
    dsn: str,
    *,
    collections: Iterable[str] | None = None,
    to: str = "mlm",
    dry_run: bool = False,
    **options: Any,
) -> Any:
    """Upgrade the collections and items stored in a pgstac database in place (one transaction per
    collection, originals backed up in the table ``crosswalk_backup``); see `crosswalk.bulk.pgstac.upgrade`.
    Needs the ``pgstac`` extra (``pip install 'crosswalk[pgstac]'``)."""
    from crosswalk.bulk.pgstac import upgrade

    return upgrade(dsn, collections=list(collections) if collections else None, to=to, dry_run=dry_run, **options)


def validate(doc: Any) -> list[Issue]:
    """Check a document offline against the vendored schemas (STAC core and every extension it declares)
    plus crosswalk's semantic lint; returns the findings sorted by JSON Pointer (``issue.severity`` is
    ``error`` or ``warning``). An ItemCollection's findings point into it (``/features/3/...``).

    >>> import crosswalk
    >>> [i.message for i in crosswalk.validate({"type": "Feature"}) if i.severity == "error"][:1]  # doctest: +SKIP
    ["'stac_version' is a required property"]
    """
    raw, _ = _as_document(doc)
    if _is_feature_collection(raw):
        out: list[Issue] = []
        for i, feature in enumerate(raw["features"]):
            if not isinstance(feature, dict):
                out.append(Issue(f"/features/{i}", "not a JSON object", "stac:core"))
                continue
            out.extend(Issue(f"/features/{i}{x.path}", x.message, x.schema, x.severity) for x in _check(feature))
        return out
    return _check(raw)


def _check(doc: dict[str, Any]) -> list[Issue]:
    from crosswalk.validation.verdict import check

    try:
        shaped, dirty = _shaped(doc)
        # a value JSON cannot hold is judged as a file's is: repaired on a copy, each repair an error
        repairs = sanitize(shaped := copy.deepcopy(shaped), None) if dirty else []
        return check(shaped, repairs)
    except CrosswalkError as e:  # a key that is not a string: not JSON, no schema can read it
        return [Issue(e.path or "", e.message, "stac:core")]


def detect(doc: Any) -> Detection:
    """The format of one document (``detection.format``, e.g. ``mlm@1.2.0``), its object type and the
    evidence; raises ``crosswalk.errors.FormatError`` for a document with no ML-model extension.

    >>> import crosswalk
    >>> str(crosswalk.detect({"type": "Feature", "properties": {"dlm:input": {}}}).format)
    'dlm@1.0.0-draft'
    """
    from crosswalk.detection import detect as detect_format

    raw, kind = _as_document(doc)
    if _is_feature_collection(raw):
        raise TypeError("detect takes one document: detect each Item of the ItemCollection")
    return detect_format(raw)


def plan(source: str | Format, target: str | Format = "mlm") -> list[Step]:
    """The steps (mapping files) that take ``source`` to ``target``: the shortest path in the version graph;
    [] when they are the same format. Raises ``crosswalk.errors.PlanError`` when there is no path.

    >>> import crosswalk
    >>> [(s.source, s.target) for s in crosswalk.plan("mlm@1.3.0", "mlm@1.5.0")]
    [('mlm@1.3.0', 'mlm@1.4.0'), ('mlm@1.4.0', 'mlm@1.5.0')]
    """
    from crosswalk.pipeline import plan as make_plan

    _options(source, None, "source")
    _options(target, None, "target")
    return [Step(str(e.source), str(e.target), e.id, e.summary) for e in make_plan(source, target)]
