"""SQLite failures -> the text D1 shows.

workerd formats every SQLite error with ``dbErrorMessage`` (``src/workerd/util/sqlite.c++``)::

    <sqlite3_errmsg>[ at offset <N>]: <PRIMARY_CODE>[ (extended: <EXTENDED_CODE>)]

where the offset is ``sqlite3_error_offset`` (a byte offset into the statement being
prepared) and the extended part appears only when the extended code differs from the
primary one and workerd has a name for it. The binding shim then prefixes ``D1_ERROR: ``.
Errors are raised as ``emulator.D1Error`` (``emulator.errors``); ``reason()`` gives the text
without the prefix (the REST API's ``errors[].message`` and the JS ``cause.message``).
"""

from __future__ import annotations

import secrets
import string
from typing import Final

from emulator import _apsw as apsw
from emulator.d1.constants import D1_ERROR, INTERNAL_ERROR, NAMED_EXTENDED_CODES
from emulator.errors import D1Error

__all__ = ["d1_error", "format_sqlite_error", "internal_error", "reason", "sqlite_error_text"]

_REFERENCE_CHARACTERS: Final = string.ascii_lowercase + string.digits

_PREFIX: Final = D1_ERROR.format("")


def format_sqlite_error(message: str, offset: int, primary: int, extended: int) -> str:
    """Build workerd's ``dbErrorMessage`` text from SQLite's pieces."""
    text = message if offset < 0 else f"{message} at offset {offset}"
    primary_name = apsw.mapping_result_codes.get(primary & 0xFF, f"SQLITE_{primary}")
    text = f"{text}: {primary_name}"
    if extended != primary:
        extended_name = apsw.mapping_extended_result_codes.get(extended)
        if extended_name in NAMED_EXTENDED_CODES:
            text = f"{text} (extended: {extended_name})"
    return text


def sqlite_error_text(error: apsw.Error, *, message: str | None = None) -> str:
    """Return the D1 text (without prefix) of an error apsw raised.

    ``message`` replaces SQLite's own message while keeping its offset and codes (used where
    SQLite 3.47 words an error differently from this engine).
    """
    text = message if message is not None else str(error.args[0] if error.args else error)
    primary = int(getattr(error, "result", apsw.SQLITE_ERROR))
    extended = int(getattr(error, "extendedresult", primary))
    offset = int(getattr(error, "error_offset", -1))
    return format_sqlite_error(text, offset, primary, extended)


def d1_error(text: str) -> D1Error:
    """Return a ``D1Error`` reading ``D1_ERROR: <text>``."""
    return D1Error(D1_ERROR.format(text))


def reason(error: D1Error) -> str:
    """Return an error's text without the ``D1_ERROR: `` prefix (as JS ``cause.message``)."""
    return str(error).removeprefix(_PREFIX)


def internal_error() -> D1Error:
    """The error a failing Durable Object answers with: a random 24-character reference."""
    reference = "".join(secrets.choice(_REFERENCE_CHARACTERS) for _ in range(24))
    return D1Error(INTERNAL_ERROR.format(reference))
