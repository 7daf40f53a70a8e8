"""The storage contract under a KV namespace.

A store is deliberately dumb: it keeps keys (UTF-8 bytes, ordered bytewise), value bytes,
absolute expirations (int seconds) and metadata as JSON text, and knows nothing of KV's
rules. Validation, expiry decisions, paging cursors and strict modes live above it, in
``emulator.kv.namespace``. ``SQLiteKVStore`` is the implementation; another one (say,
reading wrangler's ``.wrangler/state/v3/kv`` layout) only has to provide this protocol.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple, Protocol

__all__ = ["ClosedKVStore", "KVStore", "ListedRow", "StoredRow", "WriteRow"]

# (expiration, metadata JSON text, value): the columns a read needs, value last.


class StoredRow(NamedTuple):
    """One stored key's row: what a read needs."""

    expiration: int | None
    metadata: str | None  # JSON text
    value: bytes


# (key, expiration, metadata JSON text): what a list page needs, never the value.
ListedRow = tuple[bytes, int | None, str | None]
# (key, expiration, metadata JSON text, value): one row to write.
WriteRow = tuple[bytes, int | None, str | None, bytes]


class KVStore(Protocol):
    """Keys, values, expirations and metadata; every call is atomic and durable on return."""

    def get(self, key: bytes) -> StoredRow | None:
        """Return the row stored under ``key`` (expired or not), or ``None``."""
        ...

    def put(self, key: bytes, expiration: int | None, metadata: str | None, value: bytes) -> None:
        """Store one row, replacing value, expiration and metadata together."""
        ...

    def put_many(self, rows: Iterable[WriteRow]) -> int:
        """Store every row in one transaction and return how many were written.

        If iterating ``rows`` raises, nothing is written and the exception propagates.
        """
        ...

    def delete(self, key: bytes) -> None:
        """Remove ``key`` if present."""
        ...

    def delete_expired(self, at: float, key: bytes | None = None) -> int:
        """Remove rows whose expiration is ``<= at`` (only ``key``'s, if given); return count."""
        ...

    def list_after(self, prefix: bytes, after: bytes, limit: int) -> list[ListedRow]:
        """Return up to ``limit`` rows with keys ``> after`` starting with ``prefix``, in order."""
        ...

    def scan(self) -> Iterator[tuple[bytes, StoredRow]]:
        """Yield every row in key order (expired rows included)."""
        ...

    def count(self) -> int:
        """Return the number of stored rows, expired ones included."""
        ...

    def clear(self) -> None:
        """Remove every row."""
        ...

    def close(self) -> None:
        """Release the store; it cannot be used afterwards."""
        ...


class ClosedKVStore:
    """What a namespace holds after ``close()``: every call raises ``RuntimeError``."""

    def __init__(self, description: str) -> None:
        self._description = description

    def _closed(self) -> RuntimeError:
        return RuntimeError(f"{self._description} is closed")

    def get(self, key: bytes) -> StoredRow | None:
        raise self._closed()

    def put(self, key: bytes, expiration: int | None, metadata: str | None, value: bytes) -> None:
        raise self._closed()

    def put_many(self, rows: Iterable[WriteRow]) -> int:
        raise self._closed()

    def delete(self, key: bytes) -> None:
        raise self._closed()

    def delete_expired(self, at: float, key: bytes | None = None) -> int:
        raise self._closed()

    def list_after(self, prefix: bytes, after: bytes, limit: int) -> list[ListedRow]:
        raise self._closed()

    def scan(self) -> Iterator[tuple[bytes, StoredRow]]:
        raise self._closed()

    def count(self) -> int:
        raise self._closed()

    def clear(self) -> None:
        raise self._closed()

    def close(self) -> None:
        pass
