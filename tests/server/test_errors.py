"""The one error mapping: exceptions in, Cloudflare envelopes out."""

from __future__ import annotations

import logging

import pytest

from emulator import D1Error, D1TypeError, KVArgumentError, KVError
from emulator.server.errors import ApiError, error_response, kv_error_text
from tests.server.helpers import error_of


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ApiError(404, 10013, "namespace not found"), (404, 10013, "namespace not found")),
        (
            KVError(
                "KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.", status=413
            ),
            (413, 10019, "Value length of 26214401 exceeds limit of 26214400."),
        ),
        (
            KVError(
                "KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
                status=414,
            ),
            (414, 10019, "UTF-8 encoded length of 513 exceeds key length limit of 512."),
        ),
        (
            KVError("KV GET_BULK failed: 400 You must request a minimum of 1 key"),
            (400, 10019, "You must request a minimum of 1 key"),
        ),
        (
            KVError("KV PUT failed: 429 Too Many Requests", status=429),
            (429, 10429, "Too Many Requests"),
        ),
        (
            KVArgumentError(
                "Value out of range. Must be between -2147483648 and 2147483647 (inclusive)."
            ),
            (
                400,
                10019,
                "Value out of range. Must be between -2147483648 and 2147483647 (inclusive).",
            ),
        ),
        (
            D1Error("D1_ERROR: no such table: nope: SQLITE_ERROR"),
            (400, 7500, "no such table: nope: SQLITE_ERROR"),
        ),
        (
            D1TypeError("D1_TYPE_ERROR: Type 'list' not supported for value '[1]'"),
            (400, 7500, "D1_TYPE_ERROR: Type 'list' not supported for value '[1]'"),
        ),
    ],
)
def test_errors_map_to_status_code_and_text(
    error: Exception, expected: tuple[int, int, str]
) -> None:
    assert error_of(error_response(error)) == expected


def test_unexpected_errors_are_a_logged_500_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="emulator.server"):
        response = error_response(ZeroDivisionError("secret detail"))
    assert error_of(response) == (500, 10002, "Internal error")
    assert b"secret" not in response.body
    assert b"Traceback" not in response.body
    assert "ZeroDivisionError" in caplog.text


def test_kv_error_text_keeps_messages_without_the_binding_prefix() -> None:
    assert kv_error_text(KVError("Key name cannot be empty.")) == (400, "Key name cannot be empty.")
