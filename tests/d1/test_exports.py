"""The D1 package's public surface."""

from __future__ import annotations

import emulator
import emulator.d1


def test_d1_exports_are_sorted_and_importable() -> None:
    assert emulator.d1.__all__ == sorted(emulator.d1.__all__)
    for name in emulator.d1.__all__:
        assert getattr(emulator.d1, name) is not None


def test_the_package_re_exports_the_d1_names() -> None:
    for name in ("D1Database", "D1ExecResult", "D1PreparedStatement", "D1Result"):
        assert getattr(emulator, name) is getattr(emulator.d1, name)
        assert name in emulator.__all__
