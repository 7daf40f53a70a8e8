"""workerd's SQLite limits (docs/d1.md#limits), with D1's exact errors."""

from __future__ import annotations

import pytest

from emulator import D1Database, D1Error
from emulator.d1.constants import (
    MAX_BOUND_PARAMETERS,
    MAX_COLUMNS,
    MAX_COMPOUND_SELECT_TERMS,
    MAX_EXPRESSION_DEPTH,
    MAX_FUNCTION_ARGUMENTS,
    MAX_LIKE_PATTERN_BYTES,
    MAX_STATEMENT_BYTES,
    MAX_TRIGGER_DEPTH,
    MAX_VALUE_BYTES,
)


async def fails(db: D1Database, sql: str, *params: object) -> str:
    await db.prepare("SELECT 1").run()  # Miniflare's first request creates _cf_METADATA
    before = await db.dump()
    with pytest.raises(D1Error) as raised:
        await db.prepare(sql).bind(*params).all()
    assert await db.dump() == before
    return str(raised.value)


async def test_statement_length_is_limited_to_100000_bytes(db: D1Database) -> None:
    longest = "SELECT '" + "x" * (MAX_STATEMENT_BYTES - 9) + "'"
    assert len(longest) == MAX_STATEMENT_BYTES
    assert (await db.prepare(longest).raw())[0][0] == "x" * (MAX_STATEMENT_BYTES - 9)
    too_long = longest[:-1] + "x'"
    assert await fails(db, too_long) == "D1_ERROR: statement too long: SQLITE_TOOBIG"


async def test_statement_length_counts_utf8_bytes(db: D1Database) -> None:
    sql = "SELECT '" + "é" * 50_000 + "'"  # 50,009 characters, 100,009 bytes
    assert await fails(db, sql) == "D1_ERROR: statement too long: SQLITE_TOOBIG"


async def test_100_bound_parameters_are_allowed_and_the_101st_is_not(db: D1Database) -> None:
    hundred = "SELECT " + ",".join("?" for _ in range(MAX_BOUND_PARAMETERS))
    assert await db.prepare(hundred).bind(*range(100)).raw() == [list(range(100))]
    assert await db.prepare("SELECT ?100").bind(*range(100)).first("?100") == 99
    too_many = hundred + ",?"
    assert (
        await fails(db, too_many, *range(101))
        == "D1_ERROR: too many SQL variables at offset 207: SQLITE_ERROR"
    )
    assert (
        await fails(db, "SELECT ?101", 1)
        == "D1_ERROR: variable number must be between ?1 and ?100 at offset 7: SQLITE_ERROR"
    )


async def test_a_batch_may_bind_more_than_100_parameters_in_total(db: D1Database) -> None:
    statement = db.prepare("SELECT " + ",".join("?" for _ in range(100)))
    results = await db.batch([statement.bind(*range(100)), statement.bind(*range(100))])
    assert [result.rows[0] for result in results] == [list(range(100))] * 2


async def test_tables_and_results_have_at_most_100_columns(db: D1Database) -> None:
    await db.prepare(
        "CREATE TABLE w100 (" + ",".join(f"c{i}" for i in range(MAX_COLUMNS)) + ")"
    ).run()
    wide = "CREATE TABLE wide (" + ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + ")"
    assert await fails(db, wide) == "D1_ERROR: too many columns on wide: SQLITE_ERROR"
    select = "SELECT " + ",".join(str(i) for i in range(MAX_COLUMNS + 1))
    assert await fails(db, select) == "D1_ERROR: too many columns in result set: SQLITE_ERROR"


