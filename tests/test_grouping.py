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


def _report(fields: list[dict], *, valid: bool = True, validated: bool = True) -> dict:
    return {"source": {"href": "a.json", "format": "ml-model@1.0.0"}, "target": {"format": "mlm@1.5.2"},
            "steps": ["ml-model@1.0.0 -> mlm@1.5.2"], "fields": fields, "valid": valid, "validated": validated,
            "issues": [], "summary": {"kept": 1, "moved": 1}}


def test_the_markdown_report_says_when_nothing_was_validated() -> None:
    from crosswalk.engine.report import render

    fields = [{"path": "", "status": "kept"}]
    assert "Valid: **yes**." in render(_report(fields), "markdown")
    assert "Valid: **no**." in render(_report(fields, valid=False), "markdown")
    unchecked = render(_report(fields, validated=False), "markdown")  # valid is true then: nothing was checked
    assert "Valid: **not validated** (--no-validate)." in unchecked and "yes" not in unchecked


def test_a_pipe_in_a_path_stays_inside_its_markdown_cell() -> None:
    import re

    from crosswalk.engine.report import render

    fields = [{"path": "/assets/m|x/href", "status": "moved", "to": ["/assets/a|b"], "step": "s", "reason": "x | y"}]
    for verbose in (False, True):
        row = next(line for line in render(_report(fields), "markdown", verbose).splitlines() if "m" in line
                   and line.startswith("| moved"))
        assert len(re.findall(r"(?<!\\)\|", row)) == 5, row  # four cells: the pipes of the data are escaped
        assert "`/assets/m\\|x/href`" in row and "`/assets/a\\|b`" in row and "x \\| y" in row
