"""Concurrent requests on one session, interleaved deterministically by the backend.

Each test wraps the session binding (``ControlledBinding``) so that a chosen backend call
of one request waits on an ``asyncio.Event`` while another request runs to completion:
the interleavings are forced, never left to timing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import ClientResponse, TCPConnector, web
from aiohttp.typedefs import Handler as AiohttpHandler

from emulator import cf
from emulator.session import CfArgumentError, SessionConfig, SessionConflictError, SessionError
from tests.session.conftest import ClientFactory
from tests.session.helpers import (
    TABLE,
    Backend,
    Hook,
    controlled_env,
    cookie_header,
    session_id_of,
    set_cookies,
)

CONFLICT = (
    "session conflict: another request saved or ended this session after this request "
    "loaded it; this request's changes were not saved"
)


async def login(request: web.Request) -> web.Response:
    (await cf.session()).set("user", "ada")
    return web.Response()


async def logout(request: web.Request) -> web.Response:
    (await cf.session()).destroy()
    return web.Response()


async def relogin(request: web.Request) -> web.Response:
    session = await cf.session()
    session.regenerate()
    session.set("role", "admin")
    return web.Response()


async def add_to_cart(request: web.Request) -> web.Response:
    (await cf.session()).set("cart", ["book"])
    return web.Response()


async def increment(request: web.Request) -> web.Response:
    session = await cf.session()
    session["n"] = session.get("n", 0) + 1
    return web.Response(text=str(session["n"]))


@web.middleware
async def conflicts_as_409(request: web.Request, handler: AiohttpHandler) -> web.StreamResponse:
    try:
        return await handler(request)
    except SessionConflictError as error:
        return web.Response(status=409, text=str(error))


class HoldFirstFlush:
    """Let one request load, then hold its first backend call after the load."""

    def __init__(self, *, hold_at: int = 2) -> None:
        self.calls: list[str] = []
        self.hold_at = hold_at
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, operation: str) -> None:
        if operation == "loaded":
            return
        self.calls.append(operation)
        if len(self.calls) == self.hold_at:
            self.holding.set()
            await self.release.wait()


async def in_flight_against(
    make_client: ClientFactory,
    backend: Backend,
    session_id: str,
    other: Callable[[web.Request], Awaitable[web.Response]],
    gate: HoldFirstFlush,
    config: SessionConfig | None = None,
) -> tuple[int, list[str], ClientResponse]:
    """Run ``add_to_cart`` with its flush held while ``other`` runs on the same session."""
    slow = await make_client(
        add_to_cart, env=controlled_env(backend, gate), config=config, before=[conflicts_as_409]
    )
    fast = await make_client(other, config=config)
    task = asyncio.ensure_future(slow.get("/", headers=cookie_header(session_id)))
    async with asyncio.timeout(10):
        await gate.holding.wait()
    other_response = await fast.get("/", headers=cookie_header(session_id))
    assert other_response.status == 200
    gate.release.set()
    async with asyncio.timeout(10):
        response = await task
    return response.status, set_cookies(response), other_response


async def test_a_logout_is_not_undone_by_a_request_already_in_flight(
    make_client: ClientFactory, backend: Backend
) -> None:
    session_id = session_id_of(await (await make_client(login)).get("/"))
    gate = HoldFirstFlush()  # KV: held before the re-read; D1: before the UPDATE
    status, cookies, _ = await in_flight_against(make_client, backend, session_id, logout, gate)
    assert status == 200
    assert cookies == []  # the old id is not sent back
    assert await backend.stored(session_id) is None


async def test_a_regenerate_is_not_undone_by_a_request_already_in_flight(
    make_client: ClientFactory, backend: Backend
) -> None:
    session_id = session_id_of(await (await make_client(login)).get("/"))
    gate = HoldFirstFlush()
    status, cookies, other = await in_flight_against(
        make_client, backend, session_id, relogin, gate
    )
    assert status == 200
    assert cookies == []  # the browser keeps the regenerated id
    new_id = session_id_of(other)
    assert await backend.stored(session_id) is None
    assert await backend.stored_json(new_id) == {"user": "ada", "role": "admin"}


@pytest.mark.parametrize("backend", ["kv"], indirect=True)
async def test_kv_the_remaining_race_a_logout_between_the_re_read_and_the_put(
    make_client: ClientFactory, backend: Backend
) -> None:
    # KV has no compare-and-set: a logout that lands after the in-flight request's
    # re-read and before its put is undone. Documented; D1 has no such window.
    session_id = session_id_of(await (await make_client(login)).get("/"))
    gate = HoldFirstFlush(hold_at=3)  # load, re-read, then held before the put
    status, cookies, _ = await in_flight_against(make_client, backend, session_id, logout, gate)
    assert gate.calls == ["load", "load", "save"]
    assert (status, cookies[0].startswith(f"__session={session_id};")) == (200, True)
    assert await backend.stored_json(session_id) == {"user": "ada", "cart": ["book"]}


@pytest.mark.parametrize("backend", ["d1"], indirect=True)
async def test_d1_has_no_window_the_check_and_the_write_are_one_statement(
    make_client: ClientFactory, backend: Backend
) -> None:
    session_id = session_id_of(await (await make_client(login)).get("/"))
    gate = HoldFirstFlush(hold_at=2)  # load, then held before the one UPDATE
    await in_flight_against(make_client, backend, session_id, logout, gate)
    assert gate.calls == ["load", "save"]
    assert await backend.stored(session_id) is None


# -- lost updates -------------------------------------------------------------------------------


def gate_until_all_loaded(count: int) -> Hook:
    """Hold every request right after its load until ``count`` requests have loaded."""
    loaded = 0
    everyone = asyncio.Event()

    async def hook(operation: str) -> None:
        nonlocal loaded
        if operation == "loaded" and not everyone.is_set():
            loaded += 1
            if loaded == count:
                everyone.set()
            await everyone.wait()

    return hook


async def ten_concurrent_increments(
    make_client: ClientFactory, backend: Backend, config: SessionConfig
) -> tuple[str, list[tuple[int, str]]]:
    first = await (await make_client(increment, config=config)).get("/")
    session_id = session_id_of(first)
    client = await make_client(
        increment,
        env=controlled_env(backend, gate_until_all_loaded(10)),
        config=config,
        before=[conflicts_as_409],
        connector=TCPConnector(limit=0),
    )
    async with asyncio.timeout(30):
        responses = await asyncio.gather(
            *(client.get("/", headers=cookie_header(session_id)) for _ in range(10))
        )
    return session_id, [(response.status, await response.text()) for response in responses]


async def test_concurrent_increments_keep_the_seeds_last_writer_wins_by_default(
    make_client: ClientFactory, backend: Backend
) -> None:
    session_id, outcomes = await ten_concurrent_increments(make_client, backend, backend.config)
    assert outcomes == [(200, "2")] * 10  # every request read 1: nine updates are lost
    assert await backend.stored_json(session_id) == {"n": 2}


@pytest.mark.parametrize("backend", ["d1"], indirect=True)
async def test_with_conflict_detection_lost_updates_raise_instead(
    make_client: ClientFactory, backend: Backend
) -> None:
    config = backend.config.detect_conflicts()
    session_id, outcomes = await ten_concurrent_increments(make_client, backend, config)
    assert sorted(outcomes) == [(200, "2")] + [(409, CONFLICT)] * 9
    assert await backend.stored_json(session_id) == {"n": 2}
    retry = await (await make_client(increment, config=config)).get(
        "/", headers=cookie_header(session_id)
    )
    assert (retry.status, await retry.text()) == (200, "3")


@pytest.mark.parametrize("backend", ["d1"], indirect=True)
async def test_with_conflict_detection_a_save_after_a_logout_raises(
    make_client: ClientFactory, backend: Backend
) -> None:
    config = backend.config.detect_conflicts()
    session_id = session_id_of(await (await make_client(login, config=config)).get("/"))
    gate = HoldFirstFlush()
    status, cookies, _ = await in_flight_against(
        make_client, backend, session_id, logout, gate, config=config
    )
    assert (status, cookies) == (409, [])
    assert await backend.stored(session_id) is None


def test_conflict_detection_is_refused_on_kv_when_the_config_is_built() -> None:
    with pytest.raises(CfArgumentError) as caught:
        SessionConfig.kv("SESSIONS").detect_conflicts()
    assert str(caught.value) == (
        "detect_conflicts() needs a D1 session config: KV has no compare-and-set, so a "
        "concurrent save cannot be detected"
    )


def test_conflict_detection_is_opt_in_and_a_session_error() -> None:
    assert SessionConfig.d1("DB", TABLE).detects_conflicts is False
    assert SessionConfig.d1("DB", TABLE).detect_conflicts().detects_conflicts is True
    assert issubclass(SessionConflictError, SessionError)
    with pytest.raises(CfArgumentError) as caught:
        SessionConfig.d1("DB", TABLE).detect_conflicts("yes")  # type: ignore[arg-type]
    assert str(caught.value) == "detect_conflicts() takes True or False, got 'yes'"
