"""KV values, metadata and bulk endpoints: the SDK's wire formats and KV's exact errors."""

from __future__ import annotations

import base64
import json

import pytest
from cloudflare import APIStatusError, BadRequestError, Cloudflare, NotFoundError, RateLimitError

from emulator import Emulator, KVNamespace, ManualClock
from emulator.kv.results import KVEntry
from emulator.server import RestApi
from tests.server.helpers import ACCOUNT, KV_BASE, START, call, error_of

KEYS = ["simple", "user:1/a b?c", "pct%41literal", "uni-é✓", "a/../b", "./x", "😀", " ", "a#b"]


@pytest.fixture
def kv(emu: Emulator) -> KVNamespace:
    namespace = emu.kv("SESSIONS")
    namespace.seed({"keep": "kept"}, metadata={"safe": True})
    return namespace


def unchanged(kv: KVNamespace) -> bool:
    """Whether the namespace still holds only the seeded key, untouched."""
    return kv.snapshot() == {"keep": KVEntry(b"kept", {"safe": True}, None)}


@pytest.mark.parametrize("key", KEYS)
def test_values_round_trip_through_the_sdk_with_any_key(
    cf: Cloudflare, kv: KVNamespace, key: str
) -> None:
    value = b"\x00\xffbinary" + key.encode()
    cf.kv.namespaces.values.update(key, account_id=ACCOUNT, namespace_id=kv.id, value=value)
    response = cf.kv.namespaces.values.get(key, account_id=ACCOUNT, namespace_id=kv.id)
    assert response.read() == value
    assert response.headers["content-type"] == "application/octet-stream"
    assert kv.snapshot()[key].value == value


def test_put_stores_metadata_and_expiration_from_the_query(
    cf: Cloudflare, kv: KVNamespace, clock: ManualClock
) -> None:
    cf.kv.namespaces.values.update(
        "k",
        account_id=ACCOUNT,
        namespace_id=kv.id,
        value=b"v",
        metadata={"someMetadataKey": "é"},
        expiration_ttl=300,
    )
    assert kv.entry("k") == KVEntry(b"v", {"someMetadataKey": "é"}, START + 300)
    got = cf.kv.namespaces.values.get("k", account_id=ACCOUNT, namespace_id=kv.id)
    assert got.headers["expiration"] == str(START + 300)
    meta = cf.kv.namespaces.metadata.get("k", account_id=ACCOUNT, namespace_id=kv.id)
    assert meta == {"someMetadataKey": "é"}
    clock.shift(300)
    with pytest.raises(NotFoundError):
        cf.kv.namespaces.values.get("k", account_id=ACCOUNT, namespace_id=kv.id)


def test_an_absolute_expiration_is_stored_as_given(cf: Cloudflare, kv: KVNamespace) -> None:
    cf.kv.namespaces.values.update(
        "k", account_id=ACCOUNT, namespace_id=kv.id, value=b"v", expiration=START + 3600
    )
    assert kv.entry("k") == KVEntry(b"v", None, START + 3600)


def test_a_value_without_expiration_has_no_expiration_header(
    cf: Cloudflare, kv: KVNamespace
) -> None:
    response = cf.kv.namespaces.values.get("keep", account_id=ACCOUNT, namespace_id=kv.id)
    assert "expiration" not in response.headers


def test_a_missing_key_is_404_code_10009_for_values_and_metadata(
    cf: Cloudflare, kv: KVNamespace
) -> None:
    for read in (cf.kv.namespaces.values.get, cf.kv.namespaces.metadata.get):
        with pytest.raises(NotFoundError) as caught:
            read("nope", account_id=ACCOUNT, namespace_id=kv.id)
        [error] = caught.value.errors
        assert (error.code, error.message) == (10009, "get: 'key not found'")


def test_metadata_of_a_key_without_metadata_is_null(api: RestApi, kv: KVNamespace) -> None:
    kv.seed({"bare": "v"})
    response = call(api, "GET", f"{KV_BASE}/{kv.id}/metadata/bare")
    assert response.json()["result"] is None


def test_delete_removes_a_key_and_succeeds_for_a_missing_one(
    cf: Cloudflare, kv: KVNamespace
) -> None:
    assert cf.kv.namespaces.values.delete("keep", account_id=ACCOUNT, namespace_id=kv.id) is None
    assert cf.kv.namespaces.values.delete("keep", account_id=ACCOUNT, namespace_id=kv.id) is None
    assert kv.snapshot() == {}


