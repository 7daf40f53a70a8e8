"""``Session``: the seed's handle on one request's session, and the state behind it.

The seed's ``Session`` is zero-sized and reads a thread-local; here each handle holds its
request's ``SessionState`` directly, so a handle can never reach another request's data.
Every method is sync and works on the in-memory copy; the middleware flushes it.

``Session`` is also a ``collections.abc.MutableMapping``, as aiohttp-session's is:
``s["k"]``, ``s["k"] = v``, ``del s["k"]``, ``in``, ``len``, iteration, ``keys``, ``pop``,
``setdefault``, ``update``, ``clear``, with the validation and dirty tracking of ``set``
and ``remove``.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterator, MutableMapping
from typing import Any, TypeVar, overload

from emulator.session import constants as c
from emulator.session.backend import LoadedRecord
from emulator.session.errors import SessionError
from emulator.session.values import JSONValue, copy_json, encode, read_as

__all__ = ["Session", "SessionState", "new_session_id"]

T = TypeVar("T")
D = TypeVar("D")


def new_session_id() -> str:
    """A fresh session id: a random (version 4) UUID, 122 bits from ``os.urandom``.

    The seed's ids come from ``crypto.randomUUID()``, which has the same format.
    """
    return str(uuid.uuid4())


class SessionState:
    """One request's session: id, data and the flags that decide what flush does.

    ``source_id`` / ``loaded`` are the id and record loaded from the backend (``None`` for
    a new session): the save is conditional on that record, and moves it to ``id`` after
    ``regenerate``. ``discard_id`` is a loaded record that ``new_session`` left behind, to
    delete on flush. ``flushed`` is set once the middleware has taken the state; after
    that the handle refuses changes instead of losing them.
    """

    __slots__ = (
        "data",
        "destroyed",
        "dirty",
        "discard_id",
        "flushed",
        "id",
        "is_new",
        "loaded",
        "source_id",
    )

    def __init__(
        self,
        session_id: str,
        data: dict[str, JSONValue],
        *,
        is_new: bool,
        loaded: LoadedRecord | None = None,
    ) -> None:
        self.id = session_id
        self.data = data
        self.dirty = False
        self.destroyed = False
        self.is_new = is_new
        self.source_id: str | None = None if is_new else session_id
        self.loaded = loaded
        self.discard_id: str | None = None
        self.flushed = False

    @classmethod
    def from_record(cls, session_id: str, record: LoadedRecord) -> SessionState:
        """The state of a session loaded from the backend."""
        return cls(session_id, record.data, is_new=False, loaded=record)

    def needs_flush(self, saves_new_empty: bool) -> bool:
        """Whether flushing writes to the backend or sends a cookie."""
        return self.destroyed or self.discard_id is not None or self.needs_save(saves_new_empty)

    def needs_save(self, saves_new_empty: bool) -> bool:
        """Whether flushing saves the record (and sends its cookie)."""
        if self.is_new and not self.data and not saves_new_empty:
            return False
        return self.dirty or self.is_new

    def start_over(self) -> None:
        """Become a new, empty session with a fresh id; the loaded record goes on flush."""
        if self.source_id is not None:
            self.discard_id = self.source_id
        self.id = new_session_id()
        self.data = {}
        self.source_id = self.loaded = None
        self.is_new = self.dirty = True
        self.destroyed = False


class Session(MutableMapping[str, Any]):
    """Handle on the current request's session, from ``await cf.session()``,
    ``get_session(request)`` or ``new_session(request)``.

    Which accessors copy: ``get()`` returns a copy (changing it changes nothing);
    ``s[key]``, ``values()``, ``items()``, ``pop()`` and ``setdefault()`` return the stored
    (live) value, as aiohttp-session does: after changing a nested value in place, call
    ``changed()`` so it is saved.
    """

    __slots__ = ("_state",)

    def __init__(self, state: SessionState) -> None:
        self._state = state

    def _live(self) -> SessionState:
        if self._state.flushed:
            raise SessionError(c.NOT_LOADED)
        return self._state

    # -- the seed's methods ------------------------------------------------------------------

    @overload
    def get(self, key: str, default: None = None, *, type: None = None) -> Any: ...
    @overload
    def get(self, key: str, default: D, *, type: None = None) -> Any | D: ...
    @overload
    def get(self, key: str, default: None = None, *, type: builtins.type[T]) -> T | None: ...
    @overload
    def get(self, key: str, default: D, *, type: builtins.type[T]) -> T | D: ...
    @overload
    def get(self, key: str, default: Any = None, *, type: object) -> Any: ...

    def get(self, key: str, default: Any = None, *, type: object = None) -> Any:
        """Return a copy of the value stored under ``key``, or ``default`` if absent.

        With ``type`` (``int``, ``list[str]``, ``int | None``, a dataclass, ...), the value
        is converted to that type as the seed's ``get::<T>`` does with serde; ``default``
        is returned as given. Raises ``SessionError`` if the value does not fit ``type``
        or the session was already flushed, and ``CfArgumentError`` if ``type`` does not
        map onto JSON.
        """
        data = self._live().data
        if key not in data:
            return default
        if type is None:
            return copy_json(data[key])
        return read_as(key, data[key], type)

    def set(self, key: str, value: object) -> None:
        """Store ``value`` under ``key`` and mark the session for saving.

        ``value`` is stored as JSON decodes it back (tuples become lists, dataclasses
        objects, non-string dict keys strings), as serde's ``to_value`` does. Raises
        ``SessionError`` if it cannot be stored (not JSON, NaN, nested more than 126
        levels, a lone surrogate in it or in ``key``; the session is left unchanged) or
        the session was already flushed; ``TypeError`` if ``key`` is not a string.
        """
        state = self._live()
        if not isinstance(key, str):
            raise TypeError(c.KEY_NOT_STR.format(type=builtins.type(key).__name__))
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
        """Give the session a new id, keep its data, and move its record on flush.

        Call it when privileges change (log-in) so an id an attacker planted or saw
        before is worthless afterwards (session fixation). The move happens only if the
        loaded record is still there: a logout that another request finished meanwhile
        is not undone. Not in the seed. Raises ``SessionError`` if already flushed.
        """
        state = self._live()
        state.id = new_session_id()
        state.dirty = True

    def changed(self) -> None:
        """Mark the session for saving after a nested value was changed in place.

        ``s["cart"].append(item)`` changes the stored list but not the session's dirty
        flag; ``changed()`` sets it. Raises ``SessionError``, naming the key, if a value
        is no longer storable (see ``set``), or if the session was already flushed.
        """
        state = self._live()
        for key, value in state.data.items():
            if isinstance(value, list | dict):
                encode(key, value)
        state.dirty = True

    def is_empty(self) -> bool:
        """Whether the session holds no data (``True`` once flushed, as in the seed)."""
        return self._state.flushed or not self._state.data

    def is_new(self) -> bool:
        """Whether no usable session came with the request (``True`` once flushed)."""
        return self._state.flushed or self._state.is_new

    # -- MutableMapping ----------------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        """The stored (live) value under ``key``; ``KeyError`` if absent."""
        return self._live().data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        """``set(key, value)``."""
        self.set(key, value)

    def __delitem__(self, key: str) -> None:
        """Remove ``key`` and mark the session for saving; ``KeyError`` if absent."""
        state = self._live()
        del state.data[key]
        state.dirty = True

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._live().data))

    def __len__(self) -> int:
        return len(self._live().data)

    def __contains__(self, key: object) -> bool:
        return key in self._live().data

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return the live value under ``key``; store ``default`` first if absent."""
        data = self._live().data
        if key not in data:
            self.set(key, default)
        return data[key]

    def clear(self) -> None:
        """Remove every key; the session is marked for saving if it held any."""
        state = self._live()
        if state.data:
            state.data.clear()
            state.dirty = True

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
