"""The ``crosswalk`` command group: migrate (as ``dlm-migrate``, crosswalk.cli.migrate), detect, plan, mappings,
new-version, validate, compare, roundtrip and diff."""

from __future__ import annotations

import json
import os
import sys

import click

from crosswalk.cli.boundary import GuardedGroup
from crosswalk.cli.migrate import CONTEXT, FORMAT, _fail, migrate_options, run_migrate

# detect, roundtrip and diff read what migrate reads by default (its own option says each fix is reported)
LENIENT = click.option("--lenient/--no-lenient", default=True, show_default=True,
                       help="Accept JSON with // comments and trailing commas.")


@click.group(cls=GuardedGroup, context_settings=CONTEXT)
@click.version_option(package_name="crosswalk", prog_name="crosswalk")
def main() -> None:
    """Translate STAC ML-model metadata between dlm beta, current dlm, ml-model 1.0.0 and MLM 1.x,
    reporting every field.

    \b
    Examples:
      crosswalk migrate old.json -o new.json
      crosswalk detect *.json
      crosswalk plan --from ml-model --to mlm

    \b
    Shell completion (bash; zsh_source / fish_source alike):
      eval "$(_CROSSWALK_COMPLETE=bash_source crosswalk)"
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


@main.command()
@click.argument("src", nargs=-1, required=True, type=click.Path(allow_dash=True))
@LENIENT
def detect(src, lenient) -> None:
    """Print each document's format (family@version), type and the evidence for it, tab-separated.

    SRC is what `migrate` takes: files, directories, catalog/collection roots, .ndjson files, ItemCollections,
    or - for stdin. A STAC document without any ML-model extension (a plain Catalog, a data Item) is listed with
    the format "-", as a bulk migrate copies it unchanged (given alone, migrate refuses it: nothing to convert).
    Exit 1 if a document cannot be read, is not STAC, or declares an unknown version (a new major version,
    MLM 2.0.0 say: one crosswalk cannot read, which migrate refuses alone and in bulk alike).

    \b
    Examples:
      crosswalk detect item.json
      crosswalk detect catalog.json
      crosswalk detect items.ndjson | cut -f2 | sort | uniq -c
    """
    from crosswalk.bulk.inputs import iter_documents, plain_stac_type
    from crosswalk.detection import detect as detect_doc
    from crosswalk.errors import CrosswalkError, FormatError

    failed = False
    for d in iter_documents(src, lenient=lenient):
        try:
            if d.error is not None:
                raise d.error
            found = detect_doc(d.doc, d.href)
        except FormatError as e:
            kind = plain_stac_type(d.doc) if e.no_extension else None
            if kind is not None:  # a plain Catalog or data Item of a tree, as migrate sees it
                click.echo(f"{d.href}\t-\t{kind}\t{e.message}")
                continue
            click.echo(f"error: {e}", err=True)
            failed = True
            continue
        except CrosswalkError as e:
            click.echo(f"error: {e}", err=True)
            failed = True
            continue
        newer = f" (newer than the newest known: {found.newer})" if getattr(found, "newer", None) else ""
        if any("newer than the newest known" in e for e in found.evidence):  # a schema URI's evidence says so
            newer = ""
        also = f" (also {', '.join(map(str, found.others))})" if found.others else ""
        click.echo(f"{d.href}\t{found.format}\t{found.object_type}\t{'; '.join(found.evidence)}{also}{newer}")
    sys.exit(1 if failed else 0)


@main.command()
@click.option("--from", "source", required=True, type=FORMAT, help="Source format, e.g. ml-model or mlm@1.2.0.")
@click.option("--to", "target", default="mlm", show_default=True, type=FORMAT, help="Target format.")
def plan(source, target) -> None:
    """Show the steps (mapping files) that take one format to another."""
    from crosswalk.errors import CrosswalkError
    from crosswalk.pipeline import plan as make_plan

    try:
        edges = make_plan(source, target)
    except CrosswalkError as e:
        _fail(str(e))
    if not edges:
        click.echo("nothing to do: source and target are the same format")
    for i, e in enumerate(edges, 1):
        click.echo(f"{i}. {e.source} -> {e.target}\t{e.location}\t{e.summary}")


@main.command()
@click.option("--markdown", is_flag=True, help="Print the field tables (as in the README) instead of the graph.")
def mappings(markdown) -> None:
    """List the version graph: formats and the mapping file of every edge."""
    from crosswalk.language.docs import field_tables, graph_listing

    click.echo(field_tables() if markdown else graph_listing(), nl=False)


@main.command("new-version", short_help="Scaffold a new format version: its registry entry and one step file.")
@click.argument("new")
@click.option("--from", "base", required=True, help="The version it follows, e.g. mlm@1.5.2.")
@click.option("--schema", type=click.Path(exists=True, dir_okay=False), help="The new version's JSON Schema to vendor.")
def new_version_cmd(new, base, schema) -> None:
    """Scaffold a new format version (e.g. mlm@1.6.0): its registry entry and one step file up and down."""
    from pathlib import Path

    from crosswalk.errors import CrosswalkError
    from crosswalk.language.scaffold import new_version

    try:
        done = new_version(new, base, Path(schema) if schema else None)
    except CrosswalkError as e:  # a version that exists, an unknown family, a --from that is not older
        raise click.UsageError(getattr(e, "message", str(e))) from None
    for path in done.written:
        click.echo(f"wrote {path}")
    for item in done.todo:
        click.echo(f"to do: {item}", err=True)


@main.command()
@click.argument("src", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="json: one array of {href, valid, issues} on stdout.")
@click.option("--lenient/--no-lenient", default=False, show_default=True,
              help="Accept JSON with // comments and trailing commas (default: strict JSON, as other STAC tools read).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the documents with an error (text format).")
def validate(src, fmt, lenient, quiet) -> None:
    """Validate documents offline against the vendored schemas, plus semantic lint.

    SRC is what `migrate` takes: files, directories, catalog/collection roots, .ndjson files, ItemCollections,
    or - for stdin. Exit 1 if any document has an error-level finding or cannot be read.

    \b
    Examples:
      crosswalk validate item.json
      crosswalk validate catalog.json -q
      crosswalk validate items.ndjson --format json
    """
    from crosswalk.bulk.inputs import iter_documents
    from crosswalk.errors import CrosswalkError
    from crosswalk.validation.verdict import check

    failed = False
    out = []
    for d in iter_documents(src, lenient=lenient):
        try:
            if d.error is not None:
                raise d.error
            if not isinstance(d.doc, dict):
                from crosswalk.errors import FormatError

                raise FormatError("not a JSON object", href=d.href, path="")
            issues = check(d.doc, d.value_repairs, d.text_repairs)
        except CrosswalkError as e:
            click.echo(f"error: {e}", err=True)
            failed = True
            if fmt == "json" and not d.empty:  # the data names every document read, the unreadable ones too
                out.append({"href": d.href, "valid": False, "error": str(e), "issues": []})
            continue
        errors = [i for i in issues if i.severity == "error"]
        failed = failed or bool(errors)
        if fmt == "json":
            out.append({"href": d.href, "valid": not errors,
                        "issues": [{"path": i.path, "message": i.message, "severity": i.severity, "schema": i.schema}
                                   for i in issues]})
            continue
        if quiet and not errors:
            continue
        click.echo(f"{d.href}: {'valid' if not errors else 'INVALID'}")
        for i in issues:
            if quiet and i.severity != "error":
                continue
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
    are named on stderr, one line each, and skipped; when none is left to compare, nothing is written
    and the exit code is 1. A copy of a document read before is counted once; crosswalk's own
    conversion reports (X.report.json) and outputs (X.out.json beside X.report.json, as the golden
    files are written) are not compared. Each is named in report.json (set_aside) and counted on
    stderr and in the report.

    \b
    Examples:
      crosswalk compare ../shared/corpora/real -o report/
    """
    from crosswalk.study.render import set_aside_text
    from crosswalk.study.run import build_report, write_report

    report = build_report(paths, errors=lambda message: click.echo(message, err=True))
    counts = f"{len(report['skipped'])} skipped{set_aside_text(report['set_aside'])}"
    if not report["documents"]:  # a study of nothing: say so (as validate does), and keep an earlier report
        where = paths[0] if len(paths) == 1 else f"{len(paths)} inputs"
        _fail(f"{where}: no document could be compared ({counts}): nothing written")
    write_report(report, out_dir)
    click.echo(f"{len(report['documents'])} documents compared, {counts}; "
               f"wrote {os.path.join(out_dir, 'report.md')}, report.json, report.html", err=True)


