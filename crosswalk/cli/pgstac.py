"""The ``--pgstac DSN`` half of ``dlm-migrate`` / ``crosswalk migrate`` (see crosswalk.bulk.pgstac).

Exit codes as for files: 0 ok; 1 a collection failed (rolled back; the others went on: with --strict, a document
with anything lossy, dropped or invented fails its collection), or a document is invalid; 2 usage (decided before
the database is touched).
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any
from urllib.parse import unquote

import click


def run_pgstac(
    dsn: str | None,
    collections: tuple[str, ...],
    *,
    src: tuple[str, ...],
    target: str,
    strict: bool,
    dry_run: bool,
    quiet: bool,
    no_validate: bool,
    summary_file: str | None,
    others: dict[str, Any],
    jobs: int = 1,
) -> None:
    if not dsn:
        raise click.UsageError("--collection goes with --pgstac DSN")
    if src:
        raise click.UsageError("--pgstac upgrades a database: give no SRC files with it")
    for name, value in others.items():
        if value:
            option = "--" + name.replace("_", "-")
            raise click.UsageError(f"{option} does not apply to --pgstac (the database is upgraded in place)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        click.echo("error: --pgstac needs psycopg: pip install 'crosswalk[pgstac]'", err=True)
        sys.exit(1)
    from crosswalk.bulk.pgstac import upgrade

    def on_failure(line: str) -> None:
        click.echo(f"error: {line}", err=True)

    out = None
    if summary_file == "-":  # stdout (nothing else is written there), never a file of that name
        out = sys.stdout
    elif summary_file:
        out = open(summary_file, "w", encoding="utf-8")  # noqa: SIM115
    try:
        result = upgrade(
            dsn,
            collections=list(collections) or None,
            to=target,
            dry_run=dry_run,
            validate=not no_validate,
            jobs=jobs,
            on_failure=on_failure,
            reports=(lambda r: out.write(json.dumps(r, ensure_ascii=False) + "\n")) if out else None,
            strict=strict,
        )
        if out is not None:
            out.write(json.dumps({"summary": result.summary()}) + "\n")
    except Exception as e:  # noqa: BLE001 - cannot connect, not a pgstac database: one line, exit 1
        click.echo(f"error: pgstac: {_redacted(' '.join(str(e).split()), dsn)}", err=True)
        sys.exit(1)
    finally:
        if out is sys.stdout:
            out.flush()
        elif out is not None:
            out.close()
    if not quiet:
        click.echo(result.render(), err=True)
    if result.failed:
        sys.exit(1)
    summary = result.summary()
    if summary["invalid"]:
        n = summary["invalid"]
        if dry_run:
            line = f"{n} documents would be invalid after the upgrade (dry run: nothing written; see the report)"
        else:
            line = f"{n} documents are invalid after the upgrade (in the database; see the report)"
        click.echo(f"error: {line}", err=True)
        sys.exit(1)


def _redacted(message: str, dsn: str) -> str:
    """``message`` without the DSN's password: libpq quotes the offending token of a DSN it cannot parse (a bad
    percent-escape in the password is quoted whole), and an error line must never show a password."""
    secrets = re.findall(r"://[^:/@?#]*:([^@/?#]*)@", dsn)
    for quoted, bare in re.findall(r"password\s*=\s*(?:'((?:[^'\\]|\\.)*)'|([^\s&]+))", dsn):
        secrets.append(quoted or bare)
    for secret in sorted({v for s in secrets for v in (s, unquote(s)) if v}, key=len, reverse=True):
        message = message.replace(secret, "***")
    return message
