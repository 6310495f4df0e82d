"""Grouping report entries for the text and markdown reports: every entry on exactly one line."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crosswalk.engine.grouping import collapse, group_fields

STATUSES = ["moved", "lossy", "dropped", "kept"]
segment = st.one_of(st.sampled_from(["a", "b", "x/y", "t~"]), st.integers(0, 20).map(str))
pointer = st.lists(segment, min_size=1, max_size=4).map(
    lambda segs: "".join("/" + s.replace("~", "~0").replace("/", "~1") for s in segs)
)
entry = st.fixed_dictionaries(
    {"path": pointer, "status": st.sampled_from(STATUSES), "reason": st.sampled_from(["", "r1", "r2"])},
    optional={"to": st.lists(pointer, max_size=3)},
)


@given(st.lists(entry, max_size=40))
def test_every_entry_is_counted_on_exactly_one_line(entries) -> None:
    groups = group_fields(entries)
    assert sum(g.size for g in groups) == sum(e["status"] != "kept" for e in entries)
    for g in groups:  # a line speaks for entries of its own status and reason only
        assert any(e["status"] == g.status and e.get("reason", "") == g.reason for e in entries)
    assert sum(g.size for g in group_fields(entries, include_kept=True)) == len(entries)


def test_indices_become_ranges_or_lists() -> None:
    assert collapse([f"/a/{i}/b" for i in range(14)]) == ["/a/0…13/b"]
    assert collapse(["/a/0", "/a/2", "/a/5", "/c"]) == ["/a/0,2,5", "/c"]
    assert collapse(["/x~1y/3"]) == ["/x~1y/3"]


def test_a_subtree_and_its_leaves_with_one_fate_are_one_line() -> None:
    entries = [
        {"path": "/links/3", "status": "lossy", "to": ["/assets/c"], "reason": "r"},
        {"path": "/links/3/rel", "status": "lossy", "to": ["/assets/c/roles"], "reason": "r"},
        {"path": "/links/3/type", "status": "lossy", "reason": "other"},
    ]
    groups = group_fields(entries)
    assert [(g.path, g.size, g.targets, g.reason) for g in groups] == [
        ("/links/3", 2, ["/assets/c"], "r"),
        ("/links/3/type", 1, [], "other"),
    ]
