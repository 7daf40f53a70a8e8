"""Metadata (docs/kv.md#metadata): any JSON value up to 1024 UTF-8 bytes."""

from __future__ import annotations

from typing import Any

import pytest

from emulator import KVError, KVNamespace


@pytest.mark.parametrize(
    "metadata",
    [{"a": 1, "b": [True, None, "é"]}, [1, 2], "text", 3.5, 0, False, "", {}, []],
)
async def test_any_json_value_is_kept_falsy_ones_included(kv: KVNamespace, metadata: Any) -> None:
    await kv.put("k", "v", metadata=metadata)
    found = await kv.get_with_metadata("k")
    assert found.value == "v"
    assert found.metadata == metadata
    assert type(found.metadata) is type(metadata)
    assert (await kv.list()).keys[0].metadata == metadata


async def test_none_metadata_means_no_metadata(kv: KVNamespace) -> None:
    await kv.put("k", "v", metadata=None)
    found = await kv.get_with_metadata("k")
    assert (found.value, found.metadata, found.cache_status) == ("v", None, None)
    assert (await kv.list()).keys[0].metadata is None


async def test_a_missing_key_has_no_value_and_no_metadata(kv: KVNamespace) -> None:
    found = await kv.get_with_metadata("missing")
    assert (found.value, found.metadata, found.cache_status) == (None, None, None)


async def test_metadata_is_a_fresh_copy_on_every_read(kv: KVNamespace) -> None:
    await kv.put("k", "v", metadata={"list": [1]})
    first = await kv.get_with_metadata("k")
    first.metadata["list"].append(2)
    assert (await kv.get_with_metadata("k")).metadata == {"list": [1]}


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param("x" * 1022, id="1024-bytes-of-string"),  # '"' + 1022 + '"'
        pytest.param({"k": "€" * 338}, id="1022-bytes-of-euro"),
        pytest.param({"k": "x" * 1016}, id="1024-bytes-compact-json"),
    ],
)
async def test_metadata_up_to_1024_serialised_bytes_is_accepted(
    kv: KVNamespace, metadata: Any
) -> None:
    await kv.put("k", "v", metadata=metadata)
    assert (await kv.get_with_metadata("k")).metadata == metadata


@pytest.mark.parametrize(
    ("metadata", "length"),
    [
        ("x" * 1023, 1025),
        ({"k": "€" * 339}, 1025),  # counted in UTF-8 bytes, not characters
        ({"k": "x" * 1017}, 1025),  # compact separators, as JSON.stringify
        ([0] * 600, 1201),
        ({"k": "x" * 1008, "n": float("nan")}, 1025),  # NaN counted as the 4 bytes of null
    ],
)
async def test_metadata_over_1024_bytes_fails_with_413(
    kv: KVNamespace, metadata: Any, length: int
) -> None:
    with pytest.raises(KVError) as caught:
        await kv.put("k", "v", metadata=metadata)
    assert str(caught.value) == (
        f"KV PUT failed: 413 Metadata length of {length} exceeds limit of 1024."
    )
    assert caught.value.status == 413
    assert kv.snapshot() == {}


@pytest.mark.parametrize(
    ("metadata", "error", "message"),
    [
        ({"s": {1, 2}}, TypeError, "Object of type set is not JSON serializable"),
        (object(), TypeError, "Object of type object is not JSON serializable"),
        (b"raw", TypeError, "Object of type bytes is not JSON serializable"),
    ],
)
async def test_metadata_json_cannot_hold_raises_pythons_json_error(
    kv: KVNamespace, metadata: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        await kv.put("k", "v", metadata=metadata)
    assert str(caught.value) == message
    assert kv.snapshot() == {}


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
async def test_non_finite_metadata_numbers_are_stored_as_null_like_json_stringify(
    kv: KVNamespace, number: float
) -> None:
    await kv.put("k", "v", metadata={"n": number, "list": [number, 1.5]})
    result = await kv.get_with_metadata("k")
    assert result.metadata == {"n": None, "list": [None, 1.5]}


async def test_a_lone_surrogate_in_metadata_is_escaped_like_json_stringify(
    kv: KVNamespace,
) -> None:
    await kv.put("k", "v", metadata={"s": "a\ud800"})
    assert (await kv.get_with_metadata("k")).metadata == {"s": "a\ud800"}
