"""The edges of the version graph, known from the step files' names alone (`EdgeRef`, `edge_index`): what a plan is
worked out from. A warm run reads its plan from the cache (`crosswalk.pipeline._stored`) and never imports this
module; the mappings an edge stands for are loaded by `crosswalk.language.spec`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import Any

from crosswalk.errors import SpecError
from crosswalk.language.formats import Format
from crosswalk.language.spec import Located, Mapping, checked, load_mapping, step_ids
from crosswalk.resources import mappings_path, parse_yaml, yaml_files


@dataclass(frozen=True)
class EdgeRef(Located):
    """An edge of the graph known from its file name alone; the mapping is loaded (and checked) on first use,
    so a one-file conversion reads only the files on its plan."""

    id: str
    source: Format
    target: Format
    file: str
    direction: str = "up"  # which side of the step file: "up" (older to newer) or "down"

    def load(self) -> Mapping:
        mapping = _load_file(self.file, self.direction)
        if (mapping.source, mapping.target, mapping.id) != (self.source, self.target, self.id):
            says = f"the file name says {self.source} -> {self.target} ({self.id}) but the file says "
            raise SpecError(says + f"{mapping.source} -> {mapping.target} ({mapping.id})", file=self.file)
        return mapping

    def __getattr__(self, name: str) -> Any:  # summary, rules, notes...: from the loaded mapping
        if name.startswith("__"):  # pickle's and copy's look-ups on an instance whose fields are not set yet
            raise AttributeError(name)
        return getattr(self.load(), name)


@cache
def load_mappings(directory: str | None = None) -> tuple[Mapping, ...]:
    """Every edge of every step file (``*__*.yaml``) in the mappings directory."""
    return tuple(ref.load() for ref in edge_index(directory))


@cache
def _load_file(file: str, direction: str) -> Mapping:
    return load_mapping(file, direction)


def _format_of(text: str, file: str) -> Format:
    family, sep, version = text.rpartition("_")
    if not sep:
        why = f"edge file names are <family>_<version>__<family>_<version>.yaml, not {os.path.basename(file)}"
        raise SpecError(why, file=file)
    return checked("", file, None, Format.parse, f"{family}@{version}")


@cache
def edge_index(directory: str | None = None) -> tuple[EdgeRef, ...]:
    """The edges of every step file (``<family>_<version>__<family>_<version>.yaml``, older first): its ``up``
    edge, and its ``down`` edge unless the file says there is no way back. Only the top-level keys are read here;
    the rules are loaded (and checked) on first use. The list is cached (`crosswalk.cache`) under the bytes of
    the step files and of the format registry (which the file names' formats are parsed against): a warm start
    reads no step file's YAML."""
    from crosswalk.cache import cached

    steps = [p for p in yaml_files(directory or mappings_path()) if "__" in os.path.basename(p)[:-5]]
    return cached("edges", [*steps, os.path.join(mappings_path(), "formats.yaml")], lambda: _edges(steps))


def _edges(steps: list[str]) -> tuple[EdgeRef, ...]:
    refs = []
    for p in steps:
        stem = os.path.basename(p)[:-5]
        older, newer = (_format_of(end, p) for end in stem.split("__", 1))
        refs.append(EdgeRef(id=stem, source=older, target=newer, file=p))
        data = parse_yaml(p)  # its bytes now: what the entry is stored under (load_yaml remembers a first parse)
        down = data.get("down") if isinstance(data, dict) else None
        if not isinstance(down, dict):
            load_mapping(p)  # the language check names the file and line of what is missing
            why = "a step file needs `down:` rules, or `down: {none: <why there is no way back>}`"
            raise SpecError(why, file=p)
        if "none" not in down:
            refs.append(EdgeRef(id=step_ids(stem)[1], source=newer, target=older, file=p, direction="down"))
    return tuple(refs)
