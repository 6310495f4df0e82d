"""System calls per Item of a bulk upgrade, counted by strace: the kernel's side of `bench_bulk.py`, by call.

    python benchmarks/bench_syscalls.py                          # the floor copy and crosswalk (with validation)
    python benchmarks/bench_syscalls.py --items 1000 --compare /tmp/before   # and crosswalk from another tree
    python benchmarks/bench_syscalls.py --runs floor,cw,cw+val

`bench_bulk.py` reports the kernel's CPU per Item, which on a disk moves with whatever else the machine does and
with the file system's state (on an ext4 without a journal, allocating an inode steps over every inode deleted in
the last minutes, so a run right after a large delete pays more for each file it creates). The calls themselves
do not move: each run (`bench_bulk.py --measure`, so the same code) is counted under ``strace -f -c`` on a
catalog of ``--items`` Items and on one of 12, and the difference divided by the difference in Items is what one
Item costs, start-up left out. A call crosswalk makes per Item that the floor does not (a lstat, a rename) shows
in its own row. ``strace`` must be installed (``apt-get install strace``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL = 12
# a row of strace -c's table: % time, seconds, usecs/call, calls, [errors,] syscall
ROW = re.compile(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(?P<calls>\d+)\s+(?:(?P<errors>\d+)\s+)?(?P<name>\w+)\s*$")


def counts(kind: str, catalog: Path, work: Path, source: str | None) -> dict[str, tuple[int, int]]:
    """(calls, failed calls) of each system call of one `bench_bulk.py --measure` run, every process counted."""
    out, table = work / "out", work / "strace.txt"
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("CROSSWALK_CHECK_WRITES", None)  # a test-suite check, not what users run
    if source:
        env["PYTHONPATH"] = source + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    command = ["strace", "-f", "-c", "-o", str(table), sys.executable, str(ROOT / "benchmarks" / "bench_bulk.py"),
               "--measure", kind, str(catalog), str(out), "1"]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False, cwd=work)
    shutil.rmtree(out, ignore_errors=True)
    if proc.returncode:
        raise SystemExit(f"{kind}: the run failed:\n{proc.stderr[-2000:]}")
    found = {}
    for line in table.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m and m["name"] != "total":
            found[m["name"]] = (int(m["calls"]), int(m["errors"] or 0))
    return found


def per_item(kind: str, small: Path, large: Path, n: int, work: Path, source: str | None) -> dict[str, float]:
    """Calls per Item by name (a failed call also counted under ``name (failed)``)."""
    counts(kind, large, work, source)  # a first run untimed: crosswalk's cache of compiled mappings is warm
    big, little = counts(kind, large, work, source), counts(kind, small, work, source)
    out: dict[str, float] = {}
    for name in big.keys() | little.keys():
        (calls, errors), (calls0, errors0) = big.get(name, (0, 0)), little.get(name, (0, 0))
        out[name] = (calls - calls0) / (n - SMALL)
        if errors or errors0:
            out[f"{name} (failed)"] = (errors - errors0) / (n - SMALL)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=300, help="Items in the catalog (default 300)")
    parser.add_argument("--runs", default="floor,cw+val", help="which of bench_bulk.py's runs (floor, cw, cw+val)")
    parser.add_argument("--compare", help="also crosswalk from another source tree (`git archive HEAD~3 | tar -x`)")
    args = parser.parse_args()
    if shutil.which("strace") is None:
        raise SystemExit("strace is not installed (apt-get install strace)")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_bulk import build_catalog, corpus_items, filesystem

    plan = [(kind, kind, None) for kind in args.runs.split(",")]
    if args.compare:
        plan += [(f"{kind} @{Path(args.compare).name}", kind, str(Path(args.compare).resolve()))
                 for kind in args.runs.split(",") if kind.startswith("cw")]
    with tempfile.TemporaryDirectory(prefix="cw-syscalls-") as tmp:
        work = Path(tmp)
        items, _, _ = corpus_items(work)
        small = build_catalog(work / "small", SMALL, items)
        large = build_catalog(work / "large", args.items, items)
        rows = {label: per_item(kind, small, large, args.items, work, source) for label, kind, source in plan}
        print(f"system calls per Item ({args.items} Items less {SMALL}; catalogs on {filesystem(work)})")
    names = sorted({name for row in rows.values() for name, n in row.items() if abs(n) >= 0.005},
                   key=lambda name: (-max(row.get(name, 0) for row in rows.values()), name))
    width = max(12, *(len(label) for label in rows))
    print(f"{'':<22}" + "".join(f"{label:>{width + 2}}" for label in rows))
    for name in names:
        print(f"{name:<22}" + "".join(f"{row.get(name, 0):>{width + 2}.2f}" for row in rows.values()))
    totals = [sum(n for name, n in row.items() if not name.endswith("(failed)")) for row in rows.values()]
    print(f"{'all calls':<22}" + "".join(f"{t:>{width + 2}.2f}" for t in totals))


if __name__ == "__main__":
    main()
