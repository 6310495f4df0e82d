"""The command line: a thin click layer over crosswalk.pipeline (stdout for data, stderr for diagnostics).

Exit codes: 0 ok; 1 a document failed, or with --strict anything lossy, invented or invalid; 2 usage.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

REPORT_FORMATS = ("text", "json", "markdown", "none")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _load_fill(path: str | None) -> dict[str, Any] | None:
    if not path:
        return None
    from .errors import CrosswalkError
    from .io import read_document

    try:
        data = read_document(path)
    except CrosswalkError as e:
        _fail(str(e))
    if not isinstance(data, dict):
        _fail(f"{path}: --fill wants an object keyed by item id or \"*\"")
    return data


def migrate_options(fn):
    decorators = [
        click.argument("src", nargs=-1, required=True, type=click.Path(allow_dash=True)),
        click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
                     help="Write the converted document here (default: stdout)."),
        click.option("--to", "target", default="mlm", show_default=True,
                     help="Target format: mlm, mlm@1.4.0, ml-model, dlm, dlm-beta@1.0.0-beta.2, ..."),
        click.option("--strict", is_flag=True,
                     help="Exit 1 if anything is lossy, invented or invalid (one document: writing nothing)."),
        click.option("--fill", "fill_path", type=click.Path(exists=True, dir_okay=False),
                     help="YAML/JSON of real values for fields that would be invented: {\"*\"|id: {pointer: value}}."),
        click.option("--report", "report_fmt", type=click.Choice(REPORT_FORMATS), default="text", show_default=True,
                     help="Report format on stderr."),
        click.option("--report-file", type=click.Path(dir_okay=False), help="Write the JSON report to this file."),
        click.option("--no-validate", is_flag=True, help="Skip schema validation of the output."),
        click.option("--verify", is_flag=True, help="Also confirm the report against a whole-document DeepDiff."),
        click.option("--lenient/--no-lenient", default=True, show_default=True,
                     help="Accept JSON with // comments and trailing commas (old dlm files); each fix is reported."),
        click.option("--keep-source", is_flag=True,
                     help="Lossless mode: keep fields the target cannot carry under their own keys where its schema "
                          "accepts them (reported kept), so converting back restores them."),
        click.option("--out-dir", type=click.Path(file_okay=False),
                     help="Bulk: mirror the input tree here (relative links still resolve)."),
        click.option("--in-place", is_flag=True, help="Bulk: replace each file atomically, after a backup."),
        click.option("--backup-dir", type=click.Path(file_okay=False),
                     help="Bulk, with --in-place: where originals go (default: <root>.bak beside the root)."),
        click.option("--dry-run", is_flag=True, help="Bulk: write nothing; report what would change."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Bulk: worker processes."),
        click.option("--summary-file", type=click.Path(dir_okay=False),
                     help="Bulk: write every document's JSON report here (ndjson), then the summary."),
        click.option("--fail-fast", is_flag=True, help="Bulk: stop at the first document that fails."),
    ]
    for d in reversed(decorators):
        fn = d(fn)
    return fn


def run_migrate(src, output, target, strict, fill_path, report_fmt, report_file, no_validate, verify,
                out_dir=None, in_place=False, backup_dir=None, dry_run=False, jobs=1, summary_file=None,
                fail_fast=False, keep_source=False, lenient=True) -> None:
    from .bulk_cli import run_bulk, wants_bulk

    if wants_bulk(src, output, out_dir=out_dir, in_place=in_place, dry_run=dry_run, summary_file=summary_file):
        if keep_source:
            raise click.UsageError("--keep-source converts one document at a time (not in bulk mode yet)")
        run_bulk(src, output=output, target=target, strict=strict, fill=_load_fill(fill_path),
                 report_fmt=report_fmt, report_file=report_file, no_validate=no_validate, verify=verify,
                 out_dir=out_dir, in_place=in_place, backup_dir=backup_dir, dry_run=dry_run, jobs=jobs,
                 summary_file=summary_file, fail_fast=fail_fast, lenient=lenient)
        return
    if backup_dir:
        raise click.UsageError("--backup-dir goes with --in-place")
    from . import pipeline
    from .io import dumps, write_atomic
    from .report import render

    href = src[0]
    fill = _load_fill(fill_path)
    result = pipeline.convert_file(href, to=target, fill=fill, validate=not no_validate, verify=verify,
                                   keep_source=keep_source, lenient=lenient)
    if result.error:
        _fail(str(result.error))
    if report_file:
        write_atomic(report_file, json.dumps(result.report, indent=2, ensure_ascii=False) + "\n")
    if report_fmt != "none":
        click.echo(render(result.report, report_fmt), err=True)
    if strict and (result.lossy or result.invented or not result.valid):
        why = []
        invented = [f["path"] for f in result.report["fields"] if f["status"] == "invented"]
        if invented:
            why.append("would invent " + ", ".join(invented))
        if result.lossy:
            why.append("lossy or dropped fields")
        if not result.valid:
            why.append("output is invalid")
        _fail(f"{href}: --strict: " + "; ".join(why))
    text = dumps(result.document)
    if output and output != "-":
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crosswalk")
def main() -> None:
    """Translate STAC ML-model metadata between dlm beta, current dlm, ml-model 1.0.0 and MLM 1.x,
    reporting every field.

    \b
    Examples:
      crosswalk migrate old.json -o new.json
      crosswalk detect *.json
      crosswalk plan --from ml-model --to mlm
    """


@main.command("migrate")
@migrate_options
def migrate_cmd(**kwargs) -> None:
    """Convert a document (default target: the latest MLM) and report every field.

    \b
    Examples:
      crosswalk migrate item.json > new.json
      crosswalk migrate item.json -o new.json --report json --report-file report.json
      crosswalk migrate item.json --to mlm@1.4.0 --strict
    """
    run_migrate(**kwargs)


@click.command("dlm-migrate", context_settings={"help_option_names": ["-h", "--help"]})
@migrate_options
def dlm_migrate(**kwargs) -> None:
    """Upgrade STAC ML-model metadata to the latest MLM (same as `crosswalk migrate`).

    \b
    Examples:
      dlm-migrate old.json > new.json
      dlm-migrate old.json -o new.json --report markdown
    """
    run_migrate(**kwargs)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
def detect(files) -> None:
    """Print each document's format (family@version) and the evidence for it."""
    from .errors import CrosswalkError
    from .pipeline import detect_file

    failed = False
    for href in files:
        try:
            d = detect_file(href)
        except CrosswalkError as e:
            click.echo(f"error: {e}", err=True)
            failed = True
            continue
        also = f" (also {', '.join(map(str, d.others))})" if d.others else ""
        click.echo(f"{href}\t{d.format}\t{d.object_type}\t{'; '.join(d.evidence)}{also}")
    sys.exit(1 if failed else 0)


