"""Streamed and WebSocket responses: the session is saved before the headers go out, or
the request fails cleanly, never with a half-written response or a silent loss.

With ``handler.setup(app)`` the save runs inside ``prepare()``; a backend that fails
there must still leave a well-formed HTTP response on the wire. The bytes are read from a
raw socket, so a response framed twice (``Content-Length`` and a chunked body) would show.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request
from aiohttp.typedefs import Handler as RequestHandler
from aiohttp.typedefs import Middleware

from emulator import cf
from emulator.session import Handler, SessionError
from tests.session.conftest import ClientFactory
from tests.session.helpers import Backend, controlled_env, cookie_header, session_id_of, set_cookies

FAILED_500 = b"500 Internal Server Error\n\nServer got itself in trouble"
PREPARED_ADVICE = (
    "cannot send the session cookie or the cookies set with cf.set_cookie(): the response "
    "was prepared (streamed) before the session middleware could add them, and aiohttp "
    "gives a bare middleware no hook at prepare time; install the session middleware with "
    "handler.setup(app) instead of middlewares=[handler.middleware], so the session is "
    "saved and its cookies added when the response is prepared"
)
WS_HEADERS = (
    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)


def request_finished() -> tuple[Middleware, asyncio.Event]:
    """An outer middleware whose event is set once the session middleware has finished.

    With a bare middleware the session is saved after the handler returns, which is after a
    streamed body reached the client: wait for the event before reading the backend.
    """
    finished = asyncio.Event()

    @web.middleware
    async def outer(request: web.Request, handler: RequestHandler) -> web.StreamResponse:
        try:
            return await handler(request)
        finally:
            finished.set()

    return outer, finished


async def fail_saves(operation: str) -> None:
    if operation == "save":
        raise RuntimeError("backend down")


def streaming(
    framing: Callable[[web.StreamResponse], None],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A handler that stores a value, then streams a body framed by ``framing``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        (await cf.session()).set("user", "ada")
        response = web.StreamResponse()
        framing(response)
        await response.prepare(request)
        await response.write(b"streamed body")
        await response.write_eof()
        return response

    return handler


def fixed_length(response: web.StreamResponse) -> None:
    response.content_length = 13


def gzipped(response: web.StreamResponse) -> None:
    response.enable_compression(web.ContentCoding.gzip)


chunked_stream = streaming(lambda response: None)


async def websocket(request: web.Request) -> web.StreamResponse:
    (await cf.session()).set("user", "ada")
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_str("hello")
    await ws.close()
    return ws


async def raw_exchange(client: TestClient[web.Request, web.Application], extra: str = "") -> bytes:
    """Send one HTTP/1.1 request on a raw keep-alive socket; read until the server closes."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(f"GET / HTTP/1.1\r\nHost: test\r\n{extra}\r\n".encode())
    await writer.drain()
    async with asyncio.timeout(10):  # a connection left open fails here
        data = await reader.read()
    writer.close()
    return data


def parse_one_response(data: bytes) -> tuple[bytes, dict[str, str], bytes]:
    """Status line, headers and body of exactly one well-formed HTTP/1.1 response."""
    head, _, rest = data.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        assert name.lower() not in headers, f"repeated {name}"
        headers[name.lower()] = value.strip()
    assert not ("content-length" in headers and "transfer-encoding" in headers), headers
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line, 16)
            chunk, rest = rest[:size], rest[size:]
            assert rest[:2] == b"\r\n"
            rest = rest[2:]
            if size == 0:
                break
            body += chunk
    else:
        length = int(headers["content-length"])
        body, rest = rest[:length], rest[length:]
    assert rest == b"", f"bytes after the response: {rest!r}"
    if headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return status.encode(), headers, body


@pytest.mark.parametrize(
    ("handler", "extra"),
    [
        (chunked_stream, ""),
        (streaming(fixed_length), ""),
        (streaming(gzipped), "Accept-Encoding: gzip\r\n"),
        (websocket, WS_HEADERS),
    ],
    ids=["chunked", "content-length", "gzip", "websocket"],
)
async def test_with_setup_a_save_failing_inside_prepare_gives_a_well_formed_500(
    make_client: ClientFactory,
    backend: Backend,
    caplog: pytest.LogCaptureFixture,
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    extra: str,
) -> None:
    client = await make_client(handler, env=controlled_env(backend, fail_saves), setup=True)
    with caplog.at_level(logging.ERROR, logger="aiohttp.server"):
        status, headers, body = parse_one_response(await raw_exchange(client, extra))
    assert status == b"HTTP/1.1 500 Internal Server Error"
    assert body == FAILED_500  # nothing of the handler's stream
    assert headers["connection"] == "close"
    assert "set-cookie" not in headers
    errors = [record for record in caplog.records if record.exc_info]
    assert [str(record.exc_info[1]) for record in errors if record.exc_info] == [
        "session save failed: backend down"
    ]


