"""Differences a second differential run against Miniflare 4.20260426 found, pinned with
the answers Miniflare gave (66 app-like scenarios, 1,349 operations)."""

from __future__ import annotations

import pytest

from emulator import D1Database, D1Error

FOREIGN_KEY_RESET = (
    "Durable Object was reset and rolled back to its last known good state because the "
    "application left the database in a state where constraints were violated: FOREIGN KEY "
    "constraint failed: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_FOREIGNKEY)"
)


async def _changes(db: D1Database, sql: str) -> tuple[int, int, int]:
    meta = (await db.prepare(sql).run()).meta
    return meta["changes"], meta["rows_written"], meta["last_row_id"]


async def test_fts5_writes_count_the_changes_d1_counts(db: D1Database) -> None:
    # D1 reads total_changes() before its transaction commits, when FTS5 flushes its terms:
    # the flush's writes are not in meta.changes, on a lone statement as in a batch.
    await db.exec(
        "CREATE VIRTUAL TABLE notes USING fts5(title, body);\n"
        "INSERT INTO notes (rowid, title, body) VALUES (1, 'a b', 'c d'), (2, 'e', 'f');"
    )
    assert await _changes(db, "UPDATE notes SET body = 'x' WHERE rowid = 1") == (5, 1, 1)
    inserted = "INSERT INTO notes (rowid, title, body) VALUES (3, 'a b', 'c d')"
    assert await _changes(db, inserted) == (3, 1, 3)
    returned = await db.prepare(
        "INSERT INTO notes (rowid, title, body) VALUES (4, 'g', 'h') RETURNING rowid"
    ).all()
    assert (returned.results, returned.meta["changes"]) == ([{"rowid": 4}], 3)
    assert await _changes(db, "DELETE FROM notes WHERE rowid = 3") == (3, 1, 4)
    assert await _changes(db, "INSERT INTO notes (notes) VALUES ('optimize')") == (14, 1, 0)
    batched = await db.batch([db.prepare("UPDATE notes SET title = title")])
    assert (batched[0].meta["changes"], batched[0].meta["rows_written"]) == (15, 3)


async def test_fts5_external_content_triggers_count_as_on_d1(db: D1Database) -> None:
    await db.exec(
        "CREATE TABLE a (id INTEGER PRIMARY KEY, t TEXT);\n"
        "CREATE VIRTUAL TABLE a_fts USING fts5(t, content='a', content_rowid='id');\n"
        "CREATE TRIGGER a_ai AFTER INSERT ON a BEGIN "
        "INSERT INTO a_fts (rowid, t) VALUES (new.id, new.t); END;"
    )
    assert await _changes(db, "INSERT INTO a (t) VALUES ('one two')") == (3, 2, 1)
    assert await _changes(db, "INSERT INTO a (t) VALUES ('three'), ('four')") == (6, 4, 3)


@pytest.mark.parametrize(
    "script",
    [
        "INSERT INTO c (pid) VALUES (5);",
        "INSERT INTO p (id) VALUES (1);\nINSERT INTO c (pid) VALUES (5);\n"
        "INSERT INTO p (id) VALUES (2);",
        "INSERT INTO c (pid) VALUES (5); INSERT INTO p (id) VALUES (3);",
    ],
)
async def test_exec_reports_a_deferred_foreign_key_reset_bare(db: D1Database, script: str) -> None:
    # The request fails when it commits, not on a line: D1 names no line.
    await db.exec(
        "CREATE TABLE p (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, "
        "pid INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED);"
    )
    with pytest.raises(D1Error) as raised:
        await db.exec(script)
    assert str(raised.value) == FOREIGN_KEY_RESET
    assert await db.prepare("SELECT count(*) AS n FROM p").first("n") == 0


