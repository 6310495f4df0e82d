"""The per-document report: building it, checking its coverage, rendering it."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from crosswalk.language.pointer import Path, is_prefix, leaves, parse_pointer

STATUSES = ("kept", "moved", "transformed", "lossy", "dropped", "invented", "repaired", "filled")
NEWER_VERSION = "crosswalk:newer-version"  # the issue of a newer version whose own schema cannot be checked


def summarize(fields: list[dict[str, Any]], source: Any) -> dict[str, int]:
    """Source leaves per status (the most specific entry at or above a leaf decides); invented/filled count output
    leaves under their entries, text repairs one each.

    One walk of the source that descends only where entries are: below the last entry on a branch every leaf
    takes that entry's status, so the leaves there are only counted."""
    counts = dict.fromkeys(STATUSES, 0)
    trie: dict[Any, Any] = {}  # entry paths as nested dicts; the status of an entry under the key _STATUS
    for e in fields:
        status = e["status"]
        if status in ("invented", "filled") or status == "repaired" and "to" not in e:  # (`is_text_repair`)
            counts[status] += 1
            continue
        node = trie
        for key in _parsed(e["path"]):
            node = node.setdefault(key, {})
        node[_STATUS] = status  # a later entry at the same path wins
    stack: list[tuple[Any, dict[Any, Any], str | None]] = [(source, trie, None)]
    while stack:
        value, node, status = stack.pop()
        status = node.get(_STATUS, status)
        if len(node) == (_STATUS in node) or not isinstance(value, (dict, list)) or not value:
            if status is not None:  # no entry below: every leaf here has this status
                counts[status] += leaf_count(value)
            continue
        if status is None:  # nothing to count here: only the places of the entries below matter
            for key, below in node.items():
                if key is not _STATUS:
                    member = _member(value, key)
                    if member is not _ABSENT:
                        stack.append((member, below, None))
            continue
        n = len(value)  # every member is a leaf, but one with entries (counted there) or a non-empty container
        for key, member in value.items() if isinstance(value, dict) else zip(map(str, range(n)), value, strict=True):
            below = node.get(key)
            if below is not None:
                n -= 1
                stack.append((member, below, status))
            elif isinstance(member, (dict, list)) and member:
                n += leaf_count(member) - 1
        counts[status] += n
    return counts


def _member(value: dict | list, key: str) -> Any:
    """The member ``key`` of a container, or _ABSENT (a list index only in its one spelling, ``str(i)``, as the
    walk over the members finds it)."""
    if isinstance(value, dict):
        return value.get(key, _ABSENT)
    if key.isdigit() and key.isascii():
        i = int(key)
        if i < len(value) and str(i) == key:
            return value[i]
    return _ABSENT


# `parse_pointer`, remembered (bounded): the reports of a bulk run name the same few hundred paths again and again
_parsed = lru_cache(maxsize=4096)(parse_pointer)


_STATUS = object()  # the trie key of an entry's own status (never a key of a document)


def leaf_count(value: Any) -> int:
    """Leaves (scalars, empty objects and arrays) in ``value``."""
    if not isinstance(value, (dict, list)) or not value:
        return 1
    n = 0
    stack = [value]
    while stack:
        v = stack.pop()
        n += len(v)  # every member is a leaf but a non-empty container, which counts as its own members instead
        for m in v.values() if isinstance(v, dict) else v:
            if isinstance(m, (dict, list)) and m:
                n -= 1
                stack.append(m)
    return n




def is_text_repair(e: dict[str, Any]) -> bool:
    """A fix made while parsing (a // comment, a trailing comma): it has a line, not a place in the data."""
    return e["status"] == "repaired" and "to" not in e


def _most_specific(entries: dict[Path, dict[str, Any]], path: Path) -> dict[str, Any] | None:
    for n in range(len(path), -1, -1):
        e = entries.get(path[:n])
        if e is not None:
            return e
    return None


def _kept_here(e: dict[str, Any] | None) -> bool:
    return e is not None and e["status"] == "kept" and "to" not in e


