"""The library verbs behind the CLI (alembic command.py style): one documented function each.

read -> detect -> plan -> repairs + each edge's rules -> validate -> lint -> report. The input document is
deep-copied once and never mutated.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from crosswalk import cache as memo
from crosswalk.detection import Detection, detect
from crosswalk.engine import report as rep
from crosswalk.engine.ctx import Ctx
from crosswalk.engine.ledger import Ledger
from crosswalk.engine.ops import apply, same
from crosswalk.engine.settle import settle
from crosswalk.errors import CrosswalkError, FormatError, PlanError
from crosswalk.language.compiled import mapping as loaded  # the loader's result, cached on disk by content
from crosswalk.language.formats import Format, registry
from crosswalk.language.pointer import exists, get, parse_pointer, to_pointer
from crosswalk.resources import mappings_path
from crosswalk.validation.verdict import report_issues

try:  # the C pickler that pickle.py wraps, without pickle.py's own pure-Python classes (a one-file run's start)
    from _pickle import dumps, loads
except ImportError:  # pragma: no cover - an interpreter without the C pickler
    from pickle import dumps, loads

if TYPE_CHECKING:
    from crosswalk.language.pointer import Path


@dataclass
class Result:
    href: str | None
    detection: Detection | None
    target: Format | None
    steps: list[str] = field(default_factory=list)
    document: dict[str, Any] | None = None
    report: dict[str, Any] = field(default_factory=dict)
    error: CrosswalkError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def counts(self) -> dict[str, int]:
        return self.report.get("summary", {})

    @property
    def lossy(self) -> bool:
        s = self.counts()
        return bool(s.get("lossy") or s.get("dropped"))

    @property
    def invented(self) -> bool:
        return bool(self.counts().get("invented"))

    @property
    def valid(self) -> bool:
        return bool(self.report.get("valid"))

    @property
    def unverifiable(self) -> bool:
        """A version newer than the newest known, passed to its family's latest without its own schema checked."""
        return rep.unchecked_schema(self.report)

    @property
    def changed(self) -> bool:
        """The output differs from the input (an empty plan may still repair a document; steps may change
        nothing). Python's == first (it is quick, and what it tells apart differs), then JSON's: 1 is not 1.0."""
        if self.document is None:
            return False
        return self.document != self.source or not same(self.document, self.source)

    source: Any = None


STRICT_NAMED = 3  # the fields a --strict refusal names of each kind, before "and N more"


def strict_refusal(fields: list[dict[str, Any]] | None) -> str | None:
    """Why ``--strict`` refuses a conversion, from its report's entries (reader repairs included), or None.

    --strict refuses what the report says was lost or made up: a field lossy or dropped (its information is not
    all in the output) or a value invented. One text for a single document and for each document of a bulk run,
    naming the first few fields of each kind.

    A document of a version newer than the newest known, passed unchanged to its family's latest, is neither:
    nothing of it is lost or invented. Its warning says its own schema could not be checked offline, which is
    about validation (as an output under --no-validate is unchecked), not --strict's question; so --strict lets
    it pass, alone and in a bulk run alike."""
    def named(paths: list[str]) -> str:
        shown = ", ".join(p or "/" for p in paths[:STRICT_NAMED])
        more = len(paths) - STRICT_NAMED
        return shown + (f" and {more} more" if more > 0 else "")

    invented = [f["path"] for f in fields or () if f["status"] == "invented"]
    lost = [f["path"] for f in fields or () if f["status"] in ("lossy", "dropped")]
    why = []
    if invented:
        why.append("would invent " + named(invented))
    if lost:
        why.append("lossy or dropped: " + named(lost))
    return "; ".join(why) or None


@cache
def graph():
    from crosswalk.language.edges import edge_index
    from crosswalk.language.graph import VersionGraph

    return VersionGraph(edge_index())


