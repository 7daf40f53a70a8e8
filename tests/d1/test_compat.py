"""D1's SQLite 3.47: what it offers works, what it lacks is refused, and the grammar the
amalgamation's parser lacks (UPDATE/DELETE ... LIMIT) is emulated.

Each expectation was checked against Miniflare 4.20260426 (SQLite 3.47.0).
"""

from __future__ import annotations

import pytest

from emulator import D1Database, D1Error
from emulator import _apsw as apsw
from emulator.d1.compat import limited_statement, limited_table


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("unixepoch('2024-01-01 00:00:00.123', 'subsec')", 1_704_067_200.123),  # 3.42
        ("timediff('2024-03-01', '2024-01-31')", "+0000-00-30 00:00:00.000"),  # 3.43
        ("octet_length('é')", 2),
        ("concat('a', NULL, 'b')", "ab"),  # 3.44
        ("concat_ws(',', 1, NULL, 2)", "1,2"),
        ("json_extract(jsonb('{\"a\":1}'), '$.a')", 1),  # 3.45
        ("json(jsonb_set('{}', '$.b', 2))", '{"b":2}'),
        ("unhex('41')", b"A"),
        ("iif(1, 'yes', 'no')", "yes"),
        ("1_000", 1000),  # 3.46
    ],
)
async def test_what_sqlite_347_offers_works(
    db: D1Database, expression: str, expected: object
) -> None:
    assert await db.prepare(f"SELECT {expression} AS v").first("v") == expected


async def test_ordered_aggregates_and_string_agg_work(db: D1Database) -> None:
    await db.exec("CREATE TABLE t (b TEXT);\nINSERT INTO t VALUES ('x'), ('y');")
    statement = db.prepare("SELECT string_agg(b, ',' ORDER BY b DESC) AS s FROM t")
    assert await statement.first("s") == "y,x"


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT if(1, 2, 3)", "no such function: if at offset 7"),
        ("SELECT IF(1, 2, 3)", "no such function: IF at offset 7"),
        ("SELECT if(1, 2)", "no such function: if at offset 7"),
        ("SELECT 1 + if(1, 2)", "no such function: if at offset 11"),
        ("SELECT if()", "no such function: if at offset 7"),
        ("SELECT unistr('a')", "no such function: unistr at offset 7"),
        ("SELECT unistr_quote('a')", "no such function: unistr_quote at offset 7"),
        ("SELECT median(1)", "no such function: median at offset 7"),
        ("SELECT percentile(1, 50)", "no such function: percentile at offset 7"),
        (
            "SELECT json_array_insert('[]', '$[0]', 1)",
            "no such function: json_array_insert at offset 7",
        ),
        ("SELECT geopoly_area('[]')", "no such function: geopoly_area at offset 7"),
        ("SELECT rtreecheck('t')", "no such function: rtreecheck at offset 7"),
        ("SELECT soundex('robert')", "no such function: soundex at offset 7"),
        (
            "SELECT iif(1, 2)",
            "wrong number of arguments to function iif() at offset 7",
        ),
        (
            "SELECT IIF(1,2,3,4)",
            "wrong number of arguments to function IIF() at offset 7",
        ),
        (
            "SELECT 1, (SELECT iif(1,2,3,4,5))",
            "wrong number of arguments to function iif() at offset 18",
        ),
        (
            "SELECT iif(iif(1,2), 2, 3)",
            "wrong number of arguments to function iif() at offset 11",
        ),
        (
            "SELECT sqlite_version()",
            "not authorized to use function: sqlite_version at offset 7",
        ),
        ("SELECT * FROM jsonb_each('[1]')", "no such table: jsonb_each"),
        ("SELECT * FROM carray(1)", "no such table: carray"),
        ("SELECT * FROM dbstat", "no such table: dbstat"),
        ("SELECT * FROM generate_series(1, 2)", "no such table: generate_series"),
        ("REINDEX EXPRESSIONS", "unable to identify the object to be reindexed"),
    ],
)
async def test_what_d1_lacks_is_refused_with_d1s_words(
    db: D1Database, sql: str, message: str
) -> None:
    with pytest.raises(D1Error) as raised:
        await db.prepare(sql).all()
    assert str(raised.value) == f"D1_ERROR: {message}: SQLITE_ERROR"


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "ALTER TABLE x ADD CONSTRAINT ck CHECK (a > 0)",
            'near "CONSTRAINT": syntax error at offset 18',
        ),
        ("ALTER TABLE x ADD CHECK (a > 0)", 'near "CHECK": syntax error at offset 18'),
        ("ALTER TABLE x ADD COLUMN CONSTRAINT", 'near "CONSTRAINT": syntax error at offset 25'),
        ("ALTER TABLE x DROP CONSTRAINT ck", 'near "CONSTRAINT": syntax error at offset 19'),
        ("ALTER TABLE x ALTER COLUMN a SET NOT NULL", 'near "ALTER": syntax error at offset 14'),
        ("ALTER TABLE main.x ALTER a DROP NOT NULL", 'near "ALTER": syntax error at offset 19'),
        ("ALTER TABLE missing ADD CHECK (1)", "no such table: missing"),
    ],
)
async def test_alter_table_constraint_forms_of_later_sqlite_are_syntax_errors(
    db: D1Database, sql: str, message: str
) -> None:
    await db.prepare("CREATE TABLE x (a, b)").run()
    with pytest.raises(D1Error) as raised:
        await db.prepare(sql).run()
    assert str(raised.value) == f"D1_ERROR: {message}: SQLITE_ERROR"


