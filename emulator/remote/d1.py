"""``RemoteD1Database``: the D1 binding API over Cloudflare's REST API v4.

Every call is one request to ``POST database/{id}/raw`` with a ``{"batch": [...]}`` body,
which the API runs atomically; rows come back with their column names (duplicates kept)
and ``meta``, and make the same ``D1Result`` the in-process binding returns.

=========================  ===========================================================
binding call               request body
=========================  ===========================================================
``stmt.first/all/run/raw`` ``{"batch": [{"sql", "params"}]}``
``db.batch([...])``        ``{"batch": [one item per statement]}``: atomic
``db.exec(sql)``           ``{"batch": [one item per line]}``: the binding's line semantics
=========================  ===========================================================

``bind()`` converts values with the in-process code (``D1TypeError`` at once); BLOBs travel
as arrays of byte values, as the Workers binding sends them. A failing ``exec`` names its
line as the binding does: when the script has several lines, the line is found by asking
again for growing prefixes that end in a statement sure to fail, so nothing is applied.
D1 requests are never retried once they may have reached the database.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from emulator.d1.binding import Param, convert_params
from emulator.d1.constants import CONSTRAINT_RESET, D1_EXEC_ERROR, NO_SQL_STATEMENTS
from emulator.d1.errors import d1_error, reason
from emulator.d1.metadata import MetaRecord
from emulator.d1.outcome import Outcome
from emulator.d1.results import D1ExecResult, D1Result
from emulator.d1.statement import batch_statements, exec_script_lines, first_value
from emulator.errors import D1Error
from emulator.remote.errors import d1_failure
from emulator.remote.resource import RemoteResource
from emulator.remote.transport import RemoteFailure, Transport

__all__ = ["RemoteD1Database", "RemoteD1PreparedStatement"]

_SQL_ERROR_CODE = 7500
_CONSTRAINT_RESET_PREFIX = CONSTRAINT_RESET.split("{}")[0]
Item = dict[str, Any]


def _wire(value: Param) -> Any:
    return list(value) if isinstance(value, bytes) else value


def _item(sql: str, params: tuple[Param, ...]) -> Item:
    return {"sql": sql, "params": [_wire(value) for value in params]}


def _cell(value: Any) -> Any:
    # SQL values are scalars: an array can only be a BLOB's bytes.
    return bytes(value) if isinstance(value, list) else value


def _number(meta: dict[str, Any], name: str) -> int:
    value = meta.get(name)
    return int(value) if isinstance(value, int | float) else 0


def _result(answer: Any) -> D1Result:
    """A ``D1Result`` from one entry of a ``/raw`` answer."""
    results = answer.get("results") if isinstance(answer, dict) else None
    results = results if isinstance(results, dict) else {}
    columns = tuple(str(name) for name in results.get("columns") or ())
    rows = [tuple(_cell(value) for value in row) for row in results.get("rows") or ()]
    meta = answer.get("meta") if isinstance(answer, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    outcome = Outcome(columns, rows, None)
    outcome.meta = MetaRecord(
        duration=float(meta.get("duration") or 0.0),
        changes=_number(meta, "changes"),
        last_row_id=_number(meta, "last_row_id"),
        changed_db=bool(meta.get("changed_db")),
        rows=(_number(meta, "rows_read"), _number(meta, "rows_written")),
        size_after=_number(meta, "size_after"),
    )
    result = D1Result(outcome)
    served_by = meta.get("served_by")
    if isinstance(served_by, str):
        result.meta["served_by"] = served_by  # who answered (meta is one dict per result)
    return result


class RemoteD1PreparedStatement:
    """A statement made by ``RemoteD1Database.prepare(sql)``: as ``D1PreparedStatement``."""

    __slots__ = ("_database", "params", "statement")

    def __init__(
        self, database: RemoteD1Database, statement: str, params: tuple[Param, ...] = ()
    ) -> None:
        self._database = database
        self.statement = statement
        self.params = params

    def bind(self, *values: object) -> RemoteD1PreparedStatement:
        """Return a new statement with ``values`` bound; raises ``D1TypeError`` at once."""
        return RemoteD1PreparedStatement(self._database, self.statement, convert_params(values))

    async def _one(self) -> D1Result:
        results = await self._database._send([_item(self.statement, self.params)])
        if not results:
            raise d1_error(NO_SQL_STATEMENTS)
        return results[-1]

    async def first(self, column: str | None = None) -> Any:
        """Return the first row as a ``dict``, the value of ``column`` in it, or ``None``."""
        result = await self._one()
        rows = result.rows
        return first_value(result.columns, rows[0], column) if rows else None

    async def all(self) -> D1Result:
        """Run the statement and return every row with ``meta``. Raises ``D1Error``."""
        return await self._one()

    async def run(self) -> D1Result:
        """Run the statement; like ``all()``."""
        return await self._one()

    async def raw(self, column_names: bool = False) -> list[list[Any]]:
        """Return the rows as lists (headed by the column names with ``column_names``)."""
        return (await self._one()).raw(column_names)

    def __repr__(self) -> str:
        return f"RemoteD1PreparedStatement({self.statement!r}, params={list(self.params)!r})"


class RemoteD1Database(RemoteResource):
    """A D1 database reached over the REST API: the ``D1Database`` binding API.

    ``base_url`` defaults to Cloudflare's; close with ``await db.aclose()`` (an env from
    ``emulator.remote.connect`` closes its bindings itself).
    """

    collection = "d1/database"
    noun = "database"

    def __init__(
        self,
        database_id: str,
        *,
        account_id: str,
        api_token: str,
        base_url: str | None = None,
        transport: Transport | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            database_id,
            account_id=account_id,
            api_token=api_token,
            base_url=base_url,
            transport=transport,
            name=name,
        )

    def prepare(self, sql: str) -> RemoteD1PreparedStatement:
        """Return a statement for ``sql``; raises ``TypeError`` if ``sql`` is not a ``str``."""
        if not isinstance(sql, str):
            raise TypeError(f"prepare() takes SQL text, not {type(sql).__name__}")
        return RemoteD1PreparedStatement(self, sql)

    async def batch(self, statements: Sequence[RemoteD1PreparedStatement]) -> list[D1Result]:
        """Run ``statements`` in one atomic request; one ``D1Result`` each (as ``D1Database``).

        Statements whose SQL is empty or only comments are dropped before sending; an empty
        batch raises ``D1_ERROR: No SQL statements detected.`` without a request.
        """
        kept = batch_statements(statements, RemoteD1PreparedStatement)
        return await self._send([_item(s.statement, s.params) for s in kept])

    async def exec(self, sql: str) -> D1ExecResult:
        """Run ``sql`` one line at a time, atomically, in one request (as ``D1Database.exec``).

        Errors read ``D1_EXEC_ERROR: Error in line <n>: <line>: <error>``.
        """
        lines = exec_script_lines(sql)
        items = [_item(text, ()) for _, text in lines]
        started = time.perf_counter()
        answer = await self._request(items)
        if isinstance(answer, RemoteFailure):
            error = d1_failure(answer)
            if answer.code != _SQL_ERROR_CODE or str(error).startswith(_CONSTRAINT_RESET_PREFIX):
                raise error  # not a line's failure (a reset fails the request as a whole)
            index = await self._failing_line(items) if len(items) > 1 else 0
            number, text = lines[index]
            message = D1_EXEC_ERROR.format(number, text.rstrip("\r"), reason(error))
            raise D1Error(message, status=answer.status) from error
        return D1ExecResult(count=len(lines), duration=(time.perf_counter() - started) * 1000.0)

    async def _failing_line(self, items: list[Item]) -> int:
        """The index of the first item that fails, found without applying anything."""
        # Every probe ends in a statement that must fail, so no probe commits; a probe
        # failing with another error than the sentinel's failed within its prefix.
        sentinel = f"__emulator_remote_probe_{uuid.uuid4().hex}"
        probe_item = _item(f'SELECT * FROM "{sentinel}"', ())
        low, high = 0, len(items) - 1  # the failing index lies in [low, high]
        while low < high:
            middle = (low + high) // 2
            answer = await self._request([*items[: middle + 1], probe_item])
            failed_early = isinstance(answer, RemoteFailure) and sentinel not in answer.message
            if failed_early:
                high = middle
            else:
                low = middle + 1
        return low

    async def _request(self, items: list[Item]) -> Any:
        answer = await self._transport.request(
            "POST", f"{self._path}/raw", idempotent=False, json_body={"batch": items}
        )
        if isinstance(answer, RemoteFailure):
            return answer
        envelope = answer.envelope() or {}
        return envelope.get("result")

    async def _send(self, items: list[Item]) -> list[D1Result]:
        answer = await self._request(items)
        if isinstance(answer, RemoteFailure):
            raise d1_failure(answer)
        return [_result(entry) for entry in answer or ()]
