"""CPU per document of ``pipeline.convert`` over the corpus, against a floor measured in the same run.

Every document of the every-direction sweep (the project corpus, and when ../shared is present its real documents
and the official examples; a list or a FeatureCollection counts each Item) is converted to each target several
times; a document's time is the median of its runs (``time.process_time``, so other processes on the machine do not
count). The floor is what any converter pays at least: ``orjson.loads`` of the document's bytes plus
``orjson.dumps`` of the result, for the same documents, in the same run. Printed: the median and mean per document
of both, and their ratio (convert / floor).

    python3 benchmarks/bench_convert.py                     # to the latest MLM, validation on (the CLI default)
    python3 benchmarks/bench_convert.py --to dlm --no-validate --repeat 7
    python3 benchmarks/bench_convert.py --all-targets       # every target of the sweep (slower)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ["CROSSWALK_CHECK_WRITES"] = ""  # the tests' per-transform write check is not what a user runs

from test_every_direction import TARGETS, _all_files, _documents  # noqa: E402

from crosswalk import pipeline  # noqa: E402


def _cpu(fn, repeat: int) -> float:
    """Median CPU seconds of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--to", action="append", help="target format (repeatable; default: mlm)")
    parser.add_argument("--all-targets", action="store_true", help="every target of the every-direction sweep")
    parser.add_argument("--repeat", type=int, default=5, help="runs per document and target (default 5)")
    parser.add_argument("--no-validate", action="store_true", help="convert without validating the output")
    parser.add_argument("--keep-source", action="store_true", help="lossless mode")
    args = parser.parse_args()
    targets = TARGETS if args.all_targets else (args.to or ["mlm"])

    documents = [(name, doc) for path in _all_files() for name, doc in _documents(path)]
    for name, doc in documents:  # warm every cache (mappings, schemas) before timing
        for target in targets:
            pipeline.convert(doc, href=name, to=target)

    convert_times, floor_times, failed = [], [], 0
    for name, doc in documents:
        raw = orjson.dumps(doc)
        floor = _cpu(lambda raw=raw: orjson.dumps(orjson.loads(raw)), args.repeat * 20)
        for target in targets:
            def run(doc=doc, target=target, name=name):
                return pipeline.convert(
                    doc, href=name, to=target, validate=not args.no_validate, keep_source=args.keep_source
                )

            failed += run().error is not None
            convert_times.append(_cpu(run, args.repeat))
            floor_times.append(floor)

    def ms(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1e3:.3f} ms, mean {statistics.mean(values) * 1e3:.3f} ms"

    print(f"{len(documents)} documents x {len(targets)} target(s) = {len(convert_times)} conversions "
          f"({failed} not ML-model documents), {args.repeat} runs each, validate={not args.no_validate}")
    print(f"convert:          {ms(convert_times)}")
    print(f"orjson floor:     {ms(floor_times)}")
    ratio_median = statistics.median(convert_times) / statistics.median(floor_times)
    ratio_mean = statistics.mean(convert_times) / statistics.mean(floor_times)
    print(f"convert / floor:  {ratio_median:.0f}x (medians), {ratio_mean:.0f}x (means)")


if __name__ == "__main__":
    main()
