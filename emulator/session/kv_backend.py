"""``KVBackend``: sessions in a Workers KV namespace, as the seed keeps them.

Calls only ``await kv.get(key)``, ``await kv.put(key, value, expiration_ttl=...)`` and
``await kv.delete(key)``, so it runs on this project's emulator and on real bindings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from emulator.session import constants as c
from emulator.session.backend import (
    LoadedRecord,
    SessionBackend,
    SessionWrite,
    decode_record,
    session_key,
)
from emulator.session.context import lookup_binding
from emulator.session.errors import CfArgumentError

__all__ = ["KVBackend", "KVBinding"]


class KVBinding(Protocol):
    """The part of a KV namespace binding that sessions use."""

    async def get(self, key: str) -> Any: ...
    async def put(self, key: str, value: str, *, expiration_ttl: int) -> Any: ...
    async def delete(self, key: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class KVBackend(SessionBackend):
    """Sessions in a Workers KV namespace, under ``session:<id>``, expiring by TTL."""

    binding: str

    def check_max_age(self, secs: int) -> None:
        """KV refuses an ``expiration_ttl`` under 60: such a max age fails when built."""
        if secs < c.KV_MIN_EXPIRATION_TTL:
            raise CfArgumentError(c.KV_MAX_AGE_TOO_SHORT.format(secs=secs))

    def check_conflict_detection(self) -> None:
        """KV has no compare-and-set: conflict detection is refused when built."""
        raise CfArgumentError(c.KV_NO_CONFLICT_DETECTION)

    def _kv(self, env: Any) -> KVBinding:
        kv: KVBinding = lookup_binding(env, self.binding)
        return kv

    async def load(self, env: Any, session_id: str) -> LoadedRecord | None:
        """Return the record under ``session:<id>``, or ``None`` if missing or unusable."""
        return decode_record(await self._kv(env).get(session_key(session_id)))

    async def save(self, env: Any, write: SessionWrite) -> bool:
        """Put the record with ``expiration_ttl = max_age``, if its source is still there.

        KV cannot make the put conditional, so the source record is read again just
        before it: a logout or ``regenerate`` that finished before this save began is
        never undone. What remains is the window between that read and the put (one
        binding round trip), and on Cloudflare KV's propagation: a delete made through
        another location may not be visible to this read for up to 60 seconds. Use D1
        where that matters.
        """
        kv = self._kv(env)
        source = write.source_id
        if source is not None and await kv.get(session_key(source)) is None:
            return False
        await kv.put(session_key(write.session_id), write.text, expiration_ttl=write.max_age)
        if source is not None and source != write.session_id:
            await kv.delete(session_key(source))
        return True

    async def delete(self, env: Any, session_id: str) -> None:
        """Delete ``session:<id>``."""
        await self._kv(env).delete(session_key(session_id))
