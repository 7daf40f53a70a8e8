"""Fixtures for the server tests: an emulator on a manual clock, the core, live servers."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from cloudflare import AsyncCloudflare, Cloudflare

from emulator import Emulator, ManualClock
from emulator.server import RestApi, create_app
from tests.server.helpers import START, TOKEN, LiveServer
from tests.server.processes import Serve


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=START)


@pytest.fixture
def emu(clock: ManualClock) -> Iterator[Emulator]:
    emulator = Emulator(clock=clock)
    yield emulator
    emulator.close()


@pytest.fixture
def api(emu: Emulator) -> RestApi:
    return RestApi(emu)


@pytest.fixture
def live(emu: Emulator) -> Iterator[LiveServer]:
    """The emulator served over HTTP on a free port, from a thread (for the sync SDK)."""
    with LiveServer(create_app(emu)) as server:
        yield server


@pytest.fixture
def cf(live: LiveServer) -> Iterator[Cloudflare]:
    """The official sync SDK pointed at the live server, without retries."""
    client = Cloudflare(api_token=TOKEN, base_url=f"{live.url}/client/v4", max_retries=0)
    yield client
    client.close()


@pytest.fixture
async def acf(emu: Emulator) -> AsyncIterator[AsyncCloudflare]:
    """The official async SDK on an aiohttp TestServer in the test's own loop."""
    server = TestServer(create_app(emu), host="127.0.0.1", port=0)
    await server.start_server()
    client = AsyncCloudflare(
        api_token=TOKEN, base_url=str(server.make_url("/client/v4")), max_retries=0
    )
    yield client
    await client.close()
    await server.close()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Serve]]:
    started: list[Serve] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            server.stop(signal.SIGKILL)