def coverage_problems(source: Any, output: Any, fields: list[dict[str, Any]]) -> list[str]:
    """Leaves of the source or the output that no entry accounts for (must be empty; tests check it).

    The most specific entry at or above a path decides. An output leaf is covered by a ``to`` or an
    invented/filled path at or above it, or by a kept entry when the source has that same leaf.
    """
    from crosswalk.language.pointer import exists

    by_source: dict[Path, dict[str, Any]] = {}
    out_cover: set[Path] = set()
    for e in fields:
        p = parse_pointer(e["path"])
        if e["status"] in ("invented", "filled"):
            out_cover.add(p)
            continue
        if is_text_repair(e):
            continue
        by_source[p] = e
        for t in e.get("to", []):
            out_cover.add(parse_pointer(t))
    problems = []
    for path, _ in leaves(source):
        if _most_specific(by_source, path) is None:
            problems.append(f"source leaf {_ptr(path)} is not accounted for")
    for path, _ in leaves(output):
        if any(path[:n] in out_cover for n in range(len(path), -1, -1)):
            continue
        if exists(source, path) and _kept_here(_most_specific(by_source, path)):
            continue
        if _emptied(source, output, path):
            continue
        problems.append(f"output leaf {_ptr(path)} is not accounted for")
    return problems


def dangling_pointers(output: Any, fields: list[dict[str, Any]]) -> list[str]:
    """``to`` pointers that name no place in the output (a report promising a value that is not there)."""
    return [
        f"{e['path'] or '/'} is reported {e['status']} to {t}, which the output does not have"
        for e in fields
        if "to" in e
        for t in e["to"]
        if not _has(output, t)
    ]


_ABSENT = object()


def _has(doc: Any, pointer: str) -> bool:
    """``exists(doc, parse_pointer(pointer))`` in one pass over the pointer's text (this runs for every ``to``
    pointer of every conversion)."""
    if not pointer:
        return True
    if pointer[0] != "/":
        parse_pointer(pointer)  # raises the ValueError naming the bad pointer
    node = doc
    for key in pointer[1:].split("/"):
        if "~" in key:
            key = key.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(key, _ABSENT)
            if node is _ABSENT:
                return False
        elif isinstance(node, list) and key.isdigit():
            i = int(key)
            if i >= len(node):
                return False
            node = node[i]
        else:
            return False
    return True


def accounting_problems(
    source: Any, output: Any, fields: list[dict[str, Any]] | None, *, verify: bool = False
) -> list[str]:
    """Every way the report fails to account for the conversion: ``to`` pointers naming no place in the output
    (cheap: always checked), and with ``verify`` every source and output leaf covered by an entry and the
    whole-document DeepDiff cross-check (both walk the whole document; the tests turn them on everywhere).
    ``fields`` None: a report without entries (a bulk run keeping no reports), nothing of theirs to check.

    The ledger accounts by construction: a leaf no rule touched is kept at its own place, every event names
    where a value went, so the whole-document checks prove the engine in the tests and on request (--verify)
    rather than on every conversion."""
    if fields is None:
        return []
    problems = dangling_pointers(output, fields)
    if verify:
        problems += coverage_problems(source, output, fields) + ledger_problems(source, output, fields)
    return problems


def guard(
    source: Any, output: Any, fields: list[dict[str, Any]] | None, *, href: str | None = None, verify: bool = False,
    unplaced: list[str] | None = None,
) -> None:
    """Raise InternalError when the report does not account for the output: the conversion then fails (nothing
    is written) instead of handing over a document whose report is wrong. ``unplaced``: the ledger's own places
    missing from the output (``Ledger.unplaced``), checked first."""
    from crosswalk.errors import InternalError

    if unplaced is not None and not verify:
        # every `to` pointer of the entries is one of the ledger's places or a place above one: checked already
        # (the whole-document checks of ``verify``, which the tests run everywhere, also check the entries' own)
        problems = unplaced
    else:
        problems = (unplaced or []) + accounting_problems(source, output, fields, verify=verify)
    if not problems:
        return
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    raise InternalError(
        f"internal error: the report does not account for the conversion: {problems[0]}{more}; "
        "this is a crosswalk bug, please report it with the input document",
        href=href,
        path=_problem_pointer(problems[0]),
    )


def _problem_pointer(problem: str) -> str | None:
    """The first JSON Pointer a problem text names (where to look), if any."""
    for word in problem.split():
        if word.startswith("/"):
            return word.rstrip(",;")
    return None


def _emptied(source: Any, output: Any, path: Path) -> bool:
    """An empty object/list left where the source had a container of the same type whose members were all
    moved or dropped: its members' entries account for it."""
    from crosswalk.language.pointer import get

    value, before = get(output, path), get(source, path)
    return value in ({}, []) and type(value) is type(before) and bool(before)


