"""Apply a wrangler-style ``migrations/`` folder, as ``wrangler d1 migrations apply`` does.

Mirrors ``packages/wrangler/src/d1/migrations`` (workers-sdk):

- migrations are the ``*.sql`` files directly in the folder (dot files excluded), ordered
  by the integer before the first ``_`` of each name (``1_a.sql`` < ``9_b.sql`` <
  ``10_c.sql``; numbered before unnumbered; ties by name) - ``compareMigrationPaths``;
- applied ones are recorded in ``d1_migrations`` (``id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL``) and skipped;
- each file runs with its own ``INSERT INTO d1_migrations (name)`` appended, through the D1
  binding, as one atomic batch: D1's restrictions apply, and a failure leaves the database
  as it was before that file;
- like wrangler's ``trimSqlQuery``, one ``BEGIN TRANSACTION;`` / ``COMMIT;`` pair (an
  ``sqlite3 .dump``) is removed; a file with more transactions is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Final, Protocol

from emulator.d1.binding import Param
from emulator.d1.constants import (
    DEFAULT_MIGRATIONS_TABLE,
    MIGRATIONS_MULTIPLE_TRANSACTIONS,
    MIGRATIONS_TABLE_SQL,
)
from emulator.d1.outcome import Outcome, RequestFailed
from emulator.d1.schema import quote_identifier
from emulator.d1.splitting import has_statement, split_statements

__all__ = ["MigrationRunner", "apply_migrations", "migration_names"]


class MigrationRunner(Protocol):
    """What applying migrations needs (the database's engine is one): atomic requests."""

    def request(
        self, units: Sequence[tuple[str, Sequence[Param]]], *, metered: bool
    ) -> list[list[Outcome]]:
        """Run ``units`` atomically (raises ``RequestFailed``)."""


__all__ = ["apply_migrations", "migration_names", "migration_statements"]

_LEADING_NUMBER: Final = re.compile(r"[+-]?\d+")


def _leading_number(name: str) -> int | None:
    match = _LEADING_NUMBER.match(name.split("_")[0].strip())
    return int(match.group()) if match else None


def _sort_key(name: str) -> tuple[int, int, str]:
    number = _leading_number(name)
    return (0, number, name) if number is not None else (1, 0, name)


def migration_names(folder: Path) -> list[str]:
    """Return the migration files of ``folder`` in wrangler's order.

    Raises ``FileNotFoundError`` if the folder does not exist.
    """
    if not folder.is_dir():
        raise FileNotFoundError(f"No migrations present at {folder}.")
    names = [
        entry.name
        for entry in folder.iterdir()
        if entry.is_file() and entry.name.endswith(".sql") and not entry.name.startswith(".")
    ]
    return sorted(names, key=_sort_key)


def _trim_transaction(sql: str) -> str:
    if "BEGIN TRANSACTION" not in sql:
        return sql
    trimmed = sql.replace("BEGIN TRANSACTION;", "", 1).replace("COMMIT;", "", 1)
    if "BEGIN TRANSACTION" in trimmed:
        raise ValueError(MIGRATIONS_MULTIPLE_TRANSACTIONS)
    return trimmed


def apply_migrations(
    runner: MigrationRunner, folder: Path, *, table: str | None = None
) -> list[str]:
    """Apply the migrations of ``folder`` not yet recorded; return their names in order.

    ``table`` overrides the tracking table (wrangler's ``migrations_table``). Raises
    ``FileNotFoundError`` for a missing folder, ``ValueError`` for a file with several
    transactions, and the ``D1Error`` of a failing migration (earlier ones stay applied;
    the failing one is rolled back entirely).
    """
    names = migration_names(folder)
    quoted = quote_identifier(table or DEFAULT_MIGRATIONS_TABLE)
    _run(runner, [MIGRATIONS_TABLE_SQL.format(quoted)])
    applied = {str(row[0]) for row in _run(runner, [f"SELECT name FROM {quoted}"])[-1][-1].rows}
    done: list[str] = []
    for name in names:
        if name in applied:
            continue
        statements = migration_statements(folder, name, quoted)
        try:
            _run(runner, statements)
        except Exception as error:
            error.add_note(f"while applying migration {name}")
            raise
        done.append(name)
    return done


def migration_statements(folder: Path, name: str, quoted_table: str) -> list[str]:
    """The statements that apply migration ``name``, its record in the table last.

    Run them as one atomic batch. Raises ``ValueError`` for a file with several
    transactions.
    """
    sql = _trim_transaction((folder / name).read_text("utf-8"))
    statements = [piece for piece in split_statements(sql) if has_statement(piece)]
    escaped = name.replace("'", "''")
    statements.append(f"INSERT INTO {quoted_table} (name)\nvalues ('{escaped}');")
    return statements


def _run(runner: MigrationRunner, statements: list[str]) -> list[list[Outcome]]:
    try:
        return runner.request([(sql, ()) for sql in statements], metered=False)
    except RequestFailed as failure:
        raise failure.error from failure.error.__cause__
