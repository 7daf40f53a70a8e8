"""SQL error texts: workerd's ``<message>[ at offset N]: <CODE>[ (extended: <CODE>)]``.

Every expected text below was observed on Miniflare (docs/d1.md#errors); each failing
call must also leave the database exactly as it was.
"""

from __future__ import annotations

import pytest

from emulator import D1Database, D1Error
from emulator import _apsw as apsw
from emulator.d1.constants import (
    NO_SQL_STATEMENTS,
    NO_STATEMENT_IN_CODE,
    ONLY_LAST_STATEMENT_PARAMETERS,
    WRONG_PARAMETER_COUNT,
)
from emulator.d1.errors import format_sqlite_error, reason

SCHEMA = (
    "CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, "
    "age INTEGER CHECK (age >= 0));\n"
    "CREATE TABLE p (id INTEGER PRIMARY KEY);\n"
    "CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id));\n"
    "CREATE TABLE st (a INTEGER) STRICT;\n"
    "INSERT INTO u (id, name, age) VALUES (1, 'a', 1);"
)


@pytest.fixture
async def schema_db(db: D1Database) -> D1Database:
    await db.exec(SCHEMA)
    return db


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM nope", "D1_ERROR: no such table: nope: SQLITE_ERROR"),
        ("SELECT nope", "D1_ERROR: no such column: nope at offset 7: SQLITE_ERROR"),
        ("  SELECT nope", "D1_ERROR: no such column: nope at offset 9: SQLITE_ERROR"),
        ("SELEKT 1", 'D1_ERROR: near "SELEKT": syntax error at offset 0: SQLITE_ERROR'),
        ("SELECT 1 +", "D1_ERROR: incomplete input: SQLITE_ERROR"),
        (
            "INSERT INTO u (id, name, age) VALUES (2, 'a', 1)",
            "D1_ERROR: UNIQUE constraint failed: u.name: SQLITE_CONSTRAINT "
            "(extended: SQLITE_CONSTRAINT_UNIQUE)",
        ),
        (
            "INSERT INTO u (id, name, age) VALUES (1, 'b', 1)",
            "D1_ERROR: UNIQUE constraint failed: u.id: SQLITE_CONSTRAINT "
            "(extended: SQLITE_CONSTRAINT_PRIMARYKEY)",
        ),
        (
            "INSERT INTO u (id, name, age) VALUES (3, NULL, 1)",
            "D1_ERROR: NOT NULL constraint failed: u.name: SQLITE_CONSTRAINT "
            "(extended: SQLITE_CONSTRAINT_NOTNULL)",
        ),
        (
            "INSERT INTO u (id, name, age) VALUES (4, 'd', -1)",
            "D1_ERROR: CHECK constraint failed: age >= 0: SQLITE_CONSTRAINT "
            "(extended: SQLITE_CONSTRAINT_CHECK)",
        ),
        (
            "INSERT INTO c (id, pid) VALUES (1, 99)",
            "D1_ERROR: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT "
            "(extended: SQLITE_CONSTRAINT_FOREIGNKEY)",
        ),
        (
            "INSERT INTO u (id, name) VALUES ('x', 'e')",
            "D1_ERROR: datatype mismatch: SQLITE_MISMATCH",
        ),
        (
            "INSERT INTO st (a) VALUES (1.5)",
            "D1_ERROR: cannot store REAL value in INTEGER column st.a: SQLITE_CONSTRAINT "
            "(extended: SQLITE_CONSTRAINT_DATATYPE)",
        ),
        ("SELECT 1 LIMIT 'x'", "D1_ERROR: datatype mismatch: SQLITE_MISMATCH"),
        ("SELECT abs(-9223372036854775808)", "D1_ERROR: integer overflow: SQLITE_ERROR"),
        ("SELECT 'a' -> '$'", "D1_ERROR: malformed JSON: SQLITE_ERROR"),
        ("", "D1_ERROR: No SQL statements detected."),
        ("   ", "D1_ERROR: No SQL statements detected."),
        ("  -- indented", "D1_ERROR: No SQL statements detected."),
        ("-- just a comment", "D1_ERROR: SQL code did not contain a statement."),
        ("/* c */", "D1_ERROR: SQL code did not contain a statement."),
        ("SELECT 1; -- c", "D1_ERROR: SQL code did not contain a statement."),
        ("SELECT 1;\n-- c\n", "D1_ERROR: SQL code did not contain a statement."),
        ("SELECT 1;;", "D1_ERROR: SQL code did not contain a statement."),
        ("SELECT 1; SELECT nope", "D1_ERROR: no such column: nope at offset 7: SQLITE_ERROR"),
        (
            "SELECT 1;\n  SELECT nope",
            "D1_ERROR: no such column: nope at offset 7: SQLITE_ERROR",
        ),
        (
            "SELECT nosuchfunc(1)",
            "D1_ERROR: no such function: nosuchfunc at offset 7: SQLITE_ERROR",
        ),
        (
            "SELECT abs()",
            "D1_ERROR: wrong number of arguments to function abs() at offset 7: SQLITE_ERROR",
        ),
    ],
)
async def test_sql_errors_read_exactly_as_on_d1(
    schema_db: D1Database, sql: str, message: str
) -> None:
    before = await schema_db.dump()
    with pytest.raises(D1Error) as raised:
        await schema_db.prepare(sql).all()
    assert str(raised.value) == message
    assert await schema_db.dump() == before


