"""The one write validator: the same checks for the binding, seeding, REST and the remote client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from emulator import KVArgumentError, KVError
from emulator.kv.writes import KVWrite, put_arguments, read_value, validate_put

NOW = 1_800_000_000.5


def test_validate_put_returns_the_write_to_store() -> None:
    arguments = put_arguments("k", "v", expiration_ttl=120.9, metadata={"a": 1})
    assert validate_put(arguments, now=NOW) == KVWrite(b"k", b"v", '{"a":1}', 1_800_000_120)


def test_without_a_clock_a_ttl_is_kept_for_the_service_and_wins() -> None:
    arguments = put_arguments("k", b"v", expiration=5, expiration_ttl=60)
    write = validate_put(arguments, now=None)
    assert (write.expiration, write.expiration_ttl) == (None, 60)


def test_without_a_clock_an_absolute_expiration_is_left_to_the_service() -> None:
    write = validate_put(put_arguments("k", b"v", expiration=5), now=None)
    assert (write.expiration, write.expiration_ttl) == (5, None)


def test_without_a_clock_the_ttl_checks_still_run() -> None:
    with pytest.raises(KVError) as caught:
        validate_put(put_arguments("k", b"v", expiration_ttl=30), now=None)
    assert str(caught.value) == (
        "KV PUT failed: 400 Invalid expiration_ttl of 30. Expiration TTL must be at least 60."
    )


def test_the_service_checks_come_in_order_key_first() -> None:
    arguments = put_arguments("k" * 513, b"v", expiration_ttl=1, metadata="m" * 2000)
    with pytest.raises(KVError) as caught:
        validate_put(arguments, now=NOW)
    assert caught.value.status == 414
    assert str(caught.value) == (
        "KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."
    )


def test_metadata_size_is_checked_before_value_size() -> None:
    arguments = put_arguments("k", b"x" * (25 * 1024 * 1024 + 1), metadata="m" * 2000)
    with pytest.raises(KVError) as caught:
        validate_put(arguments, now=NOW)
    assert str(caught.value) == "KV PUT failed: 413 Metadata length of 2002 exceeds limit of 1024."


def test_streams_can_be_refused_where_only_values_are_taken() -> None:
    async def stream() -> object:
        yield b"x"

    with pytest.raises(KVArgumentError) as caught:
        put_arguments("k", stream(), streams=False)
    assert str(caught.value) == (
        "KV put() accepts only strings, bytes-like values and async iterables of bytes as values."
    )


async def test_a_streamed_value_is_read_once_the_other_checks_passed() -> None:
    read: list[bytes] = []

    async def stream() -> AsyncIterator[bytes]:
        read.append(b"x")
        yield b"x"

    arguments = put_arguments("k" * 513, stream())
    with pytest.raises(KVError):
        validate_put(arguments, now=NOW)
    assert read == []  # the key failed first: the stream was never touched
    arguments = put_arguments("k", stream())
    write = await read_value(validate_put(arguments, now=NOW), arguments)
    assert write == KVWrite(b"k", b"x", None, None)
