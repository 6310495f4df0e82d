"""The command line: a thin click layer over crosswalk.pipeline (stdout for data, stderr for diagnostics).

Exit codes, as STAC tools have them: 0 ok; 1 a document failed (nothing written for it; with --strict, a document
with anything lossy, dropped or invented is one), or its output is invalid (written, and said so: "written, but
invalid: N errors"), or the inputs held no document at all (an empty directory: found by reading, as a missing
file is); 2 usage (an unknown option, format or value), decided before anything is converted or written (an
input may be read to learn its kind: an ItemCollection given with -o is bulk input).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from crosswalk.cli.boundary import GuardedCommand, GuardedGroup

REPORT_FORMATS = ("text", "json", "markdown", "none")
CONTEXT = {"help_option_names": ["-h", "--help"]}


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


class FormatType(click.ParamType):
    """A format id (``mlm``, ``mlm@1.4.0``, ``ml-model``, ...): an unknown one is a usage error (exit 2)."""

    name = "FORMAT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from crosswalk.errors import CrosswalkError
        from crosswalk.language.formats import Format

        try:
            Format.parse(str(value))
        except CrosswalkError as e:
            self.fail(e.message, param, ctx)
        return str(value)

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        from crosswalk.language.formats import registry

        names = []
        for fam in registry().families.values():
            names += [fam.name] + [f"{fam.name}@{v}" for v in fam.versions]
        return [CompletionItem(n) for n in names if n.startswith(incomplete)]


FORMAT = FormatType()
# detect, roundtrip and diff read what migrate reads by default (its own option says each fix is reported)
LENIENT = click.option("--lenient/--no-lenient", default=True, show_default=True,
                       help="Accept JSON with // comments and trailing commas.")


def _a_file(ctx: click.Context, param: click.Parameter, path: str | None) -> str | None:
    """An option naming one file to write: a name ending in "/" asks for a directory, which a file option cannot
    honour (writing a file of the directory's name, or into it under a name crosswalk would have to choose, is
    not what was typed; --out-dir writes into a directory): a usage error (exit 2)."""
    if path and path != "-" and path.endswith(("/", os.sep)):
        raise click.BadParameter(f"{path} ends in '/', naming a directory: give a file name", ctx, param)
    return path


def _load_fill(ctx: click.Context, param: click.Parameter, path: str | None) -> dict[str, Any] | None:
    """The --fill file, read before anything else: unreadable, not an object, or not of the shape
    `crosswalk.pipeline.fill_for` reads ({"*"|id: {pointer: value}}) is a usage error (exit 2), found here
    rather than once per document."""
    if not path:
        return None
    from crosswalk.errors import CrosswalkError
    from crosswalk.io.documents import read_document

    try:
        data = read_document(path)
    except CrosswalkError as e:
        raise click.BadParameter(str(e), ctx, param) from None
    from crosswalk.pipeline import fill_problem

    problem = fill_problem(data)
    if problem:
        raise click.BadParameter(f"{path}: {problem}", ctx, param)
    return data


def _jobs_default() -> int:
    return os.cpu_count() or 1


def migrate_options(fn):
    decorators = [
        click.argument("src", nargs=-1, required=False, type=click.Path(allow_dash=True)),
        click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), callback=_a_file,
                     help="Write the converted document here (default: stdout)."),
        click.option("--to", "target", type=FORMAT, default="mlm", show_default=True,
                     help="Target format: mlm, mlm@1.4.0, ml-model, dlm, dlm-beta@1.0.0-beta.2, ..."),
        click.option("--strict", is_flag=True,
                     help="Fail a document with anything lossy, dropped or invented: not written (bulk: left as it "
                          "was, counted failed, the run going on), exit 1. An invalid output always exits 1 (it is "
                          "written, and said so)."),
        click.option("--fill", "fill", type=click.Path(exists=True, dir_okay=False), callback=_load_fill,
                     help="YAML/JSON of real values for fields that would be invented: {\"*\"|id: {pointer: value}}."),
        click.option("--report", "report_fmt", type=click.Choice(REPORT_FORMATS), default="text", show_default=True,
                     help="Report format on stderr."),
        click.option("-q", "--quiet", is_flag=True, help="No report: only errors (and the bulk summary's failures)."),
        click.option("-v", "--verbose", is_flag=True,
                     help="Report every entry on its own line, kept ones included (default: one line per subtree, "
                          "status and reason)."),
        click.option("--report-file", type=click.Path(dir_okay=False, allow_dash=True), callback=_a_file,
                     help="Write the JSON report to this file (- for stdout, with -o FILE)."),
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
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                     help="Bulk: worker processes  [default: the number of CPUs; 1 with --fail-fast]."),
        click.option("--summary-file", type=click.Path(dir_okay=False, allow_dash=True), callback=_a_file,
                     help="Bulk: write every document's JSON report here (ndjson; - for stdout), then the summary."),
        click.option("--fail-fast", is_flag=True, help="Bulk: stop at the first document that fails."),
        click.option("--output-format", type=click.Choice(("json", "ndjson", "geoparquet")), default="json",
                     show_default=True,
                     help="Bulk: json writes files (--out-dir/--in-place); ndjson and geoparquet write the whole "
                          "run as one file, -o FILE (stac-geoparquet: Items as rows, Collections in its metadata)."),
        click.option("--pgstac", metavar="DSN",
                     help="Upgrade the collections and items of this pgstac database in place (no SRC; one "
                          "transaction per collection; originals in the table crosswalk_backup)."),
        click.option("--collection", "collections", multiple=True, metavar="ID",
                     help="With --pgstac: only this collection (repeat for several; default: all)."),
    ]
    for d in reversed(decorators):
        fn = d(fn)
    return fn


def run_migrate(src, output, target, strict, fill, report_fmt, report_file, no_validate, verify,
                out_dir=None, in_place=False, backup_dir=None, dry_run=False, jobs=None, summary_file=None,
                fail_fast=False, keep_source=False, lenient=True, quiet=False, verbose=False, pgstac=None,
                collections=(), output_format="json") -> None:
    from crosswalk.cli.bulk import run_bulk, wants_bulk

    if quiet and verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose exclude each other")
    if pgstac or collections:
        from crosswalk.cli.pgstac import run_pgstac

        run_pgstac(pgstac, collections, src=src, target=target, strict=strict, dry_run=dry_run, quiet=quiet,
                   no_validate=no_validate, summary_file=summary_file, jobs=jobs or _jobs_default(),
                   others=dict(output=output, out_dir=out_dir, in_place=in_place, backup_dir=backup_dir,
                               report_file=report_file, fill=fill, keep_source=keep_source))
        return
    if not src:
        raise click.UsageError("Missing argument 'SRC...' (files, directories or catalogs; or --pgstac DSN)")
    if output_format != "json" or wants_bulk(src, output, out_dir=out_dir, in_place=in_place, dry_run=dry_run,
                                             summary_file=summary_file):
        if keep_source:
            raise click.UsageError("--keep-source converts one document at a time (not in bulk mode yet)")
        run_bulk(src, output=output, target=target, strict=strict, fill=fill,
                 report_fmt="none" if quiet else report_fmt, report_file=report_file, no_validate=no_validate,
                 verify=verify, out_dir=out_dir, in_place=in_place, backup_dir=backup_dir, dry_run=dry_run,
                 jobs=jobs or (1 if fail_fast else _jobs_default()), summary_file=summary_file, fail_fast=fail_fast,
                 lenient=lenient, output_format=output_format, quiet=quiet)
        return
    if backup_dir:
        raise click.UsageError("--backup-dir goes with --in-place")
    from crosswalk.io.safepath import check_single_outputs

    check_single_outputs(src[0], output=output, report_file=report_file)  # exit 2 before anything is read
    from crosswalk import pipeline
    from crosswalk.engine.report import render
    from crosswalk.io.documents import dumps, write_atomic

    href = src[0]
    result = pipeline.convert_file(href, to=target, fill=fill, validate=not no_validate, verify=verify,
                                   keep_source=keep_source, lenient=lenient)
    if result.error:
        _fail(str(result.error))
    if report_file:
        report_text = json.dumps(result.report, indent=2, ensure_ascii=False) + "\n"
        if report_file == "-":  # stdout is free: the document goes to -o FILE (check_single_outputs)
            click.echo(report_text, nl=False)
        else:
            write_atomic(report_file, report_text)
    if report_fmt != "none" and not quiet:
        click.echo(render(result.report, report_fmt, verbose=verbose), err=True)
    if strict:
        why = pipeline.strict_refusal(result.report["fields"])
        if why:
            _fail(f"{href}: --strict: {why}: nothing written")
    text = dumps(result.document)
    if output and output != "-":
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)
    if not result.valid:
        errors = [i for i in result.report.get("issues", []) if i.get("severity", "error") == "error"]
        click.echo(f"error: {href}: written, but invalid: {len(errors)} error{'s' if len(errors) != 1 else ''}",
                   err=True)
        if quiet:  # the report is not shown: name the errors
            for i in errors:
                click.echo(f"  {i['path'] or '/'}: {i['message']}", err=True)
        _exit_now(1)
        sys.exit(1)
    _exit_now(0)


def _exit_now(code: int) -> None:
    """The installed script, its one document written: exit without the interpreter's teardown (freeing every
    module and object costs more than the conversion). Not for CliRunner or a library call, which go on."""
    # The script pip writes is a file named after the command, run as __main__, that imports the command object
    # and exits with its result; a `python -c` or a program of one's own is none of that, and goes on.
    main_module = sys.modules.get("__main__")
    script = {"dlm-migrate": dlm_migrate, "crosswalk": main}.get(os.path.basename(getattr(main_module, "__file__", "")))
    if script is None or not any(v is script for v in vars(main_module).values()):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


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


@click.command("dlm-migrate", cls=GuardedCommand, context_settings=CONTEXT)
@migrate_options
@click.version_option(package_name="crosswalk", prog_name="dlm-migrate")
def dlm_migrate(**kwargs) -> None:
    """Upgrade STAC ML-model metadata to the latest MLM (same as `crosswalk migrate`).

    \b
    Examples:
      dlm-migrate old.json > new.json
      dlm-migrate old.json -o new.json --report markdown
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