def plan(source: Format | str, target: Format | str) -> list:
    """The mappings that take ``source`` to ``target`` (shortest path in the version graph)."""
    src = source if isinstance(source, Format) else Format.parse(source)
    dst = target if isinstance(target, Format) else Format.parse(target)
    return graph().plan(src, dst)


@lru_cache(maxsize=1024)
def _edges(g: Any, source: Format, target: Format) -> tuple:
    """The version graph's plan, remembered per graph and format pair: a bulk run asks the same question for every
    document (a failure is not remembered: it raises each time)."""
    return tuple(g.plan(source, target))


def _plan(source: Format, target: Format) -> list:
    return list(_edges(graph(), source, target))  # a fresh list: callers may keep it


class Prepared(NamedTuple):
    """What a conversion runs, worked out once per (source, others, target): see ``_prepared``."""

    steps: tuple[str, ...]  # the edges as the report names them, in the order they run
    visits: tuple[Format, ...]  # the formats those edges land on
    mappings: tuple  # the repairs, then the edges (each side step where the chain stands at its landing)
    foreign: tuple[Format, ...]  # other families no side step converts: their fields stay where the target takes them
    invariants: tuple  # the target's invariants, run last


def _prepared(source: Format, others: tuple[Format, ...], target: Format) -> Prepared:
    """What a conversion from ``source`` (and the families ``others`` beside it) to ``target`` runs, worked out once
    per process for each such question (`crosswalk.cache.once`, as every loaded mapping is), and kept on disk
    between runs (`_stored`). A bulk run asks the same few questions for every document: the plan, the side steps,
    each mapping's look-up and each step's name were a dozen calls a document. A plan that fails raises each time
    (nothing is remembered)."""
    return memo.once(("prepared", source, others, target), lambda: _stored(source, others, target))


def _stored(source: Format, others: tuple[Format, ...], target: Format) -> Prepared:
    """`_prepare`'s answer from the disk cache, as one entry: a warm start then neither builds the version graph
    nor looks up each mapping's entry of its own (each a key over its file's bytes, a file opened and read). The
    answer depends on nothing but the mappings directory (its step files, the format registry, the value tables:
    every file's bytes are in the key, and its path, which the loaded mappings name) and the code."""
    where = mappings_path()
    salt = where.encode() + b"\0" + memo.directory_digest(where) + repr((source, others, target)).encode()
    return memo.cached("prepared", [], lambda: _prepare(source, others, target), salt=salt)


def _prepare(source: Format, others: tuple[Format, ...], target: Format) -> Prepared:
    edges = _plan(source, target)
    run, foreign = _with_side_steps(source, others, target, edges)
    invariants = registry().families[target.family].invariants_for(target.version)
    return Prepared(tuple(f"{e.source} -> {e.target}" for e in run), tuple(e.target for e in run),
                    (loaded("repairs.yaml"), *(loaded(e) for e in run)), foreign,
                    tuple(loaded(name) for name in invariants))


def fill_problem(fill: Any) -> str | None:
    """What is wrong with the shape of --fill values ({"*"|id: {pointer: value}}), or None: one check for the
    command line (a usage error before anything is read) and the Python API (each document's error)."""
    if not isinstance(fill, dict):
        return 'wants an object keyed by item id or "*"'
    for scope, entries in fill.items():
        if entries is not None and not isinstance(entries, dict):  # None: an empty YAML entry, read as no values
            return f'the entry for "{scope}" must be an object of {{pointer: value}}'
        if any(not isinstance(key, str) for key in entries or ()):
            return f'the keys of "{scope}" must be JSON Pointers (text)'
    return None


