"""The command line's one error boundary (as sqlite-utils and alembic have): whatever a command raises ends as
one line on stderr and an exit code, never a traceback.

* `OptionError` (options that cannot work together): a usage error, exit 2;
* any other `CrosswalkError` (a document that cannot be read or converted, a busy tree): its one line, exit 1;
* an OSError (a file that cannot be written): the file and the reason, exit 1;
* anything else is a bug: one line saying so, exit 1 (``CROSSWALK_DEBUG=1`` shows the traceback).

The commands use `GuardedCommand` / `GuardedGroup` as their click classes.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from crosswalk.errors import CrosswalkError, OptionError


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class _Guard:
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except OptionError as e:
            raise click.UsageError(_one_line(e.message), ctx) from None
        except CrosswalkError as e:
            _die(ctx, _one_line(str(e)))
        except BrokenPipeError:  # stdout closed early (| head): nothing left to say to anyone
            _quiet_stdout()
            ctx.exit(1)
        except OSError as e:
            where = f"{e.filename}: " if e.filename else ""
            _die(ctx, f"{where}{e.strerror or _one_line(str(e))}")
        except Exception:
            if os.environ.get("CROSSWALK_DEBUG"):
                raise
            _die(ctx, "internal error: crosswalk stopped on a bug (run with CROSSWALK_DEBUG=1 to see where); "
                      "please report it with the input")


def _die(ctx: click.Context, message: str) -> None:
    click.echo(f"error: {message}", err=True)
    ctx.exit(1)


def _quiet_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - no real stdout (CliRunner)
        pass


class GuardedCommand(_Guard, click.Command):
    """A click command behind the error boundary."""


class GuardedGroup(_Guard, click.Group):
    """A click group behind the error boundary (covers its subcommands)."""
