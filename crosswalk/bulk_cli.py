"""The bulk half of ``dlm-migrate`` / ``crosswalk migrate`` (called from crosswalk.cli.run_migrate).

Bulk mode: several inputs, a directory, a catalog/collection root with local child/item links, an ``.ndjson``
file, an ItemCollection or a JSON array of Items; or one document with ``--out-dir``, ``--in-place``,
``--dry-run`` or ``--summary-file``. ``-o FILE`` with a single catalog/collection root converts that one document
(single mode). Exit codes as in single mode: 0 ok; 1 a document failed, or with ``--strict`` anything lossy,
invented or invalid; 2 usage.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

BULK_ONLY = ("out_dir", "in_place", "dry_run", "summary_file")


def wants_bulk(src: tuple[str, ...], output: str | None, **bulk_opts: Any) -> bool:
    """Whether run_migrate should hand over to `run_bulk`."""
    if any(bulk_opts.get(k) for k in BULK_ONLY):
        return True
    from .bulk import input_kind

    kind = input_kind(src)
    if output and kind == "catalog":
        return False  # -o: one document, even a catalog root
    return kind is not None


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
) -> None:
    """Check the option combination (usage errors exit 2), run `crosswalk.bulk.migrate`, print the failures and
    the summary table on stderr, exit 1 on failures (or, with --strict, anything lossy, invented or invalid)."""
    if "-" in src:
        raise click.UsageError("stdin ('-') takes one document; bulk mode reads files")
    if output:
        raise click.UsageError("-o/--output writes one document; in bulk mode use --out-dir DIR or --in-place")
    if report_file:
        raise click.UsageError("--report-file is for one document; in bulk mode use --summary-file")
    if out_dir and in_place:
        raise click.UsageError("--out-dir and --in-place exclude each other")
    if backup_dir and not in_place:
        raise click.UsageError("--backup-dir goes with --in-place")
    if not (out_dir or in_place or dry_run):
        raise click.UsageError(
            "bulk mode (several files, a directory, a catalog, an .ndjson file or an ItemCollection) writes with "
            "--out-dir DIR or --in-place; --dry-run writes nothing"
        )
    from .bulk import migrate, render_summary
    from .errors import CrosswalkError

    def on_failure(href: str, message: str) -> None:
        click.echo(f"error: {message}", err=True)

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
        )
    except CrosswalkError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    if report_fmt == "json":
        click.echo(json.dumps({"summary": result.summary}), err=True)
    elif report_fmt != "none":
        prefix = "dry run (nothing written): " if dry_run else ""
        click.echo(prefix + render_summary(result.summary, result.seconds, report_fmt), err=True)
    if result.stopped:
        click.echo("error: --fail-fast: stopped after the first failure", err=True)
    if result.failed:
        sys.exit(1)
    if strict and result.flagged:
        s = result.summary
        click.echo(
            f"error: --strict: {s['lossy']} lossy, {s['invented']} with invented values, {s['invalid']} invalid",
            err=True,
        )
        sys.exit(1)
