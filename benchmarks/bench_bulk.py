"""Bulk-upgrade benchmark (a script, not a test): crosswalk against a plain copy and against pystac.

    python benchmarks/bench_bulk.py                       # 1k items
    python benchmarks/bench_bulk.py --sizes 1000,10000
    python benchmarks/bench_bulk.py --sizes 100000 --runs floor,cw   # memory at 100k, without validation

For each size N it builds a catalog of N real-shaped Items (the corpus Items under corpora/: ml-model, MLM of
several versions, dlm-beta when crosswalk has an edge for it; ids varied) in pystac's layout
(``catalog.json`` -> ``part-K/catalog.json`` -> ``part-K/<id>/<id>.json``, 1,000 Items per part) and measures,
each in a fresh subprocess (library import and compilation included, interpreter start-up not):

* ``floor``: read + parse + serialise + write of every file, following child/item links (orjson; json when orjson
  is missing, which the table says);
* ``pystac``: ``Catalog.from_file`` + ``normalize_hrefs`` + ``save`` (self-contained);
* ``cw``: ``crosswalk.bulk.tree.migrate`` to an output directory with the per-document reports written to a summary
  file, without validation (``cw``) and with it (``cw+val``), at each ``--jobs``.

Peak memory is the subprocess's maximum resident set size (and its workers' for ``--jobs`` > 1). It prints
wall seconds, microseconds per Item, the ratio to the floor, pystac's time divided by crosswalk's, and the CPU
seconds (the process and its workers, user + system) with their ratio to the floor's: on a shared machine the
wall-clock ratios move with the load, the CPU ones much less.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PART = 1000


# ------------------------------------------------------------------------------------------------------------
# The catalog


def corpus_items() -> tuple[list[dict], list[str], list[str]]:
    """The corpus Items that crosswalk converts and pystac reads (both runs must read the same catalog), with
    the names used and the names left out (the dlm-beta examples: pystac cannot read their list-valued assets)."""
    import warnings

    import pystac

    from crosswalk import pipeline

    warnings.simplefilter("ignore")
    out, used, left = [], [], []
    for path in sorted((ROOT / "corpora").glob("*/*.json")):
        if path.parent.name == "expected":
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get("type") != "Feature":
            continue
        name = f"{path.parent.name}/{path.name}"
        try:
            pystac.Item.from_dict(doc)
        except Exception:  # noqa: BLE001 - whatever pystac cannot read
            left.append(name)
            continue
        if pipeline.convert(doc, validate=False).error is None:
            out.append(doc)
            used.append(name)
        else:
            left.append(name)
    return out, used, left


def build_catalog(top: Path, n: int) -> Path:
    """A catalog of ``n`` Items below ``top``; returns the root catalog.json."""
    items, used, left = corpus_items()
    print(f"items from {len(used)} corpus documents: {', '.join(used)}"
          + (f"; left out (pystac cannot read them): {', '.join(left)}" if left else ""))
    root = {"type": "Catalog", "id": "bench", "stac_version": "1.0.0", "description": f"{n} model items",
            "links": [{"rel": "root", "href": "./catalog.json", "type": "application/json"}]}
    parts = (n + PART - 1) // PART
    for k in range(parts):
        part_dir = top / f"part-{k:03d}"
        part = {"type": "Catalog", "id": f"part-{k:03d}", "stac_version": "1.0.0", "description": "part",
                "links": [{"rel": "root", "href": "../catalog.json", "type": "application/json"},
                          {"rel": "parent", "href": "../catalog.json", "type": "application/json"}]}
        for i in range(k * PART, min(n, (k + 1) * PART)):
            base = items[i % len(items)]
            item = dict(base)
            item["id"] = f"{base['id']}-{i:06d}"
            item["links"] = [
                {"rel": "root", "href": "../../catalog.json", "type": "application/json"},
                {"rel": "parent", "href": "../catalog.json", "type": "application/json"},
            ] + [link for link in base.get("links", []) if link.get("rel") not in ("root", "parent", "self",
                                                                                   "collection")]
            item.pop("collection", None)
            d = part_dir / item["id"]
            d.mkdir(parents=True)
            (d / f"{item['id']}.json").write_text(json.dumps(item, indent=2) + "\n", encoding="utf-8")
            part["links"].append({"rel": "item", "href": f"./{item['id']}/{item['id']}.json",
                                  "type": "application/json"})
        (part_dir / "catalog.json").write_text(json.dumps(part, indent=2) + "\n", encoding="utf-8")
        root["links"].append({"rel": "child", "href": f"./part-{k:03d}/catalog.json", "type": "application/json"})
    (top / "catalog.json").write_text(json.dumps(root, indent=2) + "\n", encoding="utf-8")
    return top / "catalog.json"


# ------------------------------------------------------------------------------------------------------------
# The measurements (each runs in its own subprocess: `bench_bulk.py --measure KIND ROOT OUT [JOBS]`)


def measure_floor(root: str, out: str) -> str:
    try:
        import orjson

        loads = orjson.loads

        def dumps(doc):
            return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
        lib = "orjson"
    except ImportError:
        loads = json.loads

        def dumps(doc):
            return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        lib = "json (orjson missing)"
    top = os.path.dirname(os.path.abspath(root))
    queue = [os.path.abspath(root)]
    while queue:
        path = queue.pop()
        with open(path, "rb") as f:
            doc = loads(f.read())
        dest = os.path.join(out, os.path.relpath(path, top))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(dumps(doc))
        if doc.get("type") in ("Catalog", "Collection"):
            for link in doc.get("links", []):
                if link.get("rel") in ("child", "item"):
                    queue.append(os.path.normpath(os.path.join(os.path.dirname(path), link["href"])))
    return lib


def measure_pystac(root: str, out: str) -> str:
    import warnings

    warnings.simplefilter("ignore")
    import pystac

    cat = pystac.Catalog.from_file(root)
    cat.normalize_hrefs(out)
    cat.save(pystac.CatalogType.SELF_CONTAINED)
    return f"pystac {pystac.__version__}"


def measure_cw(root: str, out: str, jobs: int, validate: bool) -> str:
    from crosswalk.bulk.tree import migrate

    r = migrate([root], out_dir=out, summary_file=out + ".summary.ndjson", validate=validate, jobs=jobs,
                progress=False)
    if r.summary["failed"]:
        raise SystemExit(f"{r.summary['failed']} failed: {r.failures[:3]}")
    return f"{r.summary['documents']} docs, {r.summary['invalid']} invalid"


def _peak_rss_kb() -> int:
    """This process's peak resident set (VmHWM; ru_maxrss on Linux keeps the pre-exec parent's peak)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb // 1024 if sys.platform == "darwin" else kb


