"""``dlm-migrate`` and what ``crosswalk migrate`` shares with it: the options and the one-file run, a thin click layer
over crosswalk.pipeline (stdout for data, stderr for diagnostics). The ``crosswalk`` group and its other commands
live in crosswalk.cli.commands, which a ``dlm-migrate`` run never loads.

Exit codes, as STAC tools have them: 0 ok; 1 a document failed (nothing written for it; with --strict, a document
with anything lossy, dropped or invented is one), or its output is invalid (written, and said so: "written, but
invalid: N errors"), or the inputs held no document at all (an empty directory: found by reading, as a missing
file is); 2 usage (an unknown option, format or value), decided before anything is converted or written (an
input may be read to learn its kind: an ItemCollection given with -o is bulk input).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from crosswalk.cli.boundary import GuardedCommand

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


BULK_ONLY = ("out_dir", "in_place", "dry_run", "summary_file")


def wants_bulk(src: tuple[str, ...], output: str | None, **bulk_opts: Any) -> bool:
    """Whether `run_migrate` hands over to the bulk half (`crosswalk.cli.bulk.run_bulk`, imported only then)."""
    if any(bulk_opts.get(k) for k in BULK_ONLY):
        return True
    from crosswalk.bulk.kind import input_kind  # not the runner: a one-file run stays light

    kind = input_kind(src)
    if output and kind == "catalog":
        return False  # -o: one document, even a catalog root
    return kind is not None


def run_migrate(src, output, target, strict, fill, report_fmt, report_file, no_validate, verify,
                out_dir=None, in_place=False, backup_dir=None, dry_run=False, jobs=None, summary_file=None,
                fail_fast=False, keep_source=False, lenient=True, quiet=False, verbose=False, pgstac=None,
                collections=(), output_format="json") -> None:
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
        from crosswalk.cli.bulk import run_bulk

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
        import json

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
    # the crosswalk group is defined by crosswalk.cli.commands, loaded by then if it is the command that runs
    commands = sys.modules.get("crosswalk.cli.commands")
    scripts = {"dlm-migrate": dlm_migrate, "crosswalk": getattr(commands, "main", None)}
    script = scripts.get(os.path.basename(getattr(main_module, "__file__", None) or ""))
    if script is None or not any(v is script for v in vars(main_module).values()):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


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

