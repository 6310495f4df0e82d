"""Loading mapping files: YAML with line numbers, checked against the mapping language's JSON Schema, then
compiled (jsonpath expressions parsed once, transforms and value tables resolved)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from crosswalk.errors import SpecError
from crosswalk.language.formats import Format, registry
from crosswalk.resources import mapping_schema, mappings_path, value_tables

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

LINE = "__line__"
ANY = Format("stac", "any")  # the source and target of a support file (core repairs), not an edge of the graph


class Located:
    file: str
    id: str

    @property
    def location(self) -> str:
        """The file and, for a step file, the side of it: ``mlm_1.4.0__mlm_1.5.0.yaml (down)``."""
        name = os.path.basename(self.file)  # a support file: its name alone
        return name if "__" not in name else f"{name} ({'up' if os.path.splitext(name)[0] == self.id else 'down'})"


@dataclass(frozen=True)
class Rule:
    op: str
    args: dict[str, Any]
    file: str
    line: int
    index: int
    paths: tuple[Any, ...] = ()  # jsonpath expressions (JsonPath)
    rules: tuple[Rule, ...] = ()  # sub-rules of `each`
    table: dict[str, Any] | None = None
    parsed: dict[str, Any] = field(default_factory=dict, compare=False)  # the op's pre-parsed arguments
    # looked up once for `run_rules`, which runs every rule on every document: its `when` guard (Guard, from
    # `parsed`) and its op's `run`
    guard: Any = field(default=None, compare=False, repr=False)
    run: Any = field(default=None, compare=False, repr=False)
    # the member names (jsonpath_steps.first_names) the value it works on must have one of for its paths to find
    # anything: without one, a rule with paths does nothing, and `run_rules` passes it by with a dict look-up
    gate: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def where(self) -> str:
        return f"{os.path.basename(self.file)}:{self.line} #{self.index} {self.op}"


@dataclass(frozen=True)
class Mapping(Located):
    id: str
    source: Format
    target: Format
    summary: str
    rules: tuple[Rule, ...]
    file: str
    notes: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@cache
def _line_loader() -> Any:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 10x faster start-up

    def construct_mapping(loader, node, deep=False):
        mapping = _Lines(base.construct_mapping(loader, node, deep=True))
        mapping[LINE] = node.start_mark.line + 1
        mapping.key_lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
        return mapping

    loader = type("LineLoader", (base,), {})
    loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return loader


def _strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k != LINE}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


class _Lines(dict):
    """A YAML object with the line of each of its keys (an error about a plain value names that value's line)."""

    key_lines: dict[Any, int]


def _line_at(annotated: dict[str, Any], path: list[Any]) -> int:
    """The line of the innermost key or object on ``path``: a path into the same YAML, stripped (every object has
    a line)."""
    line, node = annotated[LINE], annotated
    for key in path:
        line = node.key_lines.get(key, line) if isinstance(node, _Lines) else line
        node = node[key]
        line = node[LINE] if isinstance(node, dict) else line
    return line


@cache
def _fast_check():
    """jsonschema-rs says valid/invalid without importing the Python jsonschema (a one-file run's start-up);
    the Python validator explains a failure."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(mapping_schema()).is_valid


def _annotated(path: str | Path) -> Any:
    """The file's YAML, each object annotated with its line number (``LINE``)."""
    import yaml

    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return yaml.load(text, Loader=_line_loader())  # noqa: S506 (SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        message = " ".join(str(getattr(e, "problem", None) or e).split())
        raise SpecError(f"invalid YAML: {message}", file=str(path), line=mark.line + 1 if mark else None) from None


def _read_checked(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The file's YAML (annotated with line numbers, and plain), checked against the mapping language."""
    file = str(path)
    annotated = _annotated(path)
    if not isinstance(annotated, dict):
        raise SpecError("a mapping file must be a YAML object", file=file)
    data = _strip(annotated)
    if not _fast_check()(data):
        import jsonschema

        errors = jsonschema.Draft7Validator(mapping_schema()).iter_errors(data)
        err = jsonschema.exceptions.best_match(sorted(errors, key=lambda e: list(e.absolute_path)))
        if err is not None:
            loc = "/".join(str(p) for p in err.absolute_path) or "top level"
            raise SpecError(f"{loc}: {err.message}", file=file, line=_line_at(annotated, list(err.absolute_path)))
    return annotated, data


def checked(prefix: str, file: str, line: int | None, read: Any, *args: Any) -> Any:
    """``read(*args)``; whatever it raises (a jsonpath, pointer, regex or format it cannot read) as a SpecError."""
    try:
        return read(*args)
    except Exception as e:  # jsonpath-ng raises its own errors, and bare Exception
        raise SpecError(f"{prefix}{getattr(e, 'message', e)}", file=file, line=line) from None


def _compile_rules(items: list[dict[str, Any]], file: str, tables: dict[str, dict[str, Any]],
                   including: tuple[str, ...] = ()) -> tuple[Rule, ...]:
    from crosswalk import transforms
    from crosswalk.engine.ops import OPS, as_list
    from crosswalk.language.jsonpath_steps import JsonPath, first_names

    out: list[Rule] = []
    for i, item in enumerate(items):
        op = next(k for k in item if k != LINE)
        args, line = item[op], item.get(LINE, 0)
        if op == "include":  # no op: the rules of another file, in its place
            out += _included(args, file, line, tables, (*including, os.path.abspath(file)))
            continue
        compiled = tuple(checked(f"rule {i} {op}: bad jsonpath {text!r}: ", file, line, JsonPath.compile, text)
                         for text in (as_list(args.get("path")) if OPS[op].has_paths else ()))
        table = args.get("table")  # map_values: a value table's name, or the table itself
        if isinstance(table, str):
            if table not in tables:
                raise SpecError(f"rule {i} map_values: unknown table {table!r}", file=file, line=line)
            table = tables[table]
        elif table is not None:
            table = {str(k): v for k, v in _strip(table).items()}
        if op == "transform" and args["name"] not in transforms.REGISTRY:
            import difflib

            near = difflib.get_close_matches(args["name"], transforms.REGISTRY, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise SpecError(f"rule {i}: unknown transform {args['name']!r}{hint}", file=file, line=line)
        sub = _compile_rules(args["rules"], file, tables, including) if op == "each" else ()
        plain = _strip(args)
        if op == "extensions":
            plain = checked("extensions: ", file, line, _uri_swap, plain, registry().families)
        parsed = checked(f"rule {i} {op}: ", file, line, OPS[op].compile, plain)  # a pointer or regex it cannot read
        out.append(Rule(op=op, args=plain, file=file, line=line, index=i, paths=compiled, rules=sub, table=table,
                        parsed=parsed, guard=parsed.get("when"), run=OPS[op].run, gate=first_names(compiled)))
    return tuple(out)


def _included(name: str, file: str, line: int, tables: dict[str, dict[str, Any]],
              including: tuple[str, ...]) -> tuple[Rule, ...]:
    """``include: <file>``: the rules of a support file beside ``file`` (``rules:``, source and target
    ``stac@any``), compiled as that file's own, each naming its own file and line. What several steps share is
    written once; the guide, the engine and the study see the rules as if written where the include stands."""
    path = os.path.join(os.path.dirname(file), name)
    if os.path.abspath(path) in including:
        raise SpecError(f"include {name!r}: that file is already being included (a cycle)", file=file, line=line)
    if not os.path.isfile(path):
        raise SpecError(f"include {name!r}: no such mapping file beside this one", file=file, line=line)
    annotated, data = _read_checked(path)
    if "rules" not in data or data["source"] != str(ANY):
        raise SpecError(f"include {name!r}: not a file of shared rules (a `rules:` list, source and target {ANY})",
                        file=file, line=line)
    return _compile_rules(annotated["rules"], path, tables, including)


def _uri_swap(args: dict[str, Any], families: dict[str, Any]) -> dict[str, Any]:
    """``remove_format``/``add_format`` of an ``extensions`` rule, spelled out from the format registry: every URI
    spelling of a version (``mlm@1.4.0``) or of any version of a family (``mlm``) removed, the version's URI added."""
    out = dict(args)  # the format names stay: the guide names the versions, not their regexes
    if "remove_format" in args:
        family, _, version = args["remove_format"].partition("@")
        if version:
            Format.parse(args["remove_format"])
        out["remove"] = [*args.get("remove", []), *families[family].uri_regexes(version or None)]
    if "add_format" in args:
        fmt = Format.parse(args["add_format"])
        out["add"] = [*args.get("add", []), families[fmt.family].uri(fmt.version)]
    return out


def step_ids(step_id: str) -> tuple[str, str]:
    """The edge ids of a step file ``A__B``: ``A__B`` up, ``B__A`` down."""
    left, _, right = step_id.partition("__")
    return step_id, f"{right}__{left}"


def load_mapping(path: str | Path, direction: str = "up") -> Mapping:
    """Load and check one mapping file; every problem is a SpecError naming the file and line.

    A step file (``up:`` and ``down:``) holds two edges: ``direction`` says which one; a support file (``rules:``)
    holds one."""
    file = os.fspath(path)
    annotated, data = _read_checked(path)
    tables = value_tables(os.path.dirname(file) or ".")
    if data["source"] == str(ANY):
        source = target = ANY
    else:
        source, target = (checked("", file, _line_at(annotated, [k]), Format.parse, data[k])
                          for k in ("source", "target"))
    step = "rules" not in data  # a step file (`up:` and `down:`), or a support file (`rules:`)
    side, annotated_side = (data[direction], annotated[direction]) if step else (data, annotated)
    if "none" in side:
        raise SpecError(f"this step has no way {direction}: {side['none']}", file=file, line=annotated_side[LINE])
    edge_id = data["id"]
    if step and direction == "down":
        edge_id, source, target = step_ids(edge_id)[1], target, source
    rules = _compile_rules(annotated_side["rules"], file, tables)
    if step and direction == "up" and source.family == target.family:
        written = [(s.op, s.args) for s in rules]  # an invariant the step already states is not run twice
        rules += tuple(r for r in _step_invariants(target, tables) if (r.op, r.args) not in written)
    return Mapping(id=edge_id, source=source, target=target, summary=side["summary"], rules=rules, file=file,
                   notes=side.get("notes", ""), raw=data)


@cache
def _registry_annotated() -> tuple[str, dict[str, Any]]:
    """formats.yaml with line numbers: the rules it holds (each version's invariants) are compiled from it."""
    path = os.path.join(mappings_path(), "formats.yaml")
    return path, _annotated(path)


def _step_invariants(target: Format, tables: dict[str, dict[str, Any]]) -> tuple[Rule, ...]:
    """The rules an upgrade step inside a family ends with: the registry's ``step_invariants`` of the version it
    lands on, so a document entering the chain at any version is repaired too (each is a no-op where it holds)."""
    chosen = registry().families[target.family].step_invariants_for(target.version)
    if not chosen:
        return ()
    file, annotated = _registry_annotated()
    items = annotated["families"][target.family]["step_invariants"]
    return _compile_rules([items[i]["rule"] for i in chosen], file, tables)


def load_invariants(group_id: str) -> Mapping:
    """One group of a version's invariants from the format registry (``mlm_1.4.invariants``), run at the end of
    every plan landing on that version or a later one."""
    file, annotated = _registry_annotated()
    for family in annotated["families"].values():
        for group in family.get("invariants") or () if isinstance(family, dict) else ():  # not the LINE number
            if group["id"] == group_id:
                rules = _compile_rules(group["rules"], file, value_tables(os.path.dirname(file)))
                return Mapping(id=group_id, source=ANY, target=ANY, summary=group["summary"], rules=rules, file=file)
    raise SpecError(f"no invariants {group_id!r} in the format registry", file=file)


@cache
def load_support(name: str, directory: str | None = None) -> Mapping:
    """A non-edge mapping file (``repairs.yaml``, run before the first edge of any plan)."""
    return load_mapping(os.path.join(directory or mappings_path(), name))