def test_a_raw_body_is_the_value_as_curl_and_wrangler_send_it(
    api: RestApi, kv: KVNamespace
) -> None:
    body = bytes(range(256))
    response = call(
        api,
        "PUT",
        f"{KV_BASE}/{kv.id}/values/raw?expiration_ttl=60",
        body,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.json() == {"success": True, "errors": [], "messages": [], "result": {}}
    assert kv.entry("raw") == KVEntry(body, None, START + 60)


def test_sdk_4_json_bodies_are_stored_verbatim_as_the_real_api_does(
    api: RestApi, kv: KVNamespace
) -> None:
    body = b'{"metadata": "{\\"m\\":1}", "value": "hello"}'
    call(
        api,
        "PUT",
        f"{KV_BASE}/{kv.id}/values/k",
        body,
        headers={"Content-Type": "application/json"},
    )
    assert kv.entry("k") == KVEntry(body, None, None)


def test_sdk_4_unencoded_slashes_stay_in_the_key(api: RestApi, kv: KVNamespace) -> None:
    call(api, "PUT", f"{KV_BASE}/{kv.id}/values/user:1/a%20b", b"v")
    assert kv.entry("user:1/a b") == KVEntry(b"v", None, None)


def multipart(*parts: tuple[str, bytes, str | None]) -> tuple[bytes, dict[str, str]]:
    body = b""
    for name, data, content_type in parts:
        body += f'--B\r\nContent-Disposition: form-data; name="{name}"\r\n'.encode()
        if content_type:
            body += f"Content-Type: {content_type}\r\n".encode()
        body += b"\r\n" + data + b"\r\n"
    return body + b"--B--\r\n", {"Content-Type": "multipart/form-data; boundary=B"}


def test_a_multipart_put_without_metadata_clears_the_old_metadata(
    api: RestApi, kv: KVNamespace
) -> None:
    body, headers = multipart(("value", b"new", None))
    assert call(api, "PUT", f"{KV_BASE}/{kv.id}/values/keep", body, headers).status == 200
    assert kv.entry("keep") == KVEntry(b"new", None, None)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (
            [("metadata", b"{}", "application/json")],
            (400, 10047, "multipart put request does not contain required form field 'value'"),
        ),
        (
            [("value", b"v", None), ("metadata", b"{oops", "application/json")],
            (
                400,
                10019,
                "metadata must be valid JSON: Expecting property name enclosed in double "
                "quotes: line 1 column 2 (char 1)",
            ),
        ),
        (
            [("value", b"v", None), ("metadata", b"\xff", "text/plain")],
            (
                400,
                10019,
                "metadata must be valid JSON: 'utf-8' codec can't decode byte 0xff in "
                "position 0: invalid start byte",
            ),
        ),
        (
            [("value", b"v", None), ("metadata", json.dumps({"k": "x" * 1020}).encode(), None)],
            (413, 10019, "Metadata length of 1028 exceeds limit of 1024."),
        ),
    ],
)
def test_bad_multipart_puts_are_refused_and_store_nothing(
    api: RestApi,
    kv: KVNamespace,
    parts: list[tuple[str, bytes, str | None]],
    expected: tuple[int, int, str],
) -> None:
    body, headers = multipart(*parts)
    assert error_of(call(api, "PUT", f"{KV_BASE}/{kv.id}/values/keep", body, headers)) == expected
    assert unchanged(kv)


def test_a_broken_multipart_body_is_400(api: RestApi, kv: KVNamespace) -> None:
    response = call(
        api,
        "PUT",
        f"{KV_BASE}/{kv.id}/values/keep",
        b"--B\r\nno end",
        headers={"Content-Type": "multipart/form-data; boundary=B"},
    )
    assert error_of(response) == (
        400,
        10001,
        "multipart part without the blank line after its headers",
    )
    assert unchanged(kv)


def test_a_string_metadata_from_the_sdk_must_be_json(cf: Cloudflare, kv: KVNamespace) -> None:
    cf.kv.namespaces.values.update(
        "quoted", account_id=ACCOUNT, namespace_id=kv.id, value=b"v", metadata='"text"'
    )
    assert kv.entry("quoted") == KVEntry(b"v", "text", None)
    with pytest.raises(BadRequestError) as caught:
        cf.kv.namespaces.values.update(
            "bare", account_id=ACCOUNT, namespace_id=kv.id, value=b"v", metadata="text"
        )
    assert caught.value.errors[0].message.startswith("metadata must be valid JSON: ")
    assert kv.entry("bare") is None


