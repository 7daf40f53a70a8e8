"""D1 databases, query and raw through the official SDK, over HTTP and in the core."""

from __future__ import annotations

import re
from typing import Any

import pytest
from cloudflare import AsyncCloudflare, BadRequestError, Cloudflare, NotFoundError

from emulator import D1Database, Emulator
from emulator.server import RestApi
from tests.server.helpers import ACCOUNT, D1_BASE, call, error_of


@pytest.fixture
def db(emu: Emulator) -> D1Database:
    return emu.d1("DB")


def query(api: RestApi, db: D1Database, body: object, kind: str = "query") -> Any:
    response = call(api, "POST", f"{D1_BASE}/{db.id}/{kind}", body)
    assert response.status == 200, response.body
    return response.json()["result"]


def test_lists_databases_bound_in_process(cf: Cloudflare, db: D1Database) -> None:
    [listed] = list(cf.d1.database.list(account_id=ACCOUNT))
    assert (listed.uuid, listed.name, listed.version) == (db.id, "DB", "production")
    assert listed.created_at is not None
    assert listed.created_at.year == 2027


def test_creates_gets_and_deletes_a_database(cf: Cloudflare, emu: Emulator) -> None:
    created = cf.d1.database.create(account_id=ACCOUNT, name="main-db")
    assert re.fullmatch(r"[0-9a-f-]{36}", created.uuid or "")
    assert created.name == "main-db"
    emu.d1_database(created.uuid or "").sqlite_utils.execute("CREATE TABLE t (a)")
    got = cf.d1.database.get(created.uuid or "", account_id=ACCOUNT)
    assert (got.num_tables, got.name) == (1, "main-db")
    assert got.file_size is not None
    assert got.file_size > 0
    assert cf.d1.database.delete(created.uuid or "", account_id=ACCOUNT) is None
    with pytest.raises(NotFoundError) as caught:
        cf.d1.database.get(created.uuid or "", account_id=ACCOUNT)
    [error] = caught.value.errors
    assert (error.code, error.message) == (7404, f"The database {created.uuid} could not be found")


def test_a_taken_name_is_400_code_7502(cf: Cloudflare) -> None:
    cf.d1.database.create(account_id=ACCOUNT, name="dup")
    with pytest.raises(BadRequestError) as caught:
        cf.d1.database.create(account_id=ACCOUNT, name="dup")
    assert (caught.value.errors[0].code, caught.value.errors[0].message) == (
        7502,
        "A database with that name already exists",
    )


@pytest.mark.parametrize("suffix", ["", "/query", "/raw"])
def test_a_malformed_database_id_is_400_and_never_a_path(api: RestApi, suffix: str) -> None:
    method = "GET" if not suffix else "POST"
    assert error_of(call(api, method, f"{D1_BASE}/..%2F..%2Fetc{suffix}", {"sql": "SELECT 1"})) == (
        400,
        7400,
        "The database identifier '../../etc' is not valid",
    )


def test_the_sdk_pages_through_every_database(cf: Cloudflare) -> None:
    names = [f"db-{i:02d}" for i in range(25)]
    for name in names:
        cf.d1.database.create(account_id=ACCOUNT, name=name)
    listed = [d.name for d in cf.d1.database.list(account_id=ACCOUNT, per_page=10)]
    assert listed == names
    assert [d.name for d in cf.d1.database.list(account_id=ACCOUNT, name="db-2")] == [
        f"db-2{i}" for i in range(5)
    ]


def test_query_binds_params_and_returns_rows_and_meta(cf: Cloudflare, db: D1Database) -> None:
    cf.d1.database.query(
        db.id, account_id=ACCOUNT, sql="CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"
    )
    inserted = cf.d1.database.query(
        db.id,
        account_id=ACCOUNT,
        sql="INSERT INTO users (name) VALUES (?), (?)",
        params=["alice", "bob"],
    )
    [write] = inserted.result
    assert write.success is True
    assert write.meta is not None
    assert (write.meta.changes, write.meta.last_row_id, write.meta.changed_db) == (2, 2, True)
    page = cf.d1.database.query(
        db.id, account_id=ACCOUNT, sql="SELECT id, name FROM users WHERE id = ?", params=["2"]
    )
    [read] = page.result
    assert read.results == [{"id": 2, "name": "bob"}]


def test_several_statements_give_one_result_each(api: RestApi, db: D1Database) -> None:
    results = query(
        api, db, {"sql": "CREATE TABLE t (a); INSERT INTO t VALUES (1); SELECT a FROM t"}
    )
    assert [r["results"] for r in results] == [[], [], [{"a": 1}]]
    assert all(r["success"] is True for r in results)


def test_a_batch_gives_one_result_per_item_and_is_atomic(api: RestApi, db: D1Database) -> None:
    results = query(
        api,
        db,
        {
            "batch": [
                {"sql": "CREATE TABLE t (a INTEGER UNIQUE)"},
                {"sql": "INSERT INTO t VALUES (?)", "params": [1]},
                {"sql": "SELECT a FROM t"},
            ]
        },
    )
    assert [r["results"] for r in results] == [[], [], [{"a": 1}]]
    failing = call(
        api,
        "POST",
        f"{D1_BASE}/{db.id}/query",
        {
            "batch": [
                {"sql": "INSERT INTO t VALUES (?)", "params": [2]},
                {"sql": "INSERT INTO t VALUES (?)", "params": [1]},
            ]
        },
    )
    assert error_of(failing) == (
        400,
        7500,
        "UNIQUE constraint failed: t.a: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)",
    )
    assert query(api, db, {"sql": "SELECT a FROM t"})[0]["results"] == [{"a": 1}]


