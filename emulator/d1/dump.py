"""``dump_sql``: a D1 database as SQL text, as ``wrangler d1 export`` writes it.

Mirrors Miniflare's ``dumpSql`` (``packages/miniflare/src/workers/d1/dumpSql.ts``), itself
modelled on the ``sqlite3`` shell's ``.dump``:

- ``PRAGMA defer_foreign_keys=TRUE;`` first, then each table in creation order (its
  ``CREATE`` statement, ``CREATE TABLE IF NOT EXISTS`` when the name is quoted, then one
  ``INSERT INTO "t" VALUES(...);`` per row), ``sqlite_sequence`` last
  (``DELETE FROM sqlite_sequence;`` then its rows), then indexes, triggers and views;
- D1's own tables (``_cf_*``) and SQLite's (``sqlite_*``) are left out; a virtual table
  (FTS5) cannot be exported;
- text is quoted with ``''``, line breaks as ``replace('a\\nb','\\n',char(10))``, BLOBs as
  ``X'00ff'``, numbers as JavaScript prints them (``1.5``, ``1e+300``, ``1e-7``);
- ``tables`` keeps only the named tables (and, as Miniflare does, only the indexes,
  triggers and views *named* in it); ``no_schema`` and ``no_data`` drop either half.

Statements are joined with ``\\n`` and the text has no trailing newline, as wrangler's file.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

from emulator.errors import D1Error

__all__ = ["ReadRows", "dump_sql", "js_number", "sql_literal"]

ReadRows = Callable[[str], Sequence[Sequence[Any]]]

_TABLES = (
    "SELECT name, sql FROM sqlite_schema WHERE type == 'table' AND sql NOT NULL "
    "ORDER BY tbl_name = 'sqlite_sequence', rowid"
)
_REST_OF_SCHEMA = (
    "SELECT name, sql FROM sqlite_schema WHERE sql NOT NULL "
    "AND type IN ('index', 'trigger', 'view') ORDER BY type COLLATE NOCASE"
)
VIRTUAL_TABLE_ERROR = "D1 Export error: cannot export databases with Virtual Tables (fts5)"


def dump_sql(
    read: ReadRows,
    *,
    tables: Collection[str] = (),
    no_schema: bool = False,
    no_data: bool = False,
) -> str:
    """The SQL dump of the database that ``read(sql)`` queries (rows as sequences).

    Raises ``D1Error`` for a database holding a virtual table.
    """
    return "\n".join(_statements(read, set(tables), no_schema=no_schema, no_data=no_data))


def _statements(
    read: ReadRows, wanted: set[str], *, no_schema: bool, no_data: bool
) -> Iterator[str]:
    yield "PRAGMA defer_foreign_keys=TRUE;"
    for name, sql in read(_TABLES):
        if wanted and name not in wanted:
            continue
        if name == "sqlite_sequence":
            if not no_schema:
                yield "DELETE FROM sqlite_sequence;"
        elif name.startswith("sqlite_stat"):
            if not no_schema:
                yield "ANALYZE sqlite_schema;"
        else:
            if sql.startswith("CREATE VIRTUAL TABLE"):
                raise D1Error(VIRTUAL_TABLE_ERROR)
            if name.startswith(("_cf_", "sqlite_")):
                continue
            if not no_schema:
                quoted_name = sql.startswith(('CREATE TABLE "', "CREATE TABLE '"))
                yield f"CREATE TABLE IF NOT EXISTS {sql[13:]};" if quoted_name else f"{sql};"
        if no_data:
            continue
        columns = [str(row[1]) for row in read(f"PRAGMA table_info={quote_id(name)}")]
        select = f"SELECT {', '.join(map(quote_id, columns))} FROM {quote_id(name)};"
        for row in read(select):
            yield f"INSERT INTO {quote_id(name)} VALUES({','.join(map(sql_literal, row))});"
    if not no_schema:
        for name, sql in read(_REST_OF_SCHEMA):
            if not wanted or name in wanted:
                yield f"{sql};"


def quote_id(name: str) -> str:
    """``"name"``, with inner double quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: Any) -> str:
    """A SQL value as the dump writes it (``NULL``, a number, a quoted string, ``X'..'``)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return js_number(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"X'{bytes(value).hex()}'"
    text = str(value)
    quoted = "'" + text.replace("'", "''").replace("\n", "\\n").replace("\r", "\\r") + "'"
    if "\r" in text:
        quoted = f"replace({quoted},'\\r',char(13))"
    if "\n" in text:
        quoted = f"replace({quoted},'\\n',char(10))"
    return quoted


def js_number(value: float) -> str:
    """``value`` as JavaScript's ``String(number)`` prints it (``1``, ``0.1``, ``1e+21``)."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exponent_text = repr(abs(value)).partition("e")
    exponent = int(exponent_text or 0)
    whole, _, fraction = mantissa.partition(".")
    fraction = fraction.rstrip("0") if fraction != "0" else ""
    if whole.strip("0"):
        digits = (whole.lstrip("0") + fraction).rstrip("0")
        point = len(whole.lstrip("0")) + exponent  # value = 0.DIGITS x 10^point
    else:
        stripped = fraction.lstrip("0")
        digits = stripped.rstrip("0")
        point = exponent - (len(fraction) - len(stripped))
    count = len(digits)
    if count <= point <= 21:
        return sign + digits + "0" * (point - count)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    shown = point - 1
    head = digits[0] + ("." + digits[1:] if count > 1 else "")
    return f"{sign}{head}e{'+' if shown >= 0 else '-'}{abs(shown)}"
