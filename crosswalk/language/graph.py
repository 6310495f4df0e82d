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
        nodes = set(self.edges)
        for out in self.edges.values():
            nodes.update(e.target for e in out)
        return sorted(nodes)

    def reachable(self, source: Format) -> list[Format]:
        seen = {source}
        queue = deque([source])
        while queue:
            for e in self.edges.get(queue.popleft(), []):
                if e.target not in seen:
                    seen.add(e.target)
                    queue.append(e.target)
        return sorted(seen - {source})

    def plan(self, source: Format, target: Format) -> list[Edge]:
        """Shortest path (fewest steps) from ``source`` to ``target``; [] when they are equal."""
        if source == target:
            return []
        prev: dict[Format, Edge] = {}
        queue = deque([source])
        seen = {source}
        while queue:
            node = queue.popleft()
            for e in self.edges.get(node, []):
                if e.target in seen:
                    continue
                seen.add(e.target)
                prev[e.target] = e
                if e.target == target:
                    path = [e]
                    while path[0].source != source:
                        path.insert(0, prev[path[0].source])
                    return path
                queue.append(e.target)
        reach = ", ".join(str(f) for f in self.reachable(source)) or "nothing"
        raise PlanError(f"no migration path from {source} to {target} (reachable: {reach})")
