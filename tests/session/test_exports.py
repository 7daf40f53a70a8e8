"""The public surface: sorted ``__all__``, every name importable and in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

import emulator.cf
import emulator.session

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("name", emulator.session.__all__)
def test_readme_mentions_every_session_name(name: str) -> None:
    assert f"`{name}`" in README.read_text("utf-8")


@pytest.mark.parametrize("name", emulator.cf.__all__)
def test_readme_mentions_every_cf_helper(name: str) -> None:
    text = README.read_text("utf-8")
    assert f"`cf.{name}(" in text or f"`{name}`" in text


def test_error_tree_is_small_and_documented() -> None:
    from emulator.session import CfArgumentError, CfError, SessionError

    assert issubclass(SessionError, CfError)
    assert issubclass(CfArgumentError, CfError)
    assert issubclass(CfArgumentError, ValueError)
    assert emulator.cf.CfError is CfError