def fill_for(fill: dict[str, Any] | None, doc: dict[str, Any]) -> dict[str, Any]:
    """The --fill values for this document: entries under "*" and under its id; keys are output JSON Pointers
    (a bare key such as ``mlm:name`` means ``/properties/mlm:name``)."""
    if not fill:
        return {}
    problem = fill_problem(fill)
    if problem:  # a user's file: one line naming the entry, never a traceback
        raise FormatError(f"--fill: {problem}", path="")
    out: dict[str, Any] = {}
    for scope in ("*", str(doc.get("id"))):
        for key, value in (fill.get(scope) or {}).items():
            out[key if key.startswith("/") else f"/properties/{key}"] = value
    return out


def convert(
    doc: Any,
    *,
    href: str | None = None,
    to: str | Format = "mlm",
    fill: dict[str, Any] | None = None,
    validate: bool = True,
    verify: bool = False,
    keep_source: bool = False,
    stored: bool = False,
    detection: Detection | None = None,
    twin: Any = None,
    fields: bool = True,
    source_leaves: int | None = None,
) -> Result:
    """Convert one raw document to ``to``; losses, inventions and validation findings are in ``result.report``.

    Errors that leave no output (unreadable format, no path, a crashing rule) are in ``result.error``.
    Every conversion checks that each place the ledger says a value went exists in the output (an InternalError if
    not): each ``to`` pointer of the report is one of them or a place above one.
    ``verify`` also walks both whole documents: every source and output leaf covered by an entry, and the report
    confirmed against a whole-document DeepDiff (slow; the tests turn it on everywhere).
    ``keep_source`` (lossless mode) keeps fields the target cannot carry under their own keys where the target
    schema accepts them (crosswalk/engine/keep.py), reported ``kept`` "kept for round trip (--keep-source)".
    ``stored``: the document is a row of a catalog database (pgstac), not a file: repairs that only make sense
    for files (dropping an Item's ``collection`` for want of a collection link) are not applied.
    ``detection``: what ``detect(doc, href)`` returned, when the caller has already asked (a bulk run does).
    ``twin``: a second, independent parse of the same text, equal to ``doc``, to work on instead of a deep copy
    (a bulk run parses the bytes again: cheaper than copying the parsed document).
    ``fields``: False leaves the per-field entries out of ``result.report`` (a bulk run that keeps no reports):
    the ledger accounts for every leaf all the same, the summary counts come from it, and every place it says a
    value went is checked in the output. ``verify`` reads the entries, so it builds them.
    ``source_leaves``: the number of leaves of ``doc``, when the caller has counted them (a bulk run counts them
    in the text it read, `crosswalk.io.parse.written_leaves`); the summary's counts need it.
    """
    result = Result(href=href, detection=None, target=None, source=doc)
    try:
        target = to if isinstance(to, Format) else Format.parse(to)
        result.target = target
        if detection is None:
            detection = detect(doc, href)
        result.detection = detection
        if detection.object_type == "mlm-metadata":  # the STAC rules would dress it up as a broken Item
            raise FormatError(
                f"an MLM metadata file ($schema {doc.get('$schema')}: stac-model's fields without the mlm: prefix), "
                "not a STAC Item or Collection; crosswalk converts STAC documents", path="/$schema")
        prepared = _prepared(detection.format, detection.others, target)
        result.steps = list(prepared.steps)  # in the order they run (a fresh list: callers may keep it)
        ledger = Ledger(doc, source_leaves)
        work = copy_document(doc) if twin is None else twin
        family = registry().families[detection.format.family]
        # `--to mlm` asks for the family's latest, whatever it is: a newer version already is, so it passes as it
        # is; `--to mlm@1.5.2` names a version, so a newer document is read as that version (formats.yaml `newer`)
        open_ended = not isinstance(to, Format) and "@" not in str(to)
        unverifiable = detection.newer is not None and open_ended and target.family == family.name
        if detection.newer is not None and not unverifiable:
            # read as the newest known version first (formats.yaml `newer`, step `<family>.newer`): the steps
            # chain from the version the document declares
            result.steps.insert(0, f"{family.name}@{detection.newer} -> {detection.format}")
        if not unverifiable:
            # Repairs and the target's invariants run on every plan, the empty one too (a document already in
            # the target format); on a clean document they change nothing, so reruns are byte-identical.
            ctx = Ctx(
                work,
                ledger,
                href=href,
                fill=fill_for(fill, doc),
                options={"keep_source": keep_source, "source": doc, "target": target, "stored": stored,
                         "validate": validate, "visits": prepared.visits},
            )
            if detection.newer is not None and family.newer_rules:
                ctx.options["newer"] = detection.newer
                apply(loaded(family.newer_rules), ctx)
            for mapping in prepared.mappings:  # the repairs, the plan's edges with the side steps where they join
                apply(mapping, ctx)
            for mapping in prepared.invariants:  # the target's invariants
                apply(mapping, ctx)
            if prepared.foreign:
                account_foreign(ctx, prepared.foreign, target, doc)
            fill_pointers(ctx)
            settle(ledger, doc, work)  # what the steps recorded, made true of the output as a whole
    except CrosswalkError as e:
        if e.href is None:
            e.href = href
        result.error = e
        return result
    entries = ledger.entries() if fields or verify else None
    issues: list[dict[str, Any]] = []
    valid = True
    if unverifiable:  # the core and every other declared schema are still checked
        issues.append(
            {
                "path": "/stac_extensions",
                "message": f"{detection.format.family} {detection.newer} is newer than the newest version crosswalk "
                f"knows ({family.latest}): passed unchanged; its own schema cannot be checked offline",
                "severity": "warning",
                "schema": rep.NEWER_VERSION,
            }
        )
    if validate:
        found, valid = report_issues(work)
        issues += found
    try:  # a report that does not account for the output is an engine bug: fail, write nothing
        rep.guard(doc, work, entries, href=href, verify=verify, unplaced=ledger.unplaced(work))
    except CrosswalkError as e:
        result.error = e
        return result
    result.document = work
    result.report = rep.document_report(
        href=href,
        source_format=f"{detection.format.family}@{detection.newer}" if detection.newer else str(detection.format),
        # a newer version passed to its family's latest stays what it is
        target=f"{target.family}@{detection.newer}" if unverifiable else str(target),
        steps=result.steps,
        fields=entries,
        issues=issues,
        valid=valid,
        validated=validate,
        source=doc,
        also=[str(f) for f in detection.others],
        summary=ledger.summary(),
    )
    return result


