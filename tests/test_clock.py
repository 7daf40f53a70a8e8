from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from freezegun import freeze_time

from emulator import Clock, ManualClock, SystemClock


def test_system_clock_reads_the_wall_clock_at_call_time() -> None:
    before = time.time()
    now = SystemClock().now()
    assert before <= now <= time.time()


def test_freezegun_moves_the_system_clock() -> None:
    clock = SystemClock()  # created before freezing: it must not cache time.time
    with freeze_time("2030-01-02 03:04:05") as frozen:
        assert clock.now() == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()
        frozen.tick(timedelta(seconds=90))
        assert clock.now() == datetime(2030, 1, 2, 3, 5, 35, tzinfo=UTC).timestamp()


def test_time_machine_moves_the_system_clock() -> None:
    clock = SystemClock()
    target = datetime(2031, 6, 1, tzinfo=UTC)
    with time_machine.travel(target, tick=False) as traveller:
        assert clock.now() == target.timestamp()
        traveller.shift(timedelta(hours=1))
        assert clock.now() == target.timestamp() + 3600


def test_manual_clock_stands_still_until_moved() -> None:
    clock = ManualClock(start=1_000)
    assert clock.now() == 1_000.0
    assert clock.now() == 1_000.0


def test_manual_clock_defaults_to_the_wall_clock() -> None:
    before = time.time()
    assert before <= ManualClock().now() <= time.time()


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (2_000, 2_000.0),
        (2_000.5, 2_000.5),
        (datetime(2030, 1, 1, tzinfo=UTC), 1_893_456_000.0),
        (datetime(2030, 1, 1), 1_893_456_000.0),  # naive means UTC
    ],
)
def test_manual_clock_move_to(when: datetime | float, expected: float) -> None:
    clock = ManualClock(start=0)
    clock.move_to(when)
    assert clock.now() == expected


@pytest.mark.parametrize(
    ("delta", "expected"),
    [(60, 1_060.0), (0.25, 1_000.25), (timedelta(days=1), 87_400.0), (-10, 990.0)],
)
def test_manual_clock_shift(delta: timedelta | float, expected: float) -> None:
    clock = ManualClock(start=1_000)
    clock.shift(delta)
    assert clock.now() == expected


@pytest.mark.parametrize("bad", ["2030-01-01", None, True, [1]])
def test_manual_clock_refuses_what_is_not_a_time(bad: object) -> None:
    clock = ManualClock(start=0)
    with pytest.raises(TypeError, match="expected a datetime or epoch seconds"):
        clock.move_to(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected a timedelta or a number of seconds"):
        clock.shift(bad)  # type: ignore[arg-type]
    assert clock.now() == 0


def test_both_clocks_satisfy_the_protocol() -> None:
    assert isinstance(SystemClock(), Clock)
    assert isinstance(ManualClock(), Clock)
