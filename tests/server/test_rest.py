"""The transport-free core: routing, authentication, body cap, encodings, HEAD, no loop."""

from __future__ import annotations

import asyncio

import pytest

from emulator import Emulator
from emulator.server import ApiRequest, RestApi
from emulator.server.envelope import ApiResponse
from emulator.server.rest import run_without_loop
from tests.server.helpers import KV_BASE, TOKEN, call, error_of


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/client/v4",
        "/client/v4/accounts/a/storage/r2/buckets",
        "/client/v4/accounts//storage/kv/namespaces",
        "/elsewhere/accounts/a/storage/kv/namespaces",
        f"{KV_BASE}/ns/unknown",
    ],
)
def test_unknown_routes_are_404_no_route(api: RestApi, target: str) -> None:
    assert error_of(call(api, "GET", target)) == (404, 7000, "No route for that URI")


def test_a_known_path_with_the_wrong_method_is_405(api: RestApi) -> None:
    assert error_of(call(api, "PATCH", KV_BASE)) == (
        405,
        7001,
        "Method not allowed for this endpoint (PATCH client/v4/accounts/test-account/"
        "storage/kv/namespaces)",
    )


def test_one_trailing_slash_is_tolerated(api: RestApi, emu: Emulator) -> None:
    emu.kv("SESSIONS")
    response = call(api, "GET", KV_BASE + "/")
    assert response.status == 200
    assert [ns["title"] for ns in response.json()["result"]] == ["SESSIONS"]


def test_head_answers_the_get_headers_without_a_body(api: RestApi, emu: Emulator) -> None:
    emu.kv("SESSIONS")
    response = call(api, "HEAD", KV_BASE)
    assert response.status == 200
    assert response.body == b""
    assert response.header("Content-Type") == "application/json"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer{TOKEN}"},
        {"X-Auth-Key": TOKEN, "X-Auth-Email": "a@b.c"},
    ],
    ids=["none", "wrong", "no-scheme", "basic-scheme", "no-space", "api-key"],
)
@pytest.mark.parametrize("target", [KV_BASE, "/nowhere", "/__emulator/reset"])
def test_with_a_token_everything_else_is_401_authentication_error(
    emu: Emulator, headers: dict[str, str], target: str
) -> None:
    api = RestApi(emu, api_token=TOKEN)
    assert error_of(call(api, "POST", target, headers=headers)) == (
        401,
        10000,
        "Authentication error",
    )


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_with_a_token_the_bearer_token_is_accepted_in_any_case_of_the_scheme(
    emu: Emulator, scheme: str
) -> None:
    api = RestApi(emu, api_token=TOKEN)
    response = call(api, "GET", KV_BASE, headers={"authorization": f"{scheme} {TOKEN}"})
    assert response.status == 200


def test_without_a_token_any_credentials_are_accepted(api: RestApi) -> None:
    assert call(api, "GET", KV_BASE).status == 200
    assert call(api, "GET", KV_BASE, headers={"Authorization": "Bearer x"}).status == 200


def test_bodies_over_the_cap_are_413_and_nothing_is_stored(emu: Emulator) -> None:
    kv = emu.kv("SESSIONS")
    api = RestApi(emu, max_body_size=10)
    target = f"{KV_BASE}/{kv.id}/values/k"
    assert error_of(call(api, "PUT", target, b"x" * 11)) == (
        413,
        10001,
        "Request body exceeds the limit of 10 bytes",
    )
    assert kv.snapshot() == {}
    assert call(api, "PUT", target, b"x" * 10).status == 200


def test_the_default_cap_lets_a_full_size_kv_value_through(emu: Emulator) -> None:
    assert RestApi(emu).max_body_size > 26_214_400 + 1024


@pytest.mark.parametrize("query", ["prefix=%FF", "%FE=1"])
def test_a_query_that_is_not_utf8_is_400(api: RestApi, emu: Emulator, query: str) -> None:
    kv = emu.kv("SESSIONS")
    assert error_of(call(api, "GET", f"{KV_BASE}/{kv.id}/keys?{query}")) == (
        400,
        10001,
        "The request path or query is not valid percent-encoded UTF-8",
    )


@pytest.mark.parametrize(
    ("limit", "expected"),
    [("abc", "'abc'"), ("1.5", "'1.5'"), ("nan", "'nan'"), ("1e400", "'1e400'")],
)
def test_a_non_integer_numeric_query_parameter_is_400(
    api: RestApi, emu: Emulator, limit: str, expected: str
) -> None:
    kv = emu.kv("SESSIONS")
    assert error_of(call(api, "GET", f"{KV_BASE}/{kv.id}/keys?limit={limit}")) == (
        400,
        10001,
        f"Invalid query parameter limit: {expected}",
    )


def test_an_integral_float_query_parameter_is_accepted(api: RestApi, emu: Emulator) -> None:
    # The SDK stringifies float parameters: limit=10.0.
    kv = emu.kv("SESSIONS")
    assert call(api, "GET", f"{KV_BASE}/{kv.id}/keys?limit=10.0").status == 200


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            b"{",
            "application/json",
            (
                400,
                10001,
                "Request body is not valid JSON: Expecting "
                "property name enclosed in double quotes: line 1 column 2 "
                "(char 1)",
            ),
        ),
        (b"\xff", "application/json", None),
        (
            b'{"title": "x"}',
            "multipart/form-data; boundary=x",
            (415, 10001, "Expected a JSON body, got Content-Type multipart/form-data"),
        ),
        (
            b'{"title": "x"}',
            "application/octet-stream",
            (415, 10001, "Expected a JSON body, got Content-Type application/octet-stream"),
        ),
    ],
)
def test_json_endpoints_refuse_malformed_json_and_foreign_content_types(
    api: RestApi, body: bytes, content_type: str, expected: tuple[int, int, str] | None
) -> None:
    status, code, message = error_of(
        call(api, "POST", KV_BASE, body, headers={"Content-Type": content_type})
    )
    if expected is None:
        assert (status, code) == (400, 10001)
        assert message.startswith("Request body is not valid JSON: ")
    else:
        assert (status, code, message) == expected


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/vnd.api+json; charset=utf-8",
    ],
)
def test_json_endpoints_accept_json_sent_as_curl_and_browsers_do(
    api: RestApi, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = call(api, "POST", KV_BASE, b'{"title": "t"}', headers=headers)
    assert response.status == 200
    assert response.json()["result"]["title"] == "t"


def test_handle_sync_needs_no_event_loop(api: RestApi) -> None:
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    assert api.handle_sync(ApiRequest("GET", KV_BASE)).status == 200


def test_run_without_loop_refuses_a_coroutine_that_suspends() -> None:
    async def suspends() -> ApiResponse:
        await asyncio.sleep(0)
        raise AssertionError("never reached")

    with pytest.raises(RuntimeError, match="suspended"):
        run_without_loop(suspends())


async def test_handle_works_inside_an_event_loop_too(api: RestApi) -> None:
    response = await api.handle(ApiRequest("GET", KV_BASE))
    assert response.status == 200
