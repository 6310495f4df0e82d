"""Structural fuzzing of the migrate command (a script; tests/test_fuzz.py runs the same mutations under
hypothesis).

    python benchmarks/fuzz.py                       # 20,000 variants in-process + a subprocess sample
    python benchmarks/fuzz.py --variants 2000 --subprocess 40 --seed 7

Every corpus document (corpora/ and, when present, ../shared/corpora/real) is mutated the way broken or hostile
files are: a wrong type at a random path (every JSON type, the empty ones, huge and tiny numbers), lists where
objects belong and objects where lists belong, deleted keys, deep nesting (up to 2,000 levels), NaN and
±Infinity, integers of thousands of digits, lone UTF-16 surrogates in keys and values, duplicate keys. The
text-level ones (what json cannot write: NaN, huge integers, duplicate keys, invalid surrogates, deep nesting)
are spliced into the serialised text.

Each variant is converted through the command line's own entry point (`crosswalk.cli.main.dlm_migrate`, with click's
CliRunner, in-process): most one file at a time in single mode (``-o`` and ``--report-file``), the rest as
directories of variants in bulk mode (``--out-dir`` and ``--summary-file``). A sample also runs through the real
``dlm-migrate`` process. It counts, and prints:

* unhandled exceptions: anything but a clean exit escaping the command;
* tracebacks: "Traceback" on stdout or stderr;
* usage exits: exit 2 for a well-formed command line (a bad document must never be a usage error);
* non-standard outputs: a written document that strict JSON (no NaN/Infinity) or UTF-8 rejects;
* non-deterministic outputs: a second run of the same input giving other bytes;
* inputs mutated: an input file whose bytes changed;
* writes outside the target: any file created or changed outside ``-o``, ``--report-file``, ``--out-dir`` and
  ``--summary-file``;
* stopped runs: a bulk run that did not account for every document of its directory;
* messages with Python internals: an error line naming a Python exception or its wording;

and lists, apart, the internal errors: bugs crosswalk caught and reported as such in one line (an accounting
check that failed, say), which cost their document but nothing else.

Target: 0 of each. Exit status 1 when any count is not 0.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED_REAL = ROOT.parent / "shared" / "corpora" / "real"
COUNTS = ("unhandled exceptions", "tracebacks", "usage exits", "non-standard outputs", "non-deterministic outputs",
          "inputs mutated", "writes outside the target", "stopped runs", "messages with Python internals")
NOTED = ("internal errors (caught)",)  # bugs the boundary reports as such (accounting checks, mostly): listed


# ------------------------------------------------------------------------------------------------------------
# The corpus and the mutations


def corpus() -> list[tuple[str, Any]]:
    """(name, document) of every JSON/YAML corpus document that parses."""
    import yaml

    paths = [p for p in sorted((ROOT / "corpora").glob("*/*")) if p.parent.name != "expected"]
    if SHARED_REAL.is_dir():
        paths += sorted(SHARED_REAL.rglob("*"))
    out = []
    for p in paths:
        if p.suffix not in (".json", ".yaml", ".yml") or not p.is_file():
            continue
        try:
            text = p.read_text(encoding="utf-8")
            doc = yaml.safe_load(text) if p.suffix != ".json" else json.loads(text)
            json.dumps(doc)
        except Exception:  # noqa: BLE001 - a corpus file that is not plain data is no seed
            continue
        if isinstance(doc, (dict, list)):
            out.append((p.name, doc))
    return out


def _containers(doc: Any) -> list[tuple[tuple, Any]]:
    """(path, container) of every object and array in ``doc``."""
    out = []
    stack: list[tuple[tuple, Any]] = [((), doc)]
    while stack:
        path, node = stack.pop()
        out.append((path, node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, v in items:
            if isinstance(v, (dict, list)):
                stack.append((path + (k,), v))
    return out


def _slots(doc: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every value in ``doc``."""
    out = []
    for _, node in _containers(doc):
        keys = list(node) if isinstance(node, dict) else range(len(node))
        out.extend((node, k) for k in keys)
    return out


