"""Session values: JSON in, JSON out, and typed reads that fail the way serde does.

The seed stores each value as a ``serde_json::Value`` (``set`` runs ``to_value``) and
``get::<T>`` runs ``from_value``. Here ``encode`` is ``to_value`` (a JSON round trip, so a
value read back in the same request equals the one the next request will load) and
``read_as`` is ``from_value`` for the Python types that map onto JSON: ``str``, ``int``,
``float``, ``bool``, ``None``, ``list[T]``, ``tuple[...]``, ``dict[str, T]``, unions and
``Optional``, ``Literal``, ``Any``/``object``, dataclasses and ``TypedDict``.
"""

from __future__ import annotations

import dataclasses
import json
import types
from typing import (
    Annotated,
    Any,
    Literal,
    TypeAlias,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

from emulator.json_text import stringify
from emulator.session import constants as c
from emulator.session.errors import CfArgumentError, SessionError

__all__ = [
    "JSONValue",
    "copy_json",
    "encode",
    "encode_record",
    "json_depth",
    "read_as",
    "type_name",
]

JSONValue: TypeAlias = "bool | int | float | str | list[JSONValue] | dict[str, JSONValue] | None"

_UNION_ORIGINS = (Union, types.UnionType)
_SHOWN_STRING = 40


class _Mismatch(Exception):
    """A value does not fit the type asked for; the text reads like serde's."""


def _encode_default(value: object) -> object:
    # serde serialises structs as objects: do the same for dataclass instances.
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def encode(key: str, value: object) -> JSONValue:
    """Return ``value`` as JSON decodes it back; raise ``SessionError`` if not storable.

    Refused, so that nothing unreadable is ever stored: what JSON cannot hold; values nested
    more than ``MAX_VALUE_DEPTH`` levels (the seed's serde_json could not read the record
    back, and reading it here would hit Python's recursion limit); lone surrogates in the
    key or the value (UTF-8, which both KV and D1 store, cannot encode them). NaN and
    infinities become ``None``, as serde_json's ``to_value`` makes them ``null`` in the seed
    (JSON has no such numbers).
    """
    try:
        text = stringify(value, default=_encode_default)
    except RecursionError:
        raise SessionError(c.VALUE_TOO_DEEP.format(key=key)) from None
    except (TypeError, ValueError) as exc:
        raise SessionError(c.VALUE_NOT_JSON.format(key=key, error=exc)) from exc
    _check_utf8("key", key, key)
    _check_utf8("value", key, text)
    try:
        decoded: JSONValue = json.loads(text)
    except RecursionError:
        raise SessionError(c.VALUE_TOO_DEEP.format(key=key)) from None
    if json_depth(decoded) > c.MAX_VALUE_DEPTH:
        raise SessionError(c.VALUE_TOO_DEEP.format(key=key))
    return decoded


def encode_record(data: dict[str, Any]) -> str:
    """The JSON text of a session's data, compact, as the backends store it.

    Raises ``SessionError`` naming the key if a value changed in place (see
    ``Session.changed``) is no longer storable; the values ``set()`` stored always are.
    """
    try:
        text = stringify(data, default=_encode_default)
        text.encode("utf-8")  # UnicodeEncodeError is a ValueError
    except (TypeError, ValueError, RecursionError):
        text = None
    if text is None or json_depth(data) > c.MAX_VALUE_DEPTH + 1:
        for key, value in data.items():
            encode(key, value)  # raises, naming the key
    assert text is not None
    return text


def _check_utf8(what: str, key: str, text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        char = f"U+{ord(text[exc.start]):04X}"
        raise SessionError(c.LONE_SURROGATE.format(what=what, key=key, char=char)) from None


def json_depth(value: object) -> int:
    """How many arrays and objects deep ``value`` nests (0 for a scalar); no recursion."""
    deepest = 0
    stack = [(value, 1)] if isinstance(value, list | dict) else []
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, list | dict))
    return deepest


def copy_json(value: Any) -> Any:
    """Copy a decoded JSON value, so callers cannot change the session by mutating it."""
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    if isinstance(value, dict):
        return {name: copy_json(item) for name, item in value.items()}
    return value


def type_name(expected: object) -> str:
    """Name ``expected`` as a reader would write it: ``int``, ``list[str]``, ``int | None``."""
    if expected is None or expected is types.NoneType:
        return "None"
    if isinstance(expected, type) and get_origin(expected) is None:
        return expected.__name__
    return repr(expected).replace("typing.", "").replace("NoneType", "None")


