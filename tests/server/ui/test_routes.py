"""The page and its files: served at / and /__emulator/ui, self-contained, locked down."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from emulator import Emulator
from emulator.server import create_app
from emulator.server.ui.routes import is_pulse
from tests.server.helpers import KV_BASE, TOKEN
from tests.server.ui.served import Served

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]
STATIC = resources.files("emulator.server.ui").joinpath("static")


@pytest.fixture
async def client(aiohttp_client: ClientFactory, emu: Emulator) -> TestClient[Any, Any]:
    return await aiohttp_client(create_app(emu))


@pytest.mark.parametrize("path", ["/", "/__emulator/ui", "/__emulator/ui/"])
async def test_the_page_is_served_at_the_root_and_under_the_admin_prefix(
    client: TestClient[Any, Any], path: str
) -> None:
    response = await client.get(path)
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>State inspector · cf-kv-d1-emulator</title>" in await response.text()
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_the_page_loads_nothing_from_another_origin(client: TestClient[Any, Any]) -> None:
    html = await (await client.get("/")).text()
    assert re.findall(r'(?:src|href)="([^"]+)"', html) == [
        "/__emulator/ui/static/favicon.svg",
        "/__emulator/ui/static/inspector.css",
        "/__emulator/ui/static/inspector.js",
    ]
    for name in [entry.name for entry in STATIC.iterdir()]:
        text = STATIC.joinpath(name).read_text("utf-8")
        assert "http://" not in text.replace('"http://www.w3.org/2000/svg"', "")
        assert "https://" not in text
        assert "<script>" not in text  # no inline script: the policy forbids it anyway


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("inspector.js", "text/javascript; charset=utf-8"),
        ("kv.js", "text/javascript; charset=utf-8"),
        ("inspector.css", "text/css; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
async def test_static_files_are_served_with_their_type(
    client: TestClient[Any, Any], name: str, content_type: str
) -> None:
    response = await client.get(f"/__emulator/ui/static/{name}")
    assert response.status == 200
    assert response.headers["Content-Type"] == content_type
    assert await response.read() == STATIC.joinpath(name).read_bytes()
    again = await client.get(
        f"/__emulator/ui/static/{name}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status == 304


@pytest.mark.parametrize(
    "name", ["missing.js", "..%2Fapi.py", "%2E%2E%2Fapi.py", "__init__.py", ".hidden.js", "static"]
)
async def test_only_the_shipped_files_are_served(client: TestClient[Any, Any], name: str) -> None:
    response = await client.get(f"/__emulator/ui/static/{name}")
    assert response.status == 404


async def test_other_paths_still_reach_the_api(client: TestClient[Any, Any]) -> None:
    response = await client.get("/nothing-here")
    payload = await response.json()
    assert (response.status, payload["errors"]) == (
        404,
        [{"code": 7000, "message": "No route for that URI"}],
    )


async def test_the_pulse_counts_changes_but_not_reads_or_failures(
    client: TestClient[Any, Any], emu: Emulator
) -> None:
    async def changes() -> int:
        payload = await (await client.get("/__emulator/ui/api/pulse")).json()
        return int(payload["result"]["changes"])

    kv = emu.kv("SESSIONS")
    assert await changes() == 0
    assert (await client.put(f"{KV_BASE}/{kv.id}/values/k", data=b"v")).status == 200
    assert await changes() == 1
    assert (await client.get(f"{KV_BASE}/{kv.id}/values/k")).status == 200
    assert (await client.put(f"{KV_BASE}/{kv.id}/values/k?expiration_ttl=1")).status == 400
    assert await changes() == 1
    assert (await client.post("/__emulator/clock", json={"shift": 60})).status == 200
    assert await changes() == 2


async def test_with_a_token_the_page_shows_but_its_data_needs_the_header(
    aiohttp_client: ClientFactory, emu: Emulator
) -> None:
    emu.kv("SECRET_NAMESPACE")
    client = await aiohttp_client(create_app(emu, api_token=TOKEN))
    page = await client.get("/")
    assert page.status == 200
    assert "SECRET_NAMESPACE" not in await page.text()
    refused = await client.get("/__emulator/ui/api/overview")
    assert refused.status == 401
    assert "SECRET_NAMESPACE" not in await refused.text()
    # The token is only ever a header: a query parameter does not unlock anything.
    in_url = await client.get(f"/__emulator/ui/api/overview?token={TOKEN}")
    assert in_url.status == 401
    allowed = await client.get(
        "/__emulator/ui/api/overview", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert allowed.status == 200
    assert [ns["title"] for ns in (await allowed.json())["result"]["kv"]] == ["SECRET_NAMESPACE"]


async def test_keys_holding_a_newline_reach_the_api_and_the_inspector(
    client: TestClient[Any, Any], emu: Emulator
) -> None:
    kv = emu.kv("SESSIONS")
    put = await client.put(f"{KV_BASE}/{kv.id}/values/line%0Abreak", data=b"v")
    assert put.status == 200
    assert kv.entry("line\nbreak") is not None
    entry = await client.get(f"/__emulator/ui/api/kv/{kv.id}/entry/line%0Abreak")
    assert (await entry.json())["result"]["name"] == "line\nbreak"


def test_the_servers_log_leaves_out_the_pages_pulse(
    serve: Callable[..., Served],
) -> None:
    server = serve(quiet=False)
    for _ in range(3):
        server.ok("GET", "/__emulator/ui/api/pulse")
    server.ok("GET", "/__emulator/ui/api/overview")
    server.stop()  # the log is complete once the process has ended
    log = server.server.stderr()
    assert " GET /__emulator/ui/api/overview 200 " in log
    assert "/pulse" not in log


def test_only_the_pages_pulse_is_left_out_of_the_log() -> None:
    assert is_pulse("GET", "/__emulator/ui/api/pulse") is True
    assert is_pulse("GET", "/__emulator/ui/api/overview") is False
    assert is_pulse("POST", "/__emulator/ui/api/pulse") is False
