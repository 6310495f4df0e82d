"""Upgrading a real pgstac database in place (crosswalk.bulk.pgstac, ``dlm-migrate --pgstac``).

Needs a PostgreSQL server with PostGIS named by CROSSWALK_TEST_PGSTAC_DSN (.ci/run installs and starts one);
pgstac itself is installed by ``pypgstac migrate`` into a template database once per session. Without a server
the tests skip, unless CI is set: then a missing server is a failure.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import crosswalk

psycopg = pytest.importorskip("psycopg") if not os.environ.get("CI") else __import__("psycopg")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pgstac_db as db  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CROSSWALK_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def pgstac_template():
    dsn = db.admin_dsn()
    problem = f"{db.ENV} is not set" if dsn is None else db.server_problem(dsn)
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"no PostgreSQL server for the pgstac tests: {problem}")
        pytest.skip(f"no PostgreSQL server: {problem}")
    name = db.create_template(dsn)
    yield dsn, name
    db.drop_database(dsn, name)


@pytest.fixture
def database(pgstac_template):
    """A fresh pgstac database holding the corpus's ml-model and MLM items in two collections."""
    dsn, template = pgstac_template
    url = db.create_database(dsn, template)
    items = db.corpus_items(SHARED)
    db.load(url, db.corpus_collections(SHARED), [item for group in items.values() for _, item in group])
    with _connect(url) as conn:  # queryables as an operator of an ml-model catalog would have declared them
        conn.execute(
            "INSERT INTO pgstac.queryables (name, definition, collection_ids) VALUES "
            "('ml-model:architecture', '{\"type\": \"string\"}', NULL), "
            "('ml-model:prediction_type', '{\"title\": \"Task\", \"type\": \"string\", "
            "\"enum\": [\"classification\", \"segmentation\"]}', %s)",
            ([db.ML_MODEL_COLLECTION],),
        )
    yield url, items
    db.drop_database(dsn, url.rsplit("/", 1)[1])


def _connect(url):
    return psycopg.connect(url, autocommit=True, options="-c search_path=pgstac,public")


def _state(url) -> dict:
    """Everything an upgrade may touch: hydrated items, collections, queryables, row versions, backups."""
    with _connect(url) as conn:
        items = {
            (c, i): (doc, xmin)
            for c, i, doc, xmin in conn.execute(
                "SELECT collection, id, pgstac.content_hydrate(it), it.xmin::text FROM pgstac.items it"
            )
        }
        collections = dict(conn.execute("SELECT id, content FROM pgstac.collections"))
        queryables = sorted(
            (n, json.dumps(d, sort_keys=True), c)
            for n, d, c in conn.execute("SELECT name, definition, collection_ids FROM pgstac.queryables")
        )
        has_backup = conn.execute("SELECT to_regclass('public.crosswalk_backup') IS NOT NULL").fetchone()[0]
        backups = conn.execute("SELECT count(*) FROM public.crosswalk_backup").fetchone()[0] if has_backup else 0
    return {"items": items, "collections": collections, "queryables": queryables, "backups": backups}


def _without_nulls(value):
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _search(url, cql2: dict) -> set[str]:
    with _connect(url) as conn:
        res = conn.execute(
            "SELECT pgstac.search(%s::jsonb)",
            (json.dumps({"filter-lang": "cql2-json", "filter": cql2, "limit": 1000}),),
        ).fetchone()[0]
    return {f["id"] for f in res.get("features", [])}


