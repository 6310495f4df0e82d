"""`crosswalk compare`: the adoption study. It lives in `crosswalk.study`; this name stays for the CLI and for
callers of the earlier module."""

from .study import (  # noqa: F401 - re-exported
    build_report,
    compare,
    load_catalogue,
    render_html,
    render_markdown,
    shares,
    static_comparison,
    static_markdown,
)

__all__ = ["build_report", "compare", "load_catalogue", "render_html", "render_markdown", "shares",
           "static_comparison", "static_markdown"]
