"""crosswalk.language.jsonpath_steps matches what jsonpath-ng matches: every jsonpath of every mapping file, over
every place of every corpus document and over generated documents."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import yaml
from conftest import corpus_inputs
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonpath_ng import parse
from test_every_direction import _all_files, _documents

from crosswalk.engine.ctx import datum_path
from crosswalk.language.jsonpath_steps import ALL_MEMBERS, EACH_ELEMENT, match, steps_of

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"


def _path_texts(node, out: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
            if key == "path":
                out.update(t for t in texts if isinstance(t, str) and t.startswith("$"))
            _path_texts(value, out)
    elif isinstance(node, list):
        for value in node:
            _path_texts(value, out)
    return out


TEXTS = sorted(
    {t for f in MAPPINGS.rglob("*.yaml") for t in _path_texts(yaml.safe_load(f.read_text(encoding="utf-8")), set())}
)
EXPRS = [(text, parse(text)) for text in TEXTS]


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
    for _, expr in EXPRS:
        steps = steps_of(expr)
        for root in roots:
            assert set(match(steps, root)) == _jsonpath_ng(expr, root)
            compared += 1
    return compared


def test_the_mappings_paths_are_steps():
    """The mappings write plain paths: none of them falls back to jsonpath-ng (a new one that did would still
    match correctly, only slower)."""
    assert len(TEXTS) > 50
    assert [text for text, expr in EXPRS if steps_of(expr) is None] == []


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


@settings(max_examples=150, deadline=None)
@given(st.lists(STEP, max_size=4), JSON)
def test_generated_paths_and_documents(steps, doc):
    text = "$" + "".join(s if s == "[*]" else f".{s}" for s in steps)
    expr = parse(text)
    assert set(match(steps_of(expr), doc)) == _jsonpath_ng(expr, doc)
