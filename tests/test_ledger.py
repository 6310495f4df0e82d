"""crosswalk.engine.ledger on tiny inline documents: what each event does to the report entries."""

from __future__ import annotations

import copy

from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from crosswalk.engine.ctx import Ctx
from crosswalk.engine.ledger import Ledger
from crosswalk.engine.report import coverage_problems, entry_for, summarize

SRC = {"a": {"b": 1, "c": [1, 2]}, "d": 2}


def source_entry(entries, pointer):
    """The most specific source entry covering ``pointer`` (crosswalk.engine.report.entry_for)."""
    return entry_for(entries, pointer)


def under(entries, pointer):
    return [e for e in entries if e["path"].startswith(pointer + "/")]


def test_untouched_document_is_one_kept_entry_at_root():
    assert Ledger(SRC).entries() == [{"path": "", "status": "kept"}]


def test_relocated_subtree_folds_into_one_moved_entry():
    ledger = Ledger(SRC)
    ledger.relocate(("a",), [("x",)], "moved")
    entries = ledger.entries()
    moved = [e for e in entries if e["status"] == "moved"]
    assert moved == [{"path": "/a", "status": "moved", "to": ["/x"]}]
    assert under(entries, "/a") == []
    assert source_entry(entries, "/d")["status"] == "kept"


def test_the_step_of_an_entry_is_the_step_its_status_comes_from():
    """A value made lossy by one step and only moved by a later one is reported lossy by the first."""
    ledger = Ledger({"a": 1.25})
    ledger.step = "s1"
    ledger.relocate(("a",), [("b",)], "lossy", "rounded")
    ledger.step = "s2"
    ledger.relocate(("b",), [("c",)], "moved")
    assert ledger.entries() == [{"path": "/a", "status": "lossy", "to": ["/c"], "step": "s1", "reason": "rounded"}]
    ledger.step = "s3"
    ledger.relocate(("c",), [("d",)], "dropped", "no place")
    assert ledger.entries()[0]["step"] == "s3"  # a stronger status later: its step


def test_drop_is_reported_with_reason_and_no_to():
    ledger = Ledger(SRC)
    ledger.relocate(("d",), [], "dropped", "no target field")
    e = source_entry(ledger.entries(), "/d")
    assert e == {"path": "/d", "status": "dropped", "reason": "no target field"}
    assert source_entry(ledger.entries(), "/a/b")["status"] == "kept"


def test_copy_keeps_status_and_adds_a_location():
    ledger = Ledger(SRC)
    ledger.copy(("d",), ("e",))
    e = source_entry(ledger.entries(), "/d")
    assert e["status"] == "kept"
    assert e["to"] == ["/d", "/e"]


def test_copy_of_a_subtree_covers_both_places():
    ledger = Ledger(SRC)
    ledger.copy(("a",), ("z",))
    out = {**copy.deepcopy(SRC), "z": copy.deepcopy(SRC["a"])}
    assert coverage_problems(SRC, out, ledger.entries()) == []
    assert sorted(source_entry(ledger.entries(), "/a/c/1")["to"]) == ["/a", "/z"]


def test_create_gives_an_invented_entry_at_the_output_path():
    ledger = Ledger(SRC)
    ledger.step = "edge"
    ledger.create(("n", "m"), "invented", "no source; assumed")
    invented = [e for e in ledger.entries() if e["status"] == "invented"]
    assert invented == [{"path": "/n/m", "status": "invented", "step": "edge", "reason": "no source; assumed"}]


def test_worse_status_wins_moved_then_lossy():
    ledger = Ledger(SRC)
    ledger.relocate(("d",), [("e",)], "moved")
    ledger.relocate(("e",), [("f",)], "lossy", "rounded")
    e = source_entry(ledger.entries(), "/d")
    assert e == {"path": "/d", "status": "lossy", "to": ["/f"], "reason": "rounded"}


def test_worse_status_wins_lossy_then_moved():
    ledger = Ledger(SRC)
    ledger.relocate(("d",), [("e",)], "lossy", "rounded")
    ledger.relocate(("e",), [("f",)], "moved")
    e = source_entry(ledger.entries(), "/d")
    assert e["status"] == "lossy" and e["to"] == ["/f"]


