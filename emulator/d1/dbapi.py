"""A ``sqlite3``-style (DB-API 2.0) connection over a D1 database's apsw connection.

sqlite-utils drives a ``sqlite3.Connection``; this adapter gives it one that shares the
emulator's connection, so seeding and inspecting see exactly what the D1 binding sees, with
the same clock. It follows the standard library's *legacy* transaction control (Python
3.11's default): an implicit ``BEGIN`` before ``INSERT``/``UPDATE``/``DELETE``/``REPLACE``,
``commit()``/``rollback()``, ``with connection:`` committing or rolling back,
``executescript()`` committing first, and ``isolation_level = None`` for autocommit.

Every call runs *trusted* - D1's authorizer and limits do not apply to the test author's
tool - and without the statement cache, so nothing prepared here can be reused on the D1
path. Rows are fetched when a statement runs. Errors are the standard library's
``sqlite3`` exception classes with SQLite's messages (sqlite-utils catches
``sqlite3.OperationalError`` and ``sqlite3.IntegrityError``). ``close()`` does nothing: the
D1 database owns the connection.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Final

from emulator import _apsw as apsw
from emulator.d1.engine import Engine
from emulator.d1.splitting import first_keyword, has_statement, split_statements

__all__ = ["Connection", "Cursor"]

Parameters = Sequence[Any] | Mapping[str, Any]
Description = tuple[tuple[str, None, None, None, None, None, None], ...]

_DML: Final = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})
_BINDINGS_COUNT: Final = re.compile(r"uses (\d+) and there are (\d+) supplied")
# CPython's ``_pysqlite_seterror``: primary result code -> exception class.
_EXCEPTIONS: Final[dict[int, type[sqlite3.Error]]] = {
    apsw.SQLITE_INTERNAL: sqlite3.InternalError,
    apsw.SQLITE_NOTFOUND: sqlite3.InternalError,
    apsw.SQLITE_CORRUPT: sqlite3.DatabaseError,
    apsw.SQLITE_TOOBIG: sqlite3.DataError,
    apsw.SQLITE_CONSTRAINT: sqlite3.IntegrityError,
    apsw.SQLITE_MISMATCH: sqlite3.IntegrityError,
    apsw.SQLITE_MISUSE: sqlite3.InterfaceError,
    apsw.SQLITE_RANGE: sqlite3.InterfaceError,
}
_OPERATIONAL: Final = frozenset(
    {
        apsw.SQLITE_ERROR, apsw.SQLITE_PERM, apsw.SQLITE_ABORT, apsw.SQLITE_BUSY,
        apsw.SQLITE_LOCKED, apsw.SQLITE_READONLY, apsw.SQLITE_INTERRUPT, apsw.SQLITE_IOERR,
        apsw.SQLITE_FULL, apsw.SQLITE_CANTOPEN, apsw.SQLITE_PROTOCOL, apsw.SQLITE_EMPTY,
        apsw.SQLITE_SCHEMA,
    }
)  # fmt: skip


def translate(error: apsw.Error) -> sqlite3.Error:
    """Return the ``sqlite3`` exception the standard library would raise for ``error``."""
    message = str(error.args[0]) if error.args else str(error)
    if isinstance(error, apsw.BindingsError):
        match = _BINDINGS_COUNT.search(message)
        if match:
            message = (
                f"Incorrect number of bindings supplied. The current statement uses "
                f"{match.group(1)}, and there are {match.group(2)} supplied."
            )
        return sqlite3.ProgrammingError(message)
    primary = int(getattr(error, "result", apsw.SQLITE_ERROR))
    extended = int(getattr(error, "extendedresult", primary))
    kind = _EXCEPTIONS.get(primary)
    if kind is None:
        kind = sqlite3.OperationalError if primary in _OPERATIONAL else sqlite3.DatabaseError
    translated = kind(message)
    translated.sqlite_errorcode = extended
    translated.sqlite_errorname = str(
        apsw.mapping_extended_result_codes.get(
            extended, apsw.mapping_result_codes.get(primary, "SQLITE_ERROR")
        )
    )
    return translated


class Cursor:
    """A ``sqlite3.Cursor`` look-alike: ``execute``, ``fetchone``, ``description``, ..."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.description: Description | None = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1
        self.row_factory: Callable[[Cursor, tuple[Any, ...]], Any] | None = connection.row_factory
        self._rows: list[tuple[Any, ...]] = []
        self._position = 0

    def _run(self, sql: str, parameters: Parameters | None) -> int:
        """Run one statement under the adapter; return the rows it changed (DML) or -1."""
        connection = self.connection
        keyword = first_keyword(sql)
        with connection.engine.adapter_scope() as conn:
            if (
                keyword in _DML
                and connection.isolation_level is not None
                and not conn.in_transaction
            ):
                _apsw_call(conn.execute, f"BEGIN {connection.isolation_level}", can_cache=False)
            described: list[Description | None] = [None]

            def capture(cursor: apsw.Cursor, statement: str, bindings: object) -> bool:
                names = cursor.get_description()
                described[0] = tuple((n[0], None, None, None, None, None, None) for n in names)
                return True

            cursor = conn.cursor()
            cursor.exec_trace = capture
            try:
                rows = _apsw_call(
                    lambda: cursor.execute(sql, parameters, can_cache=False).fetchall()
                )
            finally:
                cursor.close()
            self._rows.extend(rows)
            self.description = described[0] or None
            self.lastrowid = conn.last_insert_rowid()
            return conn.changes() if keyword in _DML else -1

    def execute(self, sql: str, parameters: Parameters = ()) -> Cursor:
        """Run one statement (``sqlite3.ProgrammingError`` if ``sql`` holds several)."""
        pieces = [piece for piece in split_statements(sql) if has_statement(piece)]
        if len(pieces) > 1:
            raise sqlite3.ProgrammingError("You can only execute one statement at a time.")
        self._reset()
        self.rowcount = self._run(sql, parameters)
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Parameters]) -> Cursor:
        """Run one statement once per parameter set; ``rowcount`` sums the changes."""
        self._reset()
        total = 0
        for parameters in seq_of_parameters:
            changed = self._run(sql, parameters)
            total = -1 if changed < 0 else total + changed
        self.rowcount = total
        return self

    def executescript(self, sql_script: str) -> Cursor:
        """Commit any open transaction, then run every statement of ``sql_script``."""
        self.connection.commit()
        self._reset()
        for piece in split_statements(sql_script):
            if has_statement(piece):
                with self.connection.engine.adapter_scope() as conn:
                    _apsw_call(lambda piece=piece: conn.execute(piece, can_cache=False).fetchall())
        return self

    def _reset(self) -> None:
        self._rows = []
        self._position = 0
        self.description = None
        self.rowcount = -1

    def _row(self, row: tuple[Any, ...]) -> Any:
        return self.row_factory(self, row) if self.row_factory is not None else row

    def fetchone(self) -> Any:
        """Return the next row, or ``None``."""
        if self._position >= len(self._rows):
            return None
        row = self._rows[self._position]
        self._position += 1
        return self._row(row)

    def fetchmany(self, size: int | None = None) -> list[Any]:
        """Return up to ``size`` (default ``arraysize``) more rows."""
        count = self.arraysize if size is None else size
        rows = self._rows[self._position : self._position + count]
        self._position += len(rows)
        return [self._row(row) for row in rows]

    def fetchall(self) -> list[Any]:
        """Return every remaining row."""
        rows = self._rows[self._position :]
        self._position = len(self._rows)
        return [self._row(row) for row in rows]

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        if self._position >= len(self._rows):
            raise StopIteration
        return self.fetchone()

    def close(self) -> None:
        """Forget the remaining rows."""
        self._reset()

    def setinputsizes(self, sizes: object) -> None:
        """Accepted and ignored, as by ``sqlite3``."""

    def setoutputsize(self, size: object, column: object = None) -> None:
        """Accepted and ignored, as by ``sqlite3``."""


