"""apply_migrations(): a wrangler-style migrations folder, recorded in d1_migrations."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import D1Database, D1Error
from emulator.d1.constants import MIGRATIONS_MULTIPLE_TRANSACTIONS
from emulator.d1.migrations import migration_names

pytestmark = pytest.mark.in_process("apply_migrations() and sqlite_utils are in-process tooling")


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, sql in files.items():
        (folder / name).write_text(sql, "utf-8")
    return folder


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    return write(
        tmp_path / "migrations",
        {
            "0001_init.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE);\n"
            "-- a trailing comment\n",
            "0002_seed.sql": "INSERT INTO users (email) VALUES ('a@x');\n"
            "INSERT INTO users (email) VALUES ('b@x');",
        },
    )


def test_migrations_apply_in_order_and_are_recorded(db: D1Database, migrations: Path) -> None:
    assert db.apply_migrations(migrations) == ["0001_init.sql", "0002_seed.sql"]
    rows = db.sqlite_utils.execute("SELECT id, name, applied_at FROM d1_migrations").fetchall()
    assert rows == [
        (1, "0001_init.sql", "2027-01-15 08:00:00"),
        (2, "0002_seed.sql", "2027-01-15 08:00:00"),
    ]
    assert db.sqlite_utils["users"].count == 2


def test_applying_twice_applies_once(db: D1Database, migrations: Path) -> None:
    db.apply_migrations(migrations)
    assert db.apply_migrations(migrations) == []
    assert db.sqlite_utils["users"].count == 2
    write(migrations, {"0003_more.sql": "INSERT INTO users (email) VALUES ('c@x');"})
    assert db.apply_migrations(migrations) == ["0003_more.sql"]
    assert db.sqlite_utils["users"].count == 3


def test_the_tracking_table_has_wranglers_schema(db: D1Database, migrations: Path) -> None:
    db.apply_migrations(migrations)
    columns = {
        row[1]: (row[2], row[3], row[4], row[5])
        for row in db.sqlite_utils.execute("PRAGMA table_info(d1_migrations)").fetchall()
    }
    assert columns == {
        "id": ("INTEGER", 0, None, 1),
        "name": ("TEXT", 0, None, 0),
        "applied_at": ("TIMESTAMP", 1, "CURRENT_TIMESTAMP", 0),
    }
    sql = db.sqlite_utils.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'd1_migrations'"
    ).fetchone()[0]
    assert "AUTOINCREMENT" in sql
    assert "UNIQUE" in sql


def test_a_failing_migration_is_rolled_back_and_later_ones_do_not_run(
    db: D1Database, migrations: Path
) -> None:
    write(
        migrations,
        {
            "0003_bad.sql": "INSERT INTO users (email) VALUES ('c@x');\n"
            "INSERT INTO nope VALUES (1);",
            "0004_after.sql": "INSERT INTO users (email) VALUES ('d@x');",
        },
    )
    with pytest.raises(D1Error) as raised:
        db.apply_migrations(migrations)
    assert str(raised.value) == "D1_ERROR: no such table: nope: SQLITE_ERROR"
    assert raised.value.__notes__ == ["while applying migration 0003_bad.sql"]
    assert db.sqlite_utils["users"].count == 2
    names = [row[0] for row in db.sqlite_utils.execute("SELECT name FROM d1_migrations")]
    assert names == ["0001_init.sql", "0002_seed.sql"]


def test_migrations_run_under_d1s_restrictions(db: D1Database, tmp_path: Path) -> None:
    folder = write(tmp_path / "m", {"0001_x.sql": "SELECT sqlite_version();"})
    with pytest.raises(D1Error, match="not authorized to use function: sqlite_version"):
        db.apply_migrations(folder)


def test_a_dump_wrapped_in_one_transaction_is_unwrapped(db: D1Database, tmp_path: Path) -> None:
    dump = (
        "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE t (v);\n"
        "INSERT INTO t VALUES (1);\nCOMMIT;\n"
    )
    folder = write(tmp_path / "m", {"0001_dump.sql": dump})
    assert db.apply_migrations(folder) == ["0001_dump.sql"]
    assert db.sqlite_utils["t"].count == 1


def test_a_file_with_several_transactions_is_refused(db: D1Database, tmp_path: Path) -> None:
    twice = "BEGIN TRANSACTION;\nSELECT 1;\nCOMMIT;\nBEGIN TRANSACTION;\nSELECT 2;\nCOMMIT;\n"
    folder = write(tmp_path / "m", {"0001_twice.sql": twice})
    with pytest.raises(ValueError, match="contains several transactions") as raised:
        db.apply_migrations(folder)
    assert str(raised.value) == MIGRATIONS_MULTIPLE_TRANSACTIONS


def test_migration_files_sort_by_their_leading_number(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "m",
        {
            "10_c.sql": "",
            "9_b.sql": "",
            "1_a.sql": "",
            "0002_x.sql": "",
            "init.sql": "",
            ".hidden.sql": "",
            "notes.txt": "",
        },
    )
    (folder / "sub").mkdir()
    (folder / "sub" / "0000_nested.sql").write_text("")
    assert migration_names(folder) == ["1_a.sql", "0002_x.sql", "9_b.sql", "10_c.sql", "init.sql"]


def test_a_custom_tracking_table_and_a_missing_folder(db: D1Database, tmp_path: Path) -> None:
    folder = write(tmp_path / "m", {"0001_a.sql": "CREATE TABLE a (x);"})
    assert db.apply_migrations(folder, table="schema history") == ["0001_a.sql"]
    assert db.sqlite_utils["schema history"].count == 1
    with pytest.raises(FileNotFoundError, match="No migrations present at"):
        db.apply_migrations(tmp_path / "absent")
