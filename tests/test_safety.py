"""Safety as an adversarial user tries it: no option destroys an input, nothing is written outside the target, no
document stops a run, no traceback. Each test is one reproduction: a temporary tree, one command.

The real command runs in a subprocess where the process matters (devices, FIFOs, locks, exit codes, stderr).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import CORPORA

from crosswalk.bulk import tree as bulk
from crosswalk.io.treelock import MARKER, TreeLock

ITEM = json.loads((CORPORA / "ml-model" / "spec-dummy-item.json").read_text(encoding="utf-8"))
MLM_ITEM = json.loads((CORPORA / "mlm" / "spec-1.0.0-item_basic.json").read_text(encoding="utf-8"))


def run(*args: object, timeout: float = 120, stdin: str | None = None) -> subprocess.CompletedProcess:
    code = "import sys; from crosswalk.cli.main import dlm_migrate; sys.argv[0] = 'dlm-migrate'; dlm_migrate()"
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=timeout, input=stdin
    )


def run_crosswalk(*args: object, timeout: float = 120) -> subprocess.CompletedProcess:
    code = "import sys; from crosswalk.cli.main import main; sys.argv[0] = 'crosswalk'; main()"
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def no_traceback(r: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr
    for line in r.stderr.splitlines():
        if line.startswith("error:"):
            assert "Error:" not in line and "object has no attribute" not in line, line


def write(path: Path, doc: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return path


def item(i: int) -> dict:
    return {**ITEM, "id": f"item-{i}", "links": []}


def catalog(top: Path, hrefs: list[str]) -> Path:
    doc = {"type": "Catalog", "id": "cat", "stac_version": "1.0.0", "description": "d",
           "links": [{"rel": "item", "href": h} for h in hrefs]}
    return write(top / "catalog.json", doc)


def snapshot(top: Path) -> dict[str, bytes | str]:
    """Every entry below ``top``: file bytes, or ``-> target`` for symlinks (never followed)."""
    out: dict[str, bytes | str] = {}
    for p in sorted(top.rglob("*")):
        rel = str(p.relative_to(top))
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            out[rel] = p.read_bytes()
    return out


# ------------------------------------------------------------------------------------------------------------
# Writes outside the target, inputs destroyed


def test_in_place_never_follows_a_symlinked_directory_out_of_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside / "x.json", item(1))
    before = snapshot(outside)
    cat = tmp_path / "cat"
    write(cat / "items" / "a.json", item(2))
    (cat / "models").symlink_to("../outside")
    root = catalog(cat, ["./items/a.json", "./models/x.json"])
    r = run(root, "--in-place", "--no-validate")
    no_traceback(r)
    assert r.returncode == 0, r.stderr
    assert snapshot(outside) == before  # the file outside the root is untouched
    assert "1 links outside the root not followed" in r.stderr
    assert "mlm" in (cat / "items" / "a.json").read_text(encoding="utf-8")  # the one inside was converted
    assert (cat / "models").is_symlink()


@pytest.mark.parametrize("how", ["symlink", "same", "inside", "around"])
def test_out_dir_onto_into_or_around_the_input_tree_is_a_usage_error(tmp_path: Path, how: str) -> None:
    cat = tmp_path / "cat"
    write(cat / "items" / "a.json", item(1))
    root = catalog(cat, ["./items/a.json"])
    out = {"symlink": tmp_path / "out", "same": cat, "inside": cat / "out", "around": tmp_path}[how]
    if how == "symlink":
        out.symlink_to("cat")
    before = snapshot(tmp_path)
    r = run(root, "--out-dir", out, "--no-validate")
    no_traceback(r)
    assert r.returncode == 2, r.stderr
    assert "--out-dir" in r.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("how", ["root", "symlink"])
def test_backup_dir_onto_the_root_is_a_usage_error(tmp_path: Path, how: str) -> None:
    cat = tmp_path / "cat"
    write(cat / "items" / "a.json", item(1))
    root = catalog(cat, ["./items/a.json"])
    backup = cat if how == "root" else tmp_path / "bak"
    if how == "symlink":
        backup.symlink_to("cat")
    before = snapshot(tmp_path)
    r = run(root, "--in-place", "--backup-dir", backup, "--no-validate")
    no_traceback(r)
    assert r.returncode == 2 and "--backup-dir" in r.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("mode", [["--dry-run"], ["--out-dir", "OUT"], ["--in-place"]])
def test_summary_file_naming_an_input_is_a_usage_error(tmp_path: Path, mode: list[str]) -> None:
    cat = tmp_path / "cat"
    write(cat / "items" / "a.json", item(1))
    root = catalog(cat, ["./items/a.json"])
    before = snapshot(tmp_path)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in mode]
    for target in (root, cat / "items" / "a.json"):
        r = run(root, *args, "--summary-file", target, "--no-validate")
        no_traceback(r)
        assert r.returncode == 2 and "--summary-file" in r.stderr, r.stderr
        assert snapshot(tmp_path) == before


def test_summary_file_is_not_truncated_before_the_run_has_a_new_one(tmp_path: Path) -> None:
    cat = tmp_path / "cat"
    write(cat / "items" / "a.json", item(1))
    root = catalog(cat, ["./items/a.json"])
    summary = tmp_path / "summary.ndjson"
    summary.write_text("old\n", encoding="utf-8")
    lock = TreeLock(str(tmp_path / "out")).__enter__()  # the run stops at the lock: the old summary stays
    try:
        r = run(root, "--out-dir", tmp_path / "out", "--summary-file", summary, "--no-validate")
    finally:
        lock.__exit__(None, None, None)
    assert r.returncode == 1 and "busy" in r.stderr
    assert summary.read_text(encoding="utf-8") == "old\n"
    r = run(root, "--out-dir", tmp_path / "out", "--summary-file", summary, "--no-validate")
    assert r.returncode == 0, r.stderr
    assert json.loads(summary.read_text(encoding="utf-8").splitlines()[-1])["summary"]["documents"] == 2


@pytest.mark.parametrize("args", [["-o", "IN"], ["--report-file", "IN"], ["-o", "X", "--report-file", "X"],
                                  ["-o", "LINK"]])
def test_single_mode_outputs_never_name_the_input_or_each_other(tmp_path: Path, args: list[str]) -> None:
    src = write(tmp_path / "in.json", ITEM)
    (tmp_path / "link.json").symlink_to("in.json")
    names = {"IN": src, "X": tmp_path / "x.json", "LINK": tmp_path / "link.json"}
    before = snapshot(tmp_path)
    r = run(src, *[str(names.get(a, a)) for a in args])
    no_traceback(r)
    assert r.returncode == 2, r.stderr
    assert snapshot(tmp_path) == before


def test_output_through_a_symlink_keeps_the_symlink(tmp_path: Path) -> None:
    src = write(tmp_path / "in.json", ITEM)
    (tmp_path / "real.json").write_text("{}", encoding="utf-8")
    (tmp_path / "out.json").symlink_to("real.json")
    r = run(src, "-o", tmp_path / "out.json", "--report", "none")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out.json").is_symlink()
    assert "mlm:" in (tmp_path / "real.json").read_text(encoding="utf-8")


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_named_by_o_is_written_to_never_replaced(tmp_path: Path) -> None:
    """The same as ``-o /dev/null`` (run as root), on a private null device so a regression cannot break the
    machine."""
    src = write(tmp_path / "in.json", ITEM)
    dev = tmp_path / "null"
    os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    for args in (["-o", dev], ["-o", dev, "--report-file", dev]):
        r = run(src, *args, "--report", "none")
        no_traceback(r)
        assert r.returncode == 0, r.stderr
        assert stat.S_ISCHR(os.lstat(dev).st_mode), "the device was replaced by a regular file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "null"]


def test_a_fifo_named_by_o_is_written_to_never_replaced(tmp_path: Path) -> None:
    src = write(tmp_path / "in.json", ITEM)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = run(src, "-o", fifo, "--report", "none", timeout=60)
    reader.join(timeout=30)
    assert r.returncode == 0, r.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    written = json.loads(got[0])
    assert any("/mlm/" in uri for uri in written["stac_extensions"]) and "mlm:name" in written["properties"]


def test_symlinks_are_never_copied_as_their_targets_content(tmp_path: Path) -> None:
    secret = write(tmp_path / "private" / "secret.json", {"password": "hunter2"})
    src = tmp_path / "in"
    write(src / "a.json", item(1))
    write(src / "b.json", item(2))
    (src / "secret.json").symlink_to(secret)  # what /etc/shadow would be
    (src / "alias.json").symlink_to("a.json")  # a symlink inside the tree
    r = run(src, "--out-dir", tmp_path / "out", "--no-validate")
    no_traceback(r)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "out"
    assert not (out / "secret.json").exists() and not (out / "secret.json").is_symlink()
    assert "hunter2" not in "".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())
    assert (out / "alias.json").is_symlink() and os.readlink(out / "alias.json") == "a.json"
    assert json.loads((out / "alias.json").read_text(encoding="utf-8"))["id"] == "item-1"


def test_a_dangling_symlink_is_named_by_its_own_path(tmp_path: Path) -> None:
    """A symlink whose target is missing fails as "no such file" under the name the user has, the link's, in every
    verb that walks the tree; the mirror gets no dangling copy of it."""
    from click.testing import CliRunner

    from crosswalk.cli.main import main

    src = tmp_path / "in"
    write(src / "a.json", item(1))
    (src / "sub").mkdir()
    (src / "sub" / "gone.json").symlink_to("../missing.json")  # the target would lie below the root
    r = run(src, "--out-dir", tmp_path / "out", "--no-validate")
    no_traceback(r)
    assert r.returncode == 1 and "in/sub/gone.json: no such file" in r.stderr and "missing" not in r.stderr
    assert not os.path.lexists(tmp_path / "out" / "sub" / "gone.json")
    for verb in ("validate", "detect"):
        got = CliRunner().invoke(main, [verb, str(src)])
        assert got.exit_code == 1 and f"{src}/sub/gone.json: no such file" in got.stderr, got.stderr
        assert "missing" not in got.stderr


def test_in_place_keeps_a_symlink_a_symlink(tmp_path: Path) -> None:
    cat = tmp_path / "cat"
    write(cat / "items" / "a.json", item(1))
    (cat / "items" / "latest.json").symlink_to("a.json")
    root = catalog(cat, ["./items/latest.json"])
    r = run(root, "--in-place", "--no-validate")
    assert r.returncode == 0, r.stderr
    assert (cat / "items" / "latest.json").is_symlink()
    assert "mlm" in (cat / "items" / "a.json").read_text(encoding="utf-8")
    assert (tmp_path / "cat.bak" / "items" / "a.json").is_file()  # backed up under the real name



@pytest.mark.parametrize("planted", ["directory", "file", "away"])
def test_a_symlink_planted_in_the_output_tree_is_never_written_through(tmp_path: Path, planted: str) -> None:
    """An output tree left with a symlink in it (a subdirectory or a file pointing back into the input, or a
    subdirectory pointing anywhere else): what would be written through it is refused, file by file."""
    cat = tmp_path / "cat"
    write(cat / "items" / "a.json", item(1))
    write(cat / "items" / "b.json", item(2))
    root = catalog(cat, ["./items/a.json", "./items/b.json"])
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "items").parent.mkdir()
    if planted == "directory":
        (out / "items").symlink_to(cat / "items")
    elif planted == "file":
        (out / "items").mkdir()
        (out / "items" / "a.json").symlink_to(cat / "items" / "a.json")
    else:
        (out / "items").symlink_to(elsewhere)
    before = snapshot(tmp_path / "cat"), snapshot(elsewhere)
    r = run(root, "--out-dir", out, "--no-validate")
    no_traceback(r)
    assert r.returncode == 1, r.stderr
    assert (snapshot(tmp_path / "cat"), snapshot(elsewhere)) == before
    target = os.path.realpath(elsewhere if planted == "away" else cat / "items")
    refused = f": cannot write: resolves to {target}/NAME, outside {os.path.realpath(out)}: not written"
    assert "items/a.json" + refused.replace("NAME", "a.json") in r.stderr, r.stderr
    assert ("items/b.json" + refused.replace("NAME", "b.json") in r.stderr) == (planted != "file"), r.stderr
    if planted == "file":
        assert "mlm" in (out / "items" / "b.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("how", ["replaced", "moved"])
def test_an_output_directory_swapped_for_a_symlink_during_the_run_is_resolved_again(tmp_path: Path,
                                                                                    how: str) -> None:
    """A directory the run created and has already written in, swapped for a symlink into the input tree before
    its next file is written (the directory thrown away, or moved into the input tree whole, the symlink then
    leading to the very directory it was): that file is refused, as it is with nothing remembered."""
    cat = tmp_path / "cat"
    for i in (1, 2, 3):
        write(cat / "items" / f"{i}.json", item(i))
    root = catalog(cat, [f"./items/{i}.json" for i in (1, 2, 3)])
    before = snapshot(cat / "items")
    out = tmp_path / "out"

    def swap(doc: dict) -> None:  # the second Item is written: items/ was created, then resolved again
        if doc.get("id") == "item-2":
            away = tmp_path / "away" if how == "replaced" else cat / "moved"
            (out / "items").rename(away)
            (out / "items").symlink_to(cat / "items" if how == "replaced" else away)

    result = bulk.migrate([str(root)], out_dir=str(out), validate=False, progress=False, sink=swap)
    assert result.summary["written"] == 3 and result.summary["failed"] == 1  # the catalog, items 1 and 2
    [(href, message)] = result.failures
    target = os.path.realpath(cat / ("items" if how == "replaced" else "moved") / "3.json")
    assert href.endswith("items/3.json") and f"resolves to {target}, outside" in message, message
    assert snapshot(cat / "items") == before
    assert not (cat / "moved" / "3.json").exists()


@pytest.mark.parametrize("depth", [3, pytest.param(4, marks=pytest.mark.slow)])
@pytest.mark.parametrize("bounded", [False, True])
def test_the_resolver_answers_as_realpath_does(tmp_path: Path, bounded: bool, depth: int) -> None:
    """`Resolver` (directories remembered for a run) gives `real`'s answer for every path, through symlinks to
    directories and files, dangling ones, loops, files taken for directories and missing tails, and still does
    after the tree changes under it (a directory replaced by a symlink, removed, created, a symlink retargeted, one
    moved whole with a symlink to it left behind), checked up to ``/`` or to the top of the tree that changes.
    Every path of up to ``depth`` names below the tree (4: about 16,000 paths, run with the slow tests)."""
    from itertools import product

    from crosswalk.io.safepath import Resolver, real

    top = tmp_path / "t"
    (top / "a" / "b").mkdir(parents=True)
    (top / "a" / "b" / "f.json").write_text("{}", encoding="utf-8")
    (top / "file").write_text("x", encoding="utf-8")
    (top / "elsewhere" / "b").mkdir(parents=True)
    (top / "a" / "lb").symlink_to("b")
    (top / "a" / "lf").symlink_to("b/f.json")
    (top / "a" / "abs").symlink_to(top / "a" / "b")
    (top / "a" / "up").symlink_to("..")
    (top / "a" / "dangling").symlink_to("nowhere")
    (top / "a" / "loop1").symlink_to("loop2")
    (top / "a" / "loop2").symlink_to("loop1")
    names = ["a", "b", "f.json", "lb", "lf", "abs", "up", "dangling", "loop1", "file", "missing"]
    paths = [str(top.joinpath(*parts)) for n in range(1, depth + 1) for parts in product(names, repeat=n)]
    resolver = Resolver([os.path.realpath(top)] if bounded else [])

    def agrees() -> None:
        for p in paths:
            expected = real(p)
            try:
                ino: int | None = os.stat(expected).st_ino
            except OSError:
                ino = None
            where, st, in_dir = resolver.file(p)
            assert where == expected, p
            assert (None if st is None else st.st_ino) == ino, p
            assert in_dir or not os.path.isdir(os.path.dirname(expected)), p
            assert resolver.directory(p)[0] == expected, p

    agrees()
    (top / "a" / "b").rename(top / "b-away")  # replaced by a symlink elsewhere
    (top / "a" / "b").symlink_to(top / "elsewhere" / "b")
    agrees()
    (top / "a" / "b").unlink()  # removed, then a directory again (empty)
    agrees()
    (top / "a" / "b").mkdir()
    agrees()
    (top / "a" / "lb").unlink()  # a symlink retargeted
    (top / "a" / "lb").symlink_to(top / "elsewhere")
    agrees()
    (top / "a").rename(top / "a-away")  # a directory above moved whole, a symlink to it left behind
    (top / "a").symlink_to(top / "a-away")
    agrees()


@pytest.mark.skipif(os.sep != "/", reason="POSIX paths")
def test_the_resolvers_path_arithmetic_is_os_paths() -> None:
    """The Resolver splits and joins resolved paths itself: as `os.path` does, the root's two spellings too."""
    import posixpath

    from crosswalk.io.safepath import _join, _split

    for path in ("/", "//", "/a", "//a", "/a/b", "//a/b", "/a/b/c.json", "/a b/.c", "/a/b.json.d/e"):
        assert _split(path) == posixpath.split(path), path
        for name in ("", "x", ".y", "z.json"):
            assert _join(path, name) == posixpath.join(path, name), (path, name)

