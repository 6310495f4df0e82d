"""The fold's shortcuts against the leaf-by-leaf reference ledger (tests/reference_ledger.py), case by case: a
recorded leaf folded by its parent, a leaf inside a value made as a whole, a parent the relocation itself makes,
and the summary's leaf counts."""

from __future__ import annotations

import copy

from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_ledger import Ledger as Reference

from crosswalk.engine.ledger import Ledger, _one_or_more
from crosswalk.engine.report import leaf_count, summarize
from crosswalk.language.pointer import leaves


def both(doc, *events):
    """The entries of the engine's ledger and of the reference after the same events (name, args, kwargs)."""
    out = []
    for ledger in (Ledger(copy.deepcopy(doc)), Reference(copy.deepcopy(doc))):
        ledger.step = "s"
        for name, *args in events:
            kwargs = args.pop() if args and isinstance(args[-1], dict) else {}
            getattr(ledger, name)(*args, **kwargs)
        out.append(ledger.entries())
    return out


def test_a_leaf_in_a_whole_value_at_a_place_named_like_it():
    """An object folded into one value at /x: its member x went to /x, as every leaf of it did, so the heading
    says it all (that /x ends with the member's own key makes it look like a plain move from one level up)."""
    doc = {"a": {"x": 1, "y": 2, "w": {"x": 5}}, "b": 3}
    lazy, eager = both(doc, ("relocate", ("a",), [("x",)], "transformed", {"whole": True}))
    assert lazy == eager
    assert lazy[0] == {"path": "/a", "status": "transformed", "to": ["/x"], "step": "s"}
    assert {"/a/x", "/a/y"}.isdisjoint(e["path"] for e in lazy)


def test_leaves_of_a_list_reported_one_by_one_and_under_a_heading():
    doc = {"l": [1, 2, 3, 4], "m": {"k": "v"}}
    events = [("relocate", ("l", str(i)), [("n", str(i))], "moved") for i in range(3)]
    events.append(("relocate", ("l", "3"), [], "dropped", "gone"))
    lazy, eager = both(doc, *events)
    assert lazy == eager
    assert {"path": "/l/3", "status": "dropped", "step": "s", "reason": "gone"} in lazy


def test_a_relocation_under_a_place_the_trie_has_no_node_for_yet():
    """A value at the root covers every later place; relocating below a missing node carries it along."""
    doc = {"a": {"b": 1}, "q": {"r": [1, 2]}}
    lazy, eager = both(doc, ("relocate", ("a",), [()], "transformed", {"whole": True}),
                       ("relocate", ("z", "r"), [("z", "r", "s")], "moved"),
                       ("relocate", ("q", "r"), [("q", "r", "s")], "moved"))
    assert lazy == eager


def test_a_scalar_or_empty_document_is_one_entry():
    for doc in (5, "x", None, [], {}):
        for events in ((), (("relocate", (), [("a",)], "moved"),)):
            lazy, eager = both(doc, *events)
            assert lazy == eager
            assert len(lazy) == 1


_json = st.recursive(
    st.one_of(st.integers(), st.text(max_size=2), st.none(), st.booleans()),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=2), inner, max_size=4)),
    max_leaves=30,
)


@settings(max_examples=examples(200))
@given(doc=_json)
def test_leaf_counts(doc):
    """The summary's leaf counter and the fold's count up to two agree with the leaves the report contract names."""
    n = sum(1 for _ in leaves(doc))
    assert leaf_count(doc) == n
    assert _one_or_more(doc) == min(n, 2)
    assert summarize([{"path": "", "status": "kept"}], doc)["kept"] == n


def test_a_leaf_inside_a_value_made_whole_is_not_read_as_a_relocation() -> None:
    """/a folded into the one value /x: the leaf /a/w/x sits at /x, which ends like its own path; read as a plain
    move, /a/w went "to" the document root. Everything of /a went to /x, and the report says only that."""
    for kind in (Ledger, Reference):
        ledger = kind({"a": {"x": 1, "y": 2, "w": {"x": 5}}})
        ledger.relocate(("a",), [("x",)], "transformed", "folded", whole=True)
        assert ledger.entries() == [{"path": "/a", "status": "transformed", "to": ["/x"], "reason": "folded"}], kind



_keyed = st.recursive(  # documents whose keys the entries below name
    st.one_of(st.integers(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("abx"), inner, max_size=3)),
    max_leaves=20,
)
_pointers = st.lists(st.sampled_from(["a", "b", "0", "1", "01", "x"]), max_size=4).map(
    lambda p: "".join("/" + k for k in p))


@settings(max_examples=examples(200))
@given(doc=_keyed, entries=st.lists(st.tuples(_pointers, st.sampled_from(["kept", "moved", "lossy"])), max_size=6))
def test_summary_of_any_entries(doc, entries):
    """The summary counts each source leaf once, under the most specific entry at or above it, for any entries:
    none at the root (the walk only descends to the entries' places), places the source lacks or spells otherwise
    (a list index "01"), entries nested in entries."""
    from crosswalk.engine.report import STATUSES
    from crosswalk.language.pointer import to_pointer

    fields = [{"path": p, "status": s, "to": [p]} for p, s in entries]
    by_path = dict(entries)  # a later entry at the same path wins
    want = dict.fromkeys(STATUSES, 0)
    for path, _ in leaves(doc):
        for n in range(len(path), -1, -1):
            if to_pointer(path[:n]) in by_path:
                want[by_path[to_pointer(path[:n])]] += 1
                break
    assert summarize(fields, doc) == want


_places = st.lists(st.sampled_from(["a", "b", "0", "1", "x"]), max_size=3).map(tuple)
_events = st.lists(st.one_of(
    st.tuples(st.just("relocate"), _places, st.lists(_places, max_size=2),
              st.sampled_from(["moved", "transformed", "lossy", "repaired"]), st.booleans()),
    st.tuples(st.just("mark"), _places, st.sampled_from(["transformed", "lossy", "repaired"])),
    st.tuples(st.just("copy"), _places, _places),
    st.tuples(st.just("create"), _places, st.sampled_from(["invented", "filled"])),
), max_size=6)


@settings(max_examples=examples(300))
@given(doc=_keyed, events=_events)
def test_ledger_summary_is_the_summary_of_its_entries(doc, events):
    """The counts the ledger gives from its Origins (what a conversion reports) are those `summarize` counts
    from the entries, whatever the events: every leaf under the status of its most specific entry."""
    ledger = Ledger(doc)
    ledger.step = "s"
    for name, *args in events:
        if name == "relocate":
            src, dsts, status, whole = args
            ledger.relocate(src, dsts, status, "r", whole=whole)
        elif name == "mark":
            ledger.mark(args[0], args[1], "r")
        elif name == "copy":
            ledger.copy(args[0], args[1], "r")
        else:
            ledger.create(args[0], args[1], "r")
    assert ledger.summary() == summarize(ledger.entries(), doc)
