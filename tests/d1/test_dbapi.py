"""The sqlite3-style adapter and sqlite-utils on the D1 database's own connection."""

from __future__ import annotations

import sqlite3

import pytest

from emulator import D1Database, D1Error
from emulator.d1.dbapi import Connection

pytestmark = pytest.mark.in_process("the sqlite-utils adapter is in-process tooling")


@pytest.fixture
def conn(db: D1Database) -> Connection:
    connection = db.sqlite_utils.conn
    assert isinstance(connection, Connection)
    return connection


async def test_sqlite_utils_seeds_what_the_binding_then_reads(db: D1Database) -> None:
    authors = db.sqlite_utils["authors"]
    authors.insert_all([{"id": 1, "name": "ada"}, {"id": 2, "name": "bob"}], pk="id")
    rows = await db.prepare("SELECT name FROM authors ORDER BY id").raw()
    assert rows == [["ada"], ["bob"]]


async def test_sqlite_utils_inspects_what_the_binding_wrote(db: D1Database) -> None:
    await db.exec(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO t (v) VALUES ('x');"
    )
    assert list(db.sqlite_utils["t"].rows) == [{"id": 1, "v": "x"}]
    assert db.sqlite_utils.table_names() == ["t", "_cf_METADATA"]  # made after the request


def test_sqlite_utils_table_operations_work(db: D1Database) -> None:
    su = db.sqlite_utils
    su["authors"].create({"id": int, "name": str}, pk="id", not_null={"name"})
    su["authors"].insert_all([{"id": 1, "name": "ada"}, {"id": 2, "name": "bob"}])
    assert su["authors"].pks == ["id"]
    books = su["books"]
    books.insert(
        {"id": 1, "title": "x", "author_id": 1},
        pk="id",
        foreign_keys=[("author_id", "authors", "id")],
    )
    books.upsert({"id": 1, "title": "y", "author_id": 2}, pk="id")
    books.upsert({"id": 2, "title": "z", "author_id": 1}, pk="id")
    assert books.count == 2
    assert list(books.rows_where("author_id = ?", [2])) == [{"id": 1, "title": "y", "author_id": 2}]
    assert [fk.other_table for fk in books.foreign_keys] == ["authors"]
    books.create_index(["title"], unique=True)
    assert [index.columns for index in books.indexes] == [["title"]]
    books.transform(rename={"title": "name"})
    assert list(books.columns_dict) == ["id", "name", "author_id"]
    assert [fk.other_table for fk in books.foreign_keys] == ["authors"]  # kept
    joined = su.query(
        "SELECT b.name, a.name AS author FROM books b "
        "JOIN authors a ON a.id = b.author_id ORDER BY b.id"
    )
    assert list(joined) == [{"name": "y", "author": "bob"}, {"name": "z", "author": "ada"}]
    su.execute("DELETE FROM books WHERE id = ?", [2])
    assert books.count == 1


async def test_foreign_keys_stay_on_for_d1_after_sqlite_utils_changes_them(
    db: D1Database,
) -> None:
    su = db.sqlite_utils
    su.execute("CREATE TABLE p (id INTEGER PRIMARY KEY)")
    su.execute("CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id))")
    su.execute("PRAGMA foreign_keys = OFF")
    su.execute("INSERT INTO c VALUES (1, 99)")  # allowed: the test author's tool
    with pytest.raises(D1Error, match="FOREIGN KEY constraint failed"):
        await db.prepare("INSERT INTO c VALUES (2, 99)").run()


async def test_the_adapter_is_not_bound_by_d1s_restrictions(conn: Connection) -> None:
    assert conn.execute("SELECT sqlite_version()").fetchone()[0].startswith("3.")
    conn.execute("PRAGMA user_version = 7")
    assert conn.execute("PRAGMA user_version").fetchone() == (7,)
    conn.execute("CREATE TABLE wide (" + ",".join(f"c{i}" for i in range(150)) + ")")


async def test_d1_does_not_reuse_statements_the_adapter_prepared(
    db: D1Database, conn: Connection
) -> None:
    conn.execute("SELECT sqlite_version()")
    with pytest.raises(D1Error, match="not authorized to use function: sqlite_version"):
        await db.prepare("SELECT sqlite_version()").all()
    await db.prepare("SELECT 1 + 1").all()
    assert conn.execute("SELECT 1 + 1").fetchone() == (2,)


async def test_uncommitted_adapter_writes_are_committed_before_the_next_d1_call(
    db: D1Database, conn: Connection
) -> None:
    conn.execute("CREATE TABLE t (v)")
    conn.execute("INSERT INTO t VALUES (1)")  # legacy mode: opens a transaction
    assert conn.in_transaction
    assert await db.prepare("SELECT v FROM t").first("v") == 1
    assert not conn.in_transaction


def test_legacy_transactions_commit_and_roll_back(conn: Connection) -> None:
    conn.execute("CREATE TABLE t (v)")
    assert not conn.in_transaction  # DDL opens no transaction
    conn.execute("INSERT INTO t VALUES (1)")
    conn.rollback()
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)
    with conn:
        conn.execute("INSERT INTO t VALUES (2)")
    assert not conn.in_transaction

    def fail_inside() -> None:
        with conn:
            conn.execute("INSERT INTO t VALUES (3)")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        fail_inside()
    assert conn.execute("SELECT v FROM t").fetchall() == [(2,)]


