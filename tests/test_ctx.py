"""Ctx, the only way a rule changes a document: each edit changes the document and says so in the report.

Expected entries are written from the report contract (a source path, its status, where its value went, why), one
small document per edit; they are not copied from a run.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from crosswalk.engine.ctx import Ctx
from crosswalk.engine.ledger import Ledger
from crosswalk.engine.report import accounting_problems

DOC = {"a": 1, "b": {"c": 2, "d": [10, 20, 30]}}


def ctx_for(doc: dict[str, Any] = DOC, **kwargs: Any) -> tuple[Ctx, dict[str, Any]]:
    source = copy.deepcopy(doc)
    work = copy.deepcopy(doc)
    ctx = Ctx(work, Ledger(source), **kwargs)
    ctx.step = "test_step"
    return ctx, source


def report(ctx: Ctx, source: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The entries by path, after checking that they account for every source and output leaf."""
    entries = ctx._ledger.entries()
    assert accounting_problems(source, ctx.doc, entries, verify=True) == []
    return {e["path"]: e for e in entries}


def test_untouched_document_is_one_kept_entry():
    ctx, source = ctx_for()
    assert report(ctx, source) == {"": {"path": "", "status": "kept"}}


def test_move_reports_the_source_moved_to_its_new_place():
    ctx, source = ctx_for()
    ctx.move(("a",), ("x",), "renamed")
    assert ctx.doc == {"b": {"c": 2, "d": [10, 20, 30]}, "x": 1}
    entry = report(ctx, source)["/a"]
    assert (entry["status"], entry["to"], entry["reason"], entry["step"]) == ("moved", ["/x"], "renamed", "test_step")


def test_move_of_a_list_element_is_refused():
    ctx, _ = ctx_for()
    with pytest.raises(TypeError):
        ctx.move(("b", "d", "0"), ("x",))


def test_set_on_an_existing_value_is_transformed_in_place():
    ctx, source = ctx_for()
    ctx.set(("b", "c"), 3, "doubled and one")
    assert ctx.doc["b"]["c"] == 3
    entry = report(ctx, source)["/b/c"]
    assert (entry["status"], entry["to"], entry["reason"]) == ("transformed", ["/b/c"], "doubled and one")


def test_set_on_a_missing_value_is_invented():
    ctx, source = ctx_for()
    ctx.set(("e",), "new", "required by the target")
    entry = report(ctx, source)["/e"]
    assert (entry["status"], entry["reason"]) == ("invented", "required by the target")
    assert "to" not in entry


def test_invent_takes_the_users_fill_value_and_says_filled():
    ctx, source = ctx_for(fill={"/e": "from the user"})
    ctx.invent(("e",), "placeholder", "required by the target")
    assert ctx.doc["e"] == "from the user"
    entry = report(ctx, source)["/e"]
    assert entry["status"] == "filled" and "placeholder" not in str(ctx.doc)


def test_remove_reports_dropped_with_its_reason():
    ctx, source = ctx_for()
    ctx.remove(("a",), "no target field")
    assert "a" not in ctx.doc
    entry = report(ctx, source)["/a"]
    assert (entry["status"], entry["reason"]) == ("dropped", "no target field")
    assert not entry.get("to")


def test_remove_of_a_list_element_shifts_the_later_ones():
    ctx, source = ctx_for()
    ctx.remove(("b", "d", "0"), "first element unwanted")
    assert ctx.doc["b"]["d"] == [20, 30]
    entries = report(ctx, source)
    assert entries["/b/d/0"]["status"] == "dropped"
    # 20 and 30 are still there, one place down: their entries must point where they now are
    assert entries["/b/d/1"]["to"] == ["/b/d/0"] and entries["/b/d/2"]["to"] == ["/b/d/1"]


def test_remove_as_repair_is_reported_repaired():
    ctx, source = ctx_for({"a": None, "b": 1})
    ctx.remove(("a",), "null where the schema wants nothing", status="repaired")
    assert report(ctx, source)["/a"]["status"] == "repaired"


def test_copy_leaves_the_source_and_reports_both_places():
    ctx, source = ctx_for()
    ctx.copy(("b", "c"), ("x",), "also needed here")
    assert ctx.doc["x"] == 2 and ctx.doc["b"]["c"] == 2
    entry = report(ctx, source)["/b/c"]
    assert sorted(entry["to"]) == ["/b/c", "/x"]


def test_a_lossy_copy_is_reported_lossy():
    ctx, source = ctx_for()
    ctx.copy(("a",), ("x",), "means less there", status="lossy")
    assert report(ctx, source)["/a"]["status"] == "lossy"


def test_replace_list_follows_each_element():
    ctx, source = ctx_for()
    ctx.replace_list(("b", "d"), [30, 10], {0: 1, 1: None, 2: 0}, "reordered, 20 dropped")
    entries = report(ctx, source)
    assert entries["/b/d/0"]["to"] == ["/b/d/1"]
    assert entries["/b/d/2"]["to"] == ["/b/d/0"]
    assert entries["/b/d/1"]["status"] == "dropped"


def test_an_edit_below_a_moved_value_keeps_its_origin():
    """The ledger sees origins recorded on ancestors: a leaf inside a moved object, edited later, is reported from
    its source place (not invented at the new one)."""
    ctx, source = ctx_for()
    ctx.move(("b",), ("x",), "renamed")
    ctx.set(("x", "c"), 4, "rescaled")
    entries = report(ctx, source)
    assert entries["/b/c"]["status"] == "transformed" and entries["/b/c"]["to"] == ["/x/c"]
    assert "/x/c" not in entries


def test_account_of_a_transforms_own_rewrite():
    """A transform that rebuilt a value itself (read with get, written with put) says where each part went."""
    ctx, source = ctx_for()
    value = ctx.get(("b", "c"))
    ctx.put(("total",), value + ctx.get(("a",)))
    ctx.remove(("a",), "folded into total")
    ctx.transformed([("b", "c")], [("b", "c"), ("total",)], "kept, and summed into total")
    entries = report(ctx, source)
    assert entries["/b/c"]["status"] == "transformed" and sorted(entries["/b/c"]["to"]) == ["/b/c", "/total"]


def test_an_output_leaf_no_account_covers_is_caught():
    """The check the tests run (--verify): a value written with put and never accounted for is a problem."""
    ctx, source = ctx_for()
    ctx.put(("stray",), 1)
    problems = accounting_problems(source, ctx.doc, ctx._ledger.entries(), verify=True)
    assert problems == ["output leaf /stray is not accounted for"]


def test_the_source_document_is_never_touched():
    ctx, source = ctx_for()
    before = copy.deepcopy(source)
    ctx.move(("a",), ("x",))
    ctx.set(("b", "c"), 9, "changed")
    ctx.remove(("b", "d", "1"), "gone")
    report(ctx, source)
    assert source == before


def test_verify_finds_a_value_changed_under_a_moved_or_kept_entry() -> None:
    from crosswalk.engine.report import ledger_problems

    source = {"a": 1, "b": {"c": "x"}}
    output = {"z": 1.0, "b": {"c": "x"}, "y": "x"}
    fields = [{"path": "/a", "status": "moved", "to": ["/z"]},  # 1 became 1.0: not the same JSON value
              {"path": "/b/c", "status": "kept", "to": ["/b/c", "/y"]}]
    problems = ledger_problems(source, output, fields)
    assert problems == ["source leaf /a is reported moved to /z, which holds another value"]
    output["z"] = 1
    assert ledger_problems(source, output, fields) == []
