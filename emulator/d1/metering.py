"""Run statements while collecting what ``meta`` reports (the engine's bookkeeping half).

For a metered statement the engine asks this module to:

- read the statement's ``Shape`` (``EXPLAIN``, once per SQL text and schema) and watch the
  update hook's row changes, switching the profile trace on only for statements that
  scan (the trace times every statement through the clock VFS, which costs);
- count ``changes`` (``total_changes()`` before and after), ``last_row_id`` and ``duration``;
- estimate ``rows_read`` / ``rows_written`` (``row_counts``) and take the database size.

The size and the rows estimate are the costly parts. A query or DML statement that is a
request of its own (``all()``/``run()``; its ``changed_db`` follows from ``changes`` and
``last_row_id`` alone) gets a ``MetaRecord`` that works both out when ``meta`` is first read;
``advance()`` - called before anything that could change the size or the schema - settles
every such record still alive. Statements of larger requests (``batch``, ``query``,
multi-statement texts) and schema statements are measured at once, since a later statement
of the same request could change what they report.
"""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Final, Protocol

import apsw

from emulator.d1 import row_counts
from emulator.d1.authorizer import WriteTargets
from emulator.d1.binding import Param
from emulator.d1.bound_values import limit_of, skipped_seeks
from emulator.d1.metadata import MetaRecord
from emulator.d1.planning import PiecePlan
from emulator.d1.splitting import Token, tokens

if TYPE_CHECKING:
    from emulator.d1.outcome import Outcome
    from emulator.d1.schema import SchemaCatalog

__all__ = ["Counters", "MeteredEngine", "Metering"]

_SHAPE_CACHE_SIZE: Final = 512
_OPS: Final = {
    apsw.SQLITE_INSERT: "INSERT", apsw.SQLITE_UPDATE: "UPDATE", apsw.SQLITE_DELETE: "DELETE"
}  # fmt: skip


