"""Expiration (docs/kv.md#expiration): validation table and expiry on the clock."""

# ruff: noqa: E501 - exact-text tables keep one case per line

from __future__ import annotations

from typing import Any

import pytest

from emulator import KVArgumentError, KVError, KVNamespace, ManualClock
from tests.kv.helpers import START

OUT_OF_RANGE = "Value out of range. Must be between -2147483648 and 2147483647 (inclusive)."


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"expiration_ttl": 0}, "Invalid expiration_ttl of 0. Please specify integer greater than 0."),
        ({"expiration_ttl": -100}, "Invalid expiration_ttl of -100. Please specify integer greater than 0."),
        ({"expiration_ttl": -100.5}, "Invalid expiration_ttl of -100. Please specify integer greater than 0."),
        ({"expiration_ttl": 0.5}, "Invalid expiration_ttl of 0. Please specify integer greater than 0."),
        ({"expiration_ttl": float("nan")}, "Invalid expiration_ttl of 0. Please specify integer greater than 0."),
        ({"expiration_ttl": float("inf")}, "Invalid expiration_ttl of 0. Please specify integer greater than 0."),
        ({"expiration_ttl": 1}, "Invalid expiration_ttl of 1. Expiration TTL must be at least 60."),
        ({"expiration_ttl": 59}, "Invalid expiration_ttl of 59. Expiration TTL must be at least 60."),
        ({"expiration_ttl": 59.9}, "Invalid expiration_ttl of 59. Expiration TTL must be at least 60."),
        ({"expiration": 1000}, "Invalid expiration of 1000. Please specify integer greater than the current number of seconds since the UNIX epoch."),
        ({"expiration": START}, f"Invalid expiration of {START}. Please specify integer greater than the current number of seconds since the UNIX epoch."),
        ({"expiration": 0}, "Invalid expiration of 0. Please specify integer greater than the current number of seconds since the UNIX epoch."),
        ({"expiration": START + 1}, f"Invalid expiration of {START + 1}. Expiration times must be at least 60 seconds in the future."),
        ({"expiration": START + 59}, f"Invalid expiration of {START + 59}. Expiration times must be at least 60 seconds in the future."),
        ({"expiration": START + 59.9}, f"Invalid expiration of {START + 59}. Expiration times must be at least 60 seconds in the future."),
        # Both given: the TTL wins, and an invalid TTL still fails.
        ({"expiration": START + 3600, "expiration_ttl": 10}, "Invalid expiration_ttl of 10. Expiration TTL must be at least 60."),
    ],
)  # fmt: skip
async def test_invalid_expirations_fail_with_the_runtime_text(
    kv: KVNamespace, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(KVError) as caught:
        await kv.put("k", "v", **options)
    assert str(caught.value) == f"KV PUT failed: 400 {message}"
    assert caught.value.status == 400
    assert kv.snapshot() == {}


@pytest.mark.parametrize(
    ("options", "stored"),
    [
        ({"expiration_ttl": 60}, START + 60),
        ({"expiration_ttl": 60.9}, START + 60),
        ({"expiration_ttl": 2_147_483_647}, START + 2_147_483_647),  # beyond 2038 is fine
        ({"expiration": START + 60}, START + 60),
        ({"expiration": START + 60.7}, START + 60),
        ({"expiration": 2_147_483_647}, 2_147_483_647),
        # The TTL wins and an invalid expiration is then ignored entirely.
        ({"expiration": 5, "expiration_ttl": 100}, START + 100),
        ({"expiration": None, "expiration_ttl": None}, None),
    ],
)
async def test_valid_expirations_are_stored_as_absolute_int_seconds(
    kv: KVNamespace, options: dict[str, Any], stored: int | None
) -> None:
    await kv.put("k", "v", **options)
    listed = (await kv.list()).keys[0]
    assert listed.expiration == stored
    assert type(listed.expiration) is (int if stored is not None else type(None))


async def test_validation_uses_the_floor_of_a_fractional_clock(clock: ManualClock) -> None:
    clock.move_to(START + 0.999)
    kv = KVNamespace("T", clock=clock)
    await kv.put("k", "v", expiration=START + 60)  # now is START, so 60 s ahead is fine
    await kv.put("j", "v", expiration_ttl=60)
    assert {k.name: k.expiration for k in (await kv.list()).keys} == {
        "j": START + 60,
        "k": START + 60,
    }


@pytest.mark.parametrize("option", ["expiration", "expiration_ttl"])
@pytest.mark.parametrize("value", [2_147_483_648, -2_147_483_649, 1e12, -1e10])
async def test_options_outside_int32_fail_before_anything_else(
    kv: KVNamespace, option: str, value: float
) -> None:
    with pytest.raises(KVArgumentError) as caught:
        await kv.put("", {"not": "a value"}, **{option: value})
    assert str(caught.value) == OUT_OF_RANGE


@pytest.mark.parametrize("option", ["expiration", "expiration_ttl"])
@pytest.mark.parametrize(
    ("value", "type_name"), [("120", "str"), (True, "bool"), ([60], "list"), (b"60", "bytes")]
)
async def test_options_that_are_not_numbers_are_refused(
    kv: KVNamespace, option: str, value: Any, type_name: str
) -> None:
    with pytest.raises(KVArgumentError) as caught:
        await kv.put("k", "v", **{option: value})
    assert str(caught.value) == f"{option} must be an int, not {type_name}."
    assert isinstance(caught.value, TypeError)


async def test_get_returns_the_value_until_just_before_expiration(
    kv: KVNamespace, clock: ManualClock
) -> None:
    await kv.put("k", "v", expiration_ttl=60)
    clock.move_to(START + 60 - 0.001)
    assert await kv.get("k") == "v"
    assert (await kv.get_with_metadata("k")).value == "v"
    assert await kv.get(["k"]) == {"k": "v"}
    assert [key.name for key in (await kv.list()).keys] == ["k"]


async def test_get_returns_none_once_expiration_passes(kv: KVNamespace, clock: ManualClock) -> None:
    await kv.put("k", "v", expiration_ttl=60)
    clock.move_to(START + 60)
    assert await kv.get("k") is None


@pytest.mark.parametrize("read", ["get", "get_with_metadata", "bulk", "bulk_with_metadata", "list"])
async def test_every_read_treats_a_key_as_gone_at_its_expiration_second(
    kv: KVNamespace, clock: ManualClock, read: str
) -> None:
    await kv.put("k", "v", expiration=START + 120, metadata={"m": 1})
    clock.move_to(START + 120)
    if read == "get":
        assert await kv.get("k") is None
    elif read == "get_with_metadata":
        found = await kv.get_with_metadata("k")
        assert (found.value, found.metadata) == (None, None)
    elif read == "bulk":
        assert await kv.get(["k"]) == {"k": None}
    elif read == "bulk_with_metadata":
        assert await kv.get_with_metadata(["k"]) == {"k": None}
    else:
        listed = await kv.list()
        assert (listed.keys, listed.list_complete) == ([], True)


@pytest.mark.in_process("reads the in-process store's rows")
async def test_expired_rows_are_deleted_lazily_by_reads(
    kv: KVNamespace, clock: ManualClock
) -> None:
    store = kv._store
    await kv.put("a", "v", expiration_ttl=60)
    await kv.put("b", "v", expiration_ttl=60)
    await kv.put("c", "v")
    clock.shift(60)
    assert store.count() == 3  # nothing happens until something reads
    assert await kv.get("a") is None
    assert store.count() == 2
    await kv.list(prefix="zzz")  # any list purges every expired row
    assert store.count() == 1


@pytest.mark.in_process("reads the in-process store's rows")
async def test_expired_rows_do_not_make_list_pages_short(
    kv: KVNamespace, clock: ManualClock
) -> None:
    kv.seed_many(((f"old:{i:04d}", "v") for i in range(3000)), expiration_ttl=60)
    kv.seed_many((f"new:{i:04d}", "v") for i in range(5))
    clock.shift(61)
    listed = await kv.list(limit=5)
    assert [k.name for k in listed.keys] == [f"new:{i:04d}" for i in range(5)]
    assert listed.list_complete
    assert kv._store.count() == 5


async def test_a_ttl_can_outlive_int32_seconds(kv: KVNamespace, clock: ManualClock) -> None:
    await kv.put("k", "v", expiration_ttl=2_147_483_647)
    clock.shift(2_147_483_646)
    assert await kv.get("k") == "v"
    clock.shift(1)
    assert await kv.get("k") is None


async def test_put_without_expiration_never_expires(kv: KVNamespace, clock: ManualClock) -> None:
    await kv.put("k", "v")
    clock.shift(10 * 365 * 86400)
    assert await kv.get("k") == "v"
