"""report.md and report.html from the report data, through Jinja2 templates shipped in this package
(``templates/``): HTML autoescaped, charts from `charts`, nothing computed here that the findings do not hold."""

from __future__ import annotations

from functools import cache
from typing import Any

from markupsafe import Markup

from crosswalk.study.charts import BarRow, Heat, heat_map, stacked_bars

GRADE_BG = {"exact": "#c8e6c9", "transformed": "#e6ee9c", "lossy": "#ffe082", "none": "#ffcdd2",
            "no path": "#eeeeee", "—": "#fafafa"}
SHARE_COLOURS = {"kept": "#2e7d32", "lossy": "#f9a825", "dropped": "#c62828"}
SHORT = {"transformed": "transf."}  # the matrix's narrow cells; its legend spells it out


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def short(href: str) -> str:
    """A document's name without its directories (the full path is in report.json)."""
    path, _, member = href.partition("#")
    name = path.rsplit("/", 1)[-1]
    return name + (f"#{member}" if member else "")


def set_aside_text(aside: dict[str, list]) -> str:
    """``; set aside: 2 copies of documents already read, ...``: what the study read and did not compare, counted
    (empty when nothing was set aside)."""
    counts = [(len(aside["duplicates"]), "copies of documents already read (each counted once)"),
              (len(aside["outputs"]), "crosswalk outputs"), (len(aside["reports"]), "crosswalk conversion reports")]
    shown = [f"{n} {what}" for n, what in counts if n]
    return "; set aside: " + ", ".join(shown) if shown else ""


def md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


@cache
def _env(autoescape: bool):
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("crosswalk.study", "templates"), autoescape=autoescape,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(pct=pct, short=short, md=md, set_aside_text=set_aside_text)
    env.globals.update(GRADE_BG=GRADE_BG, SHARE_COLOURS=SHARE_COLOURS, SHORT=SHORT)
    return env


def headline_chart(report: dict[str, Any]) -> str:
    rows = []
    for h in report["findings"]["headline"]:
        for part, name in (("ml", "ML-extension fields"), ("core", "other fields")):
            p = h[part]
            rows.append(BarRow(f"{h['target']}: {name}", {"kept": p["kept"], "lossy": p["lossy"],
                                                           "dropped": p["dropped"]},
                               f"{p['leaves']} leaves, {h['documents']} documents", group_start=part == "ml"))
    return stacked_bars(rows, SHARE_COLOURS, chart_id="ml-share-bars",
                        title="Source leaves kept, lossy and dropped per target format: ML-extension fields "
                              "and the rest")


def survival_chart(report: dict[str, Any]) -> str:
    fams = report["families"]
    targets = [report["formats"][f]["target"] for f in fams]
    cells, empty = {}, {}
    titles = [c["title"] for c in report["concepts"]]
    for c, title in zip(report["concepts"], titles, strict=True):
        for f, target in zip(fams, targets, strict=True):
            a = report["formats"][f]
            s = a["concepts"][c["id"]]
            n = s["kept"] + s["outside"] + s["lost"]
            if not a["reached"]:
                empty[(title, target)] = "no conversion"
                cells[(title, target)] = (None, "—")
            elif not n:
                cells[(title, target)] = (None, "—")
            else:
                cells[(title, target)] = (s["kept"] / n, f"{s['kept']}/{n}")
    return heat_map(Heat(titles, targets, cells, empty), chart_id="survival-map",
                    title="Questions that survive conversion (documents carrying it: kept / all)")


def render_html(report: dict[str, Any]) -> str:
    charts = {"headline": Markup(headline_chart(report)), "survival": Markup(survival_chart(report))}
    return _env(True).get_template("report.html.j2").render(r=report, charts=charts)


def render_markdown(report: dict[str, Any]) -> str:
    return _env(False).get_template("report.md.j2").render(r=report)


def static_markdown(static: dict[str, Any]) -> str:
    """The static part alone (report.md's section on formats and mappings)."""
    return _env(False).get_template("static.md.j2").render(st=static)