def copy_document(doc: Any) -> Any:
    """A deep copy of a parsed document, the same as ``copy.deepcopy`` makes (a container met twice, a YAML alias,
    is copied once and shared again; types and key order kept) in a quarter of the time: pickled and read back in
    memory. What pickle cannot take goes through ``copy.deepcopy``."""
    try:
        return loads(dumps(doc, -1))  # the highest protocol
    except Exception:  # an object a caller put in the document that pickle refuses: the slow, general way
        return copy.deepcopy(doc)


FILL_STEP = "fill"  # the report's step of a --fill value no rule asked for (set after the last step of a plan)


def fill_pointers(ctx: Any) -> None:
    """--fill values for output pointers no rule invented: set at the end, each reported ``filled``; a value
    they replace is reported dropped (the user chose to overwrite it), a scalar where the pointer needs an object
    too. A pointer into an array must name one of its elements or the place right after the last."""
    if not ctx.fill:  # (no values: the ledger's Origins need no look)
        return
    # no mapping asks for these values: the entries name the --fill step itself, not the last mapping that ran
    ctx.step = FILL_STEP
    used = ctx.filled()
    for key, value in ctx.fill.items():
        try:
            path = parse_pointer(key)
        except ValueError as e:
            raise FormatError(f"--fill: {e}", path="") from None
        if not path or path in used:
            continue
        at = _fill_place(ctx.doc, path, key)
        if at == path and same(ctx.get(path), value):
            continue
        if at is not None:  # the value there, or a scalar on the way, gives way to the user's value
            why = "replaced by the --fill value" if at == path else f"replaced by an object holding --fill {key}"
            ctx.replace(at, copy.deepcopy(value) if at == path else {}, why)
        if not ctx.has(path[:-1]):
            ctx.invent(path[:-1], {}, "created to hold a --fill value")
        if at != path:
            ctx.put(path, copy.deepcopy(value))
        ctx.created(path, "filled", "from --fill")


