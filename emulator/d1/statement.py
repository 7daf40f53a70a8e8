"""``D1PreparedStatement``: a SQL text, its bound parameters, and the four ways to run it.

As in the Workers binding (``D1PreparedStatement`` in workerd's ``d1-api.ts``):
``prepare()`` never fails, ``bind()`` checks types at once and returns a *new* statement,
and each of ``first``/``all``/``run``/``raw`` is one atomic request.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from emulator.d1.binding import Param, convert_params
from emulator.d1.constants import D1_COLUMN_NOTFOUND, D1_EXEC_ERROR, NO_SQL_STATEMENTS
from emulator.d1.errors import d1_error
from emulator.d1.outcome import Outcome
from emulator.d1.results import D1Result
from emulator.d1.splitting import exec_lines, is_dropped_statement
from emulator.errors import D1Error

__all__ = ["D1PreparedStatement", "StatementRunner"]


class StatementRunner(Protocol):
    """What a statement needs to run (the database's engine is one)."""

    def execute_unit(self, sql: str, params: Sequence[Param], *, metered: bool) -> Outcome:
        """Run one ``prepare()`` text; the outcome of its last statement."""


__all__ = ["D1PreparedStatement", "batch_statements", "exec_script_lines", "first_value"]

Statement = TypeVar("Statement")
# Batches repeat their SQL texts: remember which ones are dropped (a regex pass each).
_dropped = lru_cache(maxsize=4096)(is_dropped_statement)


def first_value(columns: Sequence[str], row: Sequence[Any], column: str | None) -> Any:
    """What ``first(column)`` returns for the first row: the row as a ``dict``, or one value.

    Raises ``D1_COLUMN_NOTFOUND: Column not found (<column>)`` for a column not in the row.
    """
    found = dict(zip(columns, row, strict=True))
    if column is None:
        return found
    if column not in found:
        raise D1Error(D1_COLUMN_NOTFOUND.format(column))
    return found[column]


def batch_statements(statements: object, kind: type[Statement]) -> list[Statement]:
    """The statements ``batch()`` runs: ``kind`` only, empty and comment-only ones dropped.

    Raises ``TypeError`` for anything but a list or tuple of ``kind``, and
    ``D1_ERROR: No SQL statements detected.`` when no statement is left.
    """
    if not isinstance(statements, list | tuple):
        raise TypeError("batch() takes a list of prepared statements")
    for statement in statements:
        if not isinstance(statement, kind):
            raise TypeError(f"batch() takes prepared statements, not {type(statement).__name__}")
    kept = [s for s in statements if not _dropped(s.statement)]
    if not kept:
        raise d1_error(NO_SQL_STATEMENTS)
    return kept


def exec_script_lines(sql: object) -> list[tuple[int, str]]:
    """The ``(line number, line)`` pairs ``exec()`` runs, one request in all.

    Raises ``TypeError`` for SQL that is not a ``str``, and
    ``D1_EXEC_ERROR: Error in line 1: <first line>: No SQL statements detected.`` when no
    line holds a statement.
    """
    if not isinstance(sql, str):
        raise TypeError(f"exec() takes SQL text, not {type(sql).__name__}")
    lines = exec_lines(sql)
    if not lines:
        first = sql.strip().split("\n")[0]
        raise D1Error(D1_EXEC_ERROR.format(1, first, NO_SQL_STATEMENTS))
    return lines


class D1PreparedStatement:
    """A statement made by ``D1Database.prepare(sql)``.

    ``statement`` is the SQL text and ``params`` the bound values, as converted by
    ``bind()`` (``bool`` -> ``int``, ``bytearray``/``memoryview`` -> ``bytes``).
    """

    __slots__ = ("_engine", "params", "statement")

    def __init__(
        self, runner: StatementRunner, statement: str, params: tuple[Param, ...] = ()
    ) -> None:
        self._engine = runner
        self.statement = statement
        self.params = params

    def bind(self, *values: object) -> D1PreparedStatement:
        """Return a new statement with ``values`` as its parameters (replacing any bound).

        Parameters are positional: ``?``, ``?NNN``, ``:name``, ``@name`` and ``$name`` all take
        values by position, as in D1. Raises ``D1TypeError`` (a ``TypeError``) for a value D1
        cannot bind; the count is checked when the statement runs.
        """
        return D1PreparedStatement(self._engine, self.statement, convert_params(values))

    async def first(self, column: str | None = None) -> Any:
        """Return the first row as a ``dict``, or the value of ``column`` in it.

        Returns ``None`` when there are no rows (whatever ``column`` is). Raises ``D1Error``
        for SQL errors, and ``D1_COLUMN_NOTFOUND: Column not found (<column>)`` when rows
        exist but ``column`` is not one of them.
        """
        # D1 reads every row, then keeps the first.
        outcome = self._engine.execute_unit(self.statement, self.params, metered=False)
        if not outcome.rows:
            return None
        return first_value(outcome.columns, outcome.rows[0], column)

    async def all(self) -> D1Result:
        """Run the statement and return every row with ``meta``. Raises ``D1Error``."""
        return D1Result(self._engine.execute_unit(self.statement, self.params, metered=True))

    async def run(self) -> D1Result:
        """Run the statement; like ``all()`` (rows included, as Miniflare returns them)."""
        return D1Result(self._engine.execute_unit(self.statement, self.params, metered=True))

    async def raw(self, column_names: bool = False) -> list[list[Any]]:
        """Return the rows as lists; with ``column_names`` the first list holds the names
        (even when there are no rows). Raises ``D1Error``."""
        outcome = self._engine.execute_unit(self.statement, self.params, metered=False)
        rows = [list(row) for row in outcome.rows]
        return [list(outcome.columns), *rows] if column_names else rows

    def __repr__(self) -> str:
        return f"D1PreparedStatement({self.statement!r}, params={list(self.params)!r})"
