"""Values (docs/kv.md#values): what ``put`` accepts, what each ``get`` type returns."""

from __future__ import annotations

import array
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from emulator import KVArgumentError, KVError, KVNamespace
from emulator.kv import constants

MAX = 26_214_400


async def chunks(*parts: Any) -> AsyncIterator[Any]:
    for part in parts:
        yield part


async def collect(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("text", b"text"),
        ("", b""),
        ("é😀", "é😀".encode()),
        (b"\x00\xff", b"\x00\xff"),
        (bytearray(b"abc"), b"abc"),
        (memoryview(b"abcdef")[1:4], b"bcd"),
        (array.array("B", [1, 2, 3]), b"\x01\x02\x03"),
        # As TextEncoder: a pair spelled as two code points joins, a lone one is U+FFFD.
        ("a\ud83d\ude00b", "a😀b".encode()),
        ("a\ud800b", "a\ufffdb".encode()),
    ],
)
async def test_put_accepts_strings_and_bytes_like_values(
    kv: KVNamespace, value: Any, stored: bytes
) -> None:
    await kv.put("k", value)
    assert await kv.get("k", "bytes") == stored


async def test_put_accepts_an_async_iterable_of_byte_chunks(kv: KVNamespace) -> None:
    await kv.put("k", chunks(b"ab", bytearray(b"cd"), memoryview(b"ef"), b""))
    assert await kv.get("k") == "abcdef"


@pytest.mark.parametrize("value", [{"a": 1}, [b"a"], 42, 4.2, True, None, object()])
async def test_put_refuses_other_values_with_the_runtime_text(kv: KVNamespace, value: Any) -> None:
    with pytest.raises(KVArgumentError) as caught:
        await kv.put("k", value)
    assert str(caught.value) == (
        "KV put() accepts only strings, bytes-like values and async iterables of bytes as values."
    )
    assert kv.snapshot() == {}


async def test_put_refuses_a_stream_of_strings(kv: KVNamespace) -> None:
    with pytest.raises(KVArgumentError) as caught:
        await kv.put("k", chunks(b"ok", "text"))
    assert str(caught.value) == "KV put() streams must yield bytes-like chunks, not str."
    assert kv.snapshot() == {}


@pytest.mark.parametrize("size", [0, 1, MAX])
async def test_values_up_to_25_mib_are_accepted(kv: KVNamespace, size: int) -> None:
    await kv.put("k", b"x" * size)
    assert len(await kv.get("k", "bytes") or b"") == size


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(b"x" * (MAX + 1), id="bytes"),
        pytest.param("x" * (MAX + 1), id="str"),
        pytest.param("€" * 8_738_134, id="str-counted-in-utf8-bytes"),  # 26,214,402 bytes
    ],
)
async def test_values_over_25_mib_fail_with_413(kv: KVNamespace, value: Any) -> None:
    length = len(value) if isinstance(value, bytes) else len(value.encode())
    with pytest.raises(KVError) as caught:
        await kv.put("k", value)
    assert str(caught.value) == (
        f"KV PUT failed: 413 Value length of {length} exceeds limit of 26214400."
    )
    assert caught.value.status == 413
    assert kv.snapshot() == {}


async def test_an_oversized_stream_reports_its_full_length_and_writes_nothing(
    kv: KVNamespace,
) -> None:
    await kv.put("k", "old")
    mib = b"x" * (1024 * 1024)
    with pytest.raises(KVError) as caught:
        await kv.put("k", chunks(*[mib] * 30))
    assert str(caught.value) == (
        "KV PUT failed: 413 Value length of 31457280 exceeds limit of 26214400."
    )
    assert await kv.get("k") == "old"


async def test_a_stream_of_exactly_25_mib_is_accepted(kv: KVNamespace) -> None:
    await kv.put("k", chunks(b"x" * (MAX - 1), b"y"))
    stored = await kv.get("k", "bytes")
    assert stored is not None
    assert len(stored) == MAX
    assert stored.endswith(b"xy")


async def test_a_failing_stream_writes_nothing(kv: KVNamespace) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"partial"
        raise ConnectionResetError("client went away")

    await kv.put("k", "old")
    with pytest.raises(ConnectionResetError):
        await kv.put("k", broken())
    assert await kv.get("k") == "old"


async def test_get_text_is_the_default_and_decodes_utf8(kv: KVNamespace) -> None:
    await kv.put("k", "héllo")
    assert await kv.get("k") == "héllo"
    assert await kv.get("k", "text") == "héllo"


async def test_get_text_replaces_invalid_utf8_and_keeps_a_bom(kv: KVNamespace) -> None:
    await kv.put("bad", b"a\xffb")
    await kv.put("bom", b"\xef\xbb\xbfa")
    assert await kv.get("bad") == "a\ufffdb"
    assert await kv.get("bom") == "\ufeffa"


