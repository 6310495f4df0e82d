"""crosswalk.language.pointer: RFC 6901 formatting and parsing, and the small path helpers the engine uses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crosswalk.language.pointer import (
    exists,
    get,
    is_prefix,
    leaves,
    parse_pointer,
    put,
    rename_key,
    to_pointer,
)

# keys made mostly of the characters that need escaping or that other path syntaxes treat specially
KEY = st.text(alphabet=st.sampled_from(list("ab/~.:01 -$'\"[]*")), max_size=6)


@given(st.lists(KEY, max_size=5).map(tuple))
def test_pointer_round_trip(path):
    assert parse_pointer(to_pointer(path)) == path


@pytest.mark.parametrize(
    "path, pointer",
    [
        ((), ""),
        (("",), "/"),
        (("a/b",), "/a~1b"),
        (("c~d",), "/c~0d"),
        (("~1",), "/~01"),
        (("mlm:input", "0"), "/mlm:input/0"),
        (("eo.bands", "x"), "/eo.bands/x"),
    ],
)
def test_pointer_escapes_tilde_and_slash_only(path, pointer):
    assert to_pointer(path) == pointer
    assert parse_pointer(pointer) == path


def test_parse_pointer_rejects_relative_text():
    with pytest.raises(ValueError):
        parse_pointer("properties/x")


def test_get_through_objects_and_lists():
    doc = {"a": [{"b": 1}, {"b": 2}]}
    assert get(doc, ("a", "1", "b")) == 2
    assert get(doc, ()) is doc
    assert get(doc, ("a", "5"), "missing") == "missing"
    assert get(doc, ("a", "x")) is None
    assert get(doc, ("a", "0", "b", "c")) is None


def test_exists_distinguishes_null_from_absent():
    doc = {"a": None}
    assert exists(doc, ("a",))
    assert not exists(doc, ("b",))


def test_put_creates_missing_objects():
    doc: dict = {}
    put(doc, ("a", "b", "c"), 1)
    assert doc == {"a": {"b": {"c": 1}}}


def test_put_into_list_replaces_or_appends():
    doc = {"l": [1, 2]}
    put(doc, ("l", "0"), 9)
    put(doc, ("l", "2"), 3)
    assert doc == {"l": [9, 2, 3]}


def test_put_cannot_create_keys_inside_a_list():
    with pytest.raises(KeyError):
        put({"l": []}, ("l", "x", "y"), 1)


def test_rename_key_keeps_position():
    obj = {"x": 1, "old": 2, "z": 3}
    rename_key(obj, "old", "new")
    assert list(obj.items()) == [("x", 1), ("new", 2), ("z", 3)]


def test_leaves_are_scalars_and_empty_containers():
    doc = {"a": 1, "b": {}, "c": [], "d": [{"e": None}, "s"], "f/g": {"h~": True}}
    assert list(leaves(doc)) == [
        (("a",), 1),
        (("b",), {}),
        (("c",), []),
        (("d", "0", "e"), None),
        (("d", "1"), "s"),
        (("f/g", "h~"), True),
    ]


def test_leaves_of_a_scalar_and_an_empty_document():
    assert list(leaves(3)) == [((), 3)]
    assert list(leaves({})) == [((), {})]


def test_is_prefix():
    assert is_prefix((), ("a",))
    assert is_prefix(("a",), ("a", "b"))
    assert not is_prefix(("a", "b"), ("a",))
    assert not is_prefix(("a",), ("ab",))


def test_leaves_of_a_document_deeper_than_the_interpreter_stack():
    doc: object = "bottom"
    for i in range(5000):
        doc = {"k": doc} if i % 2 else [doc]
    (path, value), = leaves(doc)
    assert value == "bottom" and len(path) == 5000 and path[:2] == ("k", "0")
