"""Loaded mappings as a run uses them: built once per process, and kept on disk between runs by
`crosswalk.cache` (keyed by the mapping file, every file of its directory and the code), so a run starts without
parsing YAML, checking the mapping language or compiling jsonpath expressions."""

from __future__ import annotations

import os
from typing import Any

from crosswalk import cache
from crosswalk.language import spec
from crosswalk.resources import mappings_path


def mapping(edge_or_name: Any) -> Any:
    """A loaded mapping: an edge of the version graph (anything with ``file``, ``id`` and ``load()``), a
    support file's name (``repairs.yaml``) in the mappings directory, or the id of a group of invariants in the
    format registry (``mlm_1.4.invariants``)."""
    # a step file holds two edges (up and down): the edge id is part of the name
    named = isinstance(edge_or_name, str)
    name = ("mapping", edge_or_name) if named else ("mapping", edge_or_name.file, edge_or_name.id)
    return cache.once(name, lambda: _load(edge_or_name, name[-1]))


def _load(edge_or_name: Any, key: str) -> Any:
    if not isinstance(edge_or_name, str):
        file, build = edge_or_name.file, edge_or_name.load
    elif edge_or_name.endswith(".yaml"):  # a support file
        file, build = os.path.join(mappings_path(), edge_or_name), lambda: spec.load_support(edge_or_name)
    else:  # a group of the registry's invariants
        file, build = os.path.join(mappings_path(), "formats.yaml"), lambda: spec.load_invariants(edge_or_name)
    # whatever the loader reads besides the mapping file (value tables, formats.yaml) is in the key; so is the
    # mapping's name, as several can live in one file (a step file's two sides, the registry's invariant groups)
    salt = cache.directory_digest(os.path.dirname(file)) + repr((key,)).encode()
    return cache.cached("mapping", [file], build, salt=salt)
