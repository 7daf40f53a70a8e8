"""Rows for ``KVNamespace.seed`` / ``seed_many``, validated by the rules ``put`` applies.

Seeding is test setup: it writes many keys in one transaction, synchronously, outside the
strict modes (no write-rate limit, no stale-read history: seeded data counts as settled).
Each row is checked as ``put`` would check it, with the same error texts, while the rows
stream into the store; the first bad row aborts the transaction, so nothing is written.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from emulator.errors import KVArgumentError
from emulator.kv import constants as c
from emulator.kv.results import KVEntry
from emulator.kv.storage import WriteRow
from emulator.kv.validation import (
    check_key,
    check_metadata_length,
    coerce_long,
    encode_checked_key,
    metadata_text,
    resolve_expiration,
)
from emulator.kv.values import check_value_length, value_bytes

__all__ = ["SeedValue", "seed_rows"]

# A value as ``put`` takes it (str or bytes-like; no streams here), or a whole entry.
SeedValue = str | bytes | bytearray | memoryview | KVEntry


def _shared_metadata(metadata: Any) -> str | None:
    serialised = metadata_text(metadata)
    if serialised is None:
        return None
    check_metadata_length(serialised[1])
    return serialised[0]


def _entry_expiration(now: int, expiration: object) -> int | None:
    if expiration is None:
        return None
    if isinstance(expiration, bool) or not isinstance(expiration, int):
        raise KVArgumentError(
            c.OPTION_NOT_INT.format(option="expiration", type_name=type(expiration).__name__)
        )
    return resolve_expiration(now, expiration, None)


def seed_rows(
    entries: Iterable[tuple[str, SeedValue]],
    *,
    now: float,
    expiration: int | float | None,
    expiration_ttl: int | float | None,
    metadata: Any,
) -> Iterator[WriteRow]:
    """Yield the store rows for ``entries``, raising the first error ``put`` would raise.

    Plain values take the shared ``expiration`` / ``expiration_ttl`` / ``metadata``; a
    ``KVEntry`` brings its own metadata and absolute expiration instead.
    """
    now_s = math.floor(now)
    shared_expiration = resolve_expiration(
        now_s,
        None if expiration is None else coerce_long(expiration, "expiration"),
        None if expiration_ttl is None else coerce_long(expiration_ttl, "expiration_ttl"),
    )
    shared_metadata = _shared_metadata(metadata)
    for key, value in entries:
        if not isinstance(key, str):
            raise KVArgumentError(c.KEY_NOT_STRING.format(method="put", expected="string"))
        check_key(key)
        entry = value if isinstance(value, KVEntry) else None
        data = value_bytes(value if entry is None else entry.value)
        if data is None:  # an async iterable: it cannot be read synchronously
            raise KVArgumentError(c.VALUE_TYPE)
        serialised = None if entry is None else metadata_text(entry.metadata)
        # The service's checks, in put's order: key, expiration, metadata, value.
        encoded = encode_checked_key(key, c.PUT)
        if entry is None:
            row_expiration, row_metadata = shared_expiration, shared_metadata
        else:
            row_expiration = _entry_expiration(now_s, entry.expiration)
            row_metadata = None
            if serialised is not None:
                check_metadata_length(serialised[1])
                row_metadata = serialised[0]
        check_value_length(len(data))
        yield encoded, row_expiration, row_metadata, data
