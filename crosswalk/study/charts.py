"""The report's two charts as inline SVG, each with its own legend: stacked bars (shares of a whole, per row) and
a heat map (a share per cell, with its colour scale). Built with ElementTree, which escapes every text and
attribute."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, 'DejaVu Sans', sans-serif"
# The heat map's scale: a share of 0 is light red, 0.5 light amber, 1 light green; light enough for dark text on
# screen and in print.
SCALE = ((0.0, (239, 154, 154)), (0.5, (255, 224, 130)), (1.0, (129, 199, 132)))
EMPTY_FILLS = {"no document": "#fafafa", "no conversion": "#e0e0e0"}


@dataclass
class BarRow:
    label: str
    values: dict[str, int]  # segment -> count (the bar is their sum)
    note: str = ""  # text after the bar
    group_start: bool = False  # a thin rule above the row


@dataclass
class Heat:
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], tuple[float | None, str]]  # (row, column) -> (share or None, text)
    empty: dict[tuple[str, str], str] = field(default_factory=dict)  # cells without a share: which EMPTY_FILLS


def _svg(width: int, height: int, chart_id: str, label: str) -> ET.Element:
    return ET.Element("svg", {"xmlns": SVG_NS, "class": "chart", "id": chart_id, "width": str(width),
                              "height": str(height), "viewBox": f"0 0 {width} {height}", "role": "img",
                              "aria-label": label, "font-family": FONT})


def _text(parent: ET.Element, x: float, y: float, text: str, size: int = 12, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, "text", {"x": f"{x:.1f}", "y": f"{y:.1f}", "font-size": str(size), **attrs})
    el.text = text
    return el


def _rect(parent: ET.Element, x: float, y: float, w: float, h: float, fill: str, title: str = "",
          **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, "rect", {"x": f"{x:.1f}", "y": f"{y:.1f}", "width": f"{max(w, 0):.1f}",
                                        "height": f"{h:.1f}", "fill": fill, **attrs})
    if title:
        ET.SubElement(el, "title").text = title
    return el


def _legend(svg: ET.Element, x: float, y: float, items: list[tuple[str, str]]) -> None:
    g = ET.SubElement(svg, "g", {"class": "legend"})
    for name, colour in items:
        _rect(g, x, y - 10, 12, 12, colour, stroke="#666", **{"stroke-width": "0.5"})
        _text(g, x + 16, y, name)
        x += 16 + 7.2 * len(name) + 18


def stacked_bars(rows: list[BarRow], colours: dict[str, str], *, chart_id: str, title: str,
                 width: int = 1100) -> str:
    """One horizontal bar per row, split into its segments in the order of ``colours``; the share of each
    segment is written on it when there is room, and in the segment's tooltip."""
    label_w, note_w, bar_h, gap = 330, 200, 22, 8
    bar_w = width - label_w - note_w
    height = 56 + len(rows) * (bar_h + gap) + 6
    svg = _svg(width, height, chart_id, title)
    _text(svg, 0, 16, title, 14, **{"font-weight": "600"})
    _legend(svg, label_w, 40, list(colours.items()))
    y = 52.0
    for row in rows:
        if row.group_start:
            ET.SubElement(svg, "line", {"x1": "0", "x2": str(width - note_w), "y1": f"{y - gap / 2:.1f}",
                                        "y2": f"{y - gap / 2:.1f}", "stroke": "#ccc"})
        _text(svg, 0, y + 15, row.label, 12)
        total = sum(row.values.get(k, 0) for k in colours)
        x = float(label_w)
        if not total:
            _rect(svg, x, y, bar_w, bar_h, "#eeeeee", stroke="#bbb")
            _text(svg, x + 8, y + 15, "nothing to measure", 11, fill="#555")
        for key, colour in colours.items():
            n = row.values.get(key, 0)
            if not total or not n:
                continue
            w = bar_w * n / total
            _rect(svg, x, y, w, bar_h, colour, f"{key}: {n} of {total} ({100 * n / total:.1f}%)")
            if w > 42:
                _text(svg, x + w / 2, y + 15, f"{100 * n / total:.0f}%", 11, fill="#fff", **{"text-anchor": "middle"})
            x += w
        _text(svg, label_w + bar_w + 8, y + 15, row.note, 11, fill="#333")
        y += bar_h + gap
    return ET.tostring(svg, encoding="unicode")


def share_colour(share: float) -> str:
    share = min(max(share, 0.0), 1.0)
    for (x0, c0), (x1, c1) in zip(SCALE, SCALE[1:], strict=False):
        if share <= x1:
            f = (share - x0) / (x1 - x0)
            r, g, b = (round(a + f * (b - a)) for a, b in zip(c0, c1, strict=True))
            return f"rgb({r},{g},{b})"
    raise AssertionError("unreachable: the scale ends at 1")


def heat_map(heat: Heat, *, chart_id: str, title: str, width: int = 1100) -> str:
    """A grid of cells coloured by their share on a red-to-green scale, with the scale and the empty-cell
    swatches as its legend."""
    label_w, cell_h = 230, 28
    cell_w = (width - label_w) / max(len(heat.columns), 1)
    height = 96 + cell_h * len(heat.rows)
    svg = _svg(width, height, chart_id, title)
    _text(svg, 0, 16, title, 14, **{"font-weight": "600"})
    # the colour scale: a gradient from 0 % to 100 %, then the swatches of cells without a share
    defs = ET.SubElement(svg, "defs")
    grad = ET.SubElement(defs, "linearGradient", {"id": f"{chart_id}-scale"})
    for stop, _ in SCALE:
        ET.SubElement(grad, "stop", {"offset": f"{100 * stop:.0f}%", "stop-color": share_colour(stop)})
    legend = ET.SubElement(svg, "g", {"class": "legend"})
    _text(legend, label_w, 40, "share of documents that keep it:", 12)
    sx = label_w + 200
    _rect(legend, sx, 30, 160, 12, f"url(#{chart_id}-scale)", stroke="#666", **{"stroke-width": "0.5"})
    for stop in (0, 50, 100):
        _text(legend, sx + 1.6 * stop, 56, f"{stop}%", 10, **{"text-anchor": "middle"})
    x = sx + 190
    for name, fill in EMPTY_FILLS.items():
        _rect(legend, x, 30, 12, 12, fill, stroke="#666", **{"stroke-width": "0.5"})
        _text(legend, x + 16, 40, name, 12)
        x += 16 + 7.2 * len(name) + 18
    top = 66
    for j, col in enumerate(heat.columns):
        _text(svg, label_w + j * cell_w + cell_w / 2, top + 12, col, 12, **{"text-anchor": "middle",
                                                                            "font-weight": "600"})
    for i, row in enumerate(heat.rows):
        y = top + 20 + i * cell_h
        _text(svg, 0, y + 18, row, 12)
        for j, col in enumerate(heat.columns):
            share, text = heat.cells.get((row, col), (None, ""))
            fill = share_colour(share) if share is not None else EMPTY_FILLS[heat.empty.get((row, col),
                                                                                              "no document")]
            x = label_w + j * cell_w
            _rect(svg, x + 1, y, cell_w - 2, cell_h - 2, fill, f"{row} → {col}: {text}", stroke="#bbb")
            _text(svg, x + cell_w / 2, y + 18, text, 12, fill="#222", **{"text-anchor": "middle"})
    return ET.tostring(svg, encoding="unicode")
