"""Make this engine (SQLite 3.54) answer as D1's SQLite 3.47 does.

The visible differences handled here, each found by running the same SQL on Miniflare
(workerd 2026-04-26, SQLite 3.47.0) and on this engine:

- functions this engine has and D1 lacks (``if``, ``unistr``, ``median``, ...; the list is
  ``constants.ABSENT_FUNCTIONS``): the authorizer refuses them and ``rewrite_message`` turns
  SQLite's refusal into D1's "no such function: <name>", keeping the offset;
- ``iif()`` with other than three arguments (valid since 3.48/3.49): "wrong number of
  arguments to function iif()" at the call's offset (``iif_arity_error``);
- ``ALTER TABLE ... ADD CONSTRAINT`` / ``ADD CHECK`` / ``DROP CONSTRAINT`` / ``ALTER COLUMN``
  (3.53) are syntax errors, and ``REINDEX EXPRESSIONS`` (3.53) names no object
  (``statement_error``);
- the trigger-depth limit reads "too many levels of trigger recursion".

Other differences are configured on the connection (``engine``): REAL values print with 15
significant digits (``SQLITE_DBCONFIG_FP_DIGITS``), and modules D1 lacks (``dbstat``,
``carray``, ``jsonb_each``, ...) are dropped.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from emulator.d1.constants import (
    ABSENT_FUNCTIONS,
    IIF_ARGUMENTS,
    NO_SUCH_FUNCTION,
    NOT_AUTHORIZED_TO_USE_FUNCTION,
    REINDEX_UNKNOWN_OBJECT,
    RENAMED_MESSAGES,
    SYNTAX_ERROR_NEAR,
    WRONG_NUMBER_OF_ARGUMENTS,
)
from emulator.d1.splitting import Token, tokens, utf8_offset

__all__ = ["CompatError", "iif_arity_error", "rewrite_message", "statement_error"]

_NOT_AUTHORIZED: Final = NOT_AUTHORIZED_TO_USE_FUNCTION.format("")
_WRONG_ARGS_PREFIX, _WRONG_ARGS_SUFFIX = WRONG_NUMBER_OF_ARGUMENTS.split("{}")
# Words after ``ALTER TABLE t ADD [COLUMN]`` / ``DROP [COLUMN]`` that 3.47's grammar rejects.
_CONSTRAINT_WORDS: Final = frozenset({"CONSTRAINT", "CHECK"})


class CompatError(NamedTuple):
    """An error SQLite 3.47 raises where this engine would not.

    ``table`` names the table an ``ALTER TABLE`` needs (3.47 reports a missing table first).
    ``offset`` is a UTF-8 byte offset, or -1.
    """

    message: str
    offset: int
    table: str | None = None


def rewrite_message(message: str) -> str:
    """Return SQLite 3.47's wording of ``message`` (unchanged when they agree)."""
    renamed = RENAMED_MESSAGES.get(message)
    if renamed is not None:
        return renamed
    if message.startswith(_NOT_AUTHORIZED):
        name = message[len(_NOT_AUTHORIZED) :]
    elif message.startswith(_WRONG_ARGS_PREFIX) and message.endswith(_WRONG_ARGS_SUFFIX):
        name = message[len(_WRONG_ARGS_PREFIX) : -len(_WRONG_ARGS_SUFFIX)]
    else:
        return message
    if name.lower() in ABSENT_FUNCTIONS:
        return NO_SUCH_FUNCTION.format(name)
    return message


def _argument_count(items: list[Token], open_index: int) -> int:
    depth = 0
    commas = 0
    for index in range(open_index, len(items)):
        text = items[index].text
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
            if depth == 0:
                empty = index == open_index + 1
                return 0 if empty else commas + 1
        elif text == "," and depth == 1:
            commas += 1
    return commas + 1


def iif_arity_error(sql: str) -> CompatError | None:
    """Return the error 3.47 gives for the first ``iif()`` call without three arguments."""
    items = list(tokens(sql))
    for index, token in enumerate(items[:-1]):
        if token.kind != "id" or token.upper != "IIF" or items[index + 1].text != "(":
            continue
        if _argument_count(items, index + 1) != IIF_ARGUMENTS:
            message = WRONG_NUMBER_OF_ARGUMENTS.format(token.text)
            return CompatError(message, utf8_offset(sql, token.start))
    return None


def _near(sql: str, token: Token, table: str | None = None) -> CompatError:
    return CompatError(SYNTAX_ERROR_NEAR.format(token.text), utf8_offset(sql, token.start), table)


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] in '"`[' and name[-1] in '"`]':
        return name[1:-1]
    return name


def _alter_table_error(sql: str, items: list[Token]) -> CompatError | None:
    # ALTER TABLE [schema .] name <action> ...
    if len(items) < 4 or items[1].upper != "TABLE":
        return None
    position = 3 if len(items) > 3 and items[3].text != "." else 5
    if position >= len(items):
        return None
    table = _unquote(items[position - 1].text)
    action = items[position]
    if action.upper == "ALTER":
        return _near(sql, action, table)
    if action.upper not in ("ADD", "DROP"):
        return None
    following = position + 1
    if following < len(items) and items[following].upper == "COLUMN":
        following += 1
    if following < len(items) and items[following].upper in _CONSTRAINT_WORDS:
        return _near(sql, items[following], table)
    return None


def statement_error(sql: str) -> CompatError | None:
    """Return the error 3.47 gives for statement forms added after it (else ``None``)."""
    items = list(tokens(sql))
    if not items:
        return None
    verb = items[0].upper
    if verb == "ALTER":
        return _alter_table_error(sql, items)
    reindexes_expressions = verb == "REINDEX" and [t.upper for t in items[1:]] in (
        ["EXPRESSIONS"],
        ["EXPRESSIONS", ";"],
    )
    return CompatError(REINDEX_UNKNOWN_OBJECT, -1) if reindexes_expressions else None
