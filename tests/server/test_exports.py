"""The server's public surface: a sorted ``__all__``, each name importable and documented."""

from __future__ import annotations

from pathlib import Path

import pytest

import emulator.server

README = Path(__file__).resolve().parents[2] / "README.md"


def test_all_is_sorted_and_importable() -> None:
    assert emulator.server.__all__ == sorted(emulator.server.__all__)
    for name in emulator.server.__all__:
        assert getattr(emulator.server, name) is not None


@pytest.mark.parametrize("name", emulator.server.__all__)
def test_the_readme_mentions_every_public_name(name: str) -> None:
    assert f"`{name}`" in README.read_text("utf-8") or f"{name}(" in README.read_text("utf-8")
