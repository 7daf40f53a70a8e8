"""REST reads take value, metadata and expiration from one read of the key.

With the eventual-consistency window on, a read may see an older version of a key; the
expiration answered must be that version's, never the current row's (a second read).
"""

from __future__ import annotations

import asyncio

from emulator import Emulator, ManualClock
from emulator.server import RestApi
from tests.server.helpers import KV_BASE, START, call

EXPIRES = START + 3600


def stale_prone() -> tuple[Emulator, RestApi, str]:
    emu = Emulator(clock=ManualClock(start=START), kv_eventual_consistency_seed=7)
    kv = emu.kv("CACHE")

    async def write() -> None:
        await kv.put("k", "old", expiration=EXPIRES, metadata={"v": "old"})
        await kv.put("k", "new", metadata={"v": "new"})

    asyncio.run(write())
    return emu, RestApi(emu), kv.id


def test_a_value_read_answers_the_expiration_of_the_version_it_read() -> None:
    emu, api, namespace_id = stale_prone()
    seen: dict[bytes, set[str | None]] = {}
    for _ in range(40):
        response = call(api, "GET", f"{KV_BASE}/{namespace_id}/values/k")
        if response.status == 200:  # else the window saw the key before its first write
            seen.setdefault(response.body, set()).add(response.header("expiration"))
    emu.close()
    assert seen == {b"old": {str(EXPIRES)}, b"new": {None}}


def test_a_bulk_read_with_metadata_answers_each_versions_own_expiration() -> None:
    emu, api, namespace_id = stale_prone()
    seen: list[dict[str, object] | None] = []
    for _ in range(40):
        body = {"keys": ["k"], "withMetadata": True}
        [item] = (
            call(api, "POST", f"{KV_BASE}/{namespace_id}/bulk/get", body)
            .json()["result"]["values"]
            .values()
        )
        if item not in seen:
            seen.append(item)
    emu.close()
    assert sorted(seen, key=str) == [
        None,  # the window saw the key before its first write
        {"value": "new", "metadata": {"v": "new"}},
        {"value": "old", "metadata": {"v": "old"}, "expiration": EXPIRES},
    ]