def _fill_place(doc: Any, path: Path, key: str) -> Path | None:
    """Where a --fill value at ``path`` replaces something: ``path`` when it holds a value, an ancestor holding a
    scalar where the pointer needs an object; None when nothing gives way. Raises FormatError for a place no
    value can go (past the end of an array, a key into an array)."""
    node = doc
    for i, k in enumerate(path):
        if isinstance(node, dict):
            if k not in node:
                return None
            node = node[k]
        elif isinstance(node, list):
            last = i == len(path) - 1
            if not (k.isascii() and k.isdigit() and str(int(k)) == k and int(k) <= len(node) - (not last)):
                where = to_pointer(path[:i]) or "/"
                raise FormatError(f"--fill {key}: {where} is an array of {len(node)} element(s); a value goes into "
                                  "one of them or right after the last", path=where)
            if int(k) == len(node):
                return None
            node = node[int(k)]
        else:
            return path[:i]
    return path


def _with_side_steps(source: Format, others: tuple[Format, ...], target: Format,
                     edges: list) -> tuple[list, tuple[Format, ...]]:
    """The plan's edges with the side steps of the other families a document carries (ml-model fields in an MLM
    Item) put where they join it, and those families no side step converts.

    An other family's fields are converted by its own steps into the detected family (values already present
    win): the shortest path that stays in its own family until its last edge, which lands on a format the chain
    stands at (the source, or the landing of one of the plan's edges: ml-model and dlm land on the latest MLM).
    The side steps run right there, when the document is in the form the edge was written for, so that the report's
    steps chain from the source format to the target's, each side step joining the format the chain stands at.
    A family the target is in is left to it: its fields are already the target's.

    A chain that never stands at such a format (MLM 1.2.0 to 1.4.0: below the latest MLM, where ml-model's edge
    lands) cannot convert them without taking the document's own fields up and down again, which loses what the
    direct path keeps (1.2.0's mlm:compiled and norm_type); a mapping converts whole documents, not one family's
    fields along a path of their own. Those families are ``foreign``: their fields stay as they are where the
    target's schema accepts them, each reported kept (``account_foreign``), and go where it rejects them (dlm:* in
    MLM 1.0-1.3: the step into such a version, or its invariants, drop them)."""
    stops = [source, *(e.target for e in edges)]
    joins: dict[int, list] = {}
    foreign = []
    for other in others:
        if other.family == target.family:
            continue
        for at, stop in enumerate(stops):
            side = _side_path(other, stop)
            if side is not None:
                joins.setdefault(at, []).extend(side)
                break
        else:
            foreign.append(other)
    run = list(joins.get(0, []))
    for at, edge in enumerate(edges, start=1):
        run += [edge, *joins.get(at, [])]
    return run, tuple(foreign)


def _side_path(other: Format, stop: Format) -> list | None:
    """The steps taking ``other``'s fields into ``stop`` (another family's format) that stay in ``other``'s family
    until the last, or None: a path through a third family's versions would convert the document's own fields."""
    if stop.family == other.family:
        return None
    try:
        path = _plan(other, stop)
    except PlanError:
        return None
    return path if all(e.target.family == other.family for e in path[:-1]) else None


# where a family's fields live, as a schema reads them: hosts of keys (the parking places of lossless mode)
_FIELD_HOSTS = (("properties",), ("summaries",))
_FIELD_HOST_MAPS = ("assets", "item_assets")


