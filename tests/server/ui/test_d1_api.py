"""The inspector's D1 routes: tables, rows paged with bounded reads, migrations, console."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator import D1Database, Emulator
from emulator.server import RestApi
from tests.server.helpers import call, error_of
from tests.server.ui.core_calls import UI, result


@pytest.fixture
async def db(emu: Emulator) -> D1Database:
    database = emu.d1("DB")
    await database.exec(
        'CREATE TABLE "odd <table>" (id INTEGER PRIMARY KEY, "<b>" TEXT NOT NULL DEFAULT \'x\')'
    )
    await database.exec("CREATE TABLE pairs (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID")
    await database.exec('CREATE VIEW names AS SELECT "<b>" AS name FROM "odd <table>"')
    return database


def rows_of(page: dict[str, Any]) -> list[list[str]]:
    return [[cell["text"] for cell in row] for row in page["rows"]]


def test_tables_and_views_are_listed_with_their_schema(ui_api: RestApi, db: D1Database) -> None:
    listed = result(ui_api, "GET", f"{UI}/d1/{db.id}/tables")
    assert listed["truncated"] is False
    assert [(t["name"], t["type"], t["paging"]) for t in listed["tables"]] == [
        ("names", "view", "offset"),
        ("odd <table>", "table", "rowid"),
        ("pairs", "table", "offset"),
    ]
    odd = listed["tables"][1]
    assert odd["sql"] == (
        'CREATE TABLE "odd <table>" (id INTEGER PRIMARY KEY, "<b>" TEXT NOT NULL DEFAULT \'x\')'
    )
    assert odd["columns"] == [
        {
            "name": "id",
            "type": "INTEGER",
            "notnull": False,
            "default": None,
            "pk": 1,
            "generated": False,
        },
        {
            "name": "<b>",
            "type": "TEXT",
            "notnull": True,
            "default": "'x'",
            "pk": 0,
            "generated": False,
        },
    ]
    assert listed["tables"][2]["without_rowid"] is True


async def test_rows_are_paged_by_rowid_with_a_cursor(ui_api: RestApi, db: D1Database) -> None:
    await db.exec("INSERT INTO \"odd <table>\" (\"<b>\") VALUES ('a'), ('b'), ('c')")
    rows_url = f"{UI}/d1/{db.id}/tables/odd%20%3Ctable%3E/rows"
    first = result(ui_api, "GET", f"{rows_url}?limit=2")
    assert (first["columns"], rows_of(first), first["next_cursor"]) == (
        ["id", "<b>"],
        [["1", "a"], ["2", "b"]],
        "r2",
    )
    last = result(ui_api, "GET", f"{rows_url}?limit=2&cursor=r2")
    assert (rows_of(last), last["next_cursor"], last["paging"]) == ([["3", "c"]], None, "rowid")


async def test_views_and_without_rowid_tables_page_by_offset(
    ui_api: RestApi, db: D1Database
) -> None:
    await db.exec("INSERT INTO pairs VALUES ('a', x'00'), ('b', NULL), ('c', 'text')")
    first = result(ui_api, "GET", f"{UI}/d1/{db.id}/tables/pairs/rows?limit=2")
    assert (rows_of(first), first["next_cursor"]) == (
        [["a", "x'00' (1 bytes)"], ["b", "NULL"]],
        "o2",
    )
    assert [cell["type"] for cell in first["rows"][1]] == ["text", "null"]
    last = result(ui_api, "GET", f"{UI}/d1/{db.id}/tables/pairs/rows?limit=2&cursor=o2")
    assert (rows_of(last), last["next_cursor"]) == ([["c", "text"]], None)
    view = result(ui_api, "GET", f"{UI}/d1/{db.id}/tables/names/rows")
    assert (view["columns"], view["rows"], view["paging"]) == (["name"], [], "offset")


async def test_a_table_whose_columns_shadow_every_rowid_name_pages_by_offset(
    ui_api: RestApi, emu: Emulator
) -> None:
    db = emu.d1("DB")
    await db.exec("CREATE TABLE t (rowid TEXT, _rowid_ TEXT, oid TEXT)")
    await db.exec("INSERT INTO t VALUES ('a', 'b', 'c')")
    page = result(ui_api, "GET", f"{UI}/d1/{db.id}/tables/t/rows")
    assert (page["paging"], page["columns"], rows_of(page)) == (
        "offset",
        ["rowid", "_rowid_", "oid"],
        [["a", "b", "c"]],
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tables/missing/rows", (404, 7404, "no such table or view: 'missing'")),
        ("tables/_cf_METADATA/rows", (404, 7404, "no such table or view: '_cf_METADATA'")),
        ("tables/pairs/rows?cursor=r1", (400, 9400, "Invalid query parameter cursor: 'r1'")),
        ("tables/pairs/rows?cursor=o1x", (400, 9400, "Invalid query parameter cursor: 'o1x'")),
        ("tables/pairs/rows?cursor=o-1", (400, 9400, "Invalid query parameter cursor: 'o-1'")),
        (
            "tables/odd%20%3Ctable%3E/rows?cursor=r99999999999999999999",
            (400, 9400, "Invalid query parameter cursor: 'r99999999999999999999'"),
        ),
        ("tables/pairs/rows?limit=0", (400, 9400, "limit must be between 1 and 500, not 0")),
        ("tables/pairs/rows?limit=501", (400, 9400, "limit must be between 1 and 500, not 501")),
    ],
)
def test_bad_row_requests_are_refused(
    ui_api: RestApi, db: D1Database, query: str, expected: tuple[int, int, str]
) -> None:
    assert error_of(call(ui_api, "GET", f"{UI}/d1/{db.id}/{query}")) == expected


async def test_a_page_of_100k_rows_reads_one_page_not_the_table(
    ui_api: RestApi, emu: Emulator
) -> None:
    db = emu.d1("BIG")
    await db.exec("CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT)")
    await db.exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
        "INSERT INTO events (body) SELECT 'event ' || i FROM n"
    )
    rows_url = f"{UI}/d1/{db.id}/tables/events/rows"
    first = result(ui_api, "GET", f"{rows_url}?limit=50")
    deep = result(ui_api, "GET", f"{rows_url}?limit=50&cursor=r99900")
    assert (first["rows_read"], deep["rows_read"]) == (51, 51)
    assert rows_of(deep)[0] == ["99901", "event 99901"]
    assert "count" not in str(result(ui_api, "GET", f"{UI}/d1/{db.id}/tables")).lower()


def test_applied_migrations_are_listed_from_wranglers_table(
    ui_api: RestApi, emu: Emulator, tmp_path: Path
) -> None:
    db = emu.d1("DB")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_init.sql").write_text("CREATE TABLE IF NOT EXISTS users (id INTEGER);")
    (folder / "0002_more.sql").write_text("CREATE INDEX IF NOT EXISTS by_id ON users (id);")
    assert result(ui_api, "GET", f"{UI}/d1/{db.id}/migrations") == []
    db.apply_migrations(folder)
    db.apply_migrations(folder, table="custom_migrations")
    found = result(ui_api, "GET", f"{UI}/d1/{db.id}/migrations")
    assert [(f["table"], [m["name"] for m in f["applied"]]) for f in found] == [
        ("custom_migrations", ["0001_init.sql", "0002_more.sql"]),
        ("d1_migrations", ["0001_init.sql", "0002_more.sql"]),
    ]
    assert [m["id"] for m in found[1]["applied"]] == [1, 2]


async def test_the_console_shows_every_statements_rows_and_meta(
    ui_api: RestApi, db: D1Database
) -> None:
    answer = result(
        ui_api,
        "POST",
        f"{UI}/d1/{db.id}/console",
        {"sql": 'INSERT INTO pairs VALUES (\'k\', 1); SELECT 1 AS a, 2 AS a, "<i>" AS "<b>"'},
    )
    assert [statement["columns"] for statement in answer] == [[], ["a", "a", "<b>"]]
    assert answer[1]["rows"] == [
        [
            {"type": "integer", "text": "1"},
            {"type": "integer", "text": "2"},
            {"type": "text", "text": "<i>"},
        ]
    ]
    assert answer[0]["meta"]["changes"] == 1
    assert answer[0]["meta"]["rows_written"] == 1
    assert set(answer[1]["meta"]) >= {"duration", "rows_read", "rows_written", "last_row_id"}


async def test_the_console_sends_at_most_1000_rows_but_counts_them_all(
    ui_api: RestApi, db: D1Database
) -> None:
    sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500) "
    [answer] = result(ui_api, "POST", f"{UI}/d1/{db.id}/console", {"sql": sql + "SELECT i FROM n"})
    assert (len(answer["rows"]), answer["row_count"]) == (1000, 1500)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"sql": "SELECT * FROM nope"}, (400, 7500, "D1_ERROR: no such table: nope: SQLITE_ERROR")),
        (
            {"sql": 'SELECT * FROM "<img src=x onerror=alert(1)>"'},
            (
                400,
                7500,
                "D1_ERROR: no such table: <img src=x onerror=alert(1)>: SQLITE_ERROR",
            ),
        ),
        ({"sql": "  "}, (400, 7500, "D1_ERROR: No SQL statements detected.")),
        ({"query": "SELECT 1"}, (400, 7400, "send a JSON object with an 'sql' string")),
        ([], (400, 7400, "send a JSON object with an 'sql' string")),
    ],
)
def test_console_errors_are_d1s_exact_texts(
    ui_api: RestApi, db: D1Database, body: Any, expected: tuple[int, int, str]
) -> None:
    assert error_of(call(ui_api, "POST", f"{UI}/d1/{db.id}/console", body)) == expected


def test_a_failed_console_batch_applies_nothing(ui_api: RestApi, db: D1Database) -> None:
    response = call(
        ui_api,
        "POST",
        f"{UI}/d1/{db.id}/console",
        {"sql": "INSERT INTO pairs VALUES ('k', 1); INSERT INTO pairs VALUES ('k', 2)"},
    )
    assert error_of(response) == (
        400,
        7500,
        "D1_ERROR: UNIQUE constraint failed: pairs.k: SQLITE_CONSTRAINT "
        "(extended: SQLITE_CONSTRAINT_PRIMARYKEY)",
    )
    assert result(ui_api, "GET", f"{UI}/d1/{db.id}/tables/pairs/rows")["rows"] == []


def test_unknown_databases_are_404(ui_api: RestApi) -> None:
    assert error_of(
        call(ui_api, "GET", f"{UI}/d1/00000000-0000-4000-8000-000000000000/tables")
    ) == (404, 7404, "The database 00000000-0000-4000-8000-000000000000 could not be found")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_the_console_refuses_what_another_site_could_send_without_a_preflight(
    ui_api: RestApi, db: D1Database, content_type: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = call(
        ui_api, "POST", f"{UI}/d1/{db.id}/console", b'{"sql": "DROP TABLE pairs"}', headers
    )
    assert error_of(response) == (
        415,
        7400,
        f"the console takes Content-Type application/json, not {content_type!r}",
    )
    assert "pairs" in [
        t["name"] for t in result(ui_api, "GET", f"{UI}/d1/{db.id}/tables")["tables"]
    ]