async def test_strings_and_blobs_are_limited_to_2200000_bytes(db: D1Database) -> None:
    await db.prepare("CREATE TABLE big (b)").run()
    # A stored row also holds its record header, so the largest value is a little smaller.
    await db.prepare("INSERT INTO big VALUES (?)").bind("x" * (MAX_VALUE_BYTES - 10)).run()
    too_big = "D1_ERROR: string or blob too big: SQLITE_TOOBIG"
    assert await fails(db, "INSERT INTO big VALUES (?)", "x" * MAX_VALUE_BYTES) == too_big
    assert await fails(db, "INSERT INTO big VALUES (?)", "x" * (MAX_VALUE_BYTES + 1)) == too_big
    assert await fails(db, "INSERT INTO big VALUES (?)", b"\x01" * (MAX_VALUE_BYTES + 1)) == too_big
    assert await fails(db, f"SELECT length(zeroblob({MAX_VALUE_BYTES + 1}))") == too_big
    assert await fails(db, "UPDATE big SET b = b || '0123456789'") == too_big
    fits = await db.prepare(f"SELECT length(zeroblob({MAX_VALUE_BYTES})) AS n").first("n")
    assert fits == MAX_VALUE_BYTES


async def test_functions_take_at_most_127_arguments(db: D1Database) -> None:
    allowed = "SELECT max(" + ",".join(["1"] * MAX_FUNCTION_ARGUMENTS) + ") AS m"
    assert await db.prepare(allowed).first("m") == 1
    refused = "SELECT max(" + ",".join(["1"] * (MAX_FUNCTION_ARGUMENTS + 1)) + ")"
    assert (
        await fails(db, refused)
        == "D1_ERROR: too many arguments on function max at offset 7: SQLITE_ERROR"
    )


async def test_like_and_glob_patterns_are_limited_to_50_bytes(db: D1Database) -> None:
    pattern = "a" * MAX_LIKE_PATTERN_BYTES
    assert await db.prepare("SELECT 'a' LIKE ? AS m").bind(pattern).first("m") == 0
    message = "D1_ERROR: LIKE or GLOB pattern too complex: SQLITE_ERROR"
    assert await fails(db, "SELECT 'a' LIKE ?", pattern + "a") == message
    assert await fails(db, f"SELECT 'a' GLOB '{pattern}a'") == message


async def test_compound_selects_have_at_most_5_terms(db: D1Database) -> None:
    five = " UNION ALL ".join(["SELECT 1"] * MAX_COMPOUND_SELECT_TERMS)
    assert len(await db.prepare(five).raw()) == 5
    six = five + " UNION ALL SELECT 1"
    assert await fails(db, six) == "D1_ERROR: too many terms in compound SELECT: SQLITE_ERROR"


async def test_expressions_nest_at_most_100_deep(db: D1Database) -> None:
    assert (
        await db.prepare("SELECT " + "+".join(["1"] * MAX_EXPRESSION_DEPTH) + " AS s").first("s")
        == MAX_EXPRESSION_DEPTH
    )
    deep = "SELECT " + "+".join(["?"] * (MAX_EXPRESSION_DEPTH + 1))
    assert (
        await fails(db, deep, *([1] * 101))
        == "D1_ERROR: Expression tree is too large (maximum depth 100): SQLITE_ERROR"
    )


async def test_triggers_nest_at_most_10_deep(db: D1Database) -> None:
    chain = [f"CREATE TABLE c{i} (x);" for i in range(13)]
    chain += [
        f"CREATE TRIGGER tr{i} AFTER INSERT ON c{i} BEGIN INSERT INTO c{i + 1} VALUES (new.x); END;"
        for i in range(12)
    ]
    await db.exec("\n".join(chain))
    await db.prepare("INSERT INTO c2 VALUES (1)").run()  # fires 10 nested triggers
    assert await db.prepare("SELECT count(*) AS n FROM c12").first("n") == 1
    assert (
        await fails(db, "INSERT INTO c0 VALUES (1)")
        == "D1_ERROR: too many levels of trigger recursion: SQLITE_ERROR"
    )
    assert MAX_TRIGGER_DEPTH == 10


async def test_statements_compile_to_at_most_25000_vdbe_operations(db: D1Database) -> None:
    in_list = "SELECT 1 AS one WHERE 2 IN (" + ",".join(["1"] * 10_000) + ")"
    assert await fails(db, in_list) == "D1_ERROR: out of memory: SQLITE_NOMEM"
