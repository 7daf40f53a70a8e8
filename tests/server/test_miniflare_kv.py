"""MiniflareKVStore: KV on Miniflare's own files (_mf_entries + one blob file per value)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import KVNamespace, ManualClock
from emulator import _apsw as apsw
from emulator.kv.results import KVEntry
from emulator.kv.storage import WriteRow
from emulator.server.miniflare_kv import MiniflareKVStore, prefix_upper_bound
from tests.server.helpers import START


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MiniflareKVStore]:
    kv_store = MiniflareKVStore(tmp_path / "objects" / "ns.sqlite", tmp_path / "ns" / "blobs")
    yield kv_store
    kv_store.close()


@pytest.fixture
def kv(store: MiniflareKVStore, clock: ManualClock) -> KVNamespace:
    return KVNamespace("KV", clock=clock, namespace_id="ns", store=store)


def rows(store: MiniflareKVStore) -> list[tuple[object, ...]]:
    conn = apsw.Connection(str(store.database))
    try:
        return list(conn.execute("SELECT key, blob_id, expiration, metadata FROM _mf_entries"))
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("prefix", "bound"),
    [
        ("", None),
        ("a", "b"),
        ("user:", "user;"),
        ("a\U0010ffff", "b"),
        ("\U0010ffff", None),
        ("a\ud7ff", "a\ue000"),
        ("é", "ê"),
    ],
)
def test_prefix_upper_bound_bounds_the_strings_starting_with_the_prefix(
    prefix: str, bound: str | None
) -> None:
    assert prefix_upper_bound(prefix) == bound


def test_values_live_in_blob_files_and_rows_in_miniflares_schema(
    kv: KVNamespace, store: MiniflareKVStore
) -> None:
    kv.seed({"k": "value"}, metadata={"m": 1}, expiration_ttl=60)
    [(key, blob_id, expiration, metadata)] = rows(store)
    assert (key, expiration, metadata) == ("k", (START + 60) * 1000, '{"m":1}')
    assert re.fullmatch(r"[0-9a-f]{80}", str(blob_id))
    assert (store.blobs / str(blob_id)).read_bytes() == b"value"
    conn = apsw.Connection(str(store.database))
    schema = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE name LIKE '_mf%'"))
    conn.close()
    assert "key TEXT PRIMARY KEY" in schema["_mf_entries"]
    assert "_mf_entries_expiration_idx" in schema


async def test_the_kv_binding_works_unchanged_on_it(kv: KVNamespace, clock: ManualClock) -> None:
    await kv.put("a😀", b"\x00\xff", metadata={"x": "é"}, expiration_ttl=120)
    await kv.put("a\ufffd", "r")
    await kv.put("aé", "e")
    await kv.put("b", "b")
    assert await kv.get("a😀", type="bytes") == b"\x00\xff"
    listed = await kv.list(prefix="a")
    assert [k.name for k in listed.keys] == ["aé", "a\ufffd", "a😀"]
    assert listed.keys[2].expiration == START + 120
    page = await kv.list(limit=2)
    assert [k.name for k in page.keys] == ["aé", "a\ufffd"]
    rest = await kv.list(cursor=page.cursor)
    assert [k.name for k in rest.keys] == ["a😀", "b"]
    clock.shift(120)
    assert await kv.get("a😀") is None
    assert [k.name for k in (await kv.list()).keys] == ["aé", "a\ufffd", "b"]


async def test_replaced_and_deleted_values_leave_no_blob_behind(
    kv: KVNamespace, store: MiniflareKVStore
) -> None:
    await kv.put("k", "one")
    await kv.put("k", "two")
    assert [p.read_bytes() for p in store.blobs.iterdir()] == [b"two"]
    await kv.delete("k")
    assert list(store.blobs.iterdir()) == []
    kv.seed({"a": "1", "b": "2"})
    kv.reset()
    assert list(store.blobs.iterdir()) == []
    assert store.count() == 0


async def test_expired_rows_are_purged_with_their_blobs(
    kv: KVNamespace, store: MiniflareKVStore, clock: ManualClock
) -> None:
    kv.seed({"old": "x"}, expiration_ttl=60)
    kv.seed({"new": "y"})
    clock.shift(61)
    assert store.delete_expired(clock.now()) == 1
    assert [p.read_bytes() for p in store.blobs.iterdir()] == [b"y"]
    assert store.delete_expired(clock.now()) == 0


def test_a_row_whose_value_file_is_gone_reads_as_missing(
    kv: KVNamespace, store: MiniflareKVStore
) -> None:
    kv.seed({"k": "v"})
    for blob in store.blobs.iterdir():
        blob.unlink()
    assert kv.entry("k") is None
    assert kv.snapshot() == {}


def test_a_failed_batch_writes_no_row_and_leaves_no_blob(store: MiniflareKVStore) -> None:
    def batch() -> Iterator[WriteRow]:
        yield (b"a", None, None, b"1")
        raise ValueError("bad entry")

    with pytest.raises(ValueError, match="bad entry"):
        store.put_many(batch())
    assert store.count() == 0
    assert list(store.blobs.iterdir()) == []


def test_entries_written_in_miniflares_format_are_read(
    store: MiniflareKVStore, clock: ManualClock
) -> None:
    (store.blobs / "blob-1").write_bytes(b"from wrangler")
    conn = apsw.Connection(str(store.database))
    conn.execute(
        "INSERT INTO _mf_entries VALUES ('hello/wörld', 'blob-1', ?, '{\"a\":1}')",
        ((START + 3600) * 1000,),
    )
    conn.close()
    kv = KVNamespace("KV", clock=clock, store=store)
    assert kv.entry("hello/wörld") == KVEntry(b"from wrangler", {"a": 1}, START + 3600)


def test_blob_ids_from_the_file_cannot_leave_the_blob_folder(
    store: MiniflareKVStore, clock: ManualClock, tmp_path: Path
) -> None:
    (tmp_path / "secret").write_bytes(b"outside")
    conn = apsw.Connection(str(store.database))
    conn.execute("INSERT INTO _mf_entries VALUES ('k', '../../secret', NULL, NULL)")
    conn.close()
    kv = KVNamespace("KV", clock=clock, store=store)
    assert kv.entry("k") is None
    kv.reset()
    assert (tmp_path / "secret").exists()