class MeteredEngine(Protocol):
    """What metering needs from the engine, and all it may touch (``Engine`` is one)."""

    @property
    def catalog(self) -> SchemaCatalog:
        """Schema facts, cached per schema."""

    @property
    def schema_epoch(self) -> int:
        """Bumped whenever the schema may have changed."""

    def run_piece(self, piece: PiecePlan, params: Sequence[Param], is_last: bool) -> Outcome:
        """Run one statement."""

    def explain(self, sql: str, params: Sequence[Param], targets: WriteTargets) -> list[Any]:
        """``EXPLAIN`` of ``sql``, recording in ``targets`` the tables it may write."""

    def database_size(self) -> int:
        """Pages in use times the page size."""

    def total_changes(self) -> int:
        """Rows changed on the connection so far (``sqlite3_total_changes``)."""

    def last_insert_rowid(self) -> int:
        """The connection's last inserted rowid."""

    def statement_changes(self) -> int:
        """Rows the last statement changed itself (``sqlite3_changes``)."""

    def watch_statements(self, callback: Callable[[dict[str, Any]], None] | None) -> None:
        """Send each finished statement's profile (``trace_v2``) to ``callback``;
        ``None`` stops."""


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
        self._shapes: OrderedDict[tuple[str, int], row_counts.Shape] = OrderedDict()
        self._pending: list[weakref.ref[MetaRecord]] = []
        #: The database size, cached until something may have written.
        self.size: int | None = None
        self._full_scan_steps = 0
        #: The update hook appends here (``record_change``) while a measured statement runs.
        self.events: list[tuple[int, str, int]] | None = None

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
                if record is not None and record.pending:
                    if size is None:
                        size = self.current_size()
                    record.settle(size)
            pending.clear()
        self.size = None

    def forget_shapes(self) -> None:
        """Drop every cached ``Shape`` (after ``reset``)."""
        self._shapes.clear()

    # -- measuring ----------------------------------------------------------------------------

    def begin(self) -> Counters:
        """Take the counters before a group of statements inside a request.

        The size is measured now: later statements of the same request may change it, so
        these records cannot wait (only a lone statement's record, ``run_lone``, defers it)."""
        engine = self._engine
        return Counters(engine.total_changes(), engine.last_insert_rowid(), self.current_size())

    def record_change(self, op: int, _database: str, table: str, rowid: int) -> None:
        """The update hook's callback: keeps the row changes of a measured statement (as
        plain tuples; they become ``RowEvent`` records only if ``meta`` is read)."""
        events = self.events
        if events is not None:
            events.append((op, table, rowid))

    def on_profile(self, event: dict[str, Any]) -> None:
        """``trace_v2`` callback: keep the full-scan steps of the statement that finished."""
        if not event.get("trigger"):
            self._full_scan_steps = int(event["stmt_status"]["SQLITE_STMTSTATUS_FULLSCAN_STEP"])

    def run(
        self, piece: PiecePlan, params: Sequence[Param], is_last: bool, counters: Counters
    ) -> Outcome:
        """Run ``piece`` (the last of its group in a request) and attach its ``MetaRecord``."""
        engine = self._engine
        kind = piece.kind
        rows: tuple[int, int] | None = None
        estimate: Callable[[], tuple[int, int]] | None = None
        if kind in row_counts.DDL_KINDS and piece.has_statement:
            before = engine.catalog.snapshot()
            outcome = engine.run_piece(piece, params, is_last)
            after = engine.catalog.snapshot()
            rows = row_counts.ddl_rows(kind, before, after, engine.catalog)
        else:
            outcome, estimate, _ = self._run_dml(
                piece, params, is_last, kind, engine.total_changes()
            )
        duration = (time.perf_counter() - counters.started) * 1000.0
        changes = engine.total_changes() - counters.changes
        last_row_id = engine.last_insert_rowid()
        changed = changes != 0 or last_row_id != counters.last_row_id
        if rows is None:
            assert estimate is not None
            rows = estimate()
        self.size = None
        size = self.current_size()
        changed = changed or size != counters.size
        outcome.meta = MetaRecord(duration, changes, last_row_id, changed, rows, size)
        return outcome

    def run_lone(self, piece: PiecePlan, params: Sequence[Param]) -> Outcome:
        """Run a query or DML statement that is a request of its own (``all()``/``run()``):
        its estimate and size wait until ``meta`` is read, or until ``advance()``."""
        engine = self._engine
        changes_before = engine.total_changes()
        row_id_before = engine.last_insert_rowid()
        started = time.perf_counter()
        outcome, estimate, total = self._run_dml(piece, params, True, piece.kind, changes_before)
        duration = (time.perf_counter() - started) * 1000.0
        changes = total - changes_before
        last_row_id = engine.last_insert_rowid()
        changed = changes != 0 or last_row_id != row_id_before
        record = MetaRecord(
            duration, changes, last_row_id, changed, None, None, estimate, self.current_size
        )
        self._pending.append(weakref.ref(record))
        outcome.meta = record
        return outcome

    def _run_dml(
        self,
        piece: PiecePlan,
        params: Sequence[Param],
        is_last: bool,
        kind: str,
        total_before: int,
    ) -> tuple[Outcome, Callable[[], tuple[int, int]], int]:
        # Returns the outcome, its (lazy) rows estimate, and total_changes() after it.
        engine = self._engine
        if not piece.has_statement:
            engine.run_piece(piece, params, is_last)  # raises "did not contain a statement"
        shape = self._shapes.get((piece.sql, engine.schema_epoch))
        if shape is None:
            shape = self._shape(piece.sql, kind, params)
        events: list[tuple[int, str, int]] = []
        self.events = events
        self._full_scan_steps = 0
        traced = shape.scans > 0
        if traced:
            engine.watch_statements(self.on_profile)
        try:
            outcome = engine.run_piece(piece, params, is_last)
        finally:
            self.events = None
            if traced:
                engine.watch_statements(None)
        # The estimate must not hold the outcome: the outcome holds the record holding it,
        # and a cycle would keep unread records alive (and their work pending).
        rows = outcome.rows
        counted = None
        if len(rows) == 1 and rows[0] and type(rows[0][0]) is int:
            counted = rows[0][0]
        total = engine.total_changes()
        activity = (
            self._full_scan_steps, len(rows), events, engine.statement_changes(),
            total - total_before, counted, skipped_seeks(shape, params),
            limit_of(shape, params),
        )  # fmt: skip
        estimate = partial(_estimate, shape, activity, engine.catalog)
        if shape.counted_roots or shape.nested_scans:
            # These read table sizes, which the next statement may change: count them now.
            counts = estimate()
            return outcome, lambda: counts, total
        return outcome, estimate, total

    def _shape(self, sql: str, kind: str, params: Sequence[Param]) -> row_counts.Shape:
        engine = self._engine
        key = (sql, engine.schema_epoch)
        shape = self._shapes.get(key)
        if shape is not None:
            return shape
        targets = WriteTargets()
        program: list[row_counts.ExplainRow] = []
        if kind not in ("other", "pragma"):  # ANALYZE, REINDEX, PRAGMA: row changes only
            program = [row_counts.ExplainRow(*row) for row in engine.explain(sql, params, targets)]
        if kind == "select" and targets.inserted:
            kind = "insert"
        elif kind == "select" and targets.updated_columns:
            kind = "update"
        elif kind == "select" and targets.deleted:
            kind = "delete"
        items = list(tokens(sql))
        returning = any(token.kind == "id" and token.upper == "RETURNING" for token in items)
        shape = row_counts.shape_from_program(kind, program, returning=returning)
        shape.targets = targets
        shape.written_tables = frozenset(
            targets.inserted | targets.deleted | set(targets.updated_columns)
        )
        shape.replaces = any(token.upper == "REPLACE" for token in items[:3])
        shape.truncates = self._truncation(kind, [token.text for token in items])
        shape.never_loops = _never_loops(items)
        shape.limited, shape.limit_literal, shape.limit_param = _top_level_limit(items)
        self._shapes[key] = shape
        if len(self._shapes) > _SHAPE_CACHE_SIZE:
            self._shapes.popitem(last=False)
        return shape

    def _truncation(self, kind: str, words: list[str]) -> str | None:
        # "DELETE FROM t" with nothing else takes SQLite's truncate path on D1.
        if kind != "delete":
            return None
        words = [word for word in words if word != ";"]
        if len(words) == 5 and words[3] == ".":
            words = [*words[:2], words[4]]
        if len(words) != 3 or words[1].upper() != "FROM":
            return None
        table = words[2].strip('"`[]')
        return table if self._engine.catalog.truncatable(table) else None