OVER_LONG = "x" * 513
EURO_OVER_LONG = "%E2%82%AC" * 171  # 171 x "€" = 513 UTF-8 bytes


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        (
            "PUT",
            "values/k?expiration_ttl=0",
            b"v",
            (400, "Invalid expiration_ttl of 0. Please specify integer greater than 0."),
        ),
        (
            "PUT",
            "values/k?expiration_ttl=-100",
            b"v",
            (400, "Invalid expiration_ttl of -100. Please specify integer greater than 0."),
        ),
        (
            "PUT",
            "values/k?expiration_ttl=abc",
            b"v",
            (400, "Invalid expiration_ttl of 0. Please specify integer greater than 0."),
        ),
        (
            "PUT",
            "values/k?expiration_ttl=59.9",
            b"v",
            (400, "Invalid expiration_ttl of 59. Expiration TTL must be at least 60."),
        ),
        (
            "PUT",
            "values/k?expiration_ttl=30",
            b"v",
            (400, "Invalid expiration_ttl of 30. Expiration TTL must be at least 60."),
        ),
        (
            "PUT",
            "values/k?expiration=1000",
            b"v",
            (
                400,
                "Invalid expiration of 1000. Please specify integer greater than the current "
                "number of seconds since the UNIX epoch.",
            ),
        ),
        (
            "PUT",
            f"values/k?expiration={START + 59}",
            b"v",
            (
                400,
                f"Invalid expiration of {START + 59}. Expiration times must be at least 60 "
                "seconds in the future.",
            ),
        ),
        (
            "PUT",
            "values/k?expiration_ttl=99999999999",
            b"v",
            (400, "Value out of range. Must be between -2147483648 and 2147483647 (inclusive)."),
        ),
        (
            "PUT",
            "values/k",
            b"x" * 26_214_401,
            (413, "Value length of 26214401 exceeds limit of 26214400."),
        ),
        (
            "PUT",
            f"values/{OVER_LONG}",
            b"v",
            (414, "UTF-8 encoded length of 513 exceeds key length limit of 512."),
        ),
        (
            "PUT",
            f"values/{EURO_OVER_LONG}",
            b"v",
            (414, "UTF-8 encoded length of 513 exceeds key length limit of 512."),
        ),
        (
            "GET",
            f"values/{OVER_LONG}",
            b"",
            (414, "UTF-8 encoded length of 513 exceeds key length limit of 512."),
        ),
        (
            "DELETE",
            f"values/{OVER_LONG}",
            b"",
            (414, "UTF-8 encoded length of 513 exceeds key length limit of 512."),
        ),
        (
            "GET",
            f"metadata/{OVER_LONG}",
            b"",
            (414, "UTF-8 encoded length of 513 exceeds key length limit of 512."),
        ),
        ("PUT", "values/", b"v", (400, "Key names must not be empty")),
        ("GET", "values/", b"", (400, "Key names must not be empty")),
        ("PUT", "values/.", b"v", (400, 'Illegal key name ".". Please use a different name.')),
        (
            "PUT",
            "values/%2E%2E",
            b"v",
            (400, 'Illegal key name "..". Please use a different name.'),
        ),
        ("DELETE", "values/..", b"", (400, 'Illegal key name "..". Please use a different name.')),
        ("PUT", "values/a%FFb", b"v", (400, "Could not URL-decode key name")),
        ("PUT", "values/a%ED%A0%80b", b"v", (400, "Could not URL-decode key name")),
    ],
)
def test_kv_refusals_answer_kvs_text_and_status_and_lose_nothing(
    api: RestApi,
    kv: KVNamespace,
    method: str,
    path: str,
    body: bytes,
    expected: tuple[int, str],
) -> None:
    status, message = expected
    response = call(api, method, f"{KV_BASE}/{kv.id}/{path}", body)
    assert error_of(response) == (status, 10019, message)
    assert unchanged(kv)


def test_a_ttl_wins_over_an_invalid_expiration(api: RestApi, kv: KVNamespace) -> None:
    call(api, "PUT", f"{KV_BASE}/{kv.id}/values/k?expiration=5&expiration_ttl=100", b"v")
    assert kv.entry("k") == KVEntry(b"v", None, START + 100)


def test_the_largest_value_and_key_are_accepted(api: RestApi, kv: KVNamespace) -> None:
    key = "€" * 170 + "xx"  # 512 UTF-8 bytes
    value = b"x" * 26_214_400
    response = call(api, "PUT", f"{KV_BASE}/{kv.id}/values/{key}", value)
    assert response.status == 200
    assert kv.entry(key) == KVEntry(value, None, None)


