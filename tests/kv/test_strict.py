"""Opt-in production strictness (docs/kv.md#strict-modes): write rate, eventual consistency."""

from __future__ import annotations

import pytest

from emulator import Emulator, KVError, KVNamespace, KVValueWithMetadata, ManualClock
from tests.kv.helpers import START

pytestmark = pytest.mark.in_process("the strict modes are switches on the in-process namespace")

# -- 1 write per second per key -----------------------------------------------------------


@pytest.fixture
def limited(kv: KVNamespace) -> KVNamespace:
    kv.write_rate_limit = True
    return kv


async def test_writes_are_not_rate_limited_by_default(kv: KVNamespace) -> None:
    assert kv.write_rate_limit is False
    for i in range(20):
        await kv.put("k", str(i))
    assert await kv.get("k") == "19"


async def test_a_second_put_within_one_second_fails_with_429_and_changes_nothing(
    limited: KVNamespace, clock: ManualClock
) -> None:
    await limited.put("k", "first", metadata={"n": 1})
    clock.shift(0.999)
    with pytest.raises(KVError) as caught:
        await limited.put("k", "second")
    assert str(caught.value) == "KV PUT failed: 429 Too Many Requests"
    assert caught.value.status == 429
    found = await limited.get_with_metadata("k")
    assert (found.value, found.metadata) == ("first", {"n": 1})


async def test_a_write_one_second_later_succeeds(limited: KVNamespace, clock: ManualClock) -> None:
    await limited.put("k", "first")
    clock.shift(1)
    await limited.put("k", "second")
    assert await limited.get("k") == "second"


async def test_a_delete_within_one_second_fails_with_its_own_method_name(
    limited: KVNamespace, clock: ManualClock
) -> None:
    await limited.put("k", "v")
    clock.shift(0.5)
    with pytest.raises(KVError) as caught:
        await limited.delete("k")
    assert str(caught.value) == "KV DELETE failed: 429 Too Many Requests"
    assert await limited.get("k") == "v"


async def test_deletes_count_as_writes(limited: KVNamespace, clock: ManualClock) -> None:
    await limited.delete("never-written")
    with pytest.raises(KVError) as caught:
        await limited.put("never-written", "v")
    assert caught.value.status == 429


async def test_the_limit_is_per_key(limited: KVNamespace) -> None:
    await limited.put("a", "1")
    await limited.put("b", "2")
    assert await limited.get(["a", "b"]) == {"a": "1", "b": "2"}


async def test_refused_writes_do_not_restart_the_second(
    limited: KVNamespace, clock: ManualClock
) -> None:
    await limited.put("k", "1")
    clock.shift(0.6)
    with pytest.raises(KVError):
        await limited.put("k", "2")
    clock.shift(0.4)  # one second after the write that succeeded
    await limited.put("k", "3")
    assert await limited.get("k") == "3"


async def test_invalid_writes_do_not_count(limited: KVNamespace) -> None:
    with pytest.raises(KVError):
        await limited.put("k", "v", expiration_ttl=1)
    await limited.put("k", "v")
    assert await limited.get("k") == "v"


async def test_moving_the_clock_back_does_not_block_writes(
    limited: KVNamespace, clock: ManualClock
) -> None:
    await limited.put("k", "1")
    clock.shift(-10)
    await limited.put("k", "2")
    assert await limited.get("k") == "2"


async def test_the_emulator_switches_the_limit_on_for_every_namespace() -> None:
    emulator = Emulator(clock=ManualClock(START), kv_write_rate_limit=True)
    kv = emulator.kv("LIMITED")
    assert kv.write_rate_limit is True
    await kv.put("k", "1")
    with pytest.raises(KVError):
        await kv.put("k", "2")
    kv.write_rate_limit = False  # and a namespace can switch it off again
    await kv.put("k", "2")
    assert await kv.get("k") == "2"
    emulator.close()


async def test_reset_forgets_recent_writes(limited: KVNamespace) -> None:
    await limited.put("k", "1")
    limited.reset()
    await limited.put("k", "2")
    assert await limited.get("k") == "2"


# -- eventual consistency -----------------------------------------------------------------


def stale(clock: ManualClock, seed: int = 7) -> KVNamespace:
    return KVNamespace("STALE", clock=clock, eventual_consistency_seed=seed)


async def test_reads_are_strongly_consistent_by_default(kv: KVNamespace) -> None:
    assert kv.eventual_consistency_seed is None
    await kv.put("k", "old")
    await kv.put("k", "new")
    assert {await kv.get("k") for _ in range(50)} == {"new"}


