"""Turn D1 SQL text into statements the way workerd and Miniflare do.

Three rules live here:

- **Multi-statement strings** (``prepare("INSERT ...; SELECT ?")``). workerd's
  ``SqliteDatabase::prepareSql`` (MULTI mode) prepares the first statement, skips the
  whitespace after its tail, and starts again on what is left; a tail holding only comments
  prepares to "no statement". Statement ends are found with ``apsw.complete`` (SQLite's own
  ``sqlite3_complete``, the same state machine workerd's ``ingestSql`` uses), so semicolons
  inside strings, comments and ``CREATE TRIGGER ... BEGIN ... END`` bodies do not split.
  The first statement keeps its leading whitespace, later ones start at their first
  non-blank character, so SQLite's error offsets match D1's.
- **Miniflare's empty-statement filter**: a statement whose text is empty once indented
  ``--`` comment lines are removed is dropped (``/^\\s+--.*/gm`` in ``database.worker.ts``).
- **``exec()`` lines**: the binding shim sends ``sql.trim().split("\\n")``, one line per
  statement (``d1-api.ts``).

A small tokenizer supports the SQLite 3.47 compatibility checks (``iif`` arity, statement
keywords); it understands strings, quoted identifiers, comments and parameters, no more.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from emulator import _apsw as apsw

__all__ = [
    "Token",
    "exec_lines",
    "first_keyword",
    "has_statement",
    "is_dropped_statement",
    "split_statements",
    "tokens",
    "utf8_offset",
]

# workerd skips exactly these after a statement's tail (``prepareSql``).
_TAIL_WHITESPACE: Final = " \t\n\r\v\f"
_MINIFLARE_COMMENT_LINE: Final = re.compile(r"^\s+--.*", re.MULTILINE)
_IDENT_START: Final = re.compile(r"[A-Za-z_\x80-\U0010ffff]")
_IDENT_CHARS: Final = re.compile(r"[A-Za-z0-9_$\x80-\U0010ffff]*")
_NUMBER: Final = re.compile(
    r"0[xX][0-9A-Fa-f_]+|(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9_]+)?"
)
_VARIABLE: Final = re.compile(r"\?[0-9]*|[:@$][A-Za-z0-9_$\x80-\U0010ffff]+(?:::)?")
_CLOSERS: Final = {"'": "'", '"': '"', "`": "`", "[": "]"}
_KEYWORD: Final = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token: ``kind`` is ``id``, ``str``, ``num``, ``var`` or ``op``."""

    kind: str
    text: str
    start: int

    @property
    def upper(self) -> str:
        """The token's text upper-cased (keywords compare case-insensitively)."""
        return self.text.upper()


def _skip_blank(sql: str, pos: int) -> int:
    """Return the index of the first character at or after ``pos`` that is not whitespace
    or part of a comment."""
    length = len(sql)
    while pos < length:
        char = sql[pos]
        if char.isspace():
            pos += 1
        elif sql.startswith("--", pos):
            newline = sql.find("\n", pos)
            pos = length if newline < 0 else newline + 1
        elif sql.startswith("/*", pos):
            end = sql.find("*/", pos + 2)
            pos = length if end < 0 else end + 2
        else:
            break
    return pos


def tokens(sql: str) -> Iterator[Token]:
    """Yield the tokens of ``sql``, skipping whitespace and comments."""
    pos = _skip_blank(sql, 0)
    length = len(sql)
    while pos < length:
        char = sql[pos]
        if char in _CLOSERS:
            closer = _CLOSERS[char]
            end = pos + 1
            while True:
                end = sql.find(closer, end)
                if end < 0:
                    end = length
                    break
                if closer != "]" and sql.startswith(closer, end + 1):
                    end += 2  # doubled quote escapes itself
                    continue
                end += 1
                break
            yield Token("str" if char == "'" else "id", sql[pos:end], pos)
            pos = end
        elif char in "xX" and sql.startswith("'", pos + 1):
            end = sql.find("'", pos + 2)
            end = length if end < 0 else end + 1
            yield Token("str", sql[pos:end], pos)
            pos = end
        elif _IDENT_START.match(char):
            rest = _IDENT_CHARS.match(sql, pos + 1)
            stop = rest.end() if rest else pos + 1
            yield Token("id", sql[pos:stop], pos)
            pos = stop
        elif char.isdigit() or (char == "." and pos + 1 < length and sql[pos + 1].isdigit()):
            match = _NUMBER.match(sql, pos)
            stop = match.end() if match else pos + 1
            yield Token("num", sql[pos:stop], pos)
            pos = stop
        elif char in "?:@$" and (match := _VARIABLE.match(sql, pos)):
            yield Token("var", match.group(), pos)
            pos = match.end()
        else:
            width = 2 if sql[pos : pos + 2] in ("||", "->", "<=", ">=", "==", "!=", "<>") else 1
            if sql[pos : pos + 3] == "->>":
                width = 3
            yield Token("op", sql[pos : pos + width], pos)
            pos += width
        pos = _skip_blank(sql, pos)


def has_statement(text: str) -> bool:
    """Return whether ``text`` holds anything but whitespace, comments and semicolons."""
    pos = 0
    while True:
        pos = _skip_blank(text, pos)
        if pos >= len(text):
            return False
        if text[pos] != ";":
            return True
        pos += 1


def split_statements(sql: str) -> tuple[str, ...]:
    """Split ``sql`` into the statements workerd would prepare one after another.

    Every piece but the last ends with its semicolon and holds a statement; the last piece
    may hold none (then running it reports "SQL code did not contain a statement.").
    """
    if ";" not in sql:
        return (sql,)
    pieces: list[str] = []
    start = 0
    length = len(sql)
    while start < length:
        end = sql.find(";", start)
        while end >= 0:
            chunk = sql[start : end + 1]
            # A leading ";" is an empty statement SQLite's prepare steps over, so a piece
            # only ends once it holds a real statement.
            if apsw.complete(chunk) and has_statement(chunk):
                break
            end = sql.find(";", end + 1)
        if end < 0:
            pieces.append(sql[start:])
            break
        pieces.append(sql[start : end + 1])
        start = end + 1
        while start < length and sql[start] in _TAIL_WHITESPACE:
            start += 1
    return tuple(pieces)


def is_dropped_statement(sql: str) -> bool:
    """Return whether Miniflare drops ``sql`` before running it (``#txn``'s filter)."""
    return not _MINIFLARE_COMMENT_LINE.sub("", sql).strip()


def exec_lines(sql: str) -> list[tuple[int, str]]:
    """Return ``(line number, line)`` for each line ``exec()`` runs, numbered as written.

    The shim trims the text and splits on ``"\\n"``; lines Miniflare would drop (empty,
    blank or indented comments) are left out, but keep their place in the numbering.
    """
    return [
        (number, line)
        for number, line in enumerate(sql.strip().split("\n"), start=1)
        if not is_dropped_statement(line)
    ]


def first_keyword(sql: str) -> str:
    """Return the statement's first keyword, upper-cased (``""`` when there is none)."""
    pos = _skip_blank(sql, 0)
    while pos < len(sql) and sql[pos] == ";":
        pos = _skip_blank(sql, pos + 1)
    match = _KEYWORD.match(sql, pos)
    return match.group().upper() if match else ""


def utf8_offset(sql: str, index: int) -> int:
    """Convert a character index into the UTF-8 byte offset SQLite reports."""
    return len(sql[:index].encode("utf-8", "surrogatepass"))
