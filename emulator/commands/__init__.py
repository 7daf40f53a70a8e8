"""The command line: ``python -m emulator`` (console script ``cf-emulator``).

``serve`` runs the REST server (``emulator.server.cli``); ``kv`` and ``d1`` are the data
commands, shaped like wrangler's local ones (``emulator.commands.kv``,
``emulator.commands.d1``). Every mistake is one line on stderr and a non-zero exit.
"""

from emulator.commands.main import build_parser, main

__all__ = ["build_parser", "main"]