async def test_update_and_delete_limit_run_on_without_rowid_tables(db: D1Database) -> None:
    # SQLite picks the rows of a WITHOUT ROWID table by primary key.
    await db.exec(
        "CREATE TABLE kv (ns TEXT NOT NULL, k TEXT NOT NULL, v TEXT, PRIMARY KEY (ns, k)) "
        "WITHOUT ROWID;\n"
        "INSERT INTO kv VALUES ('a','x','1'),('a','y','2'),('a','z','3'),('b','x','4');\n"
        "CREATE TABLE one (k TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;\n"
        "INSERT INTO one VALUES ('a', 1), ('b', 2), ('c', 3);"
    )
    updated = (
        await db.prepare("UPDATE kv SET v = 'u' ORDER BY ns DESC, k LIMIT 2 OFFSET 1").run()
    ).meta
    assert (updated["changes"], updated["rows_read"], updated["rows_written"]) == (2, 14, 2)
    rows = await db.prepare("SELECT ns, k, v FROM kv ORDER BY ns, k").raw()
    assert rows == [["a", "x", "u"], ["a", "y", "u"], ["a", "z", "3"], ["b", "x", "4"]]
    deleted = (await db.prepare("DELETE FROM kv LIMIT 1").run()).meta
    assert (deleted["changes"], deleted["rows_read"], deleted["rows_written"]) == (1, 4, 1)
    assert (
        await db.prepare("SELECT count(*) AS n FROM kv WHERE k = 'x' AND ns = 'a'").first("n") == 0
    )
    assert (await db.prepare("DELETE FROM one ORDER BY k DESC LIMIT 2").run()).meta["changes"] == 2
    assert await db.prepare("SELECT k FROM one").raw() == [["a"]]
    aliased = (await db.prepare("DELETE FROM one AS o WHERE o.k = 'a' LIMIT 1").run()).meta
    assert (aliased["changes"], aliased["rows_read"], aliased["rows_written"]) == (1, 4, 1)
    with pytest.raises(D1Error) as raised:
        await db.prepare("DELETE FROM kv WHERE ns = 'a' ORDER BY k LIMIT 1 RETURNING k").all()
    assert str(raised.value) == (
        'D1_ERROR: near "RETURNING": syntax error at offset 49: SQLITE_ERROR'
    )


async def test_update_and_delete_limit_count_rows_as_d1_on_rowid_tables(db: D1Database) -> None:
    await db.exec(
        "CREATE TABLE r (id INTEGER PRIMARY KEY, ns TEXT, k TEXT);\n"
        "INSERT INTO r (ns, k) VALUES ('a','x'),('a','y'),('a','z'),('b','x');"
    )
    deleted = (await db.prepare("DELETE FROM r WHERE ns = 'a' ORDER BY k LIMIT 1").run()).meta
    assert (deleted["changes"], deleted["rows_read"], deleted["rows_written"]) == (1, 10, 1)
    assert await db.prepare("SELECT id FROM r ORDER BY id").raw() == [[2], [3], [4]]


@pytest.mark.parametrize(
    "earlier",
    [
        "PRAGMA table_info(a)",
        "WITH x AS (SELECT 1 AS o) SELECT * FROM x",
        "EXPLAIN QUERY PLAN SELECT * FROM a",
        "PRAGMA quick_check",
    ],
)
async def test_an_earlier_statement_that_only_reads_may_return_rows(
    db: D1Database, earlier: str
) -> None:
    # Only an earlier statement that wrote and returned rows fails D1's commit.
    await db.exec(
        "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO a (v) VALUES ('x'), ('y');"
    )
    assert (await db.prepare(f"{earlier}; SELECT 2 AS two").all()).results == [{"two": 2}]


@pytest.mark.in_process("the REST API reports a Durable Object reset in its own words")
async def test_an_earlier_with_insert_returning_rows_resets(db: D1Database) -> None:
    await db.exec(
        "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO a (v) VALUES ('x'), ('y');"
    )
    with pytest.raises(D1Error, match=r"^internal error; reference = [0-9a-z]{24}$"):
        await db.prepare(
            "WITH x AS (SELECT 'w' AS o) INSERT INTO a (v) SELECT o FROM x RETURNING id; "
            "SELECT 2 AS two"
        ).all()
    assert await db.prepare("SELECT count(*) AS n FROM a").first("n") == 2
