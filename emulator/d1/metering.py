"""Run statements while collecting what ``meta`` reports (the engine's bookkeeping half).

For a metered statement the engine asks this module to count:

- ``rows_read`` / ``rows_written``: the engine's own counters, which count inside SQLite's
  virtual machine exactly as D1's do (``native/source_patches.py``); the engine zeroes them
  when a statement starts, so they are read once, right after it;
- ``changes`` (``total_changes()`` before and after), ``last_row_id`` and ``duration``;
- the database size (``size_after``).

The size is the costly part. A query or DML statement that is a request of its own
(``all()``/``run()``) gets a ``MetaRecord`` that takes the size when ``meta`` is first read;
``advance()`` - called before anything that could change the size - settles every such
record still alive. Statements of larger requests (``batch``, ``query``, multi-statement
texts) are measured at once, since a later statement of the same request could change it.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from emulator.d1.binding import Param
from emulator.d1.metadata import MetaRecord
from emulator.d1.planning import PiecePlan

if TYPE_CHECKING:
    from emulator.d1.outcome import Outcome

__all__ = ["Counters", "MeteredEngine", "Metering"]


class MeteredEngine(Protocol):
    """What metering needs from the engine, and all it may touch (``Engine`` is one)."""

    def run_piece(self, piece: PiecePlan, params: Sequence[Param], is_last: bool) -> Outcome:
        """Run one statement."""

    def row_counts(self) -> tuple[int, int]:
        """Rows read and written by the last statement run."""

    def database_size(self) -> int:
        """Pages in use times the page size."""

    def total_changes(self) -> int:
        """Rows changed on the connection so far (``sqlite3_total_changes``)."""

    def last_insert_rowid(self) -> int:
        """The connection's last inserted rowid."""


class Counters:
    """Connection counters taken before a metered group of statements."""

    __slots__ = ("changes", "last_row_id", "size", "started")

    def __init__(self, changes: int, last_row_id: int, size: int) -> None:
        self.changes = changes
        self.last_row_id = last_row_id
        self.size = size
        self.started = time.perf_counter()


class Metering:
    """The bookkeeping for ``meta`` of one engine."""

    def __init__(self, engine: MeteredEngine) -> None:
        self._engine = engine
        self._pending: list[weakref.ref[MetaRecord]] = []
        #: The database size, cached until something may have written.
        self.size: int | None = None

    # -- sizes ------------------------------------------------------------------------------

    def current_size(self) -> int:
        """The database size now: pages in use times the page size (cached until a write)."""
        if self.size is None:
            self.size = self._engine.database_size()
        return self.size

    def invalidate_size(self) -> None:
        """Forget the cached size (a statement may have written)."""
        self.size = None

    def advance(self) -> None:
        """Settle the size of every record still waiting for it, then forget the cache.

        Call before anything that may change the database's size."""
        pending = self._pending
        if pending:
            size: int | None = None
            for ref in pending:
                record = ref()
                if record is not None and record.size_after is None:
                    if size is None:
                        size = self.current_size()
                    record.settle(size)
            pending.clear()
        self.size = None

    # -- measuring ----------------------------------------------------------------------------

    def begin(self) -> Counters:
        """Take the counters before a group of statements inside a request.

        The size is measured now: later statements of the same request may change it, so
        these records cannot wait (only a lone statement's record, ``run_lone``, defers it)."""
        engine = self._engine
        return Counters(engine.total_changes(), engine.last_insert_rowid(), self.current_size())

    def run(
        self, piece: PiecePlan, params: Sequence[Param], is_last: bool, counters: Counters
    ) -> Outcome:
        """Run ``piece`` (the last of its group in a request) and attach its ``MetaRecord``."""
        engine = self._engine
        outcome, rows = self._counted(piece, params, is_last)
        duration = (time.perf_counter() - counters.started) * 1000.0
        changes = engine.total_changes() - counters.changes
        last_row_id = engine.last_insert_rowid()
        changed = changes != 0 or last_row_id != counters.last_row_id
        self.size = None
        size = self.current_size()
        changed = changed or size != counters.size
        outcome.meta = MetaRecord(duration, changes, last_row_id, changed, rows, size)
        return outcome

    def run_lone(self, piece: PiecePlan, params: Sequence[Param]) -> Outcome:
        """Run a query or DML statement that is a request of its own (``all()``/``run()``):
        its size waits until ``meta`` is read, or until ``advance()``."""
        engine = self._engine
        changes_before = engine.total_changes()
        row_id_before = engine.last_insert_rowid()
        started = time.perf_counter()
        outcome, rows = self._counted(piece, params, True)
        duration = (time.perf_counter() - started) * 1000.0
        changes = engine.total_changes() - changes_before
        last_row_id = engine.last_insert_rowid()
        changed = changes != 0 or last_row_id != row_id_before
        record = MetaRecord(duration, changes, last_row_id, changed, rows, None, self.current_size)
        self._pending.append(weakref.ref(record))
        outcome.meta = record
        return outcome

    def _counted(
        self, piece: PiecePlan, params: Sequence[Param], is_last: bool
    ) -> tuple[Outcome, tuple[int, int]]:
        engine = self._engine
        outcome = engine.run_piece(piece, params, is_last)
        return outcome, engine.row_counts()
