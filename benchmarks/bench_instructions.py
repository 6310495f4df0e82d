"""Instructions per Item of a bulk upgrade, counted by valgrind: an A/B comparison that a busy machine cannot blur.

    python benchmarks/bench_instructions.py --compare /tmp/before        # this tree against another source tree
    python benchmarks/bench_instructions.py --items 300 --validate       # with validation (the CLI default)
    python benchmarks/bench_instructions.py --validate --reports         # and every report kept (--summary-file)
    python benchmarks/bench_instructions.py --validate --jobs 1,2        # -j1 against -j2: what the workers add

On a shared machine CPU time moves by a third from one run to the next as other work comes and goes, which hides
a change of a few per cent. Instructions do not move: valgrind's cachegrind (``--cache-sim=no``, about 50 times
slower than a plain run) counts those the interpreter executes. Each tree converts a catalog of ``--items`` Items
(built as ``bench_bulk.py`` builds its catalogs) and one of 12 Items, both in a fresh process, and the difference
divided by the difference in Items is the cost per Item without the start-up (imports, compiling mappings and
schemas). Each tree runs once untimed first, so its cache of compiled mappings is warm, as a user's is.
``valgrind`` must be installed (``apt-get install valgrind``); CPU time stays what ``bench_bulk.py`` reports.

With ``--jobs 2`` the count is every process's: valgrind follows the forked workers, each writing its own count. A
worker's count starts with its parent's up to the fork (the warm-up, the same in both catalogs), so it cancels in
the difference: what is left is the work per Item of the workers and of the parent feeding them (handing out
paths, taking back outcomes). What it cannot count is the kernel's part (forks, pipes, page copies) and two busy
CPUs slowing each other, which ``bench_bulk.py``'s CPU time includes.
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

RUN = """
import sys
from crosswalk.bulk.tree import migrate
r = migrate([sys.argv[1]], out_dir=sys.argv[2], summary_file=sys.argv[2] + ".ndjson" if sys.argv[4] == "1" else None,
            validate=sys.argv[3] == "1",
            jobs=int(sys.argv[5]), progress=False)
if r.summary["failed"]:
    raise SystemExit(f"{r.summary['failed']} failed")
"""


def instructions(source: Path, catalog: Path, work: Path, validate: bool, counted: bool = True,
                 reports: bool = False, jobs: int = 1) -> int:
    """Instructions valgrind counts for one migration of ``catalog`` with crosswalk imported from ``source``."""
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    # a fixed hash seed: set and dict layouts, and so the instructions, then repeat from run to run (to 0.02 %)
    env = {**os.environ, "PYTHONPATH": str(source), "PYTHONHASHSEED": "0"}
    command = [sys.executable, "-c", RUN, str(catalog), str(out), "1" if validate else "0", "1" if reports else "0",
               str(jobs)]
    counts = work / "counts"  # one file per process (%p: its pid), the workers' too
    shutil.rmtree(counts, ignore_errors=True)
    counts.mkdir()
    if counted:
        command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={counts}/%p", *command]
    # run from the work folder: `python -c` puts the current folder first on sys.path, before PYTHONPATH
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False, cwd=work)
    if proc.returncode:
        raise SystemExit(f"{source}: the migration failed:\n{proc.stderr[-2000:]}")
    if not counted:
        return 0
    total = 0
    for path in counts.iterdir():
        found = re.search(r"^summary:\s+(\d+)", path.read_text(encoding="utf-8"), re.MULTILINE)
        if found is None:
            raise SystemExit(f"no instruction count in {path}:\n{proc.stderr[-2000:]}")
        total += int(found.group(1))
    if not total:
        raise SystemExit(f"valgrind wrote no count:\n{proc.stderr[-2000:]}")
    return total


def per_item(source: Path, small: Path, large: Path, n: int, work: Path, validate: bool, reports: bool,
             jobs: int = 1) -> float:
    instructions(source, large, work, validate, counted=False, reports=reports)  # warm its cache of compiled mappings
    return (instructions(source, large, work, validate, reports=reports, jobs=jobs)
            - instructions(source, small, work, validate, reports=reports, jobs=jobs)) / (n - SMALL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=300, help="Items in the catalog (default 300)")
    parser.add_argument("--validate", action="store_true", help="validate the outputs (the CLI default)")
    parser.add_argument("--reports", action="store_true",
                        help="keep every document's report (--summary-file), each folded into field entries")
    parser.add_argument("--compare", help="another source tree to count (e.g. `git archive HEAD~3 | tar -x`)")
    parser.add_argument("--jobs", default="1", help="worker processes, or a list of them (1,2): each is counted")
    args = parser.parse_args()
    jobs = [int(j) for j in args.jobs.split(",")]
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_bulk import build_catalog, corpus_items

    with tempfile.TemporaryDirectory(prefix="cw-instructions-") as tmp:
        work = Path(tmp)
        items, _, _ = corpus_items(work)
        small = build_catalog(work / "small", SMALL, items)
        large = build_catalog(work / "large", args.items, items)
        trees = [("this tree", ROOT)] + ([("compared", Path(args.compare).resolve())] if args.compare else [])
        counts = {(name, j): per_item(tree, small, large, args.items, work, args.validate, args.reports, j)
                  for name, tree in trees for j in jobs}
    for (name, j), count in counts.items():
        print(f"{name:10} -j{j} {count / 1e6:7.2f} M instructions per Item")
    if args.compare:
        for j in jobs:
            print(f"this tree / compared at -j{j}: {counts['this tree', j] / counts['compared', j]:.3f}")
    for name, _ in trees:
        for j in jobs[1:]:
            print(f"{name}: -j{j} / -j{jobs[0]}: {counts[name, j] / counts[name, jobs[0]]:.3f}")


if __name__ == "__main__":
    main()
