"""The top-level parser: ``serve``, ``kv ...``, ``d1 ...``, ``--version``, one-line errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import NoReturn

from emulator.commands import d1, kv
from emulator.server.cli import add_serve_command

__all__ = ["DISTRIBUTION", "CommandLineParser", "build_parser", "main", "version"]

DISTRIBUTION = "cf-kv-d1-emulator"


def version() -> str:
    """``cf-kv-d1-emulator 0.1.0``: the installed distribution's name and version."""
    try:
        return f"{DISTRIBUTION} {metadata.version(DISTRIBUTION)}"
    except metadata.PackageNotFoundError:
        return f"{DISTRIBUTION} (not installed)"


class DefaultsFormatter(argparse.HelpFormatter):
    """Show ``(default: X)`` after every option that has a default worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "%(default)" in text
            or "default" in text
            or default in (None, False, argparse.SUPPRESS)
            or not action.option_strings
        ):
            return text
        return f"{text} (default: %(default)s)"


class CommandLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (``prog: error: ...``), status 2."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", DefaultsFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m emulator`` argument parser, every command included."""
    parser = CommandLineParser(
        prog="python -m emulator",
        description="Cloudflare Workers KV and D1, emulated locally: a REST API v4 server "
        "and wrangler-style data commands on the same state folder.",
    )
    parser.add_argument("--version", action="version", version=version())
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=CommandLineParser
    )
    add_serve_command(commands)
    kv.add_commands(commands)
    d1.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.run(args)
    sys.stdout.flush()
    return status
