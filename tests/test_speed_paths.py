"""The one-file path stays light (what it imports), and what makes it fast cannot change an answer: the mapping
cache is keyed by content, the prebuilt schema facts match the schemas, orjson writes json's bytes. No timings:
benchmarks/bench_one_file.py measures."""

from __future__ import annotations

import importlib
import json
import math
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, examples
from hypothesis import given, settings
from hypothesis import strategies as st

from crosswalk import cache
from crosswalk.io.documents import dumps

DOC = ROOT / "corpora" / "ml-model" / "spec-dummy-item.json"
# Libraries a one-file conversion must not import: report, bulk, database, parquet and study machinery, and the
# Python schema validator (jsonschema-rs answers "valid"; the Python one only explains a failure).
HEAVY = ("deepdiff", "pystac", "tqdm", "psycopg", "pyarrow", "jinja2", "jsonschema", "referencing")

# What a plain one-file conversion does without: the bulk half of the command line and the crosswalk group's other
# commands, and the version graph and its edges, since a warm run reads its plan from the cache (pipeline._stored).
ONE_FILE_SKIPS = ("crosswalk.cli.bulk", "crosswalk.cli.commands", "crosswalk.language.graph",
                  "crosswalk.language.edges")

CONVERT = """
import json, sys
from crosswalk.cli.main import dlm_migrate
try:
    dlm_migrate.main(args=sys.argv[1:], standalone_mode=False)
except SystemExit as e:
    assert not e.code, e.code
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""

STARTED = "import json, sys\nprint(json.dumps(sorted(sys.modules)), file=sys.stderr)"


def _run(args: list[str], cache_home: Path, cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home))
    env.pop("CROSSWALK_NO_CACHE", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def _modules_after_conversion(tmp_path: Path, cache_home: Path, code: str = CONVERT) -> set[str]:
    out = tmp_path / "out.json"
    proc = _run([sys.executable, "-c", code, str(DOC), "-o", str(out), "-q"], cache_home, tmp_path)
    assert proc.returncode == 0, proc.stderr
    modules = json.loads(proc.stderr.strip().splitlines()[-1])
    return {*modules, *(m.split(".")[0] for m in modules)}  # each module, and the package it belongs to


def test_one_file_path_imports_no_heavy_module_cold_or_warm(tmp_path):
    cache_home = tmp_path / "cache"
    cold = _modules_after_conversion(tmp_path, cache_home)
    assert not cold & set(HEAVY)
    assert list((cache_home / "crosswalk").glob("mapping-*.pickle")), "the cold run filled the cache"
    warm = _modules_after_conversion(tmp_path, cache_home)
    assert not warm & set(HEAVY)
    assert "yaml" not in warm  # mappings, tables and formats.yaml all come from the cache
    assert "yaml" in cold  # (the check above is not vacuous: a cold start does parse YAML)
    # the mapping's paths and its guards' filters come back as steps: jsonpath-ng parsed them on the cold start
    assert "jsonpath_ng" not in warm and "jsonpath_ng" in cold
    # the output is written through os.open, the cache read with the C pickler and paths joined with os.path:
    # neither tempfile, pickle.py nor pathlib (unless the interpreter's own start, its site .pth files, imported
    # them already)
    started = _modules_after_conversion(tmp_path, cache_home, STARTED)
    assert not (warm - started) & {"tempfile", "pickle", "pathlib"}
    # whether the input is bulk input is told apart from the bulk runner's discovery (its Plan dataclass), and
    # neither the bulk half of the command line nor the crosswalk group's other commands are loaded
    assert "crosswalk.bulk.kind" in warm and "crosswalk.bulk.walk" not in warm
    assert not (warm - started) & set(ONE_FILE_SKIPS), sorted((warm - started) & set(ONE_FILE_SKIPS))
    assert list((cache_home / "crosswalk").glob("edges-*.pickle")), "the graph's edges come from the cache too"
    assert list((cache_home / "crosswalk").glob("prepared-*.pickle")), "and so does the plan, whole"


def test_bulk_discovery_digests_paths_without_hashlib(tmp_path):
    """Discovery keeps a BLAKE2b digest of every path it has seen; hashlib would load OpenSSL for it (11 M
    instructions of every bulk run), the interpreter's builtin BLAKE2b gives the same digest without."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(DOC, src / "item.json")
    shutil.copy(DOC, src / "copy.json")
    out = tmp_path / "out"
    proc = _run([sys.executable, "-c", CONVERT, str(src), "--out-dir", str(out), "-q"], tmp_path / "cache", tmp_path)
    assert proc.returncode == 0, proc.stderr
    modules = set(json.loads(proc.stderr.strip().splitlines()[-1]))
    assert "crosswalk.bulk.walk" in modules and sorted(p.name for p in out.glob("*.json")) == ["copy.json", "item.json"]
    started = _run([sys.executable, "-c", STARTED], tmp_path / "cache", tmp_path)
    assert "hashlib" not in modules - set(json.loads(started.stderr.strip().splitlines()[-1]))


