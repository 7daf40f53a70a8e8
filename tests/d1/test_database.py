"""D1Database: batch(), exec(), query(), dump(), reset() and close()."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from emulator import D1Database, D1Error
from emulator.d1.constants import CONSTRAINT_RESET


@pytest.fixture
async def kv_table(db: D1Database) -> D1Database:
    await db.exec("CREATE TABLE k (v TEXT);\nINSERT INTO k (v) VALUES ('a');")
    return db


async def count(db: D1Database) -> int:
    value = await db.prepare("SELECT count(*) AS n FROM k").first("n")
    assert isinstance(value, int)
    return value


# -- batch ------------------------------------------------------------------------------


async def test_batch_returns_one_result_per_statement_and_later_ones_see_earlier_writes(
    kv_table: D1Database,
) -> None:
    results = await kv_table.batch(
        [
            kv_table.prepare("INSERT INTO k (v) VALUES (?)").bind("b"),
            kv_table.prepare("SELECT count(*) AS n FROM k"),
        ]
    )
    assert [result.results for result in results] == [[], [{"n": 2}]]
    assert results[0].meta["changes"] == 1


async def test_batch_is_atomic_a_failing_statement_undoes_the_earlier_ones(
    kv_table: D1Database,
) -> None:
    before = await kv_table.dump()
    with pytest.raises(D1Error) as raised:
        await kv_table.batch(
            [
                kv_table.prepare("INSERT INTO k (v) VALUES ('b1')"),
                kv_table.prepare("INSERT INTO nope VALUES (1)"),
            ]
        )
    assert str(raised.value) == "D1_ERROR: no such table: nope: SQLITE_ERROR"
    assert await kv_table.dump() == before
    assert await count(kv_table) == 1


async def test_batch_of_nothing_is_refused(db: D1Database) -> None:
    with pytest.raises(D1Error) as raised:
        await db.batch([])
    assert str(raised.value) == "D1_ERROR: No SQL statements detected."


async def test_batch_drops_empty_statements_so_results_can_be_fewer(db: D1Database) -> None:
    results = await db.batch(
        [db.prepare(""), db.prepare("  -- c"), db.prepare("SELECT 1 AS x"), db.prepare("   ")]
    )
    assert [result.results for result in results] == [[{"x": 1}]]
    with pytest.raises(D1Error, match=r"^D1_ERROR: No SQL statements detected\.$"):
        await db.batch([db.prepare("   "), db.prepare("\n  -- only comments")])
    with pytest.raises(D1Error, match=r"^D1_ERROR: SQL code did not contain a statement\.$"):
        await db.batch([db.prepare("-- c")])


async def test_batch_reports_parameter_count_errors_without_an_index(db: D1Database) -> None:
    with pytest.raises(D1Error) as raised:
        await db.batch([db.prepare("SELECT ? AS a").bind(1), db.prepare("SELECT ?, ?").bind(1)])
    assert str(raised.value) == "D1_ERROR: Wrong number of parameter bindings for SQL query."


async def test_batch_takes_only_prepared_statements(db: D1Database) -> None:
    with pytest.raises(TypeError, match="list of prepared statements"):
        await db.batch("SELECT 1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="prepared statements, not str"):
        await db.batch(["SELECT 1"])  # type: ignore[list-item]


async def test_a_deferred_foreign_key_left_violated_resets_the_database(
    db: D1Database,
) -> None:
    await db.batch(
        [
            db.prepare("CREATE TABLE bp (id INTEGER PRIMARY KEY)"),
            db.prepare("CREATE TABLE bc (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES bp(id))"),
        ]
    )
    await db.prepare("INSERT INTO bp (id) VALUES (5)").run()
    before = await db.dump()
    with pytest.raises(D1Error) as raised:
        await db.batch(
            [
                db.prepare("PRAGMA defer_foreign_keys = ON"),
                db.prepare("INSERT INTO bc (id, pid) VALUES (1, 99)"),
            ]
        )
    assert str(raised.value) == (
        "Durable Object was reset and rolled back to its last known good state because the "
        "application left the database in a state where constraints were violated: FOREIGN KEY "
        "constraint failed: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_FOREIGNKEY)"
    )
    assert str(raised.value).startswith(CONSTRAINT_RESET.format(""))
    assert await db.dump() == before
    meta = (await db.prepare("SELECT count(*) FROM bc").all()).meta
    assert meta["last_row_id"] == 0  # a fresh connection after the reset
    with pytest.raises(D1Error, match=r"^Durable Object was reset"):
        await db.prepare(
            "PRAGMA defer_foreign_keys = ON; INSERT INTO bc (id, pid) VALUES (1, 99)"
        ).run()


async def test_a_deferred_foreign_key_satisfied_later_in_the_batch_commits(
    db: D1Database,
) -> None:
    await db.exec(
        "CREATE TABLE bp (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE bc (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES bp(id));"
    )
    await db.batch(
        [
            db.prepare("PRAGMA defer_foreign_keys = ON"),
            db.prepare("INSERT INTO bc (id, pid) VALUES (1, 99)"),
            db.prepare("INSERT INTO bp (id) VALUES (99)"),
        ]
    )
    assert await db.prepare("SELECT pid FROM bc").first("pid") == 99


# -- exec -------------------------------------------------------------------------------


async def test_exec_runs_line_by_line_and_counts_the_lines_it_ran(db: D1Database) -> None:
    result = await db.exec(
        "CREATE TABLE k (v TEXT);\nINSERT INTO k (v) VALUES ('a');\n\n   -- comment\n"
        "INSERT INTO k (v) VALUES ('b'); INSERT INTO k (v) VALUES ('c');"
    )
    assert result.count == 3
    assert result.duration >= 0
    assert await count(db) == 3


async def test_exec_accepts_crlf_line_endings(db: D1Database) -> None:
    assert (await db.exec("SELECT 1;\r\nSELECT 2;\r\n")).count == 2


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "INSERT INTO k (v) VALUES ('z1');\nINSERT INTO k (v) VALUES ('z2');\n"
            "INSERT INTO nope (v) VALUES ('z3');",
            "D1_EXEC_ERROR: Error in line 3: INSERT INTO nope (v) VALUES ('z3');: "
            "no such table: nope: SQLITE_ERROR",
        ),
        (
            "  SELECT 1;\n  -- x\nSELECT nope",
            "D1_EXEC_ERROR: Error in line 3: SELECT nope: no such column: nope at offset 7: "
            "SQLITE_ERROR",
        ),
        (
            "SELECT 1\n\n\nSELECT nope2\r\n",
            "D1_EXEC_ERROR: Error in line 4: SELECT nope2: no such column: nope2 at offset 7: "
            "SQLITE_ERROR",
        ),
        ("", "D1_EXEC_ERROR: Error in line 1: : No SQL statements detected."),
        ("   \n  ", "D1_EXEC_ERROR: Error in line 1: : No SQL statements detected."),
        ("-- hi", "D1_EXEC_ERROR: Error in line 1: -- hi: SQL code did not contain a statement."),
        (
            "SELECT 1; -- c",
            "D1_EXEC_ERROR: Error in line 1: SELECT 1; -- c: SQL code did not contain a statement.",
        ),
        (
            "SELECT ?",
            "D1_EXEC_ERROR: Error in line 1: SELECT ?: Wrong number of parameter bindings for "
            "SQL query.",
        ),
        (
            "CREATE TABLE ml (\n a INTEGER\n)",
            "D1_EXEC_ERROR: Error in line 1: CREATE TABLE ml (: incomplete input: SQLITE_ERROR",
        ),
    ],
)
async def test_exec_errors_name_the_line_that_failed(
    kv_table: D1Database, sql: str, message: str
) -> None:
    before = await kv_table.dump()
    with pytest.raises(D1Error) as raised:
        await kv_table.exec(sql)
    assert str(raised.value) == message
    assert await kv_table.dump() == before  # exec is atomic


# -- query (the REST API's /query and /raw) ----------------------------------------------


@pytest.mark.in_process("query() is the in-process engine of the REST API")
async def test_query_returns_one_result_per_statement(kv_table: D1Database) -> None:
    results = await kv_table.query(
        "INSERT INTO k (v) VALUES ('b'); SELECT v FROM k WHERE v >= ? ORDER BY v", ["a"]
    )
    assert len(results) == 2
    assert results[0].results == []
    assert results[0].meta["changes"] == 1
    assert results[1].results == [{"v": "a"}, {"v": "b"}]
    assert results[1].meta["changes"] == 0
    with pytest.raises(D1Error, match="only the last statement can have parameters"):
        await kv_table.query("INSERT INTO k (v) VALUES (?); SELECT 1", ["b"])


@pytest.mark.in_process("query() is the in-process engine of the REST API")
async def test_query_gives_rows_and_columns_without_running_again(kv_table: D1Database) -> None:
    (result,) = await kv_table.query("SELECT v, v AS w FROM k WHERE v = ?", ["a"])
    assert result.columns == ["v", "w"]
    assert result.rows == [["a", "a"]]
    (empty,) = await kv_table.query("SELECT v FROM k WHERE 0")
    assert empty.columns == ["v"]
    assert empty.rows == []


@pytest.mark.in_process("query() is the in-process engine of the REST API")
async def test_exec_and_query_take_text_and_a_list(db: D1Database) -> None:
    with pytest.raises(TypeError, match="exec\\(\\) takes SQL text, not NoneType"):
        await db.exec(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="query\\(\\) takes SQL text, not bytes"):
        await db.query(b"SELECT 1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="params as a list"):
        await db.query("SELECT ?", "x")


@pytest.mark.in_process("query() is the in-process engine of the REST API")
async def test_query_is_atomic(kv_table: D1Database) -> None:
    before = await kv_table.dump()
    with pytest.raises(D1Error):
        await kv_table.query("INSERT INTO k (v) VALUES ('x'); SELECT * FROM nope")
    assert await kv_table.dump() == before


# -- dump, reset, close -----------------------------------------------------------------


@pytest.mark.in_process("dump() of the file is in-process only")
async def test_dump_returns_the_bytes_of_a_sqlite_database_file(
    kv_table: D1Database, tmp_path: object
) -> None:
    data = await kv_table.dump()
    assert data.startswith(b"SQLite format 3\x00")
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(data)
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("SELECT v FROM k").fetchall() == [("a",)]


@pytest.mark.in_process("D1Database.reset() is in-process tooling")
async def test_reset_empties_the_database_in_place(kv_table: D1Database) -> None:
    statement = kv_table.prepare("SELECT count(*) AS n FROM k")
    kv_table.reset()
    with pytest.raises(D1Error, match="no such table: k"):
        await statement.first()
    tables = await kv_table.prepare("SELECT name FROM sqlite_master").raw()
    assert tables == []  # _cf_METADATA comes back after this first successful request
    await kv_table.exec("CREATE TABLE k (v TEXT);\nINSERT INTO k (v) VALUES ('new');")
    assert await statement.first("n") == 1
    assert (await kv_table.prepare("SELECT 1").all()).meta["last_row_id"] == 1


@pytest.mark.in_process("close() is in-process lifecycle")
async def test_a_closed_database_refuses_work(db: D1Database) -> None:
    db.close()
    db.close()  # closing twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        await db.prepare("SELECT 1").all()


@pytest.mark.in_process("the in-process repr")
def test_database_repr_names_it(db: D1Database) -> None:
    assert repr(db) == "D1Database('DB', id='test-db', memory)"


# -- every call is atomic ----------------------------------------------------------------


async def test_a_failing_or_fail_insert_keeps_none_of_its_rows(db: D1Database) -> None:
    await db.exec("CREATE TABLE u (id INTEGER PRIMARY KEY);\nINSERT INTO u VALUES (2);")
    with pytest.raises(D1Error, match=r"UNIQUE constraint failed: u\.id"):
        await db.prepare("INSERT OR FAIL INTO u VALUES (1), (2), (3)").run()
    assert await db.prepare("SELECT id FROM u").raw() == [[2]]


async def test_a_raise_fail_trigger_keeps_none_of_the_statements_rows(db: D1Database) -> None:
    await db.exec(
        "CREATE TABLE u (id INTEGER PRIMARY KEY);\n"
        "CREATE TRIGGER no_three BEFORE INSERT ON u WHEN new.id = 3 "
        "BEGIN SELECT RAISE(FAIL, 'three is not allowed'); END;"
    )
    with pytest.raises(D1Error) as raised:
        await db.prepare("INSERT INTO u VALUES (1), (2), (3)").run()
    assert str(raised.value) == (
        "D1_ERROR: three is not allowed: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_TRIGGER)"
    )
    assert await db.prepare("SELECT count(*) AS n FROM u").first("n") == 0


async def test_a_type_error_at_bind_changes_nothing(db: D1Database) -> None:
    await db.exec("CREATE TABLE u (v);")
    before = await db.dump()
    with pytest.raises(TypeError):
        db.prepare("INSERT INTO u VALUES (?)").bind({"no": "dicts"})
    assert await db.dump() == before
