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
def _language_schema() -> dict[str, Any]:
    return json.loads((Path(__file__).parent / "mapping.schema.json").read_text(encoding="utf-8"))


@cache
def _validator():
    import jsonschema

    return jsonschema.Draft7Validator(_language_schema())


@cache
def _fast_check():
    """jsonschema-rs says valid/invalid without importing the Python jsonschema (a one-file run's start-up);
    the Python validator explains a failure."""
    try:
        import jsonschema_rs

        return jsonschema_rs.validator_for(_language_schema()).is_valid
    except ImportError:  # pragma: no cover - optional speed-up
        return lambda _data: False


@cache
def _tables(directory: str) -> dict[str, dict[str, Any]]:
    import yaml

    tables: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(directory, "tables").glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
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
    errors = [] if _fast_check()(data) else sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        import jsonschema

        err = jsonschema.exceptions.best_match(errors)
        loc = "/".join(str(p) for p in err.absolute_path)
        raise SpecError(
            f"{loc or 'top level'}: {err.message}", file=file, line=_line_at(annotated, list(err.absolute_path))
        )
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
                Rule(
                    op=op,
                    args=_strip(args),
                    file=file,
                    line=line,
                    index=i,
                    paths=tuple(compiled),
                    rules=sub,
                    table=table,
                )
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
        id=data["id"],
        source=source,
        target=target,
        summary=data["summary"],
        rules=rules,
        file=file,
        notes=data.get("notes", ""),
        raw=data,
    )


@cache
def load_mappings(directory: str | None = None) -> tuple[Mapping, ...]:
    """Every edge file (``*__*.yaml``) in the mappings directory, sorted by id."""
    return tuple(ref.load() for ref in edge_index(directory))


@cache
def load_support(name: str, directory: str | None = None) -> Mapping:
    """A non-edge mapping file (``repairs.yaml``, run before the first edge of any plan)."""
    from ..resources import mappings_dir

    root = Path(directory) if directory else mappings_dir()
    return load_mapping(root / name)


@dataclass(frozen=True)
class EdgeRef:
    """An edge of the graph known from its file name alone; the mapping is loaded (and checked) on first use,
    so a one-file conversion reads only the files on its plan."""

    id: str
    source: Format
    target: Format
    file: str

    def load(self) -> Mapping:
        mapping = _load_file(self.file)
        if (mapping.source, mapping.target, mapping.id) != (self.source, self.target, self.id):
            raise SpecError(
                f"the file name says {self.source} -> {self.target} ({self.id}) but the file says "
                f"{mapping.source} -> {mapping.target} ({mapping.id})",
                file=self.file,
            )
        return mapping

    def __getattr__(self, name: str) -> Any:  # summary, rules, notes...: from the loaded mapping
        return getattr(self.load(), name)


@cache
def _load_file(file: str) -> Mapping:
    return load_mapping(Path(file))


def _format_of(text: str, file: Path) -> Format:
    family, sep, version = text.rpartition("_")
    if not sep:
        raise SpecError(
            f"edge file names are <family>_<version>__<family>_<version>.yaml, not {file.name}", file=str(file)
        )
    try:
        return Format.parse(f"{family}@{version}")
    except Exception as e:
        raise SpecError(getattr(e, "message", str(e)), file=str(file)) from None


@cache
def edge_index(directory: str | None = None) -> tuple[EdgeRef, ...]:
    """Every edge file (``<family>_<version>__<family>_<version>.yaml``), read by name only."""
    from ..resources import mappings_dir

    root = Path(directory) if directory else mappings_dir()
    refs = []
    for p in sorted(root.glob("*__*.yaml")):
        left, _, right = p.stem.partition("__")
        refs.append(EdgeRef(id=p.stem, source=_format_of(left, p), target=_format_of(right, p), file=str(p)))
    return tuple(refs)
