"""crosswalk.language.jsonpath_steps matches what jsonpath-ng matches: every jsonpath of every mapping file, over
every place of every corpus document and over generated documents."""

from __future__ import annotations

import pickle
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import corpus_inputs, examples
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonpath_ng import parse
from test_every_direction import _all_files, _documents

from crosswalk.language.filters import parse_filter_path
from crosswalk.language.jsonpath_steps import (
    ALL_MEMBERS,
    EACH_ELEMENT,
    Filter,
    JsonPath,
    datum_path,
    first_names,
    match,
    steps_of,
)

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"


def _path_texts(node, out: set[str], kind: str = "path") -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
            if key == kind:
                out.update(t for t in texts if isinstance(t, str) and t.startswith("$"))
            _path_texts(value, out, kind)
    elif isinstance(node, list):
        for value in node:
            _path_texts(value, out, kind)
    return out


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DOCS = [yaml.load(f.read_text(encoding="utf-8"), Loader=_LOADER) for f in MAPPINGS.rglob("*.yaml")]


def _texts(*kinds: str) -> list[str]:
    return sorted({t for doc in _DOCS for kind in kinds for t in _path_texts(doc, set(), kind)})


TEXTS = _texts("path")
# the guards' jsonpath (`matches`, `no_match`), read by the guards' parser: array filters
GUARDS = _texts("matches", "no_match")


@cache
def _exprs() -> list[tuple[str, Any]]:
    """Every path parsed by jsonpath-ng (which builds its parser for every parse: done when a test needs them,
    not while the suite is collected)."""
    return [(text, parse(text)) for text in TEXTS] + [(text, parse_filter_path(text)) for text in GUARDS]


def _jsonpath_ng(expr, root) -> set[tuple[str, ...]]:
    return {datum_path(m) for m in expr.find(root)}


