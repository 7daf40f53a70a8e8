"""Schema facts for ``meta.rows_*`` (indexes, ``AUTOINCREMENT``, truncation), cached per schema.

The catalog reads SQLite's own views of the schema (``sqlite_schema`` and the table-valued
pragmas) through a trusted query function and forgets everything whenever the schema
epoch (bumped by the authorizer when a schema statement is prepared) moves on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from emulator.d1.row_counts import SchemaSnapshot
from emulator.d1.splitting import tokens

__all__ = ["SchemaCatalog", "quote_identifier"]

Query = Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]


def quote_identifier(name: str) -> str:
    """Quote ``name`` as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


class SchemaCatalog:
    """Answer ``row_counts.SchemaInfo`` questions from the live schema."""

    def __init__(self, query: Query, epoch: Callable[[], int]) -> None:
        self._query = query
        self._epoch = epoch
        self._seen_epoch = -1
        self._indexes: dict[str, tuple[frozenset[str] | None, ...]] = {}
        self._autoincrement: dict[str, bool] = {}
        self._truncatable: dict[str, bool] = {}
        self._roots: dict[int, str] | None = None
        self._partial_failures: bool | None = None

    def _fresh(self) -> None:
        epoch = self._epoch()
        if epoch != self._seen_epoch:
            self._seen_epoch = epoch
            self._indexes.clear()
            self._autoincrement.clear()
            self._truncatable.clear()
            self._roots = None
            self._partial_failures = None

    def secondary_indexes(self, table: str) -> Sequence[frozenset[str] | None]:
        """Column sets of the b-trees written besides the table's own (``None``: an
        expression index, rewritten by every update)."""
        self._fresh()
        cached = self._indexes.get(table)
        if cached is not None:
            return cached
        listed = self._query("SELECT wr FROM pragma_table_list WHERE name = ?", (table,))
        without_rowid = bool(listed and listed[0][0])
        found: list[frozenset[str] | None] = []
        for name, origin in self._query("SELECT name, origin FROM pragma_index_list(?)", (table,)):
            if without_rowid and origin == "pk":
                continue  # the table itself
            columns = self._query("SELECT cid, name FROM pragma_index_info(?)", (name,))
            if any(cid == -2 for cid, _ in columns):
                found.append(None)
            else:
                found.append(frozenset(str(column) for _, column in columns if column))
        result = tuple(found)
        self._indexes[table] = result
        return result

    def autoincrement(self, table: str) -> bool:
        """Whether ``table`` was declared with ``AUTOINCREMENT``."""
        self._fresh()
        cached = self._autoincrement.get(table)
        if cached is None:
            rows = self._query(
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (table,)
            )
            sql = str(rows[0][0]) if rows and rows[0][0] else ""
            cached = any(token.upper == "AUTOINCREMENT" for token in tokens(sql))
            self._autoincrement[table] = cached
        return cached

    def row_count(self, table: str) -> int:
        """Rows in ``table`` now (0 when it does not exist)."""
        try:
            rows = self._query(f"SELECT count(*) FROM {quote_identifier(table)}", ())
        except Exception:
            return 0
        return int(rows[0][0])

    def table_of_root(self, root: int) -> str | None:
        """The table (or the index's table) stored at b-tree page ``root``."""
        self._fresh()
        if self._roots is None:
            self._roots = {
                int(page): str(table)
                for page, table in self._query(
                    "SELECT rootpage, tbl_name FROM sqlite_schema WHERE rootpage > 0", ()
                )
            }
        return self._roots.get(root)

    def truncatable(self, table: str) -> bool:
        """Whether ``DELETE FROM table`` takes SQLite's truncate path on D1 (no triggers,
        no foreign keys to or from it)."""
        self._fresh()
        cached = self._truncatable.get(table)
        if cached is None:
            triggers = self._query(
                "SELECT 1 FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?", (table,)
            )
            outgoing = self._query("SELECT 1 FROM pragma_foreign_key_list(?)", (table,))
            incoming = self._query(
                "SELECT 1 FROM sqlite_schema AS s, pragma_foreign_key_list(s.name) AS f "
                "WHERE s.type = 'table' AND f.\"table\" = ? COLLATE NOCASE",
                (table,),
            )
            cached = not (triggers or outgoing or incoming)
            self._truncatable[table] = cached
        return cached

    def partial_failures(self) -> bool:
        """Whether a statement could fail yet keep some of its changes here: a trigger with
        ``RAISE(FAIL)``, or a deferred foreign key (checked only when the request ends); or
        fail by rolling the transaction back (``RAISE(ROLLBACK)``, ``ON CONFLICT ROLLBACK``),
        which D1 reports as a reset and the engine sees only inside its own transaction."""
        self._fresh()
        if self._partial_failures is None:
            self._partial_failures = bool(
                self._query(
                    "SELECT 1 FROM sqlite_schema WHERE (type = 'trigger' AND (sql LIKE '%FAIL%' "
                    "OR sql LIKE '%ROLLBACK%')) OR (type = 'table' AND (sql LIKE '%DEFERRED%' "
                    "OR sql LIKE '%ROLLBACK%')) LIMIT 1",
                    (),
                )
            )
        return self._partial_failures

    def snapshot(self) -> SchemaSnapshot:
        """Every ``sqlite_schema`` row, for estimating schema statements."""
        rows = self._query("SELECT type, name, tbl_name FROM sqlite_schema", ())
        return SchemaSnapshot(frozenset((str(a), str(b), str(c)) for a, b, c in rows))
