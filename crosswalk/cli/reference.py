"""The README's command line reference, rendered from the commands themselves (`--help`), so it is never typed
twice. It lives with the CLI: the mapping language's documentation (`crosswalk.language.docs`) never imports the
CLI, the CLI imports it."""

from __future__ import annotations


def cli_help() -> str:
    """`--help` of every command, as the README's CLI reference."""
    from click.testing import CliRunner

    from crosswalk.cli.main import dlm_migrate, main

    out = []
    runner = CliRunner()
    commands = [("dlm-migrate", dlm_migrate, []), ("crosswalk", main, [])] + [
        (f"crosswalk {name}", main, [name]) for name in sorted(main.commands)
    ]
    for title, cmd, args in commands:
        # a fixed width: the reference must not depend on the terminal that regenerates or tests it
        # prog_name is the program alone: click adds the subcommand's name to its usage line itself
        text = runner.invoke(cmd, [*args, "--help"], prog_name=title.split()[0], terminal_width=100,
                             max_content_width=100).output
        out.append(f"#### `{title}`\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(out)


def option_help(*names: str) -> str:
    """A markdown list of some `dlm-migrate` options and their `--help` text (the README's database section)."""
    from click import Context

    from crosswalk.cli.main import dlm_migrate

    ctx = Context(dlm_migrate, info_name="dlm-migrate")
    rows = []
    for param in dlm_migrate.params:
        if not set(getattr(param, "opts", ())) & set(names):
            continue
        record = param.get_help_record(ctx)
        if record:
            flags, text = record
            rows.append(f"- `{flags}`: {text}")
    return "\n".join(rows) + "\n" if rows else ""
