"""What every session backend is: an object that loads, saves and deletes records.

The shape is aiohttp-session's ``AbstractStorage`` cut down to the storage itself:
``KVBackend`` (``emulator.session.kv_backend``) and ``D1Backend``
(``emulator.session.d1_backend``) each implement ``load``, ``save`` and ``delete`` through
the binding API only, so the same calls work on this project's emulator and on real
Workers bindings. Both store the session data as a JSON object under ``session:<id>``.

A save is conditional on what the request loaded (``SessionWrite.source_id``): a record
that another request destroyed or moved (``regenerate``) since is never brought back.
D1 checks that in the same statement as the write; KV, which has no compare-and-set,
re-reads just before the put (see ``KVBackend.save`` for the race that remains).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from emulator.session import constants as c
from emulator.session.values import JSONValue, json_depth

__all__ = ["LoadedRecord", "SessionBackend", "SessionWrite", "decode_record", "session_key"]


def session_key(session_id: str) -> str:
    """The seed's storage key for a session: ``session:<id>``."""
    return c.SESSION_KEY.format(id=session_id)


@dataclass(frozen=True, slots=True)
class LoadedRecord:
    """A session record as loaded: its data and the exact text it was stored as.

    The text is what a conditional save compares against (D1, with conflict detection).
    """

    data: dict[str, JSONValue]
    text: str


@dataclass(frozen=True, slots=True)
class SessionWrite:
    """One save: ``text`` under ``session_id`` for ``max_age`` seconds.

    ``source_id`` is the id whose record the request loaded (``None`` for a new session):
    the save happens only if that record is still there, and moves it when
    ``source_id != session_id`` (``regenerate``). With ``detect_conflicts`` the record
    must also still hold ``source_text``.
    """

    session_id: str
    text: str
    max_age: int
    source_id: str | None = None
    source_text: str | None = None
    detect_conflicts: bool = False


def decode_record(text: object) -> LoadedRecord | None:
    """Return the record stored as ``text``, or ``None`` if it is not a usable session.

    Anything but a JSON object nested at most as deep as ``set()`` allows (edited by
    hand, written by another program) is unusable: the request starts a new session where
    the seed would answer 500.
    """
    if not isinstance(text, str):
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or json_depth(data) > c.MAX_VALUE_DEPTH + 1:
        return None
    return LoadedRecord(data, text)


class SessionBackend(ABC):
    """Where sessions live: a binding name, and load / save / delete through it.

    Implementations are frozen dataclasses (they are part of ``SessionConfig``'s value).
    Every method raises whatever the binding (or its lookup in ``env``) raises.
    """

    __slots__ = ()

    binding: str

    @abstractmethod
    def check_max_age(self, secs: int) -> None:
        """Raise ``CfArgumentError`` if sessions of ``secs`` seconds cannot work here."""

    @abstractmethod
    def check_conflict_detection(self) -> None:
        """Raise ``CfArgumentError`` if this backend cannot detect conflicting saves."""

    @abstractmethod
    async def load(self, env: Any, session_id: str) -> LoadedRecord | None:
        """Return the live record of ``session_id``, or ``None`` if missing or unusable."""

    @abstractmethod
    async def save(self, env: Any, write: SessionWrite) -> bool:
        """Store ``write``; return ``False`` (writing nothing) if its source record is gone
        or, with ``detect_conflicts``, changed."""

    @abstractmethod
    async def delete(self, env: Any, session_id: str) -> None:
        """Delete the record of ``session_id`` (no error if there is none)."""
