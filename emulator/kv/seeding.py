"""Writes for ``KVNamespace.seed`` / ``seed_many``, validated by the rules ``put`` applies.

Seeding is test setup: it writes many keys in one transaction, synchronously, outside the
strict modes (no write-rate limit, no stale-read history: seeded data counts as settled).
Each entry goes through ``put``'s own validation (``emulator.kv.writes``), with the same
error texts, while the writes stream into the store; the first bad entry aborts the
transaction, so nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from emulator.kv.results import KVEntry
from emulator.kv.writes import KVWrite, PutArguments, put_arguments, put_options, validate_put

__all__ = ["SeedValue", "seed_writes"]

# A value as ``put`` takes it (str or bytes-like; no streams here), or a whole entry.
SeedValue = str | bytes | bytearray | memoryview | KVEntry


def seed_writes(
    entries: Iterable[tuple[str, SeedValue]],
    *,
    now: float,
    expiration: int | float | None,
    expiration_ttl: int | float | None,
    metadata: Any,
) -> Iterator[KVWrite]:
    """Yield the validated writes for ``entries``, raising the first error ``put`` would.

    Plain values take the shared ``expiration`` / ``expiration_ttl`` / ``metadata`` (checked
    once, before any entry); a ``KVEntry`` brings its own metadata and absolute expiration.
    """
    shared = put_options(expiration, expiration_ttl, metadata)
    validate_put(PutArguments("shared", b"", shared), now=now)  # bad shared options fail first
    for key, value in entries:
        if isinstance(value, KVEntry):
            arguments = put_arguments(
                key,
                value.value,
                expiration=value.expiration,
                metadata=value.metadata,
                streams=False,
            )
        else:
            arguments = put_arguments(key, value, streams=False)
            arguments = PutArguments(arguments.key, arguments.data, shared)
        yield validate_put(arguments, now=now)