@main.command()
@click.option("--from", "source", required=True, help="Source format, e.g. ml-model or mlm@1.2.0.")
@click.option("--to", "target", default="mlm", show_default=True, help="Target format.")
def plan(source, target) -> None:
    """Show the steps (mapping files) that take one format to another."""
    from .errors import CrosswalkError
    from .pipeline import plan as make_plan

    try:
        edges = make_plan(source, target)
    except CrosswalkError as e:
        _fail(str(e))
    if not edges:
        click.echo("nothing to do: source and target are the same format")
    for i, e in enumerate(edges, 1):
        click.echo(f"{i}. {e.source} -> {e.target}\t{e.id}.yaml\t{e.summary}")


@main.command()
@click.option("--markdown", is_flag=True, help="Print the field tables (as in the README) instead of the graph.")
def mappings(markdown) -> None:
    """List the version graph: formats and the mapping file of every edge."""
    from .docs import field_tables, graph_listing

    click.echo(field_tables() if markdown else graph_listing(), nl=False)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def validate(files, fmt) -> None:
    """Validate documents offline against the vendored schemas, plus semantic lint.

    Exit 1 if any document has an error-level finding.
    """
    from .errors import CrosswalkError
    from .pipeline import validate_file

    failed = False
    out = []
    for href in files:
        try:
            issues = validate_file(href)
        except CrosswalkError as e:
            click.echo(f"error: {e}", err=True)
            failed = True
            continue
        errors = [i for i in issues if i.severity == "error"]
        failed = failed or bool(errors)
        if fmt == "json":
            out.append({"href": href, "valid": not errors,
                        "issues": [{"path": i.path, "message": i.message, "severity": i.severity, "schema": i.schema}
                                   for i in issues]})
            continue
        click.echo(f"{href}: {'valid' if not errors else 'INVALID'}")
        for i in issues:
            click.echo(f"  {i.severity}: {i.path or '/'}: {i.message}")
    if fmt == "json":
        click.echo(json.dumps(out, indent=2))
    sys.exit(1 if failed else 0)


