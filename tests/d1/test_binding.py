"""bind(): the type table of docs/d1.md#binding, converted values, D1_TYPE_ERROR texts."""

from __future__ import annotations

import datetime
import decimal
import enum
from typing import Any

import pytest

from emulator import D1Database, D1Error, D1TypeError


class Level(enum.IntEnum):
    HIGH = 3


@pytest.mark.parametrize(
    ("value", "sqlite_type", "returned"),
    [
        (7, "integer", 7),
        (-(2**63), "integer", -(2**63)),
        (2**63 - 1, "integer", 2**63 - 1),
        (1.5, "real", 1.5),
        (2.0, "real", 2.0),
        (True, "integer", 1),
        (False, "integer", 0),
        ("text", "text", "text"),
        ("", "text", ""),
        (None, "null", None),
        (b"\x00\xff", "blob", b"\x00\xff"),
        (bytearray(b"ab"), "blob", b"ab"),
        (memoryview(b"cd"), "blob", b"cd"),
        (b"", "blob", b""),
        (float("nan"), "null", None),  # JSON carries NaN and Infinity as null
        (float("inf"), "null", None),
        (Level.HIGH, "integer", 3),
    ],
)
async def test_bind_converts_python_values_as_the_binding_table_says(
    db: D1Database, value: object, sqlite_type: str, returned: object
) -> None:
    row = await db.prepare("SELECT typeof(?1) AS t, ?1 AS v").bind(value).first()
    assert row == {"t": sqlite_type, "v": returned}


def test_bind_exposes_converted_params_and_leaves_the_original_unchanged(
    db: D1Database,
) -> None:
    base = db.prepare("SELECT ?, ?, ?")
    bound = base.bind(True, bytearray(b"x"), 1.5)
    assert bound is not base
    assert base.params == ()
    assert bound.params == (1, b"x", 1.5)
    assert bound.statement == "SELECT ?, ?, ?"
    assert bound.bind().params == ()


def test_bind_copies_a_bytearray_so_later_changes_do_not_leak(db: D1Database) -> None:
    data = bytearray(b"ab")
    statement = db.prepare("SELECT ?").bind(data)
    data[0] = ord("z")
    assert statement.params == (b"ab",)


class _Opaque:
    def __repr__(self) -> str:
        return "<opaque>"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": 1}, "D1_TYPE_ERROR: Type 'dict' not supported for value '{'a': 1}'"),
        ([1, 2], "D1_TYPE_ERROR: Type 'list' not supported for value '[1, 2]'"),
        ((1,), "D1_TYPE_ERROR: Type 'tuple' not supported for value '(1,)'"),
        (
            decimal.Decimal("1.5"),
            "D1_TYPE_ERROR: Type 'Decimal' not supported for value 'Decimal('1.5')'",
        ),
        (
            datetime.date(2024, 1, 2),
            "D1_TYPE_ERROR: Type 'date' not supported for value 'datetime.date(2024, 1, 2)'",
        ),
        (2**63, "D1_TYPE_ERROR: Type 'int' not supported for value '9223372036854775808'"),
        (
            -(2**63) - 1,
            "D1_TYPE_ERROR: Type 'int' not supported for value '-9223372036854775809'",
        ),
        (_Opaque(), "D1_TYPE_ERROR: Type '_Opaque' not supported for value '<opaque>'"),
    ],
)
def test_bind_refuses_other_types_with_the_runtimes_text(
    db: D1Database, value: Any, message: str
) -> None:
    statement = db.prepare("SELECT ?")
    with pytest.raises(D1TypeError) as raised:
        statement.bind(value)
    assert str(raised.value) == message
    assert isinstance(raised.value, TypeError)
    assert isinstance(raised.value, D1Error)


def test_prepare_accepts_any_text_and_refuses_non_text(db: D1Database) -> None:
    assert db.prepare("SELEKT nonsense").statement == "SELEKT nonsense"
    with pytest.raises(TypeError, match="prepare\\(\\) takes SQL text, not int"):
        db.prepare(42)  # type: ignore[arg-type]