def account_foreign(ctx: Ctx, foreign: tuple[Format, ...], target: Format, source: Any) -> None:
    """The fields of the families no side step converted (``_with_side_steps``), each reported on its own once the
    plan and the target's invariants have run: a field left at its place with its value is ``kept``, saying why it
    was not converted. Where the target's schema rejects such fields (dlm:* in MLM 1.0-1.3), a step into that
    version or the version's invariants dropped them already (`mappings/formats.yaml`). The family's schema URI,
    asset roles and link relations of its prefix, left as they are, are reported with them."""
    ctx.step = None  # kept: no mapping did anything to them
    for other in foreign:
        prefix = registry().families[other.family].prefix
        lands = ", ".join(str(f) for f in _landings(other))
        why = (f"{other} left as it is: its mapping lands on {lands}, which the conversion to {target} does not "
               f"pass, and {target} accepts {prefix}* fields")
        hosts = [h for h in _FIELD_HOSTS if isinstance(ctx.get(h), dict)]
        for top in _FIELD_HOST_MAPS:
            found = ctx.get((top,))
            hosts += [(top, k) for k, v in (found.items() if isinstance(found, dict) else ()) if isinstance(v, dict)]
        places = [(*host, k) for host in hosts for k in ctx.get(host) if isinstance(k, str) and k.startswith(prefix)]
        for path in places + _family_marks(ctx, other, prefix):
            if _unchanged(ctx, source, path):
                ctx.changed(path, "kept", why)


def _landings(other: Format) -> list[Format]:
    """The formats of other families that ``other``'s own steps reach first (ml-model: the latest MLM)."""
    seen, queue, out = {other}, [other], set()
    while queue:
        for edge in graph().edges.get(queue.pop(), []):
            if edge.target.family != other.family:
                out.add(edge.target)
            elif edge.target not in seen:
                seen.add(edge.target)
                queue.append(edge.target)
    return sorted(out)


def _family_marks(ctx: Ctx, other: Format, prefix: str) -> list[Path]:
    """The places outside a family's fields that name it: its schema URI, asset roles and link relations of its
    prefix."""
    family = registry().families[other.family]
    out: list[Path] = []
    uris = ctx.get(("stac_extensions",))
    out += [("stac_extensions", str(i)) for i, u in enumerate(uris if isinstance(uris, list) else ())
            if isinstance(u, str) and family.match(u) is not None]
    for top in _FIELD_HOST_MAPS:
        found = ctx.get((top,))
        for key, asset in (found.items() if isinstance(found, dict) else ()):
            roles = asset.get("roles") if isinstance(asset, dict) else None
            out += [(top, key, "roles", str(i)) for i, r in enumerate(roles if isinstance(roles, list) else ())
                    if isinstance(r, str) and r.startswith(prefix)]
    links = ctx.get(("links",))
    out += [("links", str(i), "rel") for i, link in enumerate(links if isinstance(links, list) else ())
            if isinstance(link, dict) and isinstance(link.get("rel"), str) and link["rel"].startswith(prefix)]
    return out


def _unchanged(ctx: Ctx, source: Any, path: Path) -> bool:
    """The value at ``path`` is a source value as it was, at its own place or moved whole (a URI now at another
    index), which no rule rewrote or made."""
    found, value = ctx.origins(path), ctx.get(path)
    if not found or any(o.created or o.status not in ("kept", "moved") for o in found):
        return False
    if all(o.path[:len(path)] == path for o in found):
        return exists(source, path) and same(get(source, path), value)
    return len(found) == 1 and exists(source, found[0].path) and same(get(source, found[0].path), value)


