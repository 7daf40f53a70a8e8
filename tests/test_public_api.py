"""The public surface is explicit: each package lists it in a sorted ``__all__``, every
listed name imports, and the README mentions each one (so nothing public is undocumented).
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
PUBLIC_MODULES = [
    "emulator",
    "emulator.cf",
    "emulator.d1",
    "emulator.kv",
    "emulator.remote",
    "emulator.server",
    "emulator.server.ui",
    "emulator.session",
    "pytest_plugin",
]


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_is_sorted_and_importable(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = list(module.__all__)
    assert exported == sorted(exported)
    assert len(set(exported)) == len(exported)
    for name in exported:
        value = getattr(module, name)  # AttributeError for a listed name that is missing
        if isinstance(value, type) or inspect.isfunction(value):
            # Exported under its own name, not as an alias of something else.
            assert value.__name__ == name


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_readme_mentions_every_public_name(module_name: str) -> None:
    module = importlib.import_module(module_name)
    missing = [name for name in module.__all__ if not re.search(rf"\b{re.escape(name)}\b", README)]
    assert missing == []


def test_the_fixed_names_of_the_architecture_are_exported() -> None:
    import emulator

    for name in ("Emulator", "ManualClock", "SystemClock", "KVNamespace", "KVError"):
        assert name in emulator.__all__
    for name in ("D1Database", "D1Error"):
        assert name in emulator.__all__
