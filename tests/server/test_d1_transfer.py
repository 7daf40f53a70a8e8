"""D1 export and import over REST, driven by the official SDK (polling included)."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from cloudflare import BadRequestError, Cloudflare

from emulator import Emulator
from emulator.d1.dump import js_number, sql_literal
from emulator.server import mock_cloudflare_api
from tests.server.helpers import ACCOUNT, TOKEN, LiveServer

SCHEMA = (
    "CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT, data BLOB);"
    "INSERT INTO notes (body, data) VALUES ('a\nb', x'0001'), ('it''s', NULL);"
)


def export_sql(cf: Cloudflare, database_id: str, **options: object) -> tuple[str, int]:
    """Export as a client must: poll with ``current_bookmark`` until ``complete``."""
    first = cf.d1.database.export(
        database_id,
        account_id=ACCOUNT,
        output_format="polling",
        **options,  # type: ignore[arg-type]
    )
    polls = 0
    answer = first
    while answer.status != "complete":
        assert answer.status is None  # still running: no status, as the real API
        assert answer.at_bookmark
        polls += 1
        answer = cf.d1.database.export(
            database_id,
            account_id=ACCOUNT,
            output_format="polling",
            current_bookmark=answer.at_bookmark,
        )
    assert answer.result is not None
    assert answer.result.signed_url is not None
    download = httpx.get(answer.result.signed_url)  # pre-signed: no token needed
    assert download.status_code == 200
    return download.text, polls


def import_sql(cf: Cloudflare, database_id: str, sql: str) -> object:
    """Import as wrangler does: init, PUT to upload_url (ETag checked), ingest, poll."""
    etag = hashlib.md5(sql.encode()).hexdigest()
    init = cf.d1.database.import_(database_id, account_id=ACCOUNT, action="init", etag=etag)
    assert init.upload_url is not None
    assert init.filename is not None
    uploaded = httpx.put(init.upload_url, content=sql.encode())
    assert uploaded.headers["ETag"] == f'"{etag}"'
    ingest = cf.d1.database.import_(
        database_id, account_id=ACCOUNT, action="ingest", etag=etag, filename=init.filename
    )
    assert ingest.status is None
    assert ingest.at_bookmark
    return cf.d1.database.import_(
        database_id, account_id=ACCOUNT, action="poll", current_bookmark=ingest.at_bookmark
    )


@pytest.fixture
def secured(emu: Emulator) -> tuple[Cloudflare, Emulator]:
    return Cloudflare(api_token=TOKEN, max_retries=0), emu


def test_export_then_import_round_trips_a_database_through_the_sdk(emu: Emulator) -> None:
    from emulator.server import create_app

    source = emu.d1("SOURCE")
    with LiveServer(create_app(emu, api_token=TOKEN)) as live:
        cf = Cloudflare(api_token=TOKEN, base_url=f"{live.url}/client/v4", max_retries=0)
        cf.d1.database.query(source.id, account_id=ACCOUNT, sql=SCHEMA)
        sql, polls = export_sql(cf, source.id)
        assert polls == 1
        assert sql == (
            "PRAGMA defer_foreign_keys=TRUE;\n"
            "CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT, data BLOB);\n"
            "INSERT INTO \"notes\" VALUES(1,replace('a\\nb','\\n',char(10)),X'0001');\n"
            "INSERT INTO \"notes\" VALUES(2,'it''s',NULL);\n"
            "DELETE FROM sqlite_sequence;\n"
            "INSERT INTO \"sqlite_sequence\" VALUES('notes',2);"
        )
        copy = cf.d1.database.create(account_id=ACCOUNT, name="copy")
        done = import_sql(cf, copy.uuid, sql)
        assert done.status == "complete"  # type: ignore[attr-defined]
        assert done.result.num_queries == 6  # type: ignore[attr-defined]
        [rows] = cf.d1.database.query(copy.uuid, account_id=ACCOUNT, sql="SELECT * FROM notes")
        assert rows.results == [
            {"id": 1, "body": "a\nb", "data": [0, 1]},
            {"id": 2, "body": "it's", "data": None},
        ]


def test_dump_options_choose_tables_schema_or_data(emu: Emulator) -> None:
    db = emu.d1("DB")
    with mock_cloudflare_api(emu):
        cf = Cloudflare(api_token="any", max_retries=0)
        cf.d1.database.query(db.id, account_id=ACCOUNT, sql=SCHEMA + "CREATE TABLE other (x);")
        schema, _ = export_sql(cf, db.id, dump_options={"no_data": True, "tables": ["other"]})
        assert schema == "PRAGMA defer_foreign_keys=TRUE;\nCREATE TABLE other (x);"
        data, _ = export_sql(cf, db.id, dump_options={"no_schema": True, "tables": ["notes"]})
        assert data.splitlines()[1:] == [
            "INSERT INTO \"notes\" VALUES(1,replace('a\\nb','\\n',char(10)),X'0001');",
            "INSERT INTO \"notes\" VALUES(2,'it''s',NULL);",
        ]


def test_a_failing_import_reports_the_error_and_applies_nothing(emu: Emulator) -> None:
    db = emu.d1("DB")
    with mock_cloudflare_api(emu):
        cf = Cloudflare(api_token="any", max_retries=0)
        done = import_sql(
            cf,
            db.id,
            "CREATE TABLE t (x);\nINSERT INTO t VALUES (1);\nINSERT INTO nope VALUES (2);",
        )
        assert (done.status, done.error) == (  # type: ignore[attr-defined]
            "error",
            "D1_ERROR: no such table: nope: SQLITE_ERROR",
        )
        [tables] = cf.d1.database.query(
            db.id, account_id=ACCOUNT, sql="SELECT name FROM sqlite_schema WHERE name = 't'"
        )
        assert tables.results == []


def test_an_upload_that_does_not_match_its_etag_is_an_error(emu: Emulator) -> None:
    db = emu.d1("DB")
    with mock_cloudflare_api(emu):
        cf = Cloudflare(api_token="any", max_retries=0)
        etag = hashlib.md5(b"CREATE TABLE t (x);").hexdigest()
        init = cf.d1.database.import_(db.id, account_id=ACCOUNT, action="init", etag=etag)
        assert init.upload_url is not None
        assert init.filename is not None
        httpx.put(init.upload_url, content=b"DROP TABLE everything;")
        ingest = cf.d1.database.import_(
            db.id, account_id=ACCOUNT, action="ingest", etag=etag, filename=init.filename
        )
        done = cf.d1.database.import_(
            db.id, account_id=ACCOUNT, action="poll", current_bookmark=ingest.at_bookmark or ""
        )
        assert (done.status, done.error) == (
            "error",
            "the uploaded file does not match its etag (MD5)",
        )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"action": "poll", "current_bookmark": "nope"}, "no import is running at that bookmark"),
        ({"action": "init"}, "invalid or missing 'etag'"),
        ({"action": "wat", "etag": "x"}, "invalid or missing 'action'"),
        (
            {"action": "ingest", "etag": "x", "filename": "y.sql"},
            "y.sql has not been uploaded: send 'init' and PUT the file first",
        ),
    ],
)
def test_bad_import_requests_are_400s(emu: Emulator, body: dict[str, str], message: str) -> None:
    db = emu.d1("DB")
    with mock_cloudflare_api(emu):
        cf = Cloudflare(api_token="any", max_retries=0)
        with pytest.raises(BadRequestError) as refused:
            cf.post(f"/accounts/{ACCOUNT}/d1/database/{db.id}/import", body=body, cast_to=object)
        assert refused.value.body == {
            "success": False,
            "errors": [{"code": 7400, "message": message}],
            "messages": [],
            "result": None,
        }


def test_transfer_urls_work_once_and_without_a_token(emu: Emulator) -> None:
    from emulator.server import create_app

    db = emu.d1("DB")
    with LiveServer(create_app(emu, api_token=TOKEN)) as live:
        cf = Cloudflare(api_token=TOKEN, base_url=f"{live.url}/client/v4", max_retries=0)
        answer = cf.d1.database.export(db.id, account_id=ACCOUNT, output_format="polling")
        done = cf.d1.database.export(
            db.id, account_id=ACCOUNT, output_format="polling", current_bookmark=answer.at_bookmark
        )
        assert done.result is not None
        assert done.result.signed_url is not None
        url = done.result.signed_url
        assert url.startswith(f"{live.url}/__emulator/d1/transfers/")
        assert httpx.get(url).text == "PRAGMA defer_foreign_keys=TRUE;"
        assert httpx.get(url).status_code == 404
        assert httpx.get(f"{live.url}/__emulator/d1/transfers/guessed").status_code == 404


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "NULL"),
        (7, "7"),
        (1.0, "1"),
        (0.1, "0.1"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (-3.25, "-3.25"),
        (b"\x00\xff", "X'00ff'"),
        ("a'b", "'a''b'"),
        ("a\r\nb", "replace(replace('a\\r\\nb','\\r',char(13)),'\\n',char(10))"),
    ],
)
def test_values_are_written_as_the_dump_writes_them(value: object, shown: str) -> None:
    assert sql_literal(value) == shown


def test_non_finite_numbers_are_written_as_javascript_writes_them() -> None:
    assert [js_number(float(x)) for x in ("inf", "-inf", "nan")] == [
        "Infinity",
        "-Infinity",
        "NaN",
    ]
