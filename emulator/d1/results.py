"""D1's result objects: ``D1Result`` (``all()``, ``run()``, ``batch()``) and ``D1ExecResult``.

A ``D1Result`` holds the rows and column names of one statement, so it can answer both as
the binding does (``results``: one ``dict`` per row, the last of duplicate column names
winning, as in JavaScript) and as the REST API's ``/raw`` does (``columns`` and ``rows``,
duplicates kept) without running anything again. BLOBs are ``bytes``; ``to_json()`` gives the
REST shapes, with BLOBs as arrays of byte values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.d1.outcome import Outcome

__all__ = ["D1ExecResult", "D1Result"]


def _json_value(value: Any) -> Any:
    return list(value) if isinstance(value, bytes) else value


class D1Result:
    """The result of one statement: ``results``, ``success`` and ``meta``.

    ``meta`` has every field Miniflare reports, in its order: ``served_by``, ``duration``
    (milliseconds), ``changes``, ``last_row_id``, ``changed_db``, ``size_after``, ``rows_read``
    and ``rows_written``.
    """

    __slots__ = ("_outcome", "_record", "_results", "success")

    def __init__(self, outcome: Outcome) -> None:
        self._outcome = outcome
        self._results: list[dict[str, Any]] | None = None
        self.success = True
        assert outcome.meta is not None
        self._record = outcome.meta

    @property
    def meta(self) -> dict[str, Any]:
        """The statement's ``meta`` (the same dict on every read)."""
        return self._record.as_dict()

    @property
    def results(self) -> list[dict[str, Any]]:
        """One ``dict`` per row (for duplicate column names the last value wins)."""
        if self._results is None:
            rows = self._outcome.rows
            columns = self._outcome.columns if rows else ()
            self._results = [dict(zip(columns, row, strict=True)) for row in rows]
        return self._results

    @property
    def columns(self) -> list[str]:
        """The column names, duplicates kept (also when there are no rows)."""
        return list(self._outcome.columns)

    @property
    def rows(self) -> list[list[Any]]:
        """The rows as lists of values, in column order."""
        return [list(row) for row in self._outcome.rows]

    def raw(self, column_names: bool = False) -> list[list[Any]]:
        """Return the rows as ``stmt.raw()`` would, optionally headed by the column names."""
        rows = self.rows
        return [self.columns, *rows] if column_names else rows

    def to_json(self, *, raw: bool = False) -> dict[str, Any]:
        """Return the REST API v4 shape of this result (``/raw`` shape with ``raw=True``)."""
        if raw:
            results: Any = {
                "columns": self.columns,
                "rows": [[_json_value(value) for value in row] for row in self._outcome.rows],
            }
        else:
            results = [
                {key: _json_value(value) for key, value in row.items()} for row in self.results
            ]
        return {"results": results, "success": self.success, "meta": dict(self.meta)}

    def __repr__(self) -> str:
        return f"D1Result(rows={len(self._outcome.rows)}, meta={self.meta!r})"


@dataclass(frozen=True, slots=True)
class D1ExecResult:
    """What ``exec()`` returns: statements run (``count``) and ``duration`` in milliseconds."""

    count: int
    duration: float
