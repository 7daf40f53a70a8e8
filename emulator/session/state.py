"""``Session``: the seed's handle on one request's session, and the state behind it.

The seed's ``Session`` is zero-sized and reads a thread-local; here each handle holds its
request's ``SessionState`` directly, so a handle can never reach another request's data.
Every method is sync and works on the in-memory copy; the middleware flushes it.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar, overload

from emulator.session import constants as c
from emulator.session.errors import SessionError
from emulator.session.values import JSONValue, copy_json, encode, read_as

__all__ = ["Session", "SessionState", "new_session_id"]

T = TypeVar("T")


def new_session_id() -> str:
    """A fresh session id: a random (version 4) UUID, 122 bits from ``os.urandom``.

    The seed's ids come from ``crypto.randomUUID()``, which has the same format.
    """
    return str(uuid.uuid4())


class SessionState:
    """One request's session: id, data and the flags that decide what flush does.

    ``previous_id`` is the id loaded from the backend before ``regenerate`` replaced it
    (its record is deleted on flush). ``flushed`` is set once the middleware has taken
    the state; after that the handle refuses changes instead of losing them.
    """

    __slots__ = ("data", "destroyed", "dirty", "flushed", "id", "is_new", "previous_id")

    def __init__(self, session_id: str, data: dict[str, JSONValue], *, is_new: bool) -> None:
        self.id = session_id
        self.data = data
        self.dirty = False
        self.destroyed = False
        self.is_new = is_new
        self.previous_id: str | None = None
        self.flushed = False

    @property
    def needs_flush(self) -> bool:
        """Whether flushing writes to the backend and sends a cookie."""
        return self.destroyed or self.dirty or self.is_new


class Session:
    """Handle on the current request's session, returned by ``await cf.session()``."""

    __slots__ = ("_state",)

    def __init__(self, state: SessionState) -> None:
        self._state = state

    def _live(self) -> SessionState:
        if self._state.flushed:
            raise SessionError(c.NOT_LOADED)
        return self._state

    @overload
    def get(self, key: str) -> Any: ...
    @overload
    def get(self, key: str, expected: type[T]) -> T | None: ...
    @overload
    def get(self, key: str, expected: object) -> Any: ...

    def get(self, key: str, expected: object = Any) -> Any:
        """Return the value stored under ``key`` (a copy), or ``None`` if absent.

        With ``expected`` (``int``, ``list[str]``, ``int | None``, a dataclass, ...), the
        value is converted to that type as the seed's ``get::<T>`` does with serde.
        Raises ``SessionError`` if the value does not fit ``expected`` or the session was
        already flushed, and ``CfArgumentError`` if ``expected`` does not map onto JSON.
        """
        state = self._live()
        if key not in state.data:
            return None
        value = state.data[key]
        if expected is Any:
            return copy_json(value)
        return read_as(key, value, expected)

    def set(self, key: str, value: object) -> None:
        """Store ``value`` under ``key`` and mark the session for saving.

        ``value`` is stored as JSON decodes it back (tuples become lists, dataclasses
        objects, non-string dict keys strings), as serde's ``to_value`` does. Raises
        ``SessionError`` if it cannot be encoded as JSON (the session is left unchanged)
        or the session was already flushed; ``TypeError`` if ``key`` is not a string.
        """
        state = self._live()
        if not isinstance(key, str):
            raise TypeError(c.KEY_NOT_STR.format(type=type(key).__name__))
        state.data[key] = encode(key, value)
        state.dirty = True

    def remove(self, key: str) -> None:
        """Remove ``key``; the session is marked for saving only if the key existed.

        Raises ``SessionError`` if the session was already flushed (the seed ignores the
        call silently).
        """
        state = self._live()
        if state.data.pop(key, _ABSENT) is not _ABSENT:
            state.dirty = True

    def destroy(self) -> None:
        """Delete the session from the backend and clear its cookie when the request ends.

        Raises ``SessionError`` if the session was already flushed.
        """
        self._live().destroyed = True

    def regenerate(self) -> None:
        """Give the session a new id, keep its data, and delete the old record on flush.

        Call it when privileges change (log-in) so an id an attacker planted or saw
        before is worthless afterwards (session fixation). Not in the seed. Raises
        ``SessionError`` if the session was already flushed.
        """
        state = self._live()
        if not state.is_new and state.previous_id is None:
            state.previous_id = state.id
        state.id = new_session_id()
        state.dirty = True

    def is_empty(self) -> bool:
        """Whether the session holds no data (``True`` once flushed, as in the seed)."""
        return self._state.flushed or not self._state.data

    def is_new(self) -> bool:
        """Whether no usable session came with the request (``True`` once flushed)."""
        return self._state.flushed or self._state.is_new

    def __repr__(self) -> str:
        state = self._state
        flags = [
            name
            for name, on in (
                ("new", state.is_new),
                ("dirty", state.dirty),
                ("destroyed", state.destroyed),
                ("flushed", state.flushed),
            )
            if on
        ]
        # The id is a bearer credential: never put it in logs.
        return f"<Session keys={sorted(state.data)} {' '.join(flags) or 'clean'}>"


_ABSENT = object()
