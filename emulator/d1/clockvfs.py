"""Every SQLite time function on the emulator's clock, through the VFS.

SQLite asks its VFS for "now" (``xCurrentTimeInt64``) whenever a date and time function
needs it: ``unixepoch()``, ``datetime('now')``, ``date``/``time``/``julianday``/``strftime``
with ``'now'`` or no time value, ``timediff``, and the keywords ``CURRENT_TIMESTAMP``,
``CURRENT_DATE`` and ``CURRENT_TIME`` (column ``DEFAULT``s included). A VFS that inherits the
platform's file handling and answers that one question from the ``Clock`` therefore moves
every time function at once, while SQLite's own C code does the computing:

- every modifier (``'+1 day'``, ``'start of month'``, ``'subsec'``, ``'weekday N'``,
  ``'auto'``, ``'ceiling'``/``'floor'``, ...) behaves exactly as in SQLite;
- "now" stays constant within a statement step, as SQLite guarantees;
- SQLite's own flags stay in force: the date functions remain usable in indexes and
  ``CHECK`` constraints with fixed arguments, and ``'now'`` there fails with SQLite's
  "non-deterministic use of date() in a CHECK constraint", as on D1;
- calls that do not need "now" never reach Python.

This was preferred over re-registering the functions in Python (which would have to
re-implement or delegate every modifier and could not tell a ``CHECK`` context from a query).
``'localtime'`` still converts with the C library's time zone (D1 runs in UTC).
"""

from __future__ import annotations

import math
import uuid
from typing import Final

from emulator import _apsw as apsw
from emulator.clock import Clock

__all__ = ["ClockVFS", "julian_day_ms"]

# Julian day number of the Unix epoch, in milliseconds (SQLite's ``unixEpoch``).
_UNIX_EPOCH_JD_MS: Final = 210_866_760_000_000


def julian_day_ms(epoch_seconds: float) -> int:
    """Convert epoch seconds to SQLite's Julian-day milliseconds, truncated to the ms.

    Half a microsecond is added first, so an instant written as ``...123`` seconds stays at
    123 ms although its binary float is a hair below it.
    """
    return math.floor(epoch_seconds * 1000.0 + 0.0005) + _UNIX_EPOCH_JD_MS


class ClockVFS(apsw.VFS):
    """A VFS that delegates everything to the default VFS except the current time.

    Each database registers its own instance under a unique name (SQLite's VFS registry is
    process-wide) and unregisters it with ``close()``.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._now = clock.now  # bound once: this is read on every step that needs "now"
        self.vfs_name = f"cf-emulator-clock-{uuid.uuid4().hex}"
        super().__init__(self.vfs_name, base="")

    def xCurrentTimeInt64(self) -> int:
        # julian_day_ms, inlined for speed.
        return math.floor(self._now() * 1000.0 + 0.0005) + _UNIX_EPOCH_JD_MS

    def xCurrentTime(self) -> float:
        return julian_day_ms(self.clock.now()) / 86_400_000.0

    def close(self) -> None:
        """Unregister the VFS; connections using it must be closed first."""
        self.unregister()
