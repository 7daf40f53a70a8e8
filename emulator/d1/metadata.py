"""``meta`` as recorded when a statement runs, turned into D1's dict when first read.

Counters are taken while the statement runs. One part costs more: the database size
(``size_after``, a query). A single statement's record may leave it to be worked out later:
the engine keeps such records (weakly) and settles them before anything can change the size
(the next writing request, the sqlite-utils adapter, ``reset``), so the value is always the
one right after the statement - and a record nobody reads never costs the query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.d1.constants import SERVED_BY

__all__ = ["MetaRecord"]


class MetaRecord:
    """The ``meta`` of one statement (``as_dict()`` gives Miniflare's fields and order)."""

    __slots__ = (
        "__weakref__",
        "_dict",
        "_size_source",
        "changed_db",
        "changes",
        "duration",
        "last_row_id",
        "rows",
        "size_after",
    )

    def __init__(
        self,
        duration: float,
        changes: int,
        last_row_id: int,
        changed_db: bool,
        rows: tuple[int, int],
        size_after: int | None = None,
        size_source: Callable[[], int] | None = None,
    ) -> None:
        """Record the counters; ``size_after`` may be ``None`` with a source that works it
        out when first needed."""
        self.duration = duration
        self.changes = changes
        self.last_row_id = last_row_id
        self.changed_db = changed_db
        #: ``(rows_read, rows_written)``
        self.rows = rows
        self.size_after = size_after
        self._size_source = size_source
        self._dict: dict[str, Any] | None = None

    def settle(self, size: int | None = None) -> None:
        """Work out ``size_after`` if still pending (``size``: the database size now, if
        known)."""
        if self.size_after is None:
            if size is None:
                assert self._size_source is not None
                size = self._size_source()
            self.size_after = size
        self._size_source = None

    def as_dict(self) -> dict[str, Any]:
        """Return ``meta`` as D1 shapes it (the same dict on every call)."""
        if self._dict is None:
            self.settle()
            self._dict = {
                "served_by": SERVED_BY,
                "duration": self.duration,
                "changes": self.changes,
                "last_row_id": self.last_row_id,
                "changed_db": self.changed_db,
                "size_after": self.size_after,
                "rows_read": self.rows[0],
                "rows_written": self.rows[1],
            }
        return self._dict
