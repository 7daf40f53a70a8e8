"""D1Result and D1ExecResult: row dicts, raw rows and columns, REST shapes."""

from __future__ import annotations

import dataclasses

import pytest

from emulator import D1Database
from emulator.d1 import D1ExecResult, D1Result


async def test_a_result_gives_dicts_rows_and_columns_from_one_run(db: D1Database) -> None:
    result = await db.prepare("SELECT 1 AS a, x'00ff' AS b, 2 AS a").all()
    assert isinstance(result, D1Result)
    assert result.results == [{"a": 2, "b": b"\x00\xff"}]
    assert result.columns == ["a", "b", "a"]
    assert result.rows == [[1, b"\x00\xff", 2]]
    assert result.raw() == [[1, b"\x00\xff", 2]]
    assert result.raw(column_names=True) == [["a", "b", "a"], [1, b"\x00\xff", 2]]


async def test_to_json_gives_the_rest_shapes_with_blobs_as_byte_arrays(db: D1Database) -> None:
    result = await db.prepare("SELECT 1 AS a, x'00ff' AS b").all()
    as_objects = result.to_json()
    assert list(as_objects) == ["results", "success", "meta"]
    assert as_objects["results"] == [{"a": 1, "b": [0, 255]}]
    assert as_objects["success"] is True
    assert as_objects["meta"] == result.meta
    assert result.to_json(raw=True)["results"] == {"columns": ["a", "b"], "rows": [[1, [0, 255]]]}


async def test_meta_is_the_same_dict_on_every_read(db: D1Database) -> None:
    result = await db.prepare("SELECT 1").all()
    assert result.meta is result.meta


async def test_columns_of_an_empty_result_are_known(db: D1Database) -> None:
    await db.exec("CREATE TABLE t (id INTEGER, name TEXT);")
    result = await db.prepare("SELECT id, name FROM t").all()
    assert result.results == []
    assert result.columns == ["id", "name"]
    assert (await db.prepare("INSERT INTO t VALUES (1, 'a')").run()).columns == []


def test_exec_result_is_a_frozen_record() -> None:
    result = D1ExecResult(count=2, duration=0.5)
    assert (result.count, result.duration) == (2, 0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.count = 3  # type: ignore[misc]


async def test_result_repr_summarises_it(db: D1Database) -> None:
    result = await db.prepare("SELECT 1").all()
    assert repr(result).startswith("D1Result(rows=1, meta={'served_by': 'cf-kv-d1-emulator'")
