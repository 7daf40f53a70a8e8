"""``SQLiteKVStore``: a dumb, durable store of bytes ordered bytewise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import _apsw as apsw
from emulator.kv import SQLiteKVStore
from emulator.kv.storage import KVStore, WriteRow


@pytest.fixture
def store() -> Iterator[SQLiteKVStore]:
    opened = SQLiteKVStore()
    yield opened
    opened.close()


def test_it_satisfies_the_store_protocol(store: SQLiteKVStore) -> None:
    typed: KVStore = store
    assert typed.count() == 0


def test_put_get_delete(store: SQLiteKVStore) -> None:
    store.put(b"k", 1_900_000_000, '{"m":1}', b"value")
    assert store.get(b"k") == (1_900_000_000, '{"m":1}', b"value")
    store.put(b"k", None, None, b"")
    assert store.get(b"k") == (None, None, b"")
    store.delete(b"k")
    assert store.get(b"k") is None
    store.delete(b"k")  # deleting a missing key is fine


def test_list_after_pages_bytewise_within_a_prefix(store: SQLiteKVStore) -> None:
    keys = [b"a", b"a\x00", b"ab", b"a\xc3\xa9", b"a\xf0\x9f\x98\x80", b"b", b"\xf4\x8f\xbf\xbf"]
    for key in reversed(keys):
        store.put(key, None, None, b"v")
    assert [row[0] for row in store.list_after(b"", b"", 100)] == keys
    assert [row[0] for row in store.list_after(b"a", b"", 3)] == [b"a", b"a\x00", b"ab"]
    assert [row[0] for row in store.list_after(b"a", b"ab", 100)] == keys[3:5]
    assert [row[0] for row in store.list_after(b"b", b"a", 100)] == [b"b"]
    assert store.list_after(b"a", b"\xff", 100) == []
    assert [row[0] for row in store.list_after(b"\xf4\x8f\xbf\xbf", b"", 100)] == [keys[-1]]


def test_list_rows_carry_expiration_and_metadata_but_not_the_value(
    store: SQLiteKVStore,
) -> None:
    store.put(b"k", 5, "null", b"v" * 100_000)
    assert store.list_after(b"", b"", 10) == [(b"k", 5, "null")]


def test_delete_expired_removes_rows_at_or_before_the_instant(store: SQLiteKVStore) -> None:
    store.put(b"a", 100, None, b"v")
    store.put(b"b", 200, None, b"v")
    store.put(b"c", None, None, b"v")
    assert store.delete_expired(99.9) == 0
    assert store.delete_expired(200, key=b"a") == 1
    assert store.delete_expired(199.5) == 0
    assert store.delete_expired(200.0) == 1
    assert [key for key, _ in store.scan()] == [b"c"]


def test_the_expired_purge_uses_the_expiration_index(store: SQLiteKVStore) -> None:
    conn = store._conn
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT 1 FROM kv_entries WHERE expiration <= ? LIMIT 1", (1,)
    ).fetchall()
    assert "kv_entries_expiration" in str(plan)


def test_put_many_is_all_or_nothing(store: SQLiteKVStore) -> None:
    store.put(b"kept", None, None, b"v")

    def rows() -> Iterator[WriteRow]:
        yield b"a", None, None, b"1"
        yield b"b", None, None, b"2"
        raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"):
        store.put_many(rows())
    assert [key for key, _ in store.scan()] == [b"kept"]
    assert store.put_many([(b"a", None, None, b"1"), (b"a", 9, None, b"2")]) == 2
    assert store.get(b"a") == (9, None, b"2")


def test_clear_and_count(store: SQLiteKVStore) -> None:
    store.put_many((bytes([65 + i]), None, None, b"v") for i in range(10))
    assert store.count() == 10
    store.clear()
    assert store.count() == 0


def test_a_file_store_uses_wal_with_full_sync_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "kv.sqlite"
    store = SQLiteKVStore(path)
    store.put(b"k", 7, '"m"', b"v")
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchall() == [("wal",)]
    assert conn.execute("PRAGMA synchronous").fetchall() == [(2,)]  # FULL
    # Durable on return: another connection sees the row before this one closes.
    other = apsw.Connection(str(path))
    assert other.execute("SELECT value FROM kv_entries").fetchall() == [(b"v",)]
    other.close()
    store.close()
    reopened = SQLiteKVStore(path)
    assert reopened.get(b"k") == (7, '"m"', b"v")
    reopened.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kv.sqlite"
    conn = apsw.Connection(str(path))
    conn.execute("PRAGMA user_version=99")
    conn.close()
    with pytest.raises(RuntimeError, match="schema version 99"):
        SQLiteKVStore(path)
