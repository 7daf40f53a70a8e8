"""``D1Database``: the Workers D1 binding, emulated on one SQLite connection.

The binding API is workerd's (``src/cloudflare/internal/d1-api.ts``) in Python spelling:
``prepare`` / ``batch`` / ``exec`` / ``dump``, statements with ``bind`` / ``first`` / ``all``
/ ``run`` / ``raw``. Each call is one atomic request, with the errors, limits and SQL
restrictions of workerd's SQLite (see ``engine``, ``authorizer``, ``compat``). On top:

- ``query(sql, params)``: one ``D1Result`` per statement of a multi-statement string, all
  atomic - what the REST API's ``/query`` and ``/raw`` answer;
- ``sqlite_utils``: a ``sqlite_utils.Database`` on the same connection (and clock), for
  seeding and inspecting; D1's restrictions do not apply to it;
- ``apply_migrations(folder)``: a wrangler-style ``migrations/`` folder;
- ``read_rows(sql)``: one unmetered read for tooling, without ``sqlite_utils``' side effects;
- ``dump()``: the database file's bytes (deprecated in production; an emulator convenience).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulator.clock import Clock
from emulator.d1.binding import BindValue, Param, convert_params
from emulator.d1.constants import (
    CONSTRAINT_RESET,
    D1_EXEC_ERROR,
    INTERNAL_ERROR,
    NO_SQL_STATEMENTS,
)
from emulator.d1.engine import Engine, Unit
from emulator.d1.errors import d1_error, reason
from emulator.d1.outcome import Outcome, RequestFailed
from emulator.d1.results import D1ExecResult, D1Result
from emulator.d1.statement import D1PreparedStatement, batch_statements, exec_script_lines
from emulator.errors import D1Error

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["D1Database"]

# Failures of the request as a whole (a reset), which D1's exec() reports bare, with no line:
# an internal error, or a deferred foreign key still violated when the request commits.
_RESET_PREFIXES = (INTERNAL_ERROR.split("{}")[0], CONSTRAINT_RESET.split("{}")[0])


class D1Database:
    """A D1 database binding (``env.DB``), in memory or in the SQLite file at ``path``.

    Created by ``Emulator.d1(name)``; ``clock`` drives every SQLite time function.
    """

    def __init__(self, name: str, *, clock: Clock, path: Path | None, database_id: str) -> None:
        self.name = name
        self.id = database_id
        self.path = path
        self._engine = Engine(clock, path)
        self._sqlite_utils: sqlite_utils.Database | None = None

    # -- the binding API -------------------------------------------------------------------

    def prepare(self, sql: str) -> D1PreparedStatement:
        """Return a statement for ``sql``; SQL errors surface when it runs.

        Raises ``TypeError`` if ``sql`` is not a ``str``.
        """
        if not isinstance(sql, str):
            raise TypeError(f"prepare() takes SQL text, not {type(sql).__name__}")
        return D1PreparedStatement(self._engine, sql)

    async def batch(self, statements: Sequence[D1PreparedStatement]) -> list[D1Result]:
        """Run ``statements`` in one transaction and return one ``D1Result`` each.

        Later statements see earlier writes; if one fails, none is applied and its error is
        raised. Statements whose SQL is empty or only indented comments are dropped (so the
        list may be shorter), and an empty batch raises
        ``D1_ERROR: No SQL statements detected.``
        """
        kept = batch_statements(statements, D1PreparedStatement)
        outcomes = self._request([(s.statement, s.params) for s in kept], metered=True)
        return [D1Result(unit[-1]) for unit in outcomes]

    async def exec(self, sql: str) -> D1ExecResult:
        """Run ``sql`` one line at a time (as the binding shim sends it), atomically.

        Empty, blank and indented-comment lines are skipped; a line may hold several
        statements. No parameters can be bound. Errors read
        ``D1_EXEC_ERROR: Error in line <n>: <line>: <error>``, naming the line that failed; a
        reset (a deferred foreign key still violated at the end) names no line, as on D1.
        """
        lines = exec_script_lines(sql)
        units: list[Unit] = [(text, ()) for _, text in lines]
        started = time.perf_counter()
        try:
            self._engine.request(units, metered=False)
        except RequestFailed as failure:
            if str(failure.error).startswith(_RESET_PREFIXES):
                raise failure.error from failure.error.__cause__  # a reset names no line
            number, text = lines[failure.index]
            message = D1_EXEC_ERROR.format(number, text.rstrip("\r"), reason(failure.error))
            raise D1Error(message) from failure.error
        return D1ExecResult(count=len(lines), duration=(time.perf_counter() - started) * 1000.0)

    async def dump(self) -> bytes:
        """Return the database file's bytes (an emulator convenience: ``dump()`` is deprecated
        in production and Miniflare answers it with ``D1_DUMP_ERROR``)."""
        return self._engine.database_bytes()

    async def query(self, sql: str, params: Sequence[BindValue] = ()) -> list[D1Result]:
        """Run ``sql`` atomically and return one ``D1Result`` per statement it holds.

        For the REST API's ``/query`` and ``/raw``. As with ``prepare()``, only the last
        statement may take ``params``. Raises ``D1Error`` (and ``D1TypeError`` for a value
        that cannot be bound).
        """
        if not isinstance(sql, str):
            raise TypeError(f"query() takes SQL text, not {type(sql).__name__}")
        if isinstance(params, str | bytes | dict) or not isinstance(params, Sequence):
            raise TypeError("query() takes its params as a list")
        converted = convert_params(params)
        if self._engine.plan(sql).dropped:
            raise d1_error(NO_SQL_STATEMENTS)
        outcomes = self._request([(sql, converted)], metered=True, every_statement=True)
        return [D1Result(outcome) for outcome in outcomes[0]]

    # -- test tooling ------------------------------------------------------------------------

    @property
    def sqlite_utils(self) -> sqlite_utils.Database:
        """A ``sqlite_utils.Database`` on this database's connection, for seeding and
        inspecting. It sees the same data and clock; D1's authorizer and limits do not apply
        to it, and anything it leaves uncommitted is committed before the next D1 call."""
        if self._sqlite_utils is None:
            import sqlite_utils

            from emulator.d1.dbapi import Connection

            self._sqlite_utils = sqlite_utils.Database(
                Connection(self._engine),  # type: ignore[arg-type]
                recursive_triggers=False,
                execute_plugins=False,
            )
        return self._sqlite_utils

    def file_size(self) -> int:
        """The database's size in bytes (pages in use times the page size), as the REST
        API's ``file_size`` and a result's ``meta.size_after`` report it."""
        return self._engine.database_size()

    def read_rows(self, sql: str, params: Sequence[Param] = ()) -> list[tuple[Any, ...]]:
        """Run one statement of ``sql`` as D1 does, unmetered; return its rows as tuples.

        For tooling that reads (the REST API's database details, ``d1 export``): unlike
        ``sqlite_utils``, it leaves the binding's connection state untouched (no bookmark
        write follows it, as none follows Miniflare's export) and keeps D1's restrictions.
        Raises ``D1Error``.
        """
        return [
            tuple(row)
            for row in self._engine.execute_unit(
                sql, tuple(params), metered=False, bookmark=False
            ).rows
        ]

    def apply_migrations(self, folder: str | Path, *, table: str | None = None) -> list[str]:
        """Apply a wrangler-style migrations folder; return the names applied.

        See ``emulator.d1.migrations.apply_migrations``.
        """
        from emulator.d1.migrations import apply_migrations

        return apply_migrations(self._engine, Path(folder), table=table)

    # -- lifecycle -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Empty the database in place: objects held on it (statements, the sqlite-utils
        database) keep working."""
        self._engine.reset()

    def image(self) -> bytes:
        """Return the database's bytes now (as ``dump()``, synchronously), for ``restore``."""
        return self._engine.database_bytes()

    def restore(self, image: bytes) -> None:
        """Replace every table and row with those of ``image`` (from ``image()`` or ``dump()``),
        in place: statements and the sqlite-utils database held on it keep working.

        Copies the bytes (``sqlite3_deserialize``): a 10,000-row table takes well under a
        millisecond. Raises ``ValueError`` for a database persisted to a file.
        """
        self._engine.restore(image)

    def close(self) -> None:
        """Close the connection (a file database is checkpointed into its one file)."""
        self._engine.close()

    # -- internals -------------------------------------------------------------------------------

    def _request(
        self, units: list[Unit], *, metered: bool, every_statement: bool = False
    ) -> list[list[Outcome]]:
        try:
            return self._engine.request(units, metered=metered, every_statement=every_statement)
        except RequestFailed as failure:
            raise failure.error from failure.error.__cause__

    def __repr__(self) -> str:
        where = "memory" if self.path is None else str(self.path)
        return f"D1Database({self.name!r}, id={self.id!r}, {where})"
