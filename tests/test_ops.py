"""Each op of the mapping language on tiny inline documents: the resulting document and the ledger entries.

Mappings are written into tmp_path and loaded with the real loader, so the rules go through the same
schema check and jsonpath compilation as the shipped mappings.
"""

from __future__ import annotations

import copy
import json
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crosswalk.engine.ctx import Ctx
from crosswalk.engine.ledger import Ledger
from crosswalk.engine.ops import apply
from crosswalk.engine.report import coverage_problems, entry_for, ledger_problems
from crosswalk.errors import RuleError
from crosswalk.language.spec import load_mapping
from crosswalk.transforms import REGISTRY, Transform

HEADER = "language: 1\nid: test_edge\nsource: mlm@1.0.0\ntarget: mlm@1.1.0\nsummary: test mapping\nrules:\n"


@pytest.fixture
def run(tmp_path):
    """run(rules_yaml, doc) -> (output document, ledger entries); coverage and the DeepDiff check always run."""

    def _run(rules: str, doc: dict, options: dict | None = None):
        path = tmp_path / "test_edge.yaml"
        path.write_text(HEADER + textwrap.indent(textwrap.dedent(rules).strip("\n") + "\n", "  "), encoding="utf-8")
        mapping = load_mapping(path)
        original = copy.deepcopy(doc)
        work = copy.deepcopy(doc)
        ctx = Ctx(work, Ledger(original), options=options)
        apply(mapping, ctx)
        entries = ctx._ledger.entries()
        assert coverage_problems(original, work, entries) == []
        assert ledger_problems(original, work, entries) == []
        return work, entries

    return _run


def at(entries, pointer):
    """The most specific source entry covering ``pointer`` (the entry that decides its fate)."""
    best = entry_for(entries, pointer)
    assert best is not None, f"no entry covers {pointer}"
    return best


def created(entries):
    return {e["path"]: e for e in entries if e["status"] in ("invented", "filled")}


# -- rename ---------------------------------------------------------------------------------------------------


def test_rename_keeps_key_position_and_reports_moved(run):
    doc, entries = run(
        """- rename: {path: "$.properties.'a:b'", to: "c:d"}""",
        {"properties": {"x": 1, "a:b": {"q": [1, 2]}, "z": 2}},
    )
    assert list(doc["properties"]) == ["x", "c:d", "z"]
    assert doc["properties"]["c:d"] == {"q": [1, 2]}
    e = at(entries, "/properties/a:b/q/1")
    assert (e["path"], e["status"], e["to"]) == ("/properties/a:b", "moved", ["/properties/c:d"])
    assert e["step"] == "test_edge"
    assert at(entries, "/properties/x")["status"] == "kept"


def test_rename_to_same_name_is_a_no_op(run):
    doc, entries = run("""- rename: {path: "$.properties.a", to: a}""", {"properties": {"a": 1}})
    assert doc == {"properties": {"a": 1}}
    assert entries == [{"path": "", "status": "kept"}]


def test_rename_conflict_keeps_existing_value_by_default(run):
    doc, entries = run("""- rename: {path: "$.properties.old", to: new}""", {"properties": {"old": 1, "new": 2}})
    assert doc == {"properties": {"new": 2}}
    assert at(entries, "/properties/old")["status"] == "dropped"
    assert "new already present" in at(entries, "/properties/old")["reason"]
    assert at(entries, "/properties/new")["status"] == "kept"


def test_rename_of_absent_key_does_nothing(run):
    doc, entries = run("""- rename: {path: "$.properties.nope", to: new}""", {"properties": {"a": 1}})
    assert doc == {"properties": {"a": 1}}
    assert entries == [{"path": "", "status": "kept"}]


# -- move / copy ----------------------------------------------------------------------------------------------


def test_move_to_absolute_pointer_creates_parents(run):
    doc, entries = run(
        """- move: {path: "$.properties.a", to: /assets/m/a, reason: now an asset field}""",
        {"properties": {"a": {"b": 1}, "k": 0}, "assets": {}},
    )
    assert doc == {"properties": {"k": 0}, "assets": {"m": {"a": {"b": 1}}}}
    e = at(entries, "/properties/a/b")
    assert e["status"] == "moved" and e["reason"] == "now an asset field"
    assert e["path"] == "/properties/a" and e["to"] == ["/assets/m/a"]


def test_move_onto_existing_value_keeps_that_value(run):
    doc, entries = run(
        """- move: {path: "$.properties.a", to: /assets/a}""",
        {"properties": {"a": 1, "k": 0}, "assets": {"a": 0}},
    )
    assert doc == {"properties": {"k": 0}, "assets": {"a": 0}}
    assert at(entries, "/properties/a")["status"] == "dropped"
    assert at(entries, "/assets/a")["status"] == "kept"


def test_move_of_a_list_element_is_a_rule_error(run):
    with pytest.raises(RuleError, match="at /l/0: cannot convert a number here") as err:
        run("""- move: {path: "$.l[0]", to: /x}""", {"l": [1, 2]})
    assert "move takes object members" in str(err.value.__cause__)  # the cause, kept for debugging


def test_copy_writes_a_second_location_and_keeps_the_source(run):
    doc, entries = run(
        """- copy: {path: "$.properties.a", to: /properties/b, reason: needed in both places}""",
        {"properties": {"a": [1, 2], "k": 0}},
    )
    assert doc == {"properties": {"a": [1, 2], "k": 0, "b": [1, 2]}}
    assert doc["properties"]["a"] is not doc["properties"]["b"]
    e = at(entries, "/properties/a/0")
    assert e["status"] == "kept"
    assert sorted(e["to"]) == ["/properties/a", "/properties/b"]


def test_copy_never_overwrites(run):
    doc, entries = run("""- copy: {path: "$.a", to: /b}""", {"a": 1, "b": 2})
    assert doc == {"a": 1, "b": 2}
    assert entries == [{"path": "", "status": "kept"}]


def test_copy_of_the_only_content(run):
    doc, entries = run("""- copy: {path: "$.properties.a", to: /properties/b}""", {"properties": {"a": [1, 2]}})
    assert doc == {"properties": {"a": [1, 2], "b": [1, 2]}}
    assert sorted(at(entries, "/properties/a/1")["to"]) == ["/properties/a", "/properties/b"]


