"""The SQLite connection behind one D1 database, configured as workerd configures its own.

One apsw connection per database: ``:memory:`` or a plain SQLite file (WAL while open,
checkpointed and switched back to a rollback journal on close, so the file alone is the
whole database). The engine is SQLite 3.47.0 built as workerd builds it
(``emulator._apsw``, ``native/engine_build.py``), set up as ``SqliteDatabase::setupSecurity``
does - defensive mode, workerd's limits, the authorizer - with foreign keys on, recursive
triggers off, the runtime's ``_cf_METADATA`` table (created as Miniflare creates it,
after the first request: ``write_bookmark``), and a VFS that answers "now"
from the emulator's clock (``clockvfs``).

Miniflare upserts its bookmark row after *every* request that succeeded, on the same
connection: SQL's ``changes()`` starts the next request at 1 and ``total_changes()`` grows by
one per request (``meta`` never counts it: it measures each statement alone). Only the first
write runs here. Later ones are counted: each request adds one to ``bookmarks_pending`` (a
Python integer: the hot path stays free), and before anything that may write runs,
``apply_bookmarks`` sets the engine's change counters as the last write would have left them
(a ``Connection.status`` verb, ``native/source_patches.py``). Until then D1 statements see the
pending writes through ``changes()`` and ``total_changes()``, which the connection overrides.

Statements the emulator issues itself (transaction control, sizes, schema
look-ups) and those of the sqlite-utils adapter run *trusted*: no authorizer, no limits.
Their SQL never enters the statement cache under a text a D1 statement could share:
internal statements carry a random per-database comment, and everything else trusted runs
uncached. (The authorizer only runs when SQLite prepares, so a cached statement keeps the
verdict it was prepared under.)
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from emulator import _apsw as apsw
from emulator.clock import Clock
from emulator.d1.authorizer import Authorizer
from emulator.d1.clockvfs import ClockVFS
from emulator.d1.constants import CF_METADATA_SQL, D1_LIMITS
from emulator.sqlite_image import check_image

__all__ = ["D1Sqlite"]

#: Miniflare's local development bookmark (``SqliteMetadata``, key 2), written after every
#: request: the first one creates ``_cf_METADATA`` and leaves ``last_insert_rowid()`` at 2.
_BOOKMARK: Final = (
    "INSERT INTO _cf_METADATA VALUES (2, 0) ON CONFLICT DO UPDATE SET value = excluded.value"
)
#: ``Connection.status`` verb of the engine's D1 row counters (``native/source_patches.py``):
#: rows read as the current value, rows written as the high-water mark.
_ROW_COUNTS: Final = 1024
#: ``Connection.status`` verbs of the engine's change counters (``native/source_patches.py``):
#: count one bookmark write (``changes()`` 1, ``total_changes()`` one more), or zero both.
_BOOKMARK_WRITTEN: Final = 1025
_FRESH_CHANGES: Final = 1026
#: Connection state D1 guarantees, put back after the sqlite-utils adapter ran.
_STATE_PRAGMAS: Final = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA recursive_triggers = OFF",
    "PRAGMA defer_foreign_keys = OFF",
)


class D1Sqlite:
    """Own one configured apsw connection (hold ``lock`` while using it)."""

    def __init__(self, clock: Clock, path: Path | None) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.closed = False
        self.bookmarked = False
        #: Bookmark writes of requests that ended since ``apply_bookmarks`` last ran.
        self.bookmarks_pending = 0
        # Bookmark writes that total_changes() adds: the engine counted one per application.
        self._bookmarks_uncounted = 0
        self.auth = Authorizer()
        self._vfs = ClockVFS(clock)
        nonce = secrets.token_hex(8)
        self._begin = f"BEGIN IMMEDIATE /* {nonce} */"
        self._commit = f"COMMIT /* {nonce} */"
        self._rollback = f"ROLLBACK /* {nonce} */"
        self._size = (
            "SELECT (SELECT page_count FROM pragma_page_count) - "
            f"(SELECT freelist_count FROM pragma_freelist_count) /* {nonce} */"
        )
        self._limits_lifted = False
        try:
            self.conn = self._open()
        except BaseException:
            self._vfs.close()
            raise
        self.cursor = self.conn.cursor()
        self._internal_cursor = self.conn.cursor()
        self._page_size = int(self.trusted_query("PRAGMA page_size")[0][0])

    def _open(self) -> apsw.Connection:
        flags = apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
        name = ":memory:" if self.path is None else str(self.path)
        conn = apsw.Connection(name, flags=flags, vfs=self._vfs.vfs_name, statementcachesize=256)
        conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 1)
        self._engine_limits = {limit: conn.limit(limit) for limit in D1_LIMITS}
        for limit, value in D1_LIMITS.items():
            conn.limit(limit, value)
        conn.authorizer = self.auth
        self._override_change_functions(conn)
        self.conn = conn
        self.prepare_database()
        return conn

    def _override_change_functions(self, conn: apsw.Connection) -> None:
        # What changes() and total_changes() answer a D1 statement, pending bookmark writes
        # included (trusted statements see the engine's own counts). Volatile and innocuous,
        # as the built-in functions are: CHECK constraints and indexes still refuse them.
        auth = self.auth

        def changes(*_: apsw.SQLiteValue) -> int:  # (registered with no arguments)
            if self.bookmarks_pending and not auth.trusted:
                return 1
            return conn.changes()

        def total_changes(*_: apsw.SQLiteValue) -> int:
            total = conn.total_changes()
            if auth.trusted:
                return total
            return total + self._bookmarks_uncounted + self.bookmarks_pending

        flags = apsw.SQLITE_INNOCUOUS
        conn.create_scalar_function("changes", changes, 0, flags=flags)
        conn.create_scalar_function("total_changes", total_changes, 0, flags=flags)

    def prepare_database(self) -> None:
        """Set the journal mode and D1's connection state."""
        conn = self.conn
        with self.trusted():
            if self.path is not None:
                conn.execute("PRAGMA journal_mode = WAL", can_cache=False)
                conn.execute("PRAGMA synchronous = NORMAL", can_cache=False)
            self._apply_state()
            self.bookmarked = bool(
                conn.execute(
                    "SELECT 1 FROM sqlite_schema WHERE name = '_cf_METADATA'", can_cache=False
                ).fetchall()
            )
        self.fresh_counters()

    def fresh_counters(self) -> None:
        """Give the connection the counters of a Durable Object that just started (or was
        reset): ``changes()``, ``total_changes()`` and ``last_insert_rowid()`` all 0."""
        self.conn.status(_FRESH_CHANGES)
        self.conn.set_last_insert_rowid(0)
        self.bookmarks_pending = 0
        self._bookmarks_uncounted = 0

    def apply_bookmarks(self) -> None:
        """Count the pending bookmark writes in the engine's change counters, as they stand
        after the last of them: call before a statement that may change those counters."""
        pending = self.bookmarks_pending
        if pending:
            self.conn.status(_BOOKMARK_WRITTEN)
            self._bookmarks_uncounted += pending - 1
            self.bookmarks_pending = 0

    def write_bookmark(self) -> None:
        """After the first request that succeeded: what Miniflare's first bookmark write
        leaves (``_cf_METADATA`` with one row, ``changes()`` 1, ``last_insert_rowid()`` 2).
        Later ones are counted, not run (``bookmarks_pending``)."""
        if self.bookmarked or not self.conn.get_autocommit():
            return
        with self.trusted():
            self.conn.execute(CF_METADATA_SQL, can_cache=False)
            self.conn.execute(_BOOKMARK, can_cache=False)
        self.bookmarked = True

    def _apply_state(self) -> None:
        for pragma in _STATE_PRAGMAS:
            self.conn.execute(pragma, can_cache=False)

    def check_open(self) -> None:
        """Raise ``RuntimeError`` once the database is closed."""
        if self.closed:
            raise RuntimeError("this D1 database is closed")

    # -- trusted work ----------------------------------------------------------------------

    @contextmanager
    def trusted(self) -> Iterator[apsw.Connection]:
        """Run a block without D1's authorizer and limits."""
        auth = self.auth
        was_trusted = auth.trusted
        lifted_here = not self._limits_lifted
        auth.trusted = True
        if lifted_here:
            for limit, value in self._engine_limits.items():
                self.conn.limit(limit, value)
            self._limits_lifted = True
        try:
            yield self.conn
        finally:
            if lifted_here:
                for limit, value in D1_LIMITS.items():
                    self.conn.limit(limit, value)
                self._limits_lifted = False
            auth.trusted = was_trusted

    def trusted_query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Run ``sql`` trusted and uncached; return every row."""
        with self.trusted():
            return list(self.conn.execute(sql, params, can_cache=False))

    def _internal(self, sql: str) -> list[tuple[Any, ...]]:
        # The emulator's own cached statements: trusted, limits unchanged (for speed).
        auth = self.auth
        was_trusted = auth.trusted
        auth.trusted = True
        try:
            return self._internal_cursor.execute(sql).fetchall()
        finally:
            auth.trusted = was_trusted

    def begin(self) -> None:
        """Open the request's transaction (``BEGIN IMMEDIATE``)."""
        self._internal(self._begin)

    def commit(self) -> None:
        """Commit the request's transaction (raises ``apsw.ConstraintError`` for a deferred
        constraint still violated)."""
        self._internal(self._commit)

    def rollback(self) -> None:
        """Roll the open transaction back, if SQLite has not already."""
        if self.conn.in_transaction:
            self._internal(self._rollback)

    def database_size(self) -> int:
        """Pages in use times the page size, as workerd's ``getDatabaseSize`` (at least the
        header page, which a new database has on D1 before anything is written)."""
        pages = self._internal(self._size)[0][0]
        return max(int(pages), 1) * self._page_size

    def settle_adapter(self) -> None:
        """Commit what the sqlite-utils adapter left open and put D1's state back: a second
        connection would only ever have seen committed data."""
        with self.trusted():
            if self.conn.in_transaction:
                self.conn.execute("COMMIT", can_cache=False)
            self._apply_state()

    def row_counts(self) -> tuple[int, int]:
        """Rows read and written, as D1 counts them, by the last statement run (the engine
        zeroes them whenever a statement starts)."""
        return self.conn.status(_ROW_COUNTS)

    # -- whole-database operations -------------------------------------------------------

    def serialize(self) -> bytes:
        """Return the database file's bytes, with a rollback-journal header."""
        with self.trusted():  # sqlite3_serialize runs "PRAGMA page_count" itself
            data = self.conn.serialize("main") or b""
        if data[18:20] == b"\x02\x02":  # WAL-mode header: present it as a plain file
            data = data[:18] + b"\x01\x01" + data[20:]
        return data

    def reset(self) -> None:
        """Empty the database in place (``SQLITE_DBCONFIG_RESET_DATABASE`` + ``VACUUM``);
        the connection, and the adapters on it, stay valid."""
        conn = self.conn
        with self.trusted():
            if conn.in_transaction:
                conn.execute("ROLLBACK", can_cache=False)
            conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 0)
            conn.config(apsw.SQLITE_DBCONFIG_RESET_DATABASE, 1)
            try:
                conn.execute("VACUUM", can_cache=False)
            finally:
                conn.config(apsw.SQLITE_DBCONFIG_RESET_DATABASE, 0)
                conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 1)
        self.prepare_database()
        self.auth.schema_epoch += 1

    def restore(self, image: bytes) -> None:
        """Replace the database with ``image`` (bytes from ``serialize``), in place
        (``sqlite3_deserialize``); the connection, and the adapters on it, stay valid.

        Only an in-memory database can be restored: the copy lives in memory.
        """
        data = check_image(image, "D1 database")
        if self.path is not None:
            raise ValueError("only an in-memory D1 database can be restored from an image")
        conn = self.conn
        with self.trusted():
            if conn.in_transaction:
                conn.execute("ROLLBACK", can_cache=False)
            # The connection's VFS (the clock) stays: SQLite asks it, not the file, for "now".
            conn.deserialize("main", data)
        self.prepare_database()
        self.auth.schema_epoch += 1

    def close(self) -> None:
        """Commit what the adapter left open, checkpoint a file database into its one file
        (and back to a rollback journal), close, and unregister the clock VFS."""
        if self.closed:
            return
        self.closed = True
        try:
            with self.trusted():
                if self.conn.in_transaction:
                    self.conn.execute("COMMIT", can_cache=False)
                if self.path is not None:
                    self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)", can_cache=False)
                    self.conn.execute("PRAGMA journal_mode = DELETE", can_cache=False)
        finally:
            self.cursor.close()
            self._internal_cursor.close()
            self.conn.close(force=True)
            self._vfs.close()
