"""The aiohttp adapter: body cap before reading, raw paths, one error middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from emulator import Emulator
from emulator.server import create_app
from emulator.server.app import REST_API
from tests.server.helpers import KV_BASE

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


async def error_of(response: Any) -> tuple[int, int, str]:
    payload = await response.json()
    assert payload["success"] is False
    [error] = payload["errors"]
    return response.status, error["code"], error["message"]


@pytest.fixture
async def small(aiohttp_client: ClientFactory, emu: Emulator) -> TestClient[Any, Any]:
    """A client of an app whose bodies are capped at 100 bytes."""
    return await aiohttp_client(create_app(emu, max_body_size=100))


async def test_a_declared_length_over_the_cap_is_413_before_reading(
    small: TestClient[Any, Any], emu: Emulator
) -> None:
    kv = emu.kv("SESSIONS")
    response = await small.put(f"{KV_BASE}/{kv.id}/values/k", data=b"x" * 101)
    assert await error_of(response) == (413, 10001, "Request body exceeds the limit of 100 bytes")
    assert kv.snapshot() == {}


async def test_a_chunked_body_over_the_cap_is_413_too(
    small: TestClient[Any, Any], emu: Emulator
) -> None:
    kv = emu.kv("SESSIONS")

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"x" * 50

    response = await small.put(f"{KV_BASE}/{kv.id}/values/k", data=chunks())
    assert await error_of(response) == (413, 10001, "Request body exceeds the limit of 100 bytes")
    assert kv.snapshot() == {}


async def test_a_body_at_the_cap_is_stored(small: TestClient[Any, Any], emu: Emulator) -> None:
    kv = emu.kv("SESSIONS")
    response = await small.put(f"{KV_BASE}/{kv.id}/values/k", data=b"x" * 100)
    assert response.status == 200
    assert kv.entry("k") is not None


async def test_percent_encoded_slashes_reach_the_core_raw(
    small: TestClient[Any, Any], emu: Emulator
) -> None:
    kv = emu.kv("SESSIONS")
    await small.put(f"{KV_BASE}/{kv.id}/values/a%2Fb%3Fc%25", data=b"v")
    assert list(kv.snapshot()) == ["a/b?c%"]
    response = await small.get(f"{KV_BASE}/{kv.id}/keys?prefix=a%2F")
    assert [k["name"] for k in (await response.json())["result"]] == ["a/b?c%"]


async def test_unknown_routes_get_the_envelope_over_http(small: TestClient[Any, Any]) -> None:
    response = await small.get("/favicon.ico")
    assert await error_of(response) == (404, 7000, "No route for that URI")


async def test_head_over_http_has_headers_and_no_body(small: TestClient[Any, Any]) -> None:
    response = await small.head(KV_BASE)
    assert response.status == 200
    assert await response.read() == b""


async def test_an_unexpected_failure_is_a_500_envelope_without_traceback(
    aiohttp_client: ClientFactory, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(emu)

    async def broken(request: object) -> object:
        raise RuntimeError("internal detail")

    monkeypatch.setattr(app[REST_API], "handle", broken)
    client = await aiohttp_client(app)
    response = await client.get(KV_BASE)
    assert await error_of(response) == (500, 10002, "Internal error")
    assert "internal detail" not in await response.text()