# ------------------------------------------------------------------------------------------------------------
# One document must not stop or hang a run


def _deep(n: int) -> str:
    """An Item with ``properties.deep`` nested ``n`` objects deep (as text: json itself cannot write it)."""
    nested = '{"x": ' * n + "{}" + "}" * n
    return json.dumps(item(9)).replace('"properties": {', '"properties": {"deep": ' + nested + ", ", 1)


def test_deep_nesting_fails_one_document_and_the_run_goes_on(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write(src / "a.json", item(1))
    deep = _deep(1000)
    (src / "deep.json").write_text(deep, encoding="utf-8")
    (src / "lines.ndjson").write_text(json.dumps(item(2)) + "\n" + deep + "\n" + json.dumps(item(3)) + "\n",
                                      encoding="utf-8")
    write(src / "z.json", item(4))
    for _ in range(2):  # a rerun does not stop at the same file either
        r = run(src, "--out-dir", tmp_path / "out", "--no-validate", "--report", "json")
        no_traceback(r)
        assert r.returncode == 1
        summary = json.loads(r.stderr.strip().splitlines()[-1])["summary"]
        assert summary["failed"] == 2 and summary["documents"] == 6
        assert f"{src / 'deep.json'} at /properties/deep/x/x" in r.stderr and "nested more than" in r.stderr
        assert "lines.ndjson#L2" in r.stderr
        assert (tmp_path / "out" / "z.json").is_file()


@pytest.mark.parametrize("bad", ["bigint", "surrogate", "nan", "deep"])
def test_bad_values_in_one_document_are_never_usage_errors(tmp_path: Path, bad: str) -> None:
    src = tmp_path / "in"
    write(src / "a.json", item(1))
    text = json.dumps(item(2))
    text = {
        "bigint": text.replace('"id": "item-2"', '"id": "item-2", "n": ' + "9" * 5000),
        "surrogate": text.replace('"id": "item-2"', '"id": "item-2\\ud800"'),
        "nan": text.replace('"id": "item-2"', '"id": "item-2", "n": NaN'),
        "deep": _deep(600),
    }[bad]
    (src / "b.json").write_text(text, encoding="utf-8")
    r = run(src, "--out-dir", tmp_path / "out", "--no-validate")
    no_traceback(r)
    assert r.returncode in (0, 1) and "Usage" not in r.stderr
    assert (r.returncode == 1) == (bad in ("bigint", "deep"))


def _laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", ["bomb.yaml", "bomb.json"])
def test_a_yaml_alias_bomb_is_refused_quickly(tmp_path: Path, name: str) -> None:
    bomb = _laughs()
    assert len(bomb) < 800
    (tmp_path / name).write_text(bomb, encoding="utf-8")
    r = run(tmp_path / name, timeout=30)
    no_traceback(r)
    assert r.returncode == 1 and "YAML aliases" in r.stderr and name in r.stderr


def test_fifos_and_device_links_in_a_tree_are_skipped_and_listed(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write(src / "a.json", item(1))
    os.mkfifo(src / "pipe.json")  # reading it would block forever
    (src / "zero.json").symlink_to("/dev/zero")  # reading it would exhaust memory
    r = run(src, "--out-dir", tmp_path / "out", "--no-validate", timeout=60)
    no_traceback(r)
    assert r.returncode == 0, r.stderr
    assert "pipe.json: not a regular file" in r.stderr
    assert "1 links outside the root not followed" in r.stderr  # /dev/zero is outside the tree
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.json"]


def test_a_document_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    from crosswalk.io.limits import MAX_BYTES

    src = tmp_path / "in"
    write(src / "a.json", item(1))
    with open(src / "huge.json", "wb") as f:  # sparse: costs no disk, would cost gigabytes to parse
        f.truncate(MAX_BYTES + 1)
    r = run(src, "--out-dir", tmp_path / "out", "--no-validate", timeout=60)
    no_traceback(r)
    assert r.returncode == 1 and "huge.json" in r.stderr and "limit" in r.stderr
    r = run(src / "huge.json", timeout=60)
    assert r.returncode == 1 and "limit" in r.stderr


# ------------------------------------------------------------------------------------------------------------
# Tracebacks and non-standard output


def test_fill_with_a_scope_that_is_not_an_object_is_one_line(tmp_path: Path) -> None:
    src = write(tmp_path / "in.json", ITEM)
    fill = write(tmp_path / "fill.json", {"*": ["mlm:name", "x"]})
    r = run(src, "--fill", fill)
    no_traceback(r)
    assert r.returncode == 2 and '"*"' in r.stderr  # the file's shape is checked before any document is read
    assert len([x for x in r.stderr.splitlines() if x.lower().startswith("error")]) == 1


@pytest.mark.parametrize("bad", ["deep", "bigint", "surrogate", "binary"])
def test_single_mode_bad_documents_are_one_line_without_traceback(tmp_path: Path, bad: str) -> None:
    if bad == "binary":
        src = tmp_path / "in.yaml"
        src.write_text("type: Feature\nid: x\nproperties:\n  blob: !!binary aGVsbG8=\n", encoding="utf-8")
    else:
        src = tmp_path / "in.json"
        text = {"deep": _deep(500),
                "bigint": json.dumps(ITEM).replace('"type": "Feature"', '"type": "Feature", "n": ' + "9" * 5000),
                "surrogate": json.dumps(ITEM).replace('"id": "', '"id": "\\ud800')}[bad]
        src.write_text(text, encoding="utf-8")
    report = tmp_path / "report.json"
    r = run(src, "-o", tmp_path / "out.json", "--report-file", report)
    no_traceback(r)
    if bad == "surrogate":  # repaired and reported, standard UTF-8 JSON written
        assert r.returncode in (0, 1), r.stderr
        out = (tmp_path / "out.json").read_bytes().decode("utf-8")
        assert "\ufffd" in json.loads(out)["id"]
        rep = json.loads(report.read_text(encoding="utf-8"))
        assert any(f["status"] == "repaired" and f["path"] == "/id" for f in rep["fields"])
        return
    assert r.returncode == 1
    assert not report.exists() and not (tmp_path / "out.json").exists()  # nothing written for a failure
    assert {"deep": "nested more than", "bigint": "digits", "binary": "binary"}[bad] in r.stderr
    for verb in ("detect", "validate"):
        r = run_crosswalk(verb, src)
        no_traceback(r)
        assert r.returncode == 1


def test_nan_and_infinity_are_repaired_to_null_and_reported(tmp_path: Path) -> None:
    src = tmp_path / "in.json"
    src.write_text(json.dumps(ITEM).replace('"type": "Feature"', '"type": "Feature", "n": NaN, "m": [-Infinity]'),
                   encoding="utf-8")
    report = tmp_path / "report.json"
    r = run(src, "-o", tmp_path / "out.json", "--report-file", report)
    no_traceback(r)
    assert r.returncode == 0, r.stderr

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} written: not JSON")

    out = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"), parse_constant=refuse)
    assert out["n"] is None and out["m"] == [None]
    rep = json.loads(report.read_text(encoding="utf-8"))
    repaired = {f["path"] for f in rep["fields"] if f["status"] == "repaired"}
    assert {"/n", "/m/0"} <= repaired and rep["summary"]["repaired"] >= 2


@pytest.mark.parametrize("mode", ["single", "bulk", "ndjson"])
def test_a_key_written_twice_is_reported_with_the_value_lost(tmp_path: Path, mode: str) -> None:
    """JSON readers keep the last of two equal keys and lose the first in silence: the loss is a repair entry at
    the key's path naming the lost value, in single and bulk runs alike (a colon inside a text is no key)."""
    text = json.dumps(ITEM).replace('"type": "Feature"', '"type": "Feature", "note": "a: b", "id": "first:id"', 1)
    assert text.count('"id"') == 2
    src = tmp_path / "in" / ("in.ndjson" if mode == "ndjson" else "in.json")
    src.parent.mkdir()
    src.write_text(text, encoding="utf-8")
    if mode == "single":
        report = tmp_path / "report.json"
        r = run(src, "-o", tmp_path / "out.json", "--report-file", report)
        rep = json.loads(report.read_text(encoding="utf-8"))
    else:
        summary = tmp_path / "summary.ndjson"
        r = run(src, "--out-dir", tmp_path / "out", "--summary-file", summary)
        rep = json.loads(summary.read_text(encoding="utf-8").splitlines()[0])
    no_traceback(r)
    assert r.returncode == 0, r.stderr
    dup = [f for f in rep["fields"] if f["path"] == "/id" and f["status"] == "repaired"]
    assert len(dup) == 1 and '"first:id"' in dup[0]["reason"] and "2 times" in dup[0]["reason"], rep["fields"]
    assert not [f for f in rep["fields"] if f["path"] == "/note" and f["status"] == "repaired"]


def test_a_key_written_twice_in_json_with_comments_is_found_too(tmp_path: Path) -> None:
    """An old dlm file with comments (read leniently) and a key written twice: the comment's colon is no key."""
    from crosswalk.io.documents import read_document_repairs

    src = tmp_path / "old.json"
    src.write_text('{"id": "a", // note: see below\n "id": "b", "x": 1,}', encoding="utf-8")
    doc, repairs = read_document_repairs(str(src))
    assert doc == {"id": "b", "x": 1}
    assert [r["path"] for r in repairs if "written 2 times" in r["reason"]] == ["/id"]


def test_a_second_in_place_run_on_a_busy_tree_touches_nothing(tmp_path: Path) -> None:
    cat = tmp_path / "cat"
    write(cat / "items" / "a.json", item(1))
    root = catalog(cat, ["./items/a.json"])
    with TreeLock(str(cat)):  # what a live run holds
        live_temp = cat / "items" / f".a.json.{os.getpid()}.cwtmp"  # a live run's in-flight file
        live_temp.write_text("{}", encoding="utf-8")
        before = snapshot(tmp_path)
        r = run(root, "--in-place", "--no-validate")
        no_traceback(r)
        assert r.returncode == 1 and "tree is busy" in r.stderr
        assert snapshot(tmp_path) == before
    live_temp.unlink()


@pytest.mark.slow  # two seconds of waiting on other processes: CI runs it
def test_the_start_up_sweep_removes_only_dead_runs_temporary_files(tmp_path: Path) -> None:
    cat = tmp_path / "cat"
    write(cat / "items" / "a.json", item(1))
    root = catalog(cat, ["./items/a.json"])
    (cat / MARKER).write_text("12345\n", encoding="utf-8")  # a run was killed
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = cat / "items" / f".a.json.{dead.pid}.cwtmp"
    stale.write_text("{", encoding="utf-8")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = cat / "items" / f".b.json.{live.pid}.cwtmp"
        alive.write_text("{", encoding="utf-8")
        r = run(root, "--in-place", "--no-validate")
        assert r.returncode == 0, r.stderr
        assert not stale.exists() and alive.exists()
        assert not (cat / MARKER).exists()
    finally:
        live.kill()
        live.wait()


def test_percent_encoded_relative_hrefs_are_decoded(tmp_path: Path) -> None:
    cat = tmp_path / "cat"
    write(cat / "items" / "a b.json", item(1))
    write(cat / "items" / "a.json", item(2))
    root = catalog(cat, ["./items/a%20b.json", "items/%61.json"])
    result = bulk.migrate([str(root)], out_dir=str(tmp_path / "out"), validate=False)
    assert result.summary["documents"] == 3 and result.summary["failed"] == 0, result.failures
    assert (tmp_path / "out" / "items" / "a b.json").is_file() and (tmp_path / "out" / "items" / "a.json").is_file()


def test_a_bare_array_of_items_is_written_as_a_feature_collection(tmp_path: Path) -> None:
    src = write(tmp_path / "in" / "items.json", [item(1), item(2)])
    r = run(src, "--out-dir", tmp_path / "out", "--no-validate")
    assert r.returncode == 0, r.stderr
    out = json.loads((tmp_path / "out" / "items.json").read_text(encoding="utf-8"))
    assert out["type"] == "FeatureCollection" and [f["id"] for f in out["features"]] == ["item-1", "item-2"]
    r = run(tmp_path / "out" / "items.json", "--in-place", "--no-validate", "--report", "json")
    assert r.returncode == 0, r.stderr  # the rewritten file reads back as bulk input, already converted
    assert json.loads(r.stderr.strip().splitlines()[-1])["summary"]["written"] == 0


def test_a_crash_inside_a_transform_is_one_line_with_the_data_path(tmp_path: Path, monkeypatch) -> None:
    """A transform that crashes on what it reads shows where in the data and which rule, in words, not the Python
    exception (kept chained for debugging). No real input crashes a transform any more (``assets`` as a string
    once did), so the ml-model asset transform is replaced by one that reads ``assets`` as an object, as that one
    did; the command line runs in-process to see the same replacement."""
    from click.testing import CliRunner

    from crosswalk import pipeline
    from crosswalk.cli.main import main
    from crosswalk.transforms import REGISTRY

    def reads_assets_as_an_object(ctx, **_):
        ctx.get(("assets",)).items()

    monkeypatch.setitem(REGISTRY, "ml_model.artifact_type",
                        REGISTRY["ml_model.artifact_type"]._replace(fn=reads_assets_as_an_object))
    doc = json.loads((CORPORA / "ml-model" / "fairicube-resnet-classifier.json").read_text(encoding="utf-8"))
    doc["assets"] = "x"
    result = pipeline.convert(doc, href="in.json", validate=False)
    message = str(result.error)
    assert message.startswith("in.json at /assets: cannot convert a string here")
    assert "[rule ml-model_1.0.0__mlm_1.5.2.yaml:" in message
    assert "Error" not in message and "object has no attribute" not in message
    assert isinstance(result.error.__cause__, AttributeError)
    src = write(tmp_path / "in.json", doc)
    r = CliRunner().invoke(main, ["migrate", str(src)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.startswith(f"error: {src} at /assets: cannot convert a string here"), r.output


def test_a_json_array_whose_documents_all_fail_is_left_as_it_was(tmp_path: Path) -> None:
    """Nothing converted, nothing written: a list of labels in a model directory is not rewritten in place as a
    FeatureCollection (the run says what failed and exits 1)."""
    src = tmp_path / "tree"
    labels = src / "labels.json"
    labels.parent.mkdir(parents=True)
    labels.write_text('["cat", "dog"]\n', encoding="utf-8")
    (src / "empty.json").write_text("[]\n", encoding="utf-8")
    r = run(src, "--in-place", "--no-validate")
    assert r.returncode == 1 and r.stderr.count("error:") == 2, r.stderr
    assert labels.read_text(encoding="utf-8") == '["cat", "dog"]\n'
    assert (src / "empty.json").read_text(encoding="utf-8") == "[]\n"


def test_bulk_leaves_a_document_of_a_newer_version_as_single_mode_does(tmp_path: Path) -> None:
    """`--to mlm` (the default) is the family: a document of a version newer than the newest known passes
    unchanged, in a tree as on its own (bulk resolved the family to 1.5.2 and downgraded it)."""
    newer = json.loads((CORPORA / "producers" / "stac-model-0.7.0-eurosat_resnet.json").read_text(encoding="utf-8"))
    newer["properties"]["mlm:future_field"] = "kept"
    src = write(tmp_path / "in" / "item.json", newer)
    single = tmp_path / "single.json"
    assert run(src, "-o", single, "--no-validate").returncode == 0
    r = run(src.parent, "--out-dir", tmp_path / "out", "--no-validate", "--report", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads((tmp_path / "out" / "item.json").read_text(encoding="utf-8"))
    assert out == json.loads(single.read_text(encoding="utf-8"))
    assert out["properties"]["mlm:future_field"] == "kept" and any("mlm/v1.6.0" in u for u in out["stac_extensions"])


def test_one_ndjson_output_file_gets_the_usual_mode(tmp_path: Path) -> None:
    """Written through a temporary file (mkstemp makes 0600): a new file gets the umask's mode, a replaced one
    keeps its own."""
    src = write(tmp_path / "in" / "item.json", item(1))
    new, old = tmp_path / "new.ndjson", tmp_path / "old.ndjson"
    old.write_text("", encoding="utf-8")
    old.chmod(0o640)
    umask = os.umask(0)
    os.umask(umask)
    for target in (new, old):
        assert run(src.parent, "--output-format", "ndjson", "-o", target, "--no-validate").returncode == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE(old.stat().st_mode) == 0o640


def test_a_lost_value_with_a_lone_surrogate_does_not_stop_a_bulk_run(tmp_path: Path) -> None:
    """The lost value of a key written twice is named in the report; one with a lone surrogate (never read, so
    never repaired) stopped the whole run when the summary line could not be written. Now every document is
    converted and the summary is UTF-8."""
    src = tmp_path / "in"
    src.mkdir()
    text = json.dumps(ITEM).replace('"type": "Feature"', '"type": "Feature", "id": "x\\ud800"', 1)
    (src / "a.json").write_text(text, encoding="utf-8")
    (src / "b.json").write_text(json.dumps(ITEM), encoding="utf-8")
    summary = tmp_path / "summary.ndjson"
    r = run(src, "--out-dir", tmp_path / "out", "--summary-file", summary, "--no-validate")
    no_traceback(r)
    assert r.returncode == 0, r.stderr
    lines = summary.read_bytes().decode("utf-8").splitlines()
    assert json.loads(lines[-1])["summary"]["written"] == 2
    reasons = [f.get("reason", "") for line in lines[:-1] for f in json.loads(line)["fields"]]
    assert any('lost: "x\\ud800"' in reason for reason in reasons)
