"""The server's public surface is documented (tests/test_public_api.py checks ``__all__``)."""

from __future__ import annotations

from pathlib import Path

import pytest

import emulator.server

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("name", emulator.server.__all__)
def test_the_readme_mentions_every_public_name(name: str) -> None:
    assert f"`{name}`" in README.read_text("utf-8") or f"{name}(" in README.read_text("utf-8")
