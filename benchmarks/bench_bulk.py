"""Bulk-upgrade benchmark (a script, not a test): crosswalk against a plain copy, pystac and rustac.

    python benchmarks/bench_bulk.py                          # 1k and 10k items, -j1 and -j2, 3 runs each
    python benchmarks/bench_bulk.py --sizes 1000 --repeat 5
    python benchmarks/bench_bulk.py --sizes 1000,10000,50000 --runs floor,cw --repeat 1   # memory flat?
    python benchmarks/bench_bulk.py --compare /tmp/before    # also crosswalk from another source tree
    python benchmarks/bench_bulk.py --quick                  # a smoke run (a few dozen items, one run each)
    python benchmarks/bench_bulk.py --current --runs floor,cw+val   # Items already current: the fixed cost

For each size N it builds a catalog of N real-shaped Items (the corpus Items under corpora/ that crosswalk converts
and that pystac and rustac both read; ids varied) in pystac's layout (``catalog.json`` -> ``part-K/catalog.json``
-> ``part-K/<id>/<id>.json``, 1,000 Items per part) and measures, each run in a fresh subprocess (library
import and compilation included, interpreter start-up not):

* ``floor``: read + parse + serialise (indented) + write of every file, following child/item links (orjson;
  json when orjson is missing, which the note says): no program that rewrites every file can do less;
* ``floor+val``: the floor, and each document checked with crosswalk's verdict (the vendored schemas, the lint)
  before it is written: what any rewrite that validates what it writes pays, with nothing converted or accounted;
* ``pystac``: ``Catalog.from_file`` + ``normalize_hrefs`` + ``save`` (self-contained);
* ``rustac``: the floor's walk with ``rustac.read_sync`` + ``rustac.write_sync`` per file (``pip install rustac``;
  the column is skipped when it is missing). rustac writes compact JSON;
* ``cw``: ``crosswalk.bulk.tree.migrate`` to an output directory as ``dlm-migrate CATALOG --out-dir DIR`` runs it
  (every leaf accounted for, the counts summed, no per-document report kept), without validation (``cw``) and
  with it (``cw+val``), at each ``--jobs``;
* ``cw+val+reports``: ``cw+val`` at -j1 with ``--summary-file``: every document's report, field by field, built
  and written;
* ``2×cw+val``: two ``cw+val`` -j1 runs started together, each on the catalog into its own output directory; CPU
  per run. -j2 keeps both CPUs busy too, so this is what -j2 costs before its workers cost anything: how much two
  busy CPUs slow each other on this machine (and whatever else it runs meanwhile). The rest of -j2's excess over
  -j1 is the pool's (start-up, handing out paths and taking back outcomes);
* with ``--compare DIR``: the same ``cw`` runs importing crosswalk from the source tree DIR (``PYTHONPATH``).

The runs are interleaved (every kind once, then again ``--repeat`` times) so that the load of a shared machine
hits them alike, and the table shows medians. Every run writes a new output directory, and the outputs and catalogs
are deleted only when every size is measured: on a file system that steps over the inodes deleted in the last
minutes when it allocates one (ext4 without a journal looks at each, for a minute or more), deleting a run's 2,000
files and directories before the next run made that run's kernel time per Item several times larger (a floor copy
of 1,000 Items: about 100 µs per Item after runs whose outputs were kept, 360 and 650 µs after one and two whose
outputs were deleted). The outputs take the disk space of every run until the end (about 8 kB per Item and run).
CPU is user + system seconds of the process and its workers (on a shared machine wall-clock moves with the load,
CPU much less); per Item in microseconds, with the system part apart (the kernel's work creating directories and
files, the same for every run but moving with the disk's load: when it swells, every ratio shrinks towards 1; the
calls themselves are `bench_syscalls.py`'s), and as ratios: to the floor's, to rustac's (``x rustac``:
how many times rustac's CPU a run takes) and pystac's over the run's (``pystac/this``: above 1, the run is
faster than pystac). Peak memory is the largest resident set of the process or any one worker (Linux VmHWM), so a run
whose memory grows with the catalog shows it at the larger sizes (the last table compares them).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PART = 1000
INSTALL_RUSTAC = "pip install rustac"


def has_rustac() -> bool:
    try:
        import rustac  # noqa: F401
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------------------------------------------------
# The catalog


def _rustac_reads(doc: dict, scratch: Path) -> bool:
    """Whether rustac reads this Item (it refuses, e.g., a date without a time in ``datetime``)."""
    import rustac

    path = scratch / "probe.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    try:
        rustac.read_sync(str(path), set_self_link=False)
    except Exception:  # noqa: BLE001 - whatever rustac cannot read
        return False
    return True


def corpus_items(scratch: Path) -> tuple[list[dict], list[str], list[str]]:
    """The corpus Items that crosswalk converts and pystac (and rustac, when installed) read: every run must read
    the same catalog. Returns them, the names used and the names left out (with who could not read them)."""
    import warnings

    import pystac

    from crosswalk import pipeline

    warnings.simplefilter("ignore")
    rustac = has_rustac()
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
            left.append(f"{name} (pystac)")
            continue
        if rustac and not _rustac_reads(doc, scratch):
            left.append(f"{name} (rustac)")
            continue
        if pipeline.convert(doc, validate=False).error is None:
            out.append(doc)
            used.append(name)
        else:
            left.append(f"{name} (crosswalk)")
    return out, used, left


def _already_current(items: list[dict], used: list[str]) -> tuple[list[dict], list[str]]:
    """The Items of the target version that crosswalk leaves as they are: no step, every leaf kept (not a newer
    version, which passes without running any rule)."""
    from crosswalk import pipeline

    def current(doc: dict) -> bool:
        r = pipeline.convert(doc, validate=False)
        changed = any(n for status, n in r.report["summary"].items() if status != "kept")
        return r.steps == [] and r.detection.newer is None and r.document == doc and not changed

    kept = [(doc, name) for doc, name in zip(items, used, strict=True) if current(doc)]
    if not kept:
        raise SystemExit("no corpus Item is already in the target format")
    return [doc for doc, _ in kept], [name for _, name in kept]


def build_catalog(top: Path, n: int, items: list[dict]) -> Path:
    """A catalog of ``n`` Items (``items`` in turn, ids varied) below ``top``; returns the root catalog.json."""
    root = {
        "type": "Catalog",
        "id": "bench",
        "stac_version": "1.0.0",
        "description": f"{n} model items",
        "links": [{"rel": "root", "href": "./catalog.json", "type": "application/json"}],
    }
    parts = (n + PART - 1) // PART
    for k in range(parts):
        part_dir = top / f"part-{k:03d}"
        part = {
            "type": "Catalog",
            "id": f"part-{k:03d}",
            "stac_version": "1.0.0",
            "description": "part",
            "links": [
                {"rel": "root", "href": "../catalog.json", "type": "application/json"},
                {"rel": "parent", "href": "../catalog.json", "type": "application/json"},
            ],
        }
        for i in range(k * PART, min(n, (k + 1) * PART)):
            base = items[i % len(items)]
            item = dict(base)
            item["id"] = f"{base['id']}-{i:06d}"
            item["links"] = [
                {"rel": "root", "href": "../../catalog.json", "type": "application/json"},
                {"rel": "parent", "href": "../catalog.json", "type": "application/json"},
            ] + [
                link
                for link in base.get("links", [])
                if link.get("rel") not in ("root", "parent", "self", "collection")
            ]
            item.pop("collection", None)
            d = part_dir / item["id"]
            d.mkdir(parents=True)
            (d / f"{item['id']}.json").write_text(json.dumps(item, indent=2) + "\n", encoding="utf-8")
            part["links"].append(
                {"rel": "item", "href": f"./{item['id']}/{item['id']}.json", "type": "application/json"}
            )
        (part_dir / "catalog.json").write_text(json.dumps(part, indent=2) + "\n", encoding="utf-8")
        root["links"].append({"rel": "child", "href": f"./part-{k:03d}/catalog.json", "type": "application/json"})
    (top / "catalog.json").write_text(json.dumps(root, indent=2) + "\n", encoding="utf-8")
    return top / "catalog.json"


# ------------------------------------------------------------------------------------------------------------
# The measurements (each runs in its own subprocess: `bench_bulk.py --measure KIND ROOT OUT JOBS`)


def _walk_copy(root: str, out: str, read, write) -> int:
    """Read every file of the catalog (child and item links followed) and write it below ``out``; the count."""
    top = os.path.dirname(os.path.abspath(root))
    queue = [os.path.abspath(root)]
    count = 0
    while queue:
        path = queue.pop()
        doc = read(path)
        dest = os.path.join(out, os.path.relpath(path, top))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        write(dest, doc)
        count += 1
        if doc.get("type") in ("Catalog", "Collection"):
            for link in doc.get("links", []):
                if link.get("rel") in ("child", "item"):
                    queue.append(os.path.normpath(os.path.join(os.path.dirname(path), link["href"])))
    return count


def measure_floor(root: str, out: str, validate: bool = False) -> str:
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

    def read(path):
        with open(path, "rb") as f:
            return loads(f.read())

    check = None
    if validate:
        from crosswalk.validation.validator import warm
        from crosswalk.validation.verdict import check

        warm()  # as a bulk run does before its first document

    def write(path, doc):
        if check is not None:
            check(doc)
        with open(path, "wb") as f:
            f.write(dumps(doc))

    return f"{_walk_copy(root, out, read, write)} files, {lib}"


def measure_rustac(root: str, out: str) -> str:
    import rustac

    count = _walk_copy(root, out, lambda p: rustac.read_sync(p, set_self_link=False), rustac.write_sync)
    return f"{count} files, rustac {rustac.__version__ if hasattr(rustac, '__version__') else rustac.version()}"


def measure_pystac(root: str, out: str) -> str:
    import warnings

    warnings.simplefilter("ignore")
    import pystac

    cat = pystac.Catalog.from_file(root)
    cat.normalize_hrefs(out)
    cat.save(pystac.CatalogType.SELF_CONTAINED)
    return f"pystac {pystac.__version__}"


def measure_cw(root: str, out: str, jobs: int, validate: bool, reports: bool = False) -> str:
    from crosswalk.bulk.tree import migrate

    r = migrate([root], out_dir=out, summary_file=out + ".summary.ndjson" if reports else None, validate=validate,
                jobs=jobs, progress=False)
    if r.summary["failed"]:
        raise SystemExit(f"{r.summary['failed']} failed: {r.failures[:3]}")
    return f"{r.summary['documents']} docs, {r.summary['converted']} converted, {r.summary['invalid']} invalid"


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


def _cpu() -> tuple[float, float]:
    """(user, system) CPU seconds of this process and its reaped children (the workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + kids.ru_utime, me.ru_stime + kids.ru_stime


def _measure(argv: list[str]) -> None:
    kind, root, out, jobs = argv[0], argv[1], argv[2], int(argv[3])
    cpu0, t0 = _cpu(), time.perf_counter()
    if kind in ("floor", "floor+val"):
        note = measure_floor(root, out, validate=kind == "floor+val")
    elif kind == "pystac":
        note = measure_pystac(root, out)
    elif kind == "rustac":
        note = measure_rustac(root, out)
    else:
        note = measure_cw(root, out, jobs, kind.startswith("cw+val"), reports=kind == "cw+val+reports")
    seconds, (user, system) = time.perf_counter() - t0, _cpu()
    user, system = user - cpu0[0], system - cpu0[1]
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest worker (reaped by the pool)
    peak = max(_peak_rss_kb(), kids)
    print(json.dumps({"seconds": seconds, "cpu": user + system, "sys": system, "rss_kb": peak, "note": note}))


def _env(source: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CROSSWALK_CHECK_WRITES", None)  # a test-suite check, not what users run
    if source:
        env["PYTHONPATH"] = source + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def build_of(source: str | None) -> str:
    """Which crosswalk a run imports: "compiled" when its modules are the C extensions a wheel build makes
    (hatch_build.py), else "pure Python"."""
    probe = "import crosswalk.engine.ledger as m; print(m.__file__)"
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=_env(source),
                           cwd=tempfile.gettempdir(), check=True).stdout.strip()
    return "compiled" if found.endswith((".so", ".pyd")) else "pure Python"


def run_once(kind: str, root: Path, work: Path, jobs: int, source: str | None) -> dict:
    if kind == "2×cw+val":  # two runs at once: each one's CPU, the slower one's wall-clock, the larger peak
        both = _run_together("cw+val", root, work, jobs, source, 2)
        return {"seconds": max(r["seconds"] for r in both), "cpu": statistics.mean(r["cpu"] for r in both),
                "sys": statistics.mean(r["sys"] for r in both), "rss_kb": max(r["rss_kb"] for r in both),
                "note": both[0]["note"]}
    return _run_together(kind, root, work, jobs, source, 1)[0]


_RUNS = itertools.count()  # each run writes a directory of its own


def _run_together(kind: str, root: Path, work: Path, jobs: int, source: str | None, n: int) -> list[dict]:
    """``n`` measurement processes of ``kind`` started at once, each writing an output directory of its own, new,
    which stays until the whole benchmark is done (see the module's docstring: deleting it now would cost the next
    run)."""
    outs = [work / "outputs" / f"out-{kind}-{jobs}-{i}-{next(_RUNS)}" for i in range(n)]
    procs = []
    for out in outs:
        out.parent.mkdir(parents=True, exist_ok=True)
        procs.append(subprocess.Popen([sys.executable, __file__, "--measure", kind, str(root), str(out), str(jobs)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(source)))
    results = []
    for proc in procs:
        stdout, stderr = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"{kind} -j{jobs} failed:\n{stderr[-3000:]}")
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    return results


# ------------------------------------------------------------------------------------------------------------


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def render(n: int, rows: dict[str, list[dict]]) -> list[str]:
    """The table of one size: medians, per Item, and the ratios."""
    med = {label: {k: _median(runs, k) for k in ("seconds", "cpu", "sys", "rss_kb")} for label, runs in rows.items()}
    floor = med.get("floor", {}).get("cpu")
    rust = med.get("rustac", {}).get("cpu")
    pyst = med.get("pystac", {}).get("cpu")
    cw1 = med.get("cw -j1", {}).get("cpu")
    head = (
        f"{'run':<22} {'wall s':>7} {'cpu s':>7} {'cpu us/item':>11} {'sys us/item':>11} {'x floor':>8} {'x rustac':>8}"
        f" {'pystac/this':>11} {'peak MB':>8}  note"
    )
    lines = [head, "-" * len(head)]
    for label, m in med.items():
        cpu = m["cpu"]
        xf = f"{cpu / floor:8.1f}" if floor else f"{'-':>8}"
        xr = f"{cpu / rust:8.1f}" if rust and label != "rustac" else f"{'-':>8}"
        xp = f"{pyst / cpu:11.2f}" if pyst and label != "pystac" else f"{'-':>11}"
        lines.append(
            f"{label:<22} {m['seconds']:7.2f} {cpu:7.2f} {cpu / n * 1e6:11.0f} {m['sys'] / n * 1e6:11.0f}"
            f" {xf} {xr} {xp}"
            f" {m['rss_kb'] / 1024:8.0f}  {rows[label][-1]['note']}"
        )
    if pyst and cw1:
        lines.append(f"pystac CPU / crosswalk -j1 CPU: {pyst / cw1:.2f} (above 1: crosswalk is faster)")
    if rust and cw1:
        lines.append(f"crosswalk -j1 CPU / rustac CPU: {cw1 / rust:.1f} (how many times rustac's work crosswalk does)")
    return lines


def markdown(n: int, rows: dict[str, list[dict]]) -> list[str]:
    """The README's table of one size (``--markdown``): CPU per Item, the kernel's part of it, and the ratios,
    medians. ``× floor`` takes all the CPU; ``user × floor`` the process's own (user) CPU alone, the ratio of the
    computing each run does, which the file system's cost does not dilute."""
    med = {label: {k: _median(runs, k) for k in ("cpu", "sys", "rss_kb")} for label, runs in rows.items()}
    floor, rust, pyst = (med.get(k, {}).get("cpu") for k in ("floor", "rustac", "pystac"))
    floor_user = floor - med["floor"]["sys"] if floor else None
    out = [
        f"| {n:,} items | CPU µs per item | kernel µs | × floor | user × floor | × rustac | pystac ÷ this | peak MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, m in med.items():
        cpu = m["cpu"]
        cells = [
            f"{cpu / n * 1e6:,.0f}",
            f"{m['sys'] / n * 1e6:,.0f}",
            f"{cpu / floor:.1f}" if floor else "–",
            f"{(cpu - m['sys']) / floor_user:.1f}" if floor_user else "–",
            f"{cpu / rust:.1f}" if rust else "–",
            f"{pyst / cpu:.2f}" if pyst and label != "pystac" else "–",
            f"{m['rss_kb'] / 1024:.0f}",
        ]
        name = (label.replace("cw+val+reports", "crosswalk + validation + reports")
                .replace("cw+val", "crosswalk + validation").replace("cw", "crosswalk"))
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return out + [""]


def filesystem(path: Path) -> str:
    """The type of the file system ``path`` is on (``ext4``, ``tmpfs``), from the mount table: the kernel's part of
    every run's CPU, creating directories and files, depends on it."""
    best, kind, where = "", "unknown", str(path.resolve())
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            for line in f:
                fields = line.split()
                point, fstype = fields[4], fields[fields.index("-") + 1]
                inside = where.startswith(point.rstrip("/") + "/") or point == "/"
                if inside and len(point) > len(best):
                    best, kind = point, fstype
    except (OSError, ValueError, IndexError):  # not Linux
        pass
    return kind


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--measure"]:
        _measure(argv[1:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated catalog sizes (Items)")
    ap.add_argument("--jobs", default="1,2", help="comma-separated --jobs values for crosswalk")
    ap.add_argument(
        "--runs", default="floor,floor+val,pystac,rustac,cw,cw+val,cw+val+reports,2×cw+val",
        help="which measurements (floor, floor+val, pystac, rustac, cw, cw+val, cw+val+reports, 2×cw+val)"
    )
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the table shows medians")
    ap.add_argument(
        "--pystac-max",
        type=int,
        default=10000,
        help="largest size pystac is run at (its save slows down more than linearly)",
    )
    ap.add_argument(
        "--compare",
        metavar="DIR",
        action="append",
        default=[],
        help="also run crosswalk from this source tree (e.g. `git archive HEAD crosswalk mappings`)",
    )
    ap.add_argument("--workdir", help="build catalogs here (default: a temporary directory, removed)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 40 items, one run of each")
    ap.add_argument(
        "--current",
        action="store_true",
        help="only the Items already in the target format that crosswalk leaves as they are: the fixed cost of an "
        "Item (reading, detecting, checking every rule, validating, reporting) with nothing to convert",
    )
    ap.add_argument("--markdown", metavar="FILE", help="also write the tables as markdown (the README includes it)")
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes, args.repeat = "40", 1
    sizes = [int(s) for s in args.sizes.split(",")]
    jobs = [int(j) for j in args.jobs.split(",")]
    runs = args.runs.split(",")
    if "rustac" in runs and not has_rustac():
        print(f"rustac is not installed: its column is skipped ({INSTALL_RUSTAC} to measure it)")
        runs.remove("rustac")
    work_top = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="cw-bench-"))
    work_top.mkdir(parents=True, exist_ok=True)
    try:
        items, used, left = corpus_items(work_top)
        if args.current:
            items, used = _already_current(items, used)
        print(f"Items from {len(used)} corpus documents: {', '.join(used)}")
        if left:
            print(f"left out (not read by): {', '.join(left)}")
        fs = filesystem(work_top)
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; medians of {args.repeat} run(s); "
              f"catalogs on {fs}")
        builds = [f"crosswalk as installed: {build_of(None)}"] + [
            f"`@{Path(source).name}`: {build_of(source)}, from another tree" for source in args.compare]
        print("; ".join(builds) + "".join(f"; @{Path(source).name} = {source}" for source in args.compare))
        peaks: dict[str, dict[int, float]] = {}
        md = [
            f"Measured {time.strftime('%Y-%m-%d')} by `python benchmarks/bench_bulk.py --sizes {args.sizes} --repeat "
            f"{args.repeat} --markdown ...`: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, medians of "
            f"{args.repeat} interleaved runs, CPU of the process and its workers per Item, catalogs on {fs}; "
            f"{'; '.join(builds)}.",
            "",
        ]
        for n in sizes:
            work = work_top / f"n{n}"
            shutil.rmtree(work, ignore_errors=True)
            (work / "src").mkdir(parents=True)
            t = time.perf_counter()
            root = build_catalog(work / "src", n, items)
            built = time.perf_counter() - t
            plan: list[tuple[str, str, int, str | None]] = []
            for kind in ("floor", "floor+val", "pystac", "rustac"):
                if kind in runs and not (kind == "pystac" and n > args.pystac_max):
                    plan.append((kind, kind, 1, None))
            for source in [None, *args.compare]:
                tag = "" if source is None else f" @{Path(source).name}"
                for kind in ("cw", "cw+val"):
                    if kind in runs:
                        plan += [(f"{kind} -j{j}{tag}", kind, j, source) for j in jobs]
                if "cw+val+reports" in runs:
                    plan.append((f"cw+val+reports -j1{tag}", "cw+val+reports", 1, source))
                if "2×cw+val" in runs:
                    plan.append((f"2×cw+val -j1{tag}", "2×cw+val", 1, source))
            rows: dict[str, list[dict]] = {label: [] for label, *_ in plan}
            for _ in range(args.repeat):
                for label, kind, j, source in plan:
                    rows[label].append(run_once(kind, root, work, j, source))
            print(f"\n== {n} items (catalog built in {built:.1f} s; load average {os.getloadavg()[0]:.1f})", flush=True)
            print("\n".join(render(n, rows)), flush=True)
            md += markdown(n, rows)
            for label, rs in rows.items():
                if label.startswith("cw") or label == "floor":
                    peaks.setdefault(label, {})[n] = _median(rs, "rss_kb") / 1024
            # (``work`` is removed when every size is measured: a delete now would cost the next size's runs)
        if len(sizes) > 1:
            print("\npeak memory (MB) by size:")
            for label, by_size in peaks.items():
                small = min(by_size)
                print(
                    f"  {label:<22} "
                    + ", ".join(f"{n}: {by_size[n]:.0f} ({by_size[n] / by_size[small]:.2f}x)" for n in sorted(by_size))
                )
        if args.markdown:
            Path(args.markdown).write_text("\n".join(md), encoding="utf-8")
    finally:
        if not args.workdir:
            shutil.rmtree(work_top, ignore_errors=True)
        else:
            for n in sizes:
                shutil.rmtree(work_top / f"n{n}", ignore_errors=True)


if __name__ == "__main__":
    main()