def test_an_edited_module_is_another_cache_key(tmp_path):
    """The code is in every cache key by path, size and modification time: an edit that keeps the size is a
    miss, an untouched copy of the package (copied with its times) is not."""
    tree = _copy_package(tmp_path)
    digest = [sys.executable, "-c", "from crosswalk import cache; print(cache._code_digest().hex())"]

    def key() -> str:
        proc = _run(digest, tmp_path / "cache", tmp_path, pythonpath=tree)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    first = key()
    assert key() == first == cache._code_digest().hex()  # the copy is the installed code
    module = tree / "crosswalk" / "cache.py"
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace(" the ", " thE ", 1), encoding="utf-8")
    assert module.stat().st_size == len(text.encode())
    assert key() != first


def test_script_exit_without_teardown_flushes_everything(tmp_path):
    """The installed script skips the interpreter's teardown after a one-file conversion: the document on stdout
    and the report file are complete, and equal the library's."""
    script = Path(sys.executable).with_name("dlm-migrate")
    if not script.is_file():
        pytest.skip("dlm-migrate is not installed beside this interpreter")
    report = tmp_path / "report.json"
    proc = _run([str(script), str(DOC), "--report-file", str(report), "-q"], tmp_path / "cache", tmp_path)
    assert proc.returncode == 0, proc.stderr
    from crosswalk import pipeline

    result = pipeline.convert_file(str(DOC))
    assert proc.stdout == dumps(result.document)
    assert json.loads(report.read_text(encoding="utf-8")) == json.loads(json.dumps(result.report))


def _copy_package(tmp_path: Path) -> Path:
    """A source tree of its own (the package and its mappings) whose mapping files a test may change."""
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "crosswalk", tree / "crosswalk", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "mappings", tree / "mappings")
    return tree


@pytest.mark.parametrize(("doc", "mapping_file"), [
    (DOC, "ml-model_1.0.0__mlm_1.5.2.yaml"),
    # a file of shared rules, which the step includes: its change is a miss too
    (ROOT / "corpora" / "dlm" / "readme-tables-item.json", "dlm.to-mlm.yaml"),
], ids=["step file", "included file"])
def test_mapping_cache_is_keyed_by_content(tmp_path, doc, mapping_file):
    """A changed mapping file is a miss: its new content is what runs, never the cached old one."""
    tree = _copy_package(tmp_path)
    cache_home = tmp_path / "cache"
    entries = cache_home / "crosswalk"
    convert = [sys.executable, "-c", CONVERT, str(doc), "--report", "json", "-o"]

    def run(name: str) -> tuple[str, dict]:
        out = tmp_path / f"{name}.json"
        proc = _run([*convert, str(out)], cache_home, tmp_path, pythonpath=tree)
        assert proc.returncode == 0, proc.stderr
        report = json.loads(proc.stderr[: proc.stderr.rindex("\n[")])
        return out.read_text(encoding="utf-8"), report

    first, report = run("first")
    filled = set(entries.iterdir())
    again, report_again = run("again")
    assert (again, report_again) == (first, report)
    assert set(entries.iterdir()) == filled  # a hit: nothing new stored

    # change one reason the report shows, in the mapping file that gives it
    edge = tree / "mappings" / mapping_file
    text = edge.read_text(encoding="utf-8")
    shown = {f.get("reason") for f in report["fields"]}
    old_reason = next(r for r in re.findall(r"reason: (.+)", text) if r.strip() in shown).strip()
    edge.write_text(text.replace(old_reason, "the training OS has nowhere to go"), encoding="utf-8")
    changed, changed_report = run("changed")
    assert set(entries.iterdir()) - filled  # a miss: the new content stored under new names
    assert changed == first  # the same output
    reasons = {f.get("reason") for f in changed_report["fields"]}
    assert "the training OS has nowhere to go" in reasons and old_reason not in reasons


