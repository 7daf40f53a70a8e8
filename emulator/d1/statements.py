"""One D1 statement on the connection: its rewrite, its run, its rows and its errors.

``StatementRunner.run`` is what every request comes down to: a statement that is not plain
is checked first (no statement, an error D1's SQLite gives where this engine would not) and
an ``UPDATE``/``DELETE ... LIMIT`` runs as its rewrite by row key (``compat``); the rows
come back with ``Infinity`` as ``None`` (``text``), column names are kept per text and
schema, and SQLite's errors become D1's texts. Whether a statement run before the last of
a ``prepare()`` text writes is SQLite's own verdict (``earlier_writes``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Final

from emulator import _apsw as apsw
from emulator.d1.binding import Param
from emulator.d1.compat import limited_statement, limited_table
from emulator.d1.constants import (
    NO_STATEMENT_IN_CODE,
    ONLY_LAST_STATEMENT_PARAMETERS,
    TRANSACTION_REFUSED,
    WRONG_PARAMETER_COUNT,
)
from emulator.d1.errors import d1_error, format_sqlite_error, sqlite_error_text
from emulator.d1.outcome import Outcome
from emulator.d1.planning import PiecePlan
from emulator.d1.schema import SchemaCatalog
from emulator.d1.sqlite import D1Sqlite
from emulator.d1.text import finite_rows
from emulator.errors import D1Error

__all__ = ["StatementRunner"]

_INF: Final = math.inf
_NEG_INF: Final = -math.inf
_NAMES_KEPT: Final = 1024


class StatementRunner:
    """Run single statements on one configured connection (the engine holds its lock)."""

    def __init__(
        self,
        sqlite: D1Sqlite,
        catalog: SchemaCatalog,
        on_write: Callable[[], None],
        describe: Callable[[str, Sequence[Param]], tuple[str, ...]],
    ) -> None:
        self._cursor = sqlite.cursor
        self._auth = sqlite.auth
        self._catalog = catalog
        self._on_write = on_write
        self._describe = describe
        self._names: dict[str, tuple[int, tuple[str, ...]]] = {}
        #: Whether the last statement run as an earlier one of its text writes.
        self.earlier_writes = False

    def run(self, piece: PiecePlan, params: Sequence[Param], is_last: bool) -> Outcome:
        """Run one statement and return its rows. Raises ``D1Error``."""
        sql = piece.sql
        if not piece.plain:
            self._before_unusual(piece)
            if piece.limited is not None:
                sql = self._keyed(piece.limited, sql)
        if not piece.read_only:
            self._on_write()  # the size cached for meta may change
        cursor = self._cursor
        try:
            cursor.execute(sql, params)
            if not is_last:  # SQLite's own verdict, while the statement is current
                self.earlier_writes = not cursor.is_readonly
            if piece.no_columns:
                return Outcome((), [], None)  # nothing to fetch: it already ran to the end
            # Column names depend on the SQL and the schema only: asking the cursor for its
            # description costs more than a plain read, so they are kept per text and schema.
            names = self._names.get(sql)
            if names is None or names[0] != self._auth.schema_epoch:
                try:
                    description = (
                        cursor.description
                    )  # (not get_description(): it looks up declared types)
                except apsw.ExecutionCompleteError:
                    return Outcome(None, [], partial(self._describe, sql, params))
                names = self._remember_names(sql, description)
            columns = names[1]
            rows = cursor.fetchall()
        except apsw.BindingsError as exc:
            text = WRONG_PARAMETER_COUNT if is_last else ONLY_LAST_STATEMENT_PARAMETERS
            raise d1_error(text) from exc
        except apsw.Error as exc:
            raise self.translate(exc) from exc
        for row in rows:
            if _INF in row or _NEG_INF in row:
                rows = finite_rows(rows)
                break
        return Outcome(columns, rows, None)

    def _remember_names(
        self, sql: str, description: Sequence[tuple[Any, ...]]
    ) -> tuple[int, tuple[str, ...]]:
        if len(self._names) >= _NAMES_KEPT:
            self._names.clear()
        names = (self._auth.schema_epoch, tuple([column[0] for column in description]))
        self._names[sql] = names
        return names

    def _keyed(self, written: str, by_rowid: str) -> str:
        # An UPDATE/DELETE ... LIMIT rewritten by rowid, or by key for a WITHOUT ROWID table.
        key = self._catalog.row_key(limited_table(written))
        if key == "rowid":
            return by_rowid
        rewritten = limited_statement(written, key)
        return rewritten if isinstance(rewritten, str) else by_rowid

    def _before_unusual(self, piece: PiecePlan) -> None:
        # What a statement that is not plain needs before it runs (raises ``D1Error``).
        if not piece.has_statement:
            raise d1_error(NO_STATEMENT_IN_CODE)
        if piece.compat_error is not None:
            problem = piece.compat_error
            code = apsw.SQLITE_ERROR
            raise d1_error(format_sqlite_error(problem.message, problem.offset, code, code))

    def translate(self, exc: apsw.Error) -> D1Error:
        """D1's error for ``exc``, raised by the statement just prepared or run."""
        refusal = self._auth.refusal
        self._auth.refusal = None  # set only by a prepare that fails: consumed here
        if refusal is not None and refusal.transaction:
            return d1_error(TRANSACTION_REFUSED)
        message = str(exc.args[0]) if exc.args else str(exc)
        return d1_error(sqlite_error_text(exc, message=message))
