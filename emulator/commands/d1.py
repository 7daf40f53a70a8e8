"""``python -m emulator d1 ...`` (placeholder while the D1 commands are written)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_commands"]


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``d1 ...`` to the top-level parser's subcommands."""
