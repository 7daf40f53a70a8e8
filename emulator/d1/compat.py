"""What D1's SQLite does that this engine cannot do itself.

The engine is SQLite 3.47.0 compiled with workerd's own options (``native/engine_build.py``),
so features, functions, modules and the planner are D1's. One thing a compile option cannot
give is grammar: workerd generates SQLite's parser with ``SQLITE_ENABLE_UPDATE_DELETE_LIMIT``,
while the amalgamation's parser is generated without it. ``UPDATE``/``DELETE`` with
``ORDER BY`` / ``LIMIT`` is therefore rewritten here (``limited_statement``) into what SQLite
itself builds for it, ``... WHERE rowid IN (SELECT rowid FROM t WHERE ... ORDER BY ...
LIMIT ...)``, with D1's error texts for the forms it refuses. A ``WITHOUT ROWID`` table has
no rowid: there SQLite picks rows by primary key, ``(a, b) IN (SELECT a, b ...)``, and so does
the engine, which rewrites again with the key it reads from the schema (``limited_table``).
"""

from __future__ import annotations

from typing import Final, NamedTuple

from emulator.d1.constants import ORDER_BY_WITHOUT_LIMIT, SYNTAX_ERROR_NEAR
from emulator.d1.splitting import Token, tokens, utf8_offset

__all__ = ["CompatError", "limited_statement", "limited_table"]

# Keywords that end the target / WHERE / RETURNING parts of an UPDATE or DELETE.
_DELETE_CLAUSES: Final = frozenset({"WHERE", "RETURNING", "ORDER", "LIMIT"})
_UPDATE_CLAUSES: Final = frozenset({"FROM", "WHERE", "RETURNING", "ORDER", "LIMIT"})


class CompatError(NamedTuple):
    """An error D1's SQLite raises where this engine would not (or would say otherwise).

    ``offset`` is a UTF-8 byte offset, or -1 when the message carries none.
    """

    message: str
    offset: int


def _top_level(items: list[Token]) -> list[tuple[int, Token]]:
    # The tokens outside parentheses, with their positions in ``items``.
    depth = 0
    found: list[tuple[int, Token]] = []
    for index, token in enumerate(items):
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0:
            found.append((index, token))
    return found


def _first(outer: list[tuple[int, Token]], words: frozenset[str], after: int) -> int | None:
    for index, token in outer:
        if index > after and token.kind == "id" and token.upper in words:
            return index
    return None


def limited_table(sql: str) -> str:
    """The table an ``UPDATE``/``DELETE`` that ``limited_statement`` rewrote writes to,
    unquoted and without its schema name."""
    items = list(tokens(sql))
    # DELETE FROM <table>, UPDATE [OR <action>] <table>
    start = 2 if items[0].upper == "DELETE" else 3 if items[1].upper == "OR" else 1
    qualified = len(items) > start + 2 and items[start + 1].text == "."
    name = items[start + 2] if qualified else items[start]
    text = name.text
    if text[:1] in ('"', "`", "["):
        text = text[1:-1].replace(text[0] * 2, text[0]) if text[0] != "[" else text[1:-1]
    return text


def limited_statement(sql: str, row_key: str = "rowid") -> str | CompatError | None:
    """Rewrite an ``UPDATE``/``DELETE`` with ``ORDER BY`` or ``LIMIT`` for this engine.

    Returns the rewritten SQL, the error D1 gives (``ORDER BY`` without ``LIMIT``; a
    ``RETURNING`` after them), or ``None`` when the statement has neither clause. Rows are
    chosen by ``row_key``, as SQLite does: ``rowid``, or for a ``WITHOUT ROWID`` table its
    primary key's columns (``"k"`` or ``"(a, b)"``).
    """
    items = list(tokens(sql))
    if len(items) < 3:
        return None
    verb = items[0].upper
    outer = _top_level(items)
    if verb == "DELETE" and items[1].upper == "FROM":
        target = (2, _first(outer, _DELETE_CLAUSES, 2))
    elif verb == "UPDATE":
        start = 3 if items[1].upper == "OR" else 1
        target = (start, _first(outer, frozenset({"SET"}), start))
    else:
        return None
    target_start, target_end = target
    if target_end is None:
        return None
    clauses = _first(outer, _UPDATE_CLAUSES, target_end - 1)
    if clauses is None or items[clauses].upper == "FROM":
        return None  # neither ORDER BY nor LIMIT (UPDATE ... FROM is left to the engine)
    order = _first(outer, frozenset({"ORDER"}), clauses - 1)
    limit = _first(outer, frozenset({"LIMIT"}), clauses - 1)
    if order is None and limit is None:
        return None
    tail = min(index for index in (order, limit) if index is not None)
    returning = _first(outer, frozenset({"RETURNING"}), clauses - 1)
    if returning is not None and returning > tail:
        token = items[returning]
        return CompatError(SYNTAX_ERROR_NEAR.format(token.text), utf8_offset(sql, token.start))
    if limit is None:
        return CompatError(ORDER_BY_WITHOUT_LIMIT.format(verb), -1)
    body_end = len(items) - 1 if items[-1].text == ";" else len(items)

    def text(start: int, stop: int) -> str:
        if start >= stop:
            return ""
        last = items[stop - 1]
        return sql[items[start].start : last.start + len(last.text)]

    where = ""
    if items[clauses].upper == "WHERE":
        where = " " + text(clauses, returning if returning is not None else tail)
    selected = row_key[1:-1] if row_key.startswith("(") else row_key
    table = text(target_start, target_end)
    chosen = f"SELECT {selected} FROM {table}{where} {text(tail, body_end)}"
    rewritten = f"{text(0, clauses)} WHERE {row_key} IN ({chosen})"
    if returning is not None:
        rewritten += " " + text(returning, tail)
    return rewritten + sql[items[body_end - 1].start + len(items[body_end - 1].text) :]
