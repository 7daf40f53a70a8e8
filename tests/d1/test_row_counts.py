"""``meta``: changes, last_row_id, changed_db, size_after, rows_read and rows_written.

The rows_* expectations were measured on Miniflare (docs/d1.md#rows-read-and-written),
plus a replay of a longer session recorded on it (``MINIFLARE_SESSION``: statement,
rows_read, rows_written, changes - each run in order on one database).
"""

from __future__ import annotations

import pytest

from emulator import D1Database
from emulator.d1.constants import SERVED_BY


async def rows(db: D1Database, sql: str) -> tuple[int, int]:
    meta = (await db.prepare(sql).run()).meta
    return meta["rows_read"], meta["rows_written"]


SETUP = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\n"
    "INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c');\n"
    "CREATE TABLE u (id INTEGER PRIMARY KEY, v TEXT UNIQUE);\n"
    "INSERT INTO u (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c');\n"
    "CREATE TABLE s (k TEXT PRIMARY KEY, v TEXT);\n"
    "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT UNIQUE);\n"
    "CREATE TABLE w (id INTEGER PRIMARY KEY, v INTEGER);\n"
    "INSERT INTO w (v) VALUES (1), (2), (1), (2), (1), (2), (2);"
)


@pytest.fixture
async def tables(db: D1Database) -> D1Database:
    await db.exec(SETUP)
    return db


# Measured on Miniflare: statement -> (rows_read, rows_written).
@pytest.mark.parametrize(
    ("sql", "read", "written"),
    [
        ("SELECT 1", 0, 0),
        ("PRAGMA table_list", 0, 0),
        ("SELECT * FROM t", 3, 0),
        ("SELECT count(*) FROM t", 3, 0),
        ("SELECT * FROM t WHERE id = 2", 1, 0),
        ("SELECT * FROM u WHERE v = 'b'", 1, 0),
        ("SELECT * FROM t WHERE id = -1", 1, 0),
        ("SELECT * FROM t WHERE v = 'b'", 3, 0),
        ("INSERT INTO t (v) VALUES ('x')", 0, 1),
        ("INSERT INTO u (v) VALUES ('x')", 0, 2),
        ("INSERT INTO s (k, v) VALUES ('k', 'v')", 0, 2),
        ("INSERT INTO a (v) VALUES ('x')", 1, 3),
        ("INSERT OR REPLACE INTO t (id, v) VALUES (1, 'A')", 1, 1),
        ("INSERT INTO s (k, v) VALUES ('a', 'b') ON CONFLICT DO NOTHING", 0, 2),
        ("UPDATE t SET v = 'B' WHERE id = 2", 1, 1),
        ("UPDATE w SET v = 3 WHERE v = 2", 7, 4),
        ("DELETE FROM u WHERE v = 'a'", 1, 1),
        ("DELETE FROM t", 0, 3),
        ("CREATE TABLE fresh (id INTEGER PRIMARY KEY, v TEXT)", 1, 2),
        # 2 x rows + the index's first seeks; Miniflare writes rows + 1 (its sqlite_schema row)
        ("CREATE INDEX w_v ON w(v)", 16, 8),
    ],
)
async def test_rows_read_and_written_follow_the_reference_table(
    tables: D1Database, sql: str, read: int, written: int
) -> None:
    assert await rows(tables, sql) == (read, written)


async def test_insert_or_ignore_on_a_conflict_reads_and_writes_nothing(
    tables: D1Database,
) -> None:
    await tables.prepare("INSERT INTO s (k, v) VALUES ('k', 'v')").run()
    assert await rows(tables, "INSERT OR IGNORE INTO s (k, v) VALUES ('k', 'z')") == (0, 0)
    assert await rows(tables, "INSERT INTO s (k, v) VALUES ('k', 'z') ON CONFLICT DO NOTHING") == (
        0,
        0,
    )


