"""Schema facts the engine plans requests with, cached per schema.

The catalog reads ``sqlite_schema`` through a trusted query function and forgets what it
knows whenever the schema epoch (bumped by the authorizer when a schema statement is
prepared) moves on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["SchemaCatalog", "quote_identifier"]

Query = Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]


def quote_identifier(name: str) -> str:
    """Quote ``name`` as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


class SchemaCatalog:
    """Answer the engine's questions about the live schema."""

    def __init__(self, query: Query, epoch: Callable[[], int]) -> None:
        self._query = query
        self._epoch = epoch
        self._seen_epoch = -1
        self._needs_transaction: bool | None = None
        self._row_keys: dict[str, str] = {}

    def _fresh(self) -> None:
        epoch = self._epoch()
        if epoch != self._seen_epoch:
            self._seen_epoch = epoch
            self._needs_transaction = None
            self._row_keys.clear()

    def needs_transaction(self) -> bool:
        """Whether a lone DML statement needs D1's explicit transaction here, because one
        could fail yet keep some of its changes (a trigger with ``RAISE(FAIL)``, or a deferred
        foreign key, checked only when the request ends), fail by rolling the transaction back
        (``RAISE(ROLLBACK)``, ``ON CONFLICT ROLLBACK``, which D1 reports as a reset and the
        engine sees only inside its own transaction), or write when the transaction commits
        (an FTS5 table flushes its pending terms then: D1 takes ``meta.changes`` before the
        commit, so under autocommit those writes would be counted too)."""
        self._fresh()
        if self._needs_transaction is None:
            self._needs_transaction = bool(
                self._query(
                    "SELECT 1 FROM sqlite_schema WHERE (type = 'trigger' AND (sql LIKE '%FAIL%' "
                    "OR sql LIKE '%ROLLBACK%')) OR (type = 'table' AND (sql LIKE '%DEFERRED%' "
                    "OR sql LIKE '%ROLLBACK%' OR sql LIKE 'CREATE VIRTUAL TABLE%')) LIMIT 1",
                    (),
                )
            )
        return self._needs_transaction

    def row_key(self, table: str) -> str:
        """How SQLite names one row of ``table`` in ``... WHERE <key> IN (SELECT <key> ...)``:
        ``rowid``, or for a ``WITHOUT ROWID`` table its primary key (``"k"``, ``"(a, b)"``)."""
        self._fresh()
        key = self._row_keys.get(table)
        if key is None:
            columns = [
                quote_identifier(name)
                for (name,) in self._query(
                    "SELECT p.name FROM pragma_table_list AS l, pragma_table_info(l.name) AS p "
                    "WHERE l.schema = 'main' AND l.name = ?1 COLLATE NOCASE AND l.wr "
                    "AND p.pk > 0 ORDER BY p.pk",
                    (table,),
                )
            ]
            if not columns:
                key = "rowid"
            elif len(columns) == 1:
                key = columns[0]
            else:
                key = "(" + ", ".join(columns) + ")"
            self._row_keys[table] = key
        return key
