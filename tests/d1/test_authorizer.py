"""D1's SQL restrictions (workerd's authorizer): docs/d1.md#restrictions."""

from __future__ import annotations

import pytest

from emulator import D1Database, D1Error
from emulator.d1.authorizer import is_allowed_name
from emulator.d1.constants import ALLOWED_FUNCTIONS, TRANSACTION_REFUSED

TRANSACTION = f"D1_ERROR: {TRANSACTION_REFUSED}"
NOT_AUTHORIZED = "D1_ERROR: not authorized: SQLITE_AUTH"


@pytest.fixture
async def schema_db(db: D1Database) -> D1Database:
    await db.exec(
        "CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT UNIQUE);\n"
        "CREATE TABLE p (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id));"
    )
    return db


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("BEGIN", TRANSACTION),
        ("BEGIN TRANSACTION", TRANSACTION),
        ("BEGIN IMMEDIATE", TRANSACTION),
        ("COMMIT", TRANSACTION),
        ("END", TRANSACTION),
        ("ROLLBACK", TRANSACTION),
        ("SAVEPOINT a", TRANSACTION),
        ("RELEASE a", TRANSACTION),
        ("ATTACH DATABASE 'x.db' AS x", NOT_AUTHORIZED),
        ("DETACH DATABASE x", NOT_AUTHORIZED),
        ("CREATE TEMP TABLE tt (a)", NOT_AUTHORIZED),
        ("CREATE TEMPORARY VIEW tv AS SELECT 1", NOT_AUTHORIZED),
        ("VACUUM", "D1_ERROR: cannot VACUUM from within a transaction: SQLITE_ERROR"),
        ("SELECT load_extension('x')", "D1_ERROR: not authorized: SQLITE_ERROR"),
        ("CREATE TABLE _cf_x (a)", NOT_AUTHORIZED),
        ("CREATE INDEX _cf_idx ON u(name)", NOT_AUTHORIZED),
        ("CREATE VIEW _cf_v AS SELECT 1", NOT_AUTHORIZED),
        ("CREATE TRIGGER _cf_t AFTER INSERT ON p BEGIN SELECT 1; END", NOT_AUTHORIZED),
        (
            "SELECT * FROM _cf_METADATA",
            "D1_ERROR: access to _cf_METADATA.key is prohibited: SQLITE_AUTH",
        ),
        ("SELECT count(*) FROM _cf_METADATA", NOT_AUTHORIZED),
        ("PRAGMA table_info(_cf_METADATA)", NOT_AUTHORIZED),
        (
            "CREATE TABLE sqlite_x (a)",
            "D1_ERROR: object name reserved for internal use: sqlite_x: SQLITE_ERROR",
        ),
        ("CREATE VIRTUAL TABLE r USING rtree(id, x0, x1)", NOT_AUTHORIZED),
        ("CREATE VIRTUAL TABLE f4 USING fts4(body)", NOT_AUTHORIZED),
        (
            "SELECT sqlite_version()",
            "D1_ERROR: not authorized to use function: sqlite_version at offset 7: SQLITE_ERROR",
        ),
        (
            "SELECT sqlite_source_id()",
            "D1_ERROR: not authorized to use function: sqlite_source_id at offset 7: SQLITE_ERROR",
        ),
        (
            "SELECT sqlite_compileoption_used('X')",
            "D1_ERROR: not authorized to use function: sqlite_compileoption_used at offset 7: "
            "SQLITE_ERROR",
        ),
        (
            "SELECT sqlite_compileoption_get(0)",
            "D1_ERROR: not authorized to use function: sqlite_compileoption_get at offset 7: "
            "SQLITE_ERROR",
        ),
        (
            "SELECT json_pretty('{}')",
            "D1_ERROR: not authorized to use function: json_pretty at offset 7: SQLITE_ERROR",
        ),
        (
            "SELECT power(2, 3)",
            "D1_ERROR: not authorized to use function: power at offset 7: SQLITE_ERROR",
        ),
        (
            "SELECT 'a' REGEXP 'a'",
            "D1_ERROR: no such function: REGEXP at offset 11: SQLITE_ERROR",
        ),
        ("SELECT * FROM pragma_function_list", NOT_AUTHORIZED),
        ("SELECT * FROM temp.u", "D1_ERROR: no such table: temp.u: SQLITE_ERROR"),
    ],
)
async def test_refused_statements_read_exactly_as_on_d1(
    schema_db: D1Database, sql: str, message: str
) -> None:
    before = await schema_db.dump()
    with pytest.raises(D1Error) as raised:
        await schema_db.prepare(sql).run()
    assert str(raised.value) == message
    assert await schema_db.dump() == before


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE _CF_y (a)",  # the reserved prefix is case-sensitive
        "CREATE VIRTUAL TABLE f USING fts5(body)",
        "CREATE VIRTUAL TABLE fv USING fts5vocab(f, 'row')",
        "SELECT * FROM sqlite_master",
        "SELECT * FROM sqlite_schema",
        "SELECT * FROM sqlite_temp_master",
        "SELECT * FROM temp.sqlite_master",
        "SELECT * FROM json_each('[1]')",
        "SELECT * FROM json_tree('[1]')",
        "SELECT iif(1, 2, 3), json_extract('{\"a\":1}', '$.a'), '{\"a\":1}' ->> '$.a'",
        "SELECT sqrt(4), pow(2, 3), ln(1), randomblob(2), random(), ceil(1.2), unhex('41')",
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) "
        "SELECT * FROM n",
        "ALTER TABLE u ADD COLUMN extra TEXT",
        "CREATE TRIGGER tr AFTER INSERT ON p BEGIN SELECT 1; END",
        "CREATE VIEW v AS SELECT * FROM u",
        "CREATE TABLE copy AS SELECT * FROM u",
        "CREATE TABLE wr (k TEXT PRIMARY KEY) WITHOUT ROWID",
        "ANALYZE",
        "REINDEX",
        "EXPLAIN SELECT 1",
        "EXPLAIN QUERY PLAN SELECT * FROM u",
        "INSERT INTO u (name) VALUES ('x') ON CONFLICT (name) DO NOTHING RETURNING id",
    ],
)
async def test_statements_d1_allows_run(schema_db: D1Database, sql: str) -> None:
    result = await schema_db.prepare(sql).run()
    assert result.success is True


