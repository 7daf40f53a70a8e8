"""D1PreparedStatement: first / all / run / raw, parameters, multi-statement strings."""

from __future__ import annotations

import pytest

from emulator import D1Database, D1Error
from emulator.d1.constants import D1_COLUMN_NOTFOUND


@pytest.fixture
async def users(db: D1Database) -> D1Database:
    await db.exec(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, score REAL);\n"
        "INSERT INTO users (name, score) VALUES ('ada', 1.5), ('bob', NULL);"
    )
    return db


async def test_first_returns_the_first_row_as_a_dict(users: D1Database) -> None:
    row = await users.prepare("SELECT * FROM users ORDER BY id").first()
    assert row == {"id": 1, "name": "ada", "score": 1.5}


async def test_first_returns_none_when_there_are_no_rows(users: D1Database) -> None:
    statement = users.prepare("SELECT * FROM users WHERE id = ?").bind(99)
    assert await statement.first() is None
    assert await statement.first("nope") is None  # even for a column that does not exist


async def test_first_with_a_column_returns_its_value_including_null(users: D1Database) -> None:
    statement = users.prepare("SELECT * FROM users WHERE id = ?")
    assert await statement.bind(1).first("name") == "ada"
    assert await statement.bind(2).first("score") is None


async def test_first_with_an_unknown_column_raises_column_notfound(users: D1Database) -> None:
    with pytest.raises(D1Error) as raised:
        await users.prepare("SELECT 1 AS a").first("nope")
    assert str(raised.value) == "D1_COLUMN_NOTFOUND: Column not found (nope)"
    assert str(raised.value) == D1_COLUMN_NOTFOUND.format("nope")


async def test_first_on_an_insert_without_returning_is_none_and_still_inserts(
    users: D1Database,
) -> None:
    assert await users.prepare("INSERT INTO users (name) VALUES ('cy')").first() is None
    assert await users.prepare("SELECT count(*) AS n FROM users").first("n") == 3


async def test_first_of_insert_returning_inserts_every_row(users: D1Database) -> None:
    statement = users.prepare("INSERT INTO users (name) VALUES ('x'), ('y') RETURNING name")
    assert await statement.first() == {"name": "x"}
    assert await users.prepare("SELECT count(*) AS n FROM users").first("n") == 4


async def test_all_returns_results_success_and_meta(users: D1Database) -> None:
    result = await users.prepare("SELECT name FROM users ORDER BY id").all()
    assert result.success is True
    assert result.results == [{"name": "ada"}, {"name": "bob"}]
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


async def test_run_returns_the_rows_of_a_select_as_miniflare_does(users: D1Database) -> None:
    result = await users.prepare("SELECT name FROM users ORDER BY id LIMIT 1").run()
    assert result.results == [{"name": "ada"}]


async def test_run_of_a_write_has_no_results(users: D1Database) -> None:
    result = await users.prepare("UPDATE users SET score = 2").run()
    assert result.results == []
    assert result.meta["changes"] == 2


async def test_duplicate_column_names_keep_the_last_value_in_dicts_and_all_in_raw(
    db: D1Database,
) -> None:
    statement = db.prepare("SELECT 1 AS a, 2 AS a")
    assert (await statement.all()).results == [{"a": 2}]
    assert await statement.first() == {"a": 2}
    assert await statement.raw() == [[1, 2]]
    assert await statement.raw(column_names=True) == [["a", "a"], [1, 2]]


async def test_raw_with_column_names_lists_them_even_without_rows(users: D1Database) -> None:
    statement = users.prepare("SELECT id, name FROM users WHERE 0")
    assert await statement.raw() == []
    assert await statement.raw(column_names=True) == [["id", "name"]]


async def test_raw_of_an_insert_is_empty(users: D1Database) -> None:
    assert await users.prepare("INSERT INTO users (name) VALUES ('z')").raw() == []
    assert await users.prepare("INSERT INTO users (name) VALUES ('z')").raw(True) == [[]]


async def test_column_names_come_from_sqlite(db: D1Database) -> None:
    assert await db.prepare("SELECT 1+1, count(*) FROM (SELECT 1)").first() == {
        "1+1": 2,
        "count(*)": 1,
    }


@pytest.mark.parametrize(
    ("sql", "params", "row"),
    [
        ("SELECT ?, ?", ("x", "y"), ["x", "y"]),
        ("SELECT ?2, ?1", ("x", "y"), ["y", "x"]),
        ("SELECT ?, ?1, ?", ("x", "y"), ["x", "x", "y"]),
        ("SELECT :a, @b, $c", (1, 2, 3), [1, 2, 3]),  # named parameters bind by position
        ("SELECT :a, :a", (1,), [1, 1]),
        ("SELECT ?3", (1, 2, 3), [3]),
    ],
)
async def test_parameters_of_every_form_bind_positionally(
    db: D1Database, sql: str, params: tuple[object, ...], row: list[object]
) -> None:
    assert await db.prepare(sql).bind(*params).raw() == [row]


async def test_a_multi_statement_string_runs_all_and_returns_the_last_rows(
    users: D1Database,
) -> None:
    statement = users.prepare(
        "INSERT INTO users (name) VALUES ('cy'); SELECT count(*) AS n FROM users WHERE name = ?"
    )
    result = await statement.bind("cy").all()
    assert result.results == [{"n": 1}]
    assert result.meta["changes"] == 1


async def test_a_failing_statement_rolls_back_earlier_ones_in_the_same_string(
    users: D1Database,
) -> None:
    before = await users.dump()
    with pytest.raises(D1Error, match="no such table: nope"):
        await users.prepare("INSERT INTO users (name) VALUES ('cy'); SELECT * FROM nope").run()
    assert await users.dump() == before


@pytest.mark.in_process("the in-process repr")
async def test_statement_repr_shows_sql_and_params(db: D1Database) -> None:
    assert repr(db.prepare("SELECT ?").bind(1)) == "D1PreparedStatement('SELECT ?', params=[1])"


async def test_values_come_back_with_python_types(db: D1Database) -> None:
    row = await db.prepare(
        "SELECT 9007199254740993 AS big, 1.0 AS real, x'00ff' AS blob, NULL AS missing"
    ).first()
    assert row == {"big": 9007199254740993, "real": 1.0, "blob": b"\x00\xff", "missing": None}
    assert type(row["real"]) is float
