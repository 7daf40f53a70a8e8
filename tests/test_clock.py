from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from freezegun import freeze_time

from emulator import Clock, FreezableClock, ManualClock, MovableClock, SystemClock
from emulator.clock import to_datetime
from emulator.server.clock import OffsetClock


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


@pytest.mark.parametrize("bad", [None, True, [1]])
def test_manual_clock_refuses_what_is_not_a_time(bad: object) -> None:
    clock = ManualClock(start=0)
    with pytest.raises(TypeError) as moved:
        clock.move_to(bad)  # type: ignore[arg-type]
    assert str(moved.value) == (
        "expected an instant (an ISO 8601 string such as '2030-01-02T03:04:05Z', a datetime "
        f"or date (naive means UTC), or epoch seconds), got {type(bad).__name__}"
    )
    with pytest.raises(TypeError) as shifted:
        clock.shift(bad)  # type: ignore[arg-type]
    assert str(shifted.value) == (
        f"expected a timedelta or a number of seconds, got {type(bad).__name__}"
    )
    assert clock.now() == 0


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2030-01-01T00:00:00Z", 1_893_456_000.0),
        ("2030-01-01", 1_893_456_000.0),  # naive text means UTC too
        ("2030-01-01T01:00:00+01:00", 1_893_456_000.0),
        (date(2030, 1, 1), 1_893_456_000.0),  # a date is its midnight, UTC
        (10**20, 1e20),  # numbers pass through, whatever their range
    ],
)
def test_every_clock_reads_iso_text_and_dates_as_instants(when: object, expected: float) -> None:
    clock = ManualClock(start=0)
    clock.move_to(when)  # type: ignore[arg-type]
    assert clock.now() == expected


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (
            "next tuesday",
            "'next tuesday' is not a date: use an ISO 8601 string such as "
            "'2030-01-02T03:04:05Z', a datetime or date (naive means UTC), or epoch seconds",
        ),
        (
            "2030-13-01",
            "'2030-13-01' is not a date: use an ISO 8601 string such as "
            "'2030-01-02T03:04:05Z', a datetime or date (naive means UTC), or epoch seconds",
        ),
    ],
)
def test_text_that_is_not_an_instant_is_a_value_error(when: str, message: str) -> None:
    clock = ManualClock(start=0)
    with pytest.raises(ValueError, match="is not a date") as caught:
        clock.move_to(when)
    assert str(caught.value) == message
    assert clock.now() == 0


def test_to_datetime_refuses_numbers_out_of_datetimes_range() -> None:
    with pytest.raises(ValueError, match="out of range") as caught:
        to_datetime(10**20)
    assert str(caught.value) == "100000000000000000000 is out of range as epoch seconds"


def test_both_clocks_satisfy_the_protocol() -> None:
    assert isinstance(SystemClock(), Clock)
    assert isinstance(ManualClock(), Clock)


def test_the_protocols_say_what_each_clock_can_do() -> None:
    assert not isinstance(SystemClock(), MovableClock)
    assert isinstance(ManualClock(), MovableClock)
    assert not isinstance(ManualClock(), FreezableClock)
    assert isinstance(OffsetClock(), FreezableClock)
