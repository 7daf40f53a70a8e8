"""D1's SQL restrictions: a port of workerd's ``SqliteDatabase::isAuthorized``.

The rules are those of ``src/workerd/util/sqlite.c++`` as built on 2026-04-26 (the workerd
inside Miniflare 4.20260426), with ``SqlStorage`` (``src/workerd/api/sql.c++``) as the
regulator: names starting with ``_cf_`` (case-sensitively) are the runtime's, transactions
are refused with a message of their own, only the listed functions, pragmas and virtual
table modules may be used, nothing but ``main`` (and reads of ``temp``) may be touched.

``trusted`` lifts every restriction: the emulator's own statements and the sqlite-utils
connection (the test author's tool) run trusted. The authorizer only runs while SQLite
prepares a statement, so a cached statement keeps the verdict it was prepared under; the
engine therefore never lets a trusted statement into the D1 path's statement cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from emulator import _apsw as apsw
from emulator.d1.constants import (
    ALLOWED_FUNCTIONS,
    ALLOWED_PRAGMAS,
    ALLOWED_VTAB_MODULES,
    PRAGMA_BOOLEAN,
    PRAGMA_BOOLEAN_PREFIXES,
    PRAGMA_NO_ARGUMENT,
    PRAGMA_NULL_NUMBER_OR_OBJECT_NAME,
    PRAGMA_NULL_OR_NUMBER,
    PRAGMA_OBJECT_NAME,
    PRAGMA_OPTIONAL_OBJECT_NAME,
    RESERVED_PREFIX,
    SQLITE_RESERVED_PREFIX,
)

__all__ = ["Authorizer", "Refusal", "is_allowed_name", "is_user_table"]

OK: Final = apsw.SQLITE_OK
DENY: Final = apsw.SQLITE_DENY

_NAME_CHECKED: Final = frozenset(
    {
        apsw.SQLITE_CREATE_TABLE, apsw.SQLITE_DELETE, apsw.SQLITE_DROP_TABLE,
        apsw.SQLITE_INSERT, apsw.SQLITE_CREATE_VIEW, apsw.SQLITE_DROP_VIEW,
        apsw.SQLITE_REINDEX, apsw.SQLITE_READ, apsw.SQLITE_UPDATE, apsw.SQLITE_ALTER_TABLE,
    }
)  # fmt: skip
_TWO_NAMES_CHECKED: Final = frozenset(
    {
        apsw.SQLITE_CREATE_INDEX, apsw.SQLITE_DROP_INDEX, apsw.SQLITE_CREATE_TRIGGER,
        apsw.SQLITE_DROP_TRIGGER,
    }
)  # fmt: skip
_SCHEMA_CHANGES: Final = frozenset(
    {
        apsw.SQLITE_CREATE_INDEX, apsw.SQLITE_CREATE_TABLE, apsw.SQLITE_CREATE_TRIGGER,
        apsw.SQLITE_CREATE_VIEW, apsw.SQLITE_CREATE_VTABLE, apsw.SQLITE_DROP_INDEX,
        apsw.SQLITE_DROP_TABLE, apsw.SQLITE_DROP_TRIGGER, apsw.SQLITE_DROP_VIEW,
        apsw.SQLITE_DROP_VTABLE, apsw.SQLITE_ALTER_TABLE, apsw.SQLITE_ANALYZE,
    }
)  # fmt: skip
_ALWAYS_ALLOWED: Final = frozenset({apsw.SQLITE_SELECT, apsw.SQLITE_RECURSIVE, apsw.SQLITE_ANALYZE})
# kj's ``tryParseAs<int32_t>``: an optionally signed decimal, hexadecimal or octal number.
_INTEGER: Final = re.compile(r"[+-]?(?:0[xX][0-9A-Fa-f]+|0[0-7]*|[1-9][0-9]*)")


def is_allowed_name(name: str) -> bool:
    """``SqlStorage::isAllowedName``: names starting with ``_cf_`` are the runtime's."""
    return not name.startswith(RESERVED_PREFIX)


def is_user_table(name: str) -> bool:
    """Whether a table name is the user's: neither the runtime's (``_cf_``, exact case) nor
    SQLite's (``sqlite_``, any case)."""
    return is_allowed_name(name) and not name.lower().startswith(SQLITE_RESERVED_PREFIX)


