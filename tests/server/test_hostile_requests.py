"""Hostile requests through the real aiohttp server: envelope answers, no 5xx, nothing written.

These go through the HTTP transport on purpose: compressed bodies and line breaks in paths
are handled (or mishandled) by aiohttp before the core sees them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from emulator import Emulator
from emulator.server import create_app
from tests.server.helpers import ACCOUNT, D1_BASE, KV_BASE, TOKEN

KV_ID = "0123456789abcdef0123456789abcdef"
D1_ID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
async def http(emu: Emulator) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    emu.kv("CACHE", id=KV_ID)
    db = emu.d1("DB", id=D1_ID)
    await db.exec("CREATE TABLE notes (body TEXT)")
    server = TestServer(create_app(emu, api_token=TOKEN), host="127.0.0.1", port=0)
    await server.start_server()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(headers=headers, auto_decompress=False) as session:
        yield session, str(server.make_url("/")).rstrip("/")
    await server.close()


async def answer(response: aiohttp.ClientResponse) -> tuple[int, int, str]:
    payload: Any = await response.json(content_type=None)
    assert set(payload) == {"success", "errors", "messages", "result"}
    assert payload["success"] is False
    [error] = payload["errors"]
    return response.status, error["code"], error["message"]


async def refused(emu: Emulator, sending: Any, expected: tuple[int, int, str]) -> None:
    """Send; check the envelope answer is ``expected`` and that nothing was written."""
    async with sending as response:
        assert await answer(response) == expected
    await nothing_written(emu)


async def nothing_written(emu: Emulator) -> None:
    assert (await emu.kv("CACHE").list()).keys == []
    assert await emu.d1("DB").prepare("SELECT count(*) FROM notes").first("count(*)") == 0


async def test_a_nul_in_d1_sql_is_refused_not_truncated(
    http: tuple[aiohttp.ClientSession, str], emu: Emulator
) -> None:
    session, base = http
    body = {"sql": "SELECT 1\u0000; INSERT INTO notes VALUES ('sneaked in')"}
    await refused(
        emu,
        session.post(f"{base}{D1_BASE}/{D1_ID}/query", json=body),
        (
            400,
            7400,
            "body: the SQL holds a NUL character (U+0000); bind such text as a param",
        ),
    )


async def test_a_nul_in_a_bound_param_is_just_text(
    http: tuple[aiohttp.ClientSession, str], emu: Emulator
) -> None:
    session, base = http
    body = {"sql": "INSERT INTO notes VALUES (?)", "params": ["a\u0000b"]}
    async with session.post(f"{base}{D1_BASE}/{D1_ID}/query", json=body) as response:
        assert response.status == 200
    assert await emu.d1("DB").prepare("SELECT body FROM notes").first("body") == "a\u0000b"


@pytest.mark.parametrize(
    ("path", "method", "code"),
    [
        (f"{D1_BASE}/{D1_ID}/query", "POST", 7400),
        (f"{KV_BASE}/{KV_ID}/bulk", "PUT", 10001),
        (f"{KV_BASE}/{KV_ID}/bulk/get", "POST", 10001),
    ],
    ids=["d1-query", "kv-bulk-write", "kv-bulk-get"],
)
async def test_json_nested_100000_deep_is_a_400(
    http: tuple[aiohttp.ClientSession, str], emu: Emulator, path: str, method: str, code: int
) -> None:
    session, base = http
    deep = b"[" * 100_000 + b"]" * 100_000
    headers = {"Content-Type": "application/json"}
    await refused(
        emu,
        session.request(method, base + path, data=deep, headers=headers),
        (
            400,
            code,
            "Request body is not valid JSON: nested too deeply",
        ),
    )


async def test_deeply_nested_metadata_in_a_multipart_put_is_a_400(
    http: tuple[aiohttp.ClientSession, str], emu: Emulator
) -> None:
    session, base = http
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("value", "v")
    form.add_field("metadata", "[" * 100_000 + "]" * 100_000)
    await refused(
        emu,
        session.put(f"{base}{KV_BASE}/{KV_ID}/values/k", data=form),
        (
            400,
            10019,
            "metadata must be valid JSON: nested too deeply",
        ),
    )


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_body_that_is_not_what_its_content_encoding_says_is_a_400(
    http: tuple[aiohttp.ClientSession, str], emu: Emulator, encoding: str
) -> None:
    session, base = http
    headers = {"Content-Encoding": encoding}
    url = f"{base}{KV_BASE}/{KV_ID}/values/k"
    await refused(
        emu,
        session.put(url, data=b"plain, not compressed", headers=headers),
        (
            400,
            10001,
            f"The request body is not valid for its Content-Encoding '{encoding}'",
        ),
    )


async def test_a_gzip_body_that_is_gzip_is_stored_decompressed(
    http: tuple[aiohttp.ClientSession, str], emu: Emulator
) -> None:
    import gzip

    session, base = http
    headers = {"Content-Encoding": "gzip"}
    url = f"{base}{KV_BASE}/{KV_ID}/values/k"
    async with session.put(url, data=gzip.compress(b"hello"), headers=headers) as response:
        assert response.status == 200
    assert await emu.kv("CACHE").get("k") == "hello"


@pytest.mark.parametrize(
    "content_type",
    [
        'multipart/form-data; boundary="abc',
        'multipart/form-data; boundary="abc\\"',
    ],
    ids=["open-quote", "escaped-close"],
)
async def test_a_multipart_boundary_with_unbalanced_quotes_is_refused(
    http: tuple[aiohttp.ClientSession, str], emu: Emulator, content_type: str
) -> None:
    session, base = http
    body = b'--abc\r\nContent-Disposition: form-data; name="value"\r\n\r\nv\r\n--abc--\r\n'
    url = f"{base}{KV_BASE}/{KV_ID}/values/k"
    await refused(
        emu,
        session.put(url, data=body, headers={"Content-Type": content_type}),
        (
            400,
            10001,
            "unbalanced quotes in the boundary parameter of 'multipart/form-data'",
        ),
    )


@pytest.mark.parametrize("encoded", ["a%0D%0Ab", "a%0Ab", "%0D", "line%0A"])
async def test_keys_with_encoded_line_breaks_are_ordinary_keys_in_the_envelope(
    http: tuple[aiohttp.ClientSession, str], emu: Emulator, encoded: str
) -> None:
    session, base = http
    url = f"{base}{KV_BASE}/{KV_ID}/values/{encoded}"
    async with session.get(url) as response:
        assert await answer(response) == (404, 10009, "get: 'key not found'")
    async with session.put(url, data=b"v") as response:
        assert response.status == 200
    async with session.get(url) as response:
        assert await response.read() == b"v"
    key = encoded.replace("%0D", "\r").replace("%0A", "\n")
    assert await emu.kv("CACHE").get(key) == "v"


async def test_a_namespace_id_with_a_line_break_is_a_400_in_the_envelope(
    http: tuple[aiohttp.ClientSession, str],
) -> None:
    session, base = http
    async with session.get(f"{base}/client/v4/accounts/{ACCOUNT}/storage/kv/namespaces/a%0Ab") as r:
        assert await answer(r) == (
            400,
            10011,
            "could not parse UUID from request's namespace_id: 'a\nb'",
        )


async def test_nan_is_not_json(http: tuple[aiohttp.ClientSession, str], emu: Emulator) -> None:
    session, base = http
    body = b'{"sql": "INSERT INTO notes VALUES (?)", "params": [NaN]}'
    headers = {"Content-Type": "application/json"}
    url = f"{base}{D1_BASE}/{D1_ID}/query"
    await refused(
        emu,
        session.post(url, data=body, headers=headers),
        (
            400,
            7400,
            "Request body is not valid JSON: NaN is not JSON",
        ),
    )


# -- refusals of aiohttp's own HTTP parser, through the server `serve` runs ----------------


def raw_exchange(url: str, request: bytes) -> tuple[int, Any]:
    """Send raw bytes to the live server; return the status and the parsed JSON body."""
    import json
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(url)
    assert where.hostname is not None
    assert where.port is not None
    with socket.create_connection((where.hostname, where.port), timeout=30) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


@pytest.mark.parametrize(
    ("request_bytes", "message"),
    [
        (
            b"PUT /client/v4/accounts/a/storage/kv/namespaces/"
            + KV_ID.encode()
            + b"/values/k HTTP/1.1\r\nHost: x\r\nContent-Encoding: br\r\nContent-Length: 1\r\n"
            b"Connection: close\r\n\r\nx",
            "The request's Content-Encoding is not supported: use gzip or deflate, or none",
        ),
        (
            b"PUT /client/v4/accounts/a/storage/kv/namespaces/"
            + KV_ID.encode()
            + b"/values/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            "The request is not valid HTTP: ",
        ),
        (
            b"GARBAGE\r\n\r\n",
            "The request is not valid HTTP: ",
        ),
    ],
    ids=["brotli", "bad-chunk", "not-http"],
)
def test_what_the_http_parser_refuses_is_answered_in_the_envelope(
    emu: Emulator, request_bytes: bytes, message: str
) -> None:
    """``message`` is the whole text where it is ours; after it, aiohttp's parser's words
    (which differ between its C and Python parsers) follow."""
    from tests.server.helpers import LiveServer

    emu.kv("CACHE", id=KV_ID)
    with LiveServer(create_app(emu)) as live:
        status, payload = raw_exchange(live.url, request_bytes)
    assert status == 400
    [error] = payload.pop("errors")
    assert payload == {"success": False, "messages": [], "result": None}
    assert error["code"] == 10001
    assert error["message"].startswith(message)
    assert error["message"] == message or message.endswith(": ")
    assert emu.kv("CACHE").snapshot() == {}


def test_a_request_line_over_the_limit_is_answered_in_the_envelope(emu: Emulator) -> None:
    from tests.server.helpers import LiveServer

    with LiveServer(create_app(emu)) as live:
        request = b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        status, payload = raw_exchange(live.url, request)
    assert status == 400
    [error] = payload["errors"]
    assert error["code"] == 10001
    assert error["message"].startswith(
        "The request is not valid HTTP: Got more than 8190 bytes when reading"
    )