def _measure(argv: list[str]) -> None:
    kind, root, out = argv[:3]
    t0 = time.perf_counter()
    if kind == "floor":
        note = measure_floor(root, out)
    elif kind == "pystac":
        note = measure_pystac(root, out)
    else:
        note = measure_cw(root, out, int(argv[3]), kind == "cw+val")
    seconds = time.perf_counter() - t0
    own = _peak_rss_kb()
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss_kb": own, "child_rss_kb": kids.ru_maxrss, "note": note}))


def run_one(kind: str, root: Path, work: Path, jobs: int = 1, repeat: int = 1) -> dict:
    best = None
    for _ in range(repeat):
        out = work / f"out-{kind}-{jobs}"
        shutil.rmtree(out, ignore_errors=True)
        proc = subprocess.run([sys.executable, __file__, "--measure", kind, str(root), str(out), str(jobs)],
                              capture_output=True, text=True, check=False)
        if proc.returncode:
            raise SystemExit(f"{kind} failed:\n{proc.stderr[-3000:]}")
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        best = res if best is None or res["seconds"] < best["seconds"] else best
        shutil.rmtree(out, ignore_errors=True)
        Path(str(out) + ".summary.ndjson").unlink(missing_ok=True)
    return best


# ------------------------------------------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        _measure(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000", help="comma-separated catalog sizes (Items), e.g. 1000,10000,100000")
    ap.add_argument("--jobs", default="1,2", help="comma-separated --jobs values for crosswalk")
    ap.add_argument("--runs", default="floor,pystac,cw,cw+val", help="which measurements (floor,pystac,cw,cw+val)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest counts")
    ap.add_argument("--workdir", help="build catalogs here (default: a temporary directory, removed)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    jobs = [int(j) for j in args.jobs.split(",")]
    runs = args.runs.split(",")
    work_top = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="cw-bench-"))
    try:
        peaks: dict[str, dict[int, float]] = {}
        for n in sizes:
            work = work_top / f"n{n}"
            shutil.rmtree(work, ignore_errors=True)
            (work / "src").mkdir(parents=True)
            t = time.perf_counter()
            root = build_catalog(work / "src", n)
            print(f"\n== {n} items (built in {time.perf_counter() - t:.1f} s, {work})", flush=True)
            rows: list[tuple[str, dict]] = []
            if "floor" in runs:
                rows.append(("floor", run_one("floor", root, work, repeat=args.repeat)))
            if "pystac" in runs:
                rows.append(("pystac", run_one("pystac", root, work, repeat=args.repeat)))
            for kind in ("cw", "cw+val"):
                if kind in runs:
                    for j in jobs:
                        rows.append((f"{kind} -j{j}", run_one(kind, root, work, j, args.repeat)))
            floor = next((r["seconds"] for k, r in rows if k == "floor"), None)
            pyst = next((r["seconds"] for k, r in rows if k == "pystac"), None)
            cpu_floor = next((r["cpu"] for k, r in rows if k == "floor"), None)
            print(f"{'run':<12} {'seconds':>8} {'us/item':>9} {'x floor':>8} {'pystac/x':>9} {'cpu s':>8}"
                  f" {'cpu x floor':>11} {'peak MB':>8} {'workers MB':>10}  note")
            for kind, r in rows:
                s = r["seconds"]
                xf = f"{s / floor:8.1f}" if floor else f"{'-':>8}"
                xp = f"{pyst / s:9.2f}" if pyst and kind != "pystac" else f"{'-':>9}"
                xc = f"{r['cpu'] / cpu_floor:11.1f}" if cpu_floor else f"{'-':>11}"
                print(f"{kind:<12} {s:8.2f} {s / n * 1e6:9.0f} {xf} {xp} {r['cpu']:8.2f} {xc}"
                      f" {r['rss_kb'] / 1024:8.0f} {r['child_rss_kb'] / 1024:10.0f}  {r['note']}", flush=True)
                if kind.startswith("cw"):
                    peaks.setdefault(kind, {})[n] = max(r["rss_kb"], r["child_rss_kb"]) / 1024
            shutil.rmtree(work, ignore_errors=True)
        for kind, by_size in peaks.items():
            if len(by_size) > 1:
                small = min(by_size)
                print(f"peak memory per process ({kind}) vs {small} items: " + ", ".join(
                    f"{n}: {by_size[n]:.0f} MB ({by_size[n] / by_size[small]:.2f}x)" for n in sorted(by_size)))
    finally:
        if not args.workdir:
            shutil.rmtree(work_top, ignore_errors=True)


if __name__ == "__main__":
    main()
