"""Issue 10's classes of difference, each with D1's answer as observed on Miniflare
4.20260426 (workerd 2026-04-26, SQLite 3.47.0)."""

from __future__ import annotations

import re

import pytest

from emulator import D1Database, D1Error

INTERNAL_ERROR = re.compile(r"internal error; reference = [0-9a-z]{24}")


async def rows(db: D1Database, sql: str, *params: object) -> list[dict[str, object]]:
    return (await db.prepare(sql).bind(*params).all()).results


async def error_of(db: D1Database, sql: str) -> str:
    with pytest.raises(D1Error) as raised:
        await db.prepare(sql).all()
    return str(raised.value)


# -- 1. text that is not UTF-8, lone surrogates ---------------------------------------------


async def test_invalid_utf8_reads_back_with_replacement_characters(db: D1Database) -> None:
    statement = db.prepare(
        "SELECT CAST(x'61ff62' AS TEXT) AS v, char(55296) AS s, "
        "length(CAST(x'61ff62' AS TEXT)) AS n"
    )
    assert await statement.raw(column_names=True) == [
        ["v", "s", "n"],
        ["a\ufffdb", "\ufffd" * 3, 3],
    ]
    assert await db.prepare("SELECT CAST(x'80' AS TEXT) AS v").first() == {"v": "\ufffd"}
    assert await rows(db, "SELECT CAST(x'f09f98' AS TEXT) AS v, CAST(x'eda080' AS TEXT) AS w") == [
        {"v": "\ufffd", "w": "\ufffd" * 3}
    ]


async def test_a_stored_row_with_invalid_utf8_does_not_fail_the_page(db: D1Database) -> None:
    await db.prepare("CREATE TABLE bad (v TEXT)").run()
    await db.prepare("INSERT INTO bad VALUES (CAST(x'c328' AS TEXT)), ('ok')").run()
    assert await rows(db, "SELECT v, hex(v) h FROM bad") == [
        {"v": "\ufffd(", "h": "C328"},
        {"v": "ok", "h": "6F6B"},
    ]


async def test_lone_surrogates_in_parameters_and_sql_read_back_as_on_d1(db: D1Database) -> None:
    # D1 stores the surrogate's WTF-8 bytes (hex 61EDA08062); the emulator stores three
    # U+FFFD, so the text read back is the same (README: hex() and length() differ).
    assert await rows(db, "SELECT ? AS v", "a\ud800b") == [{"v": "a\ufffd\ufffd\ufffdb"}]
    assert await rows(db, "SELECT 'x\ud800y' AS v") == [{"v": "x\ufffd\ufffd\ufffdy"}]
    assert await rows(db, "SELECT ? AS v", "\ud83d\ude00") == [{"v": "\U0001f600"}]


# -- 2. UPDATE / DELETE ... ORDER BY ... LIMIT ------------------------------------------------


async def test_delete_and_update_with_order_by_and_limit(db: D1Database) -> None:
    await db.exec(
        "CREATE TABLE q (id INTEGER PRIMARY KEY, v INT);\n"
        "INSERT INTO q (v) VALUES (5),(3),(9),(1),(7);"
    )
    assert (await db.prepare("UPDATE q SET v = 0 LIMIT 1 OFFSET 1").run()).meta["changes"] == 1
    assert await rows(db, "SELECT * FROM q ORDER BY id") == [
        {"id": 1, "v": 5}, {"id": 2, "v": 0}, {"id": 3, "v": 9}, {"id": 4, "v": 1},
        {"id": 5, "v": 7},
    ]  # fmt: skip
    await db.prepare("DELETE FROM q LIMIT 1").run()
    assert await rows(db, "SELECT id FROM q ORDER BY id") == [
        {"id": 2}, {"id": 3}, {"id": 4}, {"id": 5}
    ]  # fmt: skip
    assert (await db.prepare("DELETE FROM q WHERE v > 0 ORDER BY v LIMIT 1").run()).meta[
        "changes"
    ] == 1
    assert await rows(db, "SELECT id FROM q ORDER BY id") == [{"id": 2}, {"id": 3}, {"id": 5}]
    assert await rows(db, "DELETE FROM q RETURNING id, v ORDER BY v DESC LIMIT 1") == [
        {"id": 3, "v": 9}
    ]
    assert await rows(db, "UPDATE q SET v = v * 10 RETURNING * ORDER BY v DESC LIMIT 1") == [
        {"id": 5, "v": 70}
    ]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "DELETE FROM q ORDER BY v LIMIT 2 RETURNING id, v",
            'D1_ERROR: near "RETURNING": syntax error at offset 33: SQLITE_ERROR',
        ),
        (
            "UPDATE q SET v = v * 10 ORDER BY v DESC LIMIT 1 RETURNING *",
            'D1_ERROR: near "RETURNING": syntax error at offset 48: SQLITE_ERROR',
        ),
        ("DELETE FROM q ORDER BY v", "D1_ERROR: ORDER BY without LIMIT on DELETE: SQLITE_ERROR"),
        (
            "UPDATE q SET v = 1 ORDER BY v",
            "D1_ERROR: ORDER BY without LIMIT on UPDATE: SQLITE_ERROR",
        ),
    ],
)
async def test_order_by_and_limit_errors_read_as_on_d1(
    db: D1Database, sql: str, message: str
) -> None:
    await db.prepare("CREATE TABLE q (id INTEGER PRIMARY KEY, v INT)").run()
    assert await error_of(db, sql) == message