@main.command("compare")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--out-dir", required=True, type=click.Path(file_okay=False),
              help="Directory for report.md, report.json and report.html.")
def compare_cmd(paths, out_dir) -> None:
    """Adoption study: compare MLM, ml-model and dlm on the mappings and on a corpus.

    Converts every document under PATHS to the latest version of every format family and writes
    report.md, report.json and report.html (one self-contained page) to OUT_DIR. Unreadable documents
    are named on stderr, one line each, and skipped.

    \b
    Examples:
      crosswalk compare ../shared/corpora/real -o report/
    """
    from .compare import compare

    report = compare(paths, out_dir, errors=lambda message: click.echo(message, err=True))
    click.echo(f"{len(report['documents'])} documents compared, {len(report['skipped'])} skipped; "
               f"wrote {out_dir}/report.md, report.json, report.html", err=True)


@main.command("roundtrip")
@click.argument("file", type=click.Path(allow_dash=True))
@click.option("--via", required=True, help="The format to go through: ml-model, mlm@1.3.0, dlm, ...")
@click.option("--keep-source", is_flag=True, help="Lossless mode on the way out (see `crosswalk migrate --help`).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def roundtrip_cmd(file, via, keep_source, fmt) -> None:
    """Convert FILE to another format and back, and diff the result against the original (after crosswalk's
    repairs). Every difference must be a field reported lossy, dropped or invented on the way; anything else
    is a bug and is shown as UNEXPLAINED.

    Exit 0 when every difference is explained, 1 when one is not (or a conversion fails).

    \b
    Examples:
      crosswalk roundtrip item.json --via ml-model
      crosswalk roundtrip item.json --via mlm --keep-source --format json
    """
    from .errors import CrosswalkError
    from .io import read_document
    from .roundtrip import render, roundtrip

    try:
        doc = read_document(file)
        if not isinstance(doc, dict):
            _fail(f"{file}: a round trip takes one document (a JSON object)")
        result = roundtrip(doc, via, keep_source=keep_source, href=file)
    except CrosswalkError as e:
        _fail(str(e))
    if "error" in result:
        _fail(f"{file}: {result['error']}")
    click.echo(render(result, fmt))
    sys.exit(0 if result["ok"] else 1)


@main.command("diff")
@click.argument("a", type=click.Path(allow_dash=True))
@click.argument("b", type=click.Path(allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--strict-order", is_flag=True, help="Compare stac_extensions and links by position too.")
def diff_cmd(a, b, fmt, strict_order) -> None:
    """Semantic diff of two JSON/YAML documents, in JSON Pointer paths (added, removed, changed).

    Key order never matters and numbers compare by value; stac_extensions and links are compared as sets
    unless --strict-order. Exit 0 when equal, 1 when different (like diff(1)), 2 on trouble.

    \b
    Examples:
      crosswalk diff old.json new.json
      crosswalk diff a.json b.json --format json
    """
    from .diff import UNORDERED, diff, render
    from .errors import CrosswalkError
    from .io import read_document

    try:
        left, right = read_document(a), read_document(b)
    except CrosswalkError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    diffs = diff(left, right, unordered=() if strict_order else UNORDERED)
    click.echo(render(diffs, fmt))
    sys.exit(1 if diffs else 0)
