"""Session storage in KV or D1, only through the binding API.

The same calls work on this project's emulator and on real Workers bindings:
``await kv.get(key)``, ``await kv.put(key, value, expiration_ttl=...)``,
``await kv.delete(key)``; ``db.prepare(sql).bind(...)`` then ``await .first()`` or
``await .run()``. The SQL is exactly the seed's three statements.

Both backends store the session data as a JSON object under ``session:<id>``. A record
that is no longer a JSON object (edited by hand, written by another program) loads as
``None``, so the request starts a new session where the seed would answer 500.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from emulator.session import constants as c
from emulator.session.config import D1Backend, KVBackend, SessionConfig
from emulator.session.context import lookup_binding
from emulator.session.values import JSONValue

__all__ = ["D1Binding", "KVBinding", "delete", "load", "save", "session_key"]


class KVBinding(Protocol):
    """The part of a KV namespace binding that sessions use."""

    async def get(self, key: str) -> Any: ...
    async def put(self, key: str, value: str, *, expiration_ttl: int) -> Any: ...
    async def delete(self, key: str) -> Any: ...


class D1Statement(Protocol):
    """The part of a D1 prepared statement that sessions use."""

    def bind(self, *values: Any) -> D1Statement: ...
    async def first(self) -> Any: ...
    async def run(self) -> Any: ...


class D1Binding(Protocol):
    """The part of a D1 database binding that sessions use."""

    def prepare(self, sql: str) -> D1Statement: ...


def session_key(session_id: str) -> str:
    """The seed's storage key for a session: ``session:<id>``."""
    return c.SESSION_KEY.format(id=session_id)


def _decode(text: object) -> dict[str, JSONValue] | None:
    if not isinstance(text, str):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


async def load(env: Any, config: SessionConfig, session_id: str) -> dict[str, JSONValue] | None:
    """Return the data stored for ``session_id``, or ``None`` if missing, expired or unusable.

    Raises whatever the binding (or its lookup) raises.
    """
    key = session_key(session_id)
    backend = config.backend
    if isinstance(backend, KVBackend):
        kv: KVBinding = lookup_binding(env, backend.binding)
        return _decode(await kv.get(key))
    db: D1Binding = lookup_binding(env, backend.binding)
    row = await db.prepare(c.D1_SELECT.format(table=backend.table)).bind(key).first()
    return None if row is None else _decode(row.get("data"))


async def save(
    env: Any, config: SessionConfig, session_id: str, data: dict[str, JSONValue]
) -> None:
    """Store ``data`` for ``session_id``, to expire ``config.max_age_secs`` from now.

    Raises whatever the binding (or its lookup) raises.
    """
    key = session_key(session_id)
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    backend = config.backend
    if isinstance(backend, KVBackend):
        kv: KVBinding = lookup_binding(env, backend.binding)
        await kv.put(key, text, expiration_ttl=config.max_age_secs)
        return
    db: D1Binding = lookup_binding(env, backend.binding)
    statement = db.prepare(c.D1_UPSERT.format(table=backend.table))
    await statement.bind(key, text, config.max_age_secs).run()


async def delete(env: Any, config: SessionConfig, session_id: str) -> None:
    """Delete the record of ``session_id`` (no error if there is none).

    Raises whatever the binding (or its lookup) raises.
    """
    key = session_key(session_id)
    backend: KVBackend | D1Backend = config.backend
    if isinstance(backend, KVBackend):
        kv: KVBinding = lookup_binding(env, backend.binding)
        await kv.delete(key)
        return
    db: D1Binding = lookup_binding(env, backend.binding)
    await db.prepare(c.D1_DELETE.format(table=backend.table)).bind(key).run()
