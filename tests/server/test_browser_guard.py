"""What web pages may not do to a local server: cross-site writes (CSRF) and DNS rebinding.

Through the real aiohttp app (the checks guard the HTTP door): a request from another
origin, or naming a host the server does not answer to, is a 403 in the envelope, and
changes nothing. Clients that send no ``Origin`` (the SDK, curl, scripts) and the server's
own page are unaffected; so is the respx door, which answers ``api.cloudflare.com``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from cloudflare import Cloudflare
from multidict import CIMultiDict

from emulator import Emulator, ManualClock
from emulator.server import create_app, mock_cloudflare_api
from emulator.server.browser_guard import BrowserGuard, is_loopback
from tests.server.helpers import ACCOUNT, D1_BASE, KV_BASE, START, TOKEN
from tests.server.processes import Serve

ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]

KV_ID = "0123456789abcdef0123456789abcdef"
D1_ID = "11111111-2222-3333-4444-555555555555"
EVIL = "https://evil.example"

# (method, path, body): every kind of write a page could aim at the server, each a JSON
# body sent as text/plain (what a cross-site form or no-cors fetch can send unasked).
WRITES = [
    ("POST", f"{D1_BASE}/{D1_ID}/query", '{"sql": "DROP TABLE notes"}'),
    ("POST", f"{D1_BASE}/{D1_ID}/raw", '{"sql": "DELETE FROM notes"}'),
    ("PUT", f"{KV_BASE}/{KV_ID}/values/kept", "overwritten"),
    ("DELETE", f"{KV_BASE}/{KV_ID}/values/kept", ""),
    ("POST", f"{KV_BASE}/{KV_ID}/bulk/delete", '["kept"]'),
    ("PUT", f"{KV_BASE}/{KV_ID}/bulk", '[{"key": "kept", "value": "overwritten"}]'),
    ("DELETE", f"{KV_BASE}/{KV_ID}", ""),
    ("POST", "/__emulator/reset", ""),
    ("POST", "/__emulator/clock", '{"shift": 86400}'),
]


@pytest.fixture
async def seeded(emu: Emulator) -> Emulator:
    await emu.kv("CACHE", id=KV_ID).put("kept", "original")
    db = emu.d1("DB", id=D1_ID)
    await db.exec("CREATE TABLE notes (body TEXT)")
    await db.prepare("INSERT INTO notes VALUES ('kept')").run()
    return emu


async def untouched(emu: Emulator, clock: ManualClock) -> None:
    """The seeded state, exactly: the refused request wrote nothing."""
    assert emu.kv_namespace(KV_ID).snapshot()["kept"].value == b"original"
    assert [r.id for r in emu.resources("kv")] == [KV_ID]
    rows = await emu.d1("DB").prepare("SELECT body FROM notes").raw()
    assert rows == [["kept"]]
    assert clock.now() == START


async def refusal(response: Any) -> tuple[int, int, str]:
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["x-should-retry"] == "false"
    payload = await response.json()
    assert payload == {
        "success": False,
        "errors": [payload["errors"][0]],
        "messages": [],
        "result": None,
    }
    error = payload["errors"][0]
    return response.status, error["code"], error["message"]


async def refused_reset(
    client: TestClient[Any, Any], headers: Any, emu: Emulator, clock: ManualClock
) -> tuple[int, int, str]:
    """POST /__emulator/reset with ``headers``: the refusal, once checked it changed nothing."""
    answer = await refusal(await client.post("/__emulator/reset", headers=headers))
    await untouched(emu, clock)
    return answer


def text_plain(**headers: str) -> dict[str, str]:
    return {"Content-Type": "text/plain;charset=UTF-8", **headers}


# -- Origin: cross-site request forgery ------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
async def test_a_write_from_another_site_is_refused_and_changes_nothing(
    aiohttp_client: ClientFactory,
    seeded: Emulator,
    clock: ManualClock,
    method: str,
    path: str,
    body: str,
) -> None:
    client = await aiohttp_client(create_app(seeded))
    own = f"http://127.0.0.1:{client.port}"
    response = await client.request(method, path, data=body, headers=text_plain(Origin=EVIL))
    assert await refusal(response) == (
        403,
        10000,
        f"Cross-origin request refused: Origin 'https://evil.example' is not this server ({own})",
    )
    await untouched(seeded, clock)


@pytest.mark.parametrize(
    "origin",
    [
        "null",  # a sandboxed frame, a data: page, a file
        "https://127.0.0.1:{port}",  # another scheme
        "http://127.0.0.1:1",  # another port: another local server's page
        "http://localhost:{port}",  # another host name, even one for the same server
        "http://127.0.0.1",  # port 80
        "chrome-extension://abcdefghijklmnop",
        "",
    ],
)
async def test_any_origin_but_the_servers_own_is_refused(
    aiohttp_client: ClientFactory, seeded: Emulator, clock: ManualClock, origin: str
) -> None:
    client = await aiohttp_client(create_app(seeded))
    sent = origin.format(port=client.port)
    assert await refused_reset(client, {"Origin": sent}, seeded, clock) == (
        403,
        10000,
        f"Cross-origin request refused: Origin {sent!r} is not this server "
        f"(http://127.0.0.1:{client.port})",
    )


async def test_reads_from_another_site_and_preflights_are_refused_too(
    aiohttp_client: ClientFactory, seeded: Emulator
) -> None:
    client = await aiohttp_client(create_app(seeded))
    expected = (
        403,
        10000,
        "Cross-origin request refused: Origin 'http://evil.example:8080' is not this server "
        f"(http://127.0.0.1:{client.port})",
    )
    cross = {"Origin": "http://evil.example:8080"}
    assert await refusal(await client.get("/__emulator/state", headers=cross)) == expected
    preflight = {**cross, "Access-Control-Request-Method": "PUT"}
    response = await client.options(f"{KV_BASE}/{KV_ID}/values/kept", headers=preflight)
    assert await refusal(response) == expected
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_one_foreign_origin_among_several_is_refused(
    aiohttp_client: ClientFactory, seeded: Emulator, clock: ManualClock
) -> None:
    client = await aiohttp_client(create_app(seeded))
    own = f"http://127.0.0.1:{client.port}"
    headers = CIMultiDict([("Origin", own), ("Origin", EVIL)])
    assert await refused_reset(client, headers, seeded, clock) == (
        403,
        10000,
        f"Cross-origin request refused: Origin 'https://evil.example' is not this server ({own})",
    )


async def test_the_servers_own_origin_writes_as_the_inspector_page_does(
    aiohttp_client: ClientFactory, seeded: Emulator
) -> None:
    client = await aiohttp_client(create_app(seeded))
    # What a browser sends for the page's own fetch: its origin, the same host and port.
    own = {"Origin": f"http://127.0.0.1:{client.port}", "Content-Type": "application/json"}
    response = await client.put(f"{KV_BASE}/{KV_ID}/values/kept", data="new", headers=own)
    assert response.status == 200, await response.text()
    assert seeded.kv_namespace(KV_ID).snapshot()["kept"].value == b"new"
    # The origin is compared as an origin: case and a default port do not matter.
    same = {"Host": "LocalHost", "Origin": "HTTP://localhost:80"}
    response = await client.post("/__emulator/reset", headers=same)
    assert response.status == 200, await response.text()
    assert seeded.kv_namespace(KV_ID).snapshot() == {}


async def test_requests_without_origin_are_not_a_browsers_and_pass(
    aiohttp_client: ClientFactory, seeded: Emulator
) -> None:
    client = await aiohttp_client(create_app(seeded))
    response = await client.post(
        f"{D1_BASE}/{D1_ID}/query", data='{"sql": "DELETE FROM notes"}', headers=text_plain()
    )
    assert response.status == 200, await response.text()
    assert await seeded.d1("DB").prepare("SELECT count(*) FROM notes").first("count(*)") == 0


async def test_a_refused_request_is_not_counted_as_a_change_by_the_inspector(
    aiohttp_client: ClientFactory, seeded: Emulator
) -> None:
    client = await aiohttp_client(create_app(seeded))
    pulse = "/__emulator/ui/api/pulse"
    before = (await (await client.get(pulse)).json())["result"]
    assert (await client.post("/__emulator/reset", headers={"Origin": EVIL})).status == 403
    assert (await (await client.get(pulse)).json())["result"] == before


async def test_an_https_tunnel_is_the_servers_own_origin_through_x_forwarded_proto(
    aiohttp_client: ClientFactory, seeded: Emulator
) -> None:
    app = create_app(seeded, allowed_hosts=["tunnel.example"])
    client = await aiohttp_client(app)
    through = {"Host": "tunnel.example", "Origin": "https://tunnel.example"}
    response = await client.post("/__emulator/reset", headers=through)
    assert await refusal(response) == (
        403,
        10000,
        "Cross-origin request refused: Origin 'https://tunnel.example' is not this server "
        "(http://tunnel.example)",
    )
    forwarded = {**through, "X-Forwarded-Proto": "https"}
    assert (await client.post("/__emulator/reset", headers=forwarded)).status == 200


# -- Host: DNS rebinding ---------------------------------------------------------------------


async def test_a_rebound_name_is_refused_even_from_its_own_origin(
    aiohttp_client: ClientFactory, seeded: Emulator, clock: ManualClock
) -> None:
    client = await aiohttp_client(create_app(seeded))
    # evil.example resolves to 127.0.0.1: its page is same-origin with what it calls.
    rebound = {
        "Host": f"evil.example:{client.port}",
        "Origin": f"http://evil.example:{client.port}",
    }
    expected = (
        403,
        10000,
        "Host 'evil.example' is not allowed (DNS rebinding protection): to reach the server by "
        "this name, start it with --allow-host evil.example",
    )
    for method, path, body in WRITES:
        response = await client.request(method, path, data=body, headers=text_plain(**rebound))
        assert await refusal(response) == expected
    # Reading is what rebinding is for: refused too, the page included.
    for path in ("/__emulator/state", f"{KV_BASE}/{KV_ID}/values/kept", "/"):
        response = await client.get(path, headers={"Host": f"evil.example:{client.port}"})
        assert await refusal(response) == expected
    await untouched(seeded, clock)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:{port}",
        "localhost:{port}",
        "LOCALHOST.:{port}",
        "app.localhost:{port}",
        "127.8.9.10:{port}",
        "[::1]:{port}",
        "localhost",
    ],
)
async def test_loopback_names_and_addresses_are_answered(
    aiohttp_client: ClientFactory, seeded: Emulator, host: str
) -> None:
    client = await aiohttp_client(create_app(seeded))
    response = await client.get("/__emulator/health", headers={"Host": host.format(port=8787)})
    assert response.status == 200, await response.text()


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("192.168.1.20:8787", "192.168.1.20"),
        ("localhost.evil.example", "localhost.evil.example"),
        ("127.0.0.1.evil.example:8787", "127.0.0.1.evil.example"),
        ("[::2]:8787", "::2"),
        ("bad host:notaport", "bad host:notaport"),
    ],
)
async def test_other_hosts_are_refused_on_a_loopback_server(
    aiohttp_client: ClientFactory, seeded: Emulator, clock: ManualClock, host: str, shown: str
) -> None:
    client = await aiohttp_client(create_app(seeded))
    assert await refused_reset(client, {"Host": host}, seeded, clock) == (
        403,
        10000,
        f"Host {shown!r} is not allowed (DNS rebinding protection): to reach the server by "
        f"this name, start it with --allow-host {shown}",
    )


def test_allowed_hosts_add_names_domains_or_any_name() -> None:
    guard = BrowserGuard("127.0.0.1", ["emulator", ".dev.example", "Tunnel.Example."])
    assert [
        guard.host_allowed(name)
        for name in ("emulator", "tunnel.example", "dev.example", "api.dev.example")
    ] == [True, True, True, True]
    assert [guard.host_allowed(name) for name in ("emulator2", "evildev.example", "10.0.0.1")] == [
        False,
        False,
        False,
    ]
    assert BrowserGuard("127.0.0.1", ["*"]).host_allowed("anything.example")


def test_a_server_bound_beyond_loopback_answers_any_address_but_only_allowed_names() -> None:
    for bound in ("0.0.0.0", "::", "192.168.1.20"):
        guard = BrowserGuard(bound)
        assert guard.host_allowed("192.168.1.20")
        assert guard.host_allowed("fe80::1")
        assert guard.host_allowed("localhost")
        assert not guard.host_allowed("evil.example")
    named = BrowserGuard("devbox.lan")
    assert (named.host_allowed("devbox.lan"), named.host_allowed("evil.example")) == (True, False)


async def test_the_any_interface_server_refuses_a_rebound_name(
    aiohttp_client: ClientFactory, seeded: Emulator, clock: ManualClock
) -> None:
    client = await aiohttp_client(create_app(seeded, host="0.0.0.0"))
    lan = {"Host": "192.168.1.20:8787"}
    assert (await client.get("/__emulator/health", headers=lan)).status == 200
    rebound = {"Host": "evil.example:8787"}
    assert await refused_reset(client, rebound, seeded, clock) == (
        403,
        10000,
        "Host 'evil.example' is not allowed (DNS rebinding protection): to reach the server by "
        "this name, start it with --allow-host evil.example",
    )


def test_loopback_means_this_machine_only() -> None:
    assert all(
        is_loopback(host)
        for host in ("localhost", "a.b.localhost", "127.0.0.1", "127.255.0.9", "::1", "[::1]")
    )
    assert all(
        not is_loopback(host)
        for host in ("0.0.0.0", "::", "10.0.0.1", "localhost.example", "mylocalhost", "")
    )


def test_a_request_without_a_host_header_is_not_a_browsers() -> None:
    assert BrowserGuard().refusal(CIMultiDict({"Origin": EVIL})) is None


# -- the other doors and clients -------------------------------------------------------------


def test_the_sdk_is_unaffected_over_http(seeded: Emulator, cf: Cloudflare) -> None:
    cf.kv.namespaces.values.update("sdk", account_id=ACCOUNT, namespace_id=KV_ID, value=b"v")
    assert seeded.kv_namespace(KV_ID).snapshot()["sdk"].value == b"v"


def test_the_respx_door_answers_api_cloudflare_com_without_these_checks(
    seeded: Emulator,
) -> None:
    with mock_cloudflare_api(seeded):
        cf = Cloudflare(api_token=TOKEN, max_retries=0)
        cf.kv.namespaces.values.update("sdk", account_id=ACCOUNT, namespace_id=KV_ID, value=b"v")
    assert seeded.kv_namespace(KV_ID).snapshot()["sdk"].value == b"v"


def test_serve_answers_the_names_given_to_allow_host(tmp_path: Path) -> None:
    server = Serve("--port", "0", "--quiet", "--allow-host", "devbox.test", cwd=tmp_path)
    try:
        base = server.url.removesuffix("/client/v4")
        with httpx.Client(base_url=base) as http:
            allowed = http.get("/__emulator/health", headers={"Host": "devbox.test:8787"})
            assert allowed.status_code == 200
            refused = http.get("/__emulator/health", headers={"Host": "other.test"})
            assert (refused.status_code, refused.json()["errors"]) == (
                403,
                [
                    {
                        "code": 10000,
                        "message": "Host 'other.test' is not allowed (DNS rebinding "
                        "protection): to reach the server by this name, start it with "
                        "--allow-host other.test",
                    }
                ],
            )
    finally:
        server.stop(signal.SIGTERM)


def test_help_documents_allow_host_and_its_default(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "emulator", "serve", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    text = " ".join(result.stdout.split())
    assert (
        "--allow-host NAME also answer requests whose Host header is NAME, e.g. a container's "
        "or a tunnel's name; repeatable; '.example.com' allows it and its subdomains, '*' any "
        "name (default: localhost, *.localhost, loopback addresses and --host; any IP address "
        "too when --host is not loopback)"
    ) in text
