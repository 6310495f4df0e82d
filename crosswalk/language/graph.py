"""The version graph: formats are nodes, mapping files are edges (alembic's RevisionMap, pure and lazy).

Nothing here reads files; it is built from any iterable of objects with ``source``, ``target`` and ``id``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Protocol

from crosswalk.errors import PlanError
from crosswalk.language.formats import Format


class Edge(Protocol):
    id: str
    source: Format
    target: Format


class VersionGraph:
    def __init__(self, edges: Iterable[Edge]) -> None:
        self.edges: dict[Format, list[Edge]] = {}
        seen: dict[tuple[Format, Format], str] = {}
        for e in edges:
            key = (e.source, e.target)
            if key in seen:
                raise PlanError(f"two mappings for the same edge {e.source} -> {e.target}: {seen[key]}, {e.id}")
            seen[key] = e.id
            self.edges.setdefault(e.source, []).append(e)
        for out in self.edges.values():
            out.sort(key=lambda e: e.id)  # deterministic plans

    def nodes(self) -> list[Format]:
        return sorted({*self.edges, *(e.target for out in self.edges.values() for e in out)})

    def _first_edges(self, source: Format) -> dict[Format, Edge]:
        """Breadth first from ``source``: every format it reaches, with the edge that reaches it first (so that
        following them back gives a path of the fewest steps)."""
        first: dict[Format, Edge] = {}
        queue = deque([source])
        while queue:
            for e in self.edges.get(queue.popleft(), []):
                if e.target != source and e.target not in first:
                    first[e.target] = e
                    queue.append(e.target)
        return first

    def reachable(self, source: Format) -> list[Format]:
        return sorted(self._first_edges(source))

    def plan(self, source: Format, target: Format) -> list[Edge]:
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