def test_step_is_recorded_on_changed_entries_only():
    ledger = Ledger(SRC)
    ledger.step = "mlm_1.0.0__mlm_1.1.0"
    ledger.relocate(("d",), [("e",)], "moved")
    entries = ledger.entries()
    assert source_entry(entries, "/d")["step"] == "mlm_1.0.0__mlm_1.1.0"
    assert "step" not in source_entry(entries, "/a/b")


def test_removing_a_list_element_shifts_later_indices():
    src = {"l": ["a", "b", "c"]}
    doc = copy.deepcopy(src)
    ctx = Ctx(doc, Ledger(src))
    ctx.remove(("l", "0"), "not wanted")
    entries = ctx._ledger.entries()
    assert doc == {"l": ["b", "c"]}
    assert source_entry(entries, "/l/0") == {"path": "/l/0", "status": "dropped", "reason": "not wanted"}
    assert source_entry(entries, "/l/1")["status"] == "moved"
    assert source_entry(entries, "/l/1")["to"] == ["/l/0"]
    assert source_entry(entries, "/l/2")["to"] == ["/l/1"]
    assert coverage_problems(src, doc, entries) == []


def test_removing_the_last_list_element_moves_nothing():
    src = {"l": ["a", "b"]}
    doc = copy.deepcopy(src)
    ctx = Ctx(doc, Ledger(src))
    ctx.remove(("l", "1"), "not wanted")
    entries = ctx._ledger.entries()
    assert source_entry(entries, "/l/0")["status"] == "kept"
    assert source_entry(entries, "/l/1")["status"] == "dropped"
    assert not [e for e in entries if e["status"] == "moved"]


def test_created_value_later_dropped_does_not_appear():
    src = {"a": 1}
    doc = copy.deepcopy(src)
    ctx = Ctx(doc, Ledger(src))
    ctx.invent(("n",), {"x": 1}, "assumed")
    ctx.remove(("n",), "not needed after all")
    assert doc == src
    assert ctx._ledger.entries() == [{"path": "", "status": "kept"}]


def test_created_value_that_moves_stays_invented_at_its_new_place():
    src = {"a": 1}
    doc = copy.deepcopy(src)
    ctx = Ctx(doc, Ledger(src))
    ctx.invent(("n",), 0, "assumed")
    doc["m"] = doc.pop("n")
    ctx.moved(("n",), ("m",))
    invented = [e for e in ctx._ledger.entries() if e["status"] == "invented"]
    assert [e["path"] for e in invented] == ["/m"]
    assert coverage_problems(src, doc, ctx._ledger.entries()) == []


def test_fill_value_wins_over_invented_and_is_reported_filled():
    src = {"a": 1}
    doc = copy.deepcopy(src)
    ctx = Ctx(doc, Ledger(src), fill={"/n": "real"})
    assert ctx.invent(("n",), "guess", "assumed") == "real"
    assert doc["n"] == "real"
    (filled,) = [e for e in ctx._ledger.entries() if e["status"] == "filled"]
    assert filled["path"] == "/n"


def test_siblings_moved_to_different_places_each_get_an_entry():
    src = {"a": 1, "b": 2}
    ledger = Ledger(src)
    ledger.relocate(("a",), [("x",)], "moved")
    ledger.relocate(("b",), [("y",)], "moved")
    entries = ledger.entries()
    assert source_entry(entries, "/a")["to"] == ["/x"]
    assert source_entry(entries, "/b")["to"] == ["/y"]
    assert coverage_problems(src, {"x": 1, "y": 2}, entries) == []


def test_copy_sees_a_value_recorded_on_an_ancestor():
    """Legacy fields that became a whole list, then one member of it is copied: the legacy fields cover the copy
    (as relocate treats them), and after the list goes they live at the copy only."""
    src = {"norm": "z", "out": {}}
    ledger = Ledger(src)
    ledger.relocate(("norm",), [("scaling",)], "transformed", "became the scaling list")
    found = ledger.copy(("scaling", "0", "type"), ("out", "factor"))
    assert [o.path for o in found] == [("norm",)]
    ledger.relocate(("scaling",), [], "dropped")
    e = source_entry(ledger.entries(), "/norm")
    assert e["status"] == "transformed" and e["to"] == ["/out/factor"]


def test_whole_copy_lands_on_the_destination_itself():
    """A list read as one value (a task list becoming one task): its leaves land on the destination, not on
    /dst/0, /dst/1, which the output does not have."""
    src = {"tasks": ["a", "b"]}
    ledger = Ledger(src)
    ledger.copy(("tasks",), ("task",), whole=True)
    ledger.relocate(("tasks",), [], "dropped")
    output = {"task": "a"}
    entries = ledger.entries()
    assert {t for e in entries for t in e.get("to", [])} == {"/task"}
    assert coverage_problems(src, output, entries) == []


