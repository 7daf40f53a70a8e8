"""The one time source of the emulator.

Everything that needs "now" (KV expiry, D1 time functions, the session middleware, cookie
expiry in the test kit) asks one ``Clock`` once per operation. Two clocks exist:

- ``SystemClock`` reads ``time.time()`` at call time. It never caches a reference to the
  function, so freezegun (which swaps ``time.time``) and time-machine (which patches the C
  level) both move it.
- ``ManualClock`` stands still until a test moves it with ``move_to`` or ``shift``.

The protocols say what a clock can do: ``Clock`` (``now``), ``MovableClock`` (plus
``move_to`` and ``shift``: ``ManualClock``, the server's ``OffsetClock``, the plugin's
``cf_time``) and ``FreezableClock`` (plus ``freeze``, ``unfreeze``, ``reset`` to wall time:
``OffsetClock``). Every ``move_to`` and ``shift`` reads its argument through
``to_epoch_seconds`` / ``to_datetime`` and ``to_seconds``, so all accept the same forms
and refuse the rest with the same words.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Protocol, TypeAlias, runtime_checkable

__all__ = [
    "INSTANT_FORMS",
    "Clock",
    "Duration",
    "FreezableClock",
    "Instant",
    "ManualClock",
    "MovableClock",
    "SystemClock",
    "to_datetime",
    "to_epoch_seconds",
    "to_seconds",
]

#: What ``move_to`` accepts, everywhere a clock is moved (here, ``cf_time``, the server).
Instant: TypeAlias = datetime | date | str | float | int
#: What ``shift`` accepts.
Duration: TypeAlias = timedelta | float | int

INSTANT_FORMS = (
    "an ISO 8601 string such as '2030-01-02T03:04:05Z', a datetime or date "
    "(naive means UTC), or epoch seconds"
)


@runtime_checkable
class Clock(Protocol):
    """Anything with ``now() -> float``: seconds since the Unix epoch, UTC."""

    def now(self) -> float: ...


@runtime_checkable
class MovableClock(Clock, Protocol):
    """A clock a test can move: ``ManualClock``, the server's ``OffsetClock``."""

    def move_to(self, when: Instant) -> None:
        """Jump to an instant (backwards is allowed)."""
        ...

    def shift(self, delta: Duration) -> None:
        """Move by ``delta`` seconds (or a ``timedelta``); negative moves back."""
        ...


@runtime_checkable
class FreezableClock(MovableClock, Protocol):
    """A movable clock that otherwise follows wall time, and can stop (``OffsetClock``)."""

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still."""
        ...

    @property
    def offset(self) -> float:
        """Seconds between this clock and the wall clock."""
        ...

    def freeze(self) -> None:
        """Stop at the current instant."""
        ...

    def unfreeze(self) -> None:
        """Flow again from the instant it stopped at."""
        ...

    def reset(self) -> None:
        """Back to the wall clock, flowing."""
        ...


class SystemClock:
    """The wall clock, read through ``time.time()`` on every call."""

    def now(self) -> float:
        # Look the function up on the module each time: freezegun replaces the attribute.
        return time.time()

    def __repr__(self) -> str:
        return "SystemClock()"


def to_datetime(when: Instant) -> datetime:
    """Return ``when`` as an aware UTC datetime: one reading of every accepted form.

    A datetime or ISO 8601 text without a zone means UTC; a date means its midnight, UTC.
    Raises ``TypeError`` for another type (``bool`` included, almost always a bug) and
    ``ValueError`` for text that is not ISO 8601 or a number out of range.
    """
    if isinstance(when, datetime):
        parsed = when
    elif isinstance(when, date):
        parsed = datetime.combine(when, datetime.min.time())
    elif isinstance(when, str):
        try:
            parsed = datetime.fromisoformat(when.strip())
        except ValueError:
            raise ValueError(f"{when!r} is not a date: use {INSTANT_FORMS}") from None
    elif isinstance(when, int | float) and not isinstance(when, bool):
        try:
            return datetime.fromtimestamp(when, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"{when!r} is out of range as epoch seconds") from None
    else:
        raise TypeError(f"expected an instant ({INSTANT_FORMS}), got {type(when).__name__}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def to_epoch_seconds(when: Instant) -> float:
    """Return ``when`` (any form ``to_datetime`` reads) as seconds since the epoch.

    Numbers pass through as floats, whatever their range. Raises as ``to_datetime``.
    """
    if isinstance(when, int | float) and not isinstance(when, bool):
        return float(when)
    return to_datetime(when).timestamp()


def to_seconds(delta: Duration) -> float:
    """Return a ``timedelta`` or a number of seconds as float seconds.

    Raises ``TypeError`` for anything else (``bool`` included).
    """
    if isinstance(delta, timedelta):
        return delta.total_seconds()
    if isinstance(delta, bool) or not isinstance(delta, int | float):
        raise TypeError(f"expected a timedelta or a number of seconds, got {type(delta).__name__}")
    return float(delta)


class ManualClock:
    """A clock that only moves when told to.

    ``start`` is any ``Instant`` (a datetime, naive meaning UTC, a date, ISO 8601 text or
    epoch seconds); it defaults to the wall clock at construction, so data written in a
    test looks recent.
    """

    def __init__(self, start: Instant | None = None) -> None:
        self._now = time.time() if start is None else to_epoch_seconds(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def move_to(self, when: Instant) -> None:
        """Jump to an absolute instant (backwards is allowed); raises as ``to_datetime``."""
        target = to_epoch_seconds(when)
        with self._lock:
            self._now = target

    def shift(self, delta: Duration) -> None:
        """Move by ``delta`` seconds (or a ``timedelta``); negative moves back."""
        seconds = to_seconds(delta)
        with self._lock:
            self._now += seconds

    def __repr__(self) -> str:
        iso = datetime.fromtimestamp(self._now, UTC).isoformat()
        return f"ManualClock({iso!r})"
