"""``cf_client``: test clients of an app wired to ``cf_env`` and the session middleware.

Every test here that uses ``cf_client`` runs once per session backend (``[kv]``, ``[d1]``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from emulator import Emulator, Env, cf
from emulator.session import CfError, Handler, SessionConfig
from emulator.session import constants as session_constants
from pytest_plugin import ClientFactory, EmulatorCookieJar, TimeTravel

ClientMaker = Callable[..., Any]


async def counter(request: web.Request) -> web.Response:
    """Count this user's requests in their session."""
    session = await cf.session()
    count = (session.get("count", type=int) or 0) + 1
    session.set("count", count)
    return web.json_response({"count": count, "new": session.is_new()})


async def logout(request: web.Request) -> web.Response:
    (await cf.session()).destroy()
    return web.json_response({"bye": True})


def counter_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/count", counter)
    app.router.add_post("/logout", logout)
    return app


async def count(client: TestClient[web.Request, web.Application]) -> int:
    response = await client.get("/count")
    assert response.status == 200
    body = await response.json()
    return int(body["count"])


async def test_each_backend_gets_its_own_run(cf_session_backend: str, request: Any) -> None:
    assert request.node.name.endswith(f"[{cf_session_backend}]")


async def test_cf_session_config_matches_the_backend(
    cf_session_backend: str, cf_session_config: SessionConfig
) -> None:
    expected = (
        SessionConfig.kv("SESSIONS")
        if cf_session_backend == "kv"
        else SessionConfig.d1("DB", "sessions")
    )
    assert cf_session_config == expected


async def test_the_d1_session_table_exists_for_d1(
    cf_session_backend: str, cf_session_config: SessionConfig, cf_emulator: Emulator
) -> None:
    tables = (
        await cf_emulator.d1("DB")
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sessions'")
        .raw()
    )
    assert tables == ([["sessions"]] if cf_session_backend == "d1" else [])


async def test_a_bare_handler_is_served_on_every_path_and_method(
    cf_client: ClientFactory,
) -> None:
    async def echo(request: web.Request) -> web.Response:
        return web.Response(text=f"{request.method} {request.path}")

    client = await cf_client(echo)
    for method, path in [("GET", "/"), ("POST", "/a/b"), ("DELETE", "/x")]:
        response = await client.request(method, path)
        assert await response.text() == f"{method} {path}"


async def test_handlers_see_cf_env_through_the_cf_helpers(
    cf_client: ClientFactory, cf_env: Env
) -> None:
    seen: dict[str, object] = {}

    async def handler(request: web.Request) -> web.Response:
        seen["env"] = cf.env()
        seen["kv"] = cf.kv("SESSIONS")
        seen["d1"] = cf.d1("DB")
        return web.Response()

    client = await cf_client(handler)
    await client.get("/")
    assert seen == {"env": cf_env, "kv": cf_env.SESSIONS, "d1": cf_env.DB}


async def test_the_session_lives_in_the_backend_behind_a_secure_cookie(
    cf_client: ClientFactory,
    cf_cookies: EmulatorCookieJar,
    cf_session_backend: str,
    cf_emulator: Emulator,
) -> None:
    client = await cf_client(counter_app())
    assert [await count(client) for _ in range(3)] == [1, 2, 3]

    cookie = cf_cookies.get(session_constants.DEFAULT_COOKIE_NAME)
    assert cookie is not None
    assert (cookie.secure, cookie.http_only, cookie.same_site, cookie.path) == (
        True,
        True,
        "Strict",
        "/",
    )
    assert cookie.max_age == session_constants.DEFAULT_MAX_AGE
    key = session_constants.SESSION_KEY.format(id=cookie.value)
    if cf_session_backend == "kv":
        stored = await cf_emulator.kv("SESSIONS").get(key, type="json")
    else:
        row = (
            await cf_emulator.d1("DB")
            .prepare("SELECT data FROM sessions WHERE id = ?")
            .bind(key)
            .first("data")
        )
        stored = None if row is None else json.loads(row)
    assert stored == {"count": 3}


@pytest.mark.cf_time("2030-01-01T00:00:00Z")
async def test_the_session_expires_after_max_age_without_sleeping(
    cf_client: ClientFactory, cf_session_config: SessionConfig, cf_time: TimeTravel
) -> None:
    client = await cf_client(counter_app(), session=cf_session_config.max_age(120))
    assert await count(client) == 1
    cf_time.shift(119)
    assert await count(client) == 2  # saved again: the max age starts over
    cf_time.shift(119)
    assert await count(client) == 3
    cf_time.shift(120)
    assert await count(client) == 1  # gone from the jar and from the backend


