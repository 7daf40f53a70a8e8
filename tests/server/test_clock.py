"""OffsetClock: wall time that can be moved and frozen (wall time moved with freezegun)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from emulator import Clock
from emulator.server import OffsetClock

WALL = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
T = WALL.timestamp()


def test_it_is_a_clock_that_starts_at_wall_time() -> None:
    with freeze_time(WALL) as wall:
        clock = OffsetClock()
        assert isinstance(clock, Clock)
        assert clock.now() == T
        wall.tick(5)
        assert clock.now() == T + 5
        assert (clock.offset, clock.frozen) == (0.0, False)


def test_after_a_move_time_keeps_flowing_from_the_new_instant() -> None:
    with freeze_time(WALL) as wall:
        clock = OffsetClock()
        clock.move_to(datetime(2030, 1, 1))  # naive means UTC
        target = datetime(2030, 1, 1, tzinfo=UTC).timestamp()
        assert clock.now() == target
        wall.tick(10)
        assert clock.now() == target + 10
        assert clock.offset == target - T


def test_shift_accepts_seconds_and_timedeltas_and_moves_back_too() -> None:
    with freeze_time(WALL):
        clock = OffsetClock()
        clock.shift(60)
        clock.shift(timedelta(minutes=-2))
        assert clock.now() == T - 60
        with pytest.raises(TypeError, match="expected a timedelta or a number of seconds, got str"):
            clock.shift("60")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            clock.shift(True)


def test_a_frozen_clock_stands_still_until_unfrozen_then_flows_from_there() -> None:
    with freeze_time(WALL) as wall:
        clock = OffsetClock()
        clock.freeze()
        wall.tick(100)
        assert clock.now() == T
        assert clock.frozen
        clock.shift(30)
        clock.move_to(T + 1000)
        assert clock.now() == T + 1000
        clock.unfreeze()
        wall.tick(1)
        assert clock.now() == T + 1001
        assert not clock.frozen


def test_reset_goes_back_to_flowing_wall_time() -> None:
    with freeze_time(WALL):
        clock = OffsetClock()
        clock.shift(3600)
        clock.freeze()
        clock.reset()
        assert (clock.now(), clock.frozen, clock.offset) == (T, False, 0.0)


def test_repr_shows_the_instant_and_state() -> None:
    with freeze_time(WALL):
        clock = OffsetClock()
        assert repr(clock) == "OffsetClock('2027-01-15T08:00:00+00:00', offset=+0.000s)"
        clock.freeze()
        assert repr(clock) == "OffsetClock('2027-01-15T08:00:00+00:00', frozen)"