RAW = "@@raw{}@@"  # a placeholder string, replaced in the serialised text by what json cannot write
WRONG_TYPES: list[Any] = [{}, [], "", "x", 0, -1, 1.5, True, False, None, [1, "a"], {"a": {"b": []}}, 10**30,
                          -(10**25), 1e-300, "😀", "../../etc/passwd", "http://example.com/x.json"]
RAW_VALUES = ["NaN", "Infinity", "-Infinity", "1e999", "9" * 5000, "-" + "9" * 1200, '"\\ud800"',
              '"a\\udfffb"', '"\\ud83d\\ude00"']


def _deep_text(rng: random.Random) -> str:
    n = rng.choice([30, 45, 200, 999, 2000])
    opener, closer = rng.choice([("[", "]"), ('{"x": ', "}")])
    return opener * n + "0" + closer * n


def mutate(doc: Any, rng: random.Random) -> str:
    """One mutated variant of ``doc``, as the text of a file (1 to 3 mutations)."""
    doc = copy.deepcopy(doc)
    raws: list[str] = []
    dup_keys: list[tuple[str, str]] = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        slots = _slots(doc)
        if not slots:
            break
        node, key = rng.choice(slots)
        kind = rng.choice(["type", "type", "list-for-object", "object-for-list", "delete", "nest", "raw", "raw",
                           "deep", "surrogate-key", "duplicate-key"])
        value = node[key]
        if kind == "type":
            node[key] = copy.deepcopy(rng.choice(WRONG_TYPES))
        elif kind == "list-for-object":
            node[key] = [value] if isinstance(value, dict) or rng.random() < 0.5 else list(
                value.values()) if isinstance(value, dict) else [value]
        elif kind == "object-for-list":
            node[key] = {str(i): v for i, v in enumerate(value)} if isinstance(value, list) else {"value": value}
        elif kind == "delete":
            del node[key]
        elif kind == "nest":
            for _ in range(rng.randint(1, 12)):
                value = [value] if rng.random() < 0.5 else {"x": value}
            node[key] = value
        elif kind in ("raw", "deep"):
            raws.append(rng.choice(RAW_VALUES) if kind == "raw" else _deep_text(rng))
            node[key] = RAW.format(len(raws) - 1)
        elif kind == "surrogate-key" and isinstance(node, dict):
            raws.append('"k\\udc80"')
            node[RAW.format(len(raws) - 1) + "key"] = value
        elif kind == "duplicate-key" and isinstance(node, dict):
            marker = f"@@dup{len(dup_keys)}@@"
            dup_keys.append((marker, str(key)))
            node[marker] = copy.deepcopy(rng.choice(WRONG_TYPES))
    text = json.dumps(doc, indent=rng.choice([None, 2]))
    for i, raw in enumerate(raws):
        text = text.replace(json.dumps(RAW.format(i) + "key"), raw).replace(json.dumps(RAW.format(i)), raw)
    for marker, key in dup_keys:
        text = text.replace(json.dumps(marker), json.dumps(key))
    return text


def variants(seeds: list[tuple[str, Any]], n: int, seed: int) -> Iterator[tuple[str, str]]:
    """(seed name, variant text), ``n`` of them, cycling through the corpus."""
    rng = random.Random(seed)
    for i in range(n):
        name, doc = seeds[i % len(seeds)]
        yield name, mutate(doc, rng)


# ------------------------------------------------------------------------------------------------------------
# The checks


def snapshot(top: Path) -> dict[str, bytes]:
    return {str(p.relative_to(top)): p.read_bytes() for p in sorted(top.rglob("*")) if p.is_file() or p.is_symlink()}


def standard_json(data: bytes) -> bool:
    def refuse(_: str) -> Any:
        raise ValueError("NaN/Infinity")

    try:
        json.loads(data.decode("utf-8"), parse_constant=refuse)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return True