def read_as(key: str, value: Any, expected: object) -> Any:
    """Return a copy of ``value`` as type ``expected``.

    Raises ``SessionError`` when the value does not fit (serde's "invalid type: ...,
    expected ..." wording, with the path inside the value), and ``CfArgumentError`` when
    ``expected`` is not a type that maps onto JSON.
    """
    try:
        return _convert(value, expected, "")
    except _Mismatch as exc:
        raise SessionError(
            c.VALUE_TYPE_MISMATCH.format(key=key, expected=type_name(expected), reason=exc)
        ) from None


def _unexpected(value: Any) -> str:
    # serde's ``Unexpected`` display, as serde_json shows it.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value!r}`"
    if isinstance(value, str):
        shown = value if len(value) <= _SHOWN_STRING else value[:_SHOWN_STRING] + "…"
        return f"string {json.dumps(shown, ensure_ascii=False)}"
    return "sequence" if isinstance(value, list) else "map"


def _mismatch(value: Any, expected: object, path: str) -> _Mismatch:
    where = f" at {path}" if path else ""
    return _Mismatch(f"invalid type: {_unexpected(value)}, expected {type_name(expected)}{where}")


def _convert(value: Any, expected: Any, path: str) -> Any:
    origin, args = get_origin(expected), get_args(expected)
    if expected is Any or expected is object:
        return copy_json(value)
    if expected is None or expected is types.NoneType:
        if value is None:
            return None
    elif origin in _UNION_ORIGINS:
        for arm in args:
            try:
                return _convert(value, arm, path)
            except _Mismatch:
                continue
    elif origin is Annotated:
        return _convert(value, args[0], path)
    elif origin is Literal:
        # ``True == 1`` in Python; a literal matches only a value of its own type.
        if any(value == arm and type(value) is type(arm) for arm in args):
            return value
    elif expected is bool or expected is str:
        if type(value) is expected:
            return value
    elif expected is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif expected is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif expected is list or origin is list or expected is tuple or origin is tuple:
        if isinstance(value, list):
            return _convert_array(value, expected, origin, args, path)
    elif expected is dict or origin is dict:
        if isinstance(value, dict):
            item_type = args[1] if args else Any
            return {k: _convert(v, item_type, f"{path}.{k}") for k, v in value.items()}
    elif isinstance(expected, type) and (
        dataclasses.is_dataclass(expected) or is_typeddict(expected)
    ):
        if isinstance(value, dict):
            return _convert_record(value, expected, path)
    else:
        raise CfArgumentError(c.UNSUPPORTED_TYPE.format(expected=type_name(expected)))
    raise _mismatch(value, expected, path)


def _convert_array(
    value: list[Any], expected: Any, origin: Any, args: tuple[Any, ...], path: str
) -> Any:
    if expected is list or origin is list:
        item_type = args[0] if args else Any
        return [_convert(item, item_type, f"{path}[{i}]") for i, item in enumerate(value)]
    if not args or (len(args) == 2 and args[1] is Ellipsis):
        item_type = args[0] if args else Any
        return tuple(_convert(item, item_type, f"{path}[{i}]") for i, item in enumerate(value))
    if len(value) != len(args):
        where = f" at {path}" if path else ""
        raise _Mismatch(f"invalid length {len(value)}, expected a tuple of size {len(args)}{where}")
    return tuple(
        _convert(item, arm, f"{path}[{i}]")
        for i, (item, arm) in enumerate(zip(value, args, strict=True))
    )


def _convert_record(value: dict[str, Any], expected: type, path: str) -> Any:
    hints = get_type_hints(expected)
    if is_typeddict(expected):
        required: frozenset[str] = getattr(expected, "__required_keys__", frozenset())
        missing = sorted(required - value.keys())
        if missing:
            raise _Mismatch(f"missing field `{missing[0]}`" + (f" at {path}" if path else ""))
        return {
            k: _convert(v, hints[k], f"{path}.{k}") if k in hints else copy_json(v)
            for k, v in value.items()
        }
    arguments: dict[str, Any] = {}
    for field in dataclasses.fields(expected):
        if not field.init:
            continue
        if field.name in value:
            arguments[field.name] = _convert(
                value[field.name], hints[field.name], f"{path}.{field.name}"
            )
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise _Mismatch(f"missing field `{field.name}`" + (f" at {path}" if path else ""))
    # serde ignores unknown fields by default; so does this.
    try:
        return expected(**arguments)
    except (TypeError, ValueError) as exc:
        raise _Mismatch(f"invalid value: {exc}" + (f" at {path}" if path else "")) from None
