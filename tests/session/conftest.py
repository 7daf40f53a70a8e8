"""Fixtures for the session port: every behaviour runs once on KV and once on D1.

``backend`` gives a ready ``SessionConfig`` on a fresh ``Emulator`` whose ``ManualClock``
tests move instead of sleeping; ``make_client`` serves one handler through the session
middleware with aiohttp's test server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import pytest
from aiohttp import DummyCookieJar, web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.typedefs import Middleware

from emulator import Emulator, ManualClock
from emulator.session import Handler, SessionConfig
from tests.session.helpers import START, TABLE, Backend, Recorder, RecordingEnv
from tests.targets import RemoteClock, RemoteTarget, Serve

HandlerFn = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture(params=["kv", "d1"])
async def backend(request: pytest.FixtureRequest, binding_target: str) -> AsyncIterator[Backend]:
    if binding_target == "remote":  # emulator.remote against serve (tests.targets)
        serve: Serve = request.getfixturevalue("serve")
        serve.reset(START)
        remote = RemoteTarget(serve)
        config = SessionConfig.kv("SESSIONS")
        if request.param == "d1":
            config = SessionConfig.d1("DB", TABLE)
            await config.create_table(remote.d1("DB"))
        yield Backend(request.param, remote, RemoteClock(serve, START), config)  # type: ignore[arg-type]
        await remote.aclose()
        return
    clock = ManualClock(start=START)
    emulator = Emulator(clock=clock)
    if request.param == "kv":
        emulator.kv("SESSIONS")
        config = SessionConfig.kv("SESSIONS")
    else:
        config = SessionConfig.d1("DB", TABLE)
        await config.create_table(emulator.d1("DB"))
    yield Backend(request.param, emulator, clock, config)
    emulator.close()


@pytest.fixture
def recording_env(backend: Backend) -> RecordingEnv:
    name = "SESSIONS" if backend.kind == "kv" else "DB"
    return RecordingEnv(Recorder(backend.binding), name)


ClientFactory = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture
async def make_client(backend: Backend) -> AsyncIterator[ClientFactory]:
    """Serve ``handler`` on every path and method, behind the session middleware."""
    clients: list[TestClient[web.Request, web.Application]] = []

    async def make(
        handler: HandlerFn,
        *,
        config: SessionConfig | None = None,
        env: Any = None,
        setup: bool = False,
        before: Iterable[Middleware] = (),
        after: Iterable[Middleware] = (),
        with_session: bool = True,
        **client_options: Any,
    ) -> TestClient[web.Request, web.Application]:
        session_handler = Handler(backend.emulator.env if env is None else env)
        if with_session:
            session_handler = session_handler.session(config or backend.config)
        app = web.Application(middlewares=[*before])
        if setup:
            session_handler.setup(app)
        else:
            app.middlewares.append(session_handler.middleware)
        app.middlewares.extend(after)
        app.router.add_route("*", "/{tail:.*}", handler)
        client_options.setdefault("cookie_jar", DummyCookieJar())
        client = TestClient(TestServer(app), **client_options)
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()