@pytest.mark.parametrize(
    ("expression", "text"),
    [
        ("CAST(1.0/3 AS TEXT)", "0.333333333333333"),
        ("(1.0/3) || ''", "0.333333333333333"),
        ("CAST(1e15 AS TEXT)", "1.0e+15"),
        ("CAST(123456789.123456789 AS TEXT)", "123456789.123457"),
        ("ln(2) || ''", "0.693147180559945"),
        ("19.99 || ''", "19.99"),
        ("printf('%s', 1.0/3)", "0.333333333333333"),
    ],
)
async def test_real_values_print_with_15_significant_digits(
    db: D1Database, expression: str, text: str
) -> None:
    assert await db.prepare(f"SELECT {expression} AS v").first("v") == text


def test_the_engine_is_sqlite_347_built_with_workerds_options() -> None:
    # workerd's build/BUILD.sqlite3 at v1.20260426.1, as SQLite reports its options.
    assert apsw.sqlite_lib_version() == "3.47.0"
    options = set(apsw.compile_options)
    assert {
        "ENABLE_FTS5",
        "ENABLE_NORMALIZE",
        "ENABLE_MATH_FUNCTIONS",
        "DEFAULT_FOREIGN_KEYS",
        "ENABLE_UPDATE_DELETE_LIMIT",
        "OMIT_SHARED_CACHE",
    } <= options
    assert not {"ENABLE_FTS3", "ENABLE_FTS4", "ENABLE_RTREE", "ENABLE_GEOPOLY", "ENABLE_STAT4"} & (
        options
    )


@pytest.mark.parametrize(
    ("expression", "on_d1"),
    [
        ("json_array(1.0/3)", "[0.333333333333333]"),
        ("json_object('x', 0.1+0.2)", '{"x":0.3}'),
        ("quote(0.1+0.2)", "3.000000000000000445e-01"),
        ("json_group_object(NULL, 1)", "{:1}"),
        ("format('%#q', 'a' || char(10))", "a\n"),
        ("x'616263' LIKE 'a%'", 1),
        ("x'616263' GLOB 'a*'", 1),
        ("'abc' LIKE x'6125'", 1),
    ],
)
async def test_what_sqlite_347_answers_itself(db: D1Database, expression: str, on_d1: str) -> None:
    # Differences of a newer engine that the 3.47 engine removed (issue 10's classes 4, 11).
    assert await db.prepare(f"SELECT {expression} AS v").first("v") == on_d1


async def test_json_totals_print_as_on_d1(db: D1Database) -> None:
    await db.exec("CREATE TABLE p (x REAL);\nINSERT INTO p VALUES (19.99), (119.94);")
    row = await db.prepare("SELECT json_group_array(x) AS d, sum(x) AS s FROM p").first()
    assert row == {"d": "[19.99,119.94]", "s": 139.93}


@pytest.mark.parametrize(
    ("sql", "rewritten"),
    [
        (
            "DELETE FROM q RETURNING id ORDER BY v LIMIT 2;",
            "DELETE FROM q WHERE rowid IN (SELECT rowid FROM q ORDER BY v LIMIT 2) RETURNING id;",
        ),
        (
            "UPDATE OR IGNORE q AS z SET v = 0 WHERE z.v > (SELECT 1 LIMIT 1) LIMIT 1 OFFSET 1",
            "UPDATE OR IGNORE q AS z SET v = 0 WHERE rowid IN (SELECT rowid FROM q AS z "
            "WHERE z.v > (SELECT 1 LIMIT 1) LIMIT 1 OFFSET 1)",
        ),
        ("DELETE FROM q WHERE v IN (SELECT v FROM r ORDER BY v LIMIT 1)", None),
        ("UPDATE q SET v = 1 FROM r LIMIT 1", None),
        ("SELECT * FROM q ORDER BY v LIMIT 1", None),
    ],
)
def test_limited_statement_rewrites_only_top_level_order_by_and_limit(
    sql: str, rewritten: str | None
) -> None:
    assert limited_statement(sql) == rewritten


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ("DELETE FROM kv WHERE a = 1 LIMIT 1", "kv"),
        ("UPDATE OR IGNORE one SET n = 0 LIMIT 1", "one"),
        ('UPDATE main."my ""t""" AS o SET n = 1 LIMIT 1', 'my "t"'),
        ("DELETE FROM [x y] LIMIT 2", "x y"),
        ("DELETE FROM `b` ORDER BY 1 LIMIT 2", "b"),
    ],
)
def test_limited_table_names_the_target_unquoted(sql: str, table: str) -> None:
    assert limited_table(sql) == table


def test_limited_statement_picks_rows_by_the_key_it_is_given() -> None:
    assert limited_statement("DELETE FROM t AS o WHERE o.a = 1 ORDER BY b LIMIT 1", "(a, b)") == (
        "DELETE FROM t AS o WHERE (a, b) IN (SELECT a, b FROM t AS o WHERE o.a = 1 ORDER BY b "
        "LIMIT 1)"
    )
    assert limited_statement("UPDATE t SET v = 1 LIMIT 2;", '"k"') == (
        'UPDATE t SET v = 1 WHERE "k" IN (SELECT "k" FROM t LIMIT 2);'
    )
