"""D1 databases, ``query`` and ``raw`` over REST: ``/accounts/{account}/d1/database``.

``query`` and ``raw`` take ``{"sql", "params"?}`` (one result per statement of ``sql``) or
``{"batch": [{"sql", "params"?}, ...]}`` (one result per item); either way the request is
atomic. Rows come back as objects (``query``) or as ``{"columns", "rows"}`` (``raw``), with
BLOBs as arrays of byte values (docs/rest-api.md#d1-values). SQL errors are 400, code 7500, with
the D1 text without its ``D1_ERROR: `` prefix, as the real API answers since 2024-04-15.

``export`` and ``import`` are in ``d1_transfer``. Not emulated: ``update``/``edit`` (read
replication) and time travel; their paths answer 405 or 404 in the envelope.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from emulator.core import DuplicateTitleError, ResourceRecord
from emulator.d1 import D1Database, D1Result
from emulator.d1.authorizer import is_user_table
from emulator.server import constants as c
from emulator.server.envelope import ApiResponse, jsonable, ok
from emulator.server.errors import ApiError
from emulator.server.paging import page_of
from emulator.server.routing import Call, Router

__all__ = ["DATABASES", "database_json", "database_record", "register"]

DATABASES = "client/v4/accounts/{account}/d1/database"


def register(router: Router) -> None:
    """Add every D1 route to ``router``."""
    db = DATABASES + "/{database}"
    router.add("GET", DATABASES, list_databases)
    router.add("POST", DATABASES, create_database)
    router.add("GET", db, get_database)
    router.add("DELETE", db, delete_database)
    router.add("POST", db + "/query", query)
    router.add("POST", db + "/raw", raw_query)


def _iso(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def database_json(record: ResourceRecord, db: D1Database | None = None) -> dict[str, Any]:
    """A database as the API shows it; with ``db``, also its size and table count."""
    shown: dict[str, Any] = {
        "uuid": record.id,
        "name": record.title,
        "version": "production",
        "created_at": _iso(record.created_at),
    }
    if db is not None:
        size, tables = db_stats(db)
        shown.update(file_size=size, num_tables=tables, read_replication={"mode": "disabled"})
    return shown


def db_stats(db: D1Database) -> tuple[int, int]:
    """The database's size in bytes and its number of user tables."""
    names = db.read_rows("SELECT name FROM sqlite_schema WHERE type = 'table'")
    return db.file_size(), sum(1 for (name,) in names if is_user_table(name))


def database_record(call: Call) -> ResourceRecord:
    """The database named in the path; 400 for a malformed id, 404 for an unknown one."""
    return call.resource(
        "d1",
        "database",
        malformed=(c.CODE_D1_BAD_REQUEST, c.MSG_D1_BAD_DATABASE_ID),
        missing=(c.CODE_D1_NOT_FOUND, c.MSG_D1_NOT_FOUND),
    )


async def list_databases(call: Call) -> ApiResponse:
    """``GET database?name&page&per_page``: oldest first; ``name`` matches a substring."""
    records = call.emulator.resources("d1")
    wanted = call.query_value("name")
    if wanted:
        records = [r for r in records if wanted.lower() in r.title.lower()]
    page, info = page_of(
        call,
        records,
        default_per_page=c.D1_DATABASES_PER_PAGE_DEFAULT,
        max_per_page=c.D1_DATABASES_PER_PAGE_MAX,
        code=c.CODE_D1_BAD_REQUEST,
    )
    return ok([database_json(r) for r in page], result_info=info)


async def create_database(call: Call) -> ApiResponse:
    """``POST database {"name"}``: a new database with a random UUID."""
    body = call.json_body(code=c.CODE_D1_BAD_REQUEST)
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, c.CODE_D1_BAD_REQUEST, c.MSG_D1_NAME_REQUIRED)
    try:
        record = call.emulator.create_resource("d1", name)
    except DuplicateTitleError:
        raise ApiError(400, c.CODE_D1_NAME_EXISTS, c.MSG_D1_NAME_EXISTS) from None
    except ValueError as exc:
        raise ApiError(400, c.CODE_D1_BAD_REQUEST, str(exc)) from None
    return ok(database_json(record, call.emulator.d1_database(record.id)))


