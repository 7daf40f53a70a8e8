"""``cf_time``: one frozen clock for the whole test, built on freezegun.

While a ``TimeTravel`` is started, ``time.time()``, ``datetime.now()`` and friends return
the frozen instant. Everything in the emulator reads its default ``SystemClock`` (which
calls ``time.time()`` at call time), so moving ``cf_time`` moves KV expiry, every D1 time
function, the session middleware and cookie expiry in the test jars together.

freezegun runs with ``real_asyncio=True``: event loops keep reading the real monotonic
clock, so ``asyncio.sleep``, aiohttp timeouts and test servers work while time is frozen.

pytest's own timer (``_pytest.timing``: ``--durations``, the session time, JUnit XML) is
left on the real clock: freezegun is told to ignore it, so a test frozen in 2030 still
reports that it took milliseconds.

time-machine patches the same functions at the C level; the two cannot be active at once,
and ``start`` refuses with an explanation when a time-machine travel is under way.
"""

from __future__ import annotations

import math
import sys
import time
from datetime import UTC, date, datetime, timedelta
from types import TracebackType

import freezegun
from freezegun.api import FrozenDateTimeFactory

from emulator.clock import to_seconds
from pytest_plugin.markers import parse_instant

__all__ = ["TimeTravel", "TimeTravelConflictError"]


class TimeTravelConflictError(RuntimeError):
    """``cf_time`` was asked to start while time-machine is travelling."""


def _time_machine_is_travelling() -> bool:
    # Only look if time-machine is already imported: if it is not, it cannot be active.
    module = sys.modules.get("time_machine")
    hatch = getattr(module, "escape_hatch", None)
    return bool(hatch is not None and hatch.is_travelling())


# Modules that keep the real clock while time is frozen (freezegun neither patches their
# references to time.time/perf_counter nor fakes calls made from them).
_REAL_TIME_MODULES = ["_pytest.timing"]

_CONFLICT = (
    "cf_time cannot start: time-machine is travelling in this test (a time_machine "
    "fixture that moved, a @pytest.mark.time_machine marker or a time_machine.travel() "
    "block). cf_time is built on freezegun, and freezegun and time-machine cannot patch "
    "the clock at the same time. Use one per test: cf_time.move_to()/cf_time.shift() do "
    "what time_machine.move_to()/shift() do and also move the emulator, cookies and "
    "sessions."
)


class TimeTravel:
    """A frozen clock that tests move by hand: ``move_to``, ``shift``, ``now``.

    It is also a ``emulator.Clock`` (``now()`` returns epoch seconds), so it can be passed
    wherever a clock is expected. ``start`` defaults to the wall clock, truncated to the
    second so whole-second arithmetic (KV ``expiration``, D1 ``unixepoch()``) is exact.
    """

    def __init__(self, start: datetime | date | str | float | None = None) -> None:
        if start is None:
            start = float(math.floor(time.time()))
        self._start = parse_instant(start)
        self._freezer: freezegun.api._freeze_time | None = None
        self._factory: FrozenDateTimeFactory | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> TimeTravel:
        """Freeze time at the start instant.

        Raises ``TimeTravelConflictError`` if time-machine is travelling, and
        ``RuntimeError`` if already started.
        """
        if self._freezer is not None:
            raise RuntimeError("this TimeTravel is already started")
        if _time_machine_is_travelling():
            raise TimeTravelConflictError(_CONFLICT)
        freezer = freezegun.freeze_time(self._start, real_asyncio=True, ignore=_REAL_TIME_MODULES)
        factory = freezer.start()
        # tick=False and auto_tick_seconds=0 always give the frozen factory.
        assert isinstance(factory, FrozenDateTimeFactory)
        self._freezer, self._factory = freezer, factory
        return self

    def stop(self) -> None:
        """Give the real clock back (idempotent)."""
        freezer, self._freezer, self._factory = self._freezer, None, None
        if freezer is not None:
            freezer.stop()

    @property
    def active(self) -> bool:
        """Whether time is frozen by this object right now."""
        return self._freezer is not None

    def __enter__(self) -> TimeTravel:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the clock ------------------------------------------------------------------------

    def _require(self) -> FrozenDateTimeFactory:
        if self._factory is None:
            raise RuntimeError("cf_time is not active (the test that owned it has finished)")
        return self._factory

    def now_datetime(self) -> datetime:
        """The frozen instant as an aware UTC ``datetime``."""
        return self._require()().replace(tzinfo=UTC)

    def now(self) -> float:
        """The frozen instant in seconds since the Unix epoch (what ``time.time()`` says)."""
        return self.now_datetime().timestamp()

    def move_to(self, when: datetime | date | str | float) -> None:
        """Jump to ``when`` (ISO 8601 string, datetime or date, naive = UTC, or epoch
        seconds); backwards is allowed.

        Raises ``ValueError`` for anything that is not an instant.
        """
        target = parse_instant(when)
        self._require().move_to(target)

    def shift(self, delta: timedelta | float) -> None:
        """Move by ``delta`` seconds (or a ``timedelta``); negative moves back.

        Raises ``TypeError`` for anything else.
        """
        step = timedelta(seconds=to_seconds(delta))
        factory = self._require()
        factory.move_to(factory() + step)

    def __repr__(self) -> str:
        if self._factory is None:
            return "TimeTravel(stopped)"
        return f"TimeTravel({self.now_datetime().isoformat()!r})"
