"""The server's public surface is documented (tests/test_public_api.py checks ``__all__``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import emulator.server

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("name", emulator.server.__all__)
def test_the_readme_mentions_every_public_name(name: str) -> None:
    assert f"`{name}`" in README.read_text("utf-8") or f"{name}(" in README.read_text("utf-8")


def test_the_wrangler_layout_and_the_clock_import_without_the_http_stack() -> None:
    probe = (
        "import sys\n"
        "import emulator.server.wrangler_layout, emulator.server.clock\n"
        "from emulator.server import OffsetClock, WranglerLayout\n"
        "print(sorted(n for n in ('aiohttp', 'respx', 'httpx') if n in sys.modules))\n"
        "from emulator.server import create_app\n"
        "print(sorted(n for n in ('aiohttp', 'respx', 'httpx') if n in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines() == ["[]", "['aiohttp']"]