async def test_reads_may_see_the_previous_value_for_60_seconds(clock: ManualClock) -> None:
    kv = stale(clock)
    kv.seed({"k": "old"})  # seeded data counts as settled
    assert {await kv.get("k") for _ in range(50)} == {"old"}
    await kv.put("k", "new")
    clock.shift(59.999)
    assert {await kv.get("k") for _ in range(50)} == {"old", "new"}
    clock.shift(0.001)
    assert {await kv.get("k") for _ in range(50)} == {"new"}


async def test_a_new_key_may_still_read_as_missing(clock: ManualClock) -> None:
    kv = stale(clock)
    await kv.put("k", "v")
    assert {await kv.get("k") for _ in range(50)} == {None, "v"}


async def test_a_deleted_key_may_still_be_read(clock: ManualClock) -> None:
    kv = stale(clock)
    kv.seed({"k": "v"})
    await kv.delete("k")
    assert {await kv.get("k") for _ in range(50)} == {None, "v"}
    clock.shift(60)
    assert {await kv.get("k") for _ in range(50)} == {None}


async def test_every_version_of_the_window_can_be_seen(clock: ManualClock) -> None:
    kv = stale(clock)
    for version in ["1", "2", "3"]:
        await kv.put("k", version)
        clock.shift(20)
    # At +60 s: "1" was replaced at +20 (still in the window); "missing" at +0 (not).
    assert {await kv.get("k") for _ in range(100)} == {"1", "2", "3"}


async def test_value_and_metadata_are_read_from_the_same_version(clock: ManualClock) -> None:
    kv = stale(clock)
    await kv.put("k", "old", metadata="old-meta")
    clock.shift(120)
    await kv.put("k", "new", metadata="new-meta")
    seen = {await kv.get_with_metadata("k") for _ in range(50)}
    assert seen == {KVValueWithMetadata("old", "old-meta"), KVValueWithMetadata("new", "new-meta")}


async def test_bulk_reads_are_stale_key_by_key(clock: ManualClock) -> None:
    kv = stale(clock)
    kv.seed({"a": "a0", "b": "b0"})
    await kv.put("a", "a1")
    await kv.put("b", "b1")
    seen = {tuple((await kv.get(["a", "b"])).values()) for _ in range(100)}
    assert seen == {("a0", "b0"), ("a0", "b1"), ("a1", "b0"), ("a1", "b1")}


async def test_a_stale_version_that_has_expired_reads_as_missing(clock: ManualClock) -> None:
    kv = stale(clock)
    await kv.put("k", "short-lived", expiration_ttl=60)
    clock.shift(59)
    await kv.put("k", "long-lived")
    clock.shift(1)  # the old version expires now, within the window
    assert {await kv.get("k") for _ in range(50)} == {None, "long-lived"}


async def test_list_is_not_affected(clock: ManualClock) -> None:
    kv = stale(clock)
    await kv.put("k", "v")
    for _ in range(20):
        assert [key.name for key in (await kv.list()).keys] == ["k"]


async def test_the_same_seed_reproduces_the_same_reads() -> None:
    async def run(seed: int) -> list[str | None]:
        clock = ManualClock(START)
        kv = stale(clock, seed)
        await kv.put("k", "old")
        clock.shift(120)
        await kv.put("k", "new")
        return [await kv.get("k") for _ in range(40)]

    first = await run(1)
    assert first == await run(1)
    assert set(first) == {"old", "new"}
    assert first != await run(2)


async def test_the_seed_is_settable_per_namespace(kv: KVNamespace) -> None:
    kv.eventual_consistency_seed = 3
    assert kv.eventual_consistency_seed == 3
    await kv.put("k", "v")
    assert {await kv.get("k") for _ in range(50)} == {None, "v"}
    kv.eventual_consistency_seed = None
    assert {await kv.get("k") for _ in range(50)} == {"v"}


async def test_the_emulator_passes_the_seed_to_every_namespace() -> None:
    emulator = Emulator(clock=ManualClock(START), kv_eventual_consistency_seed=11)
    kv = emulator.kv("STALE")
    assert kv.eventual_consistency_seed == 11
    await kv.put("k", "v")
    assert {await kv.get("k") for _ in range(50)} == {None, "v"}
    emulator.close()


async def test_history_outside_the_window_is_forgotten(clock: ManualClock) -> None:
    kv = stale(clock)
    for i in range(3000):
        await kv.put(f"old{i}", "v")
    clock.shift(61)
    for i in range(1500):  # enough new keys to reach the next sweep (amortised)
        await kv.put(f"new{i}", "v")
    window = kv._window
    assert window is not None
    remembered = set(window._history)
    assert not any(key.startswith(b"old") for key in remembered)
    assert len(remembered) == 1500
