"""KV state survives closing and reopening an ``Emulator`` that persists to a folder."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from emulator import Emulator, KVEntry, ManualClock

START = 1_800_000_000


async def test_values_metadata_and_expirations_survive_a_reopen(tmp_path: Path) -> None:
    clock = ManualClock(START)
    with Emulator(persist_to=tmp_path, clock=clock) as emulator:
        kv = emulator.kv("SESSIONS")
        await kv.put("text", "héllo", metadata={"v": 1})
        await kv.put("bytes", b"\x00\xff", expiration_ttl=120)
        await kv.put("deleted", "x")
        await kv.delete("deleted")
        emulator.kv("OTHER").seed({"seeded": "yes"})

    with Emulator(persist_to=tmp_path, clock=clock) as reopened:
        kv = reopened.kv("SESSIONS")
        assert kv.snapshot() == {
            "bytes": KVEntry(b"\x00\xff", None, START + 120),
            "text": KVEntry("héllo".encode(), {"v": 1}, None),
        }
        found = await kv.get_with_metadata("text")
        assert (found.value, found.metadata) == ("héllo", {"v": 1})
        assert await reopened.kv("OTHER").get("seeded") == "yes"
        clock.shift(120)  # expirations are absolute, so they still apply after a restart
        assert await kv.get("bytes") is None


async def test_namespaces_stay_separate_on_disk(tmp_path: Path) -> None:
    with Emulator(persist_to=tmp_path, clock=ManualClock(START)) as emulator:
        await emulator.kv("A").put("k", "in A")
        await emulator.kv("B").put("k", "in B")
    with Emulator(persist_to=tmp_path, clock=ManualClock(START)) as reopened:
        assert await reopened.kv("A").get("k") == "in A"
        assert await reopened.kv("B").get("k") == "in B"


async def test_reset_is_persisted_too(tmp_path: Path) -> None:
    with Emulator(persist_to=tmp_path, clock=ManualClock(START)) as emulator:
        await emulator.kv("KV").put("k", "v")
        emulator.reset()
    with Emulator(persist_to=tmp_path, clock=ManualClock(START)) as reopened:
        assert reopened.kv("KV").snapshot() == {}


def test_a_write_is_durable_once_put_returns_even_if_the_process_dies(tmp_path: Path) -> None:
    # The child writes and then dies without closing anything (no atexit, no flush).
    child = textwrap.dedent(
        f"""
        import asyncio, os
        from emulator import Emulator, ManualClock
        emulator = Emulator(persist_to={str(tmp_path)!r}, clock=ManualClock({START}))
        asyncio.run(emulator.kv("KV").put("k", "survives", metadata=[1]))
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", child], check=True, timeout=60)
    with Emulator(persist_to=tmp_path, clock=ManualClock(START)) as reopened:
        assert reopened.kv("KV").snapshot() == {"k": KVEntry(b"survives", [1])}
