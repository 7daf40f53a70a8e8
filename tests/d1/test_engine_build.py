"""What D1's own build of SQLite gives that a general-purpose build would not: workerd's
compile options (printf's precision cap, no FTS3/R*Tree), FTS5 writing its index at commit
(after D1 took ``meta.changes``), and TEXT that is not UTF-8 read as JavaScript reads it.

Expected values are Miniflare 4.20260426's answers to the same statements, in order.
"""

from __future__ import annotations

import pytest

from emulator import D1Database, D1Error


async def test_printf_widths_and_precisions_stop_at_100000(db: D1Database) -> None:
    row = await db.prepare(
        "SELECT length(printf('%.*c', 200000, 'x')) AS n, length(printf('%200000d', 1)) AS w"
    ).first()
    assert row == {"n": 100000, "w": 100000}


async def test_fts5_writes_at_commit_are_not_in_meta(db: D1Database) -> None:
    await db.exec("CREATE VIRTUAL TABLE f USING fts5(a);")
    observed = []
    for sql in (
        "INSERT INTO f VALUES ('hello world')",
        "INSERT INTO f VALUES ('hello again'), ('third one')",
        "DELETE FROM f WHERE rowid = 1",
    ):
        meta = (await db.prepare(sql).run()).meta
        observed.append((meta["changes"], meta["rows_read"], meta["rows_written"]))
    assert observed == [(3, 0, 1), (6, 0, 2), (3, 0, 1)]
    result = await db.prepare("SELECT rowid, a FROM f WHERE f MATCH 'hello'").all()
    assert result.results == [{"rowid": 2, "a": "hello again"}]
    assert (result.meta["rows_read"], result.meta["changes"]) == (1, 0)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "SELECT rtreecheck('x') AS v",
            "D1_ERROR: no such function: rtreecheck at offset 7: SQLITE_ERROR",
        ),
        (
            "SELECT name FROM pragma_module_list ORDER BY name",
            "D1_ERROR: not authorized: SQLITE_AUTH",
        ),
    ],
)
async def test_what_workerds_build_lacks_or_refuses(db: D1Database, sql: str, message: str) -> None:
    with pytest.raises(D1Error) as caught:
        await db.prepare(sql).all()
    assert str(caught.value) == message


async def test_text_that_is_not_utf8_reads_back_as_d1_reads_it_even_from_a_write(
    db: D1Database,
) -> None:
    await db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);")
    inserted = await db.prepare(
        "INSERT INTO t (s) VALUES (CAST(x'61ff62' AS TEXT)) RETURNING id, s, length(s) AS n"
    ).all()
    assert inserted.results == [{"id": 1, "s": "a\ufffdb", "n": 3}]
    updated = await db.prepare("UPDATE t SET s = s || CAST(x'c3' AS TEXT) RETURNING s").all()
    assert updated.results == [{"s": "a\ufffdb\ufffd"}]
    assert (updated.meta["rows_read"], updated.meta["rows_written"]) == (4, 1)
    stored = await db.prepare("SELECT s, hex(s) AS h FROM t").all()
    assert stored.results == [{"s": "a\ufffdb\ufffd", "h": "61FF62C3"}]
    decoded = await db.prepare(
        "SELECT CAST(x'eda080' AS TEXT) AS a, CAST(x'f09f98' AS TEXT) AS b, "
        "CAST(x'e282ac' AS TEXT) AS c"
    ).first()
    assert decoded == {"a": "\ufffd\ufffd\ufffd", "b": "\ufffd", "c": "\u20ac"}