def _parse_int(text: str) -> int | None:
    if not _INTEGER.fullmatch(text):
        return None
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits[:2] in ("0x", "0X"):
        return sign * int(digits[2:], 16)
    if len(digits) > 1 and digits.startswith("0"):
        return sign * int(digits[1:], 8)
    return sign * int(digits)


def _pragma_allowed(pragma: str, argument: str | None) -> bool:
    if pragma == "table_list":
        return True
    if pragma in ("table_info", "table_xinfo"):
        return argument is not None and is_allowed_name(argument)
    signature = ALLOWED_PRAGMAS.get(pragma)
    if signature is None:
        return False
    if signature == PRAGMA_NO_ARGUMENT:
        return argument is None
    if argument is None:
        return signature != PRAGMA_OBJECT_NAME
    if signature == PRAGMA_BOOLEAN:
        value = argument
        if len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]:
            value = value[1:-1]
        return value.lower().startswith(PRAGMA_BOOLEAN_PREFIXES)
    if signature in (PRAGMA_OBJECT_NAME, PRAGMA_OPTIONAL_OBJECT_NAME):
        return is_allowed_name(argument)
    number = _parse_int(argument)
    if signature == PRAGMA_NULL_OR_NUMBER:
        return number is not None and -(2**31) <= number < 2**31
    assert signature == PRAGMA_NULL_NUMBER_OR_OBJECT_NAME
    if number is not None and 0 <= number < 2**32:
        return True
    return is_allowed_name(argument)


@dataclass(slots=True)
class Refusal:
    """Why the authorizer refused the statement being prepared, when SQLite's own message
    is not what D1 says: a transaction statement."""

    transaction: bool = False


class Authorizer:
    """The connection's authorizer callback (``apsw.Connection.authorizer``)."""

    __slots__ = ("refusal", "schema_epoch", "trusted")

    def __init__(self) -> None:
        self.trusted = False
        #: Set when a refusal needs D1's own message; the engine clears it when it reports it.
        self.refusal: Refusal | None = None
        #: Bumped whenever a schema-changing statement is prepared (caches key on it).
        self.schema_epoch = 0

    def __call__(
        self,
        action: int,
        param1: str | None,
        param2: str | None,
        database: str | None,
        trigger: str | None,
    ) -> int:
        if action in _SCHEMA_CHANGES:
            self.schema_epoch += 1
        if self.trusted:
            return OK
        return OK if self._allowed(action, param1, param2, database) else DENY

    def _allowed(
        self, action: int, param1: str | None, param2: str | None, database: str | None
    ) -> bool:
        # SQLite passes the database name first for these two; workerd swaps it back.
        if action in (apsw.SQLITE_ALTER_TABLE, apsw.SQLITE_DETACH):
            param1, param2, database = param2, database, param1
        if database is not None:
            if database == "temp":
                return action in (apsw.SQLITE_READ, apsw.SQLITE_UPDATE) and is_allowed_name(
                    param1 or ""
                )
            if database != "main":
                return False
        if action in _ALWAYS_ALLOWED:
            return True
        if action in _NAME_CHECKED:
            return is_allowed_name(param1 or "")
        if action in _TWO_NAMES_CHECKED:
            return is_allowed_name(param1 or "") and is_allowed_name(param2 or "")
        if action in (apsw.SQLITE_TRANSACTION, apsw.SQLITE_SAVEPOINT):
            self._refusal().transaction = True
            return False
        if action == apsw.SQLITE_PRAGMA:
            return _pragma_allowed(param1 or "", param2)
        if action == apsw.SQLITE_FUNCTION:
            # SQLite 3.47 passes the function's canonical (lower-case) name; this engine
            # passes some as written (``DEFAULT CURRENT_TIMESTAMP``).
            return self._function_allowed((param2 or "").lower())
        if action in (apsw.SQLITE_CREATE_VTABLE, apsw.SQLITE_DROP_VTABLE):
            return (param2 or "").lower() in ALLOWED_VTAB_MODULES
        # ATTACH, DETACH, temporary objects, COPY and anything unknown.
        return False

    def _refusal(self) -> Refusal:
        if self.refusal is None:
            self.refusal = Refusal()
        return self.refusal

    def _function_allowed(self, name: str) -> bool:
        return name in ALLOWED_FUNCTIONS