async def test_autoincrement_inserts_count_sqlite_sequence(tables: D1Database) -> None:
    assert await rows(tables, "INSERT INTO a (v) VALUES ('x')") == (1, 3)
    assert await rows(tables, "INSERT INTO a (v) VALUES ('y'), ('z')") == (1, 5)
    assert await rows(tables, "INSERT INTO a (v) VALUES ('r') RETURNING *") == (2, 3)


async def test_a_multi_statement_string_reports_rows_of_its_last_statement_only(
    tables: D1Database,
) -> None:
    meta = (
        await tables.prepare(
            "INSERT INTO t (v) VALUES ('m1'); INSERT INTO t (v) VALUES ('m2')"
        ).run()
    ).meta
    assert (meta["changes"], meta["rows_read"], meta["rows_written"]) == (2, 0, 1)


async def test_changes_count_trigger_changes(db: D1Database) -> None:
    await db.exec(
        "CREATE TABLE trg_t (id INTEGER PRIMARY KEY, n INTEGER);\n"
        "CREATE TRIGGER trg AFTER INSERT ON trg_t BEGIN "
        "UPDATE trg_t SET n = 1 WHERE id = new.id; END;"
    )
    meta = (await db.prepare("INSERT INTO trg_t (id, n) VALUES (1, 0)").run()).meta
    assert (meta["changes"], meta["rows_read"], meta["rows_written"]) == (2, 2, 2)


async def test_last_row_id_is_sticky(tables: D1Database) -> None:
    inserted = (await tables.prepare("INSERT INTO t (v) VALUES ('x')").run()).meta
    assert inserted["last_row_id"] == 4
    selected = (await tables.prepare("SELECT * FROM u").run()).meta
    assert selected["last_row_id"] == 4  # unchanged by a SELECT
    ignored = (await tables.prepare("INSERT OR IGNORE INTO u (id, v) VALUES (9, 'a')").run()).meta
    assert ignored["last_row_id"] == 4  # nor by an insert that did nothing
    other = (await tables.prepare("INSERT INTO s (k, v) VALUES ('k', 'v')").run()).meta
    assert other["last_row_id"] == 1  # and it can come from another table


async def test_changed_db_and_size_after(db: D1Database) -> None:
    await db.prepare("SELECT 1").run()  # Miniflare's first request creates _cf_METADATA
    created = (await db.prepare("CREATE TABLE big (b BLOB)").run()).meta
    assert created["changed_db"] is True
    assert created["changes"] == 0  # only the size changed
    read = (await db.prepare("SELECT * FROM big").run()).meta
    assert read["changed_db"] is False
    assert read["size_after"] == created["size_after"]
    grown = (await db.prepare("INSERT INTO big VALUES (zeroblob(100000))").run()).meta
    assert grown["changed_db"] is True
    assert grown["size_after"] - created["size_after"] == 24 * 4096  # overflow pages
    shrunk = (await db.prepare("DELETE FROM big").run()).meta
    assert shrunk["size_after"] == created["size_after"]  # freed pages do not count
    assert shrunk["size_after"] % 4096 == 0


async def test_an_unread_meta_still_reports_the_size_right_after_its_statement(
    db: D1Database,
) -> None:
    await db.prepare("CREATE TABLE big (b BLOB)").run()
    small = await db.prepare("SELECT 1").run()
    grown = await db.prepare("INSERT INTO big VALUES (zeroblob(100000))").run()
    await db.prepare("DELETE FROM big").run()
    await db.prepare("CREATE TABLE later (x)").run()
    assert grown.meta["size_after"] > small.meta["size_after"]


async def test_an_unread_meta_keeps_the_rows_counted_before_a_schema_change(
    db: D1Database,
) -> None:
    await db.prepare("CREATE TABLE t (v TEXT)").run()
    inserted = await db.prepare("INSERT INTO t VALUES ('x')").run()
    await db.prepare("CREATE INDEX t_v ON t (v)").run()  # would make an insert write 2
    assert inserted.meta["rows_written"] == 1
    assert (await db.prepare("INSERT INTO t VALUES ('y')").run()).meta["rows_written"] == 2


