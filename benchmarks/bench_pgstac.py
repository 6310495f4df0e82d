"""pgstac in-place upgrade benchmark (a script, not a test): rows/s of ``crosswalk.bulk.pgstac.upgrade`` against
``pypgstac load`` of the same items, measured in the same run, on a real PostgreSQL + PostGIS server.

    CROSSWALK_TEST_PGSTAC_DSN=postgresql://postgres:pass@localhost/postgres python benchmarks/bench_pgstac.py
    python benchmarks/bench_pgstac.py --items 5000 --dsn postgresql://...

It creates a scratch database, installs pgstac in it (``pypgstac migrate``), builds N items from the corpus's
ml-model and MLM Items (ids varied) in two collections and measures, one after the other:

* ``load``: pypgstac's loader (``Loader.load_items``, upsert) putting the N source items in: the floor, what an
  operator pays to write these rows at all;
* ``upgrade``: crosswalk reading every item hydrated, converting, backing up, upserting and reading back, one
  transaction per collection (with validation, as the command line runs it, and ``--no-validate``);
* ``dry run`` and ``rerun``: reading and converting only (nothing written).

It prints rows/s for each and the ratio upgrade/load. The scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import pgstac_db as db  # noqa: E402


def make_items(n: int) -> tuple[list[dict], list[dict]]:
    """N items cycling through the corpus's storable ml-model/MLM Items, ids varied, and their collections."""
    shared = Path(os.environ.get("CROSSWALK_SHARED", ROOT.parent / "shared"))
    groups = db.corpus_items(shared)
    base = [item for group in groups.values() for _, item in group]
    items = []
    for i in range(n):
        item = copy.deepcopy(base[i % len(base)])
        item["id"] = f"{item['id']}-{i}"
        items.append(item)
    return items, db.corpus_collections(shared)


CPU: dict[float, float] = {}  # wall seconds -> this process's CPU seconds (not the server's nor the workers')


def timed(fn, *args, **kwargs):
    """(seconds, result) of one call; its CPU seconds go to CPU."""
    t0, c0 = time.perf_counter(), time.process_time()
    value = fn(*args, **kwargs)
    wall = time.perf_counter() - t0
    CPU[wall] = time.process_time() - c0
    return wall, value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=1, help="conversion worker processes (dlm-migrate -j)")
    ap.add_argument("--dsn", default=os.environ.get(db.ENV), help=f"an admin DSN of the server (default: ${db.ENV})")
    args = ap.parse_args()
    if not args.dsn:
        sys.exit(f"give --dsn or set {db.ENV}")
    problem = db.server_problem(args.dsn)
    if problem:
        sys.exit(problem)
    from crosswalk.bulk.pgstac import upgrade

    template = db.create_template(args.dsn)
    try:
        items, collections = make_items(args.items)
        rows = []
        for validate in (True, False):
            url = db.create_database(args.dsn, template)
            try:
                load, _ = timed(db.load, url, collections, items)
                dry, _ = timed(upgrade, url, dry_run=True, validate=validate, jobs=args.jobs)
                up, result = timed(upgrade, url, validate=validate, jobs=args.jobs)
                assert not result.failed, [c.error for c in result.collections]
                written = result.rows_written
                rerun, again = timed(upgrade, url, validate=validate, jobs=args.jobs)
                assert again.rows_written == 0
            finally:
                db.drop_database(args.dsn, url.rsplit("/", 1)[1])
            rows.append((validate, load, dry, up, rerun, written))
    finally:
        db.drop_database(args.dsn, template)
    n = len(items)
    print(f"{n} items in 2 collections (corpus ml-model and MLM Items, ids varied), --jobs {args.jobs}")
    print(f"{'':40} {'seconds':>8} {'rows/s':>8} {'vs load':>8} {'client CPU s':>13}")
    for validate, load, dry, up, rerun, written in rows:
        tag = "" if validate else " (no validation)"
        for name, secs in (
            ("pypgstac load", load),
            ("crosswalk dry run" + tag, dry),
            ("crosswalk upgrade" + tag, up),
            ("crosswalk rerun" + tag, rerun),
        ):
            note = f"   ({written} rows written)" if name.startswith("crosswalk upgrade") else ""
            print(f"{name:40} {secs:8.2f} {n / secs:8.0f} {load / secs:8.2f} {CPU[secs]:13.2f}{note}")
    print("vs load = pypgstac load's seconds / this line's seconds (above 1: faster than loading the items)")


if __name__ == "__main__":
    main()
