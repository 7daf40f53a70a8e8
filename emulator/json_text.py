"""JSON text as JavaScript's ``JSON.stringify`` and serde_json's ``to_value`` write it.

Both turn ``NaN`` and the infinities into ``null`` without complaint, where Python's ``json``
either writes invalid JSON (``NaN``) or refuses (``allow_nan=False``, whose message also
changed in Python 3.12). KV metadata is stored as ``JSON.stringify(metadata)`` by the
Workers runtime, and the session port follows the Rust seed's serde_json: both use this.
See docs/kv.md#metadata and docs/sessions.md#values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["stringify"]


def _null(_constant: str) -> None:
    return None


def stringify(value: Any, *, default: Callable[[Any], Any] | None = None) -> str:
    """Return compact JSON text for ``value``, non-ASCII kept, non-finite floats as ``null``.

    ``default`` converts objects JSON has no type for (as in ``json.dumps``). Raises Python's
    ``TypeError`` for a value JSON cannot hold and ``ValueError`` for a circular one.
    """
    options: dict[str, Any] = {"separators": (",", ":"), "ensure_ascii": False}
    try:
        return json.dumps(value, allow_nan=False, default=default, **options)
    except ValueError:
        # A non-finite float somewhere (or a cycle, which the second dump raises again):
        # write Python's NaN tokens, read them back as None, write again.
        text = json.dumps(value, allow_nan=True, default=default, **options)
        return json.dumps(json.loads(text, parse_constant=_null), **options)