def test_413_and_414_reach_the_sdk_as_status_errors(cf: Cloudflare, kv: KVNamespace) -> None:
    with pytest.raises(APIStatusError) as caught:
        cf.kv.namespaces.values.update(
            "k", account_id=ACCOUNT, namespace_id=kv.id, value=b"v", metadata={"k": "x" * 1100}
        )
    assert caught.value.status_code == 413
    with pytest.raises(APIStatusError) as too_long:
        cf.kv.namespaces.values.get("x" * 513, account_id=ACCOUNT, namespace_id=kv.id)
    assert too_long.value.status_code == 414


# -- bulk -----------------------------------------------------------------------------------


def test_bulk_write_stores_text_base64_expiration_and_metadata(
    cf: Cloudflare, kv: KVNamespace
) -> None:
    result = cf.kv.namespaces.bulk_update(
        kv.id,
        account_id=ACCOUNT,
        body=[
            {"key": "text", "value": "héllo"},
            {"key": "bin", "value": base64.b64encode(b"\x00\xff").decode(), "base64": True},
            {"key": "ttl", "value": "v", "expiration_ttl": 120, "metadata": {"m": [1]}},
            {"key": "abs", "value": "v", "expiration": START + 600},
        ],
    )
    assert (result.successful_key_count, result.unsuccessful_keys) == (4, [])
    assert kv.entry("text") == KVEntry("héllo".encode(), None, None)
    assert kv.entry("bin") == KVEntry(b"\x00\xff", None, None)
    assert kv.entry("ttl") == KVEntry(b"v", {"m": [1]}, START + 120)
    assert kv.entry("abs") == KVEntry(b"v", None, START + 600)


@pytest.mark.parametrize(
    ("bad_item", "expected"),
    [
        (
            {"key": "k", "value": "v", "expiration_ttl": 10},
            (400, 10019, "Invalid expiration_ttl of 10. Expiration TTL must be at least 60."),
        ),
        (
            {"key": "k", "value": "v", "expiration": 5},
            (
                400,
                10019,
                "Invalid expiration of 5. Please specify integer greater than the current "
                "number of seconds since the UNIX epoch.",
            ),
        ),
        (
            {"key": "k", "value": "v", "metadata": {"k": "x" * 1020}},
            (413, 10019, "Metadata length of 1028 exceeds limit of 1024."),
        ),
        (
            {"key": "x" * 513, "value": "v"},
            (414, 10019, "UTF-8 encoded length of 513 exceeds key length limit of 512."),
        ),
        ({"key": "", "value": "v"}, (400, 10019, "Key names must not be empty")),
        (
            {"key": "..", "value": "v"},
            (400, 10019, 'Illegal key name "..". Please use a different name.'),
        ),
        (
            {"key": "k", "value": "!!", "base64": True},
            (400, 10001, "the value of key 'k' is not valid base64"),
        ),
        ({"key": "k", "value": 5}, (400, 10001, "item 1 needs string 'key' and 'value'")),
        ({"value": "v"}, (400, 10001, "item 1 needs string 'key' and 'value'")),
        (
            {"key": "k", "value": "v", "expiration_ttl": "120"},
            (400, 10001, "item 1: expiration_ttl must be a number"),
        ),
        ("k", (400, 10001, "item 1 must be an object")),
    ],
)
def test_one_bad_bulk_item_refuses_the_whole_request(
    api: RestApi, kv: KVNamespace, bad_item: object, expected: tuple[int, int, str]
) -> None:
    body = [{"key": "first", "value": "v"}, bad_item, {"key": "last", "value": "v"}]
    assert error_of(call(api, "PUT", f"{KV_BASE}/{kv.id}/bulk", body)) == expected
    assert unchanged(kv)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"key": "k"}, (400, 10001, "the body must be a JSON array of key-value pairs")),
        (
            [{"key": f"k{i}", "value": "v"} for i in range(10_001)],
            (400, 10019, "You can write or delete at most 10000 keys per bulk request"),
        ),
    ],
)
def test_bulk_write_refuses_a_malformed_body(
    api: RestApi, kv: KVNamespace, body: object, expected: tuple[int, int, str]
) -> None:
    assert error_of(call(api, "PUT", f"{KV_BASE}/{kv.id}/bulk", body)) == expected
    assert unchanged(kv)


