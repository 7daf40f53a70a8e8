"""Nothing is written by a failed call: every failing write leaves the namespace as it was."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from emulator import KVArgumentError, KVEntry, KVError, KVNamespace, ManualClock
from tests.kv.helpers import START


async def stream(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


Call = Callable[[KVNamespace], Awaitable[Any]]

FAILING_WRITES: list[tuple[str, Call, type[Exception]]] = [
    ("empty key", lambda kv: kv.put("", "new"), KVArgumentError),
    ("dot key", lambda kv: kv.put(".", "new"), KVArgumentError),
    ("long key", lambda kv: kv.put("k" * 513, "new"), KVError),
    ("surrogate key", lambda kv: kv.put("k\ud800", "new"), KVError),
    ("key type", lambda kv: kv.put(1, "new"), KVArgumentError),  # type: ignore[arg-type]
    ("value type", lambda kv: kv.put("k", {"new": 1}), KVArgumentError),
    ("value size", lambda kv: kv.put("k", b"n" * 26_214_401), KVError),
    ("stream size", lambda kv: kv.put("k", stream(b"n" * 26_214_400, b"n")), KVError),
    ("stream chunk", lambda kv: kv.put("k", stream(b"new", "str")), KVArgumentError),  # type: ignore[arg-type]
    ("ttl", lambda kv: kv.put("k", "new", expiration_ttl=59), KVError),
    ("ttl type", lambda kv: kv.put("k", "new", expiration_ttl="60"), KVArgumentError),  # type: ignore[arg-type]
    ("ttl range", lambda kv: kv.put("k", "new", expiration_ttl=2**31), KVArgumentError),
    ("expiration", lambda kv: kv.put("k", "new", expiration=START), KVError),
    ("metadata size", lambda kv: kv.put("k", "new", metadata="m" * 1023), KVError),
    ("metadata json", lambda kv: kv.put("k", "new", metadata={1, 2}), TypeError),
    ("delete long key", lambda kv: kv.delete("k" * 513), KVError),
    ("delete empty key", lambda kv: kv.delete(""), KVArgumentError),
]


@pytest.mark.parametrize(
    ("call", "error"),
    [(call, error) for _, call, error in FAILING_WRITES],
    ids=[name for name, _, _ in FAILING_WRITES],
)
async def test_a_failed_write_changes_nothing(
    kv: KVNamespace, call: Call, error: type[Exception]
) -> None:
    await kv.put("k", "old", metadata={"v": 1}, expiration_ttl=600)
    before = kv.snapshot()
    with pytest.raises(error):
        await call(kv)
    assert kv.snapshot() == before == {"k": KVEntry(b"old", {"v": 1}, START + 600)}


@pytest.mark.parametrize(
    "call",
    [
        lambda kv: kv.put("k", "new"),
        lambda kv: kv.put("k", stream(b"new")),
        lambda kv: kv.delete("k"),
    ],
    ids=["put", "put-stream", "delete"],
)
@pytest.mark.in_process("switches the in-process namespace's write-rate limit on")
async def test_a_rate_limited_write_changes_nothing(
    kv: KVNamespace, clock: ManualClock, call: Call
) -> None:
    kv.write_rate_limit = True
    await kv.put("k", "old")
    clock.shift(0.5)
    with pytest.raises(KVError, match="429 Too Many Requests"):
        await call(kv)
    assert kv.snapshot() == {"k": KVEntry(b"old")}


async def test_failed_reads_write_nothing(kv: KVNamespace) -> None:
    await kv.put("k", "not json")
    with pytest.raises(KVError, match="non-json value"):
        await kv.get(["k"], "json")
    with pytest.raises(KVArgumentError, match="Unknown response type"):
        await kv.get("k", "nope")
    assert kv.snapshot() == {"k": KVEntry(b"not json")}
