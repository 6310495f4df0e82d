"""crosswalk.engine.diff and `crosswalk diff`: semantic differences as JSON Pointers (added / removed / changed)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import CORPORA

from crosswalk.cli.main import main
from crosswalk.engine.diff import diff, render


def run(args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_equal_documents_have_no_differences() -> None:
    a = {"type": "Feature", "properties": {"x": 1, "y": [1, 2]}}
    b = {"properties": {"y": [1, 2], "x": 1.0}, "type": "Feature"}  # key order and int/float do not matter
    assert diff(a, b) == []


def test_added_removed_changed_with_old_and_new_values() -> None:
    a = {"properties": {"keep": 1, "gone": "x", "change": "a", "list": [1, 2, 3]}}
    b = {"properties": {"keep": 1, "new": {"k": True}, "change": "b", "list": [1, 5]}}
    assert diff(a, b) == [
        {"path": "/properties/change", "status": "changed", "old": "a", "new": "b"},
        {"path": "/properties/gone", "status": "removed", "old": "x"},
        {"path": "/properties/list/1", "status": "changed", "old": 2, "new": 5},
        {"path": "/properties/list/2", "status": "removed", "old": 3},
        {"path": "/properties/new", "status": "added", "new": {"k": True}},
    ]


def test_pointers_escape_slashes_and_tildes() -> None:
    assert diff({"a/b": {"c~d": 1}}, {"a/b": {"c~d": 2}}) == [
        {"path": "/a~1b/c~0d", "status": "changed", "old": 1, "new": 2}]


def test_type_change_is_a_change() -> None:
    assert diff({"x": [1]}, {"x": {"0": 1}}) == [{"path": "/x", "status": "changed", "old": [1], "new": {"0": 1}}]


def test_stac_extensions_and_links_are_sets_unless_strict() -> None:
    a = {"stac_extensions": ["u1", "u2"], "links": [{"rel": "self", "href": "a"}, {"rel": "root", "href": "b"}]}
    b = {"stac_extensions": ["u2", "u1"], "links": [{"rel": "root", "href": "b"}, {"rel": "self", "href": "a"}]}
    assert diff(a, b) == []
    assert diff(a, b, unordered=()) != []
    c = {"stac_extensions": ["u2", "u3"], "links": a["links"]}
    assert diff(a, c) == [
        {"path": "/stac_extensions/0", "status": "removed", "old": "u1"},
        {"path": "/stac_extensions/1", "status": "added", "new": "u3"},
    ]


def test_booleans_are_not_numbers_and_numbers_compare_exactly() -> None:
    assert diff({"p": True, "q": [False]}, {"p": 1, "q": [0]}) == [
        {"path": "/p", "status": "changed", "old": True, "new": 1},
        {"path": "/q/0", "status": "changed", "old": False, "new": 0},
    ]
    assert diff({"n": 9007199254740993, "eps": 1e-13, "x": 0.1 + 0.2}, {"n": 9007199254740992, "eps": 0, "x": 0.3}) == [
        {"path": "/eps", "status": "changed", "old": 1e-13, "new": 0},
        {"path": "/n", "status": "changed", "old": 9007199254740993, "new": 9007199254740992},
        {"path": "/x", "status": "changed", "old": 0.1 + 0.2, "new": 0.3},
    ]
    assert diff({"x": [1, True, {"y": False}]}, {"x": [1.0, True, {"y": False}]}) == []


def test_a_multiset_member_listed_twice_differs_from_once() -> None:
    assert diff({"stac_extensions": ["u1", "u2"]}, {"stac_extensions": ["u2", "u1", "u2"]}) == [
        {"path": "/stac_extensions/2", "status": "added", "new": "u2"}]
    assert diff({"stac_extensions": ["u1", "u1"]}, {"stac_extensions": ["u1"]}) == [
        {"path": "/stac_extensions/1", "status": "removed", "old": "u1"}]


def test_other_lists_keep_their_order() -> None:
    assert diff({"roles": ["a", "b"]}, {"roles": ["b", "a"]}) != []


def test_render_text_and_json() -> None:
    d = diff({"a": 1, "b": 2}, {"a": 3, "c": 4})
    text = render(d, "text")
    assert "~ /a: 1 -> 3" in text and "- /b: 2" in text and "+ /c: 4" in text
    data = json.loads(render(d, "json"))
    assert data["equal"] is False and len(data["differences"]) == 3
    assert render([], "text") == "no differences"


def test_cli_exit_codes_like_diff(tmp_path: Path) -> None:
    a = CORPORA / "ml-model" / "spec-dummy-item.json"
    doc = json.loads(a.read_text())
    doc["properties"]["ml-model:architecture"] = "something else"
    b = tmp_path / "b.json"
    b.write_text(json.dumps(doc))
    same = run(["diff", a, a])
    assert same.exit_code == 0 and same.stdout.strip() == "no differences"
    r = run(["diff", a, b, "--format", "json"])
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert data["differences"] == [{"path": "/properties/ml-model:architecture", "status": "changed",
                                    "old": json.loads(a.read_text())["properties"]["ml-model:architecture"],
                                    "new": "something else"}]
    missing = run(["diff", a, tmp_path / "nope.json"])
    assert missing.exit_code == 2


def test_a_member_added_inside_a_link_is_named_at_its_place_in_b():
    """Links pair across positions (a multiset): what B adds inside a link is at B's index, where B has it (the
    ml-model Item's train-data link, its 6th, is the MLM Item's 4th, with ml-aoi:split added)."""
    from crosswalk import pipeline
    from crosswalk.language.pointer import get, parse_pointer

    a = json.loads((CORPORA / "ml-model" / "spec-dummy-item.json").read_text())
    b = pipeline.convert(a, to="mlm").document
    found = diff(a, b)
    assert {"path": "/links/3/ml-aoi:split", "status": "added", "new": "train"} in found
    missing = object()
    for e in found:
        side = b if e["status"] == "added" else a
        assert get(side, parse_pointer(e["path"]), missing) is not missing, e
