"""Requests against one D1 database: plans, transactions, statements, errors, metering.

A *request* is what one binding call sends (``first``/``all``/``raw``/``run``, ``batch``,
``exec``, ``query``): one or more units (a ``prepare()`` text with its parameters), each
possibly holding several statements (``planning``). A request that can write runs inside
``BEGIN IMMEDIATE`` ... ``COMMIT``, as Miniflare runs each in ``transactionSync``; plain reads,
and a lone DML statement whose failure SQLite's autocommit undoes entirely, need no explicit
transaction. Metered requests also collect what ``meta`` needs (``metering``). The
configured connection itself is ``sqlite.D1Sqlite``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TypeVar

from emulator import _apsw as apsw
from emulator.clock import Clock
from emulator.d1.binding import Param
from emulator.d1.constants import (
    CONSTRAINT_RESET,
    NO_SQL_STATEMENTS,
    STATEMENT_TOO_LONG,
)
from emulator.d1.errors import d1_error, format_sqlite_error, internal_error, sqlite_error_text
from emulator.d1.metering import Metering
from emulator.d1.outcome import Outcome, RequestFailed
from emulator.d1.planning import PiecePlan, Plan, PlanCache
from emulator.d1.schema import SchemaCatalog
from emulator.d1.sqlite import D1Sqlite
from emulator.d1.statements import StatementRunner
from emulator.errors import D1Error

__all__ = ["Engine", "Outcome", "RequestFailed", "Unit"]

Unit = tuple[str, Sequence[Param]]
_T = TypeVar("_T")


class Engine:
    """Run D1 requests on one database; every method is thread-safe."""

    def __init__(self, clock: Clock, path: Path | None) -> None:
        self.metering = Metering(self)
        self.sqlite = D1Sqlite(clock, path)
        self.path = path
        self.lock = self.sqlite.lock
        self.conn = self.sqlite.conn
        self.auth = self.sqlite.auth
        self._plans = PlanCache()
        # What metering counts with, straight from the connection.
        self.total_changes = self.conn.total_changes
        self.last_insert_rowid = self.conn.last_insert_rowid
        self.row_counts = self.sqlite.row_counts
        self.catalog = SchemaCatalog(self.sqlite.trusted_query, lambda: self.auth.schema_epoch)
        self.adapter_dirty = False
        self._statements = StatementRunner(
            self.sqlite, self.catalog, self.metering.invalidate_size, self.describe
        )

    @property
    def closed(self) -> bool:
        """Whether ``close()`` has run."""
        return self.sqlite.closed

    def check_open(self) -> None:
        """Raise ``RuntimeError`` once the database is closed."""
        self.sqlite.check_open()

    # -- hooks ---------------------------------------------------------------------------

    @property
    def schema_epoch(self) -> int:
        """Bumped whenever a schema-changing statement is prepared (caches key on it)."""
        return self.auth.schema_epoch

    def database_size(self) -> int:
        """Pages in use times the page size, as workerd's ``getDatabaseSize``."""
        return self.sqlite.database_size()

    # -- requests ------------------------------------------------------------------------

    def plan(self, sql: str) -> Plan:
        """Return the cached plan of ``sql``."""
        return self._plans[sql]

    def execute_unit(
        self, sql: str, params: Sequence[Param], *, metered: bool, bookmark: bool = True
    ) -> Outcome:
        """Run one ``prepare()`` text as ``first``/``all``/``raw``/``run`` do; return the
        outcome of its last statement. Raises ``D1Error``.

        ``bookmark=False`` is for tooling's reads, which Miniflare follows with no bookmark
        write (``D1Sqlite``)."""
        plan = self._plans[sql]
        if plan.dropped:
            raise d1_error(NO_SQL_STATEMENTS)
        try:
            if plan.single:
                sqlite = self.sqlite
                lock = self.lock
                lock.acquire()
                try:
                    if not sqlite.closed and not self.adapter_dirty:
                        piece = plan.pieces[0]
                        if piece.read_only and not metered:
                            # The hot path of first()/raw(): one plain read needs no
                            # transaction and no bookkeeping (run_piece, inlined).
                            outcome = self._statements.run(piece, params, True)
                        else:
                            outcome = self._run_lone(plan, params, metered)
                        if bookmark:
                            if sqlite.bookmarked:  # _bookmark(), inlined: the hot path
                                sqlite.bookmarks_pending += 1
                            else:
                                self._bookmark()
                        return outcome
                finally:
                    lock.release()
            return self.request([(sql, params)], metered=metered, bookmark=bookmark)[0][-1]
        except RequestFailed as failure:
            raise failure.error from failure.error.__cause__

    def request(
        self,
        units: Sequence[Unit],
        *,
        metered: bool,
        every_statement: bool = False,
        bookmark: bool = True,
    ) -> list[list[Outcome]]:
        """Run ``units`` atomically and return, per unit, the outcome of its last statement
        (of every statement with ``every_statement``). Miniflare's bookmark write follows
        it if it succeeds, unless ``bookmark=False``.

        Raises ``RequestFailed`` naming the failing unit, with the ``D1Error`` to show.
        """
        with self.lock:
            self.check_open()
            if self.adapter_dirty:
                self._settle_adapter()
            plans = [self._plans[sql] for sql, _ in units]
            wrap = not all(plan.read_only for plan in plans)
            if wrap:
                self.metering.advance()
                self.sqlite.apply_bookmarks()

            def run_all() -> list[list[Outcome]]:
                results: list[list[Outcome]] = []
                for index, (plan, (_, params)) in enumerate(zip(plans, units, strict=True)):
                    try:
                        results.append(self._run_plan(plan, params, metered, every_statement))
                    except D1Error as error:
                        raise RequestFailed(index, self._after_failure(wrap, error)) from error
                return results

            results = self._atomically(wrap, len(units) - 1, run_all)
            if bookmark:
                self._bookmark()
            return results

    def _bookmark(self) -> None:
        # After every request that succeeded, as Miniflare writes its bookmark: run the
        # first write, count the others (D1Sqlite). Pending meta is settled before the
        # first: that request's size excludes the table.
        sqlite = self.sqlite
        if sqlite.bookmarked:
            sqlite.bookmarks_pending += 1
            return
        self.metering.advance()
        sqlite.write_bookmark()
        self.metering.invalidate_size()

    def _run_lone(self, plan: Plan, params: Sequence[Param], metered: bool) -> Outcome:
        # request() for one metered query or DML statement, without the generality.
        piece = plan.pieces[0]
        # A lone DML statement is atomic under SQLite's autocommit, unless the schema lets a
        # failure keep partial changes (or roll back), or has a virtual table that writes at
        # commit: then it needs D1's transaction (catalog.needs_transaction).
        wrap = not piece.read_only and (not plan.autocommit or self.catalog.needs_transaction())
        if not piece.read_only:
            self.metering.advance()
            self.sqlite.apply_bookmarks()
        if not wrap:
            return self._lone(piece, params, metered, False)
        return self._atomically(True, 0, partial(self._lone, piece, params, metered, True))

    def _lone(
        self, piece: PiecePlan, params: Sequence[Param], metered: bool, wrapped: bool
    ) -> Outcome:
        try:
            if metered:
                return self.metering.run_lone(piece, params)
            return self.run_piece(piece, params, True)
        except D1Error as error:
            self.metering.invalidate_size()
            raise RequestFailed(0, self._after_failure(wrapped, error)) from error

    def _atomically(self, wrap: bool, last_index: int, work: Callable[[], _T]) -> _T:
        """Run ``work`` inside ``BEGIN IMMEDIATE`` ... ``COMMIT`` when ``wrap`` (as Miniflare
        runs each request in ``transactionSync``), rolling back on any failure."""
        if wrap:
            self.sqlite.begin()
        try:
            result = work()
            if wrap:
                self._commit(last_index)
            return result
        except BaseException:
            self._fail(wrap)
            raise

    def _fail(self, wrap: bool) -> None:
        if wrap:
            self.sqlite.rollback()
        self.metering.invalidate_size()

    def _after_failure(self, wrapped: bool, error: D1Error) -> D1Error:
        """The error to report for ``error``: D1's reset when SQLite rolled the request's
        transaction back itself (``OR ROLLBACK``, ``RAISE(ROLLBACK)``)."""
        if wrapped and not self.conn.in_transaction:
            return self._reset()
        return error

    def _reset(self) -> D1Error:
        # The Durable Object behind D1 fails with an internal error and resets: the
        # request's changes are gone, and the connection's counters with them.
        self.sqlite.rollback()
        self.sqlite.fresh_counters()
        return internal_error()

    def _commit(self, index: int) -> None:
        try:
            self.sqlite.commit()
        except apsw.ConstraintError as exc:
            # A deferred constraint still violated at the end of the request: the Durable
            # Object resets to its last good state (and a fresh connection's counters).
            self.sqlite.rollback()
            self.sqlite.fresh_counters()
            error = D1Error(CONSTRAINT_RESET.format(sqlite_error_text(exc)))
            raise RequestFailed(index, error) from exc

    def _run_plan(
        self, plan: Plan, params: Sequence[Param], metered: bool, every_statement: bool
    ) -> list[Outcome]:
        if plan.too_long:
            text = format_sqlite_error(
                STATEMENT_TOO_LONG, -1, apsw.SQLITE_TOOBIG, apsw.SQLITE_TOOBIG
            )
            raise d1_error(text)
        pieces = plan.pieces
        last = len(pieces) - 1
        metering = self.metering
        if not metered:
            outcomes = [
                self._run_earlier(piece)
                if i != last and not every_statement
                else self.run_piece(piece, params if i == last else (), i == last)
                for i, piece in enumerate(pieces)
            ]
            return outcomes if every_statement else outcomes[-1:]
        if every_statement:
            results: list[Outcome] = []
            for position, piece in enumerate(pieces):
                is_last = position == last
                counters = metering.begin()
                results.append(metering.run(piece, params if is_last else (), is_last, counters))
            return results
        # One meta for the whole text: changes of every statement, rows_* of the last.
        counters = metering.begin()
        for piece in pieces[:-1]:
            self._run_earlier(piece)
        return [metering.run(pieces[-1], params, True, counters)]

    def _run_earlier(self, piece: PiecePlan) -> Outcome:
        # A statement before the last of a prepare() text runs to its first row only: one
        # that wrote and returned rows is still in progress when workerd commits, and the
        # Durable Object fails and resets.
        # Whether it writes is SQLite's verdict: a PRAGMA or a WITH ... SELECT only reads.
        outcome = self.run_piece(piece, (), False)
        if outcome.rows and self._statements.earlier_writes:
            raise self._reset()
        return outcome

    def run_piece(self, piece: PiecePlan, params: Sequence[Param], is_last: bool) -> Outcome:
        """Run one statement and return its rows. Raises ``D1Error``."""
        return self._statements.run(piece, params, is_last)

    # -- the adapter, description, lifecycle ----------------------------------------------

    @contextmanager
    def adapter_scope(self) -> Iterator[apsw.Connection]:
        """Lend the connection to the sqlite-utils adapter: trusted, limits lifted."""
        with self.lock:
            self.check_open()
            self.metering.advance()
            self.sqlite.apply_bookmarks()
            self.adapter_dirty = True
            with self.sqlite.trusted():
                yield self.conn

    def _settle_adapter(self) -> None:
        self.sqlite.settle_adapter()
        self.adapter_dirty = False
        self.metering.invalidate_size()

    def describe(self, sql: str, params: Sequence[Param]) -> tuple[str, ...]:
        """Return the column names of ``sql`` without running it (``()`` if it has none)."""
        with self.lock:
            self.check_open()
            names: list[str] = []

            def capture(cursor: apsw.Cursor, statement: str, bindings: object) -> bool:
                names.extend(column[0] for column in cursor.get_description())
                return False  # stop before it runs

            cursor = self.conn.cursor()
            cursor.exec_trace = capture
            try:
                cursor.execute(sql, params)
            except (apsw.ExecTraceAbort, apsw.Error):
                pass
            finally:
                cursor.close()
            return tuple(names)

    def database_bytes(self) -> bytes:
        """Return the database file's bytes (``sqlite3_serialize``), rollback-journal mode."""
        with self.lock:
            self.check_open()
            if self.adapter_dirty:
                self._settle_adapter()
            return self.sqlite.serialize()

    def reset(self) -> None:
        """Empty the database in place; the connection (and adapters on it) stay valid."""
        self._replace_contents(self.sqlite.reset)

    def restore(self, image: bytes) -> None:
        """Replace the database with ``image`` in place (see ``D1Sqlite.restore``)."""
        self._replace_contents(partial(self.sqlite.restore, image))

    def _replace_contents(self, replace: Callable[[], None]) -> None:
        with self.lock:
            self.check_open()
            self.metering.advance()
            replace()
            self.metering.invalidate_size()
            self.adapter_dirty = False

    def close(self) -> None:
        """Settle pending ``meta``, then close the connection (see ``D1Sqlite.close``)."""
        with self.lock:
            if not self.closed:
                self.metering.advance()
                self.sqlite.close()
