"""SQL's ``changes()``, ``total_changes()`` and ``last_insert_rowid()`` around Miniflare's
bookmark write.

After every request that succeeds, Miniflare's Durable Object upserts a local-development
bookmark row into ``_cf_METADATA`` on the same connection: the next request starts with
``changes()`` at 1, and ``total_changes()`` grows by one per request; failed requests write
none, and ``meta.changes`` never counts it. Every expected value here was observed on
Miniflare 4.20260426, each call being one request on a database of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator import D1Database, ManualClock
from emulator.errors import D1Error

PROBE = "SELECT changes() AS c, total_changes() AS t, last_insert_rowid() AS r"
TABLE = "CREATE TABLE t (id INTEGER PRIMARY KEY, x)"


async def probe(db: D1Database) -> tuple[int, int, int]:
    """``(changes(), total_changes(), last_insert_rowid())`` in a request of its own."""
    row = await db.prepare(PROBE).first()
    return row["c"], row["t"], row["r"]


def probed(results: list[Any]) -> list[tuple[int, int, int]]:
    """The probe's answers among a batch's results."""
    rows = [r.results[0] for r in results if r.results and "r" in r.results[0]]
    return [(row["c"], row["t"], row["r"]) for row in rows]


async def test_a_new_database_starts_at_zero_then_counts_one_write_per_request(
    db: D1Database,
) -> None:
    # The first write creates the table and inserts key 2: last_insert_rowid() stays 2.
    assert [await probe(db) for _ in range(4)] == [(0, 0, 0), (1, 1, 2), (1, 2, 2), (1, 3, 2)]


async def test_all_raw_run_batch_and_first_are_one_request_each(db: D1Database) -> None:
    assert (await db.prepare(PROBE).all()).results == [{"c": 0, "t": 0, "r": 0}]
    assert await db.prepare(PROBE).raw() == [[1, 1, 2]]
    assert (await db.prepare(PROBE).run()).results == [{"c": 1, "t": 2, "r": 2}]
    batch = await db.batch([db.prepare(PROBE), db.prepare(PROBE)])
    assert probed(batch) == [(1, 3, 2), (1, 3, 2)]
    assert await probe(db) == (1, 4, 2)


async def test_exec_is_one_request_whatever_it_holds(db: D1Database) -> None:
    await db.exec(TABLE)
    assert await probe(db) == (1, 1, 2)
    await db.exec("SELECT 1; SELECT 2; SELECT 3")
    assert await probe(db) == (1, 3, 2)
    await db.exec("INSERT INTO t (x) VALUES (1); INSERT INTO t (x) VALUES (2)")
    assert await probe(db) == (1, 7, 2)


async def test_requests_that_only_read_write_it_too(db: D1Database) -> None:
    await db.prepare(TABLE).run()
    seen = [await probe(db)]
    await db.prepare("SELECT * FROM t").all()
    seen.append(await probe(db))
    await db.prepare("SELECT 1").first()
    seen.append(await probe(db))
    await db.prepare("SELECT 1").raw()
    seen.append(await probe(db))
    assert seen == [(1, 1, 2), (1, 3, 2), (1, 5, 2), (1, 7, 2)]


async def test_many_reads_then_a_write(db: D1Database) -> None:
    for _ in range(20):
        await db.prepare("SELECT 1").first()
    assert await probe(db) == (1, 20, 2)
    await db.prepare("CREATE TABLE z (a)").run()
    await db.prepare("INSERT INTO z VALUES (1), (2), (3)").run()
    assert await probe(db) == (1, 26, 3)
    await db.prepare("SELECT 1").first()
    await db.prepare("SELECT 1").first()
    batch = await db.batch([db.prepare("UPDATE z SET a = a WHERE 0"), db.prepare(PROBE)])
    assert probed(batch) == [(0, 29, 3)]
    assert await probe(db) == (1, 30, 3)


@pytest.mark.parametrize(
    "failing",
    ["SELEC 1", "   ", "SELECT * FROM nope"],
    ids=["syntax-error", "no-statement", "no-such-table"],
)
async def test_a_failed_request_writes_none(db: D1Database, failing: str) -> None:
    await db.prepare(TABLE).run()
    assert await probe(db) == (1, 1, 2)
    with pytest.raises(D1Error):
        await db.prepare(failing).run()
    assert await probe(db) == (1, 2, 2)


async def test_a_failed_insert_leaves_changes_at_zero(db: D1Database) -> None:
    await db.prepare(TABLE).run()
    await db.prepare("INSERT INTO t VALUES (1, 1)").run()
    assert await probe(db) == (1, 3, 1)
    with pytest.raises(D1Error, match="UNIQUE constraint failed"):
        await db.prepare("INSERT INTO t VALUES (1, 1)").run()
    assert await probe(db) == (0, 4, 1)


async def test_a_failed_batch_counts_the_rows_it_rolled_back(db: D1Database) -> None:
    await db.prepare(TABLE).run()
    assert await probe(db) == (1, 1, 2)
    with pytest.raises(D1Error, match="UNIQUE constraint failed"):
        await db.batch(
            [db.prepare("INSERT INTO t VALUES (1, 1)"), db.prepare("INSERT INTO t VALUES (1, 1)")]
        )
    assert await probe(db) == (0, 3, 1)
    batch = await db.batch([db.prepare("INSERT INTO t VALUES (1, 1)"), db.prepare(PROBE)])
    assert probed(batch) == [(1, 5, 1)]
    assert await probe(db) == (1, 6, 1)


async def test_statements_of_the_same_request_see_each_other(db: D1Database) -> None:
    await db.prepare(TABLE).run()
    batch = await db.batch(
        [
            db.prepare("INSERT INTO t (x) VALUES (?), (?), (?)").bind(1, 2, 3),
            db.prepare(PROBE),
            db.prepare("UPDATE t SET x = 0 WHERE 0"),
            db.prepare(PROBE),
            db.prepare("SELECT 1"),
            db.prepare(PROBE),
            db.prepare("UPDATE t SET x = x + 1"),
            db.prepare(PROBE),
        ]
    )
    assert probed(batch) == [(3, 4, 3), (0, 4, 3), (0, 4, 3), (3, 7, 3)]
    assert [r.meta["changes"] for r in batch] == [3, 0, 0, 0, 0, 0, 3, 0]
    assert await probe(db) == (1, 8, 3)


async def test_ddl_leaves_changes_alone(db: D1Database) -> None:
    batch = await db.batch(
        [
            db.prepare("CREATE TABLE z (a)"),
            db.prepare(PROBE),
            db.prepare("INSERT INTO z VALUES (1)"),
            db.prepare(PROBE),
            db.prepare("CREATE TABLE y (a)"),
            db.prepare(PROBE),
            db.prepare("SELECT * FROM z"),
            db.prepare(PROBE),
        ]
    )
    assert probed(batch) == [(0, 0, 0), (1, 1, 1), (1, 1, 1), (1, 1, 1)]
    assert await probe(db) == (1, 2, 2)


async def test_a_dml_that_changed_no_row_sets_changes_to_zero_until_the_request_ends(
    db: D1Database,
) -> None:
    await db.prepare(TABLE).run()
    await db.prepare("UPDATE t SET x = 1 WHERE 0").run()
    assert await probe(db) == (1, 2, 2)
    batch = await db.batch([db.prepare("UPDATE t SET x = 1 WHERE 0"), db.prepare(PROBE)])
    assert probed(batch) == [(0, 3, 2)]
    assert await probe(db) == (1, 4, 2)
    await db.prepare("INSERT INTO t (x) VALUES (5)").run()
    assert await probe(db) == (1, 7, 1)


async def test_one_prepare_with_several_statements(db: D1Database) -> None:
    await db.prepare(TABLE).run()
    seen = [
        (await db.prepare(f"{first}; {PROBE}").all()).results
        for first in ("INSERT INTO t (x) VALUES (1)", "UPDATE t SET x = 2 WHERE 0", "SELECT 1")
    ]
    assert seen == [
        [{"c": 1, "t": 2, "r": 1}],
        [{"c": 0, "t": 3, "r": 1}],
        [{"c": 1, "t": 4, "r": 1}],
    ]


async def test_meta_changes_never_counts_it(db: D1Database) -> None:
    statements = [
        TABLE,
        "INSERT INTO t (x) VALUES (1), (2)",
        "UPDATE t SET x = 9",
        "SELECT 1",
        "DELETE FROM t",
    ]
    changes = [(await db.prepare(sql).run()).meta["changes"] for sql in statements]
    assert changes == [0, 2, 2, 0, 2]
    assert await probe(db) == (1, 11, 2)


async def test_inside_a_statement_it_counts_what_ended_before_it(db: D1Database) -> None:
    await db.prepare(TABLE).run()
    returned = await db.prepare(
        "INSERT INTO t (x) SELECT changes() RETURNING x, changes() AS c, total_changes() AS t"
    ).all()
    assert returned.results == [{"x": 1, "c": 1, "t": 1}]
    returned = await db.prepare("INSERT INTO t (x) SELECT total_changes() RETURNING x").all()
    assert returned.results == [{"x": 3}]
    assert await probe(db) == (1, 5, 2)


async def test_views_and_triggers_see_it(db: D1Database) -> None:
    await db.prepare(TABLE).run()
    await db.prepare("CREATE TABLE log (c, t)").run()
    await db.prepare("CREATE VIEW v AS SELECT changes() AS c, total_changes() AS t").run()
    assert (await db.prepare("SELECT * FROM v").all()).results == [{"c": 1, "t": 3}]
    await db.prepare(
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN "
        "INSERT INTO log VALUES (changes(), total_changes()); END"
    ).run()
    inserted = await db.prepare("INSERT INTO t (x) VALUES (1), (2)").run()
    assert inserted.meta["changes"] == 4
    assert (await db.prepare("SELECT * FROM log").all()).results == [
        {"c": 1, "t": 5},
        {"c": 1, "t": 6},
    ]
    assert (await db.prepare("SELECT * FROM v").all()).results == [{"c": 1, "t": 11}]
    assert await probe(db) == (1, 12, 2)


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        (
            "CREATE TABLE c (x, y AS (changes()))",
            "D1_ERROR: non-deterministic functions prohibited in generated columns at offset 25: "
            "SQLITE_ERROR",
        ),
        (
            "CREATE INDEX i ON t (x + changes())",
            "D1_ERROR: non-deterministic functions prohibited in index expressions at offset 25: "
            "SQLITE_ERROR",
        ),
        (
            "CREATE INDEX i ON t (x) WHERE total_changes() > 0",
            "D1_ERROR: non-deterministic functions prohibited in partial index WHERE clauses at "
            "offset 30: SQLITE_ERROR",
        ),
        (
            "SELECT changes(1)",
            "D1_ERROR: wrong number of arguments to function changes() at offset 7: SQLITE_ERROR",
        ),
        (
            "SELECT total_changes(1, 2)",
            "D1_ERROR: wrong number of arguments to function total_changes() at offset 7: "
            "SQLITE_ERROR",
        ),
    ],
    ids=["generated-column", "index-expression", "partial-index", "changes-args", "total-args"],
)
async def test_the_functions_keep_their_rules(db: D1Database, sql: str, error: str) -> None:
    await db.prepare(TABLE).run()
    with pytest.raises(D1Error) as raised:
        await db.prepare(sql).run()
    assert str(raised.value) == error


async def test_function_names_are_case_insensitive(db: D1Database) -> None:
    await db.prepare(TABLE).run()
    row = await db.prepare("SELECT CHANGES() AS a, Total_Changes() AS b").first()
    assert row == {"a": 1, "b": 1}


async def test_upserts_then_reads(db: D1Database) -> None:
    upsert = (
        "INSERT INTO kv VALUES (?, ?, 0) ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1"
    )
    await db.prepare("CREATE TABLE kv (k TEXT PRIMARY KEY, v, n)").run()
    await db.prepare(upsert).bind("a", 1).run()
    await db.prepare(upsert).bind("a", 2).run()
    assert (await db.prepare("SELECT * FROM kv").all()).results == [{"k": "a", "v": 2, "n": 1}]
    totals = await db.prepare("SELECT changes() AS c, total_changes() AS t").first()
    assert totals == {"c": 1, "t": 6}


@pytest.mark.parametrize(
    ("setup", "failing", "failure"),
    [
        (
            "CREATE TRIGGER tr BEFORE INSERT ON t WHEN new.x = 13 "
            "BEGIN SELECT RAISE(ROLLBACK, 'no'); END",
            "INSERT INTO t (x) VALUES (13)",
            "internal error",
        ),
        (
            "CREATE TABLE c (id INTEGER PRIMARY KEY, p REFERENCES t(id) DEFERRABLE INITIALLY "
            "DEFERRED)",
            "INSERT INTO c VALUES (1, 99)",
            "Durable Object was reset",
        ),
    ],
    ids=["raise-rollback", "deferred-foreign-key"],
)
async def test_a_reset_durable_object_starts_from_zero(
    db: D1Database, setup: str, failing: str, failure: str
) -> None:
    await db.prepare(TABLE).run()
    await db.prepare(setup).run()
    await db.prepare("INSERT INTO t (x) VALUES (1)").run()
    assert await probe(db) == (1, 4, 1)
    with pytest.raises(D1Error, match=failure):
        await db.batch([db.prepare("INSERT INTO t (x) VALUES (2)"), db.prepare(failing)])
    # The bookmark table survived: its write is an update that leaves the rowid at 0.
    assert [await probe(db), await probe(db)] == [(0, 0, 0), (1, 1, 0)]


# -- in-process: a restart, the emulator's own tools -------------------------------------------


def _open(path: Path | None) -> D1Database:
    return D1Database("DB", clock=ManualClock(start=1_800_000_000), path=path, database_id="x")


@pytest.fixture
def memory_db() -> Iterator[D1Database]:
    db = _open(None)
    yield db
    db.close()


async def test_a_restart_starts_from_zero_and_keeps_the_table(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    db = _open(path)
    await db.prepare(TABLE).run()
    seen = [await probe(db), await probe(db)]
    db.close()
    db = _open(path)
    seen += [await probe(db), await probe(db)]
    await db.prepare("INSERT INTO t (x) VALUES (1)").run()
    db.close()
    db = _open(path)
    seen.append(await probe(db))
    db.close()
    assert seen == [(1, 1, 2), (1, 2, 2), (0, 0, 0), (1, 1, 0), (0, 0, 0)]


async def test_a_restart_before_any_request_succeeded(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    db = _open(path)
    with pytest.raises(D1Error):
        await db.prepare("SELEC").run()
    db.close()
    db = _open(path)
    assert [await probe(db), await probe(db)] == [(0, 0, 0), (1, 1, 2)]
    db.close()


async def test_tooling_reads_are_not_requests(memory_db: D1Database) -> None:
    # As Miniflare's export, which answers before its bookmark write.
    db = memory_db
    assert db.read_rows("SELECT 1") == [(1,)]
    assert db.read_rows("SELECT 2") == [(2,)]
    assert [await probe(db), await probe(db)] == [(0, 0, 0), (1, 1, 2)]


async def test_reset_gives_a_new_database_s_counters(memory_db: D1Database) -> None:
    db = memory_db
    await db.prepare(TABLE).run()
    await db.prepare("INSERT INTO t (x) VALUES (1)").run()
    db.reset()
    assert [await probe(db), await probe(db)] == [(0, 0, 0), (1, 1, 2)]


async def test_sqlite_utils_writes_count_as_the_connection_s_own(memory_db: D1Database) -> None:
    db = memory_db
    await db.prepare(TABLE).run()
    await db.prepare("SELECT 1").first()
    db.sqlite_utils["t"].insert_all([{"x": 1}, {"x": 2}, {"x": 3}])
    # Two bookmark writes, then the three rows sqlite-utils inserted.
    assert await probe(db) == (3, 5, 3)
    assert await probe(db) == (1, 6, 3)


async def test_restore_gives_a_started_database_s_counters(memory_db: D1Database) -> None:
    db = memory_db
    await db.prepare(TABLE).run()
    image = db.image()
    await db.prepare("INSERT INTO t (x) VALUES (1)").run()
    db.restore(image)
    # The image holds the bookmark table: the next write updates it, as after a restart.
    assert [await probe(db), await probe(db)] == [(0, 0, 0), (1, 1, 0)]