async def test_fts5_search_works(schema_db: D1Database) -> None:
    await schema_db.exec(
        "CREATE VIRTUAL TABLE docs USING fts5(body);\n"
        "INSERT INTO docs (body) VALUES ('hello world'), ('goodbye');"
    )
    statement = schema_db.prepare(
        "SELECT body, highlight(docs, 0, '[', ']') AS h FROM docs WHERE docs MATCH ?"
    )
    found = await statement.bind("hello").all()
    assert found.results == [{"body": "hello world", "h": "[hello] world"}]


@pytest.mark.parametrize(
    ("sql", "result"),
    [
        ("PRAGMA foreign_keys", [{"foreign_keys": 1}]),
        ("PRAGMA defer_foreign_keys", [{"defer_foreign_keys": 0}]),
        ("PRAGMA recursive_triggers", [{"recursive_triggers": 0}]),
        ("PRAGMA quick_check", [{"quick_check": "ok"}]),
        ("PRAGMA foreign_key_check", []),
        ("PRAGMA optimize", []),
        ("PRAGMA optimize(0x10002)", []),
        ("PRAGMA case_sensitive_like = 1", []),
        ("PRAGMA case_sensitive_like = 'off'", []),
        (
            "PRAGMA index_list(u)",
            [
                {
                    "seq": 0,
                    "name": "sqlite_autoindex_u_1",
                    "unique": 1,
                    "origin": "u",
                    "partial": 0,
                }
            ],
        ),
        (
            "PRAGMA foreign_key_list(c)",
            [
                {
                    "id": 0,
                    "seq": 0,
                    "table": "p",
                    "from": "pid",
                    "to": "id",
                    "on_update": "NO ACTION",
                    "on_delete": "NO ACTION",
                    "match": "NONE",
                }
            ],
        ),
    ],
)
async def test_allowed_pragmas_answer(
    schema_db: D1Database, sql: str, result: list[dict[str, object]]
) -> None:
    assert (await schema_db.prepare(sql).all()).results == result


