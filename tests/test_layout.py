"""The package's shape: no import circles, and layers that only import downwards.

Read from the import graph of the installed package (grimp), every import counted: module-level ones and the
ones inside functions (which the one-file path uses to stay light), since a circle of lazy imports is still a
circle. Imports under ``if TYPE_CHECKING:`` are left out: they never run. A failure prints each offending chain,
hop by hop, with the line that makes the hop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import grimp
import pytest

PACKAGE = "crosswalk"

# (importer, what it must never import, directly or through other modules)
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("crosswalk.language", ("crosswalk.bulk", "crosswalk.cli", "crosswalk.study")),
    ("crosswalk.engine", ("crosswalk.bulk", "crosswalk.cli", "crosswalk.study")),
    (
        "crosswalk.transforms",
        ("crosswalk.bulk", "crosswalk.cli", "crosswalk.study", "crosswalk.pipeline", "crosswalk.api"),
    ),
    ("crosswalk.io", ("crosswalk.engine", "crosswalk.transforms", "crosswalk.bulk", "crosswalk.cli")),
]
ENGINE = "crosswalk.engine"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(PACKAGE, cache_dir=None, exclude_type_checking_imports=True)


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _edges(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    """Direct imports, minus a package's ``__init__`` importing its own submodules (what a package is for)."""
    return {m: {n for n in graph.find_modules_directly_imported_by(m) if not _inside(n, m)} for m in graph.modules}


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _loop(edges: dict[str, set[str]], component: Sequence[str]) -> list[str]:
    """One shortest circle through the component's first module: a -> ... -> a."""
    start, members = component[0], set(component)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(edges[node] & members):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if child not in came_from:
                    came_from[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"{component} is not a circle")


def _explain(graph: grimp.ImportGraph, chain: Sequence[str]) -> str:
    """A chain of imports, one hop a line, each with the line that makes it."""
    hops = []
    for importer, imported in zip(chain, chain[1:], strict=False):
        details = graph.get_import_details(importer=importer, imported=imported)
        where = "; ".join(f"line {d['line_number']}: {d['line_contents']}" for d in details[:2]) or "?"
        hops.append(f"  {importer} -> {imported}  ({where})")
    return "\n".join(hops)


def _circle_report(graph: grimp.ImportGraph, edges: dict[str, set[str]], circles: Iterable[list[str]]) -> str:
    return "\n".join(
        f"circle of {len(c)} modules ({', '.join(c)}), for instance:\n{_explain(graph, _loop(edges, c))}"
        for c in circles
    )


def _touches_engine(component: Sequence[str]) -> bool:
    return any(_inside(m, ENGINE) for m in component)


def test_no_import_circles_outside_the_engine(graph):
    edges = _edges(graph)
    circles = [c for c in _circles(edges) if not _touches_engine(c)]
    assert not circles, "import circles:\n" + _circle_report(graph, edges, circles)


def test_no_import_circles_through_the_engine(graph):
    edges = _edges(graph)
    circles = [c for c in _circles(edges) if _touches_engine(c)]
    assert not circles, "import circles:\n" + _circle_report(graph, edges, circles)


def test_the_circle_finder_finds_a_circle_and_only_circles():
    """The finder on a made-up graph: a -> b -> c -> a is one circle, d -> a and c -> e are not in it."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "e"}, "d": {"a"}, "e": set(), "f": {"f2"}, "f2": {"f"}}
    assert sorted(_circles(edges)) == [["a", "b", "c"], ["f", "f2"]]
    assert _loop(edges, ["a", "b", "c"]) == ["a", "b", "c", "a"]


@pytest.mark.parametrize(("importer", "forbidden"), LAYERS, ids=[layer for layer, _ in LAYERS])
def test_a_layer_never_imports_the_layers_above_it(graph, importer, forbidden):
    problems = []
    for above in forbidden:
        for chain in sorted(graph.find_shortest_chains(importer=importer, imported=above, as_packages=True)):
            problems.append(f"{importer} imports {above}:\n{_explain(graph, chain)}")
    assert not problems, "\n".join(problems)


def test_nothing_but_the_cli_imports_the_cli(graph):
    """The command line is the top: it may import anything, and nothing imports it (the README's CLI reference
    is rendered by `crosswalk.cli.reference`, inside it)."""
    cli = "crosswalk.cli"
    problems = [
        _explain(graph, (importer, module))
        for module in sorted(m for m in graph.modules if _inside(m, cli))
        for importer in sorted(graph.find_modules_that_directly_import(module))
        if not _inside(importer, cli)
    ]
    assert not problems, "imports of the CLI from outside it:\n" + "\n".join(problems)


def test_the_graph_is_the_whole_package(graph):
    """The checks above see every layer they speak of (a renamed package would make them pass vacuously)."""
    for layer in ("crosswalk.cli", "crosswalk.bulk", "crosswalk.study", "crosswalk.pipeline", "crosswalk.api"):
        assert layer in graph.modules
    for layer, forbidden in LAYERS:
        assert layer in graph.modules and all(f in graph.modules for f in forbidden)
    assert graph.find_modules_directly_imported_by("crosswalk.cli.main")  # lazy imports are counted
