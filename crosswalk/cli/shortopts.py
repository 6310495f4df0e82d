"""Short options (``-o out.json``, ``-q``) read as click reads them, without its detour through a long option.

click's parser tries every option argument as a long option first. For ``-o`` that fails, and it builds a
NoSuchOption error only to drop it and read the argument as a short option; building that error imports difflib and
matches the argument against every long option, to suggest a close one in a message nobody sees (a one-file run
pays for it at each start). `ShortOptionsFirst` reads such an argument as a short option straight away: the case,
and the only one, in which click would have dropped the error (an argument that is no long option of the command
and starts with no prefix of a long one, ``--`` for all of ours). Everything else, the error an unknown ``--name``
gets included, goes through click's own parser.
"""

from __future__ import annotations

from typing import Any

import click

# the parser's own members this relies on (click's parser is private since 8.2); without any of them, or with a
# context that rewrites option names (token_normalize_func, which the long-option look-up applies), click reads alone
_PARSER_MEMBERS = ("_process_opts", "_match_short_opt", "_long_opt", "_opt_prefixes")


class ShortOptionsFirst:
    """A click command mixin (before the command class among the bases): its parser reads a short option at once."""

    def make_parser(self, ctx: click.Context) -> Any:
        parser = super().make_parser(ctx)  # type: ignore[misc]
        if ctx.token_normalize_func is None and all(hasattr(parser, m) for m in _PARSER_MEMBERS):
            click_reads = parser._process_opts

            def process_opts(arg: str, state: Any) -> None:
                if arg[:2] not in parser._opt_prefixes and arg.split("=", 1)[0] not in parser._long_opt:
                    parser._match_short_opt(arg, state)  # what click does once the long option is not found
                else:
                    click_reads(arg, state)

            parser._process_opts = process_opts
        return parser
