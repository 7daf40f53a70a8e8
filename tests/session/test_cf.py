"""``emulator.cf``: the seed's ``cf::`` helpers, bound to the request being handled."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web

from emulator import cf
from tests.session.conftest import ClientFactory
from tests.session.helpers import Backend, set_cookies


@pytest.mark.parametrize(
    ("helper", "call"),
    [
        ("cookie", lambda: cf.cookie("x")),
        ("set_cookie", lambda: cf.set_cookie("x", "1", 60)),
        ("clear_cookie", lambda: cf.clear_cookie("x")),
        ("env", cf.env),
        ("kv", lambda: cf.kv("SESSIONS")),
        ("d1", lambda: cf.d1("DB")),
    ],
)
def test_helpers_outside_a_request_raise_cf_error_naming_themselves(
    helper: str, call: Callable[[], Any]
) -> None:
    with pytest.raises(cf.CfError) as caught:
        call()
    assert str(caught.value) == (
        f"cf.{helper}() called outside a request — "
        "add Handler(env).middleware to your aiohttp application's middlewares"
    )


async def test_session_outside_a_request_raises_cf_error() -> None:
    with pytest.raises(cf.CfError) as caught:
        await cf.session()
    assert str(caught.value) == (
        "cf.session() called outside a request — "
        "add Handler(env).middleware to your aiohttp application's middlewares"
    )


async def test_cookie_returns_the_first_value_or_none(make_client: ClientFactory) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response([cf.cookie("theme"), cf.cookie("missing"), cf.cookie("q")])

    client = await make_client(handler, with_session=False)
    response = await client.get("/", headers={"Cookie": 'theme=dark; theme=light; q="x"'})
    assert await response.json() == ["dark", None, "x"]


async def test_set_and_clear_cookie_are_sent_in_order_before_the_session_cookie(
    make_client: ClientFactory,
) -> None:
    async def handler(request: web.Request) -> web.Response:
        cf.set_cookie("theme", "dark", 3600)
        cf.clear_cookie("old")
        await cf.session()
        return web.Response()

    response = await (await make_client(handler)).get("/")
    lines = set_cookies(response)
    assert lines[:2] == [
        "theme=dark; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=3600",
        "old=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0",
    ]
    assert lines[2].startswith("__session=")
    assert len(lines) == 3


async def test_set_cookie_refuses_header_injection(make_client: ClientFactory) -> None:
    async def handler(request: web.Request) -> web.Response:
        try:
            cf.set_cookie("theme", "dark\r\nSet-Cookie: admin=1", 60)
        except cf.CfArgumentError as error:
            return web.Response(text=str(error))
        return web.Response(text="sent")

    response = await (await make_client(handler, with_session=False)).get("/")
    assert await response.text() == (
        "invalid cookie value 'dark\\r\\nSet-Cookie: admin=1': use printable ASCII without "
        "spaces, '\"', ',', ';' or '\\' (RFC 6265 cookie-octets)"
    )
    assert set_cookies(response) == []


@pytest.mark.parametrize(
    "make_env",
    [
        lambda binding: {"SESSIONS": binding},
        lambda binding: SimpleNamespace(SESSIONS=binding),
    ],
    ids=["item access", "attribute access"],
)
async def test_bindings_come_from_env_by_attribute_or_item(
    make_client: ClientFactory, make_env: Callable[[Any], Any]
) -> None:
    binding = object()
    env = make_env(binding)

    async def handler(request: web.Request) -> web.Response:
        return web.json_response(
            [cf.kv("SESSIONS") is binding, cf.d1("SESSIONS") is binding, cf.env() is env]
        )

    response = await (await make_client(handler, env=env, with_session=False)).get("/")
    assert await response.json() == [True, True, True]


async def test_a_missing_binding_raises_cf_error(
    make_client: ClientFactory, backend: Backend
) -> None:
    async def handler(request: web.Request) -> web.Response:
        try:
            cf.d1("NOPE")
        except cf.CfError as error:
            return web.Response(text=str(error))
        return web.Response(text="found")

    response = await (await make_client(handler)).get("/")
    assert await response.text() == "no binding named 'NOPE' in env"
