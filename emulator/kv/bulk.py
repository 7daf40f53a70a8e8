"""Bulk reads: ``get([...])`` and ``get_with_metadata([...])``.

The KV service answers a bulk read from a JSON body, so its checks are the service's own
(``KV GET_BULK failed: ...``), in its order: the type, the key count, then key by key
(name, ``cache_ttl``, read, JSON parse), and the total size last. The result is a ``dict``
in request order holding every requested key (docs/kv.md#bulk-get).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from emulator.errors import KVArgumentError
from emulator.kv import constants as c
from emulator.kv.results import KVValueWithMetadata
from emulator.kv.storage import StoredRow
from emulator.kv.validation import check_cache_ttl, coerce_long, encode_bulk_key, fail
from emulator.kv.values import decode_text, parse_json, parse_metadata

__all__ = ["check_bulk", "check_bulk_key", "get_bulk"]


def check_bulk(
    keys: Sequence[object], type: object, cache_ttl: Any, *, with_metadata: bool
) -> tuple[list[str], int | None]:
    """Check what a bulk read checks before any key: return the key names and ``cache_ttl``.

    Raises ``KVArgumentError`` for a key that is not a ``str`` or a ``cache_ttl`` outside
    int32, and ``KVError`` 400 with the service's text for a type other than
    ``"text"``/``"json"`` or fewer than 1 or more than 100 keys.
    """
    method = "get_with_metadata" if with_metadata else "get"
    ttl = None if cache_ttl is None else coerce_long(cache_ttl, "cache_ttl")
    names: list[str] = []
    for key in keys:
        if not isinstance(key, str):
            raise KVArgumentError(
                c.KEY_NOT_STRING.format(method=method, expected="string or Array")
            )
        names.append(key)
    if not isinstance(type, str) or type not in c.BULK_TYPES:
        fail(c.GET_BULK, 400, c.BULK_BAD_TYPE.format(type=type))
    if len(names) > c.MAX_BULK_KEYS:
        fail(c.GET_BULK, 400, c.BULK_TOO_MANY)
    if not names:
        fail(c.GET_BULK, 400, c.BULK_TOO_FEW)
    return names, ttl


def check_bulk_key(index: int, key: str, ttl: int | None) -> bytes | None:
    """Check the ``index``-th key of a bulk read, as the service does just before reading it.

    Returns its UTF-8 bytes, or ``None`` for a key that can never be stored (a lone
    surrogate: it reads as missing). Raises ``KVError`` 400 for an empty or dot key (and,
    with the first key, a ``cache_ttl`` under 30), 414 for a key over 512 bytes.
    """
    encoded = encode_bulk_key(key)
    if index == 0 and ttl is not None:
        check_cache_ttl(ttl, c.GET_BULK)
    return encoded


def get_bulk(
    keys: Sequence[object],
    type: object,
    cache_ttl: Any,
    *,
    with_metadata: bool,
    read: Callable[[bytes], StoredRow | None],
) -> dict[str, Any]:
    """Read ``keys`` with ``read(key_bytes)`` (the live row, or ``None``), key by key.

    Raises what ``check_bulk`` and ``check_bulk_key`` raise, in the service's order: an
    earlier key's value that is not JSON (read as ``"json"``, 400) wins over a later bad
    key. Then 413 when the values total more than 25 MiB, counted as the runtime counts
    them: in UTF-16 code units of the decoded text (a three-byte character counts one).
    """
    names, ttl = check_bulk(keys, type, cache_ttl, with_metadata=with_metadata)
    as_json = type == c.TYPE_JSON
    result: dict[str, Any] = {}
    total = 0
    for index, key in enumerate(names):
        encoded = check_bulk_key(index, key, ttl)
        row = None if encoded is None else read(encoded)
        if row is None:
            result[key] = None
            continue
        data = row.value
        total += _utf16_units(data)
        if as_json:
            try:
                value = parse_json(data)
            except ValueError:
                fail(c.GET_BULK, 400, c.BULK_NOT_JSON)
        else:
            value = decode_text(data)
        result[key] = (
            KVValueWithMetadata(value, parse_metadata(row.metadata)) if with_metadata else value
        )
    if total > c.MAX_BULK_BYTES:
        fail(c.GET_BULK, 413, c.BULK_TOO_LARGE)
    return result


def _utf16_units(data: bytes) -> int:
    # The length JavaScript sees for the decoded value.
    if data.isascii():
        return len(data)
    return len(decode_text(data).encode("utf-16-le")) // 2
