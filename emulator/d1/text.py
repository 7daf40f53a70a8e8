"""Text the way it crosses the Workers runtime: UTF-16 strings in, WHATWG-decoded UTF-8 out.

D1 results travel as JSON through JavaScript, so:

- a lone surrogate in a bound string or in the SQL text (valid in a JavaScript string, not
  encodable as UTF-8) is stored as its three-byte WTF-8 form, which reads back as three
  U+FFFD; here it becomes those three U+FFFD at once (``well_formed``), so what comes back
  is the same text, though ``hex()`` and ``length()`` of the stored value differ;
- TEXT that is not valid UTF-8 (``CAST(x'ff' AS TEXT)``) reads back with U+FFFD for each
  invalid sequence, as ``TextDecoder`` does: the engine's result conversion decodes it so
  (``native/source_patches.py``);
- ``Infinity`` and ``-Infinity`` (``1e308 * 10``) become ``null`` (``finite_rows``).
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

__all__ = ["finite_rows", "well_formed"]

_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_THREE_REPLACEMENTS: Final = "\ufffd" * 3
_INF: Final = math.inf
_NEG_INF: Final = -math.inf


def well_formed(text: str) -> str:
    """Return ``text`` with surrogate pairs joined and each lone surrogate as three U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        return _LONE_SURROGATE.sub(_THREE_REPLACEMENTS, joined)
    return text


def finite_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Return ``rows`` with infinite REAL values as ``None`` (JSON has no Infinity)."""
    for row in rows:
        if _INF in row or _NEG_INF in row:
            return [tuple(_finite(value) for value in row) for row in rows]
    return rows


def _finite(value: Any) -> Any:
    return None if value in (_INF, _NEG_INF) and isinstance(value, float) else value
