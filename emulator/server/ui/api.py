"""The inspector's JSON routes, under ``/__emulator/ui/api/`` in the ``RestApi`` router.

They are routes of the transport-free core, so they share its token check, its envelope and
its one error mapping. The page also calls the REST API v4 itself (key lists, put and
delete of values) and the admin clock routes; these routes add only what those lack:

===========================================  ============================================
``GET  ui/api/overview``                     namespaces and databases with their bindings
``GET  ui/api/pulse``                        the clock and a change counter (polled)
``GET  ui/api/kv/{ns}/entry/{key*}``         one key: value preview, metadata, expiration
``GET  ui/api/d1/{db}/tables``               tables and views with their schema
``GET  ui/api/d1/{db}/tables/{table}/rows``  one page of rows (``cursor``, ``limit``)
``GET  ui/api/d1/{db}/migrations``           the migrations applied
``POST ui/api/d1/{db}/console``              ``{"sql"}``: results and ``meta``, or the
                                             D1 error, as the binding words it
===========================================  ============================================
"""

from __future__ import annotations

from typing import Any, Final

from emulator.core import Emulator
from emulator.d1 import D1Database
from emulator.errors import D1Error
from emulator.kv import constants as kvc
from emulator.server import constants as c
from emulator.server.admin import clock_state
from emulator.server.d1_api import database_record
from emulator.server.envelope import ApiResponse, ok
from emulator.server.errors import ApiError
from emulator.server.kv_common import resolve_namespace, rest_key
from emulator.server.routing import Call, Router
from emulator.server.ui import d1_inspect
from emulator.server.ui.previews import metadata_text, value_preview

__all__ = ["UI_API", "InspectorApi"]

UI_API: Final = c.ADMIN_PREFIX.strip("/") + "/ui/api"
ROWS_PER_PAGE_DEFAULT: Final = 50
MSG_NO_SUCH_KEY: Final = "no such key (it was deleted, or it expired)"
MSG_NO_SUCH_TABLE: Final = "no such table or view: {!r}"
MSG_BAD_LIMIT: Final = "limit must be between 1 and {}, not {}"
MSG_SQL_REQUIRED: Final = "send a JSON object with an 'sql' string"
MSG_JSON_ONLY: Final = "the console takes Content-Type application/json, not {!r}"


class InspectorApi:
    """The inspector's routes, and the change counter that the page polls.

    ``changes`` counts the state-changing requests answered (the aiohttp layer bumps it):
    a page that sees it move refreshes what it shows.
    """

    def __init__(self) -> None:
        self.changes = 0

    def register(self, router: Router) -> None:
        """Add the inspector's routes to ``router``."""
        router.add("GET", UI_API + "/overview", self.overview)
        router.add("GET", UI_API + "/pulse", self.pulse)
        router.add("GET", UI_API + "/kv/{namespace}/entry/{key*}", self.kv_entry)
        router.add("GET", UI_API + "/d1/{database}/tables", self.d1_tables)
        router.add("GET", UI_API + "/d1/{database}/tables/{table}/rows", self.d1_rows)
        router.add("GET", UI_API + "/d1/{database}/migrations", self.d1_migrations)
        router.add("POST", UI_API + "/d1/{database}/console", self.d1_console)

    def _pulse(self, emulator: Emulator) -> dict[str, Any]:
        return {"clock": clock_state(emulator.clock), "changes": self.changes}

    async def pulse(self, call: Call) -> ApiResponse:
        """The clock and the change counter: cheap, polled every second by the page."""
        return ok(self._pulse(call.emulator))

    async def overview(self, call: Call) -> ApiResponse:
        """Every namespace and database (oldest first) with its bindings, and the pulse."""
        emu = call.emulator
        return ok(
            {
                **self._pulse(emu),
                "kv": [
                    {"id": r.id, "title": r.title, "bindings": emu.bindings_of("kv", r.id)}
                    for r in emu.resources("kv")
                ],
                "d1": [
                    {"id": r.id, "name": r.title, "bindings": emu.bindings_of("d1", r.id)}
                    for r in emu.resources("d1")
                ],
            }
        )

    async def kv_entry(self, call: Call) -> ApiResponse:
        """One key's value preview, metadata and expiration; 404 when it is not live."""
        kv = resolve_namespace(call)
        key = rest_key(call.raw_param("key"), kvc.GET)
        entry = kv.entry(key)
        if entry is None:
            raise ApiError(404, c.CODE_KV_KEY_NOT_FOUND, MSG_NO_SUCH_KEY)
        return ok(
            {
                "name": key,
                "value": value_preview(entry.value),
                "metadata": metadata_text(entry.metadata),
                "expiration": entry.expiration,
                "now": call.emulator.clock.now(),
            }
        )

    async def d1_tables(self, call: Call) -> ApiResponse:
        """The database's tables and views, with columns and ``CREATE`` text."""
        return ok(await d1_inspect.tables(_database(call)))

    async def d1_rows(self, call: Call) -> ApiResponse:
        """One page of a table's rows: ``?cursor=`` (from ``next_cursor``) and ``?limit=``."""
        db = _database(call)
        table = call.param("table")
        limit = call.query_int("limit", ROWS_PER_PAGE_DEFAULT)
        if not 1 <= limit <= d1_inspect.ROWS_PER_PAGE_MAX:
            raise ApiError(
                400, c.CODE_ADMIN, MSG_BAD_LIMIT.format(d1_inspect.ROWS_PER_PAGE_MAX, limit)
            )
        cursor = call.query_value("cursor") or ""
        try:
            page = await d1_inspect.table_page(db, table, cursor, limit)
        except LookupError:
            raise ApiError(404, c.CODE_D1_NOT_FOUND, MSG_NO_SUCH_TABLE.format(table)) from None
        except ValueError:
            message = c.MSG_INVALID_QUERY.format("cursor", cursor)
            raise ApiError(400, c.CODE_ADMIN, message) from None
        return ok(page)

    async def d1_migrations(self, call: Call) -> ApiResponse:
        """The applied migrations, per tracking table."""
        return ok(await d1_inspect.migrations(_database(call)))

    async def d1_console(self, call: Call) -> ApiResponse:
        """Run ``{"sql"}`` (``application/json`` only); a D1 error is answered 400 with the
        binding's exact text."""
        db = _database(call)
        if call.media_type() != "application/json":
            # Only a script of the page's own origin can send this type without a CORS
            # preflight: another site cannot make a visitor's browser run SQL here.
            raise ApiError(415, c.CODE_D1_BAD_REQUEST, MSG_JSON_ONLY.format(call.media_type()))
        body = call.json_body(code=c.CODE_D1_BAD_REQUEST)
        if not isinstance(body, dict) or not isinstance(body.get("sql"), str):
            raise ApiError(400, c.CODE_D1_BAD_REQUEST, MSG_SQL_REQUIRED)
        try:
            return ok(await d1_inspect.console(db, body["sql"]))
        except D1Error as exc:
            # The REST API drops "D1_ERROR: "; the console shows what a Worker would see.
            raise ApiError(400, c.CODE_D1_SQL, str(exc)) from None


def _database(call: Call) -> D1Database:
    return call.emulator.d1_database(database_record(call).id)
