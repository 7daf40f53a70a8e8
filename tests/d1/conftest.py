"""Fixtures for the D1 tests: a database on a clock that only moves when told, on each
target (in-process, and ``emulator.remote`` against ``serve``; see ``tests.targets``).

Expected texts in these tests were observed on Miniflare 4.20260426 (workerd 2026-04-26,
SQLite 3.47.0), the reference docs/d1.md describes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from emulator import D1Database
from tests.targets import SuiteRemoteD1, target_clock

START = 1_800_000_000  # 2027-01-15 08:00:00 UTC


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> Any:
    return target_clock(request, START)


@pytest.fixture
async def db(binding_target: str, clock: Any, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    if binding_target == "remote":
        remote = SuiteRemoteD1(request.getfixturevalue("serve"))
        yield remote
        await remote.aclose()
        return
    database = D1Database("DB", clock=clock, path=None, database_id="test-db")
    yield database
    database.close()
