"""Where the package's data lives: mappings/ in a source checkout, crosswalk/_mappings in an installed wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def mappings_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "_mappings", here.parent / "mappings"):
        if (candidate / "formats.yaml").is_file():
            return candidate
    raise FileNotFoundError("crosswalk mappings not found (neither crosswalk/_mappings nor ../mappings)")


def schemas_dir() -> Path:
    return Path(__file__).resolve().parent / "schemas"


@cache
def load_yaml(path: Path):
    from crosswalk.cache import yaml_data  # parsed once per content, not once per run

    return yaml_data(path, lambda: _parse_yaml(path))


def _parse_yaml(path: Path):
    import yaml

    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
