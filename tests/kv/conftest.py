"""Fixtures for the KV tests: a namespace on a clock that only moves when told, on each
target (in-process, and ``emulator.remote`` against ``serve``; see ``tests.targets``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from emulator import KVNamespace, ManualClock
from tests.kv.helpers import START
from tests.targets import RemoteClock, Serve, SuiteRemoteKV


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> Any:
    if "target" in request.fixturenames and request.getfixturevalue("target") == "remote":
        serve: Serve = request.getfixturevalue("serve")
        serve.reset(START)
        return RemoteClock(serve, START)
    return ManualClock(start=START)


@pytest.fixture
async def kv(target: str, clock: Any, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    if target == "remote":
        remote = SuiteRemoteKV(request.getfixturevalue("serve"), clock)
        yield remote
        await remote.aclose()
        return
    namespace = KVNamespace("TEST", clock=clock, path=None, namespace_id="test")
    yield namespace
    namespace.close()