async def get_database(call: Call) -> ApiResponse:
    """``GET database/{id}``: with ``file_size`` and ``num_tables``."""
    record = database_record(call)
    return ok(database_json(record, call.emulator.d1_database(record.id)))


async def delete_database(call: Call) -> ApiResponse:
    """``DELETE database/{id}``: the database, its file and its bindings are gone."""
    record = database_record(call)
    call.emulator.delete_resource("d1", record.id)
    return ok(None)


def _statement(item: Any, where: str) -> tuple[str, list[Any]]:
    if not isinstance(item, dict) or not isinstance(item.get("sql"), str):
        raise ApiError(400, c.CODE_D1_BAD_REQUEST, f"{where}: {c.MSG_D1_BODY_SHAPE}")
    params = item.get("params", [])
    if params is None:
        params = []
    if not isinstance(params, list):
        raise ApiError(400, c.CODE_D1_BAD_REQUEST, f"{where}: 'params' must be an array")
    if "\x00" in item["sql"]:
        # SQLite would stop reading at the NUL and run only what precedes it.
        raise ApiError(400, c.CODE_D1_BAD_REQUEST, c.MSG_D1_NUL_IN_SQL.format(where))
    return item["sql"], [_blob(value) for value in params]


def _blob(value: Any) -> Any:
    # A BLOB travels as an array of byte values, as the Workers binding sends one; any
    # other array stays as it is (and bind() refuses it with D1's type error).
    if isinstance(value, list) and all(
        isinstance(byte, int) and not isinstance(byte, bool) and 0 <= byte <= 255 for byte in value
    ):
        return bytes(value)
    return value


async def _run(call: Call) -> list[D1Result]:
    record = database_record(call)
    body = call.json_body(code=c.CODE_D1_BAD_REQUEST)
    db = call.emulator.d1_database(record.id)
    if isinstance(body, dict) and "batch" in body:
        if "sql" in body or not isinstance(body["batch"], list):
            raise ApiError(400, c.CODE_D1_BAD_REQUEST, c.MSG_D1_BODY_SHAPE)
        if len(body["batch"]) > c.D1_BATCH_LIMIT:
            raise ApiError(400, c.CODE_D1_BAD_REQUEST, f"at most {c.D1_BATCH_LIMIT} statements")
        items = [_statement(item, f"batch[{i}]") for i, item in enumerate(body["batch"])]
        statements = [db.prepare(sql).bind(*params) for sql, params in items]
        return list(await db.batch(statements))
    sql, params = _statement(body, "body")
    return list(await db.query(sql, params))


def _cell(value: Any) -> Any:
    # SQL values are scalars: only BLOBs and non-finite REALs need converting.
    if value.__class__ is bytes or (value.__class__ is float and not math.isfinite(value)):
        return jsonable(value)
    return value


def _meta(result: D1Result) -> dict[str, Any]:
    meta = dict(result.meta)  # numbers, strings and booleans: JSON as they are
    # Production fields Miniflare leaves out; the REST API always sends them.
    meta.setdefault("served_by_primary", True)
    meta.setdefault("timings", {"sql_duration_ms": meta.get("duration", 0)})
    return meta


async def query(call: Call) -> ApiResponse:
    """``POST database/{id}/query``: rows as objects, one result per statement."""
    results = await _run(call)
    return ok(
        [
            {
                "results": [{k: _cell(v) for k, v in row.items()} for row in r.results],
                "success": True,
                "meta": _meta(r),
            }
            for r in results
        ]
    )


async def raw_query(call: Call) -> ApiResponse:
    """``POST database/{id}/raw``: rows as arrays, with the column names."""
    results = await _run(call)
    return ok(
        [
            {
                "results": {
                    "columns": r.columns,
                    "rows": [[_cell(v) for v in row] for row in r.rows],
                },
                "success": True,
                "meta": _meta(r),
            }
            for r in results
        ]
    )
