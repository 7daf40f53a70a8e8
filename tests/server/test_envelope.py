"""The envelope: what every JSON answer looks like, and how values become JSON."""

from __future__ import annotations

import math

import pytest

from emulator.server.envelope import ApiRequest, failure, json_bytes, jsonable, ok, raw


def test_ok_wraps_the_result_in_cloudflares_envelope() -> None:
    response = ok({"id": "x"})
    assert response.status == 200
    assert response.header("content-type") == "application/json"
    assert response.json() == {"success": True, "errors": [], "messages": [], "result": {"id": "x"}}


def test_ok_adds_result_info_for_lists() -> None:
    response = ok([], result_info={"count": 0, "cursor": ""})
    assert response.json()["result_info"] == {"count": 0, "cursor": ""}


def test_failure_has_one_error_null_result_and_tells_the_sdk_not_to_retry() -> None:
    response = failure(404, 10009, "get: 'key not found'")
    assert response.status == 404
    assert response.header("X-Should-Retry") == "false"
    assert response.json() == {
        "success": False,
        "errors": [{"code": 10009, "message": "get: 'key not found'"}],
        "messages": [],
        "result": None,
    }


def test_raw_answers_bytes_with_extra_headers() -> None:
    response = raw(b"\x00\xff", content_type="application/octet-stream", extra={"expiration": "5"})
    assert (response.status, response.body) == (200, b"\x00\xff")
    assert response.header("expiration") == "5"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (b"\x00\xff", [0, 255]),
        (bytearray(b"ab"), [97, 98]),
        (memoryview(b"\x01"), [1]),
        (math.inf, None),
        (-math.inf, None),
        (math.nan, None),
        (1.5, 1.5),
        ({"a": [b"\x02", {"b": math.nan}]}, {"a": [[2], {"b": None}]}),
        (("x", 1), ["x", 1]),
        ("é", "é"),
    ],
)
def test_jsonable_turns_blobs_into_byte_arrays_and_non_finite_floats_into_null(
    value: object, shown: object
) -> None:
    assert jsonable(value) == shown


def test_json_bytes_is_compact_utf8() -> None:
    assert json_bytes({"k": "é", "n": [1, 2]}) == '{"k":"é","n":[1,2]}'.encode()


def test_request_headers_are_case_insensitive() -> None:
    request = ApiRequest("GET", "/", {"Content-Type": "text/plain"})
    assert request.header("content-type") == "text/plain"
    assert request.header("Authorization") is None
