"""What a statement's bound parameters tell ``row_counts``: a rowid key that skips its
lookup, and the value of a ``LIMIT`` given as a parameter."""

from __future__ import annotations

import math
from collections.abc import Sequence

from emulator.d1.binding import Param
from emulator.d1.bytecode import Shape

__all__ = ["limit_of", "skipped_seeks"]


def skipped_seeks(shape: Shape, params: Sequence[Param]) -> int:
    """Rowid lookups ``params`` make skip: 1 for a lone lookup keyed by a non-integer."""
    # A lone rowid lookup whose key is not an integer after numeric affinity (NULL, 'abc',
    # 1.5, a blob) jumps past its seek: SQLite's SeekRowid reads nothing then.
    if shape.rowid_seeks != 1 or len(shape.rowid_keys) != 1:
        return 0
    number = shape.rowid_keys[0]
    if number == 0:
        return 1
    if number > len(params):
        return 0
    return 0 if _integer_valued(params[number - 1]) else 1


def _integer_valued(value: Param) -> bool:
    if isinstance(value, int):
        return True
    if isinstance(value, str):
        text = value.strip()
        if not text or "_" in text:
            return False
        try:
            value = float(text)
        except ValueError:
            return False
    # SQLite makes a REAL an integer only when it is whole and within 64 bits.
    return (
        isinstance(value, float)
        and math.isfinite(value)
        and value.is_integer()
        and -(2**63) <= value < 2**63
    )


def limit_of(shape: Shape, params: Sequence[Param]) -> int | None:
    """The value of ``shape``'s plain top-level ``LIMIT n`` with ``params``, when known."""
    if shape.limit_literal is not None:
        return shape.limit_literal
    number = shape.limit_param
    if number is None or not 0 < number <= len(params):
        return None
    value = params[number - 1]
    return value if isinstance(value, int) else None