def _runner() -> Callable[[list[str]], tuple[int, str, BaseException | None]]:
    from click.testing import CliRunner

    from crosswalk.cli.main import dlm_migrate

    runner = CliRunner()

    def invoke(args: list[str]) -> tuple[int, str, BaseException | None]:
        r = runner.invoke(dlm_migrate, args, catch_exceptions=True)
        exc = r.exception if r.exception is not None and not isinstance(r.exception, SystemExit) else None
        return r.exit_code, r.stdout + r.stderr, exc

    return invoke


def check_single(work: Path, text: str, invoke: Callable, counts: Counter, determinism: bool,
                 validate: bool) -> None:
    """One variant, one file, single mode: -o and --report-file."""
    for p in work.iterdir():
        p.unlink()
    src = work / "in.json"
    src.write_text(text, encoding="utf-8", errors="surrogatepass")
    before = src.read_bytes()
    extra = [] if validate else ["--no-validate"]
    code, output, exc = invoke([str(src), "-o", str(work / "out.json"), "--report-file", str(work / "report.json"),
                                "--report", "none", *extra])
    counts["variants"] += 1
    counts[f"exit {code}"] += 1
    _judge(code, output, exc, counts)
    if src.read_bytes() != before:
        counts["inputs mutated"] += 1
    allowed = {"in.json", "out.json", "report.json"}
    counts["writes outside the target"] += sum(1 for p in work.iterdir() if p.name not in allowed)
    for name in ("out.json", "report.json"):
        if (work / name).exists() and not standard_json((work / name).read_bytes()):
            counts["non-standard outputs"] += 1
    if determinism and (work / "out.json").exists():
        first = (work / "out.json").read_bytes()
        code2, output2, exc2 = invoke([str(src), "-o", str(work / "out2.json"), "--report", "none", *extra])
        _judge(code2, output2, exc2, counts)
        if not (work / "out2.json").exists() or (work / "out2.json").read_bytes() != first:
            counts["non-deterministic outputs"] += 1
        (work / "out2.json").unlink(missing_ok=True)
        counts["determinism checked"] += 1


def check_bulk(work: Path, texts: list[str], run: Callable[[list[str]], tuple[int, str, BaseException | None]],
               counts: Counter, determinism: bool) -> None:
    """A directory of variants in bulk mode: every document accounted for, inputs untouched, outputs in place."""
    shutil.rmtree(work, ignore_errors=True)
    src = work / "in"
    src.mkdir(parents=True)
    for i, text in enumerate(texts):
        (src / f"v{i:05d}.json").write_text(text, encoding="utf-8", errors="surrogatepass")
    before = snapshot(src)
    outs = []
    for k in range(2 if determinism else 1):
        out, summary = work / f"out{k}", work / f"summary{k}.ndjson"
        code, output, exc = run([str(src), "--out-dir", str(out), "--summary-file", str(summary), "--no-validate",
                                 "--report", "none", "--jobs", "1"])
        _judge(code, output, exc, counts)
        if k == 0:
            counts["variants"] += len(texts)
            counts[f"exit {code}"] += 1
        try:
            last = json.loads(summary.read_text(encoding="utf-8").splitlines()[-1])["summary"]
            if last["files"] != len(texts):
                counts["stopped runs"] += 1
        except (OSError, ValueError, KeyError, IndexError):
            counts["stopped runs"] += 1
        for p in out.rglob("*"):  # failed documents are copied unchanged (the mirror stays complete)
            if p.is_file() and p.read_bytes() != (src / p.name).read_bytes() and not standard_json(p.read_bytes()):
                counts["non-standard outputs"] += 1
        outs.append(snapshot(out) if out.exists() else {})
    if snapshot(src) != before:
        counts["inputs mutated"] += 1
    allowed = {"in", "out0", "out1", "summary0.ndjson", "summary1.ndjson"}
    counts["writes outside the target"] += sum(1 for p in work.iterdir() if p.name not in allowed)
    if determinism:
        counts["determinism checked"] += len(texts)
        counts["non-deterministic outputs"] += sum(1 for k in outs[0] if outs[0][k] != outs[1].get(k))


PYTHON_WORDS = re.compile(r"\b[A-Z][a-z]+Error\b|object has no attribute|object is not|unhashable|"
                          r"not subscriptable|takes \d+ positional|NoneType")