# -- 5. ANALYZE ------------------------------------------------------------------------------


async def test_analyze_keeps_only_sqlite_stat1_with_a_row_for_cf_metadata(db: D1Database) -> None:
    await db.exec(
        "CREATE TABLE a (x INT, y INT);\nCREATE INDEX ax ON a(x);\n"
        "INSERT INTO a VALUES (1,2),(1,3),(2,4);\nCREATE TABLE bad (v TEXT);\n"
        "INSERT INTO bad VALUES ('p'), ('q');"
    )
    await db.prepare("ANALYZE").run()
    assert await rows(db, "SELECT * FROM sqlite_stat1 ORDER BY tbl, idx") == [
        {"tbl": "_cf_METADATA", "idx": None, "stat": "1"},
        {"tbl": "a", "idx": "ax", "stat": "3 2"},
        {"tbl": "bad", "idx": None, "stat": "2"},
    ]
    names = "SELECT name FROM sqlite_schema WHERE name LIKE 'sqlite_stat%' ORDER BY name"
    assert await rows(db, names) == [{"name": "sqlite_stat1"}]
    assert await error_of(db, "SELECT * FROM sqlite_stat4") == (
        "D1_ERROR: no such table: sqlite_stat4: SQLITE_ERROR"
    )


# -- 6. NUL in the SQL -------------------------------------------------------------------------


@pytest.mark.in_process("the remote client refuses a NUL in SQL itself")
@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT 1\0", "D1_ERROR: SQL code did not contain a statement."),
        ("SELECT 1;\0", "D1_ERROR: SQL code did not contain a statement."),
        ("\0SELECT 1", "D1_ERROR: SQL code did not contain a statement."),
        ("SELECT 'a\0b' AS v", 'D1_ERROR: unrecognized token: "\'a" at offset 7: SQLITE_ERROR'),
    ],
)
async def test_nul_in_the_sql_reads_as_on_d1(db: D1Database, sql: str, message: str) -> None:
    assert await error_of(db, sql) == message


@pytest.mark.in_process("the remote client refuses a NUL in SQL itself")
async def test_nul_in_exec_names_the_line(db: D1Database) -> None:
    with pytest.raises(D1Error) as raised:
        await db.exec("SELECT 1\0")
    assert str(raised.value) == (
        "D1_EXEC_ERROR: Error in line 1: SELECT 1\0: SQL code did not contain a statement."
    )


# -- 7. Infinity -------------------------------------------------------------------------------


async def test_infinity_comes_back_as_null(db: D1Database) -> None:
    assert await rows(db, "SELECT 1e308*10 AS a, -1e308*10 AS b, 9e999 AS c") == [
        {"a": None, "b": None, "c": None}
    ]
    assert await db.prepare("SELECT 1e308*10 AS a").raw(column_names=True) == [["a"], [None]]
    assert await db.prepare("SELECT -9e999 AS a").first("a") is None


# -- 9. a statement before the last that wrote and returned rows -----------------------------


@pytest.mark.in_process("the REST API reports a Durable Object reset in its own words")
async def test_insert_returning_before_another_statement_resets(db: D1Database) -> None:
    await db.prepare("CREATE TABLE r (id INTEGER PRIMARY KEY, v TEXT)").run()
    for sql in (
        "INSERT INTO r (v) VALUES ('a') RETURNING id; SELECT * FROM r",
        "INSERT INTO r (v) VALUES ('b') RETURNING id; INSERT INTO r (v) VALUES ('c')",
    ):
        with pytest.raises(D1Error) as raised:
            await db.prepare(sql).all()
        assert INTERNAL_ERROR.fullmatch(str(raised.value))
        assert await rows(db, "SELECT * FROM r") == []
    # Without rows, or when the statement returning rows is last, it runs.
    assert await rows(db, "UPDATE r SET v = 'z' RETURNING id; SELECT 1") == [{"1": 1}]
    assert await rows(db, "SELECT 1; INSERT INTO r (v) VALUES ('d') RETURNING id") == [{"id": 1}]
    assert await rows(db, "SELECT * FROM r") == [{"id": 1, "v": "d"}]


# -- 10. INSERT OR ROLLBACK, RAISE(ROLLBACK) -------------------------------------------------


