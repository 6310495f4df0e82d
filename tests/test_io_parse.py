"""The JSON reader's duplicate-key check, as properties: never a false alarm on a text without a key written twice,
whatever its strings hold (colons, quotes, escapes, \\u003a) or how it is written; always the key that is."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crosswalk.engine.report import leaf_count
from crosswalk.io.parse import duplicate_keys, load_json_checked, read_json_written, written_leaves

TEXT = st.text(alphabet='ab:"\\/ é\u2028', max_size=6)
SCALAR = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False,
                                                                                allow_infinity=False) | TEXT
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                     max_leaves=8)
STYLE = st.sampled_from([{}, {"indent": 2}, {"ensure_ascii": False}, {"separators": (",", ":")},
                         {"indent": 1, "ensure_ascii": False, "separators": (" ,", " : ")}])


@given(VALUE, STYLE)
def test_no_key_written_twice_no_repair(value, style) -> None:
    text = json.dumps(value, **style)
    doc, repairs = load_json_checked(text.encode("utf-8"), "x.json")
    assert doc == value and [r for r in repairs if "written" in r["reason"]] == []
    assert duplicate_keys(text, json.loads(text)) == []


@given(st.dictionaries(TEXT, VALUE, min_size=1, max_size=3), VALUE, STYLE)
def test_a_key_written_twice_is_found_at_its_path(obj, lost, style) -> None:
    key = next(iter(obj))
    inner = json.dumps(obj, **style)
    opening = "{" + json.dumps(key) + ": " + json.dumps(lost) + ", "
    text = '{"x": [' + opening + inner[1:] + "]}"
    doc, repairs = load_json_checked(text.encode("utf-8"), "x.json")
    assert doc == {"x": [obj]}
    found = [r for r in repairs if "written 2 times" in r["reason"]]
    assert [r["path"] for r in found] == ["/x/0/" + key.replace("~", "~0").replace("/", "~1")]
    said = json.dumps(lost, ensure_ascii=False)
    assert (said if len(said) <= 60 else said[:57] + "...") in found[0]["reason"]


def test_a_colon_spelt_as_an_escape_is_no_key() -> None:
    """A colon written \\u003a in a text reads as a colon: the cheap count cannot tell, the key-by-key read can."""
    clean = b'{"a": "x\\u003ay", "b": 1}'
    assert load_json_checked(clean, "x.json") == ({"a": "x:y", "b": 1}, [])
    doubled = b'{"a": "x\\u003ay", "a": 1}'
    doc, repairs = load_json_checked(doubled, "x.json")
    assert doc == {"a": 1} and [r["path"] for r in repairs] == ["/a"] and '"x:y"' in repairs[0]["reason"]


def test_a_lost_value_with_a_lone_surrogate_is_named_in_text() -> None:
    """A lost value is never read, so no repair replaces its lone surrogate: the reason spells it as the JSON
    escape the document wrote, and stays text that can be written (UTF-8)."""
    doc, repairs = load_json_checked(b'{"a": "x\\ud800", "a": {"k\\udc80": 1}, "a": 2}', "x.json")
    assert doc == {"a": 2} and [r["path"] for r in repairs] == ["/a"]
    reason = repairs[0]["reason"]
    reason.encode("utf-8")
    assert '"x\\ud800"' in reason and '{"k\\udc80": 1}' in reason and "3 times" in reason


def test_a_key_written_twice_inside_a_lost_value_is_no_loss_of_the_document() -> None:
    """Only what a reader keeps can lose a key: a duplicate inside a value that is itself lost is part of that
    loss (its path is nowhere in the document), one inside the value kept is its own."""
    doc, repairs = load_json_checked(b'{"a": {"d": 1, "d": 2}, "a": {"e": 3, "e": 4}}', "x.json")
    assert doc == {"a": {"e": 4}}
    assert [r["path"] for r in repairs] == ["/a", "/a/e"]


# A key written twice is reported however the text is read: behind a byte-order mark, or in a text with comments,
# in single mode and in a bulk run alike (each was once lost in silence in one of them).
DUPLICATED = '{"type": "Feature", "id": "lost", "id": "kept", "properties": {}}'


def _said_lost(repairs) -> bool:
    return any('the key "id" is written 2 times' in r["reason"] and '"lost"' in r["reason"] for r in repairs)


def test_a_key_written_twice_is_found_behind_a_byte_order_mark_and_in_a_text_with_comments(tmp_path) -> None:
    from crosswalk.bulk.tree import _parse
    from crosswalk.io.documents import read_document_repairs

    for name, data in (("bom.json", b"\xef\xbb\xbf" + DUPLICATED.encode()),
                       ("comments.json", ("// a comment\n" + DUPLICATED).encode()),
                       ("both.json", b"\xef\xbb\xbf// a comment\n" + DUPLICATED.encode())):
        path = tmp_path / name
        path.write_bytes(data)
        doc, repairs = read_document_repairs(str(path))
        assert doc["id"] == "kept" and _said_lost(repairs), (name, repairs)
        doc, repairs, _ = _parse(data, str(path), name, lenient=True)
        assert doc["id"] == "kept" and _said_lost(repairs), (name, repairs)


def test_a_key_written_twice_in_yaml_is_reported_as_in_json(tmp_path) -> None:
    """YAML readers keep the last value too: a legacy .yml Item (or a .json file the lenient reader reads as YAML)
    loses the first in silence unless it is reported; so do keys JSON spells alike (``1`` and ``"1"``)."""
    from crosswalk.bulk.tree import _parse
    from crosswalk.io.documents import read_document_repairs

    text = 'type: Feature\nid: lost\nid: kept\nproperties:\n  1: one\n  "1": uno\n  <<: {x: 1}\n  x: 2\n'
    for name in ("item.yml", "item.json"):  # the .json is no JSON: read as YAML
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        for doc, repairs in (read_document_repairs(str(path)), _parse(text.encode(), str(path), name, True)[:2]):
            assert doc["id"] == "kept" and doc["properties"] == {"1": "uno", "x": 2}, (name, doc)
            said = {r["path"]: r["reason"] for r in repairs if "written" in r["reason"]}
            assert said == {
                "/id": 'the key "id" is written 2 times in one object: the last value is read, as YAML readers do; '
                       'lost: "lost"',
                "/properties/1": 'the key "1" is written 2 times in one object: the last value is read, as YAML '
                                 'readers do; lost: "one"'}, (name, said)


def test_an_empty_text_is_said_to_be_empty():
    from crosswalk.errors import ReadError
    from crosswalk.io.parse import load_json

    for text in ("", "  \n", b"\n"):
        with pytest.raises(ReadError, match="^x.json: empty: no JSON document in it$"):
            load_json(text, "x.json")


TEXT_WITH_BRACKETS = st.text(alphabet='{}[]\n:," é', max_size=6)  # what could pass for an opening in the text
DEEP = st.recursive(SCALAR | TEXT_WITH_BRACKETS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(TEXT_WITH_BRACKETS, inner, max_size=3), max_leaves=12)


@given(DEEP, STYLE)
def test_leaves_counted_in_the_written_text_are_the_documents(value, style) -> None:
    """A bulk run counts a document's leaves in the text the reader wrote out (`written_leaves`), not by a walk:
    the same number, whatever its strings hold (brackets, newlines) or how the file was written."""
    text = json.dumps(value, **style).encode("utf-8")
    doc, repairs, twin, written = read_json_written(text, "x.json", twin=True)
    if written is None:  # an integer orjson cannot read, or a repair: no text handed over, nothing counted in it
        assert repairs or twin is None
        return
    assert written_leaves(written) == leaf_count(doc) and twin == doc
