"""Instructions per Item of a bulk upgrade, counted by valgrind: an A/B comparison that a busy machine cannot blur.

    python benchmarks/bench_instructions.py --compare /tmp/before        # this tree against another source tree
    python benchmarks/bench_instructions.py --items 300 --validate       # with validation (the CLI default)
    python benchmarks/bench_instructions.py --validate --reports         # and every report kept (--summary-file)

On a shared machine CPU time moves by a third from one run to the next as other work comes and goes, which hides
a change of a few per cent. Instructions do not move: valgrind's cachegrind (``--cache-sim=no``, about 50 times
slower than a plain run) counts those the interpreter executes. Each tree converts a catalog of ``--items`` Items
(built as ``bench_bulk.py`` builds its catalogs) and one of 12 Items, both in a fresh process, and the difference
divided by the difference in Items is the cost per Item without the start-up (imports, compiling mappings and
schemas). Each tree runs once untimed first, so its cache of compiled mappings is warm, as a user's is.
``valgrind`` must be installed (``apt-get install valgrind``); CPU time stays what ``bench_bulk.py`` reports.
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
            jobs=1, progress=False)
if r.summary["failed"]:
    raise SystemExit(f"{r.summary['failed']} failed")
"""


def instructions(source: Path, catalog: Path, work: Path, validate: bool, counted: bool = True,
                 reports: bool = False) -> int:
    """Instructions valgrind counts for one migration of ``catalog`` with crosswalk imported from ``source``."""
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    # a fixed hash seed: set and dict layouts, and so the instructions, then repeat from run to run (to 0.02 %)
    env = {**os.environ, "PYTHONPATH": str(source), "PYTHONHASHSEED": "0"}
    command = [sys.executable, "-c", RUN, str(catalog), str(out), "1" if validate else "0", "1" if reports else "0"]
    if counted:
        command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", *command]
    # run from the work folder: `python -c` puts the current folder first on sys.path, before PYTHONPATH
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False, cwd=work)
    if proc.returncode:
        raise SystemExit(f"{source}: the migration failed:\n{proc.stderr[-2000:]}")
    if not counted:
        return 0
    found = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    if found is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{proc.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_item(source: Path, small: Path, large: Path, n: int, work: Path, validate: bool, reports: bool) -> float:
    instructions(source, large, work, validate, counted=False, reports=reports)  # warm its cache of compiled mappings
    return (instructions(source, large, work, validate, reports=reports)
            - instructions(source, small, work, validate, reports=reports)) / (n - SMALL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=300, help="Items in the catalog (default 300)")
    parser.add_argument("--validate", action="store_true", help="validate the outputs (the CLI default)")
    parser.add_argument("--reports", action="store_true",
                        help="keep every document's report (--summary-file), each folded into field entries")
    parser.add_argument("--compare", help="another source tree to count (e.g. `git archive HEAD~3 | tar -x`)")
    args = parser.parse_args()
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
        counts = {name: per_item(tree, small, large, args.items, work, args.validate, args.reports)
                  for name, tree in trees}
    for name, count in counts.items():
        print(f"{name:10} {count / 1e6:7.2f} M instructions per Item")
    if args.compare:
        print(f"this tree / compared: {counts['this tree'] / counts['compared']:.3f}")


if __name__ == "__main__":
    main()