def _ptr(path: Path) -> str:
    from crosswalk.language.pointer import to_pointer

    return to_pointer(path) or "/"


def ledger_problems(source: Any, output: Any, fields: list[dict[str, Any]]) -> list[str]:
    """DeepDiff confirms the ledger: every path deepdiff sees removed or changed must not be reported as kept
    in place by its most specific entry (an unexplained change is an engine bug)."""
    from deepdiff import DeepDiff

    diff = DeepDiff(source, output, ignore_order=False, view="tree", threshold_to_diff_deeper=0)
    by_source = {
        parse_pointer(e["path"]): e
        for e in fields
        if e["status"] not in ("invented", "filled") and not is_text_repair(e)
    }
    problems = []
    for kind in ("dictionary_item_removed", "iterable_item_removed", "values_changed", "type_changes"):
        for level in diff.get(kind, []):
            path = tuple(str(p) for p in level.path(output_format="list"))
            if not leaves_under(source, path):
                continue
            if all(_kept_here(_most_specific(by_source, leaf)) for leaf in leaves_under(source, path)):
                problems.append(f"{kind} at {_ptr(path)} but the ledger says kept")
    return problems + moved_problems(source, output, by_source)


def moved_problems(source: Any, output: Any, by_source: dict[Path, dict[str, Any]]) -> list[str]:
    """Source leaves whose entry says ``moved`` (same value, new place) or kept under a ``to``, where the output
    does not hold that same value (JSON equality) at each place it names: a value changed while the report
    says it was not."""
    from crosswalk.engine.ops import same
    from crosswalk.language.pointer import get

    problems = []
    for path, value in leaves(source):
        e = _most_specific(by_source, path)
        if e is None or "to" not in e or e["status"] not in ("moved", "kept"):
            continue
        rel = path[len(_parsed(e["path"])) :]
        for t in e["to"]:
            there = _parsed(t) + rel
            if not same(get(output, there, _ABSENT), value):
                problems.append(f"source leaf {_ptr(path)} is reported {e['status']} to {_ptr(there)}, "
                                "which holds another value")
    return problems


def leaves_under(doc: Any, path: Path) -> list[Path]:
    from crosswalk.language.pointer import exists, get

    if not exists(doc, path):
        return []
    return [p for p, _ in leaves(get(doc, path), path)]


def unchecked_schema(report: dict[str, Any]) -> bool:
    """Whether the target's own schema could not be checked: a version newer than the newest known, passed
    unchanged to its family's latest (its warning says so). A verdict then names no schema it did not ask."""
    return any(i.get("schema") == NEWER_VERSION for i in report.get("issues", ()))


def no_change(summary: dict[str, int]) -> bool:
    """Whether every leaf was kept and nothing was invented or filled: the output is the source."""
    return not any(v for k, v in summary.items() if k != "kept")


