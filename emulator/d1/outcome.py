"""What a statement run gives back: its rows and column names, and the request's failure.

An ``Outcome`` holds the rows of one statement, its column names (looked up without running
it again when it returned no rows) and, for metered runs, its ``MetaRecord``.
``RequestFailed`` carries the ``D1Error`` of a request and the unit that failed (``exec()``
names the line).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.d1.metadata import MetaRecord
from emulator.errors import D1Error

__all__ = ["Outcome", "RequestFailed", "Row"]

Row = tuple[Any, ...]


class Outcome:
    """The result of one statement: its rows, column names and (when metered) ``meta``."""

    __slots__ = ("_columns", "_describe", "meta", "rows")

    def __init__(
        self,
        columns: tuple[str, ...] | None,
        rows: list[Row],
        describe: Callable[[], tuple[str, ...]] | None,
    ) -> None:
        self._columns = columns
        self.rows = rows
        self._describe = describe
        self.meta: MetaRecord | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names (found without re-running the statement when it returned no rows)."""
        if self._columns is None:
            assert self._describe is not None
            self._columns = self._describe()
            self._describe = None
        return self._columns


class RequestFailed(Exception):
    """A request failed in unit ``index`` (exec() reports the line)."""

    def __init__(self, index: int, error: D1Error) -> None:
        super().__init__(str(error))
        self.index = index
        self.error = error