def with_read_repairs(report: dict[str, Any], repairs: list[dict[str, Any]], source: Any, output: Any) -> None:
    """Add what reading the document repaired to its conversion's ``report`` (in place) and count the summary again.

    A text repair (a comment, a trailing comma, a key written twice) goes first, as it is. A value repaired in
    place (NaN -> null, a lone surrogate: `crosswalk.io.limits.is_value_repair`) is a leaf the conversion also
    reports: the two become one entry at its path, so the leaf is counted once. Its status is the worse of the two,
    as the ledger ranks a leaf that passes through several rules (`crosswalk.engine.ledger.RANK`): ``repaired``
    over kept, moved or transformed, with the ``to`` of where the conversion put it (its own path when kept
    there); ``lossy`` or ``dropped`` over ``repaired`` (a loss is never hidden behind a repair). Both reasons,
    the repair's first.
    """
    from crosswalk.engine.report import is_text_repair, summarize
    from crosswalk.io.limits import is_value_repair
    from crosswalk.language.pointer import exists, get

    fields = list(report["fields"])
    at: dict[str, int] = {}  # the entry that decides each source path (the last one, as the summary reads it)
    for i, e in enumerate(fields):
        if e["status"] not in ("invented", "filled") and not is_text_repair(e):
            at[e["path"]] = i
    first = []
    for r in repairs:
        if not (r["path"] and is_value_repair(r)):
            first.append(r)
            continue
        path = parse_pointer(r["path"])
        for n in range(len(path), -1, -1):  # the entry at the leaf's path, or the one above it that covers it
            i = at.get(to_pointer(path[:n]))
            if i is not None:
                break
        else:  # pragma: no cover - every report has an entry at the root
            first.append(r)
            continue
        cover, below = fields[i], path[n:]
        if "to" in cover and below:  # the leaf's own place inside where its container went, found by its value;
            value = get(source, path)  # else (a new form) the places the container went
            to = [t + to_pointer(below) for t in cover["to"] if exists(output, parse_pointer(t) + below)
                  and get(output, parse_pointer(t) + below) == value] or list(cover["to"])
        elif "to" in cover:
            to = list(cover["to"])
        else:  # kept where it was, or lost
            to = [r["path"]] if cover["status"] == "kept" and exists(output, path) else []
        reason = r["reason"] + (f"; {cover['reason']}" if not below and cover.get("reason") else "")
        entry: dict[str, Any]
        if cover["status"] in ("lossy", "dropped"):
            entry = {"path": r["path"], "status": cover["status"], **({"to": to} if to else {}), "reason": reason}
        else:
            entry = {"path": r["path"], "status": "repaired", "to": to, "reason": reason}
        if not below and "step" in cover:
            entry["step"] = cover["step"]
        if below:  # a leaf inside what the entry covers: its own entry, with the other repairs
            first.append(entry)
        else:
            fields[i] = entry
    report["fields"] = first + fields
    report["summary"] = summarize(report["fields"], source)


def convert_file(href: str, *, lenient: bool = True, **kwargs: Any) -> Result:
    """Read ``href`` and convert it (see ``convert``); a read failure is ``result.error``.

    ``lenient`` accepts JSON with comments and trailing commas (old dlm files); each fix is reported repaired.
    """
    from crosswalk.io.documents import read_document_repairs

    try:
        doc, repairs = read_document_repairs(href, lenient=lenient)
    except CrosswalkError as e:
        return Result(href=href, detection=None, target=None, error=e)
    result = convert(doc, href=href, **kwargs)
    if repairs and result.report:
        with_read_repairs(result.report, repairs, doc, result.document)
    return result


def detect_file(href: str) -> Detection:
    """Read ``href`` and detect its format (raises CrosswalkError)."""
    from crosswalk.io.documents import read_document

    return detect(read_document(href), href)


def validate_file(href: str) -> list:
    """Read ``href`` and check it against the vendored schemas plus the semantic lint rules."""
    from crosswalk.io.documents import read_document
    from crosswalk.validation.verdict import check

    doc = read_document(href)
    if not isinstance(doc, dict):
        raise FormatError("not a JSON object", href=href, path="")
    return check(doc)
