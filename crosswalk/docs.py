"""Documentation generated from the mappings (README field tables, `crosswalk mappings`): never typed twice."""

from __future__ import annotations

from typing import Any


def _paths(args: dict[str, Any]) -> str:
    p = args.get("path", "")
    items = p if isinstance(p, list) else [p]
    return "<br>".join(f"`{x}`" for x in items if x)


def _row(rule) -> tuple[str, str, str, str]:
    from .transforms import REGISTRY

    a = rule.args
    op = rule.op
    if op == "rename":
        return op, _paths(a), f"`{a['to']}` (same object)", "moved"
    if op in ("move", "copy"):
        return op, _paths(a), f"`{a['to']}`", a.get("reason", "")
    if op in ("set", "default"):
        return op, "—", f"`{a['path']}` = `{a['value']}`", a["reason"]
    if op == "drop":
        return op, _paths(a), "—", a["reason"]
    if op == "map_values":
        table = a["table"] if isinstance(a["table"], str) else "inline"
        return op, _paths(a), f"same place, table `{table}`", a.get("reason", "")
    if op in ("wrap", "unwrap"):
        return op, _paths(a), "same place", a.get("reason", "")
    if op == "each":
        return op, _paths(a), f"{len(rule.rules)} sub-rules", ""
    if op == "extensions":
        return op, "<br>".join(f"`{x}`" for x in a.get("remove", [])) or "—", \
            "<br>".join(f"`{x}`" for x in a.get("add", [])) or "—", a.get("reason", "")
    t = REGISTRY[a["name"]]
    return (f"transform `{t.name}`", "<br>".join(f"`{r}`" for r in t.reads) or "—",
            "<br>".join(f"`{w}`" for w in t.writes) or "—", t.summary)


def field_tables() -> str:
    """One markdown table per mapping file: what each rule reads, writes and why."""
    from .spec import load_mappings, load_support

    out = []
    for m in (load_support("repairs.yaml"), *load_mappings()):
        title = "repairs (before the first step)" if m.id == "repairs" else f"{m.source} → {m.target}"
        out.append(f"#### {title}\n")
        out.append(f"`mappings/{m.id}.yaml` — {m.summary}\n")
        if m.notes:
            out.append(f"{m.notes}\n")
        out.append("| rule | source | target | reason |")
        out.append("|---|---|---|---|")
        for rule in m.rules:
            cells = [c.replace("|", "\\|") for c in _row(rule)]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def graph_listing() -> str:
    from .formats import registry
    from .pipeline import graph

    reg = registry()
    lines = ["formats:"]
    for fam in reg.families.values():
        lines.append(f"  {fam.name}: {', '.join(fam.versions)} (latest {fam.latest}) — {fam.title}")
    lines.append("edges:")
    g = graph()
    for node in g.nodes():
        for e in g.edges.get(node, []):
            lines.append(f"  {e.source} -> {e.target}\t{e.id}.yaml")
    return "\n".join(lines) + "\n"
