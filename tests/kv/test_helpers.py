"""Sync helpers: ``snapshot``, ``entry``, ``seed``, ``seed_many``, ``reset``, ``close``."""

# ruff: noqa: E501 - exact-text tables keep one case per line

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from emulator import KVArgumentError, KVEntry, KVError, KVNamespace, ManualClock
from tests.kv.helpers import START


async def test_snapshot_shows_live_entries_in_key_order(
    kv: KVNamespace, clock: ManualClock
) -> None:
    await kv.put("b", "text", metadata={"m": 1}, expiration_ttl=60)
    await kv.put("a", b"\x00bytes")
    await kv.put("c", "gone soon", expiration_ttl=60)
    clock.shift(30)
    await kv.put("c", "renewed", expiration_ttl=60)
    clock.shift(30)  # "b" expires now; "c" lives on
    assert kv.snapshot() == {
        "a": KVEntry(b"\x00bytes"),
        "c": KVEntry(b"renewed", None, START + 90),
    }
    assert list(kv.snapshot()) == ["a", "c"]


def test_an_entry_decodes_its_value() -> None:
    entry = KVEntry(b'{"a": [1]}')
    assert entry.text == '{"a": [1]}'
    assert entry.json() == {"a": [1]}
    assert KVEntry(b"a\xff").text == "a\ufffd"


async def test_entry_reads_one_live_key(kv: KVNamespace, clock: ManualClock) -> None:
    await kv.put("k", "v", metadata=[1], expiration_ttl=60)
    assert kv.entry("k") == KVEntry(b"v", [1], START + 60)
    assert kv.entry("missing") is None
    clock.shift(60)
    assert kv.entry("k") is None


def test_entry_validates_the_key(kv: KVNamespace) -> None:
    with pytest.raises(KVArgumentError, match=r"^Key name cannot be empty\.$"):
        kv.entry("")


async def test_seed_writes_many_keys_with_shared_options(kv: KVNamespace) -> None:
    written = kv.seed({"a": "1", "b": b"2", "c": bytearray(b"3")}, expiration_ttl=120, metadata="m")
    assert written == 3
    assert await kv.get(["a", "b", "c"]) == {"a": "1", "b": "2", "c": "3"}
    listed = (await kv.list()).keys
    assert {(k.expiration, k.metadata) for k in listed} == {(START + 120, "m")}


async def test_seed_takes_entries_with_their_own_metadata_and_expiration(
    kv: KVNamespace,
) -> None:
    kv.seed(
        {"plain": "p", "entry": KVEntry(b"e", {"own": True}, START + 600)},
        metadata="shared",
    )
    assert kv.snapshot() == {
        "entry": KVEntry(b"e", {"own": True}, START + 600),
        "plain": KVEntry(b"p", "shared", None),
    }


async def test_a_snapshot_seeds_another_namespace(kv: KVNamespace, clock: ManualClock) -> None:
    await kv.put("k", "v", metadata={"m": 1}, expiration_ttl=3600)
    copy = KVNamespace("COPY", clock=clock)
    copy.seed(kv.snapshot())
    assert copy.snapshot() == kv.snapshot()


def test_seed_many_takes_any_iterable_and_the_last_pair_wins(kv: KVNamespace) -> None:
    def pairs() -> Iterator[tuple[str, str]]:
        for i in range(10_000):
            yield f"k{i % 5000}", str(i)

    assert kv.seed_many(pairs()) == 10_000
    snapshot = kv.snapshot()
    assert len(snapshot) == 5000
    assert snapshot["k0"] == KVEntry(b"5000")


@pytest.mark.parametrize(
    ("entries", "options", "error", "message"),
    [
        ({"ok": "v", "": "v"}, {}, KVArgumentError, "Key name cannot be empty."),
        ({"ok": "v", "..": "v"}, {}, KVArgumentError, '".." is not allowed as a key name.'),
        ({"ok": "v", "x" * 513: "v"}, {}, KVError, "KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."),
        ({"ok": "v", "bad": {"a": 1}}, {}, KVArgumentError, "KV put() accepts only strings, bytes-like values and async iterables of bytes as values."),
        ({"ok": "v", "big": b"x" * 26_214_401}, {}, KVError, "KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400."),
        ({"ok": "v"}, {"expiration_ttl": 30}, KVError, "KV PUT failed: 400 Invalid expiration_ttl of 30. Expiration TTL must be at least 60."),
        ({"ok": "v"}, {"metadata": "x" * 1023}, KVError, "KV PUT failed: 413 Metadata length of 1025 exceeds limit of 1024."),
        ({"ok": "v", "e": KVEntry(b"v", None, START + 10)}, {}, KVError, f"KV PUT failed: 400 Invalid expiration of {START + 10}. Expiration times must be at least 60 seconds in the future."),
        ({"ok": "v", "e": KVEntry(b"v", "x" * 1023)}, {}, KVError, "KV PUT failed: 413 Metadata length of 1025 exceeds limit of 1024."),
    ],
)  # fmt: skip
def test_seed_validates_like_put_and_writes_nothing_on_failure(
    kv: KVNamespace,
    entries: dict[str, Any],
    options: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    kv.seed({"existing": "kept"})
    with pytest.raises(error) as caught:
        kv.seed(entries, **options)
    assert str(caught.value) == message
    assert kv.snapshot() == {"existing": KVEntry(b"kept")}


def test_seed_many_refuses_non_string_keys(kv: KVNamespace) -> None:
    with pytest.raises(KVArgumentError) as caught:
        kv.seed_many([("ok", "v"), (1, "v")])  # type: ignore[list-item]
    assert str(caught.value) == (
        "Failed to execute 'put' on 'KvNamespace': parameter 1 is not of type 'string'."
    )
    assert kv.snapshot() == {}


def test_a_failing_iterable_writes_nothing(kv: KVNamespace) -> None:
    def pairs() -> Iterator[tuple[str, str]]:
        yield "a", "1"
        raise RuntimeError("source broke")

    with pytest.raises(RuntimeError, match="source broke"):
        kv.seed_many(pairs())
    assert kv.snapshot() == {}


async def test_seeding_bypasses_the_write_rate_limit(kv: KVNamespace) -> None:
    kv.write_rate_limit = True
    kv.seed({"k": "1"})
    kv.seed({"k": "2"})
    await kv.put("k", "3")
    assert await kv.get("k") == "3"


@pytest.mark.in_process("KVNamespace.reset() is in-process tooling")
async def test_reset_empties_the_namespace_in_place(kv: KVNamespace) -> None:
    kv.seed({"a": "1", "b": "2"})
    kv.reset()
    assert kv.snapshot() == {}
    await kv.put("a", "again")
    assert await kv.get("a") == "again"


async def test_a_closed_namespace_cannot_be_used(clock: ManualClock) -> None:
    kv = KVNamespace("CLOSED", clock=clock)
    kv.close()
    kv.close()  # closing twice is harmless
    for use in (kv.get("k"), kv.put("k", "v"), kv.delete("k"), kv.list()):
        with pytest.raises(RuntimeError, match=r"^KV namespace 'CLOSED' is closed$"):
            await use
    with pytest.raises(RuntimeError, match=r"^KV namespace 'CLOSED' is closed$"):
        kv.snapshot()


@pytest.mark.in_process("the in-process repr")
def test_repr_names_the_namespace(kv: KVNamespace) -> None:
    assert repr(kv) == "KVNamespace('TEST', id='test', memory)"