async def test_with_setup_the_server_keeps_serving_after_a_failed_save_inside_prepare(
    make_client: ClientFactory, backend: Backend
) -> None:
    failing = True

    async def hook(operation: str) -> None:
        if failing and operation == "save":
            raise RuntimeError("backend down")

    client = await make_client(chunked_stream, env=controlled_env(backend, hook), setup=True)
    assert (await client.get("/")).status == 500
    failing = False
    response = await client.get("/")
    assert (response.status, await response.text()) == (200, "streamed body")
    assert await backend.stored_json(session_id_of(response)) == {"user": "ada"}


# -- the bare middleware: aiohttp gives it no hook at prepare time ----------------------------


async def test_bare_middleware_saves_changes_to_an_existing_session_made_before_streaming(
    make_client: ClientFactory, backend: Backend
) -> None:
    async def login(request: web.Request) -> web.Response:
        (await cf.session()).set("user", "ada")
        return web.Response()

    session_id = session_id_of(await (await make_client(login)).get("/"))

    async def stream(request: web.Request) -> web.StreamResponse:
        (await cf.session()).set("cart", [1, 2])
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(b"streamed body")
        await response.write_eof()
        return response

    outer, finished = request_finished()
    client = await make_client(stream, before=[outer])
    response = await client.get("/", headers=cookie_header(session_id))
    assert (response.status, await response.text()) == (200, "streamed body")
    assert set_cookies(response) == []  # the id is unchanged: nothing to send
    await finished.wait()
    assert await backend.stored_json(session_id) == {"user": "ada", "cart": [1, 2]}


async def test_bare_middleware_streams_for_a_new_visitor_who_only_read_the_session(
    make_client: ClientFactory, backend: Backend
) -> None:
    async def stream(request: web.Request) -> web.StreamResponse:
        user = (await cf.session()).get("user")
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(f"user={user}".encode())
        await response.write_eof()
        return response

    outer, finished = request_finished()
    response = await (await make_client(stream, before=[outer])).get("/")
    assert (response.status, await response.text()) == (200, "user=None")
    assert set_cookies(response) == []
    await finished.wait()
    assert await backend.stored_json("any") is None
    if backend.kind == "kv":
        assert (await backend.binding.list()).keys == []
    else:
        count = await backend.binding.prepare("SELECT count(*) AS n FROM sessions").first()
        assert count["n"] == 0


def streaming_after(change: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A handler that makes ``change`` (each needs a header), then streams."""

    async def handler(request: web.Request) -> web.StreamResponse:
        session = await cf.session()
        if change == "set":
            session.set("user", "bob")
        elif change == "set_cookie":
            cf.set_cookie("theme", "dark", 60)
        else:
            getattr(session, change)()
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write_eof()
        return response

    return handler


@pytest.mark.parametrize("change", ["set", "regenerate", "destroy", "set_cookie"])
async def test_bare_middleware_refuses_what_needs_a_header_and_writes_nothing(
    backend: Backend, change: str
) -> None:
    await backend.write_raw("3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b", '{"user":"ada"}')
    middleware = Handler(backend.emulator.env).session(backend.config).middleware
    headers = cookie_header("3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b")
    new_visitor = change == "set"
    request = make_mocked_request("GET", "/", headers={} if new_visitor else headers)

    with pytest.raises(SessionError) as caught:
        await middleware(request, streaming_after(change))
    assert str(caught.value) == PREPARED_ADVICE
    assert await backend.stored_json("3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b") == {"user": "ada"}


@pytest.mark.parametrize("change", ["set", "regenerate", "destroy", "set_cookie"])
async def test_the_advice_works_with_setup_the_same_streamed_handler_sends_its_headers(
    make_client: ClientFactory, backend: Backend, change: str
) -> None:
    await backend.write_raw("3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b", '{"user":"ada"}')

    client = await make_client(streaming_after(change), setup=True)
    response = await client.get("/", headers=cookie_header("3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b"))
    assert response.status == 200
    lines = set_cookies(response)
    if change == "set_cookie":
        assert lines == ["theme=dark; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=60"]
    elif change == "destroy":
        assert lines == ["__session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"]
        assert await backend.stored("3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b") is None
    else:
        session_id = session_id_of(response)
        assert lines == [
            f"__session={session_id}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=86400"
        ]
        expected = {"user": "bob"} if change == "set" else {"user": "ada"}
        assert await backend.stored_json(session_id) == expected
