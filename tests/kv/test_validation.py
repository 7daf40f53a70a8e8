"""Pure validation functions: conversions and encodings the namespace builds on."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator import KVArgumentError, KVError
from emulator.kv import constants
from emulator.kv.validation import (
    coerce_long,
    decode_cursor,
    encode_bulk_key,
    encode_cursor,
    encode_key,
    metadata_text,
    resolve_expiration,
    usv_encode,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (60, 60),
        (60.9, 60),
        (-60.9, -60),
        (0.5, 0),
        (float("nan"), 0),
        (float("-inf"), 0),
        (2_147_483_647, 2_147_483_647),
        (-2_147_483_648, -2_147_483_648),
        (2_147_483_647.9, 2_147_483_647),
    ],
)
def test_coerce_long_truncates_like_webidl(value: float, expected: int) -> None:
    assert coerce_long(value, "expiration") == expected


@pytest.mark.parametrize("value", [2_147_483_648, -2_147_483_649, 1e12, 2**64])
def test_coerce_long_refuses_values_outside_int32(value: float) -> None:
    with pytest.raises(KVArgumentError, match=r"^Value out of range\."):
        coerce_long(value, "expiration")


def test_resolve_expiration_prefers_the_ttl() -> None:
    assert resolve_expiration(1000, 1, 60) == 1060
    assert resolve_expiration(1000, 1060, None) == 1060
    assert resolve_expiration(1000, None, None) is None


def test_encode_key_returns_utf8_bytes() -> None:
    assert encode_key("aé😀", constants.GET) == "aé😀".encode()


def test_encode_bulk_key_treats_lone_surrogates_as_unstorable() -> None:
    assert encode_bulk_key("a\ud800") is None
    with pytest.raises(KVError) as caught:
        encode_bulk_key("x" * 511 + "\ud800")
    assert caught.value.status == 414


@pytest.mark.parametrize(
    ("metadata", "text"),
    [
        ({"a": [1, True, None]}, '{"a":[1,true,null]}'),
        ("é", '"é"'),  # non-ASCII kept, as JSON.stringify
        ({"s": "a\ud800"}, '{"s":"a\\ud800"}'),
        (0, "0"),
    ],
)
def test_metadata_text_matches_json_stringify(metadata: Any, text: str) -> None:
    assert metadata_text(metadata) == (text, len(text.encode()))


def test_metadata_text_of_none_is_no_metadata() -> None:
    assert metadata_text(None) is None


def test_usv_encode_joins_pairs_and_replaces_lone_surrogates() -> None:
    assert usv_encode("\ud83d\ude00") == "😀".encode()
    assert usv_encode("\udc00x") == "\ufffdx".encode()


@given(st.binary(max_size=600))
def test_decode_cursor_inverts_encode_cursor_for_utf8(raw: bytes) -> None:
    key = raw.decode("utf-8", "replace").encode()
    assert decode_cursor(encode_cursor(key)) == key


@pytest.mark.parametrize(
    ("cursor", "decoded"),
    [
        ("", b""),
        (None, b""),
        ("MTA=", b"10"),
        ("MTA", b"10"),
        ("M T\nA=", b"10"),
        ("YWJj=ZGVm", b"abc"),
        ("YW=Jj", b"a"),
        ("Y", b""),
        ("YWJjZ", b"abc"),
        ("%YWJj", b"abc"),
        ("M-_/+", "3\ufffd\ufffd".encode()),  # Node decodes both alphabets; bad UTF-8 -> U+FFFD
        ("!!!", b""),
    ],
)
def test_decode_cursor_is_as_lenient_as_nodes_base64(cursor: str | None, decoded: bytes) -> None:
    assert decode_cursor(cursor) == decoded


@given(st.text(max_size=50))
def test_decode_cursor_never_raises(cursor: str) -> None:
    decoded = decode_cursor(cursor)
    assert decoded == decoded.decode("utf-8").encode()  # always valid UTF-8


def test_encode_cursor_is_standard_padded_base64() -> None:
    assert encode_cursor("a😀".encode()) == "YfCfmIA="
    assert base64.b64decode(encode_cursor(b"\xff\xfe")) == b"\xff\xfe"