def render_text(report: dict[str, Any], verbose: bool = False) -> str:
    """The report for people: a head line, the counts, then one line per subtree, status and reason (the
    fields of a list that share a fate are one line: ``/selected_bands/0…13 (14 fields)``); ``verbose`` lists
    every entry, kept ones included, one line each."""
    from crosswalk.engine.grouping import group_fields, group_issues

    src, tgt = report["source"], report["target"]
    n = len(report["steps"])
    # steps that ran and changed nothing (a dlm Collection converted to dlm again): said, not left to the counts
    same = " and changed nothing" if n and no_change(report["summary"]) else ""
    plural = "s" if n != 1 else ""
    lines = [f"{src.get('href') or '<stdin>'}: {src.get('format')} -> {tgt.get('format')} ({n} step{plural}{same})"]
    s = report["summary"]
    lines.append("  " + ", ".join(f"{k} {v}" for k, v in s.items() if v))
    if verbose:
        for e in report["fields"]:
            to = f" -> {', '.join(e['to'])}" if e.get("to") else ""
            why = f"  ({e['reason']})" if e.get("reason") else ""
            lines.append(f"  {e['status']:<11} {e['path'] or '/'}{to}{why}")
    else:
        for g in group_fields(report["fields"]):
            count = f" ({g.size} fields)" if g.size > 1 else ""
            to = f" -> {', '.join(g.targets)}" if g.to else ""
            why = f"  ({g.reason})" if g.reason else ""
            lines.append(f"  {g.status:<11} {g.path}{count}{to}{why}")
    if not report.get("validated", True):
        verdict = "  output not validated (--no-validate)"
    elif unchecked_schema(report):
        valid = "valid" if report["valid"] else "INVALID"
        verdict = f"  output {valid} against the schemas known offline ({tgt.get('format')} has none: not checked)"
    else:
        valid = "valid" if report["valid"] else "INVALID"
        verdict = f"  output {valid} against {tgt.get('format')}"
    lines.append(verdict + (f"; {len(report['issues'])} issue(s):" if report["issues"] else ""))
    if verbose:
        for i in report["issues"]:
            lines.append(f"    {i.get('severity', 'error')}: {i['path'] or '/'}: {i['message']}")
    else:
        for g in group_issues(report["issues"]):
            count = f" ({g.size} places)" if g.size > 1 else ""
            lines.append(f"    {g.status}: {g.path}{count}: {g.reason}")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: dict[str, Any], verbose: bool = False) -> str:
    """The report as a markdown table, grouped like `render_text` (``verbose``: one row per entry)."""
    from crosswalk.engine.grouping import Group, group_fields

    src, tgt = report["source"], report["target"]
    out = [f"### `{src.get('href') or 'stdin'}`: {src.get('format')} → {tgt.get('format')}", ""]
    out.append("| status | path | to | reason |")
    out.append("|---|---|---|---|")
    if verbose:
        groups = [Group(e["status"], e.get("reason", ""), [e["path"]], list(e.get("to", []))) for e in report["fields"]]
    else:
        groups = group_fields(report["fields"], include_kept=True)
    for g in groups:
        # a "|" ends a table cell wherever it is, in code spans too: escaped in paths (an asset named "a|b") as in
        # reasons, or the row splits
        to = "<br>".join(f"`{_cell(t)}`" for t in g.targets)
        count = f" ({g.size} fields)" if g.size > 1 else ""
        out.append(f"| {g.status} | `{_cell(g.path)}`{count} | {to} | {_cell(g.reason)} |")
    out.append("")
    # as the text report says it: under --no-validate no schema was asked, and "valid" only means the report holds
    verdict = f"**{'yes' if report['valid'] else 'no'}**" if report.get("validated", True) else \
        "**not validated** (--no-validate)"
    if report.get("validated", True) and unchecked_schema(report):
        verdict += f" (against the schemas known offline: {tgt.get('format')} has none, not checked)"
    out.append(f"Valid: {verdict}. Summary: " + ", ".join(f"{k} {v}" for k, v in report["summary"].items() if v))
    for i in report["issues"]:
        out.append(f"- {i.get('severity', 'error')} `{i['path'] or '/'}`: {i['message']}")
    return "\n".join(out) + "\n"


def render(report: dict[str, Any], fmt: str, verbose: bool = False) -> str:
    if fmt == "json":
        return json.dumps(report, indent=2, ensure_ascii=False)
    if fmt == "markdown":
        return render_markdown(report, verbose)
    return render_text(report, verbose)


__all__ = [
    "summarize",
    "coverage_problems",
    "ledger_problems",
    "dangling_pointers",
    "accounting_problems",
    "guard",
    "render",
    "is_prefix",
]


def entry_for(fields: list[dict[str, Any]], pointer: str) -> dict[str, Any] | None:
    """The report entry that decides a source pointer: the most specific entry at it or at an ancestor."""
    by_source = {
        parse_pointer(e["path"]): e
        for e in fields
        if e["status"] not in ("invented", "filled") and not is_text_repair(e)
    }
    return _most_specific(by_source, parse_pointer(pointer))


def document_report(
    *,
    href: str | None,
    source_format: str | None,
    target: str,
    steps: list[str],
    fields: list[dict[str, Any]] | None,
    issues: list[dict[str, Any]],
    valid: bool,
    validated: bool,
    source: Any,
    also: list[str] | None = None,
    summary: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The per-document report object (one builder for single and bulk runs). ``summary``: the counts when the
    caller has them (``Ledger.summary``), else they are counted from ``fields``."""
    report: dict[str, Any] = {
        "source": {"href": href, "format": source_format},
        "target": {"format": target},
        "steps": steps,
        "fields": fields,
        "valid": valid,
        "validated": validated,  # false under --no-validate: "valid" then only means "no accounting problem"
        "issues": issues,
        "summary": summarize(fields, source) if summary is None else summary,
    }
    if fields is None:  # asked for without its entries (pipeline.convert's ``fields``): the counts stand alone
        del report["fields"]
    if also:
        report["source"]["also"] = also
    return report
