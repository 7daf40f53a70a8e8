"""What the inspector reads from a D1 database, through the D1 binding itself.

Every query goes through ``D1Database.prepare`` (D1's authorizer, its SQLite and its
``meta``), so the page sees exactly what a Worker would, and ``meta.rows_read`` shows what
each page cost. Reads are bounded: tables are paged by rowid (``WHERE rowid > ? LIMIT n``,
an index seek whatever the table's size); views and ``WITHOUT ROWID`` tables, which have no
rowid, by ``LIMIT``/``OFFSET``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from emulator.d1 import D1Database
from emulator.d1.schema import quote_identifier
from emulator.server.ui.previews import cell

__all__ = [
    "MAX_TABLES",
    "MIGRATION_COLUMNS",
    "ROWS_PER_PAGE_MAX",
    "console",
    "migrations",
    "table_page",
    "tables",
]

#: Tables listed at most (a schema with more is cut, and says so).
MAX_TABLES: Final = 1000
ROWS_PER_PAGE_MAX: Final = 500
#: Rows of a console result sent to the page; the rest is counted, not sent.
CONSOLE_ROWS_MAX: Final = 1000
#: wrangler's tracking table shape (its name is configurable: ``migrations_table``).
MIGRATION_COLUMNS: Final = ("id", "name", "applied_at")
_MIGRATIONS_MAX: Final = 10_000

# The user's tables and views: D1 hides its own ``_cf_`` tables, SQLite its ``sqlite_`` ones.
_TABLES_SQL: Final = (
    "SELECT name, type, sql FROM sqlite_schema WHERE type IN ('table', 'view')"
    " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'"
    " ORDER BY name LIMIT ?"
)
_ROWID_NAMES: Final = ("rowid", "_rowid_", "oid")


@dataclass(frozen=True)
class Column:
    """One column of a table, as ``PRAGMA table_xinfo`` tells it."""

    name: str
    type: str
    notnull: bool
    default: str | None
    pk: int
    hidden: int

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "notnull": self.notnull,
            "default": self.default,
            "pk": self.pk,
            "generated": self.hidden in (2, 3),
        }


async def _raw(db: D1Database, sql: str, *params: Any) -> list[list[Any]]:
    return await db.prepare(sql).bind(*params).raw()


async def _columns(db: D1Database, table: str) -> list[Column]:
    rows = await _raw(db, f"PRAGMA table_xinfo({quote_identifier(table)})")
    return [
        Column(str(name), str(kind or ""), bool(notnull), default, int(pk), int(hidden))
        for _cid, name, kind, notnull, default, pk, hidden in rows
    ]


async def _without_rowid(db: D1Database) -> set[str]:
    rows = await _raw(db, "SELECT name, wr FROM pragma_table_list WHERE schema = 'main'")
    return {str(name) for name, wr in rows if wr}


async def tables(db: D1Database) -> dict[str, Any]:
    """Every user table and view: name, type, ``CREATE`` text, columns, how it pages."""
    listed = await _raw(db, _TABLES_SQL, MAX_TABLES + 1)
    without_rowid = await _without_rowid(db)
    shown = []
    for name, kind, sql in listed[:MAX_TABLES]:
        columns = await _columns(db, name)
        alias = _rowid_name(kind, name, columns, without_rowid)
        shown.append(
            {
                "name": name,
                "type": kind,
                "sql": sql,
                "without_rowid": name in without_rowid,
                "paging": "offset" if alias is None else "rowid",
                "columns": [column.as_json() for column in columns],
            }
        )
    return {"tables": shown, "truncated": len(listed) > MAX_TABLES}


def _rowid_name(kind: str, name: str, columns: list[Column], without_rowid: set[str]) -> str | None:
    """The name that reaches the rowid, or ``None`` (views, WITHOUT ROWID, all shadowed)."""
    if kind != "table" or name in without_rowid:
        return None
    taken = {column.name.lower() for column in columns}
    return next((alias for alias in _ROWID_NAMES if alias not in taken), None)


async def table_page(db: D1Database, table: str, cursor: str, limit: int) -> dict[str, Any]:
    """One page of ``table``'s rows after ``cursor`` (``""``: the first page).

    Cursors are ``r<rowid>`` (seek past that rowid) or ``o<offset>``; the answer's
    ``next_cursor`` is ``None`` on the last page. Raises ``LookupError`` for an unknown
    table and ``ValueError`` for a malformed cursor.
    """
    listed = await _raw(
        db, "SELECT type FROM sqlite_schema WHERE name = ? AND type IN ('table', 'view')", table
    )
    if not listed or table.startswith(("_cf_", "sqlite_")):
        raise LookupError(table)
    kind = str(listed[0][0])
    columns = await _columns(db, table)
    alias = _rowid_name(kind, table, columns, await _without_rowid(db))
    quoted = quote_identifier(table)
    if alias is not None:
        after = _cursor_number(cursor, "r")
        where = "" if after is None else f" WHERE {alias} > ?"
        sql = f"SELECT {alias}, * FROM {quoted}{where} ORDER BY {alias} LIMIT ?"
        params: tuple[Any, ...] = (limit + 1,) if after is None else (after, limit + 1)
    else:
        offset = _cursor_number(cursor, "o") or 0
        if offset < 0:
            raise ValueError(cursor)
        sql = f"SELECT * FROM {quoted} LIMIT ? OFFSET ?"
        params = (limit + 1, offset)
    result = await db.prepare(sql).bind(*params).all()
    rows = result.rows
    more = len(rows) > limit
    rows = rows[:limit]
    names = result.columns
    if alias is not None:
        next_cursor = f"r{rows[-1][0]}" if more else None
        rows = [row[1:] for row in rows]
        names = names[1:]
    else:
        next_cursor = f"o{offset + limit}" if more else None
    return {
        "table": table,
        "columns": names,
        "rows": [[cell(value) for value in row] for row in rows],
        "next_cursor": next_cursor,
        "paging": "offset" if alias is None else "rowid",
        "rows_read": result.meta["rows_read"],
    }


def _cursor_number(cursor: str, tag: str) -> int | None:
    """The number in cursor ``<tag><int64>``; ``None`` for ``""``; ``ValueError`` otherwise."""
    if cursor == "":
        return None
    digits = cursor[1:]
    if cursor[:1] != tag or not digits.lstrip("-").isascii() or not digits.lstrip("-").isdigit():
        raise ValueError(cursor)
    number = int(digits)
    if not -(2**63) <= number < 2**63:
        raise ValueError(cursor)
    return number


async def migrations(db: D1Database) -> list[dict[str, Any]]:
    """The applied migrations, from every table shaped like wrangler's tracking table.

    wrangler names it ``d1_migrations`` unless ``migrations_table`` says otherwise; the
    shape (``id``, ``name``, ``applied_at``) finds it either way.
    """
    found = []
    for name, kind, _sql in await _raw(db, _TABLES_SQL, MAX_TABLES):
        if kind != "table":
            continue
        columns = tuple(column.name for column in await _columns(db, name))
        if columns != MIGRATION_COLUMNS:
            continue
        rows = await _raw(
            db,
            f"SELECT id, name, applied_at FROM {quote_identifier(name)} ORDER BY id LIMIT ?",
            _MIGRATIONS_MAX,
        )
        found.append(
            {
                "table": name,
                "applied": [
                    {"id": ident, "name": str(label), "applied_at": str(applied)}
                    for ident, label, applied in rows
                ],
            }
        )
    return found


async def console(db: D1Database, sql: str) -> list[dict[str, Any]]:
    """Run ``sql`` as the REST API's ``/query`` does: one result per statement, atomic.

    Raises the ``D1Error`` of the statement that failed (nothing is applied then).
    """
    shown = []
    for result in await db.query(sql):
        rows = result.rows
        shown.append(
            {
                "columns": result.columns,
                "rows": [[cell(value) for value in row] for row in rows[:CONSOLE_ROWS_MAX]],
                "row_count": len(rows),
                "meta": result.meta,
            }
        )
    return shown