def test_the_edge_list_is_cached_under_the_step_files_bytes(tmp_path, monkeypatch):
    """A warm start reads the graph's edges from one cache entry (EdgeRefs unpickled); a step file edited to have
    no way back, or a new step file, is a miss, never a stale edge."""
    from crosswalk.language import edges as spec

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CROSSWALK_NO_CACHE", raising=False)
    shipped = (ROOT / "mappings" / "mlm_1.0.0__mlm_1.1.0.yaml").read_text(encoding="utf-8")
    step = tmp_path / "mlm_1.0.0__mlm_1.1.0.yaml"
    step.write_text(shipped, encoding="utf-8")
    shutil.copytree(ROOT / "mappings" / "tables", tmp_path / "tables")  # the rules behind `summary` use them

    def edges() -> list[tuple[str, str]]:
        # the process's memo of the list (a run never sees a file change): the cache alone, and the entry is built
        # from the files as they are now, not from a parse the process remembers
        spec.edge_index.cache_clear()
        return [(e.id, e.summary) for e in spec.edge_index(str(tmp_path))]

    first = edges()
    assert len(first) == 2 and edges() == first
    assert len(list((tmp_path / "cache" / "crosswalk").glob("edges-*.pickle"))) == 1
    step.write_text(shipped[: shipped.index("\ndown:")] + "\ndown:\n  none: no way back\n", encoding="utf-8")
    assert edges() == first[:1]
    (tmp_path / "mlm_1.1.0__mlm_1.2.0.yaml").write_bytes((ROOT / "mappings" / "mlm_1.1.0__mlm_1.2.0.yaml").read_bytes())
    assert len(edges()) == 3
    spec.edge_index.cache_clear()


