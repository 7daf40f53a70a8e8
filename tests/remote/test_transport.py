"""The transport: the SDK's retry policy, and failures in the bindings' words."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from emulator import D1Error, KVError
from emulator.remote import RemoteD1Database, RemoteKVNamespace
from emulator.remote.transport import Transport, retry_delay

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ACCOUNT = "acc"


class FakeApi:
    """A tiny server answering every request with the next scripted response."""

    def __init__(self) -> None:
        self.script: list[web.Response] = []
        self.seen: list[str] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(f"{request.method} {request.raw_path}")
        return self.script.pop(0)


@pytest.fixture
async def api() -> AsyncIterator[tuple[FakeApi, str]]:
    fake = FakeApi()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    server = TestServer(app)
    await server.start_server()
    yield fake, str(server.make_url("/client/v4"))
    await server.close()


def envelope_error(status: int, code: int, message: str, **headers: str) -> web.Response:
    body = {"success": False, "errors": [{"code": code, "message": message}], "result": None}
    return web.json_response(body, status=status, headers=headers)


def ok(result: object) -> web.Response:
    return web.json_response({"success": True, "errors": [], "messages": [], "result": result})


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


_open: list[Transport] = []


@pytest.fixture(autouse=True)
async def close_transports() -> AsyncIterator[None]:
    yield
    while _open:
        await _open.pop().aclose()


def _transport(url: str, sleeps: Sleeps, **options: object) -> Transport:
    transport = Transport(api_token="t", base_url=url, sleep=sleeps, **options)  # type: ignore[arg-type]
    _open.append(transport)
    return transport


def kv_on(url: str, sleeps: Sleeps, **options: object) -> RemoteKVNamespace:
    transport = _transport(url, sleeps, **options)
    return RemoteKVNamespace("ns", account_id=ACCOUNT, api_token="t", transport=transport)


def d1_on(url: str, sleeps: Sleeps) -> RemoteD1Database:
    transport = _transport(url, sleeps)
    return RemoteD1Database("db", account_id=ACCOUNT, api_token="t", transport=transport)


async def test_kv_requests_are_retried_twice_on_5xx_then_succeed(api: tuple[FakeApi, str]) -> None:
    fake, url = api
    sleeps = Sleeps()
    fake.script = [
        envelope_error(503, 10002, "busy"),
        envelope_error(429, 10429, "Rate limited", **{"Retry-After": "2"}),
        web.Response(body=b"value"),
    ]
    kv = kv_on(url, sleeps)
    assert await kv.get("k") == "value"
    assert len(fake.seen) == 3
    assert 0.375 <= sleeps.delays[0] <= 0.5  # 0.5 s minus up to 25 % jitter
    assert sleeps.delays[1] == 2.0  # the server's Retry-After
    await kv.aclose()


async def test_after_two_retries_the_failure_names_the_endpoint(api: tuple[FakeApi, str]) -> None:
    fake, url = api
    fake.script = [envelope_error(500, 10002, "Internal error") for _ in range(3)]
    kv = kv_on(url, Sleeps())
    with pytest.raises(KVError) as caught:
        await kv.put("k", "v")
    assert caught.value.status == 500
    assert str(caught.value) == (
        f"KV PUT failed: 500 Internal error (PUT {url}/accounts/acc/storage/kv/namespaces/ns/"
        "values/k): the server failed; try again later"
    )
    assert len(fake.seen) == 3
    await kv.aclose()


async def test_x_should_retry_false_stops_a_retry(api: tuple[FakeApi, str]) -> None:
    fake, url = api
    fake.script = [envelope_error(503, 10002, "no", **{"x-should-retry": "false"})]
    kv = kv_on(url, Sleeps())
    with pytest.raises(KVError):
        await kv.delete("k")
    assert len(fake.seen) == 1
    await kv.aclose()


async def test_a_d1_query_that_may_have_run_is_never_retried(api: tuple[FakeApi, str]) -> None:
    fake, url = api
    fake.script = [envelope_error(503, 10002, "Internal error")]
    db = d1_on(url, Sleeps())
    with pytest.raises(D1Error) as caught:
        await db.prepare("INSERT INTO t VALUES (1)").run()
    assert len(fake.seen) == 1
    assert caught.value.status == 503
    assert str(caught.value).startswith("D1_ERROR: Internal error (POST ")
    await db.aclose()


async def test_an_unreachable_server_is_retried_even_for_d1_then_explained() -> None:
    server = TestServer(web.Application())
    await server.start_server()
    url = str(server.make_url("/client/v4"))
    await server.close()  # nothing listens there any more: the connection fails unsent
    sleeps = Sleeps()
    db = d1_on(url, sleeps)
    with pytest.raises(D1Error) as caught:
        await db.prepare("SELECT 1").first()
    assert len(sleeps.delays) == 2
    assert caught.value.status == 503
    message = str(caught.value)
    assert message.startswith("D1_ERROR: cannot connect (")
    assert message.endswith(
        f"(POST {url}/accounts/acc/d1/database/db/raw): "
        "check base_url and that the server is reachable"
    )
    await db.aclose()


async def test_a_refused_token_says_what_to_check(api: tuple[FakeApi, str]) -> None:
    fake, url = api
    fake.script = [envelope_error(401, 10000, "Authentication error")]
    kv = kv_on(url, Sleeps())
    with pytest.raises(KVError) as caught:
        await kv.list()
    assert caught.value.status == 401
    assert str(caught.value) == (
        f"KV GET failed: 401 Authentication error (GET {url}/accounts/acc/storage/kv/"
        "namespaces/ns/keys): check the API token (CLOUDFLARE_API_TOKEN), its permissions "
        "for this KV namespace, and the account id (CLOUDFLARE_ACCOUNT_ID)"
    )
    await kv.aclose()


async def test_an_unknown_namespace_says_to_check_its_id(api: tuple[FakeApi, str]) -> None:
    fake, url = api
    fake.script = [envelope_error(404, 10013, "namespace not found")]
    kv = kv_on(url, Sleeps())
    with pytest.raises(KVError) as caught:
        await kv.get("k")
    assert caught.value.status == 404
    assert str(caught.value).endswith(": check the KV namespace id and the account id")
    await kv.aclose()


async def test_a_timeout_becomes_a_504_naming_the_endpoint(
    api: tuple[FakeApi, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = api

    async def no_answer(*args: object) -> None:
        raise TimeoutError

    kv = kv_on(url, Sleeps(), max_retries=0)
    monkeypatch.setattr(kv._transport, "_send", no_answer)
    with pytest.raises(KVError) as caught:
        await kv.get("k")
    assert caught.value.status == 504
    assert str(caught.value) == (
        f"KV GET failed: 504 no answer in time (GET {url}/accounts/acc/storage/kv/"
        "namespaces/ns/values/k): check base_url and that the server is reachable"
    )
    await kv.aclose()


async def test_bad_input_never_costs_a_request(api: tuple[FakeApi, str]) -> None:
    fake, url = api
    kv = kv_on(url, Sleeps())
    db = d1_on(url, Sleeps())
    with pytest.raises(KVError):
        await kv.put("k", "v", expiration_ttl=30)
    with pytest.raises(KVError):
        await kv.get("x" * 513)
    with pytest.raises(KVError):
        await kv.get([], "text")
    with pytest.raises(TypeError):
        db.prepare("SELECT ?").bind(object())
    with pytest.raises(D1Error):
        await db.batch([db.prepare("   "), db.prepare("  -- an indented comment")])
    assert fake.seen == []
    await kv.aclose()
    await db.aclose()


async def test_a_closed_binding_refuses_work(api: tuple[FakeApi, str]) -> None:
    _, url = api
    kv = RemoteKVNamespace("ns", account_id=ACCOUNT, api_token="t", base_url=url)
    await kv.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await kv.get("k")


def test_retry_delay_follows_the_sdk() -> None:
    assert retry_delay(0, {}, 0.0) == 0.5
    assert retry_delay(1, {}, 0.0) == 1.0
    assert retry_delay(5, {}, 0.0) == 8.0  # capped
    assert retry_delay(0, {}, 1.0) == 0.375  # jitter takes up to 25 % off
    assert retry_delay(0, {"retry-after-ms": "1500"}, 0.5) == 1.5
    assert retry_delay(0, {"retry-after": "3"}, 0.5) == 3.0
    assert retry_delay(0, {"retry-after": "61"}, 0.0) == 0.5  # over 60 s: ignored
    assert retry_delay(0, {"retry-after": "0"}, 0.0) == 0.5
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 < retry_delay(0, {"retry-after": soon}, 0.0) <= 30
    assert retry_delay(0, {"retry-after": "not a date"}, 0.0) == 0.5
