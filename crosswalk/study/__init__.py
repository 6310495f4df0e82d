"""The adoption study behind `crosswalk compare`: which of the ML-model metadata formats (MLM, ml-model, dlm) to
adopt, answered from the mapping files, the vendored schemas and a corpus of real documents.

One module per job: `paths` (field paths, read by jsonpath-ng), `catalogue` (the questions and their fields),
`schemas` (what each format's schema offers and requires), `trace` (the static comparison: fields traced through
the mapping rules), `corpus` (every document converted to every format), `adoption` (what an adopter of each side
of the review's question loses), `findings` (the conclusions, written from the numbers), `charts` and `render`
(report.md and report.html through Jinja2 templates), `run` (the whole study, and the three files).
"""

from crosswalk.study.catalogue import load_catalogue
from crosswalk.study.corpus import shares
from crosswalk.study.render import render_html, render_markdown, static_markdown
from crosswalk.study.run import build_report, compare
from crosswalk.study.trace import static_comparison

__all__ = ["build_report", "compare", "load_catalogue", "render_html", "render_markdown", "shares",
           "static_comparison", "static_markdown"]
