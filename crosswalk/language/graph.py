"""The version graph: formats are nodes, mapping files are edges (alembic's RevisionMap, pure and lazy).

Nothing here reads files; it is built from any iterable of edges: objects with ``source``, ``target`` and ``id``."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from crosswalk.errors import PlanError
from crosswalk.language.formats import Format


class VersionGraph:
    def __init__(self, edges: Iterable[Any]) -> None:
        self.edges: dict[Format, list[Any]] = {}
        for e in edges:
            out = self.edges.setdefault(e.source, [])
            if (twin := next((o for o in out if o.target == e.target), None)) is not None:
                raise PlanError(f"two mappings for the same edge {e.source} -> {e.target}: {twin.id}, {e.id}")
            out.append(e)
        for out in self.edges.values():
            out.sort(key=lambda e: e.id)  # deterministic plans

    def nodes(self) -> list[Format]:
        return sorted({*self.edges, *(e.target for out in self.edges.values() for e in out)})

    def _first_edges(self, source: Format) -> dict[Format, Any]:
        """Breadth first from ``source``: every format it reaches, with the edge that reaches it first (so that
        following them back gives a path of the fewest steps)."""
        first: dict[Format, Any] = {}
        queue = deque([source])
        while queue:
            for e in self.edges.get(queue.popleft(), []):
                if e.target != source and e.target not in first:
                    first[e.target] = e
                    queue.append(e.target)
        return first

    def reachable(self, source: Format) -> list[Format]:
        return sorted(self._first_edges(source))

    def plan(self, source: Format, target: Format) -> list[Any]:
        """Shortest path (fewest steps) from ``source`` to ``target``; [] when they are equal."""
        if source == target:
            return []
        first = self._first_edges(source)
        if target not in first:
            reach = ", ".join(str(f) for f in sorted(first)) or "nothing"
            raise PlanError(f"no migration path from {source} to {target} (reachable: {reach})")
        path = [first[target]]
        while path[0].source != source:
            path.insert(0, first[path[0].source])
        return path
