"""Where the package's data lives: mappings/ in a source checkout, crosswalk/_mappings in an installed wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any


@cache
def mappings_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "_mappings", here.parent / "mappings"):
        if (candidate / "formats.yaml").is_file():
            return candidate
    raise FileNotFoundError("crosswalk mappings not found (neither crosswalk/_mappings nor ../mappings)")


@cache
def mapping_schema() -> dict[str, Any]:
    """The mapping language's JSON Schema (language/mapping.schema.json): the frame of a mapping file and every
    op's arguments, read by the loader (language/spec.py) and by the ops themselves (engine/ops.py)."""
    import json

    return json.loads((Path(__file__).parent / "language" / "mapping.schema.json").read_text(encoding="utf-8"))


def schemas_dir() -> Path:
    return Path(__file__).resolve().parent / "schemas"


@cache
def load_yaml(path: Path):
    """A YAML data file of the package, parsed once per content (`crosswalk.cache`), not once per run."""
    from crosswalk.cache import cached

    return cached("yaml", [path], lambda: _parse_yaml(path))


@cache
def value_tables(directory: str) -> dict[str, dict[str, Any]]:
    """The value tables of a mappings directory (``tables/*.yaml``, merged): table name -> {key: value}, keys as
    strings (a YAML ``1:`` is the key ``"1"``, as in the JSON documents the tables are applied to)."""
    from crosswalk.cache import cached

    files = sorted(Path(directory, "tables").glob("*.yaml"))
    return cached("tables", files, lambda: _parse_tables(files))


def _parse_tables(files: list[Path]) -> dict[str, dict[str, Any]]:
    from crosswalk.errors import SpecError

    tables: dict[str, dict[str, Any]] = {}
    where: dict[str, Path] = {}
    for path in files:
        for name, table in (_parse_yaml(path) or {}).items():
            if name in tables:  # one file's table must never silently replace another's
                raise SpecError(f"value table {name!r} is also defined in {where[name].name}", file=str(path))
            tables[name], where[name] = {str(k): v for k, v in table.items()}, path
    return tables


def _parse_yaml(path: Path):
    import yaml

    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