@pytest.mark.parametrize(
    ("stored", "parsed"),
    [('{"a": [1, 2.5, null]}', {"a": [1, 2.5, None]}), ('"s"', "s"), ("0", 0), ("null", None)],
)
async def test_get_json_parses(kv: KVNamespace, stored: str, parsed: Any) -> None:
    await kv.put("k", stored)
    assert await kv.get("k", "json") == parsed


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ("not json", "Expecting value: line 1 column 1 (char 0)"),
        ("", "Expecting value: line 1 column 1 (char 0)"),
        ('{"a": 1', "Expecting ',' delimiter: line 1 column 8 (char 7)"),
        # JSON.parse refuses what Python's json would let through.
        ('{"a": NaN}', "Expecting value: line 1 column 7 (char 6)"),
        ('["NaN", -Infinity]', "Expecting value: line 1 column 9 (char 8)"),
        ("Infinity", "Expecting value: line 1 column 1 (char 0)"),
        ("\ufeff1", "Expecting value: line 1 column 1 (char 0)"),  # JSON.parse refuses a BOM
    ],
)
async def test_get_json_of_a_non_json_value_raises_pythons_decode_error(
    kv: KVNamespace, stored: str, message: str
) -> None:
    await kv.put("k", stored)
    with pytest.raises(json.JSONDecodeError) as caught:
        await kv.get("k", "json")
    assert str(caught.value) == message


async def test_get_bytes_returns_the_stored_bytes(kv: KVNamespace) -> None:
    await kv.put("k", b"\x00\x01\xfe")
    assert await kv.get("k", "bytes") == b"\x00\x01\xfe"


async def test_get_stream_yields_the_value_in_chunks(kv: KVNamespace) -> None:
    value = bytes(range(256)) * 1000  # 256,000 bytes: 4 chunks of 64 KiB
    await kv.put("k", value)
    stream = await kv.get("k", "stream")
    assert stream is not None
    parts = [chunk async for chunk in stream]
    assert [len(part) for part in parts] == [65536, 65536, 65536, 59392]
    assert b"".join(parts) == value


async def test_get_stream_of_an_empty_value_yields_nothing(kv: KVNamespace) -> None:
    await kv.put("k", "")
    stream = await kv.get("k", "stream")
    assert stream is not None
    assert await collect(stream) == b""


@pytest.mark.parametrize("type_", ["text", "json", "bytes", "stream", "TEXT", "arrayBuffer"])
async def test_a_missing_key_is_none_for_every_type(kv: KVNamespace, type_: str) -> None:
    assert await kv.get("missing", type_) is None


@pytest.mark.parametrize("type_", ["TEXT", "arrayBuffer", "", "blob"])
async def test_an_unknown_type_fails_only_for_an_existing_key(kv: KVNamespace, type_: str) -> None:
    await kv.put("k", "v")
    for read in (kv.get, kv.get_with_metadata):
        with pytest.raises(KVArgumentError) as caught:
            await read("k", type_)
        assert str(caught.value) == (
            'Unknown response type. Possible types are "text", "bytes", "json", and "stream".'
        )
        assert str(caught.value) == constants.UNKNOWN_TYPE


async def test_put_replaces_value_metadata_and_expiration_together(
    kv: KVNamespace, clock: Any
) -> None:
    await kv.put("k", "one", metadata={"v": 1}, expiration_ttl=60)
    await kv.put("k", "two")
    found = await kv.get_with_metadata("k")
    assert (found.value, found.metadata) == ("two", None)
    assert (await kv.list()).keys[0].expiration is None
    clock.shift(3600)
    assert await kv.get("k") == "two"


async def test_put_returns_none(kv: KVNamespace) -> None:
    assert await kv.put("k", "v") is None  # type: ignore[func-returns-value]


@pytest.mark.parametrize(
    ("cache_ttl", "shown"), [(29, 29), (0, 0), (-5, -5), (29.9, 29), (float("nan"), 0)]
)
@pytest.mark.parametrize("read", ["get", "get_with_metadata"])
async def test_cache_ttl_under_30_fails_even_for_a_missing_key(
    kv: KVNamespace, read: str, cache_ttl: float, shown: int
) -> None:
    with pytest.raises(KVError) as caught:
        await getattr(kv, read)("missing", cache_ttl=cache_ttl)
    assert str(caught.value) == (
        f"KV GET failed: 400 Invalid cache_ttl of {shown}. Cache TTL must be at least 30."
    )
    assert caught.value.status == 400


@pytest.mark.parametrize("cache_ttl", [30, 3600, 2_147_483_647, 30.5])
async def test_cache_ttl_of_30_or_more_is_accepted_and_ignored(
    kv: KVNamespace, cache_ttl: float
) -> None:
    await kv.put("k", "v")
    assert await kv.get("k", cache_ttl=cache_ttl) == "v"


async def test_the_key_is_checked_before_cache_ttl(kv: KVNamespace) -> None:
    with pytest.raises(KVError) as caught:
        await kv.get("x" * 513, cache_ttl=10)
    assert caught.value.status == 414


@pytest.mark.parametrize(
    ("cache_ttl", "message"),
    [
        (2**31, "Value out of range. Must be between -2147483648 and 2147483647 (inclusive)."),
        ("60", "cache_ttl must be an int, not str."),
        (True, "cache_ttl must be an int, not bool."),
    ],
)
async def test_cache_ttl_conversion_fails_before_the_key_check(
    kv: KVNamespace, cache_ttl: Any, message: str
) -> None:
    with pytest.raises(KVArgumentError) as caught:
        await kv.get("", cache_ttl=cache_ttl)
    assert str(caught.value) == message
