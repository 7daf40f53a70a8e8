"""Admin routes under /__emulator/: health, reset, the clock, and a state dump."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from freezegun import freeze_time

from emulator import Emulator, ManualClock, SystemClock
from emulator.server import OffsetClock, RestApi
from tests.server.helpers import KV_BASE, START, call, error_of

ADMIN = "/__emulator"


def test_health_answers_ok(api: RestApi) -> None:
    assert call(api, "GET", f"{ADMIN}/health").json()["result"] == {"ok": True}


def test_reset_empties_every_namespace_but_keeps_it(api: RestApi, emu: Emulator) -> None:
    kv = emu.kv("SESSIONS")
    kv.seed({"a": "1"})
    created = call(api, "POST", KV_BASE, {"title": "made-over-rest"}).json()["result"]
    emu.kv_namespace(created["id"]).seed({"b": "2"})
    assert call(api, "POST", f"{ADMIN}/reset").json()["result"] == {"reset": True}
    assert kv.snapshot() == {}
    assert emu.kv_namespace(created["id"]).snapshot() == {}
    assert [r.title for r in emu.resources("kv")] == ["SESSIONS", "made-over-rest"]


def test_get_clock_shows_the_emulator_clock(api: RestApi) -> None:
    assert call(api, "GET", f"{ADMIN}/clock").json()["result"] == {
        "now": START,
        "iso": "2027-01-15T08:00:00.000+00:00",
        "offset": None,
        "frozen": None,
        "clock": "ManualClock",
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"move_to": START + 3600}, START + 3600),
        ({"move_to": "2030-01-01T00:00:00Z"}, datetime(2030, 1, 1, tzinfo=UTC).timestamp()),
        ({"move_to": "2030-01-01T00:00:00"}, datetime(2030, 1, 1, tzinfo=UTC).timestamp()),
        ({"move_to": "2030-01-01T02:00:00+02:00"}, datetime(2030, 1, 1, tzinfo=UTC).timestamp()),
        ({"shift": -60}, START - 60),
        ({"move_to": START, "shift": 1.5}, START + 1.5),
    ],
)
def test_post_clock_moves_a_manual_clock(
    api: RestApi, clock: ManualClock, body: dict[str, object], expected: float
) -> None:
    result = call(api, "POST", f"{ADMIN}/clock", body).json()["result"]
    assert clock.now() == expected
    assert result["now"] == expected


def test_moving_the_clock_expires_kv_keys(api: RestApi, emu: Emulator) -> None:
    kv = emu.kv("SESSIONS")
    kv.seed({"k": "v"}, expiration_ttl=60)
    call(api, "POST", f"{ADMIN}/clock", {"shift": 60})
    assert call(api, "GET", f"{KV_BASE}/{kv.id}/values/k").status == 404


def test_an_offset_clock_can_be_frozen_released_and_reset() -> None:
    with freeze_time(datetime(2027, 1, 15, tzinfo=UTC)) as wall:
        emu = Emulator(clock=OffsetClock())
        api = RestApi(emu)
        frozen = call(api, "POST", f"{ADMIN}/clock", {"shift": 10, "freeze": True}).json()
        assert frozen["result"]["frozen"] is True
        wall.tick(100)
        assert emu.clock.now() == frozen["result"]["now"]
        released = call(api, "POST", f"{ADMIN}/clock", {"freeze": False}).json()["result"]
        assert released == {**released, "frozen": False, "offset": pytest.approx(-90.0)}
        real = call(api, "POST", f"{ADMIN}/clock", {"real": True}).json()["result"]
        assert (real["offset"], real["frozen"], real["clock"]) == (0.0, False, "OffsetClock")
        emu.close()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "send a JSON object with some of ['freeze', 'move_to', 'real', 'shift']"),
        ({"rewind": 1}, "send a JSON object with some of ['freeze', 'move_to', 'real', 'shift']"),
        ([1], "send a JSON object with some of ['freeze', 'move_to', 'real', 'shift']"),
        ({"shift": "60"}, "shift must be a number of seconds, not '60'"),
        ({"shift": True}, "shift must be a number of seconds, not True"),
        (
            {"move_to": "next tuesday"},
            "move_to must be epoch seconds or ISO-8601, not 'next tuesday'",
        ),
        ({"move_to": [1]}, "move_to must be epoch seconds or ISO-8601, not [1]"),
        ({"freeze": "yes"}, "freeze must be true or false, not 'yes'"),
        (
            {"freeze": True},
            "the server's clock is a ManualClock that does not follow wall time: 'freeze' "
            "needs an OffsetClock",
        ),
        (
            {"real": True, "shift": 60},
            "the server's clock is a ManualClock that does not follow wall time: 'real' "
            "needs an OffsetClock",
        ),
    ],
)
def test_bad_clock_requests_are_400_and_leave_the_clock_alone(
    api: RestApi, clock: ManualClock, body: object, message: str
) -> None:
    assert error_of(call(api, "POST", f"{ADMIN}/clock", body)) == (400, 9400, message)
    assert clock.now() == START


def test_a_clock_that_cannot_move_is_reported() -> None:
    api = RestApi(Emulator(clock=SystemClock()))
    assert error_of(call(api, "POST", f"{ADMIN}/clock", {"shift": 1})) == (
        400,
        9400,
        "the server's clock cannot be moved: run it on an OffsetClock or a ManualClock",
    )


def test_state_dumps_every_namespace_with_text_and_binary_values(
    api: RestApi, emu: Emulator
) -> None:
    kv = emu.kv("SESSIONS")
    kv.seed({"text": "héllo"}, metadata={"m": 1}, expiration_ttl=60)
    kv.seed({"bin": b"\xff\x00"})
    state = call(api, "GET", f"{ADMIN}/state").json()["result"]
    assert state["clock"]["now"] == START
    assert state["kv"] == [
        {
            "id": kv.id,
            "title": "SESSIONS",
            "bindings": ["SESSIONS"],
            "keys": [
                {"name": "bin", "value_base64": "/wA=", "metadata": None, "expiration": None},
                {"name": "text", "value": "héllo", "metadata": {"m": 1}, "expiration": START + 60},
            ],
        }
    ]


def test_state_limits_the_keys_shown(api: RestApi, emu: Emulator) -> None:
    emu.kv("SESSIONS").seed({f"k{i}": "v" for i in range(5)})
    state = call(api, "GET", f"{ADMIN}/state?limit=2").json()["result"]
    assert [k["name"] for k in state["kv"][0]["keys"]] == ["k0", "k1"]
    assert error_of(call(api, "GET", f"{ADMIN}/state?limit=0")) == (
        400,
        9400,
        "Invalid query parameter limit: 0",
    )
