"""One-file cold-start benchmark (a script, not a test): ``dlm-migrate one.json -o out.json`` against the floor.

    python benchmarks/bench_one_file.py                 # 15 runs of each
    python benchmarks/bench_one_file.py -n 31 --doc corpora/ml-model/spec-dummy-item.json
    git archive HEAD crosswalk mappings | tar -x -C /tmp/before
    python benchmarks/bench_one_file.py --compare /tmp/before    # and another source tree, e.g. the last commit
    python benchmarks/bench_one_file.py --compare /tmp/before --compare .   # two trees side by side, one run

In one run, interleaved so that the machine's load hits every command alike, it times N runs of:

* ``python -c pass``: the interpreter's own start-up (and its site-packages' .pth files);
* ``click floor``: a minimal click CLI that reads the JSON document, rewrites one field and writes it indented;
* ``import floor``: ``python -c "import click, jsonschema_rs"``, the two libraries a validated one-file run imports
  before it does anything (click pulls in typing, inspect and enum; jsonschema-rs, when its module starts, decimal
  and email.utils with socket and urllib.parse);
* ``crosswalk cold``: the one-file conversion with an empty cache directory (mappings loaded, checked and
  compiled from YAML; the schema index built);
* ``crosswalk warm``: the same with the cache filled by a previous run (what a user sees from the second run on);
* with ``--compare DIR`` (repeatable): the same script importing crosswalk from the source tree DIR
  (``PYTHONPATH``), warm, each tree with a cache directory of its own; its build (pure Python for a source tree)
  is named beside it.

Validation is on, as by default. It prints, for each command, the median wall-clock milliseconds and the median
CPU milliseconds (user + system of the child, from ``resource.getrusage(RUSAGE_CHILDREN)``), both as a ratio to
``python -c pass``, and the wall-clock milliseconds over the import floor (what crosswalk adds to the libraries
it cannot start without). The target for the warm one-file conversion: median wall <= 150 ms and <= 6x
``python -c pass``.
"""

from __future__ import annotations

import argparse
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

CLICK_FLOOR = """
import json, click

@click.command()
@click.argument("src", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
def main(src, output):
    with open(src, encoding="utf-8") as f:
        doc = json.load(f)
    doc["stac_version"] = doc.get("stac_version", "1.0.0")
    with open(output, "w", encoding="utf-8") as f:
        f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\\n")

main()
"""


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) milliseconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall * 1000, cpu * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=15, help="runs of each command (default 15)")
    parser.add_argument("--doc", default=str(ROOT / "corpora/ml-model/spec-dummy-item.json"))
    parser.add_argument("--compare", metavar="DIR", action="append", default=[],
                        help="also time crosswalk imported from this source tree (repeatable)")
    args = parser.parse_args()

    # the installed script beside this interpreter (not a version manager's shim on PATH, whose own start-up
    # is not crosswalk's)
    beside = Path(sys.executable).with_name("dlm-migrate")
    cli = str(beside) if beside.is_file() else shutil.which("dlm-migrate")
    if cli is None:
        sys.exit("dlm-migrate is not installed (pip install -e .)")
    migrate = [cli]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        floor = os.path.join(tmp, "click_floor.py")
        Path(floor).write_text(CLICK_FLOOR, encoding="utf-8")
        # An installed wheel has its bytecode compiled by pip; a checkout run with PYTHONDONTWRITEBYTECODE would
        # time the compiler instead, so the children may write their .pyc (the first, discarded run does).
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        warm_env = dict(base, XDG_CACHE_HOME=os.path.join(tmp, "warm-cache"))
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], base),
            "click floor": ([sys.executable, floor, args.doc, "-o", out], base),
            # what importing the command-line library and the schema validator costs before any work: crosswalk
            # cannot start faster than this
            "import floor": ([sys.executable, "-c", "import click, jsonschema_rs"], base),
            "crosswalk cold": (migrate + [args.doc, "-o", out, "-q"], None),
            "crosswalk warm": (migrate + [args.doc, "-o", out, "-q"], warm_env),
        }
        trees = _tree_names(args.compare)
        for i, (tree, name) in enumerate(trees.items()):
            other = dict(warm_env, PYTHONPATH=tree, XDG_CACHE_HOME=os.path.join(tmp, f"tree-cache-{i}"))
            commands[f"{name} warm"] = (migrate + [args.doc, "-o", out, "-q"], other)
        for cmd, env in commands.values():  # fill the warm cache, write the bytecode
            _timed(cmd, env or warm_env)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for i in range(args.runs):
            for name, (cmd, env) in commands.items():
                if env is None:  # cold: a cache directory nobody has used
                    env = dict(base, XDG_CACHE_HOME=os.path.join(tmp, f"cold-{i}"))
                samples[name].append(_timed(cmd, env))

    base_wall = statistics.median(w for w, _ in samples["python -c pass"])
    base_cpu = statistics.median(c for _, c in samples["python -c pass"])
    from bench_bulk import build_of  # the script beside this one: which crosswalk the children import

    build = build_of(None)
    print(f"{os.path.relpath(args.doc, ROOT)}, {args.runs} runs each, medians (ratios to python -c pass); "
          f"crosswalk as installed: {build}")
    for tree, name in trees.items():
        print(f"{name}: {tree} ({build_of(tree)})")
    floor = statistics.median(w for w, _ in samples["import floor"])
    width = max(20, *(len(name) + 1 for name in samples))
    print(f"{'command':<{width}} {'wall ms':>8} {'x':>6} {'cpu ms':>8} {'x':>6} {'+floor':>7}")
    for name, rows in samples.items():
        wall = statistics.median(w for w, _ in rows)
        cpu = statistics.median(c for _, c in rows)
        over = f"{wall - floor:7.1f}" if name.startswith("crosswalk") or name.endswith(" warm") else ""
        print(f"{name:<{width}} {wall:8.1f} {wall / base_wall:6.2f} {cpu:8.1f} {cpu / base_cpu:6.2f} {over:>7}")
    warm = statistics.median(w for w, _ in samples["crosswalk warm"])
    ok = warm <= 150 and warm <= 6 * base_wall
    print(f"target (warm wall <= 150 ms and <= 6x python -c pass): {'met' if ok else 'NOT met'}")


def _tree_names(dirs: list[str]) -> dict[str, str]:
    """Each source tree (an absolute path) and the name its row is printed under: its folder's name, or more of its
    path where two trees share one."""
    paths = [os.path.abspath(d) for d in dict.fromkeys(dirs)]
    for path in paths:
        if not os.path.isdir(os.path.join(path, "crosswalk")):
            sys.exit(f"--compare {path}: no crosswalk package in it")
    names = {path: Path(path).name for path in paths}
    for path in paths:
        if list(names.values()).count(names[path]) > 1:
            names[path] = path
    return names


if __name__ == "__main__":
    main()