def test_upgrade_in_place_equals_the_file_conversion_and_answers_cql2(database, tmp_path):
    url, items = database
    before = _state(url)
    result = crosswalk.upgrade_pgstac(url)
    assert not result.failed, [c.error for c in result.collections]
    after = _state(url)
    n_items = sum(len(group) for group in items.values())
    assert len(after["items"]) == n_items == result.summary()["items"]

    # Every item reads back equal to the file conversion of what the database held (hydrated), written to a
    # file: `collection` aside, which the file conversion drops for want of a collection link (stored rows keep it).
    for (cid, iid), (old, _) in before["items"].items():
        path = tmp_path / f"{cid}-{iid}.json"
        path.write_text(json.dumps(old))
        expected = crosswalk.convert_file(str(path)).document
        got = after["items"][(cid, iid)][0]
        assert got["collection"] == cid
        assert {k: v for k, v in got.items() if k != "collection"} == {
            k: v for k, v in expected.items() if k != "collection"
        }, iid
        assert crosswalk.detect(got).format == crosswalk.detect(expected).format
        assert str(crosswalk.detect(got).format) == "mlm@1.5.2"

    # ... and the MLM fields are those of the corpus file's own conversion (pgstac stores no nulls).
    for cid, group in items.items():
        for source, item in group:
            expected = crosswalk.convert_file(str(source)).document
            if isinstance(expected, list) or expected is None:
                continue
            got = after["items"][(cid, item["id"])][0]
            mlm = {k: _without_nulls(v) for k, v in expected["properties"].items() if k.startswith("mlm:")}
            assert {k: got["properties"].get(k) for k in mlm} == mlm, item["id"]

    # The collection was updated (ml-model summaries became MLM ones), originals backed up.
    gold = after["collections"][db.ML_MODEL_COLLECTION]
    assert "mlm:architecture" in gold["summaries"] and not any(k.startswith("ml-model:") for k in gold["summaries"])
    assert result.rows_written == n_items + 1  # the items and the ml-model collection
    assert after["backups"] == n_items + 1 + 2  # ... and the two queryables renamed
    with _connect(url) as conn:
        backed = dict(conn.execute("SELECT id, content FROM public.crosswalk_backup WHERE kind = 'item'").fetchall())
    assert backed == {iid: doc for (_, iid), (doc, _) in before["items"].items()}

    # Queryables follow the fields: ml-model:architecture -> mlm:architecture, prediction_type -> mlm:tasks.
    names = {q[0]: q for q in after["queryables"]}
    assert "ml-model:architecture" not in names and "mlm:architecture" in names
    assert "ml-model:prediction_type" not in names
    # a string field that became a list: its values' constraints now hold for each element, the title stays
    assert json.loads(names["mlm:tasks"][1]) == {
        "title": "Task", "type": "array", "items": {"type": "string", "enum": ["classification", "segmentation"]}}

    # CQL2 through pgstac's search answers on the MLM names, as the file conversions say it should.
    converted = [doc for doc, _ in after["items"].values()]
    # an architecture that came from ml-model:architecture (the ml-model collection's items)
    arch = after["items"][(db.ML_MODEL_COLLECTION, items[db.ML_MODEL_COLLECTION][0][1]["id"])][0]["properties"]
    arch = arch["mlm:architecture"]
    by_arch = {d["id"] for d in converted if d["properties"].get("mlm:architecture") == arch}
    assert by_arch and _search(url, {"op": "=", "args": [{"property": "mlm:architecture"}, arch]}) == by_arch
    classifiers = {d["id"] for d in converted if "classification" in d["properties"].get("mlm:tasks", [])}
    assert classifiers >= {i["id"] for _, i in items[db.ML_MODEL_COLLECTION] if "agrifieldnet" in i["id"]}
    query = {"op": "a_contains", "args": [{"property": "mlm:tasks"}, ["classification"]]}
    assert _search(url, query) == classifiers
    assert not _search(url, {"op": "=", "args": [{"property": "ml-model:architecture"}, arch]})

    # A rerun rewrites nothing: no row gets a new version.
    again = crosswalk.upgrade_pgstac(url)
    assert again.rows_written == 0 and again.summary()["items_changed"] == 0 and not again.failed
    assert _state(url) == after

    # The backup puts everything back: documents and queryables as they were before the upgrade.
    from crosswalk.bulk.pgstac import restore

    assert restore(url, result.run_id) == after["backups"]
    restored = _state(url)
    assert {k: doc for k, (doc, _) in restored["items"].items()} == {k: doc for k, (doc, _) in before["items"].items()}
    assert restored["collections"] == before["collections"]
    assert restored["queryables"] == before["queryables"]


def test_dry_run_writes_nothing(database):
    url, items = database
    before = _state(url)
    result = crosswalk.upgrade_pgstac(url, dry_run=True, jobs=2)  # converted by two worker processes
    assert result.summary()["items_changed"] == sum(len(g) for g in items.values())
    assert result.rows_written == 0
    after = _state(url)
    assert after == before
    with _connect(url) as conn:  # not even the backup table
        assert conn.execute("SELECT to_regclass('public.crosswalk_backup')").fetchone()[0] is None


