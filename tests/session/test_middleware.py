"""The aiohttp side: exceptions, composition, streamed responses, typed app/request keys."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import make_mocked_request
from aiohttp.typedefs import Handler as AiohttpHandler

from emulator import cf
from emulator.session import CfError, Handler, SessionConfig, SessionError
from tests.session.conftest import ClientFactory
from tests.session.helpers import Backend, cookie_header, parsed_cookie, session_id_of, set_cookies
from tests.session.test_streaming import PREPARED_ADVICE


async def set_user(request: web.Request) -> web.Response:
    (await cf.session()).set("user", request.query.get("user", "ada"))
    return web.Response(text="ok")


async def count_records(backend: Backend) -> int:
    if backend.kind == "kv":
        return len((await backend.binding.list(prefix="session:")).keys)
    row = await backend.binding.prepare("SELECT count(*) AS n FROM sessions").first()
    return int(row["n"])


# -- exceptions ---------------------------------------------------------------------------------


async def test_a_raised_http_exception_still_flushes_and_carries_the_cookie(
    make_client: ClientFactory, backend: Backend
) -> None:
    async def login(request: web.Request) -> web.Response:
        session = await cf.session()
        session.regenerate()
        session.set("user", "ada")
        cf.set_cookie("flash", "welcome", 60)
        raise web.HTTPFound("/home")

    client = await make_client(login)
    response = await client.get("/login", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/home"
    session_id = session_id_of(response)
    assert set_cookies(response) == [
        "flash=welcome; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=60",
        f"__session={session_id}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=86400",
    ]
    assert await backend.stored_json(session_id) == {"user": "ada"}


async def test_an_http_error_exception_still_flushes_a_destroy(
    make_client: ClientFactory, backend: Backend
) -> None:
    session_id = session_id_of(await (await make_client(set_user)).get("/"))

    async def logout_then_404(request: web.Request) -> web.Response:
        (await cf.session()).destroy()
        raise web.HTTPNotFound(text="gone")

    response = await (await make_client(logout_then_404)).get(
        "/", headers=cookie_header(session_id)
    )
    assert (response.status, await response.text()) == (404, "gone")
    assert set_cookies(response) == [
        "__session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"
    ]
    assert await backend.stored(session_id) is None


async def test_any_other_exception_discards_the_sessions_changes(
    make_client: ClientFactory, backend: Backend
) -> None:
    async def broken(request: web.Request) -> web.Response:
        (await cf.session()).set("user", "ada")
        cf.set_cookie("x", "1", 60)
        raise ValueError("boom")

    response = await (await make_client(broken)).get("/")
    assert response.status == 500
    assert set_cookies(response) == []
    assert await count_records(backend) == 0


# -- composition --------------------------------------------------------------------------------


@web.middleware
async def outer_header(request: web.Request, handler: AiohttpHandler) -> web.StreamResponse:
    # Runs outside the session middleware: it sees the final Set-Cookie lines.
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        mark(exc)
        raise
    mark(response)
    return response


def mark(response: web.StreamResponse) -> None:
    response.headers["X-Outer"] = "1"
    response.headers["X-Outer-Saw-Cookie"] = str(bool(response.headers.getall("Set-Cookie", [])))


@web.middleware
async def inner_auth(request: web.Request, handler: AiohttpHandler) -> web.StreamResponse:
    # Inside the session middleware, so the cf helpers work here too.
    session = await cf.session()
    if request.path == "/private" and session.get("user") is None:
        raise web.HTTPForbidden(text="log in first")
    return await handler(request)


async def test_it_composes_with_middlewares_before_and_after_it(make_client: ClientFactory) -> None:
    async def home(request: web.Request) -> web.Response:
        session = await cf.session()
        if request.path == "/login":
            session.set("user", "ada")
        return web.Response(text=str(session.get("user")))

    client = await make_client(home, before=[outer_header], after=[inner_auth])
    denied = await client.get("/private")
    assert (denied.status, await denied.text()) == (403, "log in first")
    assert denied.headers["X-Outer"] == "1"
    assert denied.headers["X-Outer-Saw-Cookie"] == "True"  # the new session's cookie
    login = await client.get("/login")
    session_id = session_id_of(login)
    allowed = await client.get("/private", headers=cookie_header(session_id))
    assert (allowed.status, await allowed.text()) == (200, "ada")
    assert allowed.headers["X-Outer-Saw-Cookie"] == "False"  # clean session: no cookie


async def test_cf_helpers_outside_the_middleware_raise_an_instructive_error(
    make_client: ClientFactory,
) -> None:
    seen: list[str] = []

    @web.middleware
    async def too_early(request: web.Request, handler: AiohttpHandler) -> web.StreamResponse:
        try:
            cf.cookie("x")
        except CfError as error:
            seen.append(str(error))
        return await handler(request)

    async def handler(request: web.Request) -> web.Response:
        return web.Response()

    await (await make_client(handler, before=[too_early])).get("/")
    assert seen == [
        "cf.cookie() called outside a request — "
        "add Handler(env).middleware to your aiohttp application's middlewares"
    ]


async def test_a_sub_application_can_have_its_own_session_config(backend: Backend) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    outer = Handler(backend.emulator.env).session(backend.config.cookie_name("outer"))
    inner = Handler(backend.emulator.env).session(backend.config.cookie_name("inner"))
    app = web.Application(middlewares=[outer.middleware])
    admin = web.Application(middlewares=[inner.middleware])
    admin.router.add_get("/", set_user)
    app.add_subapp("/admin", admin)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/admin/")
        assert parsed_cookie(response, "inner") is not None
        assert parsed_cookie(response, "outer") is None


# -- prepared (streamed) responses -----------------------------------------------------------------


async def streamed(request: web.Request) -> web.StreamResponse:
    session = await cf.session()
    session.set("user", "ada")
    response = web.StreamResponse()
    await response.prepare(request)
    notes = []
    try:
        session.set("late", 1)
    except SessionError as error:
        notes.append(str(error))
    try:
        cf.set_cookie("late", "1", 60)
    except CfError as error:
        notes.append(str(error))
    await response.write("|".join(notes).encode())
    await response.write_eof()
    return response


async def test_with_setup_a_streamed_response_gets_the_cookie_when_prepared(
    make_client: ClientFactory, backend: Backend
) -> None:
    client = await make_client(streamed, setup=True)
    response = await client.get("/")
    session_id = session_id_of(response)
    assert await response.text() == (
        "session not loaded: this request's session was already flushed when its response "
        "was prepared|cf.set_cookie() called after the response was prepared: its headers "
        "are already sent"
    )
    assert await backend.stored_json(session_id) == {"user": "ada"}


async def test_without_setup_a_prepared_response_with_pending_cookies_raises() -> None:
    middleware = Handler({}).middleware
    request = make_mocked_request("GET", "/")

    async def handler(request: web.Request) -> web.StreamResponse:
        cf.set_cookie("theme", "dark", 60)
        response = web.StreamResponse()
        await response.prepare(request)
        return response

    with pytest.raises(SessionError) as caught:
        await middleware(request, handler)
    assert str(caught.value) == PREPARED_ADVICE


async def test_without_setup_a_prepared_response_with_a_clean_session_is_fine(
    make_client: ClientFactory,
) -> None:
    session_id = session_id_of(await (await make_client(set_user)).get("/"))

    async def read_then_stream(request: web.Request) -> web.StreamResponse:
        user = (await cf.session()).get("user")
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(str(user).encode())
        await response.write_eof()
        return response

    client = await make_client(read_then_stream)
    response = await client.get("/", headers=cookie_header(session_id))
    assert (response.status, await response.text()) == (200, "ada")


async def test_with_setup_a_websocket_handshake_carries_a_new_sessions_cookie(
    make_client: ClientFactory, backend: Backend
) -> None:
    async def socket(request: web.Request) -> web.WebSocketResponse:
        session = await cf.session()
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"new": session.is_new()})
        await ws.close()
        return ws

    client = await make_client(socket, setup=True)
    async with client.ws_connect("/") as ws:
        message = await ws.receive()
        assert message.type == WSMsgType.TEXT
        assert message.json() == {"new": True}
    assert await count_records(backend) == 1


def test_setup_twice_on_one_app_is_refused(backend: Backend) -> None:
    app = web.Application()
    handler = Handler(backend.emulator.env).session(backend.config)
    handler.setup(app)
    with pytest.raises(CfError) as caught:
        handler.setup(app)
    assert str(caught.value) == "this application already has a session Handler set up"
    assert app.middlewares == [handler.middleware] or list(app.middlewares) == [handler.middleware]


# -- typed keys ---------------------------------------------------------------------------------


async def test_state_on_the_app_and_request_uses_typed_keys(
    make_client: ClientFactory, backend: Backend
) -> None:
    async def handler(request: web.Request) -> web.Response:
        await cf.session()
        keys: list[Any] = list(request)
        return web.json_response(
            {
                "request": [isinstance(key, web.RequestKey) for key in keys],
                "app": [isinstance(key, web.AppKey) for key in request.app],
            }
        )

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client = await make_client(handler, setup=True)
        body = await (await client.get("/")).json()
    assert body["request"] == [True]
    assert body["app"] == [True]


def test_handler_refuses_a_config_of_another_type() -> None:
    with pytest.raises(TypeError) as caught:
        Handler({}).session({"binding": "SESSIONS"})  # type: ignore[arg-type]
    assert str(caught.value) == "expected a SessionConfig, got dict"


def test_handler_repr_names_env_and_config() -> None:
    assert repr(Handler("env", SessionConfig.kv("S"))) == (
        "Handler('env', SessionConfig(backend=KVBackend(binding='S'), "
        "session_cookie=SessionCookie(name='__session', domain=None, path='/', secure=True, "
        "same_site='Strict', http_only=True), max_age_secs=86400, saves_new_empty=True, "
        "detects_conflicts=False))"
    )