def test_unplaced_names_every_place_the_output_lacks_below_a_folded_entry_too():
    """A list that became one string without ``whole``: its leaves claim /hint/0 and /hint/1, which a string has
    not. The report folds them into one entry whose `to` (/hint) exists, so only the ledger's own places tell."""
    src = {"hint": [1, 2], "a": 3, "b": 4}
    ledger = Ledger(src)
    ledger.relocate(("hint",), [("hint",)], "repaired")
    output = {"hint": "0102", "a": 3, "b": 4}
    assert [t for e in ledger.entries() for t in e.get("to", [])] == ["/hint"]
    assert ledger.unplaced(output) == [
        f"/hint/{i} is recorded repaired to /hint/{i}, which the output does not have" for i in (0, 1)]
    whole = Ledger(src)
    whole.relocate(("hint",), [("hint",)], "repaired", whole=True)
    whole.create(("new",), "invented", "made up")
    assert whole.unplaced(output) == ["/new is recorded invented at /new, which the output does not have"]
    assert whole.unplaced({**output, "new": 1}) == []


def test_plain_copy_of_a_list_keeps_its_indices():
    ledger = Ledger({"l": [1, 2]})
    ledger.copy(("l",), ("m",))
    e = source_entry(ledger.entries(), "/l/1")
    assert sorted(e["to"]) == ["/l/1", "/m/1"] or sorted(e["to"]) == ["/l", "/m"]


# -- accounting by exception: only what events touch is recorded ------------------------------------------------
def test_an_untouched_document_records_no_leaf():
    ledger = Ledger({"a": {"b": list(range(50))}, "c": "x"})
    assert ledger.entries() == [{"path": "", "status": "kept"}]
    assert ledger.origins == []


def test_an_event_records_only_the_subtree_it_touches():
    ledger = Ledger(copy.deepcopy(SRC))
    ledger.relocate(("a", "c"), [("x",)], "moved")
    assert sorted(o.path for o in ledger.origins) == [("a", "c", "0"), ("a", "c", "1")]
    assert source_entry(ledger.entries(), "/a/b") == {"path": "", "status": "kept"}
    assert source_entry(ledger.entries(), "/a/c/1")["to"] == ["/x"]


def test_an_event_below_a_source_leaf_records_that_leaf():
    """A value replaced as a whole and then edited inside: the leaf above the event's path is what it edits."""
    ledger = Ledger({"a": "text", "b": 1})
    ledger.relocate(("a", "part"), [("z",)], "moved")
    assert [o.path for o in ledger.origins] == [("a",)]


def test_origins_under_lists_every_source_leaf_below_a_path_in_document_order():
    ledger = Ledger(copy.deepcopy(SRC))
    ledger.relocate(("a", "c", "1"), [], "dropped", "gone")
    assert [o.path for o in ledger.origins_under(("a",))] == [("a", "b"), ("a", "c", "0"), ("a", "c", "1")]
    assert [o.status for o in ledger.origins_under(("a",))] == ["kept", "kept", "dropped"]
    assert ledger.origins_under(("nowhere",)) == []


def _eager(source):
    """The ledger as it was before accounting by exception (every source leaf an Origin up front, every leaf
    folded on its own): the oracle the engine's ledger must agree with."""
    from reference_ledger import Ledger as Reference

    return Reference(source)


def _node_paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _node_paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _node_paths(v, prefix + (str(i),))


_scalars = st.one_of(st.integers(-3, 3), st.sampled_from(["x", "y", ""]), st.none())
_docs = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=7), st.dictionaries(st.sampled_from("abcdefg"), inner, max_size=6)
    ),
    max_leaves=40,
).filter(lambda d: isinstance(d, dict))
_statuses = st.sampled_from(["kept", "moved", "transformed", "repaired", "lossy"])
_reasons = st.sampled_from([None, "r1", "r2"])


