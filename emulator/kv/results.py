"""What KV calls return: ``get_with_metadata`` and ``list`` results, and stored entries.

Shapes follow the Workers runtime in Python spelling (``list_complete``, ``cache_status``).
``cache_status`` is always ``None`` (docs/kv.md#results); ``cursor`` is ``None`` on the last page,
where the runtime leaves the property out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from emulator.kv.values import decode_text, parse_json

__all__ = ["KVEntry", "KVListKey", "KVListResult", "KVValueWithMetadata"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class KVValueWithMetadata(Generic[T]):
    """A value read with its metadata (``None`` when the key has none, or is missing)."""

    value: T | None
    metadata: Any = None
    cache_status: None = None


# Not frozen, unlike its siblings: a page builds 1000 of these, and a frozen dataclass's
# __init__ (object.__setattr__ per field) would more than double the cost of a list call.
@dataclass(slots=True)
class KVListKey:
    """One key of a ``list`` page: its name, absolute expiration (int seconds) and metadata."""

    name: str
    expiration: int | None = None
    metadata: Any = None


@dataclass(frozen=True, slots=True)
class KVListResult:
    """A ``list`` page; pass ``cursor`` to the next call while ``list_complete`` is false."""

    keys: list[KVListKey] = field(default_factory=list)
    list_complete: bool = True
    cursor: str | None = None
    cache_status: None = None


@dataclass(frozen=True, slots=True)
class KVEntry:
    """A stored entry as the sync helpers see it: value bytes, metadata, expiration.

    ``KVNamespace.snapshot()`` returns these; ``KVNamespace.seed()`` accepts them, so a
    snapshot can be seeded into another namespace (expirations must still lie 60 s ahead).
    """

    value: bytes
    metadata: Any = None
    expiration: int | None = None

    @property
    def text(self) -> str:
        """The value decoded as UTF-8 (bad bytes become U+FFFD)."""
        return decode_text(self.value)

    def json(self) -> Any:
        """The value parsed as JSON; raises ``json.JSONDecodeError`` if it is not JSON."""
        return parse_json(self.value)