def test_copy_of_a_constant_stands_for_its_source_and_each_also_has_its_own_fate(run):
    rules = """
    - copy:
        path: "$.p.src"
        to: /p/dst
        status: moved
        also: [{path: /p/flag, status: transformed, reason: implied by the source}, /p/absent]
        when: {type: {/p/src: string}}
    - copy: {path: "$.p.flag", to: /p/dst, value: none, status: transformed, reason: not pretrained}
    - drop: {path: ["$.p.src", "$.p.flag"], reason: carried by dst}
    """
    doc, entries = run(rules, {"p": {"src": "imagenet", "flag": True}})
    assert doc == {"p": {"dst": "imagenet"}}
    assert (at(entries, "/p/src")["status"], at(entries, "/p/src")["to"]) == ("moved", ["/p/dst"])
    assert (at(entries, "/p/flag")["status"], at(entries, "/p/flag")["reason"]) == ("transformed",
                                                                                      "implied by the source")
    doc, entries = run(rules, {"p": {"flag": False}})
    assert doc == {"p": {"dst": "none"}}
    assert (at(entries, "/p/flag")["status"], at(entries, "/p/flag")["reason"]) == ("transformed", "not pretrained")


# -- set / default --------------------------------------------------------------------------------------------


def test_set_replacing_a_value_is_transformed(run):
    doc, entries = run(
        """- set: {path: /properties/a, value: 5, reason: fixed value}""", {"properties": {"a": 1, "k": 0}}
    )
    assert doc == {"properties": {"a": 5, "k": 0}}
    e = at(entries, "/properties/a")
    assert (e["status"], e["to"], e["reason"]) == ("transformed", ["/properties/a"], "fixed value")


def test_set_on_absent_path_is_invented(run):
    doc, entries = run("""- set: {path: /properties/b, value: {x: [1]}, reason: new value}""", {"properties": {"a": 1}})
    assert doc == {"properties": {"a": 1, "b": {"x": [1]}}}
    assert created(entries)["/properties/b"]["status"] == "invented"
    assert created(entries)["/properties/b"]["reason"] == "new value"
    assert at(entries, "/properties/a")["status"] == "kept"


def test_set_to_the_same_value_stays_kept(run):
    doc, entries = run("""- set: {path: /properties/a, value: 5, reason: same value}""", {"properties": {"a": 5}})
    assert doc == {"properties": {"a": 5}}
    assert entries == [{"path": "", "status": "kept"}]


@pytest.mark.parametrize("old", [True, 1.0])
def test_set_over_a_value_python_calls_equal_but_json_does_not_writes_it(run, old):
    """``true`` and ``1.0`` are not the JSON number ``1``: the value is set and reported, never left as kept."""
    doc, entries = run("""- set: {path: /a, value: 1, reason: "was {old}"}""", {"a": old})
    assert doc == {"a": 1} and type(doc["a"]) is int
    assert (at(entries, "/a")["status"], at(entries, "/a")["reason"]) == ("transformed", f"was {old}")


def test_guards_compare_as_json(run):
    rules = """
    - drop: {path: $.x, reason: one, when: {equals: {/a: 1}}}
    - drop: {path: $.y, reason: has one, when: {contains: {/l: 1}}}
    """
    doc, _ = run(rules, {"a": True, "l": [True, 1.0], "x": 0, "y": 0})
    assert doc == {"a": True, "l": [True, 1.0], "x": 0, "y": 0}
    doc, _ = run(rules, {"a": 1, "l": [True, 1], "x": 0, "y": 0})
    assert doc == {"a": 1, "l": [True, 1]}


def test_default_only_fills_absent_paths(run):
    doc, entries = run(
        """
        - default: {path: /properties/a, value: 5, reason: fallback}
        - default: {path: /properties/b, value: [], reason: fallback}
        """,
        {"properties": {"a": 1}},
    )
    assert doc == {"properties": {"a": 1, "b": []}}
    assert set(created(entries)) == {"/properties/b"}
    assert at(entries, "/properties/a")["status"] == "kept"


def test_default_when_requires_the_other_path(run):
    doc, entries = run(
        """
        - default: {path: /properties/c, value: 5, reason: fallback, when: /properties/nope}
        - default: {path: /properties/d, value: 5, reason: fallback, when: /properties/a}
        """,
        {"properties": {"a": 1}},
    )
    assert doc == {"properties": {"a": 1, "d": 5}}
    assert set(created(entries)) == {"/properties/d"}


