"""The documented differences of ``emulator.remote`` (README table), shown against serve."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from emulator import D1Database, ManualClock
from emulator.remote import RemoteD1Database
from tests.targets import Serve, remote_options


@pytest.fixture
async def remote_db(serve: Serve) -> AsyncIterator[RemoteD1Database]:
    serve.reset(1_800_000_000)
    db = RemoteD1Database(serve.d1_database, **remote_options(serve))
    yield db
    await db.aclose()


async def test_an_infinite_real_reads_back_as_none_over_json(remote_db: RemoteD1Database) -> None:
    local = D1Database("DB", clock=ManualClock(start=0), path=None, database_id="x")
    sql = "SELECT 9e999 AS big, 9007199254740993 AS exact"
    assert await local.prepare(sql).first() == {"big": float("inf"), "exact": 9007199254740993}
    assert await remote_db.prepare(sql).first() == {"big": None, "exact": 9007199254740993}
    local.close()


async def test_meta_has_the_in_process_fields_with_the_servers_served_by(
    remote_db: RemoteD1Database,
) -> None:
    result = await remote_db.prepare("SELECT 1").all()
    assert list(result.meta) == [
        "served_by",
        "duration",
        "changes",
        "last_row_id",
        "changed_db",
        "size_after",
        "rows_read",
        "rows_written",
    ]
    assert result.meta["served_by"] == "cf-kv-d1-emulator"


async def test_blobs_travel_both_ways(remote_db: RemoteD1Database) -> None:
    row = await remote_db.prepare("SELECT ? AS b, typeof(?) AS t").bind(b"\x00\xff", b"").first()
    assert row == {"b": b"\x00\xff", "t": "blob"}