async def test_each_statement_of_a_batch_reports_the_size_it_left(db: D1Database) -> None:
    await db.prepare("CREATE TABLE big (b BLOB)").run()
    results = await db.batch(
        [
            db.prepare("INSERT INTO big VALUES (zeroblob(50000))"),
            db.prepare("INSERT INTO big VALUES (zeroblob(50000))"),
        ]
    )
    first, second = (result.meta["size_after"] for result in results)
    assert second > first


async def test_meta_has_the_served_by_of_this_emulator_and_a_duration(db: D1Database) -> None:
    meta = (await db.prepare("SELECT 1").all()).meta
    assert meta["served_by"] == SERVED_BY == "cf-kv-d1-emulator"
    assert isinstance(meta["duration"], float)
    assert meta["duration"] >= 0


MINIFLARE_SESSION = [
    ("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", 1, 2, 0),
    ("INSERT INTO t (id, v) VALUES (1,'a'),(2,'b'),(3,'c')", 3, 3, 3),
    ("CREATE TABLE u (id INTEGER PRIMARY KEY, v TEXT UNIQUE)", 1, 3, 0),
    ("INSERT INTO u (id, v) VALUES (1,'a'),(2,'b'),(3,'c')", 3, 6, 3),
    ("CREATE TABLE s (k TEXT PRIMARY KEY, v TEXT)", 1, 3, 0),
    ("CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT UNIQUE)", 2, 5, 0),
    ("CREATE TABLE w (id INTEGER PRIMARY KEY, v INTEGER)", 1, 2, 0),
    ("INSERT INTO w (v) VALUES (1),(2),(1),(2),(1),(2),(2)", 0, 7, 7),
    ("CREATE TABLE nr (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID", 1, 2, 0),
    ("CREATE TABLE ix (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER)", 1, 2, 0),
    ("CREATE INDEX ix_a ON ix(a)", 2, 1, 0),
    ("CREATE INDEX ix_b ON ix(b)", 2, 1, 0),
    ("INSERT INTO ix (a, b) VALUES (1,1),(2,2),(3,3)", 0, 9, 3),
    ("SELECT 1", 0, 0, 0),
    ("PRAGMA table_list", 0, 0, 0),
    ("PRAGMA foreign_keys", 0, 0, 0),
    ("SELECT * FROM t", 3, 0, 0),
    ("SELECT count(*) FROM t", 3, 0, 0),
    ("SELECT count(*) FROM w", 7, 0, 0),
    ("SELECT * FROM t WHERE id = 2", 1, 0, 0),
    ("SELECT * FROM u WHERE v = 'b'", 1, 0, 0),
    ("SELECT * FROM t WHERE id = -1", 1, 0, 0),
    ("SELECT * FROM t WHERE v = 'b'", 3, 0, 0),
    ("SELECT * FROM u WHERE v > 'a'", 2, 0, 0),
    ("SELECT * FROM t WHERE id > 1", 2, 0, 0),
    ("SELECT * FROM t ORDER BY v", 6, 0, 0),
    ("SELECT * FROM t LIMIT 1", 1, 0, 0),
    ("SELECT v FROM u", 3, 0, 0),
    ("SELECT * FROM t, u", 12, 0, 0),
    ("SELECT * FROM t JOIN u ON t.id = u.id", 6, 0, 0),
    ("SELECT * FROM t WHERE id IN (1,2,3)", 6, 0, 0),
    ("INSERT INTO t (v) VALUES ('x')", 0, 1, 1),
    ("INSERT INTO u (v) VALUES ('x')", 0, 2, 1),
    ("INSERT INTO s (k, v) VALUES ('k','v')", 0, 2, 1),
    ("INSERT INTO a (v) VALUES ('x')", 1, 3, 1),
    ("INSERT INTO a (v) VALUES ('y'),('z')", 1, 5, 2),
    ("INSERT INTO a (v) VALUES ('r') RETURNING *", 2, 3, 1),
    ("INSERT INTO t (v) VALUES ('p'),('q') RETURNING id", 4, 2, 2),
    ("INSERT OR REPLACE INTO t (id, v) VALUES (1, 'A')", 1, 1, 1),
    ("INSERT OR REPLACE INTO u (id, v) VALUES (1, 'A')", 1, 2, 1),
    ("INSERT OR REPLACE INTO u (id, v) VALUES (9, 'b')", 2, 2, 1),
    ("INSERT INTO t (id, v) VALUES (1, 'z') ON CONFLICT DO NOTHING", 1, 0, 0),
    ("INSERT OR IGNORE INTO t (id, v) VALUES (1, 'z')", 1, 0, 0),
    ("INSERT OR IGNORE INTO u (id, v) VALUES (50, 'c')", 1, 0, 0),
    ("INSERT INTO t (id, v) VALUES (2, 'z') ON CONFLICT(id) DO UPDATE SET v = excluded.v", 1, 1, 1),
    ("INSERT INTO nr (k, v) VALUES ('a', 'b')", 0, 1, 1),
    ("INSERT INTO ix (a, b) VALUES (7, 7)", 0, 3, 1),
    ("UPDATE t SET v = 'B' WHERE id = 2", 1, 1, 1),
    ("UPDATE w SET v = 3 WHERE v = 2", 7, 4, 4),
    ("UPDATE u SET v = 'bb' WHERE id = 2", 1, 0, 0),
    ("UPDATE ix SET a = 9 WHERE id = 1", 1, 2, 1),
    ("UPDATE ix SET a = a WHERE id = 2", 1, 2, 1),
    ("DELETE FROM u WHERE v = 'a'", 0, 0, 0),
    ("DELETE FROM t WHERE id = 3", 1, 1, 1),
    ("DELETE FROM w WHERE v = 1", 7, 3, 3),
    ("DELETE FROM ix", 0, 4, 4),
    ("DELETE FROM t", 0, 5, 5),
    ("CREATE TABLE c1 (id INTEGER PRIMARY KEY, v TEXT)", 1, 2, 0),
    ("CREATE TABLE c2 (id INTEGER PRIMARY KEY, v TEXT UNIQUE)", 1, 3, 0),
    ("CREATE TABLE c3 (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)", 1, 2, 0),
    ("CREATE INDEX w_v ON w(v)", 10, 5, 0),
    ("DROP INDEX w_v", 20, 0, 0),
    ("DROP TABLE c1", 19, 0, 0),
    ("ALTER TABLE c2 ADD COLUMN z INTEGER", 19, 1, 0),
    ("CREATE VIEW vv AS SELECT * FROM t", 1, 2, 0),
    ("SELECT * FROM vv", 1, 0, 0),
    (
        "CREATE TRIGGER tr AFTER INSERT ON w BEGIN UPDATE t SET v = 'trig' WHERE id = 2; END",
        0,
        1,
        0,
    ),
    ("INSERT INTO w (v) VALUES (5)", 1, 1, 1),
    ("SELECT * FROM json_each('[1,2,3]')", 3, 0, 0),
    (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 5) SELECT x FROM c",
        6,
        0,
        0,
    ),
    ("SELECT max(id) FROM t", 1, 0, 0),
    ("SELECT min(v) FROM u", 1, 0, 0),
    ("SELECT (SELECT count(*) FROM w) AS n", 5, 0, 0),
    ("SELECT * FROM w WHERE v = 3", 5, 0, 0),
]


async def test_a_session_recorded_on_miniflare_replays_with_the_same_counts(
    db: D1Database,
) -> None:
    observed = []
    for sql, _, _, _ in MINIFLARE_SESSION:
        meta = (await db.prepare(sql).run()).meta
        observed.append((sql, meta["rows_read"], meta["rows_written"], meta["changes"]))
    assert observed == MINIFLARE_SESSION
