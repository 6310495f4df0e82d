"""stac-geoparquet benchmark (a script, not a test): the geoparquet path of a bulk run against the ndjson one,
and crosswalk's writer/reader against the stac-geoparquet library alone.

    python benchmarks/bench_geoparquet.py                 # 5,000 items
    python benchmarks/bench_geoparquet.py --items 20000

It builds N items from the corpus Items under corpora/ (ml-model and MLM of several versions, ids varied) as one
ndjson file and measures:

* ``run -> ndjson`` / ``run -> geoparquet``: ``crosswalk.bulk.tree.migrate`` converting the file, its output written
  as one ndjson file or one geoparquet file (crosswalk.bulk.outputs);
* ``write``: the N converted items written by ``crosswalk.bulk.geoparquet.write`` (mixed-kind fields as JSON text,
  crosswalk's metadata) against stac-geoparquet's ``parse_stac_items_to_arrow`` + ``to_parquet`` on the same
  items with those fields already encoded (the library's own cost) and against plain ndjson;
* ``read``: ``crosswalk.bulk.geoparquet.read`` (decoding, normalising) against ``stac_table_to_items`` and ndjson.

It prints seconds, items/s, ratios and file sizes, and checks that what is read back equals what was written.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def source_items(n: int) -> list[dict]:
    base = []
    for path in sorted((ROOT / "corpora").glob("*/*.json")):
        if path.parent.name in ("expected", "dlm-beta", "dlm"):
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and doc.get("type") == "Feature" and doc.get("geometry"):
            base.append(doc)
    items = []
    for i in range(n):
        item = copy.deepcopy(base[i % len(base)])
        item["id"] = f"{item['id']}-{i}"
        items.append(item)
    return items


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - t0, value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=5000)
    args = ap.parse_args()
    import pyarrow.parquet as pq
    from stac_geoparquet.arrow import parse_stac_items_to_arrow, stac_table_to_items, to_parquet

    from crosswalk.bulk import geoparquet
    from crosswalk.bulk import tree as bulk
    from crosswalk.bulk.outputs import OneFile

    n = args.items
    items = source_items(n)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "items.ndjson")
        with open(src, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(i) + "\n" for i in items)
        runs = {}
        for fmt in ("ndjson", "geoparquet"):
            target = os.path.join(tmp, f"run.{fmt}")
            sink = OneFile(target, fmt)

            def run(sink=sink):
                result = bulk.migrate([src], sink=sink, validate=False, progress=False)
                sink.finish()
                return result

            seconds, result = timed(run)
            assert not result.failed, result.failures[:3]
            runs[fmt] = seconds
            rows.append((f"run -> {fmt} (convert + write)", seconds, os.path.getsize(target)))
        converted = geoparquet.read(os.path.join(tmp, "run.geoparquet"))
        with open(os.path.join(tmp, "run.ndjson"), encoding="utf-8") as f:
            from_ndjson = [json.loads(line) for line in f]
        assert converted == [geoparquet.normalise(d) for d in from_ndjson], "geoparquet != ndjson output"

        ours = os.path.join(tmp, "ours.parquet")
        t_ours, written = timed(geoparquet.write, ours, from_ndjson)
        encoded = from_ndjson
        for p in [tuple(x.split("/")) for x in written.json_fields]:
            encoded = [geoparquet._map_at(i, p, geoparquet._dumps) for i in encoded]
        lib = os.path.join(tmp, "lib.parquet")
        t_lib, _ = timed(lambda: to_parquet(parse_stac_items_to_arrow(encoded), lib))
        nd = os.path.join(tmp, "plain.ndjson")

        def write_ndjson():
            with open(nd, "w", encoding="utf-8") as f:
                f.writelines(json.dumps(i) + "\n" for i in from_ndjson)

        t_nd, _ = timed(write_ndjson)
        rows += [
            ("write: crosswalk geoparquet", t_ours, os.path.getsize(ours)),
            ("write: stac-geoparquet alone", t_lib, os.path.getsize(lib)),
            ("write: ndjson", t_nd, os.path.getsize(nd)),
        ]
        t_read, back = timed(geoparquet.read, ours)
        assert back == [geoparquet.normalise(d) for d in from_ndjson]
        t_read_lib, _ = timed(lambda: list(stac_table_to_items(pq.read_table(lib))))

        def read_ndjson():
            with open(nd, encoding="utf-8") as f:
                return [json.loads(line) for line in f]

        t_read_nd, _ = timed(read_ndjson)
        rows += [
            ("read: crosswalk geoparquet", t_read, None),
            ("read: stac-geoparquet alone", t_read_lib, None),
            ("read: ndjson", t_read_nd, None),
        ]
    print(f"{n} items (corpus ml-model and MLM Items, ids varied); mixed-kind fields: {', '.join(written.json_fields)}")
    print(f"{'':34} {'seconds':>8} {'items/s':>9} {'MB':>7}")
    for name, seconds, size in rows:
        mb = f"{size / 1e6:7.2f}" if size is not None else ""
        print(f"{name:34} {seconds:8.2f} {n / seconds:9.0f} {mb:>7}")
    print(f"run -> geoparquet / run -> ndjson: {runs['geoparquet'] / runs['ndjson']:.2f}")
    print(f"crosswalk geoparquet write / stac-geoparquet alone: {t_ours / t_lib:.2f}; read: {t_read / t_read_lib:.2f}")
    print(f"geoparquet write / ndjson write: {t_ours / t_nd:.2f}; read: {t_read / t_read_nd:.2f}")
    print("read back equal to what was written (normalised): yes")


if __name__ == "__main__":
    sys.exit(main())