_FALSE_LITERALS: Final = frozenset({"0", "FALSE"})
_CLAUSE_ENDS: Final = frozenset({";", "GROUP", "ORDER", "LIMIT", "RETURNING", "WINDOW"})


def _never_loops(items: list[Token]) -> bool:
    # "WHERE 0" or "LIMIT 0" at the top level: SQLite jumps past every loop before the first
    # Rewind, so D1 counts no read at all.
    depth = 0
    for index, token in enumerate(items[:-1]):
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0 and token.upper in ("WHERE", "LIMIT"):
            following = items[index + 1]
            after = items[index + 2] if index + 2 < len(items) else None
            ends = after is None or after.upper in _CLAUSE_ENDS or after.text == ","
            if following.upper in _FALSE_LITERALS and ends and token.upper == "WHERE":
                return True
            if token.upper == "LIMIT" and following.text == "0" and (after is None or ends):
                return True
    return False


def _top_level_limit(items: list[Token]) -> tuple[bool, int | None, int | None]:
    # Whether the statement has a top-level LIMIT and, for a plain "LIMIT n" (no OFFSET),
    # its value when literal or the number of the parameter that binds it.
    depth = 0
    highest = 0  # SQLite numbers a bare "?" one past the highest number used so far
    for index, token in enumerate(items):
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif token.kind == "var":
            highest = int(token.text[1:]) if token.text[1:].isdigit() else highest + 1
        elif depth == 0 and token.upper == "LIMIT":
            rest = items[index + 1 :]
            if len(rest) != 1 and not (len(rest) == 2 and rest[1].text == ";"):
                return True, None, None
            value = rest[0]
            if value.kind == "num" and value.text.isdigit():
                return True, int(value.text), None
            if value.kind == "var" and value.text == "?":
                return True, None, highest + 1
            if value.kind == "var" and value.text[1:].isdigit():
                return True, None, int(value.text[1:])
            return True, None, None
    return False, None, None


def _row_events(
    changes: list[tuple[int, str, int]], top_level: set[tuple[int, str]]
) -> list[row_counts.RowEvent]:
    # A change to a table the statement itself writes (with that operation) is its own;
    # the others are its triggers' and foreign-key actions'.
    return [
        row_counts.RowEvent(_OPS[op], table, 0 if (op, table) in top_level else 1, rowid, rowid)
        for op, table, rowid in changes
    ]


def _estimate(
    shape: row_counts.Shape,
    activity: tuple[int, int, list[tuple[int, str, int]], int, int, int | None, int, int | None],
    catalog: SchemaCatalog,
) -> tuple[int, int]:
    steps, returned, changes, own_changes, all_changes, counted, skipped, limit = activity
    records = _row_events(changes, shape.targets.top_level)
    measured = row_counts.Activity(
        steps, returned, records, own_changes, all_changes, counted, skipped, limit
    )
    return row_counts.estimate(shape, measured, catalog)