@pytest.mark.in_process("the REST API reports a Durable Object reset in its own words")
async def test_rollback_conflicts_reset_the_database_object(db: D1Database) -> None:
    await db.exec(
        "CREATE TABLE o (id INTEGER PRIMARY KEY, v TEXT UNIQUE);\nINSERT INTO o VALUES (1,'a');"
    )
    with pytest.raises(D1Error) as raised:
        await db.prepare("INSERT OR ROLLBACK INTO o VALUES (2,'a')").run()
    assert INTERNAL_ERROR.fullmatch(str(raised.value))
    await db.prepare(
        "CREATE TRIGGER tg BEFORE INSERT ON o WHEN NEW.v = 'x' "
        "BEGIN SELECT RAISE(ROLLBACK, 'nope'); END"
    ).run()
    with pytest.raises(D1Error) as raised:
        await db.prepare("INSERT INTO o VALUES (3,'x')").run()
    assert INTERNAL_ERROR.fullmatch(str(raised.value))
    with pytest.raises(D1Error) as raised:
        await db.batch(
            [
                db.prepare("INSERT INTO o VALUES (4,'b')"),
                db.prepare("INSERT OR ROLLBACK INTO o VALUES (5,'a')"),
            ]
        )
    assert INTERNAL_ERROR.fullmatch(str(raised.value))
    with pytest.raises(D1Error) as raised:
        await db.exec("INSERT OR ROLLBACK INTO o VALUES (6,'a')")
    assert INTERNAL_ERROR.fullmatch(str(raised.value))
    assert await rows(db, "SELECT * FROM o") == [{"id": 1, "v": "a"}]


# -- 3. a large multi-row VALUES -------------------------------------------------------------


async def test_a_3300_row_values_list_runs(db: D1Database) -> None:
    await db.prepare("CREATE TABLE b (id INTEGER PRIMARY KEY, v TEXT)").run()
    values = ",".join(f"({i},'v{i}')" for i in range(3300))
    meta = (await db.prepare("INSERT INTO b VALUES " + values).run()).meta
    assert (meta["changes"], meta["rows_read"], meta["rows_written"]) == (3300, 3300, 3300)
    counted = await db.prepare("SELECT count(*) AS n FROM b").all()
    assert (counted.results, counted.meta["rows_read"]) == ([{"n": 3300}], 3300)


# -- 8. rows_read when no loop runs ----------------------------------------------------------


async def test_rows_read_as_d1_counts_them(db: D1Database) -> None:
    await db.exec(
        "CREATE TABLE m (id INTEGER PRIMARY KEY, g INT, v TEXT);\nCREATE INDEX mg ON m(g);\n"
        "INSERT INTO m (g, v) VALUES (1,'a'),(1,'b'),(1,'c'),(2,'d'),(2,'e'),(3,'f'),(1,'g'),"
        "(1,'h');"
    )
    expected = [
        ("SELECT * FROM m WHERE g = 1", (), 6),  # 5 index entries and the one past them
        ("SELECT * FROM m WHERE 0", (), 0),
        ("SELECT * FROM m LIMIT 0", (), 0),
        ("SELECT * FROM m WHERE id = 99", (), 1),
        ("SELECT * FROM m WHERE g IN (2,3)", (), 6),
        ("UPDATE m SET v = 'y' WHERE id = ? RETURNING id", (1,), 2),
        ("DELETE FROM m WHERE g < ?", (2,), 6),
    ]
    for sql, params, read in expected:
        meta = (await db.prepare(sql).bind(*params).all()).meta
        assert (sql, meta["rows_read"]) == (sql, read)


@pytest.mark.parametrize("sql", ["SELECT * FROM m WHERE 0", "SELECT * FROM m LIMIT 0"])
async def test_nothing_is_read_when_no_loop_runs(db: D1Database, sql: str) -> None:
    await db.exec("CREATE TABLE m (id INTEGER PRIMARY KEY, g INT);\nINSERT INTO m (g) VALUES (1);")
    meta = (await db.prepare(sql).all()).meta
    assert (meta["rows_read"], meta["rows_written"]) == (0, 0)


# -- 12. the query planner -------------------------------------------------------------------


async def test_two_single_column_indexes_give_d1s_row_order(db: D1Database) -> None:
    await db.exec(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, a INT, b INT);\nCREATE INDEX pa ON p(a);\n"
        "CREATE INDEX pb ON p(b);\n"
        "INSERT INTO p (a,b) VALUES (1,1),(1,2),(2,1),(1,1),(2,2),(1,1);"
    )
    assert await rows(db, "SELECT id, a FROM p WHERE a > 0 AND b = 1") == [
        {"id": 1, "a": 1}, {"id": 3, "a": 2}, {"id": 4, "a": 1}, {"id": 6, "a": 1}
    ]  # fmt: skip
    assert await rows(db, "SELECT id FROM p WHERE b = 1 AND a = 1") == [
        {"id": 1}, {"id": 4}, {"id": 6}
    ]  # fmt: skip
