"""Fixtures for the KV tests: a namespace in memory on a clock that only moves when told."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator import KVNamespace, ManualClock
from tests.kv.helpers import START


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=START)


@pytest.fixture
def kv(clock: ManualClock) -> Iterator[KVNamespace]:
    namespace = KVNamespace("TEST", clock=clock, path=None, namespace_id="test")
    yield namespace
    namespace.close()