def _judge(code: int, output: str, exc: BaseException | None, counts: Counter) -> None:
    if exc is not None:
        counts["unhandled exceptions"] += 1
        counts[f"  {type(exc).__name__}: {str(exc)[:100]}"] += 1
    if "Traceback" in output:
        counts["tracebacks"] += 1
    for line in output.splitlines():
        if not line.startswith("error:"):
            continue
        if "internal error" in line or "crosswalk bug" in line:
            counts["internal errors (caught)"] += 1
            counts["  internal: " + re.sub(r"^error: \S+ ", "", line)[:140]] += 1
        elif PYTHON_WORDS.search(line):
            counts["messages with Python internals"] += 1
            counts[f"  python: {line[-110:]}"] += 1
    if code == 2:
        if "-o/--output writes one document" in output:  # an array or FeatureCollection is bulk input: right
            counts["bulk-shaped input given -o (usage, as documented)"] += 1
        else:
            counts["usage exits"] += 1
            counts[f"  usage: {output.strip().splitlines()[-1][:100] if output.strip() else ''}"] += 1


def _subprocess_runner() -> Callable[[list[str]], tuple[int, str, BaseException | None]]:
    code = "import sys; from crosswalk.cli.main import dlm_migrate; sys.argv[0] = 'dlm-migrate'; dlm_migrate()"

    def run(args: list[str]) -> tuple[int, str, BaseException | None]:
        r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600)
        return r.returncode, r.stdout + r.stderr, None

    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variants", type=int, default=20_000, help="in-process variants (default 20,000)")
    ap.add_argument("--single-share", type=float, default=0.25, help="share run one at a time in single mode")
    ap.add_argument("--subprocess", type=int, default=300, help="variants through the real process (bulk batches)")
    ap.add_argument("--seed", type=int, default=20240605)
    args = ap.parse_args(argv)

    seeds = corpus()
    counts: Counter = Counter()
    invoke = _runner()
    n_single = int(args.variants * args.single_share)
    started = time.perf_counter()
    gen = variants(seeds, args.variants + args.subprocess, args.seed)
    with tempfile.TemporaryDirectory(prefix="cw-fuzz-") as tmp:
        work = Path(tmp)
        single = work / "single"
        single.mkdir()
        for i in range(n_single):
            _, text = next(gen)
            check_single(single, text, invoke, counts, determinism=i % 4 == 0, validate=i % 4 == 1)
        batch: list[str] = []
        for i in range(args.variants - n_single):
            batch.append(next(gen)[1])
            if len(batch) == 500 or i == args.variants - n_single - 1:
                check_bulk(work / "bulk", batch, invoke, counts, determinism=(i // 500) % 3 == 0)
                batch = []
        in_process = time.perf_counter() - started
        real = _subprocess_runner()
        texts = [next(gen)[1] for _ in range(args.subprocess)]
        for k in range(0, len(texts), 100):
            check_bulk(work / "proc", texts[k : k + 100], real, counts, determinism=False)
        for text in texts[:20]:  # single mode through the real process too
            check_single(single, text, real, counts, determinism=False, validate=True)
    total = time.perf_counter() - started
    print(f"{counts['variants']} variants of {len(seeds)} corpus documents ({args.variants} in-process, "
          f"{args.subprocess + min(20, args.subprocess)} through the dlm-migrate process); "
          f"{in_process:.0f} s in-process, {total:.0f} s in all")
    print(f"  determinism checked on {counts['determinism checked']} variants")
    print("  exits: " + ", ".join(f"{k.split()[1]}: {v}" for k, v in sorted(counts.items()) if k.startswith("exit ")))
    for name in COUNTS + NOTED:
        print(f"  {name:<31} {counts[name]}")
    for k, v in sorted(counts.items()):
        if k.startswith("bulk-shaped"):
            print(f"  ({k}: {v})")
        if k.startswith("  "):
            print(f"    {k.strip()}: {v}")
    return 1 if any(counts[name] for name in COUNTS) else 0


if __name__ == "__main__":
    sys.exit(main())
