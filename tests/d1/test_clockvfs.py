"""Every SQLite time function follows the emulator's clock (docs/d1.md#time)."""

from __future__ import annotations

import datetime

import pytest
from freezegun import freeze_time

from emulator import D1Database, D1Error, Emulator, ManualClock
from emulator.d1.clockvfs import julian_day_ms

from .conftest import START

SESSIONS = (
    "CREATE TABLE sessions (id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL)"
)
# The statements session.rs runs on D1.
WRITE = "INSERT OR REPLACE INTO sessions (id, data, expires_at) VALUES (?, ?, unixepoch() + ?)"
READ = "SELECT data FROM sessions WHERE id = ? AND expires_at > unixepoch()"


async def value(db: D1Database, expression: str) -> object:
    return await db.prepare(f"SELECT {expression} AS v").first("v")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("unixepoch()", START),
        ("unixepoch('now')", START),
        ("unixepoch('subsec')", START + 0.0),
        ("datetime('now')", "2027-01-15 08:00:00"),
        ("datetime()", "2027-01-15 08:00:00"),
        ("CURRENT_TIMESTAMP", "2027-01-15 08:00:00"),
        ("CURRENT_DATE", "2027-01-15"),
        ("CURRENT_TIME", "08:00:00"),
        ("date('now')", "2027-01-15"),
        ("time()", "08:00:00"),
        ("julianday('now')", 2461420.8333333335),
        ("strftime('%s', 'now')", str(START)),
        ("strftime('%Y-%m-%d %H:%M:%f')", "2027-01-15 08:00:00.000"),
        ("timediff('now', '2027-01-14 08:00:00')", "+0000-00-01 00:00:00.000"),
        ("datetime('now', '+1 day', 'start of month')", "2027-01-01 00:00:00"),
        ("date('now', 'weekday 0')", "2027-01-17"),
        ("date('now', '+1 month', 'ceiling')", "2027-02-15"),
        ("unixepoch('now', 'unixepoch')", None),  # 'unixepoch' needs a number, as in SQLite
        ("datetime('NOW')", "2027-01-15 08:00:00"),
        ("datetime(' now')", None),
    ],
)
async def test_time_functions_read_the_emulator_clock(
    db: D1Database, expression: str, expected: object
) -> None:
    assert await value(db, expression) == expected


async def test_moving_the_clock_moves_every_time_function(
    db: D1Database, clock: ManualClock
) -> None:
    clock.shift(datetime.timedelta(days=1, seconds=1.25))
    assert await value(db, "unixepoch()") == START + 86_401
    assert await value(db, "unixepoch('subsec')") == START + 86_401.25
    assert await value(db, "datetime('now', 'subsec')") == "2027-01-16 08:00:01.250"
    clock.move_to(datetime.datetime(2030, 2, 3, 4, 5, 6))
    assert await value(db, "CURRENT_TIMESTAMP") == "2030-02-03 04:05:06"


async def test_time_modifiers_on_fixed_values_behave_as_in_sqlite(db: D1Database) -> None:
    assert await value(db, "unixepoch('2024-01-01', 'auto')") == 1_704_067_200
    assert await value(db, "datetime(1700000000.5, 'unixepoch', 'subsec')") == (
        "2023-11-14 22:13:20.500"
    )
    assert await value(db, "date('2024-01-31', '+1 month', 'floor')") == "2024-02-29"
    assert await value(db, "strftime('%G %V %u', '2024-06-05')") == "2024 23 3"


async def test_now_is_constant_within_a_statement(db: D1Database, clock: ManualClock) -> None:
    rows = await db.prepare(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 500) "
        "SELECT count(DISTINCT unixepoch('subsec')) AS c FROM n"
    ).first("c")
    assert rows == 1