@main.command("roundtrip")
@click.argument("file", type=click.Path(allow_dash=True))
@click.option("--via", required=True, type=FORMAT, help="The format to go through: ml-model, mlm@1.3.0, dlm, ...")
@click.option("--keep-source", is_flag=True, help="Lossless mode on the way out (see `crosswalk migrate --help`).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@LENIENT
def roundtrip_cmd(file, via, keep_source, fmt, lenient) -> None:
    """Convert FILE to another format and back, and diff the result against the original (after crosswalk's
    repairs). Every difference must be a field reported lossy, dropped or invented on the way, or a re-encoding
    the reports announce (shown as re-encoded); anything else is a bug and is shown as UNEXPLAINED.

    Exit 0 when every difference is explained or re-encoded, 1 when one is not (or a conversion fails).

    \b
    Examples:
      crosswalk roundtrip item.json --via ml-model
      crosswalk roundtrip item.json --via mlm --keep-source --format json
    """
    from crosswalk.engine.roundtrip import render, roundtrip
    from crosswalk.errors import CrosswalkError
    from crosswalk.io.documents import read_document

    try:
        doc = read_document(file, lenient=lenient)
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
@LENIENT
def diff_cmd(a, b, fmt, strict_order, lenient) -> None:
    """Semantic diff of two JSON/YAML documents, in JSON Pointer paths (added, removed, changed).

    Key order never matters and numbers compare by value; stac_extensions and links are compared as sets
    unless --strict-order. Exit 0 when equal, 1 when different (like diff(1)), 2 on trouble.

    \b
    Examples:
      crosswalk diff old.json new.json
      crosswalk diff a.json b.json --format json
    """
    from crosswalk.engine.diff import UNORDERED, diff, render
    from crosswalk.errors import CrosswalkError
    from crosswalk.io.documents import read_document

    try:
        left, right = read_document(a, lenient=lenient), read_document(b, lenient=lenient)
    except CrosswalkError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    diffs = diff(left, right, unordered=() if strict_order else UNORDERED)
    click.echo(render(diffs, fmt))
    sys.exit(1 if diffs else 0)
