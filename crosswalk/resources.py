"""Where the package's data lives: mappings/ in a source checkout, crosswalk/_mappings in an installed wheel."""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

_HERE = os.path.dirname(os.path.realpath(__file__))


@cache
def mappings_path() -> str:
    """The mappings directory (a string: a one-file run, which only joins names to it, never imports pathlib)."""
    for candidate in (os.path.join(_HERE, "_mappings"), os.path.join(os.path.dirname(_HERE), "mappings")):
        if os.path.isfile(os.path.join(candidate, "formats.yaml")):
            return candidate
    raise FileNotFoundError("crosswalk mappings not found (neither crosswalk/_mappings nor ../mappings)")


@cache
def mappings_dir() -> Path:
    from pathlib import Path

    return Path(mappings_path())


@cache
def mapping_schema() -> dict[str, Any]:
    """The mapping language's JSON Schema (language/mapping.schema.json): the frame of a mapping file and every
    op's arguments, read by the loader (language/spec.py) and by the ops themselves (engine/ops.py)."""
    import json

    with open(os.path.join(_HERE, "language", "mapping.schema.json"), encoding="utf-8") as f:
        return json.load(f)


def schemas_path() -> str:
    return os.path.join(_HERE, "schemas")


def schemas_dir() -> Path:
    from pathlib import Path

    return Path(schemas_path())


@cache
def load_yaml(path: str | os.PathLike[str]):
    """A YAML data file of the package, parsed once per content (`crosswalk.cache`), not once per run."""
    from crosswalk.cache import cached

    return cached("yaml", [path], lambda: parse_yaml(path))


@cache
def value_tables(directory: str) -> dict[str, dict[str, Any]]:
    """The value tables of a mappings directory (``tables/*.yaml``, merged): table name -> {key: value}, keys as
    strings (a YAML ``1:`` is the key ``"1"``, as in the JSON documents the tables are applied to)."""
    from crosswalk.cache import cached

    files = yaml_files(os.path.join(directory, "tables"))
    return cached("tables", files, lambda: _parse_tables(files))


def yaml_files(directory: str) -> list[str]:
    """The paths of the ``*.yaml`` files in ``directory`` (not below it), sorted; none when it is no folder. What
    ``Path.glob("*.yaml")`` finds, without importing pathlib on a one-file run."""
    names = os.listdir(directory) if os.path.isdir(directory) else []
    return sorted(os.path.join(directory, n) for n in names if n.endswith(".yaml"))


def _parse_tables(files: list[str]) -> dict[str, dict[str, Any]]:
    from crosswalk.errors import SpecError

    tables: dict[str, dict[str, Any]] = {}
    where: dict[str, str] = {}
    for path in files:
        for name, table in (parse_yaml(path) or {}).items():
            if name in tables:  # one file's table must never silently replace another's
                again = f"value table {name!r} is also defined in {os.path.basename(where[name])}"
                raise SpecError(again, file=str(path))
            tables[name], where[name] = {str(k): v for k, v in table.items()}, path
    return tables


def parse_yaml(path: str | os.PathLike[str]):
    """A YAML data file parsed now, from its current bytes (`load_yaml` remembers each file's first parse for the
    process): what a value cached under a file's bytes is built from."""
    import yaml

    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