def _apsw_call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except apsw.Error as error:
        raise translate(error) from error


class Connection:
    """A ``sqlite3.Connection`` look-alike over a D1 database's connection."""

    Error = sqlite3.Error
    IntegrityError = sqlite3.IntegrityError
    OperationalError = sqlite3.OperationalError
    ProgrammingError = sqlite3.ProgrammingError

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._isolation_level: str | None = ""
        self.row_factory: Callable[[Cursor, tuple[Any, ...]], Any] | None = None

    @property
    def isolation_level(self) -> str | None:
        """``""``/``"DEFERRED"``/``"IMMEDIATE"``/``"EXCLUSIVE"``, or ``None`` for autocommit."""
        return self._isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        if value is not None and value.upper() not in ("", "DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
            raise ValueError(f"invalid value for isolation_level: {value!r}")
        if value is None:
            self.commit()  # as sqlite3: switching to autocommit commits
        self._isolation_level = value

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on the shared connection."""
        with self.engine.lock:
            return bool(self.engine.conn.in_transaction)

    @property
    def total_changes(self) -> int:
        """Rows changed since the connection opened (D1 calls included)."""
        with self.engine.lock:
            return int(self.engine.conn.total_changes())

    def cursor(self) -> Cursor:
        """Return a new cursor."""
        return Cursor(self)

    def execute(self, sql: str, parameters: Parameters = ()) -> Cursor:
        """Create a cursor and run one statement on it."""
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Iterable[Parameters]) -> Cursor:
        """Create a cursor and run ``executemany`` on it."""
        return self.cursor().executemany(sql, seq_of_parameters)

    def executescript(self, sql_script: str) -> Cursor:
        """Create a cursor and run ``executescript`` on it."""
        return self.cursor().executescript(sql_script)

    def _end(self, verb: str) -> None:
        with self.engine.adapter_scope() as conn:
            if conn.in_transaction:
                _apsw_call(conn.execute, verb, can_cache=False)

    def commit(self) -> None:
        """Commit the open transaction, if any."""
        self._end("COMMIT")

    def rollback(self) -> None:
        """Roll back the open transaction, if any."""
        self._end("ROLLBACK")

    def close(self) -> None:
        """Do nothing: the connection belongs to the D1 database (close that instead)."""

    def create_function(
        self, name: str, narg: int, func: Callable[..., Any] | None, *, deterministic: bool = False
    ) -> None:
        """Register (or with ``None``, remove) an SQL function on the shared connection.

        D1's authorizer still refuses it on the D1 path, as D1 has no user functions.
        """
        with self.engine.adapter_scope() as conn:
            conn.create_scalar_function(name, func, narg, deterministic=deterministic)

    def create_aggregate(self, name: str, n_arg: int, aggregate_class: Any) -> None:
        """Register an aggregate from a class with ``step(*args)`` and ``finalize()``."""

        def factory() -> tuple[Any, Callable[..., None], Callable[[Any], Any]]:
            instance = aggregate_class()
            return instance, lambda context, *args: context.step(*args), _finalize

        with self.engine.adapter_scope() as conn:
            conn.create_aggregate_function(name, factory, n_arg)

    def create_collation(self, name: str, callable_: Callable[[str, str], int] | None) -> None:
        """Register (or with ``None``, remove) a collation on the shared connection."""
        with self.engine.adapter_scope() as conn:
            conn.create_collation(name, callable_)

    def __enter__(self) -> Connection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.rollback()


def _finalize(context: Any) -> Any:
    return context.finalize()
