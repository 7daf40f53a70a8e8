"""The documented differences of ``emulator.remote`` (README table), and its failures,
shown against serve."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from emulator import D1Database, D1Error, KVError, ManualClock
from emulator.remote import RemoteD1Database, RemoteKVNamespace
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
    assert await local.prepare(sql).first() == {"big": None, "exact": 9007199254740993}
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


async def test_a_wrong_token_says_to_check_the_token(serve: Serve) -> None:
    options = {**remote_options(serve), "api_token": "wrong"}
    kv = RemoteKVNamespace(serve.kv_namespace, **options)
    with pytest.raises(KVError) as caught:
        await kv.get("k")
    await kv.aclose()
    assert caught.value.status in (401, 403)
    message = str(caught.value)
    assert message.startswith(f"KV GET failed: {caught.value.status} ")
    assert f"(GET {serve.url}/accounts/" in message
    assert message.endswith(
        "check the API token (CLOUDFLARE_API_TOKEN), its permissions for this KV namespace, "
        "and the account id (CLOUDFLARE_ACCOUNT_ID)"
    )


async def test_an_unknown_namespace_or_database_says_to_check_its_id(serve: Serve) -> None:
    kv = RemoteKVNamespace("0" * 32, **remote_options(serve))
    db = RemoteD1Database("00000000-0000-0000-0000-000000000000", **remote_options(serve))
    with pytest.raises(KVError) as kv_error:
        await kv.put("k", "v")
    with pytest.raises(D1Error) as d1_error:
        await db.prepare("SELECT 1").first()
    await kv.aclose()
    await db.aclose()
    assert (kv_error.value.status, d1_error.value.status) == (404, 404)
    assert str(kv_error.value).endswith(": check the KV namespace id and the account id")
    assert str(d1_error.value).startswith("D1_ERROR: The database ")
    assert str(d1_error.value).endswith(": check the D1 database id and the account id")