@pytest.mark.parametrize(
    ("sql", "params", "message"),
    [
        ("SELECT ?1, ?2", (1,), WRONG_PARAMETER_COUNT),
        ("SELECT 1", (1,), WRONG_PARAMETER_COUNT),
        ("SELECT ?", (), WRONG_PARAMETER_COUNT),
        ("SELECT ?3", (1, 2), WRONG_PARAMETER_COUNT),
        ("SELECT ?; SELECT 1", (5,), ONLY_LAST_STATEMENT_PARAMETERS),
    ],
)
async def test_parameter_count_errors(
    db: D1Database, sql: str, params: tuple[int, ...], message: str
) -> None:
    with pytest.raises(D1Error) as raised:
        await db.prepare(sql).bind(*params).all()
    assert str(raised.value) == f"D1_ERROR: {message}"


@pytest.mark.parametrize(
    ("message", "offset", "primary", "extended", "text"),
    [
        ("m", -1, apsw.SQLITE_ERROR, apsw.SQLITE_ERROR, "m: SQLITE_ERROR"),
        ("m", 3, apsw.SQLITE_ERROR, apsw.SQLITE_ERROR, "m at offset 3: SQLITE_ERROR"),
        (
            "m",
            -1,
            apsw.SQLITE_CONSTRAINT,
            apsw.SQLITE_CONSTRAINT_UNIQUE,
            "m: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)",
        ),
        # extended codes workerd has no name for are left out
        ("m", -1, apsw.SQLITE_IOERR, apsw.SQLITE_IOERR_IN_PAGE, "m: SQLITE_IOERR"),
        ("m", -1, apsw.SQLITE_TOOBIG, apsw.SQLITE_TOOBIG, "m: SQLITE_TOOBIG"),
    ],
)
def test_format_sqlite_error_mirrors_workerds_db_error_message(
    message: str, offset: int, primary: int, extended: int, text: str
) -> None:
    assert format_sqlite_error(message, offset, primary, extended) == text


def test_reason_drops_the_prefix_for_the_rest_api() -> None:
    error = D1Error("D1_ERROR: no such table: nope: SQLITE_ERROR")
    assert reason(error) == "no such table: nope: SQLITE_ERROR"
    assert reason(D1Error("Durable Object was reset")) == "Durable Object was reset"


def test_error_constants_are_the_runtimes_texts() -> None:
    assert NO_SQL_STATEMENTS == "No SQL statements detected."
    assert NO_STATEMENT_IN_CODE == "SQL code did not contain a statement."