def test_a_corrupt_or_foreign_cache_entry_falls_back_to_the_full_load(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("CROSSWALK_NO_CACHE", raising=False)
    source = tmp_path / "data.yaml"
    source.write_text("a: 1\n", encoding="utf-8")
    builds = []

    def build():
        builds.append(1)
        return {"a": len(builds)}

    assert cache.cached("test", [source], build) == {"a": 1}
    assert cache.cached("test", [source], build) == {"a": 1} and len(builds) == 1  # a hit
    (entry,) = (tmp_path / "crosswalk").glob("test-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert cache.cached("test", [source], build) == {"a": 2}  # rebuilt, silently
    entry.write_bytes(pickle.dumps({"a": 1})[:5])  # truncated
    assert cache.cached("test", [source], build) == {"a": 3}
    source.write_text("a: 2\n", encoding="utf-8")
    assert cache.key("test", [source]) != entry.name.removeprefix("test-").removesuffix(".pickle")


def test_cache_off_and_unwritable_cache_still_load(tmp_path, monkeypatch):
    source = tmp_path / "data.yaml"
    source.write_text("a: 1\n", encoding="utf-8")
    monkeypatch.setenv("CROSSWALK_NO_CACHE", "1")
    assert cache.cached("test", [source], lambda: 7) == 7
    monkeypatch.delenv("CROSSWALK_NO_CACHE")
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where the directory should be
    assert cache.cached("test", [source], lambda: 8) == 8


def test_cached_mapping_equals_the_loaders(tmp_path, monkeypatch):
    from crosswalk.language.compiled import mapping
    from crosswalk.language.formats import Format
    from crosswalk.language.spec import load_support
    from crosswalk.pipeline import graph

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(cache, "_MEMO", {})
    edge = graph().plan(Format.parse("ml-model"), Format.parse("mlm"))[0]
    for name, direct in ((edge, edge.load()), ("repairs.yaml", load_support("repairs.yaml"))):
        stored = mapping(name)  # a miss: built by the loader and stored
        monkeypatch.setattr(cache, "_MEMO", {})
        loaded = mapping(name)  # read back from disk
        assert loaded is not stored
        for got in (stored, loaded):
            assert (got.id, got.source, got.target, got.raw) == (direct.id, direct.source, direct.target, direct.raw)
            assert [(r.where, r.args, r.table, [str(p) for p in r.paths]) for r in got.rules] == [
                (r.where, r.args, r.table, [str(p) for p in r.paths]) for r in direct.rules
            ]


def test_stored_plan_equals_the_one_worked_out(tmp_path, monkeypatch):
    """What a conversion runs comes back from its one cache entry as `_prepare` works it out: the same steps,
    landings and foreign families, and mappings with the same rules (read back, not the objects stored)."""
    from crosswalk import pipeline
    from crosswalk.language.formats import Format

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("CROSSWALK_NO_CACHE", raising=False)
    question = (Format.parse("mlm@1.0.0"), (Format.parse("ml-model"),), Format.parse("mlm"))
    direct = pipeline._prepare(*question)
    for memo in ({}, {}):  # built and stored, then read back from disk
        monkeypatch.setattr(cache, "_MEMO", memo)
        got = pipeline._prepared(*question)
        assert (got.steps, got.visits, got.foreign) == (direct.steps, direct.visits, direct.foreign)
        assert len(direct.steps) > 1 and [m.id for m in got.mappings] == [m.id for m in direct.mappings]
        assert [m.id for m in got.invariants] == [m.id for m in direct.invariants]
        for mine, theirs in zip(got.mappings + got.invariants, direct.mappings + direct.invariants, strict=True):
            rules = [(r.where, r.args, r.table) for r in mine.rules]
            assert rules == [(r.where, r.args, r.table) for r in theirs.rules]
    assert len(list((tmp_path / "crosswalk").glob("prepared-*.pickle"))) == 1


def test_cached_invariant_groups_stay_apart(tmp_path, monkeypatch):
    """The registry's invariant groups share one file (formats.yaml): each is cached under its own name, on disk and
    read back, never one group's rules for another's."""
    from crosswalk.language.compiled import mapping
    from crosswalk.language.formats import registry

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    groups = [g for fam in registry().families.values() for _, g in fam.invariants]
    assert len(groups) >= 2
    for memo in ({}, {}):  # built and stored, then read back from disk
        monkeypatch.setattr(cache, "_MEMO", memo)
        assert [mapping(g).id for g in groups] == groups


def test_the_registrys_stored_uri_answers_are_its_patterns_answers(tmp_path, monkeypatch):
    """The format registry comes with each family's answers for the URIs a run mostly meets, worked out when
    formats.yaml was read and stored with it: read back from the cache, they are what the family's own patterns say
    of those URIs, and of others (unknown versions, near misses), which are matched when met; a warm start
    compiles no pattern for the URIs of the schema index."""
    from crosswalk.language import formats
    from crosswalk.validation.validator import known_schema_uris

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("CROSSWALK_NO_CACHE", raising=False)
    for stored in (False, True):  # built and stored, then read back from disk
        formats.registry.cache_clear()
        formats._patterns.cache_clear()
        families = formats.registry().families
        assert list((tmp_path / "crosswalk").glob("registry-*.pickle"))
        uris = known_schema_uris()
        assert all(uri in fam.matched for fam in families.values() for uri in uris)
        if stored:
            for fam in families.values():
                for uri in uris:
                    fam.match(uri)
            assert formats._patterns.cache_info().currsize == 0, "no pattern compiled for a known URI"
        others = [u.replace("/v", "/v9") for u in uris] + [u + "x" for u in uris] + ["dl-model", "", "v1.0.0"]
        for fam in families.values():
            pats = [re.compile(re.escape(t).replace(re.escape("{v}"), r"(?P<v>[^/]+)")) for t in fam.uri_templates]
            for uri in [*fam.matched, *others]:
                found = next((m for p in pats if (m := p.fullmatch(uri))), None)
                expected = None if found is None else found.groupdict().get("v") or fam.latest
                assert fam.match(uri) == expected, (fam.name, uri)
    formats.registry.cache_clear()


def test_the_stored_registry_follows_an_edit_of_formats_yaml(tmp_path, monkeypatch):
    """formats.yaml edited in a process that has read it (the scaffold adds a version, then asks for the registry
    again): the registry built next has the new version, and so has the one a later process reads from the cache."""
    from crosswalk.language import formats
    from crosswalk.language.scaffold import _register
    from crosswalk.resources import load_yaml

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CROSSWALK_NO_CACHE", raising=False)
    shutil.copyfile(ROOT / "mappings" / "formats.yaml", tmp_path / "formats.yaml")
    monkeypatch.setattr(formats, "mappings_path", lambda: str(tmp_path))
    formats.registry.cache_clear()
    load_yaml.cache_clear()
    try:
        assert "1.9.0" not in formats.registry().families["mlm"].versions
        load_yaml(str(tmp_path / "formats.yaml"))  # read in this process before the edit, as a run may have
        _register(tmp_path / "formats.yaml", formats.Format("mlm", "1.9.0"), latest=False)
        formats.registry.cache_clear()
        assert "1.9.0" in formats.registry().families["mlm"].versions
        formats.registry.cache_clear()  # another process: the stored registry
        load_yaml.cache_clear()
        assert "1.9.0" in formats.registry().families["mlm"].versions
    finally:
        formats.registry.cache_clear()
        load_yaml.cache_clear()


def test_prebuilt_schema_facts_match_the_vendored_schemas():
    """crosswalk/validation/schema_facts.json is derived from crosswalk/schemas: regenerate it with
    `python -m crosswalk.validation.validator --write-facts` after changing a schema."""
    validate = importlib.import_module("crosswalk.validation.validator")
    on_disk = json.loads((ROOT / "crosswalk" / "validation" / "schema_facts.json").read_text(encoding="utf-8"))
    assert on_disk == validate.schema_facts(), "stale: run python -m crosswalk.validation.validator --write-facts"
    assert "date-time" in on_disk["formats"] and on_disk["prefixes"]


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([1e-05, 1.5e-7, 0.0001, -0.0, 1e16, 1e22, 5e-324, 2**63, 2**64 - 1, 2**64])
    | st.text()
)
JSON = st.recursive(
    JSON_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
)


@settings(max_examples=examples(400), deadline=None)
@given(JSON)
def test_dumps_writes_exactly_the_json_modules_bytes(value):
    try:
        expected = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError:
        with pytest.raises(ValueError):
            dumps(value)
        return
    assert dumps(value) == expected


def test_dumps_corpus_goldens_byte_identical():
    goldens = sorted((ROOT / "corpora" / "expected").rglob("*.json"))
    assert goldens
    for path in goldens:
        text = path.read_text(encoding="utf-8")
        assert dumps(json.loads(text)) == text, path


def test_float_edge_cases_written_as_json_writes_them():
    for value in (1e-05, 1e-300, -2.5e-8, 0.00012, 1e16, float(2**53)):
        assert dumps({"v": value}) == json.dumps({"v": value}, indent=2) + "\n"
        assert math.isfinite(json.loads(dumps({"v": value}))["v"])


# The depth limit read off orjson's indented text answers as a walk of the parsed document does; keys and strings
# full of brackets, quotes and newlines are what could mislead it.
BRACKETY = st.text(alphabet='[]{}"\\ a\n:', max_size=6)
DEEP_JSON = st.recursive(
    st.none() | st.integers(-(2**63), 2**63) | BRACKETY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(BRACKETY, inner, max_size=3),
    max_leaves=30,
)


def _walk_within_depth(doc: object, limit: int) -> bool:
    """No container nested ``limit`` levels below the root (sanitize's depth rule), level by level."""
    level = [doc] if isinstance(doc, (dict, list)) else []
    for _ in range(limit):
        below: list[object] = []
        for node in level:
            below.extend(v for v in (node.values() if isinstance(node, dict) else node) if isinstance(v, (dict, list)))
        level = below
    return not level


@settings(max_examples=examples(400), deadline=None)
@given(DEEP_JSON, st.integers(min_value=0, max_value=8))
def test_depth_read_off_the_written_text_equals_the_walk(value, limit):
    from crosswalk.io.parse import _within_depth, _written

    assert _within_depth(_written(value), limit) == _walk_within_depth(value, limit)


def test_depth_limit_from_the_text_at_the_real_limit():
    from crosswalk.io.limits import MAX_DEPTH, LimitError
    from crosswalk.io.parse import _within_depth, _written, load_json_checked

    for depth in (MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1):
        value: object = 1
        for _ in range(depth):
            value = {"k": [value]} if depth % 2 else [value]
        raw = json.dumps(value).encode()
        assert _within_depth(_written(value), MAX_DEPTH) == _walk_within_depth(value, MAX_DEPTH)
        if _walk_within_depth(value, MAX_DEPTH):
            assert load_json_checked(raw, "deep.json") == (value, [])
        else:
            with pytest.raises(LimitError, match="nested more than"):
                load_json_checked(raw, "deep.json")


POINTER_KEYS = st.text(alphabet="ab~/01", max_size=3)


@settings(max_examples=examples(300), deadline=None)
@given(
    st.recursive(
        st.integers(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(POINTER_KEYS, inner, max_size=3),
        max_leaves=15,
    ),
    st.lists(POINTER_KEYS, max_size=4),
)
def test_report_pointer_check_equals_exists(doc, keys):
    """The report's one-pass ``to`` check (every conversion runs it) answers as exists(parse_pointer(...))."""
    from crosswalk.engine.report import _has
    from crosswalk.language.pointer import exists, parse_pointer, to_pointer

    pointer = to_pointer(tuple(keys))
    assert _has(doc, pointer) == exists(doc, parse_pointer(pointer))


TRICKY = st.sampled_from(["[0.00001", "abc1e-", "x 1e-5", ":-0.00002", "1.5e-07", "e-", "0.0000"]) | st.text(
    alphabet="0123456789.e- [:,\n", max_size=10
)
SMALL_FLOATS = st.floats(min_value=-1e-3, max_value=1e-3) | st.sampled_from([1e-05, -2.5e-08, 0.00001, 1e-300])


@settings(max_examples=examples(400), deadline=None)
@given(
    st.recursive(
        SMALL_FLOATS | TRICKY | st.integers(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TRICKY, inner, max_size=4),
        max_leaves=20,
    )
)
def test_dumps_small_floats_and_float_like_strings_as_json_writes_them(value):
    """The float check looks only at the lines its shapes point at: still json.dumps's bytes, whatever strings
    that look like small floats stand beside (or instead of) real ones."""
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


@settings(max_examples=examples(400), deadline=None)
@given(st.recursive(JSON_SCALARS | st.tuples(st.none()), lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4)))
def test_a_plain_document_reads_back_equal(value):
    """The walk that spares the read back of a document with a null answers True only where the read back would
    find orjson's text equal to the document (NaN and infinities written as null, tuples read back as lists)."""
    orjson = pytest.importorskip("orjson")
    from crosswalk.io.documents import _plain_json

    try:
        text = orjson.dumps(value)
    except TypeError:  # beyond 64 bits: json's own writer, never the walk
        return
    if _plain_json(value):
        assert orjson.loads(text) == value


def test_the_read_back_still_decides_beyond_plain_json():
    from collections import OrderedDict

    from crosswalk.io.documents import _plain_json

    assert _plain_json({"a": [1, 2.5, None, True, "x", {"b": []}]}) and _plain_json(None)
    for odd in ({"a": math.nan}, [math.inf], -math.inf, {1: 2}, {"a": (1,)}, OrderedDict(), [OrderedDict()]):
        assert not _plain_json(odd)
    assert dumps({"datetime": None, "v": (1, 2)}) == json.dumps({"datetime": None, "v": [1, 2]}, indent=2) + "\n"
    with pytest.raises(ValueError):
        dumps({"datetime": None, "v": math.nan})
