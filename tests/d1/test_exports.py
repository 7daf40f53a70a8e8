"""The D1 package's public surface."""

from __future__ import annotations

import emulator
import emulator.d1


def test_the_package_re_exports_the_d1_names() -> None:
    for name in ("D1Database", "D1ExecResult", "D1PreparedStatement", "D1Result"):
        assert getattr(emulator, name) is getattr(emulator.d1, name)
        assert name in emulator.__all__
