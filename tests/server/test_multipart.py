"""multipart/form-data parsing from bytes (RFC 7578), as the SDK and curl send it."""

from __future__ import annotations

import pytest

from emulator.server.multipart import (
    MultipartError,
    boundary_of,
    header_params,
    parse_form_data,
)

CT = "multipart/form-data; boundary=XyZ"


def form(*parts: bytes, epilogue: bytes = b"") -> bytes:
    return b"".join(b"--XyZ\r\n" + part + b"\r\n" for part in parts) + b"--XyZ--\r\n" + epilogue


def test_parses_the_sdks_value_and_metadata_parts() -> None:
    body = form(
        b'Content-Disposition: form-data; name="value"; filename="upload"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\nv1\r\nstill v1",
        b'Content-Disposition: form-data; name="metadata"\r\n'
        b'Content-Type: application/json\r\n\r\n{"m": 1}',
    )
    parts = parse_form_data(body, CT)
    assert parts["value"].data == b"v1\r\nstill v1"
    assert parts["value"].filename == "upload"
    assert parts["value"].content_type == "application/octet-stream"
    assert parts["metadata"].data == b'{"m": 1}'
    assert parts["metadata"].filename is None


def test_keeps_binary_data_and_empty_parts_exact() -> None:
    payload = bytes(range(256)) + b"--XyZ-not-a-boundary"
    body = form(
        b'Content-Disposition: form-data; name="value"\r\n\r\n' + payload,
        b'Content-Disposition: form-data; name="empty"\r\n\r\n',
    )
    parts = parse_form_data(body, CT)
    assert parts["value"].data == payload
    assert parts["empty"].data == b""


def test_ignores_preamble_and_epilogue_and_keeps_the_first_of_repeated_names() -> None:
    body = b"preamble\r\n" + form(
        b'Content-Disposition: form-data; name="value"\r\n\r\nfirst',
        b'Content-Disposition: form-data; name="value"\r\n\r\nsecond',
        epilogue=b"trailing junk",
    )
    assert parse_form_data(body, CT)["value"].data == b"first"


def test_a_quoted_boundary_and_quoted_names_with_escapes_work() -> None:
    body = b'--a;b\r\nContent-Disposition: form-data; name="va\\"l"\r\n\r\nx\r\n--a;b--'
    parts = parse_form_data(body, 'multipart/form-data; boundary="a;b"')
    assert parts['va"l'].data == b"x"


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"whatever", "multipart/form-data", "multipart body without a valid boundary"),
        (b"no boundary here", CT, "multipart body without its boundary"),
        (
            b'--XyZ\r\nContent-Disposition: form-data; name="v"\r\n\r\nx',
            CT,
            "multipart body without its closing boundary",
        ),
        (
            b'--XyZ\r\nContent-Disposition: form-data; name="v"',
            CT,
            "multipart part without the blank line after its headers",
        ),
        (b"--XyZjunk", CT, "multipart boundary not followed by a line break"),
        (
            b"--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--",
            CT,
            "multipart part without Content-Disposition",
        ),
        (
            b"--XyZ\r\nContent-Disposition: attachment\r\n\r\nx\r\n--XyZ--",
            CT,
            "multipart part is not form-data with a name",
        ),
        (b"--XyZ\r\nbroken header\r\n\r\nx\r\n--XyZ--", CT, "multipart part header without ':'"),
    ],
)
def test_malformed_bodies_are_refused_with_a_reason(
    body: bytes, content_type: str, message: str
) -> None:
    with pytest.raises(MultipartError, match=f"^{message}$"):
        parse_form_data(body, content_type)


def test_header_params_splits_a_header_value() -> None:
    assert header_params('Form-Data; Name="a; b"; filename=x.txt') == (
        "form-data",
        {"name": "a; b", "filename": "x.txt"},
    )


def test_boundary_of_refuses_over_long_boundaries() -> None:
    with pytest.raises(MultipartError):
        boundary_of("multipart/form-data; boundary=" + "x" * 201)
