"""Loading mapping files: the shipped ones load; a broken one is a SpecError naming the file and the line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crosswalk.errors import SpecError
from crosswalk.language.edges import edge_index, load_mappings
from crosswalk.language.graph import VersionGraph
from crosswalk.language.spec import Mapping, load_invariants, load_mapping, step_ids
from crosswalk.resources import mappings_dir
from crosswalk.transforms import REGISTRY, Transform

HEADER = "language: 1\nid: broken\nsource: mlm@1.0.0\ntarget: mlm@1.1.0\nsummary: test mapping\nrules:\n"
# HEADER is 6 lines: the first rule is on line 7.

SHIPPED = sorted(p for p in mappings_dir().glob("*.yaml") if p.name != "formats.yaml")


def test_every_edge_file_loads():
    mappings = load_mappings()
    assert mappings, "no mapping files found"
    assert len(mappings) == 2 * len(list(mappings_dir().glob("*__*.yaml")))  # every step goes up and down
    assert all(isinstance(m, Mapping) and m.rules for m in mappings)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_mapping_file_loads(path: Path):
    mapping = load_mapping(path)
    assert mapping.summary
    registry_file = str(mappings_dir() / "formats.yaml")  # a version's step invariants live in the registry
    # rules of a file of shared rules keep their own file: only one the step names by `include`
    included = {str(mappings_dir() / name) for name in re.findall(r"^\s*- include: (\S+)", path.read_text(), re.M)}
    assert all(r.file in (str(path), registry_file, *included) and r.line > 0 for r in mapping.rules)


def test_an_unknown_invariant_group_is_a_spec_error_naming_the_registry():
    """The registry's families are annotated with their line number, which the search must pass over."""
    with pytest.raises(SpecError, match="no invariants 'mlm_9.invariants' in the format registry") as err:
        load_invariants("mlm_9.invariants")
    assert "formats.yaml" in str(err.value)


def test_a_bad_scalar_is_reported_at_its_own_line(tmp_path):
    """A schema error about a plain value names the line of its key, not the line of the object holding it."""
    header = "language: 1\nid: broken\nsource: mlm@1.0.0\ntarget: mlm@1.1.0\nsummary: s\nrules:\n"
    err = load_broken(tmp_path, "  - drop:\n      path: $.a\n      reason: 7\n", header=header)
    assert "broken.yaml:9:" in str(err)


def test_step_invariants_end_upgrade_steps_inside_the_family_once():
    """An upgrade step inside MLM ends with the invariants of the version it lands on, in the registry's order,
    and a rule the step lists itself is not run twice; downgrades and steps from other families get none."""
    names = lambda m: [r.args["name"] if r.op == "transform" else f"{r.op} {r.args['path']}"  # noqa: E731
                       for r in m.rules if r.op in ("transform", "each")]
    by_id = {m.id: m for m in load_mappings()}
    assert names(by_id["mlm_1.1.0__mlm_1.2.0"]) == ["mlm.band_definitions"]
    assert names(by_id["mlm_1.5.1__mlm_1.5.2"]) == [
        "mlm.value_scaling", "mlm.band_definitions", "mlm.artifact_type", "mlm.dim_order_bands",
        "each $.assets.*",  # mlm:entrypoint needs the code role
    ]
    assert names(by_id["mlm_1.4.0__mlm_1.5.0"]).count("each $.assets.*") == 1
    up_1_4 = names(by_id["mlm_1.3.0__mlm_1.4.0"])
    assert up_1_4.count("mlm.value_scaling") == 1 and up_1_4.count("mlm.artifact_type") == 1
    assert up_1_4[-1] == "mlm.band_definitions"
    assert "mlm.band_definitions" not in names(by_id["mlm_1.5.2__mlm_1.5.1"])
    assert "mlm.dim_order_bands" not in names(by_id["dlm_1.0.0-draft__mlm_1.5.2"])


