"""Round trips: source -> target -> source, checked against the fields the reports admit.

"After repairs", used throughout: a round trip is compared with ``crosswalk.engine.roundtrip.repaired(original)``, the
original document passed through crosswalk's repairs step alone (``mappings/repairs.yaml``: the upstream
defects every conversion fixes before its first edge, e.g. a date-only ``datetime`` made RFC 3339, an
``Item.collection`` without a collection link removed). Those repairs are the entries of the first leg's report
with ``step: "repairs"``; ``test_the_baseline_differs_from_the_original_only_by_reported_repairs`` checks that.
Differences are ``crosswalk.engine.diff`` differences (JSON Pointers; ``stac_extensions`` and ``links`` compared as
multisets, since converters append what they add).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPORA, needs_shared, shared_files
from hypothesis import assume, given
from hypothesis import strategies as st

from crosswalk.cli.main import main
from crosswalk.engine import roundtrip as rt
from crosswalk.engine.diff import diff
from crosswalk.io.documents import read_document
from crosswalk.language.pointer import parse_pointer

LOSSES = ("lossy", "dropped")


def _items(paths: list[Path], kind: str = "Feature") -> list[Path]:
    """Items only (``kind``: or Collections only): lists of items (API responses) and catalogs are not round-trip
    subjects here."""
    out = []
    for p in paths:
        doc = read_document(str(p))
        if isinstance(doc, dict) and doc.get("type") == kind:
            out.append(p)
    return out


REAL_ML_MODEL = _items(shared_files("corpora/real/ml-model/*.json"))
REAL_ML_MODEL_COLLECTIONS = _items(shared_files("corpora/real/ml-model/*.json"), "Collection")
MLM_EXAMPLES = shared_files("specs/mlm/v1.5.2/examples/item_*.json")
VIAS = ["ml-model", "mlm@1.5.1", "mlm@1.5.0", "mlm@1.4.0", "mlm@1.3.0", "mlm@1.2.0", "mlm@1.1.0", "mlm@1.0.0"]


def _related(a: str, b: str) -> bool:
    x, y = parse_pointer(a), parse_pointer(b)
    n = min(len(x), len(y))
    return x[:n] == y[:n]


def _no_ledger_issues(r: dict) -> None:
    for leg in ("out", "back"):
        assert not [i for i in r["reports"][leg]["issues"] if i["schema"] == "crosswalk:ledger"], leg


# -- the real ml-model corpus: ml-model -> mlm -> ml-model ---------------------------------------------------------
@needs_shared
def test_the_real_corpus_is_there() -> None:
    assert len(REAL_ML_MODEL) >= 15


@needs_shared
@pytest.mark.parametrize("src", REAL_ML_MODEL, ids=lambda p: p.name[:70])
def test_the_baseline_differs_from_the_original_only_by_reported_repairs(src: Path) -> None:
    doc = read_document(str(src))
    r = rt.roundtrip(doc, "mlm", keep_source=True)
    repairs = [e["path"] for e in r["reports"]["out"]["fields"] if e.get("step") == "repairs"]
    for d in diff(doc, rt.repaired(doc), unordered=()):
        assert any(_related(d["path"], p) for p in repairs), d


@needs_shared
@pytest.mark.parametrize("via", ["mlm", "mlm@1.3.0"])
@pytest.mark.parametrize("src", REAL_ML_MODEL, ids=lambda p: p.name[:70])
def test_keep_source_round_trip_is_exact(src: Path, via: str) -> None:
    doc = read_document(str(src))
    before = copy.deepcopy(doc)
    r = rt.roundtrip(doc, via, keep_source=True)
    assert doc == before
    assert r["exact"], r["differences"]
    assert diff(rt.repaired(doc), r["document"]) == []
    assert r["valid"]["out"], r["reports"]["out"]["issues"]  # the parked ml-model:* fields keep MLM valid
    _no_ledger_issues(r)
    kept = [e for e in r["reports"]["out"]["fields"] if e.get("reason", "").endswith("(--keep-source)")]
    assert kept or not any(k.startswith("ml-model:training") for k in doc["properties"])


@needs_shared
@pytest.mark.parametrize("via", ["mlm", "mlm@1.3.0", "dlm", "dlm-beta"])
@pytest.mark.parametrize("src", REAL_ML_MODEL_COLLECTIONS, ids=lambda p: p.name[:70])
def test_keep_source_round_trip_of_a_real_collection_is_exact(src: Path, via: str) -> None:
    """Every MLM schema makes the way up write each list summary as a JSON Schema of its values, the kept
    ml-model:* ones too (reported transformed, not kept); the way back writes each as its list again. Through
    dlm, which has no summary of an architecture or task, the ml-model summaries themselves are kept."""
    doc = read_document(str(src))
    r = rt.roundtrip(doc, via, keep_source=True)
    assert r["exact"], rt.render(r, "text")
    assert r["valid"]["out"], r["reports"]["out"]["issues"]
    _no_ledger_issues(r)
    summaries = r["document"]["summaries"]
    assert summaries == doc["summaries"] and all(isinstance(v, list) for v in summaries.values())


@needs_shared
def test_the_real_collections_are_there() -> None:
    assert len(REAL_ML_MODEL_COLLECTIONS) >= 5


@needs_shared
@pytest.mark.parametrize("src", REAL_ML_MODEL, ids=lambda p: p.name[:70])
def test_plain_round_trip_differs_exactly_in_the_reported_fields(src: Path) -> None:
    doc = read_document(str(src))
    r = rt.roundtrip(doc, "mlm")
    assert r["ok"], r["unexplained"]
    _no_ledger_issues(r)
    losses = [e["path"] for e in r["reports"]["out"]["fields"]
              if e["status"] in LOSSES and e.get("step") != "repairs"]
    # every difference is a field the way out reported lossy or dropped ...
    for d in r["differences"]:
        assert any(_related(d["path"], p) for p in losses), d
    # ... and every such field either differs or came back equal anyway (re-inferred, e.g. ml-model:type)
    for p in losses:
        differs = any(_related(d["path"], p) for d in r["differences"])
        recovered = any(_related(q, p) for q in r["recovered"])
        assert differs or recovered, p


# -- the official MLM 1.5.2 examples: through every older version and ml-model ------------------------------------
# The default run takes every example through every version plainly, and in lossless mode through ml-model and
# the oldest MLM 1.3 and 1.0 forms (the most a way there parks); the other lossless round trips are slow cases.
KEEP_SOURCE_FAST = ("ml-model", "mlm@1.3.0", "mlm@1.0.0")
OFFICIAL_CASES = [
    pytest.param(src, via, keep_source, id=f"{'keep-source' if keep_source else 'plain'}-{via}-{src.name}",
                 marks=pytest.mark.slow if keep_source and via not in KEEP_SOURCE_FAST else ())
    for keep_source in (False, True) for via in VIAS for src in MLM_EXAMPLES
]


@needs_shared
@pytest.mark.parametrize(("src", "via", "keep_source"), OFFICIAL_CASES)
def test_official_examples_round_trip_with_every_difference_explained(src: Path, via: str, keep_source: bool) -> None:
    r = rt.roundtrip(read_document(str(src)), via, keep_source=keep_source)
    assert r["ok"], rt.render(r, "text")
    _no_ledger_issues(r)


@needs_shared
def test_uri_only_steps_round_trip_exactly() -> None:
    for src in MLM_EXAMPLES:
        doc = read_document(str(src))
        if "norm_by_channel" in json.dumps(doc):
            continue  # a legacy key the 1.5 edges drop (reported)
        for via in ("mlm@1.5.1", "mlm@1.5.0"):
            assert rt.roundtrip(doc, via)["exact"], (src.name, via)


# -- the command ------------------------------------------------------------------------------------------------
DUMMY = CORPORA / "ml-model" / "spec-dummy-item.json"


def run(args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_cli_text_and_json() -> None:
    r = run(["roundtrip", DUMMY, "--via", "mlm", "--keep-source"])
    assert r.exit_code == 0, r.output
    assert "exact" in r.stdout
    r = run(["roundtrip", DUMMY, "--via", "mlm", "--format", "json"])
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["ok"] is True and data["source"] == "ml-model@1.0.0" and "document" not in data


def test_cli_shows_an_unexplained_difference_and_exits_1(monkeypatch) -> None:
    real = rt.diff

    def with_a_bug(a, b, **kw):
        return [*real(a, b, **kw), {"path": "/properties/title", "status": "changed", "old": "x", "new": "y"}]

    monkeypatch.setattr(rt, "diff", with_a_bug)
    r = run(["roundtrip", DUMMY, "--via", "mlm"])
    assert r.exit_code == 1
    assert "UNEXPLAINED" in r.stdout


def test_cli_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    r = run(["roundtrip", DUMMY, "--via", "nonsense"])
    assert r.exit_code == 2 and "nonsense" in r.stderr


# -- property: what the reports declare lossless comes back exactly ------------------------------------------------
# Sources whose way out is one edge: ml-model Items (-> mlm 1.5.2) and MLM 1.5.x Items (-> older MLM or
# ml-model). Older MLM sources first climb the forward chain, whose label renames are not undone on the way
# down (see test_known_non_invertible_forward_steps).
SOURCES = sorted([*CORPORA.glob("ml-model/*.json"), *CORPORA.glob("mlm/spec-1.5.*.json"), *MLM_EXAMPLES])
DOCS = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SOURCES}
DOCS = {k: v for k, v in DOCS.items() if v.get("type") == "Feature"}
NAME = st.text(alphabet="ab.:/~_-", min_size=1, max_size=6)
PREFIX = st.sampled_from(["", "ml-model:", "mlm:", "dlm:", "x:"])
SCALAR = st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=4)
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(NAME, inner, max_size=2),
                     max_leaves=4)


@st.composite
def variants(draw):
    """A corpus Item with extra unknown keys (dots, colons, slashes; family prefixes) in its properties and
    assets, some optional properties removed, and its links reordered."""
    name = draw(st.sampled_from(sorted(DOCS)))
    doc = copy.deepcopy(DOCS[name])
    hosts = [doc["properties"], *[a for a in doc.get("assets", {}).values() if isinstance(a, dict)]]
    for i, prefix, key, value in draw(st.lists(st.tuples(st.integers(0, len(hosts) - 1), PREFIX, NAME, VALUE),
                                               max_size=3)):
        hosts[i].setdefault(prefix + key, value)
    optional = [k for k in doc["properties"] if k in ("title", "description", "license", "created", "keywords")
                or k.startswith("ml-model:training")]
    for key in draw(st.lists(st.sampled_from(optional), unique=True, max_size=2)) if optional else []:
        del doc["properties"][key]
    if isinstance(doc.get("links"), list):
        doc["links"] = draw(st.permutations(doc["links"]))
    family = "ml-model" if any(k.startswith("ml-model:") for k in DOCS[name]["properties"]) else "mlm"
    via = draw(st.sampled_from(["mlm"] if family == "ml-model" else ["ml-model", "mlm@1.3.0", "mlm@1.1.0"]))
    return name, doc, via, draw(st.booleans())


@given(variants())
def test_lossless_declared_paths_round_trip_exactly(variant) -> None:
    """Every path no leg reported lossy, dropped or invented comes back exactly (no unexplained difference);
    no traceback; the input is never mutated."""
    name, doc, via, keep_source = variant
    before = copy.deepcopy(doc)
    r = rt.roundtrip(doc, via, keep_source=keep_source, href=name)
    assert doc == before
    assume("error" not in r)
    assert r["ok"], rt.render(r, "text")
    _no_ledger_issues(r)


def test_known_non_invertible_forward_steps() -> None:
    """The way up renames the band axis 'bands' (reported transformed); the way down cannot know the old label
    and keeps the new one: a re-encoding, shown as such, not a bug."""
    r = rt.roundtrip(read_document(str(CORPORA / "mlm" / "spec-1.4.0-item_multi_io.json")), "mlm@1.5.2")
    assert r["ok"], rt.render(r, "text")
    assert [(d["path"], d["new"]) for d in r["re_encoded"]] == [
        ("/properties/mlm:input/0/input/dim_order/1", "bands"), ("/properties/mlm:input/1/input/dim_order/1", "bands")]
    assert r["re_encoded"][0]["re_encoded"]["back"] == "kept"
    assert "re-encoded (out: dimension 'channel' renamed 'bands'" in rt.render(r, "text")


# -- re-encodings and traces through reshaped values (the sentinel-hub dlm beta documents) ------------------------
SENTINEL = CORPORA / "dlm-beta" / "sentinel-hub-ml-lightgbm.jsonc"
CNM = "/properties/dlm:outputs/class_name_mapping"


def _sentinel() -> dict:
    r = rt.roundtrip(read_document(str(SENTINEL), lenient=True), "mlm")
    return {d["path"]: d for d in r["differences"]} | {"": r}


def test_a_closed_trace_of_two_transformed_entries_is_a_re_encoding() -> None:
    """mean/std folded with scaling_factor on the way up, unfolded with factor 1 on the way down: each value is
    the same z-score in another encoding, traced back to its own path (or, for a multiset, to an added one)."""
    by = _sentinel()
    assert by[""]["ok"] and not by[""]["unexplained"]
    mean = by["/properties/dlm:inputs/normalization:mean/0"]
    assert mean["re_encoded"] == {
        "from": mean["path"], "to": mean["path"], "out": "folded with scaling_factor: mean_i / scaling_factor",
        "back": "z-score: mean and std with scaling_factor 1"}
    assert by["/properties/dlm:inputs/scaling_factor"]["re_encoded"]["to"] == "/properties/dlm:inputs/scaling_factor"
    assert by["/stac_extensions/0"]["re_encoded"]["to"] == "/stac_extensions/2"  # the multiset case: both ends
    assert by["/stac_extensions/2"]["re_encoded"]["from"] == "/stac_extensions/0"
    assert by[f"{CNM}/1/index"]["re_encoded"]["from"] == f"{CNM}/1/1"  # the key, as the class value
    assert len(by[""]["re_encoded"]) == 34 and all(not d["explained_by"] for d in by[""]["re_encoded"])
    # an input_tensors object (beta2's schema too wants a list) comes back as the list of one tensor, "dim" for
    # "channels": the way out made it an MLM shape, the way back the tensor list, each reported transformed
    assert by["/properties/dlm:inputs/input_tensors"]["re_encoded"]["to"].startswith("/properties/dlm:inputs/input_")


def test_the_cli_shows_re_encodings_and_exits_0() -> None:
    r = run(["roundtrip", SENTINEL, "--via", "mlm"])
    assert r.exit_code == 0, r.output
    assert "34 re-encoded, 0 unexplained" in r.stdout and "UNEXPLAINED" not in r.stdout
    assert "[re-encoded as /stac_extensions/2 (out: dlm schema identifier replaced by the MLM one; back: " in r.stdout
    data = json.loads(run(["roundtrip", SENTINEL, "--via", "mlm", "--format", "json"]).stdout)
    assert data["ok"] and len(data["re_encoded"]) == 34 and data["unexplained"] == []


def test_one_leg_re_encoding_the_way_back_announces_is_no_bug() -> None:
    """MLM -> dlm -> MLM: the way out carries "pytorch" and a pretraining source as they are; the way back writes
    the framework in MLM's enum spelling and derives mlm:pretrained from the source, each reported transformed.
    Those are re-encodings of one leg, with its reason; a change no entry announces stays unexplained."""
    src = CORPORA / "mlm" / "spec-1.4.0-item_multi_io.json"
    r = rt.roundtrip(json.loads(src.read_text(encoding="utf-8")), "dlm")
    by = {d["path"]: d for d in r["differences"]}
    framework = by["/properties/mlm:framework"]
    assert (framework["old"], framework["new"]) == ("pytorch", "PyTorch")
    assert framework["re_encoded"] == {"from": "/properties/mlm:framework", "to": "/properties/mlm:framework",
                                       "out": "moved", "back": "framework written with the MLM enum spelling"}
    pretrained = by["/properties/mlm:pretrained"]
    assert pretrained["status"] == "added" and pretrained["re_encoded"]["from"] == "/properties/mlm:pretrained_source"
    assert "/properties/mlm:framework" not in {d["path"] for d in r["unexplained"]}
    # name-only definitions of the input's band names, which the source left undefined: new structure, copied values
    assert by["/assets/weights/eo:bands"]["made_of"] == [f"/properties/mlm:input/0/bands/{i}" for i in range(3)]
    assert r["ok"]
    # a new object with a value no report carries there is no such structure
    new = {"path": "/x", "status": "added", "new": {"a": 1}}
    assert rt._relocation({}, {"x": {"a": 1}}, new, [], [], {}, {}) is None


def test_a_value_folded_into_another_comes_back_inside_it() -> None:
    """dlm -> ml-model -> dlm: the way out pins the source URL to the commit (both reported transformed), the way
    back carries the pinned URL: the commit hash is gone as a field but inside the URL, a re-encoding."""
    r = rt.roundtrip(json.loads((CORPORA / "dlm" / "readme-tables-item.json").read_text(encoding="utf-8")), "ml-model")
    by = {d["path"]: d for d in r["differences"]}
    commit = by["/properties/dlm:runtime/model_commit_hash"]
    assert commit["status"] == "removed" and commit["re_encoded"]["to"] == "/properties/dlm:runtime/model_src_url"
    assert by["/properties/dlm:runtime/model_src_url"]["new"].endswith("/tree/4f2c9e1") and r["ok"]


def test_a_legacy_key_carried_out_and_folded_on_the_way_back_is_a_re_encoding() -> None:
    """MLM 1.4 with a leftover norm_by_channel beside value_scaling, down to 1.0 and back: the way out keeps it,
    the way back folds it into value_scaling (reported transformed): re-encoded there, not lost."""
    doc = json.loads((CORPORA / "mlm" / "spec-1.4.0-item_multi_io.json").read_text(encoding="utf-8"))
    inp = doc["properties"]["mlm:input"][0]
    inp["value_scaling"] = [{"type": "z-score", "mean": 1.5, "stddev": 2.5}] * len(inp["bands"])
    inp["norm_by_channel"] = True
    r = rt.roundtrip(doc, "mlm@1.0.0")
    leftover = {d["path"]: d for d in r["differences"]}.get("/properties/mlm:input/0/norm_by_channel")
    assert leftover is not None and leftover["status"] == "removed"
    assert leftover["re_encoded"]["back"] == "norm_* fields became value_scaling" and not leftover["explained_by"]


def test_a_node_reported_only_below_itself_went_where_its_parts_went() -> None:
    """The root's kept entry is not the fate of a node whose parts have entries of their own."""
    by = {(): {"path": "", "status": "kept"}, ("c", "0", "value"): {"path": "/c/0/value", "status": "moved",
                                                                      "to": ["/m/0/index"]}}
    assert rt._forward(by, ("c", "0")) == [("m", "0", "index")]
    assert rt._forward(by, ("c", "1")) == [("c", "1")]  # nothing below: the kept root
    assert _sentinel()[f"{CNM}/1/1"]["moved_to"] == f"{CNM}/1/class_name"


