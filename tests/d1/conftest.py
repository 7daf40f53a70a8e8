"""Fixtures for the D1 tests: a database in memory on a clock that only moves when told.

Expected texts in these tests were observed on Miniflare 4.20260426 (workerd 2026-04-26,
SQLite 3.47.0), the reference docs/d1.md describes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator import D1Database, ManualClock

START = 1_800_000_000  # 2027-01-15 08:00:00 UTC


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=START)


@pytest.fixture
def db(clock: ManualClock) -> Iterator[D1Database]:
    database = D1Database("DB", clock=clock, path=None, database_id="test-db")
    yield database
    database.close()