def test_bulk_write_goes_through_the_write_rate_limit_when_it_is_on(
    cf: Cloudflare, kv: KVNamespace
) -> None:
    kv.write_rate_limit = True
    cf.kv.namespaces.bulk_update(kv.id, account_id=ACCOUNT, body=[{"key": "k", "value": "1"}])
    with pytest.raises(RateLimitError) as caught:
        cf.kv.namespaces.bulk_update(kv.id, account_id=ACCOUNT, body=[{"key": "k", "value": "2"}])
    assert (caught.value.errors[0].code, caught.value.errors[0].message) == (
        10429,
        "Too Many Requests",
    )
    assert kv.entry("k") == KVEntry(b"1", None, None)


def test_bulk_delete_removes_every_key(cf: Cloudflare, kv: KVNamespace) -> None:
    kv.seed({"a": "1", "b": "2"})
    result = cf.kv.namespaces.bulk_delete(kv.id, account_id=ACCOUNT, body=["a", "b", "missing"])
    assert result.successful_key_count == 3
    assert list(kv.snapshot()) == ["keep"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (["a", ""], (400, 10019, "Key names must not be empty")),
        (
            ["a", "x" * 513],
            (414, 10019, "UTF-8 encoded length of 513 exceeds key length limit of 512."),
        ),
        (["a", 1], (400, 10001, "the body must be a JSON array of key names")),
        ({"keys": ["a"]}, (400, 10001, "the body must be a JSON array of key names")),
    ],
)
def test_bulk_delete_checks_every_key_first(
    api: RestApi, kv: KVNamespace, body: object, expected: tuple[int, int, str]
) -> None:
    kv.seed({"a": "1"})
    assert error_of(call(api, "POST", f"{KV_BASE}/{kv.id}/bulk/delete", body)) == expected
    assert kv.entry("a") is not None


def test_bulk_get_returns_text_json_and_metadata_with_nulls_for_missing_keys(
    cf: Cloudflare, kv: KVNamespace
) -> None:
    kv.seed({"a": '{"n": 2}'}, metadata={"m": 1})
    text = cf.kv.namespaces.bulk_get(kv.id, account_id=ACCOUNT, keys=["a", "zz"])
    assert text.values == {"a": '{"n": 2}', "zz": None}
    parsed = cf.kv.namespaces.bulk_get(kv.id, account_id=ACCOUNT, keys=["a"], type="json")
    assert parsed.values == {"a": {"n": 2}}
    rich = cf.kv.namespaces.bulk_get(
        kv.id, account_id=ACCOUNT, keys=["a", "zz"], with_metadata=True
    )
    assert rich.values["zz"] is None
    assert (rich.values["a"].value, rich.values["a"].metadata) == ('{"n": 2}', {"m": 1})


def test_bulk_get_with_metadata_carries_the_expiration_when_one_is_set(
    api: RestApi, kv: KVNamespace
) -> None:
    kv.seed({"plain": "p"})
    kv.seed({"timed": KVEntry(b"t", None, START + 3600)})
    response = call(
        api,
        "POST",
        f"{KV_BASE}/{kv.id}/bulk/get",
        {"keys": ["plain", "timed"], "withMetadata": True},
    )
    assert json.loads(response.body)["result"]["values"] == {
        "plain": {"value": "p", "metadata": None},
        "timed": {"value": "t", "metadata": None, "expiration": START + 3600},
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"keys": []}, (400, 10019, "You must request a minimum of 1 key")),
        (
            {"keys": [f"k{i}" for i in range(101)]},
            (400, 10019, "You can request a maximum of 100 keys"),
        ),
        (
            {"keys": ["keep"], "type": "arrayBuffer"},
            (400, 10019, '"arrayBuffer" is not a valid type. Use "json" or "text"'),
        ),
        (
            {"keys": ["keep"], "type": "json"},
            (400, 10019, "At least one of the requested keys corresponds to a non-json value"),
        ),
        ({"keys": [""]}, (400, 10019, "Key names must not be empty")),
        ({"keys": ["."]}, (400, 10019, 'Illegal key name ".". Please use a different name.')),
        ({"keys": "keep"}, (400, 10001, "'keys' must be an array of key names")),
        (
            {"keys": ["keep"], "type": 5},
            (400, 10001, "'type' must be a string, 'withMetadata' a boolean"),
        ),
        (["keep"], (400, 10001, "the body must be a JSON object with 'keys'")),
    ],
)
def test_bulk_get_refusals_answer_kvs_texts(
    api: RestApi, kv: KVNamespace, body: object, expected: tuple[int, int, str]
) -> None:
    assert error_of(call(api, "POST", f"{KV_BASE}/{kv.id}/bulk/get", body)) == expected
