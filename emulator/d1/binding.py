"""Python values -> D1 bind parameters (docs/d1.md#binding).

``int`` binds as INTEGER (within SQLite's signed 64-bit range), ``float`` as REAL, ``bool``
as INTEGER 1/0, ``str`` as TEXT, ``None`` as NULL, and ``bytes`` / ``bytearray`` /
``memoryview`` as a BLOB (copied at bind time, as the shim copies array buffers); a lone
surrogate in a ``str`` binds as the runtime reads it back (``text.well_formed``). Non-finite
floats bind as NULL: the binding sends parameters as JSON, where ``NaN`` and ``Infinity``
become ``null``. Anything else is refused by ``bind()`` with the runtime's
``D1_TYPE_ERROR: Type '<type>' not supported for value '<value>'``, naming the Python type
and ``repr`` of the value (messages name the Python API's words: docs/kv.md#python-words).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Final, TypeAlias

from emulator.d1.constants import D1_TYPE_ERROR
from emulator.d1.text import well_formed
from emulator.errors import D1TypeError

__all__ = ["BindValue", "Param", "convert_params"]

#: What a caller may pass to ``bind()``.
BindValue: TypeAlias = int | float | str | bytes | bytearray | memoryview | bool | None
#: What a statement stores and SQLite receives.
Param: TypeAlias = int | float | str | bytes | None

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
# Values of these exact types need no conversion: the common case costs one set lookup.
_PASS_THROUGH: Final = frozenset({bytes, type(None)})


def _convert(value: object) -> Param:
    kind = type(value)
    if kind in _PASS_THROUGH:
        return value  # type: ignore[return-value]
    if kind is str:
        assert isinstance(value, str)
        return well_formed(value)
    if kind is int:
        assert isinstance(value, int)
        if _INT64_MIN <= value <= _INT64_MAX:
            return value
    elif kind is float:
        assert isinstance(value, float)
        return value if math.isfinite(value) else None
    elif kind is bool:
        return 1 if value else 0
    elif isinstance(value, bytearray | memoryview):
        return bytes(value)
    # Subclasses (IntEnum, StrEnum, ...) bind by their plain value.
    elif isinstance(value, int):
        if _INT64_MIN <= value <= _INT64_MAX:
            return int(value)
    elif isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    elif isinstance(value, str):
        return well_formed(str(value))
    elif isinstance(value, bytes):
        return bytes(value)
    raise D1TypeError(D1_TYPE_ERROR.format(type(value).__name__, _shown(value)))


def _shown(value: object) -> str:
    try:
        return repr(value)
    except Exception:  # a broken __repr__ must not hide the type error
        return f"<{type(value).__name__} object>"


def convert_params(values: Iterable[object]) -> tuple[Param, ...]:
    """Return ``values`` converted for binding.

    Raises ``D1TypeError`` (also a ``TypeError``) for a value D1 cannot bind, including an
    ``int`` outside SQLite's 64-bit range.
    """
    if type(values) is tuple:
        # Fast path: a tuple of values that need no conversion is returned as it is.
        for value in values:
            kind = type(value)
            if kind is str:
                if value.isascii() or value is well_formed(value):
                    continue
                break
            if value is None or kind is bytes:
                continue
            if kind is int and _INT64_MIN <= value <= _INT64_MAX:
                continue
            break
        else:
            return values
    return tuple(_convert(value) for value in values)
