"""``D1Backend``: sessions in a D1 table with the seed's schema.

Calls only ``db.prepare(sql).bind(...)`` then ``await .first()`` or ``await .run()``.
Loads and deletes are the seed's statements; a save of a loaded session is one
conditional ``UPDATE`` (the seed's ``INSERT OR REPLACE`` would bring back a record that
another request deleted), a new session keeps the seed's ``INSERT OR REPLACE``.
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

__all__ = ["D1Backend", "D1Binding"]


class D1Statement(Protocol):
    """The part of a D1 prepared statement that sessions use."""

    def bind(self, *values: Any) -> D1Statement: ...
    async def first(self) -> Any: ...
    async def run(self) -> Any: ...


class D1Binding(Protocol):
    """The part of a D1 database binding that sessions use."""

    def prepare(self, sql: str) -> D1Statement: ...


@dataclass(frozen=True, slots=True)
class D1Backend(SessionBackend):
    """Sessions in a D1 table with the seed's schema, filtered by ``expires_at``."""

    binding: str
    table: str

    def check_max_age(self, secs: int) -> None:
        """Any max age of at least one second works: ``expires_at`` is plain SQL."""

    def check_conflict_detection(self) -> None:
        """D1 detects conflicts with a conditional ``UPDATE``: always possible."""

    def _db(self, env: Any) -> D1Binding:
        db: D1Binding = lookup_binding(env, self.binding)
        return db

    async def load(self, env: Any, session_id: str) -> LoadedRecord | None:
        """Return the unexpired row's record, or ``None`` if missing or unusable."""
        statement = self._db(env).prepare(c.D1_SELECT.format(table=self.table))
        row = await statement.bind(session_key(session_id)).first()
        return None if row is None else decode_record(row.get("data"))

    async def save(self, env: Any, write: SessionWrite) -> bool:
        """Write the row; for a loaded session only while its source row is still there.

        The check and the write are one statement, so no interleaving can bring back a
        row that a logout deleted or a ``regenerate`` moved. With ``detect_conflicts``
        the row must also still hold the text loaded (else ``False``: a lost update).
        """
        db = self._db(env)
        key = session_key(write.session_id)
        if write.source_id is None:
            statement = db.prepare(c.D1_UPSERT.format(table=self.table))
            await statement.bind(key, write.text, write.max_age).run()
            return True
        sql, params = c.D1_UPDATE, [key, write.text, write.max_age, session_key(write.source_id)]
        if write.detect_conflicts:
            sql += c.D1_UNCHANGED
            params.append(write.source_text)
        statement = db.prepare((sql + c.D1_RETURNING).format(table=self.table))
        return await statement.bind(*params).first() is not None

    async def delete(self, env: Any, session_id: str) -> None:
        """Delete the row of ``session_id``."""
        statement = self._db(env).prepare(c.D1_DELETE.format(table=self.table))
        await statement.bind(session_key(session_id)).run()
