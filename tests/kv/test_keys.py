"""Key rules (docs/kv.md#keys): exact texts and statuses for every operation."""

# ruff: noqa: E501 - exact-text tables keep one case per line

from __future__ import annotations

from typing import Any

import pytest

from emulator import KVArgumentError, KVError, KVNamespace

LONG_513 = "x" * 513
EURO_171 = "€" * 171  # 513 UTF-8 bytes


async def call(kv: KVNamespace, operation: str, key: Any) -> Any:
    if operation == "put":
        return await kv.put(key, "v")
    if operation == "get":
        return await kv.get(key)
    if operation == "get_with_metadata":
        return await kv.get_with_metadata(key)
    return await kv.delete(key)


OPERATIONS = ["put", "get", "get_with_metadata", "delete"]
METHOD_NAME = {"put": "PUT", "get": "GET", "get_with_metadata": "GET", "delete": "DELETE"}


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "Key name cannot be empty."),
        (".", '"." is not allowed as a key name.'),
        ("..", '".." is not allowed as a key name.'),
    ],
)
async def test_client_side_key_errors_are_type_errors(
    kv: KVNamespace, operation: str, key: str, message: str
) -> None:
    with pytest.raises(KVArgumentError) as caught:
        await call(kv, operation, key)
    assert str(caught.value) == message
    assert isinstance(caught.value, TypeError)


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    ("key", "status", "message"),
    [
        (LONG_513, 414, "{op} failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."),
        (EURO_171, 414, "{op} failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."),
        ("a\ud800b", 400, "{op} failed: 400 Could not URL-decode key name"),
        # The length check comes first and counts a lone surrogate as 3 bytes.
        (LONG_513 + "\ud800", 414, "{op} failed: 414 UTF-8 encoded length of 516 exceeds key length limit of 512."),
    ],
)  # fmt: skip
async def test_service_side_key_errors_carry_status_and_method(
    kv: KVNamespace, operation: str, key: str, status: int, message: str
) -> None:
    with pytest.raises(KVError) as caught:
        await call(kv, operation, key)
    assert str(caught.value) == "KV " + message.format(op=METHOD_NAME[operation])
    assert caught.value.status == status
    assert not isinstance(caught.value, TypeError)


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        ("put", "Failed to execute 'put' on 'KvNamespace': parameter 1 is not of type 'string'."),
        ("delete", "Failed to execute 'delete' on 'KvNamespace': parameter 1 is not of type 'string'."),
        ("get", "Failed to execute 'get' on 'KvNamespace': parameter 1 is not of type 'string or Array'."),
        ("get_with_metadata", "Failed to execute 'get_with_metadata' on 'KvNamespace': parameter 1 is not of type 'string or Array'."),
    ],
)  # fmt: skip
@pytest.mark.parametrize("key", [123, None, b"bytes-key", {"a": 1}])
async def test_non_string_keys_are_refused(
    kv: KVNamespace, operation: str, message: str, key: object
) -> None:
    with pytest.raises(KVArgumentError) as caught:
        await call(kv, operation, key)
    assert str(caught.value) == message


@pytest.mark.parametrize("key", ["x" * 512, "€" * 170, "€" * 170 + "ab", "😀" * 128])
async def test_keys_up_to_512_utf8_bytes_round_trip(kv: KVNamespace, key: str) -> None:
    await kv.put(key, "value")
    assert await kv.get(key) == "value"
    assert [k.name for k in (await kv.list()).keys] == [key]
    await kv.delete(key)
    assert await kv.get(key) is None


@pytest.mark.parametrize(
    "key",
    ["./", "...", "/", "a/../b", "%", "%2F", "a?b", "a#b", " ", "\n", "\u0000", "😀", "a\\b"],
)
async def test_there_are_no_reserved_key_names(kv: KVNamespace, key: str) -> None:
    await kv.put(key, f"value of {key!r}")
    assert await kv.get(key) == f"value of {key!r}"
    assert [k.name for k in (await kv.list()).keys] == [key]


async def test_keys_are_case_sensitive(kv: KVNamespace) -> None:
    await kv.put("Key", "upper")
    await kv.put("key", "lower")
    assert await kv.get("Key") == "upper"
    assert await kv.get("key") == "lower"
    assert await kv.get("KEY") is None


async def test_deleting_a_missing_key_returns_none(kv: KVNamespace) -> None:
    assert await kv.delete("never-written") is None  # type: ignore[func-returns-value]


async def test_delete_removes_value_and_metadata(kv: KVNamespace) -> None:
    await kv.put("k", "v", metadata={"m": 1})
    assert await kv.delete("k") is None  # type: ignore[func-returns-value]
    found = await kv.get_with_metadata("k")
    assert (found.value, found.metadata) == (None, None)
    assert (await kv.list()).keys == []