def _places(value):
    """Every object and array inside a document (``each`` matches its nested paths from each element; a scalar
    matches nothing but ``$`` and ``[*]``, which the generated documents cover)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            yield v
            stack.extend(v.values())
        elif isinstance(v, list):
            yield v
            stack.extend(v)


def _compare_on(files) -> int:
    roots = [place for path in files for _, doc in _documents(path) for place in _places(doc)]
    compared = 0
    for _, expr in _exprs():
        steps = steps_of(expr)
        for root in roots:
            assert set(match(steps, root)) == _jsonpath_ng(expr, root)
            compared += 1
    return compared


def test_the_mappings_paths_are_steps():
    """The mappings write plain paths: none of them falls back to jsonpath-ng (a new one that did would still
    match correctly, only slower)."""
    assert len(TEXTS) > 50 and len(GUARDS) >= 3
    assert [text for text, expr in _exprs() if steps_of(expr) is None] == []


@pytest.mark.parametrize(
    "text, steps",
    [
        ("$.a[?(@)]", (("a",), Filter(((None, ("any",)),)))),
        ("$.a[?(@ == 'x')].b", (("a",), Filter(((None, "x"),)), ("b",))),
        ("$.a[?(@.'k:y' == 'x')]", (("a",), Filter((("k:y", "x"),)))),
        ("$.a[?(@.k)]", (("a",), Filter((("k", ("any",)),)))),
        ("$.a[?(@ == 1)]", None),  # jsonpath-ng converts the element to int first
        ("$.a[?(@ != 'x')]", None),
        ("$.a[?(@.k.j == 'x')]", None),
        ("$.a[?(@.k == 'x' & @.j == 'y')]", (("a",), Filter((("k", "x"), ("j", "y"))))),
    ],
)
def test_steps_of_a_guard_filter(text, steps):
    assert steps_of(parse_filter_path(text)) == steps


def test_a_compiled_path_with_steps_pickles_without_jsonpath_ng():
    """A run from the cached mappings imports jsonpath-ng only for a path its steps do not cover."""
    doc = {"assets": {"m": {"roles": ["data", "mlm:model"]}}}
    for text, filters in (("$.assets.*.roles", False), ("$.assets.*.roles[?(@ == 'mlm:model')]", True)):
        path = JsonPath.compile(text, filters)
        data = pickle.dumps(path)
        assert b"jsonpath_ng" not in data
        again = pickle.loads(data)
        assert repr(again) == repr(path) and again.find(doc) == path.find(doc) != []
    other = JsonPath.compile("$.assets..roles")  # no steps: the parse is pickled, not parsed again at run time
    assert other.steps is None and b"jsonpath_ng" in pickle.dumps(other)
    assert pickle.loads(pickle.dumps(other)).find(doc) == [("assets", "m", "roles")]


@pytest.mark.parametrize(
    "text, steps",
    [
        ("$", ()),
        ("$.a", (("a",),)),
        ("$.properties.'mlm:input'[*].resize_type", (("properties",), ("mlm:input",), EACH_ELEMENT, ("resize_type",))),
        ("$.assets.*", (("assets",), ALL_MEMBERS)),
        ("$..a", None),
        ("$.a[0]", None),
        ("$.a[1:]", None),
        ("$.a.`this`", None),
    ],
)
def test_steps_of(text, steps):
    assert steps_of(parse(text)) == steps


def test_every_mapping_path_on_the_project_corpus():
    assert _compare_on(corpus_inputs()) > 10_000


@pytest.mark.slow
def test_every_mapping_path_on_every_corpus_place():
    """The real documents and the official examples too."""
    assert _compare_on(_all_files()) > 50_000


def test_steps_match_the_same_after_pickling():
    """Compiled mappings come back from the on-disk cache unpickled: the steps must match by value."""
    doc = {"properties": {"mlm:input": [{"resize_type": "x"}, {"resize_type": "y"}]}, "assets": {"a": 1, "b": 2}}
    for text in ("$.properties.'mlm:input'[*].resize_type", "$.assets.*"):
        steps = steps_of(parse(text))
        again = pickle.loads(pickle.dumps(steps))
        assert match(again, doc) == match(steps, doc) != []


NAMES = ["a", "b", "mlm:input", "0", "*"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(NAMES), inner, max_size=3),
    max_leaves=12,
)
STEP = st.sampled_from(["a", "b", "'mlm:input'", "'0'", "*", "[*]"])


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(STEP, max_size=4), JSON)
def test_generated_paths_and_documents(steps, doc):
    text = "$" + "".join(s if s == "[*]" else f".{s}" for s in steps)
    expr = parse(text)
    assert set(match(steps_of(expr), doc)) == _jsonpath_ng(expr, doc)


MEMBERS = ["k", "j"]
ELEMENT = st.recursive(
    st.none() | st.booleans() | st.integers(0, 2) | st.sampled_from(["x", "y", "1"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(MEMBERS), inner, max_size=2),
    max_leaves=8,
)
TEST = st.tuples(st.sampled_from(["@", "@.k", "@.j"]), st.sampled_from([None, "'x'", "'y'", "'1'"]))


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(TEST, min_size=1, max_size=2), st.sampled_from(["", ".k", "[*]"]), st.dictionaries(
    st.sampled_from(["a", "b"]), ELEMENT, max_size=2))
def test_generated_guard_filters_and_documents(tests, after, doc):
    text = "$.a[?(" + " & ".join(t if v is None else f"{t} == {v}" for t, v in tests) + ")]" + after
    expr = parse_filter_path(text)
    steps = steps_of(expr)
    if steps is None:  # jsonpath-ng reads `@ & @.k` as an intersection of paths: left to it
        assert len(tests) > 1 and any(v is None for _, v in tests)
        return
    assert set(match(steps, doc)) == _jsonpath_ng(expr, doc)


@pytest.mark.parametrize(
    "texts, names",
    [
        (["$.properties.a"], ("properties",)),
        (["$.properties.a", "$.assets.*", "$.properties.b"], ("properties", "assets")),  # each once, in order
        (["$.properties.a", "$.*"], None),  # `*` may match in any object
        (["$"], None),  # the value itself
        (["$[*].a"], None),
        (["$..a"], None),  # left to jsonpath-ng: no steps
        ([], None),  # no paths: an op without them (`set`, `transform`) is never passed by
    ],
)
def test_first_names(texts, names):
    assert first_names(tuple(JsonPath.compile(t) for t in texts)) == names


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.lists(STEP, max_size=3), min_size=1, max_size=2), JSON)
def test_paths_find_nothing_without_one_of_their_first_names(paths, doc):
    """What lets the engine pass a rule by: when the value lacks every first name, no path finds anything."""
    compiled = tuple(JsonPath.compile("$" + "".join(s if s == "[*]" else f".{s}" for s in steps)) for steps in paths)
    names = first_names(compiled)
    if names is not None and not (isinstance(doc, dict) and any(n in doc for n in names)):
        assert [p.find(doc) for p in compiled] == [[] for _ in compiled]
