"""A D1 database with persist_to: one plain SQLite file that survives reopening."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from emulator import Emulator, ManualClock


async def test_data_survives_closing_and_reopening(tmp_path: Path) -> None:
    with Emulator(persist_to=tmp_path) as emulator:
        db = emulator.d1("DB")
        await db.exec("CREATE TABLE t (v TEXT);\nINSERT INTO t VALUES ('kept');")
        path = db.path
    with Emulator(persist_to=tmp_path) as emulator:
        db = emulator.d1("DB")
        assert db.path == path
        assert await db.prepare("SELECT v FROM t").raw() == [["kept"]]


async def test_the_file_uses_wal_while_open_and_stands_alone_after_close(
    tmp_path: Path,
) -> None:
    emulator = Emulator(persist_to=tmp_path)
    db = emulator.d1("DB")
    await db.exec("CREATE TABLE t (v TEXT);\nINSERT INTO t VALUES ('x');")
    assert db.path is not None
    wal = db.path.with_name(db.path.name + "-wal")
    assert wal.exists()
    emulator.close()
    assert not wal.exists()
    assert sorted(p.name for p in db.path.parent.iterdir()) == [db.path.name]
    with closing(sqlite3.connect(db.path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert conn.execute("SELECT v FROM t").fetchall() == [("x",)]


async def test_reset_empties_a_persisted_database(tmp_path: Path) -> None:
    with Emulator(persist_to=tmp_path, clock=ManualClock(0)) as emulator:
        db = emulator.d1("DB")
        await db.exec("CREATE TABLE t (v TEXT);\nINSERT INTO t VALUES ('x');")
        emulator.reset()
        assert await db.prepare("SELECT name FROM sqlite_master").raw() == []
        assert await db.prepare("SELECT name FROM sqlite_master").raw() == [["_cf_METADATA"]]
    with Emulator(persist_to=tmp_path) as emulator:
        tables = await emulator.d1("DB").prepare("SELECT name FROM sqlite_master").raw()
        assert tables == [["_cf_METADATA"]]


async def test_dump_of_a_persisted_database_is_a_plain_file_image(tmp_path: Path) -> None:
    with Emulator(persist_to=tmp_path) as emulator:
        db = emulator.d1("DB")
        await db.exec("CREATE TABLE t (v TEXT);\nINSERT INTO t VALUES ('x');")
        image = await db.dump()
    assert image[18:20] == b"\x01\x01"  # rollback-journal mode in the header
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(image)
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("SELECT v FROM t").fetchall() == [("x",)]
