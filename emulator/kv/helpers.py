"""Sync helpers on every ``KVNamespace``, for tests that set up or inspect state directly.

They bypass the binding API (and its strict modes) but not its rules: ``seed`` validates
every entry as ``put`` does, and ``snapshot``/``entry`` show only live keys, always in
their current (strongly consistent) state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from emulator.clock import Clock
from emulator.errors import KVArgumentError
from emulator.kv import constants as c
from emulator.kv.results import KVEntry
from emulator.kv.seeding import SeedValue, seed_writes
from emulator.kv.sqlite_store import SQLiteKVStore
from emulator.kv.storage import KVStore
from emulator.kv.validation import encode_key
from emulator.kv.values import parse_metadata

__all__ = ["KVTestHelpers"]


class KVTestHelpers:
    """``snapshot``, ``entry``, ``seed``, ``seed_many`` and ``image``, mixed into
    ``KVNamespace``."""

    clock: Clock
    _store: KVStore

    def snapshot(self) -> dict[str, KVEntry]:
        """Return every live key's entry, in key order (always the current state)."""
        now = self.clock.now()
        return {
            key.decode(): KVEntry(value, parse_metadata(metadata), expires)
            for key, (expires, metadata, value) in self._store.scan()
            if expires is None or now < expires
        }

    def entry(self, key: str) -> KVEntry | None:
        """Return ``key``'s live entry (always the current state), or ``None``.

        Raises what ``get`` raises for a bad key.
        """
        if not isinstance(key, str):
            raise KVArgumentError(c.KEY_NOT_STRING.format(method="get", expected="string or Array"))
        row = self._store.get(encode_key(key, c.GET))
        if row is None or (row[0] is not None and self.clock.now() >= row[0]):
            return None
        expires, metadata, value = row
        return KVEntry(value, parse_metadata(metadata), expires)

    def image(self) -> bytes:
        """Return every key, expired or not, as SQLite database bytes, for ``restore()``.

        Raises ``TypeError`` for a namespace whose storage is not SQLite (a wrangler
        layout's).
        """
        return self._sqlite_store().image()

    def _sqlite_store(self) -> SQLiteKVStore:
        if not isinstance(self._store, SQLiteKVStore):
            raise TypeError(f"{type(self._store).__name__} storage has no image")
        return self._store

    def seed(
        self,
        entries: Mapping[str, SeedValue],
        *,
        expiration: int | float | None = None,
        expiration_ttl: int | float | None = None,
        metadata: Any = None,
    ) -> int:
        """Write ``{key: value}`` at once, validated as ``put``; return the count written.

        Values are ``str``, bytes-like, or ``KVEntry`` (its own metadata and expiration);
        the keyword options apply to the others. All or nothing: the first invalid entry
        raises ``put``'s error and nothing is written. Bypasses the strict modes.
        """
        return self.seed_many(
            entries.items(),
            expiration=expiration,
            expiration_ttl=expiration_ttl,
            metadata=metadata,
        )

    def seed_many(
        self,
        entries: Iterable[tuple[str, SeedValue]],
        *,
        expiration: int | float | None = None,
        expiration_ttl: int | float | None = None,
        metadata: Any = None,
    ) -> int:
        """Write ``(key, value)`` pairs from any iterable (a generator of millions is fine).

        Same rules as ``seed``; a later pair for the same key wins.
        """
        writes = seed_writes(
            entries,
            now=self.clock.now(),
            expiration=expiration,
            expiration_ttl=expiration_ttl,
            metadata=metadata,
        )
        return self._store.put_many(write.row for write in writes)
