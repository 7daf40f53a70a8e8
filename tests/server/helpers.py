"""Shared helpers for the server tests: a live server in a thread, and direct core calls."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from emulator.server.cli import start_server
from emulator.server.envelope import ApiRequest, ApiResponse
from emulator.server.rest import RestApi

# 2027-01-15T08:00:00Z: recent, and far from the int32 limit of absolute expirations.
START = 1_800_000_000
ACCOUNT = "test-account"
TOKEN = "test-token"
KV_BASE = f"/client/v4/accounts/{ACCOUNT}/storage/kv/namespaces"
D1_BASE = f"/client/v4/accounts/{ACCOUNT}/d1/database"


class LiveServer:
    """An aiohttp app served on 127.0.0.1, port 0, from its own thread and event loop.

    The sync SDK blocks the thread that calls it, so the server cannot share the test's
    loop. Readiness is an event set once the socket listens: no sleeping.
    """

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="live-server", daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._error is not None:
            raise self._error
        assert self.url, "the server did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        stop = self._stop
        assert stop is not None
        self._loop.call_soon_threadsafe(stop.set)
        self._thread.join(timeout=30)
        self._loop.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        try:
            runner, self.url = await start_server(self.app, "127.0.0.1", 0)
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            raise
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()


def call(
    api: RestApi,
    method: str,
    target: str,
    body: bytes | str | Any = b"",
    headers: Mapping[str, str] | None = None,
) -> ApiResponse:
    """Send one request straight to the transport-free core (JSON-encodes non-bytes)."""
    all_headers = dict(headers or {})
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):
        body = json.dumps(body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    return api.handle_sync(ApiRequest(method, target, all_headers, body))


def error_of(response: ApiResponse) -> tuple[int, int, str]:
    """(status, code, message) of an error envelope, checking its shape on the way."""
    payload = response.json()
    assert payload["success"] is False
    assert payload["messages"] == []
    assert payload["result"] is None
    [error] = payload["errors"]
    return response.status, error["code"], error["message"]