def test_raw_returns_columns_and_rows_with_blobs_as_byte_arrays(
    cf: Cloudflare, db: D1Database
) -> None:
    page = cf.d1.database.raw(
        db.id,
        account_id=ACCOUNT,
        sql="SELECT 1 AS n, 'x' AS s, x'00ff' AS b, NULL AS z, 1e999 AS inf",
    )
    [result] = page.result
    assert result.results is not None
    assert result.results.columns == ["n", "s", "b", "z", "inf"]
    assert result.results.rows == [[1.0, "x", [0.0, 255.0], None, None]]


def test_query_shows_blobs_as_byte_arrays_too(api: RestApi, db: D1Database) -> None:
    [result] = query(api, db, {"sql": "SELECT x'0102' AS b, ? AS t", "params": ["é"]})
    assert result["results"] == [{"b": [1, 2], "t": "é"}]


def test_json_params_bind_as_their_types(api: RestApi, db: D1Database) -> None:
    sql = (
        "SELECT typeof(?1) AS a, typeof(?2) AS b, typeof(?3) AS c, typeof(?4) AS d, typeof(?5) AS e"
    )
    [result] = query(api, db, {"sql": sql, "params": [1, None, 2.5, True, "s"]})
    assert result["results"] == [
        {"a": "integer", "b": "null", "c": "real", "d": "integer", "e": "text"}
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"sql": "SELECT * FROM nope"}, "no such table: nope: SQLITE_ERROR"),
        ({"sql": "SELEKT 1"}, 'near "SELEKT": syntax error at offset 0: SQLITE_ERROR'),
        ({"sql": ""}, "No SQL statements detected."),
        ({"sql": "SELECT ?", "params": []}, "Wrong number of parameter bindings for SQL query."),
        ({"batch": []}, "No SQL statements detected."),
    ],
)
def test_sql_errors_are_400_code_7500_with_d1s_text(
    api: RestApi, db: D1Database, body: object, message: str
) -> None:
    assert error_of(call(api, "POST", f"{D1_BASE}/{db.id}/query", body)) == (400, 7500, message)


def test_a_param_of_an_unsupported_type_is_a_d1_type_error(api: RestApi, db: D1Database) -> None:
    status, code, message = error_of(
        call(api, "POST", f"{D1_BASE}/{db.id}/query", {"sql": "SELECT ?", "params": [{"a": 1}]})
    )
    assert (status, code) == (400, 7500)
    assert message == "D1_TYPE_ERROR: Type 'dict' not supported for value '{'a': 1}'"


def test_an_array_of_byte_values_binds_as_a_blob(api: RestApi, db: D1Database) -> None:
    # As the Workers binding sends an ArrayBuffer; other arrays are still refused.
    body = {"sql": "SELECT typeof(?) AS t, hex(?) AS h", "params": [[0, 255], [0, 255]]}
    answer = call(api, "POST", f"{D1_BASE}/{db.id}/query", body)
    assert answer.json()["result"][0]["results"] == [{"t": "blob", "h": "00FF"}]
    status, _, message = error_of(
        call(api, "POST", f"{D1_BASE}/{db.id}/query", {"sql": "SELECT ?", "params": [[256]]})
    )
    assert (status, message) == (400, "D1_TYPE_ERROR: Type 'list' not supported for value '[256]'")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "body: the body needs 'sql' (with optional 'params') or 'batch'"),
        ({"sql": 1}, "body: the body needs 'sql' (with optional 'params') or 'batch'"),
        ({"sql": "SELECT 1", "params": "x"}, "body: 'params' must be an array"),
        (
            {"sql": "SELECT 1", "batch": []},
            "the body needs 'sql' (with optional 'params') or 'batch'",
        ),
        ({"batch": "SELECT 1"}, "the body needs 'sql' (with optional 'params') or 'batch'"),
        (
            {"batch": [{"sql": "SELECT 1"}, "SELECT 2"]},
            "batch[1]: the body needs 'sql' (with optional 'params') or 'batch'",
        ),
        ([], "body: the body needs 'sql' (with optional 'params') or 'batch'"),
    ],
)
def test_malformed_query_bodies_are_400_code_7400(
    api: RestApi, db: D1Database, body: object, message: str
) -> None:
    assert error_of(call(api, "POST", f"{D1_BASE}/{db.id}/query", body)) == (400, 7400, message)


def test_an_unknown_database_is_404_for_queries(api: RestApi) -> None:
    target = f"{D1_BASE}/00000000-0000-0000-0000-000000000000/query"
    assert error_of(call(api, "POST", target, {"sql": "SELECT 1"})) == (
        404,
        7404,
        "The database 00000000-0000-0000-0000-000000000000 could not be found",
    )


async def test_the_async_sdk_queries_too(acf: AsyncCloudflare, db: D1Database) -> None:
    page = await acf.d1.database.query(db.id, account_id=ACCOUNT, sql="SELECT 41 + 1 AS answer")
    assert page.result[0].results == [{"answer": 42}]


def test_admin_state_dumps_tables_and_reset_empties_them(api: RestApi, db: D1Database) -> None:
    query(api, db, {"sql": "CREATE TABLE t (a, b); INSERT INTO t VALUES (1, x'ff')"})
    state = call(api, "GET", "/__emulator/state").json()["result"]
    [dumped] = state["d1"]
    assert (dumped["uuid"], dumped["bindings"]) == (db.id, ["DB"])
    assert dumped["tables"] == {"t": {"columns": ["a", "b"], "count": 1, "rows": [[1, [255]]]}}
    call(api, "POST", "/__emulator/reset")
    assert call(api, "GET", "/__emulator/state").json()["result"]["d1"][0]["tables"] == {}