@pytest.mark.parametrize(
    "sql",
    [
        "PRAGMA table_list",
        "PRAGMA table_info(u)",
        "PRAGMA table_xinfo(u)",
        "PRAGMA main.table_info(u)",
        "SELECT * FROM pragma_table_info('u')",
        "PRAGMA index_info(sqlite_autoindex_u_1)",
        "PRAGMA index_xinfo(sqlite_autoindex_u_1)",
        "PRAGMA data_version",
        "PRAGMA ignore_check_constraints",
        "PRAGMA legacy_alter_table = ON",
        "PRAGMA reverse_unordered_selects = no",
    ],
)
async def test_pragmas_on_the_allow_list_run(schema_db: D1Database, sql: str) -> None:
    assert (await schema_db.prepare(sql).all()).success is True


@pytest.mark.parametrize(
    "sql",
    [
        "PRAGMA journal_mode",
        "PRAGMA user_version",
        "PRAGMA user_version = 3",
        "PRAGMA integrity_check",
        "PRAGMA page_size",
        "PRAGMA page_count",
        "PRAGMA cache_size",
        "PRAGMA synchronous",
        "PRAGMA compile_options",
        "PRAGMA database_list",
        "PRAGMA function_list",
        "PRAGMA schema_version",
        "PRAGMA freelist_count",
        "PRAGMA writable_schema = 1",
        "PRAGMA foreign_keys = maybe",
        "PRAGMA temp.table_info(u)",
        "PRAGMA data_version = 3",
        "PRAGMA FOREIGN_KEYS",  # workerd compares pragma names case-sensitively
    ],
)
async def test_pragmas_off_the_allow_list_are_not_authorized(
    schema_db: D1Database, sql: str
) -> None:
    with pytest.raises(D1Error) as raised:
        await schema_db.prepare(sql).all()
    assert str(raised.value) == NOT_AUTHORIZED


async def test_foreign_keys_are_on_and_cannot_be_turned_off(schema_db: D1Database) -> None:
    await schema_db.prepare("PRAGMA foreign_keys = OFF").run()
    assert await schema_db.prepare("PRAGMA foreign_keys").first("foreign_keys") == 1
    with pytest.raises(D1Error, match="FOREIGN KEY constraint failed"):
        await schema_db.prepare("INSERT INTO c (id, pid) VALUES (1, 99)").run()


async def test_cf_metadata_is_created_by_the_first_request_and_listed(db: D1Database) -> None:
    # As Miniflare's local development bookmark creates it (after the first request).
    first = await db.prepare("SELECT name FROM sqlite_master").all()
    assert (first.results, first.meta["size_after"], first.meta["last_row_id"]) == ([], 4096, 0)
    tables = await db.prepare("PRAGMA table_list").all()
    assert tables.results[0] == {
        "schema": "main", "name": "_cf_METADATA", "type": "table", "ncol": 2, "wr": 0,
        "strict": 0,
    }  # fmt: skip
    assert (tables.meta["size_after"], tables.meta["last_row_id"]) == (8192, 2)


async def test_cf_metadata_waits_for_a_request_that_succeeds(db: D1Database) -> None:
    with pytest.raises(D1Error):
        await db.prepare("SELECT nope").all()
    assert (await db.prepare("SELECT 1 AS x").all()).meta["size_after"] == 4096
    assert (await db.prepare("SELECT 1 AS x").all()).meta["size_after"] == 8192


async def test_cf_metadata_follows_the_first_requests_objects(db: D1Database) -> None:
    await db.exec("CREATE TABLE e (x);\nINSERT INTO e VALUES (1);")
    listed = await db.prepare("SELECT name FROM sqlite_master").all()
    assert listed.results == [{"name": "e"}, {"name": "_cf_METADATA"}]
    assert await db.prepare("SELECT last_insert_rowid() AS l").first("l") == 2


def test_is_allowed_name_checks_the_reserved_prefix_case_sensitively() -> None:
    assert not is_allowed_name("_cf_KV")
    assert is_allowed_name("_CF_KV")
    assert is_allowed_name("cf_table")


def test_the_function_allow_list_is_workerds() -> None:
    assert {"unixepoch", "timediff", "jsonb_set", "iif", "bm25"} <= ALLOWED_FUNCTIONS
    assert not {"sqlite_version", "json_pretty", "if", "power"} & ALLOWED_FUNCTIONS