def test_default_value_is_not_shared_between_documents(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(HEADER + "  - default: {path: /l, value: [], reason: fallback}\n", encoding="utf-8")
    mapping = load_mapping(path)
    first: dict = {}
    apply(mapping, Ctx(first, Ledger({})))
    first["l"].append(1)
    second: dict = {}
    apply(mapping, Ctx(second, Ledger({})))
    assert second == {"l": []}


# -- drop -----------------------------------------------------------------------------------------------------


def test_drop_reports_dropped_with_reason(run):
    doc, entries = run(
        """- drop: {path: ["$.properties.a", "$.properties.b.c"], reason: no target field}""",
        {"properties": {"a": {"x": 1}, "b": {"c": 1, "d": 2}}},
    )
    assert doc == {"properties": {"b": {"d": 2}}}
    for p in ("/properties/a/x", "/properties/b/c"):
        e = at(entries, p)
        assert e["status"] == "dropped" and e["reason"] == "no target field" and "to" not in e
    assert at(entries, "/properties/b/d")["status"] == "kept"


def test_drop_list_elements_by_several_paths(run):
    doc, entries = run(
        """- drop: {path: ["$.l[1]", "$.l[3]"], reason: too big}""",
        {"l": [{"x": 1}, {"x": 2}, {"x": 0}, {"x": 3}]},
    )
    assert doc == {"l": [{"x": 1}, {"x": 0}]}
    assert at(entries, "/l/1/x")["status"] == "dropped"
    assert at(entries, "/l/3/x")["status"] == "dropped"
    assert at(entries, "/l/0/x")["status"] == "kept"
    e = at(entries, "/l/2/x")
    assert (e["path"], e["status"], e["to"]) == ("/l/2", "moved", ["/l/1"])


def test_drop_paths_listed_out_of_document_order(run):
    doc, entries = run("""- drop: {path: ["$.l[3]", "$.l[1]"], reason: unwanted}""", {"l": [0, 1, 2, 3], "k": 0})
    assert doc == {"l": [0, 2], "k": 0}
    assert at(entries, "/l/3")["status"] == "dropped"
    assert at(entries, "/l/2")["to"] == ["/l/1"]


def test_drop_path_matched_twice_is_dropped_once(run):
    doc, entries = run("""- drop: {path: ["$.a", "$.*"], reason: unwanted}""", {"a": 1})
    assert doc == {}


def test_drop_of_every_list_element_leaves_an_accounted_empty_list(run):
    doc, _ = run("""- drop: {path: "$.properties.l[*]", reason: unwanted}""", {"properties": {"l": [1, 2], "k": 1}})
    assert doc == {"properties": {"l": [], "k": 1}}


def test_move_of_the_only_member_leaves_an_accounted_empty_object(run):
    doc, _ = run("""- move: {path: "$.properties.a", to: /assets/a}""", {"properties": {"a": 1}, "assets": {"b": 2}})
    assert doc == {"properties": {}, "assets": {"b": 2, "a": 1}}


# -- map_values -----------------------------------------------------------------------------------------------


def test_map_values_transformed_and_lossy_table_entries(run):
    doc, entries = run(
        """
        - map_values:
            path: ["$.properties.f", "$.properties.g"]
            table: {pytorch: PyTorch, tf: {value: TensorFlow, lossy: version lost}}
        """,
        {"properties": {"f": "tf", "g": "pytorch", "k": 0}},
    )
    assert doc == {"properties": {"f": "TensorFlow", "g": "PyTorch", "k": 0}}
    assert at(entries, "/properties/f") == {
        "path": "/properties/f",
        "status": "lossy",
        "to": ["/properties/f"],
        "step": "test_edge",
        "reason": "version lost",
    }
    g = at(entries, "/properties/g")
    assert g["status"] == "transformed" and g["reason"] == "'pytorch' -> 'PyTorch'"


def test_map_values_reason_overrides_generated_one(run):
    _, entries = run(
        """- map_values: {path: "$.properties.f", table: {a: A}, reason: enum renamed}""",
        {"properties": {"f": "a", "k": 0}},
    )
    assert at(entries, "/properties/f")["reason"] == "enum renamed"


def test_map_values_identity_and_missing_values_are_kept(run):
    doc, entries = run(
        """- map_values: {path: "$.properties.f[*]", table: {same: same}}""",
        {"properties": {"f": ["same", "other", {"x": 1}]}},
    )
    assert doc == {"properties": {"f": ["same", "other", {"x": 1}]}}
    assert entries == [{"path": "", "status": "kept"}]


def test_map_values_keys_compare_as_strings(run):
    doc, _ = run("""- map_values: {path: "$.n", table: {"1": one, "true": yes}}""", {"n": 1, "b": True})
    assert doc == {"n": "one", "b": True}


# -- wrap --------------------------------------------------------------------------------------------


def test_wrap_turns_a_value_into_a_one_element_list(run):
    doc, entries = run(
        """- wrap: {path: ["$.properties.a", "$.properties.b"]}""",
        {"properties": {"a": {"x": 1}, "b": [1]}},
    )
    assert doc == {"properties": {"a": [{"x": 1}], "b": [1]}}
    e = at(entries, "/properties/a/x")
    assert (e["path"], e["status"], e["to"]) == ("/properties/a", "transformed", ["/properties/a/0"])
    assert at(entries, "/properties/b/0")["status"] == "kept"


def test_scale_divides_into_a_copy_or_multiplies_in_place_and_skips_what_is_no_number(run):
    rules = """
    - scale: {path: "$.bytes", to: /mb, divide_by: 1048576, status: lossy, reason: "{value} bytes are {result} MB"}
    - scale: {path: ["$.nm", "$.flag"], by: 0.5, status: repaired, reason: halved}
    - drop: {path: "$.bytes", reason: carried by mb}
    """
    doc, entries = run(rules, {"bytes": 5242880, "nm": 3, "flag": True})
    assert doc == {"mb": 5.0, "nm": 1.5, "flag": True}
    e = at(entries, "/bytes")
    assert (e["status"], e["to"], e["reason"]) == ("lossy", ["/mb"], "5242880 bytes are 5.0 MB")
    assert (at(entries, "/nm")["status"], at(entries, "/flag")["status"]) == ("repaired", "kept")


def test_unwrap_makes_a_list_its_first_element_and_leaves_what_it_has_no_reason_for(run):
    rules = """
    - unwrap:
        path: ["$.one", "$.many", "$.none"]
        reason: a one-element list became its element
        rest_reason: only the first is kept
        empty_reason: an empty list became null
    - unwrap: {path: "$.kept", reason: only one-element lists}
    """
    doc, entries = run(rules, {"one": ["a"], "many": ["b", "c"], "none": [], "kept": ["d", "e"]})
    assert doc == {"one": "a", "many": "b", "none": None, "kept": ["d", "e"]}
    assert (at(entries, "/one/0")["status"], at(entries, "/one/0")["to"]) == ("transformed", ["/one"])
    assert (at(entries, "/many/1")["status"], at(entries, "/many/1")["reason"]) == ("dropped", "only the first is kept")
    assert at(entries, "/none")["reason"] == "an empty list became null"
    assert at(entries, "/kept/1")["status"] == "kept"


def test_unwrap_of_a_member_makes_an_object_that_member_and_names_each_other_one_removed(run):
    rules = """
    - unwrap:
        path: "$.bands[*]"
        member: name
        status: lossy
        reason: the object form is lost
        rest_reason: "band {key} has no place"
    """
    doc, entries = run(rules, {"bands": [{"name": "B02", "format": "x", "expression": "y"}, "B03", {"format": "z"}]})
    assert doc == {"bands": ["B02", "B03", {"format": "z"}]}
    assert (at(entries, "/bands/0/name")["status"], at(entries, "/bands/0/name")["to"]) == ("lossy", ["/bands/0"])
    e = at(entries, "/bands/0/expression")
    assert (e["status"], e["reason"]) == ("dropped", "band expression has no place")
    assert at(entries, "/bands/2/format")["status"] == "kept"


def test_keep_and_option_guards_follow_the_run_options(run):
    rules = """
    - keep: {path: "$.extra", reason: kept for round trip, when: {option: keep_source}}
    - drop: {path: "$.extra", reason: no place, when: {not_option: keep_source}}
    """
    doc, entries = run(rules, {"extra": 1}, options={"keep_source": True})
    assert doc == {"extra": 1}
    assert (at(entries, "/extra")["status"], at(entries, "/extra")["reason"]) == ("kept", "kept for round trip")
    doc, entries = run(rules, {"extra": 1})
    assert doc == {}
    assert at(entries, "/extra")["status"] == "dropped"


# -- each -----------------------------------------------------------------------------------------------------


def test_each_runs_sub_rules_with_relative_paths(run):
    doc, entries = run(
        """
        - each:
            path: "$.properties.inputs[*]"
            rules:
              - rename: {path: "$.n", to: name}
              - move: {path: "$.t", to: /meta/type}
              - default: {path: /norm, value: none, reason: assumed}
              - drop: {path: "$.junk", reason: unwanted}
        """,
        {"properties": {"inputs": [{"n": "a", "t": 1, "junk": 0, "k": 0}, {"n": "b", "t": 2, "k": 0}], "k": 0}},
    )
    assert doc["properties"]["inputs"] == [
        {"name": "a", "meta": {"type": 1}, "k": 0, "norm": "none"},
        {"name": "b", "meta": {"type": 2}, "k": 0, "norm": "none"},
    ]
    assert "norm" not in doc["properties"] and "meta" not in doc
    for i in ("0", "1"):
        assert at(entries, f"/properties/inputs/{i}/n")["to"] == [f"/properties/inputs/{i}/name"]
        assert at(entries, f"/properties/inputs/{i}/t")["to"] == [f"/properties/inputs/{i}/meta/type"]
        assert created(entries)[f"/properties/inputs/{i}/norm"]["reason"] == "assumed"
    assert at(entries, "/properties/inputs/0/junk")["status"] == "dropped"


def test_each_nested_each_and_base_restored(run):
    doc, _ = run(
        """
        - each:
            path: "$.outer[*]"
            rules:
              - each:
                  path: "$.inner[*]"
                  rules:
                    - set: {path: /seen, value: true, reason: marked}
        - set: {path: /done, value: true, reason: marked}
        """,
        {"outer": [{"inner": [{"v": 1}, {"v": 2}]}, {"inner": []}]},
    )
    assert doc == {"outer": [{"inner": [{"v": 1, "seen": True}, {"v": 2, "seen": True}]}, {"inner": []}], "done": True}


def test_each_drop_of_list_elements_keeps_other_matches_valid(run):
    doc, entries = run(
        """
        - each:
            path: "$.l[*]"
            rules:
              - drop: {path: "$.x", reason: unwanted}
        """,
        {"l": [{"x": 1, "y": 1}, {"x": 2, "y": 2}]},
    )
    assert doc == {"l": [{"y": 1}, {"y": 2}]}
    assert at(entries, "/l/1/x")["status"] == "dropped"
    assert at(entries, "/l/1/y")["status"] == "kept"


# -- extensions -----------------------------------------------------------------------------------------------

OLD = "https://x.org/v1.0.0/schema.json"
NEW = "https://x.org/v1.1.0/schema.json"
OTHER = "https://keep.org/v1.0.0/schema.json"


def test_extensions_replace_is_transformed_in_place_of_the_old_uri(run):
    doc, entries = run(
        rf"""
        - extensions:
            remove: ['https://x\.org/v1\.0\.0/schema\.json']
            add: ['{NEW}']
            reason: schema bumped
        """,
        {"stac_extensions": [OTHER, OLD], "k": 0},
    )
    assert doc["stac_extensions"] == [OTHER, NEW]
    e = at(entries, "/stac_extensions/1")
    assert (e["status"], e["to"], e["reason"]) == ("transformed", ["/stac_extensions/1"], "schema bumped")
    assert at(entries, "/stac_extensions/0")["status"] == "kept"


def test_extensions_replacing_the_first_uri_accounts_for_every_uri(run):
    doc, entries = run(
        rf"""
        - extensions:
            remove: ['https://x\.org/v1\.0\.0/schema\.json']
            add: ['{NEW}']
        """,
        {"stac_extensions": [OLD, OTHER], "k": 0},
    )
    assert doc["stac_extensions"] == [OTHER, NEW]
    assert at(entries, "/stac_extensions/0")["to"] == ["/stac_extensions/1"]
    assert at(entries, "/stac_extensions/1")["to"] == ["/stac_extensions/0"]


def test_extensions_remove_only_is_dropped(run):
    doc, entries = run(
        r"""
        - extensions:
            remove: ['https://x\.org/.*']
            reason: extension retired
        """,
        {"stac_extensions": [OTHER, OLD], "k": 0},
    )
    assert doc["stac_extensions"] == [OTHER]
    assert at(entries, "/stac_extensions/1") == {
        "path": "/stac_extensions/1",
        "status": "dropped",
        "step": "test_edge",
        "reason": "extension retired",
    }
    assert at(entries, "/stac_extensions/0")["status"] == "kept"


def test_extensions_add_creates_the_list_and_is_invented(run):
    doc, entries = run(f"- extensions: {{add: ['{NEW}']}}", {"type": "Feature"})
    assert doc == {"type": "Feature", "stac_extensions": [NEW]}
    assert created(entries)["/stac_extensions/0"]["status"] == "invented"


def test_extensions_add_of_a_present_uri_is_a_no_op(run):
    doc, entries = run(f"- extensions: {{add: ['{NEW}']}}", {"stac_extensions": [NEW]})
    assert doc == {"stac_extensions": [NEW]}
    assert entries == [{"path": "", "status": "kept"}]


def test_extensions_remove_matches_the_whole_uri(run):
    doc, _ = run(r"- extensions: {remove: ['https://x\.org/v1']}", {"stac_extensions": [OLD]})
    assert doc == {"stac_extensions": [OLD]}


def test_extensions_not_a_list_is_a_rule_error(run):
    with pytest.raises(RuleError, match="cannot convert") as err:
        run(f"- extensions: {{add: ['{NEW}']}}", {"stac_extensions": "oops"})
    assert "stac_extensions is not a list" in str(err.value.__cause__)


# -- transform ------------------------------------------------------------------------------------------------


def test_transform_calls_the_registered_function_with_args(run, monkeypatch):
    def double(ctx, key):
        path = ("properties", key)
        ctx.put(path, ctx.get(path) * 2)
        ctx.transformed([path], [path], "doubled")

    monkeypatch.setitem(REGISTRY, "test.double", Transform("test.double", double, ("properties.*",), ("same",)))
    doc, entries = run("- transform: {name: test.double, args: {key: n}}", {"properties": {"n": 2, "k": 0}})
    assert doc == {"properties": {"n": 4, "k": 0}}
    e = at(entries, "/properties/n")
    assert (e["status"], e["reason"], e["to"]) == ("transformed", "doubled", ["/properties/n"])


# -- when guards, typed defaults, one-to-many tables ------------------------------------------------------------


def test_when_guard_runs_a_rule_only_where_its_tests_hold(run):
    rules = """
    - each:
        path: "$.properties.items[*]"
        rules:
          - drop: {path: "$.extra", reason: only on image inputs, when: {equals: {/kind: image}}}
          - default:
              {path: /bands, value: [], reason: an input lists its bands, when: {absent: /bands, type: {/kind: string}}}
    """
    doc, entries = run(rules, {"properties": {"items": [{"kind": "image", "extra": 1}, {"kind": 2, "extra": 2}]}})
    assert doc["properties"]["items"] == [{"kind": "image", "bands": []}, {"kind": 2, "extra": 2}]
    assert at(entries, "/properties/items/0/extra")["status"] == "dropped"
    assert at(entries, "/properties/items/1/extra")["status"] == "kept"
    assert set(created(entries)) == {"/properties/items/0/bands"}


def test_default_with_unless_type_replaces_a_value_of_another_type(run):
    rule = '- default: {path: /properties/mlm:pretrained, value: true, reason: assumed, unless_type: boolean}'
    doc, entries = run(rule, {"properties": {"mlm:pretrained": "yes"}})
    assert doc["properties"]["mlm:pretrained"] is True
    assert at(entries, "/properties/mlm:pretrained")["status"] == "dropped"
    assert at(entries, "/properties/mlm:pretrained")["reason"] == "not a boolean"
    assert created(entries)["/properties/mlm:pretrained"]["status"] == "invented"
    same, entries = run(rule, {"properties": {"mlm:pretrained": False}})
    assert same == {"properties": {"mlm:pretrained": False}} and not created(entries)


def test_map_values_one_to_many_splices_list_elements(run):
    rules = """
    - map_values:
        path: "$.properties.tasks[*]"
        table: {segmentation: {values: [semantic-segmentation, instance-segmentation], lossy: split in two}}
    """
    doc, entries = run(rules, {"properties": {"tasks": ["classification", "segmentation", "detection"]}})
    assert doc["properties"]["tasks"] == [
        "classification", "semantic-segmentation", "instance-segmentation", "detection"]
    assert at(entries, "/properties/tasks/2")["to"] == ["/properties/tasks/3"]
    seg = at(entries, "/properties/tasks/1")
    assert seg["status"] == "transformed" and set(seg["to"]) == {"/properties/tasks/1", "/properties/tasks/2"}


def test_set_where_nothing_was_names_nothing_as_the_old_value(run):
    _, entries = run("""- set: {path: /v, value: 1.0.0, reason: "STAC {old} upgraded"}""", {"a": 1})
    assert created(entries)["/v"]["reason"] == "STAC nothing upgraded"


def test_move_onto_its_own_path_leaves_the_value(run):
    doc, entries = run("""- move: {path: $.a, to: /a}""", {"a": 1, "b": 2})
    assert doc == {"a": 1, "b": 2} and at(entries, "/a")["status"] == "kept"


def test_the_language_schema_file_describes_each_op_as_its_class_does():
    """mapping.schema.json holds each op's arguments (the engine reads them from it) and, written by
    `python -m crosswalk.engine.ops --write-schema`, each op class's own summary: one description per op."""
    import json
    from pathlib import Path

    from crosswalk.engine.ops import OPS, language_schema

    file = Path(__import__("crosswalk").__file__).parent / "language" / "mapping.schema.json"
    on_disk = json.loads(file.read_text(encoding="utf-8"))
    assert on_disk == language_schema(on_disk)
    # `include` is no op: the loader puts the rules of the file it names in its place
    assert set(on_disk["definitions"]["rule"]["properties"]) == {*OPS, "include"}


def test_every_op_describes_itself_for_the_guide():
    from crosswalk.engine.ops import OPS
    from crosswalk.language.edges import load_mappings

    seen = set()
    for m in load_mappings():
        for rule in m.rules:
            cells = OPS[rule.op].describe(rule)
            assert len(cells) == 3 and all(isinstance(c, str) for c in cells)
            seen.add(rule.op)
    assert {"transform", "extensions", "move"} <= seen


def test_a_rename_with_a_reason_shows_the_reason_in_the_guide(tmp_path):
    """A rename that repairs a misspelt key says why in the guide's reason cell; a plain rename says moved."""
    from crosswalk.engine.ops import OPS

    path = tmp_path / "test_edge.yaml"
    path.write_text(HEADER + "  - rename: {path: $.a, to: b}\n"
                    "  - rename: {path: $.c, to: d, status: repaired, reason: the key is spelt d}\n", encoding="utf-8")
    plain, repair = load_mapping(path).rules
    assert OPS["rename"].describe(plain)[2] == "moved"
    assert OPS["rename"].describe(repair)[2] == "the key is spelt d"


def test_a_uri_swap_shows_a_pattern_of_one_text_as_that_text_in_the_guide(tmp_path):
    """The guide shows ``https://x\\.org/a\\-b`` as the URI it matches; a pattern with a class, an alternative or a
    class escape stays a regex (it names more than one text)."""
    from crosswalk.engine.ops import OPS

    patterns = [r"https://x\.org/a\-b/schema\.json", "dl-model", r"https://x\.org/v1\.[23]", r"a\d", r"a|b"]
    path = tmp_path / "test_edge.yaml"
    path.write_text(HEADER + "  - extensions: {remove: " + json.dumps(patterns) + ", add: [u], reason: swapped}\n",
                    encoding="utf-8")
    (rule,) = load_mapping(path).rules
    assert OPS["extensions"].describe(rule)[0].split("<br>") == [
        "`https://x.org/a-b/schema.json`", "`dl-model`", r"`https://x\.org/v1\.[23]`", r"`a\d`", "`a|b`"]


# -- extensions in_place (a URI swap) ---------------------------------------------------------------------------
SWAP = r"""
- extensions:
    remove: ['https://x\.org/v1\.0\.0/schema\.json']
    add: ['https://x.org/v1.1.0/schema.json']
    in_place: true
    reason: schema swapped
"""


def test_extensions_in_place_puts_the_new_uri_where_the_old_one_was(run):
    doc, entries = run(SWAP, {"stac_extensions": [OLD, OTHER], "k": 0})
    assert doc["stac_extensions"] == [NEW, OTHER]
    e = at(entries, "/stac_extensions/0")
    assert (e["status"], e["to"], e["reason"]) == ("transformed", ["/stac_extensions/0"], "schema swapped")
    assert at(entries, "/stac_extensions/1")["status"] == "kept"


def test_extensions_in_place_changes_nothing_without_an_old_uri(run):
    for doc in ({"stac_extensions": [OTHER]}, {"stac_extensions": None}, {"k": 0}):
        out, entries = run(SWAP, doc)
        assert out == doc and all(e["status"] == "kept" for e in entries)


def test_extensions_in_place_onto_a_listed_uri_keeps_one_copy(run):
    doc, entries = run(SWAP, {"stac_extensions": [OTHER, OLD, NEW]})
    assert doc["stac_extensions"] == [OTHER, NEW]
    assert at(entries, "/stac_extensions/1")["status"] == "transformed"


# -- guards and statuses for repairs (not_type, contains, status: repaired) -----------------------------------


def test_not_type_and_contains_guards(run):
    rules = """
    - each:
        path: "$.assets.*"
        rules:
          - drop: {path: $, reason: not a model, when: {not_contains: {/roles: model}}}
          - drop:
              {path: $.title, reason: titles of models go, when: {contains: {/roles: model}, not_type: {/n: string}}}
    """
    assets = {
        "a": {"roles": ["model"], "title": "x"},
        "b": {"roles": ["code"]},
        "c": {"roles": "model"},  # not an array: it holds nothing
        "d": {"roles": ["model"], "title": "y", "n": "named"},
    }
    doc, entries = run(rules, {"assets": assets})
    assert doc["assets"] == {"a": {"roles": ["model"]}, "d": {"roles": ["model"], "title": "y", "n": "named"}}
    assert at(entries, "/assets/b")["status"] == "dropped" and at(entries, "/assets/c")["reason"] == "not a model"
    assert at(entries, "/assets/a/title")["status"] == "dropped"


def test_drop_with_status_repaired_reports_a_repair_not_a_loss(run):
    rule = "- drop: {path: $.bbox, status: repaired, reason: null bbox, when: {equals: {/bbox: null}}}"
    doc, entries = run(rule, {"bbox": None, "id": "x"})
    assert doc == {"id": "x"}
    e = at(entries, "/bbox")
    assert (e["status"], e["reason"], e["to"]) == ("repaired", "null bbox", [])  # nowhere: removed, nothing lost
    same, entries = run(rule, {"bbox": [0, 0, 1, 1]})
    assert same == {"bbox": [0, 0, 1, 1]} and at(entries, "/bbox")["status"] == "kept"


def test_wrap_with_status_and_reason(run):
    rule = "- wrap: {path: $.p.v, status: repaired, reason: one object; wrapped, when: {type: {/p/v: object}}}"
    doc, entries = run(rule, {"p": {"v": {"type": "scale", "value": 2}}})
    assert doc == {"p": {"v": [{"type": "scale", "value": 2}]}}
    e = at(entries, "/p/v/value")
    assert (e["path"], e["status"], e["reason"], e["to"]) == ("/p/v", "repaired", "one object; wrapped", ["/p/v/0"])
    same, _ = run(rule, {"p": {"v": "text"}})  # the guard: only objects are wrapped
    assert same == {"p": {"v": "text"}}


def test_map_values_repaired_entries(run):
    rules = """
    - map_values:
        path: "$.p[*].resize"
        table: {interpolate-max: {value: interpolation-max, repaired: old spelling}, odd: {value: even, lossy: guess}}
    """
    doc, entries = run(rules, {"p": [{"resize": "interpolate-max"}, {"resize": "odd"}, {"resize": "crop"}]})
    assert [x["resize"] for x in doc["p"]] == ["interpolation-max", "even", "crop"]
    assert (at(entries, "/p/0/resize")["status"], at(entries, "/p/0/resize")["reason"]) == ("repaired", "old spelling")
    assert at(entries, "/p/1/resize")["status"] == "lossy" and at(entries, "/p/2/resize")["status"] == "kept"


def test_copy_with_status_stands_for_the_source_until_a_later_rule_removes_it(run):
    """``status``: the copy carries the source into the target (moved here); a later drop of the source field
    leaves it at the copy only, with that status and the copy's reason, not the drop's."""
    rules = """
    - copy: {path: "$.p.a", to: /p/b/c, status: lossy, reason: rounded}
    - drop: {path: "$.p.a", reason: no such field in the target}
    """
    doc, entries = run(rules, {"p": {"a": 1.5}})
    assert doc == {"p": {"b": {"c": 1.5}}}
    e = at(entries, "/p/a")
    assert (e["status"], e["to"], e["reason"]) == ("lossy", ["/p/b/c"], "rounded")
    kept, entries = run('- copy: {path: "$.p.a", to: /p/b, status: moved}', {"p": {"a": 1}})
    assert kept == {"p": {"a": 1, "b": 1}}  # without the drop both places hold it, reported moved
    e = at(entries, "/p/a")
    assert (e["status"], sorted(e["to"])) == ("moved", ["/p/a", "/p/b"])


def test_copy_also_reports_the_other_fields_the_copy_stands_for(run):
    """A python expression's text becomes a function name: the format went into it too, so it lands there
    (transformed, with the copy's reason); relative pointers, like the rule's own path; nothing copied, nothing
    claimed."""
    rules = """
    - each:
        path: $.p
        rules:
          - copy: {path: $.f.expression, also: [/f/format], to: /name, status: transformed, reason: became the name}
    - drop: {path: $.p.f, reason: no such field in the target}
    """
    doc, entries = run(rules, {"p": {"f": {"format": "python", "expression": "run"}}})
    assert doc == {"p": {"name": "run"}}
    for leaf in ("expression", "format"):
        e = at(entries, f"/p/f/{leaf}")
        assert (e["status"], e["to"], e["reason"]) == ("transformed", ["/p/name"], "became the name")
    doc, entries = run(rules, {"p": {"f": {"format": "python"}}})
    assert doc == {"p": {}} and at(entries, "/p/f/format")["status"] == "dropped"


def test_map_values_ignore_case_and_an_entrys_own_reason(run):
    rule = """
    - map_values:
        path: $.roles[*]
        ignore_case: true
        table:
          model weight: {values: [mlm:model, mlm:weights], reason: a weight file is the model}
          old: {value: new, reason: renamed}
    """
    doc, entries = run(rule, {"roles": [" Model Weight", "data", "OLD"]})
    assert doc == {"roles": ["mlm:model", "mlm:weights", "data", "new"]}
    assert (at(entries, "/roles/0")["status"], at(entries, "/roles/0")["reason"]) == ("transformed",
                                                                                     "a weight file is the model")
    assert at(entries, "/roles/2")["reason"] == "renamed"
    doc, _ = run(rule.replace("ignore_case: true", "ignore_case: false"), {"roles": ["Model Weight"]})
    assert doc == {"roles": ["Model Weight"]}  # exact keys by default


def test_drop_keys_by_prefix_names_each_key_in_its_reason(run):
    """``keys: {prefix}``: the members of each matched object whose names start with the prefix are dropped (the
    object stays), each with the reason's ``{key}`` filled in; a matched value that is no object is left alone."""
    rule = """
    - drop:
        path: [$.properties, $.assets.*]
        keys: {prefix: "mlm:"}
        reason: "the target has no field for {key}"
    """
    src = {"properties": {"mlm:name": "m", "title": "t", "mlm:input": [{"name": "x"}]},
           "assets": {"a": {"href": "h", "mlm:artifact_type": "pt"}, "b": "not an object"}}
    doc, entries = run(rule, src)
    assert doc == {"properties": {"title": "t"}, "assets": {"a": {"href": "h"}, "b": "not an object"}}
    e = at(entries, "/properties/mlm:input/0/name")
    assert (e["status"], e["reason"]) == ("dropped", "the target has no field for mlm:input")
    e = at(entries, "/assets/a/mlm:artifact_type")
    assert (e["status"], e["reason"]) == ("dropped", "the target has no field for mlm:artifact_type")
    assert at(entries, "/properties/title")["status"] == "kept"


def test_to_string_writes_numbers_as_text_with_their_value_in_the_reason(run):
    """``to_string``: an integer or float becomes its decimal text in place; a float gets ``float_reason``; strings
    and booleans stay as they are."""
    rule = """
    - to_string:
        path: [$.a, $.b, $.c, $.d]
        status: repaired
        reason: "{value!r} became {text!r}"
        float_reason: "{value!r} became {text!r}; trailing zeros cannot be known"
    """
    doc, entries = run(rule, {"a": 3, "b": 1.10, "c": True, "d": "x"})
    assert doc == {"a": "3", "b": "1.1", "c": True, "d": "x"}
    assert (at(entries, "/a")["status"], at(entries, "/a")["reason"]) == ("repaired", "3 became '3'")
    assert at(entries, "/b")["reason"] == "1.1 became '1.1'; trailing zeros cannot be known"
    assert at(entries, "/c")["status"] == at(entries, "/d")["status"] == "kept"


@pytest.mark.parametrize("reason", ["{value.__class__}", "{value[0]}", "{other}"])
def test_reason_templates_take_only_their_named_fields(run, reason):
    """A reason template is plain str.format with fixed names: attribute or index access is refused at load."""
    with pytest.raises(Exception, match="is not one of"):
        run(f'- to_string: {{path: $.a, reason: "{reason}"}}', {"a": 1})
    with pytest.raises(Exception, match="is not one of"):
        run(f'- drop: {{path: $.p, keys: {{prefix: "x:"}}, reason: "{reason}"}}', {"p": {"x:a": 1}})


def test_a_pointer_ending_in_dash_appends_to_a_list(run):
    """JSON Pointer's ``-`` (RFC 6901: the element after the last) makes ``default``/``set`` append to a list; with
    ``not_contains`` the value is added once (an asset with mlm:entrypoint gains the ``code`` role)."""
    rule = """
    - each:
        path: $.assets.*
        rules:
          - default:
              path: /roles/-
              value: code
              when: {exists: /entry, not_contains: {/roles: code}}
              reason: entry needs the code role
    """
    src = {"assets": {"a": {"entry": "m:f", "roles": ["data"]}, "b": {"entry": "m:f", "roles": ["code"]},
                      "c": {"roles": ["data"]}}}
    doc, entries = run(rule, src)
    assert [doc["assets"][k]["roles"] for k in "abc"] == [["data", "code"], ["code"], ["data"]]
    assert {p: e["reason"] for p, e in created(entries).items()} == {"/assets/a/roles/1": "entry needs the code role"}
    assert at(entries, "/assets/a/roles/0")["status"] == "kept"
    doc, _ = run("- set: {path: /-, value: 1, reason: a key named -}", {})
    assert doc == {"-": 1}  # on an object "-" is an ordinary key


def test_set_names_the_value_it_replaces(run):
    """``set``: ``{old}`` in the reason is the value replaced; a new value is invented with the reason as written."""
    rule = '- set: {path: /v, value: "1.1.0", reason: "{old} became 1.1.0"}'
    doc, entries = run(rule, {"v": "1.0.0"})
    assert doc == {"v": "1.1.0"}
    assert (at(entries, "/v")["status"], at(entries, "/v")["reason"]) == ("transformed", "1.0.0 became 1.1.0")
    with pytest.raises(Exception, match="is not one of"):
        run('- set: {path: /v, value: 1, reason: "{old.__class__}"}', {"v": 0})


def test_map_values_splice_with_a_status_and_merge(run):
    """A splice entry's ``status: lossy`` is the status of the element replaced; with ``merge`` a value stays only
    where it first occurs and a later element equal to it merges into it (reported there, ``moved``)."""
    rules = """
    - map_values:
        path: "$.tasks[*]"
        merge: true
        table: {downscaling: {values: [regression], status: lossy, reason: nearest older task}}
    """
    doc, entries = run(rules, {"tasks": ["downscaling", "x", "regression"]})
    assert doc == {"tasks": ["regression", "x"]}
    assert (at(entries, "/tasks/0")["status"], at(entries, "/tasks/0")["to"]) == ("lossy", ["/tasks/0"])
    assert at(entries, "/tasks/0")["reason"] == "nearest older task"
    assert (at(entries, "/tasks/2")["status"], at(entries, "/tasks/2")["to"]) == ("moved", ["/tasks/0"])
    assert at(entries, "/tasks/1")["status"] == "kept"
    doc, entries = run(rules, {"tasks": ["x", "regression", "downscaling"]})
    assert doc == {"tasks": ["x", "regression"]}
    assert (at(entries, "/tasks/2")["status"], at(entries, "/tasks/2")["to"]) == ("lossy", ["/tasks/1"])


def test_map_values_splice_status_without_merge_drops_a_value_already_listed(run):
    """Without ``merge`` a splice does not repeat a value already in the list: an element whose only value is
    already there is dropped with the entry's reason; otherwise it takes the status of its entry."""
    rules = """
    - map_values:
        path: "$.tasks[*]"
        table: {downscaling: {values: [regression, super-resolution], status: lossy, reason: nearest tasks}}
    """
    doc, entries = run(rules, {"tasks": ["downscaling", "x"]})
    assert doc == {"tasks": ["regression", "super-resolution", "x"]}
    seg = at(entries, "/tasks/0")
    assert seg["status"] == "lossy" and set(seg["to"]) == {"/tasks/0", "/tasks/1"}
    assert (at(entries, "/tasks/1")["status"], at(entries, "/tasks/1")["to"]) == ("moved", ["/tasks/2"])
    doc, entries = run(rules, {"tasks": ["regression", "super-resolution", "downscaling"]})
    assert doc == {"tasks": ["regression", "super-resolution"]}
    assert (at(entries, "/tasks/2")["status"], at(entries, "/tasks/2")["reason"]) == ("dropped", "nearest tasks")


# -- guards that search (matches / no_match) -------------------------------------------------------------------


def test_guard_no_match_asks_whether_any_array_element_passes_a_filter(run):
    """``no_match`` holds when a filtered jsonpath finds nothing: here "no asset lists the mlm:model role"; roles
    given as a string, not an array, are no roles."""
    rules = """
    - default:
        path: /assets/model
        value: {roles: [mlm:model]}
        reason: placeholder
        when: {no_match: "$.assets.*.roles[?(@ == 'mlm:model')]"}
    """
    doc, entries = run(rules, {"assets": {"a": {"roles": ["data"]}, "b": {"roles": "mlm:model"}}})
    assert doc["assets"]["model"] == {"roles": ["mlm:model"]}
    assert created(entries)["/assets/model"]["reason"] == "placeholder"
    source = {"assets": {"w": {"roles": ["data", "mlm:model"]}}}
    doc, _ = run(rules, source)
    assert doc == source


def test_guard_matches_is_relative_to_where_the_rule_works(run):
    rules = """
    - each:
        path: "$.items[*]"
        rules:
          - set: {path: /trained, value: true, reason: trained, when: {matches: "$.links[?(@.rel == 'train')]"}}
    """
    doc, _ = run(rules, {"items": [{"links": [{"rel": "train"}]}, {"links": [{"rel": "test"}]}, {"links": {}}]})
    assert [item.get("trained") for item in doc["items"]] == [True, None, None]


def test_guard_filters_leave_objects_untouched(run):
    """A filter over an object finds nothing (jsonpath-ng's own filter would turn the object into a list of its
    values inside the document)."""
    source = {"assets": {"a": {"roles": ["mlm:model"]}}}
    rule = """- set: {path: /x, value: 1, reason: some reason, when: {matches: "$.assets[?(@.roles)]"}}"""
    doc, _ = run(rule, source)
    assert doc == source


def test_guard_numeric_filter_passes_over_elements_it_cannot_compare(run):
    """jsonpath-ng raises when a filter compares a number with null or an object; such an element does not
    match, and the other elements still decide."""
    rule = """- set: {path: /x, value: 1, reason: some reason, when: {matches: "$.a[?(@ == 1)]"}}"""
    for values, holds in (([None, {"b": 1}, 1], True), ([None, {"b": 1}, 2], False), ([None], False)):
        doc, _ = run(rule, {"a": values})
        assert ("x" in doc) is holds, values


def test_guard_bad_filter_path_fails_when_the_mapping_loads(run):
    with pytest.raises(Exception, match="bad jsonpath"):
        run("""- set: {path: /x, value: 1, reason: some reason, when: {matches: "$.a[?(@.b =="}}""", {})


@pytest.mark.parametrize(("visits", "holds"), [
    ((), True),  # no plan: nothing comes after the step
    (("mlm@1.4.0",), True),
    (("mlm@1.4.0", "mlm@1.5.0"), False),
    (("mlm@1.4.0", "mlm@1.5.0", "mlm@1.5.1", "mlm@1.5.2", "dlm@1.0.0-draft"), False),  # through it to another family
    (("ml-model@1.0.0",), True),  # another family only
])
def test_guard_stops_before_asks_whether_any_step_lands_on_that_version_or_later(tmp_path, visits, holds):
    from crosswalk.language.formats import Format

    path = tmp_path / "test_edge.yaml"
    path.write_text(HEADER + "  - set: {path: /x, value: 1, reason: some reason, when: {stops_before: mlm@1.5.0}}\n",
                    encoding="utf-8")
    work = {}
    apply(load_mapping(path), Ctx(work, Ledger({}), options={"visits": tuple(map(Format.parse, visits))}))
    assert ("x" in work) is holds


def test_guard_stops_before_names_a_known_version(run):
    with pytest.raises(Exception, match="unknown version"):
        run("""- set: {path: /x, value: 1, reason: some reason, when: {stops_before: mlm@9.9.9}}""", {})


# -- guards as data: each negated test is the other's opposite -------------------------------------------------
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from([0.5, "x", "image"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("ab"),
                       inner, max_size=2), max_leaves=6)
_POINTERS = st.sampled_from(["/a", "/b", "/a/0", "/a/b", "/a/1"])


@given(doc=st.dictionaries(st.sampled_from("ab"), _VALUES, max_size=2), pointer=_POINTERS, value=_VALUES,
       kind=st.sampled_from(["object", "array", "string", "number", "integer", "boolean", "null"]))
def test_a_negated_guard_test_holds_exactly_where_its_test_does_not(doc, pointer, value, kind):
    from crosswalk.engine.ops import Guard

    ctx = Ctx(doc, Ledger(doc))
    pairs = [
        ({"exists": pointer}, {"absent": pointer}),
        ({"type": {pointer: kind}}, {"not_type": {pointer: kind}}),
        ({"equals": {pointer: value}}, {"not_equals": {pointer: value}}),
        ({"contains": {pointer: value}}, {"not_contains": {pointer: value}}),
        ({"matches": "$.a[?(@ == 'x')]"}, {"no_match": "$.a[?(@ == 'x')]"}),
    ]
    for test, negated in pairs:
        assert Guard(test).holds(ctx) != Guard(negated).holds(ctx), (test, doc)
    assert Guard(pointer).holds(ctx) == Guard({"exists": pointer}).holds(ctx)


@pytest.mark.parametrize("listed, item, holds", [
    ([1, "x"], "x", True),
    ([1], True, False),  # Python's `in` finds True in [1]; JSON does not
    ([1.0], 1, False),
    ([[1], {"a": 0}], {"a": False}, False),
    ([[1], {"a": 0}], {"a": 0}, True),
])
def test_contains_is_json_equality(listed, item, holds):
    from crosswalk.engine.ops import Guard

    doc = {"a": listed}
    assert Guard({"contains": {"/a": item}}).holds(Ctx(doc, Ledger(doc))) is holds


def test_a_rule_passed_by_sees_the_value_a_rule_before_it_replaced(run):
    """`run_rules` passes by a rule whose paths start with a member the value lacks, reading that value once for
    rules in a row passed by: after a rule that ran (here one that turns the element from a list into an object),
    it is read again."""
    out, entries = run("""
        - each:
            path: $.items[*]
            rules:
              - drop: {path: $.a, reason: not yet an object}
              - unwrap: {path: $, reason: the element's one element}
              - drop: {path: $.a, reason: a gone}
              - drop: {path: $.b, reason: b gone}
    """, {"items": [[{"a": 1, "b": 2, "c": 3}]]})
    assert out == {"items": [{"c": 3}]}
    assert at(entries, "/items/0/0/a")["reason"].endswith("a gone")
