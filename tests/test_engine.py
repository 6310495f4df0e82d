"""The engine: a crashing rule is a RuleError naming the data path and the rule; the pipeline never mutates input."""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path

import pytest
from conftest import CORPORA

from crosswalk import pipeline
from crosswalk.engine.ctx import Ctx
from crosswalk.engine.ledger import Ledger
from crosswalk.engine.ops import apply
from crosswalk.errors import CrosswalkError, RuleError
from crosswalk.language.spec import load_mapping
from crosswalk.resources import mappings_dir
from crosswalk.transforms import REGISTRY, Transform

HEADER = "language: 1\nid: test_edge\nsource: mlm@1.0.0\ntarget: mlm@1.1.0\nsummary: test mapping\nrules:\n"
CORPUS = sorted(p for p in CORPORA.glob("*/*.json"))


def boom_at(path):
    def fn(ctx):
        ctx.current = path
        raise RuntimeError("kaboom")

    return fn


def boom(ctx):
    raise RuntimeError("kaboom")


def register(monkeypatch, name, fn):
    monkeypatch.setitem(REGISTRY, name, Transform(name, fn, (), ()))


def load(tmp_path: Path, rules: str):
    path = tmp_path / "test_edge.yaml"
    path.write_text(HEADER + textwrap.indent(textwrap.dedent(rules).strip("\n") + "\n", "  "), encoding="utf-8")
    return load_mapping(path)


def run(mapping, doc, href=None):
    apply(mapping, Ctx(doc, Ledger(copy.deepcopy(doc)), href=href))


def test_crashing_transform_names_data_path_and_rule(tmp_path, monkeypatch):
    register(monkeypatch, "test.boom", boom_at(("properties", "mlm:input", "0")))
    mapping = load(tmp_path, "- drop: {path: $.x, reason: unwanted}\n- transform: {name: test.boom}")
    with pytest.raises(RuleError) as err:
        run(mapping, {"properties": {}}, href="item.json")
    msg = str(err.value)
    assert msg.startswith("item.json at /properties/mlm:input/0: ")
    assert "RuntimeError" not in msg and "cannot convert here" in msg  # the user's words, not Python's
    assert isinstance(err.value.__cause__, RuntimeError)  # kept for debugging
    assert "test_edge.yaml:8" in msg and "#1 transform" in msg
    assert err.value.path == "/properties/mlm:input/0"
    assert "\n" not in msg


def test_crash_keeps_the_original_exception_as_cause(tmp_path, monkeypatch):
    register(monkeypatch, "test.boom", boom)
    with pytest.raises(RuleError) as err:
        run(load(tmp_path, "- transform: {name: test.boom}"), {})
    assert isinstance(err.value.__cause__, RuntimeError)


def test_crashing_op_names_the_matched_path(tmp_path):
    mapping = load(tmp_path, '- move: {path: "$.l[1]", to: /x}')
    with pytest.raises(RuleError) as err:
        run(mapping, {"l": [1, 2]})
    assert err.value.path == "/l/1"
    assert "test_edge.yaml:7 #0 move" in str(err.value)


def test_crash_inside_each_names_the_inner_rule(tmp_path, monkeypatch):
    register(monkeypatch, "test.boom", boom_at(("l", "1", "v")))
    mapping = load(
        tmp_path,
        """
        - each:
            path: "$.l[*]"
            rules:
              - rename: {path: $.a, to: b}
              - transform: {name: test.boom}
        """,
    )
    with pytest.raises(RuleError) as err:
        run(mapping, {"l": [{"v": 1}, {"v": 2}]})
    assert err.value.path == "/l/1/v"
    assert "test_edge.yaml:11 #1 transform" in str(err.value)
    assert str(err.value).count("[rule") == 1


def test_crashing_transform_inside_each_names_the_element(tmp_path, monkeypatch):
    register(monkeypatch, "test.boom", boom)
    mapping = load(tmp_path, '- each:\n    path: "$.l[*]"\n    rules:\n      - transform: {name: test.boom}')
    with pytest.raises(RuleError) as err:
        run(mapping, {"l": [{"v": 1}]})
    assert err.value.path == "/l/0"


def test_crosswalk_errors_from_rules_pass_through_unwrapped(tmp_path, monkeypatch):
    def refuse(ctx):
        raise CrosswalkError("not convertible", path="/x")

    register(monkeypatch, "test.refuse", refuse)
    with pytest.raises(CrosswalkError) as err:
        run(load(tmp_path, "- transform: {name: test.refuse}"), {})
    assert type(err.value) is CrosswalkError
    assert err.value.path == "/x"


def _line_of(path: Path, text: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return n
    raise AssertionError(f"{text} not in {path}")


def test_pipeline_reports_a_crashing_rule_as_result_error(monkeypatch):
    register(monkeypatch, "stac.unused_extensions", boom)
    src = CORPORA / "mlm" / "spec-1.0.0-item_basic.json"
    doc = json.loads(src.read_text(encoding="utf-8"))
    result = pipeline.convert(doc, href="basic.json")
    assert not result.ok and result.document is None
    assert isinstance(result.error, RuleError)
    msg = str(result.error)
    assert msg.startswith("basic.json")
    assert f"repairs.yaml:{_line_of(mappings_dir() / 'repairs.yaml', 'stac.unused_extensions')}" in msg


@pytest.mark.parametrize("src", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pipeline_never_mutates_its_input(src: Path):
    doc = json.loads(src.read_text(encoding="utf-8"))
    before = copy.deepcopy(doc)
    result = pipeline.convert(doc, href=src.name, verify=True)
    assert result.ok, result.error
    assert doc == before
    assert json.dumps(doc) == json.dumps(before)  # key order too


def _containers(obj, out):
    if isinstance(obj, (dict, list)):
        out.add(id(obj))
        for v in obj.values() if isinstance(obj, dict) else obj:
            _containers(v, out)
    return out


@pytest.mark.parametrize("src", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_output_shares_no_objects_with_input(src: Path):
    doc = json.loads(src.read_text(encoding="utf-8"))
    result = pipeline.convert(doc, href=src.name, validate=False)
    assert result.ok, result.error
    assert not (_containers(doc, set()) & _containers(result.document, set()))
