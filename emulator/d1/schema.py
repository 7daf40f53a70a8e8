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

    def _fresh(self) -> None:
        epoch = self._epoch()
        if epoch != self._seen_epoch:
            self._seen_epoch = epoch
            self._needs_transaction = None

    def needs_transaction(self) -> bool:
        """Whether a lone DML statement needs D1's explicit transaction, SQLite's autocommit
        not being the same here: a statement could fail yet keep some of its changes (a
        trigger with ``RAISE(FAIL)``, or a deferred foreign key, checked only when the
        request ends), fail by rolling the transaction back (``RAISE(ROLLBACK)``, ``ON
        CONFLICT ROLLBACK``), which D1 reports as a reset and the engine sees only inside its
        own transaction; or a virtual table could write at commit (FTS5 flushes its index
        then), which D1 does after taking ``meta.changes``."""
        self._fresh()
        if self._needs_transaction is None:
            self._needs_transaction = bool(
                self._query(
                    "SELECT 1 FROM sqlite_schema WHERE (type = 'trigger' AND (sql LIKE '%FAIL%' "
                    "OR sql LIKE '%ROLLBACK%')) OR (type = 'table' AND (sql LIKE '%DEFERRED%' "
                    "OR sql LIKE '%ROLLBACK%' OR sql LIKE 'CREATE VIRTUAL%')) LIMIT 1",
                    (),
                )
            )
        return self._needs_transaction