@settings(max_examples=examples(150))
@given(doc=_docs, data=st.data())
def test_recording_by_exception_folds_like_recording_every_leaf(doc, data):
    """Any events on any document: the report entries are those of the ledger that recorded every source leaf up
    front (untouched subtrees stand for their leaves exactly, close votes included), and the summary counted from
    entries where they are is the one counted leaf by leaf."""
    lazy, eager = Ledger(doc), _eager(doc)
    paths = list(_node_paths(doc)) + [("new",), ("a", "new"), ("b", "0", "deep")]
    for _ in range(data.draw(st.integers(0, 8))):
        op = data.draw(st.sampled_from(["relocate", "drop", "mark", "copy", "create", "take"]))
        src = data.draw(st.sampled_from(paths))
        dst = data.draw(st.sampled_from(paths))
        status, reason = data.draw(_statuses), data.draw(_reasons)
        whole = data.draw(st.booleans())
        for ledger in (lazy, eager):
            ledger.step = "step"
            if op == "relocate":
                ledger.relocate(src, [dst], status, reason, whole=whole)
            elif op == "drop":
                ledger.relocate(src, [], "dropped", reason)
            elif op == "mark":
                ledger.mark(src, status, reason)
            elif op == "copy":
                ledger.copy(src, dst, reason, whole=whole)
            elif op == "create":
                ledger.create(dst, "invented", "made up")
            else:
                assert sorted(map(repr, (o.path for o in ledger.take(src)))) is not None
    entries = lazy.entries()
    assert entries == eager.entries()
    assert summarize(entries, doc) == _summary_leaf_by_leaf(entries, doc)


def test_a_close_vote_is_counted_leaf_by_leaf():
    """Half the root's vote each: six untouched leaves of a list against a changed pair. Leaf by leaf, the six
    shares of 1/12 add up to a hair under one half, so the changed pair wins the root heading; an untouched subtree
    voting its share as one number (exactly one half) would win the tie instead. The fold recounts close votes."""
    doc = {"a": [1, 2, 3, 4, 5, 6], "b": [1, 2]}
    lazy, eager = Ledger(doc), _eager(doc)
    for ledger in (lazy, eager):
        ledger.mark(("b",), "transformed", "rewritten")
    assert lazy.entries() == eager.entries()
    assert lazy.entries()[0] == {"path": "", "status": "transformed", "to": [""], "reason": "rewritten"}


def _summary_leaf_by_leaf(fields, source):
    """The summary counted one source leaf at a time (the most specific entry at or above each leaf)."""
    from crosswalk.engine.report import STATUSES, is_text_repair
    from crosswalk.language.pointer import leaves, parse_pointer

    counts = dict.fromkeys(STATUSES, 0)
    by_path = {parse_pointer(e["path"]): e["status"] for e in fields
               if e["status"] not in ("invented", "filled") and not is_text_repair(e)}
    for path, _ in leaves(source):
        for n in range(len(path), -1, -1):
            if path[:n] in by_path:
                counts[by_path[path[:n]]] += 1
                break
    for e in fields:
        if e["status"] in ("invented", "filled") or is_text_repair(e):
            counts[e["status"]] += 1
    return counts


def test_a_dropped_leaf_of_a_value_made_whole_folds_with_the_other_dropped_leaves():
    """Dropped, a leaf went nowhere, whether or not it was part of a value made whole before: under the dropped
    document root it needs no entry of its own (one the hypothesis property above found)."""
    doc = {"a": 0, "b": [0], "c": None}
    lazy, eager = Ledger(doc), _eager(doc)
    for ledger in (lazy, eager):
        ledger.step = "step"
        ledger.relocate(("a",), [()], "kept", "r1")
        ledger.relocate(("b",), [()], "kept", whole=True)
        ledger.relocate((), [], "dropped")
    assert lazy.entries() == eager.entries() == [
        {"path": "", "status": "dropped", "step": "step"},
        {"path": "/a", "status": "dropped", "step": "step", "reason": "r1"},
    ]


def test_a_value_made_whole_inside_a_heading_keeps_its_own_entry():
    """A list made whole into its own first element (a wrap): seen from the root its leaf looks kept in place, but
    the list itself went to /a/0, an entry the root's heading does not give (one the hypothesis property above
    found: the fold stopped below a single relocation heading)."""
    doc = {"a": [0]}
    lazy, eager = Ledger(doc), _eager(doc)
    for ledger in (lazy, eager):
        ledger.step = "step"
        ledger.relocate(("a",), [("a", "0")], "kept", "r1", whole=True)
    assert lazy.entries() == eager.entries() == [
        {"path": "", "status": "kept", "reason": "r1"},
        {"path": "/a", "status": "kept", "to": ["/a/0"], "reason": "r1"},
    ]
