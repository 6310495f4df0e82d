"""The bulk benchmarks still run end to end (a smoke run of a few dozen Items): a script nobody runs rots. No
timing is asserted; the numbers only have to be there and be numbers (the system calls, which do not move, are
counted exactly)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

SCRIPT = ROOT / "benchmarks" / "bench_bulk.py"
ROW = re.compile(r"^(?P<label>\S+(?: -j\d+)?(?: @\S+)?)\s+(?P<wall>[\d.]+)\s+(?P<cpu>[\d.]+)\s+(?P<per_item>\d+)"
                 r"\s+(?P<sys>\d+)\s")


@pytest.mark.slow  # seconds of CPU each: CI runs it
def test_bulk_benchmark_quick_run_measures_every_column(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--jobs", "1,2", "--workdir", str(tmp_path / "work"),
         "--markdown", str(tmp_path / "bulk.md")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {m["label"]: m for line in proc.stdout.splitlines() if (m := ROW.match(line))}
    expected = {"floor", "pystac", "cw -j1", "cw -j2", "cw+val -j1", "cw+val -j2", "cw+val+reports -j1",
                "2×cw+val -j1"}
    try:
        import rustac  # noqa: F401

        expected.add("rustac")
        assert "crosswalk -j1 CPU / rustac CPU:" in proc.stdout
    except ImportError:
        assert "rustac is not installed" in proc.stdout
    assert expected <= set(rows), proc.stdout
    for label in expected:
        assert float(rows[label]["cpu"]) > 0, label
    assert "pystac CPU / crosswalk -j1 CPU:" in proc.stdout
    # every crosswalk run converted the same catalog without a failure (the run exits non-zero otherwise)
    notes = [line for line in proc.stdout.splitlines() if line.startswith("cw")]
    assert len({line.split("  ")[-1] for line in notes}) == 1, notes
    assert not any((tmp_path / "work").glob("n*")), "the catalogs are removed after the run"
    # the README's table: one row per run, the same CPU per item as the text table (rounded the same way)
    table = [line.split(" | ") for line in (tmp_path / "bulk.md").read_text().splitlines() if line.startswith("| ")]
    md_rows = {  # after the header row; the README spells the crosswalk runs out
        cells[0].lstrip("| ").replace("crosswalk + validation + reports", "cw+val+reports")
        .replace("crosswalk + validation", "cw+val").replace("crosswalk", "cw"): cells
        for cells in table[1:]
    }
    assert set(md_rows) == set(rows), (md_rows, rows)
    for label, cells in md_rows.items():
        assert int(cells[1].replace(",", "")) == int(rows[label]["per_item"]), label
        assert int(cells[2].replace(",", "")) == int(rows[label]["sys"]), label  # the kernel's part
    # user x floor: the run's CPU outside the kernel over the floor's (from the text table's rounded figures)
    floor_user = int(rows["floor"]["per_item"]) - int(rows["floor"]["sys"])
    for label in ("cw -j1", "cw+val -j1"):
        user = int(rows[label]["per_item"]) - int(rows[label]["sys"])
        assert abs(float(md_rows[label][4]) - user / floor_user) <= 0.05 + user / floor_user * 0.02, label
    # the file system the catalogs were on is named: the kernel's part depends on it
    assert re.search(r"catalogs on \w+", (tmp_path / "bulk.md").read_text()), "no file system named"


SYSCALLS = ROOT / "benchmarks" / "bench_syscalls.py"


@pytest.mark.slow  # a dozen runs under strace: CI runs it
@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_syscall_benchmark_counts_what_each_item_costs(tmp_path):
    """Per Item the floor reads one file and writes one; crosswalk does the same through a temporary file renamed
    into place (a run killed at any moment leaves each file whole), and reads nothing twice."""
    proc = subprocess.run([sys.executable, str(SYSCALLS), "--items", "40", "--runs", "floor,cw+val"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert re.match(r"system calls per Item \(40 Items less 12; catalogs on \w+\)", lines[0]), proc.stdout
    assert lines[1].split() == ["floor", "cw+val"], proc.stdout
    rows = {" ".join(cells[:-2]): (float(cells[-2]), float(cells[-1])) for cells in map(str.split, lines[2:])}
    # (what a run does once, such as a schema first met in the larger catalog, adds a fraction to a row)
    once = pytest.approx((1, 1), abs=0.2)
    assert rows["mkdir"] == once, proc.stdout  # each Item in a directory of its own
    assert rows["write"] == once, proc.stdout
    assert rows["rename"][1] == pytest.approx(1, abs=0.2), proc.stdout
    assert rows["openat"] == pytest.approx((2, 2), abs=0.2), proc.stdout  # the Item read once, written once
    assert min(rows["all calls"]) > 0, proc.stdout