@pytest.mark.slow
def test_cli_upgrades_one_collection_and_reports(database, tmp_path):
    url, _ = database
    summary = tmp_path / "summary.ndjson"
    cmd = [
        sys.executable,
        "-c",
        "from crosswalk.cli.main import dlm_migrate; dlm_migrate()",
        "--pgstac",
        url,
        "--collection",
        db.MLM_COLLECTION,
        "--summary-file",
        str(summary),
    ]
    run = subprocess.run(cmd, capture_output=True, text=True)
    assert "1 collections" in run.stderr and f"{db.MLM_COLLECTION}: upgraded" in run.stderr, run.stderr
    lines = [json.loads(line) for line in summary.read_text().splitlines()]
    assert lines[-1]["summary"]["upgraded"] == 1 and all(r["status"] == "converted" for r in lines[:-1])
    # an invalid output is written and said so: exit 1 then, 0 otherwise
    assert run.returncode == (1 if lines[-1]["summary"]["invalid"] else 0), run.stderr
    state = _state(url)
    # the other collection was not asked for: still ml-model
    assert "ml-model:architecture" in state["collections"][db.ML_MODEL_COLLECTION]["summaries"]
    usage = subprocess.run([*cmd[:3], "--pgstac", url, "item.json"], capture_output=True, text=True)
    assert usage.returncode == 2 and "no SRC" in usage.stderr
    # a mistyped id among good ones: said before any collection is touched
    typo = subprocess.run([*cmd[:3], "--pgstac", url, "--collection", db.ML_MODEL_COLLECTION, "--collection",
                           "no-such-models"], capture_output=True, text=True)
    assert typo.returncode == 1 and "no such collection: no-such-models (nothing was upgraded)" in typo.stderr
    assert _state(url) == state


@pytest.mark.slow
def test_a_bad_item_fails_its_collection_only(database):
    url, items = database
    bad = dict(items[db.ML_MODEL_COLLECTION][0][1])
    bad["id"] = "bad-item"
    bad["stac_extensions"] = ["https://stac-extensions.github.io/ml-model/v2.0.0/schema.json"]
    db.load(url, [], [bad])
    before = _state(url)
    failures = []
    result = crosswalk.upgrade_pgstac(url, on_failure=failures.append)
    assert result.failed
    assert len(failures) == 1
    line = failures[0]
    assert db.ML_MODEL_COLLECTION in line and "bad-item" in line and "/stac_extensions/0" in line
    assert "\n" not in line
    after = _state(url)
    for key, value in before["items"].items():  # the failed collection is exactly as it was
        if key[0] == db.ML_MODEL_COLLECTION:
            assert after["items"][key] == value
    assert after["collections"][db.ML_MODEL_COLLECTION] == before["collections"][db.ML_MODEL_COLLECTION]
    upgraded = {c.id: c.status for c in result.collections}
    assert upgraded == {db.ML_MODEL_COLLECTION: "failed", db.MLM_COLLECTION: "upgraded"}
    assert all(
        str(crosswalk.detect(doc).format) == "mlm@1.5.2"
        for (c, _), (doc, _) in after["items"].items()
        if c == db.MLM_COLLECTION
    )


def test_strict_fails_the_collection_of_a_lossy_or_invented_document_and_writes_nothing(database):
    url, items = database
    # ml-model carries no input specification: converting its items to MLM invents mlm:input
    (_, first), *_ = items[db.ML_MODEL_COLLECTION]
    assert any(f.status == "invented" for f in crosswalk.convert(first).report.fields)
    before = _state(url)
    failures = []
    result = crosswalk.upgrade_pgstac(url, collections=[db.ML_MODEL_COLLECTION], strict=True,
                                      on_failure=failures.append)
    assert result.failed and [c.status for c in result.collections] == ["failed"]
    (line,) = failures
    # (the collection itself is converted first: its ml-model summaries MLM has no place for are dropped)
    assert db.ML_MODEL_COLLECTION in line and "--strict: " in line and "\n" not in line
    assert _state(url) == before  # rolled back: not a row written, not even a backup
    assert crosswalk.upgrade_pgstac(url, collections=[db.ML_MODEL_COLLECTION]).collections[0].status == "upgraded"


