"""The inspector's KV and overview routes, through the app's core."""

from __future__ import annotations

from typing import Any

import pytest

from emulator import Emulator, ManualClock
from emulator.kv.sqlite_store import SQLiteKVStore
from emulator.server import RestApi
from tests.server.helpers import KV_BASE, START, call, error_of
from tests.server.ui.core_calls import UI, result


def test_the_overview_lists_namespaces_and_databases_with_bindings(
    ui_api: RestApi, emu: Emulator
) -> None:
    kv = emu.kv("SESSIONS")
    db = emu.d1("DB")
    overview = result(ui_api, "GET", f"{UI}/overview")
    assert overview["kv"] == [{"id": kv.id, "title": "SESSIONS", "bindings": ["SESSIONS"]}]
    assert overview["d1"] == [{"id": db.id, "name": "DB", "bindings": ["DB"]}]
    assert overview["clock"]["now"] == START
    assert overview["changes"] == 0


async def test_an_entry_shows_value_metadata_and_expiration(ui_api: RestApi, emu: Emulator) -> None:
    kv = emu.kv("SESSIONS")
    await kv.put("user:<1>", '{"name":"<script>"}', expiration=START + 90, metadata={"v": 1})
    entry = result(ui_api, "GET", f"{UI}/kv/{kv.id}/entry/user:%3C1%3E")
    assert entry == {
        "name": "user:<1>",
        "value": {
            "kind": "json",
            "size": 19,
            "text": '{\n  "name": "<script>"\n}',
            "truncated": False,
        },
        "metadata": '{\n  "v": 1\n}',
        "expiration": START + 90,
        "now": START,
    }


async def test_keys_with_slashes_and_odd_unicode_reach_their_entry(
    ui_api: RestApi, emu: Emulator
) -> None:
    kv = emu.kv("SESSIONS")
    await kv.put("a/b\u202e\u200b", b"\x00\xff")
    entry = result(ui_api, "GET", f"{UI}/kv/{kv.id}/entry/a%2Fb%E2%80%AE%E2%80%8B")
    assert entry["name"] == "a/b\u202e\u200b"
    assert entry["value"]["kind"] == "binary"
    assert entry["metadata"] is None
    assert entry["expiration"] is None


async def test_an_expired_or_missing_key_is_404(
    ui_api: RestApi, emu: Emulator, clock: ManualClock
) -> None:
    kv = emu.kv("SESSIONS")
    await kv.put("short", "v", expiration_ttl=60)
    assert result(ui_api, "GET", f"{UI}/kv/{kv.id}/entry/short")["value"]["text"] == "v"
    clock.shift(60)
    gone = (404, 10009, "no such key (it was deleted, or it expired)")
    assert error_of(call(ui_api, "GET", f"{UI}/kv/{kv.id}/entry/short")) == gone
    assert error_of(call(ui_api, "GET", f"{UI}/kv/{kv.id}/entry/never")) == gone


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/kv/0123456789abcdef0123456789abcdef/entry/k", (404, 10013, "namespace not found")),
        (
            "/kv/..%2F..%2Fetc/entry/k",
            (400, 10011, "could not parse UUID from request's namespace_id: '../../etc'"),
        ),
        ("/kv/{ns}/entry/..", (400, 10019, 'Illegal key name "..". Please use a different name.')),
        ("/kv/{ns}/entry/%FF", (400, 10019, "Could not URL-decode key name")),
    ],
)
def test_bad_namespaces_and_keys_get_the_rest_apis_answers(
    ui_api: RestApi, emu: Emulator, target: str, expected: tuple[int, int, str]
) -> None:
    kv = emu.kv("SESSIONS")
    assert error_of(call(ui_api, "GET", UI + target.format(ns=kv.id))) == expected


async def test_reading_a_page_of_100k_keys_never_scans_the_namespace(
    ui_api: RestApi, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    kv = emu.kv("BIG")
    kv.seed_many((f"key:{i:06}", b"v") for i in range(100_000))
    limits: list[int] = []
    real_list_after = SQLiteKVStore.list_after

    def counted(self: SQLiteKVStore, prefix: bytes, after: bytes, limit: int) -> Any:
        rows = real_list_after(self, prefix, after, limit)
        limits.append(len(rows))
        return rows

    def forbidden(self: SQLiteKVStore) -> Any:
        raise AssertionError("a page request scanned every key")

    monkeypatch.setattr(SQLiteKVStore, "list_after", counted)
    monkeypatch.setattr(SQLiteKVStore, "scan", forbidden)
    monkeypatch.setattr(SQLiteKVStore, "count", forbidden)
    result(ui_api, "GET", f"{UI}/overview")
    result(ui_api, "GET", f"{UI}/pulse")
    first = call(ui_api, "GET", f"{KV_BASE}/{kv.id}/keys?limit=50")
    cursor = first.json()["result_info"]["cursor"]
    second = call(ui_api, "GET", f"{KV_BASE}/{kv.id}/keys?limit=50&cursor={cursor}")
    assert [key["name"] for key in second.json()["result"]][:1] == ["key:000050"]
    filtered = call(ui_api, "GET", f"{KV_BASE}/{kv.id}/keys?limit=50&prefix=key:09999")
    assert len(filtered.json()["result"]) == 10
    result(ui_api, "GET", f"{UI}/kv/{kv.id}/entry/key:099999")
    assert limits == [51, 51, 10]
