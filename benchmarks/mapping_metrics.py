"""How much of the migration lives in the mappings: rules by op across every mapping file (step files both ways,
support files, the registry's invariants), and the lines of Python behind them.

    python benchmarks/mapping_metrics.py
"""

from __future__ import annotations

import collections
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rules(items, counter):
    for item in items or ():
        op = next(iter(item))
        if op == "include":  # no rule: the rules of a shared file, counted once where they are written
            continue
        counter[op] += 1
        if op == "each":
            _rules(item[op].get("rules"), counter)


def rule_counts() -> collections.Counter:
    import yaml

    counter: collections.Counter = collections.Counter()
    for path in sorted((ROOT / "mappings").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.name == "formats.yaml":
            for family in data["families"].values():
                _rules([i["rule"] for i in family.get("step_invariants") or ()], counter)
                for group in family.get("invariants") or ():
                    _rules(group.get("rules"), counter)
            continue
        _rules(data.get("rules"), counter)
        for side in ("up", "down"):
            if isinstance(data.get(side), dict):
                _rules(data[side].get("rules"), counter)
    return counter


def lines(*parts: str) -> int:
    total = 0
    for part in parts:
        root = ROOT / "crosswalk" / part
        for path in [root] if root.is_file() else root.rglob("*.py"):
            total += sum(1 for _ in path.open(encoding="utf-8"))
    return total


def main() -> None:
    counts = rule_counts()
    total = sum(counts.values())
    print(f"rules: {total}, transform calls: {counts['transform']} ({counts['transform'] / total:.0%})")
    print("by op: " + ", ".join(f"{op} {n}" for op, n in counts.most_common()))
    print(f"transforms: {lines('transforms')} lines")
    engine = ("engine/ctx.py", "engine/ops.py", "engine/ledger.py", "engine/keep.py", "engine/writes.py",
              "engine/settle.py")
    language = ("language/spec.py", "language/edges.py", "language/pointer.py", "language/formats.py",
                "language/graph.py", "language/compiled.py", "language/filters.py", "language/jsonpath_steps.py")
    print(f"engine + language: {sum(lines(p) for p in engine + language)} lines "
          f"(engine {sum(lines(p) for p in engine)}, language {sum(lines(p) for p in language)})")


if __name__ == "__main__":
    main()