def test_autocommit_mode_opens_no_transactions(conn: Connection) -> None:
    conn.isolation_level = None
    conn.execute("CREATE TABLE t (v)")
    conn.execute("INSERT INTO t VALUES (1)")
    assert not conn.in_transaction
    with pytest.raises(ValueError, match="invalid value for isolation_level"):
        conn.isolation_level = "SOMETIMES"


def test_cursor_reports_description_rowcount_and_lastrowid(conn: Connection) -> None:
    cursor = conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    assert cursor.description is None
    assert cursor.rowcount == -1
    cursor = conn.executemany("INSERT INTO t (v) VALUES (?)", [("a",), ("b",), ("c",)])
    assert cursor.rowcount == 3
    assert cursor.lastrowid == 3
    cursor = conn.execute("SELECT id, v FROM t WHERE id > :low ORDER BY id", {"low": 1})
    assert [column[0] for column in cursor.description or ()] == ["id", "v"]
    assert cursor.fetchone() == (2, "b")
    assert cursor.fetchall() == [(3, "c")]
    assert cursor.fetchone() is None
    empty = conn.execute("SELECT id FROM t WHERE 0")
    assert [column[0] for column in empty.description or ()] == ["id"]
    assert list(conn.execute("SELECT v FROM t ORDER BY id LIMIT 2")) == [("a",), ("b",)]
    assert conn.execute("SELECT v FROM t").fetchmany(2) == [("a",), ("b",)]
    assert conn.execute("UPDATE t SET v = 'z'").rowcount == 3


def test_row_factory_is_applied(conn: Connection) -> None:
    conn.row_factory = lambda cursor, row: dict(
        zip([d[0] for d in cursor.description or ()], row, strict=True)
    )
    assert conn.execute("SELECT 1 AS a").fetchone() == {"a": 1}


@pytest.mark.parametrize(
    ("sql", "error", "message"),
    [
        ("SELECT * FROM nope", sqlite3.OperationalError, "no such table: nope"),
        ("SELEKT", sqlite3.OperationalError, 'near "SELEKT": syntax error'),
        (
            "INSERT INTO t VALUES (1, 'dup')",
            sqlite3.IntegrityError,
            "UNIQUE constraint failed: t.id",
        ),
        ("INSERT INTO t VALUES ('x', 'y')", sqlite3.IntegrityError, "datatype mismatch"),
        (
            "SELECT ?",
            sqlite3.ProgrammingError,
            "Incorrect number of bindings supplied. The current statement uses 1, and there "
            "are 0 supplied.",
        ),
        (
            "SELECT 1; SELECT 2",
            sqlite3.ProgrammingError,
            "You can only execute one statement at a time.",
        ),
    ],
)
def test_errors_are_the_standard_librarys_classes_and_messages(
    conn: Connection, sql: str, error: type[Exception], message: str
) -> None:
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.execute("INSERT INTO t VALUES (1, 'a')")
    conn.commit()
    with pytest.raises(error) as raised:
        conn.execute(sql)
    assert str(raised.value) == message


def test_integrity_errors_carry_sqlite_error_names(conn: Connection) -> None:
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    conn.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.IntegrityError) as raised:
        conn.execute("INSERT INTO t VALUES (1)")
    assert raised.value.sqlite_errorname == "SQLITE_CONSTRAINT_PRIMARYKEY"
    assert raised.value.sqlite_errorcode == 1555


async def test_executescript_commits_first_and_runs_every_statement(
    db: D1Database, conn: Connection
) -> None:
    conn.execute("CREATE TABLE t (v)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.executescript("INSERT INTO t VALUES (2); INSERT INTO t VALUES (3);")
    assert not conn.in_transaction
    assert await db.prepare("SELECT count(*) AS n FROM t").first("n") == 3


async def test_functions_and_collations_register_on_the_shared_connection(
    db: D1Database, conn: Connection
) -> None:
    conn.create_function("twice", 1, lambda value: value * 2, deterministic=True)
    conn.create_collation("reverse", lambda a, b: (a < b) - (a > b))

    class Longest:
        def __init__(self) -> None:
            self.best = ""

        def step(self, value: str) -> None:
            self.best = max(self.best, value, key=len)

        def finalize(self) -> str:
            return self.best

    conn.create_aggregate("longest", 1, Longest)
    conn.execute("CREATE TABLE w (v TEXT)")
    conn.executemany("INSERT INTO w VALUES (?)", [("a",), ("ccc",), ("bb",)])
    assert conn.execute("SELECT twice(21)").fetchone() == (42,)
    assert conn.execute("SELECT longest(v) FROM w").fetchone() == ("ccc",)
    assert conn.execute("SELECT v FROM w ORDER BY v COLLATE reverse").fetchall() == [
        ("ccc",),
        ("bb",),
        ("a",),
    ]
    # D1 has no user functions: the binding still refuses them
    with pytest.raises(D1Error, match="not authorized to use function: twice"):
        await db.prepare("SELECT twice(1)").all()


def test_close_leaves_the_database_open(db: D1Database, conn: Connection) -> None:
    db.sqlite_utils.close()
    conn.execute("SELECT 1")


def test_reset_keeps_the_sqlite_utils_database_working(db: D1Database) -> None:
    su = db.sqlite_utils
    su["t"].insert({"v": 1})
    db.reset()
    assert su.table_names() == []  # _cf_METADATA comes back with the first D1 request
    su["t"].insert({"v": 2})
    assert list(su["t"].rows) == [{"v": 2}]
