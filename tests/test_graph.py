"""crosswalk.language.graph.VersionGraph over inline fake edges (no mapping files involved)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from crosswalk.errors import PlanError
from crosswalk.language.formats import Format
from crosswalk.language.graph import VersionGraph


@dataclass(frozen=True)
class Edge:
    id: str
    source: Format
    target: Format


def F(text: str) -> Format:
    family, _, version = text.partition("@")
    return Format(family, version)


def E(src: str, dst: str, id: str | None = None) -> Edge:
    return Edge(id or f"{src}__{dst}", F(src), F(dst))


CHAIN = [E("a@1", "a@2"), E("a@2", "a@3"), E("a@3", "a@4"), E("old@1", "a@3")]


def ids(edges) -> list[str]:
    return [e.id for e in edges]


def test_shortest_path_follows_the_chain():
    g = VersionGraph(CHAIN)
    assert ids(g.plan(F("a@1"), F("a@4"))) == ["a@1__a@2", "a@2__a@3", "a@3__a@4"]


def test_shortest_path_prefers_fewer_steps():
    g = VersionGraph(CHAIN + [E("a@1", "a@4", "shortcut")])
    assert ids(g.plan(F("a@1"), F("a@4"))) == ["shortcut"]


def test_side_entry_joins_the_chain():
    g = VersionGraph(CHAIN)
    assert ids(g.plan(F("old@1"), F("a@4"))) == ["old@1__a@3", "a@3__a@4"]


def test_same_source_and_target_is_an_empty_plan():
    assert VersionGraph(CHAIN).plan(F("a@2"), F("a@2")) == []


def test_same_node_not_in_the_graph_is_still_an_empty_plan():
    assert VersionGraph([]).plan(F("z@1"), F("z@1")) == []


def test_no_path_names_the_reachable_formats():
    g = VersionGraph(CHAIN)
    with pytest.raises(PlanError) as err:
        g.plan(F("a@2"), F("old@1"))
    msg = str(err.value)
    assert "a@2" in msg and "old@1" in msg
    assert "reachable: a@3, a@4" in msg


def test_no_path_from_a_dead_end_says_nothing_is_reachable():
    with pytest.raises(PlanError, match="reachable: nothing"):
        VersionGraph(CHAIN).plan(F("a@4"), F("a@1"))


def test_duplicate_edge_is_an_error_naming_both_mappings():
    with pytest.raises(PlanError) as err:
        VersionGraph([E("a@1", "a@2", "first"), E("a@1", "a@2", "second")])
    assert "first" in str(err.value) and "second" in str(err.value)


def test_equal_length_paths_are_chosen_deterministically_by_id():
    diamond = [E("a@1", "b@1", "z-via-b"), E("a@1", "c@1", "a-via-c"), E("b@1", "d@1", "b-d"), E("c@1", "d@1", "c-d")]
    expected = ["a-via-c", "c-d"]
    assert ids(VersionGraph(diamond).plan(F("a@1"), F("d@1"))) == expected
    assert ids(VersionGraph(reversed(diamond)).plan(F("a@1"), F("d@1"))) == expected


def test_nodes_and_reachable():
    g = VersionGraph(CHAIN)
    assert g.nodes() == sorted({F("a@1"), F("a@2"), F("a@3"), F("a@4"), F("old@1")})
    assert g.reachable(F("old@1")) == [F("a@3"), F("a@4")]


def test_graph_accepts_any_iterable_once():
    g = VersionGraph(iter(CHAIN))
    assert len(g.plan(F("a@1"), F("a@4"))) == 3


def test_up_and_down_edges_make_cycles_the_search_leaves():
    """Every step file runs both ways: a plan never passes through its own source again."""
    both_ways = CHAIN + [E("a@4", "a@3"), E("a@3", "a@2"), E("a@2", "a@1")]
    g = VersionGraph(both_ways)
    assert g.reachable(F("a@2")) == [F("a@1"), F("a@3"), F("a@4")]
    assert ids(g.plan(F("a@4"), F("a@1"))) == ["a@4__a@3", "a@3__a@2", "a@2__a@1"]
    with pytest.raises(PlanError, match=r"reachable: a@1, a@2, a@3\)"):
        g.plan(F("a@4"), F("old@1"))
