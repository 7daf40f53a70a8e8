"""The one time source of the emulator.

Everything that needs "now" (KV expiry, D1 time functions, the session middleware, cookie
expiry in the test kit) asks one ``Clock`` once per operation. Two clocks exist:

- ``SystemClock`` reads ``time.time()`` at call time. It never caches a reference to the
  function, so freezegun (which swaps ``time.time``) and time-machine (which patches the C
  level) both move it.
- ``ManualClock`` stands still until a test moves it with ``move_to`` or ``shift``.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock", "to_epoch_seconds"]


@runtime_checkable
class Clock(Protocol):
    """Anything with ``now() -> float``: seconds since the Unix epoch, UTC."""

    def now(self) -> float: ...


class SystemClock:
    """The wall clock, read through ``time.time()`` on every call."""

    def now(self) -> float:
        # Look the function up on the module each time: freezegun replaces the attribute.
        return time.time()

    def __repr__(self) -> str:
        return "SystemClock()"


def to_epoch_seconds(when: datetime | float | int) -> float:
    """Convert a datetime (naive means UTC) or a number of epoch seconds to epoch seconds.

    Raises ``TypeError`` for anything else (``bool`` included, which is almost always a bug).
    """
    if isinstance(when, datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.timestamp()
    if isinstance(when, bool) or not isinstance(when, int | float):
        raise TypeError(
            f"expected a datetime or epoch seconds (int or float), got {type(when).__name__}"
        )
    return float(when)


def _to_seconds(delta: timedelta | float | int) -> float:
    if isinstance(delta, timedelta):
        return delta.total_seconds()
    if isinstance(delta, bool) or not isinstance(delta, int | float):
        raise TypeError(f"expected a timedelta or a number of seconds, got {type(delta).__name__}")
    return float(delta)


class ManualClock:
    """A clock that only moves when told to.

    ``start`` is a datetime (naive means UTC) or epoch seconds; it defaults to the wall
    clock at construction, so data written in a test looks recent.
    """

    def __init__(self, start: datetime | float | int | None = None) -> None:
        self._now = time.time() if start is None else to_epoch_seconds(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def move_to(self, when: datetime | float | int) -> None:
        """Jump to an absolute instant (backwards is allowed)."""
        target = to_epoch_seconds(when)
        with self._lock:
            self._now = target

    def shift(self, delta: timedelta | float | int) -> None:
        """Move by ``delta`` seconds (or a ``timedelta``); negative moves back."""
        seconds = _to_seconds(delta)
        with self._lock:
            self._now += seconds

    def __repr__(self) -> str:
        iso = datetime.fromtimestamp(self._now, UTC).isoformat()
        return f"ManualClock({iso!r})"
