"""``cf_time``: one frozen clock for time.time(), datetime.now(), KV expiry and the rest.

These tests use the plugin's fixtures directly (the plugin is installed, so this suite is a
downstream project too); the misuse checks run a downstream file in a subprocess.
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from emulator import D1Database, Emulator, KVNamespace
from pytest_plugin import TimeTravel, TimeTravelConflictError

START = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.cf_time("2030-01-02T03:04:05Z")
def test_the_marker_starts_the_clock_at_the_given_instant(cf_time: TimeTravel) -> None:
    assert cf_time.now() == START.timestamp()
    assert cf_time.now_datetime() == START
    assert time.time() == START.timestamp()
    assert datetime.now(UTC) == START


@pytest.mark.cf_time(START)
def test_the_marker_alone_freezes_time_without_requesting_the_fixture() -> None:
    assert time.time() == START.timestamp()


def test_without_a_marker_the_clock_starts_at_the_current_whole_second(
    cf_time: TimeTravel,
) -> None:
    frozen = cf_time.now()
    assert frozen == int(frozen)
    assert abs(frozen - time.time()) < 1e-9
    # Time stands still while frozen.
    assert time.time() == frozen


@pytest.mark.cf_time(START)
def test_shift_moves_time_time_and_datetime_now_together(cf_time: TimeTravel) -> None:
    cf_time.shift(90)
    assert time.time() == START.timestamp() + 90
    cf_time.shift(timedelta(hours=1))
    assert datetime.now(UTC) == START + timedelta(seconds=90, hours=1)
    cf_time.shift(-90.5)
    assert cf_time.now() == START.timestamp() + 3600 - 0.5


@pytest.mark.cf_time(START)
@pytest.mark.parametrize(
    "when",
    ["2031-05-06T07:08:09Z", datetime(2031, 5, 6, 7, 8, 9), 1_935_817_689],
    ids=["iso", "naive-datetime", "epoch"],
)
def test_move_to_jumps_to_an_instant_in_any_accepted_form(
    cf_time: TimeTravel, when: object
) -> None:
    cf_time.move_to(when)  # type: ignore[arg-type]
    assert cf_time.now_datetime() == datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert time.time() == 1_935_817_689


@pytest.mark.cf_time(START)
def test_move_to_may_go_backwards(cf_time: TimeTravel) -> None:
    cf_time.move_to("1999-12-31T23:59:59Z")
    assert datetime.now(UTC) == datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda t: t.shift("60"),
            TypeError,
            "expected a timedelta or a number of seconds, got str",
        ),
        (
            lambda t: t.shift(True),
            TypeError,
            "expected a timedelta or a number of seconds, got bool",
        ),
        (
            lambda t: t.move_to("soon"),
            ValueError,
            "'soon' is not a date: use an ISO 8601 string such as '2030-01-02T03:04:05Z', "
            "a datetime or date (naive means UTC), or epoch seconds",
        ),
    ],
    ids=["shift-str", "shift-bool", "move-to-garbage"],
)
def test_moves_refuse_what_is_not_a_duration_or_an_instant(
    cf_time: TimeTravel, call: object, error: type[Exception], message: str
) -> None:
    before = cf_time.now()
    with pytest.raises(error) as caught:
        call(cf_time)  # type: ignore[operator]
    assert str(caught.value) == message
    assert cf_time.now() == before


async def test_kv_entries_expire_when_cf_time_moves_past_their_expiration(
    cf_time: TimeTravel, cf_kv: KVNamespace
) -> None:
    await cf_kv.put("token", "abc", expiration_ttl=60)
    cf_time.shift(59)
    assert await cf_kv.get("token") == "abc"
    cf_time.shift(1)
    assert await cf_kv.get("token") is None


@pytest.mark.cf_time(START)
async def test_d1_time_functions_follow_cf_time(cf_time: TimeTravel, cf_d1: D1Database) -> None:
    query = cf_d1.prepare("SELECT unixepoch() AS t, datetime('now') AS d, CURRENT_DATE AS day")
    assert await query.first() == {
        "t": 1_893_553_445,
        "d": "2030-01-02 03:04:05",
        "day": "2030-01-02",
    }
    cf_time.shift(timedelta(days=1))
    assert await query.first() == {
        "t": 1_893_639_845,
        "d": "2030-01-03 03:04:05",
        "day": "2030-01-03",
    }


async def test_cf_emulator_reads_the_frozen_clock(
    cf_time: TimeTravel, cf_emulator: Emulator
) -> None:
    assert cf_emulator.clock.now() == cf_time.now()
    cf_time.shift(3600)
    assert cf_emulator.clock.now() == cf_time.now()


async def test_event_loop_timers_keep_running_while_time_is_frozen(cf_time: TimeTravel) -> None:
    loop = asyncio.get_running_loop()
    fired = loop.create_future()
    # A timer 1 ms ahead: it only fires if the loop's clock moves while time.time() stands.
    loop.call_later(0.001, fired.set_result, "fired")
    assert await fired == "fired"
    assert time.time() == cf_time.now()


def test_a_stopped_time_travel_gives_the_real_clock_back() -> None:
    travel = TimeTravel("2001-01-01T00:00:00Z").start()
    assert time.time() == datetime(2001, 1, 1, tzinfo=UTC).timestamp()
    assert travel.active
    travel.stop()
    travel.stop()  # idempotent
    assert not travel.active
    assert time.time() > datetime(2020, 1, 1, tzinfo=UTC).timestamp()
    with pytest.raises(RuntimeError) as caught:
        travel.now()
    assert str(caught.value) == "cf_time is not active (the test that owned it has finished)"
    assert repr(travel) == "TimeTravel(stopped)"


def test_time_travel_is_a_context_manager_and_refuses_a_second_start() -> None:
    with TimeTravel(0) as travel:
        assert time.time() == 0
        assert repr(travel) == "TimeTravel('1970-01-01T00:00:00+00:00')"
        with pytest.raises(RuntimeError) as caught:
            travel.start()
        assert str(caught.value) == "this TimeTravel is already started"
    assert not travel.active


def test_time_travel_refuses_to_start_while_time_machine_travels() -> None:
    import time_machine

    with (
        time_machine.travel(0, tick=False),
        pytest.raises(TimeTravelConflictError, match="time-machine is travelling") as caught,
    ):
        TimeTravel().start()
    assert str(caught.value).startswith(
        "cf_time cannot start: time-machine is travelling in this test"
    )


DOWNSTREAM = """
import asyncio
import time

