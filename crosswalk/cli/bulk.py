"""The bulk half of ``dlm-migrate`` / ``crosswalk migrate`` (called from crosswalk.cli.migrate.run_migrate).

Bulk mode: several inputs, a directory, a catalog/collection root with local child/item links, an ``.ndjson``
file, an ItemCollection or a JSON array of Items; or one document with ``--out-dir``, ``--in-place``,
``--dry-run`` or ``--summary-file``. ``-o FILE`` with a single catalog/collection root converts that one document
(single mode). Exit codes as in single mode: 0 ok; 1 a document failed, or a document is invalid (written, and
said so), or no document was found; 2 usage. ``--strict`` makes a document with anything lossy, dropped or
invented a failure, as in single mode: not written (left as it was; copied unchanged into an ``--out-dir`` mirror,
as every failed file is), counted failed and named with its fields, the run going on.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def nothing_found(src: tuple[str, ...]) -> None:
    """No document at all behind the arguments (an empty directory, a tree of other files, an empty .ndjson file or
    ItemCollection): a run that checked nothing says so and exits 1, as a missing file does (found by reading, so
    not a usage error)."""
    import click

    from crosswalk.bulk.inputs import no_documents_message

    where = src[0] if len(src) == 1 else f"{len(src)} inputs"
    click.echo(f"error: {where}: {no_documents_message()}", err=True)
    sys.exit(1)


def _names_an_input(output: str, src: tuple[str, ...]) -> bool:
    import os

    target = os.path.realpath(output)
    for s in src:
        real = os.path.realpath(s)
        if target == real or (os.path.isdir(real) and target.startswith(real.rstrip(os.sep) + os.sep)):
            return True
    return False


def run_bulk(
    src: tuple[str, ...],
    *,
    output: str | None,
    target: str,
    strict: bool,
    fill: dict[str, Any] | None,
    report_fmt: str,
    report_file: str | None,
    no_validate: bool,
    verify: bool,
    out_dir: str | None,
    in_place: bool,
    backup_dir: str | None,
    dry_run: bool,
    jobs: int,
    summary_file: str | None,
    fail_fast: bool,
    lenient: bool = True,
    output_format: str = "json",
    quiet: bool = False,
) -> None:
    """Check the option combination (usage errors exit 2), run `crosswalk.bulk.tree.migrate`, print the failures and
    the summary table on stderr, exit 1 on failures (with --strict, a document with anything lossy or invented is
    one) or an invalid output."""
    import click  # here, not above: a one-file run asks `wants_bulk` without loading click (crosswalk.cli.one)

    if "-" in src:
        raise click.UsageError("stdin ('-') takes one document; bulk mode reads files")
    for given in src:  # a pipe (a shell's <(...)) or a device, named: read alone, as stdin is
        if os.path.exists(given) and not (os.path.isdir(given) or os.path.isfile(given)):
            raise click.UsageError(f"{given} is a pipe or a device, which takes one document; bulk mode reads files")
    one_file = output_format != "json"  # --output-format ndjson|geoparquet: the whole run as one file, -o FILE
    if one_file and not output:
        raise click.UsageError(f"--output-format {output_format} writes one file: give -o FILE")
    if one_file and (out_dir or in_place):
        raise click.UsageError(f"--output-format {output_format} writes one file (-o FILE), not --out-dir/--in-place")
    if one_file and output == "-" and output_format == "geoparquet":
        raise click.UsageError("geoparquet is binary: -o FILE, not stdout")
    if one_file and output == "-" and summary_file == "-":
        raise click.UsageError("-o - and --summary-file - would share stdout: name a file for one of them")
    if one_file and output != "-" and _names_an_input(output, src):
        raise click.UsageError(f"-o {output} is one of the inputs (or inside an input directory): write elsewhere")
    if output and not one_file:
        raise click.UsageError("-o/--output writes one document; in bulk mode use --out-dir DIR or --in-place")
    if report_file:
        raise click.UsageError("--report-file is for one document; in bulk mode use --summary-file")
    if out_dir and in_place:
        raise click.UsageError("--out-dir and --in-place exclude each other")
    if backup_dir and not in_place:
        raise click.UsageError("--backup-dir goes with --in-place")
    if not (out_dir or in_place or dry_run or one_file):
        raise click.UsageError(
            "bulk mode (several files, a directory, a catalog, an .ndjson file or an ItemCollection) writes with "
            "--out-dir DIR or --in-place; --dry-run writes nothing"
        )
    from crosswalk.bulk.tree import migrate, render_summary
    from crosswalk.errors import CrosswalkError, OptionError

    def on_failure(href: str, message: str) -> None:
        click.echo(f"error: {message}", err=True)

    sink = None
    if one_file and not dry_run:
        from crosswalk.bulk.outputs import OneFile

        sink = OneFile(output, output_format)

    try:
        result = migrate(
            src,
            to=target,
            fill=fill,
            validate=not no_validate,
            verify=verify,
            out_dir=out_dir,
            in_place=in_place,
            backup_dir=backup_dir,
            dry_run=dry_run,
            jobs=jobs,
            fail_fast=fail_fast,
            summary_file=summary_file,
            on_failure=on_failure,
            lenient=lenient,
            sink=sink,
            strict=strict,
            progress=False if quiet else None,  # -q: only errors, no bar either (else: on a terminal)
        )
        empty = not result.summary["documents"]
        if sink is not None and sink.count:  # written even when some documents failed (they are listed, and exit 1)
            wrote = sink.finish()
            if report_fmt != "none":  # -q: only errors
                click.echo(wrote, err=True)
            for doc in sink.left_out:
                click.echo(f"warning: {doc}: not written", err=True)  # (why: in the parentheses)
        elif sink is not None and not empty:  # every document failed (listed, exit 1): an earlier file stays
            click.echo(f"nothing written to {'stdout' if output == '-' else output}: no document was converted",
                       err=True)
    except OptionError as e:  # an output onto the inputs: decided before anything was read or written
        raise click.UsageError(str(e)) from None
    except CrosswalkError as e:  # the tree is busy, the target unknown: one line
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    except ImportError as e:
        click.echo(f"error: {output_format} output needs pip install 'crosswalk[geoparquet]' ({e})", err=True)
        sys.exit(1)
    except ValueError as e:  # one-file output with nothing to write (no Items for a geoparquet file)
        if isinstance(e, UnicodeError):  # no such case: text that cannot be written is a bug, said as one
            raise
        click.echo(f"error: {output}: {e}", err=True)
        sys.exit(1)
    finally:
        if sink is not None:  # a run that did not finish leaves no temporary file (and the target as it was)
            sink.discard()
    for rel in result.plan.skipped:
        click.echo(f"warning: {result.plan.href(rel)}: not a regular file (a FIFO, device or socket): skipped",
                   err=True)
    if empty:
        nothing_found(src)
    from crosswalk.bulk.inputs import no_documents_message

    for given in result.plan.empty:  # one input of several held nothing: a run over the rest, and said (exit 1)
        click.echo(f"error: {given}: {no_documents_message()}", err=True)
    if report_fmt == "json":
        click.echo(json.dumps({"summary": result.summary}), err=True)
    elif report_fmt != "none":
        prefix = "dry run (nothing written): " if dry_run else ""
        shown = {k: v for k, v in result.summary.items() if k != "written"} if one_file else result.summary
        click.echo(prefix + render_summary(shown, result.seconds, report_fmt), err=True)
    if result.stopped:
        click.echo("error: --fail-fast: stopped after the first failure", err=True)
    lost = sink.lost if sink is not None else 0
    if lost:  # converted, yet not in the file: as a failure, exit 1 (named in the warnings above)
        click.echo(f"error: {lost} document{'s' if lost != 1 else ''} left out of {output}: the format cannot "
                   "hold them", err=True)
    s = result.summary
    if s["invalid"]:  # an invalid output is written (the user needs it to fix the source), and said so
        where = (f"listed in {summary_file}" if summary_file and summary_file != "-" else
                 "the summary lines say which" if summary_file else "--summary-file FILE lists them")
        for n, done in ((s["invalid"] - result.invalid_unchanged, "would be written" if dry_run else "written"),
                        (result.invalid_unchanged, "unchanged")):  # already the target: nothing converted
            if n:
                click.echo(f"error: {done}, but invalid: {n} document{'s' if n != 1 else ''} ({where})", err=True)
    # (--strict made each document with anything lossy, dropped or invented a failure, named above)
    if result.failed or result.plan.empty or lost or s["invalid"]:
        sys.exit(1)
