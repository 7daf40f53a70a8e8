"""Session values: stored as JSON (serde's ``to_value``), read back typed (``from_value``)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal, Optional, TypedDict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.session import CfArgumentError, SessionError
from emulator.session.values import copy_json, encode, read_as, type_name


@dataclasses.dataclass
class User:
    name: str
    age: int
    tags: list[str] = dataclasses.field(default_factory=list)


class Prefs(TypedDict, total=False):
    theme: str
    size: int


class Account(TypedDict):
    id: int


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("text", "text"),
        (3, 3),
        (1.5, 1.5),
        (True, True),
        (None, None),
        ([1, "a"], [1, "a"]),
        ((1, 2), [1, 2]),
        ({"a": {"b": [None]}}, {"a": {"b": [None]}}),
        ({1: "one", None: "none", 2.5: "x"}, {"1": "one", "null": "none", "2.5": "x"}),
        (User("ada", 36), {"name": "ada", "age": 36, "tags": []}),
        ("é€😀", "é€😀"),
        (math.nan, None),  # serde_json's to_value turns non-finite floats into null
        ([math.inf, -math.inf], [None, None]),
    ],
)
def test_encode_stores_what_json_gives_back(value: object, stored: object) -> None:
    assert encode("k", value) == stored


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({1, 2}, "Object of type set is not JSON serializable"),
        (object(), "Object of type object is not JSON serializable"),
        (b"bytes", "Object of type bytes is not JSON serializable"),
        ({(1, 2): "x"}, "keys must be str, int, float, bool or None, not tuple"),
    ],
)
def test_encode_refuses_what_json_cannot_hold(value: object, error: str) -> None:
    with pytest.raises(SessionError) as caught:
        encode("k", value)
    assert str(caught.value) == f"session value 'k' cannot be encoded as JSON: {error}"
    assert caught.value.__cause__ is not None


def test_encode_refuses_circular_values() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(SessionError, match=r"^session value 'k' cannot be encoded as JSON: "):
        encode("k", loop)


@pytest.mark.parametrize(
    ("value", "expected", "result"),
    [
        ("a", str, "a"),
        (3, int, 3),
        (3, float, 3.0),
        (2.5, float, 2.5),
        (False, bool, False),
        (None, None, None),
        (None, type(None), None),
        (None, int | None, None),
        (4, Optional[int], 4),  # noqa: UP045 - the typing spelling must work too
        ("x", int | str, "x"),
        ([1, 2], list[int], [1, 2]),
        ([1, 2], list, [1, 2]),
        ([1, "a"], tuple[int, str], (1, "a")),
        ([1, 2, 3], tuple[int, ...], (1, 2, 3)),
        ({"a": 1}, dict[str, int], {"a": 1}),
        ({"a": [1]}, dict, {"a": [1]}),
        ("dark", Literal["dark", "light"], "dark"),
        ({"anything": [1]}, Any, {"anything": [1]}),
        ({"anything": [1]}, object, {"anything": [1]}),
        ({"name": "ada", "age": 36, "extra": 1}, User, User("ada", 36)),
        ({"theme": "dark"}, Prefs, {"theme": "dark"}),
        ({"id": 1}, Account, {"id": 1}),
    ],
)
def test_read_as_converts_matching_values(value: Any, expected: Any, result: Any) -> None:
    converted = read_as("k", value, expected)
    assert converted == result
    assert type(converted) is type(result)


@pytest.mark.parametrize(
    ("value", "expected", "reason"),
    [
        ("abc", int, 'invalid type: string "abc", expected int'),
        (True, int, "invalid type: boolean `true`, expected int"),
        (1.5, int, "invalid type: floating point `1.5`, expected int"),
        (None, str, "invalid type: null, expected str"),
        (1, str, "invalid type: integer `1`, expected str"),
        (1, bool, "invalid type: integer `1`, expected bool"),
        (False, float, "invalid type: boolean `false`, expected float"),
        ([1], dict, "invalid type: sequence, expected dict"),
        ({"a": 1}, list, "invalid type: map, expected list"),
        (1, None, "invalid type: integer `1`, expected None"),
        ("x", int | None, 'invalid type: string "x", expected int | None'),
        ([1, "a"], list[int], 'invalid type: string "a", expected int at [1]'),
        (
            {"a": {"b": "x"}},
            dict[str, dict[str, int]],
            'invalid type: string "x", expected int at .a.b',
        ),
        ([1, 2, 3], tuple[int, int], "invalid length 3, expected a tuple of size 2"),
        (1, Literal[True], "invalid type: integer `1`, expected Literal[True]"),
        ("x" * 50, int, f'invalid type: string "{"x" * 40}…", expected int'),
        ({"name": "ada"}, User, "missing field `age`"),
        ({"name": "ada", "age": "36"}, User, 'invalid type: string "36", expected int at .age'),
        ({}, Account, "missing field `id`"),
        ({"id": "1"}, Account, 'invalid type: string "1", expected int at .id'),
    ],
)
def test_read_as_refuses_values_of_another_type_as_serde_would(
    value: Any, expected: Any, reason: str
) -> None:
    with pytest.raises(SessionError) as caught:
        read_as("k", value, expected)
    assert str(caught.value) == (
        f"session value 'k' cannot be read as {type_name(expected)}: {reason}"
    )


@pytest.mark.parametrize(
    ("expected", "shown"),
    [(bytes, "bytes"), (set[int], "set[int]"), (complex, "complex"), (42, "42")],
)
def test_read_as_refuses_types_that_do_not_map_onto_json(expected: Any, shown: str) -> None:
    with pytest.raises(CfArgumentError) as caught:
        read_as("k", 1, expected)
    assert str(caught.value) == (
        f"cannot read a session value as {shown}: use str, int, float, bool, None, list, "
        "tuple, dict, a union, Literal, Any, a dataclass or a TypedDict"
    )


@pytest.mark.parametrize(
    ("expected", "name"),
    [
        (int, "int"),
        (None, "None"),
        (list[int], "list[int]"),
        (int | None, "int | None"),
        (Optional[str], "Optional[str]"),  # noqa: UP045
        (User, "User"),
    ],
)
def test_type_names_read_as_written(expected: Any, name: str) -> None:
    assert type_name(expected) == name


def test_copy_json_copies_containers_deeply() -> None:
    original = {"a": [{"b": 1}]}
    copied = copy_json(original)
    copied["a"][0]["b"] = 2
    assert original == {"a": [{"b": 1}]}


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_any_json_value_round_trips_through_encode_and_read(value: Any) -> None:
    stored = encode("k", value)
    assert stored == value
    assert read_as("k", stored, Any) == value
    assert read_as("k", stored, type(value) if value is not None else None) == value