def test_mapping_ids_match_file_names_and_edges():
    for m in load_mappings():
        assert m.id in step_ids(Path(m.file).stem)
        assert m.id == f"{m.source.family}_{m.source.version}__{m.target.family}_{m.target.version}"


def test_shipped_mappings_form_a_graph_without_duplicate_edges():
    graph = VersionGraph(load_mappings())
    assert len(graph.nodes()) >= 2


def test_rule_lines_point_at_the_rule(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(HEADER + "  - rename: {path: $.a, to: b}\n\n  - drop:\n      path: $.c\n      reason: unwanted\n")
    rules = load_mapping(path).rules
    assert [r.line for r in rules] == [7, 9]
    assert rules[1].where == "ok.yaml:9 #1 drop"


def load_broken(tmp_path: Path, rules: str, header: str = HEADER) -> SpecError:
    path = tmp_path / "broken.yaml"
    path.write_text(header + rules, encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_mapping(path)
    return err.value


def test_unknown_op_names_file_and_line(tmp_path):
    err = load_broken(tmp_path, "  - drop: {path: $.a, reason: unwanted}\n  - frobnicate: {path: $.a}\n")
    assert f"{tmp_path / 'broken.yaml'}:8:" in str(err)
    assert "frobnicate" in str(err)


def test_drop_without_reason_names_file_and_line(tmp_path):
    err = load_broken(tmp_path, "  - rename: {path: $.a, to: b}\n  - drop: {path: $.a}\n")
    assert "broken.yaml:8:" in str(err)
    assert "'reason' is a required property" in str(err)


def test_missing_reason_inside_each_names_the_nested_line(tmp_path):
    err = load_broken(
        tmp_path,
        "  - each:\n      path: $.a[*]\n      rules:\n"
        "        - rename: {path: $.b, to: c}\n        - drop: {path: $.c}\n",
    )
    assert "broken.yaml:11:" in str(err)
    assert "reason" in str(err)


def test_too_short_reason_is_rejected(tmp_path):
    err = load_broken(tmp_path, "  - drop: {path: $.a, reason: x}\n")
    assert "broken.yaml:7:" in str(err)


def test_unknown_argument_is_rejected(tmp_path):
    err = load_broken(tmp_path, "  - rename: {path: $.a, to: b, extra: 1}\n")
    assert "broken.yaml:7:" in str(err) and "extra" in str(err)


def test_unknown_transform_suggests_the_near_miss(tmp_path, monkeypatch):
    monkeypatch.setitem(REGISTRY, "test.frobnicate", Transform("test.frobnicate", lambda ctx: None, (), ()))
    err = load_broken(tmp_path, "  - rename: {path: $.a, to: b}\n  - transform: {name: test.frobnicat}\n")
    assert "broken.yaml:8:" in str(err)
    assert "unknown transform 'test.frobnicat'" in str(err)
    assert "did you mean 'test.frobnicate'" in str(err)


def test_unknown_transform_without_near_miss_has_no_suggestion(tmp_path):
    err = load_broken(tmp_path, "  - transform: {name: zzzz.qqqq}\n")
    assert "broken.yaml:7:" in str(err)
    assert "did you mean" not in str(err)


def test_bad_jsonpath_names_file_and_line(tmp_path):
    err = load_broken(tmp_path, "  - rename: {path: $.a, to: b}\n  - drop: {path: '$.a[', reason: unwanted}\n")
    assert "broken.yaml:8:" in str(err)
    assert "bad jsonpath '$.a['" in str(err)


def test_bad_jsonpath_in_a_list_of_paths(tmp_path):
    err = load_broken(tmp_path, "  - drop:\n      path: [$.a, '$..[']\n      reason: unwanted\n")
    assert "broken.yaml:7:" in str(err)
    assert "bad jsonpath" in str(err)


def test_path_not_starting_with_dollar_is_rejected(tmp_path):
    err = load_broken(tmp_path, "  - drop: {path: a.b, reason: unwanted}\n")
    assert "broken.yaml:7:" in str(err)


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    err = load_broken(tmp_path, "  - rename: {path: $.a, to: b}\n  - drop: {path: [$.a, reason: unwanted}\n")
    assert "broken.yaml:8:" in str(err)
    assert "invalid YAML" in str(err)


def test_yaml_indentation_error_names_file_and_line(tmp_path):
    err = load_broken(tmp_path, "  - rename: {path: $.a, to: b}\n   bad: indent\n")
    assert "broken.yaml:8:" in str(err)


def test_unknown_table_names_file_and_line(tmp_path):
    err = load_broken(tmp_path, "  - rename: {path: $.a, to: b}\n  - map_values: {path: $.a, table: nosuchtable}\n")
    assert "broken.yaml:8:" in str(err) and "nosuchtable" in str(err)


def test_a_table_name_defined_twice_is_an_error_naming_both_files(tmp_path):
    """Tables of every file are merged by name: a second definition would silently replace the first."""
    from crosswalk.resources import _parse_tables

    (tmp_path / "a.yaml").write_text("units: {m: metre}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("units: {m: mile}\nother: {x: y}\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"b\.yaml.*value table 'units' is also defined in a\.yaml"):
        _parse_tables([tmp_path / "a.yaml", tmp_path / "b.yaml"])
    assert set(_parse_tables([tmp_path / "b.yaml"])) == {"units", "other"}


def test_a_rule_target_at_the_root_is_an_error_naming_its_line(tmp_path):
    err = load_broken(tmp_path, "  - rename: {path: $.a, to: b}\n  - move: {path: $.a, to: \"\"}\n")
    assert "broken.yaml:8:" in str(err) and "whole document" in str(err)


def test_missing_top_level_key(tmp_path):
    err = load_broken(tmp_path, "", header="language: 1\nid: broken\nsource: mlm@1.0.0\ntarget: mlm@1.1.0\nrules: []\n")
    assert "broken.yaml:1:" in str(err) and "summary" in str(err)


def test_not_a_yaml_object(tmp_path):
    err = load_broken(tmp_path, "", header="- a\n- b\n")
    assert "broken.yaml" in str(err) and "YAML object" in str(err)


def test_schema_error_message_is_one_line(tmp_path):
    err = load_broken(tmp_path, "  - drop: {path: $.a}\n")
    assert "\n" not in str(err)


def test_yaml_error_message_is_one_line(tmp_path):
    err = load_broken(tmp_path, "  - drop: {path: [$.a, reason: unwanted}\n")
    assert "\n" not in str(err)


def test_unknown_format_version_names_the_source_line(tmp_path):
    header = "language: 1\nid: broken\nsource: mlm@9.9.9\ntarget: mlm@1.1.0\nsummary: s\nrules: []\n"
    err = load_broken(tmp_path, "", header=header)
    assert "broken.yaml:3:" in str(err)
    assert "<document>" not in str(err)


STEP = (
    "language: 1\nid: mlm_1.0.0__mlm_1.1.0\nsource: mlm@1.0.0\ntarget: mlm@1.1.0\n"
    "up:\n  summary: up\n  rules:\n    - drop: {path: $.properties.a, reason: gone up}\n"
)


def test_a_step_file_gives_both_edges_of_its_pair(tmp_path: Path):
    (tmp_path / "mlm_1.0.0__mlm_1.1.0.yaml").write_text(
        STEP + "down:\n  summary: down\n  rules:\n    - drop: {path: $.properties.b, reason: gone down}\n",
        encoding="utf-8",
    )
    up, down = load_mappings(str(tmp_path))
    assert (up.id, str(up.source), str(up.target), up.rules[0].args["reason"]) == (
        "mlm_1.0.0__mlm_1.1.0", "mlm@1.0.0", "mlm@1.1.0", "gone up")
    assert (down.id, str(down.source), str(down.target), down.rules[0].args["reason"]) == (
        "mlm_1.1.0__mlm_1.0.0", "mlm@1.1.0", "mlm@1.0.0", "gone down")
    assert down.rules[0].line == 12 and down.location == "mlm_1.0.0__mlm_1.1.0.yaml (down)"
    assert VersionGraph(load_mappings(str(tmp_path))).plan(down.source, down.target)[0].id == down.id


def test_a_step_without_its_way_back_is_an_error_with_file_and_line(tmp_path: Path):
    path = tmp_path / "mlm_1.0.0__mlm_1.1.0.yaml"
    path.write_text(STEP, encoding="utf-8")
    with pytest.raises(SpecError) as err:
        edge_index(str(tmp_path))
    assert "mlm_1.0.0__mlm_1.1.0.yaml:1" in str(err.value) and "down" in str(err.value)
    path.write_text(STEP + "down:\n  summary: down\n", encoding="utf-8")  # no rules
    with pytest.raises(SpecError) as err:
        load_mapping(path, "down")
    assert "mlm_1.0.0__mlm_1.1.0.yaml:10" in str(err.value) and "rules" in str(err.value)


def test_a_step_may_say_why_there_is_no_way_back(tmp_path: Path):
    path = tmp_path / "mlm_1.0.0__mlm_1.1.0.yaml"
    path.write_text(STEP + "down:\n  none: the old version cannot hold the new field\n", encoding="utf-8")
    (edge,) = edge_index(str(tmp_path))
    assert edge.id == "mlm_1.0.0__mlm_1.1.0"
    with pytest.raises(SpecError, match="no way down: the old version cannot hold"):
        load_mapping(path, "down")


SHARED = "language: 1\nid: shared\nsource: stac@any\ntarget: stac@any\nsummary: shared rules\nrules:\n"


def test_an_include_puts_the_rules_of_the_named_file_in_its_place_each_with_its_own_file_and_line(tmp_path):
    (tmp_path / "shared.yaml").write_text(SHARED + "  - drop: {path: $.b, reason: shared}\n"
                                          "  - drop: {path: $.c, reason: shared too}\n", encoding="utf-8")
    step = tmp_path / "step.yaml"
    step.write_text(HEADER + "  - drop: {path: $.a, reason: first}\n  - include: shared.yaml\n"
                    "  - drop: {path: $.d, reason: last}\n", encoding="utf-8")
    rules = load_mapping(step).rules
    assert [r.args["reason"] for r in rules] == ["first", "shared", "shared too", "last"]
    assert [(Path(r.file).name, r.line) for r in rules] == [
        ("step.yaml", 7), ("shared.yaml", 7), ("shared.yaml", 8), ("step.yaml", 9)]
    # an error inside the included file names that file and line, not the include
    (tmp_path / "shared.yaml").write_text(SHARED + "  - drop: {path: $.b}\n", encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_mapping(step)
    assert f"{tmp_path / 'shared.yaml'}:7:" in str(err.value)


def test_an_include_of_a_missing_file_a_step_file_or_itself_is_a_spec_error_at_the_include(tmp_path):
    err = load_broken(tmp_path, "  - drop: {path: $.a, reason: unwanted}\n  - include: nowhere.yaml\n")
    assert f"{tmp_path / 'broken.yaml'}:8:" in str(err) and "no such mapping file" in str(err)
    (tmp_path / "edge.yaml").write_text(HEADER + "  - drop: {path: $.a, reason: unwanted}\n", encoding="utf-8")
    err = load_broken(tmp_path, "  - include: edge.yaml\n")
    assert f"{tmp_path / 'broken.yaml'}:7:" in str(err) and "not a file of shared rules" in str(err)
    (tmp_path / "loop.yaml").write_text(SHARED + "  - include: loop.yaml\n", encoding="utf-8")
    err = load_broken(tmp_path, "  - include: loop.yaml\n")
    assert f"{tmp_path / 'loop.yaml'}:7:" in str(err) and "a cycle" in str(err)
    err = load_broken(tmp_path, "  - include: ../outside.yaml\n")  # only a file beside it, by its name
    assert "include" in str(err) and "broken.yaml:7" in str(err)