def test_a_source_path_follows_the_output_path_only_where_it_exists() -> None:
    """A one-key mapping {"0": label} that became a whole class object: the class's parts come from the label
    (a scalar: the path stops there), and from no other entry's made-up path."""
    fields = [{"path": "", "status": "kept"},
              *({"path": f"/cnm/{i}", "status": "transformed", "to": ["/classes"]} for i in (0, 1))]
    given = {"cnm": [{"0": "not grassland"}, {"1": "grassland"}]}
    assert rt._backward(fields, ("classes", "0", "description"), given) == [("cnm", "0", "0")]
    assert _sentinel()[f"{CNM}/0/class_name"]["moved_from"] == f"{CNM}/0/0"


def test_migrate_keep_source_option(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    r = run(["migrate", DUMMY, "-o", out, "--keep-source", "--report", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert doc["properties"]["ml-model:type"] == "ml-model"  # parked under its own key
    back = tmp_path / "back.json"
    assert run(["migrate", out, "--to", "ml-model", "-o", back, "--report", "none"]).exit_code == 0
    assert run(["diff", DUMMY, back]).exit_code == 0  # the dummy item needs no repair: identical


def test_two_fields_the_way_out_made_one_value_come_back_as_one() -> None:
    """An MLM 1.2 item that also declares ml-model (its URI and a field): the way out converts the field and
    reports the ml-model URI transformed into the MLM URI, the very value the MLM 1.2 URI became too. One value
    cannot come back as two: the way back brings the MLM 1.2 URI, and the ml-model URI is an announced merge, not
    an unexplained loss. A URI nothing merged stays unexplained."""
    doc = json.loads((CORPORA / "mlm" / "spec-1.2.0-item_eo_bands.json").read_text(encoding="utf-8"))
    doc["stac_extensions"].insert(1, "https://stac-extensions.github.io/ml-model/v1.0.0/schema.json")
    doc["properties"]["ml-model:architecture"] = "ResNet-18"
    r = rt.roundtrip(doc, "mlm")
    by = {d["path"]: d for d in r["differences"]}
    merged = by["/stac_extensions/1"]
    assert merged["status"] == "removed" and merged["old"].startswith("https://stac-extensions.github.io/ml-model/")
    assert merged["re_encoded"]["to"] == "/stac_extensions/4"
    assert merged["re_encoded"]["out"].endswith("(merged with /stac_extensions/0)")
    assert r["document"]["stac_extensions"][4] == doc["stac_extensions"][0] and r["ok"]
    out = r["reports"]["out"]["fields"]
    lone = [{**e, "to": ["/nowhere"]} if e["path"] == "/stac_extensions/0" else e for e in out]
    assert rt._merged(parse_pointer("/stac_extensions/1"), lone, rt._source_entries(r["reports"]["back"]["fields"]),
                      r["document"], doc) is None


def test_an_ml_model_document_keeping_dlm_fields_goes_back_through_the_ml_model_edge() -> None:
    """dlm -> ml-model with --keep-source keeps the dlm:* objects in the ml-model output, which declares the
    ml-model URI: it is read back as ml-model (not as dlm by those fields, an empty way back that left the ml-model
    fields and URI in the "dlm" result), so the ml-model fields go and the dlm identifier comes back."""
    doc = json.loads((CORPORA / "dlm" / "readme-tables-item.json").read_text(encoding="utf-8"))
    r = rt.roundtrip(doc, "ml-model", keep_source=True)
    assert r["ok"] and r["steps"]["back"] == ["ml-model@1.0.0 -> mlm@1.5.2", "mlm@1.5.2 -> dlm@1.0.0-draft"], r["steps"]
    result = r["document"]
    assert not [k for k in result["properties"] if k.startswith("ml-model:")]
    assert set(doc["stac_extensions"]) <= set(result["stac_extensions"])
    assert {k: result["properties"][k] for k in doc["properties"]} == doc["properties"]