def test_a_killed_run_leaves_the_database_as_it_was(database):
    url, _ = database
    before = _state(url)
    script = textwrap.dedent(
        f"""
        import sys, time
        from crosswalk.bulk.pgstac import upgrade

        def progress(collection, done):
            print("written", collection, done, flush=True)
            time.sleep(60)  # killed here, in the middle of the first collection's transaction

        upgrade({url!r}, chunk_size=2, on_progress=progress)
        """
    )
    # this test's database only: the other tests, running beside it, have transactions of their own
    idle = "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' AND datname = current_database()"
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as proc:
        try:
            first = proc.stdout.readline()
            assert first.startswith("written"), first
            with _connect(url) as conn:  # the first chunk is in the database, uncommitted
                assert conn.execute(idle).fetchone()[0] == 1
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with _connect(url) as conn:  # the server sees the dead client's socket close and rolls its transaction back
        for _ in range(100):
            others = (
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if not conn.execute(others).fetchone()[0]:
                break
            time.sleep(0.1)
    after = _state(url)
    assert after["items"] == before["items"]
    assert after["collections"] == before["collections"]
    assert after["queryables"] == before["queryables"]
    assert after["backups"] == 0
    # and running again finishes the job
    assert not crosswalk.upgrade_pgstac(url).failed


def test_a_worker_killed_mid_run_stops_the_run_and_rolls_its_collection_back(database):
    """multiprocessing's pool waited forever for the task of a killed worker; the run now stops with one error,
    the collection it was in rolled back, and a rerun finishes the job."""
    url, _ = database
    before = _state(url)
    script = textwrap.dedent(
        f"""
        import multiprocessing, os, signal
        from crosswalk.bulk.pgstac import upgrade
        from crosswalk.errors import WorkerLost

        def progress(collection, done):  # the first collection's first items are read: kill a worker
            workers = multiprocessing.active_children()
            if workers:
                os.kill(workers[0].pid, signal.SIGKILL)

        try:
            upgrade({url!r}, jobs=2, chunk_size=2, on_progress=progress)
        except WorkerLost as e:
            print("lost:", e)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("lost: a worker process died"), proc.stdout + proc.stderr
    stopped = _state(url)
    assert not crosswalk.upgrade_pgstac(url, jobs=2).failed
    done = _state(url)

    def contents(state, collection):
        return {key[1]: content for key, (content, _) in state["items"].items() if key[0] == collection}

    # one transaction per collection: each is as it was or fully upgraded, the one the worker died in rolled back
    collections = {key[0] for key in before["items"]}
    as_before = {c for c in collections if contents(stopped, c) == contents(before, c)}
    upgraded = {c for c in collections if contents(stopped, c) == contents(done, c)}
    assert as_before | upgraded == collections
    assert as_before - upgraded, "the kill landed after the last collection: nothing was rolled back"


@pytest.fixture
def empty_database(pgstac_template):
    """A fresh pgstac database with no collections (for what happens before the first collection)."""
    dsn, template = pgstac_template
    url = db.create_database(dsn, template)
    yield url
    db.drop_database(dsn, url.rsplit("/", 1)[1])


def test_runs_at_once_on_a_new_database_all_succeed(pgstac_template, empty_database):
    # CREATE TABLE IF NOT EXISTS is not atomic: runs started together used to race on the backup table and the
    # losers failed ("duplicate key value violates unique constraint pg_type_typname_nsp_index").
    import threading

    urls = [empty_database] + [db.create_database(pgstac_template[0], pgstac_template[1]) for _ in range(2)]
    try:
        for url in urls:
            errors: list[str] = []
            start = threading.Barrier(4)

            def run(url=url, errors=errors, start=start):
                start.wait()
                try:
                    crosswalk.upgrade_pgstac(url)
                except Exception as e:  # noqa: BLE001
                    errors.append(repr(e))

            threads = [threading.Thread(target=run) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert not errors, errors
    finally:
        for url in urls[1:]:
            db.drop_database(pgstac_template[0], url.rsplit("/", 1)[1])


def test_a_bad_dsn_is_one_line_without_its_password(pgstac_template):
    from click.testing import CliRunner

    from crosswalk.cli.main import dlm_migrate

    good = db.with_database(pgstac_template[0], "postgres")
    wrong = good.replace("//postgres:crosswalk@", "//postgres:hunter2@")
    for dsn, secret in (
        ("postgresql://postgres:s%zzecret@localhost:5432/postgres", "zzecret"),  # libpq quotes the bad token
        ("host=localhost port=5432 user=postgres password=s%zzecret dbname=postgres sslmode=bogus", "zzecret"),
        (wrong, "hunter2"),
    ):
        run = CliRunner().invoke(dlm_migrate, ["--pgstac", dsn, "--dry-run"])
        assert run.exit_code == 1, run.output
        lines = run.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: pgstac:"), run.output
        assert secret not in run.output, run.output


def _queryables(url, cid: str) -> set[str]:
    with _connect(url) as conn:
        return set(conn.execute("SELECT pgstac.get_queryables(%s)", (cid,)).fetchone()[0]["properties"])


def test_queryables_of_the_new_name_already_declared_are_merged(database):
    # The catalog already declares mlm:tasks for every collection: pgstac refuses a second mlm:tasks for the
    # ml-model collection, and renaming its ml-model:prediction_type used to fail the whole collection.
    url, _ = database
    with _connect(url) as conn:
        conn.execute("INSERT INTO pgstac.queryables (name, definition) VALUES ('mlm:tasks', '{\"type\": \"array\"}')")
    before = _state(url)
    result = crosswalk.upgrade_pgstac(url)
    assert not result.failed, [c.error for c in result.collections]
    names = [q[0] for q in _state(url)["queryables"]]
    assert names.count("mlm:tasks") == 1 and "ml-model:prediction_type" not in names
    from crosswalk.bulk.pgstac import restore

    restore(url, result.run_id)
    assert _state(url)["queryables"] == before["queryables"]


def test_a_queryable_shared_with_a_collection_not_upgraded_stays_for_it(database):
    # ml-model:architecture is declared for every collection; upgrading one ml-model collection of two used to
    # rename it for both, so the other one (still ml-model) lost its queryable.
    url, items = database
    other = {**db.corpus_collections(SHARED)[0], "id": "other-models"}
    db.load(url, [other], [{**item, "collection": "other-models"} for _, item in items[db.ML_MODEL_COLLECTION]])
    before = _state(url)
    first = crosswalk.upgrade_pgstac(url, collections=[db.ML_MODEL_COLLECTION])
    assert not first.failed, [c.error for c in first.collections]
    assert "mlm:architecture" in _queryables(url, db.ML_MODEL_COLLECTION)
    assert {"ml-model:architecture", "mlm:architecture"} <= _queryables(url, "other-models")
    second = crosswalk.upgrade_pgstac(url)  # the rest: now nothing uses the old name
    assert not second.failed, [c.error for c in second.collections]
    names = [q[0] for q in _state(url)["queryables"]]
    assert "ml-model:architecture" not in names and names.count("mlm:architecture") == 1
    from crosswalk.bulk.pgstac import restore

    restore(url, second.run_id)
    restore(url, first.run_id)
    assert _state(url)["queryables"] == before["queryables"]


def test_an_old_name_kept_for_a_collection_that_drops_the_field_later_in_the_run_goes(database):
    """The ml-model collection renames the global queryable, kept for the other collection whose item still has
    ml-model:architecture; that item has mlm:architecture too, so its upgrade drops the field rather than moving
    it: no rename. At the end of the run no item has the old field, and its queryable goes (restore brings it
    back)."""
    url, items = database
    mixed = copy.deepcopy(items[db.ML_MODEL_COLLECTION][0][1])
    mixed["properties"]["mlm:architecture"] = "U-Net"
    other = {**db.corpus_collections(SHARED)[0], "id": "zz-later-models"}
    db.load(url, [other], [{**mixed, "id": "mixed", "collection": "zz-later-models"}])
    before = _state(url)
    result = crosswalk.upgrade_pgstac(url, collections=[db.ML_MODEL_COLLECTION, "zz-later-models"])
    assert not result.failed, [c.error for c in result.collections]
    names = [q[0] for q in _state(url)["queryables"]]
    assert "ml-model:architecture" not in names and "mlm:architecture" in names
    from crosswalk.bulk.pgstac import restore

    restore(url, result.run_id)
    assert _state(url)["queryables"] == before["queryables"]


def test_a_dry_run_does_not_say_invalid_documents_were_written(database):
    from click.testing import CliRunner

    from crosswalk.cli.main import dlm_migrate

    url, _ = database
    if not crosswalk.upgrade_pgstac(url, dry_run=True).summary()["invalid"]:
        pytest.skip("no document of this corpus converts to an invalid one")
    run = CliRunner().invoke(dlm_migrate, ["--pgstac", url, "--dry-run", "-q"])
    assert run.exit_code == 1 and "would be invalid" in run.output and "(written" not in run.output, run.output


@pytest.mark.parametrize("validate", [True, False])
def test_summary_file_lines_follow_the_schema(database, tmp_path, validate):
    """Each line of a pgstac run's --summary-file: a changed document's report with status converted, then the
    run's counts (crosswalk/engine/summary-line.schema.json)."""
    from click.testing import CliRunner
    from test_report_schema import line_problems

    from crosswalk.cli.main import dlm_migrate

    url, _ = database
    summary = tmp_path / "summary.ndjson"
    args = ["--pgstac", url, "--dry-run", "-q", "--summary-file", str(summary)]
    args += [] if validate else ["--no-validate"]
    run = CliRunner().invoke(dlm_migrate, args)
    assert run.exit_code in (0, 1), run.output
    lines = [json.loads(line) for line in summary.read_text(encoding="utf-8").splitlines()]
    *docs, last = lines
    item_lines = [d for d in docs if ": item " in d["source"]["href"]]
    assert item_lines and len(item_lines) == last["summary"]["items_changed"]  # a line per changed document
    assert all(d["status"] == "converted" and d["validated"] is validate for d in docs)
    assert {i: found for i, line in enumerate(lines) if (found := line_problems(line))} == {}


def test_a_rerun_reports_the_validity_the_first_run_did(database):
    """An item already in the target version is not rewritten, but it is judged: an invalid one is counted and has
    its line (status unchanged) on every run, as an unchanged file is in bulk file mode. A rerun used to skip the
    items it found unchanged unjudged, and so gave a cleaner verdict than the run before it."""
    from click.testing import CliRunner
    from test_report_schema import line_problems

    from crosswalk.cli.main import dlm_migrate

    url, items = database
    first = crosswalk.upgrade_pgstac(url)
    assert not first.failed, [c.error for c in first.collections]
    # One upgraded item made invalid in place: "quantum" is none of the accelerators MLM 1.5.2 enumerates
    # (amd64, cuda, xla, amd-rocm, intel-ipex-cpu, intel-ipex-gpu, macos-arm, or null).
    iid = items[db.MLM_COLLECTION][0][1]["id"]
    with _connect(url) as conn:
        (item,) = conn.execute(
            "SELECT pgstac.content_hydrate(i) FROM pgstac.items i WHERE i.collection = %s AND i.id = %s",
            (db.MLM_COLLECTION, iid),
        ).fetchone()
        assert str(crosswalk.detect(item).format) == "mlm@1.5.2"
        item["properties"]["mlm:accelerator"] = "quantum"
        conn.execute("SELECT pgstac.upsert_items(%s::jsonb)", (json.dumps([item]),))
    verdicts = []
    for _ in range(2):
        lines = []
        result = crosswalk.upgrade_pgstac(url, reports=lines.append)
        assert result.rows_written == 0 and not result.failed  # nothing to convert: nothing written
        invalid = {line["source"]["href"]: line["status"] for line in lines if not line["valid"]}
        assert {i: found for i, line in enumerate(lines) if (found := line_problems(line))} == {}
        verdicts.append((result.summary()["invalid"], invalid))
    assert verdicts[0] == verdicts[1]
    count, invalid = verdicts[0]
    assert invalid[f"pgstac collection {db.MLM_COLLECTION}: item {iid}"] == "unchanged"
    assert count == len(invalid) == first.summary()["invalid"] + 1  # the first run's invalid ones, and this one
    (mine,) = (c for c in result.collections if c.id == db.MLM_COLLECTION)
    assert mine.status == "unchanged" and mine.invalid >= 1
    run = CliRunner().invoke(dlm_migrate, ["--pgstac", url, "-q"])
    assert run.exit_code == 1 and f"{count} documents are invalid" in run.output, run.output