async def test_column_defaults_use_the_clock(db: D1Database, clock: ManualClock) -> None:
    await db.exec(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP, "
        "day TEXT DEFAULT CURRENT_DATE, u INTEGER DEFAULT (unixepoch()));"
    )
    await db.prepare("INSERT INTO events (id) VALUES (1)").run()
    clock.shift(3600)
    await db.prepare("INSERT INTO events (id) VALUES (2)").run()
    assert await db.prepare("SELECT at, day, u FROM events ORDER BY id").raw() == [
        ["2027-01-15 08:00:00", "2027-01-15", START],
        ["2027-01-15 09:00:00", "2027-01-15", START + 3600],
    ]


async def test_sessions_expire_when_the_clock_passes_expires_at(
    db: D1Database, clock: ManualClock
) -> None:
    await db.exec(SESSIONS)
    await db.prepare(WRITE).bind("s1", '{"user":"ada"}', 60).run()
    assert await db.prepare(READ).bind("s1").first("data") == '{"user":"ada"}'
    clock.shift(59)
    assert await db.prepare(READ).bind("s1").first("data") == '{"user":"ada"}'
    clock.shift(1)
    assert await db.prepare(READ).bind("s1").first() is None
    await db.prepare(WRITE).bind("s1", '{"user":"bob"}', 60).run()  # renewed from "now"
    assert await db.prepare(READ).bind("s1").first("data") == '{"user":"bob"}'


async def test_freezegun_moves_d1_time_through_the_system_clock() -> None:
    with freeze_time("2031-05-06 07:08:09") as frozen:
        emulator = Emulator()
        db = emulator.d1("DB")
        await db.exec(SESSIONS)
        await db.exec(
            "CREATE TABLE seen (id INTEGER PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP)"
        )
        await db.prepare("INSERT INTO seen (id) VALUES (1)").run()
        assert await db.prepare("SELECT at FROM seen").first("at") == "2031-05-06 07:08:09"
        frozen_at = datetime.datetime(2031, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
        assert await value(db, "unixepoch()") == int(frozen_at.timestamp())
        assert await value(db, "CURRENT_TIMESTAMP") == "2031-05-06 07:08:09"
        await db.prepare(WRITE).bind("s", "x", 120).run()
        frozen.tick(datetime.timedelta(seconds=119))
        assert await db.prepare(READ).bind("s").first("data") == "x"
        frozen.tick(datetime.timedelta(seconds=1))
        assert await db.prepare(READ).bind("s").first() is None
        emulator.close()


async def test_now_in_a_check_constraint_is_refused_as_on_d1(db: D1Database) -> None:
    await db.prepare("CREATE TABLE dt (c TEXT CHECK (c IS NULL OR c < date('now')))").run()
    with pytest.raises(D1Error) as raised:
        await db.prepare("INSERT INTO dt (c) VALUES ('2000-01-01')").run()
    assert str(raised.value) == (
        "D1_ERROR: non-deterministic use of date() in a CHECK constraint: SQLITE_ERROR"
    )


async def test_date_functions_with_fixed_arguments_may_index(db: D1Database) -> None:
    await db.exec("CREATE TABLE logs (at TEXT);\nCREATE INDEX logs_day ON logs (date(at));")
    await db.prepare("INSERT INTO logs VALUES ('2024-01-02 03:04:05')").run()
    assert await db.prepare("SELECT date(at) AS d FROM logs").first("d") == "2024-01-02"


@pytest.mark.in_process("sqlite_utils is in-process tooling")
async def test_sqlite_utils_sees_the_same_clock(db: D1Database, clock: ManualClock) -> None:
    clock.shift(42)
    assert db.sqlite_utils.execute("SELECT unixepoch()").fetchone() == (START + 42,)


@pytest.mark.parametrize(
    ("seconds", "milliseconds"),
    [
        (0.0, 210_866_760_000_000),
        (1_800_000_000.123, 210_866_760_000_000 + 1_800_000_000_123),
        (1.0005, 210_866_760_000_000 + 1000),  # truncated to the millisecond
        (-1.5, 210_866_760_000_000 - 1500),
    ],
)
def test_julian_day_ms_matches_sqlites_clock_resolution(seconds: float, milliseconds: int) -> None:
    assert julian_day_ms(seconds) == milliseconds