@pytest.mark.cf_time("2030-01-01T00:00:00Z")
async def test_the_backend_expires_the_session_even_if_the_cookie_survives(
    cf_client: ClientFactory,
    cf_session_config: SessionConfig,
    cf_time: TimeTravel,
    cf_cookies: EmulatorCookieJar,
) -> None:
    short = cf_session_config.max_age(60)
    client = await cf_client(counter_app(), session=short)
    assert await count(client) == 1
    cookie = cf_cookies.get("__session")
    assert cookie is not None
    cf_time.shift(60)
    # Send the old id anyway (a client that ignores Max-Age): the backend refuses it too.
    response = await client.get("/count", cookies={"__session": cookie.value})
    assert await response.json() == {"count": 1, "new": True}


async def test_logout_deletes_the_session_and_its_cookie(
    cf_client: ClientFactory, cf_cookies: EmulatorCookieJar
) -> None:
    client = await cf_client(counter_app())
    assert await count(client) == 1
    assert "__session" in cf_cookies
    response = await client.post("/logout")
    assert response.status == 200
    assert cf_cookies.get("__session") is None
    assert await count(client) == 1


async def test_two_users_with_their_own_jars_have_separate_sessions(
    cf_client: ClientFactory,
    cf_cookies: EmulatorCookieJar,
    cf_cookie_jar_factory: Callable[[], EmulatorCookieJar],
) -> None:
    bob_jar = cf_cookie_jar_factory()
    ada = await cf_client(counter_app())
    bob = await cf_client(counter_app(), jar=bob_jar)
    assert [await count(ada), await count(ada), await count(bob)] == [1, 2, 1]
    ada_cookie, bob_cookie = cf_cookies.get("__session"), bob_jar.get("__session")
    assert ada_cookie is not None
    assert bob_cookie is not None
    assert ada_cookie.value != bob_cookie.value


@pytest.mark.cf_time("2030-01-01T00:00:00Z")
async def test_asyncio_sleep_in_a_handler_works_while_time_is_frozen(
    cf_client: ClientFactory, cf_time: TimeTravel
) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.001)
        session = await cf.session()
        session.set("at", time.time())
        return web.json_response({"at": time.time()})

    client = await cf_client(slow)
    response = await client.get("/")
    assert await response.json() == {"at": cf_time.now()}


async def test_an_app_with_its_own_session_handler_is_served_as_it_is(
    cf_client: ClientFactory, cf_env: Env, cf_session_config: SessionConfig
) -> None:
    app = counter_app()
    Handler(cf_env).session(cf_session_config.cookie_name("sid")).setup(app)
    client = await cf_client(app)
    assert await count(client) == 1
    assert client.session.cookie_jar.filter_cookies(client.make_url("/")).keys() == {"sid"}


async def test_session_cannot_override_an_app_that_has_its_own_handler(
    cf_client: ClientFactory, cf_env: Env, cf_session_config: SessionConfig
) -> None:
    app = counter_app()
    Handler(cf_env).session(cf_session_config).setup(app)
    with pytest.raises(CfError) as caught:
        await cf_client(app, session=cf_session_config.max_age(3600))
    assert str(caught.value) == (
        f"{session_constants.ALREADY_SET_UP}: cf_client(session=...) cannot replace it; "
        "build the app without Handler.setup() and let cf_client install the session "
        "middleware"
    )


@pytest.mark.parametrize("app", [None, "app", web.Response()])
async def test_cf_client_takes_an_app_or_a_handler_function(
    cf_client: ClientFactory, app: object
) -> None:
    with pytest.raises(TypeError) as caught:
        await cf_client(app)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "cf_client() takes an aiohttp web.Application or an async handler function "
        f"(request -> response), got {type(app).__name__}"
    )


async def test_cf_client_works_next_to_pytest_aiohttp(
    cf_client: ClientFactory, aiohttp_client: ClientMaker
) -> None:
    plain = await aiohttp_client(counter_app())
    wired = await cf_client(counter_app())
    assert await count(wired) == 1
    # Without the session middleware, cf.session() has no config: a 500.
    response = await plain.get("/count")
    assert response.status == 500


async def test_close_closes_every_client(
    cf_env: Env, cf_session_config: SessionConfig, cf_cookies: EmulatorCookieJar
) -> None:
    factory = ClientFactory(cf_env, cf_session_config, cf_cookies)
    first = await factory(counter_app())
    second = await factory(counter_app())
    await factory.close()
    assert first.session.closed
    assert second.session.closed
