"""Property tests over generated variants of the corpus documents (profile set in conftest.py).

Variants add unknown keys (with dots, colons, slashes and tildes in their names) to properties and assets,
delete optional keys, and shuffle the links.
"""

from __future__ import annotations

import copy
import json

from conftest import CORPORA
from hypothesis import given
from hypothesis import strategies as st

from crosswalk import pipeline
from crosswalk.errors import CrosswalkError

SOURCES = sorted([*CORPORA.glob("ml-model/*.json"), *CORPORA.glob("mlm/*.json")])
DOCS = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SOURCES}

REQUIRED_PROPERTIES = {"datetime", "mlm:name", "mlm:architecture", "mlm:tasks", "mlm:input", "mlm:output"}
REQUIRED_ASSET_KEYS = {"href", "roles"}
OPTIONAL_TOP = ("links", "bbox", "collection", "title", "description", "keywords", "providers")

NAME = st.text(alphabet="ab.:/~_-", min_size=1, max_size=8)
SCALAR = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False, allow_infinity=False) | st.text(
    max_size=5)
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAME, inner, max_size=3),
                     max_leaves=6)


def _hosts(doc):
    """The objects that get extra keys: an Item's properties and every asset."""
    hosts = []
    if isinstance(doc.get("properties"), dict):
        hosts.append(("properties",))
    for name, asset in (doc.get("assets") or {}).items():
        if isinstance(asset, dict):
            hosts.append(("assets", name))
    return hosts


def _optional_paths(doc):
    paths = [(k,) for k in OPTIONAL_TOP if k in doc]
    for k in doc.get("properties") or {}:
        if k not in REQUIRED_PROPERTIES:
            paths.append(("properties", k))
    for name, asset in (doc.get("assets") or {}).items():
        paths.extend(("assets", name, k) for k in asset if k not in REQUIRED_ASSET_KEYS)
    return paths


def _at(doc, path):
    for k in path:
        doc = doc[k]
    return doc


@st.composite
def variants(draw):
    name = draw(st.sampled_from(sorted(DOCS)))
    doc = copy.deepcopy(DOCS[name])
    optional = _optional_paths(doc)
    if optional:
        for path in draw(st.lists(st.sampled_from(optional), unique=True, max_size=3)):
            _at(doc, path[:-1]).pop(path[-1], None)
    hosts = _hosts(doc)
    if hosts:
        for host, key, value in draw(st.lists(st.tuples(st.sampled_from(hosts), NAME, VALUE), max_size=4)):
            _at(doc, host).setdefault(key, value)
    if isinstance(doc.get("links"), list):
        doc["links"] = draw(st.permutations(doc["links"]))
    return name, doc


def _convert(name, doc, **kwargs):
    result = pipeline.convert(doc, href=name, **{"verify": True, **kwargs})  # complete accounting, always
    if result.error is not None:
        assert isinstance(result.error, CrosswalkError)
        assert "\n" not in str(result.error)
    return result


@given(variants())
def test_no_exception_and_the_ledger_accounts_for_everything(variant):
    name, doc = variant
    result = _convert(name, doc, verify=True)
    if result.ok:
        ledger_issues = [i for i in result.report["issues"] if i["schema"] == "crosswalk:ledger"]
        assert ledger_issues == []


@given(variants())
def test_input_is_never_mutated(variant):
    name, doc = variant
    before = copy.deepcopy(doc)
    _convert(name, doc, validate=False)
    assert json.dumps(doc) == json.dumps(before)


@given(variants())
def test_converting_the_output_again_is_a_no_op(variant):
    name, doc = variant
    first = _convert(name, doc, validate=False)
    if not first.ok:
        return
    again = _convert(name, copy.deepcopy(first.document), to=str(first.target), validate=False)
    assert again.ok, again.error
    assert again.steps == []
    assert json.dumps(again.document) == json.dumps(first.document)
    assert {e["status"] for e in again.report["fields"]} == {"kept"}


@given(variants())
def test_output_is_deterministic(variant):
    name, doc = variant
    one = _convert(name, copy.deepcopy(doc))
    two = _convert(name, copy.deepcopy(doc))
    assert (one.error is None) == (two.error is None)
    if one.ok:
        assert json.dumps(one.document) == json.dumps(two.document)
        assert json.dumps(one.report) == json.dumps(two.report)
    else:
        assert str(one.error) == str(two.error)


# ------------------------------------------------------------------------------------------------------------
# The input limits (crosswalk.io.limits): what any parsed document becomes before it is converted

ODD_TEXT = st.text(alphabet=st.sampled_from(["a", "é", "😀", "\ud800", "\udfff", "/", "~"]), max_size=4)
ODD_SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | ODD_TEXT
ODD_VALUE = st.recursive(ODD_SCALAR, lambda inner: st.lists(inner, max_size=3)
                         | st.dictionaries(st.text(alphabet="ab/~", max_size=3), inner, max_size=3), max_leaves=12)


@given(ODD_VALUE)
def test_sanitized_documents_are_standard_json_and_every_repair_is_where_it_says(doc):
    import math

    from crosswalk.io.limits import sanitize
    from crosswalk.language.pointer import get, leaves, parse_pointer, to_pointer

    original = copy.deepcopy(doc)
    holder = [doc]
    repairs = sanitize(holder, "x.json")
    json.dumps(holder, allow_nan=False, ensure_ascii=False).encode("utf-8")  # raises on NaN or a lone surrogate
    for r in repairs:
        assert r["status"] == "repaired" and r["reason"]
        was = get([original], parse_pointer(r["path"]))
        now = get(holder, parse_pointer(r["path"]))
        assert (now is None and isinstance(was, float) and not math.isfinite(was)) or (
            isinstance(now, str) and "\ufffd" in now)
    repaired = {r["path"] for r in repairs}
    for path, value in leaves(holder):  # everything not repaired kept its value
        if to_pointer(path) not in repaired:
            assert json.dumps(value) == json.dumps(get([original], path))


NESTED_KEY = st.text(alphabet='ab"\\/~{}[],: ', min_size=0, max_size=4)


@given(st.lists(st.one_of(NESTED_KEY, st.integers(0, 3)), min_size=41, max_size=60))
def test_the_too_deep_path_from_the_text_is_the_path_sanitize_names(steps):
    """Two ways to name where a document passes the depth limit: scanning the text (when the parser itself
    cannot go that deep) and walking the parsed document. They must agree."""
    from crosswalk.errors import CrosswalkError
    from crosswalk.io.limits import sanitize
    from crosswalk.io.parse import _too_deep

    doc: object = 0
    for step in reversed(steps):
        doc = {step: doc, "z": [1]} if isinstance(step, str) else [*([0] * step), doc]
    text = json.dumps({"pre": [{}, "]"], "doc": doc}, ensure_ascii=False)
    try:
        sanitize(json.loads(text), "x.json")
    except CrosswalkError as e:
        walked = e.path
    else:  # pragma: no cover - every generated document is too deep
        raise AssertionError("not refused")
    assert _too_deep(text, "x.json").path == walked
