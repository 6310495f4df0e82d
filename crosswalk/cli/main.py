"""The command line's entry points: ``dlm-migrate`` (crosswalk.cli.migrate) and ``crosswalk`` (the group of
crosswalk.cli.commands, loaded the first time ``main`` is asked for: a ``dlm-migrate`` run, which imports this module
for its command, does not define the group's nine commands and their options)."""

from __future__ import annotations

from typing import Any

from crosswalk.cli.migrate import _jobs_default, dlm_migrate

__all__ = ["_jobs_default", "dlm_migrate"]  # and main, the crosswalk group (below)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):  # the import system's own look-ups (__path__, __wrapped__...)
        raise AttributeError(name)
    from crosswalk.cli import commands

    try:
        value = getattr(commands, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value  # later look-ups skip this function
    return value
