"""Loading mapping files: YAML with line numbers, checked against the mapping language's JSON Schema, then
compiled (jsonpath expressions parsed once, transforms and value tables resolved)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import SpecError
from ..formats import Format

LINE = "__line__"


@dataclass(frozen=True)
class Rule:
    op: str
    args: dict[str, Any]
    file: str
    line: int
    index: int
    paths: tuple[Any, ...] = ()  # compiled jsonpath expressions
    rules: tuple[Rule, ...] = ()  # sub-rules of `each`
    table: dict[str, Any] | None = None

    @property
    def where(self) -> str:
        return f"{Path(self.file).name}:{self.line} #{self.index} {self.op}"


@dataclass(frozen=True)
class Mapping:
    id: str
    source: Format
    target: Format
    summary: str
    rules: tuple[Rule, ...]
    file: str
    notes: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def _line_loader():
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 10x faster start-up

    class LineLoader(base):
        pass

    def construct_mapping(loader, node, deep=False):
        mapping = base.construct_mapping(loader, node, deep=True)
        mapping[LINE] = node.start_mark.line + 1
        return mapping

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return LineLoader


def _strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k != LINE}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _line_at(annotated: Any, path: list[Any]) -> int | None:
    line = annotated.get(LINE) if isinstance(annotated, dict) else None
    node = annotated
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and LINE in node:
            line = node[LINE]
    return line


@cache
def _validator():  # noqa: D401
    import jsonschema

    schema = json.loads((Path(__file__).parent / "mapping.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


@cache
def _tables(directory: str) -> dict[str, dict[str, Any]]:
    import yaml

    tables: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(directory, "tables").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, table in data.items():
            tables[name] = {str(k): v for k, v in table.items()}
    return tables


def load_mapping(path: Path) -> Mapping:
    """Load and check one mapping file; every problem is a SpecError naming the file and line."""
    import yaml
    from jsonpath_ng import parse as jsonpath
    from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError

    from .. import transforms

    file = str(path)
    try:
        annotated = yaml.load(path.read_text(encoding="utf-8"), Loader=_line_loader())  # noqa: S506 (SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        message = " ".join(str(getattr(e, "problem", None) or e).split())
        raise SpecError(f"invalid YAML: {message}", file=file, line=mark.line + 1 if mark else None) from None
    if not isinstance(annotated, dict):
        raise SpecError("a mapping file must be a YAML object", file=file)
    data = _strip(annotated)
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        import jsonschema

        err = jsonschema.exceptions.best_match(errors)
        loc = "/".join(str(p) for p in err.absolute_path)
        raise SpecError(f"{loc or 'top level'}: {err.message}", file=file, line=_line_at(annotated, list(err.absolute_path)))
    tables = _tables(str(path.parent))

    def compile_rules(items: list[dict[str, Any]], parent_path: list[Any]) -> tuple[Rule, ...]:
        out = []
        for i, item in enumerate(items):
            op = next(k for k in item if k != LINE)
            args = item[op]
            line = item.get(LINE, 0)
            raw_paths = args.get("path") if op not in ("set", "default", "extensions", "transform") else None
            compiled: list[Any] = []
            for text in [raw_paths] if isinstance(raw_paths, str) else raw_paths or []:
                try:
                    compiled.append(jsonpath(text))
                except (JsonPathLexerError, JsonPathParserError, Exception) as e:  # jsonpath-ng raises bare Exception
                    raise SpecError(f"rule {i} {op}: bad jsonpath {text!r}: {e}", file=file, line=line) from None
            table = None
            if op == "map_values":
                table = args["table"]
                if isinstance(table, str):
                    if table not in tables:
                        raise SpecError(f"rule {i} map_values: unknown table {table!r}", file=file, line=line)
                    table = tables[table]
                else:
                    table = {str(k): v for k, v in _strip(table).items()}
            if op == "transform" and args["name"] not in transforms.REGISTRY:
                import difflib

                near = difflib.get_close_matches(args["name"], transforms.REGISTRY, n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise SpecError(f"rule {i}: unknown transform {args['name']!r}{hint}", file=file, line=line)
            sub = compile_rules(args["rules"], parent_path + [i]) if op == "each" else ()
            out.append(
                Rule(op=op, args=_strip(args), file=file, line=line, index=i, paths=tuple(compiled), rules=sub,
                     table=table)
            )
        return tuple(out)

    rules = compile_rules(annotated["rules"], [])
    try:
        # "stac@any" marks a support file (core repairs) that is not an edge of the graph.
        source, target = (
            (Format("stac", "any"), Format("stac", "any"))
            if data["source"] == "stac@any"
            else (Format.parse(data["source"]), Format.parse(data["target"]))
        )
    except Exception as e:
        message = getattr(e, "message", str(e))
        raise SpecError(message, file=file, line=annotated.get(LINE)) from None
    return Mapping(
        id=data["id"], source=source, target=target, summary=data["summary"], rules=rules, file=file,
        notes=data.get("notes", ""), raw=data,
    )


@cache
def load_mappings(directory: str | None = None) -> tuple[Mapping, ...]:
    """Every edge file (``*__*.yaml``) in the mappings directory, sorted by id."""
    from ..resources import mappings_dir

    root = Path(directory) if directory else mappings_dir()
    return tuple(sorted((load_mapping(p) for p in root.glob("*__*.yaml")), key=lambda m: m.id))


@cache
def load_support(name: str, directory: str | None = None) -> Mapping:
    """A non-edge mapping file (e.g. ``stac_core.yaml``, run before the first edge of any plan)."""
    from ..resources import mappings_dir

    root = Path(directory) if directory else mappings_dir()
    return load_mapping(root / name)