import pytest
import time_machine
from aiohttp import web

pytestmark = pytest.mark.asyncio


@pytest.fixture
def travelling():
    with time_machine.travel(0, tick=False):
        yield


def test_cf_time_while_time_machine_travels(travelling, cf_time):
    pass


@pytest.mark.cf_time("2030-01-01T00:00:00Z")
async def test_asyncio_sleep_in_a_handler_works_while_frozen(cf_time, aiohttp_client):
    async def handler(request):
        await asyncio.sleep(0.001)
        return web.json_response({"now": time.time()})

    app = web.Application()
    app.router.add_get("/", handler)
    client = await aiohttp_client(app)
    response = await client.get("/")
    assert await response.json() == {"now": 1893456000.0}
"""


def test_downstream_cf_time_misuse_and_asyncio(downstream: pytest.Pytester) -> None:
    downstream.makepyfile(test_clock=DOWNSTREAM)
    result = downstream.runpytest_subprocess("-rE")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_cf_time_while_time_machine_travels*",
            "cf_time cannot start: time-machine is travelling in this test (a time_machine "
            "fixture that moved, a @pytest.mark.time_machine marker or a "
            "time_machine.travel() block). cf_time is built on freezegun, and freezegun and "
            "time-machine cannot patch the clock at the same time. Use one per test: "
            "cf_time.move_to()/cf_time.shift() do what time_machine.move_to()/shift() do "
            "and also move the emulator, cookies and sessions.",
        ]
    )


DURATIONS = """
import time

import pytest


@pytest.mark.cf_time("2030-01-01T00:00:00Z")
def test_frozen_in_2030(cf_time):
    cf_time.shift(3600)
    assert time.time() == 1893456000.0 + 3600


def test_frozen_at_the_epoch(cf_time):
    cf_time.move_to(0)
    assert time.time() == 0.0
"""


def test_pytest_times_tests_on_the_real_clock_while_cf_time_is_frozen(
    downstream: pytest.Pytester,
) -> None:
    downstream.makepyfile(test_durations=DURATIONS)
    result = downstream.runpytest_subprocess("--durations=0", "--durations-min=0")
    result.assert_outcomes(passed=2)
    timings = [
        line for line in result.outlines if re.match(r"^\d+\.\d+s +(setup|call|teardown) ", line)
    ]
    assert len(timings) == 6, result.outlines
    # Each phase takes milliseconds: a frozen timer would report years (1893552583.00s).
    assert all(float(line.split("s ", 1)[0]) < 60 for line in timings), timings
    # The session's own duration ("2 passed in 0.12s") is on the real clock as well.
    (summary,) = [line for line in result.outlines if " passed in " in line]
    seconds = float(re.search(r" in (\d+\.\d+)s", summary).group(1))  # type: ignore[union-attr]
    assert seconds < 600, summary
