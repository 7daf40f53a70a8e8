"""Fixtures for the KV tests: a namespace on a clock that only moves when told, on each
target (in-process, and ``emulator.remote`` against ``serve``; see ``tests.targets``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from emulator import KVNamespace
from tests.kv.helpers import START
from tests.targets import SuiteRemoteKV, target_clock


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> Any:
    return target_clock(request, START)


@pytest.fixture
async def kv(binding_target: str, clock: Any, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    if binding_target == "remote":
        remote = SuiteRemoteKV(request.getfixturevalue("serve"), clock)
        yield remote
        await remote.aclose()
        return
    namespace = KVNamespace("TEST", clock=clock, path=None, namespace_id="test")
    yield namespace
    namespace.close()
